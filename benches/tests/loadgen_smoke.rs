//! Smoke test of the load harness (correctness only; speed lives in benches/compare.sh):
//! the real `bare_receiver` and `loadgen` binaries exchange a small bounded load over
//! loopback TCP and the receiver counts exactly what was sent; the generated workload has
//! the requested share of auth failures, and rollcall's own parser classifies every one of
//! them as an auth event.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rollcall_benches::harness::observe::{http_get, sum_series};
use rollcall_benches::workload::{self, FormatMix, Framing, WorkloadSpec};
use rollcall_parse::{parse_auth, ParseContext};
use serde_json::Value;

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the bare receiver and returns (process, tcp address, metrics address).
fn start_bare_receiver() -> (Running, SocketAddr, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bare_receiver"))
        .args([
            "--tcp",
            "127.0.0.1:0",
            "--metrics",
            "127.0.0.1:0",
            "--max-seconds",
            "120",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("bare_receiver starts");
    let stderr = child.stderr.take().expect("stderr piped");
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stderr)
        .read_line(&mut line)
        .expect("ready line");
    // ready listeners=tcp/127.0.0.1:PORT metrics=127.0.0.1:PORT
    let field = |prefix: &str| -> SocketAddr {
        line.split_whitespace()
            .find_map(|w| w.split(',').find_map(|p| p.strip_prefix(prefix)))
            .and_then(|a| a.strip_prefix("tcp/").or(Some(a)))
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no {prefix} in {line:?}"))
    };
    let tcp = field("listeners=");
    let metrics = field("metrics=");
    (running, tcp, metrics)
}

fn counted(metrics: SocketAddr) -> (u64, u64) {
    let s = sum_series(&http_get(metrics, "/metrics").expect("metrics answer"));
    (
        s["bare_messages_received_total"] as u64,
        s["bare_bytes_received_total"] as u64,
    )
}

fn run_loadgen(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(args)
        .output()
        .expect("loadgen runs");
    assert!(
        out.status.success(),
        "loadgen {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("loadgen prints one JSON line")
}

#[test]
fn bare_receiver_counts_exactly_what_loadgen_sent() {
    let (_receiver, tcp, metrics) = start_bare_receiver();
    for framing in ["lf", "octet"] {
        let before = counted(metrics);
        let report = run_loadgen(&[
            "send",
            "--target",
            &tcp.to_string(),
            "--messages",
            "1000",
            "--connections",
            "3",
            "--framing",
            framing,
            "--attackers",
            "2",
            "--usernames-per-attacker",
            "15",
            "--duration",
            "60",
        ]);
        assert_eq!(report["sent_messages"], 1000, "{report}");
        let payload = report["sent_payload_bytes"].as_u64().unwrap();
        // The receiver counts asynchronously; wait (bounded) for it to catch up.
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut now = counted(metrics);
        while now.0 - before.0 < 1000 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            now = counted(metrics);
        }
        assert_eq!(now.0 - before.0, 1000, "{framing}: messages counted");
        assert_eq!(
            now.1 - before.1,
            payload,
            "{framing}: bytes counted (framing excluded)"
        );
    }
}

#[test]
fn loadgen_measures_through_the_receivers_counters() {
    let (receiver, tcp, metrics) = start_bare_receiver();
    let report = run_loadgen(&[
        "send",
        "--target",
        &tcp.to_string(),
        "--messages",
        "2000",
        "--attackers",
        "1",
        "--observe-prom",
        &metrics.to_string(),
        "--msg-metric",
        "bare_messages_received_total",
        "--bytes-metric",
        "bare_bytes_received_total",
        "--pid",
        &receiver.0.id().to_string(),
        "--label",
        "bare",
    ]);
    assert_eq!(report["accepted"], 2000, "{report}");
    assert_eq!(report["complete"], true, "{report}");
    assert_eq!(report["lost"], 0, "{report}");
    assert!(report["peak_rss_bytes"].as_u64().unwrap() > 0, "{report}");
    assert!(report["cpu_seconds"].as_f64().is_some(), "{report}");
}

#[test]
fn loadgen_refuses_non_loopback_targets() {
    let out = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["send", "--target", "192.0.2.1:514", "--messages", "10"])
        .output()
        .expect("loadgen runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a loopback"));
}

#[test]
fn generated_auth_failures_have_the_requested_share_and_parse_as_auth_events() {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for (share, mix) in [
        (0.05, "leef=1,snare=1,json=1,text=1"),
        (0.2, "snare=3,text=1"),
    ] {
        let spec = WorkloadSpec {
            messages: 10_000,
            mix: mix.parse::<FormatMix>().unwrap(),
            auth_failure_share: share,
            attackers: 3,
            usernames_per_attacker: 15,
            time_ms: now_ms,
            framing: Framing::Lf,
            ..WorkloadSpec::default()
        };
        let w = workload::build(&spec).unwrap();
        let expected = (10_000.0 * share) as usize;
        assert_eq!(w.stats.auth_failures, expected);
        let ctx = ParseContext { now_ms };
        let mut auth = 0;
        for i in 0..w.len() {
            let (_, parsed) = parse_auth(w.message(i), &ctx);
            match parsed {
                Ok(Some(ev)) => {
                    assert!(!ev.username.is_empty());
                    assert!(ev.source_ip.is_some() || ev.workstation.is_some());
                    auth += 1;
                }
                Ok(None) => {}
                Err(e) => panic!(
                    "message {i} failed to parse: {e}\n{}",
                    String::from_utf8_lossy(w.message(i))
                ),
            }
        }
        assert_eq!(
            auth, expected,
            "mix {mix}: parser's auth events vs generated failures"
        );
    }
}

#[test]
fn every_subcommand_parses_its_arguments() {
    // clap reports conflicting argument definitions only when a subcommand is used.
    for sub in ["send", "hostile", "latency", "dump", "table"] {
        let out = Command::new(env!("CARGO_BIN_EXE_loadgen"))
            .args([sub, "--help"])
            .output()
            .expect("loadgen runs");
        assert!(
            out.status.success(),
            "loadgen {sub} --help: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

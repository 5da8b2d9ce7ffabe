//! Issue 5: a scenario stream sent to the running appliance over one TCP connection yields
//! exactly the offenses `rollcall replay` prints for the same file.
//!
//! The scenario (`e2e_tcp_vs_replay/scenario.rs`) mixes every sender shape, several attackers
//! crossing Medium / High / Critical, a source below the first tier, an excluded CIDR, a
//! collector relaying for hundreds of workstations, and noise. The replay's offenses are first
//! checked against the expectations derived from the scenario itself (so a missing tier fails
//! even if both paths lost it), then the live offenses are compared with them field by field.
//!
//! What cannot be equal, and is checked for what it should be instead:
//! - `detection_id`: random live, deterministic in replay. Offenses sharing an id (escalations
//!   of one campaign) must share one on the other side too.
//! - `detected_at`: wall clock live, event time in replay.
//! - `relays`: live, the transport peer (`127.0.0.1`); replay has no transport, so none.

mod common;
#[path = "e2e_tcp_vs_replay/scenario.rs"]
mod scenario;
#[path = "e2e_tcp_vs_replay/shapes.rs"]
mod shapes;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use common::{metric_value, Rollcall};
use scenario::{Expected, Scenario, TIERS};
use serde_json::{json, Map, Value};

#[derive(Clone, Copy, Debug)]
enum Framing {
    /// One message per line (RFC 6587 non-transparent framing).
    Lf,
    /// RFC 6587 octet counting: `LEN SP MSG`, no delimiter.
    OctetCounted,
}

/// The live config; replay reads the same file, so both apply the same detection settings.
fn config(offense_file: &Path) -> String {
    format!(
        r#"
[[listen]]
protocol = "tcp"
address = "127.0.0.1:0"
framing = "auto"

[detection]
# Every frame reaches the appliance from 127.0.0.1, the test's relay: marked as a collector,
# as a production relay (WEC, rsyslog) should be.
collectors = ["127.0.0.1/32"]
exclude_sources = ["{excluded}"]

[[output]]
protocol = "file"
path = "{path}"
format = "json"

[metrics]
address = "127.0.0.1:0"
"#,
        excluded = scenario::EXCLUDED_NET,
        path = offense_file.display()
    )
}

fn wall_clock_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

struct Replayed {
    offenses: Vec<Value>,
    summary: Value,
}

fn replay(config: &Path, file: &Path) -> Replayed {
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .arg("replay")
        .arg("--config")
        .arg(config)
        .args(["--format", "json"])
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("running rollcall replay");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "replay failed: {stderr}");
    let summary = serde_json::from_str(stderr.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("replay summary is not JSON ({e}): {stderr}"));
    let offenses = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("offense JSON ({e}): {l}")))
        .collect();
    Replayed { offenses, summary }
}

/// Sends every line over one connection, then closes our side.
fn send(addr: SocketAddr, lines: &[String], framing: Framing) {
    let mut stream = Vec::new();
    for line in lines {
        match framing {
            Framing::Lf => {
                stream.extend_from_slice(line.as_bytes());
                stream.push(b'\n');
            }
            Framing::OctetCounted => {
                write!(stream, "{} {line}", line.len()).unwrap();
            }
        }
    }
    let mut conn = TcpStream::connect(addr).expect("connecting to the tcp listener");
    conn.write_all(&stream).unwrap();
    conn.shutdown(Shutdown::Write).unwrap();
}

/// The complete lines of the offense file (a line still being appended is left out).
fn offense_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Offenses raised so far, by the appliance's own count.
fn offenses_raised(metrics: &str) -> f64 {
    TIERS
        .iter()
        .map(|(tier, _)| {
            metric_value(
                metrics,
                &format!("rollcall_offenses_total{{tier=\"{tier}\"}}"),
            )
            .unwrap_or(0.0)
        })
        .sum()
}

/// `(source, unique_usernames)`: one offense per tier crossing makes this a unique key.
fn sort_key(o: &Value) -> (String, u64) {
    (
        o["source"].as_str().unwrap_or_default().to_owned(),
        o["unique_usernames"].as_u64().unwrap_or_default(),
    )
}

fn sorted(offenses: &[Value]) -> Vec<Value> {
    let mut v = offenses.to_vec();
    v.sort_by_key(sort_key);
    v
}

fn round_to(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

/// The replay's offenses are exactly the ones the reference rule gives for the scenario.
fn check_expected(offenses: &[Value], expected: &[Expected]) {
    let mut expected = expected.to_vec();
    expected.sort_by_key(|e| (e.source.to_owned(), e.unique));
    let want: Vec<String> = expected
        .iter()
        .map(|e| format!("{} {}", e.source, e.tier))
        .collect();
    let got: Vec<String> = sorted(offenses)
        .iter()
        .map(|o| format!("{} {}", o["source"], o["suspicion_score"]).replace('"', ""))
        .collect();
    assert_eq!(got, want, "offenses (source tier) of the replay");
    for (o, e) in sorted(offenses).iter().zip(&expected) {
        let what = format!("{} {}: {o}", e.source, e.tier);
        assert_eq!(o["attribution"], e.attribution, "{what}");
        assert_eq!(o["unique_usernames"], e.unique, "{what}");
        assert_eq!(o["total_failures"], e.total, "{what}");
        assert_eq!(o["first_seen"], shapes::rfc3339(e.first_ms), "{what}");
        assert_eq!(o["last_seen"], shapes::rfc3339(e.last_ms), "{what}");
        let duration = round_to((e.last_ms - e.first_ms) as f64 / 60_000.0, 1);
        let rate = round_to(
            e.unique as f64 / if duration == 0.0 { 1.0 } else { duration },
            2,
        );
        assert_eq!(o["duration_minutes"].as_f64(), Some(duration), "{what}");
        assert_eq!(o["enum_rate_per_min"].as_f64(), Some(rate), "{what}");
        let per_code: u64 = o["codes"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(per_code, e.total, "codes add up to the failures: {what}");
        assert!(
            !o["sample_usernames"].as_array().unwrap().is_empty(),
            "{what}"
        );
        assert_eq!(o["rule"], "t1589-enum");
        assert_eq!(o["technique"], "T1589");
        assert_eq!(o["tactic"], "Reconnaissance");
    }
}

/// An offense without the fields that cannot be equal across the two paths.
fn comparable(o: &Value) -> Map<String, Value> {
    let mut m = o.as_object().expect("an offense is an object").clone();
    for key in ["detection_id", "detected_at", "relays"] {
        assert!(m.remove(key).is_some(), "offense without {key}: {o}");
    }
    m
}

/// Live and replay offenses are the same, field by field.
fn compare(replayed: &[Value], live: &[Value]) {
    let names = |v: &[Value]| -> Vec<(String, u64)> { sorted(v).iter().map(sort_key).collect() };
    assert_eq!(
        names(live),
        names(replayed),
        "offenses (source, unique_usernames): live vs replay"
    );
    let mut campaigns: BTreeMap<String, String> = BTreeMap::new();
    for (r, l) in sorted(replayed).iter().zip(&sorted(live)) {
        let what = format!("the {} offense of {}", r["suspicion_score"], r["source"]);
        assert_eq!(r["relays"], json!([]), "replay has no transport: {what}");
        assert_eq!(
            l["relays"],
            json!(["127.0.0.1"]),
            "live relay is the sender: {what}"
        );
        let (rm, lm) = (comparable(r), comparable(l));
        assert_eq!(
            rm.keys().collect::<Vec<_>>(),
            lm.keys().collect::<Vec<_>>(),
            "fields of {what}"
        );
        for (key, value) in &rm {
            assert_eq!(
                &lm[key], value,
                "{key} of {what} (live first, replay second)\nlive:   {l}\nreplay: {r}"
            );
        }
        // Escalations of one campaign share an id on both sides, and only they do.
        let (rid, lid) = (
            r["detection_id"].as_str().unwrap().to_owned(),
            l["detection_id"].as_str().unwrap().to_owned(),
        );
        let previous = campaigns.insert(rid.clone(), lid.clone());
        assert!(
            previous.is_none_or(|p| p == lid),
            "campaign {rid} split live: {what}"
        );
    }
    let live_ids: std::collections::BTreeSet<&String> = campaigns.values().collect();
    assert_eq!(
        live_ids.len(),
        campaigns.len(),
        "distinct campaigns merged live"
    );
}

/// What the detector did with the failures: the live counters equal the replay's.
fn compare_engine(metrics: &str, summary: &Value) {
    for (outcome, key) in [
        ("counted", "counted"),
        ("ignored_code", "ignored_code"),
        ("excluded_source", "excluded_source"),
        ("excluded_username", "excluded_username"),
        ("no_source", "no_source"),
        ("outside_window", "outside_window"),
        ("clock_skew", "dropped_clock_skew"),
    ] {
        let live = metric_value(
            metrics,
            &format!("rollcall_detector_events_total{{outcome=\"{outcome}\"}}"),
        );
        let replayed = summary["engine"][key].as_f64();
        assert_eq!(live, replayed, "detector outcome {outcome}: live vs replay");
    }
    assert_eq!(
        summary["engine"]["dropped_clock_skew"], 0,
        "the scenario is within the clock-skew tolerance"
    );
}

fn tcp_stream_matches_replay(framing: Framing) {
    let dir = tempfile::tempdir().unwrap();
    let Scenario { lines, expected } = scenario::build(wall_clock_ms());
    assert_eq!(expected.len(), 6, "scenario: 3 + 2 + 1 tier crossings");
    let file = dir.path().join("scenario.log");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let offense_file = dir.path().join("offenses.jsonl");
    let config_text = config(&offense_file);
    let config_path = dir.path().join("rollcall.toml");
    std::fs::write(&config_path, &config_text).unwrap();

    let replayed = replay(&config_path, &file);
    assert_eq!(
        replayed.summary["records"],
        lines.len(),
        "{}",
        replayed.summary
    );
    assert_eq!(replayed.summary["parse_errors"], 0, "{}", replayed.summary);
    check_expected(&replayed.offenses, &expected);

    let rollcall = Rollcall::start(&config_text);
    let addr = rollcall.listener("tcp");
    send(addr, &lines, framing);
    let received =
        format!("rollcall_messages_received_total{{listener=\"tcp/{addr}\",protocol=\"tcp\"}}");
    rollcall.wait_for_metric(&received, lines.len() as f64);
    // The last message is not a failure, so every failure before it has been handled: what
    // the appliance counted as raised must all reach the file.
    rollcall.wait_until("every raised offense is in the offense file", |r| {
        offense_lines(&offense_file).len() as f64 == offenses_raised(&r.scrape())
    });
    let metrics = rollcall.scrape();
    assert_eq!(
        metric_value(&metrics, &received),
        Some(lines.len() as f64),
        "every line is one message ({framing:?})"
    );
    let live: Vec<Value> = offense_lines(&offense_file)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("offense JSON ({e}): {l}")))
        .collect();
    compare(&replayed.offenses, &live);
    compare_engine(&metrics, &replayed.summary);
    let auth_events: f64 = ["ntlm_4625", "kerberos_4771", "kerberos_4768"]
        .iter()
        .map(|k| {
            metric_value(
                &metrics,
                &format!("rollcall_auth_events_total{{kind=\"{k}\"}}"),
            )
            .unwrap_or(0.0)
        })
        .sum();
    assert_eq!(
        Some(auth_events),
        replayed.summary["auth_events"].as_f64(),
        "failures recognised: live (after the pre-filter) vs replay (full parse)"
    );
}

#[test]
fn a_tcp_stream_with_lf_framing_raises_the_offenses_replay_prints() {
    tcp_stream_matches_replay(Framing::Lf);
}

#[test]
fn a_tcp_stream_with_octet_counting_raises_the_offenses_replay_prints() {
    tcp_stream_matches_replay(Framing::OctetCounted);
}

//! Parser benchmarks: `parse_auth` (the hot path) per payload format on authentication
//! failures, on the traffic it must reject (firewalls, Linux, Windows successes), on lines that
//! pass the prefilter only to be rejected later, and on a realistic mix (95 % not
//! authentication failures). Throughput is reported both in bytes and in messages.
//!
//! `cargo bench -p rollcall-benches --bench parse`. Before Criterion runs, one line per set
//! gives MB/s and msgs/s per CPU-second of the measuring thread (stable on a loaded machine).
//! `PARSE_BENCH_FIGURES_ONLY=1` stops after those; `PARSE_BENCH_PROFILE=<set>` only loops
//! over one set (for `valgrind --tool=callgrind`), `PARSE_BENCH_PROFILE=list` names the sets.

mod parse_fixtures;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use parse_fixtures as fx;
use parse_fixtures::Rng;
use rollcall_benches::workload::{self, events, Actor, BenignKind, Envelope, PayloadFormat};
use rollcall_parse::message::may_hold_auth_failure;
use rollcall_parse::{parse_auth, AuthKind, Format, ParseContext};

const CTX: ParseContext = ParseContext {
    now_ms: 1_795_400_000_000,
};

/// Lines per format set: enough variety that no single line is memorised.
const PER_SET: usize = 64;
/// Lines in the mix.
const MIX: usize = 2_000;

type Generator = fn(&mut Rng) -> String;

/// An authentication-failure set: every line must parse to the expected kind.
struct AuthSet {
    name: &'static str,
    generate: Generator,
    format: Format,
    kind: AuthKind,
}

const AUTH_SETS: &[AuthSet] = &[
    AuthSet {
        name: "leef_4625",
        generate: fx::leef_4625,
        format: Format::Leef,
        kind: AuthKind::Ntlm4625,
    },
    AuthSet {
        name: "cef_4625",
        generate: fx::cef_4625,
        format: Format::Cef,
        kind: AuthKind::Ntlm4625,
    },
    AuthSet {
        name: "rfc5424_sd_4625",
        generate: fx::rfc5424_4625,
        format: Format::Text,
        kind: AuthKind::Ntlm4625,
    },
    AuthSet {
        name: "wincollect_kv_4625",
        generate: fx::wincollect_4625,
        format: Format::Kv,
        kind: AuthKind::Ntlm4625,
    },
    AuthSet {
        name: "snare_4771",
        generate: fx::snare_4771,
        format: Format::Snare,
        kind: AuthKind::Kerberos4771,
    },
    AuthSet {
        name: "rfc3164_text_4625",
        generate: fx::text_4625,
        format: Format::Text,
        kind: AuthKind::Ntlm4625,
    },
    AuthSet {
        name: "winlogbeat_json_4625",
        generate: fx::winlogbeat_4625,
        format: Format::Json,
        kind: AuthKind::Ntlm4625,
    },
    AuthSet {
        name: "azure_signin_json",
        generate: fx::azure_signin,
        format: Format::Json,
        kind: AuthKind::AzureSignin,
    },
];

/// Traffic that holds no authentication failure and none of the prefilter's markers.
const REJECT_SETS: &[(&str, Generator)] = &[
    ("iptables", fx::iptables),
    ("panos_traffic_csv", fx::panos_traffic),
    ("cisco_asa", fx::cisco_asa),
    ("fortigate_kv", fx::fortigate),
    ("linux_syslog", fx::linux),
    ("leef_4624_success", fx::leef_4624),
    ("snare_4688_process", fx::snare_4688),
];

/// Lines that contain a marker by accident and are rejected only after parsing.
const LATE_REJECT_SETS: &[(&str, Generator)] = &[
    ("iptables_dport_4625", fx::iptables_port_4625),
    ("leef_4624_recno_4625", fx::leef_4624_with_4625_inside),
];

fn generate(generate: Generator, seed: u64, n: usize, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let line = generate(&mut rng);
        if keep(&line) {
            out.push(line);
        }
    }
    out
}

fn auth_lines(set: &AuthSet, seed: u64, n: usize) -> Vec<String> {
    let lines = generate(set.generate, seed, n, |_| true);
    for line in &lines {
        let (format, result) = parse_auth(line.as_bytes(), &CTX);
        let ev = match result {
            Ok(Some(ev)) => ev,
            other => panic!(
                "{}: expected an auth event, got {other:?}: {line}",
                set.name
            ),
        };
        assert_eq!(format, set.format, "{}: {line}", set.name);
        assert_eq!(ev.kind, set.kind, "{}: {line}", set.name);
        assert!(!ev.username.is_empty(), "{}: {line}", set.name);
        assert!(ev.source_ip.is_some(), "{}: {line}", set.name);
    }
    lines
}

/// Non-auth lines; `clean` keeps only lines the prefilter rejects (random numbers in real
/// traffic sometimes contain `4625`; those are measured separately).
fn reject_lines(g: Generator, seed: u64, n: usize, clean: bool) -> Vec<String> {
    let lines = generate(g, seed, n, |l| {
        !clean || !may_hold_auth_failure(l.as_bytes())
    });
    for line in &lines {
        let (_, result) = parse_auth(line.as_bytes(), &CTX);
        assert!(matches!(result, Ok(None)), "{result:?}: {line}");
    }
    lines
}

/// 95 % other traffic (firewalls, Linux, Windows successes; random numbers left as they come,
/// so some pass the prefilter), 5 % authentication failures across the formats.
fn mix_lines() -> Vec<String> {
    // (generator, share in per-mille)
    let auth: [(Generator, usize); 8] = [
        (fx::leef_4625, 10),
        (fx::wincollect_4625, 8),
        (fx::snare_4771, 6),
        (fx::cef_4625, 6),
        (fx::rfc5424_4625, 6),
        (fx::winlogbeat_4625, 6),
        (fx::text_4625, 4),
        (fx::azure_signin, 4),
    ];
    let other: [(Generator, usize); 7] = [
        (fx::panos_traffic, 200),
        (fx::iptables, 150),
        (fx::cisco_asa, 150),
        (fx::fortigate, 150),
        (fx::linux, 160),
        (fx::leef_4624, 80),
        (fx::snare_4688, 60),
    ];
    let mut lines = Vec::with_capacity(MIX);
    let mut seed = 1_000;
    for (g, per_mille) in auth.iter().chain(other.iter()) {
        seed += 1;
        lines.extend(generate(*g, seed, MIX * per_mille / 1000, |_| true));
    }
    // Deterministic shuffle (Fisher–Yates) so formats interleave as they would on the wire.
    let mut rng = Rng::new(42);
    for i in (1..lines.len()).rev() {
        let j = rng.range(0, i as u64 + 1) as usize;
        lines.swap(i, j);
    }
    lines
}

/// Parses every line once; returns how many were authentication failures.
fn parse_all(lines: &[String]) -> usize {
    let mut found = 0;
    for line in lines {
        let (_, result) = parse_auth(black_box(line.as_bytes()), &CTX);
        if matches!(result, Ok(Some(_))) {
            found += 1;
        }
    }
    found
}

fn prefilter_all(lines: &[String]) -> usize {
    lines
        .iter()
        .filter(|l| may_hold_auth_failure(black_box(l.as_bytes())))
        .count()
}

fn bytes_of(lines: &[String]) -> u64 {
    lines.iter().map(|l| l.len() as u64).sum()
}

/// Every benchmarked set, by name.
fn all_sets() -> Vec<(String, Vec<String>)> {
    let mut sets = Vec::new();
    for (i, set) in AUTH_SETS.iter().enumerate() {
        sets.push((
            format!("auth/{}", set.name),
            auth_lines(set, i as u64, PER_SET),
        ));
    }
    for (i, (name, g)) in REJECT_SETS.iter().enumerate() {
        sets.push((
            format!("reject/{name}"),
            reject_lines(*g, 100 + i as u64, PER_SET, true),
        ));
    }
    let mut all_reject = Vec::new();
    for (_, lines) in sets.iter().filter(|(n, _)| n.starts_with("reject/")) {
        all_reject.extend(lines.iter().cloned());
    }
    sets.push(("reject/all_clean".to_owned(), all_reject));
    for (i, (name, g)) in LATE_REJECT_SETS.iter().enumerate() {
        sets.push((
            format!("late_reject/{name}"),
            reject_lines(*g, 200 + i as u64, PER_SET, false),
        ));
    }
    sets.push(("mix/95_5".to_owned(), mix_lines()));
    sets.push((
        "auth/nxlog_json_4625".to_owned(),
        checked(
            nxlog_json_lines(300, |who| {
                events::failure_event(workload::PROBE_FAILURE, who)
            }),
            Some(AuthKind::Ntlm4625),
        ),
    ));
    sets.push((
        "late_reject/nxlog_json_4776_success".to_owned(),
        checked(
            nxlog_json_lines(301, |who| {
                events::benign_event(BenignKind::CredentialValidationOk, who)
            }),
            None,
        ),
    ));
    sets.push(("e2e/workload_mix".to_owned(), e2e_workload_lines()));
    sets
}

/// Asserts every line parses (as JSON) to an event of `kind`, or to none.
fn checked(lines: Vec<String>, kind: Option<AuthKind>) -> Vec<String> {
    for line in &lines {
        let (format, result) = parse_auth(line.as_bytes(), &CTX);
        assert_eq!(format, Format::Json, "{line}");
        match (result, kind) {
            (Ok(Some(ev)), Some(kind)) => assert_eq!(ev.kind, kind, "{line}"),
            (Ok(None), None) => {}
            (other, _) => panic!("expected {kind:?}, got {other:?}: {line}"),
        }
    }
    lines
}

/// NXLog `to_json()` after an RFC 5424 header, as the load harness sends it (its renderer):
/// the JSON records of the end-to-end workload, with a ~1 KB escaped `Message`.
fn nxlog_json_lines(seed: u64, make: fn(&Actor<'_>) -> events::WinEvent) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..PER_SET)
        .map(|i| {
            let user = format!("user{:05}", rng.range(0, 20_000));
            let ws = format!("WS{:05}", rng.range(0, 20_000));
            let v = rng.next_u64();
            let who = Actor {
                username: &user,
                source: Some(std::net::IpAddr::from([
                    10,
                    (v >> 8) as u8,
                    (v >> 16) as u8,
                    7,
                ])),
                workstation: &ws,
                port: rng.range(1024, 65535) as u16,
            };
            let host = format!("dc{:02}", rng.range(1, 40));
            let env = Envelope {
                time_ms: 1_795_400_000_000 - rng.range(0, 60_000) as i64,
                host: &host,
                record: 1_000_000 + i as u64,
            };
            let mut out = Vec::new();
            workload::render::render(PayloadFormat::Json, &env, &make(&who), &mut out);
            String::from_utf8(out).expect("renderer writes UTF-8")
        })
        .collect()
}

/// The first 4 000 messages of the load harness's default workload (`loadgen`, seed 1589:
/// LEEF, Snare, NXLog JSON and text in equal shares, 5 % counted failures, the rest 4624,
/// 4634, 5156 and 4776/4768 successes): the parse share of the end-to-end path.
fn e2e_workload_lines() -> Vec<String> {
    let spec = workload::WorkloadSpec {
        messages: 4_000,
        attackers: 5,
        ..Default::default()
    };
    let w = workload::build(&spec).expect("valid workload spec");
    (0..w.len())
        .map(|i| String::from_utf8_lossy(w.message(i)).into_owned())
        .collect()
}

/// CPU time this thread has run, from the scheduler (immune to other processes competing
/// for the cores, which wall-clock figures on a shared 2-core machine are not).
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Loops over `lines` for about `budget` and prints MB/s and msgs/s per CPU-second.
fn cpu_figure(label: &str, lines: &[String], budget: Duration, run: fn(&[String]) -> usize) {
    let bytes = bytes_of(lines);
    let (c0, w0) = (thread_cpu_ns(), Instant::now());
    let mut rounds = 0u64;
    while w0.elapsed() < budget || rounds == 0 {
        black_box(run(lines));
        rounds += 1;
    }
    let (c1, wall) = (thread_cpu_ns(), w0.elapsed());
    let secs = match c0.zip(c1) {
        Some((c0, c1)) if c1 > c0 => (c1 - c0) as f64 / 1e9,
        _ => wall.as_secs_f64(),
    };
    let msgs = rounds as f64 * lines.len() as f64;
    println!(
        "  {label:<34} {:>5} B/msg {:>9.1} MB/s {:>8.3} M msgs/s {:>8.1} ns/msg",
        bytes / lines.len() as u64,
        rounds as f64 * bytes as f64 / secs / 1e6,
        msgs / secs / 1e6,
        secs * 1e9 / msgs,
    );
}

fn cpu_figures(sets: &[(String, Vec<String>)]) {
    println!("parse_auth per CPU-second of the measuring thread (MB = 10^6 bytes):");
    for (name, lines) in sets {
        cpu_figure(name, lines, Duration::from_millis(700), parse_all);
    }
    for (name, lines) in sets
        .iter()
        .filter(|(n, _)| n == "reject/all_clean" || n == "mix/95_5")
    {
        cpu_figure(
            &format!("prefilter only: {name}"),
            lines,
            Duration::from_millis(700),
            prefilter_all,
        );
    }
    if let Some((_, mix)) = sets.iter().find(|(n, _)| n == "mix/95_5") {
        println!(
            "  mix: {} lines, {} auth failures, {} pass the prefilter",
            mix.len(),
            parse_all(mix),
            prefilter_all(mix)
        );
    }
}

fn criterion_benches(c: &mut Criterion, sets: &[(String, Vec<String>)]) {
    let mut group = c.benchmark_group("parse_auth");
    for (name, lines) in sets {
        group.throughput(Throughput::ElementsAndBytes {
            elements: lines.len() as u64,
            bytes: bytes_of(lines),
        });
        group.bench_function(name.as_str(), |b| b.iter(|| parse_all(lines)));
    }
    group.finish();
    let mut group = c.benchmark_group("prefilter");
    for (name, lines) in sets
        .iter()
        .filter(|(n, _)| n == "reject/all_clean" || n == "mix/95_5")
    {
        group.throughput(Throughput::ElementsAndBytes {
            elements: lines.len() as u64,
            bytes: bytes_of(lines),
        });
        group.bench_function(name.as_str(), |b| b.iter(|| prefilter_all(lines)));
    }
    group.finish();
}

/// Loops over one set for a profiler; the count keeps the loop observable.
fn profile(sets: &[(String, Vec<String>)], which: &str) {
    let rounds: usize = std::env::var("PARSE_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(100);
    let Some((_, lines)) = sets.iter().find(|(n, _)| n == which) else {
        for (name, _) in sets {
            println!("{name}");
        }
        return;
    };
    let mut found = 0;
    for _ in 0..rounds {
        found += parse_all(lines);
    }
    println!(
        "{which}: {} lines x {rounds}, {found} auth failures",
        lines.len()
    );
}

fn main() {
    let sets = all_sets();
    if let Ok(which) = std::env::var("PARSE_BENCH_PROFILE") {
        profile(&sets, &which);
        return;
    }
    cpu_figures(&sets);
    if std::env::var_os("PARSE_BENCH_FIGURES_ONLY").is_some() {
        return;
    }
    let mut c = Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    criterion_benches(&mut c, &sets);
    c.final_summary();
}

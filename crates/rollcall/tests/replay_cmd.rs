//! `rollcall replay`: the real binary over scenario files generated here, in several formats.
//! Expected offenses are derived in the test from the scenario (reference rule: tiers 15 / 50 /
//! 100 distinct usernames in a sliding 1 h window, duration and rate rounded as the reference
//! query does), not copied from the binary's output.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// 2025-11-23T10:00:00Z.
const T0_MS: i64 = 1_763_892_000_000;
const MINUTE: i64 = 60_000;

// ---------------------------------------------------------------------------------------
// Message generators, one per format. `t` is epoch ms (within 2025-11-23, after T0).

fn hms(t: i64) -> (i64, i64, i64, i64) {
    let since = t - T0_MS + 10 * 3_600_000;
    (
        since / 3_600_000,
        since / 60_000 % 60,
        since / 1000 % 60,
        since % 1000,
    )
}

fn rfc3339(t: i64) -> String {
    let (h, m, s, ms) = hms(t);
    format!("2025-11-23T{h:02}:{m:02}:{s:02}.{ms:03}Z")
}

fn ctime(t: i64) -> String {
    let (h, m, s, _) = hms(t);
    format!("Sun Nov 23 {h:02}:{m:02}:{s:02} 2025")
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fmt {
    Rfc5424Sd,
    Leef,
    Cef,
    Winlogbeat,
    Nxlog,
    Snare,
    AzureSignin,
    Text,
}

const ALL_FORMATS: [Fmt; 8] = [
    Fmt::Rfc5424Sd,
    Fmt::Leef,
    Fmt::Cef,
    Fmt::Winlogbeat,
    Fmt::Nxlog,
    Fmt::Snare,
    Fmt::AzureSignin,
    Fmt::Text,
];

impl Fmt {
    /// The failure code the generated events carry, as offenses print it.
    fn code(self) -> &'static str {
        match self {
            Fmt::Winlogbeat => "0x18",
            Fmt::AzureSignin => "50034",
            _ => "0xC0000064",
        }
    }

    /// One failed logon of `user` from `ip` at `t`.
    fn line(self, t: i64, user: &str, ip: &str) -> String {
        let ws = "WKS-ATTACK";
        match self {
            Fmt::Rfc5424Sd => format!(
                "<86>1 {} dc01.corp.example Microsoft-Windows-Security-Auditing - - [win@32473 EventID=\"4625\" TargetUserName=\"{user}\" TargetDomainName=\"CORP\" IpAddress=\"{ip}\" WorkstationName=\"{ws}\" Status=\"0xC000006D\" SubStatus=\"0xC0000064\"]",
                rfc3339(t)
            ),
            Fmt::Leef => format!(
                "LEEF:2.0|Microsoft|Windows|10.0|4625|^|devTime={t}^TargetUserName={user}^IpAddress={ip}^WorkstationName={ws}^Status=0xC000006D^SubStatus=0xC0000064^Computer=dc01"
            ),
            Fmt::Cef => format!(
                "CEF:0|Microsoft|Microsoft Windows|10|Microsoft-Windows-Security-Auditing:4625|An account failed to log on.|5|rt={t} dvchost=dc01 duser={user} src={ip} shost={ws} cs1Label=SubStatus cs1=0xC0000064 externalId=4625"
            ),
            Fmt::Winlogbeat => format!(
                "{{\"@timestamp\":\"{}\",\"event\":{{\"code\":\"4771\"}},\"winlog\":{{\"event_id\":\"4771\",\"computer_name\":\"dc01\",\"event_data\":{{\"TargetUserName\":\"{user}\",\"IpAddress\":\"{ip}\",\"Status\":\"0x18\"}}}}}}",
                rfc3339(t)
            ),
            Fmt::Nxlog => format!(
                "{{\"EventTime\":\"{}\",\"Hostname\":\"dc01\",\"EventID\":4625,\"TargetUserName\":\"{user}\",\"IpAddress\":\"{ip}\",\"WorkstationName\":\"{ws}\",\"Status\":\"0xC000006D\",\"SubStatus\":\"0xC0000064\"}}",
                rfc3339(t)
            ),
            Fmt::Snare => format!(
                "<13>Nov 23 00:00:00 dc01 MSWinEventLog\t1\tSecurity\t1\t{}\t4625\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tFailure Audit\tdc01\tLogon\t\tAn account failed to log on.    Subject:   Security ID:  S-1-0-0   Account Name:  -   Account Domain:  -    Account For Which Logon Failed:   Security ID:  S-1-0-0   Account Name:  {user}   Account Domain:  CORP    Failure Information:   Failure Reason:  Unknown user name or bad password.   Status:   0xC000006D   Sub Status:  0xC0000064    Network Information:   Workstation Name: {ws}   Source Network Address: {ip}   Source Port:  0\t1",
                ctime(t)
            ),
            Fmt::AzureSignin => format!(
                "{{\"time\":\"{0}\",\"category\":\"SignInLogs\",\"operationName\":\"Sign-in activity\",\"properties\":{{\"createdDateTime\":\"{0}\",\"userPrincipalName\":\"{user}@contoso.com\",\"ipAddress\":\"{ip}\",\"status\":{{\"errorCode\":50034}}}}}}",
                rfc3339(t)
            ),
            Fmt::Text => format!(
                "<13>1 {} dc01 Microsoft-Windows-Security-Auditing - - - An account failed to log on.\tSubject:\tSecurity ID: S-1-0-0\tAccount Name: -\tAccount Domain: -\tAccount For Which Logon Failed:\tSecurity ID: S-1-0-0\tAccount Name: {user}\tAccount Domain: CORP\tFailure Information:\tFailure Reason: Unknown user name or bad password.\tStatus: 0xC000006D\tSub Status: 0xC0000064\tNetwork Information:\tWorkstation Name: {ws}\tSource Network Address: {ip}\tSource Port: 0",
                rfc3339(t)
            ),
        }
    }

    /// How the username shows up in offenses.
    fn shown_user(self, user: &str) -> String {
        match self {
            Fmt::AzureSignin => format!("{user}@contoso.com"),
            _ => user.to_owned(),
        }
    }
}

/// A Kerberos event in RFC 5424 SD form (4768 / 4771 with their own code).
fn kerberos_line(t: i64, event_id: u32, code: &str, user: &str, ip: &str) -> String {
    format!(
        "<86>1 {} dc01 Microsoft-Windows-Security-Auditing - - [win@32473 EventID=\"{event_id}\" TargetUserName=\"{user}\" IpAddress=\"{ip}\" Status=\"{code}\"]",
        rfc3339(t)
    )
}

/// A 4625 in RFC 5424 SD form from reporting host `host`, workstation `ws`.
fn ntlm_line(t: i64, host: &str, user: &str, ip: &str, ws: &str) -> String {
    format!(
        "<86>1 {} {host} Microsoft-Windows-Security-Auditing - - [win@32473 EventID=\"4625\" TargetUserName=\"{user}\" IpAddress=\"{ip}\" WorkstationName=\"{ws}\" Status=\"0xC000006D\" SubStatus=\"0xC0000064\"]",
        rfc3339(t)
    )
}

// ---------------------------------------------------------------------------------------
// Running the binary.

struct Replay {
    offenses: Vec<Value>,
    summary: Value,
    stdout: Vec<u8>,
}

fn replay(args: &[&str], stdin: Option<&[u8]>) -> Replay {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .arg("replay")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rollcall replay");
    if let Some(data) = stdin {
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    let out: Output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "replay failed: {stderr}");
    let summary_line = stderr.lines().last().unwrap_or_default();
    let summary: Value = serde_json::from_str(summary_line)
        .unwrap_or_else(|e| panic!("summary is not JSON ({e}): {stderr}"));
    let offenses = if args.windows(2).any(|w| w == ["--format", "json"]) {
        String::from_utf8(out.stdout.clone())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("offense JSON"))
            .collect()
    } else {
        Vec::new()
    };
    Replay {
        offenses,
        summary,
        stdout: out.stdout,
    }
}

fn write_lines(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    path
}

fn replay_json(files: &[&Path], config: Option<&Path>) -> Replay {
    let mut args: Vec<String> = vec!["--format".into(), "json".into()];
    if let Some(c) = config {
        args.push("--config".into());
        args.push(c.display().to_string());
    }
    args.extend(files.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    replay(&args, None)
}

// ---------------------------------------------------------------------------------------
// The reference rule's arithmetic, written out independently.

fn round_to(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

struct Expect {
    tier: &'static str,
    unique: u64,
    total: u64,
    first_ms: i64,
    last_ms: i64,
}

fn check_offense(o: &Value, e: &Expect, source: &str) {
    assert_eq!(o["suspicion_score"], e.tier, "{o}");
    assert_eq!(o["source"], source, "{o}");
    assert_eq!(o["unique_usernames"], e.unique, "{o}");
    assert_eq!(o["total_failures"], e.total, "{o}");
    assert_eq!(o["first_seen"], rfc3339(e.first_ms), "{o}");
    assert_eq!(o["last_seen"], rfc3339(e.last_ms), "{o}");
    let duration = round_to((e.last_ms - e.first_ms) as f64 / 60_000.0, 1);
    let rate = round_to(
        e.unique as f64 / if duration == 0.0 { 1.0 } else { duration },
        2,
    );
    assert!(
        (o["duration_minutes"].as_f64().unwrap() - duration).abs() < 1e-9,
        "{o}"
    );
    assert!(
        (o["enum_rate_per_min"].as_f64().unwrap() - rate).abs() < 1e-9,
        "{o}"
    );
    assert_eq!(o["rule"], "t1589-enum");
    assert_eq!(o["technique"], "T1589");
    assert_eq!(o["tactic"], "Reconnaissance");
}

fn codes(o: &Value) -> BTreeMap<String, u64> {
    o["codes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

// ---------------------------------------------------------------------------------------

/// 120 distinct usernames from one address, one every 15 s (30 minutes).
fn sweep(fmt: Fmt, ip: &str) -> Vec<String> {
    (0..120)
        .map(|i| fmt.line(T0_MS + i * 15_000, &format!("user{i:03}"), ip))
        .collect()
}

#[test]
fn a_sweep_escalates_medium_high_critical_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for fmt in ALL_FORMATS {
        let file = write_lines(
            dir.path(),
            &format!("{fmt:?}.log"),
            &sweep(fmt, "203.0.113.7"),
        );
        let r = replay_json(&[&file], None);
        assert_eq!(r.offenses.len(), 3, "{fmt:?}: {:?}", r.offenses);
        for (o, (tier, n)) in
            r.offenses
                .iter()
                .zip([("Medium", 15), ("High", 50), ("Critical", 100)])
        {
            let e = Expect {
                tier,
                unique: n,
                total: n,
                first_ms: T0_MS,
                last_ms: T0_MS + (n as i64 - 1) * 15_000,
            };
            check_offense(o, &e, "203.0.113.7");
            assert_eq!(o["attribution"], "event_ip");
            assert_eq!(
                codes(o),
                BTreeMap::from([(fmt.code().to_owned(), n)]),
                "{fmt:?}"
            );
            let sample = o["sample_usernames"].as_array().unwrap();
            assert!(!sample.is_empty());
            assert_eq!(sample[0], fmt.shown_user("user000"), "{fmt:?}");
        }
        // One campaign: escalations share the detection id.
        let ids: Vec<&Value> = r.offenses.iter().map(|o| &o["detection_id"]).collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "{fmt:?}: {ids:?}");
        let s = &r.summary;
        assert_eq!(s["files"], 1);
        assert_eq!(s["records"], 120);
        assert_eq!(s["messages"], 120);
        assert_eq!(s["auth_events"], 120, "{fmt:?}: {s}");
        assert_eq!(s["offenses"], 3);
        assert_eq!(s["by_tier"]["Medium"], 1);
        assert_eq!(s["by_tier"]["High"], 1);
        assert_eq!(s["by_tier"]["Critical"], 1);
        assert_eq!(s["parse_errors"], 0);
        assert!(s["elapsed_ms"].is_u64());
    }
}

#[test]
fn leef_output_is_the_default_and_carries_the_source() {
    let lines = sweep(Fmt::Leef, "198.51.100.9");
    let mut input = lines.join("\n");
    input.push('\n');
    let r = replay(&["-"], Some(input.as_bytes()));
    let text = String::from_utf8(r.stdout).unwrap();
    let out: Vec<&str> = text.lines().collect();
    assert_eq!(out.len(), 3);
    for (line, score) in out.iter().zip(["Medium", "High", "Critical"]) {
        assert!(line.contains("LEEF:2.0|Rollcall|"), "{line}");
        assert!(line.contains("src=198.51.100.9"), "{line}");
        assert!(line.contains(&format!("suspicion_score={score}")), "{line}");
    }
}

#[test]
fn kerberos_spray_counts_4768_and_4771_together() {
    let dir = tempfile::tempdir().unwrap();
    let ip = "2001:db8::44";
    let mut lines = Vec::new();
    for i in 0..60i64 {
        let t = T0_MS + i * 10_000;
        let user = format!("krb{i:02}");
        // Alternate: unknown principal (4768 0x6) and bad password (4771 0x18).
        if i % 2 == 0 {
            lines.push(kerberos_line(t, 4768, "0x6", &user, ip));
        } else {
            lines.push(kerberos_line(t, 4771, "0x18", &user, ip));
        }
        // Noise that must not count: a successful TGT and a 4771 with an uncounted code.
        lines.push(kerberos_line(t + 1, 4768, "0x0", &format!("ok{i}"), ip));
        lines.push(kerberos_line(
            t + 2,
            4771,
            "0x12",
            &format!("locked{i}"),
            ip,
        ));
    }
    let file = write_lines(dir.path(), "kerberos.log", &lines);
    let r = replay_json(&[&file], None);
    assert_eq!(r.offenses.len(), 2, "{:?}", r.offenses);
    for (o, (tier, n)) in r.offenses.iter().zip([("Medium", 15u64), ("High", 50)]) {
        let e = Expect {
            tier,
            unique: n,
            total: n,
            first_ms: T0_MS,
            last_ms: T0_MS + (n as i64 - 1) * 10_000,
        };
        check_offense(o, &e, ip);
        let even = n.div_ceil(2);
        assert_eq!(
            codes(o),
            BTreeMap::from([("0x6".to_owned(), even), ("0x18".to_owned(), n - even)])
        );
    }
    // 60 counted failures + 60 uncounted 4771 0x12; the successes are not auth events.
    assert_eq!(r.summary["auth_events"], 120);
    assert_eq!(r.summary["engine"]["ignored_code"], 60);
}

#[test]
fn ipv4_mapped_and_non_canonical_ipv6_sources_are_one_source_each() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    for i in 0..16i64 {
        let t = T0_MS + i * 1000;
        let mapped = if i % 2 == 0 {
            "::ffff:192.0.2.10"
        } else {
            "192.0.2.10"
        };
        lines.push(Fmt::Rfc5424Sd.line(t, &format!("m{i}"), mapped));
        let v6 = if i % 2 == 0 {
            "2001:DB8:0:0:0:0:0:1"
        } else {
            "2001:db8::1"
        };
        lines.push(Fmt::Rfc5424Sd.line(t, &format!("v{i}"), v6));
    }
    let file = write_lines(dir.path(), "addresses.log", &lines);
    let r = replay_json(&[&file], None);
    let mut sources: Vec<&str> = r
        .offenses
        .iter()
        .map(|o| o["source"].as_str().unwrap())
        .collect();
    sources.sort_unstable();
    assert_eq!(sources, ["192.0.2.10", "2001:db8::1"], "{:?}", r.offenses);
    for o in &r.offenses {
        assert_eq!(o["unique_usernames"], 15);
        assert_eq!(o["suspicion_score"], "Medium");
    }
}

/// 14 users in the first 14 seconds, then a 15th `gap` after the first.
fn edge_scenario(gap_ms: i64) -> Vec<String> {
    let mut lines: Vec<String> = (0..14)
        .map(|i| Fmt::Rfc5424Sd.line(T0_MS + i * 1000, &format!("edge{i}"), "203.0.113.60"))
        .collect();
    lines.push(Fmt::Rfc5424Sd.line(T0_MS + gap_ms, "edge-last", "203.0.113.60"));
    lines
}

#[test]
fn the_window_is_one_hour_on_event_time() {
    let dir = tempfile::tempdir().unwrap();
    let inside = write_lines(dir.path(), "59.log", &edge_scenario(59 * MINUTE));
    let r = replay_json(&[&inside], None);
    assert_eq!(r.offenses.len(), 1, "{:?}", r.offenses);
    let e = Expect {
        tier: "Medium",
        unique: 15,
        total: 15,
        first_ms: T0_MS,
        last_ms: T0_MS + 59 * MINUTE,
    };
    check_offense(&r.offenses[0], &e, "203.0.113.60");

    let outside = write_lines(dir.path(), "61.log", &edge_scenario(61 * MINUTE));
    let r = replay_json(&[&outside], None);
    assert!(r.offenses.is_empty(), "{:?}", r.offenses);
    assert_eq!(r.summary["auth_events"], 15);
}

#[test]
fn a_collector_forwarding_for_many_hosts_is_never_the_source() {
    let dir = tempfile::tempdir().unwrap();
    // 1000 workstations, each failing once, all delivered by one collector (the syslog
    // HOSTNAME and Computer are the collector's): with and without client addresses.
    let with_ip: Vec<String> = (0..1000i64)
        .map(|i| {
            ntlm_line(
                T0_MS + i * 1000,
                "wec01.corp.example",
                &format!("person{i}"),
                &format!("10.{}.{}.{}", i / 65_536, i / 256 % 256, i % 256 + 1),
                &format!("WS{i:04}"),
            )
        })
        .collect();
    let without_ip: Vec<String> = (0..1000i64)
        .map(|i| {
            ntlm_line(
                T0_MS + i * 1000,
                "wec01.corp.example",
                &format!("person{i}"),
                "-",
                &format!("WS{i:04}"),
            )
        })
        .collect();
    for (name, lines) in [("with-ip.log", with_ip), ("without-ip.log", without_ip)] {
        let file = write_lines(dir.path(), name, &lines);
        let r = replay_json(&[&file], None);
        assert!(r.offenses.is_empty(), "{name}: {:?}", r.offenses.first());
        assert_eq!(r.summary["auth_events"], 1000, "{name}");
        assert_eq!(r.summary["engine"]["counted"], 1000, "{name}");
    }
}

#[test]
fn excluded_sources_from_config_are_never_reported() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rollcall.toml");
    std::fs::write(
        &config,
        r#"
[[listen]]
protocol = "udp"
address = "127.0.0.1:0"

[detection]
exclude_sources = ["192.0.2.192/26"]

[[output]]
protocol = "stdout"
hostname = "rc-replay"
"#,
    )
    .unwrap();
    let mut lines = sweep(Fmt::Rfc5424Sd, "192.0.2.200");
    lines.extend(sweep(Fmt::Rfc5424Sd, "192.0.2.100"));
    let file = write_lines(dir.path(), "mixed.log", &lines);
    let r = replay_json(&[&file], Some(&config));
    assert_eq!(r.offenses.len(), 3, "{:?}", r.offenses);
    assert!(r.offenses.iter().all(|o| o["source"] == "192.0.2.100"));
    assert_eq!(r.summary["engine"]["excluded_source"], 120);

    // The LEEF form uses the configured hostname as the syslog HOSTNAME.
    let args = ["--config", config.to_str().unwrap(), file.to_str().unwrap()];
    let text = String::from_utf8(replay(&args, None).stdout).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(
        text.lines().all(|l| l.contains(" rc-replay LEEF:2.0|")),
        "{text}"
    );
}

#[test]
fn null_and_anonymous_usernames_are_not_counted() {
    let dir = tempfile::tempdir().unwrap();
    let ip = "203.0.113.70";
    let mut lines = Vec::new();
    let mut t = T0_MS;
    for user in ["-", "", "ANONYMOUS LOGON", "N/A", "anonymous logon"] {
        for _ in 0..5 {
            t += 1000;
            lines.push(Fmt::Rfc5424Sd.line(t, user, ip));
        }
    }
    for i in 0..14 {
        t += 1000;
        lines.push(Fmt::Rfc5424Sd.line(t, &format!("real{i}"), ip));
    }
    let file = write_lines(dir.path(), "null-users.log", &lines);
    let r = replay_json(&[&file], None);
    assert!(r.offenses.is_empty(), "{:?}", r.offenses);
    assert_eq!(r.summary["engine"]["excluded_username"], 25);

    t += 1000;
    lines.push(Fmt::Rfc5424Sd.line(t, "real14", ip));
    let file = write_lines(dir.path(), "null-users-plus-one.log", &lines);
    let r = replay_json(&[&file], None);
    assert_eq!(r.offenses.len(), 1, "{:?}", r.offenses);
    assert_eq!(r.offenses[0]["unique_usernames"], 15);
    assert_eq!(r.offenses[0]["total_failures"], 15);
}

#[test]
fn case_variants_of_a_username_count_once() {
    let dir = tempfile::tempdir().unwrap();
    let ip = "203.0.113.80";
    let mut lines = Vec::new();
    let mut t = T0_MS;
    for i in 0..14 {
        for user in [format!("jdoe{i}"), format!("JDOE{i}"), format!("JDoe{i}")] {
            t += 1000;
            lines.push(Fmt::Rfc5424Sd.line(t, &user, ip));
        }
    }
    let file = write_lines(dir.path(), "case.log", &lines);
    assert!(replay_json(&[&file], None).offenses.is_empty());

    t += 1000;
    lines.push(Fmt::Rfc5424Sd.line(t, "jdoe14", ip));
    let file = write_lines(dir.path(), "case-plus-one.log", &lines);
    let r = replay_json(&[&file], None);
    assert_eq!(r.offenses.len(), 1, "{:?}", r.offenses);
    let e = Expect {
        tier: "Medium",
        unique: 15,
        total: 43,
        first_ms: T0_MS + 1000,
        last_ms: t,
    };
    check_offense(&r.offenses[0], &e, ip);
}

#[test]
fn inputs_split_across_files_out_of_order_are_merged_by_event_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = sweep(Fmt::Leef, "203.0.113.90");
    lines.extend(sweep(Fmt::Nxlog, "203.0.113.91"));
    let whole = write_lines(dir.path(), "whole.log", &lines);
    let reference = replay_json(&[&whole], None);
    assert_eq!(reference.offenses.len(), 6);

    // Even lines to one file, odd to another, each file in reverse order.
    let mut a: Vec<String> = lines.iter().step_by(2).cloned().collect();
    let mut b: Vec<String> = lines.iter().skip(1).step_by(2).cloned().collect();
    a.reverse();
    b.reverse();
    let fa = write_lines(dir.path(), "a.log", &a);
    let fb = write_lines(dir.path(), "b.log", &b);
    let split = replay_json(&[&fb, &fa], None);
    // Same offenses, same detection ids (campaigns are numbered in event-time order).
    assert_eq!(split.offenses, reference.offenses);
    assert_eq!(split.summary["files"], 2);
    assert_eq!(split.summary["records"], 240);
}

#[test]
fn reruns_print_identical_offenses() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_lines(dir.path(), "sweep.log", &sweep(Fmt::Cef, "203.0.113.99"));
    let args = [file.to_str().unwrap()];
    let first = replay(&args, None).stdout;
    let second = replay(&args, None).stdout;
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

#[test]
fn replay_counts_every_failure_parse_shows() {
    // Replay parses messages exactly as `rollcall parse` does: over the parse fixtures, the
    // failures it collects are the non-null `auth` lines of the expected outputs.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parse");
    let mut files = Vec::new();
    let mut expected_auth = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "expected") {
            let text = std::fs::read_to_string(&path).unwrap();
            expected_auth += text
                .lines()
                .filter(|l| serde_json::from_str::<Value>(l).unwrap()["auth"] != Value::Null)
                .count();
            files.push(path.with_extension(""));
        }
    }
    let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let r = replay_json(&refs, None);
    assert_eq!(r.summary["files"], files.len());
    assert_eq!(r.summary["auth_events"], expected_auth);
    assert_eq!(r.summary["parse_errors"], 0);
}

//! Offenses reach QRadar through outages of both ends: the real binary delivers to a real
//! receiving process (`tools/syslog_receiver.py`, standing in for QRadar's syslog listener)
//! that is down at first, comes up later and is killed and restarted mid-stream, while
//! rollcall itself is SIGKILLed with offenses in its spool and started again.
//!
//! The set of offenses rollcall emitted (its JSON file output, written in the same fan-out)
//! must equal the set the receiver got, each first arrival in emission order; duplicates are
//! allowed (at-least-once) and are identical lines. Every received line is parsed by an
//! independent LEEF parser (nsyslog-parser) and checked field by field, including the syslog
//! HOSTNAME QRadar uses as log source identifier.
//!
//! No timing assertions: every wait polls a condition until a deadline. Delivery deadlines
//! are long because a reconnect may wait out a backoff of up to 30 s.

mod common;
mod qradar_support;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{certs, free_tcp_port, metric_value, require_tool, Rollcall};
use qradar_support::{field, nsyslog_parse, received, Receiver, ReceiverTls};
use serde_json::Value;

const HOSTNAME: &str = "rc-qradar-test";
const DELIVERY_DEADLINE: Duration = Duration::from_secs(150);

/// Each attacker probes this many usernames: with tiers 2/3/4 that is 3 offenses each.
const USERS_PER_ATTACKER: usize = 4;
const OFFENSES_PER_ATTACKER: usize = 3;

struct Scenario {
    _dir: tempfile::TempDir,
    spool: PathBuf,
    state: PathBuf,
    /// rollcall's JSON file output: what it emitted.
    emitted: PathBuf,
    /// What the receiver took, across its restarts.
    received: PathBuf,
    port: u16,
}

impl Scenario {
    fn new() -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        Scenario {
            spool: dir.path().join("spool"),
            state: dir.path().join("state"),
            emitted: dir.path().join("emitted.jsonl"),
            received: dir.path().join("received.log"),
            // Reserved and released: nothing listens there until the receiver starts.
            port: free_tcp_port(),
            _dir: dir,
        }
    }

    fn config(&self, protocol: &str, extra: &str) -> String {
        format!(
            "[[listen]]\nprotocol = \"tcp\"\naddress = \"127.0.0.1:0\"\n\n\
             [detection]\ntiers = {{ medium = 2, high = 3, critical = 4 }}\n\n\
             [[output]]\nprotocol = \"{protocol}\"\naddress = \"127.0.0.1:{port}\"\n\
             hostname = \"{HOSTNAME}\"\nspool_dir = \"{spool}\"\n{extra}\n\n\
             [[output]]\nprotocol = \"file\"\nformat = \"json\"\npath = \"{emitted}\"\n\n\
             [metrics]\naddress = \"127.0.0.1:0\"\n\n[state]\ndir = \"{state}\"\n",
            port = self.port,
            spool = self.spool.display(),
            emitted = self.emitted.display(),
            state = self.state.display(),
        )
    }

    fn emitted(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.emitted)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("emitted JSON"))
            .collect()
    }

    fn received_lines(&self) -> Vec<String> {
        received(&self.received)
            .into_iter()
            .map(|(_, m)| m)
            .collect()
    }

    /// Received offenses by key, from the raw lines (the full parse is at the end).
    fn received_keys(&self) -> HashSet<(String, String)> {
        self.received_lines()
            .iter()
            .filter_map(|l| raw_key(l))
            .collect()
    }

    fn all_emitted_received(&self) -> bool {
        let got = self.received_keys();
        self.emitted().iter().all(|o| got.contains(&emitted_key(o)))
    }
}

/// (detection_id, suspicion_score): one offense. Escalations of one campaign share the id.
fn emitted_key(o: &Value) -> (String, String) {
    (
        o["detection_id"].as_str().unwrap().to_owned(),
        o["suspicion_score"].as_str().unwrap().to_owned(),
    )
}

fn raw_key(line: &str) -> Option<(String, String)> {
    let value = |key: &str| {
        let start = line.find(&format!("^{key}="))? + key.len() + 2;
        let rest = &line[start..];
        Some(rest.split('^').next()?.to_owned())
    };
    Some((value("detection_id")?, value("suspicion_score")?))
}

/// A 4625 "no such user" as NXLog forwards it (RFC 5424, nil timestamp: event time = now).
fn failed_logon(user: &str, attacker: &str) -> String {
    format!(
        "<14>1 - DC01.corp.example NXLog - - - LEEF:1.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4625|\
         EventID=4625\tTargetUserName={user}\tTargetDomainName=CORP\tStatus=0xc000006d\t\
         SubStatus=0xc0000064\tLogonType=3\tWorkstationName=KALI\tIpAddress={attacker}\tIpPort=51515\n"
    )
}

/// One attacker enumerating accounts, over one TCP connection to rollcall.
fn attack(listener: SocketAddr, attacker: &str) {
    let mut conn = TcpStream::connect(listener).unwrap();
    for i in 0..USERS_PER_ATTACKER {
        conn.write_all(failed_logon(&format!("probe{i}"), attacker).as_bytes())
            .unwrap();
    }
}

fn attackers(range: std::ops::Range<u8>) -> Vec<String> {
    range.map(|i| format!("203.0.113.{i}")).collect()
}

fn wait_for(what: &str, deadline: Duration, rollcall: Option<&Rollcall>, probe: impl Fn() -> bool) {
    let start = Instant::now();
    while !probe() {
        if start.elapsed() > deadline {
            let log = rollcall
                .map(|r| r.stderr_lines().join("\n"))
                .unwrap_or_default();
            let metrics = rollcall.and_then(|r| r.http_get("/metrics")).map(|m| m.1);
            panic!(
                "never happened: {what}\n--- rollcall stderr ---\n{log}\n--- metrics ---\n{}",
                metrics.unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn output_metric(
    rollcall: &Rollcall,
    scenario: &Scenario,
    protocol: &str,
    metric: &str,
    extra: &str,
) -> Option<f64> {
    let series = format!(
        "{metric}{{output=\"{protocol}/127.0.0.1:{}\"{extra}}}",
        scenario.port
    );
    metric_value(&rollcall.scrape(), &series)
}

/// Emits offenses with the receiver down, SIGKILLs rollcall with them spooled, restarts it,
/// brings the receiver up, then kills and restarts the receiver mid-stream.
fn scenario(protocol: &str, extra: &str, receiver_tls: Option<&ReceiverTls<'_>>) -> Scenario {
    let s = Scenario::new();
    let config = s.config(protocol, extra);

    // 1. QRadar is down. Offenses are spooled, not lost.
    let rollcall = Rollcall::start(&config);
    let first = attackers(10..18);
    for a in &first {
        attack(rollcall.listener("tcp"), a);
    }
    let expected = first.len() * OFFENSES_PER_ATTACKER;
    wait_for(
        "phase 1 offenses emitted",
        DELIVERY_DEADLINE,
        Some(&rollcall),
        || s.emitted().len() == expected,
    );
    rollcall.wait_until("all phase 1 offenses spooled", |r| {
        output_metric(r, &s, protocol, "rollcall_output_spool_records", "") == Some(expected as f64)
    });
    rollcall.wait_until("a failed connection attempt counted", |r| {
        output_metric(
            r,
            &s,
            protocol,
            "rollcall_output_send_failures_total",
            ",reason=\"connect\"",
        )
        .is_some_and(|v| v >= 1.0)
    });
    assert!(output_metric(
        &rollcall,
        &s,
        protocol,
        "rollcall_output_oldest_undelivered_age_seconds",
        ""
    )
    .is_some_and(|v| v >= 0.0));
    assert!(s.received_lines().is_empty());

    // 2. SIGKILL (Rollcall's drop) with everything in the spool, then start again.
    drop(rollcall);
    let rollcall = Rollcall::start(&config);
    assert!(
        rollcall
            .stderr_lines()
            .iter()
            .any(|l| l.contains("spool opened") && l.contains(&format!("undelivered={expected}"))),
        "the restarted rollcall found the spool: {:?}",
        rollcall.stderr_lines()
    );

    // 3. QRadar comes up: the spool drains.
    let receiver = Receiver::start(s.port, &s.received, receiver_tls);
    wait_for(
        "the spooled offenses delivered",
        DELIVERY_DEADLINE,
        Some(&rollcall),
        || s.all_emitted_received(),
    );

    // 4. A stream of offenses; the receiver is killed in the middle of it.
    let listener = rollcall.listener("tcp");
    let stream = std::thread::spawn(move || {
        for a in attackers(30..40) {
            attack(listener, &a);
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let before = s.received_lines().len();
    wait_for(
        "part of the stream received",
        DELIVERY_DEADLINE,
        Some(&rollcall),
        || s.received_lines().len() >= before + OFFENSES_PER_ATTACKER,
    );
    receiver.kill();
    rollcall.wait_until("rollcall saw the connection go", |r| {
        output_metric(r, &s, protocol, "rollcall_output_connected", "") == Some(0.0)
    });
    // Offenses raised while QRadar is away.
    let emitted_at_kill = s.emitted().len();
    for a in attackers(50..53) {
        attack(rollcall.listener("tcp"), &a);
    }
    wait_for(
        "offenses emitted while the receiver is down",
        DELIVERY_DEADLINE,
        Some(&rollcall),
        || s.emitted().len() >= emitted_at_kill + 3 * OFFENSES_PER_ATTACKER,
    );
    stream.join().unwrap();
    let total = (first.len() + 10 + 3) * OFFENSES_PER_ATTACKER;
    wait_for(
        "every offense emitted",
        DELIVERY_DEADLINE,
        Some(&rollcall),
        || s.emitted().len() == total,
    );

    // 5. The receiver is back: everything arrives.
    let _receiver = Receiver::start(s.port, &s.received, receiver_tls);
    wait_for(
        "every offense delivered",
        DELIVERY_DEADLINE,
        Some(&rollcall),
        || s.all_emitted_received(),
    );
    rollcall.wait_until("the spool confirmed empty", |r| {
        output_metric(r, &s, protocol, "rollcall_output_spool_records", "") == Some(0.0)
    });
    rollcall.wait_until("deliveries counted", |r| {
        output_metric(r, &s, protocol, "rollcall_output_delivered_total", "")
            .is_some_and(|v| v >= 1.0)
    });
    check_received(&s);
    s
}

/// The set of received offenses equals the set emitted, first arrivals are in emission
/// order, duplicates are identical lines, and nsyslog-parser reads every line as we meant it.
fn check_received(s: &Scenario) {
    let emitted = s.emitted();
    let lines = s.received_lines();
    let emitted_keys: Vec<(String, String)> = emitted.iter().map(emitted_key).collect();
    assert_eq!(
        emitted_keys.iter().collect::<HashSet<_>>().len(),
        emitted_keys.len(),
        "each offense emitted once"
    );

    let mut first_seen: Vec<(String, String)> = Vec::new();
    let mut line_of: HashMap<(String, String), &String> = HashMap::new();
    for line in &lines {
        let key = raw_key(line).unwrap_or_else(|| panic!("not an offense line: {line}"));
        match line_of.get(&key) {
            Some(earlier) => assert_eq!(*earlier, line, "a duplicate is the same line"),
            None => {
                line_of.insert(key.clone(), line);
                first_seen.push(key);
            }
        }
    }
    assert_eq!(
        first_seen.iter().collect::<HashSet<_>>(),
        emitted_keys.iter().collect::<HashSet<_>>(),
        "received set = emitted set"
    );
    assert_eq!(
        first_seen, emitted_keys,
        "first arrivals keep the emission order"
    );
    eprintln!(
        "{} offenses emitted, {} lines received ({} duplicates)",
        emitted.len(),
        lines.len(),
        lines.len() - emitted.len()
    );

    let Some(parsed) = nsyslog_parse(&lines) else {
        return;
    };
    let by_key: HashMap<(String, String), &Value> =
        emitted.iter().map(|o| (emitted_key(o), o)).collect();
    for (line, p) in lines.iter().zip(&parsed) {
        assert!(p.get("error").is_none(), "nsyslog-parser failed on {line}");
        assert_eq!(p["host"], HOSTNAME, "syslog HOSTNAME in {line}");
        assert_eq!(p["type"], "LEEF", "{line}");
        let leef = &p["leef"];
        assert_eq!(leef["leefVersion"], "LEEF:2.0");
        assert_eq!(leef["vendor"], "Rollcall");
        assert_eq!(leef["product"], "RollcallDetector");
        assert_eq!(leef["eventID"], "ROLLCALL_ACCOUNT_ENUMERATION");
        assert_eq!(leef["delimiter"], "^");
        let key = (
            field(p, "detection_id").unwrap().to_owned(),
            field(p, "suspicion_score").unwrap().to_owned(),
        );
        let o = by_key[&key];
        assert_eq!(field(p, "src"), o["source"].as_str(), "{line}");
        assert_eq!(field(p, "cat"), Some("Reconnaissance"));
        let sev = match key.1.as_str() {
            "Medium" => "5",
            "High" => "7",
            "Critical" => "9",
            other => panic!("score {other}"),
        };
        assert_eq!(field(p, "sev"), Some(sev), "{line}");
        for k in ["total_failures", "unique_usernames"] {
            assert_eq!(
                field(p, k).map(|v| v.parse::<u64>().unwrap()),
                o[k].as_u64(),
                "{k} in {line}"
            );
        }
        for k in ["first_seen", "last_seen"] {
            assert_eq!(field(p, k), o[k].as_str(), "{k} in {line}");
        }
        assert_eq!(field(p, "attribution"), Some("event_ip"));
        assert_eq!(field(p, "mitre_technique"), Some("T1589"));
        assert_eq!(field(p, "mitre_tactic_id"), Some("TA0043"));
        let users = field(p, "usernames_sample").unwrap();
        let mut users: Vec<&str> = users.split(',').collect();
        users.sort_unstable();
        let mut sample: Vec<&str> = o["sample_usernames"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_str().unwrap())
            .collect();
        sample.sort_unstable();
        assert_eq!(users, sample, "{line}");
    }
}

fn python_available() -> bool {
    require_tool("python3")
}

#[test]
fn tcp_delivery_survives_receiver_outages_and_sigkill() {
    if !python_available() {
        return;
    }
    let s = scenario("tcp", "", None);
    assert!(
        received(&s.received)
            .iter()
            .all(|(framing, _)| framing == "lf"),
        "LF framing by default"
    );
}

#[test]
fn tls_delivery_with_client_certificate_and_octet_counting() {
    if !python_available() || !require_tool("openssl") {
        return;
    }
    let pki_dir = tempfile::tempdir().unwrap();
    let pki = certs::generate(pki_dir.path());
    let extra = format!(
        "tls_ca = \"{}\"\ntls_server_name = \"localhost\"\ntls_client_cert = \"{}\"\n\
         tls_client_key = \"{}\"\nframing = \"octet\"",
        pki.ca.display(),
        pki.client_cert.display(),
        pki.client_key.display()
    );
    let tls = ReceiverTls {
        cert: &pki.server_cert,
        key: &pki.server_key,
        client_ca: Some(&pki.ca),
    };
    let s = scenario("tls", &extra, Some(&tls));
    assert!(
        received(&s.received)
            .iter()
            .all(|(framing, _)| framing == "octet"),
        "RFC 6587 octet counting when configured"
    );
}

/// The spool directory keeps its data across the SIGKILL: a sanity check of the fixture.
#[test]
fn spool_files_are_versioned_segments() {
    let s = Scenario::new();
    let config = s.config("tcp", "");
    let rollcall = Rollcall::start(&config);
    attack(rollcall.listener("tcp"), "203.0.113.99");
    wait_for(
        "offenses emitted",
        DELIVERY_DEADLINE,
        Some(&rollcall),
        || s.emitted().len() == OFFENSES_PER_ATTACKER,
    );
    rollcall.wait_until("spooled", |r| {
        output_metric(r, &s, "tcp", "rollcall_output_spool_records", "")
            == Some(OFFENSES_PER_ATTACKER as f64)
    });
    drop(rollcall);
    let segments: Vec<PathBuf> = std::fs::read_dir(&s.spool)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    assert_eq!(segments.len(), 1, "{segments:?}");
    let bytes = std::fs::read(&segments[0]).unwrap();
    assert_eq!(&bytes[..8], b"RCSPOOL\0");
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 1);
    // The three LEEF lines are in there, whole.
    let text = String::from_utf8_lossy(&bytes);
    assert_eq!(
        text.matches(&format!(" {HOSTNAME} LEEF:2.0|")).count(),
        OFFENSES_PER_ATTACKER
    );
    assert!(Path::new(&s.spool).join("ack").is_file());
}

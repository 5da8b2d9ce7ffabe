//! Differential test against an independent LEEF parser: nsyslog-parser 0.10.1 (npm, pinned
//! in `tests/leef-check/package-lock.json`). Every line we write — hand-built and random
//! offenses with hostile usernames, at UDP and TCP budgets, plus test events — goes through
//! `node tests/leef-check/check.js`, and every field it returns, percent-decoded, must say what
//! the JSON form of the same offense says.
//!
//! nsyslog-parser splits a pair on every `=` and ends the extension at a `|`; percent-encoding
//! keeps both out of values, and this test is what shows it.
//!
//! Needs `node` and `npm ci` (or `npm install`) run in `tests/leef-check`. Without them the test
//! is skipped with a note, except under CI (env `CI` set), where it fails.

mod common;

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{check_line, cut, expected_sample, offense};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use rollcall_detect::offense::{duration_minutes, enum_rate_per_min, RULE_ID};
use rollcall_detect::{Attribution, Offense, SourceKey, Tier};
use rollcall_leef::encode::{encoded_len, ValueKind};
use rollcall_leef::{percent_decode, JsonWriter, LeefConfig, LeefWriter};
use rollcall_parse::event::{CodeStyle, FailureCode};
use serde_json::Value;

const RANDOM_OFFENSES: usize = 400;

fn leef_check_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/leef-check")
}

/// `Some(dir)` when node and the installed parser are there; otherwise skip (or fail in CI).
fn parser_available() -> Option<PathBuf> {
    let dir = leef_check_dir();
    let node_ok = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let installed = dir
        .join("node_modules/nsyslog-parser/package.json")
        .is_file();
    if node_ok && installed {
        return Some(dir);
    }
    let why = if node_ok {
        format!(
            "nsyslog-parser is not installed: run `npm ci` in {}",
            dir.display()
        )
    } else {
        "`node` is not on PATH".to_string()
    };
    if std::env::var_os("CI").is_some() {
        panic!("LEEF differential test cannot run under CI: {why}");
    }
    eprintln!("SKIPPED nsyslog_parser differential test: {why}");
    None
}

/// One written line and everything needed to judge what the parser made of it.
struct Case {
    line: String,
    hostname: String,
    max_bytes: usize,
    /// The JSON form of the same offense; `None` for a test event.
    json: Option<Value>,
    offense: Option<Offense>,
    test_event: Option<(i64, [u8; 16])>,
}

fn hand_built() -> Vec<Offense> {
    let first = 1_795_402_690_004; // 2026-11-23T02:58:10.004Z
    let last = 1_795_403_699_871;
    let duration = duration_minutes(first, last);
    let base = Offense {
        rule: RULE_ID,
        source: SourceKey::Ip(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 45))),
        attribution: Attribution::EventIp,
        total_failures: 412,
        unique_usernames: 187,
        first_seen_ms: first,
        last_seen_ms: last,
        duration_minutes: duration,
        enum_rate_per_min: enum_rate_per_min(187, duration),
        tier: Tier::Critical,
        codes: vec![
            (
                FailureCode {
                    value: 0xC000_0064,
                    style: CodeStyle::NtStatus,
                },
                400,
            ),
            (
                FailureCode {
                    value: 0x18,
                    style: CodeStyle::Kerberos,
                },
                12,
            ),
        ],
        sample_usernames: [
            "administrator",
            "o'brien",
            "sql^admin",
            "a|b=c",
            "CORP\\kjones",
            "x=y=z",
            "b=c|d^e=f",
            "\"quoted\"",
            "tab\there",
            "cr\rlf\n",
            "%41",
            " lead",
            "trail ",
            "jürgen",
            "山田太郎",
            "😀emoji😀",
            "nbsp\u{a0} x",
        ]
        .map(String::from)
        .to_vec(),
        relays: vec![
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 250)),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
        ],
        reporting_hosts: vec!["DC01.corp.example".into()],
        detection_id: [0x5f; 16],
        detected_at_ms: 1_795_403_702_120,
    };
    let long = Offense {
        sample_usernames: (0..120)
            .map(|i| format!("{i}:{}", "é😀^".repeat(i % 40)))
            .collect(),
        ..base.clone()
    };
    let workstation = Offense {
        source: SourceKey::Workstation("WS-01 ^|=".into()),
        attribution: Attribution::Workstation,
        tier: Tier::Medium,
        relays: Vec::new(),
        reporting_hosts: vec![" dc=01|x ".into()],
        ..base.clone()
    };
    let peer = Offense {
        source: SourceKey::Ip(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7))),
        attribution: Attribution::Peer,
        tier: Tier::High,
        codes: Vec::new(),
        sample_usernames: Vec::new(),
        ..base.clone()
    };
    vec![base, long, workstation, peer]
}

fn build_cases() -> Vec<Case> {
    let hostnames = ["rollcall01", "qradar-src.corp.example", "RC_2"];
    let budgets = [1024, 4000];
    let mut runner = TestRunner::deterministic();
    let strategy = offense();
    let random = (0..RANDOM_OFFENSES).map(|_| {
        strategy
            .new_tree(&mut runner)
            .expect("generate an offense")
            .current()
    });
    let mut cases = Vec::new();
    for (i, o) in hand_built().into_iter().chain(random).enumerate() {
        let hostname = hostnames[i % hostnames.len()];
        let mut json = Vec::new();
        JsonWriter::new().write_offense(&o, &mut json);
        let json: Value = serde_json::from_slice(&json).expect("JSON form parses");
        for max_bytes in budgets {
            let cfg = LeefConfig {
                hostname: hostname.to_string(),
                facility: (i % 24) as u8,
                max_bytes,
            };
            let mut out = Vec::new();
            LeefWriter::new(cfg).unwrap().write_offense(&o, &mut out);
            cases.push(Case {
                line: String::from_utf8(out).unwrap(),
                hostname: hostname.to_string(),
                max_bytes,
                json: Some(json.clone()),
                offense: Some(o.clone()),
                test_event: None,
            });
        }
    }
    for (i, now) in [0i64, 1_795_404_000_000, -1, i64::MAX]
        .into_iter()
        .enumerate()
    {
        let id = [i as u8 * 0x3d; 16];
        let mut out = Vec::new();
        LeefWriter::new(LeefConfig::datagram("rollcall01"))
            .unwrap()
            .write_test_event(now, id, &mut out);
        cases.push(Case {
            line: String::from_utf8(out).unwrap(),
            hostname: "rollcall01".into(),
            max_bytes: 1024,
            json: None,
            offense: None,
            test_event: Some((now, id)),
        });
    }
    cases
}

fn run_parser(dir: &Path, cases: &[Case]) -> Vec<Value> {
    let mut input = String::new();
    for case in cases {
        input.push_str(&case.line);
        input.push('\n');
    }
    let mut child = Command::new("node")
        .arg(dir.join("check.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let mut stdin = child.stdin.take().unwrap();
    // Written from a thread so a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("node runs");
    writer.join().unwrap().expect("write to node");
    assert!(
        output.status.success(),
        "check.js failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8 from node");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("check.js prints JSON"))
        .collect()
}

fn decoded<'a>(fields: &'a serde_json::Map<String, Value>, key: &str) -> Option<String> {
    let raw: &'a str = fields.get(key)?.as_str().expect("string field");
    Some(
        percent_decode(raw)
            .expect("valid percent-encoding")
            .into_owned(),
    )
}

fn split_list(value: &str) -> Vec<String> {
    if value.is_empty() {
        return Vec::new();
    }
    value
        .split(',')
        .map(|item| percent_decode(item).unwrap().into_owned())
        .collect()
}

fn json_str_list(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Same number, allowing serde_json's not-quite-correct float parsing (one ULP or so).
fn assert_same_number(leef: &str, json: &Value, what: &str) {
    let a: f64 = leef.parse().unwrap_or_else(|_| panic!("{what}: {leef:?}"));
    let b = json
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: JSON {json}"));
    assert!(
        a == b || (a - b).abs() <= a.abs() * 4.0 * f64::EPSILON,
        "{what}: LEEF {a} vs JSON {b}"
    );
}

fn compare(case: &Case, parsed: &Value) {
    let ctx = &case.line;
    assert!(parsed.get("error").is_none(), "parser error on {ctx}");
    // Our own strict reading of the same line: nsyslog must see exactly these keys.
    let ours = check_line(&case.line, case.max_bytes);
    assert_eq!(parsed["host"], case.hostname.as_str(), "{ctx}");
    assert_eq!(
        parsed["prival"].as_u64(),
        Some(u64::from(ours.pri)),
        "{ctx}"
    );
    assert_eq!(parsed["type"], "LEEF", "{ctx}");
    let leef = &parsed["leef"];
    assert_eq!(leef["leefVersion"], "LEEF:2.0", "{ctx}");
    assert_eq!(leef["vendor"], "Rollcall", "{ctx}");
    assert_eq!(leef["product"], "RollcallDetector", "{ctx}");
    assert_eq!(leef["version"], env!("CARGO_PKG_VERSION"), "{ctx}");
    assert_eq!(leef["delimiter"], "^", "{ctx}");
    let fields = parsed["fields"].as_object().expect("fields");
    let mut keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    let mut our_keys: Vec<&str> = ours.attrs.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    our_keys.sort_unstable();
    assert_eq!(keys, our_keys, "{ctx}");
    for (k, v) in &ours.attrs {
        assert_eq!(fields[k].as_str(), Some(v.as_str()), "{k} in {ctx}");
    }
    let get = |key: &str| decoded(fields, key);

    if let Some((now, _)) = case.test_event {
        assert_eq!(leef["eventID"], "ROLLCALL_TEST", "{ctx}");
        assert_eq!(get("devTime"), Some(now.to_string()));
        assert_eq!(get("cat").as_deref(), Some("Reconnaissance"));
        assert_eq!(get("sev").as_deref(), Some("1"));
        assert_eq!(get("src").as_deref(), Some("192.0.2.1"));
        assert_eq!(fields.len(), 5, "{ctx}");
        return;
    }
    let json = case.json.as_ref().unwrap();
    let o = case.offense.as_ref().unwrap();
    assert_eq!(leef["eventID"], "ROLLCALL_ACCOUNT_ENUMERATION", "{ctx}");

    let dev_time: i64 = get("devTime").unwrap().parse().unwrap();
    let detected_at = json["detected_at"].as_str().unwrap();
    let mut expected_time = String::new();
    rollcall_parse::time::write_rfc3339_ms(&mut expected_time, dev_time);
    assert_eq!(expected_time, detected_at, "{ctx}");
    assert_eq!(
        get("cat").as_ref(),
        json["tactic"].as_str().map(String::from).as_ref()
    );
    let score = json["suspicion_score"].as_str().unwrap();
    assert_eq!(get("suspicion_score").as_deref(), Some(score));
    let sev = match score {
        "Medium" => "5",
        "High" => "7",
        "Critical" => "9",
        other => panic!("score {other}"),
    };
    assert_eq!(get("sev").as_deref(), Some(sev), "{ctx}");
    let attribution = json["attribution"].as_str().unwrap();
    assert_eq!(get("attribution").as_deref(), Some(attribution), "{ctx}");
    let source = json["source"].as_str().unwrap();
    let relays = json_str_list(&json["relays"]);
    if attribution == "workstation" {
        let src = relays.first().map_or("0.0.0.0", String::as_str);
        assert_eq!(get("src").as_deref(), Some(src), "{ctx}");
        assert_eq!(
            get("source_workstation").as_deref(),
            Some(cut(source, 64)),
            "{ctx}"
        );
    } else {
        assert_eq!(get("src").as_deref(), Some(source), "{ctx}");
        assert_eq!(get("source_workstation"), None, "{ctx}");
    }
    for key in ["total_failures", "unique_usernames"] {
        assert_eq!(
            get(key).map(|v| v.parse::<u64>().unwrap()),
            json[key].as_u64(),
            "{key} in {ctx}"
        );
    }
    for key in ["first_seen", "last_seen"] {
        assert_eq!(get(key).as_deref(), json[key].as_str(), "{key} in {ctx}");
    }
    for key in ["duration_minutes", "enum_rate_per_min"] {
        match get(key) {
            Some(v) => assert_same_number(&v, &json[key], key),
            None => assert!(json[key].is_null(), "{key} missing in {ctx}"),
        }
    }
    let codes = json["codes"].as_object().unwrap();
    if let Some(list) = get("codes") {
        let pairs: Vec<(&str, u64)> = list
            .split(',')
            .map(|p| {
                let (code, n) = p.split_once(':').expect("code:count");
                (code, n.parse().expect("count"))
            })
            .collect();
        assert_eq!(pairs.len(), o.codes.len(), "{ctx}");
        for (code, n) in pairs {
            let in_json = codes.get(code).and_then(Value::as_u64);
            // A code listed twice keeps only its last count as a JSON key.
            assert!(
                in_json == Some(n) || pairs_with(o, code) > 1,
                "code {code} in {ctx}"
            );
        }
    } else if !codes.is_empty() {
        let list: Vec<String> = o.codes.iter().map(|(c, n)| format!("{c}:{n}")).collect();
        let later = ["reporting_host", "relays"];
        assert_drop_needed(case, fields, "codes", list.join(",").len(), &later);
    }

    let sample_json: Vec<String> = json_str_list(&json["sample_usernames"])
        .into_iter()
        .filter(|u| !u.is_empty())
        .map(|u| cut(&u, 64).to_string())
        .collect();
    assert_eq!(sample_json, expected_sample(o));
    let sample = split_list(fields["usernames_sample"].as_str().unwrap());
    assert!(sample.len() <= sample_json.len(), "{ctx}");
    assert_eq!(sample[..], sample_json[..sample.len()], "{ctx}");
    let lost = sample.len() < sample_json.len()
        || json_str_list(&json["sample_usernames"])
            .iter()
            .any(|u| u.len() > 64);
    assert_eq!(
        get("usernames_sample_truncated").as_deref(),
        Some(if lost { "true" } else { "false" }),
        "{ctx}"
    );
    if let Some(next) = sample_json.get(sample.len()) {
        // Usernames are dropped only when the next one would not fit.
        let comma = usize::from(!sample.is_empty());
        assert!(
            case.line.len() + comma + encoded_len(next, ValueKind::ListItem) > case.max_bytes,
            "username dropped though it fits: {ctx}"
        );
    }
    if let Some(list) = get("relays") {
        assert_eq!(list.split(',').collect::<Vec<_>>(), relays, "{ctx}");
    } else if !relays.is_empty() {
        assert_drop_needed(case, fields, "relays", relays.join(",").len(), &[]);
    }
    assert_eq!(
        get("mitre_technique").as_deref(),
        json["technique"].as_str()
    );
    assert_eq!(get("mitre_tactic").as_deref(), json["tactic"].as_str());
    assert_eq!(get("mitre_tactic_id").as_deref(), Some("TA0043"));
    let hosts = json_str_list(&json["reporting_hosts"]);
    match get("reporting_host") {
        Some(host) => assert_eq!(Some(&host), hosts.first(), "{ctx}"),
        None => {
            if let Some(host) = hosts.first() {
                let len = encoded_len(host, ValueKind::Scalar);
                assert_drop_needed(case, fields, "reporting_host", len, &["relays"]);
            }
        }
    }
    assert_eq!(
        get("detection_id").as_deref(),
        json["detection_id"].as_str()
    );
}

/// An optional attribute may be dropped only when it did not fit at the moment the writer
/// considered it: after the mandatory attributes and the more important optional parts
/// (`codes`, then `reporting_host`, then `relays`), before any username. So this line, without
/// its usernames and the less important parts listed in `later`, plus `key=value` of
/// `value_len` bytes, must exceed the budget.
fn assert_drop_needed(
    case: &Case,
    fields: &serde_json::Map<String, Value>,
    key: &str,
    value_len: usize,
    later: &[&str],
) {
    let attr_len = |k: &str| {
        fields
            .get(k)
            .map_or(0, |v| 2 + k.len() + v.as_str().unwrap().len())
    };
    let sample = fields["usernames_sample"].as_str().unwrap().len();
    // With no names the flag reads `true`, one byte shorter than `false`.
    let flag_shrinks = usize::from(fields["usernames_sample_truncated"] == "false");
    let later_len: usize = later.iter().map(|k| attr_len(k)).sum();
    let with_it = case.line.len() - sample - flag_shrinks - later_len + 2 + key.len() + value_len;
    assert!(
        with_it > case.max_bytes,
        "{key} dropped though {with_it} bytes would fit: {}",
        case.line
    );
}

fn pairs_with(o: &Offense, code: &str) -> usize {
    o.codes
        .iter()
        .filter(|(c, _)| c.to_string() == code)
        .count()
}

#[test]
fn nsyslog_parser_reads_what_the_json_form_says() {
    let Some(dir) = parser_available() else {
        return;
    };
    let cases = build_cases();
    let parsed = run_parser(&dir, &cases);
    assert_eq!(parsed.len(), cases.len(), "one JSON line per LEEF line");
    for (case, parsed) in cases.iter().zip(&parsed) {
        compare(case, parsed);
    }
    // The comparison really covered trimmed lines and hostile names.
    assert!(cases
        .iter()
        .any(|c| c.line.contains("usernames_sample_truncated=true")));
    assert!(cases
        .iter()
        .any(|c| c.line.contains("%5E") && c.line.contains("%3D")));
    assert!(cases.iter().any(|c| c.line.contains('😀')));
    eprintln!("nsyslog-parser agreed on {} lines", cases.len());
}

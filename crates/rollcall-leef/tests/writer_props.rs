//! Property tests: every LEEF line for any (hostile) offense is well-formed, within budget and
//! reversible; every JSON line parses back to the offense.

mod common;

use common::{assert_uuid, check_line, expected_sample, offense};
use proptest::prelude::*;
use rollcall_detect::{Attribution, Offense, SourceKey, Tier};
use rollcall_leef::{percent_decode, JsonWriter, LeefConfig, LeefWriter};
use serde_json::Value;

/// Every key the writer may emit, and whether it must always be there.
const KEYS: [(&str, bool); 22] = [
    ("devTime", true),
    ("cat", true),
    ("sev", true),
    ("src", true),
    ("source_workstation", false),
    ("attribution", true),
    ("total_failures", true),
    ("unique_usernames", true),
    ("first_seen", true),
    ("last_seen", true),
    ("duration_minutes", false),
    ("enum_rate_per_min", false),
    ("suspicion_score", true),
    ("codes", false),
    ("usernames_sample", true),
    ("usernames_sample_truncated", true),
    ("relays", false),
    ("mitre_technique", true),
    ("mitre_tactic", true),
    ("mitre_tactic_id", true),
    ("reporting_host", false),
    ("detection_id", true),
];

fn writer_config() -> impl Strategy<Value = LeefConfig> {
    (
        prop_oneof!["[a-zA-Z0-9._-]{1,64}", "[!-~éß山😀]{1,40}"],
        0u8..=23,
        prop_oneof![Just(1024usize), Just(1500), Just(4000), 1024usize..8000],
    )
        .prop_map(|(hostname, facility, max_bytes)| LeefConfig {
            hostname,
            facility,
            max_bytes,
        })
}

fn syslog_severity(tier: Tier) -> u16 {
    match tier {
        Tier::Critical => 2,
        Tier::High => 3,
        Tier::Medium => 4,
    }
}

fn leef_line(w: &LeefWriter, o: &Offense) -> String {
    let mut out = Vec::new();
    w.write_offense(o, &mut out);
    String::from_utf8(out).expect("UTF-8")
}

/// serde_json's default float parser is not correctly rounded (that takes its
/// `float_roundtrip` feature), so huge numbers may come back one ULP off.
fn same_number(v: &Value, x: f64) -> bool {
    v.as_f64()
        .is_some_and(|y| y == x || (y - x).abs() <= x.abs() * 4.0 * f64::EPSILON)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn leef_lines_are_well_formed_and_reversible(cfg in writer_config(), o in offense()) {
        let w = LeefWriter::new(cfg.clone()).expect("valid config");
        let text = leef_line(&w, &o);
        let line = check_line(&text, cfg.max_bytes);

        prop_assert_eq!(&line.host, &cfg.hostname);
        prop_assert_eq!(line.pri, u16::from(cfg.facility) * 8 + syslog_severity(o.tier));
        prop_assert_eq!(&line.version, env!("CARGO_PKG_VERSION"));
        prop_assert_eq!(&line.event_id, "ROLLCALL_ACCOUNT_ENUMERATION");
        for (key, _) in &line.attrs {
            prop_assert!(KEYS.iter().any(|(k, _)| k == key), "unknown key {}", key);
        }
        for (key, required) in KEYS {
            prop_assert!(!required || line.get(key).is_some(), "missing {}", key);
        }
        let sev = o.tier.leef_severity().to_string();
        prop_assert_eq!(line.get("sev"), Some(sev.as_str()));
        prop_assert_eq!(line.get("suspicion_score"), Some(o.tier.as_str()));
        assert_uuid(line.get("detection_id").unwrap());

        // The sample decodes to a prefix of the (cut) originals; the flag says if it is less.
        let expected = expected_sample(&o);
        let value = line.get("usernames_sample").unwrap();
        let decoded: Vec<String> = if value.is_empty() {
            Vec::new()
        } else {
            value
                .split(',')
                .map(|item| percent_decode(item).expect("decodes").into_owned())
                .collect()
        };
        prop_assert!(decoded.len() <= expected.len());
        prop_assert_eq!(&decoded[..], &expected[..decoded.len()]);
        if let Some(next) = expected.get(decoded.len()) {
            let comma = usize::from(!decoded.is_empty());
            let more = comma + rollcall_leef::encode::encoded_len(next, rollcall_leef::encode::ValueKind::ListItem);
            prop_assert!(text.len() + more > cfg.max_bytes, "a username was dropped though it fits");
        }
        let lost = decoded.len() < expected.len()
            || o.sample_usernames.iter().any(|u| u.len() > 64);
        let flag = if lost { "true" } else { "false" };
        prop_assert_eq!(line.get("usernames_sample_truncated"), Some(flag));

        match &o.source {
            SourceKey::Ip(ip) => {
                let src = ip.to_string();
                prop_assert_eq!(line.get("src"), Some(src.as_str()));
                prop_assert_eq!(line.get("source_workstation"), None);
            }
            SourceKey::Workstation(name) => {
                let src = o.relays.first().map_or("0.0.0.0".to_string(), |r| r.to_string());
                prop_assert_eq!(line.get("src"), Some(src.as_str()));
                let ws = percent_decode(line.get("source_workstation").unwrap()).unwrap();
                prop_assert_eq!(ws.as_ref(), common::cut(name, 64));
            }
        }
        if let Some(host) = line.get("reporting_host") {
            let host = percent_decode(host).unwrap();
            prop_assert_eq!(host.as_ref(), o.reporting_hosts[0].as_str());
        }
    }

    #[test]
    fn test_events_are_well_formed(cfg in writer_config(), now in any::<i64>(), id in any::<[u8; 16]>()) {
        let w = LeefWriter::new(cfg.clone()).expect("valid config");
        let mut out = Vec::new();
        w.write_test_event(now, id, &mut out);
        let text = String::from_utf8(out).unwrap();
        let line = check_line(&text, cfg.max_bytes);
        prop_assert_eq!(line.pri, u16::from(cfg.facility) * 8 + 6);
        prop_assert_eq!(&line.event_id, "ROLLCALL_TEST");
        let keys: Vec<&str> = line.attrs.iter().map(|(k, _)| k.as_str()).collect();
        prop_assert_eq!(keys, ["devTime", "cat", "sev", "src", "detection_id"]);
        let dev_time = now.to_string();
        prop_assert_eq!(line.get("devTime"), Some(dev_time.as_str()));
        prop_assert_eq!(line.get("sev"), Some("1"));
        prop_assert_eq!(line.get("src"), Some("192.0.2.1"));
        assert_uuid(line.get("detection_id").unwrap());
    }

    #[test]
    fn json_lines_parse_back_to_the_offense(o in offense()) {
        let mut out = Vec::new();
        JsonWriter::new().write_offense(&o, &mut out);
        prop_assert!(!out.contains(&b'\n') && !out.contains(&b'\r'));
        let v: Value = serde_json::from_slice(&out).expect("valid JSON");
        prop_assert_eq!(v.as_object().unwrap().len(), 18);
        prop_assert_eq!(&v["rule"], "t1589-enum");
        prop_assert_eq!(v["source"].as_str().unwrap(), o.source.to_string());
        let attribution = match o.attribution {
            Attribution::EventIp => "event_ip",
            Attribution::Workstation => "workstation",
            Attribution::Peer => "peer",
        };
        prop_assert_eq!(&v["attribution"], attribution);
        prop_assert_eq!(v["total_failures"].as_u64(), Some(o.total_failures));
        prop_assert_eq!(v["unique_usernames"].as_u64(), Some(o.unique_usernames));
        prop_assert_eq!(
            rollcall_parse::time::parse_rfc3339_ms(v["first_seen"].as_str().unwrap().as_bytes()),
            // The parse crate reads years 0–9999 only.
            (-62_167_219_200_000..=253_402_300_799_999).contains(&o.first_seen_ms).then_some(o.first_seen_ms)
        );
        if o.duration_minutes.is_finite() {
            prop_assert!(same_number(&v["duration_minutes"], o.duration_minutes));
        } else {
            prop_assert!(v["duration_minutes"].is_null());
        }
        prop_assert!(same_number(&v["enum_rate_per_min"], o.enum_rate_per_min));
        prop_assert_eq!(&v["suspicion_score"], o.tier.as_str());
        let codes = v["codes"].as_object().unwrap();
        for (code, n) in &o.codes {
            let key = code.to_string();
            prop_assert!(codes.contains_key(&key));
            if o.codes.iter().filter(|(c, _)| c.to_string() == key).count() == 1 {
                prop_assert_eq!(codes[&key].as_u64(), Some(*n));
            }
        }
        let names: Vec<&str> = v["sample_usernames"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        prop_assert_eq!(names, o.sample_usernames.iter().map(String::as_str).collect::<Vec<_>>());
        let relays: Vec<&str> = v["relays"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        prop_assert_eq!(relays, o.relays.iter().map(|r| r.to_string()).collect::<Vec<_>>());
        let hosts: Vec<&str> = v["reporting_hosts"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        prop_assert_eq!(hosts, o.reporting_hosts.iter().map(String::as_str).collect::<Vec<_>>());
        prop_assert_eq!(&v["technique"], "T1589");
        prop_assert_eq!(&v["tactic"], "Reconnaissance");
        assert_uuid(v["detection_id"].as_str().unwrap());
        prop_assert!(v["detected_at"].as_str().unwrap().ends_with('Z'));
    }
}

//! [`JsonWriter`]: the Offense JSON form of DESIGN.md, one object per line.
//!
//! ```text
//! {"rule":"t1589-enum","source":"203.0.113.7","attribution":"event_ip","total_failures":120,
//!  "unique_usernames":73,"first_seen":"…","last_seen":"…","duration_minutes":12.5,
//!  "enum_rate_per_min":5.84,"suspicion_score":"High","codes":{"0xC0000064":90},
//!  "sample_usernames":["…"],"relays":["…"],"technique":"T1589","tactic":"Reconnaissance",
//!  "detection_id":"…","reporting_hosts":["…"],"detected_at":"…"}
//! ```
//!
//! Written field by field into the output buffer: strings are escaped by `serde_json`, and the
//! two rounded numbers keep the decimals the reference query rounds to (`12.5`, `5.80`), the
//! same text the LEEF form carries. A NaN or infinite number is `null`. `source` is the
//! source key as tracked (the IP, or the whole workstation name); `detection_id` is the same
//! UUID text as in LEEF.

use std::io::Write;

use rollcall_detect::offense::{TACTIC, TECHNIQUE};
use rollcall_detect::{Offense, SourceKey};

use crate::values::{write_fixed, write_rfc3339_ms, write_uuid};

/// Writes offenses as single-line JSON objects.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonWriter;

impl JsonWriter {
    pub fn new() -> Self {
        JsonWriter
    }

    /// Appends one JSON object to `out` (no trailing LF). Allocates nothing beyond `out`.
    pub fn write_offense(&self, o: &Offense, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"rule\":");
        json_str(out, o.rule);
        out.extend_from_slice(b",\"source\":");
        match &o.source {
            SourceKey::Ip(ip) => {
                let _ = write!(out, "\"{ip}\"");
            }
            SourceKey::Workstation(name) => json_str(out, name),
        }
        let _ = write!(
            out,
            ",\"attribution\":\"{}\",\"total_failures\":{},\"unique_usernames\":{}",
            o.attribution.as_str(),
            o.total_failures,
            o.unique_usernames
        );
        out.extend_from_slice(b",\"first_seen\":\"");
        write_rfc3339_ms(out, o.first_seen_ms);
        out.extend_from_slice(b"\",\"last_seen\":\"");
        write_rfc3339_ms(out, o.last_seen_ms);
        out.extend_from_slice(b"\",\"duration_minutes\":");
        json_fixed(out, o.duration_minutes, 1);
        out.extend_from_slice(b",\"enum_rate_per_min\":");
        json_fixed(out, o.enum_rate_per_min, 2);
        let _ = write!(out, ",\"suspicion_score\":\"{}\"", o.tier.as_str());
        out.extend_from_slice(b",\"codes\":{");
        for (i, (code, count)) in o.codes.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            // `FailureCode` prints as `0x…` hex or decimal digits: no escaping needed.
            let _ = write!(out, "{sep}\"{code}\":{count}");
        }
        out.extend_from_slice(b"},\"sample_usernames\":[");
        for (i, name) in o.sample_usernames.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(out, name);
        }
        out.extend_from_slice(b"],\"relays\":[");
        for (i, relay) in o.relays.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(out, "{sep}\"{relay}\"");
        }
        let _ = write!(
            out,
            "],\"technique\":\"{TECHNIQUE}\",\"tactic\":\"{TACTIC}\",\"detection_id\":\""
        );
        write_uuid(out, o.detection_id);
        out.extend_from_slice(b"\",\"reporting_hosts\":[");
        for (i, host) in o.reporting_hosts.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(out, host);
        }
        out.extend_from_slice(b"],\"detected_at\":\"");
        write_rfc3339_ms(out, o.detected_at_ms);
        out.extend_from_slice(b"\"}");
    }
}

/// A JSON string literal, escaped by serde_json (writing to a `Vec` cannot fail).
fn json_str(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(&mut *out, s);
}

fn json_fixed(out: &mut Vec<u8>, x: f64, decimals: usize) {
    if !write_fixed(out, x, decimals) {
        out.extend_from_slice(b"null");
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use rollcall_detect::{Attribution, Tier};
    use rollcall_parse::event::{CodeStyle, FailureCode};
    use serde_json::Value;

    use super::*;

    fn offense() -> Offense {
        Offense {
            rule: "t1589-enum",
            source: SourceKey::Ip(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7))),
            attribution: Attribution::EventIp,
            total_failures: 120,
            unique_usernames: 73,
            first_seen_ms: 1_795_402_800_000,
            last_seen_ms: 1_795_403_550_000,
            duration_minutes: 12.5,
            enum_rate_per_min: 5.8,
            tier: Tier::High,
            codes: vec![
                (
                    FailureCode {
                        value: 0x18,
                        style: CodeStyle::Kerberos,
                    },
                    3,
                ),
                (
                    FailureCode {
                        value: 0xC000_0064,
                        style: CodeStyle::NtStatus,
                    },
                    90,
                ),
            ],
            sample_usernames: vec!["jdoe".into(), "a\"b\\c\n".into(), "😀".into()],
            relays: vec![IpAddr::V4(Ipv4Addr::new(10, 0, 0, 250))],
            reporting_hosts: vec!["DC01".into()],
            detection_id: [0; 16],
            detected_at_ms: 1_795_403_702_120,
        }
    }

    fn write(o: &Offense) -> String {
        let mut out = Vec::new();
        JsonWriter::new().write_offense(o, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn exact_object() {
        // 1_795_402_800_000 = 2026-11-23T03:00:00Z; + 750 s = 03:12:30.
        let expected = concat!(
            r#"{"rule":"t1589-enum","source":"203.0.113.7","attribution":"event_ip","#,
            r#""total_failures":120,"unique_usernames":73,"#,
            r#""first_seen":"2026-11-23T03:00:00.000Z","last_seen":"2026-11-23T03:12:30.000Z","#,
            r#""duration_minutes":12.5,"enum_rate_per_min":5.80,"suspicion_score":"High","#,
            r#""codes":{"0x18":3,"0xC0000064":90},"sample_usernames":["jdoe","a\"b\\c\n","😀"],"#,
            r#""relays":["10.0.0.250"],"technique":"T1589","tactic":"Reconnaissance","#,
            r#""detection_id":"00000000-0000-4000-8000-000000000000","reporting_hosts":["DC01"],"#,
            r#""detected_at":"2026-11-23T03:15:02.120Z"}"#
        );
        assert_eq!(write(&offense()), expected);
    }

    #[test]
    fn parses_back_and_is_one_line() {
        let mut o = offense();
        o.source = SourceKey::Workstation("WS\u{2028}01\r\n".into());
        o.attribution = Attribution::Workstation;
        o.duration_minutes = f64::NAN;
        o.codes.clear();
        o.relays.clear();
        let text = write(&o);
        assert!(!text.contains(['\n', '\r']), "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["source"], "WS\u{2028}01\r\n");
        assert_eq!(v["attribution"], "workstation");
        assert_eq!(v["duration_minutes"], Value::Null);
        assert_eq!(v["enum_rate_per_min"], 5.8);
        assert_eq!(v["codes"], serde_json::json!({}));
        assert_eq!(v["relays"], serde_json::json!([]));
        assert_eq!(v["sample_usernames"][1], "a\"b\\c\n");
        assert_eq!(v.as_object().unwrap().len(), 18);
    }
}

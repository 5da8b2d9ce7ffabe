//! Shared by the integration tests: random (hostile) offenses and a strict LEEF conformance
//! checker written from notes/qradar-leef.md §1 and §5, independently of the writer's code.
#![allow(dead_code)] // each test binary uses a different part

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::collection::vec;
use proptest::prelude::*;
use rollcall_detect::offense::{duration_minutes, enum_rate_per_min, RULE_ID};
use rollcall_detect::{Attribution, Offense, SourceKey, Tier};
use rollcall_parse::event::{CodeStyle, FailureCode};

/// Usernames (and host names) an attacker or a broken log can produce.
pub fn hostile_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 ^|=%,'\"\\\\\t\r\n\u{0}\u{7f}éß山😀\u{a0}\u{85}\u{2028}\u{feff}]{0,12}",
        2 => "[a-zA-Z0-9_.-]{1,20}",
        1 => any::<String>(),
        1 => "[a-z😀é%^]{60,300}",
    ]
}

pub fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<[u16; 8]>().prop_map(|s| IpAddr::V6(Ipv6Addr::from(s))),
    ]
}

fn source() -> impl Strategy<Value = (SourceKey, Attribution)> {
    prop_oneof![
        ip().prop_map(|ip| (SourceKey::Ip(ip), Attribution::EventIp)),
        ip().prop_map(|ip| (SourceKey::Ip(ip), Attribution::Peer)),
        hostile_name().prop_map(|w| (SourceKey::Workstation(w), Attribution::Workstation)),
    ]
}

fn tier() -> impl Strategy<Value = Tier> {
    prop_oneof![Just(Tier::Medium), Just(Tier::High), Just(Tier::Critical)]
}

fn failure_code() -> impl Strategy<Value = FailureCode> {
    prop_oneof![
        any::<u32>().prop_map(|value| FailureCode {
            value,
            style: CodeStyle::NtStatus
        }),
        (0u32..0x100).prop_map(|value| FailureCode {
            value,
            style: CodeStyle::Kerberos
        }),
        (50_000u32..60_000).prop_map(|value| FailureCode {
            value,
            style: CodeStyle::Decimal
        }),
    ]
}

fn count() -> impl Strategy<Value = u64> {
    prop_oneof![4 => 0u64..100_000, 1 => any::<u64>()]
}

/// Epoch ms: mostly years 2000–2100, sometimes anything an i64 holds.
fn time_ms() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 946_684_800_000i64..4_102_444_800_000,
        1 => any::<i64>(),
    ]
}

/// Offenses as the detector could raise them, with hostile text everywhere text goes.
pub fn offense() -> impl Strategy<Value = Offense> {
    let when = (time_ms(), 0i64..7_200_000, 0i64..600_000, count(), count());
    let what = (
        source(),
        tier(),
        vec((failure_code(), count()), 0..12),
        vec(hostile_name(), 0..60),
        vec(ip(), 0..8),
        vec(hostile_name(), 0..3),
        any::<[u8; 16]>(),
        prop_oneof![9 => Just(None), 1 => Just(Some(f64::NAN))],
    );
    (when, what).prop_map(
        |(
            (first, span, delay, total, unique),
            ((source, attribution), tier, codes, sample, relays, hosts, id, broken),
        )| {
            let last = first.saturating_add(span);
            let duration = duration_minutes(first, last);
            Offense {
                rule: RULE_ID,
                source,
                attribution,
                total_failures: total,
                unique_usernames: unique,
                first_seen_ms: first,
                last_seen_ms: last,
                duration_minutes: broken.unwrap_or(duration),
                enum_rate_per_min: enum_rate_per_min(unique, duration),
                tier,
                codes,
                sample_usernames: sample,
                relays,
                reporting_hosts: hosts,
                detection_id: id,
                detected_at_ms: last.saturating_add(delay),
            }
        },
    )
}

/// Each non-empty username cut to 64 bytes on a char boundary: what the LEEF sample carries.
pub fn expected_sample(o: &Offense) -> Vec<String> {
    o.sample_usernames
        .iter()
        .filter(|u| !u.is_empty())
        .map(|u| cut(u, 64).to_string())
        .collect()
}

pub fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A line that passed [`check_line`].
#[derive(Debug)]
pub struct CheckedLine {
    pub pri: u16,
    pub host: String,
    pub version: String,
    pub event_id: String,
    pub attrs: Vec<(String, String)>,
}

impl CheckedLine {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The strict checks every emitted line must pass; panics with the reason otherwise.
pub fn check_line(line: &str, max_bytes: usize) -> CheckedLine {
    assert!(
        line.len() <= max_bytes,
        "{} > {max_bytes}: {line}",
        line.len()
    );
    assert!(
        !line.contains(['\r', '\n', '\0']),
        "line break or NUL: {line:?}"
    );

    // <PRI>
    let rest = line.strip_prefix('<').expect("starts with <PRI>");
    let (pri, rest) = rest.split_once('>').expect("PRI closes");
    assert!((1..=3).contains(&pri.len()) && pri.bytes().all(|b| b.is_ascii_digit()));
    let pri: u16 = pri.parse().unwrap();
    assert!(pri <= 191, "PRI {pri}");
    // Mmm dd hh:mm:ss (RFC 3164, day space-padded)
    let (ts, rest) = (rest.get(..15).expect("timestamp"), &rest[15..]);
    assert!(MONTHS.contains(&&ts[..3]), "month in {ts:?}");
    let day = ts[4..6].trim_start();
    assert!(
        ts.as_bytes()[3] == b' ' && ts.as_bytes()[6] == b' ',
        "{ts:?}"
    );
    assert!(
        (1..=31).contains(&day.parse::<u32>().expect("day")) && ts[4..6].len() == 2,
        "{ts:?}"
    );
    let b = ts.as_bytes();
    assert!(b[9] == b':' && b[12] == b':', "{ts:?}");
    for part in [&ts[7..9], &ts[10..12], &ts[13..15]] {
        assert!(part.bytes().all(|c| c.is_ascii_digit()), "{ts:?}");
    }
    let rest = rest.strip_prefix(' ').expect("space after timestamp");
    let (host, leef) = rest.split_once(' ').expect("space after hostname");
    assert!(!host.is_empty());
    assert!(
        leef.starts_with("LEEF:2.0|Rollcall|RollcallDetector|"),
        "{leef}"
    );

    // Exactly 6 `|` up to and including the delimiter field, none after.
    let mut pipes = leef.match_indices('|').map(|(i, _)| i);
    let sixth = pipes.nth(5).expect("six pipes in the LEEF header");
    assert_eq!(pipes.next(), None, "a `|` after the LEEF header: {leef}");
    let header: Vec<&str> = leef[..sixth].split('|').collect();
    assert_eq!(header.len(), 6);
    assert_eq!(header[5], "^", "delimiter");
    for field in &header[1..5] {
        assert!(
            !field.is_empty()
                && field
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c)),
            "header field {field:?}"
        );
    }
    assert!(header[4].len() <= 255);

    // key=value^key=value…
    let ext = &leef[sixth + 1..];
    let mut attrs: Vec<(String, String)> = Vec::new();
    for pair in ext.split('^') {
        let (key, value) = pair.split_once('=').expect("key=value");
        assert!(
            !key.is_empty() && key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'),
            "key {key:?}"
        );
        assert!(!value.contains('='), "second `=` in {pair:?}");
        assert!(
            !value.contains(['|', '^', '\\', '"', '\'']),
            "metacharacter in {pair:?}"
        );
        assert!(
            !value.chars().any(|c| c.is_control() || c == '\u{FEFF}'),
            "control character in {pair:?}"
        );
        assert!(
            !value.starts_with(char::is_whitespace) && !value.ends_with(char::is_whitespace),
            "edge white space in {pair:?}"
        );
        let bytes = value.as_bytes();
        for (i, _) in value.match_indices('%') {
            let hex = bytes.get(i + 1..i + 3).expect("complete %XX");
            assert!(
                hex.iter()
                    .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c)),
                "bad escape in {pair:?}"
            );
        }
        assert!(attrs.iter().all(|(k, _)| k != key), "duplicate key {key:?}");
        attrs.push((key.to_string(), value.to_string()));
    }
    CheckedLine {
        pri,
        host: host.to_string(),
        version: header[3].to_string(),
        event_id: header[4].to_string(),
        attrs,
    }
}

/// `8-4-4-4-12` lowercase hex with version and variant bits of an RFC 9562 UUID.
pub fn assert_uuid(text: &str) {
    let groups: Vec<&str> = text.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "{text}"
    );
    assert!(text
        .bytes()
        .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    assert!(matches!(groups[2].as_bytes()[0], b'1'..=b'8'), "{text}");
    assert!(
        matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
        "{text}"
    );
}

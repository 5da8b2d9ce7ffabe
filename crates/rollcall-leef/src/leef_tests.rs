//! Unit tests of [`LeefWriter`]: exact lines (expectations written by hand), budget trimming,
//! hostile usernames, configuration checks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rollcall_detect::offense::{duration_minutes, enum_rate_per_min};
use rollcall_parse::event::{CodeStyle, FailureCode};

use super::*;
use crate::config::{DATAGRAM_MAX_BYTES, STREAM_MAX_BYTES};
use crate::encode::percent_decode;

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// 2026-11-23T03:15:02.120Z
const DETECTED: i64 = 1_795_403_702_120;
/// 2026-11-23T02:58:10.004Z (1012.116 s before DETECTED)
const FIRST: i64 = 1_795_402_690_004;
/// 2026-11-23T03:14:59.871Z (2.249 s before DETECTED)
const LAST: i64 = 1_795_403_699_871;
const ID: [u8; 16] = [
    0x5f, 0x0c, 0x2a, 0x9e, 0x6d, 0x1b, 0x4c, 0x4e, 0x9a, 0x51, 0x2f, 0x8f, 0x0b, 0x7c, 0x1d, 0x22,
];

fn ip4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn code(value: u32, style: CodeStyle) -> FailureCode {
    FailureCode { value, style }
}

fn critical_offense() -> Offense {
    let duration = duration_minutes(FIRST, LAST);
    Offense {
        rule: "t1589-enum",
        source: SourceKey::Ip(ip4(203, 0, 113, 45)),
        attribution: Attribution::EventIp,
        total_failures: 412,
        unique_usernames: 187,
        first_seen_ms: FIRST,
        last_seen_ms: LAST,
        duration_minutes: duration,
        enum_rate_per_min: enum_rate_per_min(187, duration),
        tier: Tier::Critical,
        codes: vec![
            (code(0xC000_0064, CodeStyle::NtStatus), 400),
            (code(0x18, CodeStyle::Kerberos), 12),
        ],
        sample_usernames: [
            "administrator",
            "o'brien",
            "sql^admin",
            "a|b=c",
            "CORP\\kjones",
            "",
            " lead",
            "x,y",
        ]
        .map(String::from)
        .to_vec(),
        relays: vec![
            ip4(10, 0, 0, 250),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
        ],
        reporting_hosts: vec!["DC01.corp.example".into(), "DC02".into()],
        detection_id: ID,
        detected_at_ms: DETECTED,
    }
}

fn writer(max_bytes: usize) -> LeefWriter {
    LeefWriter::new(LeefConfig {
        hostname: "rollcall01".into(),
        facility: 20,
        max_bytes,
    })
    .unwrap()
}

fn line(w: &LeefWriter, o: &Offense) -> String {
    let mut out = Vec::new();
    w.write_offense(o, &mut out);
    String::from_utf8(out).unwrap()
}

/// The attributes after the LEEF header, split on `^` and the first `=`.
fn attrs(line: &str) -> Vec<(&str, &str)> {
    let ext = line.split_once("|^|").unwrap().1;
    ext.split('^')
        .map(|kv| kv.split_once('=').unwrap())
        .collect()
}

fn attr<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    attrs(line)
        .into_iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn decoded_sample(line: &str) -> Vec<String> {
    let v = attr(line, "usernames_sample").unwrap();
    if v.is_empty() {
        return Vec::new();
    }
    v.split(',')
        .map(|item| percent_decode(item).unwrap().into_owned())
        .collect()
}

#[test]
fn critical_offense_exact_line() {
    // duration = 1_009_867 ms / 60 s = 16.831… → 16.8; rate = 187 / 16.8 = 11.130… → 11.13
    let expected = format!(
        "<162>Nov 23 03:15:02 rollcall01 \
         LEEF:2.0|Rollcall|RollcallDetector|{VERSION}|ROLLCALL_ACCOUNT_ENUMERATION|^|\
         devTime=1795403702120^cat=Reconnaissance^sev=9^src=203.0.113.45\
         ^attribution=event_ip^total_failures=412^unique_usernames=187\
         ^first_seen=2026-11-23T02:58:10.004Z^last_seen=2026-11-23T03:14:59.871Z\
         ^duration_minutes=16.8^enum_rate_per_min=11.13^suspicion_score=Critical\
         ^codes=0xC0000064:400,0x18:12\
         ^usernames_sample=administrator,o%27brien,sql%5Eadmin,a%7Cb%3Dc,CORP%5Ckjones,%20lead,x%2Cy\
         ^usernames_sample_truncated=false^relays=10.0.0.250,2001:db8::1\
         ^mitre_technique=T1589^mitre_tactic=Reconnaissance^mitre_tactic_id=TA0043\
         ^reporting_host=DC01.corp.example\
         ^detection_id=5f0c2a9e-6d1b-4c4e-9a51-2f8f0b7c1d22"
    );
    assert_eq!(
        line(&writer(STREAM_MAX_BYTES), &critical_offense()),
        expected
    );
}

#[test]
fn workstation_source_without_relay_uses_unspecified_src() {
    let o = Offense {
        source: SourceKey::Workstation("ws-17 ^x".into()),
        attribution: Attribution::Workstation,
        tier: Tier::Medium,
        codes: Vec::new(),
        sample_usernames: vec!["bob".into()],
        relays: Vec::new(),
        reporting_hosts: Vec::new(),
        total_failures: 15,
        unique_usernames: 15,
        first_seen_ms: FIRST,
        last_seen_ms: FIRST,
        duration_minutes: 0.0,
        enum_rate_per_min: 15.0,
        // 2026-11-03T09:01:44Z
        detected_at_ms: 1_793_696_504_000,
        detection_id: [0; 16],
        ..critical_offense()
    };
    let expected = format!(
        "<164>Nov  3 09:01:44 rollcall01 \
         LEEF:2.0|Rollcall|RollcallDetector|{VERSION}|ROLLCALL_ACCOUNT_ENUMERATION|^|\
         devTime=1793696504000^cat=Reconnaissance^sev=5^src=0.0.0.0\
         ^source_workstation=ws-17 %5Ex^attribution=workstation\
         ^total_failures=15^unique_usernames=15\
         ^first_seen=2026-11-23T02:58:10.004Z^last_seen=2026-11-23T02:58:10.004Z\
         ^duration_minutes=0.0^enum_rate_per_min=15.00^suspicion_score=Medium\
         ^usernames_sample=bob^usernames_sample_truncated=false\
         ^mitre_technique=T1589^mitre_tactic=Reconnaissance^mitre_tactic_id=TA0043\
         ^detection_id=00000000-0000-4000-8000-000000000000"
    );
    let w = writer(STREAM_MAX_BYTES);
    assert_eq!(line(&w, &o), expected);

    let with_relay = Offense {
        relays: vec![ip4(10, 0, 0, 250)],
        tier: Tier::High,
        ..o
    };
    let text = line(&w, &with_relay);
    assert!(
        text.starts_with("<163>Nov  3 09:01:44 rollcall01 "),
        "{text}"
    );
    assert_eq!(attr(&text, "src"), Some("10.0.0.250"));
    assert_eq!(attr(&text, "sev"), Some("7"));
    assert_eq!(attr(&text, "relays"), Some("10.0.0.250"));
}

#[test]
fn test_event_exact_line() {
    let mut out = Vec::new();
    // 2026-11-23T03:20:00Z
    writer(DATAGRAM_MAX_BYTES).write_test_event(1_795_404_000_000, [0; 16], &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!(
            "<166>Nov 23 03:20:00 rollcall01 \
             LEEF:2.0|Rollcall|RollcallDetector|{VERSION}|ROLLCALL_TEST|^|\
             devTime=1795404000000^cat=Reconnaissance^sev=1^src=192.0.2.1\
             ^detection_id=00000000-0000-4000-8000-000000000000"
        )
    );
}

#[test]
fn appends_after_existing_bytes_and_budgets_only_its_own_line() {
    let w = writer(DATAGRAM_MAX_BYTES);
    let o = many_names(200, 20);
    let mut out = b"PREFIX".repeat(300);
    let before = out.len();
    w.write_offense(&o, &mut out);
    assert!(out.starts_with(b"PREFIXPREFIX"));
    let own = &out[before..];
    assert!(own.len() <= DATAGRAM_MAX_BYTES);
    assert!(own.starts_with(b"<162>"));
}

fn many_names(count: usize, len: usize) -> Offense {
    Offense {
        sample_usernames: (0..count)
            .map(|i| format!("{i:04}{}", "u".repeat(len.saturating_sub(4))))
            .collect(),
        ..critical_offense()
    }
}

/// The line is within budget, its sample is a prefix of the offense's, and one more name
/// would not have fit.
fn assert_trimmed_to(max: usize, o: &Offense) -> String {
    let text = line(&writer(max), o);
    assert!(text.len() <= max, "{} > {max}", text.len());
    let sample = decoded_sample(&text);
    assert!(sample.len() < o.sample_usernames.len());
    assert_eq!(sample[..], o.sample_usernames[..sample.len()]);
    assert_eq!(attr(&text, "usernames_sample_truncated"), Some("true"));
    let next = &o.sample_usernames[sample.len()];
    let comma = usize::from(!sample.is_empty());
    assert!(
        text.len() + comma + next.len() > max,
        "{} more bytes would still fit",
        comma + next.len()
    );
    text
}

#[test]
fn trims_usernames_to_1024_bytes() {
    let o = many_names(100, 20);
    let text = assert_trimmed_to(DATAGRAM_MAX_BYTES, &o);
    // Usernames go first: everything else is still there.
    assert_eq!(attr(&text, "relays"), Some("10.0.0.250,2001:db8::1"));
    assert_eq!(attr(&text, "reporting_host"), Some("DC01.corp.example"));
    assert_eq!(attr(&text, "codes"), Some("0xC0000064:400,0x18:12"));
}

#[test]
fn trims_usernames_to_4000_bytes() {
    let fits = many_names(100, 20);
    let text = line(&writer(STREAM_MAX_BYTES), &fits);
    assert!(text.len() > DATAGRAM_MAX_BYTES && text.len() <= STREAM_MAX_BYTES);
    assert_eq!(decoded_sample(&text), fits.sample_usernames);
    assert_eq!(attr(&text, "usernames_sample_truncated"), Some("false"));

    let text = assert_trimmed_to(STREAM_MAX_BYTES, &many_names(300, 20));
    assert!(text.len() > STREAM_MAX_BYTES - 30);
}

#[test]
fn drops_relays_then_reporting_host_then_codes() {
    let relays: Vec<IpAddr> = (0..40u16)
        .map(|i| {
            IpAddr::V6(Ipv6Addr::new(
                0x2001, 0xdb8, i, 0xffff, 0xffff, 0xffff, 0xffff, i,
            ))
        })
        .collect();
    let o = Offense {
        relays,
        ..many_names(30, 20)
    };
    let text = line(&writer(DATAGRAM_MAX_BYTES), &o);
    assert!(text.len() <= DATAGRAM_MAX_BYTES);
    assert_eq!(attr(&text, "relays"), None);
    assert_eq!(attr(&text, "reporting_host"), Some("DC01.corp.example"));
    // Dropping the relays made room again: names are refilled, not left at zero.
    assert!(decoded_sample(&text).len() > 5, "{text}");

    let o = Offense {
        reporting_hosts: vec!["h".repeat(900)],
        ..o
    };
    let text = line(&writer(DATAGRAM_MAX_BYTES), &o);
    assert!(text.len() <= DATAGRAM_MAX_BYTES);
    assert_eq!(attr(&text, "relays"), None);
    assert_eq!(attr(&text, "reporting_host"), None);
    assert!(attr(&text, "codes").is_some());

    // Relays that fit stay even when the bigger reporting host had to go.
    let small_relays = Offense {
        relays: vec![ip4(10, 0, 0, 250)],
        ..o.clone()
    };
    let text = line(&writer(DATAGRAM_MAX_BYTES), &small_relays);
    assert!(text.len() <= DATAGRAM_MAX_BYTES);
    assert_eq!(attr(&text, "reporting_host"), None);
    assert_eq!(attr(&text, "relays"), Some("10.0.0.250"));

    let o = Offense {
        codes: (0..80)
            .map(|i| (code(0xC000_0000 + i, CodeStyle::NtStatus), 1_000_000))
            .collect(),
        ..o
    };
    let text = line(&writer(DATAGRAM_MAX_BYTES), &o);
    assert!(text.len() <= DATAGRAM_MAX_BYTES);
    assert_eq!(attr(&text, "codes"), None);
    assert_eq!(attr(&text, "src"), Some("203.0.113.45"));
    assert!(text.ends_with("^detection_id=5f0c2a9e-6d1b-4c4e-9a51-2f8f0b7c1d22"));
}

#[test]
fn hostile_usernames_are_encoded_and_decode_back() {
    let long_ascii = "x".repeat(300);
    let long_emoji = "😀".repeat(75); // 300 bytes; cut to 16 emoji = 64 bytes
    let boundary = format!("{}😀", "a".repeat(62)); // the emoji straddles byte 64
    let names: Vec<String> = [
        "^",
        "|",
        "=",
        "\\",
        "%",
        ",",
        "'",
        "\"",
        "a\rb",
        "c\nd",
        "e\tf",
        "\0",
        "\u{7f}",
        "jürgen",
        "山田",
        "😀",
        "\u{a0}nbsp\u{a0}",
        "nel\u{85}",
        "ls\u{2028}",
        " edge ",
        "%41",
        "x=y=z",
        "LEEF:2.0|a|b|c|d|^|",
    ]
    .into_iter()
    .map(String::from)
    .chain([long_ascii.clone(), long_emoji.clone(), boundary.clone()])
    .collect();
    let o = Offense {
        sample_usernames: names.clone(),
        ..critical_offense()
    };
    let text = line(&writer(STREAM_MAX_BYTES), &o);
    assert!(!text.contains(['\r', '\n', '\t', '\0', '\u{7f}', '\u{85}', '\u{2028}']));
    let ext = text.split_once("|^|").unwrap().1;
    assert!(!ext.contains(['|', '"', '\'', '\\']), "{ext}");
    let sample_value = attr(&text, "usernames_sample").unwrap();
    assert!(!sample_value.contains(['=', '^']));

    let expected: Vec<String> = names
        .iter()
        .map(|n| cut_utf8(n, MAX_NAME_BYTES).to_string())
        .collect();
    assert_eq!(expected[expected.len() - 3], "x".repeat(64));
    assert_eq!(expected[expected.len() - 2], "😀".repeat(16));
    assert_eq!(expected[expected.len() - 1], "a".repeat(62));
    assert_eq!(decoded_sample(&text), expected);
    assert_eq!(attr(&text, "usernames_sample_truncated"), Some("true"));
    assert!(sample_value.starts_with("%5E,%7C,%3D,%5C,%25,%2C,%27,%22,a%0Db,c%0Ad,e%09f,%00,%7F,jürgen,山田,😀,%C2%A0nbsp%C2%A0,nel%C2%85,ls%E2%80%A8,%20edge%20,%2541,"));
}

#[test]
fn hostile_reporting_host_and_workstation_are_encoded() {
    let o = Offense {
        source: SourceKey::Workstation(format!("w|s=1\n{}", "é".repeat(40))),
        attribution: Attribution::Workstation,
        reporting_hosts: vec![" dc^01,x ".into()],
        ..critical_offense()
    };
    let text = line(&writer(STREAM_MAX_BYTES), &o);
    // Scalars keep commas; edge spaces and metacharacters are encoded.
    assert_eq!(attr(&text, "reporting_host"), Some("%20dc%5E01,x%20"));
    let ws = attr(&text, "source_workstation").unwrap();
    // "w|s=1\n" is 6 bytes, then 29 two-byte "é" fit in 64 bytes.
    assert_eq!(
        percent_decode(ws).unwrap(),
        format!("w|s=1\n{}", "é".repeat(29))
    );
    assert_eq!(attr(&text, "src"), Some("10.0.0.250"));
}

#[test]
fn non_finite_numbers_are_omitted() {
    let o = Offense {
        duration_minutes: f64::NAN,
        enum_rate_per_min: f64::INFINITY,
        ..critical_offense()
    };
    let text = line(&writer(STREAM_MAX_BYTES), &o);
    assert_eq!(attr(&text, "duration_minutes"), None);
    assert_eq!(attr(&text, "enum_rate_per_min"), None);
    assert!(text.contains("^last_seen=2026-11-23T03:14:59.871Z^suspicion_score=Critical^"));
}

#[test]
fn rejects_bad_configuration() {
    let cfg = |hostname: &str, facility: u8, max_bytes: usize| {
        LeefWriter::new(LeefConfig {
            hostname: hostname.into(),
            facility,
            max_bytes,
        })
        .map(|_| ())
    };
    assert_eq!(cfg("", 20, 4000), Err(LeefConfigError::EmptyHostname));
    for (bad, at) in [("a b", 1), ("ab\t", 2), ("\u{a0}x", 0), ("x\ny", 1)] {
        assert_eq!(
            cfg(bad, 20, 4000),
            Err(LeefConfigError::InvalidHostname {
                hostname: bad.into(),
                at
            })
        );
    }
    assert_eq!(
        cfg(&"h".repeat(256), 20, 4000),
        Err(LeefConfigError::HostnameTooLong { len: 256, max: 255 })
    );
    assert_eq!(
        cfg("rc", 24, 4000),
        Err(LeefConfigError::FacilityOutOfRange(24))
    );
    assert!(matches!(
        cfg("rc", 20, 600),
        Err(LeefConfigError::MaxBytesTooSmall { max_bytes: 600, needed }) if needed > 600
    ));
    assert_eq!(cfg("rc", 23, DATAGRAM_MAX_BYTES), Ok(()));
    assert_eq!(
        cfg("qradar-identifier.example", 0, DATAGRAM_MAX_BYTES),
        Ok(())
    );
    assert_eq!(cfg(&"h".repeat(255), 20, STREAM_MAX_BYTES), Ok(()));
}

#[test]
fn smallest_possible_line_fits_the_validated_budget() {
    // The synthetic worst case `new` measures is at least as long as any real minimal line.
    let w = writer(DATAGRAM_MAX_BYTES);
    let mut worst = Vec::new();
    w.write_line(&worst_case_offense(), Plan::MINIMAL, &mut worst);
    assert!(worst.len() <= DATAGRAM_MAX_BYTES);
    let o = Offense {
        source: SourceKey::Workstation("^".repeat(500)),
        attribution: Attribution::Workstation,
        relays: vec![IpAddr::V6(Ipv6Addr::new(
            0xfff1, 0xfff2, 0xfff3, 0xfff4, 0xfff5, 0xfff6, 0xfff7, 0xfff8,
        ))],
        reporting_hosts: vec!["%".repeat(2000)],
        codes: (0..300)
            .map(|i| (code(i, CodeStyle::Decimal), u64::MAX))
            .collect(),
        sample_usernames: vec!["|".repeat(64); 50],
        total_failures: u64::MAX,
        unique_usernames: u64::MAX,
        first_seen_ms: i64::MIN,
        last_seen_ms: i64::MAX,
        detected_at_ms: i64::MIN,
        duration_minutes: f64::MAX,
        enum_rate_per_min: f64::MIN_POSITIVE,
        ..critical_offense()
    };
    let text = line(&w, &o);
    assert!(text.len() <= DATAGRAM_MAX_BYTES, "{}", text.len());
    assert_eq!(attr(&text, "codes"), None);
    assert_eq!(attr(&text, "reporting_host"), None);
}

#[test]
fn version_is_a_safe_header_field() {
    assert!(LEEF_PRODUCT_VERSION
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b)));
}

#[test]
fn udp_budget_accepts_realistic_hostnames() {
    let accepted = |len: usize| LeefWriter::new(LeefConfig::datagram("h".repeat(len))).is_ok();
    let longest = (1..=255).take_while(|&n| accepted(n)).last().unwrap();
    eprintln!("longest hostname accepted at 1024 bytes: {longest}");
    assert!(longest >= 64, "{longest}");
    assert!((longest + 1..=255).all(|n| !accepted(n)));
}

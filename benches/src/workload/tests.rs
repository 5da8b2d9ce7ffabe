//! Every rendering must mean to rollcall's parser what the generator meant: failures parse
//! to the intended kind, code, username and source; routine events parse to nothing.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use rollcall_parse::{parse_auth, AuthKind, ParseContext};

use super::*;

const NOW: i64 = 1_763_892_930_000;

fn ctx() -> ParseContext {
    ParseContext { now_ms: NOW }
}

fn env() -> Envelope<'static> {
    Envelope {
        time_ms: NOW - 1234,
        host: "dc03",
        record: 4_242_424,
    }
}

fn actor(source: Option<IpAddr>) -> Actor<'static> {
    Actor {
        username: "mary.jones",
        source,
        workstation: "WS00042",
        port: 51_234,
    }
}

#[test]
fn every_format_renders_every_failure_kind_as_that_failure() {
    let kinds = [
        (AuthKind::Ntlm4625, 0xC000_0064),
        (AuthKind::Ntlm4625, 0xC000_006A),
        (AuthKind::Kerberos4771, 0x18),
        (AuthKind::Kerberos4771, 0x6),
        (AuthKind::Kerberos4768, 0x6),
        (AuthKind::Ntlm4776, 0xC000_0064),
    ];
    let ip: IpAddr = "198.18.0.7".parse().unwrap();
    for format in PayloadFormat::ALL {
        for (kind, code) in kinds {
            let mut out = Vec::new();
            render_failure(
                format,
                &env(),
                FailureSpec { kind, code },
                &actor(Some(ip)),
                &mut out,
            );
            let text = String::from_utf8_lossy(&out).into_owned();
            let (_, parsed) = parse_auth(&out, &ctx());
            let ev = parsed
                .unwrap_or_else(|e| panic!("{format:?} {kind:?}: {e}\n{text}"))
                .unwrap_or_else(|| panic!("{format:?} {kind:?}: no auth event\n{text}"));
            assert_eq!((ev.kind, ev.code), (kind, code), "{format:?}\n{text}");
            assert_eq!(ev.username, "mary.jones", "{format:?} {kind:?}\n{text}");
            assert_eq!(
                ev.time_ms / 1000,
                (NOW - 1234) / 1000,
                "{format:?} {kind:?}\n{text}"
            );
            if kind == AuthKind::Ntlm4776 {
                // 4776 carries no client address, only the workstation.
                assert_eq!(
                    ev.workstation.as_deref(),
                    Some("WS00042"),
                    "{format:?}\n{text}"
                );
            } else {
                assert_eq!(ev.source_ip, Some(ip), "{format:?} {kind:?}\n{text}");
            }
        }
    }
}

#[test]
fn routine_events_are_not_auth_failures() {
    let ip: IpAddr = "10.0.3.4".parse().unwrap();
    for format in PayloadFormat::ALL {
        for kind in BenignKind::ALL {
            let mut out = Vec::new();
            render::render(
                format,
                &env(),
                &events::benign_event(kind, &actor(Some(ip))),
                &mut out,
            );
            let (_, parsed) = parse_auth(&out, &ctx());
            assert!(
                matches!(parsed, Ok(None)),
                "{format:?} {kind:?} parsed as {parsed:?}\n{}",
                String::from_utf8_lossy(&out)
            );
        }
    }
}

#[test]
fn a_workload_hides_exactly_its_attackers() {
    let spec = WorkloadSpec {
        messages: 20_000,
        attackers: 7,
        usernames_per_attacker: 16,
        users: 500,
        time_ms: NOW,
        ..WorkloadSpec::default()
    };
    let w = build(&spec).unwrap();
    assert_eq!(w.len(), 20_000);
    assert_eq!(w.stats.auth_failures, 1000);
    let mut failures = 0;
    // Distinct usernames per source key (address, else workstation).
    let mut per_source: HashMap<String, HashSet<String>> = HashMap::new();
    for i in 0..w.len() {
        let ctx = ParseContext { now_ms: NOW };
        if let (_, Ok(Some(ev))) = parse_auth(w.message(i), &ctx) {
            failures += 1;
            let key = match (ev.source_ip, &ev.workstation) {
                (Some(ip), _) => ip.to_string(),
                (None, Some(ws)) => ws.to_string(),
                (None, None) => panic!("failure without a key"),
            };
            per_source
                .entry(key)
                .or_default()
                .insert(ev.username.to_lowercase());
        }
    }
    assert_eq!(failures, w.stats.auth_failures);
    let enumerating: HashSet<String> = per_source
        .iter()
        .filter(|(_, names)| names.len() >= 15)
        .map(|(k, _)| k.clone())
        .collect();
    let hidden: HashSet<String> = w.attackers.iter().map(IpAddr::to_string).collect();
    assert_eq!(enumerating, hidden);
    assert!(
        w.stats.per_format.iter().all(|&n| n > 3000),
        "{:?}",
        w.stats.per_format
    );
}

#[test]
fn framings_cut_back_to_the_same_messages() {
    let mut lf = WorkloadSpec {
        messages: 500,
        attackers: 1,
        usernames_per_attacker: 15,
        ..WorkloadSpec::default()
    };
    let a = build(&lf).unwrap();
    lf.framing = Framing::Octet;
    let b = build(&lf).unwrap();
    assert_eq!(a.payload_bytes, b.payload_bytes);
    for i in 0..a.len() {
        assert_eq!(a.message(i), b.message(i));
        assert!(!a.message(i).contains(&b'\n'));
    }
}

#[test]
fn impossible_specs_are_refused() {
    let too_many = WorkloadSpec {
        messages: 100,
        attackers: 2,
        usernames_per_attacker: 15,
        ..WorkloadSpec::default()
    };
    assert!(matches!(
        build(&too_many),
        Err(SpecError::AttackersExceedFailures { .. })
    ));
    let bad_share = WorkloadSpec {
        auth_failure_share: 1.5,
        ..WorkloadSpec::default()
    };
    assert!(build(&bad_share).is_err());
}

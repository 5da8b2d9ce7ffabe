//! The engine against a brute-force oracle.
//!
//! The oracle recomputes the rule at every event from the full list of accepted events,
//! with plain strings, sets and linear scans (nothing of the engine's hashing, packed
//! windows, stripes or saturation). Random streams mix many sources, repeated and
//! case-varied names, late events within the skew, drops, exclusions, collectors,
//! auto-detected relays and the workstation and peer fallbacks; the engine is also expired
//! and snapshot/restored mid-stream. Every offense must match the oracle's field by field.

mod common;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use regex::RegexBuilder;
use rollcall_detect::{Attribution, DetectConfig, Engine, Offense, SequentialIds, SourceKey};
use rollcall_detect::{Tier, Tiers, MAX_RELAYS, MAX_REPORTING_HOSTS};
use rollcall_parse::event::CodeStyle;
use rollcall_parse::{AuthEvent, AuthKind, FailureCode};

use common::{ip, T0};

// ---------------------------------------------------------------------------------------
// The oracle

/// What the oracle expects for one offense.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    source: SourceKey,
    attribution: Attribution,
    tier: Tier,
    total: u64,
    unique: u64,
    first: i64,
    last: i64,
    duration: f64,
    rate: f64,
    codes: Vec<(FailureCode, u64)>,
    relays: Vec<IpAddr>,
    hosts: Vec<String>,
    detection_id: [u8; 16],
    detected_at: i64,
    /// Lower-cased name in the window -> its spellings seen in the campaign.
    window_names: HashMap<String, HashSet<String>>,
}

#[derive(Debug, Clone)]
struct Accepted {
    time: i64,
    name: String,
    spelling: String,
    code: FailureCode,
    relay: Option<IpAddr>,
    host: Option<String>,
    /// False for a late event older than its source's window when it arrived.
    inside_on_arrival: bool,
}

#[derive(Debug, Default)]
struct Campaign {
    events: Vec<Accepted>,
    newest: i64,
    alerted: Option<Tier>,
    id: Option<[u8; 16]>,
}

fn norm_ip(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

fn usable(name: Option<&str>) -> Option<String> {
    let t = name?.trim();
    if t.is_empty() || t == "-" {
        None
    } else {
        Some(t.to_string())
    }
}

fn counted_code(cfg: &DetectConfig, kind: AuthKind, code: u32) -> bool {
    kind == AuthKind::AzureSspr && cfg.codes.azure_sspr() || cfg.codes.codes(kind).contains(&code)
}

fn tier_of(t: &Tiers, unique: u64) -> Option<Tier> {
    [
        (t.critical, Tier::Critical),
        (t.high, Tier::High),
        (t.medium, Tier::Medium),
    ]
    .into_iter()
    .find(|(threshold, _)| unique >= *threshold)
    .map(|(_, tier)| tier)
}

fn round(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

fn style_rank(s: CodeStyle) -> u8 {
    match s {
        CodeStyle::NtStatus => 0,
        CodeStyle::Kerberos => 1,
        CodeStyle::Decimal => 2,
    }
}

/// The rule, recomputed from scratch at every event.
fn oracle(cfg: &DetectConfig, stream: &[(AuthEvent<'static>, i64)]) -> Vec<Option<Expected>> {
    let mut peer_hosts: HashMap<IpAddr, HashSet<String>> = HashMap::new();
    let mut campaigns: HashMap<SourceKey, Campaign> = HashMap::new();
    let mut next_id = 1u64;
    let mut out = Vec::new();
    for (ev, now) in stream {
        out.push(None);
        if !counted_code(cfg, ev.kind, ev.code) {
            continue;
        }
        if ev.time_ms > now + cfg.max_clock_skew_ms
            || ev.time_ms < now - cfg.window_ms - cfg.max_clock_skew_ms
        {
            continue;
        }
        let user = ev.username.trim();
        let upper = user.to_uppercase();
        if user.is_empty()
            || user == "-"
            || upper == "N/A"
            || upper == "ANONYMOUS LOGON"
            || cfg.exclude_usernames.iter().any(|r| r.is_match(user))
        {
            continue;
        }
        let source_ip = ev.source_ip.map(norm_ip);
        let relay = ev.relay.map(norm_ip);
        let ws = usable(ev.workstation.as_deref());
        let host = usable(ev.host.as_deref());
        let collector = relay.is_some_and(|p| cfg.collectors.iter().any(|n| n.contains(&p)));
        if let (Some(peer), false) = (relay, collector) {
            let identity = match (&source_ip, &ws, &host) {
                (Some(a), _, _) => Some(format!("ip:{a}")),
                (None, Some(w), _) => Some(format!("ws:{}", w.to_lowercase())),
                (None, None, Some(h)) => Some(format!("host:{}", h.to_lowercase())),
                _ => None,
            };
            if let Some(identity) = identity {
                peer_hosts.entry(peer).or_default().insert(identity);
            }
        }
        let is_relay = |p: IpAddr| {
            peer_hosts
                .get(&p)
                .is_some_and(|s| s.len() >= cfg.relay_host_threshold)
        };
        let (key, attribution) = if let Some(a) = source_ip {
            (SourceKey::Ip(a), Attribution::EventIp)
        } else if let Some(w) = &ws {
            (
                SourceKey::Workstation(w.to_lowercase()),
                Attribution::Workstation,
            )
        } else if let (Some(p), false) = (relay, collector) {
            if is_relay(p) {
                continue;
            }
            (SourceKey::Ip(p), Attribution::Peer)
        } else {
            continue;
        };
        if let SourceKey::Ip(a) = key {
            if a.is_loopback()
                || a.is_unspecified()
                || cfg.exclude_sources.iter().any(|n| n.contains(&a))
            {
                continue;
            }
        }

        let c = campaigns.entry(key.clone()).or_default();
        let t = ev.time_ms;
        if !c.events.is_empty() && t > c.newest + cfg.window_ms {
            *c = Campaign::default();
        }
        if c.events.is_empty() {
            c.newest = t;
        }
        let inside = t >= c.newest - cfg.window_ms;
        c.events.push(Accepted {
            time: t,
            name: user.to_lowercase(),
            spelling: user.to_string(),
            code: ev.failure_code(),
            relay,
            host: host.clone(),
            inside_on_arrival: inside,
        });
        if !inside {
            continue;
        }
        c.newest = c.newest.max(t);
        let lo = c.newest - cfg.window_ms;
        let window: Vec<&Accepted> = c.events.iter().filter(|e| e.time >= lo).collect();
        let names: HashSet<&str> = window.iter().map(|e| e.name.as_str()).collect();
        let unique = names.len() as u64;
        let Some(tier) = tier_of(&cfg.tiers, unique) else {
            continue;
        };
        if c.alerted.is_some_and(|done| done >= tier) {
            continue;
        }
        c.alerted = Some(tier);
        let id = *c.id.get_or_insert_with(|| {
            next_id += 1;
            SequentialIds::id_for(next_id - 1)
        });
        let first = window.iter().map(|e| e.time).min().unwrap_or(t);
        let last = window.iter().map(|e| e.time).max().unwrap_or(t);
        let duration = round((last - first) as f64 / 60_000.0, 1);
        let rate = round(
            unique as f64 / if duration == 0.0 { 1.0 } else { duration },
            2,
        );
        let mut codes: BTreeMap<(u32, u8), (FailureCode, u64)> = BTreeMap::new();
        for e in &window {
            codes
                .entry((e.code.value, style_rank(e.code.style)))
                .or_insert((e.code, 0))
                .1 += 1;
        }
        let mut relays = Vec::new();
        let mut hosts: Vec<String> = Vec::new();
        for e in c.events.iter().filter(|e| e.inside_on_arrival) {
            if let Some(r) = e.relay {
                if !relays.contains(&r) && relays.len() < MAX_RELAYS {
                    relays.push(r);
                }
            }
            if let Some(h) = &e.host {
                let seen = hosts.iter().any(|x| x.eq_ignore_ascii_case(h));
                if !seen && hosts.len() < MAX_REPORTING_HOSTS {
                    hosts.push(h.clone());
                }
            }
        }
        // A sample keeps the spelling its name had when it entered the window, which may
        // belong to an event that has since left it: any spelling of the campaign counts.
        let mut window_names: HashMap<String, HashSet<String>> = HashMap::new();
        for e in &c.events {
            if names.contains(e.name.as_str()) {
                window_names
                    .entry(e.name.clone())
                    .or_default()
                    .insert(e.spelling.clone());
            }
        }
        if let Some(slot) = out.last_mut() {
            *slot = Some(Expected {
                source: key,
                attribution,
                tier,
                total: window.len() as u64,
                unique,
                first,
                last,
                duration,
                rate,
                codes: codes.into_values().collect(),
                relays,
                hosts,
                detection_id: id,
                detected_at: *now,
                window_names,
            });
        }
    }
    out
}

fn assert_same(got: &Offense, want: &Expected, sample_size: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(&got.source, &want.source);
    prop_assert_eq!(got.attribution, want.attribution);
    prop_assert_eq!(got.tier, want.tier);
    prop_assert_eq!(got.total_failures, want.total);
    prop_assert_eq!(got.unique_usernames, want.unique);
    prop_assert_eq!(got.first_seen_ms, want.first);
    prop_assert_eq!(got.last_seen_ms, want.last);
    prop_assert_eq!(got.duration_minutes, want.duration);
    prop_assert_eq!(got.enum_rate_per_min, want.rate);
    prop_assert_eq!(&got.codes, &want.codes);
    prop_assert_eq!(&got.relays, &want.relays);
    prop_assert_eq!(&got.reporting_hosts, &want.hosts);
    prop_assert_eq!(got.detection_id, want.detection_id);
    prop_assert_eq!(got.detected_at_ms, want.detected_at);
    // Samples: distinct names of the window, spelled as one of their events spelled them.
    prop_assert!(got.sample_usernames.len() <= sample_size);
    prop_assert!(!got.sample_usernames.is_empty());
    let mut seen = HashSet::new();
    for s in &got.sample_usernames {
        let lower = s.to_lowercase();
        prop_assert!(seen.insert(lower.clone()), "duplicate sample {}", s);
        let spellings = want.window_names.get(&lower);
        prop_assert!(
            spellings.is_some_and(|sp| sp.contains(s)),
            "sample {} not in window",
            s
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Random streams

const WINDOW: i64 = 10 * 60_000;
const SKEW: i64 = 60_000;

fn test_config(tiers: (u64, u64, u64)) -> DetectConfig {
    DetectConfig {
        window_ms: WINDOW,
        tiers: Tiers {
            medium: tiers.0,
            high: tiers.1,
            critical: tiers.2,
        },
        collectors: vec!["10.0.0.250/32".parse().unwrap()],
        exclude_sources: vec!["192.0.2.192/26".parse().unwrap()],
        exclude_usernames: vec![RegexBuilder::new("^svc_scan")
            .case_insensitive(true)
            .build()
            .unwrap()],
        max_clock_skew_ms: SKEW,
        relay_host_threshold: 3,
        sample_size: 4,
        ..DetectConfig::default()
    }
}

const SOURCES: [Option<&str>; 14] = [
    None,
    None,
    None,
    Some("203.0.113.1"),
    Some("203.0.113.2"),
    Some("203.0.113.3"),
    Some("203.0.113.3"),
    Some("::ffff:203.0.113.1"),
    Some("2001:db8::7"),
    Some("2001:DB8:0:0:0:0:0:7"),
    Some("127.0.0.1"),
    Some("0.0.0.0"),
    Some("192.0.2.200"),
    Some("::1"),
];
const WORKSTATIONS: [Option<&str>; 8] = [
    None,
    None,
    Some("WS01"),
    Some("ws01"),
    Some("WS02"),
    Some("-"),
    Some(" "),
    Some("Wörkstation"),
];
const HOSTS: [Option<&str>; 5] = [None, Some("DC01"), Some("dc01"), Some("DC02"), Some("-")];
const RELAYS: [Option<&str>; 7] = [
    None,
    None,
    Some("10.0.0.250"),
    Some("10.0.0.1"),
    Some("10.0.0.2"),
    Some("::ffff:10.0.0.1"),
    Some("127.0.0.1"),
];
const CODES: [(AuthKind, u32); 9] = [
    (AuthKind::Ntlm4625, 0xC000_0064),
    (AuthKind::Ntlm4625, 0xC000_006A),
    (AuthKind::Ntlm4776, 0xC000_0064),
    (AuthKind::Kerberos4771, 0x18),
    (AuthKind::Kerberos4768, 0x6),
    (AuthKind::AzureSignin, 50126),
    (AuthKind::AzureSspr, 0),
    (AuthKind::Ntlm4625, 0xC000_0234),
    (AuthKind::Kerberos4771, 0x25),
];

fn username(k: usize, case: u8) -> String {
    let base = match k {
        30 => "-".to_string(),
        31 => "ANONYMOUS LOGON".to_string(),
        32 => "svc_scan7".to_string(),
        33 => "Élodie".to_string(),
        34 => String::new(),
        35 => " padded ".to_string(),
        k => format!("user{k}"),
    };
    match case {
        0 => base.to_lowercase(),
        1 => base.to_uppercase(),
        _ => {
            let mut c = base.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

#[derive(Clone, Debug)]
struct Spec {
    advance: i64,
    offset: i64,
    source: usize,
    workstation: usize,
    host: usize,
    relay: usize,
    user: usize,
    case: u8,
    code: usize,
    expire_first: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    let advance = prop_oneof![12 => 0i64..20_000, 1 => 0i64..(3 * WINDOW)];
    let offset = prop_oneof![
        14 => -90_000i64..15_000,
        2 => -(WINDOW + 2 * SKEW)..-(WINDOW - 2 * SKEW),
        1 => (SKEW - 5_000)..(SKEW + 5_000),
        1 => -(2 * WINDOW)..0i64,
    ];
    (
        (advance, offset),
        (0..SOURCES.len(), 0..WORKSTATIONS.len(), 0..HOSTS.len()),
        (0..RELAYS.len(), 0usize..36, 0u8..3, 0..CODES.len()),
        (proptest::bool::weighted(0.05), proptest::bool::ANY),
    )
        .prop_map(
            |(
                (advance, offset),
                (source, workstation, host),
                (relay, user, case, code),
                (e, coarse),
            )| {
                // Rounding times to 5 s makes failures land exactly on window edges.
                let grain = if coarse { 5_000 } else { 1 };
                Spec {
                    advance: advance / grain * grain,
                    offset: offset / grain * grain,
                    source,
                    workstation,
                    host,
                    relay,
                    user,
                    case,
                    code,
                    expire_first: e,
                }
            },
        )
}

fn build(specs: &[Spec]) -> Vec<(AuthEvent<'static>, i64)> {
    let mut now = T0;
    specs
        .iter()
        .map(|s| {
            now += s.advance;
            let (kind, code) = CODES[s.code];
            let ev = AuthEvent {
                time_ms: now + s.offset,
                time_zoned: true,
                kind,
                code,
                username: Cow::Owned(username(s.user, s.case)),
                source_ip: SOURCES[s.source].map(ip),
                workstation: WORKSTATIONS[s.workstation].map(Cow::Borrowed),
                host: HOSTS[s.host].map(Cow::Borrowed),
                relay: RELAYS[s.relay].map(ip),
            };
            (ev, now)
        })
        .collect()
}

/// Runs the stream through an engine, expiring where asked and snapshot/restoring before
/// event `split` (if any). Returns one slot per event.
fn run_engine(
    cfg: &DetectConfig,
    stream: &[(AuthEvent<'static>, i64)],
    specs: &[Spec],
    split: Option<usize>,
) -> Vec<Option<Offense>> {
    let ids = Arc::new(SequentialIds::new());
    let mut engine = Engine::new(cfg.clone(), Box::new(ids.clone()));
    let mut out = Vec::new();
    for (i, ((ev, now), spec)) in stream.iter().zip(specs).enumerate() {
        if split == Some(i) {
            let mut buf = Vec::new();
            engine.snapshot(&mut buf).expect("snapshot");
            engine = Engine::restore(cfg.clone(), Box::new(ids.clone()), &mut buf.as_slice())
                .expect("restore");
        }
        if spec.expire_first {
            engine.expire(*now);
        }
        out.push(engine.observe(ev, *now));
    }
    out
}

fn check(
    tiers: (u64, u64, u64),
    specs: &[Spec],
    split: Option<usize>,
) -> Result<usize, TestCaseError> {
    let cfg = test_config(tiers);
    let stream = build(specs);
    let want = oracle(&cfg, &stream);
    let got = run_engine(&cfg, &stream, specs, split);
    let mut offenses = 0;
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        match (g, w) {
            (None, None) => {}
            (Some(g), Some(w)) => {
                offenses += 1;
                assert_same(g, w, cfg.sample_size)
                    .map_err(|e| TestCaseError::fail(format!("event {i}: {e}")))?;
            }
            _ => {
                return Err(TestCaseError::fail(format!(
                    "event {i}: engine {g:?}\n oracle {w:?}\n event {:?}",
                    stream[i]
                )))
            }
        }
    }
    Ok(offenses)
}

fn tiers() -> impl Strategy<Value = (u64, u64, u64)> {
    prop_oneof![
        Just((3, 6, 10)),
        Just((2, 4, 5)),
        Just((4, 4, 8)),
        Just((15, 50, 100)),
        (1u64..6, 0u64..6, 0u64..8).prop_map(|(m, h, c)| (m, m + h, m + h + c)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_the_oracle(
        tiers in tiers(),
        specs in proptest::collection::vec(spec(), 0..400),
        split in proptest::option::of(0usize..400),
    ) {
        check(tiers, &specs, split)?;
    }

    /// Streams concentrated on few sources and names, so tiers, escalations and new
    /// campaigns happen often.
    #[test]
    fn engine_matches_the_oracle_on_dense_streams(
        specs in proptest::collection::vec(spec().prop_map(|mut s| {
            s.source = 3 + s.source % 3;
            s.user %= 14;
            s
        }), 0..300),
        split in proptest::option::of(0usize..300),
    ) {
        check((3, 6, 10), &specs, split)?;
    }
}

/// The random streams do reach every tier (the property would be vacuous otherwise).
#[test]
fn random_streams_do_raise_offenses() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = proptest::collection::vec(
        spec().prop_map(|mut s| {
            s.source = 3;
            s.user %= 14;
            s.advance /= 10;
            s
        }),
        200,
    );
    let mut offenses = 0;
    for _ in 0..20 {
        let specs = strategy.new_tree(&mut runner).expect("generate").current();
        offenses += check((3, 6, 10), &specs, Some(100)).expect("matches the oracle");
    }
    assert!(offenses > 20, "only {offenses} offenses raised");
}

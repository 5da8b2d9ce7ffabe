//! Scenarios of the rule, each with hand-computed expectations.

mod common;

use std::sync::Arc;

use common::{failure, ip, via, with_code, ws_failure, MIN, T0};
use regex::RegexBuilder;
use rollcall_detect::{
    Attribution, DetectConfig, Engine, Offense, SequentialIds, SnapshotError, SourceKey, Tier,
    Tiers,
};
use rollcall_parse::{AuthEvent, AuthKind};

fn engine(cfg: DetectConfig) -> Engine {
    Engine::new(cfg, Box::new(SequentialIds::new()))
}

fn small_tiers() -> DetectConfig {
    DetectConfig {
        tiers: Tiers {
            medium: 2,
            high: 3,
            critical: 4,
        },
        ..DetectConfig::default()
    }
}

/// Feeds events with the clock at each event's own time (as a replay does).
fn run(e: &Engine, events: &[AuthEvent<'static>]) -> Vec<Offense> {
    events
        .iter()
        .filter_map(|ev| e.observe(ev, ev.time_ms))
        .collect()
}

/// `n` distinct users from `source`, one a second from `start`.
fn spray(start: i64, source: &str, users: std::ops::Range<usize>) -> Vec<AuthEvent<'static>> {
    users
        .map(|u| failure(start + u as i64 * 1000, source, &format!("user{u}")))
        .collect()
}

#[test]
fn failures_59_minutes_apart_share_a_window_61_do_not() {
    let e = engine(small_tiers());
    let inside = run(
        &e,
        &[
            failure(T0, "203.0.113.1", "a"),
            failure(T0 + 59 * MIN, "203.0.113.1", "b"),
        ],
    );
    assert_eq!(inside.len(), 1);
    assert_eq!(inside[0].tier, Tier::Medium);
    assert_eq!(inside[0].duration_minutes, 59.0);

    let outside = run(
        &e,
        &[
            failure(T0, "203.0.113.2", "a"),
            failure(T0 + 61 * MIN, "203.0.113.2", "b"),
        ],
    );
    assert!(outside.is_empty());

    // The window includes its lower bound: exactly 60 minutes apart still counts.
    let edge = run(
        &e,
        &[
            failure(T0, "203.0.113.3", "a"),
            failure(T0 + 60 * MIN, "203.0.113.3", "b"),
        ],
    );
    assert_eq!(edge.len(), 1);
}

#[test]
fn escalates_medium_high_critical_under_one_detection_id() {
    let e = engine(DetectConfig::default());
    let offenses = run(&e, &spray(T0, "203.0.113.7", 0..150));
    let tiers: Vec<_> = offenses
        .iter()
        .map(|o| (o.tier, o.unique_usernames))
        .collect();
    assert_eq!(
        tiers,
        [(Tier::Medium, 15), (Tier::High, 50), (Tier::Critical, 100)]
    );
    assert!(offenses
        .iter()
        .all(|o| o.detection_id == offenses[0].detection_id));
    let critical = &offenses[2];
    assert_eq!(critical.total_failures, 100);
    assert_eq!(critical.first_seen_ms, T0);
    assert_eq!(critical.last_seen_ms, T0 + 99_000);
    assert_eq!(critical.duration_minutes, 1.7); // 99 s
    assert_eq!(critical.enum_rate_per_min, 58.82); // 100 / 1.7
    assert_eq!(critical.source, SourceKey::Ip(ip("203.0.113.7")));
    assert_eq!(critical.attribution, Attribution::EventIp);
    assert_eq!(critical.sample_usernames.len(), 10);
    assert_eq!(critical.sample_usernames[0], "user0");
    assert_eq!(critical.reporting_hosts, ["DC01"]);
    assert_eq!(critical.detected_at_ms, T0 + 99_000);
    let s = e.stats();
    assert_eq!(
        (s.offenses_medium, s.offenses_high, s.offenses_critical),
        (1, 1, 1)
    );
}

#[test]
fn repeats_within_a_tier_are_suppressed() {
    let e = engine(DetectConfig::default());
    let mut events = spray(T0, "203.0.113.7", 0..49);
    // The same 49 names again, any case: no new distinct name, no new tier.
    events.extend(
        (0..49).map(|u| failure(T0 + 60_000 + u * 1000, "203.0.113.7", &format!("USER{u}"))),
    );
    let offenses = run(&e, &events);
    assert_eq!(offenses.len(), 1);
    assert_eq!(offenses[0].tier, Tier::Medium);
}

#[test]
fn a_new_campaign_after_the_window_empties_alerts_again() {
    let e = engine(DetectConfig::default());
    let first = run(&e, &spray(T0, "203.0.113.7", 0..15));
    // Last failure of the first campaign at T0+14 s; more than an hour later it is over.
    let second = run(&e, &spray(T0 + 14_000 + 60 * MIN + 1, "203.0.113.7", 0..15));
    assert_eq!(first.len(), 1);
    assert_eq!(second.len(), 1);
    assert_ne!(first[0].detection_id, second[0].detection_id);
    assert_eq!(second[0].total_failures, 15);
    assert_eq!(second[0].first_seen_ms, T0 + 14_000 + 60 * MIN + 1);
}

#[test]
fn dropping_below_a_tier_and_rising_again_does_not_realert() {
    let e = engine(DetectConfig::default());
    // 15 names in the first 15 s: Medium.
    let mut events = spray(T0, "203.0.113.7", 0..15);
    // Keep the campaign alive with a repeated name near the end of the hour ...
    events.push(failure(T0 + 59 * MIN, "203.0.113.7", "user0"));
    // ... then the first names slide out (window now starts after T0 + 30 s): 2 left.
    events.push(failure(T0 + 60 * MIN + 30_000, "203.0.113.7", "fresh0"));
    // Back to 15 distinct names: still Medium, already reported.
    events.extend((1..14).map(|u| failure(T0 + 61 * MIN + u, "203.0.113.7", &format!("fresh{u}"))));
    // Up to 50: High, same campaign, same id.
    events
        .extend((14..49).map(|u| failure(T0 + 62 * MIN + u, "203.0.113.7", &format!("fresh{u}"))));
    let offenses = run(&e, &events);
    let tiers: Vec<_> = offenses.iter().map(|o| o.tier).collect();
    assert_eq!(tiers, [Tier::Medium, Tier::High]);
    assert_eq!(offenses[0].detection_id, offenses[1].detection_id);
    assert_eq!(offenses[1].unique_usernames, 50);
}

#[test]
fn a_thousand_workstations_through_a_collector_raise_nothing() {
    let collector = "10.0.0.250";
    let cfg = DetectConfig {
        collectors: vec!["10.0.0.250/32".parse().unwrap()],
        ..DetectConfig::default()
    };
    let e = engine(cfg);
    let events: Vec<_> = (0..1000)
        .map(|i| {
            via(
                ws_failure(T0 + i, &format!("WS{i:04}"), &format!("user{i}")),
                collector,
            )
        })
        .collect();
    assert!(run(&e, &events).is_empty());
    assert_eq!(e.stats().tracked_sources, 1000);
    assert_eq!(e.stats().counted, 1000);

    // Without the workstation, a configured collector is never the source either.
    let mut anon = ws_failure(T0 + 2000, "WS0001", "x");
    anon.workstation = None;
    assert!(e.observe(&via(anon, collector), T0 + 2000).is_none());
    assert_eq!(e.stats().no_source, 1);
}

#[test]
fn an_unlisted_peer_forwarding_for_many_hosts_is_recognised_as_a_relay() {
    let peer = "10.9.9.9";
    let e = engine(DetectConfig::default()); // relay_host_threshold = 20
    let workstations: Vec<_> = (0..1000)
        .map(|i| {
            via(
                ws_failure(T0 + i, &format!("WS{i:04}"), &format!("user{i}")),
                peer,
            )
        })
        .collect();
    assert!(run(&e, &workstations).is_empty());
    assert_eq!(e.stats().relays_detected, 1);
    assert!(e.is_relay(ip(peer)));

    // Failures with neither client address nor workstation: not pinned on the relay.
    let bare: Vec<_> = (0..30)
        .map(|i| {
            let mut ev = via(failure(T0 + 5000 + i, "192.0.2.1", &format!("u{i}")), peer);
            ev.source_ip = None;
            ev
        })
        .collect();
    assert!(run(&e, &bare).is_empty());
    assert_eq!(e.stats().no_source, 30);
}

#[test]
fn a_peer_that_reports_only_itself_is_the_source() {
    let peer = "198.51.100.20";
    let e = engine(DetectConfig::default());
    let events: Vec<_> = (0..15)
        .map(|i| {
            let mut ev = via(failure(T0 + i, "192.0.2.1", &format!("u{i}")), peer);
            ev.source_ip = None;
            ev
        })
        .collect();
    let offenses = run(&e, &events);
    assert_eq!(offenses.len(), 1);
    assert_eq!(offenses[0].source, SourceKey::Ip(ip(peer)));
    assert_eq!(offenses[0].attribution, Attribution::Peer);
    assert_eq!(offenses[0].relays, [ip(peer)]);
}

#[test]
fn workstation_keys_fold_case_and_are_attributed() {
    let e = engine(small_tiers());
    let offenses = run(
        &e,
        &[
            ws_failure(T0, "WS-17", "a"),
            ws_failure(T0 + 1, "ws-17", "b"),
        ],
    );
    assert_eq!(offenses.len(), 1);
    assert_eq!(offenses[0].source, SourceKey::Workstation("ws-17".into()));
    assert_eq!(offenses[0].attribution, Attribution::Workstation);
}

#[test]
fn ipv6_sources_are_tracked_and_ipv4_mapped_ones_merge_with_ipv4() {
    let e = engine(small_tiers());
    let v6 = run(
        &e,
        &[
            failure(T0, "2001:db8::7", "a"),
            failure(T0 + 1, "2001:DB8:0:0::7", "b"),
        ],
    );
    assert_eq!(v6.len(), 1);
    assert_eq!(v6[0].source.to_string(), "2001:db8::7");

    let mapped = run(
        &e,
        &[
            failure(T0, "203.0.113.9", "a"),
            failure(T0 + 1, "::ffff:203.0.113.9", "b"),
        ],
    );
    assert_eq!(mapped.len(), 1);
    assert_eq!(mapped[0].source, SourceKey::Ip(ip("203.0.113.9")));
}

#[test]
fn anonymous_and_null_users_are_excluded() {
    let e = engine(small_tiers());
    let names = [
        "-",
        "",
        "  ",
        "N/A",
        "n/a",
        "ANONYMOUS LOGON",
        "anonymous logon",
    ];
    let events: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| failure(T0 + i as i64, "203.0.113.1", n))
        .collect();
    assert!(run(&e, &events).is_empty());
    assert_eq!(e.stats().excluded_username, names.len() as u64);
    assert_eq!(e.stats().counted, 0);
}

#[test]
fn configured_exclusions_and_loopback_are_dropped_and_counted() {
    let cfg = DetectConfig {
        exclude_sources: vec!["192.0.2.192/26".parse().unwrap()],
        exclude_usernames: vec![RegexBuilder::new("^svc_scan")
            .case_insensitive(true)
            .build()
            .unwrap()],
        ..small_tiers()
    };
    let e = engine(cfg);
    let events = [
        failure(T0, "192.0.2.200", "a"),
        failure(T0 + 1, "192.0.2.201", "b"),
        failure(T0 + 2, "127.0.0.1", "a"),
        failure(T0 + 3, "::1", "b"),
        failure(T0 + 4, "0.0.0.0", "c"),
        failure(T0 + 5, "203.0.113.1", "SVC_SCAN01"),
        failure(T0 + 6, "203.0.113.1", "svc_scan02"),
    ];
    assert!(run(&e, &events).is_empty());
    let s = e.stats();
    assert_eq!(s.excluded_source, 5);
    assert_eq!(s.excluded_username, 2);
    assert_eq!(s.tracked_sources, 0);
}

#[test]
fn username_case_variants_are_one_name() {
    let e = engine(DetectConfig::default());
    let mut events = Vec::new();
    for (i, n) in ["jdoe", "JDOE", "JDoe", "jDoE", "ÉLODIE", "élodie"]
        .iter()
        .enumerate()
    {
        events.push(failure(T0 + i as i64, "203.0.113.1", n));
    }
    events.extend((0..12).map(|u| failure(T0 + 100 + u, "203.0.113.1", &format!("x{u}"))));
    // jdoe + élodie + 12 = 14 distinct: one short of Medium.
    assert!(run(&e, &events).is_empty());
    let o = run(&e, &[failure(T0 + 200, "203.0.113.1", "last")]);
    assert_eq!(o.len(), 1);
    assert_eq!(o[0].unique_usernames, 15);
    assert_eq!(o[0].total_failures, 19);
    assert_eq!(o[0].sample_usernames[..2], ["jdoe", "ÉLODIE"]);
}

#[test]
fn events_outside_the_clock_skew_are_dropped() {
    let e = engine(small_tiers()); // window 60 min, skew 5 min
    let now = T0 + 2 * 60 * MIN;
    let src = "203.0.113.1";
    assert!(e.observe(&failure(now + 6 * MIN, src, "a"), now).is_none());
    assert!(e.observe(&failure(now - 66 * MIN, src, "b"), now).is_none());
    assert_eq!(e.stats().dropped_clock_skew, 2);
    assert_eq!(e.stats().counted, 0);
    // Within tolerance: 4 minutes ahead, 64 minutes old (and inside the source's window).
    assert!(e.observe(&failure(now + 4 * MIN, src, "c"), now).is_none());
    let o = e.observe(&failure(now - 55 * MIN, src, "d"), now);
    assert_eq!(
        o.map(|o| (o.unique_usernames, o.first_seen_ms)),
        Some((2, now - 55 * MIN))
    );
    assert_eq!(e.stats().dropped_clock_skew, 2);
}

#[test]
fn late_events_older_than_the_source_window_do_not_count() {
    let e = engine(small_tiers());
    let src = "203.0.113.1";
    let now = T0 + 60 * MIN;
    assert!(e.observe(&failure(now, src, "a"), now).is_none());
    // 62 minutes before the newest failure: acceptable for the skew, outside the window.
    assert!(e.observe(&failure(now - 62 * MIN, src, "b"), now).is_none());
    assert_eq!(e.stats().outside_window, 1);
    // A late one inside the window counts, and becomes first_seen.
    let o = e
        .observe(&failure(now - 30 * MIN, src, "c"), now)
        .expect("medium");
    assert_eq!((o.total_failures, o.first_seen_ms), (2, now - 30 * MIN));
}

#[test]
fn codes_are_counted_per_code_and_unlisted_codes_ignored() {
    let e = engine(DetectConfig {
        tiers: Tiers {
            medium: 4,
            high: 5,
            critical: 6,
        },
        ..DetectConfig::default()
    });
    let src = "203.0.113.1";
    let events = [
        failure(T0, src, "a"),
        with_code(failure(T0 + 1, src, "b"), AuthKind::Ntlm4776, 0xC000_0064),
        with_code(failure(T0 + 2, src, "c"), AuthKind::Kerberos4771, 0x18),
        with_code(failure(T0 + 3, src, "x"), AuthKind::Ntlm4625, 0xC000_0234),
        with_code(failure(T0 + 4, src, "d"), AuthKind::AzureSignin, 50126),
    ];
    let o = run(&e, &events);
    assert_eq!(o.len(), 1);
    let codes: Vec<_> = o[0]
        .codes
        .iter()
        .map(|(c, n)| (c.to_string(), *n))
        .collect();
    assert_eq!(
        codes,
        [
            ("0x18".into(), 1),
            ("50126".into(), 1),
            ("0xC0000064".into(), 2)
        ]
    );
    assert_eq!(e.stats().ignored_code, 1);
}

#[test]
fn a_flood_of_new_sources_at_a_large_cap_keeps_the_cap_and_the_busy_sources() {
    // Above 4 096 sources the eviction cut-off is sampled: the cap must still hold, every
    // eviction must be counted, and a source active during the flood must survive it.
    const CAP: u32 = 20_000;
    let e = engine(DetectConfig {
        max_sources: CAP as usize,
        ..small_tiers()
    });
    let addr = |i: u32| format!("10.{}.{}.{}", (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF);
    let now = T0 + 200_000;
    let mut inserted = 0u64;
    for i in 0..(3 * CAP) {
        e.observe(&failure(T0 + i64::from(i), &addr(i), "a"), now);
        inserted += 1;
        // 192.0.2.9 fails every 500 new sources, so it is never among the stalest.
        if i % 500 == 0 {
            e.observe(&failure(T0 + i64::from(i), "192.0.2.9", "a"), now);
        }
        assert!(e.stats().tracked_sources <= u64::from(CAP));
    }
    let s = e.stats();
    assert_eq!(s.evicted_sources + s.tracked_sources, inserted + 1);
    assert!(s.evicted_sources >= inserted + 1 - u64::from(CAP));
    // The busy source kept its state: a second distinct name reaches Medium (2).
    let o = e.observe(&failure(T0 + i64::from(3 * CAP), "192.0.2.9", "b"), now);
    assert_eq!(o.map(|o| o.tier), Some(Tier::Medium));
}

#[test]
fn max_sources_evicts_the_stalest_source() {
    let e = engine(DetectConfig {
        max_sources: 3,
        ..small_tiers()
    });
    for (i, src) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
        .iter()
        .enumerate()
    {
        e.observe(&failure(T0 + i as i64 * 1000, src, "a"), T0 + 5000);
    }
    // A fresh failure from .1 makes .2 the stalest.
    assert!(e
        .observe(&failure(T0 + 3000, "203.0.113.1", "a"), T0 + 5000)
        .is_none());
    assert!(e
        .observe(&failure(T0 + 4000, "203.0.113.4", "a"), T0 + 5000)
        .is_none());
    let s = e.stats();
    assert_eq!((s.evicted_sources, s.tracked_sources), (1, 3));
    // .2 was forgotten: its next distinct name is its first again, no offense.
    assert!(e
        .observe(&failure(T0 + 4500, "203.0.113.2", "b"), T0 + 5000)
        .is_none());
    // .1 kept its state: a second distinct name reaches Medium (2).
    let o = e.observe(&failure(T0 + 4600, "203.0.113.1", "b"), T0 + 5000);
    assert_eq!(o.map(|o| o.tier), Some(Tier::Medium));
    assert!(e.stats().tracked_sources <= 3);
}

#[test]
fn past_the_top_tier_names_are_capped_and_nothing_more_is_reported() {
    let e = engine(DetectConfig::default());
    let bytes_before = e.state_bytes();
    let offenses = run(&e, &spray(T0, "203.0.113.7", 0..100));
    assert_eq!(offenses.last().map(|o| o.tier), Some(Tier::Critical));
    let at_critical = e.state_bytes();
    // 400 more new names and 50 repeats of known ones.
    let mut more = spray(T0 + 200_000, "203.0.113.7", 100..500);
    more.extend((0..50).map(|u| failure(T0 + 700_000 + u, "203.0.113.7", &format!("user{u}"))));
    assert!(run(&e, &more).is_empty());
    let s = e.stats();
    assert_eq!(s.capped_usernames, 400);
    assert_eq!(s.counted, 550);
    // The source keeps only its frozen name set: it does not grow with the new names.
    assert!(
        e.state_bytes() <= at_critical,
        "{bytes_before} {at_critical} {}",
        e.state_bytes()
    );
}

#[test]
fn expire_drops_sources_only_when_no_event_can_join_them() {
    let e = engine(small_tiers()); // window 60 min, skew 5 min
    e.observe(&failure(T0, "203.0.113.1", "a"), T0);
    assert_eq!(e.expire(T0 + 125 * MIN), 0);
    assert_eq!(e.stats().tracked_sources, 1);
    assert_eq!(e.expire(T0 + 125 * MIN + 1), 1);
    let s = e.stats();
    assert_eq!((s.tracked_sources, s.expired_sources), (0, 1));
}

#[test]
fn reconfigure_applies_new_tiers_to_existing_state() {
    let e = engine(DetectConfig::default());
    assert!(run(&e, &spray(T0, "203.0.113.7", 0..10)).is_empty());
    e.reconfigure(DetectConfig {
        tiers: Tiers {
            medium: 5,
            high: 11,
            critical: 50,
        },
        ..DetectConfig::default()
    });
    let o = run(&e, &spray(T0 + 20_000, "203.0.113.7", 10..11));
    assert_eq!(o.len(), 1);
    assert_eq!((o[0].tier, o[0].unique_usernames), (Tier::High, 11));
}

#[test]
fn relays_and_reporting_hosts_are_listed() {
    let e = engine(small_tiers());
    let mut a = via(failure(T0, "203.0.113.1", "a"), "10.0.0.1");
    a.host = Some("dc01.corp".into());
    let mut b = via(failure(T0 + 1, "203.0.113.1", "b"), "::ffff:10.0.0.2");
    b.host = Some("DC01.corp".into());
    let o = run(&e, &[a, b]);
    assert_eq!(o[0].relays, [ip("10.0.0.1"), ip("10.0.0.2")]);
    assert_eq!(o[0].reporting_hosts, ["dc01.corp"]);
}

fn mixed_stream() -> Vec<(AuthEvent<'static>, i64)> {
    let mut events = Vec::new();
    for i in 0..600i64 {
        let src = format!("203.0.113.{}", i % 7);
        let user = format!("user{}", (i * 7919) % 130);
        let t = T0 + i * 20_000 - (i % 5) * 3_000;
        let mut ev = failure(t, &src, &user);
        if i % 11 == 0 {
            ev.source_ip = None;
            ev.workstation = Some(format!("WS{}", i % 3).into());
        }
        events.push((ev, T0 + i * 20_000));
    }
    events
}

#[test]
fn snapshot_and_restore_midway_yield_the_same_offenses() {
    let cfg = DetectConfig::default();
    let stream = mixed_stream();
    let uninterrupted: Vec<Offense> = {
        let e = engine(cfg.clone());
        stream
            .iter()
            .filter_map(|(ev, now)| e.observe(ev, *now))
            .collect()
    };
    assert!(uninterrupted.len() >= 6, "{}", uninterrupted.len());

    for split in [1, 150, 301, 599] {
        let ids = Arc::new(SequentialIds::new());
        let first = Engine::new(cfg.clone(), Box::new(ids.clone()));
        let mut got: Vec<Offense> = stream[..split]
            .iter()
            .filter_map(|(ev, now)| first.observe(ev, *now))
            .collect();
        let mut file = Vec::new();
        first.snapshot(&mut file).unwrap();
        drop(first);
        let second = Engine::restore(cfg.clone(), Box::new(ids), &mut file.as_slice()).unwrap();
        got.extend(
            stream[split..]
                .iter()
                .filter_map(|(ev, now)| second.observe(ev, *now)),
        );
        assert_eq!(got, uninterrupted, "split at {split}");
    }
}

#[test]
fn snapshot_keeps_saturated_sources_and_relays() {
    let e = engine(DetectConfig::default());
    run(&e, &spray(T0, "203.0.113.7", 0..120));
    let peer = "10.9.9.9";
    let hosts: Vec<_> = (0..25)
        .map(|i| via(ws_failure(T0 + i, &format!("WS{i}"), "a"), peer))
        .collect();
    run(&e, &hosts);
    let mut file = Vec::new();
    e.snapshot(&mut file).unwrap();
    let r = Engine::restore(
        DetectConfig::default(),
        Box::new(SequentialIds::new()),
        &mut file.as_slice(),
    )
    .unwrap();
    assert!(r.is_relay(ip(peer)));
    assert_eq!(r.stats().tracked_sources, e.stats().tracked_sources);
    // Still saturated: no offense in the same campaign, a known name is not "capped".
    assert!(run(&r, &[failure(T0 + 200_000, "203.0.113.7", "user3")]).is_empty());
    assert!(run(&r, &[failure(T0 + 200_001, "203.0.113.7", "new")]).is_empty());
    assert_eq!(r.stats().capped_usernames, 1);
}

#[test]
fn a_version_1_snapshot_restores_into_the_compact_layout() {
    // Written in the layout of the first engine (every source with its full tables): a
    // one-failure source whose code table has an unused slot, a second reporting host and
    // a relay; and a two-failure source already at Medium.
    let text = include_str!("../testdata/snapshot_v1.txt");
    let e = Engine::restore(
        small_tiers(),
        Box::new(SequentialIds::new()),
        &mut text.as_bytes(),
    )
    .unwrap();
    assert_eq!(e.stats().tracked_sources, 2);

    let o = e
        .observe(&failure(T0 + 1000, "203.0.113.7", "bob"), T0 + 1000)
        .expect("a second distinct name reaches Medium");
    assert_eq!(o.tier, Tier::Medium);
    assert_eq!((o.unique_usernames, o.total_failures), (2, 2));
    assert_eq!((o.first_seen_ms, o.last_seen_ms), (T0, T0 + 1000));
    assert_eq!(o.sample_usernames, ["Alice", "bob"]);
    assert_eq!(o.reporting_hosts, ["DC01", "dc02.example.com"]);
    assert_eq!(o.relays, [ip("10.9.9.9")]);
    let codes: Vec<(String, u64)> = o.codes.iter().map(|(c, n)| (c.to_string(), *n)).collect();
    assert_eq!(codes, [("0xC0000064".to_string(), 2)]);

    let mut ev = ws_failure(T0 + 2000, "WS7", "carol");
    ev.host = Some("DC01".into());
    let o = e
        .observe(&ev, T0 + 2000)
        .expect("a third name reaches High");
    assert_eq!(o.tier, Tier::High);
    assert_eq!(o.sample_usernames, ["u1", "u2", "carol"]);
    assert_eq!(
        o.detection_id[15], 0xab,
        "the campaign keeps its restored id"
    );
    assert_eq!(o.reporting_hosts, ["DC01"]);
}

#[test]
fn damaged_snapshots_are_rejected() {
    let e = engine(DetectConfig::default());
    run(&e, &spray(T0, "203.0.113.7", 0..20));
    let mut file = Vec::new();
    e.snapshot(&mut file).unwrap();
    let text = String::from_utf8(file.clone()).unwrap();
    let restore = |bytes: &[u8]| {
        Engine::restore(
            DetectConfig::default(),
            Box::new(SequentialIds::new()),
            &mut &bytes[..],
        )
    };
    assert!(matches!(restore(b"GIF89a"), Err(SnapshotError::BadMagic)));
    let v2 = text.replacen("SNAPSHOT 1", "SNAPSHOT 2", 1);
    assert!(matches!(
        restore(v2.as_bytes()),
        Err(SnapshotError::UnsupportedVersion { found: 2, .. })
    ));
    let cut = &file[..file.len() - 20];
    assert!(restore(cut).is_err());
    let no_end: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
    assert!(matches!(
        restore(no_end.as_bytes()),
        Err(SnapshotError::Truncated)
    ));
    let garbage = text.replacen("\"failures\"", "\"failurez\"", 1);
    assert!(matches!(
        restore(garbage.as_bytes()),
        Err(SnapshotError::Corrupt { line: 3, .. })
    ));
    assert!(restore(&file).is_ok());
}

#[test]
fn threads_sharing_the_engine_see_every_failure() {
    let e = Arc::new(engine(DetectConfig::default()));
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let e = Arc::clone(&e);
            std::thread::spawn(move || {
                let mut offenses = 0;
                for s in 0..50 {
                    let src = format!("10.{t}.{s}.1");
                    for u in 0..20 {
                        let ev = failure(T0 + u, &src, &format!("user{u}"));
                        offenses += usize::from(e.observe(&ev, T0).is_some());
                    }
                }
                offenses
            })
        })
        .collect();
    let offenses: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(offenses, 100); // every source reaches Medium once
    let s = e.stats();
    assert_eq!(
        (s.observed, s.counted, s.tracked_sources),
        (2000, 2000, 100)
    );
}

#[test]
fn every_observed_event_has_exactly_one_outcome() {
    let e = engine(DetectConfig {
        collectors: vec!["10.0.0.250/32".parse().unwrap()],
        ..DetectConfig::default()
    });
    let now = T0 + 120 * MIN;
    let mut no_source = failure(now, "192.0.2.1", "a");
    no_source.source_ip = None;
    let events = [
        failure(now, "203.0.113.1", "a"),
        failure(now - 62 * MIN, "203.0.113.1", "b"), // outside the source's window
        failure(now + 10 * MIN, "203.0.113.1", "c"), // clock skew
        failure(now, "127.0.0.1", "d"),              // excluded source
        failure(now, "203.0.113.1", "-"),            // excluded username
        with_code(failure(now, "203.0.113.1", "e"), AuthKind::Ntlm4625, 0),
        via(no_source, "10.0.0.250"),
    ];
    for ev in &events {
        e.observe(ev, now);
    }
    let s = e.stats();
    assert_eq!(s.observed, 7);
    let outcomes = [
        s.counted,
        s.outside_window,
        s.dropped_clock_skew,
        s.excluded_source,
        s.excluded_username,
        s.ignored_code,
        s.no_source,
    ];
    assert_eq!(outcomes, [1; 7]);
}

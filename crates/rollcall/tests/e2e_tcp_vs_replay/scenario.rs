//! The scenario both paths are fed: three attackers crossing tiers (IPv4 through every sender
//! shape, IPv6 with mapped and non-canonical spellings, a workstation without a client
//! address), one source staying below the first tier, one inside an excluded CIDR, a
//! collector relaying one failure each for hundreds of workstations, benign users, and noise
//! (successes, uncounted codes, null users, loopback, other daemons).
//!
//! Every record gets its own second, in file order, starting 20 minutes before now: the live
//! appliance accepts events up to `window + max_clock_skew` old and `max_clock_skew` ahead of
//! its wall clock (`rollcall-detect` engine), so it sees every event, and replay (which
//! orders by event time) processes them in the same order as the TCP connection delivers
//! them.
//!
//! The expected offenses are derived here from the records themselves (distinct usernames,
//! case-insensitive, reaching 15 / 50 / 100), independently of the binary.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::shapes::{bsd_header, render, rfc3339, Event, Kind, Shape};

/// Reference tiers: name and distinct usernames.
pub const TIERS: [(&str, u64); 3] = [("Medium", 15), ("High", 50), ("Critical", 100)];

pub const ATTACKER: &str = "203.0.113.10";
pub const ATTACKER_V6: &str = "2001:db8::bad";
/// Offense `source` of the workstation-keyed attacker (keys are lower-cased).
pub const ROGUE_WORKSTATION: &str = "rogue-lt";
pub const BELOW_TIER: &str = "198.51.100.77";
/// Inside [`EXCLUDED_NET`], which the test config excludes.
pub const EXCLUDED: &str = "192.0.2.200";
pub const EXCLUDED_NET: &str = "192.0.2.192/26";

/// Which offense source an event is expected to count for.
#[derive(Clone, Copy, Debug)]
struct Track {
    source: &'static str,
    attribution: &'static str,
}

enum Item {
    Auth(Event, Option<Track>),
    /// Not an authentication failure, rendered at a time.
    Other(fn(i64) -> String),
}

/// One offense as the reference rule defines it.
#[derive(Clone, Debug)]
pub struct Expected {
    pub source: &'static str,
    pub attribution: &'static str,
    pub tier: &'static str,
    pub unique: u64,
    pub total: u64,
    pub first_ms: i64,
    pub last_ms: i64,
}

pub struct Scenario {
    pub lines: Vec<String>,
    pub expected: Vec<Expected>,
}

/// How each sender shape carries the failures of one source, in rotation.
type Rotation = &'static [(Shape, Kind)];

const EVERY_SENDER: Rotation = &[
    (Shape::NxlogLeef, Kind::Ntlm("0xC0000064")),
    (Shape::Rendered3164, Kind::Ntlm("0xC000006A")),
    (Shape::Snare, Kind::Preauth("0x18")),
    (Shape::Rfc5424Sd, Kind::Tgt("0x6")),
    (Shape::WinlogbeatBare, Kind::Ntlm("0xC0000064")),
    (Shape::WinlogbeatRelayed, Kind::Preauth("0x6")),
];

const V6_SENDERS: Rotation = &[
    (Shape::Rfc5424Sd, Kind::Ntlm("0xC0000072")),
    (Shape::WinlogbeatBare, Kind::Preauth("0x18")),
    (Shape::NxlogLeef, Kind::Ntlm("0xC000006A")),
    (Shape::Snare, Kind::Preauth("0x6")),
];

/// Only 4625 carries a workstation name.
const NTLM_SENDERS: Rotation = &[
    (Shape::NxlogLeef, Kind::Ntlm("0xC0000064")),
    (Shape::Rfc5424Sd, Kind::Ntlm("0xC0000064")),
    (Shape::Rendered3164, Kind::Ntlm("0xC000006A")),
    (Shape::WinlogbeatRelayed, Kind::Ntlm("0xC0000064")),
];

const HOSTS: [&str; 3] = [
    "dc01.corp.example",
    "dc02.corp.example",
    "wec01.corp.example",
];

/// `n` distinct usernames; after every fourth, a retry of an earlier one in upper case
/// (the same account: it adds to the failures, not to the distinct count).
fn usernames(prefix: &str, n: usize) -> Vec<String> {
    let mut users = Vec::new();
    for i in 0..n {
        users.push(format!("{prefix}{i:03}"));
        if i % 4 == 3 {
            users.push(format!("{prefix}{:03}", i / 2).to_uppercase());
        }
    }
    users
}

/// `concat_n`: the list `n` times over (the same users, retried).
trait Repeated {
    fn concat_n(&self, n: usize) -> Vec<String>;
}

impl Repeated for Vec<String> {
    fn concat_n(&self, n: usize) -> Vec<String> {
        (0..n).flat_map(|_| self.iter().cloned()).collect()
    }
}

/// The failures of one source: `users` in order, senders in rotation. `ip` is the source's
/// address as Windows writes it; Kerberos events spell IPv4 as IPv4-mapped IPv6, as DCs do.
fn campaign(
    users: &[String],
    rotation: Rotation,
    ip: &str,
    ws: &str,
    track: Option<Track>,
) -> Vec<Item> {
    users
        .iter()
        .enumerate()
        .map(|(i, user)| {
            let (shape, kind) = rotation[i % rotation.len()];
            let kerberos = !matches!(kind, Kind::Ntlm(_));
            let ip = if kerberos && ip.parse::<std::net::Ipv4Addr>().is_ok() {
                format!("::ffff:{ip}")
            } else {
                ip.to_owned()
            };
            let event = Event {
                shape,
                kind,
                user: user.clone(),
                ip,
                ws: if kerberos { "-".into() } else { ws.into() },
                host: HOSTS[i % HOSTS.len()],
            };
            Item::Auth(event, track)
        })
        .collect()
}

/// A collector relaying one failure (a mistyped password) for each of many workstations,
/// with and without client addresses.
fn collector_traffic() -> Vec<Item> {
    let shapes = [
        Shape::Rfc5424Sd,
        Shape::NxlogLeef,
        Shape::WinlogbeatRelayed,
        Shape::Rendered3164,
    ];
    let with_ip = (0..300).map(|i| Event {
        shape: shapes[i % shapes.len()],
        kind: Kind::Ntlm("0xC000006A"),
        user: format!("person{i:03}"),
        ip: format!("10.20.{}.{}", i / 250, i % 250 + 1),
        ws: format!("WS{i:04}"),
        host: "wec01.corp.example",
    });
    let without_ip = (0..40).map(|i| Event {
        shape: shapes[i % shapes.len()],
        kind: Kind::Ntlm("0xC000006A"),
        user: format!("roamer{i:02}"),
        ip: "-".into(),
        ws: format!("LAPTOP{i:03}"),
        host: "wec01.corp.example",
    });
    with_ip
        .chain(without_ip)
        .map(|e| Item::Auth(e, None))
        .collect()
}

/// Ten users mistyping their password once to three times.
fn benign_users() -> Vec<Item> {
    let mut items = Vec::new();
    for u in 0..10usize {
        for _ in 0..=u % 3 {
            let (shape, _) = NTLM_SENDERS[items.len() % NTLM_SENDERS.len()];
            let event = Event {
                shape,
                kind: Kind::Ntlm("0xC000006A"),
                user: format!("employee{u}"),
                ip: format!("10.1.0.{}", u + 10),
                ws: format!("PC{u:02}"),
                host: HOSTS[u % HOSTS.len()],
            };
            items.push(Item::Auth(event, None));
        }
    }
    items
}

/// Failures the detector is handed and must not count: uncounted code, null users,
/// loopback sources, no source at all.
fn uncounted_failures() -> Vec<Item> {
    let e = |shape, kind, user: &str, ip: &str, ws: &str| {
        Item::Auth(
            Event {
                shape,
                kind,
                user: user.into(),
                ip: ip.into(),
                ws: ws.into(),
                host: "dc01.corp.example",
            },
            None,
        )
    };
    let mut items = Vec::new();
    for i in 0..10 {
        // 0x12: account disabled/locked, not a guess at an account name.
        items.push(e(
            Shape::Snare,
            Kind::Preauth("0x12"),
            &format!("locked{i}"),
            "::ffff:10.1.2.3",
            "-",
        ));
    }
    for _ in 0..5 {
        items.push(e(
            Shape::NxlogLeef,
            Kind::Ntlm("0xC0000064"),
            "ANONYMOUS LOGON",
            "10.1.2.4",
            "PC99",
        ));
        items.push(e(
            Shape::Rendered3164,
            Kind::Ntlm("0xC0000064"),
            "-",
            "10.1.2.5",
            "PC98",
        ));
        items.push(e(
            Shape::NxlogLeef,
            Kind::Ntlm("0xC0000064"),
            "localprobe",
            "127.0.0.1",
            "-",
        ));
        items.push(e(
            Shape::Rfc5424Sd,
            Kind::Ntlm("0xC0000064"),
            "localprobe6",
            "::1",
            "-",
        ));
        items.push(e(
            Shape::Rfc5424Sd,
            Kind::Ntlm("0xC0000064"),
            "nowhere",
            "-",
            "-",
        ));
    }
    items
}

fn sshd(t: i64) -> String {
    format!(
        "{}Accepted publickey for root from 10.0.0.5 port 50022 ssh2",
        bsd_header(38, t, "bastion01", "sshd[2211]")
    )
}

fn cron(t: i64) -> String {
    format!(
        "{}(root) CMD (run-parts /etc/cron.hourly)",
        bsd_header(78, t, "bastion01", "CRON[3102]")
    )
}

/// Contains an event id marker, so it passes the hot path's pre-filter and is parsed.
fn shop(t: i64) -> String {
    format!(
        "{}order 4625 shipped to 4771 Main St",
        bsd_header(14, t, "shop01", "shop")
    )
}

fn logon_success(t: i64) -> String {
    format!(
        "<86>1 {} dc01.corp.example Microsoft-Windows-Security-Auditing - - [win@32473 EventID=\"4624\" TargetUserName=\"employee1\" IpAddress=\"10.1.0.11\" LogonType=\"3\"] An account was successfully logged on.",
        rfc3339(t)
    )
}

fn tgt_success(t: i64) -> String {
    format!(
        "<86>1 {} dc01.corp.example Microsoft-Windows-Security-Auditing - - [win@32473 EventID=\"4768\" TargetUserName=\"employee2\" IpAddress=\"::ffff:10.1.0.12\" Status=\"0x0\"] A Kerberos authentication ticket (TGT) was requested.",
        rfc3339(t)
    )
}

fn noise() -> Vec<Item> {
    let kinds: [fn(i64) -> String; 5] = [sshd, cron, shop, logon_success, tgt_success];
    (0..100)
        .map(|i| Item::Other(kinds[i % kinds.len()]))
        .collect()
}

/// Interleaves the streams pseudo-randomly (fixed seed), keeping each stream's order.
fn interleave(streams: Vec<Vec<Item>>) -> Vec<Item> {
    let mut streams: Vec<VecDeque<Item>> = streams.into_iter().map(VecDeque::from).collect();
    let mut left: usize = streams.iter().map(VecDeque::len).sum();
    let mut out = Vec::with_capacity(left);
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    while left > 0 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        // Weighted by what remains, so all streams run through the whole scenario.
        let mut pick = (state >> 33) as usize % left;
        let stream = streams
            .iter_mut()
            .find(|s| {
                if pick < s.len() {
                    true
                } else {
                    pick -= s.len();
                    false
                }
            })
            .expect("pick < left");
        out.extend(stream.pop_front());
        left -= 1;
    }
    out
}

/// Builds the scenario relative to `now_ms` (the wall clock of the test).
pub fn build(now_ms: i64) -> Scenario {
    let track = |source, attribution| {
        Some(Track {
            source,
            attribution,
        })
    };
    let streams = vec![
        campaign(
            &usernames("guess", 120),
            EVERY_SENDER,
            ATTACKER,
            "KALI",
            track(ATTACKER, "event_ip"),
        ),
        campaign(
            &usernames("spray", 60),
            V6_SENDERS,
            "2001:DB8:0:0:0:0:0:BAD",
            "-",
            track(ATTACKER_V6, "event_ip"),
        ),
        campaign(
            &usernames("rogue", 20),
            NTLM_SENDERS,
            "-",
            "ROGUE-LT",
            track(ROGUE_WORKSTATION, "workstation"),
        ),
        campaign(
            &usernames("few", 14).concat_n(3),
            EVERY_SENDER,
            BELOW_TIER,
            "WS-FEW",
            track(BELOW_TIER, "event_ip"),
        ),
        campaign(
            &usernames("scanner", 60),
            EVERY_SENDER,
            EXCLUDED,
            "VULNSCAN",
            None,
        ),
        collector_traffic(),
        benign_users(),
        uncounted_failures(),
        noise(),
    ];
    let mut items = vec![Item::Other(sshd)];
    items.extend(interleave(streams));
    // The stream ends with a non-failure: once the appliance has received it, it has fully
    // processed every failure before it (one connection is handled in order).
    items.push(Item::Other(cron));

    let start = (now_ms / 1000) * 1000 - 20 * 60_000;
    let mut lines = Vec::with_capacity(items.len());
    let mut expected = Vec::new();
    let mut progress: HashMap<&str, SourceProgress> = HashMap::new();
    for (seq, item) in items.iter().enumerate() {
        let t = start + seq as i64 * 1000;
        match item {
            Item::Other(render_at) => lines.push(render_at(t)),
            Item::Auth(event, track) => {
                lines.push(render(event, t, seq));
                if let Some(track) = track {
                    let p = progress
                        .entry(track.source)
                        .or_insert_with(|| SourceProgress {
                            users: HashSet::new(),
                            total: 0,
                            first_ms: t,
                        });
                    if let Some(e) = p.add(*track, &event.user, t) {
                        expected.push(e);
                    }
                }
            }
        }
    }
    Scenario { lines, expected }
}

/// The reference rule for one source whose failures all lie within one window.
struct SourceProgress {
    users: HashSet<String>,
    total: u64,
    first_ms: i64,
}

impl SourceProgress {
    fn add(&mut self, track: Track, user: &str, t: i64) -> Option<Expected> {
        self.total += 1;
        if !self.users.insert(user.to_lowercase()) {
            return None;
        }
        let unique = self.users.len() as u64;
        let (tier, _) = TIERS.iter().find(|(_, n)| *n == unique)?;
        Some(Expected {
            source: track.source,
            attribution: track.attribution,
            tier,
            unique,
            total: self.total,
            first_ms: self.first_ms,
            last_ms: t,
        })
    }
}

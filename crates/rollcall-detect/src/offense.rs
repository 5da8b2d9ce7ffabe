//! What the detector reports: one [`Offense`] per tier crossing of a source.

use std::net::IpAddr;

use rollcall_parse::FailureCode;

/// The suspicion tier a source reached (`suspicion_score` in the reference rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Medium,
    High,
    Critical,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Medium => "Medium",
            Tier::High => "High",
            Tier::Critical => "Critical",
        }
    }

    /// LEEF `sev` (1–10) for this tier.
    pub fn leef_severity(self) -> u8 {
        match self {
            Tier::Medium => 5,
            Tier::High => 7,
            Tier::Critical => 9,
        }
    }
}

/// How the offending source was identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attribution {
    /// The client address inside the event (the normal case).
    EventIp,
    /// No usable client address: keyed on the event's workstation name.
    Workstation,
    /// The transport peer itself (a sender that is not a relay and logs no client address).
    Peer,
}

impl Attribution {
    pub fn as_str(self) -> &'static str {
        match self {
            Attribution::EventIp => "event_ip",
            Attribution::Workstation => "workstation",
            Attribution::Peer => "peer",
        }
    }
}

/// The key a source is tracked under.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKey {
    Ip(IpAddr),
    /// Workstation name, lower-cased.
    Workstation(String),
}

impl std::fmt::Display for SourceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceKey::Ip(ip) => write!(f, "{ip}"),
            SourceKey::Workstation(w) => f.write_str(w),
        }
    }
}

/// One detection, with the exact fields of the reference rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Offense {
    /// Rule identifier (`t1589-enum`).
    pub rule: &'static str,
    pub source: SourceKey,
    pub attribution: Attribution,
    pub total_failures: u64,
    pub unique_usernames: u64,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    /// round((last − first) / 60 s, 1)
    pub duration_minutes: f64,
    /// round(unique / (duration == 0 ? 1 : duration), 2)
    pub enum_rate_per_min: f64,
    pub tier: Tier,
    /// Failure counts per code within the window, sorted by code.
    pub codes: Vec<(FailureCode, u64)>,
    /// A bounded sample of distinct usernames, as first seen (case preserved).
    pub sample_usernames: Vec<String>,
    /// Transport peers that delivered the source's events (bounded).
    pub relays: Vec<IpAddr>,
    /// Hosts that reported the failures (bounded).
    pub reporting_hosts: Vec<String>,
    /// Stable for one campaign of one source: escalations of the same campaign share it.
    pub detection_id: [u8; 16],
    /// Engine time when the offense was raised (epoch ms).
    pub detected_at_ms: i64,
}

pub const RULE_ID: &str = "t1589-enum";
pub const TECHNIQUE: &str = "T1589";
pub const TACTIC: &str = "Reconnaissance";
pub const TACTIC_ID: &str = "TA0043";

/// round(x, digits) as the reference query does (half away from zero).
pub fn round_to(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

/// `duration_minutes` of the reference rule.
pub fn duration_minutes(first_ms: i64, last_ms: i64) -> f64 {
    round_to((last_ms - first_ms) as f64 / 60_000.0, 1)
}

/// `enum_rate_per_min` of the reference rule.
pub fn enum_rate_per_min(unique: u64, duration_minutes: f64) -> f64 {
    let d = if duration_minutes == 0.0 {
        1.0
    } else {
        duration_minutes
    };
    round_to(unique as f64 / d, 2)
}

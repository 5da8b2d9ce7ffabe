//! [`LeefWriter`]: one offense → one LEEF 2.0 line behind an RFC 3164 header.
//!
//! ```text
//! <PRI>Mmm dd hh:mm:ss HOST LEEF:2.0|Rollcall|RollcallDetector|VERSION|ROLLCALL_ACCOUNT_ENUMERATION|^|devTime=…^cat=…
//! ```
//!
//! Attributes, in this order (`?` = omitted when empty or trimmed):
//!
//! | key | value |
//! |---|---|
//! | `devTime` | detection time, epoch ms (13 digits: QRadar needs no `devTimeFormat`) |
//! | `cat` | `Reconnaissance` (second column of the QID map) |
//! | `sev` | 5 / 7 / 9 for Medium / High / Critical |
//! | `src` | the attacker IP. For a workstation-keyed source (no IP known) the first relay IP, else `0.0.0.0`: QRadar indexes offenses on `src` and creates **none** when it is null, so it must always be there; the real key is then in `source_workstation` |
//! | `source_workstation`? | workstation name for `attribution=workstation` (cut to 64 bytes; the JSON form has it whole) |
//! | `attribution` | `event_ip`, `workstation` or `peer` |
//! | `total_failures`, `unique_usernames` | integers |
//! | `first_seen`, `last_seen` | RFC 3339 UTC with milliseconds |
//! | `duration_minutes`? | 1 decimal, as the reference query rounds (omitted only if not finite) |
//! | `enum_rate_per_min`? | 2 decimals (same) |
//! | `suspicion_score` | `Medium`, `High` or `Critical` |
//! | `codes`? | failure codes with counts, `0xC0000064:90,0x18:3` (code text never holds `:` or `,`) |
//! | `usernames_sample` | sample of target names, each percent-encoded, comma-separated (empty names skipped: an empty item would be ambiguous) |
//! | `usernames_sample_truncated` | `true` when this line lost part of the detector's sample: names dropped for the size budget, or a name cut to 64 bytes. (`unique_usernames` says how many names there were in all.) |
//! | `relays`? | transport peers that delivered the events, comma-separated |
//! | `mitre_technique`, `mitre_tactic`, `mitre_tactic_id` | `T1589`, `Reconnaissance`, `TA0043` |
//! | `reporting_host`? | the first host that logged the failures |
//! | `detection_id` | UUID, shared by the escalations of one campaign |
//!
//! Values are percent-encoded ([`crate::encode`]). Over the size budget the writer drops, in
//! order, usernames from the end of the sample, then `relays`, then `reporting_host`, then
//! `codes`, but keeps any of them that still fits once a bigger one is gone
//! ([`LeefWriter::write_offense`]). Configuration is checked so that the line with everything
//! optional dropped always fits ([`LeefWriter::new`]).

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rollcall_detect::offense::{TACTIC, TACTIC_ID, TECHNIQUE};
use rollcall_detect::{Attribution, Offense, SourceKey, Tier};

use crate::config::LeefConfig;
use crate::encode::{cut_utf8, write_value, ValueKind};
use crate::error::LeefConfigError;
use crate::syslog_header::{write_header, SyslogSeverity};
use crate::values::{write_fixed, write_rfc3339_ms, write_uuid};

pub const LEEF_VENDOR: &str = "Rollcall";
pub const LEEF_PRODUCT: &str = "RollcallDetector";
/// LEEF header Version: the crate version.
pub const LEEF_PRODUCT_VERSION: &str = env!("CARGO_PKG_VERSION");
/// EventID of an offense (first column of the QID map); static, never translated.
pub const EVENT_ID_OFFENSE: &str = "ROLLCALL_ACCOUNT_ENUMERATION";
/// EventID of `rollcall send-test-event`.
pub const EVENT_ID_TEST: &str = "ROLLCALL_TEST";
/// `cat` (second column of the QID map).
pub const CATEGORY: &str = "Reconnaissance";
/// `sev` of the test event (lowest).
pub const TEST_EVENT_SEVERITY: u8 = 1;
/// `src` of the test event: 192.0.2.1 is in TEST-NET-1 (RFC 5737), documentation space that
/// is never a real host, so the test cannot be mistaken for an attacker while QRadar still has
/// the `src` its offense rules index on.
pub const TEST_EVENT_SOURCE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// `src` when a workstation-keyed source has no relay either (QRadar needs a non-null `src`).
pub const UNKNOWN_SOURCE: Ipv4Addr = Ipv4Addr::UNSPECIFIED;
/// Each username (and workstation name) is cut to this many bytes before encoding.
pub const MAX_NAME_BYTES: usize = 64;

/// Which optional parts a line carries; the budget search varies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Plan {
    /// How many (non-empty) usernames of the sample to write.
    usernames: usize,
    codes: bool,
    reporting_host: bool,
    relays: bool,
}

impl Plan {
    /// Everything optional left out.
    const MINIMAL: Plan = Plan {
        usernames: 0,
        codes: false,
        reporting_host: false,
        relays: false,
    };

    fn everything(usernames: usize) -> Plan {
        Plan {
            usernames,
            codes: true,
            reporting_host: true,
            relays: true,
        }
    }

    fn keeping(self, usernames: usize) -> Plan {
        Plan { usernames, ..self }
    }
}

/// Writes offenses and test events as LEEF 2.0 syslog lines for QRadar.
#[derive(Clone, Debug)]
pub struct LeefWriter {
    config: LeefConfig,
}

impl LeefWriter {
    /// Validates `config`: hostname non-empty, ≤ 255 bytes, one word without control
    /// characters; facility 0–23; and `max_bytes` large enough that an offense line with every
    /// optional attribute dropped fits (measured on a synthetic worst case).
    pub fn new(config: LeefConfig) -> Result<Self, LeefConfigError> {
        config.validate_fields()?;
        let writer = LeefWriter { config };
        let mut line = Vec::new();
        writer.write_line(&worst_case_offense(), Plan::MINIMAL, &mut line);
        if line.len() > writer.config.max_bytes {
            return Err(LeefConfigError::MaxBytesTooSmall {
                max_bytes: writer.config.max_bytes,
                needed: line.len(),
            });
        }
        Ok(writer)
    }

    pub fn config(&self) -> &LeefConfig {
        &self.config
    }

    /// Appends one offense line to `out` (no trailing LF: the transport frames it), trimmed to
    /// `max_bytes`. Allocates nothing beyond growing `out`.
    ///
    /// Over budget, the optional parts are kept by importance — `codes`, then
    /// `reporting_host`, then `relays`, then usernames one by one from the front of the sample
    /// — each only if it still fits. That drops usernames from the end first, then relays,
    /// then the reporting host, then the codes, and never drops a part that would fit.
    pub fn write_offense(&self, o: &Offense, out: &mut Vec<u8>) {
        let start = out.len();
        let names = o.sample_usernames.iter().filter(|u| !u.is_empty()).count();
        if self.fits(o, Plan::everything(names), start, out) {
            return;
        }
        let mut plan = Plan::MINIMAL;
        if self.fits(o, plan, start, out) {
            let parts: [fn(&mut Plan); 3] = [
                |p| p.codes = true,
                |p| p.reporting_host = true,
                |p| p.relays = true,
            ];
            for add in parts {
                let mut trial = plan;
                add(&mut trial);
                if self.fits(o, trial, start, out) {
                    plan = trial;
                }
            }
            plan.usernames = self.most_usernames_that_fit(o, plan, names, start, out);
        }
        // Else not reached for a validated writer (`new` checked that the minimal line fits);
        // a whole line over budget still beats one cut inside an attribute.
        out.truncate(start);
        self.write_line(o, plan, out);
    }

    /// Appends the `ROLLCALL_TEST` line (`sev=1`, `src=192.0.2.1`) admins send to check the
    /// path to QRadar and the QID mapping.
    pub fn write_test_event(&self, now_ms: i64, detection_id: [u8; 16], out: &mut Vec<u8>) {
        let cfg = &self.config;
        write_header(
            out,
            cfg.facility,
            SyslogSeverity::Informational,
            now_ms,
            &cfg.hostname,
        );
        write_leef_header(out, EVENT_ID_TEST);
        let _ = write!(
            out,
            "devTime={now_ms}^cat={CATEGORY}^sev={TEST_EVENT_SEVERITY}^src={TEST_EVENT_SOURCE}"
        );
        out.extend_from_slice(b"^detection_id=");
        write_uuid(out, detection_id);
    }

    /// Rewrites the line from `start` with `plan`; true if it is within budget.
    fn fits(&self, o: &Offense, plan: Plan, start: usize, out: &mut Vec<u8>) -> bool {
        out.truncate(start);
        self.write_line(o, plan, out);
        out.len() - start <= self.config.max_bytes
    }

    /// The largest username count that fits with `plan` (which fits with none). Line length
    /// grows with the count (each name adds itself and a comma; the truncation flag turns
    /// from `true` to the one byte longer `false` only at the full count), so a binary search
    /// finds it in a few rewrites.
    fn most_usernames_that_fit(
        &self,
        o: &Offense,
        plan: Plan,
        names: usize,
        start: usize,
        out: &mut Vec<u8>,
    ) -> usize {
        if self.fits(o, plan.keeping(names), start, out) {
            return names;
        }
        // Invariant: `lo` fits, `hi` does not. A non-empty name and its comma take at least two
        // bytes, so more than `max_bytes / 2` names never fit: no probe writes a huge sample.
        let (mut lo, mut hi) = (0, names.min(self.config.max_bytes / 2 + 1));
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.fits(o, plan.keeping(mid), start, out) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    fn write_line(&self, o: &Offense, plan: Plan, out: &mut Vec<u8>) {
        let cfg = &self.config;
        write_header(
            out,
            cfg.facility,
            syslog_severity(o.tier),
            o.detected_at_ms,
            &cfg.hostname,
        );
        write_leef_header(out, EVENT_ID_OFFENSE);
        let _ = write!(
            out,
            "devTime={}^cat={CATEGORY}^sev={}^src=",
            o.detected_at_ms,
            o.tier.leef_severity()
        );
        match &o.source {
            SourceKey::Ip(ip) => {
                let _ = write!(out, "{ip}");
            }
            SourceKey::Workstation(name) => {
                let src = o
                    .relays
                    .first()
                    .copied()
                    .unwrap_or(IpAddr::V4(UNKNOWN_SOURCE));
                let _ = write!(out, "{src}");
                key(out, "source_workstation");
                write_value(out, cut_utf8(name, MAX_NAME_BYTES), ValueKind::Scalar);
            }
        }
        key(out, "attribution");
        out.extend_from_slice(o.attribution.as_str().as_bytes());
        let _ = write!(
            out,
            "^total_failures={}^unique_usernames={}",
            o.total_failures, o.unique_usernames
        );
        key(out, "first_seen");
        write_rfc3339_ms(out, o.first_seen_ms);
        key(out, "last_seen");
        write_rfc3339_ms(out, o.last_seen_ms);
        fixed_attr(out, "duration_minutes", o.duration_minutes, 1);
        fixed_attr(out, "enum_rate_per_min", o.enum_rate_per_min, 2);
        key(out, "suspicion_score");
        out.extend_from_slice(o.tier.as_str().as_bytes());
        if plan.codes && !o.codes.is_empty() {
            key(out, "codes");
            for (i, (code, count)) in o.codes.iter().enumerate() {
                let sep = if i == 0 { "" } else { "," };
                // `FailureCode` prints as `0x…` hex or decimal digits: nothing to encode.
                let _ = write!(out, "{sep}{code}:{count}");
            }
        }
        let truncated = write_usernames(out, &o.sample_usernames, plan.usernames);
        key(out, "usernames_sample_truncated");
        out.extend_from_slice(if truncated { b"true" } else { b"false" });
        if plan.relays && !o.relays.is_empty() {
            key(out, "relays");
            for (i, relay) in o.relays.iter().enumerate() {
                let sep = if i == 0 { "" } else { "," };
                let _ = write!(out, "{sep}{relay}");
            }
        }
        let _ = write!(
            out,
            "^mitre_technique={TECHNIQUE}^mitre_tactic={TACTIC}^mitre_tactic_id={TACTIC_ID}"
        );
        if let Some(host) = o.reporting_hosts.first().filter(|_| plan.reporting_host) {
            key(out, "reporting_host");
            write_value(out, host, ValueKind::Scalar);
        }
        key(out, "detection_id");
        write_uuid(out, o.detection_id);
    }
}

/// `LEEF:2.0|Vendor|Product|Version|EventID|^|`: constants, so nothing to encode.
fn write_leef_header(out: &mut Vec<u8>, event_id: &str) {
    let _ = write!(
        out,
        "LEEF:2.0|{LEEF_VENDOR}|{LEEF_PRODUCT}|{LEEF_PRODUCT_VERSION}|{event_id}|^|"
    );
}

/// Starts a non-first attribute: `^key=`.
fn key(out: &mut Vec<u8>, name: &str) {
    out.push(b'^');
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
}

fn fixed_attr(out: &mut Vec<u8>, name: &str, x: f64, decimals: usize) {
    let before = out.len();
    key(out, name);
    if !write_fixed(out, x, decimals) {
        out.truncate(before);
    }
}

/// Writes `^usernames_sample=` with the first `keep` non-empty names, each cut to 64 bytes;
/// returns whether anything of the sample was lost.
fn write_usernames(out: &mut Vec<u8>, sample: &[String], keep: usize) -> bool {
    key(out, "usernames_sample");
    let mut truncated = false;
    for (written, name) in sample.iter().filter(|u| !u.is_empty()).enumerate() {
        if written == keep {
            return true;
        }
        if written > 0 {
            out.push(b',');
        }
        let cut = cut_utf8(name, MAX_NAME_BYTES);
        truncated |= cut.len() < name.len();
        write_value(out, cut, ValueKind::ListItem);
    }
    truncated
}

fn syslog_severity(tier: Tier) -> SyslogSeverity {
    match tier {
        Tier::Critical => SyslogSeverity::Critical,
        Tier::High => SyslogSeverity::Error,
        Tier::Medium => SyslogSeverity::Warning,
    }
}

/// The longest line with every optional part dropped: used to validate `max_bytes`.
fn worst_case_offense() -> Offense {
    Offense {
        rule: rollcall_detect::offense::RULE_ID,
        // Every byte of a 64-byte name percent-encoded: 192 bytes.
        source: SourceKey::Workstation("%".repeat(MAX_NAME_BYTES)),
        attribution: Attribution::Workstation,
        total_failures: u64::MAX,
        unique_usernames: u64::MAX,
        first_seen_ms: i64::MIN,
        last_seen_ms: i64::MIN,
        duration_minutes: -f64::MAX,
        enum_rate_per_min: -f64::MAX,
        tier: Tier::Critical,
        codes: Vec::new(),
        sample_usernames: Vec::new(),
        relays: vec![IpAddr::V6(Ipv6Addr::new(
            0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
        ))],
        reporting_hosts: Vec::new(),
        detection_id: [0xff; 16],
        detected_at_ms: i64::MIN,
    }
}

#[cfg(test)]
#[path = "leef_tests.rs"]
mod tests;

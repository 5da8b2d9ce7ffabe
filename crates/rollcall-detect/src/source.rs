//! One tracked source: its current campaign, its window, and the rule's tier logic.
//!
//! A *campaign* is a run of failures from one source in which the window never emptied:
//! a failure more than one window after the newest failure seen starts a new campaign.
//! Within a campaign each tier is reported once (first reach and every escalation share
//! the campaign's `detection_id`); a new campaign reports again with a new id.
//!
//! Once a campaign has reported the top tier nothing more can be reported until the window
//! empties, so the source keeps only its newest time and its (frozen) set of names: this is
//! the "username set capped past the top tier" of DESIGN.md.

use std::net::IpAddr;

use rollcall_parse::FailureCode;

use crate::config::Tiers;
use crate::offense::{duration_minutes, enum_rate_per_min, Attribution, Offense, SourceKey};
use crate::offense::{Tier, RULE_ID};
use crate::window::{name_id, push_exact, SlidingWindow};

/// Transport peers listed per source.
pub const MAX_RELAYS: usize = 8;
/// Reporting hosts listed per source.
pub const MAX_REPORTING_HOSTS: usize = 8;

/// A counted failure, resolved to its source.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Observation<'e> {
    pub time_ms: i64,
    pub name_hash: u64,
    pub spelling: &'e str,
    pub code: FailureCode,
    pub attribution: Attribution,
    pub relay: Option<IpAddr>,
    pub host: Option<&'e str>,
}

/// Parameters of the rule that a source update needs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rule {
    pub window_ms: i64,
    pub tiers: Tiers,
    pub sample_size: usize,
}

/// What one observation did to a source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Effect {
    /// The failure is older than the source's window: no effect.
    pub outside_window: bool,
    /// The source is past the top tier and the name was not in its frozen set.
    pub capped: bool,
    /// Failures forgotten early because of the per-source cap.
    pub overflowed: u64,
    /// A tier reached for the first time in this campaign.
    pub alert: Option<Tier>,
}

#[derive(Clone, Debug)]
pub(crate) struct SourceState {
    /// Newest failure time of the campaign: the window is [newest − window, newest].
    pub newest_ms: i64,
    pub attribution: Attribution,
    /// Highest tier reported in this campaign.
    pub alerted: Option<Tier>,
    pub detection_id: Option<[u8; 16]>,
    pub window: SlidingWindow,
    pub relays: Vec<IpAddr>,
    pub hosts: Vec<Box<str>>,
}

impl SourceState {
    pub(crate) fn new(first: &Observation<'_>) -> SourceState {
        SourceState {
            newest_ms: first.time_ms,
            attribution: first.attribution,
            alerted: None,
            detection_id: None,
            window: SlidingWindow::default(),
            relays: Vec::new(),
            hosts: Vec::new(),
        }
    }

    /// Past the top tier: only the newest time and the frozen names are kept.
    pub(crate) fn saturated(&self) -> bool {
        self.alerted == Some(Tier::Critical)
    }

    /// Records a failure and applies the rule.
    pub(crate) fn observe(&mut self, o: &Observation<'_>, rule: &Rule) -> Effect {
        let mut effect = Effect::default();
        if o.time_ms > self.newest_ms.saturating_add(rule.window_ms) {
            self.start_campaign(o.time_ms);
        }
        if o.time_ms < self.newest_ms.saturating_sub(rule.window_ms) {
            effect.outside_window = true;
            return effect;
        }
        self.newest_ms = self.newest_ms.max(o.time_ms);
        self.attribution = o.attribution;
        if self.saturated() {
            effect.capped = !self.window.names().contains(name_id(o.name_hash));
            return effect;
        }
        if self
            .window
            .insert(o.time_ms, o.name_hash, o.code, o.spelling, rule.sample_size)
            .is_none()
        {
            effect.outside_window = true;
            return effect;
        }
        self.note_relay_and_host(o);
        self.window
            .prune_before(self.newest_ms.saturating_sub(rule.window_ms));
        effect.overflowed = self.window.enforce_cap().failures;
        if let Some(tier) = rule.tiers.tier_for(self.window.unique()) {
            if self.alerted.is_none_or(|done| tier > done) {
                self.alerted = Some(tier);
                effect.alert = Some(tier);
            }
        }
        effect
    }

    fn start_campaign(&mut self, time_ms: i64) {
        self.newest_ms = time_ms;
        self.alerted = None;
        self.detection_id = None;
        self.window = SlidingWindow::default();
        self.relays = Vec::new();
        self.hosts = Vec::new();
    }

    fn note_relay_and_host(&mut self, o: &Observation<'_>) {
        if let Some(peer) = o.relay {
            if self.relays.len() < MAX_RELAYS && !self.relays.contains(&peer) {
                push_exact(&mut self.relays, peer);
            }
        }
        if let Some(host) = o.host {
            if self.hosts.len() < MAX_REPORTING_HOSTS
                && !self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
            {
                push_exact(&mut self.hosts, Box::from(host));
            }
        }
    }

    /// The offense for `tier`, from the window as it is now.
    pub(crate) fn offense(&self, source: &SourceKey, tier: Tier, now_ms: i64) -> Offense {
        let unique = self.window.unique();
        let first = self.window.first_ms().unwrap_or(self.newest_ms);
        let last = self.window.last_ms().unwrap_or(self.newest_ms);
        let duration = duration_minutes(first, last);
        Offense {
            rule: RULE_ID,
            source: source.clone(),
            attribution: self.attribution,
            total_failures: self.window.total(),
            unique_usernames: unique,
            first_seen_ms: first,
            last_seen_ms: last,
            duration_minutes: duration,
            enum_rate_per_min: enum_rate_per_min(unique, duration),
            tier,
            codes: self.window.code_counts(),
            sample_usernames: self.window.sample_usernames(),
            relays: self.relays.clone(),
            reporting_hosts: self.hosts.iter().map(|h| h.to_string()).collect(),
            detection_id: self.detection_id.unwrap_or_default(),
            detected_at_ms: now_ms,
        }
    }

    /// Drops what a source past the top tier no longer needs.
    pub(crate) fn saturate(&mut self) {
        self.window.freeze_names();
        self.relays = Vec::new();
        self.hosts = Vec::new();
    }

    /// Approximate heap bytes held (the figure is exact for the vectors' capacities).
    pub(crate) fn heap_bytes(&self) -> usize {
        std::mem::size_of::<SourceState>()
            + self.window.heap_bytes()
            + self.relays.capacity() * std::mem::size_of::<IpAddr>()
            + self
                .hosts
                .iter()
                .map(|h| h.len() + std::mem::size_of::<Box<str>>())
                .sum::<usize>()
    }
}

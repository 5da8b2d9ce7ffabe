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
use std::sync::Arc;

use rollcall_parse::FailureCode;

use crate::config::Tiers;
use crate::hosts::HostNames;
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
    /// Where a source's first reporting host is shared from.
    pub host_names: &'e HostNames,
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

/// One tracked source. Kept small because a million of them may be tracked, most holding
/// a single failure: what few sources need (a detection id, relays, a second reporting
/// host) lives in `extras`, allocated on first use.
#[derive(Clone, Debug)]
pub(crate) struct SourceState {
    /// Newest failure time of the campaign: the window is [newest − window, newest].
    pub newest_ms: i64,
    pub window: SlidingWindow,
    /// The first reporting host of the campaign (nearly every source has exactly one),
    /// shared between sources (a thin pointer: `Arc<str>` would take 16 bytes).
    first_host: Option<Arc<String>>,
    extras: Option<Box<Extras>>,
    pub attribution: Attribution,
    /// Highest tier reported in this campaign.
    pub alerted: Option<Tier>,
}

/// The rarely needed part of a source.
#[derive(Clone, Debug, Default)]
struct Extras {
    detection_id: Option<[u8; 16]>,
    relays: Vec<IpAddr>,
    /// Reporting hosts after the first.
    more_hosts: Vec<Box<str>>,
}

impl SourceState {
    pub(crate) fn new(first: &Observation<'_>) -> SourceState {
        SourceState {
            newest_ms: first.time_ms,
            window: SlidingWindow::default(),
            first_host: None,
            extras: None,
            attribution: first.attribution,
            alerted: None,
        }
    }

    /// A source restored from its parts (a snapshot).
    pub(crate) fn from_parts(
        newest_ms: i64,
        attribution: Attribution,
        alerted: Option<Tier>,
        detection_id: Option<[u8; 16]>,
        window: SlidingWindow,
        relays: Vec<IpAddr>,
        hosts: Vec<String>,
    ) -> SourceState {
        let mut hosts = hosts.into_iter().map(String::into_boxed_str);
        let first_host = hosts.next().map(|h| Arc::new(String::from(h)));
        let more_hosts: Vec<Box<str>> = hosts.collect();
        let extras =
            (detection_id.is_some() || !relays.is_empty() || !more_hosts.is_empty()).then(|| {
                Box::new(Extras {
                    detection_id,
                    relays,
                    more_hosts,
                })
            });
        SourceState {
            newest_ms,
            window,
            first_host,
            extras,
            attribution,
            alerted,
        }
    }

    fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    pub(crate) fn detection_id(&self) -> Option<[u8; 16]> {
        self.extras.as_ref().and_then(|x| x.detection_id)
    }

    pub(crate) fn set_detection_id(&mut self, id: [u8; 16]) {
        self.extras_mut().detection_id = Some(id);
    }

    pub(crate) fn relays(&self) -> &[IpAddr] {
        self.extras.as_ref().map_or(&[], |x| &x.relays)
    }

    /// Reporting hosts in the order first seen.
    pub(crate) fn hosts(&self) -> impl Iterator<Item = &str> + '_ {
        let more = self.extras.as_ref().map_or(&[][..], |x| &x.more_hosts[..]);
        let first = self.first_host.as_deref().map(String::as_str);
        first.into_iter().chain(more.iter().map(|h| &**h))
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
            effect.capped = !self.window.contains_name(name_id(o.name_hash));
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
        self.window = SlidingWindow::default();
        self.first_host = None;
        self.extras = None;
    }

    fn note_relay_and_host(&mut self, o: &Observation<'_>) {
        if let Some(peer) = o.relay {
            let relays = self.relays();
            if relays.len() < MAX_RELAYS && !relays.contains(&peer) {
                push_exact(&mut self.extras_mut().relays, peer);
            }
        }
        if let Some(host) = o.host {
            if self.first_host.is_none() {
                self.first_host = Some(o.host_names.get(host));
            } else if self.hosts().count() < MAX_REPORTING_HOSTS
                && !self.hosts().any(|h| h.eq_ignore_ascii_case(host))
            {
                push_exact(&mut self.extras_mut().more_hosts, Box::from(host));
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
            relays: self.relays().to_vec(),
            reporting_hosts: self.hosts().map(str::to_string).collect(),
            detection_id: self.detection_id().unwrap_or_default(),
            detected_at_ms: now_ms,
        }
    }

    /// Drops what a source past the top tier no longer needs (its detection id stays: it
    /// is the campaign's identity).
    pub(crate) fn saturate(&mut self) {
        self.window.freeze_names();
        self.first_host = None;
        self.extras = self.detection_id().map(|id| {
            Box::new(Extras {
                detection_id: Some(id),
                ..Extras::default()
            })
        });
    }

    /// Approximate heap bytes held (the figure is exact for the vectors' capacities).
    pub(crate) fn heap_bytes(&self) -> usize {
        let boxed = |h: &str| h.len() + std::mem::size_of::<Box<str>>();
        std::mem::size_of::<SourceState>()
            + self.window.heap_bytes()
            + self.extras.as_ref().map_or(0, |x| {
                std::mem::size_of::<Extras>()
                    + x.relays.capacity() * std::mem::size_of::<IpAddr>()
                    + x.more_hosts.iter().map(|h| boxed(h)).sum::<usize>()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memory figures in BENCHMARKS.md rest on these sizes (a million sources).
    #[test]
    fn per_source_state_stays_small() {
        assert!(std::mem::size_of::<SlidingWindow>() <= 40);
        assert!(std::mem::size_of::<SourceState>() <= 72);
    }
}

//! Engine counters. Kept per stripe (one cache line group per worker thread) so that
//! threads counting every event do not fight over one cache line; summed on read.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the engine's counters (all monotonic except `tracked_sources`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Events handed to `observe`.
    pub observed: u64,
    /// Events that passed every filter, were attributed to a source and fell in its window.
    /// `observed` is the sum of this and the six drop reasons below (`ignored_code`,
    /// `excluded_source`, `excluded_username`, `no_source`, `dropped_clock_skew`,
    /// `outside_window`).
    pub counted: u64,
    /// `(kind, code)` not in the code filter.
    pub ignored_code: u64,
    /// Source loopback, unspecified, or in `exclude_sources`.
    pub excluded_source: u64,
    /// Username empty, `-`, `N/A`, `ANONYMOUS LOGON`, or matching `exclude_usernames`.
    pub excluded_username: u64,
    /// Neither a client address, a workstation, nor a peer that may be the source.
    pub no_source: u64,
    /// Event time too far in the future, or too old to fall in any window.
    pub dropped_clock_skew: u64,
    /// Sources dropped because `max_sources` was reached.
    pub evicted_sources: u64,
    /// Failures of a source already at the top tier whose username was not tracked.
    pub capped_usernames: u64,
    /// Peers recognised as relays by behaviour (not listed in `collectors`).
    pub relays_detected: u64,
    pub offenses_medium: u64,
    pub offenses_high: u64,
    pub offenses_critical: u64,
    /// Sources currently tracked (gauge).
    pub tracked_sources: u64,
    /// Sources dropped by `expire` because their window emptied.
    pub expired_sources: u64,
    /// Failures older than their source's current window (arrived late; no effect).
    pub outside_window: u64,
    /// Failures forgotten early because one source held more than the per-source event cap.
    pub window_overflows: u64,
}

/// Counter ids; `Counters` is an array indexed by them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Counter {
    Counted,
    IgnoredCode,
    ExcludedSource,
    ExcludedUsername,
    NoSource,
    DroppedClockSkew,
    EvictedSources,
    CappedUsernames,
    RelaysDetected,
    OffensesMedium,
    OffensesHigh,
    OffensesCritical,
    ExpiredSources,
    OutsideWindow,
    WindowOverflows,
}

const COUNTERS: usize = Counter::WindowOverflows as usize + 1;

#[derive(Debug, Default)]
pub(crate) struct Counters([AtomicU64; COUNTERS]);

impl Counters {
    pub(crate) fn add(&self, c: Counter, n: u64) {
        if let Some(a) = self.0.get(c as usize) {
            a.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub(crate) fn bump(&self, c: Counter) {
        self.add(c, 1);
    }

    fn get(&self, c: Counter) -> u64 {
        self.0
            .get(c as usize)
            .map_or(0, |a| a.load(Ordering::Relaxed))
    }

    /// Adds this stripe's counts into `s` (all but `observed` and `tracked_sources`).
    pub(crate) fn accumulate(&self, s: &mut EngineStats) {
        use Counter::*;
        s.counted += self.get(Counted);
        s.ignored_code += self.get(IgnoredCode);
        s.excluded_source += self.get(ExcludedSource);
        s.excluded_username += self.get(ExcludedUsername);
        s.no_source += self.get(NoSource);
        s.dropped_clock_skew += self.get(DroppedClockSkew);
        s.evicted_sources += self.get(EvictedSources);
        s.capped_usernames += self.get(CappedUsernames);
        s.relays_detected += self.get(RelaysDetected);
        s.offenses_medium += self.get(OffensesMedium);
        s.offenses_high += self.get(OffensesHigh);
        s.offenses_critical += self.get(OffensesCritical);
        s.expired_sources += self.get(ExpiredSources);
        s.outside_window += self.get(OutsideWindow);
        s.window_overflows += self.get(WindowOverflows);
    }
}

impl EngineStats {
    /// Every event ends in exactly one outcome, so `observed` is their sum (counting it
    /// separately would cost one more atomic increment per event).
    pub(crate) fn sum_outcomes(&mut self) {
        self.observed = self.counted
            + self.outside_window
            + self.ignored_code
            + self.excluded_source
            + self.excluded_username
            + self.no_source
            + self.dropped_clock_skew;
    }
}

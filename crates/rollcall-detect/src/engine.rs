//! The detector: sharded per-source state updated in place by any number of threads.
//!
//! Semantics (DESIGN.md "Detection semantics"; details in `attribute`, `source`, `window`):
//! * The window slides on event time. For a source, the window ends at the newest failure
//!   time seen (`W`) and holds the failures in `[W − window, W]`, bounds included. A late
//!   failure (out of order, within the clock-skew tolerance) counts if it falls inside.
//! * An offense is raised when a campaign first reaches a tier and on each escalation.
//! * `expire(now)` drops a source once no acceptable future event could share a window
//!   with its failures: newest failure older than `now − 2·window − skew` (an accepted
//!   event is at least `now − window − skew`). Expiry therefore never changes what is
//!   reported, provided `now` does not go backwards.
//! * At `max_sources`, inserting a new source first evicts, in one batch of about
//!   `max_sources / 8` (at least one), the sources whose newest failure is oldest (exactly
//!   those below 4 096 sources; above, by an age cut-off estimated from a sample, see
//!   `make_room`). The cap is soft by at most the number of threads inserting at the same
//!   instant.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, RwLock, RwLockReadGuard, TryLockError};

use dashmap::DashMap;
use rollcall_parse::event::normalise_ip;
use rollcall_parse::AuthEvent;

use crate::attribute::{client_host_hash, excluded_username, in_any, unusable_ip, usable_name};
use crate::config::DetectConfig;
use crate::hashing::{HashKey, KeyedState};
use crate::hosts::HostNames;
use crate::ids::IdSource;
use crate::key::TableKey;
use crate::offense::{Attribution, Offense, SourceKey, Tier};
use crate::relay::PeerTracker;
use crate::source::{Effect, Observation, Rule, SourceState};
use crate::stats::{Counter, Counters, EngineStats};

/// One eviction batch removes about `max_sources / EVICTION_FRACTION` sources.
const EVICTION_FRACTION: usize = 8;
/// Sources sampled to find an eviction batch's age cut-off: the batch then holds 1/8 of the
/// sources to within about half a percent of them.
const EVICTION_SAMPLE: usize = 4096;

/// Which sources one eviction pass removes: those whose newest failure is older than
/// `cutoff`, then those at `cutoff` while `ties_left` lasts, never more than `limit` in all
/// (a sampling error cannot evict much more than asked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EvictionPlan {
    cutoff: i64,
    ties_left: usize,
    limit: usize,
}

impl EvictionPlan {
    /// The plan for evicting `batch` of `len` sources, from the newest-failure times of a
    /// sample of them (the whole map when `sample.len() == len`, which makes it exact).
    fn from_sample(sample: &mut [i64], len: usize, batch: usize) -> Option<EvictionPlan> {
        let n = sample.len();
        if n == 0 || batch == 0 {
            return None;
        }
        let len = len.max(n);
        // The sample's share of the batch, rounded up so that it is at least one source.
        let share = (batch.min(len) as u128 * n as u128).div_ceil(len as u128) as usize;
        let k = share.clamp(1, n) - 1;
        let (_, cutoff, _) = sample.select_nth_unstable(k);
        let cutoff = *cutoff;
        let older = sample.iter().filter(|t| **t < cutoff).count();
        let older_estimate = (older as u128 * len as u128 / n as u128) as usize;
        Some(EvictionPlan {
            cutoff,
            ties_left: batch.saturating_sub(older_estimate).max(1),
            limit: batch.saturating_add(batch / 2).max(1),
        })
    }

    /// Whether the source with newest failure `newest_ms` goes (counts it if so).
    fn evicts(&mut self, newest_ms: i64) -> bool {
        if self.limit == 0 {
            return false;
        }
        let evict = newest_ms < self.cutoff || (newest_ms == self.cutoff && self.ties_left > 0);
        if evict {
            if newest_ms == self.cutoff {
                self.ties_left -= 1;
            }
            self.limit -= 1;
        }
        evict
    }
}

/// Stripes of configuration and counters; a thread always uses the same one.
const STRIPES: usize = 16;

/// One stripe, on its own cache lines so threads on different stripes never share one.
#[repr(align(128))]
#[derive(Debug)]
struct Stripe {
    cfg: RwLock<DetectConfig>,
    counters: Counters,
}

/// The T1589 account-enumeration detector. `Send + Sync`: share it with `Arc`.
pub struct Engine {
    stripes: Box<[Stripe]>,
    pub(crate) sources: DashMap<TableKey, Box<SourceState>, KeyedState>,
    pub(crate) tracked: AtomicUsize,
    pub(crate) peers: PeerTracker,
    pub(crate) hash_key: HashKey,
    host_names: HostNames,
    ids: Box<dyn IdSource>,
    evicting: Mutex<()>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("tracked_sources", &self.tracked.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Which stripe the calling thread uses: threads are numbered as they first call in.
fn stripe_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    INDEX.with(|i| *i) % STRIPES
}

impl Engine {
    pub fn new(cfg: DetectConfig, ids: Box<dyn IdSource>) -> Engine {
        Engine::with_key(cfg, ids, HashKey::random())
    }

    pub(crate) fn with_key(cfg: DetectConfig, ids: Box<dyn IdSource>, key: HashKey) -> Engine {
        let stripes = (0..STRIPES)
            .map(|_| Stripe {
                cfg: RwLock::new(cfg.clone()),
                counters: Counters::default(),
            })
            .collect();
        Engine {
            stripes,
            sources: DashMap::with_hasher(KeyedState(HashKey::random())),
            tracked: AtomicUsize::new(0),
            peers: PeerTracker::default(),
            hash_key: key,
            host_names: HostNames::default(),
            ids,
            evicting: Mutex::new(()),
        }
    }

    fn stripe(&self) -> &Stripe {
        let i = stripe_index();
        // `STRIPES` stripes always exist; the fallback only keeps this free of indexing.
        self.stripes
            .get(i)
            .or_else(|| self.stripes.first())
            .expect("the engine has stripes")
    }

    fn config(stripe: &Stripe) -> RwLockReadGuard<'_, DetectConfig> {
        stripe.cfg.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one authentication failure. `now_ms` is the engine's clock (wall clock when
    /// live, the replay's clock otherwise). Returns the offense this event triggers.
    pub fn observe(&self, ev: &AuthEvent<'_>, now_ms: i64) -> Option<Offense> {
        let stripe = self.stripe();
        let counters = &stripe.counters;
        let cfg = Self::config(stripe);

        if !cfg.codes.counts(ev.kind, ev.code) {
            counters.bump(Counter::IgnoredCode);
            return None;
        }
        let oldest_ok = now_ms
            .saturating_sub(cfg.window_ms)
            .saturating_sub(cfg.max_clock_skew_ms);
        if ev.time_ms > now_ms.saturating_add(cfg.max_clock_skew_ms) || ev.time_ms < oldest_ok {
            counters.bump(Counter::DroppedClockSkew);
            return None;
        }
        let username = ev.username.trim();
        if excluded_username(username, &cfg.exclude_usernames) {
            counters.bump(Counter::ExcludedUsername);
            return None;
        }

        let source_ip = ev.source_ip.map(normalise_ip);
        let relay = ev.relay.map(normalise_ip);
        let workstation = ev.workstation.as_deref().and_then(usable_name);
        let host = ev.host.as_deref().and_then(usable_name);
        let peer_is_collector = relay.is_some_and(|p| in_any(&cfg.collectors, p));
        if let Some(peer) = relay.filter(|_| !peer_is_collector) {
            if let Some(h) = client_host_hash(&self.hash_key, source_ip, workstation, host) {
                if self.peers.learn(peer, h, cfg.relay_host_threshold) {
                    counters.bump(Counter::RelaysDetected);
                }
            }
        }

        let (key, attribution) = match (source_ip, workstation, relay) {
            (Some(ip), _, _) => (SourceKey::Ip(ip), Attribution::EventIp),
            (None, Some(ws), _) => (
                SourceKey::Workstation(ws.to_lowercase()),
                Attribution::Workstation,
            ),
            (None, None, Some(peer)) if !peer_is_collector && !self.peers.is_relay(peer) => {
                (SourceKey::Ip(peer), Attribution::Peer)
            }
            _ => {
                counters.bump(Counter::NoSource);
                return None;
            }
        };
        if let SourceKey::Ip(ip) = key {
            if unusable_ip(ip) || in_any(&cfg.exclude_sources, ip) {
                counters.bump(Counter::ExcludedSource);
                return None;
            }
        }
        let obs = Observation {
            time_ms: ev.time_ms,
            name_hash: self.hash_key.username(username),
            spelling: username,
            code: ev.failure_code(),
            attribution,
            relay,
            host,
            host_names: &self.host_names,
        };
        let rule = Rule {
            window_ms: cfg.window_ms,
            tiers: cfg.tiers,
            sample_size: cfg.sample_size,
        };
        let key = TableKey::from(key);
        if self.tracked.load(Ordering::Relaxed) >= cfg.max_sources.max(1)
            && !self.sources.contains_key(&key)
        {
            self.make_room(cfg.max_sources.max(1), counters);
        }
        let mut entry = self.sources.entry(key).or_insert_with(|| {
            self.tracked.fetch_add(1, Ordering::Relaxed);
            Box::new(SourceState::new(&obs))
        });
        let (key, state) = entry.pair_mut();
        let effect = state.observe(&obs, &rule);
        self.account(effect, counters);
        let tier = effect.alert?;
        if state.detection_id().is_none() {
            state.set_detection_id(self.ids.next_id());
        }
        let offense = state.offense(&key.source_key(), tier, now_ms);
        if tier == Tier::Critical {
            state.saturate();
        }
        Some(offense)
    }

    fn account(&self, effect: Effect, counters: &Counters) {
        if effect.outside_window {
            counters.bump(Counter::OutsideWindow);
        } else {
            counters.bump(Counter::Counted);
        }
        if effect.capped {
            counters.bump(Counter::CappedUsernames);
        }
        if effect.overflowed > 0 {
            counters.add(Counter::WindowOverflows, effect.overflowed);
        }
        match effect.alert {
            Some(Tier::Medium) => counters.bump(Counter::OffensesMedium),
            Some(Tier::High) => counters.bump(Counter::OffensesHigh),
            Some(Tier::Critical) => counters.bump(Counter::OffensesCritical),
            None => {}
        }
    }

    /// Evicts about `max_sources / 8` of the sources whose newest failure is oldest, in one
    /// batch. Only one thread evicts at a time; the others go on (the cap is soft by a few
    /// sources meanwhile).
    ///
    /// Cost: the age cut-off is the matching quantile of a sample of at most
    /// `EVICTION_SAMPLE` sources (one partial iteration), then one `retain` pass removes the
    /// sources older than it. The pass touches every source, but it runs once per
    /// `max_sources / 8` new sources, so a flood of new sources at the cap costs O(1)
    /// amortised per insert (8 entry visits). The sample is taken in table order, which
    /// the keyed hash makes unrelated to age and unpredictable to an attacker. Below
    /// `EVICTION_SAMPLE` sources the sample is the whole map and the batch is exact.
    fn make_room(&self, max_sources: usize, counters: &Counters) {
        let _guard = match self.evicting.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let len = self.tracked.load(Ordering::Relaxed);
        if len < max_sources {
            return;
        }
        let batch = (max_sources / EVICTION_FRACTION).max(1) + (len - max_sources);
        // Each `iter` step holds one shard's read lock; no other map call happens meanwhile.
        let mut sample: Vec<i64> = self
            .sources
            .iter()
            .take(EVICTION_SAMPLE)
            .map(|e| e.newest_ms)
            .collect();
        let plan = EvictionPlan::from_sample(&mut sample, len, batch);
        let Some(mut plan) = plan else {
            return;
        };
        let mut removed = 0usize;
        self.sources.retain(|_, s| {
            let evict = plan.evicts(s.newest_ms);
            removed += usize::from(evict);
            !evict
        });
        self.tracked.fetch_sub(removed, Ordering::Relaxed);
        counters.add(Counter::EvictedSources, removed as u64);
    }

    /// Live path only: re-reads an event time that carried no zone (`time_zoned == false`)
    /// as the instant it most likely was, received at `now_ms`, so that senders writing
    /// local time in another zone are not dropped as clock skew
    /// ([`rollcall_parse::time::align_local_time`]). Replays keep times as written.
    pub fn align_zoneless_time(&self, ev: &mut AuthEvent<'_>, now_ms: i64) {
        if ev.time_zoned {
            return;
        }
        let (window, skew) = {
            let cfg = Self::config(self.stripe());
            (cfg.window_ms, cfg.max_clock_skew_ms)
        };
        ev.time_ms = rollcall_parse::time::align_local_time(
            ev.time_ms,
            now_ms,
            window.saturating_add(skew),
            skew,
        );
    }

    /// Housekeeping: drops sources no future event can join (see the module doc).
    /// Returns how many were dropped.
    pub fn expire(&self, now_ms: i64) -> usize {
        let stripe = self.stripe();
        let (window, skew) = {
            let cfg = Self::config(stripe);
            (cfg.window_ms, cfg.max_clock_skew_ms)
        };
        let cutoff = now_ms
            .saturating_sub(window.saturating_mul(2))
            .saturating_sub(skew);
        let mut removed = 0usize;
        self.sources.retain(|_, s| {
            let keep = s.newest_ms >= cutoff;
            if !keep {
                removed += 1;
            }
            keep
        });
        self.tracked.fetch_sub(removed, Ordering::Relaxed);
        stripe.counters.add(Counter::ExpiredSources, removed as u64);
        removed
    }

    /// Applies new parameters, keeping the state (SIGHUP). Sources already tracked keep
    /// their failures; a shorter window or new code list applies from their next failure.
    pub fn reconfigure(&self, cfg: DetectConfig) {
        for stripe in self.stripes.iter() {
            let mut guard = stripe.cfg.write().unwrap_or_else(PoisonError::into_inner);
            *guard = cfg.clone();
        }
    }

    /// The configuration in force.
    pub fn config_snapshot(&self) -> DetectConfig {
        Self::config(self.stripe()).clone()
    }

    pub fn stats(&self) -> EngineStats {
        let mut s = EngineStats::default();
        for stripe in self.stripes.iter() {
            stripe.counters.accumulate(&mut s);
        }
        s.sum_outcomes();
        s.tracked_sources = self.tracked.load(Ordering::Relaxed) as u64;
        s
    }

    /// Whether `peer` is a configured collector or was recognised as a relay.
    pub fn is_relay(&self, peer: IpAddr) -> bool {
        let peer = normalise_ip(peer);
        in_any(&Self::config(self.stripe()).collectors, peer) || self.peers.is_relay(peer)
    }

    /// Approximate heap bytes of the per-source state (walks every source: for tests and
    /// capacity planning, not for the hot path).
    pub fn state_bytes(&self) -> usize {
        self.sources
            .iter()
            .map(|e| std::mem::size_of::<TableKey>() + e.value().heap_bytes())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evicted(plan: &mut EvictionPlan, times: &[i64]) -> Vec<i64> {
        times.iter().copied().filter(|t| plan.evicts(*t)).collect()
    }

    #[test]
    fn a_whole_map_sample_evicts_exactly_the_oldest() {
        let times = [50, 10, 40, 10, 30, 20, 10];
        for batch in 1..=times.len() {
            let mut sample = times.to_vec();
            let mut plan = EvictionPlan::from_sample(&mut sample, times.len(), batch).unwrap();
            let mut got = evicted(&mut plan, &times);
            got.sort_unstable();
            let mut want = times.to_vec();
            want.sort_unstable();
            want.truncate(batch);
            assert_eq!(got, want, "batch {batch}");
        }
    }

    #[test]
    fn all_equal_times_evict_the_batch_not_everything() {
        let times = vec![7i64; 1000];
        let mut sample = times[..100].to_vec();
        let mut plan = EvictionPlan::from_sample(&mut sample, times.len(), 125).unwrap();
        assert_eq!(evicted(&mut plan, &times).len(), 125);
    }

    #[test]
    fn a_sampled_cutoff_evicts_about_the_batch_and_never_past_the_limit() {
        // 100 000 distinct times in a scrambled order; a 4 096-entry prefix as the sample.
        let times: Vec<i64> = (0..100_000u64)
            .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as i64)
            .collect();
        let batch = 12_500;
        let mut sample = times[..EVICTION_SAMPLE].to_vec();
        let mut plan = EvictionPlan::from_sample(&mut sample, times.len(), batch).unwrap();
        let cutoff = plan.cutoff;
        let got = evicted(&mut plan, &times);
        assert!(
            got.len() >= batch * 9 / 10 && got.len() <= batch * 3 / 2,
            "{}",
            got.len()
        );
        assert!(got.iter().all(|t| *t <= cutoff));
        // A sample that badly misjudges the ages (all of it young) is held to the limit.
        let mut young = vec![i64::MAX; 64];
        let mut plan = EvictionPlan::from_sample(&mut young, times.len(), batch).unwrap();
        assert_eq!(evicted(&mut plan, &times).len(), batch + batch / 2);
    }

    #[test]
    fn an_empty_sample_or_batch_plans_nothing() {
        assert_eq!(EvictionPlan::from_sample(&mut [], 10, 3), None);
        assert_eq!(EvictionPlan::from_sample(&mut [1, 2], 2, 0), None);
    }

    #[test]
    fn engine_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Engine>();
    }
}

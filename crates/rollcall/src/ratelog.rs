//! Rate limits for warning logs on the ingest path.
//!
//! A hostile or broken sender can make every frame fail to parse; logging each one would turn
//! a flood of garbage into a flood of log lines (and disk I/O). Each reason gets its own token
//! bucket, so one noisy reason cannot silence another, and the line that does get through says
//! how many similar ones were suppressed since the previous line.
//!
//! Lock-free: the bucket is kept as a GCRA "theoretical arrival time" in one atomic, which is
//! exactly a token bucket of `burst` tokens refilled every `interval_ms`.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// One token bucket: at most `burst` lines at once, then one per `interval_ms`.
#[derive(Debug)]
pub struct RateLimiter {
    interval_ms: i64,
    /// How far the theoretical arrival time may run ahead of now: `(burst - 1) * interval`.
    tolerance_ms: i64,
    /// GCRA theoretical arrival time of the next conforming event (ms, caller's clock).
    tat_ms: AtomicI64,
    suppressed: AtomicU64,
}

impl RateLimiter {
    pub fn new(interval_ms: i64, burst: u32) -> Self {
        let interval_ms = interval_ms.max(1);
        RateLimiter {
            interval_ms,
            tolerance_ms: interval_ms.saturating_mul(i64::from(burst.max(1)) - 1),
            tat_ms: AtomicI64::new(i64::MIN),
            suppressed: AtomicU64::new(0),
        }
    }

    /// `Some(n)`: log now, and mention that `n` similar lines were suppressed since the last
    /// one. `None`: suppressed (and counted).
    pub fn check(&self, now_ms: i64) -> Option<u64> {
        let mut tat = self.tat_ms.load(Ordering::Relaxed);
        loop {
            let start = tat.max(now_ms);
            if start.saturating_sub(now_ms) > self.tolerance_ms {
                self.suppressed.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            let next = start.saturating_add(self.interval_ms);
            match self
                .tat_ms
                .compare_exchange_weak(tat, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Some(self.suppressed.swap(0, Ordering::Relaxed)),
                Err(current) => tat = current,
            }
        }
    }
}

/// Token buckets keyed by a closed set of `&'static str` reasons (metric label values).
/// Reasons not declared up front share one overflow bucket rather than allocating.
#[derive(Debug)]
pub struct RateLog {
    buckets: Vec<(&'static str, RateLimiter)>,
    other: RateLimiter,
}

impl RateLog {
    /// One line per `interval_ms` per reason, after an initial burst of `burst`.
    pub fn new(reasons: &[&'static str], interval_ms: i64, burst: u32) -> Self {
        RateLog {
            buckets: reasons
                .iter()
                .map(|r| (*r, RateLimiter::new(interval_ms, burst)))
                .collect(),
            other: RateLimiter::new(interval_ms, burst),
        }
    }

    /// See [`RateLimiter::check`].
    pub fn check(&self, reason: &str, now_ms: i64) -> Option<u64> {
        self.buckets
            .iter()
            .find(|(r, _)| *r == reason)
            .map_or(&self.other, |(_, bucket)| bucket)
            .check(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_with_suppressed_count() {
        let limiter = RateLimiter::new(1000, 1);
        assert_eq!(limiter.check(10_000), Some(0));
        assert_eq!(limiter.check(10_001), None);
        assert_eq!(limiter.check(10_500), None);
        assert_eq!(limiter.check(10_999), None);
        assert_eq!(limiter.check(11_000), Some(3));
        assert_eq!(limiter.check(11_000), None);
        // A long quiet period does not bank more than the burst.
        assert_eq!(limiter.check(100_000), Some(1));
        assert_eq!(limiter.check(100_001), None);
    }

    #[test]
    fn burst_allows_several_lines_then_limits() {
        let limiter = RateLimiter::new(1000, 3);
        assert_eq!(limiter.check(0), Some(0));
        assert_eq!(limiter.check(0), Some(0));
        assert_eq!(limiter.check(0), Some(0));
        assert_eq!(limiter.check(0), None);
        assert_eq!(limiter.check(999), None);
        assert_eq!(limiter.check(1000), Some(2));
    }

    #[test]
    fn reasons_are_limited_independently() {
        let log = RateLog::new(&["invalid_leef", "invalid_json"], 1000, 1);
        assert_eq!(log.check("invalid_leef", 0), Some(0));
        assert_eq!(log.check("invalid_leef", 1), None);
        assert_eq!(log.check("invalid_json", 1), Some(0));
        // Undeclared reasons share the overflow bucket.
        assert_eq!(log.check("something_else", 1), Some(0));
        assert_eq!(log.check("another", 2), None);
    }

    #[test]
    fn concurrent_callers_get_exactly_the_burst() {
        let limiter = std::sync::Arc::new(RateLimiter::new(1_000_000, 5));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let l = limiter.clone();
                std::thread::spawn(move || (0..1000).filter(|_| l.check(0).is_some()).count())
            })
            .collect();
        let allowed: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(allowed, 5);
    }
}

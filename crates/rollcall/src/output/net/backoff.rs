//! Reconnect delays: capped exponential backoff with jitter.
//!
//! The n-th consecutive failure waits a random time in `[d/2, d]` with `d = initial · 2ⁿ⁻¹`
//! capped at `max` ("equal jitter"): several rollcall nodes cut off by one QRadar outage do
//! not all knock again in the same instant, and none waits less than half its step.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    /// The `d` of the next failure.
    step: Duration,
    /// No attempt before this.
    until: Option<Instant>,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff {
            initial,
            max,
            step: initial,
            until: None,
        }
    }

    /// Records a failure at `now`; returns how long to wait before the next attempt.
    pub fn fail(&mut self, now: Instant) -> Duration {
        let half = self.step / 2;
        let jitter = half.mul_f64(random_unit());
        let delay = half + jitter;
        self.step = (self.step * 2).min(self.max);
        self.until = Some(now + delay);
        delay
    }

    /// A success: the next failure starts from `initial` again.
    pub fn reset(&mut self) {
        self.step = self.initial;
        self.until = None;
    }

    /// Time left to wait at `now`, if any.
    pub fn remaining(&self, now: Instant) -> Option<Duration> {
        self.until
            .and_then(|until| until.checked_duration_since(now))
            .filter(|d| !d.is_zero())
    }
}

/// A uniform value in [0, 1) from the OS RNG (0.5 if it is unavailable: jitter is a nicety).
fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    match getrandom::fill(&mut b) {
        Ok(()) => (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_jitter_and_cap() {
        let initial = Duration::from_millis(500);
        let max = Duration::from_secs(30);
        let mut b = Backoff::new(initial, max);
        let now = Instant::now();
        let mut step = initial;
        for _ in 0..12 {
            let d = b.fail(now);
            assert!(
                d >= step / 2 && d <= step,
                "{d:?} outside [{:?}, {step:?}]",
                step / 2
            );
            assert_eq!(b.remaining(now), Some(d));
            step = (step * 2).min(max);
        }
        assert_eq!(step, max, "the cap was reached");
        b.reset();
        assert_eq!(b.remaining(now), None);
        assert!(b.fail(now) <= initial);
    }

    #[test]
    fn jitter_spreads_the_delays() {
        let mut b = Backoff::new(Duration::from_secs(8), Duration::from_secs(8));
        let now = Instant::now();
        let delays: std::collections::HashSet<Duration> = (0..20).map(|_| b.fail(now)).collect();
        assert!(delays.len() > 1);
    }
}

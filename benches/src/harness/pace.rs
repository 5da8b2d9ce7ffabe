//! Rate control for senders: full speed, or a fixed message rate, always under a deadline.

use std::time::{Duration, Instant};

/// Hands out how many messages a sender may send now.
#[derive(Debug)]
pub struct Pacer {
    /// Messages per second; `None` is full speed.
    rate: Option<f64>,
    start: Instant,
    deadline: Instant,
    granted: u64,
}

impl Pacer {
    pub fn new(rate: Option<f64>, limit: Duration) -> Pacer {
        let start = Instant::now();
        Pacer {
            rate: rate.filter(|r| *r > 0.0),
            start,
            deadline: start + limit,
            granted: 0,
        }
    }

    pub fn expired(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Up to `want` messages that may go now; sleeps until at least one may, and returns 0
    /// only once the deadline has passed.
    pub fn grant(&mut self, want: u64) -> u64 {
        loop {
            let now = Instant::now();
            if now >= self.deadline {
                return 0;
            }
            let allowed = match self.rate {
                None => want,
                Some(rate) => {
                    let due = (now.duration_since(self.start).as_secs_f64() * rate) as u64;
                    due.saturating_sub(self.granted).min(want)
                }
            };
            if allowed > 0 {
                self.granted += allowed;
                return allowed;
            }
            // Sleep about one message's worth, at least 100 µs, at most 1 ms.
            let gap = self.rate.map_or(0.001, |r| 1.0 / r).clamp(0.0001, 0.001);
            std::thread::sleep(Duration::from_secs_f64(gap));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_speed_grants_everything_until_the_deadline() {
        let mut p = Pacer::new(None, Duration::from_secs(60));
        assert_eq!(p.grant(1000), 1000);
        let mut p = Pacer::new(None, Duration::ZERO);
        assert_eq!(p.grant(1000), 0);
        assert!(p.expired());
    }

    #[test]
    fn a_fixed_rate_never_runs_ahead_of_the_clock() {
        // Not a speed check: the invariant "granted <= rate x elapsed" holds however slow
        // the machine is.
        let mut p = Pacer::new(Some(2000.0), Duration::from_secs(60));
        let mut total = 0;
        while total < 100 {
            total += p.grant(7);
            let ceiling = p.start.elapsed().as_secs_f64() * 2000.0;
            assert!(total as f64 <= ceiling, "{total} granted by {ceiling}");
        }
    }
}

//! The wall clock and random ids, for the commands that run live (`run`, `send-test-event`)
//! and for `replay`. The library crates never read a clock: these are injected.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, UTC. A clock set before 1970 reads as 0.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// 16 random bytes from the OS with UUID v4 version and variant bits set.
pub fn random_uuid_v4() -> [u8; 16] {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // The OS RNG is unavailable only in broken sandboxes; ids then need only be unique
        // within this process, which the time and a counter give.
        b = fallback_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

fn fallback_bytes() -> [u8; 16] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut b = [0u8; 16];
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    b[..8].copy_from_slice(&nanos.to_be_bytes());
    b[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    b
}

/// Detection ids for the live appliance: UUID v4 from the OS random source, so ids from
/// several appliances feeding one QRadar never collide and cannot be predicted.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomIds;

impl rollcall_detect::IdSource for RandomIds {
    fn next_id(&self) -> [u8; 16] {
        random_uuid_v4()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_after_2020() {
        assert!(now_ms() > 1_577_836_800_000);
    }

    #[test]
    fn ids_are_v4_and_differ() {
        let a = random_uuid_v4();
        let b = random_uuid_v4();
        assert_ne!(a, b);
        assert_eq!(a[6] >> 4, 4);
        assert_eq!(a[8] >> 6, 0b10);
    }
}

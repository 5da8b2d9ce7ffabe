//! Where `detection_id`s come from. Injected, so tests and replays are deterministic.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Produces the 16 bytes of a UUID v4 for each new campaign.
pub trait IdSource: Send + Sync {
    fn next_id(&self) -> [u8; 16];
}

impl<T: IdSource + ?Sized> IdSource for Arc<T> {
    fn next_id(&self) -> [u8; 16] {
        (**self).next_id()
    }
}

impl<T: IdSource + ?Sized> IdSource for Box<T> {
    fn next_id(&self) -> [u8; 16] {
        (**self).next_id()
    }
}

/// Sets the UUID version (4) and RFC 4122 variant bits.
fn as_uuid_v4(mut b: [u8; 16]) -> [u8; 16] {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

/// Deterministic ids: the counter (1, 2, 3, …) in the last eight bytes, v4 bits set.
#[derive(Debug)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl SequentialIds {
    pub fn new() -> SequentialIds {
        SequentialIds::starting_at(1)
    }

    pub fn starting_at(first: u64) -> SequentialIds {
        SequentialIds {
            next: AtomicU64::new(first),
        }
    }

    /// The id `SequentialIds` hands out as its `n`th (counting from `starting_at`).
    pub fn id_for(n: u64) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[8..].copy_from_slice(&n.to_be_bytes());
        as_uuid_v4(b)
    }
}

impl Default for SequentialIds {
    fn default() -> Self {
        SequentialIds::new()
    }
}

impl IdSource for SequentialIds {
    fn next_id(&self) -> [u8; 16] {
        SequentialIds::id_for(self.next.fetch_add(1, Ordering::Relaxed))
    }
}

/// Unpredictable ids from std's randomly seeded SipHash (not a CSPRNG, but detection ids
/// only need to be unique and unguessable enough to not collide across appliances).
#[derive(Debug)]
pub struct RandomIds {
    state: RandomState,
    counter: AtomicU64,
}

impl RandomIds {
    pub fn new() -> RandomIds {
        RandomIds {
            state: RandomState::new(),
            counter: AtomicU64::new(0),
        }
    }
}

impl Default for RandomIds {
    fn default() -> Self {
        RandomIds::new()
    }
}

impl IdSource for RandomIds {
    fn next_id(&self) -> [u8; 16] {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let hi = self.state.hash_one((n, 0u8));
        let lo = self.state.hash_one((n, 1u8));
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&hi.to_be_bytes());
        b[8..].copy_from_slice(&lo.to_be_bytes());
        as_uuid_v4(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_count_up_and_are_v4() {
        let ids = SequentialIds::new();
        let a = ids.next_id();
        let b = ids.next_id();
        assert_eq!(a, SequentialIds::id_for(1));
        assert_eq!(b, SequentialIds::id_for(2));
        assert_ne!(a, b);
        assert_eq!(a[6] >> 4, 4);
        assert_eq!(a[8] >> 6, 0b10);
    }

    #[test]
    fn random_ids_differ() {
        let ids = RandomIds::new();
        let a = ids.next_id();
        assert_ne!(a, ids.next_id());
        assert_eq!(a[6] >> 4, 4);
    }
}

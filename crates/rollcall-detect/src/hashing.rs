//! Keyed hashing of attacker-chosen strings (usernames, client hosts).
//!
//! Usernames in failed logons are chosen by the attacker, so they are hashed with SipHash
//! under a per-engine random key: nobody can craft names that collide in our maps. We
//! implement SipHash ourselves (a few lines) rather than use `std`'s `RandomState` because
//! the key must survive a snapshot: the hashes stored in the state are only meaningful under
//! the key that made them. The key itself is drawn from `RandomState`, std's own seeded
//! randomness, so the library still touches no OS facility directly.

use std::hash::{BuildHasher, Hasher, RandomState};

/// A 128-bit SipHash key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashKey {
    pub k0: u64,
    pub k1: u64,
}

impl HashKey {
    /// A fresh unpredictable key (two outputs of a randomly keyed `RandomState`).
    pub fn random() -> HashKey {
        let s = RandomState::new();
        HashKey {
            k0: s.hash_one(0x5EED_u64),
            k1: s.hash_one(0xC0FFEE_u64),
        }
    }

    /// SipHash-1-3 (the variant std uses for `HashMap`) of `bytes`.
    pub fn hash(&self, bytes: &[u8]) -> u64 {
        siphash::<1, 3>(self.k0, self.k1, bytes)
    }

    /// Hash of a username under Unicode-aware case folding: `jdoe`, `JDOE` and `JDoe` hash
    /// alike. ASCII names (nearly all of them) are folded on the stack without allocating.
    pub fn username(&self, name: &str) -> u64 {
        const STACK: usize = 64;
        if name.len() <= STACK && name.is_ascii() {
            let mut buf = [0u8; STACK];
            let folded = &mut buf[..name.len()];
            folded.copy_from_slice(name.as_bytes());
            folded.make_ascii_lowercase();
            self.hash(folded)
        } else {
            self.hash(name.to_lowercase().as_bytes())
        }
    }
}

/// `BuildHasher` for the source map: SipHash-1-3 under a random key, computed in one shot
/// over the few bytes a derived `Hash` writes (std's streaming `SipHasher13` pays for
/// buffering on each of the four or five small writes a `SourceKey` makes).
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyedState(pub HashKey);

impl BuildHasher for KeyedState {
    type Hasher = KeyedHasher;

    fn build_hasher(&self) -> KeyedHasher {
        KeyedHasher {
            key: self.0,
            chained: 0,
            buf: [0; 48],
            len: 0,
        }
    }
}

/// Buffers writes and hashes them at `finish`. Input longer than the buffer (a long
/// workstation name) is hashed block by block, each block's hash keying the next.
#[derive(Clone, Debug)]
pub(crate) struct KeyedHasher {
    key: HashKey,
    chained: u64,
    buf: [u8; 48],
    len: usize,
}

impl KeyedHasher {
    fn block_key(&self) -> HashKey {
        HashKey {
            k0: self.key.k0 ^ self.chained,
            k1: self.key.k1,
        }
    }

    fn flush(&mut self) {
        let filled = self.buf.get(..self.len).unwrap_or(&[]);
        self.chained = self.block_key().hash(filled).wrapping_add(1);
        self.len = 0;
    }
}

impl Hasher for KeyedHasher {
    fn write(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.len == self.buf.len() {
                self.flush();
            }
            let room = self.buf.len() - self.len;
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            if let Some(dst) = self.buf.get_mut(self.len..self.len + now.len()) {
                dst.copy_from_slice(now);
            }
            self.len += now.len();
            bytes = later;
        }
    }

    fn finish(&self) -> u64 {
        self.block_key()
            .hash(self.buf.get(..self.len).unwrap_or(&[]))
    }
}

#[derive(Clone, Copy)]
struct State {
    v0: u64,
    v1: u64,
    v2: u64,
    v3: u64,
}

impl State {
    fn round(&mut self) {
        self.v0 = self.v0.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(13) ^ self.v0;
        self.v0 = self.v0.rotate_left(32);
        self.v2 = self.v2.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(16) ^ self.v2;
        self.v0 = self.v0.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(21) ^ self.v0;
        self.v2 = self.v2.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(17) ^ self.v2;
        self.v2 = self.v2.rotate_left(32);
    }

    fn compress<const C: usize>(&mut self, m: u64) {
        self.v3 ^= m;
        for _ in 0..C {
            self.round();
        }
        self.v0 ^= m;
    }
}

/// SipHash-C-D over a whole message (the reference algorithm of Aumasson and Bernstein).
fn siphash<const C: usize, const D: usize>(k0: u64, k1: u64, bytes: &[u8]) -> u64 {
    let mut s = State {
        v0: k0 ^ 0x736f_6d65_7073_6575,
        v1: k1 ^ 0x646f_7261_6e64_6f6d,
        v2: k0 ^ 0x6c79_6765_6e65_7261,
        v3: k1 ^ 0x7465_6462_7974_6573,
    };
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        s.compress::<C>(u64::from_le_bytes(w));
    }
    let mut last = [0u8; 8];
    let tail = words.remainder();
    last[..tail.len()].copy_from_slice(tail);
    // The final block carries the message length (mod 256) in its top byte.
    last[7] = bytes.len() as u8;
    s.compress::<C>(u64::from_le_bytes(last));
    s.v2 ^= 0xff;
    for _ in 0..D {
        s.round();
    }
    s.v0 ^ s.v1 ^ s.v2 ^ s.v3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siphash24_matches_the_reference_vector() {
        // Appendix A of the SipHash paper: key 00..0f, message 00..0e.
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        let msg: Vec<u8> = (0u8..15).collect();
        assert_eq!(siphash::<2, 4>(k0, k1, &msg), 0xa129_ca61_49be_45e5);
    }

    #[test]
    #[allow(deprecated)]
    fn siphash24_matches_std_for_every_length() {
        let (k0, k1) = (0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210);
        let msg: Vec<u8> = (0u8..40).map(|b| b.wrapping_mul(37)).collect();
        for len in 0..msg.len() {
            use std::hash::Hasher;
            let mut h = std::hash::SipHasher::new_with_keys(k0, k1);
            h.write(&msg[..len]);
            assert_eq!(
                siphash::<2, 4>(k0, k1, &msg[..len]),
                h.finish(),
                "len {len}"
            );
        }
    }

    #[test]
    fn usernames_fold_case_including_unicode() {
        let k = HashKey::random();
        assert_eq!(k.username("jdoe"), k.username("JDOE"));
        assert_eq!(k.username("ÉLODIE"), k.username("élodie"));
        assert_ne!(k.username("jdoe"), k.username("jdoe2"));
        let long = "A".repeat(100);
        assert_eq!(k.username(&long), k.username(&long.to_lowercase()));
    }

    #[test]
    fn keyed_hasher_is_deterministic_and_spans_long_input() {
        let build = KeyedState(HashKey::random());
        let long = "w".repeat(200);
        let h = |parts: &[&str]| {
            let mut h = build.build_hasher();
            for p in parts {
                h.write(p.as_bytes());
            }
            h.finish()
        };
        assert_eq!(h(&["a", "b"]), h(&["ab"]));
        assert_eq!(h(&[&long]), h(&[&long[..100], &long[100..]]));
        assert_ne!(h(&[&long]), h(&[&long[..199]]));
        assert_ne!(h(&["a"]), h(&["b"]));
        let other = KeyedState(HashKey::random());
        assert_ne!(build.hash_one("jdoe"), other.hash_one("jdoe"));
    }

    #[test]
    fn keys_differ_between_engines() {
        let (a, b) = (HashKey::random(), HashKey::random());
        assert_ne!(a, b);
        assert_ne!(a.username("jdoe"), b.username("jdoe"));
    }
}

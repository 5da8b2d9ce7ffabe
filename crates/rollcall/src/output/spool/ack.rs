//! The spool's ack file: where delivery stands (the first record not yet delivered).
//!
//! Two 48-byte slots written alternately (generation `g` goes to slot `g % 2`), each write a
//! `pwrite` followed by `fdatasync`. A crash in the middle of a write can damage only the slot being written;
//! the other still holds the previous position, so recovery never loses its place. It may
//! then resend the records delivered in between: at-least-once, never at-most-once.
//!
//! ```text
//! slot = "RCAK" | version u32 LE (= 1) | generation u64 | segment u64 | offset u64 | index u64
//!        | crc32 u32 (of the 40 bytes before it) | 4 zero bytes
//! ```

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::Cursor;

const SLOT_MAGIC: [u8; 4] = *b"RCAK";
const SLOT_VERSION: u32 = 1;
const SLOT_LEN: usize = 48;

/// The open ack file and the generation last written.
#[derive(Debug)]
pub struct AckFile {
    file: File,
    generation: u64,
}

impl AckFile {
    /// Opens (creating) `path`; returns the file and the newest valid position, if any.
    pub fn open(path: &Path) -> std::io::Result<(AckFile, Option<Cursor>)> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let mut bytes = Vec::with_capacity(2 * SLOT_LEN);
        file.read_to_end(&mut bytes)?;
        let newest = [0, 1]
            .into_iter()
            .filter_map(|i| bytes.get(i * SLOT_LEN..(i + 1) * SLOT_LEN))
            .filter_map(decode_slot)
            .max_by_key(|(generation, _)| *generation);
        let generation = newest.map_or(0, |(g, _)| g);
        Ok((AckFile { file, generation }, newest.map(|(_, c)| c)))
    }

    /// Durably records `cursor` as the delivery position.
    pub fn write(&mut self, cursor: Cursor) -> std::io::Result<()> {
        let generation = self.generation + 1;
        let slot = encode_slot(generation, cursor);
        self.file
            .write_all_at(&slot, (generation % 2) * SLOT_LEN as u64)?;
        self.file.sync_data()?;
        self.generation = generation;
        Ok(())
    }
}

fn encode_slot(generation: u64, c: Cursor) -> [u8; SLOT_LEN] {
    let mut s = [0u8; SLOT_LEN];
    s[0..4].copy_from_slice(&SLOT_MAGIC);
    s[4..8].copy_from_slice(&SLOT_VERSION.to_le_bytes());
    s[8..16].copy_from_slice(&generation.to_le_bytes());
    s[16..24].copy_from_slice(&c.segment.to_le_bytes());
    s[24..32].copy_from_slice(&c.offset.to_le_bytes());
    s[32..40].copy_from_slice(&c.index.to_le_bytes());
    let crc = crc32fast::hash(&s[..40]);
    s[40..44].copy_from_slice(&crc.to_le_bytes());
    s
}

fn decode_slot(s: &[u8]) -> Option<(u64, Cursor)> {
    let u64_at = |at: usize| -> Option<u64> {
        let b: [u8; 8] = s.get(at..at + 8)?.try_into().ok()?;
        Some(u64::from_le_bytes(b))
    };
    let crc: [u8; 4] = s.get(40..44)?.try_into().ok()?;
    if s.get(0..4)? != SLOT_MAGIC
        || s.get(4..8)? != SLOT_VERSION.to_le_bytes()
        || crc32fast::hash(s.get(..40)?) != u32::from_le_bytes(crc)
    {
        return None;
    }
    Some((
        u64_at(8)?,
        Cursor {
            segment: u64_at(16)?,
            offset: u64_at(24)?,
            index: u64_at(32)?,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(n: u64) -> Cursor {
        Cursor {
            segment: n,
            offset: 16 + n * 100,
            index: n,
        }
    }

    #[test]
    fn newest_write_wins_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ack");
        let (mut ack, none) = AckFile::open(&path).unwrap();
        assert_eq!(none, None);
        for n in 1..=5 {
            ack.write(cursor(n)).unwrap();
        }
        drop(ack);
        let (mut ack, newest) = AckFile::open(&path).unwrap();
        assert_eq!(newest, Some(cursor(5)));
        ack.write(cursor(6)).unwrap();
        assert_eq!(AckFile::open(&path).unwrap().1, Some(cursor(6)));
    }

    #[test]
    fn a_torn_slot_falls_back_to_the_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ack");
        let (mut ack, _) = AckFile::open(&path).unwrap();
        ack.write(cursor(1)).unwrap(); // generation 1 → slot 1
        ack.write(cursor(2)).unwrap(); // generation 2 → slot 0
        drop(ack);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 1; // damage slot 0 (the newest)
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(AckFile::open(&path).unwrap().1, Some(cursor(1)));
        // Slot 0 damaged and slot 1 cut short: no position left (recovery starts over).
        std::fs::write(&path, &bytes[..SLOT_LEN + 10]).unwrap();
        assert_eq!(AckFile::open(&path).unwrap().1, None);
    }
}

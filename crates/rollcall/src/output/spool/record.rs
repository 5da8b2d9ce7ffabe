//! The on-disk layout of spool segments (format version 1), as pure encode/decode functions.
//!
//! ```text
//! segment = header record*
//! header  = "RCSPOOL\0" (8) | version u32 LE (= 1) | reserved u32 (= 0)            16 bytes
//! record  = len u32 LE | crc32 u32 LE | spooled_at_ms i64 LE | payload (len bytes)  16 + len
//! ```
//!
//! The CRC-32 (IEEE) covers `len`, `spooled_at_ms` and the payload, so a record whose write
//! was cut short by a crash (a torn tail) or whose bytes rotted is recognised, never sent.

/// First bytes of every segment file.
pub const SEGMENT_MAGIC: [u8; 8] = *b"RCSPOOL\0";
/// The layout described above. A reader refuses segments of a newer version.
pub const FORMAT_VERSION: u32 = 1;
pub const SEGMENT_HEADER_LEN: u64 = 16;
pub const RECORD_HEADER_LEN: usize = 16;
/// Largest payload accepted: offense lines are at most a few KiB; anything near this is
/// damage, not data.
pub const MAX_PAYLOAD: usize = 1 << 20;

/// The header written at the start of a new segment.
pub fn segment_header() -> [u8; SEGMENT_HEADER_LEN as usize] {
    let mut h = [0u8; SEGMENT_HEADER_LEN as usize];
    h[..8].copy_from_slice(&SEGMENT_MAGIC);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    h
}

/// What is wrong with a segment header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderProblem {
    /// Fewer than 16 bytes: the file was being created when the process died.
    Short,
    /// Not a spool segment at all.
    BadMagic,
    /// Written by a newer rollcall.
    UnknownVersion(u32),
}

pub fn check_segment_header(bytes: &[u8]) -> Result<(), HeaderProblem> {
    let Some(header) = bytes.get(..SEGMENT_HEADER_LEN as usize) else {
        return Err(HeaderProblem::Short);
    };
    if header[..8] != SEGMENT_MAGIC {
        return Err(HeaderProblem::BadMagic);
    }
    let version = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    if version != FORMAT_VERSION {
        return Err(HeaderProblem::UnknownVersion(version));
    }
    Ok(())
}

/// Appends one record to `out`. `payload.len()` must be at most [`MAX_PAYLOAD`].
pub fn encode_record(spooled_at_ms: i64, payload: &[u8], out: &mut Vec<u8>) {
    debug_assert!(payload.len() <= MAX_PAYLOAD);
    let len = u32::try_from(payload.len())
        .unwrap_or(u32::MAX)
        .to_le_bytes();
    let ts = spooled_at_ms.to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&checksum(len, ts, payload).to_le_bytes());
    out.extend_from_slice(&ts);
    out.extend_from_slice(payload);
}

fn checksum(len: [u8; 4], ts: [u8; 8], payload: &[u8]) -> u32 {
    let mut crc = crc32fast::Hasher::new();
    crc.update(&len);
    crc.update(&ts);
    crc.update(payload);
    crc.finalize()
}

/// One record read back from a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    Record {
        spooled_at_ms: i64,
        payload: &'a [u8],
        /// Bytes the record takes in the segment (header + payload).
        size: usize,
    },
    /// The buffer ends inside this record (a torn tail, or a read that stopped early).
    Incomplete,
    /// Length out of range or checksum mismatch.
    Corrupt,
}

/// Decodes the record at the start of `buf`.
pub fn decode_record(buf: &[u8]) -> Decoded<'_> {
    let Some(header) = buf.get(..RECORD_HEADER_LEN) else {
        return Decoded::Incomplete;
    };
    let len = [header[0], header[1], header[2], header[3]];
    let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let mut ts = [0u8; 8];
    ts.copy_from_slice(&header[8..16]);
    let payload_len = u32::from_le_bytes(len) as usize;
    if payload_len > MAX_PAYLOAD {
        return Decoded::Corrupt;
    }
    let size = RECORD_HEADER_LEN + payload_len;
    let Some(payload) = buf.get(RECORD_HEADER_LEN..size) else {
        return Decoded::Incomplete;
    };
    if checksum(len, ts, payload) != crc {
        return Decoded::Corrupt;
    }
    Decoded::Record {
        spooled_at_ms: i64::from_le_bytes(ts),
        payload,
        size,
    }
}

/// Result of scanning a whole segment body (the bytes after the header).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Offsets (from the start of the body) where records start, in order.
    pub starts: Vec<u64>,
    /// Spool time of the first record.
    pub first_ms: Option<i64>,
    /// Bytes of valid records; anything after this is a torn or damaged tail.
    pub valid_len: u64,
}

/// Walks the records of a segment body until the end or the first bad record.
pub fn scan_body(body: &[u8]) -> Scan {
    let mut scan = Scan::default();
    let mut at = 0usize;
    while let Some(rest) = body.get(at..).filter(|r| !r.is_empty()) {
        match decode_record(rest) {
            Decoded::Record {
                spooled_at_ms,
                size,
                ..
            } => {
                scan.starts.push(at as u64);
                scan.first_ms.get_or_insert(spooled_at_ms);
                at += size;
            }
            Decoded::Incomplete | Decoded::Corrupt => break,
        }
    }
    scan.valid_len = at as u64;
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut buf = Vec::new();
        encode_record(1_700_000_000_123, b"hello", &mut buf);
        encode_record(-5, b"", &mut buf);
        assert_eq!(buf.len(), 2 * RECORD_HEADER_LEN + 5);
        assert_eq!(
            decode_record(&buf),
            Decoded::Record {
                spooled_at_ms: 1_700_000_000_123,
                payload: b"hello",
                size: 21
            }
        );
        let scan = scan_body(&buf);
        assert_eq!(scan.starts, vec![0, 21]);
        assert_eq!(scan.first_ms, Some(1_700_000_000_123));
        assert_eq!(scan.valid_len, buf.len() as u64);
    }

    #[test]
    fn torn_tail_and_flipped_bits_stop_the_scan() {
        let mut buf = Vec::new();
        encode_record(1, b"first", &mut buf);
        let good = buf.len() as u64;
        encode_record(2, b"second", &mut buf);
        for cut in good as usize + 1..buf.len() {
            let scan = scan_body(&buf[..cut]);
            assert_eq!(scan.valid_len, good, "cut at {cut}");
            assert_eq!(scan.starts.len(), 1);
        }
        for i in good as usize..buf.len() {
            let mut damaged = buf.clone();
            damaged[i] ^= 0x40;
            assert_eq!(scan_body(&damaged).valid_len, good, "bit flip at {i}");
        }
    }

    #[test]
    fn absurd_length_is_corrupt_not_a_huge_read() {
        let mut buf = vec![0xff; RECORD_HEADER_LEN];
        buf.extend_from_slice(b"xx");
        assert_eq!(decode_record(&buf), Decoded::Corrupt);
    }

    #[test]
    fn header_checks() {
        let h = segment_header();
        assert_eq!(check_segment_header(&h), Ok(()));
        assert_eq!(check_segment_header(&h[..10]), Err(HeaderProblem::Short));
        let mut other = h;
        other[0] = b'X';
        assert_eq!(check_segment_header(&other), Err(HeaderProblem::BadMagic));
        let mut newer = h;
        newer[8] = 2;
        assert_eq!(
            check_segment_header(&newer),
            Err(HeaderProblem::UnknownVersion(2))
        );
    }
}

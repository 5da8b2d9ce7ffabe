//! The durable spool of a network output: every offense is on disk before `submit` returns,
//! and leaves the disk only once it has been delivered (or dropped by the size policy).
//!
//! Layout of a spool directory (format version 1, see [`record`] and [`ack`]):
//!
//! ```text
//! 00000000000000000001.seg   segment files: a versioned header, then length-prefixed,
//! 00000000000000000002.seg   CRC-checked records, appended in order (the last one is active)
//! ack                        where delivery stands: two alternating checksummed slots
//! ```
//!
//! **fsync policy.** An append is one `write` of the whole record followed by `fdatasync` of
//! the segment before [`Spool::append`] returns; a new segment file is `fsync`ed and so is the
//! directory that names it. Offenses are rare (a handful per hour under attack), so paying
//! one flush per offense costs nothing that matters (BENCHMARKS.md "Spool" has the numbers).
//! Every [`Spool::ack`] writes the ack file and `fdatasync`s it *before* delivered segments
//! are unlinked, so a crash can only move delivery backwards (resend), never forwards (loss).
//!
//! **Recovery** ([`Spool::open`]) reads every segment: segments wholly before the ack are
//! deleted, every record is checksummed, and a torn or damaged tail (the record being written
//! when the power went) is cut off and reported. The ack position is snapped back to a record
//! boundary if it is not on one.
//!
//! **When full** (`max_bytes`, counting every byte on disk): the oldest segment is deleted to
//! make room, and the undelivered records it held are counted as dropped. The newest offenses
//! are kept: they describe the attack in progress. Segments are an eighth of `max_bytes`
//! (4 KiB to 16 MiB), so at most that much goes at once.
//!
//! Pure file I/O (no logging, no clock): the caller passes times and reports what happened.

mod ack;
mod record;

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use ack::AckFile;
use record::{
    check_segment_header, decode_record, encode_record, scan_body, segment_header, Decoded,
    HeaderProblem, RECORD_HEADER_LEN, SEGMENT_HEADER_LEN,
};
pub use record::{FORMAT_VERSION, MAX_PAYLOAD};

/// A position in the spool: record number `index` of segment `segment`, at byte `offset`.
/// Ordered by segment, then offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    pub segment: u64,
    pub offset: u64,
    pub index: u64,
}

impl Cursor {
    fn start_of(segment: u64) -> Cursor {
        Cursor {
            segment,
            offset: SEGMENT_HEADER_LEN,
            index: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: not a rollcall spool segment (refusing to touch it)", path.display())]
    NotASegment { path: PathBuf },
    #[error(
        "{}: spool format version {version} is newer than this rollcall reads ({FORMAT_VERSION})",
        path.display()
    )]
    NewerVersion { path: PathBuf, version: u32 },
    #[error("a record of {len} bytes does not fit a spool of {max} bytes")]
    TooLarge { len: usize, max: u64 },
    #[error("{}: damaged record at byte {offset}", path.display())]
    Corrupt { path: PathBuf, offset: u64 },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What [`Spool::open`] found on disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Undelivered records found.
    pub records: u64,
    /// Bytes of the spool on disk after recovery.
    pub bytes: u64,
    pub segments: usize,
    /// Bytes cut off torn or damaged segment tails.
    pub discarded_bytes: u64,
}

/// A snapshot for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Undelivered records.
    pub records: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// When the oldest undelivered record was spooled (epoch ms).
    pub oldest_ms: Option<i64>,
    /// Undelivered records deleted by the size policy since this spool was opened.
    pub dropped: u64,
}

#[derive(Clone, Copy, Debug)]
struct Segment {
    seq: u64,
    /// File length: header plus complete records.
    len: u64,
    records: u64,
}

/// A spool directory, safe to share between one appender and one reader thread.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Never empty; the back one is the active (appended) segment, the front one holds `ack`.
    segments: VecDeque<Segment>,
    writer: File,
    reader: Option<(u64, File)>,
    ack: Cursor,
    ack_file: AckFile,
    undelivered: u64,
    bytes: u64,
    oldest_ms: Option<i64>,
    dropped: u64,
    max_bytes: u64,
    scratch: Vec<u8>,
}

impl Spool {
    /// Opens (creating) the spool in `dir` and recovers what it holds.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<(Spool, Recovery), SpoolError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let ack_path = dir.join("ack");
        let (ack_file, saved) = AckFile::open(&ack_path).map_err(io_err(&ack_path))?;
        sync_dir(dir)?;

        let mut recovery = Recovery::default();
        let mut found: Vec<(Segment, Vec<u64>)> = Vec::new();
        let mut highest_seq = saved.map_or(0, |a| a.segment);
        for seq in list_segments(dir)? {
            highest_seq = highest_seq.max(seq);
            let path = segment_path(dir, seq);
            if saved.is_some_and(|a| seq < a.segment) {
                // Wholly delivered; its unlink was lost in a crash.
                remove_if_present(&path)?;
                continue;
            }
            let (segment, starts, discarded) = recover_segment(&path, seq)?;
            recovery.discarded_bytes += discarded;
            found.push((segment, starts));
        }

        let ack = match (saved, found.first()) {
            (Some(a), Some((front, starts))) if front.seq == a.segment => {
                snap_to_boundary(a, front, starts)
            }
            (_, Some((front, _))) => Cursor::start_of(front.seq),
            (_, None) => Cursor::start_of(highest_seq + 1),
        };
        let mut segments: VecDeque<Segment> = found.into_iter().map(|(s, _)| s).collect();
        if segments.is_empty() {
            segments.push_back(create_segment(dir, ack.segment)?);
        }
        let active = segments.back().map_or(ack.segment, |s| s.seq);
        let writer = open_append(&segment_path(dir, active))?;
        let mut state = State {
            bytes: segments.iter().map(|s| s.len).sum(),
            undelivered: 0,
            segments,
            writer,
            reader: None,
            ack,
            ack_file,
            oldest_ms: None,
            dropped: 0,
            max_bytes,
            scratch: Vec::with_capacity(4096),
        };
        state.undelivered = state.records_between(ack, None);
        state.move_ack(dir, ack)?;
        state.refresh_oldest(dir);
        recovery.records = state.undelivered;
        recovery.bytes = state.bytes;
        recovery.segments = state.segments.len();
        Ok((
            Spool {
                dir: dir.to_owned(),
                state: Mutex::new(state),
            },
            recovery,
        ))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update below leaves the state consistent before anything can fail, so a
        // panic elsewhere while the lock was held leaves nothing half-done.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the size limit (a reload); applied at the next append.
    pub fn set_max_bytes(&self, max_bytes: u64) {
        self.lock().max_bytes = max_bytes;
    }

    /// Appends `payload` and flushes it to disk. Returns how many undelivered records the
    /// size policy dropped to make room.
    pub fn append(&self, payload: &[u8], spooled_at_ms: i64) -> Result<u64, SpoolError> {
        let mut state = self.lock();
        let size = (RECORD_HEADER_LEN + payload.len()) as u64;
        if payload.len() > MAX_PAYLOAD || size + SEGMENT_HEADER_LEN > state.max_bytes {
            return Err(SpoolError::TooLarge {
                len: payload.len(),
                max: state.max_bytes,
            });
        }
        let target = segment_target(state.max_bytes);
        if state.active().records > 0 && state.active().len + size > target {
            state.rotate(&self.dir)?;
        }
        let mut dropped = 0;
        while state.bytes + size > state.max_bytes {
            if state.segments.len() == 1 {
                // Only the active segment is left and it is too big: start a new one so
                // the old can go.
                state.rotate(&self.dir)?;
            } else {
                dropped += state.drop_front(&self.dir)?;
            }
        }
        state.write_record(&self.dir, payload, spooled_at_ms)?;
        Ok(dropped)
    }

    /// The delivery position: the first record not yet acknowledged.
    pub fn acked(&self) -> Cursor {
        self.lock().ack
    }

    /// Calls `each` with the payloads of the records from `from` on (or from the delivery
    /// position, if records before it were dropped), about `max_bytes` of them and at least
    /// one if any. Returns the position after the last one and how many there were.
    pub fn read(
        &self,
        from: Cursor,
        max_bytes: usize,
        mut each: impl FnMut(&[u8]),
    ) -> Result<(Cursor, u64), SpoolError> {
        let mut state = self.lock();
        let mut cursor = from.max(state.ack);
        let mut count = 0u64;
        let mut budget = max_bytes;
        loop {
            let Some(pos) = state.segments.iter().position(|s| s.seq >= cursor.segment) else {
                return Ok((cursor, count));
            };
            let segment = state.segments[pos];
            if segment.seq != cursor.segment {
                cursor = Cursor::start_of(segment.seq);
            }
            if cursor.offset >= segment.len {
                match state.segments.get(pos + 1) {
                    Some(next) => {
                        cursor = Cursor::start_of(next.seq);
                        continue;
                    }
                    None => return Ok((cursor, count)),
                }
            }
            if count > 0 && budget == 0 {
                return Ok((cursor, count));
            }
            let available = segment.len - cursor.offset;
            let mut want = available.min(budget.max(RECORD_HEADER_LEN) as u64);
            let mut chunk = std::mem::take(&mut state.scratch);
            let result = loop {
                if let Err(e) =
                    state.read_exact_at(&self.dir, segment.seq, cursor.offset, want, &mut chunk)
                {
                    break Err(e);
                }
                // A record larger than the budget: read exactly that record.
                if let (Decoded::Incomplete, Some(len)) =
                    (decode_record(&chunk), record_len(&chunk))
                {
                    if want < len.min(available) {
                        want = len.min(available);
                        continue;
                    }
                }
                break Ok(());
            };
            let mut at = 0usize;
            let decoded = result.and_then(|()| loop {
                match chunk.get(at..).map(decode_record) {
                    Some(Decoded::Record { payload, size, .. }) => {
                        each(payload);
                        at += size;
                        cursor.offset += size as u64;
                        cursor.index += 1;
                        count += 1;
                        budget = budget.saturating_sub(size);
                    }
                    Some(Decoded::Incomplete) | None if at > 0 || chunk.is_empty() => break Ok(()),
                    _ => {
                        break Err(SpoolError::Corrupt {
                            path: segment_path(&self.dir, segment.seq),
                            offset: cursor.offset,
                        })
                    }
                }
            });
            state.scratch = chunk;
            decoded?;
        }
    }

    /// Marks everything before `upto` delivered (durably), deletes segments that are wholly
    /// delivered, and returns how many records this newly acknowledged. A position at or
    /// before the current one changes nothing.
    pub fn ack(&self, upto: Cursor) -> Result<u64, SpoolError> {
        let mut state = self.lock();
        if upto <= state.ack || !state.segments.iter().any(|s| s.seq == upto.segment) {
            return Ok(0);
        }
        let newly = state.records_between(state.ack, Some(upto));
        state.move_ack(&self.dir, upto)?;
        state.undelivered -= newly.min(state.undelivered);
        state.refresh_oldest(&self.dir);
        Ok(newly)
    }

    pub fn stats(&self) -> Stats {
        let state = self.lock();
        Stats {
            records: state.undelivered,
            bytes: state.bytes,
            oldest_ms: state.oldest_ms,
            dropped: state.dropped,
        }
    }
}

impl State {
    fn active(&self) -> Segment {
        // `segments` is never empty (open creates one; nothing removes the last).
        self.segments.back().copied().unwrap_or(Segment {
            seq: 0,
            len: SEGMENT_HEADER_LEN,
            records: 0,
        })
    }

    /// Records from `from` up to `to` (`None`: the end).
    fn records_between(&self, from: Cursor, to: Option<Cursor>) -> u64 {
        let mut n = 0u64;
        for s in &self.segments {
            if s.seq < from.segment || to.is_some_and(|t| s.seq > t.segment) {
                continue;
            }
            let start = if s.seq == from.segment { from.index } else { 0 };
            let end = match to {
                Some(t) if t.segment == s.seq => t.index,
                _ => s.records,
            };
            n += end.saturating_sub(start);
        }
        n
    }

    /// Sets the delivery position (moved off the end of a finished segment), writes it to the
    /// ack file, then deletes the segments before it.
    fn move_ack(&mut self, dir: &Path, to: Cursor) -> Result<(), SpoolError> {
        let mut to = to;
        while let Some(pos) = self.segments.iter().position(|s| s.seq == to.segment) {
            match self.segments.get(pos + 1) {
                Some(next) if to.offset >= self.segments[pos].len => {
                    to = Cursor::start_of(next.seq)
                }
                _ => break,
            }
        }
        let path = dir.join("ack");
        self.ack_file.write(to).map_err(io_err(&path))?;
        self.ack = to;
        while let Some(front) = self.segments.front().copied() {
            if front.seq >= to.segment || self.segments.len() == 1 {
                break;
            }
            self.segments.pop_front();
            self.bytes -= front.len.min(self.bytes);
            if self
                .reader
                .as_ref()
                .is_some_and(|(seq, _)| *seq == front.seq)
            {
                self.reader = None;
            }
            remove_if_present(&segment_path(dir, front.seq))?;
        }
        Ok(())
    }

    /// Starts a new active segment.
    fn rotate(&mut self, dir: &Path) -> Result<(), SpoolError> {
        let seq = self.active().seq + 1;
        let segment = create_segment(dir, seq)?;
        self.writer = open_append(&segment_path(dir, seq))?;
        self.segments.push_back(segment);
        self.bytes += segment.len;
        // If everything before was delivered, the old segment can go now (the oldest
        // undelivered record, if any, is where it was).
        let ack = self.ack;
        self.move_ack(dir, ack)
    }

    /// Deletes the oldest segment (full spool); returns the undelivered records it held.
    fn drop_front(&mut self, dir: &Path) -> Result<u64, SpoolError> {
        let Some(next) = self.segments.get(1).copied() else {
            return Ok(0);
        };
        let lost = self.records_between(self.ack, Some(Cursor::start_of(next.seq)));
        self.move_ack(dir, Cursor::start_of(next.seq))?;
        self.undelivered -= lost.min(self.undelivered);
        self.dropped += lost;
        self.refresh_oldest(dir);
        Ok(lost)
    }

    fn write_record(&mut self, dir: &Path, payload: &[u8], at_ms: i64) -> Result<(), SpoolError> {
        let active = self.active();
        let path = segment_path(dir, active.seq);
        self.scratch.clear();
        encode_record(at_ms, payload, &mut self.scratch);
        if let Err(e) = self.writer.write_all(&self.scratch) {
            // Cut a partial record off so the next append starts on a boundary.
            let _ = self.writer.set_len(active.len);
            return Err(io_err(&path)(e));
        }
        let size = self.scratch.len() as u64;
        if let Some(back) = self.segments.back_mut() {
            back.len += size;
            back.records += 1;
        }
        self.bytes += size;
        if self.undelivered == 0 {
            self.oldest_ms = Some(at_ms);
        }
        self.undelivered += 1;
        // Counted above either way: the record is in the file and will be sent; the error
        // only says it may not survive a power cut.
        self.writer.sync_data().map_err(io_err(&path))
    }

    /// Reads `len` bytes of segment `seq` at `offset` into `buf`.
    fn read_exact_at(
        &mut self,
        dir: &Path,
        seq: u64,
        offset: u64,
        len: u64,
        buf: &mut Vec<u8>,
    ) -> Result<(), SpoolError> {
        let path = segment_path(dir, seq);
        if self.reader.as_ref().is_none_or(|(s, _)| *s != seq) {
            let file = File::open(&path).map_err(io_err(&path))?;
            self.reader = Some((seq, file));
        }
        buf.clear();
        buf.resize(len as usize, 0);
        match &self.reader {
            Some((_, file)) => file.read_exact_at(buf, offset).map_err(io_err(&path)),
            None => Ok(()),
        }
    }

    /// Re-reads the spool time of the record at the delivery position.
    fn refresh_oldest(&mut self, dir: &Path) {
        if self.undelivered == 0 {
            self.oldest_ms = None;
            return;
        }
        let ack = self.ack;
        let mut header = Vec::new();
        let len = RECORD_HEADER_LEN as u64;
        self.oldest_ms = match self.read_exact_at(dir, ack.segment, ack.offset, len, &mut header) {
            Ok(()) => header
                .get(8..16)
                .and_then(|b| b.try_into().ok())
                .map(i64::from_le_bytes),
            Err(_) => None,
        };
    }
}

/// Payload length + header, from a record header at the start of `buf`.
fn record_len(buf: &[u8]) -> Option<u64> {
    let len: [u8; 4] = buf.get(..4)?.try_into().ok()?;
    Some(u64::from(u32::from_le_bytes(len)) + RECORD_HEADER_LEN as u64)
}

/// The first record boundary at or before `saved` in the front segment.
fn snap_to_boundary(saved: Cursor, front: &Segment, starts: &[u64]) -> Cursor {
    // Record i ends where record i + 1 starts (the last one at the end of the segment).
    let body_end = front.len - SEGMENT_HEADER_LEN;
    let ends = starts.iter().skip(1).copied().chain([body_end]);
    let body_offset = saved.offset.saturating_sub(SEGMENT_HEADER_LEN);
    let mut cursor = Cursor::start_of(front.seq);
    for (i, end) in ends.enumerate() {
        if end > body_offset || i >= starts.len() {
            break;
        }
        cursor.offset = SEGMENT_HEADER_LEN + end;
        cursor.index = i as u64 + 1;
    }
    cursor
}

/// Segment size: an eighth of the spool, so the size policy drops in small steps.
fn segment_target(max_bytes: u64) -> u64 {
    (max_bytes / 8).clamp(4 * 1024, 16 * 1024 * 1024)
}

fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("{seq:020}.seg"))
}

fn list_segments(dir: &Path) -> Result<Vec<u64>, SpoolError> {
    let mut seqs = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let name = entry.file_name();
        let seq = name
            .to_str()
            .and_then(|n| n.strip_suffix(".seg"))
            .filter(|n| n.len() == 20)
            .and_then(|n| n.parse::<u64>().ok());
        seqs.extend(seq);
    }
    seqs.sort_unstable();
    Ok(seqs)
}

/// Checks and trims one segment file: (segment, record starts in its body, bytes cut off).
fn recover_segment(path: &Path, seq: u64) -> Result<(Segment, Vec<u64>, u64), SpoolError> {
    let bytes = fs::read(path).map_err(io_err(path))?;
    match check_segment_header(&bytes) {
        Ok(()) => {}
        Err(HeaderProblem::Short) => {
            // Created but never written whole: the process died right there. Make it a
            // valid empty segment.
            let mut file = File::create(path).map_err(io_err(path))?;
            file.write_all(&segment_header()).map_err(io_err(path))?;
            file.sync_all().map_err(io_err(path))?;
            let segment = Segment {
                seq,
                len: SEGMENT_HEADER_LEN,
                records: 0,
            };
            return Ok((segment, Vec::new(), bytes.len() as u64));
        }
        Err(HeaderProblem::BadMagic) => {
            return Err(SpoolError::NotASegment {
                path: path.to_owned(),
            })
        }
        Err(HeaderProblem::UnknownVersion(version)) => {
            return Err(SpoolError::NewerVersion {
                path: path.to_owned(),
                version,
            })
        }
    }
    let body = bytes.get(SEGMENT_HEADER_LEN as usize..).unwrap_or_default();
    let scan = scan_body(body);
    let len = SEGMENT_HEADER_LEN + scan.valid_len;
    let discarded = bytes.len() as u64 - len;
    if discarded > 0 {
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(io_err(path))?;
        file.set_len(len).map_err(io_err(path))?;
        file.sync_all().map_err(io_err(path))?;
    }
    let segment = Segment {
        seq,
        len,
        records: scan.starts.len() as u64,
    };
    Ok((segment, scan.starts, discarded))
}

fn create_segment(dir: &Path, seq: u64) -> Result<Segment, SpoolError> {
    let path = segment_path(dir, seq);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io_err(&path))?;
    file.write_all(&segment_header()).map_err(io_err(&path))?;
    file.sync_all().map_err(io_err(&path))?;
    sync_dir(dir)?;
    Ok(Segment {
        seq,
        len: SEGMENT_HEADER_LEN,
        records: 0,
    })
}

fn open_append(path: &Path) -> Result<File, SpoolError> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(io_err(path))
}

/// Makes a created or renamed directory entry durable.
fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

fn remove_if_present(path: &Path) -> Result<(), SpoolError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;

//! Stream framing for TCP/TLS syslog: cuts a byte stream into frames without copying.
//!
//! Two framings exist on the wire (RFC 6587):
//!
//! ```text
//! octet counting:           SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG
//!                           MSG-LEN      = NONZERO-DIGIT *DIGIT
//! non-transparent framing:  SYSLOG-FRAME = SYSLOG-MSG TRAILER     ; TRAILER = LF / CRLF / NUL
//! ```
//!
//! [`StreamFramer`] handles both, and [`FramingMode::Auto`] picks one per connection from
//! the first significant byte (a digit means octet counting, anything else LF). Real senders
//! get this wrong in ways rsyslog's test suite records: LF-framed lines that start with
//! digits (`0`, `2026-11-23 …`, `123456789: HOST: …`), wrong / zero / overflowing counts,
//! a trailing LF after octet-counted frames, and Cisco ASA's stray space before `<PRI>`.
//! The rules below keep one bad frame from costing more than that frame:
//!
//! * "Need more bytes" is [`FrameResult::NeedMore`], never an error.
//! * A frame longer than `max_frame` is dropped and reported once as
//!   [`FrameResult::Oversized`] when the framer has resynchronised: at the next LF/NUL, or
//!   after skipping the declared octet count.
//! * A malformed octet count is reported as [`FrameResult::InvalidOctetCount`]; the same
//!   bytes are then framed as one LF line by the following call(s) (nothing is lost), and
//!   octet counting resumes after that line. In `Auto` mode, a bad count before the first
//!   good octet-counted frame means the guess was wrong: the connection switches to LF for
//!   good (so a stream of digit-leading lines reports one error, not one per line).
//! * Between octet-counted frames, SP/TAB/CR/LF/NUL are skipped (tcpflood and several
//!   senders append an LF to each counted frame).
//! * LF frames lose their trailing CRs, a leading run of spaces before `<` (Cisco ASA), and
//!   blank lines are skipped.
//!
//! Multi-line messages (continuation lines that do not start with `<`) are delivered as
//! separate frames: joining them would need a per-sender regex, and Windows events reach us
//! with their line breaks already escaped by the forwarder.

use bytes::{Buf, BytesMut};

/// How a connection frames its messages (config `framing`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FramingMode {
    /// Decide per connection from the first significant byte: digit → octet counting, else LF.
    Auto,
    /// LF / CRLF / NUL terminated; digits are never read as a count.
    Lf,
    /// RFC 6587 octet counting (`LEN SP MSG`), with LF fallback for lines that lack a count.
    OctetCounted,
}

/// The outcome of one [`StreamFramer::next_frame`] call.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameResult {
    /// One frame, split off the front of the buffer (no copy), without its terminator.
    Frame(BytesMut),
    /// The buffer holds no complete frame yet: read more and call again.
    NeedMore,
    /// A frame longer than `max_frame` was dropped; the framer has resynchronised.
    /// `discarded` is the dropped frame's length (without terminator or count prefix).
    Oversized { discarded: usize },
    /// A frame did not start with a valid `LEN SP` octet count. The bytes are kept and
    /// framed as one LF line by the next call.
    InvalidOctetCount,
}

/// Octet counts with more digits than this are not counts (a gigabyte syslog message does
/// not exist; rsyslog's edge cases `214000000000`, `4000000000` are such lines). Also keeps
/// the arithmetic far from overflow on 32-bit targets.
const MAX_COUNT_DIGITS: usize = 9;

/// Which framing the connection currently uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Active {
    /// `Auto` before the first significant byte.
    Undecided,
    Lf,
    Octet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At a frame boundary (or inside an LF line being searched).
    Framing,
    /// After [`FrameResult::InvalidOctetCount`]: frame one line by LF, then resume counting.
    LineFallback,
    /// Dropping an oversized LF line until its terminator; `dropped` bytes so far.
    DiscardLine { dropped: usize },
    /// Skipping an oversized octet-counted frame: `remaining` bytes still to skip.
    DiscardCounted { remaining: usize, declared: usize },
}

/// Incremental framer for one connection. Feed it the connection's read buffer; it splits
/// complete frames off the front and leaves partial data in place.
///
/// ```
/// use bytes::BytesMut;
/// use rollcall_parse::framing::{FrameResult, FramingMode, StreamFramer};
///
/// let mut framer = StreamFramer::new(FramingMode::Auto, 8192);
/// let mut buf = BytesMut::from(&b"13 <13>hel"[..]);
/// assert_eq!(framer.next_frame(&mut buf), FrameResult::NeedMore);
/// buf.extend_from_slice(b"lo you20 <13>cut");
/// assert_eq!(framer.next_frame(&mut buf), FrameResult::Frame(BytesMut::from(&b"<13>hello you"[..])));
/// assert_eq!(framer.next_frame(&mut buf), FrameResult::NeedMore);
/// // End of stream: the truncated last frame, without its count.
/// assert_eq!(framer.finish(&mut buf), Some(BytesMut::from(&b"<13>cut"[..])));
/// ```
#[derive(Debug)]
pub struct StreamFramer {
    mode: FramingMode,
    max_frame: usize,
    active: Active,
    state: State,
    /// Octet counting has produced a good frame on this connection (in `Auto`, errors
    /// before that mean the connection is not octet-counted at all).
    octet_confirmed: bool,
    /// Bytes at the front of the buffer already searched for a terminator, so a line
    /// arriving in many small reads is scanned once, not once per read.
    scanned: usize,
}

impl StreamFramer {
    /// `max_frame` is the largest frame delivered (bytes, without terminator); a zero is
    /// taken as 1 so that progress is always possible.
    pub fn new(mode: FramingMode, max_frame: usize) -> Self {
        let active = match mode {
            FramingMode::Auto => Active::Undecided,
            FramingMode::Lf => Active::Lf,
            FramingMode::OctetCounted => Active::Octet,
        };
        StreamFramer {
            mode,
            max_frame: max_frame.max(1),
            active,
            state: State::Framing,
            octet_confirmed: mode == FramingMode::OctetCounted,
            scanned: 0,
        }
    }

    /// The configured mode.
    pub fn mode(&self) -> FramingMode {
        self.mode
    }

    /// Whether the framer is currently dropping an oversized frame (bytes fed now are lost).
    pub fn is_discarding(&self) -> bool {
        matches!(
            self.state,
            State::DiscardLine { .. } | State::DiscardCounted { .. }
        )
    }

    /// Splits the next frame off the front of `buf`. Call until it returns
    /// [`FrameResult::NeedMore`], then read more bytes into `buf`.
    pub fn next_frame(&mut self, buf: &mut BytesMut) -> FrameResult {
        // Every iteration either returns or consumes bytes / moves to a state that will,
        // so the loop ends (the fuzz target `framer` checks this).
        loop {
            match self.state {
                State::DiscardLine { dropped } => return self.discard_line(buf, dropped),
                State::DiscardCounted {
                    remaining,
                    declared,
                } => return self.discard_counted(buf, remaining, declared),
                State::LineFallback => {
                    if let Some(result) = self.take_line(buf) {
                        return result;
                    }
                }
                State::Framing => match self.active {
                    Active::Undecided => {
                        skip_separators(buf);
                        match buf.first() {
                            None => return FrameResult::NeedMore,
                            Some(b) if b.is_ascii_digit() => self.active = Active::Octet,
                            Some(_) => self.active = Active::Lf,
                        }
                    }
                    Active::Lf => {
                        if let Some(result) = self.take_line(buf) {
                            return result;
                        }
                    }
                    Active::Octet => {
                        if let Some(result) = self.take_counted(buf) {
                            return result;
                        }
                    }
                },
            }
        }
    }

    /// At end of stream: the last, unterminated frame (a truncated octet-counted frame is
    /// returned without its count prefix). Resets the framer for a new stream.
    pub fn finish(&mut self, buf: &mut BytesMut) -> Option<BytesMut> {
        let state = self.state;
        let active = self.active;
        *self = StreamFramer::new(self.mode, self.max_frame);
        let counted =
            state == State::Framing && matches!(active, Active::Octet | Active::Undecided);
        match state {
            State::DiscardLine { .. } | State::DiscardCounted { .. } => {
                buf.clear();
                return None;
            }
            State::Framing | State::LineFallback => {}
        }
        if counted {
            skip_separators(buf);
            if let Some(prefix) = complete_count_prefix(buf) {
                buf.advance(prefix);
            }
        }
        if buf.len() > self.max_frame {
            buf.clear();
            return None;
        }
        let mut frame = buf.split();
        tidy_frame(&mut frame);
        (!frame.is_empty()).then_some(frame)
    }

    /// LF framing: one line, or `None` when a blank line was skipped (caller loops).
    fn take_line(&mut self, buf: &mut BytesMut) -> Option<FrameResult> {
        // A terminator at index <= max_frame means the line fits; searching further is waste.
        let limit = buf.len().min(self.max_frame.saturating_add(1));
        let from = self.scanned.min(limit);
        let found = buf
            .get(from..limit)
            .and_then(|window| memchr::memchr2(b'\n', 0, window))
            .map(|i| from + i);
        match found {
            Some(end) => {
                let mut frame = buf.split_to(end);
                buf.advance(1);
                self.scanned = 0;
                self.state = State::Framing;
                tidy_frame(&mut frame);
                if frame.is_empty() {
                    None
                } else {
                    Some(FrameResult::Frame(frame))
                }
            }
            None if buf.len() > self.max_frame => {
                // The line is already too long: drop what we have and keep dropping until
                // its terminator, so memory stays bounded by max_frame.
                buf.advance(limit);
                self.scanned = 0;
                self.state = State::DiscardLine { dropped: limit };
                None
            }
            None => {
                self.scanned = buf.len();
                Some(FrameResult::NeedMore)
            }
        }
    }

    fn discard_line(&mut self, buf: &mut BytesMut, dropped: usize) -> FrameResult {
        match memchr::memchr2(b'\n', 0, buf) {
            Some(end) => {
                buf.advance(end + 1);
                self.state = State::Framing;
                FrameResult::Oversized {
                    discarded: dropped.saturating_add(end),
                }
            }
            None => {
                let n = buf.len();
                buf.clear();
                self.state = State::DiscardLine {
                    dropped: dropped.saturating_add(n),
                };
                FrameResult::NeedMore
            }
        }
    }

    fn discard_counted(
        &mut self,
        buf: &mut BytesMut,
        remaining: usize,
        declared: usize,
    ) -> FrameResult {
        let n = remaining.min(buf.len());
        buf.advance(n);
        if n == remaining {
            self.state = State::Framing;
            FrameResult::Oversized {
                discarded: declared,
            }
        } else {
            self.state = State::DiscardCounted {
                remaining: remaining - n,
                declared,
            };
            FrameResult::NeedMore
        }
    }

    /// Octet counting: one counted frame, or `None` when the state changed (caller loops).
    fn take_counted(&mut self, buf: &mut BytesMut) -> Option<FrameResult> {
        skip_separators(buf);
        if buf.is_empty() {
            return Some(FrameResult::NeedMore);
        }
        let (count, prefix_len) = match read_count(buf) {
            CountPrefix::Complete { count, prefix_len } => (count, prefix_len),
            CountPrefix::Partial => return Some(FrameResult::NeedMore),
            CountPrefix::Invalid => return Some(self.invalid_count()),
        };
        if count > self.max_frame {
            if !self.octet_confirmed {
                // Auto guessed octet counting from a leading digit; an absurd first count
                // says the guess was wrong (rsyslog also falls back to LF here).
                return Some(self.invalid_count());
            }
            buf.advance(prefix_len);
            self.state = State::DiscardCounted {
                remaining: count,
                declared: count,
            };
            return None;
        }
        let total = prefix_len + count;
        if buf.len() < total {
            return Some(FrameResult::NeedMore);
        }
        buf.advance(prefix_len);
        let mut frame = buf.split_to(count);
        self.octet_confirmed = true;
        // Senders that count their own trailing LF (rsyslog's `41 <120> …` edge case does).
        trim_line_end(&mut frame);
        if frame.is_empty() {
            None
        } else {
            Some(FrameResult::Frame(frame))
        }
    }

    fn invalid_count(&mut self) -> FrameResult {
        if self.mode == FramingMode::Auto && !self.octet_confirmed {
            self.active = Active::Lf;
            self.state = State::Framing;
        } else {
            self.state = State::LineFallback;
        }
        self.scanned = 0;
        FrameResult::InvalidOctetCount
    }
}

enum CountPrefix {
    Complete { count: usize, prefix_len: usize },
    Partial,
    Invalid,
}

/// Reads `NONZERO-DIGIT *DIGIT SP` at the front of `buf`.
fn read_count(buf: &[u8]) -> CountPrefix {
    let mut count = 0usize;
    for (i, &b) in buf.iter().enumerate() {
        match b {
            b'0' if i == 0 => return CountPrefix::Invalid,
            b'0'..=b'9' if i < MAX_COUNT_DIGITS => {
                count = count * 10 + usize::from(b - b'0');
            }
            b' ' if i > 0 => {
                return CountPrefix::Complete {
                    count,
                    prefix_len: i + 1,
                }
            }
            _ => return CountPrefix::Invalid,
        }
    }
    CountPrefix::Partial
}

/// Length of a complete, valid count prefix at the front of `buf`, if there is one.
fn complete_count_prefix(buf: &[u8]) -> Option<usize> {
    match read_count(buf) {
        CountPrefix::Complete { prefix_len, .. } => Some(prefix_len),
        _ => None,
    }
}

fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0)
}

fn skip_separators(buf: &mut BytesMut) {
    let n = buf
        .iter()
        .position(|&b| !is_separator(b))
        .unwrap_or(buf.len());
    buf.advance(n);
}

fn trim_line_end(frame: &mut BytesMut) {
    let keep = frame
        .iter()
        .rposition(|&b| !matches!(b, b'\r' | b'\n' | 0))
        .map_or(0, |i| i + 1);
    frame.truncate(keep);
}

/// Normalises a frame's edges: trailing CR/LF/NUL go, leading spaces before `<` go
/// (Cisco ASA), and an all-blank frame becomes empty.
fn tidy_frame(frame: &mut BytesMut) {
    trim_line_end(frame);
    let lead = frame.iter().position(|&b| b != b' ').unwrap_or(frame.len());
    if lead > 0 && frame.get(lead) == Some(&b'<') {
        frame.advance(lead);
    }
    if frame.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r')) {
        frame.clear();
    }
}

/// Splits a file's contents into messages: LF, CRLF or NUL terminated; blank lines skipped;
/// edges tidied as [`StreamFramer`] does for LF frames.
pub fn split_lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == b'\n' || b == 0)
        .map(tidy_line)
        .filter(|line| !line.is_empty())
}

fn tidy_line(line: &[u8]) -> &[u8] {
    let end = line.iter().rposition(|&b| b != b'\r').map_or(0, |i| i + 1);
    let line = &line[..end];
    let lead = line.iter().position(|&b| b != b' ').unwrap_or(line.len());
    let line = if lead > 0 && line.get(lead) == Some(&b'<') {
        &line[lead..]
    } else {
        line
    };
    if line.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r')) {
        &[]
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A framer result with the frame copied out, for comparisons.
    #[derive(Clone, Debug, PartialEq, Eq)]
    enum Out {
        Frame(Vec<u8>),
        Oversized(usize),
        Invalid,
    }

    /// Calls `next_frame` until `NeedMore`, collecting everything else.
    fn drain(framer: &mut StreamFramer, buf: &mut BytesMut, out: &mut Vec<Out>) {
        loop {
            match framer.next_frame(buf) {
                FrameResult::NeedMore => return,
                FrameResult::Frame(f) => out.push(Out::Frame(f.to_vec())),
                FrameResult::Oversized { discarded } => out.push(Out::Oversized(discarded)),
                FrameResult::InvalidOctetCount => out.push(Out::Invalid),
            }
        }
    }

    /// Feeds `data` in chunks of the given sizes (cycled), then finishes the stream.
    fn run_chunked(mode: FramingMode, max: usize, data: &[u8], sizes: &[usize]) -> Vec<Out> {
        let mut framer = StreamFramer::new(mode, max);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut rest = data;
        let mut i = 0;
        while !rest.is_empty() {
            let n = sizes
                .get(i % sizes.len().max(1))
                .copied()
                .unwrap_or(1)
                .clamp(1, rest.len());
            let (chunk, tail) = rest.split_at(n);
            buf.extend_from_slice(chunk);
            drain(&mut framer, &mut buf, &mut out);
            rest = tail;
            i += 1;
        }
        drain(&mut framer, &mut buf, &mut out);
        if let Some(last) = framer.finish(&mut buf) {
            out.push(Out::Frame(last.to_vec()));
        }
        out
    }

    fn run(mode: FramingMode, max: usize, data: &[u8]) -> Vec<Out> {
        run_chunked(mode, max, data, &[data.len().max(1)])
    }

    fn frames(lines: &[&str]) -> Vec<Out> {
        lines
            .iter()
            .map(|l| Out::Frame(l.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn lf_crlf_and_nul_terminate_frames() {
        let out = run(FramingMode::Lf, 100, b"<13>a\n<13>b\r\n<13>c\0<13>d");
        assert_eq!(out, frames(&["<13>a", "<13>b", "<13>c", "<13>d"]));
    }

    #[test]
    fn lf_skips_blank_lines_and_cisco_leading_space() {
        let out = run(
            FramingMode::Lf,
            100,
            b"\n\r\n   \n <181>01\n   <181>14\n l\n",
        );
        assert_eq!(out, frames(&["<181>01", "<181>14", " l"]));
    }

    #[test]
    fn lf_mode_never_reads_counts() {
        let out = run(FramingMode::Lf, 100, b"12 <13>abc\n0\n");
        assert_eq!(out, frames(&["12 <13>abc", "0"]));
    }

    #[test]
    fn lf_frames_split_off_without_copy() {
        let mut buf = BytesMut::from(&b"<13>first\n<13>second"[..]);
        let base = buf.as_ptr();
        let mut framer = StreamFramer::new(FramingMode::Lf, 100);
        match framer.next_frame(&mut buf) {
            FrameResult::Frame(f) => assert_eq!(f.as_ptr(), base),
            other => panic!("expected a frame, got {other:?}"),
        }
        assert_eq!(framer.next_frame(&mut buf), FrameResult::NeedMore);
        assert_eq!(&buf[..], b"<13>second");
    }

    #[test]
    fn lf_oversized_line_is_reported_once_and_resynchronised() {
        let mut data = vec![b'x'; 25];
        data.extend_from_slice(b"\r\n<13>ok\n");
        let whole = run(FramingMode::Lf, 10, &data);
        assert_eq!(
            whole,
            vec![Out::Oversized(26), Out::Frame(b"<13>ok".to_vec())]
        );
        assert_eq!(run_chunked(FramingMode::Lf, 10, &data, &[3]), whole);
        // Exactly max_frame bytes still fits.
        assert_eq!(
            run(FramingMode::Lf, 4, b"abcd\nabcde\nab"),
            vec![
                Out::Frame(b"abcd".to_vec()),
                Out::Oversized(5),
                Out::Frame(b"ab".to_vec())
            ]
        );
    }

    #[test]
    fn octet_counted_frames() {
        let out = run(
            FramingMode::OctetCounted,
            100,
            b"5 <13>a6 <13>bc\n 7 <13>def\n",
        );
        assert_eq!(out, frames(&["<13>a", "<13>bc", "<13>def"]));
    }

    #[test]
    fn octet_frames_may_contain_lf() {
        let out = run(FramingMode::OctetCounted, 100, b"9 <13>a\nb\nc4 <1>x");
        assert_eq!(out, frames(&["<13>a\nb\nc", "<1>x"]));
    }

    #[test]
    fn invalid_counts_fall_back_to_lf_for_one_line() {
        for bad in [
            &b"0 <13>zero"[..],
            b"01 <13>lead",
            b"<13>no count",
            b"1234567890 <13>big",
            b"12x",
        ] {
            let mut data = bad.to_vec();
            data.extend_from_slice(b"\n5 <13>a");
            let out = run(FramingMode::OctetCounted, 100, &data);
            assert_eq!(
                out,
                vec![
                    Out::Invalid,
                    Out::Frame(bad.to_vec()),
                    Out::Frame(b"<13>a".to_vec())
                ],
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn explicit_octet_mode_skips_oversized_declared_count() {
        let out = run(FramingMode::OctetCounted, 8, b"12 <13>123456785 <13>a");
        assert_eq!(out, vec![Out::Oversized(12), Out::Frame(b"<13>a".to_vec())]);
    }

    #[test]
    fn auto_picks_framing_from_first_byte() {
        assert_eq!(
            run(FramingMode::Auto, 100, b"5 <13>a5 <13>b"),
            frames(&["<13>a", "<13>b"])
        );
        assert_eq!(
            run(FramingMode::Auto, 100, b"\n <13>a\n5 <13>b\n"),
            frames(&["<13>a", "5 <13>b"])
        );
    }

    #[test]
    fn auto_digit_lines_switch_connection_to_lf() {
        // rsyslog's no_octet_counted case: one error, then every line intact.
        let out = run(FramingMode::Auto, 100, b"0\n1\n2\n10\n");
        assert_eq!(
            out,
            vec![
                Out::Invalid,
                Out::Frame(b"0".to_vec()),
                Out::Frame(b"1".to_vec()),
                Out::Frame(b"2".to_vec()),
                Out::Frame(b"10".to_vec())
            ]
        );
        let out = run(FramingMode::Auto, 100, b"2026-11-23T03:15:02Z host x\n");
        assert_eq!(
            out,
            vec![
                Out::Invalid,
                Out::Frame(b"2026-11-23T03:15:02Z host x".to_vec())
            ]
        );
    }

    #[test]
    fn auto_absurd_first_count_is_not_trusted_but_later_ones_are() {
        let out = run(FramingMode::Auto, 50, b"10005 <120> host msg\n<13>next\n");
        assert_eq!(
            out,
            vec![
                Out::Invalid,
                Out::Frame(b"10005 <120> host msg".to_vec()),
                Out::Frame(b"<13>next".to_vec())
            ]
        );
        let out = run(FramingMode::Auto, 8, b"5 <13>a12 <13>123456785 <13>b");
        assert_eq!(
            out,
            vec![
                Out::Frame(b"<13>a".to_vec()),
                Out::Oversized(12),
                Out::Frame(b"<13>b".to_vec())
            ]
        );
    }

    #[test]
    fn finish_returns_truncated_frames_and_drops_discards() {
        let mut framer = StreamFramer::new(FramingMode::OctetCounted, 100);
        let mut buf = BytesMut::from(&b"40 <13>trunc"[..]);
        assert_eq!(framer.next_frame(&mut buf), FrameResult::NeedMore);
        assert_eq!(framer.finish(&mut buf).as_deref(), Some(&b"<13>trunc"[..]));

        let mut framer = StreamFramer::new(FramingMode::Lf, 4);
        let mut buf = BytesMut::from(&b"<13>too long"[..]);
        assert_eq!(framer.next_frame(&mut buf), FrameResult::NeedMore);
        assert!(framer.is_discarding());
        assert_eq!(framer.finish(&mut buf), None);
        assert!(!framer.is_discarding());

        let mut framer = StreamFramer::new(FramingMode::Lf, 100);
        let mut buf = BytesMut::from(&b" \r"[..]);
        assert_eq!(framer.next_frame(&mut buf), FrameResult::NeedMore);
        assert_eq!(framer.finish(&mut buf), None);
    }

    #[test]
    fn zero_max_frame_still_makes_progress() {
        let out = run(FramingMode::Auto, 0, b"a\nbc\n1 x");
        assert_eq!(out, vec![Out::Frame(b"a".to_vec()), Out::Oversized(2)]);
        let out = run(FramingMode::OctetCounted, 0, b"1 x2 yz1 w");
        assert_eq!(
            out,
            vec![
                Out::Frame(b"x".to_vec()),
                Out::Oversized(2),
                Out::Frame(b"w".to_vec())
            ]
        );
    }

    #[test]
    fn split_lines_handles_lf_crlf_nul_and_blanks() {
        let lines: Vec<&[u8]> = split_lines(b"<13>a\r\n\n<13>b\0 <13>c\n  \nlast").collect();
        assert_eq!(lines, vec![&b"<13>a"[..], b"<13>b", b"<13>c", b"last"]);
        assert_eq!(split_lines(b"").count(), 0);
    }

    fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
        // Weighted towards the bytes framing decisions depend on.
        let byte = prop_oneof![
            4 => Just(b'\n'),
            2 => Just(b'\r'),
            1 => Just(0u8),
            4 => Just(b' '),
            3 => Just(b'<'),
            6 => b'0'..=b'9',
            6 => Just(b'a'),
            1 => any::<u8>(),
        ];
        proptest::collection::vec(byte, 0..300)
    }

    fn any_mode() -> impl Strategy<Value = FramingMode> {
        prop_oneof![
            Just(FramingMode::Auto),
            Just(FramingMode::Lf),
            Just(FramingMode::OctetCounted)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn chunking_never_changes_the_frames(
            data in stream_bytes(),
            mode in any_mode(),
            max in 1usize..40,
            sizes in proptest::collection::vec(1usize..17, 1..8),
        ) {
            let whole = run(mode, max, &data);
            let chunked = run_chunked(mode, max, &data, &sizes);
            prop_assert_eq!(&whole, &chunked);
            let bytewise = run_chunked(mode, max, &data, &[1]);
            prop_assert_eq!(&whole, &bytewise);
            for out in &whole {
                if let Out::Frame(f) = out {
                    prop_assert!(!f.is_empty() && f.len() <= max);
                }
            }
        }
    }
}

//! One message per line: LF, CRLF or NUL terminated (NDJSON is just lines of bare JSON).

use std::io::Read;

use rollcall_parse::payload::json::records;

use super::{fill_up_to, report, Input, InputError, Payload, ReadStats, Record, RecordSink};

/// Lines longer than this are reported and skipped (a binary file read as text, or a
/// missing delimiter), so one bad input cannot exhaust memory.
pub const MAX_LINE: usize = 16 << 20;

/// Reads `reader` (whose first bytes are already in `buf`) line by line. `buf` is reused for
/// the whole input: lines are handed out as slices of it, never copied.
pub fn read_records(
    input: &Input,
    mut buf: Vec<u8>,
    mut reader: Box<dyn Read>,
    sink: &mut dyn RecordSink,
    stats: &mut ReadStats,
) -> Result<(), InputError> {
    let mut line_no = 0u64;
    // True while discarding the rest of an over-long line.
    let mut skipping = false;
    loop {
        let mut start = 0;
        while let Some(i) = buf
            .get(start..)
            .and_then(|rest| memchr::memchr2(b'\n', 0, rest))
        {
            let end = start + i;
            line_no += 1;
            if skipping {
                skipping = false;
            } else if let Some(line) = buf.get(start..end) {
                emit(input, line_no, line, sink, stats);
            }
            start = end + 1;
        }
        buf.drain(..start.min(buf.len()));
        if buf.len() >= MAX_LINE {
            if !skipping {
                stats.read_errors += 1;
                report(input, Some(line_no + 1), &InputError::LineTooLong(MAX_LINE));
            }
            skipping = true;
            buf.clear();
        }
        let before = buf.len();
        if let Err(e) = fill_up_to(&mut reader, &mut buf, before + super::READ_CHUNK) {
            stats.read_errors += 1;
            report(input, Some(line_no + 1), &InputError::Io(e));
            return Ok(());
        }
        if buf.len() == before {
            // End of input: a last line without a delimiter still counts.
            if !buf.is_empty() && !skipping {
                emit(input, line_no + 1, &buf, sink, stats);
            }
            return Ok(());
        }
    }
}

fn emit(
    input: &Input,
    line_no: u64,
    line: &[u8],
    sink: &mut dyn RecordSink,
    stats: &mut ReadStats,
) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(|b| b.is_ascii_whitespace()) {
        return;
    }
    // A bare JSON line may be an Azure envelope (`{"records":[…]}`) holding many records:
    // each is its own message, under the line's number.
    if matches!(
        line.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    ) {
        for raw in records(line) {
            stats.records += 1;
            sink.record(Record {
                input: input.index,
                offset: line_no,
                payload: Payload::Raw(raw),
            });
        }
        return;
    }
    stats.records += 1;
    sink.record(Record {
        input: input.index,
        offset: line_no,
        payload: Payload::Raw(line),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(data: &'static [u8], head_len: usize) -> (Vec<(u64, Vec<u8>)>, ReadStats) {
        let input = Input {
            index: 0,
            path: None,
        };
        let head = data[..head_len].to_vec();
        let rest: Box<dyn Read> = Box::new(&data[head_len..]);
        let mut out = Vec::new();
        let mut stats = ReadStats::default();
        let mut sink = |r: Record<'_>| {
            if let Payload::Raw(b) = r.payload {
                out.push((r.offset, b.to_vec()));
            }
        };
        read_records(&input, head, rest, &mut sink, &mut stats).unwrap();
        (out, stats)
    }

    #[test]
    fn splits_on_lf_crlf_and_nul_and_numbers_lines() {
        let data: &[u8] = b"one\r\ntwo\n\nthree\0four";
        for head_len in 0..data.len() {
            let (out, stats) = collect(data, head_len);
            let got: Vec<(u64, &[u8])> = out.iter().map(|(o, b)| (*o, b.as_slice())).collect();
            assert_eq!(
                got,
                vec![
                    (1, &b"one"[..]),
                    (2, &b"two"[..]),
                    (4, &b"three"[..]),
                    (5, &b"four"[..])
                ],
                "head_len {head_len}"
            );
            assert_eq!(stats.records, 4);
        }
    }

    #[test]
    fn envelope_lines_yield_one_record_per_element() {
        let data: &[u8] = b"{\"records\":[{\"a\":1},{\"b\":2}]}\n{\"c\":3}\n";
        let (out, stats) = collect(data, 0);
        let got: Vec<(u64, &[u8])> = out.iter().map(|(o, b)| (*o, b.as_slice())).collect();
        assert_eq!(
            got,
            vec![
                (1, &b"{\"a\":1}"[..]),
                (1, &b"{\"b\":2}"[..]),
                (2, &b"{\"c\":3}"[..])
            ]
        );
        assert_eq!(stats.records, 3);
    }
}

//! Whole-file JSON documents: a top-level array of records (Azure portal sign-in / audit
//! exports) or a pretty-printed object spanning lines (a Microsoft Graph `{"value":[…]}`
//! response, an Event Hub `{"records":[…]}` capture). Records are cut out as raw bytes by the
//! parser crate's splitter and parsed by the normal message parser, which recognises bare
//! JSON, so exports, envelopes and NDJSON all take the same path.

use rollcall_parse::payload::json::records;
use serde::de::IgnoredAny;

use super::{report, Input, InputError, Payload, ReadStats, Record, RecordSink};

/// Whether the input must be read as one JSON document rather than line by line:
/// `[` followed by `{` or `]` (an array of objects, not a syslog line such as
/// `[client 10.0.0.1] …`), or `{` whose first line is not a complete JSON value.
pub fn is_document(head: &[u8]) -> bool {
    let start = head.iter().position(|b| !is_ws(*b)).unwrap_or(head.len());
    let rest = head.get(start..).unwrap_or_default();
    match rest.first() {
        Some(b'[') => {
            let after = rest.get(1..).unwrap_or_default();
            matches!(after.iter().find(|b| !is_ws(**b)), Some(b'{' | b']'))
        }
        Some(b'{') => {
            let line_end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let first_line = rest.get(..line_end).unwrap_or_default();
            serde_json::from_slice::<IgnoredAny>(first_line).is_err()
        }
        _ => false,
    }
}

/// Hands every record of the document in `data` to `sink` (offset = record number). A
/// document that is not valid JSON (truncated export, corrupt element) is reported with the
/// record where it breaks; its records are still parsed, so the parser flags the bad one.
pub fn read_records(input: &Input, data: &[u8], sink: &mut dyn RecordSink, stats: &mut ReadStats) {
    let broken_at = serde_json::from_slice::<IgnoredAny>(data)
        .err()
        .map(|e| (byte_offset(data, e.line(), e.column()), e));
    let base = data.as_ptr() as usize;
    let mut reported = false;
    let mut n = 0u64;
    for raw in records(data) {
        n += 1;
        let start = (raw.as_ptr() as usize).saturating_sub(base);
        if let Some((at, err)) = &broken_at {
            if !reported && start + raw.len() >= *at {
                reported = true;
                stats.read_errors += 1;
                report(
                    input,
                    Some(n),
                    &InputError::InvalidDocument(err.to_string()),
                );
            }
        }
        stats.records += 1;
        sink.record(Record {
            input: input.index,
            offset: n,
            payload: Payload::Raw(raw),
        });
    }
    if let (false, Some((_, err))) = (reported, &broken_at) {
        stats.read_errors += 1;
        report(
            input,
            Some(n + 1),
            &InputError::InvalidDocument(err.to_string()),
        );
    }
}

/// Byte offset of 1-based `line`, `column` (as serde_json reports them) in `data`.
fn byte_offset(data: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', data)
            .nth(line - 2)
            .map_or(data.len(), |i| i + 1)
    };
    line_start
        .saturating_add(column.saturating_sub(1))
        .min(data.len())
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(data: &[u8]) -> (Vec<(u64, String)>, ReadStats) {
        let input = Input {
            index: 0,
            path: None,
        };
        let mut out = Vec::new();
        let mut stats = ReadStats::default();
        let mut sink = |r: Record<'_>| {
            if let Payload::Raw(b) = r.payload {
                out.push((r.offset, String::from_utf8_lossy(b).into_owned()));
            }
        };
        read_records(&input, data, &mut sink, &mut stats);
        (out, stats)
    }

    #[test]
    fn arrays_and_envelopes_yield_one_record_per_element() {
        let (out, stats) = read(b"[\n {\"a\": \"x]\"},\n {\"b\": [1]}\n]\n");
        assert_eq!(
            out,
            vec![(1, "{\"a\": \"x]\"}".into()), (2, "{\"b\": [1]}".into())]
        );
        assert_eq!(stats.read_errors, 0);
        let (out, _) = read(b"{\n \"value\": [\n  {\"c\": 1},\n  {\"d\": 2}\n ]\n}\n");
        assert_eq!(
            out,
            vec![(1, "{\"c\": 1}".into()), (2, "{\"d\": 2}".into())]
        );
    }

    #[test]
    fn a_truncated_document_is_reported_and_its_good_records_still_count() {
        let (out, stats) = read(b"[{\"a\":1},\n{\"b\":2},\n{\"c\":");
        assert_eq!(out.len(), 3);
        assert_eq!(out[0], (1, "{\"a\":1}".into()));
        assert_eq!(stats.read_errors, 1);
    }

    #[test]
    fn documents_are_told_from_lines() {
        assert!(is_document(b"\n [\n {"));
        assert!(is_document(b"[]"));
        assert!(is_document(b"{\n  \"id\": 1\n}"));
        assert!(!is_document(b"{\"a\":1}\n{\"a\":2}\n"));
        assert!(!is_document(b"[client 1.2.3.4] x"));
        assert!(!is_document(b"<13>1 2026-01-01T00:00:00Z h a - - - x"));
    }
}

//! Splits a JSON document into raw record slices without parsing them: a top-level array
//! (`[{…},{…}]`), NDJSON or concatenated objects (`{…}\n{…}`), and the envelopes Azure wraps
//! records in (`{"records":[…]}` from Event Hub / diagnostic settings, `{"value":[…]}` from
//! Microsoft Graph list responses). Each slice is one value, ready for `json::extract`.
//!
//! The scanner only tracks strings, escapes and nesting depth; it does not validate. A value
//! left unterminated is yielded as the rest of the input, so the extractor reports it.

/// Keys whose array value holds the records of an envelope object.
const ENVELOPE_KEYS: [&[u8]; 2] = [b"records", b"value"];

/// Iterator over the raw records of `body`; see the module docs.
pub fn records(body: &[u8]) -> Records<'_> {
    Records {
        buf: body,
        pos: 0,
        array: None,
    }
}

/// See [`records`].
#[derive(Clone, Debug)]
pub struct Records<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Inside an array: (offset of its closing `]` or end of input, where to resume after).
    array: Option<(usize, usize)>,
}

impl<'a> Iterator for Records<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            match self.array {
                Some((limit, resume)) => {
                    self.pos = skip_ws_and_commas(self.buf, self.pos, limit);
                    if self.pos >= limit {
                        self.array = None;
                        self.pos = resume;
                        continue;
                    }
                    let start = self.pos;
                    let end = value_end(self.buf, start).unwrap_or(limit).min(limit);
                    // Always advance, even over a stray byte, so the loop terminates.
                    self.pos = end.max(start + 1);
                    return self.buf.get(start..end);
                }
                None => {
                    self.pos = skip_ws_and_commas(self.buf, self.pos, self.buf.len());
                    let start = self.pos;
                    let first = *self.buf.get(start)?;
                    let end = value_end(self.buf, start).unwrap_or(self.buf.len());
                    match first {
                        b'[' => {
                            let limit = if end > start + 1 && self.buf[end - 1] == b']' {
                                end - 1
                            } else {
                                end
                            };
                            self.array = Some((limit, end));
                            self.pos = start + 1;
                        }
                        b'{' => match envelope_array(self.buf, start, end) {
                            Some(array_start) => {
                                let array_end = value_end(self.buf, array_start).unwrap_or(end);
                                let limit =
                                    if self.buf.get(array_end.wrapping_sub(1)) == Some(&b']') {
                                        array_end - 1
                                    } else {
                                        array_end
                                    };
                                self.array = Some((limit.min(end), end));
                                self.pos = array_start + 1;
                            }
                            None => {
                                self.pos = end.max(start + 1);
                                return self.buf.get(start..end);
                            }
                        },
                        _ => {
                            self.pos = end.max(start + 1);
                            return self.buf.get(start..end.max(start + 1));
                        }
                    }
                }
            }
        }
    }
}

fn skip_ws_and_commas(buf: &[u8], mut pos: usize, limit: usize) -> usize {
    while pos < limit {
        match buf.get(pos) {
            Some(b' ' | b'\t' | b'\r' | b'\n' | b',' | 0) => pos += 1,
            _ => break,
        }
    }
    pos
}

/// End (exclusive) of the JSON value starting at `start`; `None` when it is unterminated.
/// Scalars end at whitespace or a structural character.
pub(crate) fn value_end(buf: &[u8], start: usize) -> Option<usize> {
    match buf.get(start)? {
        b'"' => string_end(buf, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            while let Some(&c) = buf.get(i) {
                match c {
                    b'"' => {
                        i = string_end(buf, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let rest = buf.get(start..)?;
            let n = rest
                .iter()
                .position(|c| {
                    matches!(
                        c,
                        b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}' | b'[' | b'{'
                    )
                })
                .unwrap_or(rest.len());
            Some(start + n.max(1))
        }
    }
}

/// End (exclusive) of the string whose opening quote is at `start`.
fn string_end(buf: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        let rel = memchr::memchr2(b'"', b'\\', buf.get(i..)?)?;
        i += rel;
        if buf.get(i) == Some(&b'\\') {
            i += 2;
        } else {
            return Some(i + 1);
        }
    }
}

/// Whether `body` is a list of records rather than one record: a top-level array, or an
/// envelope (`{"records":[…]}` from Event Hub, `{"@odata.context":…,"value":[…]}` from
/// Graph). Cheap for ordinary records: only the first key is looked at before deciding.
pub fn holds_record_list(body: &[u8]) -> bool {
    let start = skip_ws_and_commas(body, 0, body.len());
    match body.get(start) {
        Some(b'[') => true,
        Some(b'{') => {
            let key_start = skip_ws_and_commas(body, start + 1, body.len());
            if body.get(key_start) != Some(&b'"') {
                return false;
            }
            let Some(key_end) = string_end(body, key_start) else {
                return false;
            };
            let first_key = &body[key_start + 1..key_end - 1];
            let envelope_like =
                ENVELOPE_KEYS.contains(&first_key) || first_key.starts_with(b"@odata.");
            envelope_like && envelope_array(body, start, body.len()).is_some()
        }
        _ => false,
    }
}

/// If the object at `start..end` is an envelope, the offset of its records array.
fn envelope_array(buf: &[u8], start: usize, end: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        i = skip_ws_and_commas(buf, i, end);
        if buf.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(buf, i)?;
        let key = buf.get(i + 1..key_end - 1)?;
        i = skip_ws_and_commas(buf, key_end, end);
        if buf.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws_and_commas(buf, i + 1, end);
        if buf.get(i) == Some(&b'[') && ENVELOPE_KEYS.contains(&key) {
            return Some(i);
        }
        i = value_end(buf, i)?;
        if i >= end {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn record_lists_are_told_from_single_records() {
        use super::holds_record_list as list;
        assert!(list(br#" [{"a":1},{"b":2}]"#));
        assert!(list(br#"{"records": [{"a":1}]}"#));
        assert!(list(
            br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns","value":[{"id":"1"}]}"#
        ));
        assert!(!list(
            br#"{"EventTime":"2026-11-23 10:15:02","records":[1]}"#
        ));
        assert!(!list(br#"{"records":"not a list"}"#));
        assert!(!list(br#"{"value":5}"#));
        assert!(!list(br#"{"records"#));
        assert!(!list(b""));
        assert!(!list(b"LEEF:2.0|"));
    }

    use super::*;

    fn all(body: &str) -> Vec<&str> {
        records(body.as_bytes())
            .map(|r| std::str::from_utf8(r).unwrap())
            .collect()
    }

    #[test]
    fn splits_arrays_ndjson_and_envelopes() {
        assert_eq!(
            all(" [ {\"a\":\"x]}\"} ,\n {\"b\":[1,{\"c\":2}]} ] "),
            ["{\"a\":\"x]}\"}", "{\"b\":[1,{\"c\":2}]}"]
        );
        assert_eq!(
            all("{\"a\":1}\n{\"a\":\"\\\"\"}\n"),
            ["{\"a\":1}", "{\"a\":\"\\\"\"}"]
        );
        assert_eq!(
            all("{\"records\": [{\"x\":1},{\"y\":2}]}"),
            ["{\"x\":1}", "{\"y\":2}"]
        );
        assert_eq!(
            all("{\"@odata.context\":\"u\",\"value\":[{\"id\":\"1\"}],\"@odata.nextLink\":\"n\"}"),
            ["{\"id\":\"1\"}"]
        );
        // `value` that is not an array is an ordinary field.
        assert_eq!(all("{\"value\":3}"), ["{\"value\":3}"]);
        assert_eq!(all("[]"), Vec::<&str>::new());
        assert_eq!(all(""), Vec::<&str>::new());
    }

    #[test]
    fn unterminated_input_is_yielded_not_lost() {
        assert_eq!(all("[{\"a\":1},{\"b\":"), ["{\"a\":1}", "{\"b\":"]);
        assert_eq!(all("{\"a\":\"x"), ["{\"a\":\"x"]);
    }

    proptest::proptest! {
        #[test]
        fn terminates_and_yields_subslices(s in "[\\[\\]{}\",:a\\\\ 0-9\n]{0,64}") {
            let n = records(s.as_bytes()).take(1000).count();
            proptest::prop_assert!(n <= s.len() + 1);
        }
    }
}

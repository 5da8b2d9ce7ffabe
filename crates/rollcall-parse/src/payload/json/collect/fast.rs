//! The common case without serde: one pass over a record that reads it exactly as the serde
//! pass ([`super::ValueSeed`]) would and stores the same values in the same order, or gives
//! up. It gives up (`None`) on everything unusual: any syntax error or end of input, an
//! escape in a key or in a value that would be decoded, a number that is not a plain
//! integer where serde would parse one, nesting deeper than [`MAX_DEPTH`], non-ASCII where
//! serde would check UTF-8 and the check fails. The caller then runs the serde pass from the
//! start, so errors, partial results and every corner of serde_json's behaviour stay its own.
//!
//! What makes it cheaper: strings are scanned eight bytes at a time and an escape costs a
//! couple of comparisons, where serde_json restarts its scan after each one (a rendered
//! message holds ~150 `\r`, `\n`, `\t`), and no `Visitor` / `MapAccess` machinery runs per
//! value.
//!
//! Acceptance must never be looser than serde_json's: every rule below mirrors the serde_json
//! 1.0 code path it stands for (`parse_whitespace`, `ignore_value`, `ignore_str`,
//! `ignore_integer`, `deserialize_any`, `MapKey`, `RawValue`). The differential tests in
//! `json/tests.rs` compare both passes on fixtures and on mutated fixtures.

use std::borrow::Cow;

use super::{action_for, Action, Collected, Leaf, RawText, Scalar};

/// Deeper nesting is left to serde (its recursion limit applies to what it descends into).
const MAX_DEPTH: usize = 64;

/// Collects `record` (starting at its first byte) into `rec`; `None`: use the serde pass.
pub(super) fn collect<'de>(record: &'de [u8], rec: &mut Collected<'de>) -> Option<()> {
    let mut p = Reader {
        b: record,
        i: 0,
        depth: 0,
    };
    rec.settled = rec.settled();
    p.ws();
    // As `ValueSeed::record`: the whole record is a value in the root context. Only the first
    // value is read; what follows it is not looked at (serde is not asked to either).
    p.value(super::object(super::Ctx::Root), rec)
}

struct Reader<'de> {
    b: &'de [u8],
    i: usize,
    depth: usize,
}

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Eight bytes as a little-endian word (`bytes.len() == 8`).
#[inline]
fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

/// High bit set in (at least) the lowest byte of `w` that is `"`, `\` or below 0x20 (bytes
/// above it may be flagged falsely; only the lowest is used).
#[inline]
fn specials(w: u64) -> u64 {
    let quote = w ^ (LOW_BITS * u64::from(b'"'));
    let backslash = w ^ (LOW_BITS * u64::from(b'\\'));
    let has_zero = |x: u64| x.wrapping_sub(LOW_BITS) & !x;
    let control = w.wrapping_sub(LOW_BITS * 0x20) & !w;
    (has_zero(quote) | has_zero(backslash) | control) & HIGH_BITS
}

/// What a scanned string held.
struct Str {
    /// Offset of the opening quote.
    start: usize,
    /// Offset just past the closing quote.
    end: usize,
    escaped: bool,
}

impl<'de> Reader<'de> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// serde_json `parse_whitespace`.
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Scans the string whose opening quote is at `self.i` with serde_json `ignore_str`'s
    /// rules: control characters are errors, an escape is one of `"\/bfnrt` or `u` and four
    /// hex digits; UTF-8 is not checked (the caller checks it where serde would).
    ///
    /// Eight bytes at a time: each word's special bytes (`"`, `\`, controls) are found at
    /// once and visited in order without scanning the word again, so the escapes of a
    /// rendered message (`\r\n\t\t` every few bytes) cost a few instructions each.
    fn string(&mut self) -> Option<Str> {
        let start = self.i;
        if self.peek() != Some(b'"') {
            return None;
        }
        let mut escaped = false;
        // Bytes before this were consumed by an escape (its second byte may be `"` or `\`).
        let mut skip_until = start + 1;
        let mut i = start + 1;
        while let Some(chunk) = self.b.get(i..i + 8) {
            let mut m = specials(word(chunk));
            let base = i;
            i += 8;
            while m != 0 {
                let k = base + (m.trailing_zeros() / 8) as usize;
                m &= m - 1;
                if k < skip_until {
                    continue;
                }
                match self.special(k, &mut skip_until, &mut escaped)? {
                    Some(end) => return self.string_ends(start, end, escaped),
                    None => continue,
                }
            }
            i = i.max(skip_until);
        }
        // The last few bytes, one at a time.
        let mut k = i;
        while let Some(&c) = self.b.get(k) {
            if k >= skip_until && (c == b'"' || c == b'\\' || c < 0x20) {
                if let Some(end) = self.special(k, &mut skip_until, &mut escaped)? {
                    return self.string_ends(start, end, escaped);
                }
            }
            k += 1;
        }
        None
    }

    /// A byte the word scan flagged at `k` (possibly falsely: checked here). `Some(Some(end))`
    /// at the closing quote, `Some(None)` to go on (after an escape: `skip_until` past it),
    /// `None` on an error.
    #[inline(always)]
    fn special(
        &self,
        k: usize,
        skip_until: &mut usize,
        escaped: &mut bool,
    ) -> Option<Option<usize>> {
        match *self.b.get(k)? {
            b'"' => Some(Some(k + 1)),
            b'\\' => {
                *escaped = true;
                *skip_until = k + match *self.b.get(k + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                    b'u' => {
                        let hex = self.b.get(k + 2..k + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        6
                    }
                    _ => return None,
                };
                Some(None)
            }
            c if c < 0x20 => None,
            _ => Some(None),
        }
    }

    fn string_ends(&mut self, start: usize, end: usize, escaped: bool) -> Option<Str> {
        self.i = end;
        Some(Str {
            start,
            end,
            escaped,
        })
    }

    /// serde_json `ignore_integer` (+ decimal and exponent), after an optional `-`.
    fn skip_number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => {
                self.i += 1;
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return None;
                }
            }
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return None;
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return None;
            }
            self.digits();
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }

    /// `true`, `false` or `null` at `self.i`, exactly.
    fn literal(&mut self) -> Option<()> {
        let word: &[u8] = match self.peek()? {
            b't' => b"true",
            b'f' => b"false",
            b'n' => b"null",
            _ => return None,
        };
        if self.b.get(self.i..self.i + word.len())? != word {
            return None;
        }
        self.i += word.len();
        Some(())
    }

    /// A value nothing is wanted from: serde_json `ignore_value`.
    fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                let mut more = self.open()?;
                while more {
                    // `ignore_value` reads keys with `ignore_str` too.
                    self.string()?;
                    self.colon()?;
                    self.skip()?;
                    more = self.next(b'}')?;
                }
                Some(())
            }
            b'[' => {
                let mut more = self.open()?;
                while more {
                    self.skip()?;
                    more = self.next(b']')?;
                }
                Some(())
            }
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => self.literal(),
        }
    }

    /// Enters the object or array at `self.i`; whether it has elements (`false`: it was
    /// empty and is already left).
    fn open(&mut self) -> Option<bool> {
        let close = match self.peek()? {
            b'{' => b'}',
            _ => b']',
        };
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.i += 1;
        self.ws();
        if self.peek()? == close {
            self.i += 1;
            self.depth -= 1;
            return Some(false);
        }
        Some(true)
    }

    /// After a key: whitespace, `:`, whitespace.
    fn colon(&mut self) -> Option<()> {
        self.ws();
        if self.peek()? != b':' {
            return None;
        }
        self.i += 1;
        self.ws();
        Some(())
    }

    /// After an element: `,` (another follows: `true`) or `close` (left: `false`). A comma
    /// must be followed by an element (serde_json rejects trailing commas): the element's
    /// own reader checks that.
    fn next(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.i += 1;
                self.ws();
                Some(true)
            }
            c if c == close => {
                self.i += 1;
                self.depth -= 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// Skips the rest of an object whose keys serde reads as `&str` (`next_entry::<IgnoredAny,
    /// IgnoredAny>`: UTF-8 and escapes checked): plain ASCII keys only here.
    fn skip_entries(&mut self, mut more: bool) -> Option<()> {
        while more {
            let key = self.string()?;
            if key.escaped || !self.b.get(key.start..key.end)?.is_ascii() {
                return None;
            }
            self.colon()?;
            self.skip()?;
            more = self.next(b'}')?;
        }
        Some(())
    }

    /// The value at `self.i` as [`super::ValueSeed::deserialize`] reads it under `action`.
    fn value(&mut self, action: Action, rec: &mut Collected<'de>) -> Option<()> {
        match action {
            Action {
                leaf: None,
                object: None,
                array: None,
            } => self.skip(),
            Action {
                leaf: Some(Leaf::Message),
                object: None,
                array: None,
            } => {
                // `RawValue`: any value, its text checked as UTF-8. Only strings are kept;
                // anything else is left to serde.
                let s = self.string()?;
                let raw = std::str::from_utf8(self.b.get(s.start..s.end)?).ok()?;
                if rec.message.is_none() && raw != "\"\"" {
                    rec.message = Some(RawText(raw));
                }
                Some(())
            }
            _ => self.any(action, rec),
        }
    }

    /// serde_json `deserialize_any` with the `ValueSeed` visitor.
    fn any(&mut self, action: Action, rec: &mut Collected<'de>) -> Option<()> {
        match self.peek()? {
            b'{' => {
                let mut more = self.open()?;
                // `visit_map`: keys of a context are looked up until the record is settled;
                // the rest of the entries (all of them without a context) are skipped.
                if let Some(ctx) = action.object {
                    while more && !rec.settled {
                        let key = self.string()?;
                        if key.escaped {
                            // `KeySeed` decodes escapes: leave those to serde.
                            return None;
                        }
                        let name = self.b.get(key.start + 1..key.end - 1)?;
                        let action = action_for(ctx, name);
                        self.colon()?;
                        self.value(action, rec)?;
                        more = self.next(b'}')?;
                    }
                }
                self.skip_entries(more)
            }
            b'[' => {
                let mut more = self.open()?;
                // `visit_seq`: the elements of a context (the first only for envelopes)
                // until the record is settled, then the rest skipped.
                if let Some((ctx, first_only)) = action.array.filter(|_| !rec.settled) {
                    let element = super::object(ctx);
                    let mut first = true;
                    while more && (first || (!first_only && !rec.settled)) {
                        first = false;
                        self.value(element, rec)?;
                        more = self.next(b']')?;
                    }
                }
                while more {
                    self.skip()?;
                    more = self.next(b']')?;
                }
                Some(())
            }
            b'"' => {
                let s = self.string()?;
                if s.escaped {
                    // serde decodes (and checks) escapes: leave those to it.
                    return None;
                }
                let text = std::str::from_utf8(self.b.get(s.start + 1..s.end - 1)?).ok()?;
                if let Some(leaf) = action.leaf {
                    rec.put(leaf, Scalar::Str(Cow::Borrowed(text)));
                }
                Some(())
            }
            b'0'..=b'9' => {
                // Plain non-negative integers that fit without overflow; serde parses the
                // rest (negative, fractions, exponents, long numbers).
                let start = self.i;
                let mut n: i64 = 0;
                while let Some(c @ b'0'..=b'9') = self.peek() {
                    if self.i - start >= 18 {
                        return None;
                    }
                    n = n * 10 + i64::from(c - b'0');
                    self.i += 1;
                }
                if self.b.get(start) == Some(&b'0') && self.i - start > 1 {
                    return None;
                }
                if let Some(b'.' | b'e' | b'E') = self.peek() {
                    return None;
                }
                if let Some(leaf) = action.leaf {
                    rec.put(leaf, Scalar::Int(n));
                }
                Some(())
            }
            // Booleans and null say nothing to any leaf.
            b't' | b'f' | b'n' => self.literal(),
            _ => None,
        }
    }
}

//! Percent-encoding of LEEF attribute values: the only "escaping" rollcall does.
//!
//! IBM defines no escape mechanism for LEEF, and third-party parsers disagree about backslash
//! escapes (nsyslog-parser splits a pair on *every* `=`, ends the extension at a `|`; OTel and
//! Tenzir trim values). So a value never contains a byte any of them treats specially: those
//! bytes are written as `%XX` (uppercase hex of each UTF-8 byte), which every parser passes
//! through untouched and which [`percent_decode`] reverses exactly.
//!
//! Encoded: `% ^ | = \ " '`, the comma inside list items (it separates them), ASCII control
//! bytes (< 0x20, 0x7F), a space at the start or end of a value or list item, and — beyond what
//! DESIGN.md lists — Unicode control characters (C1, U+0080–U+009F, e.g. NEL) and non-ASCII
//! white space (NBSP, U+2028, U+3000, BOM, …): Unicode-aware trimming (JS `String.trim`, Go
//! `strings.TrimSpace`) and line-splitting would otherwise eat or break on them. Every other
//! UTF-8 character passes through unchanged.

use std::borrow::Cow;

/// Where a value sits: list items also encode the comma that separates them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Scalar,
    ListItem,
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn push_escaped_byte(out: &mut Vec<u8>, b: u8) {
    out.extend_from_slice(&[
        b'%',
        HEX_UPPER[usize::from(b >> 4)],
        HEX_UPPER[usize::from(b & 0x0F)],
    ]);
}

fn ascii_needs_encoding(b: u8, kind: ValueKind) -> bool {
    matches!(
        b,
        b'%' | b'^' | b'|' | b'=' | b'\\' | b'"' | b'\'' | 0x00..=0x1F | 0x7F
    ) || (b == b',' && kind == ValueKind::ListItem)
}

/// Non-ASCII characters that some parser would trim or treat as a line break.
fn non_ascii_needs_encoding(c: char) -> bool {
    c.is_control() || c.is_whitespace() || c == '\u{FEFF}'
}

/// Whether the character `c` at byte `i` of a value whose last byte is at `last` is encoded.
fn char_needs_encoding(c: char, i: usize, last: usize, kind: ValueKind) -> bool {
    if c.is_ascii() {
        let b = c as u8;
        ascii_needs_encoding(b, kind) || (b == b' ' && (i == 0 || i == last))
    } else {
        non_ascii_needs_encoding(c)
    }
}

/// Appends `value` to `out`, percent-encoded for a LEEF attribute value.
pub fn write_value(out: &mut Vec<u8>, value: &str, kind: ValueKind) {
    let last = value.len().saturating_sub(1);
    for (i, c) in value.char_indices() {
        let mut utf8 = [0u8; 4];
        let bytes = c.encode_utf8(&mut utf8).as_bytes();
        if char_needs_encoding(c, i, last, kind) {
            for &b in bytes {
                push_escaped_byte(out, b);
            }
        } else {
            out.extend_from_slice(bytes);
        }
    }
}

/// The byte length [`write_value`] would append.
pub fn encoded_len(value: &str, kind: ValueKind) -> usize {
    let last = value.len().saturating_sub(1);
    value
        .char_indices()
        .map(|(i, c)| {
            let n = c.len_utf8();
            if char_needs_encoding(c, i, last, kind) {
                3 * n
            } else {
                n
            }
        })
        .sum()
}

/// The longest prefix of `s` that is at most `max_bytes` long and ends on a char boundary.
pub fn cut_utf8(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// Reverses [`write_value`] (and any `%XX` encoding): `None` for a malformed escape or when the
/// decoded bytes are not UTF-8. Borrows when there is nothing to decode.
pub fn percent_decode(text: &str) -> Option<Cow<'_, str>> {
    if !text.contains('%') {
        return Some(Cow::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = hex_digit(*bytes.get(i + 1)?)?;
            let lo = hex_digit(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str, kind: ValueKind) -> String {
        let mut out = Vec::new();
        write_value(&mut out, s, kind);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn encodes_leef_metacharacters() {
        assert_eq!(
            enc("a%b^c|d=e\\f\"g'h,i", ValueKind::Scalar),
            "a%25b%5Ec%7Cd%3De%5Cf%22g%27h,i"
        );
        assert_eq!(enc("o'brien,x", ValueKind::ListItem), "o%27brien%2Cx");
        assert_eq!(enc("CORP\\kjones", ValueKind::ListItem), "CORP%5Ckjones");
    }

    #[test]
    fn encodes_controls_and_edge_spaces_only() {
        assert_eq!(
            enc("a\r\n\tb\0\x7F", ValueKind::Scalar),
            "a%0D%0A%09b%00%7F"
        );
        assert_eq!(enc(" a b ", ValueKind::Scalar), "%20a b%20");
        assert_eq!(enc(" ", ValueKind::Scalar), "%20");
        assert_eq!(enc("", ValueKind::Scalar), "");
    }

    #[test]
    fn passes_ordinary_utf8_and_encodes_unicode_space_and_c1() {
        assert_eq!(enc("jürgen😀", ValueKind::ListItem), "jürgen😀");
        assert_eq!(enc("a\u{A0}b", ValueKind::Scalar), "a%C2%A0b");
        assert_eq!(enc("a\u{85}b", ValueKind::Scalar), "a%C2%85b");
        assert_eq!(enc("\u{2028}", ValueKind::Scalar), "%E2%80%A8");
        assert_eq!(enc("\u{FEFF}x", ValueKind::Scalar), "%EF%BB%BFx");
        assert_eq!(enc("\u{3000}", ValueKind::Scalar), "%E3%80%80");
    }

    #[test]
    fn decodes_what_it_encodes() {
        for s in ["", "plain", "%", "a^b|c=d", " x ", "😀,\u{85}\r\n", "%41"] {
            let e = enc(s, ValueKind::ListItem);
            assert_eq!(percent_decode(&e).unwrap(), s, "{e}");
            assert_eq!(encoded_len(s, ValueKind::ListItem), e.len());
        }
        assert_eq!(percent_decode("%e2%82%ac").unwrap(), "€");
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%G0"), None);
        assert_eq!(percent_decode("%FF"), None);
    }

    #[test]
    fn cuts_on_char_boundaries() {
        assert_eq!(cut_utf8("abc", 5), "abc");
        assert_eq!(cut_utf8("abc", 2), "ab");
        assert_eq!(cut_utf8("a😀", 4), "a");
        assert_eq!(cut_utf8("a😀", 5), "a😀");
        assert_eq!(cut_utf8("😀", 0), "");
    }
}

//! Payload formats found after (or instead of) a syslog header.
//!
//! Every module exposes `extract(body, &mut WinFields) -> Result<(), ParseError>`, which finds
//! the Windows/Azure fields in its own syntax, plus its own borrowed views for tests and fuzzing.

pub mod cef;
pub mod json;
pub mod kv;
pub mod leef;
pub mod snare;
pub mod wintext;

use crate::error::ParseError;
use crate::fields::WinFields;

/// A `memmem` searcher for a fixed needle, built on first use and kept: `memmem::find` builds
/// a fresh `Finder` (ranking the needle's bytes, choosing a prefilter) on every call, which
/// cost more than the search over the short windows it is used on (`LEEF:`, `CEF:`,
/// `MSWinEventLog` near the start of every frame that passes the prefilter).
macro_rules! finder {
    ($needle:expr) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        &*FINDER
    }};
}
pub(crate) use finder;

/// The format a message was recognised as (DESIGN.md `parse` output names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Leef,
    Cef,
    Rfc5424,
    Rfc3164,
    Json,
    Snare,
    Kv,
    Text,
    Unknown,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::Leef,
        Format::Cef,
        Format::Rfc5424,
        Format::Rfc3164,
        Format::Json,
        Format::Snare,
        Format::Kv,
        Format::Text,
        Format::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Leef => "leef",
            Format::Cef => "cef",
            Format::Rfc5424 => "rfc5424",
            Format::Rfc3164 => "rfc3164",
            Format::Json => "json",
            Format::Snare => "snare",
            Format::Kv => "kv",
            Format::Text => "text",
            Format::Unknown => "unknown",
        }
    }
}

/// Recognises the payload format from the start of the body (after the syslog header).
/// `None` means "no structured payload": the message is plain text of its header's format.
pub fn detect(body: &[u8]) -> Option<Format> {
    let b = trim_start(body);
    if b.first() == Some(&b'{') || is_json_array_start(b) {
        return Some(Format::Json);
    }
    // Both look a little past a short tag (`nxlog: LEEF:…`) and require a version digit.
    if leef::looks_like(b) {
        return Some(Format::Leef);
    }
    if cef::looks_like(b) {
        return Some(Format::Cef);
    }
    if snare::looks_like(b) {
        return Some(Format::Snare);
    }
    if kv::looks_like(b) {
        return Some(Format::Kv);
    }
    if wintext::looks_like(b) {
        return Some(Format::Text);
    }
    None
}

/// Runs the extractor for `format` over `body`.
pub fn extract<'a>(
    format: Format,
    body: &'a [u8],
    out: &mut WinFields<'a>,
) -> Result<(), ParseError> {
    match format {
        Format::Leef => leef::extract(body, out),
        Format::Cef => cef::extract(body, out),
        Format::Json => json::extract(body, out),
        Format::Snare => snare::extract(body, out),
        Format::Kv => kv::extract(body, out),
        Format::Text => wintext::extract(body, out),
        Format::Rfc5424 | Format::Rfc3164 | Format::Unknown => Ok(()),
    }
}

/// `[` opens a JSON array only when an object (or the array's end) follows: `[audit] …`,
/// `[2026-11-23 …]` and broken RFC 5424 structured data are text, not JSON.
fn is_json_array_start(b: &[u8]) -> bool {
    match b.split_first() {
        Some((b'[', rest)) => matches!(trim_start(rest).first(), Some(b'{') | Some(b']')),
        _ => false,
    }
}

pub(crate) fn trim_start(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n' | 0))
        .unwrap_or(b.len());
    &b[n..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_are_json_only_when_an_object_follows() {
        assert_eq!(detect(b"[{\"a\":1}]"), Some(Format::Json));
        assert_eq!(detect(b"[ \n {\"a\":1}]"), Some(Format::Json));
        assert_eq!(detect(b"[]"), Some(Format::Json));
        assert_eq!(detect(b"[audit] user logged in"), None);
        assert_eq!(detect(b"[2026-11-23 10:00:00] started"), None);
        assert_eq!(detect(b"{\"EventID\":4625}"), Some(Format::Json));
    }
}

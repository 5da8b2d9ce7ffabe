//! RFC 3164 header parser. (Being written: see issue 3.)

use super::SyslogHeader;

/// Parses an RFC 3164 (BSD) header; `None` when the frame has none.
pub fn parse(_frame: &[u8]) -> Option<(SyslogHeader<'_>, &[u8])> {
    None
}

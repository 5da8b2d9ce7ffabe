//! RFC 5424 header parser. (Being written: see issue 3.)

use super::SyslogHeader;

/// Parses an RFC 5424 header; `None` when the frame is not RFC 5424.
pub fn parse(_frame: &[u8]) -> Option<(SyslogHeader<'_>, &[u8])> {
    None
}

/// Feeds Windows fields carried as SD-PARAMs (NXLog/Winlogbeat 5424 senders put event data
/// there) into `out`.
pub fn extract_sd<'a>(
    _sd: &'a [u8],
    _out: &mut crate::fields::WinFields<'a>,
) -> Result<(), crate::error::ParseError> {
    Ok(())
}

//! Syslog headers: RFC 5424, RFC 3164 and the broken variants real devices send.
//!
//! [`parse_header`] never fails: a frame without a recognisable header is returned whole as
//! the message body with [`HeaderKind::None`].

pub mod rfc3164;
pub mod rfc5424;

use crate::time::{civil_to_epoch_ms, infer_year};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderKind {
    Rfc5424,
    Rfc3164,
    /// No syslog header at all (a relay forwarded the bare payload).
    None,
}

/// A header timestamp. RFC 3164 carries no year (and usually no zone): its year is resolved
/// against the caller's clock by [`SyslogTime::resolve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyslogTime {
    /// Fully specified instant, epoch ms UTC.
    Absolute(i64),
    /// Date and time without a zone (`2026-11-23 10:15:02`, `Nov 23 2026 10:15:02`): the
    /// sender's wall clock, taken as UTC.
    Local(i64),
    /// `Mmm dd hh:mm:ss[.fff]` without a year, taken as UTC.
    NoYear {
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        millis: u16,
    },
}

impl SyslogTime {
    /// Whether the timestamp stated its zone (only then is it a known instant).
    pub fn zone_known(self) -> bool {
        matches!(self, SyslogTime::Absolute(_))
    }

    pub fn resolve(self, now_ms: i64) -> Option<i64> {
        match self {
            SyslogTime::Absolute(ms) | SyslogTime::Local(ms) => Some(ms),
            SyslogTime::NoYear {
                month,
                day,
                hour,
                minute,
                second,
                millis,
            } => {
                let year = infer_year(month as u32, now_ms);
                civil_to_epoch_ms(
                    year,
                    month as u32,
                    day as u32,
                    hour as u32,
                    minute as u32,
                    second as u32,
                    millis as u32,
                )
                // Feb 29 in a non-leap inferred year: try the year before.
                .or_else(|| {
                    civil_to_epoch_ms(
                        year - 1,
                        month as u32,
                        day as u32,
                        hour as u32,
                        minute as u32,
                        second as u32,
                        millis as u32,
                    )
                })
            }
        }
    }
}

/// The parsed syslog header. All views borrow from the frame. `-` (NILVALUE) is `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyslogHeader<'a> {
    pub kind: HeaderKind,
    /// PRI value 0..=191, when present.
    pub pri: Option<u8>,
    pub timestamp: Option<SyslogTime>,
    pub hostname: Option<&'a str>,
    pub app_name: Option<&'a str>,
    pub proc_id: Option<&'a str>,
    pub msg_id: Option<&'a str>,
    /// RFC 5424 STRUCTURED-DATA exactly as sent (`[id k="v"]…`), `None` for NILVALUE.
    pub structured_data: Option<&'a [u8]>,
}

impl SyslogHeader<'_> {
    pub const NONE: SyslogHeader<'static> = SyslogHeader {
        kind: HeaderKind::None,
        pri: None,
        timestamp: None,
        hostname: None,
        app_name: None,
        proc_id: None,
        msg_id: None,
        structured_data: None,
    };
}

/// `PRI = "<" PRIVAL ">"`, `PRIVAL = 1*3DIGIT` in 0..=191 (RFC 5424 §6.2.1; RFC 3164 §4.1.1).
/// Returns the value and the input after `>`.
pub fn parse_pri(input: &[u8]) -> Option<(u8, &[u8])> {
    use nom::bytes::complete::take_while_m_n;
    use nom::character::complete::char;
    use nom::sequence::delimited;
    let digits = take_while_m_n(1, 3, |b: u8| b.is_ascii_digit());
    let (rest, digits): (&[u8], &[u8]) =
        delimited(char::<&[u8], ()>('<'), digits, char('>'))(input).ok()?;
    let value = digits
        .iter()
        .fold(0u16, |v, d| v * 10 + u16::from(d - b'0'));
    u8::try_from(value)
        .ok()
        .filter(|v| *v <= 191)
        .map(|v| (v, rest))
}

/// Drops spaces in front of `<`: Cisco ASA (and relays copying it) send ` <181>…`.
pub(crate) fn skip_spaces_before_pri(frame: &[u8]) -> &[u8] {
    let lead = frame.iter().position(|&b| b != b' ').unwrap_or(0);
    match frame.get(lead..) {
        Some(rest) if lead > 0 && rest.first() == Some(&b'<') => rest,
        _ => frame,
    }
}

/// Splits a frame into its syslog header and message body. Tries RFC 5424, then RFC 3164
/// (with its real-world variants); otherwise the whole frame is the body.
pub fn parse_header(frame: &[u8]) -> (SyslogHeader<'_>, &[u8]) {
    if let Some(parsed) = rfc5424::parse(frame) {
        return parsed;
    }
    if let Some(parsed) = rfc3164::parse(frame) {
        return parsed;
    }
    (SyslogHeader::NONE, frame)
}

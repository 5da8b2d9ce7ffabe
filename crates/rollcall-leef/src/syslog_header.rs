//! The RFC 3164 header in front of every LEEF line: `<PRI>Mmm dd hh:mm:ss HOSTNAME `.
//!
//! QRadar routes an event to its log source by the header HOSTNAME (the Log Source
//! Identifier), so that is the configured name. The timestamp is UTC with the day space-padded
//! (`Nov  3`) as RFC 3164 requires; the exact time travels in `devTime`, which QRadar prefers.

use std::io::Write;

use rollcall_parse::time::{civil_from_days, MONTH_ABBREV};

/// Syslog severities rollcall uses (RFC 5424 numbering).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyslogSeverity {
    Critical = 2,
    Error = 3,
    Warning = 4,
    Informational = 6,
}

/// Highest facility number (local7).
pub const MAX_FACILITY: u8 = 23;

/// `facility * 8 + severity`, the number inside `<…>`.
pub fn priority(facility: u8, severity: SyslogSeverity) -> u16 {
    u16::from(facility) * 8 + severity as u16
}

/// Appends `Mmm dd hh:mm:ss` (UTC, day space-padded) for epoch ms.
pub fn write_rfc3164_timestamp(out: &mut Vec<u8>, ms: i64) {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (_, month, day) = civil_from_days(days);
    let name = month
        .checked_sub(1)
        .and_then(|i| MONTH_ABBREV.get(i as usize))
        .copied()
        .unwrap_or("Jan");
    let h = rem / 3_600_000;
    let mi = (rem / 60_000) % 60;
    let s = (rem / 1000) % 60;
    let _ = write!(out, "{name} {day:>2} {h:02}:{mi:02}:{s:02}");
}

/// Appends `<PRI>Mmm dd hh:mm:ss HOSTNAME ` (with the trailing space that separates it from
/// the message). `hostname` must already be validated (no spaces or control characters).
pub fn write_header(
    out: &mut Vec<u8>,
    facility: u8,
    severity: SyslogSeverity,
    time_ms: i64,
    hostname: &str,
) {
    let _ = write!(out, "<{}>", priority(facility, severity));
    write_rfc3164_timestamp(out, time_ms);
    out.push(b' ');
    out.extend_from_slice(hostname.as_bytes());
    out.push(b' ');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(facility: u8, severity: SyslogSeverity, ms: i64, host: &str) -> String {
        let mut out = Vec::new();
        write_header(&mut out, facility, severity, ms, host);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn pads_single_digit_days_with_a_space() {
        // 2026-11-03T09:01:44Z
        assert_eq!(
            header(20, SyslogSeverity::Warning, 1_793_696_504_000, "rollcall01"),
            "<164>Nov  3 09:01:44 rollcall01 "
        );
        // 2026-11-23T03:15:02.120Z
        assert_eq!(
            header(20, SyslogSeverity::Critical, 1_795_403_702_120, "rc"),
            "<162>Nov 23 03:15:02 rc "
        );
    }

    #[test]
    fn priority_spans_all_facilities() {
        assert_eq!(priority(0, SyslogSeverity::Critical), 2);
        assert_eq!(priority(20, SyslogSeverity::Error), 163);
        assert_eq!(priority(20, SyslogSeverity::Informational), 166);
        assert_eq!(priority(MAX_FACILITY, SyslogSeverity::Informational), 190);
    }

    #[test]
    fn handles_epoch_edges_and_before_1970() {
        assert_eq!(
            header(1, SyslogSeverity::Informational, 0, "h"),
            "<14>Jan  1 00:00:00 h "
        );
        // 1969-12-31T23:59:59.999Z
        assert_eq!(
            header(1, SyslogSeverity::Informational, -1, "h"),
            "<14>Dec 31 23:59:59 h "
        );
        // 2024-02-29T12:00:00Z (leap day)
        assert_eq!(
            header(1, SyslogSeverity::Informational, 1_709_208_000_000, "h"),
            "<14>Feb 29 12:00:00 h "
        );
        let _ = header(1, SyslogSeverity::Informational, i64::MIN, "h");
        let _ = header(1, SyslogSeverity::Informational, i64::MAX, "h");
    }
}

//! UTC calendar formatting for the timestamps senders write (RFC 3339, BSD syslog, ctime).
//! Hand-rolled because the generator must stamp "now" on every message cheaply and the
//! workspace has no date crate.

use std::io::Write;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// A UTC instant broken into calendar fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1..=12
    pub month: u32,
    /// 1..=31
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
    /// 0 = Sunday
    pub weekday: u32,
}

impl Civil {
    /// Splits epoch milliseconds (UTC). Days-to-date after Howard Hinnant's `civil_from_days`.
    pub fn from_epoch_ms(ms: i64) -> Civil {
        let days = ms.div_euclid(86_400_000);
        let in_day = ms.rem_euclid(86_400_000);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: (in_day / 3_600_000) as u32,
            minute: (in_day / 60_000 % 60) as u32,
            second: (in_day / 1000 % 60) as u32,
            millis: (in_day % 1000) as u32,
            // 1970-01-01 was a Thursday.
            weekday: (days + 4).rem_euclid(7) as u32,
        }
    }

    fn month_name(&self) -> &'static str {
        MONTHS[(self.month as usize + 11) % 12]
    }

    /// `2025-11-23T10:15:30.123Z`
    pub fn write_rfc3339(&self, out: &mut Vec<u8>) {
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millis
        );
    }

    /// `Nov 23 10:15:30` (RFC 3164: the day is space-padded).
    pub fn write_bsd(&self, out: &mut Vec<u8>) {
        let _ = write!(
            out,
            "{} {:>2} {:02}:{:02}:{:02}",
            self.month_name(),
            self.day,
            self.hour,
            self.minute,
            self.second
        );
    }

    /// `Sun Nov 23 10:15:40 2025` (Snare's submit time).
    pub fn write_ctime(&self, out: &mut Vec<u8>) {
        let _ = write!(
            out,
            "{} {} {:>2} {:02}:{:02}:{:02} {}",
            WEEKDAYS[self.weekday as usize % 7],
            self.month_name(),
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.year
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(f: impl Fn(&Civil, &mut Vec<u8>), ms: i64) -> String {
        let mut out = Vec::new();
        f(&Civil::from_epoch_ms(ms), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn known_instants() {
        // 2025-11-23T10:15:30.123Z was a Sunday.
        let ms = 1_763_892_930_123;
        assert_eq!(render(Civil::write_rfc3339, ms), "2025-11-23T10:15:30.123Z");
        assert_eq!(render(Civil::write_bsd, ms), "Nov 23 10:15:30");
        assert_eq!(render(Civil::write_ctime, ms), "Sun Nov 23 10:15:30 2025");
        // Leap day, single-digit day padding.
        let leap = 1_709_164_800_000; // 2024-02-29T00:00:00Z, a Thursday
        assert_eq!(render(Civil::write_bsd, leap), "Feb 29 00:00:00");
        assert_eq!(
            render(Civil::write_ctime, leap + 86_400_000 * 2),
            "Sat Mar  2 00:00:00 2024"
        );
        assert_eq!(render(Civil::write_rfc3339, 0), "1970-01-01T00:00:00.000Z");
    }
}

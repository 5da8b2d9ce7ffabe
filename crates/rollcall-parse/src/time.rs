//! Calendar arithmetic without a time-zone database: what syslog and Windows timestamps need.
//!
//! Parsers read digits themselves and call [`civil_to_epoch_ms`]; nothing here reads a clock.

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Validated civil date-time (UTC unless an offset is applied by the caller) to epoch ms.
/// Returns `None` for out-of-range fields (month 13, day 32, hour 24, …). Leap seconds
/// (`:60`) are clamped to `:59` as most collectors do.
pub fn civil_to_epoch_ms(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
) -> Option<i64> {
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
        || millis > 999
        || !(0..=9999).contains(&year)
    {
        return None;
    }
    let second = second.min(59);
    let days = days_from_civil(year, month, day);
    Some(
        ((days * 24 + hour as i64) * 60 + minute as i64) * 60_000
            + second as i64 * 1000
            + millis as i64,
    )
}

pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// `Jan`..`Dec` (any case) to 1..=12.
pub fn month_from_abbrev(name: &[u8]) -> Option<u32> {
    if name.len() != 3 {
        return None;
    }
    let lower = [
        name[0].to_ascii_lowercase(),
        name[1].to_ascii_lowercase(),
        name[2].to_ascii_lowercase(),
    ];
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    MONTHS
        .iter()
        .position(|m| **m == lower)
        .map(|i| i as u32 + 1)
}

pub const MONTH_ABBREV: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Year for a timestamp that carries none (RFC 3164): the year of `now`, except that a
/// month far ahead of now's month belongs to the previous year (a December message read in
/// January) and one far behind to the next (a clock running slightly ahead on New Year's Eve).
pub fn infer_year(month: u32, now_ms: i64) -> i64 {
    let (now_year, now_month, _) = civil_from_days(now_ms.div_euclid(86_400_000));
    let diff = month as i64 - now_month as i64;
    if diff > 6 {
        now_year - 1
    } else if diff < -6 {
        now_year + 1
    } else {
        now_year
    }
}

/// Parses RFC 3339 / ISO 8601 as logs write it: `2026-11-23T03:14:59Z`,
/// `2026-11-23T03:14:59.8712345+01:00`, `2026-11-23 03:14:59` (no zone = UTC),
/// and a date alone is rejected. Fractions beyond milliseconds are truncated.
pub fn parse_rfc3339_ms(text: &[u8]) -> Option<i64> {
    parse_rfc3339_zoned(text).map(|(ms, _)| ms)
}

/// [`parse_rfc3339_ms`], and whether the text stated its offset (`Z`, `+01:00`): without one
/// it is the sender's wall clock, read as UTC (see [`align_local_time`]).
pub fn parse_rfc3339_zoned(text: &[u8]) -> Option<(i64, bool)> {
    let b = text;
    if b.len() < 19 {
        return None;
    }
    let num = |s: &[u8]| -> Option<u32> {
        let mut v = 0u32;
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (c - b'0') as u32;
        }
        Some(v)
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let year = num(&b[0..4])? as i64;
    let month = num(&b[5..7])?;
    let day = num(&b[8..10])?;
    let hour = num(&b[11..13])?;
    let minute = num(&b[14..16])?;
    let second = num(&b[17..19])?;
    let mut i = 19;
    let mut millis = 0u32;
    if i < b.len() && (b[i] == b'.' || b[i] == b',') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + (b[i] - b'0') as u32;
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..3 {
            millis *= 10;
        }
    }
    let base = civil_to_epoch_ms(year, month, day, hour, minute, second, millis)?;
    let rest = &b[i..];
    let offset_min: i64 = match rest {
        [] => return Some((base, false)),
        [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let h = num(&[*h1, *h2])? as i64;
            let m = num(&[*m1, *m2])? as i64;
            if h > 23 || m > 59 {
                return None;
            }
            let v = h * 60 + m;
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return None,
    };
    Some((base - offset_min * 60_000, true))
}

/// Epoch seconds (9–11 digits) or milliseconds (12–14 digits), optionally with a fraction
/// of a second (`1548185958.123`): LEEF `devTime`, CEF `rt`, WinCollect `TimeGenerated`.
/// Fewer digits are rejected: they are counters, not timestamps.
pub fn parse_epoch_auto_ms(text: &[u8]) -> Option<i64> {
    let t = trim_ascii_spaces(text);
    let (int, frac) = match t.iter().position(|&c| c == b'.') {
        Some(i) => (&t[..i], &t[i + 1..]),
        None => (t, &t[t.len()..]),
    };
    if !int.iter().all(u8::is_ascii_digit) || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i64 = 0;
    for &c in int {
        v = v.checked_mul(10)?.checked_add((c - b'0') as i64)?;
    }
    match int.len() {
        9..=11 => {
            let mut ms = 0i64;
            for (i, &c) in frac.iter().take(3).enumerate() {
                ms += (c - b'0') as i64 * [100, 10, 1][i];
            }
            v.checked_mul(1000)?.checked_add(ms)
        }
        12..=14 if frac.is_empty() => Some(v),
        _ => None,
    }
}

/// `MMM dd yyyy HH:mm:ss[.SSS][ zone]` (IBM's `devTimeFormat` suggestions, ArcSight `rt`):
/// `Jun 06 2015 16:07:36`, `Sep 17 2025 11:45:34 GMT`, `Jan 28 2015 02:00:36 GMT+00:00`.
/// No zone means UTC; an unknown zone name yields `None` rather than a wrong instant.
pub fn parse_month_day_year_ms(text: &[u8]) -> Option<i64> {
    parse_month_day_year_zoned(text).map(|(ms, _)| ms)
}

/// [`parse_month_day_year_ms`], and whether the text named its zone.
pub fn parse_month_day_year_zoned(text: &[u8]) -> Option<(i64, bool)> {
    let mut parts = text.split(|&c| c == b' ').filter(|p| !p.is_empty());
    let month = month_from_abbrev(parts.next()?)?;
    let day = parse_small_number(parts.next()?)?;
    let year = parse_small_number(parts.next()?)? as i64;
    let (hour, minute, second, millis) = parse_clock(parts.next()?)?;
    let zone = parts.next();
    let offset_min = match zone {
        None => 0,
        Some(zone) => parse_zone_minutes(zone)?,
    };
    if parts.next().is_some() {
        return None;
    }
    let base = civil_to_epoch_ms(year, month, day, hour, minute, second, millis)?;
    Some((base - offset_min * 60_000, zone.is_some()))
}

/// The widest UTC offset in use (UTC+14, Line Islands; UTC−12 is narrower).
const MAX_ZONE_OFFSET_MS: i64 = 14 * 3_600_000;
/// Zone offsets are whole quarter hours (UTC+5:45 Nepal, UTC+8:45 Eucla).
const ZONE_STEP_MS: i64 = 15 * 60_000;

/// Re-reads a zone-less time (`local_ms`: the sender's wall clock taken as UTC) as the
/// instant it most likely was, given that it was received at `now_ms` and that times before
/// `now_ms − past_ms` or after `now_ms + future_ms` will not be accepted.
///
/// Windows agents send local time without saying which zone (Snare, NXLog `EventTime`,
/// RFC 3164 headers). Read as UTC, a sender at UTC+1 would always look an hour in the future
/// and one at UTC−5 five hours late, and the clock-skew check would drop all their events.
/// A time inside the accepted range is returned unchanged (a UTC sender, or a backlog that
/// is still inside the window). Outside it, the time is shifted by the whole number of
/// quarter hours (zone offsets are multiples of 15 minutes) that brings it just within
/// `future_ms` of `now_ms`, provided that shift is a plausible zone offset (at most 14 h);
/// otherwise it is returned unchanged and the skew check drops it. Events from one sender
/// keep their spacing. The price: a zone-less event delivered later than `past_ms` cannot be
/// told from one sent in another zone, and is counted as recent instead of dropped.
pub fn align_local_time(local_ms: i64, now_ms: i64, past_ms: i64, future_ms: i64) -> i64 {
    let delta = local_ms.saturating_sub(now_ms);
    if delta >= -past_ms && delta <= future_ms {
        return local_ms;
    }
    // The smallest shift (in quarter hours) after which the time is no longer in the future.
    let steps = (delta - future_ms + ZONE_STEP_MS - 1).div_euclid(ZONE_STEP_MS);
    let offset = steps * ZONE_STEP_MS;
    if offset.abs() > MAX_ZONE_OFFSET_MS {
        return local_ms;
    }
    local_ms - offset
}

/// C `ctime` style as Snare writes `SubmitTime`: `Fri Oct 16 16:30:44 2009`,
/// `Wed Mar  2 04:57:50 2022`, `Sun May 21 12:00:01.123 2023`. Taken as UTC (Snare carries
/// no zone). Without a year (`Sun May 21 12:00:01.123`) it yields `None`: guessing the year
/// is the syslog header's job.
pub fn parse_ctime_ms(text: &[u8]) -> Option<i64> {
    let mut parts = text.split(|&c| c == b' ').filter(|p| !p.is_empty());
    let _weekday = parts.next()?;
    let month = month_from_abbrev(parts.next()?)?;
    let day = parse_small_number(parts.next()?)?;
    let (hour, minute, second, millis) = parse_clock(parts.next()?)?;
    let year = parse_small_number(parts.next()?)? as i64;
    if parts.next().is_some() {
        return None;
    }
    civil_to_epoch_ms(year, month, day, hour, minute, second, millis)
}

/// `HH:mm:ss[.fff…]` → (hour, minute, second, millis); fractions beyond ms are truncated.
fn parse_clock(text: &[u8]) -> Option<(u32, u32, u32, u32)> {
    let (hms, frac) = match text.iter().position(|&c| c == b'.' || c == b',') {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut it = hms.split(|&c| c == b':');
    let hour = parse_small_number(it.next()?)?;
    let minute = parse_small_number(it.next()?)?;
    let second = parse_small_number(it.next()?)?;
    if it.next().is_some() {
        return None;
    }
    let millis = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.iter().all(u8::is_ascii_digit) => {
            let mut ms = 0u32;
            for i in 0..3 {
                ms = ms * 10 + f.get(i).map_or(0, |c| (c - b'0') as u32);
            }
            ms
        }
        Some(_) => return None,
    };
    Some((hour, minute, second, millis))
}

/// `GMT`, `UTC`, `Z`, `GMT+01:00`, `UTC-0500`, `+01:00`, `-0400` → offset in minutes.
fn parse_zone_minutes(zone: &[u8]) -> Option<i64> {
    let rest = if zone.len() >= 3
        && (zone[..3].eq_ignore_ascii_case(b"GMT") || zone[..3].eq_ignore_ascii_case(b"UTC"))
    {
        &zone[3..]
    } else if zone.eq_ignore_ascii_case(b"Z") {
        &zone[1..]
    } else {
        zone
    };
    let (sign, digits) = match rest.split_first() {
        None => return Some(0),
        Some((b'+', d)) => (1, d),
        Some((b'-', d)) => (-1, d),
        Some(_) => return None,
    };
    let (h, m) = match digits {
        [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (
            parse_small_number(&[*h1, *h2])?,
            parse_small_number(&[*m1, *m2])?,
        ),
        [h1, h2] => (parse_small_number(&[*h1, *h2])?, 0),
        [h1] => (parse_small_number(&[*h1])?, 0),
        _ => return None,
    };
    if h > 23 || m > 59 {
        return None;
    }
    Some(sign * (h as i64 * 60 + m as i64))
}

/// 1–4 ASCII digits.
fn parse_small_number(text: &[u8]) -> Option<u32> {
    if text.is_empty() || text.len() > 4 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(text.iter().fold(0u32, |v, &c| v * 10 + (c - b'0') as u32))
}

fn trim_ascii_spaces(text: &[u8]) -> &[u8] {
    let start = text.iter().position(|c| *c != b' ').unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|c| *c != b' ')
        .map_or(start, |i| i + 1);
    text.get(start..end).unwrap_or(&[])
}

/// Formats epoch ms as `2026-11-23T03:14:59.871Z`.
pub fn format_rfc3339_ms(ms: i64) -> String {
    let mut out = String::with_capacity(24);
    write_rfc3339_ms(&mut out, ms);
    out
}

/// Appends `2026-11-23T03:14:59.871Z` to `out` (no allocation beyond growing `out`).
pub fn write_rfc3339_ms(out: &mut String, ms: i64) {
    use std::fmt::Write;
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let h = rem / 3_600_000;
    let mi = (rem / 60_000) % 60;
    let s = (rem / 1000) % 60;
    let frac = rem % 1000;
    let _ = write!(
        out,
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:03}Z"
    );
}

#[cfg(test)]
mod tests {

    #[test]
    fn zone_is_reported_only_when_stated() {
        assert_eq!(
            parse_rfc3339_zoned(b"2026-11-23T03:15:02Z").map(|t| t.1),
            Some(true)
        );
        assert_eq!(
            parse_rfc3339_zoned(b"2026-11-23T04:15:02+01:00"),
            parse_rfc3339_zoned(b"2026-11-23T03:15:02Z")
        );
        assert_eq!(
            parse_rfc3339_zoned(b"2026-11-23 03:15:02").map(|t| t.1),
            Some(false)
        );
        assert_eq!(
            parse_month_day_year_zoned(b"Nov 23 2026 03:15:02 GMT").map(|t| t.1),
            Some(true)
        );
        assert_eq!(
            parse_month_day_year_zoned(b"Nov 23 2026 03:15:02").map(|t| t.1),
            Some(false)
        );
    }

    #[test]
    fn local_times_from_other_zones_are_brought_to_the_present() {
        const MIN: i64 = 60_000;
        let now = parse_rfc3339_ms(b"2026-11-23T12:00:00Z").unwrap();
        let (past, future) = (65 * MIN, 5 * MIN);
        let align = |local: i64| align_local_time(local, now, past, future);
        // A UTC sender, and a backlog inside the window: unchanged.
        assert_eq!(align(now - 2 * MIN), now - 2 * MIN);
        assert_eq!(align(now - 50 * MIN), now - 50 * MIN);
        assert_eq!(align(now + 4 * MIN), now + 4 * MIN);
        // UTC+1 sent just now, and seven minutes ago.
        assert_eq!(align(now + 60 * MIN), now);
        assert_eq!(align(now + 53 * MIN), now - 7 * MIN);
        // UTC−5 and UTC+5:45 (Nepal), two seconds in transit.
        assert_eq!(align(now - 300 * MIN - 2_000), now - 2_000);
        assert_eq!(align(now + 345 * MIN - 2_000), now - 2_000);
        // UTC+14 is the widest zone; further off is not a zone and stays (to be dropped).
        assert_eq!(align(now + 14 * 60 * MIN), now);
        assert_eq!(align(now + 15 * 60 * MIN), now + 15 * 60 * MIN);
        assert_eq!(align(now - 20 * 60 * MIN), now - 20 * 60 * MIN);
        // Spacing between one sender's events is kept.
        let a = align(now + 3 * 60 * MIN - 90_000);
        let b = align(now + 3 * 60 * MIN - 30_000);
        assert_eq!(b - a, 60_000);
    }
    use super::*;

    #[test]
    fn round_trips_civil_dates() {
        for days in [-800_000i64, -1, 0, 1, 19_000, 20_415, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn parses_rfc3339_variants() {
        let z = parse_rfc3339_ms(b"2026-11-23T03:15:02.120Z").unwrap();
        assert_eq!(z, 1_795_403_702_120);
        assert_eq!(format_rfc3339_ms(z), "2026-11-23T03:15:02.120Z");
        assert_eq!(
            parse_rfc3339_ms(b"2026-11-23T04:15:02.1200000+01:00"),
            Some(z)
        );
        assert_eq!(parse_rfc3339_ms(b"2026-11-23 03:15:02.12"), Some(z));
        assert_eq!(parse_rfc3339_ms(b"2026-11-23T03:15:02-0000"), Some(z - 120));
        assert_eq!(parse_rfc3339_ms(b"2026-13-23T03:15:02Z"), None);
        assert_eq!(parse_rfc3339_ms(b"2026-11-23T03:15:02Zjunk"), None);
        assert_eq!(parse_rfc3339_ms(b"2026-11-23"), None);
    }

    #[test]
    fn infers_year_across_new_year() {
        let jan_2027 = civil_to_epoch_ms(2027, 1, 2, 0, 0, 0, 0).unwrap();
        assert_eq!(infer_year(12, jan_2027), 2026);
        assert_eq!(infer_year(1, jan_2027), 2027);
        let dec_2026 = civil_to_epoch_ms(2026, 12, 31, 23, 0, 0, 0).unwrap();
        assert_eq!(infer_year(1, dec_2026), 2027);
        assert_eq!(infer_year(11, dec_2026), 2026);
    }

    #[test]
    fn months_are_case_insensitive() {
        assert_eq!(month_from_abbrev(b"NOV"), Some(11));
        assert_eq!(month_from_abbrev(b"jan"), Some(1));
        assert_eq!(month_from_abbrev(b"Foo"), None);
    }
}

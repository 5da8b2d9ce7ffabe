//! RFC 3164 (BSD syslog) header parser, with the variants real devices send.
//!
//! ```text
//! BSD-MSG   = PRI HEADER SP MSG
//! PRI       = "<" 1*3DIGIT ">"                       ; 0..191
//! HEADER    = TIMESTAMP SP HOSTNAME
//! TIMESTAMP = Mmm SP dd SP hh ":" mm ":" ss          ; dd space-padded ("Mar  7")
//! MSG       = TAG CONTENT                            ; TAG = 1*32alnum, often "app[pid]:"
//! ```
//!
//! Accepted on top of the RFC (each seen in rsyslog's test corpus or from the devices named):
//! * no PRI (then a timestamp is required), spaces after PRI, upper/lower-case months,
//!   a single-digit day with one or two spaces;
//! * a year before the time (`Mar 7 2008 19:06:53`, Cisco ASA) or after it
//!   (`AUG 10 22:18:24 2009`), fractional seconds, a trailing `:` and a time-zone word
//!   (`May 21 12:00:01.123 gmt:`, Cisco IOS), Cisco's `*`/`.` clock-sync markers;
//! * RFC 3339 (`2017-05-21T00:00:01.123Z`) and `yyyy-mm-dd hh:mm:ss` timestamps, and
//!   NetScaler's `05/21/2017:00:00:00 GMT`;
//! * Cisco sequence numbers and origin IDs before the timestamp
//!   (`<189>16261: May 28 …`, `<14>123456789: HOSTNAME: May 21 …`);
//! * no hostname: when the word after the timestamp ends with `:` or has `[` (a TAG);
//! * hostnames with `@` or `/` (rsyslog's `hostname1/hostname2`), IPv6 addresses, and
//!   placeholders such as Snare's `#001` or WinCollect's `%IPADDRESS%`;
//! * a relay's header in front of the original one (`<13>Nov 23 … relay <34>Nov 23 …
//!   origin …`): the inner header is the event's (its hostname is the origin's; the
//!   relay's is used only when the inner one has none);
//! * a PRI without a timestamp (`<13>last message repeated 5 times`): no HOSTNAME is read
//!   then, as rsyslog does, since nothing says the first word is one.
//!
//! The TAG (`app[pid]:`, `app:`, `app[pid]`) becomes APP-NAME / PROCID and the body starts
//! after it; a word without `:` or `[pid]` is not taken as a TAG (the body starts at it), and
//! payloads that look like one (`LEEF:`, `CEF:`, `MSWinEventLog`, `AgentDevice=`) never are.

use nom::bytes::complete::take_while_m_n;
use nom::character::complete::{char, space1};
use nom::combinator::{map_opt, opt};
use nom::sequence::{preceded, terminated, tuple};
use nom::IResult;

use super::{parse_pri, rfc5424, skip_spaces_before_pri, HeaderKind, SyslogHeader, SyslogTime};
use crate::time::{civil_to_epoch_ms, days_in_month, month_from_abbrev, parse_rfc3339_zoned};

/// Relays of relays exist; more nesting than this is not a real header chain.
const MAX_RELAY_DEPTH: u8 = 4;
/// Longest TAG name taken as one (RFC 3164 says 32; rsyslog's tests use 40).
const MAX_TAG: usize = 64;
/// Longest `[pid]` content.
const MAX_PROC_ID: usize = 128;

/// Parses an RFC 3164 (BSD) header; `None` when the frame has neither PRI nor timestamp.
pub fn parse(frame: &[u8]) -> Option<(SyslogHeader<'_>, &[u8])> {
    parse_nested(frame, 0)
}

fn parse_nested(frame: &[u8], depth: u8) -> Option<(SyslogHeader<'_>, &[u8])> {
    let input = skip_spaces_before_pri(frame);
    let (pri, rest) = match parse_pri(input) {
        Some((pri, rest)) => (Some(pri), skip_spaces(rest)),
        None => (None, input),
    };
    let stamp = find_timestamp(rest);
    if pri.is_none() && stamp.is_none() {
        return None;
    }
    let mut header = SyslogHeader {
        kind: HeaderKind::Rfc3164,
        pri,
        ..SyslogHeader::NONE
    };
    let mut rest = rest;
    if let Some(stamp) = stamp {
        header.timestamp = Some(stamp.time);
        header.hostname = stamp.origin_host;
        rest = skip_spaces(stamp.rest);
        if let Some(inner) = relayed_header(rest, header.hostname, depth) {
            return Some(inner);
        }
        if header.hostname.is_none() {
            if let Some((host, after)) = hostname(rest) {
                header.hostname = Some(host);
                rest = after;
                if let Some(inner) = relayed_header(rest, header.hostname, depth) {
                    return Some(inner);
                }
            }
        }
    }
    let (tag, body) = split_tag(rest);
    if let Some(tag) = tag {
        header.app_name = Some(tag.name);
        header.proc_id = tag.proc_id;
    }
    Some((header, body))
}

/// A second, complete header after the relay's: `<PRI>` plus a 5424 header or a 3164
/// timestamp (so text such as `<test/>` or `<b>` is never taken for one).
fn relayed_header<'a>(
    input: &'a [u8],
    relay_host: Option<&'a str>,
    depth: u8,
) -> Option<(SyslogHeader<'a>, &'a [u8])> {
    if input.first() != Some(&b'<') || depth >= MAX_RELAY_DEPTH {
        return None;
    }
    let (mut inner, body) = rfc5424::parse(input)
        .filter(|(h, _)| h.pri.is_some())
        .or_else(|| {
            parse_nested(input, depth + 1).filter(|(h, _)| h.pri.is_some() && h.timestamp.is_some())
        })?;
    if inner.hostname.is_none() {
        inner.hostname = relay_host;
    }
    Some((inner, body))
}

fn skip_spaces(input: &[u8]) -> &[u8] {
    let n = input.iter().position(|&b| b != b' ').unwrap_or(input.len());
    input.get(n..).unwrap_or_default()
}

/// One SP (if present) after a header word.
fn skip_one_space(input: &[u8]) -> &[u8] {
    input.strip_prefix(b" ").unwrap_or(input)
}

struct Stamp<'a> {
    time: SyslogTime,
    /// Cisco `logging origin-id`: `HOST: ` before the timestamp.
    origin_host: Option<&'a str>,
    rest: &'a [u8],
}

/// `[seq ": "] [origin-host ": "] TIMESTAMP`, all Cisco decorations optional.
fn find_timestamp(input: &[u8]) -> Option<Stamp<'_>> {
    if let Some((time, rest)) = timestamp(input) {
        return Some(Stamp {
            time,
            origin_host: None,
            rest,
        });
    }
    let after_seq = sequence_number(input).unwrap_or(input);
    if let Some((time, rest)) = timestamp(after_seq) {
        return Some(Stamp {
            time,
            origin_host: None,
            rest,
        });
    }
    let (host, after_host) = origin_host(after_seq)?;
    let (time, rest) = timestamp(after_host)?;
    Some(Stamp {
        time,
        origin_host: Some(host),
        rest,
    })
}

/// Cisco `service sequence-numbers`: `16261: `.
fn sequence_number(input: &[u8]) -> Option<&[u8]> {
    let digits = input.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 10 {
        return None;
    }
    let rest = input.get(digits..)?.strip_prefix(b": ")?;
    Some(skip_spaces(rest))
}

/// Cisco `logging origin-id hostname`: `HOSTNAME: `.
fn origin_host(input: &[u8]) -> Option<(&str, &[u8])> {
    let colon = memchr::memchr(b':', input)?;
    let (name, rest) = input.split_at(colon);
    let rest = rest.strip_prefix(b": ")?;
    is_hostname(name).then(|| (ascii_str(name), skip_spaces(rest)))
}

/// Any supported timestamp, followed by an optional `:` (Cisco). Returns the rest after it.
fn timestamp(input: &[u8]) -> Option<(SyslogTime, &[u8])> {
    // Cisco marks an unsynchronised clock with `*` and a once-synchronised one with `.`.
    let input = match input.first() {
        Some(b'*' | b'.') => input.get(1..).unwrap_or_default(),
        _ => input,
    };
    let (time, rest) = bsd_timestamp(input)
        .or_else(|| iso_timestamp(input))
        .or_else(|| netscaler_timestamp(input))?;
    let rest = skip_zone(rest);
    Some((time, rest.strip_prefix(b":").unwrap_or(rest)))
}

type Res<'a, T> = IResult<&'a [u8], T, ()>;

fn digits_n(min: usize, max: usize) -> impl Fn(&[u8]) -> Res<'_, u32> {
    move |input| {
        map_opt(
            take_while_m_n(min, max, |b: u8| b.is_ascii_digit()),
            |d: &[u8]| Some(d.iter().fold(0u32, |v, &c| v * 10 + u32::from(c - b'0'))),
        )(input)
    }
}

/// `hh:mm:ss` with two digits each.
fn clock(input: &[u8]) -> Res<'_, (u32, u32, u32)> {
    let (rest, (h, _, m, _, s)) = tuple((
        digits_n(2, 2),
        char(':'),
        digits_n(2, 2),
        char(':'),
        digits_n(2, 2),
    ))(input)?;
    Ok((rest, (h, m, s)))
}

/// `.fff…` (or `,fff`): milliseconds, extra digits truncated.
fn fraction(input: &[u8]) -> (u32, &[u8]) {
    let Some(digits) = input
        .strip_prefix(b".")
        .or_else(|| input.strip_prefix(b","))
    else {
        return (0, input);
    };
    let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 {
        return (0, input);
    }
    let millis = (0..3).fold(0u32, |v, i| {
        v * 10
            + digits
                .get(i)
                .filter(|_| i < n)
                .map_or(0, |d| u32::from(d - b'0'))
    });
    (millis, digits.get(n..).unwrap_or_default())
}

/// A plausible 4-digit year followed by SP or the end of input.
fn year(input: &[u8]) -> Res<'_, u32> {
    let (rest, y) = digits_n(4, 4)(input)?;
    let boundary = rest.is_empty() || rest.first() == Some(&b' ');
    if boundary && (1970..=2099).contains(&y) {
        Ok((rest, y))
    } else {
        Err(nom::Err::Error(()))
    }
}

/// The spelling nearly every sender uses, `Mmm dd hh:mm:ss` with a two-digit day, read
/// without the parser combinators (a few hundred instructions less per frame). For it the
/// combinators of [`bsd_timestamp`] give the same fields and rest: one space each, and no year
/// before the clock (a year needs four digits; the hour has two and a `:`). `None` for any
/// other shape, which the combinators then read.
#[allow(clippy::type_complexity)]
fn plain_bsd(input: &[u8]) -> Option<(&[u8], u32, u32, (u32, u32, u32))> {
    let [m0, m1, m2, b' ', d0, d1, b' ', h0, h1, b':', n0, n1, b':', s0, s1, ..] = *input else {
        return None;
    };
    if ![m0, m1, m2].iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let two = |a: u8, b: u8| {
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    let month = month_from_abbrev(&[m0, m1, m2])?;
    let day = two(d0, d1)?;
    let clock = (two(h0, h1)?, two(n0, n1)?, two(s0, s1)?);
    Some((input.get(15..)?, month, day, clock))
}

/// The fields of `Mmm dd [yyyy] hh:mm:ss` in any spacing, and the rest.
#[allow(clippy::type_complexity)]
fn bsd_fields(input: &[u8]) -> Option<(&[u8], (u32, u32, Option<u32>, (u32, u32, u32)))> {
    let month_name = take_while_m_n(3, 3, |b: u8| b.is_ascii_alphabetic());
    tuple((
        map_opt(month_name, month_from_abbrev),
        preceded(space1, digits_n(1, 2)),
        opt(preceded(space1, year)),
        preceded(space1, clock),
    ))(input)
    .ok()
}

/// `Mmm dd [yyyy] hh:mm:ss[.fff] [yyyy]`.
fn bsd_timestamp(input: &[u8]) -> Option<(SyslogTime, &[u8])> {
    let (rest, (month, day, year_before, (hour, minute, second))) = match plain_bsd(input) {
        Some((rest, month, day, clock)) => (rest, (month, day, None, clock)),
        None => bsd_fields(input)?,
    };
    let (millis, rest) = fraction(rest);
    let (rest, year_after) = match year_before {
        Some(_) => (rest, None),
        None => opt(preceded(char(' '), year))(rest).ok()?,
    };
    let time = match year_before.or(year_after) {
        Some(y) => SyslogTime::Local(civil_to_epoch_ms(
            i64::from(y),
            month,
            day,
            hour,
            minute,
            second,
            millis,
        )?),
        None => {
            // Checked against a leap year: Feb 29 is valid until the year is known.
            let valid = day >= 1
                && day <= days_in_month(2000, month)
                && hour <= 23
                && minute <= 59
                && second <= 60;
            if !valid {
                return None;
            }
            SyslogTime::NoYear {
                month: month as u8,
                day: day as u8,
                hour: hour as u8,
                minute: minute as u8,
                second: second as u8,
                millis: millis as u16,
            }
        }
    };
    Some((time, rest))
}

/// RFC 3339 as one word, or `yyyy-mm-dd hh:mm:ss[.fff][zone]` as two.
fn iso_timestamp(input: &[u8]) -> Option<(SyslogTime, &[u8])> {
    if !matches!(input.get(4), Some(b'-')) || !input.first()?.is_ascii_digit() {
        return None;
    }
    let word_end = |from: usize| {
        input
            .get(from..)
            .and_then(|r| memchr::memchr(b' ', r))
            .map_or(input.len(), |i| from + i)
    };
    let mut end = word_end(0);
    if end == 10 {
        // Date and time separated by a space.
        end = word_end(11);
    }
    let text = input.get(..end)?;
    let (ms, zoned) =
        parse_rfc3339_zoned(text).or_else(|| parse_rfc3339_zoned(text.strip_suffix(b":")?))?;
    Some((
        if zoned {
            SyslogTime::Absolute(ms)
        } else {
            SyslogTime::Local(ms)
        },
        input.get(end..).unwrap_or_default(),
    ))
}

/// Citrix NetScaler: `05/21/2017:00:00:00` (month first unless it cannot be).
fn netscaler_timestamp(input: &[u8]) -> Option<(SyslogTime, &[u8])> {
    let (rest, (a, _, b, _, y, _, (h, m, s))) = tuple((
        digits_n(2, 2),
        char('/'),
        digits_n(2, 2),
        char('/'),
        digits_n(4, 4),
        char(':'),
        clock,
    ))(input)
    .ok()?;
    let (month, day) = if a > 12 { (b, a) } else { (a, b) };
    let ms = civil_to_epoch_ms(i64::from(y), month, day, h, m, s, 0)?;
    Some((SyslogTime::Local(ms), rest))
}

/// A time-zone word after the time: ` UTC`, ` gmt:`, ` CEST` (dropped: 3164 has no zone
/// semantics and rollcall takes such times as UTC).
fn skip_zone(input: &[u8]) -> &[u8] {
    const ZONES: &[&[u8]] = &[
        b"UTC", b"GMT", b"CET", b"CEST", b"EET", b"EEST", b"WET", b"WEST", b"EST", b"EDT", b"CST",
        b"CDT", b"MST", b"MDT", b"PST", b"PDT", b"BST", b"IST", b"JST", b"AEST", b"AEDT", b"SGT",
        b"HKT",
    ];
    let zone: Res<'_, &[u8]> = preceded(
        char(' '),
        terminated(
            take_while_m_n(3, 4, |b: u8| b.is_ascii_alphabetic()),
            nomless_boundary,
        ),
    )(input);
    match zone {
        Ok((rest, word)) if ZONES.iter().any(|z| z.eq_ignore_ascii_case(word)) => rest,
        _ => input,
    }
}

/// Succeeds (consuming nothing) at the end of input, SP or `:`.
fn nomless_boundary(input: &[u8]) -> Res<'_, ()> {
    match input.first() {
        None | Some(b' ' | b':') => Ok((input, ())),
        Some(_) => Err(nom::Err::Error(())),
    }
}

/// The HOSTNAME word and the rest after its SP, when the next word can be one.
fn hostname(input: &[u8]) -> Option<(&str, &[u8])> {
    let end = memchr::memchr(b' ', input).unwrap_or(input.len());
    let (word, rest) = input.split_at(end);
    is_hostname(word).then(|| (ascii_str(word), skip_one_space(rest)))
}

/// Host names, IPv4 and IPv6 addresses, and whatever else senders put there (`host@domain`,
/// `hostname1/hostname2`, Snare's `#001`, WinCollect's unfilled `%IPADDRESS%`): any visible
/// ASCII word, except that a word ending in `:` or holding `[` is a TAG, and one holding
/// payload syntax (`=`, `|`, quotes, braces) is message text.
fn is_hostname(word: &[u8]) -> bool {
    if word.is_empty() || word.len() > 255 || is_payload_start(word) {
        return false;
    }
    let plain = word.iter().all(|&b| {
        (0x21..=0x7E).contains(&b)
            && !matches!(
                b,
                b':' | b'['
                    | b']'
                    | b'='
                    | b'{'
                    | b'}'
                    | b'"'
                    | b'\''
                    | b'|'
                    | b'<'
                    | b'>'
                    | b','
                    | b';'
                    | b'\\'
                    | b'`'
                    | b'('
                    | b')'
            )
    });
    plain
        || std::str::from_utf8(word)
            .ok()
            .and_then(|s| s.parse::<std::net::Ipv6Addr>().ok())
            .is_some()
}

/// `word` is known to be ASCII here.
fn ascii_str(word: &[u8]) -> &str {
    std::str::from_utf8(word).unwrap_or_default()
}

struct Tag<'a> {
    name: &'a str,
    proc_id: Option<&'a str>,
}

/// Payloads whose first word must never be mistaken for a TAG.
fn is_payload_start(input: &[u8]) -> bool {
    const PAYLOADS: &[&[u8]] = &[b"LEEF:", b"CEF:", b"MSWinEventLog", b"AgentDevice="];
    PAYLOADS.iter().any(|p| input.starts_with(p))
}

fn is_tag_byte(b: u8) -> bool {
    (b >= 0x80 || (0x21..=0x7E).contains(&b))
        && !matches!(
            b,
            b':' | b'['
                | b']'
                | b'='
                | b'"'
                | b'\''
                | b'{'
                | b'}'
                | b'#'
                | b','
                | b'\\'
                | b'|'
                | b'<'
                | b'>'
                | b'`'
        )
}

/// Splits `app[pid]: ` / `app: ` / `app[pid] ` off the message; `(None, input)` when the
/// message does not clearly start with a TAG.
fn split_tag(input: &[u8]) -> (Option<Tag<'_>>, &[u8]) {
    let none = (None, input);
    if is_payload_start(input) {
        return none;
    }
    let name_len = input.iter().take_while(|&&b| is_tag_byte(b)).count();
    if name_len == 0 || name_len > MAX_TAG {
        return none;
    }
    let (name, mut rest) = input.split_at(name_len);
    let mut proc_id = None;
    if let Some(after_bracket) = rest.strip_prefix(b"[") {
        let Some(close) = after_bracket
            .iter()
            .take(MAX_PROC_ID + 1)
            .position(|&b| b == b']')
        else {
            return none;
        };
        let (pid, after) = after_bracket.split_at(close);
        if pid.is_empty() || pid.iter().any(|&b| b <= b' ') {
            return none;
        }
        proc_id = Some(pid);
        rest = after.get(1..).unwrap_or_default();
    }
    let body = match rest.first() {
        Some(b':') => skip_one_space(rest.get(1..).unwrap_or_default()),
        // `app[pid] message` (no colon) is still clearly a TAG.
        None | Some(b' ') if proc_id.is_some() => skip_one_space(rest),
        _ => return none,
    };
    let Ok(name) = std::str::from_utf8(name) else {
        return none;
    };
    let proc_id = match proc_id.map(std::str::from_utf8) {
        Some(Ok(pid)) => Some(pid),
        Some(Err(_)) => return none,
        None => None,
    };
    (Some(Tag { name, proc_id }), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn plain_bsd_agrees_with_the_combinators(
            input in "[A-Za-z]{3}([ 0-9]{1,3}[ 0-9:]{6,10}|( |  )[0-9 ]{2}( |  )[0-9]{2}:[0-9]{2}:[0-9]{2})[ .0-9a-z]{0,6}",
            month in proptest::sample::select(vec!["Nov", "nov", "NOV", "Feb", "Xyz"]),
        ) {
            for text in [input.clone(), format!("{month}{}", &input[3..])] {
                if let Some((rest, m, d, clock)) = plain_bsd(text.as_bytes()) {
                    proptest::prop_assert_eq!(
                        bsd_fields(text.as_bytes()),
                        Some((rest, (m, d, None, clock)))
                    );
                }
            }
        }
    }

    #[test]
    fn plain_bsd_reads_the_common_shape() {
        assert_eq!(
            plain_bsd(b"Nov 23 03:15:02 DC01"),
            Some((&b" DC01"[..], 11, 23, (3, 15, 2)))
        );
        assert_eq!(plain_bsd(b"Nov  3 03:15:02 DC01"), None);
        assert_eq!(plain_bsd(b"Nov 23 2026 03:15:02 DC01"), None);
    }

    const NOW: i64 = 1_795_403_702_120; // 2026-11-23T03:15:02.120Z

    fn parsed(frame: &[u8]) -> (SyslogHeader<'_>, &str) {
        let (h, body) =
            parse(frame).unwrap_or_else(|| panic!("no header: {}", String::from_utf8_lossy(frame)));
        (h, std::str::from_utf8(body).expect("utf-8 body"))
    }

    fn no_year(month: u8, day: u8, hour: u8, minute: u8, second: u8, millis: u16) -> SyslogTime {
        SyslogTime::NoYear {
            month,
            day,
            hour,
            minute,
            second,
            millis,
        }
    }

    #[test]
    fn classic_header_with_tag_and_pid() {
        let (h, body) = parsed(b"<34>Oct 11 22:14:15 mymachine su[123]: 'su root' failed");
        assert_eq!(h.kind, HeaderKind::Rfc3164);
        assert_eq!(h.pri, Some(34));
        assert_eq!(h.timestamp, Some(no_year(10, 11, 22, 14, 15, 0)));
        assert_eq!(h.hostname, Some("mymachine"));
        assert_eq!(h.app_name, Some("su"));
        assert_eq!(h.proc_id, Some("123"));
        assert_eq!(h.msg_id, None);
        assert_eq!(h.structured_data, None);
        assert_eq!(body, "'su root' failed");
        assert_eq!(
            h.timestamp.and_then(|t| t.resolve(NOW)),
            civil_to_epoch_ms(2026, 10, 11, 22, 14, 15, 0)
        );
    }

    #[test]
    fn missing_pri_needs_a_timestamp() {
        let (h, body) = parsed(b"Feb 18 16:01:59 serverX -- MARK --");
        assert_eq!(h.pri, None);
        assert_eq!(h.hostname, Some("serverX"));
        assert_eq!(h.app_name, None);
        assert_eq!(body, "-- MARK --");
        assert!(parse(b"serverX app: hello").is_none());
        assert!(parse(b"this is not syslog").is_none());
        assert!(parse(b"{ \"c1\":1 }").is_none());
        assert!(parse(b"<abc> 127.0.0.1 ubuntu tag1: x").is_none());
        assert!(parse(b"").is_none());
    }

    #[test]
    fn space_after_pri_upper_case_month_single_digit_day() {
        let (h, body) = parsed(b"<167> Mar  7 19:06:53 example tag: testmessage");
        assert_eq!(h.timestamp, Some(no_year(3, 7, 19, 6, 53, 0)));
        assert_eq!(
            (h.hostname, h.app_name, body),
            (Some("example"), Some("tag"), "testmessage")
        );
        let (h, _) = parsed(b"<167>AUG 10 22:18:24 host tag This msg");
        assert_eq!(h.timestamp, Some(no_year(8, 10, 22, 18, 24, 0)));
        let (h, _) = parsed(b"<167>Mar 7 19:06:53: example tag: x");
        assert_eq!(h.timestamp, Some(no_year(3, 7, 19, 6, 53, 0)));
        assert_eq!(h.hostname, Some("example"));
    }

    #[test]
    fn years_before_or_after_the_time() {
        // A year but no zone: the sender's wall clock.
        let expected = SyslogTime::Local(civil_to_epoch_ms(2008, 3, 7, 19, 6, 53, 0).unwrap());
        for frame in [
            &b"<167>Mar 7 2008 19:06:53: example tag: testmessage"[..],
            b"<167>Mar 7 2008 19:06:53 example tag: testmessage",
            b"<167>Mar  7 19:06:53 2008 example tag: testmessage",
        ] {
            let (h, body) = parsed(frame);
            assert_eq!(h.timestamp, Some(expected));
            assert_eq!(h.hostname, Some("example"));
            assert_eq!(body, "testmessage");
        }
        let (h, body) = parsed(b"<6>AUG 10 22:18:24 2009  netips-warden2-p [audit] user=x");
        assert_eq!(h.hostname, Some("netips-warden2-p"));
        assert_eq!(body, "[audit] user=x");
        // Not a plausible year: the word is the host.
        let (h, _) = parsed(b"<6>Aug 10 22:18:24 1234 x");
        assert_eq!(h.hostname, Some("1234"));
        // Feb 30 does not exist in any year.
        let (h, _) = parsed(b"<6>Feb 30 22:18:24 host x");
        assert_eq!(h.timestamp, None);
        assert!(parse(b"Feb 29 2026 22:18:24 host x").is_none());
    }

    #[test]
    fn rfc3339_and_iso_timestamps_in_a_3164_header() {
        let (h, body) = parsed(b"<120> 2011-03-01T11:22:12Z host tag: test short message");
        assert_eq!(
            h.timestamp,
            Some(SyslogTime::Absolute(
                civil_to_epoch_ms(2011, 3, 1, 11, 22, 12, 0).unwrap()
            ))
        );
        assert_eq!(
            (h.hostname, h.app_name, body),
            (Some("host"), Some("tag"), "test short message")
        );
        let (h, body) = parsed(b"<13>2026-11-23 03:15:02.120 dc01 MSWinEventLog\t1\tSecurity");
        assert_eq!(h.timestamp, Some(SyslogTime::Local(NOW)));
        assert_eq!(h.hostname, Some("dc01"));
        assert_eq!(body, "MSWinEventLog\t1\tSecurity");
    }

    #[test]
    fn fractional_seconds_and_cisco_sequence_numbers() {
        let (h, body) =
            parsed(b"<189>16261: May 28 16:09:56.185: %SYS-5-CONFIG_I: Configured from console");
        assert_eq!(h.timestamp, Some(no_year(5, 28, 16, 9, 56, 185)));
        assert_eq!(h.hostname, None);
        assert_eq!(h.app_name, Some("%SYS-5-CONFIG_I"));
        assert_eq!(body, "Configured from console");
        let (h, body) =
            parsed(b"<14>123456789: HOSTNAME: May 21 12:00:01.123 gmt: %IOSXE-6-PLATFORM: F0: cpp");
        assert_eq!(h.hostname, Some("HOSTNAME"));
        assert_eq!(h.timestamp, Some(no_year(5, 21, 12, 0, 1, 123)));
        assert_eq!(h.app_name, Some("%IOSXE-6-PLATFORM"));
        assert_eq!(body, "F0: cpp");
        let (h, _) = parsed(b"<187>*Mar  1 18:48:50.483 UTC: %SYS-5-CONFIG_I: x");
        assert_eq!(h.timestamp, Some(no_year(3, 1, 18, 48, 50, 483)));
        assert_eq!(h.app_name, Some("%SYS-5-CONFIG_I"));
        // Digits and a colon without a timestamp after them are a TAG.
        let (h, body) = parsed(b"<14>2: .");
        assert_eq!((h.timestamp, h.app_name, body), (None, Some("2"), "."));
    }

    #[test]
    fn cisco_asa_year_and_trailing_colon() {
        let (h, body) = parsed(b"<14>May 21 2017 00:00:00: %ASA-4-102030: Deny udp src");
        assert_eq!(
            h.timestamp,
            Some(SyslogTime::Local(
                civil_to_epoch_ms(2017, 5, 21, 0, 0, 0, 0).unwrap()
            ))
        );
        assert_eq!(
            (h.hostname, h.app_name, body),
            (None, Some("%ASA-4-102030"), "Deny udp src")
        );
    }

    #[test]
    fn netscaler_timestamp() {
        let (h, body) = parsed(b"<14> 05/21/2017:00:00:00 GMT HOSTNAME 1-ABC-2 : default SSLLOG");
        assert_eq!(
            h.timestamp,
            Some(SyslogTime::Local(
                civil_to_epoch_ms(2017, 5, 21, 0, 0, 0, 0).unwrap()
            ))
        );
        assert_eq!(h.hostname, Some("HOSTNAME"));
        assert_eq!(body, "1-ABC-2 : default SSLLOG");
    }

    #[test]
    fn missing_hostname_when_tag_follows_the_time() {
        let (h, body) = parsed(b"<13>Nov 23 03:15:02 sshd[42]: Failed password");
        assert_eq!(
            (h.hostname, h.app_name, h.proc_id),
            (None, Some("sshd"), Some("42"))
        );
        assert_eq!(body, "Failed password");
        let (h, body) = parsed(b"<13>Nov 23 03:15:02 su: x");
        assert_eq!((h.hostname, h.app_name, body), (None, Some("su"), "x"));
    }

    #[test]
    fn hostnames_with_at_slash_and_ipv6() {
        let (h, _) = parsed(b"<129>Mar 10 01:00:00 Hostn@me2 tag:  msgnum:2");
        assert_eq!(h.hostname, Some("Hostn@me2"));
        let (h, body) = parsed(b"<167>Mar  6 16:57:54 hostname1/hostname2 test: msgnum:0");
        assert_eq!(
            (h.hostname, body),
            (Some("hostname1/hostname2"), "msgnum:0")
        );
        let (h, _) = parsed(b"<13>Nov 23 03:15:02 2001:db8::7 app: x");
        assert_eq!(h.hostname, Some("2001:db8::7"));
    }

    #[test]
    fn tag_variants() {
        let (h, body) = parsed(b"<129>Mar 10 01:00:00 h tag:  msgnum:2");
        assert_eq!((h.app_name, body), (Some("tag"), " msgnum:2"));
        let (h, body) = parsed(b"<129>Mar 10 01:00:00 h tag:msgnum:3");
        assert_eq!((h.app_name, body), (Some("tag"), "msgnum:3"));
        let (h, body) = parsed(b"<175>Oct 16 2009 23:47:31 hostname tag[1234] This is a message");
        assert_eq!(
            (h.app_name, h.proc_id, body),
            (Some("tag"), Some("1234"), "This is a message")
        );
        let (h, body) =
            parsed(b"<167>Mar 27 19:06:53 source_server sshd(pam_unix)[12750]: session opened");
        assert_eq!(
            (h.app_name, h.proc_id, body),
            (Some("sshd(pam_unix)"), Some("12750"), "session opened")
        );
        // A word without ':' or '[pid]' is message text.
        let (h, body) = parsed(b"<129>Mar 10 01:00:00 h tag msgnum:3");
        assert_eq!((h.app_name, body), (None, "tag msgnum:3"));
        let (h, body) = parsed(b"<129>Mar 10 01:00:00 h tag4 :");
        assert_eq!((h.app_name, body), (None, "tag4 :"));
        // Unclosed or empty brackets are not a TAG either.
        let (h, body) = parsed(b"<129>Mar 10 01:00:00 h tag[12 x");
        assert_eq!((h.app_name, body), (None, "tag[12 x"));
        let (h, _) = parsed(b"<129>Mar 10 01:00:00 h tag[]: x");
        assert_eq!(h.app_name, None);
        // Non-ASCII TAG bytes are kept when they are UTF-8 (rsyslog mmutf8fix_tag).
        let (h, body) = parsed("<129>Mar 10 01:00:00 Hostname1 \u{c5}\u{99}\u{83}:".as_bytes());
        assert_eq!((h.app_name, body), (Some("\u{c5}\u{99}\u{83}"), ""));
        let (h, body) = parse(b"<129>Mar 10 01:00:00 Hostname1 \xff\xfe: x").unwrap();
        assert_eq!((h.app_name, body), (None, &b"\xff\xfe: x"[..]));
    }

    #[test]
    fn payloads_are_never_eaten_as_tags() {
        for (frame, body) in [
            (
                &b"<13>Nov 23 03:15:02 dc01 MSWinEventLog\t1\tSecurity\t123"[..],
                &b"MSWinEventLog\t1\tSecurity\t123"[..],
            ),
            (
                b"<13>Nov 23 03:15:02 dc01 MSWinEventLog#0111#011Security",
                b"MSWinEventLog#0111#011Security",
            ),
            (
                b"<13>Nov 23 03:15:02 dc01 AgentDevice=WindowsLog\tAgentLogFile=Security",
                b"AgentDevice=WindowsLog\tAgentLogFile=Security",
            ),
            (
                b"<13>Nov 23 03:15:02 dc01 LEEF:2.0|Microsoft|Windows|10|4625|",
                b"LEEF:2.0|Microsoft|Windows|10|4625|",
            ),
            (
                b"<13>Nov 23 03:15:02 dc01 CEF:0|Microsoft|Windows|10|4625|",
                b"CEF:0|Microsoft|Windows|10|4625|",
            ),
            (
                b"<13>Nov 23 03:15:02 LEEF:2.0|Microsoft|Windows|10|4625|",
                b"LEEF:2.0|Microsoft|Windows|10|4625|",
            ),
            (
                b"<13>Nov 23 03:15:02 dc01 { \"EventID\": 4625 }",
                b"{ \"EventID\": 4625 }",
            ),
        ] {
            let (h, got) = parse(frame).expect("header");
            assert_eq!(h.app_name, None, "{}", String::from_utf8_lossy(frame));
            assert_eq!(got, body, "{}", String::from_utf8_lossy(frame));
        }
        let (h, _) = parsed(b"<13>Nov 23 03:15:02 dc01 LEEF:2.0|x");
        assert_eq!(h.hostname, Some("dc01"));
        // Placeholders in the host position (Microsoft's WinCollect doc example, Snare).
        let (h, body) =
            parsed(b"<13>Feb 11 00:00:00 %IPADDRESS% AgentDevice=WindowsLog AgentLogFile=Security");
        assert_eq!(
            (h.hostname, body),
            (
                Some("%IPADDRESS%"),
                "AgentDevice=WindowsLog AgentLogFile=Security"
            )
        );
        let (h, body) = parsed(b"<175>Oct 16 23:47:31 #001 MSWinEventLog 0#011Security");
        assert_eq!(
            (h.hostname, body),
            (Some("#001"), "MSWinEventLog 0#011Security")
        );
    }

    #[test]
    fn relay_header_exposes_the_inner_one() {
        let (h, body) = parsed(
            b"<13>Nov 23 03:15:05 relay01 <34>Nov 23 03:15:02 dc01 sshd[7]: Failed password",
        );
        assert_eq!(h.pri, Some(34));
        assert_eq!(h.timestamp, Some(no_year(11, 23, 3, 15, 2, 0)));
        assert_eq!(h.hostname, Some("dc01"));
        assert_eq!((h.app_name, h.proc_id), (Some("sshd"), Some("7")));
        assert_eq!(body, "Failed password");
        // Inner RFC 5424 header.
        let (h, body) = parsed(
            b"<13>Nov 23 03:15:05 relay01 <34>1 2026-11-23T03:15:02.120Z dc01 Security - - - text",
        );
        assert_eq!(h.kind, HeaderKind::Rfc5424);
        assert_eq!(h.hostname, Some("dc01"));
        assert_eq!(body, "text");
        // The inner header has no hostname: the relay's stands in.
        let (h, body) = parsed(b"<13>Nov 23 03:15:05 relay01 <34>Nov 23 03:15:02 sshd: x");
        assert_eq!(
            (h.hostname, h.app_name, body),
            (Some("relay01"), Some("sshd"), "x")
        );
        // Markup is not a header.
        let (h, body) = parsed(b"<13>Nov 23 03:15:05 relay01 <b>bold</b>");
        assert_eq!(
            (h.pri, h.hostname, body),
            (Some(13), Some("relay01"), "<b>bold</b>")
        );
        // Deep nesting stops.
        let mut frame = Vec::new();
        for _ in 0..50 {
            frame.extend_from_slice(b"<13>Nov 23 03:15:05 r ");
        }
        frame.extend_from_slice(b"x");
        assert!(parse(&frame).is_some());
    }

    #[test]
    fn pri_without_timestamp_reads_no_hostname() {
        let (h, body) = parsed(b"<13>last message repeated 5 times");
        assert_eq!(
            (h.pri, h.timestamp, h.hostname, h.app_name),
            (Some(13), None, None, None)
        );
        assert_eq!(body, "last message repeated 5 times");
        let (h, body) = parsed(b"<27>xapi: [error|xen3|15]");
        assert_eq!((h.app_name, body), (Some("xapi"), "[error|xen3|15]"));
        let (h, body) = parsed(b"<128>");
        assert_eq!((h.pri, body), (Some(128), ""));
    }

    #[test]
    fn empty_message_and_hostname_only() {
        let (h, body) = parsed(b"<14>Aug 30 23:00:05 X4711");
        assert_eq!((h.hostname, body), (Some("X4711"), ""));
        let (h, body) = parsed(b"<14>Aug 30 23:00:05 X4711 ");
        assert_eq!((h.hostname, body), (Some("X4711"), ""));
        let (h, body) = parsed(b"<14>Aug 30 23:00:05");
        assert_eq!((h.hostname, body), (None, ""));
        let (h, body) = parsed(b"<129>Mar 10 01:00:00 172.20.245.8 tag4:");
        assert_eq!((h.app_name, body), (Some("tag4"), ""));
    }

    #[test]
    fn invalid_times_are_not_timestamps() {
        for frame in [
            &b"<13>Nov 23 24:15:02 h x"[..],
            b"<13>Nov 32 03:15:02 h x",
            b"<13>Foo 23 03:15:02 h x",
            b"<13>Nov 23 3:15:02 h x",
        ] {
            let (h, _) = parsed(frame);
            assert_eq!(h.timestamp, None, "{}", String::from_utf8_lossy(frame));
            assert_eq!(h.hostname, None);
        }
    }
}

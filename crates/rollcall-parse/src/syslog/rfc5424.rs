//! RFC 5424 header and STRUCTURED-DATA parser.
//!
//! ```text
//! SYSLOG-MSG      = HEADER SP STRUCTURED-DATA [SP MSG]
//! HEADER          = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
//! PRI             = "<" PRIVAL ">"                 ; PRIVAL = 1*3DIGIT, 0..191
//! VERSION         = NONZERO-DIGIT 0*2DIGIT
//! TIMESTAMP       = NILVALUE / FULL-DATE "T" FULL-TIME   ; RFC 3339
//! HOSTNAME, APP-NAME, PROCID, MSGID = NILVALUE / 1*nPRINTUSASCII
//! STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT
//! SD-ELEMENT      = "[" SD-ID *(SP SD-PARAM) "]"
//! SD-PARAM        = PARAM-NAME "=" %d34 PARAM-VALUE %d34
//! SD-NAME         = 1*32PRINTUSASCII ; except '=', SP, ']', %d34
//! PARAM-VALUE     = UTF-8-STRING ; '"', '\' and ']' MUST be escaped
//! MSG             = MSG-ANY / BOM MSG-UTF8                ; BOM = %xEF.BB.BF
//! NILVALUE        = "-"
//! ```
//!
//! Leniency, each taken from what rsyslog's parser tests expect:
//! * a missing PRI is accepted when the frame clearly is 5424 (`1 2026-11-23T…`);
//! * a header cut short after the timestamp leaves the missing fields `None`;
//! * STRUCTURED-DATA that is neither NILVALUE nor valid SD-ELEMENTs (`ID47 last message
//!   repeated 5 times`, `[x@1 MSGNUM]`, an unterminated `[x@1 a="…`) is taken as absent and
//!   the bytes from its position on are the message body (rsyslog `pmlastmsg-udp.sh`);
//! * spaces around `=` in an SD-PARAM are tolerated (`eventSource= "Application"`, which
//!   rsyslog's `parsertest-parse1.sh` accepts);
//! * field lengths are not capped at the RFC's 48/128/32 (senders exceed them); fields are
//!   any run of visible UTF-8 without controls.

use std::borrow::Cow;

use super::{parse_pri, skip_spaces_before_pri, HeaderKind, SyslogHeader, SyslogTime};
use crate::error::ParseError;
use crate::fields::WinFields;
use crate::time::parse_rfc3339_zoned;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses an RFC 5424 header; `None` when the frame is not RFC 5424 (RFC 3164 gets a try).
pub fn parse(frame: &[u8]) -> Option<(SyslogHeader<'_>, &[u8])> {
    let input = skip_spaces_before_pri(frame);
    let (pri, rest) = match parse_pri(input) {
        Some((pri, rest)) => (Some(pri), rest),
        None => (None, input),
    };
    let (version, rest) = split_sp(rest)?;
    if !is_version(version) || (pri.is_none() && version != b"1") {
        return None;
    }
    let (ts, rest) = split_sp(rest)?;
    let timestamp = if ts == b"-" {
        // Without PRI a NILVALUE timestamp is too little evidence that this is 5424.
        pri?;
        None
    } else {
        // RFC 5424 requires the offset; senders that leave it out send local time.
        let (ms, zoned) = parse_rfc3339_zoned(ts)?;
        Some(if zoned {
            SyslogTime::Absolute(ms)
        } else {
            SyslogTime::Local(ms)
        })
    };
    let (hostname, rest) = header_field(rest)?;
    let (app_name, rest) = header_field(rest)?;
    let (proc_id, rest) = header_field(rest)?;
    let (msg_id, rest) = header_field(rest)?;
    let (structured_data, body) = split_structured_data(rest);
    let body = body.strip_prefix(BOM).unwrap_or(body);
    let header = SyslogHeader {
        kind: HeaderKind::Rfc5424,
        pri,
        timestamp,
        hostname,
        app_name,
        proc_id,
        msg_id,
        structured_data,
    };
    Some((header, body))
}

/// Feeds Windows fields carried as SD-PARAMs (NXLog/Winlogbeat 5424 senders put event data
/// there) into `out`. Values are unescaped into an owned string only when they contain a
/// backslash escape. Fails on SD that is not well-formed (never the case for SD returned by
/// [`parse`], which validates it); fields found before the error are kept.
pub fn extract_sd<'a>(sd: &'a [u8], out: &mut WinFields<'a>) -> Result<(), ParseError> {
    for element in SdElements::new(sd) {
        for param in element?.params() {
            let param = param?;
            out.set_field(param.name, param.value());
        }
    }
    Ok(())
}

/// `NONZERO-DIGIT 0*2DIGIT`
fn is_version(v: &[u8]) -> bool {
    matches!(v.first(), Some(b'1'..=b'9')) && v.len() <= 3 && v.iter().all(u8::is_ascii_digit)
}

/// The token before the next SP (which is consumed). `None` when there is no SP or the
/// token is empty.
fn split_sp(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let sp = memchr::memchr(b' ', input)?;
    let (token, rest) = input.split_at(sp);
    if token.is_empty() {
        return None;
    }
    Some((token, rest.get(1..).unwrap_or_default()))
}

/// One of HOSTNAME / APP-NAME / PROCID / MSGID. End of input is accepted (a header cut
/// short); an empty field (two SPs) or one with control bytes or invalid UTF-8 is not.
fn header_field(input: &[u8]) -> Option<(Option<&str>, &[u8])> {
    if input.is_empty() {
        return Some((None, input));
    }
    let end = memchr::memchr(b' ', input).unwrap_or(input.len());
    let (token, rest) = input.split_at(end);
    if token.is_empty() || token.iter().any(|&b| b < 0x21 || b == 0x7F) {
        return None;
    }
    let text = std::str::from_utf8(token).ok()?;
    let rest = rest.get(1..).unwrap_or_default();
    Some(((text != "-").then_some(text), rest))
}

/// Splits STRUCTURED-DATA off the front of `input`: `(Some(sd), body)` for valid
/// SD-ELEMENTs, `(None, body)` for NILVALUE, and `(None, input)` for anything else.
fn split_structured_data(input: &[u8]) -> (Option<&[u8]>, &[u8]) {
    match input.first() {
        None => (None, input),
        Some(b'-') if matches!(input.get(1), None | Some(b' ')) => {
            (None, input.get(2..).unwrap_or_default())
        }
        Some(b'[') => match sd_length(input) {
            Some(len) => {
                let (sd, rest) = input.split_at(len);
                (Some(sd), rest.get(1..).unwrap_or_default())
            }
            None => (None, input),
        },
        Some(_) => (None, input),
    }
}

/// Length of the valid SD-ELEMENT run at the front of `input`, which must end the input
/// or be followed by SP.
fn sd_length(input: &[u8]) -> Option<usize> {
    let mut rest = input;
    while rest.first() == Some(&b'[') {
        let (_, after) = scan_element(rest).ok()?;
        rest = after;
    }
    match rest.first() {
        None | Some(b' ') => Some(input.len() - rest.len()),
        Some(_) => None,
    }
}

/// `SD-NAME`: 1*PRINTUSASCII except `=`, SP, `]`, `"`.
fn sd_name(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = input
        .iter()
        .position(|&b| !(0x21..=0x7E).contains(&b) || matches!(b, b'=' | b']' | b'"'))
        .unwrap_or(input.len());
    if end == 0 {
        return None;
    }
    Some(input.split_at(end))
}

fn skip_spaces(input: &[u8]) -> &[u8] {
    let n = input.iter().position(|&b| b != b' ').unwrap_or(input.len());
    input.get(n..).unwrap_or_default()
}

/// `SP* "=" SP* %d34 PARAM-VALUE %d34`, returning the raw (still escaped) value.
fn param_value(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = skip_spaces(input).strip_prefix(b"=")?;
    let rest = skip_spaces(rest).strip_prefix(b"\"")?;
    let mut i = 0;
    loop {
        let off = memchr::memchr2(b'"', b'\\', rest.get(i..)?)?;
        let at = i + off;
        if rest.get(at) == Some(&b'"') {
            let (value, after) = rest.split_at(at);
            return Some((value, after.get(1..).unwrap_or_default()));
        }
        // A backslash escapes the next byte, whatever it is.
        i = at + 2;
    }
}

/// Parses one `[id params…]` element, validating every SD-PARAM.
fn scan_element(input: &[u8]) -> Result<(SdElement<'_>, &[u8]), ParseError> {
    let bad = ParseError::InvalidStructuredData;
    let inner = input.strip_prefix(b"[").ok_or(bad)?;
    let (id, mut rest) = sd_name(inner).ok_or(bad)?;
    let params_start = inner.len() - rest.len();
    loop {
        let after_spaces = skip_spaces(rest);
        if let Some(after) = after_spaces.strip_prefix(b"]") {
            let params_end = inner.len() - after_spaces.len();
            let params = inner.get(params_start..params_end).unwrap_or_default();
            return Ok((SdElement { id, params }, after));
        }
        if after_spaces.len() == rest.len() {
            // SD-PARAMs are separated from the SD-ID and each other by SP.
            return Err(bad);
        }
        let (_, after_name) = sd_name(after_spaces).ok_or(bad)?;
        let (_, after_value) = param_value(after_name).ok_or(bad)?;
        rest = after_value;
    }
}

/// Iterator over the SD-ELEMENTs of a STRUCTURED-DATA field. Yields an error (once, then
/// stops) at the first malformed element.
#[derive(Clone, Debug)]
pub struct SdElements<'a> {
    rest: &'a [u8],
}

impl<'a> SdElements<'a> {
    pub fn new(sd: &'a [u8]) -> Self {
        SdElements { rest: sd }
    }
}

impl<'a> Iterator for SdElements<'a> {
    type Item = Result<SdElement<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match scan_element(self.rest) {
            Ok((element, rest)) => {
                self.rest = rest;
                Some(Ok(element))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// One `[SD-ID SD-PARAM…]` element, borrowed from the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdElement<'a> {
    /// `exampleSDID@32473`, `origin`, …
    pub id: &'a [u8],
    /// The raw SD-PARAMs after the SD-ID (leading SP included).
    params: &'a [u8],
}

impl<'a> SdElement<'a> {
    pub fn params(&self) -> SdParams<'a> {
        SdParams { rest: self.params }
    }
}

/// Iterator over the SD-PARAMs of one element.
#[derive(Clone, Debug)]
pub struct SdParams<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for SdParams<'a> {
    type Item = Result<SdParam<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = skip_spaces(self.rest);
        if start.is_empty() {
            return None;
        }
        let parsed = sd_name(start).and_then(|(name, after)| {
            param_value(after).map(|(raw_value, rest)| (SdParam { name, raw_value }, rest))
        });
        match parsed {
            Some((param, rest)) => {
                self.rest = rest;
                Some(Ok(param))
            }
            None => {
                self.rest = &[];
                Some(Err(ParseError::InvalidStructuredData))
            }
        }
    }
}

/// One `name="value"` pair; the value is still escaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdParam<'a> {
    pub name: &'a [u8],
    pub raw_value: &'a [u8],
}

impl<'a> SdParam<'a> {
    /// The value with `\"`, `\\` and `\]` unescaped (other backslashes are kept, as RFC 5424
    /// §6.3.3 requires). Borrowed unless an escape or invalid UTF-8 forces a copy.
    pub fn value(&self) -> Cow<'a, str> {
        let raw = self.raw_value;
        if memchr::memchr(b'\\', raw).is_none() {
            return String::from_utf8_lossy(raw);
        }
        let mut bytes = Vec::with_capacity(raw.len());
        let mut iter = raw.iter().copied().peekable();
        while let Some(b) = iter.next() {
            match (b, iter.peek()) {
                (b'\\', Some(&next @ (b'"' | b'\\' | b']'))) => {
                    bytes.push(next);
                    iter.next();
                }
                _ => bytes.push(b),
            }
        }
        match String::from_utf8(bytes) {
            Ok(s) => Cow::Owned(s),
            Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(frame: &[u8]) -> (SyslogHeader<'_>, &[u8]) {
        parse(frame).unwrap_or_else(|| panic!("not 5424: {}", String::from_utf8_lossy(frame)))
    }

    #[test]
    fn parses_every_header_field() {
        let (h, body) = parsed(
            b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut=\"3\"] An application event",
        );
        assert_eq!(h.kind, HeaderKind::Rfc5424);
        assert_eq!(h.pri, Some(165));
        assert_eq!(h.timestamp, Some(SyslogTime::Absolute(1_065_910_455_003)));
        assert_eq!(h.hostname, Some("mymachine.example.com"));
        assert_eq!(h.app_name, Some("evntslog"));
        assert_eq!(h.proc_id, Some("1234"));
        assert_eq!(h.msg_id, Some("ID47"));
        assert_eq!(
            h.structured_data,
            Some(&b"[exampleSDID@32473 iut=\"3\"]"[..])
        );
        assert_eq!(body, b"An application event");
    }

    #[test]
    fn nilvalues_become_none() {
        let (h, body) = parsed(b"<13>1 - - - - - - msg");
        assert_eq!(h.timestamp, None);
        assert_eq!(
            (h.hostname, h.app_name, h.proc_id, h.msg_id),
            (None, None, None, None)
        );
        assert_eq!(h.structured_data, None);
        assert_eq!(body, b"msg");
    }

    #[test]
    fn timestamp_offsets_and_fractions() {
        let (h, _) = parsed(b"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - x");
        assert_eq!(h.timestamp, Some(SyslogTime::Absolute(1_061_727_255_000)));
        assert_eq!(h.proc_id, Some("8710"));
        assert_eq!(h.msg_id, None);
        assert!(parse(b"<165>1 2003-13-24T05:14:15Z host app - - - x").is_none());
        assert!(parse(b"<165>1 yesterday host app - - - x").is_none());
    }

    #[test]
    fn missing_pri_only_when_clearly_5424() {
        let (h, body) = parsed(b"1 2026-11-23T03:15:02.120Z dc01 Security - - - text");
        assert_eq!(h.pri, None);
        assert_eq!(h.hostname, Some("dc01"));
        assert_eq!(body, b"text");
        assert!(parse(b"1 - host app - - - x").is_none());
        assert!(parse(b"2 2026-11-23T03:15:02Z host").is_none());
        assert!(parse(b"Nov 23 03:15:02 host app: x").is_none());
    }

    #[test]
    fn rejects_what_is_not_5424() {
        for frame in [
            &b"<13>Nov 23 03:15:02 host app: x"[..],
            b"<13>1",
            b"<13>1 ",
            b"<192>1 2026-11-23T03:15:02Z h a p m - x",
            b"<13>01 2026-11-23T03:15:02Z h a p m - x",
            b"<13>1 2026-11-23T03:15:02Z  a p m - x",
            b"<13>1 2026-11-23T03:15:02Z h\x01st a p m - x",
            b"<13>1 2026-11-23T03:15:02Z h\xffst a p m - x",
            b"",
        ] {
            assert!(parse(frame).is_none(), "{}", String::from_utf8_lossy(frame));
        }
    }

    #[test]
    fn truncated_header_after_timestamp_is_kept() {
        let (h, body) = parsed(b"<13>1 2026-11-23T03:15:02Z dc01");
        assert_eq!(h.hostname, Some("dc01"));
        assert_eq!(h.app_name, None);
        assert!(body.is_empty());
    }

    #[test]
    fn sd_absent_or_invalid_leaves_rest_as_body() {
        let (h, body) =
            parsed(b"<34>1 2003-11-11T22:14:15.003Z host su - ID47 last message repeated 5 times");
        assert_eq!(h.structured_data, None);
        assert_eq!(body, b"last message repeated 5 times");
        for (frame, rest) in [
            (
                &b"<161>1 2003-03-01T01:00:00Z h t - tag [x@1 MSGNUM] invalid"[..],
                &b"[x@1 MSGNUM] invalid"[..],
            ),
            (
                b"<161>1 2003-03-01T01:00:00Z h t - tag [x@1 a=\"unterminated",
                b"[x@1 a=\"unterminated",
            ),
            (
                b"<161>1 2003-03-01T01:00:00Z h t - tag [x@1 a=\"b\"]glued",
                b"[x@1 a=\"b\"]glued",
            ),
            (
                b"<161>1 2003-03-01T01:00:00Z h t - tag [x@1 = ]",
                b"[x@1 = ]",
            ),
            (b"<161>1 2003-03-01T01:00:00Z h t - tag [", b"["),
            (b"<161>1 2003-03-01T01:00:00Z h t - tag -x", b"-x"),
        ] {
            let (h, body) = parsed(frame);
            assert_eq!(h.structured_data, None);
            assert_eq!(body, rest);
        }
    }

    #[test]
    fn multiple_elements_and_escapes() {
        let frame = br#"<85>1 2019-08-27T13:02:58.000+01:00 A/B-896747 ABC LMBNI SUCCESS [origin software="ABC" swVersion="47.1"][ABC@32473 eventType="XYZ:\"free -m\";" bracket="1\]2" path="C:\\temp" odd="a\b"] TESTMESSAGE"#;
        let (h, body) = parsed(frame);
        assert_eq!(h.hostname, Some("A/B-896747"));
        assert_eq!(body, b"TESTMESSAGE");
        let sd = h.structured_data.expect("sd");
        let elements: Vec<_> = SdElements::new(sd).map(Result::unwrap).collect();
        assert_eq!(elements.len(), 2);
        assert_eq!(elements[0].id, b"origin");
        assert_eq!(elements[1].id, b"ABC@32473");
        let values: Vec<(Vec<u8>, Cow<'_, str>)> = elements[1]
            .params()
            .map(|p| p.unwrap())
            .map(|p| (p.name.to_vec(), p.value()))
            .collect();
        assert_eq!(values[0].1, "XYZ:\"free -m\";");
        assert_eq!(values[1].1, "1]2");
        assert_eq!(values[2].1, "C:\\temp");
        assert_eq!(values[3].1, "a\\b");
        assert!(matches!(values[0].1, Cow::Owned(_)));
        let plain: Vec<_> = elements[0].params().map(|p| p.unwrap().value()).collect();
        assert!(matches!(plain[0], Cow::Borrowed("ABC")));
    }

    #[test]
    fn tolerates_spaces_around_equals_like_rsyslog() {
        let (h, body) = parsed(
            br#"<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 [exampleSDID@32473 iut="3" eventSource= "Application" eventID="1011"][examplePriority@32473 class="high"]"#,
        );
        assert!(h.structured_data.is_some());
        assert!(body.is_empty());
    }

    #[test]
    fn message_spacing_and_bom() {
        let (_, body) = parsed(b"<13>1 2019-05-15T11:21:57+03:00 d tag - - -  nosd-sp");
        assert_eq!(body, b" nosd-sp");
        let (_, body) = parsed(b"<13>1 2019-05-15T11:21:57+03:00 d tag - - [a@1 a=\"b\"]  sd-sp");
        assert_eq!(body, b" sd-sp");
        let (_, body) =
            parsed(b"<34>1 2003-10-11T22:14:15.003Z h su - ID47 - \xEF\xBB\xBFsu root failed");
        assert_eq!(body, b"su root failed");
        let (_, body) = parsed(b"<13>1 2019-05-15T11:21:57+03:00 d tag - - -");
        assert!(body.is_empty());
    }

    #[test]
    fn leading_space_before_pri_is_ignored() {
        let (h, _) = parsed(b"  <13>1 2019-05-15T11:21:57Z d tag - - - x");
        assert_eq!(h.pri, Some(13));
    }

    #[test]
    fn extract_sd_feeds_windows_fields() {
        let sd = br#"[NXLOG@14506 EventID="4625" TargetUserName="j\"doe" IpAddress="203.0.113.7" Other="x"][meta@1 Computer="DC01"]"#;
        let mut fields = WinFields::default();
        extract_sd(sd, &mut fields).unwrap();
        assert_eq!(fields.event_id, Some(4625));
        assert_eq!(fields.target_user.as_deref(), Some("j\"doe"));
        assert!(matches!(fields.target_user, Some(Cow::Owned(_))));
        assert!(matches!(fields.ip, Some(Cow::Borrowed("203.0.113.7"))));
        assert_eq!(fields.computer.as_deref(), Some("DC01"));
    }

    #[test]
    fn extract_sd_rejects_malformed_sd() {
        for sd in [
            &b"[x@1 a]"[..],
            b"[x@1 a=\"b",
            b"x",
            b"[x@1 a=\"b\"]junk",
            b"[]",
        ] {
            let mut fields = WinFields::default();
            assert_eq!(
                extract_sd(sd, &mut fields),
                Err(ParseError::InvalidStructuredData),
                "{}",
                String::from_utf8_lossy(sd)
            );
        }
        let mut fields = WinFields::default();
        assert_eq!(extract_sd(b"", &mut fields), Ok(()));
    }
}

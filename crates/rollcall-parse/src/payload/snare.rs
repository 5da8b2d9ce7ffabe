//! Snare `MSWinEventLog` records (Snare agents, NXLog `to_snare`-style output, Epilog).
//!
//! ```text
//! MSWinEventLog<d>Criticality<d>Security<d>SnareCounter<d>SubmitTime<d>EventID<d>SourceName<d>
//! UserName<d>SIDType<d>EventLogType<d>ComputerName<d>CategoryString<d>DataString<d>
//! ExpandedString[<d>MD5 or counter]
//! ```
//!
//! `<d>` is a TAB, or what a relay made of it (`#011` from rsyslog, a literal `\011`), or a
//! character configured on the agent; it is detected right after `MSWinEventLog` (rsyslog's
//! own test data has `MSWinEventLog 0#011Security…`: a space there, `#011` after). The Snare
//! JSON variant (`MSWinEventLog<d>0<d>{…}`) is handed to [`crate::payload::json`]. Headerless
//! (`host<TAB>MSWinEventLog…`) and truncated records are read as far as they go.

use std::borrow::Cow;

use memchr::memmem;

use crate::payload::finder;

use crate::error::ParseError;
use crate::fields::{FieldSlot, WinFields};
use crate::payload::{json, wintext};
use crate::time;

const TAG: &[u8] = b"MSWinEventLog";
/// How far into a body the tag may start (`host<TAB>` or an unstripped syslog header before it).
const MAX_PREFIX: usize = 160;

/// Column positions after the tag.
pub const CRITICALITY: usize = 0;
pub const LOG_NAME: usize = 1;
pub const SNARE_COUNTER: usize = 2;
pub const SUBMIT_TIME: usize = 3;
pub const EVENT_ID: usize = 4;
pub const SOURCE_NAME: usize = 5;
pub const USER_NAME: usize = 6;
pub const SID_TYPE: usize = 7;
pub const EVENT_LOG_TYPE: usize = 8;
pub const COMPUTER_NAME: usize = 9;
pub const CATEGORY_STRING: usize = 10;
pub const DATA_STRING: usize = 11;
pub const EXPANDED_STRING: usize = 12;

/// A Snare record: its delimiter and the columns after the tag, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnareRecord<'a> {
    /// The column separator as it appears in the record (`\t`, `#011`, `\011`, `|`, …).
    pub delimiter: &'a [u8],
    /// Everything after the tag and its separator.
    pub columns: &'a [u8],
}

impl<'a> SnareRecord<'a> {
    /// The columns in order (Criticality first).
    pub fn fields(&self) -> SnareFields<'a> {
        SnareFields {
            rest: (!self.columns.is_empty()).then_some(self.columns),
            delimiter: self.delimiter,
        }
    }

    /// The JSON object of the Snare JSON variant, from its `{` to the end of the record.
    pub fn json(&self) -> Option<&'a [u8]> {
        let mut offset = 0;
        for field in self.fields().take(3) {
            if field.first() == Some(&b'{') {
                return self.columns.get(offset..);
            }
            offset += field.len() + self.delimiter.len();
        }
        None
    }

    /// The rendered message (ExpandedString): from its column to the last delimiter when what
    /// follows that delimiter is a trailer (MD5 or event counter), else to the end. Messages
    /// that kept their own TABs therefore stay whole.
    pub fn expanded_string(&self) -> Option<&'a [u8]> {
        let mut offset = 0;
        let mut fields = self.fields();
        for _ in 0..EXPANDED_STRING {
            offset += fields.next()?.len() + self.delimiter.len();
        }
        let tail = self.columns.get(offset..)?;
        match memmem::rfind(tail, self.delimiter) {
            Some(i) if is_trailer(&tail[i + self.delimiter.len()..]) => Some(&tail[..i]),
            _ => Some(tail),
        }
    }
}

/// A Snare trailer: MD5 hex, an event counter (`15`, `-402991`), `N/A`, or a literal `\n`.
fn is_trailer(s: &[u8]) -> bool {
    let s = s.strip_suffix(b"\\n").unwrap_or(s);
    !s.is_empty()
        && s.len() <= 40
        && (s == b"N/A"
            || s.iter()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, b'-' | b'\r' | b'\n')))
}

/// Iterator over the columns of a [`SnareRecord`].
#[derive(Clone, Debug)]
pub struct SnareFields<'a> {
    rest: Option<&'a [u8]>,
    delimiter: &'a [u8],
}

impl<'a> Iterator for SnareFields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        let found = match self.delimiter {
            [b] => memchr::memchr(*b, rest),
            d => memmem::find(rest, d),
        };
        match found {
            Some(i) => {
                self.rest = rest.get(i + self.delimiter.len()..);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// Offset of the tag: at the start, or after a non-alphanumeric byte within [`MAX_PREFIX`],
/// and followed by a separator or the end of the record.
fn find_tag(body: &[u8]) -> Option<usize> {
    let window = &body[..body.len().min(MAX_PREFIX + TAG.len())];
    let at = finder!(TAG).find(window)?;
    let before_ok = at == 0 || !window[at - 1].is_ascii_alphanumeric();
    let after = body.get(at + TAG.len()).copied();
    let after_ok = after.is_none_or(|c| !c.is_ascii_alphanumeric());
    (before_ok && after_ok).then_some(at)
}

pub fn looks_like(body: &[u8]) -> bool {
    find_tag(body).is_some()
}

/// Finds the tag and the column delimiter.
pub fn parse(body: &[u8]) -> Result<SnareRecord<'_>, ParseError> {
    let at = find_tag(body).ok_or(ParseError::InvalidSnare)?;
    let after = &body[at + TAG.len()..];
    let (delimiter, skip) = detect_delimiter(after);
    Ok(SnareRecord {
        delimiter,
        columns: after.get(skip..).unwrap_or(&[]),
    })
}

/// (delimiter, bytes to skip after the tag).
fn detect_delimiter(after: &[u8]) -> (&[u8], usize) {
    const ESCAPED: [&[u8]; 2] = [b"#011", b"\\011"];
    for e in ESCAPED {
        if after.starts_with(e) {
            return (&after[..e.len()], e.len());
        }
    }
    match after.first() {
        None => (&after[..0], 0),
        Some(b' ') => {
            // `MSWinEventLog 0#011Security…`: the real delimiter comes later.
            let candidates = [&b"\t"[..], ESCAPED[0], ESCAPED[1]];
            let first = candidates
                .iter()
                .filter_map(|d| memmem::find(after, d).map(|i| (i, d.len())))
                .min();
            match first {
                Some((i, len)) => (&after[i..i + len], 1),
                None => (&after[..1], 1),
            }
        }
        Some(_) => (&after[..1], 1),
    }
}

fn trimmed_text(v: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(v).ok()?.trim();
    (!s.is_empty() && s != "N/A" && s != "-").then_some(s)
}

pub fn extract<'a>(body: &'a [u8], out: &mut WinFields<'a>) -> Result<(), ParseError> {
    let record = parse(body)?;
    if let Some(json_part) = record.json() {
        return json::extract(json_part, out);
    }
    let mut columns = [&[][..]; EXPANDED_STRING];
    let mut count = 0;
    for (slot, field) in columns.iter_mut().zip(record.fields()) {
        *slot = field;
        count += 1;
    }
    if let Some(id) = columns.get(EVENT_ID).filter(|_| count > EVENT_ID) {
        if let Some(id) = trimmed_text(id) {
            out.set_slot(FieldSlot::EventId, Cow::Borrowed(id));
        }
    }
    if out.is_other_windows_event() {
        return Ok(());
    }
    if count > COMPUTER_NAME {
        if let Some(host) = trimmed_text(columns[COMPUTER_NAME]) {
            out.set_slot(FieldSlot::Computer, Cow::Borrowed(host));
        }
    }
    if out.time_ms.is_none() && count > SUBMIT_TIME {
        // Snare writes the agent's local time and no zone.
        out.set_time(time::parse_ctime_ms(columns[SUBMIT_TIME]).map(|ms| (ms, false)));
    }
    if let Some(text) = record.expanded_string() {
        wintext::extract(text, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::AuthKind;
    use crate::message::{auth_event, parse_message, ParseContext};
    use crate::payload::Format;

    const CTX: ParseContext = ParseContext {
        now_ms: 1_795_400_000_000,
    };

    /// Snare 4771, TAB-delimited, message rendered with Snare's runs of spaces.
    const SNARE_4771: &str = "<14>Nov 23 03:15:02 DC01 MSWinEventLog\t1\tSecurity\t88123\tMon Nov 23 03:15:02 2026\t4771\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tFailure Audit\tDC01.corp.example\tKerberos Authentication Service\t\tKerberos pre-authentication failed.    Account Information:   Security ID:  S-1-5-21-3623811015-3361044348-30300820-1104   Account Name:  alice    Service Information:   Service Name:  krbtgt/CORP    Network Information:   Client Address:  ::ffff:198.51.100.23   Client Port:  49811    Additional Information:   Ticket Options:  0x40810010   Failure Code:  0x18   Pre-Authentication Type: 2    Certificate Information:   Certificate Issuer Name:     Certificate Serial Number:     Certificate Thumbprint:      Certificate information is only provided if a certificate was used for pre-authentication.\t88123";

    fn record(line: &str) -> WinFields<'_> {
        let mut f = WinFields::default();
        extract(line.as_bytes(), &mut f).unwrap();
        f
    }

    #[test]
    fn snare_4771_columns_and_message() {
        let rec = parse(SNARE_4771.as_bytes()).unwrap();
        assert_eq!(rec.delimiter, b"\t");
        let cols: Vec<_> = rec.fields().collect();
        assert_eq!(cols[EVENT_ID], b"4771");
        assert_eq!(cols[COMPUTER_NAME], b"DC01.corp.example");
        assert_eq!(cols.len(), 14);
        let expanded = rec.expanded_string().unwrap();
        assert!(expanded.starts_with(b"Kerberos pre-authentication failed."));
        assert!(expanded.ends_with(b"pre-authentication."));
        let f = record(SNARE_4771);
        assert_eq!(f.event_id, Some(4771));
        assert_eq!(f.computer.as_deref(), Some("DC01.corp.example"));
        assert_eq!(f.time_ms, time::parse_rfc3339_ms(b"2026-11-23T03:15:02Z"));
    }

    #[test]
    fn snare_4771_end_to_end() {
        let msg = parse_message(SNARE_4771.as_bytes());
        assert_eq!(msg.format, Format::Snare);
        let ev = auth_event(&msg, &CTX).unwrap().expect("auth failure");
        assert_eq!(ev.kind, AuthKind::Kerberos4771);
        assert_eq!(ev.failure_code().to_string(), "0x18");
        assert_eq!(ev.username, "alice");
        assert_eq!(ev.source_ip, "198.51.100.23".parse().ok());
        assert_eq!(ev.host.as_deref(), Some("DC01.corp.example"));
    }

    /// The same kind of record through rsyslog with control-character escaping on (`#011`),
    /// and the odd space right after the tag that rsyslog's own tests carry.
    #[test]
    fn escaped_delimiters() {
        let base = "MSWinEventLog\t1\tSecurity\t5\tMon Nov 23 03:15:02 2026\t4625\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tFailure Audit\tDC02\tLogon\t\tAn account failed to log on.    Subject:   Security ID:  S-1-0-0   Account Name:  -    Account For Which Logon Failed:   Security ID:  S-1-0-0   Account Name:  mallory   Account Domain:  CORP    Failure Information:   Failure Reason:  Unknown user name or bad password.   Status:  0xC000006D   Sub Status:  0xC0000064    Network Information:   Workstation Name:  KALI   Source Network Address:  203.0.113.9   Source Port:  0\t5";
        for (delim, first_sep) in [
            ("#011", "#011"),
            ("\\011", "\\011"),
            ("#011", " "),
            ("|", "|"),
        ] {
            let line = base.replacen('\t', first_sep, 1).replace('\t', delim);
            let line = format!("<13>Nov 23 03:15:02 relay01 {line}");
            let rec = parse(line.as_bytes()).unwrap();
            assert_eq!(rec.delimiter, delim.as_bytes(), "{line}");
            let ev = auth_event(&parse_message(line.as_bytes()), &CTX)
                .unwrap()
                .expect(&line);
            assert_eq!(ev.kind, AuthKind::Ntlm4625);
            assert_eq!(ev.failure_code().to_string(), "0xC0000064");
            assert_eq!(ev.username, "mallory");
            assert_eq!(ev.source_ip, "203.0.113.9".parse().ok());
            assert_eq!(ev.host.as_deref(), Some("DC02"));
        }
    }

    #[test]
    fn headerless_and_truncated_records() {
        let line = b"dc03\tMSWinEventLog\t1\tSecurity\t7\tMon Nov 23 03:15:02 2026\t4776\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tFailure Audit\tDC03\tCredential Validation\t\tThe computer attempted to validate the credentials for an account.    Authentication Package: MICROSOFT_AUTHENTICATION_PACKAGE_V1_0  Logon Account: svc_sql  Source Workstation: WS-22  Error Code: 0xC000006A";
        assert!(looks_like(line));
        let ev = auth_event(&parse_message(line), &CTX).unwrap().unwrap();
        assert_eq!(ev.kind, AuthKind::Ntlm4776);
        assert_eq!(ev.failure_code().to_string(), "0xC000006A");
        assert_eq!(ev.username, "svc_sql");
        assert_eq!(ev.workstation.as_deref(), Some("WS-22"));
        for short in [
            &b"MSWinEventLog"[..],
            b"host\tMSWinEventLog",
            b"MSWinEventLog\t1\tSecurity\t00000000\tSun May 21 12:00:01.123\t4768",
            b"MSWinEventLog\t1\tSecurity\t1\tx\t4768\ta\tb\tc\td\tDC\te\tf",
            b"MSWinEventLog#011",
            b"MSWinEventLog ",
            b"MSWinEventLog\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t",
        ] {
            let mut f = WinFields::default();
            extract(short, &mut f).unwrap();
            let _ = parse(short).unwrap().expanded_string();
        }
        let mut f = WinFields::default();
        extract(
            b"MSWinEventLog\t1\tSecurity\t1\tSun May 21 12:00:01.123\t4768",
            &mut f,
        )
        .unwrap();
        assert_eq!((f.event_id, f.time_ms), (Some(4768), None));
        assert!(!looks_like(b"MSWinEventLogs\t1"));
        assert!(!looks_like(b"plain text"));
    }

    #[test]
    fn other_events_stop_after_the_event_id() {
        let f = record("MSWinEventLog\t1\tSecurity\t1\tFri Oct 16 16:30:44 2009\t4624\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tSuccess Audit\tDC\tLogon\t\tAn account was successfully logged on.\t1");
        assert_eq!(f.event_id, Some(4624));
        assert_eq!(f.computer, None);
    }

    #[test]
    fn json_variant_goes_to_the_json_parser() {
        let rec = parse(b"MSWinEventLog\t0\t{\"EventID\":4625}").unwrap();
        assert_eq!(rec.json(), Some(&b"{\"EventID\":4625}"[..]));
        let rec = parse(b"MSWinEventLog\t1\tSecurity\t1\t{x}").unwrap();
        assert_eq!(rec.json(), None);
    }

    #[test]
    fn ctime_submit_times() {
        assert_eq!(
            time::parse_ctime_ms(b"Fri Oct 16 16:30:44 2009"),
            time::parse_rfc3339_ms(b"2009-10-16T16:30:44Z")
        );
        assert_eq!(
            time::parse_ctime_ms(b"Wed Mar  2 04:57:50.250 2022"),
            time::parse_rfc3339_ms(b"2022-03-02T04:57:50.250Z")
        );
        assert_eq!(time::parse_ctime_ms(b"Sun May 21 12:00:01.123"), None);
        assert_eq!(time::parse_ctime_ms(b"Sun Foo 21 12:00:01 2020"), None);
    }
}

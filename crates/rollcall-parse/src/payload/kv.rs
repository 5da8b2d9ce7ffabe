//! `key=value` records: QRadar WinCollect (`AgentDevice=WindowsLog<TAB>…<TAB>Message=…`),
//! NXLog `to_kvp()` and flat Windows exports (`EventCode=4625 … TargetUserName=…`).
//!
//! Pairs are separated by TABs (WinCollect), by rsyslog's `#011` escape of a TAB, or — when the
//! record holds no TAB, as in the QRadar documentation's own example — by spaces, line breaks,
//! `;` or `,`. Values may contain spaces (`Level=Log Always`), so a value runs to the next
//! separator that is followed by `Key=`. `Message=` (the rendered event text, full of spaces,
//! colons and `=`) always runs to the end of the record and is read by
//! [`crate::payload::wintext`].

use std::borrow::Cow;

use memchr::memmem;

use crate::payload::finder;

use crate::error::ParseError;
use crate::fields::WinFields;
use crate::payload::leef::{parse_event_time, starts_with_key};
use crate::payload::wintext;
use crate::time;

/// How pairs are separated in one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Separators {
    /// Real TABs (line breaks count too).
    Tab,
    /// A TAB escaped by a relay: `#011` (rsyslog) or `\011`.
    EscapedTab(&'static [u8]),
    /// Spaces, line breaks, `;` and `,`: records without TABs.
    Loose,
}

impl Separators {
    /// Picks the separator style from the part of the record before `Message=`.
    pub fn detect(body: &[u8]) -> Separators {
        let head = match finder!(b"Message=").find(body) {
            Some(i) => &body[..i],
            None => body,
        };
        if memchr::memchr(b'\t', head).is_some() {
            return Separators::Tab;
        }
        for (finder, escaped) in [
            (finder!(b"#011"), &b"#011"[..]),
            (finder!(b"\\011"), b"\\011"),
        ] {
            if finder.find(head).is_some() {
                return Separators::EscapedTab(escaped);
            }
        }
        Separators::Loose
    }

    /// The next separator run at or after `from`: (start, end).
    fn next(self, hay: &[u8], from: usize) -> Option<(usize, usize)> {
        let tail = hay.get(from..)?;
        match self {
            Separators::Tab => {
                let start = from + memchr::memchr3(b'\t', b'\n', b'\r', tail)?;
                Some((
                    start,
                    run_end(hay, start, |c| matches!(c, b'\t' | b'\n' | b'\r')),
                ))
            }
            Separators::EscapedTab(e) => {
                let start = from + memmem::find(tail, e)?;
                let mut end = start + e.len();
                while hay.get(end..).is_some_and(|t| t.starts_with(e)) {
                    end += e.len();
                }
                Some((start, end))
            }
            Separators::Loose => {
                let start = from + tail.iter().position(|&c| is_loose_separator(c))?;
                Some((start, run_end(hay, start, is_loose_separator)))
            }
        }
    }
}

fn is_loose_separator(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b';' | b',')
}

fn run_end(hay: &[u8], start: usize, sep: impl Fn(u8) -> bool) -> usize {
    hay[start..]
        .iter()
        .position(|&c| !sep(c))
        .map_or(hay.len(), |i| start + i)
}

/// A key=value record, borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KvRecord<'a> {
    pub body: &'a [u8],
    pub separators: Separators,
}

impl<'a> KvRecord<'a> {
    pub fn new(body: &'a [u8]) -> KvRecord<'a> {
        KvRecord {
            body,
            separators: Separators::detect(body),
        }
    }

    /// The `(key, value)` pairs in order; text before the first `Key=` is skipped.
    pub fn pairs(&self) -> KvPairs<'a> {
        KvPairs {
            body: self.body,
            pos: 0,
            separators: self.separators,
        }
    }
}

/// Iterator over `(key, value)` pairs of a [`KvRecord`]. Surrounding quotes are removed from
/// values (NXLog quotes values that contain separators).
#[derive(Clone, Debug)]
pub struct KvPairs<'a> {
    body: &'a [u8],
    pos: usize,
    separators: Separators,
}

impl<'a> Iterator for KvPairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let body = self.body;
        // Find the next key: at `pos`, or after a separator.
        let key_start = loop {
            let rest = body.get(self.pos..)?;
            if rest.is_empty() {
                return None;
            }
            if starts_with_key(rest) {
                break self.pos;
            }
            // Leading text (an unstripped syslog header) ends at any blank, not only at the
            // record's pair separator.
            let skip = match self.separators {
                Separators::EscapedTab(_) => self.separators,
                _ => Separators::Loose,
            };
            match skip.next(body, self.pos) {
                Some((_, end)) => self.pos = end,
                None => {
                    self.pos = body.len();
                    return None;
                }
            }
        };
        let eq = key_start + memchr::memchr(b'=', &body[key_start..])?;
        let key = &body[key_start..eq];
        let value_start = eq + 1;
        if key.eq_ignore_ascii_case(b"Message") {
            self.pos = body.len();
            return Some((key, trim_value(&body[value_start..])));
        }
        if let Some(q @ (b'"' | b'\'')) = body.get(value_start).copied() {
            if let Some(close) = memchr::memchr(q, &body[value_start + 1..]) {
                let value_end = value_start + 1 + close;
                self.pos = value_end + 1;
                return Some((key, &body[value_start + 1..value_end]));
            }
        }
        let mut search = value_start;
        while let Some((start, end)) = self.separators.next(body, search) {
            let after = &body[end..];
            if after.is_empty() || starts_with_key(after) {
                self.pos = end;
                return Some((key, trim_value(&body[value_start..start])));
            }
            search = end;
        }
        self.pos = body.len();
        Some((key, trim_value(&body[value_start..])))
    }
}

fn trim_value(v: &[u8]) -> &[u8] {
    let end = v
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        .map_or(0, |i| i + 1);
    &v[..end]
}

/// How far into a body `AgentDevice=` may start (when the syslog header was not stripped).
const MAX_PREFIX: usize = 128;

/// WinCollect (`AgentDevice=…`), or a body that starts with `Key=` and carries an
/// `EventID=`/`EventCode=` pair.
pub fn looks_like(body: &[u8]) -> bool {
    if body.starts_with(b"AgentDevice=") {
        return true;
    }
    let window = &body[..body.len().min(MAX_PREFIX)];
    if let Some(i) = finder!(b"AgentDevice=").find(window) {
        if i > 0 && matches!(window[i - 1], b' ' | b'\t') {
            return true;
        }
    }
    starts_with_key(body)
        && (has_pair(body, finder!(b"EventID=")) || has_pair(body, finder!(b"EventCode=")))
}

/// Whether `key=` occurs in `body` as a pair (after a separator, not inside another name).
fn has_pair(body: &[u8], key: &memmem::Finder<'_>) -> bool {
    key.find_iter(body).any(|i| {
        i == 0
            || !body[i - 1].is_ascii_alphanumeric()
            || body[..i].ends_with(b"#011")
            || body[..i].ends_with(b"\\011")
    })
}

pub fn extract<'a>(body: &'a [u8], out: &mut WinFields<'a>) -> Result<(), ParseError> {
    let record = KvRecord::new(body);
    let mut message = None;
    let mut time_generated = None;
    let mut event_time = None;
    let mut any = false;
    for (key, value) in record.pairs() {
        any = true;
        match key {
            b"Message" | b"message" => message = Some(value),
            b"TimeGenerated" => time_generated = Some(value),
            b"EventTime" | b"TimeCreated" => event_time = Some(value),
            _ => {
                let Ok(v) = std::str::from_utf8(value) else {
                    continue;
                };
                if out.set_field(key, Cow::Borrowed(v)) && out.is_other_windows_event() {
                    return Ok(());
                }
            }
        }
    }
    if !any {
        return Err(ParseError::InvalidKv);
    }
    if out.time_ms.is_none() {
        out.set_time(
            time_generated
                .and_then(time::parse_epoch_auto_ms)
                .map(|ms| (ms, true))
                .or_else(|| event_time.and_then(parse_event_time)),
        );
    }
    if let Some(text) = message {
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

    /// WinCollect 4625, TAB-separated, rendered Message flattened with single spaces.
    const WINCOLLECT_4625: &str = "<13>Nov 23 03:15:02 dc01.corp.example AgentDevice=WindowsLog\tAgentLogFile=Security\tPluginVersion=7.3.1.28\tSource=Microsoft-Windows-Security-Auditing\tComputer=dc01.corp.example\tOriginatingComputer=10.0.0.10\tUser=\tDomain=\tEventID=4625\tEventIDCode=4625\tEventType=16\tEventCategory=12544\tRecordNumber=884213\tTimeGenerated=1795403702\tTimeWritten=1795403702\tLevel=Log Always\tKeywords=Audit Failure\tTask=SE_ADT_LOGON_LOGON\tOpcode=Info\tMessage=An account failed to log on. Subject: Security ID: NULL SID Account Name: - Account Domain: - Logon ID: 0x0 Logon Type: 3 Account For Which Logon Failed: Security ID: NULL SID Account Name: jdoe Account Domain: CORP Failure Information: Failure Reason: Unknown user name or bad password. Status: 0xC000006D Sub Status: 0xC0000064 Process Information: Caller Process ID: 0x0 Caller Process Name: - Network Information: Workstation Name: KALI Source Network Address: 203.0.113.7 Source Port: 51515 Detailed Authentication Information: Logon Process: NtLmSsp Authentication Package: NTLM Transited Services: - Package Name (NTLM only): - Key Length: 0";

    fn record(line: &str) -> WinFields<'_> {
        let mut f = WinFields::default();
        extract(line.as_bytes(), &mut f).unwrap();
        f
    }

    #[test]
    fn wincollect_tab_pairs() {
        let rec = KvRecord::new(WINCOLLECT_4625.as_bytes());
        assert_eq!(rec.separators, Separators::Tab);
        let pairs: Vec<_> = rec.pairs().collect();
        assert_eq!(pairs[0], (&b"AgentDevice"[..], &b"WindowsLog"[..]));
        assert!(pairs.contains(&(&b"User"[..], &b""[..])));
        assert!(pairs.contains(&(&b"Level"[..], &b"Log Always"[..])));
        let (k, v) = pairs.last().unwrap();
        assert_eq!(*k, b"Message");
        assert!(v.ends_with(b"Key Length: 0"));
    }

    #[test]
    fn wincollect_4625_end_to_end() {
        let f = record(WINCOLLECT_4625);
        assert_eq!(f.event_id, Some(4625));
        assert_eq!(f.time_ms, Some(1_795_403_702_000));
        assert_eq!(f.computer.as_deref(), Some("dc01.corp.example"));
        let msg = parse_message(WINCOLLECT_4625.as_bytes());
        assert_eq!(msg.format, Format::Kv);
        let ev = auth_event(&msg, &CTX).unwrap().expect("auth failure");
        assert_eq!(ev.kind, AuthKind::Ntlm4625);
        assert_eq!(ev.failure_code().to_string(), "0xC0000064");
        assert_eq!(ev.username, "jdoe");
        assert_eq!(ev.source_ip, "203.0.113.7".parse().ok());
        assert_eq!(ev.host.as_deref(), Some("dc01.corp.example"));
        assert_eq!(ev.time_ms, 1_795_403_702_000);
    }

    #[test]
    fn space_separated_doc_style_4776_failure() {
        let line = "AgentDevice=WindowsLog AgentLogFile=Security Source=Microsoft-Windows-Security-Auditing Computer=dc02.corp.example User= Domain= EventID=4776 EventIDCode=4776 EventType=16 EventCategory=14336 RecordNumber=1961417 TimeGenerated=1795403702120 TimeWritten=1795403702120 Level=Log Always Message=The computer attempted to validate the credentials for an account. Authentication Package: MICROSOFT_AUTHENTICATION_PACKAGE_V1_0 Logon Account: svc_backup Source Workstation: WS-17 Error Code: 0xC000006A";
        assert!(looks_like(line.as_bytes()));
        let rec = KvRecord::new(line.as_bytes());
        assert_eq!(rec.separators, Separators::Loose);
        assert!(rec.pairs().any(|p| p == (&b"User"[..], &b""[..])));
        assert!(rec
            .pairs()
            .any(|p| p == (&b"Level"[..], &b"Log Always"[..])));
        let f = record(line);
        assert_eq!(f.event_id, Some(4776));
        assert_eq!(f.time_ms, Some(1_795_403_702_120));
        let ev = auth_event(&parse_message(line.as_bytes()), &CTX)
            .unwrap()
            .expect("4776 failure");
        assert_eq!(ev.kind, AuthKind::Ntlm4776);
        assert_eq!(ev.failure_code().to_string(), "0xC000006A");
        assert_eq!(ev.username, "svc_backup");
        assert_eq!(ev.workstation.as_deref(), Some("WS-17"));
        assert_eq!(ev.host.as_deref(), Some("dc02.corp.example"));
    }

    #[test]
    fn nxlog_kv_4771_with_structured_fields() {
        let line = "EventTime=2026-11-23 03:15:02; Hostname=DC03; EventID=4771; TargetUserName=alice; ServiceName=krbtgt/CORP; Status=0x18; IpAddress=::ffff:192.0.2.50; IpPort=50122";
        assert!(looks_like(line.as_bytes()));
        let f = record(line);
        assert_eq!(f.event_id, Some(4771));
        assert_eq!(f.target_user.as_deref(), Some("alice"));
        assert_eq!(f.status, Some(0x18));
        assert_eq!(f.computer.as_deref(), Some("DC03"));
        assert_eq!(f.time_ms, time::parse_rfc3339_ms(b"2026-11-23T03:15:02Z"));
        let ev = auth_event(&parse_message(line.as_bytes()), &CTX)
            .unwrap()
            .unwrap();
        assert_eq!(ev.kind, AuthKind::Kerberos4771);
        assert_eq!(ev.source_ip, "192.0.2.50".parse().ok());
    }

    #[test]
    fn flat_eventcode_line_and_quoted_values() {
        let line = "EventCode=4768 ComputerName=DC04 TargetUserName=\"ghost user\" Status=0x6 IpAddress=10.1.1.9";
        let f = record(line);
        assert_eq!(f.event_id, Some(4768));
        assert_eq!(f.target_user.as_deref(), Some("ghost user"));
        assert_eq!(f.status, Some(6));
        assert_eq!(f.computer.as_deref(), Some("DC04"));
    }

    #[test]
    fn relay_escaped_tabs() {
        let line = "AgentDevice=WindowsLog#011Computer=dc05#011User=#011EventID=4625#011Level=Log Always#011Message=An account failed to log on. Account For Which Logon Failed: Security ID: NULL SID Account Name: eve Account Domain: CORP Failure Information: Status: 0xC000006D Sub Status: 0xC0000072 Network Information: Source Network Address: 192.0.2.80";
        let rec = KvRecord::new(line.as_bytes());
        assert_eq!(rec.separators, Separators::EscapedTab(b"#011"));
        assert!(rec.pairs().any(|p| p == (&b"User"[..], &b""[..])));
        let ev = auth_event(&parse_message(line.as_bytes()), &CTX)
            .unwrap()
            .unwrap();
        assert_eq!(ev.username, "eve");
        assert_eq!(ev.failure_code().to_string(), "0xC0000072");
        assert_eq!(ev.host.as_deref(), Some("dc05"));
    }

    #[test]
    fn other_events_stop_early_and_garbage_is_safe() {
        let f = record(
            "AgentDevice=WindowsLog\tEventID=4624\tMessage=An account was successfully logged on.",
        );
        assert_eq!(f.event_id, Some(4624));
        assert!(!looks_like(b"hello world"));
        assert!(!looks_like(b"a=b c=d"));
        for bad in [
            &b"="[..],
            b"==",
            b"a=\"",
            b"a='x",
            b"#011#011a=#011",
            b"\\011",
            b"k=v\tMessage=",
            b"x y z",
        ] {
            let mut f = WinFields::default();
            let _ = extract(bad, &mut f);
            let _ = KvRecord::new(bad).pairs().count();
        }
    }
}

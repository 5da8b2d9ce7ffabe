//! CEF (ArcSight Common Event Format) carrying Windows logon failures.
//!
//! `CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|k=v k=v …`
//!
//! Header fields escape `|` and `\` with a backslash. Extension values may contain spaces (a new
//! pair starts at ` key=`), raw `|`, and the escapes `\=` `\\` `\n` `\r`. Producers put the
//! Windows event ID in different places: ArcSight writes `Microsoft-Windows-Security-Auditing:4625`
//! as the signature, Trend Micro `AUDIT_FAILURE(4625)` inside `msg`, others `externalId=4625`.

use std::borrow::Cow;

use crate::error::ParseError;
use crate::fields::{slot_for_name, FieldSlot, WinFields};
use crate::payload::finder;
use crate::payload::leef::{is_escaped, next_header_field, parse_event_time};
use crate::payload::wintext;

/// How far into a body `CEF:` may start (a tag before it).
const MAX_PREFIX: usize = 256;

/// A CEF record's header fields (raw, escapes kept) and its undecoded extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CefRecord<'a> {
    pub version: &'a [u8],
    pub vendor: &'a [u8],
    pub product: &'a [u8],
    pub product_version: &'a [u8],
    pub signature_id: &'a [u8],
    pub name: &'a [u8],
    pub severity: &'a [u8],
    pub extension: &'a [u8],
}

impl<'a> CefRecord<'a> {
    /// The extension's `(key, raw value)` pairs, in order; decode values with [`unescape_value`].
    pub fn extension_pairs(&self) -> CefExtension<'a> {
        CefExtension {
            rest: self.extension,
        }
    }
}

pub fn looks_like(body: &[u8]) -> bool {
    find_start(body).is_some()
}

/// Offset of the version digit of `CEF:<digit>` (or `CEF: <digit>`, as rsyslog's traditional
/// forward template rejoins a `CEF:` tag and its message) near the start of `body`.
fn find_start(body: &[u8]) -> Option<usize> {
    let window = &body[..body.len().min(MAX_PREFIX + 4)];
    let mut from = 0;
    let cef = finder!(b"CEF:");
    while let Some(i) = cef.find(window.get(from..)?) {
        let at = from + i;
        let prefix_ok = at == 0 || matches!(window.get(at - 1), Some(b' ' | b'\t'));
        if prefix_ok {
            if let Some(version) = crate::payload::leef::version_offset(body, at + 4) {
                return Some(version);
            }
        }
        from = at + 4;
    }
    None
}

/// Parses the header and locates the extension.
pub fn parse(body: &[u8]) -> Result<CefRecord<'_>, ParseError> {
    let version_at = find_start(body).ok_or(ParseError::InvalidCef)?;
    let rest = &body[version_at..];
    let mut fields: [&[u8]; 6] = [&[]; 6];
    let mut rest = rest;
    for field in fields.iter_mut() {
        let (f, r) = next_header_field(rest).ok_or(ParseError::InvalidCef)?;
        *field = f;
        rest = r;
    }
    // A record cut right after the severity still has a usable header.
    let (severity, extension) = next_header_field(rest).unwrap_or((rest, &rest[rest.len()..]));
    let [version, vendor, product, product_version, signature_id, name] = fields;
    Ok(CefRecord {
        version,
        vendor,
        product,
        product_version,
        signature_id,
        name,
        severity,
        extension,
    })
}

/// Iterator over extension `(key, raw value)` pairs. A value runs to the last space before the
/// next unescaped `=` whose preceding word is a key; trailing spaces are not part of it.
#[derive(Clone, Debug)]
pub struct CefExtension<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for CefExtension<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest;
        let eq = match find_unescaped_eq(rest, 0) {
            Some(e) => e,
            None => {
                self.rest = &[];
                return None;
            }
        };
        // Anything before the first key (stray spaces, garbage) is not part of the key.
        let key_start = memchr::memrchr2(b' ', b'\t', &rest[..eq]).map_or(0, |i| i + 1);
        let key = &rest[key_start..eq];
        let value_start = eq + 1;
        let mut search = value_start;
        while let Some(e) = find_unescaped_eq(rest, search) {
            let region = &rest[value_start..e];
            // Look for the space before the key only after the previous `=` (at `search - 1`):
            // a candidate reaching back past it contains that `=` and is never a key. Scanning
            // the whole region instead made a long space-less value full of `=` quadratic
            // (fuzz/regressions/cef/ext-*-quadratic: 64 KiB took 0.1 s, 16 MiB hours).
            let since_prev_eq = &rest[search..e];
            let last_space = memchr::memrchr2(b' ', b'\t', since_prev_eq);
            if let Some(sp) = last_space.map(|i| search - value_start + i) {
                let candidate = &region[sp + 1..];
                if is_key(candidate) {
                    let value = trim_end_spaces(&region[..sp]);
                    self.rest = &rest[value_start + sp + 1..];
                    return Some((key, value));
                }
            }
            search = e + 1;
        }
        self.rest = &[];
        Some((key, trim_end_spaces(&rest[value_start..])))
    }
}

fn find_unescaped_eq(text: &[u8], from: usize) -> Option<usize> {
    let mut from = from;
    loop {
        let i = from + memchr::memchr(b'=', text.get(from..)?)?;
        if !is_escaped(text, i) {
            return Some(i);
        }
        from = i + 1;
    }
}

/// CEF keys: a letter, digit or `_`, then name characters (`ad.Error_,Code`, `ad.field[0]`).
fn is_key(s: &[u8]) -> bool {
    match s.first() {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' => {}
        _ => return false,
    }
    s.iter()
        .all(|c| c.is_ascii_graphic() && !matches!(c, b'\\' | b'=' | b'|' | b'"'))
}

fn trim_end_spaces(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t'))
        .map_or(0, |i| i + 1);
    &s[..end]
}

/// Decodes a value: `\=` `\\` `\|` → the character, `\n` `\r` → LF CR; other backslashes stay.
/// Borrows unless an escape forces a copy. `None` when the value is not UTF-8.
pub fn unescape_value(raw: &[u8]) -> Option<Cow<'_, str>> {
    let s = std::str::from_utf8(raw).ok()?;
    if memchr::memchr(b'\\', raw).is_none() {
        return Some(Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(e @ ('=' | '\\' | '|')) => out.push(e),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Some(Cow::Owned(out))
}

/// A Windows event ID written inside a label: `Microsoft-Windows-Security-Auditing:4625`,
/// `Security-4625`, `AUDIT_FAILURE(4625)`. Bare numbers are not taken here: CEF signature IDs
/// are usually vendor rule numbers (Trend Micro `3002795`).
pub(crate) fn event_id_in_label(label: &[u8]) -> Option<u32> {
    for open in memchr::memchr_iter(b'(', label) {
        let digits = &label[open + 1..];
        let n = digits.iter().take_while(|c| c.is_ascii_digit()).count();
        if (3..=5).contains(&n) && digits.get(n) == Some(&b')') {
            return parse_digits(&digits[..n]);
        }
    }
    let t = trim_end_spaces(label);
    let n = t.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let sep = t.len().checked_sub(n + 1).and_then(|i| t.get(i));
    if (3..=5).contains(&n) && matches!(sep, Some(b':' | b'-' | b'/' | b'_')) {
        return parse_digits(&t[t.len() - n..]);
    }
    None
}

fn parse_digits(d: &[u8]) -> Option<u32> {
    if d.is_empty() || d.len() > 9 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(d.iter().fold(0u32, |v, &c| v * 10 + (c - b'0') as u32))
}

/// Windows field names as ArcSight `ad.*` keys and `csNLabel` labels write them, compared on
/// letters and digits only (`Sub Status`, `SubStatus`, `ad.Error_,Code`, `Failure Code`).
fn slot_for_loose_name(name: &[u8]) -> Option<FieldSlot> {
    use FieldSlot::*;
    const TABLE: &[(&[u8], FieldSlot)] = &[
        (b"eventid", EventId),
        (b"targetusername", TargetUser),
        (b"targetdomainname", TargetDomain),
        (b"ipaddress", Ip),
        (b"sourcenetworkaddress", Ip),
        (b"clientaddress", Ip),
        (b"workstationname", Workstation),
        (b"sourceworkstation", Workstation),
        (b"status", Status),
        (b"errorcode", Status),
        (b"failurecode", Status),
        (b"resultcode", Status),
        (b"substatus", SubStatus),
    ];
    TABLE
        .iter()
        .find(|(n, _)| eq_alnum_lowercase(name, n))
        .map(|(_, s)| *s)
}

/// `name` with everything but ASCII letters/digits dropped, lower-cased, equals `target`.
fn eq_alnum_lowercase(name: &[u8], target: &[u8]) -> bool {
    let mut t = target.iter();
    for c in name.iter().filter(|c| c.is_ascii_alphanumeric()) {
        if t.next() != Some(&c.to_ascii_lowercase()) {
            return false;
        }
    }
    t.next().is_none()
}

/// Standard CEF keys and labelled custom fields: applied after the Windows-named ones.
#[derive(Default)]
struct Collected<'a> {
    duser: Option<&'a [u8]>,
    suser: Option<&'a [u8]>,
    dntdom: Option<&'a [u8]>,
    src: Option<&'a [u8]>,
    shost: Option<&'a [u8]>,
    dhost: Option<&'a [u8]>,
    dvchost: Option<&'a [u8]>,
    rt: Option<&'a [u8]>,
    end: Option<&'a [u8]>,
    external_id: Option<&'a [u8]>,
    msg: Option<&'a [u8]>,
    /// cs1..cs6 then cn1..cn3.
    custom: [Labelled<'a>; 9],
}

/// A custom field (`cs4=0xC0000064 cs4Label=Sub Status`): (label, value).
type Labelled<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Index into [`Collected::custom`] for `cs1`..`cs6` / `cn1`..`cn3`, and whether it is a label.
fn custom_index(key: &[u8]) -> Option<(usize, bool)> {
    let (base, max, rest) = match key {
        [b'c', b's', rest @ ..] => (0, 6, rest),
        [b'c', b'n', rest @ ..] => (6, 3, rest),
        _ => return None,
    };
    let (digit, is_label) = match rest {
        [d] => (*d, false),
        [d, label @ ..] if label == b"Label" => (*d, true),
        _ => return None,
    };
    let n = digit.checked_sub(b'1')? as usize;
    (n < max).then_some((base + n, is_label))
}

pub fn extract<'a>(body: &'a [u8], out: &mut WinFields<'a>) -> Result<(), ParseError> {
    let record = parse(body)?;
    if out.event_id.is_none() {
        out.event_id =
            event_id_in_label(record.signature_id).or_else(|| event_id_in_label(record.name));
    }
    if out.is_other_windows_event() {
        return Ok(());
    }
    let mut c = Collected::default();
    for (key, raw) in record.extension_pairs() {
        let slot = match key {
            b"duser" => &mut c.duser,
            b"suser" => &mut c.suser,
            b"dntdom" => &mut c.dntdom,
            b"src" => &mut c.src,
            b"shost" => &mut c.shost,
            b"dhost" => &mut c.dhost,
            b"dvchost" => &mut c.dvchost,
            b"rt" => &mut c.rt,
            b"end" => &mut c.end,
            b"externalId" => &mut c.external_id,
            b"msg" => &mut c.msg,
            _ => {
                if let Some((i, is_label)) = custom_index(key) {
                    let entry = &mut c.custom[i];
                    if is_label {
                        entry.0 = Some(raw);
                    } else {
                        entry.1 = Some(raw);
                    }
                } else {
                    let name = key.strip_prefix(b"ad.").unwrap_or(key);
                    let slot = slot_for_name(name).or_else(|| slot_for_loose_name(name));
                    if let (Some(slot), Some(v)) = (slot, unescape_value(raw)) {
                        out.set_slot(slot, v);
                        if out.is_other_windows_event() {
                            return Ok(());
                        }
                    }
                }
                continue;
            }
        };
        if slot.is_none() {
            *slot = Some(raw);
        }
    }
    apply(&record, &c, out)
}

fn apply<'a>(
    record: &CefRecord<'a>,
    c: &Collected<'a>,
    out: &mut WinFields<'a>,
) -> Result<(), ParseError> {
    if out.event_id.is_none() {
        out.event_id = c
            .external_id
            .and_then(|v| parse_digits(trim_end_spaces(v)))
            .or_else(|| c.msg.and_then(event_id_in_label))
            .or_else(|| parse_digits(record.signature_id));
    }
    if out.is_other_windows_event() {
        return Ok(());
    }
    for (label, value) in c.custom {
        if let (Some(label), Some(value)) = (label, value) {
            let slot = slot_for_name(label).or_else(|| slot_for_loose_name(label));
            if let (Some(slot), Some(v)) = (slot, unescape_value(value)) {
                out.set_slot(slot, v);
            }
        }
    }
    let mut set = |slot: FieldSlot, raw: Option<&'a [u8]>| {
        if let Some(v) = raw.and_then(unescape_value).filter(|v| is_present(v)) {
            out.set_slot(slot, v);
        }
    };
    // `duser` is the account the logon was for; `suser` only stands in when it is missing.
    set(FieldSlot::TargetUser, c.duser);
    set(FieldSlot::TargetUser, c.suser);
    set(FieldSlot::TargetDomain, c.dntdom);
    set(FieldSlot::Ip, c.src);
    set(FieldSlot::Workstation, c.shost);
    set(FieldSlot::Computer, c.dhost);
    set(FieldSlot::Computer, c.dvchost);
    if out.time_ms.is_none() {
        out.set_time(
            c.rt.and_then(parse_event_time)
                .or_else(|| c.end.and_then(parse_event_time)),
        );
    }
    if let Some(msg) = c.msg {
        match unescape_value(msg) {
            Some(Cow::Owned(text)) => wintext::extract_owned(&text, out),
            // Unescaped or not UTF-8: wintext reads the frame's bytes directly.
            _ => wintext::extract(msg, out)?,
        }
    }
    Ok(())
}

/// Placeholders producers write for "no value".
fn is_present(v: &str) -> bool {
    let t = v.trim();
    !t.is_empty() && t != "-" && !t.eq_ignore_ascii_case("(no user)")
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

    /// ArcSight SmartConnector (Windows Unified) style 4625.
    const ARCSIGHT_4625: &str = "<134>Nov 23 03:15:02 arcsight01 CEF:0|Microsoft|Microsoft Windows||Microsoft-Windows-Security-Auditing:4625|A logon was attempted using explicit credentials\\| failed|Low|eventId=98231 externalId=4625 rt=Nov 23 2026 03:15:02 GMT categorySignificance=/Informational/Warning categoryBehavior=/Authentication/Verify categoryOutcome=/Failure outcome=Failure cat=Security dhost=DC01.corp.example dvchost=DC01 dntdom=CORP duser=jdoe src=203.0.113.7 shost=KALI sntdom=- suser=- cs2=Logon cs2Label=EventlogCategory cs4=0xC0000064 cs4Label=Sub Status cs5=0xC000006D cs5Label=Status ad.LogonType=3 ad.AuthenticationPackageName=NTLM";

    fn record(line: &str) -> WinFields<'_> {
        let mut f = WinFields::default();
        extract(line.as_bytes(), &mut f).unwrap();
        f
    }

    #[test]
    fn arcsight_4625_fields() {
        let f = record(ARCSIGHT_4625);
        assert_eq!(f.event_id, Some(4625));
        assert_eq!(f.target_user.as_deref(), Some("jdoe"));
        assert_eq!(f.target_domain.as_deref(), Some("CORP"));
        assert_eq!(f.ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(f.workstation.as_deref(), Some("KALI"));
        assert_eq!(f.computer.as_deref(), Some("DC01.corp.example"));
        assert_eq!(f.sub_status, Some(0xC000_0064));
        assert_eq!(f.status, Some(0xC000_006D));
        assert_eq!(
            f.time_ms,
            crate::time::parse_rfc3339_ms(b"2026-11-23T03:15:02Z")
        );
    }

    #[test]
    fn end_to_end_arcsight_4625() {
        let msg = parse_message(ARCSIGHT_4625.as_bytes());
        assert_eq!(msg.format, Format::Cef);
        let ev = auth_event(&msg, &CTX).unwrap().expect("auth failure");
        assert_eq!(ev.kind, AuthKind::Ntlm4625);
        assert_eq!(ev.failure_code().to_string(), "0xC0000064");
        assert_eq!(ev.username, "jdoe");
        assert_eq!(ev.source_ip, "203.0.113.7".parse().ok());
        assert_eq!(ev.host.as_deref(), Some("DC01.corp.example"));
    }

    #[test]
    fn header_escapes_and_extension_pairs() {
        let rec = parse(b"CEF:0|Ven\\|dor|Prod\\\\|1|sig|Name \\| more|5|a=1 msg=hello world x=y\\=z path=C:\\\\dir cs6=A | B | C   last=v  ").unwrap();
        assert_eq!(rec.vendor, b"Ven\\|dor");
        assert_eq!(rec.product, b"Prod\\\\");
        assert_eq!(rec.name, b"Name \\| more");
        assert_eq!(rec.severity, b"5");
        let pairs: Vec<_> = rec
            .extension_pairs()
            .map(|(k, v)| (std::str::from_utf8(k).unwrap(), unescape_value(v).unwrap()))
            .collect();
        let expect = [
            ("a", "1"),
            ("msg", "hello world"),
            ("x", "y=z"),
            ("path", "C:\\dir"),
            ("cs6", "A | B | C"),
            ("last", "v"),
        ];
        assert_eq!(pairs.len(), expect.len());
        for ((k, v), (ek, ev)) in pairs.iter().zip(expect) {
            assert_eq!((*k, v.as_ref()), (ek, ev));
        }
        assert!(matches!(
            unescape_value(b"plain"),
            Some(Cow::Borrowed("plain"))
        ));
        assert_eq!(unescape_value(b"a\\nb\\rc").unwrap(), "a\nb\rc");
    }

    #[test]
    fn decimal_ntstatus_in_dotted_key() {
        let line = "CEF:0|security|threatmanager|1.0|Security-4625|logon failure|10|src=10.0.0.192 ad.Authentification=MICROSOFT_AUTHENTICATION_PACKAGE_V1_0 ad.Error_,Code=3221225578 duser=mallory";
        let f = record(line);
        assert_eq!(f.event_id, Some(4625));
        assert_eq!(f.status, Some(0xC000_006A));
        let ev = auth_event(&parse_message(line.as_bytes()), &CTX)
            .unwrap()
            .unwrap();
        assert_eq!(ev.failure_code().to_string(), "0xC000006A");
        assert_eq!(ev.username, "mallory");
        assert_eq!(ev.source_ip, "10.0.0.192".parse().ok());
    }

    #[test]
    fn trend_micro_audit_failure_in_msg() {
        let line = "CEF:0|Trend Micro|Deep Security Agent|20.0|3002795|Microsoft Windows Events|8|cn1=12 cn1Label=Host ID dvchost=dc01.corp.example cs1Label=LI Description cs1=Multiple Windows Logon Failures fname=Security src=198.51.100.4 duser=(no user) shost=WS-0042 msg=WinEvtLog Security: AUDIT_FAILURE(4625): Microsoft-Windows-Security-Auditing: (no user): no domain: WS-0042: An account failed to log on.";
        let f = record(line);
        assert_eq!(f.event_id, Some(4625));
        assert_eq!(f.target_user, None, "(no user) is a placeholder");
        assert_eq!(f.ip.as_deref(), Some("198.51.100.4"));
        assert_eq!(f.computer.as_deref(), Some("dc01.corp.example"));
    }

    #[test]
    fn kerberos_4771_external_id_and_epoch_rt() {
        let line = "CEF:0|Microsoft|Windows|10|4771|Kerberos pre-authentication failed|5|rt=1795403702120 externalId=4771 suser=alice src=::ffff:192.0.2.10 dhost=DC02 cs1Label=Failure Code cs1=0x18";
        let f = record(line);
        assert_eq!(f.event_id, Some(4771));
        assert_eq!(f.status, Some(0x18));
        assert_eq!(f.target_user.as_deref(), Some("alice"), "suser as fallback");
        assert_eq!(f.time_ms, Some(1_795_403_702_120));
        let ev = auth_event(&parse_message(line.as_bytes()), &CTX)
            .unwrap()
            .unwrap();
        assert_eq!(ev.kind, AuthKind::Kerberos4771);
        assert_eq!(ev.source_ip, "192.0.2.10".parse().ok());
        assert_eq!(ev.host.as_deref(), Some("DC02"));
    }

    #[test]
    fn duser_wins_over_suser_and_other_events_stop_early() {
        let f = record("CEF:0|V|P|1|x|Security-4776|3|suser=bob duser=alice cn1Label=Error Code cn1=3221225572");
        assert_eq!(f.target_user.as_deref(), Some("alice"));
        assert_eq!(f.status, Some(0xC000_0064));
        let f = record("CEF:0|V|P|1|Microsoft-Windows-Security-Auditing:4624|Logon|3|duser=alice");
        assert_eq!(f.event_id, Some(4624));
        assert_eq!(f.target_user, None);
    }

    #[test]
    fn event_ids_in_labels() {
        assert_eq!(
            event_id_in_label(b"Microsoft-Windows-Security-Auditing:4625"),
            Some(4625)
        );
        assert_eq!(event_id_in_label(b"x AUDIT_FAILURE(4771): y"), Some(4771));
        assert_eq!(event_id_in_label(b"Security-4768 "), Some(4768));
        assert_eq!(event_id_in_label(b"3002795"), None);
        assert_eq!(event_id_in_label(b"Log for TCP Port 80"), None);
    }

    #[test]
    fn malformed_records_do_not_panic() {
        for bad in [
            &b"CEF:"[..],
            b"CEF:0|a|b|c",
            b"CEF:0|a|b|c|d|e|f|",
            b"CEF:0|a|b|c|d|e|f|=",
            b"CEF:0|a|b|c|d|e|f|==== \\",
            b"CEF:0|a|b|c|d|e|f| x= =y \\= z= msg=\\",
            b"CEF:0|a|b|c|4625|e|f|cs9=1 cs0Label=x cn3Label=Status cn3=0x1 duser=\xff",
        ] {
            let mut f = WinFields::default();
            let _ = extract(bad, &mut f);
            if let Ok(r) = parse(bad) {
                let _ = r.extension_pairs().count();
            }
        }
        assert_eq!(parse(b"CEF:0|a|b|c"), Err(ParseError::InvalidCef));
    }
}

//! Renders a [`WinEvent`] the way four kinds of senders ship it: LEEF 2.0 over an RFC 3164
//! header (QRadar-style agents), Snare `MSWinEventLog` over RFC 3164, NXLog JSON over an
//! RFC 5424 header, and Event Viewer text over RFC 5424 (a relay that flattened it).

use std::io::Write;

use super::civil::Civil;
use super::events::{TextLine, WinEvent};

/// How the payload is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PayloadFormat {
    Leef,
    Snare,
    /// NXLog `to_json()` body after an RFC 5424 header.
    Json,
    /// Rendered Event Viewer text after an RFC 5424 header.
    Text,
}

impl PayloadFormat {
    pub const ALL: [PayloadFormat; 4] = [
        PayloadFormat::Leef,
        PayloadFormat::Snare,
        PayloadFormat::Json,
        PayloadFormat::Text,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PayloadFormat::Leef => "leef",
            PayloadFormat::Snare => "snare",
            PayloadFormat::Json => "json",
            PayloadFormat::Text => "text",
        }
    }

    pub fn from_name(name: &str) -> Option<PayloadFormat> {
        PayloadFormat::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }
}

/// What the sending host adds around an event.
#[derive(Clone, Copy, Debug)]
pub struct Envelope<'a> {
    pub time_ms: i64,
    /// Short host name (`dc01`); the FQDN is `<host>.corp.example`.
    pub host: &'a str,
    /// Event log record number.
    pub record: u64,
}

const DOMAIN: &str = "corp.example";

/// Appends one message (no framing) to `out`.
pub fn render(format: PayloadFormat, env: &Envelope<'_>, event: &WinEvent, out: &mut Vec<u8>) {
    let civil = Civil::from_epoch_ms(env.time_ms);
    // authpriv: warning for failures, info otherwise.
    let pri = if event.failure { 84 } else { 86 };
    match format {
        PayloadFormat::Leef => leef(pri, &civil, env, event, out),
        PayloadFormat::Snare => snare(pri, &civil, env, event, out),
        PayloadFormat::Json => json(pri, &civil, env, event, out),
        PayloadFormat::Text => text(pri, &civil, env, event, out),
    }
}

fn bsd_header(pri: u8, civil: &Civil, host: &str, out: &mut Vec<u8>) {
    let _ = write!(out, "<{pri}>");
    civil.write_bsd(out);
    let _ = write!(out, " {host} ");
}

fn ietf_header(pri: u8, civil: &Civil, host: &str, app: &str, out: &mut Vec<u8>) {
    let _ = write!(out, "<{pri}>1 ");
    civil.write_rfc3339(out);
    let _ = write!(out, " {host}.{DOMAIN} {app} - - - ");
}

fn leef(pri: u8, civil: &Civil, env: &Envelope<'_>, event: &WinEvent, out: &mut Vec<u8>) {
    bsd_header(pri, civil, env.host, out);
    let _ = write!(
        out,
        "LEEF:2.0|Microsoft|Windows|10.0|{}|^|devTime={}^cat={}^sev={}^Computer={}.{DOMAIN}^RecordNumber={}",
        event.id,
        env.time_ms,
        event.task,
        if event.failure { 5 } else { 1 },
        env.host,
        env.record
    );
    for (name, value) in &event.fields {
        let _ = write!(out, "^{name}={value}");
    }
}

fn snare(pri: u8, civil: &Civil, env: &Envelope<'_>, event: &WinEvent, out: &mut Vec<u8>) {
    bsd_header(pri, civil, env.host, out);
    let _ = write!(out, "MSWinEventLog\t1\tSecurity\t{}\t", env.record);
    civil.write_ctime(out);
    let _ = write!(
        out,
        "\t{}\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\t{}\t{}.{DOMAIN}\t{}\t\t",
        event.id,
        if event.failure {
            "Failure Audit"
        } else {
            "Success Audit"
        },
        env.host,
        event.task
    );
    // Snare replaces the message's CR/LF/TAB with spaces.
    for line in &event.text {
        match line {
            TextLine::Sentence(s) => {
                let _ = write!(out, "{s}    ");
            }
            TextLine::Section(s) => {
                let _ = write!(out, "{s}   ");
            }
            TextLine::Item(label, value) => {
                let _ = write!(out, "{label}  {value}   ");
            }
        }
    }
    let _ = write!(out, "\t{}", env.record % 100_000);
}

fn text(pri: u8, civil: &Civil, env: &Envelope<'_>, event: &WinEvent, out: &mut Vec<u8>) {
    ietf_header(
        pri,
        civil,
        env.host,
        "Microsoft-Windows-Security-Auditing",
        out,
    );
    let mut first = true;
    for line in &event.text {
        if !first {
            out.push(b'\t');
        }
        first = false;
        match line {
            TextLine::Sentence(s) | TextLine::Section(s) => out.extend_from_slice(s.as_bytes()),
            TextLine::Item(label, value) => {
                let _ = write!(out, "{label} {value}");
            }
        }
    }
}

fn json(pri: u8, civil: &Civil, env: &Envelope<'_>, event: &WinEvent, out: &mut Vec<u8>) {
    ietf_header(pri, civil, env.host, "nxlog", out);
    out.extend_from_slice(b"{\"EventTime\":\"");
    civil.write_rfc3339(out);
    let _ = write!(
        out,
        "\",\"Hostname\":\"{}.{DOMAIN}\",\"Keywords\":{},\"EventType\":\"{}\",\"SeverityValue\":{},\"Severity\":\"{}\",\"EventID\":{},\"SourceName\":\"Microsoft-Windows-Security-Auditing\",\"ProviderGuid\":\"{{54849625-5478-4994-A5BA-3E3B0328C30D}}\",\"Version\":0,\"Task\":12544,\"OpcodeValue\":0,\"RecordNumber\":{},\"ProcessID\":648,\"ThreadID\":{},\"Channel\":\"Security\",\"Category\":\"{}\",\"Opcode\":\"Info\"",
        env.host,
        if event.failure { "-9218868437227405312" } else { "-9214364837600034816" },
        if event.failure { "AUDIT_FAILURE" } else { "AUDIT_SUCCESS" },
        if event.failure { 4 } else { 2 },
        if event.failure { "ERROR" } else { "INFO" },
        event.id,
        env.record,
        700 + env.record % 300,
        event.task
    );
    for (name, value) in &event.fields {
        let _ = write!(out, ",\"{name}\":");
        json_string(value, out);
    }
    out.extend_from_slice(b",\"Message\":");
    json_string(&nxlog_message(event), out);
    out.extend_from_slice(
        b",\"SourceModuleName\":\"eventlog\",\"SourceModuleType\":\"im_msvistalog\"}",
    );
}

/// The message as Windows renders it (CR LF between lines, TABs before values), which NXLog
/// puts in `Message` verbatim.
fn nxlog_message(event: &WinEvent) -> String {
    let mut m = String::new();
    for line in &event.text {
        match line {
            TextLine::Sentence(s) => {
                m.push_str(s);
                m.push_str("\r\n");
            }
            TextLine::Section(s) => {
                m.push_str("\r\n");
                m.push_str(s);
                m.push_str("\r\n");
            }
            TextLine::Item(label, value) => {
                m.push('\t');
                m.push_str(label);
                m.push_str("\t\t");
                m.push_str(value);
                m.push_str("\r\n");
            }
        }
    }
    m
}

/// Writes `s` as a JSON string literal.
fn json_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_what_json_requires() {
        let mut out = Vec::new();
        json_string("a\"b\\c\r\n\td\u{1}é", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"b\\\\c\\r\\n\\td\\u0001é\""
        );
    }

    #[test]
    fn format_names_round_trip() {
        for f in PayloadFormat::ALL {
            assert_eq!(PayloadFormat::from_name(f.as_str()), Some(f));
        }
        assert_eq!(PayloadFormat::from_name("cef"), None);
    }
}

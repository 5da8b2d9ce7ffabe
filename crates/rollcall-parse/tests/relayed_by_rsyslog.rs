//! rsyslog's default forward template (RSYSLOG_TraditionalForwardFormat) takes `LEEF:` / `CEF:`
//! as the syslog tag and re-joins tag and message with a space. Such relayed records must still
//! parse as what they are.

use rollcall_parse::{auth_event, parse_message, AuthKind, Format, ParseContext};

const NOW: ParseContext = ParseContext {
    now_ms: 1_795_403_702_120,
};

#[test]
fn leef_with_a_space_after_the_tag_colon() {
    let line = b"<13>Nov 23 03:15:02 dc01 LEEF: 2.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4771|^|TargetUserName=alice^Status=0x18^IpAddress=::ffff:198.51.100.23";
    let msg = parse_message(line);
    assert_eq!(msg.format, Format::Leef);
    let ev = auth_event(&msg, &NOW).unwrap().expect("auth event");
    assert_eq!(ev.kind, AuthKind::Kerberos4771);
    assert_eq!(ev.code, 0x18);
    assert_eq!(ev.username, "alice");
    assert_eq!(ev.source_ip, "198.51.100.23".parse().ok());
}

#[test]
fn cef_with_a_space_after_the_tag_colon() {
    let line = b"<13>Nov 23 03:15:02 arcsight CEF: 0|Microsoft|Windows|10|4771|Kerberos pre-authentication failed|5|externalId=4771 suser=bob src=192.0.2.10 cs1Label=Failure Code cs1=0x18";
    let msg = parse_message(line);
    assert_eq!(msg.format, Format::Cef);
    let ev = auth_event(&msg, &NOW).unwrap().expect("auth event");
    assert_eq!(ev.kind, AuthKind::Kerberos4771);
    assert_eq!(ev.username, "bob");
}

#[test]
fn a_word_leef_followed_by_text_is_not_leef() {
    let msg = parse_message(b"<13>Nov 23 03:15:02 host app: LEEF: not a record");
    assert_ne!(msg.format, Format::Leef);
}

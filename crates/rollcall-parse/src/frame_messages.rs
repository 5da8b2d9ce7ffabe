//! The messages one frame carries. Almost always one; but Azure exports and Event Hub relays
//! put a whole list of JSON records in one line (`{"records":[…]}`, a JSON array), and each
//! record there is an event of its own that must be counted.

use crate::message::{parse_message, Message};
use crate::payload::{json, Format};

/// Calls `each` with every message of `frame`: the frame itself, or, when its body is a JSON
/// list of records, each record under the frame's syslog header. A list with no records is
/// handed on whole, so that the caller still sees (and counts) the frame.
pub fn for_each_message<'a>(frame: &'a [u8], mut each: impl FnMut(&Message<'a>)) {
    let msg = parse_message(frame);
    if msg.format == Format::Json && json::holds_record_list(msg.body) {
        let mut any = false;
        for record in json::records(msg.body) {
            any = true;
            each(&Message {
                body: record,
                ..msg
            });
        }
        if any {
            return;
        }
    }
    each(&msg);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{auth_event, ParseContext};

    fn users(frame: &[u8]) -> Vec<String> {
        let ctx = ParseContext { now_ms: 0 };
        let mut out = Vec::new();
        for_each_message(frame, |m| {
            if let Ok(Some(ev)) = auth_event(m, &ctx) {
                out.push(format!("{}@{:?}", ev.username, ev.host));
            }
        });
        out
    }

    #[test]
    fn every_record_of_an_event_hub_envelope_behind_a_header_is_a_message() {
        let frame = br#"<14>1 2026-11-23T10:15:04Z eventhub-relay azure - - - {"records":[{"time":"2026-11-23T10:15:04Z","category":"SignInLogs","resultType":"50126","callerIpAddress":"203.0.113.11","properties":{"userPrincipalName":"c1@contoso.example","status":{"errorCode":50126}}},{"time":"2026-11-23T10:15:05Z","category":"SignInLogs","resultType":"50126","callerIpAddress":"203.0.113.11","properties":{"userPrincipalName":"c2@contoso.example","status":{"errorCode":50126}}}]}"#;
        assert_eq!(
            users(frame),
            [
                "c1@contoso.example@Some(\"eventhub-relay\")",
                "c2@contoso.example@Some(\"eventhub-relay\")"
            ]
        );
    }

    #[test]
    fn a_json_array_is_split_and_single_records_are_not() {
        let array = br#"[{"EventID":4776,"TargetUserName":"a","Workstation":"W1","Status":"0xC0000064","Hostname":"dc1"},{"EventID":4776,"TargetUserName":"b","Workstation":"W1","Status":"0xC0000064","Hostname":"dc1"}]"#;
        assert_eq!(users(array), ["a@Some(\"dc1\")", "b@Some(\"dc1\")"]);
        let single = br#"{"EventID":4776,"TargetUserName":"a","Workstation":"W1","Status":"0xC0000064","Hostname":"dc1"}"#;
        assert_eq!(users(single), ["a@Some(\"dc1\")"]);
        let mut calls = 0;
        for_each_message(b"[]", |_| calls += 1);
        for_each_message(b"<13>Nov 23 10:15:02 h sshd: x", |_| calls += 1);
        assert_eq!(
            calls, 2,
            "an empty list and a plain line are one message each"
        );
    }
}

//! Windows `.evtx` archives, decoded by the `evtx` crate and normalised with the same
//! [`WinFields`] + [`classify`] the syslog path uses, so an authentication failure read from an
//! archive has exactly the fields it would have had when forwarded.
//!
//! Each record is rendered as JSON (`Event.System.*`, `Event.EventData.*`); only the four
//! authentication-failure event IDs are mapped further.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Cursor, Read, Seek};
use std::path::Path;

use evtx::EvtxParser;
use rollcall_parse::fields::WinFields;
use rollcall_parse::normalise::{classify, HeaderContext};
use rollcall_parse::time::parse_rfc3339_ms;
use serde_json::Value;

use super::{Input, InputError, Payload, ReadStats, Record, RecordSink};
use crate::input::EvtxRecord;

/// The event IDs that can carry an authentication failure.
pub const AUTH_EVENT_IDS: [u32; 4] = [4625, 4771, 4768, 4776];

/// The `EventData` names mapped into [`WinFields`] (names as Windows defines them).
const EVENT_DATA_FIELDS: [&str; 7] = [
    "TargetUserName",
    "TargetDomainName",
    "IpAddress",
    "WorkstationName",
    "Workstation",
    "Status",
    "SubStatus",
];

/// Counts over all EVTX inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EvtxStats {
    /// Records decoded.
    pub records: u64,
    /// Records with one of [`AUTH_EVENT_IDS`].
    pub relevant: u64,
    /// Records or chunks the decoder could not read.
    pub errors: u64,
}

pub fn open_path(path: &Path) -> Result<EvtxParser<File>, InputError> {
    EvtxParser::from_path(path).map_err(|e| InputError::EvtxFile(e.to_string()))
}

pub fn open_buffer(data: Vec<u8>) -> Result<EvtxParser<Cursor<Vec<u8>>>, InputError> {
    EvtxParser::from_buffer(data).map_err(|e| InputError::EvtxFile(e.to_string()))
}

/// Size of the EVTX file header block and of a chunk: a file is one header block and whole
/// chunks.
const FILE_HEADER_SIZE: u64 = 4096;
const CHUNK_SIZE: u64 = 65536;

/// Hands every record of the archive to `sink`, in file order. Records the decoder cannot
/// read are reported (with the last good EventRecordID) and skipped. `size` is the file's
/// length: a file that ends inside a chunk (cut short by a copy or a download) is reported
/// too, since the `evtx` crate stops before an incomplete last chunk without a word.
pub fn read_records<T: Read + Seek>(
    input: &Input,
    mut parser: EvtxParser<T>,
    size: u64,
    sink: &mut dyn RecordSink,
    stats: &mut ReadStats,
) {
    let mut last_id: Option<u64> = None;
    let mut max_id: Option<u64> = None;
    for item in parser.records_json_value() {
        match item {
            Ok(rec) => {
                last_id = Some(rec.event_record_id);
                max_id = max_id.max(last_id);
                let mapped = map_record(&rec.data, rec.timestamp.as_millisecond());
                stats.evtx.records += 1;
                if mapped
                    .event_id
                    .is_some_and(|id| AUTH_EVENT_IDS.contains(&id))
                {
                    stats.evtx.relevant += 1;
                }
                stats.records += 1;
                sink.record(Record {
                    input: input.index,
                    offset: rec.event_record_id,
                    payload: Payload::Evtx(mapped),
                });
            }
            Err(err) => {
                stats.evtx.errors += 1;
                stats.read_errors += 1;
                let err = InputError::EvtxRecord(err.to_string());
                report_after(input, last_id, &err);
            }
        }
    }
    let tail = size.saturating_sub(FILE_HEADER_SIZE) % CHUNK_SIZE;
    if tail != 0 {
        stats.evtx.errors += 1;
        stats.read_errors += 1;
        let err = InputError::EvtxTruncated {
            bytes: tail,
            offset: size - tail,
        };
        // The incomplete chunk is the file's last: in a log that has not wrapped around, it
        // holds the records after the newest one read.
        report_after(input, max_id, &err);
    }
}

fn report_after(input: &Input, id: Option<u64>, err: &InputError) {
    match id {
        Some(id) => eprintln!("rollcall: {input}: after EventRecordID {id}: {err}"),
        None => eprintln!("rollcall: {input}: before the first record: {err}"),
    }
}

/// Maps one record (as the `evtx` crate renders it to JSON) to its event ID and, for an
/// authentication failure, the normalised event. `record_time_ms` (the record header's
/// timestamp) is used when `TimeCreated` is missing or unreadable.
pub fn map_record(data: &Value, record_time_ms: i64) -> EvtxRecord {
    let system = data.pointer("/Event/System");
    let event_id = system
        .and_then(|s| s.get("EventID"))
        .and_then(text_of)
        .and_then(|t| t.trim().parse::<u32>().ok());
    if !event_id.is_some_and(|id| AUTH_EVENT_IDS.contains(&id)) {
        return EvtxRecord {
            event_id,
            auth: None,
        };
    }
    let mut fields = WinFields {
        event_id,
        ..WinFields::default()
    };
    if let Some(computer) = system.and_then(|s| s.get("Computer")).and_then(text_of) {
        fields.set_field(b"Computer", computer);
    }
    let time_ms = system
        .and_then(|s| s.pointer("/TimeCreated/#attributes/SystemTime"))
        .and_then(Value::as_str)
        .and_then(|t| parse_rfc3339_ms(t.as_bytes()))
        .unwrap_or(record_time_ms);
    fields.time_ms = Some(time_ms);
    // EVTX times are FILETIMEs: UTC instants.
    fields.time_zoned = true;
    if let Some(event_data) = data.pointer("/Event/EventData") {
        set_event_data(event_data, &mut fields);
    }
    let auth = classify(fields, HeaderContext::default(), time_ms).map(|a| a.into_owned());
    EvtxRecord { event_id, auth }
}

/// `EventData` comes as an object keyed by field name (the usual rendering), or, when the
/// template carries no names, as `Data` entries with a `Name` attribute.
fn set_event_data<'a>(event_data: &'a Value, fields: &mut WinFields<'a>) {
    for name in EVENT_DATA_FIELDS {
        if let Some(value) = event_data.get(name).and_then(text_of) {
            fields.set_field(name.as_bytes(), value);
        }
    }
    if let Some(items) = event_data.get("Data").and_then(Value::as_array) {
        for item in items {
            let name = item.pointer("/#attributes/Name").and_then(Value::as_str);
            let value = item.get("#text").and_then(text_of);
            if let (Some(name), Some(value)) = (name, value) {
                if EVENT_DATA_FIELDS.contains(&name) {
                    fields.set_field(name.as_bytes(), value);
                }
            }
        }
    }
}

/// A scalar's text: strings as they are, numbers printed; `{"#text": …}` (an element that also
/// has attributes, like `EventID` with `Qualifiers`) unwrapped.
fn text_of(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Object(o) => o.get("#text").and_then(text_of),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_parse::AuthKind;
    use serde_json::json;

    fn record(id: Value, data: Value) -> Value {
        json!({"Event": {
            "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            "System": {
                "EventID": id,
                "Computer": "DC01.corp.example",
                "TimeCreated": {"#attributes": {"SystemTime": "2021-04-22T20:10:01.123456Z"}}
            },
            "EventData": data
        }})
    }

    #[test]
    fn maps_4625_like_the_syslog_path() {
        let v = record(
            json!(4625),
            json!({"TargetUserName": "nouser", "TargetDomainName": "CORP",
                   "Status": "0xc000006d", "SubStatus": "0xc0000064",
                   "WorkstationName": "KALI", "IpAddress": "::ffff:10.23.23.9"}),
        );
        let r = map_record(&v, 0);
        assert_eq!(r.event_id, Some(4625));
        let a = r.auth.expect("4625 is a failure");
        assert_eq!(a.kind, AuthKind::Ntlm4625);
        assert_eq!(a.failure_code().to_string(), "0xC0000064");
        assert_eq!(a.username, "nouser");
        assert_eq!(a.source_ip, "10.23.23.9".parse().ok());
        assert_eq!(a.workstation.as_deref(), Some("KALI"));
        assert_eq!(a.host.as_deref(), Some("DC01.corp.example"));
        assert_eq!(
            a.time_ms,
            parse_rfc3339_ms(b"2021-04-22T20:10:01.123Z").unwrap()
        );
    }

    #[test]
    fn event_id_with_qualifiers_and_unnamed_data_are_read() {
        let v = record(
            json!({"#attributes": {"Qualifiers": 0}, "#text": 4771}),
            json!({"Data": [
                {"#attributes": {"Name": "TargetUserName"}, "#text": "jdoe"},
                {"#attributes": {"Name": "Status"}, "#text": "0x18"},
                {"#attributes": {"Name": "IpAddress"}, "#text": "2001:db8::7"}
            ]}),
        );
        let a = map_record(&v, 0).auth.expect("4771 is a failure");
        assert_eq!(a.kind, AuthKind::Kerberos4771);
        assert_eq!(a.code, 0x18);
        assert_eq!(a.username, "jdoe");
        assert_eq!(a.source_ip, "2001:db8::7".parse().ok());
    }

    #[test]
    fn successes_and_other_events_have_no_auth() {
        let ok = record(json!(4768), json!({"TargetUserName": "a", "Status": "0x0"}));
        assert_eq!(map_record(&ok, 0).auth, None);
        assert_eq!(map_record(&ok, 0).event_id, Some(4768));
        let other = record(json!(4624), json!({"TargetUserName": "a"}));
        assert_eq!(map_record(&other, 0).auth, None);
        assert_eq!(map_record(&json!({"nope": 1}), 0).event_id, None);
    }

    #[test]
    fn missing_time_created_falls_back_to_the_record_header() {
        let v = json!({"Event": {"System": {"EventID": 4776},
                        "EventData": {"TargetUserName": "x", "Workstation": "W1", "Status": "0xC0000064"}}});
        let a = map_record(&v, 1_600_000_000_000).auth.unwrap();
        assert_eq!(a.time_ms, 1_600_000_000_000);
        assert_eq!(a.kind, AuthKind::Ntlm4776);
        assert_eq!(a.workstation.as_deref(), Some("W1"));
    }
}

//! Security-log events shaped like Windows writes them (Microsoft-Windows-Security-Auditing:
//! the `System` block, then `EventData` with each event ID's fields, value types as Windows
//! types them), and the fixture files of `tests/fixtures/evtx/`.
//!
//! The fixtures describe themselves: every authentication failure carries the values the
//! tests expect rollcall to report (`Expect`), written out here by hand.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::writer::{filetime, value_type, write_file, Element, Node, Record, Template, Value};

const PROVIDER: &str = "Microsoft-Windows-Security-Auditing";
const PROVIDER_GUID: u128 = 0x54849625_5478_4994_a5ba_3e3b0328c30d;
const NS: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// The System-block substitutions, in order (EventData values follow them).
const SYSTEM_VALUES: u16 = 12;

/// What rollcall must report for an authentication failure (DESIGN.md's normalisation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    pub kind: &'static str,
    pub code: &'static str,
    pub username: String,
    pub source_ip: Option<&'static str>,
    pub host: &'static str,
}

/// One event of a fixture.
#[derive(Clone, Debug)]
pub struct Event {
    pub event_id: u16,
    /// Event time: ms since the Unix epoch, plus 100 ns ticks.
    pub time_ms: i64,
    pub ticks: u64,
    pub computer: &'static str,
    pub data: Vec<(&'static str, Value)>,
    /// `Some` exactly for the authentication failures.
    pub expect: Option<Expect>,
}

/// Keywords: Audit Failure / Audit Success.
const AUDIT_FAILURE: u64 = 0x8010_0000_0000_0000;
const AUDIT_SUCCESS: u64 = 0x8020_0000_0000_0000;

fn task(event_id: u16) -> u16 {
    match event_id {
        4624 | 4625 => 12544, // Logon
        4768 | 4771 => 14339, // Kerberos Authentication Service
        4776 => 14336,        // Credential Validation
        4688 => 13312,        // Process Creation
        _ => 0,
    }
}

fn version(event_id: u16) -> u8 {
    match event_id {
        4624 | 4688 => 2,
        _ => 0,
    }
}

/// The template of an event ID with these EventData fields: a GUID derived from both, so a
/// fixture that used two shapes for one ID would get two templates.
fn template(event_id: u16, data: &[(&'static str, Value)]) -> Template {
    // FNV-1a over the shape, spread over 16 bytes; the low bits keep the event ID readable.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, value) in data {
        for b in name.bytes().chain([value.value_type()]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    let guid = (u128::from(h) << 64) | (0x5ec0_0000_0000u128 << 16) | u128::from(event_id);

    let sub = |i: u16, t: u8| Node::Substitution {
        index: i,
        value_type: t,
    };
    let system = Element::new("System")
        .element(
            Element::new("Provider")
                .attr("Name", Node::Text(PROVIDER.into()))
                .attr("Guid", sub(0, value_type::GUID)),
        )
        .sub_element("EventID", 1, value_type::UINT16)
        .sub_element("Version", 2, value_type::UINT8)
        .sub_element("Level", 3, value_type::UINT8)
        .sub_element("Task", 4, value_type::UINT16)
        .sub_element("Opcode", 5, value_type::UINT8)
        .sub_element("Keywords", 6, value_type::HEX_INT64)
        .element(Element::new("TimeCreated").attr("SystemTime", sub(7, value_type::FILETIME)))
        .sub_element("EventRecordID", 8, value_type::UINT64)
        .element(Element::new("Correlation"))
        .element(
            Element::new("Execution")
                .attr("ProcessID", sub(9, value_type::UINT32))
                .attr("ThreadID", sub(10, value_type::UINT32)),
        )
        .element(Element::new("Channel").child(Node::Text("Security".into())))
        .sub_element("Computer", 11, value_type::STRING)
        .element(Element::new("Security"));
    let mut event_data = Element::new("EventData");
    for (i, (name, value)) in data.iter().enumerate() {
        event_data = event_data.element(
            Element::new("Data")
                .attr("Name", Node::Text((*name).into()))
                .child(sub(SYSTEM_VALUES + i as u16, value.value_type())),
        );
    }
    let root = Element::new("Event")
        .attr("xmlns", Node::Text(NS.into()))
        .element(system)
        .element(event_data);
    Template { guid, root }
}

/// An event's shape: its ID and its EventData names and value types.
type Shape<'a> = (u16, Vec<(&'a str, u8)>);

/// The records of `events`, numbered from `first_id`, one template per event shape.
pub fn records(events: &[Event], first_id: u64) -> Vec<Record> {
    let mut templates: BTreeMap<Shape<'_>, Arc<Template>> = BTreeMap::new();
    let mut prev_time = i64::MIN;
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            assert!(e.time_ms >= prev_time, "events are in time order");
            prev_time = e.time_ms;
            let shape = (
                e.event_id,
                e.data.iter().map(|(n, v)| (*n, v.value_type())).collect(),
            );
            let template = templates
                .entry(shape)
                .or_insert_with(|| Arc::new(template(e.event_id, &e.data)))
                .clone();
            let record_id = first_id + i as u64;
            let written = filetime(e.time_ms, e.ticks);
            let failure = matches!(e.event_id, 4625 | 4771) || e.expect.is_some();
            let mut values = vec![
                Value::Guid(PROVIDER_GUID),
                Value::UInt16(e.event_id),
                Value::UInt8(version(e.event_id)),
                Value::UInt8(0),
                Value::UInt16(task(e.event_id)),
                Value::UInt8(0),
                Value::HexInt64(if failure {
                    AUDIT_FAILURE
                } else {
                    AUDIT_SUCCESS
                }),
                Value::FileTime(written),
                Value::UInt64(record_id),
                Value::UInt32(652),
                Value::UInt32(4100 + (record_id % 97) as u32 * 4),
                Value::str(e.computer),
            ];
            values.extend(e.data.iter().map(|(_, v)| v.clone()));
            Record {
                record_id,
                written,
                template,
                values,
            }
        })
        .collect()
}

// ── Event builders ────────────────────────────────────────────────────────────────────────

const DC01: &str = "DC01.corp.example";
const DC02: &str = "DC02.corp.example";
const DOMAIN_SID: &str = "S-1-5-21-3623811015-3361044348-30300820";

fn s(v: &str) -> Value {
    Value::str(v)
}

/// Ms since the epoch of `2024-03-05T` + `hh:mm:ss.mmm`.
fn at(h: i64, m: i64, sec: i64, ms: i64) -> i64 {
    const DAY: i64 = 1_709_596_800_000; // 2024-03-05T00:00:00Z
    DAY + ((h * 60 + m) * 60 + sec) * 1000 + ms
}

pub struct Failure4625<'a> {
    pub subject_user: &'a str,
    pub target_user: &'a str,
    pub target_domain: &'a str,
    pub status: u32,
    pub sub_status: u32,
    pub logon_type: u32,
    pub workstation: &'a str,
    pub ip: &'a str,
    pub port: &'a str,
}

fn event_4625(time_ms: i64, ticks: u64, computer: &'static str, f: Failure4625<'_>) -> Event {
    let subject_sid = if f.subject_user == "-" {
        "S-1-0-0"
    } else {
        "S-1-5-18"
    };
    Event {
        event_id: 4625,
        time_ms,
        ticks,
        computer,
        data: vec![
            ("SubjectUserSid", Value::Sid(subject_sid.into())),
            ("SubjectUserName", s(f.subject_user)),
            (
                "SubjectDomainName",
                s(if f.subject_user == "-" { "-" } else { "CORP" }),
            ),
            (
                "SubjectLogonId",
                Value::HexInt64(if f.subject_user == "-" { 0 } else { 0x3e7 }),
            ),
            ("TargetUserSid", Value::Sid("S-1-0-0".into())),
            ("TargetUserName", s(f.target_user)),
            ("TargetDomainName", s(f.target_domain)),
            ("Status", Value::HexInt32(f.status)),
            ("FailureReason", s("%%2313")),
            ("SubStatus", Value::HexInt32(f.sub_status)),
            ("LogonType", Value::UInt32(f.logon_type)),
            ("LogonProcessName", s("NtLmSsp ")),
            ("AuthenticationPackageName", s("NTLM")),
            ("WorkstationName", s(f.workstation)),
            ("TransmittedServices", s("-")),
            ("LmPackageName", s("-")),
            ("KeyLength", Value::UInt32(0)),
            (
                "ProcessId",
                Value::HexInt64(if f.subject_user == "-" { 0 } else { 0x28c }),
            ),
            (
                "ProcessName",
                s(if f.subject_user == "-" {
                    "-"
                } else {
                    "C:\\Windows\\System32\\lsass.exe"
                }),
            ),
            ("IpAddress", s(f.ip)),
            ("IpPort", s(f.port)),
        ],
        expect: None,
    }
}

fn event_4771(time_ms: i64, ticks: u64, user: &str, status: u32, ip: &str, port: &str) -> Event {
    Event {
        event_id: 4771,
        time_ms,
        ticks,
        computer: DC01,
        data: vec![
            ("TargetUserName", s(user)),
            ("TargetSid", Value::Sid(format!("{DOMAIN_SID}-1104"))),
            ("ServiceName", s("krbtgt/CORP.EXAMPLE")),
            ("TicketOptions", Value::HexInt32(0x4081_0010)),
            ("Status", Value::HexInt32(status)),
            ("PreAuthType", s("2")),
            ("IpAddress", s(ip)),
            ("IpPort", s(port)),
            ("CertIssuerName", s("")),
            ("CertSerialNumber", s("")),
            ("CertThumbprint", s("")),
        ],
        expect: None,
    }
}

fn event_4768(time_ms: i64, ticks: u64, user: &str, status: u32, ip: &str, port: &str) -> Event {
    let known = status == 0;
    Event {
        event_id: 4768,
        time_ms,
        ticks,
        computer: DC01,
        data: vec![
            ("TargetUserName", s(user)),
            ("TargetDomainName", s("CORP.EXAMPLE")),
            (
                "TargetSid",
                Value::Sid(if known {
                    format!("{DOMAIN_SID}-1107")
                } else {
                    "S-1-0-0".into()
                }),
            ),
            (
                "ServiceName",
                s(if known {
                    "krbtgt"
                } else {
                    "krbtgt/CORP.EXAMPLE"
                }),
            ),
            (
                "ServiceSid",
                Value::Sid(if known {
                    format!("{DOMAIN_SID}-502")
                } else {
                    "S-1-0-0".into()
                }),
            ),
            ("TicketOptions", Value::HexInt32(0x4081_0010)),
            ("Status", Value::HexInt32(status)),
            (
                "TicketEncryptionType",
                Value::HexInt32(if known { 0x12 } else { 0xffff_ffff }),
            ),
            ("PreAuthType", s(if known { "2" } else { "-" })),
            ("IpAddress", s(ip)),
            ("IpPort", s(port)),
            ("CertIssuerName", s("")),
            ("CertSerialNumber", s("")),
            ("CertThumbprint", s("")),
        ],
        expect: None,
    }
}

fn event_4776(time_ms: i64, ticks: u64, user: &str, workstation: &str, status: u32) -> Event {
    Event {
        event_id: 4776,
        time_ms,
        ticks,
        computer: DC02,
        data: vec![
            ("PackageName", s("MICROSOFT_AUTHENTICATION_PACKAGE_V1_0")),
            ("TargetUserName", s(user)),
            ("Workstation", s(workstation)),
            ("Status", Value::HexInt32(status)),
        ],
        expect: None,
    }
}

fn event_4624(time_ms: i64, ticks: u64, user: &str, ip: &str) -> Event {
    Event {
        event_id: 4624,
        time_ms,
        ticks,
        computer: DC01,
        data: vec![
            ("SubjectUserSid", Value::Sid("S-1-0-0".into())),
            ("SubjectUserName", s("-")),
            ("SubjectDomainName", s("-")),
            ("SubjectLogonId", Value::HexInt64(0)),
            ("TargetUserSid", Value::Sid(format!("{DOMAIN_SID}-1107"))),
            ("TargetUserName", s(user)),
            ("TargetDomainName", s("CORP")),
            ("TargetLogonId", Value::HexInt64(0x1a2_b3c4)),
            ("LogonType", Value::UInt32(3)),
            ("LogonProcessName", s("Kerberos")),
            ("AuthenticationPackageName", s("Kerberos")),
            ("WorkstationName", s("-")),
            (
                "LogonGuid",
                Value::Guid(0x0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0),
            ),
            ("TransmittedServices", s("-")),
            ("LmPackageName", s("-")),
            ("KeyLength", Value::UInt32(0)),
            ("ProcessId", Value::HexInt64(0)),
            ("ProcessName", s("-")),
            ("IpAddress", s(ip)),
            ("IpPort", s("52011")),
        ],
        expect: None,
    }
}

fn event_4688(time_ms: i64, ticks: u64, command_line: &str) -> Event {
    Event {
        event_id: 4688,
        time_ms,
        ticks,
        computer: DC02,
        data: vec![
            ("SubjectUserSid", Value::Sid("S-1-5-18".into())),
            ("SubjectUserName", s("DC02$")),
            ("SubjectDomainName", s("CORP")),
            ("SubjectLogonId", Value::HexInt64(0x3e7)),
            ("NewProcessId", Value::HexInt64(0x1f44)),
            ("NewProcessName", s("C:\\Windows\\System32\\whoami.exe")),
            ("TokenElevationType", s("%%1936")),
            ("ProcessId", Value::HexInt64(0x1d2c)),
            ("CommandLine", s(command_line)),
            ("TargetUserSid", Value::Sid("S-1-0-0".into())),
            ("TargetUserName", s("-")),
            ("TargetDomainName", s("-")),
            ("TargetLogonId", Value::HexInt64(0)),
            ("ParentProcessName", s("C:\\Windows\\System32\\cmd.exe")),
            ("MandatoryLabel", Value::Sid("S-1-16-16384".into())),
        ],
        expect: None,
    }
}

fn expect(
    mut e: Event,
    kind: &'static str,
    code: &'static str,
    user: &str,
    ip: Option<&'static str>,
) -> Event {
    e.expect = Some(Expect {
        kind,
        code,
        username: user.to_owned(),
        source_ip: ip,
        host: e.computer,
    });
    e
}

// ── The fixtures ──────────────────────────────────────────────────────────────────────────

/// `auth_mix.evtx`: one of each shape an authentication failure (or a look-alike) takes.
pub fn auth_mix() -> Vec<Event> {
    let f = |target: &'static str, status, sub, ws, ip, port| Failure4625 {
        subject_user: "DC01$",
        target_user: target,
        target_domain: "CORP",
        status,
        sub_status: sub,
        logon_type: 3,
        workstation: ws,
        ip,
        port,
    };
    vec![
        event_4624(at(9, 0, 1, 17), 4_321, "alice", "::ffff:10.1.2.3"),
        // Unknown user, no client address: the subject (the DC's machine account) must not be
        // taken for the target.
        expect(
            event_4625(
                at(9, 0, 2, 250),
                5_000,
                DC01,
                f("nouser", 0xc000_006d, 0xc000_0064, "WS-RECEPTION", "-", "-"),
            ),
            "ntlm_4625",
            "0xC0000064",
            "nouser",
            None,
        ),
        expect(
            event_4625(
                at(9, 0, 3, 501),
                4_999,
                DC01,
                f(
                    "alice",
                    0xc000_006d,
                    0xc000_006a,
                    "WS-17",
                    "::ffff:10.1.2.3",
                    "50312",
                ),
            ),
            "ntlm_4625",
            "0xC000006A",
            "alice",
            Some("10.1.2.3"),
        ),
        // IPv6, written uncompressed and in capitals: reported canonical.
        expect(
            event_4625(
                at(9, 0, 4, 2),
                6_000,
                DC01,
                f(
                    "svc_backup",
                    0xc000_006d,
                    0xc000_0064,
                    "WS-V6",
                    "2001:DB8:0:0:0:0:0:25",
                    "60001",
                ),
            ),
            "ntlm_4625",
            "0xC0000064",
            "svc_backup",
            Some("2001:db8::25"),
        ),
        // Locked out: SubStatus 0, so the Status is the code.
        expect(
            event_4625(
                at(9, 0, 5, 640),
                3_210,
                DC02,
                f("bob", 0xc000_0234, 0, "WS-22", "10.1.2.4", "49152"),
            ),
            "ntlm_4625",
            "0xC0000234",
            "bob",
            Some("10.1.2.4"),
        ),
        // Non-ASCII and XML-special characters in the account name; interactive logon whose
        // subject is "-".
        expect(
            event_4625(
                at(9, 0, 6, 5),
                5_555,
                DC01,
                Failure4625 {
                    subject_user: "-",
                    target_user: "Jürgen.O'Brien&Co",
                    target_domain: "CORP",
                    status: 0xc000_006d,
                    sub_status: 0xc000_006a,
                    logon_type: 2,
                    workstation: "WS-<LOBBY>",
                    ip: "10.1.2.9",
                    port: "0",
                },
            ),
            "ntlm_4625",
            "0xC000006A",
            "Jürgen.O'Brien&Co",
            Some("10.1.2.9"),
        ),
        expect(
            event_4771(
                at(9, 0, 7, 90),
                4_000,
                "carol",
                0x18,
                "::ffff:10.1.2.5",
                "50100",
            ),
            "kerberos_4771",
            "0x18",
            "carol",
            Some("10.1.2.5"),
        ),
        expect(
            event_4771(
                at(9, 0, 8, 333),
                4_444,
                "dave",
                0x6,
                "::ffff:10.1.2.5",
                "50101",
            ),
            "kerberos_4771",
            "0x6",
            "dave",
            Some("10.1.2.5"),
        ),
        expect(
            event_4768(
                at(9, 0, 9, 777),
                7_000,
                "mallory",
                0x6,
                "::ffff:10.1.2.6",
                "50200",
            ),
            "kerberos_4768",
            "0x6",
            "mallory",
            Some("10.1.2.6"),
        ),
        // A ticket granted: not a failure.
        event_4768(
            at(9, 0, 10, 10),
            1_000,
            "alice",
            0x0,
            "::ffff:10.1.2.3",
            "50201",
        ),
        expect(
            event_4776(at(9, 0, 11, 111), 1_111, "erin", "WS-7", 0xc000_0064),
            "ntlm_4776",
            "0xC0000064",
            "erin",
            None,
        ),
        // Credentials validated: not a failure.
        event_4776(at(9, 0, 12, 120), 1_200, "alice", "WS-17", 0x0),
        event_4688(at(9, 0, 13, 130), 1_300, "whoami /all"),
        // Loopback: parsed as it is (replay excludes it).
        expect(
            event_4625(
                at(9, 0, 14, 140),
                1_400,
                DC02,
                f("frank", 0xc000_006d, 0xc000_0072, "DC02", "127.0.0.1", "0"),
            ),
            "ntlm_4625",
            "0xC0000072",
            "frank",
            Some("127.0.0.1"),
        ),
    ]
}

/// The enumerating source of `enumeration.evtx`.
pub const ATTACKER: &str = "198.51.100.23";

/// Account names the attacker tries, in order (a user-list run, as kerbrute does it).
pub fn attacker_usernames() -> Vec<String> {
    let first = [
        "admin",
        "administrator",
        "backup",
        "guest",
        "helpdesk",
        "it",
        "jdoe",
        "jsmith",
        "mjones",
        "root",
        "scanner",
        "sql",
        "support",
        "test",
        "user",
        "web",
        "www",
        "ftp",
        "oracle",
        "postgres",
    ];
    let mut names: Vec<String> = first.iter().map(|n| (*n).to_owned()).collect();
    names.extend((1..=40).map(|i| format!("user{i:02}")));
    names
}

/// `enumeration.evtx`: a Kerberos/NTLM user enumeration from [`ATTACKER`] (60 distinct names,
/// one a second time in capitals, within eight minutes), interleaved with ordinary traffic and a
/// user mistyping a password from another address. Two chunks.
pub fn enumeration() -> Vec<Event> {
    let start = at(2, 14, 7, 0);
    let mut events = Vec::new();
    let names = attacker_usernames();
    for (i, name) in names.iter().enumerate() {
        let t = start + i as i64 * 7_919; // ~8 s apart
        let ticks = (i as u64 * 3_637) % 10_000;
        let port = format!("{}", 40_000 + i);
        let e = match i % 4 {
            // Unknown principal at the KDC: the enumeration signature.
            0 | 1 => expect(
                event_4768(t, ticks, name, 0x6, "::ffff:198.51.100.23", &port),
                "kerberos_4768",
                "0x6",
                name,
                Some(ATTACKER),
            ),
            // An existing account with a wrong password guess.
            2 => expect(
                event_4771(t, ticks, name, 0x18, "::ffff:198.51.100.23", &port),
                "kerberos_4771",
                "0x18",
                name,
                Some(ATTACKER),
            ),
            // NTLM over SMB from the same machine.
            _ => expect(
                event_4625(
                    t,
                    ticks,
                    DC01,
                    Failure4625 {
                        subject_user: "-",
                        target_user: name,
                        target_domain: "CORP",
                        status: 0xc000_006d,
                        sub_status: 0xc000_0064,
                        logon_type: 3,
                        workstation: "KALI",
                        ip: ATTACKER,
                        port: &port,
                    },
                ),
                "ntlm_4625",
                "0xC0000064",
                name,
                Some(ATTACKER),
            ),
        };
        events.push(e);
        // Ordinary traffic between the attempts.
        if i % 6 == 3 {
            events.push(event_4624(t + 1_234, 2_000, "alice", "::ffff:10.1.2.3"));
        }
        if i % 9 == 4 {
            events.push(event_4768(
                t + 2_345,
                3_000,
                "alice",
                0x0,
                "::ffff:10.1.2.3",
                "50201",
            ));
        }
        if i % 15 == 7 {
            let e = event_4625(
                t + 3_456,
                4_000,
                DC02,
                Failure4625 {
                    subject_user: "DC02$",
                    target_user: "bob",
                    target_domain: "CORP",
                    status: 0xc000_006d,
                    sub_status: 0xc000_006a,
                    logon_type: 3,
                    workstation: "WS-22",
                    ip: "10.1.2.50",
                    port: "51515",
                },
            );
            events.push(expect(
                e,
                "ntlm_4625",
                "0xC000006A",
                "bob",
                Some("10.1.2.50"),
            ));
        }
        // The same account again, in capitals: still one distinct username.
        if i == 10 {
            let t = t + 4_000;
            events.push(expect(
                event_4768(t, 5_000, "ADMIN", 0x6, "::ffff:198.51.100.23", "40999"),
                "kerberos_4768",
                "0x6",
                "ADMIN",
                Some(ATTACKER),
            ));
        }
    }
    events.push(event_4688(
        start + names.len() as i64 * 7_919 + 60_000,
        0,
        "net user /domain",
    ));
    events
}

/// Records per chunk in `enumeration.evtx`, so that it has two.
pub const ENUMERATION_CHUNK_RECORDS: usize = 50;

/// The record of `enumeration.evtx` whose Binary XML `enumeration_corrupt.evtx` damages.
pub const CORRUPT_RECORD_ID: u64 = 20;

/// The fixture files: name, bytes, events.
pub fn fixtures() -> Vec<(&'static str, Vec<u8>, Vec<Event>)> {
    let mix = auth_mix();
    let (mix_bytes, _) = write_file(&records(&mix, 1), usize::MAX);

    let enumeration = enumeration();
    let (enum_bytes, places) = write_file(&records(&enumeration, 1), ENUMERATION_CHUNK_RECORDS);

    // The corrupt copy: one record's Binary XML damaged (the checksums left as they were, as
    // a bad sector leaves them), and the file cut short in its second chunk.
    let mut corrupt = enum_bytes.clone();
    let place = places
        .iter()
        .find(|p| p.record_id == CORRUPT_RECORD_ID)
        .unwrap();
    let binxml = place.offset + super::writer::RECORD_HEADER_SIZE;
    corrupt[binxml..binxml + 4].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    corrupt.truncate(super::writer::FILE_HEADER_SIZE + super::writer::CHUNK_SIZE + 8_000);

    vec![
        ("auth_mix.evtx", mix_bytes, mix),
        ("enumeration.evtx", enum_bytes, enumeration.clone()),
        ("enumeration_corrupt.evtx", corrupt, enumeration),
    ]
}

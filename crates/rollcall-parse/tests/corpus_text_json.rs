//! Rendered Windows text and JSON payloads end to end (`parse_message` + `auth_event`):
//! our own fixtures first, then every file and line of the real samples in
//! `/work/shared/corpus/{windows-text,winlogbeat-json,azure-signin}` when that folder exists
//! (the tests skip it cleanly otherwise).
//!
//! How each corpus expectation was established, independently of this parser:
//! - `windows-text/*GPWARD.txt`, `*TMARTIN.txt`: read the files (`cat -A`): "An account failed
//!   to log on.", the `Account For Which Logon Failed:` block holds `Account Name:\t\tGPWARD`
//!   (resp. TMARTIN) while the Subject block holds `-`; `Sub Status:\t\t0xC0000064`;
//!   `Source Network Address:\t-` and `Workstation Name:\t-` (no address, no workstation).
//! - `windows-text/*context_example.json`: `python3 -c 'import json;…'` lists two records
//!   under `Logrhythm.Log` with `EventID` "4625", `Computer` "WIN-1234.lab" and `EventData`
//!   equal to the two text files above (PROVENANCE.md says so too).
//! - `windows-text/elastic-beats_4771_message.txt`: `Account Name:\t\tMPUIG`,
//!   `Failure Code:\t\t0x12`, `Client Address:\t\t::ffff:192.168.5.44`.
//! - `windows-text/elastic-beats_4776_message.txt`: `Logon Account:\tat_adm`,
//!   `Source Workstation:\tEQP01777`, `Error Code:\t0x0` (a success: no event).
//! - `winlogbeat-json/*4771*`: `winlog.event_id` "4771", `event_data.Status` "0x12",
//!   `TargetUserName` MPUIG, `IpAddress` ::ffff:192.168.5.44, `computer_name`
//!   DC_TEST2k12.TEST.SAAS, `@timestamp` 2020-03-31T07:50:27.1681182Z (read with `jq`-like
//!   python). `*4776*`: Status "0x0", TargetUserName at_adm, Workstation EQP01777.
//! - `azure-signin/*signinlogs-raw.log`: python `json.loads` per line: 5 records, categories
//!   SignInLogs, NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs,
//!   MicrosoftServicePrincipalSignInLogs, ManagedIdentitySignInLogs; every
//!   `properties.status.errorCode` 50140; `properties.ipAddress` 81.2.69.144;
//!   `userPrincipalName` test@elastic.co on line 1, c3813493-bf92-5123-2717-8a8b2979c38b on
//!   lines 2-5; `createdDateTime` 2019-10-18T04:45:48.0729893-05:00.
//! - `azure-signin/msgraph-docs_*_50126.json`: `status.errorCode` 50126, `userPrincipalName`
//!   testaccount1@contoso.com, `ipAddress` 131.107.159.37, `createdDateTime`
//!   2021-06-30T16:34:32Z, `appDisplayName` "Azure Portal"; keys `homeTenantId`,
//!   `isTenantRestricted`, `sessionLifetimePolicies` appear twice (`grep -c`).

use std::path::{Path, PathBuf};

use rollcall_parse::fields::WinFields;
use rollcall_parse::payload::{json, wintext};
use rollcall_parse::time::parse_rfc3339_ms;
use rollcall_parse::{auth_event, parse_message, AuthEvent, AuthKind, Format, ParseContext};

const NOW: ParseContext = ParseContext {
    // 2026-11-23T12:00:00Z: the RFC 3164 fixtures below are dated the same day.
    now_ms: 1_795_435_200_000,
};

fn parse(frame: &[u8]) -> (Format, Option<AuthEvent<'_>>) {
    let msg = parse_message(frame);
    let ev = auth_event(&msg, &NOW).expect("fixture parses");
    (msg.format, ev)
}

fn ms(text: &str) -> i64 {
    parse_rfc3339_ms(text.as_bytes()).expect("valid test timestamp")
}

// ---------------------------------------------------------------------------------------
// Our own fixtures, end to end.

const NXLOG_4625: &str = r#"{"EventTime":"2026-11-23 03:14:59","Hostname":"dc01.corp.example","EventType":"AUDIT_FAILURE","EventID":4625,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","SubjectUserName":"DC01$","TargetUserName":"jdoe","TargetDomainName":"CORP","Status":"0xc000006d","FailureReason":"%%2313","SubStatus":"0xc0000064","LogonType":"3","WorkstationName":"KALI","IpAddress":"203.0.113.7","IpPort":"0"}"#;

#[test]
fn bare_json_4625() {
    let (format, ev) = parse(NXLOG_4625.as_bytes());
    assert_eq!(format, Format::Json);
    let ev = ev.expect("4625 is a failure");
    assert_eq!(ev.kind, AuthKind::Ntlm4625);
    assert_eq!(ev.failure_code().to_string(), "0xC0000064");
    assert_eq!(ev.username, "jdoe");
    assert_eq!(ev.source_ip, "203.0.113.7".parse().ok());
    assert_eq!(ev.workstation.as_deref(), Some("KALI"));
    assert_eq!(ev.host.as_deref(), Some("dc01.corp.example"));
    assert_eq!(ev.time_ms, ms("2026-11-23T03:14:59Z"));
}

#[test]
fn json_after_rfc3164_header() {
    let frame = format!("<134>Nov 23 03:15:02 wec01 nxlog: {NXLOG_4625}\n");
    let (format, ev) = parse(frame.as_bytes());
    assert_eq!(format, Format::Json);
    let ev = ev.expect("4625 is a failure");
    assert_eq!(ev.username, "jdoe");
    // The payload's Hostname and EventTime win over the relay's header.
    assert_eq!(ev.host.as_deref(), Some("dc01.corp.example"));
    assert_eq!(ev.time_ms, ms("2026-11-23T03:14:59Z"));
}

#[test]
fn azure_signin_json_after_rfc3164_header_and_bare() {
    let body = r#"{"time":"2026-11-23T03:15:02Z","category":"SignInLogs","resultType":"50053","callerIpAddress":"198.51.100.8","properties":{"userPrincipalName":"kim@contoso.example","ipAddress":"198.51.100.8","status":{"errorCode":50053},"createdDateTime":"2026-11-23T03:15:01Z","appDisplayName":"Azure Portal"}}"#;
    for frame in [
        body.to_string(),
        format!("<134>Nov 23 03:15:09 eh-relay azuresignin: {body}"),
    ] {
        let (format, ev) = parse(frame.as_bytes());
        assert_eq!(format, Format::Json, "{frame}");
        let ev = ev.expect("50053 is a failure");
        assert_eq!(ev.kind, AuthKind::AzureSignin);
        assert_eq!(ev.failure_code().to_string(), "50053");
        assert_eq!(ev.username, "kim@contoso.example");
        assert_eq!(ev.source_ip, "198.51.100.8".parse().ok());
        assert_eq!(ev.time_ms, ms("2026-11-23T03:15:01Z"));
    }
}

#[test]
fn rendered_text_after_rfc3164_header_never_reports_the_subject() {
    let frame = "<13>Nov 23 03:14:59 dc01.corp.example Microsoft-Windows-Security-Auditing: 4625: An account failed to log on.#015#012#015#012Subject:#015#012#011Security ID:#011#011S-1-5-18#015#012#011Account Name:#011#011DC01$#015#012#011Account Domain:#011#011CORP#015#012#015#012Logon Type:#011#011#0113#015#012#015#012Account For Which Logon Failed:#015#012#011Security ID:#011#011S-1-0-0#015#012#011Account Name:#011#011admin#015#012#011Account Domain:#011#011CORP#015#012#015#012Failure Information:#015#012#011Failure Reason:#011#011Unknown user name or bad password.#015#012#011Status:#011#011#0110xC000006D#015#012#011Sub Status:#011#0110xC0000064#015#012#015#012Network Information:#015#012#011Workstation Name:#011WKS01#015#012#011Source Network Address:#011203.0.113.7#015#012#011Source Port:#011#01151234";
    let (_, ev) = parse(frame.as_bytes());
    let ev = ev.expect("4625 is a failure");
    assert_eq!(ev.kind, AuthKind::Ntlm4625);
    assert_eq!(ev.username, "admin");
    assert_eq!(ev.code, 0xC000_0064);
    assert_eq!(ev.source_ip, "203.0.113.7".parse().ok());
    assert_eq!(ev.host.as_deref(), Some("dc01.corp.example"));
}

#[test]
fn bare_rendered_text() {
    let text = "Kerberos pre-authentication failed. Account Information: Security ID: CORP\\lee Account Name: lee Service Information: Service Name: krbtgt/CORP Network Information: Client Address: ::ffff:10.0.0.5 Client Port: 49152 Additional Information: Ticket Options: 0x40810010 Failure Code: 0x18 Pre-Authentication Type: 2";
    let (format, ev) = parse(text.as_bytes());
    assert_eq!(format, Format::Text);
    let ev = ev.expect("4771 is a failure");
    assert_eq!((ev.kind, ev.code), (AuthKind::Kerberos4771, 0x18));
    assert_eq!(ev.username, "lee");
    assert_eq!(ev.source_ip, "10.0.0.5".parse().ok());
}

#[test]
fn sspr_audit_failure_end_to_end() {
    let body = r#"{"time":"2026-11-23T03:21:00Z","operationName":"Reset password (self-service)","category":"AuditLogs","callerIpAddress":"198.51.100.3","properties":{"category":"UserManagement","result":"failure","resultReason":"User did not register for SSPR","activityDisplayName":"Reset password (self-service)","activityDateTime":"2026-11-23T03:20:59Z","loggedByService":"Self-service Password Management","initiatedBy":{"user":{"userPrincipalName":"max@contoso.example","ipAddress":"198.51.100.3"}},"targetResources":[{"type":"User","userPrincipalName":"max@contoso.example"}]}}"#;
    // The hot path must not pre-filter it away.
    let (_, ev) = rollcall_parse::parse_auth(body.as_bytes(), &NOW);
    let ev = ev.unwrap().expect("failed SSPR is probing evidence");
    assert_eq!(ev.kind, AuthKind::AzureSspr);
    assert_eq!(ev.code, json::SSPR_RESULT_FAILURE);
    assert_eq!(ev.username, "max@contoso.example");
    assert_eq!(ev.time_ms, ms("2026-11-23T03:20:59Z"));
}

// ---------------------------------------------------------------------------------------
// The real corpus.

fn corpus_dir(kind: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(kind);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} not present", dir.display());
        None
    }
}

fn sample_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus folder readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n != "PROVENANCE.md" && !n.ends_with(".sources.tsv"))
        })
        .collect();
    files.sort();
    files
}

fn file_named<'f>(files: &'f [(PathBuf, Vec<u8>)], part: &str) -> &'f [u8] {
    files
        .iter()
        .find(|(p, _)| p.to_string_lossy().contains(part))
        .map(|(_, d)| d.as_slice())
        .unwrap_or_else(|| panic!("corpus file *{part}* missing"))
}

/// Runs a whole file, each line and each JSON record through every entry point: nothing
/// may panic, whatever the result.
fn smoke(data: &[u8]) {
    let run_all = |frame: &[u8]| {
        let msg = parse_message(frame);
        let _ = auth_event(&msg, &NOW);
        let _ = rollcall_parse::parse_auth(frame, &NOW);
        let mut f = WinFields::default();
        let _ = wintext::extract(frame, &mut f);
        let mut f = WinFields::default();
        let _ = json::extract(frame, &mut f);
    };
    run_all(data);
    for line in data.split(|b| *b == b'\n') {
        run_all(line);
    }
    for record in json::records(data) {
        run_all(record);
    }
}

fn load(kind: &str) -> Option<Vec<(PathBuf, Vec<u8>)>> {
    let dir = corpus_dir(kind)?;
    let files: Vec<_> = sample_files(&dir)
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).expect("corpus file readable");
            (p, data)
        })
        .collect();
    for (_, data) in &files {
        smoke(data);
    }
    Some(files)
}

#[test]
fn corpus_windows_text() {
    let Some(files) = load("windows-text") else {
        return;
    };
    for (name, user) in [("GPWARD.txt", "GPWARD"), ("TMARTIN.txt", "TMARTIN")] {
        let text = file_named(&files, name);
        // As stored (real TABs/LFs), flattened onto one line by rsyslog, and by Snare.
        let rsyslog = String::from_utf8_lossy(text)
            .replace('\t', "#011")
            .replace('\n', "#012");
        let snare = String::from_utf8_lossy(text)
            .replace('\t', " ")
            .replace('\n', "  ");
        let framed = format!("<13>Nov 23 03:14:59 WIN-1234 EventLog: {rsyslog}");
        for variant in [
            text,
            rsyslog.as_bytes(),
            snare.as_bytes(),
            framed.as_bytes(),
        ] {
            let (_, ev) = parse(variant);
            let ev = ev.unwrap_or_else(|| panic!("{name}: no event"));
            assert_eq!(ev.kind, AuthKind::Ntlm4625, "{name}");
            assert_eq!(ev.failure_code().to_string(), "0xC0000064", "{name}");
            assert_eq!(ev.username, user, "{name}");
            assert_eq!(ev.source_ip, None, "{name}");
            assert_eq!(ev.workstation, None, "{name}");
        }
    }

    let ev4771 = parse(file_named(&files, "4771_message.txt"))
        .1
        .expect("4771");
    assert_eq!(ev4771.kind, AuthKind::Kerberos4771);
    assert_eq!(ev4771.failure_code().to_string(), "0x12");
    assert_eq!(ev4771.username, "MPUIG");
    assert_eq!(ev4771.source_ip, "192.168.5.44".parse().ok());

    let text4776 = file_named(&files, "4776_message.txt");
    assert_eq!(parse(text4776).1, None, "4776 0x0 is a success");
    let mut f = WinFields::default();
    wintext::extract(text4776, &mut f).unwrap();
    assert_eq!(f.event_id, Some(4776));
    assert_eq!(f.target_user.as_deref(), Some("at_adm"));
    assert_eq!(f.workstation.as_deref(), Some("EQP01777"));
    assert_eq!(f.status, Some(0));

    // The LogRhythm query result: each record re-serialised is a JSON record whose rendered
    // `EventData` text is all there is to read.
    let doc: serde_json::Value =
        serde_json::from_slice(file_named(&files, "context_example.json")).expect("valid JSON");
    let records = doc["Logrhythm.Log"].as_array().expect("records array");
    let users: Vec<String> = records
        .iter()
        .map(|r| {
            let body = serde_json::to_string(r).unwrap();
            let (format, ev) = parse(body.as_bytes());
            assert_eq!(format, Format::Json);
            let ev = ev.expect("4625").into_owned();
            assert_eq!(ev.kind, AuthKind::Ntlm4625);
            assert_eq!(ev.code, 0xC000_0064);
            assert_eq!(ev.host.as_deref(), Some("WIN-1234.lab"));
            ev.username.into_owned()
        })
        .collect();
    assert_eq!(users, ["GPWARD", "TMARTIN"]);
}

#[test]
fn corpus_winlogbeat_json() {
    let Some(files) = load("winlogbeat-json") else {
        return;
    };
    let golden = file_named(&files, "4771.evtx.golden.json");
    let (format, ev) = parse(golden);
    assert_eq!(format, Format::Json);
    let ev = ev.expect("4771 is a failure");
    assert_eq!(ev.kind, AuthKind::Kerberos4771);
    assert_eq!(ev.failure_code().to_string(), "0x12");
    assert_eq!(ev.username, "MPUIG");
    assert_eq!(ev.source_ip, "192.168.5.44".parse().ok());
    assert_eq!(ev.host.as_deref(), Some("DC_TEST2k12.TEST.SAAS"));
    assert_eq!(ev.time_ms, ms("2020-03-31T07:50:27.168Z"));
    assert_eq!(json::records(golden).count(), 1);

    let golden = file_named(&files, "4776.evtx.golden.json");
    assert_eq!(parse(golden).1, None, "4776 0x0 is a success");
    let mut f = WinFields::default();
    json::extract(golden, &mut f).unwrap();
    assert_eq!(f.event_id, Some(4776));
    assert_eq!(f.target_user.as_deref(), Some("at_adm"));
    assert_eq!(f.workstation.as_deref(), Some("EQP01777"));
    assert_eq!(f.status, Some(0));
}

#[test]
fn corpus_azure_signin() {
    let Some(files) = load("azure-signin") else {
        return;
    };
    let ndjson = file_named(&files, "signinlogs-raw.log");
    let lines: Vec<&[u8]> = ndjson
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(json::records(ndjson).count(), 5);
    let guid = "c3813493-bf92-5123-2717-8a8b2979c38b";
    let expected_users = ["test@elastic.co", guid, guid, guid, guid];
    for (line, user) in lines.iter().zip(expected_users) {
        let (format, ev) = parse(line);
        assert_eq!(format, Format::Json);
        let ev = ev.expect("50140 is a non-zero sign-in error");
        assert_eq!(ev.kind, AuthKind::AzureSignin);
        assert_eq!(ev.failure_code().to_string(), "50140");
        assert_eq!(ev.username, user);
        assert_eq!(ev.source_ip, "81.2.69.144".parse().ok());
        assert_eq!(ev.time_ms, ms("2019-10-18T09:45:48.072Z"));
    }

    let graph = file_named(&files, "50126.json");
    let (format, ev) = parse(graph);
    assert_eq!(format, Format::Json);
    let ev = ev.expect("50126 is a failure");
    assert_eq!(ev.kind, AuthKind::AzureSignin);
    assert_eq!(ev.failure_code().to_string(), "50126");
    assert_eq!(ev.username, "testaccount1@contoso.com");
    assert_eq!(ev.source_ip, "131.107.159.37".parse().ok());
    assert_eq!(ev.host.as_deref(), Some("Azure Portal"));
    assert_eq!(ev.time_ms, ms("2021-06-30T16:34:32Z"));
}

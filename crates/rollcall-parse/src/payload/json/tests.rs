//! Fixtures written for rollcall in the shapes the producers document; values are ours.

use super::*;
use crate::normalise::{classify, kind_and_code, HeaderContext};
use crate::time::civil_to_epoch_ms;

fn run(body: &str) -> WinFields<'_> {
    let mut f = WinFields::default();
    extract(body.as_bytes(), &mut f).unwrap();
    f
}

fn event(body: &str) -> Option<(AuthKind, u32, String, Option<String>)> {
    let f = run(body);
    let ev = classify(f, HeaderContext::default(), 0)?;
    Some((
        ev.kind,
        ev.code,
        ev.username.into_owned(),
        ev.source_ip.map(|ip| ip.to_string()),
    ))
}

fn ms(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, milli: u32) -> Option<i64> {
    civil_to_epoch_ms(y, mo, d, h, mi, s, milli)
}

/// Winlogbeat 8 / ECS, pretty-printed, 4625 for a non-existent user. `host.name` is the WEF
/// collector that shipped it; the DC is `winlog.computer_name`.
const WINLOGBEAT_4625: &str = r#"{
  "@timestamp": "2026-11-23T03:14:59.871Z",
  "event": { "code": "4625", "kind": "event", "outcome": "failure", "action": "logon-failed" },
  "host": { "name": "wec01.corp.example" },
  "message": "An account failed to log on.\n\nSubject:\n\tSecurity ID:\t\tS-1-0-0\n\tAccount Name:\t\t-",
  "source": { "ip": "203.0.113.7", "port": 445 },
  "winlog": {
    "channel": "Security",
    "computer_name": "dc01.corp.example",
    "event_data": {
      "SubjectUserName": "-",
      "TargetUserName": "jdoe",
      "TargetDomainName": "CORP",
      "Status": "0xc000006d",
      "SubStatus": "0xc0000064",
      "LogonType": "3",
      "WorkstationName": "KALI",
      "IpAddress": "203.0.113.7",
      "IpPort": "445"
    },
    "event_id": 4625,
    "keywords": ["Audit Failure"]
  }
}"#;

#[test]
fn winlogbeat_4625_unknown_user() {
    let f = run(WINLOGBEAT_4625);
    assert_eq!(f.event_id, Some(4625));
    assert_eq!(f.target_user.as_deref(), Some("jdoe"));
    assert_eq!(f.target_domain.as_deref(), Some("CORP"));
    assert_eq!(f.sub_status, Some(0xC000_0064));
    assert_eq!(f.status, Some(0xC000_006D));
    assert_eq!(f.ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(f.workstation.as_deref(), Some("KALI"));
    assert_eq!(f.computer.as_deref(), Some("dc01.corp.example"));
    assert_eq!(f.time_ms, ms(2026, 11, 23, 3, 14, 59, 871));
    // Unescaped values are borrowed from the input.
    assert!(matches!(f.target_user, Some(Cow::Borrowed(_))));
    assert_eq!(kind_and_code(&f), Some((AuthKind::Ntlm4625, 0xC000_0064)));
}

/// NXLog `im_msvistalog` + `to_json()`: flat, `EventID` a number, local-ish `EventTime`.
const NXLOG_4771: &str = r#"{"EventTime":"2026-11-23 03:14:59","Hostname":"dc02.corp.example","Keywords":"-9218868437227405312","EventType":"AUDIT_FAILURE","SeverityValue":4,"Severity":"ERROR","EventID":4771,"SourceName":"Microsoft-Windows-Security-Auditing","ProviderGuid":"{54849625-5478-4994-A5BA-3E3B0328C30D}","Version":0,"Task":14339,"OpcodeValue":0,"RecordNumber":88412,"ProcessID":652,"ThreadID":4120,"Channel":"Security","Message":"Kerberos pre-authentication failed.\r\n\r\nAccount Information:\r\n\tSecurity ID:\t\tS-1-5-21-1-2-3-1107\r\n\tAccount Name:\t\tsvc_sql","Category":"Kerberos Authentication Service","Opcode":"Info","TargetUserName":"svc_sql","TargetSid":"S-1-5-21-1-2-3-1107","ServiceName":"krbtgt/CORP.EXAMPLE","TicketOptions":"0x40810010","Status":"0x18","PreAuthType":"2","IpAddress":"::ffff:10.0.0.5","IpPort":"49152","EventReceivedTime":"2026-11-23 03:15:00","SourceModuleName":"eventlog","SourceModuleType":"im_msvistalog"}"#;

#[test]
fn nxlog_4771_bad_password() {
    let f = run(NXLOG_4771);
    assert_eq!(f.event_id, Some(4771));
    assert_eq!(f.target_user.as_deref(), Some("svc_sql"));
    assert_eq!(f.status, Some(0x18));
    assert_eq!(f.computer.as_deref(), Some("dc02.corp.example"));
    assert_eq!(f.time_ms, ms(2026, 11, 23, 3, 14, 59, 0));
    assert_eq!(
        event(NXLOG_4771),
        Some((
            AuthKind::Kerberos4771,
            0x18,
            "svc_sql".into(),
            Some("10.0.0.5".into())
        ))
    );
}

/// Microsoft Graph `signIn` (v1.0 / beta), code 50126 (bad password), with a repeated key.
const GRAPH_50126: &str = r#"{
  "id": "0f3e6a2c-0000-4000-8000-000000000001",
  "createdDateTime": "2026-11-23T03:14:59Z",
  "userDisplayName": "Alice Example",
  "userPrincipalName": "alice@contoso.example",
  "appDisplayName": "Office 365 Exchange Online",
  "ipAddress": "198.51.100.20",
  "homeTenantId": "11111111-1111-1111-1111-111111111111",
  "isInteractive": true,
  "homeTenantId": "22222222-2222-2222-2222-222222222222",
  "status": { "errorCode": 50126, "failureReason": "Invalid username or password.", "additionalDetails": null },
  "location": { "city": "Nowhere", "geoCoordinates": { "latitude": 1.5, "longitude": -2.25 } },
  "authenticationDetails": [ { "succeeded": false, "authenticationMethod": "Password" } ]
}"#;

#[test]
fn graph_signin_50126_with_duplicate_keys() {
    assert_eq!(
        event(GRAPH_50126),
        Some((
            AuthKind::AzureSignin,
            50126,
            "alice@contoso.example".into(),
            Some("198.51.100.20".into())
        ))
    );
    let f = run(GRAPH_50126);
    assert_eq!(f.time_ms, ms(2026, 11, 23, 3, 14, 59, 0));
    assert_eq!(f.computer.as_deref(), Some("Office 365 Exchange Online"));
}

#[test]
fn graph_signin_50053_locked_and_success() {
    let locked = GRAPH_50126
        .replace("50126", "50053")
        .replace("alice@", "bob@");
    assert_eq!(
        event(&locked).map(|e| (e.0, e.1, e.2)),
        Some((AuthKind::AzureSignin, 50053, "bob@contoso.example".into()))
    );
    let ok = GRAPH_50126.replace("\"errorCode\": 50126", "\"errorCode\": 0");
    assert_eq!(run(&ok).kind_hint, Some(AuthKind::AzureSignin));
    assert_eq!(event(&ok), None);
}

/// Event Hub / diagnostic settings envelope (one record of `{"records":[…]}`).
const EVENTHUB_50053: &str = r#"{"time":"2026-11-23T03:15:02.1200000Z","resourceId":"/tenants/33333333-3333-3333-3333-333333333333/providers/Microsoft.aadiam","operationName":"Sign-in activity","operationVersion":"1.0","category":"SignInLogs","tenantId":"33333333-3333-3333-3333-333333333333","resultType":"50053","resultSignature":"None","resultDescription":"Account is locked.","durationMs":0,"callerIpAddress":"203.0.113.77","correlationId":"c0ffee00-0000-4000-8000-000000000002","identity":"Carol Example","Level":4,"location":"NL","properties":{"id":"c0ffee00-0000-4000-8000-000000000003","createdDateTime":"2026-11-23T03:15:01.5000000+00:00","userDisplayName":"Carol Example","userPrincipalName":"carol@contoso.example","appDisplayName":"Azure Portal","ipAddress":"203.0.113.77","status":{"errorCode":50053,"failureReason":"Account is locked."},"isInteractive":true}}"#;

#[test]
fn eventhub_signin_50053_prefers_properties() {
    assert_eq!(
        event(EVENTHUB_50053),
        Some((
            AuthKind::AzureSignin,
            50053,
            "carol@contoso.example".into(),
            Some("203.0.113.77".into())
        ))
    );
    assert_eq!(run(EVENTHUB_50053).time_ms, ms(2026, 11, 23, 3, 15, 1, 500));
}

#[test]
fn eventhub_envelope_without_status_object_uses_result_type() {
    let body = r#"{"records":[{"category":"NonInteractiveUserSignInLogs","resultType":"50126","callerIpAddress":"2001:db8::5","time":"2026-11-23T03:15:02Z","properties":{"userPrincipalName":"dave@contoso.example"}},{"category":"SignInLogs","resultType":"50053","properties":{"userPrincipalName":"second@contoso.example"}}]}"#;
    assert_eq!(
        event(body),
        Some((
            AuthKind::AzureSignin,
            50126,
            "dave@contoso.example".into(),
            Some("2001:db8::5".into())
        ))
    );
    assert_eq!(records(body.as_bytes()).count(), 2);
}

/// Log Analytics `SigninLogs` row as exported from a query (`Status` is dynamic: an object
/// here, a JSON-encoded string in some exports).
const LOG_ANALYTICS_50126: &str = r#"{"TenantId":"33333333-3333-3333-3333-333333333333","SourceSystem":"Azure AD","TimeGenerated":"2026-11-23T03:16:00.000Z","OperationName":"Sign-in activity","Category":"SignInLogs","ResultType":"50126","ResultDescription":"Invalid username or password or Invalid on-premise username or password.","Identity":"Erin Example","UserPrincipalName":"erin@contoso.example","AppDisplayName":"Microsoft Teams","IPAddress":"192.0.2.200","Status":{"errorCode":50126,"failureReason":"Invalid username or password or Invalid on-premise username or password."},"Type":"SigninLogs"}"#;

#[test]
fn log_analytics_signin_rows() {
    assert_eq!(
        event(LOG_ANALYTICS_50126),
        Some((
            AuthKind::AzureSignin,
            50126,
            "erin@contoso.example".into(),
            Some("192.0.2.200".into())
        ))
    );
    let encoded_status = LOG_ANALYTICS_50126.replace(
        r#""Status":{"errorCode":50126,"failureReason":"Invalid username or password or Invalid on-premise username or password."}"#,
        r#""Status":"{\"errorCode\":50053}""#,
    );
    assert_ne!(encoded_status, LOG_ANALYTICS_50126);
    // The string `Status` is no code; `ResultType` still is.
    assert_eq!(event(&encoded_status).map(|e| e.1), Some(50126));
    let success = LOG_ANALYTICS_50126
        .replace("\"ResultType\":\"50126\"", "\"ResultType\":\"0\"")
        .replace("\"errorCode\":50126", "\"errorCode\":0");
    assert_eq!(event(&success), None);
}

/// Graph `directoryAudit` for a failed SSPR step.
const GRAPH_SSPR_FAILURE: &str = r#"{
  "id": "SSPR_0000_0001",
  "category": "UserManagement",
  "correlationId": "c0ffee00-0000-4000-8000-000000000004",
  "result": "failure",
  "resultReason": "User's account is locked",
  "activityDisplayName": "Self-service password reset flow activity progress",
  "activityDateTime": "2026-11-23T03:20:00.25Z",
  "loggedByService": "Self-service Password Management",
  "operationType": "Update",
  "initiatedBy": { "app": null, "user": { "id": null, "displayName": null, "userPrincipalName": "frank@contoso.example", "ipAddress": "203.0.113.99", "userType": null } },
  "targetResources": [ { "id": "44444444-4444-4444-4444-444444444444", "displayName": "Frank Example", "type": "User", "userPrincipalName": "frank@contoso.example", "modifiedProperties": [] } ],
  "additionalDetails": [ { "key": "value", "value": "x" } ]
}"#;

#[test]
fn graph_sspr_failure() {
    assert_eq!(
        event(GRAPH_SSPR_FAILURE),
        Some((
            AuthKind::AzureSspr,
            SSPR_RESULT_FAILURE,
            "frank@contoso.example".into(),
            Some("203.0.113.99".into())
        ))
    );
    assert_eq!(
        run(GRAPH_SSPR_FAILURE).time_ms,
        ms(2026, 11, 23, 3, 20, 0, 250)
    );
    let success = GRAPH_SSPR_FAILURE.replace("\"failure\"", "\"success\"");
    assert_eq!(event(&success), None);
    let timeout = GRAPH_SSPR_FAILURE.replace("\"failure\"", "\"timeout\"");
    assert_eq!(event(&timeout).map(|e| e.1), Some(SSPR_RESULT_TIMEOUT));
}

#[test]
fn eventhub_audit_sspr_target_wins_over_initiator() {
    let body = r#"{"time":"2026-11-23T03:21:00Z","operationName":"Reset password (self-service)","category":"AuditLogs","callerIpAddress":"198.51.100.3","properties":{"category":"UserManagement","result":"failure","resultReason":"User did not register for SSPR","activityDisplayName":"Reset password (self-service)","loggedByService":"Self-service Password Management","initiatedBy":{"user":{"userPrincipalName":"someone@contoso.example"}},"targetResources":[{"type":"User","userPrincipalName":""},{"type":"User","userPrincipalName":"grace@contoso.example"}]}}"#;
    assert_eq!(
        event(body),
        Some((
            AuthKind::AzureSspr,
            SSPR_RESULT_FAILURE,
            "grace@contoso.example".into(),
            Some("198.51.100.3".into())
        ))
    );
}

#[test]
fn other_audit_records_are_not_sspr() {
    let body = GRAPH_SSPR_FAILURE
        .replace(
            "Self-service password reset flow activity progress",
            "Add member to group",
        )
        .replace("Self-service Password Management", "Core Directory");
    assert_eq!(event(&body), None);
}

#[test]
fn success_records_yield_no_event() {
    let w4776 = r#"{"@timestamp":"2026-11-23T03:00:00Z","event":{"code":"4776","outcome":"success"},"winlog":{"event_id":"4776","computer_name":"dc01","event_data":{"PackageName":"MICROSOFT_AUTHENTICATION_PACKAGE_V1_0","Status":"0x0","TargetUserName":"jdoe","Workstation":"WKS01"}}}"#;
    assert_eq!(run(w4776).event_id, Some(4776));
    assert_eq!(run(w4776).workstation.as_deref(), Some("WKS01"));
    assert_eq!(event(w4776), None);
    let nx4768 = r#"{"EventID":4768,"Hostname":"dc01","TargetUserName":"jdoe","Status":"0x0","IpAddress":"::ffff:10.0.0.8"}"#;
    assert_eq!(event(nx4768), None);
    let nx4624 = r#"{"EventID":4624,"TargetUserName":"jdoe","IpAddress":"10.0.0.8"}"#;
    assert_eq!(event(nx4624), None);
}

#[test]
fn winlogbeat_without_event_data_falls_back_to_the_message() {
    let body = r#"{"@timestamp":"2026-11-23T03:14:59Z","winlog":{"event_id":4625,"computer_name":"dc01"},"message":"An account failed to log on.\n\nSubject:\n\tSecurity ID:\t\tS-1-5-18\n\tAccount Name:\t\tDC01$\n\nAccount For Which Logon Failed:\n\tSecurity ID:\t\tS-1-0-0\n\tAccount Name:\t\tmallory\n\tAccount Domain:\t\tCORP\n\nFailure Information:\n\tStatus:\t\t\t0xC000006D\n\tSub Status:\t\t0xC0000072\n\nNetwork Information:\n\tWorkstation Name:\tWKS9\n\tSource Network Address:\t192.0.2.10"}"#;
    assert_eq!(
        event(body),
        Some((
            AuthKind::Ntlm4625,
            0xC000_0072,
            "mallory".into(),
            Some("192.0.2.10".into())
        ))
    );
}

#[test]
fn bare_message_json_is_read_as_text() {
    let body = r#"{"short_message":"x","message":"The computer attempted to validate the credentials for an account. Authentication Package: MICROSOFT_AUTHENTICATION_PACKAGE_V1_0 Logon Account: heidi Source Workstation: WKS3 Error Code: 0xC0000064"}"#;
    let f = run(body);
    assert_eq!(f.event_id, Some(4776));
    assert!(matches!(f.target_user, Some(Cow::Borrowed("heidi"))));
    assert_eq!(kind_and_code(&f), Some((AuthKind::Ntlm4776, 0xC000_0064)));
}

#[test]
fn escaped_values_are_unescaped() {
    let body = r#"{"EventID":"4625","TargetUserName":"j\u00f6rg","TargetDomainName":"CORP\\EU","SubStatus":"0xC0000064"}"#;
    let f = run(body);
    assert_eq!(f.target_user.as_deref(), Some("jörg"));
    assert!(matches!(f.target_user, Some(Cow::Owned(_))));
    assert_eq!(f.target_domain.as_deref(), Some("CORP\\EU"));
}

#[test]
fn arrays_and_ndjson_extract_the_first_record() {
    let array = format!("[\n{NXLOG_4771},\n{WINLOGBEAT_4625}\n]");
    assert_eq!(run(&array).event_id, Some(4771));
    let ndjson = format!("{NXLOG_4771}\n{WINLOGBEAT_4625}\n");
    assert_eq!(run(&ndjson).event_id, Some(4771));
    let split: Vec<_> = records(array.as_bytes()).collect();
    assert_eq!(split.len(), 2);
    let mut second = WinFields::default();
    extract(split[1], &mut second).unwrap();
    assert_eq!(second.event_id, Some(4625));
}

#[test]
fn caller_slots_are_kept() {
    let mut f = WinFields {
        event_id: Some(4771),
        computer: Some("from-snare-header".into()),
        ..Default::default()
    };
    extract(
        br#"{"TargetUserName":"ivan","Status":"0x6","Hostname":"x"}"#,
        &mut f,
    )
    .unwrap();
    assert_eq!(f.computer.as_deref(), Some("from-snare-header"));
    assert_eq!(f.target_user.as_deref(), Some("ivan"));
    assert_eq!(f.status, Some(6));
}

#[test]
fn broken_json_is_an_error_but_keeps_what_was_read() {
    let cut = &NXLOG_4771[..NXLOG_4771.find("\"Message\"").unwrap()];
    let mut f = WinFields::default();
    assert_eq!(extract(cut.as_bytes(), &mut f), Err(ParseError::Truncated));
    assert_eq!(f.event_id, Some(4771));
    for bad in [
        "{\"a\" 1}",
        "{]",
        "[",
        "[1,2]",
        "",
        "nul",
        "{\"a\":\"\u{1}\"}",
    ] {
        let mut f = WinFields::default();
        assert!(extract(bad.as_bytes(), &mut f).is_err(), "{bad:?}");
    }
    // Invalid UTF-8 inside a string.
    let mut f = WinFields::default();
    assert!(extract(b"{\"TargetUserName\":\"\xff\"}", &mut f).is_err());
}

#[test]
fn looks_like_objects_and_arrays_of_objects() {
    assert!(looks_like(b"  {\"a\":1}"));
    assert!(looks_like(b"[ {\"a\":1}]"));
    assert!(!looks_like(b"[2026-11-23] x"));
    assert!(!looks_like(b"LEEF:2.0|"));
}

#[test]
fn deep_nesting_neither_overflows_nor_hangs() {
    // Skipped subtrees: serde_json ignores them without recursion.
    let deep = format!("{{\"winlog\":{}{}}}", "[".repeat(5000), "]".repeat(5000));
    let mut f = WinFields::default();
    let _ = extract(deep.as_bytes(), &mut f);
    // Subtrees we descend into: serde_json's recursion limit turns them into an error.
    let deep = format!("{}1{}", "{\"properties\":".repeat(5000), "}".repeat(5000));
    let mut f = WinFields::default();
    assert_eq!(
        extract(deep.as_bytes(), &mut f),
        Err(ParseError::InvalidJson)
    );
}

proptest::proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        let mut f = WinFields::default();
        let _ = extract(&bytes, &mut f);
        let _ = looks_like(&bytes);
        let _ = records(&bytes).take(400).count();
    }

    #[test]
    fn never_panics_on_cut_records(cut in 0usize..GRAPH_SSPR_FAILURE.len()) {
        let mut f = WinFields::default();
        let _ = extract(&GRAPH_SSPR_FAILURE.as_bytes()[..cut], &mut f);
    }
}

/// Both passes over `body` (its first record), as `(collected, result)` in `Debug` form;
/// and whether the serde-free pass coped on its own.
fn both_passes(body: &[u8], preset: Option<u32>) -> (String, String, bool) {
    let record = match trim_start(body) {
        [b'[', ..] => records(body).next().unwrap_or(body),
        b => b,
    };
    let (fast, fast_result) = collect(record, preset, true);
    let (serde, serde_result) = collect(record, preset, false);
    let mut probe = collect::Collected::default();
    let coped = collect_fast(record, &mut probe).is_some();
    (
        format!("{fast:?} {fast_result:?}"),
        format!("{serde:?} {serde_result:?}"),
        coped,
    )
}

/// Every JSON record of this file, a few edge cases, and the shapes of the load harness.
fn differential_corpus() -> Vec<String> {
    let mut bodies: Vec<String> = [
        WINLOGBEAT_4625,
        NXLOG_4771,
        GRAPH_50126,
        EVENTHUB_50053,
        LOG_ANALYTICS_50126,
        GRAPH_SSPR_FAILURE,
        r#"{"EventID":4768,"Hostname":"dc01","TargetUserName":"jdoe","Status":"0x0","IpAddress":"::ffff:10.0.0.8"}"#,
        r#"{"EventID":4624,"TargetUserName":"jdoe","IpAddress":"10.0.0.8","Message":"An account was\r\nlogged on."}"#,
        r#"{"message":"An account failed to log on.\n\nAccount For Which Logon Failed:\n\tAccount Name:\t\tjdoe\n\tAccount Domain:\t\tCORP\n\nFailure Information:\n\tStatus:\t\t0xC000006D\n\tSub Status:\t\t0xC0000064\n\nNetwork Information:\n\tSource Network Address:\t203.0.113.9","EventID":"4625"}"#,
        r#"{"EventID":4625,"TargetUserName":"CORP\\jdoe","x":[1,-2,3.5e-3,0,true,false,null,{"a":[]}],"Status":"0xC000006D","SubStatus":3221225572,"IpAddress":"10.1.2.3"}"#,
        r#"{"records":[{"category":"SignInLogs","properties":{"userPrincipalName":"a@b.c","status":{"errorCode":50126}}},{"x":1}]}"#,
        r#"{"value":[{"activityDisplayName":"Reset password (self-service)","result":"failure","targetResources":[{"userPrincipalName":"t@x"},{"userPrincipalName":"u@x"}],"initiatedBy":{"user":{"ipAddress":"198.51.100.3"}}}]}"#,
        r#"{"EventID":4771,"Message":"","message":"second","Status":"0x18","TargetUserName":"é-user","ÿkey":"v","IpAddress":"::ffff:10.0.0.5"}"#,
        r#"{"EventID":4776,"Status":0,"Workstation":"W","TargetUserName":"u"}"#,
        r#"{ "EventID" : 4625 , "SubStatus" : "0xC0000064" , "TargetUserName" : "a" , "IpAddress" : "10.0.0.1" }"#,
        "{\"EventID\":4625,\"Message\":\"caf\u{e9} \\u00e9 \\ud83d\\ude00\",\"TargetUserName\":\"x\"}",
        r#"[{"EventID":4625,"TargetUserName":"a"},{"EventID":4771}]"#,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // The load harness's NXLog JSON (a ~1 KB rendered message full of escapes).
    bodies.push(format!(
        "{{\"EventTime\":\"2026-11-23T03:15:02Z\",\"Hostname\":\"dc01.corp.example\",\"Keywords\":-9218868437227405312,\"EventType\":\"AUDIT_FAILURE\",\"EventID\":4625,\"RecordNumber\":1000001,\"TargetUserName\":\"user00042\",\"Status\":\"0xC000006D\",\"SubStatus\":\"0xC0000064\",\"IpAddress\":\"10.0.0.7\",\"Message\":\"{}\",\"SourceModuleType\":\"im_msvistalog\"}}",
        "An account failed to log on.\\r\\n\\r\\nSubject:\\r\\n\\tSecurity ID:\\t\\tS-1-0-0\\r\\n".repeat(12)
    ));
    bodies
}

#[test]
fn the_serde_free_pass_reads_records_as_serde_does() {
    let corpus = differential_corpus();
    for body in &corpus {
        for preset in [None, Some(4625), Some(4624)] {
            let (fast, serde, _) = both_passes(body.as_bytes(), preset);
            assert_eq!(fast, serde, "{body}");
        }
    }
    // It copes on its own with the common shapes (or it would save nothing).
    for body in [
        WINLOGBEAT_4625,
        NXLOG_4771,
        GRAPH_50126,
        EVENTHUB_50053,
        &corpus[corpus.len() - 1],
    ] {
        assert!(both_passes(body.as_bytes(), None).2, "{body}");
    }
    // And gives up on what serde rejects or would decode.
    for body in [
        r#"{"EventID":4625,"TargetUserName":"a\u0041"}"#,
        r#"{"EventID":4625,}"#,
        r#"{"EventID":01}"#,
        r#"{"EventID":4625,"x":1.}"#,
        r#"{"EventID":4625"#,
        "{\"EventID\":4625,\"x\":\"a\u{1}\"}",
    ] {
        assert!(!both_passes(body.as_bytes(), None).2, "{body}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(3000))]

    /// Fixtures with random edits (cuts, JSON-significant bytes inserted or overwritten): the
    /// serde-free pass either gives up or collects exactly what serde collects.
    #[test]
    fn the_serde_free_pass_agrees_with_serde_on_mutated_records(
        which in 0usize..18,
        edits in proptest::collection::vec((0usize..4000, 0usize..3, 0usize..24), 1..5),
    ) {
        const ALPHABET: &[u8] = b"{}[]\",:\\ 0-9.eEutfnl\x01\xff\xc3a/";
        let corpus = differential_corpus();
        let mut body = corpus[which % corpus.len()].clone().into_bytes();
        for (at, kind, byte) in edits {
            let at = at % (body.len() + 1);
            let b = ALPHABET[byte % ALPHABET.len()];
            match kind {
                0 => body.truncate(at),
                1 => body.insert(at, b),
                _ => {
                    if let Some(c) = body.get_mut(at) {
                        *c = b;
                    }
                }
            }
        }
        let (fast, serde, _) = both_passes(&body, None);
        proptest::prop_assert_eq!(fast, serde);
    }
}

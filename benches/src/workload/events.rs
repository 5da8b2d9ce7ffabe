//! Windows Security events as data: the EventData fields in the order Windows writes them,
//! and the rendered Event Viewer text. Each payload format (LEEF, Snare, JSON, text) renders
//! the same [`WinEvent`], so a workload mix differs in syntax only, never in content.
//!
//! Field names and message text follow our parser fixtures
//! (`crates/rollcall/tests/fixtures/parse/*.log`) and the Windows event schema.

use std::net::IpAddr;

use rollcall_parse::AuthKind;

/// One line of the rendered message: Event Viewer shows a sentence, section headings and
/// indented `Label: value` items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextLine {
    Sentence(&'static str),
    Section(&'static str),
    Item(&'static str, String),
}

/// A Windows Security event, independent of how it is shipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WinEvent {
    pub id: u32,
    /// Audit Failure (true) or Audit Success.
    pub failure: bool,
    /// Snare's category column / the event's task name.
    pub task: &'static str,
    pub fields: Vec<(&'static str, String)>,
    pub text: Vec<TextLine>,
}

/// Who did what, from where: the variable part of an event.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    pub username: &'a str,
    pub source: Option<IpAddr>,
    pub workstation: &'a str,
    pub port: u16,
}

/// An authentication failure the default rule counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureSpec {
    pub kind: AuthKind,
    pub code: u32,
}

/// Routine traffic: successes and unrelated events, most of what a DC forwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenignKind {
    /// 4624 An account was successfully logged on.
    Logon,
    /// 4634 An account was logged off.
    Logoff,
    /// 4776 credential validation with Error Code 0x0 (passes the parser's pre-filter).
    CredentialValidationOk,
    /// 4768 TGT requested with Result Code 0x0 (passes the parser's pre-filter).
    TicketGrantedOk,
    /// 5156 The Windows Filtering Platform has permitted a connection.
    FirewallAllowed,
}

impl BenignKind {
    pub const ALL: [BenignKind; 5] = [
        BenignKind::Logon,
        BenignKind::Logoff,
        BenignKind::CredentialValidationOk,
        BenignKind::TicketGrantedOk,
        BenignKind::FirewallAllowed,
    ];
    /// Relative frequency on a busy DC, roughly.
    pub const WEIGHTS: [u32; 5] = [35, 20, 20, 10, 15];
}

fn ntstatus(code: u32) -> String {
    format!("0x{code:08X}")
}

fn kerberos(code: u32) -> String {
    format!("0x{code:X}")
}

fn ip_text(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "-".to_string(), |ip| ip.to_string())
}

/// Kerberos events write IPv4 clients as IPv4-mapped IPv6.
fn kerberos_ip(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V4(v4)) => format!("::ffff:{v4}"),
        Some(v6) => v6.to_string(),
        None => "-".to_string(),
    }
}

fn item(label: &'static str, value: impl Into<String>) -> TextLine {
    TextLine::Item(label, value.into())
}

/// The event for an authentication failure of `spec.kind`.
pub fn failure_event(spec: FailureSpec, who: &Actor<'_>) -> WinEvent {
    match spec.kind {
        AuthKind::Kerberos4771 => kerberos_preauth_failed(spec.code, who),
        AuthKind::Kerberos4768 => tgt_requested(spec.code, who, true),
        AuthKind::Ntlm4776 => credential_validation(spec.code, who, true),
        // 4625 also stands in for the Azure kinds, which this generator does not produce.
        _ => logon_failed(spec.code, who),
    }
}

pub fn benign_event(kind: BenignKind, who: &Actor<'_>) -> WinEvent {
    match kind {
        BenignKind::Logon => logon_succeeded(who),
        BenignKind::Logoff => logged_off(who),
        BenignKind::CredentialValidationOk => credential_validation(0, who, false),
        BenignKind::TicketGrantedOk => tgt_requested(0, who, false),
        BenignKind::FirewallAllowed => firewall_allowed(who),
    }
}

fn logon_failed(code: u32, who: &Actor<'_>) -> WinEvent {
    let ip = ip_text(who.source);
    WinEvent {
        id: 4625,
        failure: true,
        task: "Logon",
        fields: vec![
            ("SubjectUserSid", "S-1-0-0".into()),
            ("SubjectUserName", "-".into()),
            ("SubjectDomainName", "-".into()),
            ("SubjectLogonId", "0x0".into()),
            ("TargetUserSid", "S-1-0-0".into()),
            ("TargetUserName", who.username.into()),
            ("TargetDomainName", "CORP".into()),
            ("Status", ntstatus(0xC000_006D)),
            ("FailureReason", "%%2313".into()),
            ("SubStatus", ntstatus(code)),
            ("LogonType", "3".into()),
            ("LogonProcessName", "NtLmSsp".into()),
            ("AuthenticationPackageName", "NTLM".into()),
            ("WorkstationName", who.workstation.into()),
            ("TransmittedServices", "-".into()),
            ("LmPackageName", "-".into()),
            ("KeyLength", "0".into()),
            ("ProcessId", "0x0".into()),
            ("ProcessName", "-".into()),
            ("IpAddress", ip.clone()),
            ("IpPort", who.port.to_string()),
        ],
        text: vec![
            TextLine::Sentence("An account failed to log on."),
            TextLine::Section("Subject:"),
            item("Security ID:", "S-1-0-0"),
            item("Account Name:", "-"),
            item("Account Domain:", "-"),
            item("Logon ID:", "0x0"),
            item("Logon Type:", "3"),
            TextLine::Section("Account For Which Logon Failed:"),
            item("Security ID:", "S-1-0-0"),
            item("Account Name:", who.username),
            item("Account Domain:", "CORP"),
            TextLine::Section("Failure Information:"),
            item("Failure Reason:", "Unknown user name or bad password."),
            item("Status:", ntstatus(0xC000_006D)),
            item("Sub Status:", ntstatus(code)),
            TextLine::Section("Process Information:"),
            item("Caller Process ID:", "0x0"),
            item("Caller Process Name:", "-"),
            TextLine::Section("Network Information:"),
            item("Workstation Name:", who.workstation),
            item("Source Network Address:", ip),
            item("Source Port:", who.port.to_string()),
            TextLine::Section("Detailed Authentication Information:"),
            item("Logon Process:", "NtLmSsp"),
            item("Authentication Package:", "NTLM"),
            item("Transited Services:", "-"),
            item("Package Name (NTLM only):", "-"),
            item("Key Length:", "0"),
        ],
    }
}

fn kerberos_preauth_failed(code: u32, who: &Actor<'_>) -> WinEvent {
    let ip = kerberos_ip(who.source);
    WinEvent {
        id: 4771,
        failure: true,
        task: "Kerberos Authentication Service",
        fields: vec![
            ("TargetUserName", who.username.into()),
            (
                "TargetSid",
                "S-1-5-21-3457937927-2839227994-823803824-1104".into(),
            ),
            ("ServiceName", "krbtgt/CORP".into()),
            ("TicketOptions", "0x40810010".into()),
            ("Status", kerberos(code)),
            ("PreAuthType", "2".into()),
            ("IpAddress", ip.clone()),
            ("IpPort", who.port.to_string()),
        ],
        text: vec![
            TextLine::Sentence("Kerberos pre-authentication failed."),
            TextLine::Section("Account Information:"),
            item(
                "Security ID:",
                "S-1-5-21-3457937927-2839227994-823803824-1104",
            ),
            item("Account Name:", who.username),
            TextLine::Section("Service Information:"),
            item("Service Name:", "krbtgt/CORP"),
            TextLine::Section("Network Information:"),
            item("Client Address:", ip),
            item("Client Port:", who.port.to_string()),
            TextLine::Section("Additional Information:"),
            item("Ticket Options:", "0x40810010"),
            item("Failure Code:", kerberos(code)),
            item("Pre-Authentication Type:", "2"),
        ],
    }
}

fn tgt_requested(code: u32, who: &Actor<'_>, failure: bool) -> WinEvent {
    let ip = kerberos_ip(who.source);
    let (sid, etype) = if failure {
        ("S-1-0-0", "0xFFFFFFFF")
    } else {
        ("S-1-5-21-3457937927-2839227994-823803824-1107", "0x12")
    };
    WinEvent {
        id: 4768,
        failure,
        task: "Kerberos Authentication Service",
        fields: vec![
            ("TargetUserName", who.username.into()),
            ("TargetDomainName", "CORP".into()),
            ("TargetSid", sid.into()),
            ("ServiceName", "krbtgt".into()),
            ("ServiceSid", "S-1-0-0".into()),
            ("TicketOptions", "0x40810010".into()),
            ("Status", kerberos(code)),
            ("TicketEncryptionType", etype.into()),
            ("PreAuthType", "-".into()),
            ("IpAddress", ip.clone()),
            ("IpPort", who.port.to_string()),
        ],
        text: vec![
            TextLine::Sentence("A Kerberos authentication ticket (TGT) was requested."),
            TextLine::Section("Account Information:"),
            item("Account Name:", who.username),
            item("Supplied Realm Name:", "CORP"),
            item("User ID:", sid),
            TextLine::Section("Service Information:"),
            item("Service Name:", "krbtgt"),
            item("Service ID:", "S-1-0-0"),
            TextLine::Section("Network Information:"),
            item("Client Address:", ip),
            item("Client Port:", who.port.to_string()),
            TextLine::Section("Additional Information:"),
            item("Ticket Options:", "0x40810010"),
            item("Result Code:", kerberos(code)),
            item("Ticket Encryption Type:", etype),
            item("Pre-Authentication Type:", "-"),
        ],
    }
}

fn credential_validation(code: u32, who: &Actor<'_>, failure: bool) -> WinEvent {
    WinEvent {
        id: 4776,
        failure,
        task: "Credential Validation",
        fields: vec![
            (
                "PackageName",
                "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0".into(),
            ),
            ("TargetUserName", who.username.into()),
            ("Workstation", who.workstation.into()),
            ("Status", ntstatus(code)),
        ],
        text: vec![
            TextLine::Sentence(
                "The computer attempted to validate the credentials for an account.",
            ),
            item(
                "Authentication Package:",
                "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0",
            ),
            item("Logon Account:", who.username),
            item("Source Workstation:", who.workstation),
            item("Error Code:", ntstatus(code)),
        ],
    }
}

fn logon_succeeded(who: &Actor<'_>) -> WinEvent {
    let ip = ip_text(who.source);
    WinEvent {
        id: 4624,
        failure: false,
        task: "Logon",
        fields: vec![
            ("SubjectUserSid", "S-1-0-0".into()),
            ("SubjectUserName", "-".into()),
            (
                "TargetUserSid",
                "S-1-5-21-3457937927-2839227994-823803824-1107".into(),
            ),
            ("TargetUserName", who.username.into()),
            ("TargetDomainName", "CORP".into()),
            ("TargetLogonId", "0x8dcdc".into()),
            ("LogonType", "3".into()),
            ("LogonProcessName", "Kerberos".into()),
            ("AuthenticationPackageName", "Kerberos".into()),
            ("WorkstationName", "-".into()),
            ("LogonGuid", "{E6A9B5F2-5B3A-3C1E-1D9A-2E4A7C9F1B20}".into()),
            ("ImpersonationLevel", "%%1833".into()),
            ("IpAddress", ip.clone()),
            ("IpPort", who.port.to_string()),
        ],
        text: vec![
            TextLine::Sentence("An account was successfully logged on."),
            TextLine::Section("Subject:"),
            item("Security ID:", "NULL SID"),
            item("Account Name:", "-"),
            TextLine::Section("Logon Information:"),
            item("Logon Type:", "3"),
            item("Restricted Admin Mode:", "-"),
            item("Virtual Account:", "No"),
            item("Elevated Token:", "No"),
            item("Impersonation Level:", "Delegation"),
            TextLine::Section("New Logon:"),
            item("Account Name:", who.username),
            item("Account Domain:", "CORP"),
            item("Logon ID:", "0x8DCDC"),
            TextLine::Section("Network Information:"),
            item("Workstation Name:", "-"),
            item("Source Network Address:", ip),
            item("Source Port:", who.port.to_string()),
            TextLine::Section("Detailed Authentication Information:"),
            item("Logon Process:", "Kerberos"),
            item("Authentication Package:", "Kerberos"),
        ],
    }
}

fn logged_off(who: &Actor<'_>) -> WinEvent {
    WinEvent {
        id: 4634,
        failure: false,
        task: "Logoff",
        fields: vec![
            (
                "TargetUserSid",
                "S-1-5-21-3457937927-2839227994-823803824-1107".into(),
            ),
            ("TargetUserName", who.username.into()),
            ("TargetDomainName", "CORP".into()),
            ("TargetLogonId", "0x8dcdc".into()),
            ("LogonType", "3".into()),
        ],
        text: vec![
            TextLine::Sentence("An account was logged off."),
            TextLine::Section("Subject:"),
            item("Security ID:", "CORP\\".to_string() + who.username),
            item("Account Name:", who.username),
            item("Account Domain:", "CORP"),
            item("Logon ID:", "0x8DCDC"),
            item("Logon Type:", "3"),
        ],
    }
}

fn firewall_allowed(who: &Actor<'_>) -> WinEvent {
    let ip = ip_text(who.source);
    WinEvent {
        id: 5156,
        failure: false,
        task: "Filtering Platform Connection",
        fields: vec![
            ("ProcessID", "648".into()),
            (
                "Application",
                "\\device\\harddiskvolume2\\windows\\system32\\lsass.exe".into(),
            ),
            ("Direction", "%%14592".into()),
            ("SourceAddress", ip.clone()),
            ("SourcePort", who.port.to_string()),
            ("DestAddress", "10.0.0.10".into()),
            ("DestPort", "88".into()),
            ("Protocol", "6".into()),
            ("FilterRTID", "0".into()),
            ("LayerName", "%%14610".into()),
            ("LayerRTID", "44".into()),
        ],
        text: vec![
            TextLine::Sentence("The Windows Filtering Platform has permitted a connection."),
            TextLine::Section("Application Information:"),
            item("Process ID:", "648"),
            item(
                "Application Name:",
                "\\device\\harddiskvolume2\\windows\\system32\\lsass.exe",
            ),
            TextLine::Section("Network Information:"),
            item("Direction:", "Inbound"),
            item("Source Address:", ip),
            item("Source Port:", who.port.to_string()),
            item("Destination Address:", "10.0.0.10"),
            item("Destination Port:", "88"),
            item("Protocol:", "6"),
        ],
    }
}

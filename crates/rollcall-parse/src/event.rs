//! The normalised authentication failure every payload format is reduced to.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

/// Which Windows event / Azure log an [`AuthEvent`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AuthKind {
    /// 4625 "An account failed to log on" (code = SubStatus, or Status when SubStatus is 0).
    Ntlm4625,
    /// 4771 "Kerberos pre-authentication failed" (code = Failure Code).
    Kerberos4771,
    /// 4768 "A Kerberos authentication ticket (TGT) was requested" with a failing Result Code.
    Kerberos4768,
    /// 4776 "The computer attempted to validate the credentials for an account" (code = Error Code).
    Ntlm4776,
    /// Azure AD / Entra ID sign-in log entry with a non-zero error code.
    AzureSignin,
    /// Azure AD audit log: self-service password reset probing.
    AzureSspr,
}

impl AuthKind {
    pub const ALL: [AuthKind; 6] = [
        AuthKind::Ntlm4625,
        AuthKind::Kerberos4771,
        AuthKind::Kerberos4768,
        AuthKind::Ntlm4776,
        AuthKind::AzureSignin,
        AuthKind::AzureSspr,
    ];

    /// The stable name used in JSON output, config and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::Ntlm4625 => "ntlm_4625",
            AuthKind::Kerberos4771 => "kerberos_4771",
            AuthKind::Kerberos4768 => "kerberos_4768",
            AuthKind::Ntlm4776 => "ntlm_4776",
            AuthKind::AzureSignin => "azure_signin",
            AuthKind::AzureSspr => "azure_sspr",
        }
    }

    pub fn from_name(name: &str) -> Option<AuthKind> {
        AuthKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The Windows event ID, if this kind is a Windows event.
    pub fn event_id(self) -> Option<u32> {
        match self {
            AuthKind::Ntlm4625 => Some(4625),
            AuthKind::Kerberos4771 => Some(4771),
            AuthKind::Kerberos4768 => Some(4768),
            AuthKind::Ntlm4776 => Some(4776),
            AuthKind::AzureSignin | AuthKind::AzureSspr => None,
        }
    }

    /// How codes of this kind are written: NTSTATUS as `0xC0000064`, Kerberos as `0x6`,
    /// Azure error codes in decimal.
    pub fn code_style(self) -> CodeStyle {
        match self {
            AuthKind::Ntlm4625 | AuthKind::Ntlm4776 => CodeStyle::NtStatus,
            AuthKind::Kerberos4771 | AuthKind::Kerberos4768 => CodeStyle::Kerberos,
            AuthKind::AzureSignin | AuthKind::AzureSspr => CodeStyle::Decimal,
        }
    }
}

impl fmt::Display for AuthKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeStyle {
    /// `0x` + 8 upper-case hex digits (`0xC0000064`).
    NtStatus,
    /// `0x` + minimal upper-case hex digits (`0x6`, `0x18`).
    Kerberos,
    /// plain decimal (`50034`).
    Decimal,
}

/// A failure code together with the way it is conventionally written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FailureCode {
    pub value: u32,
    pub style: CodeStyle,
}

impl fmt::Display for FailureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.style {
            CodeStyle::NtStatus => write!(f, "0x{:08X}", self.value),
            CodeStyle::Kerberos => write!(f, "0x{:X}", self.value),
            CodeStyle::Decimal => write!(f, "{}", self.value),
        }
    }
}

/// Parses a code as written in config or in an event: `0x…` hex (any case), or decimal.
/// Decimal NTSTATUS (`3221225578`, as some CEF producers write it) is accepted too.
pub fn parse_code(text: &str) -> Option<u32> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u32::from_str_radix(hex, 16).ok()
    } else {
        t.parse::<u32>().ok()
    }
}

/// One authentication failure, normalised. Borrowed from the frame where possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthEvent<'a> {
    /// Event time, epoch milliseconds UTC.
    pub time_ms: i64,
    /// `false` when `time_ms` is the sender's zone-less wall clock read as UTC (Snare, NXLog
    /// `EventTime`, RFC 3164 headers); the live path re-reads such times against its clock
    /// ([`crate::time::align_local_time`]).
    pub time_zoned: bool,
    pub kind: AuthKind,
    pub code: u32,
    /// The *target* account name as logged (never the Subject block). Case preserved.
    pub username: Cow<'a, str>,
    /// The client address inside the event, normalised (IPv4-mapped IPv6 → IPv4).
    pub source_ip: Option<IpAddr>,
    /// Workstation name from the event (fallback key when there is no client address).
    pub workstation: Option<Cow<'a, str>>,
    /// Reporting host: the DC/server that logged the event (Computer, syslog HOSTNAME, …).
    pub host: Option<Cow<'a, str>>,
    /// Transport peer that delivered the frame; filled in by the listener, not the parser.
    pub relay: Option<IpAddr>,
}

impl AuthEvent<'_> {
    pub fn failure_code(&self) -> FailureCode {
        FailureCode {
            value: self.code,
            style: self.kind.code_style(),
        }
    }

    /// Detaches the event from the frame it borrows from.
    pub fn into_owned(self) -> AuthEvent<'static> {
        AuthEvent {
            time_ms: self.time_ms,
            time_zoned: self.time_zoned,
            kind: self.kind,
            code: self.code,
            username: Cow::Owned(self.username.into_owned()),
            source_ip: self.source_ip,
            workstation: self.workstation.map(|w| Cow::Owned(w.into_owned())),
            host: self.host.map(|h| Cow::Owned(h.into_owned())),
            relay: self.relay,
        }
    }
}

/// Normalises an address: IPv4-mapped IPv6 (`::ffff:a.b.c.d`) becomes IPv4.
pub fn normalise_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Parses an address as Windows and Azure write it: plain IPv4/IPv6, IPv4-mapped IPv6,
/// bracketed IPv6, IPv6 with a zone (`fe80::1%12`). `-`, empty and unparsable yield `None`.
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let t = text.trim();
    let t = t
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(t);
    let t = match t.find('%') {
        Some(i) => &t[..i],
        None => t,
    };
    t.parse::<IpAddr>().ok().map(normalise_ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_render_in_their_conventional_style() {
        let c = |value, kind: AuthKind| {
            FailureCode {
                value,
                style: kind.code_style(),
            }
            .to_string()
        };
        assert_eq!(c(0xC000_0064, AuthKind::Ntlm4625), "0xC0000064");
        assert_eq!(c(0x6, AuthKind::Kerberos4768), "0x6");
        assert_eq!(c(0x18, AuthKind::Kerberos4771), "0x18");
        assert_eq!(c(50034, AuthKind::AzureSignin), "50034");
    }

    #[test]
    fn codes_parse_hex_any_case_and_decimal() {
        assert_eq!(parse_code("0xc0000064"), Some(0xC000_0064));
        assert_eq!(parse_code("0X18"), Some(0x18));
        assert_eq!(parse_code("3221225578"), Some(0xC000_006A));
        assert_eq!(parse_code("50034"), Some(50034));
        assert_eq!(parse_code("nope"), None);
    }

    #[test]
    fn addresses_are_normalised() {
        assert_eq!(parse_ip("::ffff:10.1.2.3"), "10.1.2.3".parse().ok());
        assert_eq!(parse_ip("[2001:db8::1]"), "2001:db8::1".parse().ok());
        assert_eq!(parse_ip("fe80::1%12"), "fe80::1".parse().ok());
        assert_eq!(parse_ip("-"), None);
        assert_eq!(parse_ip(""), None);
    }
}

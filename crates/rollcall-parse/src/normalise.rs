//! Turns extracted [`WinFields`] into an [`AuthEvent`] when they describe an authentication
//! failure, and into nothing otherwise.

use std::borrow::Cow;

use crate::event::{parse_ip, AuthEvent, AuthKind};
use crate::fields::WinFields;

/// Decides the kind and code of a record. `None` for successes and unrelated events.
pub fn kind_and_code(f: &WinFields<'_>) -> Option<(AuthKind, u32)> {
    if let Some(kind) = f.kind_hint {
        let code = f.status.unwrap_or(0);
        return match kind {
            // Azure sign-ins with errorCode 0 are successes.
            AuthKind::AzureSignin if code == 0 => None,
            k => Some((k, code)),
        };
    }
    match f.event_id? {
        // 4625 is always a failure; SubStatus is the precise reason unless it is 0.
        4625 => {
            let code = match (f.sub_status, f.status) {
                (Some(s), _) if s != 0 => s,
                (_, Some(s)) => s,
                (Some(s), None) => s,
                (None, None) => 0,
            };
            Some((AuthKind::Ntlm4625, code))
        }
        // 4771 is only logged on failure.
        4771 => Some((AuthKind::Kerberos4771, f.status.unwrap_or(0))),
        // 4768 and 4776 are logged for successes too (code 0).
        4768 => match f.status {
            Some(c) if c != 0 => Some((AuthKind::Kerberos4768, c)),
            _ => None,
        },
        4776 => match f.status {
            Some(c) if c != 0 => Some((AuthKind::Ntlm4776, c)),
            _ => None,
        },
        _ => None,
    }
}

/// What the header contributed, for fields the payload did not carry.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeaderContext<'a> {
    pub time_ms: Option<i64>,
    /// Whether the header time stated its zone (RFC 5424 does; RFC 3164 does not).
    pub time_zoned: bool,
    pub hostname: Option<&'a str>,
}

/// Builds the normalised event. Time: payload, then header, then `now_ms` (receive time).
/// Reporting host: payload `Computer`, then the syslog HOSTNAME.
pub fn classify<'a>(
    f: WinFields<'a>,
    header: HeaderContext<'a>,
    now_ms: i64,
) -> Option<AuthEvent<'a>> {
    let (kind, code) = kind_and_code(&f)?;
    let username = f.target_user.map(trim_cow).unwrap_or(Cow::Borrowed(""));
    let source_ip = f.ip.as_deref().and_then(parse_ip);
    let workstation = f
        .workstation
        .map(trim_cow)
        .filter(|w| !w.is_empty() && w != "-");
    let host = f
        .computer
        .map(trim_cow)
        .filter(|h| !h.is_empty() && h != "-")
        .or_else(|| {
            header
                .hostname
                .filter(|h| !h.is_empty() && *h != "-")
                .map(Cow::Borrowed)
        });
    let (time_ms, time_zoned) = match (f.time_ms, header.time_ms) {
        (Some(ms), _) => (ms, f.time_zoned),
        (None, Some(ms)) => (ms, header.time_zoned),
        (None, None) => (now_ms, true),
    };
    Some(AuthEvent {
        time_ms,
        time_zoned,
        kind,
        code,
        username,
        source_ip,
        workstation,
        host,
        relay: None,
    })
}

fn trim_cow(c: Cow<'_, str>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
        Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(id: u32, status: Option<u32>, sub: Option<u32>) -> WinFields<'static> {
        WinFields {
            event_id: Some(id),
            status,
            sub_status: sub,
            target_user: Some("jdoe".into()),
            ip: Some("::ffff:203.0.113.7".into()),
            ..Default::default()
        }
    }

    #[test]
    fn substatus_wins_over_status_unless_zero() {
        let f = fields(4625, Some(0xC000_006D), Some(0xC000_0064));
        assert_eq!(kind_and_code(&f), Some((AuthKind::Ntlm4625, 0xC000_0064)));
        let f = fields(4625, Some(0xC000_006E), Some(0));
        assert_eq!(kind_and_code(&f), Some((AuthKind::Ntlm4625, 0xC000_006E)));
    }

    #[test]
    fn successes_are_not_failures() {
        assert_eq!(kind_and_code(&fields(4776, Some(0), None)), None);
        assert_eq!(kind_and_code(&fields(4768, Some(0), None)), None);
        assert_eq!(kind_and_code(&fields(4624, None, None)), None);
        assert_eq!(
            kind_and_code(&fields(4768, Some(6), None)),
            Some((AuthKind::Kerberos4768, 6))
        );
    }

    #[test]
    fn classify_fills_from_header_and_normalises_ip() {
        let ev = classify(
            fields(4771, Some(0x18), None),
            HeaderContext {
                time_ms: Some(5),
                time_zoned: false,
                hostname: Some("dc01"),
            },
            9,
        )
        .unwrap();
        assert_eq!(ev.time_ms, 5);
        assert!(!ev.time_zoned, "a zone-less header time stays flagged");
        assert_eq!(ev.host.as_deref(), Some("dc01"));
        assert_eq!(ev.source_ip, "203.0.113.7".parse().ok());
    }
}

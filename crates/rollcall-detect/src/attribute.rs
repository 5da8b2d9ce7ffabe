//! Deciding whether a failure counts, and which source it belongs to.
//!
//! Order of the checks (each drop is counted under its own reason):
//! 1. the `(kind, code)` pair must be in the code filter;
//! 2. the event time must lie in `[now − window − skew, now + skew]`: a later event is
//!    from a wrong clock, an older one could not fall in any window still open;
//! 3. the username must not be empty, `-`, `N/A`, `ANONYMOUS LOGON` or match a
//!    configured pattern;
//! 4. the transport peer learns from the event (see [`crate::relay`]);
//! 5. the source is the client address in the event; without one, the workstation name;
//!    without that, the transport peer, unless it is a collector or behaves like one;
//! 6. an IP source must not be loopback, unspecified or in `exclude_sources`.

use std::net::IpAddr;

use ipnet::IpNet;
use regex::Regex;

use crate::hashing::HashKey;

/// Usernames that mean "no account": Windows writes `-` or `N/A` when it has none, and
/// anonymous (null-session) logons are not guesses at accounts.
pub(crate) fn excluded_username(name: &str, patterns: &[Regex]) -> bool {
    name.is_empty()
        || name == "-"
        || name.eq_ignore_ascii_case("N/A")
        || name.eq_ignore_ascii_case("ANONYMOUS LOGON")
        || patterns.iter().any(|p| p.is_match(name))
}

/// A workstation or host name worth keying on: Windows writes `-` for "none".
pub(crate) fn usable_name(name: &str) -> Option<&str> {
    let t = name.trim();
    (!t.is_empty() && t != "-").then_some(t)
}

/// Loopback and unspecified addresses say where the event was logged, not who failed.
pub(crate) fn unusable_ip(ip: IpAddr) -> bool {
    ip.is_loopback() || ip.is_unspecified()
}

pub(crate) fn in_any(nets: &[IpNet], ip: IpAddr) -> bool {
    nets.iter().any(|n| n.contains(&ip))
}

/// The client host a peer delivered a failure about (for relay learning): the client
/// address, else the workstation, else the reporting host. Tagged so that the three kinds
/// of identity cannot be mistaken for each other.
pub(crate) fn client_host_hash(
    key: &HashKey,
    source_ip: Option<IpAddr>,
    workstation: Option<&str>,
    host: Option<&str>,
) -> Option<u64> {
    if let Some(ip) = source_ip {
        return Some(match ip {
            IpAddr::V4(v4) => key.hash(&v4.octets()),
            IpAddr::V6(v6) => key.hash(&v6.octets()),
        });
    }
    if let Some(w) = workstation {
        return Some(key.username(w).rotate_left(21) ^ 0x5753_5753);
    }
    host.map(|h| key.username(h).rotate_left(42) ^ 0x484f_5354)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_anonymous_users_are_excluded() {
        for name in ["", "-", "n/a", "N/A", "ANONYMOUS LOGON", "Anonymous Logon"] {
            assert!(excluded_username(name, &[]), "{name:?}");
        }
        assert!(!excluded_username("jdoe", &[]));
        let svc = Regex::new("(?i)^svc_scan").unwrap();
        assert!(excluded_username("SVC_SCAN01", std::slice::from_ref(&svc)));
        assert!(!excluded_username("jdoe", &[svc]));
    }

    #[test]
    fn loopback_and_unspecified_are_unusable() {
        for ip in ["127.0.0.1", "127.9.9.9", "::1", "0.0.0.0", "::"] {
            assert!(unusable_ip(ip.parse().unwrap()), "{ip}");
        }
        assert!(!unusable_ip("203.0.113.7".parse().unwrap()));
        assert!(!unusable_ip("2001:db8::7".parse().unwrap()));
    }

    #[test]
    fn names_of_dash_are_unusable() {
        assert_eq!(usable_name(" WS01 "), Some("WS01"));
        assert_eq!(usable_name("-"), None);
        assert_eq!(usable_name("  "), None);
    }
}

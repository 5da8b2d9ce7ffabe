//! Event builders shared by the integration tests.
#![allow(dead_code)]

use std::borrow::Cow;
use std::net::IpAddr;

use rollcall_parse::{AuthEvent, AuthKind};

pub const MIN: i64 = 60_000;
/// 2024-03-01T00:00:00Z: tests start here so that negative offsets stay positive.
pub const T0: i64 = 1_709_251_200_000;

pub fn ip(text: &str) -> IpAddr {
    text.parse().expect("test address")
}

/// A 4625 "no such user" failure from `source` for `user` at `time_ms`.
pub fn failure(time_ms: i64, source: &str, user: &str) -> AuthEvent<'static> {
    AuthEvent {
        time_ms,
        time_zoned: true,
        kind: AuthKind::Ntlm4625,
        code: 0xC000_0064,
        username: Cow::Owned(user.to_string()),
        source_ip: Some(ip(source)),
        workstation: None,
        host: Some(Cow::Borrowed("DC01")),
        relay: None,
    }
}

/// A failure with no client address, keyed by its workstation name.
pub fn ws_failure(time_ms: i64, workstation: &str, user: &str) -> AuthEvent<'static> {
    AuthEvent {
        source_ip: None,
        workstation: Some(Cow::Owned(workstation.to_string())),
        ..failure(time_ms, "192.0.2.1", user)
    }
}

pub fn via(mut ev: AuthEvent<'static>, relay: &str) -> AuthEvent<'static> {
    ev.relay = Some(ip(relay));
    ev
}

pub fn with_code(mut ev: AuthEvent<'static>, kind: AuthKind, code: u32) -> AuthEvent<'static> {
    ev.kind = kind;
    ev.code = code;
    ev
}

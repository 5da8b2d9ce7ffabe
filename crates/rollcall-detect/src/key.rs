//! The key of the source table: a `SourceKey` in 24 bytes instead of 32.
//!
//! The table holds a million sources and, just past a doubling, twice as many slots; each
//! slot holds a key, so its size counts about twice per source. An IPv4 source keeps its
//! four bytes, an IPv6 source its sixteen, and a workstation name drops `String`'s
//! capacity word.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::offense::SourceKey;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TableKey {
    V4([u8; 4]),
    V6([u8; 16]),
    Workstation(Box<str>),
}

impl From<SourceKey> for TableKey {
    fn from(key: SourceKey) -> TableKey {
        match key {
            SourceKey::Ip(IpAddr::V4(v4)) => TableKey::V4(v4.octets()),
            SourceKey::Ip(IpAddr::V6(v6)) => TableKey::V6(v6.octets()),
            SourceKey::Workstation(w) => TableKey::Workstation(w.into_boxed_str()),
        }
    }
}

impl TableKey {
    pub(crate) fn source_key(&self) -> SourceKey {
        match self {
            TableKey::V4(b) => SourceKey::Ip(IpAddr::V4(Ipv4Addr::from(*b))),
            TableKey::V6(b) => SourceKey::Ip(IpAddr::V6(Ipv6Addr::from(*b))),
            TableKey::Workstation(w) => SourceKey::Workstation(w.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_small() {
        for key in [
            SourceKey::Ip("203.0.113.7".parse().unwrap()),
            SourceKey::Ip("2001:db8::7".parse().unwrap()),
            SourceKey::Ip("::ffff:203.0.113.7".parse().unwrap()),
            SourceKey::Workstation("ws01".into()),
        ] {
            assert_eq!(TableKey::from(key.clone()).source_key(), key);
        }
        assert_ne!(
            TableKey::from(SourceKey::Ip("::ffff:203.0.113.7".parse().unwrap())),
            TableKey::from(SourceKey::Ip("203.0.113.7".parse().unwrap())),
            "the table keeps IPv4 and IPv6 apart, as SourceKey does"
        );
        assert!(std::mem::size_of::<TableKey>() <= 24);
    }
}

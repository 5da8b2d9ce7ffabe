//! `allowed_senders`: which transport peers a listener accepts.

use std::net::IpAddr;

use ipnet::IpNet;
use rollcall_parse::event::normalise_ip;

/// Peer allow-list by CIDR. Empty means everyone.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    nets: Vec<IpNet>,
}

impl AllowList {
    pub fn new(nets: &[IpNet]) -> Self {
        AllowList {
            nets: nets.to_vec(),
        }
    }

    /// Whether `peer` may send. An IPv4 peer on a dual-stack socket arrives as `::ffff:a.b.c.d`
    /// and is matched against IPv4 ranges, as an admin writing `10.0.0.0/8` expects.
    pub fn permits(&self, peer: IpAddr) -> bool {
        if self.nets.is_empty() {
            return true;
        }
        let peer = normalise_ip(peer);
        self.nets.iter().any(|net| net.contains(&peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn empty_list_permits_everyone() {
        assert!(AllowList::default().permits(ip("203.0.113.7")));
        assert!(AllowList::default().permits(ip("2001:db8::1")));
    }

    #[test]
    fn only_listed_ranges_are_permitted() {
        let list = AllowList::new(&[
            "10.0.0.0/8".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ]);
        assert!(list.permits(ip("10.1.2.3")));
        assert!(list.permits(ip("2001:db8::42")));
        assert!(!list.permits(ip("11.0.0.1")));
        assert!(!list.permits(ip("2001:db9::1")));
    }

    #[test]
    fn mapped_ipv4_peers_match_ipv4_ranges() {
        let list = AllowList::new(&["127.0.0.0/8".parse().unwrap()]);
        assert!(list.permits(ip("::ffff:127.0.0.1")));
        assert!(!list.permits(ip("::ffff:192.0.2.1")));
    }
}

//! Recognising relays by behaviour: a transport peer that delivered failures for many
//! distinct client hosts is a collector (WEC, WinCollect, NXLog, rsyslog) or a server with
//! many clients, never the source of an attack.
//!
//! Per peer we keep the keyed hashes of the distinct client hosts seen, up to the
//! threshold; reaching it marks the peer a relay for good. The number of peers tracked is
//! capped (peers are senders, a bounded population; spoofed UDP senders cannot grow it
//! past the cap).

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use dashmap::DashMap;

use crate::window::push_exact;

/// Most peers whose behaviour is learned; later peers are taken as non-relays.
pub const MAX_TRACKED_PEERS: usize = 65_536;

#[derive(Clone, Debug, Default)]
pub(crate) struct PeerState {
    /// Distinct client-host hashes, fewer than the threshold (emptied once a relay).
    pub hosts: Vec<u64>,
    pub relay: bool,
}

#[derive(Debug, Default)]
pub(crate) struct PeerTracker {
    peers: DashMap<IpAddr, PeerState>,
    tracked: AtomicUsize,
}

impl PeerTracker {
    /// Notes that `peer` delivered a failure about client host `host_hash`. Returns true
    /// when this makes the peer a relay (it was not one before).
    pub(crate) fn learn(&self, peer: IpAddr, host_hash: u64, threshold: usize) -> bool {
        if let Some(p) = self.peers.get(&peer) {
            // The common case, a known relay, takes only a shared lock.
            if p.relay || p.hosts.contains(&host_hash) {
                return false;
            }
        } else if self.tracked.load(Ordering::Relaxed) >= MAX_TRACKED_PEERS {
            return false;
        }
        let mut entry = self.peers.entry(peer).or_insert_with(|| {
            self.tracked.fetch_add(1, Ordering::Relaxed);
            PeerState::default()
        });
        let p = entry.value_mut();
        if p.relay {
            return false;
        }
        if !p.hosts.contains(&host_hash) {
            push_exact(&mut p.hosts, host_hash);
        }
        if p.hosts.len() >= threshold.max(1) {
            p.relay = true;
            p.hosts = Vec::new();
            return true;
        }
        false
    }

    pub(crate) fn is_relay(&self, peer: IpAddr) -> bool {
        self.peers.get(&peer).is_some_and(|p| p.relay)
    }

    pub(crate) fn export(&self) -> Vec<(IpAddr, PeerState)> {
        self.peers
            .iter()
            .map(|e| (*e.key(), e.value().clone()))
            .collect()
    }

    pub(crate) fn import(&self, peer: IpAddr, state: PeerState) {
        if self.peers.insert(peer, state).is_none() {
            self.tracked.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_becomes_a_relay_at_the_threshold_once() {
        let t = PeerTracker::default();
        let peer: IpAddr = "10.0.0.250".parse().unwrap();
        for h in 0..2 {
            assert!(!t.learn(peer, h, 3));
            assert!(!t.learn(peer, h, 3), "repeats do not count");
        }
        assert!(!t.is_relay(peer));
        assert!(t.learn(peer, 2, 3));
        assert!(t.is_relay(peer));
        assert!(!t.learn(peer, 3, 3), "reported once");
        assert!(!t.is_relay("10.0.0.1".parse().unwrap()));
    }
}

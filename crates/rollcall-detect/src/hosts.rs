//! Shared reporting-host names. Every source records the host that reported its first
//! failure, and a handful of domain controllers report for a million sources: one shared
//! copy of each name, pointed to by an 8-byte `Arc<String>`, instead of a copy per source.
//!
//! Bounded: past `MAX_SHARED_HOSTS` names (spoofed syslog hostnames), a name gets a copy of
//! its own, as before, so an attacker cannot grow this table.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use dashmap::DashMap;

/// Most distinct host names shared.
pub(crate) const MAX_SHARED_HOSTS: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct HostNames {
    names: DashMap<Box<str>, Arc<String>>,
    count: AtomicUsize,
}

impl HostNames {
    /// The shared copy of `host` (exact spelling), or a copy of its own past the bound.
    pub(crate) fn get(&self, host: &str) -> Arc<String> {
        if let Some(shared) = self.names.get(host) {
            return Arc::clone(shared.value());
        }
        if self.count.load(Ordering::Relaxed) >= MAX_SHARED_HOSTS {
            return Arc::new(host.to_string());
        }
        let entry = self.names.entry(Box::from(host)).or_insert_with(|| {
            self.count.fetch_add(1, Ordering::Relaxed);
            Arc::new(host.to_string())
        });
        Arc::clone(entry.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_shared_up_to_the_bound() {
        let h = HostNames::default();
        let a = h.get("DC01");
        assert!(Arc::ptr_eq(&a, &h.get("DC01")));
        assert!(!Arc::ptr_eq(&a, &h.get("dc01")), "exact spelling is kept");
        for i in 0..MAX_SHARED_HOSTS {
            h.get(&format!("host{i}"));
        }
        let late = h.get("late");
        assert_eq!(*late, "late");
        assert!(
            !Arc::ptr_eq(&late, &h.get("late")),
            "not shared past the bound"
        );
        assert_eq!(h.names.len(), MAX_SHARED_HOSTS);
    }
}

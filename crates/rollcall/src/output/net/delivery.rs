//! One spool directory and its delivery counters, shared by every output built on it in this
//! process.
//!
//! A SIGHUP that changes an output's settings builds a new output while the old one still
//! runs. Both must use the same [`Spool`] object (two appenders on one directory would
//! corrupt it) and must not both send: the spool is looked up here by directory, and a sender
//! holds [`Delivery::lease`] while it runs, so the new one starts when the old one stops.
//! Counters live here too, so they survive such a rebuild, and the metrics collector
//! ([`super::metrics`]) finds every live delivery here, including outputs built by a reload.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use anyhow::Context;
use tokio::sync::Notify;

use crate::output::spool::{Recovery, Spool};

/// Why a delivery attempt failed (the `reason` label of `rollcall_output_send_failures`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Resolving, connecting or the TLS handshake failed.
    Connect = 0,
    /// Writing to an open connection failed or timed out.
    Write = 1,
    /// The receiver closed or reset a connection we were using.
    Disconnect = 2,
}

impl Failure {
    pub const ALL: [Failure; 3] = [Failure::Connect, Failure::Write, Failure::Disconnect];

    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Connect => "connect",
            Failure::Write => "write",
            Failure::Disconnect => "disconnect",
        }
    }
}

#[derive(Debug)]
pub struct Delivery {
    pub spool: Spool,
    /// The `output` label: the name of the output currently using this spool.
    name: Mutex<String>,
    /// Rung by `submit` after an append: the sender looks for new records.
    pub wake: Notify,
    /// Held by the running sender.
    pub lease: Mutex<()>,
    /// Records the receiver is known to have taken (see `sender` for what "known" means).
    pub delivered: AtomicU64,
    failures: [AtomicU64; 3],
    pub connected: AtomicBool,
}

/// Every delivery alive in this process, by canonical spool directory.
static DELIVERIES: Mutex<Vec<(PathBuf, Weak<Delivery>)>> = Mutex::new(Vec::new());

impl Delivery {
    /// The delivery for spool directory `dir`: the live one if an output already uses it
    /// (its size limit and name are updated), else the spool is opened and recovered.
    pub fn shared(
        dir: &Path,
        max_bytes: u64,
        name: &str,
    ) -> anyhow::Result<(Arc<Delivery>, Option<Recovery>)> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating spool directory {}", dir.display()))?;
        let canonical = dir
            .canonicalize()
            .with_context(|| format!("spool directory {}", dir.display()))?;
        let mut all = DELIVERIES.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|(_, d)| d.strong_count() > 0);
        if let Some(live) = all
            .iter()
            .find(|(path, _)| *path == canonical)
            .and_then(|(_, d)| d.upgrade())
        {
            live.spool.set_max_bytes(max_bytes);
            *live.name.lock().unwrap_or_else(|p| p.into_inner()) = name.to_owned();
            return Ok((live, None));
        }
        let (spool, recovery) = Spool::open(&canonical, max_bytes)?;
        let delivery = Arc::new(Delivery {
            spool,
            name: Mutex::new(name.to_owned()),
            wake: Notify::new(),
            lease: Mutex::new(()),
            delivered: AtomicU64::new(0),
            failures: Default::default(),
            connected: AtomicBool::new(false),
        });
        all.push((canonical, Arc::downgrade(&delivery)));
        Ok((delivery, Some(recovery)))
    }

    /// Every live delivery (for the metrics collector).
    pub fn all_live() -> Vec<Arc<Delivery>> {
        let all = DELIVERIES.lock().unwrap_or_else(|p| p.into_inner());
        all.iter().filter_map(|(_, d)| d.upgrade()).collect()
    }

    pub fn name(&self) -> String {
        self.name.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn count_failure(&self, why: Failure) {
        self.failures[why as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn failures(&self, why: Failure) -> u64 {
        self.failures[why as usize].load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_delivery_per_directory_while_alive() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path().join("spool");
        let (a, recovered) = Delivery::shared(&spool, 1 << 20, "tcp/a:514").unwrap();
        assert!(recovered.is_some());
        a.spool.append(b"x", 1).unwrap();
        // The same directory by another spelling.
        let (b, recovered) =
            Delivery::shared(&dir.path().join("./spool"), 1 << 20, "tcp/b:514").unwrap();
        assert!(recovered.is_none());
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.name(), "tcp/b:514");
        drop((a, b));
        let (c, recovered) = Delivery::shared(&spool, 1 << 20, "tcp/c:514").unwrap();
        assert_eq!(recovered.map(|r| r.records), Some(1));
        assert_eq!(c.spool.stats().records, 1);
    }
}

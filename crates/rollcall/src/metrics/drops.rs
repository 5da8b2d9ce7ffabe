//! `rollcall_drops{reason}`: everything the ingest side threw away, by reason.
//!
//! Most reasons are counted where they happen; `udp_kernel` is read from procfs and
//! `clock_skew` from the detector at scrape time. One collector emits them all as a single
//! metric family, so a dashboard sums one series set.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;

use super::kernel_drops::KernelDrops;

/// Why the ingest side discarded a connection, datagram or frame (label values: closed set).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// Sender outside the listener's `allowed_senders`.
    NotAllowed,
    /// Frame or datagram longer than `max_frame_size`.
    Oversized,
    /// Connection refused: the listener was at `max_connections`.
    ConnectionLimit,
    /// TLS handshake failed (wrong or missing client certificate, not TLS, …).
    TlsHandshake,
}

impl DropReason {
    pub const ALL: [DropReason; 4] = [
        DropReason::NotAllowed,
        DropReason::Oversized,
        DropReason::ConnectionLimit,
        DropReason::TlsHandshake,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::NotAllowed => "not_allowed",
            DropReason::Oversized => "oversized",
            DropReason::ConnectionLimit => "connection_limit",
            DropReason::TlsHandshake => "tls_handshake",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Drop counters updated by the listeners.
#[derive(Debug, Default)]
pub struct Drops {
    counts: [AtomicU64; DropReason::ALL.len()],
}

impl Drops {
    pub fn inc(&self, reason: DropReason) {
        self.counts[reason.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub fn get(&self, reason: DropReason) -> u64 {
        self.counts[reason.index()].load(Ordering::Relaxed)
    }
}

/// Scrape-time source of drops counted elsewhere (the detector's clock-skew rejections).
pub type DropSource = Box<dyn Fn() -> u64 + Send + Sync>;

/// Emits `rollcall_drops_total{reason}` and `rollcall_udp_kernel_drops_total{listener}`.
pub struct DropsCollector {
    pub drops: Arc<Drops>,
    pub kernel: Arc<KernelDrops>,
    /// Extra reasons read at scrape time, e.g. `("clock_skew", …)`.
    pub external: Vec<(&'static str, DropSource)>,
}

impl std::fmt::Debug for DropsCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DropsCollector")
            .field("drops", &self.drops)
            .finish_non_exhaustive()
    }
}

impl Collector for DropsCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let per_listener = self.kernel.per_listener();
        let kernel_total: u64 = per_listener.iter().map(|(_, d)| d).sum();
        {
            let mut family = encoder.encode_descriptor(
                "rollcall_drops",
                "Messages, frames or connections discarded by the ingest side, by reason.",
                None,
                prometheus_client::metrics::MetricType::Counter,
            )?;
            let mut emit = |reason: &str, value: u64| {
                let labels = [("reason", reason)];
                ConstCounter::new(value).encode(family.encode_family(&labels)?)
            };
            emit("udp_kernel", kernel_total)?;
            for reason in DropReason::ALL {
                emit(reason.as_str(), self.drops.get(reason))?;
            }
            for (reason, source) in &self.external {
                emit(reason, source())?;
            }
        }
        let mut family = encoder.encode_descriptor(
            "rollcall_udp_kernel_drops",
            "Datagrams the kernel dropped on a UDP listener's sockets (receive buffer full), from /proc/net/udp.",
            None,
            prometheus_client::metrics::MetricType::Counter,
        )?;
        for (listener, drops) in &per_listener {
            let labels = [("listener", listener.as_str())];
            ConstCounter::new(*drops).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

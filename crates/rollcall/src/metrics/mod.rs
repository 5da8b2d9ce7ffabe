//! Prometheus metrics of the ingest side, and the `/metrics` + `/healthz` endpoint.
//!
//! The run code owns the [`Registry`]: [`Metrics::new`] registers into it, other components
//! (outputs) register their own metrics, then the registry is frozen in an `Arc` for
//! [`http::serve`]. Label values come only from closed sets (formats, kinds, tiers, reasons,
//! configured listener addresses), never from message content, so cardinality is bounded.
//!
//! Hot-path counters are resolved once (per listener, per format, per kind) into plain
//! `Counter` handles, so counting a message is an atomic add with no hashing or allocation.

pub mod drops;
mod engine_stats;
pub mod http;
pub mod kernel_drops;
mod uptime;

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use rollcall_detect::{Engine, Tier};
use rollcall_parse::{AuthKind, Format};

pub use drops::{DropReason, Drops, DropsCollector};
pub use kernel_drops::KernelDrops;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ListenerLabels {
    listener: String,
    protocol: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FormatLabels {
    format: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TierLabels {
    tier: &'static str,
}

/// Per-listener counters, resolved once when the listener starts.
#[derive(Clone, Debug)]
pub struct ListenerMetrics {
    /// The `listener` label: `protocol/address` as configured.
    pub name: String,
    pub messages: Counter,
    pub bytes: Counter,
}

/// Every ingest-side metric.
#[derive(Debug)]
pub struct Metrics {
    messages_received: Family<ListenerLabels, Counter>,
    bytes_received: Family<ListenerLabels, Counter>,
    parsed: [Counter; Format::ALL.len()],
    parse_errors: Family<ReasonLabels, Counter>,
    auth_events: [Counter; AuthKind::ALL.len()],
    offenses: [Counter; 3],
    pub drops: Arc<Drops>,
    pub kernel_drops: Arc<KernelDrops>,
    pub connections_active: Gauge,
}

impl Metrics {
    /// Registers the ingest metrics. `external_drops` adds scrape-time drop reasons counted
    /// elsewhere (`("clock_skew", …)` from the detector). See also [`register_engine_stats`].
    pub fn new(
        registry: &mut Registry,
        external_drops: Vec<(&'static str, drops::DropSource)>,
    ) -> Metrics {
        let messages_received = Family::<ListenerLabels, Counter>::default();
        registry.register(
            "rollcall_messages_received",
            "Syslog messages (datagrams or frames) received, per listener",
            messages_received.clone(),
        );
        let bytes_received = Family::<ListenerLabels, Counter>::default();
        registry.register(
            "rollcall_bytes_received",
            "Bytes of syslog messages received, per listener (framing excluded)",
            bytes_received.clone(),
        );
        let parsed_family = Family::<FormatLabels, Counter>::default();
        registry.register(
            "rollcall_messages_parsed",
            "Messages by recognised format (unknown includes frames rejected by the pre-filter)",
            parsed_family.clone(),
        );
        let parsed = Format::ALL
            .map(|f| parsed_family.get_or_create_owned(&FormatLabels { format: f.as_str() }));
        let parse_errors = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "rollcall_parse_errors",
            "Messages that looked relevant but failed to parse, by reason",
            parse_errors.clone(),
        );
        let kinds = Family::<KindLabels, Counter>::default();
        registry.register(
            "rollcall_auth_events",
            "Authentication failures extracted, by kind",
            kinds.clone(),
        );
        let auth_events =
            AuthKind::ALL.map(|k| kinds.get_or_create_owned(&KindLabels { kind: k.as_str() }));
        let tiers = Family::<TierLabels, Counter>::default();
        registry.register(
            "rollcall_offenses",
            "Offenses raised, by tier reached",
            tiers.clone(),
        );
        let offenses = [Tier::Medium, Tier::High, Tier::Critical]
            .map(|t| tiers.get_or_create_owned(&TierLabels { tier: t.as_str() }));
        let connections_active = Gauge::default();
        registry.register(
            "rollcall_connections_active",
            "Open TCP/TLS connections across all listeners",
            connections_active.clone(),
        );
        let drops = Arc::new(Drops::default());
        let kernel_drops = Arc::new(KernelDrops::default());
        registry.register_collector(Box::new(DropsCollector {
            drops: drops.clone(),
            kernel: kernel_drops.clone(),
            external: external_drops,
        }));
        registry.register_collector(Box::new(uptime::UptimeCollector::started_now()));
        Metrics {
            messages_received,
            bytes_received,
            parsed,
            parse_errors,
            auth_events,
            offenses,
            drops,
            kernel_drops,
            connections_active,
        }
    }

    /// Counters for one listener; `protocol` is `udp`, `tcp` or `tls`.
    pub fn listener(&self, protocol: &'static str, address: &str) -> ListenerMetrics {
        let labels = ListenerLabels {
            listener: format!("{protocol}/{address}"),
            protocol,
        };
        ListenerMetrics {
            messages: self.messages_received.get_or_create_owned(&labels),
            bytes: self.bytes_received.get_or_create_owned(&labels),
            name: labels.listener,
        }
    }

    pub fn parsed(&self, format: Format) -> &Counter {
        let index = Format::ALL
            .iter()
            .position(|f| *f == format)
            .unwrap_or(Format::ALL.len() - 1);
        &self.parsed[index]
    }

    pub fn parse_error(&self, reason: &'static str) {
        self.parse_errors
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    pub fn auth_event(&self, kind: AuthKind) -> &Counter {
        let index = AuthKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        &self.auth_events[index]
    }

    pub fn offense(&self, tier: Tier) -> &Counter {
        &self.offenses[match tier {
            Tier::Medium => 0,
            Tier::High => 1,
            Tier::Critical => 2,
        }]
    }
}

/// Exports the detector's counters (`rollcall_tracked_sources`, `rollcall_evictions`,
/// `rollcall_detector_events{outcome}`, …), read with `Engine::stats()` at scrape time.
pub fn register_engine_stats(registry: &mut Registry, engine: Arc<Engine>) {
    registry.register_collector(Box::new(engine_stats::EngineCollector { engine }));
}

/// A clock-skew drop source for [`Metrics::new`]: `rollcall_drops{reason="clock_skew"}`.
pub fn clock_skew_drops(engine: Arc<Engine>) -> (&'static str, drops::DropSource) {
    (
        "clock_skew",
        Box::new(move || engine.stats().dropped_clock_skew),
    )
}

/// Renders a registry in the OpenMetrics text format.
pub fn render(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail; an encoder error would be a bug in a collector.
    if let Err(err) = prometheus_client::encoding::text::encode(&mut out, registry) {
        tracing::error!("encoding metrics failed: {err}");
    }
    out
}

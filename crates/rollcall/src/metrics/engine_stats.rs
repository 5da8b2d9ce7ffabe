//! The detector's own counters, read with `Engine::stats()` at scrape time: the engine keeps
//! them striped per thread and sums on read, so nothing is mirrored on the hot path.

use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use rollcall_detect::{Engine, EngineStats};

#[derive(Debug)]
pub struct EngineCollector {
    pub engine: Arc<Engine>,
}

/// `rollcall_detector_events{outcome}`: what the detector did with each event it was given.
fn outcomes(s: &EngineStats) -> [(&'static str, u64); 7] {
    [
        ("counted", s.counted),
        ("ignored_code", s.ignored_code),
        ("excluded_source", s.excluded_source),
        ("excluded_username", s.excluded_username),
        ("no_source", s.no_source),
        ("clock_skew", s.dropped_clock_skew),
        ("outside_window", s.outside_window),
    ]
}

fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstCounter::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, MetricType::Counter)?)
}

impl Collector for EngineCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let s = self.engine.stats();
        let tracked = ConstGauge::new(s.tracked_sources as i64);
        tracked.encode(encoder.encode_descriptor(
            "rollcall_tracked_sources",
            "Sources the detector currently tracks.",
            None,
            MetricType::Gauge,
        )?)?;
        counter(
            &mut encoder,
            "rollcall_evictions",
            "Sources evicted because max_sources was reached.",
            s.evicted_sources,
        )?;
        counter(
            &mut encoder,
            "rollcall_expired_sources",
            "Sources forgotten because their window emptied.",
            s.expired_sources,
        )?;
        counter(
            &mut encoder,
            "rollcall_relays_detected",
            "Peers recognised as relays by behaviour.",
            s.relays_detected,
        )?;
        counter(
            &mut encoder,
            "rollcall_capped_usernames",
            "Failures of a top-tier source whose new username was not tracked (memory cap).",
            s.capped_usernames,
        )?;
        counter(
            &mut encoder,
            "rollcall_window_overflows",
            "Failures forgotten early because one source exceeded the per-source event cap.",
            s.window_overflows,
        )?;
        let mut family = encoder.encode_descriptor(
            "rollcall_detector_events",
            "Authentication failures handed to the detector, by outcome.",
            None,
            MetricType::Counter,
        )?;
        for (outcome, value) in outcomes(&s) {
            let labels = [("outcome", outcome)];
            ConstCounter::new(value).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

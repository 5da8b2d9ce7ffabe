//! `rollcall_uptime_seconds`, computed at scrape time from a monotonic start instant.

use std::time::Instant;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::gauge::ConstGauge;

#[derive(Debug)]
pub struct UptimeCollector {
    started: Instant,
}

impl UptimeCollector {
    pub fn started_now() -> Self {
        UptimeCollector {
            started: Instant::now(),
        }
    }
}

impl Collector for UptimeCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let gauge = ConstGauge::new(self.started.elapsed().as_secs_f64());
        let metric = encoder.encode_descriptor(
            "rollcall_uptime_seconds",
            "Seconds since the appliance started.",
            None,
            gauge.metric_type(),
        )?;
        gauge.encode(metric)
    }
}

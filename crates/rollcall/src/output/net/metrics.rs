//! Metrics of the network outputs, read at scrape time from every live [`Delivery`].
//!
//! The collector is registered once, into the first registry an output is built with: the
//! served one at start-up. Outputs built later (a SIGHUP adding or changing one) register
//! nothing; they are found through [`Delivery::all_live`] at the next scrape. So the frozen
//! registry still exports them.

use std::sync::atomic::{AtomicBool, Ordering};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::delivery::{Delivery, Failure};

static REGISTERED: AtomicBool = AtomicBool::new(false);

/// Registers the collector into `registry` unless a registry already has it.
pub fn register_once(registry: &mut Registry) {
    if !REGISTERED.swap(true, Ordering::AcqRel) {
        registry.register_collector(Box::new(OutputCollector {
            now_ms: crate::clock::now_ms,
        }));
    }
}

#[derive(Debug)]
pub struct OutputCollector {
    pub now_ms: fn() -> i64,
}

struct Row {
    name: String,
    delivered: u64,
    failures: [u64; 3],
    connected: bool,
    stats: crate::output::spool::Stats,
}

impl Collector for OutputCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let now_ms = (self.now_ms)();
        let rows: Vec<Row> = Delivery::all_live()
            .iter()
            .map(|d| Row {
                name: d.name(),
                delivered: d.delivered.load(Ordering::Relaxed),
                failures: Failure::ALL.map(|f| d.failures(f)),
                connected: d.connected.load(Ordering::Relaxed),
                stats: d.spool.stats(),
            })
            .collect();

        let counter = |encoder: &mut DescriptorEncoder,
                       name: &str,
                       help: &str,
                       value: &dyn Fn(&Row) -> u64|
         -> Result<(), std::fmt::Error> {
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            for row in &rows {
                let labels = [("output", row.name.as_str())];
                ConstCounter::new(value(row)).encode(family.encode_family(&labels)?)?;
            }
            Ok(())
        };
        counter(
            &mut encoder,
            "rollcall_output_delivered",
            "Offenses the receiver took (TCP/TLS: written and the connection stayed up for the confirmation delay; UDP: sent).",
            &|r| r.delivered,
        )?;
        counter(
            &mut encoder,
            "rollcall_output_spool_dropped",
            "Undelivered offenses deleted because the spool reached spool_max_bytes (oldest first).",
            &|r| r.stats.dropped,
        )?;
        {
            let mut family = encoder.encode_descriptor(
                "rollcall_output_send_failures",
                "Failed delivery attempts, by reason (connect, write, disconnect).",
                None,
                MetricType::Counter,
            )?;
            for row in &rows {
                for why in Failure::ALL {
                    let labels = [("output", row.name.as_str()), ("reason", why.as_str())];
                    ConstCounter::new(row.failures[why as usize])
                        .encode(family.encode_family(&labels)?)?;
                }
            }
        }

        let gauge = |encoder: &mut DescriptorEncoder,
                     name: &str,
                     help: &str,
                     value: &dyn Fn(&Row) -> f64|
         -> Result<(), std::fmt::Error> {
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            for row in &rows {
                let labels = [("output", row.name.as_str())];
                ConstGauge::new(value(row)).encode(family.encode_family(&labels)?)?;
            }
            Ok(())
        };
        gauge(
            &mut encoder,
            "rollcall_output_spool_records",
            "Offenses in the spool not yet delivered.",
            &|r| r.stats.records as f64,
        )?;
        gauge(
            &mut encoder,
            "rollcall_output_spool_bytes",
            "Bytes of the spool on disk.",
            &|r| r.stats.bytes as f64,
        )?;
        gauge(
            &mut encoder,
            "rollcall_output_oldest_undelivered_age_seconds",
            "Age of the oldest undelivered offense in the spool (0 when empty).",
            &|r| {
                r.stats
                    .oldest_ms
                    .map_or(0.0, |t| (now_ms.saturating_sub(t)).max(0) as f64 / 1000.0)
            },
        )?;
        gauge(
            &mut encoder,
            "rollcall_output_connected",
            "1 while the output has an open connection to its receiver.",
            &|r| f64::from(u8::from(r.connected)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_every_live_delivery() {
        let dir = tempfile::tempdir().unwrap();
        let name = format!("tcp/metrics-test-{}:514", std::process::id());
        let (d, _) = Delivery::shared(dir.path(), 1 << 20, &name).unwrap();
        d.spool.append(b"one", 1_000).unwrap();
        d.spool.append(b"two", 2_000).unwrap();
        d.count_failure(Failure::Connect);
        d.delivered.fetch_add(3, Ordering::Relaxed);
        let mut registry = Registry::default();
        registry.register_collector(Box::new(OutputCollector { now_ms: || 11_000 }));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        let series = |metric: &str, extra: &str| format!("{metric}{{output=\"{name}\"{extra}}} ");
        let value = |s: String| -> f64 {
            let line = text
                .lines()
                .find(|l| l.starts_with(&s))
                .unwrap_or_else(|| panic!("{s} in\n{text}"));
            line[s.len()..].trim().parse().unwrap()
        };
        assert_eq!(value(series("rollcall_output_spool_records", "")), 2.0);
        assert_eq!(
            value(series("rollcall_output_oldest_undelivered_age_seconds", "")),
            10.0
        );
        assert_eq!(value(series("rollcall_output_delivered_total", "")), 3.0);
        assert_eq!(
            value(series(
                "rollcall_output_send_failures_total",
                ",reason=\"connect\""
            )),
            1.0
        );
        assert_eq!(
            value(series(
                "rollcall_output_send_failures_total",
                ",reason=\"write\""
            )),
            0.0
        );
        assert_eq!(value(series("rollcall_output_connected", "")), 0.0);
        assert!(value(series("rollcall_output_spool_bytes", "")) > 16.0);
    }
}

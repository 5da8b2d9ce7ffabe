//! Network outputs (`tcp`, `tls`, `udp`) to QRadar, behind a durable spool.
//!
//! `submit` formats the offense (LEEF lines are budgeted to 4000 bytes on TCP/TLS, 1024 on
//! UDP), appends it to the output's spool with an fsync ([`crate::output::spool`]) and wakes
//! the output's sender, a dedicated thread that delivers the spool in order
//! ([`sender`]: reconnects with backoff, at-least-once). `send_test` bypasses the spool: it
//! opens its own connection so `rollcall send-test-event` reports on the path itself.

mod backoff;
mod delivery;
mod metrics;
mod sender;
mod tls;
mod transport;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;
use rollcall_detect::Offense;
use tokio::sync::watch;

use super::{LineFormat, Output};
use crate::config::{OutputConfig, OutputProtocol};
use delivery::Delivery;
pub use metrics::register_once as register_metrics;
use transport::{Batch, Closing, Transport, CONNECT_TIMEOUT};

/// How long `send_test` waits for the write and for the receiver's reaction.
const TEST_WRITE_TIMEOUT: Duration = Duration::from_secs(10);
const TEST_CLOSE_WAIT: Duration = Duration::from_secs(2);

pub struct NetOutput {
    name: String,
    format: LineFormat,
    transport: Transport,
    delivery: std::sync::Arc<Delivery>,
    stop: watch::Sender<bool>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

/// `tcp/qradar.example:514`: the name in logs and the `output` label of metrics.
pub fn output_name(cfg: &OutputConfig) -> String {
    format!(
        "{}/{}",
        protocol_name(cfg.protocol),
        cfg.address.as_deref().unwrap_or("?")
    )
}

fn protocol_name(protocol: OutputProtocol) -> &'static str {
    match protocol {
        OutputProtocol::Tcp => "tcp",
        OutputProtocol::Tls => "tls",
        OutputProtocol::Udp => "udp",
        OutputProtocol::File => "file",
        OutputProtocol::Stdout => "stdout",
    }
}

/// The LEEF line budget of a transport.
fn line_budget(protocol: OutputProtocol) -> usize {
    match protocol {
        OutputProtocol::Udp => rollcall_leef::DATAGRAM_MAX_BYTES,
        _ => rollcall_leef::STREAM_MAX_BYTES,
    }
}

/// `spool_dir`, or `<state.dir>/spool/<index>`.
pub fn spool_dir(
    cfg: &OutputConfig,
    index: usize,
    state_dir: Option<&Path>,
) -> anyhow::Result<PathBuf> {
    match (&cfg.spool_dir, state_dir) {
        (Some(dir), _) => Ok(dir.clone()),
        (None, Some(state)) => Ok(state.join("spool").join(index.to_string())),
        (None, None) => anyhow::bail!(
            "a network output needs spool_dir, or [state] dir for the default <dir>/spool/{index}"
        ),
    }
}

impl NetOutput {
    /// Opens (and recovers) the spool and starts the sender thread.
    pub fn start(
        cfg: &OutputConfig,
        index: usize,
        state_dir: Option<&Path>,
    ) -> anyhow::Result<NetOutput> {
        let name = output_name(cfg);
        let transport = Transport::new(cfg)?;
        let format = LineFormat::new(cfg, line_budget(cfg.protocol))?;
        let dir = spool_dir(cfg, index, state_dir)?;
        let (delivery, recovery) = Delivery::shared(&dir, cfg.spool_max_bytes, &name)
            .with_context(|| format!("opening the spool {}", dir.display()))?;
        if let Some(r) = recovery {
            tracing::info!(
                output = %name,
                spool = %dir.display(),
                undelivered = r.records,
                bytes = r.bytes,
                "spool opened"
            );
            if r.discarded_bytes > 0 {
                tracing::warn!(
                    output = %name,
                    spool = %dir.display(),
                    bytes = r.discarded_bytes,
                    "cut a torn or damaged tail off the spool (a record being written when the process died)"
                );
            }
        }
        let (stop, stop_rx) = watch::channel(false);
        let sender = sender::Sender {
            name: name.clone(),
            delivery: delivery.clone(),
            transport: transport.clone(),
            stop: stop_rx,
        };
        let thread = std::thread::Builder::new()
            .name(format!("rollcall-out{index}"))
            .spawn(move || sender.run_blocking())
            .context("starting the output's sender thread")?;
        Ok(NetOutput {
            name,
            format,
            transport,
            delivery,
            stop,
            thread: Mutex::new(Some(thread)),
        })
    }
}

impl Output for NetOutput {
    fn name(&self) -> &str {
        &self.name
    }

    fn submit(&self, offense: &Offense) -> anyhow::Result<()> {
        let mut line = Vec::with_capacity(1024);
        self.format.offense(offense, &mut line);
        let dropped = self
            .delivery
            .spool
            .append(&line, crate::clock::now_ms())
            .with_context(|| format!("{}: spooling", self.name))?;
        if dropped > 0 {
            tracing::warn!(
                output = %self.name,
                dropped,
                "spool full (spool_max_bytes): dropped the oldest undelivered offenses"
            );
        }
        self.delivery.wake.notify_one();
        Ok(())
    }

    fn send_test(&self, now_ms: i64) -> anyhow::Result<()> {
        let mut line = Vec::with_capacity(256);
        self.format
            .test_event(now_ms, crate::clock::random_uuid_v4(), &mut line);
        send_once(&self.transport, &line).map(|_| ())
    }

    fn shutdown(&self) {
        self.stop.send_replace(true);
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Drop for NetOutput {
    fn drop(&mut self) {
        // Without `shutdown` (a reload that failed half-way): stop, do not wait.
        self.stop.send_replace(true);
    }
}

/// Sends one line on a fresh connection, outside any spool, and says how the receiver took
/// it. `Err`: it was not accepted at the transport level (no connection, TLS refused, reset).
pub fn send_once(transport: &Transport, line: &[u8]) -> anyhow::Result<&'static str> {
    let transport = transport.clone();
    let line = line.to_vec();
    // A thread of its own: the caller may itself be inside a runtime.
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting a runtime")?;
        runtime.block_on(async move {
            let mut conn = tokio::time::timeout(CONNECT_TIMEOUT, transport.connect())
                .await
                .map_err(|_| anyhow::anyhow!("no connection within {CONNECT_TIMEOUT:?}"))??;
            let mut batch = Batch::default();
            batch.push(&line, transport.protocol, transport.framing);
            tokio::time::timeout(TEST_WRITE_TIMEOUT, conn.send(&batch))
                .await
                .map_err(|_| {
                    anyhow::anyhow!("the receiver took nothing for {TEST_WRITE_TIMEOUT:?}")
                })?
                .context("writing")?;
            if conn.is_datagram() {
                return Ok("datagram sent (UDP has no acknowledgement)");
            }
            match conn.close(TEST_CLOSE_WAIT).await {
                Closing::Clean => Ok("written; the receiver read it and closed the connection"),
                Closing::StillOpen => Ok("written; the connection stayed open (no reset)"),
                Closing::Failed(e) => Err(anyhow::Error::new(e)
                    .context("the receiver refused the connection after the write")),
            }
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the test sender panicked"))?
}

/// Sends a `ROLLCALL_TEST` event for `cfg` (a network output) without starting the output:
/// no spool is opened, so this is safe while the appliance runs.
pub fn send_test_event(cfg: &OutputConfig, now_ms: i64) -> anyhow::Result<&'static str> {
    let transport = Transport::new(cfg)?;
    let format = LineFormat::new(cfg, line_budget(cfg.protocol))?;
    let mut line = Vec::with_capacity(256);
    format.test_event(now_ms, crate::clock::random_uuid_v4(), &mut line);
    send_once(&transport, &line)
}

#[cfg(test)]
mod tests;

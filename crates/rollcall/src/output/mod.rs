//! Where offenses go. Every configured `[[output]]` receives every offense.
//!
//! `submit` is a durable hand-off: when it returns `Ok`, the offense is written (stdout,
//! file) or spooled to disk (network outputs) and survives a crash of the appliance. Outputs
//! are called from one dedicated fan-out thread, so `submit` may block briefly on I/O.

mod file;
pub mod line;
pub mod net;
pub mod spool;
mod stdout;

use std::path::Path;

use prometheus_client::registry::Registry;

use crate::config::{OutputConfig, OutputProtocol};

pub use file::FileOutput;
pub use line::LineFormat;
pub use net::NetOutput;
pub use stdout::StdoutOutput;

pub trait Output: Send + Sync {
    /// For logs: `protocol/target` (`file//var/log/rollcall/offenses.log`).
    fn name(&self) -> &str;
    /// Writes (or spools) one offense; `Ok` means it will not be lost.
    fn submit(&self, offense: &rollcall_detect::Offense) -> anyhow::Result<()>;
    /// Sends a `ROLLCALL_TEST` event through the same path as offenses.
    fn send_test(&self, now_ms: i64) -> anyhow::Result<()>;
    /// Reopens files after log rotation (SIGHUP). Outputs without files do nothing.
    fn reopen(&self) -> anyhow::Result<()> {
        Ok(())
    }
    /// Flushes what is buffered before the process exits.
    fn shutdown(&self) {}
}

/// Builds `[[output]]` number `index` of the config. `state_dir` is where network outputs
/// put their default spool; `registry` receives the output's metrics.
pub fn build(
    cfg: &OutputConfig,
    index: usize,
    state_dir: Option<&Path>,
    registry: &mut Registry,
) -> anyhow::Result<Box<dyn Output>> {
    // Whatever the kind: the first registry seen (the served one, at start-up) gets the
    // network outputs' collector, which also reports outputs a reload builds later.
    net::register_metrics(registry);
    match cfg.protocol {
        OutputProtocol::Stdout => Ok(Box::new(StdoutOutput::new(cfg)?)),
        OutputProtocol::File => Ok(Box::new(FileOutput::open(cfg)?)),
        OutputProtocol::Tcp | OutputProtocol::Tls | OutputProtocol::Udp => {
            Ok(Box::new(NetOutput::start(cfg, index, state_dir)?))
        }
    }
}

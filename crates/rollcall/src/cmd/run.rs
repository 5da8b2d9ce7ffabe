//! `rollcall run [--config PATH]`: the appliance (see `crate::run` for its lifecycle).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::{config, logging};

pub fn run(config_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    // rustls needs a process-wide provider before any TLS config is built; `ring` avoids
    // aws-lc's C toolchain. Already installed (tests in one process) is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    logging::init();
    let config = match config::load(config_path) {
        Ok(config) => config,
        Err(errors) => {
            // The exact `PATH:LINE:COL: message` lines, as `check-config` prints them.
            eprintln!("{errors}");
            eprintln!("rollcall: {} config error(s), not starting", errors.len());
            return Ok(ExitCode::from(1));
        }
    };
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        config = %config_path.map_or_else(|| config::EMBEDDED_NAME.to_owned(), |p| p.display().to_string()),
        "starting"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("rollcall")
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(crate::run::run(config_path.map(Path::to_path_buf), config))?;
    Ok(ExitCode::SUCCESS)
}

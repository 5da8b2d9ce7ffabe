//! Logs go to stderr: journald captures it under systemd, a terminal shows it otherwise.
//!
//! `RUST_LOG` (e.g. `rollcall=debug`) overrides the default level `info`. Under systemd
//! (`JOURNAL_STREAM` set) lines carry no timestamp or colour: the journal adds its own.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let under_journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let result = if under_journald {
        builder.without_time().with_ansi(false).try_init()
    } else {
        builder.with_ansi(false).try_init()
    };
    // Already installed: keep the first one.
    let _ = result;
}

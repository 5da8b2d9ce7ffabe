//! `rollcall check-config PATH`: validate a config without binding anything.
//!
//! Used by `ExecStartPre=`/`ExecReload=` in the systemd unit, so its verdict is the same as
//! what `run` and SIGHUP apply: exit 0 and one summary line, or every error (one per line,
//! `PATH:LINE:COL: message`) on stderr and exit 1.

use std::path::Path;
use std::process::ExitCode;

use crate::config;

pub fn run(path: &Path) -> anyhow::Result<ExitCode> {
    match config::load(Some(path)) {
        Ok(cfg) => {
            println!(
                "{}: ok ({} listener(s), {} output(s))",
                path.display(),
                cfg.listen.len(),
                cfg.output.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!(
                "{}: {} error(s), config rejected",
                path.display(),
                errors.len()
            );
            Ok(ExitCode::from(1))
        }
    }
}

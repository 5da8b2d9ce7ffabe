//! `rollcall check-config`. (Being written: issue 5.)
use std::path::Path;
use std::process::ExitCode;

pub fn run(_path: &Path) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`check-config` is not implemented yet")
}

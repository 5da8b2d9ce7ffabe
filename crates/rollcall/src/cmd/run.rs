//! `rollcall run`. (Being written: issue 5.)
use std::path::Path;
use std::process::ExitCode;

pub fn run(_config: Option<&Path>) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`run` is not implemented yet")
}

//! `rollcall parse`. (Being written: issue 3.)
use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::InputFraming;

pub fn run(_framing: InputFraming, _files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`parse` is not implemented yet")
}

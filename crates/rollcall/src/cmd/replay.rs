//! `rollcall replay`. (Being written: issue 4.)
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::{InputFraming, OffenseFormat};

pub fn run(
    _config: Option<&Path>,
    _format: OffenseFormat,
    _framing: InputFraming,
    _files: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`replay` is not implemented yet")
}

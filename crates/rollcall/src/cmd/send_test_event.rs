//! `rollcall send-test-event`. (Being written: issue 6.)
use std::path::Path;
use std::process::ExitCode;

pub fn run(_config: Option<&Path>) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`send-test-event` is not implemented yet")
}

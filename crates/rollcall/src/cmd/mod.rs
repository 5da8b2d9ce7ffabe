//! Subcommands. Each module has one `run` entry point.

pub mod check_config;
pub mod parse;
pub mod replay;
pub mod run;
pub mod send_test_event;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => run::run(cli.config.as_deref()),
        Some(Command::Run { config }) => run::run(config.as_deref().or(cli.config.as_deref())),
        Some(Command::CheckConfig { path }) => check_config::run(&path),
        Some(Command::Parse { framing, files }) => parse::run(framing, &files),
        Some(Command::Replay {
            config,
            format,
            framing,
            files,
        }) => replay::run(config.as_deref(), format, framing, &files),
        Some(Command::SendTestEvent { config }) => send_test_event::run(config.as_deref()),
    }
}

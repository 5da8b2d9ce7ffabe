//! rollcall: the appliance binary and its subcommands (DESIGN.md "Command line").

mod cli;
mod clock;
mod cmd;
mod config;
mod input;
mod listen;
mod logging;
mod metrics;
mod output;
mod pipeline;
mod ratelog;
mod run;

use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    match cmd::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("rollcall: {err:#}");
            std::process::ExitCode::from(1)
        }
    }
}

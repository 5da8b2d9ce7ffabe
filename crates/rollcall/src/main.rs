//! rollcall: the appliance binary and its subcommands (DESIGN.md "Command line").

mod cli;
mod cmd;
mod config;

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

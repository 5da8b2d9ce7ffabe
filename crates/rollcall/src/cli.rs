//! Command-line interface. Stable: scripts and tests depend on it (DESIGN.md).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "rollcall",
    version,
    about = "Detects directory roll calls (MITRE ATT&CK T1589) in forwarded Windows and Azure logs and reports them to QRadar as LEEF"
)]
pub struct Cli {
    /// Config file for the default `run` command (absent: the embedded default).
    #[arg(long, global = false)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the appliance.
    Run {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Validate a config: exit 0, or print every error and exit 1.
    CheckConfig { path: PathBuf },
    /// One JSON line per input message: how it parsed, and its normalised auth event.
    Parse {
        #[arg(long, value_enum, default_value_t = InputFraming::Lines)]
        framing: InputFraming,
        /// Files (`-` or none: stdin). Text lines, RFC 6587 streams, .evtx, NDJSON.
        files: Vec<PathBuf>,
    },
    /// Run recorded messages through the detector using event time; print every offense.
    Replay {
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = OffenseFormat::Leef)]
        format: OffenseFormat,
        #[arg(long, value_enum, default_value_t = InputFraming::Lines)]
        framing: InputFraming,
        files: Vec<PathBuf>,
    },
    /// Send one ROLLCALL_TEST LEEF event to every output.
    SendTestEvent {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFraming {
    /// One message per line (LF or CRLF).
    Lines,
    /// RFC 6587 octet counting.
    Octet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OffenseFormat {
    Leef,
    Json,
}

//! `rollcall parse [--framing lines|octet] [FILE|-]...`: one JSON line per input message,
//! saying how it parsed and which authentication failure it carries (DESIGN.md `parse`
//! output). EVTX records are reported with `"format":"json"`: the `evtx` crate renders them
//! as JSON, and the format list is part of the stable schema.
//!
//! Beyond the DESIGN schema, `auth` also carries `"workstation"` (additive).
//!
//! Unreadable records are reported on stderr and skipped. Exit status 1 when an input could
//! not be read at all (missing file, invalid EVTX header), after the others ran; else 0.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use rollcall_parse::time::format_rfc3339_ms;
use rollcall_parse::{auth_event, for_each_message, AuthEvent, Format, ParseContext};
use serde::Serialize;

use crate::cli::InputFraming;
use crate::input::{self, Input, Payload, Record};

/// One output line.
#[derive(Serialize)]
struct ParseLine<'a> {
    format: &'static str,
    error: Option<&'static str>,
    auth: Option<AuthJson<'a>>,
}

/// The normalised event as JSON.
#[derive(Serialize)]
pub struct AuthJson<'a> {
    pub time: String,
    pub kind: &'static str,
    pub code: String,
    pub username: &'a str,
    pub source_ip: Option<String>,
    pub host: Option<&'a str>,
    pub relay: Option<String>,
    pub workstation: Option<&'a str>,
}

impl<'a> AuthJson<'a> {
    pub fn new(ev: &'a AuthEvent<'_>) -> Self {
        AuthJson {
            time: format_rfc3339_ms(ev.time_ms),
            kind: ev.kind.as_str(),
            code: ev.failure_code().to_string(),
            username: &ev.username,
            source_ip: ev.source_ip.map(|ip| ip.to_string()),
            host: ev.host.as_deref(),
            relay: ev.relay.map(|ip| ip.to_string()),
            workstation: ev.workstation.as_deref(),
        }
    }
}

/// The wall clock in epoch ms: the receive time of a recorded message is "now".
pub fn wall_clock_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub fn run(framing: InputFraming, files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let inputs = Input::from_args(files);
    let stdout = io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let ctx = ParseContext {
        now_ms: wall_clock_ms(),
    };
    let mut write_error: Option<io::Error> = None;
    let mut sink = |rec: Record<'_>| {
        if write_error.is_some() {
            return;
        }
        if let Err(e) = write_record(&mut out, &rec, &ctx) {
            write_error = Some(e);
        }
    };
    let stats = input::read_all(&inputs, framing, &mut sink);
    if let Some(e) = write_error {
        // A closed pipe (`rollcall parse … | head`) is not a failure of the command.
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(e.into());
    }
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ if stats.failed_inputs > 0 => Ok(ExitCode::FAILURE),
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn write_record(out: &mut dyn Write, rec: &Record<'_>, ctx: &ParseContext) -> io::Result<()> {
    match &rec.payload {
        Payload::Raw(bytes) => {
            // One line per message: a JSON list of records in one line is one per record.
            let mut result = Ok(());
            for_each_message(bytes, |msg| {
                if result.is_err() {
                    return;
                }
                let (error, auth) = match auth_event(msg, ctx) {
                    Ok(auth) => (None, auth),
                    Err(e) => (Some(e.reason()), None),
                };
                result = write_line(out, msg.format, error, auth.as_ref());
            });
            result
        }
        Payload::Evtx(evtx) => write_line(out, Format::Json, None, evtx.auth.as_ref()),
    }
}

fn write_line(
    out: &mut dyn Write,
    format: Format,
    error: Option<&'static str>,
    auth: Option<&AuthEvent<'_>>,
) -> io::Result<()> {
    let line = ParseLine {
        format: format.as_str(),
        error,
        auth: auth.map(AuthJson::new),
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")
}

//! `rollcall replay [--config PATH] [--format leef|json] [--framing …] [FILE|-]...`: runs
//! recorded messages through the same detector the appliance uses, on EVENT time, prints every
//! offense on stdout (one per line), then a one-line JSON summary on stderr; exit 0.
//!
//! - Records of all inputs are merged by event time: every authentication failure is kept
//!   (owned, and nothing else is), sorted by event time, and fed to one [`Engine`] with
//!   `now_ms` = the event's own time, so clock-skew checks are relative to the stream, not to
//!   today. Equal times are ordered by content ([`merge_key`]), so splitting or reordering
//!   the input across files does not change the result.
//! - Every message is parsed in full ([`parse_message`] + [`auth_event`]), exactly as
//!   `rollcall parse` does, rather than through the appliance's marker pre-filter: a hunt over
//!   archives should see every failure `parse` shows. `parse_errors` counts messages whose
//!   parser reported an error.
//! - Detection ids are deterministic ([`ReplayIds`]): the n-th campaign of a replay always
//!   gets the same id, so rerunning a replay over the same input prints identical lines.
//! - With a terminal on stderr, progress (files, records, rate) is shown while reading.
//!
//! Summary keys: `files`, `records` (all input records: lines, array elements, frames, EVTX
//! records), `messages` (records parsed as messages: everything but EVTX records),
//! `parse_errors`, `read_errors` (unreadable inputs/records, each also reported on stderr),
//! `failed_inputs` (inputs not readable at all; the replay still exits 0),
//! `evtx` (`records`, `relevant`, `errors`), `auth_events`, `offenses`, `by_tier`,
//! `engine` (detector counters), `elapsed_ms`.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use rollcall_detect::{Engine, EngineStats, IdSource, Offense, Tier};
use rollcall_leef::{JsonWriter, LeefConfig, LeefWriter};
use rollcall_parse::{auth_event, for_each_message, AuthEvent, ParseContext};
use serde_json::json;

use crate::cli::{InputFraming, OffenseFormat};
use crate::cmd::parse::wall_clock_ms;
use crate::config;
use crate::input::{self, Input, Payload, ReadStats, Record};

/// How many events are observed between two [`Engine::expire`] calls.
const EXPIRE_EVERY: usize = 4096;

pub fn run(
    config: Option<&Path>,
    format: OffenseFormat,
    framing: InputFraming,
    files: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let cfg = config::load(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let detect = cfg.detect_config().map_err(|e| anyhow::anyhow!("{e}"))?;
    let writer = OffenseWriter::new(format, &cfg)?;

    let inputs = Input::from_args(files);
    let collected = collect_failures(&inputs, framing);

    let engine = Engine::new(detect, Box::new(ReplayIds::default()));
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut tiers = TierCounts::default();
    let mut line = Vec::with_capacity(4096);
    let mut write_result = Ok(());
    for (i, pending) in collected.failures.iter().enumerate() {
        let now_ms = pending.event.time_ms;
        if let Some(offense) = engine.observe(&pending.event, now_ms) {
            tiers.add(offense.tier);
            if write_result.is_ok() {
                line.clear();
                writer.write(&offense, &mut line);
                line.push(b'\n');
                write_result = out.write_all(&line);
            }
        }
        if i % EXPIRE_EVERY == EXPIRE_EVERY - 1 {
            engine.expire(now_ms);
        }
    }
    let write_result = write_result.and_then(|()| out.flush());
    match write_result {
        // `rollcall replay … | head` is not a failure; the summary still goes out.
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            return Err(e).context("writing offenses to stdout")
        }
        _ => {}
    }

    let summary = summary(&collected, &tiers, &engine.stats(), started);
    eprintln!("{summary}");
    Ok(ExitCode::SUCCESS)
}

/// An authentication failure waiting for the time-ordered pass.
struct Pending {
    input: usize,
    offset: u64,
    event: AuthEvent<'static>,
}

/// What reading all inputs produced.
struct Collected {
    failures: Vec<Pending>,
    read: ReadStats,
    messages: u64,
    parse_errors: u64,
}

/// Reads every input, keeping only the authentication failures (owned), sorted by event time.
fn collect_failures(inputs: &[Input], framing: InputFraming) -> Collected {
    let ctx = ParseContext {
        now_ms: wall_clock_ms(),
    };
    let mut failures = Vec::new();
    let mut messages = 0u64;
    let mut parse_errors = 0u64;
    let mut progress = Progress::new(inputs.len());
    let mut sink = |rec: Record<'_>| {
        let (input, offset) = (rec.input, rec.offset);
        let mut keep = |event: AuthEvent<'static>| {
            failures.push(Pending {
                input,
                offset,
                event,
            })
        };
        match rec.payload {
            Payload::Raw(bytes) => {
                // One message, or one per record of a JSON list (as the live path counts).
                for_each_message(bytes, |msg| {
                    messages += 1;
                    match auth_event(msg, &ctx) {
                        Ok(Some(ev)) => keep(ev.into_owned()),
                        Ok(None) => {}
                        Err(_) => parse_errors += 1,
                    }
                });
            }
            Payload::Evtx(evtx) => {
                if let Some(event) = evtx.auth {
                    keep(event);
                }
            }
        }
        progress.record(rec.input);
    };
    let read = input::read_all(inputs, framing, &mut sink);
    progress.finish();
    failures.sort_unstable_by(|a, b| merge_key(a).cmp(&merge_key(b)));
    Collected {
        failures,
        read,
        messages,
        parse_errors,
    }
}

/// Order of the time-ordered pass. Events of equal time are ordered by their content first,
/// so that how the input was split into files, or ordered within them, cannot change what is
/// detected (nor the detection ids); input and position only break exact duplicates.
#[allow(clippy::type_complexity)]
fn merge_key(
    p: &Pending,
) -> (
    i64,
    Option<std::net::IpAddr>,
    Option<&str>,
    &str,
    rollcall_parse::AuthKind,
    u32,
    Option<&str>,
    usize,
    u64,
) {
    let e = &p.event;
    (
        e.time_ms,
        e.source_ip,
        e.workstation.as_deref(),
        &e.username,
        e.kind,
        e.code,
        e.host.as_deref(),
        p.input,
        p.offset,
    )
}

/// The offense line format chosen with `--format`.
enum OffenseWriter {
    Leef(LeefWriter),
    Json(JsonWriter),
}

impl OffenseWriter {
    /// LEEF uses the first `[[output]]`'s hostname and facility (the machine's hostname when
    /// none is configured), like the appliance would.
    fn new(format: OffenseFormat, cfg: &config::Config) -> anyhow::Result<OffenseWriter> {
        Ok(match format {
            OffenseFormat::Json => OffenseWriter::Json(JsonWriter::new()),
            OffenseFormat::Leef => {
                let first = cfg.output.first();
                let hostname = first
                    .and_then(|o| o.hostname.clone())
                    .unwrap_or_else(machine_hostname);
                let mut leef = LeefConfig::stream(hostname);
                if let Some(o) = first {
                    leef.facility = o.facility;
                }
                OffenseWriter::Leef(LeefWriter::new(leef).context("LEEF output settings")?)
            }
        })
    }

    fn write(&self, offense: &Offense, out: &mut Vec<u8>) {
        match self {
            OffenseWriter::Leef(w) => w.write_offense(offense, out),
            OffenseWriter::Json(w) => w.write_offense(offense, out),
        }
    }
}

/// The kernel's hostname (the syslog HOSTNAME when none is configured).
fn machine_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && !h.contains(char::is_whitespace))
        .unwrap_or_else(|| "rollcall".to_owned())
}

/// Deterministic detection ids for replays: the n-th campaign gets splitmix64 of a fixed
/// seed and n, shaped as a UUID v4. Counters from 1 would look like placeholders in QRadar;
/// hashed counters look like ordinary v4 UUIDs and are still identical on every rerun.
#[derive(Debug, Default)]
pub struct ReplayIds {
    next: std::sync::atomic::AtomicU64,
}

/// "rollcall" in ASCII: the seed of replay ids.
const REPLAY_ID_SEED: u64 = 0x726f_6c6c_6361_6c6c;

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl IdSource for ReplayIds {
    fn next_id(&self) -> [u8; 16] {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let hi = splitmix64(REPLAY_ID_SEED ^ n.wrapping_mul(2));
        let lo = splitmix64(REPLAY_ID_SEED ^ n.wrapping_mul(2).wrapping_add(1));
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&hi.to_be_bytes());
        b[8..].copy_from_slice(&lo.to_be_bytes());
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        b
    }
}

#[derive(Default)]
struct TierCounts {
    medium: u64,
    high: u64,
    critical: u64,
}

impl TierCounts {
    fn add(&mut self, tier: Tier) {
        match tier {
            Tier::Medium => self.medium += 1,
            Tier::High => self.high += 1,
            Tier::Critical => self.critical += 1,
        }
    }

    fn total(&self) -> u64 {
        self.medium + self.high + self.critical
    }
}

fn summary(c: &Collected, tiers: &TierCounts, e: &EngineStats, started: Instant) -> String {
    json!({
        "files": c.read.files,
        "records": c.read.records,
        "messages": c.messages,
        "parse_errors": c.parse_errors,
        "read_errors": c.read.read_errors,
        "failed_inputs": c.read.failed_inputs,
        "evtx": {
            "records": c.read.evtx.records,
            "relevant": c.read.evtx.relevant,
            "errors": c.read.evtx.errors,
        },
        "auth_events": c.failures.len(),
        "offenses": tiers.total(),
        "by_tier": {
            "Medium": tiers.medium,
            "High": tiers.high,
            "Critical": tiers.critical,
        },
        "engine": {
            "observed": e.observed,
            "counted": e.counted,
            "ignored_code": e.ignored_code,
            "excluded_source": e.excluded_source,
            "excluded_username": e.excluded_username,
            "no_source": e.no_source,
            "dropped_clock_skew": e.dropped_clock_skew,
            "evicted_sources": e.evicted_sources,
            "capped_usernames": e.capped_usernames,
            "relays_detected": e.relays_detected,
            "expired_sources": e.expired_sources,
            "outside_window": e.outside_window,
            "window_overflows": e.window_overflows,
        },
        "elapsed_ms": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
    .to_string()
}

/// Progress on stderr while reading, only when stderr is a terminal (scripts get the summary).
struct Progress {
    enabled: bool,
    files: usize,
    records: u64,
    started: Instant,
    last: Instant,
}

impl Progress {
    fn new(files: usize) -> Progress {
        let now = Instant::now();
        Progress {
            enabled: io::stderr().is_terminal(),
            files,
            records: 0,
            started: now,
            last: now,
        }
    }

    fn record(&mut self, input: usize) {
        self.records += 1;
        // Checking the clock every record would cost more than the record.
        if !self.enabled || self.records % 65_536 != 0 {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.last).as_millis() < 500 {
            return;
        }
        self.last = now;
        let secs = now.duration_since(self.started).as_secs_f64().max(1e-3);
        eprint!(
            "\rrollcall replay: file {}/{}, {} records, {:.0} records/s   ",
            input + 1,
            self.files,
            self.records,
            self.records as f64 / secs
        );
    }

    fn finish(&self) {
        if self.enabled && self.records >= 65_536 {
            eprint!("\r\x1b[K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_ids_are_deterministic_distinct_uuid_v4() {
        let a = ReplayIds::default();
        let b = ReplayIds::default();
        let first = a.next_id();
        assert_eq!(first, b.next_id());
        assert_ne!(first, a.next_id());
        assert_eq!(first[6] >> 4, 4);
        assert_eq!(first[8] >> 6, 0b10);
    }
}

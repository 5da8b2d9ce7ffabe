//! Saving and restoring the detector state, so a restart does not forget open windows.
//!
//! Format, version 1 (line-oriented so that a million sources stream through a small
//! buffer, and JSON so an operator can inspect it):
//! ```text
//! ROLLCALL-DETECT-SNAPSHOT 1                     magic and version
//! {"hash_key":[k0,k1],"peers":[…]}               the username-hash key, relay learning
//! {"source":{…}}                                 one line per tracked source
//! {"end":{"sources":N}}                          end marker: a cut-off file is detected
//! ```
//! The hash key is part of the state: stored usernames are keyed hashes, meaningful only
//! under the key that made them. Counters are not saved (they are process metrics).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::IpAddr;
use std::sync::atomic::Ordering;

use rollcall_parse::event::CodeStyle;
use rollcall_parse::FailureCode;
use serde::{Deserialize, Serialize};

use crate::config::DetectConfig;
use crate::engine::Engine;
use crate::hashing::HashKey;
use crate::ids::IdSource;
use crate::key::TableKey;
use crate::offense::{Attribution, SourceKey, Tier};
use crate::relay::PeerState;
use crate::source::SourceState;
use crate::window::SlidingWindow;

const MAGIC: &str = "ROLLCALL-DETECT-SNAPSHOT";
pub const SNAPSHOT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a rollcall detector snapshot")]
    BadMagic,
    #[error("snapshot version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("snapshot line {line}: {reason}")]
    Corrupt { line: usize, reason: String },
    #[error("snapshot is truncated (no end marker)")]
    Truncated,
}

#[derive(Serialize, Deserialize)]
struct Header {
    hash_key: [u64; 2],
    peers: Vec<PeerRecord>,
}

#[derive(Serialize, Deserialize)]
struct PeerRecord {
    peer: IpAddr,
    relay: bool,
    hosts: Vec<u64>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KeyRecord {
    Ip(IpAddr),
    Workstation(String),
}

#[derive(Serialize, Deserialize)]
struct SourceRecord {
    key: KeyRecord,
    attribution: String,
    newest_ms: i64,
    alerted: Option<String>,
    detection_id: Option<String>,
    /// Code table: `[value, style]`; failures refer to it by position.
    codes: Vec<(u32, String)>,
    /// `[time_ms, name hash, code slot]`.
    failures: Vec<(i64, u64, usize)>,
    samples: Vec<(u64, String)>,
    /// Names of a source past the top tier (it keeps no failures).
    frozen_names: Vec<u64>,
    relays: Vec<IpAddr>,
    hosts: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Source(Box<SourceRecord>),
    End { sources: u64 },
}

fn style_name(s: CodeStyle) -> &'static str {
    match s {
        CodeStyle::NtStatus => "ntstatus",
        CodeStyle::Kerberos => "kerberos",
        CodeStyle::Decimal => "decimal",
    }
}

fn style_from(name: &str) -> Option<CodeStyle> {
    match name {
        "ntstatus" => Some(CodeStyle::NtStatus),
        "kerberos" => Some(CodeStyle::Kerberos),
        "decimal" => Some(CodeStyle::Decimal),
        _ => None,
    }
}

fn tier_from(name: &str) -> Option<Tier> {
    [Tier::Medium, Tier::High, Tier::Critical]
        .into_iter()
        .find(|t| t.as_str() == name)
}

fn attribution_from(name: &str) -> Option<Attribution> {
    [
        Attribution::EventIp,
        Attribution::Workstation,
        Attribution::Peer,
    ]
    .into_iter()
    .find(|a| a.as_str() == name)
}

fn hex(bytes: &[u8; 16]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    if text.len() != 32 || !text.is_ascii() {
        return None;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn record(key: &TableKey, s: &SourceState) -> SourceRecord {
    let saturated = s.saturated();
    SourceRecord {
        key: match key.source_key() {
            SourceKey::Ip(ip) => KeyRecord::Ip(ip),
            SourceKey::Workstation(w) => KeyRecord::Workstation(w),
        },
        attribution: s.attribution.as_str().to_string(),
        newest_ms: s.newest_ms,
        alerted: s.alerted.map(|t| t.as_str().to_string()),
        detection_id: s.detection_id().as_ref().map(hex),
        codes: s
            .window
            .code_table()
            .into_iter()
            .map(|c| (c.value, style_name(c.style).to_string()))
            .collect(),
        failures: s.window.failure_parts(),
        samples: s.window.sample_entries(),
        frozen_names: if saturated {
            s.window.name_ids()
        } else {
            Vec::new()
        },
        relays: s.relays().to_vec(),
        hosts: s.hosts().map(str::to_string).collect(),
    }
}

fn state_from(r: SourceRecord) -> Result<(SourceKey, SourceState), String> {
    let key = match r.key {
        KeyRecord::Ip(ip) => SourceKey::Ip(ip),
        KeyRecord::Workstation(w) => SourceKey::Workstation(w),
    };
    let attribution = attribution_from(&r.attribution).ok_or("unknown attribution")?;
    let alerted = match r.alerted.as_deref() {
        None => None,
        Some(t) => Some(tier_from(t).ok_or("unknown tier")?),
    };
    let detection_id = match r.detection_id.as_deref() {
        None => None,
        Some(h) => Some(unhex(h).ok_or("bad detection_id")?),
    };
    let window = if alerted == Some(Tier::Critical) {
        SlidingWindow::frozen(r.frozen_names)
    } else {
        let codes = r
            .codes
            .iter()
            .map(|(value, style)| {
                style_from(style).map(|style| FailureCode {
                    value: *value,
                    style,
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or("unknown code style")?;
        SlidingWindow::from_parts(codes, r.failures, r.samples)
            .ok_or("inconsistent window (code slot out of range or too many failures)")?
    };
    let state = SourceState::from_parts(
        r.newest_ms,
        attribution,
        alerted,
        detection_id,
        window,
        r.relays,
        r.hosts,
    );
    Ok((key, state))
}

impl Engine {
    /// Writes the state (versioned format, see the module doc). Each source is read under
    /// its shard's read lock: observers of other shards go on; pass a buffered writer.
    pub fn snapshot(&self, w: &mut dyn Write) -> Result<(), SnapshotError> {
        writeln!(w, "{MAGIC} {SNAPSHOT_VERSION}")?;
        let header = Header {
            hash_key: [self.hash_key.k0, self.hash_key.k1],
            peers: self
                .peers
                .export()
                .into_iter()
                .map(|(peer, p)| PeerRecord {
                    peer,
                    relay: p.relay,
                    hosts: p.hosts,
                })
                .collect(),
        };
        serde_json::to_writer(&mut *w, &header).map_err(std::io::Error::from)?;
        w.write_all(b"\n")?;
        let mut count = 0u64;
        for entry in self.sources.iter() {
            let line = Line::Source(Box::new(record(entry.key(), entry.value())));
            serde_json::to_writer(&mut *w, &line).map_err(std::io::Error::from)?;
            w.write_all(b"\n")?;
            count += 1;
        }
        serde_json::to_writer(&mut *w, &Line::End { sources: count })
            .map_err(std::io::Error::from)?;
        w.write_all(b"\n")?;
        w.flush()?;
        Ok(())
    }

    /// Rebuilds an engine from a snapshot, with the given (possibly new) configuration.
    pub fn restore(
        cfg: DetectConfig,
        ids: Box<dyn IdSource>,
        r: &mut dyn Read,
    ) -> Result<Engine, SnapshotError> {
        let mut reader = BufReader::new(r);
        let mut line = String::new();
        let mut n = 1usize;
        reader.read_line(&mut line)?;
        let version = line
            .trim_end()
            .strip_prefix(MAGIC)
            .and_then(|v| v.strip_prefix(' '))
            .ok_or(SnapshotError::BadMagic)?;
        let found: u32 = version.parse().map_err(|_| SnapshotError::BadMagic)?;
        if found != SNAPSHOT_VERSION {
            return Err(SnapshotError::UnsupportedVersion {
                found,
                supported: SNAPSHOT_VERSION,
            });
        }
        let corrupt = |line: usize, reason: String| SnapshotError::Corrupt { line, reason };

        line.clear();
        n += 1;
        if reader.read_line(&mut line)? == 0 {
            return Err(SnapshotError::Truncated);
        }
        let header: Header = serde_json::from_str(&line).map_err(|e| corrupt(n, e.to_string()))?;
        let key = HashKey {
            k0: header.hash_key[0],
            k1: header.hash_key[1],
        };
        let engine = Engine::with_key(cfg, ids, key);
        for p in header.peers {
            engine.peers.import(
                p.peer,
                PeerState {
                    hosts: p.hosts,
                    relay: p.relay,
                },
            );
        }
        let mut restored = 0u64;
        loop {
            line.clear();
            n += 1;
            if reader.read_line(&mut line)? == 0 {
                return Err(SnapshotError::Truncated);
            }
            match serde_json::from_str::<Line>(&line).map_err(|e| corrupt(n, e.to_string()))? {
                Line::Source(r) => {
                    let (key, state) = state_from(*r).map_err(|e| corrupt(n, e))?;
                    if engine
                        .sources
                        .insert(TableKey::from(key), Box::new(state))
                        .is_none()
                    {
                        engine.tracked.fetch_add(1, Ordering::Relaxed);
                    }
                    restored += 1;
                }
                Line::End { sources } if sources == restored => return Ok(engine),
                Line::End { sources } => {
                    return Err(corrupt(
                        n,
                        format!("end marker says {sources} sources, found {restored}"),
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let id = [0xab; 16];
        assert_eq!(unhex(&hex(&id)), Some(id));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex(&"é".repeat(16)), None);
    }
}

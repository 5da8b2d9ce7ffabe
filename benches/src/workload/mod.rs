//! A realistic forwarded-Windows-events workload, pre-rendered once and then replayed:
//! a mix of payload formats from many reporting hosts, a share of authentication failures
//! (mostly users mistyping their own password), and a few enumeration campaigns hidden in
//! them (one source, many distinct usernames), placed at random positions.
//!
//! Everything is deterministic for a seed, so every receiver in a comparison sees the same
//! bytes.

pub mod civil;
pub mod events;
pub mod framing;
pub mod mix;
pub mod names;
pub mod render;
pub mod rng;

use std::net::IpAddr;

use rollcall_parse::AuthKind;

pub use events::{Actor, BenignKind, FailureSpec, WinEvent};
pub use framing::Framing;
pub use mix::FormatMix;
pub use render::{Envelope, PayloadFormat};
use rng::SplitMix64;

/// What to generate.
#[derive(Clone, Debug)]
pub struct WorkloadSpec {
    /// Messages in the pool (replays cycle over it).
    pub messages: usize,
    pub mix: FormatMix,
    /// Share of messages that are authentication failures the default rule counts.
    pub auth_failure_share: f64,
    /// Enumeration campaigns hidden in the failures.
    pub attackers: usize,
    /// Distinct usernames each attacker tries (15 reaches the default Medium tier).
    pub usernames_per_attacker: usize,
    /// Distinct reporting hosts (DCs and servers).
    pub senders: usize,
    /// Distinct benign users, each with its own workstation and address.
    pub users: usize,
    pub seed: u64,
    /// Event time of the last message; earlier messages are spread over the minute before.
    pub time_ms: i64,
    pub framing: Framing,
}

impl Default for WorkloadSpec {
    fn default() -> Self {
        WorkloadSpec {
            messages: 100_000,
            mix: FormatMix::default(),
            auth_failure_share: 0.05,
            attackers: 50,
            usernames_per_attacker: 20,
            senders: 200,
            users: 20_000,
            seed: 1589,
            time_ms: 1_763_892_930_000,
            framing: Framing::Lf,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error(
        "{attacker_events} attacker events do not fit in {failures} auth failures: \
         raise --messages or --auth-share, or lower --attackers"
    )]
    AttackersExceedFailures {
        attacker_events: usize,
        failures: usize,
    },
    #[error("auth failure share {0} is not in 0..=1")]
    ShareOutOfRange(f64),
    #[error("a workload needs at least one message")]
    Empty,
}

/// Counts describing a built workload.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkloadStats {
    pub messages: usize,
    pub auth_failures: usize,
    pub attacker_events: usize,
    pub benign_failures: usize,
    pub per_format: [usize; 4],
}

/// The role a message plays, decided before rendering.
#[derive(Clone, Copy, Debug)]
enum Slot {
    Attacker { attacker: u32, name: u32 },
    BenignFailure,
    Benign,
}

/// A pre-rendered, framed workload.
#[derive(Clone, Debug)]
pub struct Workload {
    pub framing: Framing,
    /// Every frame back to back.
    pub bytes: Vec<u8>,
    /// `ends[i]`: end offset of frame `i` in `bytes`.
    pub ends: Vec<usize>,
    /// Sum of message lengths, framing excluded.
    pub payload_bytes: u64,
    pub stats: WorkloadStats,
    /// Source address of every hidden attacker.
    pub attackers: Vec<IpAddr>,
}

impl Workload {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn start(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.ends[i - 1]
        }
    }

    /// Frame `i` as sent (framing included).
    pub fn frame(&self, i: usize) -> &[u8] {
        &self.bytes[self.start(i)..self.ends[i]]
    }

    /// Message `i` without framing.
    pub fn message(&self, i: usize) -> &[u8] {
        self.framing.unframe(self.frame(i))
    }

    /// Mean message length, framing excluded.
    pub fn mean_message_len(&self) -> f64 {
        self.payload_bytes as f64 / self.len().max(1) as f64
    }
}

/// The kinds an enumeration tool leaves behind, each with a code the default rule counts.
const ATTACK_KINDS: [FailureSpec; 3] = [
    FailureSpec {
        kind: AuthKind::Ntlm4625,
        code: 0xC000_0064,
    },
    FailureSpec {
        kind: AuthKind::Kerberos4768,
        code: 0x6,
    },
    FailureSpec {
        kind: AuthKind::Kerberos4771,
        code: 0x6,
    },
];

/// What users mistyping their own password produce.
const BENIGN_FAILURE_KINDS: [FailureSpec; 3] = [
    FailureSpec {
        kind: AuthKind::Ntlm4625,
        code: 0xC000_006A,
    },
    FailureSpec {
        kind: AuthKind::Kerberos4771,
        code: 0x18,
    },
    FailureSpec {
        kind: AuthKind::Ntlm4776,
        code: 0xC000_006A,
    },
];

/// Builds the workload `spec` describes.
pub fn build(spec: &WorkloadSpec) -> Result<Workload, SpecError> {
    if spec.messages == 0 {
        return Err(SpecError::Empty);
    }
    if !(0.0..=1.0).contains(&spec.auth_failure_share) {
        return Err(SpecError::ShareOutOfRange(spec.auth_failure_share));
    }
    let failures = (spec.messages as f64 * spec.auth_failure_share).round() as usize;
    let attacker_events = spec.attackers * spec.usernames_per_attacker;
    if attacker_events > failures {
        return Err(SpecError::AttackersExceedFailures {
            attacker_events,
            failures,
        });
    }
    let mut rng = SplitMix64::new(spec.seed);
    let mut slots = Vec::with_capacity(spec.messages);
    for a in 0..spec.attackers {
        for n in 0..spec.usernames_per_attacker {
            slots.push(Slot::Attacker {
                attacker: a as u32,
                name: n as u32,
            });
        }
    }
    slots.resize(failures, Slot::BenignFailure);
    slots.resize(spec.messages, Slot::Benign);
    rng.shuffle(&mut slots);

    let hosts: Vec<String> = (0..spec.senders.max(1) as u64)
        .map(names::sender_host)
        .collect();
    let attack_kind: Vec<FailureSpec> = (0..spec.attackers)
        .map(|_| ATTACK_KINDS[rng.index(ATTACK_KINDS.len())])
        .collect();
    let users = spec.users.max(1) as u64;

    let mut w = Workload {
        framing: spec.framing,
        bytes: Vec::with_capacity(spec.messages * 900),
        ends: Vec::with_capacity(spec.messages),
        payload_bytes: 0,
        stats: WorkloadStats {
            messages: spec.messages,
            auth_failures: failures,
            attacker_events,
            benign_failures: failures - attacker_events,
            per_format: [0; 4],
        },
        attackers: (0..spec.attackers as u64).map(names::attacker_ip).collect(),
    };
    let mut msg = Vec::with_capacity(4096);
    // Spread event times over the minute before `time_ms`: recent enough for any window and
    // clock-skew check, and never in the future.
    let step = (60_000 / spec.messages as i64).max(0);
    for (i, slot) in slots.iter().enumerate() {
        let format = spec.mix.pick(&mut rng);
        w.stats.per_format[format as usize] += 1;
        let host = &hosts[rng.index(hosts.len())];
        let env = Envelope {
            time_ms: spec.time_ms - (spec.messages - i) as i64 * step,
            host,
            record: 1_000_000 + i as u64,
        };
        let port = 49_152 + rng.below(16_000) as u16;
        let event = match *slot {
            Slot::Attacker { attacker, name } => {
                let username = names::account(u64::from(name));
                let ws = format!("KALI{attacker:03}");
                let who = Actor {
                    username: &username,
                    source: Some(names::attacker_ip(u64::from(attacker))),
                    workstation: &ws,
                    port,
                };
                events::failure_event(attack_kind[attacker as usize], &who)
            }
            Slot::BenignFailure => {
                let u = rng.below(users);
                let spec = BENIGN_FAILURE_KINDS[rng.index(BENIGN_FAILURE_KINDS.len())];
                user_event(u, port, |who| events::failure_event(spec, who))
            }
            Slot::Benign => {
                let u = rng.below(users);
                let kind = BenignKind::ALL[rng.weighted(&BenignKind::WEIGHTS)];
                user_event(u, port, |who| events::benign_event(kind, who))
            }
        };
        msg.clear();
        render::render(format, &env, &event, &mut msg);
        w.payload_bytes += msg.len() as u64;
        spec.framing.frame(&msg, &mut w.bytes);
        w.ends.push(w.bytes.len());
    }
    Ok(w)
}

/// An event of benign user `u`: always the same account, workstation and address, so a
/// user's own failures never look like enumeration.
fn user_event(u: u64, port: u16, make: impl FnOnce(&Actor<'_>) -> WinEvent) -> WinEvent {
    let username = names::account(u);
    let ws = names::workstation(u);
    make(&Actor {
        username: &username,
        source: Some(names::benign_ip(u)),
        workstation: &ws,
        port,
    })
}

/// Renders one failure on the fly (latency probes, hostile floods).
pub fn render_failure(
    format: PayloadFormat,
    env: &Envelope<'_>,
    spec: FailureSpec,
    who: &Actor<'_>,
    out: &mut Vec<u8>,
) {
    render::render(format, env, &events::failure_event(spec, who), out);
}

/// The failure kind used for probes and floods: 4625 with SubStatus 0xC0000064 (no such user).
pub const PROBE_FAILURE: FailureSpec = ATTACK_KINDS[0];

#[cfg(test)]
mod tests;

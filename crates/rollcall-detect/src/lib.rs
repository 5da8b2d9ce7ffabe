//! rollcall-detect: the sliding-window T1589 account-enumeration rule.
//!
//! [`Engine`] counts normalised authentication failures ([`rollcall_parse::AuthEvent`]) per
//! source in a sliding window on event time and raises an [`Offense`] when a source first
//! reaches a [`Tier`] of distinct usernames, and again on each escalation. It is pure: the
//! clock (`now_ms`) and the randomness of detection ids ([`IdSource`]) are injected, and it
//! touches no socket, file or environment. State is sharded (`dashmap`) so that worker
//! threads update it in place; memory is bounded (see [`DetectConfig::max_sources`] and
//! [`window::MAX_WINDOW_EVENTS`]); [`Engine::snapshot`]/[`Engine::restore`] carry it over
//! a restart.

#![forbid(unsafe_code)]

mod attribute;
pub mod config;
mod engine;
mod hashing;
mod hosts;
pub mod ids;
mod key;
pub mod offense;
pub mod relay;
pub mod snapshot;
mod source;
pub mod stats;
pub mod window;

pub use config::{CodeFilter, DetectConfig, Tiers};
pub use engine::Engine;
pub use ids::{IdSource, RandomIds, SequentialIds};
pub use offense::{Attribution, Offense, SourceKey, Tier};
pub use snapshot::SnapshotError;
pub use source::{MAX_RELAYS, MAX_REPORTING_HOSTS};
pub use stats::EngineStats;

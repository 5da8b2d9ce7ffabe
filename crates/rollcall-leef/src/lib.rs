//! rollcall-leef: turns detector [`Offense`](rollcall_detect::Offense)s into the lines rollcall
//! sends: LEEF 2.0 behind an RFC 3164 syslog header for QRadar ([`LeefWriter`]), or the JSON
//! form of DESIGN.md ([`JsonWriter`]). Pure: the writers append to a caller's buffer, never
//! touch sockets or clocks, and leave framing (LF, octet counting) to the transport.
//!
//! Background and the QRadar side: `notes/qradar-leef.md`; the format is fixed in DESIGN.md
//! ("LEEF offense output") and documented attribute by attribute in [`leef`].

pub mod config;
pub mod encode;
pub mod error;
pub mod json;
pub mod leef;
pub mod syslog_header;
pub mod values;

pub use config::{LeefConfig, DATAGRAM_MAX_BYTES, DEFAULT_FACILITY, STREAM_MAX_BYTES};
pub use encode::percent_decode;
pub use error::LeefConfigError;
pub use json::JsonWriter;
pub use leef::LeefWriter;

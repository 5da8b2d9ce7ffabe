//! rollcall-parse: pure, zero-copy parsers for everything Windows and Azure authentication
//! failures arrive in, and their normalisation to one [`AuthEvent`].
//!
//! Data flow: [`framing`] cuts a byte stream into frames; [`message::parse_message`] splits a
//! frame into a [`syslog`] header and a body whose [`payload::Format`] it recognises;
//! [`message::auth_event`] extracts [`fields::WinFields`] and [`normalise::classify`]s them.
//! [`message::parse_auth`] is the hot path that rejects irrelevant frames first.
//!
//! Nothing here performs I/O or reads a clock: callers pass the receive time in
//! [`message::ParseContext`].

pub mod error;
pub mod event;
pub mod fields;
pub mod frame_messages;
pub mod framing;
pub mod message;
pub mod normalise;
pub mod payload;
pub mod syslog;
pub mod time;

pub use error::ParseError;
pub use event::{AuthEvent, AuthKind, FailureCode};
pub use frame_messages::for_each_message;
pub use message::{auth_event, parse_auth, parse_message, Message, ParseContext};
pub use payload::Format;

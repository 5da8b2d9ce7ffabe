//! Parse errors: small, `Copy`, cheap to count per reason.

use thiserror::Error;

/// Why a frame or payload could not be parsed. Variants are stable labels for metrics
/// (`reason` = [`ParseError::reason`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Error)]
pub enum ParseError {
    #[error("empty message")]
    Empty,
    #[error("invalid PRI")]
    InvalidPri,
    #[error("invalid timestamp")]
    InvalidTimestamp,
    #[error("invalid RFC 5424 header")]
    InvalidRfc5424,
    #[error("invalid RFC 5424 structured data")]
    InvalidStructuredData,
    #[error("invalid LEEF header")]
    InvalidLeef,
    #[error("invalid CEF header")]
    InvalidCef,
    #[error("invalid JSON")]
    InvalidJson,
    #[error("invalid Snare MSWinEventLog record")]
    InvalidSnare,
    #[error("invalid key=value record")]
    InvalidKv,
    #[error("message is not valid UTF-8 where text was required")]
    NotUtf8,
    #[error("frame exceeds the maximum frame size")]
    FrameTooLarge,
    #[error("invalid octet count")]
    InvalidOctetCount,
    #[error("truncated record")]
    Truncated,
}

impl ParseError {
    /// Stable snake_case label for metrics and JSON output.
    pub fn reason(self) -> &'static str {
        match self {
            ParseError::Empty => "empty",
            ParseError::InvalidPri => "invalid_pri",
            ParseError::InvalidTimestamp => "invalid_timestamp",
            ParseError::InvalidRfc5424 => "invalid_rfc5424",
            ParseError::InvalidStructuredData => "invalid_structured_data",
            ParseError::InvalidLeef => "invalid_leef",
            ParseError::InvalidCef => "invalid_cef",
            ParseError::InvalidJson => "invalid_json",
            ParseError::InvalidSnare => "invalid_snare",
            ParseError::InvalidKv => "invalid_kv",
            ParseError::NotUtf8 => "not_utf8",
            ParseError::FrameTooLarge => "frame_too_large",
            ParseError::InvalidOctetCount => "invalid_octet_count",
            ParseError::Truncated => "truncated",
        }
    }
}

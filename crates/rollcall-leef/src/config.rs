//! What a [`crate::LeefWriter`] is configured with, and the checks made before it writes.

use crate::error::LeefConfigError;
use crate::syslog_header::MAX_FACILITY;

/// Syslog facility local4, rollcall's default.
pub const DEFAULT_FACILITY: u8 = 20;
/// Line budget for TCP and TLS outputs (under QRadar's TCP syslog payload length).
pub const STREAM_MAX_BYTES: usize = 4000;
/// Line budget for UDP outputs (RFC 3164's 1024-byte limit; QRadar's UDP default).
pub const DATAGRAM_MAX_BYTES: usize = 1024;
/// Longest accepted hostname (a DNS name is at most 253 bytes).
pub const MAX_HOSTNAME_BYTES: usize = 255;

/// Settings of one LEEF output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeefConfig {
    /// Syslog HOSTNAME: QRadar routes events to the log source whose identifier equals it.
    pub hostname: String,
    /// Syslog facility (0–23).
    pub facility: u8,
    /// Largest line, in bytes, excluding the transport's framing.
    pub max_bytes: usize,
}

impl LeefConfig {
    /// A TCP/TLS output: facility local4, 4000-byte lines.
    pub fn stream(hostname: impl Into<String>) -> Self {
        LeefConfig {
            hostname: hostname.into(),
            facility: DEFAULT_FACILITY,
            max_bytes: STREAM_MAX_BYTES,
        }
    }

    /// A UDP output: facility local4, 1024-byte datagrams. (At 1024 bytes the hostname may be
    /// up to 158 bytes; `LeefWriter::new` rejects longer ones, see its docs.)
    pub fn datagram(hostname: impl Into<String>) -> Self {
        LeefConfig {
            max_bytes: DATAGRAM_MAX_BYTES,
            ..LeefConfig::stream(hostname)
        }
    }

    /// Checks everything except `max_bytes` (which needs the writer to measure a line).
    pub(crate) fn validate_fields(&self) -> Result<(), LeefConfigError> {
        let host = &self.hostname;
        if host.is_empty() {
            return Err(LeefConfigError::EmptyHostname);
        }
        if host.len() > MAX_HOSTNAME_BYTES {
            return Err(LeefConfigError::HostnameTooLong {
                len: host.len(),
                max: MAX_HOSTNAME_BYTES,
            });
        }
        // A space would end the HOSTNAME field; control characters break the line.
        if let Some((at, _)) = host
            .char_indices()
            .find(|&(_, c)| c.is_whitespace() || c.is_control() || c == '\u{FEFF}')
        {
            return Err(LeefConfigError::InvalidHostname {
                hostname: host.clone(),
                at,
            });
        }
        if self.facility > MAX_FACILITY {
            return Err(LeefConfigError::FacilityOutOfRange(self.facility));
        }
        Ok(())
    }
}

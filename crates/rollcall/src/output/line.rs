//! One offense (or test event) → one line of text, in the output's configured format.

use rollcall_detect::Offense;
use rollcall_leef::values::{write_rfc3339_ms, write_uuid};
use rollcall_leef::{JsonWriter, LeefConfig, LeefWriter};

use crate::config::{OutputConfig, OutputFormat};

/// Formats lines for one output. Lines carry no terminator: the output frames them.
#[derive(Clone, Debug)]
pub enum LineFormat {
    Leef(LeefWriter),
    Json {
        /// `reporting_host` of the JSON test event.
        hostname: String,
    },
}

impl LineFormat {
    /// The format of `cfg`; `max_bytes` is the line budget of the transport.
    pub fn new(cfg: &OutputConfig, max_bytes: usize) -> anyhow::Result<LineFormat> {
        let hostname = cfg.hostname.clone().unwrap_or_else(machine_hostname);
        Ok(match cfg.format {
            OutputFormat::Leef => LineFormat::Leef(LeefWriter::new(LeefConfig {
                hostname,
                facility: cfg.facility,
                max_bytes,
            })?),
            OutputFormat::Json => LineFormat::Json { hostname },
        })
    }

    pub fn offense(&self, offense: &Offense, out: &mut Vec<u8>) {
        match self {
            LineFormat::Leef(w) => w.write_offense(offense, out),
            LineFormat::Json { .. } => JsonWriter::new().write_offense(offense, out),
        }
    }

    /// The `ROLLCALL_TEST` event (`send-test-event`), so an admin can check the path.
    pub fn test_event(&self, now_ms: i64, id: [u8; 16], out: &mut Vec<u8>) {
        match self {
            LineFormat::Leef(w) => w.write_test_event(now_ms, id, out),
            LineFormat::Json { hostname } => {
                out.extend_from_slice(b"{\"event\":\"ROLLCALL_TEST\",\"time\":\"");
                write_rfc3339_ms(out, now_ms);
                out.extend_from_slice(b"\",\"detection_id\":\"");
                write_uuid(out, id);
                out.extend_from_slice(b"\",\"reporting_host\":");
                // serde_json escapes whatever the hostname holds.
                let _ = serde_json::to_writer(&mut *out, hostname);
                out.push(b'}');
            }
        }
    }
}

/// The kernel's hostname: the syslog HOSTNAME when `hostname` is not configured.
pub fn machine_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && !h.contains(char::is_whitespace))
        .unwrap_or_else(|| "rollcall".to_owned())
}

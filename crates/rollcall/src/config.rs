//! The TOML configuration (DESIGN.md "Configuration"): schema, defaults, validation.
//!
//! The schema types below are the contract between config loading, the listeners, the
//! detector and the outputs. Validation turns them into runtime values (`detect::DetectConfig`,
//! TLS configs) and reports every error with file:line.

mod detect;
mod duration;
mod errors;
mod load;
mod validate;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

pub use duration::parse_duration;
// `ConfigErrors` is what `load` returns: part of the contract for parse/replay/send-test-event.
#[allow(unused_imports)]
pub use errors::ConfigErrors;
#[cfg(test)]
pub(crate) use load::parse_named;
pub use load::{load, EMBEDDED_NAME};

/// The configuration shipped in the binary and used when `--config` is absent.
pub const DEFAULT_CONFIG: &str = include_str!("../../../config/rollcall.toml");

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub listen: Vec<ListenConfig>,
    #[serde(default)]
    pub detection: DetectionConfig,
    #[serde(default)]
    pub output: Vec<OutputConfig>,
    #[serde(default)]
    pub metrics: MetricsConfig,
    #[serde(default)]
    pub state: StateConfig,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ListenProtocol {
    Udp,
    Tcp,
    Tls,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FramingConfig {
    /// Per connection: RFC 6587 octet counting if the first byte is a digit, else LF.
    #[default]
    Auto,
    Lf,
    Octet,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ListenConfig {
    pub protocol: ListenProtocol,
    pub address: SocketAddr,
    #[serde(default)]
    pub framing: FramingConfig,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Turns on mutual TLS: clients must present a certificate signed by this CA.
    pub tls_client_ca: Option<PathBuf>,
    /// Senders outside these CIDRs are dropped and counted. Empty = everyone.
    #[serde(default)]
    pub allowed_senders: Vec<ipnet::IpNet>,
    /// Largest frame accepted; longer ones are counted, discarded and resynchronised.
    #[serde(default = "defaults::max_frame_size")]
    pub max_frame_size: usize,
    /// TCP/TLS: most concurrent connections on this listener.
    #[serde(default = "defaults::max_connections")]
    pub max_connections: usize,
    /// TCP/TLS: close a connection idle for this long ("10m").
    #[serde(default = "defaults::idle_timeout")]
    pub idle_timeout: String,
    /// UDP: SO_RCVBUF to request, bytes.
    #[serde(default = "defaults::udp_recv_buffer")]
    pub recv_buffer: usize,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DetectionConfig {
    #[serde(default = "defaults::window")]
    pub window: String,
    #[serde(default)]
    pub tiers: TiersConfig,
    #[serde(default)]
    pub collectors: Vec<ipnet::IpNet>,
    #[serde(default)]
    pub exclude_sources: Vec<ipnet::IpNet>,
    /// Case-insensitive regexes.
    #[serde(default)]
    pub exclude_usernames: Vec<String>,
    #[serde(default = "defaults::max_clock_skew")]
    pub max_clock_skew: String,
    #[serde(default = "defaults::max_sources")]
    pub max_sources: usize,
    /// Failure codes counted per kind; absent = DESIGN.md defaults.
    #[serde(default)]
    pub codes: Option<CodesConfig>,
    /// A sender that reports failures for at least this many distinct client hosts is
    /// treated as a relay even when it is not listed in `collectors`.
    #[serde(default = "defaults::relay_host_threshold")]
    pub relay_host_threshold: usize,
    /// Usernames listed in an offense.
    #[serde(default = "defaults::sample_size")]
    pub sample_size: usize,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TiersConfig {
    pub medium: u64,
    pub high: u64,
    pub critical: u64,
}

/// Code lists as strings (`"0xC0000064"`, `"50034"`), compared case-insensitively.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CodesConfig {
    #[serde(default)]
    pub ntlm_4625: Vec<String>,
    #[serde(default)]
    pub kerberos_4771: Vec<String>,
    #[serde(default)]
    pub kerberos_4768: Vec<String>,
    #[serde(default)]
    pub ntlm_4776: Vec<String>,
    #[serde(default)]
    pub azure_signin: Vec<String>,
    /// SSPR probing has no code list: `true` counts it.
    #[serde(default = "defaults::yes")]
    pub azure_sspr: bool,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutputProtocol {
    Tcp,
    Tls,
    Udp,
    File,
    Stdout,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    #[default]
    Leef,
    Json,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutputFraming {
    #[default]
    Lf,
    Octet,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    pub protocol: OutputProtocol,
    /// tcp/tls/udp: `host:port`.
    pub address: Option<String>,
    /// syslog HOSTNAME = QRadar log source identifier. Default: the machine's hostname.
    pub hostname: Option<String>,
    /// Durable spool for network outputs. Default: `<state.dir>/spool/<output index>`.
    pub spool_dir: Option<PathBuf>,
    #[serde(default)]
    pub format: OutputFormat,
    /// file output.
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub framing: OutputFraming,
    /// tls: CA bundle to verify the receiver; default: none (must be set for tls).
    pub tls_ca: Option<PathBuf>,
    /// tls: name to verify in the receiver's certificate; default: host part of `address`.
    pub tls_server_name: Option<String>,
    pub tls_client_cert: Option<PathBuf>,
    pub tls_client_key: Option<PathBuf>,
    /// Largest spool on disk before the oldest offenses are dropped (counted).
    #[serde(default = "defaults::spool_max_bytes")]
    pub spool_max_bytes: u64,
    /// Syslog facility for the PRI (default local4 = 20).
    #[serde(default = "defaults::facility")]
    pub facility: u8,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// Prometheus `/metrics` and `/healthz`; absent disables the endpoint.
    pub address: Option<SocketAddr>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StateConfig {
    /// Detector snapshot directory; absent = no persistence.
    pub dir: Option<PathBuf>,
    /// How often the detector state is snapshotted while running ("5m").
    #[serde(default = "defaults::snapshot_interval")]
    pub snapshot_interval: String,
}

impl Default for DetectionConfig {
    fn default() -> Self {
        toml::from_str("").expect("empty detection table uses defaults")
    }
}

impl Default for TiersConfig {
    fn default() -> Self {
        TiersConfig {
            medium: 15,
            high: 50,
            critical: 100,
        }
    }
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            address: Some(SocketAddr::from(([127, 0, 0, 1], 9898))),
        }
    }
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            dir: None,
            snapshot_interval: defaults::snapshot_interval(),
        }
    }
}

pub mod defaults {
    pub fn max_frame_size() -> usize {
        64 * 1024
    }
    pub fn max_connections() -> usize {
        4096
    }
    pub fn idle_timeout() -> String {
        "10m".into()
    }
    pub fn udp_recv_buffer() -> usize {
        8 * 1024 * 1024
    }
    pub fn window() -> String {
        "1h".into()
    }
    pub fn max_clock_skew() -> String {
        "5m".into()
    }
    pub fn max_sources() -> usize {
        1_000_000
    }
    pub fn relay_host_threshold() -> usize {
        20
    }
    pub fn sample_size() -> usize {
        10
    }
    pub fn yes() -> bool {
        true
    }
    pub fn spool_max_bytes() -> u64 {
        256 * 1024 * 1024
    }
    pub fn facility() -> u8 {
        20
    }
    pub fn snapshot_interval() -> String {
        "5m".into()
    }
}

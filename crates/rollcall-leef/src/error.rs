//! Configuration errors of the writers (checked once, at start-up).

/// Why a [`crate::LeefConfig`] was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeefConfigError {
    #[error("output hostname is empty: set it to the QRadar log source identifier")]
    EmptyHostname,
    #[error(
        "output hostname {hostname:?} has white space or a control character at byte {at}: \
         the syslog HOSTNAME (QRadar log source identifier) must be one word"
    )]
    InvalidHostname { hostname: String, at: usize },
    #[error("output hostname is {len} bytes long; at most {max} are allowed")]
    HostnameTooLong { len: usize, max: usize },
    #[error("syslog facility {0} is out of range (0–23; local4 = 20)")]
    FacilityOutOfRange(u8),
    #[error(
        "max_bytes {max_bytes} is too small: an offense line with this hostname can need \
         {needed} bytes even after trimming every optional attribute"
    )]
    MaxBytesTooSmall { max_bytes: usize, needed: usize },
}

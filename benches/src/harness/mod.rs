//! The sending and measuring half of the load harness: paced senders over TCP/UDP, an
//! observer that samples a receiver's own counters and its `/proc` figures, offense-file
//! matching, and the latency probe.

pub mod hostile;
pub mod latency;
pub mod observe;
pub mod offenses;
pub mod pace;
pub mod procstat;
pub mod send;
pub mod summary;
pub mod table;
pub mod watch;

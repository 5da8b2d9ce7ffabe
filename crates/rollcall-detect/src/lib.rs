//! rollcall-detect: the sliding-window T1589 account-enumeration rule. (Being written: issue 4.)

pub mod offense;

pub use offense::{Attribution, Offense, SourceKey, Tier};

//! Test support for the EVTX archive tests: our own EVTX writer and the Security-log fixtures
//! written with it (`tests/fixtures/evtx/`).

pub mod security;
pub mod writer;

//! rollcall-benches: criterion benches of every stage (`benches/`) and the end-to-end load
//! harness (`src/bin/loadgen.rs`, `src/bin/bare_receiver.rs`, `compare.sh`, `hostile.sh`).
//! The library holds what the harness binaries and their smoke test share.

#[path = "src/workload/mod.rs"]
pub mod workload;

#[path = "src/harness/mod.rs"]
pub mod harness;

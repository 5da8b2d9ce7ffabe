//! The running appliance behind `rollcall run`: start-up, reload (SIGHUP), shutdown
//! (SIGTERM/SIGINT), housekeeping, and what systemd is told about each.

mod appliance;
mod fanout;
mod housekeeping;
mod notify;
mod state;

pub use appliance::run;

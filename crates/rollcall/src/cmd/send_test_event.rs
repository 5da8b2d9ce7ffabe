//! `rollcall send-test-event [--config PATH]`: sends one `ROLLCALL_TEST` event to every
//! configured output and reports, per output, whether it was accepted at the transport level.
//!
//! Network outputs get their own short connection, not the spool: the point is to check the
//! path to QRadar now (address, firewall, TLS trust, client certificate), and it is safe to
//! run next to the appliance. "Accepted" means: TCP/TLS connected (TLS handshake and
//! certificate checks passed), the line was written, and the receiver did not reset the
//! connection or reject us with a TLS alert within 2 s; UDP: the datagram left (UDP says no
//! more). QRadar sends no application-level acknowledgement, so whether it also *parsed and
//! mapped* the event is checked in its Log Activity (qradar/README.md).
//!
//! Exit status: 0 when every output accepted the event, 1 otherwise.

use std::path::Path;
use std::process::ExitCode;

use prometheus_client::registry::Registry;

use crate::config::{self, OutputProtocol};
use crate::output;

pub fn run(config_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = match config::load(config_path) {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("rollcall: {} config error(s), nothing sent", errors.len());
            return Ok(ExitCode::from(1));
        }
    };
    let now_ms = crate::clock::now_ms();
    let mut failed = 0usize;
    for (index, cfg) in config.output.iter().enumerate() {
        let (name, result) = match cfg.protocol {
            OutputProtocol::Tcp | OutputProtocol::Tls | OutputProtocol::Udp => (
                output::net::output_name(cfg),
                output::net::send_test_event(cfg, now_ms),
            ),
            OutputProtocol::File | OutputProtocol::Stdout => {
                // A scratch registry: these metrics are never served.
                match output::build(cfg, index, None, &mut Registry::default()) {
                    Ok(out) => (
                        out.name().to_owned(),
                        out.send_test(now_ms).map(|()| "written"),
                    ),
                    Err(e) => (format!("{:?}", cfg.protocol).to_lowercase(), Err(e)),
                }
            }
        };
        match result {
            Ok(how) => println!("output[{index}] {name}: accepted ({how})"),
            Err(e) => {
                failed += 1;
                println!("output[{index}] {name}: NOT accepted: {e:#}");
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

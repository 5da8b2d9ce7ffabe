//! Mutual TLS on a syslog listener (RFC 5425), driven by `openssl s_client`: a client with a
//! certificate from the configured CA gets its events counted; a client with a certificate
//! from another CA, or none, is rejected at the handshake and counted as a drop.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

use common::{
    certs, config_with_listeners, enumeration, metric_value, require_tool, Rollcall, ATTACKER,
};

/// RFC 5425 frames (`LEN SP MSG`) of the scenario from `source`, each with an RFC 5424
/// header whose timestamp is nil (the receive time is used).
fn octet_counted_scenario(source: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for event in enumeration(15, source) {
        let msg = format!("<13>1 - dc01 Microsoft-Windows-Security-Auditing - - - {event}");
        out.extend_from_slice(format!("{} {msg}", msg.len()).as_bytes());
    }
    out
}

/// Runs `openssl s_client` against `addr` with `extra` arguments, writes `payload`, and
/// closes at end of input. Returns whether s_client reported success.
fn s_client(
    addr: SocketAddr,
    ca: &std::path::Path,
    extra: &[&std::ffi::OsStr],
    payload: &[u8],
) -> bool {
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &addr.to_string(),
            "-servername",
            "localhost",
            "-quiet",
            "-no_ign_eof",
        ])
        .arg("-CAfile")
        .arg(ca)
        .args(["-verify_return_error"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("running openssl s_client");
    {
        let mut stdin = child.stdin.take().unwrap();
        // The server may already have closed on a rejected client: ignore EPIPE.
        let _ = stdin.write_all(payload);
    }
    child.wait().unwrap().success()
}

#[test]
fn mutual_tls_counts_our_clients_and_rejects_strangers() {
    if !require_tool("openssl") {
        return;
    }
    let pki_dir = tempfile::tempdir().unwrap();
    let pki = certs::generate(pki_dir.path());
    let rollcall = Rollcall::start(&config_with_listeners(&format!(
        "[[listen]]\nprotocol = \"tls\"\naddress = \"127.0.0.1:0\"\ntls_cert = {:?}\ntls_key = {:?}\ntls_client_ca = {:?}\n",
        pki.server_cert, pki.server_key, pki.ca
    )));
    let addr = rollcall.listener("tls");
    let handshake_drops = "rollcall_drops_total{reason=\"tls_handshake\"}";

    // A stranger: a certificate from another CA, sending its own enumeration.
    let stranger = "198.51.100.66";
    s_client(
        addr,
        &pki.ca,
        &[
            "-cert".as_ref(),
            pki.rogue_cert.as_os_str(),
            "-key".as_ref(),
            pki.rogue_key.as_os_str(),
        ],
        &octet_counted_scenario(stranger),
    );
    rollcall.wait_for_metric(handshake_drops, 1.0);
    // No certificate at all.
    s_client(addr, &pki.ca, &[], &octet_counted_scenario(stranger));
    rollcall.wait_for_metric(handshake_drops, 2.0);

    // Our relay, with a certificate from the configured CA.
    let accepted = s_client(
        addr,
        &pki.ca,
        &[
            "-cert".as_ref(),
            pki.client_cert.as_os_str(),
            "-key".as_ref(),
            pki.client_key.as_os_str(),
        ],
        &octet_counted_scenario(ATTACKER),
    );
    assert!(accepted, "s_client with a good certificate failed");
    let line = rollcall.wait_for_stdout(&[&format!("src={ATTACKER}"), "suspicion_score=Medium"]);
    assert!(line.contains("unique_usernames=15"), "{line}");

    let series =
        format!("rollcall_messages_received_total{{listener=\"tls/{addr}\",protocol=\"tls\"}}");
    rollcall.wait_for_metric(&series, 15.0);
    let text = rollcall.scrape();
    // Only the accepted client's frames were read; the strangers' never reached the parser.
    assert_eq!(metric_value(&text, &series), Some(15.0), "{text}");
    assert_eq!(metric_value(&text, handshake_drops), Some(2.0), "{text}");
    assert_eq!(
        metric_value(&text, "rollcall_tracked_sources"),
        Some(1.0),
        "{text}"
    );
    assert!(rollcall
        .stdout_lines()
        .iter()
        .all(|l| !l.contains(stranger)));
    assert!(
        rollcall
            .stderr_lines()
            .iter()
            .any(|l| l.contains("reason=tls_handshake") || l.contains("reason=\"tls_handshake\"")),
        "the rejection is logged"
    );
}

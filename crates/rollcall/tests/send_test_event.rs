//! `rollcall send-test-event`: one `ROLLCALL_TEST` event to every output, and a per-output
//! report of whether the transport accepted it (exit 1 if any did not).
//!
//! Real peers on loopback: the stand-in QRadar receiver process (TCP, and TLS requiring a
//! client certificate), a UDP socket, a file. What arrives is read by nsyslog-parser.

mod common;
mod qradar_support;

use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{certs, free_tcp_port, require_tool};
use qradar_support::{field, nsyslog_parse, received, Receiver, ReceiverTls};

fn send_test_event(config: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["send-test-event", "--config"])
        .arg(config)
        .output()
        .expect("running rollcall send-test-event")
}

fn report(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The receiver writes what it read; give it a moment (polled, not timed).
fn wait_received(path: &Path, n: usize) -> Vec<(String, String)> {
    let start = Instant::now();
    loop {
        let got = received(path);
        if got.len() >= n || start.elapsed() > Duration::from_secs(30) {
            return got;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn check_test_line(line: &str, hostname: &str) {
    let Some(parsed) = nsyslog_parse(&[line.to_owned()]) else {
        return;
    };
    let p = &parsed[0];
    assert_eq!(p["host"], hostname, "{line}");
    assert_eq!(p["leef"]["eventID"], "ROLLCALL_TEST", "{line}");
    assert_eq!(p["leef"]["vendor"], "Rollcall");
    assert_eq!(field(p, "cat"), Some("Reconnaissance"));
    assert_eq!(field(p, "sev"), Some("1"));
    assert_eq!(field(p, "src"), Some("192.0.2.1"));
    let id = field(p, "detection_id").unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
}

#[test]
fn every_output_gets_the_test_event_and_the_report_says_so() {
    if !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tcp_port = free_tcp_port();
    let tcp_log = dir.path().join("tcp.log");
    let _receiver = Receiver::start(tcp_port, &tcp_log, None);
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let file = dir.path().join("out.log");
    let config = dir.path().join("rollcall.toml");
    std::fs::write(
        &config,
        format!(
            "[[listen]]\nprotocol = \"udp\"\naddress = \"127.0.0.1:0\"\n\n\
             [[output]]\nprotocol = \"tcp\"\naddress = \"127.0.0.1:{tcp_port}\"\nhostname = \"rc-tcp\"\nspool_dir = \"{spool0}\"\n\n\
             [[output]]\nprotocol = \"udp\"\naddress = \"{udp}\"\nhostname = \"rc-udp\"\nspool_dir = \"{spool1}\"\n\n\
             [[output]]\nprotocol = \"file\"\npath = \"{file}\"\nhostname = \"rc-file\"\n",
            spool0 = dir.path().join("spool0").display(),
            spool1 = dir.path().join("spool1").display(),
            udp = udp.local_addr().unwrap(),
            file = file.display(),
        ),
    )
    .unwrap();

    let out = send_test_event(&config);
    let lines = report(&out);
    assert!(
        out.status.success(),
        "{lines:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("output[0] tcp/127.0.0.1:{tcp_port}: accepted")),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("output[1] udp/127.0.0.1:") && lines[1].contains(": accepted"),
        "{lines:?}"
    );
    assert!(
        lines[2].starts_with("output[2] file/") && lines[2].contains(": accepted"),
        "{lines:?}"
    );

    let got = wait_received(&tcp_log, 1);
    assert_eq!(got.len(), 1, "exactly one event over TCP: {got:?}");
    assert_eq!(got[0].0, "lf");
    check_test_line(&got[0].1, "rc-tcp");

    let mut buf = [0u8; 2048];
    let n = udp.recv(&mut buf).expect("the UDP datagram");
    let datagram = std::str::from_utf8(&buf[..n]).unwrap();
    assert!(
        !datagram.ends_with('\n'),
        "one message per datagram, no terminator"
    );
    check_test_line(datagram, "rc-udp");

    let written = std::fs::read_to_string(&file).unwrap();
    check_test_line(written.trim_end(), "rc-file");

    // The test event is not an offense: nothing was spooled.
    for spool in ["spool0", "spool1"] {
        assert!(!dir.path().join(spool).exists(), "{spool} was not created");
    }
}

#[test]
fn a_receiver_that_is_down_is_reported_and_fails_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_tcp_port(); // nothing listens there
    let file = dir.path().join("out.log");
    let config = dir.path().join("rollcall.toml");
    std::fs::write(
        &config,
        format!(
            "[[listen]]\nprotocol = \"udp\"\naddress = \"127.0.0.1:0\"\n\n\
             [[output]]\nprotocol = \"file\"\npath = \"{}\"\n\n\
             [[output]]\nprotocol = \"tcp\"\naddress = \"127.0.0.1:{port}\"\nspool_dir = \"{}\"\n",
            file.display(),
            dir.path().join("spool").display()
        ),
    )
    .unwrap();
    let out = send_test_event(&config);
    let lines = report(&out);
    assert_eq!(out.status.code(), Some(1), "{lines:?}");
    assert!(lines[0].contains(": accepted"), "{lines:?}");
    assert!(
        lines[1].starts_with(&format!("output[1] tcp/127.0.0.1:{port}: NOT accepted"))
            && lines[1].contains("connect"),
        "{lines:?}"
    );
    // The other outputs still got theirs.
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("ROLLCALL_TEST"));
}

#[test]
fn tls_needs_the_right_ca_and_client_certificate() {
    if !require_tool("python3") || !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = certs::generate(dir.path());
    let port = free_tcp_port();
    let log = dir.path().join("tls.log");
    let _receiver = Receiver::start(
        port,
        &log,
        Some(&ReceiverTls {
            cert: &pki.server_cert,
            key: &pki.server_key,
            client_ca: Some(&pki.ca),
        }),
    );
    let run = |ca: &Path, client: Option<(&Path, &Path)>| {
        let config = dir.path().join("rollcall.toml");
        let client = client.map_or(String::new(), |(cert, key)| {
            format!(
                "tls_client_cert = \"{}\"\ntls_client_key = \"{}\"\n",
                cert.display(),
                key.display()
            )
        });
        std::fs::write(
            &config,
            format!(
                "[[listen]]\nprotocol = \"udp\"\naddress = \"127.0.0.1:0\"\n\n\
                 [[output]]\nprotocol = \"tls\"\naddress = \"127.0.0.1:{port}\"\nhostname = \"rc-tls\"\n\
                 tls_ca = \"{}\"\ntls_server_name = \"localhost\"\n{client}spool_dir = \"{}\"\n",
                ca.display(),
                dir.path().join("spool").display()
            ),
        )
        .unwrap();
        let out = send_test_event(&config);
        (out.status.code(), report(&out).join("\n"))
    };

    let (code, text) = run(&pki.ca, Some((&pki.client_cert, &pki.client_key)));
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(": accepted"), "{text}");
    let got = wait_received(&log, 1);
    assert_eq!(got.len(), 1, "{got:?}");
    check_test_line(&got[0].1, "rc-tls");

    // No client certificate: the receiver refuses it after the handshake.
    let (code, text) = run(&pki.ca, None);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("NOT accepted"), "{text}");

    // A receiver certificate from a CA we do not trust.
    let (code, text) = run(&pki.rogue_ca, Some((&pki.client_cert, &pki.client_key)));
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("NOT accepted"), "{text}");

    assert_eq!(received(&log).len(), 1, "only the accepted event arrived");
}

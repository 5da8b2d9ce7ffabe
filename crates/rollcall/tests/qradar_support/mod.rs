//! Helpers of the QRadar delivery tests: the stand-in receiver process
//! (`tools/syslog_receiver.py`) and the independent LEEF parser (`tests/leef-check/check.js`,
//! nsyslog-parser).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// TLS settings of the receiver: certificate, key, and the CA client certificates must be
/// signed by (mutual TLS) if any.
pub struct ReceiverTls<'a> {
    pub cert: &'a Path,
    pub key: &'a Path,
    pub client_ca: Option<&'a Path>,
}

/// The receiver process, SIGKILLed on drop.
pub struct Receiver {
    child: Child,
    pub port: u16,
}

impl Receiver {
    /// Starts the receiver on 127.0.0.1:`port`, appending what it takes to `out`; returns
    /// once it listens.
    pub fn start(port: u16, out: &Path, tls: Option<&ReceiverTls<'_>>) -> Receiver {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/syslog_receiver.py");
        let mut command = Command::new("python3");
        command
            .arg(script)
            .args(["--port", &port.to_string(), "--out"])
            .arg(out);
        if let Some(tls) = tls {
            command.arg("--tls").arg(tls.cert).arg(tls.key);
            if let Some(ca) = tls.client_ca {
                command.arg("--client-ca").arg(ca);
            }
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting python3 tests/tools/syslog_receiver.py");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert_eq!(
            first.trim(),
            format!("listening {port}"),
            "the receiver did not start"
        );
        Receiver { child, port }
    }

    /// SIGKILL: the kernel closes its connections; unread bytes are lost, as with a crash.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every message the receiver wrote to `out` so far: (framing seen, message).
pub fn received(out: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(out).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(framing, msg)| (framing.to_owned(), msg.to_owned()))
        .collect()
}

fn leef_check_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/leef-check")
}

/// Parses `lines` with nsyslog-parser (one JSON object per line, see check.js). `None` when
/// node or the parser is missing (a failure under CI).
pub fn nsyslog_parse(lines: &[String]) -> Option<Vec<Value>> {
    let dir = leef_check_dir();
    let node_ok = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let installed = dir
        .join("node_modules/nsyslog-parser/package.json")
        .is_file();
    if !(node_ok && installed) {
        assert!(
            std::env::var_os("CI").is_none(),
            "node and nsyslog-parser (npm ci in tests/leef-check) are required under CI"
        );
        eprintln!(
            "SKIPPED the nsyslog-parser check: node or tests/leef-check/node_modules missing"
        );
        return None;
    }
    let mut child = Command::new("node")
        .arg(dir.join("check.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let mut stdin = child.stdin.take().unwrap();
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("node runs");
    writer.join().unwrap().expect("write to node");
    assert!(
        output.status.success(),
        "check.js failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("check.js prints JSON"))
        .collect();
    assert_eq!(parsed.len(), lines.len(), "one parse per line");
    Some(parsed)
}

/// A field of an nsyslog parse, as sent (values stay percent-encoded).
pub fn field<'a>(parsed: &'a Value, key: &str) -> Option<&'a str> {
    parsed["fields"].get(key).and_then(Value::as_str)
}

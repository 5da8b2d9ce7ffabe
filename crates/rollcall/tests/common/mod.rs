//! Shared helpers for the binary-level tests: run the real `rollcall` on loopback, learn its
//! ports from its log, scrape its metrics, read its stdout; drive real clients.
//!
//! Nothing here asserts on timing: "wait until" helpers poll until a generous deadline, and
//! reaching the deadline is a failure with the process's log attached.

#![allow(dead_code)]

pub mod certs;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long "soon" may take on a loaded 2-core machine. Not a timing assertion.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A running `rollcall run --config …`, killed on drop.
pub struct Rollcall {
    child: Child,
    pub dir: tempfile::TempDir,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    /// `(protocol, bound address)` per listener, in config order.
    pub listeners: Vec<(String, SocketAddr)>,
    pub metrics: SocketAddr,
}

fn collect_lines(stream: impl Read + Send + 'static, into: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            into.lock().unwrap().push(line);
        }
    });
}

/// The value of `key=` in a log line (`key=value` or `key="value"`).
fn log_field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!(" {key}="))? + key.len() + 2;
    let rest = &line[start..];
    let value = rest.split_whitespace().next()?;
    Some(value.trim_matches('"'))
}

impl Rollcall {
    /// Starts rollcall with `config` (TOML). The config must bind every listener and
    /// `[metrics]` to port 0 on loopback; this waits until all are bound and `/healthz` is ok.
    pub fn start(config: &str) -> Rollcall {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollcall.toml");
        std::fs::write(&path, config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
            .args(["run", "--config"])
            .arg(&path)
            .env("RUST_LOG", "info")
            .env_remove("JOURNAL_STREAM")
            .env_remove("NOTIFY_SOCKET")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting rollcall");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        collect_lines(child.stdout.take().unwrap(), stdout.clone());
        collect_lines(child.stderr.take().unwrap(), stderr.clone());
        let expected = config.matches("[[listen]]").count();
        let start = Instant::now();
        let (listeners, metrics) = loop {
            let lines = stderr.lock().unwrap().clone();
            let listeners: Vec<(String, SocketAddr)> = lines
                .iter()
                .filter(|l| l.contains(" listening ") && l.contains(" listener="))
                .filter_map(|l| {
                    let (protocol, addr) = log_field(l, "listener")?.split_once('/')?;
                    Some((protocol.to_owned(), addr.parse().ok()?))
                })
                .collect();
            let metrics = lines
                .iter()
                .filter(|l| l.contains("metrics endpoint listening"))
                .find_map(|l| log_field(l, "address")?.parse::<SocketAddr>().ok());
            if let (Some(metrics), true) = (metrics, listeners.len() >= expected) {
                break (listeners, metrics);
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "rollcall exited during startup ({status}):\n{}",
                    lines.join("\n")
                );
            }
            assert!(
                start.elapsed() < DEADLINE,
                "rollcall did not start:\n{}",
                lines.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let rollcall = Rollcall {
            child,
            dir,
            stdout,
            stderr,
            listeners,
            metrics,
        };
        rollcall.wait_until("/healthz ok", |r| {
            r.http_get("/healthz")
                .is_some_and(|(status, body)| status == 200 && body.trim() == "ok")
        });
        rollcall
    }

    /// The bound address of the first listener of `protocol`.
    pub fn listener(&self, protocol: &str) -> SocketAddr {
        self.listeners
            .iter()
            .find(|(p, _)| p == protocol)
            .map(|(_, a)| *a)
            .unwrap_or_else(|| panic!("no {protocol} listener in {:?}", self.listeners))
    }

    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// `(status, body)` of a GET on the metrics endpoint; `None` if it cannot be reached.
    pub fn http_get(&self, path: &str) -> Option<(u16, String)> {
        http_get(self.metrics, path)
    }

    pub fn scrape(&self) -> String {
        self.http_get("/metrics")
            .expect("metrics endpoint reachable")
            .1
    }

    /// Polls until `probe` holds; at the deadline, fails with rollcall's log and metrics.
    pub fn wait_until(&self, what: &str, probe: impl Fn(&Rollcall) -> bool) {
        let start = Instant::now();
        while !probe(self) {
            if start.elapsed() > DEADLINE {
                panic!(
                    "never happened: {what}\n--- stderr ---\n{}\n--- stdout ---\n{}\n--- metrics ---\n{}",
                    self.stderr_lines().join("\n"),
                    self.stdout_lines().join("\n"),
                    self.http_get("/metrics").map(|r| r.1).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for a stdout line containing every one of `needles`, and returns it.
    pub fn wait_for_stdout(&self, needles: &[&str]) -> String {
        let found = |r: &Rollcall| {
            r.stdout_lines()
                .into_iter()
                .find(|l| needles.iter().all(|n| l.contains(n)))
        };
        self.wait_until(&format!("a stdout line with {needles:?}"), |r| {
            found(r).is_some()
        });
        found(self).unwrap()
    }

    /// Waits until the metric series (`name{labels}` as exposed) reaches at least `min`.
    pub fn wait_for_metric(&self, series: &str, min: f64) {
        self.wait_until(&format!("{series} >= {min}"), |r| {
            metric_value(&r.scrape(), series).is_some_and(|v| v >= min)
        });
    }
}

impl Drop for Rollcall {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- rollcall stderr ---\n{}",
                self.stderr_lines().join("\n")
            );
        }
    }
}

/// A minimal HTTP/1.1 GET (the endpoint answers one request per connection).
pub fn http_get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n")?.1.to_owned();
    Some((status, body))
}

/// The value of one series in an OpenMetrics text (`series` up to the space before the value).
pub fn metric_value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// A config with the given `[[listen]]` blocks, stdout LEEF output, metrics on port 0.
pub fn config_with_listeners(listen_blocks: &str) -> String {
    format!(
        "{listen_blocks}\n\n[[output]]\nprotocol = \"stdout\"\nformat = \"leef\"\nhostname = \"rollcall-test\"\n\n[metrics]\naddress = \"127.0.0.1:0\"\n"
    )
}

// ---- the scenario: one attacker enumerating accounts ----

/// The attacker of the scenarios (TEST-NET-3).
pub const ATTACKER: &str = "203.0.113.7";

/// The Windows Event Viewer text of a 4625 "no such user", flattened to one line the way
/// forwarders do, after the event ID (`4625: …`). Without an ID the hot path's pre-filter
/// (`may_hold_auth_failure`) currently skips rendered text: see the issue-5 report.
pub fn rendered_4625(user: &str, source_ip: &str) -> String {
    format!(
        "4625: An account failed to log on. Subject: Security ID: S-1-5-18 Account Name: DC01$ Account Domain: CORP Logon ID: 0x3E7 Logon Type: 3 Account For Which Logon Failed: Security ID: S-1-0-0 Account Name: {user} Account Domain: CORP Failure Information: Failure Reason: Unknown user name or bad password. Status: 0xC000006D Sub Status: 0xC0000064 Process Information: Caller Process ID: 0x0 Caller Process Name: - Network Information: Workstation Name: KALI Source Network Address: {source_ip} Source Port: 51515 Detailed Authentication Information: Logon Process: NtLmSsp Authentication Package: NTLM"
    )
}

/// The same event as NXLog sends it in LEEF 2.0.
pub fn leef_4625(user: &str, source_ip: &str) -> String {
    format!(
        "LEEF:2.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4625|^|TargetUserName={user}^TargetDomainName=CORP^Status=0xC000006D^SubStatus=0xC0000064^LogonType=3^WorkstationName=KALI^IpAddress={source_ip}^Computer=DC01.corp.example"
    )
}

/// `n` distinct usernames, half rendered text and half LEEF, from `source_ip`.
pub fn enumeration(n: usize, source_ip: &str) -> Vec<String> {
    (0..n)
        .map(|i| {
            let user = format!("probe{i:03}");
            if i % 2 == 0 {
                rendered_4625(&user, source_ip)
            } else {
                leef_4625(&user, source_ip)
            }
        })
        .collect()
}

/// Runs util-linux `logger` with `args`, one message per stdin line.
pub fn logger(args: &[&str], messages: &[String]) {
    let mut child = Command::new("logger")
        .args(args)
        // The rendered events are ~700 bytes; logger's default limit is 1 KiB.
        .args(["--size", "8192"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running logger (util-linux)");
    {
        let mut stdin = child.stdin.take().unwrap();
        for m in messages {
            writeln!(stdin, "{m}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "logger failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether an external tool is available. Missing: a failure under CI, a skip otherwise.
pub fn require_tool(name: &str) -> bool {
    let found = std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths)
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
            .any(|dir| dir.join(name).is_file())
    });
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is required under CI but not installed"
        );
        eprintln!("skipping: {name} is not installed");
    }
    found
}

/// A free loopback TCP port (bound, read and released: a tiny race, fine for tests).
pub fn free_tcp_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls a TCP connect until it succeeds (a daemon's listener is up).
pub fn wait_for_tcp(addr: SocketAddr, what: &str) {
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err() {
        assert!(
            start.elapsed() < DEADLINE,
            "{what} never listened on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A private rsyslogd in the foreground (`-n`), killed on drop.
pub struct Rsyslog {
    child: Child,
    pub dir: PathBuf,
}

impl Rsyslog {
    /// Starts `rsyslogd -n -f CONF -i PIDFILE`; `conf` is the whole config.
    pub fn start(dir: &Path, conf: &str) -> Rsyslog {
        let conf_path = dir.join("rsyslog.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let binary = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"]
            .into_iter()
            .find(|p| Path::new(p).is_file())
            .unwrap_or("rsyslogd");
        let child = Command::new(binary)
            .arg("-n")
            .arg("-f")
            .arg(&conf_path)
            .arg("-i")
            .arg(dir.join("rsyslogd.pid"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting rsyslogd");
        Rsyslog {
            child,
            dir: dir.to_owned(),
        }
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

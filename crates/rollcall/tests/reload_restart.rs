//! The appliance's lifecycle through the real binary: SIGHUP applies a new config without
//! losing detector state, a broken config is rejected and the running one kept, SIGTERM
//! exits 0 with a snapshot, and a restart continues the windows where they were.
//!
//! No timing assertions: every wait polls a condition until a generous deadline.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);
const ATTACKER: &str = "203.0.113.7";

/// A config: one TCP listener on an ephemeral port, JSON offenses to a file, state on disk.
fn config(dir: &Path, medium: u64, high: u64, critical: u64) -> String {
    format!(
        "[[listen]]\nprotocol = \"tcp\"\naddress = \"127.0.0.1:0\"\n\n\
         [detection]\ntiers = {{ medium = {medium}, high = {high}, critical = {critical} }}\n\n\
         [[output]]\nprotocol = \"file\"\nformat = \"json\"\npath = \"{}\"\n\n\
         [metrics]\naddress = \"127.0.0.1:0\"\n\n\
         [state]\ndir = \"{}\"\n",
        dir.join("offenses.jsonl").display(),
        dir.join("state").display()
    )
}

/// A 4625 "no such user" as NXLog forwards it (RFC 5424 with a nil timestamp: the receive
/// time is the event time, so the scenario always falls inside the window).
fn failed_logon(user: &str) -> String {
    format!(
        "<14>1 - DC01.corp.example NXLog - - - LEEF:1.0|NXLog|Microsoft-Windows-Security-Auditing|5.8|4625|\
         EventID=4625\tTargetUserName={user}\tTargetDomainName=CORP\tStatus=0xc000006d\t\
         SubStatus=0xc0000064\tLogonType=3\tWorkstationName=KALI\tIpAddress={ATTACKER}\tIpPort=51515\n"
    )
}

struct Appliance {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
    tcp: SocketAddr,
    metrics: SocketAddr,
}

impl Appliance {
    fn start(config_path: &Path) -> Appliance {
        Appliance::start_with(config_path, None)
    }

    /// `notify_socket`: a datagram socket standing in for systemd's `NOTIFY_SOCKET`.
    fn start_with(config_path: &Path, notify_socket: Option<&Path>) -> Appliance {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
        command
            .args(["run", "--config"])
            .arg(config_path)
            .env("RUST_LOG", "info")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .env_remove("WATCHDOG_PID")
            .env_remove("JOURNAL_STREAM");
        if let Some(socket) = notify_socket {
            command
                .env("NOTIFY_SOCKET", socket)
                .env("WATCHDOG_USEC", "2000000");
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rollcall");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = stderr.clone();
        let pipe = child.stderr.take().expect("stderr piped");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                sink.lock().expect("log lock").push(line);
            }
        });
        let mut appliance = Appliance {
            child,
            stderr,
            tcp: SocketAddr::from(([0, 0, 0, 0], 0)),
            metrics: SocketAddr::from(([0, 0, 0, 0], 0)),
        };
        let ready = appliance.wait_for_log(" ready ", 0);
        appliance.tcp = field(&ready, "listeners")
            .and_then(|l| l.strip_prefix("tcp/"))
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no tcp listener in {ready:?}"));
        let metrics_line = appliance.wait_for_log("metrics endpoint listening", 0);
        appliance.metrics = field(&metrics_line, "address")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no metrics address in {metrics_line:?}"));
        appliance
    }

    fn log(&self) -> Vec<String> {
        self.stderr.lock().expect("log lock").clone()
    }

    /// Waits for a log line containing `needle` at index ≥ `from`; returns it.
    fn wait_for_log(&mut self, needle: &str, from: usize) -> String {
        let start = Instant::now();
        loop {
            if let Some(line) = self
                .log()
                .into_iter()
                .skip(from)
                .find(|l| l.contains(needle))
            {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "rollcall exited ({status}) before logging {needle:?}:\n{}",
                    self.log().join("\n")
                );
            }
            assert!(
                start.elapsed() < DEADLINE,
                "never logged {needle:?}:\n{}",
                self.log().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Sends one connection's worth of failed logons and waits until the detector has seen
    /// `expect_total` auth events in all (so the next step sees their effect).
    fn send(&self, users: &[String], expect_total: u64) {
        let mut stream = TcpStream::connect(self.tcp).expect("connect to the tcp listener");
        for user in users {
            stream
                .write_all(failed_logon(user).as_bytes())
                .expect("send");
        }
        drop(stream);
        let start = Instant::now();
        loop {
            let seen = scrape(self.metrics)
                .and_then(|m| metric(&m, "rollcall_auth_events_total{kind=\"ntlm_4625\"}"));
            if seen.is_some_and(|v| v >= expect_total as f64) {
                return;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "auth events never reached {expect_total} (last {seen:?}):\n{}",
                self.log().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "rollcall did not exit:\n{}",
                self.log().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Appliance {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `key=value` (value up to the next space) in a log line.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!("{key}="))? + key.len() + 1;
    line.get(start..)?.split_whitespace().next()
}

fn scrape(addr: SocketAddr) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response.split_once("\r\n\r\n")?.1.to_owned())
}

fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// The offenses written so far, parsed.
fn offenses(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("offense line is JSON"))
        .collect()
}

fn wait_for_offenses(path: &Path, n: usize, app: &Appliance) -> Vec<serde_json::Value> {
    let start = Instant::now();
    loop {
        let found = offenses(path);
        if found.len() >= n {
            return found;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "expected {n} offenses, have {found:?}:\n{}",
            app.log().join("\n")
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn users(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("probe{i:03}")).collect()
}

#[test]
fn reload_keeps_state_rejects_bad_config_and_restart_restores_windows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config_path: PathBuf = dir.path().join("rollcall.toml");
    let offense_log = dir.path().join("offenses.jsonl");
    let snapshot = dir.path().join("state").join("detector.snapshot");

    // 1. Tiers 10/20/30: four distinct usernames raise nothing.
    std::fs::write(&config_path, config(dir.path(), 10, 20, 30)).expect("write config");
    let mut app = Appliance::start(&config_path);
    app.send(&users(0..4), 4);
    assert!(
        offenses(&offense_log).is_empty(),
        "{:?}",
        offenses(&offense_log)
    );

    // 2. Reload with medium = 3: the four already seen are kept, so the fifth username
    //    crosses the new threshold (a reset engine would be at 1, the old tiers at 10).
    std::fs::write(&config_path, config(dir.path(), 3, 8, 30)).expect("write config");
    let mark = app.log().len();
    app.signal("HUP");
    app.wait_for_log(" reloaded ", mark);
    app.send(&users(4..5), 5);
    let found = wait_for_offenses(&offense_log, 1, &app);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["source"], ATTACKER);
    assert_eq!(found[0]["suspicion_score"], "Medium");
    assert_eq!(found[0]["unique_usernames"], 5);

    // 3. A broken config is rejected; the running one (medium 3, high 8) stays in force.
    std::fs::write(&config_path, "[detection]\nwindow = \"1x\"\nbogus = 1\n").expect("write");
    let mark = app.log().len();
    app.signal("HUP");
    let rejected = app.wait_for_log("reload rejected", mark);
    assert!(rejected.contains("rollcall.toml:2:"), "{rejected}");
    app.send(&users(5..6), 6);
    assert_eq!(
        offenses(&offense_log).len(),
        1,
        "a repeat within a tier stays quiet"
    );

    // 4. SIGTERM: exit 0 with a snapshot of the six usernames.
    app.signal("TERM");
    let status = app.wait_exit();
    assert_eq!(status.code(), Some(0), "{}", app.log().join("\n"));
    assert!(snapshot.exists(), "no snapshot at {}", snapshot.display());
    drop(app);

    // 5. Restart (same valid config as before the broken edit): two more usernames reach
    //    eight only if the six before the restart were restored.
    std::fs::write(&config_path, config(dir.path(), 3, 8, 30)).expect("write config");
    let mut app = Appliance::start(&config_path);
    app.wait_for_log("detector state restored", 0);
    app.send(&users(6..8), 2);
    let found = wait_for_offenses(&offense_log, 2, &app);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[1]["suspicion_score"], "High");
    assert_eq!(found[1]["unique_usernames"], 8);
    assert_eq!(
        found[1]["detection_id"], found[0]["detection_id"],
        "an escalation continues the same campaign"
    );
    app.signal("TERM");
    assert_eq!(app.wait_exit().code(), Some(0));
}

#[test]
fn sigint_also_stops_cleanly_and_writes_a_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config_path = dir.path().join("rollcall.toml");
    std::fs::write(&config_path, config(dir.path(), 3, 8, 30)).expect("write config");
    let mut app = Appliance::start(&config_path);
    app.send(&users(0..2), 2);
    app.signal("INT");
    assert_eq!(app.wait_exit().code(), Some(0), "{}", app.log().join("\n"));
    let snapshot = std::fs::read_to_string(dir.path().join("state").join("detector.snapshot"))
        .expect("snapshot written");
    assert!(
        snapshot.contains(ATTACKER),
        "the tracked source is in the snapshot"
    );
}

#[test]
fn a_corrupt_snapshot_is_moved_aside_and_the_appliance_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).expect("state dir");
    std::fs::write(state.join("detector.snapshot"), b"not a snapshot\n").expect("corrupt");
    let config_path = dir.path().join("rollcall.toml");
    std::fs::write(&config_path, config(dir.path(), 3, 8, 30)).expect("write config");
    let mut app = Appliance::start(&config_path);
    app.wait_for_log("moved aside", 0);
    let aside = std::fs::read_dir(&state)
        .expect("list state")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().contains("corrupt-"));
    assert!(aside, "the unreadable snapshot is kept for inspection");
    app.signal("TERM");
    assert_eq!(app.wait_exit().code(), Some(0));
}

/// What systemd would hear, in order: READY=1 with a STATUS, RELOADING=1 with
/// MONOTONIC_USEC then READY=1 for each SIGHUP (also a rejected one), WATCHDOG=1 from the
/// housekeeping loop, STOPPING=1 on SIGTERM.
#[test]
fn systemd_is_told_ready_reloading_watchdog_and_stopping() {
    use std::os::unix::net::UnixDatagram;

    let dir = tempfile::tempdir().expect("tempdir");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(DEADLINE))
        .expect("socket timeout");
    let next = || {
        let mut buf = [0u8; 4096];
        let n = socket
            .recv(&mut buf)
            .expect("a notification before the deadline");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let config_path = dir.path().join("rollcall.toml");
    std::fs::write(&config_path, config(dir.path(), 3, 8, 30)).expect("write config");
    let mut app = Appliance::start_with(&config_path, Some(&socket_path));

    // Watchdog pings may interleave with everything below: skip them while matching.
    let next_state = || loop {
        let msg = next();
        if msg != "WATCHDOG=1\n" {
            return msg;
        }
    };
    let ready = next_state();
    assert!(
        ready.starts_with("READY=1\nSTATUS=ready: listening on tcp/127.0.0.1:"),
        "{ready:?}"
    );

    app.signal("HUP");
    let reloading = next_state();
    assert!(
        reloading.starts_with("RELOADING=1\nMONOTONIC_USEC="),
        "{reloading:?}"
    );
    let reloaded = next_state();
    assert!(
        reloaded.starts_with("READY=1\nSTATUS=reloaded"),
        "{reloaded:?}"
    );

    std::fs::write(&config_path, "nonsense = [").expect("break the config");
    app.signal("HUP");
    assert!(next_state().starts_with("RELOADING=1\n"));
    let rejected = next_state();
    assert!(
        rejected.starts_with("READY=1\nSTATUS=reload rejected"),
        "{rejected:?}"
    );

    // WATCHDOG_USEC = 2 s: the housekeeping loop pings every second. Wait for one.
    while next() != "WATCHDOG=1\n" {}

    app.signal("TERM");
    let stopping = loop {
        let msg = next();
        if msg != "WATCHDOG=1\n" {
            break msg;
        }
    };
    assert!(stopping.starts_with("STOPPING=1\n"), "{stopping:?}");
    assert_eq!(app.wait_exit().code(), Some(0));
}

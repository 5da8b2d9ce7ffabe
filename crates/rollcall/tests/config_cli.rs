//! `rollcall check-config` and `run` on bad configs, through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn rollcall(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .output()
        .expect("run rollcall")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    path
}

fn default_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/rollcall.toml")
}

const GOOD: &str = "[[listen]]\nprotocol = \"udp\"\naddress = \"127.0.0.1:1514\"\n\n[[output]]\nprotocol = \"stdout\"\n";

#[test]
fn shipped_default_config_is_valid() {
    let path = default_config();
    let out = rollcall(&["check-config", path.to_str().expect("utf-8 path")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(": ok"));
}

#[test]
fn minimal_config_is_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "good.toml", GOOD);
    let out = rollcall(&["check-config", path.to_str().expect("utf-8 path")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Each broken line → its `file:line:` and the key named in the message.
#[test]
fn every_error_is_printed_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "\
[[listen]]
protocol = \"tls\"
address = \"0.0.0.0:6514\"
colour = \"blue\"

[detection]
window = \"1x\"
exclude_usernames = [\"^svc_\", \"([unclosed\"]

[[output]]
protocol = \"stdout\"
";
    let path = write(dir.path(), "broken.toml", text);
    let p = path.to_str().expect("utf-8 path");
    let out = rollcall(&["check-config", p]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expect = [
        (format!("{p}:1:"), "tls_cert"),
        (format!("{p}:1:"), "tls_key"),
        (format!("{p}:4:"), "unknown field `colour`"),
        (format!("{p}:7:"), "invalid duration \"1x\""),
        (format!("{p}:8:"), "([unclosed"),
    ];
    for (prefix, needle) in &expect {
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(prefix.as_str()) && l.contains(needle)),
            "no line starting {prefix:?} containing {needle:?} in:\n{stderr}"
        );
    }
    let error_lines = stderr.lines().filter(|l| l.starts_with(p)).count();
    // Five errors plus the summary line (which also starts with the path).
    assert_eq!(error_lines, 6, "{stderr}");
}

#[test]
fn syntax_error_is_reported_with_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "syntax.toml", &format!("{GOOD}\n[metrics\n"));
    let p = path.to_str().expect("utf-8 path");
    let out = rollcall(&["check-config", p]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with(&format!("{p}:8:")), "{stderr}");
}

#[test]
fn missing_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("absent.toml");
    let out = rollcall(&["check-config", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config"));
}

#[test]
fn run_refuses_a_broken_config_before_binding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "bad.toml",
        &format!("{GOOD}\n[state]\nsnapshot_interval = \"soon\"\n"),
    );
    let p = path.to_str().expect("utf-8 path");
    let out = rollcall(&["run", "--config", p]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{p}:9:")), "{stderr}");
    assert!(stderr.contains("snapshot_interval"), "{stderr}");
}

//! `rollcall parse`: the real binary over fixtures of every supported format
//! (`tests/fixtures/parse/NAME` with the expected output in `NAME.expected`, one JSON line per
//! message, written by hand from DESIGN.md), plus input handling: stdin, several files,
//! octet-counted streams, JSON documents, corrupt and missing inputs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const FIXTURES: [&str; 12] = [
    "rfc5424.log",
    "rfc3164.log",
    "leef.log",
    "cef.log",
    "winlogbeat.ndjson",
    "nxlog.ndjson",
    "azure_signin.ndjson",
    "azure_sspr.ndjson",
    "snare.log",
    "wincollect.log",
    "text.log",
    "azure_export.json",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/parse")
        .join(name)
}

fn rollcall(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rollcall");
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(data).expect("write stdin");
    }
    child.wait_with_output().expect("wait for rollcall")
}

fn json_lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8(bytes.to_vec())
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
}

fn expected(name: &str) -> Vec<Value> {
    let text = std::fs::read(fixture(&format!("{name}.expected"))).expect("expected file");
    json_lines(&text)
}

fn parse_files(files: &[PathBuf]) -> Output {
    let args: Vec<&str> = std::iter::once("parse")
        .chain(files.iter().map(|p| p.to_str().expect("UTF-8 path")))
        .collect();
    rollcall(&args, None)
}

#[test]
fn every_format_parses_to_its_expected_lines() {
    let mut failures = Vec::new();
    for name in FIXTURES {
        let out = parse_files(&[fixture(name)]);
        assert!(out.status.success(), "{name}: {out:?}");
        let got = json_lines(&out.stdout);
        let want = expected(name);
        if got != want {
            failures.push(format!(
                "{name}:\n  got:  {}\n  want: {}",
                got.iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join("\n        "),
                want.iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join("\n        ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn lines_carry_exactly_the_design_keys() {
    let out = parse_files(&[fixture("rfc5424.log")]);
    for line in json_lines(&out.stdout) {
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["format", "error", "auth"]);
        if let Some(auth) = line["auth"].as_object() {
            for key in [
                "time",
                "kind",
                "code",
                "username",
                "source_ip",
                "host",
                "relay",
            ] {
                assert!(auth.contains_key(key), "auth lacks {key}: {line}");
            }
        }
    }
}

#[test]
fn several_files_are_read_in_order() {
    let files: Vec<PathBuf> = FIXTURES.iter().map(|n| fixture(n)).collect();
    let out = parse_files(&files);
    assert!(out.status.success());
    let want: Vec<Value> = FIXTURES.iter().flat_map(|n| expected(n)).collect();
    assert_eq!(json_lines(&out.stdout), want);
}

#[test]
fn stdin_is_read_with_dash_or_without_files() {
    let data = std::fs::read(fixture("leef.log")).unwrap();
    for args in [&["parse", "-"][..], &["parse"][..]] {
        let out = rollcall(args, Some(&data));
        assert!(out.status.success());
        assert_eq!(json_lines(&out.stdout), expected("leef.log"), "{args:?}");
    }
    // A JSON document on stdin is recognised as such too.
    let data = std::fs::read(fixture("azure_export.json")).unwrap();
    let out = rollcall(&["parse", "-"], Some(&data));
    assert_eq!(json_lines(&out.stdout), expected("azure_export.json"));
}

#[test]
fn crlf_nul_and_a_missing_final_newline_are_handled() {
    let text = std::fs::read_to_string(fixture("rfc5424.log")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let data = format!("{}\r\n\r\n{}\0{}", lines[0], lines[1], lines[2]);
    let out = rollcall(&["parse"], Some(data.as_bytes()));
    assert_eq!(json_lines(&out.stdout), expected("rfc5424.log"));
}

#[test]
fn octet_counted_streams_are_framed_by_count() {
    // Each frame carries an embedded LF, which line framing would split.
    let text = std::fs::read_to_string(fixture("leef.log")).unwrap();
    let mut stream = Vec::new();
    for line in text.lines() {
        let frame = format!("{line}\n continued");
        write!(stream, "{} {}", frame.len(), frame).unwrap();
    }
    let out = rollcall(&["parse", "--framing", "octet", "-"], Some(&stream));
    assert!(out.status.success(), "{out:?}");
    let got = json_lines(&out.stdout);
    assert_eq!(got.len(), 3);
    let want = expected("leef.log");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g["format"], w["format"]);
        assert_eq!(g["auth"]["kind"], w["auth"]["kind"]);
        assert_eq!(g["auth"]["username"], w["auth"]["username"]);
    }
    // Line framing of the same bytes yields more, broken, messages.
    let out = rollcall(&["parse", "-"], Some(&stream));
    assert_ne!(json_lines(&out.stdout).len(), 3);
}

#[test]
fn envelopes_yield_one_line_per_record() {
    let signin = std::fs::read_to_string(fixture("azure_signin.ndjson")).unwrap();
    let records: Vec<&str> = signin.lines().collect();
    let envelope = format!("{{\"records\":[{},{}]}}\n", records[0], records[1]);
    let out = rollcall(&["parse"], Some(envelope.as_bytes()));
    assert_eq!(json_lines(&out.stdout), expected("azure_signin.ndjson"));
}

/// The same envelope relayed in one syslog line (an Event Hub consumer forwarding batches).
#[test]
fn an_envelope_behind_a_syslog_header_yields_one_line_per_record() {
    let signin = std::fs::read_to_string(fixture("azure_signin.ndjson")).unwrap();
    let records: Vec<&str> = signin.lines().collect();
    let line = format!(
        "<14>1 2026-11-23T03:20:00Z eventhub-relay azure - - - {{\"records\":[{},{}]}}\n",
        records[0], records[1]
    );
    let out = rollcall(&["parse"], Some(line.as_bytes()));
    let got = json_lines(&out.stdout);
    let want = expected("azure_signin.ndjson");
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        for key in ["kind", "code", "username", "source_ip", "time"] {
            assert_eq!(g["auth"][key], w["auth"][key], "{key}: {g} vs {w}");
        }
    }
}

#[test]
fn a_truncated_document_is_reported_and_later_files_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken-export.json");
    let full = std::fs::read_to_string(fixture("azure_export.json")).unwrap();
    // Cut inside the second element.
    let cut = full.find("leo@").unwrap();
    std::fs::write(&broken, &full[..cut]).unwrap();
    let out = parse_files(&[broken.clone(), fixture("cef.log")]);
    assert!(
        out.status.success(),
        "a corrupt record is not a failed input"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken-export.json"), "{stderr}");
    assert!(stderr.contains("record 2"), "{stderr}");
    let got = json_lines(&out.stdout);
    // The good first element, the broken second one (reported by the parser), then cef.log.
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0], expected("azure_export.json")[0]);
    assert_eq!(got[1]["auth"], Value::Null);
    assert!(got[1]["error"].is_string());
    assert_eq!(got[2], expected("cef.log")[0]);
}

#[test]
fn a_missing_file_fails_after_the_others_ran() {
    let out = parse_files(&[fixture("does-not-exist.log"), fixture("cef.log")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does-not-exist.log"), "{stderr}");
    assert_eq!(json_lines(&out.stdout), expected("cef.log"));
}

#[test]
fn a_file_with_the_evtx_magic_but_no_valid_header_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake.evtx");
    let mut data = b"ElfFile\0".to_vec();
    data.extend_from_slice(&[0xAB; 100]);
    std::fs::write(&fake, data).unwrap();
    let out = parse_files(&[fake, fixture("cef.log")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fake.evtx"), "{stderr}");
    assert_eq!(json_lines(&out.stdout), expected("cef.log"));
}

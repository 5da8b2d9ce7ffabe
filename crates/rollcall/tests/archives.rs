//! EVTX archives: `rollcall parse` and `rollcall replay` over the real `.evtx` files of the
//! shared corpus, checked against an independent decoder (python-evtx, through
//! `tests/tools/evtx_dump_auth.py`, which restates the Windows semantics on its own).
//!
//! Skipped when the corpus (`../shared/corpus/evtx` next to the workspace) is absent. When
//! python-evtx is missing the tests fail if `CI` is set (CI must install it) and skip
//! otherwise. No EVTX fixture is committed: the corpus files may not be copied into the
//! project and the project has no EVTX writer; the JSON-document and NDJSON input paths are
//! covered by our own fixtures in `parse_cmd.rs`.
//!
//! Times are compared to the millisecond with a tolerance of 1 ms: python-evtx converts
//! FILETIMEs through floating point and is sometimes 1 µs short (`.192999` for `.193`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

const KERBRUTE: &str = "mdecrevoisier_ID4768-4771-Kerberos_user_enumeration_Kerbrute.evtx";
const KERBEROS_UNKNOWN_USERS: &str =
    "mdecrevoisier_ID4768-4771-Kerberos_brutforce_non_existing_users.evtx";

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/evtx");
    dir.is_dir().then_some(dir)
}

fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "evtx"))
        .collect();
    files.sort();
    files
}

/// python-evtx's view of one file (one JSON object per record), cached across tests.
fn python_decode(file: &Path) -> Option<Arc<Vec<Value>>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<Vec<Value>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap().get(file) {
        return Some(hit.clone());
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/evtx_dump_auth.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(file)
        .stdin(Stdio::null())
        .output();
    let missing = match &out {
        Err(_) => true,
        Ok(o) => o.status.code() == Some(3),
    };
    if missing {
        if std::env::var_os("CI").is_some() {
            panic!("python3 with python-evtx is required in CI (pip install python-evtx)");
        }
        eprintln!("skipping: python-evtx is not installed (pip install python-evtx)");
        return None;
    }
    let out = out.unwrap();
    assert!(
        out.status.success(),
        "evtx_dump_auth.py failed on {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let records = Arc::new(records);
    cache
        .lock()
        .unwrap()
        .insert(file.to_path_buf(), records.clone());
    Some(records)
}

fn rollcall(args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run rollcall");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "rollcall {args:?}: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// Epoch ms of `YYYY-MM-DDTHH:MM:SS.mmmZ` (the only form both tools print).
fn epoch_ms(t: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| t[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400_000 + n(11..13) * 3_600_000 + n(14..16) * 60_000 + n(17..19) * 1000 + n(20..23)
}

fn same_time(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(a), Some(b)) => (epoch_ms(a) - epoch_ms(b)).abs() <= 1,
        _ => false,
    }
}

#[test]
fn parse_agrees_with_python_evtx_on_every_auth_record() {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipping: no shared corpus");
        return;
    };
    let files = corpus_files(&dir);
    assert!(!files.is_empty());
    // python-evtx is slow on the 3,561-record file: decode the files in parallel.
    let decoded: Vec<Option<Arc<Vec<Value>>>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .iter()
            .map(|f| s.spawn(move || python_decode(f)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut auth_records = 0;
    for (file, python) in files.iter().zip(decoded) {
        let Some(python) = python else { return };
        let (stdout, stderr) = rollcall(&["parse", file.to_str().unwrap()]);
        assert!(stderr.is_empty(), "{}: {stderr}", file.display());
        let ours: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let name = file.file_name().unwrap().to_string_lossy();
        assert_eq!(ours.len(), python.len(), "{name}: record count");
        for (i, (o, p)) in ours.iter().zip(python.iter()).enumerate() {
            assert_eq!(o["format"], "json", "{name} #{i}");
            assert_eq!(o["error"], Value::Null, "{name} #{i}");
            let (oa, pa) = (&o["auth"], &p["auth"]);
            if pa.is_null() {
                assert!(oa.is_null(), "{name} record {}: {o} vs {p}", p["record_id"]);
                continue;
            }
            auth_records += 1;
            for key in ["kind", "code", "username", "source_ip", "host"] {
                assert_eq!(oa[key], pa[key], "{name} record {}: {key}", p["record_id"]);
            }
            assert!(
                same_time(&oa["time"], &pa["time"]),
                "{name} record {}: {} vs {}",
                p["record_id"],
                oa["time"],
                pa["time"]
            );
        }
    }
    // The corpus README counts 3,561 + 10 + 5 + 2 + 49 + 37 + 54 + 16 authentication
    // failures among 4,053 events; insist that most of them were compared.
    assert!(
        auth_records > 3_700,
        "only {auth_records} auth records compared"
    );
}

/// Default code lists of DESIGN.md for the Kerberos kinds.
fn counted(kind: &str, code: &str) -> bool {
    matches!(
        (kind, code),
        ("kerberos_4771", "0x6" | "0x18") | ("kerberos_4768", "0x6")
    )
}

#[derive(Debug)]
struct Expected {
    source: String,
    tier: &'static str,
    unique: u64,
    total: u64,
    first: String,
    last: String,
    codes: BTreeMap<String, u64>,
}

/// The reference rule over python-evtx's records: per source, a sliding 1 h window on event
/// time, tiers at 15 / 50 / 100 distinct (case-insensitive) usernames, an offense when a
/// source first reaches a tier and on every escalation.
fn expected_offenses(records: &[Value]) -> Vec<Expected> {
    let mut events: Vec<(i64, String, String, String, String)> = records
        .iter()
        .filter_map(|r| {
            let a = &r["auth"];
            let (kind, code) = (a["kind"].as_str()?, a["code"].as_str()?);
            assert!(kind.starts_with("kerberos_"), "only Kerberos files here");
            let user = a["username"].as_str()?.to_lowercase();
            let ip = a["source_ip"].as_str()?;
            let excluded_user = ["", "-", "n/a", "anonymous logon"].contains(&user.as_str());
            (counted(kind, code) && !excluded_user && ip != "127.0.0.1" && ip != "::1").then(
                || {
                    let t = a["time"].as_str()?.to_owned();
                    Some((epoch_ms(&t), t, ip.to_owned(), user, code.to_owned()))
                },
            )?
        })
        .collect();
    events.sort_by_key(|e| e.0);
    let mut windows: BTreeMap<String, Vec<(i64, String, String, String)>> = BTreeMap::new();
    let mut reached: BTreeMap<String, usize> = BTreeMap::new();
    let tiers = [("Medium", 15u64), ("High", 50), ("Critical", 100)];
    let mut out = Vec::new();
    for (t, text, ip, user, code) in events {
        let w = windows.entry(ip.clone()).or_default();
        w.push((t, text, user, code));
        w.retain(|e| e.0 >= t - 3_600_000);
        let unique = w.iter().map(|e| &e.2).collect::<BTreeSet<_>>().len() as u64;
        let tier = tiers.iter().rposition(|(_, n)| unique >= *n);
        let done = reached.entry(ip.clone()).or_insert(usize::MAX);
        if let Some(tier) = tier {
            if *done == usize::MAX || tier > *done {
                *done = tier;
                let mut codes = BTreeMap::new();
                for e in w.iter() {
                    *codes.entry(e.3.clone()).or_insert(0) += 1;
                }
                out.push(Expected {
                    source: ip.clone(),
                    tier: tiers[tier].0,
                    unique,
                    total: w.len() as u64,
                    first: w.iter().min_by_key(|e| e.0).unwrap().1.clone(),
                    last: w.iter().max_by_key(|e| e.0).unwrap().1.clone(),
                    codes,
                });
            }
        }
    }
    out
}

fn check_replay(file_name: &str) {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipping: no shared corpus");
        return;
    };
    let file = dir.join(file_name);
    let Some(python) = python_decode(&file) else {
        return;
    };
    let expected = expected_offenses(&python);
    assert!(
        !expected.is_empty(),
        "{file_name}: the corpus enumerates users"
    );

    let (stdout, stderr) = rollcall(&["replay", "--format", "json", file.to_str().unwrap()]);
    let offenses: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        offenses.len(),
        expected.len(),
        "{file_name}: {offenses:?} vs {expected:?}"
    );
    for (o, e) in offenses.iter().zip(&expected) {
        assert_eq!(o["source"], e.source.as_str(), "{o}");
        assert_eq!(o["attribution"], "event_ip", "{o}");
        assert_eq!(o["suspicion_score"], e.tier, "{o}");
        assert_eq!(o["unique_usernames"], e.unique, "{o}");
        assert_eq!(o["total_failures"], e.total, "{o}");
        assert!(
            same_time(&o["first_seen"], &Value::from(e.first.as_str())),
            "{o}"
        );
        assert!(
            same_time(&o["last_seen"], &Value::from(e.last.as_str())),
            "{o}"
        );
        let codes: BTreeMap<String, u64> = o["codes"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .collect();
        assert_eq!(codes, e.codes, "{o}");
    }

    let summary: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    let relevant = python
        .iter()
        .filter(|r| [4625, 4771, 4768, 4776].contains(&r["event_id"].as_i64().unwrap_or(0)))
        .count();
    let auth = python.iter().filter(|r| !r["auth"].is_null()).count();
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["records"], python.len());
    assert_eq!(summary["evtx"]["records"], python.len());
    assert_eq!(summary["evtx"]["relevant"], relevant);
    assert_eq!(summary["evtx"]["errors"], 0);
    assert_eq!(summary["auth_events"], auth);
    assert_eq!(summary["offenses"], expected.len());
}

#[test]
fn replaying_the_kerbrute_enumeration_raises_the_expected_offenses() {
    check_replay(KERBRUTE);
}

#[test]
fn replaying_the_unknown_user_kerberos_brute_force_raises_the_expected_offenses() {
    check_replay(KERBEROS_UNKNOWN_USERS);
}

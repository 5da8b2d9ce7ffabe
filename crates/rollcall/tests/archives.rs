//! EVTX archives: `rollcall parse` and `rollcall replay` over `.evtx` files, checked against an
//! independent decoder (python-evtx, through `tests/tools/evtx_dump_auth.py`, which restates
//! the Windows semantics on its own).
//!
//! Two sets of files:
//! - our own fixtures, `tests/fixtures/evtx/`, written by our EVTX writer
//!   (`tests/evtx_support/`) from Security-log events that also say what rollcall must report
//!   for them. They always run. A test checks that the writer still writes them byte for byte
//!   (to regenerate them, see the README next to them).
//! - the real `.evtx` files of the shared corpus (`../shared/corpus/evtx` next to the
//!   workspace), which may not be copied into the project: skipped when it is absent.
//!
//! When python-evtx is missing, the comparisons with it fail if `CI` is set (CI must install
//! it) and are skipped otherwise; our fixtures are then still checked against the events they
//! were written from.
//!
//! Times are compared to the millisecond with a tolerance of 1 ms: python-evtx converts
//! FILETIMEs through floating point and is sometimes 1 µs short (`.192999` for `.193`).

mod evtx_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use evtx_support::security::{self, Event};
use serde_json::{json, Value};

const KERBRUTE: &str = "mdecrevoisier_ID4768-4771-Kerberos_user_enumeration_Kerbrute.evtx";
const KERBEROS_UNKNOWN_USERS: &str =
    "mdecrevoisier_ID4768-4771-Kerberos_brutforce_non_existing_users.evtx";

/// The authentication event IDs (DESIGN.md).
const AUTH_EVENT_IDS: [i64; 4] = [4625, 4771, 4768, 4776];

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

/// python-evtx's view of one file (one JSON object per record), cached across tests. With
/// `verify`, python-evtx's integrity checks (header and chunk CRC32s, record size copies) must
/// pass too: for the files we write.
fn python_decode(file: &Path, verify: bool) -> Option<Arc<Vec<Value>>> {
    type Cache = Mutex<HashMap<(PathBuf, bool), Arc<Vec<Value>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (file.to_path_buf(), verify);
    if let Some(hit) = cache.lock().unwrap().get(&key) {
        return Some(hit.clone());
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/evtx_dump_auth.py");
    let mut cmd = Command::new("python3");
    cmd.arg(&script);
    if verify {
        cmd.arg("--verify");
    }
    let out = cmd.arg(file).stdin(Stdio::null()).output();
    let missing = match &out {
        Err(_) => true,
        Ok(o) => o.status.code() == Some(3),
    };
    if missing {
        if std::env::var_os("CI").is_some() {
            panic!("python3 with python-evtx is required in CI (pip install python-evtx)");
        }
        eprintln!("skipping python-evtx comparison: not installed (pip install python-evtx)");
        return None;
    }
    let out = out.unwrap();
    assert!(
        out.status.success(),
        "evtx_dump_auth.py failed on {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let records = Arc::new(json_lines(&String::from_utf8(out.stdout).unwrap()));
    cache.lock().unwrap().insert(key, records.clone());
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

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
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

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of epoch ms (civil from days, the inverse of [`epoch_ms`]).
fn rfc3339_ms(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

fn same_time(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(a), Some(b)) => (epoch_ms(a) - epoch_ms(b)).abs() <= 1,
        _ => false,
    }
}

/// Compares `rollcall parse` lines with python-evtx's records, one for one; returns how many
/// authentication failures were compared.
fn compare_with_python(name: &str, ours: &[Value], python: &[Value]) -> usize {
    assert_eq!(ours.len(), python.len(), "{name}: record count");
    let mut auth_records = 0;
    for (i, (o, p)) in ours.iter().zip(python).enumerate() {
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
    auth_records
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
            .map(|f| s.spawn(move || python_decode(f, false)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut auth_records = 0;
    for (file, python) in files.iter().zip(decoded) {
        let Some(python) = python else { return };
        let (stdout, stderr) = rollcall(&["parse", file.to_str().unwrap()]);
        assert!(stderr.is_empty(), "{}: {stderr}", file.display());
        let name = file.file_name().unwrap().to_string_lossy();
        auth_records += compare_with_python(&name, &json_lines(&stdout), &python);
    }
    // The corpus README counts 3,561 + 10 + 5 + 2 + 49 + 37 + 54 + 16 authentication
    // failures among 4,053 events; insist that most of them were compared.
    assert!(
        auth_records > 3_700,
        "only {auth_records} auth records compared"
    );
}

/// Default code lists of DESIGN.md (`config/rollcall.toml`).
fn counted(kind: &str, code: &str) -> bool {
    const NTLM: [&str; 4] = ["0xC0000064", "0xC0000072", "0xC000006D", "0xC000006A"];
    match kind {
        "ntlm_4625" | "ntlm_4776" => NTLM.contains(&code),
        "kerberos_4771" => code == "0x6" || code == "0x18",
        "kerberos_4768" => code == "0x6",
        _ => false,
    }
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

/// The reference rule over records shaped as python-evtx's script prints them: per source, a
/// sliding 1 h window on event time, tiers at 15 / 50 / 100 distinct (case-insensitive)
/// usernames, an offense when a source first reaches a tier and on every escalation.
///
/// Failures without a client address (rollcall keys them by workstation) are left out: the
/// files used here have too few of them to reach a tier.
fn expected_offenses(records: &[Value]) -> Vec<Expected> {
    let mut events: Vec<(i64, String, String, String, String)> = records
        .iter()
        .filter_map(|r| {
            let a = &r["auth"];
            let (kind, code) = (a["kind"].as_str()?, a["code"].as_str()?);
            let user = a["username"].as_str()?.to_lowercase();
            let ip = a["source_ip"].as_str()?;
            let excluded_user = ["", "-", "n/a", "anonymous logon"].contains(&user.as_str());
            let excluded_ip = ip.starts_with("127.") || ip == "::1" || ip == "0.0.0.0";
            (counted(kind, code) && !excluded_user && !excluded_ip).then(|| {
                let t = a["time"].as_str()?.to_owned();
                Some((epoch_ms(&t), t, ip.to_owned(), user, code.to_owned()))
            })?
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

/// `replay --format json` offenses against the expectation, field by field.
fn check_offenses(name: &str, offenses: &[Value], expected: &[Expected]) {
    assert_eq!(
        offenses.len(),
        expected.len(),
        "{name}: {offenses:?} vs {expected:?}"
    );
    for (o, e) in offenses.iter().zip(expected) {
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
}

/// Checks `replay`'s one-line summary (the last line of stderr) of one clean EVTX file.
fn check_summary(stderr: &str, records: &[Value], offenses: usize) {
    let summary: Value = serde_json::from_str(stderr.lines().last().unwrap()).unwrap();
    let relevant = records
        .iter()
        .filter(|r| AUTH_EVENT_IDS.contains(&r["event_id"].as_i64().unwrap_or(0)))
        .count();
    let auth = records.iter().filter(|r| !r["auth"].is_null()).count();
    assert_eq!(summary["files"], 1, "{summary}");
    assert_eq!(summary["records"], records.len(), "{summary}");
    assert_eq!(summary["evtx"]["records"], records.len(), "{summary}");
    assert_eq!(summary["evtx"]["relevant"], relevant, "{summary}");
    assert_eq!(summary["evtx"]["errors"], 0, "{summary}");
    assert_eq!(summary["read_errors"], 0, "{summary}");
    assert_eq!(summary["auth_events"], auth, "{summary}");
    assert_eq!(summary["offenses"], offenses, "{summary}");
}

fn check_replay(file_name: &str) {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipping: no shared corpus");
        return;
    };
    let file = dir.join(file_name);
    let Some(python) = python_decode(&file, false) else {
        return;
    };
    let expected = expected_offenses(&python);
    assert!(
        !expected.is_empty(),
        "{file_name}: the corpus enumerates users"
    );
    let (stdout, stderr) = rollcall(&["replay", "--format", "json", file.to_str().unwrap()]);
    check_offenses(file_name, &json_lines(&stdout), &expected);
    check_summary(&stderr, &python, expected.len());
}

#[test]
fn replaying_the_kerbrute_enumeration_raises_the_expected_offenses() {
    check_replay(KERBRUTE);
}

#[test]
fn replaying_the_unknown_user_kerberos_brute_force_raises_the_expected_offenses() {
    check_replay(KERBEROS_UNKNOWN_USERS);
}

// ── Our own fixtures: tests/fixtures/evtx, written by tests/evtx_support ─────────────────

const AUTH_MIX: &str = "auth_mix.evtx";
const ENUMERATION: &str = "enumeration.evtx";
const ENUMERATION_CORRUPT: &str = "enumeration_corrupt.evtx";
/// Set to rewrite the fixtures from the writer (see `tests/fixtures/evtx/README.md`).
const REGENERATE: &str = "ROLLCALL_WRITE_EVTX_FIXTURES";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/evtx")
        .join(name)
}

fn fixture_events(name: &str) -> Vec<Event> {
    match name {
        AUTH_MIX => security::auth_mix(),
        ENUMERATION => security::enumeration(),
        _ => panic!("no events for {name}"),
    }
}

/// What python-evtx's script prints for the record written from `e`, derived from the event
/// itself (the truth the fixture was written from).
fn as_decoded(record_id: u64, e: &Event) -> Value {
    let auth = e.expect.as_ref().map(|x| {
        json!({"time": rfc3339_ms(e.time_ms), "kind": x.kind, "code": x.code,
               "username": x.username, "source_ip": x.source_ip, "host": x.host})
    });
    json!({"record_id": record_id, "event_id": e.event_id, "auth": auth})
}

/// `rollcall parse` lines against the events they were written from: the same failures, with
/// the fields and the millisecond the fixture says.
fn check_against_events(name: &str, ours: &[Value], events: &[(u64, &Event)]) {
    assert_eq!(ours.len(), events.len(), "{name}: record count");
    for (o, (id, e)) in ours.iter().zip(events) {
        assert_eq!(o["format"], "json", "{name} record {id}");
        assert_eq!(o["error"], Value::Null, "{name} record {id}");
        let a = &o["auth"];
        let Some(x) = &e.expect else {
            assert!(
                a.is_null(),
                "{name} record {id} (event {}): {o}",
                e.event_id
            );
            continue;
        };
        assert_eq!(a["kind"], x.kind, "{name} record {id}: {o}");
        assert_eq!(a["code"], x.code, "{name} record {id}: {o}");
        assert_eq!(
            a["username"],
            x.username.as_str(),
            "{name} record {id}: {o}"
        );
        assert_eq!(
            a["source_ip"],
            json!(x.source_ip),
            "{name} record {id}: {o}"
        );
        assert_eq!(a["host"], x.host, "{name} record {id}: {o}");
        assert_eq!(a["time"], rfc3339_ms(e.time_ms), "{name} record {id}: {o}");
    }
}

#[test]
fn our_evtx_fixtures_are_what_the_writer_writes() {
    let regenerate = std::env::var_os(REGENERATE).is_some();
    for (name, bytes, _) in security::fixtures() {
        let path = fixture(name);
        if regenerate {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (to write it: {REGENERATE}=1 cargo test -p rollcall --test archives)",
                path.display()
            )
        });
        let first_difference = committed.iter().zip(&bytes).position(|(a, b)| a != b);
        assert!(
            committed == bytes,
            "{name}: the committed file ({} bytes) is not what tests/evtx_support writes ({} \
             bytes; first difference at byte {first_difference:?}). If the change is intended, \
             regenerate: {REGENERATE}=1 cargo test -p rollcall --test archives",
            committed.len(),
            bytes.len()
        );
    }
}

/// The `evtx` crate's own integrity checks (which rollcall does not ask for) pass on the clean
/// fixtures, and fail on the damaged copy where it was damaged.
#[test]
fn the_evtx_crate_finds_our_fixtures_intact() {
    use evtx::{EvtxParser, ParserSettings};
    for name in [AUTH_MIX, ENUMERATION, ENUMERATION_CORRUPT] {
        let mut parser = EvtxParser::from_path(fixture(name))
            .unwrap()
            .with_configuration(ParserSettings::new().validate_checksums(true));
        assert!(
            parser.header().validate_checksum(),
            "{name}: file header CRC"
        );
        let chunks: Vec<_> = parser.chunks().collect();
        if name == ENUMERATION_CORRUPT {
            // Chunk 0 holds the damaged record; chunk 1 is cut short, so not read at all.
            assert_eq!(chunks.len(), 1, "{name}");
            assert!(
                chunks[0].is_err(),
                "{name}: the damaged chunk fails its CRC"
            );
            continue;
        }
        let expected_chunks = if name == ENUMERATION { 2 } else { 1 };
        assert_eq!(chunks.len(), expected_chunks, "{name}: chunks");
        for chunk in chunks {
            let chunk = chunk.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(chunk.validate_header_checksum(), "{name}: chunk header CRC");
            assert!(chunk.validate_data_checksum(), "{name}: records CRC");
        }
        let ids: Vec<u64> = parser
            .records()
            .map(|r| r.unwrap_or_else(|e| panic!("{name}: {e}")).event_record_id)
            .collect();
        let n = fixture_events(name).len() as u64;
        assert_eq!(ids, (1..=n).collect::<Vec<_>>(), "{name}: record IDs");
    }
}

#[test]
fn parse_reads_our_fixtures_as_written_and_as_python_evtx_does() {
    let mut kinds = BTreeSet::new();
    let mut auth_records = 0;
    for name in [AUTH_MIX, ENUMERATION] {
        let path = fixture(name);
        let events = fixture_events(name);
        let numbered: Vec<(u64, &Event)> = (1..).zip(&events).collect();
        let (stdout, stderr) = rollcall(&["parse", path.to_str().unwrap()]);
        assert!(stderr.is_empty(), "{name}: {stderr}");
        let ours = json_lines(&stdout);
        check_against_events(name, &ours, &numbered);
        auth_records += events.iter().filter(|e| e.expect.is_some()).count();
        kinds.extend(events.iter().filter_map(|e| Some(e.expect.as_ref()?.kind)));

        let Some(python) = python_decode(&path, true) else {
            continue;
        };
        // python-evtx reads the record IDs and event IDs that were written...
        let ids: Vec<(Value, Value)> = python
            .iter()
            .map(|p| (p["record_id"].clone(), p["event_id"].clone()))
            .collect();
        let written: Vec<(Value, Value)> = numbered
            .iter()
            .map(|(id, e)| (json!(id), json!(e.event_id)))
            .collect();
        assert_eq!(ids, written, "{name}: python-evtx's record and event IDs");
        // ...and, restating the Windows semantics itself, finds what rollcall finds.
        let compared = compare_with_python(name, &ours, &python);
        assert_eq!(
            compared,
            events.iter().filter(|e| e.expect.is_some()).count(),
            "{name}"
        );
    }
    assert_eq!(
        kinds,
        BTreeSet::from(["kerberos_4768", "kerberos_4771", "ntlm_4625", "ntlm_4776"])
    );
    assert!(auth_records > 70, "{auth_records}");
}

#[test]
fn replaying_our_enumeration_fixture_raises_medium_then_high() {
    let path = fixture(ENUMERATION);
    let events = security::enumeration();
    let truth: Vec<Value> = (1..)
        .zip(&events)
        .map(|(id, e)| as_decoded(id, e))
        .collect();
    let expected = expected_offenses(&truth);

    // What the fixture was built to hold, counted by hand: the 15th distinct name from the
    // attacker is its 16th failure (`ADMIN` repeats `admin`), the 50th is its 51st.
    let summary: Vec<_> = expected
        .iter()
        .map(|e| (e.source.as_str(), e.tier, e.unique, e.total))
        .collect();
    assert_eq!(
        summary,
        [
            (security::ATTACKER, "Medium", 15, 16),
            (security::ATTACKER, "High", 50, 51)
        ]
    );
    assert_eq!(security::attacker_usernames().len(), 60);

    // python-evtx's reading of the file gives the same expectation.
    if let Some(python) = python_decode(&path, true) {
        let from_python = expected_offenses(&python);
        assert_eq!(from_python.len(), expected.len());
        for (p, e) in from_python.iter().zip(&expected) {
            assert_eq!(
                (&p.source, p.tier, p.unique, p.total, &p.codes),
                (&e.source, e.tier, e.unique, e.total, &e.codes)
            );
            assert!(same_time(&json!(p.first), &json!(e.first)), "{p:?}");
            assert!(same_time(&json!(p.last), &json!(e.last)), "{p:?}");
        }
    }

    let (stdout, stderr) = rollcall(&["replay", "--format", "json", path.to_str().unwrap()]);
    let offenses = json_lines(&stdout);
    check_offenses(ENUMERATION, &offenses, &expected);
    check_summary(&stderr, &truth, expected.len());
    // Both offenses are one campaign; its reporting host is the DC that logged it.
    assert_eq!(offenses[0]["detection_id"], offenses[1]["detection_id"]);
    assert_eq!(offenses[1]["reporting_hosts"], json!(["DC01.corp.example"]));
}

#[test]
fn a_corrupt_evtx_file_is_reported_by_name_and_record_and_the_other_inputs_still_run() {
    let corrupt = fixture(ENUMERATION_CORRUPT);
    let mix = fixture(AUTH_MIX);
    let (corrupt_arg, mix_arg) = (corrupt.to_str().unwrap(), mix.to_str().unwrap());

    // What is left to read: the first chunk, less the damaged record; then all of the mix.
    let enumeration = security::enumeration();
    let mix_events = security::auth_mix();
    let readable: Vec<(u64, &Event)> = (1..)
        .zip(&enumeration)
        .take(security::ENUMERATION_CHUNK_RECORDS)
        .filter(|(id, _)| *id != security::CORRUPT_RECORD_ID)
        .collect();
    let mix_numbered: Vec<(u64, &Event)> = (1..).zip(&mix_events).collect();

    let reported = |stderr: &str| {
        let lines: Vec<&str> = stderr.lines().collect();
        assert!(lines.len() >= 2, "{stderr}");
        let damaged = format!(
            "rollcall: {corrupt_arg}: after EventRecordID {}: corrupt EVTX record: ",
            security::CORRUPT_RECORD_ID - 1
        );
        assert!(lines[0].starts_with(&damaged), "{stderr}");
        let truncated = format!(
            "rollcall: {corrupt_arg}: after EventRecordID {}: truncated EVTX file: its last \
             8000 bytes (from byte 69632) are an incomplete chunk, not read",
            security::ENUMERATION_CHUNK_RECORDS
        );
        assert_eq!(lines[1], truncated, "{stderr}");
        lines[2..].join("\n")
    };

    let (stdout, stderr) = rollcall(&["parse", corrupt_arg, mix_arg]);
    assert_eq!(reported(&stderr), "");
    let ours = json_lines(&stdout);
    assert_eq!(ours.len(), readable.len() + mix_events.len());
    let (from_corrupt, from_mix) = ours.split_at(readable.len());
    check_against_events(ENUMERATION_CORRUPT, from_corrupt, &readable);
    check_against_events(AUTH_MIX, from_mix, &mix_numbered);

    let (stdout, stderr) = rollcall(&["replay", "--format", "json", corrupt_arg, mix_arg]);
    let summary_line = reported(&stderr);
    let truth: Vec<Value> = readable
        .iter()
        .chain(&mix_numbered)
        .map(|(id, e)| as_decoded(*id, e))
        .collect();
    let expected = expected_offenses(&truth);
    assert_eq!(expected.len(), 1, "{expected:?}");
    assert_eq!(expected[0].tier, "Medium");
    check_offenses(ENUMERATION_CORRUPT, &json_lines(&stdout), &expected);
    let summary: Value = serde_json::from_str(&summary_line).unwrap();
    assert_eq!(summary["files"], 2, "{summary}");
    assert_eq!(summary["failed_inputs"], 0, "{summary}");
    assert_eq!(summary["read_errors"], 2, "{summary}");
    assert_eq!(summary["evtx"]["errors"], 2, "{summary}");
    assert_eq!(summary["evtx"]["records"], truth.len(), "{summary}");
    assert_eq!(summary["offenses"], 1, "{summary}");
}

#[test]
fn rfc3339_ms_inverts_epoch_ms() {
    for t in [
        "1970-01-01T00:00:00.000Z",
        "2000-02-29T23:59:59.999Z",
        "2024-03-05T02:14:07.000Z",
        "2100-12-31T12:00:00.001Z",
    ] {
        assert_eq!(rfc3339_ms(epoch_ms(t)), t);
    }
}

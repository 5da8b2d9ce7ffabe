//! Every line of the shared real-sample corpus for LEEF, CEF, Snare and WinCollect through
//! `parse_message` + `auth_event`: no panic, no error, the expected format per file, and
//! authentication-failure counts established independently with grep (commands below).
//! Skips cleanly when `/work/shared/corpus` (`../shared/corpus` from the workspace root) is
//! absent.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use rollcall_parse::fields::WinFields;
use rollcall_parse::payload::{kv, snare};
use rollcall_parse::{auth_event, parse_message, AuthKind, Format, ParseContext};

const CTX: ParseContext = ParseContext {
    now_ms: 1_795_400_000_000,
};

fn corpus_dir(kind: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(kind);
    dir.is_dir().then_some(dir)
}

/// Sample files of a corpus folder (`.log`, `.data`), sorted; metadata files are skipped.
fn sample_files(kind: &str) -> Option<Vec<PathBuf>> {
    let Some(dir) = corpus_dir(kind) else {
        eprintln!("corpus folder {kind} absent: skipped");
        return None;
    };
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("readable corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".log") || name.ends_with(".data")
        })
        .collect();
    files.sort();
    Some(files)
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty())
}

/// What one folder yielded.
#[derive(Default, Debug)]
struct Tally {
    lines: usize,
    failures: BTreeMap<AuthKind, usize>,
}

/// Runs every line of every sample file of `kind`, asserting the format and that nothing
/// errors. Returns the tally per file name.
fn run(kind: &str, expected: Format) -> Option<BTreeMap<String, Tally>> {
    let mut out = BTreeMap::new();
    for path in sample_files(kind)? {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = fs::read(&path).expect("readable sample");
        let mut tally = Tally::default();
        for line in lines(&bytes) {
            tally.lines += 1;
            let msg = parse_message(line);
            assert_eq!(
                msg.format,
                expected,
                "{name}: {}",
                String::from_utf8_lossy(line)
            );
            let ev = auth_event(&msg, &CTX).unwrap_or_else(|e| {
                panic!("{name}: {e}: {}", String::from_utf8_lossy(line));
            });
            if let Some(ev) = ev {
                *tally.failures.entry(ev.kind).or_default() += 1;
            }
        }
        out.insert(name, tally);
    }
    Some(out)
}

fn total_failures(t: &BTreeMap<String, Tally>) -> usize {
    t.values().flat_map(|t| t.failures.values()).sum()
}

#[test]
fn cef_corpus() {
    let Some(t) = run("cef", Format::Cef) else {
        return;
    };
    // grep -c . cef/*.log → 15 and 4
    assert_eq!(t["elastic-beats_decode_cef_samples.log"].lines, 15);
    assert_eq!(t["elastic-integrations_cef_test-cef.log"].lines, 4);
    // grep -c 'AUDIT_FAILURE(4625)' cef/*.log → 1 (beats samples), 0 (integrations); no other
    // Windows failure event appears: grep -cE '4771|4768|4776' cef/*.log → 0, 0.
    let beats = &t["elastic-beats_decode_cef_samples.log"].failures;
    assert_eq!(beats.get(&AuthKind::Ntlm4625), Some(&1));
    assert_eq!(total_failures(&t), 1);
}

#[test]
fn leef_corpus() {
    let Some(t) = run("leef", Format::Leef) else {
        return;
    };
    // grep -c . leef/*.log → 3 (PAN-OS) and 1 (Lancope)
    assert_eq!(t["rsyslog-tests_mmleefparse_paloalto_leef1.log"].lines, 3);
    assert_eq!(
        t["tenzir-docs_formats-leef_lancope-leef2-example.log"].lines,
        1
    );
    // grep -cE '4625|4771|4768|4776' leef/*.log → 0, 0: firewall traffic only.
    assert_eq!(total_failures(&t), 0);
}

#[test]
fn wincollect_corpus() {
    let Some(t) = run("wincollect", Format::Kv) else {
        return;
    };
    // One 4776 whose `Error Code: 0x0` is a success:
    // grep -c 'EventID=4776.*Error Code: 0x0' wincollect/*.log → 1
    assert_eq!(t.values().map(|t| t.lines).sum::<usize>(), 1);
    assert_eq!(total_failures(&t), 0);
    // The record is still read: the event ID, the epoch-ms TimeGenerated and the code.
    for path in sample_files("wincollect").unwrap_or_default() {
        let bytes = fs::read(&path).unwrap();
        for line in lines(&bytes) {
            let msg = parse_message(line);
            let mut f = WinFields::default();
            kv::extract(msg.body, &mut f).unwrap();
            assert_eq!(f.event_id, Some(4776));
            assert_eq!(f.status, Some(0));
            assert_eq!(f.time_ms, Some(1_456_144_380_009));
        }
    }
}

#[test]
fn snare_corpus() {
    let Some(t) = run("snare", Format::Snare) else {
        return;
    };
    // grep -c . snare/*.data snare/*.log → 1, 4, 278, 9
    let lines: Vec<usize> = t.values().map(|t| t.lines).collect();
    assert_eq!(lines, [1, 4, 278, 9]);
    // No failure in the Snare corpus: no 4625/4771/4768 column at all, and the 4776s are
    // successes:
    // grep -cP '(\t|#011|\\011)(4625|4771|4768|4776)(\t|#011|\\011)' snare/* → 0, 0, 10, 0
    // grep -P '(\t|#011|\\011)4776(\t|#011|\\011)' snare/* | grep -c 'Error Code: 0x0' → 10
    assert_eq!(total_failures(&t), 0);
}

/// The Snare columns themselves: every record with a numeric EventID column yields it, and
/// the ten 4776 records carry `Error Code: 0x0`.
#[test]
fn snare_corpus_event_ids() {
    let Some(files) = sample_files("snare") else {
        return;
    };
    // Records with a numeric EventID column, counted with the delimiters normalised:
    // perl -ne 's/#011|\\011/\t/g; s/MSWinEventLog /MSWinEventLog\t/;
    //   print if /MSWinEventLog\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t\d+\t/' FILE | wc -l
    //   → custom-pattern 1, sample-events 4, windows2022 278, pmsnare messages 6
    let expected_with_id = [1usize, 4, 278, 6];
    let mut with_id = Vec::new();
    let mut the_4776s = 0;
    for path in &files {
        let bytes = fs::read(path).unwrap();
        let mut n = 0;
        for line in lines(&bytes) {
            let msg = parse_message(line);
            let mut f = WinFields::default();
            snare::extract(msg.body, &mut f).unwrap();
            if let Some(id) = f.event_id {
                n += 1;
                if id == 4776 {
                    the_4776s += 1;
                    assert_eq!(f.status, Some(0), "{}", String::from_utf8_lossy(line));
                    assert_eq!(f.computer.as_deref(), Some("WIN-5SB1I3G0V7U"));
                    assert!(f.time_ms.is_some());
                }
            }
        }
        with_id.push(n);
    }
    assert_eq!(with_id, expected_with_id);
    assert_eq!(the_4776s, 10);
}

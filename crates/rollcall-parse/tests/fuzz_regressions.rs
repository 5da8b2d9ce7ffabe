//! Replays every input under `<workspace>/fuzz/regressions/<target>/` (crashes the fuzzers
//! found, plus hand-written nasty inputs) through every public parser entry point, so
//! plain `cargo test` on stable re-checks them. Each must return without panicking.

use std::fs;
use std::path::{Path, PathBuf};

use bytes::BytesMut;
use rollcall_parse::fields::WinFields;
use rollcall_parse::framing::{split_lines, FrameResult, FramingMode, StreamFramer};
use rollcall_parse::payload::{self, cef, json, kv, leef, snare, wintext, Format};
use rollcall_parse::syslog::rfc5424::{self, SdElements};
use rollcall_parse::syslog::{parse_header, rfc3164};
use rollcall_parse::{auth_event, parse_auth, parse_message, ParseContext};

const NOW_MS: i64 = 1_795_403_702_120;

fn regression_files() -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    let mut files = Vec::new();
    let targets = fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    for target in targets {
        let target = target.expect("dir entry").path();
        if !target.is_dir() {
            continue;
        }
        for file in fs::read_dir(&target).expect("target dir") {
            let path = file.expect("dir entry").path();
            if path.is_file() {
                let data = fs::read(&path).expect("regression file");
                files.push((path, data));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_regression_input_passes_every_entry_point() {
    let files = regression_files();
    assert!(
        files.len() >= 20,
        "expected the seeded regression inputs, found {}",
        files.len()
    );
    for (path, data) in &files {
        println!("replaying {}", path.display());
        frame_in_every_mode(data);
        frame_like_the_fuzz_target(data);
        parse_everything(data);
        for line in split_lines(data) {
            parse_everything(line);
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Out {
    Frame(Vec<u8>),
    Oversized(usize),
    Invalid,
}

/// Feeds `stream` in chunks of `chunk` bytes; checks frame sizes and progress.
fn run_framer(mode: FramingMode, max: usize, stream: &[u8], chunk: usize) -> Vec<Out> {
    let mut framer = StreamFramer::new(mode, max);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let limit = 2 * stream.len() + 4;
    let drain = |framer: &mut StreamFramer, buf: &mut BytesMut, out: &mut Vec<Out>| loop {
        match framer.next_frame(buf) {
            FrameResult::NeedMore => return,
            FrameResult::Frame(f) => {
                assert!(!f.is_empty() && f.len() <= max.max(1));
                out.push(Out::Frame(f.to_vec()));
            }
            FrameResult::Oversized { discarded } => out.push(Out::Oversized(discarded)),
            FrameResult::InvalidOctetCount => out.push(Out::Invalid),
        }
        assert!(out.len() <= limit, "framer makes no progress");
    };
    for piece in stream.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        drain(&mut framer, &mut buf, &mut out);
    }
    drain(&mut framer, &mut buf, &mut out);
    out.extend(framer.finish(&mut buf).map(|f| Out::Frame(f.to_vec())));
    out
}

fn frame_in_every_mode(data: &[u8]) {
    for mode in [
        FramingMode::Auto,
        FramingMode::Lf,
        FramingMode::OctetCounted,
    ] {
        for max in [0, 1, 16, data.len() + 1, 8192] {
            let whole = run_framer(mode, max, data, data.len());
            for chunk in [1, 3, 7] {
                assert_eq!(
                    run_framer(mode, max, data, chunk),
                    whole,
                    "{mode:?} max {max} chunk {chunk}"
                );
            }
        }
    }
}

/// The `framer` fuzz target's input layout: max_frame byte, chunk seed byte, stream.
fn frame_like_the_fuzz_target(data: &[u8]) {
    if let [max, seed, stream @ ..] = data {
        let max = usize::from(*max) + 1;
        let chunk = usize::from(*seed % 32) + 1;
        for mode in [
            FramingMode::Auto,
            FramingMode::Lf,
            FramingMode::OctetCounted,
        ] {
            assert_eq!(
                run_framer(mode, max, stream, chunk),
                run_framer(mode, max, stream, stream.len())
            );
        }
    }
}

type LooksLike = fn(&[u8]) -> bool;
type Extract = for<'a> fn(&'a [u8], &mut WinFields<'a>) -> Result<(), rollcall_parse::ParseError>;

fn parse_everything(data: &[u8]) {
    let (header, body) = parse_header(data);
    assert!(data.ends_with(body), "body must be a suffix of the frame");
    let _ = header.timestamp.map(|t| t.resolve(NOW_MS));

    if let Some((header, _)) = rfc5424::parse(data) {
        if let Some(sd) = header.structured_data {
            let mut fields = WinFields::default();
            assert_eq!(
                rfc5424::extract_sd(sd, &mut fields),
                Ok(()),
                "SD accepted by parse must extract"
            );
        }
    }
    let mut fields = WinFields::default();
    let _ = rfc5424::extract_sd(data, &mut fields);
    for element in SdElements::new(data).flatten() {
        for param in element.params().flatten() {
            let _ = param.value();
        }
    }
    if let Some((header, _)) = rfc3164::parse(data) {
        let _ = header.timestamp.map(|t| t.resolve(NOW_MS));
    }

    let _ = payload::detect(data);
    for format in Format::ALL {
        let mut fields = WinFields::default();
        let _ = payload::extract(format, data, &mut fields);
    }
    let modules: [(LooksLike, Extract); 6] = [
        (cef::looks_like, cef::extract),
        (json::looks_like, json::extract),
        (kv::looks_like, kv::extract),
        (leef::looks_like, leef::extract),
        (snare::looks_like, snare::extract),
        (wintext::looks_like, wintext::extract),
    ];
    for (looks_like, extract) in modules {
        let _ = looks_like(data);
        let _ = looks_like(body);
        let mut fields = WinFields::default();
        let _ = extract(data, &mut fields);
        let mut fields = WinFields::default();
        let _ = extract(body, &mut fields);
    }

    let ctx = ParseContext { now_ms: NOW_MS };
    let msg = parse_message(data);
    let _ = auth_event(&msg, &ctx);
    let _ = parse_auth(data, &ctx);
}

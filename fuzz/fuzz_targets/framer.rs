#![no_main]
//! Fuzzes the stream framer: arbitrary bytes, in arbitrary chunk sizes, in every mode.
//!
//! Input layout: byte 0 picks `max_frame`, byte 1 seeds the chunk sizes, the rest is the
//! stream. Checks: no panic, no endless loop (results are bounded by the bytes fed), frames
//! are never empty nor longer than `max_frame`, and chunking never changes the results.

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rollcall_parse::framing::{FrameResult, FramingMode, StreamFramer};

#[derive(Debug, PartialEq, Eq)]
enum Out {
    Frame(Vec<u8>),
    Oversized(usize),
    Invalid,
}

/// Feeds `stream` in chunks whose sizes come from a small LCG seeded by `seed`.
fn run(mode: FramingMode, max: usize, stream: &[u8], seed: Option<u8>) -> Vec<Out> {
    let mut framer = StreamFramer::new(mode, max);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut state = u32::from(seed.unwrap_or(0)) | 1;
    let mut rest = stream;
    // Each result either consumes input or is an InvalidOctetCount that the next call
    // turns into consumption: more than this many results means a loop.
    let limit = 2 * stream.len() + 4;
    loop {
        if !rest.is_empty() {
            let n = match seed {
                None => rest.len(),
                Some(_) => {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    ((state >> 16) as usize % 32 + 1).min(rest.len())
                }
            };
            let (chunk, tail) = rest.split_at(n);
            buf.extend_from_slice(chunk);
            rest = tail;
        }
        loop {
            match framer.next_frame(&mut buf) {
                FrameResult::NeedMore => break,
                FrameResult::Frame(f) => {
                    assert!(!f.is_empty() && f.len() <= max.max(1), "bad frame size");
                    out.push(Out::Frame(f.to_vec()));
                }
                FrameResult::Oversized { discarded } => out.push(Out::Oversized(discarded)),
                FrameResult::InvalidOctetCount => out.push(Out::Invalid),
            }
            assert!(out.len() <= limit, "framer does not make progress");
        }
        if rest.is_empty() {
            break;
        }
    }
    if let Some(last) = framer.finish(&mut buf) {
        out.push(Out::Frame(last.to_vec()));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let (max, seed, stream) = match data {
        [max, seed, stream @ ..] => (usize::from(*max) + 1, *seed, stream),
        _ => return,
    };
    for mode in [
        FramingMode::Auto,
        FramingMode::Lf,
        FramingMode::OctetCounted,
    ] {
        let whole = run(mode, max, stream, None);
        let chunked = run(mode, max, stream, Some(seed));
        assert_eq!(whole, chunked, "chunking changed the frames in {mode:?}");
    }
});

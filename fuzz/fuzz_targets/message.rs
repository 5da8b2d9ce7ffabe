#![no_main]
//! Fuzzes the whole normaliser: header, format detection, payload extraction, classification.

use libfuzzer_sys::fuzz_target;
use rollcall_parse::{auth_event, parse_auth, parse_message, ParseContext};

fuzz_target!(|data: &[u8]| {
    let ctx = ParseContext {
        now_ms: 1_795_403_702_120,
    };
    let msg = parse_message(data);
    let _ = auth_event(&msg, &ctx);
    let _ = parse_auth(data, &ctx);
});

#![no_main]
//! Fuzzes the json payload extractor: it must never panic, whatever the bytes.

use libfuzzer_sys::fuzz_target;
use rollcall_parse::fields::WinFields;

fuzz_target!(|data: &[u8]| {
    let mut fields = WinFields::default();
    let _ = rollcall_parse::payload::json::extract(data, &mut fields);
    let _ = rollcall_parse::payload::json::looks_like(data);
});

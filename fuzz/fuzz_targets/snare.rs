#![no_main]
//! Fuzzes the snare payload extractor: it must never panic, whatever the bytes.

use libfuzzer_sys::fuzz_target;
use rollcall_parse::fields::WinFields;

fuzz_target!(|data: &[u8]| {
    let mut fields = WinFields::default();
    let _ = rollcall_parse::payload::snare::extract(data, &mut fields);
    let _ = rollcall_parse::payload::snare::looks_like(data);
});

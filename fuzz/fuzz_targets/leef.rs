#![no_main]
//! Fuzzes the leef payload extractor: it must never panic, whatever the bytes.

use libfuzzer_sys::fuzz_target;
use rollcall_parse::fields::WinFields;

fuzz_target!(|data: &[u8]| {
    let mut fields = WinFields::default();
    let _ = rollcall_parse::payload::leef::extract(data, &mut fields);
    let _ = rollcall_parse::payload::leef::looks_like(data);
});

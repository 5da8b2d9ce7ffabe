#![no_main]
//! Fuzzes the RFC 5424 header and structured-data parsers.

use libfuzzer_sys::fuzz_target;
use rollcall_parse::fields::WinFields;
use rollcall_parse::syslog::rfc5424;

fuzz_target!(|data: &[u8]| {
    if let Some((header, _body)) = rfc5424::parse(data) {
        if let Some(sd) = header.structured_data {
            let mut fields = WinFields::default();
            let _ = rfc5424::extract_sd(sd, &mut fields);
        }
    }
});

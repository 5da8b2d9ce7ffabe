#![no_main]
//! Fuzzes the RFC 3164 header parser and the year inference of its timestamps.

use libfuzzer_sys::fuzz_target;
use rollcall_parse::syslog::rfc3164;

fuzz_target!(|data: &[u8]| {
    if let Some((header, _body)) = rfc3164::parse(data) {
        if let Some(ts) = header.timestamp {
            let _ = ts.resolve(1_795_403_702_120);
        }
    }
});

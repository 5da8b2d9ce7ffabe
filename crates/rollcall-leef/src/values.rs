//! Text forms of offense values shared by the LEEF and JSON writers, written straight into the
//! output buffer (no intermediate `String`).

use std::io::Write;

use rollcall_parse::time::civil_from_days;

/// Appends epoch ms as RFC 3339 UTC with milliseconds (`2026-11-23T03:14:59.871Z`).
///
/// Same text as `rollcall_parse::time::write_rfc3339_ms` (a test holds them equal), but that
/// one appends to a `String`, and the writers fill a `Vec<u8>` without a temporary.
pub fn write_rfc3339_ms(out: &mut Vec<u8>, ms: i64) {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let h = rem / 3_600_000;
    let mi = (rem / 60_000) % 60;
    let s = (rem / 1000) % 60;
    let frac = rem % 1000;
    let _ = write!(
        out,
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:03}Z"
    );
}

/// Below this magnitude a fixed-point rendering stays short (≤ 16 integer digits).
const FIXED_POINT_LIMIT: f64 = 1e15;

/// Appends `x` with exactly `decimals` fractional digits (`12.5`, `5.80`), the form the
/// reference query rounds to. Absurdly large values use the short exponent form (`1e300`,
/// valid in JSON too) so a corrupt number cannot blow the line budget. Returns `false`, writing
/// nothing, for NaN and infinities: they are not measurements, and neither LEEF nor JSON has a
/// number for them.
pub fn write_fixed(out: &mut Vec<u8>, x: f64, decimals: usize) -> bool {
    if !x.is_finite() {
        return false;
    }
    let _ = if x.abs() < FIXED_POINT_LIMIT {
        write!(out, "{x:.decimals$}")
    } else {
        write!(out, "{x:e}")
    };
    true
}

/// Appends a detection id as a lowercase hyphenated UUID (`8-4-4-4-12`).
///
/// Ids that already carry RFC 9562 variant bits (`10xx`) and a defined version (1–8) are
/// written as they are; anything else (e.g. 16 raw random bytes) gets the version-4 and variant
/// bits stamped in, so QRadar and SOAR tools that validate UUIDs accept it. Stamping is
/// deterministic, so escalations of one campaign still share one id.
pub fn write_uuid(out: &mut Vec<u8>, id: [u8; 16]) {
    let mut bytes = id;
    let variant_ok = bytes[8] & 0xC0 == 0x80;
    let version = bytes[6] >> 4;
    if !(variant_ok && (1..=8).contains(&version)) {
        bytes[6] = (bytes[6] & 0x0F) | 0x40;
        bytes[8] = (bytes[8] & 0x3F) | 0x80;
    }
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = uuid::Uuid::from_bytes(bytes)
        .hyphenated()
        .encode_lower(&mut buf);
    out.extend_from_slice(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rfc3339_matches_the_parse_crate() {
        for ms in [
            0,
            -1,
            1_795_403_702_120,
            1_793_696_504_000,
            253_402_300_799_999,
            -62_135_596_800_000,
            i64::MIN,
            i64::MAX,
        ] {
            assert_eq!(
                text(|o| write_rfc3339_ms(o, ms)),
                rollcall_parse::time::format_rfc3339_ms(ms)
            );
        }
        assert_eq!(
            text(|o| write_rfc3339_ms(o, 1_795_403_702_120)),
            "2026-11-23T03:15:02.120Z"
        );
    }

    #[test]
    fn fixed_decimals() {
        assert_eq!(text(|o| assert!(write_fixed(o, 12.5, 1))), "12.5");
        assert_eq!(text(|o| assert!(write_fixed(o, 12.0, 1))), "12.0");
        assert_eq!(text(|o| assert!(write_fixed(o, 5.8, 2))), "5.80");
        assert_eq!(text(|o| assert!(write_fixed(o, 5.84, 2))), "5.84");
        assert_eq!(text(|o| assert!(write_fixed(o, 1e300, 2))), "1e300");
        assert_eq!(text(|o| assert!(!write_fixed(o, f64::NAN, 2))), "");
        assert_eq!(text(|o| assert!(!write_fixed(o, f64::INFINITY, 1))), "");
    }

    #[test]
    fn uuid_keeps_valid_ids_and_stamps_raw_bytes() {
        let v4 = [
            0x5f, 0x0c, 0x2a, 0x9e, 0x6d, 0x1b, 0x4c, 0x4e, 0x9a, 0x51, 0x2f, 0x8f, 0x0b, 0x7c,
            0x1d, 0x22,
        ];
        assert_eq!(
            text(|o| write_uuid(o, v4)),
            "5f0c2a9e-6d1b-4c4e-9a51-2f8f0b7c1d22"
        );
        let mut v7 = v4;
        v7[6] = 0x7c;
        assert_eq!(
            text(|o| write_uuid(o, v7)),
            "5f0c2a9e-6d1b-7c4e-9a51-2f8f0b7c1d22"
        );
        assert_eq!(
            text(|o| write_uuid(o, [0; 16])),
            "00000000-0000-4000-8000-000000000000"
        );
        assert_eq!(
            text(|o| write_uuid(o, [0xFF; 16])),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
    }
}

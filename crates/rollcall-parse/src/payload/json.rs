//! JSON records: Winlogbeat/ECS, NXLog `to_json()` (and Snare's JSON variant), Azure AD /
//! Entra ID sign-in logs (Microsoft Graph `signIn`, Event Hub / diagnostic settings, Log
//! Analytics `SigninLogs` rows) and Azure audit logs of self-service password reset.
//!
//! Parsing is one serde pass that borrows strings from the input ([`collect`]); the shape is
//! decided afterwards from what was found:
//! - a Windows event ID (`winlog.event_id`, `EventID`, `event.code`) → Windows fields, with the
//!   rendered `message` as a fallback for fields the structured data lacks;
//! - SSPR audit markers → [`AuthKind::AzureSspr`] for failed/timed-out SSPR activity;
//! - sign-in markers → [`AuthKind::AzureSignin`] with the error code (0 = success, dropped by
//!   `classify`);
//! - otherwise a `message` that is a rendered Windows event is read as text.

mod collect;
mod records;

pub use records::{holds_record_list, records, Records};

use std::borrow::Cow;

use serde::de::DeserializeSeed;

use crate::error::ParseError;
use crate::event::{parse_code, AuthKind};
use crate::fields::{FieldSlot, WinFields};
use crate::payload::{trim_start, wintext};
use crate::time::parse_rfc3339_zoned;

use collect::{collect_fast, Collected, RawText, Scalar, ValueSeed};

/// SSPR audit records carry no numeric error code, only `result`. The code reported for
/// [`AuthKind::AzureSspr`] is Microsoft Graph's `operationResult` enum value of that result,
/// which is documented and stable: `failure` = 1, `timeout` = 2 (`success` = 0 is never
/// reported: a completed reset is not probing).
pub const SSPR_RESULT_FAILURE: u32 = 1;
/// See [`SSPR_RESULT_FAILURE`].
pub const SSPR_RESULT_TIMEOUT: u32 = 2;

/// Cheap check: the body starts with a JSON object, or an array of objects.
pub fn looks_like(body: &[u8]) -> bool {
    match trim_start(body) {
        [b'{', ..] => true,
        [b'[', rest @ ..] => trim_start(rest).first() == Some(&b'{'),
        _ => false,
    }
}

/// Extracts the fields of the first record of `body` (an object, an array of objects, NDJSON,
/// or an Azure `records`/`value` envelope). Slots `out` already holds are kept.
pub fn extract<'a>(body: &'a [u8], out: &mut WinFields<'a>) -> Result<(), ParseError> {
    let record = match trim_start(body) {
        [b'[', ..] => records(body).next().ok_or(ParseError::InvalidJson)?,
        b => b,
    };
    // A record is an object; a bare scalar or string is not JSON we know.
    if trim_start(record).first() != Some(&b'{') {
        return Err(ParseError::InvalidJson);
    }
    let (found, parsed) = collect(record, out.event_id, true);
    // A truncated record (UDP cut it) still yields what it holds; the error is reported too.
    apply(found, out);
    parsed
}

/// Reads `record`: the serde-free pass when `fast` and it copes, otherwise (and for every
/// record it gives up on: errors, escapes it would have to decode, …) the serde pass.
fn collect(
    record: &[u8],
    preset_event_id: Option<u32>,
    fast: bool,
) -> (Collected<'_>, Result<(), ParseError>) {
    let fresh = || Collected {
        preset_event_id,
        ..Collected::default()
    };
    let mut found = fresh();
    if fast && collect_fast(record, &mut found).is_some() {
        return (found, Ok(()));
    }
    let mut found = fresh();
    let mut de = serde_json::Deserializer::from_slice(record);
    // Only the first value is read: NDJSON bodies and trailing garbage are not our concern.
    let parsed = ValueSeed::record(&mut found).deserialize(&mut de);
    let parsed = parsed.map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => ParseError::Truncated,
        _ => ParseError::InvalidJson,
    });
    (found, parsed)
}

/// Decides the record's shape and fills `out`.
fn apply<'a>(c: Collected<'a>, out: &mut WinFields<'a>) {
    if c.settled {
        // Not an authentication failure whatever the rest says: no need to read the text.
        fill_from(c.win, out);
    } else if c.win.event_id.is_some() || out.event_id.is_some() {
        apply_windows(c, out);
    } else if c.sspr_marker {
        apply_sspr(c, out);
    } else if c.signin_category
        || c.error_code.is_some()
        || (c.result_type.is_some() && c.upn.is_some())
    {
        apply_signin(c, out);
    } else {
        // No structure we know, but the text may be a rendered Windows event.
        if let Some(m) = c.message.and_then(RawText::decode) {
            apply_text(m, out);
        }
        fill_from(c.win, out);
    }
}

fn apply_windows<'a>(c: Collected<'a>, out: &mut WinFields<'a>) {
    let time = c.event_time.or(c.timestamp);
    let message = c.message;
    let host_name = c.host_name;
    fill_from(c.win, out);
    if let Some(h) = host_name {
        out.set_slot(FieldSlot::Computer, h);
    }
    set_time(out, time.as_deref());
    // Winlogbeat without `event_data` (or LogRhythm's `EventData` text): read the rendering.
    let incomplete =
        out.target_user.is_none() || (out.status.is_none() && out.sub_status.is_none());
    if incomplete {
        if let Some(m) = message.and_then(RawText::decode) {
            apply_text(m, out);
        }
    }
}

fn apply_signin<'a>(c: Collected<'a>, out: &mut WinFields<'a>) {
    out.kind_hint = Some(AuthKind::AzureSignin);
    // `status.errorCode` is the sign-in result; the envelope's `resultType` repeats it as a
    // string and is the only one in some exports.
    let code = c
        .error_code
        .or_else(|| c.result_type.as_deref().and_then(parse_code))
        .unwrap_or(0);
    if out.status.is_none() {
        out.status = Some(code);
    }
    // What the user typed: `userPrincipalName`, or the raw sign-in identifier when Entra ID
    // logged no UPN.
    if let Some(user) = c.upn.or(c.sign_in_identifier) {
        out.set_slot(FieldSlot::TargetUser, user);
    }
    if let Some(ip) = c.win.ip.or(c.caller_ip) {
        out.set_slot(FieldSlot::Ip, ip);
    }
    // The application signed in to plays the role of the accessed host.
    if let Some(app) = c.app_display_name {
        out.set_slot(FieldSlot::Computer, app);
    }
    let time = c.created.or(c.time).or(c.time_generated);
    set_time(out, time.as_deref());
}

fn apply_sspr<'a>(c: Collected<'a>, out: &mut WinFields<'a>) {
    let code = match &c.result {
        Some(Scalar::Str(s)) if s.eq_ignore_ascii_case("failure") => Some(SSPR_RESULT_FAILURE),
        Some(Scalar::Str(s)) if s.eq_ignore_ascii_case("timeout") => Some(SSPR_RESULT_TIMEOUT),
        Some(Scalar::Int(1)) => Some(SSPR_RESULT_FAILURE),
        Some(Scalar::Int(2)) => Some(SSPR_RESULT_TIMEOUT),
        _ => None,
    };
    let Some(code) = code else {
        // Successful steps of a reset flow are what a legitimate user leaves behind.
        return;
    };
    out.kind_hint = Some(AuthKind::AzureSspr);
    if out.status.is_none() {
        out.status = Some(code);
    }
    if let Some(user) = c.target_upn.or(c.initiator_upn).or(c.upn) {
        out.set_slot(FieldSlot::TargetUser, user);
    }
    if let Some(ip) = c.initiator_ip.or(c.win.ip).or(c.caller_ip) {
        out.set_slot(FieldSlot::Ip, ip);
    }
    let time = c.activity_time.or(c.time).or(c.time_generated);
    set_time(out, time.as_deref());
}

/// Reads rendered Windows event text found in a JSON string: borrowed when the string had no
/// escapes, otherwise through a copy (the values then own their text).
fn apply_text<'a>(text: Cow<'a, str>, out: &mut WinFields<'a>) {
    match text {
        Cow::Borrowed(t) => {
            let _ = wintext::extract(t.as_bytes(), out);
        }
        Cow::Owned(t) => wintext::extract_owned(&t, out),
    }
}

/// Moves collected Windows fields into `out`, keeping what `out` already holds.
fn fill_from<'a>(w: WinFields<'a>, out: &mut WinFields<'a>) {
    if out.event_id.is_none() {
        out.event_id = w.event_id;
    }
    if out.status.is_none() {
        out.status = w.status;
    }
    if out.sub_status.is_none() {
        out.sub_status = w.sub_status;
    }
    if out.time_ms.is_none() {
        out.time_ms = w.time_ms;
        out.time_zoned = w.time_zoned;
    }
    let pairs = [
        (FieldSlot::TargetUser, w.target_user),
        (FieldSlot::TargetDomain, w.target_domain),
        (FieldSlot::Ip, w.ip),
        (FieldSlot::Workstation, w.workstation),
        (FieldSlot::Computer, w.computer),
    ];
    for (slot, value) in pairs {
        if let Some(v) = value {
            out.set_slot(slot, v);
        }
    }
}

fn set_time(out: &mut WinFields<'_>, text: Option<&str>) {
    if out.time_ms.is_none() {
        out.set_time(text.and_then(|t| parse_rfc3339_zoned(t.trim().as_bytes())));
    }
}

#[cfg(test)]
mod tests;

//! One streaming pass over a JSON record with serde: the values rollcall needs are kept as
//! `Cow<'de, str>` borrowed from the input (owned only when the JSON string had escapes),
//! everything else is skipped with `IgnoredAny`. No `derive(Deserialize)`: real Graph output
//! repeats keys (`homeTenantId` twice), which derived structs reject, and the same key holds
//! a string in one producer and an object in another (`Status`: NXLog `"0xC000006D"`, Log
//! Analytics `{"errorCode":50126}`), so each value is dispatched on what it turns out to be.
//!
//! Only what is read is decoded: values of keys no [`Action`] wants are skipped with
//! `IgnoredAny` (serde_json then only checks their syntax, not their UTF-8 or escapes, as the
//! LEEF parser checks only the values it keeps), the rendered `message` is kept as raw JSON
//! text and decoded only when the structured fields fall short ([`RawText`]), and once the
//! record is known not to matter (another Windows event) the rest of it
//! is skipped ([`Collected::settled`]).
//!
//! Keys are compared ASCII case-insensitively: Graph (`userPrincipalName`), Log Analytics
//! (`UserPrincipalName`) and Windows (`IpAddress` / `IPAddress` / `ipAddress`) agree on names
//! but not on case, and no two fields we read differ only by case.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::fields::{slot_for_name, FieldSlot, WinFields};

mod fast;

/// The serde-free pass over `record` ([`fast`]); `None` when it gave up and the serde pass
/// ([`ValueSeed::record`]) must read the record from the start, with a fresh `rec`.
pub(crate) fn collect_fast<'de>(record: &'de [u8], rec: &mut Collected<'de>) -> Option<()> {
    fast::collect(record, rec)
}

/// Everything a record may say, before deciding what kind of record it is.
#[derive(Debug, Default)]
pub(crate) struct Collected<'de> {
    /// Windows fields (Winlogbeat `winlog.*`, NXLog flat names, dotted ECS names).
    pub win: WinFields<'de>,
    /// ECS `host.name` (the shipper's host; `winlog.computer_name` is preferred).
    pub host_name: Option<Cow<'de, str>>,
    /// Rendered event text (`message`, `Message`, LogRhythm `EventData`), still escaped.
    pub message: Option<RawText<'de>>,
    pub timestamp: Option<Cow<'de, str>>,
    pub event_time: Option<Cow<'de, str>>,
    // Azure
    pub upn: Option<Cow<'de, str>>,
    pub sign_in_identifier: Option<Cow<'de, str>>,
    pub caller_ip: Option<Cow<'de, str>>,
    pub error_code: Option<u32>,
    pub result_type: Option<Cow<'de, str>>,
    pub signin_category: bool,
    pub app_display_name: Option<Cow<'de, str>>,
    pub created: Option<Cow<'de, str>>,
    pub time: Option<Cow<'de, str>>,
    pub time_generated: Option<Cow<'de, str>>,
    pub activity_time: Option<Cow<'de, str>>,
    pub sspr_marker: bool,
    pub result: Option<Scalar<'de>>,
    pub initiator_upn: Option<Cow<'de, str>>,
    pub initiator_ip: Option<Cow<'de, str>>,
    pub target_upn: Option<Cow<'de, str>>,
    /// The event ID the caller's fields already hold (`out` of `json::extract`): it wins
    /// over the record's, so it decides [`Self::settled`] too.
    pub preset_event_id: Option<u32>,
    /// Set once [`Self::settled`]: everything after is skipped unread.
    pub settled: bool,
}

/// A JSON string as it stands in the record, quotes and escapes included (serde_json has
/// checked its syntax and UTF-8). Decoding a ~1 KB rendered message costs more than the rest
/// of a record, and it is needed only when the structured fields fall short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawText<'de>(&'de str);

impl<'de> RawText<'de> {
    /// The string's value: borrowed when it has no escapes. `None` when its escapes do not
    /// decode (a lone surrogate).
    pub fn decode(self) -> Option<Cow<'de, str>> {
        let inner = self.0.strip_prefix('"')?.strip_suffix('"')?;
        if !inner.contains('\\') {
            return Some(Cow::Borrowed(inner));
        }
        serde_json::from_str::<String>(self.0).ok().map(Cow::Owned)
    }
}

/// A JSON scalar as we keep it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar<'de> {
    Str(Cow<'de, str>),
    Int(i64),
    Other,
}

/// Which object we are in; decides what its keys mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ctx {
    Root,
    /// Winlogbeat `winlog`.
    Winlog,
    /// Winlogbeat `winlog.event_data` (Windows EventData names).
    EventData,
    /// ECS `event` (`event.code` = event ID).
    Event,
    /// ECS `host`.
    Host,
    /// ECS `source`.
    Source,
    /// Azure `status` of a sign-in.
    Status,
    /// Azure audit `initiatedBy`.
    InitiatedBy,
    /// Azure audit `initiatedBy.user`.
    InitiatingUser,
    /// Azure audit `targetResources[]`.
    TargetResource,
}

/// Where a scalar value goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Leaf {
    Win(FieldSlot),
    HostName,
    Message,
    Timestamp,
    EventTime,
    Upn,
    SignInIdentifier,
    CallerIp,
    ErrorCode,
    ResultType,
    Category,
    AppDisplayName,
    Created,
    Time,
    TimeGenerated,
    ActivityTime,
    /// `loggedByService`, `activityDisplayName`, `operationName`: checked for SSPR.
    SsprMarker,
    Result,
    InitiatorUpn,
    InitiatorIp,
    TargetUpn,
}

/// What to do with a key's value: store it if it is a scalar, descend if it is an object,
/// and for arrays, which context their object elements are in (`first_only` for envelopes).
#[derive(Clone, Copy, Debug, Default)]
struct Action {
    leaf: Option<Leaf>,
    object: Option<Ctx>,
    array: Option<(Ctx, bool)>,
}

const fn leaf(l: Leaf) -> Action {
    Action {
        leaf: Some(l),
        object: None,
        array: None,
    }
}

const fn object(c: Ctx) -> Action {
    Action {
        leaf: None,
        object: Some(c),
        array: None,
    }
}

/// Keys understood in the root object and in Azure `properties` (both hold the same
/// sign-in / audit names depending on the export shape).
const AZURE_KEYS: &[(&str, Action)] = &[
    ("userPrincipalName", leaf(Leaf::Upn)),
    ("signInIdentifier", leaf(Leaf::SignInIdentifier)),
    ("ipAddress", leaf(Leaf::Win(FieldSlot::Ip))),
    ("callerIpAddress", leaf(Leaf::CallerIp)),
    ("resultType", leaf(Leaf::ResultType)),
    ("category", leaf(Leaf::Category)),
    ("Type", leaf(Leaf::Category)),
    ("appDisplayName", leaf(Leaf::AppDisplayName)),
    ("createdDateTime", leaf(Leaf::Created)),
    ("time", leaf(Leaf::Time)),
    ("TimeGenerated", leaf(Leaf::TimeGenerated)),
    ("activityDateTime", leaf(Leaf::ActivityTime)),
    ("loggedByService", leaf(Leaf::SsprMarker)),
    ("activityDisplayName", leaf(Leaf::SsprMarker)),
    ("operationName", leaf(Leaf::SsprMarker)),
    ("result", leaf(Leaf::Result)),
    ("initiatedBy", object(Ctx::InitiatedBy)),
    (
        "targetResources",
        Action {
            leaf: None,
            object: None,
            array: Some((Ctx::TargetResource, false)),
        },
    ),
    // Sign-in `status` is an object; NXLog's flat `Status` is the Windows NTSTATUS string.
    (
        "status",
        Action {
            leaf: Some(Leaf::Win(FieldSlot::Status)),
            object: Some(Ctx::Status),
            array: None,
        },
    ),
];

/// Keys only meaningful at the root (Winlogbeat/ECS/NXLog and envelopes).
const ROOT_KEYS: &[(&str, Action)] = &[
    ("winlog", object(Ctx::Winlog)),
    ("event", object(Ctx::Event)),
    ("host", object(Ctx::Host)),
    ("source", object(Ctx::Source)),
    ("properties", object(Ctx::Root)),
    ("message", leaf(Leaf::Message)),
    ("EventData", leaf(Leaf::Message)),
    ("full_message", leaf(Leaf::Message)),
    ("@timestamp", leaf(Leaf::Timestamp)),
    ("EventTime", leaf(Leaf::EventTime)),
    (
        "records",
        Action {
            leaf: None,
            object: None,
            array: Some((Ctx::Root, true)),
        },
    ),
    (
        "value",
        Action {
            leaf: None,
            object: None,
            array: Some((Ctx::Root, true)),
        },
    ),
];

/// Longest name in [`ROOT_KEYS`] and [`AZURE_KEYS`] (checked when [`ROOT_BY_LEN`] is built).
const ROOT_MAX_LEN: usize = 20;
/// Names of one length, at most.
const ROOT_PER_LEN: usize = 6;
/// An unused entry of [`ROOT_BY_LEN`].
const NO_KEY: u8 = u8::MAX;

/// Indices into `ROOT_KEYS ++ AZURE_KEYS` by name length, in table order (root first, as the
/// lookups always went): a key is compared with the two to four names of its length instead
/// of all thirty. Built at compile time; a length holding too many names fails the build.
const ROOT_BY_LEN: [[u8; ROOT_PER_LEN]; ROOT_MAX_LEN + 1] = {
    let mut table = [[NO_KEY; ROOT_PER_LEN]; ROOT_MAX_LEN + 1];
    let mut i = 0;
    while i < ROOT_KEYS.len() + AZURE_KEYS.len() {
        let name = root_entry(i).0;
        assert!(name.len() <= ROOT_MAX_LEN, "raise ROOT_MAX_LEN");
        let row = &mut table[name.len()];
        let mut j = 0;
        while row[j] != NO_KEY {
            j += 1;
            assert!(j < ROOT_PER_LEN, "raise ROOT_PER_LEN");
        }
        row[j] = i as u8;
        i += 1;
    }
    table
};

const fn root_entry(i: usize) -> (&'static str, Action) {
    if i < ROOT_KEYS.len() {
        ROOT_KEYS[i]
    } else {
        AZURE_KEYS[i - ROOT_KEYS.len()]
    }
}

/// The action of a root (or Azure `properties`) key named in [`ROOT_KEYS`] / [`AZURE_KEYS`],
/// ASCII case-insensitively.
fn root_lookup(key: &[u8]) -> Option<Action> {
    for &i in ROOT_BY_LEN.get(key.len())? {
        let i = usize::from(i);
        if i >= ROOT_KEYS.len() + AZURE_KEYS.len() {
            // `NO_KEY`: the rest of the row is unused.
            return None;
        }
        let (name, action) = root_entry(i);
        let name = name.as_bytes();
        // Most same-length names differ in their first letter: reject those in one step.
        let first_differs = match (name.first(), key.first()) {
            (Some(a), Some(b)) => (a ^ b) & !0x20 != 0,
            _ => false,
        };
        if !first_differs && name.eq_ignore_ascii_case(key) {
            return Some(action);
        }
    }
    None
}

/// What to do with the value of `key` (its bytes as written: serde_json has decoded its
/// escapes but not checked its UTF-8, which no known name needs).
fn action_for(ctx: Ctx, key: &[u8]) -> Action {
    let windows =
        |key: &[u8]| slot_for_name(key).map_or_else(Action::default, |s| leaf(Leaf::Win(s)));
    match ctx {
        Ctx::Root => root_lookup(key).unwrap_or_else(|| windows(key)),
        Ctx::EventData => windows(key),
        Ctx::Winlog => match key {
            b"event_id" => leaf(Leaf::Win(FieldSlot::EventId)),
            b"computer_name" => leaf(Leaf::Win(FieldSlot::Computer)),
            b"event_data" => object(Ctx::EventData),
            _ => Action::default(),
        },
        Ctx::Event => match key {
            b"code" => leaf(Leaf::Win(FieldSlot::EventId)),
            _ => Action::default(),
        },
        Ctx::Host => match key {
            b"name" => leaf(Leaf::HostName),
            _ => Action::default(),
        },
        Ctx::Source => match key {
            b"ip" => leaf(Leaf::Win(FieldSlot::Ip)),
            _ => Action::default(),
        },
        Ctx::Status => match key.eq_ignore_ascii_case(b"errorCode") {
            true => leaf(Leaf::ErrorCode),
            false => Action::default(),
        },
        Ctx::InitiatedBy => match key.eq_ignore_ascii_case(b"user") {
            true => object(Ctx::InitiatingUser),
            false => Action::default(),
        },
        Ctx::InitiatingUser => match key {
            k if k.eq_ignore_ascii_case(b"userPrincipalName") => leaf(Leaf::InitiatorUpn),
            k if k.eq_ignore_ascii_case(b"ipAddress") => leaf(Leaf::InitiatorIp),
            _ => Action::default(),
        },
        Ctx::TargetResource => match key.eq_ignore_ascii_case(b"userPrincipalName") {
            true => leaf(Leaf::TargetUpn),
            false => Action::default(),
        },
    }
}

impl<'de> Collected<'de> {
    /// Whether the record can no longer yield an authentication failure, whatever follows:
    /// its Windows event ID is none of 4625/4771/4768/4776 (`classify` drops it; the other
    /// payload parsers stop there too). 4768/4776 successes are read to the end: their
    /// fields are part of what `extract` reports (tests rely on it), and with the message
    /// kept raw the rest of such a record is cheap.
    pub fn settled(&self) -> bool {
        matches!(
            self.preset_event_id.or(self.win.event_id),
            Some(id) if !matches!(id, 4625 | 4771 | 4768 | 4776)
        )
    }

    fn put_win(&mut self, leaf: Leaf, text: Option<Cow<'de, str>>, number: Option<i64>) {
        let Leaf::Win(slot) = leaf else {
            return;
        };
        match (text, number) {
            (Some(t), _) => self.win.set_slot(slot, t),
            // Numbers are only meaningful for numeric slots (`"event_id": 4625`).
            (None, Some(n)) => {
                let target = match slot {
                    FieldSlot::EventId => &mut self.win.event_id,
                    FieldSlot::Status => &mut self.win.status,
                    FieldSlot::SubStatus => &mut self.win.sub_status,
                    _ => return,
                };
                if target.is_none() {
                    *target = u32::try_from(n).ok();
                }
            }
            (None, None) => {}
        }
    }

    fn put(&mut self, leaf: Leaf, value: Scalar<'de>) {
        let (text, number) = match value {
            Scalar::Str(s) => (Some(s).filter(|s| !s.is_empty()), None),
            Scalar::Int(n) => (None, Some(n)),
            Scalar::Other => (None, None),
        };
        let first = |slot: &mut Option<Cow<'de, str>>, text: Option<Cow<'de, str>>| {
            if slot.is_none() {
                *slot = text;
            }
        };
        match leaf {
            Leaf::Win(slot) => {
                self.put_win(leaf, text, number);
                if slot == FieldSlot::EventId {
                    self.settled = self.settled();
                }
            }
            Leaf::HostName => first(&mut self.host_name, text),
            // Read raw by `ValueSeed::deserialize`; a scalar that is not a string says nothing.
            Leaf::Message => {}
            Leaf::Timestamp => first(&mut self.timestamp, text),
            Leaf::EventTime => first(&mut self.event_time, text),
            Leaf::Upn => first(&mut self.upn, text),
            Leaf::SignInIdentifier => first(&mut self.sign_in_identifier, text),
            Leaf::CallerIp => first(&mut self.caller_ip, text),
            Leaf::ErrorCode => {
                if self.error_code.is_none() {
                    self.error_code = match (text, number) {
                        (Some(t), _) => crate::event::parse_code(&t),
                        (None, Some(n)) => u32::try_from(n).ok(),
                        (None, None) => None,
                    };
                }
            }
            Leaf::ResultType => first(&mut self.result_type, text),
            Leaf::Category => {
                // `SignInLogs`, `NonInteractiveUserSignInLogs`, Log Analytics `SigninLogs`,
                // `AADNonInteractiveUserSignInLogs`, `ServicePrincipalSignInLogs`, …
                if text.is_some_and(|t| ends_with_ignore_case(&t, "signinlogs")) {
                    self.signin_category = true;
                }
            }
            Leaf::AppDisplayName => first(&mut self.app_display_name, text),
            Leaf::Created => first(&mut self.created, text),
            Leaf::Time => first(&mut self.time, text),
            Leaf::TimeGenerated => first(&mut self.time_generated, text),
            Leaf::ActivityTime => first(&mut self.activity_time, text),
            Leaf::SsprMarker => {
                if text.is_some_and(|t| is_sspr_text(&t)) {
                    self.sspr_marker = true;
                }
            }
            Leaf::Result => {
                if self.result.is_none() {
                    self.result = match (text, number) {
                        (Some(t), _) => Some(Scalar::Str(t)),
                        (None, Some(n)) => Some(Scalar::Int(n)),
                        (None, None) => None,
                    };
                }
            }
            Leaf::InitiatorUpn => first(&mut self.initiator_upn, text),
            Leaf::InitiatorIp => first(&mut self.initiator_ip, text),
            Leaf::TargetUpn => first(&mut self.target_upn, text),
        }
    }
}

fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text.as_bytes()[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

fn contains_ignore_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// SSPR audit records: `loggedByService: "Self-service Password Management"`, activities
/// `Self-service password reset flow activity progress`, `Reset password (self-service)`,
/// `Unlock user account (self-service)` …
fn is_sspr_text(text: &str) -> bool {
    contains_ignore_case(text, "self-service password")
        || (contains_ignore_case(text, "self-service") && contains_ignore_case(text, "password"))
}

/// Deserializes one value in `ctx`, storing what `action` says.
pub(crate) struct ValueSeed<'c, 'de> {
    pub rec: &'c mut Collected<'de>,
    action: Action,
}

impl<'c, 'de> ValueSeed<'c, 'de> {
    /// The seed for a whole record: an object in the root context.
    pub fn record(rec: &'c mut Collected<'de>) -> Self {
        rec.settled = rec.settled();
        ValueSeed {
            rec,
            action: object(Ctx::Root),
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.action {
            // Nothing wanted here: serde_json skips it without decoding strings or numbers.
            Action {
                leaf: None,
                object: None,
                array: None,
            } => d.deserialize_ignored_any(IgnoredAny).map(drop),
            // The rendered message: kept raw, decoded only if `apply` needs it.
            Action {
                leaf: Some(Leaf::Message),
                object: None,
                array: None,
            } => {
                let raw = <&'de RawValue>::deserialize(d)?.get();
                // `""` says nothing: a later message key may still fill the slot.
                if self.rec.message.is_none() && raw.starts_with('"') && raw != "\"\"" {
                    self.rec.message = Some(RawText(raw));
                }
                Ok(())
            }
            _ => d.deserialize_any(self),
        }
    }
}

impl<'de> ValueSeed<'_, 'de> {
    fn scalar(self, v: Scalar<'de>) {
        if let Some(l) = self.action.leaf {
            self.rec.put(l, v);
        }
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.scalar(Scalar::Str(Cow::Borrowed(v)));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if self.action.leaf.is_some() {
            self.scalar(Scalar::Str(Cow::Owned(v.to_owned())));
        }
        Ok(())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.scalar(Scalar::Str(Cow::Owned(v)));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.scalar(Scalar::Int(v));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.scalar(i64::try_from(v).map_or(Scalar::Other, Scalar::Int));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if let Some(ctx) = self.action.object {
            while !self.rec.settled {
                let Some(action) = map.next_key_seed(KeySeed(ctx))? else {
                    return Ok(());
                };
                map.next_value_seed(ValueSeed {
                    rec: &mut *self.rec,
                    action,
                })?;
            }
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Some((ctx, first_only)) = self.action.array.filter(|_| !self.rec.settled) {
            let element = object(ctx);
            if first_only {
                seq.next_element_seed(ValueSeed {
                    rec: &mut *self.rec,
                    action: element,
                })?;
            } else {
                while !self.rec.settled
                    && seq
                        .next_element_seed(ValueSeed {
                            rec: &mut *self.rec,
                            action: element,
                        })?
                        .is_some()
                {}
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

/// Reads a key and turns it into the [`Action`] for its value without keeping the key, so an
/// escaped key costs no allocation either. Read as bytes: every known name is ASCII, so its
/// UTF-8 need not be checked first.
struct KeySeed(Ctx);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Action;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Action, D::Error> {
        d.deserialize_bytes(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Action;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Action, E> {
        Ok(action_for(self.0, v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Action, E> {
        Ok(action_for(self.0, v.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_root_and_azure_name_is_found_in_any_case_and_near_misses_are_not() {
        for i in 0..ROOT_KEYS.len() + AZURE_KEYS.len() {
            let (name, action) = root_entry(i);
            // The first entry of a name wins, as the table scans did.
            let first = ROOT_KEYS
                .iter()
                .chain(AZURE_KEYS)
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, a)| *a);
            for spelling in [
                name.to_string(),
                name.to_ascii_lowercase(),
                name.to_ascii_uppercase(),
            ] {
                let found = root_lookup(spelling.as_bytes());
                assert_eq!(format!("{found:?}"), format!("{first:?}"), "{spelling}");
            }
            assert_eq!(format!("{:?}", first), format!("{:?}", Some(action)));
            let mut changed = name.as_bytes().to_vec();
            changed[0] ^= 0x01;
            assert!(root_lookup(&changed).is_none(), "{name}");
            assert!(root_lookup(&name.as_bytes()[1..]).is_none(), "{name}");
        }
        assert!(root_lookup(b"").is_none());
        assert!(root_lookup(&[b'a'; 300]).is_none());
    }
}

//! One streaming pass over a JSON record with serde: the values rollcall needs are kept as
//! `Cow<'de, str>` borrowed from the input (owned only when the JSON string had escapes),
//! everything else is skipped with `IgnoredAny`. No `derive(Deserialize)`: real Graph output
//! repeats keys (`homeTenantId` twice), which derived structs reject, and the same key holds
//! a string in one producer and an object in another (`Status`: NXLog `"0xC000006D"`, Log
//! Analytics `{"errorCode":50126}`), so each value is dispatched on what it turns out to be.
//!
//! Keys are compared ASCII case-insensitively: Graph (`userPrincipalName`), Log Analytics
//! (`UserPrincipalName`) and Windows (`IpAddress` / `IPAddress` / `ipAddress`) agree on names
//! but not on case, and no two fields we read differ only by case.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::fields::{slot_for_name, FieldSlot, WinFields};

/// Everything a record may say, before deciding what kind of record it is.
#[derive(Debug, Default)]
pub(crate) struct Collected<'de> {
    /// Windows fields (Winlogbeat `winlog.*`, NXLog flat names, dotted ECS names).
    pub win: WinFields<'de>,
    /// ECS `host.name` (the shipper's host; `winlog.computer_name` is preferred).
    pub host_name: Option<Cow<'de, str>>,
    /// Rendered event text (`message`, `Message`, LogRhythm `EventData`).
    pub message: Option<Cow<'de, str>>,
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

fn lookup(table: &[(&str, Action)], key: &str) -> Option<Action> {
    table
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, a)| *a)
}

fn action_for(ctx: Ctx, key: &str) -> Action {
    let windows = |key: &str| {
        slot_for_name(key.as_bytes()).map_or_else(Action::default, |s| leaf(Leaf::Win(s)))
    };
    match ctx {
        Ctx::Root => lookup(ROOT_KEYS, key)
            .or_else(|| lookup(AZURE_KEYS, key))
            .unwrap_or_else(|| windows(key)),
        Ctx::EventData => windows(key),
        Ctx::Winlog => match key {
            "event_id" => leaf(Leaf::Win(FieldSlot::EventId)),
            "computer_name" => leaf(Leaf::Win(FieldSlot::Computer)),
            "event_data" => object(Ctx::EventData),
            _ => Action::default(),
        },
        Ctx::Event => match key {
            "code" => leaf(Leaf::Win(FieldSlot::EventId)),
            _ => Action::default(),
        },
        Ctx::Host => match key {
            "name" => leaf(Leaf::HostName),
            _ => Action::default(),
        },
        Ctx::Source => match key {
            "ip" => leaf(Leaf::Win(FieldSlot::Ip)),
            _ => Action::default(),
        },
        Ctx::Status => match key.eq_ignore_ascii_case("errorCode") {
            true => leaf(Leaf::ErrorCode),
            false => Action::default(),
        },
        Ctx::InitiatedBy => match key.eq_ignore_ascii_case("user") {
            true => object(Ctx::InitiatingUser),
            false => Action::default(),
        },
        Ctx::InitiatingUser => match key {
            k if k.eq_ignore_ascii_case("userPrincipalName") => leaf(Leaf::InitiatorUpn),
            k if k.eq_ignore_ascii_case("ipAddress") => leaf(Leaf::InitiatorIp),
            _ => Action::default(),
        },
        Ctx::TargetResource => match key.eq_ignore_ascii_case("userPrincipalName") {
            true => leaf(Leaf::TargetUpn),
            false => Action::default(),
        },
    }
}

impl<'de> Collected<'de> {
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
            Leaf::Win(slot) => match (text, number) {
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
            },
            Leaf::HostName => first(&mut self.host_name, text),
            Leaf::Message => first(&mut self.message, text),
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
        ValueSeed {
            rec,
            action: object(Ctx::Root),
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
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
        let Some(ctx) = self.action.object else {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        while let Some(action) = map.next_key_seed(KeySeed(ctx))? {
            map.next_value_seed(ValueSeed {
                rec: &mut *self.rec,
                action,
            })?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Some((ctx, first_only)) = self.action.array {
            let element = object(ctx);
            if first_only {
                seq.next_element_seed(ValueSeed {
                    rec: &mut *self.rec,
                    action: element,
                })?;
            } else {
                while seq
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
/// escaped key costs no allocation either.
struct KeySeed(Ctx);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Action;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Action, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Action;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Action, E> {
        Ok(action_for(self.0, v))
    }
}

//! `WinFields`: what every payload parser extracts, before classification.
//!
//! Payload formats differ in syntax but carry the same Windows event fields under a handful
//! of names. Each payload module finds (name, value) pairs in its own syntax and hands them to
//! [`WinFields::set_field`]; [`crate::normalise::classify`] then decides whether the result is
//! an authentication failure.

use std::borrow::Cow;

use crate::event::{parse_code, AuthKind};

/// Fields of one Windows / Azure record that matter for authentication failures.
/// Values borrow from the frame unless a format had to unescape them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WinFields<'a> {
    /// Windows event ID (4625, 4771, …).
    pub event_id: Option<u32>,
    /// Set directly by the Azure parsers (sign-in / SSPR); Windows kinds come from `event_id`.
    pub kind_hint: Option<AuthKind>,
    /// Target account (`TargetUserName`, "Account For Which Logon Failed: Account Name",
    /// Azure `userPrincipalName`). Never the Subject account.
    pub target_user: Option<Cow<'a, str>>,
    pub target_domain: Option<Cow<'a, str>>,
    /// Client address as written (`IpAddress`, "Source Network Address", "Client Address").
    pub ip: Option<Cow<'a, str>>,
    /// Client workstation (`WorkstationName`, `Workstation`, "Source Workstation").
    pub workstation: Option<Cow<'a, str>>,
    /// `Status` (4625: NTSTATUS; 4771/4768/4776: the failure/result/error code).
    pub status: Option<u32>,
    /// `SubStatus` (4625 only).
    pub sub_status: Option<u32>,
    /// Reporting host (`Computer`, `Hostname`, `host.name`).
    pub computer: Option<Cow<'a, str>>,
    /// Event time from the payload, epoch ms UTC, when it carries one.
    pub time_ms: Option<i64>,
}

/// Which [`WinFields`] slot a field name feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldSlot {
    EventId,
    TargetUser,
    TargetDomain,
    Ip,
    Workstation,
    Status,
    SubStatus,
    Computer,
}

/// The field names Windows (EventData XML names), NXLog, WinCollect, Winlogbeat/ECS and CEF
/// use, with the slot each feeds.
const NAMES: &[(&[u8], FieldSlot)] = {
    use FieldSlot::*;
    &[
        (b"EventID", EventId),
        (b"EventIDCode", EventId),
        (b"EventCode", EventId),
        (b"event_id", EventId),
        (b"winlog.event_id", EventId),
        (b"event.code", EventId),
        (b"TargetUserName", TargetUser),
        (b"TargetUser", TargetUser),
        (b"winlog.event_data.TargetUserName", TargetUser),
        (b"TargetDomainName", TargetDomain),
        (b"winlog.event_data.TargetDomainName", TargetDomain),
        (b"IpAddress", Ip),
        (b"winlog.event_data.IpAddress", Ip),
        (b"source.ip", Ip),
        (b"WorkstationName", Workstation),
        (b"Workstation", Workstation),
        (b"winlog.event_data.WorkstationName", Workstation),
        (b"winlog.event_data.Workstation", Workstation),
        (b"Status", Status),
        (b"winlog.event_data.Status", Status),
        (b"SubStatus", SubStatus),
        (b"winlog.event_data.SubStatus", SubStatus),
        (b"Computer", Computer),
        (b"ComputerName", Computer),
        (b"Hostname", Computer),
        (b"winlog.computer_name", Computer),
        (b"host.name", Computer),
    ]
};

/// Longest name in [`NAMES`] (checked when [`NAMES_BY_LEN`] is built).
const MAX_NAME_LEN: usize = 34;
/// Most names of one length (length 9 has five).
const BUCKET: usize = 5;
/// An unused bucket entry: past the end of [`NAMES`].
const NO_NAME: u8 = u8::MAX;

/// For each name length, the indices into [`NAMES`] of the names that long. Built at compile
/// time; a table that outgrows the limits above fails the build.
const NAMES_BY_LEN: [[u8; BUCKET]; MAX_NAME_LEN + 1] = {
    let mut by_len = [[NO_NAME; BUCKET]; MAX_NAME_LEN + 1];
    assert!(NAMES.len() < NO_NAME as usize);
    let mut i = 0;
    while i < NAMES.len() {
        let len = NAMES[i].0.len();
        assert!(len > 0 && len <= MAX_NAME_LEN, "raise MAX_NAME_LEN");
        let mut j = 0;
        while by_len[len][j] != NO_NAME {
            j += 1;
            assert!(j < BUCKET, "raise BUCKET");
        }
        by_len[len][j] = i as u8;
        i += 1;
    }
    by_len
};

/// Maps a field name to its slot. Names are matched exactly (ASCII case-insensitively), since
/// producers do not agree on case (`EventID`, `EventId`, `eventid`).
///
/// Payload parsers ask about every key of a record and most keys are not known, so this is
/// on the hot path: the length picks at most [`BUCKET`] candidates (usually none or one), the
/// first letter rejects most of those, and only then are the names compared.
pub fn slot_for_name(name: &[u8]) -> Option<FieldSlot> {
    let bucket = NAMES_BY_LEN.get(name.len())?;
    let first = name.first()?.to_ascii_lowercase();
    for &i in bucket {
        // `NO_NAME` is past the end of `NAMES`: the bucket's remaining entries are unused.
        let (candidate, slot) = NAMES.get(usize::from(i))?;
        if candidate.first().map(u8::to_ascii_lowercase) == Some(first)
            && (*candidate == name || candidate.eq_ignore_ascii_case(name))
        {
            return Some(*slot);
        }
    }
    None
}

impl<'a> WinFields<'a> {
    /// Stores `value` under the slot `name` maps to. Returns whether the name was known.
    /// A slot already filled keeps its first value (the first occurrence is the event's own;
    /// later ones are usually copies inside rendered text).
    pub fn set_field(&mut self, name: &[u8], value: Cow<'a, str>) -> bool {
        match slot_for_name(name) {
            Some(slot) => {
                self.set_slot(slot, value);
                true
            }
            None => false,
        }
    }

    /// True once a Windows event ID is known and it is none of 4625/4771/4768/4776: payload
    /// parsers stop reading there (classification will drop the record anyway).
    pub fn is_other_windows_event(&self) -> bool {
        matches!(self.event_id, Some(id) if !matches!(id, 4625 | 4771 | 4768 | 4776))
    }

    pub fn set_slot(&mut self, slot: FieldSlot, value: Cow<'a, str>) {
        match slot {
            FieldSlot::EventId => {
                if self.event_id.is_none() {
                    self.event_id = value.trim().parse().ok();
                }
            }
            FieldSlot::TargetUser => fill(&mut self.target_user, value),
            FieldSlot::TargetDomain => fill(&mut self.target_domain, value),
            FieldSlot::Ip => fill(&mut self.ip, value),
            FieldSlot::Workstation => fill(&mut self.workstation, value),
            FieldSlot::Status => {
                if self.status.is_none() {
                    self.status = parse_code(&value);
                }
            }
            FieldSlot::SubStatus => {
                if self.sub_status.is_none() {
                    self.sub_status = parse_code(&value);
                }
            }
            FieldSlot::Computer => fill(&mut self.computer, value),
        }
    }
}

fn fill<'a>(slot: &mut Option<Cow<'a, str>>, value: Cow<'a, str>) {
    if slot.is_none() {
        *slot = Some(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_fill_slots_once() {
        let mut f = WinFields::default();
        assert!(f.set_field(b"eventid", "4625".into()));
        assert!(f.set_field(b"TargetUserName", "jdoe".into()));
        assert!(f.set_field(b"TargetUserName", "other".into()));
        assert!(f.set_field(b"SubStatus", "0xc0000064".into()));
        assert!(!f.set_field(b"SubjectUserName", "SYSTEM".into()));
        assert!(!f.set_field(b"", "x".into()));
        assert_eq!(f.event_id, Some(4625));
        assert_eq!(f.target_user.as_deref(), Some("jdoe"));
        assert_eq!(f.sub_status, Some(0xC000_0064));
    }

    #[test]
    fn every_name_is_found_in_any_case_and_near_misses_are_not() {
        for (name, slot) in NAMES {
            assert_eq!(slot_for_name(name), Some(*slot));
            assert_eq!(slot_for_name(&name.to_ascii_lowercase()), Some(*slot));
            assert_eq!(slot_for_name(&name.to_ascii_uppercase()), Some(*slot));
            // One byte longer, one byte shorter, one byte changed: unknown.
            let longer = [&name[..], b"x"].concat();
            assert_eq!(slot_for_name(&longer), None);
            assert_eq!(slot_for_name(&name[..name.len() - 1]), None, "{name:?}");
            let mut changed = name.to_vec();
            changed[name.len() / 2] = b'#';
            assert_eq!(slot_for_name(&changed), None);
        }
        assert_eq!(slot_for_name(&[b'a'; 300]), None);
    }
}

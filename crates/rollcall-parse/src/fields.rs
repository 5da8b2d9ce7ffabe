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

/// Maps the field names Windows (EventData XML names), NXLog, WinCollect, Winlogbeat/ECS and
/// CEF use to a slot. Names are matched exactly (ASCII case-insensitively), since producers
/// do not agree on case (`EventID`, `EventId`, `eventid`).
pub fn slot_for_name(name: &[u8]) -> Option<FieldSlot> {
    use FieldSlot::*;
    // Longest names first is not needed: every comparison is exact.
    const TABLE: &[(&[u8], FieldSlot)] = &[
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
    ];
    // Payload parsers ask about every key of a record; most are not in the table. A
    // compile-time (first letter, length) filter rejects those without scanning it.
    const FILTER: [u64; 256] = name_filter(TABLE);
    if !may_be_in(&FILTER, name) {
        return None;
    }
    TABLE
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, s)| *s)
}

/// For each ASCII-lower-cased first byte, a bit per name length (lengths ≥ 63 share bit 63).
const fn name_filter(table: &[(&[u8], FieldSlot)]) -> [u64; 256] {
    let mut filter = [0u64; 256];
    let mut i = 0;
    while i < table.len() {
        let name = table[i].0;
        if !name.is_empty() {
            let first = name[0].to_ascii_lowercase() as usize;
            let len = if name.len() < 63 { name.len() } else { 63 };
            filter[first] |= 1 << len;
        }
        i += 1;
    }
    filter
}

fn may_be_in(filter: &[u64; 256], name: &[u8]) -> bool {
    match name.first() {
        Some(first) => {
            let len = name.len().min(63);
            filter[first.to_ascii_lowercase() as usize] & (1 << len) != 0
        }
        None => false,
    }
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
        assert_eq!(f.event_id, Some(4625));
        assert_eq!(f.target_user.as_deref(), Some("jdoe"));
        assert_eq!(f.sub_status, Some(0xC000_0064));
    }
}

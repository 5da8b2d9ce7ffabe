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
    /// Whether `time_ms` is a known instant (epoch, or a stated zone) rather than the
    /// sender's zone-less wall clock read as UTC.
    pub time_zoned: bool,
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
pub(crate) const NAMES: &[(&[u8], FieldSlot)] = {
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

/// Hash-table slots: a power of two, a little over twice the number of names.
const HASH_SLOTS: usize = 64;
/// Names that may share a hash slot.
const BUCKET: usize = 2;
/// An unused bucket entry: past the end of [`NAMES`].
const NO_NAME: u8 = u8::MAX;

/// A hash of the length and the last two bytes, ASCII-case-folded, so that every spelling a
/// case-insensitive comparison accepts lands in the same slot. (These three tell the names
/// apart best: many share their first letters, `winlog.event_data.` for one.)
const fn name_hash(len: usize, second_last: u8, last: u8) -> usize {
    (len + 10 * (second_last | 0x20) as usize + (last | 0x20) as usize) % HASH_SLOTS
}

/// [`NAMES`] indices by [`name_hash`]. Built at compile time; a table that crowds one slot
/// past [`BUCKET`] fails the build.
const NAMES_BY_HASH: [[u8; BUCKET]; HASH_SLOTS] = {
    let mut table = [[NO_NAME; BUCKET]; HASH_SLOTS];
    assert!(NAMES.len() < NO_NAME as usize);
    let mut i = 0;
    while i < NAMES.len() {
        let name = NAMES[i].0;
        assert!(name.len() >= 2);
        let h = name_hash(name.len(), name[name.len() - 2], name[name.len() - 1]);
        let mut j = 0;
        while table[h][j] != NO_NAME {
            j += 1;
            assert!(
                j < BUCKET,
                "too many names in one hash slot: change name_hash"
            );
        }
        table[h][j] = i as u8;
        i += 1;
    }
    table
};

/// Longest name in [`NAMES`], in 8-byte words (checked when [`FOLDED_NAMES`] is built).
const NAME_WORDS: usize = 5;

/// Each name as little-endian words of its lower-cased bytes, with a mask of the bits that
/// case folding ignores (0x20 in letters, nothing elsewhere): a name `n` and an input `x` of
/// the same length compare ASCII-case-insensitively equal exactly when
/// `x | mask == lower` in every word. Eight bytes per step instead of one.
const FOLDED_NAMES: [([u64; NAME_WORDS], [u64; NAME_WORDS]); NAMES.len()] = {
    let mut out = [([0u64; NAME_WORDS], [0u64; NAME_WORDS]); NAMES.len()];
    let mut i = 0;
    while i < NAMES.len() {
        let name = NAMES[i].0;
        assert!(name.len() <= NAME_WORDS * 8, "raise NAME_WORDS");
        let mut j = 0;
        while j < name.len() {
            let c = name[j];
            let (lower, fold) = if c.is_ascii_alphabetic() {
                (c.to_ascii_lowercase(), 0x20)
            } else {
                (c, 0)
            };
            out[i].0[j / 8] |= (lower as u64) << (8 * (j % 8));
            out[i].1[j / 8] |= (fold as u64) << (8 * (j % 8));
            j += 1;
        }
        i += 1;
    }
    out
};

/// Whether `input` equals `NAMES[index]` ASCII-case-insensitively (see [`FOLDED_NAMES`]).
fn folded_eq(index: usize, input: &[u8]) -> bool {
    let Some((lower, fold)) = FOLDED_NAMES.get(index) else {
        return false;
    };
    let mut words = input.chunks_exact(8);
    let mut k = 0;
    for word in &mut words {
        let (Some(lower), Some(fold)) = (lower.get(k), fold.get(k)) else {
            return false;
        };
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        if u64::from_le_bytes(bytes) | fold != *lower {
            return false;
        }
        k += 1;
    }
    let (Some(lower), Some(fold)) = (lower.get(k), fold.get(k)) else {
        return words.remainder().is_empty();
    };
    words
        .remainder()
        .iter()
        .zip(lower.to_le_bytes().iter().zip(fold.to_le_bytes()))
        .all(|(&c, (&lower, fold))| c | fold == lower)
}

/// Maps a field name to its slot. Names are matched exactly (ASCII case-insensitively), since
/// producers do not agree on case (`EventID`, `EventId`, `eventid`).
///
/// Payload parsers ask about every key of a record and most keys are not known, so this is
/// on the hot path: one hash picks at most [`BUCKET`] candidates, the length rejects nearly
/// every wrong one, and only then are bytes compared.
pub fn slot_for_name(name: &[u8]) -> Option<FieldSlot> {
    let [.., second_last, last] = name else {
        return None;
    };
    let bucket = NAMES_BY_HASH.get(name_hash(name.len(), *second_last, *last))?;
    for &i in bucket {
        // `NO_NAME` is past the end of `NAMES`: the bucket's remaining entries are unused.
        let (candidate, slot) = NAMES.get(usize::from(i))?;
        if candidate.len() == name.len() && folded_eq(usize::from(i), name) {
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

    /// Whether `slot` already holds a value ([`Self::set_slot`] would then change nothing).
    pub fn has_slot(&self, slot: FieldSlot) -> bool {
        match slot {
            FieldSlot::EventId => self.event_id.is_some(),
            FieldSlot::TargetUser => self.target_user.is_some(),
            FieldSlot::TargetDomain => self.target_domain.is_some(),
            FieldSlot::Ip => self.ip.is_some(),
            FieldSlot::Workstation => self.workstation.is_some(),
            FieldSlot::Status => self.status.is_some(),
            FieldSlot::SubStatus => self.sub_status.is_some(),
            FieldSlot::Computer => self.computer.is_some(),
        }
    }

    /// Records the payload's event time `(epoch ms, zone known)`, if it has one.
    pub fn set_time(&mut self, time: Option<(i64, bool)>) {
        if let Some((ms, zoned)) = time {
            self.time_ms = Some(ms);
            self.time_zoned = zoned;
        }
    }

    pub fn set_slot(&mut self, slot: FieldSlot, value: Cow<'a, str>) {
        match slot {
            FieldSlot::EventId => {
                if self.event_id.is_none() {
                    self.event_id =
                        plain_decimal(value.as_bytes()).or_else(|| value.trim().parse().ok());
                }
            }
            FieldSlot::TargetUser => fill(&mut self.target_user, value),
            FieldSlot::TargetDomain => fill(&mut self.target_domain, value),
            FieldSlot::Ip => fill(&mut self.ip, value),
            FieldSlot::Workstation => fill(&mut self.workstation, value),
            FieldSlot::Status => {
                if self.status.is_none() {
                    self.status = plain_code(value.as_bytes()).or_else(|| parse_code(&value));
                }
            }
            FieldSlot::SubStatus => {
                if self.sub_status.is_none() {
                    self.sub_status = plain_code(value.as_bytes()).or_else(|| parse_code(&value));
                }
            }
            FieldSlot::Computer => fill(&mut self.computer, value),
        }
    }
}

/// 1–9 ASCII digits and nothing else: their value, as `str::parse::<u32>` gives it (nine
/// digits cannot overflow). `None` for anything else, which then takes the general path.
fn plain_decimal(v: &[u8]) -> Option<u32> {
    if v.is_empty() || v.len() > 9 {
        return None;
    }
    v.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// [`parse_code`] for the spellings nearly every record uses, `0x`/`0X` and 1–8 hex digits or
/// 1–9 decimal digits, without trimming or the general parsers. `None` for anything else
/// (which [`parse_code`] then reads, with the same answer for these spellings).
fn plain_code(v: &[u8]) -> Option<u32> {
    match v {
        [b'0', b'x' | b'X', hex @ ..] if (1..=8).contains(&hex.len()) => {
            hex.iter().try_fold(0u32, |n, &c| {
                let d = match c {
                    b'0'..=b'9' => c - b'0',
                    b'a'..=b'f' => c - b'a' + 10,
                    b'A'..=b'F' => c - b'A' + 10,
                    _ => return None,
                };
                Some(n << 4 | u32::from(d))
            })
        }
        _ => plain_decimal(v),
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
        assert!(f.has_slot(FieldSlot::SubStatus));
        assert!(!f.has_slot(FieldSlot::Ip));
        // A value that does not parse leaves the slot open for a later one.
        assert!(f.set_field(b"Status", "bogus".into()));
        assert!(!f.has_slot(FieldSlot::Status));
        assert!(f.set_field(b"Status", "0xC000006D".into()));
        assert!(f.has_slot(FieldSlot::Status));
    }

    #[test]
    fn plain_codes_read_as_the_general_parsers_do() {
        for v in [
            "0",
            "4625",
            "123456789",
            "1234567890",
            "4294967295",
            "0x0",
            "0xc000006d",
            "0XC000006D",
            "0xFFFFFFFF",
            "0x1FFFFFFFF",
            "0x",
            "0x-1",
            "0x+1",
            "+5",
            "-5",
            " 7",
            "7 ",
            "0xg",
            "x12",
            "",
            "٣",
            "0x0000000001",
        ] {
            let general = parse_code(v);
            assert_eq!(
                plain_code(v.as_bytes()).or_else(|| parse_code(v)),
                general,
                "{v}"
            );
            if let Some(fast) = plain_code(v.as_bytes()) {
                assert_eq!(Some(fast), general, "{v}");
            }
            let id: Option<u32> = v.trim().parse().ok();
            if let Some(fast) = plain_decimal(v.as_bytes()) {
                assert_eq!(Some(fast), id, "{v}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_codes_agree_with_parse_code(v in "(0[xX])?[0-9a-fA-F+ -]{0,11}") {
            if let Some(fast) = plain_code(v.as_bytes()) {
                proptest::prop_assert_eq!(Some(fast), parse_code(&v));
            }
            if let Some(fast) = plain_decimal(v.as_bytes()) {
                proptest::prop_assert_eq!(Some(fast), v.trim().parse::<u32>().ok());
            }
        }
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
        // Folding is for letters only: `_` and `.` do not match their case-flipped bytes.
        assert_eq!(slot_for_name(b"event\x7fid"), None);
        assert_eq!(slot_for_name(b"host\x0ename"), None);
        assert_eq!(slot_for_name(b"EVENT_ID"), Some(FieldSlot::EventId));
        assert_eq!(slot_for_name(b"s"), None);
    }
}

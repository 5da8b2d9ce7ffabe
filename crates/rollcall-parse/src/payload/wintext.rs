//! Rendered Windows Security event text: the human-readable `Message` of 4625, 4771, 4768 and
//! 4776 as Event Viewer shows it, usually flattened onto one line by whoever forwarded it.
//!
//! ```text
//! An account failed to log on. Subject: Security ID: S-1-0-0 Account Name: - …
//! Account For Which Logon Failed: Security ID: S-1-0-0 Account Name: jdoe Account Domain: CORP
//! Failure Information: … Status: 0xC000006D Sub Status: 0xC0000064 … Source Network Address: …
//! ```
//!
//! The layout survives forwarding only partly: TABs and LFs may be real, rsyslog `#011`/`#012`
//! escapes, Snare's runs of spaces, or single spaces. What survives every variant is the label
//! vocabulary, so the parser is label-driven: every `:` is a candidate label end, the label is
//! recognised backwards from the colon against a fixed table, and a value runs from its colon
//! to the next recognised label (or an earlier separator). Section headers (`Subject:`,
//! `Account For Which Logon Failed:` …) switch which block an `Account Name:` belongs to, which
//! is how the target account is told from the Subject account. No allocation unless a value is
//! not UTF-8.

use std::borrow::Cow;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::error::ParseError;
use crate::fields::{FieldSlot, WinFields};

/// Opening sentences of the events we parse, with the event they identify.
const SENTENCES: &[(&str, u32)] = &[
    ("An account failed to log on", 4625),
    ("Kerberos pre-authentication failed", 4771),
    ("A Kerberos authentication ticket (TGT) was requested", 4768),
    (
        "The computer attempted to validate the credentials for an account",
        4776,
    ),
];

/// Explicit event-ID markers, looked for only when no opening sentence is present (a
/// truncated or localised rendering whose producer still wrote the ID).
const ID_MARKERS: &[&str] = &[
    "EventID=",
    "EventID:",
    "Event ID:",
    "EventCode=",
    "EventCode:",
    "4625:",
    "4771:",
    "4768:",
    "4776:",
];

const SUPPORTED_IDS: [u32; 4] = [4625, 4771, 4768, 4776];

/// Which account block the labels that follow belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    /// No section header seen yet (renderings that lost their headers).
    None,
    /// 4625 `Subject:`, 4624 `New Logon:` and other blocks whose account is not the target.
    NotTarget,
    /// 4625 `Account For Which Logon Failed:`, 4771/4768 `Account Information:`.
    Target,
}

/// What a label means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Label {
    Section(Block),
    AccountName,
    AccountDomain,
    /// 4768 `Supplied Realm Name:` (the domain the client asked for).
    Realm,
    /// 4776 `Logon Account:` (no blocks in 4776).
    LogonAccount,
    Status,
    SubStatus,
    Ip,
    Workstation,
    EventId,
    /// Known label whose value we do not need; it still ends the previous value.
    Other,
}

/// Every label of the four events (plus 4624, whose text is often mixed in the same stream).
/// A value ends where the next label starts, so a label missing here can only make a value
/// run long, which [`Slot::cut`] then bounds at the first separator.
const LABELS: &[(&str, Label)] = &[
    ("Subject", Label::Section(Block::NotTarget)),
    ("New Logon", Label::Section(Block::NotTarget)),
    (
        "Account For Which Logon Failed",
        Label::Section(Block::Target),
    ),
    ("Account Information", Label::Section(Block::Target)),
    ("Logon Information", Label::Section(Block::NotTarget)),
    ("Failure Information", Label::Section(Block::NotTarget)),
    ("Process Information", Label::Section(Block::NotTarget)),
    ("Network Information", Label::Section(Block::NotTarget)),
    (
        "Detailed Authentication Information",
        Label::Section(Block::NotTarget),
    ),
    ("Service Information", Label::Section(Block::NotTarget)),
    ("Additional Information", Label::Section(Block::NotTarget)),
    ("Certificate Information", Label::Section(Block::NotTarget)),
    (
        "Domain Controller Information",
        Label::Section(Block::NotTarget),
    ),
    ("Account Name", Label::AccountName),
    ("Account Domain", Label::AccountDomain),
    ("Supplied Realm Name", Label::Realm),
    ("Logon Account", Label::LogonAccount),
    ("Status", Label::Status),
    ("Sub Status", Label::SubStatus),
    ("Failure Code", Label::Status),
    ("Result Code", Label::Status),
    ("Error Code", Label::Status),
    ("Source Network Address", Label::Ip),
    ("Client Address", Label::Ip),
    ("Workstation Name", Label::Workstation),
    ("Source Workstation", Label::Workstation),
    ("EventID", Label::EventId),
    ("Event ID", Label::EventId),
    ("EventCode", Label::EventId),
    ("Security ID", Label::Other),
    ("Logon ID", Label::Other),
    ("Linked Logon ID", Label::Other),
    ("Logon Type", Label::Other),
    ("Logon GUID", Label::Other),
    ("Failure Reason", Label::Other),
    ("Caller Process ID", Label::Other),
    ("Caller Process Name", Label::Other),
    ("Process ID", Label::Other),
    ("Process Name", Label::Other),
    ("Source Port", Label::Other),
    ("Client Port", Label::Other),
    ("Logon Process", Label::Other),
    ("Authentication Package", Label::Other),
    ("Transited Services", Label::Other),
    ("Package Name (NTLM only)", Label::Other),
    ("Key Length", Label::Other),
    ("Service Name", Label::Other),
    ("Service ID", Label::Other),
    ("User ID", Label::Other),
    ("Ticket Options", Label::Other),
    ("Ticket Encryption Type", Label::Other),
    ("Pre-Authentication Type", Label::Other),
    ("Certificate Issuer Name", Label::Other),
    ("Certificate Serial Number", Label::Other),
    ("Certificate Thumbprint", Label::Other),
    ("Network Account Name", Label::Other),
    ("Network Account Domain", Label::Other),
    ("Restricted Admin Mode", Label::Other),
    ("Virtual Account", Label::Other),
    ("Elevated Token", Label::Other),
    ("Impersonation Level", Label::Other),
    ("MSDS-SupportedEncryptionTypes", Label::Other),
    ("Available Keys", Label::Other),
    ("Advertized Etypes", Label::Other),
    ("Session Key Encryption Type", Label::Other),
    ("Pre-Authentication EncryptionType", Label::Other),
    ("Response ticket hash", Label::Other),
];

/// A label prepared for matching backwards from a colon: its last (up to) 8 bytes packed into
/// a `u64` with a mask, so most candidates are rejected with one AND and one compare.
struct IndexedLabel {
    text: &'static [u8],
    label: Label,
    tail: u64,
    mask: u64,
}

/// Labels bucketed by [`bucket_key`], longest first within a bucket, so the label ending at
/// a colon is found among one to three candidates (and `Sub Status` beats `Status`,
/// `Network Account Name` beats `Account Name`).
struct LabelIndex {
    sorted: Vec<IndexedLabel>,
    bucket: [(u16, u16); BUCKETS],
}

const BUCKETS: usize = 512;
/// Every label is at least this long, so the bytes the key reads are always inside it.
const MIN_LABEL_LEN: usize = 6;

/// Bucket of the label that would end at `end`: its last byte and the byte 6 before the end
/// (the last byte alone puts every `… Name` and `… ID` label in one bucket).
fn bucket_key(text: &[u8], end: usize) -> usize {
    let at = |back: usize| {
        end.checked_sub(back)
            .and_then(|i| text.get(i))
            .map_or(0, |b| *b as usize)
    };
    (at(1) * 31 + at(MIN_LABEL_LEN)) % BUCKETS
}

/// The (up to) 8 bytes ending at `end`, little-endian, the last byte in the top lane.
fn tail8(text: &[u8], end: usize) -> u64 {
    if let Some(Ok(eight)) = end
        .checked_sub(8)
        .and_then(|from| text.get(from..end))
        .map(<[u8; 8]>::try_from)
    {
        return u64::from_le_bytes(eight);
    }
    let from = end.saturating_sub(8);
    let mut v = 0u64;
    for &b in text.get(from..end).unwrap_or_default() {
        v = (v >> 8) | (u64::from(b) << 56);
    }
    v
}

fn label_index() -> &'static LabelIndex {
    static INDEX: OnceLock<LabelIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut sorted: Vec<IndexedLabel> = LABELS
            .iter()
            .map(|(t, l)| {
                let text = t.as_bytes();
                let n = text.len().min(8);
                let mask = if n == 8 {
                    u64::MAX
                } else {
                    !(u64::MAX >> (8 * n))
                };
                IndexedLabel {
                    text,
                    label: *l,
                    tail: tail8(text, text.len()) & mask,
                    mask,
                }
            })
            .collect();
        sorted.sort_by(|a, b| {
            let ka = bucket_key(a.text, a.text.len());
            let kb = bucket_key(b.text, b.text.len());
            ka.cmp(&kb).then(b.text.len().cmp(&a.text.len()))
        });
        let mut bucket = [(0u16, 0u16); BUCKETS];
        for (i, l) in sorted.iter().enumerate() {
            let key = bucket_key(l.text, l.text.len());
            let i = i as u16;
            if bucket[key] == (0, 0) {
                bucket[key] = (i, i + 1);
            } else {
                bucket[key].1 = i + 1;
            }
        }
        LabelIndex { sorted, bucket }
    })
}

fn sentence_matcher() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(SENTENCES.iter().map(|(s, _)| s))
            .expect("static patterns compile")
    })
}

fn id_marker_matcher() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(ID_MARKERS)
            .expect("static patterns compile")
    })
}

/// Cheap check: does the body contain the opening sentence of one of the supported events?
pub fn looks_like(body: &[u8]) -> bool {
    sentence_matcher().is_match(body)
}

/// The opening sentence in `text`: (event ID, offset).
pub fn find_sentence(text: &[u8]) -> Option<(u32, usize)> {
    let m = sentence_matcher().find(text)?;
    SENTENCES
        .get(m.pattern().as_usize())
        .map(|(_, id)| (*id, m.start()))
}

/// An explicit event ID (`EventID=4625`, `Event ID: 4625`, `4625:`): (event ID, offset).
fn find_explicit_id(text: &[u8]) -> Option<(u32, usize)> {
    for m in id_marker_matcher().find_iter(text) {
        if !at_boundary(text, m.start()) {
            continue;
        }
        let marker = &text[m.start()..m.end()];
        let id = if marker.first().is_some_and(u8::is_ascii_digit) {
            // `4625:` must stand alone (`4625: An account …`), not end a longer number.
            let after = text.get(m.end()).copied();
            if after.is_some_and(|c| !c.is_ascii_whitespace()) {
                continue;
            }
            leading_number(marker)
        } else {
            leading_number(skip_separators(&text[m.end()..]))
        };
        if let Some(id) = id {
            return Some((id, m.start()));
        }
    }
    None
}

fn leading_number(b: &[u8]) -> Option<u32> {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 9 {
        return None;
    }
    std::str::from_utf8(&b[..n]).ok()?.parse().ok()
}

/// Extracts the target account, codes, client address and workstation from rendered event
/// text, and the event ID when the text identifies it. Slots `out` already holds are kept.
/// Never fails: text that is not a supported event leaves `out` unchanged.
pub fn extract<'a>(body: &'a [u8], out: &mut WinFields<'a>) -> Result<(), ParseError> {
    let start = match find_sentence(body) {
        Some((id, pos)) => {
            if out.event_id.is_none() {
                out.event_id = Some(id);
            }
            pos
        }
        None => match out.event_id {
            // The caller identified the event (e.g. `EventID=4625 … Message=…`).
            Some(id) if SUPPORTED_IDS.contains(&id) => 0,
            Some(_) => return Ok(()),
            None => match find_explicit_id(body) {
                Some((id, pos)) if SUPPORTED_IDS.contains(&id) => {
                    out.event_id = Some(id);
                    pos
                }
                _ => return Ok(()),
            },
        },
    };
    scan_labels(body, start, out);
    Ok(())
}

/// Where a value goes, decided when its label is seen (the block is known then).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    User,
    /// `Account Name:` outside any recognised block: the last one before the failure details
    /// is the target (the Subject comes first), so later ones overwrite earlier ones.
    LooseUser,
    Domain,
    LooseDomain,
    Status,
    SubStatus,
    Ip,
    Workstation,
    EventId,
}

impl Slot {
    fn for_label(label: Label, block: Block) -> Option<Slot> {
        match (label, block) {
            (Label::AccountName, Block::Target) => Some(Slot::User),
            (Label::AccountName, Block::None) => Some(Slot::LooseUser),
            (Label::AccountDomain, Block::Target) => Some(Slot::Domain),
            (Label::AccountDomain, Block::None) => Some(Slot::LooseDomain),
            (Label::AccountName | Label::AccountDomain, Block::NotTarget) => None,
            (Label::Realm, Block::Target | Block::None) => Some(Slot::Domain),
            (Label::Realm, Block::NotTarget) => None,
            (Label::LogonAccount, _) => Some(Slot::User),
            (Label::Status, _) => Some(Slot::Status),
            (Label::SubStatus, _) => Some(Slot::SubStatus),
            (Label::Ip, _) => Some(Slot::Ip),
            (Label::Workstation, _) => Some(Slot::Workstation),
            (Label::EventId, _) => Some(Slot::EventId),
            (Label::Section(_) | Label::Other, _) => None,
        }
    }

    /// Account names may contain single spaces (`John Smith`); every other value is one token.
    fn is_single_token(self) -> bool {
        !matches!(self, Slot::User | Slot::LooseUser)
    }
}

/// Values found so far; applied to `WinFields` once the scan ends (first value wins except
/// for the loose slots).
#[derive(Default)]
struct Found<'a> {
    user: Option<&'a [u8]>,
    loose_user: Option<&'a [u8]>,
    domain: Option<&'a [u8]>,
    loose_domain: Option<&'a [u8]>,
    status: Option<&'a [u8]>,
    sub_status: Option<&'a [u8]>,
    ip: Option<&'a [u8]>,
    workstation: Option<&'a [u8]>,
    event_id: Option<&'a [u8]>,
}

impl<'a> Found<'a> {
    fn put(&mut self, slot: Slot, value: &'a [u8]) {
        // Empty values (`Account Domain:` followed by the next label) carry nothing; `-` is
        // Windows' "not available" for addresses, names and domains, but a `-` account name
        // is kept: it is what was logged, and the detector excludes it explicitly.
        if value.is_empty() || (value == b"-" && slot != Slot::User && slot != Slot::LooseUser) {
            return;
        }
        let first = |s: &mut Option<&'a [u8]>| {
            if s.is_none() {
                *s = Some(value);
            }
        };
        match slot {
            Slot::User => first(&mut self.user),
            Slot::LooseUser => self.loose_user = Some(value),
            Slot::Domain => first(&mut self.domain),
            Slot::LooseDomain => self.loose_domain = Some(value),
            Slot::Status => first(&mut self.status),
            Slot::SubStatus => first(&mut self.sub_status),
            Slot::Ip => first(&mut self.ip),
            Slot::Workstation => first(&mut self.workstation),
            Slot::EventId => first(&mut self.event_id),
        }
    }

    fn apply(self, out: &mut WinFields<'a>) {
        let pairs = [
            (FieldSlot::EventId, self.event_id),
            (FieldSlot::TargetUser, self.user.or(self.loose_user)),
            (FieldSlot::TargetDomain, self.domain.or(self.loose_domain)),
            (FieldSlot::Status, self.status),
            (FieldSlot::SubStatus, self.sub_status),
            (FieldSlot::Ip, self.ip),
            (FieldSlot::Workstation, self.workstation),
        ];
        for (slot, value) in pairs {
            if let Some(v) = value {
                let text = match std::str::from_utf8(v) {
                    Ok(t) => Cow::Borrowed(t),
                    Err(_) => String::from_utf8_lossy(v),
                };
                out.set_slot(slot, text);
            }
        }
    }
}

/// Bit of a [`Slot`] in the set of slots whose value has been read.
fn bit(slot: Slot) -> u16 {
    1 << (slot as u16)
}

/// Slots an event's rendering fills; once all are read the rest of the text (often 1 KB of
/// explanation) need not be scanned. `0` = unknown event: scan to the end.
fn slots_of(event_id: Option<u32>) -> u16 {
    use Slot::*;
    match event_id {
        Some(4625) => {
            bit(User) | bit(Domain) | bit(Status) | bit(SubStatus) | bit(Ip) | bit(Workstation)
        }
        Some(4771) => bit(User) | bit(Status) | bit(Ip),
        Some(4768) => bit(User) | bit(Domain) | bit(Status) | bit(Ip),
        Some(4776) => bit(User) | bit(Workstation) | bit(Status),
        _ => 0,
    }
}

/// One pass over the colons from `start`: recognise labels, cut values between them.
fn scan_labels<'a>(text: &'a [u8], start: usize, out: &mut WinFields<'a>) {
    let index = label_index();
    let wanted = slots_of(out.event_id);
    let mut seen = 0u16;
    let mut found = Found::default();
    let mut block = Block::None;
    // The value being read: its slot and where it starts (just after its label's colon).
    let mut pending: Option<(Slot, usize)> = None;
    for_each_colon(text, start, |colon| {
        let Some((label, label_start)) = label_before(index, text, colon) else {
            return true;
        };
        if let Some((slot, value_start)) = pending.take() {
            if let Some(region) = text.get(value_start..label_start) {
                found.put(slot, cut_value(region, slot));
            }
            seen |= bit(slot);
        }
        if let Label::Section(b) = label {
            block = b;
        }
        pending = Slot::for_label(label, block).map(|slot| (slot, colon + 1));
        // Keep going while a value is open or something is still missing.
        pending.is_some() || wanted == 0 || seen & wanted != wanted
    });
    if let Some((slot, value_start)) = pending {
        if let Some(rest) = text.get(value_start..) {
            found.put(slot, cut_value(rest, slot));
        }
    }
    found.apply(out);
}

/// Calls `f` with the offset of every `:` at or after `start` until it returns `false`.
/// Rendered events have a colon every 40 bytes or so, where restarting `memchr` per hit costs
/// more than the scan itself; this tests 8 bytes at a time for `:` with SWAR arithmetic.
fn for_each_colon(text: &[u8], start: usize, mut f: impl FnMut(usize) -> bool) {
    const LO7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const COLONS: u64 = 0x3A3A_3A3A_3A3A_3A3A;
    let Some(rest) = text.get(start..) else {
        return;
    };
    let mut chunks = rest.chunks_exact(8);
    let mut base = start;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ COLONS;
        // High bit of each byte set exactly where that byte of `x` is zero (no carries
        // between bytes, unlike the shorter `(x - 0x01..) & !x` test).
        let mut hits = !(((x & LO7) + LO7) | x | LO7);
        while hits != 0 {
            if !f(base + (hits.trailing_zeros() / 8) as usize) {
                return;
            }
            hits &= hits - 1;
        }
        base += 8;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b':' && !f(base + i) {
            return;
        }
    }
}

/// The label that ends just before the colon at `colon`, with its start offset.
fn label_before(index: &LabelIndex, text: &[u8], colon: usize) -> Option<(Label, usize)> {
    if colon < MIN_LABEL_LEN {
        return None;
    }
    let (lo, hi) = index.bucket[bucket_key(text, colon)];
    let candidates = index.sorted.get(lo as usize..hi as usize)?;
    let tail = tail8(text, colon);
    candidates.iter().find_map(|c| {
        if tail & c.mask != c.tail {
            return None;
        }
        let label_start = colon.checked_sub(c.text.len())?;
        let matches = c.text.len() <= 8 || text.get(label_start..colon) == Some(c.text);
        (matches && at_boundary(text, label_start)).then_some((c.label, label_start))
    })
}

/// Whether a label may start at `pos`: at the start, after whitespace or punctuation, or right
/// after an rsyslog/Snare escape (`#011Account Name:`, `\011Account Name:`).
fn at_boundary(text: &[u8], pos: usize) -> bool {
    let Some(before) = text.get(..pos) else {
        return false;
    };
    match before.last() {
        None => true,
        Some(c) if c.is_ascii_whitespace() => true,
        Some(b'.' | b':' | b'=' | b'"' | b'\'' | b'>' | b',' | b';' | b'(' | b'[' | b'|') => true,
        Some(c) if c.is_ascii_digit() => ends_with_escape(before),
        Some(_) => false,
    }
}

/// `#011` (rsyslog control-character escape) or `\011` (literal octal escape) at the end.
fn ends_with_escape(before: &[u8]) -> bool {
    match before.len().checked_sub(4).and_then(|i| before.get(i..)) {
        Some([b'#' | b'\\', a, b, c]) => is_octal(*a) && is_octal(*b) && is_octal(*c),
        _ => false,
    }
}

fn is_octal(c: u8) -> bool {
    (b'0'..=b'7').contains(&c)
}

/// Length of the separator at the start of `b`: whitespace, or an escape of a control
/// character as rsyslog (`#011`) or Snare (`\011`) write them. 0 when `b` starts with text.
fn separator_len(b: &[u8]) -> usize {
    match b {
        [c, ..] if c.is_ascii_whitespace() => 1,
        [b'#' | b'\\', b'0', x, y, ..] if is_octal(*x) && is_octal(*y) => 4,
        _ => 0,
    }
}

fn skip_separators(mut b: &[u8]) -> &[u8] {
    loop {
        let n = separator_len(b);
        if n == 0 {
            return b;
        }
        b = b.get(n..).unwrap_or_default();
    }
}

/// The value inside the stretch between a label's colon and the next label: leading
/// separators skipped, then up to the first hard separator (TAB, CR, LF, an escape, or two
/// spaces, which is how Snare and column-aligned renderings separate fields), and for
/// single-token slots the first space.
fn cut_value(region: &[u8], slot: Slot) -> &[u8] {
    let v = skip_separators(region);
    let single = slot.is_single_token();
    let mut end = v.len();
    for (i, &c) in v.iter().enumerate() {
        let hard = match c {
            b'\t' | b'\r' | b'\n' => true,
            b' ' => single || v.get(i + 1) == Some(&b' '),
            b'#' | b'\\' => separator_len(&v[i..]) > 0,
            _ => false,
        };
        if hard {
            end = i;
            break;
        }
    }
    let v = &v[..end];
    let trimmed = v.iter().rposition(|c| *c != b' ').map_or(0, |i| i + 1);
    &v[..trimmed]
}

/// Runs [`extract`] over text the caller had to unescape into an owned string (a JSON
/// `message`, a CEF `msg=`): the values are copied out, since they cannot borrow the frame.
pub fn extract_owned(text: &str, out: &mut WinFields<'_>) {
    let mut tmp = WinFields {
        event_id: out.event_id,
        ..WinFields::default()
    };
    // `extract` never fails; the Result is for signature symmetry with the other payloads.
    let _ = extract(text.as_bytes(), &mut tmp);
    if out.event_id.is_none() {
        out.event_id = tmp.event_id;
    }
    let own = |c: Option<Cow<'_, str>>| c.map(|v| Cow::Owned(v.into_owned()));
    let fills = [
        (FieldSlot::TargetUser, own(tmp.target_user)),
        (FieldSlot::TargetDomain, own(tmp.target_domain)),
        (FieldSlot::Ip, own(tmp.ip)),
        (FieldSlot::Workstation, own(tmp.workstation)),
    ];
    for (slot, value) in fills {
        if let Some(v) = value {
            out.set_slot(slot, v);
        }
    }
    if out.status.is_none() {
        out.status = tmp.status;
    }
    if out.sub_status.is_none() {
        out.sub_status = tmp.sub_status;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our own 4625 in Event Viewer layout (real TABs and LFs). The Subject account is the
    /// machine account, the target is `jdoe`: the parser must never report the Subject.
    const T4625: &str = "An account failed to log on.\n\nSubject:\n\tSecurity ID:\t\tS-1-5-18\n\tAccount Name:\t\tWKS01$\n\tAccount Domain:\t\tCORP\n\tLogon ID:\t\t0x3E7\n\nLogon Type:\t\t\t3\n\nAccount For Which Logon Failed:\n\tSecurity ID:\t\tS-1-0-0\n\tAccount Name:\t\tjdoe\n\tAccount Domain:\t\tCORP\n\nFailure Information:\n\tFailure Reason:\t\tUnknown user name or bad password.\n\tStatus:\t\t\t0xC000006D\n\tSub Status:\t\t0xC0000064\n\nProcess Information:\n\tCaller Process ID:\t0x0\n\tCaller Process Name:\t-\n\nNetwork Information:\n\tWorkstation Name:\tWKS01\n\tSource Network Address:\t203.0.113.7\n\tSource Port:\t\t445\n\nDetailed Authentication Information:\n\tLogon Process:\t\tNtLmSsp \n\tAuthentication Package:\tNTLM\n\tTransited Services:\t-\n\tPackage Name (NTLM only):\t-\n\tKey Length:\t\t0\n\nThis event is generated when a logon request fails.";

    fn run(text: &str) -> WinFields<'_> {
        let mut f = WinFields::default();
        extract(text.as_bytes(), &mut f).unwrap();
        f
    }

    fn assert_4625(f: &WinFields<'_>) {
        assert_eq!(f.event_id, Some(4625));
        assert_eq!(f.target_user.as_deref(), Some("jdoe"));
        assert_eq!(f.target_domain.as_deref(), Some("CORP"));
        assert_eq!(f.status, Some(0xC000_006D));
        assert_eq!(f.sub_status, Some(0xC000_0064));
        assert_eq!(f.ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(f.workstation.as_deref(), Some("WKS01"));
    }

    #[test]
    fn event_viewer_layout_takes_the_target_not_the_subject() {
        assert_4625(&run(T4625));
    }

    #[test]
    fn every_flattening_of_the_same_event_gives_the_same_fields() {
        let single_spaces = T4625.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_4625(&run(&single_spaces));
        let rsyslog = T4625.replace('\t', "#011").replace('\n', "#015#012");
        assert_4625(&run(&rsyslog));
        let snare = T4625.replace('\t', " ").replace('\n', "  ");
        assert_4625(&run(&snare));
        let octal = T4625.replace('\t', "\\011").replace('\n', "\\012");
        assert_4625(&run(&octal));
        let crlf = T4625.replace('\n', "\r\n");
        assert_4625(&run(&crlf));
    }

    #[test]
    fn prefix_before_the_sentence_is_ignored() {
        let text = format!("Microsoft-Windows-Security-Auditing: 4625: {T4625}");
        assert_4625(&run(&text));
        // A header that mentions an account name must not become the target.
        let text = format!("Account Name: evil {T4625}");
        assert_4625(&run(&text));
    }

    #[test]
    fn kerberos_4771_uses_account_information_and_failure_code() {
        let f = run("Kerberos pre-authentication failed. Account Information: Security ID: CORP\\jdoe Account Name: jdoe Service Information: Service Name: krbtgt/CORP Network Information: Client Address: ::ffff:10.0.0.5 Client Port: 49152 Additional Information: Ticket Options: 0x40810010 Failure Code: 0x18 Pre-Authentication Type: 2 Certificate Information: Certificate Issuer Name: Certificate Serial Number: Certificate Thumbprint:");
        assert_eq!(f.event_id, Some(4771));
        assert_eq!(f.target_user.as_deref(), Some("jdoe"));
        assert_eq!(f.status, Some(0x18));
        assert_eq!(f.ip.as_deref(), Some("::ffff:10.0.0.5"));
        assert_eq!(f.sub_status, None);
    }

    #[test]
    fn kerberos_4768_reads_result_code_and_realm() {
        let f = run("A Kerberos authentication ticket (TGT) was requested.\r\n\r\nAccount Information:\r\n\tAccount Name:\t\tmallory\r\n\tSupplied Realm Name:\tCORP.EXAMPLE\r\n\tUser ID:\t\t\tNULL SID\r\n\r\nService Information:\r\n\tService Name:\t\tkrbtgt/CORP.EXAMPLE\r\n\tService ID:\t\tNULL SID\r\n\r\nNetwork Information:\r\n\tClient Address:\t\t::ffff:198.51.100.23\r\n\tClient Port:\t\t51234\r\n\r\nAdditional Information:\r\n\tTicket Options:\t\t0x40810010\r\n\tResult Code:\t\t0x6\r\n\tTicket Encryption Type:\t0xFFFFFFFF\r\n\tPre-Authentication Type:\t-");
        assert_eq!(f.event_id, Some(4768));
        assert_eq!(f.target_user.as_deref(), Some("mallory"));
        assert_eq!(f.target_domain.as_deref(), Some("CORP.EXAMPLE"));
        assert_eq!(f.status, Some(0x6));
        assert_eq!(f.ip.as_deref(), Some("::ffff:198.51.100.23"));
    }

    #[test]
    fn ntlm_4776_reads_logon_account_and_source_workstation() {
        let f = run("The computer attempted to validate the credentials for an account.  Authentication Package: MICROSOFT_AUTHENTICATION_PACKAGE_V1_0  Logon Account: svc backup  Source Workstation: WKS-17  Error Code: 0xC0000064");
        assert_eq!(f.event_id, Some(4776));
        assert_eq!(f.target_user.as_deref(), Some("svc backup"));
        assert_eq!(f.workstation.as_deref(), Some("WKS-17"));
        assert_eq!(f.status, Some(0xC000_0064));
        assert_eq!(f.ip, None);
    }

    #[test]
    fn account_names_with_single_spaces_survive_single_space_flattening() {
        let f = run("An account failed to log on. Subject: Security ID: S-1-0-0 Account Name: - Account Domain: - Logon ID: 0x0 Logon Type: 3 Account For Which Logon Failed: Security ID: S-1-0-0 Account Name: John Smith Account Domain: Failure Information: Failure Reason: Unknown user name or bad password. Status: 0xC000006D Sub Status: 0xC000006A Process Information: Caller Process ID: 0x0 Caller Process Name: - Network Information: Workstation Name: - Source Network Address: 2001:db8::7 Source Port: 0");
        assert_eq!(f.target_user.as_deref(), Some("John Smith"));
        // Empty domain (the next label follows at once) and `-` workstation carry nothing.
        assert_eq!(f.target_domain, None);
        assert_eq!(f.workstation, None);
        assert_eq!(f.ip.as_deref(), Some("2001:db8::7"));
        assert_eq!(f.sub_status, Some(0xC000_006A));
    }

    #[test]
    fn renderings_without_section_headers_take_the_last_account_before_the_failure() {
        let f = run("An account failed to log on. Security ID: S-1-5-18 Account Name: DC01$ Account Domain: CORP Logon Type: 3 Security ID: S-1-0-0 Account Name: alice Account Domain: CORP Status: 0xC000006D Sub Status: 0xC0000064");
        assert_eq!(f.target_user.as_deref(), Some("alice"));
        assert_eq!(f.sub_status, Some(0xC000_0064));
    }

    #[test]
    fn explicit_event_id_identifies_text_without_its_sentence() {
        let f = run(
            "EventID=4625 Account For Which Logon Failed: Account Name: bob Sub Status: 0xC0000072",
        );
        assert_eq!(f.event_id, Some(4625));
        assert_eq!(f.target_user.as_deref(), Some("bob"));
        assert_eq!(f.sub_status, Some(0xC000_0072));
        let f = run("Security 4771: Account Information: Account Name: carol Failure Code: 0x6");
        assert_eq!(f.event_id, Some(4771));
        assert_eq!(f.status, Some(0x6));
    }

    #[test]
    fn unrelated_text_leaves_fields_untouched() {
        for text in [
            "An account was successfully logged on. Subject: Account Name: SYSTEM Status: 0x0",
            "kernel: eth0: link up, 1000 Mbps Status: 0xC0000064 Account Name: x",
            "EventID=4624 Account Name: bob",
            "",
            ":::",
        ] {
            assert_eq!(run(text), WinFields::default(), "{text:?}");
        }
        // The caller's event ID says 4624: nothing to read here.
        let mut f = WinFields {
            event_id: Some(4624),
            ..Default::default()
        };
        extract(b"Account For Which Logon Failed: Account Name: bob", &mut f).unwrap();
        assert_eq!(f.target_user, None);
    }

    #[test]
    fn caller_event_id_and_slots_are_kept() {
        let mut f = WinFields {
            event_id: Some(4625),
            target_user: Some("fromxml".into()),
            ..Default::default()
        };
        extract(
            b"Account For Which Logon Failed: Account Name: fromtext Sub Status: 0xC0000064",
            &mut f,
        )
        .unwrap();
        assert_eq!(f.target_user.as_deref(), Some("fromxml"));
        assert_eq!(f.sub_status, Some(0xC000_0064));
    }

    #[test]
    fn values_borrow_from_the_input() {
        let f = run(T4625);
        assert!(matches!(f.target_user, Some(Cow::Borrowed(_))));
        assert!(matches!(f.ip, Some(Cow::Borrowed(_))));
    }

    #[test]
    fn invalid_utf8_is_replaced_not_rejected() {
        let mut text =
            b"Kerberos pre-authentication failed. Account Information: Account Name: j".to_vec();
        text.extend_from_slice(&[0xFF, b'e']);
        text.extend_from_slice(b" Failure Code: 0x18");
        let mut f = WinFields::default();
        extract(&text, &mut f).unwrap();
        assert_eq!(f.target_user.as_deref(), Some("j\u{FFFD}e"));
        assert_eq!(f.status, Some(0x18));
    }

    #[test]
    fn label_table_fits_the_index() {
        assert!(LABELS.iter().all(|(l, _)| l.len() >= MIN_LABEL_LEN));
        // Every label is found again from its own colon.
        for (l, label) in LABELS {
            let text = format!(" {l}:");
            let colon = text.len() - 1;
            assert_eq!(
                label_before(label_index(), text.as_bytes(), colon),
                Some((*label, 1)),
                "{l}"
            );
        }
    }

    #[test]
    fn looks_like_finds_the_opening_sentences() {
        assert!(looks_like(T4625.as_bytes()));
        assert!(looks_like(
            b"x A Kerberos authentication ticket (TGT) was requested."
        ));
        assert!(!looks_like(b"An account was successfully logged on."));
    }

    #[test]
    fn extract_owned_copies_values_out() {
        let text = T4625.to_string();
        let mut f = WinFields::default();
        extract_owned(&text, &mut f);
        drop(text);
        assert_4625(&f);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let mut f = WinFields::default();
            let _ = extract(&bytes, &mut f);
            let _ = looks_like(&bytes);
        }

        #[test]
        fn never_panics_on_truncated_events(cut in 0usize..T4625.len()) {
            let mut f = WinFields::default();
            let _ = extract(&T4625.as_bytes()[..cut], &mut f);
        }
    }
}

//! One source's failures inside its sliding window, and what the rule reads from them.
//!
//! Layout, chosen for memory (a million sources) and speed (millions of events a second):
//! * `events`: every failure in the window, ordered by event time, 16 bytes each: the time
//!   and one word packing the 48-bit username hash with a slot in `codes`;
//! * `names`: the distinct usernames in the window as a sorted vector of words packing the
//!   48-bit hash with its number of failures (8 bytes a name; a source holds fewer names
//!   than the top tier, so a binary search over it is as fast as a hash map and far
//!   smaller);
//! * `codes`: failures per code in the window (a source sees a handful of codes);
//! * `samples`: the first-seen spelling of up to `sample_size` names now in the window.
//!
//! A window holding a single failure keeps it inline instead (time, name, code, spelling:
//! 40 bytes and one small string), since most of a million tracked sources hold one.
//!
//! A 48-bit keyed hash stands for a username: with at most a few hundred names per source,
//! the chance of two names colliding is around 10⁻¹⁰ per source.

use std::collections::VecDeque;

use rollcall_parse::event::CodeStyle;
use rollcall_parse::FailureCode;

/// Most failures one source keeps in its window. A source past it (a brute force of more
/// than 9 failures a second for an hour) forgets its oldest failures early, so its
/// `total_failures` and `first_seen` become lower bounds; counted in `window_overflows`.
pub const MAX_WINDOW_EVENTS: usize = 32_768;

const NAME_BITS: u32 = 48;
const NAME_MASK: u64 = (1 << NAME_BITS) - 1;
const LOW_MASK: u64 = 0xFFFF;

/// The 48 bits of a username hash the window stores.
pub(crate) fn name_id(hash: u64) -> u64 {
    hash & NAME_MASK
}

/// One failure: its event time and `name_id << 16 | code slot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub time_ms: i64,
    packed: u64,
}

impl Failure {
    pub(crate) fn name(&self) -> u64 {
        self.packed >> 16
    }

    pub(crate) fn code_slot(&self) -> usize {
        (self.packed & LOW_MASK) as usize
    }
}

/// Distinct names with their failure counts, sorted by name.
#[derive(Clone, Debug, Default)]
pub(crate) struct NameCounts(Vec<u64>);

impl NameCounts {
    fn find(&self, name: u64) -> Result<usize, usize> {
        self.0.binary_search_by(|e| (e >> 16).cmp(&name))
    }

    pub(crate) fn contains(&self, name: u64) -> bool {
        self.find(name).is_ok()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Counts one more failure of `name`; true when the name is new to the window.
    fn increment(&mut self, name: u64) -> bool {
        match self.find(name) {
            Ok(i) => {
                if let Some(e) = self.0.get_mut(i) {
                    // A count never reaches 0xFFFF: a window holds at most
                    // MAX_WINDOW_EVENTS + 1 failures.
                    if *e & LOW_MASK != LOW_MASK {
                        *e += 1;
                    }
                }
                false
            }
            Err(i) => {
                self.0.insert(i, (name << 16) | 1);
                true
            }
        }
    }

    /// Forgets one failure of `name`; true when the name left the window.
    fn decrement(&mut self, name: u64) -> bool {
        let Ok(i) = self.find(name) else {
            return false;
        };
        let Some(e) = self.0.get_mut(i) else {
            return false;
        };
        if *e & LOW_MASK > 1 {
            *e -= 1;
            false
        } else {
            self.0.remove(i);
            true
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().map(|e| e >> 16)
    }

    /// Builds the set from bare names (a frozen set restored from a snapshot).
    pub(crate) fn from_names(names: impl IntoIterator<Item = u64>) -> NameCounts {
        let mut v: Vec<u64> = names.into_iter().map(|n| (name_id(n) << 16) | 1).collect();
        v.sort_unstable();
        v.dedup_by(|a, b| *a >> 16 == *b >> 16);
        NameCounts(v)
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.0.capacity() * 8
    }
}

/// Pushes onto a small bounded vector growing it one element at a time: these vectors
/// hold a few entries for a million sources, where doubling would waste most of the space.
pub(crate) fn push_exact<T>(v: &mut Vec<T>, item: T) {
    if v.len() == v.capacity() {
        v.reserve_exact(1);
    }
    v.push(item);
}

/// A source's failures within its window from its second failure on. See the module doc
/// for the layout.
#[derive(Clone, Debug, Default)]
struct Full {
    events: VecDeque<Failure>,
    names: NameCounts,
    codes: Vec<(FailureCode, u32)>,
    samples: Vec<(u64, Box<str>)>,
}

/// What removing failures did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Removed {
    pub failures: u64,
}

impl Full {
    /// Adds a failure at its place in time order. `None` when the code cannot be stored
    /// (a source with 65 535 distinct codes: not reachable with sane code lists).
    pub(crate) fn insert(
        &mut self,
        time_ms: i64,
        name_hash: u64,
        code: FailureCode,
        spelling: &str,
        sample_size: usize,
    ) -> Option<()> {
        let slot = match self.codes.iter().position(|(c, _)| *c == code) {
            Some(slot) => slot,
            None if self.codes.len() < LOW_MASK as usize => {
                push_exact(&mut self.codes, (code, 0));
                self.codes.len() - 1
            }
            None => return None,
        };
        if let Some((_, n)) = self.codes.get_mut(slot) {
            *n = n.saturating_add(1);
        }
        let name = name_id(name_hash);
        let failure = Failure {
            time_ms,
            packed: (name << 16) | slot as u64,
        };
        // Events nearly always arrive in time order: append. Late ones (within the clock
        // skew) are placed by binary search, after any failure of the same instant.
        match self.events.back() {
            Some(last) if last.time_ms > time_ms => {
                let at = self.events.partition_point(|e| e.time_ms <= time_ms);
                self.events.insert(at, failure);
            }
            _ => {
                if self.events.len() == self.events.capacity() && self.events.is_empty() {
                    // A new source often sees a single failure: do not allocate four.
                    self.events.reserve_exact(1);
                }
                self.events.push_back(failure);
            }
        }
        if self.names.increment(name) && self.samples.len() < sample_size {
            push_exact(&mut self.samples, (name, Box::from(spelling)));
        }
        Some(())
    }

    /// Drops failures older than `cutoff_ms` (exclusive: a failure at the cutoff stays).
    pub(crate) fn prune_before(&mut self, cutoff_ms: i64) -> Removed {
        let mut removed = Removed::default();
        while self.events.front().is_some_and(|e| e.time_ms < cutoff_ms) {
            self.pop_front();
            removed.failures += 1;
        }
        removed
    }

    /// Forgets the oldest failures past the per-source cap.
    pub(crate) fn enforce_cap(&mut self) -> Removed {
        let mut removed = Removed::default();
        while self.events.len() > MAX_WINDOW_EVENTS {
            self.pop_front();
            removed.failures += 1;
        }
        removed
    }

    fn pop_front(&mut self) {
        let Some(f) = self.events.pop_front() else {
            return;
        };
        if let Some((_, n)) = self.codes.get_mut(f.code_slot()) {
            *n = n.saturating_sub(1);
        }
        let name = f.name();
        if self.names.decrement(name) {
            self.samples.retain(|(n, _)| *n != name);
        }
    }

    pub(crate) fn unique(&self) -> u64 {
        self.names.len() as u64
    }

    pub(crate) fn total(&self) -> u64 {
        self.events.len() as u64
    }

    pub(crate) fn first_ms(&self) -> Option<i64> {
        self.events.front().map(|e| e.time_ms)
    }

    pub(crate) fn last_ms(&self) -> Option<i64> {
        self.events.back().map(|e| e.time_ms)
    }

    pub(crate) fn names(&self) -> &NameCounts {
        &self.names
    }

    /// Failures per code in the window, sorted by code (kinds sharing a code merge).
    pub(crate) fn code_counts(&self) -> Vec<(FailureCode, u64)> {
        let mut v: Vec<(FailureCode, u64)> = self
            .codes
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| (*c, u64::from(*n)))
            .collect();
        v.sort_by_key(|(c, _)| (c.value, style_rank(c.style)));
        v
    }

    pub(crate) fn sample_usernames(&self) -> Vec<String> {
        self.samples.iter().map(|(_, s)| s.to_string()).collect()
    }

    /// Keeps only the distinct names (for a source past the top tier): the failures, codes
    /// and samples are no longer needed because nothing more can be reported for it.
    pub(crate) fn freeze_names(&mut self) {
        self.events = VecDeque::new();
        self.codes = Vec::new();
        self.samples = Vec::new();
        self.names.0.shrink_to_fit();
    }

    // ---- snapshot support -------------------------------------------------------------

    /// Rebuilds a window from its parts; `None` if they are inconsistent.
    fn from_parts(
        codes: Vec<FailureCode>,
        mut failures: Vec<(i64, u64, usize)>,
        samples: Vec<(u64, String)>,
    ) -> Option<Full> {
        if codes.len() > LOW_MASK as usize || failures.len() > MAX_WINDOW_EVENTS + 1 {
            return None;
        }
        failures.sort_by_key(|(t, _, _)| *t);
        let mut w = Full {
            codes: codes.into_iter().map(|c| (c, 0)).collect(),
            ..Full::default()
        };
        for (time_ms, name, slot) in failures {
            let (_, n) = w.codes.get_mut(slot)?;
            *n += 1;
            let name = name_id(name);
            w.events.push_back(Failure {
                time_ms,
                packed: (name << 16) | slot as u64,
            });
            w.names.increment(name);
        }
        for (name, spelling) in samples {
            let name = name_id(name);
            if w.names.contains(name) && !w.samples.iter().any(|(n, _)| *n == name) {
                w.samples.push((name, spelling.into_boxed_str()));
            }
        }
        Some(w)
    }

    /// The frozen name set of a source past the top tier.
    fn frozen(names: Vec<u64>) -> Full {
        Full {
            names: NameCounts::from_names(names),
            ..Full::default()
        }
    }

    /// The window as a single inline failure, when it holds exactly one.
    fn single(&self) -> Option<One> {
        let f = self.events.front()?;
        if self.events.len() != 1 {
            return None;
        }
        let (code, _) = self.codes.get(f.code_slot())?;
        Some(One {
            time_ms: f.time_ms,
            name: f.name(),
            code: *code,
            spelling: self
                .samples
                .iter()
                .find(|(n, _)| *n == f.name())
                .map(|(_, s)| s.clone()),
        })
    }

    /// Heap bytes held (for tests and the memory figures).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.events.capacity() * std::mem::size_of::<Failure>()
            + self.names.heap_bytes()
            + self.codes.capacity() * std::mem::size_of::<(FailureCode, u32)>()
            + self
                .samples
                .iter()
                .map(|(_, s)| s.len() + std::mem::size_of::<(u64, Box<str>)>())
                .sum::<usize>()
    }
}

/// A source's failures within its window.
///
/// Most tracked sources hold a single failure (a scanner touching one account from each
/// of a million addresses, a user mistyping once): that failure is kept inline, without the
/// name, code and sample tables, which are allocated at the second failure. The two forms
/// answer every query alike (`tests::one_failure_answers_like_the_full_layout`).
#[derive(Clone, Debug, Default)]
pub(crate) struct SlidingWindow(Repr);

#[derive(Clone, Debug, Default)]
enum Repr {
    #[default]
    Empty,
    One(One),
    Full(Box<Full>),
}

/// The only failure of a window.
#[derive(Clone, Debug)]
struct One {
    time_ms: i64,
    name: u64,
    code: FailureCode,
    /// The name's first-seen spelling when it was taken as a sample (`sample_size > 0`).
    spelling: Option<Box<str>>,
}

impl One {
    fn into_full(self) -> Full {
        let mut full = Full::default();
        // Replays the failure as it was inserted: a sample iff one was taken then. Cannot
        // fail: the code table is empty.
        let spelling = self.spelling.as_deref().unwrap_or("");
        let sample_size = usize::from(self.spelling.is_some());
        let _ = full.insert(self.time_ms, self.name, self.code, spelling, sample_size);
        full
    }
}

impl SlidingWindow {
    /// Adds a failure at its place in time order. `None` when the code cannot be stored
    /// (a source with 65 535 distinct codes: not reachable with sane code lists).
    pub(crate) fn insert(
        &mut self,
        time_ms: i64,
        name_hash: u64,
        code: FailureCode,
        spelling: &str,
        sample_size: usize,
    ) -> Option<()> {
        let mut full = match std::mem::take(&mut self.0) {
            Repr::Empty => {
                self.0 = Repr::One(One {
                    time_ms,
                    name: name_id(name_hash),
                    code,
                    spelling: (sample_size > 0).then(|| Box::from(spelling)),
                });
                return Some(());
            }
            Repr::One(one) => Box::new(one.into_full()),
            Repr::Full(full) => full,
        };
        let inserted = full.insert(time_ms, name_hash, code, spelling, sample_size);
        self.0 = Repr::Full(full);
        inserted
    }

    /// Drops failures older than `cutoff_ms` (exclusive: a failure at the cutoff stays).
    pub(crate) fn prune_before(&mut self, cutoff_ms: i64) -> Removed {
        match &mut self.0 {
            Repr::Empty => Removed::default(),
            Repr::One(one) if one.time_ms < cutoff_ms => {
                self.0 = Repr::Empty;
                Removed { failures: 1 }
            }
            Repr::One(_) => Removed::default(),
            Repr::Full(full) => {
                let removed = full.prune_before(cutoff_ms);
                // An emptied window gives its tables back (a frozen one keeps its names).
                if full.total() == 0 && full.unique() == 0 {
                    self.0 = Repr::Empty;
                }
                removed
            }
        }
    }

    /// Forgets the oldest failures past the per-source cap.
    pub(crate) fn enforce_cap(&mut self) -> Removed {
        match &mut self.0 {
            Repr::Full(full) => full.enforce_cap(),
            Repr::Empty | Repr::One(_) => Removed::default(),
        }
    }

    pub(crate) fn unique(&self) -> u64 {
        match &self.0 {
            Repr::Empty => 0,
            Repr::One(_) => 1,
            Repr::Full(full) => full.unique(),
        }
    }

    pub(crate) fn total(&self) -> u64 {
        match &self.0 {
            Repr::Empty => 0,
            Repr::One(_) => 1,
            Repr::Full(full) => full.total(),
        }
    }

    pub(crate) fn first_ms(&self) -> Option<i64> {
        match &self.0 {
            Repr::Empty => None,
            Repr::One(one) => Some(one.time_ms),
            Repr::Full(full) => full.first_ms(),
        }
    }

    pub(crate) fn last_ms(&self) -> Option<i64> {
        match &self.0 {
            Repr::Empty => None,
            Repr::One(one) => Some(one.time_ms),
            Repr::Full(full) => full.last_ms(),
        }
    }

    /// Whether the 48-bit name id `name` is in the window (or in the frozen set).
    pub(crate) fn contains_name(&self, name: u64) -> bool {
        match &self.0 {
            Repr::Empty => false,
            Repr::One(one) => one.name == name,
            Repr::Full(full) => full.names().contains(name),
        }
    }

    /// The distinct name ids, in ascending order.
    pub(crate) fn name_ids(&self) -> Vec<u64> {
        match &self.0 {
            Repr::Empty => Vec::new(),
            Repr::One(one) => vec![one.name],
            Repr::Full(full) => full.names().iter().collect(),
        }
    }

    /// Failures per code in the window, sorted by code (kinds sharing a code merge).
    pub(crate) fn code_counts(&self) -> Vec<(FailureCode, u64)> {
        match &self.0 {
            Repr::Empty => Vec::new(),
            Repr::One(one) => vec![(one.code, 1)],
            Repr::Full(full) => full.code_counts(),
        }
    }

    pub(crate) fn sample_usernames(&self) -> Vec<String> {
        match &self.0 {
            Repr::Empty => Vec::new(),
            Repr::One(one) => one.spelling.iter().map(|s| s.to_string()).collect(),
            Repr::Full(full) => full.sample_usernames(),
        }
    }

    /// Keeps only the distinct names (for a source past the top tier): the failures, codes
    /// and samples are no longer needed because nothing more can be reported for it.
    pub(crate) fn freeze_names(&mut self) {
        match &mut self.0 {
            Repr::Empty => {}
            Repr::One(one) => {
                self.0 = Repr::Full(Box::new(Full::frozen(vec![one.name])));
            }
            Repr::Full(full) => full.freeze_names(),
        }
    }

    // ---- snapshot support -------------------------------------------------------------

    /// The failures as `(time_ms, name id, code slot)`, slots indexing `code_table`.
    pub(crate) fn failure_parts(&self) -> Vec<(i64, u64, usize)> {
        match &self.0 {
            Repr::Empty => Vec::new(),
            Repr::One(one) => vec![(one.time_ms, one.name, 0)],
            Repr::Full(full) => full
                .events
                .iter()
                .map(|f| (f.time_ms, f.name(), f.code_slot()))
                .collect(),
        }
    }

    pub(crate) fn code_table(&self) -> Vec<FailureCode> {
        match &self.0 {
            Repr::Empty => Vec::new(),
            Repr::One(one) => vec![one.code],
            Repr::Full(full) => full.codes.iter().map(|(c, _)| *c).collect(),
        }
    }

    pub(crate) fn sample_entries(&self) -> Vec<(u64, String)> {
        match &self.0 {
            Repr::Empty => Vec::new(),
            Repr::One(one) => one
                .spelling
                .iter()
                .map(|s| (one.name, s.to_string()))
                .collect(),
            Repr::Full(full) => full
                .samples
                .iter()
                .map(|(n, s)| (*n, s.to_string()))
                .collect(),
        }
    }

    /// Rebuilds a window from its parts; `None` if they are inconsistent.
    pub(crate) fn from_parts(
        codes: Vec<FailureCode>,
        failures: Vec<(i64, u64, usize)>,
        samples: Vec<(u64, String)>,
    ) -> Option<SlidingWindow> {
        let full = Full::from_parts(codes, failures, samples)?;
        Some(SlidingWindow(if full.total() == 0 {
            Repr::Empty
        } else if let Some(one) = full.single() {
            Repr::One(one)
        } else {
            Repr::Full(Box::new(full))
        }))
    }

    /// Rebuilds the frozen name set of a source past the top tier.
    pub(crate) fn frozen(names: Vec<u64>) -> SlidingWindow {
        SlidingWindow(Repr::Full(Box::new(Full::frozen(names))))
    }

    /// Heap bytes held (for tests and the memory figures).
    pub(crate) fn heap_bytes(&self) -> usize {
        match &self.0 {
            Repr::Empty => 0,
            Repr::One(one) => one.spelling.as_ref().map_or(0, |s| s.len()),
            Repr::Full(full) => std::mem::size_of::<Full>() + full.heap_bytes(),
        }
    }
}

/// Orders code styles so that `code_counts` is deterministic when two styles share a value.
fn style_rank(style: CodeStyle) -> u8 {
    match style {
        CodeStyle::NtStatus => 0,
        CodeStyle::Kerberos => 1,
        CodeStyle::Decimal => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(v: u32) -> FailureCode {
        FailureCode {
            value: v,
            style: CodeStyle::Decimal,
        }
    }

    #[test]
    fn late_failures_are_placed_in_time_order() {
        let mut w = SlidingWindow::default();
        for (t, n) in [(10, 1), (30, 2), (20, 3), (30, 4), (5, 5)] {
            w.insert(t, n, code(1), "x", 10).unwrap();
        }
        let times: Vec<i64> = w.failure_parts().iter().map(|f| f.0).collect();
        assert_eq!(times, [5, 10, 20, 30, 30]);
        assert_eq!(w.first_ms(), Some(5));
        assert_eq!(w.last_ms(), Some(30));
    }

    #[test]
    fn pruning_forgets_names_codes_and_samples() {
        let mut w = SlidingWindow::default();
        w.insert(1, 7, code(1), "Alice", 10).unwrap();
        w.insert(2, 8, code(2), "bob", 10).unwrap();
        w.insert(3, 7, code(2), "ALICE", 10).unwrap();
        assert_eq!((w.unique(), w.total()), (2, 3));
        assert_eq!(w.sample_usernames(), ["Alice", "bob"]);
        w.prune_before(2);
        assert_eq!((w.unique(), w.total()), (2, 2));
        assert_eq!(w.code_counts(), [(code(2), 2)]);
        w.prune_before(3);
        assert_eq!((w.unique(), w.total()), (1, 1));
        assert_eq!(w.sample_usernames(), ["Alice"]);
        w.prune_before(4);
        assert_eq!((w.unique(), w.total()), (0, 0));
        assert!(w.sample_usernames().is_empty());
    }

    #[test]
    fn samples_are_bounded() {
        let mut w = SlidingWindow::default();
        for n in 0..20 {
            w.insert(n as i64, n, code(1), &format!("u{n}"), 3).unwrap();
        }
        assert_eq!(w.sample_usernames(), ["u0", "u1", "u2"]);
        assert_eq!(w.unique(), 20);
    }

    #[test]
    fn cap_forgets_the_oldest() {
        let mut w = SlidingWindow::default();
        for t in 0..(MAX_WINDOW_EVENTS as i64 + 5) {
            w.insert(t, (t % 3) as u64, code(1), "x", 1).unwrap();
        }
        assert_eq!(w.enforce_cap().failures, 5);
        assert_eq!(w.total(), MAX_WINDOW_EVENTS as u64);
        assert_eq!(w.first_ms(), Some(5));
        assert_eq!(w.unique(), 3);
    }

    /// Every query, asked of the adaptive window and of the full layout alone.
    fn same_answers(w: &SlidingWindow, f: &Full) {
        assert_eq!((w.unique(), w.total()), (f.unique(), f.total()));
        assert_eq!((w.first_ms(), w.last_ms()), (f.first_ms(), f.last_ms()));
        assert_eq!(w.code_counts(), f.code_counts());
        assert_eq!(w.sample_usernames(), f.sample_usernames());
        assert_eq!(w.name_ids(), f.names().iter().collect::<Vec<_>>());
        for name in 0..8 {
            assert_eq!(w.contains_name(name), f.names().contains(name));
        }
    }

    proptest::proptest! {
        #[test]
        fn one_failure_answers_like_the_full_layout(
            ops in proptest::collection::vec((0i64..40, 0u64..6, 1u32..4, 0usize..3, 0i64..12), 1..30),
            freeze_at in 0usize..40,
        ) {
            let (mut w, mut f) = (SlidingWindow::default(), Full::default());
            for (i, (t, name, c, sample_size, prune)) in ops.into_iter().enumerate() {
                if i == freeze_at {
                    w.freeze_names();
                    f.freeze_names();
                    same_answers(&w, &f);
                    break;
                }
                let spelling = format!("User{name}");
                let a = w.insert(t, name, code(c), &spelling, sample_size);
                let b = f.insert(t, name, code(c), &spelling, sample_size);
                proptest::prop_assert_eq!(a, b);
                same_answers(&w, &f);
                proptest::prop_assert_eq!(w.prune_before(t - prune), f.prune_before(t - prune));
                same_answers(&w, &f);
                // A snapshot round trip keeps the answers.
                let r = SlidingWindow::from_parts(w.code_table(), w.failure_parts(), w.sample_entries())
                    .unwrap();
                same_answers(&r, &f);
            }
        }
    }

    #[test]
    fn a_single_failure_is_kept_inline_and_an_emptied_window_frees_its_tables() {
        let mut w = SlidingWindow::default();
        w.insert(10, 7, code(1), "Alice", 10).unwrap();
        assert!(matches!(w.0, Repr::One(_)));
        assert_eq!(w.heap_bytes(), "Alice".len());
        w.insert(20, 8, code(2), "bob", 10).unwrap();
        assert!(matches!(w.0, Repr::Full(_)));
        assert_eq!(w.sample_usernames(), ["Alice", "bob"]);
        w.prune_before(21);
        assert!(matches!(w.0, Repr::Empty));
        assert_eq!(w.heap_bytes(), 0);
        // A frozen one-failure window keeps its name.
        w.insert(30, 9, code(1), "carol", 0).unwrap();
        w.freeze_names();
        assert_eq!((w.unique(), w.total()), (1, 0));
        assert!(w.contains_name(9));
        assert!(w.sample_usernames().is_empty());
    }

    #[test]
    fn parts_round_trip() {
        let mut w = SlidingWindow::default();
        w.insert(1, 7, code(1), "a", 10).unwrap();
        w.insert(2, 8, code(2), "b", 10).unwrap();
        let r = SlidingWindow::from_parts(w.code_table(), w.failure_parts(), w.sample_entries())
            .unwrap();
        assert_eq!(r.code_counts(), w.code_counts());
        assert_eq!(r.sample_usernames(), w.sample_usernames());
        assert_eq!((r.unique(), r.total()), (2, 2));
        assert!(SlidingWindow::from_parts(vec![], vec![(1, 1, 0)], vec![]).is_none());
    }
}

//! What one search found, counted per transfer and bin: a search through a dense part
//! of a dump may find millions of cycles through the same few hundred transfers, and a
//! find per transfer of each held them all (a 6,000-transfer dump of twenty accounts
//! paying each other every minute took the machine's 24 GiB in `features`' cycle
//! family before it was killed).

/// One search's counts, (transfer, bin, finds) as [`Finds::into_counts`] gives them,
/// and whether it passed its budget.
pub type Searched = (Vec<(u32, u8, u32)>, bool);

/// Finds are merged into counts each time their list doubles past this many.
const MERGE_AT: usize = 1 << 12;

/// One search's finds: (transfer, bin, count), merged into one count per transfer and
/// bin whenever the list doubles, so it holds about twice the distinct pairs at most.
#[derive(Debug, Default)]
pub struct Finds {
    list: Vec<(u32, u8, u32)>,
    merged: usize,
}

impl Finds {
    /// One more find of transfer `edge` in bin `bin`.
    pub fn add(&mut self, edge: u32, bin: u8) {
        self.list.push((edge, bin, 1));
        if self.list.len() >= (2 * self.merged).max(MERGE_AT) {
            self.merge();
        }
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The counts: (transfer, bin, how many finds), one per transfer and bin.
    pub fn into_counts(mut self) -> Vec<(u32, u8, u32)> {
        self.merge();
        self.list
    }

    fn merge(&mut self) {
        self.list.sort_unstable_by_key(|&(e, b, _)| (e, b));
        self.list.dedup_by(|later, kept| {
            let same = (later.0, later.1) == (kept.0, kept.1);
            if same {
                kept.2 = kept.2.saturating_add(later.2);
            }
            same
        });
        self.merged = self.list.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn counts_are_the_finds_counted(finds in proptest::collection::vec((0u32..50, 0u8..4), 0..20_000)) {
            let mut f = Finds::default();
            let mut want = std::collections::BTreeMap::new();
            for &(e, b) in &finds {
                f.add(e, b);
                *want.entry((e, b)).or_insert(0u32) += 1;
                // Merged as it goes: never far above the distinct pairs.
                prop_assert!(f.list.len() <= MERGE_AT.max(2 * want.len()) + 1);
            }
            let got: std::collections::BTreeMap<(u32, u8), u32> =
                f.into_counts().into_iter().map(|(e, b, n)| ((e, b), n)).collect();
            prop_assert_eq!(got, want);
        }
    }
}

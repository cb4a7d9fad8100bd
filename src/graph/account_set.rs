//! A set of accounts that a search fills, asks and empties again for every transfer it
//! looks at, without sorting and without clearing: each account holds the number of the
//! filling it was last put in, so emptying is one increment.

/// A reusable set of the accounts `0..n`.
#[derive(Debug, Clone)]
pub struct AccountSet {
    /// Per account, the filling it was last added in.
    added_in: Vec<u32>,
    /// The current filling (never 0, which every account starts at).
    filling: u32,
}

impl AccountSet {
    /// An empty set over the accounts `0..n`.
    pub fn new(n: usize) -> AccountSet {
        AccountSet { added_in: vec![0; n], filling: 1 }
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.filling = self.filling.wrapping_add(1);
        if self.filling == 0 {
            // After 2^32 - 1 fillings the numbers come round again: start afresh.
            self.added_in.iter_mut().for_each(|f| *f = 0);
            self.filling = 1;
        }
    }

    /// Adds `v`; true when it was not in the set yet.
    pub fn insert(&mut self, v: u32) -> bool {
        let slot = &mut self.added_in[v as usize];
        let new = *slot != self.filling;
        *slot = self.filling;
        new
    }

    /// Whether `v` is in the set.
    pub fn contains(&self, v: u32) -> bool {
        self.added_in[v as usize] == self.filling
    }

    /// Empties the set, then holds exactly `accounts`.
    pub fn fill(&mut self, accounts: &[u32]) {
        self.clear();
        for &v in accounts {
            self.insert(v);
        }
    }

    /// Writes the distinct accounts of `accounts` into `out`, ascending (what sorting
    /// and deduplicating them gives), and leaves the set holding them.
    pub fn distinct_sorted(&mut self, accounts: &[u32], out: &mut Vec<u32>) {
        self.clear();
        out.clear();
        out.extend(accounts.iter().copied().filter(|&v| self.insert(v)));
        out.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn clearing_empties_and_refilling_works() {
        let mut s = AccountSet::new(5);
        assert!(s.insert(3) && !s.insert(3) && s.contains(3) && !s.contains(2));
        s.clear();
        assert!(!s.contains(3));
        s.fill(&[1, 4, 1]);
        assert!(s.contains(1) && s.contains(4) && !s.contains(3));
    }

    #[test]
    fn numbers_coming_round_start_afresh() {
        let mut s = AccountSet::new(3);
        s.insert(2);
        s.filling = u32::MAX;
        s.insert(1);
        s.clear();
        assert_eq!(s.filling, 1);
        assert!(!s.contains(1) && !s.contains(2));
    }

    proptest! {
        #[test]
        fn distinct_sorted_is_sort_and_dedup(xs in proptest::collection::vec(0u32..50, 0..80), ys in proptest::collection::vec(0u32..50, 0..80)) {
            let mut s = AccountSet::new(50);
            let mut out = Vec::new();
            for list in [&xs, &ys] {
                s.distinct_sorted(list, &mut out);
                let mut want = list.clone();
                want.sort_unstable();
                want.dedup();
                prop_assert_eq!(&out, &want);
                for v in 0..50 {
                    prop_assert_eq!(s.contains(v), want.contains(&v));
                }
            }
        }
    }
}

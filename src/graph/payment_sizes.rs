//! The sizes of each account's payments over the whole dump, kept small: a time part
//! sees only the payments it loads, but how often an account pays a sum of some size is
//! a fact of its whole history. Up to [`KEPT`] payments an account's sizes are kept
//! whole; past that, [`KEPT`] of them at even steps of rank (its smallest, its largest
//! and the order statistics between), and a band's count is read off them as if the
//! sizes between two kept ones were spread evenly in rank. About 70 bytes an account.

use std::borrow::Cow;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::FlowGraph;

/// Sizes kept per account: exact below it, order statistics at or above it.
pub const KEPT: usize = 16;

/// Every account's payment sizes ([`PaymentSizes::of`]), over the whole dump.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PaymentSizes {
    /// Where each account's kept sizes start in `sizes`; one more than accounts.
    offsets: Vec<u32>,
    /// Kept sizes, ascending per account (base currency).
    sizes: Vec<f32>,
    /// Payments each account made.
    made: Vec<u32>,
}

/// One account's payment sizes: its kept sizes (borrowed from [`PaymentSizes`], or made
/// from its payments) and how many payments it made.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountSizes<'a> {
    kept: Cow<'a, [f32]>,
    made: usize,
}

impl AccountSizes<'static> {
    /// The kept sizes of `amounts` (one account's payments, any order).
    pub fn of(amounts: &[f64]) -> AccountSizes<'static> {
        let mut sorted: Vec<f32> = amounts.iter().map(|&a| a as f32).collect();
        sorted.sort_unstable_by(f32::total_cmp);
        let made = sorted.len();
        let kept = if made <= KEPT {
            sorted
        } else {
            (0..KEPT).map(|i| sorted[i * (made - 1) / (KEPT - 1)]).collect()
        };
        AccountSizes { kept: Cow::Owned(kept), made }
    }
}

impl AccountSizes<'_> {
    /// Payments the account made.
    pub fn made(&self) -> usize {
        self.made
    }

    /// How many of its payments were of `lo` to `hi` (both included): counted when its
    /// sizes are kept whole, else read off the order statistics (not a whole number).
    pub fn within(&self, lo: f64, hi: f64) -> f64 {
        within(&self.kept, self.made, lo, hi)
    }
}

impl PaymentSizes {
    /// The payment sizes of every account of `g` (a graph of the whole dump).
    pub fn of(g: &FlowGraph) -> PaymentSizes {
        let per_account: Vec<AccountSizes<'static>> = (0..g.node_count() as u32)
            .into_par_iter()
            .with_min_len(256)
            .map(|v| AccountSizes::of(g.out_list(v).amount))
            .collect();
        let mut offsets = Vec::with_capacity(per_account.len() + 1);
        offsets.push(0u32);
        let mut sizes = Vec::new();
        let mut made = Vec::with_capacity(per_account.len());
        for account in per_account {
            sizes.extend_from_slice(&account.kept);
            offsets.push(sizes.len() as u32);
            made.push(account.made as u32);
        }
        PaymentSizes { offsets, sizes, made }
    }

    /// Account `v`'s payment sizes.
    pub fn account(&self, v: u32) -> AccountSizes<'_> {
        let v = v as usize;
        let kept = &self.sizes[self.offsets[v] as usize..self.offsets[v + 1] as usize];
        AccountSizes { kept: Cow::Borrowed(kept), made: self.made[v] as usize }
    }
}

/// How many of `made` payments whose kept sizes are `kept` (ascending) were of `lo` to
/// `hi`: see [`AccountSizes::within`].
fn within(kept: &[f32], made: usize, lo: f64, hi: f64) -> f64 {
    if kept.is_empty() || hi < lo {
        return 0.0;
    }
    if kept.len() == made {
        return kept.iter().filter(|&&x| (lo..=hi).contains(&f64::from(x))).count() as f64;
    }
    (made as f64 * (rank_share(kept, hi, true) - rank_share(kept, lo, false))).max(0.0)
}

/// The share of the payments, by rank, at most `x` (`at_most`) or below it, reading the
/// kept order statistics as even steps of rank with sizes spread evenly between them.
fn rank_share(kept: &[f32], x: f64, at_most: bool) -> f64 {
    let steps = (kept.len() - 1) as f64;
    let below = |q: &f32| if at_most { f64::from(*q) <= x } else { f64::from(*q) < x };
    let k = kept.partition_point(below);
    if k == 0 {
        return 0.0;
    }
    if k == kept.len() {
        return 1.0;
    }
    let (a, b) = (f64::from(kept[k - 1]), f64::from(kept[k]));
    let between = if b > a { ((x - a) / (b - a)).clamp(0.0, 1.0) } else { 0.0 };
    ((k - 1) as f64 + between) / steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_history_is_counted_exactly() {
        let sizes = AccountSizes::of(&[50.0, 10.0, 30.0, 30.0]);
        assert_eq!(sizes.made(), 4);
        assert_eq!(sizes.within(30.0, 50.0), 3.0);
        assert_eq!(sizes.within(11.0, 29.0), 0.0);
        assert_eq!(sizes.within(0.0, 1e9), 4.0);
    }

    #[test]
    fn a_long_history_is_read_off_its_order_statistics() {
        // 1..=1501: the kept sizes are every hundredth, and a band's count is about the
        // payments in it.
        let amounts: Vec<f64> = (1..=1501).map(f64::from).collect();
        let sizes = AccountSizes::of(&amounts);
        assert_eq!(sizes.made(), 1501);
        for (lo, hi) in [(1.0, 1501.0), (200.0, 400.0), (250.5, 260.5), (1400.0, 9000.0)] {
            let exact = amounts.iter().filter(|&&a| a >= lo && a <= hi).count() as f64;
            let read = sizes.within(lo, hi);
            assert!((read - exact).abs() <= 1.0, "{lo}..{hi}: {read} vs {exact}");
        }
        assert_eq!(sizes.within(0.0, 0.5), 0.0);
        assert_eq!(sizes.within(2000.0, 3000.0), 0.0);
    }

    #[test]
    fn an_account_paying_one_sum_always_has_all_of_it_in_a_band_around_it() {
        // Payroll pays the same 2,000 forty times: every kept size is 2,000.
        let sizes = AccountSizes::of(&[2_000.0; 40]);
        assert_eq!(sizes.within(1_999.0, 2_001.0), 40.0);
        assert_eq!(sizes.within(2_000.0, 2_000.0), 40.0);
        assert_eq!(sizes.within(2_001.0, 3_000.0), 0.0);
    }

    proptest::proptest! {
        /// Read off the order statistics, a band's count is within the payments between
        /// two kept sizes of the exact count, never negative nor more than all.
        #[test]
        fn a_band_read_off_the_sketch_is_near_the_exact_count(
            amounts in proptest::collection::vec(1u32..10_000, 1..400),
            lo in 0u32..10_000,
            width in 0u32..5_000,
        ) {
            let amounts: Vec<f64> = amounts.into_iter().map(f64::from).collect();
            let (lo, hi) = (f64::from(lo), f64::from(lo + width));
            let sizes = AccountSizes::of(&amounts);
            let exact = amounts.iter().filter(|&&a| a >= lo && a <= hi).count() as f64;
            let read = sizes.within(lo, hi);
            let step = (amounts.len() as f64 / (KEPT - 1) as f64).ceil();
            proptest::prop_assert!(read >= 0.0 && read <= amounts.len() as f64);
            proptest::prop_assert!((read - exact).abs() <= 2.0 * step + 1.0, "{read} vs {exact}");
        }
    }
}

//! Fans, degrees and amount statistics of each transfer's endpoints over its window,
//! by two-pointer sweeps over each account's time-sorted transfers: O(degree) per
//! account, no per-transfer allocation.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use rayon::prelude::*;

use crate::features::Values;
use crate::graph::{AdjList, FlowGraph};

/// One account's contributions: (edge, its nine sender- or receiver-side values).
type Side = Vec<(u32, [f64; 9])>;

/// Distinct keys in a sliding window (keys are account numbers, not user data: no
/// need for a hasher that resists chosen keys).
#[derive(Default)]
struct Distinct {
    counts: FxHashMap<u32, u32>,
}

impl Distinct {
    fn add(&mut self, k: u32) {
        *self.counts.entry(k).or_insert(0) += 1;
    }
    fn remove(&mut self, k: u32) {
        if let Some(c) = self.counts.get_mut(&k) {
            *c -= 1;
            if *c == 0 {
                self.counts.remove(&k);
            }
        }
    }
    fn len(&self) -> usize {
        self.counts.len()
    }
}

/// Sum, sum of squares, min and max of amounts in a sliding window.
#[derive(Default)]
struct Stats {
    sum: f64,
    sumsq: f64,
    n: usize,
    min: VecDeque<(u32, f64)>,
    max: VecDeque<(u32, f64)>,
}

impl Stats {
    fn add(&mut self, e: u32, x: f64) {
        self.sum += x;
        self.sumsq += x * x;
        self.n += 1;
        while self.min.back().is_some_and(|&(_, v)| v >= x) {
            self.min.pop_back();
        }
        self.min.push_back((e, x));
        while self.max.back().is_some_and(|&(_, v)| v <= x) {
            self.max.pop_back();
        }
        self.max.push_back((e, x));
    }
    fn remove(&mut self, e: u32, x: f64) {
        self.sum -= x;
        self.sumsq -= x * x;
        self.n -= 1;
        if self.min.front().is_some_and(|&(f, _)| f == e) {
            self.min.pop_front();
        }
        if self.max.front().is_some_and(|&(f, _)| f == e) {
            self.max.pop_front();
        }
    }
    /// Sets the sums afresh from `amounts` (the window's, in list order): running sums
    /// carry rounding from every transfer ever added and removed, so a sweep that
    /// started elsewhere in an account's history would differ in the last bits.
    fn restart(&mut self, amounts: &[f64]) {
        self.sum = amounts.iter().sum();
        self.sumsq = amounts.iter().map(|x| x * x).sum();
    }

    /// sum, mean, min, max, population standard deviation.
    fn values(&self) -> [f64; 5] {
        if self.n == 0 {
            return [0.0; 5];
        }
        let n = self.n as f64;
        let mean = self.sum / n;
        let var = (self.sumsq / n - mean * mean).max(0.0);
        let min = self.min.front().map(|m| m.1).unwrap_or(0.0);
        let max = self.max.front().map(|m| m.1).unwrap_or(0.0);
        [self.sum, mean, min, max, var.sqrt()]
    }
}

/// A window over one account's time-sorted transfers, keyed by the other endpoint.
struct Sweep<'a> {
    list: AdjList<'a>,
    lo: usize,
    hi: usize,
    distinct: Distinct,
    stats: Stats,
    /// Length of the blocks of time (one window, from the epoch) at whose first query
    /// the sums restart, and the block of the last restart.
    block: i64,
    restarted: Option<i64>,
}

impl<'a> Sweep<'a> {
    fn new(list: AdjList<'a>, window: i64) -> Self {
        Sweep {
            list,
            lo: 0,
            hi: 0,
            distinct: Distinct::default(),
            stats: Stats::default(),
            block: window.max(1),
            restarted: None,
        }
    }

    /// Moves the window to transfers with edge id <= `upto` and time >= `from`, for a
    /// query at time `at`. At an account's first query in each block of time the amount
    /// sums restart from the window itself, so they depend only on the transfers since
    /// one window before that block: a run over part of the dump that starts there
    /// gives the same bits.
    fn advance(&mut self, upto: u32, from: i64, at: i64) {
        let l = self.list;
        while self.hi < l.edges.len() && l.edges[self.hi] <= upto {
            self.distinct.add(l.other[self.hi]);
            self.stats.add(l.edges[self.hi], l.amount[self.hi]);
            self.hi += 1;
        }
        while self.lo < self.hi && l.time[self.lo] < from {
            self.distinct.remove(l.other[self.lo]);
            self.stats.remove(l.edges[self.lo], l.amount[self.lo]);
            self.lo += 1;
        }
        let block = at.div_euclid(self.block);
        if self.restarted != Some(block) {
            self.stats.restart(&l.amount[self.lo..self.hi]);
            self.restarted = Some(block);
        }
    }

    fn deg(&self) -> f64 {
        (self.hi - self.lo) as f64
    }

    fn fan(&self) -> f64 {
        self.distinct.len() as f64
    }
}

/// Own-side transfers whose values one block of accounts holds at a time before they are
/// written to the columns: every account's at once was 76 bytes a transfer at the peak
/// of `features` (760 MB at 10M), beside the columns themselves.
const BLOCK_TRANSFERS: usize = 1 << 20;

/// Writes the 18 fan / degree / statistics columns (`COLUMNS[0..18]`: eight counts, then
/// ten amount statistics) of every edge into `columns`, each indexed by edge id. The
/// sender side and the receiver side are two passes, so only one side's per-account
/// results are held at a time, and those a block of accounts at a time.
pub fn node_features(g: &FlowGraph, window: i64, columns: &mut [Values]) {
    node_features_in_blocks(g, window, columns, BLOCK_TRANSFERS);
}

/// [`node_features`] with blocks of accounts holding at most `block` own-side transfers
/// each (at least one account a block, however busy).
fn node_features_in_blocks(g: &FlowGraph, window: i64, columns: &mut [Values], block: usize) {
    let n = g.node_count();
    for sender_side in [true, false] {
        let own = |u: u32| if sender_side { g.out_list(u) } else { g.in_list(u) };
        let mut start = 0;
        while start < n {
            // Accounts from `start` until they hold a block's transfers (at least one
            // account, however busy).
            let mut end = start;
            let mut held = 0;
            while end < n {
                let len = own(end as u32).len();
                if end > start && held + len > block {
                    break;
                }
                held += len;
                end += 1;
            }
            let parts: Vec<Side> = (start as u32..end as u32)
                .into_par_iter()
                .with_min_len(1024)
                .map(|u| sweep_account(g, u, window, sender_side))
                .collect();
            write_side(&parts, sender_side, columns);
            start = end;
        }
    }
}

/// Account `u`'s values for each of its own-side transfers (outgoing on the sender
/// side, incoming on the receiver side).
fn sweep_account(g: &FlowGraph, u: u32, window: i64, sender_side: bool) -> Side {
    let (outs, ins) = (g.out_list(u), g.in_list(u));
    let (mut o, mut i) = (Sweep::new(outs, window), Sweep::new(ins, window));
    let own = if sender_side { outs } else { ins };
    let mut side = Vec::with_capacity(own.edges.len());
    for (&e, &t) in own.edges.iter().zip(own.time) {
        let from = t - window;
        o.advance(e, from, t);
        i.advance(e, from, t);
        // Sender: its outgoing window first; receiver: its incoming window first.
        let (first, second) = if sender_side { (&o, &i) } else { (&i, &o) };
        let s = first.stats.values();
        side.push((e, [first.fan(), first.deg(), second.fan(), second.deg(), s[0], s[1], s[2], s[3], s[4]]));
    }
    side
}

/// Writes one side's values: sender values go to columns 0..4 and 8..13, receiver values
/// to 4..8 and 13..18. A column per task: each writes its own column, reading every
/// account's values.
fn write_side(parts: &[Side], sender_side: bool, columns: &mut [Values]) {
    let (counts, stats) = if sender_side { (0, 8) } else { (4, 13) };
    let slot_of = |column: usize| match column {
        c if (counts..counts + 4).contains(&c) => Some(c - counts),
        c if (stats..stats + 5).contains(&c) => Some(4 + c - stats),
        _ => None,
    };
    columns.par_iter_mut().enumerate().for_each(|(column, values)| {
        let Some(slot) = slot_of(column) else { return };
        let values_of = parts.iter().flatten().map(|(e, v)| (*e as usize, v[slot]));
        match values {
            // Fans and degrees are counts, held as whole floats by the sweep.
            Values::Counts(col) => values_of.for_each(|(e, x)| col[e] = x as u32),
            Values::Reals(col) => values_of.for_each(|(e, x)| col[e] = x),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;
    use proptest::prelude::*;

    fn columns(m: usize) -> Vec<Values> {
        (0..18)
            .map(|k| if k < 8 { Values::Counts(vec![0; m]) } else { Values::Reals(vec![0.0; m]) })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn any_block_of_accounts_gives_the_same_bits(
            edges in prop::collection::vec((0u8..8, 0u8..8, 0i64..60, 1u32..100), 1..60),
            block in 0usize..12,
        ) {
            let mut t = Tiny::new();
            for (s, d, time, amount) in &edges {
                t.wire(&format!("n{s}"), &format!("n{d}"), *time, f64::from(*amount) / 7.0);
            }
            let g = t.graph();
            let mut whole = columns(g.edge_count());
            node_features_in_blocks(&g, 20, &mut whole, usize::MAX);
            let mut blocked = columns(g.edge_count());
            node_features_in_blocks(&g, 20, &mut blocked, block);
            for (k, (w, b)) in whole.iter().zip(&blocked).enumerate() {
                for e in 0..g.edge_count() {
                    prop_assert_eq!(w.get(e).to_bits(), b.get(e).to_bits(), "column {} edge {}", k, e);
                }
            }
        }
    }
}

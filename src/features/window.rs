//! Fans, degrees and amount statistics of each transfer's endpoints over its window,
//! by two-pointer sweeps over each account's time-sorted transfers: O(degree) per
//! account, no per-transfer allocation.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use rayon::prelude::*;

use crate::features::Values;
use crate::graph::{AdjList, FlowGraph};
use crate::slices::pieces_mut;

/// Values per transfer of one side (sender or receiver): fan and degree of the side's
/// own window, fan and degree of the other, and the own window's five statistics.
const VALUES: usize = 9;

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

/// What a window keeps of its transfers as they enter and leave it.
trait Tally {
    /// The `k`th transfer of `list` entered the window.
    fn enter(&mut self, list: AdjList<'_>, k: usize);
    /// The `k`th transfer of `list` left it.
    fn leave(&mut self, list: AdjList<'_>, k: usize);
    /// Empty, keeping the room it grew to, for the next account's window.
    fn clear(&mut self);
}

impl Tally for Distinct {
    fn enter(&mut self, list: AdjList<'_>, k: usize) {
        self.add(list.other[k]);
    }
    fn leave(&mut self, list: AdjList<'_>, k: usize) {
        self.remove(list.other[k]);
    }
    fn clear(&mut self) {
        self.counts.clear();
    }
}

impl Tally for Stats {
    fn enter(&mut self, list: AdjList<'_>, k: usize) {
        self.add(list.edges[k], list.amount[k]);
    }
    fn leave(&mut self, list: AdjList<'_>, k: usize) {
        self.remove(list.edges[k], list.amount[k]);
    }
    fn clear(&mut self) {
        self.sum = 0.0;
        self.sumsq = 0.0;
        self.n = 0;
        self.min.clear();
        self.max.clear();
    }
}

/// A window over one account's time-sorted transfers, kept in `tally` (one thread's,
/// reused from account to account).
struct Sweep<'a, T> {
    list: AdjList<'a>,
    lo: usize,
    hi: usize,
    tally: &'a mut T,
}

impl<'a, T: Tally> Sweep<'a, T> {
    /// An empty window over `list`, kept in `tally` (emptied).
    fn new(list: AdjList<'a>, tally: &'a mut T) -> Self {
        tally.clear();
        Sweep { list, lo: 0, hi: 0, tally }
    }

    /// Moves the window to transfers with edge id <= `upto` and time >= `from`: those
    /// up to `upto` enter first, then those before `from` leave.
    fn advance(&mut self, upto: u32, from: i64) {
        let l = self.list;
        while self.hi < l.edges.len() && l.edges[self.hi] <= upto {
            self.tally.enter(l, self.hi);
            self.hi += 1;
        }
        while self.lo < self.hi && l.time[self.lo] < from {
            self.tally.leave(l, self.lo);
            self.lo += 1;
        }
    }
}

impl Sweep<'_, Distinct> {
    /// How many transfers the window holds.
    fn deg(&self) -> f64 {
        (self.hi - self.lo) as f64
    }

    /// How many distinct other endpoints they have.
    fn fan(&self) -> f64 {
        self.tally.len() as f64
    }
}

/// The amount statistics of a window over one account's time-sorted transfers, moved
/// only when they are read: at the account's own-side transfers (its payments for the
/// sender's statistics, its receipts for the receiver's), so that the running sums see
/// the same additions and removals, in the same order, whatever else is asked of the
/// account in between.
struct Summed<'a> {
    window: Sweep<'a, Stats>,
    /// Length of the blocks of time (one window, from the epoch) at whose first read
    /// the sums restart, and the block of the last restart.
    block: i64,
    restarted: Option<i64>,
}

impl<'a> Summed<'a> {
    /// Statistics over `list`, kept in `stats` (emptied).
    fn new(list: AdjList<'a>, window: i64, stats: &'a mut Stats) -> Self {
        Summed { window: Sweep::new(list, stats), block: window.max(1), restarted: None }
    }

    /// The window's sum, mean, min, max and standard deviation once moved to transfers
    /// with edge id <= `upto` and time >= `from`, for a read at time `at`. At an
    /// account's first read in each block of time the sums restart from the window
    /// itself, so they depend only on the transfers since one window before that block:
    /// a run over part of the dump that starts there gives the same bits.
    fn values_at(&mut self, upto: u32, from: i64, at: i64) -> [f64; 5] {
        let w = &mut self.window;
        w.advance(upto, from);
        let block = at.div_euclid(self.block);
        if self.restarted != Some(block) {
            w.tally.restart(&w.list.amount[w.lo..w.hi]);
            self.restarted = Some(block);
        }
        w.tally.values()
    }
}

/// What one thread's sweeps reuse from account to account: the counters and queues of
/// four windows, with the room they grew to.
#[derive(Default)]
struct Scratch {
    distinct: [Distinct; 2],
    stats: [Stats; 2],
}

/// Transfers whose values one block of accounts holds at a time before they are
/// written to the columns: every account's at once was 76 bytes a transfer at the peak
/// of `features` (760 MB at 10M), beside the columns themselves.
const BLOCK_TRANSFERS: usize = 1 << 20;

/// Accounts swept in a row by one task, writing into one run of a block's values.
const ACCOUNTS_PER_TASK: usize = 1024;

/// One side's values of a run of transfers, a column each (transfer, then the
/// [`VALUES`] values): a column of the output reads its own, in order, not every
/// transfer's nine.
struct SideValues<'b> {
    edges: &'b mut [u32],
    values: Vec<&'b mut [f64]>,
    /// How many are written.
    len: usize,
}

impl SideValues<'_> {
    fn push(&mut self, e: u32, values: [f64; VALUES]) {
        self.edges[self.len] = e;
        for (column, x) in self.values.iter_mut().zip(values) {
            column[self.len] = x;
        }
        self.len += 1;
    }
}

/// One side's values of a block of accounts, in account order.
struct SideBlock {
    edges: Vec<u32>,
    values: [Vec<f64>; VALUES],
}

impl SideBlock {
    fn new() -> SideBlock {
        SideBlock { edges: Vec::new(), values: std::array::from_fn(|_| Vec::new()) }
    }

    /// Room for `len` transfers' values, in the memory the last block used: fresh
    /// memory is faulted in and zeroed page by page, at every block. A column per task:
    /// on one thread, the first block's 150 MB of a 1M-transfer graph left the others
    /// waiting for 50 ms.
    fn hold(&mut self, len: usize) {
        let SideBlock { edges, values } = self;
        rayon::join(
            || edges.resize(len, 0),
            || values.par_iter_mut().for_each(|column| column.resize(len, 0.0)),
        );
    }

    /// Cut into consecutive runs of `sizes` transfers.
    fn runs(&mut self, sizes: &[usize]) -> Vec<SideValues<'_>> {
        let mut columns: Vec<std::vec::IntoIter<&mut [f64]>> =
            self.values.iter_mut().map(|v| pieces_mut(v, sizes.iter().copied()).into_iter()).collect();
        pieces_mut(&mut self.edges, sizes.iter().copied())
            .into_iter()
            .map(|edges| SideValues {
                edges,
                values: columns.iter_mut().filter_map(Iterator::next).collect(),
                len: 0,
            })
            .collect()
    }
}

/// Writes the 18 fan / degree / statistics columns (`COLUMNS[0..18]`: eight counts, then
/// ten amount statistics) of every edge into `columns`, each indexed by edge id. Each
/// account's transfers are swept once, in time order, for both the values of its
/// payments (sender side) and of its receipts (receiver side), a block of accounts at a
/// time.
pub fn node_features(g: &FlowGraph, window: i64, columns: &mut [Values]) {
    node_features_in_blocks(g, window, columns, BLOCK_TRANSFERS);
}

/// [`node_features`] with blocks of accounts holding at most `block` transfers (counted
/// at both ends) each (at least one account a block, however busy).
fn node_features_in_blocks(g: &FlowGraph, window: i64, columns: &mut [Values], block: usize) {
    let n = g.node_count();
    let (mut sent, mut received) = (SideBlock::new(), SideBlock::new());
    let mut start = 0;
    while start < n {
        // Accounts from `start` until they hold a block's transfers (at least one
        // account, however busy).
        let mut end = start;
        let mut held = 0;
        while end < n {
            let len = g.out_list(end as u32).len() + g.in_list(end as u32).len();
            if end > start && held + len > block {
                break;
            }
            held += len;
            end += 1;
        }
        // Runs of accounts, each one task's, and the transfers each side of a run holds.
        let tasks: Vec<std::ops::Range<u32>> = (start..end)
            .step_by(ACCOUNTS_PER_TASK)
            .map(|lo| lo as u32..(lo + ACCOUNTS_PER_TASK).min(end) as u32)
            .collect();
        let sizes = |list: fn(&FlowGraph, u32) -> AdjList<'_>| -> Vec<usize> {
            tasks.iter().map(|run| run.clone().map(|u| list(g, u).len()).sum()).collect()
        };
        let (sent_sizes, received_sizes) = (sizes(FlowGraph::out_list), sizes(FlowGraph::in_list));
        rayon::join(|| sent.hold(sent_sizes.iter().sum()), || received.hold(received_sizes.iter().sum()));
        tasks.into_par_iter().zip(sent.runs(&sent_sizes)).zip(received.runs(&received_sizes)).for_each_init(
            Scratch::default,
            |scratch, ((run, mut sent), mut received)| {
                for u in run {
                    sweep_account(g, u, window, scratch, &mut sent, &mut received);
                }
            },
        );
        write_sides(&sent, &received, columns);
        start = end;
    }
}

/// Account `u`'s values for each of its payments (to `sent`) and each of its receipts
/// (to `received`): one sweep over both of its lists, in edge order (a transfer to
/// itself is both).
fn sweep_account(
    g: &FlowGraph,
    u: u32,
    window: i64,
    scratch: &mut Scratch,
    sent: &mut SideValues<'_>,
    received: &mut SideValues<'_>,
) {
    let (outs, ins) = (g.out_list(u), g.in_list(u));
    let Scratch { distinct: [distinct_out, distinct_in], stats: [stats_out, stats_in] } = scratch;
    let (mut o, mut i) = (Sweep::new(outs, distinct_out), Sweep::new(ins, distinct_in));
    let (mut o_sums, mut i_sums) = (Summed::new(outs, window, stats_out), Summed::new(ins, window, stats_in));
    let (mut k_out, mut k_in) = (0, 0);
    loop {
        // The next transfer in edge order; one in both lists (to itself) is both.
        let (next_out, next_in) = (outs.edges.get(k_out).copied(), ins.edges.get(k_in).copied());
        let (e, t) = match (next_out, next_in) {
            (Some(x), Some(y)) if y < x => (y, ins.time[k_in]),
            (Some(x), _) => (x, outs.time[k_out]),
            (None, Some(y)) => (y, ins.time[k_in]),
            (None, None) => break,
        };
        let from = t - window;
        o.advance(e, from);
        i.advance(e, from);
        if next_out == Some(e) {
            // Sender: its outgoing window first.
            let s = o_sums.values_at(e, from, t);
            sent.push(e, [o.fan(), o.deg(), i.fan(), i.deg(), s[0], s[1], s[2], s[3], s[4]]);
            k_out += 1;
        }
        if next_in == Some(e) {
            // Receiver: its incoming window first.
            let s = i_sums.values_at(e, from, t);
            received.push(e, [i.fan(), i.deg(), o.fan(), o.deg(), s[0], s[1], s[2], s[3], s[4]]);
            k_in += 1;
        }
    }
}

/// Writes both sides' values: sender values go to columns 0..4 and 8..13, receiver
/// values to 4..8 and 13..18. A column per task: each writes its own column from its
/// side's column of values.
fn write_sides(sent: &SideBlock, received: &SideBlock, columns: &mut [Values]) {
    // Column -> (its side, its place among the side's values).
    let slot_of = |column: usize| match column {
        c @ 0..4 => Some((sent, c)),
        c @ 4..8 => Some((received, c - 4)),
        c @ 8..13 => Some((sent, 4 + c - 8)),
        c @ 13..18 => Some((received, 4 + c - 13)),
        _ => None,
    };
    columns.par_iter_mut().enumerate().for_each(|(column, values)| {
        let Some((side, slot)) = slot_of(column) else { return };
        let values_of = side.edges.iter().zip(&side.values[slot]).map(|(&e, &x)| (e as usize, x));
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

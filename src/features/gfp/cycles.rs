//! GFP's cycle histograms, temporal and length-constrained. Both are read from each
//! closing transfer `c = u -> v`: the simple cycles `v -> ... -> u -> v` that end with
//! it, every transfer in them no earlier than `t_c - w`. A cycle is one pattern per
//! sequence of accounts (parallel transfers between two of them are one hop), counted
//! by `c` and by every transfer that takes part in one of its instances:
//!
//! - temporal: an instance has strictly increasing times, ending at `t_c`; there is no
//!   bound on the length;
//! - length-constrained: an instance is any choice of transfers before `c` in time and
//!   transfer-id order, at most `max_len` transfers long with `c`.
//!
//! The search walks forward from `v` to distinct next accounts. It is pruned by what
//! can still reach `u` in time (temporal: the latest departure from each account that
//! still arrives before `t_c`) or in hops (length-constrained: hops to `u`), both
//! computed backwards from `u` first. A closing transfer whose ends are not in one
//! strongly connected component closes nothing.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::graph::algo::components::{cyclic_components_of, together};
use crate::graph::FlowGraph;

use super::by_payee::ByPayee;
use super::{Bins, Sparse};
use crate::features::finds::{Finds, Searched};

/// Which cycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Strictly increasing times, any length.
    Temporal,
    /// Any order, at most `max_len` transfers.
    Unordered {
        /// Most transfers in a cycle.
        max_len: usize,
    },
}

/// Per bin, the counts of each transfer (its non-zero ones), and how many closing
/// transfers' searches passed `budget` steps (their counts are lower bounds).
pub fn histograms(g: &FlowGraph, window: i64, order: Order, bins: &Bins, budget: u64) -> (Vec<Sparse>, u64) {
    if let Order::Unordered { max_len } = order {
        if max_len < 2 {
            return (vec![Sparse::default(); bins.len()], 0);
        }
    }
    let by = ByPayee::of(g);
    let comp = cyclic_components_of(g, |_| true);
    let found: Vec<Searched> = (0..g.edge_count() as u32)
        .into_par_iter()
        .with_min_len(256)
        .filter(|&c| together(&comp, g.src[c as usize], g.dst[c as usize]))
        .filter_map(|c| {
            let mut search = Search {
                g,
                by: &by,
                c,
                window,
                order,
                bins,
                budget,
                steps: 0,
                path: Vec::new(),
                out: Finds::default(),
            };
            let capped = search.run();
            (capped || !search.out.is_empty()).then(|| (search.out.into_counts(), capped))
        })
        .collect();
    super::tally(bins, found)
}

/// One closing transfer's search.
struct Search<'a> {
    g: &'a FlowGraph,
    by: &'a ByPayee,
    c: u32,
    window: i64,
    order: Order,
    bins: &'a Bins,
    budget: u64,
    steps: u64,
    /// Accounts from `v` so far.
    path: Vec<u32>,
    /// (edge, bin) of every pattern found, counted.
    out: Finds,
}

impl Search<'_> {
    fn t_c(&self) -> i64 {
        self.g.time[self.c as usize]
    }

    fn from(&self) -> i64 {
        self.t_c() - self.window
    }

    /// Whether a transfer (edge id, time) may be in one of `c`'s cycles at all.
    fn allowed(&self, e: u32, t: i64) -> bool {
        t >= self.from()
            && match self.order {
                Order::Temporal => t < self.t_c(),
                Order::Unordered { .. } => e < self.c,
            }
    }

    /// Runs the search; true when it passed the budget.
    fn run(&mut self) -> bool {
        let (u, v) = (self.g.src[self.c as usize], self.g.dst[self.c as usize]);
        if u == v {
            return false;
        }
        let Some(reach) = self.reach(u) else {
            return true;
        };
        let capped = self.walk(v, u, &reach).is_none();
        self.path.clear();
        capped
    }

    /// Backwards from `u`: for each account that can still reach it, the latest
    /// departure that does (temporal) or the fewest hops (length-constrained). None when
    /// the budget ran out.
    fn reach(&mut self, u: u32) -> Option<FxHashMap<u32, i64>> {
        let g = self.g;
        let mut best: FxHashMap<u32, i64> = FxHashMap::default();
        match self.order {
            Order::Temporal => {
                // Latest departure: a max-first search, as Dijkstra's with times falling.
                let mut heap = std::collections::BinaryHeap::new();
                best.insert(u, self.t_c());
                heap.push((self.t_c(), u));
                while let Some((at, y)) = heap.pop() {
                    if best.get(&y).is_some_and(|&b| b > at) {
                        continue;
                    }
                    let list = g.in_list(y);
                    let lo = list.time.partition_point(|&t| t < self.from());
                    let hi = list.time.partition_point(|&t| t < at);
                    self.steps += (hi - lo) as u64;
                    if self.steps > self.budget {
                        return None;
                    }
                    for k in lo..hi {
                        let (x, t) = (list.other[k], list.time[k]);
                        if best.get(&x).is_none_or(|&b| t > b) {
                            best.insert(x, t);
                            heap.push((t, x));
                        }
                    }
                }
            }
            Order::Unordered { max_len } => {
                // Hops to u, up to the most a path before c may take.
                best.insert(u, 0);
                let mut frontier = vec![u];
                for hops in 1..max_len as i64 {
                    let mut next = Vec::new();
                    for &y in &frontier {
                        let list = g.in_list(y);
                        let lo = list.time.partition_point(|&t| t < self.from());
                        let hi = list.edges.partition_point(|&e| e < self.c).max(lo);
                        self.steps += (hi - lo) as u64;
                        if self.steps > self.budget {
                            return None;
                        }
                        for &x in &list.other[lo..hi] {
                            best.entry(x).or_insert_with(|| {
                                next.push(x);
                                hops
                            });
                        }
                    }
                    frontier = next;
                }
            }
        }
        Some(best)
    }

    /// Every path of distinct accounts from `v` towards `u`, depth first with a stack
    /// of its own (a temporal cycle has no bound on its length). None when the budget
    /// ran out.
    fn walk(&mut self, v: u32, u: u32, reach: &FxHashMap<u32, i64>) -> Option<()> {
        // Per account on the path: its next accounts, and how many were tried.
        let mut frames: Vec<(Vec<(u32, i64)>, usize)> = vec![(self.expand(v, i64::MIN)?, 0)];
        self.path.push(v);
        while let Some((next, tried)) = frames.last_mut() {
            let Some(&(y, t)) = next.get(*tried) else {
                frames.pop();
                self.path.pop();
                continue;
            };
            *tried += 1;
            if y == u {
                self.found(u);
                continue;
            }
            if self.path.contains(&y) {
                continue;
            }
            // Transfers from v to y so far.
            let hops = self.path.len() as i64;
            let promising = match (self.order, reach.get(&y)) {
                (_, None) => false,
                (Order::Temporal, Some(&latest)) => t < latest,
                // y then needs `to_u` more transfers to u, and c closes: at most max_len.
                (Order::Unordered { max_len }, Some(&to_u)) => hops + to_u < max_len as i64,
            };
            if promising {
                let after = self.expand(y, t)?;
                frames.push((after, 0));
                self.path.push(y);
            }
        }
        Some(())
    }

    /// The accounts `x` pays with a transfer allowed in the cycle, each once, with the
    /// time of its earliest one after `arrival` (temporal). None when the budget ran out.
    fn expand(&mut self, x: u32, arrival: i64) -> Option<Vec<(u32, i64)>> {
        let list = self.g.out_list(x);
        let lo = list.time.partition_point(|&t| t < self.from());
        let hi = match self.order {
            Order::Temporal => list.time.partition_point(|&t| t < self.t_c()),
            Order::Unordered { .. } => list.edges.partition_point(|&e| e < self.c),
        }
        .max(lo);
        self.steps += (hi - lo) as u64;
        if self.steps > self.budget {
            return None;
        }
        let mut seen = rustc_hash::FxHashSet::default();
        let mut next = Vec::new();
        for k in lo..hi {
            let (y, t) = (list.other[k], list.time[k]);
            let usable = match self.order {
                Order::Temporal => t > arrival,
                Order::Unordered { .. } => true,
            };
            if usable && seen.insert(y) {
                next.push((y, t));
            }
        }
        Some(next)
    }

    /// The path from `v` has reached `u`: counts the cycle on `c` and on every transfer
    /// that takes part in one of its instances.
    fn found(&mut self, u: u32) {
        let len = self.path.len() + 1;
        if let Order::Unordered { max_len } = self.order {
            if len > max_len {
                return;
            }
        }
        let Some(bin) = self.bins.of(len) else {
            return;
        };
        let bin = u8::try_from(bin).unwrap_or(u8::MAX);
        let g = self.g;
        // Hop i: the allowed transfers from path[i] to path[i + 1] (u after the last).
        let hops: Vec<Vec<(u32, i64)>> = (0..self.path.len())
            .map(|i| {
                let (a, b) = (self.path[i], self.path.get(i + 1).copied().unwrap_or(u));
                let list = g.out_list(a);
                self.by
                    .to(g, a, b)
                    .iter()
                    .map(|&k| (list.edges[k as usize], list.time[k as usize]))
                    .filter(|&(e, t)| self.allowed(e, t))
                    .collect()
            })
            .collect();
        let mut taking = Vec::new();
        match self.order {
            Order::Unordered { .. } => taking.extend(hops.iter().flatten().map(|&(e, _)| e)),
            Order::Temporal => {
                // Earliest arrival after each hop going forward, latest departure before
                // each hop going backward; a transfer takes part when it fits between.
                let mut earliest = Vec::with_capacity(hops.len());
                let mut at = i64::MIN;
                for hop in &hops {
                    match hop.iter().find(|&&(_, t)| t > at) {
                        Some(&(_, t)) => at = t,
                        None => return,
                    }
                    earliest.push(at);
                }
                let mut latest = vec![0; hops.len()];
                let mut before = self.t_c();
                for (i, hop) in hops.iter().enumerate().rev() {
                    match hop.iter().rev().find(|&&(_, t)| t < before) {
                        Some(&(_, t)) => before = t,
                        None => return,
                    }
                    latest[i] = before;
                }
                for (i, hop) in hops.iter().enumerate() {
                    let after = if i == 0 { i64::MIN } else { earliest[i - 1] };
                    let until = latest.get(i + 1).copied().unwrap_or(self.t_c());
                    taking.extend(hop.iter().filter(|&&(_, t)| t > after && t < until).map(|&(e, _)| e));
                }
            }
        }
        self.out.add(self.c, bin);
        taking.into_iter().for_each(|e| self.out.add(e, bin));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::gfp::testkit::{dense, graph, small_bins};
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Each edge's counts as digits, by input row: `00100 00100 00100`.
    fn by_row(edges: &[(u32, u32, i64)], order: Order) -> String {
        let g = graph(edges);
        let (h, capped) = histograms(&g, 500, order, &small_bins(), u64::MAX);
        let h = dense(&h, g.edge_count());
        assert_eq!(capped, 0);
        let mut rows = vec![String::new(); g.edge_count()];
        for e in 0..g.edge_count() {
            rows[g.row.get(e) as usize] = h.iter().map(|col| char::from(b'0' + col[e] as u8)).collect();
        }
        rows.join(" ")
    }

    const LC: Order = Order::Unordered { max_len: 10 };

    #[test]
    fn as_gfp_counts_them() {
        // snapml 1.17, tw 50 (500 tenths), bins [1..5], times in tenths.
        let tri = [(1, 2, 100), (2, 3, 110), (3, 1, 120)];
        assert_eq!(by_row(&tri, Order::Temporal), "00100 00100 00100");
        let backwards = [(1, 2, 120), (2, 3, 110), (3, 1, 100)];
        assert_eq!(by_row(&backwards, Order::Temporal), "00000 00000 00000");
        assert_eq!(by_row(&backwards, LC), "00100 00100 00100");
        let same_time = [(1, 2, 100), (2, 1, 100)];
        assert_eq!(by_row(&same_time, Order::Temporal), "00000 00000");
        assert_eq!(by_row(&same_time, LC), "01000 01000");
        let back_and_forth = [(1, 2, 100), (2, 1, 110), (1, 2, 120)];
        assert_eq!(by_row(&back_and_forth, Order::Temporal), "01000 02000 01000");
        // Parallel first hops: one sequence of accounts, one pattern per closing transfer.
        let parallel = [(1, 2, 100), (1, 2, 105), (2, 3, 110), (3, 1, 120)];
        assert_eq!(by_row(&parallel, Order::Temporal), "00100 00100 00100 00100");
        let both_parallel = [(1, 2, 100), (1, 2, 105), (2, 1, 110), (2, 1, 115)];
        assert_eq!(by_row(&both_parallel, Order::Temporal), "02000 02000 01000 01000");
        assert_eq!(by_row(&both_parallel, LC), "02000 02000 01000 01000");
        let rotations = [(2, 3, 50), (3, 1, 60), (1, 2, 100), (2, 3, 110), (3, 1, 120)];
        assert_eq!(by_row(&rotations, Order::Temporal), "00100 00200 00300 00200 00100");
        assert_eq!(by_row(&rotations, LC), "00200 00200 00300 00200 00100");
        let chord = [(1, 2, 100), (2, 3, 110), (3, 4, 120), (4, 1, 130), (2, 4, 115)];
        assert_eq!(by_row(&chord, Order::Temporal), "00110 00010 00010 00110 00100");
        // A parallel transfer too late for the order takes no part; one too early neither.
        let late = [(1, 2, 100), (1, 2, 115), (2, 3, 110), (3, 1, 120)];
        assert_eq!(by_row(&late, Order::Temporal), "00100 00000 00100 00100");
        assert_eq!(by_row(&late, LC), "00100 00100 00100 00100");
        let old = [(1, 2, -450), (1, 2, 100), (2, 3, 110), (3, 1, 120)];
        assert_eq!(by_row(&old, Order::Temporal), "00000 00100 00100 00100");
        // The whole cycle within the window, both ends included.
        assert_eq!(by_row(&[(1, 2, 100), (2, 3, 110), (3, 1, 600)], LC), "00100 00100 00100");
        assert_eq!(by_row(&[(1, 2, 100), (2, 3, 110), (3, 1, 610)], LC), "00000 00000 00000");
        // A self-transfer is no cycle.
        assert_eq!(by_row(&[(1, 1, 100), (1, 2, 110), (2, 1, 120)], Order::Temporal), "00000 01000 01000");
    }

    #[test]
    fn length_constrained_cycles_stop_at_the_bound() {
        let ring: Vec<(u32, u32, i64)> = (0..6).map(|i| (i, (i + 1) % 6, 100 + i64::from(i))).collect();
        let g = graph(&ring);
        let bins = Bins::new(vec![2, 3, 4, 5, 6, 7]).unwrap();
        let count =
            |order| histograms(&g, 500, order, &bins, u64::MAX).0[4].0.iter().map(|&(_, n)| n).sum::<u32>();
        assert_eq!(count(Order::Unordered { max_len: 6 }), 6);
        assert_eq!(count(Order::Unordered { max_len: 5 }), 0);
        assert_eq!(count(Order::Temporal), 6);
    }

    /// Every simple cycle closing at c, as (accounts from v, instances' edges), by brute force.
    fn brute(g: &FlowGraph, window: i64, order: Order) -> Vec<BTreeMap<usize, u32>> {
        let m = g.edge_count();
        let mut counts = vec![BTreeMap::new(); 10];
        for c in 0..m {
            let (u, v, tc) = (g.src[c], g.dst[c], g.time[c]);
            if u == v {
                continue;
            }
            let ok = |e: usize| {
                g.time[e] >= tc - window
                    && match order {
                        Order::Temporal => g.time[e] < tc,
                        Order::Unordered { .. } => e < c,
                    }
            };
            // Edge sequences from v to u, simple in accounts, then grouped by accounts.
            let mut groups: BTreeMap<Vec<u32>, BTreeSet<usize>> = BTreeMap::new();
            let mut stack: Vec<Vec<usize>> =
                (0..m).filter(|&e| g.src[e] == v && ok(e)).map(|e| vec![e]).collect();
            while let Some(p) = stack.pop() {
                let last = *p.last().unwrap();
                let at = g.dst[last];
                let len = p.len() + 1;
                if let Order::Unordered { max_len } = order {
                    if len > max_len {
                        continue;
                    }
                }
                if at == u {
                    if order == Order::Temporal && g.time[last] >= tc {
                        continue;
                    }
                    let accounts: Vec<u32> = std::iter::once(v).chain(p.iter().map(|&e| g.dst[e])).collect();
                    groups.entry(accounts).or_default().extend(p.iter().copied());
                    continue;
                }
                if at == v || p.iter().any(|&e| g.src[e] == at) {
                    continue;
                }
                for f in (0..m).filter(|&f| g.src[f] == at && ok(f)) {
                    if order == Order::Temporal && g.time[f] <= g.time[last] {
                        continue;
                    }
                    let mut q = p.clone();
                    q.push(f);
                    stack.push(q);
                }
            }
            for (accounts, edges) in groups {
                let b = accounts.len().min(9);
                for e in edges.into_iter().chain([c]) {
                    *counts[b].entry(e).or_insert(0) += 1;
                }
            }
        }
        counts
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn histograms_equal_the_definition(
            edges in prop::collection::vec((0u32..5, 0u32..5, 0i64..60), 1..22),
            temporal: bool,
        ) {
            let g = graph(&edges);
            let order = if temporal { Order::Temporal } else { Order::Unordered { max_len: 4 } };
            let bins = Bins::new((2..=9).collect()).unwrap();
            let (h, capped) = histograms(&g, 20, order, &bins, u64::MAX);
            let h = dense(&h, g.edge_count());
            prop_assert_eq!(capped, 0);
            let want = brute(&g, 20, order);
            for (column, len) in h.iter().zip(2..=9usize) {
                for (e, &got) in column.iter().enumerate() {
                    let expected = want[len].get(&e).copied().unwrap_or(0);
                    prop_assert_eq!(got, expected, "edge {} length {}", e, len);
                }
            }
        }
    }
}

//! Time-respecting simple cycles that start with a given transfer.
//!
//! A cycle `e1, e2, ..., ek` satisfies: consecutive edges meet (`dst(ei) = src(ei+1)`),
//! timestamps strictly increase (or stay on one date, in a dump of dates alone:
//! [`FlowGraph::same_time_may_follow`]), the whole cycle fits in `window`
//! after `e1`, each amount
//! is at most the previous one times `1 + amount_tolerance` and at least `min_retained`
//! of `e1`'s, the intermediate accounts `dst(e1..ek-1)` are distinct and outside the
//! closing set, and `dst(ek)` is in the closing set (the originator's controller group).
//! Published bounded-length cycle algorithms have been shown to miss cycles, so this
//! search is checked against brute-force enumeration on random graphs in the tests.

use crate::graph::algo::path_memory::PathMemory;
use crate::graph::{AdjList, FlowGraph, OnwardList, Succession};

/// Constraints of the search.
#[derive(Debug, Clone, Copy)]
pub struct CycleSpec {
    /// Seconds after the first transfer within which the last must happen.
    pub window: i64,
    /// Fewest hops.
    pub min_hops: usize,
    /// Most hops.
    pub max_hops: usize,
    /// Smallest amount as a share of the first hop's.
    pub min_retained: f64,
    /// Growth allowed of a hop over the previous.
    pub amount_tolerance: f64,
    /// Edge expansions allowed (u64::MAX for none).
    pub budget: u64,
}

/// How a search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchEnd {
    /// Every cycle was visited.
    Complete,
    /// The budget ran out; some cycles may be missing.
    BudgetHit,
}

struct Search<'a, F: FnMut(&[u32]), C: Fn(u32) -> bool, R: Fn(u32) -> bool> {
    g: &'a FlowGraph,
    spec: CycleSpec,
    closes: C,
    /// False for an account from which no path leads back (another strongly connected
    /// component than the origin's): not worth following.
    may_return: R,
    visit: F,
    path: Vec<u32>,
    nodes: Vec<u32>,
    deadline: i64,
    floor: f64,
    /// Which transfer may carry on a receipt ([`FlowGraph::succession`]), read once for
    /// the search.
    succession: Succession,
    spent: u64,
    /// The steps found to take, of every hop of the path, the last hop's on top.
    pending: Vec<Pending>,
}

/// A step a search has found to take from the path's last hop, and the scan's steps up
/// to it since the one before (counted against the budget when it is taken).
#[derive(Debug, Clone, Copy)]
struct Pending {
    next: Next,
    steps: u64,
}

/// What a search does with a transfer it found.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// Closes a cycle long enough: visited.
    Close(u32),
    /// Goes on: followed.
    Follow(Hop),
}

/// A transfer on the path, with what the search reads of it: passed down from the list
/// it was found in, since looking it up again by edge id waits on memory at every step.
#[derive(Debug, Clone, Copy)]
pub struct Hop {
    /// The transfer.
    pub edge: u32,
    /// When it was made.
    pub time: i64,
    /// Its amount (base currency).
    pub amount: f64,
    /// Its receiver.
    pub to: u32,
    /// Where its receiver's payments go on from it ([`FlowGraph::onward_from`]).
    pub onward: u32,
}

impl Hop {
    /// Transfer `e`, read from the graph's columns by edge id.
    pub fn of(g: &FlowGraph, e: u32) -> Hop {
        let i = e as usize;
        Hop { edge: e, time: g.time[i], amount: g.amount[i], to: g.dst[i], onward: g.onward_start_of(e) }
    }

    /// The `k`th transfer of `v`'s outgoing list `out` (`g.out_list(v)`), read from the
    /// list itself.
    pub fn out_of(g: &FlowGraph, v: u32, out: AdjList<'_>, k: usize) -> Hop {
        Hop {
            edge: out.edges[k],
            time: out.time[k],
            amount: out.amount[k],
            to: out.other[k],
            onward: g.onward_start(v, k),
        }
    }
}

/// Visits every cycle starting with edge `start` (see module docs) whose closing set is
/// `closers` (its accounts, ascending), following no transfer to an account for which
/// `may_return` is false (pass its strongly connected component test, or `|_| true`).
///
/// A cycle closes with a transfer into one of `closers`, so no hop can come after the
/// last transfer into them that could close it: one within the window, after `start`,
/// of at least `min_retained` of `start`'s amount and at most what growing by
/// `amount_tolerance` at every hop allows. The search stops there, and does not start
/// when there is none: the cycles of the whole window, found with fewer steps (a search
/// that stops at the budget finds at least those it found searching to the window's end).
pub fn cycles_into(
    g: &FlowGraph,
    start: Hop,
    spec: CycleSpec,
    closers: &[u32],
    may_return: impl Fn(u32) -> bool,
    visit: impl FnMut(&[u32]),
) -> SearchEnd {
    debug_assert!(closers.windows(2).all(|w| w[0] < w[1]), "closers must be ascending");
    let closes = |v: u32| closers.binary_search(&v).is_ok();
    match last_close(g, start, spec, closers) {
        Some(by) => search(g, start, spec, by, closes, may_return, visit),
        None => SearchEnd::Complete,
    }
}

/// When the last transfer into `closers` that could close a cycle from `start` was made.
fn last_close(g: &FlowGraph, start: Hop, spec: CycleSpec, closers: &[u32]) -> Option<i64> {
    let (after, deadline) = (start.time, start.time.saturating_add(spec.window));
    let floor = start.amount * spec.min_retained;
    let growth =
        (1.0 + spec.amount_tolerance).powi(spec.max_hops.saturating_sub(1).min(i32::MAX as usize) as i32);
    // Without a bound on growth (0 times infinity is no number), any amount may close.
    let ceiling = if growth.is_finite() { start.amount * growth } else { f64::INFINITY };
    let could_close = |amount: f64| amount >= floor && amount <= ceiling;
    let succession = g.succession();
    closers
        .iter()
        .filter_map(|&v| {
            // Back from the deadline: the latest is usually found within a step or two.
            let into = g.in_list(v);
            let to = into.time.partition_point(|&t| t <= deadline);
            (0..to)
                .rev()
                .take_while(|&k| succession.may_follow(after, into.time[k]))
                .find(|&k| could_close(into.amount[k]))
                .map(|k| into.time[k])
        })
        .max()
}

/// Every cycle from `start` whose hops all come by `deadline`.
fn search(
    g: &FlowGraph,
    start: Hop,
    spec: CycleSpec,
    deadline: i64,
    closes: impl Fn(u32) -> bool,
    may_return: impl Fn(u32) -> bool,
    visit: impl FnMut(&[u32]),
) -> SearchEnd {
    if closes(start.to) || spec.max_hops < 2 {
        return SearchEnd::Complete;
    }
    let PathMemory { path, nodes, pending } = PathMemory::starting(&KEPT, start.edge, start.to);
    let mut search = Search {
        g,
        spec,
        closes,
        may_return,
        visit,
        path,
        nodes,
        deadline,
        floor: start.amount * spec.min_retained,
        succession: g.succession(),
        spent: 0,
        pending,
    };
    let complete = search.extend(start);
    PathMemory { path: search.path, nodes: search.nodes, pending: search.pending }.keep(&KEPT);
    if complete {
        SearchEnd::Complete
    } else {
        SearchEnd::BudgetHit
    }
}

thread_local! {
    /// Each thread's memory for its next search.
    static KEPT: std::cell::RefCell<PathMemory<Pending>> = std::cell::RefCell::default();
}

impl<F: FnMut(&[u32]), C: Fn(u32) -> bool, R: Fn(u32) -> bool> Search<'_, F, C, R> {
    /// Goes on from `last`, the path's last hop. Returns false when the budget ran out.
    fn extend(&mut self, last: Hop) -> bool {
        let g = self.g;
        let ceiling = last.amount * (1.0 + self.spec.amount_tolerance);
        let received = last.time;
        let OnwardList { list: next, starts } = g.onward_from(last.onward, last.to);
        // The steps to take are all found before any is taken, so that what the accounts
        // followed will read, asked for ahead, arrives together rather than one miss
        // after another. Nothing the scan decides depends on what a step finds; each
        // step's share of the scan is counted against the budget just before it is
        // taken, as scanning and taking in turn would count it.
        let base = self.pending.len();
        let mut steps: u64 = 0;
        for (k, &onward) in starts.iter().enumerate() {
            // Later than the receipt (or on its date, in a dump of dates), until the
            // deadline.
            if next.time[k] > self.deadline {
                break;
            }
            if !self.succession.may_follow(received, next.time[k]) {
                continue;
            }
            steps += 1;
            let (e, amount, to) = (next.edges[k], next.amount[k], next.other[k]);
            if amount > ceiling || amount < self.floor {
                continue;
            }
            let hops = self.path.len() + 1;
            if (self.closes)(to) {
                if hops >= self.spec.min_hops {
                    self.pending.push(Pending { next: Next::Close(e), steps });
                    steps = 0;
                }
                continue;
            }
            if hops >= self.spec.max_hops || self.nodes.contains(&to) || !(self.may_return)(to) {
                continue;
            }
            g.prefetch_onward(onward, to);
            let hop = Hop { edge: e, time: next.time[k], amount, to, onward };
            self.pending.push(Pending { next: Next::Follow(hop), steps });
            steps = 0;
        }
        let ok = self.take(base);
        self.pending.truncate(base);
        self.spent += steps;
        ok && self.spent <= self.spec.budget
    }

    /// Takes the steps pending from `base` on, in the order they were found. Returns
    /// false when the budget ran out.
    fn take(&mut self, base: usize) -> bool {
        for p in base..self.pending.len() {
            let Pending { next, steps } = self.pending[p];
            self.spent += steps;
            if self.spent > self.spec.budget {
                return false;
            }
            match next {
                Next::Close(e) => {
                    self.path.push(e);
                    (self.visit)(&self.path);
                    self.path.pop();
                }
                Next::Follow(hop) => {
                    self.path.push(hop.edge);
                    self.nodes.push(hop.to);
                    let ok = self.extend(hop);
                    self.nodes.pop();
                    self.path.pop();
                    if !ok {
                        return false;
                    }
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D};
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Brute force: every edge sequence up to `max_hops`, checked against the definition,
    /// scanning all edges at every step (no adjacency, no time-sorted lists).
    fn brute(g: &FlowGraph, start: u32, spec: CycleSpec, group: &dyn Fn(u32) -> bool) -> BTreeSet<Vec<u32>> {
        fn rec(
            g: &FlowGraph,
            spec: CycleSpec,
            group: &dyn Fn(u32) -> bool,
            path: &mut Vec<u32>,
            out: &mut BTreeSet<Vec<u32>>,
        ) {
            let first = path[0] as usize;
            let last = *path.last().unwrap() as usize;
            if path.len() >= spec.min_hops && group(g.dst[last]) {
                out.insert(path.clone());
            }
            if path.len() >= spec.max_hops || group(g.dst[last]) {
                return;
            }
            for e in 0..g.edge_count() {
                let ok = g.src[e] == g.dst[last]
                    && g.succession().may_follow(g.time[last], g.time[e])
                    && g.time[e] <= g.time[first] + spec.window
                    && g.amount[e] <= g.amount[last] * (1.0 + spec.amount_tolerance)
                    && g.amount[e] >= g.amount[first] * spec.min_retained
                    && !path.iter().any(|&p| g.dst[p as usize] == g.dst[e] && !group(g.dst[e]));
                if ok {
                    path.push(e as u32);
                    rec(g, spec, group, path, out);
                    path.pop();
                }
            }
        }
        let mut out = BTreeSet::new();
        if !group(g.dst[start as usize]) {
            rec(g, spec, group, &mut vec![start], &mut out);
        }
        out
    }

    /// The search as it was before it found a hop's steps ahead of taking them: each
    /// transfer read is counted against the budget and, when it passes, taken at once.
    /// The cycles in the order visited, and whether the budget ran out.
    fn in_turn(
        g: &FlowGraph,
        start: u32,
        spec: CycleSpec,
        deadline: i64,
        closes: &dyn Fn(u32) -> bool,
    ) -> (Vec<Vec<u32>>, SearchEnd) {
        struct Walk<'a> {
            g: &'a FlowGraph,
            spec: CycleSpec,
            deadline: i64,
            closes: &'a dyn Fn(u32) -> bool,
            path: Vec<u32>,
            spent: u64,
            out: Vec<Vec<u32>>,
        }
        impl Walk<'_> {
            fn extend(&mut self) -> bool {
                let g = self.g;
                let first = self.path[0] as usize;
                let last = *self.path.last().unwrap() as usize;
                let next = g.out_list(g.dst[last]);
                for k in 0..next.len() {
                    if next.time[k] < g.time[last] {
                        continue;
                    }
                    if next.time[k] > self.deadline {
                        break;
                    }
                    if !g.succession().may_follow(g.time[last], next.time[k]) {
                        continue;
                    }
                    self.spent += 1;
                    if self.spent > self.spec.budget {
                        return false;
                    }
                    let (e, amount, to) = (next.edges[k], next.amount[k], next.other[k]);
                    if amount > g.amount[last] * (1.0 + self.spec.amount_tolerance)
                        || amount < g.amount[first] * self.spec.min_retained
                    {
                        continue;
                    }
                    let hops = self.path.len() + 1;
                    if (self.closes)(to) {
                        if hops >= self.spec.min_hops {
                            self.out.push([self.path.as_slice(), &[e]].concat());
                        }
                        continue;
                    }
                    if hops >= self.spec.max_hops || self.path.iter().any(|&p| g.dst[p as usize] == to) {
                        continue;
                    }
                    self.path.push(e);
                    let ok = self.extend();
                    self.path.pop();
                    if !ok {
                        return false;
                    }
                }
                true
            }
        }
        if closes(g.dst[start as usize]) || spec.max_hops < 2 {
            return (Vec::new(), SearchEnd::Complete);
        }
        let mut walk = Walk { g, spec, deadline, closes, path: vec![start], spent: 0, out: Vec::new() };
        let end = if walk.extend() { SearchEnd::Complete } else { SearchEnd::BudgetHit };
        (walk.out, end)
    }

    fn found(g: &FlowGraph, start: u32, spec: CycleSpec, group: &dyn Fn(u32) -> bool) -> BTreeSet<Vec<u32>> {
        let mut out = BTreeSet::new();
        let end = search(
            g,
            Hop::of(g, start),
            spec,
            g.time[start as usize] + spec.window,
            group,
            |_| true,
            |p| {
                out.insert(p.to_vec());
            },
        );
        assert_eq!(end, SearchEnd::Complete);
        out
    }

    /// [`spec`] with its window of 50 in units of `unit` seconds.
    fn spec_in(max_hops: usize, unit: i64) -> CycleSpec {
        CycleSpec { window: 50 * unit, ..spec(max_hops) }
    }

    fn spec(max_hops: usize) -> CycleSpec {
        CycleSpec {
            window: 50,
            min_hops: 2,
            max_hops,
            min_retained: 0.3,
            amount_tolerance: 0.05,
            budget: u64::MAX,
        }
    }

    #[test]
    fn in_a_dump_of_dates_a_transfer_on_the_receipts_date_may_carry_it_on() {
        // A pays B and B pays C on day 10, C pays A back on day 11. Written as dates,
        // B's payment may have come after its receipt; written to the second, at the same
        // second as it, it is part of one batch and does not carry it on.
        for (unit, cycles) in [(D, 1), (1, 0)] {
            let mut t = Tiny::new();
            t.wire("A", "B", 10 * unit, 100.0);
            t.wire("B", "C", 10 * unit, 98.0);
            t.wire("C", "A", 11 * unit, 95.0);
            // Another pair a second apart in the timed dump: its tick is a second.
            t.wire("X", "Y", 3 * unit + if unit == 1 { 0 } else { 7 * D }, 5.0);
            let g = t.graph();
            let a = t.dump.accounts.index["A"];
            let start = g.out_edges(a)[0];
            assert_eq!(found(&g, start, spec_in(8, unit), &|v| v == a).len(), cycles, "unit {unit}");
        }
    }

    #[test]
    fn finds_a_simple_round_trip_and_respects_time() {
        let mut t = Tiny::new();
        t.wire("A", "B", 1, 100.0);
        t.wire("B", "C", 2, 98.0);
        t.wire("C", "A", 3, 95.0);
        t.wire("C", "A", 0, 95.0); // earlier than the rest: cannot close the cycle
        let g = t.graph();
        let a = t.dump.accounts.index["A"];
        let start = g.out_edges(a)[0];
        let cycles = found(&g, start, spec(8), &|v| v == a);
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles.iter().next().unwrap().len(), 3);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn search_equals_brute_force_on_random_graphs(
            edges in prop::collection::vec((0u8..6, 0u8..6, 0i64..40, 50u32..150), 1..40),
            max_hops in 2usize..6,
            dates in any::<bool>(),
        ) {
            // Times in seconds, or in whole days (a dump of dates, where a transfer on the
            // receipt's date may carry it on).
            let unit = if dates { D } else { 1 };
            let mut t = Tiny::new();
            for (s, d, time, amount) in &edges {
                t.wire(&format!("n{s}"), &format!("n{d}"), *time * unit, f64::from(*amount));
            }
            let g = t.graph();
            for start in 0..g.edge_count() as u32 {
                let origin = g.src[start as usize];
                // Closing set: the originator plus, to exercise groups, node n5's account.
                let n5 = t.dump.accounts.index.get("n5").copied();
                let group = |v: u32| v == origin || (origin != v && Some(v) == n5 && Some(origin) == t.dump.accounts.index.get("n0").copied());
                prop_assert_eq!(found(&g, start, spec_in(max_hops, unit), &group), brute(&g, start, spec_in(max_hops, unit), &group));
                // Following only accounts in the origin's strongly connected component
                // loses no cycle back to the origin.
                let pairs = (0..g.edge_count()).map(|e| (g.src[e], g.dst[e])).collect();
                let comp = crate::graph::algo::components::cyclic_components(g.node_count(), pairs);
                let home = |v: u32| v == origin;
                let mut pruned = BTreeSet::new();
                search(&g, Hop::of(&g, start), spec_in(max_hops, unit), g.time[start as usize] + spec_in(max_hops, unit).window, home, |v| comp[v as usize] == comp[origin as usize] && comp[v as usize] != u32::MAX, |p| {
                    pruned.insert(p.to_vec());
                });
                prop_assert_eq!(pruned, brute(&g, start, spec_in(max_hops, unit), &home));
                // Stopping at the last transfer that could close loses no cycle either,
                // with amounts bounded or not.
                let members: Vec<u32> = (0..g.node_count() as u32).filter(|&v| group(v)).collect();
                for s in [spec_in(max_hops, unit), CycleSpec { min_retained: 0.0, amount_tolerance: f64::INFINITY, ..spec_in(max_hops, unit) }] {
                    let mut closed_by = BTreeSet::new();
                    let end = cycles_into(&g, Hop::of(&g, start), s, &members, |_| true, |p| {
                        closed_by.insert(p.to_vec());
                    });
                    prop_assert_eq!(end, SearchEnd::Complete);
                    prop_assert_eq!(closed_by, brute(&g, start, s, &group));
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Finding a hop's steps before taking any visits the same cycles in the same
        /// order, and stops at the same place when the budget runs out, as reading and
        /// taking each transfer in turn.
        #[test]
        fn steps_found_ahead_are_taken_as_in_turn(
            edges in prop::collection::vec((0u8..6, 0u8..6, 0i64..40, 50u32..150), 1..40),
            max_hops in 2usize..6,
            budget in 1u64..60,
            dates in any::<bool>(),
        ) {
            let unit = if dates { D } else { 1 };
            let mut t = Tiny::new();
            for (s, d, time, amount) in &edges {
                t.wire(&format!("n{s}"), &format!("n{d}"), *time * unit, f64::from(*amount));
            }
            let g = t.graph();
            for s in [spec_in(max_hops, unit), CycleSpec { budget, ..spec_in(max_hops, unit) }] {
                for start in 0..g.edge_count() as u32 {
                    let origin = g.src[start as usize];
                    let deadline = g.time[start as usize] + s.window;
                    let mut ahead = Vec::new();
                    let end = search(&g, Hop::of(&g, start), s, deadline, |v| v == origin, |_| true, |p| ahead.push(p.to_vec()));
                    prop_assert_eq!((ahead, end), in_turn(&g, start, s, deadline, &|v| v == origin));
                }
            }
        }
    }
}

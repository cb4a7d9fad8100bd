//! Stranger loops: time-respecting cycles made only of one-off payments (each member pays
//! the next once, never otherwise), in which every relay comes sooner, or is larger, than
//! its payer's own habit makes likely.
//!
//! Some loops are paid out of each member's own funds, at each member's own pace, with
//! amounts drawn afresh at every hop: no money carries on and no relay is prompt. What is
//! left is that strangers pay each other in turn, in amounts each of them rarely pays,
//! until the money is back where it started. The first payment is given the share of
//! its payer's other one-off payments at least as large (with two more drawn from the
//! dump's amounts, so that an account with few payments to go on is read as the dump's
//! accounts are, not as one whose next payment could be anything); every later hop the
//! chance that its payer, making one-off payments at its own average rate, would have
//! made one as soon and at least as large (that share again) among all it makes until
//! the loop's deadline ([`look_elsewhere`]). One-off payments are weighed against one-off payments
//! only: a household's purchases from strangers are larger than its bills, and a loop is
//! no more than what its members' purchases make likely. The loop's chance is the
//! product of its hops'; the caller weighs where the evidence may fall along it and how
//! likely the closing payment was to land on the origin. A relay whose chance exceeds
//! `max_hop_chance` ends the path, except the one that closes the loop, which may be any
//! one-off payment to the origin.

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use crate::graph::algo::one_off::OneOffPayments;
use crate::graph::algo::path_memory::PathMemory;
use crate::graph::algo::prompt_relays::RelaySpec;
use crate::graph::algo::temporal_cycles::SearchEnd;
use crate::graph::FlowGraph;
use crate::slices::pieces_mut;

/// Entries per block of [`StrangerPayments`]: a block whose smallest size share is too
/// large even at its earliest timing is skipped whole.
const BLOCK: usize = 16;

/// Entries whose onward positions are found together while the index is built.
const ONWARD_CHUNK: usize = 1 << 20;

/// The `onward` of a payment whose receiver makes no one-off payment at or after it.
const NO_ONWARD: u32 = u32::MAX;

/// Every payer's one-off payments, in time order with their size shares (the share of
/// the payer's other one-off payments at least as large, two drawn from the dump added):
/// what a search among strangers follows. Built once per run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StrangerPayments {
    /// One bit per transfer: whether it is in the index (a position per transfer was
    /// 0.4 GiB at 100M transfers, at the peak of the run).
    indexed: FixedBitSet,
    offsets: Vec<u32>,
    /// Per payer, in time order: the search reads time, share and edge together.
    entries: Vec<Entry>,
    /// Smallest share of each run of [`BLOCK`] entries (blocks may straddle payers,
    /// which only makes them smaller, so a skip is always safe).
    block_min: Vec<f32>,
    /// How many one-off payments each account made over the whole dump (more than its
    /// entries here, in the index of a time part).
    made: Vec<u32>,
}

impl StrangerPayments {
    /// Indexes the one-off payments of `g` that `counts` takes.
    pub fn index(
        g: &FlowGraph,
        one_off: &OneOffPayments,
        counts: impl Fn(u32) -> bool + Sync,
    ) -> StrangerPayments {
        // Which transfers are in, found once in transfer order: asked of each payer's
        // list, by transfer id, in both passes below, it read two graph-wide columns at
        // random for every transfer.
        let indexed = one_off.marked(counts);
        let mine = |e: u32| indexed.contains(e as usize);
        // Counted first and written in place, payer by payer on every thread: a vector
        // per payer held 16 bytes a payment besides the index at the peak of a 100M run,
        // and millions of small allocations the allocator kept after.
        let made: Vec<u32> = (0..g.node_count() as u32)
            .into_par_iter()
            .with_min_len(256)
            .map(|v| g.out_list(v).edges.iter().filter(|&&e| mine(e)).count() as u32)
            .collect();
        let mut offsets = Vec::with_capacity(made.len() + 1);
        offsets.push(0u32);
        for m in &made {
            offsets.push(offsets[offsets.len() - 1] + m);
        }
        let empty = Entry { time: 0, edge: 0, share: 0.0, to: 0, onward: 0 };
        let mut entries = vec![empty; offsets[offsets.len() - 1] as usize];
        let slices = pieces_mut(&mut entries, offsets.windows(2).map(|w| (w[1] - w[0]) as usize));
        let buffers = || (Vec::new(), Vec::new());
        slices.into_par_iter().with_min_len(256).enumerate().for_each_init(
            buffers,
            |(payments, sorted), (v, own)| {
                if own.is_empty() {
                    return;
                }
                let out = g.out_list(v as u32);
                payments.clear();
                payments.extend((0..out.len()).filter(|&k| mine(out.edges[k])));
                sorted.clear();
                sorted.extend(payments.iter().map(|&k| out.amount[k]));
                sorted.sort_unstable_by(f64::total_cmp);
                let others = sorted.len().saturating_sub(1);
                for (entry, &k) in own.iter_mut().zip(payments.iter()) {
                    // One-off payments at least as large, itself left out, and two drawn
                    // from the dump's amounts: a quiet account's first large payment is
                    // as rare as large payments are.
                    let as_large = sorted.len() - sorted.partition_point(|&x| x < out.amount[k]) - 1;
                    let share = g.scale.share_with_history(as_large, others, out.amount[k]) as f32;
                    let e = out.edges[k];
                    *entry = Entry { time: out.time[k], edge: e, share, to: out.other[k], onward: 0 };
                }
            },
        );
        StrangerPayments::assemble(indexed, offsets, entries, made)
    }

    /// The index of a part of the dump whose graph `part` holds some of this index's
    /// graph's edges (`to_part` gives the part's edge id of one it holds): its payments
    /// there, with the size shares and counts of the whole dump's.
    pub fn part(&self, part: &FlowGraph, to_part: impl Fn(u32) -> Option<u32>) -> StrangerPayments {
        let mut offsets = Vec::with_capacity(self.offsets.len());
        offsets.push(0u32);
        let mut entries = Vec::new();
        for w in self.offsets.windows(2) {
            let own = &self.entries[w[0] as usize..w[1] as usize];
            entries.extend(
                own.iter().filter_map(|x| to_part(x.edge).map(|edge| Entry { edge, onward: 0, ..*x })),
            );
            offsets.push(entries.len() as u32);
        }
        let mut indexed = FixedBitSet::with_capacity(part.edge_count());
        for entry in &entries {
            indexed.insert(entry.edge as usize);
        }
        StrangerPayments::assemble(indexed, offsets, entries, self.made.clone())
    }

    /// The index of `entries`, each payer's from `offsets`, which are the transfers
    /// `indexed` marks: each block's smallest share and each entry's `onward` position.
    fn assemble(
        indexed: FixedBitSet,
        offsets: Vec<u32>,
        entries: Vec<Entry>,
        made: Vec<u32>,
    ) -> StrangerPayments {
        let mut index = StrangerPayments { indexed, offsets, entries, block_min: Vec::new(), made };
        index.block_min = index
            .entries
            .chunks(BLOCK)
            .map(|c| c.iter().map(|x| x.share).fold(f32::INFINITY, f32::min))
            .collect();
        // A chunk at a time: the whole index's positions at once were 0.2 GiB at 100M
        // transfers, on top of the index, at the peak of the run.
        let mut onward: Vec<u32> = Vec::with_capacity(ONWARD_CHUNK);
        for start in (0..index.entries.len()).step_by(ONWARD_CHUNK) {
            let chunk = start..(start + ONWARD_CHUNK).min(index.entries.len());
            onward.clear();
            onward.par_extend(index.entries[chunk.clone()].par_iter().with_min_len(1024).map(|x| {
                match index.from(x.to, x.time) {
                    (at, end) if at == end => NO_ONWARD,
                    (at, _) => at as u32,
                }
            }));
            for (entry, &at) in index.entries[chunk].iter_mut().zip(&onward) {
                entry.onward = at;
            }
        }
        index
    }

    /// How many payments the index holds: the positions a search may start from.
    pub fn payments(&self) -> usize {
        self.entries.len()
    }

    /// The payment at `position` as (transfer, time, payee).
    pub fn payment_at(&self, position: usize) -> (u32, i64, u32) {
        let x = &self.entries[position];
        (x.edge, x.time, x.to)
    }

    /// Whether transfer `e` is in the index.
    fn holds(&self, e: u32) -> bool {
        self.indexed.contains(e as usize)
    }

    /// The positions of `v`'s payments in the index, in time order.
    pub fn positions(&self, v: u32) -> std::ops::Range<usize> {
        self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize
    }

    /// The payments in the index that the payee of the payment at `position` made from
    /// `from` to `to`, both included, in time order (edge order at one time): each as
    /// (position, transfer, time, payee). `from` is at most that payment's time, so its
    /// payee's first payment from `from` on lies at or just before where the payment
    /// goes on (`onward`), and is found by stepping back from there, not by a search
    /// over all the payee's payments: a ring's first step, from `from` itself, steps
    /// back not at all.
    pub fn onward_between(
        &self,
        position: usize,
        from: i64,
        to: i64,
    ) -> impl Iterator<Item = (usize, u32, i64, u32)> + '_ {
        let paid = self.entries[position];
        debug_assert!(from <= paid.time, "from {from} after the payment at {}", paid.time);
        let mine = self.positions(paid.to);
        let onward = if paid.onward == NO_ONWARD { mine.end } else { paid.onward as usize };
        // Steps of 1, 2, 4, ... back from `onward` while the payments are still from
        // `from` on, then a search inside the last step.
        let (mut lo, mut hi, mut step) = (onward, onward, 1);
        while lo > mine.start && self.entries[lo - 1].time >= from {
            hi = lo - 1;
            lo = lo.saturating_sub(step).max(mine.start);
            step *= 2;
        }
        let start = lo + self.entries[lo..hi].partition_point(|x| x.time < from);
        self.entries[start..mine.end]
            .iter()
            .enumerate()
            .take_while(move |(_, x)| x.time <= to)
            .map(move |(k, x)| (start + k, x.edge, x.time, x.to))
    }

    /// Asks the processor, without waiting, for what a search from the payment at
    /// `position` reads first (a ring's first step, a loop's first extension): where
    /// its payee's payments are and how many there are, and its payee's payments around
    /// where the payment goes on. Each is far from the payer's own entries.
    #[inline]
    pub fn prefetch_first_step(&self, position: usize) {
        if let Some(paid) = self.entries.get(position) {
            let to = paid.to as usize;
            crate::memory::prefetch(&self.offsets, to);
            crate::memory::prefetch(&self.offsets, to + 1);
            crate::memory::prefetch(&self.made, to);
            if paid.onward != NO_ONWARD {
                let onward = paid.onward as usize;
                crate::memory::prefetch(&self.entries, onward.saturating_sub(1));
                crate::memory::prefetch(&self.entries, onward);
            }
        }
    }

    /// Where transfer `e`, paid by `payer`, is in the index, if it is: a payer's entries
    /// are in time order, which is edge order.
    fn position_of(&self, payer: u32, e: u32) -> Option<usize> {
        if !self.holds(e) {
            return None;
        }
        let mine = self.positions(payer);
        self.entries[mine.clone()].binary_search_by_key(&e, |x| x.edge).ok().map(|k| mine.start + k)
    }

    /// The position of transfer `e` among the payer's positions still in `mine`, if it is
    /// there, moving `mine`'s start past the payer's earlier payments: a caller that asks
    /// for a payer's transfers in time order (edge order) walks its entries alongside,
    /// with no search for each.
    pub fn walk_to(&self, mine: &mut std::ops::Range<usize>, e: u32) -> Option<usize> {
        while mine.start < mine.end && self.entries[mine.start].edge < e {
            mine.start += 1;
        }
        (mine.start < mine.end && self.entries[mine.start].edge == e).then_some(mine.start)
    }

    /// How many one-off payments `v` made over the dump.
    fn made(&self, v: u32) -> usize {
        self.made[v as usize] as usize
    }

    /// Positions of `v`'s one-off payments at or after `from`, and the end of `v`'s.
    fn from(&self, v: u32, from: i64) -> (usize, usize) {
        let mine = self.positions(v);
        (mine.start + self.entries[mine.clone()].partition_point(|x| x.time < from), mine.end)
    }
}

/// One payment of [`StrangerPayments`]. A search reads everything it needs of a payment
/// from here, in one cache line: a step that looked up the receiver or where it goes on
/// in graph-wide arrays waited on memory at every candidate.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Entry {
    time: i64,
    edge: u32,
    /// The share of the payer's other one-off payments at least as large, with two drawn
    /// from the dump's amounts added.
    share: f32,
    /// The receiver.
    to: u32,
    /// The position of the receiver's first one-off payment at or after this one: where
    /// a search goes on from it, found once rather than by a binary search at every step.
    /// [`NO_ONWARD`] when there is none: a path cannot go on, nor close, through this
    /// payment, which a search then knows without reading the receiver's payments.
    onward: u32,
}

/// The chance that, of the payments an account makes in a stretch where it sends
/// `expected` times on average, at least one is as unlikely as `chance` (its timing
/// times its size): a search that may take any of them looks in more places than one,
/// so the hop it picks is `chance · (1 + ln(expected / chance))`, not `chance`. Payments
/// at the account's rate, each with a size share drawn uniformly, give exactly that many
/// at or below `chance`. At most 1.
pub fn look_elsewhere(chance: f64, expected: f64) -> f64 {
    if chance <= 0.0 {
        return 0.0;
    }
    if expected <= chance {
        return chance.min(1.0);
    }
    (chance * (1.0 + (expected / chance).ln())).min(1.0)
}

/// The largest `chance` whose [`look_elsewhere`] is still at most `gate` (a hair above
/// it: a bound to skip by, never to accept by): `gate` times the root of
/// [`share_of_gate`], checked. Where the steps there close in too slowly (`expected`
/// very close to `gate`), `gate` itself, which no passing chance exceeds, is the bound.
/// [`within_bound`] reads it from a table; this is what the table stands for, and what
/// it asks beyond its cells.
fn largest_within(gate: f64, expected: f64) -> f64 {
    if expected <= gate {
        return gate;
    }
    let bound = (gate * share_of_gate((expected / gate).ln()) * (1.0 + 1e-6)).min(gate);
    if look_elsewhere(bound, expected) >= gate {
        bound
    } else {
        gate
    }
}

/// Sub-cells per doubling of `ln(expected / gate)` in [`within_bound`]'s table.
const WITHIN_STEPS_LOG2: u32 = 6;

/// The doublings of `ln(expected / gate)` the table covers: from 2^-30 (below, the
/// bound is the gate, less than 1e-4 above the root) to 2^6 (beyond, [`largest_within`]
/// is asked).
const WITHIN_DOUBLINGS: std::ops::Range<i64> = -30..6;

/// An upper bound, at most a few per cent above it, on [`largest_within`]: where the
/// chances that may pass lie, read from a table rather than found by Newton's steps,
/// which took six logarithms at every step of a search among strangers. With
/// `q = gate · u` and `s = ln(expected / gate)`, the root solves
/// `u · (1 + s − ln u) = 1`, which depends on `s` alone and falls as `s` grows (as
/// `1 − √(2s)` near 0, so the cells are read from the bits of `s`, finer where it is
/// small): the table holds `u` at the lower end of each cell, a hair above, which bounds
/// every `s` in it. A bound to skip by, never to accept by: a chance below it is still
/// weighed by [`look_elsewhere`] against the gate.
fn within_bound(gate: f64, expected: f64) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    if expected <= gate {
        return gate;
    }
    let s = (expected / gate).ln();
    let bits = s.to_bits();
    let doublings = ((bits >> 52) & 0x7ff) as i64 - 1023;
    if !s.is_finite() || doublings >= WITHIN_DOUBLINGS.end {
        return largest_within(gate, expected);
    }
    if doublings < WITHIN_DOUBLINGS.start {
        return gate;
    }
    let steps = 1usize << WITHIN_STEPS_LOG2;
    let sub = (bits >> (52 - WITHIN_STEPS_LOG2)) as usize & (steps - 1);
    let cell = ((doublings - WITHIN_DOUBLINGS.start) as usize) * steps + sub;
    let table = TABLE.get_or_init(|| {
        let cells = (WITHIN_DOUBLINGS.end - WITHIN_DOUBLINGS.start) as usize * steps;
        (0..cells)
            .map(|c| {
                let doubling = WITHIN_DOUBLINGS.start + (c / steps) as i64;
                let low = 2f64.powi(doubling as i32) * (1.0 + (c % steps) as f64 / steps as f64);
                share_of_gate(low) * (1.0 + 1e-9)
            })
            .collect()
    });
    (gate * table[cell]).min(gate)
}

/// The root `u` of `u · (1 + s − ln u) = 1` for `s > 0` (`u = 1` at `s = 0`): the left
/// side is concave and increasing in `u`, so Newton's steps, from the first on, stay
/// below the root and close in on it; each takes one logarithm.
fn share_of_gate(s: f64) -> f64 {
    let mut u = 1.0 / (1.0 + s);
    for _ in 0..200 {
        let slope = s - u.ln();
        if slope <= 0.0 {
            return 1.0;
        }
        let step = (1.0 - u * (1.0 + slope)) / slope;
        u += step;
        if step.abs() <= u * 1e-15 {
            break;
        }
    }
    u.min(1.0)
}

/// The account loops start from, and where they may close: each account that made a
/// one-off payment to it, with that payment's position in the index, by payer. The
/// closers are made when a search from the origin first needs them and kept for the
/// origin's other searches, which asked for much the same receipts again for every
/// payment the origin made. A payer pays the origin once at most (its payment is
/// one-off), so one entry per payer is the whole answer; a search checks the time.
#[derive(Debug)]
pub struct LoopOrigin {
    origin: u32,
    closers: std::cell::OnceCell<Vec<(u32, usize)>>,
}

impl LoopOrigin {
    /// Searches from `origin`, no closer found yet.
    pub fn new(origin: u32) -> LoopOrigin {
        LoopOrigin { origin, closers: std::cell::OnceCell::new() }
    }

    /// The origin's closers in `index`, made on first use.
    fn closers(&self, g: &FlowGraph, index: &StrangerPayments) -> &[(u32, usize)] {
        self.closers.get_or_init(|| {
            let incoming = g.in_list(self.origin);
            let mut closers: Vec<(u32, usize)> = (0..incoming.len())
                .filter_map(|k| {
                    index.position_of(incoming.other[k], incoming.edges[k]).map(|p| (incoming.other[k], p))
                })
                .collect();
            closers.sort_unstable();
            closers
        })
    }
}

struct Search<'a, F: FnMut(&[u32], f64), R: Fn(u32) -> bool> {
    g: &'a FlowGraph,
    spec: RelaySpec,
    index: &'a StrangerPayments,
    /// The origin and its one-off payers, shared by the origin's searches.
    from: &'a LoopOrigin,
    /// When the last payment that could close the loop was made.
    last_close: i64,
    /// False for an account from which no path leads back to the origin.
    may_return: R,
    visit: F,
    path: Vec<u32>,
    nodes: Vec<u32>,
    deadline: i64,
    spent: u64,
    /// The payments found to follow, of every step of the path, the last step's on top.
    pending: Vec<Pending>,
    /// Paths followed far enough for one more payment to close them.
    could_close: usize,
}

/// A payment a search has found to follow: where it is in the index, its transfer and
/// receiver, the path's chance with it, and the scan's steps up to it since the one
/// before (counted against the budget when it is followed).
#[derive(Debug, Clone, Copy)]
struct Pending {
    position: usize,
    edge: u32,
    to: u32,
    chance: f64,
    steps: u64,
}

/// Visits every loop of one-off payments that starts with the payment at `position` of
/// `index`, returns to its sender within `spec.window`, and whose every payment but the
/// closing one has a chance of at most `spec.max_hop_chance` (the first its size share,
/// the later ones their [`look_elsewhere`] chance), with the product of those chances,
/// following no payment to an account for which `may_return` is false. `from` is
/// shared by the searches from one origin (see [`LoopOrigin`]).
pub fn stranger_loops_from(
    g: &FlowGraph,
    from: &LoopOrigin,
    position: usize,
    spec: RelaySpec,
    index: &StrangerPayments,
    may_return: impl Fn(u32) -> bool,
    visit: impl FnMut(&[u32], f64),
) -> SearchEnd {
    stranger_loops_counted_from(g, from, position, spec, index, may_return, visit).0
}

/// [`stranger_loops_from`], and how many paths the search followed far enough for one
/// more payment to close them, closed or not: every one of them was a try at a loop,
/// whose chance of closing each loop found counts in.
pub fn stranger_loops_counted_from(
    g: &FlowGraph,
    from: &LoopOrigin,
    position: usize,
    spec: RelaySpec,
    index: &StrangerPayments,
    may_return: impl Fn(u32) -> bool,
    visit: impl FnMut(&[u32], f64),
) -> (SearchEnd, usize) {
    let origin = from.origin;
    let Entry { edge: start, time: opened, share, to: first_payee, .. } = index.entries[position];
    // The first payment too is one its payer rarely makes: its size share is a chance.
    let opening = f64::from(share);
    if spec.max_hops < 2 || opening > spec.max_hop_chance {
        return (SearchEnd::Complete, 0);
    }
    debug_assert_eq!(g.src[start as usize], origin, "the payment is not the origin's");
    if origin == first_payee {
        return (SearchEnd::Complete, 0);
    }
    // The one-off payments that could close the loop: to the origin, after the start,
    // before the deadline. Without one there is no loop to look for; the list of them
    // is only made once a path is long enough to close.
    let deadline = opened.saturating_add(spec.window);
    let incoming = g.in_list(origin);
    let first = incoming.time.partition_point(|&t| t < opened);
    let end = incoming.time.partition_point(|&t| t <= deadline).max(first);
    // No relay after the last of them can be closed in time.
    let Some(last_close) = (first..end).rev().find(|&k| index.holds(incoming.edges[k])) else {
        return (SearchEnd::Complete, 0);
    };
    let PathMemory { path, nodes, pending } = PathMemory::starting(&KEPT, start, first_payee);
    let mut search = Search {
        g,
        spec,
        index,
        from,
        last_close: incoming.time[last_close],
        may_return,
        visit,
        path,
        nodes,
        deadline,
        spent: 0,
        pending,
        could_close: 0,
    };
    let complete = search.extend(position, opening);
    let could_close = search.could_close;
    PathMemory { path: search.path, nodes: search.nodes, pending: search.pending }.keep(&KEPT);
    (if complete { SearchEnd::Complete } else { SearchEnd::BudgetHit }, could_close)
}

thread_local! {
    /// Each thread's memory for its next search.
    static KEPT: std::cell::RefCell<PathMemory<Pending>> = std::cell::RefCell::default();
}

impl<F: FnMut(&[u32], f64), R: Fn(u32) -> bool> Search<'_, F, R> {
    /// Goes on from the path's last payment, at `last` in the index. Returns false when
    /// the budget ran out.
    fn extend(&mut self, last: usize, chance: f64) -> bool {
        let (g, index) = (self.g, self.index);
        let received = index.entries[last].time;
        let at = index.entries[last].to;
        // Its one-off payments are what a stranger's next payment is drawn from.
        let sent = index.made(at);
        // One-off payments the account would make between the receipt and the deadline.
        let expected = g.scale.expected_within(sent, self.deadline - received);
        let timing = |k: usize| g.scale.chance_within(sent, index.entries[k].time - received);
        let raw = |k: usize| timing(k) * f64::from(index.entries[k].share);
        let hops = self.path.len() + 1;
        // A receiver whose next one-off payment comes after the last that could close the
        // loop can neither pass the money on nor close the loop in time: the path is no
        // try at a loop. (A part of time, which holds no payment past its horizon, reads
        // it so too.)
        let onward = index.entries[last].onward;
        let pays_in_time = onward != NO_ONWARD && index.entries[onward as usize].time <= self.last_close;
        // The closing payment: any one-off payment to the origin in time.
        if hops >= self.spec.min_hops && pays_in_time {
            self.could_close += 1;
            let closers = self.from.closers(g, index);
            if let Ok(c) = closers.binary_search_by_key(&at, |&(p, _)| p) {
                let k = closers[c].1;
                let t = index.entries[k].time;
                if t >= received && t <= self.deadline {
                    self.path.push(index.entries[k].edge);
                    (self.visit)(&self.path, chance * look_elsewhere(raw(k), expected));
                    self.path.pop();
                }
            }
        }
        if hops >= self.spec.max_hops || !pays_in_time {
            return true;
        }
        // A relay passes when timing x share is at most `within`; timing only grows with
        // the delay, so a block whose smallest share fails at its first entry's timing
        // fails throughout.
        let (mut k, end) = (onward as usize, index.offsets[at as usize + 1] as usize);
        // Below `within` is where a hop's chance may pass the gate.
        let within = within_bound(self.spec.max_hop_chance, expected);
        // The payments to follow are all found before any is followed, so that their
        // receivers' payments, fetched ahead, arrive together rather than one miss after
        // another (a child's first read waited on memory in nearly every step). Nothing
        // the scan decides depends on what a child finds, and a candidate's steps are
        // counted against the budget just before it is followed, as scanning and
        // following in turn would count them.
        let base = self.pending.len();
        let mut steps: u64 = 0;
        while k < end && index.entries[k].time <= self.last_close {
            steps += 1;
            if k % BLOCK == 0
                && k + BLOCK <= end
                && f64::from(index.block_min[k / BLOCK]) * timing(k) > within
            {
                k += BLOCK;
                continue;
            }
            let (here, Entry { edge: e, to, onward, .. }, chance_here) = (k, index.entries[k], raw(k));
            k += 1;
            if chance_here > within {
                continue;
            }
            let hop = look_elsewhere(chance_here, expected);
            // A receiver that makes no one-off payment from then on can neither relay nor
            // close the loop: it is not visited, which costs the search nothing.
            if onward == NO_ONWARD
                || to == self.from.origin
                || hop > self.spec.max_hop_chance
                || to == at
                || self.nodes.contains(&to)
                || !(self.may_return)(to)
            {
                continue;
            }
            // Where the search goes on from `to`: each of these reads missed the cache.
            crate::memory::prefetch(&index.entries, onward as usize);
            crate::memory::prefetch(&index.made, to as usize);
            crate::memory::prefetch(&index.offsets, to as usize + 1);
            self.pending.push(Pending { position: here, edge: e, to, chance: chance * hop, steps });
            steps = 0;
        }
        let ok = self.follow(base);
        self.pending.truncate(base);
        self.spent += steps;
        ok && self.spent <= self.spec.budget
    }

    /// Follows the payments pending from `base` on, in the order they were found.
    /// Returns false when the budget ran out.
    fn follow(&mut self, base: usize) -> bool {
        for p in base..self.pending.len() {
            let Pending { position, edge, to, chance, steps } = self.pending[p];
            self.spent += steps;
            if self.spent > self.spec.budget {
                return false;
            }
            self.path.push(edge);
            self.nodes.push(to);
            let ok = self.extend(position, chance);
            self.nodes.pop();
            self.path.pop();
            if !ok {
                return false;
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
    use std::collections::BTreeMap;

    fn spec() -> RelaySpec {
        RelaySpec { window: 60 * D, min_hops: 3, max_hops: 6, max_hop_chance: 0.5, budget: u64::MAX }
    }

    /// The loops found from transfer `start` (none when it is not one-off).
    fn found(g: &FlowGraph, start: u32, spec: RelaySpec) -> BTreeMap<Vec<u32>, f64> {
        let one_off = OneOffPayments::of(g);
        let index = StrangerPayments::index(g, &one_off, |_| true);
        let mut out = BTreeMap::new();
        if let Some(position) = (0..index.payments()).find(|&k| index.payment_at(k).0 == start) {
            let end = stranger_loops_from(
                g,
                &LoopOrigin::new(g.src[start as usize]),
                position,
                spec,
                &index,
                |_| true,
                |p, c| {
                    out.insert(p.to_vec(), c);
                },
            );
            assert_eq!(end, SearchEnd::Complete);
        }
        out
    }

    /// Brute force: every sequence of one-off payments, scanning all transfers at every
    /// step, with each payer's one-off payments counted afresh.
    fn brute(g: &FlowGraph, start: u32, spec: RelaySpec) -> BTreeMap<Vec<u32>, f64> {
        let one_off = OneOffPayments::of(g);
        // (one-off payments of the payer, share of its others at least as large, two
        // drawn from the dump's amounts added).
        let measure = |e: usize| {
            let own: Vec<usize> =
                (0..g.edge_count()).filter(|&x| g.src[x] == g.src[e] && one_off.contains(x as u32)).collect();
            let as_large = own.iter().filter(|&&x| x != e && g.amount[x] >= g.amount[e]).count();
            let dump = g.scale.share_between(g.amount[e], f64::INFINITY);
            (own.len(), (as_large as f64 + 2.0 * dump) / (own.len() + 1) as f64)
        };
        fn rec(
            g: &FlowGraph,
            spec: RelaySpec,
            one_off: &OneOffPayments,
            measure: &dyn Fn(usize) -> (usize, f64),
            path: &mut Vec<u32>,
            chance: f64,
            out: &mut BTreeMap<Vec<u32>, f64>,
        ) {
            let first = path[0] as usize;
            let last = *path.last().unwrap() as usize;
            let origin = g.src[first];
            let deadline = g.time[first] + spec.window;
            if path.len() >= 2 && g.dst[last] == origin {
                if path.len() >= spec.min_hops {
                    out.insert(path.clone(), chance);
                }
                return;
            }
            if path.len() >= spec.max_hops {
                return;
            }
            for e in 0..g.edge_count() {
                let at = g.src[e];
                if at != g.dst[last] || !one_off.contains(e as u32) {
                    continue;
                }
                let (sent, share) = measure(e);
                let expected = g.scale.expected_within(sent, deadline - g.time[last]);
                let timing = g.scale.chance_within(sent, g.time[e] - g.time[last]);
                let hop = look_elsewhere(timing * share, expected);
                let closes = g.dst[e] == origin;
                let revisits =
                    g.dst[e] == at || !closes && path.iter().any(|&p| g.dst[p as usize] == g.dst[e]);
                let ok = g.time[e] >= g.time[last]
                    && g.time[e] <= deadline
                    && (hop <= spec.max_hop_chance || closes)
                    && !revisits
                    && (!closes || path.len() + 1 >= spec.min_hops);
                if ok {
                    path.push(e as u32);
                    rec(g, spec, one_off, measure, path, chance * hop, out);
                    path.pop();
                }
            }
        }
        let mut out = BTreeMap::new();
        let s = start as usize;
        if g.src[s] != g.dst[s] && one_off.contains(start) {
            let (_, opening) = measure(s);
            if opening <= spec.max_hop_chance {
                rec(g, spec, &one_off, &measure, &mut vec![start], opening, &mut out);
            }
        }
        out
    }

    /// `n` accounts that each pay their own shop small amounts every ten days, and a loop
    /// through them, each paying the next once, a large amount, `gap` days apart.
    fn loop_of_strangers(t: &mut Tiny, n: usize, gap: i64) {
        for k in 0..n {
            for m in 0..20 {
                t.wire(&format!("M{k}"), &format!("shop{k}"), m * 10 * D + 3 * D, 40.0 + m as f64);
            }
        }
        for k in 0..n {
            t.wire(
                &format!("M{k}"),
                &format!("M{}", (k + 1) % n),
                100 * D + k as i64 * gap * D,
                900.0 + k as f64,
            );
        }
    }

    #[test]
    fn a_slow_loop_of_large_one_off_payments_is_found_with_every_hop_counted() {
        let mut t = Tiny::new();
        loop_of_strangers(&mut t, 5, 9);
        let g = t.graph();
        let m0 = t.dump.accounts.index["M0"];
        let start = *g.out_edges(m0).iter().find(|&&e| g.time[e as usize] == 100 * D).unwrap();
        let loops = found(&g, start, spec());
        assert_eq!(loops.len(), 1);
        let (path, chance) = loops.iter().next().unwrap();
        assert_eq!(path.len(), 5);
        // Nine days is most of a member's ten-day habit, but its largest payment ever:
        // each hop is well within the gate, and four of them make the loop unlikely.
        assert!(*chance < 1e-3, "{chance}");
    }

    #[test]
    fn regulars_and_everyday_amounts_make_no_loop() {
        // Each member pays the next twice: regulars, not strangers.
        let mut t = Tiny::new();
        loop_of_strangers(&mut t, 4, 2);
        for k in 0..4 {
            t.wire(&format!("M{k}"), &format!("M{}", (k + 1) % 4), 190 * D, 41.0);
        }
        let g = t.graph();
        let m0 = t.dump.accounts.index["M0"];
        for &e in g.out_edges(m0) {
            assert!(found(&g, e, spec()).is_empty());
        }
    }

    #[test]
    fn largest_within_inverts_look_elsewhere() {
        // A bound to skip by: at or a hair above the largest chance that passes.
        // Across nine orders of magnitude of how often the account sends, and gates.
        let sweep = (0..180).map(|k| 10f64.powf(-2.0 + 0.05 * k as f64));
        for (expected, gate) in sweep.flat_map(|e| [(e, 0.5), (e, 0.05), (e, 0.9)]) {
            let q = largest_within(gate, expected);
            assert!(q >= gate || look_elsewhere(q, expected) >= gate - 1e-12, "{expected}, {gate}: {q}");
            assert!(look_elsewhere(q / (1.0 + 1e-5), expected) <= gate, "{expected}, {gate}: {q}");
        }
        for expected in [0.1, 1.0, 7.0, 300.0] {
            let q = largest_within(0.5, expected);
            assert!(q >= 0.5 || look_elsewhere(q, expected) >= 0.5 - 1e-12, "{expected}: {q}");
            assert!(look_elsewhere(q / (1.0 + 1e-5), expected) <= 0.5, "{expected}: {q}");
        }
        assert_eq!(look_elsewhere(0.2, 0.1), 0.2);
        assert!((look_elsewhere(0.01, 1.0) - 0.01 * (1.0 + 100f64.ln())).abs() < 1e-12);
    }

    #[test]
    fn the_table_bounds_the_largest_chance_within_and_closely() {
        // Across twelve orders of magnitude of how often the account sends, and gates.
        let sweep = (0..300).map(|k| 10f64.powf(-3.0 + 0.04 * k as f64));
        for (expected, gate) in sweep.flat_map(|e| [(e, 0.5), (e, 0.05), (e, 0.9), (e, 1e-4)]) {
            let (bound, exact) = (within_bound(gate, expected), largest_within(gate, expected));
            assert!(bound >= exact / (1.0 + 1e-6), "{expected}, {gate}: {bound} below {exact}");
            assert!(bound <= gate && bound <= exact * 1.02, "{expected}, {gate}: {bound} far above {exact}");
            // Nothing above the bound passes the gate.
            assert!(bound >= gate || look_elsewhere(bound * (1.0 + 1e-12), expected) > gate - 1e-12);
        }
        // Beyond the table, the exact bound.
        let far = 0.5 * 1e30;
        assert_eq!(within_bound(0.5, far), largest_within(0.5, far));
    }

    /// A dump of sixty days with `edges` (payer, payee, day, amount) between accounts
    /// `A0`, `A1`, ...
    fn sixty_days_of(edges: &[(u8, u8, i64, u32)]) -> Tiny {
        let mut t = Tiny::new();
        t.span(60);
        for (a, b, day, amount) in edges {
            t.wire(&format!("A{a}"), &format!("A{b}"), day * D, f64::from(*amount));
        }
        t
    }

    /// The search as it was before it found a step's payments ahead of following them:
    /// each payment read (or block skipped) is counted against the budget and, when it
    /// passes, followed at once. The loops with their chances in the order visited, and
    /// whether the budget ran out.
    fn in_turn(
        g: &FlowGraph,
        index: &StrangerPayments,
        position: usize,
        spec: RelaySpec,
    ) -> (Vec<(Vec<u32>, f64)>, SearchEnd) {
        struct Walk<'a> {
            g: &'a FlowGraph,
            index: &'a StrangerPayments,
            spec: RelaySpec,
            origin: u32,
            deadline: i64,
            last_close: i64,
            path: Vec<u32>,
            nodes: Vec<u32>,
            spent: u64,
            out: Vec<(Vec<u32>, f64)>,
        }
        impl Walk<'_> {
            fn extend(&mut self, last: usize, chance: f64) -> bool {
                let (g, index) = (self.g, self.index);
                let (received, at) = (index.entries[last].time, index.entries[last].to);
                let sent = index.made(at);
                let expected = g.scale.expected_within(sent, self.deadline - received);
                let timing = |k: usize| g.scale.chance_within(sent, index.entries[k].time - received);
                let raw = |k: usize| timing(k) * f64::from(index.entries[k].share);
                let hops = self.path.len() + 1;
                if hops >= self.spec.min_hops {
                    let closing = index.positions(at).find(|&k| index.entries[k].to == self.origin);
                    if let Some(k) =
                        closing.filter(|&k| (received..=self.deadline).contains(&index.entries[k].time))
                    {
                        let c = chance * look_elsewhere(raw(k), expected);
                        self.out.push(([self.path.as_slice(), &[index.entries[k].edge]].concat(), c));
                    }
                }
                if hops >= self.spec.max_hops {
                    return true;
                }
                let onward = index.entries[last].onward;
                let (mut k, end) = (onward as usize, index.positions(at).end);
                if onward == NO_ONWARD || index.entries[k].time > self.last_close {
                    return true;
                }
                let within = within_bound(self.spec.max_hop_chance, expected);
                while k < end && index.entries[k].time <= self.last_close {
                    self.spent += 1;
                    if self.spent > self.spec.budget {
                        return false;
                    }
                    if k % BLOCK == 0
                        && k + BLOCK <= end
                        && f64::from(index.block_min[k / BLOCK]) * timing(k) > within
                    {
                        k += BLOCK;
                        continue;
                    }
                    let (here, Entry { edge: e, to, onward, .. }, chance_here) =
                        (k, index.entries[k], raw(k));
                    k += 1;
                    let hop = look_elsewhere(chance_here, expected);
                    if chance_here > within
                        || onward == NO_ONWARD
                        || to == self.origin
                        || hop > self.spec.max_hop_chance
                        || to == at
                        || self.nodes.contains(&to)
                    {
                        continue;
                    }
                    self.path.push(e);
                    self.nodes.push(to);
                    let ok = self.extend(here, chance * hop);
                    self.nodes.pop();
                    self.path.pop();
                    if !ok {
                        return false;
                    }
                }
                true
            }
        }
        let Entry { edge: start, time: opened, share, to: first_payee, .. } = index.entries[position];
        let origin = g.src[start as usize];
        let opening = f64::from(share);
        if spec.max_hops < 2 || opening > spec.max_hop_chance || origin == first_payee {
            return (Vec::new(), SearchEnd::Complete);
        }
        let deadline = opened.saturating_add(spec.window);
        let incoming = g.in_list(origin);
        let closes = (0..incoming.len())
            .filter(|&k| index.holds(incoming.edges[k]) && (opened..=deadline).contains(&incoming.time[k]));
        let Some(last_close) = closes.map(|k| incoming.time[k]).max() else {
            return (Vec::new(), SearchEnd::Complete);
        };
        let mut walk = Walk {
            g,
            index,
            spec,
            origin,
            deadline,
            last_close,
            path: vec![start],
            nodes: vec![first_payee],
            spent: 0,
            out: Vec::new(),
        };
        let end = if walk.extend(position, opening) { SearchEnd::Complete } else { SearchEnd::BudgetHit };
        (walk.out, end)
    }

    proptest! {
        /// Finding a step's payments before following any visits the same loops with the
        /// same chances in the same order, and stops at the same place when the budget
        /// runs out, as reading and following each payment in turn.
        #[test]
        fn payments_found_ahead_are_followed_as_in_turn(
            edges in proptest::collection::vec((0u8..6, 0u8..6, 0i64..40, 1u32..1000), 1..45),
            budget in 1u64..8,
        ) {
            let t = sixty_days_of(&edges);
            let g = t.graph();
            let index = StrangerPayments::index(&g, &OneOffPayments::of(&g), |_| true);
            let loose = RelaySpec { window: 30 * D, min_hops: 3, max_hops: 5, max_hop_chance: 0.5, budget: u64::MAX };
            for spec in [loose, RelaySpec { budget, ..loose }] {
                for k in 0..index.payments() {
                    let mut ahead = Vec::new();
                    let from = LoopOrigin::new(g.src[index.payment_at(k).0 as usize]);
                    let end = stranger_loops_from(&g, &from, k, spec, &index, |_| true, |p, c| ahead.push((p.to_vec(), c)));
                    prop_assert_eq!((ahead, end), in_turn(&g, &index, k, spec));
                }
            }
        }
    }

    proptest! {
        /// A search counts every path it followed far enough to close: at least the loops
        /// it closed, each of which was one; and counting changes nothing it finds.
        #[test]
        fn a_search_counts_at_least_the_loops_it_closed(
            edges in proptest::collection::vec((0u8..6, 0u8..6, 0i64..40, 1u32..1000), 1..45),
        ) {
            let t = sixty_days_of(&edges);
            let g = t.graph();
            let index = StrangerPayments::index(&g, &OneOffPayments::of(&g), |_| true);
            let spec = RelaySpec { window: 30 * D, min_hops: 3, max_hops: 5, max_hop_chance: 0.5, budget: u64::MAX };
            for k in 0..index.payments() {
                let from = LoopOrigin::new(g.src[index.payment_at(k).0 as usize]);
                let mut closed = 0usize;
                let (end, could_close) =
                    stranger_loops_counted_from(&g, &from, k, spec, &index, |_| true, |_, _| closed += 1);
                prop_assert_eq!(end, SearchEnd::Complete);
                prop_assert!(could_close >= closed, "{} paths, {} loops", could_close, closed);
                let plain = stranger_loops_from(&g, &from, k, spec, &index, |_| true, |_, _| {});
                prop_assert_eq!(plain, end);
            }
        }
    }

    proptest! {
        /// The indexed search, with its skipped blocks, finds exactly the loops a brute
        /// force over every sequence of one-off payments finds, with the same chances.
        #[test]
        fn indexed_search_matches_brute_force(
            edges in proptest::collection::vec((0u8..6, 0u8..6, 0i64..40, 1u32..1000), 1..45),
            start_pick in 0usize..45,
        ) {
            let t = sixty_days_of(&edges);
            let g = t.graph();
            let start = (start_pick % g.edge_count()) as u32;
            let spec = RelaySpec { window: 30 * D, min_hops: 3, max_hops: 5, max_hop_chance: 0.5, budget: u64::MAX };
            let got = found(&g, start, spec);
            let want = brute(&g, start, spec);
            prop_assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>());
            for (k, c) in &got {
                // Shares are kept in single precision.
                prop_assert!((c - want[k]).abs() <= 1e-6 * c, "{} vs {}", c, want[k]);
            }
        }

        /// One `LoopOrigin` shared by every search from an origin, in the order the cycle
        /// motif runs them, finds the loops a fresh one finds for each search: the closers
        /// made for the first search, over all the origin's receipts, serve the later ones.
        #[test]
        fn an_origin_shared_by_its_searches_finds_what_fresh_ones_find(
            edges in proptest::collection::vec((0u8..6, 0u8..6, 0i64..40, 1u32..1000), 1..45),
        ) {
            let t = sixty_days_of(&edges);
            let g = t.graph();
            let index = StrangerPayments::index(&g, &OneOffPayments::of(&g), |_| true);
            let spec = RelaySpec { window: 20 * D, min_hops: 3, max_hops: 5, max_hop_chance: 0.5, budget: u64::MAX };
            let loops = |from: &LoopOrigin, k: usize| {
                let mut out = Vec::new();
                stranger_loops_from(&g, from, k, spec, &index, |_| true, |p, c| out.push((p.to_vec(), c)));
                out
            };
            for origin in 0..g.node_count() as u32 {
                let shared = LoopOrigin::new(origin);
                for k in index.positions(origin) {
                    prop_assert_eq!(loops(&shared, k), loops(&LoopOrigin::new(origin), k));
                }
            }
        }

        /// What a payment's payee paid from any time up to the payment's own, found by
        /// stepping back from where the payment goes on, is every one of its payments in
        /// the index over that time, in order.
        #[test]
        fn onward_payments_are_the_payees_payments_in_the_span(
            edges in proptest::collection::vec((0u8..5, 0u8..5, 0i64..40, 1u32..1000), 1..60),
            pick in 0usize..60,
            back in 0i64..45,
            ahead in 0i64..45,
        ) {
            let t = sixty_days_of(&edges);
            let g = t.graph();
            let index = StrangerPayments::index(&g, &OneOffPayments::of(&g), |_| true);
            prop_assume!(index.payments() > 0);
            let position = pick % index.payments();
            let paid = index.payment_at(position).0 as usize;
            let (from, to) = (g.time[paid] - back * D, g.time[paid] + ahead * D);
            let got: Vec<(usize, u32, i64, u32)> = index.onward_between(position, from, to).collect();
            let want: Vec<(usize, u32, i64, u32)> = index
                .positions(g.dst[paid])
                .map(|k| (k, index.payment_at(k).0))
                .map(|(k, e)| (k, e, g.time[e as usize], g.dst[e as usize]))
                .filter(|&(_, _, time, _)| (from..=to).contains(&time))
                .collect();
            prop_assert_eq!(got, want);
        }
    }
}

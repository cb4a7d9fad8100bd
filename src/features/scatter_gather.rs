//! Scatter-gather instances per transfer: `s -> {w_i} -> d` with at least two
//! intermediaries `w_i` (each different from `s` and `d`) in `N+(s) ∩ N-(d)`, every leg
//! in the transfer's window (typologies.md). A transfer `a -> b` is a scatter leg of the
//! instances `(a, d)` that have `b` among their intermediaries, and a gather leg of the
//! instances `(s, b)` that have `a` among theirs. Since the transfer itself supplies one
//! intermediary, each candidate instance only needs one more: the search stops at the
//! first, walking whichever side of the intersection is smaller.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::graph::account_set::AccountSet;
use crate::graph::moving_windows::MovingWindows;
use crate::graph::{AdjList, FlowGraph};

/// What one thread's counts reuse from transfer to transfer.
struct Scratch {
    /// The other ends being walked, or the side of an intersection being asked.
    set: AccountSet,
    /// Distinct other ends, ascending.
    ends: Vec<u32>,
    /// Accounts' outgoing and incoming windows, found from where they last ended: the
    /// transfers are counted in time order, and a busy account is asked for over and
    /// over.
    outs: MovingWindows,
    ins: MovingWindows,
}

/// Windows remembered per thread and direction: 2^16, a few MiB in all.
const REMEMBERED_BITS: u32 = 16;

/// How many transfers ahead the lists are asked for.
const AHEAD: usize = 16;

/// Instances each edge is a leg of; and how many counts hit the budget.
pub fn counts(g: &FlowGraph, window: i64, budget: u64) -> (Vec<u32>, u64) {
    // One scratch per thread, taken by the thread's index: a set over every account
    // made for each piece of work would cost more than the count.
    let scratch: Vec<Mutex<Scratch>> = (0..rayon::current_num_threads().max(1))
        .map(|_| {
            Mutex::new(Scratch {
                set: AccountSet::new(g.node_count()),
                ends: Vec::new(),
                outs: MovingWindows::new(REMEMBERED_BITS),
                ins: MovingWindows::new(REMEMBERED_BITS),
            })
        })
        .collect();
    // A run of transfers takes its thread's scratch once: taken for every transfer, the
    // lock was 1.4% of `features`' samples on a 1M-transfer graph.
    let mut counts = vec![0u32; g.edge_count()];
    let capped: u64 = counts
        .par_chunks_mut(TRANSFERS_PER_TASK)
        .enumerate()
        .map(|(k, run)| {
            let mine = rayon::current_thread_index().unwrap_or(0) % scratch.len();
            let mut s = scratch[mine].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let first = k * TRANSFERS_PER_TASK;
            let mut capped = 0;
            for (i, count) in run.iter_mut().enumerate() {
                let (found, over) = legs(g, (first + i) as u32, window, budget, &mut s);
                *count = found;
                capped += u64::from(over);
            }
            capped
        })
        .sum();
    (counts, capped)
}

/// Transfers counted in a row by one task, with one thread's scratch.
const TRANSFERS_PER_TASK: usize = 512;

/// The instances transfer `e` is a leg of, and whether the count hit the budget.
fn legs(g: &FlowGraph, e: u32, window: i64, budget: u64, s: &mut Scratch) -> (u32, bool) {
    let ei = e as usize;
    let Scratch { set, ends, outs, ins } = s;
    // The transfers come in time order: the lists and remembered windows a few
    // transfers on will read are asked for now, while this one's are read.
    if let (Some(&s_ahead), Some(&d_ahead)) = (g.src.get(ei + AHEAD), g.dst.get(ei + AHEAD)) {
        g.prefetch_lists(s_ahead);
        g.prefetch_lists(d_ahead);
        for v in [s_ahead, d_ahead] {
            outs.prefetch(v);
            ins.prefetch(v);
        }
    }
    let (a, b, at) = (g.src[ei], g.dst[ei], g.time[ei]);
    let from = at - window;
    if a == b {
        // An intermediary differs from both ends: a self-transfer is no leg.
        return (0, false);
    }
    let mut out_window = |v: u32| outs.window(v, g.out_list(v), e, at, from);
    let mut in_window = |v: u32| ins.window(v, g.in_list(v), e, at, from);
    let mut spent = 0u64;
    let mut count = 0u32;
    // Scatter leg: instances (a, d) for every d that b paid, through another w with
    // a -> w and w -> d. Most transfers' payee paid no one in the window: a's payments
    // are then not asked for (a window, unlike a list, is a search).
    set.distinct_sorted(out_window(b).other, ends);
    if ends.iter().any(|&d| d != a && d != b) {
        let a_out = out_window(a);
        let mut side = Side { known: a_out, set, filled: false, spent: &mut spent, budget };
        count += side.count(ends, (a, b), &mut in_window, &mut out_window);
    }
    // Gather leg: instances (s, b) for every s that paid a, through another w with
    // s -> w and w -> b.
    set.distinct_sorted(in_window(a).other, ends);
    if ends.iter().any(|&s| s != a && s != b) {
        let b_in = in_window(b);
        let mut side = Side { known: b_in, set, filled: false, spent: &mut spent, budget };
        count += side.count(ends, (a, b), &mut out_window, &mut in_window);
    }
    (count, spent > budget)
}

/// One leg's intersections: the transfer's own end's window (`known`: a's payments for a
/// scatter, b's receipts for a gather) against each candidate's.
struct Side<'s, 'g> {
    known: AdjList<'g>,
    /// Holds `known`'s other ends once a candidate needs them (`filled`).
    set: &'s mut AccountSet,
    filled: bool,
    spent: &'s mut u64,
    budget: u64,
}

impl<'g> Side<'_, 'g> {
    /// How many of `candidates` (ascending, `a` and `b` skipped) share another w with
    /// `known`, not `a`, `b` or the candidate: read from the candidate's window
    /// (`candidate_window`) or, when `known` is shorter, from each w's window towards
    /// the candidate (`w_window`), until the budget is spent.
    fn count(
        &mut self,
        candidates: &[u32],
        (a, b): (u32, u32),
        candidate_window: &mut impl FnMut(u32) -> AdjList<'g>,
        w_window: &mut impl FnMut(u32) -> AdjList<'g>,
    ) -> u32 {
        let known = self.known;
        // The transfer's own end dealt with no one but the other end: no candidate has
        // a second intermediary, and none of their windows is asked for.
        if known.other.iter().all(|&w| w == a || w == b) {
            return 0;
        }
        let mut count = 0;
        for &c in candidates {
            if c == a || c == b || *self.spent > self.budget {
                continue;
            }
            let other = |w: u32| w != a && w != b && w != c;
            let theirs = candidate_window(c);
            let found = if theirs.len() <= known.len() {
                if !self.filled {
                    *self.spent += known.len() as u64;
                    self.set.fill(known.other);
                    self.filled = true;
                }
                *self.spent += theirs.len() as u64;
                theirs.other.iter().any(|&w| other(w) && self.set.contains(w))
            } else {
                *self.spent += known.len() as u64;
                known.other.iter().copied().filter(|&w| other(w)).any(|w| {
                    let towards = w_window(w);
                    *self.spent += towards.len() as u64;
                    towards.other.contains(&c)
                })
            };
            count += u32::from(found);
        }
        count
    }
}

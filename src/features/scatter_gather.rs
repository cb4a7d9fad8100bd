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
use crate::graph::FlowGraph;

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
    let results: Vec<(u32, bool)> = (0..g.edge_count() as u32)
        .into_par_iter()
        .with_min_len(512)
        .map(|e| {
            let mine = rayon::current_thread_index().unwrap_or(0) % scratch.len();
            let mut s = scratch[mine].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            legs(g, e, window, budget, &mut s)
        })
        .collect();
    let capped = results.iter().filter(|r| r.1).count() as u64;
    (results.into_iter().map(|r| r.0).collect(), capped)
}

/// The instances transfer `e` is a leg of, and whether the count hit the budget.
fn legs(g: &FlowGraph, e: u32, window: i64, budget: u64, s: &mut Scratch) -> (u32, bool) {
    let ei = e as usize;
    let (a, b, from) = (g.src[ei], g.dst[ei], g.time[ei] - window);
    if a == b {
        // An intermediary differs from both ends: a self-transfer is no leg.
        return (0, false);
    }
    let Scratch { set, ends, outs, ins } = s;
    let mut out_window = |v: u32| outs.window(v, g.out_list(v), e, from);
    let mut in_window = |v: u32| ins.window(v, g.in_list(v), e, from);
    let mut spent = 0u64;
    let mut count = 0u32;
    // Scatter leg: instances (a, d) for every d that b paid.
    let a_out = out_window(a);
    let mut a_targets = false; // in `set` only once a candidate needs them
    set.distinct_sorted(out_window(b).other, ends);
    for &d in ends.iter() {
        if d == a || d == b || spent > budget {
            continue;
        }
        let d_in = in_window(d);
        // Another w (not a, b, d) with a -> w and w -> d.
        let found = if d_in.len() <= a_out.len() {
            if !a_targets {
                spent += a_out.len() as u64;
                set.fill(a_out.other);
                a_targets = true;
            }
            spent += d_in.len() as u64;
            d_in.other.iter().copied().any(|w| w != a && w != b && w != d && set.contains(w))
        } else {
            spent += a_out.len() as u64;
            a_out.other.iter().copied().filter(|&w| w != b && w != d && w != a).any(|w| {
                let w_out = out_window(w);
                spent += w_out.len() as u64;
                w_out.other.contains(&d)
            })
        };
        count += u32::from(found);
    }
    // Gather leg: instances (s, b) for every s that paid a.
    let b_in = in_window(b);
    let mut b_sources = false;
    set.distinct_sorted(in_window(a).other, ends);
    for &s in ends.iter() {
        if s == a || s == b || spent > budget {
            continue;
        }
        let s_out = out_window(s);
        // Another w (not s, a, b) with s -> w and w -> b.
        let found = if s_out.len() <= b_in.len() {
            if !b_sources {
                spent += b_in.len() as u64;
                set.fill(b_in.other);
                b_sources = true;
            }
            spent += s_out.len() as u64;
            s_out.other.iter().copied().any(|w| w != s && w != a && w != b && set.contains(w))
        } else {
            spent += b_in.len() as u64;
            b_in.other.iter().copied().filter(|&w| w != s && w != a && w != b).any(|w| {
                let w_in = in_window(w);
                spent += w_in.len() as u64;
                w_in.other.contains(&s)
            })
        };
        count += u32::from(found);
    }
    (count, spent > budget)
}

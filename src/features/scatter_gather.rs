//! Scatter-gather instances per transfer: `s -> {w_i} -> d` with at least two
//! intermediaries `w_i` in `N+(s) ∩ N-(d)`, every leg in the transfer's window
//! (typologies.md). A transfer `a -> b` is a scatter leg of the instances `(a, d)` with
//! `b` among their intermediaries, and a gather leg of the instances `(s, b)` with `a`
//! among theirs.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::graph::FlowGraph;

/// Distinct neighbours over the edges of `list` with id <= `upto` and time >= `from`.
fn neighbours(g: &FlowGraph, list: &[u32], other: &[u32], upto: u32, from: i64) -> HashSet<u32> {
    let hi = list.partition_point(|&e| e <= upto);
    let lo = list[..hi].partition_point(|&e| g.time[e as usize] < from);
    list[lo..hi].iter().map(|&e| other[e as usize]).collect()
}

/// Instances each edge is a leg of; and how many counts hit the budget.
pub fn counts(g: &FlowGraph, window: i64, budget: u64) -> (Vec<u32>, u64) {
    let results: Vec<(u32, bool)> = (0..g.edge_count() as u32)
        .into_par_iter()
        .with_min_len(256)
        .map(|e| {
            let ei = e as usize;
            let (a, b, from) = (g.src[ei], g.dst[ei], g.time[ei] - window);
            let mut spent = 0u64;
            let mut count = 0u32;
            if a == b {
                // An intermediary differs from both ends: a self-transfer is no leg.
                return (0, false);
            }
            // Scatter leg: destinations d reached from b; intermediaries of (a, d).
            let out_a = neighbours(g, g.out_edges(a), &g.dst, e, from);
            for d in neighbours(g, g.out_edges(b), &g.dst, e, from) {
                if d == a || d == b || spent > budget {
                    continue;
                }
                let into_d = neighbours(g, g.in_edges(d), &g.src, e, from);
                spent += into_d.len() as u64;
                if into_d.iter().filter(|&&w| w != d && w != a && out_a.contains(&w)).count() >= 2 {
                    count += 1;
                }
            }
            // Gather leg: sources s that paid a; intermediaries of (s, b).
            let into_b = neighbours(g, g.in_edges(b), &g.src, e, from);
            for s in neighbours(g, g.in_edges(a), &g.src, e, from) {
                if s == b || s == a {
                    continue;
                }
                let out_s = neighbours(g, g.out_edges(s), &g.dst, e, from);
                spent += out_s.len() as u64;
                if out_s.iter().filter(|&&w| w != s && w != b && into_b.contains(&w)).count() >= 2 {
                    count += 1;
                }
                if spent > budget {
                    break;
                }
            }
            (count, spent > budget)
        })
        .collect();
    let capped = results.iter().filter(|r| r.1).count() as u64;
    (results.into_iter().map(|r| r.0).collect(), capped)
}

//! GFP's fan and degree histograms. For each transfer `f` of one side of an account
//! (its outgoing transfers, or its incoming ones), the pattern at `f` is every transfer
//! of that side with time in `(t_f - w, t_f]`; its size is the number of distinct
//! counterparties in it (fan) or of transfers (degree). Every transfer in the pattern
//! counts one pattern of that size. As in GFP, a transfer to oneself is in no pattern,
//! though its time is still one at which a pattern is read. A side's transfers are
//! sorted by time, so each pattern is a run of them: one sweep per account, the runs
//! added through difference arrays.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::graph::{AdjList, FlowGraph};

use super::{Bins, Sparse};

/// Per bin, the counts of the fan (`distinct`) or degree patterns of each transfer's
/// sender side (`out_side`: the sender's outgoing transfers) or receiver side (the
/// receiver's incoming transfers).
pub fn histograms(g: &FlowGraph, window: i64, bins: &Bins, out_side: bool, distinct: bool) -> Vec<Sparse> {
    let nbins = bins.len();
    // Most of a transfer's bins are empty: each account hands back only the others, as
    // (edge, bin, count), so that each column is written once, at its own transfers.
    let per_account: Vec<Vec<(u32, u8, u32)>> = (0..g.node_count() as u32)
        .into_par_iter()
        .with_min_len(1024)
        .map(|v| {
            let list = if out_side { g.out_list(v) } else { g.in_list(v) };
            let edges = (0..list.edges.len()).filter(|&k| list.other[k] != v).map(|k| list.edges[k]);
            let counts = side(list, v, window, bins, distinct);
            let mut found = Vec::new();
            for (k, e) in edges.enumerate() {
                for (b, &c) in counts[k * nbins..(k + 1) * nbins].iter().enumerate() {
                    if c > 0 {
                        found.push((e, u8::try_from(b).unwrap_or(u8::MAX), c));
                    }
                }
            }
            found
        })
        .collect();
    // Bucketed by bin once; one entry per transfer and bin, sorted by transfer.
    let mut by_bin: Vec<Vec<(u32, u32)>> = vec![Vec::new(); nbins];
    for (e, b, c) in per_account.into_iter().flatten() {
        by_bin[usize::from(b)].push((e, c));
    }
    by_bin
        .into_par_iter()
        .map(|mut found| {
            found.sort_unstable();
            Sparse(found)
        })
        .collect()
}

/// The counts of `v`'s side `list`, `nbins` per transfer that is not to `v` itself, in
/// list order.
fn side(list: AdjList<'_>, v: u32, window: i64, bins: &Bins, distinct: bool) -> Vec<u32> {
    let (time, other) = (list.time, list.other);
    let nbins = bins.len();
    // kept[k]: transfers before position k that are not to oneself, the members' index.
    let mut kept = Vec::with_capacity(time.len() + 1);
    kept.push(0usize);
    for &o in other {
        kept.push(kept[kept.len() - 1] + usize::from(o != v));
    }
    let n = kept[time.len()];
    // diff[i * nbins + b]: patterns of bin b starting to cover member i (+) or stopping
    // just before it (-), as signed counts summed along the members.
    let mut diff = vec![0i64; (n + 1) * nbins];
    let mut counts: FxHashMap<u32, u32> = FxHashMap::default();
    let (mut lo, mut hi) = (0usize, 0usize);
    for &t in time {
        // The pattern read at time t: members with time in (t - window, t], later rows
        // at t included.
        while hi < time.len() && time[hi] <= t {
            if other[hi] != v {
                *counts.entry(other[hi]).or_insert(0) += 1;
            }
            hi += 1;
        }
        while lo < hi && time[lo] <= t - window {
            if let Some(c) = counts.get_mut(&other[lo]) {
                *c -= 1;
                if *c == 0 {
                    counts.remove(&other[lo]);
                }
            }
            lo += 1;
        }
        let (from, to) = (kept[lo], kept[hi]);
        let size = if distinct { counts.len() } else { to - from };
        if let Some(b) = bins.of(size) {
            diff[from * nbins + b] += 1;
            diff[to * nbins + b] -= 1;
        }
    }
    let mut out = vec![0u32; n * nbins];
    let mut running = vec![0i64; nbins];
    for k in 0..n {
        for b in 0..nbins {
            running[b] += diff[k * nbins + b];
            out[k * nbins + b] = u32::try_from(running[b]).unwrap_or(u32::MAX);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::gfp::testkit::{dense, graph, small_bins};
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Row per edge (input order, which is time order here) of the fan-out histogram.
    fn rows(g: &FlowGraph, out_side: bool, distinct: bool) -> Vec<Vec<u32>> {
        let h = dense(&histograms(g, 50, &small_bins(), out_side, distinct), g.edge_count());
        (0..g.edge_count()).map(|e| h.iter().map(|col| col[e]).collect()).collect()
    }

    #[test]
    fn fan_out_as_gfp_counts_it() {
        // snapml 1.17, fan_tw 50, bins [1..5]: 1 -> 2, 3, 4 at 10, 11, 12.
        let g = graph(&[(1, 2, 10), (1, 3, 11), (1, 4, 12)]);
        assert_eq!(rows(&g, true, true), [[0, 1, 1, 0, 0], [0, 1, 1, 0, 0], [0, 0, 1, 0, 0]]);
        // The same payee twice, then another: one pattern of two at the third, for all three.
        let g = graph(&[(1, 2, 10), (1, 2, 11), (1, 3, 12)]);
        assert_eq!(rows(&g, true, true), [[0, 1, 0, 0, 0]; 3]);
        // Three at one time: each of the three is a pattern of three.
        let g = graph(&[(1, 2, 10), (1, 3, 10), (1, 4, 10)]);
        assert_eq!(rows(&g, true, true), [[0, 0, 3, 0, 0]; 3]);
        // A transfer to oneself is in no pattern, but a pattern is read at its time.
        let g = graph(&[(1, 0, 4), (1, 1, 13), (1, 2, 14)]);
        assert_eq!(rows(&g, true, true), [[0, 1, 0, 0, 0], [0; 5], [0, 1, 0, 0, 0]]);
        let g = graph(&[(1, 2, 23), (1, 1, 60), (1, 0, 60)]);
        assert_eq!(rows(&g, true, true), [[0, 2, 0, 0, 0], [0; 5], [0, 2, 0, 0, 0]]);
        // The window is open at its start: 50 apart is too far, 49 is not.
        assert_eq!(rows(&graph(&[(1, 2, 10), (1, 3, 60)]), true, true), [[0; 5]; 2]);
        assert_eq!(rows(&graph(&[(1, 2, 10), (1, 3, 59)]), true, true), [[0, 1, 0, 0, 0]; 2]);
    }

    #[test]
    fn degrees_and_fan_in_as_gfp_counts_them() {
        // snapml 1.17, tw 50, bins [1..4]: edges 1->2@10, 1->3@11, 1->2@12, 4->2@13, 1->5@200.
        let g = graph(&[(1, 2, 10), (1, 3, 11), (1, 2, 12), (4, 2, 13), (1, 5, 200)]);
        let four = |r: Vec<Vec<u32>>| r.into_iter().map(|x| x[..4].to_vec()).collect::<Vec<_>>();
        assert_eq!(
            four(rows(&g, false, true)),
            [vec![0, 1, 0, 0], vec![0, 0, 0, 0], vec![0, 1, 0, 0], vec![0, 1, 0, 0], vec![0, 0, 0, 0]]
        );
        assert_eq!(
            four(rows(&g, true, true)),
            [vec![0, 2, 0, 0], vec![0, 2, 0, 0], vec![0, 1, 0, 0], vec![0, 0, 0, 0], vec![0, 0, 0, 0]]
        );
        assert_eq!(
            four(rows(&g, false, false)),
            [vec![0, 1, 1, 0], vec![0, 0, 0, 0], vec![0, 1, 1, 0], vec![0, 0, 1, 0], vec![0, 0, 0, 0]]
        );
        assert_eq!(
            four(rows(&g, true, false)),
            [vec![0, 1, 1, 0], vec![0, 1, 1, 0], vec![0, 0, 1, 0], vec![0, 0, 0, 0], vec![0, 0, 0, 0]]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Straight from the definition: every transfer f of the side, its pattern, and
        /// whether e lies in it.
        #[test]
        fn histograms_equal_the_definition(
            edges in prop::collection::vec((0u32..5, 0u32..5, 0i64..80), 1..40),
            out_side: bool,
            distinct: bool,
        ) {
            let g = graph(&edges);
            let h = dense(&histograms(&g, 20, &small_bins(), out_side, distinct), g.edge_count());
            let m = g.edge_count();
            let owner = |e: usize| if out_side { g.src[e] } else { g.dst[e] };
            let other = |e: usize| if out_side { g.dst[e] } else { g.src[e] };
            for e in 0..m {
                let mut want = [0u32; 5];
                let mine = |x: usize| owner(x) == owner(e) && g.src[x] != g.dst[x];
                // Patterns are read at every transfer of the side, to oneself too.
                for f in (0..m).filter(|&f| owner(f) == owner(e)) {
                    let tf = g.time[f];
                    let pattern: Vec<usize> =
                        (0..m).filter(|&x| mine(x) && g.time[x] <= tf && g.time[x] > tf - 20).collect();
                    if !pattern.contains(&e) {
                        continue;
                    }
                    let size = if distinct {
                        pattern.iter().map(|&x| other(x)).collect::<BTreeSet<_>>().len()
                    } else {
                        pattern.len()
                    };
                    if let Some(b) = small_bins().of(size) {
                        want[b] += 1;
                    }
                }
                let got: Vec<u32> = h.iter().map(|col| col[e]).collect();
                prop_assert_eq!(got, want.to_vec(), "edge {}", e);
            }
        }
    }
}

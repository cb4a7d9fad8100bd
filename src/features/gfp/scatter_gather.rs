//! GFP's scatter-gather histogram. A pattern is a pair of accounts `(s, d)`, `s != d`,
//! with intermediaries `w` (neither `s` nor `d`) that `s` paid and that paid `d`. GFP
//! reads a pair again at the time `t` of every transfer that is one of its legs (of any
//! intermediary, in the whole dump), over `[t - w, t]`, both ends included, and keeps
//! the last reading that says something:
//!
//! - fewer than two intermediaries with a leg each way in that range: no pattern;
//! - otherwise, if some of the legs paid at `t` are in it: the pattern, counted by each
//!   of its legs once per such leg (GFP adds up the readings of one time);
//! - otherwise (only legs of intermediaries whose other leg is out of range were paid
//!   at `t`): the reading before stands.
//!
//! So the pair is read from its last leg backwards until one reading decides. An
//! earlier instance of the pair that a later reading does not hold is not counted.
//!
//! A transfer to oneself is no leg here. GFP sometimes counts a sender that paid itself
//! as its own intermediary (with its direct payment to `d` as the gather leg) and
//! sometimes not; benches/gfp_compare.py leaves such transfers out.

use rayon::prelude::*;

use crate::features::finds::Searched;

use crate::graph::{AdjList, FlowGraph};

use super::by_payee::ByPayee;
use super::{Bins, Sparse};

/// Per bin, the counts of each transfer (its non-zero ones), and how many senders'
/// searches passed `budget` (a sender whose pairs take more than `budget` steps to list
/// is left out: its counts are lower bounds).
pub fn histograms(g: &FlowGraph, window: i64, bins: &Bins, budget: u64) -> (Vec<Sparse>, u64) {
    let by = ByPayee::of(g);
    let found: Vec<Searched> = (0..g.node_count() as u32)
        .into_par_iter()
        .with_min_len(256)
        .map(|s| from_sender(g, &by, s, window, bins, budget))
        .collect();
    super::tally(bins, found)
}

/// A candidate intermediary of a pair: `w`, and the positions of `s -> w` in `s`'s list
/// and of `w -> d` in `w`'s.
struct Leg<'a> {
    d: u32,
    w: u32,
    scatter: &'a [u32],
    gather: &'a [u32],
}

/// The legs (edge, bin) of every pattern sent from `s`, and whether the budget stopped it.
fn from_sender(g: &FlowGraph, by: &ByPayee, s: u32, window: i64, bins: &Bins, budget: u64) -> Searched {
    let (s_list, mut steps) = (g.out_list(s), 0u64);
    let mut legs: Vec<Leg<'_>> = Vec::new();
    for (w, scatter) in by.payees(g, s) {
        if w == s {
            continue;
        }
        for (d, gather) in by.payees(g, w) {
            steps += 1;
            if steps > budget {
                return (Vec::new(), true);
            }
            if d != s && d != w {
                legs.push(Leg { d, w, scatter, gather });
            }
        }
    }
    legs.sort_unstable_by_key(|l| (l.d, l.w));
    let mut out = Vec::new();
    for pair in legs.chunk_by(|a, b| a.d == b.d) {
        if pair.len() < 2 {
            continue;
        }
        // Every time a leg of the pair was paid, latest first: the readings GFP keeps.
        let mut times: Vec<i64> = pair
            .iter()
            .flat_map(|l| {
                let w_list = g.out_list(l.w);
                let scatter = l.scatter.iter().map(|&k| s_list.time[k as usize]);
                scatter.chain(l.gather.iter().map(move |&k| w_list.time[k as usize]))
            })
            .collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        times.dedup();
        steps += times.len() as u64;
        if steps > budget {
            return (Vec::new(), true);
        }
        for at in times {
            let from = at - window;
            let within = |list: AdjList<'_>, positions: &[u32]| -> Vec<u32> {
                positions
                    .iter()
                    .filter(|&&k| (from..=at).contains(&list.time[k as usize]))
                    .map(|&k| list.edges[k as usize])
                    .collect()
            };
            let held: Vec<Vec<u32>> = pair
                .iter()
                .map(|l| (within(s_list, l.scatter), within(g.out_list(l.w), l.gather)))
                .filter(|(a, b)| !a.is_empty() && !b.is_empty())
                .map(|(a, b)| [a, b].concat())
                .collect();
            steps += pair.len() as u64;
            if held.len() < 2 {
                // This reading found no pattern, and it is the pair's last.
                break;
            }
            let at_t = held.iter().flatten().filter(|&&e| g.time[e as usize] == at).count();
            if at_t == 0 {
                // Only legs of other intermediaries were paid then: GFP keeps the
                // reading before.
                continue;
            }
            let Some(bin) = bins.of(held.len()) else {
                break;
            };
            let bin = u8::try_from(bin).unwrap_or(u8::MAX);
            let at_t = u32::try_from(at_t).unwrap_or(u32::MAX);
            out.extend(held.into_iter().flatten().map(|e| (e, bin, at_t)));
            break;
        }
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::gfp::testkit::{dense, graph, small_bins};
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// The bin each edge counts a pattern in, by input row, or `-`.
    fn bins_by_row(edges: &[(u32, u32, i64)]) -> String {
        let g = graph(edges);
        let h = dense(&histograms(&g, 50, &small_bins(), u64::MAX).0, g.edge_count());
        let mut by_row = vec!['-'; g.edge_count()];
        for e in 0..g.edge_count() {
            if let Some(b) = h.iter().position(|col| col[e] > 0) {
                by_row[g.row.get(e) as usize] = char::from(b'0' + b as u8);
            }
        }
        by_row.into_iter().collect()
    }

    /// How many patterns each edge counts (all bins), by input row, or `-`.
    fn counts_by_row(edges: &[(u32, u32, i64)]) -> String {
        let g = graph(edges);
        let h = dense(&histograms(&g, 50, &small_bins(), u64::MAX).0, g.edge_count());
        let mut by_row = vec!['-'; g.edge_count()];
        for e in 0..g.edge_count() {
            let n: u32 = h.iter().map(|col| col[e]).sum();
            if n > 0 {
                by_row[g.row.get(e) as usize] = char::from(b'0' + n as u8);
            }
        }
        by_row.into_iter().collect()
    }

    #[test]
    fn as_gfp_counts_them() {
        // snapml 1.17, scatter-gather_tw 50, bins [1..5]; legs 1->2, 1->3, 2->4, 3->4.
        let sg = |a, b, c, d| vec![(1, 2, a), (1, 3, b), (2, 4, c), (3, 4, d)];
        assert_eq!(bins_by_row(&sg(10, 11, 12, 13)), "1111");
        assert_eq!(bins_by_row(&sg(12, 13, 10, 11)), "1111", "no time order");
        assert_eq!(bins_by_row(&sg(10, 11, 40, 60)), "1111", "a span of exactly the window");
        assert_eq!(bins_by_row(&sg(10, 11, 40, 61)), "----");
        // A third intermediary makes it a pattern of three.
        let mut three = sg(10, 11, 12, 13);
        three.extend([(1, 5, 11), (5, 4, 14)]);
        assert_eq!(bins_by_row(&three), "222222");
        // The pair read again at its last leg: an earlier instance no longer counts.
        let mut again = sg(10, 11, 12, 13);
        again.extend([(1, 2, 100), (1, 3, 101), (2, 4, 102), (3, 4, 103)]);
        assert_eq!(bins_by_row(&again), "----1111");
        let mut late_leg = sg(10, 11, 12, 13);
        late_leg.push((2, 4, 61));
        assert_eq!(bins_by_row(&late_leg), "-----", "read at 61, 1 -> 2 at 10 has left");
        let mut late_scatter = sg(10, 11, 12, 13);
        late_scatter.push((1, 2, 61));
        assert_eq!(bins_by_row(&late_scatter), "-1111");
        // A transfer elsewhere leaves the pair alone; a gather back to the sender is none.
        let mut elsewhere = sg(10, 11, 12, 13);
        elsewhere.push((2, 9, 100));
        assert_eq!(bins_by_row(&elsewhere), "1111-");
        assert_eq!(bins_by_row(&[(1, 2, 10), (1, 3, 11), (2, 1, 12), (3, 1, 13)]), "----");
        // Legs at the last time count the pattern once each (a reading each, added up).
        assert_eq!(counts_by_row(&sg(10, 10, 10, 10)), "4444");
        assert_eq!(counts_by_row(&sg(10, 11, 12, 12)), "2222");
        let mut late = sg(10, 11, 12, 13);
        late.push((1, 2, 13));
        assert_eq!(counts_by_row(&late), "22222");
        // An intermediary whose other leg is too old does not count, nor its leg at T...
        let mut stale = sg(10, 11, 12, 13);
        stale.extend([(5, 4, -100), (1, 5, 13)]);
        assert_eq!(counts_by_row(&stale), "1111--");
        // ... and a pattern whose last leg is no part of it is still read once.
        let mut after = sg(10, 11, 12, 13);
        after.extend([(5, 4, -100), (1, 5, 14)]);
        assert_eq!(counts_by_row(&after), "1111--");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Straight from the definition, every pair (s, d) of accounts.
        #[test]
        fn histograms_equal_the_definition(edges in prop::collection::vec((0u32..6, 0u32..6, 0i64..120), 1..40)) {
            let g = graph(&edges);
            let (h, capped) = histograms(&g, 50, &small_bins(), u64::MAX);
            let h = dense(&h, g.edge_count());
            prop_assert_eq!(capped, 0);
            let m = g.edge_count();
            let mut want = vec![[0u32; 5]; m];
            let ids = |f: &dyn Fn(usize) -> bool| (0..m).filter(|&e| f(e)).collect::<Vec<_>>();
            for s in 0..10u32 {
                for d in (0..10u32).filter(|&d| d != s) {
                    let scatter = |w: u32| ids(&|e| g.src[e] == s && g.dst[e] == w);
                    let gather = |w: u32| ids(&|e| g.src[e] == w && g.dst[e] == d);
                    let ws: BTreeSet<u32> = (0..10u32)
                        .filter(|&w| w != s && w != d && !scatter(w).is_empty() && !gather(w).is_empty())
                        .collect();
                    let legs: Vec<(u32, usize)> =
                        ws.iter().flat_map(|&w| scatter(w).into_iter().chain(gather(w)).map(move |e| (w, e))).collect();
                    let times: BTreeSet<i64> = legs.iter().map(|&(_, e)| g.time[e]).collect();
                    for &at in times.iter().rev() {
                        let recent = |legs: Vec<usize>| {
                            legs.into_iter().filter(|&e| g.time[e] >= at - 50 && g.time[e] <= at).collect::<Vec<_>>()
                        };
                        let held: Vec<(u32, Vec<usize>)> = ws
                            .iter()
                            .map(|&w| (w, recent(scatter(w)), recent(gather(w))))
                            .filter(|(_, a, b)| !a.is_empty() && !b.is_empty())
                            .map(|(w, a, b)| (w, [a, b].concat()))
                            .collect();
                        if held.len() < 2 {
                            break;
                        }
                        let in_it = |w: u32| held.iter().any(|(x, _)| *x == w);
                        let at_t = legs.iter().filter(|&&(w, e)| g.time[e] == at && in_it(w)).count() as u32;
                        if at_t == 0 {
                            continue;
                        }
                        if let Some(b) = small_bins().of(held.len()) {
                            for e in held.into_iter().flat_map(|(_, legs)| legs) {
                                want[e][b] += at_t;
                            }
                        }
                        break;
                    }
                }
            }
            for (e, w) in want.iter().enumerate() {
                let got: Vec<u32> = h.iter().map(|col| col[e]).collect();
                prop_assert_eq!(&got, &w.to_vec(), "edge {}", e);
            }
        }
    }
}

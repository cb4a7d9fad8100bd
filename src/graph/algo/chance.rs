//! How likely a path of transfers is as a coincidence of the dump's everyday traffic.
//!
//! In a busy dump, money that happens to move on from account to account, a little
//! smaller each time, is everyday: payments chain by chance. Every hop after the first
//! gets a chance: that its account, sending at its own average rate over the dump,
//! would send anything that soon ([`Scale::chance_within`]), times the share of the
//! dump's transfers whose amount falls in the band the hop had to hit
//! ([`Scale::share_between`]). The path's chance is the product; times the transfers in
//! the dump it is the number of such paths expected by chance, which detectors compare
//! with their `expected_by_chance`.
//!
//! [`Scale::chance_within`]: crate::graph::scale::Scale::chance_within
//! [`Scale::share_between`]: crate::graph::scale::Scale::share_between

use crate::graph::FlowGraph;

/// The chance of `path` (transfers in order), where `band(first, previous)` is the
/// range of amounts a hop had to carry given the first hop's and the previous hop's.
/// `searched` is how long after the previous hop a search looked for the next one:
/// when it looked that far along every branch and kept the longest path, any send in
/// that time could have continued it, so that time, not the hop's own delay, is the
/// chance's; `None` takes each hop's own delay (a search that must also close a loop).
pub fn path_chance(
    g: &FlowGraph,
    path: &[u32],
    searched: Option<i64>,
    band: impl Fn(f64, f64) -> (f64, f64),
) -> f64 {
    let Some(&first) = path.first() else { return 1.0 };
    let first = g.amount[first as usize];
    path.windows(2)
        .map(|w| {
            let (prev, e) = (w[0] as usize, w[1] as usize);
            let sent = g.out_edges(g.src[e]).len();
            let delay = searched.unwrap_or(g.time[e] - g.time[prev]);
            let timing = g.scale.chance_within(sent, delay);
            let (lo, hi) = band(first, g.amount[prev]);
            timing * g.scale.share_between(lo, hi)
        })
        .product()
}

/// The most likely chance a path may have to be reported: `expected` such paths by
/// chance among the dump's transfers.
pub fn most_likely(g: &FlowGraph, expected: f64) -> f64 {
    expected / g.edge_count().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    #[test]
    fn quick_hops_of_rare_amounts_are_unlikely_slow_hops_of_common_ones_are_not() {
        let mut t = Tiny::new();
        t.noise(3, 50, 2_000, 100);
        t.wire("A", "B", 10 * D, 9_000.0);
        t.wire("B", "C", 10 * D + 2 * H, 8_900.0);
        t.wire("C", "D", 10 * D + 4 * H, 8_800.0);
        // Everyday accounts (each pays a bill every three days) passing an everyday
        // amount on, ten days apart.
        for p in ["P1", "P2", "P3"] {
            for d in 0..33 {
                t.wire(p, "utility", d * 3 * D + H, 90.0);
            }
        }
        t.wire("P1", "P2", 10 * D + 1, 600.0);
        t.wire("P2", "P3", 20 * D + 1, 590.0);
        t.wire("P3", "P4", 30 * D + 1, 580.0);
        let g = t.graph();
        let edge = |s: &str, d: &str| {
            let (s, d) = (t.dump.accounts.index[s], t.dump.accounts.index[d]);
            *g.out_edges(s).iter().rev().find(|&&e| g.dst[e as usize] == d).unwrap()
        };
        let carried = |first: f64, prev: f64| (first * 0.5, prev);
        let quick = path_chance(&g, &[edge("A", "B"), edge("B", "C")], None, carried);
        let slow = path_chance(&g, &[edge("P1", "P2"), edge("P2", "P3"), edge("P3", "P4")], None, carried);
        assert!(quick * g.edge_count() as f64 <= 1.0, "{quick}");
        assert!(slow * g.edge_count() as f64 > 1.0, "{slow}");
        assert_eq!(path_chance(&g, &[edge("A", "B")], None, carried), 1.0, "one transfer is no coincidence");
    }
}

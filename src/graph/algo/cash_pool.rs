//! Cash pools: an account and another of its own group that settle with each other both
//! ways on most days, as a company's account and its group's master account do under
//! zero balancing (every evening the surplus is swept up to the master, or a shortfall
//! funded from it).
//!
//! Money moved into the pool stays its owner's: a subsidiary that receives from forty
//! customers and sweeps it all to its parent by evening is not passing its customers'
//! money on to someone else, and a master account that deals only with the group is a
//! treasury, not a captive shell. The test needs ownership (the two accounts of one
//! controller group, through holders or entity links) and a standing arrangement (both
//! ways, on most days of the pair's span, for weeks): laundering through a pair of
//! linked accounts moves money one way, following the money, not a daily settlement.
//! Where the dump names neither account's holder (a bare transfer list), ownership
//! cannot be read, and the standing arrangement stands alone: a corporate book exported
//! without its customer data is full of zero-balanced accounts, and each would otherwise
//! read as a collector.

use std::collections::BTreeMap;

use crate::graph::{FlowGraph, NO_HOLDER};
use crate::units::DAY;

/// Days with a transfer between the pair, at the least: four working weeks of a daily
/// arrangement.
pub const POOL_DAYS_AT_LEAST: usize = 20;

/// Whether transfers between two accounts on `days` (day numbers, any order, repeats
/// allowed), with `both_ways` when each way has at least one, are a daily settlement:
/// both ways, on at least [`POOL_DAYS_AT_LEAST`] days and on at least half of the days
/// from the pair's first to its last (a pool settles on working days, when there is
/// anything to settle).
pub fn settles_daily(mut days: Vec<i64>, both_ways: bool) -> bool {
    if !both_ways {
        return false;
    }
    days.sort_unstable();
    days.dedup();
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return false;
    };
    days.len() >= POOL_DAYS_AT_LEAST && 2 * days.len() as i64 > last - first
}

/// `v`'s transfers with the counterparts `keep` takes: (counterpart, day, paid by `v`).
fn dealings(g: &FlowGraph, v: u32, keep: impl Fn(u32) -> bool) -> Vec<(u32, i64, bool)> {
    let mut dealings = Vec::new();
    for (list, paid) in [(g.out_list(v), true), (g.in_list(v), false)] {
        for k in 0..list.len() {
            if keep(list.other[k]) {
                dealings.push((list.other[k], list.time[k].div_euclid(DAY), paid));
            }
        }
    }
    dealings
}

/// Whether one pair's dealings ([`dealings`]) are a daily settlement ([`settles_daily`]).
fn settles(pair: &[(u32, i64, bool)]) -> bool {
    let both_ways = pair.iter().any(|x| x.2) && pair.iter().any(|x| !x.2);
    settles_daily(pair.iter().map(|x| x.1).collect(), both_ways)
}

/// Whether accounts `a` and `b` settle with each other daily ([`settles_daily`]), over
/// every transfer between them in the dump.
pub fn pair_settles_daily(g: &FlowGraph, a: u32, b: u32) -> bool {
    settles(&dealings(g, a, |w| w == b))
}

/// The accounts that `v` pools with: of its own controller group, or, when neither
/// account's holder is named, any account, settling with it daily
/// ([`pair_settles_daily`]), sorted. Empty for an account whose group is itself alone
/// and whose counterparts are named. One pass over `v`'s transfers, grouped by
/// counterpart: in a bare transfer list every counterpart is a candidate, and reading
/// `v`'s lists again for each would cost a busy account its degree squared.
pub fn pool_partners(g: &FlowGraph, v: u32) -> Vec<u32> {
    let a = &g.accounts;
    let own = a.controller[v as usize];
    let unnamed = |w: u32| a.holder[w as usize] == NO_HOLDER;
    let mut dealings =
        dealings(g, v, |w| w != v && (a.controller[w as usize] == own || (unnamed(v) && unnamed(w))));
    // A pool settles on at least POOL_DAYS_AT_LEAST days, a transfer or more each.
    if dealings.len() < POOL_DAYS_AT_LEAST {
        return Vec::new();
    }
    dealings.sort_unstable();
    dealings
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|pair| pair.len() >= POOL_DAYS_AT_LEAST && settles(pair))
        .map(|pair| pair[0].0)
        .collect()
}

/// The value of `edges` that moves between pairs that settle daily
/// ([`pair_settles_daily`], over all of the pair's transfers).
pub fn pooled_value(g: &FlowGraph, edges: &[u32]) -> f64 {
    let mut by_pair: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    for &e in edges {
        let (s, d) = (g.src[e as usize], g.dst[e as usize]);
        *by_pair.entry((s.min(d), s.max(d))).or_default() += g.amount[e as usize];
    }
    by_pair.into_iter().filter(|&((a, b), _)| pair_settles_daily(g, a, b)).map(|(_, value)| value).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    /// A subsidiary and its group's master settling every `every` days over 40, swept up
    /// and funded in turn (or swept up every time, `one_way`).
    fn pool(every: usize, linked: bool, one_way: bool) -> Tiny {
        let mut t = Tiny::new();
        t.company("SUB", "DE");
        t.company("MASTER", "DE");
        if linked {
            t.link("h-SUB", "h-MASTER");
        }
        for (k, day) in (0..40i64).step_by(every).enumerate() {
            let (from, to) = if one_way || k % 2 == 0 { ("SUB", "MASTER") } else { ("MASTER", "SUB") };
            t.wire(from, to, day * D + 18 * H, 10_000.0 + 100.0 * day as f64);
        }
        t
    }

    #[test]
    fn a_daily_two_way_settlement_in_one_group_is_a_pool() {
        let mut t = pool(1, true, false);
        let g = t.graph();
        let (sub, master) = (t.dump.accounts.intern("SUB"), t.dump.accounts.intern("MASTER"));
        assert_eq!(pool_partners(&g, sub), vec![master]);
        assert_eq!(pool_partners(&g, master), vec![sub]);
        let all: Vec<u32> = (0..g.edge_count() as u32).collect();
        let total: f64 = g.amount.iter().sum();
        assert!((pooled_value(&g, &all) - total).abs() < 1e-6);
    }

    #[test]
    fn no_pool_without_ownership_both_ways_or_most_days() {
        for (t, why) in [
            (pool(1, false, false), "accounts of different owners"),
            (pool(1, true, true), "money moving one way"),
            (pool(3, true, false), "every third day: not most days"),
        ] {
            let mut t = t;
            let g = t.graph();
            let sub = t.dump.accounts.intern("SUB");
            assert!(pool_partners(&g, sub).is_empty(), "{why}");
        }
        let t = pool(1, true, true);
        let g = t.graph();
        let all: Vec<u32> = (0..g.edge_count() as u32).collect();
        assert_eq!(pooled_value(&g, &all), 0.0);
    }

    #[test]
    fn in_a_bare_transfer_list_the_daily_settlement_alone_is_a_pool() {
        let mut t = pool(1, false, false);
        t.bare();
        let g = t.graph();
        let (sub, master) = (t.dump.accounts.intern("SUB"), t.dump.accounts.intern("MASTER"));
        assert_eq!(pool_partners(&g, sub), vec![master]);
        // Still both ways, on most days.
        for (mut t, why) in [(pool(1, false, true), "one way"), (pool(3, false, false), "every third day")] {
            t.bare();
            let g = t.graph();
            let sub = t.dump.accounts.intern("SUB");
            assert!(pool_partners(&g, sub).is_empty(), "{why}");
        }
        // One named holder is enough to ask for ownership.
        let mut t = pool(1, false, false);
        let master = t.dump.accounts.intern("MASTER");
        t.dump.accounts.holder[master as usize] = None;
        let g = t.graph();
        let sub = t.dump.accounts.intern("SUB");
        assert!(pool_partners(&g, sub).is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Grouping an account's transfers by counterpart once finds the partners that
        /// asking each counterpart in turn finds.
        #[test]
        fn partners_are_the_counterparts_that_settle_daily(
            transfers in proptest::collection::vec((0u8..3, 0u8..3, 0i64..30, proptest::prelude::any::<bool>()), 0..200),
            named in proptest::collection::vec(proptest::prelude::any::<bool>(), 3),
        ) {
            let mut t = Tiny::new();
            for (a, b, day, hour) in &transfers {
                if a != b {
                    t.wire(&format!("A{a}"), &format!("A{b}"), day * D + if *hour { 9 * H } else { 17 * H }, 100.0);
                }
            }
            for (k, named) in named.iter().enumerate() {
                if let Some(&v) = t.dump.accounts.index.get(format!("A{k}").as_str()) {
                    t.dump.accounts.holder[v as usize] = if *named { Some(t.dump.holders.intern("h-group")) } else { None };
                }
            }
            let g = t.graph();
            for v in 0..g.node_count() as u32 {
                let a = &g.accounts;
                let unnamed = |w: u32| a.holder[w as usize] == NO_HOLDER;
                let asked: Vec<u32> = (0..g.node_count() as u32)
                    .filter(|&w| w != v && (a.controller[w as usize] == a.controller[v as usize] || (unnamed(v) && unnamed(w))))
                    .filter(|&w| pair_settles_daily(&g, v, w))
                    .collect();
                proptest::prop_assert_eq!(pool_partners(&g, v), asked);
            }
        }
    }

    #[test]
    fn most_days_means_more_than_half_of_the_span() {
        let days = |n: i64, step: i64| (0..n).map(|k| k * step).collect::<Vec<i64>>();
        assert!(settles_daily(days(20, 1), true));
        assert!(settles_daily(days(30, 1), true));
        assert!(!settles_daily(days(30, 1), false));
        assert!(!settles_daily(days(19, 1), true));
        // Every other day: 30 days over a span of 59.
        assert!(settles_daily(days(30, 2), true));
        // Every third day: 30 days over 88.
        assert!(!settles_daily(days(30, 3), true));
    }
}

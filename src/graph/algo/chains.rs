//! Forward chains: the longest time-respecting path from one transfer along which each
//! account passes on most of what it received, soon. OS2 follows shells; the random
//! walk-through motif follows private accounts.

use crate::graph::{FlowGraph, OnwardList, Succession};
use crate::lookback::{Anchor, PartRule};

/// The most a hop may carry, as a multiple of what its account received: money passed
/// on, not topped up.
pub const MAX_GROWTH: f64 = 1.02;

/// What a chain must look like.
#[derive(Debug, Clone)]
pub struct ChainSpec {
    /// Fewest transfers in the chain.
    pub min_hops: usize,
    /// Most transfers followed.
    pub max_hops: usize,
    /// Each hop carries at least this share of the previous (and at most 102% of it).
    pub min_pass_through: f64,
    /// Each hop within this many seconds of the previous.
    pub max_hop_delay: i64,
    /// Countries the chain touches (0: any).
    pub min_jurisdictions: usize,
    /// Smallest first hop (base currency).
    pub min_first_amount: f64,
    /// Edge expansions per starting transfer.
    pub search_budget: u64,
}

struct Search<'a> {
    g: &'a FlowGraph,
    spec: &'a ChainSpec,
    shell: &'a [bool],
    path: Vec<u32>,
    best: Option<Vec<u32>>,
    spent: u64,
    /// Which transfer may carry on a receipt ([`FlowGraph::succession`]), read once for
    /// the search.
    succession: Succession,
}

impl Search<'_> {
    fn valid(&self) -> bool {
        let g = self.g;
        if self.path.len() < self.spec.min_hops {
            return false;
        }
        let mut countries: Vec<_> = std::iter::once(g.src[self.path[0] as usize])
            .chain(self.path.iter().map(|&e| g.dst[e as usize]))
            .filter_map(|v| g.accounts.country[v as usize])
            .collect();
        countries.sort_unstable();
        countries.dedup();
        countries.len() >= self.spec.min_jurisdictions
    }

    /// Goes on from the path's last transfer, whose receiver's payments go on from
    /// `onward` ([`FlowGraph::onward_from`]).
    fn extend(&mut self, onward: u32) {
        let g = self.g;
        if self.valid() && self.best.as_ref().is_none_or(|b| self.path.len() > b.len()) {
            self.best = Some(self.path.clone());
        }
        let last = *self.path.last().unwrap_or(&0) as usize;
        let at = g.dst[last];
        if !self.shell[at as usize] || self.path.len() >= self.spec.max_hops {
            return;
        }
        let delay = self.spec.max_hop_delay;
        let (at_time, until) = (g.time[last], g.time[last] + delay);
        let OnwardList { list: next, starts } = g.onward_from(onward, at);
        let received = g.amount[last];
        // Later than the receipt (or on its date, in a dump of dates), within the delay.
        let succession = self.succession;
        let later = (0..next.len())
            .take_while(|&k| next.time[k] <= until)
            .filter(|&k| succession.may_follow(at_time, next.time[k]));
        for k in later {
            self.spent += 1;
            if self.spent > self.spec.search_budget {
                return;
            }
            let (e, a, to) = (next.edges[k], next.amount[k], next.other[k]);
            let seen =
                to == g.src[self.path[0] as usize] || self.path.iter().any(|&p| g.dst[p as usize] == to);
            if a < self.spec.min_pass_through * received || a > received * MAX_GROWTH || seen {
                continue;
            }
            self.path.push(e);
            self.extend(starts[k]);
            self.path.pop();
        }
    }
}

/// What a [`chain_from`] search reads around its start, as a rule for parts of time: it
/// goes forward from the chain's first transfer, each hop within `max_hop_delay_days` of
/// the last, up to `max_hops`; whether that transfer forwards an inflow reads one delay
/// back.
pub fn part_rule(max_hops: usize, max_hop_delay_days: f64) -> PartRule {
    PartRule::Time {
        anchor: Anchor::FirstTransfer,
        before_days: max_hop_delay_days,
        after_days: max_hops as f64 * max_hop_delay_days,
    }
}

/// The longest valid chain that starts with transfer `start` (`through` marks the
/// accounts a chain may pass through: shells for OS2, private accounts for the random
/// walk-through), when `start` is where a chain begins (not itself the forwarding of a
/// matching inflow); and whether the search hit its budget.
pub fn chain_from(g: &FlowGraph, spec: &ChainSpec, through: &[bool], start: u32) -> (Option<Vec<u32>>, bool) {
    let s = start as usize;
    let (origin, first) = (g.src[s], g.dst[s]);
    if g.amount[s] < spec.min_first_amount || !through[first as usize] || origin == first {
        return (None, false);
    }
    // Before a payment, or on its date in a dump of dates, a transfer may have led to it.
    let succession = g.succession();
    // A continuation, not a start: the origin itself forwarded a matching inflow.
    if through[origin as usize] {
        let delay = spec.max_hop_delay;
        let ins = g.in_window(origin, start, g.time[s] - delay);
        let a = g.amount[s];
        if (0..ins.len()).any(|k| {
            succession.may_follow(ins.time[k], g.time[s])
                && a >= spec.min_pass_through * ins.amount[k]
                && a <= ins.amount[k] * MAX_GROWTH
        }) {
            return (None, false);
        }
    }
    let mut search = Search { g, spec, shell: through, path: vec![start], best: None, spent: 0, succession };
    search.extend(g.onward_start_of(start));
    (search.best, search.spent > spec.search_budget)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D};

    #[test]
    fn in_a_dump_of_dates_a_transfer_on_the_receipts_date_may_carry_it_on() {
        // A pays B and B pays C on day 10, C pays D on day 11: written as dates, the
        // chain runs through all three; written to the second, B's payment at the very
        // second of its receipt is part of one batch, and the chain stops at B.
        // A snapshot, every transfer at one midnight, has no order to read at all.
        for (unit, hops, snapshot) in [(D, 3, false), (1, 0, false), (D, 0, true)] {
            let at = |day: i64| if snapshot { 10 * D } else { day * unit };
            let mut t = Tiny::new();
            t.wire("A", "B", at(10), 1_000.0);
            t.wire("B", "C", at(10), 980.0);
            t.wire("C", "D", at(11), 960.0);
            // Another pair, so that the timed dump's tick is a second.
            t.wire("X", "Y", if unit == 1 { 13 } else { at(12) }, 5.0);
            let g = t.graph();
            let spec = ChainSpec {
                min_hops: 3,
                max_hops: 6,
                min_pass_through: 0.8,
                max_hop_delay: 3 * unit,
                min_jurisdictions: 0,
                min_first_amount: 0.0,
                search_budget: 1_000,
            };
            let through = vec![true; g.node_count()];
            let a = t.dump.accounts.index["A"];
            let (chain, capped) = chain_from(&g, &spec, &through, g.out_edges(a)[0]);
            assert!(!capped);
            assert_eq!(chain.map_or(0, |c| c.len()), hops, "unit {unit}, snapshot {snapshot}");
        }
    }
}

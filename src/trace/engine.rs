//! Time-respecting propagation of traced value from seed accounts.
//!
//! Transfers are replayed in time order, but only those leaving an account that holds
//! traced value: a heap holds each such account's next outgoing transfer. What a transfer
//! carries depends on the allocation rule:
//!
//! - **proportional** (haircut): the traced share of the sender's balance at that moment;
//! - **fifo**: the oldest money in the account leaves first;
//! - **lifo**: the newest money leaves first.
//!
//! Amounts are kept in integer cents of the base currency, so the conservation
//! `seed value = held + sunk + dropped` holds exactly, not merely to rounding.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet, VecDeque};

use super::balances::Balances;
use crate::graph::FlowGraph;
use crate::model::Channel;

/// Cents per unit of base currency.
pub const CENTS: f64 = 100.0;

/// Converts an amount to cents.
pub fn to_cents(x: f64) -> i64 {
    (x * CENTS).round() as i64
}

/// Converts cents back to an amount.
pub fn amount(m: i64) -> f64 {
    m as f64 / CENTS
}

/// How an outgoing transfer takes traced money from its sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Each transfer carries the traced share of the balance at that moment.
    Proportional,
    /// First in, first out, by arrival.
    Fifo,
    /// Last in, first out, by arrival.
    Lifo,
}

/// What one trace needs besides the graph.
#[derive(Debug, Clone)]
pub struct Setup<'a> {
    /// Allocation rule.
    pub rule: Rule,
    /// Balances of the graph being traced.
    pub balances: &'a Balances,
    /// Hops followed.
    pub max_hops: u32,
    /// Share of the seed value below which traced value is dropped.
    pub min_share: f64,
    /// Channels that sink traced money.
    pub sink_channels: &'a [Channel],
    /// Accounts that sink traced money (sorted).
    pub sink_accounts: &'a [u32],
    /// Only transfers at or after this time move traced money.
    pub from: i64,
    /// Only transfers at or before this time move traced money.
    pub to: i64,
}

/// Where the traced value of one seed group ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Seed value, cents.
    pub seed_value: i64,
    /// `(account, held, hops)` for every account still holding traced value, by account.
    pub held: Vec<(u32, i64, u32)>,
    /// Traced value that left through a sink.
    pub sunk: i64,
    /// Traced value that fell below the threshold.
    pub dropped_small: i64,
    /// Traced value that reached the hop limit.
    pub dropped_hops: i64,
    /// `(edge, carried)` for every transfer that moved followed value, in time order.
    pub edges: Vec<(u32, i64)>,
}

impl Outcome {
    /// Value held at the end.
    pub fn total_held(&self) -> i64 {
        self.held.iter().map(|h| h.1).sum()
    }

    /// Seed value minus everything accounted for: zero when conservation holds.
    pub fn imbalance(&self) -> i64 {
        self.seed_value - self.total_held() - self.sunk - self.dropped_small - self.dropped_hops
    }
}

#[derive(Debug, Clone, Copy)]
struct Lot {
    amount: i64,
    traced: bool,
}

#[derive(Debug, Default)]
struct Holding {
    traced: i64,
    /// Money in the account by arrival (fifo/lifo only), oldest first.
    lots: VecDeque<Lot>,
    lots_total: i64,
    hops: u32,
    in_heap: bool,
}

impl Holding {
    fn push(&mut self, amount: i64, traced: bool) {
        if amount <= 0 {
            return;
        }
        self.lots_total += amount;
        match self.lots.back_mut() {
            Some(last) if last.traced == traced && !traced => last.amount += amount,
            _ => self.lots.push_back(Lot { amount, traced }),
        }
    }

    /// Money that arrived since the last event (known from the balances) is untraced.
    fn catch_up(&mut self, balance: i64) {
        let untraced = balance - self.lots_total;
        self.push(untraced, false);
    }

    /// Takes `amount` from the front (fifo) or back (lifo); returns the traced part.
    fn take(&mut self, mut amount: i64, fifo: bool) -> i64 {
        let mut traced = 0;
        while amount > 0 {
            let lot = if fifo { self.lots.front_mut() } else { self.lots.back_mut() };
            let Some(lot) = lot else { break };
            let t = amount.min(lot.amount);
            lot.amount -= t;
            amount -= t;
            self.lots_total -= t;
            if lot.traced {
                traced += t;
            }
            if lot.amount == 0 {
                if fifo {
                    self.lots.pop_front();
                } else {
                    self.lots.pop_back();
                }
            }
        }
        traced
    }

    /// Stops following this account's traced value (it becomes ordinary money).
    fn forget(&mut self) {
        for lot in &mut self.lots {
            lot.traced = false;
        }
        self.traced = 0;
    }
}

/// Traces `seeds` (account, seed value in cents, start time) through `g`.
pub fn propagate(g: &FlowGraph, setup: &Setup<'_>, seeds: &[(u32, i64, i64)]) -> Outcome {
    let seed_value: i64 = seeds.iter().map(|s| s.1).sum();
    let threshold = to_cents(amount(seed_value) * setup.min_share).max(1);
    let is_seed: HashSet<u32> = seeds.iter().map(|s| s.0).collect();
    let mut out = Outcome { seed_value, ..Outcome::default() };
    let mut state: HashMap<u32, Holding> = HashMap::new();
    let mut heap: BinaryHeap<Reverse<(u32, u32)>> = BinaryHeap::new();
    let queue = setup.rule != Rule::Proportional;
    let fifo = setup.rule == Rule::Fifo;

    // Next outgoing edge of `v` after edge `after` (or at/after time `since`).
    let next_edge = |v: u32, after: Option<u32>, since: i64| -> Option<u32> {
        let outs = g.out_edges(v);
        let k = match after {
            Some(e) => outs.partition_point(|&o| o <= e),
            None => outs.partition_point(|&o| g.time[o as usize] < since),
        };
        outs.get(k).copied()
    };

    for &(s, value, start) in seeds {
        let h = state.entry(s).or_default();
        h.traced += value;
        if queue {
            h.push(value, true);
        }
        if !h.in_heap {
            if let Some(e) = next_edge(s, None, start.max(setup.from)) {
                heap.push(Reverse((e, s)));
                h.in_heap = true;
            }
        }
    }

    while let Some(Reverse((e, v))) = heap.pop() {
        let ei = e as usize;
        let Some(h) = state.get_mut(&v) else { continue };
        h.in_heap = false;
        if g.time[ei] > setup.to || h.traced == 0 {
            continue;
        }
        let d = g.dst[ei];
        let sink =
            setup.sink_channels.contains(&g.channel[ei]) || setup.sink_accounts.binary_search(&d).is_ok();
        let carried = if d == v && !sink {
            0 // a self-transfer moves nothing
        } else {
            let x = to_cents(g.amount[ei]);
            let balance = to_cents(setup.balances.src_before[ei]);
            let c = if queue {
                h.catch_up(balance);
                h.take(x, fifo)
            } else if balance <= 0 {
                h.traced.min(x)
            } else {
                ((h.traced as f64) * (x as f64 / balance as f64)).round() as i64
            };
            c.clamp(0, h.traced.min(x))
        };
        h.traced -= carried;
        let hops = h.hops;
        if h.traced > 0 && h.traced < threshold {
            out.dropped_small += h.traced;
            h.forget();
        }
        if h.traced > 0 {
            if let Some(next) = next_edge(v, Some(e), 0) {
                heap.push(Reverse((next, v)));
                h.in_heap = true;
            }
        }
        if carried == 0 {
            continue;
        }
        if sink {
            out.sunk += carried;
            out.edges.push((e, carried));
            continue;
        }
        if carried < threshold {
            out.dropped_small += carried;
            continue;
        }
        let seed_dst = is_seed.contains(&d);
        if !seed_dst && hops + 1 > setup.max_hops {
            out.dropped_hops += carried;
            continue;
        }
        out.edges.push((e, carried));
        let fresh = !state.contains_key(&d);
        let dh = state.entry(d).or_default();
        dh.hops = if seed_dst {
            0
        } else if fresh || dh.traced == 0 {
            hops + 1
        } else {
            dh.hops.min(hops + 1)
        };
        dh.traced += carried;
        if queue {
            dh.catch_up(to_cents(setup.balances.dst_before[ei]));
            dh.push(carried, true);
            dh.push(to_cents(g.amount[ei]) - carried, false);
        }
        if !dh.in_heap {
            if let Some(next) = next_edge(d, Some(e), 0) {
                heap.push(Reverse((next, d)));
                dh.in_heap = true;
            }
        }
    }

    let mut held: BTreeMap<u32, (i64, u32)> = BTreeMap::new();
    for (a, h) in state {
        if h.traced > 0 {
            held.insert(a, (h.traced, h.hops));
        }
    }
    out.held = held.into_iter().map(|(a, (m, hops))| (a, m, hops)).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;
    use crate::trace::balances;

    const OUT: Channel = Channel::CashWithdrawal;

    fn run(t: &Tiny, rule: Rule, seeds: &[(&str, f64)]) -> (Outcome, HashMap<String, f64>) {
        let g = t.graph();
        let b = balances::compute(&g, Channel::CashDeposit, OUT);
        let setup = Setup {
            rule,
            balances: &b,
            max_hops: 10,
            min_share: 0.0,
            sink_channels: &[OUT],
            sink_accounts: &[],
            from: i64::MIN,
            to: i64::MAX,
        };
        let seeds: Vec<(u32, i64, i64)> =
            seeds.iter().map(|(a, v)| (t.dump.accounts.index[*a], to_cents(*v), i64::MIN)).collect();
        let out = propagate(&g, &setup, &seeds);
        assert_eq!(out.imbalance(), 0, "conservation");
        let held =
            out.held.iter().map(|(a, m, _)| (t.dump.accounts.ids[*a as usize].clone(), amount(*m))).collect();
        (out, held)
    }

    /// S (100 traced) pays A 60 and B 40; A already held 40 untraced from X; A then pays C 50.
    fn split_and_merge() -> Tiny {
        let mut t = Tiny::new();
        t.wire("X", "A", 0, 40.0);
        t.wire("S", "A", 10, 60.0);
        t.wire("S", "B", 11, 40.0);
        t.wire("A", "C", 20, 50.0);
        t
    }

    #[test]
    fn proportional_split_and_merge_by_hand() {
        let (_, held) = run(&split_and_merge(), Rule::Proportional, &[("S", 100.0)]);
        // A holds 60 traced of 100: paying 50 carries 30; keeps 30.
        assert_eq!(held["A"], 30.0);
        assert_eq!(held["B"], 40.0);
        assert_eq!(held["C"], 30.0);
        assert!(!held.contains_key("S"));
    }

    #[test]
    fn fifo_and_lifo_by_hand() {
        // FIFO: A's 40 untraced arrived first and leaves first: 50 = 40 untraced + 10 traced.
        let (_, held) = run(&split_and_merge(), Rule::Fifo, &[("S", 100.0)]);
        assert_eq!((held["A"], held["C"]), (50.0, 10.0));
        // LIFO: the traced 60 is newest: 50 traced leave.
        let (_, held) = run(&split_and_merge(), Rule::Lifo, &[("S", 100.0)]);
        assert_eq!((held["A"], held["C"]), (10.0, 50.0));
    }

    #[test]
    fn money_that_left_before_the_traced_money_arrived_carries_no_taint() {
        let mut t = Tiny::new();
        t.wire("A", "EARLY", 5, 70.0); // before S paid A
        t.wire("S", "A", 10, 100.0);
        t.wire("A", "LATE", 20, 30.0);
        for rule in [Rule::Proportional, Rule::Fifo, Rule::Lifo] {
            let (_, held) = run(&t, rule, &[("S", 100.0)]);
            assert!(!held.contains_key("EARLY"), "{rule:?}");
            assert_eq!(held["LATE"], 30.0, "{rule:?}");
            assert_eq!(held["A"], 70.0, "{rule:?}");
        }
    }

    #[test]
    fn rows_out_of_order_give_the_same_trace() {
        let mut a = split_and_merge();
        let (_, want) = run(&a, Rule::Proportional, &[("S", 100.0)]);
        let tr = &mut a.dump.transfers;
        tr.time.reverse();
        tr.src.reverse();
        tr.dst.reverse();
        tr.amount_base.reverse();
        let (_, got) = run(&a, Rule::Proportional, &[("S", 100.0)]);
        assert_eq!(got, want);
    }

    #[test]
    fn a_cycle_back_to_the_seed_is_held_there_and_sinks_are_counted() {
        let mut t = Tiny::new();
        t.wire("S", "A", 1, 100.0);
        t.wire("A", "S", 2, 60.0);
        t.send("A", "A", 3, 40.0, OUT);
        let (out, held) = run(&t, Rule::Proportional, &[("S", 100.0)]);
        assert_eq!(held["S"], 60.0);
        assert_eq!(amount(out.sunk), 40.0);
        assert_eq!(out.held.iter().find(|h| amount(h.1) == 60.0).unwrap().2, 0, "seeds are hop 0");
    }

    #[test]
    fn small_and_far_value_is_dropped_and_accounted() {
        let mut t = Tiny::new();
        let mut prev = "S".to_owned();
        for k in 0..6 {
            let next = format!("H{k}");
            t.wire(&prev, &next, k as i64 + 1, 100.0);
            prev = next;
        }
        t.wire("S", "TINY", 10, 0.5);
        let g = t.graph();
        let b = balances::compute(&g, Channel::CashDeposit, OUT);
        let setup = Setup {
            rule: Rule::Proportional,
            balances: &b,
            max_hops: 3,
            min_share: 0.01,
            sink_channels: &[OUT],
            sink_accounts: &[],
            from: i64::MIN,
            to: i64::MAX,
        };
        let s = t.dump.accounts.index["S"];
        let out = propagate(&g, &setup, &[(s, to_cents(100.5), i64::MIN)]);
        assert_eq!(out.imbalance(), 0);
        assert_eq!(amount(out.dropped_hops), 100.0, "H2 (hop 3) cannot pass it on");
        assert_eq!(amount(out.dropped_small), 0.5);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn conservation_holds_exactly_on_random_graphs(
            edges in proptest::collection::vec((0u8..8, 0u8..8, 0i64..50, 1u32..5_000, 0u8..10), 1..80),
            rule in proptest::sample::select(vec![Rule::Proportional, Rule::Fifo, Rule::Lifo]),
            seed_value in 1u32..10_000,
            min_share in 0.0f64..0.05,
            max_hops in 1u32..6,
        ) {
            let mut t = Tiny::new();
            for (s, d, time, amount, ch) in &edges {
                let channel = if *ch == 0 { OUT } else { Channel::Wire };
                t.send(&format!("n{s}"), &format!("n{d}"), *time, f64::from(*amount) / 7.0, channel);
            }
            let g = t.graph();
            let b = balances::compute(&g, Channel::CashDeposit, OUT);
            let setup = Setup { rule, balances: &b, max_hops, min_share, sink_channels: &[OUT], sink_accounts: &[], from: i64::MIN, to: i64::MAX };
            let seed = g.src[0];
            let out = propagate(&g, &setup, &[(seed, to_cents(f64::from(seed_value)), i64::MIN)]);
            proptest::prop_assert_eq!(out.imbalance(), 0);
            proptest::prop_assert!(out.held.iter().all(|h| h.1 > 0));
            proptest::prop_assert!(out.sunk >= 0 && out.dropped_small >= 0 && out.dropped_hops >= 0);
        }
    }
}

//! Backward tracing: where did the money that reached the seeds come from?
//!
//! Traced value sits on transfers. A transfer out of account `u` is made of the money `u`
//! held at that moment, so its traced value is split over what that money was, by the
//! allocation rule:
//!
//! - **proportional**: every earlier inflow in proportion to what is left of it after the
//!   outflows in between took their share;
//! - **fifo**: the oldest money still in the account;
//! - **lifo**: the newest money still in the account.
//!
//! Money `u` had from before the dump (its opening balance, see [`super::balances`]) has
//! no earlier transfer: `u` is where that part came from, and it is held there. Cash paid
//! in and configured sink accounts are origins outside the banking system (sunk).
//! Amounts are integer cents, so seed value = held + sunk + dropped exactly.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use super::balances::Balances;
use super::engine::{amount, to_cents, Outcome, Rule, Setup};
use crate::graph::FlowGraph;

/// Where part of an outflow's money came from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    /// An earlier transfer into the account.
    Inflow(u32),
    /// Cash paid into the account.
    Cash,
    /// Money the account had before the dump.
    Opening,
}

/// Traces `seeds` (account, value in cents) backward through `g`.
pub fn provenance(g: &FlowGraph, setup: &Setup<'_>, seeds: &[(u32, i64)]) -> Outcome {
    let seed_value: i64 = seeds.iter().map(|s| s.1).sum();
    let threshold = to_cents(amount(seed_value) * setup.min_share).max(1);
    let is_seed: HashSet<u32> = seeds.iter().map(|s| s.0).collect();
    let mut out = Outcome { seed_value, ..Outcome::default() };
    let mut held: BTreeMap<u32, (i64, u32)> = BTreeMap::new();
    // Pending traced value per transfer, processed latest first.
    let mut pending: BTreeMap<u32, (i64, u32)> = BTreeMap::new();
    let in_window = |e: u32| (setup.from..=setup.to).contains(&g.time[e as usize]);

    for &(s, value) in seeds {
        let inflows: Vec<u32> = g
            .in_edges(s)
            .iter()
            .copied()
            .filter(|&e| in_window(e) && super::crosses(g, e, s, &is_seed, super::Direction::Backward))
            .collect();
        let weights: Vec<f64> = inflows.iter().map(|&e| g.amount[e as usize]).collect();
        let parts = split(value, &weights);
        let mut spread = 0;
        for (&e, part) in inflows.iter().zip(parts) {
            add(&mut pending, e, part, 1);
            spread += part;
        }
        if spread < value {
            add_held(&mut held, s, value - spread, 0);
        }
    }

    let mut cache: HashMap<u32, Compositions> = HashMap::new();
    while let Some((e, (value, hops))) = pending.pop_last() {
        let ei = e as usize;
        let u = g.src[ei];
        // `sink_channels` here are the mirrored ones: cash paid in is where money came from.
        let from_cash = u == g.dst[ei] || setup.sink_channels.contains(&g.channel[ei]);
        if from_cash || setup.sink_accounts.binary_search(&u).is_ok() {
            out.sunk += value;
            out.edges.push((e, value));
            continue;
        }
        if value < threshold {
            out.dropped_small += value;
            continue;
        }
        out.edges.push((e, value));
        if is_seed.contains(&u) {
            add_held(&mut held, u, value, 0);
            continue;
        }
        if hops >= setup.max_hops {
            out.dropped_hops += value;
            continue;
        }
        let parts =
            cache.entry(u).or_insert_with(|| Compositions::new(g, u, setup.rule)).of(g, setup.balances, e);
        let weights: Vec<f64> = parts.iter().map(|p| p.1).collect();
        for ((source, _), part) in parts.iter().zip(split(value, &weights)) {
            match source {
                Source::Inflow(i) if in_window(*i) => add(&mut pending, *i, part, hops + 1),
                Source::Cash => out.sunk += part,
                _ => add_held(&mut held, u, part, hops),
            }
        }
    }
    out.held = held.into_iter().filter(|(_, (m, _))| *m > 0).map(|(a, (m, h))| (a, m, h)).collect();
    out
}

fn add(pending: &mut BTreeMap<u32, (i64, u32)>, e: u32, value: i64, hops: u32) {
    if value <= 0 {
        return;
    }
    let p = pending.entry(e).or_insert((0, hops));
    p.0 += value;
    p.1 = p.1.min(hops);
}

fn add_held(held: &mut BTreeMap<u32, (i64, u32)>, a: u32, value: i64, hops: u32) {
    if value <= 0 {
        return;
    }
    let h = held.entry(a).or_insert((0, hops));
    h.0 += value;
    h.1 = h.1.min(hops);
}

/// Splits `value` cents over `weights` exactly (largest remainders get the rest).
/// The parts add up to `value` when the weights add up to at least 1 unit; otherwise they
/// add up to the weighted share and the caller keeps the rest.
fn split(value: i64, weights: &[f64]) -> Vec<i64> {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| value as f64 * w / total).collect();
    let mut parts: Vec<i64> = exact.iter().map(|x| x.floor() as i64).collect();
    let rest = value - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b))
    });
    for &k in order.iter().cycle().take(rest.max(0) as usize) {
        parts[k] += 1;
    }
    parts
}

/// What each outflow of one account was made of (queue rules: computed once by replaying
/// the account's history; proportional: computed per outflow on demand).
struct Compositions {
    rule: Rule,
    account: u32,
    /// Queue rules: edge -> parts.
    parts: HashMap<u32, Vec<(Source, f64)>>,
}

impl Compositions {
    fn new(g: &FlowGraph, u: u32, rule: Rule) -> Compositions {
        let mut parts = HashMap::new();
        if rule != Rule::Proportional {
            let mut lots: VecDeque<(Source, f64)> = VecDeque::new();
            for e in events(g, u) {
                let ei = e as usize;
                let x = g.amount[ei];
                let self_loop = g.src[ei] == g.dst[ei];
                if g.dst[ei] == u && !(self_loop && g.channel[ei] != crate::model::Channel::CashDeposit) {
                    lots.push_back((if self_loop { Source::Cash } else { Source::Inflow(e) }, x));
                }
                if g.src[ei] == u && (!self_loop || g.channel[ei] == crate::model::Channel::CashWithdrawal) {
                    let mut need = x;
                    let mut took = Vec::new();
                    while need > 1e-9 {
                        let lot = if rule == Rule::Fifo { lots.front_mut() } else { lots.back_mut() };
                        let Some(lot) = lot else { break };
                        let t = need.min(lot.1);
                        took.push((lot.0, t));
                        lot.1 -= t;
                        need -= t;
                        if lot.1 <= 1e-9 {
                            if rule == Rule::Fifo {
                                lots.pop_front();
                            } else {
                                lots.pop_back();
                            }
                        }
                    }
                    if need > 1e-9 {
                        took.push((Source::Opening, need));
                    }
                    parts.insert(e, took);
                }
            }
        }
        Compositions { rule, account: u, parts }
    }

    fn of(&self, g: &FlowGraph, b: &Balances, e: u32) -> Vec<(Source, f64)> {
        if self.rule != Rule::Proportional {
            return self.parts.get(&e).cloned().unwrap_or_else(|| vec![(Source::Opening, 1.0)]);
        }
        // Proportional: walk back from `e`; each earlier outflow kept (1 - x/B) of what
        // was there, so an inflow's weight is its amount times what survived since.
        let u = self.account;
        let total = b.src_before[e as usize];
        let mut keep = 1.0f64;
        let mut parts = Vec::new();
        let mut assigned = 0.0;
        for prior in events(g, u).into_iter().rev().filter(|&p| p < e) {
            let pi = prior as usize;
            let x = g.amount[pi];
            let self_loop = g.src[pi] == g.dst[pi];
            if g.src[pi] == u && (!self_loop || g.channel[pi] == crate::model::Channel::CashWithdrawal) {
                keep *= (1.0 - x / b.src_before[pi]).max(0.0);
            } else if g.dst[pi] == u && (!self_loop || g.channel[pi] == crate::model::Channel::CashDeposit) {
                let w = x * keep;
                parts.push((if self_loop { Source::Cash } else { Source::Inflow(prior) }, w));
                assigned += w;
            }
            if keep <= 1e-12 {
                break;
            }
        }
        if total - assigned > 1e-9 {
            parts.push((Source::Opening, total - assigned));
        }
        parts
    }
}

/// An account's transfers (in and out) in time order.
fn events(g: &FlowGraph, u: u32) -> Vec<u32> {
    let (ins, outs) = (g.in_edges(u), g.out_edges(u));
    let mut all = Vec::with_capacity(ins.len() + outs.len());
    let (mut i, mut o) = (0, 0);
    while i < ins.len() || o < outs.len() {
        if o >= outs.len() || (i < ins.len() && ins[i] < outs[o]) {
            all.push(ins[i]);
            i += 1;
        } else {
            if !(i < ins.len() && ins[i] == outs[o]) {
                all.push(outs[o]);
            }
            o += 1;
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;
    use crate::model::Channel;
    use crate::trace::balances;

    fn run(t: &Tiny, rule: Rule, seed: &str, value: f64) -> (Outcome, HashMap<String, f64>) {
        let g = t.graph();
        let b = balances::compute(&g, Channel::CashDeposit, Channel::CashWithdrawal);
        let setup = Setup {
            rule,
            balances: &b,
            max_hops: 10,
            min_share: 0.0,
            sink_channels: &[Channel::CashDeposit],
            sink_accounts: &[],
            from: i64::MIN,
            to: i64::MAX,
        };
        let out = provenance(&g, &setup, &[(t.dump.accounts.index[seed], to_cents(value))]);
        assert_eq!(out.imbalance(), 0, "conservation");
        let held =
            out.held.iter().map(|(a, m, _)| (t.dump.accounts.ids[*a as usize].clone(), amount(*m))).collect();
        (out, held)
    }

    #[test]
    fn proportional_origins_by_hand() {
        let mut t = Tiny::new();
        t.wire("A", "B", 1, 100.0);
        t.wire("X", "B", 2, 50.0);
        t.wire("B", "C", 3, 120.0);
        let (_, held) = run(&t, Rule::Proportional, "C", 120.0);
        assert_eq!((held["A"], held["X"]), (80.0, 40.0));
        // FIFO: B paid C with the oldest money: all of A's 100, then 20 of X's.
        let (_, held) = run(&t, Rule::Fifo, "C", 120.0);
        assert_eq!((held["A"], held["X"]), (100.0, 20.0));
        let (_, held) = run(&t, Rule::Lifo, "C", 120.0);
        assert_eq!((held["A"], held["X"]), (70.0, 50.0));
    }

    #[test]
    fn outflows_in_between_dilute_older_money() {
        let mut t = Tiny::new();
        t.wire("A", "B", 1, 100.0);
        t.wire("B", "Y", 2, 50.0); // half of A's money leaves
        t.wire("X", "B", 3, 50.0);
        t.wire("B", "C", 4, 100.0); // B holds 50 (A) + 50 (X)
        let (_, held) = run(&t, Rule::Proportional, "C", 100.0);
        assert_eq!((held["A"], held["X"]), (50.0, 50.0));
    }

    #[test]
    fn opening_money_and_cash_are_origins() {
        let mut t = Tiny::new();
        t.send("B", "B", 1, 30.0, Channel::CashDeposit);
        t.wire("B", "C", 2, 100.0); // 30 cash + 70 from before the dump
        let (out, held) = run(&t, Rule::Proportional, "C", 100.0);
        assert_eq!(held["B"], 70.0);
        assert_eq!(amount(out.sunk), 30.0);
    }

    #[test]
    fn split_is_exact() {
        assert_eq!(split(10, &[1.0, 1.0, 1.0]).iter().sum::<i64>(), 10);
        assert_eq!(split(7, &[0.5, 0.25, 0.25]), vec![3, 2, 2]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn conservation_holds_exactly_on_random_graphs(
            edges in proptest::collection::vec((0u8..8, 0u8..8, 0i64..50, 1u32..5_000, 0u8..10), 1..80),
            rule in proptest::sample::select(vec![Rule::Proportional, Rule::Fifo, Rule::Lifo]),
            min_share in 0.0f64..0.05,
            max_hops in 1u32..6,
        ) {
            let mut t = Tiny::new();
            for (s, d, time, amount, ch) in &edges {
                let channel = if *ch == 0 { Channel::CashDeposit } else { Channel::Wire };
                t.send(&format!("n{s}"), &format!("n{d}"), *time, f64::from(*amount) / 7.0, channel);
            }
            let g = t.graph();
            let b = balances::compute(&g, Channel::CashDeposit, Channel::CashWithdrawal);
            let setup = Setup { rule, balances: &b, max_hops, min_share, sink_channels: &[Channel::CashDeposit], sink_accounts: &[], from: i64::MIN, to: i64::MAX };
            let seed = g.dst[g.edge_count() - 1];
            let value: f64 = g.in_edges(seed).iter().map(|&e| g.amount[e as usize]).sum();
            let out = provenance(&g, &setup, &[(seed, to_cents(value))]);
            proptest::prop_assert_eq!(out.imbalance(), 0);
            proptest::prop_assert!(out.held.iter().all(|h| h.1 > 0));
        }
    }
}

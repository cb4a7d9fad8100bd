//! Rounds: one account paying the same few new payees together, again and again, in a
//! relationship that opens and closes inside one span. Read by the bipartite motif as a
//! complete layer with one source: every source pays every sink, round after round.

use rayon::prelude::*;

use crate::graph::algo::chance::burst_chance;
use crate::graph::{AdjList, FlowGraph};
use crate::units::{days_to_seconds, DAY};

use super::bicliques::BipartiteConfig;
use super::fans;

/// A transfer is part of a round when its source paid another payee of the layer less
/// than this long before or after it (on the same date, in a dump of dates): the payees
/// are paid together, not each on its own schedule.
const ROUND_GAP: i64 = DAY;

/// Most of a layer's transfers come in rounds: two relationships that merely run side by
/// side are paid on days of their own.
const MIN_SHARE_IN_ROUNDS: f64 = 0.5;

/// While the source paid a payee, it sent at least this share of what the payee
/// received.
const MIN_SHARE_OF_PAYEE: f64 = 0.1;

/// One source's layer of rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounds {
    /// The paying account.
    pub source: u32,
    /// Its payees, sorted.
    pub sinks: Vec<u32>,
    /// Every transfer from the source to them, sorted (edge ids are in time order).
    pub edges: Vec<u32>,
    /// Distinct days on which it paid two or more of them.
    pub rounds: usize,
    /// Share of the transfers that came in rounds.
    pub share_in_rounds: f64,
    /// Transfers per day inside the layer's span / outside it.
    pub rate_ratio: f64,
    /// Layers of this many transfers within this span expected by chance over every
    /// active account of the dump, at the source's own rate outside the layer.
    pub expected_by_chance: f64,
}

/// Every account's layers of rounds under `[bipartite]`, by source then time.
pub fn find(g: &FlowGraph, cfg: &BipartiteConfig) -> Vec<Rounds> {
    (0..g.node_count() as u32)
        .into_par_iter()
        .with_min_len(256)
        .flat_map_iter(|s| of_source(g, cfg, s))
        .collect()
}

/// A payee's transfers from one source: positions in the source's out-list.
struct Payee {
    account: u32,
    positions: Vec<usize>,
}

fn of_source(g: &FlowGraph, cfg: &BipartiteConfig, s: u32) -> Vec<Rounds> {
    let list = g.out_list(s);
    let min_side = cfg.min_side.get();
    if list.len() < 2 * min_side {
        return Vec::new();
    }
    let span = days_to_seconds(cfg.rounds_window_days.get());
    let gap = days_to_seconds(cfg.window_days.get());
    // Every transfer to a payee must fall inside one span, on two days or more, each
    // within a window of the one before: a relationship that opens and closes there,
    // paid again and again. Read first on the whole list, in payee order (time order
    // within a payee), which leaves almost every account before anything else is read.
    let mut by_payee: Vec<(u32, usize)> = (0..list.len()).map(|k| (list.other[k], k)).collect();
    by_payee.sort_unstable();
    let runs: Vec<&[(u32, usize)]> = by_payee
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|run| {
            let (first, last) = (list.time[run[0].1], list.time[run[run.len() - 1].1]);
            run.len() >= 2
                && first.div_euclid(DAY) != last.div_euclid(DAY)
                && last - first <= span
                && run.windows(2).all(|w| list.time[w[1].1] - list.time[w[0].1] <= gap)
        })
        .collect();
    if runs.len() < min_side {
        return Vec::new();
    }
    // Every one of them counted (channels, business to business), and a payee the
    // source was a small part of while it paid it (a merchant, a utility, a platform) is
    // no layer member: the dump's median account says nothing of that, where ordinary
    // accounts receive from dozens.
    let keep = fans::counted(g, s, list, cfg.channels.as_slice(), cfg.skip_business_to_business);
    let mut payees: Vec<Payee> = runs
        .into_iter()
        .filter(|run| {
            let (first, last) = (list.time[run[0].1], list.time[run[run.len() - 1].1]);
            run.iter().all(|(_, k)| keep.binary_search(k).is_ok())
                && run.len() as f64 >= MIN_SHARE_OF_PAYEE * received_within(g, run[0].0, first, last) as f64
        })
        .map(|run| Payee { account: run[0].0, positions: run.iter().map(|&(_, k)| k).collect() })
        .collect();
    if payees.len() < min_side {
        return Vec::new();
    }
    payees.sort_unstable_by_key(|p| (list.time[p.positions[0]], p.account));
    let floor = g.scale.floor(cfg.rounds_min_amount);
    let baseline = fans::baseline(s, list, cfg.channels.as_slice());
    let mut out = Vec::new();
    let mut i = 0;
    while i < payees.len() {
        let opened = list.time[payees[i].positions[0]];
        let end = i + payees[i..].iter().take_while(|p| list.time[p.positions[0]] <= opened + span).count();
        let group = &payees[i..end];
        if group.len() >= min_side {
            if let Some(r) = layer(g, list, s, group, baseline, floor, cfg.expected_by_chance.get()) {
                out.push(r);
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Transfers `t` received in `[from, to]`.
fn received_within(g: &FlowGraph, t: u32, from: i64, to: i64) -> usize {
    let time = g.in_list(t).time;
    time.partition_point(|&x| x <= to) - time.partition_point(|&x| x < from)
}

/// The layer of `group`'s payees, when most of its transfers came in rounds, it moved at
/// least `floor`, and its count within its span is expected by chance at most `expected`
/// times over the dump at the source's own rate.
fn layer(
    g: &FlowGraph,
    list: AdjList<'_>,
    s: u32,
    group: &[Payee],
    baseline: usize,
    floor: f64,
    expected: f64,
) -> Option<Rounds> {
    let mut ks: Vec<usize> = group.iter().flat_map(|p| p.positions.iter().copied()).collect();
    ks.sort_unstable();
    let moved: f64 = ks.iter().map(|&k| list.amount[k]).sum();
    if moved < floor {
        return None;
    }
    // A transfer is in a round when another payee of the layer was paid within a day:
    // `ks` is in time order, so only its neighbours that close need reading.
    let in_round = |i: usize| {
        let (t, who) = (list.time[ks[i]], list.other[ks[i]]);
        let near = |j: &&usize| (list.time[**j] - t).abs() < ROUND_GAP;
        let other = |j: &usize| list.other[*j] != who;
        ks[..i].iter().rev().take_while(near).any(other) || ks[i + 1..].iter().take_while(near).any(other)
    };
    let rounded: Vec<usize> = (0..ks.len()).filter(|&i| in_round(i)).map(|i| ks[i]).collect();
    let share_in_rounds = rounded.len() as f64 / ks.len() as f64;
    if share_in_rounds < MIN_SHARE_IN_ROUNDS {
        return None;
    }
    // `rounded` is in time order: its distinct days are where the day changes.
    let rounds =
        rounded.chunk_by(|&a, &b| list.time[a].div_euclid(DAY) == list.time[b].div_euclid(DAY)).count();
    let (first, last) = (list.time[ks[0]], list.time[ks[ks.len() - 1]]);
    let span = (last - first).max(DAY) as f64;
    let dump = days_to_seconds(g.scale.span_days) as f64;
    let outside = (dump - span).max(span);
    let others = baseline.saturating_sub(ks.len());
    let rate_outside = (others + 1) as f64 / outside;
    let rate_ratio = (ks.len() as f64 / span) / rate_outside;
    let expected_by_chance =
        burst_chance(ks.len(), rate_outside * span, dump / span) * g.scale.active_accounts as f64;
    if expected_by_chance > expected {
        return None;
    }
    let mut sinks: Vec<u32> = group.iter().map(|p| p.account).collect();
    sinks.sort_unstable();
    Some(Rounds {
        source: s,
        sinks,
        edges: ks.iter().map(|&k| list.edges[k]).collect(),
        rounds,
        share_in_rounds,
        rate_ratio,
        expected_by_chance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn layers(t: &Tiny) -> Vec<Rounds> {
        find(&t.graph(), &t.config.bipartite)
    }

    #[test]
    fn counts_the_rounds_and_the_share_paid_in_them() {
        let mut t = Tiny::new();
        t.economy(1_000.0, 150, 600);
        // Both payees on days 60-64; P1 alone on day 66 as well.
        for day in 60..65 {
            t.wire("S", "P0", day * D + 9 * H, 1_500.0 + day as f64);
            t.wire("S", "P1", day * D + 11 * H, 1_700.0 + day as f64);
        }
        t.wire("S", "P1", 66 * D, 1_650.0);
        let found = layers(&t);
        assert_eq!(found.len(), 1, "{found:?}");
        let r = &found[0];
        assert_eq!((r.sinks.len(), r.edges.len(), r.rounds), (2, 11, 5));
        assert!((r.share_in_rounds - 10.0 / 11.0).abs() < 1e-9, "{}", r.share_in_rounds);
        assert!(r.expected_by_chance <= 1.0 && r.rate_ratio > 1.0);
    }

    #[test]
    fn a_payee_it_is_a_small_part_of_is_no_member() {
        let mut t = Tiny::new();
        t.economy(1_000.0, 150, 600);
        for day in 60..65 {
            t.wire("S", "P0", day * D + 9 * H, 1_500.0);
            t.wire("S", "SHOP", day * D + 10 * H, 1_600.0);
            for c in 0..20 {
                t.wire(&format!("C{c}"), "SHOP", day * D + c * H, 900.0);
            }
        }
        assert!(layers(&t).is_empty(), "one member left: no layer");
        // S was 5 of the 105 payments the shop received those days.
        assert_eq!(received_within(&t.graph(), t.dump.accounts.index["SHOP"], 60 * D, 64 * D + 23 * H), 105);
    }
}

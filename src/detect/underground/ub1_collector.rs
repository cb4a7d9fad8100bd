//! UB1 — collector / pool account.
//!
//! ## What it finds
//! An account that, inside one sliding window, receives money from many distinct,
//! otherwise unrelated senders (fan-in), forwards most of it (pass-through) quickly
//! (median FIFO dwell) to a few accounts (fan-out much narrower than fan-in). A run of
//! collecting seldom fits one window: the senders of up to a window before and after it
//! join the hit when their money too left within the dwell and the whole still passes
//! every test. A collector keeps its commission out of every receipt: when it passes on
//! at least `min_pass_through` of all it takes over the dump, its receipts are read at
//! that share ([`crate::graph::algo::fifo_dwell::carried_share`]), so the cut it keeps
//! neither queues ahead of later receipts (first in, first out, a month of 5% cuts made
//! receipts forwarded within hours read as resting for days) nor counts as money it
//! still held to pass on when a later window opens.
//!
//! ## Why it matters
//! Underground banks (hawala, fei-ch'ien, 地下钱庄) pool their customers' local-currency
//! payments in domestic collector accounts and sweep them on to a few accounts that
//! settle with the partner abroad (FATF, *The Role of Hawala and Other Similar Service
//! Providers in Money Laundering and Terrorist Financing*, 2013; typologies.md UB1). The
//! gather-scatter hub of the AMLworld / AMLSim vocabulary is the same shape.
//!
//! ## Example
//! ```text
//! p1 ─┐                        ┌─> x1 (few payees)
//! p2 ─┼─> H ── 90% within 6h ──┤
//! ... │   (collector)          └─> x2
//! p12 ┘
//! ```
//!
//! ## Parameters
//! `[ub1]`: `window_days` (30), `min_distinct_senders` (10; counted as distinct
//! controllers, so one person's many accounts count once), `min_pass_through` (0.8),
//! `max_median_dwell_hours` (24), `max_payee_share` (0.5 of the senders),
//! `inflow_channels` (all but card), `min_window_inflow` (`p50`: one median transfer of the dump).
//!
//! ## Look-alikes
//! Merchant acquirers pool card payments and settle daily to merchants: card inflows
//! do not count. Where no channel says card, a till is still told by what its senders
//! pay it: shoppers pay it the least of what they pay (their rent, their transfers to
//! family are larger), where a collector's customers pay it sums they seldom pay; a run
//! whose inflows are, in the median, in the smaller half of their senders' own payments
//! over the dump ([`senders_paid_their_usual_or_more`]) is not reported. Payroll hubs fan out, not in. A company collecting invoices from many
//! customers keeps the money (low pass-through) or pays many suppliers (wide fan-out);
//! so does a mule account before or after its run, and those customers stay out of the
//! run's hit. A company whose account is zero-balanced into its group's master account
//! every evening passes nothing on: what it moves to or from an account of its own
//! group that it settles with both ways on most days is its own money
//! ([`crate::graph::algo::cash_pool`]), neither inflow nor payout; in a bare transfer
//! list, where no holder is named, the daily settlement both ways is enough.
//! Needs no countries or holders: on a bare transfer list it still runs on accounts.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use crate::balanced::flat_map_balanced;
use crate::config::params::{Channels, Count, Days, Hours, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::{Context, Detector, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::cash_pool::pool_partners;
use crate::graph::algo::fifo_dwell::{carried_share, fifo_dwell_by};
use crate::graph::algo::novelty::senders_paid_their_usual_or_more;
use crate::graph::{AdjList, FlowGraph};
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount, hours_to_seconds, seconds_to_days, HOUR};
use serde::{Deserialize, Serialize};

/// Parameters of UB1 (collector / pool account).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub1Config {
    /// Window over a hub's inflows, days.
    pub window_days: Days,
    /// Distinct senders needed inside the window.
    pub min_distinct_senders: Count<1>,
    /// Forwarded / received.
    pub min_pass_through: Share,
    /// Median FIFO dwell, hours.
    pub max_median_dwell_hours: Hours,
    /// Distinct payees at most this share of distinct senders.
    pub max_payee_share: Share,
    /// Inflow channels that count.
    pub inflow_channels: Channels,
    /// Minimum total inflow of a window, against the dump's amount distribution.
    pub min_window_inflow: AmountFloor,
}

/// UB1 detector.
pub struct Collector;

impl Detector for Collector {
    fn lookback(&self, _: &Config) -> Lookback {
        Lookback::unbounded("a collector's inflows are read over the whole dump, each with the first-in first-out dwell of its history", &[Reads::AmountQuantiles, Reads::AccountHistory, Reads::Reference])
    }

    fn part_rule(&self, _config: &Config) -> Option<PartRule> {
        // A collector's inflows, payouts and dwell are its own transfers, both ways.
        Some(PartRule::Account { anchor: Some(Role::Collector) })
    }

    fn pattern(&self) -> Pattern {
        Pattern::Ub1
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let cfg = &ctx.config.ub1;
        let channels = cfg.inflow_channels.as_slice().to_vec();
        let g = ctx.graph;
        // Runs of accounts of about equal business: a block of busy collectors read in
        // one run of a few hundred held one thread alone at the end.
        let hits: Vec<Hit> = flat_map_balanced(
            g.node_count(),
            |v| g.transfers_of(v as u32),
            |v| scan_hub(ctx, cfg, &channels, v as u32),
        );
        let mut notes = Vec::new();
        if !ctx.availability().accounts {
            notes.push("UB1: no accounts table, senders counted per account, not per holder".into());
        }
        Outcome { hits, notes }
    }
}

/// Some of a hub's transfers in one direction, in time order, side by side.
struct Flows {
    edges: Vec<u32>,
    time: Vec<i64>,
    amount: Vec<f64>,
    /// The account at the other end.
    other: Vec<u32>,
}

impl Flows {
    /// The entries of `list` at `positions`.
    fn of(list: AdjList<'_>, positions: impl Iterator<Item = usize>) -> Flows {
        // Sized once for the most positions there can be (at most the list's): grown
        // push by push, the four columns were reallocated and copied over and over.
        let most = positions.size_hint().1.unwrap_or(0).min(list.len());
        let mut f = Flows {
            edges: Vec::with_capacity(most),
            time: Vec::with_capacity(most),
            amount: Vec::with_capacity(most),
            other: Vec::with_capacity(most),
        };
        for k in positions {
            f.edges.push(list.edges[k]);
            f.time.push(list.time[k]);
            f.amount.push(list.amount[k]);
            f.other.push(list.other[k]);
        }
        f
    }
}

/// A window of a hub's counted inflows that passes every test.
struct Window {
    ins: std::ops::Range<usize>,
    outs: std::ops::Range<usize>,
    inflow: f64,
    median_dwell: f64,
}

fn scan_hub(ctx: &Context<'_>, cfg: &Ub1Config, channels: &[Channel], v: u32) -> Vec<Hit> {
    let g = ctx.graph;
    let incoming = g.in_list(v);
    if incoming.len() < cfg.min_distinct_senders.get() {
        return Vec::new();
    }
    // The hub's flows are read from its own adjacency lists, side by side, rather than
    // by transfer id from the graph's columns: one random read per transfer fewer, for
    // every account of the dump.
    //
    // Every inflow (any channel) counts towards the balance a window opens with, and
    // towards its dwell; the windows are read over the counted ones, known by their
    // positions among all.
    //
    // Money the hub moves to or from an account it pools with (its group's master under
    // zero balancing) stays its own: neither a sender's payment nor a payout.
    let partners = pool_partners(g, v);
    let outside = |w: u32| w != v && partners.binary_search(&w).is_err();
    let any_positions: Vec<usize> = (0..incoming.len()).filter(|&k| outside(incoming.other[k])).collect();
    let counted: Vec<usize> = (0..any_positions.len())
        .filter(|&j| channels.contains(&incoming.channel[any_positions[j]]))
        .collect();
    if counted.len() < cfg.min_distinct_senders.get() {
        return Vec::new();
    }
    let outgoing = g.out_list(v);
    let outs = Flows::of(outgoing, (0..outgoing.len()).filter(|&k| outside(outgoing.other[k])));
    if outs.edges.is_empty() {
        return Vec::new();
    }
    let window = days_to_seconds(cfg.window_days.get());
    let dwell_allowance = hours_to_seconds(cfg.max_median_dwell_hours.get()) as i64;
    let prefix = |amounts: &[f64]| {
        let mut p = Vec::with_capacity(amounts.len() + 1);
        p.push(0.0);
        let mut s = 0.0;
        for &a in amounts {
            s += a;
            p.push(s);
        }
        p
    };
    let ins = Flows::of(incoming, counted.iter().map(|&j| any_positions[j]));
    let in_sum = prefix(&ins.amount);
    let out_sum = prefix(&outs.amount);
    // Money received before the window leaves first and must not pass for the window's
    // money.
    let any_in = Flows::of(incoming, any_positions.iter().copied());
    let any_in_sum = prefix(&any_in.amount);
    // A collector keeps its commission out of every receipt: the cut stays its own, not
    // money queued ahead of the next receipt.
    let carried = carried_share(
        any_in_sum[any_in.amount.len()],
        out_sum[outs.amount.len()],
        cfg.min_pass_through.get(),
    );
    let any_dwell = fifo_dwell_by(
        any_in.edges.len(),
        |i| (any_in.time[i], any_in.amount[i] * carried),
        outs.edges.len(),
        |o| (outs.time[o], outs.amount[o]),
        cfg.min_pass_through.get(),
    );
    let dwell: Vec<f64> = counted.iter().map(|&j| any_dwell[j]).collect();
    // What it still held to pass on when a window opens: its cut is not that money.
    let opening = |t0: i64| {
        let i = any_in.time.partition_point(|&t| t < t0);
        let o = outs.time.partition_point(|&t| t < t0);
        (any_in_sum[i] * carried - out_sum[o]).max(0.0)
    };
    let sender = |i: usize| g.accounts.controller[ins.other[i] as usize];

    let mut windows: Vec<Window> = Vec::new();
    // Senders in the window, by controller; FxHash as in ingest: a batch run over the
    // user's own files needs no HashDoS shield, and this map changes at every inflow.
    let mut counts: FxHashMap<u32, u32> = FxHashMap::default();
    let (mut i, mut j) = (0usize, 0usize);
    while i < ins.edges.len() {
        let t0 = ins.time[i];
        let t1 = t0 + window;
        while j < ins.edges.len() && ins.time[j] <= t1 {
            *counts.entry(sender(j)).or_insert(0) += 1;
            j += 1;
        }
        let span = Span {
            ins: i..j,
            senders: counts.len(),
            out_from: t0,
            out_to: t1 + dwell_allowance,
            opening: opening(t0),
        };
        let step = match evaluate(g, cfg, &outs, &in_sum, &out_sum, &dwell, span) {
            Evaluation::Pass(w) => {
                // A collector's run seldom fits one window: the senders of the window
                // before and after whose money it passed on the same way are the same
                // business, as long as the whole still passes every test.
                let widening = Widening {
                    window,
                    not_before: windows.last().map_or(0, |w| w.ins.end),
                    time: &ins.time,
                    dwell: &dwell,
                    max_dwell: hours_to_seconds(cfg.max_median_dwell_hours.get()),
                };
                let widened = widening.widen(w, |a, b| {
                    let t0 = ins.time[a];
                    let mut senders: Vec<u32> = (a..b).map(sender).collect();
                    senders.sort_unstable();
                    senders.dedup();
                    let span = Span {
                        ins: a..b,
                        senders: senders.len(),
                        out_from: t0,
                        out_to: (t0 + window).max(ins.time[b - 1]) + dwell_allowance,
                        opening: opening(t0),
                    };
                    match evaluate(g, cfg, &outs, &in_sum, &out_sum, &dwell, span) {
                        Evaluation::Pass(w) => Some(w),
                        _ => None,
                    }
                });
                let end = widened.ins.end;
                windows.push(widened);
                end - i // jump past this window
            }
            Evaluation::FailCheap => 1,
            // The expensive checks failed: shift by a fraction of the window so that a
            // large legitimate hub costs O(degree), not O(degree x window).
            Evaluation::FailCostly => ((j - i) / 8).max(1),
        };
        for n in i..i + step {
            let key = sender(n);
            if let Some(c) = counts.get_mut(&key) {
                *c -= 1;
                if *c == 0 {
                    counts.remove(&key);
                }
            }
        }
        i += step;
        if j < i {
            j = i;
            counts.clear();
        }
    }
    merge_windows(ctx, cfg, v, &ins.edges, &outs.edges, windows)
}

/// The inflows before and after a passing window that join it, by their times and
/// first-in first-out dwells.
struct Widening<'a> {
    /// Longest span to look, before and after.
    window: i64,
    /// No earlier inflow joins (the end of the window found before).
    not_before: usize,
    time: &'a [i64],
    dwell: &'a [f64],
    /// The median dwell the joining inflows may have, seconds.
    max_dwell: f64,
}

impl Widening<'_> {
    /// `found`, a passing window, widened to the earliest start within one window before
    /// it and the latest end within one window after it at which `passes` still takes
    /// the whole and the inflows that joined were themselves passed on as promptly as a
    /// collector's (a hub's own business before or after its run is money it keeps).
    /// Both are tried from the farthest inwards, halving the distance: a handful of
    /// readings, not one per inflow, for a busy hub.
    fn widen(&self, found: Window, passes: impl Fn(usize, usize) -> Option<Window>) -> Window {
        let (start, end) = (found.ins.start, found.ins.end);
        let prompt = |added: std::ops::Range<usize>| median(&self.dwell[added]) <= self.max_dwell;
        let earliest = self
            .time
            .partition_point(|&t| t < self.time[start] - self.window)
            .max(self.not_before)
            .min(start);
        let best = farthest(start - earliest, |gap| {
            prompt(start - gap..start).then(|| passes(start - gap, end)).flatten()
        })
        .unwrap_or(found);
        let from = best.ins.start;
        let latest = self.time.partition_point(|&t| t <= self.time[end - 1] + self.window).max(end);
        farthest(latest - end, |gap| prompt(end..end + gap).then(|| passes(from, end + gap)).flatten())
            .unwrap_or(best)
    }
}

/// The first window `take` gives at `gap`, then half of it, and so on down to one: the
/// farthest reach tried first, a handful of readings in all.
fn farthest(mut gap: usize, mut take: impl FnMut(usize) -> Option<Window>) -> Option<Window> {
    while gap > 0 {
        if let Some(w) = take(gap) {
            return Some(w);
        }
        gap /= 2;
    }
    None
}

enum Evaluation {
    Pass(Window),
    FailCheap,
    FailCostly,
}

/// A candidate window: counted inflows `ins`, outflows between `out_from` and `out_to`,
/// and the balance already held when it opens.
struct Span {
    ins: std::ops::Range<usize>,
    senders: usize,
    out_from: i64,
    out_to: i64,
    opening: f64,
}

#[allow(clippy::too_many_arguments)]
fn evaluate(
    g: &FlowGraph,
    cfg: &Ub1Config,
    outs: &Flows,
    in_sum: &[f64],
    out_sum: &[f64],
    dwell: &[f64],
    span: Span,
) -> Evaluation {
    let Span { ins: range, senders, out_from, out_to, opening } = span;
    if senders < cfg.min_distinct_senders.get() {
        return Evaluation::FailCheap;
    }
    let inflow = in_sum[range.end] - in_sum[range.start];
    if inflow < g.scale.floor(cfg.min_window_inflow) {
        return Evaluation::FailCheap;
    }
    let o_lo = outs.time.partition_point(|&t| t < out_from);
    let o_hi = outs.time.partition_point(|&t| t <= out_to);
    let outflow = out_sum[o_hi.max(o_lo)] - out_sum[o_lo] - opening;
    if outflow < cfg.min_pass_through.get() * inflow {
        return Evaluation::FailCheap;
    }
    let mut payees: Vec<u32> =
        outs.other[o_lo..o_hi].iter().map(|&d| g.accounts.controller[d as usize]).collect();
    payees.sort_unstable();
    payees.dedup();
    if payees.len() as f64 > cfg.max_payee_share.get() * senders as f64 {
        return Evaluation::FailCostly;
    }
    let median_dwell = median(&dwell[range.clone()]);
    if median_dwell > hours_to_seconds(cfg.max_median_dwell_hours.get()) {
        return Evaluation::FailCostly;
    }
    Evaluation::Pass(Window { ins: range, outs: o_lo..o_hi, inflow, median_dwell })
}

/// Median of a slice (upper median), infinity when empty.
fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::INFINITY;
    }
    let mut v = values.to_vec();
    let mid = v.len() / 2;
    v.select_nth_unstable_by(mid, f64::total_cmp);
    v[mid]
}

/// Consecutive passing windows of one hub become one hit.
fn merge_windows(
    ctx: &Context<'_>,
    cfg: &Ub1Config,
    v: u32,
    ins: &[u32],
    outs: &[u32],
    windows: Vec<Window>,
) -> Vec<Hit> {
    let g = ctx.graph;
    let mut hits = Vec::new();
    let mut k = 0;
    while k < windows.len() {
        let mut end = k;
        while end + 1 < windows.len() && windows[end + 1].ins.start == windows[end].ins.end {
            end += 1;
        }
        let run = &windows[k..=end];
        let mut b = HitBuilder::default();
        let mut sender_set = BTreeSet::new();
        let mut payee_set = BTreeSet::new();
        let (mut inflow, mut outflow) = (0.0, 0.0);
        let mut seen_out = BTreeSet::new();
        for w in run {
            inflow += w.inflow;
            for &e in &ins[w.ins.clone()] {
                let (s, a) = (g.src[e as usize], g.amount[e as usize]);
                b.account(s, Role::Depositor, 0.0, a);
                b.account(v, Role::Collector, a, 0.0);
                b.transfer(e);
                sender_set.insert(g.accounts.controller[s as usize]);
            }
            for &e in &outs[w.outs.clone()] {
                if !seen_out.insert(e) {
                    continue; // windows' out ranges can overlap by the dwell allowance
                }
                let (d, a) = (g.dst[e as usize], g.amount[e as usize]);
                outflow += a;
                b.account(d, Role::Payout, a, 0.0);
                b.account(v, Role::Collector, 0.0, a);
                b.transfer(e);
                payee_set.insert(g.accounts.controller[d as usize]);
            }
        }
        // Shoppers pay a shop's till (its acquirer, where no channel says card) the least
        // of what they pay; customers of a collector pay it sums they seldom pay. Most
        // senders' payments here among the smaller half of their own are retail.
        let run_ins = run.iter().flat_map(|w| ins[w.ins.clone()].iter().copied());
        if !senders_paid_their_usual_or_more(g, run_ins) {
            k = end + 1;
            continue;
        }
        let senders = sender_set.len();
        let dwell_h = run.iter().map(|w| w.median_dwell).fold(0.0, f64::max) / HOUR as f64;
        let first = g.time[ins[run[0].ins.start] as usize];
        let last = g.time[ins[run[run.len() - 1].ins.end - 1] as usize];
        let days = seconds_to_days(last - first).max(1.0 / 24.0);
        let pass = (outflow / inflow).min(9.99);
        let strength = 0.5
            + 0.25 * ((senders as f64 / cfg.min_distinct_senders.get() as f64).log2() / 2.0).min(1.0)
            + 0.25 * (1.0 - dwell_h / cfg.max_median_dwell_hours.get()).clamp(0.0, 1.0);
        let reason = format!(
            "{} distinct senders paid {} into {} over {:.1} days; {:.0}% of it left to {} payee(s), median dwell {:.1} h",
            senders,
            fmt_amount(inflow),
            ctx.account(v),
            days,
            pass * 100.0,
            payee_set.len(),
            dwell_h
        );
        hits.push(b.finish(g, Pattern::Ub1, inflow, strength, reason));
        k = end + 1;
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{a_till_without_channels, Tiny, D, H};

    fn run(t: &Tiny) -> Vec<Hit> {
        t.hits(&Collector)
    }

    /// `senders` people each pay into H, sender `i` at the time and amount `receipt(i)`
    /// gives, with the share H forwards and how long after, to X1 or X2 in turn.
    fn collector_paid(t: &mut Tiny, senders: usize, receipt: impl Fn(i64) -> (i64, f64, f64, i64)) {
        t.person("H", "CN");
        t.person("X1", "CN");
        t.person("X2", "CN");
        for i in 0..senders {
            let p = format!("P{i}");
            t.person(&p, "CN");
            let (at, amount, forward, delay) = receipt(i as i64);
            t.wire(&p, "H", at, amount);
            let to = if i % 2 == 0 { "X1" } else { "X2" };
            t.wire("H", to, at + delay, amount * forward);
        }
    }

    /// `senders` people each pay 5,000 into H; H forwards `forward` of it `delay` later to 2 payees.
    fn collector_case(t: &mut Tiny, senders: usize, forward: f64, delay: i64) {
        collector_paid(t, senders, |i| (i * 6 * H, 5_000.0, forward, delay));
    }

    #[test]
    fn finds_a_collector_with_all_its_accounts() {
        let mut t = Tiny::new();
        collector_case(&mut t, 12, 0.98, 3 * H);
        let hits = run(&t);
        assert_eq!(hits.len(), 1);
        let h = &hits[0];
        assert_eq!(h.accounts.len(), 15);
        let hub = t.dump.accounts.index["H"];
        assert_eq!(h.accounts.iter().find(|a| a.account == hub).unwrap().role, Role::Collector);
        assert_eq!(h.transfers.len(), 24);
        assert!(h.reason.contains("12 distinct senders"), "{}", h.reason);
    }

    /// A subsidiary SUB whose 40 customers pay it through two months, zero-balanced into
    /// MASTER every evening: its day's surplus swept up, a shortfall funded (when
    /// `funded`). It pays its own three suppliers a third of its takings.
    fn zero_balanced(linked: bool, funded: bool) -> Tiny {
        let mut t = Tiny::new();
        t.company("SUB", "DE");
        t.company("MASTER", "DE");
        if linked {
            t.link("h-SUB", "h-MASTER");
        }
        for day in 0..60i64 {
            let takings = 3.0 * 8_000.0;
            for c in 0..3i64 {
                t.wire(&format!("CUSTOMER{}", (day * 3 + c) % 40), "SUB", day * D + (9 + c) * H, 8_000.0);
            }
            let costs = if day % 4 == 3 { 2.0 * takings } else { takings / 3.0 };
            t.wire("SUB", &format!("SUPPLIER{}", day % 3), day * D + 14 * H, costs);
            if takings > costs {
                t.wire("SUB", "MASTER", day * D + 18 * H, takings - costs);
            } else if funded {
                t.wire("MASTER", "SUB", day * D + 13 * H, costs - takings);
            }
        }
        t
    }

    #[test]
    fn a_company_zero_balanced_into_its_groups_master_passes_nothing_on() {
        assert!(run(&zero_balanced(true, true)).is_empty(), "{:?}", run(&zero_balanced(true, true)));
        // Not vacuous: the same daily sweeps to an account of another owner, or one way
        // only, pass the customers' money on.
        assert!(!run(&zero_balanced(false, true)).is_empty());
        assert!(!run(&zero_balanced(true, false)).is_empty());
    }

    #[test]
    fn a_zero_balanced_account_in_a_dump_without_holders_passes_nothing_on() {
        // A bare transfer list (no holders, kinds or countries): who owns the two
        // accounts is unknown, and the daily settlement both ways is the pool.
        let bare = |funded: bool| {
            let mut t = zero_balanced(false, funded);
            t.bare();
            t
        };
        assert!(run(&bare(true)).is_empty(), "{:?}", run(&bare(true)));
        // Not vacuous: sweeps one way only pass the customers' money on.
        assert!(!run(&bare(false)).is_empty());
        // Where the holders are named and differ, a daily settlement with another
        // owner's account is no pool (above): naming them decides.
    }

    /// [`collector_case`] at one sender every `every` seconds, from `start`, senders
    /// named after `tag`; forwarding to X1 and X2 `delay` later.
    fn collector_run(
        t: &mut Tiny,
        tag: &str,
        senders: usize,
        start: i64,
        every: i64,
        forward: f64,
        delay: i64,
    ) {
        t.person("H", "CN");
        t.person("X1", "CN");
        t.person("X2", "CN");
        for i in 0..senders {
            let p = format!("{tag}{i}");
            t.person(&p, "CN");
            let at = start + i as i64 * every;
            t.wire(&p, "H", at, 5_000.0);
            let to = if i % 2 == 0 { "X1" } else { "X2" };
            t.wire("H", to, at + delay, 5_000.0 * forward);
        }
    }

    #[test]
    fn a_collector_run_longer_than_the_window_is_one_hit_with_every_sender() {
        // Twenty senders two days apart: 38 days, more than one window. The window read
        // first holds fifteen of them, the rest too few for a window of their own.
        let mut t = Tiny::new();
        collector_run(&mut t, "P", 20, 0, 2 * D, 0.98, 3 * H);
        let hits = run(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("20 distinct senders"), "{}", hits[0].reason);
        assert_eq!(hits[0].transfers.len(), 40);
    }

    #[test]
    fn a_collector_keeping_its_commission_for_months_is_read_to_the_end() {
        // Two hundred and forty senders, eight hours apart, over eighty days; the
        // collector forwards 90 to 100% of each receipt (95% in all) within 2¼ to 13½
        // hours, some before one paid in ahead of them. First in, first out, what it
        // keeps would queue ahead of later receipts: its last month's would read as
        // resting well over a day.
        let mut t = Tiny::new();
        collector_paid(&mut t, 240, |i| {
            let forward = 0.9 + 0.01 * ((i * 7) % 11) as f64;
            (
                i * 8 * H,
                3_000.0 + 700.0 * (i % 9) as f64,
                forward,
                [8_100, 48_600, 24_300, 37_800][i as usize % 4],
            )
        });
        let hits = run(&t);
        let senders: usize = hits.iter().map(|h| h.accounts.len() - 3).sum();
        assert_eq!(senders, 240, "{hits:?}");
    }

    #[test]
    fn a_hub_that_keeps_what_comes_in_after_its_run_keeps_that_business_out() {
        // Twelve senders forwarded within hours, then, a month after the first, ten
        // customers whose payments the hub keeps: the first two would fit the run's
        // pass-through, but their money stays, so the run is reported alone.
        let mut t = Tiny::new();
        collector_run(&mut t, "P", 12, 0, 6 * H, 0.98, 3 * H);
        for i in 0..10 {
            let c = format!("K{i}");
            t.person(&c, "CN");
            t.wire(&c, "H", 31 * D + i * D, 5_000.0);
        }
        let hits = run(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("12 distinct senders"), "{}", hits[0].reason);
        assert_eq!(hits[0].transfers.len(), 24);
    }

    #[test]
    fn near_misses_do_not_fire() {
        // One sender too few.
        let mut t = Tiny::new();
        collector_case(&mut t, 9, 0.98, 3 * H);
        assert!(run(&t).is_empty());
        // Keeps too much: 75% forwarded.
        let mut t = Tiny::new();
        collector_case(&mut t, 12, 0.75, 3 * H);
        assert!(run(&t).is_empty());
        // Too slow: money sits 30 hours.
        let mut t = Tiny::new();
        collector_case(&mut t, 12, 0.98, 30 * H);
        assert!(run(&t).is_empty());
    }

    #[test]
    fn senders_of_one_holder_count_once() {
        let mut t = Tiny::new();
        collector_case(&mut t, 12, 0.98, 3 * H);
        // Re-home three senders under one holder: 10 distinct controllers remain.
        for p in ["P0", "P1", "P2"] {
            t.account(p, "same-person", "CN", crate::model::HolderKind::Person);
        }
        assert_eq!(run(&t).len(), 1);
        t.account("P3", "same-person", "CN", crate::model::HolderKind::Person);
        assert!(run(&t).is_empty());
    }

    #[test]
    fn card_acquirer_and_payroll_look_alikes_do_not_fire() {
        let mut t = Tiny::new();
        t.company("ACQ", "CN");
        t.company("MERCHANT", "CN");
        for i in 0..40 {
            let p = format!("C{i}");
            t.person(&p, "CN");
            t.send(&p, "ACQ", i * H, 300.0, Channel::Card);
        }
        t.wire("ACQ", "MERCHANT", 41 * H, 11_900.0);
        t.company("EMPLOYER", "CN");
        t.company("CLIENT", "CN");
        t.wire("CLIENT", "EMPLOYER", 0, 90_000.0);
        for i in 0..30 {
            let p = format!("E{i}");
            t.person(&p, "CN");
            t.wire("EMPLOYER", &p, 2 * H, 3_000.0);
        }
        assert!(run(&t).is_empty());
    }

    #[test]
    fn a_till_settling_its_shoppers_money_daily_is_no_collector_where_no_channel_says_card() {
        // Look-alike: a card acquirer, in a dump without channels. Its shoppers pay it
        // the least of what they pay (their rent is larger); it settles to three
        // merchants every morning (UB4 reads the same till: ub4_rapid_in_out.rs).
        let t = a_till_without_channels(|i| 25.0 + (i % 9) as f64 * 5.0);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
        // Not vacuous: where the same people pay it sums larger than their rent, it
        // collects.
        let t = a_till_without_channels(|i| 1_500.0 + (i % 9) as f64 * 50.0);
        assert_eq!(run(&t).len(), 1, "{:?}", run(&t));
    }

    #[test]
    fn camouflage_and_shuffled_rows_still_found() {
        let mut t = Tiny::new();
        collector_case(&mut t, 14, 0.95, 5 * H);
        // Noise: the hub also pays a utility and gets a salary; unrelated traffic around.
        t.person("UTILITY", "CN");
        t.wire("H", "UTILITY", 2 * D, 120.0);
        t.person("BOSS", "CN");
        t.wire("BOSS", "H", D, 2_000.0);
        for i in 0..20 {
            t.person(&format!("N{i}"), "CN");
            t.wire(&format!("N{i}"), "UTILITY", i * H, 50.0);
        }
        // Reverse the row order: the graph must not care.
        t.reverse_rows();
        let hits = run(&t);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].accounts.len() >= 17);
    }

    #[test]
    fn median_is_the_upper_one() {
        assert_eq!(median(&[20.0, 45.0, f64::INFINITY]), 45.0);
        assert_eq!(median(&[3.0, 1.0]), 3.0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(40))]
        /// Any collector inside the typology's bounds is found, whatever the noise around it.
        #[test]
        fn an_injected_collector_is_always_found(
            senders in 10usize..40,
            forward in 0.85f64..1.0,
            delay_h in 0i64..20,
            gap_h in 1i64..40,
            payees in 1usize..4,
            noise in proptest::collection::vec((0u8..30, 0u8..30, 0i64..2000, 1u32..50_000), 0..120),
        ) {
            let mut t = Tiny::new();
            t.person("HUB", "CN");
            for k in 0..payees {
                t.person(&format!("OUT{k}"), "CN");
            }
            for i in 0..senders {
                let p = format!("S{i}");
                t.person(&p, "CN");
                let at = i as i64 * gap_h.min(30 * 24 / senders as i64).max(1) * H;
                t.wire(&p, "HUB", at, 3_000.0 + i as f64);
                t.wire("HUB", &format!("OUT{}", i % payees), at + delay_h * H, (3_000.0 + i as f64) * forward);
            }
            for (a, b, at, amount) in noise {
                t.wire(&format!("N{a}"), &format!("N{b}"), at * H, f64::from(amount));
            }
            let hits = run(&t);
            let hub = t.dump.accounts.index["HUB"];
            proptest::prop_assert!(hits.iter().any(|h| h.accounts.iter().any(|a| a.account == hub && a.role == Role::Collector)));
        }
    }
}

//! Gather-scatter search: a hub that, within a window, gathers from many senders at a rate
//! far above its own habit and scatters most of it on to many payees. The gather_scatter
//! motif runs it over every account; OS4 over offshore hubs.

use std::collections::BTreeSet;

use crate::detect::search::fans::{baseline, counted, densest_at_any_scale, unlikely};
use crate::detect::{Context, Hit, HitBuilder, Role};
use crate::graph::algo::novelty::AmountNovelty;
use crate::graph::{AdjList, FlowGraph};
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::{fmt_amount, seconds_to_days};

/// What a gather-scatter hub must show.
#[derive(Debug, Clone)]
pub struct HubSpec {
    /// Seconds the gather (and, after it, the scatter) may take.
    pub window: i64,
    /// Distinct senders gathered from.
    pub min_senders: usize,
    /// Distinct payees scattered to.
    pub min_payees: usize,
    /// Senders plus payees.
    pub min_counterparties: usize,
    /// Scattered / gathered, and its inverse bound.
    pub min_pass_through: f64,
    /// Rate inside the window over the hub's own rate outside it (0: no habit needed).
    pub min_rate_ratio: f64,
    /// Smallest amount gathered (base currency).
    pub min_amount: f64,
    /// Leave out company-to-company transfers.
    pub skip_b2b: bool,
    /// Most gathers as unlikely as the hub's expected by chance over the dump (see
    /// [`unlikely`]); `None` takes any that passes the other tests.
    pub expected_by_chance: Option<f64>,
    /// Report a hub that exists for one pass (one-off senders and payees and nothing
    /// else) whatever share it passes on.
    pub one_pass_any_amount: bool,
}

/// True when hub `v` exists for this one pass: the gather and the scatter are all it
/// ever did, each sender paid it once and each payee was paid once. Its legs then need
/// not carry the same amounts (some launderers and simulators size each afresh). A
/// shop, a payroll or a household has a life besides, and deals with the same
/// counterparties again.
fn one_off(g: &FlowGraph, v: u32, gathered: &[u32], scatter: &[usize], outs: AdjList<'_>) -> bool {
    let ins = g.in_list(v);
    let times = |list: AdjList<'_>, who: u32| list.other.iter().filter(|&&x| x == who).count();
    ins.len() == gathered.len()
        && outs.len() == scatter.len()
        && gathered.iter().all(|&e| times(ins, g.src[e as usize]) == 1)
        && scatter.iter().all(|&k| times(outs, outs.other[k]) == 1)
}

/// The gather-scatter around hub `v`, if there is one, as a hit of `pattern`.
pub fn scan(
    ctx: &Context<'_>,
    spec: &HubSpec,
    channels: &[Channel],
    v: u32,
    pattern: Pattern,
) -> Option<Hit> {
    let g = ctx.graph;
    let (ins, outs) = (g.in_list(v), g.out_list(v));
    if ins.len() < spec.min_senders || outs.len() < spec.min_payees {
        return None;
    }
    let window = spec.window;
    let keep_in = counted(g, v, ins, channels, spec.skip_b2b);
    // Baselines count business with companies too, not card purchases or own cash.
    let gather =
        densest_at_any_scale(g, ins, &keep_in, baseline(g, v, ins, channels), window, window, |b| {
            b.counterparties >= spec.min_senders
                && b.rate_ratio >= spec.min_rate_ratio
                && spec.expected_by_chance.is_none_or(|x| unlikely(g, v, b, x))
                && b.amount >= spec.min_amount
        })?;
    let keep_out = counted(g, v, outs, channels, spec.skip_b2b);
    let scatter: Vec<usize> = keep_out
        .iter()
        .copied()
        .filter(|&k| outs.time[k] >= gather.from && outs.time[k] <= gather.to + window)
        .collect();
    let c = &g.accounts.controller;
    let payees: BTreeSet<u32> = scatter.iter().map(|&k| c[outs.other[k] as usize]).collect();
    let scattered: f64 = scatter.iter().map(|&k| outs.amount[k]).sum();
    let ratio = scattered / gather.amount.max(1e-9);
    let span = window;
    let out_ratio = {
        let dump = g.time.last().copied().unwrap_or(0) - g.time.first().copied().unwrap_or(0);
        let days = |s: i64| seconds_to_days(s).max(1.0);
        let outside = baseline(g, v, outs, channels).saturating_sub(scatter.len()) as f64;
        (scatter.len() as f64 / days(span)) / ((outside + 1.0) / days(dump - span))
    };
    if payees.len() < spec.min_payees
        || gather.counterparties + payees.len() < spec.min_counterparties
        || out_ratio < spec.min_rate_ratio
    {
        return None;
    }
    let carried = ratio >= spec.min_pass_through && ratio <= 1.0 / spec.min_pass_through.max(1e-9);
    let one_pass = || spec.one_pass_any_amount && one_off(g, v, &gather.edges, &scatter, outs);
    if !carried && !one_pass() {
        return None;
    }
    let mut b = HitBuilder::default();
    for &e in &gather.edges {
        let a = g.amount[e as usize];
        b.account(g.src[e as usize], Role::Source, 0.0, a);
        b.account(v, Role::Hub, a, 0.0);
        b.transfer(e);
    }
    for &k in &scatter {
        let (e, a) = (outs.edges[k], outs.amount[k]);
        b.account(outs.other[k], Role::Destination, a, 0.0);
        b.account(v, Role::Hub, 0.0, a);
        b.transfer(e);
    }
    let mut proving: Vec<u32> =
        gather.edges.iter().copied().chain(scatter.iter().map(|&k| outs.edges[k])).collect();
    proving.sort_unstable();
    let novelty = AmountNovelty::measure(g, &[v], &proving);
    let last_out = scatter.iter().map(|&k| outs.time[k]).max().unwrap_or(gather.to);
    let reason = format!(
        "{} gathered {} from {} senders within {:.1} days, then scattered {} ({:.0}%) to {} payees by {:.1} days after the first receipt{}",
        ctx.account(v),
        fmt_amount(gather.amount),
        gather.counterparties,
        seconds_to_days(gather.to - gather.from),
        fmt_amount(scattered),
        ratio * 100.0,
        payees.len(),
        seconds_to_days(last_out - gather.from),
        novelty.words(),
    );
    let size = (gather.counterparties + payees.len()) as f64 / spec.min_counterparties as f64;
    let shape = 0.5 + 0.5 * (size.log2() / 2.0).clamp(0.0, 1.0);
    let strength = 0.7 * shape + 0.3 * novelty.term();
    Some(b.finish(g, pattern, gather.amount, strength, reason))
}

//! gather_scatter — a hub that gathers from several senders, then scatters most of it to
//! several payees (generic motif).
//!
//! ## What it finds
//! An account whose densest window of incoming transfers has at least `min_senders`
//! distinct senders, followed (from the first gathered transfer until one window after
//! the last) by payments to at least `min_payees` distinct payees that carry on most of
//! what was gathered, and neither side is the account's everyday business.
//!
//! ## Why it matters
//! typologies.md defines gather-scatter as "a node with fan-in >= 2 and fan-out >= 2";
//! it is one of the eight motifs labelled in AMLworld and AMLSim, and the shape of an
//! underground bank's collector (UB1) when no country data tells the two sides apart.
//!
//! ## Example
//! ```text
//! S1 ─┐         ┌─> D1
//! S2 ─┼─> H ────┼─> D2     gathered 40,000 in 5 days, scattered 38,000 in the next 5
//! S3 ─┘         └─> D3
//! ```
//!
//! ## Parameters
//! `[gather_scatter]`: `window_days` (7), `min_senders` (2), `min_payees` (2),
//! `min_counterparties` (6, senders and payees together), `min_pass_through` (0.8, and
//! at most 1 / 0.8: the hub pays out the gathered money, not its own business income),
//! `min_rate_ratio` (5, each way, as for the fans), `min_amount` (`p50` gathered: one median
//! transfer of the dump), `channels` (all but card).
//!
//! ## Look-alikes
//! A merchant or a fund gathers all year and pays out on a schedule: no window holds
//! most of either side. A household pays bills and shopping out of a salary: the
//! salary is one sender and the bills are small next to it. A collector with the UB1
//! evidence (ten senders, quick sweep) is reported as UB1 instead.

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::fans::{baseline, counted, densest};
use super::{fmt_amount, Context, Detector, Hit, HitBuilder, Outcome, Role};
use crate::config::GatherScatterConfig;
use crate::model::Channel;

/// gather_scatter detector.
pub struct GatherScatter;

impl Detector for GatherScatter {
    fn code(&self) -> &'static str {
        "gather_scatter"
    }

    fn title(&self) -> &'static str {
        "gather-scatter hub"
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let cfg = &ctx.config.gather_scatter;
        let channels = crate::config::Config::channels(&cfg.channels);
        let hits = (0..ctx.graph.node_count() as u32)
            .into_par_iter()
            .with_min_len(256)
            .filter_map(|v| scan(ctx, cfg, &channels, v, "gather_scatter"))
            .collect();
        Outcome { hits, notes: Vec::new() }
    }

    fn defers_to(&self) -> &'static [&'static str] {
        &["UB1", "UB3", "UB4", "UB5", "UB6", "OS4", "stack", "bipartite", "scatter_gather"]
    }
}

/// The gather-scatter around hub `v`, if there is one (OS4 reuses it for offshore hubs).
pub fn scan(
    ctx: &Context<'_>,
    cfg: &GatherScatterConfig,
    channels: &[Channel],
    v: u32,
    pattern: &'static str,
) -> Option<Hit> {
    let g = ctx.graph;
    let (ins, outs) = (g.in_list(v), g.out_list(v));
    if ins.len() < cfg.min_senders || outs.len() < cfg.min_payees {
        return None;
    }
    let window = (cfg.window_days * 86_400.0) as i64;
    let keep_in = counted(g, v, ins, channels, cfg.skip_business_to_business);
    // Baselines count business with companies too, not card purchases or own cash.
    let gather = densest(g, ins, &keep_in, baseline(g, v, ins, channels), window, window)?;
    if gather.counterparties < cfg.min_senders
        || gather.rate_ratio < cfg.min_rate_ratio
        || gather.amount < g.scale.floor(cfg.min_amount)
    {
        return None;
    }
    let keep_out = counted(g, v, outs, channels, cfg.skip_business_to_business);
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
        let days = |s: i64| (s as f64 / 86_400.0).max(1.0);
        let outside = baseline(g, v, outs, channels).saturating_sub(scatter.len()) as f64;
        (scatter.len() as f64 / days(span)) / ((outside + 1.0) / days(dump - span))
    };
    if payees.len() < cfg.min_payees
        || gather.counterparties + payees.len() < cfg.min_counterparties
        || ratio < cfg.min_pass_through
        || ratio > 1.0 / cfg.min_pass_through.max(1e-9)
        || out_ratio < cfg.min_rate_ratio
    {
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
    let days = |s: i64| s as f64 / 86_400.0;
    let last_out = scatter.iter().map(|&k| outs.time[k]).max().unwrap_or(gather.to);
    let reason = format!(
        "{} gathered {} from {} senders within {:.1} days, then scattered {} ({:.0}%) to {} payees by {:.1} days after the first receipt",
        ctx.account(v),
        fmt_amount(gather.amount),
        gather.counterparties,
        days(gather.to - gather.from),
        fmt_amount(scattered),
        ratio * 100.0,
        payees.len(),
        days(last_out - gather.from),
    );
    let size = (gather.counterparties + payees.len()) as f64 / cfg.min_counterparties as f64;
    let strength = 0.5 + 0.5 * (size.log2() / 2.0).clamp(0.0, 1.0);
    Some(b.finish(g, pattern, gather.amount, strength, reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn case(t: &mut Tiny, senders: usize, payees: usize, keep: f64) {
        t.span(200);
        let mut total = 0.0;
        for k in 0..senders {
            t.wire(&format!("S{k}"), "HUB", 10 * D + k as i64 * 10 * H, 5_000.0);
            total += 5_000.0;
        }
        for k in 0..payees {
            t.wire("HUB", &format!("P{k}"), 15 * D + k as i64 * 10 * H, total * keep / payees as f64);
        }
    }

    #[test]
    fn finds_gather_then_scatter() {
        let mut t = Tiny::new();
        case(&mut t, 4, 4, 0.95);
        let hits = t.hits(&GatherScatter);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].accounts.len(), 9);
        assert!(hits[0].reason.contains("4 senders") && hits[0].reason.contains("4 payees"));
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        case(&mut t, 3, 2, 0.95);
        assert!(t.hits(&GatherScatter).is_empty(), "five counterparties");
        let mut t = Tiny::new();
        case(&mut t, 4, 4, 0.75);
        assert!(t.hits(&GatherScatter).is_empty(), "keeps a quarter");
        let mut t = Tiny::new();
        case(&mut t, 4, 1, 0.95);
        assert!(t.hits(&GatherScatter).is_empty(), "one payee is a fan-in");
    }

    #[test]
    fn a_household_paying_bills_from_salaries_is_not_one() {
        let mut t = Tiny::new();
        for m in 0..6 {
            t.wire("EMPLOYER", "HOME", m * 30 * D, 3_000.0);
            t.wire("PARTNER_EMPLOYER", "HOME", m * 30 * D + D, 2_500.0);
            for (k, bill) in ["POWER", "WATER", "PHONE", "RENT"].iter().enumerate() {
                t.wire("HOME", bill, m * 30 * D + (k as i64 + 2) * D, 1_200.0);
            }
        }
        assert!(t.hits(&GatherScatter).is_empty());
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(5, 40, 300, 90);
        case(&mut t, 5, 4, 0.9);
        t.reverse_rows();
        let hub = t.dump.accounts.intern("HUB");
        assert!(t
            .hits(&GatherScatter)
            .iter()
            .any(|h| h.accounts.iter().any(|a| a.account == hub && a.role == Role::Hub)));
    }
}

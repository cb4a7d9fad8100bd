//! OS4 — scatter-gather through offshore.
//!
//! ## What it finds
//! One source splits money over at least `min_intermediaries` offshore accounts that
//! each pass it on, within the window, to one destination, together retaining at least
//! `min_retained` of it: the intermediary set `N+(u) ∩ N-(v)` of typologies.md with
//! `>= 3` offshore members, time-respecting. The offshore share is reported. And the
//! reverse, gather-scatter through offshore: one offshore account gathering from at
//! least `min_intermediaries` senders and scattering at least `min_retained` of it to at
//! least as many payees within the window, when that account passes on at least
//! `min_retained` of all it ever received.
//!
//! ## Why it matters
//! Splitting a sum over several offshore companies and gathering it again breaks the
//! trail into pieces that each look like ordinary trade, in jurisdictions that answer
//! requests slowly (FATF/Egmont, *Trade-Based Money Laundering*, 2020; typologies.md
//! OS4).
//!
//! ## Example
//! ```text
//!          ┌─> VG shell ─┐
//! CN co ───┼─> SC shell ─┼──> HK co     2.0M out, 1.9M gathered within 20 days
//!          └─> PA shell ─┘
//! ```
//!
//! ## Parameters
//! `[os4]`: `window_days` (30, the typologies.md window), `min_intermediaries` (3, fan
//! width), `min_retained` (0.8), `min_amount` (`p50`), `channels`.
//!
//! ## Look-alikes
//! An offshore fund receives from many investors and invests in a few brokers: the
//! investors are many sources, not one; what it redeems to its investors goes back to
//! whom it came from, and is no scatter. A multinational's offshore subsidiary keeps most
//! of what it receives and pays many suppliers. Company-to-company transfers count here,
//! unlike in the generic motif, because OS4 is about companies.

use rayon::prelude::*;

use crate::config::params::{Channels, Count, Days, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::graded::Refused;
use crate::detect::search::gather_scatter::{scan, HubSpec};
use crate::detect::search::scatter_gather::{self, Spec};
use crate::detect::{Context, Detector, Found, Hit, Lookback, Outcome, PartRule, Reads};
use crate::graph::algo::reciprocity::payer_groups;
use crate::pattern::Pattern;
use crate::units::days_to_seconds;
use serde::{Deserialize, Serialize};

/// Parameters of OS4 (scatter-gather through offshore).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os4Config {
    /// Each intermediary forwards within this many days.
    pub window_days: Days,
    /// Offshore intermediaries needed (fan width).
    pub min_intermediaries: Count<2>,
    /// Money gathered / money scattered.
    pub min_retained: Share,
    /// Smallest amount scattered, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Channels that count.
    pub channels: Channels,
}

/// OS4 detector.
pub struct OffshoreScatter;

impl Detector for OffshoreScatter {
    fn lookback(&self, _: &Config) -> Lookback {
        Lookback::unbounded(
            "legs through the same intermediaries add up over the dump",
            &[
                Reads::AmountQuantiles,
                Reads::AccountRate,
                Reads::AccountHistory,
                Reads::TwoWay,
                Reads::Reference,
            ],
        )
    }

    fn pattern(&self) -> Pattern {
        Pattern::Os4
    }

    fn unavailable(&self, ctx: &Context<'_>) -> Option<String> {
        if !ctx.graph.accounts.offshore.contains(&true) {
            return Some("no account in an offshore jurisdiction (needs account countries)".into());
        }
        None
    }

    fn part_rule(&self, config: &Config) -> Option<PartRule> {
        Some(scatter_gather::part_rule(&spec(config, 0.0)))
    }

    fn found_in_part(&self, part: &Context<'_>) -> Option<Found> {
        let spec = spec_in(part);
        Some(Found::ScatterGathers(scatter_gather::found_in(part, &spec)))
    }

    /// The splits over offshore accounts from what the parts found; the gathers in one
    /// offshore account read that account's transfers in one place (offshore accounts
    /// that pass on what they receive: few, in any dump).
    fn run_on_found(&self, one_place: &Context<'_>, found: Vec<Found>) -> Outcome {
        let spec = spec_in(one_place);
        let mut hits = scatter_gather::from_parts(one_place, &spec, found);
        hits.extend(through_offshore_hubs(one_place, &spec));
        Outcome { hits, notes: Vec::new() }
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let spec = spec_in(ctx);
        let mut hits = scatter_gather::all(ctx, &spec);
        hits.extend(through_offshore_hubs(ctx, &spec));
        Outcome { hits, notes: Vec::new() }
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[Pattern::Os1, Pattern::Os2]
    }
}

/// The search under `ctx`'s configuration, its amount floor measured on `ctx`'s dump.
fn spec_in(ctx: &Context<'_>) -> Spec {
    spec(ctx.config, ctx.graph.scale.floor(ctx.config.os4.min_amount))
}

/// The scatter-gather OS4 runs under `config`: through offshore intermediaries, with its
/// amount floor measured on the dump (`min_amount`).
fn spec(config: &Config, min_amount: f64) -> Spec {
    let cfg = &config.os4;
    Spec {
        pattern: Pattern::Os4,
        window: days_to_seconds(cfg.window_days.get()),
        // No chance test reads beyond the window.
        horizon: days_to_seconds(cfg.window_days.get()),
        min_intermediaries: cfg.min_intermediaries.get(),
        min_retained: cfg.min_retained.get(),
        min_amount,
        skip_b2b: false,
        channels: cfg.channels.as_slice().to_vec(),
        offshore_only: true,
        // Offshore legs that do not carry the money on are not OS4's evidence.
        expected_by_chance: None,
    }
}

/// The reverse: several sources gather in one offshore account that scatters on.
fn through_offshore_hubs(ctx: &Context<'_>, spec: &Spec) -> Vec<Hit> {
    let cfg = &ctx.config.os4;
    let through_hub = HubSpec {
        window: spec.window,
        min_senders: cfg.min_intermediaries.get(),
        min_payees: cfg.min_intermediaries.get(),
        min_counterparties: 2 * cfg.min_intermediaries.get(),
        min_pass_through: cfg.min_retained.get(),
        // A shell has no habit to stand out from.
        min_rate_ratio: 0.0,
        min_amount: spec.min_amount,
        skip_b2b: false,
        // Nor a history to be unlikely against: the offshore legs are the evidence,
        // and the money they carry.
        expected_by_chance: None,
        one_pass: None,
    };
    let g = ctx.graph;
    // The hub passes on what it gets over its whole history: an offshore fund gathers
    // from many investors and invests in a few brokers, but keeps part of it, and
    // what it redeems to its investors goes back, not on.
    let c = &g.accounts.controller;
    let passes_on = |v: u32| {
        let (ins, outs) = (g.in_list(v), g.out_list(v));
        let payers = payer_groups(g, v);
        let received: f64 = ins.amount.iter().sum();
        let passed: f64 = (0..outs.len())
            .filter(|&k| payers.binary_search(&c[outs.other[k] as usize]).is_err())
            .map(|k| outs.amount[k])
            .sum();
        let ratio = passed / received.max(1e-9);
        ratio >= cfg.min_retained.get() && ratio <= 1.0 / cfg.min_retained.get().max(1e-9)
    };
    (0..g.node_count() as u32)
        .into_par_iter()
        .with_min_len(256)
        .filter(|&v| g.accounts.offshore[v as usize])
        .filter(|&v| passes_on(v))
        .filter_map(|v| scan(ctx, &through_hub, &spec.channels, v, Pattern::Os4, &Refused::default()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn case(t: &mut Tiny, havens: &[&str], keep: f64, delay: i64) {
        t.company("SRC", "CN");
        t.company("DST", "HK");
        for (k, h) in havens.iter().enumerate() {
            let w = format!("W{k}");
            t.company(&w, h);
            t.wire("SRC", &w, 10 * D + k as i64 * H, 400_000.0);
            t.wire(&w, "DST", 10 * D + delay + k as i64 * H, 400_000.0 * keep);
        }
    }

    #[test]
    fn finds_split_over_offshore_and_gathered() {
        let mut t = Tiny::new();
        case(&mut t, &["VG", "SC", "PA"], 0.95, 15 * D);
        let hits = t.hits(&OffshoreScatter);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].reason.contains("3 of 3 offshore"), "{}", hits[0].reason);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        case(&mut t, &["VG", "SC", "GB"], 0.95, 15 * D);
        assert!(t.hits(&OffshoreScatter).is_empty(), "two offshore");
        let mut t = Tiny::new();
        case(&mut t, &["VG", "SC", "PA"], 0.75, 15 * D);
        assert!(t.hits(&OffshoreScatter).is_empty(), "75% retained");
        let mut t = Tiny::new();
        case(&mut t, &["VG", "SC", "PA"], 0.95, 31 * D);
        assert!(t.hits(&OffshoreScatter).is_empty(), "gathered after 31 days");
    }

    #[test]
    fn finds_gather_scatter_through_one_offshore_hub() {
        let mut t = Tiny::new();
        t.company("HUB", "VG");
        let h = t.dump.holders.intern("h-HUB") as usize;
        t.dump.holders.incorporated_on[h] = Some(0);
        for k in 0..3 {
            t.company(&format!("IN{k}"), "CN");
            t.company(&format!("OUT{k}"), "GB");
            t.wire(&format!("IN{k}"), "HUB", 10 * D + k as i64 * D, 200_000.0);
            t.wire("HUB", &format!("OUT{k}"), 20 * D + k as i64 * D, 190_000.0);
        }
        let hits = t.hits(&OffshoreScatter);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].accounts.len(), 7);
        // Two payees only: no hit.
        let mut t = Tiny::new();
        t.company("HUB", "VG");
        for k in 0..3 {
            t.wire(&format!("IN{k}"), "HUB", 10 * D + k as i64 * D, 200_000.0);
            t.wire("HUB", &format!("OUT{}", k % 2), 20 * D + k as i64 * D, 190_000.0);
        }
        assert!(t.hits(&OffshoreScatter).is_empty());
    }

    /// An offshore fund that twelve investors pay within three weeks, investing 70% with
    /// three brokers and paying 90% back to three of them; or, with `redeemed` false, the
    /// same sums to three new payees.
    fn fund(t: &mut Tiny, redeemed: bool) {
        t.company("FUND", "KY");
        for k in 0..12 {
            t.person(&format!("INV{k}"), "DE");
            t.wire(&format!("INV{k}"), "FUND", (10 + 2 * k as i64) * D, 100_000.0);
        }
        for b in 0..3 {
            t.company(&format!("BROKER{b}"), "GB");
            t.wire("FUND", &format!("BROKER{b}"), (20 + 7 * b as i64) * D, 280_000.0);
        }
        for k in 0..3 {
            let to = if redeemed { format!("INV{k}") } else { format!("NEW{k}") };
            t.wire("FUND", &to, (35 + k as i64) * D, 90_000.0);
        }
    }

    #[test]
    fn a_fund_redeeming_investors_is_no_scatter() {
        // Look-alike: what a fund pays back to its investors is no money passed on.
        let mut t = Tiny::new();
        fund(&mut t, true);
        assert!(t.hits(&OffshoreScatter).is_empty(), "{:?}", t.hits(&OffshoreScatter));
        // The same sums to three new payees carry the gathered money on.
        let mut t = Tiny::new();
        fund(&mut t, false);
        assert_eq!(t.hits(&OffshoreScatter).len(), 1);
    }

    #[test]
    fn a_multinational_funding_offshore_subsidiaries_that_trade_is_no_scatter() {
        // Look-alike: a parent funds its three offshore subsidiaries on one day; each
        // keeps most of it and pays its own twenty suppliers over the next weeks, and
        // each takes in its own customers' money.
        let mut t = Tiny::new();
        t.company("PARENT", "CN");
        for (k, h) in ["VG", "SC", "PA"].into_iter().enumerate() {
            let w = format!("SUB{k}");
            t.company(&w, h);
            t.wire("PARENT", &w, 10 * D + k as i64 * H, 400_000.0);
            for c in 0..20i64 {
                t.company(&format!("SUPPLIER{k}_{c}"), "DE");
                t.wire(&w, &format!("SUPPLIER{k}_{c}"), (12 + c) * D + k as i64 * H, 6_000.0);
                t.company(&format!("CUSTOMER{k}_{c}"), "FR");
                t.wire(&format!("CUSTOMER{k}_{c}"), &w, (11 + 2 * c) * D, 9_000.0);
            }
        }
        assert!(t.hits(&OffshoreScatter).is_empty(), "{:?}", t.hits(&OffshoreScatter));
        // Three offshore companies that pass the parent's money on to one payee are a
        // scatter-gather.
        let mut t = Tiny::new();
        case(&mut t, &["VG", "SC", "PA"], 0.95, 15 * D);
        assert_eq!(t.hits(&OffshoreScatter).len(), 1);
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(3, 30, 200, 90);
        case(&mut t, &["VG", "SC", "PA", "BZ"], 0.9, 10 * D);
        t.reverse_rows();
        assert_eq!(t.hits(&OffshoreScatter).len(), 1);
    }
}

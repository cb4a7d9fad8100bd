//! stack — two bipartite layers in a row (generic motif).
//!
//! ## What it finds
//! A complete bipartite layer (see bipartite) whose sinks, together, then pay every
//! account of a third set: every middle account pays every final account, in a second
//! layer that starts after the first began and within a window of the first's end.
//!
//! ## Why it matters
//! typologies.md: "stack is two bipartite layers", labelled in AMLworld and AMLSim; it
//! is the layering chain (OS2) of the motif vocabulary, spreading money through two
//! ranks of accounts.
//!
//! ## Example
//! ```text
//! A1, A2 ──every to every──> M1, M2 ──every to every──> Z1, Z2, Z3
//! ```
//!
//! ## Parameters
//! `[bipartite]` for each layer (window 7 days, sides of at least 2, members not busy
//! hubs, each layer more than the dump's traffic makes by chance); the second layer must
//! start after the first began and within a window of the first's end (each layer spans
//! up to a window of its own, so a stack spans up to three).
//!
//! ## Look-alikes
//! As for bipartite: relatives who buy from the same busy shops share receivers with a
//! hundred other customers, which are left out of every layer; a supply chain
//! (wholesalers pay manufacturers, who pay their suppliers) is company-to-company trade,
//! left out too. Everyday layers (neighbours, flatmates) are weighed against the dump's
//! own count of them, as for bipartite.

use crate::detect::context::PartEdges;
use crate::detect::handed::Handed;
use crate::graph::FlowGraph;
use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::detect::search::bicliques::{self, Biclique};
use crate::detect::{Context, Detector, Found, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount};

/// stack detector.
pub struct Stack;

impl Detector for Stack {
    fn lookback(&self, config: &Config) -> Lookback {
        Lookback::days(
            3.0 * config.bipartite.window_days.get(),
            &[Reads::AmountQuantiles, Reads::AccountRate, Reads::Reference],
        )
    }

    fn part_rule(&self, config: &Config) -> Option<PartRule> {
        Some(bicliques::part_rule(&config.bipartite))
    }

    fn hand_to_part(&self, whole: &Context<'_>, part: &FlowGraph, edges: PartEdges<'_>, handed: &mut Handed) {
        bicliques::hand_to_part(whole, part, edges, handed);
    }

    fn found_in_part(&self, part: &Context<'_>) -> Option<Found> {
        Some(Found::Layers(bicliques::candidates(part)))
    }

    fn run_on_found(&self, one_place: &Context<'_>, found: Vec<Found>) -> Outcome {
        bicliques::choose_from_parts(one_place, found);
        self.run(one_place)
    }

    fn pattern(&self) -> Pattern {
        Pattern::Stack
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let layers = bicliques::find(ctx);
        let window = days_to_seconds(ctx.config.bipartite.window_days.get());
        // Which layers each account is a source of.
        let mut by_source: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, b) in layers.iter().enumerate() {
            for &s in &b.sources {
                by_source.entry(s).or_default().push(i);
            }
        }
        let mut hits = Vec::new();
        for (i, first) in layers.iter().enumerate() {
            // The second layer: a biclique whose sources are among the first's sinks.
            let start = ctx.graph.time[first.edges[0] as usize];
            let end = ctx.graph.time[*first.edges.last().unwrap_or(&first.edges[0]) as usize];
            let candidates: BTreeSet<usize> = first
                .sinks
                .iter()
                .filter_map(|s| by_source.get(s))
                .flatten()
                .copied()
                .filter(|&j| j != i)
                .collect();
            for second in candidates.into_iter().map(|j| &layers[j]) {
                let middle = second.sources.iter().filter(|s| first.sinks.contains(s)).count();
                if middle < ctx.config.bipartite.min_side.get() {
                    continue;
                }
                // The middle passes money on after the first layer began, and starts
                // within a window of its end: each layer spans up to a window of its own.
                let s0 = ctx.graph.time[second.edges[0] as usize];
                if s0 <= start || s0 > end + window {
                    continue;
                }
                hits.push(hit(ctx, first, second));
            }
        }
        Outcome { hits, notes: Vec::new() }
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[Pattern::Ub1, Pattern::Ub4]
    }
}

fn hit(ctx: &Context<'_>, first: &Biclique, second: &Biclique) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    let mut total = 0.0;
    for &e in first.edges.iter().chain(&second.edges) {
        let a = g.amount[e as usize];
        b.account(g.src[e as usize], Role::Member, 0.0, a);
        b.account(g.dst[e as usize], Role::Member, a, 0.0);
        b.transfer(e);
    }
    for &e in &first.edges {
        total += g.amount[e as usize];
    }
    let reason = format!(
        "two layers: {} -> {} ({} transfers, {}) then {} -> {} ({} transfers)",
        ctx.account_list(&first.sources),
        ctx.account_list(&first.sinks),
        first.edges.len(),
        fmt_amount(total),
        ctx.account_list(&second.sources),
        ctx.account_list(&second.sinks),
        second.edges.len(),
    );
    b.finish(g, Pattern::Stack, total, 0.7, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn layer(t: &mut Tiny, from: &[&str], to: &[&str], start: i64) {
        let mut k = 0;
        for a in from {
            for b in to {
                t.wire(a, b, start + k * 4 * H, 2_000.0);
                k += 1;
            }
        }
    }

    #[test]
    fn finds_two_layers() {
        let mut t = Tiny::new();
        layer(&mut t, &["A1", "A2"], &["M1", "M2"], 10 * D);
        layer(&mut t, &["M1", "M2"], &["Z1", "Z2", "Z3"], 13 * D);
        let hits = t.hits(&Stack);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].accounts.len(), 7);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        layer(&mut t, &["A1", "A2"], &["M1", "M2"], 10 * D);
        layer(&mut t, &["M1", "M2"], &["Z1", "Z2"], 5 * D);
        assert!(t.hits(&Stack).is_empty(), "second layer before the first");
        let mut t = Tiny::new();
        layer(&mut t, &["A1", "A2"], &["M1", "M2"], 10 * D);
        layer(&mut t, &["M1"], &["Z1", "Z2"], 12 * D);
        assert!(t.hits(&Stack).is_empty(), "one middle account only");
        let mut t = Tiny::new();
        layer(&mut t, &["A1", "A2"], &["M1", "M2"], 10 * D);
        layer(&mut t, &["M1", "M2"], &["Z1", "Z2"], 18 * D);
        assert!(t.hits(&Stack).is_empty(), "second layer a week after the first ended");
    }

    #[test]
    fn a_middle_that_passes_money_on_over_the_following_week_is_a_stack() {
        // The first layer over a week (days 10 to 16), the second from four days after it
        // ended, over another week (days 20 to 26): it ends past two windows from the
        // first payment, and starts within a window of the first layer's end.
        let mut t = Tiny::new();
        for (k, (a, m)) in [("A1", "M1"), ("A1", "M2"), ("A2", "M1"), ("A2", "M2")].into_iter().enumerate() {
            t.wire(a, m, 10 * D + k as i64 * 2 * D, 2_000.0);
        }
        for (k, (m, z)) in [("M1", "Z1"), ("M1", "Z2"), ("M2", "Z1"), ("M2", "Z2")].into_iter().enumerate() {
            t.wire(m, z, 20 * D + k as i64 * 2 * D, 2_000.0);
        }
        let hits = t.hits(&Stack);
        assert_eq!(hits.len(), 1, "{hits:?}");
    }

    /// Two layers of `amount` each, the first from two payers to two middle accounts on
    /// day 10, the second from them to `sinks` on day 13, inside an everyday dump.
    fn tiers(t: &mut Tiny, sinks: &[&str], amount: f64) {
        t.economy(500.0, 60, 300);
        for (k, (a, m)) in [("A1", "M1"), ("A1", "M2"), ("A2", "M1"), ("A2", "M2")].into_iter().enumerate() {
            t.wire(a, m, 10 * D + k as i64 * 4 * H, amount);
        }
        let mut k = 0;
        for m in ["M1", "M2"] {
            for z in sinks {
                t.wire(m, z, 13 * D + k * 4 * H, amount);
                k += 1;
            }
        }
    }

    #[test]
    fn customers_of_the_same_busy_shops_are_no_second_layer() {
        // Look-alike: two relatives paid by the same two parents who both buy from the
        // same two busy shops; shops with many customers are left out of every layer.
        let mut t = Tiny::new();
        tiers(&mut t, &["SHOP1", "SHOP2"], 2_000.0);
        for k in 0..60 {
            t.wire(&format!("CUSTOMER{k}"), "SHOP1", k * D, 300.0);
            t.wire(&format!("CUSTOMER{k}"), "SHOP2", k * D + H, 300.0);
        }
        assert!(t.hits(&Stack).is_empty(), "{:?}", t.hits(&Stack));
        // The same second layer to two quiet accounts is a stack.
        let mut t = Tiny::new();
        tiers(&mut t, &["Z1", "Z2"], 2_000.0);
        assert_eq!(t.hits(&Stack).len(), 1);
    }

    #[test]
    fn company_to_company_trade_in_two_tiers_is_no_stack() {
        // Look-alike: two wholesalers pay two manufacturers, who pay two suppliers of
        // theirs: a supply chain between companies is business.
        let mut t = Tiny::new();
        for c in ["A1", "A2", "M1", "M2", "Z1", "Z2"] {
            t.company(c, "DE");
        }
        tiers(&mut t, &["Z1", "Z2"], 2_000.0);
        assert!(t.hits(&Stack).is_empty(), "{:?}", t.hits(&Stack));
        // The same tiers of persons' accounts are a stack.
        let mut t = Tiny::new();
        for c in ["A1", "A2", "M1", "M2", "Z1", "Z2"] {
            t.person(c, "DE");
        }
        tiers(&mut t, &["Z1", "Z2"], 2_000.0);
        assert_eq!(t.hits(&Stack).len(), 1);
    }

    #[test]
    fn camouflaged_by_row_order() {
        let mut t = Tiny::new();
        t.noise(8, 40, 120, 60);
        layer(&mut t, &["A1", "A2", "A3"], &["M1", "M2"], 20 * D);
        layer(&mut t, &["M1", "M2"], &["Z1", "Z2"], 22 * D);
        t.reverse_rows();
        assert_eq!(t.hits(&Stack).len(), 1);
    }
}

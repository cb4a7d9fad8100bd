//! bipartite — every account of one set pays every account of another (generic motif).
//!
//! ## What it finds
//! Two sets of at least `min_side` accounts each where every source paid every sink
//! inside one window, the members being ordinary accounts, not busy hubs.
//!
//! ## Why it matters
//! typologies.md: "bipartite is every source to every sink of two account sets", one of
//! the eight motifs labelled in AMLworld and AMLSim: a many-to-many layer that spreads
//! money so no single account stands out.
//!
//! ## Example
//! ```text
//! A1 ─┬─> B1
//!     ├─> B2      all six transfers within 5 days
//! A2 ─┼─> B1
//!     ├─> B2
//! A3 ─┴─> B1, B2
//! ```
//!
//! ## Parameters
//! `[bipartite]`: `window_days` (7), `min_side` (2, the definition), `min_edges` (4),
//! `max_member_activity_vs_median` (3: accounts with more transfers in one direction than
//! three times the dump's median account makes in all are merchants, utilities or
//! employers, whose shared customers are not a layer),
//! `skip_business_to_business` (true), `channels` (all but card).
//!
//! ## Look-alikes
//! Neighbours paying the same utility and the same shop share busy receivers, which are
//! left out. Two company accounts trading with the same suppliers are business. A
//! biclique that is one layer of a stack is reported as the stack.

use crate::config::Config;
use crate::detect::search::bicliques::{self, Biclique};
use crate::detect::{Context, Detector, Hit, HitBuilder, Lookback, Outcome, Reads, Role};
use crate::graph::algo::novelty::AmountNovelty;
use crate::pattern::Pattern;
use crate::units::{fmt_amount, seconds_to_days};

/// bipartite detector.
pub struct Bipartite;

impl Detector for Bipartite {
    fn lookback(&self, config: &Config) -> Lookback {
        Lookback::days(
            config.bipartite.window_days.get(),
            &[Reads::AccountRate, Reads::AccountHistory, Reads::Reference],
        )
    }

    fn pattern(&self) -> Pattern {
        Pattern::Bipartite
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let hits = bicliques::find(ctx).iter().map(|b| hit(ctx, b)).collect();
        Outcome { hits, notes: Vec::new() }
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[Pattern::Stack, Pattern::Ub1, Pattern::Ub4]
    }
}

fn hit(ctx: &Context<'_>, bc: &Biclique) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    let mut total = 0.0;
    for &e in &bc.edges {
        let a = g.amount[e as usize];
        total += a;
        b.account(g.src[e as usize], Role::Member, 0.0, a);
        b.account(g.dst[e as usize], Role::Member, a, 0.0);
        b.transfer(e);
    }
    let first = bc.edges.iter().map(|&e| g.time[e as usize]).min().unwrap_or(0);
    let last = bc.edges.iter().map(|&e| g.time[e as usize]).max().unwrap_or(0);
    let mut proving = bc.edges.clone();
    proving.sort_unstable();
    let centre: Vec<u32> = bc.sources.iter().chain(&bc.sinks).copied().collect();
    let novelty = AmountNovelty::measure(g, &centre, &proving);
    let reason = format!(
        "each of {} accounts ({}) paid each of {} accounts ({}) within {:.1} days: {} transfers, {}{}",
        bc.sources.len(),
        ctx.account_list(&bc.sources),
        bc.sinks.len(),
        ctx.account_list(&bc.sinks),
        seconds_to_days(last - first),
        bc.edges.len(),
        fmt_amount(total),
        novelty.words(),
    );
    let shape = 0.5 + 0.1 * (bc.edges.len() as f64 - 4.0).clamp(0.0, 5.0);
    let strength = 0.7 * shape + 0.3 * novelty.term();
    b.finish(g, Pattern::Bipartite, total, strength, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn case(t: &mut Tiny, left: usize, right: usize, spacing: i64) {
        let mut k = 0;
        for a in 0..left {
            for b in 0..right {
                t.wire(&format!("A{a}"), &format!("B{b}"), 10 * D + k * spacing, 3_000.0);
                k += 1;
            }
        }
    }

    #[test]
    fn finds_every_source_to_every_sink() {
        let mut t = Tiny::new();
        case(&mut t, 3, 2, 5 * H);
        let hits = t.hits(&Bipartite);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!((hits[0].accounts.len(), hits[0].transfers.len()), (5, 6));
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        case(&mut t, 2, 2, 3 * D);
        assert!(t.hits(&Bipartite).is_empty(), "spread over 9 days");
        let mut t = Tiny::new();
        case(&mut t, 2, 2, H);
        for k in 0..60 {
            t.wire(&format!("X{k}"), "B0", k * D, 50.0);
        }
        assert!(t.hits(&Bipartite).is_empty(), "B0 is a busy hub");
        let mut t = Tiny::new();
        t.wire("A0", "B0", 0, 1.0);
        t.wire("A0", "B1", 0, 1.0);
        t.wire("A1", "B0", 0, 1.0);
        assert!(t.hits(&Bipartite).is_empty(), "one edge short");
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(2, 50, 150, 60);
        case(&mut t, 2, 3, 10 * H);
        t.reverse_rows();
        let a0 = t.dump.accounts.intern("A0");
        assert!(t.hits(&Bipartite).iter().any(|h| h.accounts.iter().any(|a| a.account == a0)));
    }
}

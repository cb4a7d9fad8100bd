//! bipartite — every account of one set pays every account of another (generic motif).
//!
//! ## What it finds
//! Two sets of at least `min_side` accounts each where every source paid every sink
//! inside one window, the members being ordinary accounts, not busy hubs, each transfer
//! carrying the dump's median payment on average (`min_amount`), and the layer more than the dump's everyday traffic makes by chance: layers of its shape and speed
//! expected by chance (the configuration model of the dump's new relationships, or the
//! dump's own count of such layers between other accounts moving everyday amounts,
//! whichever is more), times the chance that three in four of its transfers are as large
//! as they are by its members' own amounts, at most `expected_by_chance`.
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
//! employers, whose shared customers are not a layer), `min_amount` (`p50`, per transfer
//! on average), `expected_by_chance` (1),
//! `skip_business_to_business` (true), `channels` (all but card).
//!
//! ## Look-alikes
//! Neighbours paying the same utility and the same shop share busy receivers, which are
//! left out. Flatmates, neighbours and colleagues who pay the same two or three people
//! their everyday amounts form small layers all the time in a dense dump: the dump's own
//! count of them says how ordinary one more is, and only amounts far above its members'
//! own make it stand out. Two investors who each pay a fund a large subscription and
//! the same friend a small sum have one large link beside everyday ones, which is no
//! layer moving money. Neighbours chipping in for a gift or splitting a bill pay the
//! dump's small change, under `min_amount`. Flatmates who split a new bill every month
//! share receivers week after week: a window must hold most of the receivers two
//! sources ever shared, so one household is no layer. Two company accounts trading with the same suppliers are
//! business. A biclique that is one layer of a stack is reported as the stack.

use crate::config::Config;
use crate::detect::context::PartEdges;
use crate::detect::handed::Handed;
use crate::detect::search::bicliques::{self, Biclique};
use crate::detect::{Context, Detector, Found, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::novelty::AmountNovelty;
use crate::graph::FlowGraph;
use crate::pattern::Pattern;
use crate::units::{fmt_amount, fmt_odds, seconds_to_days};

/// bipartite detector.
pub struct Bipartite;

impl Detector for Bipartite {
    fn lookback(&self, config: &Config) -> Lookback {
        Lookback::days(
            config.bipartite.window_days.get(),
            &[Reads::AmountQuantiles, Reads::AccountRate, Reads::AccountHistory, Reads::Reference],
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
        "each of {} accounts ({}) paid each of {} accounts ({}) within {:.1} days: {} transfers, {}{} (chance of such a layer by the dump's traffic: 1 in {})",
        bc.sources.len(),
        ctx.account_list(&bc.sources),
        bc.sinks.len(),
        ctx.account_list(&bc.sinks),
        seconds_to_days(last - first),
        bc.edges.len(),
        fmt_amount(total),
        novelty.words(),
        fmt_odds(bc.expected_by_chance),
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

    /// Persons with everyday history: each pays a shop and is paid by an employer 50 to
    /// 150, six times each over the dump's 150 days (shops and employers are busy, so
    /// never layer members).
    fn everyday(t: &mut Tiny, names: &[String]) {
        for (i, n) in names.iter().enumerate() {
            for k in 0..6i64 {
                let day = (k * 25 + i as i64) % 150;
                t.wire(n, &format!("SHOP{}", (i + k as usize) % 5), day * D + 9 * H, 50.0 + 20.0 * k as f64);
                t.wire(&format!("EMPLOYER{}", i % 5), n, day * D + 15 * H, 55.0 + 19.0 * k as f64);
            }
        }
    }

    /// Sources `{tag}S0..` each paying sinks `{tag}R0..` `amount`, the layer starting on
    /// `day` and taking about a day; every member with everyday history.
    fn layer(t: &mut Tiny, tag: &str, sources: usize, sinks: usize, day: i64, amount: f64) {
        let names = |side: &str, n: usize| (0..n).map(|k| format!("{tag}{side}{k}")).collect::<Vec<_>>();
        let (from, to) = (names("S", sources), names("R", sinks));
        everyday(t, &from);
        everyday(t, &to);
        let mut k = 0;
        for a in &from {
            for b in &to {
                t.wire(a, b, day * D + k * 2 * H, amount + k as f64);
                k += 1;
            }
        }
    }

    /// A 150-day dump of thirty pairs of neighbours (flatmates, colleagues), each pair
    /// paying the same two others their everyday amounts within a day, at different
    /// times: the everyday layers every real dump holds.
    fn neighbourhood() -> Tiny {
        let mut t = Tiny::new();
        t.span(150);
        for g in 0..30 {
            layer(&mut t, &format!("G{g}"), 2, 2, 3 + g * 4, 100.0);
        }
        t
    }

    #[test]
    fn finds_every_source_to_every_sink() {
        let mut t = Tiny::new();
        t.noise(1, 60, 400, 150);
        t.span(150);
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
    fn small_layers_of_everyday_amounts_are_everyday_where_the_dump_holds_many() {
        // Neighbours, flatmates and colleagues: thirty pairs of persons each paying the
        // same two others their everyday amounts within a day, at different times.
        let mut t = neighbourhood();
        let members = |t: &mut Tiny, tag: &str| {
            ["S0", "S1", "R0", "R1"].map(|m| t.dump.accounts.intern(&format!("{tag}{m}"))).to_vec()
        };
        let hits = t.hits(&Bipartite);
        assert!(hits.is_empty(), "{} layers of everyday amounts reported", hits.len());
        // One more such pair moving thirty times its members' everyday amounts stands out.
        layer(&mut t, "X", 2, 2, 70, 3_000.0);
        let hits = t.hits(&Bipartite);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let x = members(&mut t, "X");
        assert!(x.iter().all(|a| hits[0].accounts.iter().any(|h| h.account == *a)));
    }

    #[test]
    fn a_payee_both_sources_shared_months_before_does_not_hide_their_layer() {
        let mut t = neighbourhood();
        layer(&mut t, "X", 2, 2, 100, 3_000.0);
        // Two months before, both paid the same friend back for a trip.
        t.wire("XS0", "FRIEND", 30 * D, 80.0);
        t.wire("XS1", "FRIEND", 31 * D, 80.0);
        let hits = t.hits(&Bipartite);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let friend = t.dump.accounts.intern("FRIEND");
        assert_eq!(hits[0].accounts.len(), 4);
        assert!(hits[0].accounts.iter().all(|a| a.account != friend));
    }

    #[test]
    fn flatmates_who_split_a_new_bill_every_month_are_no_layer() {
        // Two flatmates each pay their half of two new tradesmen every month: a 2x2
        // layer of unusual amounts each month, but one household, not a layer.
        let mut t = neighbourhood();
        let flatmates = ["F0".to_owned(), "F1".to_owned()];
        everyday(&mut t, &flatmates);
        for month in 0..4i64 {
            for (k, f) in flatmates.iter().enumerate() {
                for trade in 0..2 {
                    let day = 10 + 30 * month + k as i64;
                    t.wire(
                        f,
                        &format!("TRADE{month}{trade}"),
                        day * D + trade * H,
                        6_000.0 + (month * 10 + trade) as f64,
                    );
                }
            }
        }
        assert!(t.hits(&Bipartite).is_empty(), "{:?}", t.hits(&Bipartite));
    }

    #[test]
    fn students_chipping_in_for_two_gifts_are_no_layer() {
        // Two students who spend a few units at a time each give two friends eight times
        // that: far above their own amounts, but the dump's small change.
        let chip_in = |gift: f64| {
            let mut t = neighbourhood();
            for (i, s) in ["ST0", "ST1"].iter().enumerate() {
                for k in 0..6i64 {
                    t.wire(s, &format!("SHOP{k}"), (k * 20 + i as i64) * D, 4.0 + k as f64);
                }
                for friend in ["FR0", "FR1"] {
                    t.wire(s, friend, (60 + i as i64) * D, gift);
                }
            }
            t.hits(&Bipartite)
        };
        assert!(chip_in(40.0).is_empty());
        assert_eq!(chip_in(4_000.0).len(), 1, "the same layer moving money is found");
    }

    #[test]
    fn two_investors_in_one_fund_who_pay_one_friend_are_no_layer() {
        // Among neighbours who often pay the same two others, two investors who each
        // pay a fund a large subscription and a friend a small sum within days.
        let mut t = neighbourhood();
        let investors = ["I0".to_owned(), "I1".to_owned()];
        everyday(&mut t, &investors);
        for (k, i) in investors.iter().enumerate() {
            let day = 40 + 3 * k as i64;
            t.wire(i, "FUND", day * D, 50_000.0);
            t.wire(i, "FRIEND", day * D + 2 * H, 40.0);
        }
        assert!(t.hits(&Bipartite).is_empty());
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

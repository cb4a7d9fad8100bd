//! bipartite — every account of one set pays every account of another (generic motif).
//!
//! ## What it finds
//! Two sets of at least `min_side` accounts each where every source paid every sink
//! inside one window, the members being ordinary accounts, not busy hubs, each transfer
//! carrying the dump's median payment on average (`min_amount`), and the layer more than the dump's everyday traffic makes by chance: layers of its shape and speed
//! expected by chance (the configuration model of the dump's new relationships, or the
//! dump's own count of such layers between other accounts, whatever they moved, less
//! those remarkable on their own, whichever is more), times the chance that three in
//! four of its transfers are as large as they are by its members' own amounts, at most
//! `expected_by_chance`. A layer that is not, but comes in a row with one that is (at
//! least `min_side` of its payees pay that layer, or of its payers were paid in it,
//! within a window: a stack), is read again against that: the layers of its shape the
//! dump would set in a row with a remarkable one by chance (the model's count times the
//! chance that enough of its members fall among the remarkable layers', or the dump's
//! everyday layers that do, whichever is more), times its amounts' chance.
//!
//! A layer may also have one source that pays the same payees again and again
//! ([`rounds`]): an account paying at least `min_side` new payees together, round after
//! round (most of its transfers to them on days it pays two or more), each relationship
//! opened and closed within `rounds_window_days` and never silent for longer than
//! `window_days`, moving at least `rounds_min_amount` in all, and that many transfers in
//! that span expected by chance at most `expected_by_chance` times over the dump at the
//! source's own rate outside it. Every source still pays every sink; a simulator that
//! labels one account paying three payees every day for a month "bipartite" means
//! this, and a fan (each payee paid once) is not it.
//!
//! A layer whose sources take turns (one pays every sink within days, the next a week
//! later, for weeks) fits no window, but each source is a fan of new payees on its own
//! (fan_out's hits). Once every detector ran, fans of several hubs that reached the same
//! `min_side` or more new counterparties are joined into one layer
//! ([`crate::detect::search::fan_layers`]): the hubs and the counterparties they all
//! reached, with the rest of each fan around them, when such sharing is expected by
//! chance at most `expected_by_chance` times among the dump's fan hubs (by how many
//! others pay each shared counterparty). The same holds for sinks that each gathered
//! from the same new payers (fan_in's hits). A layer a window caught in part (the
//! sources that paid within a week of each other) joins the fans of the rest. The fans
//! and layers it was joined from become its parts, not hits of their own.
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
//! `skip_business_to_business` (true), `channels` (all but card); for one source,
//! `rounds_window_days` (30) and `rounds_min_amount` (`p90`, in all).
//!
//! ## Look-alikes
//! Neighbours paying the same utility and the same shop share busy receivers, which are
//! left out. Flatmates, neighbours and colleagues who pay the same two or three people
//! their everyday amounts form small layers all the time in a dense dump: the dump's own
//! count of them says how ordinary one more is, and only amounts far above its members'
//! own make it stand out (thirty pairs paying the top third of their everyday amounts
//! are each other's background, not thirty layers). Two investors who each pay a fund a large subscription and
//! the same friend a small sum have one large link beside everyday ones, which is no
//! layer moving money. Neighbours chipping in for a gift or splitting a bill pay the
//! dump's small change, under `min_amount`. Flatmates who split a new bill every month
//! share receivers week after week: a window must hold most of the receivers two
//! sources ever shared, so one household is no layer. Two company accounts trading with the same suppliers are
//! business. A biclique that is one layer of a stack is reported as the stack.
//! With one source: staff are paid a month apart, and a daily sweep to two subsidiaries
//! or a household's nanny and cleaner paid on the same day each week go on for the whole
//! dump (none opens and closes within the span); a builder paying two subcontractors
//! every working day of a job is business between companies; friends paid
//! back daily after a trip have a history; a marketplace paying two new sellers daily
//! beside its dozen others does what it always does; daily pocket money is the dump's
//! small change; a caterer and a hall paid for a fortnight's event are businesses the
//! host is a small part of (under a tenth of what they received meanwhile); two
//! relationships that run side by side on days of their own are no rounds. A
//! collector's payout, a structurer's split, a settlement's payout or a settlement
//! shell's persons are reported as those typologies instead. Joined from fans: two
//! persons whose fans both reached the town's big employer and its busiest shop share
//! what most of the dump pays, which is no coincidence to explain; builders taking
//! turns at the same new suppliers trade between companies, which no fan counts.

use std::collections::BTreeSet;

use crate::config::Config;
use crate::detect::context::PartEdges;
use crate::detect::handed::Handed;
use crate::detect::search::bicliques::{self, Biclique};
use crate::detect::search::fan_layers::{self, FanLayer};
use crate::detect::search::fans::Fan;
use crate::detect::search::rounds::{self, Rounds};
use crate::detect::{Context, Detector, Found, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::novelty::AmountNovelty;
use crate::graph::FlowGraph;
use crate::pattern::Pattern;
use crate::units::{counted_words, fmt_amount, fmt_odds, format_date, seconds_to_days};

/// bipartite detector.
pub struct Bipartite;

impl Detector for Bipartite {
    fn chance_budget(&self, config: &Config) -> Option<f64> {
        Some(config.bipartite.expected_by_chance.get())
    }

    fn lookback(&self, _config: &Config) -> Lookback {
        Lookback::unbounded(
            "a layer whose sources take turns is joined from fans found over the whole dump",
            &[
                Reads::AmountQuantiles,
                Reads::AccountRate,
                Reads::AccountHistory,
                Reads::Popularity,
                Reads::Reference,
            ],
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
        let mut hits: Vec<Hit> = bicliques::find(ctx).iter().map(|b| hit(ctx, b)).collect();
        // Layers with one source read each account's own payments, whole: in parts of
        // time `run` is called in the one place, which sees the whole dump, and this
        // one pass over its adjacency is the only search made there.
        hits.extend(rounds::find(ctx.graph, &ctx.config.bipartite).iter().map(|r| rounds_hit(ctx, r)));
        Outcome { hits, notes: Vec::new() }
    }

    fn join(&self, ctx: &Context<'_>, standing: &[Vec<Hit>]) -> Outcome {
        let cfg = &ctx.config.bipartite;
        // Sinks each paid by the same sources in turn are fan-ins too.
        let layers = fan_layers::both_ways(ctx.graph, standing.iter().flatten(), cfg);
        let hits: Vec<Hit> = layers.iter().map(|layer| joined_hit(ctx, layer)).collect();
        Outcome::counted(
            hits,
            "layer(s) joined from the fans of hubs that reached the same new counterparties",
        )
    }

    fn defers_to(&self) -> &'static [Pattern] {
        // A layer with one source is what a collector's payout, a structurer's split, a
        // settlement's payout or a settlement shell's persons look like from the
        // outside: those say more.
        &[Pattern::Stack, Pattern::Ub1, Pattern::Ub2, Pattern::Ub4, Pattern::Ub5, Pattern::Ub6]
    }
}

/// A layer's members and transfers, and the amount it moved.
fn members(g: &FlowGraph, edges: &[u32]) -> (HitBuilder, f64) {
    let mut b = HitBuilder::default();
    let mut total = 0.0;
    for &e in edges {
        let a = g.amount[e as usize];
        total += a;
        b.account(g.src[e as usize], Role::Member, 0.0, a);
        b.account(g.dst[e as usize], Role::Member, a, 0.0);
        b.transfer(e);
    }
    (b, total)
}

/// A layer's strength: its size (from four transfers up to nine) and how far its
/// amounts sit above its members' own.
fn strength(transfers: usize, novelty: &AmountNovelty) -> f64 {
    let shape = 0.5 + 0.1 * (transfers as f64 - 4.0).clamp(0.0, 5.0);
    0.7 * shape + 0.3 * novelty.term()
}

fn hit(ctx: &Context<'_>, bc: &Biclique) -> Hit {
    let g = ctx.graph;
    let (b, total) = members(g, &bc.edges);
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
    b.finish(g, Pattern::Bipartite, total, strength(bc.edges.len(), &novelty), reason)
}

/// The hit of a layer joined from fans: every hub, its shared counterparties and the
/// fans' transfers between them.
fn joined_hit(ctx: &Context<'_>, layer: &FanLayer) -> Hit {
    let g = ctx.graph;
    let (mut b, in_layer) = members(g, &layer.edges);
    // The rest of each hub's fan: its other new counterparties, around the layer.
    let (mut beside, mut others) = (0.0, BTreeSet::new());
    for &e in &layer.beside {
        let (src, dst, a) = (g.src[e as usize], g.dst[e as usize], g.amount[e as usize]);
        beside += a;
        match layer.fan {
            Fan::Out => b.account(dst, Role::Destination, a, 0.0),
            Fan::In => b.account(src, Role::Source, 0.0, a),
        }
        others.insert(if layer.fan == Fan::Out { dst } else { src });
        b.transfer(e);
    }
    let first = g.time[layer.edges[0] as usize];
    let last = g.time[layer.edges[layer.edges.len() - 1] as usize];
    let centre: Vec<u32> = layer.hubs.iter().chain(&layer.shared).copied().collect();
    let novelty = AmountNovelty::measure(g, &centre, &layer.edges);
    let (each, who) = match layer.fan {
        Fan::Out => ("in a burst of its own to payees it had not paid before", "payees"),
        Fan::In => ("in a burst of its own from payers it had not dealt with before", "payers"),
    };
    let rest = if others.is_empty() {
        String::new()
    } else {
        format!(
            "; the same fans dealt {} with {} in {}",
            fmt_amount(beside),
            counted_words(others.len(), &format!("other new {}", who.trim_end_matches('s'))),
            counted_words(layer.beside.len(), "transfer")
        )
    };
    let reason = format!(
        "each of {} accounts ({}) paid each of {} accounts ({}), each of {} {each}, from {} to {} ({:.1} days): {} transfers, {}{}{rest} (chance that fans of the dump's hubs share such {who}, by how many others deal with them: 1 in {})",
        layer.sources().len(),
        ctx.account_list(layer.sources()),
        layer.sinks().len(),
        ctx.account_list(layer.sinks()),
        ctx.account_list(&layer.hubs),
        format_date(first),
        format_date(last),
        seconds_to_days(last - first),
        layer.edges.len(),
        fmt_amount(in_layer),
        novelty.words(),
        fmt_odds(layer.expected_by_chance),
    );
    b.finish(g, Pattern::Bipartite, in_layer + beside, strength(layer.edges.len(), &novelty), reason)
}

/// The hit of a layer with one source: the source, its payees and every transfer between
/// them.
fn rounds_hit(ctx: &Context<'_>, r: &Rounds) -> Hit {
    let g = ctx.graph;
    let (b, total) = members(g, &r.edges);
    let first = g.time[r.edges[0] as usize];
    let last = g.time[r.edges[r.edges.len() - 1] as usize];
    let novelty = AmountNovelty::measure(g, &[r.source], &r.edges);
    let reason = format!(
        "{} paid the same {} new payees ({}) together, round after round: {} transfers ({}) within {:.1} days, {:.0}% of them on the {} days it paid two or more, {:.0}x its usual rate{} (chance of such a run by its own habit: 1 in {})",
        ctx.account(r.source),
        r.sinks.len(),
        ctx.account_list(&r.sinks),
        r.edges.len(),
        fmt_amount(total),
        seconds_to_days(last - first),
        100.0 * r.share_in_rounds,
        r.rounds,
        r.rate_ratio,
        novelty.words(),
        fmt_odds(r.expected_by_chance),
    );
    b.finish(g, Pattern::Bipartite, total, strength(r.edges.len(), &novelty), reason)
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

    /// Sources `{tag}S0..` each paying sinks `{tag}R0..` `amount`, the layer starting on
    /// `day` and taking about a day; every member with everyday history.
    fn layer(t: &mut Tiny, tag: &str, sources: usize, sinks: usize, day: i64, amount: f64) {
        let names = |side: &str, n: usize| (0..n).map(|k| format!("{tag}{side}{k}")).collect::<Vec<_>>();
        t.everyday_layer(&names("S", sources), &names("R", sinks), day, amount);
    }

    /// Thirty pairs of neighbours paying the same two others their everyday amounts
    /// ([`Tiny::neighbourhood`]).
    fn neighbourhood() -> Tiny {
        Tiny::neighbourhood(100.0)
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
    fn companies_paying_the_same_new_suppliers_are_business() {
        // Look-alike: three builders who each pay the same two new suppliers for one
        // joint project within a day: company-to-company trade.
        let layer = |t: &mut Tiny, company: bool| {
            t.noise(1, 60, 400, 150);
            t.span(150);
            for a in ["A0", "A1", "A2", "B0", "B1"] {
                if company {
                    t.company(a, "DE");
                } else {
                    t.person(a, "DE");
                }
            }
            case(t, 3, 2, 5 * H);
        };
        let mut t = Tiny::new();
        layer(&mut t, true);
        assert!(t.hits(&Bipartite).is_empty(), "{:?}", t.hits(&Bipartite));
        // The same layer between persons is found.
        let mut t = Tiny::new();
        layer(&mut t, false);
        assert_eq!(t.hits(&Bipartite).len(), 1);
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
    fn small_layers_of_somewhat_large_amounts_are_everyday_where_the_dump_holds_many() {
        // Thirty pairs of neighbours each paying the same two others 120, the top third
        // of what they move every month (a shared bill): each layer's amounts are as
        // large as those of one everyday layer in a few, and the dump holds thirty such
        // layers, each as much the others' background as they are its own.
        let mut t = Tiny::neighbourhood(120.0);
        let hits = t.hits(&Bipartite);
        assert!(hits.is_empty(), "{} layers of somewhat large everyday amounts reported", hits.len());
        // One more pair moving thirty times its everyday amounts still stands out.
        layer(&mut t, "X", 2, 2, 70, 3_000.0);
        let hits = t.hits(&Bipartite);
        assert_eq!(hits.len(), 1, "{hits:?}");
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
        t.everyday_lives(&flatmates);
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
        t.everyday_lives(&investors);
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

    /// `from` pays each of `to` on each of `days` (a round a day), amounts varying.
    fn rounds(t: &mut Tiny, from: &str, to: &[&str], days: std::ops::Range<i64>, amount: f64) {
        for day in days {
            for (k, payee) in to.iter().enumerate() {
                let varied = amount * (1.0 + 0.37 * ((day * 7 + k as i64 * 3) % 5) as f64 / 4.0);
                t.wire(from, payee, day * D + (9 + k as i64) * H, varied);
            }
        }
    }

    /// The neighbourhood, with everyday amounts near 1,000, and ordinary history for
    /// `members`.
    fn rounds_world(members: &[&str]) -> Tiny {
        let mut t = neighbourhood();
        t.economy(1_000.0, 150, 600);
        t.everyday_lives(&members.iter().map(|m| m.to_string()).collect::<Vec<_>>());
        t
    }

    fn round_hits(t: &Tiny) -> Vec<Hit> {
        t.hits(&Bipartite).into_iter().filter(|h| h.reason.contains("round after round")).collect()
    }

    #[test]
    fn one_source_paying_the_same_new_payees_round_after_round_is_a_layer() {
        let mut t = rounds_world(&["SRC", "P0", "P1", "P2"]);
        rounds(&mut t, "SRC", &["P0", "P1", "P2"], 60..70, 900.0);
        let hits = round_hits(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!((hits[0].accounts.len(), hits[0].transfers.len()), (4, 30));
        assert!(hits[0].reason.contains("the same 3 new payees"), "{}", hits[0].reason);
        // Out of order and among noise, the same.
        t.noise(3, 40, 300, 150);
        t.reverse_rows();
        assert_eq!(round_hits(&t).len(), 1);
    }

    #[test]
    fn rounds_near_misses_do_not_fire() {
        // Each payee paid on days of its own: two relationships side by side.
        let mut t = rounds_world(&["SRC", "P0", "P1"]);
        for day in (60..72).step_by(2) {
            t.wire("SRC", "P0", day * D, 1_200.0);
            t.wire("SRC", "P1", (day + 1) * D, 1_300.0);
        }
        assert!(round_hits(&t).is_empty(), "{:?}", round_hits(&t));
        // One payee only, paid every day.
        let mut t = rounds_world(&["SRC", "P0"]);
        rounds(&mut t, "SRC", &["P0"], 60..70, 900.0);
        assert!(round_hits(&t).is_empty());
        // Every payee paid once: a fan, not rounds.
        let mut t = rounds_world(&["SRC", "P0", "P1", "P2"]);
        rounds(&mut t, "SRC", &["P0", "P1", "P2"], 60..61, 900.0);
        assert!(round_hits(&t).is_empty());
    }

    #[test]
    fn staff_paid_on_two_paydays_are_no_rounds() {
        // A new employer's first two paydays, a month apart, then the dump ends.
        let mut t = rounds_world(&["EMPLOYERX", "STAFF0", "STAFF1", "STAFF2"]);
        for day in [120, 149] {
            for s in ["STAFF0", "STAFF1", "STAFF2"] {
                t.wire("EMPLOYERX", s, day * D, 2_500.0);
            }
        }
        assert!(round_hits(&t).is_empty(), "{:?}", round_hits(&t));
    }

    #[test]
    fn a_daily_sweep_to_two_subsidiaries_is_no_rounds() {
        // The same two accounts every day of the dump: a standing arrangement, not a
        // relationship that opens and closes.
        let mut t = rounds_world(&["PARENT", "SUB0", "SUB1"]);
        rounds(&mut t, "PARENT", &["SUB0", "SUB1"], 0..150, 5_000.0);
        assert!(round_hits(&t).is_empty(), "{:?}", round_hits(&t));
    }

    #[test]
    fn friends_with_a_shared_history_are_no_rounds() {
        let mut t = rounds_world(&["ME", "FRIEND0", "FRIEND1"]);
        for month in 0..4 {
            t.wire("ME", "FRIEND0", (5 + 30 * month) * D, 60.0);
            t.wire("ME", "FRIEND1", (6 + 30 * month) * D, 70.0);
        }
        // A trip together: both paid back daily for a week.
        rounds(&mut t, "ME", &["FRIEND0", "FRIEND1"], 100..107, 900.0);
        assert!(round_hits(&t).is_empty(), "{:?}", round_hits(&t));
    }

    #[test]
    fn a_platform_paying_new_sellers_daily_beside_its_others_is_no_rounds() {
        // A marketplace pays its sellers every day; two new ones join for ten days.
        let mut t = rounds_world(&["PLATFORM", "NEW0", "NEW1"]);
        let sellers: Vec<String> = (0..12).map(|k| format!("SELLER{k}")).collect();
        let sellers: Vec<&str> = sellers.iter().map(String::as_str).collect();
        rounds(&mut t, "PLATFORM", &sellers, 0..150, 900.0);
        rounds(&mut t, "PLATFORM", &["NEW0", "NEW1"], 60..70, 900.0);
        assert!(round_hits(&t).is_empty(), "{:?}", round_hits(&t));
    }

    #[test]
    fn daily_pocket_money_and_two_busy_shops_are_no_rounds() {
        // A parent gives two children the dump's small change every day for two weeks.
        let mut t = rounds_world(&["PARENT", "KID0", "KID1"]);
        rounds(&mut t, "PARENT", &["KID0", "KID1"], 60..74, 5.0);
        assert!(round_hits(&t).is_empty(), "{:?}", round_hits(&t));
        // A person paying a caterer and a hall every day of a fortnight's event: two
        // busy businesses, of which it is a small part.
        let mut t = rounds_world(&["HOST"]);
        rounds(&mut t, "HOST", &["CATERER", "HALL"], 60..74, 900.0);
        for day in 55..80 {
            for c in 0..12 {
                t.wire(&format!("GUEST{c}"), "CATERER", day * D + c * H, 300.0);
                t.wire(&format!("GUEST{c}"), "HALL", day * D + c * H, 300.0);
            }
        }
        assert!(round_hits(&t).is_empty(), "{:?}", round_hits(&t));
    }

    /// Three persons (or companies) with everyday history who each pay the same four
    /// new payees 3,000 on consecutive days, one a week after the other.
    fn taking_turns(companies: bool) -> Tiny {
        let mut t = neighbourhood();
        let hubs: Vec<String> = (0..3).map(|h| format!("HUB{h}")).collect();
        let sinks: Vec<String> = (0..4).map(|s| format!("SINK{s}")).collect();
        for a in hubs.iter().chain(&sinks) {
            if companies {
                t.company(a, "DE");
            } else {
                t.person(a, "DE");
            }
        }
        for (h, hub) in hubs.iter().enumerate() {
            for (s, sink) in sinks.iter().enumerate() {
                t.wire(hub, sink, (20 + 7 * h + s) as i64 * D + H, 3_000.0 + (4 * h + s) as f64);
            }
        }
        t
    }

    #[test]
    fn sources_taking_turns_are_one_layer_joined_from_their_fans() {
        let t = taking_turns(false);
        // No window holds the layer...
        assert!(t.hits(&Bipartite).is_empty(), "{:?}", t.hits(&Bipartite));
        // ...but each source is a fan, and the fans reach the same payees.
        let hits = t.settled_hits();
        let layers: Vec<&Hit> = hits.iter().filter(|h| h.pattern == Pattern::Bipartite).collect();
        assert_eq!(layers.len(), 1, "{hits:?}");
        assert_eq!((layers[0].accounts.len(), layers[0].transfers.len()), (7, 12));
        assert!(layers[0].reason.contains("in a burst of its own"), "{}", layers[0].reason);
        // The fans it was joined from, out of its sources and into its sinks, are its
        // parts, not hits of their own.
        let members: Vec<u32> = layers[0].accounts.iter().map(|a| a.account).collect();
        let fans_on_members = hits.iter().filter(|h| {
            matches!(h.pattern, Pattern::FanOut | Pattern::FanIn)
                && h.accounts.iter().any(|a| a.role == Role::Hub && members.contains(&a.account))
        });
        assert_eq!(fans_on_members.count(), 0, "{hits:?}");
    }

    #[test]
    fn companies_taking_turns_at_the_same_new_suppliers_are_business() {
        // Look-alike: three builders who each pay the same four new suppliers, a week
        // apart: company-to-company trade, no fan, hence no layer.
        let hits = taking_turns(true).settled_hits();
        assert!(hits.iter().all(|h| h.pattern != Pattern::Bipartite), "{hits:?}");
    }
}

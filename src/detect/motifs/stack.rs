//! stack — two bipartite layers in a row (generic motif).
//!
//! ## What it finds
//! A complete bipartite layer (see bipartite) whose sinks, together, then pay every
//! account of a third set: every middle account pays every final account, in a second
//! layer that starts after the first began and within a window of the first's end.
//! A layer no rarer than neighbours paying the same few people is still a stack's when
//! the layer before or after it is remarkable: the layer search reads it again against
//! the layers the dump would set in a row with a remarkable one by chance (bipartite).
//!
//! A middle account busy with a life of its own is no member of a window's layer (see
//! bipartite's look-alikes), but its gather and its scatter are fans of new
//! counterparties; once every detector ran, the layers joined from fans (bipartite's
//! [`crate::detect::search::fan_layers`], a gather-scatter hub's scatter counting as a
//! fan-out and its gather as a fan-in) are stacked with those a window found, under
//! the same test, and the rest of each joined layer's fans comes with the stack.
//! Layers that are part of a larger scatter-gather joined from the same hubs
//! (sources, hubs and targets not all dealing with each other) are left to it: a
//! simulator may call that case either, and the scatter-gather reads it whole.
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
use crate::detect::search::fan_layers::{self, FanLayer};
use crate::detect::search::relay_groups;
use crate::detect::{Context, Detector, Found, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount};

/// stack detector.
pub struct Stack;

impl Detector for Stack {
    fn chance_budget(&self, config: &Config) -> Option<f64> {
        Some(config.bipartite.expected_by_chance.get())
    }

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
        let layers: Vec<Layer> = bicliques::find(ctx).iter().map(Layer::found).collect();
        let hits = stacks(ctx, &layers).into_iter().map(|(i, j)| hit(ctx, &layers[i], &layers[j])).collect();
        Outcome { hits, notes: Vec::new() }
    }

    fn join(&self, ctx: &Context<'_>, standing: &[Vec<Hit>]) -> Outcome {
        // Every layer that stands once every detector ran: those a window found that no
        // stack took, and those joined from the fans of hubs (a middle busy with a life
        // of its own is no member of a window's layer, but its gather and its scatter
        // are fans).
        let g = ctx.graph;
        let mut layers: Vec<Layer> = standing
            .iter()
            .flatten()
            .filter(|h| h.pattern == Pattern::Bipartite)
            .map(|h| Layer::of_transfers(g, &h.transfers))
            .collect();
        let fans = fan_layers::both_ways(g, standing.iter().flatten(), &ctx.config.bipartite);
        layers.extend(fans.iter().map(Layer::joined));
        // Two layers a window found each were read as a stack by `run` already. Two
        // layers that are part of a larger scatter-gather joined from the same hubs
        // (more of them, or sources and targets that not every hub dealt with) are that
        // case, read in part: most of the stack's members among the group's, and some of
        // the group's relays outside the stack.
        let sg = &ctx.config.scatter_gather;
        let groups = relay_groups::find(
            g,
            standing.iter().flatten(),
            sg.min_intermediaries.get(),
            sg.expected_by_chance.get(),
        );
        let read_already = |i: usize, j: usize| {
            let (first, second) = (&layers[i], &layers[j]);
            let members: BTreeSet<u32> = [&first.sources, &first.sinks, &second.sources, &second.sinks]
                .into_iter()
                .flatten()
                .copied()
                .collect();
            let in_stack =
                |e: &u32| first.edges.binary_search(e).is_ok() || second.edges.binary_search(e).is_ok();
            groups.iter().any(|r| {
                let held = [&r.originators, &r.intermediaries, &r.targets]
                    .into_iter()
                    .flatten()
                    .filter(|a| members.contains(a))
                    .count();
                2 * held > members.len() && !r.edges.iter().all(in_stack)
            })
        };
        let hits = stacks(ctx, &layers)
            .into_iter()
            .filter(|&(i, j)| (layers[i].joined || layers[j].joined) && !read_already(i, j))
            .map(|(i, j)| hit(ctx, &layers[i], &layers[j]))
            .collect();
        Outcome::counted(hits, "stack(s) of two layers, one of them or both joined from fans")
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[Pattern::Ub1, Pattern::Ub4]
    }
}

/// Words a stack's reason ends with when one of its layers was joined from fans.
const JOINED: &str = "joined from the fans of its hubs";

/// One layer of a stack: every source paid every sink.
struct Layer {
    /// Paying accounts, sorted.
    sources: Vec<u32>,
    /// Paid accounts, sorted.
    sinks: Vec<u32>,
    /// The transfers from sources to sinks, sorted.
    edges: Vec<u32>,
    /// The rest of the fans a joined layer was read from, sorted (none for a window's).
    beside: Vec<u32>,
    /// Joined from fans rather than found in one window.
    joined: bool,
}

impl Layer {
    /// A layer found in one window.
    fn found(b: &Biclique) -> Layer {
        Layer {
            sources: b.sources.clone(),
            sinks: b.sinks.clone(),
            edges: b.edges.clone(),
            beside: Vec::new(),
            joined: false,
        }
    }

    /// A layer found in one window, from the transfers of its hit.
    fn of_transfers(g: &FlowGraph, transfers: &[u32]) -> Layer {
        let ends = |side: &[u32]| -> Vec<u32> {
            transfers.iter().map(|&e| side[e as usize]).collect::<BTreeSet<u32>>().into_iter().collect()
        };
        Layer {
            sources: ends(&g.src),
            sinks: ends(&g.dst),
            edges: transfers.to_vec(),
            beside: Vec::new(),
            joined: false,
        }
    }

    /// A layer joined from the fans of its hubs.
    fn joined(l: &FanLayer) -> Layer {
        Layer {
            sources: l.sources().to_vec(),
            sinks: l.sinks().to_vec(),
            edges: l.edges.clone(),
            beside: l.beside.clone(),
            joined: true,
        }
    }

    /// Its first and last transfer's times.
    fn span(&self, g: &FlowGraph) -> (i64, i64) {
        bicliques::first_and_last(g, &self.edges)
    }
}

/// Every two of `layers` in a row (first, second): a layer whose sources hold at least
/// `min_side` of another's sinks, starting after the other began and within a window of
/// its end.
fn stacks(ctx: &Context<'_>, layers: &[Layer]) -> Vec<(usize, usize)> {
    let g = ctx.graph;
    let window = days_to_seconds(ctx.config.bipartite.window_days.get());
    // Which layers each account is a source of.
    let mut by_source: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, l) in layers.iter().enumerate() {
        for &s in &l.sources {
            by_source.entry(s).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    for (i, first) in layers.iter().enumerate() {
        // The second layer: one whose sources are among the first's sinks.
        let (start, end) = first.span(g);
        let candidates: BTreeSet<usize> = first
            .sinks
            .iter()
            .filter_map(|s| by_source.get(s))
            .flatten()
            .copied()
            .filter(|&j| j != i)
            .collect();
        for j in candidates {
            let second = &layers[j];
            // The middle passes money on after the first layer began, and starts
            // within a window of its end.
            let (s0, _) = second.span(g);
            if bicliques::in_a_row(
                (&first.sinks, (start, end)),
                (&second.sources, s0),
                window,
                ctx.config.bipartite.min_side.get(),
            ) {
                pairs.push((i, j));
            }
        }
    }
    pairs
}

fn hit(ctx: &Context<'_>, first: &Layer, second: &Layer) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    let mut total = 0.0;
    for &e in first.edges.iter().chain(&second.edges) {
        let a = g.amount[e as usize];
        b.account(g.src[e as usize], Role::Member, 0.0, a);
        b.account(g.dst[e as usize], Role::Member, a, 0.0);
        b.transfer(e);
    }
    // The rest of a joined layer's fans comes with it, as it does with the layer.
    for &e in first.beside.iter().chain(&second.beside) {
        let a = g.amount[e as usize];
        b.account(g.src[e as usize], Role::Source, 0.0, a);
        b.account(g.dst[e as usize], Role::Destination, a, 0.0);
        b.transfer(e);
    }
    for &e in &first.edges {
        total += g.amount[e as usize];
    }
    let joined = match (first.joined, second.joined) {
        (false, false) => String::new(),
        (true, false) => format!("; the first {JOINED}"),
        (false, true) => format!("; the second {JOINED}"),
        (true, true) => format!("; each {JOINED}"),
    };
    let reason = format!(
        "two layers: {} -> {} ({} transfers, {}) then {} -> {} ({} transfers){joined}",
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

    fn names(tag: &str, n: usize) -> Vec<String> {
        (0..n).map(|k| format!("{tag}{k}")).collect()
    }

    #[test]
    fn a_layer_no_rarer_than_neighbours_paying_the_same_two_is_a_stacks_first_when_its_payees_pay_on() {
        // Thirty pairs of neighbours each pay the same two others 120, the top third of
        // what they move (a shared bill): layers the dump holds by the dozen. One more
        // such pair's payees then pay two strangers 3,000 each two days later, thirty
        // times what they move: a laundering layer, and the one before it is its first.
        let mut t = Tiny::neighbourhood(120.0);
        let (first, middle, last) = (names("XS", 2), names("XM", 2), names("XZ", 2));
        t.everyday_layer(&first, &middle, 70, 120.0);
        t.everyday_layer(&middle, &last, 72, 3_000.0);
        let hits = t.hits(&Stack);
        assert_eq!(hits.len(), 1, "{hits:?}");
        let stack: Vec<u32> =
            first.iter().chain(&middle).chain(&last).map(|a| t.dump.accounts.intern(a)).collect();
        let mut found: Vec<u32> = hits[0].accounts.iter().map(|a| a.account).collect();
        found.sort_unstable();
        let mut want = stack.clone();
        want.sort_unstable();
        assert_eq!(found, want, "{hits:?}");
        // Look-alike: the neighbours' layers beside it, one of them in the same days,
        // are no stack's and no layer of their own.
        let g = t.graph();
        let ctx = Context::new(&g, &t.dump, &t.config);
        let layers = bicliques::find(&ctx);
        assert_eq!(layers.len(), 2, "{layers:?}");
        assert!(layers.iter().all(|l| l.sources.iter().chain(&l.sinks).all(|a| stack.contains(a))));
        // Without the laundering layer after it, the first is everyday again.
        let mut t = Tiny::neighbourhood(120.0);
        t.everyday_layer(&first, &middle, 70, 120.0);
        t.everyday_layer(&middle, &last, 72, 120.0);
        assert!(t.hits(&Stack).is_empty(), "{:?}", t.hits(&Stack));
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

    /// Three payers pay two middle accounts 4,000 each on days 100 and 101; from
    /// `second_day`, each middle pays three new payees 3,900 each. The middles have a
    /// life of their own, busier than most of the dump's accounts (a payment every
    /// three days all year, a salary each month), so no window's layer holds them as
    /// payers; each is a gather-scatter hub.
    fn busy_middles(second_day: i64) -> Vec<Hit> {
        let mut t = Tiny::new();
        t.noise(11, 80, 600, 200);
        for m in ["M1", "M2"] {
            for k in 0..66i64 {
                t.wire(m, &format!("{m}-REGULAR{}", k % 5), k * 3 * D + 9 * H, 20.0 + (k % 7) as f64);
            }
            for month in 0..7 {
                t.wire(&format!("{m}-EMPLOYER"), m, (month * 30 + 1) * D, 1_200.0);
            }
        }
        let mut k = 0;
        for a in ["A1", "A2", "A3"] {
            for m in ["M1", "M2"] {
                t.wire(a, m, 100 * D + k * 7 * H, 4_000.0);
                k += 1;
            }
        }
        let mut k = 0;
        for m in ["M1", "M2"] {
            for z in ["Z1", "Z2", "Z3"] {
                t.wire(m, z, second_day * D + k * 5 * H, 3_900.0);
                k += 1;
            }
        }
        t.settled_hits()
    }

    #[test]
    fn a_second_layer_joined_from_busy_middles_fans_makes_a_stack() {
        let hits = busy_middles(103);
        let stacks: Vec<&Hit> = hits.iter().filter(|h| h.pattern == Pattern::Stack).collect();
        assert_eq!(stacks.len(), 1, "{hits:?}");
        // The three payers, two middles and three payees; the rest of the middles'
        // fans (a regular payee paid meanwhile) comes around them.
        let members = stacks[0].accounts.iter().filter(|a| a.role == Role::Member).count();
        assert_eq!(members, 8, "{:?}", stacks[0]);
        assert!(stacks[0].reason.contains(JOINED), "{}", stacks[0].reason);
        // Its layers, the window's and the one joined from fans, are the stack's parts,
        // not layers of their own.
        assert!(
            hits.iter()
                .filter(|h| h.pattern == Pattern::Bipartite)
                .all(|h| !stacks[0].holds_all(&h.transfers)),
            "{hits:?}"
        );
        // Not vacuous: the same payments more than a window after the first layer ended
        // are no second layer of it.
        let later = busy_middles(112);
        assert!(later.iter().all(|h| h.pattern != Pattern::Stack), "{later:?}");
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

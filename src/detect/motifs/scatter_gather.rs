//! scatter_gather — one source splits money over several intermediaries that pass it on
//! to one target (generic motif).
//!
//! ## What it finds
//! Accounts `u` and `v` with at least `min_intermediaries` distinct accounts `w` such
//! that `u` paid `w` and `w` then paid `v` within the window, together forwarding most
//! of what `u` sent them: `|N+(u) ∩ N-(v)| >= 2` inside the window, time-respecting,
//! and more than chance: the timing and pairing of the relays (below), times for each
//! intermediary the share of the dump's amounts in the band its payment on had to hit,
//! times the dump's transfers, at most `expected_by_chance`. Once the money is shown to
//! carry on, the other accounts `u` paid once within a window of those payments that
//! paid `v` once within the window of being paid, whatever the sum (a mule passes on
//! what it is told to), join the hit as intermediaries and the reason counts them.
//!
//! Amounts that are sized afresh at every leg leave timing and pairing as the
//! evidence. Such a scatter-gather is still reported when `u` paid each `w` once only,
//! all within one window, each `w` paid `v` once only (looked for up to
//! `relay_horizon_days` after it was paid), and the product over the intermediaries of the chance that `w`
//! pays `v` that soon (the payments it makes in that time at its own rate, each going to
//! `v` with the share of its payments that go to `v`, or the share of the dump's accounts
//! that pay `v` when more; at most one), times the dump's transfers, is at most
//! `expected_by_chance` (as for cycles). A busy account has as many chances to meet a
//! target as it makes payments. It ranks a
//! little below one whose amounts carry on, and its reason gives the chance.
//!
//! Some mules carry the money on but take weeks to do it. Where timing alone does not
//! pass, the one-off relays that passed on most of what they got (from `min_retained`
//! of it to a little over), however late within `relay_horizon_days`, are read on their
//! timing, pairing and amounts: per relay, the share of the dump's amounts in the band
//! it hit, times the subsets of the source's one-off payees that carried a receipt on
//! to anyone that these relays are one of. At least `min_intermediaries` must have
//! carried; those alone make the hit. Once a scatter is shown to carry on within the
//! window, the others the source paid once in the same days that passed most of what
//! they got on to the same target later join it too.
//!
//! Mules who keep a fixed cut pass the rest on whenever they get round to it. A
//! scatter-gather is also reported when at least `min_intermediaries` intermediaries,
//! each paid once by `u`, each paid `v` once (looked for up to `relay_horizon_days` later) the
//! same share of what they received, within one per cent, and the chance of that timing,
//! pairing and those amounts (for every intermediary after the first, the share of the
//! dump's amounts in the band its payment had to hit, times the shares tried) passes the
//! same test. When several sources pay the intermediaries (mules pooling what several
//! controllers sent them), the share is of what those sources, each of which paid at
//! least two of them, paid each intermediary once within `relay_horizon_days` before its one
//! payment to `v`.
//!
//! Relays that each gather from several sources and scatter to several targets are
//! gather-scatter hubs on their own (gather_scatter's hits). Once every detector ran,
//! the hubs that took from one source `u` and paid one target `v` are joined into one
//! scatter-gather through them ([`crate::detect::search::relay_groups`]), when such
//! sharing is expected by chance at most `expected_by_chance` times among the dump's
//! hubs (by how many others deal with `u` and `v`) and `u`'s side moved `min_amount`:
//! the hubs with the sources and targets two or more of them share, and the rest of
//! each hub's relays around them. A scatter-gather found in part (its intermediaries
//! count as hubs) joins the hubs of the rest. A hub relays in one scatter-gather: two
//! cases that share one relay stay two.
//!
//! ## Why it matters
//! typologies.md defines scatter-gather as `u -> {w_i} -> v` reported when the set of
//! intermediaries has at least two members inside the window; it is labelled in
//! AMLworld and AMLSim and is the motif form of OS4 (which adds offshore intermediaries).
//!
//! ## Example
//! ```text
//!      ┌─> W1 ─┐
//! U ───┼─> W2 ─┼──> V      U sent 30,000; V got 28,500 within 6 days
//!      └─> W3 ─┘
//! ```
//!
//! ## Parameters
//! `[scatter_gather]`: `window_days` (7, per leg pair), `min_intermediaries` (2, the
//! definition), `min_retained` (0.8: what reaches `v` / what `u` sent the intermediaries,
//! typologies.md OS4), `min_amount` (`p50` sent), `expected_by_chance` (1, for
//! scatter-gathers whose amounts do not carry on), `relay_horizon_days` (60: a quiet
//! mule may take weeks to pass money on, as a loop of strangers may take two months to
//! close; the chance decides, and a longer wait only costs evidence, since each relay
//! is then one of more payments the account made), `skip_business_to_business`,
//! `channels` (all but card).
//!
//! ## Look-alikes
//! Two friends each paying the same landlord after a parent sent them money forward
//! little of it, and they pay the landlord every month; tenants who pay their usual rent
//! after a relative sent them a little more pass on a sum their habit sized, so its size
//! is no evidence of money carried on (amounts count only for payees paid once); staff paid by a payroll every
//! month who spend at the same store after payday are paid by habit, not once;
//! company-to-company trade is left out; busy intermediaries (merchants, employers)
//! send so often that their habit explains a payment on within weeks; distributors that
//! each pay a big importer most of the market pays do so by trade, and so do traders
//! (holder kinds not given) that pay a supplier most of their peers pay, the accounts
//! that pay what they pay, however few of the dump's households pay it; staff who pass a like
//! share of their monthly pay on to one landlord are paid by habit, which no one-off
//! scatter is; collection agents pass their customers' takings, less a fixed fee, to
//! their principal every week, by habit too. Two active people whom a parent paid,
//! each paying the landlord thirty others pay within days a sum their money covers,
//! are a coincidence a busy dump holds many of: two relays of carried amounts are not
//! unlikely enough, five are, unless the parent paid forty relatives that day, any five
//! of whom might have been the ones to pay the landlord (the subsets of the source's
//! relaying payees count as tried, for relays within the window and later alike).
//! Friends who take turns paying for the group pass shares
//! on through one another within days, but each payment runs along a relationship that
//! goes both ways (each had paid the other before, or would): no split of one sum.
//! Travellers whom friends sent money change nearly all of it at one FX dealer: they
//! agree on a share near all of what they had because that is what passing on what one
//! has means, so only the band's share of what each could have paid on counts, not its
//! share of the dump's amounts. A bursary fund pays twenty students their grant at the
//! start of term, and each pays the halls its term's rent within days, as the halls'
//! hundred other residents do: relays that pay a target its going price (its other
//! payers, twice as many in the same days, paying within half again of each other) in
//! the days its crowd does pass on nothing that gathers. Joined from hubs: two relays
//! whose shared source is the town's employer and shared target its busiest shop share
//! what most of the dump deals with; relays that share a source but pay targets of
//! their own are two hubs.

use crate::config::params::{Channels, Count, Days, Multiple, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use std::collections::BTreeSet;

use crate::detect::graded::Graded;
use crate::detect::search::relay_groups::{self, RelayGroup};
use crate::detect::search::scatter_gather::{self, Spec};
use crate::detect::{Context, Detector, Found, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::novelty::AmountNovelty;
use crate::pattern::Pattern;
use crate::units::{counted_words, days_to_seconds, fmt_amount, fmt_odds, format_date, seconds_to_days};
use serde::{Deserialize, Serialize};

/// Parameters of the scatter-gather motif.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScatterGatherConfig {
    /// Each intermediary forwards within this many days of receiving.
    pub window_days: Days,
    /// Distinct intermediaries.
    pub min_intermediaries: Count<2>,
    /// Money reaching the target / money sent to the intermediaries.
    pub min_retained: Share,
    /// Smallest amount sent, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// When the amounts do not carry on: most scatter-gathers with timing and pairing as
    /// unlikely expected by chance among the dump's transfers.
    pub expected_by_chance: Multiple,
    /// How long after being paid an intermediary's one-off payment on is still read
    /// where the chance test decides (legs sized afresh, the same share kept, pooled
    /// sources): it only bounds the search.
    pub relay_horizon_days: Days,
    /// Leave out transfers between two companies (when holder kinds are known).
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Channels,
}

/// scatter_gather detector.
pub struct ScatterGather;

impl Detector for ScatterGather {
    fn chance_budget(&self, config: &Config) -> Option<f64> {
        Some(config.scatter_gather.expected_by_chance.get())
    }

    fn lookback(&self, _: &Config) -> Lookback {
        Lookback::unbounded(
            "legs through the same intermediaries add up over the dump",
            &[
                Reads::AmountQuantiles,
                Reads::AccountRate,
                Reads::AccountHistory,
                Reads::PairCounts,
                Reads::Popularity,
                Reads::TwoWay,
                Reads::Reference,
            ],
        )
    }

    fn pattern(&self) -> Pattern {
        Pattern::ScatterGather
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn part_rule(&self, config: &Config) -> Option<PartRule> {
        Some(scatter_gather::part_rule(&spec(config, 0.0)))
    }

    fn found_in_part(&self, part: &Context<'_>) -> Option<Found> {
        let spec = spec_in(part);
        Some(Found::ScatterGathers(scatter_gather::found_in(part, &spec)))
    }

    fn run_on_found(&self, one_place: &Context<'_>, found: Vec<Found>) -> Outcome {
        let spec = spec_in(one_place);
        Outcome { hits: scatter_gather::from_parts(one_place, &spec, found), notes: Vec::new() }
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let spec = spec_in(ctx);
        Outcome { hits: scatter_gather::all(ctx, &spec), notes: Vec::new() }
    }

    fn search_graded(&self, ctx: &Context<'_>, times: f64) -> Option<Box<dyn Graded>> {
        Some(Box::new(Kept(scatter_gather::searched(ctx, &spec_in(ctx), times))))
    }

    fn join(&self, ctx: &Context<'_>, standing: &[Vec<Hit>]) -> Outcome {
        let cfg = &ctx.config.scatter_gather;
        let g = ctx.graph;
        let floor = g.scale.floor(cfg.min_amount);
        let groups = relay_groups::find(
            g,
            standing.iter().flatten(),
            cfg.min_intermediaries.get(),
            cfg.expected_by_chance.get(),
        );
        let hits: Vec<Hit> = groups.iter().filter_map(|r| joined_hit(ctx, r, floor)).collect();
        Outcome::counted(hits, "scatter-gather(s) joined from gather-scatter hubs that took from the same source and paid the same target")
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[Pattern::Os4, Pattern::Ub1, Pattern::Ub4, Pattern::Ub5, Pattern::Stack, Pattern::Bipartite]
    }
}

/// The scatter-gathers one search kept for chance budgets up to a widest one.
struct Kept(scatter_gather::Scanned);

impl Graded for Kept {
    fn at(&self, ctx: &Context<'_>) -> Option<Outcome> {
        let budget = ctx.config.scatter_gather.expected_by_chance.get();
        Some(Outcome { hits: self.0.at(ctx, Some(budget))?, notes: Vec::new() })
    }
}

/// The hit of a scatter-gather joined from gather-scatter hubs, when its sources sent
/// them `floor` or more: its sources, hubs and targets, with the rest of each hub's
/// relays around them.
fn joined_hit(ctx: &Context<'_>, group: &RelayGroup, floor: f64) -> Option<Hit> {
    let g = ctx.graph;
    let hub = |v: u32| group.intermediaries.binary_search(&v).is_ok();
    let mut b = HitBuilder::default();
    let (mut sent, mut passed, mut other_in, mut other_out) = (0.0, 0.0, 0.0, 0.0);
    let (mut other_sources, mut other_targets) = (BTreeSet::new(), BTreeSet::new());
    for (edges, around) in [(&group.edges, false), (&group.beside, true)] {
        for &e in edges {
            let (src, dst, a) = (g.src[e as usize], g.dst[e as usize], g.amount[e as usize]);
            if hub(dst) {
                let role = if around { Role::Source } else { Role::Originator };
                b.account(src, role, 0.0, a);
                b.account(dst, Role::Intermediary, a, 0.0);
                if around {
                    other_in += a;
                    other_sources.insert(src);
                } else {
                    sent += a;
                }
            } else {
                let role = if around { Role::Destination } else { Role::Target };
                b.account(src, Role::Intermediary, 0.0, a);
                b.account(dst, role, a, 0.0);
                if around {
                    other_out += a;
                    other_targets.insert(dst);
                } else {
                    passed += a;
                }
            }
            b.transfer(e);
        }
    }
    if sent < floor {
        return None;
    }
    let first = g.time[group.edges[0] as usize];
    let last = g.time[group.edges[group.edges.len() - 1] as usize];
    let centre: Vec<u32> =
        group.originators.iter().chain(&group.intermediaries).chain(&group.targets).copied().collect();
    let novelty = AmountNovelty::measure(g, &centre, &group.edges);
    // What else the same hubs took and paid, where they did.
    let mut around = Vec::new();
    if !other_sources.is_empty() {
        around.push(format!(
            "took {} from {}",
            fmt_amount(other_in),
            counted_words(other_sources.len(), "other source")
        ));
    }
    if !other_targets.is_empty() {
        around.push(format!(
            "paid {} to {}",
            fmt_amount(other_out),
            counted_words(other_targets.len(), "other payee")
        ));
    }
    let rest =
        if around.is_empty() { String::new() } else { format!("; the same hubs {}", around.join(" and ")) };
    let reason = format!(
        "{} ({}) paid {} intermediaries ({}) that paid {} ({}), each intermediary a gather-scatter hub of its own, from {} to {} ({:.1} days): {} transfers, {} in and {} on{}{rest} (chance that the dump's hubs share such sources and targets, by how many others deal with them: 1 in {})",
        counted_words(group.originators.len(), "source"),
        ctx.account_list(&group.originators),
        group.intermediaries.len(),
        ctx.account_list(&group.intermediaries),
        counted_words(group.targets.len(), "target"),
        ctx.account_list(&group.targets),
        format_date(first),
        format_date(last),
        seconds_to_days(last - first),
        group.edges.len(),
        fmt_amount(sent),
        fmt_amount(passed),
        novelty.words(),
        fmt_odds(group.expected_by_chance),
    );
    let shape = 0.5 + 0.1 * (group.intermediaries.len() as f64 - 2.0).clamp(0.0, 5.0);
    Some(b.finish(g, Pattern::ScatterGather, sent + other_in, 0.7 * shape + 0.3 * novelty.term(), reason))
}

/// The search under `ctx`'s configuration, its amount floor measured on `ctx`'s dump.
fn spec_in(ctx: &Context<'_>) -> Spec {
    spec(ctx.config, ctx.graph.scale.floor(ctx.config.scatter_gather.min_amount))
}

/// The search the motif runs under `config`, with its amount floor measured on the dump
/// (`min_amount`).
fn spec(config: &Config, min_amount: f64) -> Spec {
    let cfg = &config.scatter_gather;
    Spec {
        pattern: Pattern::ScatterGather,
        window: days_to_seconds(cfg.window_days.get()),
        horizon: days_to_seconds(cfg.relay_horizon_days.get()),
        min_intermediaries: cfg.min_intermediaries.get(),
        min_retained: cfg.min_retained.get(),
        min_amount,
        skip_b2b: cfg.skip_business_to_business,
        channels: cfg.channels.as_slice().to_vec(),
        offshore_only: false,
        expected_by_chance: Some(cfg.expected_by_chance.get()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{graded_as_searched, Tiny, D, H};
    use crate::detect::Hit;

    #[test]
    fn one_search_kept_for_wider_budgets_finds_there_what_a_search_under_them_finds() {
        graded_as_searched(&ScatterGather, 37, "");
    }

    fn case(t: &mut Tiny, mids: usize, keep: f64, delay: i64) {
        for k in 0..mids {
            let w = format!("W{k}");
            t.wire("U", &w, 10 * D + k as i64 * H, 8_000.0);
            t.wire(&w, "V", 10 * D + k as i64 * H + delay, 8_000.0 * keep);
        }
    }

    #[test]
    fn finds_split_and_gathered_money() {
        // In an everyday world: a dump of six transfers has nothing to weigh chance by.
        let mut t = Tiny::new();
        t.economy(500.0, 200, 200);
        case(&mut t, 3, 0.95, 2 * D);
        let hits = t.hits(&ScatterGather);
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].accounts.len(), hits[0].transfers.len()), (5, 6));
    }

    #[test]
    fn in_a_dump_of_dates_intermediaries_may_pass_it_on_the_day_they_got_it() {
        // Three intermediaries each paid and paying on within the hour: written as
        // dates, receipt and payment fall on one date and may be in order; written to
        // the second, a payment at the very second of the receipt is one batch with it.
        for (dates, found) in [(true, 1), (false, 0)] {
            let mut t = Tiny::new();
            t.economy(500.0, 200, 200);
            case(&mut t, 3, 0.95, 0);
            if dates {
                t.dump.transfers.time.iter_mut().for_each(|at| *at -= at.rem_euclid(D));
            }
            let hits = t.hits(&ScatterGather);
            assert_eq!(hits.len(), found, "dates {dates}: {hits:?}");
        }
    }

    #[test]
    fn students_paying_their_halls_the_rent_every_resident_pays_stay_quiet() {
        // A bursary pays eight students 1,800 each; within days each pays the halls its
        // term's rent, as forty other residents do from their own money.
        let term = |residents: i64| {
            let mut t = Tiny::new();
            t.economy(500.0, 200, 200);
            for k in 0..residents {
                t.wire(
                    &format!("RESIDENT{k}"),
                    "HALLS",
                    (10 + k % 6) * D + (k % 9) * H,
                    1_400.0 + (k % 5) as f64 * 40.0,
                );
            }
            for k in 0..8 {
                t.wire("BURSARY", &format!("STUDENT{k}"), 10 * D + k * H, 1_800.0);
                t.wire(
                    &format!("STUDENT{k}"),
                    "HALLS",
                    (11 + k % 4) * D + 5 * H,
                    1_400.0 + (k % 5) as f64 * 40.0,
                );
            }
            t
        };
        let t = term(40);
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
        // Not vacuous: the same eight paying an account no one else pays gather the grant.
        let hits = term(0).hits(&ScatterGather);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].accounts.len(), 10, "{hits:?}");
    }

    #[test]
    fn students_of_two_bursaries_paying_their_halls_the_same_rent_stay_quiet() {
        // Two bursaries each pay four students 1,800; each pays the halls the term's
        // 1,440, so all eight keep the same fifth, as forty other residents pay 1,440.
        let term = |residents: i64| {
            let mut t = Tiny::new();
            t.economy(500.0, 200, 200);
            for k in 0..residents {
                t.wire(&format!("RESIDENT{k}"), "HALLS", (10 + k % 6) * D + (k % 9) * H, 1_440.0);
            }
            for k in 0..8 {
                let bursary = if k < 4 { "BURSARY-A" } else { "BURSARY-B" };
                t.wire(bursary, &format!("STUDENT{k}"), (8 + k % 3) * D + k * H, 1_800.0);
                t.wire(&format!("STUDENT{k}"), "HALLS", (11 + k % 4) * D + 5 * H, 1_440.0);
            }
            t
        };
        let t = term(40);
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
        // Not vacuous: paying an account no one else pays, they are one pooled gather.
        let hits = term(0).hits(&ScatterGather);
        assert!(!hits.is_empty(), "{hits:?}");
    }

    #[test]
    fn a_mule_that_passed_on_a_sum_of_its_own_joins_the_carried_split() {
        let mut t = Tiny::new();
        t.economy(500.0, 200, 200);
        case(&mut t, 3, 0.95, 2 * D);
        // A fourth mule, paid in the same hours, passes on a sum it was told to: more
        // than it got, so none of U's money can be shown to carry on through it.
        t.wire("U", "W3", 10 * D + 3 * H, 8_000.0);
        t.wire("W3", "V", 12 * D, 9_500.0);
        // A fifth, paid in the same hours, passes on most of what it got weeks later:
        // a mule that took its time.
        t.wire("U", "SLOW", 10 * D + 4 * H, 8_000.0);
        t.wire("SLOW", "V", 30 * D, 7_400.0);
        // Not of it: a payee U paid once who paid V a sum of its own weeks later, and U's
        // landlord, paid every month, who paid V once in the same days.
        t.wire("U", "LATE", 10 * D + 4 * H, 8_000.0);
        t.wire("LATE", "V", 31 * D, 3_000.0);
        for month in 0..5 {
            t.wire("U", "LANDLORD", (1 + 30 * month) * D, 900.0);
        }
        t.wire("LANDLORD", "V", 11 * D, 5_000.0);
        let hits = t.hits(&ScatterGather);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!((hits[0].accounts.len(), hits[0].transfers.len()), (7, 10), "{hits:?}");
        assert!(hits[0].reason.contains("2 more it paid once"), "{}", hits[0].reason);
        for (mule, joins) in [("W3", true), ("SLOW", true), ("LATE", false), ("LANDLORD", false)] {
            let mule = t.dump.accounts.intern(mule);
            assert_eq!(hits[0].accounts.iter().any(|a| a.account == mule), joins, "{hits:?}");
        }
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        case(&mut t, 1, 0.95, 2 * D);
        assert!(t.hits(&ScatterGather).is_empty(), "one intermediary");
        let mut t = Tiny::new();
        case(&mut t, 3, 0.7, 2 * D);
        assert!(t.hits(&ScatterGather).is_empty(), "70% retained");
        let mut t = Tiny::new();
        case(&mut t, 3, 0.95, 8 * D);
        assert!(t.hits(&ScatterGather).is_empty(), "forwarded after the window");
        let mut t = Tiny::new();
        case(&mut t, 2, 0.95, -H);
        assert!(t.hits(&ScatterGather).is_empty(), "forwarded before receiving");
    }

    /// A parent sends each of `children` 900 on day 100, and each pays the landlord of
    /// their shared flat 850 two days later. The children spend every other day, and the
    /// landlord, a company, lets thirty other flats, paid every month.
    fn children_paying_rent(children: i64) -> Tiny {
        let mut t = Tiny::new();
        t.economy(500.0, 200, 200);
        t.company("LANDLORD", "US");
        t.person("PARENT", "US");
        for m in 0..6 {
            for k in 0..30 {
                t.wire(&format!("TENANT{k}"), "LANDLORD", (m * 30 + 1) * D + k * H, 800.0 + k as f64);
            }
        }
        for k in 0..children {
            let child = format!("CHILD{k}");
            t.person(&child, "US");
            for d in 0..100 {
                t.wire(&child, &format!("SHOP{k}"), 2 * d * D + 5 * H, 15.0);
            }
            t.wire("PARENT", &child, 100 * D + k * H, 900.0);
            t.wire(&child, "LANDLORD", 102 * D + k * H, 850.0);
        }
        t
    }

    #[test]
    fn tenants_paying_their_usual_rent_after_a_parent_paid_them_stay_quiet() {
        // The five children of `children_paying_rent(5)` (found: see above), who also
        // pay the landlord 850 every other month: the rent is sized by habit, not by
        // what the parent sent, and carries no evidence of money passed on.
        let mut t = children_paying_rent(5);
        for k in 0..5 {
            for m in [0, 1, 2, 4, 5] {
                t.wire(&format!("CHILD{k}"), "LANDLORD", (m * 30 + 2) * D + k * H, 850.0);
            }
        }
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
    }

    /// `children_paying_rent(paying)`, with `payer` paying 35 other relatives 900 the
    /// same day, each of whom pays its own garage 850 two days later: the dump is the
    /// same whoever pays them.
    fn family_paying_rent(paying: i64, payer: &str) -> Tiny {
        let mut t = children_paying_rent(paying);
        for k in 0..35 {
            let relative = format!("RELATIVE{k}");
            t.person(&relative, "US");
            for d in 0..100 {
                t.wire(&relative, &format!("STORE{k}"), 2 * d * D + 7 * H, 15.0);
            }
            t.wire(payer, &relative, 100 * D + (paying + k) * H, 900.0);
            t.wire(&relative, &format!("GARAGE{k}"), 102 * D + k * H, 850.0);
        }
        t
    }

    #[test]
    fn three_of_thirty_eight_relatives_a_parent_paid_paying_one_landlord_stay_quiet() {
        // A parent who pays thirty-eight relatives a sum, three of whom pay the landlord
        // thirty others pay within days, keeping the same share: any three of them
        // could have been the ones. When the parent paid only those three, they are.
        let t = family_paying_rent(3, "PARENT");
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
        assert_eq!(family_paying_rent(3, "UNCLE").hits(&ScatterGather).len(), 1, "not vacuous");
    }

    #[test]
    fn two_children_paying_the_same_landlord_after_a_parent_paid_them_stay_quiet() {
        // Two active accounts paying a landlord thirty others pay, within days of being
        // paid by the same parent: everyday life. Five strangers each passing on nearly
        // all they received, in the same days, are not.
        let t = children_paying_rent(2);
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
        assert_eq!(children_paying_rent(5).hits(&ScatterGather).len(), 1, "not vacuous");
    }

    /// The one scatter-gather of `t`'s dump (fails the test when there is not exactly one).
    fn the_one_hit(t: &Tiny) -> Hit {
        let mut hits = t.hits(&ScatterGather);
        assert_eq!(hits.len(), 1, "{hits:?}");
        hits.remove(0)
    }

    /// `mules` quiet intermediaries, each paying its own shop every `every` days over two
    /// hundred, that each pay `v` once, `delay` after `U`'s one payment; `v` is paid by
    /// `v_payers` others.
    fn slow_relay(t: &mut Tiny, v: &str, delay: i64, v_payers: usize, every: i64, mules: i64) {
        t.economy(500.0, 200, 200);
        for k in 0..mules {
            let w = format!("W{k}");
            for d in 0..200 / every {
                t.wire(&w, &format!("SHOP{k}"), d * every * D + 5 * H, 40.0);
            }
            t.wire("U", &w, 100 * D + k * H, 900.0);
            t.wire(&w, v, 100 * D + k * H + delay, 300.0 + 250.0 * k as f64);
        }
        for k in 0..v_payers {
            t.wire(&format!("CLIENT{k}"), v, (k as i64 % 190) * D + 7 * H, 400.0);
        }
    }

    #[test]
    fn legs_sized_afresh_are_found_on_timing_when_the_intermediaries_are_quiet() {
        // Each intermediary pays its own shop every ten days; V it pays once, within a
        // day of U's one payment, of an amount unrelated to what it received.
        let mut t = Tiny::new();
        slow_relay(&mut t, "V", 20 * H, 0, 10, 3);
        let hit = the_one_hit(&t);
        assert!(hit.reason.contains("though none of them usually pays it"), "{}", hit.reason);
        assert_eq!(hit.transfers.len(), 6);
    }

    #[test]
    fn friends_passing_shares_on_through_one_another_stay_quiet() {
        // Look-alike: the same timing among friends who take turns paying for the group:
        // each has paid U its share before, and V has paid each of them theirs, so every
        // payment runs along a relationship that goes both ways.
        let mut t = Tiny::new();
        slow_relay(&mut t, "V", 20 * H, 0, 10, 3);
        for k in 0..3 {
            let w = format!("W{k}");
            t.wire(&w, "U", (40 + k as i64) * D, 35.0);
            t.wire("V", &w, (60 + k as i64) * D, 28.0);
        }
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
    }

    #[test]
    fn quiet_intermediaries_that_relay_weeks_later_are_found_on_timing() {
        // Two weeks is beyond the window, but accounts that pay their shop once a month
        // rarely send anything within two weeks of being paid, and each pays V once in
        // two hundred days: all three paying V within those two weeks is no habit. (Had
        // they paid every ten days, they would send a payment or two in any two weeks,
        // and three of those landing on one payee by chance is one in two hundred: no
        // evidence in a dump of a few hundred transfers.)
        let mut t = Tiny::new();
        slow_relay(&mut t, "V", 14 * D, 0, 30, 3);
        let hit = the_one_hit(&t);
        assert!(hit.reason.contains("within 14.0 days of receiving"), "{}", hit.reason);
    }

    #[test]
    fn quiet_mules_that_relay_five_weeks_later_are_found_on_timing() {
        // Past four windows: five accounts that pay their shop once a month each pay V
        // once, five weeks after U paid them. Each such payment falls in those five weeks
        // one time in six; all five doing so is more than chance in this dump.
        let mut t = Tiny::new();
        slow_relay(&mut t, "V", 35 * D, 0, 30, 5);
        let hit = the_one_hit(&t);
        assert!(hit.reason.contains("within 35.0 days of receiving"), "{}", hit.reason);
        // Beyond the horizon the search does not look.
        let mut short = t;
        short.config.scatter_gather.relay_horizon_days =
            crate::config::params::Days::try_from(28.0).expect("days");
        assert!(short.hits(&ScatterGather).is_empty());
    }

    /// Three busy intermediaries, each paying its own shop every five days over two
    /// hundred, that U pays once each on day 100 (900, 1,400 and 2,100); twelve days
    /// later each pays V once: 93% of what it got where `carried`, else 300.
    fn late_relay(t: &mut Tiny, carried: [bool; 3]) {
        t.economy(500.0, 200, 200);
        for (k, (&got, carries)) in [900.0, 1_400.0, 2_100.0].iter().zip(carried).enumerate() {
            let w = format!("W{k}");
            for d in 0..40 {
                t.wire(&w, &format!("SHOP{k}"), d * 5 * D + 5 * H, 40.0);
            }
            t.wire("U", &w, 100 * D + k as i64 * H, got);
            t.wire(&w, "V", 112 * D + k as i64 * H, if carries { got * 0.93 } else { 300.0 });
        }
    }

    #[test]
    fn busy_intermediaries_passing_on_most_of_what_they_got_weeks_later_are_found() {
        // Beyond the window, and the intermediaries send every five days: timing alone
        // is no evidence (two payments each in those twelve days, any payee). But each
        // pays V, whom it never paid, 93% of what U sent it: three amounts that each had
        // to land in a narrow band of the dump's.
        let mut t = Tiny::new();
        late_relay(&mut t, [true; 3]);
        let hit = the_one_hit(&t);
        assert!(hit.reason.contains("each passed most of it"), "{}", hit.reason);
        assert!(hit.reason.contains("(4,092, 93%) on to V within 12.0 days"), "{}", hit.reason);
        assert_eq!((hit.accounts.len(), hit.transfers.len()), (5, 6));
    }

    #[test]
    fn one_late_relay_that_carried_beside_others_that_did_not_stays_quiet() {
        // Near miss: one of the three passes on what it got; the other two pay V a sum
        // of their own. One carried amount among busy accounts' payments is chance, and
        // the two sized afresh carry no amount evidence.
        let mut t = Tiny::new();
        late_relay(&mut t, [true, false, false]);
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
        // Two that carried are enough, and the hit names only those two.
        let mut t = Tiny::new();
        late_relay(&mut t, [true, false, true]);
        let hit = the_one_hit(&t);
        assert_eq!(hit.transfers.len(), 4, "{}", hit.reason);
    }

    #[test]
    fn distributors_paying_a_big_importer_stay_quiet() {
        // The same timing, but the payee is an importer that most of the market pays:
        // paying it is trade, not a pairing.
        let mut t = Tiny::new();
        slow_relay(&mut t, "IMPORTER", 14 * D, 60, 30, 3);
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
    }

    #[test]
    fn staff_who_all_shop_at_one_store_after_payday_stay_quiet() {
        // The payroll look-alike: an employer pays eight staff every month; one month they
        // all buy from the same new store within a day of payday.
        let mut t = Tiny::new();
        t.economy(500.0, 200, 200);
        for m in 0..6 {
            for k in 0..8 {
                t.wire("EMPLOYER", &format!("STAFF{k}"), (m * 30 + 25) * D + k * 60, 3_000.0);
            }
        }
        for k in 0..8 {
            t.wire(&format!("STAFF{k}"), "STORE", (3 * 30 + 25) * D + 6 * H + k * H, 80.0 + k as f64);
        }
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
    }

    /// Four intermediaries, each paying its own shop every ten days, that `U` pays once
    /// over two weeks (`sizes`); each passes `keep` of it on to `V` once, 10 to 25 days
    /// later.
    fn kept_share(t: &mut Tiny, sizes: &[f64], keep: &[f64]) {
        t.economy(500.0, 200, 200);
        for (k, (&size, &kept)) in sizes.iter().zip(keep).enumerate() {
            let (w, k) = (format!("W{k}"), k as i64);
            for d in 0..20 {
                t.wire(&w, &format!("SHOP{k}"), d * 10 * D + 5 * H, 40.0);
            }
            t.wire("U", &w, (100 + 4 * k) * D, size);
            t.wire(&w, "V", (110 + 5 * k) * D + 3 * H, (size * kept * 100.0).round() / 100.0);
        }
    }

    #[test]
    fn intermediaries_keeping_the_same_share_weeks_later_are_found() {
        // Mules who keep a tenth and pass the rest on, whenever they get round to it:
        // slower than any window, but four amounts that are each nine tenths of what
        // came in are no coincidence.
        let mut t = Tiny::new();
        kept_share(&mut t, &[2_150.0, 4_480.0, 3_020.0, 5_310.0], &[0.9; 4]);
        let hit = the_one_hit(&t);
        assert!(hit.reason.contains("each kept 10.0%"), "{}", hit.reason);
        assert_eq!(hit.transfers.len(), 8);
        // Shares that differ (a tenth, a quarter, a twentieth, a fifth kept) are four
        // payments sized afresh, and that slow, no evidence.
        let mut t = Tiny::new();
        kept_share(&mut t, &[2_150.0, 4_480.0, 3_020.0, 5_310.0], &[0.9, 0.75, 0.95, 0.8]);
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
    }

    #[test]
    fn staff_passing_a_like_share_of_their_pay_to_one_landlord_stay_quiet() {
        // The payroll look-alike: the employer pays its staff every month, so its
        // payments are habit, and so is what they pass on, however alike the shares.
        let mut t = Tiny::new();
        t.economy(500.0, 200, 200);
        for m in 0..6 {
            for k in 0..4 {
                t.wire(
                    "EMPLOYER",
                    &format!("STAFF{k}"),
                    (m * 30 + 25) * D + k * 60,
                    3_000.0 + 500.0 * k as f64,
                );
            }
        }
        for k in 0..4 {
            let pay = 3_000.0 + 500.0 * k as f64;
            t.wire(&format!("STAFF{k}"), "LANDLORD", (3 * 30 + 40) * D + k * D, pay * 0.9);
        }
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
    }

    #[test]
    fn travellers_changing_what_friends_sent_them_at_one_dealer_stay_quiet() {
        // An FX dealer thirty customers pay. Five travellers, each sent money once by
        // two friends, change nearly all of it there a week later: 96% give or take
        // half a point, since a traveller changes what it has. Passing most of a receipt
        // on was what made each a candidate; agreeing on a share near all of it is what
        // people who pass on what they have do.
        let mut t = Tiny::new();
        t.economy(500.0, 200, 200);
        for k in 0..30i64 {
            t.wire(&format!("CUSTOMER{k}"), "DEALER", (k * 6 + 1) * D, 300.0 + 7.0 * k as f64);
        }
        for k in 0..5i64 {
            let w = format!("TRAVELLER{k}");
            for d in 0..6 {
                t.wire(&w, &format!("SHOP{k}"), d * 30 * D + 5 * H, 40.0);
            }
            let mut pooled = 0.0;
            for j in 0..2i64 {
                let amount = 400.0 + 130.0 * ((k * 2 + j) % 5) as f64;
                t.wire(&format!("FRIEND{}", (k + j) % 6), &w, (100 + 2 * k + j) * D, amount);
                pooled += amount;
            }
            let share = 0.955 + 0.002 * k as f64;
            t.wire(&w, "DEALER", (110 + 3 * k) * D + 4 * H, (pooled * share * 100.0).round() / 100.0);
        }
        let hits = t.hits(&ScatterGather);
        assert!(hits.is_empty(), "{hits:?}");
    }

    #[test]
    fn mules_pooling_several_sources_and_keeping_the_same_cut_are_found() {
        // Three controllers each pay three of four mules once; each mule, a fortnight or
        // so later, passes nine tenths of what the three paid it on to V.
        let mut t = Tiny::new();
        t.economy(500.0, 200, 200);
        let sources = ["S0", "S1", "S2"];
        for k in 0..4i64 {
            let w = format!("W{k}");
            for d in 0..20 {
                t.wire(&w, &format!("SHOP{k}"), d * 10 * D + 5 * H, 40.0);
            }
            let mut pooled = 0.0;
            for (j, s) in sources.iter().enumerate().filter(|(j, _)| *j as i64 != k % 3) {
                let amount = 1_100.0 + 370.0 * ((k * 3 + j as i64) % 5) as f64;
                t.wire(s, &w, (100 + 2 * k + j as i64) * D, amount);
                pooled += amount;
            }
            t.wire(&w, "V", (112 + 3 * k) * D + 4 * H, (pooled * 0.9 * 100.0).round() / 100.0);
        }
        let hits = t.hits(&ScatterGather);
        let pooled: Vec<_> = hits.iter().filter(|h| h.reason.contains("3 sources")).collect();
        assert_eq!(pooled.len(), 1, "{hits:?}");
        assert!(pooled[0].reason.contains("each kept 10.0%"), "{}", pooled[0].reason);
        assert_eq!(pooled[0].transfers.len(), 4 * 2 + 4);
    }

    #[test]
    fn three_payers_of_a_popular_target_keeping_the_same_cut_by_chance_stay_quiet() {
        // Look-alike: a car dealer is paid once by forty buyers, each of whom was paid a
        // sum once a week or so before (a bonus, a loan, a sale of their own) and paid
        // the dealer part of it. Three of them happen to have been paid by the same
        // two lenders and to pay nine tenths of it: three agreeing among forty who
        // might have, where three of three would be mules keeping a cut.
        let world = |others: i64| {
            let mut t = Tiny::new();
            t.economy(500.0, 200, 200);
            for k in 0..3i64 {
                let w = format!("W{k}");
                for d in 0..20 {
                    t.wire(&w, &format!("SHOP{k}"), d * 10 * D + 5 * H, 40.0);
                }
                let mut pooled = 0.0;
                for (j, s) in ["S0", "S1"].iter().enumerate() {
                    let amount = 1_100.0 + 370.0 * ((k * 3 + j as i64) % 5) as f64;
                    t.wire(s, &w, (100 + 2 * k + j as i64) * D, amount);
                    pooled += amount;
                }
                t.wire(&w, "V", (112 + 3 * k) * D + 4 * H, (pooled * 0.9 * 100.0).round() / 100.0);
            }
            for k in 0..others {
                let buyer = format!("BUYER{k}");
                for d in 0..20 {
                    t.wire(&buyer, &format!("SHOP{}", k % 5), d * 10 * D + 7 * H, 40.0);
                }
                let paid = 1_000.0 + 53.0 * k as f64;
                t.wire(&format!("PAYER{k}"), &buyer, (95 + k % 20) * D, paid);
                t.wire(
                    &buyer,
                    "V",
                    (102 + k % 20) * D + 2 * H,
                    (paid * (0.3 + 0.01 * (k % 40) as f64)).round(),
                );
            }
            t.hits(&ScatterGather).into_iter().filter(|h| h.reason.contains(" sources (")).count()
        };
        assert_eq!(world(0), 1, "three of three agreeing are mules keeping a cut");
        assert_eq!(world(37), 0, "three of forty agreeing is chance");
    }

    #[test]
    fn collection_agents_forwarding_takings_less_a_fee_every_week_stay_quiet() {
        // Look-alike: agents collect from the same customers and pass the week's takings,
        // less a 2% fee, to their principal every week: a fixed cut, but habit.
        let mut t = Tiny::new();
        t.economy(500.0, 200, 200);
        for week in 0..12i64 {
            for k in 0..3i64 {
                let w = format!("AGENT{k}");
                let mut takings = 0.0;
                for c in 0..3i64 {
                    let amount = 300.0 + 40.0 * ((week + c + k) % 4) as f64;
                    t.wire(&format!("CUSTOMER{c}"), &w, (week * 7 + c) * D, amount);
                    takings += amount;
                }
                t.wire(&w, "PRINCIPAL", (week * 7 + 5) * D, (takings * 0.98 * 100.0).round() / 100.0);
            }
        }
        assert!(t.hits(&ScatterGather).is_empty(), "{:?}", t.hits(&ScatterGather));
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(6, 40, 200, 60);
        case(&mut t, 2, 0.9, 3 * D);
        t.reverse_rows();
        assert_eq!(t.hits(&ScatterGather).iter().filter(|h| h.reason.starts_with("U split")).count(), 1);
    }

    /// Splits carried on within days, a source whose legs through one target are months
    /// apart, mules pooling several sources and quiet accounts relaying weeks later, at
    /// random times in an everyday world, cut into parts of any length: the same hits.
    mod in_parts {
        use super::*;
        use crate::detect::parts::{in_part_order, run_in_parts, Partition};
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(10))]
            #[test]
            fn parts_of_any_length_give_the_whole_dumps_hits(
                window_h in 6i64..900,
                days in proptest::collection::vec(5i64..150, 4),
                delay_h in 1i64..140,
            ) {
                let mut t = Tiny::new();
                t.economy(500.0, 200, 200);
                for (c, &day) in days.iter().enumerate() {
                    // A split carried on.
                    for k in 0..3i64 {
                        let w = format!("C{c}W{k}");
                        t.wire(&format!("C{c}U"), &w, day * D + k * H, 8_000.0 + 10.0 * k as f64);
                        t.wire(&w, &format!("C{c}V"), day * D + k * H + delay_h * H, 7_700.0);
                    }
                    // The same source and target through others, fifty days on.
                    let w = format!("C{c}X");
                    t.wire(&format!("C{c}U"), &w, (day + 50) * D, 6_000.0);
                    t.wire(&w, &format!("C{c}V"), (day + 50) * D + delay_h * H, 5_900.0);
                    // Quiet mules pooling two sources and keeping a tenth.
                    for k in 0..3i64 {
                        let w = format!("P{c}W{k}");
                        let (a, b) = (1_000.0 + 170.0 * k as f64, 1_300.0 + 90.0 * k as f64);
                        t.wire(&format!("P{c}S0"), &w, day * D + k * H, a);
                        t.wire(&format!("P{c}S1"), &w, day * D + (k + 5) * H, b);
                        t.wire(&w, &format!("P{c}V"), (day + 9) * D + k * H, ((a + b) * 0.9 * 100.0).round() / 100.0);
                    }
                }
                t.reverse_rows();
                let g = t.graph();
                let ctx = Context::new(&g, &t.dump, &t.config);
                let rule = ScatterGather.part_rule(&t.config).expect("a rule");
                let mut whole = ScatterGather.run(&ctx).hits;
                in_part_order(rule, &mut whole);
                let parts = Partition::of(&g, window_h * H).expect("transfers");
                let (in_parts, _) = run_in_parts(&ScatterGather, &ctx, rule, &parts).expect("parts run here");
                prop_assert!(whole.len() >= days.len(), "{}", whole.len());
                prop_assert_eq!(in_parts.hits, whole);
            }
        }
    }
}

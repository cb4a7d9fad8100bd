//! random — money walked from account to account without coming back (generic motif).
//!
//! ## What it finds
//! A time-respecting path of at least `min_hops` transfers through ordinary (not
//! business-like, not licensed) accounts, each passing on at least `min_pass_through`
//! of what it received (and no more) within `max_hop_delay_days`, that never returns to
//! an account it already passed: the AMLworld / AMLSim "random" typology; and more than
//! chance (`graph/algo/chance.rs`): walks as unlikely would arise by chance at most
//! `expected_by_chance` times in the dump. Each hop's chance is that its account, at its
//! own rate, sends within `max_hop_delay_days` (any such send could have continued the
//! walk), times the share of the dump's amounts within the pass-through band (widened by
//! the unit the hops' amounts are written to: in whole units, 7 is anything from 6.5 to
//! 7.5). A second
//! search lets each hop take up to `slow_hop_delay_days` (a week, OS2's per-hop delay),
//! for walks through quiet accounts that take their time; its chance counts every send
//! a busy account makes in the week. A walk is reported when either search's chance
//! passes, each held to half of `expected_by_chance`, the quick one read first.
//!
//! A walk whatever its amounts is read where each hand-over was made off its payer's
//! own rhythm (an account whose payments keep their days, most of its days on one day
//! of a step: [`crate::graph::algo::rhythm_breaks`]), or by a private account that
//! keeps no rhythm at all, within `slow_hop_delay_days` of its payer being paid, at
//! least `rhythm_min_hops` transfers, the first and at least half of them off their
//! payers' rhythms
//! ([`crate::graph::algo::rhythm_walks`]): each hand-over's chance is that its payer
//! pays off its rhythm within the delay at its peers' rate (the dump's rhythmic persons,
//! or businesses, and how often they pay on days off their rhythm), or, keeping none,
//! that it pays anyone within the delay at its own rate over the dump (as a prompt
//! relay's); the tries are the dump's
//! payments made off their payer's rhythm, held to half of `expected_by_chance` as
//! each search above is (three readings: at most one and a half walks by chance in
//! all). Money handed on by people whose other payments keep their own days was handed
//! on on someone else's, and a quiet account between two of them that paid on the day
//! after it was paid carried it. Such a walk is read from timing, so a loop read from
//! timing through most of its accounts explains it ([`Hit::by_timing`]).
//!
//! ## Why it matters
//! typologies.md: "random is a walk that does not return". Money walked hop by hop
//! through private accounts is layering without a visible shape; each hop alone looks
//! like a private payment. The search is OS2's chain search (bounded, time- and
//! amount-monotone, one per starting transfer), run over private accounts.
//!
//! ## Example
//! ```text
//! A ─9,000─> B ─8,700 (1 d)─> C ─8,300 (2 d)─> D ─8,000 (1 d)─> E
//! ```
//!
//! ## Parameters
//! `[random]`: `min_hops` (4), `max_hops` (10), `min_pass_through` (0.8, OS2's),
//! `max_hop_delay_days` (3), `slow_hop_delay_days` (7), `min_amount` (`p25` first hop;
//! of a walk off its payers' rhythms, its largest),
//! `search_budget`, `expected_by_chance` (1, as for cycles), `rhythm_min_hops` (3).
//!
//! ## Look-alikes
//! A household passes on a share of what it gets, days or weeks later, and never the
//! whole of it four times in a row. Businesses and licensed remitters pass money on by
//! trade and are not walked through. Chains through shells are OS2; walks that come
//! back are cycles. In a busy dump (platforms, shops, people paying each other all
//! week), everyday amounts passed on within days chain by chance, and stay quiet. Friends
//! paying each other back on any day, beside their standing orders: where the dump's
//! rhythmic households pay off their rhythm every week or two, three such hand-overs in
//! three days are their everyday; and a household without standing orders that pays
//! someone most days pays on the day after it was paid as a matter of course, so it
//! adds nothing between two breaks.

use rayon::prelude::*;

use crate::config::params::{Count, Days, Multiple, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::context::PartEdges;
use crate::detect::graded::Graded;
use crate::detect::handed::Handed;
use crate::detect::{Context, Detector, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::chains::{self, chain_from, ChainSpec, MAX_GROWTH};
use crate::graph::algo::chance::{most_likely, path_chance};
use crate::graph::algo::rhythm_breaks::OffRhythmPayments;
use crate::graph::algo::rhythm_walks::{begins_a_walk, longest_walk, WalkSpec};
use crate::graph::FlowGraph;
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount, fmt_odds, seconds_to_days};
use serde::{Deserialize, Serialize};

/// Parameters of the random walk-through motif.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomWalkConfig {
    /// Fewest transfers.
    pub min_hops: Count<2>,
    /// Most transfers followed.
    pub max_hops: Count<2>,
    /// Each hop carries at least this share of the previous.
    pub min_pass_through: Share,
    /// Each hop within this many days of the previous.
    pub max_hop_delay_days: Days,
    /// A second search lets each hop take up to this many days (none when it is no
    /// longer than `max_hop_delay_days`).
    pub slow_hop_delay_days: Days,
    /// Smallest first hop, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Edge expansions per starting transfer.
    pub search_budget: u64,
    /// A walk is reported when walks as unlikely (its hops' timing against their
    /// accounts' habits, and amounts against the dump's) would arise by chance at most
    /// this many times in the dump.
    pub expected_by_chance: Multiple,
    /// Fewest transfers of a walk along payments made off their makers' own rhythms
    /// (each hand-over within `slow_hop_delay_days`, whatever it passed on).
    pub rhythm_min_hops: Count<2>,
}

/// random detector.
pub struct RandomWalk;

impl Detector for RandomWalk {
    fn chance_budget(&self, config: &Config) -> Option<f64> {
        Some(config.random.expected_by_chance.get())
    }

    fn lookback(&self, config: &Config) -> Lookback {
        Lookback::days(
            config.random.max_hops.get() as f64 * longest_hop_days(&config.random),
            &[Reads::AmountQuantiles, Reads::AccountRate, Reads::Reference],
        )
    }

    fn part_rule(&self, config: &Config) -> Option<PartRule> {
        Some(chains::part_rule(config.random.max_hops.get(), longest_hop_days(&config.random)))
    }

    fn pattern(&self) -> Pattern {
        Pattern::RandomWalk
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn hand_to_part(&self, whole: &Context<'_>, part: &FlowGraph, edges: PartEdges<'_>, handed: &mut Handed) {
        // Whether a payment was off its maker's rhythm reads the maker's whole life, and
        // how often that happens the whole dump's.
        let census = whole.rhythm_census();
        let whole_ids = (0..part.edge_count() as u32).map(|e| edges.whole(e));
        handed.off_rhythm = Some(OffRhythmPayments::of_part(&census, whole_ids));
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        search(ctx, 1.0).at(ctx).unwrap_or_default()
    }

    fn search_graded(&self, ctx: &Context<'_>, times: f64) -> Option<Box<dyn Graded>> {
        Some(Box::new(search(ctx, times)))
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[
            Pattern::Os1,
            Pattern::Os2,
            Pattern::Ub1,
            Pattern::Ub4,
            Pattern::Cycle,
            Pattern::ScatterGather,
            Pattern::Stack,
        ]
    }
}

/// What the searches from one starting transfer read, in order: each one's walk with
/// its chance, when a budget up to the widest searched for passes it, and whether it
/// stopped at its budget. A later search is read only where the earlier ones found no
/// walk the configured budget passes, as a run under it reads them.
type Tried = Vec<(Option<(Vec<u32>, f64)>, bool)>;

/// Every walk `ctx`'s dump holds that a chance budget up to `times` the configured one
/// passes, with its chance: one search serves the configured budget and any wider one
/// up to there.
fn search(ctx: &Context<'_>, times: f64) -> Walks {
    let g = ctx.graph;
    let r = &ctx.config.random;
    let spec = |delay_days: f64| ChainSpec {
        min_hops: r.min_hops.get(),
        max_hops: r.max_hops.get(),
        min_pass_through: r.min_pass_through.get(),
        max_hop_delay: days_to_seconds(delay_days),
        min_jurisdictions: 0,
        min_first_amount: g.scale.floor(r.min_amount),
        search_budget: r.search_budget,
    };
    // The quick search, and the slow one where it reaches further.
    let mut searches = vec![spec(r.max_hop_delay_days.get())];
    if r.slow_hop_delay_days.get() > r.max_hop_delay_days.get() {
        searches.push(spec(r.slow_hop_delay_days.get()));
    }
    let private: Vec<bool> =
        (0..g.node_count()).map(|v| !g.accounts.business_like[v] && !g.accounts.licensed[v]).collect();
    // In a busy dump, payments chain by chance: a walk must be more than that, in
    // whichever search found it, each search held to its share of what is expected.
    let budget = r.expected_by_chance.get() * times;
    let as_configured = walk_most_likely(g, r.expected_by_chance.get(), searches.len());
    let most_likely = walk_most_likely(g, budget, searches.len());
    let pass = r.min_pass_through.get();
    let band = |_: f64, prev: f64| (prev * pass, prev * MAX_GROWTH);
    // Per starting transfer, each search's walk a budget up to the widest passes, and
    // whether it stopped at its budget.
    let tried: Vec<Tried> = (0..g.edge_count() as u32)
        .into_par_iter()
        .with_min_len(1024)
        .map(|e| {
            let mut tried = Tried::new();
            if !private[g.src[e as usize] as usize] || !ctx.starts_here(g.time[e as usize]) {
                return tried;
            }
            for chain in &searches {
                let (walk, stopped) = chain_from(g, chain, &private, e);
                let read = walk
                    .map(|c| {
                        let chance =
                            path_chance(g, &c, Some(chain.max_hop_delay), band, |e| ctx.amount_unit(e));
                        (c, chance)
                    })
                    .filter(|(_, chance)| *chance <= most_likely);
                let found = read.as_ref().is_some_and(|(_, chance)| *chance <= as_configured);
                tried.push((read, stopped));
                if found {
                    break;
                }
            }
            tried
        })
        // Only what a search found or where it stopped: one entry per transfer would
        // hold 32 bytes for each of them.
        .filter(|tried| tried.iter().any(|(walk, stopped)| walk.is_some() || *stopped))
        .collect();
    let off_rhythm = off_rhythm_walks(ctx, budget);
    Walks { budget, searches: searches.len(), tried, off_rhythm }
}

/// The most likely a walk may be under `budget`, each of `searches` held to its share.
fn walk_most_likely(g: &FlowGraph, budget: f64, searches: usize) -> f64 {
    most_likely(g, budget) / searches as f64
}

/// The walks one search found ([`search`]), by starting transfer.
struct Walks {
    /// The widest chance budget searched for.
    budget: f64,
    /// How many searches share it.
    searches: usize,
    /// By starting transfer, those where a search found a walk or stopped.
    tried: Vec<Tried>,
    off_rhythm: OffRhythmWalks,
}

impl Graded for Walks {
    fn at(&self, ctx: &Context<'_>) -> Option<Outcome> {
        let budget = ctx.config.random.expected_by_chance.get();
        if budget > self.budget {
            return None;
        }
        let most_likely = walk_most_likely(ctx.graph, budget, self.searches);
        // Per starting transfer, the first search's walk that is more than chance, and
        // whether any search read until then stopped at its budget.
        let results: Vec<(Option<&[u32]>, bool)> = self
            .tried
            .iter()
            .map(|tried| {
                let mut capped = false;
                for (walk, stopped) in tried {
                    capped |= stopped;
                    if let Some((walk, _)) = walk.as_ref().filter(|(_, chance)| *chance <= most_likely) {
                        return (Some(walk.as_slice()), capped);
                    }
                }
                (None, capped)
            })
            .filter(|r| r.0.is_some() || r.1)
            .collect();
        let mut already: Vec<u32> = results.iter().filter_map(|(c, _)| c.map(|c| c[0])).collect();
        already.sort_unstable();
        let (off_rhythm, rhythm_capped) = self.off_rhythm.at(budget, &already);
        let capped = results.iter().filter(|r| r.1).count() + rhythm_capped;
        let notes = if capped > 0 {
            vec![format!("{capped} walk search(es) stopped at the search budget")]
        } else {
            vec![]
        };
        let mut hits: Vec<Hit> = results.into_iter().filter_map(|(c, _)| c).map(|c| hit(ctx, c)).collect();
        hits.extend(off_rhythm);
        Some(Outcome { hits, notes })
    }
}

/// The walks along payments made off their makers' rhythms that a budget up to the
/// widest searched for passes ([`off_rhythm_walks`]).
#[derive(Default)]
struct OffRhythmWalks {
    /// The dump's payments made off their maker's rhythm: the walks' tries.
    in_dump: u64,
    /// The chance of the longest walk of hand-overs by the least likely payers.
    least_likely_walk: f64,
    /// Per starting payment, in order, what its search found.
    walks: Vec<OffRhythmWalk>,
}

/// What a search for a walk along payments off their makers' rhythms found.
struct OffRhythmWalk {
    /// The payment it started from.
    start: u32,
    /// The walk's hit and chance, when a budget up to the widest searched for passes it.
    found: Option<(Hit, f64)>,
    /// Whether the search stopped at its budget.
    stopped: bool,
}

impl OffRhythmWalks {
    /// The most likely such a walk may be under `budget`: held to half of it.
    fn most_likely(in_dump: u64, budget: f64) -> f64 {
        budget / 2.0 / in_dump.max(1) as f64
    }

    /// The hits under `budget` of walks that start at no payment of `already` (sorted:
    /// where an amount-carrying walk starts), and how many of their searches stopped.
    fn at(&self, budget: f64, already: &[u32]) -> (Vec<Hit>, usize) {
        let most_likely = OffRhythmWalks::most_likely(self.in_dump, budget);
        // Where rhythmic accounts pay off their rhythm so often that not even the
        // longest walk of such payments by the least likely payers could pass, no walk
        // is searched for: in such a dump they branch at every hand-over.
        if self.walks.is_empty() || self.least_likely_walk > most_likely {
            return (Vec::new(), 0);
        }
        let mut capped = 0;
        let mut hits = Vec::new();
        for walk in &self.walks {
            if already.binary_search(&walk.start).is_ok() {
                continue;
            }
            capped += usize::from(walk.stopped);
            let passes = walk.found.as_ref().filter(|(_, chance)| *chance <= most_likely);
            hits.extend(passes.map(|(hit, _)| hit.clone()));
        }
        (hits, capped)
    }
}

/// Walks along payments made off their makers' own rhythms, or by private accounts that
/// keep none (each hand-over within `slow_hop_delay_days`, whatever it passed on; no
/// licensed payer), from every payment off its maker's rhythm that begins one, when
/// they are more than the dump's rhythmic accounts' habit of paying off their rhythm
/// explains under a chance budget up to `budget`: each hand-over's chance is that its
/// maker, at its peers' rate of days off their rhythm with a payment, pays off its
/// rhythm within the delay (or, keeping none, pays anyone within it at its own rate);
/// the walks' tries are the dump's payments made off their maker's rhythm; held to half
/// of `expected_by_chance`. A walk is read only from a payment no amount-carrying walk
/// starts at ([`OffRhythmWalks::at`]).
fn off_rhythm_walks(ctx: &Context<'_>, budget: f64) -> OffRhythmWalks {
    let g = ctx.graph;
    let r = &ctx.config.random;
    let off = match ctx.handed_tables().and_then(|h| h.off_rhythm.as_ref()) {
        Some(handed) => std::borrow::Cow::Borrowed(handed),
        None => std::borrow::Cow::Owned(OffRhythmPayments::of(&ctx.rhythm_census())),
    };
    if off.edges.is_empty() {
        return OffRhythmWalks::default();
    }
    let spec = WalkSpec {
        // Each hand-over's chance is charged for the whole delay, so a walk may take
        // the slow search's week a hop (OS2's per-hop delay): people who keep their own
        // days may not pass the money on the day they are paid.
        max_delay: days_to_seconds(longest_hop_days(r)),
        max_hops: r.max_hops.get(),
        budget: r.search_budget,
    };
    // A licensed remitter passes money on by licence, on any day.
    let licensed = |e: u32| g.accounts.licensed[g.src[e as usize] as usize];
    let off_its_rhythm = |e: u32| off.holds(e) && !licensed(e);
    // A private account that keeps no rhythm may hand the money on between two that
    // do: its hand-over is read by its own rate of paying anyone, as a prompt relay's.
    let rhythmless = |v: u32| !off.keeps_a_rhythm(v) && !g.accounts.business_like[v as usize];
    let holds = |e: u32| !licensed(e) && (off.holds(e) || rhythmless(g.src[e as usize]));
    let delay_days = longest_hop_days(r);
    // A hand-over's chance: its maker pays off its rhythm within the delay, at its
    // peers' rate; or, keeping none, pays anyone within the delay at its own rate over
    // the dump.
    let within_delay =
        |business: bool| 1.0 - (-off.rates.among_peers(business).paying_per_open_day() * delay_days).exp();
    let hand_over = |e: u32| {
        let v = g.src[e as usize];
        if off.holds(e) {
            within_delay(g.accounts.business_like[v as usize])
        } else {
            g.scale.chance_within(g.sent_over_dump(v), spec.max_delay)
        }
    };
    let most_likely = OffRhythmWalks::most_likely(off.in_dump, budget);
    let least_likely = within_delay(false).min(within_delay(true));
    let least_likely_walk = least_likely.powi(r.max_hops.get() as i32 - 1);
    let mut found = OffRhythmWalks { in_dump: off.in_dump, least_likely_walk, walks: Vec::new() };
    if least_likely_walk > most_likely {
        return found;
    }
    let floor = g.scale.floor(r.min_amount);
    found.walks = off
        .edges
        .par_iter()
        .map(|&e| {
            let s = e as usize;
            let starts =
                ctx.starts_here(g.time[s]) && off_its_rhythm(e) && begins_a_walk(g, e, &holds, &spec);
            if !starts {
                return OffRhythmWalk { start: e, found: None, stopped: false };
            }
            let (mut walk, stopped) = longest_walk(g, e, &holds, &spec);
            // A walk off its payers' rhythms is mostly that: quiet accounts without a
            // rhythm may bridge two breaks, but a run of them after the last break is
            // a walk through quiet accounts, whose hand-overs the tries here do not
            // count (it is read where its amounts carry on, above).
            while 2 * walk.iter().filter(|&&e| off.holds(e)).count() < walk.len() {
                walk.pop();
            }
            // The evidence is the hand-overs' timing, not their sums: the floor asks
            // only that the walk moved a sum worth reading somewhere along it, as
            // money drawn afresh at each hop may start small.
            if walk.len() < r.rhythm_min_hops.get() || walk.iter().all(|&e| g.amount[e as usize] < floor) {
                return OffRhythmWalk { start: e, found: None, stopped };
            }
            let chance: f64 = walk[1..].iter().map(|&e| hand_over(e)).product();
            let found = (chance <= most_likely).then(|| (rhythm_hit(ctx, &walk, &off, chance), chance));
            OffRhythmWalk { start: e, found, stopped }
        })
        .filter(|walk| walk.found.is_some() || walk.stopped)
        .collect();
    found
}

fn rhythm_hit(ctx: &Context<'_>, walk: &[u32], off: &OffRhythmPayments, chance: f64) -> Hit {
    let g = ctx.graph;
    let (mut b, first, last) = walk_legs(g, walk);
    // Read from its hand-overs' timing, whatever the amounts: a loop read from timing
    // that runs through most of its accounts explains it.
    b.read_from_timing();
    let rate = |business: bool| 1.0 / off.rates.among_peers(business).paying_per_open_day();
    let off_rhythm = walk.iter().filter(|&&e| off.holds(e)).count();
    let made = if off_rhythm == walk.len() {
        "each payment made off its payer's own rhythm and".to_string()
    } else {
        format!(
            "{off_rhythm} of its payments made off their payer's own rhythm and {} by private accounts that keep none (each read by its own rate of paying anyone), each",
            walk.len() - off_rhythm
        )
    };
    let reason = format!(
        "{} left {} and was passed on {} times in {:.1} days, {} reaching {}, {made} within {} days of its payer being paid; the dump's rhythmic accounts pay off their rhythm on 1 in {} (private) and 1 in {} (businesses) of its other days (chance of such a walk among its {} payments off a rhythm: 1 in {})",
        fmt_amount(g.amount[first]),
        ctx.account(g.src[first]),
        walk.len(),
        seconds_to_days(g.time[last] - g.time[first]),
        fmt_amount(g.amount[last]),
        ctx.account(g.dst[last]),
        longest_hop_days(&ctx.config.random),
        fmt_amount(rate(false)),
        fmt_amount(rate(true)),
        off.in_dump,
        fmt_odds(chance * off.in_dump as f64),
    );
    b.finish(g, Pattern::RandomWalk, g.amount[first], 0.4 + 0.05 * walk.len() as f64, reason)
}

/// A walk's accounts and transfers, each account a member, and its first and last
/// transfers.
fn walk_legs(g: &FlowGraph, walk: &[u32]) -> (HitBuilder, usize, usize) {
    let mut b = HitBuilder::default();
    for &e in walk {
        let (s, d, a) = (g.src[e as usize], g.dst[e as usize], g.amount[e as usize]);
        b.account(s, Role::Member, 0.0, a);
        b.account(d, Role::Member, a, 0.0);
        b.transfer(e);
    }
    (b, walk[0] as usize, walk[walk.len() - 1] as usize)
}

/// The longest a hop may take in either search, days.
fn longest_hop_days(r: &RandomWalkConfig) -> f64 {
    r.max_hop_delay_days.get().max(r.slow_hop_delay_days.get())
}

fn hit(ctx: &Context<'_>, walk: &[u32]) -> Hit {
    let g = ctx.graph;
    let (b, first, last) = walk_legs(g, walk);
    let reason = format!(
        "{} left {} and was passed on {} times in {:.1} days; {} ({:.0}%) reached {}",
        fmt_amount(g.amount[first]),
        ctx.account(g.src[first]),
        walk.len(),
        seconds_to_days(g.time[last] - g.time[first]),
        fmt_amount(g.amount[last]),
        g.amount[last] / g.amount[first] * 100.0,
        ctx.account(g.dst[last]),
    );
    b.finish(g, Pattern::RandomWalk, g.amount[first], 0.4 + 0.05 * walk.len() as f64, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{graded_as_searched, Tiny, D, H};
    use crate::graph::algo::rhythm_breaks::RhythmCensus;

    #[test]
    fn one_search_kept_for_wider_budgets_finds_there_what_a_search_under_them_finds() {
        // A budget a thousandth of the default leaves cases out that wider ones find.
        graded_as_searched(&RandomWalk, 31, "[random]\nexpected_by_chance = 0.001");
    }

    fn walk(t: &mut Tiny, hops: usize, keep: f64, gap: i64) {
        let mut amount = 9_000.0;
        for k in 0..hops {
            t.wire(&format!("W{k}"), &format!("W{}", k + 1), 10 * D + k as i64 * gap, amount);
            amount *= keep;
        }
    }

    #[test]
    fn finds_a_walk_once() {
        // A walk needs a world to stand out from: five transfers alone are no evidence.
        let mut t = Tiny::new();
        t.noise(4, 40, 600, 90);
        walk(&mut t, 5, 0.96, 20 * H);
        let hits = t.hits(&RandomWalk);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 5);
    }

    #[test]
    fn a_walk_through_quiet_accounts_a_few_days_a_hop_is_found_by_the_slow_search() {
        // Four days a hop is past the quick search's three; the week's search reads it,
        // and quiet accounts seldom send anything within a week, let alone most of what
        // they just got.
        let mut t = Tiny::new();
        t.noise(4, 40, 600, 90);
        walk(&mut t, 5, 0.96, 4 * D);
        let hits = t.hits(&RandomWalk);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 5);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        walk(&mut t, 3, 0.96, 20 * H);
        assert!(t.hits(&RandomWalk).is_empty(), "three hops");
        let mut t = Tiny::new();
        walk(&mut t, 5, 0.7, 20 * H);
        assert!(t.hits(&RandomWalk).is_empty(), "keeps 30% per hop");
        let mut t = Tiny::new();
        walk(&mut t, 5, 0.96, 8 * D);
        assert!(t.hits(&RandomWalk).is_empty(), "eight days per hop");
        let mut t = Tiny::new();
        walk(&mut t, 5, 0.96, 4 * D);
        t.config.random.slow_hop_delay_days = Days::try_from(3.0).expect("days");
        assert!(t.hits(&RandomWalk).is_empty(), "four days per hop, no slow search");
    }

    #[test]
    fn everyday_payments_that_chain_by_chance_stay_quiet() {
        // Look-alike: market traders who pay suppliers amounts like these twice a day
        // pass one on within a day, five times in a row, by chance.
        let mut t = Tiny::new();
        t.noise(9, 60, 3_000, 120);
        for k in 0..6 {
            for s in 0..240i64 {
                let amount = 550.0 + ((s * 37 + k as i64 * 11) % 250) as f64;
                t.wire(&format!("W{k}"), &format!("supplier{}", s % 7), s * D / 2 + 3 * H, amount);
            }
        }
        let mut amount = 700.0;
        for k in 0..5 {
            t.wire(&format!("W{k}"), &format!("W{}", k + 1), 50 * D + k as i64 * 20 * H, amount);
            amount *= 0.97;
        }
        let h = t.hits(&RandomWalk);
        assert!(h.is_empty(), "{:?}", h.iter().map(|h| &h.reason).collect::<Vec<_>>());
    }

    #[test]
    fn a_supply_chain_or_a_licensed_remitter_is_not_walked_through() {
        // Look-alike: an order paid down a supply chain (retailer, wholesaler, importer,
        // producer), each passing most of it on within a day, is trade between
        // companies; money sent home through a licensed remitter passes through its
        // books by licence.
        let chain = |t: &mut Tiny| {
            t.noise(4, 40, 600, 90);
            walk(t, 5, 0.96, 20 * H);
        };
        let mut t = Tiny::new();
        chain(&mut t);
        for k in 1..5 {
            t.company(&format!("W{k}"), "DE");
        }
        assert!(t.hits(&RandomWalk).is_empty(), "{:?}", t.hits(&RandomWalk));
        let mut t = Tiny::new();
        chain(&mut t);
        let remitter = t.company("W2", "GB");
        let holder = t.dump.accounts.holder[remitter as usize].unwrap_or_default() as usize;
        t.dump.holders.licence[holder] = Some("FCA-123456".into());
        assert!(t.hits(&RandomWalk).is_empty(), "{:?}", t.hits(&RandomWalk));
        // Not vacuous: the same walk through persons' accounts is found.
        let mut t = Tiny::new();
        chain(&mut t);
        for k in 1..5 {
            t.person(&format!("W{k}"), "DE");
        }
        assert_eq!(t.hits(&RandomWalk).len(), 1);
    }

    /// Thirty households whose standing orders pay two regulars every Tuesday for forty
    /// weeks, each also paying a known friend on `own_off_days` other days; then W0 pays
    /// W1, which pays W2 the next day, which pays W3 the day after, each a household of
    /// the same rhythm and each payment off it, the amounts (`walked`) unrelated.
    fn households_and_a_walk_off_their_rhythm(own_off_days: i64, walked: [f64; 3]) -> Tiny {
        let mut t = rhythmic_households(own_off_days);
        for (k, amount) in walked.into_iter().enumerate() {
            t.wire(&format!("W{k}"), &format!("W{}", k + 1), (100 + k as i64) * D + 12 * H, amount);
        }
        t
    }

    /// The thirty households of [`households_and_a_walk_off_their_rhythm`], breaking
    /// their standing orders twice a year each; W0 pays Q off its rhythm, Q (a household
    /// that keeps none) pays W2 the next day, and W2 pays W3 the day after, off its own.
    /// Q pays a shop on each of `q_days` too.
    fn a_walk_through_a_household_without_rhythm(q_days: &[i64]) -> Tiny {
        let mut t = rhythmic_households(2);
        for &day in q_days {
            t.wire("Q", "Q-SHOP", day * D + 17 * H, 25.0 + (day % 9) as f64);
        }
        t.wire("W0", "Q", 100 * D + 12 * H, 900.0);
        t.wire("Q", "W2", 101 * D + 12 * H, 350.0);
        t.wire("W2", "W3", 102 * D + 12 * H, 640.0);
        t
    }

    /// Thirty households whose standing orders pay two regulars every Tuesday for forty
    /// weeks, each also paying a known friend on `own_off_days` other days; W0 to W3
    /// among them.
    fn rhythmic_households(own_off_days: i64) -> Tiny {
        let mut t = Tiny::new();
        t.span(290);
        for p in 0..30i64 {
            let payer = if p < 4 { format!("W{p}") } else { format!("HOME{p}") };
            t.standing_orders(&payer, p, 5, 40, 1.0);
            // No interval kept: a friend paid back when it comes up.
            t.breaks_its_rhythm(
                &payer,
                (p, 5),
                own_off_days,
                |_| format!("{payer}-ORDER0"),
                |k| 40.0 + (k % 5) as f64,
            );
        }
        t
    }

    #[test]
    fn a_walk_off_the_rhythms_through_a_quiet_household_that_keeps_none_is_found() {
        let hits = a_walk_through_a_household_without_rhythm(&[]).hits(&RandomWalk);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 3);
        assert!(
            hits[0].reason.contains("2 of its payments made off their payer's own rhythm and 1 by private accounts that keep none"),
            "{}",
            hits[0].reason
        );
    }

    #[test]
    fn quiet_accounts_handing_on_after_a_single_break_are_no_walk_off_the_rhythms() {
        // One household's break, then three quiet accounts that each pay on what they
        // were paid within days: a walk through quiet accounts, which this reading's
        // tries (the dump's breaks) do not price; it is read where its amounts carry on.
        let mut t = rhythmic_households(2);
        t.wire("W0", "Q1", 100 * D + 12 * H, 900.0);
        for (k, day) in [(1, 102), (2, 104), (3, 107)] {
            t.wire(&format!("Q{k}"), &format!("Q{}", k + 1), day * D + 12 * H, 300.0 + 100.0 * k as f64);
        }
        let hits = t.hits(&RandomWalk);
        assert!(hits.is_empty(), "{hits:?}");
        // Not vacuous: households breaking their rhythm after them, as many as the
        // breaks the walk needs to be mostly off the rhythms, make it one (the
        // households' standing orders fall on days 5, 12, ... of the epoch's week).
        t.wire("Q4", "W2", 109 * D + 12 * H, 450.0);
        t.wire("W2", "W3", 111 * D + 12 * H, 640.0);
        t.wire("W3", "HOME4", 112 * D + 12 * H, 380.0);
        t.wire("HOME4", "HOME5", 113 * D + 12 * H, 520.0);
        let hits = t.hits(&RandomWalk);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 8, "{hits:?}");
        assert!(
            hits[0].reason.contains("4 of its payments made off their payer's own rhythm and 4 by"),
            "{hits:?}"
        );
    }

    #[test]
    fn a_household_that_pays_someone_every_few_days_hands_nothing_on_between_two_breaks() {
        // Look-alike: a household without standing orders that pays a shop on most
        // days pays W2 the day after being paid as a matter of course; two breaks a
        // day apart, where every household breaks twice a year, are no walk.
        let busy: Vec<i64> = (0..290).filter(|d| (7 * d * d + 13 * d) % 97 < 40).collect();
        let t = a_walk_through_a_household_without_rhythm(&busy);
        let hits = t.hits(&RandomWalk);
        assert!(hits.is_empty(), "{hits:?}");
        // Read as a household that keeps no rhythm, not left out as a business.
        let q = t.dump.accounts.ids.iter().position(|id| id == "Q").unwrap();
        let g = t.graph();
        assert!(!g.accounts.business_like[q]);
        let census = RhythmCensus::of(&g.accounts.business_like, |v| g.out_list(v));
        assert!(!census.rhythmic.contains(q));
    }

    #[test]
    fn a_walk_of_payments_off_their_payers_rhythms_is_found() {
        let hits = households_and_a_walk_off_their_rhythm(0, [900.0, 350.0, 640.0]).hits(&RandomWalk);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 3);
        assert!(
            hits[0].reason.contains("each payment made off its payer's own rhythm"),
            "{}",
            hits[0].reason
        );
    }

    #[test]
    fn a_walk_off_the_rhythms_that_starts_small_is_read_by_its_largest_sum() {
        // Money drawn afresh at each hand-over may start below the dump's lower quartile
        // (the standing orders' 300 to 700) and still move a sum worth reading later on.
        let hits = households_and_a_walk_off_their_rhythm(0, [60.0, 80.0, 640.0]).hits(&RandomWalk);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 3);
        // Pocket money passed round moves nothing an investigator would read.
        let hits = households_and_a_walk_off_their_rhythm(0, [60.0, 80.0, 50.0]).hits(&RandomWalk);
        assert!(hits.is_empty(), "{hits:?}");
    }

    #[test]
    fn households_paying_friends_back_off_their_standing_orders_every_week_or_two_are_no_walk() {
        // Look-alike: friends paying each other back on any day, where every household
        // pays someone off its standing orders twenty times a year: three hand-overs in
        // three days are their everyday.
        let hits = households_and_a_walk_off_their_rhythm(20, [900.0, 350.0, 640.0]).hits(&RandomWalk);
        assert!(hits.is_empty(), "{hits:?}");
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(17, 40, 200, 60);
        walk(&mut t, 6, 0.95, 30 * H);
        t.reverse_rows();
        let w0 = t.dump.accounts.intern("W0");
        assert!(t.hits(&RandomWalk).iter().any(|h| h.accounts.iter().any(|a| a.account == w0)));
    }
}

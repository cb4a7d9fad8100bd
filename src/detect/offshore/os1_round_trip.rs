//! OS1 — round-tripping through offshore.
//!
//! ## What it finds
//! Money that leaves a domestic (non-offshore) account, passes through at least one
//! offshore account, and comes back to the same controller (the same holder, or a holder
//! tied to it in `entity_links`): a time-respecting cycle in which each hop is later than
//! the previous, no hop carries more than the one before (beyond FX rounding), and most
//! of the first amount comes back.
//!
//! ## Why it matters
//! Round-tripping disguises domestic funds as foreign investment, or takes illicit
//! proceeds out and back through shell companies in secrecy jurisdictions (OECD/World
//! Bank StAR, *The Puppet Masters*, 2011; FATF, *Concealment of Beneficial Ownership*,
//! 2018; typologies.md OS1).
//!
//! ## Example
//! ```text
//! A (CN, holder h) ──1.00M──> S1 (VG) ──0.99M──> S2 (HK) ──0.97M──> A' (CN, holder h')
//!                                                        h' is a director of h
//! ```
//!
//! ## Parameters
//! `[os1]`: `window_days` (90), `min_hops` (2), `max_hops` (8), `min_retained` (0.7),
//! `amount_tolerance` (0.02), `min_amount` (`p75` first hop: the dump's upper quartile), `search_budget` (200,000 edge
//! expansions per starting transfer; capped searches are counted in the run summary),
//! `pooled_from_parties` (4).
//!
//! ## Look-alikes
//! Treasury sweeps to a group's real offshore subsidiary come back as dividends or
//! intra-group loans much smaller than what went out, or months later: the retained
//! share and the window keep them out. Refunds from an offshore merchant return less.
//! An offshore investment fund redeems investors, sometimes most of what they put in,
//! weeks later: but it takes money from, and pays money back to, many unrelated
//! parties (`pooled_from_parties`), while a round-trip vehicle serves one controller. A
//! path whose only offshore accounts pool the public's money is no round trip. A fund
//! that has redeemed fewer investors than that so far, but more than one, still took
//! money from many: it pools for a round trip that brought it less than one in
//! `pooled_from_parties` of all it took in (a fund's early redemptions), while a
//! vehicle's round trip is most of its intake. The price: a professional's vehicle that
//! sends money back to four or more unrelated clients, or takes money from four or more
//! and round-trips a sliver of it for two or three, reads as such a pool too, and those
//! round trips are not reported here. One that paid back a single party is still read
//! as that party's vehicle: a hit's strength falls with the share of its offshore
//! account's whole intake that the round trip was (to 0.6 of itself for a sliver), and
//! the reason gives that share, so a fund's first redemption ranks below a vehicle's
//! round trip.
//! Needs countries (`accounts` with `country`): without them there is no offshore hop
//! and the detector says so and skips.

use std::collections::BTreeSet;

use fixedbitset::FixedBitSet;

use rayon::prelude::*;

use crate::config::params::{Count, Days, Multiple, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::{Anchor, Context, Detector, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::components::{cyclic_components, together};
use crate::graph::algo::reciprocity::{payer_groups, two_way_parties};
use crate::graph::algo::temporal_cycles::{cycles_into, CycleSpec, Hop, SearchEnd};
use crate::graph::controllers::GroupMembers;
use crate::graph::FlowGraph;
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount, format_date, seconds_to_days, DAY};
use serde::{Deserialize, Serialize};

/// Parameters of OS1 (round-tripping).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os1Config {
    /// Whole cycle must fit in this many days.
    pub window_days: Days,
    /// Fewest hops.
    pub min_hops: Count<2>,
    /// Most hops.
    pub max_hops: Count<2>,
    /// Last amount / first amount.
    pub min_retained: Share,
    /// Allowed growth of a hop over the previous one.
    pub amount_tolerance: Multiple,
    /// Smallest first hop, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Edge expansions per starting transfer.
    pub search_budget: u64,
    /// An offshore account that took money from, and paid money to, at least this many
    /// unrelated parties pools the public's money (a fund paying redemptions, a broker, a
    /// platform): what it pays back is no round trip of one controller's money.
    pub pooled_from_parties: Count<2>,
}

/// OS1 detector.
pub struct RoundTrip;

/// Most cycles kept per starting transfer (the strongest first).
const CYCLES_PER_START: usize = 4;

impl Detector for RoundTrip {
    fn lookback(&self, config: &Config) -> Lookback {
        Lookback::days(
            config.os1.window_days.get(),
            &[Reads::AmountQuantiles, Reads::AccountRate, Reads::TwoWay, Reads::Reference],
        )
    }

    fn part_rule(&self, config: &Config) -> Option<PartRule> {
        // A round trip is searched from its first transfer and closes within the
        // window; who pools the public's money and an offshore account's whole intake
        // come from the whole dump.
        Some(PartRule::Time {
            anchor: Anchor::FirstTransfer,
            before_days: 0.0,
            after_days: config.os1.window_days.get(),
        })
    }

    fn pattern(&self) -> Pattern {
        Pattern::Os1
    }

    fn unavailable(&self, ctx: &Context<'_>) -> Option<String> {
        if !ctx.has_countries() {
            return Some(
                "no account countries (accounts table with a country column): no offshore hop can be seen"
                    .into(),
            );
        }
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let g = ctx.graph;
        let cfg = &ctx.config.os1;
        let spec = CycleSpec {
            window: days_to_seconds(cfg.window_days.get()),
            min_hops: cfg.min_hops.get(),
            max_hops: cfg.max_hops.get(),
            min_retained: cfg.min_retained.get(),
            amount_tolerance: cfg.amount_tolerance.get(),
            budget: cfg.search_budget,
        };
        let min_amount = g.scale.floor(cfg.min_amount);
        let floor = min_amount * cfg.min_retained.get();
        let on_cycle = cyclic_groups(g, floor);
        // Each account's component read in one step: a search asks it of every hop it
        // may take, and its controller group's entry is a second cache miss.
        let account_on_cycle: Vec<u32> =
            g.accounts.controller.par_iter().map(|&c| on_cycle[c as usize]).collect();
        let members = GroupMembers::new(&g.accounts.controller);
        let pooled = pooled_accounts(g, cfg.pooled_from_parties.get());
        g.onward_ready();
        // Every payment that may open a round trip, read from its payer's list (its
        // amount, time and payee beside each other, and where its payee's list goes on
        // from it), as (holder, transfer, payer, position in the payer's list). Read by
        // transfer id, each start's columns and the search of its payee's list for where
        // to go on missed the cache.
        let (c, on_cycle) = (&g.accounts.controller, &on_cycle);
        let mut by_holder: Vec<(u32, u32, u32, u32)> = (0..g.node_count() as u32)
            .into_par_iter()
            .with_min_len(256)
            .filter(|&s| g.accounts.country[s as usize].is_some() && !g.accounts.offshore[s as usize])
            .flat_map_iter(|s| {
                let (out, holder) = (g.out_list(s), c[s as usize]);
                (0..out.len())
                    .filter(move |&k| {
                        let payee = c[out.other[k] as usize];
                        out.amount[k] >= min_amount
                            && ctx.starts_here(out.time[k])
                            && holder != payee
                            && together(on_cycle, holder, payee)
                    })
                    .map(move |k| (holder, out.edges[k], s, k as u32))
            })
            .collect();
        // Searched holder by holder: every search from a holder's payments asks when money
        // last came back to its accounts, whose receipts then stay in the processor's
        // cache from one search to the next. What was found (or where a search stopped)
        // is put back in transfer order.
        by_holder.par_sort_unstable();
        let mut results: Vec<(u32, (Vec<Hit>, bool))> = by_holder
            .par_iter()
            .enumerate()
            .with_min_len(64)
            .map(|(i, &(_, start, payer, k))| {
                // Where the next search starts, asked for while this one runs.
                if let Some(&(_, _, next_payer, next)) = by_holder.get(i + 1) {
                    g.prefetch_onward_of(next_payer, next as usize);
                }
                let hop = Hop::out_of(g, payer, g.out_list(payer), k as usize);
                (start, search_start(ctx, spec, &account_on_cycle, &members, &pooled, payer, hop))
            })
            .filter(|(_, (hits, capped))| !hits.is_empty() || *capped)
            .collect();
        results.par_sort_unstable_by_key(|&(e, _)| e);
        let capped = results.iter().filter(|(_, (_, capped))| *capped).count();
        let hits = results.into_iter().flat_map(|(_, (h, _))| h).collect();
        let mut notes = Vec::new();
        if capped > 0 {
            notes.push(format!("OS1: search budget reached for {capped} starting transfers; raise os1.search_budget to search them fully"));
        }
        if !ctx.availability().entity_links {
            notes.push("OS1: no entity_links, money must return to the same holder".into());
        }
        Outcome { hits, notes }
    }
}

/// Strongly connected component of each controller group in the graph of transfers big
/// enough to be a hop (`u32::MAX` for groups on no cycle): a start edge whose ends are in
/// different components can close no cycle.
fn cyclic_groups(g: &FlowGraph, floor: f64) -> Vec<u32> {
    let c = &g.accounts.controller;
    let pairs = crate::slices::kept_in_order(g.edge_count(), (0, 0), |e| {
        (g.amount[e] >= floor).then(|| (c[g.src[e] as usize], c[g.dst[e] as usize]))
    });
    cyclic_components(g.node_count(), pairs)
}

/// Offshore accounts that pool the public's money: two-way dealings with at least
/// `parties` unrelated controllers, or money taken from at least that many and paid
/// back to more than one ([`Pooled`]).
fn pooled_accounts(g: &FlowGraph, parties: usize) -> Pooled {
    let flags: Vec<(bool, bool)> = (0..g.node_count())
        .into_par_iter()
        .map(|v| {
            if !g.accounts.offshore[v] {
                return (false, false);
            }
            let own = g.accounts.controller[v];
            let payers = payer_groups(g, v as u32);
            if payers.iter().filter(|&&c| c != own).take(parties).count() < parties {
                return (false, false);
            }
            let two_way = two_way_parties(g, v as u32, &payers, parties);
            (two_way >= parties, two_way >= 2)
        })
        .collect();
    let mut both_ways = FixedBitSet::with_capacity(g.node_count());
    let mut paid_by_many = FixedBitSet::with_capacity(g.node_count());
    both_ways.extend(flags.iter().enumerate().filter(|(_, f)| f.0).map(|(v, _)| v));
    paid_by_many.extend(flags.iter().enumerate().filter(|(_, f)| f.1).map(|(v, _)| v));
    Pooled { both_ways, paid_by_many, parties }
}

/// Offshore accounts that pool the public's money. One that deals both ways with many
/// unrelated parties (a fund paying redemptions, a broker) pools for every path through
/// it. One that took money from many but has paid only a few of them back so far,
/// more than one (a fund's early redemptions), pools for a path that brought it less
/// than one in `parties` of all it took in: a vehicle serving one controller takes in
/// little else, and its round trip is most of its intake; one that others also pay
/// into but that paid back no one else is still read as that controller's.
struct Pooled {
    both_ways: FixedBitSet,
    paid_by_many: FixedBitSet,
    parties: usize,
}

impl Pooled {
    /// Whether the offshore account that transfer `e` paid pools the public's money
    /// for the path `e` is a hop of.
    fn for_hop(&self, g: &FlowGraph, e: u32) -> bool {
        let v = g.dst[e as usize];
        self.both_ways.contains(v as usize)
            || (self.paid_by_many.contains(v as usize) && share_of_intake(g, e) * (self.parties as f64) < 1.0)
    }
}

fn search_start(
    ctx: &Context<'_>,
    spec: CycleSpec,
    account_on_cycle: &[u32],
    members: &GroupMembers,
    pooled: &Pooled,
    origin: u32,
    first: Hop,
) -> (Vec<Hit>, bool) {
    let g = ctx.graph;
    let start = first.edge;
    let group = g.accounts.controller[origin as usize];
    let home = account_on_cycle[origin as usize];
    let mut cycles: Vec<Vec<u32>> = Vec::new();
    let end = cycles_into(
        g,
        first,
        spec,
        members.of(group),
        |v| account_on_cycle[v as usize] == home,
        |path| {
            // Through an offshore account that does not pool the public's money.
            let through_offshore = path[..path.len() - 1]
                .iter()
                .any(|&e| g.accounts.offshore[g.dst[e as usize] as usize] && !pooled.for_hop(g, e));
            if through_offshore {
                cycles.push(path.to_vec());
            }
        },
    );
    // Strongest first: most retained, then fewest hops, then earliest edges.
    cycles.sort_by(|a, b| {
        let ra = g.amount[*a.last().unwrap_or(&start) as usize];
        let rb = g.amount[*b.last().unwrap_or(&start) as usize];
        rb.total_cmp(&ra).then(a.len().cmp(&b.len())).then(a.cmp(b))
    });
    cycles.truncate(CYCLES_PER_START);
    let hits = cycles.iter().map(|c| cycle_hit(ctx, spec, c)).collect();
    (hits, end == SearchEnd::BudgetHit)
}

/// How much of its offshore accounts' business the round trip is: for the offshore
/// account on `path` that took in the largest share of its whole intake over the dump
/// from this path, that share. A vehicle set up for one controller's round trip takes
/// in little else; a fund that took subscriptions from fifty investors and redeemed
/// one of them early took in fifty times as much from others, and ranks lower.
fn dedication(g: &FlowGraph, path: &[u32]) -> f64 {
    path[..path.len() - 1]
        .iter()
        .filter(|&&e| g.accounts.offshore[g.dst[e as usize] as usize])
        .map(|&e| share_of_intake(g, e))
        .fold(0.0, f64::max)
}

/// The share of all its payee took in over the dump that transfer `e` brought it.
fn share_of_intake(g: &FlowGraph, e: u32) -> f64 {
    let intake = g.received_over_dump(g.dst[e as usize]);
    (g.amount[e as usize] / intake.max(f64::MIN_POSITIVE)).min(1.0)
}

fn cycle_hit(ctx: &Context<'_>, spec: CycleSpec, path: &[u32]) -> Hit {
    let g = ctx.graph;
    let first = path[0] as usize;
    let last = path[path.len() - 1] as usize;
    let (sent, back) = (g.amount[first], g.amount[last]);
    let retained = back / sent;
    let mut b = HitBuilder::default();
    let origin = g.src[first];
    let home = g.dst[last];
    b.account(origin, Role::Originator, 0.0, sent);
    let mut offshore = BTreeSet::new();
    for w in path.windows(2) {
        let (e_in, e_out) = (w[0] as usize, w[1] as usize);
        let v = g.dst[e_in];
        let role = if g.accounts.offshore[v as usize] {
            offshore.insert(format!(
                "{} ({})",
                ctx.account(v),
                g.accounts.country[v as usize].map(|c| c.to_string()).unwrap_or_default()
            ));
            Role::OffshoreLayer
        } else {
            Role::Layer
        };
        b.account(v, role, g.amount[e_in], g.amount[e_out]);
    }
    b.account(home, if home == origin { Role::Originator } else { Role::Beneficiary }, back, 0.0);
    for &e in path {
        b.transfer(e);
    }
    let days = seconds_to_days(g.time[last] - g.time[first]);
    // A vehicle's round trip is all its business; a fund's early redemption is a sliver.
    let dedicated = dedication(g, path);
    let strength = (0.5
        + 0.3 * ((retained - spec.min_retained) / (1.0 - spec.min_retained)).clamp(0.0, 1.0)
        + 0.2 * (1.0 - days * DAY as f64 / spec.window as f64).clamp(0.0, 1.0))
        * (0.6 + 0.4 * dedicated);
    let share_of_intake = if dedicated < 0.5 {
        format!(" ({:.0}% of all the offshore account took in)", dedicated * 100.0)
    } else {
        String::new()
    };
    let back_to = if home == origin {
        "the same account".to_owned()
    } else {
        format!("related account {}", ctx.account(home))
    };
    let reason = format!(
        "{} left {} on {}, passed {} account(s) incl. offshore {}{share_of_intake}, and {} ({:.0}%) came back to {} after {:.1} days",
        fmt_amount(sent),
        ctx.account(origin),
        format_date(g.time[first]),
        path.len() - 1,
        offshore.into_iter().collect::<Vec<_>>().join(", "),
        fmt_amount(back),
        retained * 100.0,
        back_to,
        days
    );
    b.finish(g, Pattern::Os1, sent, strength, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D};

    fn run(t: &Tiny) -> Vec<Hit> {
        t.hits(&RoundTrip)
    }

    fn round_trip(t: &mut Tiny, back: f64, last_day: i64) {
        t.company("A", "CN");
        t.company("S1", "VG");
        t.company("S2", "HK");
        t.wire("A", "S1", D, 1_000_000.0);
        t.wire("S1", "S2", 3 * D, 990_000.0);
        t.wire("S2", "A", last_day * D, back);
    }

    #[test]
    fn a_ring_of_a_hundred_thousand_accounts_is_one_group_without_overflowing_the_stack() {
        // A test thread has 2 MiB of stack: a recursive strongly-connected-components
        // search one frame per account would overflow it long before the ring closes.
        let mut t = Tiny::new();
        let n = 100_000;
        for k in 0..n {
            t.wire(&format!("R{k}"), &format!("R{}", (k + 1) % n), k as i64, 100.0);
        }
        t.wire("X", "Y", 0, 100.0);
        let g = t.graph();
        let groups = cyclic_groups(&g, 0.0);
        let ring = groups[t.dump.accounts.index["R0"] as usize];
        assert_ne!(ring, u32::MAX);
        assert!((0..n).all(|k| groups[t.dump.accounts.index[format!("R{k}").as_str()] as usize] == ring));
        assert_eq!(groups[t.dump.accounts.index["X"] as usize], u32::MAX, "not on a cycle");
    }

    #[test]
    fn finds_round_trip_with_roles() {
        let mut t = Tiny::new();
        round_trip(&mut t, 970_000.0, 10);
        let hits = run(&t);
        assert_eq!(hits.len(), 1);
        let roles: Vec<Role> = hits[0].accounts.iter().map(|a| a.role).collect();
        assert_eq!(roles, vec![Role::Originator, Role::OffshoreLayer, Role::Layer]);
        assert!(hits[0].reason.contains("S1 (VG)"), "{}", hits[0].reason);
    }

    #[test]
    fn an_early_redemption_from_a_fund_of_many_investors_ranks_below_a_vehicles_round_trip() {
        // A fund thirty investors subscribed to, which has redeemed one of them so far
        // (too few to read as a pool), and a vehicle that served one holder alone: the
        // same sum out and, forty days later, 90% back.
        let mut t = Tiny::new();
        fund(&mut t, 30, 1);
        t.company("VEHICLE", "VG");
        t.person("CLIENT", "GB");
        t.wire("CLIENT", "VEHICLE", D, 300_000.0);
        t.wire("VEHICLE", "CLIENT", 41 * D, 270_000.0);
        let hits = run(&t);
        let of = |who: &str| {
            let a = t.dump.accounts.index[who];
            hits.iter().find(|h| h.accounts.iter().any(|x| x.account == a)).map(|h| h.strength)
        };
        let (fund, vehicle) = (of("INV0").expect("still reported"), of("CLIENT").expect("reported"));
        assert!(fund < 0.7 * vehicle, "fund {fund} vehicle {vehicle}");
        let early = hits.iter().find(|h| h.reason.contains("INV0")).map(|h| h.reason.clone());
        assert!(early.is_some_and(|r| r.contains("of all the offshore account took in")));
    }

    #[test]
    fn a_vehicle_that_others_pay_into_round_trips_its_holders_money_until_it_pays_two_back() {
        // The vehicle also took fees from four unrelated parties, a tenth of its intake
        // together: its holder's round trip is still most of what it took in.
        let mut t = Tiny::new();
        t.company("VEHICLE", "VG");
        t.person("CLIENT", "GB");
        t.wire("CLIENT", "VEHICLE", D, 300_000.0);
        t.wire("VEHICLE", "CLIENT", 41 * D, 270_000.0);
        for k in 0..4 {
            t.wire(&format!("PAYER{k}"), "VEHICLE", (5 + k) * D, 8_000.0);
        }
        let hits = run(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        // Others paying it as much again, the holder's sum a fifth of what it took in,
        // leave it the holder's while it paid back no one else...
        for k in 0..4 {
            t.wire(&format!("PAYER{k}"), "VEHICLE", (10 + k) * D, 300_000.0);
        }
        assert_eq!(run(&t).len(), 1, "{:?}", run(&t));
        // ...and make it a pool once it paid one of them back too: a fund's redemptions.
        t.wire("VEHICLE", "PAYER0", 60 * D, 290_000.0);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
    }

    #[test]
    fn returns_to_a_linked_holder() {
        let mut t = Tiny::new();
        t.company("A", "CN");
        t.company("B", "CN");
        t.company("S1", "KY");
        t.wire("A", "S1", D, 500_000.0);
        t.wire("S1", "B", 2 * D, 480_000.0);
        assert!(run(&t).is_empty());
        t.link("h-A", "h-B");
        let hits = run(&t);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].accounts.iter().any(|a| a.role == Role::Beneficiary));
    }

    #[test]
    fn near_misses_do_not_fire() {
        // Too little comes back (65% < 70%).
        let mut t = Tiny::new();
        round_trip(&mut t, 650_000.0, 10);
        assert!(run(&t).is_empty());
        // Comes back after the 90-day window.
        let mut t = Tiny::new();
        round_trip(&mut t, 970_000.0, 95);
        assert!(run(&t).is_empty());
        // No offshore account on the way.
        let mut t = Tiny::new();
        t.company("A", "CN");
        t.company("S1", "HK");
        t.wire("A", "S1", D, 1_000_000.0);
        t.wire("S1", "A", 2 * D, 990_000.0);
        assert!(run(&t).is_empty());
        // Returns before it left: not time-respecting.
        let mut t = Tiny::new();
        t.company("A", "CN");
        t.company("S1", "VG");
        t.wire("S1", "A", D, 990_000.0);
        t.wire("A", "S1", 2 * D, 1_000_000.0);
        assert!(run(&t).is_empty());
    }

    #[test]
    fn treasury_sweep_look_alike_does_not_fire() {
        let mut t = Tiny::new();
        t.company("PARENT", "DE");
        t.company("SUB", "KY");
        t.link("h-PARENT", "h-SUB");
        for m in 0..6 {
            t.wire("PARENT", "SUB", m * 30 * D, 2_000_000.0);
        }
        // Quarterly dividends, a fraction of what went out.
        t.wire("SUB", "PARENT", 89 * D, 600_000.0);
        t.wire("SUB", "PARENT", 179 * D, 650_000.0);
        assert!(run(&t).is_empty());
    }

    /// An offshore fund that `investors` subscribe to, redeeming the first `redeemed` of
    /// them 90% of what they put in, 40 days later.
    fn fund(t: &mut Tiny, investors: usize, redeemed: usize) {
        t.company("FUND", "KY");
        for k in 0..investors {
            let investor = format!("INV{k}");
            t.company(&investor, "DE");
            let amount = 300_000.0;
            t.wire(&investor, "FUND", (1 + k as i64) * D, amount);
            if k < redeemed {
                t.wire("FUND", &investor, (41 + k as i64) * D, 0.9 * amount);
            }
        }
    }

    #[test]
    fn an_offshore_fund_redeeming_its_investors_stays_quiet() {
        // Look-alike: six investors of a fund with thirty take back 90% within the window.
        let mut t = Tiny::new();
        fund(&mut t, 30, 6);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
        // One that has paid back three so far took money from thirty, each redemption
        // a thirtieth of its intake: it pools the public's money too.
        let mut t = Tiny::new();
        fund(&mut t, 30, 3);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
        // A round trip through the controller's own shell stays one, even when the
        // money also passes a fund on the way.
        let mut t = Tiny::new();
        fund(&mut t, 30, 6);
        t.company("A", "CN");
        t.company("SHELL", "VG");
        t.wire("A", "SHELL", 50 * D, 1_000_000.0);
        t.wire("SHELL", "FUND", 51 * D, 995_000.0);
        t.wire("FUND", "SHELL", 70 * D, 990_000.0);
        t.wire("SHELL", "A", 71 * D, 985_000.0);
        let hits = run(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("SHELL (VG)"), "{}", hits[0].reason);
    }

    #[test]
    fn camouflaged_round_trip_is_found() {
        let mut t = Tiny::new();
        round_trip(&mut t, 960_000.0, 20);
        // Noise: other flows through the same shells, in and out of order.
        t.company("X", "US");
        t.wire("S1", "X", 2 * D, 5_000.0);
        t.wire("X", "S2", 4 * D, 700_000.0);
        t.wire("S2", "X", 25 * D, 10_000.0);
        t.wire("A", "X", 0, 40_000.0);
        let hits = run(&t);
        assert!(!hits.is_empty());
        assert!(hits.iter().all(|h| h.pattern == Pattern::Os1));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(40))]
        /// Any round trip inside the typology's bounds is found, with noise around it.
        #[test]
        fn an_injected_round_trip_is_always_found(
            hops in 2usize..8,
            fee in 0.0f64..0.04,
            gap_days in 1i64..11,
            related in proptest::bool::ANY,
            noise in proptest::collection::vec((0u8..12, 0u8..12, 0i64..120, 1u32..2_000_000), 0..80),
        ) {
            let mut t = Tiny::new();
            t.economy(20_000.0, 120, 300);
            t.company("ORIGIN", "CN");
            t.company("HOME", "CN");
            if related {
                t.link("h-ORIGIN", "h-HOME");
            }
            let back = if related { "HOME" } else { "ORIGIN" };
            let mut at = "ORIGIN".to_owned();
            let mut amount = 1_000_000.0;
            for k in 0..hops - 1 {
                let next = format!("L{k}");
                t.company(&next, if k == 0 { "VG" } else { "HK" });
                t.wire(&at, &next, (k as i64 + 1) * gap_days * D, amount);
                amount *= 1.0 - fee;
                at = next;
            }
            t.wire(&at, back, hops as i64 * gap_days * D, amount);
            for (a, b, day, amount) in noise {
                t.company(&format!("N{a}"), "US");
                t.wire(&format!("N{a}"), &format!("L{}", b % 3), day * D, f64::from(amount));
            }
            let origin = t.dump.accounts.index["ORIGIN"];
            let hits = run(&t);
            proptest::prop_assert!(hits.iter().any(|h| h.accounts.iter().any(|a| a.account == origin && a.role == Role::Originator)));
        }
    }
}

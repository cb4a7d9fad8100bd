//! Mirror (offsetting) pairs for UB3 and UB5: a domestic payment into an account in one
//! country matched with a domestic payment out of an account in another country, of
//! equal value after FX and close in time.
//!
//! Pairing every transfer with every other is quadratic, so legs are bucketed by time
//! (buckets one gap wide) and sorted by amount inside a bucket: each inflow looks at three
//! buckets and binary-searches the amount band. Two kinds of link are accepted between
//! the receiving account `X` and the paying account `Y`: the same controller (shared
//! holder or entity links), where a couple of pairs suffice and legs of any size count;
//! or none in the data, where only legs above a reporting-size floor are paired and the
//! same two accounts must mirror each other repeatedly and for most of their legs, which
//! chance does not do even between two busy accounts. Such a pair then also takes its
//! smaller legs, when it mirrors most of those as well, over its whole history or else
//! around its large legs.

use std::collections::BTreeSet;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::config::params::{Channels, Count, Hours, Multiple, Share};
use crate::config::AmountFloor;
use crate::detect::{Context, Hit, HitBuilder, Role};
use crate::graph::algo::chance::{most_likely, subsets};
use crate::graph::controllers::GroupMembers;
use crate::graph::FlowGraph;
use crate::model::{Channel, Country, HolderKind};
use crate::pattern::Pattern;
use crate::units::{fmt_amount, hours_to_seconds, HOUR};
use serde::{Deserialize, Serialize};

/// Parameters of UB3 (mirror transfers).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub3Config {
    /// Largest difference of the two legs' values, as a share of the larger.
    pub amount_tolerance: Share,
    /// Largest time between the two legs, hours.
    pub max_gap_hours: Hours,
    /// Pairs needed when the two accounts share a controller.
    pub min_pairs_linked: Count<1>,
    /// Pairs needed when nothing in the data links them.
    pub min_pairs_unlinked: Count<1>,
    /// Unlinked pairs must be this share of the legs the two could have paired.
    pub min_unlinked_match_share: Share,
    /// Smallest leg between linked accounts, against the dump's amount distribution.
    pub min_leg_amount: AmountFloor,
    /// Smallest leg between unlinked accounts, against the dump's amount distribution.
    pub min_unlinked_leg_amount: AmountFloor,
    /// Unlinked networks whose matches are as likely a coincidence (of the two accounts'
    /// volumes and how many of the dump's amounts lie that close) are expected by chance
    /// at most this often in the whole dump.
    pub expected_by_chance: Multiple,
    /// Customer and beneficiary must not be companies (when holder kinds are known).
    pub persons_only: bool,
    /// Channels of the legs.
    pub channels: Channels,
}

/// One matched pair of legs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MirrorPair {
    /// The customer's domestic payment into `collector`.
    pub inflow: u32,
    /// The domestic payment out of `payout` to the beneficiary.
    pub outflow: u32,
    /// Account that took the local money in.
    pub collector: u32,
    /// Account abroad that paid the same value out.
    pub payout: u32,
}

/// Two accounts in different countries that mirror each other's payments.
#[derive(Debug, Clone, PartialEq)]
pub struct MirrorNetwork {
    /// The lower node of the two.
    pub a: u32,
    /// The higher node.
    pub b: u32,
    /// Matched pairs (either direction), in inflow order.
    pub pairs: Vec<MirrorPair>,
    /// True when the two share a controller in the data.
    pub linked: bool,
}

/// A candidate pair: (collector, payout, inflow edge, outflow edge).
type Candidate = (u32, u32, u32, u32);

#[derive(Debug, Clone, Copy)]
struct Leg {
    edge: u32,
    time: i64,
    amount: f64,
    hub: u32,
}

/// Why a dump cannot have mirror pairs, if it cannot.
pub fn unavailable(ctx: &Context<'_>) -> Option<String> {
    let countries: BTreeSet<Country> = ctx.graph.accounts.country.iter().flatten().copied().collect();
    if countries.len() < 2 {
        return Some("needs account countries in at least two countries (accounts table)".into());
    }
    None
}

/// Every mirror network of the dump under `[ub3]`, in node order; computed once per
/// context.
pub fn networks<'c>(ctx: &'c Context<'_>) -> &'c [MirrorNetwork] {
    ctx.shared.mirrors.get_or_init(|| compute(ctx, &ctx.config.ub3))
}

/// The account pairs (smaller first) with a mirror candidate whose inflow leg a part of
/// time owns ([`Context::starts_here`]): the pairs whose networks the dump may hold.
/// Measured once per context: UB3 and UB5 both ask.
pub fn candidate_pairs(ctx: &Context<'_>) -> Vec<(u32, u32)> {
    ctx.measured_once(|| {
        let g = ctx.graph;
        let (found, _) = candidates(ctx, &ctx.config.ub3);
        let mut pairs: Vec<(u32, u32)> =
            found.iter().filter(|f| ctx.starts_here(g.time[f.2 as usize])).map(pair_of).collect();
        pairs.sort_unstable();
        pairs.dedup();
        CandidatePairs(pairs)
    })
    .0
    .clone()
}

/// [`candidate_pairs`], as a type of its own for [`Context::measured_once`].
struct CandidatePairs(Vec<(u32, u32)>);

fn compute(ctx: &Context<'_>, cfg: &Ub3Config) -> Vec<MirrorNetwork> {
    graded(ctx, cfg, cfg.expected_by_chance.get()).into_iter().map(|(n, _)| n).collect()
}

/// The mirror networks kept for every UB3 chance budget up to a widest one, each
/// unlinked one with the chance that its matches are coincidence ([`kept_networks`]).
pub struct KeptNetworks {
    /// The widest budget they were kept for.
    widest: f64,
    /// Every network that budget keeps, with its chance (linked ones are not tested).
    nets: Vec<(MirrorNetwork, f64)>,
}

/// The networks of `ctx`'s dump kept for UB3 budgets up to `times` its configured one;
/// [`networks`] of `ctx` is then read from them too (UB5 asks for it).
pub fn kept_networks(ctx: &Context<'_>, times: f64) -> KeptNetworks {
    let cfg = &ctx.config.ub3;
    let widest = cfg.expected_by_chance.get() * times;
    let kept = KeptNetworks { widest, nets: graded(ctx, cfg, widest) };
    if let Some(nets) = kept.at(ctx) {
        ctx.shared.mirrors.get_or_init(|| nets);
    }
    kept
}

impl KeptNetworks {
    /// The networks under `ctx`'s UB3 budget, the same, in the same order, as
    /// [`networks`] finds there; `None` when that budget keeps more than the widest did.
    pub fn at(&self, ctx: &Context<'_>) -> Option<Vec<MirrorNetwork>> {
        let (g, cfg) = (ctx.graph, &ctx.config.ub3);
        let budget = cfg.expected_by_chance.get();
        let unlikely = unlikely_under(g, cfg, budget);
        if budget > self.widest || unlikely > unlikely_under(g, cfg, self.widest) {
            return None;
        }
        // Kept unless over the bound, as `assemble` keeps them.
        let kept = |n: &MirrorNetwork, chance: f64| {
            n.linked || chance.partial_cmp(&unlikely) != Some(std::cmp::Ordering::Greater)
        };
        Some(self.nets.iter().filter(|(n, chance)| kept(n, *chance)).map(|(n, _)| n.clone()).collect())
    }
}

/// Every mirror network a UB3 budget of `budget` keeps, in node order, each with the
/// chance its matches are coincidence (0 for a linked one, which is not tested).
fn graded(ctx: &Context<'_>, cfg: &Ub3Config, budget: f64) -> Vec<(MirrorNetwork, f64)> {
    let g = ctx.graph;
    let gap = hours_to_seconds(cfg.max_gap_hours.get()) as i64;
    let (found, volume) = candidates(ctx, cfg);
    let mut nets = assemble(g, cfg, found, gap, &volume, budget);
    let (is_leg, matches) = (leg_test(ctx, cfg), match_test(ctx, cfg));
    nets.par_iter_mut()
        .filter(|(n, _)| !n.linked)
        .for_each(|(n, _)| add_smaller_legs(g, cfg, n, gap, &is_leg, &matches));
    nets
}

/// The share of the dump's transfers at reporting size, among which an unlinked leg's
/// match is drawn; each of them is one try.
fn reporting_share(g: &FlowGraph, cfg: &Ub3Config) -> f64 {
    g.scale.share_between(g.scale.floor(cfg.min_unlinked_leg_amount), f64::INFINITY)
}

/// The most an unlinked network's chance may be under a budget of `budget`.
fn unlikely_under(g: &FlowGraph, cfg: &Ub3Config, budget: f64) -> f64 {
    most_likely(g, budget) / reporting_share(g, cfg)
}

/// Whether transfer `e` is a leg (domestic, between two controllers, of a counted
/// channel), `customer` being the account on its customer side.
fn leg_test<'a>(ctx: &'a Context<'_>, cfg: &'a Ub3Config) -> impl Fn(usize, u32) -> bool + Sync + 'a {
    let g = ctx.graph;
    let exempt = ctx.config.exempt_licensed;
    move |e: usize, customer: u32| -> bool {
        let (s, d) = (g.src[e], g.dst[e]);
        let c = &g.accounts;
        s != d
            && cfg.channels.as_slice().contains(&g.channel[e])
            && c.country[s as usize].is_some()
            && c.country[s as usize] == c.country[d as usize]
            && c.controller[s as usize] != c.controller[d as usize]
            && (!cfg.persons_only || c.kind[customer as usize] != HolderKind::Company)
            // A licensed remitter mirrors payments by trade; neither side of it is a leg.
            && !(exempt && (c.licensed[s as usize] || c.licensed[d as usize]))
    }
}

/// Whether an inflow and an outflow leg mirror each other: close in time and value, on
/// two accounts in different countries.
fn match_test<'a>(ctx: &'a Context<'_>, cfg: &'a Ub3Config) -> impl Fn(&Leg, &Leg) -> bool + Sync + 'a {
    let g = ctx.graph;
    let gap = hours_to_seconds(cfg.max_gap_hours.get()) as i64;
    let tol = cfg.amount_tolerance.get();
    move |i: &Leg, o: &Leg| -> bool {
        (i.time - o.time).abs() <= gap
            && (o.amount - i.amount).abs() <= tol * i.amount.max(o.amount)
            && g.accounts.country[i.hub as usize] != g.accounts.country[o.hub as usize]
            && i.hub != o.hub
    }
}

/// Every mirror candidate of the dump, sorted by account pair, and the volume of legs
/// each account could have paired.
fn candidates(ctx: &Context<'_>, cfg: &Ub3Config) -> (Vec<Candidate>, LegVolume) {
    let g = ctx.graph;
    let gap = hours_to_seconds(cfg.max_gap_hours.get()) as i64;
    let is_leg = leg_test(ctx, cfg);
    // Inflow legs name their receiver as hub, outflow legs their sender.
    let legs = |min: f64, inflow: bool| -> Vec<Leg> {
        (0..g.edge_count())
            .into_par_iter()
            .with_min_len(4096)
            .filter(|&e| g.amount[e] >= min)
            .filter(|&e| is_leg(e, if inflow { g.src[e] } else { g.dst[e] }))
            .map(|e| Leg {
                edge: e as u32,
                time: g.time[e],
                amount: g.amount[e],
                hub: if inflow { g.dst[e] } else { g.src[e] },
            })
            .collect()
    };
    let tol = cfg.amount_tolerance.get();
    let matches = match_test(ctx, cfg);
    // Unlinked: bucket outflows by (time / gap) and amount.
    let unlinked_floor = g.scale.floor(cfg.min_unlinked_leg_amount);
    let ins = legs(unlinked_floor, true);
    let mut outs = legs(unlinked_floor, false);
    let bucket = |t: i64| t.div_euclid(gap.max(1));
    outs.par_sort_unstable_by(|x, y| bucket(x.time).cmp(&bucket(y.time)).then(x.amount.total_cmp(&y.amount)));
    let mut found: Vec<Candidate> = ins
        .par_iter()
        .flat_map_iter(|i| {
            let b = bucket(i.time);
            let mut m = Vec::new();
            for nb in b - 1..=b + 1 {
                let lo = outs.partition_point(|o| (bucket(o.time), o.amount) < (nb, i.amount * (1.0 - tol)));
                for o in outs[lo..]
                    .iter()
                    .take_while(|o| bucket(o.time) == nb && o.amount <= i.amount * (1.0 + tol))
                {
                    if matches(i, o) {
                        m.push((i.hub, o.hub, i.edge, o.edge));
                    }
                }
            }
            m
        })
        .collect();

    // Linked: inside controller groups that span two countries, legs of any size.
    let all_members = GroupMembers::new(&g.accounts.controller);
    let groups: Vec<Vec<u32>> = (0..g.node_count() as u32)
        .map(|group| all_members.of(group))
        .filter(|m| m.len() > 1)
        .map(|m| {
            m.iter().copied().filter(|&v| g.accounts.country[v as usize].is_some()).collect::<Vec<u32>>()
        })
        .filter(|m| {
            m.len() > 1
                && m.iter().map(|&v| g.accounts.country[v as usize]).collect::<BTreeSet<_>>().len() > 1
        })
        .collect();
    found.par_extend(groups.par_iter().flat_map_iter(|m| linked_matches(g, cfg, m, gap, &is_leg, &matches)));
    // By account pair, so that each pair's candidates are one run: coincidental matches
    // grow with the square of the dump's daily volume (12.5M at 100M transfers, 79k at
    // 10M), and a map with a vector per pair held them all again.
    found.par_sort_unstable_by_key(|&f| (pair_of(&f), f));
    found.dedup();
    let times = |legs: &[Leg]| {
        let mut m: FxHashMap<u32, Vec<i64>> = FxHashMap::default();
        for l in legs {
            m.entry(l.hub).or_default().push(l.time);
        }
        for v in m.values_mut() {
            v.sort_unstable();
        }
        m
    };
    (found, LegVolume { ins: times(&ins), outs: times(&outs) })
}

/// Adds to an unlinked network, already shown by its reporting-size legs, the legs
/// below reporting size (down to the linked floor) that the same two accounts mirror,
/// when they mirror most of those too: over the two accounts' whole history in the dump
/// or, failing that, in the stretch of the large pairs (a gap either side). A broker pair
/// does not mirror only its large payments, and its book does not begin with the first
/// of them; two busy accounts that once matched three large ones do not also match most
/// of their everyday ones, and an account that brokers for a while besides its own
/// business mirrors most of its legs only in that while.
fn add_smaller_legs(
    g: &FlowGraph,
    cfg: &Ub3Config,
    net: &mut MirrorNetwork,
    gap: i64,
    is_leg: &(dyn Fn(usize, u32) -> bool + Sync),
    matches: &(dyn Fn(&Leg, &Leg) -> bool + Sync),
) {
    let times = net.pairs.iter().flat_map(|p| [g.time[p.inflow as usize], g.time[p.outflow as usize]]);
    let (Some(first), Some(last)) = (times.clone().min(), times.max()) else {
        return;
    };
    let stretch = (first.saturating_sub(gap), last.saturating_add(gap));
    let mirrored = [(i64::MIN, i64::MAX), stretch]
        .into_iter()
        .find_map(|within| mirrored_smaller_legs(g, cfg, net, within, gap, is_leg, matches));
    if let Some(pairs) = mirrored {
        net.pairs.extend(pairs);
        net.pairs.sort_by_key(|p| (p.inflow, p.outflow));
    }
}

/// The pairs of legs below reporting size that `net`'s two accounts mirror within
/// `[from, to]`, when they are at least `min_unlinked_match_share` of the legs the two
/// could have paired there (`None` otherwise, or when there are none).
fn mirrored_smaller_legs(
    g: &FlowGraph,
    cfg: &Ub3Config,
    net: &MirrorNetwork,
    (from, to): (i64, i64),
    gap: i64,
    is_leg: &(dyn Fn(usize, u32) -> bool + Sync),
    matches: &(dyn Fn(&Leg, &Leg) -> bool + Sync),
) -> Option<Vec<MirrorPair>> {
    let (low, reporting) = (g.scale.floor(cfg.min_leg_amount), g.scale.floor(cfg.min_unlinked_leg_amount));
    let smaller = |amount: f64| amount >= low && amount < reporting;
    let legs = |v: u32, inflow: bool| -> Vec<Leg> {
        let list = if inflow { g.in_list(v) } else { g.out_list(v) };
        (0..list.len())
            .filter(|&k| list.time[k] >= from && list.time[k] <= to && smaller(list.amount[k]))
            .filter(|&k| is_leg(list.edges[k] as usize, list.other[k]))
            .map(|k| Leg { edge: list.edges[k], time: list.time[k], amount: list.amount[k], hub: v })
            .collect()
    };
    let (a, b) = (net.a, net.b);
    let ins = [legs(a, true), legs(b, true)];
    let outs = [legs(a, false), legs(b, false)];
    let possible = (ins[0].len() + ins[1].len()).min(outs[0].len() + outs[1].len());
    let mut cands: Vec<Candidate> = Vec::new();
    for (x, y) in [(0, 1), (1, 0)] {
        for i in &ins[x] {
            for o in outs[y].iter().filter(|o| matches(i, o)) {
                cands.push((i.hub, o.hub, i.edge, o.edge));
            }
        }
    }
    let pairs = pair_closest(g, cands, gap);
    (!pairs.is_empty() && (pairs.len() as f64) >= cfg.min_unlinked_match_share.get() * possible as f64)
        .then_some(pairs)
}

fn linked_matches(
    g: &FlowGraph,
    cfg: &Ub3Config,
    members: &[u32],
    gap: i64,
    is_leg: &(dyn Fn(usize, u32) -> bool + Sync),
    matches: &(dyn Fn(&Leg, &Leg) -> bool + Sync),
) -> Vec<Candidate> {
    let mut m = Vec::new();
    let leg_floor = g.scale.floor(cfg.min_leg_amount);
    for &x in members {
        let ins = g.in_list(x);
        for k in 0..ins.len() {
            let e = ins.edges[k] as usize;
            if ins.amount[k] < leg_floor || !is_leg(e, g.src[e]) {
                continue;
            }
            let i = Leg { edge: e as u32, time: ins.time[k], amount: ins.amount[k], hub: x };
            for &y in members {
                let outs = g.out_after(y, i.time - gap - 1, i.time + gap);
                for k in 0..outs.len() {
                    let (oe, oa) = (outs.edges[k], outs.amount[k]);
                    let o = Leg { edge: oe, time: outs.time[k], amount: oa, hub: y };
                    if oa >= leg_floor && is_leg(oe as usize, outs.other[k]) && matches(&i, &o) {
                        m.push((x, y, i.edge, oe));
                    }
                }
            }
        }
    }
    m
}

/// Times of every reporting-size leg per account, in and out: the volume against which
/// repeated matches between two unlinked accounts are judged.
struct LegVolume {
    ins: FxHashMap<u32, Vec<i64>>,
    outs: FxHashMap<u32, Vec<i64>>,
}

impl LegVolume {
    fn count(map: &FxHashMap<u32, Vec<i64>>, v: u32, from: i64, to: i64) -> usize {
        map.get(&v).map_or(0, |t| t.partition_point(|&x| x <= to) - t.partition_point(|&x| x < from))
    }

    /// Legs the two accounts could have paired in `[from, to]`: the smaller of what
    /// came in to either and what went out of either.
    fn possible(&self, a: u32, b: u32, from: i64, to: i64) -> usize {
        let ins = Self::count(&self.ins, a, from, to) + Self::count(&self.ins, b, from, to);
        let outs = Self::count(&self.outs, a, from, to) + Self::count(&self.outs, b, from, to);
        ins.min(outs)
    }
}

/// The two accounts of a candidate, the smaller first.
fn pair_of(f: &Candidate) -> (u32, u32) {
    (f.0.min(f.1), f.0.max(f.1))
}

/// Groups candidates (sorted by [`pair_of`]) by account pair, pairs each leg at most
/// once (closest amounts first), drops pairs whose money did cross between the two, and
/// keeps networks with enough, unlinked ones unlikely enough under a UB3 budget of
/// `budget`, each with its chance.
fn assemble(
    g: &FlowGraph,
    cfg: &Ub3Config,
    found: Vec<Candidate>,
    gap: i64,
    volume: &LegVolume,
    budget: f64,
) -> Vec<(MirrorNetwork, f64)> {
    let c = &g.accounts.controller;
    let by_pair: Vec<&[Candidate]> = found.chunk_by(|x, y| pair_of(x) == pair_of(y)).collect();
    let reporting = reporting_share(g, cfg);
    let unlikely = unlikely_under(g, cfg, budget);
    let mut out: Vec<(MirrorNetwork, f64)> = by_pair
        .into_par_iter()
        .filter_map(|cands| {
            let (a, b) = pair_of(&cands[0]);
            let linked = c[a as usize] == c[b as usize];
            let need = if linked { cfg.min_pairs_linked.get() } else { cfg.min_pairs_unlinked.get() };
            if cands.len() < need {
                return None;
            }
            let mut pairs = pair_closest(g, cands.to_vec(), gap);
            if pairs.len() < need {
                return None;
            }
            let mut chance = 0.0;
            if !linked {
                // Two busy accounts match now and then by chance; a broker pair mirrors
                // most of its legs.
                let from =
                    pairs.iter().map(|p| g.time[p.inflow as usize].min(g.time[p.outflow as usize])).min();
                let to =
                    pairs.iter().map(|p| g.time[p.inflow as usize].max(g.time[p.outflow as usize])).max();
                let possible = volume.possible(a, b, from.unwrap_or(0) - gap, to.unwrap_or(0) + gap);
                if (pairs.len() as f64) < cfg.min_unlinked_match_share.get() * possible as f64 {
                    return None;
                }
                // Where the dump's large amounts cluster (round sums, one price), two
                // busy accounts match most of their legs by chance too.
                chance = coincidence(g, &pairs, volume, gap, cfg.amount_tolerance.get(), reporting)
                    * subsets(possible.max(pairs.len()), pairs.len());
                if chance > unlikely {
                    return None;
                }
            }
            pairs.sort_by_key(|p| (p.inflow, p.outflow));
            Some((MirrorNetwork { a, b, pairs, linked }, chance))
        })
        .collect();
    out.sort_by_key(|(n, _)| (n.a, n.b));
    out
}

/// The chance that every matched pair of an unlinked network is coincidence: for each
/// inflow, that at least one of the reporting-size payments its payout account made
/// within `gap` of it (in `volume`) came within `tolerance` of its value, as often as
/// the dump's reporting-size amounts (`reporting` of all) lie that close.
fn coincidence(
    g: &FlowGraph,
    pairs: &[MirrorPair],
    volume: &LegVolume,
    gap: i64,
    tolerance: f64,
    reporting: f64,
) -> f64 {
    pairs
        .iter()
        .map(|p| {
            let (time, amount) = (g.time[p.inflow as usize], g.amount[p.inflow as usize]);
            let near = LegVolume::count(&volume.outs, p.payout, time - gap, time + gap);
            let close = (g.scale.share_between(amount * (1.0 - tolerance), amount * (1.0 + tolerance))
                / reporting)
                .min(1.0);
            1.0 - (1.0 - close).powi(near.min(i32::MAX as usize) as i32)
        })
        .product()
}

/// Pairs candidates, closest amounts first (then closest times), each leg at most once,
/// leaving out those whose money did cross between the two accounts.
fn pair_closest(g: &FlowGraph, mut cands: Vec<Candidate>, gap: i64) -> Vec<MirrorPair> {
    let closeness = |f: &Candidate| {
        let (i, o) = (f.2 as usize, f.3 as usize);
        ((g.amount[i] - g.amount[o]).abs() / g.amount[i].max(1e-9), (g.time[i] - g.time[o]).abs())
    };
    cands.sort_by(|p, q| {
        let (x, y) = (closeness(p), closeness(q));
        x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(p.cmp(q))
    });
    let (mut used_in, mut used_out) = (BTreeSet::new(), BTreeSet::new());
    let mut pairs = Vec::new();
    for (x, y, i, o) in cands {
        if used_in.contains(&i) || used_out.contains(&o) || crossed(g, x, y, i, o, gap) {
            continue;
        }
        used_in.insert(i);
        used_out.insert(o);
        pairs.push(MirrorPair { inflow: i, outflow: o, collector: x, payout: y });
    }
    pairs
}

/// True when `x` itself sent `y` money across the border around the pair: then value did
/// move, and the two legs are not a mirror.
fn crossed(g: &FlowGraph, x: u32, y: u32, i: u32, o: u32, gap: i64) -> bool {
    let (t1, t2) = (g.time[i as usize].min(g.time[o as usize]), g.time[i as usize].max(g.time[o as usize]));
    let outs = g.out_after(x, t1 - gap - 1, t2 + gap);
    (0..outs.len()).any(|k| outs.other[k] == y && outs.channel[k] != Channel::Card)
}

/// Implied and table exchange rates of one pair: `(paid currency, received currency,
/// implied, table)`, in units of the payout currency per unit of the collected one.
fn rates(ctx: &Context<'_>, inflow: u32, outflow: u32) -> (String, String, f64, f64) {
    let t = ctx.transfers();
    let (ri, ro) =
        (ctx.graph.row.get(inflow as usize) as usize, ctx.graph.row.get(outflow as usize) as usize);
    let cur =
        |r: usize| ctx.dump.currencies.get(t.currency[r] as usize).map(|c| c.to_string()).unwrap_or_default();
    let implied = t.amount[ro] / t.amount[ri].max(1e-12);
    let base = |e: u32| ctx.graph.amount[e as usize];
    let (unit_in, unit_out) =
        (base(inflow) / t.amount[ri].max(1e-12), base(outflow) / t.amount[ro].max(1e-12));
    (cur(ri), cur(ro), implied, unit_in / unit_out.max(1e-12))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

/// The hit of one mirror network (UB3), as a hit of `pattern`.
pub fn hit(ctx: &Context<'_>, n: &MirrorNetwork, pattern: Pattern) -> Hit {
    let (b, summary) = evidence(ctx, n);
    let strength = (0.5 + 0.1 * n.pairs.len() as f64 + if n.linked { 0.2 } else { 0.0 }).min(1.0);
    let reason = summary;
    let amount = n.pairs.iter().map(|p| ctx.graph.amount[p.inflow as usize]).sum();
    b.finish(ctx.graph, pattern, amount, strength, reason)
}

/// Accounts, transfers and the one-line summary of a mirror network (UB3's hit, and the
/// mirror half of UB5's evidence).
pub fn evidence(ctx: &Context<'_>, n: &MirrorNetwork) -> (HitBuilder, String) {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    b.about_pair(n.a, n.b);
    let (mut collected, mut paid) = (0.0, 0.0);
    let (mut gaps, mut spreads, mut implied, mut table) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut currencies = BTreeSet::new();
    for p in &n.pairs {
        let (i, o) = (p.inflow as usize, p.outflow as usize);
        b.account(g.src[i], Role::Customer, 0.0, g.amount[i]);
        b.account(p.collector, Role::Collector, g.amount[i], 0.0);
        b.account(p.payout, Role::Payout, 0.0, g.amount[o]);
        b.account(g.dst[o], Role::Beneficiary, g.amount[o], 0.0);
        b.transfer(p.inflow);
        b.transfer(p.outflow);
        collected += g.amount[i];
        paid += g.amount[o];
        gaps.push((g.time[o] - g.time[i]).abs() as f64 / HOUR as f64);
        let (ci, co, imp, tab) = rates(ctx, p.inflow, p.outflow);
        if p.collector == n.a {
            currencies.insert((ci, co));
            implied.push(imp);
            table.push(tab);
            spreads.push(imp / tab.max(1e-12) - 1.0);
        }
    }
    let rate = match currencies.iter().next() {
        Some((ci, co)) if ci != co => format!(
            "; implied {ci}->{co} rate {:.4} vs table {:.4} (spread {:+.2}%)",
            median(implied),
            median(table),
            median(spreads) * 100.0
        ),
        _ => String::new(),
    };
    let country = |v: u32| g.accounts.country[v as usize].map(|c| c.to_string()).unwrap_or_default();
    let summary = format!(
        "{} mirror pairs between {} ({}) and {} ({}): {} taken in domestically, {} paid out domestically abroad, each pair equal within {:.0}% and {:.0} h apart at the median{}; {}",
        n.pairs.len(),
        ctx.account(n.a),
        country(n.a),
        ctx.account(n.b),
        country(n.b),
        fmt_amount(collected),
        fmt_amount(paid),
        ctx.config.ub3.amount_tolerance.get() * 100.0,
        median(gaps),
        rate,
        if n.linked { "the two share a controller" } else { "nothing in the data links the two: repeated matches only" },
    );
    (b, summary)
}

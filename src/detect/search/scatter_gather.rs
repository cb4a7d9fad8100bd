//! Scatter-gather search: a source splits money over several intermediaries that pass
//! it on to one target within a window. The scatter_gather motif runs it over every
//! account; OS4 runs it with offshore intermediaries only. A split whose every leg runs
//! between parties who also pay each other the other way is people settling up.

use std::collections::BTreeMap;

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use crate::balanced::flat_map_balanced;
use crate::detect::{Context, Hit, HitBuilder, Role};
use crate::graph::algo::chance::{
    most_likely, pairing_chance, peers_beside, popularity, subsets, AMOUNT_RESOLUTION,
};
use crate::graph::algo::novelty::AmountNovelty;
use crate::graph::algo::one_off::OneOffPayments;
use crate::graph::algo::reciprocity::every_payee_paid_back;
use crate::graph::FlowGraph;
use crate::lookback::PartRule;
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::{fmt_amount, fmt_odds, seconds_to_days, DAY};

/// Per intermediary: what the source sent it, what it forwarded, the transfers.
type Leg = (f64, f64, Vec<u32>);

/// Per intermediary `w`: one pair `u -> w`, `w -> v` (edge ids).
type Pairs = BTreeMap<u32, (u32, u32)>;

/// [`Pairs`] with each pair's share: what `w` paid on over what it received.
type SharedPairs = BTreeMap<u32, (u32, u32, f64)>;

/// A two-hop path `u -> w -> v` a scan met: `e1` from the source to `w`, `e2` from `w`
/// to `v`, and how long `w` held the money (seconds from `e1` to `e2`), kept beside
/// them because sorting by it read two transfers' times at random at every comparison.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Path {
    v: u32,
    w: u32,
    e1: u32,
    e2: u32,
    held: i64,
}

impl Path {
    /// When the scan met it among its paths ([`met`]).
    fn met(&self) -> u64 {
        met(self.e1, self.e2)
    }
}

/// The order in which a scan meets path `e1`, `e2`: by its payment to the intermediary,
/// then by the intermediary's payment on (edge ids are in time order). The same in a part
/// of the dump, once its edges are the whole dump's.
fn met(e1: u32, e2: u32) -> u64 {
    (u64::from(e1) << 32) | u64::from(e2)
}

/// The two-hop paths the payments of one source start, as its scan reads them: those
/// whose amounts carry on within the window, and (when amounts that do not carry on are
/// read too) those that any later pass reads (`keep_readable`).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SourcePaths {
    carrying: Vec<Path>,
    any_amount: Vec<Path>,
}

impl SourcePaths {
    fn is_empty(&self) -> bool {
        self.carrying.is_empty() && self.any_amount.is_empty()
    }

    /// With the whole dump's edge ids (`part`'s edges are in the same order).
    fn into_whole(mut self, part: &Context<'_>) -> SourcePaths {
        for p in self.carrying.iter_mut().chain(self.any_amount.iter_mut()) {
            (p.e1, p.e2) = (part.whole_edge(p.e1), part.whole_edge(p.e2));
        }
        self
    }
}

/// A one-off payment `e2` of intermediary `w` to a target, with the one-off payments `w`
/// received within the timed horizon before it from others than the target: (transfer,
/// payer, amount).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Relay {
    w: u32,
    e2: u32,
    receipts: Vec<(u32, u32, f64)>,
}

impl Relay {
    /// With the whole dump's edge ids (`part`'s edges are in the same order).
    fn into_whole(mut self, part: &Context<'_>) -> Relay {
        self.e2 = part.whole_edge(self.e2);
        self.receipts.iter_mut().for_each(|x| x.0 = part.whole_edge(x.0));
        self
    }
}

/// What a part of time found towards scatter-gathers, with the whole dump's edge ids:
/// per source, the paths its payments in the part's own time start; per target (when
/// several sources are read), its payers' relays in the part's own time. In account
/// order.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Found {
    sources: Vec<(u32, SourcePaths)>,
    targets: Vec<(u32, Vec<Relay>)>,
}

/// Paths to any target a scan holds before it drops those no later pass reads (see
/// [`keep_readable`]): a source whose payees pay the same few accounts every day would
/// otherwise hold every such pair of the horizon.
const COMPACT_AT: usize = 1 << 20;

/// The share of its first leg that path `p`'s second leg passes on, when that share is
/// one an intermediary keeping a margin could pass on.
fn margin_share(g: &FlowGraph, spec: &Spec, p: &Path) -> Option<f64> {
    let (a1, a2) = (g.amount[p.e1 as usize], g.amount[p.e2 as usize]);
    let share = a2 / a1;
    (a1 > 0.0 && share >= spec.min_retained && share <= 1.0 + MARGIN_TOLERANCE).then_some(share)
}

/// Sorts `paths` by target and intermediary, the quickest first (the first met among
/// equally quick ones): how long the intermediary held the money.
fn quickest_first(paths: &mut [Path]) {
    paths.sort_unstable_by_key(|p| (p.v, p.w, p.held, p.met()));
}

/// Keeps, of `paths`, what the scan's later passes read: per target and intermediary the
/// quickest path (the first met among equally quick ones), and every path that passes a
/// margin share on. Sorted by target, intermediary, delay and order met.
fn keep_readable(g: &FlowGraph, spec: &Spec, paths: &mut Vec<Path>) {
    quickest_first(paths);
    let mut previous = None;
    paths.retain(|p| {
        let quickest = previous != Some((p.v, p.w));
        previous = Some((p.v, p.w));
        quickest || margin_share(g, spec, p).is_some()
    });
}

/// Intermediaries that kept the same share: their pairs, the share passed on, and the
/// chance of it all.
struct SameMargin {
    legs: Pairs,
    share: f64,
    /// Its chance under the `most_likely` it was read for.
    chance: f64,
    test: ChanceTest,
}

/// How far apart two intermediaries' kept shares may be and still be the same margin:
/// one per cent of what each passed on (amounts rounded to cents, fees rounded to a
/// unit). The band's chance is counted, so a wider band only costs evidence.
const MARGIN_TOLERANCE: f64 = 0.01;

/// An intermediary's payment on carries what it received when it is at most this
/// multiple of it (a little of its own money may top it up).
const CARRIED_AT_MOST: f64 = 1.02;

/// What a scatter-gather search looks for (the motif, or OS4 through offshore).
#[derive(Debug, Clone)]
pub struct Spec {
    /// Pattern of the hits.
    pub pattern: Pattern,
    /// Seconds within which each intermediary forwards.
    pub window: i64,
    /// Seconds after being paid within which an intermediary's one-off payment on is
    /// read when the chance decides ([`Spec::expected_by_chance`]). Its chance, not this
    /// bound, decides: a quiet account that pays a stranger two weeks after being paid
    /// is as telling as a busy one that does so within the hour, while a busy account
    /// relaying after two weeks has a chance near one and stays quiet.
    pub horizon: i64,
    /// Distinct (qualifying) intermediaries.
    pub min_intermediaries: usize,
    /// Money reaching the target / money sent to the intermediaries.
    pub min_retained: f64,
    /// Smallest amount sent.
    pub min_amount: f64,
    /// Leave out company-to-company transfers.
    pub skip_b2b: bool,
    /// Channels that count.
    pub channels: Vec<Channel>,
    /// Only offshore intermediaries qualify.
    pub offshore_only: bool,
    /// When set, a source and target whose legs do not carry the money on are still
    /// reported when their timing and pairing are this unlikely: at most this many such
    /// scatter-gathers expected by chance among the dump's transfers (see
    /// [`relay_chance`]). `None` reads amounts only.
    pub expected_by_chance: Option<f64>,
}

/// The chance of a scatter-gather whose amounts do not carry on, from `legs` (per
/// intermediary `w`: the quickest pair `u -> w`, `w -> v`): the product over
/// intermediaries of the chance that `w`, sending at its own rate, pays `v` that soon
/// after receiving: the payments it makes in that time ([`Scale::expected_within`]),
/// each landing on `v` by habit or by trade ([`pairing_chance`]), at most one. For one
/// intermediary only its sending counts, not its pairing: the search follows whoever it
/// paid, so `v` is a choice, not a coincidence, for one of them. Two accounts that pay
/// the same landlord or shop every month after a parent's transfer do so by habit; two
/// distributors that each pay a big importer, whom half the market pays, after their
/// own customer paid them do so by trade; a busy account that pays a dozen people in
/// the weeks after being paid has a dozen chances to meet anyone's target; two quiet
/// accounts that each pay one stranger within days of receiving from the same source
/// do none of these. Trade is read among each intermediary's peers too, the accounts
/// that pay what it pays ([`peers_beside`]): traders who buy from the same suppliers pay
/// a supplier most of them pay, however few of the dump's households do. That only makes
/// the chance larger, so it is read only when the chance by the dump's popularity is at
/// most `most`, the largest the caller keeps (1 to read it always).
///
/// [`Scale::expected_within`]: crate::graph::scale::Scale::expected_within
pub fn relay_chance(g: &FlowGraph, v: u32, legs: &Pairs, most: f64) -> f64 {
    RelayReading::read(g, v, legs, most).under(most)
}

/// A [`relay_chance`] read once for every bound up to the one it was read under: by the
/// dump's popularity, and among the intermediaries' peers where the first was within
/// that bound.
#[derive(Debug, Clone, Copy)]
struct RelayReading {
    by_popularity: f64,
    among_peers: Option<f64>,
}

impl RelayReading {
    /// The readings [`relay_chance`] makes under `most`.
    fn read(g: &FlowGraph, v: u32, legs: &Pairs, most: f64) -> RelayReading {
        let intermediaries: Vec<u32> = legs.keys().copied().collect();
        let popular = popularity(g, v, &intermediaries);
        let by_popularity = relay_chance_by(g, v, legs, |_| popular);
        let among_peers = (by_popularity <= most)
            .then(|| relay_chance_by(g, v, legs, |w| peers_beside(g, w, v, &intermediaries, popular)));
        RelayReading { by_popularity, among_peers }
    }

    /// What [`relay_chance`] gives under `most`, at most the bound it was read under.
    fn under(&self, most: f64) -> f64 {
        match self.among_peers {
            Some(among_peers) if self.by_popularity <= most => among_peers,
            _ => self.by_popularity,
        }
    }
}

/// A chance test of the search, read at any budget up to the widest it was read for:
/// its relay chance, scaled by the amounts', shares' and subsets' chances it is tried
/// with, in the order the search multiplies them (so a test read at a budget gives the
/// chance a search under that budget computes, bit for bit).
#[derive(Debug, Clone, Copy)]
struct ChanceTest {
    relay: RelayReading,
    scaling: Scaling,
}

/// How a [`ChanceTest`] bounds and scales its relay chance.
#[derive(Debug, Clone, Copy)]
enum Scaling {
    /// Timing and pairing alone.
    Plain,
    /// Amounts that carry on ([`carrying_chance`]), among `tried` subsets.
    Carrying { amounts: f64, tried: f64 },
    /// Shares kept or late relays' bands (`by`), among `tried` subsets; a share is at
    /// most a certainty.
    Scaled { by: f64, tried: f64, at_most_one: bool },
}

impl ChanceTest {
    /// The chance a search under `most_likely` computes.
    fn chance(&self, most_likely: f64) -> f64 {
        self.scaled(|bound| self.relay.under(bound), most_likely)
    }

    /// The least chance any budget up to the widest reads (by popularity, or among
    /// peers where that was read): no budget passes the test unless its `most_likely`
    /// is at least this.
    fn least(&self) -> f64 {
        let by_popularity = self.scaled(|_| self.relay.by_popularity, f64::INFINITY);
        match self.relay.among_peers {
            Some(among_peers) => by_popularity.min(self.scaled(|_| among_peers, f64::INFINITY)),
            None => by_popularity,
        }
    }

    /// Whether a search under `most_likely` passes it, and its chance there.
    fn passes(&self, most_likely: f64) -> Option<f64> {
        let chance = self.chance(most_likely);
        (chance <= most_likely).then_some(chance)
    }

    fn scaled(&self, relay: impl Fn(f64) -> f64, most_likely: f64) -> f64 {
        match self.scaling {
            Scaling::Plain => relay(most_likely),
            Scaling::Carrying { amounts, tried } => relay(most_likely / tried / amounts) * amounts * tried,
            Scaling::Scaled { by, tried, at_most_one } => {
                let chance = relay(most_likely / (by * tried)) * by * tried;
                if at_most_one {
                    chance.min(1.0)
                } else {
                    chance
                }
            }
        }
    }
}

/// [`relay_chance`] with `popular(w)` the chance that `w` pays `v` by trade.
fn relay_chance_by(g: &FlowGraph, v: u32, legs: &Pairs, popular: impl Fn(u32) -> f64) -> f64 {
    // Per intermediary: how likely it sends anything that soon, how likely it pays v
    // that soon, and its pairing.
    let relays: Vec<(f64, f64, f64)> = legs
        .iter()
        .map(|(&w, &(e1, e2))| {
            let pairing = pairing_chance(g, w, v, popular(w));
            let delay = g.time[e2 as usize] - g.time[e1 as usize];
            let sends = g.scale.expected_within(g.sent_over_dump(w), delay);
            (sends.min(1.0), (sends * pairing).min(1.0), pairing)
        })
        .collect();
    // The search takes whoever an intermediary paid as the target: one pairing (the
    // likeliest, to be fair to the source) is the choice of target, not a coincidence.
    let chosen = (0..relays.len()).max_by(|&a, &b| relays[a].2.total_cmp(&relays[b].2).then(b.cmp(&a)));
    relays
        .iter()
        .enumerate()
        .map(|(k, &(sends, pays_v, _))| if Some(k) == chosen { sends } else { pays_v })
        .product()
}

/// The chance of a scatter-gather whose amounts carry on: its timing and pairing
/// ([`relay_chance`]), times, per intermediary that pays `v` once only, the share of the
/// dump's amounts in the band its payment on had to hit (from `min_retained` of what it
/// received to a little over it). Two children whom a parent paid, each paying the same
/// landlord or shop within the week a sum their money covers, are everyday life in a
/// busy dump; five strangers each passing on nearly all they received are not. A
/// payment to a payee the intermediary pays again and again (rent, a bill, a club) is
/// sized by that habit, whatever it received: its size is no evidence of money carried
/// on. Tried among `tried` subsets; read for a chance of at most `most` (what
/// [`relay_chance`] reads by).
fn carrying_chance(g: &FlowGraph, spec: &Spec, v: u32, legs: &Pairs, tried: f64, most: f64) -> ChanceTest {
    let amounts: f64 = legs
        .iter()
        .map(|(&w, &(e1, _))| if g.payments_over_dump(w, v) > 1 { 1.0 } else { carried_band(g, spec, e1) })
        .product();
    let relay = RelayReading::read(g, v, legs, most / tried / amounts);
    ChanceTest { relay, scaling: Scaling::Carrying { amounts, tried } }
}

/// The share of the dump's amounts in the band a payment on had to hit to carry most of
/// what `e1` brought in: from `min_retained` of it to a little over it.
fn carried_band(g: &FlowGraph, spec: &Spec, e1: u32) -> f64 {
    let received = g.amount[e1 as usize];
    g.scale.share_between(spec.min_retained * received, received * CARRIED_AT_MOST)
}

/// Whether `e2` passes on most of what `e1` brought in (the band of [`carried_band`]).
fn carries(g: &FlowGraph, spec: &Spec, e1: u32, e2: u32) -> bool {
    let (received, paid) = (g.amount[e1 as usize], g.amount[e2 as usize]);
    paid >= spec.min_retained * received && paid <= received * CARRIED_AT_MOST
}

/// The one-off relays among `legs` that passed on most of what they got, however late,
/// and their chance: timing and pairing ([`relay_chance`]) times, per relay, the share of
/// the dump's amounts in the band it hit. A mule who waits weeks to pass money on still
/// passes that money on, and a busy account that pays its target a sum its receipt sized
/// is rarer than one that pays it anything. Only the relays that carried count: one that
/// carried beside others that paid the target some other sum is a coincidence a busy
/// dump holds many of. As for money that carries on within the window, the relays are
/// one subset of the source's `candidates` that carried a receipt on to anyone: a parent
/// who paid forty relatives offers many threes that each paid one landlord. The caller
/// keeps a chance of at most `most` (what [`relay_chance`] reads by).
fn late_carried(
    g: &FlowGraph,
    spec: &Spec,
    v: u32,
    legs: &Pairs,
    candidates: usize,
    most: f64,
) -> (Pairs, ChanceTest) {
    let carried: Pairs =
        legs.iter().filter(|(_, &(e1, e2))| carries(g, spec, e1, e2)).map(|(&w, &l)| (w, l)).collect();
    let bands: f64 = carried.values().map(|&(e1, _)| carried_band(g, spec, e1)).product();
    let tried = subsets(candidates.saturating_sub(1), carried.len().saturating_sub(1));
    let relay = RelayReading::read(g, v, &carried, most / (bands * tried));
    (carried, ChanceTest { relay, scaling: Scaling::Scaled { by: bands, tried, at_most_one: false } })
}

/// Every scatter-gather of the dump, by source in node order, then (when amounts that
/// do not carry on are read too) those of several sources, by target in node order.
pub fn all(ctx: &Context<'_>, spec: &Spec) -> Vec<Hit> {
    searched(ctx, spec, 1.0).at(ctx, spec.expected_by_chance).unwrap_or_default()
}

/// What [`all`] finds under a chance budget up to `times` the spec's, each hit with the
/// test it stands by: one search read at the spec's budget or any wider one up to there.
pub fn searched(ctx: &Context<'_>, spec: &Spec, times: f64) -> Scanned {
    let n = ctx.graph.node_count() as u32;
    let budget = spec.expected_by_chance.map(|x| x * times);
    let widest = budget.map(|b| most_likely(ctx.graph, b));
    let sources: Vec<u32> = if spec.offshore_only {
        offshore_payers(ctx.graph, spec.min_intermediaries)
    } else {
        (0..n).collect()
    };
    let paid = paid_once(ctx, spec);
    let g = ctx.graph;
    g.onward_ready();
    // Read by `scan`: measured here on every thread, not by the first scan that asks
    // while the other threads wait for it (`Context::one_off_payments`).
    ctx.one_off_payments();
    // A hub's paths and relays are read over each of its payments: runs of accounts of
    // about equal business (`balanced`), or one thread reads a block of hubs alone.
    let by_source: Vec<SourceScan> = flat_map_balanced(
        sources.len(),
        |k| g.transfers_of(sources[k]),
        |k| {
            let found =
                scan(ctx, spec, sources[k], paths_from(ctx, spec, paid.as_ref(), sources[k], None), widest);
            (!found.is_empty()).then_some(found).into_iter().collect()
        },
    );
    let mut by_target = Vec::new();
    if let (true, Some(most_likely)) = (pools(spec), widest) {
        let relayable = relayable(ctx, spec);
        by_target = flat_map_balanced(
            n as usize,
            |v| g.transfers_of(v as u32),
            |v| {
                let v = v as u32;
                gathered(ctx, spec, v, relays_into(ctx, spec, &relayable, v, None), most_likely)
                    .into_iter()
                    .collect()
            },
        );
    }
    Scanned { by_source, by_target, budget }
}

/// The scatter-gathers one search found ([`searched`]), each with the chance test it
/// stands by.
#[derive(Debug)]
pub struct Scanned {
    by_source: Vec<SourceScan>,
    /// Several sources' pooled through the same intermediaries, by target.
    by_target: Vec<Reported>,
    /// The widest chance budget searched for (none: no chance test).
    budget: Option<f64>,
}

impl Scanned {
    /// The hits a search under the chance budget `budget` finds ([`Spec::expected_by_chance`]),
    /// in its order; `None` when that is wider than the one searched for, or a hit's
    /// chance would read otherwise there ([`Reported::at`]).
    pub fn at(&self, ctx: &Context<'_>, budget: Option<f64>) -> Option<Vec<Hit>> {
        if budget.zip(self.budget).is_some_and(|(asked, searched)| asked > searched) {
            return None;
        }
        let most_likely = budget.map_or(f64::INFINITY, |b| most_likely(ctx.graph, b));
        let mut hits = Vec::new();
        for found in &self.by_source {
            found.at(most_likely, &mut hits)?;
        }
        for pooled in &self.by_target {
            hits.extend(pooled.at(most_likely)?.1);
        }
        without_settling_up(ctx, &mut hits);
        Some(hits)
    }
}

/// The accounts that paid at least `min` distinct offshore accounts, ascending: the only
/// sources a scatter through offshore intermediaries can start from. Read from the
/// offshore accounts' receipts (a few of the dump's accounts) rather than from every
/// payment of every account, which a search of every source read, one cache miss each,
/// to find that almost none went offshore.
fn offshore_payers(g: &FlowGraph, min: usize) -> Vec<u32> {
    let mut pairs: Vec<(u32, u32)> = (0..g.node_count() as u32)
        .into_par_iter()
        .filter(|&w| g.accounts.offshore[w as usize])
        .flat_map_iter(|w| g.in_list(w).other.iter().map(move |&u| (u, w)))
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs.chunk_by(|a, b| a.0 == b.0).filter(|payees| payees.len() >= min).map(|payees| payees[0].0).collect()
}

/// What the part of time `part` owns of the dump's scatter-gathers ([`Found`]): the
/// paths from its sources' payments in that time, each intermediary's payment on read
/// up to the horizon after, and its targets' relays in that time, each with what the
/// intermediary received up to the horizon before.
pub fn found_in(part: &Context<'_>, spec: &Spec) -> Found {
    let owned = part.owned_time();
    let n = part.graph.node_count() as u32;
    let paid = paid_once(part, spec);
    part.graph.onward_ready();
    let sources = (0..n)
        .into_par_iter()
        .with_min_len(256)
        .filter_map(|u| {
            let paths = paths_from(part, spec, paid.as_ref(), u, owned);
            (!paths.is_empty()).then(|| (u, paths.into_whole(part)))
        })
        .collect();
    let targets = if pools(spec) {
        let relayable = relayable(part, spec);
        (0..n)
            .into_par_iter()
            .with_min_len(256)
            .filter_map(|v| {
                let relays = relays_into(part, spec, &relayable, v, owned);
                (!relays.is_empty()).then(|| (v, relays.into_iter().map(|r| r.into_whole(part)).collect()))
            })
            .collect()
    } else {
        Vec::new()
    };
    Found { sources, targets }
}

/// The scatter-gathers of what the parts of time found (`found`, in time order), read
/// in `ctx`, the whole dump's, as [`all`] reads them: each source's paths and each
/// target's relays gathered from every part. Beyond what the parts found, it reads the
/// dump's per-account counts and, for the hits only, their centre accounts' usual
/// amounts.
pub fn from_found(ctx: &Context<'_>, spec: &Spec, found: Vec<Found>) -> Vec<Hit> {
    let (mut sources, mut targets) = (Vec::new(), Vec::new());
    for f in found {
        sources.extend(f.sources);
        targets.extend(f.targets);
    }
    let by_source = by_account(sources, |all: &mut SourcePaths, paths| {
        all.carrying.extend(paths.carrying);
        all.any_amount.extend(paths.any_amount);
    });
    let by_target = by_account(targets, |all: &mut Vec<Relay>, relays| all.extend(relays));
    let widest = spec.expected_by_chance.map(|b| most_likely(ctx.graph, b));
    let by_source = by_source
        .into_par_iter()
        .with_min_len(64)
        .map(|(u, paths)| scan(ctx, spec, u, paths, widest))
        .filter(|found| !found.is_empty())
        .collect();
    let by_target = match widest {
        Some(most_likely) => by_target
            .into_par_iter()
            .with_min_len(64)
            .filter_map(|(v, relays)| gathered(ctx, spec, v, relays, most_likely))
            .collect(),
        None => Vec::new(),
    };
    let found = Scanned { by_source, by_target, budget: spec.expected_by_chance };
    found.at(ctx, spec.expected_by_chance).unwrap_or_default()
}

/// `pieces` (from every part, in time order) one per account, in account order: each
/// account's pieces `merge`d in the parts' time order.
fn by_account<T>(mut pieces: Vec<(u32, T)>, merge: impl Fn(&mut T, T)) -> Vec<(u32, T)> {
    // A stable sort keeps each account's pieces in time order.
    pieces.sort_by_key(|p| p.0);
    let mut merged: Vec<(u32, T)> = Vec::new();
    for (account, piece) in pieces {
        match merged.last_mut() {
            Some((last, all)) if *last == account => merge(all, piece),
            _ => merged.push((account, piece)),
        }
    }
    merged
}

/// How a search under `spec` runs in parts of time ([`PartRule::Gathered`]): a part
/// finds the paths from its sources' payments, reading each intermediary's payment on up
/// to the horizon after, and (when it pools sources) its targets' relays, reading what
/// each intermediary received up to the horizon before.
pub fn part_rule(spec: &Spec) -> PartRule {
    let horizon = seconds_to_days(horizon(spec));
    PartRule::Gathered { before_days: if pools(spec) { horizon } else { 0.0 }, after_days: horizon }
}

/// How long after receiving the search follows an intermediary's payments on.
fn horizon(spec: &Spec) -> i64 {
    if spec.expected_by_chance.is_some() {
        spec.horizon.max(spec.window)
    } else {
        spec.window
    }
}

/// The scatter-gathers that what the parts of time found (`found`, in time order) make,
/// read in `one_place` ([`from_found`]).
pub fn from_parts(one_place: &Context<'_>, spec: &Spec, found: Vec<crate::detect::Found>) -> Vec<Hit> {
    let found = found
        .into_iter()
        .filter_map(|f| match f {
            crate::detect::Found::ScatterGathers(found) => Some(found),
            crate::detect::Found::Layers(_) => None,
        })
        .collect();
    from_found(one_place, spec, found)
}

/// Whether the search reads several sources pooled through the same intermediaries.
/// Pooled sources through offshore intermediaries are not OS4's evidence.
fn pools(spec: &Spec) -> bool {
    spec.expected_by_chance.is_some() && !spec.offshore_only
}

/// Drops the hits whose every leg ran between parties who also pay each other back.
fn without_settling_up(ctx: &Context<'_>, hits: &mut Vec<Hit>) {
    // Friends who take turns paying for the group pay each other's shares on within
    // days, through one another, in every direction: money that moved only along such
    // two-way relationships is people settling up.
    hits.retain(|h| !every_payee_paid_back(ctx.graph, &h.transfers));
}

/// The relays into `v` ([`Relay`]) whose payment to `v` falls in `owned` (all of them
/// without), in the order of `v`'s receipts: each one-off payer `w` of `v` with what it
/// received one-off, within the timed horizon before its payment, from others than `v`.
/// `relayable` marks the receipts that may be relayed, by incoming-list entry
/// ([`relayable`]).
fn relays_into(
    ctx: &Context<'_>,
    spec: &Spec,
    relayable: &FixedBitSet,
    v: u32,
    owned: Option<(i64, i64)>,
) -> Vec<Relay> {
    let g = ctx.graph;
    let horizon = horizon(spec);
    // The `k`th receipt of `b` is relayable (one-off and on the spec's channels) and from
    // an account `a` that counts. `b` is the same account for every entry of a list read
    // here (`v`, or a relay `w`), so its kind is asked first: `a`'s is another account's,
    // far away in memory, and is only read when `b` is business-like (the test is the
    // same both ways round).
    let counts = |b_start: usize, k: usize, a: u32, b: u32| {
        relayable.contains(b_start + k) && counted_between(g, spec, b, a)
    };
    let incoming = g.in_list(v);
    let v_start = g.in_start(v);
    let relayed = |k: usize| counts(v_start, k, incoming.other[k], v);
    let mut payers: Vec<usize> = (0..incoming.len()).filter(|&k| relayed(k)).collect();
    // Too few one-off payers to make a gather over the whole dump: nothing to read.
    if owned.is_none() && payers.len() < spec.min_intermediaries {
        return Vec::new();
    }
    if let Some((from, to)) = owned {
        payers.retain(|&k| (from..to).contains(&incoming.time[k]));
    }
    // What w was paid, one-off, by others than v within the horizon before its payment
    // e2 to v: (transfer, payer, amount), read from w's incoming list rather than by
    // transfer id from the graph's columns.
    let receipts = |w: u32, e2: u32, t2: i64| -> Vec<(u32, u32, f64)> {
        let (into_w, w_start) = (g.in_list(w), g.in_start(w));
        let from = into_w.time.partition_point(|&t| t < t2.saturating_sub(horizon));
        let to = into_w.time.partition_point(|&t| t <= t2);
        (from..to)
            .filter(|&j| {
                let (s, e1) = (into_w.other[j], into_w.edges[j]);
                s != v && s != w && e1 != e2 && counts(w_start, j, s, w)
            })
            .map(|j| (into_w.edges[j], into_w.other[j], into_w.amount[j]))
            .collect()
    };
    payers
        .iter()
        .enumerate()
        .filter_map(|(i, &k)| {
            // The payers' receipts a step or two on, asked for now: each is another
            // account's list, far from this one's.
            if let Some(&ahead) = payers.get(i + 2) {
                g.prefetch_in_offset(incoming.other[ahead]);
            }
            if let Some(&next) = payers.get(i + 1) {
                g.prefetch_receipts(incoming.other[next]);
            }
            let (w, e2) = (incoming.other[k], incoming.edges[k]);
            let receipts = receipts(w, e2, incoming.time[k]);
            (!receipts.is_empty()).then_some(Relay { w, e2, receipts })
        })
        .collect()
}

/// Several sources pay several intermediaries, and each intermediary passes the same
/// share of what those sources paid it on to `v`: mules who pool what several
/// controllers sent them and keep a fixed cut. For each one-off payer `w` of `v`, what
/// it received one-off, within the timed horizon before, from sources that paid at
/// least one other of `v`'s payers too (`relays`, [`relays_into`]); reported as
/// [`same_margin`] says, with at least two sources, every relay counted among the
/// candidates that might have agreed.
fn gathered(
    ctx: &Context<'_>,
    spec: &Spec,
    v: u32,
    relays: Vec<Relay>,
    most_likely: f64,
) -> Option<Reported> {
    let g = ctx.graph;
    if relays.len() < spec.min_intermediaries {
        return None;
    }
    // Sources that paid two or more of v's payers.
    let mut paying: Vec<(u32, u32)> =
        relays.iter().flat_map(|r| r.receipts.iter().map(move |&(_, s, _)| (s, r.w))).collect();
    paying.sort_unstable();
    paying.dedup();
    let mut shared_sources: Vec<u32> =
        paying.windows(2).filter(|p| p[0].0 == p[1].0).map(|p| p[0].0).collect();
    shared_sources.dedup();
    let pooled_by = |r: &Relay| -> Vec<(u32, u32, f64)> {
        r.receipts.iter().copied().filter(|&(_, s, _)| shared_sources.binary_search(&s).is_ok()).collect()
    };
    // Per intermediary: its latest shared receipt and payment to v, and the share.
    let pairs: Vec<(u32, u32, u32, f64)> = relays
        .iter()
        .filter_map(|r| {
            let (got, last) =
                pooled_by(r).into_iter().fold((0.0, None), |(sum, _), (e1, _, a1)| (sum + a1, Some(e1)));
            let share = g.amount[r.e2 as usize] / got;
            let kept = got > 0.0 && share >= spec.min_retained && share <= 1.0 + MARGIN_TOLERANCE;
            last.filter(|_| kept).map(|last| (r.w, last, r.e2, share))
        })
        .collect();
    // Any of v's relays could have been among those that agreed, whatever share it
    // passed on: in a large dump a popular target has hundreds, and a handful of them
    // agree on a cut by chance.
    let margin = same_margin(g, spec, v, &pairs, relays.len(), most_likely)?;
    let relay = |e2: u32| relays.iter().find(|r| r.e2 == e2);
    let pooled: BTreeMap<u32, Vec<u32>> = margin
        .legs
        .iter()
        .map(|(&w, &(_, e2))| {
            (w, relay(e2).map(|r| pooled_by(r).iter().map(|x| x.0).collect()).unwrap_or_default())
        })
        .collect();
    let sources: std::collections::BTreeSet<u32> =
        pooled.values().flat_map(|paid| paid.iter().map(|&e1| g.src[e1 as usize])).collect();
    let sent: f64 = pooled.values().flatten().map(|&e1| g.amount[e1 as usize]).sum();
    if sources.len() < 2 || sent < spec.min_amount {
        return None;
    }
    let payers: Vec<u32> = sources.iter().copied().collect();
    if paid_like_its_crowd(g, &payers, v, &margin.legs, spec.window) {
        return None;
    }
    Reported::kept(margin.test, most_likely, |_| {
        Some(pooled_hit(ctx, spec, v, &margin, &pooled, &sources, sent))
    })
}

/// A scatter-gather of several sources whose intermediaries each kept the same share.
fn pooled_hit(
    ctx: &Context<'_>,
    spec: &Spec,
    v: u32,
    margin: &SameMargin,
    pooled: &BTreeMap<u32, Vec<u32>>,
    sources: &std::collections::BTreeSet<u32>,
    sent: f64,
) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    let mut proving = Vec::new();
    let mut got = 0.0;
    for (&w, &(_, e2)) in &margin.legs {
        for &e1 in &pooled[&w] {
            let (s, a1) = (g.src[e1 as usize], g.amount[e1 as usize]);
            b.account(s, Role::Originator, 0.0, a1);
            b.account(w, Role::Intermediary, a1, 0.0);
            b.transfer(e1);
            proving.push(e1);
        }
        let a2 = g.amount[e2 as usize];
        got += a2;
        b.account(w, Role::Intermediary, 0.0, a2);
        b.account(v, Role::Target, a2, 0.0);
        b.transfer(e2);
        proving.push(e2);
    }
    proving.sort_unstable();
    let centre: Vec<u32> = sources.iter().copied().chain([v]).collect();
    let novelty = AmountNovelty::measure(g, &centre, &proving);
    let reason = format!(
        "{} sources ({}) paid {} intermediaries {} in all, and each kept {:.1}% of what they paid it and passed the rest ({}) on to {} (chance of such shares, timing and pairing by habit: 1 in {}){}",
        sources.len(),
        ctx.account_list(&sources.iter().copied().collect::<Vec<u32>>()),
        margin.legs.len(),
        fmt_amount(sent),
        (1.0 - margin.share) * 100.0,
        fmt_amount(got),
        ctx.account(v),
        fmt_odds(margin.chance),
        novelty.words(),
    );
    let shape = 0.5 + 0.1 * (margin.legs.len() as f64 - 1.0).min(5.0);
    let strength = 0.7 * shape + 0.3 * novelty.term();
    b.finish(g, spec.pattern, sent, strength, reason)
}

/// True when a transfer from `a` to `b` on `channel` counts: on the spec's channels, not
/// to itself, and not company-to-company when those are left out.
fn counted(g: &FlowGraph, spec: &Spec, channel: Channel, a: u32, b: u32) -> bool {
    spec.channels.contains(&channel) && counted_between(g, spec, a, b)
}

/// True when a transfer from `a` to `b` may count: not to itself, and not
/// company-to-company when those are left out. The same either way round; `a`'s kind is
/// read first, and `b`'s only when `a` is business-like.
fn counted_between(g: &FlowGraph, spec: &Spec, a: u32, b: u32) -> bool {
    let company = |x: u32| g.accounts.business_like[x as usize];
    a != b && !(spec.skip_b2b && company(a) && company(b))
}

/// The one-off payments of `ctx`'s dump on the spec's channels, one bit per entry of
/// the incoming lists ([`FlowGraph::mark_in_entries`]): what a relay's receipts are,
/// read beside them in an intermediary's list.
fn relayable(ctx: &Context<'_>, spec: &Spec) -> FixedBitSet {
    let one_off = ctx.one_off_payments();
    ctx.graph.mark_in_entries(|e, channel| spec.channels.contains(&channel) && one_off.contains(e))
}

/// Which payments are their payer's only one to that payee, one bit per entry of the
/// outgoing lists ([`FlowGraph::mark_out_entries`]), when the spec reads paths of any
/// amount: the first legs whose payee's payments [`paths_from`] reads up to the horizon.
fn paid_once(ctx: &Context<'_>, spec: &Spec) -> Option<FixedBitSet> {
    spec.expected_by_chance.is_some().then(|| {
        let one_off = ctx.one_off_payments();
        ctx.graph.mark_out_entries(|e, _| one_off.contains(e))
    })
}

/// The two-hop paths from `u`'s payments in `owned` (all of them without), each
/// intermediary's payment on read up to the window after, or, from a payment that was
/// `u`'s only one to that intermediary (`paid_once`, when the spec reads paths of any
/// amount: see [`paid_once`]), up to the horizon: what [`scan`] reads.
fn paths_from(
    ctx: &Context<'_>,
    spec: &Spec,
    paid_once: Option<&FixedBitSet>,
    u: u32,
    owned: Option<(i64, i64)>,
) -> SourcePaths {
    let g = ctx.graph;
    if g.sent_over_dump(u) < spec.min_intermediaries {
        return SourcePaths::default();
    }
    let outs = g.out_list(u);
    let counts = |channel: Channel, a: u32, b: u32| counted(g, spec, channel, a, b);
    let window = spec.window;
    let succession = g.succession();
    // Every two-hop path u -> w -> v the search reads, flat, in the order met: a map per
    // target with a map or a vector per intermediary made millions of small allocations
    // on a busy dump. They are grouped by sorting, the order met breaking ties.
    let mut carrying: Vec<Path> = Vec::new();
    let mut any_amount: Vec<Path> = Vec::new();
    let horizon = horizon(spec);
    let u_start = g.out_start(u);
    for k in 0..outs.len() {
        let (w, e1, t1, a1) = (outs.other[k], outs.edges[k], outs.time[k], outs.amount[k]);
        if owned.is_some_and(|(from, to)| !(from..to).contains(&t1))
            || !counts(outs.channel[k], u, w)
            || (spec.offshore_only && !g.accounts.offshore[w as usize])
        {
            continue;
        }
        // Every pass over paths of any amount reads only pairs whose two legs are each
        // their payer's only payment to that payee (a scatter, not a habit). For such a
        // pair the path from `u` through `w` to its target is the only one, so it is also
        // the quickest of its target and intermediary, which is what the passes take:
        // leaving out the paths of a payment `u` made to `w` again and again changes no
        // pass, and its payee's payments are then read only up to the window, not the
        // horizon (each of a customer's purchases at a shop that pays out every day would
        // meet two months of the shop's payments).
        let read_late = paid_once.is_some_and(|once| once.contains(u_start + k));
        let until = t1 + if read_late { horizon } else { window };
        // `w`'s payments after it was paid (or on that date, in a dump of dates), up to
        // then: where they start is read beside the payment to `w`, not searched for in
        // `w`'s list.
        let next = g.onward_from(g.onward_start(u, k), w).list;
        for j in 0..next.len() {
            let (e2, a2, v, t2) = (next.edges[j], next.amount[j], next.other[j], next.time[j]);
            if t2 > until {
                break;
            }
            if !succession.may_follow(t1, t2) || v == u || v == w || !counts(next.channel[j], w, v) {
                continue;
            }
            let path = Path { v, w, e1, e2, held: t2 - t1 };
            if read_late {
                any_amount.push(path);
                if any_amount.len() >= COMPACT_AT {
                    keep_readable(g, spec, &mut any_amount);
                }
            }
            if a2 > a1 * CARRIED_AT_MOST || t2 > t1 + window {
                continue;
            }
            carrying.push(path);
        }
    }
    // What a part hands on is only what the scan will read.
    if owned.is_some() && spec.expected_by_chance.is_some() {
        keep_readable(g, spec, &mut any_amount);
    }
    SourcePaths { carrying, any_amount }
}

/// A hit read by a chance test: the test, the hit (none when its crowd explains it) and
/// the chance its reason gives (read where the test was read).
#[derive(Debug)]
struct Reported {
    test: ChanceTest,
    hit: Option<Hit>,
    chance: f64,
}

impl Reported {
    /// `hit` read by `test` at the `widest` most likely, kept when a budget up to there
    /// may pass it.
    fn kept(test: ChanceTest, widest: f64, hit: impl FnOnce(f64) -> Option<Hit>) -> Option<Reported> {
        (test.least() <= widest).then(|| {
            let chance = test.chance(widest);
            Reported { test, hit: hit(chance), chance }
        })
    }

    /// Whether a search under `most_likely` passes its test, and then its hit; `None`
    /// when that search would give another chance than the hit's reason (a relay chance
    /// within rounding of the bound it is read under): read again then.
    fn at(&self, most_likely: f64) -> Option<(bool, Option<Hit>)> {
        match self.test.passes(most_likely) {
            None => Some((false, None)),
            Some(chance) if chance == self.chance || self.hit.is_none() => Some((true, self.hit.clone())),
            Some(_) => None,
        }
    }
}

/// What the scan of one source found ([`scan`]), each hit with the chance test it stands
/// by, read at a budget by [`SourceScan::at`].
#[derive(Debug, Default)]
struct SourceScan {
    /// Amounts that carry on, by target: its test (none without a budget) and hit.
    carried: Vec<(u32, Option<ChanceTest>, Hit)>,
    /// The same share kept, by target in the order met.
    margins: Vec<(u32, Reported)>,
    /// Timing and pairing, or else late relays that carried most of it, by target.
    timed: Vec<(u32, Option<Reported>, Option<Reported>)>,
}

impl SourceScan {
    fn is_empty(&self) -> bool {
        self.carried.is_empty() && self.margins.is_empty() && self.timed.is_empty()
    }

    /// Adds to `hits` what a scan under `most_likely` reports: each target once, by the
    /// first pass that carries it; `None` when it must be read again ([`Reported::at`]).
    fn at(&self, most_likely: f64, hits: &mut Vec<Hit>) -> Option<()> {
        let mut carried = std::collections::BTreeSet::new();
        for (v, test, hit) in &self.carried {
            if test.is_none_or(|t| t.passes(most_likely).is_some()) {
                carried.insert(*v);
                hits.push(hit.clone());
            }
        }
        for (v, margin) in &self.margins {
            if carried.contains(v) {
                continue;
            }
            if let (true, Some(hit)) = margin.at(most_likely)? {
                carried.insert(*v);
                hits.push(hit);
            }
        }
        for (v, timed, late) in &self.timed {
            if carried.contains(v) {
                continue;
            }
            if let Some(timed) = timed {
                let (passes, hit) = timed.at(most_likely)?;
                if passes {
                    hits.extend(hit);
                    continue;
                }
            }
            if let Some(late) = late {
                hits.extend(late.at(most_likely)?.1);
            }
        }
        Some(())
    }
}

/// The scatter-gathers from source `u`, read from the paths its payments start: each
/// with its chance test, those a budget whose most likely is up to `widest` may pass
/// (every one, without a budget).
fn scan(ctx: &Context<'_>, spec: &Spec, u: u32, paths: SourcePaths, widest: Option<f64>) -> SourceScan {
    let g = ctx.graph;
    let window = spec.window;
    let SourcePaths { mut carrying, mut any_amount } = paths;
    // v -> (w -> (sent to w, forwarded by w, edges)), for the targets reached through
    // enough intermediaries.
    carrying.sort_unstable_by_key(|p| (p.v, p.w, p.met()));
    // The intermediaries that passed money on to anyone: any of them could have been
    // among those that reached a target.
    let candidates = distinct_intermediaries(carrying.iter());
    let by_target = carrying.chunk_by(|a, b| a.v == b.v).filter_map(|paths| {
        if !through_enough(paths, spec.min_intermediaries) {
            return None;
        }
        let mut mids: BTreeMap<u32, Leg> = BTreeMap::new();
        // Per intermediary, the first pair met: what the chance below reads.
        let mut legs: Pairs = BTreeMap::new();
        for p in paths {
            legs.entry(p.w).or_insert((p.e1, p.e2));
            let slot = mids.entry(p.w).or_insert((0.0, 0.0, Vec::new()));
            if !slot.2.contains(&p.e1) {
                slot.0 += g.amount[p.e1 as usize];
                slot.2.push(p.e1);
            }
            slot.1 += g.amount[p.e2 as usize];
            slot.2.push(p.e2);
        }
        Some((paths[0].v, mids, legs))
    });
    let mut found = SourceScan::default();
    // By target, then intermediary, the quickest first, for a carried target's other
    // relays: sorted once the first target is carried, not on every source's scan.
    let mut by_quickest = false;
    let one_off = ctx.one_off_payments();
    for (v, mids, legs) in by_target {
        let sent: f64 = mids.values().map(|m| m.0).sum();
        let got: f64 = mids.values().map(|m| m.1.min(m.0)).sum();
        if sent < spec.min_amount || got < spec.min_retained * sent {
            continue;
        }
        // The search keeps whichever of the candidates reached v: with the first of
        // them as the anchor, the others are one subset of the rest. A source that pays
        // dozens of people, some of whom pay a popular landlord within the week, offers
        // many such subsets; a source that paid its three mules offers one.
        let tried = subsets(candidates.saturating_sub(1), legs.len().saturating_sub(1));
        let test = widest.map(|most_likely| carrying_chance(g, spec, v, &legs, tried, most_likely));
        if test.zip(widest).is_some_and(|(t, most_likely)| t.least() > most_likely)
            || paid_like_its_crowd(g, &[u], v, &legs, window)
        {
            continue;
        }
        if !by_quickest {
            quickest_first(&mut any_amount);
            by_quickest = true;
        }
        let also = also_relayed(g, spec, one_off, &any_amount, v, &legs);
        let mut proving: Vec<u32> = mids.values().flat_map(|m| m.2.iter().copied()).collect();
        proving.sort_unstable();
        let novelty = AmountNovelty::measure(g, &[u, v], &proving);
        let mut b = HitBuilder::default();
        for (&w, (s, f, edges)) in &mids {
            b.account(u, Role::Originator, 0.0, *s);
            b.account(w, Role::Intermediary, *s, *f);
            b.account(v, Role::Target, *f, 0.0);
            for &e in edges {
                b.transfer(e);
            }
        }
        for &(w, e1, e2) in &also {
            let (a1, a2) = (g.amount[e1 as usize], g.amount[e2 as usize]);
            b.account(u, Role::Originator, 0.0, a1);
            b.account(w, Role::Intermediary, a1, a2);
            b.account(v, Role::Target, a2, 0.0);
            b.transfer(e1);
            b.transfer(e2);
        }
        let also_text = if also.is_empty() {
            String::new()
        } else {
            let paid: f64 = also.iter().map(|&(_, _, e2)| g.amount[e2 as usize]).sum();
            format!(
                "; {} more it paid once in the same days paid {} once too ({}), within the window or, later, most of what they got",
                also.len(),
                ctx.account(v),
                fmt_amount(paid)
            )
        };
        let mut offshore: Vec<String> = mids
            .keys()
            .filter(|&&w| g.accounts.offshore[w as usize])
            .filter_map(|&w| g.accounts.country[w as usize].map(|c| c.to_string()))
            .collect();
        let offshore_text = if offshore.is_empty() {
            String::new()
        } else {
            let n = offshore.len();
            offshore.sort();
            offshore.dedup();
            format!(" ({n} of {} offshore: {})", mids.len(), offshore.join(", "))
        };
        let reason = format!(
            "{} split {} over {} intermediaries{offshore_text} that passed {} ({:.0}%) on to {} within {:.0} days of receiving it{}{also_text}",
            ctx.account(u),
            fmt_amount(sent),
            mids.len(),
            fmt_amount(got),
            got / sent * 100.0,
            ctx.account(v),
            window as f64 / DAY as f64,
            novelty.words(),
        );
        let shape = 0.5 + 0.1 * (mids.len() as f64 - 1.0).min(5.0);
        let strength = 0.7 * shape + 0.3 * novelty.term();
        found.carried.push((v, test, b.finish(g, spec.pattern, sent, strength, reason)));
    }
    // The passes below read every target, also those the money carried on to: a target
    // carried under the widest budget may not be under the configured one.
    if let Some(most_likely) = widest {
        // By target, in the order met.
        any_amount.sort_unstable_by_key(|p| (p.v, p.met()));
        // The intermediaries that passed most of a one-off receipt on to anyone in a
        // one-off payment: any of them could have been among those that agreed.
        let margin_candidates = distinct_intermediaries(any_amount.iter().filter(|p| {
            one_off.contains(p.e1) && one_off.contains(p.e2) && margin_share(g, spec, p).is_some()
        }));
        for paths in any_amount.chunk_by(|a, b| a.v == b.v) {
            let v = paths[0].v;
            // Every pair whose second leg is most of the first: (w, e1, e2, share).
            // One scatter, not a habit: a payroll pays its staff every month, and some of
            // them pass a like share of their pay on to the same landlord.
            let pairs: Vec<(u32, u32, u32, f64)> = paths
                .iter()
                .filter_map(|p| margin_share(g, spec, p).map(|share| (p.w, p.e1, p.e2, share)))
                .filter(|&(_, e1, e2, _)| one_off.contains(e1) && one_off.contains(e2))
                .collect();
            if pairs.len() < spec.min_intermediaries {
                continue;
            }
            if let Some(margin) = same_margin(g, spec, v, &pairs, margin_candidates, most_likely) {
                let sent: f64 = margin.legs.values().map(|&(e1, _)| g.amount[e1 as usize]).sum();
                if sent >= spec.min_amount && !paid_like_its_crowd(g, &[u], v, &margin.legs, window) {
                    let reported = Reported::kept(margin.test, most_likely, |_| {
                        Some(margin_hit(ctx, spec, u, v, &margin, sent))
                    });
                    found.margins.extend(reported.map(|r| (v, r)));
                }
            }
        }
        // By target, then intermediary: the quickest pair first.
        quickest_first(&mut any_amount);
        // The intermediaries that passed most of a one-off receipt on to anyone in a
        // one-off payment, however late: any of them could have been among those that
        // carried it to a target. Counted once, when a target first needs it.
        let mut late_candidates = None;
        for paths in any_amount.chunk_by(|a, b| a.v == b.v) {
            let v = paths[0].v;
            if !through_enough(paths, spec.min_intermediaries) {
                continue;
            }
            let mut legs: Pairs =
                paths.chunk_by(|a, b| a.w == b.w).map(|q| (q[0].w, (q[0].e1, q[0].e2))).collect();
            // One scatter, not a habit: the source paid each intermediary once only (a
            // payroll pays its staff every month, and they spend it where they always
            // do), each paid v once only, and the source paid them all within one window.
            legs.retain(|_, &mut (e1, e2)| one_off.contains(e1) && one_off.contains(e2));
            let first = legs.values().map(|&(e1, _)| g.time[e1 as usize]).min().unwrap_or(0);
            legs.retain(|_, &mut (e1, _)| g.time[e1 as usize] - first <= window);
            if legs.len() < spec.min_intermediaries {
                continue;
            }
            let sent: f64 = legs.values().map(|&(e1, _)| g.amount[e1 as usize]).sum();
            if sent < spec.min_amount {
                continue;
            }
            let test =
                ChanceTest { relay: RelayReading::read(g, v, &legs, most_likely), scaling: Scaling::Plain };
            let timed = Reported::kept(test, most_likely, |chance| {
                (!paid_like_its_crowd(g, &[u], v, &legs, window))
                    .then(|| timed_hit(ctx, spec, u, v, &legs, sent, chance))
            });
            // Timing alone does not tell: the relays that passed on most of what they
            // got may, with their amounts.
            let candidates = *late_candidates.get_or_insert_with(|| {
                distinct_intermediaries(any_amount.iter().filter(|p| {
                    one_off.contains(p.e1) && one_off.contains(p.e2) && carries(g, spec, p.e1, p.e2)
                }))
            });
            let (relays, late_test) = late_carried(g, spec, v, &legs, candidates, most_likely);
            let late = (relays.len() >= spec.min_intermediaries)
                .then(|| {
                    let sent: f64 = relays.values().map(|&(e1, _)| g.amount[e1 as usize]).sum();
                    // The crowd is read with every timed leg, as for the timed hit.
                    let hit = |chance| {
                        (sent >= spec.min_amount && !paid_like_its_crowd(g, &[u], v, &legs, window))
                            .then(|| late_hit(ctx, spec, u, v, &relays, sent, chance))
                    };
                    Reported::kept(late_test, most_likely, hit).filter(|r| r.hit.is_some())
                })
                .flatten();
            if timed.is_some() || late.is_some() {
                found.timed.push((v, timed, late));
            }
        }
    }
    found
}

/// Whether the relays in `legs` paid `v` its going price, as its crowd did in the same
/// days: at least twice as many other payers (neither a source nor a relay) paid `v` within a
/// window of the relays' payments, their middle half within [`GOING_PRICE_SPREAD`] of
/// each other (a price, not a busy account's every sum), and each relay's payment within
/// the range (5th to 95th percentile) of theirs. Rent due at the start of term, a course
/// fee, a season ticket: a bursary's students pay their halls what every resident pays,
/// in the days every resident does, and the source that paid them scattered nothing that
/// gathers. A launderer's target takes what its mules were given, not a crowd's price.
fn paid_like_its_crowd(g: &FlowGraph, sources: &[u32], v: u32, legs: &Pairs, window: i64) -> bool {
    let times = legs.values().map(|&(_, e2)| g.time[e2 as usize]);
    let (Some(first), Some(last)) = (times.clone().min(), times.max()) else {
        return false;
    };
    let list = g.in_list(v);
    let from = list.time.partition_point(|&t| t < first.saturating_sub(window));
    let to = list.time.partition_point(|&t| t <= last.saturating_add(window));
    let in_pattern = |a: u32| sources.contains(&a) || legs.contains_key(&a);
    let mut payers: Vec<u32> = Vec::new();
    let mut paid: Vec<f64> = Vec::new();
    for k in (from..to).filter(|&k| !in_pattern(list.other[k])) {
        payers.push(list.other[k]);
        paid.push(list.amount[k]);
    }
    payers.sort_unstable();
    payers.dedup();
    if payers.len() < 2 * legs.len() {
        return false;
    }
    paid.sort_unstable_by(f64::total_cmp);
    let at = |q: usize| paid[(paid.len() - 1) * q / 100];
    if at(75) > GOING_PRICE_SPREAD * at(25) {
        return false;
    }
    let (low, high) = (at(5), at(95));
    legs.values().all(|&(_, e2)| (low..=high).contains(&g.amount[e2 as usize]))
}

/// How far apart the middle half of what a target's crowd pays it may lie for it to be
/// a going price (rent for a term, a fee): within half again of each other.
const GOING_PRICE_SPREAD: f64 = 1.5;

/// The other intermediaries of a scatter-gather whose carried `legs` reach `v`: those
/// the source paid once, within a window of the carried legs' payments, that paid `v`
/// once within a window of it, whatever the sum, or later (up to `relay_horizon_days`)
/// most of what it got (the quickest such path of each, from `by_target`, sorted by
/// [`quickest_first`]). A launderer's mules pass on what they are told to, not always
/// what they got, and some wait weeks; once most of the money is shown to carry on, the
/// others that paid the same target in the same days are the same scatter.
fn also_relayed(
    g: &FlowGraph,
    spec: &Spec,
    one_off: &OneOffPayments,
    by_target: &[Path],
    v: u32,
    legs: &Pairs,
) -> Vec<(u32, u32, u32)> {
    let window = spec.window;
    let sent_at = legs.values().map(|&(e1, _)| g.time[e1 as usize]);
    let (first, last) = (sent_at.clone().min().unwrap_or(0), sent_at.max().unwrap_or(0));
    let paths = &by_target[by_target.partition_point(|p| p.v < v)..by_target.partition_point(|p| p.v <= v)];
    paths
        .chunk_by(|a, b| a.w == b.w)
        .map(|q| &q[0])
        .filter(|p| !legs.contains_key(&p.w))
        .filter(|p| {
            let (t1, t2) = (g.time[p.e1 as usize], g.time[p.e2 as usize]);
            one_off.contains(p.e1)
                && one_off.contains(p.e2)
                && t1 >= last - window
                && t1 <= first + window
                && (t2 - t1 <= window || carries(g, spec, p.e1, p.e2))
        })
        .map(|p| (p.w, p.e1, p.e2))
        .collect()
}

/// How many distinct intermediaries `paths` pass through.
fn distinct_intermediaries<'p>(paths: impl Iterator<Item = &'p Path>) -> usize {
    let mut ws: Vec<u32> = paths.map(|p| p.w).collect();
    ws.sort_unstable();
    ws.dedup();
    ws.len()
}

/// True when `paths` (to one target, grouped by intermediary) pass through at least
/// `min` intermediaries.
fn through_enough(paths: &[Path], min: usize) -> bool {
    paths.chunk_by(|a, b| a.w == b.w).nth(min.saturating_sub(1)).is_some()
}

/// The largest set of intermediaries that each passed the same share of what they
/// received on to `v` (within [`MARGIN_TOLERANCE`]), one pair each, with that share and
/// its chance: the timing and pairing of every leg ([`relay_chance`]), times, for every
/// intermediary after the first, the share of the dump's amounts in the band its
/// payment had to hit, times the shares tried and the subsets of the other candidates
/// that could have agreed with each: of `candidates` intermediaries (at least the
/// pairs' own), those that might have paid `v` at all. A mule who keeps a tenth and
/// passes the rest on does so every time; two payees of one payer who happen to pay a
/// common landlord keep no common share. `None` when fewer than `min` agree. The
/// caller keeps a chance of at most `most_likely` (what [`relay_chance`] reads by).
fn same_margin(
    g: &FlowGraph,
    spec: &Spec,
    v: u32,
    pairs: &[(u32, u32, u32, f64)],
    candidates: usize,
    most_likely: f64,
) -> Option<SameMargin> {
    let min = spec.min_intermediaries;
    // Per intermediary that agrees: its pair, and the pair's own share.
    let mut best: Option<(SharedPairs, f64)> = None;
    for &(_, _, _, share) in pairs {
        let mut agree = BTreeMap::new();
        for &(w, e1, e2, other) in pairs {
            if (other / share - 1.0).abs() <= MARGIN_TOLERANCE {
                agree.entry(w).or_insert((e1, e2, other));
            }
        }
        if best.as_ref().is_none_or(|(b, _)| agree.len() > b.len()) {
            best = Some((agree, share));
        }
    }
    let (agree, share) = best?;
    if agree.len() < min {
        return None;
    }
    // How closely they agree: the band each had to hit is as wide as the widest
    // disagreement seen, down to a tenth of a percent (amounts rounded to cents or
    // units), up to the tolerance. A fixed cut taken to the cent is far rarer than
    // shares that merely fall within a point of each other.
    let spread = agree
        .values()
        .map(|&(_, _, own)| (own / share - 1.0).abs())
        .fold(AMOUNT_RESOLUTION, f64::max)
        .min(MARGIN_TOLERANCE);
    // Each payment on had to hit the common share of what its intermediary received:
    // of the one receipt a single source sent, or of the sum several sources did (the
    // pair's own share is its payment over that). It was a candidate for passing most
    // of that on at all, so its chance is the band's share of the amounts a candidate
    // could pay: people who pass on nearly all they receive (to convert it, to pay a
    // bill with it) agree on a share near one far more often than the dump's amounts
    // alone would say.
    let band = agree
        .values()
        .skip(1)
        .map(|&(_, e2, own)| {
            let received = g.amount[e2 as usize] / own;
            let expected = share * received;
            g.scale.share_within(
                (expected * (1.0 - spread), expected * (1.0 + spread)),
                (spec.min_retained * received, received * (1.0 + MARGIN_TOLERANCE)),
            )
        })
        .product::<f64>();
    // Each candidate was tried as the share, and the others that agree with it are one
    // subset of all the others: a target that hundreds pay once (a shop, a dealer)
    // offers that many more subsets to agree by chance.
    let legs: Pairs = agree.into_iter().map(|(w, (e1, e2, _))| (w, (e1, e2))).collect();
    let tried = pairs.len() as f64 * subsets(candidates.max(pairs.len()) - 1, legs.len() - 1);
    let relay = RelayReading::read(g, v, &legs, most_likely / (band * tried));
    let test = ChanceTest { relay, scaling: Scaling::Scaled { by: band, tried, at_most_one: true } };
    Some(SameMargin { legs, share, chance: test.chance(most_likely), test })
}

/// A scatter-gather whose intermediaries each kept the same share.
fn margin_hit(ctx: &Context<'_>, spec: &Spec, u: u32, v: u32, margin: &SameMargin, sent: f64) -> Hit {
    pairs_hit(ctx, spec, u, v, &margin.legs, sent, 0.5, |got, slowest_days, novelty| {
        format!(
            "{} split {} over {} intermediaries that each kept {:.1}% and passed the rest ({}) on to {} within {slowest_days:.1} days of receiving it (chance of such shares, timing and pairing by habit: 1 in {}){novelty}",
            ctx.account(u),
            fmt_amount(sent),
            margin.legs.len(),
            (1.0 - margin.share) * 100.0,
            fmt_amount(got),
            ctx.account(v),
            fmt_odds(margin.chance),
        )
    })
}

/// A scatter-gather reported on its timing and pairing: amounts are shown, not tested.
/// Timing alone ranks a little below money that carries on, as for cycles.
fn timed_hit(ctx: &Context<'_>, spec: &Spec, u: u32, v: u32, legs: &Pairs, sent: f64, chance: f64) -> Hit {
    pairs_hit(ctx, spec, u, v, legs, sent, 0.45, |_, slowest_days, novelty| {
        format!(
            "{} paid {} accounts ({}) that each paid {} within {slowest_days:.1} days of receiving, though none of them usually pays it (chance of such timing and pairing by habit: 1 in {}){novelty}",
            ctx.account(u),
            legs.len(),
            fmt_amount(sent),
            ctx.account(v),
            fmt_odds(chance),
        )
    })
}

/// A scatter-gather whose one-off relays each passed on most of what they got, later
/// than the window ([`late_carried`]): it ranks with timing alone, below money that
/// carries on within the window.
fn late_hit(ctx: &Context<'_>, spec: &Spec, u: u32, v: u32, legs: &Pairs, sent: f64, chance: f64) -> Hit {
    pairs_hit(ctx, spec, u, v, legs, sent, 0.45, |got, slowest_days, novelty| {
        format!(
            "{} paid {} accounts ({}) that each passed most of it ({}, {:.0}%) on to {} within {slowest_days:.1} days of receiving, though none of them usually pays it (chance of such timing, amounts and pairing by habit: 1 in {}){novelty}",
            ctx.account(u),
            legs.len(),
            fmt_amount(sent),
            fmt_amount(got),
            got / sent * 100.0,
            ctx.account(v),
            fmt_odds(chance),
        )
    })
}

/// The hit of a scatter-gather proven by one pair `u -> w -> v` per intermediary. Its
/// shape strength starts at `base` for two intermediaries; `reason` gets what reached
/// `v`, the slowest relay in days and the words on the amounts' novelty.
#[allow(clippy::too_many_arguments)]
fn pairs_hit(
    ctx: &Context<'_>,
    spec: &Spec,
    u: u32,
    v: u32,
    legs: &Pairs,
    sent: f64,
    base: f64,
    reason: impl FnOnce(f64, f64, String) -> String,
) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    let mut proving = Vec::new();
    let mut got = 0.0;
    for (&w, &(e1, e2)) in legs {
        let (a1, a2) = (g.amount[e1 as usize], g.amount[e2 as usize]);
        got += a2;
        b.account(u, Role::Originator, 0.0, a1);
        b.account(w, Role::Intermediary, a1, a2);
        b.account(v, Role::Target, a2, 0.0);
        b.transfer(e1);
        b.transfer(e2);
        proving.extend([e1, e2]);
    }
    proving.sort_unstable();
    let novelty = AmountNovelty::measure(g, &[u, v], &proving);
    let slowest = legs.values().map(|&(e1, e2)| g.time[e2 as usize] - g.time[e1 as usize]).max().unwrap_or(0);
    let reason = reason(got, slowest as f64 / DAY as f64, novelty.words());
    let shape = base + 0.1 * (legs.len() as f64 - 1.0).min(5.0);
    let strength = 0.7 * shape + 0.3 * novelty.term();
    b.finish(g, spec.pattern, sent, strength, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_budget_reads_a_chance_test_below_its_least() {
        let readings = [(1e-3, Some(2e-3)), (1e-3, Some(5e-4)), (1e-3, None), (0.2, Some(0.9))];
        let scalings = [
            Scaling::Plain,
            Scaling::Carrying { amounts: 0.05, tried: 12.0 },
            Scaling::Scaled { by: 0.3, tried: 40.0, at_most_one: true },
            Scaling::Scaled { by: 2.0, tried: 1.0, at_most_one: false },
        ];
        for (by_popularity, among_peers) in readings {
            for scaling in scalings {
                let test = ChanceTest { relay: RelayReading { by_popularity, among_peers }, scaling };
                for most_likely in [1e-9, 1e-6, 1e-4, 1e-3, 0.01, 1.0] {
                    assert!(test.least() <= test.chance(most_likely), "{test:?} at {most_likely}");
                    if most_likely < test.least() {
                        assert!(test.passes(most_likely).is_none(), "{test:?} at {most_likely}");
                    }
                }
            }
        }
    }

    /// The hits [`scan`] reports from source `u` under `spec`'s own budget.
    fn scan_hits(ctx: &Context<'_>, spec: &Spec, u: u32, paths: SourcePaths) -> Vec<Hit> {
        let widest = spec.expected_by_chance.map(|b| most_likely(ctx.graph, b));
        let mut hits = Vec::new();
        let read = scan(ctx, spec, u, paths, widest).at(widest.unwrap_or(f64::INFINITY), &mut hits);
        assert!(read.is_some(), "read at the budget searched for");
        hits
    }
    use crate::detect::testkit::{Tiny, H};

    /// Margin pairs as (target, order met), and quickest paths as (target, intermediary,
    /// order met).
    type Read = (Vec<(u32, u64)>, Vec<(u32, u32, u64)>);

    /// What the scan's passes read of `paths`: the margin pairs by target in the order
    /// met, and the quickest path per target and intermediary.
    fn read(g: &FlowGraph, spec: &Spec, paths: &[Path]) -> Read {
        let mut by_met = paths.to_vec();
        by_met.sort_unstable_by_key(|p| (p.v, p.met()));
        let margins =
            by_met.iter().filter(|p| margin_share(g, spec, p).is_some()).map(|p| (p.v, p.met())).collect();
        let mut quickest = paths.to_vec();
        keep_readable(g, spec, &mut quickest);
        let firsts = quickest
            .chunk_by(|a, b| (a.v, a.w) == (b.v, b.w))
            .map(|q| (q[0].v, q[0].w, q[0].met()))
            .collect();
        (margins, firsts)
    }

    #[test]
    fn dropping_unread_paths_changes_nothing_a_pass_reads() {
        let mut t = Tiny::new();
        for k in 0..40i64 {
            t.wire(&format!("A{}", k % 3), &format!("B{}", k % 5), k * H, 100.0 + (k % 7) as f64 * 10.0);
        }
        let g = t.graph();
        let spec = Spec {
            pattern: Pattern::ScatterGather,
            window: 24 * H,
            horizon: 96 * H,
            min_intermediaries: 2,
            min_retained: 0.8,
            min_amount: 0.0,
            skip_b2b: false,
            channels: Vec::new(),
            offshore_only: false,
            expected_by_chance: Some(1.0),
        };
        // Paths over arbitrary pairs of transfers, met in a scrambled order, with many
        // repeats of each target and intermediary.
        let n = g.edge_count() as u32;
        let paths: Vec<Path> = (0..600u32)
            .map(|k| {
                let (e1, e2) = ((k * 13) % n, (k * 31 + 5) % n);
                let held = g.time[e2 as usize] - g.time[e1 as usize];
                Path { v: k % 4, w: (k / 4) % 3, e1, e2, held }
            })
            .collect();
        let mut kept = paths.clone();
        keep_readable(&g, &spec, &mut kept);
        assert!(kept.len() < paths.len(), "some paths are unread");
        assert_eq!(read(&g, &spec, &kept), read(&g, &spec, &paths));
        // Compacting in stages, as the scan does, reads the same too.
        let mut staged = Vec::new();
        for chunk in paths.chunks(50) {
            staged.extend_from_slice(chunk);
            keep_readable(&g, &spec, &mut staged);
        }
        assert_eq!(read(&g, &spec, &staged), read(&g, &spec, &paths));
    }

    /// Every two-hop path from `u`'s payments, each intermediary's payments on read up
    /// to the horizon whatever the first leg: what [`paths_from`] would hold if it kept
    /// the paths of payments made again and again too.
    fn every_path(ctx: &Context<'_>, spec: &Spec, u: u32) -> SourcePaths {
        let g = ctx.graph;
        let mut all = SourcePaths::default();
        let outs = g.out_list(u);
        for k in 0..outs.len() {
            let (w, e1, t1, a1) = (outs.other[k], outs.edges[k], outs.time[k], outs.amount[k]);
            if !counted(g, spec, outs.channel[k], u, w) {
                continue;
            }
            let next = g.onward_from(g.onward_start(u, k), w).list;
            for j in 0..next.len() {
                let (e2, a2, v, t2) = (next.edges[j], next.amount[j], next.other[j], next.time[j]);
                if t2 > t1 + horizon(spec) {
                    break;
                }
                if !g.succession().may_follow(t1, t2)
                    || v == u
                    || v == w
                    || !counted(g, spec, next.channel[j], w, v)
                {
                    continue;
                }
                let path = Path { v, w, e1, e2, held: t2 - t1 };
                all.any_amount.push(path);
                if a2 <= a1 * CARRIED_AT_MOST && t2 <= t1 + spec.window {
                    all.carrying.push(path);
                }
            }
        }
        all
    }

    /// A search loose enough that random dumps make hits of every kind: a three-day
    /// window, a 20-day horizon, any amount, wires only, a chance test that passes
    /// nearly everything.
    fn loose_spec() -> Spec {
        use crate::detect::testkit::D;
        Spec {
            pattern: Pattern::ScatterGather,
            window: 3 * D,
            horizon: 20 * D,
            min_intermediaries: 2,
            min_retained: 0.5,
            min_amount: 0.0,
            skip_b2b: false,
            channels: vec![Channel::Wire],
            offshore_only: false,
            expected_by_chance: Some(1e9),
        }
    }

    proptest::proptest! {
        /// Leaving out the paths of a payment the source made to the intermediary again
        /// and again, and reading that intermediary's payments only up to the window,
        /// finds the same scatter-gathers as every path up to the horizon: the passes
        /// over paths of any amount read only legs that are each their payer's one
        /// payment to that payee. The test to pass is loose, so that random dumps make
        /// hits of every kind.
        #[test]
        fn paths_of_repeated_payments_are_never_read_late(
            edges in proptest::collection::vec((0u8..7, 0u8..7, 0i64..30, 1u32..20), 1..70),
        ) {
            use crate::detect::testkit::D;
            let mut t = Tiny::new();
            t.span(40);
            for (a, b, day, amount) in &edges {
                t.wire(&format!("A{a}"), &format!("A{b}"), day * D, f64::from(*amount) * 50.0);
            }
            let g = t.graph();
            let ctx = Context::new(&g, &t.dump, &t.config);
            let spec = loose_spec();
            let paid = paid_once(&ctx, &spec);
            for u in 0..g.node_count() as u32 {
                let read = scan_hits(&ctx, &spec, u, paths_from(&ctx, &spec, paid.as_ref(), u, None));
                proptest::prop_assert_eq!(read, scan_hits(&ctx, &spec, u, every_path(&ctx, &spec, u)));
            }
        }
    }

    proptest::proptest! {
        /// A scatter through offshore intermediaries is searched only from the accounts
        /// that paid two or more offshore accounts, and finds what a search from every
        /// account finds.
        #[test]
        fn offshore_scatters_start_only_where_money_went_offshore(
            edges in proptest::collection::vec((0u8..8, 0u8..8, 0i64..30, 1u32..20), 1..80),
            havens in proptest::collection::vec(proptest::bool::ANY, 8),
        ) {
            use crate::detect::testkit::D;
            let mut t = Tiny::new();
            t.span(40);
            for (k, &haven) in havens.iter().enumerate() {
                t.company(&format!("A{k}"), if haven { "VG" } else { "CN" });
            }
            for (a, b, day, amount) in &edges {
                t.wire(&format!("A{a}"), &format!("A{b}"), day * D, f64::from(*amount) * 50.0);
            }
            let g = t.graph();
            let ctx = Context::new(&g, &t.dump, &t.config);
            let spec = Spec {
                pattern: Pattern::Os4,
                window: 5 * D,
                horizon: 5 * D,
                offshore_only: true,
                expected_by_chance: None,
                ..loose_spec()
            };
            let paid = paid_once(&ctx, &spec);
            let mut everywhere: Vec<Hit> = (0..g.node_count() as u32)
                .flat_map(|u| scan_hits(&ctx, &spec, u, paths_from(&ctx, &spec, paid.as_ref(), u, None)))
                .collect();
            without_settling_up(&ctx, &mut everywhere);
            let found = all(&ctx, &spec);
            proptest::prop_assert_eq!(
                found.iter().map(|h| &h.transfers).collect::<Vec<_>>(),
                everywhere.iter().map(|h| &h.transfers).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn relays_whose_peers_pay_the_target_pay_it_by_trade() {
        use crate::detect::testkit::D;
        // U paid W0..W2, each of which paid V twenty days later; each also pays ten
        // shops of its own and, twice, a wholesaler. Forty traders, thirty of whom pay V
        // once, buy from that wholesaler (peers) or from a market of their own; four
        // hundred households shop at one store. V's payers are the same in both.
        let world = |peers: bool| {
            let mut t = Tiny::new();
            t.span(200);
            for h in 0..400i64 {
                t.wire(&format!("H{h}"), "STORE", (h % 200) * D, 30.0);
            }
            for k in 0..3i64 {
                let w = format!("W{k}");
                t.wire("U", &w, (100 + k) * D, 500.0);
                t.wire(&w, "V", (120 + k) * D, 400.0);
                for s in 0..10 {
                    t.wire(&w, &format!("{w}-SHOP{s}"), (s * 19) * D + 1, 20.0);
                }
                for m in 0..2 {
                    t.wire(&w, "WHOLESALER", (m * 90 + 10 + k) * D, 700.0);
                }
            }
            for c in 0..40i64 {
                let supplier = if peers { "WHOLESALER" } else { "MARKET" };
                t.wire(&format!("T{c}"), supplier, (c * 4) * D + 1, 700.0);
                if c < 30 {
                    t.wire(&format!("T{c}"), "V", (c * 5 + 2) * D, 650.0);
                }
            }
            t
        };
        let chance = |t: &mut Tiny, most: f64| {
            let g = t.graph();
            let v = t.dump.accounts.intern("V");
            let legs: Pairs = (0..3)
                .map(|k| {
                    let w = t.dump.accounts.intern(&format!("W{k}"));
                    let e1 = (0..g.edge_count()).find(|&e| g.dst[e] == w && g.amount[e] == 500.0);
                    let e2 = (0..g.edge_count()).find(|&e| g.src[e] == w && g.dst[e] == v);
                    (w, (e1.unwrap() as u32, e2.unwrap() as u32))
                })
                .collect();
            relay_chance(&g, v, &legs, most)
        };
        let (by_trade, by_chance) = (chance(&mut world(true), 1.0), chance(&mut world(false), 1.0));
        // Two pairings (the third is the choice of target), each several times likelier.
        assert!(by_trade > 20.0 * by_chance, "peers {by_trade} strangers {by_chance}");
        // A caller that keeps nothing as likely as the dump's popularity makes it is told
        // that chance, without the peers read.
        assert_eq!(chance(&mut world(true), by_chance / 2.0), by_chance);
    }

    #[test]
    fn a_busy_relay_is_no_rarer_than_a_quiet_one() {
        use crate::detect::testkit::D;
        // Q0, Q1 pay nobody but V; B0, B1 pay sixty others over the dump and V once.
        // Each was paid by U, and paid V twenty days later.
        let mut t = Tiny::new();
        t.span(100);
        for w in ["Q0", "Q1", "B0", "B1"] {
            t.wire("U", w, 10 * D, 500.0);
            t.wire(w, "V", 30 * D, 400.0);
        }
        for b in ["B0", "B1"] {
            for k in 0..60 {
                t.wire(b, &format!("{b}-SHOP{k}"), (k * 100 / 60) * D + 1, 20.0);
            }
        }
        let g = t.graph();
        let legs = |t: &mut Tiny, names: [&str; 2]| -> Pairs {
            names
                .iter()
                .map(|n| {
                    let w = t.dump.accounts.intern(n);
                    let e1 = (0..g.edge_count()).find(|&e| g.dst[e] == w && g.amount[e] == 500.0);
                    let e2 = (0..g.edge_count()).find(|&e| g.src[e] == w && g.amount[e] == 400.0);
                    (w, (e1.unwrap() as u32, e2.unwrap() as u32))
                })
                .collect()
        };
        let v = t.dump.accounts.intern("V");
        let quiet = relay_chance(&g, v, &legs(&mut t, ["Q0", "Q1"]), 1.0);
        let busy = relay_chance(&g, v, &legs(&mut t, ["B0", "B1"]), 1.0);
        // A quiet account sends within twenty days a fifth of the time, and then to V;
        // a busy one sends a dozen payments in that time, each a chance to meet V.
        assert!((quiet - 0.2 * 0.2).abs() < 0.01, "quiet {quiet}");
        assert!(busy >= quiet, "busy {busy} quiet {quiet}");
    }
}

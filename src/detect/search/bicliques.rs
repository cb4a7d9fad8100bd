//! Shared by the bipartite and stack motifs: complete bipartite layers (every source
//! pays every sink) inside one window, more than the dump's everyday traffic makes by
//! chance.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::config::params::{Channels, Count, Days, Factor, Multiple};
use crate::config::AmountFloor;
use crate::detect::context::PartEdges;
use crate::detect::handed::Handed;
use crate::detect::{Context, Found, PartRule};
use crate::graph::algo::chance::{binomial_tail, LayerChance};
use crate::graph::algo::novelty;
use crate::graph::FlowGraph;
use crate::model::Channel;
use crate::units::{days_to_seconds, DAY};
use serde::{Deserialize, Serialize};

use super::first_payments::{Counted, FirstPayments};

/// Parameters of a bipartite layer (bipartite and stack motifs).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BipartiteConfig {
    /// All of a layer's first transfers fit in this many days.
    pub window_days: Days,
    /// Fewest accounts on each side.
    pub min_side: Count<2>,
    /// Fewest transfers in a layer.
    pub min_edges: Count<1>,
    /// Members with more transfers in one direction than this multiple of the dump's
    /// median active account are hubs, left out.
    pub max_member_activity_vs_median: Factor,
    /// Smallest average transfer of a layer.
    pub min_amount: AmountFloor,
    /// Most layers as unlikely as this one (its shape and span against the dump's
    /// everyday opening of relationships, its amounts against its members' own) expected
    /// by chance over the dump.
    pub expected_by_chance: Multiple,
    /// Leave out transfers between two companies (when holder kinds are known).
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Channels,
    /// A layer with one source ([`super::rounds`]): every transfer from the source to each
    /// payee falls within this many days (the relationship opens and closes there), and
    /// comes within `window_days` of the one before.
    pub rounds_window_days: Days,
    /// Least a layer with one source moves in all, against the dump's amounts.
    pub rounds_min_amount: AmountFloor,
}

/// One complete bipartite layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Biclique {
    /// Sources, sorted.
    pub sources: Vec<u32>,
    /// Sinks, sorted.
    pub sinks: Vec<u32>,
    /// The first transfer of every (source, sink) pair, sorted.
    pub edges: Vec<u32>,
    /// Layers of its shape and span the dump would hold by chance, times the chance of
    /// its amounts against its members' own ([`LayerChance`], [`novelty::broad_chance`]).
    pub expected_by_chance: f64,
}

impl Biclique {
    /// The members and transfers that make the layer, which identify it.
    fn key(&self) -> (&[u32], &[u32], &[u32]) {
        (&self.sources, &self.sinks, &self.edges)
    }
}

impl PartialEq for Biclique {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Biclique {}

impl PartialOrd for Biclique {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Biclique {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// Every biclique with at least `min_side` on each side whose first transfers fit in
/// one window, found from its lowest source, held by no larger one, and expected by
/// chance at most `expected_by_chance` times, on its own or as a layer in a row with
/// one that is ([`next_to_remarkable`]); sorted. Each pair of sources yields a
/// layer for every window of receivers they share, not one best: a coincidence in one
/// week cannot hide a case in another.
/// Computed once per context, under `[bipartite]`, from candidates found once for every
/// chance budget ([`Context::with_config`]); in a context given the candidates of parts
/// of time (`choose_in`), chosen from those.
pub fn find<'c>(ctx: &'c Context<'_>) -> &'c [Biclique] {
    ctx.shared.bicliques.get_or_init(|| {
        let cfg = &ctx.config.bipartite;
        let candidates =
            ctx.measured_for_every_budget(|| DumpLayers(Search::new(ctx.graph, cfg, None).candidates()));
        choose(ctx.graph, cfg, &dump_layer_chance(ctx), candidates.0.clone())
    })
}

/// The dump's everyday opening of relationships ([`layer_chance`]), measured once for
/// every chance budget: a widened run of stack and of bipartite chooses its layers again
/// from the same candidates, and counting every account's distinct payees and payers
/// was nearly all of a choice.
fn dump_layer_chance(ctx: &Context<'_>) -> std::sync::Arc<DumpLayerChance> {
    let (g, cfg) = (ctx.graph, &ctx.config.bipartite);
    ctx.measured_for_every_budget(|| DumpLayerChance(layer_chance(g, max_member_degree(g, cfg))))
}

/// [`dump_layer_chance`], as a type of its own for [`Context::measured_for_every_budget`].
pub(crate) struct DumpLayerChance(LayerChance);

/// Every candidate layer of the dump, which [`find`] chooses from: no chance budget
/// decides which.
pub(crate) struct DumpLayers(Vec<Biclique>);

/// The candidate layers whose window opens in the part of time `part` owns (every
/// candidate, outside a part of time), with the whole dump's edge ids: what [`find`]
/// chooses from. A part reads the whole dump's first payments ([`FirstPayments`],
/// measured once for every part) and its transfers from one window before the time it
/// owns to one window after.
pub fn candidates(part: &Context<'_>) -> Vec<Biclique> {
    // Found once per part for every detector that reads layers.
    part.measured_once(|| Candidates(search_candidates(part))).0.clone()
}

/// A part's candidate layers, kept for the next detector that reads them.
struct Candidates(Vec<Biclique>);

/// How the layer detectors run in parts of time ([`PartRule::Gathered`]): a layer's
/// first payments fit in one window, and whether a window's group of receivers is held
/// by a larger one is decided within a window either side.
pub fn part_rule(cfg: &BipartiteConfig) -> PartRule {
    let window = cfg.window_days.get();
    PartRule::Gathered { before_days: window, after_days: window }
}

/// `choose_in` `one_place` from the candidate layers the parts of time found.
pub fn choose_from_parts(one_place: &Context<'_>, found: Vec<Found>) {
    let candidates = found
        .into_iter()
        .flat_map(|f| match f {
            Found::Layers(layers) => layers,
            Found::ScatterGathers(_) => Vec::new(),
        })
        .collect();
    choose_in(one_place, candidates)
}

fn search_candidates(part: &Context<'_>) -> Vec<Biclique> {
    let cfg = &part.config.bipartite;
    let Some(owned) = part.owned_time() else {
        return Search::new(part.graph, cfg, None).candidates();
    };
    let Some(table) = part.handed_tables().and_then(|h| h.first_payments.as_ref()) else {
        debug_assert!(false, "a part of time reads the first payments it was handed");
        return Vec::new();
    };
    let reading = PartReading { table, owned };
    let mut found = Search::new(part.graph, cfg, Some(reading)).candidates();
    // The part's edges are the whole dump's in the same order: they stay sorted.
    for e in found.iter_mut().flat_map(|b| b.edges.iter_mut()) {
        *e = part.whole_edge(*e);
    }
    found
}

/// Hands the part whose graph `part` holds the whole graph's `edges` the whole dump's
/// first payments (`whole`: its context), measured once for every part and cut to it
/// (bipartite and stack read them).
pub fn hand_to_part(whole: &Context<'_>, part: &FlowGraph, edges: PartEdges<'_>, handed: &mut Handed) {
    if handed.first_payments.is_none() {
        let cfg = &whole.config.bipartite;
        let table = whole.measured_once(|| {
            FirstPayments::of(whole.graph, counted(whole.graph, cfg, cfg.channels.as_slice()))
        });
        handed.first_payments = Some(table.cut(part, edges));
    }
}

/// Makes the layers chosen from `candidates` (every part's, with `ctx`'s edge ids, in
/// any order) those [`find`] gives in `ctx`: what one place does with the parts'
/// candidates, reading the dump only for their members and per-account counts. Nothing
/// when `ctx` has its layers already (chosen for another detector from the same
/// candidates: a part finds them once for all).
fn choose_in(ctx: &Context<'_>, candidates: Vec<Biclique>) {
    ctx.shared
        .bicliques
        .get_or_init(|| choose(ctx.graph, &ctx.config.bipartite, &dump_layer_chance(ctx), candidates));
}

/// What a layer may count under `cfg`, on the dump of `g`.
fn counted<'c>(g: &FlowGraph, cfg: &BipartiteConfig, channels: &'c [Channel]) -> Counted<'c> {
    Counted {
        channels,
        skip_business_to_business: cfg.skip_business_to_business,
        max_degree: max_member_degree(g, cfg),
    }
}

/// Transfers in one direction above which a member is a hub (merchant, utility,
/// employer), against the dump's median active account.
fn max_member_degree(g: &FlowGraph, cfg: &BipartiteConfig) -> usize {
    g.scale.activity(cfg.max_member_activity_vs_median.get()).ceil() as usize
}

/// The dump's everyday opening of relationships, for [`LayerChance`]: the distinct
/// payees of every account that may be a source, the distinct payers of every account
/// that may be a sink (neither a hub), and the dump's distinct pairs.
fn layer_chance(g: &FlowGraph, max_degree: usize) -> LayerChance {
    // Counted in a buffer each thread keeps from account to account.
    let distinct = |buffer: &mut Vec<u32>, others: &[u32]| {
        buffer.clear();
        buffer.extend_from_slice(others);
        buffer.sort_unstable();
        buffer.dedup();
        buffer.len()
    };
    // Per account, in node order (so the sums below run in one order for any thread
    // count): its distinct payees if it may be a source, its distinct payers if it may
    // be a sink, and its distinct payees in any case.
    let per_account: Vec<(Option<usize>, Option<usize>, usize)> = (0..g.node_count() as u32)
        .into_par_iter()
        .with_min_len(1024)
        .map_init(Vec::new, |buffer, v| {
            let (out, into) = (g.out_list(v), g.in_list(v));
            let payees = distinct(buffer, out.other);
            let payer = (1..=max_degree).contains(&out.len()).then_some(payees);
            let payee = (1..=max_degree).contains(&into.len()).then(|| distinct(buffer, into.other));
            (payer, payee, payees)
        })
        .collect();
    let payers: Vec<usize> = per_account.iter().filter_map(|a| a.0).collect();
    let payees: Vec<usize> = per_account.iter().filter_map(|a| a.1).collect();
    let pairs: usize = per_account.iter().map(|a| a.2).sum();
    let span = g.dump_span_seconds();
    LayerChance::measure(&payers, &payees, pairs, span)
}

/// The layers of `candidates` (from every anchor, in any order, repeats allowed) that
/// move the floor, are held by no larger one and are rare enough; sorted.
fn choose(
    g: &FlowGraph,
    cfg: &BipartiteConfig,
    chance: &DumpLayerChance,
    mut out: Vec<Biclique>,
) -> Vec<Biclique> {
    let chance = &chance.0;
    out.sort();
    out.dedup();
    // Every layer the dump holds, whatever it moved: its everyday ones are the yardstick.
    let everyday = everyday_layers(g, cfg, chance, with_amounts_chance(g, without_contained(out.clone())));
    let min_amount = g.scale.floor(cfg.min_amount);
    out.retain(|b| {
        let moved: f64 = b.edges.iter().map(|&e| g.amount[e as usize]).sum();
        moved >= min_amount * b.edges.len() as f64
    });
    let out = with_amounts_chance(g, without_contained(out));
    // Its amounts' chance times the layers of its shape expected by chance: by the
    // model, or as many as the dump's everyday traffic holds, whichever is more.
    let seen = held_beside(g, &out, &everyday);
    let bound = cfg.expected_by_chance.get();
    let (mut remarkable, mut rest) = (Vec::new(), Vec::new());
    for (b, seen) in out.into_iter().zip(seen) {
        let expected = b.expected_by_chance * layers_expected(g, chance, &b).max(seen);
        match expected <= bound {
            true => remarkable.push(Biclique { expected_by_chance: expected, ..b }),
            false => rest.push(b),
        }
    }
    let next_to = next_to_remarkable(g, cfg, chance, &remarkable, rest, &everyday);
    remarkable.extend(next_to);
    remarkable.sort();
    remarkable
}

/// The layers of `rest` (with their amounts' chance) that come in a row with a
/// `remarkable` layer, before or after it ([`in_a_row`]), and are rare enough as such:
/// their amounts' chance times the layers of their shape that come in a row with a
/// remarkable one by chance, by the model (its count times the chance that enough of a
/// layer's members fall among the remarkable layers' by chance) or as many as the
/// dump's everyday layers hold, whichever is more. A stack's first layer may be no rarer
/// than the neighbours who often pay the same few people; that its payees then pay a
/// laundering layer on is.
fn next_to_remarkable(
    g: &FlowGraph,
    cfg: &BipartiteConfig,
    chance: &LayerChance,
    remarkable: &[Biclique],
    rest: Vec<Biclique>,
    everyday: &[Biclique],
) -> Vec<Biclique> {
    if remarkable.is_empty() {
        return Vec::new();
    }
    let (window, min_side) = (days_to_seconds(cfg.window_days.get()), cfg.min_side.get());
    let ends = |b: &Biclique| first_and_last(g, &b.edges);
    let spans: Vec<(i64, i64)> = remarkable.iter().map(ends).collect();
    let next_to_one = |b: &Biclique| {
        let span = ends(b);
        remarkable.iter().zip(&spans).any(|(r, &r_span)| {
            in_a_row((&r.sinks, r_span), (&b.sources, span.0), window, min_side)
                || in_a_row((&b.sinks, span), (&r.sources, r_span.0), window, min_side)
        })
    };
    let candidates: Vec<Biclique> = rest.into_iter().filter(|b| next_to_one(b)).collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let everyday_next_to: Vec<Biclique> = everyday.iter().filter(|b| next_to_one(b)).cloned().collect();
    let seen = held_beside(g, &candidates, &everyday_next_to);
    // The share of the dump's active accounts that pay, or are paid in, a remarkable layer.
    let active = g.scale.active_accounts.max(1) as f64;
    let share = |side: fn(&Biclique) -> &[u32]| {
        let mut members: Vec<u32> = remarkable.iter().flat_map(|r| side(r).iter().copied()).collect();
        members.sort_unstable();
        members.dedup();
        (members.len() as f64 / active).min(1.0)
    };
    let (paid_in_one, paying_in_one) = (share(|r| &r.sinks), share(|r| &r.sources));
    candidates
        .into_iter()
        .zip(seen)
        .filter_map(|(b, seen)| {
            let by_chance = binomial_tail(b.sources.len(), min_side, paid_in_one)
                + binomial_tail(b.sinks.len(), min_side, paying_in_one);
            let model = layers_expected(g, chance, &b) * by_chance.min(1.0);
            let expected = b.expected_by_chance * model.max(seen);
            (expected <= cfg.expected_by_chance.get())
                .then_some(Biclique { expected_by_chance: expected, ..b })
        })
        .collect()
}

/// Whether a layer whose sources are `second.0`, starting at `second.1`, comes in a row
/// after one whose sinks are `first.0` (sorted), spanning `first.1`: at least
/// `min_side` of its sources among those sinks, and its start after the first began and
/// within `window` of its end (each layer spans up to a window of its own).
pub fn in_a_row(first: (&[u32], (i64, i64)), second: (&[u32], i64), window: i64, min_side: usize) -> bool {
    let ((sinks, (start, end)), (sources, begins)) = (first, second);
    let middle = sources.iter().filter(|s| sinks.binary_search(s).is_ok()).count();
    middle >= min_side && begins > start && begins <= end.saturating_add(window)
}

/// `layers`, each with its amounts' chance in `expected_by_chance`
/// ([`novelty::broad_chance`]: every link must carry the money).
fn with_amounts_chance(g: &FlowGraph, layers: Vec<Biclique>) -> Vec<Biclique> {
    layers
        .into_par_iter()
        .map(|x| {
            let centre: Vec<u32> = x.sources.iter().chain(&x.sinks).copied().collect();
            Biclique { expected_by_chance: novelty::broad_chance(g, &centre, &x.edges), ..x }
        })
        .collect()
}

/// Layers of `b`'s shape and pace expected by chance, by the configuration model of the
/// dump's new relationships.
fn layers_expected(g: &FlowGraph, chance: &LayerChance, b: &Biclique) -> f64 {
    chance.expected(b.sources.len(), b.sinks.len(), layer_span(g, b))
}

/// The layers of `all` (every layer the dump holds, with its amounts' chance) that its
/// everyday traffic makes: those whose amounts' chance, times the layers of `all` at
/// least as large and as fast that share no account with it (or the model's count,
/// whichever is more), is more than `expected_by_chance`. The others are remarkable on
/// their own (laundering layers, most of them), and are not each other's background: a
/// large dump's cases would otherwise hide one another.
fn everyday_layers(
    g: &FlowGraph,
    cfg: &BipartiteConfig,
    chance: &LayerChance,
    all: Vec<Biclique>,
) -> Vec<Biclique> {
    let seen = held_beside(g, &all, &all);
    all.into_iter()
        .zip(seen)
        .filter(|(b, seen)| {
            b.expected_by_chance * layers_expected(g, chance, b).max(*seen) > cfg.expected_by_chance.get()
        })
        .map(|(b, _)| b)
        .collect()
}

/// What a part of time reads besides its transfers: the whole dump's first payments,
/// cut to it, and the time it owns.
struct PartReading<'p> {
    table: &'p FirstPayments,
    owned: (i64, i64),
}

/// The candidate search over one graph: the whole dump's, or a part of time's.
struct Search<'s> {
    g: &'s FlowGraph,
    cfg: &'s BipartiteConfig,
    counted: Counted<'s>,
    window: i64,
    part: Option<PartReading<'s>>,
}

impl<'s> Search<'s> {
    fn new(g: &'s FlowGraph, cfg: &'s BipartiteConfig, part: Option<PartReading<'s>>) -> Search<'s> {
        let counted = counted(g, cfg, cfg.channels.as_slice());
        Search { g, cfg, counted, window: days_to_seconds(cfg.window_days.get()), part }
    }

    /// Every anchor's candidate layers, unsorted.
    fn candidates(&self) -> Vec<Biclique> {
        (0..self.g.node_count() as u32)
            .into_par_iter()
            .with_min_len(256)
            .flat_map_iter(|a| self.anchored_at(a))
            .collect()
    }

    /// Per receiver, `a`'s first counted transfer to it among the graph's: measured on
    /// the whole dump, read from its first payments in a part.
    fn receivers(&self, a: u32) -> BTreeMap<u32, u32> {
        match &self.part {
            None => self.counted.first_payments(self.g, a),
            Some(p) => {
                let out = self.g.out_list(a);
                (0..out.len())
                    .filter(|&k| p.table.is_first(out.edges[k]))
                    .map(|k| (out.other[k], out.edges[k]))
                    .collect()
            }
        }
    }

    /// Whether `a` ever paid `b` a counted transfer (`ra`: `a`'s receivers here).
    fn ever_paid(&self, a: u32, b: u32, ra: &BTreeMap<u32, u32>) -> bool {
        match &self.part {
            None => ra.contains_key(&b),
            Some(p) => p.table.paid(a, b),
        }
    }

    /// How many receivers `a` and `b` both ever paid a counted transfer (`ra`, `rb`:
    /// their receivers here).
    fn ever_shared(&self, (a, ra): (u32, &BTreeMap<u32, u32>), (b, rb): (u32, &BTreeMap<u32, u32>)) -> usize {
        match &self.part {
            None => ra.keys().filter(|r| rb.contains_key(r)).count(),
            Some(p) => p.table.shared(a, b),
        }
    }

    /// The times in which a layer's window may open here: a part's own.
    fn owned(&self) -> (i64, i64) {
        self.part.as_ref().map_or((i64::MIN, i64::MAX), |p| p.owned)
    }

    /// The candidate layers whose lowest source is `a`: for every other source sharing at
    /// least `min_side` receivers with it, one per window of receivers the two share, with
    /// every further source that paid all of them within that window.
    fn anchored_at(&self, a: u32) -> Vec<Biclique> {
        let (g, cfg, window) = (self.g, self.cfg, self.window);
        let max_degree = self.counted.max_degree;
        if g.sent_over_dump(a) < cfg.min_side.get() || g.sent_over_dump(a) > max_degree {
            return Vec::new();
        }
        let ra = self.receivers(a);
        if ra.len() < cfg.min_side.get() {
            return Vec::new();
        }
        // Other senders sharing at least min_side receivers with a.
        let mut shared: BTreeMap<u32, usize> = BTreeMap::new();
        for &r in ra.keys() {
            // The senders from the receiver's own list, not by transfer id.
            for &b in g.in_list(r).other {
                if b != a && !self.ever_paid(a, b, &ra) && g.sent_over_dump(b) <= max_degree {
                    *shared.entry(b).or_default() += 1;
                }
            }
        }
        // Their receivers, read once each.
        let others: BTreeMap<u32, BTreeMap<u32, u32>> = shared
            .iter()
            .filter(|&(_, &n)| n >= cfg.min_side.get())
            .map(|(&b, _)| (b, self.receivers(b)))
            .collect();
        let receivers_of = |s: u32| if s == a { Some(&ra) } else { others.get(&s) };
        let mut found: Vec<Biclique> = Vec::new();
        for (&b, rb) in others.range(a..) {
            let ever = self.ever_shared((a, &ra), (b, rb));
            for (start, sinks) in windowed_sinks(g, (&ra, rb), ever, window, cfg.min_side.get(), self.owned())
            {
                let within = |e: u32| (start..=start + window).contains(&g.time[e as usize]);
                let mut sources = vec![a, b];
                for (&c, rc) in &others {
                    if c != b
                        && shared[&c] >= sinks.len()
                        && sinks.iter().all(|s| rc.get(s).is_some_and(|&e| within(e)))
                    {
                        sources.push(c);
                    }
                }
                sources.sort_unstable();
                if sources[0] != a || sources.len() < cfg.min_side.get() {
                    continue;
                }
                let mut edges: Vec<u32> = sources
                    .iter()
                    .filter_map(|&s| receivers_of(s))
                    .flat_map(|rs| sinks.iter().filter_map(|r| rs.get(r).copied()))
                    .collect();
                edges.sort_unstable();
                if edges.len() < cfg.min_edges.get() {
                    continue;
                }
                found.push(Biclique { sources, sinks, edges, expected_by_chance: 0.0 });
            }
        }
        found
    }
}

/// The layers no other layer holds (every source and sink of it), in order. Windows
/// opened from different anchors find parts of one layer: the whole is the layer.
fn without_contained(layers: Vec<Biclique>) -> Vec<Biclique> {
    let subset = |small: &[u32], large: &[u32]| small.iter().all(|v| large.binary_search(v).is_ok());
    let mut by_source: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, b) in layers.iter().enumerate() {
        for &s in &b.sources {
            by_source.entry(s).or_default().push(i);
        }
    }
    let contained: Vec<bool> = layers
        .par_iter()
        .enumerate()
        .map(|(i, x)| {
            by_source[&x.sources[0]].iter().any(|&j| {
                let y = &layers[j];
                j != i && subset(&x.sources, &y.sources) && subset(&x.sinks, &y.sinks)
            })
        })
        .collect();
    layers.into_iter().zip(contained).filter(|(_, c)| !c).map(|(b, _)| b).collect()
}

/// The receivers two sources share, grouped by when both first paid them: for each
/// window of `window` seconds that opens at one of those first payments, the receivers
/// both first paid within it, when at least `min_side`; a group inside another is left
/// out. Two sources that shared a payee months before a layer keep the layer: only the
/// receivers of one window make it. But a window must hold more than half of the `ever`
/// receivers the two ever shared: sources that keep paying the same people (neighbours,
/// flatmates, colleagues, one household) are a group whose every week looks like a
/// layer. Only the windows that open in `[from, to)` are returned: a group can only be
/// inside one that opens at most a window before it, so the first payments from a
/// window before `from` to a window after `to` decide them all.
fn windowed_sinks(
    g: &FlowGraph,
    (ra, rb): (&BTreeMap<u32, u32>, &BTreeMap<u32, u32>),
    ever: usize,
    window: i64,
    min_side: usize,
    (from, to): (i64, i64),
) -> Vec<(i64, Vec<u32>)> {
    let time = |e: u32| g.time[e as usize];
    // (earlier, later first payment, receiver), ordered by the earlier.
    let mut common: Vec<(i64, i64, u32)> = ra
        .iter()
        .filter_map(|(&r, &ea)| {
            let eb = *rb.get(&r)?;
            let (lo, hi) = (time(ea).min(time(eb)), time(ea).max(time(eb)));
            (hi - lo <= window).then_some((lo, hi, r))
        })
        .collect();
    common.sort_unstable();
    let opens = from.saturating_sub(window)..to;
    let mut groups: Vec<(i64, Vec<u32>)> = Vec::new();
    for &(start, _, _) in common.iter().filter(|c| opens.contains(&c.0)) {
        let first = common.partition_point(|c| c.0 < start);
        let mut sinks: Vec<u32> = common[first..]
            .iter()
            .take_while(|c| c.0 <= start + window)
            .filter(|c| c.1 <= start + window)
            .map(|c| c.2)
            .collect();
        if sinks.len() < min_side || 2 * sinks.len() <= ever {
            continue;
        }
        sinks.sort_unstable();
        if !groups.iter().any(|(_, held)| sinks.iter().all(|s| held.binary_search(s).is_ok())) {
            groups.retain(|(_, held)| !held.iter().all(|s| sinks.binary_search(s).is_ok()));
            groups.push((start, sinks));
        }
    }
    groups.retain(|(start, _)| (from..to).contains(start));
    groups
}

/// The times of the first and last of `edges` (0 for none).
pub fn first_and_last(g: &FlowGraph, edges: &[u32]) -> (i64, i64) {
    let times = edges.iter().map(|&e| g.time[e as usize]);
    (times.clone().min().unwrap_or(0), times.max().unwrap_or(0))
}

/// How long a layer took to form, read as at least a day: everyday traffic is not
/// spread evenly within a day (office hours, batch runs).
fn layer_span(g: &FlowGraph, b: &Biclique) -> i64 {
    let time = |e: u32| g.time[e as usize];
    match (b.edges.first(), b.edges.last()) {
        (Some(&first), Some(&last)) => (time(last) - time(first)).max(DAY),
        _ => DAY,
    }
}

/// For each layer of `layers`, how many of `others` are at least as remarkable in shape
/// (as many sources and sinks or more, formed as fast or faster) and share no account
/// with it (the layers of one stack are one case), itself counted once: the dump's own
/// count of such layers, a look-elsewhere count the configuration model cannot give
/// where neighbours and colleagues often pay the same few people. Each of them counts
/// whole, whatever its amounts: a layer's amounts' chance is the share of layers of
/// everyday traffic whose amounts are as remarkable, so it is to be multiplied by how
/// many there are.
fn held_beside(g: &FlowGraph, layers: &[Biclique], others: &[Biclique]) -> Vec<f64> {
    let shape = |b: &Biclique| (b.sources.len(), b.sinks.len(), layer_span(g, b));
    let members = |b: &Biclique| {
        let mut m: Vec<u32> = b.sources.iter().chain(&b.sinks).copied().collect();
        m.sort_unstable();
        m
    };
    let theirs: Vec<((usize, usize, i64), Vec<u32>)> =
        others.iter().map(|b| (shape(b), members(b))).collect();
    layers
        .par_iter()
        .map(|b| {
            let ((s, t, span), mine) = (shape(b), members(b));
            let beside = theirs
                .iter()
                .filter(|((s2, t2, span2), m)| {
                    *s2 >= s && *t2 >= t && *span2 <= span && m.iter().all(|a| mine.binary_search(a).is_err())
                })
                .count();
            1.0 + beside as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};
    use proptest::prelude::*;

    /// The candidates of the whole dump of `t`, and those of its parts of time of
    /// `window` seconds (each loading a layer window either side), each sorted and once.
    fn both_ways(t: &Tiny, window: i64) -> (Vec<Biclique>, Vec<Biclique>) {
        let g = t.graph();
        let ctx = Context::new(&g, &t.dump, &t.config);
        let mut whole = candidates(&ctx);
        whole.sort();
        whole.dedup();
        let reach = days_to_seconds(t.config.bipartite.window_days.get());
        let mut in_parts = Vec::new();
        let (mut from, last) = (g.time[0], g.time[g.edge_count() - 1]);
        while from <= last {
            let to = from + window;
            let lo = g.time.partition_point(|&x| x < from - reach);
            let hi = g.time.partition_point(|&x| x <= to + reach);
            let part = g.time_part(lo..hi);
            let edges = PartEdges::From(lo as u32);
            let mut handed = Handed::default();
            hand_to_part(&ctx, &part, edges, &mut handed);
            in_parts.extend(candidates(&Context::part(&ctx, &part, edges, &handed).owning((from, to))));
            from = to;
        }
        in_parts.sort();
        in_parts.dedup();
        (whole, in_parts)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Groups of sources paying groups of receivers for the first time, spread over
        /// up to nine days (some fit one window, some two overlapping ones), some paid
        /// again weeks later, some sharing a receiver with the next group, in noise and
        /// cut at any length: the parts find the whole dump's candidates, no more.
        #[test]
        fn parts_of_time_find_the_candidates_of_the_whole_dump(seed in 0u64..10_000, window_h in 6i64..500) {
            let mut t = Tiny::new();
            t.noise(seed, 40, 300, 120);
            t.span(120);
            let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let mut next = |n: u64| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state % n
            };
            for group in 0..8u64 {
                let (sources, sinks, day) = (2 + next(3), 2 + next(3), next(110) as i64);
                for s in 0..sources {
                    for r in 0..sinks {
                        let (from, to) = (format!("G{group}S{s}"), format!("G{group}R{r}"));
                        let at = day * D + next(9 * 24) as i64 * H;
                        t.wire(&from, &to, at, 500.0 + next(5_000) as f64);
                        if next(4) == 0 {
                            t.wire(&from, &to, at + next(30) as i64 * D, 100.0);
                        }
                    }
                }
                if next(2) == 0 {
                    let at = day * D + next(10 * 24) as i64 * H;
                    t.wire(&format!("G{group}S0"), &format!("G{}R0", (group + 1) % 8), at, 700.0);
                }
            }
            t.reverse_rows();
            let (whole, in_parts) = both_ways(&t, window_h * H);
            prop_assert!(!whole.is_empty());
            prop_assert_eq!(in_parts, whole);
        }
    }
}

//! Shared by the bipartite and stack motifs: complete bipartite layers (every source
//! pays every sink) inside one window, more than the dump's everyday traffic makes by
//! chance.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::config::params::{Channels, Count, Days, Factor, Multiple};
use crate::config::AmountFloor;
use crate::detect::Context;
use crate::graph::algo::chance::LayerChance;
use crate::graph::algo::novelty;
use crate::graph::FlowGraph;
use crate::model::Channel;
use crate::units::{days_to_seconds, DAY};
use serde::{Deserialize, Serialize};

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
}

/// One complete bipartite layer.
#[derive(Debug, Clone)]
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

/// First counted transfer from `a` to each receiver, for receivers that are not hubs.
fn receivers(
    g: &FlowGraph,
    cfg: &BipartiteConfig,
    channels: &[Channel],
    max_degree: usize,
    a: u32,
) -> BTreeMap<u32, u32> {
    let out = g.out_list(a);
    let company = |v: u32| g.accounts.business_like[v as usize];
    let mut first = BTreeMap::new();
    for k in 0..out.len() {
        let (r, e) = (out.other[k], out.edges[k]);
        if r == a
            || !channels.contains(&g.channel[e as usize])
            || (cfg.skip_business_to_business && company(a) && company(r))
            || g.in_edges(r).len() > max_degree
        {
            continue;
        }
        first.entry(r).or_insert(e);
    }
    first
}

/// Every biclique with at least `min_side` on each side whose first transfers fit in
/// one window, found from its lowest source, held by no larger one, and expected by
/// chance at most `expected_by_chance` times; sorted. Each pair of sources yields a
/// layer for every window of receivers they share, not one best: a coincidence in one
/// week cannot hide a case in another.
/// Computed once per context, under `[bipartite]`.
pub fn find<'c>(ctx: &'c Context<'_>) -> &'c [Biclique] {
    ctx.shared.bicliques.get_or_init(|| compute(ctx.graph, &ctx.config.bipartite))
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
    let distinct = |others: &[u32]| {
        let mut others = others.to_vec();
        others.sort_unstable();
        others.dedup();
        others.len()
    };
    // Per account, in node order (so the sums below run in one order for any thread
    // count): its distinct payees if it may be a source, its distinct payers if it may
    // be a sink, and its distinct payees in any case.
    let per_account: Vec<(Option<usize>, Option<usize>, usize)> = (0..g.node_count() as u32)
        .into_par_iter()
        .with_min_len(1024)
        .map(|v| {
            let (out, into) = (g.out_list(v), g.in_list(v));
            let payees = distinct(out.other);
            let payer = (1..=max_degree).contains(&out.len()).then_some(payees);
            let payee = (1..=max_degree).contains(&into.len()).then(|| distinct(into.other));
            (payer, payee, payees)
        })
        .collect();
    let payers: Vec<usize> = per_account.iter().filter_map(|a| a.0).collect();
    let payees: Vec<usize> = per_account.iter().filter_map(|a| a.1).collect();
    let pairs: usize = per_account.iter().map(|a| a.2).sum();
    let span = g.dump_span_seconds();
    LayerChance::measure(&payers, &payees, pairs, span)
}

fn compute(g: &FlowGraph, cfg: &BipartiteConfig) -> Vec<Biclique> {
    let channels = cfg.channels.as_slice().to_vec();
    let max_degree = max_member_degree(g, cfg);
    let window = days_to_seconds(cfg.window_days.get());
    let chance = layer_chance(g, max_degree);
    let mut out: Vec<Biclique> = (0..g.node_count() as u32)
        .into_par_iter()
        .with_min_len(256)
        .flat_map_iter(|a| anchored_at(g, cfg, &channels, max_degree, window, a))
        .collect();
    out.sort();
    out.dedup();
    let min_amount = g.scale.floor(cfg.min_amount);
    out.retain(|b| {
        let moved: f64 = b.edges.iter().map(|&e| g.amount[e as usize]).sum();
        moved >= min_amount * b.edges.len() as f64
    });
    let out = without_contained(out);
    let mut out: Vec<Biclique> = out
        .into_par_iter()
        .map(|x| {
            let centre: Vec<u32> = x.sources.iter().chain(&x.sinks).copied().collect();
            Biclique { expected_by_chance: novelty::broad_chance(g, &centre, &x.edges), ..x }
        })
        .collect();
    // Its amounts' chance times the layers of its shape expected by chance: by the
    // model, or as many as the dump itself holds, whichever is more.
    let seen = as_remarkable(g, &out);
    for (b, seen) in out.iter_mut().zip(seen) {
        let model = chance.expected(b.sources.len(), b.sinks.len(), layer_span(g, b));
        b.expected_by_chance *= model.max(seen);
    }
    out.retain(|b| b.expected_by_chance <= cfg.expected_by_chance.get());
    out
}

/// The candidate layers whose lowest source is `a`: for every other source sharing at
/// least `min_side` receivers with it, one per window of receivers the two share, with
/// every further source that paid all of them within that window.
fn anchored_at(
    g: &FlowGraph,
    cfg: &BipartiteConfig,
    channels: &[Channel],
    max_degree: usize,
    window: i64,
    a: u32,
) -> Vec<Biclique> {
    if g.out_edges(a).len() < cfg.min_side.get() || g.out_edges(a).len() > max_degree {
        return Vec::new();
    }
    let ra = receivers(g, cfg, channels, max_degree, a);
    if ra.len() < cfg.min_side.get() {
        return Vec::new();
    }
    // Other senders sharing at least min_side receivers with a.
    let mut shared: BTreeMap<u32, usize> = BTreeMap::new();
    for &r in ra.keys() {
        for &e in g.in_edges(r) {
            let b = g.src[e as usize];
            if b != a && !ra.contains_key(&b) && g.out_edges(b).len() <= max_degree {
                *shared.entry(b).or_default() += 1;
            }
        }
    }
    // Their receivers, read once each.
    let others: BTreeMap<u32, BTreeMap<u32, u32>> = shared
        .iter()
        .filter(|&(_, &n)| n >= cfg.min_side.get())
        .map(|(&b, _)| (b, receivers(g, cfg, channels, max_degree, b)))
        .collect();
    let receivers_of = |s: u32| if s == a { Some(&ra) } else { others.get(&s) };
    let mut found: Vec<Biclique> = Vec::new();
    for (&b, rb) in others.range(a..) {
        for (start, sinks) in windowed_sinks(g, &ra, rb, window, cfg.min_side.get()) {
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
/// receivers of one window make it. But a window must hold most of the receivers the
/// two ever shared: sources that keep paying the same people (neighbours, flatmates,
/// colleagues, one household) are a group whose every week looks like a layer.
fn windowed_sinks(
    g: &FlowGraph,
    ra: &BTreeMap<u32, u32>,
    rb: &BTreeMap<u32, u32>,
    window: i64,
    min_side: usize,
) -> Vec<(i64, Vec<u32>)> {
    let time = |e: u32| g.time[e as usize];
    // (earlier, later first payment, receiver), ordered by the earlier.
    let mut shared = 0;
    let mut common: Vec<(i64, i64, u32)> = ra
        .iter()
        .filter_map(|(&r, &ea)| {
            let eb = *rb.get(&r)?;
            shared += 1;
            let (lo, hi) = (time(ea).min(time(eb)), time(ea).max(time(eb)));
            (hi - lo <= window).then_some((lo, hi, r))
        })
        .collect();
    common.sort_unstable();
    let mut groups: Vec<(i64, Vec<u32>)> = Vec::new();
    for &(start, _, _) in &common {
        let first = common.partition_point(|c| c.0 < start);
        let mut sinks: Vec<u32> = common[first..]
            .iter()
            .take_while(|c| c.0 <= start + window)
            .filter(|c| c.1 <= start + window)
            .map(|c| c.2)
            .collect();
        if sinks.len() < min_side || 2 * sinks.len() <= shared {
            continue;
        }
        sinks.sort_unstable();
        if !groups.iter().any(|(_, held)| sinks.iter().all(|s| held.binary_search(s).is_ok())) {
            groups.retain(|(_, held)| !held.iter().all(|s| sinks.binary_search(s).is_ok()));
            groups.push((start, sinks));
        }
    }
    groups
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

/// For each layer, how many layers of the dump are at least as remarkable in shape (as
/// many sources and sinks or more, formed as fast or faster) and moved everyday amounts:
/// itself, plus the others' amounts' chances, which count a layer of everyday amounts
/// as about one and a layer of amounts its members never move as almost none, so that
/// the laundering layers of a large dump are not each other's background. Others that
/// share an account with it are left out too (the layers of one stack are one case).
/// That is the dump's own count of such layers formed by its everyday traffic, a
/// look-elsewhere count the configuration model cannot give where neighbours and
/// colleagues often pay the same few people. Each layer's `expected_by_chance` holds
/// its amounts' chance on entry.
fn as_remarkable(g: &FlowGraph, layers: &[Biclique]) -> Vec<f64> {
    let shape = |b: &Biclique| (b.sources.len(), b.sinks.len(), layer_span(g, b));
    let shapes: Vec<(usize, usize, i64)> = layers.iter().map(shape).collect();
    let members: Vec<Vec<u32>> = layers
        .iter()
        .map(|b| {
            let mut m: Vec<u32> = b.sources.iter().chain(&b.sinks).copied().collect();
            m.sort_unstable();
            m
        })
        .collect();
    let disjoint = |i: usize, j: usize| members[j].iter().all(|a| members[i].binary_search(a).is_err());
    (0..shapes.len())
        .into_par_iter()
        .map(|i| {
            let (s, t, span) = shapes[i];
            let others: f64 = (0..shapes.len())
                .filter(|&j| {
                    let (s2, t2, span2) = shapes[j];
                    j != i && s2 >= s && t2 >= t && span2 <= span && disjoint(i, j)
                })
                .map(|j| layers[j].expected_by_chance)
                .sum();
            1.0 + others
        })
        .collect()
}

//! Shared by the bipartite and stack motifs: complete bipartite layers (every source
//! pays every sink) inside one window, more than the dump's everyday traffic makes by
//! chance.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::config::params::{Channels, Count, Days, Factor, Multiple};
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

/// Every maximal-by-construction biclique with at least `min_side` on each side whose
/// first transfers fit in the window, found from its lowest source, and expected by
/// chance at most `expected_by_chance` times; sorted.
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
    let span = match (g.time.first(), g.time.last()) {
        (Some(a), Some(b)) => b - a,
        _ => 0,
    };
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
        .filter_map(|a| {
            if g.out_edges(a).len() < cfg.min_side.get() || g.out_edges(a).len() > max_degree {
                return None;
            }
            let ra = receivers(g, cfg, &channels, max_degree, a);
            if ra.len() < cfg.min_side.get() {
                return None;
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
                .map(|(&b, _)| (b, receivers(g, cfg, &channels, max_degree, b)))
                .collect();
            let receivers_of = |s: u32| if s == a { Some(&ra) } else { others.get(&s) };
            let mut best: Option<Biclique> = None;
            for (&b, rb) in others.range(a..) {
                let sinks: BTreeSet<u32> = ra.keys().filter(|r| rb.contains_key(r)).copied().collect();
                if sinks.len() < cfg.min_side.get() {
                    continue;
                }
                let mut sources = vec![a, b];
                for (&c, rc) in &others {
                    if c != b && shared[&c] >= sinks.len() && sinks.iter().all(|s| rc.contains_key(s)) {
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
                let (Some(&first), Some(&last)) = (edges.first(), edges.last()) else { continue };
                let span = g.time[last as usize] - g.time[first as usize];
                if span > window || edges.len() < cfg.min_edges.get() {
                    continue;
                }
                let cand =
                    Biclique { sources, sinks: sinks.into_iter().collect(), edges, expected_by_chance: 0.0 };
                if best.as_ref().is_none_or(|bb| cand.edges.len() > bb.edges.len()) {
                    best = Some(cand);
                }
            }
            let mut best = best?;
            let centre: Vec<u32> = best.sources.iter().chain(&best.sinks).copied().collect();
            best.expected_by_chance = novelty::broad_chance(g, &centre, &best.edges);
            Some(best)
        })
        .collect();
    out.sort();
    out.dedup();
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

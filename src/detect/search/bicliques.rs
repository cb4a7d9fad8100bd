//! Shared by the bipartite and stack motifs: complete bipartite layers (every source
//! pays every sink) inside one window.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::config::params::{Channels, Count, Days, Factor};
use crate::detect::Context;
use crate::graph::FlowGraph;
use crate::model::Channel;
use crate::units::days_to_seconds;
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
    /// Leave out transfers between two companies (when holder kinds are known).
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Channels,
}

/// One complete bipartite layer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Biclique {
    /// Sources, sorted.
    pub sources: Vec<u32>,
    /// Sinks, sorted.
    pub sinks: Vec<u32>,
    /// The first transfer of every (source, sink) pair, sorted.
    pub edges: Vec<u32>,
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
/// first transfers fit in the window, found from its lowest source; sorted.
/// Computed once per context, under `[bipartite]`.
pub fn find<'c>(ctx: &'c Context<'_>) -> &'c [Biclique] {
    ctx.shared.bicliques.get_or_init(|| compute(ctx.graph, &ctx.config.bipartite))
}

/// Transfers in one direction above which a member is a hub (merchant, utility,
/// employer), against the dump's median active account.
fn max_member_degree(g: &FlowGraph, cfg: &BipartiteConfig) -> usize {
    g.scale.activity(cfg.max_member_activity_vs_median.get()).ceil() as usize
}

fn compute(g: &FlowGraph, cfg: &BipartiteConfig) -> Vec<Biclique> {
    let channels = cfg.channels.as_slice().to_vec();
    let max_degree = max_member_degree(g, cfg);
    let window = days_to_seconds(cfg.window_days.get());
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
                let cand = Biclique { sources, sinks: sinks.into_iter().collect(), edges };
                if best.as_ref().is_none_or(|bb| cand.edges.len() > bb.edges.len()) {
                    best = Some(cand);
                }
            }
            best
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

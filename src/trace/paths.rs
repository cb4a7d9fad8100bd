//! The transfer chains that carried the most traced value into a destination: walking
//! back from the destination, each step takes the largest earlier traced inflow.

use std::collections::{HashMap, HashSet};

use crate::graph::FlowGraph;

/// One chain from a seed (or as far back as traced value goes) to a destination.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// Destination account.
    pub destination: u32,
    /// 1 = the chain carrying the most into the destination.
    pub rank: usize,
    /// Edge ids, seed side first.
    pub edges: Vec<u32>,
    /// Traced amount on the last transfer (into the destination), cents.
    pub amount: i64,
    /// Smallest traced amount on any transfer of the chain, cents.
    pub bottleneck: i64,
    /// True when the chain reaches a seed account.
    pub complete: bool,
}

/// Top `per_destination` chains into each of `destinations`.
pub fn chains(
    g: &FlowGraph,
    edges: &[(u32, i64)],
    seeds: &HashSet<u32>,
    destinations: &[u32],
    per_destination: usize,
    max_len: usize,
) -> Vec<Chain> {
    let mut into: HashMap<u32, Vec<(u32, i64)>> = HashMap::new();
    for &(e, c) in edges {
        into.entry(g.dst[e as usize]).or_default().push((e, c));
    }
    for list in into.values_mut() {
        // Largest first; earlier edge first among equals, for stable output.
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    let mut out = Vec::new();
    for &d in destinations {
        let Some(last_hops) = into.get(&d) else {
            continue;
        };
        for (rank, &(last, amount)) in last_hops.iter().take(per_destination).enumerate() {
            let mut chain = vec![last];
            let mut visited = HashSet::from([d]);
            let mut bottleneck = amount;
            let (mut cur, mut before) = (g.src[last as usize], last);
            while !seeds.contains(&cur) && chain.len() < max_len && visited.insert(cur) {
                let step = into.get(&cur).and_then(|l| l.iter().find(|(e, _)| *e < before));
                let Some(&(e, c)) = step else { break };
                chain.push(e);
                bottleneck = bottleneck.min(c);
                (cur, before) = (g.src[e as usize], e);
            }
            chain.reverse();
            out.push(Chain {
                destination: d,
                rank: rank + 1,
                edges: chain,
                amount,
                bottleneck,
                complete: seeds.contains(&cur),
            });
        }
    }
    out
}

/// Backward traces: the top chains from each origin forward to the seeds. Traced value
/// sits on transfers out of the origin; each step follows the largest later traced
/// transfer out of the receiver.
pub fn origin_chains(
    g: &FlowGraph,
    edges: &[(u32, i64)],
    seeds: &HashSet<u32>,
    origins: &[u32],
    per_origin: usize,
    max_len: usize,
) -> Vec<Chain> {
    let mut out_of: HashMap<u32, Vec<(u32, i64)>> = HashMap::new();
    for &(e, c) in edges {
        out_of.entry(g.src[e as usize]).or_default().push((e, c));
    }
    for list in out_of.values_mut() {
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    let mut out = Vec::new();
    for &o in origins {
        let Some(first_hops) = out_of.get(&o) else {
            continue;
        };
        for (rank, &(first, amount)) in first_hops.iter().take(per_origin).enumerate() {
            let mut chain = vec![first];
            let mut visited = HashSet::from([o]);
            let mut bottleneck = amount;
            let (mut cur, mut after) = (g.dst[first as usize], first);
            while !seeds.contains(&cur) && chain.len() < max_len && visited.insert(cur) {
                let step = out_of.get(&cur).and_then(|l| l.iter().find(|(e, _)| *e > after));
                let Some(&(e, c)) = step else { break };
                chain.push(e);
                bottleneck = bottleneck.min(c);
                (cur, after) = (g.dst[e as usize], e);
            }
            out.push(Chain {
                destination: o,
                rank: rank + 1,
                edges: chain,
                amount,
                bottleneck,
                complete: seeds.contains(&cur),
            });
        }
    }
    out
}

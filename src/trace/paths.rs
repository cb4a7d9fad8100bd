//! The transfer chains that carried the most traced value between the seeds and an
//! endpoint. Forward, the endpoint is a destination and the walk goes back towards the
//! seeds, each step taking the largest earlier traced transfer into the current account.
//! Backward, the endpoint is an origin and the walk goes forward, each step taking the
//! largest later traced transfer out of it.

use std::collections::{HashMap, HashSet};

use crate::graph::FlowGraph;

/// One chain from a seed (or as far as traced value goes) to an endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// Destination (forward) or origin (backward) account.
    pub destination: u32,
    /// 1 = the chain carrying the most.
    pub rank: usize,
    /// Edge ids, in time order.
    pub edges: Vec<u32>,
    /// Traced amount on the transfer at the endpoint, cents.
    pub amount: i64,
    /// Smallest traced amount on any transfer of the chain, cents.
    pub bottleneck: i64,
    /// True when the chain reaches a seed account.
    pub complete: bool,
}

/// Which way a chain is walked from its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// From a destination back to the seeds (forward traces).
    ToSeedsBackward,
    /// From an origin forward to the seeds (backward traces).
    ToSeedsForward,
}

/// Top `per_endpoint` chains at each of `endpoints`.
pub fn chains(
    g: &FlowGraph,
    edges: &[(u32, i64)],
    seeds: &HashSet<u32>,
    endpoints: &[u32],
    per_endpoint: usize,
    max_len: usize,
    walk: Walk,
) -> Vec<Chain> {
    let back = walk == Walk::ToSeedsBackward;
    // Traced transfers by the account the walk steps through: receiver when walking
    // back, sender when walking forward.
    let (near, far) = if back { (&g.dst, &g.src) } else { (&g.src, &g.dst) };
    let mut by_account: HashMap<u32, Vec<(u32, i64)>> = HashMap::new();
    for &(e, c) in edges {
        by_account.entry(near[e as usize]).or_default().push((e, c));
    }
    for list in by_account.values_mut() {
        // Largest first; earlier edge first among equals, for stable output.
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    let mut out = Vec::new();
    for &end in endpoints {
        let Some(first_steps) = by_account.get(&end) else { continue };
        for (rank, &(first, amount)) in first_steps.iter().take(per_endpoint).enumerate() {
            let mut chain = vec![first];
            let mut visited = HashSet::from([end]);
            let mut bottleneck = amount;
            let (mut cur, mut last) = (far[first as usize], first);
            while !seeds.contains(&cur) && chain.len() < max_len && visited.insert(cur) {
                // Money moves forward in time: walking back, the next step is earlier.
                let step = by_account
                    .get(&cur)
                    .and_then(|l| l.iter().find(|(e, _)| if back { *e < last } else { *e > last }));
                let Some(&(e, c)) = step else { break };
                chain.push(e);
                bottleneck = bottleneck.min(c);
                (cur, last) = (far[e as usize], e);
            }
            if back {
                chain.reverse();
            }
            out.push(Chain {
                destination: end,
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

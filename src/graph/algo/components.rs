//! Strongly connected components: a cycle never leaves the component of the account it
//! starts from, so cycle searches start only on transfers inside a component and never
//! follow a transfer out of the origin's.

use petgraph::algo::kosaraju_scc;
use petgraph::graph::DiGraph;

/// The strongly connected component of each of `n` nodes in the graph of `pairs`
/// (directed, duplicates allowed, self-loops ignored); `u32::MAX` for a node on no
/// cycle (a component of one).
pub fn cyclic_components(n: usize, mut pairs: Vec<(u32, u32)>) -> Vec<u32> {
    pairs.retain(|(a, b)| a != b);
    pairs.sort_unstable();
    pairs.dedup();
    let mut dg = DiGraph::<(), ()>::with_capacity(n, pairs.len());
    for _ in 0..n {
        dg.add_node(());
    }
    for (a, b) in pairs {
        dg.add_edge(a.into(), b.into(), ());
    }
    let mut comp = vec![u32::MAX; n];
    // Kosaraju's passes keep their own stacks; petgraph's Tarjan recurses once per node
    // along a path and overflowed the main thread's stack on a 50M-transfer dump.
    for (k, scc) in kosaraju_scc(&dg).into_iter().enumerate() {
        if scc.len() > 1 {
            for v in scc {
                comp[v.index()] = k as u32;
            }
        }
    }
    comp
}

/// True when `a` and `b` lie on one cycle-bearing component.
pub fn together(comp: &[u32], a: u32, b: u32) -> bool {
    let (x, y) = (comp[a as usize], comp[b as usize]);
    x != u32::MAX && x == y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_is_one_component_and_a_tail_none() {
        // 0 -> 1 -> 2 -> 0, and 2 -> 3 (3 on no cycle), 4 -> 4 (a self-loop is no cycle).
        let comp = cyclic_components(5, vec![(0, 1), (1, 2), (2, 0), (2, 3), (0, 1), (4, 4)]);
        assert!(together(&comp, 0, 1) && together(&comp, 1, 2));
        assert_eq!((comp[3], comp[4]), (u32::MAX, u32::MAX));
        assert!(!together(&comp, 2, 3) && !together(&comp, 4, 4));
    }
}

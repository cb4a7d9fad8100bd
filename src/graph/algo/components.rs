//! Strongly connected components: a cycle never leaves the component of the account it
//! starts from, so cycle searches start only on transfers inside a component and never
//! follow a transfer out of the origin's.

use rayon::prelude::*;

use crate::graph::{csr_offsets, FlowGraph};

/// Marks a node not yet reached by [`components_of_csr`].
const UNVISITED: u32 = u32::MAX;

/// The strongly connected component of each of `n` nodes in the graph of `pairs`
/// (directed, duplicates allowed, self-loops ignored); `u32::MAX` for a node on no
/// cycle (a component of one).
pub fn cyclic_components(n: usize, mut pairs: Vec<(u32, u32)>) -> Vec<u32> {
    pairs.retain(|(a, b)| a != b);
    // On every thread: the pairs of a 100M dump's large transfers run to tens of millions.
    pairs.par_sort_unstable();
    pairs.dedup();
    // Sorted by sender, the pairs' receivers are already the adjacency.
    let offsets = csr_offsets(n, pairs.iter().map(|&(a, _)| a));
    let targets: Vec<u32> = pairs.into_iter().map(|(_, b)| b).collect();
    components_of_csr(&offsets, &targets, |_| true)
}

/// [`cyclic_components`] of the accounts of `g` joined by the transfers `counts` takes,
/// read from the graph's own adjacency: a copy of every pair, and petgraph's graph of
/// them, took gigabytes at 100M transfers.
pub fn cyclic_components_of(g: &FlowGraph, counts: impl Fn(u32) -> bool) -> Vec<u32> {
    components_of_csr(&g.out_offsets, &g.out_dst, |k| counts(g.out_edges[k]))
}

/// Tarjan's strongly connected components over an adjacency in CSR form (node `v`'s
/// targets are `targets[offsets[v]..offsets[v + 1]]`, entry `k` taken when `keep(k)`),
/// iteratively: petgraph's Tarjan recurses once per node along a path and overflowed the
/// main thread's stack on a 50M-transfer dump, and its Kosaraju returns a vector per
/// component, millions of them for the nodes on no cycle. Components of one node are
/// `u32::MAX`; the others are numbered as they close.
fn components_of_csr(offsets: &[u32], targets: &[u32], keep: impl Fn(usize) -> bool) -> Vec<u32> {
    let n = offsets.len().saturating_sub(1);
    let mut t = Tarjan {
        index: vec![UNVISITED; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        comp: vec![u32::MAX; n],
        stack: Vec::new(),
        path: Vec::new(),
        next_index: 0,
        next_comp: 0,
    };
    for root in 0..n as u32 {
        if t.index[root as usize] != UNVISITED {
            continue;
        }
        t.enter(root, offsets);
        while let Some(&(v, at)) = t.path.last() {
            let vi = v as usize;
            if at < offsets[vi + 1] {
                if let Some(top) = t.path.last_mut() {
                    top.1 += 1;
                }
                let w = targets[at as usize];
                if w == v || !keep(at as usize) {
                    continue;
                }
                if t.index[w as usize] == UNVISITED {
                    t.enter(w, offsets);
                } else if t.on_stack[w as usize] {
                    t.low[vi] = t.low[vi].min(t.index[w as usize]);
                }
                continue;
            }
            t.path.pop();
            if let Some(&(u, _)) = t.path.last() {
                t.low[u as usize] = t.low[u as usize].min(t.low[vi]);
            }
            if t.low[vi] == t.index[vi] {
                t.close(v);
            }
        }
    }
    t.comp
}

/// The state of [`components_of_csr`].
struct Tarjan {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    comp: Vec<u32>,
    stack: Vec<u32>,
    /// The depth-first path: a node and the next entry of its adjacency to look at.
    path: Vec<(u32, u32)>,
    next_index: u32,
    next_comp: u32,
}

impl Tarjan {
    fn enter(&mut self, v: u32, offsets: &[u32]) {
        self.index[v as usize] = self.next_index;
        self.low[v as usize] = self.next_index;
        self.next_index += 1;
        self.stack.push(v);
        self.on_stack[v as usize] = true;
        self.path.push((v, offsets[v as usize]));
    }

    /// `v` is the root of a component: everything above it on the stack is its.
    fn close(&mut self, v: u32) {
        let Some(start) = self.stack.iter().rposition(|&x| x == v) else { return };
        let cyclic = self.stack.len() - start > 1;
        for x in self.stack.drain(start..) {
            self.on_stack[x as usize] = false;
            if cyclic {
                self.comp[x as usize] = self.next_comp;
            }
        }
        self.next_comp += u32::from(cyclic);
    }
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

    proptest::proptest! {
        /// Two nodes share a component exactly when each reaches the other.
        #[test]
        fn components_are_mutual_reachability(
            pairs in proptest::collection::vec((0u32..12, 0u32..12), 0..40),
        ) {
            let n = 12;
            let comp = cyclic_components(n, pairs.clone());
            let mut reach = vec![vec![false; n]; n];
            for &(a, b) in &pairs {
                if a != b {
                    reach[a as usize][b as usize] = true;
                }
            }
            for k in 0..n {
                for i in 0..n {
                    for j in 0..n {
                        if reach[i][k] && reach[k][j] {
                            reach[i][j] = true;
                        }
                    }
                }
            }
            for i in 0..n {
                for j in (0..n).filter(|&j| j != i) {
                    let mutual = reach[i][j] && reach[j][i];
                    proptest::prop_assert_eq!(together(&comp, i as u32, j as u32), mutual, "{} {}", i, j);
                }
                let on_cycle = (0..n).any(|j| j != i && reach[i][j] && reach[j][i]);
                proptest::prop_assert_eq!(comp[i] != u32::MAX, on_cycle);
            }
        }
    }
}

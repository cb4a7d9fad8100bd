//! Small graphs for the GFP families' tests.

use crate::detect::testkit::Tiny;
use crate::graph::FlowGraph;

use super::{Bins, Sparse};

/// Bins 1..=5, as in the GFP runs the tests copy; a pattern of one still counts nowhere.
pub fn small_bins() -> Bins {
    Bins::new(vec![1, 2, 3, 4, 5]).unwrap()
}

/// A graph of `(sender, receiver, time)` transfers of one unit among accounts `n0..n9`,
/// interned in order so that account `k` is node `k`.
pub fn graph(edges: &[(u32, u32, i64)]) -> FlowGraph {
    let mut t = Tiny::new();
    for k in 0..10 {
        t.dump.accounts.intern(&format!("n{k}"));
    }
    for &(s, d, time) in edges {
        t.wire(&format!("n{s}"), &format!("n{d}"), time, 1.0);
    }
    t.graph()
}

/// Sparse columns as full ones, `[bin][edge]` over `edges` transfers.
pub fn dense(columns: &[Sparse], edges: usize) -> Vec<Vec<u32>> {
    columns.iter().map(|c| c.dense(0, edges)).collect()
}

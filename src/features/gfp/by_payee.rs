//! Each account's outgoing transfers grouped by payee, for the GFP searches that ask
//! for every transfer from one account to another (a scatter-gather's legs, a cycle's
//! hops): one binary search instead of a scan of the payer's whole list.

use rayon::prelude::*;

use crate::graph::FlowGraph;

/// Positions in each account's outgoing list ([`FlowGraph::out_list`]), sorted by payee
/// and, for one payee, by time (the list's own order).
pub struct ByPayee {
    offsets: Vec<usize>,
    positions: Vec<u32>,
}

impl ByPayee {
    /// The index of `g`.
    pub fn of(g: &FlowGraph) -> ByPayee {
        let n = g.node_count();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for v in 0..n as u32 {
            offsets.push(offsets[v as usize] + g.out_list(v).edges.len());
        }
        let per_account: Vec<Vec<u32>> = (0..n as u32)
            .into_par_iter()
            .with_min_len(1024)
            .map(|v| {
                let other = g.out_list(v).other;
                let mut p: Vec<u32> = (0..other.len() as u32).collect();
                // Stable: one payee's transfers keep their time order.
                p.sort_by_key(|&k| other[k as usize]);
                p
            })
            .collect();
        ByPayee { offsets, positions: per_account.concat() }
    }

    fn of_account(&self, v: u32) -> &[u32] {
        &self.positions[self.offsets[v as usize]..self.offsets[v as usize + 1]]
    }

    /// Positions in `g.out_list(from)` of its transfers to `to`, in time order.
    pub fn to<'a>(&'a self, g: &FlowGraph, from: u32, to: u32) -> &'a [u32] {
        let other = g.out_list(from).other;
        let mine = self.of_account(from);
        let lo = mine.partition_point(|&k| other[k as usize] < to);
        let hi = mine.partition_point(|&k| other[k as usize] <= to);
        &mine[lo..hi]
    }

    /// Each payee of `from` once, ascending, with the positions of its transfers.
    pub fn payees<'a>(&'a self, g: &'a FlowGraph, from: u32) -> impl Iterator<Item = (u32, &'a [u32])> + 'a {
        let other = g.out_list(from).other;
        self.of_account(from).chunk_by(move |&a, &b| other[a as usize] == other[b as usize]).map(move |run| {
            let payee = other[run[0] as usize];
            (payee, run)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;

    #[test]
    fn transfers_to_one_payee_in_time_order() {
        let mut t = Tiny::new();
        t.wire("A", "C", 5, 1.0);
        t.wire("A", "B", 1, 2.0);
        t.wire("A", "C", 3, 3.0);
        t.wire("B", "A", 4, 4.0);
        let g = t.graph();
        let by = ByPayee::of(&g);
        // Interned as first named: A, C, B.
        let (a, c, b) = (0, 1, 2);
        let list = g.out_list(a);
        let times = |p: &[u32]| p.iter().map(|&k| list.time[k as usize]).collect::<Vec<_>>();
        assert_eq!(times(by.to(&g, a, c)), [3, 5]);
        assert_eq!(times(by.to(&g, a, b)), [1]);
        assert!(by.to(&g, a, a).is_empty());
        let payees: Vec<(u32, usize)> = by.payees(&g, a).map(|(p, run)| (p, run.len())).collect();
        assert_eq!(payees, [(c, 2), (b, 1)]);
        assert_eq!(by.payees(&g, c).count(), 0);
    }
}

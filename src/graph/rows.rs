//! Each edge's row in the transfer table a graph was built from.
//!
//! Edges are the transfers in time order. A dump that is already in time order (what
//! `generate` writes, and most exports) keeps its rows in input order, and so does a
//! part of time of such a dump: its rows are then one run, held as its first row, not
//! as 4 bytes a transfer (0.4 GB of a 100M-transfer graph at rest).

use std::borrow::Cow;

/// The row of each edge.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum EdgeRows {
    /// Edge `e` is row `first + e`, for `len` edges.
    Run {
        /// The first edge's row.
        first: u32,
        /// How many edges.
        len: usize,
    },
    /// Edge `e` is row `rows[e]`.
    Listed(Vec<u32>),
}

impl Default for EdgeRows {
    fn default() -> EdgeRows {
        EdgeRows::Run { first: 0, len: 0 }
    }
}

impl EdgeRows {
    /// The rows of `order` (edge `e`'s row is `order[e]`), held as a run when they are one.
    pub fn of(order: Vec<u32>) -> EdgeRows {
        let first = order.first().copied().unwrap_or(0);
        let is_run = order.iter().enumerate().all(|(e, &r)| u64::from(r) == u64::from(first) + e as u64);
        if is_run {
            EdgeRows::Run { first, len: order.len() }
        } else {
            EdgeRows::Listed(order)
        }
    }

    /// The row of edge `e`.
    pub fn get(&self, e: usize) -> u32 {
        match self {
            // A run's rows fit in u32: they were rows of a table indexed by u32.
            EdgeRows::Run { first, len } => {
                debug_assert!(e < *len, "edge {e} of {len}");
                first + e as u32
            }
            EdgeRows::Listed(rows) => rows[e],
        }
    }

    /// How many edges.
    pub fn len(&self) -> usize {
        match self {
            EdgeRows::Run { len, .. } => *len,
            EdgeRows::Listed(rows) => rows.len(),
        }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows of edges `r`, as a slice (made for a run).
    pub fn slice(&self, r: std::ops::Range<usize>) -> Cow<'_, [u32]> {
        match self {
            EdgeRows::Run { first, len } => {
                debug_assert!(r.end <= *len, "edges {r:?} of {len}");
                Cow::Owned((r.start..r.end).map(|e| first + e as u32).collect())
            }
            EdgeRows::Listed(rows) => Cow::Borrowed(&rows[r]),
        }
    }

    /// The rows of edges `r`: a run stays a run.
    pub fn range(&self, r: std::ops::Range<usize>) -> EdgeRows {
        match self {
            EdgeRows::Run { first, len } => {
                debug_assert!(r.start <= r.end && r.end <= *len, "edges {r:?} of {len}");
                // Saturating: an empty range at the end of a run that ends at
                // u32::MAX starts one past it, and reads no row.
                EdgeRows::Run { first: first.saturating_add(r.start as u32), len: r.len() }
            }
            EdgeRows::Listed(rows) => EdgeRows::of(rows[r].to_vec()),
        }
    }

    /// The rows of `edges` (ascending), in that order.
    pub fn pick(&self, edges: &[u32]) -> EdgeRows {
        EdgeRows::of(edges.iter().map(|&e| self.get(e as usize)).collect())
    }

    /// Every edge's row.
    pub fn to_vec(&self) -> Vec<u32> {
        self.slice(0..self.len()).into_owned()
    }

    /// Bytes held (capacity, not just length).
    pub fn heap_bytes(&self) -> usize {
        match self {
            EdgeRows::Run { .. } => 0,
            EdgeRows::Listed(rows) => rows.capacity() * 4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rows_in_order_are_held_as_a_run() {
        assert_eq!(EdgeRows::of(vec![3, 4, 5]), EdgeRows::Run { first: 3, len: 3 });
        assert_eq!(EdgeRows::of(Vec::new()), EdgeRows::Run { first: 0, len: 0 });
        assert_eq!(EdgeRows::of(vec![3, 5]), EdgeRows::Listed(vec![3, 5]));
        assert_eq!(EdgeRows::of(vec![1, 0]), EdgeRows::Listed(vec![1, 0]));
        assert_eq!(EdgeRows::of(vec![u32::MAX]), EdgeRows::Run { first: u32::MAX, len: 1 });
        assert_eq!(EdgeRows::of(vec![u32::MAX, 0]), EdgeRows::Listed(vec![u32::MAX, 0]));
        assert_eq!(EdgeRows::of(vec![7, 8]).heap_bytes(), 0);
        assert_eq!(EdgeRows::of(vec![u32::MAX]).range(1..1).len(), 0);
    }

    proptest! {
        /// A run and the same rows listed answer every question alike.
        #[test]
        fn a_run_reads_as_its_rows_listed(
            rows in proptest::collection::vec(0u32..50, 0..40),
            first in 0u32..1000,
            cut in (0usize..40, 0usize..40),
            picks in proptest::collection::btree_set(0u32..40, 0..10),
        ) {
            let run: Vec<u32> = (0..rows.len() as u32).map(|e| first + e).collect();
            for order in [rows, run] {
                let held = EdgeRows::of(order.clone());
                let listed = EdgeRows::Listed(order.clone());
                prop_assert_eq!(held.len(), order.len());
                prop_assert_eq!(held.to_vec(), order.clone());
                for (e, &row) in order.iter().enumerate() {
                    prop_assert_eq!(held.get(e), row);
                }
                let (lo, hi) = (cut.0.min(cut.1).min(order.len()), cut.0.max(cut.1).min(order.len()));
                prop_assert_eq!(held.slice(lo..hi).to_vec(), order[lo..hi].to_vec());
                prop_assert_eq!(held.range(lo..hi).to_vec(), listed.range(lo..hi).to_vec());
                let picks: Vec<u32> = picks.iter().copied().filter(|&e| (e as usize) < order.len()).collect();
                prop_assert_eq!(held.pick(&picks).to_vec(), listed.pick(&picks).to_vec());
            }
        }
    }
}

//! One-off payments: a payer's only payment to a payee over the whole dump. Regulars
//! (rent, bills, family) are paid again and again; a stranger paid once is what rings,
//! scatter-gathers and one-pass hubs are made of.

use std::sync::atomic::{AtomicUsize, Ordering};

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use crate::graph::FlowGraph;

/// Which transfers are the only payment their sender ever made to their payee: measured
/// once per dump, so that a search (rings, scatter-gathers, one-pass hubs) reads one flag
/// per payment rather than the payer's whole history. One bit per transfer: the flags
/// are read by transfer id, at random, and eight times fewer bytes miss the cache less
/// (12.5 MB at 100M transfers, not 100 MB).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OneOffPayments(FixedBitSet);

impl OneOffPayments {
    /// Measures every transfer of `g`.
    pub fn of(g: &FlowGraph) -> OneOffPayments {
        // Each payer's list is read on some thread and its one-off payments set where
        // they sit, by transfer id: one bit each of a set every thread writes, not a list
        // joined on one thread and then filed there one random write after another.
        let word = usize::BITS as usize;
        let words: Vec<AtomicUsize> =
            (0..g.edge_count().div_ceil(word)).map(|_| AtomicUsize::new(0)).collect();
        (0..g.node_count() as u32).into_par_iter().with_min_len(256).for_each_init(
            Vec::new,
            |by_payee, w| {
                let out = g.out_list(w);
                by_payee.clear();
                by_payee.extend(out.other.iter().copied().zip(out.edges.iter().copied()));
                by_payee.sort_unstable();
                for run in by_payee.chunk_by(|a, b| a.0 == b.0) {
                    if let [(_, e)] = run {
                        let e = *e as usize;
                        words[e / word].fetch_or(1 << (e % word), Ordering::Relaxed);
                    }
                }
            },
        );
        let blocks = words.into_iter().map(AtomicUsize::into_inner);
        OneOffPayments(FixedBitSet::with_capacity_and_blocks(g.edge_count(), blocks))
    }

    /// Measures every transfer of `part`, the graph of a part of a dump, against the
    /// whole dump's pair counts it carries ([`FlowGraph::payments_over_dump`]): a
    /// payment the part holds alone may have been paid again outside it.
    pub fn of_part(part: &FlowGraph) -> OneOffPayments {
        OneOffPayments(crate::graph::bits_where(part.edge_count(), |e| {
            part.payments_over_dump(part.src[e], part.dst[e]) == 1
        }))
    }

    /// These flags of the transfers a part of the dump holds, by the part's edge ids
    /// (`whole`: each part edge's id here, in order).
    pub fn cut(&self, whole: impl Iterator<Item = u32>) -> OneOffPayments {
        let whole: Vec<u32> = whole.collect();
        OneOffPayments(crate::graph::bits_where(whole.len(), |e| self.contains(whole[e])))
    }

    /// True when `edge` is its sender's only payment to its payee.
    pub fn contains(&self, edge: u32) -> bool {
        self.0.contains(edge as usize)
    }

    /// The one-off payments that `counts` takes (a channel test, say), one bit per
    /// transfer, found once in transfer order. A search that reads payments from an
    /// account's list asks this by transfer id at every step: one bit of one set instead
    /// of a bit here and a byte in a column of the graph, both read at random.
    pub fn marked(&self, counts: impl Fn(u32) -> bool + Sync) -> FixedBitSet {
        crate::graph::bits_where(self.0.len(), |e| self.0.contains(e) && counts(e as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;

    #[test]
    fn one_off_payments_are_those_to_a_payee_paid_once() {
        let mut t = Tiny::new();
        t.wire("A", "SHOP", 10, 30.0);
        t.wire("A", "LANDLORD", 20, 900.0);
        t.wire("A", "LANDLORD", 30, 900.0);
        t.wire("B", "LANDLORD", 40, 800.0);
        let g = t.graph();
        let one_off = OneOffPayments::of(&g);
        let flagged: Vec<(&str, &str)> = (0..g.edge_count() as u32)
            .filter(|&e| one_off.contains(e))
            .map(|e| {
                let id = |v: u32| t.dump.accounts.ids[v as usize].as_str();
                (id(g.src[e as usize]), id(g.dst[e as usize]))
            })
            .collect();
        assert_eq!(flagged, [("A", "SHOP"), ("B", "LANDLORD")]);
    }

    #[test]
    fn a_part_reads_payments_made_outside_it() {
        let mut t = Tiny::new();
        t.wire("A", "LANDLORD", 10, 900.0);
        t.wire("A", "LANDLORD", 5_000, 900.0);
        t.wire("B", "SHOP", 6_000, 30.0);
        let g = t.graph();
        // The part holds the second rent payment and the shop's only payment.
        let part = g.time_part(1..3);
        let one_off = OneOffPayments::of_part(&part);
        assert_eq!((one_off.contains(0), one_off.contains(1)), (false, true));
    }
}

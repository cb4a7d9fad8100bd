//! One-off payments: a payer's only payment to a payee over the whole dump. Regulars
//! (rent, bills, family) are paid again and again; a stranger paid once is what rings,
//! scatter-gathers and one-pass hubs are made of.

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use crate::graph::FlowGraph;

/// Which transfers are the only payment their sender ever made to their payee: measured
/// once per dump, so that a search (rings, scatter-gathers, one-pass hubs) reads one flag
/// per payment rather than the payer's whole history.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OneOffPayments(Vec<bool>);

impl OneOffPayments {
    /// Measures every transfer of `g`.
    pub fn of(g: &FlowGraph) -> OneOffPayments {
        let once: Vec<u32> = (0..g.node_count() as u32)
            .into_par_iter()
            .with_min_len(256)
            .flat_map_iter(|w| {
                let out = g.out_list(w);
                let mut by_payee: Vec<(u32, u32)> =
                    out.other.iter().copied().zip(out.edges.iter().copied()).collect();
                by_payee.sort_unstable();
                let single = |k: usize| {
                    let v = by_payee[k].0;
                    (k == 0 || by_payee[k - 1].0 != v) && by_payee.get(k + 1).is_none_or(|n| n.0 != v)
                };
                (0..by_payee.len()).filter(|&k| single(k)).map(|k| by_payee[k].1).collect::<Vec<u32>>()
            })
            .collect();
        let mut flags = vec![false; g.edge_count()];
        for e in once {
            flags[e as usize] = true;
        }
        OneOffPayments(flags)
    }

    /// Measures every transfer of `part`, the graph of a part of a dump, against the
    /// whole dump's pair counts it carries ([`FlowGraph::payments_over_dump`]): a
    /// payment the part holds alone may have been paid again outside it.
    pub fn of_part(part: &FlowGraph) -> OneOffPayments {
        OneOffPayments(
            (0..part.edge_count())
                .into_par_iter()
                .with_min_len(4096)
                .map(|e| part.payments_over_dump(part.src[e], part.dst[e]) == 1)
                .collect(),
        )
    }

    /// These flags of the transfers a part of the dump holds, by the part's edge ids
    /// (`whole`: each part edge's id here, in order).
    pub fn cut(&self, whole: impl Iterator<Item = u32>) -> OneOffPayments {
        OneOffPayments(whole.map(|e| self.contains(e)).collect())
    }

    /// True when `edge` is its sender's only payment to its payee.
    pub fn contains(&self, edge: u32) -> bool {
        self.0.get(edge as usize).copied().unwrap_or(false)
    }

    /// The one-off payments that `counts` takes (a channel test, say), one bit per
    /// transfer, found once in transfer order. A search that reads payments from an
    /// account's list asks this by transfer id at every step: one bit of a small set
    /// instead of a byte here and another in a column of the graph, both read at random.
    pub fn marked(&self, counts: impl Fn(u32) -> bool + Sync) -> FixedBitSet {
        crate::graph::bits_where(self.0.len(), |e| self.0[e] && counts(e as u32))
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

//! Each payer's first payment to each receiver a bipartite layer may count, measured
//! over the whole dump. A layer's links are relationships opening (every source pays
//! every sink for the first time within one window), so a part of time must know which
//! of its transfers opened their pair, and which receivers each payer ever had, not only
//! those in its own rows.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::detect::context::PartEdges;
use crate::graph::FlowGraph;
use crate::model::Channel;

/// Which transfers a layer may count: on these channels, not to oneself, not between two
/// companies when those are left out, and not to a hub (a receiver with more transfers
/// in than `max_degree` over the dump: a merchant, a utility, an employer).
#[derive(Debug, Clone, Copy)]
pub struct Counted<'c> {
    /// Channels that count.
    pub channels: &'c [Channel],
    /// Leave out company-to-company transfers.
    pub skip_business_to_business: bool,
    /// Most transfers a receiver may take over the dump and not be a hub.
    pub max_degree: usize,
}

impl Counted<'_> {
    /// Per receiver, the first counted transfer `a` made to it in `g`, which must hold
    /// the whole dump (a receiver's transfers in are counted there).
    pub fn first_payments(&self, g: &FlowGraph, a: u32) -> BTreeMap<u32, u32> {
        let out = g.out_list(a);
        let company = |v: u32| g.accounts.business_like[v as usize];
        let mut first = BTreeMap::new();
        for k in 0..out.len() {
            let (r, e) = (out.other[k], out.edges[k]);
            if r == a
                || !self.channels.contains(&out.channel[k])
                || (self.skip_business_to_business && company(a) && company(r))
                || g.in_edges(r).len() > self.max_degree
            {
                continue;
            }
            first.entry(r).or_insert(e);
        }
        first
    }
}

/// The dump's first counted payments ([`Counted`]): a flag per transfer, and each payer's
/// receivers, ascending. About one byte per transfer and four per payer-receiver pair,
/// like the pair index a part of the dump is handed.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FirstPayments {
    first: Vec<bool>,
    /// Per payer, where its receivers start in `receivers`.
    offsets: Vec<u32>,
    receivers: Vec<u32>,
}

impl FirstPayments {
    /// Measures the whole dump's graph `g`.
    pub fn of(g: &FlowGraph, counted: Counted<'_>) -> FirstPayments {
        let per_payer: Vec<Vec<(u32, u32)>> = (0..g.node_count() as u32)
            .into_par_iter()
            .with_min_len(256)
            .map(|a| counted.first_payments(g, a).into_iter().collect())
            .collect();
        let mut first = vec![false; g.edge_count()];
        let mut offsets = Vec::with_capacity(per_payer.len() + 1);
        let mut receivers = Vec::new();
        offsets.push(0);
        for payer in &per_payer {
            for &(r, e) in payer {
                first[e as usize] = true;
                receivers.push(r);
            }
            offsets.push(receivers.len() as u32);
        }
        FirstPayments { first, offsets, receivers }
    }

    /// The table a part of the dump reads, whose graph `part` holds the whole graph's
    /// `edges`: its own transfers' flags, by its edge ids, and the receivers of every
    /// account that pays in it (whether two of its payers ever paid each other or the
    /// same receivers, outside its time too).
    pub fn cut(&self, part: &FlowGraph, edges: PartEdges<'_>) -> FirstPayments {
        let first = (0..part.edge_count() as u32).map(|e| self.is_first(edges.whole(e))).collect();
        let mut offsets = Vec::with_capacity(part.node_count() + 1);
        let mut receivers = Vec::new();
        offsets.push(0);
        for a in 0..part.node_count() as u32 {
            if !part.out_edges(a).is_empty() {
                receivers.extend_from_slice(self.receivers_of(a));
            }
            offsets.push(receivers.len() as u32);
        }
        FirstPayments { first, offsets, receivers }
    }

    /// True when transfer `e` (of the whole dump; of the part, in a [`FirstPayments::cut`])
    /// is its payer's first counted payment to its receiver.
    pub fn is_first(&self, e: u32) -> bool {
        self.first.get(e as usize).copied().unwrap_or(false)
    }

    /// The receivers `a` ever paid a counted transfer, ascending.
    pub fn receivers_of(&self, a: u32) -> &[u32] {
        match (self.offsets.get(a as usize), self.offsets.get(a as usize + 1)) {
            (Some(&from), Some(&to)) => &self.receivers[from as usize..to as usize],
            _ => &[],
        }
    }

    /// True when `a` ever paid `r` a counted transfer.
    pub fn paid(&self, a: u32, r: u32) -> bool {
        self.receivers_of(a).binary_search(&r).is_ok()
    }

    /// How many receivers both `a` and `b` ever paid a counted transfer.
    pub fn shared(&self, a: u32, b: u32) -> usize {
        let (xs, ys) = (self.receivers_of(a), self.receivers_of(b));
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < xs.len() && j < ys.len() {
            match xs[i].cmp(&ys[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;

    #[test]
    fn first_payments_are_each_pairs_first_counted_transfer() {
        let mut t = Tiny::new();
        t.wire("A", "R1", 10, 100.0);
        t.wire("A", "R1", 20, 100.0);
        t.wire("A", "R2", 30, 100.0);
        t.wire("B", "R2", 40, 100.0);
        t.wire("B", "R3", 50, 100.0);
        let g = t.graph();
        let channels = [g.channel[0]];
        let table = FirstPayments::of(
            &g,
            Counted { channels: &channels, skip_business_to_business: false, max_degree: 10 },
        );
        let id = |v: u32| t.dump.accounts.ids[v as usize].as_str();
        let firsts: Vec<(&str, &str, i64)> = (0..g.edge_count() as u32)
            .filter(|&e| table.is_first(e))
            .map(|e| (id(g.src[e as usize]), id(g.dst[e as usize]), g.time[e as usize]))
            .collect();
        assert_eq!(firsts, [("A", "R1", 10), ("A", "R2", 30), ("B", "R2", 40), ("B", "R3", 50)]);
        let node = |name: &str| t.dump.accounts.ids.iter().position(|x| x == name).expect("account") as u32;
        assert_eq!(table.shared(node("A"), node("B")), 1);
        assert!(table.paid(node("A"), node("R1")) && !table.paid(node("B"), node("R1")));
        // A receiver with more transfers in than the bound is a hub, never counted.
        let hubs = FirstPayments::of(
            &g,
            Counted { channels: &channels, skip_business_to_business: false, max_degree: 1 },
        );
        assert!(!hubs.paid(node("A"), node("R1")) && !hubs.paid(node("A"), node("R2")));
        assert!(hubs.paid(node("B"), node("R3")));
    }
}

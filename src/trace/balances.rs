//! Every account's balance just before each transfer, from one pass over all transfers.
//!
//! Dumps do not carry opening balances, so an account that pays out more than it holds
//! is assumed to have had the difference from before the dump: untraced money. Traced
//! money is only ever diluted by this assumption, never invented.

use crate::graph::FlowGraph;
use crate::model::Channel;

/// Balances around each edge.
#[derive(Debug, Clone)]
pub struct Balances {
    /// Sender's balance just before the transfer (at least the amount sent).
    pub src_before: Vec<f64>,
    /// Receiver's balance just before the transfer.
    pub dst_before: Vec<f64>,
}

/// Balances in time order. A self-transfer on `into` (cash paid in) adds to the account,
/// one on `out_of` (cash taken out) takes from it; other self-transfers move nothing.
pub fn compute(g: &FlowGraph, into: Channel, out_of: Channel) -> Balances {
    let m = g.edge_count();
    let mut bal = vec![0.0f64; g.node_count()];
    let mut src_before = vec![0.0; m];
    let mut dst_before = vec![0.0; m];
    for e in 0..m {
        let (s, d, x) = (g.src[e] as usize, g.dst[e] as usize, g.amount[e]);
        if s == d {
            src_before[e] = bal[s].max(x);
            dst_before[e] = bal[d];
            if g.channel[e] == into {
                bal[d] += x;
            } else if g.channel[e] == out_of {
                bal[s] = src_before[e] - x;
            }
            continue;
        }
        src_before[e] = bal[s].max(x);
        bal[s] = src_before[e] - x;
        dst_before[e] = bal[d];
        bal[d] += x;
    }
    Balances { src_before, dst_before }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;

    #[test]
    fn overdrafts_are_covered_by_untraced_opening_money() {
        let mut t = Tiny::new();
        t.wire("A", "B", 1, 100.0);
        t.wire("B", "C", 2, 30.0);
        t.wire("B", "C", 3, 90.0); // B holds 70: 20 came from before the dump
        t.send("C", "C", 4, 50.0, Channel::CashWithdrawal);
        let b = compute(&t.graph(), Channel::CashDeposit, Channel::CashWithdrawal);
        assert_eq!(b.src_before, vec![100.0, 100.0, 90.0, 120.0]);
        assert_eq!(b.dst_before, vec![0.0, 0.0, 30.0, 120.0]);
    }
}

//! Who pays whom back: whether a payee ever paid its payer, and how many unrelated
//! parties an account both takes money from and pays money to.
//!
//! Two people who pay each other in turn (friends settling up, relatives, flatmates)
//! and a fund that pays its investors back are everyday reciprocity: money that goes
//! round among them is their standing relationship, not one sum being moved on. Reads
//! the whole dump's pairs, as [`crate::detect::Reads::TwoWay`] says.

use crate::graph::FlowGraph;

/// Whether `payee` paid `payer` anything, at any time in the dump.
pub fn paid_back(g: &FlowGraph, payer: u32, payee: u32) -> bool {
    g.ever_paid(payee, payer)
}

/// Whether, for every transfer in `edges`, its payee also paid its payer at some time
/// in the dump: money moving only along two-way relationships (people settling up).
pub fn every_payee_paid_back(g: &FlowGraph, edges: &[u32]) -> bool {
    edges.iter().all(|&e| paid_back(g, g.src[e as usize], g.dst[e as usize]))
}

/// How many controller groups other than `v`'s own both paid `v` and were paid by it,
/// counted up to `at_most` (a fund's redeemed investors, a broker's clients, a
/// platform's members who buy and sell).
pub fn two_way_parties(g: &FlowGraph, v: u32, at_most: usize) -> usize {
    let own = g.accounts.controller[v as usize];
    let paid = groups(g, &g.payees_over_dump(v));
    payer_groups(g, v).iter().filter(|&&c| c != own && paid.binary_search(&c).is_ok()).take(at_most).count()
}

/// The controller groups that paid `v` over the dump, sorted, each once.
pub fn payer_groups(g: &FlowGraph, v: u32) -> Vec<u32> {
    groups(g, &g.payers_over_dump(v))
}

fn groups(g: &FlowGraph, accounts: &[u32]) -> Vec<u32> {
    let mut out: Vec<u32> = accounts.iter().map(|&w| g.accounts.controller[w as usize]).collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D};

    #[test]
    fn paid_back_reads_either_direction_once() {
        let mut t = Tiny::new();
        t.wire("A", "B", D, 10.0);
        t.wire("B", "A", 2 * D, 10.0);
        t.wire("A", "C", 3 * D, 10.0);
        for k in 0..5 {
            t.wire("C", &format!("X{k}"), 4 * D, 10.0);
        }
        let g = t.graph();
        let id = |n: &str| t.dump.accounts.index[n];
        assert!(paid_back(&g, id("A"), id("B")));
        assert!(paid_back(&g, id("B"), id("A")));
        assert!(!paid_back(&g, id("A"), id("C")), "C never paid A");
        assert!(!paid_back(&g, id("C"), id("X0")));
    }

    #[test]
    fn two_way_parties_count_distinct_unrelated_groups() {
        let mut t = Tiny::new();
        t.company("FUND", "KY");
        for k in 0..6 {
            let investor = format!("I{k}");
            t.wire(&investor, "FUND", D, 100.0);
            t.wire(&investor, "FUND", 2 * D, 100.0);
            if k < 4 {
                t.wire("FUND", &investor, 9 * D, 90.0);
            }
        }
        // Paid, but never paid the fund; and the fund's own other account.
        t.wire("FUND", "BROKER", 3 * D, 500.0);
        t.company("FUND2", "KY");
        t.link("h-FUND", "h-FUND2");
        t.wire("FUND2", "FUND", D, 50.0);
        t.wire("FUND", "FUND2", 5 * D, 50.0);
        let g = t.graph();
        let fund = t.dump.accounts.index["FUND"];
        assert_eq!(two_way_parties(&g, fund, 100), 4);
        assert_eq!(two_way_parties(&g, fund, 3), 3, "counted up to the cap");
    }
}

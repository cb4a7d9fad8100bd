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

/// Whether every transfer of `cycle` is one share of a bill its payee split among the
/// others on it: another payer on the cycle paid the same payee within `tolerance` of
/// the same sum (a share of the amount) within `within` seconds of it. Friends who split
/// what one of them paid each send that one an equal share, so a loop of their shares
/// runs round the group with amounts that agree by the arithmetic of splitting, where
/// money carried on reaches each payee from its one payer alone.
pub fn every_hop_a_share(g: &FlowGraph, cycle: &[u32], tolerance: f64, within: i64) -> bool {
    let payers: Vec<u32> = cycle.iter().map(|&e| g.src[e as usize]).collect();
    cycle.iter().all(|&e| {
        let e = e as usize;
        let (payer, amount, time) = (g.src[e], g.amount[e], g.time[e]);
        let paid = g.in_list(g.dst[e]);
        let from = paid.time.partition_point(|&t| t < time.saturating_sub(within));
        let to = paid.time.partition_point(|&t| t <= time.saturating_add(within));
        (from..to).any(|k| {
            let other = paid.other[k];
            other != payer && payers.contains(&other) && (paid.amount[k] - amount).abs() <= tolerance * amount
        })
    })
}

/// How many controller groups other than `v`'s own both paid `v` and were paid by it,
/// counted up to `at_most` (a fund's redeemed investors, a broker's clients, a
/// platform's members who buy and sell); `payers` are `v`'s payer groups
/// ([`payer_groups`]), which the caller reads once for this and its other tests.
pub fn two_way_parties(g: &FlowGraph, v: u32, payers: &[u32], at_most: usize) -> usize {
    let own = g.accounts.controller[v as usize];
    let paid = groups(g, &g.payees_over_dump(v));
    payers.iter().filter(|&&c| c != own && paid.binary_search(&c).is_ok()).take(at_most).count()
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
    fn a_loop_of_shares_is_one_whose_every_payee_was_paid_the_same_by_another_on_it() {
        // Three friends: each pays a bill and is sent the others' equal shares; the loop
        // A -> B -> C -> A runs through one share of each bill.
        let mut t = Tiny::new();
        for (k, (payee, share)) in [("B", 300.0), ("C", 295.0), ("A", 150.0)].into_iter().enumerate() {
            let day = 10 * (k as i64 + 1);
            for payer in ["A", "B", "C"].into_iter().filter(|&p| p != payee) {
                t.wire(payer, payee, (day + i64::from(payer == "C")) * D, share);
            }
        }
        let g = t.graph();
        let id = |n: &str| t.dump.accounts.index[n];
        let hop =
            |a: &str, b: &str| *g.out_edges(id(a)).iter().find(|&&e| g.dst[e as usize] == id(b)).unwrap();
        let cycle = [hop("A", "B"), hop("B", "C"), hop("C", "A")];
        assert!(every_hop_a_share(&g, &cycle, 0.02, 7 * D));
        assert!(!every_hop_a_share(&g, &cycle, 0.02, 0), "the other shares came a day apart");
        // Money carried on round the same three: each payee paid by its one payer.
        let mut t = Tiny::new();
        t.wire("A", "B", 10 * D, 300.0);
        t.wire("B", "C", 11 * D, 295.0);
        t.wire("C", "A", 12 * D, 290.0);
        let g = t.graph();
        assert!(!every_hop_a_share(&g, &[0, 1, 2], 0.02, 7 * D));
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
        let payers = payer_groups(&g, fund);
        assert_eq!(two_way_parties(&g, fund, &payers, 100), 4);
        assert_eq!(two_way_parties(&g, fund, &payers, 3), 3, "counted up to the cap");
    }
}

//! How unusual a hit's amounts are for the accounts at its centre: the typical proving
//! transfer against the typical transfer of the same accounts outside the hit. A mule
//! that scatters a lump it was handed pays amounts it never pays otherwise; a payroll or
//! subscription hub pays what it always pays. The ratio is read against each account's
//! own history, never against one world's currency units, so it ranks the same way in
//! a dump of amounts under 1,000 as in one of millions.

use crate::graph::FlowGraph;

/// The median proving transfer against the median of the centre's other transfers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmountNovelty {
    /// Median amount of the proving transfers (base currency).
    pub proving: f64,
    /// Median amount of the centre accounts' other transfers, in and out; `None` when
    /// they made no other transfer (their whole history is the hit).
    pub usual: Option<f64>,
}

impl AmountNovelty {
    /// Measures `proving` (edge ids, sorted) against the other transfers of `centre`.
    pub fn measure(g: &FlowGraph, centre: &[u32], proving: &[u32]) -> AmountNovelty {
        let mut hit: Vec<f64> = proving.iter().map(|&e| g.amount[e as usize]).collect();
        let mut usual: Vec<f64> = Vec::new();
        for &v in centre {
            for list in [g.in_list(v), g.out_list(v)] {
                for (k, &e) in list.edges.iter().enumerate() {
                    if proving.binary_search(&e).is_err() {
                        usual.push(list.amount[k]);
                    }
                }
            }
        }
        AmountNovelty { proving: median(&mut hit).unwrap_or(0.0), usual: median(&mut usual) }
    }

    /// How many times the usual amount the proving transfers carry (`None` without a
    /// usual amount to compare with).
    pub fn ratio(&self) -> Option<f64> {
        self.usual.filter(|&u| u > 0.0).map(|u| self.proving / u)
    }

    /// A strength term in [0, 1]: 0 at or below the usual amount, 1 from four times it
    /// (a log scale, so twice the usual is halfway); one half when there is no history
    /// to compare with, which says nothing either way.
    pub fn term(&self) -> f64 {
        match self.ratio() {
            Some(r) if r > 0.0 => (r.log2() / 2.0).clamp(0.0, 1.0),
            Some(_) => 0.0,
            None => 0.5,
        }
    }

    /// Words for a reason: "amounts 4.2x its usual" (empty without a usual amount).
    pub fn words(&self) -> String {
        self.ratio().map(|r| format!(", typical amount {r:.1}x its usual")).unwrap_or_default()
    }
}

/// The upper median, reordering `values`; `None` when empty.
fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D};

    #[test]
    fn a_burst_of_four_times_the_usual_amount_scores_one_and_routine_scores_zero() {
        let mut t = Tiny::new();
        let hub = t.person("HUB", "US");
        t.span(100);
        for k in 0..10 {
            t.wire("HUB", &format!("OLD{k}"), k * D, 100.0);
        }
        for k in 0..5 {
            t.wire("HUB", &format!("NEW{k}"), (50 + k) * D, 400.0);
        }
        let g = t.graph();
        let burst: Vec<u32> =
            g.out_edges(hub).iter().copied().filter(|&e| g.amount[e as usize] > 200.0).collect();
        let novel = AmountNovelty::measure(&g, &[hub], &burst);
        assert_eq!(novel.ratio(), Some(4.0));
        assert_eq!(novel.term(), 1.0);
        let routine: Vec<u32> =
            g.out_edges(hub).iter().copied().filter(|&e| g.amount[e as usize] < 200.0).collect();
        assert_eq!(AmountNovelty::measure(&g, &[hub], &routine).term(), 0.0);
    }

    #[test]
    fn an_account_with_no_other_history_is_neutral() {
        let mut t = Tiny::new();
        let hub = t.person("HUB", "US");
        t.wire("HUB", "A", D, 50.0);
        let g = t.graph();
        let all = g.out_edges(hub).to_vec();
        let novel = AmountNovelty::measure(&g, &[hub], &all);
        assert_eq!(novel.usual, None);
        assert_eq!(novel.term(), 0.5);
        assert_eq!(novel.words(), "");
    }
}

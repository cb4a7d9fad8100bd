//! How unusual a hit's amounts are for the accounts at its centre: the typical proving
//! transfer against the typical transfer of the same accounts outside the hit. A mule
//! that scatters a lump it was handed pays amounts it never pays otherwise; a payroll or
//! subscription hub pays what it always pays. The ratio is read against each account's
//! own history, never against one world's currency units, so it ranks the same way in
//! a dump of amounts under 1,000 as in one of millions. Where that history is short, the
//! dump's amounts stand beside it: two of the transfers it is weighed against are drawn
//! from them, so a mule with three earlier payments that moves sums rare in the dump is
//! read as rare, and one that moves everyday sums as everyday.

use rustc_hash::FxHashSet;

use crate::graph::algo::chance::{binomial_tail, rank_sum_tail};
use crate::graph::FlowGraph;

/// The median proving transfer against the median of the centre's other transfers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmountNovelty {
    /// Median amount of the proving transfers (base currency).
    pub proving: f64,
    /// Median amount of the centre accounts' other transfers, in and out; `None` when
    /// they made no other transfer (their whole history is the hit).
    pub usual: Option<f64>,
    /// Proving transfers, a payer's repeats of one exact sum to one payee counted once
    /// ([`distinct_draws`]).
    pub count: usize,
    /// Share of the other transfers at least as large as the median proving one, with
    /// two more drawn from the dump's amounts: an amount never seen before is rare, not
    /// impossible, and a short history is read against how rare the amount is in the
    /// dump rather than as even odds.
    pub share_as_large: f64,
}

impl AmountNovelty {
    /// Measures `proving` (edge ids, sorted) against the other transfers of `centre`, in
    /// and out: a hub's usual amount is what it usually moves either way.
    pub fn measure(g: &FlowGraph, centre: &[u32], proving: &[u32]) -> AmountNovelty {
        let mut hit = distinct_draws(g, proving);
        let mut usual = other_amounts(g, centre, proving);
        let proving = median(&mut hit).unwrap_or(0.0);
        let as_large = usual.iter().filter(|&&a| a >= proving).count();
        AmountNovelty {
            proving,
            count: hit.len(),
            share_as_large: g.scale.share_with_history(as_large, usual.len(), proving),
            usual: median(&mut usual),
        }
    }

    /// The chance that the centre accounts, paying amounts drawn from their own history,
    /// would have made at least half of the proving transfers as large as their median:
    /// about one half for amounts they pay every day, tiny for a run of amounts they
    /// never pay. The threshold is the hit's own median, so even everyday amounts come
    /// out near one half rather than one: a factor of two in the hit's favour, small
    /// next to what separates a mule's run from a habit.
    pub fn chance(&self) -> f64 {
        binomial_tail(self.count, self.count.div_ceil(2), self.share_as_large)
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

/// The chance that the centre accounts, paying amounts drawn from their own history,
/// would have made three in four of the proving transfers (edge ids, sorted) as large as
/// the proving transfers' lower quartile. Where every link of a pattern moves money the
/// accounts do not move, this is as small as [`AmountNovelty::chance`]; where one or two
/// large payments (a fund subscription, a car) stand beside everyday ones, the median
/// can be large while this stays ordinary. For patterns whose every link must carry the
/// money, such as a many-to-many layer.
pub fn broad_chance(g: &FlowGraph, centre: &[u32], proving: &[u32]) -> f64 {
    let mut hit = distinct_draws(g, proving);
    if hit.is_empty() {
        return 1.0;
    }
    hit.sort_unstable_by(f64::total_cmp);
    let quartile = hit.len() / 4;
    let usual = other_amounts(g, centre, proving);
    let as_large = usual.iter().filter(|&&a| a >= hit[quartile]).count();
    let share = g.scale.share_with_history(as_large, usual.len(), hit[quartile]);
    binomial_tail(hit.len(), hit.len() - quartile, share)
}

/// The chance that the proving transfers (edge ids, sorted) would rank as high among the
/// centre accounts' other transfers as they do, were their amounts drawn with those from
/// one habit: the Mann–Whitney test ([`rank_sum_tail`]), pairs counted above, ties half.
/// [`AmountNovelty::chance`] reads the share of the history at least as large as if it
/// were the habit itself; a history of forty amounts is a sample of it, and a run of
/// thirty against it may rank high by chance (a dealer's month of larger sums, read
/// against the two quieter months before it). Two amounts stand beside the history, at
/// the dump's thirds (the places of two draws from its amounts, as with
/// [`AmountNovelty::share_as_large`]): an account with no history of its own is read
/// against the dump.
pub fn rank_chance(g: &FlowGraph, centre: &[u32], proving: &[u32]) -> f64 {
    let hit = distinct_draws(g, proving);
    let mut usual = other_amounts(g, centre, proving);
    usual.extend([g.scale.amount_at(100.0 / 3.0), g.scale.amount_at(200.0 / 3.0)]);
    usual.sort_unstable_by(f64::total_cmp);
    let above: f64 = hit
        .iter()
        .map(|&a| {
            let below = usual.partition_point(|&u| u < a);
            let tied = usual.partition_point(|&u| u <= a) - below;
            below as f64 + tied as f64 / 2.0
        })
        .sum();
    rank_sum_tail(hit.len(), usual.len(), above)
}

/// The amounts of `proving` (edge ids), one for each payer, payee and exact sum:
/// a standing order that pays one landlord the same rent every week, or a parent's
/// allowance, is one decision taken once, not a fresh draw at each payment, and counted
/// as many it would make a single periodic payer look like a run of unusual sums. A fan's
/// or a layer's legs are different pairs, each its own draw, and stay.
fn distinct_draws(g: &FlowGraph, proving: &[u32]) -> Vec<f64> {
    let mut seen = FxHashSet::default();
    proving
        .iter()
        .map(|&e| e as usize)
        .filter(|&e| seen.insert((g.src[e], g.dst[e], g.amount[e].to_bits())))
        .map(|e| g.amount[e])
        .collect()
}

/// The amounts of the centre accounts' transfers, in and out, other than `proving`
/// (edge ids, sorted).
fn other_amounts(g: &FlowGraph, centre: &[u32], proving: &[u32]) -> Vec<f64> {
    let mut usual = Vec::new();
    for &v in centre {
        for list in [g.in_list(v), g.out_list(v)] {
            for (k, &e) in list.edges.iter().enumerate() {
                if proving.binary_search(&e).is_err() {
                    usual.push(list.amount[k]);
                }
            }
        }
    }
    usual
}

/// The upper median, reordering `values`; `None` when empty.
pub(crate) fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*m)
}

/// Whether, in the median over `inflows`, a transfer is at least as large as half its
/// sender's own payments over the dump (its mid-rank among them, ties counted half, is
/// one half or more). Shoppers pay a shop's till the least of what they pay
/// (a card purchase beside the rent and the transfers to family); people paying a
/// collector or a mule pay it sums they seldom pay, and an account that pays nothing
/// else pays it its usual. With no inflows, true.
pub fn senders_paid_their_usual_or_more(g: &FlowGraph, inflows: impl Iterator<Item = u32>) -> bool {
    let mut ranks: Vec<f64> = inflows
        .map(|e| {
            // Its mid-rank among them: a sender who pays the till the same sum every
            // time ranks it among its ties at their middle, not at their top.
            let (sizes, amount) = (g.payment_sizes(g.src[e as usize]), g.amount[e as usize]);
            (sizes.within(0.0, amount) - sizes.within(amount, amount) / 2.0) / sizes.made().max(1) as f64
        })
        .collect();
    if ranks.is_empty() {
        return true;
    }
    let mid = ranks.len() / 2;
    ranks.select_nth_unstable_by(mid, f64::total_cmp);
    ranks[mid] >= 0.5
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};
    use crate::graph::algo::chance::subsets;

    #[test]
    fn senders_pay_a_till_the_least_of_what_they_pay_and_a_collector_more() {
        let mut t = Tiny::new();
        for i in 0..5i64 {
            let p = format!("P{i}");
            for k in 0..4i64 {
                t.wire(&p, &format!("RENT{i}"), k * 30 * D, 900.0);
            }
            t.wire(&p, "TILL", 5 * D + i * H, 30.0);
            t.wire(&p, "HUB", 6 * D + i * H, 4_000.0);
        }
        t.wire("LONER", "HUB", 7 * D, 50.0);
        let g = t.graph();
        let into = |name: &str| {
            let v = t.dump.accounts.index[name];
            g.in_list(v).edges.to_vec()
        };
        assert!(!senders_paid_their_usual_or_more(&g, into("TILL").into_iter()));
        // The loner pays nothing else: 50 is its usual.
        assert!(senders_paid_their_usual_or_more(&g, into("HUB").into_iter()));
        assert!(senders_paid_their_usual_or_more(&g, std::iter::empty()));
    }

    /// A hub's twenty payments of 100 to 290, then ten among them (`MID0..`) and, when
    /// `high`, ten above all of them (`HIGH0..`); the hub's id.
    fn hub_paying(high: bool) -> (Tiny, u32) {
        let mut t = Tiny::new();
        let hub = t.person("HUB", "US");
        t.span(100);
        for k in 0..20i64 {
            t.wire("HUB", &format!("OLD{k}"), k * D, 100.0 + 10.0 * k as f64);
        }
        for k in 0..10i64 {
            if high {
                t.wire("HUB", &format!("HIGH{k}"), (40 + k) * D, 1_000.0 + k as f64);
            }
            t.wire("HUB", &format!("MID{k}"), (60 + k) * D, 105.0 + 20.0 * k as f64);
        }
        (t, hub)
    }

    #[test]
    fn a_run_ranks_against_its_accounts_history_read_as_a_sample() {
        let chance = |high: bool, prefix: &str| {
            let (t, hub) = hub_paying(high);
            let g = t.graph();
            let payees: Vec<u32> =
                (0..10).map(|k| t.dump.accounts.index[format!("{prefix}{k}").as_str()]).collect();
            let sent: Vec<u32> =
                g.out_edges(hub).iter().copied().filter(|&e| payees.contains(&g.dst[e as usize])).collect();
            rank_chance(&g, &[hub], &sent)
        };
        // Above each of the thirty others and both of the dump's thirds: one split of
        // the 42 in C(42, 10).
        let high = chance(true, "HIGH");
        assert!((high * subsets(42, 10) - 1.0).abs() < 1e-6, "{high}");
        // Among its old payments, below the ten high ones: no more than its habit.
        assert!(chance(true, "MID") > 0.5);
        // Among the old payments alone, at about even odds.
        let even = chance(false, "MID");
        assert!((0.2..0.8).contains(&even), "{even}");
    }

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
    fn one_large_payment_beside_everyday_ones_is_no_broad_novelty() {
        let mut t = Tiny::new();
        let hub = t.person("HUB", "US");
        t.span(100);
        for k in 0..20 {
            t.wire("HUB", &format!("OLD{k}"), k * D, 100.0);
        }
        // Four new payments: two everyday, two fifty times the usual.
        for (k, amount) in [(0, 60.0), (1, 5_000.0), (2, 80.0), (3, 5_000.0)] {
            t.wire("HUB", &format!("NEW{k}"), (50 + k) * D, amount);
        }
        // Four new payments, each at least eight times the usual.
        for k in 0..4 {
            t.wire("HUB", &format!("BIG{k}"), (60 + k) * D, 800.0 + k as f64);
        }
        let g = t.graph();
        let pick = |lo: i64, hi: i64| -> Vec<u32> {
            g.out_edges(hub)
                .iter()
                .copied()
                .filter(|&e| (lo * D..hi * D).contains(&g.time[e as usize]))
                .collect()
        };
        let (mixed, broad) = (pick(50, 54), pick(60, 64));
        assert!(AmountNovelty::measure(&g, &[hub], &mixed).chance() < 0.05, "the median alone is fooled");
        assert!(broad_chance(&g, &[hub], &mixed) > 0.5);
        assert!(broad_chance(&g, &[hub], &broad) < 0.01);
    }

    #[test]
    fn a_short_history_reads_a_sum_rare_in_the_dump_as_rare() {
        let burst = |amount: f64| {
            let mut t = Tiny::new();
            t.economy(100.0, 100, 2_000);
            let hub = t.person("HUB", "US");
            for k in 0..3 {
                t.wire("HUB", &format!("OLD{k}"), k * D, 60.0);
            }
            for k in 0..5 {
                t.wire("HUB", &format!("NEW{k}"), (50 + k) * D, amount);
            }
            let g = t.graph();
            let proving: Vec<u32> =
                g.out_edges(hub).iter().copied().filter(|&e| g.time[e as usize] >= 50 * D).collect();
            AmountNovelty::measure(&g, &[hub], &proving).share_as_large
        };
        // Three earlier payments alone would put any larger sum at one in four.
        assert!(burst(5_000.0) < 0.01, "{}", burst(5_000.0));
        assert!(burst(100.0) > 0.15, "{}", burst(100.0));
    }

    #[test]
    fn a_standing_order_is_one_draw_and_a_fan_of_the_same_sums_is_many() {
        // HUB usually moves 100; over two weeks it receives 900 seven times from one
        // payer (a tenant's rent, paid in instalments) or once each from seven senders.
        let chance = |senders: usize| {
            let mut t = Tiny::new();
            t.economy(100.0, 100, 2_000);
            let hub = t.person("HUB", "US");
            for k in 0..20 {
                t.wire(&format!("OLD{k}"), "HUB", k * D, 100.0);
            }
            for k in 0..7 {
                t.wire(&format!("NEW{}", k % senders), "HUB", (50 + 2 * k as i64) * D, 900.0);
            }
            let g = t.graph();
            let proving: Vec<u32> =
                g.in_edges(hub).iter().copied().filter(|&e| g.time[e as usize] >= 50 * D).collect();
            let novel = AmountNovelty::measure(&g, &[hub], &proving);
            (novel.count, novel.chance(), broad_chance(&g, &[hub], &proving))
        };
        // One payer: as rare as one such payment, not as seven.
        let (count, one, one_broad) = chance(1);
        assert_eq!(count, 1);
        assert!(one > 1e-4 && one_broad == one, "{one} {one_broad}");
        let (count, seven, seven_broad) = chance(7);
        assert_eq!(count, 7);
        assert!(seven < one.powi(3) && seven_broad < one.powi(3), "{seven} {seven_broad}");
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

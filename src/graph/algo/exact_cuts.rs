//! Passes at an exact share: an account that receives a run of transfers and then pays
//! out exactly a whole percentage of their sum, to the cent (90% of 17,799.06 is
//! 16,019.15), and how often a dump's accounts do that at each share by chance.
//!
//! A laundering network that pays each relay a fixed commission leaves the same share
//! on every relay it uses, whatever the amounts: the relay keeps its tenth and passes the
//! rest on, split as it likes. Any one relay's exact share can be a coincidence (some
//! sums out are some percentage of some sums in); the dump's own accounts say how often:
//! at a share no one keeps as a commission, only by chance. A share that far more
//! accounts pass at than at the others is a cut someone keeps ([`DumpCuts`]).
//!
//! Passing on everything (100%) is left out: a sweep to savings or a treasury account
//! forwards exactly what came in as its everyday business. So are sums in whole units
//! (a hundred of the unit the dump's amounts are written in, [`crate::graph::scale::amount_tick`]): where
//! every amount is round, round shares of them are round too.

use crate::graph::algo::chance::poisson_tail;
use crate::graph::AdjList;
use crate::units::DAY;

/// The lowest share passed on, in percent: a relay passes on most of what it got.
pub const LOWEST_PERCENT: u8 = 50;

/// The highest share passed on, in percent (100% is a sweep, not a relay).
pub const HIGHEST_PERCENT: u8 = 99;

/// Shares tried, one per whole percent.
const SHARES: usize = (HIGHEST_PERCENT - LOWEST_PERCENT + 1) as usize;

/// The most transfers on each side of a pass: a relay gathers from a few and pays a few.
const MOST_LEGS: usize = 4;

/// The payments a pass may start from, the first after its last receipt and the next
/// ones: a relay may pay a bill or two before it passes the money on.
const STARTS: usize = 3;

/// The longest a relay takes to gather, and again to pass it on: a month. Money held
/// longer is saved, not relayed.
const WITHIN_SECONDS: i64 = 30 * DAY;

/// The fewest accounts passing at one share before it can be a cut: fewer say nothing
/// against a dump's chance matches.
const FEWEST_ACCOUNTS: u32 = 5;

/// Below this chance, over every share tried, a share's count of accounts is more than
/// the dump's matches by chance make.
const CUT_SIGNIFICANCE: f64 = 0.01;

/// One pass: a run of receipts, then a run of payments that sum to exactly `percent`
/// of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactPass {
    /// The share passed on, in percent.
    pub percent: u8,
    /// Positions in the account's incoming list, in time order.
    pub gathered: Vec<usize>,
    /// Positions in its outgoing list, in time order, none before the last receipt.
    pub passed: Vec<usize>,
}

/// The first pass at each share among `ins` at the positions `keep_in` and `outs` at
/// `keep_out` (both in time order), in a dump whose amounts are written in `tick`s
/// ([`crate::graph::scale::amount_tick`]): runs of one to four receipts within a month, then
/// runs of one to four payments starting at one of the first three from the last
/// receipt on, the last within a month of it, with three counterparties or more between
/// them (a gather or a scatter, not one payment passed to one payee), whose payments sum
/// to a whole percentage of the receipts, between [`LOWEST_PERCENT`] and
/// [`HIGHEST_PERCENT`], within half a tick per payment (what writing each amount may
/// have rounded away). Receipts that sum to a hundred ticks (whole units of a dump to
/// the cent) are not read. Sorted by share.
pub fn first_exact_passes(
    ins: AdjList<'_>,
    keep_in: &[usize],
    outs: AdjList<'_>,
    keep_out: &[usize],
    tick: f64,
) -> Vec<ExactPass> {
    // The shares found so far, as a bit set: most accounts find none, and hold nothing.
    let (mut found, mut taken) = (Vec::new(), 0u64);
    if keep_in.is_empty() || keep_out.is_empty() {
        return found;
    }
    for first in 0..keep_in.len() {
        let mut gathered_sum = 0.0;
        for last in first..keep_in.len().min(first + MOST_LEGS) {
            let (start, end) = (ins.time[keep_in[first]], ins.time[keep_in[last]]);
            if end - start > WITHIN_SECONDS {
                break;
            }
            gathered_sum += ins.amount[keep_in[last]];
            let in_hundreds = gathered_sum / (100.0 * tick);
            if (in_hundreds - in_hundreds.round()).abs() * 100.0 < 0.5 {
                continue;
            }
            // The payments may start after a few others (the grocer, the rent).
            let after = keep_out.partition_point(|&k| outs.time[k] < end);
            for from in after..keep_out.len().min(after + STARTS) {
                let mut passed_sum = 0.0;
                for (n, paid) in (from..keep_out.len().min(from + MOST_LEGS)).enumerate() {
                    if outs.time[keep_out[paid]] - end > WITHIN_SECONDS {
                        break;
                    }
                    passed_sum += outs.amount[keep_out[paid]];
                    let percent = (100.0 * passed_sum / gathered_sum).round();
                    // Past the highest share, more payments only add to it.
                    if percent > f64::from(HIGHEST_PERCENT) {
                        break;
                    }
                    if percent < f64::from(LOWEST_PERCENT) {
                        continue;
                    }
                    let slot = percent as usize - LOWEST_PERCENT as usize;
                    let tolerance = tick / 2.0 * (n + 1) as f64 + 1e-9 * gathered_sum;
                    if taken >> slot & 1 == 1
                        || (passed_sum - percent / 100.0 * gathered_sum).abs() > tolerance
                    {
                        continue;
                    }
                    let gathered: Vec<usize> = keep_in[first..=last].to_vec();
                    let passed: Vec<usize> = keep_out[from..=paid].to_vec();
                    let mut parties: Vec<u32> = gathered.iter().map(|&k| ins.other[k]).collect();
                    parties.extend(passed.iter().map(|&k| outs.other[k]));
                    parties.sort_unstable();
                    parties.dedup();
                    if parties.len() >= 3 {
                        taken |= 1 << slot;
                        found.push(ExactPass { percent: percent as u8, gathered, passed });
                    }
                }
            }
        }
    }
    found.sort_unstable_by_key(|p| p.percent);
    found
}

/// The shares passed at, as a bit set (bit 0 = [`LOWEST_PERCENT`]).
pub fn share_mask(passes: &[ExactPass]) -> u64 {
    passes.iter().fold(0, |mask, p| mask | 1 << (p.percent - LOWEST_PERCENT))
}

/// How many of a dump's accounts pass on exactly each share, and the shares that far
/// more do than the dump's chance matches explain: each a cut its operators keep.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DumpCuts {
    /// The unit the dump's amounts are written in ([`crate::graph::scale::amount_tick`]).
    pub tick: f64,
    /// Accounts passing at each share, from [`LOWEST_PERCENT`] up.
    pub accounts: Vec<u32>,
    /// Accounts expected at a share no one keeps: the median over the shares.
    pub expected: f64,
    /// The shares kept as a cut, in percent.
    pub cuts: Vec<u8>,
}

impl DumpCuts {
    /// The tally of `masks` ([`share_mask`] of each account): a share is a cut when at
    /// least five accounts pass at it and, by chance (a Poisson count at the median
    /// share's, at least half an account), that many are expected at one share or
    /// another less than one time in a hundred.
    pub fn tally(tick: f64, masks: impl Iterator<Item = u64>) -> DumpCuts {
        let mut accounts = vec![0u32; SHARES];
        for mask in masks.filter(|&m| m != 0) {
            for (share, count) in accounts.iter_mut().enumerate() {
                *count += (mask >> share & 1) as u32;
            }
        }
        let mut sorted = accounts.clone();
        sorted.sort_unstable();
        let expected = f64::from(sorted[SHARES / 2]);
        let by_chance = expected.max(0.5);
        let cuts = (0..SHARES)
            .filter(|&s| {
                accounts[s] >= FEWEST_ACCOUNTS
                    && poisson_tail(accounts[s] as usize, by_chance) * SHARES as f64 <= CUT_SIGNIFICANCE
            })
            .map(|s| LOWEST_PERCENT + s as u8)
            .collect();
        DumpCuts { tick, accounts, expected, cuts }
    }

    /// Whether `percent` is a cut.
    pub fn is_cut(&self, percent: u8) -> bool {
        self.cuts.contains(&percent)
    }

    /// Accounts passing at `percent`.
    pub fn accounts_at(&self, percent: u8) -> u32 {
        percent.checked_sub(LOWEST_PERCENT).and_then(|s| self.accounts.get(s as usize)).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::OwnedList;

    fn passes_at(ins: &[(i64, f64, u32)], outs: &[(i64, f64, u32)], tick: f64) -> Vec<ExactPass> {
        let (i, o) = (OwnedList::of_days(ins), OwnedList::of_days(outs));
        let (ki, ko): (Vec<usize>, Vec<usize>) = ((0..ins.len()).collect(), (0..outs.len()).collect());
        first_exact_passes(i.list(), &ki, o.list(), &ko, tick)
    }

    fn passes(ins: &[(i64, f64, u32)], outs: &[(i64, f64, u32)]) -> Vec<ExactPass> {
        passes_at(ins, outs, 0.01)
    }

    #[test]
    fn a_relay_passing_on_nine_tenths_split_three_ways_is_read_to_the_cent() {
        // 6,204.14 + 5,049.95 + 6,544.97 = 17,799.06; nine tenths is 16,019.154.
        let found = passes(
            &[(10, 6_204.14, 1), (19, 5_049.95, 2), (22, 6_544.97, 3)],
            &[(15, 300.00, 9), (41, 16_019.15, 4)],
        );
        // The grocer paid on day 15, while it gathered, is no part of it.
        let ninety: Vec<&ExactPass> = found.iter().filter(|p| p.percent == 90).collect();
        assert_eq!(ninety.len(), 1, "{found:?}");
        assert_eq!((ninety[0].gathered.clone(), ninety[0].passed.clone()), (vec![0, 1, 2], vec![1]));
        // A cent more and it is no pass.
        let found = passes(&[(10, 6_204.14, 1), (19, 5_049.95, 2), (22, 6_544.97, 3)], &[(41, 16_019.17, 4)]);
        assert!(found.iter().all(|p| p.percent != 90), "{found:?}");
    }

    #[test]
    fn everything_passed_on_round_sums_and_one_to_one_are_no_pass() {
        // A sweep: all of it, to one account.
        assert!(passes(&[(1, 1_234.56, 1), (2, 99.99, 2)], &[(3, 1_334.55, 3)]).is_empty());
        // Round sums: 90% of 2,000 is 1,800, for anyone.
        assert!(passes(&[(1, 1_000.0, 1), (2, 1_000.0, 2)], &[(3, 1_800.0, 3)]).is_empty());
        // One receipt passed to one payee.
        assert!(passes(&[(1, 1_000.10, 1)], &[(3, 900.09, 3)]).is_empty());
        // Passed on two months later: savings.
        assert!(passes(&[(1, 1_000.10, 1), (2, 500.05, 2)], &[(70, 1_350.14, 3)]).is_empty());
    }

    #[test]
    fn a_pass_in_whole_units_is_read_at_that_unit() {
        // The same pass, a hundred times larger, in whole units.
        let found = passes_at(
            &[(10, 620_414.0, 1), (19, 504_995.0, 2), (22, 654_497.0, 3)],
            &[(41, 1_601_915.0, 4)],
            1.0,
        );
        assert!(found.iter().any(|p| p.percent == 90), "{found:?}");
    }

    #[test]
    fn a_share_many_accounts_keep_is_a_cut_the_dumps_chance_matches_are_not() {
        // A share or two per account at random, about two accounts per share; eight
        // accounts at 90%.
        let mut masks: Vec<u64> = (0..100u64).map(|a| 1 << (a * 7 % 50)).collect();
        masks.extend((0..8).map(|_| 1u64 << 40));
        let cuts = DumpCuts::tally(0.01, masks.into_iter());
        assert_eq!(cuts.cuts, vec![90], "{cuts:?}");
        assert_eq!(cuts.accounts_at(90), 10);
        assert!(cuts.is_cut(90) && !cuts.is_cut(91));
        // Without them, nothing stands out.
        let cuts = DumpCuts::tally(0.01, (0..100u64).map(|a| 1 << (a * 7 % 50)));
        assert!(cuts.cuts.is_empty(), "{cuts:?}");
        // Four accounts are too few to say anything.
        assert!(DumpCuts::tally(0.01, (0..4).map(|_| 1u64 << 40)).cuts.is_empty());
    }
}

//! Which hits are one case: two hits join when they share a central account, their spans
//! `[first_seen, last_seen]` overlap or come within a gap, and they show the same money
//! on that account; the relation chains.
//!
//! The money is the same when the two share a proving transfer, when what one brings
//! into the account is what the other takes out (a gather, then a scatter), or when one
//! of them is proven by no transfers (a profile, shared control). Each of those is read
//! for all the hits on an account at once, in one pass over them by start, not pair by
//! pair: an account in thousands of hits (a hub of a dump whose timestamps are all the
//! same, read for plain cycles) made millions of pairs, and the grouping ran for minutes
//! on a dump of a few thousand transfers.

use std::collections::hash_map::Entry;
use std::collections::BTreeMap;

use petgraph::unionfind::UnionFind;
use rustc_hash::FxHashMap;

use crate::detect::Hit;

/// Hits grouped into cases (indices ascending, groups by their first hit), joined on the
/// accounts `keys` gives for each hit (see the module docs). An account reused months
/// apart by two operations, or by two at once for money of their own, does not make
/// them one case. Every hit's span must cover its transfers' times, as
/// [`crate::detect::HitBuilder`] makes it.
pub(super) fn same_case(hits: &[Hit], gap: i64, keys: impl Fn(&Hit) -> Vec<u32>) -> Vec<Vec<usize>> {
    let mut holder: FxHashMap<u32, usize> = FxHashMap::default();
    grouped(hits, keys, |on, account, uf| join_on_account(hits, on, account, gap, uf, &mut holder))
}

/// Hits grouped as `join` joins them, given the hits on each account `keys` names
/// (sorted by start, then index), one account after another; groups as [`same_case`].
fn grouped(
    hits: &[Hit],
    keys: impl Fn(&Hit) -> Vec<u32>,
    mut join: impl FnMut(&[usize], u32, &mut UnionFind<usize>),
) -> Vec<Vec<usize>> {
    let mut uf = UnionFind::<usize>::new(hits.len().max(1));
    let mut on_account: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, h) in hits.iter().enumerate() {
        for k in keys(h) {
            on_account.entry(k).or_default().push(i);
        }
    }
    for (account, mut on) in on_account {
        on.sort_by_key(|&i| (hits[i].first_seen, i));
        join(&on, account, &mut uf);
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    // A hit without accounts (none is made) would be a lead about nothing.
    for i in (0..hits.len()).filter(|&i| !hits[i].accounts.is_empty()) {
        groups.entry(uf.find(i)).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    groups.sort_unstable();
    groups
}

/// Joins the hits `on` central account `account` (sorted by start, then index) that
/// show the same money there within `gap` of each other: what every pair of them, the
/// earlier `i` and the later `j`, joined when `j` starts by `i`'s end plus the gap and
/// [`same_money`] holds.
fn join_on_account(
    hits: &[Hit],
    on: &[usize],
    account: u32,
    gap: i64,
    uf: &mut UnionFind<usize>,
    holder: &mut FxHashMap<u32, usize>,
) {
    // A shared transfer: both spans hold its time, so they overlap. Each hit joins the
    // first one on the account that holds the same transfer.
    holder.clear();
    for &i in on {
        for &e in &hits[i].transfers {
            match holder.entry(e) {
                Entry::Occupied(first) => {
                    uf.union(*first.get(), i);
                }
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
    }
    let start = |i: usize| hits[i].first_seen;
    let reach = |i: usize| hits[i].last_seen.saturating_add(gap);
    let bare = |i: usize| hits[i].transfers.is_empty();
    let flow = |i: usize| flow_through(&hits[i], account);
    let only_in = |i: usize| flow(i) == (true, false);
    let only_out = |i: usize| flow(i) == (false, true);
    // No transfers: with anything near it, either way round.
    join_earlier(on, uf, bare, |_| true, reach, start);
    join_earlier(on, uf, |_| true, bare, reach, start);
    // What came in, then went out, within the gap.
    join_earlier(on, uf, only_in, only_out, reach, start);
    // What went out, then what came in before it had all gone out: within the gap,
    // and before the earlier one's end.
    join_earlier(on, uf, only_out, only_in, |i| hits[i].last_seen.min(reach(i)), start);
}

/// Joins every later hit of `on` (in its order) for which `later` holds with every
/// earlier one for which `earlier` holds whose `reach` is at least the later one's
/// `start`. `start` must not fall along `on`'s order. One pass: the earlier hits are kept
/// as groups, each with the farthest reach among its hits; a later hit joins every group
/// that reaches it, which then are one, and a group that does not reach it reaches no
/// later hit either.
fn join_earlier(
    on: &[usize],
    uf: &mut UnionFind<usize>,
    earlier: impl Fn(usize) -> bool,
    later: impl Fn(usize) -> bool,
    reach: impl Fn(usize) -> i64,
    start: impl Fn(usize) -> i64,
) {
    // (a hit of the group, the group's farthest reach)
    let mut groups: Vec<(usize, i64)> = Vec::new();
    for &j in on {
        if later(j) && !groups.is_empty() {
            let at = start(j);
            let mut joined: Option<i64> = None;
            for &(i, far) in &groups {
                if far >= at {
                    uf.union(i, j);
                    joined = Some(joined.map_or(far, |x| x.max(far)));
                }
            }
            groups.clear();
            if let Some(far) = joined {
                groups.push((j, far));
            }
        }
        if earlier(j) {
            groups.push((j, reach(j)));
        }
    }
}

/// Whether money came into and went out of `account` in `h`.
fn flow_through(h: &Hit, account: u32) -> (bool, bool) {
    // A hit's accounts are sorted by node.
    h.accounts
        .binary_search_by_key(&account, |x| x.account)
        .map_or((false, false), |k| (h.accounts[k].amount_in > 0.0, h.accounts[k].amount_out > 0.0))
}

/// Whether two hits on central account `account`, `a` the earlier by start, show the
/// same money (see the module docs): the relation [`same_case`] reads, pair by pair.
#[cfg(test)]
fn same_money(a: &Hit, b: &Hit, account: u32) -> bool {
    if a.transfers.is_empty() || b.transfers.is_empty() {
        return true;
    }
    let ((a_in, a_out), (b_in, b_out)) = (flow_through(a, account), flow_through(b, account));
    if (a_in && !a_out && b_out && !b_in && a.first_seen <= b.last_seen)
        || (b_in && !b_out && a_out && !a_in && b.first_seen <= a.last_seen)
    {
        return true;
    }
    // A hit's transfers are sorted.
    a.transfers.iter().any(|e| b.transfers.binary_search(e).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{HitAccount, Role};
    use crate::pattern::Pattern;
    use proptest::prelude::*;

    /// [`same_case`] read pair by pair, as it was before it was read in passes.
    fn pair_by_pair(hits: &[Hit], gap: i64, keys: impl Fn(&Hit) -> Vec<u32>) -> Vec<Vec<usize>> {
        grouped(hits, keys, |on, account, uf| {
            for (w, &i) in on.iter().enumerate() {
                for &j in &on[w + 1..] {
                    if hits[j].first_seen > hits[i].last_seen.saturating_add(gap) {
                        break;
                    }
                    if same_money(&hits[i], &hits[j], account) {
                        uf.union(i, j);
                    }
                }
            }
        })
    }

    /// A hit on `accounts` (each with money in, out, both or neither), proved by
    /// `transfers`, each at time `10 * id`: its span is theirs.
    fn hit(accounts: &[(u32, bool, bool)], transfers: &[u32]) -> Hit {
        let mut transfers = transfers.to_vec();
        transfers.sort_unstable();
        transfers.dedup();
        let mut accounts: Vec<HitAccount> = accounts
            .iter()
            .map(|&(account, i, o)| HitAccount {
                account,
                role: Role::Member,
                amount_in: f64::from(u8::from(i)),
                amount_out: f64::from(u8::from(o)),
            })
            .collect();
        accounts.sort_by_key(|a| a.account);
        accounts.dedup_by_key(|a| a.account);
        Hit {
            pattern: Pattern::Cycle,
            accounts,
            first_seen: transfers.first().map_or(0, |&e| 10 * i64::from(e)),
            last_seen: transfers.last().map_or(0, |&e| 10 * i64::from(e)),
            transfers,
            amount: 1.0,
            strength: 0.5,
            reason: String::new(),
            pair: None,
            by_timing: false,
            by_share: false,
        }
    }

    fn every_account(h: &Hit) -> Vec<u32> {
        h.accounts.iter().map(|a| a.account).collect()
    }

    #[test]
    fn a_gather_then_a_scatter_join_and_a_scatter_then_a_late_gather_do_not() {
        // Account 1 gathers (in only) at 10-20 and scatters (out only) at 30-40: joined
        // when the gap between them is allowed.
        let gather = hit(&[(1, true, false), (2, false, true)], &[1, 2]);
        let scatter = hit(&[(1, false, true), (3, true, false)], &[3, 4]);
        let both = [gather, scatter];
        assert_eq!(same_case(&both, 10, every_account), vec![vec![0, 1]]);
        assert_eq!(same_case(&both, 9, every_account), vec![vec![0], vec![1]]);
        // Out at 10-20, then in at 30-40: what came in did not go out there.
        let early_out = hit(&[(1, false, true)], &[1, 2]);
        let late_in = hit(&[(1, true, false)], &[3, 4]);
        assert_eq!(same_case(&[early_out, late_in], 100, every_account), vec![vec![0], vec![1]]);
    }

    proptest! {
        #[test]
        fn passes_group_as_pairs_do(
            raw in proptest::collection::vec(
                (proptest::collection::vec((0u32..5, any::<bool>(), any::<bool>()), 1..4),
                 proptest::collection::vec(0u32..40, 0..4)),
                0..40),
            gap in 0i64..60,
        ) {
            let hits: Vec<Hit> = raw.iter().map(|(accounts, transfers)| hit(accounts, transfers)).collect();
            prop_assert_eq!(same_case(&hits, gap, every_account), pair_by_pair(&hits, gap, every_account));
        }
    }
}

//! Parallel maps over items whose costs differ by orders of magnitude (accounts: a
//! marketplace's receipts against a household's), handed to threads in runs of about
//! equal cost rather than of equal length.
//!
//! Rayon hands out items in runs of at least so many, in order, and a run once started
//! is not split again. Where the costly items sit together (a generator or a bank numbers
//! its merchants in one block), one run holds a block of them, and the thread that takes
//! it last works on it alone while the others have nothing left: on a generated
//! 10M-transfer dump, one thread read the fans of such a block alone for 0.7 s at the
//! end of the pass. Runs cut by cost end at about the same time.

use rayon::prelude::*;

/// Runs per thread: enough that the last run to end is a small share of a thread's
/// work, few enough that handing them out costs nothing beside it.
const RUNS_PER_THREAD: usize = 64;

/// What `each` gives for every item of `0..n`, concatenated in item order: what
/// `(0..n).into_par_iter().flat_map_iter(each).collect()` gives, computed in runs of
/// consecutive items of about equal total `cost` (an estimate of each item's work, such
/// as its transfer count; every item counts one more, for what it costs to visit).
pub(crate) fn flat_map_balanced<T, C, F>(n: usize, cost: C, each: F) -> Vec<T>
where
    T: Send,
    C: Fn(usize) -> usize + Sync,
    F: Fn(usize) -> Vec<T> + Sync,
{
    runs(n, cost, rayon::current_num_threads() * RUNS_PER_THREAD)
        .into_par_iter()
        .with_max_len(1)
        .flat_map_iter(|run| run.flat_map(&each))
        .collect()
}

/// `0..n` cut into about `pieces` runs of consecutive items of about equal total cost
/// (each item's `cost` plus one); an item costlier than a run's share is a run alone.
fn runs(n: usize, cost: impl Fn(usize) -> usize + Sync, pieces: usize) -> Vec<std::ops::Range<usize>> {
    let costs: Vec<usize> = (0..n).into_par_iter().map(|i| cost(i).saturating_add(1)).collect();
    let total: usize = costs.iter().fold(0usize, |a, &c| a.saturating_add(c));
    let share = total.div_ceil(pieces.max(1)).max(1);
    let mut runs = Vec::with_capacity(pieces + 1);
    let (mut start, mut held) = (0, 0usize);
    for (i, &c) in costs.iter().enumerate() {
        held = held.saturating_add(c);
        if held >= share {
            runs.push(start..i + 1);
            (start, held) = (i + 1, 0);
        }
    }
    if start < n {
        runs.push(start..n);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn gives_what_a_plain_map_gives_in_item_order(
            sizes in proptest::collection::vec(0usize..6, 0..700),
            costs in proptest::collection::vec(0usize..100_000, 700),
        ) {
            let n = sizes.len();
            let each = |i: usize| (0..sizes[i]).map(|k| (i, k)).collect::<Vec<_>>();
            let plain: Vec<(usize, usize)> = (0..n).flat_map(each).collect();
            prop_assert_eq!(flat_map_balanced(n, |i| costs[i], each), plain);
        }

        #[test]
        fn runs_cover_every_item_once_and_none_holds_much_more_than_its_share(
            costs in proptest::collection::vec(0usize..1000, 0..2000),
            pieces in 1usize..200,
        ) {
            let runs = runs(costs.len(), |i| costs[i], pieces);
            let mut next = 0;
            for run in &runs {
                prop_assert_eq!(run.start, next);
                prop_assert!(run.end > run.start);
                next = run.end;
            }
            prop_assert_eq!(next, costs.len());
            let total: usize = costs.iter().map(|c| c + 1).sum();
            let share = total.div_ceil(pieces).max(1);
            for run in &runs {
                // A run ends at the item that reaches its share: it holds less than a
                // share before that item.
                let before: usize = costs[run.start..run.end - 1].iter().map(|c| c + 1).sum();
                prop_assert!(before < share);
            }
            prop_assert!(runs.len() <= pieces + 1);
        }
    }

    #[test]
    fn a_block_of_costly_items_is_cut_into_runs_of_its_own() {
        // A thousand cheap items, then ten that each cost as much as all of them.
        let cost = |i: usize| if i >= 1000 { 1000 } else { 0 };
        let runs = runs(1010, cost, 20);
        assert!(runs.iter().filter(|r| r.start >= 1000).all(|r| r.len() == 1), "{runs:?}");
        assert_eq!(runs.iter().filter(|r| r.end <= 1000).count(), 1, "{runs:?}");
    }
}

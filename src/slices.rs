//! Buffers that threads fill or read side by side, a piece each: one buffer cut into
//! consecutive pieces, each written in place, with no vector per piece to join
//! afterwards; what a filter keeps, collected that way; a sorted list cut into runs of
//! whole groups.

use rayon::prelude::*;

/// `xs` cut into consecutive pieces of `sizes`, which must not sum to more than its
/// length (what is left after them is not returned).
pub(crate) fn pieces_mut<T>(mut xs: &mut [T], sizes: impl IntoIterator<Item = usize>) -> Vec<&mut [T]> {
    let sizes = sizes.into_iter();
    let mut pieces = Vec::with_capacity(sizes.size_hint().0);
    for size in sizes {
        let (piece, rest) = std::mem::take(&mut xs).split_at_mut(size);
        pieces.push(piece);
        xs = rest;
    }
    pieces
}

/// Items `0..n` take their turn in runs of this many: enough that a run's work
/// outweighs handing it to a thread, few enough that every thread gets runs.
const RUN: usize = 1 << 14;

/// What `keep` gives for each of `0..n` that it keeps, in order, in one vector filled on
/// every thread. `keep` runs twice per item (once to count, once to fill), so it must
/// give the same answer both times.
///
/// What rayon's `filter_map(..).collect()` gives, without its cost where most items are
/// kept: that collects a vector per run, joins them on one thread and copies every item
/// again there, and memory touched for the first time is slow to come on a virtual
/// machine. Here the one vector's pages are first touched on every thread.
pub(crate) fn kept_in_order<T, F>(n: usize, blank: T, keep: F) -> Vec<T>
where
    T: Copy + Send + Sync,
    F: Fn(usize) -> Option<T> + Sync,
{
    let run = |r: usize| r * RUN..((r + 1) * RUN).min(n);
    let kept: Vec<usize> =
        (0..n.div_ceil(RUN)).into_par_iter().map(|r| run(r).filter(|&i| keep(i).is_some()).count()).collect();
    let total = kept.iter().sum();
    // Read in order by whoever reads the vector next (a sort, a walk): no huge pages.
    let mut out = crate::memory::read_in_order(|| Vec::with_capacity(total));
    out.par_extend(rayon::iter::repeat_n(blank, total));
    pieces_mut(&mut out, kept).into_par_iter().enumerate().for_each(|(r, piece)| {
        for (slot, item) in piece.iter_mut().zip(run(r).filter_map(&keep)) {
            *slot = item;
        }
    });
    out
}

/// `xs` cut into about `pieces` consecutive runs of about equal length, none of which
/// splits a group of neighbours that are `same`: runs of whole groups that threads can
/// read side by side (the last run takes what is left).
pub(crate) fn whole_groups<T>(xs: &[T], pieces: usize, same: impl Fn(&T, &T) -> bool) -> Vec<&[T]> {
    let step = xs.len().div_ceil(pieces.max(1)).max(1);
    let mut runs = Vec::with_capacity(pieces);
    let mut start = 0;
    while start < xs.len() {
        let mut end = (start + step).min(xs.len());
        while end < xs.len() && same(&xs[end - 1], &xs[end]) {
            end += 1;
        }
        runs.push(&xs[start..end]);
        start = end;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn whole_groups_cut_only_between_groups(
            xs in proptest::collection::vec(0u8..6, 0..300).prop_map(|mut v| { v.sort_unstable(); v }),
            pieces in 0usize..20,
        ) {
            let runs = whole_groups(&xs, pieces, |a, b| a == b);
            prop_assert_eq!(runs.concat(), xs.clone());
            prop_assert!(runs.iter().all(|r| !r.is_empty()));
            for pair in runs.windows(2) {
                prop_assert_ne!(pair[0].last(), pair[1].first());
            }
        }

        #[test]
        fn kept_in_order_is_what_a_serial_filter_keeps(n in 0usize..3 * RUN + 17, every in 1usize..9) {
            let keep = |i: usize| (i % every == 0 || i % 7 == 3).then_some(i as u64 * 3);
            let serial: Vec<u64> = (0..n).filter_map(keep).collect();
            prop_assert_eq!(kept_in_order(n, 0, keep), serial);
        }
    }

    #[test]
    fn pieces_follow_the_sizes_in_order() {
        let mut xs = [1, 2, 3, 4, 5, 6];
        let pieces = pieces_mut(&mut xs, [2, 0, 3]);
        assert_eq!(pieces.len(), 3);
        assert_eq!((&*pieces[0], &*pieces[1], &*pieces[2]), (&[1, 2][..], &[][..], &[3, 4, 5][..]));
    }
}

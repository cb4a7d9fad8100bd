//! One direction's adjacency lists: each account's transfers (sent, or received) in
//! edge order, with each transfer's time, amount, other end and channel side by side.
//!
//! Built in two passes that each touch memory in order, rather than by a counting sort
//! followed by a gather of every column through the sorted edge ids: those gathers
//! waited on memory for every entry of every column (a miss per entry, and a walk of the
//! page tables too once the columns outgrow what the address translation cache covers),
//! about half the time it took to build the graph of a 10M-transfer dump. The first pass
//! deals the transfers, in edge order, into buckets of accounts that sit side by side in
//! the lists, a few entries of a bucket staged and written out together; the second
//! orders each bucket by account in place, a bucket at a time on every thread, inside a
//! stretch of memory the cache holds. Both passes keep edge order within an account, so
//! the lists are exactly a stable counting sort's.

use rayon::prelude::*;

use crate::graph::csr_offsets;
use crate::model::Channel;
use crate::slices::pieces_mut;

/// Entries a bucket holds on average: the second pass sorts one inside the processor's
/// second-level cache (about 27 bytes an entry, set aside and written back).
const BUCKET_ENTRIES: usize = 1 << 16;

/// At most 2^this buckets, so that the first pass's staged entries (below) stay in the
/// second-level cache too.
const MAX_BUCKETS_LOG2: u32 = 10;

/// One direction's lists: entry `k` of every column belongs to the same transfer, and
/// account `v`'s entries are `offsets[v]..offsets[v + 1]`, in edge order.
#[derive(Debug, Default)]
pub(crate) struct Adjacency {
    pub offsets: Vec<u32>,
    pub edges: Vec<u32>,
    pub time: Vec<i64>,
    pub amount: Vec<f64>,
    pub other: Vec<u32>,
    pub channel: Vec<Channel>,
}

/// The columns of the transfers, in edge order, that the lists are made from.
pub(crate) struct Columns<'a> {
    /// The account whose list each transfer joins (its sender for outgoing lists).
    pub key: &'a [u32],
    /// The transfer's other end.
    pub other: &'a [u32],
    pub time: &'a [i64],
    pub amount: &'a [f64],
    pub channel: &'a [Channel],
}

/// Entries set aside: staged per bucket by the first pass, a bucket's by the second.
struct Scratch {
    /// Where each account of the bucket writes its next entry.
    next: Vec<u32>,
    local: Vec<u16>,
    edges: Vec<u32>,
    time: Vec<i64>,
    amount: Vec<f64>,
    other: Vec<u32>,
    channel: Vec<Channel>,
}

impl Scratch {
    /// Room for `len` entries.
    fn sized(len: usize) -> Scratch {
        Scratch {
            next: Vec::new(),
            local: vec![0; len],
            edges: vec![0; len],
            time: vec![0; len],
            amount: vec![0.0; len],
            other: vec![0; len],
            channel: vec![Channel::Wire; len],
        }
    }

    /// Writes the entries at `from` to the lists (and their places to `local`) from
    /// position `to` on.
    fn write_out(&self, from: std::ops::Range<usize>, lists: &mut Adjacency, local: &mut [u16], to: usize) {
        let to = to..to + from.len();
        lists.edges[to.clone()].copy_from_slice(&self.edges[from.clone()]);
        lists.time[to.clone()].copy_from_slice(&self.time[from.clone()]);
        lists.amount[to.clone()].copy_from_slice(&self.amount[from.clone()]);
        lists.other[to.clone()].copy_from_slice(&self.other[from.clone()]);
        lists.channel[to.clone()].copy_from_slice(&self.channel[from.clone()]);
        local[to].copy_from_slice(&self.local[from]);
    }
}

impl Adjacency {
    /// The lists of `n` accounts over the transfers of `columns`.
    pub(crate) fn of(n: usize, columns: Columns<'_>) -> Adjacency {
        Adjacency::in_buckets_of(BUCKET_ENTRIES, n, columns)
    }

    /// [`Adjacency::of`] with buckets of about `bucket_entries` entries.
    fn in_buckets_of(bucket_entries: usize, n: usize, columns: Columns<'_>) -> Adjacency {
        let m = columns.key.len();
        debug_assert!(m < u32::MAX as usize, "edge ids are u32");
        let offsets = csr_offsets(n, columns.key.iter().copied());
        // Accounts per bucket: 2^shift, so that a bucket holds about `bucket_entries`
        // entries (in an even spread) and an account's place in it fits in 16 bits.
        let bits = usize::BITS - n.max(1).leading_zeros();
        let wanted =
            (m / bucket_entries.max(1)).max(1).next_power_of_two().trailing_zeros().min(MAX_BUCKETS_LOG2);
        let shift = bits.saturating_sub(wanted).min(16);
        let buckets = n.div_ceil(1 << shift).max(1);
        let bucket_start: Vec<usize> = (0..=buckets).map(|b| offsets[(b << shift).min(n)] as usize).collect();
        let mut lists = Adjacency {
            offsets,
            edges: vec![0; m],
            time: vec![0; m],
            amount: vec![0.0; m],
            other: vec![0; m],
            channel: vec![Channel::Wire; m],
        };
        // Each entry's place in its bucket is written and read once, bucket by bucket:
        // no huge pages, which the kernel may have to compact memory to find.
        let mut local = crate::memory::read_in_order(|| vec![0u16; m]);
        deal(&columns, shift, &bucket_start, &mut lists, &mut local);
        order_buckets(shift, &bucket_start, &mut lists, &mut local);
        lists
    }
}

/// Entries staged per bucket before they are written out together: a write to the lists
/// touches a new page for nearly every entry otherwise, and in a virtual machine each
/// such miss of the address translation cache costs a walk of two page tables.
const STAGED: usize = 16;

/// First pass: every transfer, in edge order, to the next free place of its bucket
/// (accounts `b << shift ..`), its place within the bucket in `local`.
fn deal(columns: &Columns<'_>, shift: u32, bucket_start: &[usize], lists: &mut Adjacency, local: &mut [u16]) {
    let buckets = bucket_start.len() - 1;
    let mut cursor = bucket_start[..buckets].to_vec();
    let mut staged = Scratch::sized(buckets * STAGED);
    let mut fill = vec![0u8; buckets];
    let low = (1usize << shift) - 1;
    for e in 0..columns.key.len() {
        let v = columns.key[e] as usize;
        let b = v >> shift;
        let at = b * STAGED + fill[b] as usize;
        staged.edges[at] = e as u32;
        staged.time[at] = columns.time[e];
        staged.amount[at] = columns.amount[e];
        staged.other[at] = columns.other[e];
        staged.channel[at] = columns.channel[e];
        staged.local[at] = (v & low) as u16;
        fill[b] += 1;
        if fill[b] as usize == STAGED {
            staged.write_out(b * STAGED..(b + 1) * STAGED, lists, local, cursor[b]);
            cursor[b] += STAGED;
            fill[b] = 0;
        }
    }
    for (b, &count) in fill.iter().enumerate() {
        staged.write_out(b * STAGED..b * STAGED + count as usize, lists, local, cursor[b]);
    }
}

/// Second pass: each bucket ordered by account in place, buckets on every thread. The
/// bucket is copied aside and written back in account order: a stable counting sort
/// inside a stretch of memory the cache holds.
fn order_buckets(shift: u32, bucket_start: &[usize], lists: &mut Adjacency, local: &mut [u16]) {
    let sizes = || bucket_start.windows(2).map(|w| w[1] - w[0]);
    let offsets = &lists.offsets;
    let parts: Vec<_> = pieces_mut(&mut lists.edges, sizes())
        .into_iter()
        .zip(pieces_mut(&mut lists.time, sizes()))
        .zip(pieces_mut(&mut lists.amount, sizes()))
        .zip(pieces_mut(&mut lists.other, sizes()))
        .zip(pieces_mut(&mut lists.channel, sizes()))
        .zip(pieces_mut(local, sizes()))
        .enumerate()
        .collect();
    parts.into_par_iter().for_each_init(
        || Scratch::sized(0),
        |aside, (b, (((((edges, time), amount), other), channel), local))| {
            let first = b << shift;
            let last = ((b + 1) << shift).min(offsets.len() - 1);
            let start = offsets[first];
            aside.next.clear();
            aside.next.extend(offsets[first..last].iter().map(|&o| o - start));
            set_to(&mut aside.local, local);
            set_to(&mut aside.edges, edges);
            set_to(&mut aside.time, time);
            set_to(&mut aside.amount, amount);
            set_to(&mut aside.other, other);
            set_to(&mut aside.channel, channel);
            for (i, &v) in aside.local.iter().enumerate() {
                let slot = &mut aside.next[v as usize];
                let p = *slot as usize;
                *slot += 1;
                edges[p] = aside.edges[i];
                time[p] = aside.time[i];
                amount[p] = aside.amount[i];
                other[p] = aside.other[i];
                channel[p] = aside.channel[i];
            }
        },
    );
}

/// `aside` made a copy of `xs`, in the room it already has.
fn set_to<T: Copy>(aside: &mut Vec<T>, xs: &[T]) {
    aside.clear();
    aside.extend_from_slice(xs);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The lists are a stable counting sort of the transfers by key, each entry
        /// carrying its transfer's columns, for any number of accounts and buckets (one,
        /// or many, some of accounts that send nothing, some fuller than the staging).
        #[test]
        fn lists_are_a_stable_sort_by_key_with_their_columns(
            n in 1usize..200_000,
            bucket_entries in 1usize..4_000,
            picks in proptest::collection::vec((any::<u32>(), any::<u32>(), 0u8..4), 0..3_000),
        ) {
            // Half the transfers among a few accounts: buckets fuller than the staging.
            let key: Vec<u32> =
                picks.iter().map(|p| p.0 % if p.2 < 2 { n.min(7) as u32 } else { n as u32 }).collect();
            let other: Vec<u32> = picks.iter().map(|p| p.1 % n as u32).collect();
            let time: Vec<i64> = (0..picks.len() as i64).map(|e| e * 7 - 3).collect();
            let amount: Vec<f64> = picks.iter().map(|p| f64::from(p.1) / 3.0).collect();
            let kinds = [Channel::Wire, Channel::Card, Channel::CashDeposit, Channel::CashWithdrawal];
            let channel: Vec<Channel> = picks.iter().map(|p| kinds[p.2 as usize]).collect();
            let lists = Adjacency::in_buckets_of(
                bucket_entries,
                n,
                Columns { key: &key, other: &other, time: &time, amount: &amount, channel: &channel },
            );
            let (offsets, edges) = crate::graph::csr(n, &key);
            prop_assert_eq!(&lists.offsets, &offsets);
            prop_assert_eq!(&lists.edges, &edges);
            for (k, &e) in edges.iter().enumerate() {
                let e = e as usize;
                prop_assert_eq!(
                    (lists.time[k], lists.amount[k], lists.other[k], lists.channel[k]),
                    (time[e], amount[e], other[e], channel[e])
                );
            }
        }
    }

    #[test]
    fn no_accounts_and_no_transfers_make_empty_lists() {
        let lists = Adjacency::of(0, Columns { key: &[], other: &[], time: &[], amount: &[], channel: &[] });
        assert_eq!(lists.offsets, vec![0]);
        assert!(lists.edges.is_empty());
    }
}

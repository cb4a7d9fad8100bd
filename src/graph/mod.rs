//! FlowGraph: accounts as dense `u32` nodes, transfers as edges sorted by time, with
//! out- and in-adjacency in CSR form so that every detector is a read-only scan.
//!
//! Edge ids are positions in time order (ties broken by input row), so "later edge id"
//! means "not earlier in time", and each adjacency list is time-sorted for free.

pub mod account_set;
mod adjacency;
pub mod algo;
pub mod controllers;
pub mod moving_windows;
pub mod part;
pub mod payment_sizes;
pub mod rows;
pub mod scale;
pub mod succession;

use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use crate::config::Config;
use crate::model::{Channel, Country, Dump, HolderKind, TransferTable};
use adjacency::{Adjacency, Columns};
use rows::EdgeRows;
pub use scale::Scale;
pub use succession::Succession;

/// Marker for "no holder".
pub const NO_HOLDER: u32 = u32::MAX;

/// Per-account attributes the detectors read.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct AccountAttrs {
    /// Country, when known.
    pub country: Vec<Option<Country>>,
    /// Holder index, or [`NO_HOLDER`].
    pub holder: Vec<u32>,
    /// Holder kind.
    pub kind: Vec<HolderKind>,
    /// Country is on the offshore list.
    pub offshore: Vec<bool>,
    /// Country is on the high-risk list.
    pub high_risk: Vec<bool>,
    /// Controller group: accounts whose holders are the same or linked share a group.
    pub controller: Vec<u32>,
    /// The holder is a licensed money-service business or bank.
    pub licensed: Vec<bool>,
    /// A company, or (when the holder's kind is unknown) an account busier than
    /// `business_activity_vs_median` times the dump's median account: what the motifs
    /// treat as trade.
    pub business_like: Vec<bool>,
}

/// One account's transfers in one direction, as parallel time-sorted slices: sweeps read
/// them sequentially instead of jumping through edge ids.
#[derive(Debug, Clone, Copy)]
pub struct AdjList<'a> {
    /// Edge ids.
    pub edges: &'a [u32],
    /// Their times.
    pub time: &'a [i64],
    /// Their amounts (base currency).
    pub amount: &'a [f64],
    /// The account at the other end.
    pub other: &'a [u32],
    /// Their channels.
    pub channel: &'a [Channel],
}

/// An [`AdjList`]'s columns, owned: what the tests of the algorithms that read one
/// build it from.
#[cfg(test)]
pub(crate) struct OwnedList {
    edges: Vec<u32>,
    time: Vec<i64>,
    amount: Vec<f64>,
    other: Vec<u32>,
    channel: Vec<Channel>,
}

#[cfg(test)]
impl OwnedList {
    /// `(day, amount, counterparty)` rows, each at the day's first second, by wire, the
    /// edge ids in row order.
    pub(crate) fn of_days(rows: &[(i64, f64, u32)]) -> OwnedList {
        OwnedList {
            edges: (0..rows.len() as u32).collect(),
            time: rows.iter().map(|r| r.0 * crate::units::DAY).collect(),
            amount: rows.iter().map(|r| r.1).collect(),
            other: rows.iter().map(|r| r.2).collect(),
            channel: vec![Channel::Wire; rows.len()],
        }
    }

    /// The list.
    pub(crate) fn list(&self) -> AdjList<'_> {
        AdjList {
            edges: &self.edges,
            time: &self.time,
            amount: &self.amount,
            other: &self.other,
            channel: &self.channel,
        }
    }
}

/// An account's outgoing transfers from where a transfer it received goes on
/// ([`FlowGraph::onward_from`]), with where each of theirs goes on in turn.
#[derive(Debug, Clone, Copy)]
pub struct OnwardList<'a> {
    /// The transfers.
    pub list: AdjList<'a>,
    /// Per transfer, where its receiver's onward list starts (for
    /// [`FlowGraph::onward_from`]).
    pub starts: &'a [u32],
}

impl<'a> AdjList<'a> {
    /// The transfers with edge id <= `upto` and time >= `from`.
    pub fn window(self, upto: u32, from: i64) -> AdjList<'a> {
        let end = self.edges.partition_point(|&e| e <= upto);
        let start = self.time[..end].partition_point(|&t| t < from);
        self.range(start..end)
    }

    /// [`AdjList::window`] of a short list, for a caller that knows `upto`'s time `at`:
    /// found in one pass over the times, since edge ids are in time order, with the ids
    /// read only where transfers share `at`. A short list's times are one cache line, its
    /// ids another; a pass that stops at the first later transfer reads fewer of them
    /// than three binary searches.
    pub fn window_at(self, upto: u32, at: i64, from: i64) -> AdjList<'a> {
        let (mut start, mut end) = (0, 0);
        for (k, &t) in self.time.iter().enumerate() {
            if t > at || (t == at && self.edges[k] > upto) {
                break;
            }
            if t < from {
                start = k + 1;
            }
            end = k + 1;
        }
        self.range(start..end)
    }

    /// The transfers at positions `r` of the list.
    pub fn range(self, r: std::ops::Range<usize>) -> AdjList<'a> {
        AdjList {
            edges: &self.edges[r.clone()],
            time: &self.time[r.clone()],
            amount: &self.amount[r.clone()],
            other: &self.other[r.clone()],
            channel: &self.channel[r],
        }
    }

    /// Number of transfers.
    pub fn len(&self) -> usize {
        self.edges.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }
}

/// The transaction graph.
#[derive(Debug, Default)]
pub struct FlowGraph {
    /// Sender of each edge.
    pub src: Vec<u32>,
    /// Receiver of each edge.
    pub dst: Vec<u32>,
    /// Unix seconds of each edge (non-decreasing in edge id).
    pub time: Vec<i64>,
    /// Amount in base currency.
    pub amount: Vec<f64>,
    /// Channel.
    pub channel: Vec<Channel>,
    /// Row in [`crate::model::TransferTable`] (for ids and original amounts).
    pub row: EdgeRows,
    out_offsets: Vec<u32>,
    out_edges: Vec<u32>,
    /// Time and amount of each entry of `out_edges`, side by side: searches that walk a
    /// hub's outgoing transfers read contiguous memory instead of jumping through edge ids.
    out_time: Vec<i64>,
    out_amount: Vec<f64>,
    out_dst: Vec<u32>,
    /// The channel of each entry of `out_edges` and `in_edges`: searches that count a
    /// hub's transfers on some channels only read them in the hub's order, not by edge id.
    out_channel: Vec<Channel>,
    in_channel: Vec<Channel>,
    in_time: Vec<i64>,
    in_amount: Vec<f64>,
    in_src: Vec<u32>,
    in_offsets: Vec<u32>,
    in_edges: Vec<u32>,
    /// Account attributes, indexed by node.
    pub accounts: AccountAttrs,
    /// The dump's amount distribution and activity, against which floors are stated.
    pub scale: Scale,
    /// Per entry of `out_*`, the position in `out_*` of its receiver's first outgoing
    /// transfer at or after it: built on first use, see [`FlowGraph::onward_from`].
    onward: std::sync::OnceLock<Vec<u32>>,
    /// Counts over the whole dump, which a graph of one time part of it
    /// ([`FlowGraph::time_part`]) shares with the whole dump's graph.
    dump_wide: std::sync::Arc<DumpWide>,
}

/// What a graph of one time part of a dump must still know of the whole dump: an
/// account's rate is its transfers over the dump, not over the part, and a chance
/// "expected among the dump's transfers" counts all of them.
#[derive(Debug, Default)]
pub struct DumpWide {
    /// Transfers each account sent over the dump.
    sent: Vec<u32>,
    /// Transfers in the dump.
    transfers: usize,
    /// The first and the last transfer's time.
    span: Option<(i64, i64)>,
    /// Who paid whom over the dump: built when the first time part is taken.
    pairs: std::sync::OnceLock<PairIndex>,
    /// What each account received over the dump (base currency): built when the first
    /// time part is taken.
    intake: std::sync::OnceLock<Vec<f64>>,
    /// The sizes of each account's payments over the dump: built when the first time
    /// part is taken.
    payments: std::sync::OnceLock<payment_sizes::PaymentSizes>,
    /// How many accounts paid each account over the dump, in a whole run where no
    /// [`PairIndex`] is built: each counted the first time it is asked for
    /// ([`UNCOUNTED`] until then).
    payer_counts: std::sync::OnceLock<Vec<std::sync::atomic::AtomicU32>>,
}

/// A [`DumpWide::payer_counts`] entry not counted yet.
const UNCOUNTED: u32 = u32::MAX;

/// Every payer-payee pair of a dump, with how many transfers each made: the dump-wide
/// relationships a time part cannot see in its own transfers (is a payment the payer's
/// only one to that payee, did the payee ever pay the payer back, who pays an account
/// at all). About 12 bytes per distinct pair each way.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
struct PairIndex {
    /// Per payer, where its payees start in `payees` / `payments`.
    payee_offsets: Vec<u32>,
    /// Each payer's distinct payees, ascending.
    payees: Vec<u32>,
    /// Transfers the payer made to each of them.
    payments: Vec<u32>,
    /// Per payee, where its payers start in `payers`.
    payer_offsets: Vec<u32>,
    /// Each payee's distinct payers, ascending.
    payers: Vec<u32>,
}

impl PairIndex {
    fn of(g: &FlowGraph) -> PairIndex {
        let distinct = |others: &[u32]| -> Vec<(u32, u32)> {
            let mut sorted = others.to_vec();
            sorted.sort_unstable();
            let mut counted: Vec<(u32, u32)> = Vec::new();
            for x in sorted {
                match counted.last_mut() {
                    Some((y, n)) if *y == x => *n += 1,
                    _ => counted.push((x, 1)),
                }
            }
            counted
        };
        let n = g.node_count() as u32;
        let outs: Vec<Vec<(u32, u32)>> =
            (0..n).into_par_iter().with_min_len(256).map(|v| distinct(g.out_list(v).other)).collect();
        let ins: Vec<Vec<(u32, u32)>> =
            (0..n).into_par_iter().with_min_len(256).map(|v| distinct(g.in_list(v).other)).collect();
        let offsets = |lists: &[Vec<(u32, u32)>]| -> Vec<u32> {
            std::iter::once(0)
                .chain(lists.iter().scan(0u32, |at, l| {
                    *at += l.len() as u32;
                    Some(*at)
                }))
                .collect()
        };
        PairIndex {
            payee_offsets: offsets(&outs),
            payees: outs.iter().flatten().map(|p| p.0).collect(),
            payments: outs.iter().flatten().map(|p| p.1).collect(),
            payer_offsets: offsets(&ins),
            payers: ins.iter().flatten().map(|p| p.0).collect(),
        }
    }

    fn payees_of(&self, w: u32) -> std::ops::Range<usize> {
        self.payee_offsets[w as usize] as usize..self.payee_offsets[w as usize + 1] as usize
    }

    fn payers_of(&self, v: u32) -> &[u32] {
        &self.payers[self.payer_offsets[v as usize] as usize..self.payer_offsets[v as usize + 1] as usize]
    }
}

/// Transfers in time order (ties by id: [`TransferTable::time_order`]), with the row
/// each came from.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Edges {
    order: EdgeRows,
    src: Vec<u32>,
    dst: Vec<u32>,
    time: Vec<i64>,
    amount: Vec<f64>,
    channel: Vec<Channel>,
}

impl Edges {
    /// The columns that make the outgoing lists (`received` false: keyed by sender) or
    /// the incoming ones (keyed by receiver).
    fn columns_into(&self, received: bool) -> Columns<'_> {
        let (key, other) = if received { (&self.dst, &self.src) } else { (&self.src, &self.dst) };
        Columns { key, other, time: &self.time, amount: &self.amount, channel: &self.channel }
    }

    fn gather(t: &TransferTable) -> Edges {
        // From here on, what is built is read at random until the run ends.
        crate::memory::random_access_from_now();
        let order = t.time_order();
        let gather = |f: &(dyn Fn(usize) -> u32 + Sync)| -> Vec<u32> {
            order.par_iter().map(|&r| f(r as usize)).collect()
        };
        let src = gather(&|r| t.src[r]);
        let dst = gather(&|r| t.dst[r]);
        let time: Vec<i64> = order.par_iter().map(|&r| t.time[r as usize]).collect();
        let amount: Vec<f64> = order.par_iter().map(|&r| t.amount_base[r as usize]).collect();
        let channel: Vec<Channel> = order.par_iter().map(|&r| t.channel[r as usize]).collect();
        Edges { order: EdgeRows::of(order), src, dst, time, amount, channel }
    }
}

/// One bit per list entry (`edges`, `channels`: one list column each), set where `mark`
/// holds for the entry's transfer and channel.
fn mark_entries(
    edges: &[u32],
    channels: &[Channel],
    mark: impl Fn(u32, Channel) -> bool + Sync,
) -> FixedBitSet {
    bits_where(edges.len(), |p| mark(edges[p], channels[p]))
}

/// `len` bits, bit `i` set where `bit(i)` holds: found a word at a time on every thread.
pub(crate) fn bits_where(len: usize, bit: impl Fn(usize) -> bool + Sync) -> FixedBitSet {
    let word = usize::BITS as usize;
    let blocks: Vec<usize> = (0..len.div_ceil(word))
        .into_par_iter()
        .with_min_len(1024)
        .map(|b| {
            (b * word..((b + 1) * word).min(len))
                .fold(0, |block, i| block | (usize::from(bit(i)) << (i % word)))
        })
        .collect();
    FixedBitSet::with_capacity_and_blocks(len, blocks)
}

impl FlowGraph {
    /// Builds the graph from a validated dump.
    pub fn build(dump: &Dump, config: &Config) -> FlowGraph {
        FlowGraph::build_of(dump, &dump.transfers, config)
    }

    /// Builds the graph from a validated dump and lets go of the dump's columns it now
    /// holds itself, as soon as it has them: times, senders, receivers, base amounts and
    /// channels (25 bytes a transfer, 2.5 GB at 100M transfers, at the peak of a run).
    /// The dump keeps its ids, own amounts, currencies and memos, which the exports read
    /// through [`FlowGraph::row`].
    pub fn build_releasing(dump: &mut Dump, config: &Config) -> FlowGraph {
        let edges = Edges::gather(&dump.transfers);
        dump.transfers.release_graph_columns();
        FlowGraph::from_edges(dump, edges, &dump.transfers, config)
    }

    /// Builds the graph of `transfers` (some of `dump`'s, see
    /// [`crate::model::TransferTable::select`]) over all of `dump`'s accounts; `row`
    /// then indexes `transfers`.
    pub fn build_of(dump: &Dump, transfers: &TransferTable, config: &Config) -> FlowGraph {
        FlowGraph::from_edges(dump, Edges::gather(transfers), transfers, config)
    }

    /// The graph of `edges` over `dump`'s accounts; `own` is the transfer table they were
    /// gathered from (its amounts in their own currencies, kept when the others go).
    fn from_edges(dump: &Dump, edges: Edges, own: &TransferTable, config: &Config) -> FlowGraph {
        let n = dump.accounts.len();
        let (outs, ins) = rayon::join(
            || Adjacency::of(n, edges.columns_into(false)),
            || Adjacency::of(n, edges.columns_into(true)),
        );
        let Edges { order, src, dst, time, amount, channel } = edges;
        let (out_offsets, in_offsets) = (&outs.offsets, &ins.offsets);
        let mut accounts = attributes(dump, config);
        let degree: Vec<u32> = (0..n)
            .map(|v| (out_offsets[v + 1] - out_offsets[v]) + (in_offsets[v + 1] - in_offsets[v]))
            .collect();
        let span_days = match (time.first(), time.last()) {
            (Some(a), Some(b)) => crate::units::seconds_to_days(b - a),
            _ => 0.0,
        };
        // Card purchases are retail spending, which no detector reads as money moved
        // between account holders: the scale is that of the other transfers (of all of
        // them in a dump of card purchases only).
        let mut transfers = crate::slices::kept_in_order(amount.len(), 0.0, |e| {
            (channel[e] != Channel::Card).then_some(amount[e])
        });
        if transfers.is_empty() {
            transfers = amount.clone();
        }
        let scale = Scale::measure(transfers, &degree, span_days, &time)
            .with_amount_units(&own.amount, &own.currency);
        // Without holder kinds, an account far busier than the dump's typical account
        // behaves like a business: households are the bulk of any customer base.
        let busy = scale.activity(config.business_activity_vs_median.get());
        accounts.business_like = (0..n)
            .map(|v| match accounts.kind[v] {
                HolderKind::Company => true,
                HolderKind::Person => false,
                HolderKind::Unknown => degree[v] as f64 > busy,
            })
            .collect();
        let dump_wide = DumpWide {
            sent: (0..n).map(|v| out_offsets[v + 1] - out_offsets[v]).collect(),
            transfers: src.len(),
            span: time.first().zip(time.last()).map(|(a, b)| (*a, *b)),
            pairs: std::sync::OnceLock::new(),
            intake: std::sync::OnceLock::new(),
            payments: std::sync::OnceLock::new(),
            payer_counts: std::sync::OnceLock::new(),
        };
        FlowGraph::assemble(
            Edges { order, src, dst, time, amount, channel },
            outs,
            ins,
            accounts,
            scale,
            std::sync::Arc::new(dump_wide),
        )
    }

    /// The graph of the transfers at positions `edges` of this one (a range of time:
    /// edge ids are in time order) over the same accounts, which keeps the whole graph's
    /// account attributes, scale and [`DumpWide`] counts: what a part of a partitioned
    /// run reads. Its edge `e` is this graph's `edges.start + e`, and its `row` indexes
    /// the same transfer table.
    pub fn time_part(&self, edges: std::ops::Range<usize>) -> FlowGraph {
        self.part_of(self.time_edges(edges))
    }

    /// The graph of this one's transfers `edges` (ascending: they stay in time order)
    /// over the same accounts, like [`FlowGraph::time_part`]: its edge `e` is this
    /// graph's `edges[e]`. What a part of accounts (every transfer of some of them) reads.
    pub fn edge_part(&self, edges: &[u32]) -> FlowGraph {
        self.part_of(self.listed_edges(edges))
    }

    /// The transfers at positions `edges` (a range of time).
    fn time_edges(&self, edges: std::ops::Range<usize>) -> Edges {
        let r = edges;
        Edges {
            order: self.row.range(r.clone()),
            src: self.src[r.clone()].to_vec(),
            dst: self.dst[r.clone()].to_vec(),
            time: self.time[r.clone()].to_vec(),
            amount: self.amount[r.clone()].to_vec(),
            channel: self.channel[r].to_vec(),
        }
    }

    /// The transfers `edges` (ascending).
    fn listed_edges(&self, edges: &[u32]) -> Edges {
        debug_assert!(edges.windows(2).all(|w| w[0] < w[1]));
        fn pick<T: Copy>(xs: &[T], edges: &[u32]) -> Vec<T> {
            edges.iter().map(|&e| xs[e as usize]).collect()
        }
        Edges {
            order: self.row.pick(edges),
            src: pick(&self.src, edges),
            dst: pick(&self.dst, edges),
            time: pick(&self.time, edges),
            amount: pick(&self.amount, edges),
            channel: pick(&self.channel, edges),
        }
    }

    /// Measures the [`DumpWide`] counts a part reads that a whole run does not (who paid
    /// whom, each account's intake and payment sizes), once: when the first part is taken.
    fn measure_dump_wide(&self) {
        self.dump_wide.pairs.get_or_init(|| PairIndex::of(self));
        self.dump_wide.intake.get_or_init(|| {
            (0..self.node_count() as u32)
                .into_par_iter()
                .map(|v| self.in_list(v).amount.iter().sum())
                .collect()
        });
        self.dump_wide.payments.get_or_init(|| payment_sizes::PaymentSizes::of(self));
    }

    /// The graph of `part` (some of this graph's transfers, in its order) with this
    /// graph's accounts, scale and [`DumpWide`] counts, measured over the whole dump
    /// the first time a part is taken.
    fn part_of(&self, part: Edges) -> FlowGraph {
        self.measure_dump_wide();
        FlowGraph::part_graph(part, &self.accounts, &self.scale, &self.dump_wide)
    }

    /// The graph of `part`, transfers of a dump whose accounts, scale and dump-wide
    /// counts are these.
    fn part_graph(
        part: Edges,
        accounts: &AccountAttrs,
        scale: &Scale,
        dump_wide: &std::sync::Arc<DumpWide>,
    ) -> FlowGraph {
        // Every account of the dump is a node of each of its parts.
        let n = dump_wide.sent.len();
        let (outs, ins) = rayon::join(
            || Adjacency::of(n, part.columns_into(false)),
            || Adjacency::of(n, part.columns_into(true)),
        );
        FlowGraph::assemble(
            part,
            outs,
            ins,
            accounts.clone(),
            scale.clone(),
            std::sync::Arc::clone(dump_wide),
        )
    }

    /// Transfers `v` sent over the whole dump (in a graph of a time part too): its rate.
    pub fn sent_over_dump(&self, v: u32) -> usize {
        self.dump_wide.sent.get(v as usize).map_or(0, |&n| n as usize)
    }

    /// Asks the processor for [`FlowGraph::sent_over_dump`]`(v)` without waiting for it.
    #[inline]
    pub fn prefetch_sent_over_dump(&self, v: u32) {
        crate::memory::prefetch(&self.dump_wide.sent, v as usize);
    }

    /// Transfers in the whole dump (in a graph of a time part too).
    pub fn transfers_over_dump(&self) -> usize {
        self.dump_wide.transfers
    }

    /// What `v` received over the whole dump (base currency), summed in time order.
    pub fn received_over_dump(&self, v: u32) -> f64 {
        match self.dump_wide.intake.get() {
            Some(intake) => intake[v as usize],
            None => self.in_list(v).amount.iter().sum(),
        }
    }

    /// The sizes of `v`'s payments over the whole dump (in a graph of a time part too).
    pub fn payment_sizes(&self, v: u32) -> payment_sizes::AccountSizes<'_> {
        match self.dump_wide.payments.get() {
            Some(sizes) => sizes.account(v),
            None => payment_sizes::AccountSizes::of(self.out_list(v).amount),
        }
    }

    /// The time of the dump's first transfer (in a graph of a part too).
    pub fn dump_first_time(&self) -> Option<i64> {
        self.dump_wide.span.map(|(first, _)| first)
    }

    /// Seconds from the dump's first transfer to its last (0 without transfers; in a
    /// graph of a part too).
    pub fn dump_span_seconds(&self) -> i64 {
        self.dump_wide.span.map_or(0, |(first, last)| last - first)
    }

    /// Whether the dump's transfers are not all at one time (in a graph of a time part
    /// too, whose own may be).
    pub fn dump_is_timed(&self) -> bool {
        self.dump_wide.span.is_some_and(|(a, b)| a != b)
    }

    /// Whether a transfer written at the same time as a receipt may have come after it
    /// and carried its money on. In a dump of dates alone (a tick of a day, over more
    /// than one date) the order within a day is not recorded, and money passes several
    /// hands in a day; in a dump of times, two transfers in the same second (or minute,
    /// or hour) are one batch, not one relay; and a snapshot (one time for every
    /// transfer) has no order to read at all.
    pub fn same_time_may_follow(&self) -> bool {
        self.scale.time_tick_seconds >= crate::units::DAY && self.dump_is_timed()
    }

    /// Which transfer may have carried on the money of which in this dump, read once
    /// for a search ([`Self::same_time_may_follow`]).
    pub fn succession(&self) -> Succession {
        Succession::new(self.same_time_may_follow())
    }

    /// How many transfers `payer` made to `payee` over the whole dump.
    pub fn payments_over_dump(&self, payer: u32, payee: u32) -> usize {
        match self.dump_wide.pairs.get() {
            Some(p) => {
                let r = p.payees_of(payer);
                p.payees[r.clone()].binary_search(&payee).map_or(0, |k| p.payments[r.start + k] as usize)
            }
            None => self.out_list(payer).other.iter().filter(|&&x| x == payee).count(),
        }
    }

    /// Whether `payer` paid `payee` at any time in the dump.
    pub fn ever_paid(&self, payer: u32, payee: u32) -> bool {
        match self.dump_wide.pairs.get() {
            Some(p) => p.payees[p.payees_of(payer)].binary_search(&payee).is_ok(),
            None => {
                // The shorter of the two lists answers the same question.
                let (out, inn) = (self.out_list(payer), self.in_list(payee));
                if out.len() <= inn.len() {
                    out.other.contains(&payee)
                } else {
                    inn.other.contains(&payer)
                }
            }
        }
    }

    /// The accounts that paid `v` over the whole dump, each once, ascending.
    pub fn payers_over_dump(&self, v: u32) -> std::borrow::Cow<'_, [u32]> {
        match self.dump_wide.pairs.get() {
            Some(p) => std::borrow::Cow::Borrowed(p.payers_of(v)),
            None => {
                let mut payers = self.in_list(v).other.to_vec();
                payers.sort_unstable();
                payers.dedup();
                std::borrow::Cow::Owned(payers)
            }
        }
    }

    /// How many accounts paid `v` over the whole dump: the length of
    /// [`FlowGraph::payers_over_dump`], which in a whole run sorts `v`'s payers afresh
    /// at every call. Chance tests ask it of the same popular targets again and again
    /// (a shop a hundred thousand pay, for every scatter that reaches it), so a whole
    /// run counts each account once, when first asked.
    pub fn payer_count_over_dump(&self, v: u32) -> usize {
        use std::sync::atomic::{AtomicU32, Ordering};
        if let Some(p) = self.dump_wide.pairs.get() {
            return p.payers_of(v).len();
        }
        let counts = self
            .dump_wide
            .payer_counts
            .get_or_init(|| (0..self.node_count()).map(|_| AtomicU32::new(UNCOUNTED)).collect());
        match counts[v as usize].load(Ordering::Relaxed) {
            UNCOUNTED => {
                // Two threads may count the same account at once; both store its count.
                let n = self.payers_over_dump(v).len();
                counts[v as usize].store(n as u32, Ordering::Relaxed);
                n
            }
            n => n as usize,
        }
    }

    /// The accounts `w` paid over the whole dump, each once, ascending.
    pub fn payees_over_dump(&self, w: u32) -> std::borrow::Cow<'_, [u32]> {
        match self.dump_wide.pairs.get() {
            Some(p) => std::borrow::Cow::Borrowed(&p.payees[p.payees_of(w)]),
            None => {
                let mut payees = self.out_list(w).other.to_vec();
                payees.sort_unstable();
                payees.dedup();
                std::borrow::Cow::Owned(payees)
            }
        }
    }

    fn assemble(
        edges: Edges,
        outs: Adjacency,
        ins: Adjacency,
        accounts: AccountAttrs,
        scale: Scale,
        dump_wide: std::sync::Arc<DumpWide>,
    ) -> FlowGraph {
        let Edges { order, src, dst, time, amount, channel } = edges;
        let Adjacency {
            offsets: out_offsets,
            edges: out_edges,
            time: out_time,
            amount: out_amount,
            other: out_dst,
            channel: out_channel,
        } = outs;
        let Adjacency {
            offsets: in_offsets,
            edges: in_edges,
            time: in_time,
            amount: in_amount,
            other: in_src,
            channel: in_channel,
        } = ins;
        FlowGraph {
            src,
            dst,
            time,
            amount,
            channel,
            row: order,
            out_offsets,
            out_edges,
            out_time,
            out_amount,
            out_dst,
            out_channel,
            in_channel,
            in_time,
            in_amount,
            in_src,
            in_offsets,
            in_edges,
            accounts,
            scale,
            onward: std::sync::OnceLock::new(),
            dump_wide,
        }
    }

    /// Number of accounts.
    pub fn node_count(&self) -> usize {
        self.out_offsets.len().saturating_sub(1)
    }

    /// Number of transfers.
    pub fn edge_count(&self) -> usize {
        self.src.len()
    }

    /// Outgoing edge ids of `v`, in time order.
    pub fn out_edges(&self, v: u32) -> &[u32] {
        let v = v as usize;
        &self.out_edges[self.out_offsets[v] as usize..self.out_offsets[v + 1] as usize]
    }

    /// Incoming edge ids of `v`, in time order.
    pub fn in_edges(&self, v: u32) -> &[u32] {
        let v = v as usize;
        &self.in_edges[self.in_offsets[v] as usize..self.in_offsets[v + 1] as usize]
    }

    /// Outgoing transfers of `v` strictly after `after` and up to `to`, read from `v`'s
    /// own list: a caller that needs a payment's receiver or time takes it from there
    /// rather than by edge id from the graph-wide arrays, which waits on memory.
    pub fn out_after(&self, v: u32, after: i64, to: i64) -> AdjList<'_> {
        let out = self.out_list(v);
        let a = out.time.partition_point(|&t| t <= after);
        let b = out.time.partition_point(|&t| t <= to).max(a);
        out.range(a..b)
    }

    /// The receiver of `e`'s outgoing transfers at or after `e`'s time (a transfer with
    /// the same timestamp may have come after), to the end of its list: where a path
    /// through `e` goes on. A search that follows money step by step reads
    /// [`FlowGraph::onward_from`] instead, which finds no position by edge id.
    pub fn onward(&self, e: u32) -> AdjList<'_> {
        self.onward_from(self.onward_start_of(e), self.dst[e as usize]).list
    }

    /// The position in `out_*` of `v`'s `k`th outgoing transfer.
    fn out_position(&self, v: u32, k: usize) -> u32 {
        self.out_offsets[v as usize] + k as u32
    }

    /// Where the onward list (see [`FlowGraph::onward`]) of transfer `e` starts in
    /// `out_*`, found in its receiver's list by time: for a search's first transfer,
    /// known by edge id. The list searched is the one the search reads next.
    pub fn onward_start_of(&self, e: u32) -> u32 {
        let (v, at) = (self.dst[e as usize], self.time[e as usize]);
        self.out_position(v, self.out_list(v).time.partition_point(|&t| t < at))
    }

    /// Where the onward list (see [`FlowGraph::onward`]) of `v`'s `k`th outgoing
    /// transfer starts in `out_*`.
    pub fn onward_start(&self, v: u32, k: usize) -> u32 {
        self.onward_starts()[self.out_position(v, k) as usize]
    }

    /// `v`'s outgoing transfers from position `from` of `out_*` on, `from` being where
    /// the onward list of a transfer `v` received starts ([`FlowGraph::onward_start`]),
    /// with where each of theirs starts beside them. A search that follows money takes
    /// this at every step: the next step's start is read beside the transfer it follows,
    /// where a table by edge id missed the cache at every step before the list itself
    /// could be read.
    pub fn onward_from(&self, from: u32, v: u32) -> OnwardList<'_> {
        let starts = self.onward_starts();
        let r = from as usize..self.out_offsets[v as usize + 1] as usize;
        OnwardList { list: self.out_entries(r.clone()), starts: &starts[r] }
    }

    /// Builds the index [`FlowGraph::onward_from`] reads, on every thread, unless it is
    /// built already. A parallel search that reads it calls this before it starts:
    /// built on first use inside the search, it is built by one thread while the others
    /// wait for it (2.8 s at 100M transfers).
    pub fn onward_ready(&self) {
        self.onward_starts();
    }

    /// Per entry of `out_*`, where its onward list starts: built on first use.
    fn onward_starts(&self) -> &[u32] {
        self.onward.get_or_init(|| {
            let by_edge = self.onward_positions();
            self.out_edges.par_iter().with_min_len(4096).map(|&e| by_edge[e as usize]).collect()
        })
    }

    /// For [`FlowGraph::onward_starts`], per edge: each account's incoming and outgoing
    /// lists are both in time order, so one pass over the two places every receipt.
    fn onward_positions(&self) -> Vec<u32> {
        use std::sync::atomic::{AtomicU32, Ordering};
        let starts: Vec<AtomicU32> =
            (0..self.edge_count()).into_par_iter().map(|_| AtomicU32::new(0)).collect();
        (0..self.node_count()).into_par_iter().with_min_len(1024).for_each(|v| {
            let (lo, hi) = (self.out_offsets[v] as usize, self.out_offsets[v + 1] as usize);
            let incoming = self.in_list(v as u32);
            let mut k = lo;
            for (&e, &t) in incoming.edges.iter().zip(incoming.time) {
                while k < hi && self.out_time[k] < t {
                    k += 1;
                }
                // Each edge has one receiver, so each slot is written by one account.
                starts[e as usize].store(k as u32, Ordering::Relaxed);
            }
        });
        starts.into_par_iter().map(AtomicU32::into_inner).collect()
    }

    /// Asks the processor for the first entries of `v`'s two lists (ids, times, other
    /// ends) without waiting for them: for a pass over the transfers in time order that
    /// knows which accounts a transfer a few steps on will read.
    #[inline]
    pub fn prefetch_lists(&self, v: u32) {
        let v = v as usize;
        if let (Some(&out), Some(&into)) = (self.out_offsets.get(v), self.in_offsets.get(v)) {
            let (out, into) = (out as usize, into as usize);
            crate::memory::prefetch(&self.out_time, out);
            crate::memory::prefetch(&self.out_edges, out);
            crate::memory::prefetch(&self.out_dst, out);
            crate::memory::prefetch(&self.in_time, into);
            crate::memory::prefetch(&self.in_edges, into);
            crate::memory::prefetch(&self.in_src, into);
        }
    }

    /// Where `v`'s incoming list starts among every account's incoming lists end to end:
    /// `v`'s `k`th receipt is entry `in_start(v) + k` of a table in that order, such as
    /// [`FlowGraph::mark_in_entries`] gives.
    #[inline]
    pub fn in_start(&self, v: u32) -> usize {
        self.in_offsets[v as usize] as usize
    }

    /// How many transfers `v` made and received in this graph: what a pass that reads an
    /// account's lists has to read, the cost [`crate::balanced`] shares out by.
    #[inline]
    pub fn transfers_of(&self, v: u32) -> usize {
        let v = v as usize;
        (self.out_offsets[v + 1] - self.out_offsets[v]) as usize
            + (self.in_offsets[v + 1] - self.in_offsets[v]) as usize
    }

    /// Where `v`'s outgoing list starts among every account's outgoing lists end to end,
    /// as [`FlowGraph::in_start`] for its payments ([`FlowGraph::mark_out_entries`]).
    #[inline]
    pub fn out_start(&self, v: u32) -> usize {
        self.out_offsets[v as usize] as usize
    }

    /// One bit per entry of the incoming lists, in their order (see
    /// [`FlowGraph::in_start`]), set where `mark` holds for the entry's transfer and
    /// channel. A pass that reads account after account's receipts then reads each one's
    /// mark beside the one before, where a table by transfer id is one read at random
    /// per receipt, each likely to wait on memory in a large dump; here the reads at
    /// random are made once, in a loop of independent reads the processor overlaps.
    pub fn mark_in_entries(&self, mark: impl Fn(u32, Channel) -> bool + Sync) -> FixedBitSet {
        mark_entries(&self.in_edges, &self.in_channel, mark)
    }

    /// One bit per entry of the outgoing lists, in their order (see
    /// [`FlowGraph::out_start`]), set where `mark` holds: as
    /// [`FlowGraph::mark_in_entries`], for passes over payments.
    pub fn mark_out_entries(&self, mark: impl Fn(u32, Channel) -> bool + Sync) -> FixedBitSet {
        mark_entries(&self.out_edges, &self.out_channel, mark)
    }

    /// Asks the processor, without waiting, for where `v`'s incoming list starts: the
    /// first read of [`FlowGraph::prefetch_receipts`] a step later.
    #[inline]
    pub fn prefetch_in_offset(&self, v: u32) {
        crate::memory::prefetch(&self.in_offsets, v as usize);
    }

    /// Asks the processor, without waiting, for the first entries of `v`'s incoming list
    /// (times, ids, payers, amounts): for a pass that reads the receipts of account after
    /// account and knows the next one.
    #[inline]
    pub fn prefetch_receipts(&self, v: u32) {
        if let Some(&into) = self.in_offsets.get(v as usize) {
            let into = into as usize;
            crate::memory::prefetch(&self.in_time, into);
            crate::memory::prefetch(&self.in_edges, into);
            crate::memory::prefetch(&self.in_src, into);
            crate::memory::prefetch(&self.in_amount, into);
        }
    }

    /// Asks the processor for what [`FlowGraph::onward_from`]`(from, v)` will read first
    /// (where `v`'s list ends, and the first onward entry's time, amount, id, receiver
    /// and onward start) without waiting for it: for a search that knows which steps it
    /// will take next.
    #[inline]
    pub fn prefetch_onward(&self, from: u32, v: u32) {
        let from = from as usize;
        crate::memory::prefetch(&self.out_offsets, v as usize + 1);
        crate::memory::prefetch(&self.out_time, from);
        crate::memory::prefetch(&self.out_amount, from);
        crate::memory::prefetch(&self.out_edges, from);
        crate::memory::prefetch(&self.out_dst, from);
        if let Some(starts) = self.onward.get() {
            crate::memory::prefetch(starts, from);
        }
    }

    /// Asks the processor, without waiting, for what a search that starts with `v`'s
    /// `k`th payment reads first: its payee's list from where that payment goes on.
    #[inline]
    pub fn prefetch_onward_of(&self, v: u32, k: usize) {
        if let Some(&payee) = self.out_dst.get(self.out_position(v, k) as usize) {
            self.prefetch_onward(self.onward_start(v, k), payee);
        }
    }

    /// `v`'s outgoing transfers as parallel slices (edge, time, amount, receiver).
    pub fn out_list(&self, v: u32) -> AdjList<'_> {
        let v = v as usize;
        self.out_entries(self.out_offsets[v] as usize..self.out_offsets[v + 1] as usize)
    }

    /// The entries `r` of the outgoing lists (`out_*`, all accounts' end to end).
    #[inline]
    fn out_entries(&self, r: std::ops::Range<usize>) -> AdjList<'_> {
        AdjList {
            edges: &self.out_edges[r.clone()],
            time: &self.out_time[r.clone()],
            amount: &self.out_amount[r.clone()],
            other: &self.out_dst[r.clone()],
            channel: &self.out_channel[r],
        }
    }

    /// `v`'s incoming transfers as parallel slices (edge, time, amount, sender).
    pub fn in_list(&self, v: u32) -> AdjList<'_> {
        let v = v as usize;
        let r = self.in_offsets[v] as usize..self.in_offsets[v + 1] as usize;
        AdjList {
            edges: &self.in_edges[r.clone()],
            time: &self.in_time[r.clone()],
            amount: &self.in_amount[r.clone()],
            other: &self.in_src[r.clone()],
            channel: &self.in_channel[r],
        }
    }

    /// Outgoing transfers of `v` with edge id <= `upto` and time >= `from`.
    pub fn out_window(&self, v: u32, upto: u32, from: i64) -> AdjList<'_> {
        self.out_list(v).window(upto, from)
    }

    /// Incoming transfers of `v` with edge id <= `upto` and time >= `from`.
    pub fn in_window(&self, v: u32, upto: u32, from: i64) -> AdjList<'_> {
        self.in_list(v).window(upto, from)
    }

    /// Bytes held by the graph's arrays (capacity, not just length).
    pub fn heap_bytes(&self) -> usize {
        let a = &self.accounts;
        self.src.capacity() * 4
            + self.dst.capacity() * 4
            + self.time.capacity() * 8
            + self.amount.capacity() * 8
            + self.channel.capacity()
            + self.row.heap_bytes()
            + (self.out_offsets.capacity() + self.out_edges.capacity()) * 4
            + (self.out_time.capacity()
                + self.out_amount.capacity()
                + self.in_time.capacity()
                + self.in_amount.capacity())
                * 8
            + (self.out_dst.capacity() + self.in_src.capacity()) * 4
            + self.out_channel.capacity()
            + self.in_channel.capacity()
            + (self.in_offsets.capacity() + self.in_edges.capacity()) * 4
            + a.country.capacity() * std::mem::size_of::<Option<Country>>()
            + a.holder.capacity() * 4
            + a.kind.capacity()
            + a.licensed.capacity()
            + a.business_like.capacity()
            + a.offshore.capacity()
            + a.high_risk.capacity()
            + a.controller.capacity() * 4
            + self.onward.get().map_or(0, |o| o.capacity() * 4)
            + self.dump_wide.sent.capacity() * 4
    }
}

/// Counting sort of the indices of `key` by their key (below `n`): where each key's
/// indices start, and the indices, ascending within each key. For edges keyed by src or
/// dst each list stays time-sorted.
pub(crate) fn csr(n: usize, key: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let offsets = csr_offsets(n, key.iter().copied());
    let mut next = offsets.clone();
    let mut edges = vec![0u32; key.len()];
    for (e, &k) in key.iter().enumerate() {
        let slot = &mut next[k as usize];
        edges[*slot as usize] = e as u32;
        *slot += 1;
    }
    (offsets, edges)
}

/// Where each of `n` nodes' entries start in a CSR whose entries have these nodes (in any
/// order), with the end as the last offset.
pub(crate) fn csr_offsets(n: usize, keys: impl IntoIterator<Item = u32>) -> Vec<u32> {
    let mut offsets = vec![0u32; n + 1];
    for k in keys {
        offsets[k as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    offsets
}

fn attributes(dump: &Dump, config: &Config) -> AccountAttrs {
    let offshore = config.offshore_set();
    let high_risk = config.high_risk_set();
    let acc = &dump.accounts;
    let holder: Vec<u32> = acc.holder.iter().map(|h| h.unwrap_or(NO_HOLDER)).collect();
    let kind = holder
        .iter()
        .map(|&h| if h == NO_HOLDER { HolderKind::Unknown } else { dump.holders.kind[h as usize] })
        .collect();
    AccountAttrs {
        offshore: acc.country.iter().map(|c| c.is_some_and(|c| offshore.contains(&c))).collect(),
        high_risk: acc.country.iter().map(|c| c.is_some_and(|c| high_risk.contains(&c))).collect(),
        country: acc.country.clone(),
        controller: controllers::groups(&holder, dump.holders.len(), &dump.links),
        licensed: holder
            .iter()
            .map(|&h| h != NO_HOLDER && dump.holders.licence.get(h as usize).is_some_and(Option::is_some))
            .collect(),
        holder,
        kind,
        business_like: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::detect::testkit::{Tiny, D};
    use proptest::prelude::*;

    #[test]
    fn a_time_part_reads_each_accounts_payment_sizes_over_the_whole_dump() {
        // A trader pays forty invoices over the year, a household thirty bills; a part
        // of one month holds a few of them, but sizes are read over the dump.
        let mut t = Tiny::new();
        for k in 0..40i64 {
            t.wire("TRADER", &format!("SUPPLIER{k}"), k * 9 * D, 5_000.0 + 1_000.0 * k as f64);
        }
        for k in 0..30i64 {
            t.wire("HOUSEHOLD", "UTILITY", k * 12 * D, 60.0 + k as f64);
        }
        let g = t.graph();
        let month = g.time.partition_point(|&x| x < 30 * D);
        let part = g.time_part(0..month);
        assert!(part.edge_count() < 10);
        for v in 0..g.node_count() as u32 {
            assert_eq!(part.payment_sizes(v), g.payment_sizes(v));
        }
        let trader = t.dump.accounts.intern("TRADER");
        assert_eq!(part.payment_sizes(trader).made(), 40);
    }

    proptest! {
        /// Each account's `k`th receipt and payment find their marks at its list's start
        /// plus `k`, whatever the transfers, their order and their channels.
        #[test]
        fn list_entry_marks_sit_beside_their_entries(
            transfers in proptest::collection::vec((0u8..9, 0u8..9, 0i64..50, any::<bool>()), 0..120),
            stride in 2u32..7,
        ) {
            let mut t = Tiny::new();
            for (k, (a, b, at, card)) in transfers.iter().enumerate() {
                let channel = if *card { Channel::Card } else { Channel::Wire };
                t.send(&format!("A{a}"), &format!("A{b}"), *at, 10.0 + k as f64, channel);
            }
            let g = t.graph();
            let mark = |e: u32, channel: Channel| e % stride == 0 && channel == Channel::Wire;
            let (into, out) = (g.mark_in_entries(mark), g.mark_out_entries(mark));
            prop_assert_eq!((into.len(), out.len()), (g.edge_count(), g.edge_count()));
            for v in 0..g.node_count() as u32 {
                for (list, start, marks) in [(g.in_list(v), g.in_start(v), &into), (g.out_list(v), g.out_start(v), &out)] {
                    for k in 0..list.len() {
                        let e = list.edges[k];
                        prop_assert_eq!(marks.contains(start + k), mark(e, g.channel[e as usize]));
                    }
                }
            }
        }
    }

    #[test]
    fn csr_keeps_edge_order_per_node() {
        let (off, edges) = csr(3, &[2, 0, 2, 1, 0]);
        assert_eq!(off, vec![0, 2, 3, 5]);
        assert_eq!(edges, vec![1, 4, 3, 0, 2]);
    }

    proptest! {
        /// Edges are the rows in time order, ties in the order of their ids (here the
        /// rows'), whether the rows came in time order (kept as they are) or not (sorted).
        #[test]
        fn edges_are_the_rows_by_time_then_id(
            days in proptest::collection::vec(0i64..4, 1..30),
            sorted in any::<bool>(),
        ) {
            let mut days = days;
            if sorted {
                days.sort_unstable();
            }
            let mut t = Tiny::new();
            for (k, day) in days.iter().enumerate() {
                t.wire("A0", "A1", day * D, 1.0 + k as f64);
            }
            let g = t.graph();
            let mut want: Vec<(i64, u32)> = days.iter().enumerate().map(|(r, d)| (d * D, r as u32)).collect();
            want.sort_unstable();
            let got: Vec<(i64, u32)> = g.time.iter().copied().zip(g.row.to_vec()).collect();
            prop_assert_eq!(got, want);
        }

        /// Each account's lists carry, entry by entry, the time, amount, other end and
        /// channel the graph-wide columns hold for that entry's transfer.
        #[test]
        fn lists_carry_their_transfers_columns(
            edges in proptest::collection::vec((0u8..5, 0u8..5, 0i64..6, 0usize..4), 1..40),
        ) {
            let channels = [Channel::Wire, Channel::Card, Channel::CashDeposit, Channel::CashWithdrawal];
            let mut t = Tiny::new();
            for (k, &(a, b, day, c)) in edges.iter().enumerate() {
                t.send(&format!("A{a}"), &format!("A{b}"), day * D, 1.0 + k as f64, channels[c]);
            }
            let g = t.graph();
            for v in 0..g.node_count() as u32 {
                for (list, other) in [(g.out_list(v), &g.dst), (g.in_list(v), &g.src)] {
                    for k in 0..list.len() {
                        let e = list.edges[k] as usize;
                        prop_assert_eq!(
                            (list.time[k], list.amount[k], list.other[k], list.channel[k]),
                            (g.time[e], g.amount[e], other[e], g.channel[e])
                        );
                    }
                }
            }
        }

        /// A short list's window found in one pass is the one two searches find, for
        /// any transfer and any start at or before its time, same-time transfers
        /// included.
        #[test]
        fn a_window_at_a_known_time_is_the_window(
            edges in proptest::collection::vec((0u8..3, 0u8..3, 0i64..8), 1..40),
            span in 0i64..5,
        ) {
            let mut t = Tiny::new();
            for (k, &(a, b, day)) in edges.iter().enumerate() {
                t.wire(&format!("A{a}"), &format!("A{b}"), day * D, 1.0 + k as f64);
            }
            let g = t.graph();
            for v in 0..g.node_count() as u32 {
                for list in [g.out_list(v), g.in_list(v)] {
                    for upto in 0..g.edge_count() as u32 {
                        let at = g.time[upto as usize];
                        let from = at - span * D;
                        prop_assert_eq!(list.window_at(upto, at, from).edges, list.window(upto, from).edges);
                    }
                }
            }
        }

        /// Where a path goes on from a transfer is exactly its receiver's transfers at
        /// or after it, same-time ones included, found by a search of the whole list.
        #[test]
        fn onward_is_every_later_transfer_of_the_receiver(
            edges in proptest::collection::vec((0u8..5, 0u8..5, 0i64..6), 1..40),
        ) {
            let mut t = Tiny::new();
            for (k, (a, b, day)) in edges.iter().enumerate() {
                t.wire(&format!("A{a}"), &format!("A{b}"), day * D, 1.0 + k as f64);
            }
            let g = t.graph();
            for e in 0..g.edge_count() as u32 {
                let want: Vec<u32> = g
                    .out_edges(g.dst[e as usize])
                    .iter()
                    .copied()
                    .filter(|&o| g.time[o as usize] >= g.time[e as usize])
                    .collect();
                let got = g.onward(e);
                prop_assert_eq!(got.edges, want.as_slice());
                for k in 0..got.len() {
                    let o = got.edges[k] as usize;
                    prop_assert_eq!((got.time[k], got.amount[k], got.other[k]), (g.time[o], g.amount[o], g.dst[o]));
                }
                // Read step by step, from positions alone: the same lists, each entry
                // carrying where its own receiver goes on.
                let sender = g.src[e as usize];
                let k = g.out_list(sender).edges.iter().position(|&o| o == e).unwrap();
                let at = g.onward_start(sender, k);
                prop_assert_eq!(at, g.onward_start_of(e));
                let step = g.onward_from(at, g.dst[e as usize]);
                prop_assert_eq!(step.list.edges, want.as_slice());
                for (k, &o) in step.list.edges.iter().enumerate() {
                    prop_assert_eq!(step.starts[k], g.onward_start_of(o));
                }
            }
        }
    }
}

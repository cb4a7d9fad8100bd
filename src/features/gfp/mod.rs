//! `features --layout gfp`: the columns of IBM's Graph Feature Preprocessor (GFP,
//! `snapml.GraphFeaturePreprocessor`), one to one, with its binning and its semantics,
//! so that a model trained on GFP's output reads flowhound's.
//!
//! The semantics are those of one `transform` over the whole dump with every pattern
//! enabled and one time window `w` for all of them. They were read off GFP (snapml
//! 1.17) on small graphs, and `benches/gfp_compare.py` checks them against it on random
//! graphs. Each pattern family puts its count of patterns of each size into GFP's
//! histogram bins ([`Bins`]); a pattern of size one is never counted.
//!
//! - fan and degree ([`fans`]): for each transfer `f` of an account's side (the
//!   sender's outgoing transfers for `*_out`, the receiver's incoming ones for `*_in`),
//!   the pattern is every transfer of that side with time in `(t_f - w, t_f]`, later
//!   input rows at `t_f` included; its size is the number of counterparties (fan) or of
//!   transfers (degree), and each transfer in it counts it.
//! - scatter-gather ([`scatter_gather`]): one pattern per pair of accounts `(s, d)`,
//!   read at the last transfer that touches it (a leg `s -> w` or `w -> d` of any
//!   intermediary `w`), over `[T - w, T]`: the intermediaries with both legs in that
//!   range, and every such leg counts it. An earlier instance of the same pair that this
//!   reading no longer holds is not counted: GFP reads the pair again at each transfer
//!   and keeps the last reading.
//! - temporal cycles ([`cycles`]): for each closing transfer `c`, the simple cycles that
//!   end with it with strictly increasing times, first transfer no earlier than
//!   `t_c - w`; one pattern per sequence of accounts, counted by every transfer that
//!   takes part in one of its time-respecting instances. No bound on the length.
//! - length-constrained cycles ([`cycles`]): the same without the time order (every
//!   transfer before `c` in time and transfer-id order, none earlier than `t_c - w`), at most
//!   `max_cycle` transfers long.
//! - vertex statistics ([`vertex_stats`]): for the sender and the receiver, over all
//!   their outgoing and all their incoming transfers in the dump (one transform holds
//!   them all): fan, degree, their ratio, and the mean, sum, minimum, maximum, median,
//!   population variance, skewness and kurtosis (not excess) of the amounts.
//!
//! Where GFP runs as a stream of batches, its values depend on the batches: a pattern is
//! read only against the transfers inserted so far, and the vertex statistics cover what
//! its graph holds. One transform over the dump, as here, is the reference.

pub mod by_payee;
pub mod cycles;
pub mod fans;
pub mod scatter_gather;
#[cfg(test)]
pub(crate) mod testkit;
pub mod vertex_stats;

use rayon::prelude::*;

use crate::features::finds::Searched;

use crate::graph::FlowGraph;

use super::{Family, FeatureColumn, Features, Options, Values};

/// GFP's histogram bins: bin `i` holds the patterns of size in `[edges[i], edges[i+1])`,
/// the last one every size from its edge up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bins(Vec<u32>);

impl Bins {
    /// Bins with these lower edges, strictly increasing.
    pub fn new(edges: Vec<u32>) -> Result<Bins, String> {
        if edges.is_empty() {
            return Err("bins: at least one lower edge".into());
        }
        if edges.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!("bins {edges:?}: lower edges must increase"));
        }
        Ok(Bins(edges))
    }

    /// GFP's default for fan, degree, scatter-gather and temporal cycles: 2, 3, ..., 30.
    pub fn patterns() -> Bins {
        Bins((2..=30).collect())
    }

    /// GFP's default for length-constrained cycles: 2, 3, ..., 10.
    pub fn lc_cycles() -> Bins {
        Bins((2..=10).collect())
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none (never, see [`Bins::new`]).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bin of a pattern of `size`; none below the first edge, and none for a
    /// pattern of one, which GFP never counts.
    pub fn of(&self, size: usize) -> Option<usize> {
        if size < 2 {
            return None;
        }
        let size = u32::try_from(size).unwrap_or(u32::MAX);
        self.0.partition_point(|&edge| edge <= size).checked_sub(1)
    }

    /// Column names as GFP's examples print them: `fan_in_bins_2-3`, ...,
    /// `fan_in_bins_30-inf`.
    pub fn names(&self, prefix: &str) -> Vec<String> {
        let mut names: Vec<String> =
            self.0.windows(2).map(|w| format!("{prefix}_bins_{}-{}", w[0], w[1])).collect();
        if let Some(last) = self.0.last() {
            names.push(format!("{prefix}_bins_{last}-inf"));
        }
        names
    }
}

/// A count column held by its non-zero values, `(edge, count)` ascending by edge: most
/// of a transfer's bins are empty (7.5 of 183 are not on the 1M-transfer Zipf graph), so
/// the layout holds its counts this way and fills rows only to write them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sparse(pub Vec<(u32, u32)>);

impl Sparse {
    /// The counts of edges `lo..hi`, zeros included.
    pub fn dense(&self, lo: usize, hi: usize) -> Vec<u32> {
        let mut out = vec![0u32; hi.saturating_sub(lo)];
        let from = self.0.partition_point(|&(e, _)| (e as usize) < lo);
        for &(e, c) in self.0[from..].iter().take_while(|&&(e, _)| (e as usize) < hi) {
            out[e as usize - lo] = c;
        }
        out
    }
}

/// Per bin, the counts of searches' (edge, bin) finds, each search's counted
/// ([`crate::features::finds::Finds`]); and how many of the searches passed their budget.
pub(crate) fn tally(bins: &Bins, found: Vec<Searched>) -> (Vec<Sparse>, u64) {
    let capped = found.iter().filter(|f| f.1).count() as u64;
    let mut finds: Vec<(u8, u32, u32)> =
        found.into_iter().flat_map(|(f, _)| f).map(|(e, b, n)| (b, e, n)).collect();
    finds.par_sort_unstable();
    let mut out = vec![Sparse::default(); bins.len()];
    for run in finds.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
        let (b, e, _) = run[0];
        let count = run.iter().fold(0u32, |sum, x| sum.saturating_add(x.2));
        out[usize::from(b)].0.push((e, count));
    }
    (out, capped)
}

/// The statistics of one side of an account, in GFP's order (`vertex_stats_feats` 0 to
/// 10): the first three per direction, the rest per amount column.
pub const VERTEX_STATS: [&str; 11] =
    ["fan", "deg", "ratio", "avg", "sum", "min", "max", "median", "var", "skew", "kurtosis"];

/// GFP's index of the amount among its input columns (transfer id, sender, receiver,
/// time, amount), which its vertex statistics' names carry: `source_avg_col4_out`.
pub const AMOUNT_COLUMN: usize = 4;

/// The columns of the GFP layout for `opts`, in GFP's order: fan, degree,
/// scatter-gather, temporal cycles, length-constrained cycles, vertex statistics.
pub fn columns(opts: &Options) -> Vec<FeatureColumn> {
    let has = |f: Family| opts.families.contains(&f);
    let patterns = Bins::patterns();
    let count = |name: String| FeatureColumn { name, count: true };
    let mut cols = Vec::new();
    if has(Family::Fan) {
        // GFP's column prefixes (`fan_in`, ...), not flowhound's pattern codes.
        for family in ["fan", "degree"] {
            for side in ["in", "out"] {
                cols.extend(patterns.names(&format!("{family}_{side}")).into_iter().map(count));
            }
        }
    }
    if has(Family::ScatterGather) {
        cols.extend(patterns.names("scatter-gather").into_iter().map(count));
    }
    if has(Family::TempCycle) {
        cols.extend(patterns.names("temp-cycle").into_iter().map(count));
    }
    if has(Family::LcCycle) {
        cols.extend(Bins::lc_cycles().names("lc-cycle").into_iter().map(count));
    }
    if has(Family::VertexStats) {
        for origin in ["source", "dest"] {
            for direction in ["out", "in"] {
                for (k, stat) in VERTEX_STATS.iter().enumerate() {
                    let name = if k < 3 {
                        format!("{origin}_{stat}_{direction}")
                    } else {
                        format!("{origin}_{stat}_col{AMOUNT_COLUMN}_{direction}")
                    };
                    // Fan and degree are counts; the ratio and the amounts' statistics are not.
                    cols.push(FeatureColumn { name, count: k < 2 });
                }
            }
        }
    }
    cols
}

/// The GFP layout of a whole dump, computed once and held compactly (counts by their
/// non-zero values, vertex statistics per account), so that rows can be written a block
/// at a time: held as full columns it took 1.3 KB a transfer.
pub struct GfpFeatures<'g> {
    g: &'g FlowGraph,
    counts: Vec<Sparse>,
    /// Each account's outgoing and incoming statistics, when the layout has them.
    sides: Option<Vec<[[f64; 11]; 2]>>,
    /// Searches that reached the budget (their counts are lower bounds).
    pub capped: u64,
}

impl<'g> GfpFeatures<'g> {
    /// Computes every family of `opts` over `g`.
    pub fn of(g: &'g FlowGraph, opts: &Options) -> GfpFeatures<'g> {
        let has = |f: Family| opts.families.contains(&f);
        let patterns = Bins::patterns();
        let mut counts: Vec<Sparse> = Vec::new();
        let mut capped = 0;
        if has(Family::Fan) {
            for (out_side, distinct) in [(false, true), (true, true), (false, false), (true, false)] {
                counts.extend(fans::histograms(g, opts.window, &patterns, out_side, distinct));
            }
        }
        if has(Family::ScatterGather) {
            let (bins, c) = scatter_gather::histograms(g, opts.window, &patterns, opts.budget);
            counts.extend(bins);
            capped += c;
        }
        if has(Family::TempCycle) {
            let (bins, c) =
                cycles::histograms(g, opts.window, cycles::Order::Temporal, &patterns, opts.budget);
            counts.extend(bins);
            capped += c;
        }
        if has(Family::LcCycle) {
            let order = cycles::Order::Unordered { max_len: opts.max_cycle };
            let (bins, c) = cycles::histograms(g, opts.window, order, &Bins::lc_cycles(), opts.budget);
            counts.extend(bins);
            capped += c;
        }
        let sides = has(Family::VertexStats).then(|| vertex_stats::per_account(g));
        GfpFeatures { g, counts, sides, capped }
    }

    /// The rows of edges `lo..hi`, every column of [`columns`] (`capped` left at 0).
    pub fn rows(&self, lo: usize, hi: usize) -> Features {
        let mut values: Vec<Values> = self.counts.iter().map(|c| Values::Counts(c.dense(lo, hi))).collect();
        if let Some(sides) = &self.sides {
            values.extend(vertex_stats::rows(self.g, sides, lo, hi));
        }
        Features { values, capped: 0 }
    }
}

/// Every GFP column of every transfer of `g`, in [`columns`]' order, indexed by edge id.
pub fn compute(g: &FlowGraph, opts: &Options) -> Features {
    let layout = GfpFeatures::of(g, opts);
    let mut f = layout.rows(0, g.edge_count());
    f.capped = layout.capped;
    debug_assert_eq!(f.values.len(), columns(opts).len());
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::Layout;

    #[test]
    fn rows_written_a_block_at_a_time_are_the_whole_columns() {
        let edges: Vec<(u32, u32, i64)> =
            (0..60u32).map(|k| (k * 7 % 9, (k * 7 % 9 + 1 + k % 4) % 9, i64::from(k * 37 % 200))).collect();
        let g = testkit::graph(&edges);
        let opts = Options {
            window: 50,
            max_cycle: 6,
            families: crate::features::Layout::Gfp.families(),
            budget: u64::MAX,
            layout: crate::features::Layout::Gfp,
        };
        let whole = compute(&g, &opts);
        let layout = GfpFeatures::of(&g, &opts);
        let m = g.edge_count();
        for cut in [0, 1, 17, m - 1, m] {
            let (a, b) = (layout.rows(0, cut), layout.rows(cut, m));
            for (k, column) in whole.values.iter().enumerate() {
                let (x, y) = (&a.values[k], &b.values[k]);
                let joined: Vec<f64> =
                    (0..x.len()).map(|e| x.get(e)).chain((0..y.len()).map(|e| y.get(e))).collect();
                let want: Vec<f64> = (0..column.len()).map(|e| column.get(e)).collect();
                assert_eq!(joined, want, "column {k}, cut at {cut}");
            }
        }
        assert!(whole.values.iter().any(|c| (0..m).any(|e| c.get(e) > 0.0)), "the graph has patterns");
    }

    #[test]
    fn bins_follow_gfp() {
        let b = Bins::patterns();
        assert_eq!(b.len(), 29);
        assert_eq!(b.of(1), None, "a pattern of one is no pattern");
        assert_eq!(b.of(2), Some(0));
        assert_eq!(b.of(29), Some(27));
        assert_eq!(b.of(30), Some(28));
        assert_eq!(b.of(500), Some(28), "the last bin is open");
        let sparse = Bins::new(vec![3, 5]).unwrap();
        assert_eq!(sparse.of(2), None, "below the first edge");
        assert_eq!(sparse.of(4), Some(0));
        assert_eq!(sparse.names("temp-cycle"), ["temp-cycle_bins_3-5", "temp-cycle_bins_5-inf"]);
        assert!(Bins::new(vec![]).is_err());
        assert!(Bins::new(vec![2, 2]).is_err());
    }

    #[test]
    fn columns_are_gfps_in_its_order() {
        let opts = Options {
            window: 86_400,
            max_cycle: 10,
            families: vec![
                Family::Fan,
                Family::VertexStats,
                Family::ScatterGather,
                Family::TempCycle,
                Family::LcCycle,
            ],
            budget: 1,
            layout: Layout::Gfp,
        };
        let cols = columns(&opts);
        assert_eq!(cols.len(), 4 * 29 + 29 + 29 + 9 + 44);
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names[0], "fan_in_bins_2-3");
        assert_eq!(names[28], "fan_in_bins_30-inf");
        assert_eq!(names[29], "fan_out_bins_2-3");
        assert_eq!(names[4 * 29], "scatter-gather_bins_2-3");
        assert_eq!(names[6 * 29 + 8], "lc-cycle_bins_10-inf");
        assert_eq!(names[6 * 29 + 9], "source_fan_out");
        assert_eq!(names[6 * 29 + 12], "source_avg_col4_out");
        assert_eq!(names[6 * 29 + 20], "source_fan_in");
        assert_eq!(*names.last().unwrap(), "dest_kurtosis_col4_in");
    }
}

//! Per-transfer graph features for machine-learning models, in the spirit of IBM's Graph
//! Feature Preprocessor (GFP, Blanuša et al. 2024): for every transfer, counts of the
//! patterns it takes part in and statistics of its endpoints, over a time window.
//!
//! Window: transfer `e` at time `t` sees the transfers with time in `[t - window, t]`
//! that come no later than `e` in time order (ties by transfer id, as the graph's edges:
//! [`crate::model::TransferTable::time_order`]), so every feature but
//! the cycle counts is computable online, from the past only. A cycle is counted on every
//! transfer it passes through, so `e`'s cycle counts include cycles that started up to
//! one window before it and close up to one window after it.
//!
//! Features (see `COLUMNS`):
//! - fan and degree: distinct counterparties and transfer counts of the sender's
//!   outgoing and incoming transfers, and the receiver's, in the window;
//! - vertex statistics: sum, mean, min, max and standard deviation of the sender's
//!   outgoing and the receiver's incoming amounts (base currency) in the window;
//! - scatter-gather: instances `s -> {w_i} -> d` with at least two intermediaries, all
//!   legs in the window, that this transfer is a leg of (typologies.md definition);
//! - temporal cycles: time-respecting simple cycles (strictly increasing times, at most
//!   `max_cycle` hops, first to last transfer within the window) through this transfer,
//!   binned by length (2, 3, 4, 5+).
//!
//! Differences from GFP, and why: counts are exact, not binned, for fans and degrees
//! (binning is a modelling choice, easy downstream); length-constrained non-temporal
//! cycles are not computed (a cycle whose legs run backwards in time cannot carry the
//! same money, which is what an investigator needs); windows look backward only.

pub mod cycles;
pub mod finds;
pub mod gfp;
pub mod parts;
pub mod scatter_gather;
pub mod window;

use crate::graph::FlowGraph;
use crate::lookback::{Lookback, Reads};
use crate::units::DAY;

/// Which feature families to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Family {
    /// Fans and degrees of both endpoints.
    Fan,
    /// Amount statistics of both endpoints.
    VertexStats,
    /// Scatter-gather instances.
    ScatterGather,
    /// Temporal cycles.
    TempCycle,
    /// Length-constrained simple cycles, time order ignored (`--layout gfp` only).
    LcCycle,
}

/// Which columns, with which meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Layout {
    /// flowhound's own: exact counts and amount statistics over the window before each
    /// transfer ([`COLUMNS`]).
    #[default]
    Flowhound,
    /// IBM GFP's columns one to one: binned pattern histograms and vertex statistics,
    /// with GFP's semantics ([`gfp`]).
    Gfp,
}

impl Family {
    /// The family named `name` as on the command line (`temp-cycle`; `temp_cycle` too).
    pub fn parse(name: &str) -> Option<Family> {
        <Family as clap::ValueEnum>::from_str(&name.replace('_', "-"), true).ok()
    }

    /// Its name on the command line.
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self).map(|v| v.get_name().to_owned()).unwrap_or_default()
    }
}

impl Layout {
    /// The layout named `name` as on the command line (`flowhound`, `gfp`).
    pub fn parse(name: &str) -> Option<Layout> {
        <Layout as clap::ValueEnum>::from_str(name, true).ok()
    }

    /// Every family the layout has: the default when none is asked for.
    pub fn families(self) -> Vec<Family> {
        match self {
            Layout::Flowhound => {
                vec![Family::Fan, Family::VertexStats, Family::ScatterGather, Family::TempCycle]
            }
            Layout::Gfp => {
                vec![
                    Family::Fan,
                    Family::ScatterGather,
                    Family::TempCycle,
                    Family::LcCycle,
                    Family::VertexStats,
                ]
            }
        }
    }

    /// The families to compute for `asked` (all of the layout's when it is empty), or
    /// why one of them is not in this layout.
    pub fn select(self, asked: &[Family]) -> Result<Vec<Family>, String> {
        let has = self.families();
        if asked.is_empty() {
            return Ok(has);
        }
        match asked.iter().find(|f| !has.contains(f)) {
            Some(Family::LcCycle) => {
                Err("lc-cycle: length-constrained cycles are in GFP's layout only (layout gfp)".into())
            }
            Some(f) => Err(format!("{}: not in this layout", f.name())),
            None => Ok(asked.to_vec()),
        }
    }
}

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureColumn {
    /// Its name.
    pub name: String,
    /// True when it holds counts (written as integers).
    pub count: bool,
}

/// Parameters.
#[derive(Debug, Clone)]
pub struct Options {
    /// Window in seconds.
    pub window: i64,
    /// Most hops of a cycle.
    pub max_cycle: usize,
    /// Families to compute.
    pub families: Vec<Family>,
    /// Edge expansions allowed per cycle search and per scatter-gather count.
    pub budget: u64,
    /// Which columns.
    pub layout: Layout,
}

/// Column names, in output order (after `transfer_id`).
pub const COLUMNS: [&str; 23] = [
    "src_fan_out",
    "src_deg_out",
    "src_fan_in",
    "src_deg_in",
    "dst_fan_in",
    "dst_deg_in",
    "dst_fan_out",
    "dst_deg_out",
    "src_out_sum",
    "src_out_mean",
    "src_out_min",
    "src_out_max",
    "src_out_std",
    "dst_in_sum",
    "dst_in_mean",
    "dst_in_min",
    "dst_in_max",
    "dst_in_std",
    "scatter_gather",
    "cycles_2",
    "cycles_3",
    "cycles_4",
    "cycles_5_plus",
];

/// One column's values, one per transfer.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Counts, written as integers.
    Counts(Vec<u32>),
    /// Amounts, their statistics and ratios.
    Reals(Vec<f64>),
}

impl Values {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::Counts(v) => v.len(),
            Values::Reals(v) => v.len(),
        }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `k`, as a float.
    pub fn get(&self, k: usize) -> f64 {
        match self {
            Values::Counts(v) => f64::from(v[k]),
            Values::Reals(v) => v[k],
        }
    }

    /// The values at `picks`, in that order.
    pub fn pick(&self, picks: &[usize]) -> Values {
        match self {
            Values::Counts(v) => Values::Counts(picks.iter().map(|&k| v[k]).collect()),
            Values::Reals(v) => Values::Reals(picks.iter().map(|&k| v[k]).collect()),
        }
    }

    /// Appends `more`, which holds the same kind of values.
    pub fn append(&mut self, more: Values) {
        match (self, more) {
            (Values::Counts(v), Values::Counts(m)) => v.extend(m),
            (Values::Reals(v), Values::Reals(m)) => v.extend(m),
            (Values::Counts(v), Values::Reals(m)) => v.extend(m.into_iter().map(|x| x as u32)),
            (Values::Reals(v), Values::Counts(m)) => v.extend(m.into_iter().map(f64::from)),
        }
    }

    /// An empty column of `column`'s kind with room for `n` values.
    pub fn with_capacity(column: &FeatureColumn, n: usize) -> Values {
        if column.count {
            Values::Counts(Vec::with_capacity(n))
        } else {
            Values::Reals(Vec::with_capacity(n))
        }
    }
}

/// Features of every transfer, indexed by edge id (time order); each column has one
/// value per edge. Families not computed are zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// `columns(opts)[k]` is `values[k]`.
    pub values: Vec<Values>,
    /// Searches that hit the budget (their counts are lower bounds).
    pub capped: u64,
}

/// What `features` reads in time: a pattern it counts spans at most one window, and a
/// transfer's features come from the transfers within a window of it and nothing else
/// (no dump-wide statistic, no account's history before that). A run split by time
/// therefore needs each part's own transfers, one window before them (back to the start
/// of the window-long block of time before that, where the amount sums restart), and
/// for the cycle counts one window after: [`parts::compute_in_parts`] does exactly that,
/// and gives the same bits as one run.
///
/// GFP's layout reads more: its vertex statistics cover every transfer of an account,
/// and it reads a scatter-gather at the pair's last leg in the dump.
pub fn lookback(opts: &Options) -> Lookback {
    match opts.layout {
        Layout::Flowhound => Lookback::days(opts.window as f64 / DAY as f64, &[]),
        Layout::Gfp => Lookback::unbounded(
            "GFP's vertex statistics cover every transfer of an account, and a scatter-gather is read at its pair's last leg",
            &[Reads::AccountHistory],
        ),
    }
}

/// The output columns for `opts`, after `transfer_id`.
pub fn columns(opts: &Options) -> Vec<FeatureColumn> {
    match opts.layout {
        Layout::Flowhound => COLUMNS
            .iter()
            .map(|name| FeatureColumn {
                name: (*name).to_owned(),
                count: !["_sum", "_mean", "_min", "_max", "_std"].iter().any(|s| name.contains(s)),
            })
            .collect(),
        Layout::Gfp => gfp::columns(opts),
    }
}

/// Computes the features of every transfer of `g`, the columns of [`columns`].
pub fn compute(g: &FlowGraph, opts: &Options) -> Features {
    if opts.layout == Layout::Gfp {
        return gfp::compute(g, opts);
    }
    let m = g.edge_count();
    // Counts are held as counts from the start: as floats, converted once done, the
    // thirteen count columns held 8 bytes a transfer each at the peak, and 12 while
    // converted. The pattern counts' columns are their searches' own, made when each
    // search finishes.
    let zeros =
        |c: &FeatureColumn| if c.count { Values::Counts(vec![0; m]) } else { Values::Reals(vec![0.0; m]) };
    let all = columns(opts);
    let mut values: Vec<Values> = all[..18].iter().map(zeros).collect();
    let has = |f: Family| opts.families.contains(&f);
    let mut capped = 0;
    if has(Family::Fan) || has(Family::VertexStats) {
        window::node_features(g, opts.window, &mut values[..18]);
        for (k, col) in values.iter_mut().enumerate().take(18) {
            let wanted = if k < 8 { has(Family::Fan) } else { has(Family::VertexStats) };
            if !wanted {
                match col {
                    Values::Counts(v) => v.fill(0),
                    Values::Reals(v) => v.fill(0.0),
                }
            }
        }
    }
    // The cycles' components are found on one thread while the scatter-gathers are
    // counted on the others.
    let (scatter_gathers, components) = rayon::join(
        || has(Family::ScatterGather).then(|| scatter_gather::counts(g, opts.window, opts.budget)),
        || has(Family::TempCycle).then(|| cycles::Components::of(g)),
    );
    if let Some((counts, c)) = scatter_gathers {
        values.push(Values::Counts(counts));
        capped += c;
    } else {
        values.push(zeros(&all[18]));
    }
    if let Some(components) = components {
        let (bins, c) = cycles::counts(g, &components, opts.window, opts.max_cycle, opts.budget);
        values.extend(bins.into_iter().map(Values::Counts));
        capped += c;
    } else {
        values.extend(all[19..].iter().map(zeros));
    }
    Features { values, capped }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn all() -> Options {
        Options {
            window: 20,
            max_cycle: 6,
            families: vec![Family::Fan, Family::VertexStats, Family::ScatterGather, Family::TempCycle],
            budget: u64::MAX,
            layout: Layout::Flowhound,
        }
    }

    /// Every feature of edge `e` straight from the definitions, scanning all edges.
    fn brute(g: &FlowGraph, e: usize, w: i64, max_cycle: usize) -> Vec<f64> {
        let m = g.edge_count();
        let (u, v, t) = (g.src[e], g.dst[e], g.time[e]);
        let win: Vec<usize> = (0..m).filter(|&f| f <= e && g.time[f] >= t - w).collect();
        let side = |node: u32, out: bool| {
            let list: Vec<usize> = win
                .iter()
                .copied()
                .filter(|&f| if out { g.src[f] == node } else { g.dst[f] == node })
                .collect();
            let other: BTreeSet<u32> = list.iter().map(|&f| if out { g.dst[f] } else { g.src[f] }).collect();
            let xs: Vec<f64> = list.iter().map(|&f| g.amount[f]).collect();
            (other.len() as f64, list.len() as f64, xs)
        };
        let stats = |xs: &[f64]| {
            if xs.is_empty() {
                return [0.0; 5];
            }
            let n = xs.len() as f64;
            let sum: f64 = xs.iter().sum();
            let mean = sum / n;
            let var = xs.iter().map(|x| x * x).sum::<f64>() / n - mean * mean;
            [
                sum,
                mean,
                xs.iter().copied().fold(f64::INFINITY, f64::min),
                xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                var.max(0.0).sqrt(),
            ]
        };
        let (so, sd, sx) = side(u, true);
        let (si, sdi, _) = side(u, false);
        let (di, ddi, dx) = side(v, false);
        let (dof, ddo, _) = side(v, true);
        let mut row = vec![so, sd, si, sdi, di, ddi, dof, ddo];
        row.extend(stats(&sx));
        row.extend(stats(&dx));
        // Scatter-gather from the definition.
        let nodes: BTreeSet<u32> = (0..m).flat_map(|f| [g.src[f], g.dst[f]]).collect();
        let inter = |s: u32, d: u32| -> BTreeSet<u32> {
            nodes
                .iter()
                .copied()
                .filter(|&x| {
                    x != d
                        && x != s
                        && win.iter().any(|&f| g.src[f] == s && g.dst[f] == x)
                        && win.iter().any(|&f| g.src[f] == x && g.dst[f] == d)
                })
                .collect()
        };
        let mut sg = 0;
        for &d in &nodes {
            if d != u {
                let i = inter(u, d);
                if i.contains(&v) && i.len() >= 2 {
                    sg += 1;
                }
            }
        }
        for &s in &nodes {
            if s != v {
                let i = inter(s, v);
                if i.contains(&u) && i.len() >= 2 {
                    sg += 1;
                }
            }
        }
        row.push(sg as f64);
        // Temporal cycles through e: every edge sequence, checked.
        let mut bins = [0.0; 4];
        fn rec(g: &FlowGraph, path: &mut Vec<usize>, w: i64, max: usize, e: usize, bins: &mut [f64; 4]) {
            let first = path[0];
            let last = *path.last().unwrap();
            if path.len() >= 2 && g.dst[last] == g.src[first] {
                if path.contains(&e) {
                    bins[cycles::bin(path.len())] += 1.0;
                }
                return;
            }
            if path.len() >= max {
                return;
            }
            for f in 0..g.edge_count() {
                let nodes_on: Vec<u32> = path.iter().map(|&p| g.dst[p]).collect();
                if g.src[f] == g.dst[last]
                    && g.time[f] > g.time[last]
                    && g.time[f] <= g.time[first] + w
                    && (g.dst[f] == g.src[first] || !nodes_on.contains(&g.dst[f]))
                {
                    path.push(f);
                    rec(g, path, w, max, e, bins);
                    path.pop();
                }
            }
        }
        for start in 0..m {
            if g.dst[start] != g.src[start] {
                rec(g, &mut vec![start], w, max_cycle, e, &mut bins);
            }
        }
        row.extend(bins);
        row
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn features_equal_brute_force_on_random_graphs(
            edges in prop::collection::vec((0u8..6, 0u8..6, 0i64..60, 1u32..100), 1..35),
        ) {
            let mut t = Tiny::new();
            for (s, d, time, amount) in &edges {
                t.wire(&format!("n{s}"), &format!("n{d}"), *time, f64::from(*amount));
            }
            let g = t.graph();
            let f = compute(&g, &all());
            for e in 0..g.edge_count() {
                let want = brute(&g, e, 20, 6);
                for (k, name) in COLUMNS.iter().enumerate() {
                    let got = f.values[k].get(e);
                    prop_assert!((got - want[k]).abs() < 1e-6 * (1.0 + want[k].abs()), "edge {e} {name}: got {got}, want {}", want[k]);
                }
            }
        }
    }

    #[test]
    fn a_scatter_gather_and_a_triangle_by_hand() {
        let mut t = Tiny::new();
        t.wire("S", "W1", 1, 10.0);
        t.wire("S", "W2", 2, 10.0);
        t.wire("W1", "D", 3, 9.0);
        t.wire("W2", "D", 4, 9.0);
        t.wire("D", "S", 5, 8.0);
        let g = t.graph();
        let f = compute(&g, &all());
        // The last gather leg (W2 -> D at 4) completes the instance (S, D).
        assert_eq!(f.values[18].get(3), 1.0);
        // S -> W1 -> D -> S is a 3-cycle, and so is S -> W2 -> D -> S.
        assert_eq!(f.values[20].get(4), 2.0, "D -> S closes both");
        assert_eq!(f.values[20].get(0), 1.0);
        assert_eq!(f.values[0].get(1), 2.0, "S has paid two accounts by time 2");
    }

    #[test]
    fn the_lookback_is_the_window_and_nothing_else() {
        let opts = Options {
            window: 2 * DAY,
            max_cycle: 5,
            families: vec![Family::Fan],
            budget: 1,
            layout: Layout::Flowhound,
        };
        let l = lookback(&opts);
        assert_eq!(l.span_days(), Some(2.0));
        assert!(l.reads.is_empty());
    }
}

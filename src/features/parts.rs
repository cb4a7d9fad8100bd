//! Features computed one time part at a time, with the same result as one run over the
//! whole dump: the first step towards runs split over machines (a part owns
//! `[start, start + part)` and loads only what its transfers' features read).
//!
//! A part loads its own transfers and, around them, what [`super::lookback`] says they
//! read: one window before (fans, degrees, amount statistics, scatter-gathers), back to
//! the start of the window-long block of time before that (the amount sums restart at
//! each block, see `window.rs`), and one window after (a cycle is counted on every
//! transfer it passes through, and closes up to one window after it started). Every
//! search then sees what it saw in the whole dump. A cycle or scatter-gather search that
//! hits the budget may stop at another point in a part (its pruning sees fewer
//! transfers), so the equality holds while no search is capped; the summary says when
//! one is.

use crate::config::Config;
use crate::graph::FlowGraph;
use crate::model::Dump;

#[cfg(test)]
use super::COLUMNS;
use super::{columns, compute, lookback, Features, Options, Values};

/// Features of every transfer of `dump` computed part by part, `part` seconds of time
/// each, in the order of the whole dump's graph (time, then input row), with the row of
/// each: what [`compute`] on the whole dump gives, row for row.
pub fn compute_in_parts(dump: &Dump, config: &Config, opts: &Options, part: i64) -> (Features, Vec<u32>) {
    let n = dump.transfers.len();
    let mut values: Vec<Values> = columns(opts).iter().map(|c| Values::with_capacity(c, n)).collect();
    let mut order = Vec::with_capacity(n);
    let done = for_each_part(dump, config, opts, part, |f, rows| {
        for (column, part_column) in values.iter_mut().zip(f.values) {
            column.append(part_column);
        }
        order.extend_from_slice(rows);
        Ok::<(), std::convert::Infallible>(())
    });
    let capped = match done {
        Ok(capped) => capped,
        Err(never) => match never {},
    };
    (Features { values, capped }, order)
}

/// [`compute_in_parts`], handing each part's own transfers to `sink` as soon as they are
/// done (their features, and their rows, in the whole dump's order; the parts follow
/// each other in that order) rather than holding the whole dump's: the features of a
/// dump of 100M transfers are 18 GB. Returns how many searches reached the budget, or
/// the first error of `sink`. A layout whose [`lookback`] has no bound is computed in
/// one part.
pub fn for_each_part<E>(
    dump: &Dump,
    config: &Config,
    opts: &Options,
    part: i64,
    mut sink: impl FnMut(Features, &[u32]) -> Result<(), E>,
) -> Result<u64, E> {
    let t = &dump.transfers;
    let order = t.time_order();
    let mut position = vec![0u32; t.len()];
    for (k, &r) in order.iter().enumerate() {
        position[r as usize] = k as u32;
    }
    let mut capped = 0;
    let (Some(&first), Some(&last)) = (order.first(), order.last()) else {
        return Ok(capped);
    };
    let (first, last) = (t.time[first as usize], t.time[last as usize]);
    // A layout whose lookback has no bound (GFP's) reads whole accounts: one part.
    let part = if lookback(opts).span_days().is_some() { part.max(1) } else { i64::MAX };
    let window = opts.window.max(1);
    let mut start = first;
    while start <= last {
        let end = start.saturating_add(part);
        let from = start.div_euclid(window).saturating_mul(window).saturating_sub(window);
        let until = end.saturating_add(window);
        // The part's rows are a run of the time order; its graph, which has no ids to
        // order equal times by, takes them in that order, so that equal times keep it.
        let lo = order.partition_point(|&r| t.time[r as usize] < from);
        let hi = order.partition_point(|&r| t.time[r as usize] <= until);
        // The part's own transfers, [start, end): a run of the time order.
        let own_lo = order.partition_point(|&r| t.time[r as usize] < start);
        let own_hi = order.partition_point(|&r| t.time[r as usize] < end);
        let rows = &order[lo..hi];
        let graph = FlowGraph::build_of(dump, &t.select(rows), config);
        let f = compute(&graph, opts);
        capped += f.capped;
        // The part graph's edge of each of the part's own transfers, in the whole order.
        let mut picks = vec![0usize; own_hi - own_lo];
        for e in 0..graph.edge_count() {
            let row = rows[graph.row.get(e) as usize] as usize;
            if (start..end).contains(&t.time[row]) {
                picks[position[row] as usize - own_lo] = e;
            }
        }
        let values = f.values.iter().map(|v| v.pick(&picks)).collect();
        sink(Features { values, capped: f.capped }, &order[own_lo..own_hi])?;
        start = end;
    }
    Ok(capped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};
    use crate::features::Family;
    use proptest::prelude::*;

    fn all(window: i64) -> Options {
        Options {
            window,
            max_cycle: 6,
            families: vec![Family::Fan, Family::VertexStats, Family::ScatterGather, Family::TempCycle],
            budget: u64::MAX,
            layout: crate::features::Layout::Flowhound,
        }
    }

    proptest! {
        /// Any part length gives, bit for bit, what the whole dump gives.
        #[test]
        fn parts_give_what_the_whole_dump_gives(
            edges in proptest::collection::vec((0u8..7, 0u8..7, 0i64..20 * 24, 1u32..5000), 1..120),
            window_hours in 1i64..72,
            part_hours in 1i64..200,
        ) {
            let mut t = Tiny::new();
            for (a, b, hour, cents) in &edges {
                t.wire(&format!("A{a}"), &format!("A{b}"), hour * H, f64::from(*cents) / 7.0);
            }
            let opts = all(window_hours * H);
            let whole = compute(&t.graph(), &opts);
            let (parts, order) = compute_in_parts(&t.dump, &t.config, &opts, part_hours * H);
            let g = t.graph();
            prop_assert_eq!(&order, &g.row.to_vec());
            for (k, (w, p)) in whole.values.iter().zip(&parts.values).enumerate() {
                let same = w.len() == p.len() && (0..w.len()).all(|e| w.get(e).to_bits() == p.get(e).to_bits());
                prop_assert!(same, "column {}: {:?} vs {:?}", COLUMNS[k], w, p);
            }
        }
    }

    #[test]
    fn an_empty_dump_has_no_parts() {
        let t = Tiny::new();
        let (f, order) = compute_in_parts(&t.dump, &t.config, &all(D), D);
        assert!(order.is_empty() && f.values.iter().all(Values::is_empty));
    }
}

//! Temporal cycles through each transfer, binned by length: every cycle is enumerated
//! once, from its earliest transfer, by the same search the round-trip detector uses,
//! with no amount constraints.

use rayon::prelude::*;

use crate::graph::algo::components::{cyclic_components_of, together};
use crate::graph::algo::temporal_cycles::{cycles_into, CycleSpec, Hop, SearchEnd};
use crate::graph::FlowGraph;

use super::finds::{Finds, Searched};

/// Bin of a cycle length: 2, 3, 4, 5+.
pub fn bin(len: usize) -> usize {
    len.clamp(2, 5) - 2
}

/// What every search reads of the whole graph, found before the first starts: each
/// account's strongly connected component (every cycle lies inside one) and the graph's
/// onward index. Finding the components takes one thread, so a caller may find them
/// while other work keeps the rest busy.
pub struct Components(Vec<u32>);

impl Components {
    /// The components of `g`, with its onward index built.
    pub fn of(g: &FlowGraph) -> Components {
        let comp = cyclic_components_of(g, |_| true);
        g.onward_ready();
        Components(comp)
    }
}

/// `[bin][edge]` counts; and how many searches hit the budget. `components` are
/// [`Components::of`] `g`.
pub fn counts(
    g: &FlowGraph,
    components: &Components,
    window: i64,
    max_len: usize,
    budget: u64,
) -> ([Vec<u32>; 4], u64) {
    let spec = CycleSpec {
        window,
        min_hops: 2,
        max_hops: max_len,
        min_retained: 0.0,
        amount_tolerance: f64::INFINITY,
        budget,
    };
    // Most transfers are on no cycle: keep only the searches that found one or hit the
    // budget, each with its finds counted per transfer and bin, so memory follows the
    // transfers on cycles, not the transfer count nor the cycles.
    // Every cycle lies inside one strongly connected component: start only inside one
    // and never leave the origin's.
    let comp = &components.0;
    // Origin by origin, each search's first transfer read from the origin's own list
    // (what a search reads of it, and where it goes on from there), not by edge id. The
    // counts add up the same in any order.
    let found: Vec<Searched> = (0..g.node_count() as u32)
        .into_par_iter()
        .with_min_len(64)
        .flat_map_iter(|origin| {
            let out = g.out_list(origin);
            (0..out.len()).filter(move |&k| together(comp, origin, out.other[k])).filter_map(move |k| {
                let mut finds = Finds::default();
                let end = cycles_into(
                    g,
                    Hop::out_of(g, origin, out, k),
                    spec,
                    &[origin],
                    |v| comp[v as usize] == comp[origin as usize],
                    |path| {
                        let b = bin(path.len()) as u8;
                        path.iter().for_each(|&e| finds.add(e, b));
                    },
                );
                let capped = end == SearchEnd::BudgetHit;
                (capped || !finds.is_empty()).then(|| (finds.into_counts(), capped))
            })
        })
        .collect();
    let m = g.edge_count();
    let mut bins = [vec![0u32; m], vec![0u32; m], vec![0u32; m], vec![0u32; m]];
    let mut capped = 0;
    for (counts, cap) in found {
        capped += u64::from(cap);
        for (e, b, n) in counts {
            let count = &mut bins[usize::from(b)][e as usize];
            *count = count.saturating_add(n);
        }
    }
    (bins, capped)
}

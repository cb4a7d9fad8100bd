//! cycle — money that comes back to where it started (generic motif).
//!
//! ## What it finds
//! A simple cycle of at least `min_hops` transfers with strictly increasing timestamps
//! (a temporal cycle) that returns to the account it left within the window, each hop
//! carrying at most a little more than the one before and at least `min_retained` of
//! the first. When the dump's timestamps are all equal or absent there is no temporal
//! order: plain simple cycles (bounded depth-first search, each found once, from its
//! smallest account) are reported instead, and the run summary says so.
//!
//! ## Why it matters
//! typologies.md: "a temporal cycle is a simple cycle with strictly increasing
//! timestamps (hop-limited, default 10)", labelled in AMLworld and AMLSim; cycles through
//! offshore back to the same holder are OS1, which this motif defers to. The temporal
//! search is the OS1 search, checked against brute force on random graphs
//! (temporal_cycles.rs), since bounded cycle algorithms in the literature miss cycles.
//!
//! ## Example
//! ```text
//! A ─10,000 (day 1)─> B ─9,800 (day 2)─> C ─9,500 (day 4)─> A
//! ```
//!
//! ## Parameters
//! `[cycle]`: `window_days` (30), `min_hops` (3: a payment and its refund is a 2-cycle of
//! everyday life), `max_hops` (10), `min_retained` (0.5), `amount_tolerance` (0.02),
//! `min_amount` (`p25` first hop: three quarters of the dump's transfers are larger), `search_budget`, `skip_business_to_business` (true),
//! `channels`.
//!
//! ## Look-alikes
//! Refunds and loan repayments go straight back (two hops). Money that comes back much
//! diminished, or much later, is not a cycle of the same money. Trading companies buy
//! from and sell to each other all the time, so a cycle made only of company-to-company
//! payments is left out when holder kinds are known.

use rayon::prelude::*;

use crate::config::params::{Channels, Count, Days, Multiple, Share};
use crate::config::AmountFloor;
use crate::detect::{Context, Detector, Hit, HitBuilder, Outcome, Role};
use crate::graph::algo::temporal_cycles::{cycles_from, CycleSpec, SearchEnd};
use crate::graph::FlowGraph;
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount, seconds_to_days};
use serde::{Deserialize, Serialize};

/// Parameters of the cycle motif.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleConfig {
    /// Whole cycle within this many days.
    pub window_days: Days,
    /// Fewest hops.
    pub min_hops: Count<2>,
    /// Most hops.
    pub max_hops: Count<2>,
    /// Last amount / first amount.
    pub min_retained: Share,
    /// Growth allowed of a hop over the previous one.
    pub amount_tolerance: Multiple,
    /// Smallest first hop, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Edge expansions per starting transfer.
    pub search_budget: u64,
    /// Leave out cycles made only of company-to-company transfers.
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Channels,
}

/// cycle detector.
pub struct Cycle;

impl Detector for Cycle {
    fn pattern(&self) -> Pattern {
        Pattern::Cycle
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let g = ctx.graph;
        let cfg = &ctx.config.cycle;
        let channels = cfg.channels.as_slice().to_vec();
        let timed = g.time.first() != g.time.last();
        let min_amount = g.scale.floor(cfg.min_amount);
        let spec = CycleSpec {
            window: days_to_seconds(cfg.window_days.get()),
            min_hops: cfg.min_hops.get(),
            max_hops: cfg.max_hops.get(),
            min_retained: cfg.min_retained.get(),
            amount_tolerance: cfg.amount_tolerance.get(),
            budget: cfg.search_budget,
        };
        let found: Vec<(Vec<Vec<u32>>, bool)> = (0..g.edge_count() as u32)
            .into_par_iter()
            .with_min_len(1024)
            .map(|e| {
                let ei = e as usize;
                if g.amount[ei] < min_amount || !channels.contains(&g.channel[ei]) || g.src[ei] == g.dst[ei] {
                    return (Vec::new(), false);
                }
                let origin = g.src[ei];
                let mut cycles = Vec::new();
                let end = if timed {
                    cycles_from(g, e, spec, |v| v == origin, |c| cycles.push(c.to_vec()))
                } else {
                    plain_cycles_from(g, e, spec, &channels, &mut cycles)
                };
                (cycles, end == SearchEnd::BudgetHit)
            })
            .collect();
        let capped = found.iter().filter(|f| f.1).count();
        let mut notes = Vec::new();
        if !timed {
            notes.push("timestamps are all equal: plain (untimed) cycles searched".to_owned());
        }
        if capped > 0 {
            notes.push(format!("{capped} cycle search(es) stopped at the search budget"));
        }
        let company = |v: u32| g.accounts.business_like[v as usize];
        let b2b = |c: &Vec<u32>| c.iter().all(|&e| company(g.src[e as usize]) && company(g.dst[e as usize]));
        let hits = found
            .into_iter()
            .flat_map(|f| f.0)
            .filter(|c| !(cfg.skip_business_to_business && b2b(c)))
            .map(|c| hit(ctx, &c, timed))
            .collect();
        Outcome { hits, notes }
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[Pattern::Os1]
    }
}

/// Untimed simple cycles starting with edge `start`, each found once: from the edge
/// leaving its smallest account, the other accounts larger than it.
fn plain_cycles_from(
    g: &FlowGraph,
    start: u32,
    spec: CycleSpec,
    channels: &[crate::model::Channel],
    out: &mut Vec<Vec<u32>>,
) -> SearchEnd {
    fn rec(
        g: &FlowGraph,
        spec: CycleSpec,
        channels: &[crate::model::Channel],
        path: &mut Vec<u32>,
        spent: &mut u64,
        out: &mut Vec<Vec<u32>>,
    ) -> bool {
        let origin = g.src[path[0] as usize];
        let at = g.dst[*path.last().unwrap_or(&path[0]) as usize];
        for &e in g.out_edges(at) {
            *spent += 1;
            if *spent > spec.budget {
                return false;
            }
            let (to, ei) = (g.dst[e as usize], e as usize);
            if !channels.contains(&g.channel[ei]) || to < origin {
                continue;
            }
            if to == origin {
                if path.len() + 1 >= spec.min_hops {
                    path.push(e);
                    out.push(path.clone());
                    path.pop();
                }
                continue;
            }
            if path.len() + 1 >= spec.max_hops || path.iter().any(|&p| g.dst[p as usize] == to) {
                continue;
            }
            path.push(e);
            let ok = rec(g, spec, channels, path, spent, out);
            path.pop();
            if !ok {
                return false;
            }
        }
        true
    }
    let s = start as usize;
    if g.dst[s] <= g.src[s] {
        return SearchEnd::Complete;
    }
    let mut spent = 0;
    if rec(g, spec, channels, &mut vec![start], &mut spent, out) {
        SearchEnd::Complete
    } else {
        SearchEnd::BudgetHit
    }
}

fn hit(ctx: &Context<'_>, cycle: &[u32], timed: bool) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    for &e in cycle {
        let (s, d, a) = (g.src[e as usize], g.dst[e as usize], g.amount[e as usize]);
        b.account(s, Role::Member, 0.0, a);
        b.account(d, Role::Member, a, 0.0);
        b.transfer(e);
    }
    let (first, last) = (cycle[0] as usize, cycle[cycle.len() - 1] as usize);
    let reason = if timed {
        format!(
            "{} left {} and {} ({:.0}%) came back after {} hops in {:.1} days",
            fmt_amount(g.amount[first]),
            ctx.account(g.src[first]),
            fmt_amount(g.amount[last]),
            g.amount[last] / g.amount[first] * 100.0,
            cycle.len(),
            seconds_to_days(g.time[last] - g.time[first])
        )
    } else {
        format!(
            "{} -> ... -> itself in {} hops (no timestamps to order them)",
            ctx.account(g.src[first]),
            cycle.len()
        )
    };
    b.finish(g, Pattern::Cycle, g.amount[first], 0.5 + 0.05 * cycle.len() as f64, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn ring(t: &mut Tiny, n: usize, keep: f64, gap: i64) {
        let mut amount = 20_000.0;
        for k in 0..n {
            t.wire(&format!("M{k}"), &format!("M{}", (k + 1) % n), 10 * D + k as i64 * gap, amount);
            amount *= keep;
        }
    }

    #[test]
    fn finds_a_temporal_cycle_once() {
        let mut t = Tiny::new();
        ring(&mut t, 5, 0.97, 20 * H);
        let hits = t.hits(&Cycle);
        assert_eq!(hits.len(), 1, "one cycle, found from its first transfer only");
        assert_eq!(hits[0].accounts.len(), 5);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        ring(&mut t, 2, 0.99, H);
        assert!(t.hits(&Cycle).is_empty(), "a refund is two hops");
        let mut t = Tiny::new();
        ring(&mut t, 4, 0.7, H);
        assert!(t.hits(&Cycle).is_empty(), "34% comes back");
        let mut t = Tiny::new();
        ring(&mut t, 4, 0.97, 11 * D);
        assert!(t.hits(&Cycle).is_empty(), "33 days");
        let mut t = Tiny::new();
        ring(&mut t, 4, 0.97, -H);
        assert!(t.hits(&Cycle).is_empty(), "timestamps run backwards");
    }

    #[test]
    fn equal_timestamps_give_plain_cycles() {
        let mut t = Tiny::new();
        ring(&mut t, 4, 0.97, 0);
        t.wire("X", "Y", 10 * D, 5.0);
        let hits = t.hits(&Cycle);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].reason.contains("no timestamps"));
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(21, 30, 200, 60);
        ring(&mut t, 6, 0.96, 30 * H);
        t.reverse_rows();
        let m0 = t.dump.accounts.intern("M0");
        assert!(t
            .hits(&Cycle)
            .iter()
            .any(|h| h.accounts.len() == 6 && h.accounts.iter().any(|a| a.account == m0)));
    }
}

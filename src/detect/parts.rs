//! Detection split into parts of time (`analyze --partition-window`), with the hits one
//! run over the whole dump gives: the way a run spread over machines finds them.
//!
//! The parts follow each other from the dump's first transfer, `window` seconds each:
//! part `k` owns `[first + k·W, first + (k+1)·W)`. A detector that declares a
//! [`PartRule`] runs once per part, on the graph of the transfers from `before_days`
//! ahead of the part to `after_days` past its end ([`FlowGraph::time_part`]: the whole
//! dump's accounts, attributes, scale and per-account rates); each part keeps the hits
//! whose anchor transfer it owns, so no hit is found twice and none is lost. Its edge
//! ids are mapped back to the whole graph's, and the hits of all parts follow each other
//! in time order, as one run emits them. A detector without a rule reads more of the
//! dump than one part holds (its lookback says what) and runs on the whole dump.
//!
//! A search that reaches its budget in the whole dump may stop elsewhere in a part,
//! which holds fewer transfers to spend it on: the equality holds while no search is
//! capped, and each part's notes say when one was.

use serde::Serialize;

use crate::graph::FlowGraph;
use crate::lookback::{Anchor, PartRule};
use crate::units::{days_to_seconds, format_date, seconds_to_days};

use super::context::Context;
use super::hit::Hit;
use super::registry::{Detector, Outcome};

/// The parts of time of one dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeParts {
    first: i64,
    last: i64,
    window: i64,
}

impl TimeParts {
    /// Parts of `window` seconds (at least one) over the times of `graph`'s transfers;
    /// `None` for a graph without transfers.
    pub fn of(graph: &FlowGraph, window: i64) -> Option<TimeParts> {
        let (first, last) = (*graph.time.first()?, *graph.time.last()?);
        Some(TimeParts { first, last, window: window.max(1) })
    }

    /// How many parts there are.
    pub fn count(&self) -> usize {
        ((self.last - self.first) / self.window + 1) as usize
    }

    /// The time part `k` owns, `[from, to)`.
    pub fn owned(&self, k: usize) -> (i64, i64) {
        let from = self.first.saturating_add(self.window.saturating_mul(k as i64));
        (from, from.saturating_add(self.window))
    }

    /// The length of a part, in days.
    pub fn window_days(&self) -> f64 {
        seconds_to_days(self.window)
    }
}

/// How a detector ran in a partitioned run, for run.json and the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "ran")]
pub enum PartsRun {
    /// Once per part.
    InParts {
        /// Parts that held at least one transfer.
        parts: usize,
        /// Length of a part.
        window_days: f64,
        /// What each part loaded and which hits it kept.
        rule: PartRule,
    },
    /// On the whole dump, because one part would not hold what its hits read.
    WholeDump {
        /// Its lookback, in words.
        why: String,
    },
}

/// Puts the hits of a detector with a [`PartRule`] in one order, whether it ran on the
/// whole dump or part by part: by first and last transfer, then by transfers (a stable
/// sort, so hits on the very same transfers keep the detector's order, which one part
/// gives as the whole dump does). A detector emits its hits in the order of its own
/// searches; parts, one after another, emit them in another.
pub fn in_time_order(hits: &mut [Hit]) {
    hits.sort_by(|a, b| {
        (a.first_seen, a.last_seen, &a.transfers).cmp(&(b.first_seen, b.last_seen, &b.transfers))
    });
}

/// Runs `detector` part by part under `rule` over `ctx`'s whole graph: the hits one run
/// on the whole graph finds, with the whole graph's edge ids, in [`in_time_order`], and
/// how many parts ran.
pub fn run_in_parts(
    detector: &dyn Detector,
    ctx: &Context<'_>,
    rule: PartRule,
    parts: TimeParts,
) -> (Outcome, usize) {
    let g = ctx.graph;
    let (before, after) = (days_to_seconds(rule.before_days), days_to_seconds(rule.after_days));
    let mut outcome = Outcome::default();
    let mut notes: Vec<(String, Vec<String>)> = Vec::new();
    let mut ran = 0;
    for k in 0..parts.count() {
        let (own_from, own_to) = parts.owned(k);
        let owned = g.time.partition_point(|&t| t < own_from)..g.time.partition_point(|&t| t < own_to);
        if owned.is_empty() {
            continue;
        }
        let lo = g.time.partition_point(|&t| t < own_from.saturating_sub(before));
        let hi = g.time.partition_point(|&t| t <= own_to.saturating_add(after));
        let part = g.time_part(lo..hi);
        let found = detector.run(&Context::time_part(ctx, &part, lo as u32));
        ran += 1;
        for mut hit in found.hits {
            let at = match rule.anchor {
                Anchor::FirstTransfer => hit.first_seen,
                Anchor::LastTransfer => hit.last_seen,
            };
            if !(own_from..own_to).contains(&at) {
                continue;
            }
            for e in &mut hit.transfers {
                *e += lo as u32;
            }
            outcome.hits.push(hit);
        }
        let span = format!("{} to {}", format_date(own_from), format_date(own_to - 1));
        for note in found.notes {
            match notes.iter_mut().find(|(n, _)| *n == note) {
                Some((_, spans)) => spans.push(span.clone()),
                None => notes.push((note, vec![span.clone()])),
            }
        }
    }
    // A note every part made (a signal the dump lacks) is said once; others say where.
    for (note, spans) in notes {
        if spans.len() == ran {
            outcome.notes.push(note);
        } else {
            outcome.notes.extend(spans.into_iter().map(|span| format!("{span}: {note}")));
        }
    }
    in_time_order(&mut outcome.hits);
    (outcome, ran)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::detect::registry;
    use crate::detect::testkit::{generated_world, Tiny, D, H};
    use proptest::prelude::*;

    /// Each detector with a rule: its hits on the whole graph, and part by part.
    fn both_ways(
        graph: &FlowGraph,
        dump: &crate::model::Dump,
        config: &Config,
        window: i64,
    ) -> Vec<(String, Vec<crate::detect::Hit>, Vec<crate::detect::Hit>, usize)> {
        let ctx = Context::new(graph, dump, config);
        let parts = TimeParts::of(graph, window).expect("transfers");
        registry()
            .iter()
            .filter_map(|d| {
                let rule = d.part_rule(config)?;
                if d.unavailable(&ctx).is_some() {
                    return None;
                }
                let mut whole = d.run(&ctx).hits;
                in_time_order(&mut whole);
                let (in_parts, ran) = run_in_parts(d.as_ref(), &ctx, rule, parts);
                Some((d.pattern().to_string(), whole, in_parts.hits, ran))
            })
            .collect()
    }

    #[test]
    fn parts_follow_each_other_from_the_first_transfer() {
        let mut t = Tiny::new();
        t.wire("A", "B", 10, 1.0);
        t.wire("A", "B", 10 + 20 * D, 1.0);
        let g = t.graph();
        let parts = TimeParts::of(&g, 7 * D).expect("transfers");
        assert_eq!(parts.count(), 3);
        assert_eq!(parts.owned(0), (10, 10 + 7 * D));
        assert_eq!(parts.owned(2), (10 + 14 * D, 10 + 21 * D));
        assert!(TimeParts::of(&Tiny::new().graph(), D).is_none());
    }

    #[test]
    fn a_generated_world_gives_the_same_hits_in_parts() {
        let (_dir, loaded) = generated_world(30_000, 120, 41, Some(4));
        let config = Config::default_config().expect("default config");
        for window in [5 * D, 16 * D] {
            for (pattern, whole, in_parts, ran) in both_ways(&loaded.graph, &loaded.dump, &config, window) {
                assert!(ran >= 7, "{pattern}: {ran} parts");
                assert!(!whole.is_empty(), "{pattern}: the world has no case of it");
                assert_eq!(in_parts, whole, "{pattern}, parts of {} days", window / D);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// Walks, round trips through an offshore account and cycles at random times in
        /// noise, cut into parts of any length: the same hits as in the whole dump.
        #[test]
        fn any_window_gives_the_same_hits(seed in 0u64..1000, window_h in 6i64..400, starts in proptest::collection::vec(1i64..140, 6)) {
            let mut t = Tiny::new();
            t.noise(seed, 50, 900, 150);
            t.span(150);
            for (k, &day) in starts.iter().enumerate() {
                let at = day * D + k as i64 * 7 * H;
                let mut amount = 9_000.0 + 131.0 * k as f64;
                // A walk through private accounts, a little less each hop.
                for hop in 0..5 {
                    t.wire(&format!("W{k}_{hop}"), &format!("W{k}_{}", hop + 1), at + hop * 20 * H, amount);
                    amount *= 0.96;
                }
                // A cycle back to its origin.
                for hop in 0..4i64 {
                    let to = if hop == 3 { 0 } else { hop + 1 };
                    t.wire(&format!("C{k}_{hop}"), &format!("C{k}_{to}"), at + hop * 30 * H, 7_000.0 - 50.0 * hop as f64);
                }
                // A round trip through an offshore company.
                t.person(&format!("R{k}"), "US");
                t.company(&format!("OFF{k}"), "KY");
                t.company(&format!("BACK{k}"), "US");
                t.link(&format!("h-R{k}"), &format!("h-BACK{k}"));
                t.wire(&format!("R{k}"), &format!("OFF{k}"), at, 50_000.0);
                t.wire(&format!("OFF{k}"), &format!("BACK{k}"), at + 9 * D, 48_000.0);
            }
            t.reverse_rows();
            let g = t.graph();
            for (pattern, whole, in_parts, _) in both_ways(&g, &t.dump, &t.config, window_h * H) {
                prop_assert_eq!(in_parts, whole, "{}", pattern);
            }
        }
    }
}

//! scatter_gather — one source splits money over several intermediaries that pass it on
//! to one target (generic motif).
//!
//! ## What it finds
//! Accounts `u` and `v` with at least `min_intermediaries` distinct accounts `w` such
//! that `u` paid `w` and `w` then paid `v` within the window, together forwarding most
//! of what `u` sent them: `|N+(u) ∩ N-(v)| >= 2` inside the window, time-respecting.
//!
//! ## Why it matters
//! typologies.md defines scatter-gather as `u -> {w_i} -> v` reported when the set of
//! intermediaries has at least two members inside the window; it is labelled in
//! AMLworld and AMLSim and is the motif form of OS4 (which adds offshore intermediaries).
//!
//! ## Example
//! ```text
//!      ┌─> W1 ─┐
//! U ───┼─> W2 ─┼──> V      U sent 30,000; V got 28,500 within 6 days
//!      └─> W3 ─┘
//! ```
//!
//! ## Parameters
//! `[scatter_gather]`: `window_days` (7, per leg pair), `min_intermediaries` (2, the
//! definition), `min_retained` (0.8: what reaches `v` / what `u` sent the intermediaries,
//! typologies.md OS4), `min_amount` (`p50` sent), `skip_business_to_business`,
//! `channels` (all but card).
//!
//! ## Look-alikes
//! Two friends each paying the same landlord after a parent sent them money forward
//! little of it; company-to-company trade is left out; busy intermediaries (merchants,
//! employers) are only scanned within the window after each payment.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::{fmt_amount, Context, Detector, Hit, HitBuilder, Outcome, Role};
use crate::model::Channel;

/// scatter_gather detector.
pub struct ScatterGather;

impl Detector for ScatterGather {
    fn code(&self) -> &'static str {
        "scatter_gather"
    }

    fn title(&self) -> &'static str {
        "scatter-gather"
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let cfg = &ctx.config.scatter_gather;
        let spec = Spec {
            pattern: "scatter_gather",
            window: (cfg.window_days * 86_400.0) as i64,
            min_intermediaries: cfg.min_intermediaries,
            min_retained: cfg.min_retained,
            min_amount: ctx.graph.scale.floor(cfg.min_amount),
            skip_b2b: cfg.skip_business_to_business,
            channels: crate::config::Config::channels(&cfg.channels),
            offshore_only: false,
        };
        Outcome { hits: all(ctx, &spec), notes: Vec::new() }
    }

    fn defers_to(&self) -> &'static [&'static str] {
        &["OS4", "UB1", "UB4", "UB5", "stack", "bipartite"]
    }
}

/// Per intermediary: what the source sent it, what it forwarded, the transfers.
type Leg = (f64, f64, Vec<u32>);

/// What a scatter-gather search looks for (the motif, or OS4 through offshore).
#[derive(Debug, Clone)]
pub struct Spec {
    /// Pattern id of the hits.
    pub pattern: &'static str,
    /// Seconds within which each intermediary forwards.
    pub window: i64,
    /// Distinct (qualifying) intermediaries.
    pub min_intermediaries: usize,
    /// Money reaching the target / money sent to the intermediaries.
    pub min_retained: f64,
    /// Smallest amount sent.
    pub min_amount: f64,
    /// Leave out company-to-company transfers.
    pub skip_b2b: bool,
    /// Channels that count.
    pub channels: Vec<Channel>,
    /// Only offshore intermediaries qualify.
    pub offshore_only: bool,
}

/// Every scatter-gather of the dump, by source in node order.
pub fn all(ctx: &Context<'_>, spec: &Spec) -> Vec<Hit> {
    (0..ctx.graph.node_count() as u32)
        .into_par_iter()
        .with_min_len(256)
        .flat_map_iter(|u| scan(ctx, spec, u))
        .collect()
}

fn scan(ctx: &Context<'_>, spec: &Spec, u: u32) -> Vec<Hit> {
    let g = ctx.graph;
    let outs = g.out_list(u);
    if outs.len() < spec.min_intermediaries {
        return Vec::new();
    }
    let company = |a: u32| g.accounts.business_like[a as usize];
    let counts = |e: u32, a: u32, b: u32| {
        spec.channels.contains(&g.channel[e as usize])
            && a != b
            && !(spec.skip_b2b && company(a) && company(b))
    };
    let window = spec.window;
    // v -> (w -> (sent to w, forwarded by w, edges))
    let mut by_target: BTreeMap<u32, BTreeMap<u32, Leg>> = BTreeMap::new();
    for k in 0..outs.len() {
        let (w, e1, t1, a1) = (outs.other[k], outs.edges[k], outs.time[k], outs.amount[k]);
        if !counts(e1, u, w) || (spec.offshore_only && !g.accounts.offshore[w as usize]) {
            continue;
        }
        let (next, amounts) = g.out_after(w, t1, t1 + window);
        for (&e2, &a2) in next.iter().zip(amounts) {
            let v = g.dst[e2 as usize];
            if v == u || v == w || !counts(e2, w, v) || a2 > a1 * 1.02 {
                continue;
            }
            let slot = by_target.entry(v).or_default().entry(w).or_insert((0.0, 0.0, Vec::new()));
            if !slot.2.contains(&e1) {
                slot.0 += a1;
                slot.2.push(e1);
            }
            slot.1 += a2;
            slot.2.push(e2);
        }
    }
    let mut hits = Vec::new();
    for (v, mids) in by_target {
        if mids.len() < spec.min_intermediaries {
            continue;
        }
        let sent: f64 = mids.values().map(|m| m.0).sum();
        let got: f64 = mids.values().map(|m| m.1.min(m.0)).sum();
        if sent < spec.min_amount || got < spec.min_retained * sent {
            continue;
        }
        let mut b = HitBuilder::default();
        for (&w, (s, f, edges)) in &mids {
            b.account(u, Role::Originator, 0.0, *s);
            b.account(w, Role::Intermediary, *s, *f);
            b.account(v, Role::Target, *f, 0.0);
            for &e in edges {
                b.transfer(e);
            }
        }
        let mut offshore: Vec<String> = mids
            .keys()
            .filter(|&&w| g.accounts.offshore[w as usize])
            .filter_map(|&w| g.accounts.country[w as usize].map(|c| c.to_string()))
            .collect();
        let offshore_text = if offshore.is_empty() {
            String::new()
        } else {
            let n = offshore.len();
            offshore.sort();
            offshore.dedup();
            format!(" ({n} of {} offshore: {})", mids.len(), offshore.join(", "))
        };
        let reason = format!(
            "{} split {} over {} intermediaries{offshore_text} that passed {} ({:.0}%) on to {} within {:.0} days of receiving it",
            ctx.account(u),
            fmt_amount(sent),
            mids.len(),
            fmt_amount(got),
            got / sent * 100.0,
            ctx.account(v),
            window as f64 / 86_400.0,
        );
        let strength = 0.5 + 0.1 * (mids.len() as f64 - 1.0).min(5.0);
        hits.push(b.finish(g, spec.pattern, sent, strength, reason));
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn case(t: &mut Tiny, mids: usize, keep: f64, delay: i64) {
        for k in 0..mids {
            let w = format!("W{k}");
            t.wire("U", &w, 10 * D + k as i64 * H, 8_000.0);
            t.wire(&w, "V", 10 * D + k as i64 * H + delay, 8_000.0 * keep);
        }
    }

    #[test]
    fn finds_split_and_gathered_money() {
        let mut t = Tiny::new();
        case(&mut t, 3, 0.95, 2 * D);
        let hits = t.hits(&ScatterGather);
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].accounts.len(), hits[0].transfers.len()), (5, 6));
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        case(&mut t, 1, 0.95, 2 * D);
        assert!(t.hits(&ScatterGather).is_empty(), "one intermediary");
        let mut t = Tiny::new();
        case(&mut t, 3, 0.7, 2 * D);
        assert!(t.hits(&ScatterGather).is_empty(), "70% retained");
        let mut t = Tiny::new();
        case(&mut t, 3, 0.95, 8 * D);
        assert!(t.hits(&ScatterGather).is_empty(), "forwarded after the window");
        let mut t = Tiny::new();
        case(&mut t, 2, 0.95, -H);
        assert!(t.hits(&ScatterGather).is_empty(), "forwarded before receiving");
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(6, 40, 200, 60);
        case(&mut t, 2, 0.9, 3 * D);
        t.reverse_rows();
        assert_eq!(t.hits(&ScatterGather).iter().filter(|h| h.reason.starts_with("U split")).count(), 1);
    }
}

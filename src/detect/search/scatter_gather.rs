//! Scatter-gather search: a source splits money over several intermediaries that pass
//! it on to one target within a window. The scatter_gather motif runs it over every
//! account; OS4 runs it with offshore intermediaries only.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::detect::{Context, Hit, HitBuilder, Role};
use crate::graph::algo::novelty::AmountNovelty;
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::{fmt_amount, DAY};

/// Per intermediary: what the source sent it, what it forwarded, the transfers.
type Leg = (f64, f64, Vec<u32>);

/// What a scatter-gather search looks for (the motif, or OS4 through offshore).
#[derive(Debug, Clone)]
pub struct Spec {
    /// Pattern of the hits.
    pub pattern: Pattern,
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
        let mut proving: Vec<u32> = mids.values().flat_map(|m| m.2.iter().copied()).collect();
        proving.sort_unstable();
        let novelty = AmountNovelty::measure(g, &[u, v], &proving);
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
            "{} split {} over {} intermediaries{offshore_text} that passed {} ({:.0}%) on to {} within {:.0} days of receiving it{}",
            ctx.account(u),
            fmt_amount(sent),
            mids.len(),
            fmt_amount(got),
            got / sent * 100.0,
            ctx.account(v),
            window as f64 / DAY as f64,
            novelty.words(),
        );
        let shape = 0.5 + 0.1 * (mids.len() as f64 - 1.0).min(5.0);
        let strength = 0.7 * shape + 0.3 * novelty.term();
        hits.push(b.finish(g, spec.pattern, sent, strength, reason));
    }
    hits
}

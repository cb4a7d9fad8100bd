//! OS2 — layering chain through shells.
//!
//! ## What it finds
//! A time-respecting path of at least `min_hops` transfers whose intermediate accounts
//! all look like shells (OS3 profile score of at least `min_shell_score`), where each
//! account forwards at least `min_pass_through` of what it received (and not more than
//! it received) within `max_hop_delay_days`, and the path touches at least
//! `min_jurisdictions` countries.
//!
//! ## Why it matters
//! Layering money through a chain of shells in several jurisdictions puts legal and
//! practical distance between the money and its origin; it is the classic layering
//! stage (FATF, *Money Laundering and Terrorist Financing Vulnerabilities of Legal
//! Entities*, 2006; StAR, *The Puppet Masters*, 2011; typologies.md OS2, the "stack"
//! motif as a chain).
//!
//! ## Example
//! ```text
//! ORIGIN (CN) ─2.0M─> S1 (VG) ─1.96M (2 d)─> S2 (SC) ─1.90M (1 d)─> S3 (PA) ─1.85M─> B (CA)
//! ```
//!
//! ## Parameters
//! `[os2]`: `min_hops` (3), `min_pass_through` (0.8 per hop), `max_hop_delay_days` (7),
//! `min_jurisdictions` (2), `min_shell_score` (0.5: most shell signals, a cluster not
//! needed), `min_amount` (`p50` first hop), `max_hops` (10), `search_budget`
//! (edge expansions per starting transfer). Without an entities table every account may
//! be an intermediate, and the run summary says the shell signal was unavailable.
//!
//! ## Look-alikes
//! A multinational's treasury moves money to an old offshore subsidiary that trades and
//! keeps it: no shell, no chain. A chain that comes back to its originator is OS1, and is
//! reported there.

use rayon::prelude::*;

use super::shell_profile;
use super::{fmt_amount, Context, Detector, Hit, HitBuilder, Outcome, Role};
use crate::config::Os2Config;
use crate::graph::FlowGraph;

/// OS2 detector.
pub struct Layering;

impl Detector for Layering {
    fn code(&self) -> &'static str {
        "OS2"
    }

    fn title(&self) -> &'static str {
        "layering chain"
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let cfg = &ctx.config.os2;
        let g = ctx.graph;
        let mut notes = Vec::new();
        let shell: Vec<bool> = match shell_profile::unavailable(ctx) {
            None => shell_profile::profiles(ctx)
                .iter()
                .map(|p| p.is_some_and(|p| p.score >= cfg.min_shell_score))
                .collect(),
            Some(why) => {
                notes.push(format!("shell signal unavailable ({why}): any account may be a layer"));
                vec![true; g.node_count()]
            }
        };
        let results: Vec<(Option<Vec<u32>>, bool)> = (0..g.edge_count() as u32)
            .into_par_iter()
            .with_min_len(1024)
            .map(|e| chain_from(g, cfg, &shell, e))
            .collect();
        let capped = results.iter().filter(|r| r.1).count();
        if capped > 0 {
            notes.push(format!("{capped} chain search(es) stopped at the search budget"));
        }
        let hits = results.into_iter().filter_map(|(c, _)| c).map(|c| hit(ctx, &c)).collect();
        Outcome { hits, notes }
    }

    fn defers_to(&self) -> &'static [&'static str] {
        &["OS1"]
    }
}

struct Search<'a> {
    g: &'a FlowGraph,
    cfg: &'a Os2Config,
    shell: &'a [bool],
    path: Vec<u32>,
    best: Option<Vec<u32>>,
    spent: u64,
}

impl Search<'_> {
    fn valid(&self) -> bool {
        let g = self.g;
        if self.path.len() < self.cfg.min_hops {
            return false;
        }
        let mut countries: Vec<_> = std::iter::once(g.src[self.path[0] as usize])
            .chain(self.path.iter().map(|&e| g.dst[e as usize]))
            .filter_map(|v| g.accounts.country[v as usize])
            .collect();
        countries.sort_unstable();
        countries.dedup();
        countries.len() >= self.cfg.min_jurisdictions
    }

    fn extend(&mut self) {
        let g = self.g;
        if self.valid() && self.best.as_ref().is_none_or(|b| self.path.len() > b.len()) {
            self.best = Some(self.path.clone());
        }
        let last = *self.path.last().unwrap_or(&0) as usize;
        let at = g.dst[last];
        if !self.shell[at as usize] || self.path.len() >= self.cfg.max_hops {
            return;
        }
        let delay = (self.cfg.max_hop_delay_days * 86_400.0) as i64;
        let (next, amounts) = g.out_after(at, g.time[last], g.time[last] + delay);
        let received = g.amount[last];
        for (&e, &a) in next.iter().zip(amounts) {
            self.spent += 1;
            if self.spent > self.cfg.search_budget {
                return;
            }
            let to = g.dst[e as usize];
            let seen =
                to == g.src[self.path[0] as usize] || self.path.iter().any(|&p| g.dst[p as usize] == to);
            if a < self.cfg.min_pass_through * received || a > received * 1.02 || seen {
                continue;
            }
            self.path.push(e);
            self.extend();
            self.path.pop();
        }
    }
}

/// The longest valid chain that starts with transfer `start` (`shell` marks the accounts
/// a chain may pass through; the random-walk motif passes private accounts), when `start` is where a
/// chain begins (not itself the forwarding of a matching inflow); and whether the
/// search hit its budget.
pub fn chain_from(g: &FlowGraph, cfg: &Os2Config, shell: &[bool], start: u32) -> (Option<Vec<u32>>, bool) {
    let s = start as usize;
    let (origin, first) = (g.src[s], g.dst[s]);
    if g.amount[s] < g.scale.floor(cfg.min_amount) || !shell[first as usize] || origin == first {
        return (None, false);
    }
    // A continuation, not a start: the origin itself forwarded a matching inflow.
    if shell[origin as usize] {
        let delay = (cfg.max_hop_delay_days * 86_400.0) as i64;
        let ins = g.in_window(origin, start, g.time[s] - delay);
        let a = g.amount[s];
        if (0..ins.len()).any(|k| {
            ins.time[k] < g.time[s] && a >= cfg.min_pass_through * ins.amount[k] && a <= ins.amount[k] * 1.02
        }) {
            return (None, false);
        }
    }
    let mut search = Search { g, cfg, shell, path: vec![start], best: None, spent: 0 };
    search.extend();
    (search.best, search.spent > cfg.search_budget)
}

fn hit(ctx: &Context<'_>, chain: &[u32]) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    let n = chain.len();
    for (k, &e) in chain.iter().enumerate() {
        let (s, d, a) = (g.src[e as usize], g.dst[e as usize], g.amount[e as usize]);
        let layer = |v: u32| if g.accounts.offshore[v as usize] { Role::OffshoreLayer } else { Role::Layer };
        b.account(s, if k == 0 { Role::Originator } else { layer(s) }, 0.0, a);
        b.account(d, if k + 1 == n { Role::Beneficiary } else { layer(d) }, a, 0.0);
        b.transfer(e);
    }
    let first = g.amount[chain[0] as usize];
    let last = g.amount[chain[n - 1] as usize];
    // The layers in order (layer 1, 2, ... n), each with its jurisdiction.
    let step = |v: u32| format!("{} ({})", ctx.account(v), country(ctx, v));
    let mut route: Vec<String> = vec![step(g.src[chain[0] as usize])];
    route.extend(chain.iter().map(|&e| step(g.dst[e as usize])));
    let days = (g.time[chain[n - 1] as usize] - g.time[chain[0] as usize]) as f64 / 86_400.0;
    let reason = format!(
        "{} left {} and passed {} shell-like account(s) in {:.1} days ({}); {} ({:.0}%) reached {}",
        fmt_amount(first),
        ctx.account(g.src[chain[0] as usize]),
        n - 1,
        days,
        route.join(" -> "),
        fmt_amount(last),
        last / first * 100.0,
        ctx.account(g.dst[chain[n - 1] as usize]),
    );
    let strength = (0.5 + 0.1 * n as f64).min(1.0);
    b.finish(g, "OS2", first, strength, reason)
}

fn country(ctx: &Context<'_>, v: u32) -> String {
    ctx.graph.accounts.country[v as usize].map(|c| c.to_string()).unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    /// ORIGIN (CN) -> S1.. (havens) -> BEN (CA); shells are young offshore companies.
    fn chain(t: &mut Tiny, layers: usize, keep: f64, delay: i64) {
        t.company("ORIGIN", "CN");
        t.person("BEN", "CA");
        let havens = ["VG", "SC", "PA", "BZ", "KY", "WS"];
        for k in 0..layers {
            let s = format!("S{k}");
            t.company(&s, havens[k % havens.len()]);
            let h = t.dump.holders.intern(&format!("h-{s}")) as usize;
            t.dump.holders.incorporated_on[h] = Some(0);
        }
        let mut amount = 1_000_000.0;
        let mut at = "ORIGIN".to_owned();
        let mut time = 50 * D;
        for k in 0..=layers {
            let to = if k == layers { "BEN".to_owned() } else { format!("S{k}") };
            t.wire(&at, &to, time, amount);
            amount *= keep;
            time += delay;
            at = to;
        }
    }

    #[test]
    fn finds_a_chain_through_shells() {
        let mut t = Tiny::new();
        chain(&mut t, 3, 0.97, 2 * D);
        let hits = t.hits(&Layering);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 4);
        assert!(
            hits[0].reason.contains("ORIGIN (CN) -> S0 (VG) -> S1 (SC) -> S2 (PA) -> BEN (CA)"),
            "{}",
            hits[0].reason
        );
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        chain(&mut t, 3, 0.75, 2 * D);
        assert!(t.hits(&Layering).is_empty(), "keeps a quarter per hop");
        let mut t = Tiny::new();
        chain(&mut t, 3, 0.97, 8 * D);
        assert!(t.hits(&Layering).is_empty(), "8 days per hop");
        let mut t = Tiny::new();
        chain(&mut t, 1, 0.97, 2 * D);
        assert!(t.hits(&Layering).is_empty(), "two hops");
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(12, 30, 200, 90);
        chain(&mut t, 4, 0.95, 30 * H);
        t.reverse_rows();
        let hits = t.hits(&Layering);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].transfers.len(), 5);
    }
}

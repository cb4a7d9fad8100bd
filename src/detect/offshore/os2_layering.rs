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
//! keeps it: no shell, no chain. When it routes money on through its regional
//! subsidiaries within days, the path has the chain's shape, but they were incorporated
//! years ago and trade with their own customers and suppliers: no shell is on it. A
//! chain that comes back to its originator is OS1, and is reported there.

use crate::detect::context::PartEdges;
use crate::detect::handed::Handed;
use crate::graph::FlowGraph;
use rayon::prelude::*;

use crate::config::params::{Count, Days, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::search::shell_profile;
use crate::detect::{Context, Detector, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::chains::{self, chain_from, ChainSpec};
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount, seconds_to_days};
use serde::{Deserialize, Serialize};

/// Parameters of OS2 (layering chain).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os2Config {
    /// Fewest transfers in the chain.
    pub min_hops: Count<2>,
    /// Most transfers followed.
    pub max_hops: Count<2>,
    /// Each hop carries at least this share of the previous.
    pub min_pass_through: Share,
    /// Each hop within this many days of the previous.
    pub max_hop_delay_days: Days,
    /// Countries the chain touches.
    pub min_jurisdictions: Count<1>,
    /// OS3 score an intermediate account needs.
    pub min_shell_score: Share,
    /// Smallest first hop, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Edge expansions per starting transfer.
    pub search_budget: u64,
}

/// OS2 detector.
pub struct Layering;

impl Detector for Layering {
    fn lookback(&self, config: &Config) -> Lookback {
        Lookback::days(
            config.os2.max_hops.get() as f64 * config.os2.max_hop_delay_days.get(),
            &[Reads::AmountQuantiles, Reads::AccountHistory, Reads::Reference],
        )
    }

    fn part_rule(&self, config: &Config) -> Option<PartRule> {
        // Shell profiles read the whole dump (a part reads the whole dump's).
        Some(chains::part_rule(config.os2.max_hops.get(), config.os2.max_hop_delay_days.get()))
    }

    fn pattern(&self) -> Pattern {
        Pattern::Os2
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn hand_to_part(
        &self,
        whole: &Context<'_>,
        _part: &FlowGraph,
        _edges: PartEdges<'_>,
        handed: &mut Handed,
    ) {
        shell_profile::hand_to_part(whole, handed);
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let cfg = &ctx.config.os2;
        let g = ctx.graph;
        let mut notes = Vec::new();
        let shell: Vec<bool> = match shell_profile::unavailable(ctx) {
            None => shell_profile::profiles(ctx)
                .iter()
                .map(|p| p.is_some_and(|p| p.score >= cfg.min_shell_score.get()))
                .collect(),
            Some(why) => {
                notes.push(format!("shell signal unavailable ({why}): any account may be a layer"));
                vec![true; g.node_count()]
            }
        };
        let spec = ChainSpec {
            min_hops: cfg.min_hops.get(),
            max_hops: cfg.max_hops.get(),
            min_pass_through: cfg.min_pass_through.get(),
            max_hop_delay: days_to_seconds(cfg.max_hop_delay_days.get()),
            min_jurisdictions: cfg.min_jurisdictions.get(),
            min_first_amount: g.scale.floor(cfg.min_amount),
            search_budget: cfg.search_budget,
        };
        let results: Vec<(Option<Vec<u32>>, bool)> = (0..g.edge_count() as u32)
            .into_par_iter()
            .with_min_len(1024)
            .filter(|&e| ctx.starts_here(g.time[e as usize]))
            .map(|e| chain_from(g, &spec, &shell, e))
            // Only what a search found or where it stopped, not an entry per transfer.
            .filter(|r| r.0.is_some() || r.1)
            .collect();
        let capped = results.iter().filter(|r| r.1).count();
        if capped > 0 {
            notes.push(format!("{capped} chain search(es) stopped at the search budget"));
        }
        let hits = results.into_iter().filter_map(|(c, _)| c).map(|c| hit(ctx, &c)).collect();
        Outcome { hits, notes }
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[Pattern::Os1]
    }
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
    let days = seconds_to_days(g.time[chain[n - 1] as usize] - g.time[chain[0] as usize]);
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
    b.finish(g, Pattern::Os2, first, strength, reason)
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
    fn a_treasury_routing_money_through_old_trading_subsidiaries_is_no_chain() {
        // Look-alike: a group's treasury sends money on through its regional
        // subsidiaries offshore, each incorporated fifteen years before the dump and
        // trading all along with its own customers and suppliers: no shell on the path.
        let mut t = Tiny::new();
        chain(&mut t, 3, 0.97, 2 * D);
        for k in 0..3 {
            let s = format!("S{k}");
            let h = t.dump.holders.intern(&format!("h-{s}")) as usize;
            t.dump.holders.incorporated_on[h] = Some(-15 * 365 * D);
            for c in 0..25i64 {
                t.wire(&format!("CUSTOMER{k}_{c}"), &s, (c * 3 + k as i64) * D, 40_000.0);
                t.wire(&s, &format!("SUPPLIER{k}_{c}"), (c * 3 + 1 + k as i64) * D, 30_000.0);
            }
        }
        assert!(t.hits(&Layering).is_empty(), "{:?}", t.hits(&Layering));
        // The same path through young companies with no trade is a chain of shells.
        let mut t = Tiny::new();
        chain(&mut t, 3, 0.97, 2 * D);
        assert_eq!(t.hits(&Layering).len(), 1);
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

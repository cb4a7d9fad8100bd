//! OS3 — shell profile.
//!
//! ## What it finds
//! A company account whose profile fits a shell: incorporated or banked offshore, young
//! at its first transfer, money straight through (out ~ in, short dwell), few
//! counterparties, no operating pattern (no payroll-like payments to many persons, no
//! steady stream of receipts), and one of a cluster of companies at one registered
//! address or under one director (a formation agent's stock). Each signal is weighted;
//! the lead is raised when the score reaches `min_score`.
//!
//! ## Why it matters
//! Shell companies hide who owns and moves the money in nearly every large laundering
//! case (FATF/Egmont, *Concealment of Beneficial Ownership*, 2018; World Bank/UNODC StAR,
//! *The Puppet Masters*, 2011; typologies.md OS3). A shell that shows up in another lead
//! joins that lead, and its weight raises the lead's score.
//!
//! ## Example
//! ```text
//! 7 companies, "Suite 12, Trident Chambers, VG", one nominee director, 40-300 days old:
//! CN supplier ─420,000─> SHELL ─415,000 (2 days later)─> HK buyer
//! ```
//!
//! ## Parameters
//! `[os3]`: `weights` (offshore 0.2, young 0.15, pass_through 0.2, few_counterparties
//! 0.1, no_operations 0.1, cluster 0.25), `min_score` (0.8: without the cluster signal the
//! score cannot reach it, so a lone young offshore pass-through company raises the leads
//! it is in but is no lead by itself), `max_age_days` (365), `min_pass_through` (0.8),
//! `max_median_dwell_days` (7), `max_counterparties` (10), `payroll_payees` (5),
//! `steady_receipts` (20), `min_cluster` (5, typologies.md).
//!
//! ## Look-alikes
//! Real offshore subsidiaries of multinationals are old and trade with many suppliers;
//! offshore funds are old and receive from many investors; both sit at their own
//! addresses. A registered agent's address shared by companies that are old, trade and
//! keep money is no shell cluster by the other signals.

use crate::detect::context::PartEdges;
use crate::detect::handed::Handed;
use crate::graph::FlowGraph;
use rayon::prelude::*;

use crate::config::Config;
use crate::detect::search::shell_profile::{self, ShellProfile};
use crate::detect::{Context, Detector, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::pattern::Pattern;

/// OS3 detector.
pub struct ShellProfileDetector;

impl Detector for ShellProfileDetector {
    fn lookback(&self, _: &Config) -> Lookback {
        Lookback::unbounded(
            "a shell profile reads the company's whole life",
            &[Reads::AccountHistory, Reads::Reference],
        )
    }

    fn part_rule(&self, _config: &Config) -> Option<PartRule> {
        // A shell profile reads the company's own transfers over its life.
        Some(PartRule::Account { anchor: Some(Role::Shell) })
    }

    fn pattern(&self) -> Pattern {
        Pattern::Os3
    }

    fn unavailable(&self, ctx: &Context<'_>) -> Option<String> {
        shell_profile::unavailable(ctx)
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
        let cfg = &ctx.config.os3;
        let profiles = shell_profile::profiles(ctx);
        let hits = profiles
            .par_iter()
            .enumerate()
            .filter_map(|(v, p)| {
                let p = p.as_ref()?;
                let active =
                    !ctx.graph.in_edges(v as u32).is_empty() && !ctx.graph.out_edges(v as u32).is_empty();
                (active && p.score >= cfg.min_score.get()).then(|| hit(ctx, v as u32, p))
            })
            .collect();
        Outcome { hits, notes: Vec::new() }
    }
}

fn hit(ctx: &Context<'_>, v: u32, p: &ShellProfile) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    let (mut total_in, mut total_out) = (0.0, 0.0);
    for &e in g.in_edges(v) {
        total_in += g.amount[e as usize];
        b.transfer(e);
    }
    for &e in g.out_edges(v) {
        total_out += g.amount[e as usize];
        b.transfer(e);
    }
    b.account(v, Role::Shell, total_in, total_out);
    let reason = format!(
        "company account {} scores {:.2} as a shell: {}",
        ctx.account(v),
        p.score,
        p.signals(&ctx.config.os3).join(", ")
    );
    b.finish(g, Pattern::Os3, total_in, p.score, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn cluster(t: &mut Tiny, n: usize, address: &str, age_days: i64, keep: f64) {
        for k in 0..n {
            let s = format!("SH{k}");
            t.company(&s, "VG");
            let h = t.dump.holders.intern(&format!("h-{s}")) as usize;
            t.dump.holders.address[h] = Some(address.to_owned());
            t.dump.holders.incorporated_on[h] = Some(100 * D - age_days * D);
            t.company(&format!("SRC{k}"), "CN");
            t.company(&format!("DST{k}"), "HK");
            t.wire(&format!("SRC{k}"), &s, 100 * D + k as i64 * H, 300_000.0);
            t.wire(&s, &format!("DST{k}"), 101 * D + k as i64 * H, 300_000.0 * keep);
        }
    }

    #[test]
    fn a_formation_agent_cluster_of_pass_through_shells() {
        let mut t = Tiny::new();
        cluster(&mut t, 5, "Suite 12, Trident Chambers, VG", 120, 0.98);
        let hits = t.hits(&ShellProfileDetector);
        assert_eq!(hits.len(), 5);
        assert!(hits[0].reason.contains("shares its address"), "{}", hits[0].reason);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        cluster(&mut t, 4, "Suite 12, Trident Chambers, VG", 120, 0.98);
        assert!(t.hits(&ShellProfileDetector).is_empty(), "cluster of four");
        let mut t = Tiny::new();
        cluster(&mut t, 5, "Suite 12, Trident Chambers, VG", 900, 0.5);
        assert!(t.hits(&ShellProfileDetector).is_empty(), "old and keeps half");
    }

    #[test]
    fn old_trading_companies_and_a_fund_at_a_registered_agents_address_are_no_shells() {
        // Look-alike: a registered agent's address in a haven, shared by five regional
        // subsidiaries incorporated years ago that buy and sell with many counterparties
        // (passing on most of what they take, as traders do), and by an investment fund
        // that thirty investors pay and that invests with two brokers.
        let agent = "Suite 12, Trident Chambers, VG";
        let mut t = Tiny::new();
        for k in 0..5 {
            let s = format!("SUB{k}");
            t.company(&s, "VG");
            let h = t.dump.holders.intern(&format!("h-{s}")) as usize;
            t.dump.holders.address[h] = Some(agent.to_owned());
            t.dump.holders.incorporated_on[h] = Some(-8 * 365 * D);
            for c in 0..20i64 {
                t.wire(&format!("CUSTOMER{k}_{c}"), &s, (10 + c * 4) * D + k as i64 * H, 50_000.0);
                t.wire(&s, &format!("SUPPLIER{k}_{c}"), (12 + c * 4) * D + k as i64 * H, 45_000.0);
            }
        }
        t.company("FUND", "VG");
        let h = t.dump.holders.intern("h-FUND") as usize;
        t.dump.holders.address[h] = Some(agent.to_owned());
        t.dump.holders.incorporated_on[h] = Some(-12 * 365 * D);
        for k in 0..30i64 {
            t.wire(&format!("INVESTOR{k}"), "FUND", (5 + 2 * k) * D, 100_000.0);
        }
        for b in 0..2i64 {
            t.wire("FUND", &format!("BROKER{b}"), (40 + 20 * b) * D, 1_300_000.0);
        }
        assert!(t.hits(&ShellProfileDetector).is_empty(), "{:?}", t.hits(&ShellProfileDetector));
        // Young pass-through companies at that address are a shell cluster.
        cluster(&mut t, 5, agent, 120, 0.98);
        assert_eq!(t.hits(&ShellProfileDetector).len(), 5);
    }

    #[test]
    fn address_spelling_does_not_split_a_cluster() {
        let mut t = Tiny::new();
        cluster(&mut t, 5, "Suite 12, Trident Chambers, VG", 120, 0.98);
        let h = t.dump.holders.intern("h-SH0") as usize;
        t.dump.holders.address[h] = Some("SUITE 12 TRIDENT CHAMBERS. VG".into());
        t.reverse_rows();
        assert_eq!(t.hits(&ShellProfileDetector).len(), 5);
    }
}

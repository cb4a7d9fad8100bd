//! The OS3 shell profile of every company account, shared by OS3 (a lead on its own
//! when strong) and by OS2 and OS5 (which need to know which accounts look like shells).

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::config::params::{Count, Days, Share};
use crate::detect::handed::Handed;
use crate::detect::Context;
use crate::graph::algo::fifo_dwell::fifo_dwell_by;
use crate::model::{HolderKind, Relation};
use crate::units::{days_to_seconds, DAY};
use serde::{Deserialize, Serialize};

/// Parameters of OS3 (shell profile).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os3Config {
    /// Signal weights (normalised by their sum).
    pub weights: ShellWeights,
    /// Score at which a shell is a lead on its own.
    pub min_score: Share,
    /// "Young": first transfer within this many days of incorporation.
    pub max_age_days: Days,
    /// Out / in at least this (and at most its inverse).
    pub min_pass_through: Share,
    /// Median FIFO dwell at most this many days.
    pub max_median_dwell_days: Days,
    /// "Few counterparties": at most this many.
    pub max_counterparties: Count<1>,
    /// Payroll-like: this many distinct personal payees.
    pub payroll_payees: Count<1>,
    /// Steady receipts: this many incoming transfers.
    pub steady_receipts: Count<1>,
    /// Companies at one address or under one director that make a cluster.
    pub min_cluster: Count<2>,
}

/// Weights of the OS3 shell signals.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShellWeights {
    /// Incorporated or banked offshore.
    pub offshore: Share,
    /// Young at its first transfer.
    pub young: Share,
    /// Passes money through.
    pub pass_through: Share,
    /// Few counterparties.
    pub few_counterparties: Share,
    /// No operating pattern.
    pub no_operations: Share,
    /// Part of an address or director cluster.
    pub cluster: Share,
}

/// Which shell signals a company account shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ShellProfile {
    /// Incorporated or banked in an offshore jurisdiction.
    pub offshore: bool,
    /// First transfer less than `max_age_days` after incorporation.
    pub young: bool,
    /// Passes money through: out ~ in, short median dwell.
    pub pass_through: bool,
    /// Few distinct counterparties.
    pub few_counterparties: bool,
    /// No payroll-like fan-out to persons, no steady stream of receipts.
    pub no_operations: bool,
    /// Companies sharing its registered address or a director.
    pub cluster: usize,
    /// Weighted score in [0, 1].
    pub score: f64,
}

impl ShellProfile {
    /// The signals that fired, for a reason string.
    pub fn signals(&self, cfg: &Os3Config) -> Vec<String> {
        let mut s = Vec::new();
        for (on, text) in [
            (self.offshore, "offshore"),
            (self.young, "young at its first transfer"),
            (self.pass_through, "passes money straight through"),
            (self.few_counterparties, "few counterparties"),
            (self.no_operations, "no operating pattern"),
        ] {
            if on {
                s.push(text.to_owned());
            }
        }
        if self.cluster >= cfg.min_cluster.get() {
            s.push(format!("shares its address or director with {} companies", self.cluster - 1));
        }
        s
    }
}

/// Why shell profiles cannot be computed, if they cannot.
pub fn unavailable(ctx: &Context<'_>) -> Option<String> {
    if !ctx.graph.accounts.kind.contains(&HolderKind::Company) {
        return Some("needs an entities table with company holders (shell profile)".into());
    }
    None
}

/// Lower case, letters and digits only, single spaces: "Suite 5, Trident Chambers" and
/// "SUITE 5 TRIDENT CHAMBERS." match.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Cluster size per holder: the largest group of companies it shares a normalised
/// registered address or a director with (itself included).
fn clusters(ctx: &Context<'_>) -> Vec<usize> {
    let h = &ctx.dump.holders;
    let mut size = vec![1usize; h.len()];
    let mut by_address: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in 0..h.len() {
        if h.kind[i] == HolderKind::Company {
            if let Some(a) = &h.address[i] {
                let n = normalise(a);
                if !n.is_empty() {
                    by_address.entry(n).or_default().push(i);
                }
            }
        }
    }
    for members in by_address.values() {
        for &m in members {
            size[m] = size[m].max(members.len());
        }
    }
    let mut by_director: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for l in &ctx.dump.links {
        if l.relation == Relation::Director {
            // Either end may be the director; the company end is the one that is a company.
            let (d, c) =
                if h.kind.get(l.b as usize) == Some(&HolderKind::Company) { (l.a, l.b) } else { (l.b, l.a) };
            by_director.entry(d).or_default().push(c);
        }
    }
    for companies in by_director.values_mut() {
        companies.sort_unstable();
        companies.dedup();
        for &c in companies.iter() {
            size[c as usize] = size[c as usize].max(companies.len());
        }
    }
    size
}

/// Profiles of every company account (None for others), by node, under `[os3]`;
/// computed once per context. A profile reads the company's whole life: a part of the
/// dump reads the whole dump's, which it was handed ([`hand_to_part`]).
pub fn profiles<'c>(ctx: &'c Context<'_>) -> &'c [Option<ShellProfile>] {
    if let Some(handed) = ctx.handed_tables().and_then(|h| h.shells.as_deref()) {
        return handed;
    }
    debug_assert!(ctx.whole.is_none(), "a part reads the shell profiles it was handed");
    ctx.shared.shells.get_or_init(|| std::sync::Arc::new(compute(ctx, &ctx.config.os3)))
}

/// Hands a part of `whole`'s dump the whole dump's profiles, where the shell signal is
/// available (OS2 and OS3 read them).
pub fn hand_to_part(whole: &Context<'_>, handed: &mut Handed) {
    if handed.shells.is_none() && unavailable(whole).is_none() {
        profiles(whole);
        handed.shells = whole.shared.shells.get().cloned();
    }
}

fn compute(ctx: &Context<'_>, cfg: &Os3Config) -> Vec<Option<ShellProfile>> {
    let g = ctx.graph;
    let h = &ctx.dump.holders;
    let offshore_set = ctx.config.offshore_set();
    let cluster = clusters(ctx);
    (0..g.node_count() as u32)
        .into_par_iter()
        .with_min_len(1024)
        .map(|v| {
            let vi = v as usize;
            if g.accounts.kind[vi] != HolderKind::Company {
                return None;
            }
            let holder = g.accounts.holder[vi] as usize;
            // The company's own lists, read in order: by transfer id, every read of a
            // time, an amount or a counterparty waited on memory.
            let (into, out) = (g.in_list(v), g.out_list(v));
            let ins: Vec<usize> = (0..into.len()).filter(|&k| into.other[k] != v).collect();
            let outs: Vec<usize> = (0..out.len()).filter(|&k| out.other[k] != v).collect();
            let offshore = g.accounts.offshore[vi]
                || h.jurisdiction.get(holder).copied().flatten().is_some_and(|c| offshore_set.contains(&c));
            let first = ins.iter().map(|&k| into.time[k]).chain(outs.iter().map(|&k| out.time[k])).min();
            let young = match (h.incorporated_on.get(holder).copied().flatten(), first) {
                (Some(inc), Some(first)) => first - inc < days_to_seconds(cfg.max_age_days.get()),
                _ => false,
            };
            let total_in: f64 = ins.iter().map(|&k| into.amount[k]).sum();
            let total_out: f64 = outs.iter().map(|&k| out.amount[k]).sum();
            let ratio = total_out / total_in.max(1e-9);
            let pass_through = !ins.is_empty()
                && ratio >= cfg.min_pass_through.get()
                && ratio <= 1.0 / cfg.min_pass_through.get()
                && {
                    let mut dwell = fifo_dwell_by(
                        ins.len(),
                        |i| (into.time[ins[i]], into.amount[ins[i]]),
                        outs.len(),
                        |o| (out.time[outs[o]], out.amount[outs[o]]),
                        cfg.min_pass_through.get(),
                    );
                    dwell.sort_by(f64::total_cmp);
                    dwell[dwell.len() / 2] <= cfg.max_median_dwell_days.get() * DAY as f64
                };
            let c = &g.accounts.controller;
            let mut parties: Vec<u32> = ins
                .iter()
                .map(|&k| c[into.other[k] as usize])
                .chain(outs.iter().map(|&k| c[out.other[k] as usize]))
                .collect();
            parties.sort_unstable();
            parties.dedup();
            let few_counterparties = parties.len() <= cfg.max_counterparties.get();
            let mut person_payees: Vec<u32> = outs
                .iter()
                .map(|&k| out.other[k])
                .filter(|&d| g.accounts.kind[d as usize] == HolderKind::Person)
                .collect();
            person_payees.sort_unstable();
            person_payees.dedup();
            let no_operations =
                person_payees.len() < cfg.payroll_payees.get() && ins.len() < cfg.steady_receipts.get();
            let clustered = cluster.get(holder).copied().unwrap_or(1);
            let w = &cfg.weights;
            let score = w.offshore.get() * f64::from(u8::from(offshore))
                + w.young.get() * f64::from(u8::from(young))
                + w.pass_through.get() * f64::from(u8::from(pass_through))
                + w.few_counterparties.get() * f64::from(u8::from(few_counterparties))
                + w.no_operations.get() * f64::from(u8::from(no_operations))
                + w.cluster.get() * f64::from(u8::from(clustered >= cfg.min_cluster.get()));
            let total = w.offshore.get()
                + w.young.get()
                + w.pass_through.get()
                + w.few_counterparties.get()
                + w.no_operations.get()
                + w.cluster.get();
            Some(ShellProfile {
                offshore,
                young,
                pass_through,
                few_counterparties,
                no_operations,
                cluster: clustered,
                score: score / total.max(1e-9),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_match_after_normalising() {
        assert_eq!(normalise("Suite 5, Trident Chambers,  VG"), normalise("SUITE 5 trident chambers. vg"));
        assert_ne!(normalise("Suite 5, Trident Chambers"), normalise("Suite 6, Trident Chambers"));
    }
}

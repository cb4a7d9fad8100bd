//! Leads: hits that share a central account (the hub, shell, member... a hit is about),
//! come close in time and show the same money there are merged (union-find) into one
//! lead, scored and ranked. Counterparties such as customers and payees do not merge
//! hits: residents who turn up in two unrelated cases would otherwise chain them into
//! one unreadable lead; nor does an account that two operations use in the same days
//! for money of their own.
//!
//! # How leads are scored
//! Each hit carries a strength in (0, 1] (how far past its thresholds it sits). Per
//! pattern, the lead's evidence is the noisy-OR of its hits' strengths,
//! `e_p = 1 - Π(1 - s_i)`, so independent repeats add up but never pass 1. Patterns
//! combine by a weighted noisy-OR, `E = 1 - Π_p(1 - w_p · e_p)`, with `w_p` from
//! `[scoring.pattern_weights]`. The amount factor
//! `A = min(1, log10(1 + amount / unit) / log10(1 + reference_amount / unit))` favours
//! leads that move more money, with amounts counted in `amount_unit` (a thousandth of the
//! dump's median transfer), so that ranks do not depend on the currency unit. A lead that
//! touches an account whose OS3 shell score `S` reaches
//! `os2.min_shell_score` gets one more noisy-OR term, `1 - shell_weight · S` (unless it
//! holds an OS3 hit already). `score = 100 · E · (0.5 + 0.5 · A)`. Ties rank by amount, then by the
//! smallest account id, so ranks are stable.

mod cases;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::config::params::{Count, Days, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::{Context, Hit, Role};
use crate::graph::FlowGraph;
use crate::model::Dump;
use crate::pattern::Pattern;
use serde::{Deserialize, Serialize};

/// Lead scoring parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringConfig {
    /// Weight per pattern (an unknown code is an error).
    pub pattern_weights: BTreeMap<Pattern, Share>,
    /// Weight of a pattern without an entry.
    pub default_weight: Share,
    /// Amount at which the amount factor reaches 1.
    pub reference_amount: AmountFloor,
    /// What the amount factor counts amounts in: a share of one of the dump's transfers,
    /// so that the factor, and the ranks, read the same in any currency unit.
    pub amount_unit: AmountFloor,
    /// Weight of the strongest shell profile among a lead's accounts.
    pub shell_weight: Share,
    /// Hits sharing central accounts that add up to more accounts than this are split
    /// into leads of at most this many (a single larger hit stays whole).
    pub max_lead_accounts: Count<2>,
    /// Hits on the same central account join one lead when their spans in time overlap
    /// or come within this many days of each other; further apart, they are separate
    /// operations through a reused account, each its own lead.
    pub same_case_within_days: Days,
}

/// One account's part in a lead.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadAccount {
    /// Graph node.
    pub account: u32,
    /// `(pattern, role)` pairs, sorted.
    pub roles: BTreeSet<(Pattern, Role)>,
    /// Received within the lead's hits (each transfer counted once).
    pub amount_in: f64,
    /// Sent within the lead's hits (each transfer counted once).
    pub amount_out: f64,
}

/// A ranked, explained candidate case.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    /// `L` and ten hex digits, from the case's central accounts and patterns: stable
    /// across runs (rank is its own column).
    pub id: String,
    /// 1 = most urgent.
    pub rank: usize,
    /// See the module docs.
    pub score: f64,
    /// Pattern ids present, sorted.
    pub patterns: Vec<Pattern>,
    /// Accounts, sorted by node.
    pub accounts: Vec<LeadAccount>,
    /// `(edge, pattern)` proving transfers, sorted.
    pub transfers: Vec<(u32, Pattern)>,
    /// The value that entered the lead's patterns (base currency): per pattern, the sum
    /// of its hits' amounts; the largest of those, since several patterns of one lead
    /// describe the same money.
    pub total_amount: f64,
    /// Sum of the distinct proving transfers over every hop (base currency).
    pub gross_amount: f64,
    /// Earliest proving transfer.
    pub first_seen: i64,
    /// Latest proving transfer.
    pub last_seen: i64,
    /// Reasons of the strongest hits.
    pub summary: String,
    /// Every hit of the lead, strongest first (lead_hits.csv).
    pub hits: Vec<LeadHit>,
    /// Number of hits merged.
    pub hit_count: usize,
    /// Controller groups (of two or more linked holders) the lead touches, each named by
    /// its most linked holder.
    pub controllers: Vec<String>,
    /// Highest OS3 shell score among its accounts (0 when none looks like a shell).
    pub shell_score: f64,
}

/// One hit of a lead, with its reason: every reason stays readable in lead_hits.csv and
/// explain, not only the few the summary quotes.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadHit {
    /// The pattern.
    pub pattern: Pattern,
    /// How clearly it is present, in (0, 1].
    pub strength: f64,
    /// Amount it moved (base currency).
    pub amount: f64,
    /// Earliest proving transfer.
    pub first_seen: i64,
    /// Latest proving transfer.
    pub last_seen: i64,
    /// The detector's reason, with its numbers.
    pub reason: String,
}

/// Most hit reasons quoted in a lead's summary.
const SUMMARY_REASONS: usize = 3;

/// Merges hits into ranked leads; `ctx` is the detection context the hits came from.
pub fn build(hits: &[Hit], ctx: &Context<'_>) -> Vec<Lead> {
    let (graph, dump, config) = (ctx.graph, ctx.dump, ctx.config);
    let gap = crate::units::days_to_seconds(config.scoring.same_case_within_days.get());
    let groups: Vec<(Vec<usize>, Option<Split>)> = cases::same_case(hits, gap, keys)
        .into_iter()
        .flat_map(|idx| split(idx, hits, config.scoring.max_lead_accounts.get()))
        .collect();
    let shell: Vec<f64> = match crate::detect::search::shell_profile::unavailable(ctx) {
        Some(_) => Vec::new(),
        None => crate::detect::search::shell_profile::profiles(ctx)
            .iter()
            .map(|p| p.map_or(0.0, |p| p.score))
            .collect(),
    };
    let names = controller_names(graph, dump);
    // Each group is merged on its own, on every thread; collected in group order.
    let mut leads: Vec<Lead> = groups
        .into_par_iter()
        .map(|(idx, part)| {
            let mut lead = merge(&idx, hits, graph, config, &shell, &names);
            match part {
                // One part is one hit, larger than the limit on its own: a case that
                // splitting would only cut apart.
                Some(p) if p.parts == 1 => lead.summary.push_str(&format!(
                    " | (one hit over {} accounts, above the {}-account limit: one case, kept whole)",
                    p.accounts,
                    config.scoring.max_lead_accounts.get()
                )),
                Some(p) => lead.summary.push_str(&format!(
                    " | (part {} of {}: {} hits over {} accounts shared central accounts and were split into leads of at most {})",
                    p.part, p.parts, p.hits, p.accounts, config.scoring.max_lead_accounts.get()
                )),
                None => {}
            }
            lead
        })
        .collect();
    let name = |l: &Lead| {
        l.accounts.iter().map(|a| dump.accounts.ids[a.account as usize].as_str()).min().unwrap_or("")
    };
    leads.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.total_amount.total_cmp(&a.total_amount))
            .then_with(|| name(a).cmp(name(b)))
    });
    // Hashed on every thread; numbered apart in rank order below.
    let ids: Vec<String> = leads.par_iter().map(|l| stable_id(l, dump)).collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for ((k, l), id) in leads.iter_mut().enumerate().zip(ids) {
        l.rank = k + 1;
        let n = seen.entry(id.clone()).or_insert(0);
        *n += 1;
        // Two leads on the very same central accounts and patterns (parts of a split
        // group can be) keep the id apart in rank order.
        l.id = if *n == 1 { id } else { format!("{id}-{n}") };
    }
    leads
}

/// A lead's id, from what the case is: its central accounts (all its accounts when it
/// has none) and its patterns, hashed. The same case keeps its id across runs, thread
/// counts and configuration changes that move its rank, so a reviewer's marks survive
/// a rerun.
fn stable_id(lead: &Lead, dump: &Dump) -> String {
    use sha2::{Digest, Sha256};
    let central = |a: &&LeadAccount| a.roles.iter().any(|(_, r)| r.is_central());
    let mut ids: Vec<&str> = lead
        .accounts
        .iter()
        .filter(central)
        .map(|a| dump.accounts.ids[a.account as usize].as_str())
        .collect();
    if ids.is_empty() {
        ids = lead.accounts.iter().map(|a| dump.accounts.ids[a.account as usize].as_str()).collect();
    }
    ids.sort_unstable();
    let mut h = Sha256::new();
    for p in &lead.patterns {
        h.update(p.code().as_bytes());
        h.update([0]);
    }
    h.update([1]);
    for id in ids {
        h.update(id.as_bytes());
        h.update([0]);
    }
    format!("L{}", &crate::config::hex(&h.finalize())[..10])
}

/// The accounts a hit is merged on: its central accounts (hubs, shells, members...), or
/// all of them when it has none. Customers and payees shared by chance do not chain
/// unrelated cases into one lead; the accounts a case is about do.
fn keys(h: &Hit) -> Vec<u32> {
    let central: Vec<u32> = h.accounts.iter().filter(|a| a.role.is_central()).map(|a| a.account).collect();
    if central.is_empty() {
        h.accounts.iter().map(|a| a.account).collect()
    } else {
        central
    }
}

/// Where a part of a split group came from.
#[derive(Debug, Clone, Copy)]
struct Split {
    part: usize,
    parts: usize,
    hits: usize,
    accounts: usize,
}

/// Splits a group of hits (indices, ascending) that share central accounts when it holds
/// more than `max` accounts: strongest hits first, each joins the first part it shares a
/// central account with and that stays within `max`, or starts a part of its own. A
/// chain of cases joined by residents of both becomes one lead per case again.
fn split(idx: Vec<usize>, hits: &[Hit], max: usize) -> Vec<(Vec<usize>, Option<Split>)> {
    let accounts_of = |i: usize| hits[i].accounts.iter().map(|a| a.account).collect::<BTreeSet<u32>>();
    let all: BTreeSet<u32> = idx.iter().flat_map(|&i| accounts_of(i)).collect();
    if all.len() <= max {
        return vec![(idx, None)];
    }
    let mut order = idx.clone();
    order.sort_by(|&a, &b| {
        hits[b]
            .strength
            .total_cmp(&hits[a].strength)
            .then(hits[b].amount.total_cmp(&hits[a].amount))
            .then(a.cmp(&b))
    });
    let mut parts: Vec<(Vec<usize>, BTreeSet<u32>, BTreeSet<u32>)> = Vec::new();
    for i in order {
        let (accounts, central): (BTreeSet<u32>, BTreeSet<u32>) =
            (accounts_of(i), keys(&hits[i]).into_iter().collect());
        let fits = parts
            .iter_mut()
            .find(|(_, acc, keys)| !keys.is_disjoint(&central) && acc.union(&accounts).count() <= max);
        match fits {
            Some((members, acc, keys)) => {
                members.push(i);
                acc.extend(accounts);
                keys.extend(central);
            }
            None => parts.push((vec![i], accounts, central)),
        }
    }
    let n = parts.len();
    let mut parts: Vec<Vec<usize>> = parts
        .into_iter()
        .map(|(mut members, _, _)| {
            members.sort_unstable();
            members
        })
        .collect();
    parts.sort();
    parts
        .into_iter()
        .enumerate()
        .map(|(k, members)| {
            (members, Some(Split { part: k + 1, parts: n, hits: idx.len(), accounts: all.len() }))
        })
        .collect()
}

/// Label per controller group of two or more holders: its most linked holder's id.
fn controller_names(g: &FlowGraph, dump: &Dump) -> BTreeMap<u32, String> {
    use crate::graph::NO_HOLDER;
    let mut degree = vec![0usize; dump.holders.len()];
    for l in &dump.links {
        degree[l.a as usize] += 1;
        degree[l.b as usize] += 1;
    }
    // Per group (its id is an account's index): its most linked holder and whether it has
    // a second one, in vectors by account. A tree map per group was a tree insertion
    // per account, on one thread, before any lead was merged (0.15 s at 10M transfers).
    let n = g.node_count();
    let mut best: Vec<Option<(usize, std::cmp::Reverse<u32>)>> = vec![None; n];
    let mut first_holder = vec![NO_HOLDER; n];
    let mut several = vec![false; n];
    for v in 0..n {
        let h = g.accounts.holder[v];
        let c = g.accounts.controller[v] as usize;
        if h == NO_HOLDER || c >= n {
            continue;
        }
        if first_holder[c] == NO_HOLDER {
            first_holder[c] = h;
        } else if first_holder[c] != h {
            several[c] = true;
        }
        let cand = (degree.get(h as usize).copied().unwrap_or(0), std::cmp::Reverse(h));
        match &mut best[c] {
            Some(e) if cand > *e => *e = cand,
            Some(_) => {}
            empty => *empty = Some(cand),
        }
    }
    (0..n)
        .filter(|&c| several[c])
        .filter_map(|c| {
            best[c].map(|(_, std::cmp::Reverse(h))| (c as u32, dump.holders.ids[h as usize].clone()))
        })
        .collect()
}

fn merge(
    idx: &[usize],
    hits: &[Hit],
    g: &FlowGraph,
    config: &Config,
    shell: &[f64],
    controllers: &BTreeMap<u32, String>,
) -> Lead {
    let mut accounts: BTreeMap<u32, LeadAccount> = BTreeMap::new();
    let mut transfers = BTreeSet::new();
    let mut per_pattern: BTreeMap<Pattern, f64> = BTreeMap::new();
    let mut entered: BTreeMap<Pattern, f64> = BTreeMap::new();
    for &i in idx {
        let h = &hits[i];
        for a in &h.accounts {
            accounts
                .entry(a.account)
                .or_insert_with(|| LeadAccount {
                    account: a.account,
                    roles: BTreeSet::new(),
                    amount_in: 0.0,
                    amount_out: 0.0,
                })
                .roles
                .insert((h.pattern, a.role));
        }
        for &e in &h.transfers {
            transfers.insert((e, h.pattern));
        }
        let miss = per_pattern.entry(h.pattern).or_insert(1.0);
        *miss *= 1.0 - h.strength;
        *entered.entry(h.pattern).or_insert(0.0) += h.amount;
    }
    let edges: BTreeSet<u32> = transfers.iter().map(|(e, _)| *e).collect();
    let mut gross = 0.0;
    for &e in &edges {
        let (s, d, a) = (g.src[e as usize], g.dst[e as usize], g.amount[e as usize]);
        gross += a;
        if let Some(x) = accounts.get_mut(&s) {
            x.amount_out += a;
        }
        if let Some(x) = accounts.get_mut(&d) {
            x.amount_in += a;
        }
    }
    // A shell that takes part in the lead raises it (OS3 as a weight), unless the lead
    // already counts it as an OS3 hit.
    let shell_score = accounts
        .keys()
        .map(|&v| shell.get(v as usize).copied().unwrap_or(0.0))
        .filter(|&s| s >= config.os2.min_shell_score.get())
        .fold(0.0f64, f64::max);
    let shell_term = if per_pattern.contains_key(&Pattern::Os3) {
        1.0
    } else {
        1.0 - config.scoring.shell_weight.get() * shell_score
    };
    let evidence = 1.0
        - shell_term
            * per_pattern
                .iter()
                .map(|(p, miss)| 1.0 - config.pattern_weight(*p) * (1.0 - miss))
                .product::<f64>();
    let controller_labels: BTreeSet<&String> =
        accounts.keys().filter_map(|&v| controllers.get(&g.accounts.controller[v as usize])).collect();
    // Counted in the dump's own unit: in currency units, the same leads ranked otherwise
    // in cents than in dollars, the factor flatter the smaller the unit.
    let unit = g.scale.floor(config.scoring.amount_unit).max(f64::MIN_POSITIVE);
    let reference = (1.0 + g.scale.floor(config.scoring.reference_amount) / unit).log10().max(f64::EPSILON);
    let total = entered.values().copied().fold(0.0, f64::max);
    let amount_factor = ((1.0 + total / unit).log10() / reference).clamp(0.0, 1.0);
    let score = 100.0 * evidence * (0.5 + 0.5 * amount_factor);
    let mut strongest: Vec<&Hit> = idx.iter().map(|&i| &hits[i]).collect();
    strongest.sort_by(|a, b| b.strength.total_cmp(&a.strength).then(b.amount.total_cmp(&a.amount)));
    let mut summary: Vec<String> =
        strongest.iter().take(SUMMARY_REASONS).map(|h| format!("{}: {}", h.pattern, h.reason)).collect();
    if idx.len() > SUMMARY_REASONS {
        summary.push(format!("(+{} more hits in lead_hits.csv)", idx.len() - SUMMARY_REASONS));
    }
    let lead_hits = strongest
        .iter()
        .map(|h| LeadHit {
            pattern: h.pattern,
            strength: h.strength,
            amount: h.amount,
            first_seen: h.first_seen,
            last_seen: h.last_seen,
            reason: h.reason.clone(),
        })
        .collect();
    Lead {
        id: String::new(),
        rank: 0,
        score,
        patterns: per_pattern.keys().copied().collect(),
        accounts: accounts.into_values().collect(),
        first_seen: edges.first().map(|&e| g.time[e as usize]).unwrap_or(0),
        last_seen: edges.last().map(|&e| g.time[e as usize]).unwrap_or(0),
        transfers: transfers.into_iter().collect(),
        total_amount: total,
        gross_amount: gross,
        summary: summary.join(" | "),
        hits: lead_hits,
        hit_count: idx.len(),
        controllers: controller_labels.into_iter().cloned().collect(),
        shell_score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;
    use crate::detect::HitBuilder;
    use crate::model::HolderKind;

    /// A hit on `accounts` proved by `edges`: each account's money in and out is its
    /// share of those transfers, as a detector's hit says.
    fn hit(g: &FlowGraph, pattern: Pattern, accounts: &[u32], edges: &[u32], strength: f64) -> Hit {
        let mut b = HitBuilder::default();
        for &a in accounts {
            let of = |side: &[u32]| -> f64 {
                edges.iter().filter(|&&e| side[e as usize] == a).map(|&e| g.amount[e as usize]).sum()
            };
            b.account(a, Role::Layer, of(&g.dst), of(&g.src));
        }
        for &e in edges {
            b.transfer(e);
        }
        b.finish(g, pattern, 1.0, strength, format!("{pattern} hit"))
    }

    #[test]
    fn a_group_of_linked_holders_is_named_by_its_most_linked_one() {
        // H1 - H2 - H3 linked in a chain: one group, named after H2 (two links). H4 and
        // H5, linked to each other only, tie on one link each: the first by id names
        // it. H6 holds two accounts alone: one holder, no group to name.
        let mut t = Tiny::new();
        for (account, holder) in [("A1", "H1"), ("A2", "H2"), ("A3", "H3"), ("A4", "H4"), ("A5", "H5")] {
            t.account(account, holder, "GB", HolderKind::Company);
        }
        t.account("A6", "H6", "GB", HolderKind::Person);
        t.account("A7", "H6", "GB", HolderKind::Person);
        t.link("H1", "H2");
        t.link("H2", "H3");
        t.link("H5", "H4");
        t.wire("A1", "A6", 1, 100.0);
        let g = t.graph();
        let names = controller_names(&g, &t.dump);
        let named = |account: &str| {
            let v = t.dump.accounts.index[account] as usize;
            names.get(&g.accounts.controller[v]).cloned()
        };
        assert_eq!(names.len(), 2, "{names:?}");
        for account in ["A1", "A2", "A3"] {
            assert_eq!(named(account).as_deref(), Some("H2"));
        }
        assert_eq!(named("A4").as_deref(), Some("H4"));
        assert_eq!(named("A5").as_deref(), Some("H4"));
        assert_eq!(named("A6"), None);
        assert_eq!(named("A7"), None);
    }

    #[test]
    fn hits_sharing_an_account_merge_and_rank_by_score() {
        let mut t = Tiny::new();
        t.wire("A", "B", 1, 1_000_000.0);
        t.wire("B", "C", 2, 900_000.0);
        t.wire("X", "Y", 3, 10.0);
        let g = t.graph();
        let id = |s: &str| t.dump.accounts.index[s];
        let hits = vec![
            hit(&g, Pattern::Ub1, &[id("A"), id("B")], &[0], 0.9),
            hit(&g, Pattern::Os1, &[id("B"), id("C")], &[1], 0.9),
            hit(&g, Pattern::Ub1, &[id("X"), id("Y")], &[2], 0.9),
        ];
        let leads = build(&hits, &Context::new(&g, &t.dump, &t.config));
        assert_eq!(leads.len(), 2);
        assert_eq!(leads[0].patterns, vec![Pattern::Os1, Pattern::Ub1]);
        assert_eq!(leads[0].accounts.len(), 3);
        // Each hit says one unit entered its pattern; both hops count in the gross.
        assert_eq!((leads[0].total_amount, leads[0].gross_amount), (1.0, 1_900_000.0));
        assert!(leads[0].id.starts_with('L') && leads[0].id.len() == 11, "{}", leads[0].id);
        assert!(leads[0].score > leads[1].score);
        // B received 1M and sent 0.9M within the lead.
        let b = leads[0].accounts.iter().find(|a| a.account == id("B")).unwrap();
        assert_eq!((b.amount_in, b.amount_out), (1_000_000.0, 900_000.0));
    }

    #[test]
    fn an_account_reused_months_apart_is_in_one_lead_per_operation() {
        use crate::detect::testkit::D;
        // HUB gathers in January (a fan-in) and passes the money on four days later
        // (UB4); in May it does the same for another operation.
        let mut t = Tiny::new();
        t.wire("S", "HUB", 10 * D, 5_000.0);
        t.wire("HUB", "Z", 14 * D, 5_000.0);
        t.wire("S2", "HUB", 130 * D, 7_000.0);
        t.wire("HUB", "Z2", 131 * D, 6_800.0);
        let g = t.graph();
        let id = |s: &str| t.dump.accounts.index[s];
        let hits = vec![
            hit(&g, Pattern::FanIn, &[id("HUB"), id("S")], &[0], 0.8),
            hit(&g, Pattern::Ub4, &[id("HUB"), id("Z")], &[1], 0.8),
            hit(&g, Pattern::FanIn, &[id("HUB"), id("S2")], &[2], 0.7),
            hit(&g, Pattern::Ub4, &[id("HUB"), id("Z2")], &[3], 0.7),
        ];
        let leads = build(&hits, &Context::new(&g, &t.dump, &t.config));
        assert_eq!(leads.len(), 2, "{leads:?}");
        assert!(leads.iter().all(|l| l.patterns == vec![Pattern::Ub4, Pattern::FanIn]), "{leads:?}");
        // With no limit on the gap, January's gathering and May's payout are one flow
        // through the account, and all four join into one lead.
        let mut config = t.config.clone();
        config.scoring.same_case_within_days = Days::try_from(1000.0).expect("days");
        assert_eq!(build(&hits, &Context::new(&g, &t.dump, &config)).len(), 1);
    }

    #[test]
    fn hits_on_one_account_join_only_when_they_show_the_same_money() {
        // In the same week HUB gathers from S1 and S2 and scatters to P1 and P2 (one
        // operation: what came in goes out), and is also a member of a loop HUB -> C ->
        // D -> HUB of a second operation, whose money is its own.
        let mut t = Tiny::new();
        t.wire("S1", "HUB", 1, 5_000.0);
        t.wire("S2", "HUB", 2, 5_000.0);
        t.wire("HUB", "P1", 3, 4_900.0);
        t.wire("HUB", "P2", 4, 4_900.0);
        t.wire("HUB", "C", 5, 9_000.0);
        t.wire("C", "D", 6, 8_800.0);
        t.wire("D", "HUB", 7, 8_600.0);
        let g = t.graph();
        let id = |s: &str| t.dump.accounts.index[s];
        let hits = vec![
            hit(&g, Pattern::FanIn, &[id("HUB"), id("S1"), id("S2")], &[0, 1], 0.8),
            hit(&g, Pattern::FanOut, &[id("HUB"), id("P1"), id("P2")], &[2, 3], 0.8),
            hit(&g, Pattern::Cycle, &[id("HUB"), id("C"), id("D")], &[4, 5, 6], 0.8),
        ];
        let leads = build(&hits, &Context::new(&g, &t.dump, &t.config));
        let patterns: BTreeSet<Vec<Pattern>> = leads.iter().map(|l| l.patterns.clone()).collect();
        let expected: BTreeSet<Vec<Pattern>> =
            [vec![Pattern::Cycle], vec![Pattern::FanIn, Pattern::FanOut]].into_iter().collect();
        assert_eq!(patterns, expected, "{leads:?}");
        // A second look at the loop over the same transfers is the same money, and
        // joins it.
        let mut more = hits.clone();
        more.push(hit(&g, Pattern::RandomWalk, &[id("HUB"), id("C"), id("D")], &[4, 5, 6], 0.5));
        let leads = build(&more, &Context::new(&g, &t.dump, &t.config));
        assert_eq!(leads.len(), 2, "{leads:?}");
        assert!(leads.iter().any(|l| l.patterns == vec![Pattern::Cycle, Pattern::RandomWalk]), "{leads:?}");
    }

    #[test]
    fn a_chain_of_cases_through_shared_accounts_is_split_into_one_lead_per_case() {
        let mut t = Tiny::new();
        for k in 0..40 {
            t.wire(&format!("A{k}"), &format!("B{k}"), k, 100.0);
        }
        let g = t.graph();
        let id = |s: String| t.dump.accounts.index[s.as_str()];
        // Four cases of 12 accounts; each shares one central account, and a transfer,
        // with the next.
        let hits: Vec<Hit> = (0..4)
            .map(|c| {
                let accounts: Vec<u32> = (0..12).map(|k| id(format!("A{}", c * 9 + k))).collect();
                hit(&g, Pattern::Cycle, &accounts, &[c as u32, c as u32 + 1], 0.9 - c as f64 * 0.1)
            })
            .collect();
        let mut config = t.config.clone();
        config.scoring.max_lead_accounts = crate::config::params::Count::try_from(20).unwrap();
        let leads = build(&hits, &Context::new(&g, &t.dump, &config));
        assert_eq!(leads.len(), 4);
        assert!(leads.iter().all(|l| l.accounts.len() == 12 && l.summary.contains("split")));
        // Under the limit, the chain stays one lead.
        config.scoring.max_lead_accounts = crate::config::params::Count::try_from(50).unwrap();
        let leads = build(&hits, &Context::new(&g, &t.dump, &config));
        assert_eq!(leads.len(), 1);
        assert!(!leads[0].summary.contains("split"));
    }

    #[test]
    fn one_case_larger_than_the_limit_is_kept_whole_and_says_so() {
        let mut t = Tiny::new();
        for k in 0..30 {
            t.wire(&format!("A{k}"), &format!("B{k}"), k, 100.0);
        }
        let g = t.graph();
        let accounts: Vec<u32> = (0..60).collect();
        let mut config = t.config.clone();
        config.scoring.max_lead_accounts = crate::config::params::Count::try_from(50).unwrap();
        let leads =
            build(&[hit(&g, Pattern::Ub4, &accounts, &[0, 1], 0.9)], &Context::new(&g, &t.dump, &config));
        assert_eq!(leads.len(), 1);
        assert_eq!(leads[0].accounts.len(), 60);
        assert!(
            leads[0]
                .summary
                .contains("one hit over 60 accounts, above the 50-account limit: one case, kept whole"),
            "{}",
            leads[0].summary
        );
        assert!(!leads[0].summary.contains("part 1 of 1"), "{}", leads[0].summary);
    }

    #[test]
    fn ranks_and_scores_read_the_same_in_any_currency_unit() {
        // The same dump in dollars, in cents and in thousands: three collectors whose hits
        // moved what their one transfer did.
        let ranked = |unit: f64| -> Vec<(String, f64)> {
            let mut t = Tiny::new();
            t.economy(500.0 * unit, 60, 200);
            for (k, amount) in [40_000.0, 900.0, 5_000.0].into_iter().enumerate() {
                t.wire(&format!("S{k}"), &format!("C{k}"), (k as i64 + 1) * 3_600, amount * unit);
            }
            let g = t.graph();
            let hits: Vec<Hit> = (0..3)
                .map(|k| {
                    let e = g.out_edges(t.dump.accounts.index[format!("S{k}").as_str()])[0];
                    let (src, dst) = (g.src[e as usize], g.dst[e as usize]);
                    let mut b = HitBuilder::default();
                    b.account(src, Role::Smurf, 0.0, g.amount[e as usize]);
                    b.account(dst, Role::Collector, g.amount[e as usize], 0.0);
                    b.transfer(e);
                    b.finish(&g, Pattern::Ub1, g.amount[e as usize], 0.7, "collector".to_owned())
                })
                .collect();
            build(&hits, &Context::new(&g, &t.dump, &t.config)).into_iter().map(|l| (l.id, l.score)).collect()
        };
        let dollars = ranked(1.0);
        // Not vacuous: the amount moved the ranks.
        assert!(dollars.windows(2).all(|w| w[0].1 > w[1].1), "{dollars:?}");
        for other in [ranked(100.0), ranked(0.001)] {
            assert_eq!(other.len(), dollars.len());
            for ((a, x), (b, y)) in dollars.iter().zip(&other) {
                assert_eq!(a, b);
                assert!((x - y).abs() < 1e-9, "{x} vs {y}");
            }
        }
    }

    #[test]
    fn repeated_evidence_raises_the_score_but_not_past_100() {
        let mut t = Tiny::new();
        t.wire("A", "B", 1, 1e9);
        let g = t.graph();
        let one = build(&[hit(&g, Pattern::Ub1, &[0, 1], &[0], 0.6)], &Context::new(&g, &t.dump, &t.config));
        let two = build(
            &[hit(&g, Pattern::Ub1, &[0, 1], &[0], 0.6), hit(&g, Pattern::Ub1, &[0, 1], &[0], 0.6)],
            &Context::new(&g, &t.dump, &t.config),
        );
        assert!(two[0].score > one[0].score);
        let many: Vec<Hit> = (0..50).map(|_| hit(&g, Pattern::Os1, &[0, 1], &[0], 1.0)).collect();
        assert!(build(&many, &Context::new(&g, &t.dump, &t.config))[0].score <= 100.0);
    }
}

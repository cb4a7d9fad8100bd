//! OS5 — shared control.
//!
//! ## What it finds
//! Holders tied by entity links of the configured types (director, shareholder, same
//! address, same phone, family), or by a registered address that only a handful of
//! companies share once case, whitespace and punctuation are normalised, are resolved
//! into one controller (union-find). Cross-border transfers among one controller's
//! accounts are flagged, with the controller named, when at least one of the accounts
//! involved deals mainly with its own group (a captive account, not an operating one).
//! Each flow is its own hit: accounts are one flow when one paid the other or their
//! holders are linked, not when a shared address alone joins them.
//!
//! ## Why it matters
//! Moving money among companies one person controls, across borders, is how transfer
//! mispricing, round-tripping and disguised ownership work; the links are the evidence
//! that the counterparties are not independent (FATF, *Guidance on Transparency and
//! Beneficial Ownership*, 2014; typologies.md OS5).
//!
//! ## Example
//! ```text
//! P (CN) ─director─ A (HK), ─shareholder─ B (VG), ─director─ C (SG)
//! P ─300,000─> A ─250,000─> B ─240,000─> C        A, B, C deal only with each other
//! ```
//!
//! ## Parameters
//! `[os5]`: `link_types` (all five), `max_address_group` (4: an address shared by more
//! companies is a registered agent's, an OS3 signal, not a controller),
//! `min_captive_share` (0.5 of an account's transfers within its group), `max_sweep_share`
//! (0.8: a group whose cross-border flows are mostly regular sweeps or a daily cash pool is left quiet), `min_amount`
//! (`p50` per flagged transfer).
//!
//! ## Look-alikes
//! A multinational sweeps cash to its real offshore subsidiary every month: both
//! companies trade with many others, so neither is captive. A treasury subsidiary that
//! deals only with its parent is captive, but what crosses the border is a calendar of
//! equal sweeps (and a few dividends back), not money following money. A group's master
//! account under zero balancing deals only with the group too, but with each company
//! both ways on most days ([`crate::graph::algo::cash_pool`]): that settlement counts
//! as treasury, as regular sweeps do. Family members abroad who
//! send each other money are persons with their own lives, not captive accounts.
//! Two controllers whose groups each have a shell at the same registered agent's small
//! office, and never pay each other, are two cases, not one.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::unionfind::UnionFind;
use rayon::prelude::*;

use crate::by_key::filed;
use crate::config::params::{Count, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::search::shell_profile::normalise;
use crate::detect::{Context, Detector, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::cash_pool::pooled_value;
use crate::graph::algo::standing::{on_a_calendar, Calendar};
use crate::model::{HolderKind, Relation};
use crate::pattern::Pattern;
use crate::units::{fmt_amount, DAY};
use serde::{Deserialize, Serialize};

/// Parameters of OS5 (shared control).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os5Config {
    /// Entity-link relations that tie holders into one controller.
    pub link_types: Vec<String>,
    /// Companies sharing a normalised registered address are one controller up to this
    /// many (more is a registered agent's address).
    pub max_address_group: Count<1>,
    /// An account is captive when this share of its transfers stays in its group.
    pub min_captive_share: Share,
    /// A group whose cross-border flows are at least this share (by value) of regular
    /// sweeps or daily cash-pool settlements is a treasury arrangement, left quiet.
    pub max_sweep_share: Share,
    /// Smallest flagged transfer, against the dump's amount distribution.
    pub min_amount: AmountFloor,
}

/// OS5 detector.
pub struct SharedControl;

impl Detector for SharedControl {
    fn lookback(&self, _: &Config) -> Lookback {
        Lookback::unbounded(
            "flows among one controller's accounts add up over the dump",
            &[Reads::AmountQuantiles, Reads::AccountHistory, Reads::Reference],
        )
    }

    fn pattern(&self) -> Pattern {
        Pattern::Os5
    }

    fn unavailable(&self, ctx: &Context<'_>) -> Option<String> {
        let has_address = ctx.dump.holders.address.iter().any(Option::is_some);
        if ctx.dump.links.is_empty() && !has_address {
            return Some("needs entity_links or registered addresses".into());
        }
        if ctx.graph.accounts.country.iter().all(Option::is_none) {
            return Some("needs account countries (cross-border flows)".into());
        }
        None
    }

    fn part_rule(&self, _config: &Config) -> Option<PartRule> {
        // A controller's flows and whether its accounts are captive are read over its
        // own accounts' transfers: a part holds whole controllers.
        Some(PartRule::Account { anchor: None })
    }

    fn account_groups(&self, ctx: &Context<'_>) -> Option<Vec<u32>> {
        let group = holder_groups(ctx, &ctx.config.os5, true);
        let holders = group.len() as u32;
        let g = ctx.graph;
        // An account without a holder is in no controller: a group of its own.
        Some(
            (0..g.node_count() as u32)
                .map(|v| {
                    group
                        .get(g.accounts.holder[v as usize] as usize)
                        .copied()
                        .unwrap_or(holders.saturating_add(v))
                })
                .collect(),
        )
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let cfg = &ctx.config.os5;
        let g = ctx.graph;
        let group = holder_groups(ctx, cfg, true);
        let linked = holder_groups(ctx, cfg, false);
        let of = |v: u32| {
            let h = g.accounts.holder[v as usize];
            group.get(h as usize).copied()
        };
        let linked_of = |v: u32| linked.get(g.accounts.holder[v as usize] as usize).copied();
        let min_amount = g.scale.floor(cfg.min_amount);
        // Intra-group transfers, by group: the dump read in parallel, then filed.
        let intra: Vec<(u32, u32)> = (0..g.edge_count())
            .into_par_iter()
            .with_min_len(4096)
            .filter_map(|e| {
                let (s, d) = (g.src[e], g.dst[e]);
                if s == d || g.amount[e] < min_amount {
                    return None;
                }
                match (of(s), of(d)) {
                    (Some(a), Some(b)) if a == b => Some((a, e as u32)),
                    _ => None,
                }
            })
            .collect();
        let by_group: BTreeMap<u32, Vec<u32>> = filed(intra);
        let mut degree = vec![0usize; ctx.dump.holders.len()];
        for l in &ctx.dump.links {
            degree[l.a as usize] += 1;
            degree[l.b as usize] += 1;
        }
        // Each linked group's most linked holder (the smallest on ties), in one pass: a
        // flow's controller is the most linked of those of the groups in it.
        let mut top: BTreeMap<u32, (usize, std::cmp::Reverse<usize>)> = BTreeMap::new();
        for (i, (&gid, &lid)) in group.iter().zip(&linked).enumerate() {
            if by_group.contains_key(&gid) {
                let key = (degree[i], std::cmp::Reverse(i));
                let e = top.entry(lid).or_insert(key);
                *e = (*e).max(key);
            }
        }
        let flows: Vec<(u32, Vec<u32>)> = by_group
            .into_iter()
            .flat_map(|(gid, edges)| flows(g, &edges, &linked_of).into_iter().map(move |flow| (gid, flow)))
            .collect();
        let hits = flows
            .par_iter()
            .filter_map(|(gid, edges)| {
                let h = hit(ctx, cfg, *gid, edges, &of)?;
                let holder = edges
                    .iter()
                    .flat_map(|&e| [g.src[e as usize], g.dst[e as usize]])
                    .filter_map(|v| linked_of(v).and_then(|lid| top.get(&lid)))
                    .max()
                    .map_or(*gid as usize, |t| t.1 .0);
                Some(named(ctx, h, holder as u32, &controller_name(ctx, holder)))
            })
            .collect();
        Outcome { hits, notes: Vec::new() }
    }
}

/// Puts the controller's name into the reason, and marks its own accounts.
fn named(ctx: &Context<'_>, mut h: Hit, top: u32, name: &str) -> Hit {
    h.reason = h.reason.replace("{controller}", name);
    for a in &mut h.accounts {
        if ctx.graph.accounts.holder[a.account as usize] == top {
            a.role = Role::Controller;
        }
    }
    h
}

/// A controller group's transfers (`edges`, ascending) as separate flows: accounts are
/// one flow when one paid the other, or when their holders are linked in the data
/// (`linked_of`), not when only a registered address joins them. Two small companies
/// at one address are one controller's; two groups that never pay each other, each
/// with a company at an address the other's shares, are two cases. Flows in order of
/// their first transfer.
fn flows(
    g: &crate::graph::FlowGraph,
    edges: &[u32],
    linked_of: &dyn Fn(u32) -> Option<u32>,
) -> Vec<Vec<u32>> {
    let mut index: BTreeMap<u32, usize> = BTreeMap::new();
    for &e in edges {
        for v in [g.src[e as usize], g.dst[e as usize]] {
            let next = index.len();
            index.entry(v).or_insert(next);
        }
    }
    let mut uf = UnionFind::<usize>::new(index.len().max(1));
    for &e in edges {
        uf.union(index[&g.src[e as usize]], index[&g.dst[e as usize]]);
    }
    let mut first_of_group: BTreeMap<u32, usize> = BTreeMap::new();
    for (&v, &k) in &index {
        if let Some(lid) = linked_of(v) {
            let first = *first_of_group.entry(lid).or_insert(k);
            uf.union(first, k);
        }
    }
    let mut by_root: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for &e in edges {
        by_root.entry(uf.find(index[&g.src[e as usize]])).or_default().push(e);
    }
    let mut flows: Vec<Vec<u32>> = by_root.into_values().collect();
    flows.sort_by_key(|f| f[0]);
    flows
}

/// Controller group per holder (the smallest holder index of the group): by the entity
/// links of the configured types and, when `addresses`, by a registered address only a
/// handful of companies share.
fn holder_groups(ctx: &Context<'_>, cfg: &Os5Config, addresses: bool) -> Vec<u32> {
    let h = &ctx.dump.holders;
    let types: Vec<Relation> = cfg.link_types.iter().filter_map(|t| Relation::parse(t)).collect();
    let mut uf = UnionFind::<u32>::new(h.len().max(1));
    for l in &ctx.dump.links {
        if types.contains(&l.relation) {
            uf.union(l.a, l.b);
        }
    }
    let mut by_address: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for i in (0..h.len()).filter(|_| addresses) {
        if h.kind[i] == HolderKind::Company {
            if let Some(a) = h.address[i].as_deref().map(normalise).filter(|a| !a.is_empty()) {
                by_address.entry(a).or_default().push(i as u32);
            }
        }
    }
    for members in by_address.values().filter(|m| m.len() > 1 && m.len() <= cfg.max_address_group.get()) {
        for w in members.windows(2) {
            uf.union(w[0], w[1]);
        }
    }
    let mut smallest = vec![u32::MAX; h.len()];
    for i in 0..h.len() as u32 {
        let r = uf.find(i) as usize;
        smallest[r] = smallest[r].min(i);
    }
    (0..h.len() as u32).map(|i| smallest[uf.find(i) as usize]).collect()
}

fn hit(
    ctx: &Context<'_>,
    cfg: &Os5Config,
    gid: u32,
    edges: &[u32],
    of: &(dyn Fn(u32) -> Option<u32> + Sync),
) -> Option<Hit> {
    let g = ctx.graph;
    let country = |v: u32| g.accounts.country[v as usize];
    let cross: Vec<u32> = edges
        .iter()
        .copied()
        .filter(|&e| {
            let (s, d) = (g.src[e as usize], g.dst[e as usize]);
            country(s).is_some() && country(d).is_some() && country(s) != country(d)
        })
        .collect();
    if cross.is_empty() {
        return None;
    }
    let accounts: BTreeSet<u32> =
        edges.iter().flat_map(|&e| [g.src[e as usize], g.dst[e as usize]]).collect();
    // Captive: most of the account's transfers stay inside its controller group.
    let captive = accounts.iter().any(|&v| {
        let all: Vec<u32> = g.in_edges(v).iter().chain(g.out_edges(v)).copied().collect();
        let inside = all
            .iter()
            .filter(|&&e| {
                let (s, d) = (g.src[e as usize], g.dst[e as usize]);
                of(s) == Some(gid) && of(d) == Some(gid)
            })
            .count();
        !all.is_empty() && inside as f64 >= cfg.min_captive_share.get() * all.len() as f64
    });
    if !captive {
        return None;
    }
    let total_cross: f64 = cross.iter().map(|&e| g.amount[e as usize]).sum();
    if sweeps(g, &cross) + pooled_value(g, &cross) >= cfg.max_sweep_share.get() * total_cross {
        return None;
    }
    let mut b = HitBuilder::default();
    let mut total = 0.0;
    for &e in edges {
        let (s, d, a) = (g.src[e as usize], g.dst[e as usize], g.amount[e as usize]);
        b.account(s, Role::Member, 0.0, a);
        b.account(d, Role::Member, a, 0.0);
        b.transfer(e);
    }
    for &e in &cross {
        total += g.amount[e as usize];
    }
    let mut countries: Vec<String> =
        accounts.iter().filter_map(|&v| country(v).map(|c| c.to_string())).collect();
    countries.sort();
    countries.dedup();
    let reason = format!(
        "controller {{controller}}: {} cross-border transfers ({}) among {} accounts it controls in {}",
        cross.len(),
        fmt_amount(total),
        accounts.len(),
        countries.join(", ")
    );
    let strength = (0.5 + 0.1 * cross.len() as f64).min(1.0);
    Some(b.finish(g, Pattern::Os5, total, strength, reason))
}

/// A treasury's regular sweeps: at least a week apart, each amount within 1% of the
/// typical one.
const SWEEPS: Calendar =
    Calendar { shortest_period: 7 * DAY, amount_fits: |a, typical| (a - typical).abs() <= 0.01 * typical };

/// The value of `edges` (time-sorted) that belongs to regular sweeps: three or more
/// transfers on one (sender, receiver) pair on a calendar of [`SWEEPS`]. That is how a
/// corporate group moves cash to a subsidiary month after month; laundering through
/// captive companies follows the money, not a calendar.
fn sweeps(g: &crate::graph::FlowGraph, edges: &[u32]) -> f64 {
    let mut by_pair: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
    for &e in edges {
        by_pair.entry((g.src[e as usize], g.dst[e as usize])).or_default().push(e);
    }
    by_pair
        .values()
        .filter(|series| {
            let times: Vec<i64> = series.iter().map(|&e| g.time[e as usize]).collect();
            let amounts: Vec<f64> = series.iter().map(|&e| g.amount[e as usize]).collect();
            on_a_calendar(&times, &amounts, &SWEEPS)
        })
        .flat_map(|series| series.iter().map(|&e| g.amount[e as usize]))
        .sum()
}

/// A controller's name and holder id, or its id alone.
fn controller_name(ctx: &Context<'_>, holder: usize) -> String {
    let h = &ctx.dump.holders;
    let id = h.ids.get(holder).map(String::as_str).unwrap_or("?");
    match h.name.get(holder).and_then(|n| n.as_deref()) {
        Some(n) => format!("{n} ({id})"),
        None => id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn group(t: &mut Tiny) {
        t.economy(50_000.0, 60, 60);
        t.person("P", "CN");
        t.company("A", "HK");
        t.company("B", "VG");
        t.company("C", "SG");
        for c in ["h-A", "h-B", "h-C"] {
            t.link("h-P", c);
        }
        t.wire("P", "A", 10 * D, 300_000.0);
        t.wire("A", "B", 12 * D, 250_000.0);
        t.wire("B", "C", 15 * D, 240_000.0);
    }

    #[test]
    fn cross_border_flows_of_one_controller_are_flagged_with_its_name() {
        let mut t = Tiny::new();
        group(&mut t);
        let hits = t.hits(&SharedControl);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].accounts.len(), 4);
        assert!(hits[0].reason.starts_with("controller h-P"), "{}", hits[0].reason);
        let p = t.dump.accounts.intern("P");
        assert!(hits[0].accounts.iter().any(|a| a.account == p && a.role == Role::Controller));
    }

    #[test]
    fn near_misses_do_not_fire() {
        // Unlinked companies.
        let mut t = Tiny::new();
        t.company("A", "HK");
        t.company("B", "VG");
        t.wire("A", "B", D, 300_000.0);
        assert!(t.hits(&SharedControl).is_empty());
        // A multinational and its operating subsidiary: neither is captive.
        let mut t = Tiny::new();
        t.company("PARENT", "US");
        t.company("SUB", "KY");
        t.link("h-PARENT", "h-SUB");
        for m in 0..6 {
            t.wire("PARENT", "SUB", m * 30 * D, 1_000_000.0);
            for k in 0..5 {
                t.wire("SUB", &format!("SUPPLIER{k}"), m * 30 * D + (k + 2) * D, 150_000.0);
                t.wire(&format!("CLIENT{k}"), "PARENT", m * 30 * D + (k + 3) * D, 250_000.0);
            }
        }
        assert!(t.hits(&SharedControl).is_empty());
    }

    /// A group's master account in DE and two trading subsidiaries in FR and NL, which
    /// it funds when short (`funded`) and sweeps up otherwise, every evening for two
    /// months. The master deals only with the group.
    fn cash_pool(funded: bool) -> Tiny {
        let mut t = Tiny::new();
        t.economy(20_000.0, 60, 60);
        t.company("MASTER", "DE");
        for (k, (sub, country)) in [("SUB_FR", "FR"), ("SUB_NL", "NL")].into_iter().enumerate() {
            t.company(sub, country);
            t.link("h-MASTER", &format!("h-{sub}"));
            for day in 0..60i64 {
                t.wire(&format!("CLIENT{k}_{}", day % 9), sub, day * D + 10 * H, 30_000.0);
                t.wire(sub, &format!("SUPPLIER{k}_{}", day % 4), day * D + 12 * H, 20_000.0);
                let net = 10_000.0 * ((day * 7 + k as i64 * 3) % 5 - 2) as f64;
                if net > 0.0 {
                    t.wire(sub, "MASTER", day * D + 18 * H, net);
                } else if net < 0.0 && funded {
                    t.wire("MASTER", sub, day * D + 18 * H, -net);
                }
            }
        }
        t
    }

    #[test]
    fn a_groups_daily_cash_pool_is_treasury() {
        assert!(
            cash_pool(true).hits(&SharedControl).is_empty(),
            "{:?}",
            cash_pool(true).hits(&SharedControl)
        );
        // Not vacuous: a captive account that only takes the group's money in, day after
        // day, is not a pool.
        assert_eq!(cash_pool(false).hits(&SharedControl).len(), 1);
    }

    /// A parent in US that trades with clients and suppliers, and its treasury company
    /// in LU, which deals only with the parent: six monthly sweeps of 2M in
    /// (`on_a_calendar`; otherwise sums of 1.2M to 2.8M on days that wander), and two
    /// dividends of 300k back.
    fn treasury(on_a_calendar: bool) -> Tiny {
        let mut t = Tiny::new();
        t.economy(50_000.0, 180, 120);
        t.company("PARENT", "US");
        t.company("TREASURY", "LU");
        t.link("h-PARENT", "h-TREASURY");
        for m in 0..6i64 {
            let (day, amount) = if on_a_calendar {
                (m * 30, 2_000_000.0)
            } else {
                (m * 30 + (m * 7) % 11, 1_200_000.0 + 160_000.0 * (m * m) as f64)
            };
            t.wire("PARENT", "TREASURY", day * D + 9 * H, amount);
            for k in 0..4i64 {
                t.wire(&format!("CLIENT{k}"), "PARENT", (m * 30 + 3 + k) * D, 700_000.0);
                t.wire("PARENT", &format!("SUPPLIER{k}"), (m * 30 + 10 + k) * D, 400_000.0);
            }
        }
        t.wire("TREASURY", "PARENT", 95 * D, 300_000.0);
        t.wire("TREASURY", "PARENT", 175 * D, 300_000.0);
        t
    }

    #[test]
    fn a_treasury_company_on_a_calendar_and_relatives_abroad_are_no_shared_control() {
        // Look-alike: a treasury company that deals only with its parent is captive, but
        // what crosses the border is a calendar of equal sweeps and two dividends back.
        let t = treasury(true);
        assert!(t.hits(&SharedControl).is_empty(), "{:?}", t.hits(&SharedControl));
        // Not vacuous: the same captive account taking sums that follow no calendar is
        // the group moving money across the border.
        assert_eq!(treasury(false).hits(&SharedControl).len(), 1);
        // Look-alike: linked relatives in three countries who send each other money are
        // persons with lives of their own, not captive accounts.
        let mut t = Tiny::new();
        t.economy(5_000.0, 120, 120);
        for (p, country) in [("MOTHER", "CN"), ("SON", "CA"), ("DAUGHTER", "AU")] {
            t.person(p, country);
        }
        t.link("h-MOTHER", "h-SON");
        t.link("h-MOTHER", "h-DAUGHTER");
        for m in 0..4i64 {
            t.wire("MOTHER", "SON", (m * 30 + 2) * D, 20_000.0);
            t.wire("MOTHER", "DAUGHTER", (m * 30 + 5) * D, 15_000.0);
            t.wire("SON", "DAUGHTER", (m * 30 + 9) * D, 3_000.0);
            for k in 0..6i64 {
                t.wire("SON", &format!("SHOP_CA{k}"), (m * 30 + 3 + 4 * k) * D, 800.0);
                t.wire("DAUGHTER", &format!("SHOP_AU{k}"), (m * 30 + 6 + 4 * k) * D, 700.0);
                t.wire(&format!("EMPLOYER{k}"), "MOTHER", (m * 30 + 1 + 5 * k) * D, 4_000.0);
            }
        }
        assert!(t.hits(&SharedControl).is_empty(), "{:?}", t.hits(&SharedControl));
    }

    #[test]
    fn a_shared_address_resolves_after_normalising_and_rows_reversed() {
        let mut t = Tiny::new();
        t.company("A", "HK");
        t.company("B", "SG");
        let (a, b) = (t.dump.holders.intern("h-A") as usize, t.dump.holders.intern("h-B") as usize);
        t.dump.holders.address[a] = Some("12 Harbour Rd., Floor 3".into());
        t.dump.holders.address[b] = Some("12 HARBOUR RD FLOOR 3".into());
        t.wire("A", "B", D, 500_000.0);
        t.wire("B", "A", 3 * D, 480_000.0);
        t.reverse_rows();
        assert_eq!(t.hits(&SharedControl).len(), 1);
    }

    #[test]
    fn two_groups_that_only_share_an_agents_address_are_two_cases() {
        // Two controllers' groups, each moving money among its own companies, and each
        // with a company at one registered address (the same agent's small office):
        // the address makes them one controller in the data, but no money passes
        // between them, so each is its own flow, named after its own controller.
        let mut t = Tiny::new();
        t.economy(50_000.0, 60, 60);
        for (who, [a, b]) in [("P", ["A", "B"]), ("Q", ["C", "D"])] {
            t.person(who, "CN");
            t.company(a, "HK");
            t.company(b, "VG");
            t.link(&format!("h-{who}"), &format!("h-{a}"));
            t.link(&format!("h-{who}"), &format!("h-{b}"));
            t.wire(who, a, 10 * D, 300_000.0);
            t.wire(a, b, 12 * D, 250_000.0);
        }
        for shell in ["h-B", "h-D"] {
            let h = t.dump.holders.intern(shell) as usize;
            t.dump.holders.address[h] = Some("Suite 4, 847 Main Street, Road Town".into());
        }
        let hits = t.hits(&SharedControl);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert!(hits.iter().all(|h| h.accounts.len() == 3), "{hits:?}");
        let names: Vec<&str> = hits.iter().map(|h| h.reason.split(':').next().unwrap_or("")).collect();
        assert_eq!(names, ["controller h-P", "controller h-Q"]);
        // Money between them makes them one flow again.
        t.wire("B", "D", 20 * D, 200_000.0);
        assert_eq!(t.hits(&SharedControl).len(), 1);
    }
}

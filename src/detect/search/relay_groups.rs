//! Scatter-gathers joined from gather-scatter hubs: hubs that each took money from the
//! same source and passed money on to the same target, read from the gather-scatter
//! motif's hits once every detector ran.
//!
//! typologies.md reports `u -> {w_i} -> v` when the intermediaries `N+(u) ∩ N-(v)` are
//! two or more. A relay that gathers from several sources and scatters to several
//! targets is a gather-scatter hub on its own; two such hubs that share a source and a
//! target are intermediaries of one scatter-gather, one case rather than two hubs,
//! whatever their amounts and delays (a scatter-gather whose legs the scatter-gather
//! search could not pair within its windows).
//!
//! Whether the shared source and target are a coincidence is weighed as for layers
//! joined from fans ([`super::fan_layers`]): a hub's `k` sources include a given `u`
//! about as often as the dump's accounts are paid by `u` ([`popularity_as_payer`]), and
//! its `l` targets a given `v` as often as the dump's accounts pay `v` ([`popularity`]).
//! For the hubs `W` that took from `u` and paid `v`, among the dump's `N` hubs, the
//! groups expected by chance are
//!
//! ```text
//! C(N, |W|) · Π_{w ∈ W} k_w · l_w · (p_u · p_v)^(|W| − 1)
//! ```
//!
//! the first hub's `u` and `v` picked among its own, and every other hub's landing on
//! them. Groups through several sources and targets that share `min_intermediaries`
//! hubs are one; groups that share fewer (one relay two cases used) stay apart. The
//! scatter-gather is the hubs with the sources and targets at least two of them share,
//! and the rest of each hub's relays around them.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::unionfind::UnionFind;

use crate::detect::{Hit, Role};
use crate::graph::algo::chance::{popularity, popularity_as_payer, subsets};
use crate::graph::FlowGraph;
use crate::pattern::Pattern;

/// A scatter-gather joined from gather-scatter hubs.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayGroup {
    /// Sources that paid two or more of its hubs, sorted.
    pub originators: Vec<u32>,
    /// The hubs, sorted.
    pub intermediaries: Vec<u32>,
    /// Targets that two or more of its hubs paid, sorted.
    pub targets: Vec<u32>,
    /// The hubs' transfers from its originators and to its targets, sorted.
    pub edges: Vec<u32>,
    /// The hubs' other relayed transfers (sources or targets of one hub alone), sorted.
    pub beside: Vec<u32>,
    /// Such groups expected by chance among the dump's hubs (the module's formula).
    pub expected_by_chance: f64,
}

/// One hub's relays: per source, the transfers it took from it; per target, those it
/// paid it.
#[derive(Debug, Default)]
struct Relays {
    ins: BTreeMap<u32, Vec<u32>>,
    outs: BTreeMap<u32, Vec<u32>>,
}

/// The scatter-gathers among `hits` (every detector's, in any order) joined from
/// gather-scatter hubs (and the intermediaries of scatter-gathers found already, so a
/// scatter-gather found in part joins the hubs of the rest): for a source `u` and a
/// target `v`, the hubs that took from `u` and paid `v`, at least
/// `min_intermediaries`, expected by chance at most `expected_by_chance` times; such
/// groups that share `min_intermediaries` hubs are one. A hub takes part in one at most:
/// the one with the most hubs, then the least likely. Sorted by intermediaries.
pub fn find<'h>(
    g: &FlowGraph,
    hits: impl IntoIterator<Item = &'h Hit>,
    min_intermediaries: usize,
    expected_by_chance: f64,
) -> Vec<RelayGroup> {
    let (relays, found) = relays_of(g, hits);
    let min = min_intermediaries.max(2);
    // Only sources and targets that `min` hubs share can make a group: a hub with
    // hundreds of each is not read pair by pair.
    let sources = shared(relays.values(), |r| &r.ins, min);
    let targets = shared(relays.values(), |r| &r.outs, min);
    // (source, target) -> the hubs that took from the one and paid the other.
    let mut through: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
    for (&hub, r) in &relays {
        for &u in r.ins.keys().filter(|u| sources.binary_search(u).is_ok()) {
            for &v in r.outs.keys().filter(|&&v| v != u && targets.binary_search(&v).is_ok()) {
                through.entry((u, v)).or_default().push(hub);
            }
        }
    }
    // Each source and target's hubs, when unlikely enough.
    let through: Vec<(Vec<u32>, f64)> = through
        .into_iter()
        .filter(|(_, hubs)| hubs.len() >= min)
        .map(|((u, v), hubs)| {
            let chance = chance(g, &relays, &hubs, u, v);
            (hubs, chance)
        })
        .filter(|&(_, chance)| chance <= expected_by_chance)
        .collect();
    // Groups that share `min` hubs or more are one: those hubs took from both sources and
    // paid both targets. Groups that share fewer (a relay two cases used) stay apart.
    let mut same = UnionFind::<usize>::new(through.len());
    let mut with_hub: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (k, (hubs, _)) in through.iter().enumerate() {
        for &h in hubs {
            with_hub.entry(h).or_default().push(k);
        }
    }
    for (k, (hubs, _)) in through.iter().enumerate() {
        let mut shared: BTreeMap<usize, usize> = BTreeMap::new();
        for h in hubs {
            for &j in with_hub[h].iter().filter(|&&j| j > k) {
                *shared.entry(j).or_default() += 1;
            }
        }
        for (j, n) in shared {
            if n >= min {
                same.union(k, j);
            }
        }
    }
    let mut merged: BTreeMap<usize, (BTreeSet<u32>, f64)> = BTreeMap::new();
    for (k, (hubs, chance)) in through.iter().enumerate() {
        let entry = merged.entry(same.find_mut(k)).or_insert_with(|| (BTreeSet::new(), 0.0));
        entry.0.extend(hubs);
        entry.1 = entry.1.max(*chance);
    }
    let mut candidates: Vec<(Vec<u32>, f64)> =
        merged.into_values().map(|(hubs, chance)| (hubs.into_iter().collect(), chance)).collect();
    candidates.sort_by(|(a, x), (b, y)| b.len().cmp(&a.len()).then(x.total_cmp(y)).then_with(|| a.cmp(b)));
    // A hub relays in one scatter-gather: a later one is read without the hubs taken.
    let mut taken: BTreeSet<u32> = BTreeSet::new();
    let mut kept: Vec<RelayGroup> = Vec::new();
    for (hubs, chance) in candidates {
        let free: Vec<u32> = hubs.into_iter().filter(|h| !taken.contains(h)).collect();
        if free.len() < min {
            continue;
        }
        let group = group(&relays, free, chance);
        // A scatter-gather found already, whole, is none to join.
        if found.iter().any(|sg| sg.holds_all(&group.edges)) {
            continue;
        }
        taken.extend(&group.intermediaries);
        kept.push(group);
    }
    kept.sort_by(|a, b| {
        (&a.intermediaries, &a.originators, &a.targets).cmp(&(&b.intermediaries, &b.originators, &b.targets))
    });
    kept
}

/// The scatter-gather of `hubs` (sorted): the sources and targets two or more of them
/// share, their transfers, and the rest of each hub's relays around them.
fn group(relays: &BTreeMap<u32, Relays>, hubs: Vec<u32>, expected_by_chance: f64) -> RelayGroup {
    let originators = shared(hubs.iter().map(|h| &relays[h]), |r| &r.ins, 2);
    let targets = shared(hubs.iter().map(|h| &relays[h]), |r| &r.outs, 2);
    let (mut edges, mut beside) = (Vec::new(), Vec::new());
    for h in &hubs {
        let r = &relays[h];
        for (side, kept) in [(&r.ins, &originators), (&r.outs, &targets)] {
            for (x, es) in side {
                let to = if kept.binary_search(x).is_ok() { &mut edges } else { &mut beside };
                to.extend(es.iter().copied());
            }
        }
    }
    edges.sort_unstable();
    beside.sort_unstable();
    RelayGroup { originators, intermediaries: hubs, targets, edges, beside, expected_by_chance }
}

/// The counterparties on one `side` of `relays` (sources or targets) that `at_least` of
/// them share, ascending.
fn shared<'r>(
    relays: impl Iterator<Item = &'r Relays>,
    side: fn(&Relays) -> &BTreeMap<u32, Vec<u32>>,
    at_least: usize,
) -> Vec<u32> {
    let mut count: BTreeMap<u32, usize> = BTreeMap::new();
    for r in relays {
        for &x in side(r).keys() {
            *count.entry(x).or_default() += 1;
        }
    }
    count.into_iter().filter(|&(_, n)| n >= at_least).map(|(x, _)| x).collect()
}

/// Groups like `hubs` through `u` and `v` expected by chance among the dump's hubs (see
/// the module's formula).
fn chance(g: &FlowGraph, relays: &BTreeMap<u32, Relays>, hubs: &[u32], u: u32, v: u32) -> f64 {
    let landing = popularity_as_payer(g, u, hubs) * popularity(g, v, hubs);
    let picks: f64 = hubs.iter().map(|h| (relays[h].ins.len() * relays[h].outs.len()) as f64).product();
    subsets(relays.len(), hubs.len()) * picks * landing.powi(hubs.len() as i32 - 1)
}

/// Per hub of the gather-scatter hits among `hits` (and per intermediary of the
/// scatter-gather hits), its relays; and the scatter-gathers' transfers.
fn relays_of<'h>(
    g: &FlowGraph,
    hits: impl IntoIterator<Item = &'h Hit>,
) -> (BTreeMap<u32, Relays>, Vec<&'h Hit>) {
    let mut relays: BTreeMap<u32, Relays> = BTreeMap::new();
    let mut found: Vec<&'h Hit> = Vec::new();
    for h in hits {
        let hub_role = match h.pattern {
            Pattern::GatherScatter => Role::Hub,
            Pattern::ScatterGather => {
                found.push(h);
                Role::Intermediary
            }
            _ => continue,
        };
        let hubs: BTreeSet<u32> =
            h.accounts.iter().filter(|a| a.role == hub_role).map(|a| a.account).collect();
        for &e in &h.transfers {
            let (src, dst) = (g.src[e as usize], g.dst[e as usize]);
            if hubs.contains(&dst) {
                relays.entry(dst).or_default().ins.entry(src).or_default().push(e);
            }
            if hubs.contains(&src) {
                relays.entry(src).or_default().outs.entry(dst).or_default().push(e);
            }
        }
    }
    for r in relays.values_mut() {
        for es in r.ins.values_mut().chain(r.outs.values_mut()) {
            es.sort_unstable();
            es.dedup();
        }
    }
    (relays, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};
    use crate::detect::HitBuilder;

    /// A gather-scatter hit on `hub` over every transfer it took or paid in `t`.
    fn hub_hit(t: &mut Tiny, g: &FlowGraph, hub: &str) -> Hit {
        let v = t.dump.accounts.intern(hub);
        let mut b = HitBuilder::default();
        for e in 0..g.edge_count() as u32 {
            let (s, d) = (g.src[e as usize], g.dst[e as usize]);
            if d == v {
                b.account(s, Role::Source, 0.0, 0.0);
            } else if s == v {
                b.account(d, Role::Destination, 0.0, 0.0);
            } else {
                continue;
            }
            b.account(v, Role::Hub, 0.0, 0.0);
            b.transfer(e);
        }
        b.finish(g, Pattern::GatherScatter, 0.0, 0.5, String::new())
    }

    /// Everyday traffic, and `hubs` relays that each take from a source of their own
    /// and from `U`, and pay a target of their own and `V`, a hub every few days.
    fn relays(hubs: usize, source: &str, target: &str) -> Tiny {
        let mut t = Tiny::new();
        t.noise(5, 80, 1_500, 120);
        t.span(120);
        for h in 0..hubs {
            let (hub, day) = (format!("W{h}"), 20 + 4 * h as i64);
            t.wire(source, &hub, day * D, 2_000.0);
            t.wire(&format!("OWNIN{h}"), &hub, day * D + H, 1_500.0);
            t.wire(&hub, target, (day + 2) * D, 1_800.0);
            t.wire(&hub, &format!("OWNOUT{h}"), (day + 2) * D + H, 1_400.0);
        }
        t
    }

    fn groups(t: &mut Tiny, hubs: usize) -> Vec<RelayGroup> {
        let g = t.graph();
        let hits: Vec<Hit> = (0..hubs).map(|h| hub_hit(t, &g, &format!("W{h}"))).collect();
        find(&g, &hits, 2, t.config.scatter_gather.expected_by_chance.get())
    }

    #[test]
    fn hubs_relaying_from_one_source_to_one_target_are_one_scatter_gather() {
        let mut t = relays(3, "U", "V");
        let found = groups(&mut t, 3);
        assert_eq!(found.len(), 1, "{found:?}");
        let sg = &found[0];
        assert_eq!((sg.originators.len(), sg.intermediaries.len(), sg.targets.len()), (1, 3, 1));
        assert_eq!((sg.edges.len(), sg.beside.len()), (6, 6));
    }

    #[test]
    fn hubs_that_share_a_popular_source_and_target_are_no_scatter_gather() {
        // Look-alike: two relays whose shared source is the town's employer and shared
        // target its busiest shop, which most of the dump deals with.
        let mut t = relays(2, "EMPLOYER", "SHOP");
        for k in 0..80 {
            t.wire("EMPLOYER", &format!("p{k}"), (k % 100) * D + 8 * H, 900.0);
            t.wire(&format!("p{k}"), "SHOP", (k % 100) * D + 18 * H, 60.0);
        }
        assert!(groups(&mut t, 2).is_empty());
    }

    #[test]
    fn hubs_sharing_a_source_alone_are_two_hubs() {
        let mut t = Tiny::new();
        t.noise(5, 80, 1_500, 120);
        t.span(120);
        for h in 0..2 {
            let hub = format!("W{h}");
            t.wire("U", &hub, (20 + h) * D, 2_000.0);
            t.wire(&format!("OWNIN{h}"), &hub, (20 + h) * D + H, 1_500.0);
            t.wire(&hub, &format!("V{h}"), (22 + h) * D, 1_800.0);
            t.wire(&hub, &format!("OWNOUT{h}"), (22 + h) * D + H, 1_400.0);
        }
        assert!(groups(&mut t, 2).is_empty());
    }

    #[test]
    fn two_cases_that_share_one_relay_stay_two() {
        // W0 relays for both: from U to V with W1 and W2, from X to Y with W3 and W4.
        let mut t = relays(3, "U", "V");
        for h in 3..5 {
            let hub = format!("W{h}");
            t.wire("X", &hub, (40 + h as i64) * D, 2_500.0);
            t.wire(&format!("OWNIN{h}"), &hub, (40 + h as i64) * D + H, 1_500.0);
            t.wire(&hub, "Y", (43 + h as i64) * D, 2_300.0);
            t.wire(&hub, &format!("OWNOUT{h}"), (43 + h as i64) * D + H, 1_400.0);
        }
        t.wire("X", "W0", 45 * D, 2_500.0);
        t.wire("W0", "Y", 47 * D, 2_300.0);
        let found = groups(&mut t, 5);
        let names =
            |vs: &[u32]| vs.iter().map(|&v| t.dump.accounts.ids[v as usize].to_string()).collect::<Vec<_>>();
        let cases: Vec<(Vec<String>, Vec<String>)> =
            found.iter().map(|sg| (names(&sg.originators), names(&sg.intermediaries))).collect();
        assert_eq!(
            cases,
            vec![
                (vec!["U".to_owned()], vec!["W0".to_owned(), "W1".into(), "W2".into()]),
                (vec!["X".to_owned()], vec!["W3".to_owned(), "W4".into()])
            ]
        );
    }
}

//! Layers joined from fans: several hubs whose fans each reached the same new
//! counterparties, read from the fan motifs' hits once every detector ran.
//!
//! A layer whose sources take turns (one pays every sink within a few days, the next a
//! week later, and so on for weeks) is no layer inside one window, but each of its
//! sources is a fan of new payees on its own. Two fans that reached the same two or more
//! payees are every source paying every sink: a bipartite layer, one case rather than
//! two fans. The same holds the other way, for sinks that each gathered from the same
//! new payers. A layer found in a window counts as fans of its sources (of its sinks,
//! the other way), so the rest of a layer a window caught in part joins it.
//!
//! Whether the shared counterparties are a coincidence is weighed by how popular they
//! are: a payment made without a habit to go on lands on an account as often as the
//! dump's accounts pay it ([`popularity`], [`popularity_as_payer`]). For a layer of
//! hubs `H` sharing the counterparties `S` (`m` of them), each hub `h` with `k_h` new
//! counterparties in its fans, the layers expected by chance among the dump's `N` fan
//! hubs are
//!
//! ```text
//! C(N, |H|) · (1 / m!) · Π_h k_h!/(k_h − m)! · (Π_{s ∈ S} p_s)^(|H| − 1)
//! ```
//!
//! the first hub's fan picking `S` among its own counterparties, and every other hub's
//! fan landing on each of them. Two neighbours whose fans both reached the same big
//! employer and the same shop share counterparties many pay; a layer's sinks are paid
//! by few besides its sources.

use std::collections::{BTreeMap, BTreeSet};

use crate::detect::search::bicliques::BipartiteConfig;
use crate::detect::search::fans::Fan;
use crate::detect::{Hit, Role};
use crate::graph::algo::chance::{popularity, popularity_as_payer, subsets};
use crate::graph::FlowGraph;
use crate::pattern::Pattern;

/// A layer joined from the fans of several hubs.
#[derive(Debug, Clone, PartialEq)]
pub struct FanLayer {
    /// Which way its fans point: out, hubs are the sources; in, hubs are the sinks.
    pub fan: Fan,
    /// The fans' hubs, sorted.
    pub hubs: Vec<u32>,
    /// The new counterparties every hub's fan reached, sorted.
    pub shared: Vec<u32>,
    /// Every hub's fan transfers with a shared counterparty, sorted.
    pub edges: Vec<u32>,
    /// The hubs' fan transfers with counterparties only one of them reached, sorted: the
    /// rest of each fan, which the layer explains with it.
    pub beside: Vec<u32>,
    /// Such layers expected by chance among the dump's fan hubs.
    pub expected_by_chance: f64,
}

impl FanLayer {
    /// Paying accounts, sorted.
    pub fn sources(&self) -> &[u32] {
        match self.fan {
            Fan::Out => &self.hubs,
            Fan::In => &self.shared,
        }
    }

    /// Paid accounts, sorted.
    pub fn sinks(&self) -> &[u32] {
        match self.fan {
            Fan::Out => &self.shared,
            Fan::In => &self.hubs,
        }
    }
}

/// The layers among `hits` joined from fans both ways: from fan-outs' sources, then
/// from fan-ins' sinks where no transfer of theirs is in a layer joined from sources (a
/// layer joined both ways is joined once). Each way sorted by hubs.
pub fn both_ways<'h>(
    g: &FlowGraph,
    hits: impl IntoIterator<Item = &'h Hit> + Clone,
    cfg: &BipartiteConfig,
) -> Vec<FanLayer> {
    let mut layers = find(g, hits.clone(), Fan::Out, cfg);
    let from_sources: BTreeSet<u32> = layers.iter().flat_map(|l| l.edges.iter().copied()).collect();
    layers.extend(
        find(g, hits, Fan::In, cfg).into_iter().filter(|l| l.edges.iter().all(|e| !from_sources.contains(e))),
    );
    layers
}

/// One hub's fans: its new counterparties and, per counterparty, the fan transfers with
/// it.
type Fans = BTreeMap<u32, BTreeMap<u32, Vec<u32>>>;

/// The layers among `hits` (every detector's, in any order) of fans pointing `fan`
/// (fan-out or fan-in hits): hubs that each reached at least `min_side` of the same new
/// counterparties, at least `min_side` hubs and `min_edges` transfers, moving the
/// dump's `min_amount` per transfer on average and expected by chance at most
/// `expected_by_chance` times. A hub takes part in one layer at most: the one with the
/// most transfers, then the least likely. Sorted by hubs.
pub fn find<'h>(
    g: &FlowGraph,
    hits: impl IntoIterator<Item = &'h Hit>,
    fan: Fan,
    cfg: &BipartiteConfig,
) -> Vec<FanLayer> {
    let (fans, found) = fans_of(g, hits, fan);
    let min_side = cfg.min_side.get();
    // Counterparty -> the hubs whose fans reached it.
    let mut reached_by: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (&hub, counterparts) in &fans {
        for &c in counterparts.keys() {
            reached_by.entry(c).or_default().push(hub);
        }
    }
    // Every set two hubs share, then every hub that reached all of it.
    let mut shared_sets: BTreeSet<Vec<u32>> = BTreeSet::new();
    for (&hub, counterparts) in &fans {
        let mut with: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for &c in counterparts.keys() {
            for &other in &reached_by[&c] {
                if other > hub {
                    with.entry(other).or_default().push(c);
                }
            }
        }
        shared_sets.extend(with.into_values().filter(|s| s.len() >= min_side));
    }
    let min_amount = g.scale.floor(cfg.min_amount);
    let mut layers: Vec<FanLayer> = shared_sets
        .into_iter()
        .filter_map(|shared| {
            let hubs: Vec<u32> = reached_by[&shared[0]]
                .iter()
                .copied()
                .filter(|h| shared.iter().all(|c| fans[h].contains_key(c)))
                .collect();
            let mut edges: Vec<u32> =
                hubs.iter().flat_map(|h| shared.iter().flat_map(|c| fans[h][c].iter().copied())).collect();
            edges.sort_unstable();
            let moved: f64 = edges.iter().map(|&e| g.amount[e as usize]).sum();
            if hubs.len() < min_side
                || edges.len() < cfg.min_edges.get()
                || moved < min_amount * edges.len() as f64
            {
                return None;
            }
            // A layer found already, whole, is no layer to join.
            if found.iter().any(|layer| layer.holds_all(&edges)) {
                return None;
            }
            let expected_by_chance = chance(g, &fans, &hubs, &shared, fan);
            (expected_by_chance <= cfg.expected_by_chance.get()).then_some(FanLayer {
                fan,
                hubs,
                shared,
                edges,
                beside: Vec::new(),
                expected_by_chance,
            })
        })
        .collect();
    // The largest layers first, then the least likely; a hub in one already kept is
    // taken.
    layers.sort_by(|a, b| {
        b.edges
            .len()
            .cmp(&a.edges.len())
            .then(a.expected_by_chance.total_cmp(&b.expected_by_chance))
            .then_with(|| (&a.hubs, &a.shared).cmp(&(&b.hubs, &b.shared)))
    });
    let mut taken: BTreeSet<u32> = BTreeSet::new();
    let mut kept: Vec<FanLayer> = Vec::new();
    for layer in layers {
        if layer.hubs.iter().all(|h| !taken.contains(h)) {
            taken.extend(&layer.hubs);
            kept.push(layer);
        }
    }
    for layer in &mut kept {
        layer.beside = layer
            .hubs
            .iter()
            .flat_map(|h| fans[h].iter().filter(|(c, _)| layer.shared.binary_search(c).is_err()))
            .flat_map(|(_, edges)| edges.iter().copied())
            .collect();
        layer.beside.sort_unstable();
    }
    kept.sort_by(|a, b| (&a.hubs, &a.shared).cmp(&(&b.hubs, &b.shared)));
    kept
}

/// Per hub of the fan hits pointing `fan` among `hits`, its fans' new counterparties and
/// the transfers with each; a hub's fans of several bursts together. A gather-scatter
/// hub's gather is a fan-in and its scatter a fan-out: the middle of two layers in a row
/// gathers from one and scatters to the other (a pass read from its hub's cut alone is
/// no burst of new counterparties, and no fan). The layers found
/// already (bipartite hits) count as fans of each account on their hubs' side, so a
/// layer that a window caught in part is joined whole; their transfers come back too.
fn fans_of<'h>(g: &FlowGraph, hits: impl IntoIterator<Item = &'h Hit>, fan: Fan) -> (Fans, Vec<&'h Hit>) {
    let pattern = match fan {
        Fan::Out => Pattern::FanOut,
        Fan::In => Pattern::FanIn,
    };
    let mut fans: Fans = BTreeMap::new();
    let mut layers: Vec<&'h Hit> = Vec::new();
    for h in hits {
        // A fan's hub, or every account on the hubs' side of a layer already found.
        let hub = if h.pattern == pattern || h.pattern == Pattern::GatherScatter && !h.by_share {
            match h.accounts.iter().find(|a| a.role == Role::Hub) {
                Some(a) => Some(a.account),
                None => continue,
            }
        } else if h.pattern == Pattern::Bipartite {
            layers.push(h);
            None
        } else {
            continue;
        };
        for &e in &h.transfers {
            let (src, dst) = (g.src[e as usize], g.dst[e as usize]);
            let (from, other) = match fan {
                Fan::Out => (src, dst),
                Fan::In => (dst, src),
            };
            if hub.is_none_or(|hub| hub == from) {
                fans.entry(from).or_default().entry(other).or_default().push(e);
            }
        }
    }
    for counterparts in fans.values_mut() {
        for edges in counterparts.values_mut() {
            edges.sort_unstable();
            edges.dedup();
        }
    }
    (fans, layers)
}

/// Layers like this one expected by chance among the fans' hubs (see the module's
/// formula).
fn chance(g: &FlowGraph, fans: &Fans, hubs: &[u32], shared: &[u32], fan: Fan) -> f64 {
    let m = shared.len();
    let landing: f64 = shared
        .iter()
        .map(|&c| match fan {
            Fan::Out => popularity(g, c, hubs),
            Fan::In => popularity_as_payer(g, c, hubs),
        })
        .product();
    // k!/(k − m)! = C(k, m) · m!, and the first hub's C(k, m): Π_h C(k_h, m) · m!^(|H|−1).
    let m_factorial: f64 = (2..=m).map(|j| j as f64).product();
    let picks: f64 = hubs.iter().map(|h| subsets(fans[h].len(), m)).product();
    let tries = subsets(fans.len(), hubs.len());
    let others = hubs.len() as i32 - 1;
    tries * picks * m_factorial.powi(others) * landing.powi(others)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};
    use crate::detect::HitBuilder;

    /// A fan hit of `pattern` on `hub` over the transfers `edges` (as the fan motifs make
    /// them: the hub, each counterparty, every transfer).
    fn fan_hit(g: &FlowGraph, pattern: Pattern, hub: u32, edges: &[u32]) -> Hit {
        let mut b = HitBuilder::default();
        for &e in edges {
            let (s, d) = (g.src[e as usize], g.dst[e as usize]);
            let (role, other) = if s == hub { (Role::Destination, d) } else { (Role::Source, s) };
            b.account(other, role, 0.0, 0.0);
            b.account(hub, Role::Hub, 0.0, 0.0);
            b.transfer(e);
        }
        b.finish(g, pattern, 0.0, 0.5, String::new())
    }

    /// Edges of `g` from `src` (by name) in the dump `t`.
    fn edges_from(t: &mut Tiny, g: &FlowGraph, src: &str) -> Vec<u32> {
        let v = t.dump.accounts.intern(src);
        (0..g.edge_count() as u32).filter(|&e| g.src[e as usize] == v).collect()
    }

    /// A dump of everyday traffic with `hubs` accounts that each pay the same `sinks`
    /// new payees 3,000 on consecutive days, one hub a week after the other.
    fn taking_turns(hubs: usize, sinks: usize) -> Tiny {
        let mut t = Tiny::new();
        t.noise(7, 80, 1_500, 120);
        t.span(120);
        for h in 0..hubs {
            for s in 0..sinks {
                t.wire(
                    &format!("HUB{h}"),
                    &format!("SINK{s}"),
                    (20 + 7 * h as i64 + s as i64) * D + H,
                    3_000.0,
                );
            }
        }
        t
    }

    fn layers_of(t: &mut Tiny, hubs: &[&str], fan: Fan) -> Vec<FanLayer> {
        let g = t.graph();
        let pattern = if fan == Fan::Out { Pattern::FanOut } else { Pattern::FanIn };
        let hits: Vec<Hit> = hubs
            .iter()
            .map(|h| {
                let v = t.dump.accounts.intern(h);
                let edges: Vec<u32> = (0..g.edge_count() as u32)
                    .filter(
                        |&e| if fan == Fan::Out { g.src[e as usize] == v } else { g.dst[e as usize] == v },
                    )
                    .collect();
                fan_hit(&g, pattern, v, &edges)
            })
            .collect();
        find(&g, &hits, fan, &t.config.bipartite)
    }

    #[test]
    fn sources_taking_turns_at_the_same_payees_are_one_layer() {
        let mut t = taking_turns(3, 4);
        // One of them also paid a payee of its own in its fan.
        t.wire("HUB1", "OWN", 28 * D, 3_000.0);
        let layers = layers_of(&mut t, &["HUB0", "HUB1", "HUB2"], Fan::Out);
        assert_eq!(layers.len(), 1, "{layers:?}");
        let l = &layers[0];
        assert_eq!((l.sources().len(), l.sinks().len(), l.edges.len(), l.beside.len()), (3, 4, 12, 1));
        assert!(l.expected_by_chance < 1e-3, "{}", l.expected_by_chance);
    }

    #[test]
    fn gather_scatter_hubs_that_scattered_to_the_same_payees_are_one_layer() {
        // Two middles of a stack, each busy with a life of its own: each gathered and
        // scattered to the same three new payees, a gather-scatter hub rather than a
        // bare fan-out.
        let mut t = taking_turns(2, 3);
        let g = t.graph();
        let hits: Vec<Hit> = ["HUB0", "HUB1"]
            .iter()
            .map(|h| {
                let v = t.dump.accounts.intern(h);
                let edges = edges_from(&mut t, &g, h);
                fan_hit(&g, Pattern::GatherScatter, v, &edges)
            })
            .collect();
        let layers = find(&g, &hits, Fan::Out, &t.config.bipartite);
        assert_eq!(layers.len(), 1, "{layers:?}");
        assert_eq!((layers[0].sources().len(), layers[0].sinks().len()), (2, 3));
        // A pass read from its hub's cut alone is no burst of new payees, and no fan.
        let cuts: Vec<Hit> = hits.into_iter().map(|h| Hit { by_share: true, ..h }).collect();
        assert!(find(&g, &cuts, Fan::Out, &t.config.bipartite).is_empty());
    }

    #[test]
    fn fans_with_one_payee_in_common_are_two_fans() {
        let mut t = taking_turns(2, 1);
        for h in 0..2 {
            for s in 0..3 {
                t.wire(&format!("HUB{h}"), &format!("OWN{h}{s}"), (60 + s) * D, 3_000.0);
            }
        }
        assert!(layers_of(&mut t, &["HUB0", "HUB1"], Fan::Out).is_empty());
    }

    #[test]
    fn fans_that_share_popular_payees_are_no_layer() {
        // Look-alike: two persons each paying new payees in a burst, two of them the
        // town's big employer's payroll account and its largest shop, which most of the
        // dump pays: sharing them is what everyone does.
        let mut t = taking_turns(0, 0);
        for k in 0..80 {
            t.wire(&format!("p{k}"), "SHOP", (k % 100) * D, 60.0);
            t.wire(&format!("p{k}"), "CLUB", (k % 90) * D + H, 40.0);
        }
        for h in 0..2 {
            for (s, payee) in ["SHOP", "CLUB", &format!("NEW{h}a"), &format!("NEW{h}b")].iter().enumerate() {
                t.wire(&format!("HUB{h}"), payee, (30 + 10 * h + s as i64) * D, 3_000.0);
            }
        }
        assert!(layers_of(&mut t, &["HUB0", "HUB1"], Fan::Out).is_empty());
    }

    #[test]
    fn sinks_gathering_from_the_same_new_payers_are_one_layer() {
        // The other way: each sink in turn receives from the same three payers.
        let mut t = Tiny::new();
        t.noise(7, 80, 1_500, 120);
        t.span(120);
        for s in 0..2 {
            for p in 0..3 {
                t.wire(&format!("PAYER{p}"), &format!("SINK{s}"), (20 + 9 * s + p) * D, 3_000.0);
            }
        }
        let layers = layers_of(&mut t, &["SINK0", "SINK1"], Fan::In);
        assert_eq!(layers.len(), 1, "{layers:?}");
        assert_eq!((layers[0].sources().len(), layers[0].sinks().len()), (3, 2));
    }

    #[test]
    fn a_hub_takes_part_in_one_layer() {
        let mut t = taking_turns(3, 4);
        let hubs = ["HUB0", "HUB1", "HUB2"];
        let g = t.graph();
        let mut hits = Vec::new();
        for h in hubs {
            let v = t.dump.accounts.intern(h);
            let edges = edges_from(&mut t, &g, h);
            // Each fan reported as two bursts of two payees.
            hits.push(fan_hit(&g, Pattern::FanOut, v, &edges[..2]));
            hits.push(fan_hit(&g, Pattern::FanOut, v, &edges[2..]));
        }
        let layers = find(&g, &hits, Fan::Out, &t.config.bipartite);
        assert_eq!(layers.len(), 1, "{layers:?}");
        assert_eq!(layers[0].edges.len(), 12);
    }
}

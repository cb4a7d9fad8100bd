//! The eight laundering motifs of the public synthetic AML datasets (AMLworld, AMLSim):
//! fan-out, fan-in, gather-scatter, scatter-gather, cycle, bipartite, stack, random.
//! Accounts are ordinary residents and amounts are moderate, as in those datasets.

use super::world::{World, DAY, HOME};
use super::{run_injectors, CaseBook, Inject, Injector, Tx};
use crate::model::Channel;
use crate::pattern::Pattern;

/// Runs every motif injector `per_pattern` times.
pub fn inject_all(world: &mut World, book: &mut CaseBook, txs: &mut Vec<Tx>, seed: u64, per_pattern: usize) {
    let injectors: [(u64, Inject); 8] = [
        (201, fan_out),
        (202, fan_in),
        (203, gather_scatter),
        (204, scatter_gather),
        (205, cycle),
        (206, bipartite),
        (207, stack),
        (208, random_walk),
    ];
    run_injectors(world, book, txs, seed, per_pattern, &injectors);
}

impl Injector<'_> {
    fn someone(&mut self) -> u32 {
        if self.uniform(0.0, 1.0) < 0.7 {
            self.resident(HOME)
        } else {
            self.world.person(&mut self.rng, None)
        }
    }

    fn within(&mut self, t0: i64, days: f64) -> i64 {
        t0 + (self.uniform(0.0, days) * DAY as f64) as i64
    }
}

fn fan_out(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::FanOut);
    let hub = j.someone();
    j.book.role(case, hub, "source");
    let t0 = j.start_within(10.0);
    for _ in 0..j.count(5, 15) {
        let d = j.someone();
        j.book.role(case, d, "target");
        let t = j.within(t0, 8.0);
        let amount = j.uniform(1_000.0, 15_000.0).round();
        j.tx(case, t, hub, d, amount, Channel::Wire);
    }
}

fn fan_in(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::FanIn);
    let hub = j.someone();
    j.book.role(case, hub, "target");
    let t0 = j.start_within(10.0);
    for _ in 0..j.count(5, 15) {
        let s = j.someone();
        j.book.role(case, s, "source");
        let t = j.within(t0, 8.0);
        let amount = j.uniform(1_000.0, 15_000.0).round();
        j.tx(case, t, s, hub, amount, Channel::Wire);
    }
}

fn gather_scatter(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::GatherScatter);
    let hub = j.someone();
    j.book.role(case, hub, "hub");
    let t0 = j.start_within(12.0);
    let mut total = 0.0;
    for _ in 0..j.count(4, 10) {
        let s = j.someone();
        j.book.role(case, s, "source");
        let amount = j.uniform(2_000.0, 12_000.0).round();
        total += amount;
        let t = j.within(t0, 5.0);
        j.tx(case, t, s, hub, amount, Channel::Wire);
    }
    let n = j.count(4, 10);
    for _ in 0..n {
        let d = j.someone();
        j.book.role(case, d, "target");
        let t = j.within(t0 + 5 * DAY, 5.0);
        let part = j.jitter(total / n as f64 * 0.95, 0.1).round();
        j.tx(case, t, hub, d, part, Channel::Wire);
    }
}

fn scatter_gather(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::ScatterGather);
    let (u, v) = (j.someone(), j.someone());
    j.book.role(case, u, "source");
    j.book.role(case, v, "target");
    let t0 = j.start_within(12.0);
    for _ in 0..j.count(3, 8) {
        let m = j.someone();
        j.book.role(case, m, "intermediary");
        let amount = j.uniform(2_000.0, 12_000.0).round();
        let t = j.within(t0, 4.0);
        j.tx(case, t, u, m, amount, Channel::Wire);
        let delay = j.hours(6.0, 6.0 * 24.0);
        let out = (amount * j.uniform(0.9, 0.99)).round();
        j.tx(case, t + delay, m, v, out, Channel::Wire);
    }
}

fn cycle(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Cycle);
    let n = j.count(3, 8);
    let nodes: Vec<u32> = (0..n).map(|_| j.someone()).collect();
    let t0 = j.start_within(n as f64 * 3.0 + 1.0);
    let mut amount = j.uniform(5_000.0, 50_000.0).round();
    let mut t = t0;
    for k in 0..n {
        j.book.role(case, nodes[k], "member");
        j.tx(case, t, nodes[k], nodes[(k + 1) % n], amount, Channel::Wire);
        t += j.hours(2.0, 72.0);
        amount = (amount * j.uniform(0.93, 0.995)).round();
    }
}

fn bipartite(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Bipartite);
    let left: Vec<u32> = (0..j.count(2, 5)).map(|_| j.someone()).collect();
    let right: Vec<u32> = (0..j.count(2, 5)).map(|_| j.someone()).collect();
    let t0 = j.start_within(6.0);
    for &a in &left {
        j.book.role(case, a, "source");
        for &b in &right {
            j.book.role(case, b, "target");
            let t = j.within(t0, 5.0);
            let amount = j.uniform(1_000.0, 9_000.0).round();
            j.tx(case, t, a, b, amount, Channel::Wire);
        }
    }
}

fn stack(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Stack);
    let layers: Vec<Vec<u32>> = (0..3).map(|_| (0..j.count(2, 4)).map(|_| j.someone()).collect()).collect();
    let t0 = j.start_within(10.0);
    for (k, role) in ["source", "middle", "target"].into_iter().enumerate() {
        for &a in &layers[k] {
            j.book.role(case, a, role);
        }
    }
    for k in 0..2 {
        for &a in &layers[k] {
            for &b in &layers[k + 1] {
                let t = j.within(t0 + k as i64 * 4 * DAY, 3.5);
                let amount = j.uniform(1_000.0, 9_000.0).round();
                j.tx(case, t, a, b, amount, Channel::Wire);
            }
        }
    }
}

fn random_walk(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::RandomWalk);
    let hops = j.count(4, 8);
    let t0 = j.start_within(hops as f64 * 3.0 + 1.0);
    let mut at = j.someone();
    j.book.role(case, at, "member");
    let mut amount = j.uniform(3_000.0, 30_000.0).round();
    let mut t = t0;
    for _ in 0..hops {
        let next = j.someone();
        j.book.role(case, next, "member");
        j.tx(case, t, at, next, amount, Channel::Wire);
        t += j.hours(3.0, 72.0);
        amount = (amount * j.uniform(0.9, 0.99)).round();
        at = next;
    }
}

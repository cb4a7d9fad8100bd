//! Fans, degrees and amount statistics of each transfer's endpoints over its window,
//! by two-pointer sweeps over each account's time-sorted transfers: O(degree) per
//! account, no per-transfer allocation.

use std::collections::{HashMap, VecDeque};

use rayon::prelude::*;

use crate::graph::FlowGraph;

/// One account's contributions: (edge, its nine sender- or receiver-side values).
type Side = Vec<(u32, [f64; 9])>;

/// Per edge: the 18 fan / degree / statistics values in `COLUMNS` order.
pub type Row = [f64; 18];

/// Distinct keys in a sliding window.
#[derive(Default)]
struct Distinct {
    counts: HashMap<u32, u32>,
}

impl Distinct {
    fn add(&mut self, k: u32) {
        *self.counts.entry(k).or_insert(0) += 1;
    }
    fn remove(&mut self, k: u32) {
        if let Some(c) = self.counts.get_mut(&k) {
            *c -= 1;
            if *c == 0 {
                self.counts.remove(&k);
            }
        }
    }
    fn len(&self) -> usize {
        self.counts.len()
    }
}

/// Sum, sum of squares, min and max of amounts in a sliding window.
#[derive(Default)]
struct Stats {
    sum: f64,
    sumsq: f64,
    n: usize,
    min: VecDeque<(u32, f64)>,
    max: VecDeque<(u32, f64)>,
}

impl Stats {
    fn add(&mut self, e: u32, x: f64) {
        self.sum += x;
        self.sumsq += x * x;
        self.n += 1;
        while self.min.back().is_some_and(|&(_, v)| v >= x) {
            self.min.pop_back();
        }
        self.min.push_back((e, x));
        while self.max.back().is_some_and(|&(_, v)| v <= x) {
            self.max.pop_back();
        }
        self.max.push_back((e, x));
    }
    fn remove(&mut self, e: u32, x: f64) {
        self.sum -= x;
        self.sumsq -= x * x;
        self.n -= 1;
        if self.min.front().is_some_and(|&(f, _)| f == e) {
            self.min.pop_front();
        }
        if self.max.front().is_some_and(|&(f, _)| f == e) {
            self.max.pop_front();
        }
    }
    /// sum, mean, min, max, population standard deviation.
    fn values(&self) -> [f64; 5] {
        if self.n == 0 {
            return [0.0; 5];
        }
        let n = self.n as f64;
        let mean = self.sum / n;
        let var = (self.sumsq / n - mean * mean).max(0.0);
        let min = self.min.front().map(|m| m.1).unwrap_or(0.0);
        let max = self.max.front().map(|m| m.1).unwrap_or(0.0);
        [self.sum, mean, min, max, var.sqrt()]
    }
}

/// A window over one account's time-sorted edges, keyed by the other endpoint.
struct Sweep<'a> {
    edges: &'a [u32],
    lo: usize,
    hi: usize,
    distinct: Distinct,
    stats: Stats,
}

impl<'a> Sweep<'a> {
    fn new(edges: &'a [u32]) -> Self {
        Sweep { edges, lo: 0, hi: 0, distinct: Distinct::default(), stats: Stats::default() }
    }

    /// Moves the window to edges with id <= `upto` and time >= `from`.
    fn advance(&mut self, g: &FlowGraph, other: &dyn Fn(usize) -> u32, upto: u32, from: i64) {
        while self.hi < self.edges.len() && self.edges[self.hi] <= upto {
            let e = self.edges[self.hi];
            self.distinct.add(other(e as usize));
            self.stats.add(e, g.amount[e as usize]);
            self.hi += 1;
        }
        while self.lo < self.hi && g.time[self.edges[self.lo] as usize] < from {
            let e = self.edges[self.lo];
            self.distinct.remove(other(e as usize));
            self.stats.remove(e, g.amount[e as usize]);
            self.lo += 1;
        }
    }

    fn deg(&self) -> f64 {
        (self.hi - self.lo) as f64
    }

    fn fan(&self) -> f64 {
        self.distinct.len() as f64
    }
}

/// Features of every edge, indexed by edge id.
pub fn node_features(g: &FlowGraph, window: i64) -> Vec<Row> {
    let n = g.node_count() as u32;
    let dst = |e: usize| g.dst[e];
    let src = |e: usize| g.src[e];
    // Sender side: each edge appears in exactly one out-list; receiver side likewise.
    let parts: Vec<(Side, Side)> = (0..n)
        .into_par_iter()
        .with_min_len(1024)
        .map(|u| {
            let (outs, ins) = (g.out_edges(u), g.in_edges(u));
            let mut as_src = Vec::with_capacity(outs.len());
            let (mut o, mut i) = (Sweep::new(outs), Sweep::new(ins));
            for &e in outs {
                let from = g.time[e as usize] - window;
                o.advance(g, &dst, e, from);
                i.advance(g, &src, e, from);
                let s = o.stats.values();
                as_src.push((e, [o.fan(), o.deg(), i.fan(), i.deg(), s[0], s[1], s[2], s[3], s[4]]));
            }
            let mut as_dst = Vec::with_capacity(ins.len());
            let (mut o, mut i) = (Sweep::new(outs), Sweep::new(ins));
            for &e in ins {
                let from = g.time[e as usize] - window;
                i.advance(g, &src, e, from);
                o.advance(g, &dst, e, from);
                let s = i.stats.values();
                as_dst.push((e, [i.fan(), i.deg(), o.fan(), o.deg(), s[0], s[1], s[2], s[3], s[4]]));
            }
            (as_src, as_dst)
        })
        .collect();
    let mut rows = vec![[0.0; 18]; g.edge_count()];
    for (as_src, as_dst) in parts {
        for (e, v) in as_src {
            let r = &mut rows[e as usize];
            r[0..4].copy_from_slice(&v[0..4]);
            r[8..13].copy_from_slice(&v[4..9]);
        }
        for (e, v) in as_dst {
            let r = &mut rows[e as usize];
            r[4..8].copy_from_slice(&v[0..4]);
            r[13..18].copy_from_slice(&v[4..9]);
        }
    }
    rows
}

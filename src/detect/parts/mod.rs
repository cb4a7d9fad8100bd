//! Detection split into parts (`analyze --partition-window`), with the hits one run over
//! the whole dump gives: the way a run spread over machines finds them.
//!
//! A detector that declares a [`PartRule`] runs once per part, on the graph of what the
//! part loads ([`FlowGraph::time_part`], [`FlowGraph::edge_part`]: the whole dump's
//! accounts, attributes, scale, per-account counts and pair index); each part keeps the
//! hits it owns, so no hit is found twice and none is lost, and their edge ids are mapped
//! back to the whole graph's. A detector without a rule reads more of the dump than one
//! part holds (its lookback says what) and runs on the whole dump.
//!
//! - Parts of time follow each other from the dump's first transfer, `window` seconds
//!   each: part `k` owns `[first + k·W, first + (k+1)·W)` and loads from `before_days`
//!   ahead of it to `after_days` past its end; a hit belongs to the part that owns its
//!   anchor transfer. Their hits are put in time order ([`in_time_order`]), in a whole
//!   run too.
//! - Parts of accounts, as many as parts of time, each own a run of accounts (in node
//!   order, or of the groups of accounts a detector keeps together, about as many
//!   transfers each) and load every transfer those accounts made or received; a hit
//!   belongs to the part that owns its anchor account. The parts follow each other in
//!   that order, the order of a whole run.
//! - Parts of account pairs: the parts of time name the pairs worth reading
//!   ([`Detector::account_pairs`]); the pairs, in order, are cut into as many runs with
//!   about as many transfers each, and a part loads every transfer of its pairs'
//!   accounts and keeps the hits about one of its pairs ([`Hit::pair`]).
//! - Pieces gathered in one place: the parts of time find the pieces of a detector's
//!   hits that start in the time they own ([`Detector::found_in_part`]: candidate
//!   layers, two-hop paths), and the detector puts its hits together from all of them in
//!   one place ([`Detector::run_on_found`]), a context over the whole dump that it reads
//!   only for per-account counts and the accounts of its hits.
//!
//! Each part's graph is built once for all the detectors of its kind that run in it
//! ([`run_each_in_parts`]).
//!
//! A search that reaches its budget in the whole dump may stop elsewhere in a part,
//! which holds fewer transfers to spend it on: the equality holds while no search is
//! capped, and each part's notes say when one was.

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::graph::FlowGraph;
use crate::lookback::PartRule;
use crate::units::{days_to_seconds, format_date, seconds_to_days};

use super::context::Context;
use super::hit::Hit;
use super::registry::{Detector, Outcome};
use super::role::Role;
use super::search::{bicliques::Biclique, scatter_gather};
use crate::pattern::Pattern;
use crate::progress::Progress;

mod job;

pub use job::{
    run_job, DumpReference, PartBytesError, PartFound, PartJob, PartReference, PartRunner, RunHere,
    SharedRunner,
};
use job::{Does, TaskFound};

/// The parts of time of one dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeParts {
    first: i64,
    last: i64,
    window: i64,
}

impl TimeParts {
    /// Parts of `window` seconds (at least one) over the times of `graph`'s transfers;
    /// `None` for a graph without transfers.
    pub fn of(graph: &FlowGraph, window: i64) -> Option<TimeParts> {
        let (first, last) = (*graph.time.first()?, *graph.time.last()?);
        Some(TimeParts { first, last, window: window.max(1) })
    }

    /// How many parts there are.
    pub fn count(&self) -> usize {
        ((self.last - self.first) / self.window + 1) as usize
    }

    /// The time part `k` owns, `[from, to)`.
    pub fn owned(&self, k: usize) -> (i64, i64) {
        let from = self.first.saturating_add(self.window.saturating_mul(k as i64));
        (from, from.saturating_add(self.window))
    }

    /// The length of a part, in days.
    pub fn window_days(&self) -> f64 {
        seconds_to_days(self.window)
    }
}

/// How a detector ran in a partitioned run, for run.json and the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "ran")]
pub enum PartsRun {
    /// Once per part.
    InParts {
        /// Parts that held at least one transfer (of time) or account (of accounts).
        parts: usize,
        /// Length of a part of time.
        window_days: f64,
        /// What each part loaded and which hits it kept.
        rule: PartRule,
        /// The most transfers one of its parts reads: what one task of a run spread over
        /// machines holds (for a part of time, its own range; the graph one machine
        /// builds there serves every detector of time and loads the widest).
        largest_part_transfers: usize,
    },
    /// On the whole dump, because one part would not hold what its hits read.
    WholeDump {
        /// Its lookback, in words.
        why: String,
    },
}

/// Puts the hits of a detector with a [`PartRule`] in one order, whether it ran on the
/// whole dump or part by part: by first and last transfer, then by transfers (a stable
/// sort, so hits on the very same transfers keep the detector's order, which one part
/// gives as the whole dump does). A detector emits its hits in the order of its own
/// searches; parts, one after another, emit them in another.
pub fn in_time_order(hits: &mut [Hit]) {
    hits.sort_by(|a, b| {
        (a.first_seen, a.last_seen, &a.transfers).cmp(&(b.first_seen, b.last_seen, &b.transfers))
    });
}

/// Puts the hits of a detector that runs in parts under `rule` in one order, whether it
/// ran on the whole dump or part by part: [`in_time_order`] for parts of time; for parts
/// of accounts, by anchor account (a stable sort: one account's hits, all found in one
/// part, keep the detector's order).
pub fn in_part_order(rule: PartRule, hits: &mut [Hit]) {
    match rule {
        PartRule::Time { .. } => in_time_order(hits),
        PartRule::Account { anchor } => hits.sort_by_key(|h| {
            h.accounts.iter().filter(|a| anchor.is_none_or(|r| a.role == r)).map(|a| a.account).min()
        }),
        PartRule::Pairs { .. } => hits.sort_by_key(|h| h.pair),
        // The detector puts its hits together once, in one place, as a whole run does.
        PartRule::Gathered { .. } => {}
    }
}

/// The parts of one dump: of time, and as many of accounts; and what runs them.
#[derive(Clone)]
pub struct Partition {
    time: TimeParts,
    runner: Arc<dyn PartRunner + Send>,
}

impl std::fmt::Debug for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Partition").field("time", &self.time).finish_non_exhaustive()
    }
}

impl Partition {
    /// Parts of `window` seconds of `graph`'s time, and as many of its accounts, run
    /// here one after another; `None` for a graph without transfers.
    pub fn of(graph: &FlowGraph, window: i64) -> Option<Partition> {
        Some(Partition { time: TimeParts::of(graph, window)?, runner: Arc::new(RunHere) })
    }

    /// The same parts, run by `runner` (handed to other processes).
    pub fn run_by(self, runner: Arc<dyn PartRunner + Send>) -> Partition {
        Partition { runner, ..self }
    }

    /// The parts of time.
    pub fn time(&self) -> TimeParts {
        self.time
    }

    /// The parts of accounts: as many as parts of time, each the accounts of a run of
    /// groups (`groups`: one id per account, accounts of one id kept together; each
    /// account alone when `None`) in the order of their ids, with about as many transfers
    /// each. Per account, the part that owns it.
    fn account_parts(&self, graph: &FlowGraph, groups: Option<&[u32]>) -> Vec<u32> {
        let k = self.time.count();
        let n = graph.node_count();
        let group = |v: usize| groups.map_or(v as u32, |g| g[v]);
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&v| (group(v as usize), v));
        // Each transfer counts at both of its ends.
        let total = 2 * graph.edge_count();
        let mut part_of = vec![0u32; n];
        let (mut part, mut seen) = (0usize, 0usize);
        for (i, &v) in order.iter().enumerate() {
            part_of[v as usize] = part as u32;
            seen += graph.out_edges(v).len() + graph.in_edges(v).len();
            let group_ends = order.get(i + 1).is_none_or(|&w| group(w as usize) != group(v as usize));
            if group_ends && part + 1 < k && seen * k >= total * (part + 1) {
                part += 1;
            }
        }
        part_of
    }
}

/// How one detector ran part by part.
#[derive(Debug, Default)]
pub struct RanInParts {
    /// Its hits (in [`in_part_order`], with the whole graph's edge ids) and notes.
    pub outcome: Outcome,
    /// How many parts ran.
    pub parts: usize,
    /// Its own time in them, in milliseconds (the parts' graphs left out).
    pub millis: u128,
    /// The most transfers one of its parts loaded.
    pub largest_part: usize,
}

/// Runs `detector` part by part under `rule` over `ctx`'s whole graph: the hits one run
/// on the whole graph finds (in [`in_part_order`]), with the whole graph's edge ids, and
/// how many parts ran.
pub fn run_in_parts(
    detector: &dyn Detector,
    ctx: &Context<'_>,
    rule: PartRule,
    partition: &Partition,
) -> Result<(Outcome, usize), PartBytesError> {
    let mut done = run_each_in_parts(ctx, &[(detector, rule)], partition, &crate::progress::Silent)?;
    let ran = done.pop().unwrap_or_default();
    Ok((ran.outcome, ran.parts))
}

/// What a part of time found towards a detector's hits under [`PartRule::Gathered`],
/// with the whole dump's edge ids: what its one place reads besides per-account counts
/// and its hits' accounts.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum Found {
    /// Candidate layers of first payments ([`crate::detect::search::bicliques::candidates`]).
    Layers(Vec<Biclique>),
    /// Two-hop paths and relays ([`scatter_gather::found_in`]).
    ScatterGathers(scatter_gather::Found),
}

/// A detector of parts of accounts: its place in the list, and its anchor role.
type AccountDetector = (usize, Option<Role>);

/// What one detector found in its parts so far.
#[derive(Default)]
struct InParts {
    hits: Vec<Hit>,
    /// Each note, with the parts that made it.
    notes: Vec<(String, Vec<String>)>,
    ran: usize,
    millis: u128,
    largest: usize,
}

impl InParts {
    /// What it found in part `part`.
    fn add(&mut self, part: &str, found: TaskFound) {
        self.millis += u128::from(found.millis);
        self.ran += 1;
        self.largest = self.largest.max(found.loaded);
        self.hits.extend(found.hits);
        for note in found.notes {
            match self.notes.iter_mut().find(|(n, _)| *n == note) {
                Some((_, parts)) => parts.push(part.to_owned()),
                None => self.notes.push((note, vec![part.to_owned()])),
            }
        }
    }

    /// What a detector under [`PartRule::Gathered`] found in one place, from what `parts`
    /// parts of time found.
    fn in_one_place(&mut self, found: Outcome, parts: usize, started: Instant) {
        self.millis += started.elapsed().as_millis();
        self.ran = parts;
        self.hits = found.hits;
        self.notes = found.notes.into_iter().map(|n| (n, Vec::new())).collect();
    }

    fn finish(self, rule: PartRule) -> RanInParts {
        let mut outcome = Outcome { hits: self.hits, notes: Vec::new() };
        // A note every part made (a signal the dump lacks), or the one place made, is
        // said once; others say where.
        for (note, parts) in self.notes {
            if parts.is_empty() || parts.len() == self.ran {
                outcome.notes.push(note);
            } else {
                outcome.notes.extend(parts.into_iter().map(|part| format!("{part}: {note}")));
            }
        }
        in_part_order(rule, &mut outcome.hits);
        RanInParts { outcome, parts: self.ran, millis: self.millis, largest_part: self.largest }
    }
}

/// Runs each of `detectors` part by part under its rule, as [`run_in_parts`] does, with
/// each part's graph built once for all the detectors that read it: one for the
/// detectors of parts of time (loading the widest range any of them reads), one per way
/// of grouping accounts for the others. The parts go to `partition`'s runner as jobs
/// ([`PartJob`]) in two rounds: parts of time and of accounts, then parts of the account
/// pairs the parts of time named. Per detector, how it ran ([`RanInParts`]).
pub fn run_each_in_parts(
    ctx: &Context<'_>,
    detectors: &[(&dyn Detector, PartRule)],
    partition: &Partition,
    progress: &dyn Progress,
) -> Result<Vec<RanInParts>, PartBytesError> {
    let g = ctx.graph;
    let list: Vec<&dyn Detector> = detectors.iter().map(|d| d.0).collect();
    let mut found: Vec<InParts> = detectors.iter().map(|_| InParts::default()).collect();
    let place = |pattern: Pattern| detectors.iter().position(|d| d.0.pattern() == pattern);
    // Parts of time: each detector keeps the hits anchored in the part; detectors of
    // account pairs name their pairs there; gathered detectors find their pieces.
    let mut timed: Vec<(usize, Does, f64, f64)> = Vec::new();
    for (i, (_, rule)) in detectors.iter().enumerate() {
        match *rule {
            PartRule::Time { anchor, before_days, after_days } => {
                timed.push((i, Does::HitsAt(anchor), before_days, after_days));
            }
            PartRule::Pairs { gap_days, .. } => timed.push((i, Does::NamePairs, gap_days, gap_days)),
            PartRule::Gathered { before_days, after_days } => {
                timed.push((i, Does::Pieces, before_days, after_days));
            }
            PartRule::Account { .. } => {}
        }
    }
    let time = partition.time;
    let before = days_to_seconds(timed.iter().map(|t| t.2).fold(0.0, f64::max));
    let after = days_to_seconds(timed.iter().map(|t| t.3).fold(0.0, f64::max));
    // The transfers from `before` seconds ahead of the owned time to `after` past it.
    let loads = |(from, to): (i64, i64), before: i64, after: i64| {
        g.time.partition_point(|&t| t < from.saturating_sub(before))
            ..g.time.partition_point(|&t| t <= to.saturating_add(after))
    };
    let time_jobs = (0..time.count()).filter(|_| !timed.is_empty()).filter_map(|k| {
        let owned = time.owned(k);
        if g.time.partition_point(|&t| t < owned.0) == g.time.partition_point(|&t| t < owned.1) {
            return None;
        }
        let loaded = loads(owned, before, after);
        let first = loaded.start as u32;
        let name = format!("{} to {}", format_date(owned.0), format_date(owned.1 - 1));
        let mut job = PartJob::of_time(name, owned, first, g.time_part(loaded));
        for &(i, does, before_days, after_days) in &timed {
            // What the detector's own task would load: the graph here serves them all.
            let own = loads(owned, days_to_seconds(before_days), days_to_seconds(after_days)).len();
            job.add(ctx, detectors[i].0, does, own);
        }
        Some(job)
    });
    // Parts of accounts, one partition per way of grouping them.
    let mut by_grouping: Vec<(Option<Vec<u32>>, Vec<AccountDetector>)> = Vec::new();
    for (i, (d, rule)) in detectors.iter().enumerate() {
        if let PartRule::Account { anchor } = *rule {
            let groups = d.account_groups(ctx);
            match by_grouping.iter_mut().find(|(g, _)| *g == groups) {
                Some((_, members)) => members.push((i, anchor)),
                None => by_grouping.push((groups, vec![(i, anchor)])),
            }
        }
    }
    let account_jobs = by_grouping.iter().flat_map(|(groups, members)| {
        let part_of = partition.account_parts(g, groups.as_deref());
        let parts = part_of.iter().max().map_or(0, |&p| p as usize + 1);
        let mut owned: Vec<Vec<u32>> = vec![Vec::new(); parts];
        for (v, &p) in part_of.iter().enumerate() {
            owned[p as usize].push(v as u32);
        }
        owned.into_iter().enumerate().filter_map(move |(k, accounts)| {
            let edges = transfers_of(g, &accounts);
            if edges.is_empty() {
                return None;
            }
            let part = g.edge_part(&edges);
            let loaded = edges.len();
            let mut job = PartJob::of_accounts(format!("accounts part {}", k + 1), accounts, edges, part);
            for &(i, anchor) in members {
                job.add(ctx, detectors[i].0, Does::HitsOf(anchor), loaded);
            }
            Some(job)
        })
    });
    let mut jobs = time_jobs.chain(account_jobs);
    let mut pairs: Vec<Vec<(u32, u32)>> = detectors.iter().map(|_| Vec::new()).collect();
    let mut pieces: Vec<Vec<Found>> = detectors.iter().map(|_| Vec::new()).collect();
    let mut gathered_parts = 0;
    for part in partition.runner.run_parts(ctx, &list, &mut jobs, progress)? {
        let mut gathers = false;
        for task in part.tasks {
            let Some(i) = place(task.pattern) else { continue };
            gathers |= matches!(detectors[i].1, PartRule::Gathered { .. });
            match detectors[i].1 {
                PartRule::Pairs { .. } | PartRule::Gathered { .. } => {
                    found[i].millis += u128::from(task.millis);
                    found[i].largest = found[i].largest.max(task.loaded);
                    pairs[i].extend(task.pairs);
                    pieces[i].extend(task.pieces);
                }
                PartRule::Time { .. } | PartRule::Account { .. } => found[i].add(&part.name, task),
            }
        }
        gathered_parts += usize::from(gathers);
    }
    let gathered: Vec<usize> =
        (0..detectors.len()).filter(|&i| matches!(detectors[i].1, PartRule::Gathered { .. })).collect();
    if !gathered.is_empty() {
        let stage = progress.stage("detect: hits put together from what the parts found", None);
        // The one place sees the whole dump, with searches of its own: the detectors put
        // their hits together there from what the parts found, and nothing searches the
        // whole dump for more but bipartite's layers with one source, a pass over each
        // account's own payments.
        let one_place = Context::new(g, ctx.dump, ctx.config);
        for &i in &gathered {
            let started = Instant::now();
            let out = detectors[i].0.run_on_found(&one_place, std::mem::take(&mut pieces[i]));
            found[i].in_one_place(out, gathered_parts, started);
        }
        stage.finish();
    }
    // Parts of account pairs: each pair its parts of time named belongs to one part,
    // which holds every transfer of its accounts.
    let paired: Vec<(usize, bool)> = (0..detectors.len())
        .filter_map(|i| match detectors[i].1 {
            PartRule::Pairs { with_payees, .. } => Some((i, with_payees)),
            _ => None,
        })
        .collect();
    let mut pair_jobs = paired.into_iter().flat_map(|(i, with_payees)| {
        let mut named = std::mem::take(&mut pairs[i]);
        named.sort_unstable();
        named.dedup();
        pair_jobs(ctx, detectors[i].0, named, with_payees, partition)
    });
    for part in partition.runner.run_parts(ctx, &list, &mut pair_jobs, progress)? {
        for task in part.tasks {
            if let Some(i) = place(task.pattern) {
                found[i].add(&part.name, task);
            }
        }
    }
    Ok(found.into_iter().zip(detectors).map(|(f, (_, rule))| f.finish(*rule)).collect())
}

/// The jobs of one detector under [`PartRule::Pairs`], given the pairs its parts of
/// time named (sorted, each once): one part per run of pairs (in order, about as many
/// transfers each) holding every transfer of their accounts (and, `with_payees`, every
/// payment of the accounts they paid).
fn pair_jobs<'c>(
    ctx: &'c Context<'_>,
    detector: &'c dyn Detector,
    pairs: Vec<(u32, u32)>,
    with_payees: bool,
    partition: &Partition,
) -> impl Iterator<Item = PartJob> + 'c {
    let g = ctx.graph;
    // Runs of pairs with about as many transfers each, as many as parts of time.
    let weight = |&(a, b): &(u32, u32)| {
        [a, b].iter().map(|&v| g.out_edges(v).len() + g.in_edges(v).len()).sum::<usize>()
    };
    let total: usize = pairs.iter().map(weight).sum();
    let k = partition.time.count();
    let mut runs: Vec<Vec<(u32, u32)>> = Vec::new();
    let mut run: Vec<(u32, u32)> = Vec::new();
    let mut seen = 0;
    for p in pairs {
        seen += weight(&p);
        run.push(p);
        if runs.len() + 1 < k && seen * k >= total * (runs.len() + 1) {
            runs.push(std::mem::take(&mut run));
        }
    }
    runs.push(run);
    runs.retain(|r| !r.is_empty());
    runs.into_iter().enumerate().map(move |(n, owned)| {
        let mut accounts: Vec<u32> = owned.iter().flat_map(|&(a, b)| [a, b]).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let mut edges = transfers_of(g, &accounts);
        if with_payees {
            // Where the pair's money went next: what its payees paid, not what they
            // were paid (a busy payee's takings would fill the part).
            let mut paid: Vec<u32> =
                accounts.iter().flat_map(|&v| g.out_list(v).other.iter().copied()).collect();
            paid.sort_unstable();
            paid.dedup();
            edges.extend(paid.iter().flat_map(|&p| g.out_edges(p).iter().copied()));
            edges.sort_unstable();
            edges.dedup();
        }
        let part = g.edge_part(&edges);
        let loaded = edges.len();
        let mut job = PartJob::of_pairs(format!("account pairs part {}", n + 1), owned, edges, part);
        job.add(ctx, detector, Does::HitsAbout, loaded);
        job
    })
}

/// Every transfer `accounts` made or received, ascending, each once: what a part of
/// accounts loads.
fn transfers_of(g: &FlowGraph, accounts: &[u32]) -> Vec<u32> {
    let mut edges: Vec<u32> =
        accounts.iter().flat_map(|&v| g.out_edges(v).iter().chain(g.in_edges(v)).copied()).collect();
    edges.sort_unstable();
    edges.dedup();
    edges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::detect::registry;
    use crate::detect::testkit::{generated_world, Tiny, D, H};
    use proptest::prelude::*;

    /// Hands each job to "another process": the job and the dump's reference go to
    /// bytes and back, the job runs on what was read back, and what it found goes to
    /// bytes and back.
    struct ThroughBytes;

    impl PartRunner for ThroughBytes {
        fn run_parts(
            &self,
            whole: &Context<'_>,
            detectors: &[&dyn Detector],
            jobs: &mut dyn Iterator<Item = PartJob>,
            _progress: &dyn Progress,
        ) -> Result<Vec<PartFound>, PartBytesError> {
            let reference = DumpReference::from_bytes(&DumpReference::bytes_of(whole)?)?;
            let mut found = Vec::new();
            for job in jobs {
                let bytes = job.handed_away(&whole.dump.transfers).to_bytes()?;
                let here = run_job(PartJob::from_bytes(&bytes)?, &reference, detectors)?;
                found.push(PartFound::from_bytes(&here.to_bytes()?)?);
            }
            Ok(found)
        }
    }

    /// Each detector with a rule: its hits on the whole graph, and part by part.
    fn both_ways(
        graph: &FlowGraph,
        dump: &crate::model::Dump,
        config: &Config,
        window: i64,
    ) -> Vec<(String, Vec<crate::detect::Hit>, Vec<crate::detect::Hit>, usize)> {
        both_ways_by(graph, dump, config, Partition::of(graph, window).expect("transfers"))
    }

    /// [`both_ways`], with the parts `parts`.
    fn both_ways_by(
        graph: &FlowGraph,
        dump: &crate::model::Dump,
        config: &Config,
        parts: Partition,
    ) -> Vec<(String, Vec<crate::detect::Hit>, Vec<crate::detect::Hit>, usize)> {
        let ctx = Context::new(graph, dump, config);
        registry()
            .iter()
            .filter_map(|d| {
                let rule = d.part_rule(config)?;
                if d.unavailable(&ctx).is_some() {
                    return None;
                }
                let mut whole = d.run(&ctx).hits;
                in_part_order(rule, &mut whole);
                let (in_parts, ran) = run_in_parts(d.as_ref(), &ctx, rule, &parts).expect("parts run here");
                Some((d.pattern().to_string(), whole, in_parts.hits, ran))
            })
            .collect()
    }

    #[test]
    fn parts_follow_each_other_from_the_first_transfer() {
        let mut t = Tiny::new();
        t.wire("A", "B", 10, 1.0);
        t.wire("A", "B", 10 + 20 * D, 1.0);
        let g = t.graph();
        let parts = TimeParts::of(&g, 7 * D).expect("transfers");
        assert_eq!(parts.count(), 3);
        assert_eq!(parts.owned(0), (10, 10 + 7 * D));
        assert_eq!(parts.owned(2), (10 + 14 * D, 10 + 21 * D));
        assert!(TimeParts::of(&Tiny::new().graph(), D).is_none());
    }

    #[test]
    fn a_generated_world_gives_the_same_hits_in_parts() {
        for seed in [41, 17] {
            let (_dir, loaded) = generated_world(30_000, 120, seed, Some(4));
            let config = Config::default_config().expect("default config");
            for window in [5 * D, 16 * D] {
                for (pattern, whole, in_parts, ran) in both_ways(&loaded.graph, &loaded.dump, &config, window)
                {
                    assert!(ran >= 7, "{pattern}: {ran} parts");
                    assert!(!whole.is_empty(), "{pattern}: the world of seed {seed} has no case of it");
                    assert_eq!(in_parts, whole, "{pattern}, seed {seed}, parts of {} days", window / D);
                }
            }
        }
    }

    #[test]
    fn parts_handed_to_another_process_find_the_same_hits() {
        let (_dir, loaded) = generated_world(30_000, 120, 23, Some(4));
        let config = Config::default_config().expect("default config");
        let parts = Partition::of(&loaded.graph, 11 * D).expect("transfers").run_by(Arc::new(ThroughBytes));
        let found = both_ways_by(&loaded.graph, &loaded.dump, &config, parts);
        assert_eq!(found.len(), 19, "every detector runs in parts");
        for (pattern, whole, in_parts, ran) in found {
            assert!(ran >= 7, "{pattern}: {ran} parts");
            assert!(!whole.is_empty(), "{pattern}: the world has no case of it");
            assert_eq!(in_parts, whole, "{pattern}");
        }
    }

    #[test]
    fn fans_and_walks_off_a_rhythm_are_found_in_parts_at_the_whole_dumps_rate() {
        // Thirty-one households pay standing orders every Tuesday; one of them also pays
        // five new payees on other days, months apart. A part of accounts holds a few of
        // the households, a part of time a month: the rate it reads the breaks against,
        // and which payments were off their payer's rhythm, are the whole dump's, handed
        // to it (through bytes, as to another process).
        let mut t = Tiny::new();
        t.span(290);
        for p in 0..31i64 {
            for week in 0..40i64 {
                let amount = 300.0 + ((p * 7 + week * 13) % 400) as f64;
                t.wire(
                    &format!("HOME{p}"),
                    &format!("HOME{p}-ORDER{}", week % 2),
                    (5 + 7 * week) * D + 8 * H,
                    amount,
                );
            }
        }
        for (k, day) in [20i64, 62, 104, 150, 199].into_iter().enumerate() {
            t.wire("HOME30", &format!("PAYEE{k}"), day * D + 15 * H, 420.0 + 57.0 * k as f64);
        }
        // And three others hand money on, each off its rhythm, across a part's edge.
        for (k, (day, amount)) in [(154, 900.0), (155, 350.0), (156, 640.0)].into_iter().enumerate() {
            t.wire(&format!("HOME{k}"), &format!("HOME{}", k + 1), day * D + 12 * H, amount);
        }
        let g = t.graph();
        let parts = Partition::of(&g, 30 * D).expect("transfers").run_by(Arc::new(ThroughBytes));
        let found = both_ways_by(&g, &t.dump, &t.config, parts);
        for (pattern, said) in
            [(Pattern::FanOut, "off its own rhythm"), (Pattern::RandomWalk, "off its payer's own rhythm")]
        {
            let (_, whole, in_parts, ran) =
                found.iter().find(|(p, ..)| *p == pattern.to_string()).expect("runs in parts");
            assert_eq!(whole.len(), 1, "{whole:?}");
            assert!(whole[0].reason.contains(said), "{}", whole[0].reason);
            assert!(*ran > 1, "{ran} parts");
            assert_eq!(in_parts, whole);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// Walks, round trips through an offshore account and cycles at random times in
        /// noise, cut into parts of any length: the same hits as in the whole dump.
        #[test]
        fn any_window_gives_the_same_hits(seed in 0u64..1000, window_h in 6i64..400, starts in proptest::collection::vec(1i64..140, 6)) {
            let mut t = Tiny::new();
            t.noise(seed, 50, 900, 150);
            t.span(150);
            for (k, &day) in starts.iter().enumerate() {
                let at = day * D + k as i64 * 7 * H;
                let mut amount = 9_000.0 + 131.0 * k as f64;
                // A walk through private accounts, a little less each hop.
                for hop in 0..5 {
                    t.wire(&format!("W{k}_{hop}"), &format!("W{k}_{}", hop + 1), at + hop * 20 * H, amount);
                    amount *= 0.96;
                }
                // A cycle back to its origin.
                for hop in 0..4i64 {
                    let to = if hop == 3 { 0 } else { hop + 1 };
                    t.wire(&format!("C{k}_{hop}"), &format!("C{k}_{to}"), at + hop * 30 * H, 7_000.0 - 50.0 * hop as f64);
                }
                // A round trip through an offshore company.
                t.person(&format!("R{k}"), "US");
                t.company(&format!("OFF{k}"), "KY");
                t.company(&format!("BACK{k}"), "US");
                t.link(&format!("h-R{k}"), &format!("h-BACK{k}"));
                t.wire(&format!("R{k}"), &format!("OFF{k}"), at, 50_000.0);
                t.wire(&format!("OFF{k}"), &format!("BACK{k}"), at + 9 * D, 48_000.0);
            }
            t.reverse_rows();
            let g = t.graph();
            for (pattern, whole, in_parts, _) in both_ways(&g, &t.dump, &t.config, window_h * H) {
                prop_assert_eq!(in_parts, whole, "{}", pattern);
            }
        }
    }
}

//! Asset tracing (TR1/TR2): follow value from known subjects' accounts forward (where did
//! it go?) or backward (where did it come from?), respecting time and amounts, and report
//! where it sits now, through which chains, in which jurisdictions.
//!
//! Forward, traced value moves with the money (see [`engine`]); backward, traced value on
//! a transfer is split over what the sender's money was made of (see [`backward`]). Both
//! obey the same conservation law: seed value = held + sunk + dropped.

use crate::config::params::{Channels, Count, Share};
use serde::{Deserialize, Serialize};
/// Parameters of `trace` (TR1/TR2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceConfig {
    /// Hops followed away from a seed.
    pub max_hops: u32,
    /// Share of the seed value below which traced value is dropped.
    pub min_share: Share,
    /// Channels that sink traced money.
    pub sink_channels: Channels,
    /// Accounts that sink traced money.
    pub sink_accounts: Vec<String>,
    /// Chains per destination in trace_paths.csv.
    pub paths_per_destination: Count<1>,
    /// Destinations whose chains are reported.
    pub path_destinations: Count<1>,
}

pub mod backward;
pub mod balances;
pub mod engine;
pub mod paths;
pub mod seeds;

use std::collections::HashSet;

use rayon::prelude::*;

use crate::config::Config;
use crate::graph::FlowGraph;
use crate::lookback::{Lookback, Reads};
use crate::model::Channel;
use crate::units::DAY;
pub use engine::{Outcome, Rule};
use paths::Chain;
use seeds::SeedGroup;

/// Which way to follow the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Where did the seeds' money go?
    Forward,
    /// Where did the seeds' money come from?
    Backward,
    /// Both.
    Both,
}

/// Options of one trace run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Allocation rule.
    pub rule: Rule,
    /// Direction(s).
    pub direction: Direction,
    /// Hop limit (overrides the config).
    pub max_hops: Option<u32>,
    /// Earliest transfer followed.
    pub from: Option<i64>,
    /// Latest transfer followed.
    pub to: Option<i64>,
}

/// The trace of one seed group in one direction.
#[derive(Debug, Clone)]
pub struct GroupTrace {
    /// Case id of the seed group.
    pub case: String,
    /// `forward` or `backward`.
    pub direction: Direction,
    /// Seed accounts.
    pub seeds: Vec<u32>,
    /// Where the value ended.
    pub outcome: Outcome,
    /// The strongest chains into the largest holdings.
    pub chains: Vec<Chain>,
}

/// What `trace` reads in time. It follows the seeds' money from `--from` to `--to`
/// (without them, from the seeds' first transfer to the end of the dump), and what a
/// transfer carried of it depends on what its sender already held: balances built from
/// each account's whole history before that. Sink accounts and seeds are reference
/// data.
pub fn lookback(opts: &Options) -> Lookback {
    let reads = [Reads::AccountHistory, Reads::Reference];
    match (opts.from, opts.to) {
        (Some(from), Some(to)) => Lookback::days(to.saturating_sub(from).max(0) as f64 / DAY as f64, &reads),
        _ => Lookback::unbounded("the seeds' money is followed to the end of the dump", &reads),
    }
}

/// Traces every seed group (in parallel; each group is independent, and so exact) in the
/// requested direction(s). Results come in (direction, group) order.
pub fn run(
    graph: &FlowGraph,
    groups: &[SeedGroup],
    opts: &Options,
    config: &Config,
    sink_accounts: &[u32],
) -> Vec<GroupTrace> {
    let mut directions = Vec::new();
    if opts.direction != Direction::Backward {
        directions.push(Direction::Forward);
    }
    if opts.direction != Direction::Forward {
        directions.push(Direction::Backward);
    }
    let sinks = config.trace.sink_channels.as_slice().to_vec();
    let balances = balances::compute(graph, Channel::CashDeposit, Channel::CashWithdrawal);
    let mut all = Vec::new();
    for dir in directions {
        // Backward, money "comes from" the sinks: cash paid in mirrors cash taken out.
        let sinks: Vec<Channel> = match dir {
            Direction::Backward => sinks.iter().map(|&c| mirror(c)).collect(),
            _ => sinks.clone(),
        };
        let setup = engine::Setup {
            rule: opts.rule,
            balances: &balances,
            max_hops: opts.max_hops.unwrap_or(config.trace.max_hops),
            min_share: config.trace.min_share.get(),
            sink_channels: &sinks,
            sink_accounts,
            from: opts.from.unwrap_or(i64::MIN),
            to: opts.to.unwrap_or(i64::MAX),
        };
        let traces: Vec<GroupTrace> =
            groups.par_iter().map(|group| trace_group(graph, &setup, group, dir, config)).collect();
        all.extend(traces);
    }
    all
}

/// Whether edge `e` at seed `s` moves the seed group's money: to or from an account
/// outside the group, or cash taken out (forward) / paid in (backward) at the seed itself.
pub fn crosses(g: &FlowGraph, e: u32, s: u32, seeds: &HashSet<u32>, dir: Direction) -> bool {
    let e = e as usize;
    let (other, cash) = match dir {
        Direction::Backward => (g.src[e], Channel::CashDeposit),
        _ => (g.dst[e], Channel::CashWithdrawal),
    };
    if other == s {
        g.channel[e] == cash
    } else {
        !seeds.contains(&other)
    }
}

fn mirror(c: Channel) -> Channel {
    match c {
        Channel::CashWithdrawal => Channel::CashDeposit,
        Channel::CashDeposit => Channel::CashWithdrawal,
        other => other,
    }
}

fn trace_group(
    g: &FlowGraph,
    setup: &engine::Setup<'_>,
    group: &SeedGroup,
    dir: Direction,
    config: &Config,
) -> GroupTrace {
    let seed_set: HashSet<u32> = group.accounts.iter().copied().collect();
    let start = group.start.map_or(setup.from, |s| s.max(setup.from));
    let in_window = |e: u32| (start..=setup.to).contains(&g.time[e as usize]);
    // Default seed value: what each seed paid out (forward) or received (backward), from or
    // to accounts outside the group, within the window.
    let moved: Vec<f64> = group
        .accounts
        .iter()
        .map(|&s| {
            let edges = match dir {
                Direction::Backward => g.in_edges(s),
                _ => g.out_edges(s),
            };
            edges
                .iter()
                .filter(|&&e| in_window(e) && crosses(g, e, s, &seed_set, dir))
                .map(|&e| g.amount[e as usize])
                .sum()
        })
        .collect();
    let total: f64 = moved.iter().sum();
    let values: Vec<i64> = moved
        .iter()
        .map(|&p| {
            engine::to_cents(match group.amount {
                // An amount of interest is spread over the seeds as they moved money.
                Some(a) if total > 0.0 => a * p / total,
                Some(a) => a / group.accounts.len() as f64,
                None => p,
            })
        })
        .collect();
    let outcome = match dir {
        Direction::Backward => {
            let seeds: Vec<(u32, i64)> = group.accounts.iter().copied().zip(values).collect();
            let setup = engine::Setup { from: start, ..setup.clone() };
            backward::provenance(g, &setup, &seeds)
        }
        _ => {
            let seeds: Vec<(u32, i64, i64)> =
                group.accounts.iter().zip(values).map(|(&s, v)| (s, v, start)).collect();
            engine::propagate(g, setup, &seeds)
        }
    };
    let mut destinations: Vec<(u32, i64)> =
        outcome.held.iter().filter(|h| !seed_set.contains(&h.0)).map(|h| (h.0, h.1)).collect();
    destinations.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let dest: Vec<u32> =
        destinations.iter().take(config.trace.path_destinations.get()).map(|d| d.0).collect();
    let max_len = setup.max_hops as usize + 1;
    let walk =
        if dir == Direction::Backward { paths::Walk::ToSeedsForward } else { paths::Walk::ToSeedsBackward };
    let chains = paths::chains(
        g,
        &outcome.edges,
        &seed_set,
        &dest,
        config.trace.paths_per_destination.get(),
        max_len,
        walk,
    );
    GroupTrace { case: group.case.clone(), direction: dir, seeds: group.accounts.clone(), outcome, chains }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;
    use crate::units::DAY;

    #[test]
    fn forward_and_backward_agree_on_a_path() {
        let mut t = Tiny::new();
        t.wire("A", "B", 1, 100.0);
        t.wire("X", "B", 2, 50.0);
        t.wire("B", "C", 3, 120.0);
        let g = t.graph();
        let config = Config::default_config().unwrap();
        let id = |s: &str| t.dump.accounts.index[s];
        let opts =
            |direction| Options { rule: Rule::Proportional, direction, max_hops: None, from: None, to: None };
        let group =
            |a: &str| vec![SeedGroup { case: "c".into(), accounts: vec![id(a)], start: None, amount: None }];
        let fwd = &run(&g, &group("A"), &opts(Direction::Forward), &config, &[])[0];
        let bwd = &run(&g, &group("C"), &opts(Direction::Backward), &config, &[])[0];
        let held = |tr: &GroupTrace, a: &str| {
            tr.outcome.held.iter().find(|h| h.0 == id(a)).map(|h| engine::amount(h.1)).unwrap_or(0.0)
        };
        // Forward: B mixes A's 100 with X's 50 and passes on 120: 80 of A's money reaches C.
        assert_eq!(held(fwd, "C"), 80.0);
        // Backward: C's 120 came from B, which got 2/3 of its money from A: 80 from A.
        assert_eq!(held(bwd, "A"), 80.0);
        assert_eq!(held(bwd, "X"), 40.0);
        assert_eq!(fwd.outcome.imbalance(), 0);
        assert_eq!(bwd.outcome.imbalance(), 0);
        // The chain into C starts at the seed.
        let chain = fwd.chains.iter().find(|c| c.destination == id("C")).unwrap();
        assert!(chain.complete && chain.edges.len() == 2);
    }

    #[test]
    fn a_trace_is_bounded_only_by_its_dates() {
        let opts =
            |from, to| Options { rule: Rule::Fifo, direction: Direction::Forward, max_hops: None, from, to };
        let open = lookback(&opts(Some(0), None));
        assert_eq!(open.span_days(), None);
        assert_eq!(open.reads, vec![Reads::AccountHistory, Reads::Reference]);
        assert_eq!(lookback(&opts(Some(DAY), Some(31 * DAY))).span_days(), Some(30.0));
    }
}

//! Detection: one [`Detector`] per pattern, one file per detector, all behind one trait.
//! Each detector is a read-only parallel (rayon) pass over the [`FlowGraph`] that emits
//! [`Hit`]s in a deterministic order, whatever the thread count.

pub mod bicliques;
pub mod fans;
pub mod mirrors;
pub mod motif_bipartite;
pub mod motif_cycle;
pub mod motif_fan_in;
pub mod motif_fan_out;
pub mod motif_gather_scatter;
pub mod motif_random_walk;
pub mod motif_scatter_gather;
pub mod motif_stack;
pub mod os1_round_trip;
pub mod os2_layering;
pub mod os3_shell_profile;
pub mod os4_offshore_scatter;
pub mod os5_shared_control;
pub mod shell_profile;
pub mod temporal_cycles;
pub mod ub1_collector;
pub mod ub2_structuring;
pub mod ub3_mirror;
pub mod ub4_rapid_in_out;
pub mod ub5_net_settlement;
pub mod ub6_settlement_shell;

use std::time::Instant;

use serde::Serialize;

use crate::config::Config;
use crate::graph::FlowGraph;
use crate::model::{Availability, Dump};
use crate::progress::Progress;

/// What an account did in a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Pools money from many senders (UB1 hub).
    Collector,
    /// Passes money through within hours (UB4).
    Mule,
    /// The centre of a generic motif (fan-in, fan-out, gather-scatter).
    Hub,
    /// A company account used only to pass money on (UB6, OS2-OS4).
    Shell,
    /// Makes or receives the bulk settlement between two broker networks (UB5).
    Settlement,
    /// Sits between the source and the target of a scatter-gather.
    Intermediary,
    /// One of the accounts of a cycle, biclique or stack.
    Member,
    /// Pays into a collector.
    Depositor,
    /// Receives what a collector forwards.
    Payout,
    /// Where round-tripped money starts.
    Originator,
    /// An offshore account the money passes through.
    OffshoreLayer,
    /// A non-offshore account the money passes through.
    Layer,
    /// Where round-tripped money comes back (a related account of the originator).
    Beneficiary,
    /// Pays money into a pass-through account.
    Source,
    /// Receives what a pass-through account passes on.
    Destination,
    /// Receives structured (just-under-threshold) payments.
    Target,
    /// Makes structured payments.
    Smurf,
    /// A customer whose payment one side of a mirror pair received (UB3).
    Customer,
    /// A personal account paid by a settlement shell (UB6).
    Payee,
    /// An account of the holder who controls a group (OS5).
    Controller,
}

impl Role {
    /// Spelling used in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Collector => "collector",
            Role::Mule => "mule",
            Role::Depositor => "depositor",
            Role::Payout => "payout",
            Role::Originator => "originator",
            Role::OffshoreLayer => "offshore_layer",
            Role::Layer => "layer",
            Role::Beneficiary => "beneficiary",
            Role::Source => "source",
            Role::Destination => "destination",
            Role::Target => "target",
            Role::Smurf => "smurf",
            Role::Hub => "hub",
            Role::Shell => "shell",
            Role::Settlement => "settlement",
            Role::Intermediary => "intermediary",
            Role::Member => "member",
            Role::Customer => "customer",
            Role::Payee => "payee",
            Role::Controller => "controller",
        }
    }

    /// The accounts a pattern is about (hubs, shells, targets), as opposed to the
    /// counterparties around them; used to let a generic motif defer to a typology.
    pub fn is_central(self) -> bool {
        matches!(
            self,
            Role::Collector
                | Role::Payout
                | Role::Mule
                | Role::Hub
                | Role::Shell
                | Role::Settlement
                | Role::Originator
                | Role::Target
                | Role::Intermediary
                | Role::Member
                | Role::Layer
                | Role::OffshoreLayer
                | Role::Controller
        )
    }
}

/// One account's part in a hit.
#[derive(Debug, Clone, PartialEq)]
pub struct HitAccount {
    /// Graph node.
    pub account: u32,
    /// Its role.
    pub role: Role,
    /// Money it received within the hit (base currency).
    pub amount_in: f64,
    /// Money it sent within the hit (base currency).
    pub amount_out: f64,
}

/// One instance of a pattern, with the transfers that prove it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Pattern id, e.g. `UB1`.
    pub pattern: &'static str,
    /// Accounts involved, sorted by node.
    pub accounts: Vec<HitAccount>,
    /// Edge ids of the proving transfers, sorted.
    pub transfers: Vec<u32>,
    /// Amount moved (base currency).
    pub amount: f64,
    /// Earliest proving transfer.
    pub first_seen: i64,
    /// Latest proving transfer.
    pub last_seen: i64,
    /// How clearly the pattern is present, in (0, 1].
    pub strength: f64,
    /// Human-readable reason with the numbers.
    pub reason: String,
}

/// What a detector may read.
pub struct Context<'a> {
    /// The graph.
    pub graph: &'a FlowGraph,
    /// The dump (ids and names for reasons).
    pub dump: &'a Dump,
    /// Run configuration.
    pub config: &'a Config,
    /// Searches more than one detector reads, computed once on first use.
    shared: Shared,
}

/// The results of searches that several detectors (and lead scoring) share: shell
/// profiles (OS2, OS3, leads), mirror networks (UB3, UB5) and bicliques (bipartite,
/// stack). Each is filled by its module on first use.
#[derive(Default)]
struct Shared {
    shells: std::sync::OnceLock<Vec<Option<shell_profile::ShellProfile>>>,
    mirrors: std::sync::OnceLock<Vec<mirrors::MirrorNetwork>>,
    bicliques: std::sync::OnceLock<Vec<bicliques::Biclique>>,
}

impl<'a> Context<'a> {
    /// A context over one run's graph, dump and configuration.
    pub fn new(graph: &'a FlowGraph, dump: &'a Dump, config: &'a Config) -> Self {
        Context { graph, dump, config, shared: Shared::default() }
    }
}

impl Context<'_> {
    /// The account id of node `v`.
    pub fn account(&self, v: u32) -> &str {
        self.dump.accounts.ids.get(v as usize).map(String::as_str).unwrap_or("?")
    }

    /// Which optional tables the dump had.
    pub fn availability(&self) -> Availability {
        self.dump.availability
    }

    /// True when at least one account has a known country.
    pub fn has_countries(&self) -> bool {
        self.graph.accounts.country.iter().any(Option::is_some)
    }
}

/// What a detector returns.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Hits, in a deterministic order.
    pub hits: Vec<Hit>,
    /// Things the run summary should say (capped searches, degraded signals).
    pub notes: Vec<String>,
}

/// A pattern detector.
pub trait Detector: Sync {
    /// Pattern id (`UB1`, `OS1`, ...).
    fn code(&self) -> &'static str;
    /// Short title.
    fn title(&self) -> &'static str;
    /// Why the detector cannot run on this dump, if it cannot.
    fn unavailable(&self, ctx: &Context<'_>) -> Option<String>;
    /// The pass itself.
    fn run(&self, ctx: &Context<'_>) -> Outcome;
    /// More specific patterns this one gives way to: a hit of this detector is dropped
    /// when one hit of these holds one of its central accounts (hub, shell, members, ...)
    /// and most of all its accounts, so a collector and its depositors are reported as
    /// UB1, not also as a bare fan-in, while a fan whose hub merely also sits in another
    /// case, with other counterparties, is still reported.
    fn defers_to(&self) -> &'static [&'static str] {
        &[]
    }
}

/// Every detector, in run order.
pub fn registry() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(ub1_collector::Collector),
        Box::new(ub2_structuring::Structuring),
        Box::new(ub3_mirror::Mirror),
        Box::new(ub4_rapid_in_out::RapidInOut),
        Box::new(ub5_net_settlement::NetSettlement),
        Box::new(ub6_settlement_shell::SettlementShell),
        Box::new(os1_round_trip::RoundTrip),
        Box::new(os2_layering::Layering),
        Box::new(os3_shell_profile::ShellProfileDetector),
        Box::new(os4_offshore_scatter::OffshoreScatter),
        Box::new(os5_shared_control::SharedControl),
        Box::new(motif_cycle::Cycle),
        Box::new(motif_random_walk::RandomWalk),
        Box::new(motif_stack::Stack),
        Box::new(motif_bipartite::Bipartite),
        Box::new(motif_scatter_gather::ScatterGather),
        Box::new(motif_gather_scatter::GatherScatter),
        Box::new(motif_fan_in::FanIn),
        Box::new(motif_fan_out::FanOut),
    ]
}

/// How one detector's pass went.
#[derive(Debug, Clone, Serialize)]
pub struct DetectorRun {
    /// Pattern id.
    pub code: &'static str,
    /// Title.
    pub title: &'static str,
    /// Hits found.
    pub hits: usize,
    /// Wall time in milliseconds.
    pub millis: u128,
    /// Why it was skipped, when it was.
    pub skipped: Option<String>,
    /// Notes for the summary.
    pub notes: Vec<String>,
}

/// Runs every detector; hits are concatenated in registry order.
pub fn run_all(
    ctx: &Context<'_>,
    detectors: &[Box<dyn Detector>],
    progress: &dyn Progress,
) -> (Vec<Hit>, Vec<DetectorRun>) {
    let mut hits = Vec::with_capacity(detectors.len());
    let mut runs = Vec::new();
    for d in detectors {
        let stage = progress.stage(&format!("detect {} {}", d.code(), d.title()), None);
        let start = Instant::now();
        let (outcome, skipped) = match d.unavailable(ctx) {
            Some(why) => (Outcome::default(), Some(why)),
            None => (d.run(ctx), None),
        };
        stage.finish();
        runs.push(DetectorRun {
            code: d.code(),
            title: d.title(),
            hits: outcome.hits.len(),
            millis: start.elapsed().as_millis(),
            skipped,
            notes: outcome.notes,
        });
        hits.push(outcome.hits);
    }
    if ctx.config.exempt_licensed {
        drop_licensed(ctx, &mut hits, &mut runs);
    }
    let hits = drop_deferred(detectors, hits, &mut runs);
    (hits, runs)
}

/// Drops hits whose central accounts are all held by licensed money-service businesses
/// or banks: a licensed remitter pools and forwards customers' money by trade, and is
/// supervised for it. `hits[k]` are detector k's hits.
fn drop_licensed(ctx: &Context<'_>, hits: &mut [Vec<Hit>], runs: &mut [DetectorRun]) {
    let licensed = &ctx.graph.accounts.licensed;
    for (k, list) in hits.iter_mut().enumerate() {
        let before = list.len();
        list.retain(|h| {
            let mut central = h.accounts.iter().filter(|a| a.role.is_central()).peekable();
            central.peek().is_none() || !central.all(|a| licensed[a.account as usize])
        });
        let dropped = before - list.len();
        if dropped > 0 {
            runs[k].hits = list.len();
            runs[k].notes.push(format!("{dropped} hit(s) on licensed money-service businesses left out"));
        }
    }
}

/// Applies [`Detector::defers_to`]; `hits[k]` are detector k's hits.
fn drop_deferred(
    detectors: &[Box<dyn Detector>],
    mut hits: Vec<Vec<Hit>>,
    runs: &mut [DetectorRun],
) -> Vec<Hit> {
    use std::collections::{BTreeMap, BTreeSet};
    // (pattern, account) -> the hits of that pattern the account takes part in.
    let mut index: BTreeMap<(&str, u32), Vec<(usize, usize)>> = BTreeMap::new();
    for (k, list) in hits.iter().enumerate() {
        for (i, h) in list.iter().enumerate() {
            for a in &h.accounts {
                index.entry((h.pattern, a.account)).or_default().push((k, i));
            }
        }
    }
    // Decide every drop on the hits as found, then drop: the index points into them.
    let explained: Vec<Vec<bool>> = detectors
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let patterns = d.defers_to();
            hits[k]
                .iter()
                .map(|h| {
                    if patterns.is_empty() {
                        return false;
                    }
                    let mine: BTreeSet<u32> = h.accounts.iter().map(|a| a.account).collect();
                    // Hits of a more specific pattern holding one of this hit's central accounts...
                    let mut others: BTreeSet<(usize, usize)> = BTreeSet::new();
                    for a in h.accounts.iter().filter(|a| a.role.is_central()) {
                        for p in patterns {
                            others.extend(index.get(&(*p, a.account)).into_iter().flatten().copied());
                        }
                    }
                    // ...one of which also holds most of its accounts.
                    others.iter().any(|&(ok, oi)| {
                        let shared =
                            hits[ok][oi].accounts.iter().filter(|a| mine.contains(&a.account)).count();
                        2 * shared > mine.len()
                    })
                })
                .collect()
        })
        .collect();
    for ((k, d), flags) in detectors.iter().enumerate().zip(explained) {
        let before = hits[k].len();
        let mut flags = flags.into_iter();
        hits[k].retain(|_| !flags.next().unwrap_or(false));
        let dropped = before - hits[k].len();
        if dropped > 0 {
            runs[k].hits = hits[k].len();
            runs[k]
                .notes
                .push(format!("{dropped} hit(s) left to the more specific {}", d.defers_to().join("/")));
        }
    }
    hits.into_iter().flatten().collect()
}

/// `1234567.8` -> `1,234,568`: amounts in reasons read like a bank statement.
pub fn fmt_amount(x: f64) -> String {
    let whole = x.round().max(0.0) as u64;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Collects a hit's accounts and transfers, then seals them in a deterministic order.
#[derive(Debug, Default)]
pub struct HitBuilder {
    accounts: std::collections::BTreeMap<u32, HitAccount>,
    transfers: Vec<u32>,
}

impl HitBuilder {
    /// Adds `account` with `role`; amounts add up, and the most central role is kept.
    pub fn account(&mut self, account: u32, role: Role, amount_in: f64, amount_out: f64) {
        let a = self.accounts.entry(account).or_insert(HitAccount {
            account,
            role,
            amount_in: 0.0,
            amount_out: 0.0,
        });
        a.amount_in += amount_in;
        a.amount_out += amount_out;
        a.role = a.role.min(role);
    }

    /// Adds a proving transfer (edge id).
    pub fn transfer(&mut self, edge: u32) {
        self.transfers.push(edge);
    }

    /// Seals the hit; times come from the proving transfers.
    pub fn finish(
        mut self,
        graph: &FlowGraph,
        pattern: &'static str,
        amount: f64,
        strength: f64,
        reason: String,
    ) -> Hit {
        self.transfers.sort_unstable();
        self.transfers.dedup();
        let first_seen = self.transfers.first().map(|&e| graph.time[e as usize]).unwrap_or(0);
        let last_seen = self.transfers.last().map(|&e| graph.time[e as usize]).unwrap_or(0);
        Hit {
            pattern,
            accounts: self.accounts.into_values().collect(),
            transfers: self.transfers,
            amount,
            first_seen,
            last_seen,
            strength: strength.clamp(0.01, 1.0),
            reason,
        }
    }
}

#[cfg(test)]
mod injected_props;
#[cfg(test)]
mod look_alikes;
#[cfg(test)]
pub(crate) mod testkit;

#[cfg(test)]
mod tests {
    use super::*;

    /// A detector that only names itself and what it defers to.
    struct Stub(&'static str, &'static [&'static str]);

    impl Detector for Stub {
        fn code(&self) -> &'static str {
            self.0
        }
        fn title(&self) -> &'static str {
            self.0
        }
        fn unavailable(&self, _: &Context<'_>) -> Option<String> {
            None
        }
        fn run(&self, _: &Context<'_>) -> Outcome {
            Outcome::default()
        }
        fn defers_to(&self) -> &'static [&'static str] {
            self.1
        }
    }

    fn stub_hit(pattern: &'static str, central: u32, others: &[u32]) -> Hit {
        let mut accounts =
            vec![HitAccount { account: central, role: Role::Hub, amount_in: 0.0, amount_out: 0.0 }];
        accounts.extend(others.iter().map(|&a| HitAccount {
            account: a,
            role: Role::Source,
            amount_in: 0.0,
            amount_out: 0.0,
        }));
        Hit {
            pattern,
            accounts,
            transfers: vec![],
            amount: 0.0,
            first_seen: 0,
            last_seen: 0,
            strength: 0.5,
            reason: String::new(),
        }
    }

    #[test]
    fn a_motif_defers_only_to_a_hit_that_explains_most_of_it() {
        let detectors: Vec<Box<dyn Detector>> = vec![
            Box::new(Stub("UB1", &[])),
            Box::new(Stub("gather_scatter", &["UB1"])),
            Box::new(Stub("fan_in", &["UB1", "gather_scatter"])),
        ];
        let run = |code| DetectorRun { code, title: code, hits: 0, millis: 0, skipped: None, notes: vec![] };
        let mut runs = vec![run("UB1"), run("gather_scatter"), run("fan_in")];
        let hits = vec![
            // UB1: collector 1 with depositors 2..6.
            vec![stub_hit("UB1", 1, &[2, 3, 4, 5, 6])],
            // Dropped: hub 1 and most accounts are UB1's.
            vec![stub_hit("gather_scatter", 1, &[2, 3, 4, 9])],
            // Kept: hub 2 is in UB1 but its senders are not; dropped: hub 1 again.
            vec![stub_hit("fan_in", 2, &[20, 21, 22, 23, 24]), stub_hit("fan_in", 1, &[3, 4, 5])],
        ];
        let kept = drop_deferred(&detectors, hits, &mut runs);
        let names: Vec<(&str, u32)> = kept.iter().map(|h| (h.pattern, h.accounts[0].account)).collect();
        assert_eq!(names, vec![("UB1", 1), ("fan_in", 2)]);
        assert_eq!((runs[1].hits, runs[2].hits), (0, 1));
    }

    #[test]
    fn amounts_get_thousands_separators() {
        assert_eq!(fmt_amount(0.4), "0");
        assert_eq!(fmt_amount(999.0), "999");
        assert_eq!(fmt_amount(1234567.8), "1,234,568");
    }
}

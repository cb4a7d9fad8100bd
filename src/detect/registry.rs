//! The detector trait, every detector in run order, and the pass that runs them.

use std::time::Instant;

use serde::Serialize;

use crate::config::Config;
use crate::pattern::Pattern;
use crate::progress::Progress;

use super::arbitration::{drop_licensed, settle};
use super::context::{Context, PartEdges};
use super::handed::Handed;
use super::hit::Hit;
use super::parts::{
    in_part_order, run_each_in_parts, Found, PartBytesError, Partition, PartsRun, RanInParts,
};
use super::{motifs, offshore, underground};
use crate::graph::FlowGraph;
use crate::lookback::{Lookback, PartRule};

/// What a detector returns.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Hits, in a deterministic order.
    pub hits: Vec<Hit>,
    /// Things the run summary should say (capped searches, degraded signals).
    pub notes: Vec<String>,
}

impl Outcome {
    /// `hits`, with a note counting them as `what` ("3 layer(s) joined ...") when there
    /// are any.
    pub fn counted(hits: Vec<Hit>, what: &str) -> Outcome {
        let notes = if hits.is_empty() { Vec::new() } else { vec![format!("{} {what}", hits.len())] };
        Outcome { hits, notes }
    }
}

/// A pattern detector.
pub trait Detector: Sync {
    /// The pattern it finds (its code and title come from there).
    fn pattern(&self) -> Pattern;
    /// Why the detector cannot run on this dump, if it cannot.
    fn unavailable(&self, ctx: &Context<'_>) -> Option<String>;
    /// The pass itself.
    fn run(&self, ctx: &Context<'_>) -> Outcome;
    /// More specific patterns this one gives way to: a hit of this detector is dropped
    /// when one hit of these holds one of its central accounts (hub, shell, members, ...)
    /// and most of all its accounts, so a collector and its depositors are reported as
    /// UB1, not also as a bare fan-in, while a fan whose hub merely also sits in another
    /// case, with other counterparties, is still reported.
    fn defers_to(&self) -> &'static [Pattern] {
        &[]
    }
    /// Hits of its pattern read from the hits that stand once every detector ran
    /// (`standing[k]`: detector k's, after [`Detector::defers_to`]), such as a layer
    /// joined from the fans of several hubs. They are settled with the rest: hits they
    /// explain give way to them. Read in one place, a partitioned run's too.
    fn join(&self, _ctx: &Context<'_>, _standing: &[Vec<Hit>]) -> Outcome {
        Outcome::default()
    }
    /// How long one of its hits may span and what it reads besides the hits' own
    /// transfers, under `config` (see [`Lookback`]).
    fn lookback(&self, config: &Config) -> Lookback;
    /// How it runs on time parts of a dump (`analyze --partition-window`), when each of
    /// its hits is found from the transfers around one anchor and counts shared with the
    /// whole dump; `None` when a hit reads more of the dump than that (its lookback says
    /// what), so the detector runs on the whole dump.
    fn part_rule(&self, _config: &Config) -> Option<PartRule> {
        None
    }
    /// Under [`PartRule::Account`], which accounts a part of accounts must hold together:
    /// one id per account (a detector that reads a group of accounts, not one); `None`,
    /// each account on its own.
    fn account_groups(&self, _ctx: &Context<'_>) -> Option<Vec<u32>> {
        None
    }
    /// Under [`PartRule::Pairs`], the account pairs (smaller first, sorted) whose hits
    /// this context's transfers may start, in the part of time it owns.
    fn account_pairs(&self, _ctx: &Context<'_>) -> Vec<(u32, u32)> {
        Vec::new()
    }
    /// Under [`PartRule::Gathered`], what the part of time `part` found towards this
    /// detector's hits, with the whole dump's edge ids.
    fn found_in_part(&self, _part: &Context<'_>) -> Option<Found> {
        None
    }
    /// What a part of the dump whose graph `part` holds the whole graph's `edges` must be
    /// handed of the whole dump (`whole`: its context) for this detector to find there
    /// what it finds in the whole dump: the tables it reads beyond the part's transfers
    /// and its graph's dump-wide counts, cut to the part ([`Handed`]).
    fn hand_to_part(
        &self,
        _whole: &Context<'_>,
        _part: &FlowGraph,
        _edges: PartEdges<'_>,
        _handed: &mut Handed,
    ) {
    }
    /// Under [`PartRule::Gathered`], its hits put together from what every part of time
    /// found (`found`, in time order) in `one_place`: a context over the whole dump, read
    /// there only for per-account counts and the accounts of the hits. The same hits as
    /// [`Detector::run`] over the whole dump, in the same order.
    fn run_on_found(&self, one_place: &Context<'_>, _found: Vec<Found>) -> Outcome {
        self.run(one_place)
    }
}

/// Every detector, in run order.
pub fn registry() -> Vec<Box<dyn Detector>> {
    vec![
        Box::new(underground::ub1_collector::Collector),
        Box::new(underground::ub2_structuring::Structuring),
        Box::new(underground::ub3_mirror::Mirror),
        Box::new(underground::ub4_rapid_in_out::RapidInOut),
        Box::new(underground::ub5_net_settlement::NetSettlement),
        Box::new(underground::ub6_settlement_shell::SettlementShell),
        Box::new(offshore::os1_round_trip::RoundTrip),
        Box::new(offshore::os2_layering::Layering),
        Box::new(offshore::os3_shell_profile::ShellProfileDetector),
        Box::new(offshore::os4_offshore_scatter::OffshoreScatter),
        Box::new(offshore::os5_shared_control::SharedControl),
        Box::new(motifs::cycle::Cycle),
        Box::new(motifs::random_walk::RandomWalk),
        Box::new(motifs::stack::Stack),
        Box::new(motifs::bipartite::Bipartite),
        Box::new(motifs::scatter_gather::ScatterGather),
        Box::new(motifs::gather_scatter::GatherScatter),
        Box::new(motifs::fan_in::FanIn),
        Box::new(motifs::fan_out::FanOut),
    ]
}

/// How one detector's pass went.
#[derive(Debug, Clone, Serialize)]
pub struct DetectorRun {
    /// The pattern (written as its code).
    pub code: Pattern,
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
    /// How long one of its hits may span, and what it reads besides them.
    pub lookback: Lookback,
    /// How it ran in a partitioned run (absent from a whole run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<PartsRun>,
}

/// Runs every detector; hits are concatenated in registry order.
pub fn run_all(
    ctx: &Context<'_>,
    detectors: &[Box<dyn Detector>],
    progress: &dyn Progress,
) -> (Vec<Hit>, Vec<DetectorRun>) {
    let in_parts = detectors.iter().map(|_| None).collect();
    run_with(ctx, detectors, None, in_parts, progress)
}

/// [`run_all`], with each detector that declares a [`PartRule`] run part by part when
/// `parts` is given ([`super::parts`]): the same hits, as a run spread over machines
/// finds them.
pub fn run_all_in(
    ctx: &Context<'_>,
    detectors: &[Box<dyn Detector>],
    parts: Option<&Partition>,
    progress: &dyn Progress,
) -> Result<(Vec<Hit>, Vec<DetectorRun>), PartBytesError> {
    // The detectors that run in parts go first, together: each part's graph serves all
    // of them.
    let mut in_parts: Vec<Option<RanInParts>> = detectors.iter().map(|_| None).collect();
    if let Some(p) = parts {
        let todo: Vec<(usize, &dyn Detector, PartRule)> = detectors
            .iter()
            .enumerate()
            .filter(|(_, d)| skipped(ctx, d.as_ref()).is_none())
            .filter_map(|(i, d)| Some((i, d.as_ref(), d.part_rule(ctx.config)?)))
            .collect();
        let rules: Vec<(&dyn Detector, PartRule)> = todo.iter().map(|&(_, d, r)| (d, r)).collect();
        for ((i, _, _), done) in todo.iter().zip(run_each_in_parts(ctx, &rules, p, progress)?) {
            in_parts[*i] = Some(done);
        }
    }
    Ok(run_with(ctx, detectors, parts, in_parts, progress))
}

/// Why `d` does not run on `ctx`'s dump, if it does not.
fn skipped(ctx: &Context<'_>, d: &dyn Detector) -> Option<String> {
    let disabled = ctx.config.disabled.contains(&d.pattern()).then(|| "disabled in the config".to_owned());
    disabled.or_else(|| d.unavailable(ctx))
}

/// Runs every detector that did not run in parts (`in_parts`: how each ran there, in
/// order), and puts the hits together.
fn run_with(
    ctx: &Context<'_>,
    detectors: &[Box<dyn Detector>],
    parts: Option<&Partition>,
    in_parts: Vec<Option<RanInParts>>,
    progress: &dyn Progress,
) -> (Vec<Hit>, Vec<DetectorRun>) {
    let mut hits = Vec::with_capacity(detectors.len());
    let mut runs = Vec::new();
    for (d, done) in detectors.iter().zip(in_parts) {
        let pattern = d.pattern();
        let stage = progress.stage(&format!("detect {} {}", pattern, pattern.title()), None);
        let start = Instant::now();
        let lookback = d.lookback(ctx.config);
        let mut millis = None;
        let (outcome, skipped, in_parts) = match skipped(ctx, d.as_ref()) {
            Some(why) => (Outcome::default(), Some(why), None),
            None => match (parts, d.part_rule(ctx.config), done) {
                (Some(p), Some(rule), Some(ran)) => {
                    millis = Some(ran.millis);
                    let how = PartsRun::InParts {
                        parts: ran.parts,
                        window_days: p.time().window_days(),
                        rule,
                        largest_part_transfers: ran.largest_part,
                    };
                    (ran.outcome, None, Some(how))
                }
                (Some(_), _, _) => (d.run(ctx), None, Some(PartsRun::WholeDump { why: lookback.words() })),
                (None, rule, _) => {
                    let mut outcome = d.run(ctx);
                    // In the order a partitioned run gives.
                    if let Some(rule) = rule {
                        in_part_order(rule, &mut outcome.hits);
                    }
                    (outcome, None, None)
                }
            },
        };
        stage.finish();
        runs.push(DetectorRun {
            code: pattern,
            title: pattern.title(),
            hits: outcome.hits.len(),
            millis: millis.unwrap_or_else(|| start.elapsed().as_millis()),
            skipped,
            notes: outcome.notes,
            lookback,
            parts: in_parts,
        });
        hits.push(outcome.hits);
    }
    if ctx.config.exempt_licensed {
        drop_licensed(ctx, &mut hits, &mut runs);
    }
    let hits = settle(ctx, detectors, hits, &mut runs);
    (hits, runs)
}

//! The detector trait, every detector in run order, and the pass that runs them.

use std::convert::Infallible;
use std::time::Instant;

use serde::Serialize;

use crate::config::Config;
use crate::pattern::Pattern;
use crate::progress::Progress;

use super::arbitration::{drop_licensed, settle};
use super::context::{Context, PartEdges};
use super::graded::Graded;
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
    /// The hits its chance tests allow by coincidence over the dump under `config` (its
    /// table's `expected_by_chance`), which the run widens with the hits it finds
    /// ([`ChanceBudget`], [`Config::with_chance_budgets_times`]); `None` when its evidence
    /// is read without such a budget, or its readings are not held to a widened one.
    fn chance_budget(&self, _config: &Config) -> Option<f64> {
        None
    }
    /// For a detector with a [`Detector::chance_budget`] whose test is a threshold each
    /// candidate passes or fails: one search of `ctx`'s dump keeping every candidate a
    /// budget up to `times` the configured one passes, so that the run under a wider
    /// budget reads them again ([`Graded`]) rather than searching again; `None` when the
    /// detector searches again.
    fn search_graded(&self, _ctx: &Context<'_>, _times: f64) -> Option<Box<dyn Graded>> {
        None
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
    /// The chance budget its hits were found under (absent for a detector without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chance_budget: Option<ChanceBudget>,
}

/// The chance budget a detector ran under: the configured one, or that widened to a
/// share of the hits it found there (`false_discovery_share`). Every chance test counts
/// its tries over the whole dump, so a dump twice as large asks each case to be twice as
/// unlikely though it holds twice the cases; a detector that finds many cases is run
/// again with coincidences allowed in proportion to them. One widening, read from the
/// hits found under the configured budget: the share of coincidences among the hits
/// found under the widened one is then no more than `false_discovery_share`, since those
/// hits are at least as many. The widening trusts the chance readings as p-values: a
/// detector whose readings are not conservative far out in their tail keeps its budget
/// as configured (its [`Detector::chance_budget`] is `None`), as the fans do
/// ([`crate::detect::search::fans`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChanceBudget {
    /// Hits allowed by coincidence over the dump, as configured.
    pub configured: f64,
    /// Hits found under the configured budget that stand once every detector's hits are
    /// settled (a collector's depositors are UB1's case, not one more fan).
    pub found_as_configured: usize,
    /// How many times the configured budget the hits were found under (1: not widened).
    pub widened: f64,
}

impl ChanceBudget {
    /// The budget for a detector configured with `configured` that found
    /// `found_as_configured` hits under it, when coincidences may be `share` of them.
    pub fn read(configured: f64, found_as_configured: usize, share: f64) -> ChanceBudget {
        let allowed = share * found_as_configured as f64;
        let widened = if configured > 0.0 && allowed > configured { allowed / configured } else { 1.0 };
        ChanceBudget { configured, found_as_configured, widened }
    }

    /// What the summary says of a widened budget.
    fn note(&self, share: f64) -> String {
        format!(
            "chance budget widened {:.1}x: {:.1} hit(s) by coincidence allowed, {}% of the {} found when {} was",
            self.widened,
            self.configured * self.widened,
            share * 100.0,
            self.found_as_configured,
            self.configured
        )
    }
}

/// How many times its configured chance budget a detector that keeps its candidates
/// ([`Detector::search_graded`]) keeps them for: a run widened further searches again.
/// It bounds the coincidences kept to about this many times the configured budget; a
/// widening reaches it when a detector finds twenty times this many hits
/// (`false_discovery_share` 0.05), more than a 100M-transfer dump of our generator
/// gives one.
const GRADED_UP_TO: f64 = 64.0;

/// How one detector ran, before the hits are settled.
struct Ran {
    outcome: Outcome,
    skipped: Option<String>,
    millis: u128,
    parts: Option<PartsRun>,
    budget: Option<ChanceBudget>,
    /// Its candidates for wider chance budgets, when it searched the whole dump once for
    /// them.
    graded: Option<Box<dyn Graded>>,
}

/// Runs every detector; hits are concatenated in registry order.
pub fn run_all(
    ctx: &Context<'_>,
    detectors: &[Box<dyn Detector>],
    progress: &dyn Progress,
) -> (Vec<Hit>, Vec<DetectorRun>) {
    let mut ran: Vec<Ran> =
        detectors.iter().map(|d| run_one(ctx, d.as_ref(), None, None, GRADED_UP_TO, progress)).collect();
    let Ok(()) = widen_budgets(ctx, detectors, None, &mut ran, progress, |_, _| Ok::<_, Infallible>(None));
    settled(ctx, detectors, ran)
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
    let mut ran: Vec<Ran> = detectors
        .iter()
        .zip(in_parts)
        .map(|(d, done)| run_one(ctx, d.as_ref(), parts, done, GRADED_UP_TO, progress))
        .collect();
    widen_budgets(ctx, detectors, parts, &mut ran, progress, |wide, d| {
        match (parts, d.part_rule(wide.config)) {
            (Some(p), Some(rule)) => {
                Ok::<_, PartBytesError>(run_each_in_parts(wide, &[(d, rule)], p, progress)?.pop())
            }
            _ => Ok(None),
        }
    })?;
    Ok(settled(ctx, detectors, ran))
}

/// Why `d` does not run on `ctx`'s dump, if it does not.
fn skipped(ctx: &Context<'_>, d: &dyn Detector) -> Option<String> {
    let disabled = ctx.config.disabled.contains(&d.pattern()).then(|| "disabled in the config".to_owned());
    disabled.or_else(|| d.unavailable(ctx))
}

/// Runs `d` on `ctx`, unless it ran in parts already (`done`: how it ran there).
fn run_one(
    ctx: &Context<'_>,
    d: &dyn Detector,
    parts: Option<&Partition>,
    done: Option<RanInParts>,
    graded_up_to: f64,
    progress: &dyn Progress,
) -> Ran {
    let pattern = d.pattern();
    let stage = progress.stage(&format!("detect {} {}", pattern, pattern.title()), None);
    let start = Instant::now();
    let mut millis = None;
    let mut graded = None;
    let (outcome, skipped, in_parts) = match skipped(ctx, d) {
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
            (Some(_), _, _) => {
                (d.run(ctx), None, Some(PartsRun::WholeDump { why: d.lookback(ctx.config).words() }))
            }
            (None, rule, _) => {
                let (mut outcome, kept) = run_whole(ctx, d, graded_up_to);
                graded = kept;
                // In the order a partitioned run gives.
                if let Some(rule) = rule {
                    in_part_order(rule, &mut outcome.hits);
                }
                (outcome, None, None)
            }
        },
    };
    stage.finish();
    let millis = millis.unwrap_or_else(|| start.elapsed().as_millis());
    Ran { outcome, skipped, millis, parts: in_parts, budget: None, graded }
}

/// `d`'s hits over the whole of `ctx`'s dump, and its candidates for chance budgets up
/// to `times` the configured one when it keeps them and the run may widen its budget.
fn run_whole(ctx: &Context<'_>, d: &dyn Detector, times: f64) -> (Outcome, Option<Box<dyn Graded>>) {
    let may_widen = ctx.config.false_discovery_share.get() > 0.0 && d.chance_budget(ctx.config).is_some();
    if may_widen && times > 1.0 {
        if let Some(graded) = d.search_graded(ctx, times) {
            if let Some(outcome) = graded.at(ctx) {
                return (outcome, Some(graded));
            }
        }
    }
    (d.run(ctx), None)
}

/// Reads each detector's chance budget from the hits it found under the configured one
/// that stand once settled ([`ChanceBudget`]), and runs each whose `false_discovery_share`
/// of them is more than its budget again, under a budget that wide (`in_parts`: how a
/// detector runs in parts under a context, or `None` when it does not).
fn widen_budgets<E>(
    ctx: &Context<'_>,
    detectors: &[Box<dyn Detector>],
    parts: Option<&Partition>,
    ran: &mut [Ran],
    progress: &dyn Progress,
    in_parts: impl Fn(&Context<'_>, &dyn Detector) -> Result<Option<RanInParts>, E>,
) -> Result<(), E> {
    let share = ctx.config.false_discovery_share.get();
    // What each found that stands once settled: a collector's depositors are a fan in
    // too, but they are UB1's case, not one more fan.
    let as_configured = ran
        .iter()
        .map(|r| Ran {
            outcome: Outcome { hits: r.outcome.hits.clone(), notes: Vec::new() },
            skipped: r.skipped.clone(),
            millis: 0,
            parts: None,
            budget: None,
            graded: None,
        })
        .collect();
    let (_, standing) = settled(ctx, detectors, as_configured);
    for ((d, r), found) in detectors.iter().zip(ran.iter_mut()).zip(standing.iter().map(|s| s.hits)) {
        let Some(configured) = d.chance_budget(ctx.config).filter(|_| r.skipped.is_none()) else { continue };
        let budget = ChanceBudget::read(configured, found, share);
        r.budget = Some(budget);
        if budget.widened <= 1.0 {
            continue;
        }
        let config = ctx.config.with_chance_budgets_times(budget.widened);
        let wide = ctx.with_config(&config);
        let again = match regraded(&wide, d.as_ref(), r.graded.take()) {
            Some(again) => again,
            None => {
                let done = in_parts(&wide, d.as_ref())?;
                // Its candidates were not kept that wide: searched again, keeping none.
                run_one(&wide, d.as_ref(), parts, done, 1.0, progress)
            }
        };
        r.outcome = again.outcome;
        r.outcome.notes.push(budget.note(share));
        r.millis += again.millis;
        r.parts = again.parts;
    }
    Ok(())
}

/// `d`'s hits under `wide`'s budgets read from the candidates its whole run kept
/// (`graded`), as a run under them finds them; `None` when it kept none that wide.
fn regraded(wide: &Context<'_>, d: &dyn Detector, graded: Option<Box<dyn Graded>>) -> Option<Ran> {
    let start = Instant::now();
    let mut outcome = graded?.at(wide)?;
    if let Some(rule) = d.part_rule(wide.config) {
        in_part_order(rule, &mut outcome.hits);
    }
    let millis = start.elapsed().as_millis();
    Some(Ran { outcome, skipped: None, millis, parts: None, budget: None, graded: None })
}

/// The hits of every detector's run, settled ([`settle`]), and how each detector ran.
fn settled(
    ctx: &Context<'_>,
    detectors: &[Box<dyn Detector>],
    ran: Vec<Ran>,
) -> (Vec<Hit>, Vec<DetectorRun>) {
    let mut hits = Vec::with_capacity(detectors.len());
    let mut runs = Vec::with_capacity(detectors.len());
    for (d, r) in detectors.iter().zip(ran) {
        let pattern = d.pattern();
        runs.push(DetectorRun {
            code: pattern,
            title: pattern.title(),
            hits: r.outcome.hits.len(),
            millis: r.millis,
            skipped: r.skipped,
            notes: r.outcome.notes,
            lookback: d.lookback(ctx.config),
            parts: r.parts,
            chance_budget: r.budget,
        });
        hits.push(r.outcome.hits);
    }
    if ctx.config.exempt_licensed {
        drop_licensed(ctx, &mut hits, &mut runs);
    }
    let hits = settle(ctx, detectors, hits, &mut runs);
    (hits, runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::hit::HitBuilder;
    use crate::detect::testkit::{Tiny, D};
    use crate::detect::Role;
    use crate::lookback::Reads;
    use crate::progress::Silent;

    /// A detector whose every transfer is a candidate, its chance its amount in
    /// millions: one hit for each whose chance, times the dump's transfers (its tries),
    /// is within the cycle table's budget. It keeps its candidates for wider budgets
    /// ([`Detector::search_graded`]) and counts its searches of the dump.
    #[derive(Default)]
    struct ByChance {
        searches: std::sync::atomic::AtomicUsize,
    }

    /// What [`ByChance`] kept: each transfer with its level, and the widest budget.
    struct ByChanceCandidates {
        levels: Vec<(u32, f64)>,
        budget: f64,
    }

    impl Graded for ByChanceCandidates {
        fn at(&self, ctx: &Context<'_>) -> Option<Outcome> {
            let g = ctx.graph;
            let budget = ctx.config.cycle.expected_by_chance.get();
            if budget > self.budget {
                return None;
            }
            let hits = self
                .levels
                .iter()
                .filter(|&&(_, level)| level <= budget)
                .map(|&(e, _)| {
                    let mut b = HitBuilder::default();
                    b.account(g.src[e as usize], Role::Hub, 0.0, g.amount[e as usize]);
                    b.account(g.dst[e as usize], Role::Member, g.amount[e as usize], 0.0);
                    b.transfer(e);
                    b.finish(g, Pattern::Cycle, g.amount[e as usize], 0.5, String::new())
                })
                .collect();
            Some(Outcome { hits, notes: Vec::new() })
        }
    }

    impl ByChance {
        fn search(&self, ctx: &Context<'_>, times: f64) -> ByChanceCandidates {
            self.searches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let g = ctx.graph;
            let tries = g.edge_count() as f64;
            let budget = ctx.config.cycle.expected_by_chance.get() * times;
            let levels = (0..g.edge_count() as u32)
                .map(|e| (e, g.amount[e as usize] / 1e6 * tries))
                .filter(|&(_, level)| level <= budget)
                .collect();
            ByChanceCandidates { levels, budget }
        }

        fn searches(&self) -> usize {
            self.searches.load(std::sync::atomic::Ordering::Relaxed)
        }
    }

    impl Detector for ByChance {
        fn pattern(&self) -> Pattern {
            Pattern::Cycle
        }
        fn unavailable(&self, _: &Context<'_>) -> Option<String> {
            None
        }
        fn run(&self, ctx: &Context<'_>) -> Outcome {
            self.search(ctx, 1.0).at(ctx).unwrap_or_default()
        }
        fn search_graded(&self, ctx: &Context<'_>, times: f64) -> Option<Box<dyn Graded>> {
            Some(Box::new(self.search(ctx, times)))
        }
        fn lookback(&self, _: &Config) -> Lookback {
            Lookback::days(1.0, &[Reads::Reference])
        }
        fn chance_budget(&self, config: &Config) -> Option<f64> {
            Some(config.cycle.expected_by_chance.get())
        }
    }

    /// 1,000 transfers between distinct pairs: `cases` as unlikely as 1 in a million
    /// (within the budget of 1 over the dump's 1,000 tries), `marginal` 1 in 250 (four
    /// times over it), the rest even chances.
    fn dump(cases: usize, marginal: usize) -> Tiny {
        let mut t = Tiny::new();
        for k in 0..1_000 {
            let amount = if k < cases {
                1.0
            } else if k < cases + marginal {
                4_000.0
            } else {
                500_000.0
            };
            t.wire(&format!("S{k}"), &format!("R{k}"), k as i64 * D / 10, amount);
        }
        t
    }

    fn run(t: &Tiny) -> (usize, DetectorRun) {
        let (hits, ran, _) = run_counting_searches(t);
        (hits, ran)
    }

    /// [`run`], with how many times the detector searched the dump.
    fn run_counting_searches(t: &Tiny) -> (usize, DetectorRun, usize) {
        let g = t.graph();
        let ctx = Context::new(&g, &t.dump, &t.config);
        let detector = std::sync::Arc::new(ByChance::default());
        let detectors: Vec<Box<dyn Detector>> = vec![Box::new(Shared(std::sync::Arc::clone(&detector)))];
        let (hits, mut runs) = run_all(&ctx, &detectors, &Silent);
        (hits.len(), runs.remove(0), detector.searches())
    }

    /// A detector the test still holds (to read its counts after the run).
    struct Shared<D>(std::sync::Arc<D>);

    impl<D: Detector + Send> Detector for Shared<D> {
        fn pattern(&self) -> Pattern {
            self.0.pattern()
        }
        fn unavailable(&self, ctx: &Context<'_>) -> Option<String> {
            self.0.unavailable(ctx)
        }
        fn run(&self, ctx: &Context<'_>) -> Outcome {
            self.0.run(ctx)
        }
        fn search_graded(&self, ctx: &Context<'_>, times: f64) -> Option<Box<dyn Graded>> {
            self.0.search_graded(ctx, times)
        }
        fn lookback(&self, config: &Config) -> Lookback {
            self.0.lookback(config)
        }
        fn chance_budget(&self, config: &Config) -> Option<f64> {
            self.0.chance_budget(config)
        }
    }

    #[test]
    fn a_detector_finding_many_cases_allows_coincidences_in_proportion_to_them() {
        // 100 cases found: 5 coincidences allowed, not 1, so the marginal ones count.
        let (hits, ran) = run(&dump(100, 50));
        assert_eq!(hits, 150);
        let budget = ran.chance_budget.unwrap();
        assert_eq!((budget.configured, budget.found_as_configured), (1.0, 100));
        assert!((budget.widened - 5.0).abs() < 1e-9, "{budget:?}");
        assert!(ran.notes.iter().any(|n| n.contains("widened 5.0x")), "{:?}", ran.notes);
    }

    #[test]
    fn a_widened_budget_reads_the_candidates_kept_and_past_them_searches_again() {
        // Widened 5x: the marginal ones come from the one search's candidates.
        let (hits, ran, searches) = run_counting_searches(&dump(100, 50));
        assert_eq!((hits, searches), (150, 1));
        assert!((ran.chance_budget.unwrap().widened - 5.0).abs() < 1e-9);
        // Configured at a fortieth, a hundred cases widen it 200x, past what one search
        // keeps: the detector searches again and finds what that budget allows.
        let mut t = dump(100, 50);
        t.config = Config::with_overrides("[cycle]\nexpected_by_chance = 0.025", "t").unwrap();
        let (hits, ran, searches) = run_counting_searches(&t);
        let widened = ran.chance_budget.unwrap().widened;
        assert!(widened > GRADED_UP_TO, "{widened}");
        assert_eq!((hits, searches), (150, 2));
        // Nothing to widen to: the one search keeps no more than the configured budget.
        let mut t = dump(100, 50);
        t.config = Config::with_overrides("false_discovery_share = 0.0", "t").unwrap();
        let g = t.graph();
        let ctx = Context::new(&g, &t.dump, &t.config);
        let (_, kept) = run_whole(&ctx, &ByChance::default(), GRADED_UP_TO);
        assert!(kept.is_none());
    }

    #[test]
    fn a_detector_finding_few_keeps_its_budget_as_configured() {
        // Ten cases: 5% of them is half a coincidence, under the budget of 1.
        let (hits, ran) = run(&dump(10, 50));
        assert_eq!(hits, 10);
        assert_eq!(ran.chance_budget.map(|b| b.widened), Some(1.0));
        assert!(ran.notes.is_empty(), "{:?}", ran.notes);
    }

    #[test]
    fn a_share_of_nothing_keeps_every_budget_as_configured() {
        let mut t = dump(100, 50);
        t.config = Config::with_overrides("false_discovery_share = 0.0", "t").unwrap();
        let (hits, ran) = run(&t);
        assert_eq!(hits, 100);
        assert_eq!(ran.chance_budget.map(|b| b.widened), Some(1.0));
    }

    #[test]
    fn the_motifs_and_the_chance_read_typologies_widen_and_the_fans_keep_theirs() {
        let config = Config::default_config().unwrap();
        let widening: Vec<Pattern> =
            registry().iter().filter(|d| d.chance_budget(&config).is_some()).map(|d| d.pattern()).collect();
        use Pattern::*;
        assert_eq!(widening, [Ub2, Ub3, Cycle, RandomWalk, Stack, Bipartite, ScatterGather, GatherScatter]);
    }

    #[test]
    fn the_budget_widens_only_past_the_configured_one() {
        let read = |configured, found| ChanceBudget::read(configured, found, 0.05).widened;
        assert_eq!(read(1.0, 0), 1.0);
        assert_eq!(read(1.0, 20), 1.0);
        assert!((read(1.0, 40) - 2.0).abs() < 1e-12);
        assert!((read(0.1, 40) - 20.0).abs() < 1e-9);
        // A budget of nothing stays nothing.
        assert_eq!(read(0.0, 1_000), 1.0);
    }
}

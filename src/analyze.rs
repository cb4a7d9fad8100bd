//! The batch run: ingest -> graph -> detectors -> leads -> export. The CLI's `analyze`
//! is a thin wrapper over [`run`].

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::Config;
use crate::detect::{self, Context, DetectorRun};
use crate::error::{Error, Result};
use crate::export::out_dir::{OutputDir, ANALYZE_FILES};
use crate::export::{goaml, leads_csv, report, run_json};
use crate::graph::scale::ScaleReport;
use crate::graph::FlowGraph;
use crate::ingest::presets::{self, Preset, Truth};
use crate::ingest::schema::Table;
use crate::ingest::source::RawTable;
use crate::ingest::{rejects::write_rejects, IngestReport};
use crate::leads::{self, Lead};
use crate::model::Dump;
use crate::progress::Progress;

/// Options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Dump folder (or a single transfers file).
    pub dump: PathBuf,
    /// Output folder (created if missing).
    pub out: PathBuf,
    /// Fail the run on any rejected row.
    pub strict: bool,
    /// Fail the run when more than this share of rows is rejected.
    pub max_reject_ratio: f64,
    /// Input layout (detected from file names and headers when `None`).
    pub preset: Option<Preset>,
    /// Also write report.html.
    pub report: bool,
    /// Also write leads.xlsx.
    pub excel: bool,
    /// Also write goAML suspicious-transaction reports for the top leads, and how.
    pub goaml: Option<goaml::Filing>,
    /// Name of the rejects file in `out`: each subcommand writes its own
    /// (`rejects.csv`, `trace_rejects.csv`, `features_rejects.csv`).
    pub rejects_file: &'static str,
    /// Run the detectors that can be part by part in parts of this many seconds
    /// ([`crate::detect::parts`]): the same leads, found the way a run spread over
    /// machines finds them.
    pub partition_window: Option<i64>,
    /// What runs those parts, when not this process one after another (Spark's
    /// executors, through [`crate::detect::parts::PartJob`]s).
    pub part_runner: Option<crate::detect::parts::SharedRunner>,
}

/// Where a run's tables come from.
pub enum Input {
    /// The files at `Options::dump`, in the layout `Options::preset` (or the one detected).
    Files,
    /// Tables already in memory, in the native layout (see [`RawTable::from_frame`]);
    /// `Options::dump` only labels them in run.json.
    Tables(Vec<(Table, RawTable)>),
}

/// What a run produced, for the terminal summary.
#[derive(Debug)]
pub struct Report {
    /// Ingest counts and rejects.
    pub ingest: IngestReport,
    /// Accounts in the graph.
    pub accounts: usize,
    /// Transfers in the graph.
    pub transfers: usize,
    /// Bytes held by the graph.
    pub graph_bytes: usize,
    /// The dump's scale and the floors derived from it.
    pub scale: ScaleReport,
    /// Per detector.
    pub detectors: Vec<DetectorRun>,
    /// Ranked leads (account ids resolved for display).
    pub leads: Vec<LeadLine>,
    /// Wall time per stage.
    pub stages: Vec<(String, u128)>,
    /// Output files written.
    pub outputs: Vec<PathBuf>,
    /// The layout read.
    pub preset: Preset,
    /// True when the dataset's labels were written as truth.csv / truth_accounts.csv.
    pub truth_written: bool,
}

/// A lead as shown in the terminal summary.
#[derive(Debug, Clone)]
pub struct LeadLine {
    /// Lead id.
    pub id: String,
    /// Score.
    pub score: f64,
    /// Patterns.
    pub patterns: String,
    /// Number of accounts.
    pub accounts: usize,
    /// Amount in base currency.
    pub amount: f64,
    /// Summary text.
    pub summary: String,
}

/// Why a run stopped after ingest because of rejects (`out` is where the rejects file
/// will be found).
pub fn reject_failure(report: &IngestReport, opts: &Options) -> Option<String> {
    let rejected = report.total_rejected();
    if opts.strict && rejected > 0 {
        return Some(format!(
            "{rejected} row(s) rejected and --strict is set; see {}",
            opts.out.join(opts.rejects_file).display()
        ));
    }
    // Per table: 72 bad transfers in 200 must not hide behind 2,000 good fx rates.
    for t in &report.tables {
        let ratio = t.reject_ratio();
        if ratio > opts.max_reject_ratio {
            return Some(format!(
                "{}: {} of {} rows rejected ({:.2}%), above --max-reject-ratio {:.2}%; see {}",
                t.table,
                t.rejected,
                t.read,
                ratio * 100.0,
                opts.max_reject_ratio * 100.0,
                opts.out.join(opts.rejects_file).display()
            ));
        }
    }
    None
}

/// A dump read, validated and turned into a graph.
pub struct Loaded {
    /// The validated dump.
    pub dump: Dump,
    /// Ingest counts and rejects.
    pub ingest: IngestReport,
    /// Its graph.
    pub graph: FlowGraph,
    /// Wall time per stage so far.
    pub stages: Vec<(String, u128)>,
    /// The layout read.
    pub preset: Preset,
    /// Labels of a public dataset, also written to the output folder.
    pub truth: Option<Truth>,
}

/// What [`load`] reads before it builds the graph: for work that builds its own graphs
/// of parts of the dump (`features --partition-window`), which the whole dump's graph
/// would only crowd out of memory.
pub struct LoadedDump {
    /// The validated dump.
    pub dump: Dump,
    /// Ingest counts and rejects.
    pub ingest: IngestReport,
    /// Wall time per stage so far.
    pub stages: Vec<(String, u128)>,
    /// The layout read.
    pub preset: Preset,
    /// Labels of a public dataset, also written to the output folder.
    pub truth: Option<Truth>,
}

/// Reads, validates and builds the graph, writing the rejects (and a labelled dataset's
/// truth) into `opts.out`. See [`load_into`].
pub fn load(opts: &Options, config: &Config, progress: &dyn Progress) -> Result<Loaded> {
    load_into(opts, &opts.out, config, progress)
}

impl Loaded {
    /// The dump and what came with it, and its graph, apart.
    pub fn split(self) -> (LoadedDump, FlowGraph) {
        let Loaded { dump, ingest, graph, stages, preset, truth } = self;
        (LoadedDump { dump, ingest, stages, preset, truth }, graph)
    }
}

/// [`load`] without the graph.
pub fn load_dump(opts: &Options, config: &Config, progress: &dyn Progress) -> Result<LoadedDump> {
    load_dump_input(opts, Input::Files, &opts.out, config, progress)
}

/// Reads, validates and builds the graph. Rejects are written to `dir` (the folder the
/// run is being written in) before thresholds are checked, so a failed run still leaves
/// them to fix the input with.
pub fn load_into(opts: &Options, dir: &Path, config: &Config, progress: &dyn Progress) -> Result<Loaded> {
    load_input(opts, Input::Files, dir, config, progress)
}

/// [`load_into`] from `input`.
pub fn load_input(
    opts: &Options,
    input: Input,
    dir: &Path,
    config: &Config,
    progress: &dyn Progress,
) -> Result<Loaded> {
    let LoadedDump { mut dump, ingest, mut stages, preset, truth } =
        load_dump_input(opts, input, dir, config, progress)?;
    let clock = Instant::now();
    let stage = progress.stage("build graph", None);
    let graph = FlowGraph::build_releasing(&mut dump, config);
    stage.finish();
    stages.push(("graph".to_owned(), clock.elapsed().as_millis()));
    Ok(Loaded { dump, ingest, graph, stages, preset, truth })
}

/// [`load_input`] up to the graph.
fn load_dump_input(
    opts: &Options,
    input: Input,
    dir: &Path,
    config: &Config,
    progress: &dyn Progress,
) -> Result<LoadedDump> {
    let mut stages = Vec::new();
    let clock = Instant::now();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let (preset, (dump, ingest, truth)) = match input {
        Input::Files => {
            let preset = match opts.preset {
                Some(p) => p,
                None => presets::detect(&opts.dump)?,
            };
            (preset, presets::load(preset, &opts.dump, config, progress)?)
        }
        Input::Tables(tables) => {
            let (dump, ingest) = crate::ingest::validate_tables(tables, config, progress)?;
            (Preset::Native, (dump, ingest, None))
        }
    };
    write_rejects(&dir.join(opts.rejects_file), &ingest.rejects)?;
    if let Some(t) = &truth {
        t.write(dir)?;
    }
    stages.push(("ingest".to_owned(), clock.elapsed().as_millis()));
    if let Some(why) = reject_failure(&ingest, opts) {
        return Err(Error::RunFailed(why));
    }
    Ok(LoadedDump { dump, ingest, stages, preset, truth })
}

/// Runs the whole batch into `opts.out`, which then holds this run's files only: they
/// are written in a partial folder and moved in together, also when the run fails (its
/// rejects and a run.json saying why).
pub fn run(opts: &Options, config: &Config, progress: &dyn Progress) -> Result<Report> {
    run_with(opts, Input::Files, config, progress)
}

/// [`run`] from `input`.
pub fn run_with(opts: &Options, input: Input, config: &Config, progress: &dyn Progress) -> Result<Report> {
    if let Some(filing) = opts.goaml {
        goaml::check(config, filing)?;
    }
    let dir = OutputDir::begin(&opts.out, &ANALYZE_FILES)?;
    match run_in(opts, input, dir.path(), config, progress) {
        Ok(report) => {
            dir.commit()?;
            Ok(report)
        }
        Err(e) => {
            let failed = run_json::Failure {
                version: env!("CARGO_PKG_VERSION"),
                status: "failed",
                dump: opts.dump.display().to_string(),
                error: e.to_string(),
                config_sha256: config.hash(),
            };
            run_json::write_failure(&dir.path().join("run.json"), &failed)?;
            dir.commit()?;
            Err(e)
        }
    }
}

fn run_in(
    opts: &Options,
    input: Input,
    dir: &Path,
    config: &Config,
    progress: &dyn Progress,
) -> Result<Report> {
    let Loaded { dump, ingest, graph, mut stages, preset, truth } =
        load_input(opts, input, dir, config, progress)?;
    let mut clock = Instant::now();
    let mut lap = |name: &str, stages: &mut Vec<(String, u128)>| {
        stages.push((name.to_owned(), clock.elapsed().as_millis()));
        clock = Instant::now();
    };
    let ctx = Context::new(&graph, &dump, config);
    let parts = opts.partition_window.and_then(|w| detect::parts::Partition::of(&graph, w)).map(|p| {
        match &opts.part_runner {
            Some(runner) => p.run_by(std::sync::Arc::clone(&runner.0)),
            None => p,
        }
    });
    let (hits, detectors) = detect::run_all_in(&ctx, &detect::registry(), parts.as_ref(), progress)
        .map_err(|e| crate::error::Error::RunFailed(format!("detection in parts: {e}")))?;
    lap("detect", &mut stages);

    let stage = progress.stage("merge leads", None);
    let leads: Vec<Lead> = leads::build(&hits, &ctx);
    stage.finish();
    lap("leads", &mut stages);

    let stage = progress.stage("export", None);
    leads_csv::write(dir, &leads, &graph, &dump, &config.base_currency)?;
    let mut extra_outputs = Vec::new();
    if opts.report {
        let path = dir.join("report.html");
        let context = report::RunContext {
            dump: opts.dump.display().to_string(),
            reconciliation: ingest.reconciliation().into_iter().chain(ingest.notes()).collect(),
            missing: ingest.missing.iter().map(|(t, why)| format!("no {t} table: {why}")).collect(),
            detectors: detectors.clone(),
            base_currency: config.base_currency.clone(),
        };
        report::write(&path, &leads, &graph, &dump, config, &context)?;
        extra_outputs.push(opts.out.join("report.html"));
    }
    if opts.excel {
        crate::export::xlsx::write(&dir.join("leads.xlsx"), dir)?;
        extra_outputs.push(opts.out.join("leads.xlsx"));
    }
    if let Some(filing) = opts.goaml {
        let written = goaml::write(&dir.join("goaml"), &leads, &graph, &dump, config, filing)?;
        extra_outputs
            .extend(written.iter().filter_map(|p| p.file_name()).map(|f| opts.out.join("goaml").join(f)));
    }
    stage.finish();
    lap("export", &mut stages);

    let scale = ScaleReport::new(&graph.scale, config);
    let record = run_json::RunRecord {
        version: env!("CARGO_PKG_VERSION"),
        status: "ok",
        dump: opts.dump.display().to_string(),
        inputs: ingest.tables.clone(),
        availability: dump.availability,
        missing_tables: ingest.missing.iter().map(|(t, why)| format!("{t}: {why}")).collect(),
        unlisted_accounts: ingest.unlisted_accounts.clone(),
        unlisted_holders: ingest.unlisted_holders.clone(),
        config_sha256: config.hash(),
        threads: rayon::current_num_threads(),
        accounts: graph.node_count(),
        transfers: graph.edge_count(),
        graph_bytes: graph.heap_bytes(),
        scale: scale.clone(),
        detectors: detectors.clone(),
        leads: leads.len(),
        stage_millis: stages.clone(),
    };
    run_json::write(&dir.join("run.json"), &record)?;

    let lines = leads
        .iter()
        .map(|l| LeadLine {
            id: l.id.clone(),
            score: l.score,
            patterns: crate::pattern::join(&l.patterns, "+"),
            accounts: l.accounts.len(),
            amount: l.total_amount,
            summary: l.summary.clone(),
        })
        .collect();
    // The five lead files, rejects.csv and run.json; then the labels as truth.
    let mut names: Vec<&str> = ANALYZE_FILES[..7].to_vec();
    if truth.is_some() {
        names.extend(&ANALYZE_FILES[7..9]);
    }
    let mut outputs: Vec<PathBuf> = names.iter().map(|f| opts.out.join(f)).collect();
    outputs.extend(extra_outputs);
    Ok(Report {
        ingest,
        accounts: graph.node_count(),
        transfers: graph.edge_count(),
        graph_bytes: graph.heap_bytes(),
        scale,
        detectors,
        leads: lines,
        stages,
        outputs,
        preset,
        truth_written: truth.is_some(),
    })
}

/// True when `path` looks like an analyze output folder.
pub fn is_output_dir(path: &Path) -> bool {
    path.join("leads.csv").is_file() && path.join("lead_accounts.csv").is_file()
}

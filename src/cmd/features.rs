//! `flowhound features`: per-transfer graph features for machine-learning models.
//!
//! One row per transfer: fans and degrees of both endpoints, their amount statistics,
//! scatter-gather instances and temporal cycles (by length) through the transfer, all
//! over the window before it. Parquet, or CSV when the output ends in .csv.

use std::path::PathBuf;
use std::time::Instant;

use flowhound::analyze::{self, Options};
use flowhound::export::features_out;
use flowhound::features::{self, Family, Layout};
use flowhound::ingest::presets::Preset;
use flowhound::progress::Progress;
use flowhound::units::parse_duration;
use flowhound::Config;

use super::say;

/// Compute per-transfer pattern features (GFP-style) and write them as Parquet or CSV.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Dump folder (or a single transfers file).
    dump: PathBuf,
    /// Output file (.parquet, or .csv). Named --out-file because it is a file, where the
    /// other subcommands' --out is a folder (--out still works).
    #[arg(long = "out-file", alias = "out", value_name = "FILE")]
    out: PathBuf,
    /// Window before each transfer: seconds, or with a unit: 30m, 12h, 1d.
    #[arg(long, default_value = "1d")]
    window: String,
    /// Feature families (default: all that the layout has).
    #[arg(long, value_enum, value_delimiter = ',')]
    patterns: Vec<Family>,
    /// Columns: flowhound's own, or IBM GFP's one to one (its binned histograms and
    /// vertex statistics, with its semantics; see README).
    #[arg(long, value_enum, default_value_t = Layout::Flowhound)]
    layout: Layout,
    /// Most hops of a temporal cycle (flowhound layout) or of a length-constrained cycle
    /// (gfp layout, GFP's lc-cycle_len; its temporal cycles have no bound).
    #[arg(long, default_value_t = 10)]
    max_cycle: usize,
    /// Edge expansions per cycle search / scatter-gather count (counts past it are lower bounds).
    #[arg(long, default_value_t = 1_000_000)]
    budget: u64,
    /// Input layout (default: detected).
    #[arg(long, value_enum)]
    preset: Option<Preset>,
    /// Configuration overrides (base currency, ...).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Compute one part of time at a time (e.g. 7d, 30d), each part loading only what
    /// its transfers' features read: the same output as one run, the way a run split
    /// over machines would compute it.
    #[arg(long, value_name = "DURATION")]
    partition_window: Option<String>,
}

/// How the features are computed: over the whole dump's graph, or part by part (of so
/// many seconds), each part building its own.
enum How {
    Whole(Box<flowhound::graph::FlowGraph>),
    InParts(i64),
}

pub fn run(args: Args, progress: &dyn Progress) -> anyhow::Result<()> {
    let ext = args.out.extension().map(|x| x.to_string_lossy().to_ascii_lowercase());
    if !matches!(ext.as_deref(), Some("csv" | "parquet")) {
        return Err(flowhound::Error::Usage(format!(
            "--out {}: name the file .parquet or .csv (its format follows the extension)",
            args.out.display()
        ))
        .into());
    }
    let config = Config::load_or_default(args.config.as_deref())?;
    let window = parse_duration(&args.window).ok_or_else(|| {
        flowhound::Error::Usage(format!("--window {}: expected seconds or 30m / 12h / 1d", args.window))
    })?;
    // features_rejects.csv goes beside the features file: nothing read is lost.
    let beside = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| ".".into());
    let opts = Options {
        dump: args.dump,
        out: beside.clone(),
        strict: false,
        max_reject_ratio: 0.01,
        preset: args.preset,
        report: false,
        excel: false,
        goaml: None,
        rejects_file: "features_rejects.csv",
        partition_window: None,
        part_runner: None,
    };
    let families = args
        .layout
        .select(&args.patterns)
        .map_err(|why| flowhound::Error::Usage(format!("--patterns {why}")))?;
    let fopts = features::Options {
        window,
        max_cycle: args.max_cycle,
        families,
        budget: args.budget,
        layout: args.layout,
    };
    let part = super::partition_window(args.partition_window.as_deref())?;
    let lookback = features::lookback(&fopts);
    if part.is_some() && lookback.span_days().is_none() {
        return Err(flowhound::Error::Usage(format!(
            "--partition-window: this layout's {}, so it cannot be computed in parts",
            lookback.words()
        ))
        .into());
    }
    let columns = features::columns(&fopts);
    // Part by part, each part builds its own graph: the whole dump's would only take
    // the memory the parts need.
    let (loaded, how) = match part {
        Some(part) => (analyze::load_dump(&opts, &config, progress)?, How::InParts(part)),
        None => {
            let (loaded, graph) = analyze::load(&opts, &config, progress)?.split();
            (loaded, How::Whole(Box::new(graph)))
        }
    };
    // The whole dump's graph took the transfer columns over from the dump.
    let transfers = match &how {
        How::Whole(graph) => graph.edge_count(),
        How::InParts(_) => loaded.dump.transfers.len(),
    };
    let clock = Instant::now();
    let stage = progress.stage("features", Some(transfers as u64));
    let capped = match how {
        // Each part is written as soon as it is computed: the whole dump's features
        // (18 GB at 100M transfers) are never held.
        How::InParts(part) => {
            let mut out = features_out::PartWriter::create(&args.out, &columns)?;
            let capped = features::parts::for_each_part(&loaded.dump, &config, &fopts, part, |f, rows| {
                out.write(f, rows, &loaded.dump)
            })?;
            out.finish()?;
            capped
        }
        How::Whole(graph) => features_out::compute_and_write(&args.out, &graph, &fopts, &loaded.dump)?,
    };
    stage.finish();
    let computed = clock.elapsed();
    for line in loaded.ingest.reconciliation().into_iter().chain(loaded.ingest.notes()) {
        say!("{line}");
    }
    let stages: Vec<String> =
        loaded.stages.iter().map(|(s, ms)| format!("{s} {:.2} s", *ms as f64 / 1000.0)).collect();
    say!(
        "features of {} transfers ({} columns, window {} s) in {:.2} s; {}; {}",
        transfers,
        columns.len(),
        window,
        computed.as_secs_f64(),
        stages.join(", "),
        lookback.words()
    );
    if let Some(part) = part {
        say!("computed part by part: parts of {part} s, each loading one window before and after its own transfers");
    }
    if capped > 0 {
        say!("note: {capped} searches reached --budget {}; their counts are lower bounds", args.budget);
        if part.is_some() {
            say!("note: a capped search may stop elsewhere in a part than in one run over the whole dump");
        }
    }
    say!("wrote {} and {}", args.out.display(), beside.join(opts.rejects_file).display());
    Ok(())
}

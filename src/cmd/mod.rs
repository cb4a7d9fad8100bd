//! Subcommands, one per file; clap's `--help` (from the argument structs' doc comments)
//! is their one usage text.

mod analyze;
mod config;
mod eval;
mod explain;
mod features;
mod generate;
mod input;
mod leads;
mod progress;
mod table;
mod trace;

use clap::{Parser, Subcommand};

/// Hunt illicit cross-border money flows in transfer dumps.
///
/// flowhound reads a dump of transfer records (a folder with transfers.csv and,
/// optionally, accounts, entities, entity_links and fx_rates), builds the transaction
/// graph, runs the underground-banking and offshore-company detectors, and writes
/// ranked, explained leads as CSV for investigators.
#[derive(Debug, Parser)]
#[command(
    name = "flowhound",
    version,
    max_term_width = 100,
    after_help = "Examples:\n  flowhound analyze fixtures/sample --out out\n  flowhound generate --out dump --transfers 1000000 --seed 7\n  flowhound eval --truth dump/truth.csv --leads out\n  flowhound explain out --lead L3f9a0c21d7\n  flowhound leads out --pattern UB1 --min-score 60 --format json\n  flowhound trace dump --seeds dump/seeds.csv --out trace\n\nExit codes: 0 ok, 1 the run failed, 2 bad input or usage."
)]
pub struct Cli {
    /// Worker threads (default, and at most: the cores). Output is identical for any value.
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Nothing but errors: no progress bars, no summary, no warnings.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Keep the run's large blocks (columns, graphs, parts) in unnamed files in this
    /// folder, which the kernel pages out when memory runs short: for a dump larger than
    /// the memory the run may use, with `analyze --partition-window`. The folder must be
    /// on a disk (not tmpfs) with room for the run's peak; nothing is left in it.
    #[arg(long, global = true, value_name = "DIR")]
    spill: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Analyze(analyze::Args),
    Generate(generate::Args),
    Eval(eval::Args),
    Trace(trace::Args),
    Explain(explain::Args),
    Leads(leads::Args),
    Features(features::Args),
    Config(config::Args),
}

/// Runs the chosen subcommand.
/// `-q`: nothing but errors on the terminal. Set once at start-up, before any output.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--partition-window`, parsed to seconds: a usage error naming the text when it is
/// no duration.
fn partition_window(text: Option<&str>) -> Result<Option<i64>, flowhound::Error> {
    text.map(|t| {
        flowhound::units::PartWindow::parse(t)
            .map(flowhound::units::PartWindow::seconds)
            .map_err(|why| flowhound::Error::Usage(format!("--partition-window {t}: {why}")))
    })
    .transpose()
}

/// Whether `-q` was given.
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// A summary line (`println!`), left out under `-q`.
macro_rules! say {
    ($($arg:tt)*) => {
        if !$crate::cmd::quiet() {
            println!($($arg)*);
        }
    };
}

/// Summary text without a line break (`print!`), left out under `-q`.
macro_rules! say_raw {
    ($($arg:tt)*) => {
        if !$crate::cmd::quiet() {
            print!($($arg)*);
        }
    };
}

pub(crate) use {say, say_raw};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    // Before any large block is allocated: a block's size says where it lives.
    if let Some(folder) = &cli.spill {
        flowhound::spill::spill_to(folder)?;
    }
    // Before the threads start and take their arenas: `features` makes and frees its
    // Parquet pages' buffers by the hundred.
    if matches!(cli.command, Command::Features(_)) {
        flowhound::allocator::keep_freed_memory();
    }
    if let Some(asked) = cli.threads {
        // More threads than cores only adds scheduling (1,000 took 36 s instead of 0.2 s).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let n = asked.clamp(1, cores);
        if n != asked && !cli.quiet {
            eprintln!("warning: --threads {asked} clamped to {n} (the cores this machine has)");
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {n} threads: {e}"))?;
    }
    let progress = progress::Bars::new(cli.quiet);
    let done = match cli.command {
        Command::Analyze(a) => analyze::run(a, &progress),
        Command::Generate(a) => generate::run(a, &progress),
        Command::Eval(a) => eval::run(a),
        Command::Trace(a) => trace::run(a, &progress),
        Command::Explain(a) => explain::run(a),
        Command::Leads(a) => leads::run(a),
        Command::Features(a) => features::run(a, &progress),
        Command::Config(a) => config::run(a),
    };
    if let Some(folder) = &cli.spill {
        say!(
            "spilled: at most {:.0} MB in files under {}",
            flowhound::spill::peak_spilled_bytes() as f64 / 1e6,
            folder.display()
        );
    }
    done
}

/// 2 for bad input or usage, 1 for anything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<flowhound::Error>() {
        Some(e) if e.is_bad_input() => 2,
        _ => 1,
    }
}

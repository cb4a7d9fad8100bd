//! `flowhound generate`: write a synthetic dump with ground truth.
//!
//! Writes transfers, accounts, entities, entity_links and fx_rates in the native schema,
//! plus truth.csv, truth_accounts.csv and seeds.csv. The same seed and options always
//! give the same files.

use std::path::PathBuf;

use flowhound::generate::{self, Layout, OutFormat};
use flowhound::ingest::parse;
use flowhound::progress::Progress;

use super::say;

/// Write a synthetic dump with injected cases and ground truth.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of transfers (background fills up to this; cases need a few thousand).
    #[arg(long, default_value_t = 100_000)]
    transfers: usize,
    /// RNG seed: same seed, same dump.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// File format of the tables (truth files are always CSV).
    #[arg(long, value_enum, default_value_t = OutFormat::Csv)]
    format: OutFormat,
    /// Days covered.
    #[arg(long, default_value_t = 180)]
    days: i64,
    /// First day.
    #[arg(long, default_value = "2024-01-01")]
    start: String,
    /// Injected cases per pattern (default: max(2, transfers / 100,000)).
    #[arg(long)]
    cases_per_pattern: Option<usize>,
    /// Write the dump in flowhound's schema or in a public dataset's layout.
    #[arg(long, value_enum, default_value_t = Layout::Native)]
    layout: Layout,
    /// Write into DIR even when it already holds files (they may be overwritten).
    #[arg(long)]
    force: bool,
    /// Every amount times this (structuring cases keep theirs: the law's thresholds do
    /// not scale), e.g. 0.01 for a world of small payments.
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    amount_scale: f64,
    /// Accounts times this (1: about one person per 25 transfers): below 1, fewer and
    /// busier accounts; above 1, more and quieter ones.
    #[arg(long, default_value_t = 1.0, value_name = "F")]
    accounts_scale: f64,
    /// Draw the world's scale from the seed: amounts x0.01 to x100 (log-uniform), 60 to
    /// 365 days and accounts x0.3 to x3 (log-uniform: each account three times busier
    /// or quieter), overriding --amount-scale, --days and --accounts-scale; the summary
    /// says what was drawn.
    #[arg(long)]
    randomise: bool,
}

pub fn run(args: Args, progress: &dyn Progress) -> anyhow::Result<()> {
    let start = parse::date(&args.start)
        .map_err(|e| flowhound::Error::Usage(format!("--start {}: {e}", args.start)))?;
    let (amount_scale, days, accounts_scale) = if args.randomise {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.seed ^ 0x5CA1_AB1E);
        // Drawn in this order, so a seed's amounts and span are what they were before
        // accounts were drawn too.
        let amounts = 10f64.powf(rng.random_range(-2.0..2.0));
        let days = rng.random_range(60..=365);
        (amounts, days, 3f64.powf(rng.random_range(-1.0..1.0)))
    } else {
        (args.amount_scale, args.days, args.accounts_scale)
    };
    if !(amount_scale.is_finite() && amount_scale > 0.0) {
        return Err(flowhound::Error::Usage(format!("--amount-scale {amount_scale}: must be > 0")).into());
    }
    if !(accounts_scale.is_finite() && accounts_scale > 0.0) {
        return Err(flowhound::Error::Usage(format!("--accounts-scale {accounts_scale}: must be > 0")).into());
    }
    if args.randomise {
        say!("randomised: amounts x{amount_scale:.4}, {days} days, accounts x{accounts_scale:.2}");
    }
    if days < 30 {
        return Err(flowhound::Error::Usage("--days must be at least 30".into()).into());
    }
    if !args.force {
        if let Ok(mut entries) = std::fs::read_dir(&args.out) {
            if let Some(Ok(first)) = entries.next() {
                return Err(flowhound::Error::Usage(format!(
                    "{} already holds files ({} ...): generate would overwrite a dump; choose a new folder or pass --force",
                    args.out.display(),
                    first.file_name().to_string_lossy()
                ))
                .into());
            }
        }
    }
    let t = std::time::Instant::now();
    let summary = generate::generate(
        &generate::Options {
            out: args.out.clone(),
            transfers: args.transfers,
            seed: args.seed,
            format: args.format,
            start,
            days,
            cases_per_pattern: args.cases_per_pattern,
            layout: args.layout,
            amount_scale,
            accounts_scale,
        },
        progress,
    )?;
    say!(
        "generated {} transfers ({} injected, {} legitimate look-alikes), {} accounts, {} entities in {:.1} s",
        summary.transfers,
        summary.injected,
        summary.lookalikes,
        summary.accounts,
        summary.entities,
        t.elapsed().as_secs_f64()
    );
    let cases: Vec<String> = summary.cases.iter().map(|(p, n)| format!("{p} {n}")).collect();
    say!("cases: {}", cases.join(", "));
    say!("wrote {}", args.out.display());
    Ok(())
}

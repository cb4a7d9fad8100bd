//! `flowhound eval`: score leads against ground truth.
//!
//! Usage: flowhound eval --truth DUMP/truth.csv --leads OUT [--out FILE]
//!
//! Reads truth.csv (transfer_id, case_id, pattern) and, beside it, truth_accounts.csv
//! (account_id, case_id, pattern, role); reads lead_accounts.csv and lead_transfers.csv
//! from OUT. Prints precision, recall and F1 per pattern at account and transfer level,
//! and writes them to OUT/eval.csv (or FILE).

use std::path::PathBuf;

use flowhound::eval;

use super::table;

/// Precision / recall / F1 per pattern against a truth file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// truth.csv written by `generate` (truth_accounts.csv is read from the same folder).
    #[arg(long, value_name = "FILE")]
    truth: PathBuf,
    /// Output folder of `analyze`.
    #[arg(long, value_name = "DIR")]
    leads: PathBuf,
    /// Where to write the table (default: LEADS/eval.csv).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let scores = eval::evaluate(&args.truth, &args.leads)?;
    let rows: Vec<Vec<String>> = scores
        .iter()
        .map(|s| {
            vec![
                s.pattern.clone(),
                s.level.to_owned(),
                s.truth.to_string(),
                s.predicted.to_string(),
                s.true_positive.to_string(),
                format!("{:.3}", s.precision()),
                format!("{:.3}", s.recall()),
                format!("{:.3}", s.f1()),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(
            &[
                "pattern",
                "level",
                "truth",
                "flagged",
                "hit",
                "precision",
                "recall",
                "f1"
            ],
            &rows
        )
    );
    let out = args.out.unwrap_or_else(|| args.leads.join("eval.csv"));
    eval::write_csv(&out, &scores)?;
    println!("wrote {}", out.display());
    Ok(())
}

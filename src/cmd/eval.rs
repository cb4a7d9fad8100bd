//! `flowhound eval`: score leads against ground truth.
//!
//! Reads truth.csv (transfer_id, case_id, pattern) and, beside it, truth_accounts.csv
//! (account_id, case_id, pattern, role); reads lead_accounts.csv and lead_transfers.csv
//! from OUT. Prints precision, recall and F1 per pattern at account and transfer level,
//! and writes them to OUT/eval.csv (or FILE). Then scores the ranked list as an
//! investigator reads it: precision at 10, 20, 50 and 100 leads (a lead is true when at
//! least half its accounts are truth accounts), leads that mix cases (and how many of
//! those hold cases that share no account inside the lead), and the largest lead
//! (eval_leads.csv beside eval.csv); and per typology of the truth, whatever pattern the
//! leads name, how many of its cases one lead holds half of, how many have
//! an account in some lead, and the share of its accounts in leads (eval_cases.csv).
//! With --trace, also scores a forward trace:
//! the share of each traced case's seed value held at its true destinations
//! (TRACE_OUT/eval_trace.csv).

use std::path::PathBuf;

use flowhound::eval;
use flowhound::units::fmt_amount;

use super::table;
use super::{say, say_raw};

/// Precision / recall / F1 per pattern against a truth file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// truth.csv written by `generate` (truth_accounts.csv is read from the same folder).
    #[arg(long, value_name = "FILE")]
    truth: PathBuf,
    /// Output folder of `analyze`.
    #[arg(long, value_name = "DIR", required_unless_present = "trace")]
    leads: Option<PathBuf>,
    /// Output folder of a forward `trace` run with the dump's seeds.csv.
    #[arg(long, value_name = "DIR")]
    trace: Option<PathBuf>,
    /// Where to write the table (default: LEADS/eval.csv). A file, hence --out-file
    /// (--out still works).
    #[arg(long = "out-file", alias = "out", value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(leads) = &args.leads {
        let against = eval::LeadsAgainstTruth::read(&args.truth, leads)?;
        let scores = against.scores();
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
        say_raw!(
            "{}",
            table::render(
                &["pattern", "level", "truth", "flagged", "hit", "precision", "recall", "f1"],
                &rows
            )
        );
        let out = args.out.clone().unwrap_or_else(|| leads.join("eval.csv"));
        eval::write_csv(&out, &scores)?;
        say!("wrote {}", out.display());
        if let Some(q) = against.quality() {
            let at: Vec<String> = q
                .precision_at
                .iter()
                .map(|p| format!("P@{} {:.2} ({}/{})", p.k, p.precision(), p.hit, p.seen))
                .collect();
            say!(
                "leads as ranked (true when at least half their accounts are truth accounts): {}",
                at.join(", ")
            );
            say!(
                "{} leads, {} mix cases ({} of cases that share no account in the lead); the largest, {}, holds {} accounts",
                q.leads,
                q.mixed,
                q.mixed_unlinked,
                q.largest.1,
                q.largest.0
            );
            let path = out.with_file_name("eval_leads.csv");
            eval::write_lead_quality_csv(&path, &q)?;
            say!("wrote {}", path.display());
        }
        if let Some(coverage) = against.coverage() {
            let rows: Vec<Vec<String>> = coverage
                .iter()
                .map(|c| {
                    vec![
                        c.typology.clone(),
                        c.cases.to_string(),
                        c.found.to_string(),
                        c.touched.to_string(),
                        c.accounts.to_string(),
                        c.accounts_in_leads.to_string(),
                        format!("{:.3}", c.account_recall()),
                    ]
                })
                .collect();
            say!("cases by typology, whatever pattern the leads name (found: one lead holds half its accounts):");
            say_raw!(
                "{}",
                table::render(
                    &["typology", "cases", "found", "touched", "accounts", "in leads", "recall"],
                    &rows
                )
            );
            let path = out.with_file_name("eval_cases.csv");
            eval::write_case_coverage_csv(&path, &coverage)?;
            say!("wrote {}", path.display());
        }
    }
    if let Some(trace) = &args.trace {
        let scores = eval::evaluate_trace(&args.truth, trace)?;
        let rows: Vec<Vec<String>> = scores
            .iter()
            .map(|s| {
                vec![
                    s.case.clone(),
                    fmt_amount(s.seed_value),
                    fmt_amount(s.reached),
                    format!("{:.1}%", 100.0 * s.share()),
                ]
            })
            .collect();
        say_raw!("{}", table::render(&["case", "seed value", "at true destinations", "share"], &rows));
        if !scores.is_empty() {
            let mean = scores.iter().map(|s| s.share()).sum::<f64>() / scores.len() as f64;
            let worst = scores.iter().map(|s| s.share()).fold(f64::INFINITY, f64::min);
            say!(
                "{} traced cases: mean {:.1}%, worst {:.1}% of seed value reached the true destinations",
                scores.len(),
                100.0 * mean,
                100.0 * worst
            );
        }
        let out = trace.join("eval_trace.csv");
        eval::write_trace_csv(&out, &scores)?;
        say!("wrote {}", out.display());
    }
    Ok(())
}

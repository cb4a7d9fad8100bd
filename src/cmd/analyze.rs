//! `flowhound analyze`: the batch run, then a summary on stdout (what it reads and
//! writes is the `--help` text below).

use std::path::PathBuf;

use flowhound::analyze::{self, Options};
use flowhound::detect::parts::PartsRun;
use flowhound::detect::PartRule;
use flowhound::export::goaml::Filing;
use flowhound::progress::Progress;
use flowhound::units::fmt_amount;

use super::input::InputArgs;
use super::table;
use super::{say, say_raw};

/// Find and rank candidate leads in a dump.
///
/// DUMP is a folder with transfers.csv (or .csv.gz / .parquet) and, when available,
/// accounts, entities, entity_links and fx_rates; missing tables switch off the signals
/// that need them and the summary says which. Every input row is accepted or written to
/// rejects.csv with its file, line, field and reason.
///
/// Writes to DIR: leads.csv (one ranked, explained lead per row), lead_accounts.csv (each
/// account's role and amounts), lead_transfers.csv (the transfers that prove each lead),
/// lead_hits.csv (every hit with its reason, strongest first), lead_evidence.csv (the
/// proving transfers in full: time, accounts, amounts, channel),
/// rejects.csv (every input row not accepted, with file, line, field and reason) and
/// run.json (input hashes, config hash, counts, scale, timings); truth.csv and
/// truth_accounts.csv when a --preset dump carries labels; report.html with --report;
/// goaml/LEAD_ID.xml with --goaml or --goaml-draft.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Dump folder (or a single transfers file).
    dump: PathBuf,
    /// Output folder.
    #[arg(long, default_value = "out", value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Also write report.html: the run summary, ranked leads, and a drawing and evidence
    /// table for each top lead (one self-contained file, opens offline).
    #[arg(long)]
    report: bool,
    /// Also write leads.xlsx: the five lead files as sheets of one workbook, with real
    /// numbers and dates (times in UTC), for Excel and LibreOffice.
    #[arg(long)]
    excel: bool,
    /// Also write goAML suspicious-transaction reports (XML) for the top leads to DIR/goaml/;
    /// the reporting entity comes from [goaml] in the config.
    #[arg(long)]
    goaml: bool,
    /// Like --goaml, but writes drafts even while [goaml] holds the shipped placeholders
    /// (each file says it is a draft).
    #[arg(long)]
    goaml_draft: bool,
    /// Leads shown in the summary.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Run the detectors part by part in time (e.g. 7d, 30d), each part loading only
    /// the transfers its hits read: the same leads as one run, found the way a run
    /// spread over machines finds them. A detector whose hits read more of the dump than
    /// a part holds runs on the whole dump, and the summary says which.
    #[arg(long, value_name = "DURATION")]
    partition_window: Option<String>,
    /// Print the summary as one JSON object (reconciliation, missing tables, per-detector
    /// hits, top leads, files written) instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args, progress: &dyn Progress) -> anyhow::Result<()> {
    let config = args.input.config()?;
    let goaml = match (args.goaml, args.goaml_draft) {
        (_, true) => Some(Filing::Draft),
        (true, false) => Some(Filing::Final),
        (false, false) => None,
    };
    let partition_window = super::partition_window(args.partition_window.as_deref())?;
    let opts = Options {
        report: args.report,
        excel: args.excel,
        goaml,
        partition_window,
        part_runner: None,
        ..args.input.options(args.dump, args.out)
    };
    let report = analyze::run(&opts, &config, progress)?;
    if args.json {
        if !super::quiet() {
            println!("{}", serde_json::to_string_pretty(&json_summary(&report, args.top))?);
        }
        return Ok(());
    }
    let how = if args.input.preset.is_some() { "as given" } else { "detected" };
    say!("input layout: {} ({how})", report.preset.name());
    for line in report.ingest.reconciliation().into_iter().chain(report.ingest.notes()) {
        say!("{line}");
    }
    for (table, lost) in &report.ingest.missing {
        say!("no {table} table: {lost}");
    }
    say!(
        "graph: {} accounts, {} transfers, {:.1} MiB ({:.1} bytes per transfer)",
        report.accounts,
        report.transfers,
        report.graph_bytes as f64 / (1 << 20) as f64,
        report.graph_bytes as f64 / report.transfers.max(1) as f64
    );
    let s = &report.scale;
    let pct: Vec<String> =
        s.amount_percentiles.iter().map(|(p, a)| format!("p{p} {}", fmt_amount_exact(*a))).collect();
    say!("scale: transfer amounts {}", pct.join(", "));
    let tick = match s.scale.time_tick_seconds {
        86_400 => "dates only (same-day transfers may relay in either order)",
        3_600 => "to the hour",
        60 => "to the minute",
        _ => "to the second",
    };
    say!(
        "scale: median active account {} transfers over {:.0} days; busier than {:.0} counts as a business; timestamps {tick}",
        s.scale.median_account_transfers,
        s.scale.span_days,
        s.business_activity
    );
    let floors: Vec<String> =
        s.floors.iter().map(|f| format!("{} {} = {}", f.key, f.floor, fmt_amount_exact(f.amount))).collect();
    say!("floors: {}", floors.join(", "));
    let count = |n: usize| if n == 1 { "1 part".to_owned() } else { format!("{n} parts") };
    let in_parts: Vec<String> = report
        .detectors
        .iter()
        .filter_map(|d| match &d.parts {
            Some(PartsRun::InParts { parts, window_days, rule: PartRule::Time { .. }, .. }) => {
                Some(format!("{} ({} of {window_days} days)", d.code, count(*parts)))
            }
            Some(PartsRun::InParts { parts, rule: PartRule::Account { .. }, .. }) => {
                Some(format!("{} ({} of accounts)", d.code, count(*parts)))
            }
            Some(PartsRun::InParts { parts, rule: PartRule::Pairs { .. }, .. }) => {
                Some(format!("{} ({} of account pairs)", d.code, count(*parts)))
            }
            Some(PartsRun::InParts { parts, window_days, rule: PartRule::Gathered { .. }, .. }) => {
                Some(format!(
                    "{} (found in {} of {window_days} days, put together in one place)",
                    d.code,
                    count(*parts)
                ))
            }
            _ => None,
        })
        .collect();
    let whole: Vec<String> = report
        .detectors
        .iter()
        .filter(|d| matches!(d.parts, Some(PartsRun::WholeDump { .. })))
        .map(|d| d.code.to_string())
        .collect();
    if !whole.is_empty() {
        say!(
            "partitioned: in parts of the dump: {}; on the whole dump (their hits read more than a part holds, see run.json): {}",
            if in_parts.is_empty() { "none".to_owned() } else { in_parts.join(", ") },
            whole.join(", ")
        );
    } else if !in_parts.is_empty() {
        say!("partitioned: every detector in parts of the dump: {}", in_parts.join(", "));
    }
    let largest = report
        .detectors
        .iter()
        .filter_map(|d| match &d.parts {
            Some(PartsRun::InParts { largest_part_transfers, .. }) => Some(*largest_part_transfers),
            _ => None,
        })
        .max();
    if let Some(largest) = largest {
        say!(
            "partitioned: the largest part loaded {largest} of the dump's {} transfers (run.json has each detector's)",
            report.transfers
        );
    }
    let rows: Vec<Vec<String>> = report
        .detectors
        .iter()
        .map(|d| {
            let status = match &d.skipped {
                Some(why) => format!("skipped: {why}"),
                None => d.notes.join("; "),
            };
            vec![
                d.code.to_string(),
                d.title.to_owned(),
                d.hits.to_string(),
                format!("{} ms", d.millis),
                status,
            ]
        })
        .collect();
    say_raw!("\n{}", table::render(&["detector", "pattern", "hits", "time", "notes"], &rows));
    let rows: Vec<Vec<String>> = report
        .leads
        .iter()
        .take(args.top)
        .map(|l| {
            let mut s = l.summary.clone();
            if s.chars().count() > 90 {
                s = s.chars().take(87).collect::<String>() + "...";
            }
            vec![
                l.id.clone(),
                format!("{:.1}", l.score),
                l.patterns.clone(),
                l.accounts.to_string(),
                fmt_amount(l.amount),
                s,
            ]
        })
        .collect();
    say!("\n{} leads (top {} shown; amounts in {})", report.leads.len(), rows.len(), config.base_currency);
    say_raw!("{}", table::render(&["lead", "score", "patterns", "accounts", "amount", "summary"], &rows));
    let stages: Vec<String> =
        report.stages.iter().map(|(s, ms)| format!("{s} {:.2} s", *ms as f64 / 1000.0)).collect();
    say!("\ntime: {}", stages.join(", "));
    for o in &report.outputs {
        say!("wrote {}", o.display());
    }
    if report.truth_written {
        say!(
            "the dataset's labels were written as truth: score with `flowhound eval --truth {} --leads {}`",
            opts.out.join("truth.csv").display(),
            opts.out.display()
        );
    }
    Ok(())
}

/// Amounts of the scale lines: thousands separators, and cents for small amounts, which
/// a dump of small transfers needs to be read at all.
fn fmt_amount_exact(x: f64) -> String {
    if x.abs() < 100.0 {
        format!("{x:.2}")
    } else {
        flowhound::units::fmt_amount(x)
    }
}

/// The summary as JSON: what a script needs to act on a run without parsing text.
fn json_summary(report: &analyze::Report, top: usize) -> serde_json::Value {
    serde_json::json!({
        "status": "ok",
        "input_layout": report.preset.name(),
        "tables": report.ingest.tables.iter().map(|t| serde_json::json!({
            "table": t.table.to_string(),
            "read": t.read,
            "accepted": t.accepted,
            "rejected": t.rejected,
        })).collect::<Vec<_>>(),
        "missing_tables": report.ingest.missing.iter().map(|(t, lost)| format!("{t}: {lost}")).collect::<Vec<_>>(),
        "ingest_notes": report.ingest.notes(),
        "accounts": report.accounts,
        "transfers": report.transfers,
        "detectors": report.detectors.iter().map(|d| serde_json::json!({
            "pattern": d.code.code(),
            "title": d.title,
            "hits": d.hits,
            "skipped": d.skipped,
            "notes": d.notes,
        })).collect::<Vec<_>>(),
        "leads": report.leads.len(),
        "top_leads": report.leads.iter().take(top).map(|l| serde_json::json!({
            "lead_id": l.id,
            "score": (l.score * 100.0).round() / 100.0,
            "patterns": l.patterns,
            "accounts": l.accounts,
            "amount_base": (l.amount * 100.0).round() / 100.0,
            "summary": l.summary,
        })).collect::<Vec<_>>(),
        "outputs": report.outputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    })
}

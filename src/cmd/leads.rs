//! `flowhound leads`: filter and sort an analyze output folder, in the manner of xsv.

use std::path::PathBuf;

use flowhound::export::rows::LeadRow;
use flowhound::ingest::parse;
use flowhound::review::{self, Filter, SortBy};
use flowhound::units::{fmt_amount, format_date};
use flowhound::Pattern;

use super::table;

/// List the leads of an analyze output folder that match a filter.
///
/// Filters combine (all must hold); a repeated filter matches any of its values.
/// Prints an aligned table, CSV (the leads.csv columns) or JSON lines.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder of `analyze`.
    out: PathBuf,
    /// Leads with this pattern (code, e.g. UB1 or fan_in); repeatable.
    #[arg(long, value_name = "CODE")]
    pattern: Vec<String>,
    /// Leads scoring at least this (0..100).
    #[arg(long, value_name = "S")]
    min_score: Option<f64>,
    /// Leads whose total_amount_base is at least this (base currency).
    #[arg(long, value_name = "A")]
    min_amount: Option<f64>,
    /// Leads with an account in this country (ISO code); repeatable.
    #[arg(long, value_name = "CC")]
    country: Vec<String>,
    /// Leads holding this account; repeatable.
    #[arg(long, value_name = "ID")]
    account: Vec<String>,
    /// Leads active on or after this date or time.
    #[arg(long)]
    from: Option<String>,
    /// Leads active on or before this date or time.
    #[arg(long)]
    to: Option<String>,
    /// Order: rank, amount, recent or size.
    #[arg(long, value_enum, default_value_t = Sort::Rank)]
    sort: Sort,
    /// Output: table, csv or json (one object per line).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Show at most this many.
    #[arg(long)]
    limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Sort {
    Rank,
    Amount,
    Recent,
    Size,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
}

fn time(flag: &str, v: &Option<String>) -> anyhow::Result<Option<i64>> {
    v.as_ref()
        .map(|t| {
            parse::timestamp(t)
                .or_else(|_| parse::date(t))
                .map_err(|e| flowhound::Error::Usage(format!("{flag} {t}: {e}")).into())
        })
        .transpose()
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let patterns = args
        .pattern
        .iter()
        .map(|p| p.parse::<Pattern>().map_err(|e| flowhound::Error::Usage(format!("--pattern: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let filter = Filter {
        patterns,
        min_score: args.min_score,
        min_amount: args.min_amount,
        countries: args.country.iter().map(|c| c.trim().to_ascii_uppercase()).collect(),
        accounts: args.account.clone(),
        from: time("--from", &args.from)?,
        to: time("--to", &args.to)?,
    };
    let sort = match args.sort {
        Sort::Rank => SortBy::Rank,
        Sort::Amount => SortBy::Amount,
        Sort::Recent => SortBy::Recent,
        Sort::Size => SortBy::Size,
    };
    let mut leads = review::select(&args.out, &filter, sort)?;
    leads.truncate(args.limit.unwrap_or(usize::MAX));
    match args.format {
        Format::Table => print!("{}", render(&leads)),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout().lock());
            for l in &leads {
                w.serialize(l)?;
            }
            w.flush()?;
        }
        Format::Json => {
            for l in &leads {
                println!("{}", serde_json::to_string(&json(l))?);
            }
        }
    }
    Ok(())
}

fn render(leads: &[LeadRow]) -> String {
    let rows: Vec<Vec<String>> = leads
        .iter()
        .map(|l| {
            let mut summary: String = l.summary.as_str().chars().take(80).collect();
            if l.summary.as_str().chars().count() > 80 {
                summary.push('…');
            }
            vec![
                l.lead_id.to_string(),
                l.rank.to_string(),
                format!("{:.1}", l.score.0),
                flowhound::pattern::join(l.patterns.items(), "+"),
                l.account_count.to_string(),
                fmt_amount(l.total_amount_base.0),
                format!("{}..{}", format_date(l.first_seen.0), format_date(l.last_seen.0)),
                summary,
            ]
        })
        .collect();
    table::render(&["lead", "rank", "score", "patterns", "accounts", "amount", "active", "summary"], &rows)
}

/// A lead as JSON with numbers as numbers.
fn json(l: &LeadRow) -> serde_json::Value {
    serde_json::json!({
        "lead_id": l.lead_id.as_str(),
        "rank": l.rank,
        "score": l.score.0,
        "patterns": l.patterns.items().iter().map(|p| p.code()).collect::<Vec<_>>(),
        "account_count": l.account_count,
        "holder_count": l.holder_count,
        "countries": l.countries.items(),
        "total_amount_base": l.total_amount_base.0,
        "gross_amount_base": l.gross_amount_base.0,
        "first_seen": flowhound::units::format_time(l.first_seen.0),
        "last_seen": flowhound::units::format_time(l.last_seen.0),
        "controllers": l.controllers.items(),
        "summary": l.summary.as_str(),
    })
}

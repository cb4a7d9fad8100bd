//! The CLI's output files read back as tables, and dumps read as native tables.

use std::path::Path;

use flowhound::config::Config;
use flowhound::export::rows::number_columns;
use flowhound::ingest::presets::{self, Preset};
use flowhound::ingest::source::{self, RawTable};
use flowhound::ingest::DumpFiles;
use flowhound::progress::Silent;
use polars::prelude::*;
use pyo3::PyResult;

use crate::{fail, FlowhoundError};

/// trace's tables, by file stem.
pub const TRACE_TABLES: &[&str] = &[
    "trace_summary",
    "trace_holdings",
    "trace_paths",
    "trace_flows",
    "trace_jurisdictions",
    "trace_rejects",
];

/// analyze's tables, by file stem.
pub const ANALYZE_TABLES: &[&str] =
    &["leads", "lead_accounts", "lead_transfers", "lead_evidence", "lead_hits", "rejects"];

/// Every table of `names` from `dir`.
pub fn read_all(dir: &Path, names: &[&str]) -> PyResult<Vec<(String, DataFrame)>> {
    names.iter().map(|n| Ok(((*n).to_owned(), read_csv(&dir.join(format!("{n}.csv")))?))).collect()
}

/// One output file: text cells as the CLI wrote them (a cell the CLI shielded from
/// spreadsheet formulas gets its own text back), numbers typed.
pub fn read_csv(path: &Path) -> PyResult<DataFrame> {
    let frame = CsvReadOptions::default()
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_owned()))
        .and_then(|r| r.finish())
        .map_err(|e| fail(format!("{}: {e}", path.display())))?;
    let height = frame.height();
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let (whole, decimal) = number_columns(stem);
    let mut columns = Vec::with_capacity(frame.width());
    for col in frame.columns() {
        let name = col.name().as_str();
        let typed = if whole.contains(&name) {
            col.cast(&DataType::Int64)
        } else if decimal.contains(&name) || is_feature(stem, name) {
            col.cast(&DataType::Float64)
        } else {
            Ok(unshielded(col))
        };
        columns.push(typed.map_err(|e| fail(format!("{}: column {name}: {e}", path.display())))?);
    }
    DataFrame::new(height, columns).map_err(fail)
}

/// Feature columns (all but the ids) are numbers.
fn is_feature(stem: &str, name: &str) -> bool {
    stem == "features" && !name.ends_with("_id")
}

fn unshielded(col: &Column) -> Column {
    match col.str() {
        Ok(text) => {
            let cells: StringChunked = text.apply_values(|s| flowhound::csv_out::unneutralise(s).into());
            cells.with_name(col.name().clone()).into_column()
        }
        Err(_) => col.clone(),
    }
}

/// The exception for a failed run: the CLI's message, and when rows were rejected the
/// first of them (table, row, field, reason), so that a caller need not open a file.
pub fn failure(e: flowhound::Error, out: &Path, rejects_file: &str) -> pyo3::PyErr {
    // The CLI's "see <folder>/rejects.csv" names a private folder that is gone.
    let full = e.to_string();
    // ...and names the CLI's flags, which are keyword arguments here.
    let mut message = full
        .split("; see ")
        .next()
        .unwrap_or(&full)
        .replace("--strict is set", "strict=True")
        .replace("--max-reject-ratio", "max_reject_ratio");
    let rejects = out.join(rejects_file);
    if let Ok(frame) = read_csv(&rejects) {
        let cell = |name: &str| {
            frame
                .column(name)
                .ok()
                .and_then(|c| c.get(0).ok())
                // Text as it is (AnyValue's Display would quote it), numbers as numbers.
                .map(|v| v.get_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
                .unwrap_or_default()
        };
        if frame.height() > 0 {
            message = format!(
                "{message}; first rejected: {} row {}, field `{}`: {} (value {:?})",
                cell("file"),
                cell("line"),
                cell("field"),
                cell("reason"),
                cell("value")
            );
        }
    }
    FlowhoundError::new_err(message)
}

/// A dump in any layout as native tables of text, and the rows its readers rejected.
pub fn read_dump(
    path: &Path,
    preset: Option<Preset>,
    config: &Config,
) -> PyResult<(Vec<(String, DataFrame)>, DataFrame)> {
    let preset = match preset {
        Some(p) => p,
        None => presets::detect(path).map_err(fail)?,
    };
    let tables: Vec<(flowhound::ingest::schema::Table, RawTable)> = match preset {
        Preset::Native => {
            let files = DumpFiles::discover(path).map_err(fail)?;
            let mut read = Vec::new();
            for (table, file) in &files.tables {
                let raw =
                    source::read_table_with(file, source::TextReading::of(&config.ingest)).map_err(fail)?;
                read.push((*table, raw));
            }
            read
        }
        Preset::Amlsim => presets::amlsim::read(path, config, &Silent).map_err(fail)?.tables,
        Preset::Amlworld => presets::amlworld::read(path, config, &Silent).map_err(fail)?.tables,
    };
    let mut rejects = Vec::new();
    let mut out = Vec::new();
    for (table, raw) in tables {
        rejects.extend(raw.read_rejects.iter().cloned());
        out.push((table.name().to_owned(), raw.into_frame().map_err(fail)?));
    }
    let dir = tempfile::tempdir().map_err(fail)?;
    let file = dir.path().join("rejects.csv");
    flowhound::ingest::rejects::write_rejects(&file, &rejects).map_err(fail)?;
    Ok((out, read_csv(&file)?))
}

/// Writes a table read as text to `path` as CSV (the seeds, which the trace library
/// reads as SEEDS.csv).
pub fn write_text_csv(table: &RawTable, path: &Path) -> PyResult<()> {
    let names = table.names();
    let columns: Vec<_> = names.iter().filter_map(|n| table.column(n)).collect();
    let mut w = csv::Writer::from_path(path).map_err(fail)?;
    w.write_record(&names).map_err(fail)?;
    for row in 0..table.height() {
        w.write_record(columns.iter().map(|c| c.get(row))).map_err(fail)?;
    }
    w.flush().map_err(fail)
}

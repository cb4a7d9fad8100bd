//! Presets map public dataset layouts onto the native schema, so that every row still
//! goes through the same validation, rejects and reconciliation.
//!
//! - `amlsim`: IBM AMLSim output (`transactions.csv`, `accounts.csv`, alert files).
//! - `amlworld`: IBM AMLworld (`*_Trans.csv`, optional `*_Patterns.txt`).
//!
//! Their labels become ground truth (`truth.csv`, `truth_accounts.csv`) for `eval`.

pub mod amlsim;
pub mod amlworld;

use std::path::Path;

use super::schema::Table;
use super::source::{self, Cells, RawTable, StrColumn};
use super::{fx::FxTable, DumpFiles, IngestReport};
use crate::config::Config;
use crate::csv_out::CsvOut;
use crate::error::{Error, Result};
use crate::model::Dump;
use crate::progress::Progress;
use polars::prelude::*;

/// Input layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// flowhound's own schema (see README).
    Native,
    /// IBM AMLSim output.
    Amlsim,
    /// IBM AMLworld `*_Trans.csv`.
    Amlworld,
}

impl Preset {
    /// Name as given on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Native => "native",
            Preset::Amlsim => "amlsim",
            Preset::Amlworld => "amlworld",
        }
    }
}

/// Ground truth carried by a labelled dataset.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Truth {
    /// `(transfer_id, case_id, pattern)`.
    pub transfers: Vec<[String; 3]>,
    /// `(account_id, case_id, pattern, role)`.
    pub accounts: Vec<[String; 4]>,
}

impl Truth {
    /// Writes `truth.csv` and `truth_accounts.csv` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let mut out = CsvOut::create(&dir.join("truth.csv"), &["transfer_id", "case_id", "pattern"])?;
        for r in &self.transfers {
            out.row(&[&r[0], &r[1], &r[2]])?;
        }
        out.finish()?;
        let mut out =
            CsvOut::create(&dir.join("truth_accounts.csv"), &["account_id", "case_id", "pattern", "role"])?;
        let mut rows = self.accounts.clone();
        rows.sort();
        rows.dedup();
        for r in &rows {
            out.row(&[&r[0], &r[1], &r[2], &r[3]])?;
        }
        out.finish()
    }
}

/// What a preset read: native tables, rates it implied, and the dataset's labels.
pub struct PresetRead {
    /// Native tables derived from the public files.
    pub tables: Vec<(Table, RawTable)>,
    /// Rates implied by the data, when the layout has no rate table.
    pub fx: Option<FxTable>,
    /// Labels as truth.
    pub truth: Option<Truth>,
}

/// Which layout `path` holds, from file names and headers.
pub fn detect(path: &Path) -> Result<Preset> {
    if path.is_dir() {
        if DumpFiles::discover(path).is_ok() {
            return Ok(Preset::Native);
        }
        if let Ok(tx) = amlsim::transactions_file(path) {
            if amlsim::matches(&source::header(&tx)?) {
                return Ok(Preset::Amlsim);
            }
        }
        if amlworld::find_trans(path).is_ok() {
            return Ok(Preset::Amlworld);
        }
        return Err(Error::bad_input(
            path,
            "no known layout: expected transfers.csv (native), transactions.csv (AMLSim) or *_Trans.csv (AMLworld)",
        ));
    }
    let header = source::header(path)?;
    if amlworld::matches(&header) {
        Ok(Preset::Amlworld)
    } else if amlsim::matches(&header) {
        Ok(Preset::Amlsim)
    } else {
        Ok(Preset::Native)
    }
}

/// Reads a dump in any layout; labelled layouts also return their truth.
pub fn load(
    preset: Preset,
    path: &Path,
    config: &Config,
    progress: &dyn Progress,
) -> Result<(Dump, IngestReport, Option<Truth>)> {
    match preset {
        Preset::Native => {
            let (dump, report) = super::load(&DumpFiles::discover(path)?, config, progress)?;
            Ok((dump, report, None))
        }
        Preset::Amlsim | Preset::Amlworld => {
            let read = if preset == Preset::Amlsim {
                amlsim::read(path, config, progress)?
            } else {
                amlworld::read(path, config, progress)?
            };
            let (dump, report) = super::validate(read.tables, read.fx, config, progress)?;
            Ok((dump, report, read.truth))
        }
    }
}

/// A native table derived row by row from a public file; lines stay the public file's.
pub(crate) fn derived(from: &RawTable, columns: Vec<Column>) -> Result<RawTable> {
    let frame = DataFrame::new(from.height(), columns)
        .map_err(|e| Error::bad_input(&from.path, format!("cannot map columns: {e}")))?;
    Ok(RawTable {
        file: from.file.clone(),
        path: from.path.clone(),
        format: from.format,
        cells: Cells::Frame(frame),
        lines: from.lines.clone(),
        first_row: from.first_row,
        read_rejects: from.read_rejects.clone(),
        sha256: from.sha256.clone(),
        bytes: from.bytes,
    })
}

/// A string column named `name` with one value per row.
pub(crate) fn column<S: AsRef<str>>(name: &str, values: impl Iterator<Item = S>) -> Column {
    StringChunked::from_iter_values(PlSmallStr::from(name), values).into_column()
}

/// A required column of a public file.
pub(crate) fn need<'a>(raw: &'a RawTable, name: &str) -> Result<StrColumn<'a>> {
    raw.column(name).ok_or_else(|| Error::missing_column(&raw.path, name, &raw.names()))
}

/// Pattern names of the public datasets (`FAN-OUT`, `Fan_Out`, `fan-out`) in flowhound's
/// spelling (`fan_out`).
pub fn pattern_name(text: &str) -> String {
    let t = text.trim();
    // flowhound's own typology ids (UB1, OS3, TR1) keep their spelling.
    let b = t.as_bytes();
    if b.len() == 3 && b[..2].iter().all(u8::is_ascii_alphabetic) && b[2].is_ascii_digit() {
        return t.to_ascii_uppercase();
    }
    t.to_ascii_lowercase().replace(['-', ' '], "_")
}

/// Reads a table of the dump by the native reader, when present, as `[ingest]` says its
/// text is written (its encoding, its decimal mark).
pub(crate) fn optional_table(
    path: &Path,
    table: Table,
    reading: source::TextReading,
) -> Result<Option<(Table, RawTable)>> {
    if !path.is_file() {
        return Ok(None);
    }
    Ok(Some((table, source::read_table_with(path, reading)?)))
}

/// Builds `fx` from median implied rates of pairs `(paid currency, received currency,
/// received / paid)`, anchored at the base currency.
pub(crate) fn implied_rates(
    base: crate::model::Currency,
    pairs: &std::collections::BTreeMap<(String, String), Vec<f64>>,
) -> FxTable {
    use crate::model::Currency;
    let mut medians: Vec<(Currency, Currency, f64)> = Vec::new();
    for ((a, b), ratios) in pairs {
        let (Some(a), Some(b)) = (Currency::parse(a), Currency::parse(b)) else {
            continue;
        };
        let mut r = ratios.clone();
        r.sort_by(f64::total_cmp);
        medians.push((a, b, r[r.len() / 2]));
    }
    let mut rate: std::collections::BTreeMap<Currency, f64> = std::collections::BTreeMap::from([(base, 1.0)]);
    // Units of b per unit of a = r, so rate(a) = r * rate(b); spread from the base.
    loop {
        let mut changed = false;
        for &(a, b, r) in &medians {
            if r <= 0.0 || !r.is_finite() {
                continue;
            }
            match (rate.get(&a).copied(), rate.get(&b).copied()) {
                (None, Some(rb)) => {
                    rate.insert(a, r * rb);
                    changed = true;
                }
                (Some(ra), None) => {
                    rate.insert(b, ra / r);
                    changed = true;
                }
                _ => {}
            }
        }
        if !changed {
            break;
        }
    }
    let mut fx = FxTable::new(base);
    for (c, r) in rate {
        if c != base {
            // One rate for the whole dataset, valid from the earliest accepted date (1900).
            fx.insert(-2_208_988_800, c, r);
        }
    }
    fx.seal();
    fx
}

//! Ingest: find a dump's tables, read them with polars, validate every row, and produce a
//! [`Dump`] plus an [`IngestReport`] in which read = accepted + rejected for every table.

pub mod csv_exact;
pub mod fx;
pub mod parquet_check;
pub mod parse;
pub mod reference;
pub mod rejects;
pub mod schema;
pub mod source;
pub mod transfers;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::Dump;
use crate::progress::Progress;
pub use rejects::Reject;
pub use schema::Table;
use source::{Format, RawTable};
pub mod presets;

/// Plausibility of input values (`[ingest]`): a row beyond them is rejected with the
/// reason rather than read as data.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestConfig {
    /// Largest amount a transfer may carry, in its own currency's units.
    pub max_amount: crate::config::params::Amount,
    /// Earliest day a transfer may be dated.
    pub earliest: crate::config::params::Date,
    /// Latest day a transfer may be dated (the whole day counts).
    pub latest: crate::config::params::Date,
    /// Lines a quoted field may span before its opening quote is taken for a stray one.
    pub max_record_lines: crate::config::params::Count<1>,
}

/// What happened to one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    /// Which table.
    pub table: Table,
    /// File read.
    pub file: PathBuf,
    /// Its format.
    pub format: Format,
    /// SHA-256 of the file as stored.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Data rows read.
    pub read: u64,
    /// Rows accepted.
    pub accepted: u64,
    /// Rows rejected (see rejects.csv).
    pub rejected: u64,
}

impl TableReport {
    /// Share of this table's rows rejected (0 when nothing was read).
    pub fn reject_ratio(&self) -> f64 {
        if self.read == 0 {
            0.0
        } else {
            self.rejected as f64 / self.read as f64
        }
    }
}

/// Everything ingest learned besides the data itself.
#[derive(Debug, Default)]
pub struct IngestReport {
    /// Per table that was present.
    pub tables: Vec<TableReport>,
    /// Every rejected row.
    pub rejects: Vec<Reject>,
    /// Tables that were absent, with the signals that are therefore off.
    pub missing: Vec<(Table, &'static str)>,
}

impl IngestReport {
    /// Rows read over all tables.
    pub fn total_read(&self) -> u64 {
        self.tables.iter().map(|t| t.read).sum()
    }

    /// Rows rejected over all tables.
    pub fn total_rejected(&self) -> u64 {
        self.tables.iter().map(|t| t.rejected).sum()
    }

    /// One reconciliation line per table: `transfers: read 10 = accepted 9 + rejected 1`.
    pub fn reconciliation(&self) -> Vec<String> {
        self.tables
            .iter()
            .map(|t| {
                format!("{}: read {} = accepted {} + rejected {}", t.table, t.read, t.accepted, t.rejected)
            })
            .collect()
    }
}

/// The files that make up a dump.
#[derive(Debug, Clone, Default)]
pub struct DumpFiles {
    /// One path per present table.
    pub tables: Vec<(Table, PathBuf)>,
}

impl DumpFiles {
    /// Finds the tables of a dump folder; or takes a single file as `transfers` and reads
    /// the other tables beside it under their usual names (accounts.csv, fx_rates.csv,
    /// ...), as a user who points at one file of a dump expects.
    pub fn discover(path: &Path) -> Result<DumpFiles> {
        if path.is_file() {
            let mut tables = vec![(Table::Transfers, path.to_owned())];
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            for t in Table::READ_ORDER.into_iter().filter(|t| *t != Table::Transfers) {
                if let Some(p) = source::locate(dir, t)? {
                    tables.push((t, p));
                }
            }
            return Ok(DumpFiles { tables });
        }
        if !path.is_dir() {
            return Err(Error::bad_input(path, "no such dump folder or file"));
        }
        let mut tables = Vec::new();
        for t in Table::READ_ORDER {
            if let Some(p) = source::locate(path, t)? {
                tables.push((t, p));
            }
        }
        if !tables.iter().any(|(t, _)| *t == Table::Transfers) {
            return Err(Error::bad_input(
                path,
                "no transfers table: expected transfers.csv, transfers.csv.gz or transfers.parquet",
            ));
        }
        Ok(DumpFiles { tables })
    }
}

/// Reads and validates a whole dump.
pub fn load(files: &DumpFiles, config: &Config, progress: &dyn Progress) -> Result<(Dump, IngestReport)> {
    let mut raws = Vec::new();
    for (table, path) in &files.tables {
        let stage = progress.stage(&format!("read {table}"), None);
        let raw = source::read_table_with(path, config.ingest.max_record_lines.get())?;
        stage.finish();
        raw.require(*table)?;
        raws.push((*table, raw));
    }
    validate(raws, None, config, progress)
}

/// Validates tables already read (from files, or derived from a public layout by a
/// preset). `implied_fx` stands in for a missing `fx_rates` table.
pub fn validate(
    mut raws: Vec<(Table, RawTable)>,
    implied_fx: Option<fx::FxTable>,
    config: &Config,
    progress: &dyn Progress,
) -> Result<(Dump, IngestReport)> {
    let mut dump = Dump::default();
    let mut report = IngestReport::default();
    let has_fx_table = raws.iter().any(|(t, _)| *t == Table::FxRates);
    let mut fx = match implied_fx {
        Some(f) if !has_fx_table => f,
        _ => fx::FxTable::new(config.base()),
    };
    for table in Table::READ_ORDER {
        let Some(k) = raws.iter().position(|(t, _)| *t == table) else {
            if table != Table::FxRates || fx.is_empty() {
                report.missing.push((table, table.signals_lost()));
            }
            continue;
        };
        let (_, mut raw) = raws.swap_remove(k);
        let read = (raw.height() + raw.read_rejects.len()) as u64;
        let mut rejects = raw.read_rejects.clone();
        let accepted_before = count(&dump, table);
        match table {
            Table::Entities => rejects.extend(reference::entities(&raw, &mut dump.holders)),
            Table::Accounts => {
                rejects.extend(reference::accounts(&raw, &mut dump.accounts, &mut dump.holders))
            }
            Table::EntityLinks => {
                rejects.extend(reference::entity_links(&raw, &dump.holders, &mut dump.links))
            }
            Table::FxRates => rejects.extend(reference::fx_rates(&raw, &mut fx)),
            Table::Transfers => {
                dump.currencies = fx.currencies();
                let stage = progress.stage("validate transfers", Some(raw.height() as u64));
                let on_rows = |n: u64| stage.advance(n);
                rejects.extend(transfers::transfers(
                    &mut raw,
                    &fx,
                    &dump.currencies,
                    &mut dump.accounts,
                    &mut dump.transfers,
                    &config.ingest,
                    &on_rows,
                ));
                stage.finish();
            }
        }
        let accepted = count(&dump, table) - accepted_before;
        let accepted = if table == Table::FxRates { read - rejects.len() as u64 } else { accepted };
        report.tables.push(table_report(table, &raw, read, accepted, rejects.len() as u64));
        report.rejects.extend(rejects);
        let present = &mut dump.availability;
        match table {
            Table::Accounts => present.accounts = true,
            Table::Entities => present.entities = true,
            Table::EntityLinks => present.entity_links = true,
            Table::FxRates => present.fx_rates = true,
            Table::Transfers => {}
        }
    }
    dump.availability.fx_rates |= !fx.is_empty();
    report.rejects.sort();
    Ok((dump, report))
}

fn count(dump: &Dump, table: Table) -> u64 {
    (match table {
        Table::Transfers => dump.transfers.len(),
        Table::Accounts => dump.accounts.listed.iter().filter(|l| **l).count(),
        Table::Entities => {
            dump.holders.kind.iter().filter(|k| **k != crate::model::HolderKind::Unknown).count()
        }
        Table::EntityLinks => dump.links.len(),
        Table::FxRates => 0,
    }) as u64
}

fn table_report(table: Table, raw: &RawTable, read: u64, accepted: u64, rejected: u64) -> TableReport {
    TableReport {
        table,
        file: raw.path.clone(),
        format: raw.format,
        sha256: raw.sha256.clone(),
        bytes: raw.bytes,
        read,
        accepted,
        rejected,
    }
}

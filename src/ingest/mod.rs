//! Ingest: find a dump's tables, read them with polars, validate every row, and produce a
//! [`Dump`] plus an [`IngestReport`] in which read = accepted + rejected for every table.

pub mod column_names;
pub mod csv_exact;
pub mod encoding;
pub mod fx;
mod numbered_ids;
pub mod parquet_check;
pub mod parse;
pub mod reference;
pub mod rejects;
pub mod schema;
mod separators;
pub mod source;
pub mod stream;
pub mod text_block;
pub mod transfers;
pub mod unlisted;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::Dump;
use crate::progress::Progress;
pub use column_names::ColumnNames;
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
    /// How dates written with slashes, day or month first, are read (refused unless set;
    /// left out of the effective configuration while they are).
    #[serde(default, skip_serializing_if = "parse::SlashDates::is_refused")]
    pub slash_dates: parse::SlashDates,
    /// The mark before amounts' decimals, `point` or `comma` (unset: each number's own
    /// marks say, and those that read two ways are refused; left out of the effective
    /// configuration while unset).
    #[serde(default, skip_serializing_if = "parse::DecimalMark::is_either")]
    pub decimal_mark: parse::DecimalMark,
    /// The encoding the dump's text files are written in (UTF-8 unless set; left out of
    /// the effective configuration while it is).
    #[serde(default, skip_serializing_if = "encoding::TextEncoding::is_utf8")]
    pub encoding: encoding::TextEncoding,
    /// The currency of every transfer of a transfers table that has no `currency`
    /// column (an export of one currency often leaves it out); unset, such a table is an
    /// error naming this setting. Left out of the effective configuration while unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<crate::model::Currency>,
}

impl IngestConfig {
    /// The currency every transfer of a transfers table whose header is `names` is read
    /// in: `currency`, when the header has no `currency` column.
    pub fn currency_for_all(&self, names: &[String]) -> Option<crate::model::Currency> {
        self.currency.filter(|_| !names.iter().any(|n| n == "currency"))
    }
}

/// Whether a transfers table whose header is `names` (after `[columns]`) has channels.
fn has_channels(names: &[String]) -> bool {
    names.iter().any(|n| n == "channel")
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
    /// Accounts named in transfers that the `accounts` table does not list.
    pub unlisted_accounts: Option<unlisted::Unlisted>,
    /// Holders named in `accounts` that the `entities` table does not list.
    pub unlisted_holders: Option<unlisted::Unlisted>,
    /// The currency every transfer was read in, the transfers table having no
    /// `currency` column (`[ingest] currency`).
    pub currency_for_all: Option<crate::model::Currency>,
    /// Whether the transfers file had no `transfer_id` column, its rows named by their
    /// lines instead ([`source::RawTable::name_rows_by_line`]).
    pub ids_from_lines: bool,
    /// Whether the transfers table had no `channel` column, every transfer read as
    /// `other`.
    pub channels_absent: bool,
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

    /// What the tables say of each other that the user should know, one line each: how
    /// the transfers were named when they had no ids, the currency every transfer was
    /// read in when the transfers had none of their own, what reading them without
    /// channels costs, the accounts transfers name that `accounts` does not list, and
    /// the holders `accounts` names that `entities` does not.
    pub fn notes(&self) -> Vec<String> {
        let ids = self.ids_from_lines.then(|| {
            "transfer_id: the transfers have no transfer_id column; each is named by its line (L0000000002 for line 2), \
             and a row sent twice cannot be told from two transfers"
                .to_owned()
        });
        let currency = self.currency_for_all.map(|c| {
            format!(
                "currency: the transfers have no currency column; each is read in {c} ([ingest] currency)"
            )
        });
        // Card purchases are retail spending, left out where money moved between holders
        // is read (UB1's inflows, the scale's amounts): without channels an acquirer
        // paid by hundreds of cardholders and settling daily has a collector's shape, and
        // only what its shoppers pay it (the least of what they pay) tells it apart
        // (benches/minimal_columns.sh).
        let channels = self.channels_absent.then(|| {
            "channel: the transfers have no channel column; each is read as `other`, so card purchases \
             cannot be told from other payments, and an acquirer or a merchant settling card takings may \
             read as a collector (UB1) where its shoppers pay it as much as they pay others"
                .to_owned()
        });
        ids.into_iter()
            .chain(currency)
            .chain(channels)
            .chain(self.unlisted_accounts.iter().chain(&self.unlisted_holders).map(|u| u.words()))
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

/// Reads and validates a whole dump. A clean transfers file is read a block at a time
/// (see [`stream`]), so that it is never held as text all at once; one the blocks
/// cannot number truly is read whole, with every broken row rejected on its line.
pub fn load(files: &DumpFiles, config: &Config, progress: &dyn Progress) -> Result<(Dump, IngestReport)> {
    let transfers = files.tables.iter().find(|(t, _)| *t == Table::Transfers).map(|(_, p)| p);
    // A text in another encoding is rewritten whole before it is read (`source`).
    if let Some(path) = transfers.filter(|_| config.ingest.encoding.is_utf8()) {
        let raws = read(files, false, config, &mut false, progress)?;
        if let Some(validation) = Validation::streamed(raws, path, stream::BLOCK_BYTES, config, progress)? {
            return Ok(with_file_fields(&file_names(files), config, validation.finish()));
        }
    }
    let mut ids_from_lines = false;
    let raws = read(files, true, config, &mut ids_from_lines, progress)?;
    let (dump, mut report) = validate(raws, None, config, progress)?;
    report.ids_from_lines = ids_from_lines;
    Ok(with_file_fields(&file_names(files), config, (dump, report)))
}

/// `validated`'s rejects of columns that `[columns]` reads from another header, each
/// naming that header beside the native column (`amount (betrag)`): the user looks for
/// the field in their own file. `files` names each table's file as its rejects do.
fn with_file_fields(
    files: &[(String, Table)],
    config: &Config,
    (dump, mut report): (Dump, IngestReport),
) -> (Dump, IngestReport) {
    if config.columns.is_empty() {
        return (dump, report);
    }
    let maps: Vec<(&str, column_names::HeaderMap)> =
        files.iter().map(|(file, table)| (file.as_str(), config.columns.header_map(*table))).collect();
    for reject in &mut report.rejects {
        let relabelled =
            maps.iter().find(|(file, _)| *file == reject.file).and_then(|(_, map)| map.field(&reject.field));
        if let Some(field) = relabelled {
            reject.field = field;
        }
    }
    (dump, report)
}

/// Each table file of `files` by the name its rejects give it.
fn file_names(files: &DumpFiles) -> Vec<(String, Table)> {
    files.tables.iter().map(|(table, path)| (source::file_label(path), *table)).collect()
}

/// Validates tables handed over in memory (the Python package's), read under their
/// native names as files are ([`ColumnNames`]).
pub fn validate_tables(
    mut tables: Vec<(Table, RawTable)>,
    config: &Config,
    progress: &dyn Progress,
) -> Result<(Dump, IngestReport)> {
    for (table, raw) in &mut tables {
        raw.rename_columns(&config.columns.header_map(*table))?;
        raw.require(*table, &config.ingest)?;
    }
    let files: Vec<(String, Table)> = tables.iter().map(|(table, raw)| (raw.file.clone(), *table)).collect();
    let validated = validate(tables, None, config, progress)?;
    Ok(with_file_fields(&files, config, validated))
}

/// Reads the dump's tables, the transfers table only when `transfers`.
/// `ids_from_lines` says whether the transfers had their rows named by line.
fn read(
    files: &DumpFiles,
    transfers: bool,
    config: &Config,
    ids_from_lines: &mut bool,
    progress: &dyn Progress,
) -> Result<Vec<(Table, RawTable)>> {
    let mut raws = Vec::new();
    for (table, path) in files.tables.iter().filter(|(t, _)| transfers || *t != Table::Transfers) {
        let stage = progress.stage(&format!("read {table}"), None);
        let mut raw = source::read_table_with(path, source::TextReading::of(&config.ingest))?;
        stage.finish();
        raw.rename_columns(&config.columns.header_map(*table))?;
        if *table == Table::Transfers {
            *ids_from_lines = raw.name_rows_by_line()?;
        }
        raw.require(*table, &config.ingest)?;
        raws.push((*table, raw));
    }
    Ok(raws)
}

/// Validates tables already read (from files, or derived from a public layout by a
/// preset). `implied_fx` stands in for a missing `fx_rates` table.
pub fn validate(
    mut raws: Vec<(Table, RawTable)>,
    implied_fx: Option<fx::FxTable>,
    config: &Config,
    progress: &dyn Progress,
) -> Result<(Dump, IngestReport)> {
    let transfers = raws.iter().position(|(t, _)| *t == Table::Transfers).map(|k| raws.swap_remove(k).1);
    let mut validation = Validation::of_reference(raws, implied_fx, config)?;
    match transfers {
        Some(raw) => validation.transfers_table(raw, config, progress),
        None => validation.report.missing.push((Table::Transfers, Table::Transfers.signals_lost())),
    }
    Ok(validation.finish())
}

/// Checked blocks of transfers that may wait for the ordered pass: while the accounts
/// and entities are validated, the first blocks are checked ahead (mapped text, cell
/// bounds and parsed rows). With 8, the checks of a 10M-transfer dump stopped for a
/// third of a second with a core idle until the reference tables were in; with 32 the
/// peak of a 10M run is what it was (the blocks wait while the dump's columns are
/// still small) and ingest's own peak is at most 0.14 GB higher.
const BLOCKS_AHEAD: usize = 32;

/// A dump being validated: the reference tables first, then the transfers, which need
/// the accounts and the exchange rates.
struct Validation {
    dump: Dump,
    report: IngestReport,
    fx: fx::FxTable,
    spare: transfers::SpareRows,
}

impl Validation {
    /// Validates every table of `raws` but the transfers.
    fn of_reference(
        mut raws: Vec<(Table, RawTable)>,
        implied_fx: Option<fx::FxTable>,
        config: &Config,
    ) -> Result<Validation> {
        let mut v = Validation::with_fx(&mut raws, implied_fx, config);
        holdings(raws, &mut v.dump, &mut v.report, config.ingest.slash_dates);
        v.report.in_read_order();
        Ok(v)
    }

    /// A validation with the exchange rates of `raws` (taken out of them) validated, or
    /// `implied_fx` when there is no `fx_rates` table.
    fn with_fx(
        raws: &mut Vec<(Table, RawTable)>,
        implied_fx: Option<fx::FxTable>,
        config: &Config,
    ) -> Validation {
        let mut dump = Dump::default();
        let mut report = IngestReport::default();
        let table = raws.iter().position(|(t, _)| *t == Table::FxRates).map(|k| raws.swap_remove(k).1);
        let mut fx = match implied_fx {
            Some(f) if table.is_none() => f,
            _ => fx::FxTable::new(config.base()),
        };
        match table {
            Some(raw) => {
                let rejects =
                    reference::fx_rates(&raw, &mut fx, config.ingest.slash_dates, config.ingest.decimal_mark);
                report.add(Table::FxRates, &raw, rejects, None);
                dump.availability.fx_rates = true;
            }
            None if fx.is_empty() => report.missing.push((Table::FxRates, Table::FxRates.signals_lost())),
            None => {}
        }
        dump.availability.fx_rates |= !fx.is_empty();
        dump.currencies = fx.currencies();
        Validation { dump, report, fx, spare: transfers::SpareRows::default() }
    }

    fn validator<'a>(&'a mut self, config: &'a Config) -> transfers::Validator<'a> {
        let d = &mut self.dump;
        let checker = transfers::Checker::new(&self.fx, &d.currencies, &config.ingest, &self.spare);
        transfers::Validator::new(checker, &mut d.accounts, &mut d.transfers)
    }

    /// Validates a transfers table read whole.
    fn transfers_table(&mut self, raw: RawTable, config: &Config, progress: &dyn Progress) {
        let read = (raw.height() + raw.read_rejects.len()) as u64;
        self.report.currency_for_all = config.ingest.currency_for_all(&raw.names());
        self.report.channels_absent = !has_channels(&raw.names());
        let stage = progress.stage("validate transfers", Some(raw.height() as u64));
        let on_rows = |n: u64| stage.advance(n);
        let mut v = self.validator(config);
        let raw = v.block(raw, 1.0, &on_rows);
        let mut rejects = raw.read_rejects.clone();
        rejects.extend(v.finish());
        stage.finish();
        self.add_transfers(table_report(Table::Transfers, &raw, read, 0, 0), rejects);
    }

    /// Validates the reference tables `raws`, then reads and validates the transfers
    /// file at `path` a block at a time; `None`, with nothing kept, when it must be read
    /// whole (see [`stream::Streamed::Whole`]).
    fn streamed(
        mut raws: Vec<(Table, RawTable)>,
        path: &Path,
        block_bytes: usize,
        config: &Config,
        progress: &dyn Progress,
    ) -> Result<Option<Validation>> {
        let mut v = Validation::with_fx(&mut raws, None, config);
        let header_map = config.columns.header_map(Table::Transfers);
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let stage = progress.stage("read and validate transfers", Some(bytes));
        let on_rows = |_: u64| {};
        let currencies = std::mem::take(&mut v.dump.currencies);
        let checker = transfers::Checker::new(&v.fx, &currencies, &config.ingest, &v.spare);
        let (dump, report) = (&mut v.dump, &mut v.report);
        let slash = config.ingest.slash_dates;
        let mut first: Option<RawTable> = None;
        let (mut currency_for_all, mut ids_from_lines, mut channels_absent) = (None, false, false);
        // Rows read, and how much of the file they are (see `stream::OnBlock`).
        let (mut read, mut so_far) = (0u64, 0u64);
        // The ordered pass of a block (ids interned in input order, rows pushed) runs on
        // a thread of its own while the next blocks are split and checked on the others:
        // one after the other, a core sat idle for a quarter of the read. The accounts
        // and their holders are validated there first, while the first blocks are
        // checked, which needs only the exchange rates.
        let (streamed, rejects) = std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel::<transfers::Checked>(BLOCKS_AHEAD);
            let ordered = scope.spawn(move || {
                holdings(raws, dump, report, slash);
                let mut v = transfers::Validator::new(checker, &mut dump.accounts, &mut dump.transfers);
                for checked in receive {
                    v.take(checked);
                }
                v.finish()
            });
            let streamed = stream::read_blocks_of(path, block_bytes, &mut |mut block, held, whole| {
                block.rename_columns(&header_map)?;
                let named = block.name_rows_by_line()?;
                if first.is_none() {
                    ids_from_lines = named;
                    block.require(Table::Transfers, &config.ingest)?;
                    currency_for_all = config.ingest.currency_for_all(&block.names());
                    channels_absent = !has_channels(&block.names());
                    first = Some(block.described());
                }
                read += block.height() as u64;
                so_far += held;
                let checked = checker.check(block, so_far as f64 / whole.max(1) as f64, &on_rows);
                send.send(checked)
                    .map_err(|_| Error::RunFailed("the ordered pass of the transfers stopped".into()))?;
                // Gzip text is longer than its file: progress is the share of the text read.
                stage.advance((held as f64 / whole.max(1) as f64 * bytes as f64) as u64);
                Ok(())
            });
            drop(send);
            let rejects = ordered
                .join()
                .map_err(|_| Error::RunFailed("the ordered pass of the transfers failed".into()));
            (streamed, rejects)
        });
        let (streamed, rejects) = (streamed?, rejects?);
        stage.finish();
        let (stream::Streamed::Done { sha256 }, Some(mut meta)) = (streamed, first) else {
            // Nothing of the blocks is kept: the whole read starts from a fresh dump.
            return Ok(None);
        };
        v.dump.currencies = currencies;
        v.report.currency_for_all = currency_for_all;
        v.report.ids_from_lines = ids_from_lines;
        v.report.channels_absent = channels_absent;
        v.report.in_read_order();
        meta.sha256 = sha256;
        v.add_transfers(table_report(Table::Transfers, &meta, read, 0, 0), rejects);
        Ok(Some(v))
    }

    /// Records the validated transfers table.
    fn add_transfers(&mut self, mut table: TableReport, rejects: Vec<Reject>) {
        table.accepted = self.dump.transfers.len() as u64;
        table.rejected = rejects.len() as u64;
        self.report.tables.push(table);
        self.report.rejects.extend(rejects);
    }

    fn finish(mut self) -> (Dump, IngestReport) {
        self.report.rejects.sort();
        self.dump.number_by_ids();
        self.report.unlisted_accounts = unlisted::Unlisted::accounts(&self.dump.accounts);
        self.report.unlisted_holders = unlisted::Unlisted::holders(&self.dump.holders);
        (self.dump, self.report)
    }
}

/// Validates the entities, accounts and entity links of `raws` into `dump`, in that
/// order (accounts name holders, links name both); a table not there is reported
/// missing.
fn holdings(
    mut raws: Vec<(Table, RawTable)>,
    dump: &mut Dump,
    report: &mut IngestReport,
    slash: parse::SlashDates,
) {
    for table in [Table::Entities, Table::Accounts, Table::EntityLinks] {
        let Some(k) = raws.iter().position(|(t, _)| *t == table) else {
            report.missing.push((table, table.signals_lost()));
            continue;
        };
        let (_, raw) = raws.swap_remove(k);
        let accepted_before = count(dump, table);
        let present = &mut dump.availability;
        let rejects = match table {
            Table::Entities => {
                present.entities = true;
                reference::entities(&raw, &mut dump.holders, slash)
            }
            Table::Accounts => {
                present.accounts = true;
                reference::accounts(&raw, &mut dump.accounts, &mut dump.holders, slash)
            }
            _ => {
                present.entity_links = true;
                reference::entity_links(&raw, &dump.holders, &mut dump.links)
            }
        };
        report.add(table, &raw, rejects, Some(count(dump, table) - accepted_before));
    }
}

impl IngestReport {
    /// Records reference table `table` read as `raw`: its rows, the rejects of its
    /// reading and `rejects` of its validation, and `accepted` rows (when `None`, every
    /// row read and not rejected).
    fn add(&mut self, table: Table, raw: &RawTable, rejects: Vec<Reject>, accepted: Option<u64>) {
        let read = (raw.height() + raw.read_rejects.len()) as u64;
        let rejected = (raw.read_rejects.len() + rejects.len()) as u64;
        let accepted = accepted.unwrap_or(read - rejected);
        self.tables.push(table_report(table, raw, read, accepted, rejected));
        self.rejects.extend(raw.read_rejects.iter().cloned());
        self.rejects.extend(rejects);
    }

    /// Tables and missing tables in [`Table::READ_ORDER`], whatever order they were
    /// validated in.
    fn in_read_order(&mut self) {
        let at = |t: &Table| Table::READ_ORDER.iter().position(|x| x == t);
        self.tables.sort_by_key(|r| at(&r.table));
        self.missing.sort_by_key(|(t, _)| at(t));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;

    /// The block path against the whole path on one folder: same dump, same report.
    fn both_ways(dir: &Path, block_bytes: usize) -> (String, String) {
        both_ways_of(dir, "transfers.csv", block_bytes)
    }

    /// [`both_ways`] with the transfers in the file `transfers`.
    fn both_ways_of(dir: &Path, transfers: &str, block_bytes: usize) -> (String, String) {
        let config = Config::default_config().unwrap();
        let files = DumpFiles::discover(dir).unwrap();
        let path = dir.join(transfers);
        let raws = read(&files, false, &config, &mut false, &Silent).unwrap();
        let v = Validation::streamed(raws, &path, block_bytes, &config, &Silent).unwrap();
        let (d, r) = v.expect("a clean file streams").finish();
        let shown = |d: &Dump, r: &IngestReport| {
            let (tables, missing) = (&r.tables, &r.missing);
            let (dump, holders) = ((&d.transfers, &d.accounts.ids, &d.currencies), &d.holders.ids);
            format!("{dump:?}\n{holders:?}\n{tables:?}\n{missing:?}\n{:?}", r.rejects)
        };
        let streamed = shown(&d, &r);
        let (d, r) =
            validate(read(&files, true, &config, &mut false, &Silent).unwrap(), None, &config, &Silent)
                .unwrap();
        let whole = shown(&d, &r);
        (streamed, whole)
    }

    #[test]
    fn a_file_read_in_blocks_validates_as_the_file_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("accounts.csv"), "account_id,country\nL1,DE\nL2,FR\n").unwrap();
        let mut text = String::from("transfer_id,timestamp,src_account,dst_account,amount,currency,memo\n");
        for k in 0..120 {
            let (src, dst) =
                (format!("A{}", k % 7), if k % 5 == 0 { "L1".to_owned() } else { format!("B{k}") });
            text.push_str(&format!(
                "T{k},2024-01-{:02}T10:00:00Z,{src},{dst},{}.5,USD,m{k}\n",
                1 + k % 28,
                10 + k
            ));
        }
        // Later duplicates of early ids, one naming accounts met nowhere else and one an
        // account met first here and again after; a bad amount between them.
        text.push_str("T3,2024-02-01T10:00:00Z,ONLY_IN_DUP,ALSO_LATER,9.5,USD,dup\n");
        text.push_str("X1,2024-02-01T11:00:00Z,A1,L2,oops,USD,\n");
        text.push_str("T90,2024-02-02T10:00:00Z,L2,L1,9.5,USD,dup again\n");
        text.push_str("X2,2024-02-03T10:00:00Z,ALSO_LATER,L2,7.5,USD,kept\n");
        text.push_str("T3,2024-02-04T10:00:00Z,A1,A2,1.5,USD,\n");
        std::fs::write(dir.path().join("transfers.csv"), &text).unwrap();
        let (streamed, whole) = both_ways(dir.path(), 400);
        assert_eq!(streamed, whole);
        assert!(!whole.contains("ONLY_IN_DUP"), "an account named only by a duplicate is not kept");
        assert_eq!(whole.matches("duplicate transfer_id (first on line 5)").count(), 2, "{whole}");
    }

    #[test]
    fn a_parquet_file_read_a_row_group_at_a_time_validates_as_the_file_read_whole() {
        use polars::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("accounts.csv"), "account_id,country\nL1,DE\nL2,FR\n").unwrap();
        // Typed columns (times as instants, amounts as numbers, one missing), a bad
        // amount in the third group, and a duplicate id in the last whose first is in
        // the first: rows are numbered across groups as one file.
        let n = 250usize;
        let mut ids: Vec<String> = (0..n).map(|k| format!("T{k}")).collect();
        ids[240] = "T3".into();
        let times: Vec<i64> = (0..n as i64).map(|k| (1_704_103_200 + k * 3_600) * 1_000).collect();
        let src: Vec<String> = (0..n).map(|k| format!("A{}", k % 7)).collect();
        let dst: Vec<String> =
            (0..n).map(|k| if k % 5 == 0 { "L1".to_owned() } else { format!("B{k}") }).collect();
        let amounts: Vec<Option<f64>> = (0..n).map(|k| (k != 130).then_some(10.5 + k as f64)).collect();
        let currency: Vec<&str> = vec!["USD"; n];
        let mut df = df!(
            "transfer_id" => ids,
            "timestamp" => times,
            "src_account" => src,
            "dst_account" => dst,
            "amount" => amounts,
            "currency" => currency,
        )
        .unwrap();
        df.with_column(
            df.column("timestamp").unwrap().cast(&DataType::Datetime(TimeUnit::Milliseconds, None)).unwrap(),
        )
        .unwrap();
        let file = std::fs::File::create(dir.path().join("transfers.parquet")).unwrap();
        ParquetWriter::new(file).with_row_group_size(Some(60)).finish(&mut df).unwrap();
        let written = std::fs::read(dir.path().join("transfers.parquet")).unwrap();
        let meta = polars_parquet::parquet::read::read_metadata(&mut std::io::Cursor::new(&written)).unwrap();
        assert!(meta.row_groups.len() >= 4, "{} row groups", meta.row_groups.len());
        let (streamed, whole) = both_ways_of(dir.path(), "transfers.parquet", stream::BLOCK_BYTES);
        assert_eq!(streamed, whole);
        assert!(whole.contains("duplicate transfer_id (first on line 5)"), "{whole}");
        assert!(whole.contains("line: 132"), "the missing amount is on row 131: {whole}");
    }

    #[test]
    fn a_damaged_parquet_row_group_is_read_as_the_file_read_whole_reads_it() {
        use polars::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let n = 120usize;
        let mut df = df!(
            "transfer_id" => (0..n).map(|k| format!("T{k}")).collect::<Vec<_>>(),
            "timestamp" => (0..n).map(|k| format!("2024-01-{:02}T10:00:00Z", 1 + k % 28)).collect::<Vec<_>>(),
            "src_account" => (0..n).map(|k| format!("A{}", k % 7)).collect::<Vec<_>>(),
            "dst_account" => (0..n).map(|k| format!("B{}", k % 11)).collect::<Vec<_>>(),
            "amount" => (0..n).map(|k| 10.5 + k as f64).collect::<Vec<_>>(),
            "currency" => vec!["USD"; n],
        )
        .unwrap();
        let mut clean = Vec::new();
        ParquetWriter::new(&mut clean).with_row_group_size(Some(40)).finish(&mut df).unwrap();
        let meta = polars_parquet::parquet::read::read_metadata(&mut std::io::Cursor::new(&clean)).unwrap();
        let last = meta.row_groups.last().unwrap();
        let ranges = last.parquet_columns().iter().map(|c| c.byte_range());
        let (from, to) = ranges.fold((u64::MAX, 0), |(lo, hi), r| (lo.min(r.start), hi.max(r.end)));
        let config = Config::default_config().unwrap();
        let shown = |got: Result<(Dump, IngestReport)>| match got {
            Ok((d, r)) => format!("{:?}\n{:?}\n{:?}", d.transfers, r.tables, r.rejects),
            Err(e) => e.to_string(),
        };
        // Each byte of the last group's pages, changed: the groups before it were handed
        // already when it fails, and must count for nothing.
        for at in from as usize..to as usize {
            let mut bytes = clean.clone();
            bytes[at] ^= 0xFF;
            std::fs::write(dir.path().join("transfers.parquet"), &bytes).unwrap();
            let files = DumpFiles::discover(dir.path()).unwrap();
            let streamed = shown(load(&files, &config, &Silent));
            let whole = shown(
                read(&files, true, &config, &mut false, &Silent)
                    .and_then(|raws| validate(raws, None, &config, &Silent)),
            );
            assert_eq!(streamed, whole, "byte {at}");
        }
    }

    #[test]
    fn a_broken_transfers_file_is_read_whole_with_its_rows_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let text = "transfer_id,timestamp,src_account,dst_account,amount,currency\n\
            T1,2024-01-01T10:00:00Z,A,B,1,USD\nT2,2024-01-01T10:00:00Z,A,B,1,USD,extra\n\
            T3,2024-01-01T10:00:00Z,A,B,1,USD\n";
        std::fs::write(dir.path().join("transfers.csv"), text).unwrap();
        let config = Config::default_config().unwrap();
        let (dump, report) = load(&DumpFiles::discover(dir.path()).unwrap(), &config, &Silent).unwrap();
        assert_eq!(dump.transfers.len(), 2);
        assert_eq!(report.rejects.len(), 1);
        assert_eq!(report.rejects[0].line, 3);
    }
}

//! Finding a table's file in a dump and reading it into string columns.
//!
//! A CSV file without quotes is split into cells where it lies ([`TextBlock`]); one with
//! quotes takes polars' multi-threaded CSV reader, and Parquet polars' reader. When
//! neither reads a CSV file right (ragged rows, invalid UTF-8), it is re-read record by
//! record with the `csv` crate so that only the broken rows are rejected, each with its
//! exact line.

use std::io::{BufRead, Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::column_names::HeaderMap;
use super::csv_exact::{Item, Scanner};
use super::parse::{trimmed, DecimalMark};
use super::rejects::Reject;
use super::schema::Table;
use super::text_block::{TextBlock, TextColumn};
use super::{encoding, separators};
use crate::error::{Error, Result};

/// On-disk format of a table file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// `.csv`
    Csv,
    /// `.csv.gz`
    CsvGz,
    /// `.parquet`
    Parquet,
    /// A table handed over in memory (the Python package's Arrow tables).
    Memory,
}

impl Format {
    /// Format of `path` by extension, if it is one flowhound reads.
    pub fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".csv.gz") {
            Some(Format::CsvGz)
        } else if name.ends_with(".csv") {
            Some(Format::Csv)
        } else if name.ends_with(".parquet") {
            Some(Format::Parquet)
        } else {
            None
        }
    }

    const EXTENSIONS: [&'static str; 3] = ["csv", "csv.gz", "parquet"];
}

/// Finds `table` in the dump folder `dir`; `None` when absent, an error when ambiguous.
pub fn locate(dir: &Path, table: Table) -> Result<Option<PathBuf>> {
    let found: Vec<PathBuf> = Format::EXTENSIONS
        .iter()
        .map(|ext| dir.join(format!("{}.{ext}", table.name())))
        .filter(|p| p.is_file())
        .collect();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.into_iter().next()),
        _ => Err(Error::bad_input(
            dir,
            format!(
                "more than one file for table `{table}`: {}; keep one",
                found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// A table file read into string columns.
pub struct RawTable {
    /// Display name of the file (used in rejects and errors).
    pub file: String,
    /// Path read.
    pub path: PathBuf,
    /// Format read.
    pub format: Format,
    /// All columns as UTF-8 strings; names trimmed and lower-cased.
    pub cells: Cells,
    /// Exact line of each row when known (fallback reader); else `first_row` + row + 2.
    pub lines: Option<Vec<u64>>,
    /// Rows of the file before this table's first: a block of a file read block by block
    /// (see [`super::stream`]) numbers its lines from where it starts.
    pub first_row: u64,
    /// Rows rejected while reading (ragged, invalid UTF-8).
    pub read_rejects: Vec<Reject>,
    /// SHA-256 of the file's bytes as stored.
    pub sha256: String,
    /// Size on disk.
    pub bytes: u64,
}

/// A table's cells.
pub enum Cells {
    /// Polars' string columns: files read whole, Parquet, tables handed over in memory.
    Frame(DataFrame),
    /// A block of a clean CSV file, split where it lies (see [`TextBlock`]).
    Text(TextBlock),
}

impl RawTable {
    /// Rows read (accepted by the reader; validation comes after).
    pub fn height(&self) -> usize {
        match &self.cells {
            Cells::Frame(frame) => frame.height(),
            Cells::Text(block) => block.height(),
        }
    }

    /// The column names, in file order.
    pub fn names(&self) -> Vec<String> {
        match &self.cells {
            Cells::Frame(frame) => frame.get_column_names().iter().map(|s| s.to_string()).collect(),
            Cells::Text(block) => block.names().to_vec(),
        }
    }

    /// The cells as polars' string columns (an empty cell of a text block is null, as
    /// polars' reader makes it).
    pub fn into_frame(self) -> Result<DataFrame> {
        frame_of(self.cells, &self.path)
    }

    /// Names each row by its line, `L` and the line in ten digits (`L0000000002`), when
    /// the table has no `transfer_id` column; true when it did. An export without ids
    /// still has its rows told apart by where they are in the file, the same in every
    /// run of it. The digits are padded so that ids sort as the lines do: transfers of
    /// one second are taken in id order, and the file's order is the one it posted
    /// them in. A block of text becomes polars' columns first.
    pub fn name_rows_by_line(&mut self) -> Result<bool> {
        if self.names().iter().any(|n| n == "transfer_id") {
            return Ok(false);
        }
        let ids = text_column("transfer_id", self.height(), |row, id| {
            use std::fmt::Write;
            // Writing to a String cannot fail.
            let _ = write!(id, "L{:010}", self.line(row));
        });
        let cells = std::mem::replace(&mut self.cells, Cells::Frame(DataFrame::empty()));
        let mut frame = frame_of(cells, &self.path)?;
        frame
            .with_column(ids)
            .map_err(|e| Error::bad_input(&self.path, format!("cannot name the rows by line: {e}")))?;
        self.cells = Cells::Frame(frame);
        Ok(true)
    }

    /// Lets go of the columns `names` (a table read whole holds each column's text on
    /// its own; a block's cells are slices of one text, which stays).
    pub fn drop_columns(&mut self, names: &[&str]) {
        if let Cells::Frame(frame) = &mut self.cells {
            *frame = frame.drop_many(names.iter().copied());
        }
    }

    /// What describes the file, without the cells.
    pub fn described(&self) -> RawTable {
        RawTable {
            file: self.file.clone(),
            path: self.path.clone(),
            format: self.format,
            cells: Cells::Frame(DataFrame::empty()),
            lines: None,
            first_row: self.first_row,
            read_rejects: self.read_rejects.clone(),
            sha256: self.sha256.clone(),
            bytes: self.bytes,
        }
    }

    /// Line of row `row` in the file.
    pub fn line(&self, row: usize) -> u64 {
        match &self.lines {
            Some(lines) => lines.get(row).copied().unwrap_or(self.first_row + row as u64 + 2),
            None => self.first_row + row as u64 + 2,
        }
    }

    /// A string column by name, if the header has it.
    pub fn column(&self, name: &str) -> Option<StrColumn<'_>> {
        let frame = match &self.cells {
            Cells::Frame(frame) => frame,
            Cells::Text(block) => {
                let column = block.names().iter().position(|n| n == name)?;
                return Some(StrColumn { cells: ColumnCells::Text(block.column(column)) });
            }
        };
        let col = frame.column(name).ok()?;
        let ca = col.str().ok()?;
        let mut chunks = Vec::new();
        let mut offset = 0;
        for arr in ca.downcast_iter() {
            chunks.push((offset, arr));
            offset += arr.len();
        }
        Some(StrColumn { cells: ColumnCells::Chunks(chunks) })
    }

    /// Reads the columns `map` names otherwise under their native names
    /// ([`super::column_names`]). A mapped header the file does not have is an error that
    /// names it: the configuration meant this file, and a column read under no name
    /// would be lost.
    pub fn rename_columns(&mut self, map: &HeaderMap) -> Result<()> {
        if map.is_empty() {
            return Ok(());
        }
        let names = self.names();
        if let Some((native, file)) = map.missing_from(&names) {
            return Err(Error::bad_input(
                &self.path,
                format!(
                    "line 1: [columns] reads `{native}` from header `{file}`, which this file does not have \
                     (header has: {})",
                    names.join(", ")
                ),
            ));
        }
        let renamed = map.rename(&names).map_err(|why| Error::bad_input(&self.path, why))?;
        match &mut self.cells {
            Cells::Frame(frame) => {
                let renamed: Vec<PlSmallStr> = renamed.iter().map(|n| PlSmallStr::from(n.as_str())).collect();
                frame
                    .set_column_names(&renamed)
                    .map_err(|e| Error::RunFailed(format!("renaming columns: {e}")))?;
            }
            Cells::Text(block) => block.rename(renamed),
        }
        self.join_columns(map)
    }

    /// Adds each native column `map` joins from several of the file's, their cells
    /// joined with a space (an empty one left out: a date with no time is the date). A
    /// block of text becomes polars' columns first.
    fn join_columns(&mut self, map: &HeaderMap) -> Result<()> {
        let joined: Vec<_> = map.joined().collect();
        if joined.is_empty() {
            return Ok(());
        }
        let cells = std::mem::replace(&mut self.cells, Cells::Frame(DataFrame::empty()));
        let mut frame = frame_of(cells, &self.path)?;
        let failed = |e: PolarsError| Error::bad_input(&self.path, format!("cannot join columns: {e}"));
        for j in joined {
            let parts: Vec<StringChunked> = j
                .files
                .iter()
                .map(|f| frame.column(f).and_then(|c| c.str().cloned()))
                .collect::<Result<_, _>>()
                .map_err(failed)?;
            let column = text_column(j.native, frame.height(), |row, cell| {
                for part in parts.iter().filter_map(|p| p.get(row)).map(str::trim).filter(|x| !x.is_empty()) {
                    if !cell.is_empty() {
                        cell.push(' ');
                    }
                    cell.push_str(part);
                }
            });
            frame.with_column(column).map_err(failed)?;
        }
        self.cells = Cells::Frame(frame);
        Ok(())
    }

    /// Checks that every required column of `table` is present: all but a transfers
    /// table's `currency` when `ingest` names the currency of every transfer.
    pub fn require(&self, table: Table, ingest: &super::IngestConfig) -> Result<()> {
        let names = self.names();
        for col in table.required() {
            let implied = table == Table::Transfers && *col == "currency" && ingest.currency.is_some();
            if !implied && !names.iter().any(|n| n == col) {
                return Err(Error::missing_native_column(&self.path, table.name(), col, &names));
            }
        }
        Ok(())
    }
}

/// A string column `name` of `rows` cells, each written by `write` (given its row and
/// an empty buffer) into one buffer reused from row to row: no allocation per cell.
fn text_column(name: &str, rows: usize, mut write: impl FnMut(usize, &mut String)) -> Column {
    let mut column = StringChunkedBuilder::new(PlSmallStr::from(name), rows);
    let mut cell = String::new();
    for row in 0..rows {
        cell.clear();
        write(row, &mut cell);
        column.append_value(&cell);
    }
    column.finish().into_column()
}

/// `cells` as polars' string columns (an empty cell of a text block is null, as polars'
/// reader makes it); `path` names the file in an error.
fn frame_of(cells: Cells, path: &Path) -> Result<DataFrame> {
    let block = match cells {
        Cells::Frame(frame) => return Ok(frame),
        Cells::Text(block) => block,
    };
    let columns: Vec<Column> = (0..block.names().len())
        .map(|c| {
            let cells = (0..block.height()).map(|r| Some(block.cell(r, c)).filter(|x| !x.is_empty()));
            StringChunked::from_iter_options(PlSmallStr::from(block.names()[c].as_str()), cells).into_column()
        })
        .collect();
    DataFrame::new(block.height(), columns)
        .map_err(|e| Error::bad_input(path, format!("cannot build columns: {e}")))
}

type StrArray = <StringType as PolarsDataType>::Array;

/// Random access to one string column without copying it.
pub struct StrColumn<'a> {
    cells: ColumnCells<'a>,
}

enum ColumnCells<'a> {
    /// Polars' chunks, each with the row it starts at.
    Chunks(Vec<(usize, &'a StrArray)>),
    /// A column of a text block.
    Text(TextColumn<'a>),
    /// The same text in every row: a column the file leaves out and the configuration
    /// supplies (`[ingest] currency`).
    Constant(&'a str),
}

impl<'a> StrColumn<'a> {
    /// A column holding `text` in every row.
    pub fn constant(text: &'a str) -> StrColumn<'a> {
        StrColumn { cells: ColumnCells::Constant(text) }
    }

    /// A reader of this column row after row (see [`RowCursor`]).
    pub fn cursor(&self) -> RowCursor<'_, 'a> {
        RowCursor { column: self, chunk: 0 }
    }

    /// The cell at `row`, trimmed; `""` for null or out of range.
    pub fn get(&self, row: usize) -> &'a str {
        let chunks = match &self.cells {
            ColumnCells::Chunks(chunks) => chunks,
            ColumnCells::Text(column) => return trimmed(column.cell(row)),
            ColumnCells::Constant(text) => return text,
        };
        // A file under one block (see `BLOCK_BYTES`) is one chunk: skip the search.
        if let [(_, arr)] = chunks.as_slice() {
            return if row < arr.len() { arr.get(row).map(trimmed).unwrap_or("") } else { "" };
        }
        let k = chunks.partition_point(|(off, _)| *off <= row);
        if k == 0 {
            return "";
        }
        let (off, arr) = chunks[k - 1];
        let i = row - off;
        if i >= arr.len() {
            return "";
        }
        arr.get(i).map(trimmed).unwrap_or("")
    }
}

/// Reads a [`StrColumn`] row after row: the chunk of the last row read is tried first,
/// so that a pass in row order does not search the chunks at every cell (that search
/// was two fifths of the time spent fetching cells).
pub struct RowCursor<'c, 'a> {
    column: &'c StrColumn<'a>,
    chunk: usize,
}

impl<'a> RowCursor<'_, 'a> {
    /// The cell at `row`, trimmed; `""` for null or out of range (as [`StrColumn::get`]).
    pub fn get(&mut self, row: usize) -> &'a str {
        let chunks = match &self.column.cells {
            ColumnCells::Chunks(chunks) => chunks,
            ColumnCells::Text(column) => return trimmed(column.cell(row)),
            ColumnCells::Constant(text) => return text,
        };
        if let Some(&(off, arr)) = chunks.get(self.chunk) {
            if row >= off && row - off < arr.len() {
                return arr.get(row - off).map(trimmed).unwrap_or("");
            }
        }
        let k = chunks.partition_point(|(off, _)| *off <= row);
        if k == 0 {
            return "";
        }
        self.chunk = k - 1;
        self.column.get(row)
    }
}

/// Maps a header's names to the names to read the columns by, or says why it cannot.
pub type Rename<'a> = &'a dyn Fn(&[String]) -> std::result::Result<Vec<String>, String>;

/// How a table file's text is read: what `[ingest]` says of it.
#[derive(Debug, Clone, Copy)]
pub struct TextReading {
    /// Lines a quoted field may span before its quote is taken for a stray one
    /// (`max_record_lines`).
    pub max_record_lines: usize,
    /// The amounts' decimal mark (`decimal_mark`), which a text separated otherwise than
    /// by commas is rewritten with ([`separators::with_commas`]).
    pub decimal_mark: DecimalMark,
    /// The encoding a text without a UTF-16 mark is written in (`encoding`).
    pub encoding: encoding::TextEncoding,
}

impl TextReading {
    /// What `config` says.
    pub fn of(config: &super::IngestConfig) -> TextReading {
        TextReading {
            max_record_lines: config.max_record_lines.get(),
            decimal_mark: config.decimal_mark,
            encoding: config.encoding,
        }
    }
}

impl Default for TextReading {
    fn default() -> TextReading {
        TextReading {
            max_record_lines: MAX_RECORD_LINES,
            decimal_mark: DecimalMark::Either,
            encoding: encoding::TextEncoding::default(),
        }
    }
}

/// Reads one table file.
pub fn read_table(path: &Path) -> Result<RawTable> {
    read_table_with(path, TextReading::default())
}

/// Reads one table file as `reading` says.
pub fn read_table_with(path: &Path, reading: TextReading) -> Result<RawTable> {
    read_renamed(path, &|names| Ok(names.to_vec()), reading)
}

/// A file's bytes: mapped from the page cache for the text formats, which are only read
/// (no copy of a dump of gigabytes into fresh memory the kernel must first zero, and pages
/// it can drop under pressure), else read into memory.
pub(super) enum Stored {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl Stored {
    pub(super) fn open(path: &Path, format: Format) -> Result<Stored> {
        if matches!(format, Format::Csv | Format::CsvGz) {
            return Stored::mapped(path);
        }
        std::fs::read(path).map(Stored::Read).map_err(|e| Error::io(path, e))
    }

    /// The file at `path`, mapped where it can be, read otherwise.
    pub(super) fn mapped(path: &Path) -> Result<Stored> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        // SAFETY: the map is read only, and dropped before the run ends. Another
        // process truncating the file while it is read is undefined behaviour,
        // which is why ripgrep and polars map files the same way only for reading
        // a file the user handed them; empty files and files that cannot be mapped
        // (pipes, some network filesystems) are read instead.
        if len > 0 {
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                return Ok(Stored::Mapped(map));
            }
        }
        std::fs::read(path).map(Stored::Read).map_err(|e| Error::io(path, e))
    }

    /// Hands the pages that hold `part`, a slice of these bytes, back to the kernel once
    /// polars has parsed them, so that a large file's text and its columns are never
    /// resident together. Bytes read into memory stay.
    pub(super) fn release(&self, part: &[u8]) {
        #[cfg(unix)]
        if let Stored::Mapped(map) = self {
            let (start, at) = (map.as_ptr() as usize, part.as_ptr() as usize);
            if part.is_empty() || at < start || at + part.len() > start + map.len() {
                return;
            }
            // SAFETY: the map is a read-only shared mapping of a file. Pages dropped here
            // are read again from the page cache, with the same bytes, when next touched
            // (the exact path re-reads the whole file after the fast path refuses it).
            // Failing to drop them only costs memory, so the result is ignored.
            let _ = unsafe {
                map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, at - start, part.len())
            };
        }
        #[cfg(not(unix))]
        let _ = part;
    }

    fn into_vec(self) -> Vec<u8> {
        match self {
            Stored::Mapped(map) => map.to_vec(),
            Stored::Read(bytes) => bytes,
        }
    }
}

impl std::ops::Deref for Stored {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Stored::Mapped(map) => map,
            Stored::Read(bytes) => bytes,
        }
    }
}

/// Reads one table file, letting `rename` replace the header's names (public layouts
/// repeat names, e.g. AMLworld's two `Account` columns). Line numbers stay those of the file.
pub fn read_renamed(path: &Path, rename: Rename<'_>, reading: TextReading) -> Result<RawTable> {
    let format = Format::of(path)
        .ok_or_else(|| Error::bad_input(path, "unknown file type: expected .csv, .csv.gz or .parquet"))?;
    let stored = Stored::open(path, format)?;
    let sha256 = crate::config::hex(&Sha256::digest(&stored[..]));
    let bytes = stored.len() as u64;
    let file = file_label(path);
    // Rows whose amounts read two ways, left out of a text separated otherwise.
    let mut two_ways = Vec::new();
    let text = match format {
        Format::Csv if encoding::is_utf16(&stored) || !reading.encoding.is_utf8() => {
            let text = as_utf8(path, &stored, reading.encoding)?.unwrap_or_else(|| stored.to_vec());
            drop(stored);
            read_text(path, text, reading, rename, &mut two_ways)?
        }
        Format::Csv => match separators::with_commas(&stored, reading.decimal_mark) {
            None => match rewrite_header(path, &stored, rename)? {
                std::borrow::Cow::Owned(renamed) => Stored::Read(renamed),
                std::borrow::Cow::Borrowed(_) => stored,
            },
            Some(rewritten) => {
                drop(stored);
                two_ways = rewritten.two_ways;
                renamed_text(path, rewritten.text, rename)?
            }
        },
        Format::CsvGz => {
            // Decompressed here rather than by polars: without its `decompress` feature
            // polars panics on gzip input, and a truncated stream must be a clean error.
            let mut text = Vec::with_capacity(stored.len() * 4);
            if let Err(e) = flate2::read::MultiGzDecoder::new(&stored[..]).read_to_end(&mut text) {
                // What did decompress ends at this line of the text.
                let line = text.iter().filter(|&&b| b == b'\n').count() + 1;
                return Err(Error::bad_input(
                    path,
                    format!(
                        "line {line}: cannot decompress gzip beyond this line: {e} (truncated or not gzip?)"
                    ),
                ));
            }
            drop(stored);
            let text = as_utf8(path, &text, reading.encoding)?.unwrap_or(text);
            read_text(path, text, reading, rename, &mut two_ways)?
        }
        Format::Parquet => Stored::Read(stored.into_vec()),
        Format::Memory => return Err(Error::bad_input(path, "an in-memory table is not a file to read")),
    };
    let max_record_lines = reading.max_record_lines;
    let (cells, lines, mut read_rejects) = if format == Format::Parquet {
        (Cells::Frame(read_parquet(path, text.into_vec())?), None, Vec::new())
    } else {
        let text = Arc::new(text);
        match split_whole(&text) {
            Some(block) => (Cells::Text(block), None, Vec::new()),
            None => {
                let (frame, lines, rejects) =
                    read_csv_bytes(path, &file, &text, max_record_lines, &|part| text.release(part))?;
                (Cells::Frame(frame), lines, rejects)
            }
        }
    };
    read_rejects.extend(
        two_ways.into_iter().map(|t| Reject::new(&file, t.line, &t.column, separators::TWO_WAYS, &t.value)),
    );
    Ok(RawTable {
        file,
        path: path.to_owned(),
        format,
        cells,
        lines,
        first_row: 0,
        read_rejects,
        sha256,
        bytes,
    })
}

/// Why a cell that is no UTF-8 was rejected: the file may be in another encoding, which
/// is never guessed.
const NOT_UTF8: &str = "not valid UTF-8 text: if the file is written in another encoding (gb18030, big5, shift_jis, windows-1252...), name it in [ingest] encoding";

/// `text` as UTF-8 ([`encoding::as_utf8`]: from UTF-16 when it has the mark, else from
/// `encoding`), or why it cannot be read; `None` for UTF-8 text, read as it is.
fn as_utf8(path: &Path, text: &[u8], encoding: encoding::TextEncoding) -> Result<Option<Vec<u8>>> {
    encoding::as_utf8(text, encoding).transpose().map_err(|why| Error::bad_input(path, why))
}

/// A clean CSV file's text split where it lies, as one block (see [`TextBlock`]);
/// `None` when the text holds a quote or anything else the split does not read as the
/// readers below do.
fn split_whole(text: &Arc<Stored>) -> Option<TextBlock> {
    let body = text.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(text);
    TextBlock::headed(text.clone(), text.len() - body.len()..text.len())
}

/// The header line of a CSV file (decompressed when `.csv.gz`), as trimmed names.
pub fn header(path: &Path) -> Result<Vec<String>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader: Box<dyn Read> = match Format::of(path) {
        Some(Format::CsvGz) => Box::new(flate2::read::MultiGzDecoder::new(file)),
        _ => Box::new(file),
    };
    let mut first = Vec::new();
    let mut reader = std::io::BufReader::new(reader);
    reader.read_until(b'\n', &mut first).map_err(|e| Error::io(path, e))?;
    if encoding::is_utf16(&first) {
        // A UTF-16 line ends one byte past its `\n` (little-endian), and its header may
        // be long: its first few kilobytes, whole characters, are enough.
        reader.by_ref().take(64 << 10).read_to_end(&mut first).map_err(|e| Error::io(path, e))?;
        first.truncate(first.len() & !1);
        let text = encoding::utf16_as_utf8(&first).and_then(Result::ok).unwrap_or_default();
        first = text.split(|&b| b == b'\n').next().unwrap_or_default().to_vec();
    }
    let separator = separators::separator_of(&first);
    let mut csv = csv::ReaderBuilder::new().has_headers(false).delimiter(separator).from_reader(&first[..]);
    match csv.byte_records().next() {
        Some(Ok(rec)) => Ok(rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim_start_matches('\u{feff}').trim().to_owned())
            .collect()),
        _ => Ok(Vec::new()),
    }
}

/// A UTF-8 `text` read into memory (decompressed or decoded), as comma-separated CSV
/// ([`separators::with_commas`], its rows whose amounts read two ways put in
/// `two_ways`) with its header renamed.
fn read_text(
    path: &Path,
    text: Vec<u8>,
    reading: TextReading,
    rename: Rename<'_>,
    two_ways: &mut Vec<separators::TwoWays>,
) -> Result<Stored> {
    let text = match separators::with_commas(&text, reading.decimal_mark) {
        Some(rewritten) => {
            *two_ways = rewritten.two_ways;
            rewritten.text
        }
        None => text,
    };
    renamed_text(path, text, rename)
}

/// `text`, read into memory, with its header renamed ([`rewrite_header`]): moved as it
/// is when the names stay, not copied.
fn renamed_text(path: &Path, text: Vec<u8>, rename: Rename<'_>) -> Result<Stored> {
    Ok(match rewrite_header(path, &text, rename)? {
        std::borrow::Cow::Owned(renamed) => Stored::Read(renamed),
        std::borrow::Cow::Borrowed(_) => Stored::Read(text),
    })
}

/// `text` with its first line replaced by `rename` of its fields (unchanged if equal).
fn rewrite_header<'a>(path: &Path, text: &'a [u8], rename: Rename<'_>) -> Result<std::borrow::Cow<'a, [u8]>> {
    let body = text.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(text);
    let end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let mut csv = csv::ReaderBuilder::new().has_headers(false).from_reader(&body[..end]);
    let names: Vec<String> = match csv.byte_records().next() {
        Some(Ok(rec)) => rec.iter().map(|f| String::from_utf8_lossy(f).trim().to_owned()).collect(),
        _ => return Ok(text.into()),
    };
    let renamed = rename(&names).map_err(|e| Error::bad_input(path, e))?;
    if renamed == names {
        return Ok(text.into());
    }
    let mut out = renamed.join(",").into_bytes();
    out.extend_from_slice(&body[end..]);
    Ok(out.into())
}

type CsvRead = (DataFrame, Option<Vec<u64>>, Vec<Reject>);

/// Runs a polars reader on user bytes, containing a panic (polars can panic on a damaged
/// Parquet file, inside its own worker threads) as an `Err`, without the panic's message
/// and backtrace on the user's terminal: the caller turns it into a clean refusal.
pub(super) fn contained<T>(read: impl FnOnce() -> T) -> std::thread::Result<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(read));
    std::panic::set_hook(hook);
    result
}

/// Bytes of CSV text polars parses at a time: each block's pages are released once
/// parsed (see `Stored::release`), so the text of a large file gives way to its columns
/// as they are built instead of both being resident at the peak.
pub(super) const BLOCK_BYTES: usize = 128 << 20;

/// `body` (header first) in blocks of about `size` bytes, each ending at a line break;
/// the whole body as one block when it holds a quote, since a quoted field may hold a
/// line break that a block boundary must not split.
fn blocks(body: &[u8], size: usize) -> Vec<&[u8]> {
    if memchr::memchr(b'"', body).is_some() {
        return vec![body];
    }
    line_blocks(body, size)
}

/// `body` in blocks of about `size` bytes, each ending at a line break (quotes not
/// considered).
pub(super) fn line_blocks(body: &[u8], size: usize) -> Vec<&[u8]> {
    line_ranges(body, size).into_iter().map(|r| &body[r]).collect()
}

/// Where the blocks of [`line_blocks`] lie in `body`.
pub(super) fn line_ranges(body: &[u8], size: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < body.len() {
        let mut end = (start + size).min(body.len());
        if end < body.len() {
            end = memchr::memchr(b'\n', &body[end..]).map_or(body.len(), |p| end + p + 1);
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// Polars' reading of `body` (header first), in blocks of about `size` bytes (see [`blocks`]): the first
/// block names the columns, the others are read with its schema and appended as chunks,
/// and `release` is handed each block once parsed.
fn parse_in_blocks(body: &[u8], size: usize, release: &dyn Fn(&[u8])) -> PolarsResult<DataFrame> {
    let mut frame: Option<DataFrame> = None;
    for block in blocks(body, size) {
        let part = parse_block(block, frame.as_ref().map(|f| f.schema()))?;
        release(block);
        match &mut frame {
            None => frame = Some(part),
            Some(frame) => {
                frame.vstack_mut(&part)?;
            }
        }
    }
    Ok(frame.unwrap_or_default())
}

/// Polars' reading of one block of CSV text: the file's first block (`schema` `None`)
/// starts with the header and names the columns, all read as text; a later block holds
/// rows only, read with the first block's schema.
pub(super) fn parse_block(block: &[u8], schema: Option<&SchemaRef>) -> PolarsResult<DataFrame> {
    let options = CsvReadOptions::default().with_raise_if_empty(false);
    let options = match schema {
        None => options.with_has_header(true).with_infer_schema_length(Some(0)),
        Some(schema) => options.with_has_header(false).with_schema(Some(schema.clone())),
    };
    options.into_reader_with_file_handle(Cursor::new(block)).finish()
}

fn read_csv_bytes(
    path: &Path,
    file: &str,
    raw: &[u8],
    max_record_lines: usize,
    release: &dyn Fn(&[u8]),
) -> Result<CsvRead> {
    let body = raw.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(raw);
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::bad_input(path, "line 1: file is empty: no header row"));
    }
    if let Some(line) = binary_from(body) {
        return Err(Error::bad_input(
            path,
            format!("line {line}: not a CSV text file (NUL bytes from here on); is it compressed or binary?"),
        ));
    }
    if memchr::memchr(0, body).is_some() {
        return read_csv_exact(path, file, body, max_record_lines);
    }
    if let Some(name) = duplicate_header(body) {
        return Err(named_twice(path, &name));
    }
    // Counted before the blocks' pages are released.
    let rows = physical_rows(body);
    let fast = contained(|| parse_in_blocks(body, BLOCK_BYTES, release));
    match fast {
        // Line numbers of the fast path are row + 2; when blank lines or quoted line breaks
        // make that untrue, the exact path numbers rows by their real lines.
        Ok(Ok(df)) if rows == df.height() => Ok((normalise_names(path, df)?, None, Vec::new())),
        // Ragged rows, bad UTF-8, or a polars panic: take the exact, row-by-row path.
        _ => read_csv_exact(path, file, body, max_record_lines),
    }
}

/// Non-blank lines after the header (blank lines are not rows).
fn physical_rows(body: &[u8]) -> usize {
    non_blank_lines(body).saturating_sub(1)
}

/// Lines of `text` with something besides whitespace on them.
pub(super) fn non_blank_lines(text: &[u8]) -> usize {
    let mut start = 0;
    let mut rows = 0usize;
    for end in memchr::memchr_iter(b'\n', text).chain(std::iter::once(text.len())) {
        if text[start..end].iter().any(|b| !b.is_ascii_whitespace()) {
            rows += 1;
        }
        start = end + 1;
    }
    rows
}

/// A column named twice in the header (compared as flowhound matches names).
pub(super) fn duplicate_header(body: &[u8]) -> Option<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(body);
    let header = reader.byte_records().next()?.ok()?;
    let names: Vec<String> = header.iter().map(|f| clean_name(&String::from_utf8_lossy(f))).collect();
    twice(&names)
}

/// The first name (in sort order) that `names`, already cleaned, hold twice.
pub(super) fn twice<S: AsRef<str>>(names: &[S]) -> Option<String> {
    let mut sorted: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    sorted.windows(2).find(|w| w[0] == w[1]).map(|w| w[0].to_owned())
}

/// The refusal of a header that names a column twice.
fn named_twice(path: &Path, name: &str) -> Error {
    Error::bad_input(path, format!("line 1: column `{name}` appears twice in the header"))
}

/// How a table file is named in its rejects and reports: its file name, or the whole
/// path when it has none.
pub(super) fn file_label(path: &Path) -> String {
    path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

pub(super) fn clean_name(name: &str) -> String {
    name.trim_start_matches('\u{feff}').trim().to_ascii_lowercase()
}

/// Trims and lower-cases the column names; two that become one name are a header error
/// (the header reader and polars can split a header with stray carriage returns apart).
pub(super) fn normalise_names(path: &Path, mut df: DataFrame) -> Result<DataFrame> {
    let names: Vec<PlSmallStr> =
        df.get_column_names().iter().map(|n| PlSmallStr::from(clean_name(n))).collect();
    if let Some(name) = twice(&names) {
        return Err(named_twice(path, &name));
    }
    df.set_column_names(&names).map_err(|e| Error::RunFailed(format!("renaming columns: {e}")))?;
    Ok(df)
}

/// Record-by-record read (see [`super::csv_exact`]): every record is either a row or a
/// reject with its exact line, and a stray quote costs its own line only.
fn read_csv_exact(path: &Path, file: &str, body: &[u8], max_record_lines: usize) -> Result<CsvRead> {
    let mut records = Scanner::new(body, max_record_lines);
    let header = match records.next() {
        Some(Item::Record { fields, .. }) => fields,
        Some(Item::StrayQuote { .. }) => {
            return Err(Error::bad_input(path, "line 1: unreadable header (a quote that never closes)"))
        }
        None => return Err(Error::bad_input(path, "line 1: file is empty: no header row")),
    };
    let names: Vec<String> = header
        .iter()
        .map(|f| {
            std::str::from_utf8(f)
                .map(clean_name)
                .map_err(|_| Error::bad_input(path, "line 1: not a CSV text file: header is not UTF-8"))
        })
        .collect::<Result<_>>()?;
    if let Some(name) = twice(&names) {
        return Err(named_twice(path, &name));
    }
    let width = names.len();
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); width];
    let mut lines = Vec::new();
    let mut rejects = Vec::new();
    for item in records {
        let (line, fields) = match item {
            Item::Record { line, fields } => (line, fields),
            Item::StrayQuote { line, text, why } => {
                rejects.push(Reject::new(file, line, "*", why.to_string(), &text));
                continue;
            }
        };
        if fields.len() != width {
            let shown = fields.iter().map(|f| String::from_utf8_lossy(f)).collect::<Vec<_>>().join(",");
            rejects.push(Reject::new(
                file,
                line,
                "*",
                format!("expected {width} fields, found {}", fields.len()),
                &shown,
            ));
            continue;
        }
        let mut cells = Vec::with_capacity(width);
        let mut bad = None;
        for (i, f) in fields.into_iter().enumerate() {
            if f.contains(&0) {
                bad = Some((i, "contains a NUL byte", f));
                break;
            }
            match String::from_utf8(f) {
                Ok(s) => cells.push(s),
                Err(e) => {
                    bad = Some((i, NOT_UTF8, e.into_bytes()));
                    break;
                }
            }
        }
        if let Some((i, why, f)) = bad {
            let shown = String::from_utf8_lossy(&f).replace('\0', "\\0");
            rejects.push(Reject::new(file, line, &names[i], why, &shown));
            continue;
        }
        for (col, cell) in columns.iter_mut().zip(cells) {
            col.push(Some(cell));
        }
        lines.push(line);
    }
    let height = lines.len();
    let cols: Vec<Column> =
        names.iter().zip(columns).map(|(n, v)| Column::new(PlSmallStr::from(n.as_str()), v)).collect();
    let df = DataFrame::new(height, cols)
        .map_err(|e| Error::bad_input(path, format!("cannot build table: {e}")))?;
    Ok((df, Some(lines), rejects))
}

/// Lines a quoted field may span before its opening quote is taken for a stray one, when
/// no configuration says otherwise (`[ingest] max_record_lines`). Memos with a few line
/// breaks read whole; a quote left open does not swallow the file.
pub const MAX_RECORD_LINES: usize = 20;

/// Where a file stops being text: the line of its first NUL byte when the header has one
/// or NUL bytes are more than one in a thousand (compressed or binary data, not a stray
/// NUL in a memo, which rejects its own row).
fn binary_from(body: &[u8]) -> Option<u64> {
    let first = memchr::memchr(0, body)?;
    let header_end = memchr::memchr(b'\n', body).unwrap_or(body.len());
    let nuls = memchr::memchr_iter(0, body).count();
    (first < header_end || nuls * 1000 > body.len())
        .then(|| memchr::memchr_iter(b'\n', &body[..first]).count() as u64 + 1)
}

fn read_parquet(path: &Path, stored: Vec<u8>) -> Result<DataFrame> {
    // polars sizes its buffers by the file's own counts: a damaged count aborts the
    // process in an allocation, so the counts are checked first.
    match contained(|| super::parquet_check::inconsistency(&stored)) {
        Ok(None) => {}
        Ok(Some(why)) => return Err(Error::bad_input(path, format!("not a readable Parquet file: {why}"))),
        Err(_) => {
            return Err(Error::bad_input(
                path,
                "not a readable Parquet file (its footer or page headers are damaged)",
            ))
        }
    }
    let read = contained(|| ParquetReader::new(Cursor::new(stored)).finish());
    let df = match read {
        Ok(Ok(df)) => df,
        Ok(Err(e)) => return Err(Error::bad_input(path, format!("not a readable Parquet file: {e}"))),
        Err(_) => return Err(Error::bad_input(path, "not a readable Parquet file (reader failed)")),
    };
    as_text(path, df)
}

impl RawTable {
    /// A table handed over in memory as `frame` (any column types), under the name
    /// `table` (e.g. `transfers`), which rejects and errors give as its file. A reject's
    /// line is the row's 0-based position in `frame`, as a DataFrame user counts rows.
    pub fn from_frame(table: &str, frame: DataFrame) -> Result<RawTable> {
        let path = PathBuf::from(table);
        let frame = as_text(&path, frame)?;
        let mut hash = Sha256::new();
        for col in frame.columns() {
            hash.update(col.name().as_bytes());
            hash.update([0x1f]);
            if let Ok(text) = col.str() {
                for cell in text.iter() {
                    hash.update(cell.unwrap_or("").as_bytes());
                    hash.update([if cell.is_some() { 0x1e } else { 0x1d }]);
                }
            }
        }
        let lines = Some((0..frame.height() as u64).collect());
        Ok(RawTable {
            file: table.to_owned(),
            path,
            format: Format::Memory,
            bytes: frame.estimated_size() as u64,
            cells: Cells::Frame(frame),
            lines,
            first_row: 0,
            read_rejects: Vec::new(),
            sha256: crate::config::hex(&hash.finalize()),
        })
    }
}

/// Every column as text, names trimmed and lower-cased: one validation path serves all
/// formats.
pub(super) fn as_text(path: &Path, df: DataFrame) -> Result<DataFrame> {
    let mut cols = Vec::with_capacity(df.width());
    for col in df.columns() {
        let cannot = |e: PolarsError| {
            Error::bad_input(path, format!("column `{}` cannot be read as text: {e}", col.name()))
        };
        let as_text = match col.dtype() {
            // Typed times are written as the text timestamps of a CSV dump (UTC; a
            // time zone, when the writer kept one, is the instant's, not the text's).
            DataType::Datetime(unit, _) => {
                let per_second = match unit {
                    TimeUnit::Nanoseconds => 1_000_000_000,
                    TimeUnit::Microseconds => 1_000_000,
                    TimeUnit::Milliseconds => 1_000,
                };
                let ticks = col.cast(&DataType::Int64).map_err(cannot)?;
                let ticks = ticks.i64().map_err(cannot)?;
                let text: StringChunked = ticks
                    .iter()
                    .map(|t| t.map(|t| crate::units::format_time(t.div_euclid(per_second))))
                    .collect();
                text.with_name(col.name().clone()).into_column()
            }
            DataType::Date => {
                let days = col.cast(&DataType::Int32).map_err(cannot)?;
                let days = days.i32().map_err(cannot)?;
                let text: StringChunked = days
                    .iter()
                    .map(|d| d.map(|d| crate::units::format_date(i64::from(d) * crate::units::DAY)))
                    .collect();
                text.with_name(col.name().clone()).into_column()
            }
            _ => col.cast(&DataType::String).map_err(cannot)?,
        };
        cols.push(as_text);
    }
    let df = DataFrame::new(df.height(), cols)
        .map_err(|e| Error::bad_input(path, format!("cannot build table: {e}")))?;
    normalise_names(path, df)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_single_byte_damage_to_a_parquet_file_is_read_or_refused() {
        // A damaged count in a page header made polars allocate exabytes, which aborts
        // the process: this test would die, not fail. Every byte of a small file, each
        // changed two ways.
        let ids: Vec<String> = (0..300).map(|k| format!("T{k:05}")).collect();
        let amounts: Vec<Option<f64>> = (0..300).map(|k| (k % 7 != 0).then_some(k as f64 * 1.5)).collect();
        let mut df = df!("transfer_id" => ids, "amount" => amounts).unwrap();
        let mut clean = Vec::new();
        ParquetWriter::new(&mut clean).finish(&mut df).unwrap();
        assert_eq!(read_parquet(Path::new("t.parquet"), clean.clone()).unwrap().height(), 300);
        for at in 0..clean.len() {
            for flip in [0x01, 0xFF] {
                let mut bytes = clean.clone();
                bytes[at] ^= flip;
                // Read (a changed value) or refused with a reason: either way it returns.
                let _ = read_parquet(Path::new("t.parquet"), bytes);
            }
        }
    }

    #[test]
    fn a_row_cursor_reads_what_random_access_reads_across_chunks() {
        let a = StrArray::from_slice([Some("a"), Some(" b "), Some("c")]);
        let b = StrArray::from_slice([Some("d"), None, Some("f\t")]);
        let c = StrArray::from_slice([Some("g")]);
        let column = StrColumn { cells: ColumnCells::Chunks(vec![(0, &a), (3, &b), (6, &c)]) };
        let rows: Vec<usize> = (0..9).chain((0..9).rev()).chain([5, 0, 6, 2, 8, 3]).collect();
        let mut cursor = column.cursor();
        for row in rows {
            assert_eq!(cursor.get(row), column.get(row), "row {row}");
        }
        assert_eq!((column.get(1), column.get(4), column.get(5), column.get(7)), ("b", "", "f", ""));
    }

    fn read(text: &str) -> Result<RawTable> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("transfers.csv");
        std::fs::write(&p, text).unwrap();
        read_table(&p)
    }

    #[test]
    fn blocks_end_at_line_breaks_and_a_quote_keeps_one_block() {
        let body = b"id,a\n1,x\n2,yy\n3,zzz\n4,w";
        let parts = blocks(body, 6);
        assert_eq!(parts.concat(), body.to_vec());
        assert!(parts[..parts.len() - 1].iter().all(|b| b.ends_with(b"\n")), "{parts:?}");
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert_eq!(blocks(b"id,a\n1,\"x\ny\"\n2,z\n", 4).len(), 1);
        assert!(blocks(b"", 4).is_empty());
    }

    #[test]
    fn a_file_read_in_blocks_is_the_file_read_at_once() {
        let mut text = String::from("transfer_id,src,amount,memo\n");
        for k in 0..500 {
            let memo = if k % 7 == 0 { "" } else { "rent" };
            text.push_str(&format!("T{k},A{},{}.{:02},{memo}\n", k % 13, k * 37, k % 100));
        }
        let released = std::cell::Cell::new(0);
        let whole = parse_in_blocks(text.as_bytes(), usize::MAX, &|_| {}).unwrap();
        let parts =
            parse_in_blocks(text.as_bytes(), 300, &|b| released.set(released.get() + b.len())).unwrap();
        assert_eq!(released.get(), text.len(), "every block is handed back once parsed");
        assert!(parts.first_col_n_chunks() > 1);
        assert_eq!(whole.get_column_names(), parts.get_column_names());
        assert!(whole.equals_missing(&parts));
        // A ragged row in a later block refuses the whole fast read, as it does at once.
        let ragged = format!("{text}T9,A1,5.00,rent,extra\n");
        assert!(parse_in_blocks(ragged.as_bytes(), 300, &|_| {}).is_err());
        assert!(parse_in_blocks(ragged.as_bytes(), usize::MAX, &|_| {}).is_err());
    }

    #[test]
    fn blank_lines_are_skipped_and_lines_stay_true() {
        let t = read("a,b\n\n1,2\n\n\n3,4\n").unwrap();
        assert_eq!(t.height(), 2);
        assert_eq!((t.line(0), t.line(1)), (3, 6));
        assert_eq!(t.column("a").unwrap().get(1), "3");
    }

    #[test]
    fn quoted_line_breaks_keep_later_lines_true() {
        let t = read("a,b\n1,\"x\ny\"\n3,4\n").unwrap();
        assert_eq!(t.height(), 2);
        assert_eq!(t.line(1), 4);
        assert_eq!(t.column("b").unwrap().get(0), "x\ny");
    }

    #[test]
    fn clean_files_take_the_fast_path() {
        let t = read("A ,b\r\n1,2\r\n3,4").unwrap();
        assert!(t.lines.is_none());
        assert_eq!(t.column("a").unwrap().get(1), "3", "names are trimmed and lower-cased");
        assert_eq!(t.column("b").unwrap().get(0), "2", "CR is not part of the cell");
    }

    #[test]
    fn a_header_split_by_a_lone_carriage_return_is_a_header_error() {
        // Found by fuzzing (csv_dump): the header reader stops at the CR, polars does not.
        let err = read("\u{feff}id,amount,x,\ramount,y\n1,2,3,4,5\n").err().unwrap();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn a_column_named_twice_is_an_error() {
        let err = read("a,B,b\n1,2,3\n").err().unwrap();
        assert!(err.to_string().contains("`b` appears twice"), "{err}");
    }
}

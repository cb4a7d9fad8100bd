//! A CSV table read a block at a time: each block of about [`BLOCK_BYTES`] of text is
//! split into cells where it lies ([`TextBlock`]) and handed over before the next is
//! read, so that a large transfers file is never resident all at once (at 100M
//! transfers its text would be most of a run's peak memory). Each block's pages are
//! hashed, split, validated and handed back to the kernel in one pass.
//!
//! Only clean files take this path. A file with quotes (a quoted field may hold a line
//! break a block boundary would split), NUL bytes, blank lines, ragged rows or invalid
//! UTF-8 anywhere is read whole instead (see [`super::source::read_table_with`]), which
//! rejects each broken row with its exact line; blocks already handed must then be
//! discarded by the caller.
//!
//! A Parquet table is read a row group at a time the same way ([`read_row_groups`]):
//! each group decoded and made text as a whole read makes it, so that the whole file's
//! cells are never held at once.

use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};

use polars::io::parquet::metadata::FileMetadataRef;
use polars::prelude::{ParquetReader, SerReader};
use polars_parquet::parquet::read::read_metadata;
use sha2::{Digest, Sha256};

use super::parquet_check;
use super::source::{
    as_text, contained, duplicate_header, file_label, line_blocks, Cells, Format, RawTable, Stored,
};
use super::text_block::{SpareBounds, TextBlock};

use crate::error::{Error, Result};

/// Bytes of text read at a time: a block's cell bounds take about half its text, and
/// a block of a few million bytes still keeps every thread busy.
pub const BLOCK_BYTES: usize = 16 << 20;

/// How a block-by-block read ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Streamed {
    /// Every row was handed over, in order; the file's SHA-256 as stored.
    Done {
        /// SHA-256 of the file's bytes as stored.
        sha256: String,
    },
    /// The file must be read whole; what was handed so far is to be discarded.
    Whole,
}

/// What [`read_blocks`] hands over: a block as a table whose lines are the file's, how
/// much of the file it holds, and how much the whole file holds, in one measure: bytes
/// of CSV text, rows of a Parquet file. Their ratio is the share of the file read, which
/// sizes the columns from the first block.
pub type OnBlock<'a> = dyn FnMut(RawTable, u64, u64) -> Result<()> + 'a;

/// Reads the CSV file at `path` block by block, or the Parquet file row group by row
/// group, handing each block to `each`.
pub fn read_blocks(path: &Path, each: &mut OnBlock<'_>) -> Result<Streamed> {
    read_blocks_of(path, BLOCK_BYTES, each)
}

/// [`read_blocks`] in blocks of about `size` bytes of CSV text (a Parquet file's blocks
/// are its row groups, whatever their size).
pub(super) fn read_blocks_of(path: &Path, size: usize, each: &mut OnBlock<'_>) -> Result<Streamed> {
    let format = match Format::of(path) {
        Some(format @ (Format::Csv | Format::CsvGz)) => format,
        Some(Format::Parquet) => return read_row_groups(path, each),
        _ => return Ok(Streamed::Whole),
    };
    let stored = Stored::open(path, format)?;
    let bytes = stored.len() as u64;
    let file = file_label(path);
    let mut hash = Sha256::new();
    let text: Arc<Stored> = match format {
        Format::CsvGz => {
            hash.update(&stored[..]);
            let mut out = Vec::with_capacity(stored.len() * 4);
            if flate2::read::MultiGzDecoder::new(&stored[..]).read_to_end(&mut out).is_err() {
                // The whole read says where the stream breaks.
                return Ok(Streamed::Whole);
            }
            Arc::new(Stored::Read(out))
        }
        _ => Arc::new(stored),
    };
    let body = text.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&text);
    let header_end = memchr::memchr(b'\n', body).unwrap_or(body.len());
    // A text written with another separator, or in UTF-16, is rewritten whole
    // (`read_table_with`).
    if super::encoding::is_utf16(body)
        || body[..header_end].iter().all(|b| b.is_ascii_whitespace())
        || duplicate_header(body).is_some()
        || super::separators::separator_of(body) != b','
    {
        return Ok(Streamed::Whole);
    }
    let blocks = line_blocks(body, size);
    let lead = Lead::default();
    std::thread::scope(|scope| {
        // The file's hash is taken on a thread of its own, a few blocks ahead of the
        // split: it is a serial pass over every byte, and it brings the pages in for the
        // split. Further ahead, it would bring in the whole file while the validation
        // hands its pages back behind it (7 GiB at 100M transfers, the peak of ingest).
        let hasher = (format == Format::Csv).then(|| {
            let (blocks, lead, mut hash) = (&blocks, &lead, hash.clone());
            hash.update(&text[..text.len() - body.len()]);
            scope.spawn(move || {
                for (k, block) in blocks.iter().enumerate() {
                    if !lead.may_read(k) {
                        break;
                    }
                    hash.update(block);
                }
                hash
            })
        });
        let file = FileRead { path, file: &file, format, bytes, body_bytes: body.len() as u64 };
        let read = split_blocks(&file, &text, &blocks, &lead, each);
        lead.end(matches!(read, Ok(true)));
        let hash = match hasher.map(|h| h.join()) {
            Some(Ok(hash)) => hash,
            Some(Err(_)) => {
                return Err(Error::RunFailed(format!("{}: hashing the file failed", path.display())))
            }
            None => hash,
        };
        Ok(match read? {
            true => Streamed::Done { sha256: crate::config::hex(&hash.finalize()) },
            false => Streamed::Whole,
        })
    })
}

/// Blocks the hasher may read ahead of the split.
const HASH_LEAD: usize = 4;

/// Reads the Parquet file at `path` a row group at a time: each group decoded by polars,
/// its cells made text as a whole read makes them ([`as_text`]), handed to `each` with
/// its rows numbered from the group's first. Read whole, a 10M-transfer file's cells
/// were held all at once, as typed columns and then as text: a quarter of the run's
/// peak. The next group is decoded on a thread of its own while `each` checks this one,
/// and the file is hashed on another. A file whose footer or pages do not add up, with no
/// row group, or with a group or a column polars cannot decode or make text is read whole
/// instead, where the reason is given ([`Streamed::Whole`]).
fn read_row_groups(path: &Path, each: &mut OnBlock<'_>) -> Result<Streamed> {
    let stored = Stored::mapped(path)?;
    // polars sizes its buffers by the file's own counts: they are checked first, as the
    // whole read checks them.
    if !matches!(contained(|| parquet_check::inconsistency(&stored)), Ok(None)) {
        return Ok(Streamed::Whole);
    }
    let Ok(Ok(meta)) = contained(|| read_metadata(&mut Cursor::new(&stored[..]))) else {
        return Ok(Streamed::Whole);
    };
    if meta.row_groups.is_empty() {
        return Ok(Streamed::Whole);
    }
    // Its rows measure the file: the footer's counts were checked against the pages.
    let groups: Vec<usize> = meta.row_groups.iter().map(|g| g.num_rows()).collect();
    let meta: FileMetadataRef = Arc::new(meta);
    let total_rows = groups.iter().sum::<usize>() as u64;
    let (stored, groups) = (&stored, &groups);
    std::thread::scope(|scope| {
        let hasher = scope.spawn(|| crate::config::hex(&Sha256::digest(&stored[..])));
        // `None` once a group cannot be read: the whole read says why.
        let (send, receive) = std::sync::mpsc::sync_channel::<Option<RawTable>>(1);
        scope.spawn(move || {
            let (file, bytes) = (file_label(path), stored.len() as u64);
            let mut first_row = 0usize;
            for &rows in groups {
                // A panic here would end the scope in one: it is caught as a failure.
                let read = contained(|| {
                    let mut reader = ParquetReader::new(Cursor::new(&stored[..]));
                    reader.set_metadata(Arc::clone(&meta));
                    let frame = reader.with_slice(Some((first_row, rows))).finish().ok()?;
                    as_text(path, frame).ok()
                });
                let table = read.ok().flatten().map(|frame| RawTable {
                    file: file.clone(),
                    path: path.to_owned(),
                    format: Format::Parquet,
                    cells: Cells::Frame(frame),
                    lines: None,
                    first_row: first_row as u64,
                    read_rejects: Vec::new(),
                    sha256: String::new(),
                    bytes,
                });
                let failed = table.is_none();
                // The reader gave up (an error of `each`): nothing more is wanted.
                if send.send(table).is_err() || failed {
                    return;
                }
                first_row += rows;
            }
        });
        // The decoder stops short only after a `None`: a loop that ends was handed every group.
        for group in receive {
            let Some(table) = group else { return Ok(Streamed::Whole) };
            let rows = table.height() as u64;
            each(table, rows, total_rows)?;
        }
        let sha256 = hasher
            .join()
            .map_err(|_| Error::RunFailed(format!("{}: hashing the file failed", path.display())))?;
        Ok(Streamed::Done { sha256 })
    })
}

/// How far the split is, for the hasher that runs ahead of it.
#[derive(Default)]
struct Lead {
    /// Blocks split, and whether the read is over (all blocks may be hashed) or given
    /// up (none need be).
    state: Mutex<(usize, Option<bool>)>,
    moved: Condvar,
}

impl Lead {
    /// Waits until block `k` is at most [`HASH_LEAD`] blocks ahead of the split; false
    /// when the read was given up.
    fn may_read(&self, k: usize) -> bool {
        let Ok(mut state) = self.state.lock() else { return true };
        loop {
            match state.1 {
                Some(done) => return done,
                None if k < state.0 + HASH_LEAD => return true,
                None => match self.moved.wait(state) {
                    Ok(s) => state = s,
                    Err(_) => return true,
                },
            }
        }
    }

    fn split(&self, blocks: usize) {
        if let Ok(mut state) = self.state.lock() {
            state.0 = blocks;
        }
        self.moved.notify_all();
    }

    /// The split is over: `whole` when every block was read.
    fn end(&self, whole: bool) {
        if let Ok(mut state) = self.state.lock() {
            state.1 = Some(whole);
        }
        self.moved.notify_all();
    }
}

/// The file a block-by-block read reads: what each of its blocks says of it.
struct FileRead<'a> {
    path: &'a Path,
    file: &'a str,
    format: Format,
    /// Size on disk.
    bytes: u64,
    /// Bytes of text after a byte-order mark.
    body_bytes: u64,
}

/// Splits `blocks` of `text` into cells and hands each to `each`; false when the file
/// must be read whole.
fn split_blocks(
    file: &FileRead<'_>,
    text: &Arc<Stored>,
    blocks: &[&[u8]],
    lead: &Lead,
    each: &mut OnBlock<'_>,
) -> Result<bool> {
    let mut names: Option<Vec<String>> = None;
    let mut first_row = 0u64;
    let spare = Arc::new(SpareBounds::default());
    let start_of = |part: &[u8]| part.as_ptr() as usize - text.as_ptr() as usize;
    for (k, block) in blocks.iter().enumerate() {
        let range = start_of(block)..start_of(block) + block.len();
        let split = match &names {
            Some(names) => TextBlock::split_reusing(text.clone(), range, names.clone(), Some(spare.clone())),
            None => TextBlock::headed(text.clone(), range),
        };
        let Some(split) = split else { return Ok(false) };
        names.get_or_insert_with(|| split.names().to_vec());
        lead.split(k + 1);
        let height = split.height() as u64;
        let table = RawTable {
            file: file.file.to_owned(),
            path: file.path.to_owned(),
            format: file.format,
            cells: Cells::Text(split),
            lines: None,
            first_row,
            read_rejects: Vec::new(),
            sha256: String::new(),
            bytes: file.bytes,
        };
        // The block's pages go back to the kernel when the last holder of its cells lets
        // go of them (see `TextBlock`).
        each(table, block.len() as u64, file.body_bytes)?;
        first_row += height;
    }
    if names.is_none() {
        return Err(Error::bad_input(file.path, "line 1: file is empty: no header row"));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::source::read_table;

    fn file(dir: &tempfile::TempDir, name: &str, text: &[u8]) -> std::path::PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn blocks(path: &Path, size: usize) -> (Vec<RawTable>, Streamed) {
        let mut got = Vec::new();
        let end = read_blocks_of(path, size, &mut |b, _, _| {
            got.push(b);
            Ok(())
        })
        .unwrap();
        (got, end)
    }

    fn cells(t: &RawTable, column: &str) -> Vec<String> {
        let c = t.column(column).unwrap();
        (0..t.height()).map(|r| c.get(r).to_owned()).collect()
    }

    #[test]
    fn blocks_hold_the_rows_lines_and_hash_of_the_whole_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("\u{feff}Transfer_ID , amount\n");
        for k in 0..200 {
            text.push_str(&format!("T{k}, {}\n", k * 3));
        }
        for name in ["t.csv", "t.csv.gz"] {
            let bytes = if name.ends_with(".gz") {
                use std::io::Write;
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                gz.write_all(text.as_bytes()).unwrap();
                gz.finish().unwrap()
            } else {
                text.clone().into_bytes()
            };
            let path = file(&dir, name, &bytes);
            let whole = read_table(&path).unwrap();
            let (parts, end) = blocks(&path, 300);
            assert!(parts.len() > 3, "{name}: {} blocks", parts.len());
            assert_eq!(end, Streamed::Done { sha256: whole.sha256.clone() }, "{name}");
            let mut ids = Vec::new();
            let mut lines = Vec::new();
            for p in &parts {
                ids.extend(cells(p, "transfer_id"));
                lines.extend((0..p.height()).map(|r| p.line(r)));
            }
            assert_eq!(ids, cells(&whole, "transfer_id"), "{name}");
            assert_eq!(lines, (0..whole.height()).map(|r| whole.line(r)).collect::<Vec<_>>(), "{name}");
        }
    }

    /// Blocks let go of as soon as they are read, so that the next ones split into their
    /// bounds' vectors, hold what the whole read holds.
    #[test]
    fn blocks_split_into_vectors_let_go_of_hold_the_whole_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("id,a,b\n");
        for k in 0..500 {
            // Rows of varying widths, so that each block's bounds differ in length.
            text.push_str(&format!("T{k},{},{}\n", "x".repeat(k % 17), k * 7));
        }
        let path = file(&dir, "t.csv", text.as_bytes());
        let whole = read_table(&path).unwrap();
        let mut got: Vec<[String; 3]> = Vec::new();
        let mut blocks = 0;
        read_blocks_of(&path, 256, &mut |b, _, _| {
            let columns = ["id", "a", "b"].map(|c| b.column(c).unwrap());
            got.extend((0..b.height()).map(|r| columns.each_ref().map(|c| c.get(r).to_owned())));
            blocks += 1;
            Ok(())
        })
        .unwrap();
        assert!(blocks > 10, "{blocks} blocks");
        let columns = ["id", "a", "b"].map(|c| whole.column(c).unwrap());
        let want: Vec<[String; 3]> =
            (0..whole.height()).map(|r| columns.each_ref().map(|c| c.get(r).to_owned())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_file_the_blocks_cannot_number_truly_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut clean = String::from("id,a\n");
        for k in 0..100 {
            clean.push_str(&format!("T{k},{k}\n"));
        }
        for (name, damage) in [
            ("quote.csv", "T100,\"x\ny\"\n"),
            ("blank.csv", "\n"),
            ("ragged.csv", "T100,1,2\n"),
            ("nul.csv", "T100,\0\n"),
            ("utf8.csv", "T100,\u{fffd}"),
        ] {
            let mut text = clean.clone().into_bytes();
            if name == "utf8.csv" {
                text.extend_from_slice(b"T100,\xff\xfe\n");
            } else {
                text.extend_from_slice(damage.as_bytes());
            }
            text.extend_from_slice(b"T101,1\n");
            let (_, end) = blocks(&file(&dir, name, &text), 200);
            assert_eq!(end, Streamed::Whole, "{name}");
        }
        let (_, end) = blocks(&file(&dir, "twice.csv", b"id,ID\n1,2\n"), 200);
        assert_eq!(end, Streamed::Whole);
        let (_, end) = blocks(&file(&dir, "t.parquet", b"PAR1"), 200);
        assert_eq!(end, Streamed::Whole);
    }
}

//! Writes per-transfer features as Parquet (or CSV when the path ends in `.csv`), one row
//! per transfer in time order, led by `transfer_id`.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use polars::prelude::*;
use polars_parquet::write::{
    array_to_columns, compress, get_dtype_encoding, CompressedPage, CompressionOptions, ParquetType, Version,
    WriteOptions,
};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::features::{self, FeatureColumn, Features, Layout, Values};
use crate::graph::FlowGraph;
use crate::model::Dump;

/// The features of `f` (whose columns are `columns`) as polars columns, each vector
/// moved in, not copied: `Column::new` takes its values as a slice and copies them, which
/// on a 1M-transfer graph was 60 ms on one thread (and each column held twice for a
/// moment) before the first page was written.
fn feature_columns(f: Features, columns: &[FeatureColumn]) -> Vec<Column> {
    columns
        .iter()
        .zip(f.values)
        .map(|(column, values)| {
            let name = PlSmallStr::from(column.name.as_str());
            match values {
                Values::Counts(v) => UInt32Chunked::from_vec(name, v).into_column(),
                Values::Reals(v) => Float64Chunked::from_vec(name, v).into_column(),
            }
        })
        .collect()
}

/// The output frame: `features` after the transfer id of each line (`rows` gives its
/// transfer).
fn frame(path: &Path, features: Vec<Column>, rows: &[u32], dump: &Dump) -> Result<DataFrame> {
    let mut cols = Vec::with_capacity(features.len() + 1);
    cols.push(transfer_ids(rows, dump).into_column());
    cols.extend(features);
    DataFrame::new(rows.len(), cols).map_err(|e| polars_error(path, e))
}

fn polars_error(path: &Path, e: PolarsError) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

/// `file` behind a buffer: the Parquet writer writes each page header field by field,
/// about fifteen thousand writes for a 1M-transfer file, each a system call unbuffered.
/// The writer flushes it when it writes the footer, and reports a failure there.
fn buffered(file: File) -> BufWriter<File> {
    BufWriter::with_capacity(1 << 20, file)
}

fn is_csv(path: &Path) -> bool {
    path.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv"))
}

/// Computes the features of the whole of `graph` (`opts`) and writes them to `path`, a
/// row group at a time: GFP's layout from its compact form (as full columns it took 1.3
/// KB a transfer), flowhound's from its columns, so that no column is held twice and the
/// transfer ids only a row group's at a time (they were 0.3 GB at the peak of a 10M
/// run). Returns how many searches reached the budget.
pub fn compute_and_write(
    path: &Path,
    graph: &FlowGraph,
    opts: &features::Options,
    dump: &Dump,
) -> Result<u64> {
    let columns = features::columns(opts);
    let mut out = PartWriter::create(path, &columns)?;
    let m = graph.edge_count();
    let capped = if opts.layout == Layout::Flowhound {
        // Found before the features are: its column is then not held beside them.
        let groups = row_groups(path, m)?;
        let f = features::compute(graph, opts);
        let capped = f.capped;
        // Each column moves into polars once; a row group's are views of it.
        let whole = feature_columns(f, &columns);
        for rows in groups {
            let part = whole.iter().map(|c| c.slice(rows.start as i64, rows.len())).collect();
            out.write_columns(part, &graph.row.slice(rows), dump)?;
        }
        capped
    } else {
        let layout = features::gfp::GfpFeatures::of(graph, opts);
        // At least one block, so that an empty dump still gets its header.
        for lo in (0..m.max(1)).step_by(ROW_GROUP_ROWS) {
            let hi = (lo + ROW_GROUP_ROWS).min(m);
            out.write(layout.rows(lo, hi), &graph.row.slice(lo..hi), dump)?;
        }
        layout.capped
    };
    out.finish()?;
    Ok(capped)
}

/// The rows of each row group of a whole file of `rows` rows: where polars splits a
/// frame of that height for writing (`chunk_df_for_writing`, into equal parts of about
/// [`ROW_GROUP_ROWS`]), asked of a column of that height (of booleans, a bit a row), so
/// that a file written a row group at a time is the file a whole frame gave, to the
/// byte. One range, empty, for an empty dump: its file still gets its header.
fn row_groups(path: &Path, rows: usize) -> Result<Vec<std::ops::Range<usize>>> {
    let column = BooleanChunked::full(PlSmallStr::from("row"), false, rows).into_column();
    let mut shape = DataFrame::new(rows, vec![column]).map_err(|e| polars_error(path, e))?;
    let split =
        polars::frame::chunk_df_for_writing(&mut shape, ROW_GROUP_ROWS).map_err(|e| polars_error(path, e))?;
    let mut groups = chunk_rows(&split);
    if groups.is_empty() {
        groups.push(0..0);
    }
    Ok(groups)
}

/// The rows of each chunk of `df`, in order: the row groups a writer makes of it.
fn chunk_rows(df: &DataFrame) -> Vec<std::ops::Range<usize>> {
    let mut lo = 0;
    df.iter_chunks(CompatLevel::newest(), false)
        .map(|chunk| {
            lo += chunk.len();
            lo - chunk.len()..lo
        })
        .collect()
}

/// A features file written a part at a time (see
/// [`crate::features::parts::for_each_part`]), so that only one part's features are in
/// memory: a CSV file is what `write` gives for the whole; a Parquet file holds the same
/// values, in row groups that follow the parts.
pub struct PartWriter {
    path: std::path::PathBuf,
    columns: Vec<FeatureColumn>,
    tmp: std::path::PathBuf,
    batched: Batched,
}

enum Batched {
    Csv(polars::io::csv::write::BatchedWriter<File>),
    // Boxed: the Parquet writer is several times the CSV one's size.
    Parquet(Box<ParquetOut>),
}

/// A Parquet file being written, with the row group it is about to write.
struct ParquetOut {
    writer: polars::io::parquet::write::BatchedWriter<BufWriter<File>>,
    /// The file's columns, `transfer_id` first.
    types: Vec<ParquetType>,
    /// The last row group, encoded and compressed: written to the file while the next
    /// one is encoded, so that neither the writing nor the transfer ids, each on one
    /// thread, leave the other threads waiting.
    pending: Option<RowGroup>,
}

/// A row group's pages, column by column, ready to be written.
struct RowGroup {
    rows: u64,
    columns: Vec<Vec<CompressedPage>>,
}

/// Writes `group`, if there is one, to `writer`.
fn write_group(
    path: &Path,
    writer: &mut polars::io::parquet::write::BatchedWriter<BufWriter<File>>,
    group: Option<RowGroup>,
) -> Result<()> {
    match group {
        Some(group) => writer.write_row_group(group.rows, &group.columns).map_err(|e| polars_error(path, e)),
        None => Ok(()),
    }
}

impl PartWriter {
    /// Starts `path` (in a temporary file beside it until [`PartWriter::finish`]) with
    /// these columns after `transfer_id`.
    pub fn create(path: &Path, columns: &[FeatureColumn]) -> Result<PartWriter> {
        let mut schema = Schema::default();
        schema.insert(PlSmallStr::from("transfer_id"), DataType::String);
        for c in columns {
            schema.insert(c.name.as_str().into(), if c.count { DataType::UInt32 } else { DataType::Float64 });
        }
        let tmp = path.with_extension("tmp");
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let batched = if is_csv(path) {
            Batched::Csv(CsvWriter::new(file).batched(&schema).map_err(|e| polars_error(path, e))?)
        } else {
            let mut writer =
                ParquetWriter::new(buffered(file)).batched(&schema).map_err(|e| polars_error(path, e))?;
            let types = writer.parquet_schema().fields().to_vec();
            Batched::Parquet(Box::new(ParquetOut { writer, types, pending: None }))
        };
        Ok(PartWriter { path: path.to_path_buf(), columns: columns.to_vec(), tmp, batched })
    }

    /// Appends one part's features, `rows` giving the transfer of each line.
    pub fn write(&mut self, f: Features, rows: &[u32], dump: &Dump) -> Result<()> {
        let features = feature_columns(f, &self.columns);
        self.write_columns(features, rows, dump)
    }

    /// Appends one part's feature columns (in [`PartWriter::create`]'s order), `rows`
    /// giving the transfer of each line.
    fn write_columns(&mut self, features: Vec<Column>, rows: &[u32], dump: &Dump) -> Result<()> {
        match &mut self.batched {
            Batched::Csv(w) => {
                let df = frame(&self.path, features, rows, dump)?;
                w.write_batch(&df).map_err(|e| polars_error(&self.path, e))
            }
            Batched::Parquet(out) => write_row_groups(&self.path, out, features, rows, dump),
        }
    }

    /// Closes the file and moves it to its name.
    pub fn finish(mut self) -> Result<()> {
        match &mut self.batched {
            Batched::Csv(w) => w.finish(),
            Batched::Parquet(out) => {
                write_group(&self.path, &mut out.writer, out.pending.take())?;
                out.writer.finish().map(|_| ())
            }
        }
        .map_err(|e| polars_error(&self.path, e))?;
        drop(self.batched);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))
    }
}

/// Rows per row group of a whole file: polars' own default.
const ROW_GROUP_ROWS: usize = 512 * 512;

/// Snappy, not polars' default (zstd at its level 3): compressing the pages was a sixth
/// of `features`' CPU on a 1M-transfer graph at zstd's level 3, and still an eighth at
/// level 1 (`perf`); Snappy takes about half as long as level 1, for a file a fifth
/// larger (68.9 MB against 57.6 MB at zstd level 1 there). A feature matrix is written once per
/// run and read by a model's pipeline, and Snappy is what Spark and pyarrow write by
/// default: every Parquet reader has it.
fn page_compression() -> CompressionOptions {
    CompressionOptions::Snappy
}

/// Writes `features` (whose lines are the transfers `rows` gives) as row groups of `out`,
/// one per chunk polars makes of them, each led by its transfer ids. A row group's
/// columns are encoded and compressed on every thread, the transfer ids made as one of
/// them, while the group before is written: polars' own `write_batch` compresses each
/// page as the file is written, on one thread, which was two fifths of `features` on a
/// 1M-transfer graph. With the options of `ParquetWriter::new` (default statistics,
/// pages of 1 MiB) but [`page_compression`], the pages are the ones `write_batch` writes
/// for the frame of [`frame`].
fn write_row_groups(
    path: &Path,
    out: &mut ParquetOut,
    features: Vec<Column>,
    rows: &[u32],
    dump: &Dump,
) -> Result<()> {
    let df = DataFrame::new(rows.len(), features).map_err(|e| polars_error(path, e))?;
    let batches: Vec<(usize, Vec<ArrayRef>)> = if df.width() == 0 {
        vec![(rows.len(), Vec::new())]
    } else {
        df.iter_chunks(CompatLevel::newest(), false).map(|b| (b.len(), b.into_arrays())).collect()
    };
    let mut lo = 0;
    for (len, arrays) in batches {
        if len == 0 {
            continue;
        }
        let lines = &rows[lo..lo + len];
        lo += len;
        let ParquetOut { writer, types, pending } = out;
        let group = (0..=arrays.len()).into_par_iter().map(|k| match k {
            0 => encode_column(
                path,
                &transfer_ids(lines, dump).into_series().to_arrow(0, CompatLevel::newest()),
                &types[0],
            ),
            k => encode_column(path, &arrays[k - 1], &types[k]),
        });
        let (written, encoded) = rayon::join(
            || write_group(path, writer, pending.take()),
            || group.collect::<Result<Vec<Vec<Vec<CompressedPage>>>>>(),
        );
        written?;
        let columns = encoded?.into_iter().flatten().collect();
        *pending = Some(RowGroup { rows: len as u64, columns });
    }
    Ok(())
}

/// The `transfer_id` column of the lines whose transfers are `rows`.
fn transfer_ids(rows: &[u32], dump: &Dump) -> StringChunked {
    let ids = rows.iter().map(|&r| dump.transfers.ids.get(r));
    StringChunked::from_iter_values(PlSmallStr::from("transfer_id"), ids)
}

/// One column's pages, encoded and compressed: one run of pages per leaf (a flat column
/// has one).
fn encode_column(
    path: &Path,
    array: &ArrayRef,
    parquet_type: &ParquetType,
) -> Result<Vec<Vec<CompressedPage>>> {
    let options = WriteOptions {
        statistics: StatisticsOptions::default(),
        version: Version::V1,
        compression: page_compression(),
        data_page_size: None,
    };
    let encoding = get_dtype_encoding(array.dtype());
    let leaves = array_to_columns(array, parquet_type.clone(), options, &encoding)
        .map_err(|e| polars_error(path, e))?;
    leaves
        .into_iter()
        .map(|pages| {
            pages
                .map(|page| {
                    let page = page.map_err(|e| polars_error(path, e))?;
                    compress(page, Vec::new(), options.compression)
                        .map_err(|e| polars_error(path, PolarsError::from(e)))
                })
                .collect::<Result<Vec<CompressedPage>>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_groups_are_where_a_whole_frame_is_split() {
        let path = Path::new("features.parquet");
        for rows in
            [0, 1, 1000, ROW_GROUP_ROWS - 1, ROW_GROUP_ROWS, ROW_GROUP_ROWS + 1, 2 * ROW_GROUP_ROWS + 777]
        {
            // Shaped like a features file: transfer ids, a count and a real.
            let mut df = DataFrame::new(
                rows,
                vec![
                    StringChunked::from_iter_values(
                        PlSmallStr::from("transfer_id"),
                        (0..rows).map(|r| format!("T{r}")),
                    )
                    .into_column(),
                    Column::new(PlSmallStr::from("n"), (0..rows as u32).collect::<Vec<u32>>()),
                    Column::new(PlSmallStr::from("x"), vec![0.5f64; rows]),
                ],
            )
            .expect("a frame of three columns");
            let split = polars::frame::chunk_df_for_writing(&mut df, ROW_GROUP_ROWS).expect("split");
            let whole = chunk_rows(&split);
            let groups = row_groups(path, rows).expect("split");
            if rows == 0 {
                assert_eq!(groups, vec![0..0]);
            } else {
                assert_eq!(groups, whole, "{rows} rows");
                assert!(groups.len() > 1 || rows <= 2 * ROW_GROUP_ROWS, "{rows} rows in one group");
            }
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_write_that_fails_in_the_buffer_is_reported_when_the_file_ends() {
        // Every write to /dev/full fails: behind the buffer, the first failure surfaces
        // only when the writer flushes with the footer, and it must surface there, not be
        // dropped with the buffer.
        let file = File::create("/dev/full").expect("Linux has /dev/full");
        let mut df = DataFrame::new(
            3,
            vec![
                Column::new(PlSmallStr::from("x"), [1u32, 2, 3]),
                Column::new(PlSmallStr::from("y"), [0.5f64; 3]),
            ],
        )
        .expect("a frame of two columns");
        let mut w =
            ParquetWriter::new(buffered(file)).batched(df.schema()).expect("the header fits in the buffer");
        let wrote = w.write_batch(&df).and_then(|_| w.finish());
        assert!(wrote.is_err(), "a full disk went unnoticed");
        // Unbuffered, the same failure comes at once: what the buffer must not lose.
        let file = File::create("/dev/full").expect("opened above");
        assert!(ParquetWriter::new(file).finish(&mut df).is_err());
    }
}

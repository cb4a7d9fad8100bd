//! Writes per-transfer features as Parquet (or CSV when the path ends in `.csv`), one row
//! per transfer in time order, led by `transfer_id`.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::features::{Features, COLUMNS};
use crate::model::Dump;

/// True for the columns that hold counts (written as integers).
fn is_count(name: &str) -> bool {
    !(name.contains("_sum")
        || name.contains("_mean")
        || name.contains("_min")
        || name.contains("_max")
        || name.contains("_std"))
}

/// Writes `features` to `path`, moving each column into the output frame so that no
/// column exists twice at once. `rows` gives the transfer of each line (a graph's `row`,
/// or the order [`crate::features::parts::compute_in_parts`] returns).
pub fn write(path: &Path, f: Features, rows: &[u32], dump: &Dump) -> Result<()> {
    let m = rows.len();
    let err = |e: PolarsError| Error::io(path, std::io::Error::other(e.to_string()));
    let mut cols = Vec::with_capacity(COLUMNS.len() + 1);
    let ids = rows.iter().map(|&r| dump.transfers.ids.get(r));
    cols.push(StringChunked::from_iter_values(PlSmallStr::from("transfer_id"), ids).into_column());
    for (name, values) in COLUMNS.iter().zip(f.values) {
        let col = if is_count(name) {
            Column::new((*name).into(), values.iter().map(|&v| v as u32).collect::<Vec<u32>>())
        } else {
            Column::new((*name).into(), values)
        };
        cols.push(col);
    }
    let mut df = DataFrame::new(m, cols).map_err(err)?;
    let tmp = path.with_extension("tmp");
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    if path.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) {
        CsvWriter::new(file).finish(&mut df).map_err(err)?;
    } else {
        ParquetWriter::new(file).finish(&mut df).map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

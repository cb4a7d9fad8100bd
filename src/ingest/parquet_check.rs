//! What a Parquet file says about its own size, checked before polars decodes it.
//!
//! polars sizes its buffers by the counts a file's page headers give. A damaged header (a
//! flipped byte, a copy cut short) can give a count of billions, or a negative one read
//! as one, and an allocation that large aborts the process: there is no panic to catch.
//! So the footer's row counts and every page header are read first, and a file whose
//! pages do not add up to its rows is refused with the reason.

use std::io::Cursor;

use polars_parquet::parquet::read::read_metadata;
use polars_parquet_format::thrift::protocol::TCompactInputProtocol;
use polars_parquet_format::{PageHeader, PageType};

/// The most bytes one page header may take: headers hold counts, sizes and statistics
/// (a column's minimum and maximum), never data.
const MAX_HEADER_BYTES: usize = 16 * 1024 * 1024;

/// Why `bytes` (a whole Parquet file) is not one polars can safely decode; `None` when
/// its pages add up.
pub fn inconsistency(bytes: &[u8]) -> Option<String> {
    let meta = match read_metadata(&mut Cursor::new(bytes)) {
        Ok(meta) => meta,
        Err(e) => return Some(format!("its footer cannot be read: {e}")),
    };
    for (g, group) in meta.row_groups.iter().enumerate() {
        let rows = group.num_rows() as u64;
        for (c, column) in group.parquet_columns().iter().enumerate() {
            let range = column.byte_range();
            let chunk = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(start, end)| bytes.get(start..end));
            let why = match chunk {
                None => Some("its pages lie outside the file".to_owned()),
                Some(chunk) => pages_add_up(chunk, rows).err(),
            };
            if let Some(why) = why {
                return Some(format!("row group {g}, column {c}: {why}"));
            }
        }
    }
    None
}

/// Reads the page headers of one column chunk: each data page's values (nulls included),
/// summed, must be the row group's rows, and a dictionary cannot hold more values than
/// its bytes (each takes at least one).
fn pages_add_up(mut chunk: &[u8], rows: u64) -> Result<(), String> {
    let mut values: u64 = 0;
    while !chunk.is_empty() && values < rows {
        let header = {
            let mut protocol = TCompactInputProtocol::new(&mut chunk, MAX_HEADER_BYTES);
            PageHeader::read_from_in_protocol(&mut protocol)
                .map_err(|e| format!("a page header cannot be read: {e}"))?
        };
        let size = usize::try_from(header.compressed_page_size).map_err(|_| "a page has a negative size")?;
        let bytes = u64::try_from(header.uncompressed_page_size).map_err(|_| "a page has a negative size")?;
        chunk = chunk.get(size..).ok_or("a page runs past the end of its column")?;
        let count = match header.type_ {
            PageType::DATA_PAGE => header.data_page_header.map(|h| h.num_values),
            PageType::DATA_PAGE_V2 => header.data_page_header_v2.map(|h| h.num_values),
            PageType::DICTIONARY_PAGE => {
                let entries = header
                    .dictionary_page_header
                    .map(|h| h.num_values)
                    .ok_or("a dictionary page without its header")?;
                if u64::try_from(entries).map_or(true, |n| n > bytes) {
                    return Err(format!("a dictionary page says it holds {entries} values in {bytes} bytes"));
                }
                continue;
            }
            _ => continue,
        };
        let count = count.ok_or("a data page without its header")?;
        values += u64::try_from(count).map_err(|_| format!("a data page says it holds {count} values"))?;
    }
    if values != rows {
        return Err(format!("its pages hold {values} values for {rows} rows"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    fn parquet(rows: usize) -> Vec<u8> {
        let ids: Vec<String> = (0..rows).map(|k| format!("T{k}")).collect();
        let amounts: Vec<Option<f64>> = (0..rows).map(|k| (k % 3 != 0).then_some(k as f64)).collect();
        let mut df = df!("transfer_id" => ids, "amount" => amounts).expect("a frame");
        let mut out = Vec::new();
        ParquetWriter::new(&mut out).finish(&mut df).expect("written");
        out
    }

    #[test]
    fn a_whole_file_adds_up() {
        assert_eq!(inconsistency(&parquet(1_000)), None);
        assert_eq!(inconsistency(&parquet(0)), None);
    }

    #[test]
    fn a_file_cut_short_is_refused() {
        let clean = parquet(500);
        assert!(inconsistency(&clean[..clean.len() / 2]).is_some());
    }
}

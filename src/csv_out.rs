//! A CSV file that is neutralised for spreadsheets and only appears when complete.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes rows to `<name>.tmp`, renamed to `<name>` by [`CsvOut::finish`].
pub struct CsvOut {
    writer: csv::Writer<BufWriter<File>>,
    tmp: PathBuf,
    path: PathBuf,
}

impl CsvOut {
    /// Creates the file and writes the header.
    pub fn create(path: &Path, header: &[&str]) -> Result<CsvOut> {
        let tmp = path.with_extension("csv.tmp");
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        // The header is written from the caller's list, so typed rows must not add their own.
        let mut writer =
            csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::with_capacity(1 << 20, file));
        writer.write_record(header).map_err(|e| csv_err(&tmp, e))?;
        Ok(CsvOut { writer, tmp, path: path.to_owned() })
    }

    /// Writes one row; text cells that a spreadsheet would run as a formula are defused.
    pub fn row(&mut self, cells: &[&str]) -> Result<()> {
        let safe: Vec<std::borrow::Cow<'_, str>> = cells.iter().map(|c| neutralise(c)).collect();
        self.writer.write_record(safe.iter().map(|c| c.as_ref())).map_err(|e| csv_err(&self.tmp, e))
    }

    /// Writes one typed row (see `export::rows`), whose cells defuse themselves.
    pub fn record<T: serde::Serialize>(&mut self, row: &T) -> Result<()> {
        self.writer.serialize(row).map_err(|e| csv_err(&self.tmp, e))
    }

    /// Flushes and renames into place.
    pub fn finish(self) -> Result<()> {
        let CsvOut { writer, tmp, path } = self;
        let buf = writer.into_inner().map_err(|e| Error::io(&tmp, e.into_error()))?;
        buf.into_inner()
            .map_err(|e| Error::io(&tmp, e.into_error()))?
            .sync_all()
            .map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
    }
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

/// The first characters a spreadsheet would run as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Prefixes `'` to a cell starting with `=`, `+`, `-`, `@`, tab or carriage return, so a
/// spreadsheet shows it as text instead of evaluating it (OWASP CSV injection).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Undoes [`neutralise`]: `'-A1` reads as `-A1`; any other cell is returned as is.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// Writes a whole file atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_plain_text_is_not() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1"), "'+1");
        assert_eq!(neutralise("-cmd"), "'-cmd");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("ACC-1"), "ACC-1");
        assert_eq!(neutralise(""), "");
        assert_eq!(unneutralise("'=HYPERLINK(\"x\")"), "=HYPERLINK(\"x\")");
        assert_eq!(unneutralise("'plain"), "'plain", "a quote the writer did not add stays");
    }

    #[test]
    fn file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        let mut out = CsvOut::create(&p, &["a", "b"]).unwrap();
        out.row(&["=1", "two, with comma"]).unwrap();
        assert!(!p.exists());
        out.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a,b\n'=1,\"two, with comma\"\n");
    }
}

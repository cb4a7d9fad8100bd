//! Rows that could not be accepted, each with where it was and why.

use std::path::Path;

use crate::csv_out::CsvOut;
use crate::error::Result;
use crate::export::rows::{RejectRow, Text};

/// One rejected input row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reject {
    /// File the row came from.
    pub file: String,
    /// 1-based line number (the header is line 1).
    pub line: u64,
    /// Column at fault (`*` for the whole row).
    pub field: String,
    /// Why it was rejected.
    pub reason: String,
    /// The offending value, as read.
    pub value: String,
}

impl Reject {
    /// A reject for `field` of the row at `line`.
    pub fn new(file: &str, line: u64, field: &str, reason: impl Into<String>, value: &str) -> Reject {
        Reject {
            file: file.to_owned(),
            line,
            field: field.to_owned(),
            reason: reason.into(),
            value: value.chars().take(200).collect(),
        }
    }
}

/// Writes `rejects.csv` (header only when nothing was rejected).
pub fn write_rejects(path: &Path, rejects: &[Reject]) -> Result<()> {
    let mut out = CsvOut::create(path, &["file", "line", "field", "reason", "value"])?;
    for r in rejects {
        out.record(&RejectRow {
            file: Text(r.file.clone()),
            line: r.line,
            field: Text(r.field.clone()),
            reason: Text(r.reason.clone()),
            value: Text(r.value.clone()),
        })?;
    }
    out.finish()
}

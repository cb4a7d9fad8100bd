//! Library error type. Everything a user can cause (bad files, bad config) is an
//! [`Error`] with enough context to fix it; the CLI maps each kind to an exit code.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input cannot be used at all (missing column, unreadable file, ...).
    #[error("{file}: {reason}")]
    BadInput {
        /// File the problem is in.
        file: PathBuf,
        /// What is wrong and, where it helps, how to fix it.
        reason: String,
    },
    /// A required column is absent from a table's header.
    #[error("{file}: line 1: missing required column `{column}` (header has: {found}){hint}")]
    MissingColumn {
        /// File the problem is in.
        file: PathBuf,
        /// The column that is required.
        column: String,
        /// The columns the header does have.
        found: String,
        /// How to read it from a header of another name, where the layout allows it.
        hint: String,
    },
    /// The configuration file or an option is invalid.
    #[error("config: {0}")]
    Config(String),
    /// A usage error of the command line or the library API.
    #[error("{0}")]
    Usage(String),
    /// An I/O failure on a named path. The cause is part of the message and not a
    /// `source()`, so a printed chain says it once.
    #[error("{path}: {cause}")]
    Io {
        /// The path being read or written.
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },
    /// The run itself failed (thresholds exceeded, output cannot be written).
    #[error("{0}")]
    RunFailed(String),
}

/// A header's names as an error lists them (`nothing` for none).
fn listed(names: &[impl AsRef<str>]) -> String {
    match names {
        [] => "nothing".to_owned(),
        _ => names.iter().map(|n| n.as_ref()).collect::<Vec<_>>().join(", "),
    }
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), cause: source }
    }

    /// [`Error::MissingColumn`] of `file`, whose header holds `names`.
    pub fn missing_column(file: impl Into<PathBuf>, column: &str, names: &[impl AsRef<str>]) -> Self {
        Error::MissingColumn {
            file: file.into(),
            column: column.to_owned(),
            found: listed(names),
            hint: String::new(),
        }
    }

    /// [`Error::missing_column`] of a native schema table, with how a header of another
    /// name is read as the column (`[columns]` in the configuration).
    pub fn missing_native_column(
        file: impl Into<PathBuf>,
        table: &str,
        column: &str,
        names: &[impl AsRef<str>],
    ) -> Self {
        let mut hint = format!(
            "; if the file names it otherwise, say which header in the configuration: \
             [columns.{table}] {column} = \"<its header>\""
        );
        if (table, column) == ("transfers", "currency") {
            hint.push_str("; if every transfer is in one currency, say which: [ingest] currency = \"EUR\"");
        }
        Error::MissingColumn { file: file.into(), column: column.to_owned(), found: listed(names), hint }
    }

    /// Shorthand for [`Error::BadInput`].
    pub fn bad_input(file: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::BadInput { file: file.into(), reason: reason.into() }
    }

    /// True when the user must fix the input or the command line (exit code 2).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::BadInput { .. } | Error::MissingColumn { .. } | Error::Config(_) | Error::Usage(_)
        ) || matches!(self, Error::Io { cause, .. } if cause.kind() == std::io::ErrorKind::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_column_names_what_the_header_has() {
        let m = |names: &[&str]| Error::missing_column("t.csv", "amount", names).to_string();
        assert_eq!(
            m(&["transfer_id", "timestamp"]),
            "t.csv: line 1: missing required column `amount` (header has: transfer_id, timestamp)"
        );
        assert!(m(&[]).ends_with("(header has: nothing)"));
    }
}

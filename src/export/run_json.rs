//! `run.json`: what was read, with which configuration, what came out, and how long each
//! stage took, so that a lead can be traced back to its inputs.

use std::path::Path;

use serde::Serialize;

use crate::csv_out::write_atomic;
use crate::detect::DetectorRun;
use crate::error::{Error, Result};
use crate::graph::scale::ScaleReport;
use crate::ingest::TableReport;
use crate::model::Availability;

/// Provenance and counts of one `analyze` run.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// flowhound version.
    pub version: &'static str,
    /// `ok` (a failed run writes a [`Failure`] instead).
    pub status: &'static str,
    /// The dump analysed.
    pub dump: String,
    /// Per input table: file, SHA-256, rows read / accepted / rejected.
    pub inputs: Vec<TableReport>,
    /// Which optional tables were present.
    pub availability: Availability,
    /// Tables absent and the signals lost.
    pub missing_tables: Vec<String>,
    /// Accounts named in transfers that the `accounts` table does not list (absent when
    /// there is no such table or it lists every one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlisted_accounts: Option<crate::ingest::unlisted::Unlisted>,
    /// Holders named in `accounts` that the `entities` table does not list (absent as
    /// `unlisted_accounts` is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlisted_holders: Option<crate::ingest::unlisted::Unlisted>,
    /// SHA-256 of the effective configuration.
    pub config_sha256: String,
    /// Worker threads used.
    pub threads: usize,
    /// Accounts in the graph.
    pub accounts: usize,
    /// Transfers in the graph.
    pub transfers: usize,
    /// Bytes held by the graph.
    pub graph_bytes: usize,
    /// The dump's amount distribution and activity, and the floors derived from them.
    pub scale: ScaleReport,
    /// Per detector: hits, time, skip reason, notes.
    pub detectors: Vec<DetectorRun>,
    /// Leads written.
    pub leads: usize,
    /// Wall time per stage, milliseconds, in run order.
    pub stage_millis: Vec<(String, u128)>,
}

/// Writes `run.json`.
pub fn write(path: &Path, record: &RunRecord) -> Result<()> {
    let text =
        serde_json::to_string_pretty(record).map_err(|e| Error::RunFailed(format!("run.json: {e}")))?;
    write_atomic(path, format!("{text}\n").as_bytes())
}

/// What `run.json` says of a run that failed: enough to see it failed, and why, beside
/// the rejects it left.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// flowhound version.
    pub version: &'static str,
    /// `failed`.
    pub status: &'static str,
    /// The dump analysed.
    pub dump: String,
    /// The error, as printed.
    pub error: String,
    /// SHA-256 of the effective configuration.
    pub config_sha256: String,
}

/// Writes the `run.json` of a failed run.
pub fn write_failure(path: &Path, failure: &Failure) -> Result<()> {
    let text =
        serde_json::to_string_pretty(failure).map_err(|e| Error::RunFailed(format!("run.json: {e}")))?;
    write_atomic(path, format!("{text}\n").as_bytes())
}

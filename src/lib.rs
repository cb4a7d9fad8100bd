//! flowhound: a batch engine that hunts illicit cross-border money flows.
//!
//! Data flows one way: [`ingest`] reads and validates a dump, [`graph`] builds the
//! time-sorted transaction graph, [`detect`] runs one parallel pass per pattern,
//! [`leads`] merges and ranks the hits, [`export`] writes them. [`generate`] makes
//! synthetic dumps with ground truth and [`eval`] scores leads against it.

#![warn(missing_docs)]

pub mod allocator;
pub mod analyze;
pub(crate) mod balanced;
pub(crate) mod by_key;
pub mod config;
pub mod csv_out;
pub mod detect;
pub mod error;
pub mod eval;
pub mod explain;
pub mod export;
pub mod features;
pub mod generate;
pub mod graph;
pub mod ingest;
pub mod leads;
pub mod lookback;
pub mod memory;
pub mod model;
pub mod pattern;
pub mod progress;
pub mod review;
pub(crate) mod slices;
pub mod spill;
pub mod trace;
pub mod units;

pub use config::Config;
pub use error::{Error, Result};
pub use pattern::Pattern;

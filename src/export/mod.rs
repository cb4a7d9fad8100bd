//! Export: leads and their evidence as spreadsheet-safe CSV, and run provenance as JSON.
//! Every file is written under a temporary name and renamed when complete.

pub mod csv_out;
pub mod features_out;
pub mod goaml;
pub mod leads_csv;
pub mod report;
pub mod run_json;
pub mod trace_csv;

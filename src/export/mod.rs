//! Export: leads and their evidence as spreadsheet-safe CSV, and run provenance as JSON.
//! Every file is written under a temporary name and renamed when complete.

pub mod features_out;
pub mod goaml;
pub mod layout;
pub mod leads_csv;
pub mod out_dir;
pub mod report;
pub mod report_page;
pub mod rows;
pub mod run_json;
pub mod trace_csv;
pub mod trace_report;
pub mod xlsx;

use crate::graph::{FlowGraph, NO_HOLDER};
use crate::model::Dump;

/// The holder id of account `v`, or `""`.
pub fn holder_id<'a>(g: &FlowGraph, dump: &'a Dump, v: u32) -> &'a str {
    match g.accounts.holder[v as usize] {
        NO_HOLDER => "",
        h => dump.holders.ids[h as usize].as_str(),
    }
}

/// The name of account `v`'s holder, or `""` (no holder, or no name in the entities).
pub fn holder_name<'a>(g: &FlowGraph, dump: &'a Dump, v: u32) -> &'a str {
    match g.accounts.holder[v as usize] {
        NO_HOLDER => "",
        h => dump.holders.name.get(h as usize).and_then(|n| n.as_deref()).unwrap_or(""),
    }
}

/// The country code of account `v`, or `""`.
pub fn country_code(g: &FlowGraph, v: u32) -> String {
    g.accounts.country[v as usize].map(|c| c.to_string()).unwrap_or_default()
}

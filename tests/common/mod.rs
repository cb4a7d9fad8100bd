//! Helpers shared by the integration tests: run the real binary, read its outputs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (fixtures live under it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// Runs `flowhound` with `args`; stdin closed, progress hidden.
pub fn flowhound(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowhound"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("the flowhound binary runs")
}

/// Runs `flowhound` and insists it exits 0 (showing its output if not).
pub fn ok(args: &[&str]) -> Output {
    let out = flowhound(args);
    assert_eq!(code(&out), 0, "flowhound {}: {}", args.join(" "), text(&out));
    out
}

/// stdout + stderr as text.
pub fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Exit code (panics on a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

/// Rows of a CSV file (header excluded), as string vectors.
pub fn rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records().map(|rec| rec.unwrap().iter().map(str::to_owned).collect()).collect()
}

/// Rows of a file flowhound writes, typed (`flowhound::export::rows`).
pub fn typed<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    flowhound::export::rows::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `path` as UTF-8 string.
pub fn s(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The output files whose bytes must not depend on the thread count.
pub const DETERMINISTIC_OUTPUTS: [&str; 4] =
    ["leads.csv", "lead_accounts.csv", "lead_transfers.csv", "rejects.csv"];

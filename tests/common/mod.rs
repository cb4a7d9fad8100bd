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

/// A generated dump of `transfers` (seed `seed`) with the time of day cut from every
/// transfer: a dates-only export, where each day's transfers tie in time.
pub fn dates_only_dump(transfers: usize, seed: u64) -> tempfile::TempDir {
    let dump = tempfile::tempdir().unwrap();
    let (n, seed) = (transfers.to_string(), seed.to_string());
    ok(&["generate", "--out", s(dump.path()), "--transfers", &n, "--seed", &seed]);
    let path = dump.path().join("transfers.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let dated: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(k, l)| {
            if k == 0 {
                return l.to_owned();
            }
            // transfer_id,timestamp,...: the time of day goes.
            let mut cells: Vec<&str> = l.splitn(3, ',').collect();
            let day = format!("{}T00:00:00Z", &cells[1][..10]);
            cells[1] = &day;
            cells.join(",")
        })
        .collect();
    std::fs::write(&path, dated.join("\n") + "\n").unwrap();
    dump
}

/// The transfers, accounts, entities and entity links of the dump in `dir`, each with
/// its rows (header kept) in another order: sorted by a hash of each line, so that the
/// same line always lands in the same place and nothing of the first order is left.
pub fn reshuffle_every_table(dir: &Path) {
    for table in ["transfers.csv", "accounts.csv", "entities.csv", "entity_links.csv"] {
        let file = dir.join(table);
        let text = std::fs::read_to_string(&file).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.remove(0);
        let hash = |l: &&str| {
            l.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
        };
        lines.sort_by_key(hash);
        std::fs::write(&file, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    }
}

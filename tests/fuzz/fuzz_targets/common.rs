//! Shared by the targets: a dump folder holding one fuzzed file, read end to end.

use std::path::Path;

use flowhound::ingest::presets::{self, Preset};
use flowhound::progress::Silent;
use flowhound::Config;

/// Writes `bytes` as `name` in a fresh folder and reads it as `preset` would. Any
/// outcome but a panic is fine; a read that succeeds must reconcile every table, and a
/// refusal must name a line (of the file) or the folder; a Parquet file, which has no
/// lines, is refused as a whole.
pub fn read_as(name: &str, bytes: &[u8], preset: Preset) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(name), bytes).expect("write");
    check(dir.path(), preset);
}

fn check(dir: &Path, preset: Preset) {
    let config = Config::default_config().expect("default config");
    match presets::load(preset, dir, &config, &Silent) {
        Ok((_, report, _)) => {
            for t in &report.tables {
                assert_eq!(t.accepted + t.rejected, t.read, "{} does not reconcile", t.table);
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains("line ")
                    || msg.contains("no known layout")
                    || msg.contains("no transfers")
                    || msg.contains("not a readable Parquet file"),
                "a refusal names no line: {msg}"
            );
        }
    }
}

//! An output folder that holds one run. A subcommand writes into `<DIR>.partial` and
//! moves its files into `DIR` when it ends, so a run's outputs appear together; files an
//! earlier run of the same subcommand left (a report.html of a run with `--report`, the
//! leads of a run that has now failed) are removed rather than left beside new ones; and
//! a folder holding files flowhound does not write is refused, naming them, so a wrong
//! `--out` never mixes a run into someone's documents.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Every name flowhound writes into an output folder, by subcommand. Another
/// subcommand's files may share the folder (eval writes beside analyze's leads).
/// `analyze`: the five lead files, rejects and run.json (always), the truth of a
/// labelled dataset, and the optional report and goAML folder, in that order.
pub const ANALYZE_FILES: [&str; 12] = [
    "leads.csv",
    "lead_accounts.csv",
    "lead_transfers.csv",
    "lead_hits.csv",
    "lead_evidence.csv",
    "rejects.csv",
    "run.json",
    "truth.csv",
    "truth_accounts.csv",
    "report.html",
    "goaml",
    "leads.xlsx",
];
/// What `trace` writes.
pub const TRACE_FILES: [&str; 7] = [
    "trace_summary.csv",
    "trace_holdings.csv",
    "trace_paths.csv",
    "trace_flows.csv",
    "trace_jurisdictions.csv",
    "trace_rejects.csv",
    "trace_report.html",
];
/// What `eval` writes beside the folders it scores.
pub const EVAL_FILES: [&str; 3] = ["eval.csv", "eval_leads.csv", "eval_trace.csv"];
/// What `features` writes when pointed into an output folder (its usual names).
pub const FEATURES_FILES: [&str; 3] = ["features.csv", "features.parquet", "features_rejects.csv"];

/// A name flowhound writes, or a folder holding only such names (a trace written
/// inside an analyze folder, goaml/).
fn known(dir: &Path, name: &str) -> bool {
    let flat = |n: &str| {
        ANALYZE_FILES.contains(&n)
            || TRACE_FILES.contains(&n)
            || EVAL_FILES.contains(&n)
            || FEATURES_FILES.contains(&n)
            || n.ends_with(".tmp")
            || n.ends_with(".partial")
            || n.starts_with('.')
            || (n.starts_with('L') && n.ends_with(".xml"))
    };
    if flat(name) {
        return true;
    }
    let sub = dir.join(name);
    sub.is_dir()
        && std::fs::read_dir(&sub).is_ok_and(|entries| {
            entries.filter_map(|e| e.ok()).all(|e| flat(&e.file_name().to_string_lossy()))
        })
}

/// A run's output folder while the run writes it.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    partial: PathBuf,
    mine: &'static [&'static str],
}

impl OutputDir {
    /// Prepares `target` for a subcommand that writes the names in `mine`: refuses a
    /// folder with files flowhound does not write, and starts an empty partial folder.
    pub fn begin(target: &Path, mine: &'static [&'static str]) -> Result<OutputDir> {
        if target.exists() && !target.is_dir() {
            return Err(Error::Usage(format!("--out {}: is a file, not a folder", target.display())));
        }
        if let Ok(entries) = std::fs::read_dir(target) {
            let mut foreign: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !known(target, n))
                .collect();
            if !foreign.is_empty() {
                foreign.sort();
                foreign.truncate(5);
                return Err(Error::Usage(format!(
                    "--out {}: holds files flowhound did not write ({}); choose an empty or new folder",
                    target.display(),
                    foreign.join(", ")
                )));
            }
        }
        let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "out".into());
        name.push(".partial");
        let partial = target.with_file_name(name);
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        }
        std::fs::create_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        Ok(OutputDir { target: target.to_owned(), partial, mine })
    }

    /// Where the run writes.
    pub fn path(&self) -> &Path {
        &self.partial
    }

    /// The folder the outputs end up in.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the run's files into place: this subcommand's earlier files go, the new
    /// ones come in; other subcommands' files stay. When the folder held nothing else,
    /// the partial folder is renamed as a whole.
    pub fn commit(self) -> Result<()> {
        let others = std::fs::read_dir(&self.target)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .any(|e| !self.mine.contains(&e.file_name().to_string_lossy().as_ref()))
            })
            .unwrap_or(false);
        if !others {
            if self.target.exists() {
                std::fs::remove_dir_all(&self.target).map_err(|e| Error::io(&self.target, e))?;
            }
            return std::fs::rename(&self.partial, &self.target).map_err(|e| Error::io(&self.target, e));
        }
        for name in self.mine {
            let old = self.target.join(name);
            if old.is_dir() {
                std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
            } else if old.exists() {
                std::fs::remove_file(&old).map_err(|e| Error::io(&old, e))?;
            }
        }
        for entry in std::fs::read_dir(&self.partial).map_err(|e| Error::io(&self.partial, e))? {
            let entry = entry.map_err(|e| Error::io(&self.partial, e))?;
            let to = self.target.join(entry.file_name());
            std::fs::rename(entry.path(), &to).map_err(|e| Error::io(&to, e))?;
        }
        std::fs::remove_dir(&self.partial).map_err(|e| Error::io(&self.partial, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_replaces_its_own_files_and_keeps_others() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        for f in ["leads.csv", "report.html", "eval.csv"] {
            std::fs::write(out.join(f), "old").unwrap();
        }
        let run = OutputDir::begin(&out, &ANALYZE_FILES).unwrap();
        std::fs::write(run.path().join("leads.csv"), "new").unwrap();
        run.commit().unwrap();
        assert_eq!(std::fs::read_to_string(out.join("leads.csv")).unwrap(), "new");
        assert!(!out.join("report.html").exists(), "a stale report of an earlier run goes");
        assert_eq!(std::fs::read_to_string(out.join("eval.csv")).unwrap(), "old", "eval's file stays");
        assert!(!dir.path().join("out.partial").exists());
    }

    #[test]
    fn a_folder_with_other_files_is_refused_naming_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("thesis.docx"), "mine").unwrap();
        let err = OutputDir::begin(dir.path(), &ANALYZE_FILES).unwrap_err().to_string();
        assert!(err.contains("thesis.docx"), "{err}");
    }
}

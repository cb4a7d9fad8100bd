//! Options shared by the subcommands that read and validate a dump (`analyze`, `trace`):
//! configuration, input layout and how many rejected rows a run tolerates.

use std::path::PathBuf;

use flowhound::analyze::Options;
use flowhound::ingest::presets::Preset;
use flowhound::Config;

/// Input options of a run over a dump.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Configuration overrides (TOML; see `flowhound config`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Input layout: native, amlsim or amlworld (default: detected from files and headers).
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
    /// Fail (exit 1) if any input row is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Fail (exit 1) if more than this share of any one table's rows is rejected (0..1).
    #[arg(long, default_value_t = 0.01, value_name = "R", value_parser = share)]
    pub max_reject_ratio: f64,
}

/// A share in 0..=1, as clap parses it.
fn share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        Ok(v) => Err(format!("must be within 0..1, got {v}")),
        Err(_) => Err(format!("`{text}` is not a number")),
    }
}

impl InputArgs {
    /// The configuration: the file's overrides, or the embedded defaults.
    pub fn config(&self) -> anyhow::Result<Config> {
        Ok(Config::load_or_default(self.config.as_deref())?)
    }

    /// Run options reading `dump` into `out`, with no extra outputs.
    pub fn options(&self, dump: PathBuf, out: PathBuf) -> Options {
        Options {
            dump,
            out,
            strict: self.strict,
            max_reject_ratio: self.max_reject_ratio,
            preset: self.preset,
            report: false,
            excel: false,
            goaml: None,
            rejects_file: "rejects.csv",
            partition_window: None,
            part_runner: None,
        }
    }
}

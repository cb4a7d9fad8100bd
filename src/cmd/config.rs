//! `flowhound config`: print the configuration.
//!
//! Without --config, prints the embedded default configuration with its comments: copy
//! it to a file, edit it, and pass it to `analyze --config FILE`. With --config, prints
//! the effective configuration (defaults overridden by FILE) after validating it.

use std::path::PathBuf;

use flowhound::config::{Config, DEFAULT_TOML};

/// Print the default (or effective) configuration as TOML.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show the effective configuration with this file's overrides applied.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.config {
        None => print!("{DEFAULT_TOML}"),
        Some(path) => print!("{}", Config::load(&path)?.to_toml()),
    }
    Ok(())
}

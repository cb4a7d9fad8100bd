//! `flowhound explain`: one lead as a case summary.
//!
//! Reads leads.csv, lead_accounts.csv and lead_evidence.csv from OUT (an `analyze`
//! output folder) and prints who, what, when, where, why and how, with the transfers
//! that prove it.

use std::path::PathBuf;

use flowhound::Config;

/// Print one lead as a who / what / when / where / why / how case summary.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder of `analyze`.
    out: PathBuf,
    /// Lead id, as in leads.csv (e.g. L3f9a0c21d7).
    #[arg(long)]
    lead: String,
    /// Configuration (for the offshore and high-risk lists and the base currency).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = Config::load_or_default(args.config.as_deref())?;
    print!("{}", flowhound::explain::explain(&args.out, &args.lead, &config)?);
    Ok(())
}

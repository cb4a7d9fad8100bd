//! Typed configuration: an embedded default (`default.toml`), overridable by a user TOML
//! file in which unknown keys are an error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{Country, Currency};

mod amount_floor;

pub use amount_floor::AmountFloor;

/// The embedded default configuration, as shipped.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

/// Whole-run configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Currency every amount is converted into.
    pub base_currency: String,
    /// Jurisdictions counted as offshore.
    pub offshore_countries: Vec<String>,
    /// Jurisdictions counted as high-risk.
    pub high_risk_countries: Vec<String>,
    /// When the high-risk list was taken.
    pub high_risk_list_date: String,
    /// Leave out hits centred on licensed money-service businesses and banks.
    pub exempt_licensed: bool,
    /// Without holder kinds, accounts with more transfers than this multiple of the dump's
    /// median active account are treated as businesses by the motifs'
    /// business-to-business rule.
    pub business_activity_vs_median: f64,
    /// UB1 collector parameters.
    pub ub1: Ub1Config,
    /// UB2 structuring parameters.
    pub ub2: Ub2Config,
    /// UB4 rapid in-out parameters.
    pub ub4: Ub4Config,
    /// OS1 round-tripping parameters.
    pub os1: Os1Config,
    /// UB3 mirror-transfer parameters.
    pub ub3: Ub3Config,
    /// UB5 net-settlement parameters.
    pub ub5: Ub5Config,
    /// UB6 settlement-shell parameters.
    pub ub6: Ub6Config,
    /// OS2 layering-chain parameters.
    pub os2: Os2Config,
    /// OS3 shell-profile parameters.
    pub os3: Os3Config,
    /// OS4 offshore scatter-gather parameters.
    pub os4: Os4Config,
    /// OS5 shared-control parameters.
    pub os5: Os5Config,
    /// cycle motif parameters.
    pub cycle: CycleConfig,
    /// random walk-through motif parameters.
    pub random: RandomWalkConfig,
    /// fan_in motif parameters.
    pub fan_in: FanConfig,
    /// fan_out motif parameters.
    pub fan_out: FanConfig,
    /// gather_scatter motif parameters.
    pub gather_scatter: GatherScatterConfig,
    /// scatter_gather motif parameters.
    pub scatter_gather: ScatterGatherConfig,
    /// bipartite and stack motif parameters (each layer).
    pub bipartite: BipartiteConfig,
    /// Asset tracing.
    pub trace: TraceConfig,
    /// HTML case report.
    pub report: ReportConfig,
    /// goAML export.
    pub goaml: GoamlConfig,
    /// Lead scoring.
    pub scoring: ScoringConfig,
}

/// Parameters of the HTML case report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Leads drawn.
    pub top_leads: usize,
    /// Accounts drawn per lead.
    pub max_accounts_drawn: usize,
}

/// The reporting entity and options of the goAML export.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoamlConfig {
    /// Leads exported.
    pub top_leads: usize,
    /// Reporting entity id, as registered with the FIU.
    pub rentity_id: String,
    /// Reporting entity branch (optional).
    pub rentity_branch: String,
    /// `E` (electronic) or `M` (manual).
    pub submission_code: String,
    /// Report type, e.g. `STR`, `SAR`.
    pub report_code: String,
    /// Local currency (empty: the base currency).
    pub currency_code_local: String,
    /// Reporting person.
    pub reporting_person_first_name: String,
    /// Reporting person.
    pub reporting_person_last_name: String,
    /// Reporting person.
    pub reporting_person_email: String,
    /// Reporting person.
    pub reporting_person_occupation: String,
    /// goAML address type code of the location.
    pub location_address_type: String,
    /// Address of the reporting location.
    pub location_address: String,
    /// City of the reporting location.
    pub location_city: String,
    /// Country code of the reporting location.
    pub location_country_code: String,
    /// goAML transmode code.
    pub transmode_code: String,
    /// goAML funds code.
    pub funds_code: String,
    /// Action taken.
    pub action: String,
}

/// Parameters of `trace` (TR1/TR2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceConfig {
    /// Hops followed away from a seed.
    pub max_hops: u32,
    /// Share of the seed value below which traced value is dropped.
    pub min_share: f64,
    /// Channels that sink traced money.
    pub sink_channels: Vec<String>,
    /// Accounts that sink traced money.
    pub sink_accounts: Vec<String>,
    /// Chains per destination in trace_paths.csv.
    pub paths_per_destination: usize,
    /// Destinations whose chains are reported.
    pub path_destinations: usize,
}

/// Parameters of UB1 (collector / pool account).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub1Config {
    /// Window over a hub's inflows, days.
    pub window_days: f64,
    /// Distinct senders needed inside the window.
    pub min_distinct_senders: usize,
    /// Forwarded / received.
    pub min_pass_through: f64,
    /// Median FIFO dwell, hours.
    pub max_median_dwell_hours: f64,
    /// Distinct payees at most this share of distinct senders.
    pub max_payee_share: f64,
    /// Inflow channels that count.
    pub inflow_channels: Vec<String>,
    /// Minimum total inflow of a window, against the dump's amount distribution.
    pub min_window_inflow: AmountFloor,
}

/// Parameters of UB2 (structuring).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub2Config {
    /// Lower edge of the "just under" band, as a share of the threshold.
    pub band: f64,
    /// Hits needed into one account.
    pub min_hits: usize,
    /// Window for the hits, days.
    pub window_days: f64,
    /// Cash deposit thresholds by currency.
    pub cash: BTreeMap<String, f64>,
    /// Natural person, domestic transfer thresholds.
    pub person_domestic: BTreeMap<String, f64>,
    /// Natural person, cross-border transfer thresholds.
    pub person_cross_border: BTreeMap<String, f64>,
    /// Company transfer thresholds.
    pub company: BTreeMap<String, f64>,
    /// Individual annual FX quota, USD.
    pub fx_quota: f64,
    /// People needed for FX-quota splitting.
    pub min_fx_people: usize,
    /// Each FX payment uses at least this share of the annual quota.
    pub fx_min_quota_use: f64,
    /// Transfers just under (or at) the threshold / all the target's transfers in on
    /// those days.
    pub min_band_share: f64,
}

/// Parameters of UB4 (rapid in-out).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub4Config {
    /// Share of inflow out within the dwell limit.
    pub min_share_out_fast: f64,
    /// Dwell limit, hours.
    pub max_dwell_hours: f64,
    /// Total inflow / peak balance.
    pub min_turnover: f64,
    /// Smallest total inflow, against the dump's amount distribution.
    pub min_total_inflow: AmountFloor,
    /// Distinct senders and payees together.
    pub min_counterparties: usize,
    /// Inflow channels that count.
    pub inflow_channels: Vec<String>,
}

/// Parameters of OS1 (round-tripping).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os1Config {
    /// Whole cycle must fit in this many days.
    pub window_days: f64,
    /// Fewest hops.
    pub min_hops: usize,
    /// Most hops.
    pub max_hops: usize,
    /// Last amount / first amount.
    pub min_retained: f64,
    /// Allowed growth of a hop over the previous one.
    pub amount_tolerance: f64,
    /// Smallest first hop, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Edge expansions per starting transfer.
    pub search_budget: u64,
}

/// Parameters of UB3 (mirror transfers).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub3Config {
    /// Largest difference of the two legs' values, as a share of the larger.
    pub amount_tolerance: f64,
    /// Largest time between the two legs, hours.
    pub max_gap_hours: f64,
    /// Pairs needed when the two accounts share a controller.
    pub min_pairs_linked: usize,
    /// Pairs needed when nothing in the data links them.
    pub min_pairs_unlinked: usize,
    /// Unlinked pairs must be this share of the legs the two could have paired.
    pub min_unlinked_match_share: f64,
    /// Smallest leg between linked accounts, against the dump's amount distribution.
    pub min_leg_amount: AmountFloor,
    /// Smallest leg between unlinked accounts, against the dump's amount distribution.
    pub min_unlinked_leg_amount: AmountFloor,
    /// Customer and beneficiary must not be companies (when holder kinds are known).
    pub persons_only: bool,
    /// Channels of the legs.
    pub channels: Vec<String>,
}

/// Parameters of UB5 (net settlement).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub5Config {
    /// Settled sum within this share of the net imbalance.
    pub tolerance: f64,
    /// Settlement transfers needed.
    pub min_settlements: usize,
    /// Settlements looked for until this many days after the last mirror pair.
    pub settle_within_days: f64,
    /// Smallest net imbalance, against the dump's amount distribution.
    pub min_imbalance: AmountFloor,
}

/// Parameters of UB6 (settlement shell).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub6Config {
    /// Distinct personal payees of the spike.
    pub min_payees: usize,
    /// Window of the spike, days.
    pub window_days: f64,
    /// A test transfer is at most this amount, against the dump's amount distribution.
    pub test_max_amount: AmountFloor,
    /// Test transfers and funding looked for this many days before the spike.
    pub lookback_days: f64,
    /// Days without a transfer before the spike that make an account dormant.
    pub dormancy_days: f64,
    /// Money in from companies / money paid out in the spike.
    pub min_funded_share: f64,
    /// Channels of the payouts.
    pub channels: Vec<String>,
}

/// Parameters of OS2 (layering chain).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os2Config {
    /// Fewest transfers in the chain.
    pub min_hops: usize,
    /// Most transfers followed.
    pub max_hops: usize,
    /// Each hop carries at least this share of the previous.
    pub min_pass_through: f64,
    /// Each hop within this many days of the previous.
    pub max_hop_delay_days: f64,
    /// Countries the chain touches.
    pub min_jurisdictions: usize,
    /// OS3 score an intermediate account needs.
    pub min_shell_score: f64,
    /// Smallest first hop, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Edge expansions per starting transfer.
    pub search_budget: u64,
}

/// Parameters of OS4 (scatter-gather through offshore).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os4Config {
    /// Each intermediary forwards within this many days.
    pub window_days: f64,
    /// Offshore intermediaries needed (fan width).
    pub min_intermediaries: usize,
    /// Money gathered / money scattered.
    pub min_retained: f64,
    /// Smallest amount scattered, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Channels that count.
    pub channels: Vec<String>,
}

/// Parameters of OS5 (shared control).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os5Config {
    /// Entity-link relations that tie holders into one controller.
    pub link_types: Vec<String>,
    /// Companies sharing a normalised registered address are one controller up to this
    /// many (more is a registered agent's address).
    pub max_address_group: usize,
    /// An account is captive when this share of its transfers stays in its group.
    pub min_captive_share: f64,
    /// A group whose cross-border flows are at least this share (by value) of regular
    /// sweeps is a treasury arrangement, left quiet.
    pub max_sweep_share: f64,
    /// Smallest flagged transfer, against the dump's amount distribution.
    pub min_amount: AmountFloor,
}

/// Parameters of the cycle motif.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleConfig {
    /// Whole cycle within this many days.
    pub window_days: f64,
    /// Fewest hops.
    pub min_hops: usize,
    /// Most hops.
    pub max_hops: usize,
    /// Last amount / first amount.
    pub min_retained: f64,
    /// Growth allowed of a hop over the previous one.
    pub amount_tolerance: f64,
    /// Smallest first hop, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Edge expansions per starting transfer.
    pub search_budget: u64,
    /// Leave out cycles made only of company-to-company transfers.
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Vec<String>,
}

/// Parameters of the random walk-through motif.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomWalkConfig {
    /// Fewest transfers.
    pub min_hops: usize,
    /// Most transfers followed.
    pub max_hops: usize,
    /// Each hop carries at least this share of the previous.
    pub min_pass_through: f64,
    /// Each hop within this many days of the previous.
    pub max_hop_delay_days: f64,
    /// Smallest first hop, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Edge expansions per starting transfer.
    pub search_budget: u64,
}

/// Weights of the OS3 shell signals.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShellWeights {
    /// Incorporated or banked offshore.
    pub offshore: f64,
    /// Young at its first transfer.
    pub young: f64,
    /// Passes money through.
    pub pass_through: f64,
    /// Few counterparties.
    pub few_counterparties: f64,
    /// No operating pattern.
    pub no_operations: f64,
    /// Part of an address or director cluster.
    pub cluster: f64,
}

/// Parameters of OS3 (shell profile).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os3Config {
    /// Signal weights (normalised by their sum).
    pub weights: ShellWeights,
    /// Score at which a shell is a lead on its own.
    pub min_score: f64,
    /// "Young": first transfer within this many days of incorporation.
    pub max_age_days: f64,
    /// Out / in at least this (and at most its inverse).
    pub min_pass_through: f64,
    /// Median FIFO dwell at most this many days.
    pub max_median_dwell_days: f64,
    /// "Few counterparties": at most this many.
    pub max_counterparties: usize,
    /// Payroll-like: this many distinct personal payees.
    pub payroll_payees: usize,
    /// Steady receipts: this many incoming transfers.
    pub steady_receipts: usize,
    /// Companies at one address or under one director that make a cluster.
    pub min_cluster: usize,
}

/// Parameters of the fan-in and fan-out motifs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FanConfig {
    /// Sliding window, days.
    pub window_days: f64,
    /// Distinct new counterparties needed inside the window.
    pub min_counterparties: usize,
    /// A counterparty is new when the account first deals with it inside the window and
    /// not later than this many days after the window opens (at least `window_days`).
    pub relationship_days: f64,
    /// Rate inside the window / rate outside it.
    pub min_rate_ratio: f64,
    /// Smallest amount moved in the window, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Leave out transfers between two companies (when holder kinds are known).
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Vec<String>,
}

/// Parameters of the scatter-gather motif.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScatterGatherConfig {
    /// Each intermediary forwards within this many days of receiving.
    pub window_days: f64,
    /// Distinct intermediaries.
    pub min_intermediaries: usize,
    /// Money reaching the target / money sent to the intermediaries.
    pub min_retained: f64,
    /// Smallest amount sent, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Leave out transfers between two companies (when holder kinds are known).
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Vec<String>,
}

/// Parameters of a bipartite layer (bipartite and stack motifs).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BipartiteConfig {
    /// All of a layer's first transfers fit in this many days.
    pub window_days: f64,
    /// Fewest accounts on each side.
    pub min_side: usize,
    /// Fewest transfers in a layer.
    pub min_edges: usize,
    /// Members with more transfers in one direction than this multiple of the dump's
    /// median active account are hubs, left out.
    pub max_member_activity_vs_median: f64,
    /// Leave out transfers between two companies (when holder kinds are known).
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Vec<String>,
}

/// Parameters of the gather-scatter motif.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatherScatterConfig {
    /// Window of the gathering; the scattering may follow within one more window. Days.
    pub window_days: f64,
    /// Distinct senders of the gathering.
    pub min_senders: usize,
    /// Distinct payees of the scattering.
    pub min_payees: usize,
    /// Distinct senders and payees together.
    pub min_counterparties: usize,
    /// Money scattered / money gathered.
    pub min_pass_through: f64,
    /// Rate inside the window / rate outside it, each way.
    pub min_rate_ratio: f64,
    /// Smallest amount gathered, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Leave out transfers between two companies (when holder kinds are known).
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Vec<String>,
}

/// Lead scoring parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringConfig {
    /// Weight per pattern id.
    pub pattern_weights: BTreeMap<String, f64>,
    /// Weight of a pattern without an entry.
    pub default_weight: f64,
    /// Amount at which the amount factor reaches 1.
    pub reference_amount: AmountFloor,
    /// Weight of the strongest shell profile among a lead's accounts.
    pub shell_weight: f64,
    /// Hits sharing central accounts that add up to more accounts than this are split
    /// into leads of at most this many (a single larger hit stays whole).
    pub max_lead_accounts: usize,
}

impl Config {
    /// The embedded defaults.
    pub fn default_config() -> Result<Config> {
        Self::from_toml(DEFAULT_TOML, "embedded default config")
    }

    /// Defaults overridden by the TOML file at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::with_overrides(&text, &path.display().to_string())
    }

    /// The file's overrides when given, else the embedded defaults.
    pub fn load_or_default(path: Option<&Path>) -> Result<Config> {
        match path {
            Some(p) => Self::load(p),
            None => Self::default_config(),
        }
    }

    /// Channel names of a config list (validated at load) as channels.
    pub fn channels(names: &[String]) -> Vec<crate::model::Channel> {
        names.iter().filter_map(|c| crate::model::Channel::parse(c)).collect()
    }

    /// Defaults overridden by `text` (a partial or full config).
    pub fn with_overrides(text: &str, origin: &str) -> Result<Config> {
        let mut base: toml::Table = toml::from_str(DEFAULT_TOML)
            .map_err(|e| Error::Config(format!("embedded default config: {e}")))?;
        let overrides: toml::Table =
            toml::from_str(text).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        merge_tables(&mut base, overrides);
        let merged = toml::to_string(&base).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        Self::from_toml(&merged, origin)
    }

    fn from_toml(text: &str, origin: &str) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        config.validate(origin)?;
        Ok(config)
    }

    fn validate(&self, origin: &str) -> Result<()> {
        let bad = |msg: String| Err(Error::Config(format!("{origin}: {msg}")));
        if Currency::parse(&self.base_currency).is_none() {
            return bad(format!("base_currency `{}` is not a 3-letter ISO 4217 code", self.base_currency));
        }
        for code in self.offshore_countries.iter().chain(&self.high_risk_countries) {
            if Country::parse(code).is_none() {
                return bad(format!("`{code}` is not a 2-letter ISO 3166-1 country code"));
            }
        }
        for ch in &self.ub1.inflow_channels {
            if crate::model::Channel::parse(ch).is_none() || ch.trim().is_empty() {
                return bad(format!("ub1.inflow_channels: unknown channel `{ch}`"));
            }
        }
        let share = |name: &str, v: f64| -> Result<()> {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(Error::Config(format!("{origin}: {name} = {v} must be within 0..1")))
            }
        };
        share("ub1.min_pass_through", self.ub1.min_pass_through)?;
        share("ub1.max_payee_share", self.ub1.max_payee_share)?;
        share("os1.min_retained", self.os1.min_retained)?;
        share("ub4.min_share_out_fast", self.ub4.min_share_out_fast)?;
        share("ub2.band", self.ub2.band)?;
        share("ub2.fx_min_quota_use", self.ub2.fx_min_quota_use)?;
        share("ub2.min_band_share", self.ub2.min_band_share)?;
        for ch in &self.ub4.inflow_channels {
            if crate::model::Channel::parse(ch).is_none() || ch.trim().is_empty() {
                return bad(format!("ub4.inflow_channels: unknown channel `{ch}`"));
            }
        }
        for (name, list) in [
            ("fan_in.channels", &self.fan_in.channels),
            ("fan_out.channels", &self.fan_out.channels),
            ("gather_scatter.channels", &self.gather_scatter.channels),
            ("ub3.channels", &self.ub3.channels),
            ("os4.channels", &self.os4.channels),
            ("cycle.channels", &self.cycle.channels),
            ("scatter_gather.channels", &self.scatter_gather.channels),
            ("bipartite.channels", &self.bipartite.channels),
            ("ub6.channels", &self.ub6.channels),
        ] {
            for ch in list {
                if crate::model::Channel::parse(ch).is_none() || ch.trim().is_empty() {
                    return bad(format!("{name}: unknown channel `{ch}`"));
                }
            }
        }
        share("ub3.amount_tolerance", self.ub3.amount_tolerance)?;
        share("ub3.min_unlinked_match_share", self.ub3.min_unlinked_match_share)?;
        share("ub5.tolerance", self.ub5.tolerance)?;
        if self.ub3.max_gap_hours <= 0.0 || self.ub3.min_pairs_linked == 0 || self.ub5.min_settlements == 0 {
            return bad("ub3.max_gap_hours, ub3.min_pairs_linked and ub5.min_settlements must be > 0".into());
        }
        share("ub6.min_funded_share", self.ub6.min_funded_share)?;
        share("os3.min_score", self.os3.min_score)?;
        share("os4.min_retained", self.os4.min_retained)?;
        share("cycle.min_retained", self.cycle.min_retained)?;
        share("random.min_pass_through", self.random.min_pass_through)?;
        if self.random.min_hops < 2 || self.random.max_hops < self.random.min_hops {
            return bad("random: need 2 <= min_hops <= max_hops".into());
        }
        if self.cycle.min_hops < 2 || self.cycle.max_hops < self.cycle.min_hops {
            return bad("cycle: need 2 <= min_hops <= max_hops".into());
        }
        share("os5.min_captive_share", self.os5.min_captive_share)?;
        share("os5.max_sweep_share", self.os5.max_sweep_share)?;
        for t in &self.os5.link_types {
            if crate::model::Relation::parse(t).is_none() {
                return bad(format!("os5.link_types: unknown relation `{t}`"));
            }
        }
        share("os2.min_pass_through", self.os2.min_pass_through)?;
        share("os2.min_shell_score", self.os2.min_shell_score)?;
        if self.os2.min_hops < 2 || self.os2.max_hops < self.os2.min_hops {
            return bad("os2: need 2 <= min_hops <= max_hops".into());
        }
        share("os3.min_pass_through", self.os3.min_pass_through)?;
        share("scatter_gather.min_retained", self.scatter_gather.min_retained)?;
        if self.bipartite.min_side < 2 || self.scatter_gather.min_intermediaries < 2 {
            return bad("bipartite.min_side and scatter_gather.min_intermediaries must be at least 2".into());
        }
        if self.ub6.min_payees < 2 || self.ub6.window_days <= 0.0 {
            return bad("ub6: need min_payees >= 2 and window_days > 0".into());
        }
        for (name, days) in [
            ("fan_in", self.fan_in.window_days),
            ("fan_out", self.fan_out.window_days),
            ("gather_scatter", self.gather_scatter.window_days),
        ] {
            if days <= 0.0 {
                return bad(format!("{name}.window_days must be > 0"));
            }
        }
        if self.fan_in.min_counterparties < 2 || self.fan_out.min_counterparties < 2 {
            return bad("fan_in/fan_out.min_counterparties must be at least 2".into());
        }
        share("trace.min_share", self.trace.min_share)?;
        for ch in &self.trace.sink_channels {
            if ch.trim().is_empty() || crate::model::Channel::parse(ch).is_none() {
                return bad(format!("trace.sink_channels: unknown channel `{ch}`"));
            }
        }
        if self.trace.max_hops == 0 {
            return bad("trace.max_hops must be at least 1".into());
        }
        share("scoring.default_weight", self.scoring.default_weight)?;
        share("scoring.shell_weight", self.scoring.shell_weight)?;
        if self.scoring.max_lead_accounts < 2 {
            return bad("scoring.max_lead_accounts must be at least 2".into());
        }
        for (k, v) in &self.scoring.pattern_weights {
            share(&format!("scoring.pattern_weights.{k}"), *v)?;
        }
        if self.os1.min_hops < 2 || self.os1.max_hops < self.os1.min_hops {
            return bad("os1: need 2 <= min_hops <= max_hops".into());
        }
        if self.ub1.window_days <= 0.0 || self.os1.window_days <= 0.0 {
            return bad("window_days must be > 0".into());
        }
        if !(self.bipartite.max_member_activity_vs_median > 0.0 && self.business_activity_vs_median > 0.0) {
            return bad(
                "bipartite.max_member_activity_vs_median and business_activity_vs_median must be > 0".into(),
            );
        }
        Ok(())
    }

    /// The effective configuration as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// SHA-256 of the effective configuration, for run provenance.
    pub fn hash(&self) -> String {
        hex(&Sha256::digest(self.to_toml().as_bytes()))
    }

    /// Base currency, parsed (validated at load).
    pub fn base(&self) -> Currency {
        Currency::parse(&self.base_currency)
            .unwrap_or_else(|| Currency::parse("USD").unwrap_or_else(|| unreachable!("USD parses")))
    }

    /// Offshore set, parsed.
    pub fn offshore_set(&self) -> BTreeSet<Country> {
        self.offshore_countries.iter().filter_map(|c| Country::parse(c)).collect()
    }

    /// High-risk set, parsed.
    pub fn high_risk_set(&self) -> BTreeSet<Country> {
        self.high_risk_countries.iter().filter_map(|c| Country::parse(c)).collect()
    }

    /// Every amount floor of the configuration, by its TOML key.
    pub fn amount_floors(&self) -> Vec<(&'static str, AmountFloor)> {
        vec![
            ("ub1.min_window_inflow", self.ub1.min_window_inflow),
            ("ub3.min_leg_amount", self.ub3.min_leg_amount),
            ("ub3.min_unlinked_leg_amount", self.ub3.min_unlinked_leg_amount),
            ("ub4.min_total_inflow", self.ub4.min_total_inflow),
            ("ub5.min_imbalance", self.ub5.min_imbalance),
            ("ub6.test_max_amount", self.ub6.test_max_amount),
            ("os1.min_amount", self.os1.min_amount),
            ("os2.min_amount", self.os2.min_amount),
            ("os4.min_amount", self.os4.min_amount),
            ("os5.min_amount", self.os5.min_amount),
            ("cycle.min_amount", self.cycle.min_amount),
            ("random.min_amount", self.random.min_amount),
            ("fan_in.min_amount", self.fan_in.min_amount),
            ("fan_out.min_amount", self.fan_out.min_amount),
            ("gather_scatter.min_amount", self.gather_scatter.min_amount),
            ("scatter_gather.min_amount", self.scatter_gather.min_amount),
            ("scoring.reference_amount", self.scoring.reference_amount),
        ]
    }

    /// Weight of a pattern in lead scoring.
    pub fn pattern_weight(&self, pattern: &str) -> f64 {
        self.scoring.pattern_weights.get(pattern).copied().unwrap_or(self.scoring.default_weight)
    }
}

fn merge_tables(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if key != "pattern_weights" => {
                merge_tables(b, o)
            }
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// Lower-case hex of a byte slice.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_parses_and_round_trips() {
        let c = Config::default_config().unwrap();
        assert_eq!(c.base_currency, "USD");
        assert_eq!(c.ub1.min_distinct_senders, 10);
        let again = Config::with_overrides(&c.to_toml(), "round trip").unwrap();
        assert_eq!(again.hash(), c.hash());
    }

    #[test]
    fn partial_override_keeps_other_defaults() {
        let c = Config::with_overrides("[ub1]\nmin_distinct_senders = 4\n", "t").unwrap();
        assert_eq!(c.ub1.min_distinct_senders, 4);
        assert_eq!(c.ub1.window_days, 30.0);
        assert_eq!(c.os1.max_hops, 8);
    }

    #[test]
    fn unknown_key_is_rejected_with_its_name() {
        let err = Config::with_overrides("[ub1]\nmin_senders = 4\n", "my.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("my.toml") && msg.contains("min_senders"), "{msg}");
    }

    #[test]
    fn out_of_range_share_is_rejected() {
        let err = Config::with_overrides("[os1]\nmin_retained = 1.5\n", "t").unwrap_err();
        assert!(err.to_string().contains("os1.min_retained"));
    }
}

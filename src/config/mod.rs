//! Typed configuration: an embedded default (`default.toml`), overridable by a user TOML
//! file in which unknown keys are an error.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{Country, Currency};
use crate::pattern::Pattern;

mod amount_floor;
mod chance_budgets;

mod locate;
pub mod params;

pub use crate::detect::motifs::cycle::CycleConfig;
pub use crate::detect::motifs::gather_scatter::GatherScatterConfig;
pub use crate::detect::motifs::random_walk::RandomWalkConfig;
pub use crate::detect::motifs::scatter_gather::ScatterGatherConfig;
pub use crate::detect::offshore::os1_round_trip::Os1Config;
pub use crate::detect::offshore::os2_layering::Os2Config;
pub use crate::detect::offshore::os4_offshore_scatter::Os4Config;
pub use crate::detect::offshore::os5_shared_control::Os5Config;
pub use crate::detect::search::bicliques::BipartiteConfig;
pub use crate::detect::search::fans::FanConfig;
pub use crate::detect::search::mirrors::Ub3Config;
pub use crate::detect::search::shell_profile::{Os3Config, ShellWeights};
pub use crate::detect::underground::ub1_collector::Ub1Config;
pub use crate::detect::underground::ub2_structuring::Ub2Config;
pub use crate::detect::underground::ub4_rapid_in_out::Ub4Config;
pub use crate::detect::underground::ub5_net_settlement::Ub5Config;
pub use crate::detect::underground::ub6_settlement_shell::Ub6Config;
pub use crate::export::goaml::GoamlConfig;
pub use crate::export::report::ReportConfig;
pub use crate::ingest::{ColumnNames, IngestConfig};
pub use crate::leads::ScoringConfig;
pub use crate::trace::TraceConfig;
use params::{Countries, Factor, Share};

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
    pub offshore_countries: Countries,
    /// Jurisdictions counted as high-risk.
    pub high_risk_countries: Countries,
    /// When the high-risk list was taken.
    pub high_risk_list_date: String,
    /// Leave out hits centred on licensed money-service businesses and banks.
    pub exempt_licensed: bool,
    /// Patterns whose detectors do not run (the summary lists them as disabled).
    #[serde(default)]
    pub disabled: Vec<crate::pattern::Pattern>,
    /// Without holder kinds, accounts with more transfers than this multiple of the dump's
    /// median active account are treated as businesses by the motifs'
    /// business-to-business rule.
    pub business_activity_vs_median: Factor,
    /// Hits each chance test may let through by coincidence, as a share of what its
    /// detector finds, when that is more than its own `expected_by_chance`
    /// ([`Config::with_chance_budgets_times`]).
    pub false_discovery_share: Share,
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
    /// Plausibility of input values.
    pub ingest: IngestConfig,
    /// The header names a site's export gives the native columns (none by default).
    #[serde(default, skip_serializing_if = "ColumnNames::is_empty")]
    pub columns: ColumnNames,
    /// Lead scoring.
    pub scoring: ScoringConfig,
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

    /// Defaults overridden by `text` (a partial or full config). Every table merges key by
    /// key into the defaults, `[scoring.pattern_weights]` included, so a file sets only
    /// what it changes. A bad value is an error naming its key and `origin`'s line.
    pub fn with_overrides(text: &str, origin: &str) -> Result<Config> {
        let mut base: toml::Table = toml::from_str(DEFAULT_TOML)
            .map_err(|e| Error::Config(format!("embedded default config: {e}")))?;
        let overrides: toml::Table =
            toml::from_str(text).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        merge_tables(&mut base, overrides);
        let merged = toml::to_string(&base).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        let config: Config = toml::from_str(&merged).map_err(|e| {
            let key = e.span().and_then(|s| locate::key_at(&merged, s.start));
            Error::Config(located(origin, text, key.as_deref(), e.message().trim()))
        })?;
        config.validate().map_err(|(key, msg)| Error::Config(located(origin, text, Some(&key), &msg)))?;
        Ok(config)
    }

    fn from_toml(text: &str, origin: &str) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        config.validate().map_err(|(key, msg)| Error::Config(located(origin, text, Some(&key), &msg)))?;
        Ok(config)
    }

    /// Rules beyond a single value's range (which is its type's job): the base currency,
    /// the relations of OS5, and in every table that has both, `min_hops <= max_hops`.
    fn validate(&self) -> std::result::Result<(), (locate::KeyPath, String)> {
        let doc = match toml::Value::try_from(self) {
            Ok(toml::Value::Table(t)) => t,
            _ => toml::Table::default(),
        };
        for (table, value) in &doc {
            let hops = |k: &str| value.get(k).and_then(toml::Value::as_integer);
            if let (Some(min), Some(max)) = (hops("min_hops"), hops("max_hops")) {
                if max < min {
                    return Err((
                        vec![table.clone(), "max_hops".to_owned()],
                        format!("must be at least min_hops ({min}), got {max}"),
                    ));
                }
            }
        }
        let key = |table: &str, k: &str| -> locate::KeyPath {
            if table.is_empty() {
                vec![k.to_owned()]
            } else {
                vec![table.to_owned(), k.to_owned()]
            }
        };
        if Currency::parse(&self.base_currency).is_none() {
            return Err((
                key("", "base_currency"),
                format!("`{}` is not a 3-letter ISO 4217 code", self.base_currency),
            ));
        }
        for t in &self.os5.link_types {
            if crate::model::Relation::parse(t).is_none() {
                return Err((key("os5", "link_types"), format!("unknown relation `{t}`")));
            }
        }
        self.columns.check().map_err(|(mut at, why)| {
            at.insert(0, "columns".to_owned());
            (at, why)
        })?;
        if self.trace.max_hops == 0 {
            return Err((key("trace", "max_hops"), "must be at least 1, got 0".into()));
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
        self.offshore_countries.as_slice().iter().copied().collect()
    }

    /// High-risk set, parsed.
    pub fn high_risk_set(&self) -> BTreeSet<Country> {
        self.high_risk_countries.as_slice().iter().copied().collect()
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
            ("bipartite.min_amount", self.bipartite.min_amount),
            ("bipartite.rounds_min_amount", self.bipartite.rounds_min_amount),
            ("scoring.reference_amount", self.scoring.reference_amount),
            ("scoring.amount_unit", self.scoring.amount_unit),
        ]
    }

    /// Weight of a pattern in lead scoring.
    pub fn pattern_weight(&self, pattern: Pattern) -> f64 {
        self.scoring.pattern_weights.get(&pattern).copied().unwrap_or(self.scoring.default_weight).get()
    }
}

fn merge_tables(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge_tables(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// `my.toml: [os4].window_days: must be > 0, got -5 (line 3)`: the key, the rule, and
/// where the user's file set it (when it did; a rule between two keys may involve a
/// default).
fn located(origin: &str, user_text: &str, key: Option<&[String]>, message: &str) -> String {
    match key {
        Some(path) => {
            let line =
                locate::line_of(user_text, path).map(|n| format!(" ({origin} line {n})")).unwrap_or_default();
            format!("{}: {message}{line}", locate::display(path))
        }
        None => format!("{origin}: {message}"),
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
        assert_eq!(c.ub1.min_distinct_senders.get(), 10);
        let again = Config::with_overrides(&c.to_toml(), "round trip").unwrap();
        assert_eq!(again.hash(), c.hash());
    }

    #[test]
    fn partial_override_keeps_other_defaults() {
        let c = Config::with_overrides("[ub1]\nmin_distinct_senders = 4\n", "t").unwrap();
        assert_eq!(c.ub1.min_distinct_senders.get(), 4);
        assert_eq!(c.ub1.window_days.get(), 30.0);
        assert_eq!(c.os1.max_hops.get(), 8);
    }

    #[test]
    fn unknown_key_is_rejected_with_its_name() {
        let err = Config::with_overrides("[ub1]\nmin_senders = 4\n", "my.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("my.toml") && msg.contains("min_senders"), "{msg}");
    }

    #[test]
    fn column_names_load_round_trip_and_leave_an_unmapped_config_as_it_was() {
        let text = "[columns.transfers]\nsrc_account = \"Debtor Account\"\n";
        let c = Config::with_overrides(text, "t").unwrap();
        let map = c.columns.header_map(crate::ingest::Table::Transfers);
        assert_eq!(map.rename(&["debtor account".to_owned()]).unwrap(), ["src_account"]);
        assert_eq!(Config::with_overrides(&c.to_toml(), "round trip").unwrap().hash(), c.hash());
        // Without [columns] the effective config, and so run.json's hash, is unchanged.
        assert!(!Config::default_config().unwrap().to_toml().contains("columns"));
        let err = Config::with_overrides("[columns.accounts]\nholder = \"Owner\"\n", "my.toml").unwrap_err();
        assert!(
            err.to_string().contains("[columns.accounts].holder: `accounts` has no column `holder`"),
            "{err}"
        );
    }

    #[test]
    fn out_of_range_share_is_rejected() {
        let err = Config::with_overrides("[os1]\nmin_retained = 1.5\n", "t").unwrap_err();
        assert!(err.to_string().contains("[os1].min_retained: must be within 0..1, got 1.5"), "{err}");
    }

    /// The config cases of issue 11 that used to load silently: each names its key, the
    /// rule and the user's line.
    #[test]
    fn nonsense_that_used_to_load_is_refused_where_it_was_written() {
        let cases = [
            ("# mine\n[os4]\nwindow_days = -5\n", "[os4].window_days: must be > 0, got -5 (my.toml line 3)"),
            (
                "[bipartite]\nwindow_days = 0\n",
                "[bipartite].window_days: must be > 0, got 0 (my.toml line 2)",
            ),
            ("[ub2]\nmin_hits = 0\n", "[ub2].min_hits: must be at least 1, got 0 (my.toml line 2)"),
            (
                "[scoring]\npattern_weights = { UB7 = 0.5 }\n",
                "[scoring.pattern_weights].UB7: unknown pattern `UB7`",
            ),
            (
                "[ub1]\ninflow_channels = [\"wire\", \"pigeon\"]\n",
                "[ub1].inflow_channels: unknown channel `pigeon`",
            ),
            (
                "[cycle]\nmin_hops = 5\nmax_hops = 4\n",
                "[cycle].max_hops: must be at least min_hops (5), got 4 (my.toml line 3)",
            ),
            (
                "offshore_countries = [\"VG\", \"Atlantis\"]\n",
                "offshore_countries: `Atlantis` is not a 2-letter",
            ),
        ];
        for (text, expected) in cases {
            let err = Config::with_overrides(text, "my.toml").unwrap_err().to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn a_partial_weight_table_merges_into_the_defaults() {
        let c = Config::with_overrides("[scoring.pattern_weights]\nUB1 = 0.1\n", "t").unwrap();
        assert_eq!(c.pattern_weight(Pattern::Ub1), 0.1);
        let defaults = Config::default_config().unwrap();
        assert_eq!(c.pattern_weight(Pattern::Os1), defaults.pattern_weight(Pattern::Os1));
        assert_eq!(c.scoring.pattern_weights.len(), defaults.scoring.pattern_weights.len());
    }

    #[test]
    fn channel_lists_are_parsed_once_at_load() {
        let c = Config::with_overrides("[ub1]\ninflow_channels = [\"WIRE\"]\n", "t").unwrap();
        assert_eq!(c.ub1.inflow_channels.as_slice(), &[crate::model::Channel::Wire]);
    }
}

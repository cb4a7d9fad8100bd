//! Parameter newtypes: each rejects a bad value while the configuration is parsed, with a
//! message the loader completes with the TOML key and the user file's line, so
//! `[os4] window_days = -5` is an error at load, not a detector that silently finds
//! nothing. They serialize as the plain value, so `flowhound config` prints what the
//! user would write.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Channel, Country};

/// A share in `0..=1` (pass-through, retained, tolerances, weights).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Share(f64);

/// A span of days, `> 0`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Days(f64);

/// A span of hours, `> 0`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Hours(f64);

/// A multiple or ratio, `>= 0` and finite (rate ratios, turnover, activity multiples).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Multiple(f64);

/// A multiple that must be `> 0` (activity multiples of the median account).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Factor(f64);

/// An amount in a currency's units, `>= 0` and finite (the law's thresholds and quotas).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Amount(f64);

/// A count of at least `MIN` (distinct senders, hops, sides of a layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Count<const MIN: usize>(usize);

macro_rules! real {
    ($name:ident, $ok:expr, $rule:literal) => {
        impl $name {
            /// The plain value.
            pub const fn get(self) -> f64 {
                self.0
            }
        }

        impl TryFrom<f64> for $name {
            type Error = String;

            fn try_from(v: f64) -> Result<Self, String> {
                let ok: fn(f64) -> bool = $ok;
                if v.is_finite() && ok(v) {
                    Ok($name(v))
                } else {
                    Err(format!(concat!("must be ", $rule, ", got {}"), v))
                }
            }
        }

        impl From<$name> for f64 {
            fn from(v: $name) -> f64 {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

real!(Share, |v| (0.0..=1.0).contains(&v), "within 0..1");
real!(Days, |v| v > 0.0, "> 0");
real!(Hours, |v| v > 0.0, "> 0");
real!(Multiple, |v| v >= 0.0, ">= 0");
real!(Amount, |v| v >= 0.0, ">= 0");
real!(Factor, |v| v > 0.0, "> 0");

impl<const MIN: usize> Count<MIN> {
    /// The plain value.
    pub const fn get(self) -> usize {
        self.0
    }
}

impl<const MIN: usize> TryFrom<i64> for Count<MIN> {
    type Error = String;

    fn try_from(v: i64) -> Result<Self, String> {
        match usize::try_from(v) {
            Ok(n) if n >= MIN => Ok(Count(n)),
            _ => Err(format!("must be at least {MIN}, got {v}")),
        }
    }
}

impl<const MIN: usize> From<Count<MIN>> for i64 {
    fn from(v: Count<MIN>) -> i64 {
        i64::try_from(v.0).unwrap_or(i64::MAX)
    }
}

/// A calendar date, written `YYYY-MM-DD` (midnight UTC, unix seconds inside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date(i64);

impl Date {
    /// Unix seconds at midnight UTC.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<String> for Date {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        crate::ingest::parse::date(&text).map(Date).map_err(|e| format!("`{text}`: {e}"))
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        crate::units::format_date(d.0)
    }
}

/// Channels named in a list (`["wire", "cash"]`), parsed once at load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Channels(Vec<Channel>);

impl Channels {
    /// The channels, in the order given.
    pub fn as_slice(&self) -> &[Channel] {
        &self.0
    }

    /// Whether `c` is one of them.
    pub fn contains(&self, c: &Channel) -> bool {
        self.0.contains(c)
    }
}

impl TryFrom<Vec<String>> for Channels {
    type Error = String;

    fn try_from(names: Vec<String>) -> Result<Self, String> {
        names
            .iter()
            .map(|n| match Channel::parse(n) {
                Some(c) if !n.trim().is_empty() => Ok(c),
                _ => Err(format!(
                    "unknown channel `{n}` (known: {})",
                    Channel::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Channels)
    }
}

impl From<Channels> for Vec<String> {
    fn from(c: Channels) -> Vec<String> {
        c.0.iter().map(|c| c.as_str().to_owned()).collect()
    }
}

/// ISO 3166-1 alpha-2 country codes named in a list, parsed once at load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Countries(Vec<Country>);

impl Countries {
    /// The countries, in the order given.
    pub fn as_slice(&self) -> &[Country] {
        &self.0
    }
}

impl TryFrom<Vec<String>> for Countries {
    type Error = String;

    fn try_from(codes: Vec<String>) -> Result<Self, String> {
        codes
            .iter()
            .map(|c| {
                Country::parse(c).ok_or_else(|| format!("`{c}` is not a 2-letter ISO 3166-1 country code"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Countries)
    }
}

impl From<Countries> for Vec<String> {
    fn from(c: Countries) -> Vec<String> {
        c.0.iter().map(|c| c.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_refused_with_the_rule() {
        assert_eq!(Days::try_from(-5.0).unwrap_err(), "must be > 0, got -5");
        assert_eq!(Share::try_from(1.5).unwrap_err(), "must be within 0..1, got 1.5");
        assert!(Share::try_from(f64::NAN).is_err());
        assert_eq!(Count::<1>::try_from(0).unwrap_err(), "must be at least 1, got 0");
        assert_eq!(Count::<2>::try_from(-3).unwrap_err(), "must be at least 2, got -3");
        assert!(Channels::try_from(vec!["wire".to_owned(), "pigeon".to_owned()]).is_err());
        assert!(Countries::try_from(vec!["XYZ".to_owned()]).is_err());
    }

    #[test]
    fn good_values_keep_their_spelling() {
        assert_eq!(Days::try_from(30.0).map(f64::from), Ok(30.0));
        assert_eq!(Count::<2>::try_from(2).map(i64::from), Ok(2));
        let ch = Channels::try_from(vec!["wire".to_owned()]).unwrap();
        assert_eq!(Vec::<String>::from(ch), vec!["wire"]);
    }
}

//! A typed amount floor: a detector's smallest amount, stated against the dump's own
//! amount distribution (see [`crate::graph::Scale`]) instead of in one world's currency
//! units. The reporting thresholds of the law (UB2) are the only absolute amounts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An amount floor stated against the dump's own amount distribution: `times` × the
/// transfer amount at `percentile`. Written `"p75"` (the 75th percentile transfer) or
/// `"5 x p50"` (five median transfers) in the configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmountFloor {
    /// Multiple of the percentile amount (> 0).
    pub times: f64,
    /// Percentile of the dump's transfer amounts (0..=100).
    pub percentile: f64,
}

impl AmountFloor {
    /// `times` × the amount at `percentile`.
    pub const fn new(times: f64, percentile: f64) -> AmountFloor {
        AmountFloor { times, percentile }
    }
}

impl fmt::Display for AmountFloor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.times == 1.0 {
            write!(f, "p{}", self.percentile)
        } else {
            write!(f, "{} x p{}", self.times, self.percentile)
        }
    }
}

impl FromStr for AmountFloor {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "`{text}` is no amount floor: write `pQ` (the dump's Q-th percentile transfer, 0..100) or `K x pQ` (K times it, K > 0), e.g. \"5 x p50\""
            )
        };
        let (times, quantile) = match text.split_once(['x', 'X', '*', '×']) {
            Some((k, q)) => (k.trim().parse::<f64>().map_err(|_| bad())?, q.trim()),
            None => (1.0, text.trim()),
        };
        let percentile =
            quantile.strip_prefix(['p', 'P']).and_then(|q| q.trim().parse::<f64>().ok()).ok_or_else(bad)?;
        if !(times.is_finite() && times > 0.0 && (0.0..=100.0).contains(&percentile)) {
            return Err(bad());
        }
        Ok(AmountFloor { times, percentile })
    }
}

impl Serialize for AmountFloor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AmountFloor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_parse_print_and_reject_nonsense() {
        let f: AmountFloor = "5 x p50".parse().unwrap();
        assert_eq!(f, AmountFloor::new(5.0, 50.0));
        assert_eq!(f.to_string(), "5 x p50");
        assert_eq!("p75".parse::<AmountFloor>().unwrap(), AmountFloor::new(1.0, 75.0));
        assert_eq!("0.5x P90".parse::<AmountFloor>().unwrap(), AmountFloor::new(0.5, 90.0));
        for bad in ["10000", "p101", "-1 x p50", "0 x p50", "x p50", "5 x 50", ""] {
            assert!(bad.parse::<AmountFloor>().is_err(), "{bad}");
        }
    }
}

//! Conversion to the base currency with the rate of the transfer's date
//! (the nearest earlier date with a rate).

use std::collections::BTreeMap;

use crate::model::Currency;
use crate::units::DAY;

/// Daily rates, per currency, to the base currency.
#[derive(Debug, Clone, Default)]
pub struct FxTable {
    base: Option<Currency>,
    rates: BTreeMap<Currency, Vec<(i64, f64)>>,
}

impl FxTable {
    /// An empty table for `base`.
    pub fn new(base: Currency) -> FxTable {
        FxTable { base: Some(base), rates: BTreeMap::new() }
    }

    /// Adds a rate; returns false if that currency already has one on that day.
    pub fn insert(&mut self, day_start: i64, currency: Currency, rate_to_base: f64) -> bool {
        let day = day_start.div_euclid(DAY);
        let list = self.rates.entry(currency).or_default();
        if list.iter().any(|(d, _)| *d == day) {
            return false;
        }
        list.push((day, rate_to_base));
        true
    }

    /// True when no currency has a rate (only the base converts).
    pub fn is_empty(&self) -> bool {
        self.rates.is_empty()
    }

    /// Sorts the rates; call once after the last insert.
    pub fn seal(&mut self) {
        for list in self.rates.values_mut() {
            list.sort_by_key(|(d, _)| *d);
        }
    }

    /// Currencies with a rate, plus the base, sorted.
    pub fn currencies(&self) -> Vec<Currency> {
        let mut v: Vec<Currency> = self.rates.keys().copied().chain(self.base).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Rate for `currency` at `time`: 1 for the base, else the nearest earlier date's.
    pub fn rate(&self, currency: Currency, time: i64) -> Result<f64, String> {
        if Some(currency) == self.base {
            return Ok(1.0);
        }
        let list =
            self.rates.get(&currency).ok_or_else(|| format!("no fx rate for {currency} in fx_rates"))?;
        let day = time.div_euclid(DAY);
        let k = list.partition_point(|(d, _)| *d <= day);
        if k == 0 {
            return Err(format!(
                "no fx rate for {currency} on or before {}",
                crate::units::format_date(time)
            ));
        }
        Ok(list[k - 1].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_earlier_date_and_base_is_one() {
        let usd = Currency::parse("USD").unwrap();
        let cny = Currency::parse("CNY").unwrap();
        let mut fx = FxTable::new(usd);
        assert!(fx.insert(10 * DAY, cny, 0.14));
        assert!(fx.insert(12 * DAY, cny, 0.15));
        assert!(!fx.insert(12 * DAY + 5, cny, 0.16));
        fx.seal();
        assert_eq!(fx.rate(usd, 0), Ok(1.0));
        assert_eq!(fx.rate(cny, 11 * DAY + 100), Ok(0.14));
        assert_eq!(fx.rate(cny, 12 * DAY), Ok(0.15));
        assert_eq!(fx.rate(cny, 400 * DAY), Ok(0.15));
        assert!(fx.rate(cny, 9 * DAY).is_err());
        assert!(fx.rate(Currency::parse("EUR").unwrap(), 11 * DAY).is_err());
    }
}

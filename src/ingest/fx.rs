//! Conversion to the base currency with the rate of the transfer's date
//! (the nearest earlier date with a rate).

use std::collections::BTreeMap;

use crate::model::Currency;
use crate::units::DAY;

/// Days of rates held day by day, over all currencies: a rate is then read by its day
/// rather than searched for, once per transfer (a search was 6% of ingest). Tables
/// spanning more days, all told, keep the search for the rest.
const DAY_BY_DAY: usize = 1 << 22;

/// Daily rates, per currency, to the base currency.
#[derive(Debug, Clone, Default)]
pub struct FxTable {
    base: Option<Currency>,
    rates: BTreeMap<Currency, Vec<(i64, f64)>>,
    /// Per currency, once sealed: its first day and the rate in force on every day from
    /// then to its last.
    by_day: BTreeMap<Currency, (i64, Vec<f64>)>,
}

impl FxTable {
    /// An empty table for `base`.
    pub fn new(base: Currency) -> FxTable {
        FxTable { base: Some(base), rates: BTreeMap::new(), by_day: BTreeMap::new() }
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
        self.by_day.clear();
        let mut held = 0usize;
        for (&currency, list) in &self.rates {
            let (Some(&(first, _)), Some(&(last, _))) = (list.first(), list.last()) else { continue };
            let days = usize::try_from(last - first + 1).unwrap_or(usize::MAX);
            if days > DAY_BY_DAY - held {
                continue;
            }
            held += days;
            let mut in_force = Vec::with_capacity(days);
            for (k, &(day, rate)) in list.iter().enumerate() {
                let until = list.get(k + 1).map_or(last + 1, |&(next, _)| next);
                in_force.extend(std::iter::repeat_n(rate, (until - day) as usize));
            }
            self.by_day.insert(currency, (first, in_force));
        }
    }

    /// Currencies with a rate, plus the base, sorted.
    pub fn currencies(&self) -> Vec<Currency> {
        let mut v: Vec<Currency> = self.rates.keys().copied().chain(self.base).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The rates of `currency` as [`FxTable::rate`] reads them, found once for the rows
    /// of one currency that follow each other.
    pub fn rates_of(&self, currency: Currency) -> RatesOf<'_> {
        if Some(currency) == self.base {
            return RatesOf::Base;
        }
        match self.by_day.get(&currency) {
            Some((first, in_force)) => RatesOf::ByDay { first: *first, in_force },
            None => RatesOf::Searched,
        }
    }

    /// Rate for `currency` at `time`: 1 for the base, else the nearest earlier date's.
    pub fn rate(&self, currency: Currency, time: i64) -> Result<f64, String> {
        if let Some(rate) = self.rates_of(currency).at(time) {
            return Ok(rate);
        }
        let day = time.div_euclid(DAY);
        let list =
            self.rates.get(&currency).ok_or_else(|| format!("no fx rate for {currency} in fx_rates"))?;
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

/// One currency's rates, from [`FxTable::rates_of`].
#[derive(Debug, Clone, Copy)]
pub enum RatesOf<'a> {
    /// The base currency: 1 on every day.
    Base,
    /// The rate in force on every day from `first` on.
    ByDay {
        /// Day of the first rate.
        first: i64,
        /// Rate in force on each day from `first`.
        in_force: &'a [f64],
    },
    /// Kept as a list to search ([`FxTable::rate`] reads it).
    Searched,
}

impl RatesOf<'_> {
    /// The rate at `time` when these rates hold it; `None` sends the caller to
    /// [`FxTable::rate`], which also says why a day has none.
    pub fn at(&self, time: i64) -> Option<f64> {
        match *self {
            RatesOf::Base => Some(1.0),
            RatesOf::ByDay { first, in_force } => {
                usize::try_from(time.div_euclid(DAY) - first).ok().and_then(|k| in_force.get(k)).copied()
            }
            RatesOf::Searched => None,
        }
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

    #[test]
    fn rates_read_by_day_are_the_searched_ones() {
        let usd = Currency::parse("USD").unwrap();
        let (cny, eur) = (Currency::parse("CNY").unwrap(), Currency::parse("EUR").unwrap());
        let mut fx = FxTable::new(usd);
        for (day, rate) in [(3, 0.11), (4, 0.12), (9, 0.13), (10, 0.14), (30, 0.2)] {
            assert!(fx.insert(day * DAY, cny, rate));
        }
        // A span too long to hold day by day is searched.
        assert!(fx.insert(-5 * DAY, eur, 1.1));
        assert!(fx.insert((DAY_BY_DAY as i64) * DAY, eur, 1.2));
        fx.seal();
        assert!(fx.by_day.contains_key(&cny) && !fx.by_day.contains_key(&eur));
        let searched = |c: Currency, day: i64| {
            let list = &fx.rates[&c];
            let k = list.partition_point(|(d, _)| *d <= day);
            (k > 0).then(|| list[k - 1].1)
        };
        for day in -10..40 {
            for c in [cny, eur] {
                for t in [day * DAY, day * DAY + DAY - 1] {
                    assert_eq!(fx.rate(c, t).ok(), searched(c, day), "{c} day {day}");
                }
            }
        }
    }
}

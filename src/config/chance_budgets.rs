//! The chance budgets of every detector's tests, widened together.

use super::params::Multiple;
use super::Config;

impl Config {
    /// This configuration with every chance budget (each table's `expected_by_chance`
    /// and `spread_expected_by_chance`: the hits its tests allow by coincidence over the
    /// dump) `factor` times as large, everything else as it is; a factor below 1, or not
    /// finite, leaves it as it is.
    pub fn with_chance_budgets_times(&self, factor: f64) -> Config {
        if !(factor.is_finite() && factor >= 1.0) {
            return self.clone();
        }
        let mut c = self.clone();
        for budget in c.chance_budgets_mut() {
            *budget = Multiple::try_from(budget.get() * factor).unwrap_or(*budget);
        }
        c
    }

    /// Whether `other` is this configuration but for its chance budgets: a search that
    /// reads no budget finds under one what it finds under the other.
    pub fn same_but_chance_budgets(&self, other: &Config) -> bool {
        let mut c = other.clone();
        let mine = self.clone().chance_budgets_mut().map(|b| *b);
        for (budget, own) in c.chance_budgets_mut().into_iter().zip(mine) {
            *budget = own;
        }
        c.hash() == self.hash()
    }

    /// Every chance budget.
    fn chance_budgets_mut(&mut self) -> [&mut Multiple; 11] {
        [
            &mut self.ub2.expected_by_chance,
            &mut self.ub3.expected_by_chance,
            &mut self.fan_in.expected_by_chance,
            &mut self.fan_in.spread_expected_by_chance,
            &mut self.fan_out.expected_by_chance,
            &mut self.fan_out.spread_expected_by_chance,
            &mut self.gather_scatter.expected_by_chance,
            &mut self.scatter_gather.expected_by_chance,
            &mut self.cycle.expected_by_chance,
            &mut self.random.expected_by_chance,
            &mut self.bipartite.expected_by_chance,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of `doc` (tables flattened to `table.key`) with its value.
    fn flat(doc: &toml::Value) -> Vec<(String, toml::Value)> {
        let mut out = Vec::new();
        if let toml::Value::Table(t) = doc {
            for (k, v) in t {
                match v {
                    toml::Value::Table(_) => {
                        out.extend(flat(v).into_iter().map(|(inner, v)| (format!("{k}.{inner}"), v)));
                    }
                    _ => out.push((k.clone(), v.clone())),
                }
            }
        }
        out
    }

    #[test]
    fn every_chance_budget_and_nothing_else_is_widened() {
        let c = Config::default_config().unwrap();
        let wide = c.with_chance_budgets_times(4.0);
        let (before, after) =
            (flat(&toml::Value::try_from(&c).unwrap()), flat(&toml::Value::try_from(&wide).unwrap()));
        assert_eq!(before.len(), after.len());
        let mut widened = 0;
        for ((key, was), (_, now)) in before.iter().zip(&after) {
            if key.ends_with("expected_by_chance") {
                // A key the list above forgot would stay as it was and fail here.
                assert_eq!(now.as_float(), was.as_float().map(|v| v * 4.0), "{key}");
                widened += 1;
            } else {
                assert_eq!(now, was, "{key}");
            }
        }
        assert_eq!(widened, 11);
    }

    #[test]
    fn a_configuration_widened_differs_only_in_its_chance_budgets() {
        let c = Config::default_config().unwrap();
        assert!(c.same_but_chance_budgets(&c.with_chance_budgets_times(7.5)));
        assert!(c.with_chance_budgets_times(7.5).same_but_chance_budgets(&c));
        let other = Config::with_overrides("[cycle]\nmax_hops = 7", "t").unwrap();
        assert!(!c.same_but_chance_budgets(&other));
        assert!(!c.same_but_chance_budgets(&other.with_chance_budgets_times(2.0)));
    }

    #[test]
    fn a_factor_below_one_or_not_a_number_leaves_the_budgets() {
        let c = Config::default_config().unwrap();
        for f in [0.5, f64::NAN, f64::INFINITY] {
            assert_eq!(c.with_chance_budgets_times(f).hash(), c.hash(), "{f}");
        }
    }
}

//! What a pass reads in time: how long one of its results may span, and what it reads
//! besides the result's own transfers. A run split into time windows (a partition owns
//! `[t, t + W)` and must load what its passes read around it) needs both: the span says
//! how far before the window a result anchored in it may start, and the reads say which
//! statistics must come from the whole dump rather than from the partition's rows.
//!
//! Every detector declares its lookback ([`crate::detect::Detector::lookback`]); run.json
//! lists them, and tests/lookback.rs checks each declared span against the hits of
//! generated dumps. `features` ([`crate::features::lookback`]) and `trace`
//! ([`crate::trace::lookback`]) declare theirs too, and print them in their summaries.

use serde::Serialize;

/// How long one hit may span, from its first to its last proving transfer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Span {
    /// At most this many days, from the configuration.
    Days {
        /// The bound.
        days: f64,
    },
    /// No bound: what the hit gathers may lie anywhere in the dump.
    Unbounded {
        /// Why.
        why: &'static str,
    },
}

/// Something a detector reads besides its hits' own transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reads {
    /// The dump's amount quantiles (floors, amount bands): one small table per dump.
    AmountQuantiles,
    /// Each account's number of transfers over the dump (its rate, and whether it is as
    /// busy as a business): one number per account.
    AccountRate,
    /// How many accounts pay an account over the dump: one number per account.
    Popularity,
    /// Whether a payment is its payer's only one to that payee over the dump: one flag
    /// per transfer.
    PairCounts,
    /// Who pays whom back over the dump: whether a payee ever paid its payer (one flag
    /// per pair), and with how many parties an account deals both ways (one number per
    /// account).
    TwoWay,
    /// An account's transfers over the whole dump (first-in first-out dwell, its usual
    /// amounts, which counterparties are new, its whole life): not a small table, so a
    /// time partition needs a bounded horizon for it.
    AccountHistory,
    /// What each customer paid anyone on each day, by kind and currency (the sums the
    /// reporting rules count): one group per transfer.
    CustomerDays,
    /// Reference data without time: holders, kinds, countries, entity links.
    Reference,
}

/// A detector's lookback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lookback {
    /// How long one hit may span.
    pub span: Span,
    /// What it reads besides the hits' own transfers, sorted.
    pub reads: Vec<Reads>,
}

impl Lookback {
    /// A hit spans at most `days`.
    pub fn days(days: f64, reads: &[Reads]) -> Lookback {
        Lookback { span: Span::Days { days }, reads: sorted(reads) }
    }

    /// A hit may span the whole dump, for the reason given.
    pub fn unbounded(why: &'static str, reads: &[Reads]) -> Lookback {
        Lookback { span: Span::Unbounded { why }, reads: sorted(reads) }
    }

    /// The bound on a hit's span in days, if there is one.
    pub fn span_days(&self) -> Option<f64> {
        match self.span {
            Span::Days { days } => Some(days),
            Span::Unbounded { .. } => None,
        }
    }

    /// One line for a summary: `lookback 1 day; reads nothing else`.
    pub fn words(&self) -> String {
        let span = match &self.span {
            Span::Days { days } if *days == 1.0 => "lookback 1 day".to_owned(),
            Span::Days { days } => format!("lookback {days} days"),
            Span::Unbounded { why } => format!("lookback unbounded ({why})"),
        };
        if self.reads.is_empty() {
            return format!("{span}; reads nothing else");
        }
        let reads: Vec<&str> = self.reads.iter().map(|r| r.words()).collect();
        format!("{span}; also reads {}", reads.join(", "))
    }
}

impl Reads {
    /// What it is, in a few words.
    pub fn words(self) -> &'static str {
        match self {
            Reads::AmountQuantiles => "the dump's amount quantiles",
            Reads::AccountRate => "each account's rate over the dump",
            Reads::Popularity => "how many accounts pay each account",
            Reads::PairCounts => "one-off flags of payer-payee pairs",
            Reads::TwoWay => "who pays whom back",
            Reads::AccountHistory => "accounts' whole histories",
            Reads::CustomerDays => "what each customer paid anyone on each day",
            Reads::Reference => "reference data",
        }
    }
}

/// Which transfer of a hit places it in time: the part of a partitioned run that owns
/// this transfer's time reports the hit, and no other part does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The hit's earliest proving transfer (a search that follows money forward from it).
    FirstTransfer,
    /// The hit's latest proving transfer.
    LastTransfer,
}

/// How a detector runs on parts of a dump, each part owning some of it and loading what
/// the hits it owns read; what they read besides is shared with the whole dump (the
/// account attributes, the scale, per-account counts and the pair index of
/// [`crate::graph::FlowGraph`], per-transfer tables measured over the dump).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum PartRule {
    /// Parts of time: each owns `[t, t + W)` and loads the transfers from `before_days`
    /// ahead of it to `after_days` past it; a hit belongs to the part that owns its
    /// anchor transfer. For searches that follow money from one transfer.
    Time {
        /// The transfer that places a hit in a part.
        anchor: Anchor,
        /// How far before its anchor a hit's search reads, in days.
        before_days: f64,
        /// How far after its anchor a hit's search reads, in days.
        after_days: f64,
    },
    /// Parts of accounts: each owns some accounts and loads every transfer they made or
    /// received, over the whole dump; a hit belongs to the part that owns its account
    /// with the `anchor` role. For detectors that read one account's own history (its
    /// bursts, its habits, its dwell) rather than where money went next.
    Account {
        /// The role of the account a hit is about (the hub of a fan, ...); `None`: any of
        /// its accounts (all of them in one group the detector keeps together, see
        /// [`crate::detect::Detector::account_groups`]).
        anchor: Option<crate::detect::Role>,
    },
    /// Parts of account pairs, for a detector whose hit is about two accounts that need
    /// not deal with each other (a mirror network): parts of time, each reading
    /// `gap_days` around it, name the pairs worth reading
    /// ([`crate::detect::Detector::account_pairs`]); each pair then belongs to one part,
    /// which loads every transfer of both accounts and keeps the hits about one of its
    /// pairs ([`crate::detect::Hit::pair`]).
    Pairs {
        /// How far around a part of time the pairs' candidates are read, in days.
        gap_days: f64,
        /// Also load every payment of the accounts the pair's accounts paid (where a hit
        /// follows the money one step on).
        with_payees: bool,
    },
    /// Parts of time find what the detector's hits are made of in the time they own
    /// (candidate layers of first payments, two-hop paths), each loading the transfers
    /// from `before_days` ahead of it to `after_days` past it
    /// ([`crate::detect::Detector::found_in_part`]); what every part found then goes to
    /// one place, where the detector puts its hits together
    /// ([`crate::detect::Detector::run_on_found`]), reading the dump there only for
    /// per-account counts and the accounts of its hits. For hits that add up pieces from
    /// anywhere in the dump (a source's legs through the same intermediaries) or that
    /// are weighed against every other candidate of the dump (bipartite layers).
    Gathered {
        /// How far before the time a part owns what it finds reads, in days.
        before_days: f64,
        /// How far after it, in days.
        after_days: f64,
    },
}

fn sorted(reads: &[Reads]) -> Vec<Reads> {
    let mut r = reads.to_vec();
    r.sort_unstable();
    r.dedup();
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::detect::registry;

    #[test]
    fn every_detector_declares_what_it_reads() {
        let config = Config::default_config().expect("the default configuration parses");
        for d in registry() {
            let l = d.lookback(&config);
            assert!(
                !l.reads.is_empty(),
                "{}: every detector reads at least reference data or a floor",
                d.pattern()
            );
            if let Some(days) = l.span_days() {
                assert!(days > 0.0 && days.is_finite(), "{}: {days}", d.pattern());
            }
        }
    }

    #[test]
    fn words_say_span_and_reads() {
        assert_eq!(Lookback::days(1.0, &[]).words(), "lookback 1 day; reads nothing else");
        assert_eq!(
            Lookback::unbounded("to the end", &[Reads::Reference, Reads::AccountHistory]).words(),
            "lookback unbounded (to the end); also reads accounts' whole histories, reference data"
        );
    }

    #[test]
    fn reads_are_sorted_and_once() {
        let l = Lookback::days(7.0, &[Reads::Reference, Reads::AmountQuantiles, Reads::Reference]);
        assert_eq!(l.reads, vec![Reads::AmountQuantiles, Reads::Reference]);
        assert_eq!(l.span_days(), Some(7.0));
        assert_eq!(Lookback::unbounded("life", &[Reads::AccountHistory]).span_days(), None);
    }
}

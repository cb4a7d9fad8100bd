//! A detector's candidates kept for every chance budget up to a widest one, so that a run
//! under a wider budget ([`crate::detect::registry::ChanceBudget`]) reads them again
//! rather than searching the dump again.
//!
//! It serves a detector whose chance tests are thresholds each candidate passes or
//! fails: every candidate carries what its test read (its level, the least a budget must
//! allow for it to pass, or the readings its chance is computed from), and the hits
//! under a budget are the candidates it passes, read as [`crate::detect::Detector::run`]
//! reads them. The search does not depend on the budget; only what it keeps does, and a
//! budget up to `times` the configured one keeps its coincidences to about that many, so
//! the candidates stay few.
//!
//! A search whose budget decides which way it goes (which of an account's bursts it
//! reads next) keeps no candidates: it keeps, account by account, what it found and the
//! least its budget refused ([`Refused`]), and a wider budget searches again only where
//! it allows one of those refusals.

use super::context::Context;
use super::registry::Outcome;

/// What one search kept for every chance budget up to the widest it was run for
/// ([`crate::detect::Detector::search_graded`]).
pub trait Graded {
    /// The hits under `ctx`'s configuration, the same, in the same order, as
    /// [`crate::detect::Detector::run`] finds under it; `None` when its chance budget is
    /// wider than the one searched for, or what was kept cannot say bit for bit what a
    /// search under it finds (the detector then searches again).
    fn at(&self, ctx: &Context<'_>) -> Option<Outcome>;
}

/// The least expected count of coincidences a chance budget turned away in one search.
///
/// A search whose every read of its budget is [`Refused::allows`] or
/// [`Refused::refuses`], and whose every
/// other step reads no budget, takes the same steps under any budget from the one it ran
/// under up to (not including) [`Refused::least`]: what it allowed stays allowed, what
/// it refused stays refused. A search that goes one account at a time can so keep its
/// hits and, for each account, the least it refused: a wider budget searches again only
/// the accounts whose least it allows.
#[derive(Debug)]
pub struct Refused(std::cell::Cell<f64>);

impl Default for Refused {
    fn default() -> Refused {
        Refused(std::cell::Cell::new(f64::INFINITY))
    }
}

impl Refused {
    /// Whether `expected` (coincidences expected by chance) is within `budget`, the
    /// comparison every chance test makes; a refusal is remembered. A NaN is refused
    /// under every budget, so it is never a budget's to allow.
    pub fn allows(&self, expected: f64, budget: f64) -> bool {
        let allowed = expected <= budget;
        if !allowed && !expected.is_nan() {
            self.0.set(self.0.get().min(expected));
        }
        allowed
    }

    /// Whether `expected` is over `budget`, the comparison of a test that lets a NaN
    /// pass; a refusal is remembered.
    pub fn refuses(&self, expected: f64, budget: f64) -> bool {
        let refused = expected > budget;
        if refused {
            self.0.set(self.0.get().min(expected));
        }
        refused
    }

    /// The least expected count refused so far (infinite when none was).
    pub fn least(&self) -> f64 {
        self.0.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_keeps_the_least_it_turned_away_and_nothing_it_allowed() {
        let refused = Refused::default();
        assert_eq!(refused.least(), f64::INFINITY);
        assert!(refused.allows(0.5, 1.0));
        assert!(refused.allows(1.0, 1.0));
        assert_eq!(refused.least(), f64::INFINITY, "what it allowed is no refusal");
        assert!(!refused.allows(7.0, 1.0));
        assert!(!refused.allows(3.0, 1.0));
        assert!(!refused.allows(f64::NAN, 1.0));
        assert!(!refused.refuses(f64::NAN, 1.0), "the other comparison lets a NaN pass");
        assert!(refused.refuses(5.0, 1.0) && !refused.refuses(1.0, 1.0));
        assert_eq!(refused.least(), 3.0, "the least refused; a NaN is none");
    }
}

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

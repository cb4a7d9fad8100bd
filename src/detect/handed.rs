//! What a part of a dump is handed of the whole dump (`analyze --partition-window`):
//! the tables its detectors read beyond its own transfers and the counts its graph
//! carries, measured over the whole dump and cut to the part.
//!
//! A part reads the whole dump only through these tables and its graph's dump-wide
//! counts ([`crate::graph::FlowGraph::time_part`]), never through the whole dump's
//! graph: a task that holds one part and its tables finds what a run that holds the
//! whole dump finds there. Each detector hands its own tables
//! ([`crate::detect::Detector::hand_to_part`]).

use std::sync::Arc;

use crate::graph::algo::exact_cuts::DumpCuts;
use crate::graph::algo::one_off::OneOffPayments;
use crate::graph::algo::rhythm_breaks::{OffRhythmPayments, PeerBreakRates};
use crate::graph::algo::stranger_loops::StrangerPayments;

use super::search::first_payments::FirstPayments;
use super::search::gather_scatter::WholeLife;
use super::search::shell_profile::ShellProfile;
use super::underground::ub2_structuring::BandedDays;

/// The whole dump's tables one part reads, each cut to the part (its edge ids, its
/// accounts), each present when a detector that runs in the part reads it.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Handed {
    /// Which of the part's transfers are their payer's only payment to their payee over
    /// the dump (cycle, scatter_gather, gather_scatter, OS4).
    pub(crate) one_off: Option<OneOffPayments>,
    /// The strongly connected components of the whole dump's transfers on the cycle's
    /// channels, by account (the cycle detector): a part's searches go where a whole
    /// run's go, so they follow, and count, the same paths.
    pub(crate) cycle_components: Option<Vec<u32>>,
    /// One-off payments on the cycle's channels, indexed for loops among strangers, with
    /// how rare each one's size is for its payer over the dump (the cycle detector).
    pub(crate) strangers: Option<StrangerPayments>,
    /// Customer-days (what a customer paid anyone that day) banded under or over a
    /// reporting threshold, per target (UB2).
    pub(crate) banded_days: Option<BandedDays>,
    /// Each pair's first counted payment and each payer's receivers over the dump
    /// (bipartite, stack).
    pub(crate) first_payments: Option<FirstPayments>,
    /// How many accounts of the dump dealt with each counterparty once (gather_scatter).
    pub(crate) whole_life: Option<WholeLife>,
    /// The shares the dump's accounts pass on exactly, and its cuts (gather_scatter).
    pub(crate) cuts: Option<DumpCuts>,
    /// How often the dump's rhythmic persons and businesses pay someone new off their
    /// rhythm (fan_out).
    pub(crate) breaks: Option<PeerBreakRates>,
    /// The part's transfers made off their maker's rhythm, with the dump's rates and
    /// count of them (random).
    pub(crate) off_rhythm: Option<OffRhythmPayments>,
    /// Shell profiles of the dump's company accounts, by node (OS2, OS3): a profile reads
    /// the company's whole life.
    pub(crate) shells: Option<Arc<Vec<Option<ShellProfile>>>>,
}

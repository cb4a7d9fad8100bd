//! Detection: one [`Detector`] per pattern, one file per detector, all behind one trait.
//! Each detector is a read-only parallel (rayon) pass over the [`FlowGraph`] that emits
//! [`Hit`]s in a deterministic order, whatever the thread count.
//!
//! - [`underground`], [`offshore`], [`motifs`]: the detectors, by family of
//!   `typologies.md`, one per file;
//! - [`search`]: the searches several detectors share (fans, mirror networks, bicliques,
//!   shell profiles, scatter-gathers); a detector never imports another detector;
//! - [`registry`](mod@registry): the trait, every detector in run order, and `run_all`;
//! - [`arbitration`]: which hits stay when detectors see the same accounts;
//! - [`hit`], [`role`], [`context`]: what a detector reads and writes;
//! - [`graded`]: a search's candidates kept for wider chance budgets.
//!
//! [`FlowGraph`]: crate::graph::FlowGraph

pub mod arbitration;
pub mod context;
pub mod graded;
pub mod handed;
pub mod hit;
pub mod motifs;
pub mod offshore;
pub mod parts;
pub mod registry;
pub mod role;
pub mod search;
pub mod underground;

pub use crate::lookback::{Anchor, Lookback, PartRule, Reads, Span};
pub use context::Context;
pub use hit::{Hit, HitAccount, HitBuilder};
pub use parts::Found;
pub use registry::{registry, run_all, run_all_in, Detector, DetectorRun, Outcome};
pub use role::Role;

#[cfg(test)]
mod injected_props;
#[cfg(test)]
pub(crate) mod look_alikes;
#[cfg(test)]
pub(crate) mod testkit;

//! The graph of a part of a dump, built where the whole dump is not held: a task of a
//! run spread over machines is handed the part's transfers ([`PartTransfers`]) and, once
//! for all its parts, what every part's graph shares of the whole dump
//! ([`GraphReference`]: the accounts' attributes, the dump's scale, its dump-wide
//! counts). The graph it builds is the one [`FlowGraph::time_part`] or
//! [`FlowGraph::edge_part`] gives where the whole dump is held.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::payment_sizes::PaymentSizes;
use super::{AccountAttrs, DumpWide, EdgeRows, Edges, FlowGraph, PairIndex, Scale};

/// What every graph of a part of one dump shares of the whole dump: the accounts'
/// attributes, the dump's scale and its dump-wide counts (each account's sent transfers
/// and intake, the span, who paid whom how often, what sizes each account pays).
#[derive(Debug)]
pub struct GraphReference {
    accounts: AccountAttrs,
    scale: Scale,
    dump_wide: Arc<DumpWide>,
}

/// The transfers of one part of a dump, in the whole graph's order, each with its row.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PartTransfers(Edges);

impl PartTransfers {
    /// How many transfers the part holds.
    pub fn len(&self) -> usize {
        self.0.order.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.0.order.is_empty()
    }

    /// The row of each transfer, in order.
    pub fn rows(&self) -> std::borrow::Cow<'_, [u32]> {
        self.0.order.slice(0..self.0.order.len())
    }

    /// The same transfers with their rows numbered from 0 in order: for a part handed
    /// with its own rows of the transfer table, in that order.
    pub fn with_own_rows(mut self) -> PartTransfers {
        self.0.order = EdgeRows::Run { first: 0, len: self.0.order.len() };
        self
    }
}

impl FlowGraph {
    /// What every graph of a part of this graph's dump shares (this graph holding the
    /// whole dump), its dump-wide counts measured if no part has been taken yet.
    pub fn reference(&self) -> GraphReference {
        self.measure_dump_wide();
        GraphReference {
            accounts: self.accounts.clone(),
            scale: self.scale.clone(),
            dump_wide: Arc::clone(&self.dump_wide),
        }
    }

    /// The graph of `transfers`, a part of this graph's dump: [`FlowGraph::time_part`]
    /// or [`FlowGraph::edge_part`] of the transfers they were taken from.
    pub fn part_from(&self, transfers: PartTransfers) -> FlowGraph {
        self.part_of(transfers.0)
    }

    /// This graph's transfers, for [`GraphReference::graph`] (this graph being a part
    /// of the reference's dump): [`GraphReference::graph`] builds this graph again.
    pub fn transfers(&self) -> PartTransfers {
        PartTransfers(self.time_edges(0..self.edge_count()))
    }
}

impl GraphReference {
    /// The graph of `transfers`, a part of this reference's dump.
    pub fn graph(&self, transfers: PartTransfers) -> FlowGraph {
        FlowGraph::part_graph(transfers.0, &self.accounts, &self.scale, &self.dump_wide)
    }
}

/// [`GraphReference`] as it is written.
#[derive(Serialize)]
struct Written<'a> {
    accounts: &'a AccountAttrs,
    scale: &'a Scale,
    permille: &'a [f64],
    sent: &'a [u32],
    transfers: usize,
    span: Option<(i64, i64)>,
    pairs: Option<&'a PairIndex>,
    intake: Option<&'a [f64]>,
    payments: Option<&'a PaymentSizes>,
}

/// [`GraphReference`] as it is read back.
#[derive(Deserialize)]
struct Read {
    accounts: AccountAttrs,
    scale: Scale,
    permille: Vec<f64>,
    sent: Vec<u32>,
    transfers: usize,
    span: Option<(i64, i64)>,
    pairs: Option<PairIndex>,
    intake: Option<Vec<f64>>,
    payments: Option<PaymentSizes>,
}

impl Serialize for GraphReference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let w = &self.dump_wide;
        Written {
            accounts: &self.accounts,
            scale: &self.scale,
            permille: self.scale.permille(),
            sent: &w.sent,
            transfers: w.transfers,
            span: w.span,
            pairs: w.pairs.get(),
            intake: w.intake.get().map(Vec::as_slice),
            payments: w.payments.get(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for GraphReference {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = Read::deserialize(d)?;
        Ok(GraphReference {
            accounts: r.accounts,
            scale: r.scale.with_permille(r.permille),
            dump_wide: Arc::new(DumpWide {
                sent: r.sent,
                transfers: r.transfers,
                span: r.span,
                pairs: once(r.pairs),
                intake: once(r.intake),
                payments: once(r.payments),
                payer_counts: OnceLock::new(),
            }),
        })
    }
}

/// A cell holding `x`, if there is one.
fn once<T>(x: Option<T>) -> OnceLock<T> {
    let cell = OnceLock::new();
    if let Some(x) = x {
        let _ = cell.set(x);
    }
    cell
}

//! What a detector may read: the graph, the dump, the configuration, and the searches
//! several detectors share (computed once, on first use).

use crate::config::Config;
use crate::graph::algo::one_off::OneOffPayments;
use crate::graph::algo::rhythm_breaks::RhythmCensus;
use crate::graph::algo::stranger_loops::StrangerPayments;
use crate::graph::FlowGraph;
use crate::model::{Availability, Channel, Dump, TransferTable};

use super::handed::Handed;
use super::search::{bicliques, mirrors, shell_profile};

/// What a detector may read.
pub struct Context<'a> {
    /// The graph.
    pub graph: &'a FlowGraph,
    /// The dump (ids and names for reasons).
    pub dump: &'a Dump,
    /// Run configuration.
    pub config: &'a Config,
    /// Searches more than one detector reads, computed once on first use.
    pub(crate) shared: Shared,
    /// For a part of the dump ([`crate::detect::parts`]): the whole dump's tables it was
    /// handed, cut to it, and which of the whole graph's edges its graph holds.
    pub(crate) whole: Option<(&'a Handed, PartEdges<'a>)>,
    /// For a part of time, the time it owns, `[from, to)`: a search that starts at its
    /// hit's first transfer need not start outside it (see [`Context::starts_here`]).
    owned_time: Option<(i64, i64)>,
    /// The transfer table the graph's `row` indexes: the dump's, or a part's own rows
    /// when the part was handed here without the dump's.
    transfers: &'a TransferTable,
}

/// Which of the whole graph's edges the graph of a part holds, in order.
#[derive(Debug, Clone, Copy)]
pub enum PartEdges<'a> {
    /// A run of them from this one on (a part of time).
    From(u32),
    /// These, ascending (a part of accounts).
    Listed(&'a [u32]),
}

impl PartEdges<'_> {
    /// The whole graph's edge id of the part's edge `e`.
    pub fn whole(&self, e: u32) -> u32 {
        match self {
            PartEdges::From(first) => first + e,
            PartEdges::Listed(edges) => edges[e as usize],
        }
    }

    /// The part's edge id of the whole graph's edge `e`, if the part holds it (`len`:
    /// the part's edges).
    pub fn part(&self, e: u32, len: usize) -> Option<u32> {
        match self {
            PartEdges::From(first) => e.checked_sub(*first).filter(|&p| (p as usize) < len),
            PartEdges::Listed(edges) => edges.binary_search(&e).ok().map(|p| p as u32),
        }
    }
}

/// The results of searches that several detectors (and lead scoring) share: shell
/// profiles (OS2, OS3, leads), mirror networks (UB3, UB5), bicliques (bipartite,
/// stack) and one-off payments (cycle, scatter_gather, gather_scatter). Each is filled
/// on first use.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) shells: std::sync::OnceLock<std::sync::Arc<Vec<Option<shell_profile::ShellProfile>>>>,
    pub(crate) mirrors: std::sync::OnceLock<Vec<mirrors::MirrorNetwork>>,
    pub(crate) bicliques: std::sync::OnceLock<Vec<bicliques::Biclique>>,
    pub(crate) one_off: std::sync::OnceLock<OneOffPayments>,
    pub(crate) strangers: std::sync::OnceLock<StrangerPayments>,
    /// Other tables a detector measures once over the whole dump, one per type (see
    /// [`Context::measured_once`]).
    memo: Memo,
    /// Those that read no chance budget ([`Context::measured_for_every_budget`]).
    budget_free: Memo,
}

/// Tables measured once, one per type.
type Memo = std::sync::Mutex<Vec<std::sync::Arc<dyn std::any::Any + Send + Sync>>>;

/// The table of type `T` in `memo`, made by `measure` and kept there when it has none.
fn memoized<T: std::any::Any + Send + Sync>(memo: &Memo, measure: impl FnOnce() -> T) -> std::sync::Arc<T> {
    let mut memo = memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = memo.iter().find_map(|m| std::sync::Arc::clone(m).downcast::<T>().ok()) {
        return found;
    }
    let made = std::sync::Arc::new(measure());
    memo.push(made.clone());
    made
}

impl Shared {
    /// The searches of `self` that read the graph alone, never the configuration: the
    /// one-off payments and the rhythm census, measured once over the dump whatever a
    /// detector's budgets.
    fn unconfigured(&self) -> Shared {
        let carried = Shared::default();
        if let Some(one_off) = self.one_off.get() {
            let _ = carried.one_off.set(one_off.clone());
        }
        let memo = self.memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *carried.memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            memo.iter().filter(|m| m.is::<RhythmCensus>()).cloned().collect();
        carried
    }

    /// The searches of `self` that read no chance budget: those of
    /// [`Shared::unconfigured`] and the tables measured for every budget.
    fn unbudgeted(&self) -> Shared {
        let carried = self.unconfigured();
        let budget_free = self.budget_free.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *carried.budget_free.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = budget_free.clone();
        carried
    }
}

impl<'a> Context<'a> {
    /// A context over one run's graph, dump and configuration.
    pub fn new(graph: &'a FlowGraph, dump: &'a Dump, config: &'a Config) -> Self {
        Context {
            graph,
            dump,
            config,
            shared: Shared::default(),
            whole: None,
            owned_time: None,
            transfers: &dump.transfers,
        }
    }

    /// The context of a part of `whole`'s dump, whose graph `part` holds the whole
    /// graph's edges `edges` ([`FlowGraph::time_part`], [`FlowGraph::edge_part`]) and
    /// which reads the whole dump's tables `handed` ([`Handed`]).
    pub fn part(
        whole: &'a Context<'a>,
        part: &'a FlowGraph,
        edges: PartEdges<'a>,
        handed: &'a Handed,
    ) -> Self {
        Context::handed(part, whole.dump, whole.config, edges, handed)
    }

    /// The context of a part of a dump that is not held here: its graph `part` holds the
    /// whole graph's edges `edges`, `dump` the reference tables and the part's rows, and
    /// `handed` what it reads of the whole dump.
    pub fn handed(
        part: &'a FlowGraph,
        dump: &'a Dump,
        config: &'a Config,
        edges: PartEdges<'a>,
        handed: &'a Handed,
    ) -> Self {
        Context {
            graph: part,
            dump,
            config,
            shared: Shared::default(),
            whole: Some((handed, edges)),
            owned_time: None,
            transfers: &dump.transfers,
        }
    }

    /// This context read under `config` (a detector run again with wider chance budgets,
    /// [`crate::detect::registry`]): the same graph, dump and part, and of the searches
    /// computed under the old configuration only those `config` does not change (those
    /// that read no chance budget, when it differs only in those).
    pub fn with_config<'b>(&'b self, config: &'b Config) -> Context<'b> {
        let shared = match config.same_but_chance_budgets(self.config) {
            true => self.shared.unbudgeted(),
            false => self.shared.unconfigured(),
        };
        Context {
            graph: self.graph,
            dump: self.dump,
            config,
            shared,
            whole: self.whole,
            owned_time: self.owned_time,
            transfers: self.transfers,
        }
    }

    /// This context, with `rows` as the transfer table its graph's `row` indexes (a part
    /// handed here with its own rows).
    pub fn with_transfers(self, rows: &'a TransferTable) -> Self {
        Context { transfers: rows, ..self }
    }

    /// The transfer table the graph's `row` indexes (amounts in their own currencies).
    pub fn transfers(&self) -> &'a TransferTable {
        self.transfers
    }

    /// The unit, in the base currency, that transfer `e`'s amount is written to (0 where
    /// its currency's amounts are written to none, [`crate::graph::Scale::amount_unit`]):
    /// two amounts agree to within it by rounding alone.
    pub fn amount_unit(&self, e: u32) -> f64 {
        let g = self.graph;
        let row = g.row.get(e as usize) as usize;
        let t = self.transfers;
        match (t.amount.get(row), t.currency.get(row)) {
            (Some(&own), Some(&currency)) => g.scale.amount_unit(g.amount[e as usize], own, currency),
            _ => 0.0,
        }
    }

    /// This context of a part, owning the time `[from, to)` of a part of time.
    pub fn owning(self, (from, to): (i64, i64)) -> Self {
        Context { owned_time: Some((from, to)), ..self }
    }

    /// Whether a search for hits whose first transfer is at `time` belongs here: outside
    /// a part of time always; inside one, when the part owns that time, since the part
    /// keeps only the hits anchored there (a detector whose hits are anchored at their
    /// first transfer may skip the others' searches; the result is the same).
    pub fn starts_here(&self, time: i64) -> bool {
        self.owned_time.is_none_or(|(from, to)| (from..to).contains(&time))
    }

    /// For a part of time, the time it owns, `[from, to)`.
    pub fn owned_time(&self) -> Option<(i64, i64)> {
        self.owned_time
    }

    /// The whole dump's edge id of this graph's edge `e` (itself outside a part).
    pub fn whole_edge(&self, e: u32) -> u32 {
        self.whole.map_or(e, |(_, edges)| edges.whole(e))
    }
}

impl<'a> Context<'a> {
    /// The whole dump's tables this context of a part was handed; `None` outside a part.
    pub(crate) fn handed_tables(&self) -> Option<&'a Handed> {
        self.whole.map(|(handed, _)| handed)
    }

    /// The table of type `T` that `measure` makes, made once per context: a detector's
    /// own measure of the whole dump that every part of it reads (each detector's table
    /// has a type of its own).
    pub fn measured_once<T: std::any::Any + Send + Sync>(
        &self,
        measure: impl FnOnce() -> T,
    ) -> std::sync::Arc<T> {
        memoized(&self.shared.memo, measure)
    }

    /// [`Context::measured_once`], for a table that reads no chance budget: a context
    /// under wider budgets ([`Context::with_config`]) reads the one made here.
    pub fn measured_for_every_budget<T: std::any::Any + Send + Sync>(
        &self,
        measure: impl FnOnce() -> T,
    ) -> std::sync::Arc<T> {
        memoized(&self.shared.budget_free, measure)
    }

    /// Whether a table of type `T` was measured here for every budget.
    #[cfg(test)]
    fn holds_for_every_budget<T: std::any::Any>(&self) -> bool {
        let memo = self.shared.budget_free.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        memo.iter().any(|m| m.is::<T>())
    }

    /// Which transfers are their sender's only payment to their payee over the whole
    /// dump (measured once; in a part, the cut it was handed, else measured against its
    /// graph's dump-wide pair counts). Measured on every thread, but only when asked
    /// outside a parallel pass: asked first inside one, it is measured by the thread that
    /// asked while the others wait on it (0.4 s on one thread at 10M transfers), so a
    /// pass that reads it asks for it before it starts.
    pub fn one_off_payments(&self) -> &OneOffPayments {
        if let Some(handed) = self.handed_tables().and_then(|h| h.one_off.as_ref()) {
            return handed;
        }
        self.shared.one_off.get_or_init(|| match self.whole {
            Some(_) => OneOffPayments::of_part(self.graph),
            None => OneOffPayments::of(self.graph),
        })
    }

    /// Every payer's rhythm over the whole dump, measured once: the rates at which the
    /// dump's rhythmic persons and businesses break theirs, each account's breaks, and the
    /// transfers made off their maker's rhythm (fan_out, random). A part is handed what
    /// it reads of it.
    pub fn rhythm_census(&self) -> std::sync::Arc<RhythmCensus> {
        debug_assert!(self.whole.is_none(), "a part reads what it was handed of the rhythm census");
        let g = self.graph;
        self.measured_once(|| RhythmCensus::of(&g.accounts.business_like, |v| g.out_list(v)))
    }

    /// The whole dump's one-off payments (this context's), cut to the part whose graph
    /// `part` holds the whole graph's `edges`: what the part is handed.
    pub fn one_off_payments_for_part(&self, part: &FlowGraph, edges: PartEdges<'_>) -> OneOffPayments {
        self.one_off_payments().cut((0..part.edge_count() as u32).map(|e| edges.whole(e)))
    }

    /// The one-off payments on `channels`, indexed for searches among strangers. The
    /// caller holds the index only while it searches (it is large): a whole run builds
    /// it once; a part reads the one it was handed, the whole dump's cut to its
    /// transfers (`channels` must then be the cycle detector's).
    pub fn stranger_payments(&self, channels: &[Channel]) -> std::borrow::Cow<'a, StrangerPayments> {
        match self.handed_tables().and_then(|h| h.strangers.as_ref()) {
            Some(handed) => std::borrow::Cow::Borrowed(handed),
            None => {
                debug_assert!(self.whole.is_none(), "a part reads the stranger payments it was handed");
                let g = self.graph;
                std::borrow::Cow::Owned(StrangerPayments::index(g, self.one_off_payments(), |e| {
                    channels.contains(&g.channel[e as usize])
                }))
            }
        }
    }

    /// The whole dump's one-off payments on `channels`, indexed for searches among
    /// strangers, cut to the part whose graph `part` holds the whole graph's `edges`:
    /// what the part is handed (measured once over the whole dump for every part).
    pub fn stranger_payments_for_part(
        &self,
        channels: &[Channel],
        part: &FlowGraph,
        edges: PartEdges<'_>,
    ) -> StrangerPayments {
        let all = self.shared.strangers.get_or_init(|| self.stranger_payments(channels).into_owned());
        all.part(part, |e| edges.part(e, part.edge_count()))
    }

    /// The account id of node `v`.
    pub fn account(&self, v: u32) -> &str {
        self.dump.accounts.ids.get(v as usize).map(String::as_str).unwrap_or("?")
    }

    /// Up to four account ids, then a count (`A1, A2, A3, A4, +6`).
    pub fn account_list(&self, v: &[u32]) -> String {
        let mut s: Vec<&str> = v.iter().take(4).map(|&a| self.account(a)).collect();
        let more = format!("+{}", v.len().saturating_sub(4));
        if v.len() > 4 {
            s.push(&more);
        }
        s.join(", ")
    }

    /// Which optional tables the dump had.
    pub fn availability(&self) -> Availability {
        self.dump.availability
    }

    /// True when at least one account has a known country.
    pub fn has_countries(&self) -> bool {
        self.graph.accounts.country.iter().any(Option::is_some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Tiny;

    #[test]
    fn a_context_under_another_configuration_keeps_only_what_reads_the_graph_alone() {
        let mut t = Tiny::new();
        t.noise(3, 40, 400, 60);
        let g = t.graph();
        let ctx = Context::new(&g, &t.dump, &t.config);
        let census = ctx.rhythm_census();
        let one_off = ctx.one_off_payments().clone();
        // A detector's own table, measured under the configuration it ran with.
        struct Measured(u32);
        assert_eq!(ctx.measured_once(|| Measured(1)).0, 1);
        let wider = t.config.with_chance_budgets_times(4.0);
        let wide = ctx.with_config(&wider);
        assert!(std::sync::Arc::ptr_eq(&census, &wide.rhythm_census()));
        let edges = 0..g.edge_count() as u32;
        assert!(edges.clone().any(|e| one_off.contains(e)));
        assert!(edges.into_iter().all(|e| wide.one_off_payments().contains(e) == one_off.contains(e)));
        assert_eq!(wide.measured_once(|| Measured(2)).0, 2, "measured again under the new configuration");
    }

    #[test]
    fn a_context_under_wider_chance_budgets_keeps_what_reads_no_budget() {
        let mut t = Tiny::new();
        t.noise(3, 40, 400, 60);
        let g = t.graph();
        let ctx = Context::new(&g, &t.dump, &t.config);
        bicliques::find(&ctx);
        struct Measured(u32);
        assert_eq!(ctx.measured_for_every_budget(|| Measured(1)).0, 1);
        let wider = t.config.with_chance_budgets_times(4.0);
        assert!(ctx.with_config(&wider).holds_for_every_budget::<bicliques::DumpLayers>());
        assert!(ctx.with_config(&wider).holds_for_every_budget::<bicliques::DumpLayerChance>());
        assert_eq!(ctx.with_config(&wider).measured_for_every_budget(|| Measured(2)).0, 1);
        // Another window: the candidate layers are found again.
        let other = Config::with_overrides("[bipartite]\nwindow_days = 3", "t").unwrap();
        assert!(!t.config.same_but_chance_budgets(&other));
        assert!(!ctx.with_config(&other).holds_for_every_budget::<bicliques::DumpLayers>());
        assert!(!ctx.with_config(&other).holds_for_every_budget::<bicliques::DumpLayerChance>());
        assert_eq!(ctx.with_config(&other).measured_for_every_budget(|| Measured(3)).0, 3);
    }
}

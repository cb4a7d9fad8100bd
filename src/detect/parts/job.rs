//! One part's work as a value: everything a part reads ([`PartJob`]) and everything it
//! found ([`PartFound`]), run here or handed to another process ([`PartRunner`]).
//!
//! A run that holds the whole dump builds each part's job from it, one at a time: the
//! part's transfers, the whole dump's tables cut to it ([`Handed`]), which detectors run
//! there and which of their hits the part keeps. What every part shares (the dump's
//! reference tables, the graph's dump-wide counts, the configuration) is its
//! [`DumpReference`], handed once. A job and a reference written to bytes and read back
//! in another process (a Spark executor) find there what they find here, to the bit.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::graph::part::{GraphReference, PartTransfers};
use crate::graph::FlowGraph;
use crate::lookback::Anchor;
use crate::model::{Availability, Currency, Dump, EntityLink, HolderTable, TransferTable};
use crate::pattern::Pattern;
use crate::progress::Progress;

use super::super::context::{Context, PartEdges};
use super::super::handed::Handed;
use super::super::hit::Hit;
use super::super::registry::Detector;
use super::super::role::Role;
use super::Found;

/// Why a part's bytes could not be written or read back.
#[derive(Debug, thiserror::Error)]
pub enum PartBytesError {
    /// The bytes are not a part of this version's form.
    #[error("part bytes: {0}")]
    Form(#[from] postcard::Error),
    /// The configuration handed with the reference does not read back.
    #[error("part bytes: configuration: {0}")]
    Config(String),
    /// A job names a pattern no detector of this build finds.
    #[error("part bytes: no detector finds {0}")]
    Pattern(Pattern),
    /// What ran the parts elsewhere failed, or returned other than one result a job.
    #[error("parts run elsewhere: {0}")]
    Runner(String),
}

/// Which of the whole graph's edges a part holds, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum WholeEdges {
    /// A run of them from this one on (a part of time).
    From(u32),
    /// These, ascending (a part of accounts or of account pairs).
    Listed(Vec<u32>),
}

impl WholeEdges {
    fn as_part_edges(&self) -> PartEdges<'_> {
        match self {
            WholeEdges::From(first) => PartEdges::From(*first),
            WholeEdges::Listed(edges) => PartEdges::Listed(edges),
        }
    }
}

/// What a part owns: the hits it keeps are those anchored there.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Owned {
    /// The time `[from, to)` (a part of time).
    Time(i64, i64),
    /// These accounts, ascending (a part of accounts).
    Accounts(Vec<u32>),
    /// These account pairs, ascending (a part of account pairs).
    Pairs(Vec<(u32, u32)>),
}

/// What one detector does in a part.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(super) enum Does {
    /// Finds its hits and keeps those whose anchor transfer the part owns.
    HitsAt(Anchor),
    /// Finds its hits and keeps those with an account the part owns, in this role (any
    /// role, when `None`).
    HitsOf(Option<Role>),
    /// Finds its hits and keeps those about a pair the part owns.
    HitsAbout,
    /// Names the account pairs whose hits the part's transfers may start.
    NamePairs,
    /// Finds pieces of its hits, put together in one place.
    Pieces,
}

/// One detector's work in a part.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Task {
    pattern: Pattern,
    does: Does,
    /// The transfers its own task would load (the part's graph serves several detectors
    /// and loads the widest range any of them reads).
    loaded: usize,
}

/// A part's transfers: its graph, where the run that built the job holds the whole
/// dump; their columns, once the job is handed away.
#[derive(Debug, Serialize, Deserialize)]
enum PartGraph {
    /// The transfers, to build it from.
    Transfers(PartTransfers),
    /// The graph, built here. Last: serde numbers the variants it reads without it.
    #[serde(skip)]
    Built(Box<FlowGraph>),
}

/// One part's work: its transfers, what it reads of the whole dump, which detectors run
/// there and which of their hits it keeps.
#[derive(Debug, Serialize, Deserialize)]
pub struct PartJob {
    /// The part's name in notes ("2017-01-01 to 2017-01-30", "accounts part 3").
    pub name: String,
    owned: Owned,
    tasks: Vec<Task>,
    edges: WholeEdges,
    part: PartGraph,
    /// The part's own rows of the transfer table (amounts in their own currencies), in
    /// the order of its transfers, once it is handed away; `None` while the run that
    /// built it holds the whole table.
    rows: Option<TransferTable>,
    handed: Handed,
}

/// What one detector found in a part.
#[derive(Debug, Serialize, Deserialize)]
pub struct TaskFound {
    /// Its pattern.
    pub pattern: Pattern,
    /// The hits the part keeps, with the whole graph's edge ids.
    pub hits: Vec<Hit>,
    /// Its notes.
    pub notes: Vec<String>,
    /// The account pairs it named.
    pub pairs: Vec<(u32, u32)>,
    /// The pieces it found.
    pub pieces: Option<Found>,
    /// Its time there, in milliseconds.
    pub millis: u64,
    /// The transfers its own task would load.
    pub loaded: usize,
}

/// What a part found, per detector in the order of its job.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PartFound {
    /// The part's name.
    pub name: String,
    /// Per detector.
    pub tasks: Vec<TaskFound>,
}

impl PartFound {
    /// Writes it to bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, PartBytesError> {
        Ok(postcard::to_stdvec(self)?)
    }

    /// Reads it back.
    pub fn from_bytes(bytes: &[u8]) -> Result<PartFound, PartBytesError> {
        Ok(postcard::from_bytes(bytes)?)
    }
}

impl PartJob {
    /// A part of time owning `[from, to)`, whose graph `part` holds the whole graph's
    /// edges from `first` on.
    pub(super) fn of_time(name: String, (from, to): (i64, i64), first: u32, part: FlowGraph) -> Self {
        PartJob {
            name,
            owned: Owned::Time(from, to),
            tasks: Vec::new(),
            edges: WholeEdges::From(first),
            part: PartGraph::Built(Box::new(part)),
            rows: None,
            handed: Handed::default(),
        }
    }

    /// A part of accounts owning `accounts` (ascending), whose graph `part` holds the
    /// whole graph's `edges`.
    pub(super) fn of_accounts(name: String, accounts: Vec<u32>, edges: Vec<u32>, part: FlowGraph) -> Self {
        PartJob { owned: Owned::Accounts(accounts), ..PartJob::of_pairs(name, Vec::new(), edges, part) }
    }

    /// A part of account pairs owning `pairs` (ascending), whose graph `part` holds the
    /// whole graph's `edges`.
    pub(super) fn of_pairs(name: String, pairs: Vec<(u32, u32)>, edges: Vec<u32>, part: FlowGraph) -> Self {
        PartJob {
            name,
            owned: Owned::Pairs(pairs),
            tasks: Vec::new(),
            edges: WholeEdges::Listed(edges),
            part: PartGraph::Built(Box::new(part)),
            rows: None,
            handed: Handed::default(),
        }
    }

    /// Adds `detector`'s work here (`does`; `loaded`: the transfers its own task would
    /// load), handing the part what the detector reads of the whole dump (`whole`: its
    /// context).
    pub(super) fn add(&mut self, whole: &Context<'_>, detector: &dyn Detector, does: Does, loaded: usize) {
        if let PartGraph::Built(part) = &self.part {
            let edges = self.edges.as_part_edges();
            if self.handed.one_off.is_none() {
                // One bit a transfer, which most searches read.
                self.handed.one_off = Some(whole.one_off_payments_for_part(part, edges));
            }
            detector.hand_to_part(whole, part, edges, &mut self.handed);
        }
        self.tasks.push(Task { pattern: detector.pattern(), does, loaded });
    }

    /// The job as another process reads it: its transfers' columns, with its own rows
    /// of `whole`'s transfer table (amounts and currencies), renumbered in order.
    pub fn handed_away(mut self, whole: &TransferTable) -> PartJob {
        if let PartGraph::Built(part) = &self.part {
            let transfers = part.transfers();
            self.rows = Some(whole.own_amounts(&transfers.rows()));
            self.part = PartGraph::Transfers(transfers.with_own_rows());
        }
        self
    }

    /// Writes it to bytes (handed away first: see [`PartJob::handed_away`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>, PartBytesError> {
        Ok(postcard::to_stdvec(self)?)
    }

    /// How many bytes [`PartJob::to_bytes`] writes.
    pub fn byte_len(&self) -> Result<usize, PartBytesError> {
        Ok(postcard::experimental::serialized_size(self)?)
    }

    /// Writes the bytes of [`PartJob::to_bytes`] into `out`, [`PartJob::byte_len`] long:
    /// into a buffer of the caller's (a Python `bytes`), so that a job of a large part
    /// is not held twice while it is handed over.
    pub fn write_bytes(&self, out: &mut [u8]) -> Result<(), PartBytesError> {
        let written = postcard::to_slice(self, out)?.len();
        if written != out.len() {
            return Err(PartBytesError::Runner(format!("{written} bytes written into {}", out.len())));
        }
        Ok(())
    }

    /// Reads it back.
    pub fn from_bytes(bytes: &[u8]) -> Result<PartJob, PartBytesError> {
        Ok(postcard::from_bytes(bytes)?)
    }
}

/// What a part needs to build its graph and context: the whole dump held here, or its
/// reference read back elsewhere.
pub trait PartReference: Sync {
    /// The dump's reference tables (and its transfer table, where the whole dump is held).
    fn dump(&self) -> &Dump;
    /// The run's configuration.
    fn config(&self) -> &Config;
    /// The graph of a part's transfers.
    fn graph(&self, transfers: PartTransfers) -> FlowGraph;
}

impl PartReference for Context<'_> {
    fn dump(&self) -> &Dump {
        self.dump
    }

    fn config(&self) -> &Config {
        self.config
    }

    fn graph(&self, transfers: PartTransfers) -> FlowGraph {
        self.graph.part_from(transfers)
    }
}

/// What every part of one dump shares of it, read back in another process: the dump's
/// reference tables (accounts, holders, links, currencies; no transfers), the graph's
/// dump-wide counts and the run's configuration.
#[derive(Debug)]
pub struct DumpReference {
    dump: Dump,
    graph: GraphReference,
    config: Config,
}

/// A [`DumpReference`] as it is written, borrowing the whole dump.
#[derive(Serialize)]
struct WrittenReference<'a> {
    accounts: &'a crate::model::AccountTable,
    holders: &'a HolderTable,
    links: &'a [EntityLink],
    currencies: &'a [Currency],
    availability: Availability,
    graph: GraphReference,
    config: String,
}

/// A [`DumpReference`] as it is read back.
#[derive(Deserialize)]
struct ReadReference {
    accounts: crate::model::AccountTable,
    holders: HolderTable,
    links: Vec<EntityLink>,
    currencies: Vec<Currency>,
    availability: Availability,
    graph: GraphReference,
    config: String,
}

impl DumpReference {
    /// The reference of `whole`'s dump (the context of a run that holds it), in bytes.
    pub fn bytes_of(whole: &Context<'_>) -> Result<Vec<u8>, PartBytesError> {
        let config = toml::to_string(whole.config).map_err(|e| PartBytesError::Config(e.to_string()))?;
        let d = whole.dump;
        let written = WrittenReference {
            accounts: &d.accounts,
            holders: &d.holders,
            links: &d.links,
            currencies: &d.currencies,
            availability: d.availability,
            graph: whole.graph.reference(),
            config,
        };
        Ok(postcard::to_stdvec(&written)?)
    }

    /// Reads a reference back.
    pub fn from_bytes(bytes: &[u8]) -> Result<DumpReference, PartBytesError> {
        let r: ReadReference = postcard::from_bytes(bytes)?;
        let config = Config::with_overrides(&r.config, "the configuration handed with the parts")
            .map_err(|e| PartBytesError::Config(e.to_string()))?;
        let mut dump = Dump {
            transfers: TransferTable::default(),
            accounts: r.accounts,
            holders: r.holders,
            links: r.links,
            currencies: r.currencies,
            availability: r.availability,
        };
        dump.accounts.reindex();
        dump.holders.reindex();
        Ok(DumpReference { dump, graph: r.graph, config })
    }
}

impl PartReference for DumpReference {
    fn dump(&self) -> &Dump {
        &self.dump
    }

    fn config(&self) -> &Config {
        &self.config
    }

    fn graph(&self, transfers: PartTransfers) -> FlowGraph {
        self.graph.graph(transfers)
    }
}

/// Runs a job on `reference`, with the detectors of `detectors` its tasks name.
pub fn run_job(
    job: PartJob,
    reference: &dyn PartReference,
    detectors: &[&dyn Detector],
) -> Result<PartFound, PartBytesError> {
    let PartJob { name, owned, tasks, edges, part, rows, handed } = job;
    let part = match part {
        PartGraph::Built(part) => *part,
        PartGraph::Transfers(transfers) => reference.graph(transfers),
    };
    let edges = edges.as_part_edges();
    let dump = reference.dump();
    let mut ctx = Context::handed(&part, dump, reference.config(), edges, &handed);
    if let Some(rows) = &rows {
        ctx = ctx.with_transfers(rows);
    }
    if let Owned::Time(from, to) = owned {
        ctx = ctx.owning((from, to));
    }
    let mut found = PartFound { name, tasks: Vec::with_capacity(tasks.len()) };
    for task in tasks {
        let detector = detectors
            .iter()
            .find(|d| d.pattern() == task.pattern)
            .ok_or(PartBytesError::Pattern(task.pattern))?;
        let started = Instant::now();
        let mut out = TaskFound {
            pattern: task.pattern,
            hits: Vec::new(),
            notes: Vec::new(),
            pairs: Vec::new(),
            pieces: None,
            millis: 0,
            loaded: task.loaded,
        };
        match task.does {
            Does::NamePairs => out.pairs = detector.account_pairs(&ctx),
            Does::Pieces => out.pieces = detector.found_in_part(&ctx),
            does => {
                let outcome = detector.run(&ctx);
                out.notes = outcome.notes;
                out.hits = outcome.hits;
                out.hits.retain(|h| keeps(&owned, does, h));
                for e in out.hits.iter_mut().flat_map(|h| h.transfers.iter_mut()) {
                    *e = edges.whole(*e);
                }
            }
        }
        out.millis = started.elapsed().as_millis() as u64;
        found.tasks.push(out);
    }
    Ok(found)
}

/// Whether a part that owns `owned` keeps hit `h` of a detector that `does` so.
fn keeps(owned: &Owned, does: Does, h: &Hit) -> bool {
    match (owned, does) {
        (Owned::Time(from, to), Does::HitsAt(anchor)) => {
            let at = match anchor {
                Anchor::FirstTransfer => h.first_seen,
                Anchor::LastTransfer => h.last_seen,
            };
            (*from..*to).contains(&at)
        }
        (Owned::Accounts(accounts), Does::HitsOf(role)) => h
            .accounts
            .iter()
            .any(|a| role.is_none_or(|r| a.role == r) && accounts.binary_search(&a.account).is_ok()),
        (Owned::Pairs(pairs), Does::HitsAbout) => h.pair.is_some_and(|p| pairs.binary_search(&p).is_ok()),
        _ => false,
    }
}

/// Runs the jobs of a partitioned run: here, one after another, or handed to other
/// processes (Spark's executors).
pub trait PartRunner: Sync {
    /// Runs every job `jobs` yields (built one at a time, in order) on `whole`'s dump;
    /// what each found, in the same order.
    fn run_parts(
        &self,
        whole: &Context<'_>,
        detectors: &[&dyn Detector],
        jobs: &mut dyn Iterator<Item = PartJob>,
        progress: &dyn Progress,
    ) -> Result<Vec<PartFound>, PartBytesError>;
}

/// A [`PartRunner`] a run's options hand to it.
#[derive(Clone)]
pub struct SharedRunner(pub std::sync::Arc<dyn PartRunner + Send>);

impl std::fmt::Debug for SharedRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedRunner(..)")
    }
}

/// Runs each job here as it is built, so that one part's graph is held at a time.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunHere;

impl PartRunner for RunHere {
    fn run_parts(
        &self,
        whole: &Context<'_>,
        detectors: &[&dyn Detector],
        jobs: &mut dyn Iterator<Item = PartJob>,
        progress: &dyn Progress,
    ) -> Result<Vec<PartFound>, PartBytesError> {
        let mut found = Vec::new();
        for job in jobs {
            let stage = progress.stage(&format!("detect in parts: {}", job.name), None);
            found.push(run_job(job, whole, detectors)?);
            stage.finish();
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_a_part_are_an_error() {
        for bytes in [&b""[..], b"not a part of a dump", &[0xff; 64]] {
            assert!(PartJob::from_bytes(bytes).is_err());
            assert!(PartFound::from_bytes(bytes).is_err());
            assert!(DumpReference::from_bytes(bytes).is_err());
        }
    }

    #[test]
    fn a_job_keeps_only_the_hits_its_part_owns() {
        let hit = |first_seen, last_seen, accounts: &[(u32, Role)], pair| Hit {
            pattern: Pattern::Cycle,
            accounts: accounts
                .iter()
                .map(|&(account, role)| crate::detect::HitAccount {
                    account,
                    role,
                    amount_in: 0.0,
                    amount_out: 0.0,
                })
                .collect(),
            transfers: Vec::new(),
            amount: 0.0,
            first_seen,
            last_seen,
            strength: 1.0,
            reason: String::new(),
            pair,
            by_timing: false,
            by_share: false,
        };
        let time = Owned::Time(100, 200);
        let spans = hit(150, 250, &[], None);
        assert!(keeps(&time, Does::HitsAt(Anchor::FirstTransfer), &spans));
        assert!(!keeps(&time, Does::HitsAt(Anchor::LastTransfer), &spans));
        let accounts = Owned::Accounts(vec![3, 7]);
        let hub = hit(0, 0, &[(7, Role::Hub), (9, Role::Source)], None);
        assert!(keeps(&accounts, Does::HitsOf(Some(Role::Hub)), &hub));
        assert!(!keeps(&accounts, Does::HitsOf(Some(Role::Collector)), &hub));
        let source = hit(0, 0, &[(9, Role::Hub), (3, Role::Source)], None);
        assert!(!keeps(&accounts, Does::HitsOf(Some(Role::Hub)), &source));
        assert!(keeps(&accounts, Does::HitsOf(None), &source));
        let pairs = Owned::Pairs(vec![(1, 2), (4, 5)]);
        assert!(keeps(&pairs, Does::HitsAbout, &hit(0, 0, &[], Some((4, 5)))));
        assert!(!keeps(&pairs, Does::HitsAbout, &hit(0, 0, &[], Some((2, 4)))));
        // Work that is not finding hits keeps none.
        assert!(!keeps(&time, Does::Pieces, &spans));
    }
}

//! Synthetic dumps with ground truth: a believable background population, legitimate
//! look-alikes, and injected cases of every typology, written in the native schema plus
//! `truth.csv`, `truth_accounts.csv` and `seeds.csv`.
//!
//! This module never imports detection code: what it injects is shaped by the
//! typologies, not by how flowhound detects them.

pub mod background;
pub mod cases;
pub mod layouts;
pub mod motifs;
pub mod world;
pub mod write;

use std::path::PathBuf;

use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::error::Result;
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::progress::Progress;
use world::World;

/// Output format of the generated transfers (reference tables follow it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    /// Plain CSV.
    Csv,
    /// Parquet.
    Parquet,
}

/// Which layout the dump is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// flowhound's native schema plus truth files.
    Native,
    /// IBM AMLworld (`*_Trans.csv`, `*_Patterns.txt`); labels carry the truth.
    Amlworld,
    /// IBM AMLSim output; alert files carry the truth.
    Amlsim,
}

/// Options of `generate`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Output folder.
    pub out: PathBuf,
    /// Transfers to write (at least what the injected cases need).
    pub transfers: usize,
    /// RNG seed.
    pub seed: u64,
    /// Output format.
    pub format: OutFormat,
    /// First day, unix seconds at midnight UTC.
    pub start: i64,
    /// Days covered.
    pub days: i64,
    /// Injected cases per pattern (default scales with size).
    pub cases_per_pattern: Option<usize>,
    /// Layout written.
    pub layout: Layout,
    /// Every amount times this (1: the generator's own economy), except structuring
    /// cases, whose amounts sit under thresholds the law fixes in currency units.
    pub amount_scale: f64,
    /// Accounts times this (1: about one person per 25 transfers and one company per
    /// 250): below 1, fewer and busier accounts; above 1, more and quieter ones.
    pub accounts_scale: f64,
}

/// Why a transfer was made, written as a memo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Memo {
    /// No memo.
    None,
    /// Salary.
    Salary,
    /// Invoice payment.
    Invoice,
    /// Dividend.
    Dividend,
    /// Loan.
    Loan,
    /// Investment subscription.
    Subscription,
    /// Settlement of card payments.
    Settlement,
}

impl Memo {
    /// Text written in `memo`.
    pub fn text(self) -> &'static str {
        match self {
            Memo::None => "",
            Memo::Salary => "salary",
            Memo::Invoice => "invoice payment",
            Memo::Dividend => "dividend",
            Memo::Loan => "intercompany loan",
            Memo::Subscription => "fund subscription",
            Memo::Settlement => "card settlement",
        }
    }
}

/// Marker for background transfers in [`Tx::case`].
pub const NO_CASE: u32 = u32::MAX;

/// One generated transfer; amounts are kept in USD and converted on write.
#[derive(Debug, Clone, Copy)]
pub struct Tx {
    /// Unix seconds.
    pub time: i64,
    /// Sender account.
    pub src: u32,
    /// Receiver account.
    pub dst: u32,
    /// Amount in USD.
    pub usd: f64,
    /// Channel.
    pub channel: Channel,
    /// Memo.
    pub memo: Memo,
    /// Case index, or [`NO_CASE`].
    pub case: u32,
}

/// What an injected case is: an instance of a detector's pattern, or a trace case
/// (embezzled money to follow, TR1/TR2 of typologies.md), which no detector reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    /// A case a detector should find.
    Detected(Pattern),
    /// A trace case, labelled `TR1` in the truth files.
    Trace,
}

impl From<Pattern> for CaseKind {
    fn from(p: Pattern) -> Self {
        CaseKind::Detected(p)
    }
}

impl std::fmt::Display for CaseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaseKind::Detected(p) => p.fmt(f),
            CaseKind::Trace => f.write_str("TR1"),
        }
    }
}

/// Ground truth collected while injecting.
#[derive(Debug, Default)]
pub struct CaseBook {
    /// `(case_id, pattern)` per case index.
    pub cases: Vec<(String, CaseKind)>,
    /// `(account, case, role)`.
    pub accounts: Vec<(u32, u32, &'static str)>,
    /// `(account, case)`: accounts an investigator would start a trace from.
    pub seeds: Vec<(u32, u32)>,
}

impl CaseBook {
    /// Opens a new case of `pattern`.
    pub fn open(&mut self, pattern: impl Into<CaseKind>) -> u32 {
        let pattern = pattern.into();
        let k = self.cases.iter().filter(|(_, p)| *p == pattern).count();
        self.cases.push((format!("{pattern}-{:04}", k + 1), pattern));
        (self.cases.len() - 1) as u32
    }

    /// Records `account`'s role in `case` (once per account and case).
    pub fn role(&mut self, case: u32, account: u32, role: &'static str) {
        if !self.accounts.iter().rev().take(512).any(|&(a, c, _)| a == account && c == case) {
            self.accounts.push((account, case, role));
        }
    }
}

/// What `generate` produced.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Transfers written.
    pub transfers: usize,
    /// Of which injected.
    pub injected: usize,
    /// Of which legitimate look-alikes.
    pub lookalikes: usize,
    /// Accounts written.
    pub accounts: usize,
    /// Entities written.
    pub entities: usize,
    /// Cases per pattern.
    pub cases: Vec<(CaseKind, usize)>,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Generates a dump.
pub fn generate(opts: &Options, progress: &dyn Progress) -> Result<Summary> {
    let mut world = World::build(opts.seed, opts.transfers, opts.start, opts.days, opts.accounts_scale);
    let per_pattern = opts.cases_per_pattern.unwrap_or((opts.transfers / 100_000).max(2));
    let mut book = CaseBook::default();
    let mut txs = Vec::with_capacity(opts.transfers + opts.transfers / 50);

    let stage = progress.stage("inject cases", None);
    cases::inject_all(&mut world, &mut book, &mut txs, opts.seed, per_pattern);
    motifs::inject_all(&mut world, &mut book, &mut txs, opts.seed, per_pattern);
    stage.finish();
    let injected = txs.len();

    let stage = progress.stage("look-alikes", None);
    background::lookalikes(&mut world, &mut book, &mut txs, opts.seed, opts.transfers);
    stage.finish();
    let lookalikes = txs.len() - injected;

    let remaining = opts.transfers.saturating_sub(txs.len());
    let stage = progress.stage("background", Some(remaining as u64));
    let on_chunk = |n: u64| stage.advance(n);
    let bulk = background::bulk(&world, opts.seed, remaining, &on_chunk);
    stage.finish();
    txs.extend(bulk);
    let settlements = background::settle_acquirers(&world, &txs);
    // Settlements depend on the card volume drawn, so they are known only now: make room
    // for them by dropping the last background transfers that are not card payments.
    let mut excess =
        (txs.len() + settlements.len()).saturating_sub(opts.transfers.max(injected + lookalikes));
    let mut k = txs.len();
    while excess > 0 && k > injected + lookalikes {
        k -= 1;
        if txs[k].channel != Channel::Card {
            txs.swap_remove(k);
            excess -= 1;
        }
    }
    txs.extend(settlements);
    if opts.amount_scale != 1.0 {
        let structuring = |t: &Tx| t.case != NO_CASE && book.cases[t.case as usize].1 == Pattern::Ub2.into();
        for t in txs.iter_mut().filter(|t| !structuring(t)) {
            t.usd *= opts.amount_scale;
        }
    }

    // Interleave cases with normal activity: one time-ordered dump (stable, so ties keep
    // generation order and the output is the same for any thread count).
    txs.par_sort_by_key(|t| t.time);
    let files = match opts.layout {
        Layout::Native => write::write_all(opts, &world, &book, &txs, progress)?,
        layout => {
            std::fs::create_dir_all(&opts.out).map_err(|e| crate::Error::io(&opts.out, e))?;
            if layout == Layout::Amlworld {
                layouts::amlworld(&opts.out, &world, &book, &txs)?
            } else {
                layouts::amlsim(&opts.out, &world, &book, &txs)?
            }
        }
    };
    let mut cases: Vec<(CaseKind, usize)> = Vec::new();
    for (_, p) in &book.cases {
        match cases.iter_mut().find(|(q, _)| q == p) {
            Some((_, n)) => *n += 1,
            None => cases.push((*p, 1)),
        }
    }
    Ok(Summary {
        transfers: txs.len(),
        injected,
        lookalikes,
        accounts: world.accounts.len(),
        entities: world.entities.len(),
        cases,
        files,
    })
}

/// Injects one case of a pattern.
pub type Inject = fn(&mut Injector<'_>);

/// Runs each injector `per_pattern` times, each on its own RNG stream, so adding an
/// injector never changes what the others draw.
pub fn run_injectors(
    world: &mut World,
    book: &mut CaseBook,
    txs: &mut Vec<Tx>,
    seed: u64,
    per_pattern: usize,
    injectors: &[(u64, Inject)],
) {
    for &(stream_id, inject) in injectors {
        let mut inj = Injector {
            world: &mut *world,
            book: &mut *book,
            txs: &mut *txs,
            rng: world::stream(seed, stream_id),
        };
        for _ in 0..per_pattern {
            inject(&mut inj);
        }
    }
}

/// Shared state of the injectors.
pub struct Injector<'a> {
    /// The world (injectors add accounts and entities).
    pub world: &'a mut World,
    /// Ground truth.
    pub book: &'a mut CaseBook,
    /// Transfers so far.
    pub txs: &'a mut Vec<Tx>,
    /// This injector's RNG stream.
    pub rng: ChaCha8Rng,
}

impl Injector<'_> {
    /// Adds a transfer belonging to `case`; set its memo through the returned reference.
    pub fn tx(&mut self, case: u32, time: i64, src: u32, dst: u32, usd: f64, channel: Channel) -> &mut Tx {
        self.txs.push(Tx { time, src, dst, usd: usd.max(0.01), channel, memo: Memo::None, case });
        let last = self.txs.len() - 1;
        &mut self.txs[last]
    }

    /// A start time such that `span_days` more still fit in the period.
    pub fn start_within(&mut self, span_days: f64) -> i64 {
        use rand::Rng;
        let span = (span_days * world::DAY as f64) as i64;
        let room = (self.world.days * world::DAY - span - world::DAY).max(world::DAY);
        self.world.start + self.rng.random_range(0..room)
    }

    /// `x` times a uniform factor in `[1 - rel, 1 + rel]`.
    pub fn jitter(&mut self, x: f64, rel: f64) -> f64 {
        use rand::Rng;
        x * (1.0 + self.rng.random_range(-rel..=rel))
    }

    /// Uniform seconds between `lo_h` and `hi_h` hours.
    pub fn hours(&mut self, lo_h: f64, hi_h: f64) -> i64 {
        use rand::Rng;
        crate::units::hours_to_seconds(self.rng.random_range(lo_h..hi_h)) as i64
    }

    /// Uniform in a range.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        use rand::Rng;
        self.rng.random_range(lo..hi)
    }

    /// Uniform integer in `lo..=hi`.
    pub fn count(&mut self, lo: usize, hi: usize) -> usize {
        use rand::Rng;
        self.rng.random_range(lo..=hi)
    }
}

//! UB2 — structuring / smurfing (蚂蚁搬家).
//!
//! ## What it finds
//! Money kept just under a reporting threshold, again and again, into one account:
//! customer-days (a customer's transfers of one kind on one day, summed as the rules
//! count them) that land within `[band x threshold, threshold)`, at least `min_hits`
//! of them into one account within `window_days`, from many customers or one customer
//! across days. A customer-day of two or more transfers each within that band counts
//! too, though the rules sum it over the line: each was sized to stay under it, the
//! classic split of cash across deposits, and the rules' sum makes the day reported,
//! not honest. And FX-quota splitting: at least `min_fx_people` different people paying
//! one foreign payee on the same or adjacent days, each just under the individual annual
//! FX quota.
//!
//! ## Why it matters
//! Structuring defeats large-value reporting; splitting across relatives' FX quotas
//! moves money abroad through the underground banks' customers (FATF, *Money Laundering
//! through the Physical Transportation of Cash*, 2015; PBoC large-value reporting rules:
//! cash 50,000 CNY, natural persons 500,000 CNY domestic / 200,000 CNY cross-border,
//! companies 2,000,000 CNY; SAFE individual FX quota 50,000 USD a year;
//! typologies.md UB2).
//!
//! ## Example
//! ```text
//! P1 ─49,500 CNY cash─┐
//! P2 ─48,800 CNY cash─┼─> T   (6 customer-days just under 50,000 in 4 days)
//! P3 ─49,900 CNY cash─┘
//! ```
//!
//! ## Parameters
//! `[ub2]`: `band` (0.9), `min_hits` (5), `window_days` (7), thresholds `cash`,
//! `person_domestic`, `person_cross_border`, `company` by currency (CNY and USD figures
//! of typologies.md), `fx_quota` (50,000 USD), `min_fx_people` (5), `fx_min_quota_use`
//! (0.5 of the quota per payment), `min_band_share` (0.5: most of what the target took
//! in on those days is just under or at the threshold), `expected_by_chance` (1: no more
//! than one target as crowded under a line expected by chance over the dump's accounts
//! and weeks, its customer-days landing there at the rate the dump's others do, or at
//! its own rate on its other days where that is higher). A hit
//! also shows deposits at or over the threshold
//! into the same target in the same days, and the sizeable transfers out of the target
//! until one window later (where the structured money went).
//!
//! ## Look-alikes
//! Salaries and rents repeat but are not clustered just under a threshold from many
//! customers into one account; frequent travellers buy currency from dealers, not all
//! towards one foreign payee on one day. Card payments are never counted. Where ordinary
//! amounts are of a threshold's size (a dump in a currency of small units, a wealthy
//! clientele), a busy account's customers or a foreign school's, dealer's or seller's
//! payers land on both sides of the line: when more went at or over it than just under,
//! in the same days, nobody avoided it, and no hit is made (a deposit itself just under
//! the line avoided it, even where its customer's day sums over it: smurfs who bring
//! two on one day are counted with the others, and a day made only of such deposits is
//! a structured day). Where the dump's amounts run
//! up to a line and stop (a simulator's range, a clientele whose payments never reach
//! it), a tenth of everything lands just under it: five of a busy account's eight
//! customers in a week there are its everyday share, not avoidance, and no hit is made.
//! A company abroad whose customers wire it sums of the line's size all year (an
//! exporter, a university) lands a tenth of them just under it however rare such sums
//! are in the rest of the dump: a week with five is read against its own other days,
//! and so is a payee abroad paid quota-sized sums all year against five in two days
//! (each history counted with two days at the dump's rate, so a mule with none is
//! read against the dump alone).

use crate::detect::handed::Handed;
use std::collections::{BTreeMap, BTreeSet};

use rayon::iter::Either;
use rayon::prelude::*;

use crate::by_key::filed;
use crate::config::params::{Amount, Count, Days, Multiple, Share};
use crate::config::Config;
use crate::detect::context::PartEdges;
use crate::detect::{Context, Detector, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::chance::{binomial_tail, own_rate_at_least};
use crate::graph::FlowGraph;
use crate::model::{Channel, HolderKind};
use crate::pattern::Pattern;
use crate::units::{fmt_amount, DAY};
use serde::{Deserialize, Serialize};

/// Parameters of UB2 (structuring).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ub2Config {
    /// Lower edge of the "just under" band, as a share of the threshold.
    pub band: Share,
    /// Hits needed into one account.
    pub min_hits: Count<1>,
    /// Window for the hits, days.
    pub window_days: Days,
    /// Cash deposit thresholds by currency.
    pub cash: BTreeMap<String, Amount>,
    /// Natural person, domestic transfer thresholds.
    pub person_domestic: BTreeMap<String, Amount>,
    /// Natural person, cross-border transfer thresholds.
    pub person_cross_border: BTreeMap<String, Amount>,
    /// Company transfer thresholds.
    pub company: BTreeMap<String, Amount>,
    /// Individual annual FX quota, USD.
    pub fx_quota: Amount,
    /// People needed for FX-quota splitting.
    pub min_fx_people: Count<1>,
    /// Each FX payment uses at least this share of the annual quota.
    pub fx_min_quota_use: Share,
    /// Transfers just under (or at) the threshold / all the target's transfers in on
    /// those days.
    pub min_band_share: Share,
    /// Most targets with as many customer-days just under a line among those they took
    /// in, at the dump's own rate of landing there, expected by chance over all the
    /// dump's accounts and windows.
    pub expected_by_chance: Multiple,
}

/// UB2 detector.
pub struct Structuring;

impl Detector for Structuring {
    fn chance_budget(&self, config: &Config) -> Option<f64> {
        Some(config.ub2.expected_by_chance.get())
    }

    fn lookback(&self, _: &Config) -> Lookback {
        Lookback::unbounded(
            "a target's structured customer-days are gathered over the whole dump, each summing what its customer paid anyone that day",
            &[Reads::CustomerDays, Reads::Reference],
        )
    }

    fn part_rule(&self, _config: &Config) -> Option<PartRule> {
        // A target's structured days, the deposits at or over the line and the payouts
        // are its own transfers; customer-days are summed over the whole dump.
        Some(PartRule::Account { anchor: Some(Role::Target) })
    }

    fn pattern(&self) -> Pattern {
        Pattern::Ub2
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn hand_to_part(&self, whole: &Context<'_>, part: &FlowGraph, edges: PartEdges<'_>, handed: &mut Handed) {
        handed.banded_days = Some(banded_days_for_part(whole, part, edges));
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let mut hits = threshold_hits(ctx, &ctx.config.ub2);
        hits.extend(fx_quota_hits(ctx, &ctx.config.ub2));
        Outcome { hits, notes: Vec::new() }
    }
}

/// Which threshold a transfer counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[repr(u32)]
enum Kind {
    Cash,
    PersonDomestic,
    PersonCrossBorder,
    Company,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Cash => "cash deposits",
            Kind::PersonDomestic => "personal transfers",
            Kind::PersonCrossBorder => "personal cross-border transfers",
            Kind::Company => "company transfers",
        }
    }

    fn table(self, cfg: &Ub2Config) -> &BTreeMap<String, Amount> {
        match self {
            Kind::Cash => &cfg.cash,
            Kind::PersonDomestic => &cfg.person_domestic,
            Kind::PersonCrossBorder => &cfg.person_cross_border,
            Kind::Company => &cfg.company,
        }
    }
}

fn cross_border(ctx: &Context<'_>, e: usize) -> bool {
    let c = &ctx.graph.accounts.country;
    matches!((c[ctx.graph.src[e] as usize], c[ctx.graph.dst[e] as usize]), (Some(a), Some(b)) if a != b)
}

/// Thresholds per currency of the dump (index as in `Dump::currencies`), resolved once;
/// the last slot is the base-currency fallback (USD figures, when the base is USD).
struct Thresholds {
    by_currency: Vec<[Option<f64>; 4]>,
    names: Vec<String>,
}

impl Thresholds {
    const KINDS: [Kind; 4] = [Kind::Cash, Kind::PersonDomestic, Kind::PersonCrossBorder, Kind::Company];

    fn new(ctx: &Context<'_>, cfg: &Ub2Config) -> Thresholds {
        let lookup = |code: &str| Self::KINDS.map(|k| k.table(cfg).get(code).map(|a| a.get()));
        let mut by_currency: Vec<[Option<f64>; 4]> =
            ctx.dump.currencies.iter().map(|c| lookup(c.as_str())).collect();
        let mut names: Vec<String> = ctx.dump.currencies.iter().map(|c| c.as_str().to_owned()).collect();
        let fallback = if ctx.config.base_currency == "USD" { lookup("USD") } else { [None; 4] };
        by_currency.push(fallback);
        names.push("USD".into());
        Thresholds { by_currency, names }
    }
}

/// The kind, and (amount, threshold, currency slot) in the units the threshold is set in.
fn measure(ctx: &Context<'_>, th: &Thresholds, e: usize) -> Option<(Kind, f64, f64, u16)> {
    let g = ctx.graph;
    let s = g.src[e] as usize;
    let kind = match g.channel[e] {
        Channel::CashDeposit => Kind::Cash,
        Channel::Card | Channel::CashWithdrawal => return None,
        _ if s == g.dst[e] as usize => return None,
        _ if g.accounts.kind[s] == HolderKind::Company => Kind::Company,
        _ if cross_border(ctx, e) => Kind::PersonCrossBorder,
        _ => Kind::PersonDomestic,
    };
    let k = Thresholds::KINDS.iter().position(|&x| x == kind)?;
    let row = g.row.get(e) as usize;
    let cur = ctx.transfers().currency[row] as usize;
    match th.by_currency.get(cur).and_then(|t| t[k]) {
        Some(t) => Some((kind, ctx.transfers().amount[row], t, cur as u16)),
        None => {
            let fallback = th.by_currency.len() - 1;
            th.by_currency[fallback][k].map(|t| (kind, g.amount[e], t, fallback as u16))
        }
    }
}

/// One measured transfer, packed to 24 bytes: 10M of them sit beside the graph.
#[derive(Clone, Copy)]
struct Measured {
    /// Customer in the high half, day (offset so it stays positive) in the low half.
    customer_day: u64,
    /// Kind in the high half, currency slot in the low half.
    kind_currency: u32,
    edge: u32,
    amount: f64,
}

impl Measured {
    fn key(&self) -> (u64, u32) {
        (self.customer_day, self.kind_currency)
    }

    /// The key, then the transfer, as one number: what the measured transfers are
    /// sorted by (one comparison each, not three).
    fn order(&self) -> u128 {
        (u128::from(self.customer_day) << 64) | (u128::from(self.kind_currency) << 32) | u128::from(self.edge)
    }
}

/// Days are counted from 1900 so that they pack as unsigned (timestamps start there).
const DAY_OFFSET: i64 = 25_567;

/// A customer-day just under a threshold, into one receiver.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct DayHit {
    day: i64,
    customer: u32,
    kind: Kind,
    threshold: f64,
    currency: u16,
    /// The day sums over the line, but each of its transfers is just under it.
    split: bool,
    edges: Vec<u32>,
}

/// Threshold structuring: customer-days just under a reporting threshold into one target,
/// enough of them within the window, bunched under the line.
fn threshold_hits(ctx: &Context<'_>, cfg: &Ub2Config) -> Vec<Hit> {
    let th = Thresholds::new(ctx, cfg);
    // A customer-day sums what the customer paid anyone that day: a whole run measures
    // them itself; a part of a partitioned run reads the whole dump's, cut to it.
    let measured;
    let (by_target, over, rate) = match ctx.handed_tables().and_then(|h| h.banded_days.as_ref()) {
        Some(handed) => handed,
        None => {
            debug_assert!(ctx.whole.is_none(), "a part reads the customer-days it was handed");
            measured = measured_banded_days(ctx, cfg, &th);
            &measured.0
        }
    };
    let window = cfg.window_days.get().ceil() as i64;
    let mut hits = Vec::new();
    for (&target, list) in by_target {
        let mut list = list.clone();
        let banded_days: Vec<i64> = list.iter().map(|h| h.day).collect();
        let kept = structured_run(&mut list, window, cfg.min_hits.get());
        if kept.is_empty()
            || !bunched(ctx, cfg, &th, target, &kept, over)
            || !unlikely(ctx, cfg, target, &kept, &banded_days, *rate)
        {
            continue;
        }
        hits.push(target_hit(ctx, cfg, &th, target, &kept, over, window));
    }
    hits
}

/// The whole dump's banded customer-days (`whole`: its context), measured once for
/// every part, cut to the part whose graph `part` holds the whole graph's `edges`: what
/// the part is handed.
pub(crate) fn banded_days_for_part(
    whole: &Context<'_>,
    part: &FlowGraph,
    edges: PartEdges<'_>,
) -> BandedDays {
    let cfg = &whole.config.ub2;
    let banded = measured_banded_days(whole, cfg, &Thresholds::new(whole, cfg));
    in_this_part(&banded.0, edges, part.edge_count())
}

/// The whole dump's banded customer-days (`whole`: its context), measured once for
/// every part and every chance budget (no budget decides which days are banded).
fn measured_banded_days(whole: &Context<'_>, cfg: &Ub2Config, th: &Thresholds) -> std::sync::Arc<Banded> {
    whole.measured_for_every_budget(|| Banded(banded_days(whole, cfg, th, customer_days(whole, th))))
}

/// The whole dump's banded customer-days, as one type of its own for
/// [`Context::measured_for_every_budget`].
struct Banded(BandedDays);

/// `whole`'s banded days with the edge ids of a part holding the whole graph's `edges`
/// (`len` of them): those of its transfers (a target the part holds has all its
/// receipts there).
fn in_this_part(whole: &BandedDays, edges: PartEdges<'_>, len: usize) -> BandedDays {
    let by_target = whole
        .0
        .iter()
        .map(|(&t, days)| {
            let days = days
                .iter()
                .map(|d| DayHit {
                    edges: d.edges.iter().filter_map(|&e| edges.part(e, len)).collect(),
                    ..d.clone()
                })
                .filter(|d| !d.edges.is_empty())
                .collect::<Vec<_>>();
            (t, days)
        })
        .filter(|(_, days)| !days.is_empty())
        .collect();
    let over = whole
        .1
        .iter()
        .map(|(&t, list)| (t, list.iter().filter_map(|&(day, e)| Some((day, edges.part(e, len)?))).collect()))
        .collect();
    (by_target, over, whole.2)
}

/// Every transfer a threshold applies to, keyed by customer-day, kind and currency, in
/// key order. Customers are holders grouped with those linked to them, as the rules
/// aggregate per customer; measured in parallel, then grouped by sorting on the key.
fn customer_days(ctx: &Context<'_>, th: &Thresholds) -> Vec<Measured> {
    let g = ctx.graph;
    // Most transfers are measured (a threshold applies to every personal payment), so
    // they are kept in place on every thread, not collected a run at a time and joined
    // on one: that took twice as long as measuring and sorting them.
    let blank = Measured { customer_day: 0, kind_currency: 0, edge: 0, amount: 0.0 };
    let mut items = crate::slices::kept_in_order(g.edge_count(), blank, |e| {
        let (kind, amount, _, cur) = measure(ctx, th, e)?;
        let customer = g.accounts.controller[g.src[e] as usize];
        let day = (g.time[e].div_euclid(DAY) + DAY_OFFSET).max(0) as u64;
        Some(Measured {
            customer_day: (u64::from(customer) << 32) | (day & 0xFFFF_FFFF),
            kind_currency: ((kind as u32) << 16) | u32::from(cur),
            edge: e as u32,
            amount,
        })
    });
    items.par_sort_unstable_by_key(Measured::order);
    items
}

/// Customer-days just under the threshold, per target; the (day, transfer) of
/// customer-days at or over it, per target, reported anyway and shown beside them; and
/// how often the dump's customer-days land just under their line.
pub(crate) type BandedDays = (BTreeMap<u32, Vec<DayHit>>, BTreeMap<u32, Vec<(i64, u32)>>, BandRate);

/// Of the dump's customer-days that a threshold applies to, how many there are and how
/// many land just under their line: the rate at which the dump's own amounts fall in
/// the band, against which a target's share of them is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct BandRate {
    /// Customer-days just under their threshold.
    in_band: u64,
    /// Customer-days a threshold applies to, on either side of it.
    all: u64,
}

impl BandRate {
    /// The rate of the dump's other customer-days, leaving out a target's own `in_band`
    /// (a target of thousands of structured deposits must not be its own yardstick),
    /// with one added each way: a dump that shows nothing else says one in two.
    fn of_others(self, in_band: usize) -> f64 {
        let own = in_band as u64;
        let band = self.in_band.saturating_sub(own);
        let all = self.all.saturating_sub(own).max(band);
        (band as f64 + 1.0) / (all as f64 + 2.0)
    }
}

fn banded_days(ctx: &Context<'_>, cfg: &Ub2Config, th: &Thresholds, items: Vec<Measured>) -> BandedDays {
    // Listed in the customer-days' order, then filed per target by one sort: filed one
    // by one into a map of every receiver of a payment at or over a line (1.7M of them
    // in a 100M dump), each missed the cache, and the filing took as long as measuring
    // the customer-days. The customer-days are read in runs on every thread, each run
    // whole customer-days, and the runs' lists joined in order.
    let runs =
        crate::slices::whole_groups(&items, 8 * rayon::current_num_threads(), |a, b| a.key() == b.key());
    let banded: Vec<Banding> = runs.into_par_iter().map(|run| banded_in(ctx, cfg, th, run)).collect();
    let mut all = Banding::default();
    for run in banded {
        all.in_band.extend(run.in_band);
        all.over.extend(run.over);
        all.rate.in_band += run.rate.in_band;
        all.rate.all += run.rate.all;
    }
    (filed(all.in_band), filed(all.over), all.rate)
}

/// What [`banded_days`] reads of a run of whole customer-days: the customer-days just
/// under a line, per target; those at or over one; how many of each kind.
#[derive(Default)]
struct Banding {
    in_band: Vec<(u32, DayHit)>,
    over: Vec<(u32, (i64, u32))>,
    rate: BandRate,
}

fn banded_in(ctx: &Context<'_>, cfg: &Ub2Config, th: &Thresholds, items: &[Measured]) -> Banding {
    let g = ctx.graph;
    let mut out = Banding::default();
    for group in items.chunk_by(|a, b| a.key() == b.key()) {
        let first = group[0];
        let kind = Thresholds::KINDS[(first.kind_currency >> 16) as usize];
        let currency = (first.kind_currency & 0xFFFF) as u16;
        let Some(threshold) = th.by_currency[currency as usize][(first.kind_currency >> 16) as usize] else {
            continue;
        };
        let (customer, day) =
            ((first.customer_day >> 32) as u32, (first.customer_day & 0xFFFF_FFFF) as i64 - DAY_OFFSET);
        let total: f64 = group.iter().map(|x| x.amount).sum();
        out.rate.all += 1;
        // A smurf who brings two or more deposits on one day, each sized to stay under
        // the line, structured that day however the rules then sum it.
        let each_under = group.len() > 1 && group.iter().all(|x| just_under(cfg, x.amount, threshold));
        if total >= threshold && !each_under {
            out.over.extend(group.iter().map(|x| (g.dst[x.edge as usize], (day, x.edge))));
        } else if total >= cfg.band.get() * threshold {
            out.rate.in_band += 1;
            let split = total >= threshold;
            let targets: BTreeSet<u32> = group.iter().map(|x| g.dst[x.edge as usize]).collect();
            for t in targets {
                let mine: Vec<u32> =
                    group.iter().map(|x| x.edge).filter(|&e| g.dst[e as usize] == t).collect();
                out.in_band
                    .push((t, DayHit { day, customer, kind, threshold, currency, split, edges: mine }));
            }
        }
    }
    out
}

/// Every customer-day of `list` that sits in some window of `window` days holding at
/// least `min_hits` of them, in (day, customer) order.
fn structured_run(list: &mut [DayHit], window: i64, min_hits: usize) -> Vec<&DayHit> {
    list.sort_by_key(|h| (h.day, h.customer));
    let mut keep = vec![false; list.len()];
    let mut lo = 0;
    for hi in 0..list.len() {
        while list[hi].day - list[lo].day >= window {
            lo += 1;
        }
        if hi + 1 - lo >= min_hits {
            keep[lo..=hi].iter_mut().for_each(|k| *k = true);
        }
    }
    list.iter().zip(&keep).filter(|(_, k)| **k).map(|(h, _)| h).collect()
}

/// Structuring bunches amounts under the line: most of what the target received in
/// those days is just under (or at) the threshold, not a slice of a spread; and it
/// avoids the line, with at least as many transfers just under it as at or over it.
/// Where ordinary amounts are of the threshold's size, a busy account's customers land
/// on both sides of it, and those just under are a slice of that spread, not an
/// avoidance of it. A deposit of a customer-day over the line that is itself just under
/// it avoided the line as the others did: a smurf who brings two such deposits on one
/// day is reported by the day's sum, but each of them was sized to stay under.
fn bunched(
    ctx: &Context<'_>,
    cfg: &Ub2Config,
    th: &Thresholds,
    target: u32,
    kept: &[&DayHit],
    over: &BTreeMap<u32, Vec<(i64, u32)>>,
) -> bool {
    let g = ctx.graph;
    let (d0, d1) = (kept[0].day, kept[kept.len() - 1].day);
    let mut under: usize = kept.iter().map(|h| h.edges.len()).sum();
    let mut at_or_over = 0;
    for e in over_in_run(over, target, kept) {
        if alone_under(ctx, cfg, th, e) {
            under += 1;
        } else {
            at_or_over += 1;
        }
    }
    if under < at_or_over {
        return false;
    }
    let ins = g.in_list(target);
    let all = ins
        .time
        .iter()
        .zip(ins.edges)
        .filter(|&(&t, &e)| {
            let d = t.div_euclid(DAY);
            d >= d0 && d <= d1 && g.channel[e as usize] != Channel::Card
        })
        .count();
    ((under + at_or_over) as f64) >= cfg.min_band_share.get() * all as f64
}

/// The transfers into `target` of customer-days at or over a line (`over`) on the days
/// of its structured run `kept`, from its first to its last.
fn over_in_run<'o>(
    over: &'o BTreeMap<u32, Vec<(i64, u32)>>,
    target: u32,
    kept: &[&DayHit],
) -> impl Iterator<Item = u32> + 'o {
    let (d0, d1) = (kept[0].day, kept[kept.len() - 1].day);
    over.get(&target).into_iter().flatten().filter(move |(day, _)| (d0..=d1).contains(day)).map(|&(_, e)| e)
}

/// Whether transfer `e`, on its own, is just under its line (in `[band x line, line)`):
/// sized to stay under it, whatever else its customer paid that day.
fn alone_under(ctx: &Context<'_>, cfg: &Ub2Config, th: &Thresholds, e: u32) -> bool {
    measure(ctx, th, e as usize).is_some_and(|(_, amount, line, _)| just_under(cfg, amount, line))
}

/// Whether `amount` is just under `line`: in `[band x line, line)`.
fn just_under(cfg: &Ub2Config, amount: f64, line: f64) -> bool {
    amount < line && amount >= cfg.band.get() * line
}

/// Structuring is more than the dump's amounts landing under a line by chance: the
/// target's customer-days in the run's days, `kept` of them just under, are fewer than
/// `expected_by_chance` times as likely, over every account and window of the dump, at
/// the rate the dump's other customer-days land there (`rate`, without the target's
/// `banded_days`: the days of its customer-days just under a line over the whole dump),
/// or at the target's own rate on its other days where that is higher
/// ([`own_rate_at_least`]). Where the lines sit far above everyday amounts, five in a
/// week are beyond any chance; where the dump's amounts run up to a line and stop (a
/// simulator's range, a currency of small units), a tenth of them land under it and a
/// busy account's five in a week are its everyday share; and so they are for an
/// exporter whose customers abroad pay sums of the line's size all year.
fn unlikely(
    ctx: &Context<'_>,
    cfg: &Ub2Config,
    target: u32,
    kept: &[&DayHit],
    banded_days: &[i64],
    rate: BandRate,
) -> bool {
    let g = ctx.graph;
    let (d0, d1) = (kept[0].day, kept[kept.len() - 1].day);
    let during = |day: i64| (d0..=d1).contains(&day);
    // The target's customer-days, in those days and on the others: each customer's
    // transfers on one day count once, as the rules count them.
    let ins = g.in_list(target);
    let mut days: Vec<(bool, u32, i64)> = (0..ins.len())
        .filter(|&k| {
            ins.other[k] != target && !matches!(ins.channel[k], Channel::Card | Channel::CashWithdrawal)
        })
        .map(|k| {
            let day = ins.time[k].div_euclid(DAY);
            (during(day), g.accounts.controller[ins.other[k] as usize], day)
        })
        .collect();
    days.sort_unstable();
    days.dedup();
    let other_days = days.partition_point(|d| !d.0);
    let n = (days.len() - other_days).max(kept.len());
    // Read against the dump's other customer-days, or against the target's own on the
    // other days when its customers land under the line more often than the dump's: a
    // company abroad whose customers pay sums of the threshold's size all year.
    let dump = rate.of_others(banded_days.len());
    let banded_before_or_after = banded_days.iter().filter(|&&d| !during(d)).count();
    let p = own_rate_at_least(banded_before_or_after, other_days, dump);
    let windows = (g.scale.span_days / cfg.window_days.get()).max(1.0);
    let tried = g.scale.active_accounts.max(1) as f64 * windows;
    binomial_tail(n, kept.len(), p) * tried <= cfg.expected_by_chance.get()
}

/// The hit of one target: the structured transfers, the deposits at or over the line in
/// the same days, and where the money went next.
fn target_hit(
    ctx: &Context<'_>,
    cfg: &Ub2Config,
    th: &Thresholds,
    target: u32,
    kept: &[&DayHit],
    over: &BTreeMap<u32, Vec<(i64, u32)>>,
    window: i64,
) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    let mut total = 0.0;
    let customers: BTreeSet<u32> = kept.iter().map(|h| h.customer).collect();
    for h in kept {
        for &e in &h.edges {
            let (s, a) = (g.src[e as usize], g.amount[e as usize]);
            total += a;
            b.account(s, Role::Smurf, 0.0, a);
            b.account(target, Role::Target, a, 0.0);
            b.transfer(e);
        }
    }
    let first = kept[0];
    let last_day = kept[kept.len() - 1].day;
    let span = last_day - first.day + 1;
    // Customer-days at or over the threshold into the same target in the same days
    // belong to the same operation.
    let (mut over_days, mut each_under) = (0, 0);
    for e in over_in_run(over, target, kept) {
        let (s, a) = (g.src[e as usize], g.amount[e as usize]);
        b.account(s, Role::Depositor, 0.0, a);
        b.account(target, Role::Target, a, 0.0);
        b.transfer(e);
        over_days += 1;
        each_under += usize::from(alone_under(ctx, cfg, th, e));
    }
    // Where the structured money went: sizeable transfers out of the target until
    // one window after the last structured day.
    let until = (last_day + 1 + window) * DAY;
    let outs = g.out_after(target, first.day * DAY - 1, until);
    let mut onward = 0.0;
    let mut payees = BTreeSet::new();
    for k in 0..outs.len() {
        let (e, a, d) = (outs.edges[k], outs.amount[k], outs.other[k]);
        if d != target && g.channel[e as usize] != Channel::Card && a >= 0.1 * total {
            b.account(d, Role::Payout, a, 0.0);
            b.account(target, Role::Target, 0.0, a);
            b.transfer(e);
            onward += a;
            payees.insert(d);
        }
    }
    let onward_text = if payees.is_empty() {
        String::new()
    } else {
        format!(
            "; {} ({:.0}%) then left to {} account(s)",
            fmt_amount(onward),
            onward / total * 100.0,
            payees.len()
        )
    };
    let over_text = match (over_days, each_under) {
        (0, _) => String::new(),
        (n, 0) => format!(", beside {n} deposit(s) at or over it"),
        (n, k) if n == k => format!(", and {k} more each just under it on customer-days that sum over it"),
        (n, k) => format!(
            ", beside {} deposit(s) at or over it and {k} more each just under it on customer-days that sum over it",
            n - k
        ),
    };
    let split_text = match kept.iter().filter(|h| h.split).count() {
        0 => String::new(),
        n => format!("; on {n} of them, deposits each just under it that sum over it"),
    };
    let strength = 0.5 + 0.5 * ((kept.len() as f64 / cfg.min_hits.get() as f64).log2() / 2.0).clamp(0.0, 1.0);
    let reason = format!(
        "{} customer-days of {} just under {} {} ({:.0}-100%{split_text}) from {} customer(s) into {} within {} day(s){over_text}{onward_text}",
        kept.len(),
        first.kind.label(),
        fmt_amount(first.threshold),
        th.names[first.currency as usize],
        cfg.band.get() * 100.0,
        customers.len(),
        ctx.account(target),
        span
    );
    b.finish(g, Pattern::Ub2, total, strength, reason)
}

/// "The same or adjacent days" of FX-quota splitting, read as any span under 48 hours
/// rather than by calendar dates: a dump's dates depend on the time zone it was written
/// in (one in UTC cuts a Chinese bank's day at 08:00), and relatives who start paying
/// in the evening and finish two days on span three dates however they are cut. In a
/// dump of dates alone, three dates in a row are such a span.
const SAME_OR_ADJACENT_DAYS: i64 = 2 * DAY;

/// A personal cross-border payment in the FX quota's band: (payee, (time, person
/// holder, transfer)).
type QuotaPayment = (u32, (i64, u32, u32));

/// FX-quota splitting: many people paying one foreign payee on the same or adjacent
/// days (within 48 hours), each just under the individual annual quota, to a payee whose personal payers
/// do avoid the quota: over the dump, no more of their payments at or over it than in
/// the band under it. The quota is annual, so the payee's whole year is the measure; a
/// school, seller or dealer abroad paid by people of every means sees most of them go
/// over it, and five in the band on two days are a slice of that spread.
fn fx_quota_hits(ctx: &Context<'_>, cfg: &Ub2Config) -> Vec<Hit> {
    let g = ctx.graph;
    let (lo_amt, hi_amt) = (cfg.fx_min_quota_use.get() * cfg.fx_quota.get(), cfg.fx_quota.get());
    // Personal cross-border payments in the quota's band, as (payee, (time, person
    // holder, edge)), and the payees of those at or over the quota: read in parallel and
    // filed by sorting, since a large dump's payees do not fit the cache one by one.
    let (in_band, mut over_quota): (Vec<QuotaPayment>, Vec<u32>) = (0..g.edge_count())
        .into_par_iter()
        .with_min_len(4096)
        .filter_map(|e| {
            // The amount first, read in transfer order: most payments are far below the
            // band, and what the others need (the payer's kind, both countries) is read
            // at random.
            let a = g.amount[e];
            if a < lo_amt {
                return None;
            }
            let s = g.src[e] as usize;
            if g.accounts.kind[s] == HolderKind::Company
                || !cross_border(ctx, e)
                || matches!(g.channel[e], Channel::Card)
            {
                return None;
            }
            // Amounts are finite (ingest rejects NaN and infinities): at or over the
            // quota otherwise.
            if a < hi_amt {
                Some(Either::Left((g.dst[e], (g.time[e], g.accounts.holder[s], e as u32))))
            } else {
                Some(Either::Right(g.dst[e]))
            }
        })
        .partition_map(|x| x);
    over_quota.par_sort_unstable();
    // Personal payments at or over the quota to `payee`.
    let over = |payee: u32| {
        let from = over_quota.partition_point(|&p| p < payee);
        over_quota[from..].partition_point(|&p| p == payee)
    };
    // Times are known to the dump's tick: two payments written that many ticks apart
    // were under 48 hours apart if less than one tick more separates them (in a dump of
    // dates, the 25th and the 27th may be 25 hours apart).
    let tick = g.scale.time_tick_seconds.max(1);
    let mut hits = Vec::new();
    let by_payee = filed(in_band);
    // Every payee a person abroad paid a sum in the band is read, once per two days.
    let payees = by_payee.len();
    for (payee, mut list) in by_payee {
        if over(payee) > list.len() {
            continue;
        }
        list.sort_unstable();
        let mut keep = vec![false; list.len()];
        let mut lo = 0;
        for hi in 0..list.len() {
            while list[hi].0 - list[lo].0 >= SAME_OR_ADJACENT_DAYS + tick {
                lo += 1;
            }
            let people: BTreeSet<u32> = list[lo..=hi].iter().map(|x| x.1).collect();
            if people.len() >= cfg.min_fx_people.get() {
                keep[lo..=hi].iter_mut().for_each(|k| *k = true);
            }
        }
        let kept: Vec<&(i64, u32, u32)> =
            list.iter().zip(&keep).filter(|(_, k)| **k).map(|(x, _)| x).collect();
        if kept.is_empty() || !unlikely_split(g, cfg, (payee, payees), &kept, (lo_amt, hi_amt)) {
            continue;
        }
        let mut b = HitBuilder::default();
        let mut total = 0.0;
        for &&(_, _, e) in &kept {
            let (s, a) = (g.src[e as usize], g.amount[e as usize]);
            total += a;
            b.account(s, Role::Smurf, 0.0, a);
            b.account(payee, Role::Target, a, 0.0);
            b.transfer(e);
        }
        let people: BTreeSet<u32> = kept.iter().map(|x| x.1).collect();
        let strength =
            0.5 + 0.5 * ((people.len() as f64 / cfg.min_fx_people.get() as f64).log2()).clamp(0.0, 1.0);
        let reason = format!(
            "{} people each sent {}-{} USD ({:.0}-100% of the {} annual FX quota) to foreign payee {} on the same or adjacent days",
            people.len(),
            fmt_amount(lo_amt),
            fmt_amount(hi_amt),
            cfg.fx_min_quota_use.get() * 100.0,
            fmt_amount(cfg.fx_quota.get()),
            ctx.account(payee)
        );
        hits.push(b.finish(g, Pattern::Ub2, total, strength, reason));
    }
    hits
}

/// FX-quota splitting is more than a busy payee's everyday share of such payments: of
/// everything `payee` received from the first of the `kept` payments to the last, that
/// many in the quota's band (`band`) is fewer than `expected_by_chance` times as likely,
/// over every two-day span of each of the dump's `payees` paid such a sum at all, at the
/// dump's share of amounts in the band, or the payee's own share of them on its other
/// days where that is higher ([`own_rate_at_least`]). A school or a dealer abroad that
/// people of every means pay every day sees five in the band in two days where such
/// sums are everyday amounts, in the dump or for it; a fresh account paid by five
/// relatives at once, and nothing else, does not.
fn unlikely_split(
    g: &FlowGraph,
    cfg: &Ub2Config,
    (payee, payees): (u32, usize),
    kept: &[&(i64, u32, u32)],
    band: (f64, f64),
) -> bool {
    let (from, to) = (kept[0].0, kept[kept.len() - 1].0);
    let into = g.in_list(payee);
    let (lo, hi) = (into.time.partition_point(|&t| t < from), into.time.partition_point(|&t| t <= to));
    let received = hi - lo;
    let spans = (g.scale.span_days / 2.0).max(1.0);
    let tried = payees.max(1) as f64 * spans;
    // The dump's share of amounts in the band, or the payee's own share of them on the
    // other days, when its payers send such sums more often than the dump's do.
    let outside = into.amount[..lo].iter().chain(&into.amount[hi..]);
    let share = own_rate_at_least(
        outside.clone().filter(|a| (band.0..=band.1).contains(*a)).count(),
        outside.count(),
        g.scale.share_between(band.0, band.1),
    );
    binomial_tail(received.max(kept.len()), kept.len(), share) * tried <= cfg.expected_by_chance.get()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{Tiny, D, H};

    fn run(t: &Tiny) -> Vec<Hit> {
        t.hits(&Structuring)
    }

    /// `n` customers deposit `amount` USD cash into T on consecutive days.
    fn smurfs(t: &mut Tiny, n: usize, amount: f64, days_apart: i64) {
        t.person("T", "US");
        for k in 0..n {
            let p = format!("P{k}");
            t.person(&p, "US");
            t.send(&p, "T", k as i64 * days_apart * D + 10 * H, amount, Channel::CashDeposit);
        }
    }

    #[test]
    fn finds_cash_deposits_just_under_the_threshold() {
        let mut t = Tiny::new();
        smurfs(&mut t, 6, 9_500.0, 1);
        let hits = run(&t);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].accounts.len(), 7);
        assert!(hits[0].reason.contains("6 customer-days of cash deposits"), "{}", hits[0].reason);
    }

    #[test]
    fn near_misses_do_not_fire() {
        // Four hits only.
        let mut t = Tiny::new();
        smurfs(&mut t, 4, 9_500.0, 1);
        assert!(run(&t).is_empty());
        // Below the band (8,900 < 9,000).
        let mut t = Tiny::new();
        smurfs(&mut t, 6, 8_900.0, 1);
        assert!(run(&t).is_empty());
        // At the threshold: reported anyway, not structuring.
        let mut t = Tiny::new();
        smurfs(&mut t, 6, 10_000.0, 1);
        assert!(run(&t).is_empty());
        // Spread over 12 days: never 5 within 7.
        let mut t = Tiny::new();
        smurfs(&mut t, 6, 9_500.0, 2);
        assert!(run(&t).is_empty());
    }

    #[test]
    fn one_customer_split_across_days_counts_per_day() {
        let mut t = Tiny::new();
        t.person("T", "US");
        t.person("P", "US");
        for day in 0..5 {
            // Two deposits a day summing to 9,600: the day counts once, just under.
            t.send("P", "T", day * D + H, 4_800.0, Channel::CashDeposit);
            t.send("P", "T", day * D + 5 * H, 4_800.0, Channel::CashDeposit);
        }
        assert_eq!(run(&t).len(), 1);
        // Same-day totals over the threshold are not "just under".
        t.send("P", "T", 2 * D + 8 * H, 4_800.0, Channel::CashDeposit);
        assert!(run(&t).is_empty());
    }

    /// A world of a year's everyday wires (one a day, around 2,000, on the day) with a
    /// company payee abroad: FX-quota payments are rare among its amounts.
    fn fx_world() -> Tiny {
        let mut t = Tiny::new();
        t.economy(2_000.0, 365, 365);
        t.company("PAYEE", "AU");
        t
    }

    #[test]
    fn a_busy_payee_abroad_paid_such_sums_every_day_is_not_quota_splitting() {
        // A dealer abroad that people of every means pay every hour, a third of them
        // between half the quota and the quota: dozens of them in any two days, by its
        // own habit and the dump's amounts.
        let mut t = Tiny::new();
        t.company("DEALER", "AU");
        for k in 0..1_440i64 {
            let p = format!("C{}", k % 400);
            t.person(&p, "CN");
            let amount = if k % 3 == 0 {
                30_000.0 + (k % 5) as f64 * 3_000.0
            } else {
                5_000.0 + (k % 4) as f64 * 1_000.0
            };
            t.wire(&p, "DEALER", k * H, amount);
        }
        assert!(run(&t).is_empty(), "{:?}", run(&t));
    }

    #[test]
    fn fx_quota_splitting_to_one_foreign_payee() {
        let mut t = fx_world();
        for k in 0..5 {
            let p = format!("R{k}");
            t.person(&p, "CN");
            t.wire(&p, "PAYEE", (k % 2) as i64 * D + k as i64 * H, 48_000.0);
        }
        assert_eq!(run(&t).len(), 1);
        // Relatives who start in the evening and finish within two days span three
        // dates: all five are found, one hit.
        let mut t = fx_world();
        for (k, at) in [22 * H, 23 * H, D + 12 * H, 2 * D + H, 2 * D + 20 * H].into_iter().enumerate() {
            let p = format!("R{k}");
            t.person(&p, "CN");
            t.wire(&p, "PAYEE", 10 * D + at, 46_000.0);
        }
        let hits = run(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].transfers.len(), 5, "{hits:?}");
        // A dump of dates alone: the same relatives on three dates in a row may have
        // paid within 48 hours, and are found; over four dates with a gap, they are not.
        for (days, found) in [([0, 1, 1, 1, 2], 1), ([0, 1, 1, 3, 3], 0)] {
            let mut t = fx_world();
            for (k, day) in days.into_iter().enumerate() {
                let p = format!("R{k}");
                t.person(&p, "CN");
                t.wire(&p, "PAYEE", (10 + day) * D, 46_000.0);
            }
            assert_eq!(run(&t).len(), found, "{days:?}: {:?}", run(&t));
        }
        // Four people are not enough; nor are five spread over a week.
        let mut t = fx_world();
        for k in 0..5 {
            let p = format!("R{k}");
            t.person(&p, "CN");
            t.wire(&p, "PAYEE", k as i64 * 2 * D, 48_000.0);
        }
        assert!(run(&t).is_empty());
    }

    #[test]
    fn customers_on_both_sides_of_the_line_avoid_nothing() {
        // Six deposits just under the cash line in six days, beside seven over it: the
        // target's customers deposit sums of the threshold's size, on both sides.
        let mut t = Tiny::new();
        smurfs(&mut t, 6, 9_500.0, 1);
        assert_eq!(run(&t).len(), 1, "not vacuous: alone, the six are structuring");
        for k in 0..7 {
            let p = format!("BIG{k}");
            t.person(&p, "US");
            t.send(&p, "T", k * 20 * H + 3 * H, 10_500.0 + 400.0 * k as f64, Channel::CashDeposit);
        }
        assert!(run(&t).is_empty(), "{:?}", run(&t));
        // As many over as under is still avoidance of a kind the rules want reported.
        let mut t = Tiny::new();
        smurfs(&mut t, 6, 9_500.0, 1);
        for k in 0..6 {
            let p = format!("BIG{k}");
            t.person(&p, "US");
            t.send(&p, "T", k * D + 3 * H, 12_000.0, Channel::CashDeposit);
        }
        assert_eq!(run(&t).len(), 1);
    }

    /// Five smurfs deposit once each just under the cash line into T; six more bring
    /// two deposits on one day, `first` and `second`.
    fn smurfs_and_doubles(first: f64, second: f64) -> Vec<Hit> {
        let mut t = Tiny::new();
        smurfs(&mut t, 5, 9_500.0, 1);
        for k in 0..6 {
            let p = format!("TWICE{k}");
            t.person(&p, "US");
            let at = (k % 5) * D + 2 * H;
            t.send(&p, "T", at, first, Channel::CashDeposit);
            if second > 0.0 {
                t.send(&p, "T", at + 3 * H, second, Channel::CashDeposit);
            }
        }
        run(&t)
    }

    #[test]
    fn smurfs_bringing_two_deposits_under_the_line_on_one_day_still_avoid_it() {
        // Each of the six brings one deposit just under the line and one over it: their
        // days are reported by their sums, but the deposits under the line were sized
        // to stay under it, as the five smurfs' were.
        let hits = smurfs_and_doubles(9_500.0, 10_500.0);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].accounts.len(), 12, "the six who deposited twice are in the hit");
        assert!(hits[0].reason.starts_with("5 customer-days"), "{}", hits[0].reason);
        assert!(
            hits[0].reason.contains("beside 6 deposit(s) at or over it and 6 more each just under it"),
            "{}",
            hits[0].reason
        );
        // Not vacuous: the same sums, each brought in one deposit over the line, are
        // customers on both sides of it.
        let both_sides = smurfs_and_doubles(20_000.0, 0.0);
        assert!(both_sides.is_empty(), "{both_sides:?}");
    }

    #[test]
    fn a_day_split_into_deposits_each_under_the_line_is_a_structured_day() {
        // The six bring two deposits each just under the line on one day: the rules sum
        // their days over it, but each deposit was sized to stay under it.
        let hits = smurfs_and_doubles(9_400.0, 9_600.0);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.starts_with("11 customer-days"), "{}", hits[0].reason);
        assert!(
            hits[0].reason.contains("on 6 of them, deposits each just under it that sum over it"),
            "{}",
            hits[0].reason
        );
        // Two smurfs alone and three who split their day reach five structured days.
        let mut t = Tiny::new();
        smurfs(&mut t, 2, 9_500.0, 1);
        let split = |t: &mut Tiny, second: f64| {
            for k in 0..3 {
                let p = format!("SPLIT{k}");
                t.person(&p, "US");
                t.send(&p, "T", (2 + k) * D + H, 9_400.0, Channel::CashDeposit);
                t.send(&p, "T", (2 + k) * D + 4 * H, second, Channel::CashDeposit);
            }
        };
        split(&mut t, 9_700.0);
        assert_eq!(run(&t).len(), 1);
        // Not vacuous: with their second deposits below the band, the three days are
        // sums over the line, not days kept under it, and two are too few.
        let mut t = Tiny::new();
        smurfs(&mut t, 2, 9_500.0, 1);
        split(&mut t, 4_000.0);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
    }

    #[test]
    fn a_foreign_payee_paid_every_size_is_not_quota_splitting() {
        // A school abroad, paid by families of every means: five paid between half the
        // quota and the quota on adjacent days, eight paid more over the year.
        let mut t = Tiny::new();
        t.economy(2_000.0, 365, 365);
        t.company("SCHOOL", "AU");
        for k in 0..5 {
            let p = format!("R{k}");
            t.person(&p, "CN");
            t.wire(&p, "SCHOOL", (k % 2) as i64 * D + k as i64 * H, 30_000.0 + 3_000.0 * k as f64);
        }
        assert_eq!(run(&t).len(), 1, "not vacuous: alone, the five split their quotas");
        for k in 0..8 {
            let p = format!("W{k}");
            t.person(&p, "CN");
            t.wire(&p, "SCHOOL", k as i64 * 30 * D + 3 * H, 60_000.0 + 10_000.0 * k as f64);
        }
        assert!(run(&t).is_empty(), "{:?}", run(&t));
    }

    /// A dump of ten everyday wires a day for a year, and a company abroad.
    fn busy_world(payee: &str) -> Tiny {
        let mut t = Tiny::new();
        t.economy(2_000.0, 365, 3_650);
        t.company(payee, "AU");
        t
    }

    /// A year of customers abroad paying `payee` one at a time, every `every` days, the
    /// sums of `amounts` in turn.
    fn customers_all_year(t: &mut Tiny, payee: &str, every: i64, amounts: &[f64]) {
        for k in 0..365 / every {
            let p = format!("Y{k}");
            t.person(&p, "CN");
            t.wire(&p, payee, k * every * D + 9 * H, amounts[k as usize % amounts.len()]);
        }
    }

    #[test]
    fn a_company_abroad_paid_sums_of_the_lines_size_all_year_avoids_nothing() {
        // An exporter whose customers abroad wire it every day of the year, one in ten
        // of them just under the personal cross-border line: a week with five of eight
        // new customers under the line is its own habit, however rare such sums are in
        // the rest of the dump.
        let week = |t: &mut Tiny| {
            let amounts = [9_400.0, 4_000.0, 9_900.0, 9_100.0, 6_000.0, 9_700.0, 7_000.0, 9_300.0];
            new_customers(t, ("EXPORTER", "CN"), (200 * D, 20 * H), &amounts);
        };
        let mut t = busy_world("EXPORTER");
        week(&mut t);
        assert_eq!(run(&t).len(), 1, "not vacuous: alone, the week is structuring");
        let mut t = busy_world("EXPORTER");
        let year =
            [3_000.0, 9_400.0, 14_000.0, 6_500.0, 25_000.0, 4_200.0, 18_000.0, 7_700.0, 40_000.0, 11_500.0];
        customers_all_year(&mut t, "EXPORTER", 1, &year);
        week(&mut t);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
    }

    #[test]
    fn a_payee_abroad_paid_quota_sized_sums_all_year_is_not_quota_splitting() {
        // A university abroad whose students' families pay it every other day, half of
        // them between half the quota and the quota: five such payments in two days are
        // its own habit, however rare such sums are in the rest of the dump.
        let five = |t: &mut Tiny| {
            for k in 0..5 {
                let p = format!("R{k}");
                t.person(&p, "CN");
                t.wire(&p, "UNIVERSITY", 200 * D + (k % 2) as i64 * D + k as i64 * H, 46_000.0);
            }
        };
        let mut t = busy_world("UNIVERSITY");
        five(&mut t);
        assert_eq!(run(&t).len(), 1, "not vacuous: alone, the five split their quotas");
        let mut t = busy_world("UNIVERSITY");
        customers_all_year(&mut t, "UNIVERSITY", 2, &[30_000.0, 8_000.0, 42_000.0, 15_000.0]);
        five(&mut t);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
    }

    #[test]
    fn travellers_and_card_payments_do_not_fire() {
        let mut t = Tiny::new();
        t.company("DEALER", "US");
        t.company("SHOP", "US");
        for k in 0..8 {
            let p = format!("V{k}");
            t.person(&p, "US");
            t.send(&p, "DEALER", k as i64 * H, 9_500.0, Channel::Fx);
            t.send(&p, "SHOP", k as i64 * H, 9_500.0, Channel::Card);
        }
        // FX purchases are personal transfers (threshold 100,000), cards never count.
        assert!(run(&t).is_empty());
    }

    /// 3,000 personal transfers between 150 payers and 150 payees over 180 days, of
    /// `largest / 100` to just under `largest`, evenly spread.
    fn everyday_up_to(t: &mut Tiny, largest: f64) {
        for k in 0..3_000i64 {
            let amount = largest * (1 + (k * 7_919) % 99) as f64 / 100.0;
            t.wire(
                &format!("E{}", k % 150),
                &format!("F{}", (k * 7 + k / 150) % 150),
                k * 180 * D / 3_000,
                amount,
            );
        }
    }

    /// A busy account's week: eight new customers, five of them just under the personal
    /// line of 100,000 and three well under it.
    fn busy_week(t: &mut Tiny) {
        t.person("SHOP", "US");
        let amounts = [95_000.0, 40_000.0, 91_000.0, 97_500.0, 12_000.0, 93_000.0, 65_000.0, 99_000.0];
        new_customers(t, ("SHOP", "US"), (60 * D, 18 * H), &amounts);
    }

    /// New customers in `country` wiring `payee` the sums of `amounts`, one every
    /// `every` seconds from `from`.
    fn new_customers(
        t: &mut Tiny,
        (payee, country): (&str, &str),
        (from, every): (i64, i64),
        amounts: &[f64],
    ) {
        for (k, &amount) in amounts.iter().enumerate() {
            let p = format!("C{k}");
            t.person(&p, country);
            t.wire(&p, payee, from + k as i64 * every, amount);
        }
    }

    #[test]
    fn amounts_that_run_up_to_a_line_and_stop_avoid_nothing() {
        // Where the dump's amounts stop just short of the line (a simulator's range, a
        // currency of small units), a tenth of everything lands just under it, and five
        // of a busy account's eight customers in a week are its everyday share.
        let mut t = Tiny::new();
        everyday_up_to(&mut t, 100_000.0);
        busy_week(&mut t);
        assert!(run(&t).is_empty(), "{:?}", run(&t));
        // Cash smurfed under its own line into a mule there is still structuring.
        smurfs(&mut t, 6, 9_500.0, 1);
        let hits = run(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("cash deposits"), "{}", hits[0].reason);
        // Not vacuous: the same week where everyday amounts sit far below the line.
        let mut t = Tiny::new();
        everyday_up_to(&mut t, 20_000.0);
        busy_week(&mut t);
        let hits = run(&t);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("5 customer-days of personal transfers"), "{}", hits[0].reason);
    }
}

//! gather_scatter — a hub that gathers from several senders, then scatters most of it to
//! several payees (generic motif).
//!
//! ## What it finds
//! An account whose densest window of incoming transfers has at least `min_senders`
//! distinct senders, followed (from the first gathered transfer on, starting within one
//! window after the last and lasting one window more) by payments to at least
//! `min_payees` distinct payees that carry on most of
//! what the hub took in from the gather's start until it had paid them (or, first in
//! first out after the balance its flows imply it held, most of what it took until it
//! began to pay: a salary or a customer's payment that came in while it scattered, and
//! that it kept, funded none of the scatter), and neither
//! side is the account's everyday business. The gather is read at every window length
//! from one day up, as for the fans, and must be more than the hub's habit explains
//! (`expected_by_chance`); of those readings, the most telling one that a scatter
//! follows is kept, so a receipt the hub kept just before the pass does not hide it. A hub that exists for one pass
//! (the gather and the scatter are all it ever did, each sender and each payee dealt
//! with once) is reported whatever its amounts, which some launderers and simulators
//! size afresh at every leg, as long as it paid on at least a fifth of its take
//! (`1 - min_pass_through`, what a hub that carries the money on may keep): a
//! collection account that keeps its take and pays a bill or two is a fan-in. Such a hub may also take longer than a window over its
//! job: when every receipt came before every payment, the money rested no longer than
//! the gather took (and one window more), and so orderly a life is expected by chance
//! less than `expected_by_chance` times among the dump's accounts that dealt with each
//! counterparty once (one in `C(receipts + payments, receipts)` orders), it is reported
//! too, with that chance in its reason.
//!
//! A hub is reported too, however few its counterparties and however long it held the
//! money (up to a month each way), when it received a run of transfers and then paid out
//! exactly the dump's cut of them, to the unit its amounts are written in
//! ([`crate::graph::algo::exact_cuts`]): a whole percentage (50 to 99) that far more of
//! the dump's private accounts pass on exactly than pass on any other (a Poisson count
//! at the median share's, 1% over the fifty shares, five accounts at the least). A
//! network that pays its relays a fixed commission leaves that share on each of them,
//! however they split what they pass on; at a share no one keeps, an exact sum is a
//! coincidence the dump's own count prices.
//!
//! A hub whose payments keep a rhythm is reported too, whatever share it passed on and
//! however few its counterparties (`min_senders` and `min_payees` each), when it met at
//! least `min_senders` new senders within a window (at `min_rate_ratio` times its pace
//! of meeting them over the rest of its life) and then, within a window of the last,
//! paid `min_payees` new payees on days off its rhythm, more than chance: the breaks at
//! the rate of the dump's other rhythmic accounts of its kind (less than even odds over
//! its life on their own), times the new senders at its own rate, times the dump's
//! active accounts, at most `expected_by_chance`
//! ([`crate::detect::search::rhythm_broken_pass`]). Money that strangers paid in and
//! that went out on days the hub never pays, to people it never paid, was sent when
//! someone else decided.
//!
//! ## Why it matters
//! typologies.md defines gather-scatter as "a node with fan-in >= 2 and fan-out >= 2";
//! it is one of the eight motifs labelled in AMLworld and AMLSim, and the shape of an
//! underground bank's collector (UB1) when no country data tells the two sides apart.
//!
//! ## Example
//! ```text
//! S1 ─┐         ┌─> D1
//! S2 ─┼─> H ────┼─> D2     gathered 40,000 in 5 days, scattered 38,000 in the next 5
//! S3 ─┘         └─> D3
//! ```
//!
//! ## Parameters
//! `[gather_scatter]`: `window_days` (7), `min_senders` (2), `min_payees` (2),
//! `min_counterparties` (6, senders and payees together), `min_pass_through` (0.8, and
//! at most 1 / 0.8: the hub pays out the gathered money, not its own business income),
//! `min_rate_ratio` (5, each way, as for the fans), `min_amount` (`p50` gathered: one median
//! transfer of the dump), `expected_by_chance` (1, as for the fans), `channels` (all but
//! card).
//!
//! ## Look-alikes
//! A merchant or a fund gathers all year and pays out on a schedule: no window holds
//! most of either side. A household that pays a small bill every day pays five
//! payees in five days all the time, but not five sums of thousands: the scatter is
//! read against the hub's habit of paying all it pays, or of paying sums like the
//! scatter's (half its median payment or more), to enough payees of such sums, when a
//! burst that dense is expected by chance at most `expected_by_chance` times over the
//! dump's accounts. A business that pays its suppliers large sums twice a week has that
//! habit, and a busier week is what a dump of such businesses holds by chance. A household that sells a few things and pays a few new payees
//! has a life besides, so its amounts must carry on to count. A household pays bills and shopping out of a salary: the
//! salary is one sender and the bills are small next to it. Card purchases are shopping:
//! a hub paid a few times that then buys in a few new shops by card has a life besides,
//! not one pass, and its purchases are no scatter. A new customer who is paid a
//! few times and spends it months later kept the money: savings, not a pass. A young
//! fund whose first outflows are redemptions to its own investors deals with them twice
//! (in, then back out), so its life is not one pass to strangers. A hub that paid the
//! scatter out of a balance it held before the gather kept the gather. A collector
//! with the UB1 evidence (ten senders, quick sweep) is reported as UB1 instead.
//! Letting agents and brokers keep the same tenth of the rent or the premium: they pay
//! the landlord or the insurer again and again, and payees paid more than twice are
//! left out of a pass. An acquirer or a remitter keeps the same fee on every payment:
//! banks, licensed firms and accounts busy enough to be businesses are left out. A
//! sweep passes on everything (100% is no share read), and sums of round amounts make
//! round shares of them by themselves (sums in whole units are not read). Where the
//! dump's households break their standing orders every week or two, new payees off a
//! hub's rhythm are everyday; a household selling its things, a new buyer every ten
//! days, meets three in three days at its own pace: neither is a rhythm-broken pass
//! (tested below).

use rayon::prelude::*;

use crate::config::params::{Channels, Count, Days, Multiple, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::context::PartEdges;
use crate::detect::graded::{Graded, Refused};
use crate::detect::handed::Handed;
use crate::detect::search::cut_passes::{cut_pass, dump_cuts, PassLists};
use crate::detect::search::fans::{hand_break_rate, Breaks};
use crate::detect::search::gather_scatter::{scan, HubSpec, WholeLife};
use crate::detect::search::rhythm_broken_pass::rhythm_broken_pass;
use crate::detect::{Context, Detector, Hit, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::exact_cuts::DumpCuts;
use crate::graph::FlowGraph;
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::days_to_seconds;
use serde::{Deserialize, Serialize};

/// Parameters of the gather-scatter motif.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatherScatterConfig {
    /// Window of the gathering; the scattering may start within one more window, and
    /// take one window from its start. Days.
    pub window_days: Days,
    /// Distinct senders of the gathering.
    pub min_senders: Count<1>,
    /// Distinct payees of the scattering.
    pub min_payees: Count<1>,
    /// Distinct senders and payees together.
    pub min_counterparties: Count<2>,
    /// Money scattered / money gathered.
    pub min_pass_through: Share,
    /// Rate inside the window / rate outside it, each way.
    pub min_rate_ratio: Multiple,
    /// Smallest amount gathered, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Most gathers as unlikely as this one (new senders against the hub's own rate of
    /// meeting them, amounts against its own) expected by chance over the whole dump.
    pub expected_by_chance: Multiple,
    /// Leave out transfers between two companies (when holder kinds are known).
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Channels,
}

/// gather_scatter detector.
pub struct GatherScatter;

impl Detector for GatherScatter {
    fn chance_budget(&self, config: &Config) -> Option<f64> {
        Some(config.gather_scatter.expected_by_chance.get())
    }

    fn lookback(&self, _: &Config) -> Lookback {
        Lookback::unbounded(
            "a hub whose whole life is one pass is read over that life",
            &[
                Reads::AmountQuantiles,
                Reads::AccountRate,
                Reads::AccountHistory,
                Reads::PairCounts,
                Reads::TwoWay,
                Reads::Reference,
            ],
        )
    }

    fn part_rule(&self, _config: &Config) -> Option<PartRule> {
        // A hub's pass is read over its own transfers, both ways; pair flags come from the
        // whole dump.
        Some(PartRule::Account { anchor: Some(Role::Hub) })
    }

    fn pattern(&self) -> Pattern {
        Pattern::GatherScatter
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn hand_to_part(
        &self,
        whole: &Context<'_>,
        _part: &FlowGraph,
        _edges: PartEdges<'_>,
        handed: &mut Handed,
    ) {
        handed.whole_life = Some(whole_life(whole, &hub_spec(whole)));
        handed.cuts = Some(cuts_of(whole).as_ref().clone());
        // How often the dump's rhythmic accounts break their rhythm: a count over every
        // account, which a part of some accounts does not hold.
        hand_break_rate(whole, handed);
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let hubs = Hubs::of(ctx);
        let hits = hubs.scan_all(ctx).into_iter().filter_map(|(_, hit, _)| hit).collect();
        Outcome { hits, notes: hubs.notes() }
    }

    fn search_graded(&self, ctx: &Context<'_>, times: f64) -> Option<Box<dyn Graded>> {
        let hubs = Hubs::of(ctx);
        let mut hits = Vec::new();
        let mut refused = Vec::new();
        for (v, hit, least) in hubs.scan_all(ctx) {
            if let Some(hit) = hit {
                hits.push((v, hit));
            }
            if least.is_finite() {
                refused.push((v, least));
            }
        }
        let budget = ctx.config.gather_scatter.expected_by_chance.get();
        Some(Box::new(Scanned { budget, widest: budget * times, hits, refused, notes: hubs.notes() }))
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[
            Pattern::Ub1,
            Pattern::Ub3,
            Pattern::Ub4,
            Pattern::Ub5,
            Pattern::Ub6,
            Pattern::Os4,
            Pattern::Stack,
            Pattern::Bipartite,
            Pattern::ScatterGather,
        ]
    }
}

/// What every hub's scan reads besides the hub's own transfers, under `ctx`'s
/// configuration.
struct Hubs {
    spec: HubSpec,
    channels: Vec<Channel>,
    cuts: DumpCuts,
    breaks: Breaks,
}

impl Hubs {
    fn of(ctx: &Context<'_>) -> Hubs {
        let mut spec = hub_spec(ctx);
        // A count over the whole dump, made once for every part: how many accounts dealt
        // with each counterparty once.
        let life = match ctx.handed_tables().and_then(|h| h.whole_life) {
            Some(handed) => handed,
            None => {
                debug_assert!(ctx.whole.is_none(), "a part reads the whole dump's count it was handed");
                whole_life(ctx, &spec)
            }
        };
        spec.one_pass = Some(life);
        // The shares the whole dump's accounts pass on exactly, tallied once.
        // (A hundred counts or so: cloned rather than borrowed from either place.)
        let cuts = match ctx.handed_tables().and_then(|h| h.cuts.as_ref()) {
            Some(handed) => handed.clone(),
            None => {
                debug_assert!(ctx.whole.is_none(), "a part reads the whole dump's cuts it was handed");
                cuts_of(ctx).as_ref().clone()
            }
        };
        // Read by the scans below: measured here on every thread, not by the first scan
        // that asks while the other threads wait for it (`Context::one_off_payments`).
        ctx.one_off_payments();
        let breaks = Breaks::of_payments(ctx);
        let channels = ctx.config.gather_scatter.channels.as_slice().to_vec();
        Hubs { spec, channels, cuts, breaks }
    }

    /// Hub `v`'s pass, if it has one: within a window, by a cut it keeps, or off its
    /// rhythm. Every chance test reads the budget through `refused`.
    fn scan(&self, ctx: &Context<'_>, v: u32, lists: &mut PassLists, refused: &Refused) -> Option<Hit> {
        let Hubs { spec, channels, cuts, breaks } = self;
        scan(ctx, spec, channels, v, Pattern::GatherScatter, refused)
            .or_else(|| cut_pass(ctx, channels, cuts, v, Pattern::GatherScatter, lists))
            .or_else(|| {
                breaks
                    .may_hold(v, spec.min_payees)
                    .then(|| {
                        rhythm_broken_pass(
                            ctx,
                            spec,
                            &breaks.rates,
                            channels,
                            v,
                            Pattern::GatherScatter,
                            refused,
                        )
                    })
                    .flatten()
            })
    }

    /// Each of `hubs` (ascending) with its pass, if any, and the least its budget
    /// refused; only those with one or the other.
    fn scan_each(
        &self,
        ctx: &Context<'_>,
        hubs: impl IndexedParallelIterator<Item = u32>,
    ) -> Vec<(u32, Option<Hit>, f64)> {
        hubs.with_min_len(256)
            .map_init(PassLists::default, |lists, v| {
                let refused = Refused::default();
                let hit = self.scan(ctx, v, lists, &refused);
                (v, hit, refused.least())
            })
            .filter(|(_, hit, least)| hit.is_some() || least.is_finite())
            .collect()
    }

    /// [`Hubs::scan_each`] of every account.
    fn scan_all(&self, ctx: &Context<'_>) -> Vec<(u32, Option<Hit>, f64)> {
        self.scan_each(ctx, (0..ctx.graph.node_count() as u32).into_par_iter())
    }

    /// Where a share stood out, what the dump said of it.
    fn notes(&self) -> Vec<String> {
        let cuts = &self.cuts;
        cuts.cuts
            .iter()
            .map(|&p| {
                format!(
                    "{p}% passed on exactly (to {}) by {} private accounts, against {:.0} at the median share: read as a cut relays keep",
                    fmt_tick(cuts.tick),
                    cuts.accounts_at(p),
                    cuts.expected
                )
            })
            .collect()
    }
}

/// The passes one scan of every hub found, and where its budget refused a test: a wider
/// budget scans again only the hubs whose least refusal it allows ([`Refused`]), and
/// reads every other hub's pass, or none, as it was.
struct Scanned {
    /// The budget it scanned under.
    budget: f64,
    /// The widest budget it is read under.
    widest: f64,
    /// Each hub's pass, in node order.
    hits: Vec<(u32, Hit)>,
    /// Each hub whose scan refused a test, with the least it refused, in node order.
    refused: Vec<(u32, f64)>,
    notes: Vec<String>,
}

impl Graded for Scanned {
    fn at(&self, ctx: &Context<'_>) -> Option<Outcome> {
        let budget = ctx.config.gather_scatter.expected_by_chance.get();
        if budget < self.budget || budget > self.widest {
            return None;
        }
        let again: Vec<u32> =
            self.refused.iter().filter(|&&(_, least)| least <= budget).map(|&(v, _)| v).collect();
        let rescanned = if again.is_empty() {
            Vec::new()
        } else {
            Hubs::of(ctx).scan_each(ctx, again.par_iter().copied())
        };
        // The kept passes of the hubs not scanned again, and the new ones, in node order.
        let scanned_again = |v: u32| again.binary_search(&v).is_ok();
        let mut hits: Vec<(u32, Hit)> =
            self.hits.iter().filter(|(v, _)| !scanned_again(*v)).map(|(v, hit)| (*v, hit.clone())).collect();
        hits.extend(rescanned.into_iter().filter_map(|(v, hit, _)| Some((v, hit?))));
        hits.sort_by_key(|&(v, _)| v);
        Some(Outcome { hits: hits.into_iter().map(|(_, hit)| hit).collect(), notes: self.notes.clone() })
    }
}

/// The hub test under `[gather_scatter]`, against `ctx`'s dump.
fn hub_spec(ctx: &Context<'_>) -> HubSpec {
    let cfg = &ctx.config.gather_scatter;
    HubSpec {
        window: days_to_seconds(cfg.window_days.get()),
        min_senders: cfg.min_senders.get(),
        min_payees: cfg.min_payees.get(),
        min_counterparties: cfg.min_counterparties.get(),
        min_pass_through: cfg.min_pass_through.get(),
        min_rate_ratio: cfg.min_rate_ratio.get(),
        min_amount: ctx.graph.scale.floor(cfg.min_amount),
        skip_b2b: cfg.skip_business_to_business,
        expected_by_chance: Some(cfg.expected_by_chance.get()),
        one_pass: None,
    }
}

/// A tick in words: "0.01", "1", "100".
fn fmt_tick(tick: f64) -> String {
    let decimals = (-tick.log10().round()).max(0.0) as usize;
    format!("{tick:.decimals$}")
}

/// The shares `whole`'s accounts pass on exactly, and its cuts (measured once).
fn cuts_of(whole: &Context<'_>) -> std::sync::Arc<DumpCuts> {
    let cfg = &whole.config.gather_scatter;
    whole.measured_for_every_budget(|| dump_cuts(whole.graph, cfg.channels.as_slice()))
}

/// How many accounts of `whole`'s dump dealt with each counterparty once, under `spec`
/// (measured once).
fn whole_life(whole: &Context<'_>, spec: &HubSpec) -> WholeLife {
    let cfg = &whole.config.gather_scatter;
    let chance = cfg.expected_by_chance.get();
    *whole.measured_once(|| WholeLife::new(whole.graph, spec, cfg.channels.as_slice(), chance))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{graded_as_searched, Tiny, D, H};
    use crate::detect::Role;

    #[test]
    fn one_scan_kept_for_wider_budgets_finds_there_what_a_scan_under_them_finds() {
        graded_as_searched(&GatherScatter, 41, "");
    }

    #[test]
    fn a_wider_budget_scans_again_only_the_hubs_whose_refusals_it_allows() {
        // A hub whose whole life is one pass, 1 in 252 of its orders, under a budget of
        // a thousandth: refused by one scan, found under eight times that budget.
        let t = one_job_world(5, 5, 12, 7);
        let budget = |b: f64| {
            Config::with_overrides(&format!("[gather_scatter]\nexpected_by_chance = {b}"), "test")
                .expect("valid")
        };
        let config = budget(0.001);
        let (g, dump) = (t.graph(), &t.dump);
        let ctx = Context::new(&g, dump, &config);
        let kept = GatherScatter.search_graded(&ctx, 64.0).expect("kept");
        let scanned = GatherScatter.run(&ctx);
        assert_eq!(kept.at(&ctx).expect("its own budget").hits, scanned.hits);
        assert!(scanned.hits.is_empty(), "{:?}", scanned.hits);
        for times in [2.0, 8.0, 64.0] {
            let wide = config.with_chance_budgets_times(times);
            let ctx = Context::new(&g, dump, &wide);
            let read = kept.at(&ctx).expect("within the widest").hits;
            assert_eq!(read, GatherScatter.run(&ctx).hits, "{times}x");
            assert_eq!(read.len(), usize::from(times >= 8.0), "{times}x: {read:?}");
        }
        assert!(kept.at(&Context::new(&g, dump, &budget(0.0005))).is_none(), "a narrower budget is searched");
        assert!(kept.at(&Context::new(&g, dump, &budget(0.065))).is_none(), "as is one wider than kept");
    }

    fn case(t: &mut Tiny, senders: usize, payees: usize, keep: f64) {
        t.span(200);
        let mut total = 0.0;
        for k in 0..senders {
            t.wire(&format!("S{k}"), "HUB", 10 * D + k as i64 * 10 * H, 5_000.0);
            total += 5_000.0;
        }
        for k in 0..payees {
            t.wire("HUB", &format!("P{k}"), 15 * D + k as i64 * 10 * H, total * keep / payees as f64);
        }
    }

    /// A life besides (a grocer the hub pays every month): not a hub that exists for
    /// one pass.
    fn life_besides(t: &mut Tiny) {
        for m in 0..6 {
            t.wire("HUB", "GROCER", m * 30 * D + 3 * D, 60.0);
        }
    }

    #[test]
    fn finds_gather_then_scatter() {
        let mut t = Tiny::new();
        case(&mut t, 4, 4, 0.95);
        let hits = t.hits(&GatherScatter);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].accounts.len(), 9);
        assert!(hits[0].reason.contains("4 senders") && hits[0].reason.contains("4 payees"));
    }

    #[test]
    fn a_merchant_paid_all_year_that_pays_its_suppliers_monthly_is_no_pass() {
        // Look-alike: a workshop that a new customer pays every few days all year, and
        // that pays its four suppliers at the end of each month: no window holds most
        // of either side.
        let mut t = Tiny::new();
        t.span(200);
        for k in 0..60i64 {
            t.wire(&format!("CUSTOMER{k}"), "HUB", (3 * k + 1) * D + 10 * H, 5_000.0 + 40.0 * k as f64);
        }
        for m in 0..6i64 {
            for k in 0..4i64 {
                t.wire("HUB", &format!("SUPPLIER{k}"), (m * 30 + 28) * D + k * H, 11_000.0);
            }
        }
        assert!(t.hits(&GatherScatter).is_empty(), "{:?}", t.hits(&GatherScatter));
        // A hub that gathers from four new senders in two days and scatters it to four
        // new payees days later is a pass.
        let mut t = Tiny::new();
        case(&mut t, 4, 4, 0.95);
        assert_eq!(t.hits(&GatherScatter).len(), 1);
    }

    #[test]
    fn an_earlier_receipt_the_hub_kept_does_not_hide_the_pass() {
        // A large receipt two days before the gather makes the week's window the one
        // with most senders, but the hub passed on only what the next days brought.
        let mut t = Tiny::new();
        case(&mut t, 4, 4, 0.95);
        t.wire("OLD", "HUB", 8 * D, 20_000.0);
        life_besides(&mut t);
        let hits = t.hits(&GatherScatter);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("4 senders"), "{}", hits[0].reason);
    }

    #[test]
    fn money_paid_back_to_senders_leaves_the_pass_to_be_read_on_the_rest() {
        // Two of six senders get their money back (a refund, a payee the launderer also
        // used as a sender); what the hub took from the other four goes on to `payees`
        // new payees. The refunds were never the hub's to pass on, so they count on
        // neither side.
        let hub = |payees: usize| {
            let mut t = Tiny::new();
            t.span(200);
            for k in 0..6 {
                t.wire(&format!("S{k}"), "HUB", 10 * D + k as i64 * 10 * H, 5_000.0);
            }
            life_besides(&mut t);
            t.wire("HUB", "S0", 14 * D, 5_000.0);
            t.wire("HUB", "S1", 14 * D + H, 5_000.0);
            for k in 0..payees {
                t.wire("HUB", &format!("P{k}"), 15 * D + k as i64 * 10 * H, 19_200.0 / payees as f64);
            }
            t.hits(&GatherScatter)
        };
        let hits = hub(4);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("4 payees"), "{}", hits[0].reason);
        // Refunds and one payee are no scatter.
        assert!(hub(1).is_empty());
    }

    #[test]
    fn money_that_came_in_while_the_hub_scattered_does_not_hide_the_pass() {
        // The hub passes on 95% of the gather; halfway through the scatter its salary and
        // a friend's repayment arrive, and it keeps them. First in, first out, what the
        // scatter paid was the gather.
        let mut t = Tiny::new();
        case(&mut t, 4, 4, 0.95);
        life_besides(&mut t);
        t.wire("EMPLOYER", "HUB", 15 * D + 15 * H, 3_000.0);
        t.wire("FRIEND", "HUB", 15 * D + 16 * H, 4_000.0);
        let hits = t.hits(&GatherScatter);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("4 payees"), "{}", hits[0].reason);
        // Had the hub paid out of a balance it already held, the gather stayed.
        let mut t = Tiny::new();
        t.wire("SAVINGS", "HUB", D, 40_000.0);
        case(&mut t, 4, 4, 0.95);
        life_besides(&mut t);
        t.wire("EMPLOYER", "HUB", 15 * D + 15 * H, 3_000.0);
        t.wire("FRIEND", "HUB", 15 * D + 16 * H, 4_000.0);
        assert!(t.hits(&GatherScatter).is_empty());
    }

    #[test]
    fn a_scatter_that_takes_its_own_week_is_still_the_pass() {
        // Four senders in a day and a half; the hub starts paying four days later and
        // takes five days over its four payees, the last two more than a week after
        // the gather ended.
        let hub = |first_payment_day: i64| {
            let mut t = Tiny::new();
            t.span(200);
            for k in 0..4 {
                t.wire(&format!("S{k}"), "HUB", 10 * D + k as i64 * 10 * H, 5_000.0);
            }
            for (k, day) in [0, 1, 4, 5].into_iter().enumerate() {
                t.wire("HUB", &format!("P{k}"), (first_payment_day + day) * D, 4_750.0);
            }
            life_besides(&mut t);
            t.hits(&GatherScatter)
        };
        let hits = hub(15);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("4 payees"), "{}", hits[0].reason);
        // Not vacuous: a hub that pays nothing on for more than a week after the gather
        // kept it.
        assert!(hub(20).is_empty(), "{:?}", hub(20));
    }

    #[test]
    fn a_household_that_pays_small_sums_every_few_days_still_shows_a_three_day_scatter() {
        // The hub pays a friend or a bill every third day all year (sixty-six payments
        // of the sums it will scatter), then gathers from six new senders in three days
        // and pays ten new payees in three more: ten in three days stand out of its
        // habit, though not when read over a week.
        let hub = |payees_days: i64| {
            let mut t = Tiny::new();
            t.span(200);
            for k in 0..66i64 {
                t.wire(
                    "HUB",
                    &format!("FRIEND{}", k % 4),
                    k * 3 * D + 9 * H,
                    1_800.0 + 100.0 * (k % 5) as f64,
                );
            }
            for k in 0..6 {
                t.wire(&format!("S{k}"), "HUB", 100 * D + k as i64 * 12 * H, 3_400.0);
            }
            for k in 0..10i64 {
                t.wire("HUB", &format!("P{k}"), 104 * D + k * payees_days * D / 10, 2_000.0);
            }
            t.hits(&GatherScatter)
        };
        let hits = hub(3);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("10 payees"), "{}", hits[0].reason);
        // Not vacuous: the same ten payments spread over the week are its habit's pace.
        assert!(hub(7).is_empty(), "{:?}", hub(7));
    }

    /// A hub that pays `habit` every `every_days` days all year to its regular
    /// payees, gathers 5,000 from six new senders in two days, then pays five new payees
    /// 5,700 each over five days.
    fn paying_habit_then_pass(habit: f64, every_days: f64) -> Vec<Hit> {
        let mut t = Tiny::new();
        t.span(200);
        let payments = (200.0 / every_days) as i64;
        for k in 0..payments {
            let at = (k as f64 * every_days * D as f64) as i64 + 9 * H;
            t.wire("HUB", &format!("REGULAR{}", k % 7), at, habit + (k % 21) as f64);
        }
        for k in 0..6 {
            t.wire(&format!("S{k}"), "HUB", 100 * D + k as i64 * 8 * H, 5_000.0);
        }
        for k in 0..5i64 {
            t.wire("HUB", &format!("P{k}"), 103 * D + k * 30 * H, 5_700.0);
        }
        t.hits(&GatherScatter)
    }

    #[test]
    fn a_household_that_pays_small_sums_daily_shows_a_scatter_of_sums_it_never_paid() {
        // Five payments in five days are its daily pace, but it never paid such sums
        // before: read against its habit of paying them, the scatter stands out.
        let hits = paying_habit_then_pass(5.0, 1.0);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("5 payees"), "{}", hits[0].reason);
    }

    #[test]
    fn a_business_that_pays_large_sums_twice_a_week_shows_no_scatter_in_a_busy_week() {
        // Look-alike: a business pays its suppliers 5,000 or so twice a week; five such
        // payments in five days after a week of takings is its habit's pace.
        let hits = paying_habit_then_pass(5_000.0, 3.5);
        assert!(hits.is_empty(), "{hits:?}");
    }

    #[test]
    fn a_gather_the_hub_kept_does_not_hide_a_pass_it_made_later() {
        // The hub takes in from twelve new senders in a week and keeps it (another
        // case's fan-in, or savings); ten days later it gathers from four more and
        // passes that on to four payees.
        let hub = |passes: bool| {
            let mut t = Tiny::new();
            t.span(200);
            for k in 0..12i64 {
                t.wire(&format!("EARLIER{k}"), "HUB", 20 * D + k * 12 * H, 4_000.0);
            }
            for k in 0..4 {
                t.wire(&format!("S{k}"), "HUB", 36 * D + k as i64 * 10 * H, 5_000.0);
            }
            if passes {
                for k in 0..4i64 {
                    t.wire("HUB", &format!("P{k}"), 40 * D + k * 10 * H, 4_750.0);
                }
            }
            life_besides(&mut t);
            t.hits(&GatherScatter)
        };
        let hits = hub(true);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("4 payees"), "{}", hits[0].reason);
        assert!(hits[0].accounts.len() <= 9, "the twelve earlier senders are not the pass: {hits:?}");
        // Not vacuous: without the payments, neither gather was a pass.
        assert!(hub(false).is_empty(), "{:?}", hub(false));
    }

    #[test]
    fn near_misses_do_not_fire() {
        let mut t = Tiny::new();
        case(&mut t, 3, 2, 0.95);
        assert!(t.hits(&GatherScatter).is_empty(), "five counterparties");
        let mut t = Tiny::new();
        case(&mut t, 4, 4, 0.75);
        life_besides(&mut t);
        assert!(t.hits(&GatherScatter).is_empty(), "keeps a quarter, and has a life besides");
        let mut t = Tiny::new();
        case(&mut t, 4, 1, 0.95);
        assert!(t.hits(&GatherScatter).is_empty(), "one payee is a fan-in");
    }

    #[test]
    fn a_hub_that_exists_for_one_pass_is_found_whatever_its_amounts() {
        // Four one-off senders, then three one-off payees, and nothing else ever: the
        // amounts out are sized afresh, a fifth of what came in.
        let mut t = Tiny::new();
        t.economy(2_000.0, 200, 200);
        case(&mut t, 4, 3, 0.2);
        let hits = t.hits(&GatherScatter);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("(20%)"), "{}", hits[0].reason);
        // The same hub with a life besides (a grocer it pays again and again) keeps what
        // the amounts say.
        let mut t = Tiny::new();
        t.economy(2_000.0, 200, 200);
        case(&mut t, 4, 3, 0.2);
        t.wire("HUB", "GROCER", 100 * D, 60.0);
        t.wire("HUB", "GROCER", 130 * D, 60.0);
        assert!(t.hits(&GatherScatter).is_empty());
        // A collection account that took the four payments and paid out a few per cent
        // of them kept its take: a fan-in, not a pass.
        let mut t = Tiny::new();
        t.economy(2_000.0, 200, 200);
        case(&mut t, 4, 3, 0.03);
        assert!(t.hits(&GatherScatter).is_empty(), "{:?}", t.hits(&GatherScatter));
    }

    /// A dump's everyday economy and, in it, [`one_job`].
    fn one_job_world(senders: usize, payees: usize, gather_days: i64, rest_days: i64) -> Tiny {
        let mut t = Tiny::new();
        t.economy(600.0, 200, 200);
        one_job(&mut t, senders, payees, gather_days, rest_days);
        t
    }

    /// A hub whose whole life is `senders` one-off receipts over `gather_days`, then,
    /// `rest_days` after the last, `payees` one-off payments; amounts sized afresh.
    fn one_job(t: &mut Tiny, senders: usize, payees: usize, gather_days: i64, rest_days: i64) {
        let step = gather_days * D / senders.saturating_sub(1).max(1) as i64;
        for k in 0..senders {
            t.wire(&format!("S{k}"), "HUB", 10 * D + k as i64 * step, 700.0 + 40.0 * k as f64);
        }
        let start = 10 * D + gather_days * D + rest_days * D;
        for k in 0..payees {
            t.wire("HUB", &format!("P{k}"), start + k as i64 * 2 * D, 300.0 + 25.0 * k as f64);
        }
    }

    #[test]
    fn a_one_job_hub_slower_than_the_window_is_found_on_its_order() {
        // Five receipts over twelve days, a week's rest, five payments over eight days:
        // no seven-day window holds the pass, but 1 in 252 lives are that orderly.
        let t = one_job_world(5, 5, 12, 7);
        let hits = t.hits(&GatherScatter);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("1 in 252 of the orders"), "{}", hits[0].reason);
        assert_eq!(hits[0].accounts.len(), 11);
        // Look-alike: paid five times, then shopping by card in five new shops. Card
        // purchases are a life besides, not a scatter.
        let mut t = one_job_world(5, 0, 12, 7);
        for k in 0..5i64 {
            t.send("HUB", &format!("SHOP{k}"), 29 * D + k * 2 * D, 300.0 + 25.0 * k as f64, Channel::Card);
        }
        assert!(t.hits(&GatherScatter).is_empty(), "{:?}", t.hits(&GatherScatter));
    }

    #[test]
    fn a_one_job_hub_paid_again_after_its_pass_is_found_on_its_order() {
        // The same pass, and the account kept open: two new payers paid it weeks later.
        // The payments still came together after the gather: 3 of the 792 orders of 7
        // receipts and 5 payments put them so.
        let mut t = one_job_world(5, 5, 12, 7);
        t.wire("LATER0", "HUB", 70 * D, 640.0);
        t.wire("LATER1", "HUB", 95 * D, 520.0);
        let hits = t.hits(&GatherScatter);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("1 in 264 of the orders"), "{}", hits[0].reason);
        assert!(hits[0].reason.contains("paid 2 time(s) since"), "{}", hits[0].reason);
        assert_eq!(hits[0].accounts.len(), 11, "the later payers are not the pass's");
        // A receipt between its payments: not one pass.
        let mut t = one_job_world(5, 5, 12, 7);
        t.wire("BETWEEN", "HUB", 31 * D, 640.0);
        assert!(t.hits(&GatherScatter).is_empty(), "{:?}", t.hits(&GatherScatter));
    }

    #[test]
    fn savings_spent_later_or_a_life_in_any_order_is_not_a_pass() {
        // Paid five times, spent five times three months later: the money rested.
        let t = one_job_world(5, 5, 12, 90);
        assert!(t.hits(&GatherScatter).is_empty(), "savings");
        // Receipts and payments interleaved over months: an ordinary new customer.
        let mut t = Tiny::new();
        t.economy(600.0, 200, 200);
        for k in 0..5i64 {
            t.wire(&format!("S{k}"), "HUB", 10 * D + k * 20 * D, 700.0);
            t.wire("HUB", &format!("P{k}"), 15 * D + k * 20 * D, 300.0);
        }
        assert!(t.hits(&GatherScatter).is_empty(), "interleaved");
        // Three in, three out, in a dump where forty other accounts also dealt with each
        // counterparty once (in any order): one such life in twenty is that orderly, so
        // two are expected by chance.
        let mut t = one_job_world(3, 3, 4, 2);
        for a in 0..40i64 {
            for k in 0..3i64 {
                t.wire(&format!("X{a}S{k}"), &format!("X{a}"), 20 * D + a * H + k * 2 * D, 500.0);
                t.wire(&format!("X{a}"), &format!("X{a}P{k}"), 21 * D + a * H + k * 2 * D, 450.0);
            }
        }
        assert!(
            t.hits(&GatherScatter).iter().all(|h| !h.reason.contains("every receipt")),
            "three and three"
        );
    }

    #[test]
    fn a_household_paying_bills_from_salaries_is_not_one() {
        let mut t = Tiny::new();
        for m in 0..6 {
            t.wire("EMPLOYER", "HOME", m * 30 * D, 3_000.0);
            t.wire("PARTNER_EMPLOYER", "HOME", m * 30 * D + D, 2_500.0);
            for (k, bill) in ["POWER", "WATER", "PHONE", "RENT"].iter().enumerate() {
                t.wire("HOME", bill, m * 30 * D + (k as i64 + 2) * D, 1_200.0);
            }
        }
        assert!(t.hits(&GatherScatter).is_empty());
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(5, 40, 300, 90);
        case(&mut t, 5, 4, 0.9);
        t.reverse_rows();
        let hub = t.dump.accounts.intern("HUB");
        assert!(t
            .hits(&GatherScatter)
            .iter()
            .any(|h| h.accounts.iter().any(|a| a.account == hub && a.role == Role::Hub)));
    }

    /// Cents of `amount`, rounded as a bank writes them.
    fn cents(amount: f64) -> f64 {
        (amount * 100.0).round() / 100.0
    }

    /// `relays` private persons with an everyday life (a salary each month, the grocer
    /// each week), each of which gathers from three senders over two days and, a week later,
    /// pays two payees exactly `percent`% of it, split unevenly.
    fn relays(relays: i64, percent: f64) -> Tiny {
        let mut t = Tiny::new();
        t.span(200);
        for r in 0..relays {
            let relay = format!("R{r}");
            // Private persons: a busy account read as a business is left out.
            t.person(&relay, "GB");
            for m in 0..6 {
                t.wire(&format!("EMPLOYER{r}"), &relay, (m * 30 + 1) * D, 2_345.67);
            }
            for w in 0..28 {
                t.wire(&relay, "GROCER", (w * 7 + 3) * D + 18 * H, 61.20 + (w % 4) as f64);
            }
            let start = 20 + 15 * r;
            let mut gathered = 0.0;
            for k in 0..3 {
                let amount = cents(1_000.0 + 123.45 * k as f64 + 17.37 * r as f64);
                gathered += amount;
                t.wire(&format!("S{r}-{k}"), &relay, (start + k) * D + 10 * H, amount);
            }
            let passed = cents(gathered * percent / 100.0);
            let first = cents(passed * 0.6173);
            t.wire(&relay, &format!("P{r}-0"), (start + 8) * D + 11 * H, first);
            t.wire(&relay, &format!("P{r}-1"), (start + 9) * D + 15 * H, cents(passed - first));
        }
        t
    }

    #[test]
    fn relays_that_pass_on_the_networks_cut_to_the_cent_are_hubs() {
        // Six relays each keep a tenth: three senders and two payees are too few for a
        // gather-scatter by its counts, but six accounts passing on exactly 90% of what
        // they gathered, where no account passes on any other share exactly, is a cut.
        let t = relays(6, 90.0);
        let hits = t.hits(&GatherScatter);
        assert_eq!(hits.len(), 6, "{hits:?}");
        for h in &hits {
            assert!(h.reason.contains("paid exactly 90% of it"), "{}", h.reason);
            assert_eq!(h.accounts.len(), 6, "{}", h.reason);
        }
        // Four are a coincidence the dump could make.
        assert!(
            relays(4, 90.0).hits(&GatherScatter).is_empty(),
            "{:?}",
            relays(4, 90.0).hits(&GatherScatter)
        );
        // Passing on everything is a sweep.
        assert!(relays(6, 100.0).hits(&GatherScatter).is_empty());
    }

    #[test]
    fn letting_agents_keeping_a_tenth_of_the_rent_are_no_relays() {
        // Six letting agents each collect three tenants' rent every month and pay the
        // landlord exactly 90% of it a few days later: the same cut, but the landlord is
        // paid every month, as the agent's business (the look-alike registry's).
        let mut t = Tiny::new();
        t.span(200);
        crate::detect::look_alikes::letting_agents(&mut t);
        assert!(t.hits(&GatherScatter).is_empty(), "{:?}", t.hits(&GatherScatter));
    }

    // A hub that breaks its own rhythm to pay on what strangers paid in
    // (`search/rhythm_broken_pass.rs`).

    /// Thirty households whose standing orders pay two regulars every Tuesday (day 5 of
    /// the epoch's week) for forty weeks, each also paying a new acquaintance on
    /// `own_breaks` other days; "HUB" keeps the same rhythm and breaks none of its own.
    /// A new sender pays HUB once on each of `sender_days`.
    fn households(own_breaks: i64, sender_days: &[i64]) -> Tiny {
        let mut t = Tiny::new();
        t.span(290);
        for p in 0..31i64 {
            let payer = if p == 30 { "HUB".to_string() } else { format!("HOME{p}") };
            t.standing_orders(&payer, p, 5, 40, 1.0);
            let breaks = if p == 30 { 0 } else { own_breaks };
            t.breaks_its_rhythm(
                &payer,
                (p, 5),
                breaks,
                |k| format!("{payer}-NEW{k}"),
                |k| 60.0 + (k % 5) as f64,
            );
        }
        for (k, &day) in sender_days.iter().enumerate() {
            t.wire(&format!("S{k}"), "HUB", day * D + 11 * H, 1_500.0 + 50.0 * k as f64);
        }
        t
    }

    /// HUB pays three new payees on days 104, 105 and 107, none a Tuesday.
    fn scatter_off_the_rhythm(t: &mut Tiny) {
        for (k, day) in [104i64, 105, 107].into_iter().enumerate() {
            t.wire("HUB", &format!("P{k}"), day * D + 15 * H, 400.0 + 90.0 * k as f64);
        }
    }

    #[test]
    fn strangers_paid_in_then_new_payees_paid_off_the_hubs_rhythm_are_a_gather_scatter() {
        let mut t = households(0, &[100, 101, 102]);
        scatter_off_the_rhythm(&mut t);
        let hits = t.hits(&GatherScatter);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(
            hits[0].reason.contains("it keeps a rhythm of every 7 days and paid them on 3 days off it"),
            "{}",
            hits[0].reason
        );
        // Six counterparties and the hub, whatever share of the gather went on (here a third).
        assert_eq!(hits[0].accounts.len(), 7);
        assert_eq!(hits[0].accounts.iter().filter(|a| a.role == Role::Source).count(), 3);
    }

    #[test]
    fn where_households_break_their_standing_orders_every_week_or_two_it_is_their_everyday() {
        // Look-alike: friends and new shops paid off the standing orders all year by
        // every household: three such days in four are their everyday.
        let mut t = households(30, &[100, 101, 102]);
        scatter_off_the_rhythm(&mut t);
        let hits = t.hits(&GatherScatter);
        assert!(hits.is_empty(), "{hits:?}");
    }

    #[test]
    fn a_household_that_meets_new_senders_every_ten_days_gathers_nothing_by_meeting_three() {
        // Look-alike: a household selling its things online, a new buyer paying it every
        // ten days or so all year; three buyers in three days, then new payees off its
        // standing orders, are not five times its pace, and no gather.
        let days: Vec<i64> =
            (0..28i64).map(|k| 2 + 10 * k + (k % 3)).filter(|d| !(95..=105).contains(d)).collect();
        let mut t = households(0, &[days.as_slice(), &[100, 101, 102]].concat());
        scatter_off_the_rhythm(&mut t);
        let hits = t.hits(&GatherScatter);
        assert!(hits.is_empty(), "{hits:?}");
        // Read as a household among the households that keep a rhythm, not a business.
        let hub = t.dump.accounts.ids.iter().position(|id| id == "HUB").unwrap();
        assert!(!t.graph().accounts.business_like[hub]);
    }
}

//! cycle — money that comes back to where it started (generic motif).
//!
//! ## What it finds
//! A simple cycle of at least `min_hops` transfers with strictly increasing timestamps
//! (a temporal cycle) that returns to the account it left within the window, each hop
//! carrying at most a little more than the one before and at least `min_retained` of
//! the first, and more than chance: in a busy dump, money that happens to come back a
//! little smaller is everyday. Each hop after the first has a chance: that its account,
//! sending at its own average rate over the dump, would send anything that soon, times
//! the share of the dump's transfers whose amount falls in the band the hop had to hit,
//! or, when more, the share of the account's own payments over the dump in it (two
//! drawn from the dump's amounts beside them, [`path_chance_by_payers`]): sums rare in
//! the dump are everyday for a trader who pays them all year.
//! The cycle is reported when the product of its hops' chances, times the transfers in
//! the dump, is at most `expected_by_chance` (1: no more than one such cycle expected by
//! chance in the whole dump). Each transfer is one try: a search that closes several
//! cycles from it tried each, so they share the try, each held to its share (every
//! search below does the same). Money passed on less a fee lands next to what came in,
//! where a payment that chains on by chance lands anywhere in the band: the cycle is
//! also reported when the same test passes with each hop's share of the band's amounts
//! at least as close to the previous hop's counted in (`closeness_chance`, the
//! closenesses weighed for where along the cycle they fall), unless every payee on it
//! also pays its payer (people settling up agree on equal shares by habit). Amounts are
//! read no finer than the unit their currency is written in across the dump
//! ([`crate::graph::Scale::amount_units`]): in a dump exported in whole units, 6.54 and
//! 7.15 both read 7, so a band narrower than the unit takes in every amount rounded into
//! it, and two equal amounts are only as close as their rounding allows. When the dump's timestamps are all equal or absent there is
//! no temporal order: plain simple cycles are searched instead (bounded depth-first
//! search, shortest first, each found once, from its smallest account), and the run
//! summary says so. Only the amounts speak then: a plain cycle is reported when, read
//! from its largest hop, each hop carries on the money within the same band, and the
//! product of the dump's share of amounts in each hop's band (closeness counted in as
//! above) passes the same test, the try shared among the cycles the search closed.
//!
//! Amounts that change at every hop leave timing alone as evidence. A cycle is also
//! reported when every account on it passed money on sooner than its own habit of
//! sending makes likely (prompt relays, `graph/algo/prompt_relays.rs`; the hop that
//! closes the cycle may come later, any time in the window, its chance counted all the
//! same), and the timing chance alone passes the same test. Such a cycle ranks a little below one whose
//! amounts carry on, and its reason gives the chance.
//!
//! Members of a pre-arranged loop may each pay the next from their own funds at about
//! the same time, in no particular order, so that no money is relayed at all. A ring
//! (`graph/algo/rings.rs`) is reported too: within the window, each account after the
//! first made one payment and it went to the next, a member it paid that once only, and
//! the chance that each would send anything within the ring's span, by its own rate,
//! and pay that member, passes the same test.
//!
//! Members may also pay each other in turn at their own pace, each from its own funds
//! and in an amount drawn afresh, so that neither the money nor the timing carries on.
//! What is left is that strangers pay each other once each, in amounts they rarely pay,
//! until the money is back (`graph/algo/stranger_loops.rs`). Such a loop of at least
//! `strangers_min_hops` one-off payments within `strangers_window_days` is reported when
//! its chance passes the same test: the first payment's size among its payer's one-off
//! payments, each later one's chance of coming as soon and being as large, by its
//! payer's own one-off payments (a short history read with the dump's amounts beside
//! it: a quiet account's first large payment is as rare as large payments are), among
//! all it makes until the deadline, weighed for
//! where the evidence may fall along the loop, times the chance that the closing payment
//! lands on the origin: its popularity, or, when more, its popularity among the closing
//! payer's peers, the accounts that pay what that payer pays
//! ([`popularity_among_peers`]: traders buy from the same suppliers and from each other,
//! so a loop of one-off invoices among them closes far more often than the dump's
//! households make likely). Since each loop's chance counts its closing, the payment's
//! try is shared among every path its search followed far enough to close, closed or
//! not: among traders who each pay dozens of others once, a search follows many.
//!
//! ## Why it matters
//! typologies.md: "a temporal cycle is a simple cycle with strictly increasing
//! timestamps (hop-limited, default 10)", labelled in AMLworld and AMLSim; cycles through
//! offshore back to the same holder are OS1, which this motif defers to. The temporal
//! search is the OS1 search, checked against brute force on random graphs
//! (temporal_cycles.rs), since bounded cycle algorithms in the literature miss cycles.
//!
//! ## Example
//! ```text
//! A ─10,000 (day 1)─> B ─9,800 (day 2)─> C ─9,500 (day 4)─> A
//! ```
//!
//! ## Parameters
//! `[cycle]`: `window_days` (30), `min_hops` (3: a payment and its refund is a 2-cycle of
//! everyday life), `max_hops` (10), `min_retained` (0.5), `amount_tolerance` (0.02),
//! `min_amount` (`p25` first hop, or largest hop of a prompt-relay cycle: three quarters
//! of the dump's transfers are larger), `search_budget`, `relay_hop_chance` (0.5: each
//! relay sooner than its account sends at all half the time; the gate of a stranger's
//! payment too), `strangers_window_days` (60: members who each take a week or more
//! still close the loop; the chance decides), `strangers_min_hops` (4),
//! `expected_by_chance` (1),
//! `skip_business_to_business` (true), `channels`.
//!
//! ## Look-alikes
//! Refunds and loan repayments go straight back (two hops). Money that comes back much
//! diminished, or much later, is not a cycle of the same money. Trading companies buy
//! from and sell to each other all the time, so a cycle made only of company-to-company
//! payments is left out when holder kinds are known; when they are not, a loop of one-off
//! invoices among traders closes on a supplier the closing trader's peers mostly pay,
//! which is no stranger to it, and invoices that pass round smaller each time are sums
//! each trader pays all year; without times, traders who each
//! pay the next a fresh sum carry no money round. A group's accounts sweeping money
//! between each other all day (holder kinds not given) close thousands of cycles from
//! every payment, the quickest bound to look unlikely on their own: shared among so
//! many, none is. Busy accounts (shops, payroll,
//! platforms) send all day, so passing money on quickly is their habit and adds no
//! timing evidence; quiet households that settle up within a week of each other do not
//! relay within hours all the way round, and two of their transfers a bank booked at the
//! same hour were made within that hour, in either order, not seconds apart
//! ([`crate::graph::Scale::chance_between`]), and relatives who pay each other round every
//! month pay the same member again and again, which no ring is made of. Households buy
//! from shops they never used before all the time, so a loop of strangers counts only
//! amounts larger than a member's own purchases, and an account that pays strangers
//! all day in every amount (a trading desk, a platform) adds nothing; friends of friends
//! pay each other far more often than chance, so three friends passing a gift on are
//! not a loop of strangers. Friends and flatmates who take turns to pay for the group
//! and are paid their shares back within days relay quickly and in fresh amounts, but
//! each of them is also paid by the one it pays: a loop whose money does not carry on,
//! made only of such two-way pairs, is people settling up (a loop whose amounts carry on
//! is still reported: the same sum went round), and their equal shares agree closely
//! by habit, so among them only the band counts; and where they split their bills, each
//! paying the one who paid an equal share, every hop's sum was paid to its payee by
//! another on the loop too, within the window: shares, not money carried on, however
//! well they agree (`reciprocity::every_hop_a_share`). Traders whose everyday payments are all
//! about one size agree closely by habit too: closeness is weighed against the dump's
//! own amounts.

use crate::detect::context::PartEdges;
use crate::detect::handed::Handed;
use rayon::prelude::*;

use crate::balanced::flat_map_balanced;
use crate::config::params::{Channels, Count, Days, Multiple, Share};
use crate::config::AmountFloor;
use crate::config::Config;
use crate::detect::graded::Graded;
use crate::detect::{Anchor, Context, Detector, Hit, HitBuilder, Lookback, Outcome, PartRule, Reads, Role};
use crate::graph::algo::chance::{
    amounts_chance, closeness_chance, most_likely, path_chance, path_chance_by_payers, peers_beside,
    popularity, product_chance,
};
use crate::graph::algo::components::{cyclic_components_of, together};
use crate::graph::algo::prompt_relays::{relay_cycles_from, RelayOrigin, RelaySpec};
use crate::graph::algo::reciprocity::{every_hop_a_share, every_payee_paid_back};
use crate::graph::algo::rings::{ring_chance, ring_from, ring_span, RingSpec};
use crate::graph::algo::stranger_loops::{stranger_loops_counted_from, LoopOrigin};
use crate::graph::algo::temporal_cycles::{cycles_into, CycleSpec, Hop, SearchEnd};
use crate::graph::{AdjList, FlowGraph};
use crate::pattern::Pattern;
use crate::units::{days_to_seconds, fmt_amount, fmt_odds, seconds_to_days};
use serde::{Deserialize, Serialize};

/// Parameters of the cycle motif.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleConfig {
    /// Whole cycle within this many days.
    pub window_days: Days,
    /// Whole cycle of one-off payments (each member paying the next once only) within
    /// this many days.
    pub strangers_window_days: Days,
    /// Fewest hops of a cycle of one-off payments.
    pub strangers_min_hops: Count<2>,
    /// Fewest hops.
    pub min_hops: Count<2>,
    /// Most hops.
    pub max_hops: Count<2>,
    /// Last amount / first amount.
    pub min_retained: Share,
    /// Growth allowed of a hop over the previous one.
    pub amount_tolerance: Multiple,
    /// Smallest first hop, against the dump's amount distribution.
    pub min_amount: AmountFloor,
    /// Edge expansions per starting transfer.
    pub search_budget: u64,
    /// A cycle whose amounts do not carry on is still reported when every relay is
    /// prompt: each hop after the first comes sooner than its account would send at
    /// all, by its own rate, with at most this chance...
    pub relay_hop_chance: Share,
    /// A cycle is reported when cycles as unlikely (its hops' timing, and amounts when
    /// they carry on) would arise by chance at most this many times in the dump.
    pub expected_by_chance: Multiple,
    /// Leave out cycles made only of company-to-company transfers.
    pub skip_business_to_business: bool,
    /// Channels that count.
    pub channels: Channels,
}

/// cycle detector.
pub struct Cycle;

impl Detector for Cycle {
    fn chance_budget(&self, config: &Config) -> Option<f64> {
        Some(config.cycle.expected_by_chance.get())
    }

    fn lookback(&self, config: &Config) -> Lookback {
        Lookback::days(
            config.cycle.window_days.get().max(config.cycle.strangers_window_days.get()),
            &[
                Reads::AmountQuantiles,
                Reads::AccountRate,
                Reads::PairCounts,
                Reads::Popularity,
                Reads::TwoWay,
                Reads::Reference,
            ],
        )
    }

    fn pattern(&self) -> Pattern {
        Pattern::Cycle
    }

    fn unavailable(&self, _: &Context<'_>) -> Option<String> {
        None
    }

    fn part_rule(&self, config: &Config) -> Option<PartRule> {
        // Every search starts at a cycle's first transfer and closes within its window;
        // whether a payment is one-off, how rare its size is for its payer, who pays
        // whom back and how popular an account is come from the whole dump.
        let c = &config.cycle;
        Some(PartRule::Time {
            anchor: Anchor::FirstTransfer,
            before_days: 0.0,
            after_days: c.window_days.get().max(c.strangers_window_days.get()),
        })
    }

    fn hand_to_part(&self, whole: &Context<'_>, part: &FlowGraph, edges: PartEdges<'_>, handed: &mut Handed) {
        let channels = whole.config.cycle.channels.as_slice();
        let g = whole.graph;
        let components = whole.measured_for_every_budget(|| DumpComponents(components_on(g, channels)));
        handed.cycle_components = Some(components.0.clone());
        // Loops among strangers are searched in a timed dump only.
        if g.dump_is_timed() {
            handed.strangers = Some(whole.stranger_payments_for_part(channels, part, edges));
        }
    }

    fn run(&self, ctx: &Context<'_>) -> Outcome {
        let searched = search(ctx, 1.0);
        searched.at(ctx).unwrap_or_default()
    }

    fn search_graded(&self, ctx: &Context<'_>, times: f64) -> Option<Box<dyn Graded>> {
        Some(Box::new(search(ctx, times)))
    }

    fn defers_to(&self) -> &'static [Pattern] {
        &[Pattern::Os1]
    }
}

/// Every cycle `ctx`'s dump holds that a chance budget up to `times` the configured one
/// passes, each with the least budget that passes it: one search serves the configured
/// budget and any wider one up to there.
fn search(ctx: &Context<'_>, times: f64) -> CycleCandidates {
    let g = ctx.graph;
    let cfg = &ctx.config.cycle;
    let channels = cfg.channels.as_slice().to_vec();
    let timed = g.dump_is_timed();
    let min_amount = g.scale.floor(cfg.min_amount);
    let spec = CycleSpec {
        window: days_to_seconds(cfg.window_days.get()),
        min_hops: cfg.min_hops.get(),
        max_hops: cfg.max_hops.get(),
        min_retained: cfg.min_retained.get(),
        amount_tolerance: cfg.amount_tolerance.get(),
        budget: cfg.search_budget,
    };
    let relay = RelaySpec {
        window: spec.window,
        min_hops: spec.min_hops,
        max_hops: spec.max_hops,
        max_hop_chance: cfg.relay_hop_chance.get(),
        budget: cfg.search_budget,
    };
    let among_strangers = RelaySpec {
        window: days_to_seconds(cfg.strangers_window_days.get()),
        min_hops: cfg.strangers_min_hops.get().max(spec.min_hops),
        ..relay
    };
    let rings = RingSpec { span: spec.window, min_hops: spec.min_hops, max_hops: spec.max_hops };
    // Every cycle lies inside one strongly connected component of the transfers that
    // count: a search starts only inside one and never leaves the origin's (a part's
    // within the whole dump's, as a whole run's). The one-off payments that count,
    // indexed by payer, make rings and loops of strangers (searched in a timed dump
    // only). The components are found on one thread, so the index is built beside
    // them on the others.
    let handed = ctx.handed_tables().and_then(|h| h.cycle_components.as_deref());
    let (comp, strangers) = rayon::join(
        || match handed {
            Some(whole) => std::borrow::Cow::Borrowed(whole),
            None => std::borrow::Cow::Owned(components_on(g, &channels)),
        },
        || timed.then(|| ctx.stranger_payments(&channels)),
    );
    let comp: &[u32] = &comp;
    g.onward_ready();
    // Expected chance cycles = transfers tried x a cycle's chance. A cycle is kept
    // while the widest budget searched for passes it, with its level: the largest
    // chance it was held to, which a budget's `most_likely` must reach to pass it.
    let budget = cfg.expected_by_chance.get() * times;
    let most_likely = most_likely(g, budget);
    // Timing alone, strangers or a ring: unlikely enough, and moving at least one
    // hop's worth of money.
    let kept = |c: &[u32], chance: f64| {
        chance <= most_likely && c.iter().map(|&h| g.amount[h as usize]).fold(0.0, f64::max) >= min_amount
    };
    // A hop carries at most a little more than the one before, and at least
    // min_retained of the first.
    let band = |first: f64, prev: f64| (first * spec.min_retained, prev * (1.0 + spec.amount_tolerance));
    // The unit each transfer's amount is written to: amounts rounded to it agree, and
    // fall in a band, within it by rounding alone.
    let unit = |e: u32| ctx.amount_unit(e);
    // From the `k`th transfer of `origin`'s payments `out`, which is at `position` in
    // the strangers' index when it is there. What decides whether a search starts is
    // read from the payer's own list: the graph-wide columns, asked by transfer id,
    // missed the cache for nearly every transfer of the dump.
    let from_transfer = |relays: &RelayOrigin, out: AdjList<'_>, k: usize, position: Option<usize>| {
        let origin = relays.origin();
        let e = out.edges[k];
        if !channels.contains(&out.channel[k])
            || !together(comp, origin, out.other[k])
            || !ctx.starts_here(out.time[k])
        {
            return (Vec::new(), false);
        }
        let home = |v: u32| comp[v as usize] == comp[origin as usize];
        // Read only by the searches that follow money (its onward start is built on
        // first use, and a dump without times follows none).
        let start = || Hop::out_of(g, origin, out, k);
        let mut cycles = Vec::new();
        let mut capped = false;
        if out.amount[k] >= min_amount {
            // In a timed dump, money that carries on must also be more than
            // the chance coincidence of amounts and timing a busy dump offers.
            // Amounts that agree from hop to hop are money passed on less a
            // fee, or friends' equal shares: among people who also pay each
            // other back (settling up), agreeing is their habit, and only the
            // band they fell in counts. Without times only the amounts speak:
            // the cycle read from its largest hop must carry the money round,
            // each hop's amount as likely as the dump's share of amounts in its
            // band (any payment might have come next).
            // The chance a cycle is held to, closeness counted in where it may be:
            // none when it is too likely even for a try of its own.
            let least_chance = |c: &[u32], chance: f64| {
                let close = chance * closeness_chance(g, c, band, unit);
                if chance.min(close) > most_likely {
                    return None;
                }
                let least = if !every_payee_paid_back(g, c) {
                    chance.min(close)
                } else if every_hop_a_share(g, c, spec.amount_tolerance, spec.window) {
                    // Friends who split their bills: each hop's sum is one share of
                    // one, which the others on the loop paid too.
                    return None;
                } else {
                    chance
                };
                (least <= most_likely).then_some(least)
            };
            // Each transfer is one try of the dump's (`most_likely`), shared among
            // the cycles its search closed: in a group of accounts paying each other
            // all day (a treasury's sweeps), every payment closes thousands.
            let mut tries = SharedTry::default();
            let end = if timed {
                cycles_into(g, start(), spec, &[origin], home, |c| {
                    // Read by the dump's amounts first: by its payers' own, a hop
                    // is never rarer, so only a cycle that passes is read again.
                    tries.closed(least_chance(c, path_chance(g, c, None, band, unit)).and_then(|first| {
                        least_chance(c, path_chance_by_payers(g, c, band, unit))
                            .map(|chance| (c.to_vec(), chance, first))
                    }));
                })
            } else {
                plain_cycles_from(g, e, spec, &channels, |c| {
                    tries.closed(carried_round(g, c, band).and_then(|c| {
                        least_chance(&c, amounts_chance(g, &c, band, unit)).map(|chance| (c, chance, chance))
                    }));
                })
            };
            capped |= end == SearchEnd::BudgetHit;
            cycles.extend(tries.shared(most_likely).map(|(c, _, level)| (c, Evidence::Amounts, level)));
        }
        if let Some(index) = strangers.as_deref() {
            // The transfer's try shared among the cycles its search closed, as above.
            let mut tries = SharedTry::default();
            let end = relay_cycles_from(g, relays, start(), relay, home, |c, chance| {
                tries.closed(kept(c, chance).then(|| (c.to_vec(), chance, chance)));
            });
            capped |= end == SearchEnd::BudgetHit;
            cycles.extend(
                tries.shared(most_likely).map(|(c, chance, level)| (c, Evidence::Timing(chance), level)),
            );
            if let Some(ring) = position.and_then(|k| ring_from(g, origin, k, rings, index)) {
                let chance = ring_chance(g, &ring);
                if kept(&ring, chance) {
                    cycles.push((ring, Evidence::Ring(chance), chance));
                }
            }
        }
        (cycles, capped)
    };
    // Origin by origin, each one's payments in time order: where each payment is in
    // the strangers' index (a ring's first step goes on from there) is then found by
    // walking the origin's entries alongside, not by a search for each, and the
    // origin's receipts (where a cycle may close) stay in the processor's cache from
    // one payment to the next. Only what a search found or where it stopped is kept
    // (an entry per transfer would hold 32 bytes for each of them, most of it
    // empty), then put back in transfer order, the order the cycles found twice are
    // told apart by.
    // Runs of origins of about equal business (`balanced`): a block of hubs'
    // searches, one per payment, would otherwise end the pass on one thread.
    let n = g.node_count();
    let busy = |v: usize| g.out_list(v as u32).len();
    let mut by_transfer: Vec<(u32, (Vec<Candidate>, bool))> = flat_map_balanced(n, busy, |origin| {
        let origin = origin as u32;
        let mut indexed = strangers.as_deref().map(|index| (index, index.positions(origin)));
        let out = g.out_list(origin);
        // The origin's searches share who ever paid it (where a cycle may close).
        let relays = RelayOrigin::new(origin);
        (0..out.len())
            .map(|k| {
                // The payee a payment on, where every search from it starts: asked
                // for now, it has arrived when its turn comes.
                if let Some(&ahead) = out.other.get(k + 1) {
                    crate::memory::prefetch(comp, ahead as usize);
                    g.prefetch_onward_of(origin, k + 1);
                }
                let e = out.edges[k];
                let position = indexed.as_mut().and_then(|(index, mine)| index.walk_to(mine, e));
                // The origin's next payment in the index, whose ring starts from
                // its payee's payments: asked for now, as the payee above.
                if let Some((index, mine)) = indexed.as_ref() {
                    let next = mine.start + usize::from(position.is_some());
                    if next < mine.end {
                        index.prefetch_first_step(next);
                    }
                }
                (e, from_transfer(&relays, out, k, position))
            })
            .filter(|(_, (cycles, capped))| !cycles.is_empty() || *capped)
            .collect::<Vec<_>>()
    });
    by_transfer.par_sort_unstable_by_key(|&(e, _)| e);
    let mut found: Vec<(Vec<Candidate>, bool)> = by_transfer.into_iter().map(|(_, f)| f).collect();
    // Loops of strangers, from every one-off payment its payer rarely makes.
    if let Some(index) = strangers.as_deref() {
        // Payer by payer, in the index's order: its payments' payees and times are read
        // from the index itself, not from graph-wide columns by transfer id.
        found.extend(flat_map_balanced(
            n,
            |v| index.positions(v as u32).len(),
            |origin| {
                let origin = origin as u32;
                // The origin's searches share where a loop may close back on it.
                let from = LoopOrigin::new(origin);
                let home = |v: u32| comp[v as usize] == comp[origin as usize];
                let mine = index.positions(origin);
                let after_last = mine.end;
                mine.map(|k| {
                    // The component of the payee some payments on, the first thing
                    // a search from it reads: asked for now, it has arrived when its
                    // turn comes (most payments start no search, so the next one's
                    // would come too late).
                    if k + COMPONENTS_AHEAD < after_last {
                        crate::memory::prefetch(comp, index.payment_at(k + COMPONENTS_AHEAD).2 as usize);
                    }
                    let (_, time, to) = index.payment_at(k);
                    let mut tries = SharedTry::default();
                    if !together(comp, origin, to) || !ctx.starts_here(time) {
                        return (Vec::new(), false);
                    }
                    let (end, could_close) = stranger_loops_counted_from(
                        g,
                        &from,
                        k,
                        among_strangers,
                        index,
                        home,
                        |c, product| {
                            // Every payment but the closing one is a chance below the gate, and
                            // the closing one had to land on the origin, which strangers pay as
                            // often as it is popular, among the closing payer's peers (never
                            // less than in the dump, so read only for a loop that passes there).
                            let gated = among_strangers.max_hop_chance.powi(c.len() as i32 - 1);
                            let members: Vec<u32> = c.iter().map(|&h| g.src[h as usize]).collect();
                            let product = product_chance(product, c.len(), gated);
                            let closer = g.src[c[c.len() - 1] as usize];
                            let kept_with =
                                |landing: f64| kept(c, product * landing).then_some(product * landing);
                            let everywhere = popularity(g, origin, &members);
                            let chance = kept_with(everywhere).and_then(|first| {
                                kept_with(peers_beside(g, closer, origin, &members, everywhere))
                                    .map(|chance| (c.to_vec(), chance, first))
                            });
                            tries.closed(chance);
                        },
                    );
                    // The payment's try shared among the paths its search followed far
                    // enough to close, closed or not: each loop's chance already counts
                    // its closing, and a trader's peers close many.
                    tries.followed(could_close);
                    let cycles: Vec<Candidate> = tries
                        .shared(most_likely)
                        .map(|(c, chance, level)| (c, Evidence::Strangers(chance), level))
                        .collect();
                    (cycles, end == SearchEnd::BudgetHit)
                })
                .filter(|(cycles, capped)| !cycles.is_empty() || *capped)
                .collect::<Vec<_>>()
            },
        ));
    }
    drop(strangers);
    let capped = found.iter().filter(|f| f.1).count();
    let company = |v: u32| g.accounts.business_like[v as usize];
    let b2b = |c: &[u32]| c.iter().all(|&e| company(g.src[e as usize]) && company(g.dst[e as usize]));
    let found = found
        .into_iter()
        .flat_map(|f| f.0)
        .filter(|(c, _, _)| !(cfg.skip_business_to_business && b2b(c)))
        // A loop whose money does not carry on, made only of pairs who also pay each
        // other the other way, is people settling up (friends, flatmates, relatives);
        // laundering loops run one way.
        .filter(|(c, evidence, _)| matches!(evidence, Evidence::Amounts) || !every_payee_paid_back(g, c))
        .collect();
    CycleCandidates { found, budget, capped, timed }
}

/// The cycles one search found ([`search`]), each with its level, in the order found.
struct CycleCandidates {
    found: Vec<Candidate>,
    /// The widest chance budget searched for.
    budget: f64,
    /// How many searches stopped at the search budget.
    capped: usize,
    timed: bool,
}

impl Graded for CycleCandidates {
    fn at(&self, ctx: &Context<'_>) -> Option<Outcome> {
        let budget = ctx.config.cycle.expected_by_chance.get();
        if budget > self.budget {
            return None;
        }
        let most_likely = most_likely(ctx.graph, budget);
        let mut notes = Vec::new();
        if !self.timed {
            notes.push("timestamps are all equal: plain (untimed) cycles searched".to_owned());
        }
        if self.capped > 0 {
            notes.push(format!("{} cycle search(es) stopped at the search budget", self.capped));
        }
        // One cycle, once: equal timestamps let a prompt-relay cycle be reached from more
        // than one of its transfers, and a cycle whose amounts carry on may also be prompt.
        let mut seen = rustc_hash::FxHashSet::default();
        let hits = self
            .found
            .iter()
            .filter(|(_, _, level)| *level <= most_likely)
            .filter(|(c, _, _)| {
                let mut key = c.clone();
                key.sort_unstable();
                seen.insert(key)
            })
            .map(|(c, evidence, _)| hit(ctx, c, self.timed, *evidence))
            .collect();
        Some(Outcome { hits, notes })
    }
}

/// How many of an origin's one-off payments ahead the loops-of-strangers search asks
/// for a payee's component.
const COMPONENTS_AHEAD: usize = 8;

/// Untimed simple cycles starting with edge `start`, each found once: from the edge
/// leaving its smallest account, the other accounts larger than it. Shorter cycles are
/// all found before longer ones (one depth-first search per length, the budget shared):
/// in a dump without times every payment leads everywhere, and a search that went deep
/// first spent its budget on ten-hop paths before it came to the four hops that close.
fn plain_cycles_from(
    g: &FlowGraph,
    start: u32,
    spec: CycleSpec,
    channels: &[crate::model::Channel],
    mut visit: impl FnMut(&[u32]),
) -> SearchEnd {
    /// Cycles of exactly `hops` transfers going on from `path`.
    fn rec(
        g: &FlowGraph,
        hops: usize,
        channels: &[crate::model::Channel],
        path: &mut Vec<u32>,
        spent: &mut u64,
        budget: u64,
        visit: &mut dyn FnMut(&[u32]),
    ) -> bool {
        let origin = g.src[path[0] as usize];
        let at = g.dst[*path.last().unwrap_or(&path[0]) as usize];
        let outs = g.out_list(at);
        let closing = path.len() + 1 == hops;
        for ((&e, &to), channel) in outs.edges.iter().zip(outs.other).zip(outs.channel) {
            *spent += 1;
            if *spent > budget {
                return false;
            }
            if !channels.contains(channel) || to < origin || (to == origin) != closing {
                continue;
            }
            if closing {
                path.push(e);
                visit(path);
                path.pop();
                continue;
            }
            if path.iter().any(|&p| g.dst[p as usize] == to) {
                continue;
            }
            path.push(e);
            let ok = rec(g, hops, channels, path, spent, budget, visit);
            path.pop();
            if !ok {
                return false;
            }
        }
        true
    }
    let s = start as usize;
    if g.dst[s] <= g.src[s] {
        return SearchEnd::Complete;
    }
    let mut spent = 0;
    for hops in spec.min_hops.max(2)..=spec.max_hops {
        if !rec(g, hops, channels, &mut vec![start], &mut spent, spec.budget, &mut visit) {
            return SearchEnd::BudgetHit;
        }
    }
    SearchEnd::Complete
}

/// An untimed cycle (its transfers in the order money goes round) read from its
/// largest hop, when the money carries round from there: each later hop within
/// `band(first, previous)`. Only one reading can: the hop money entered by is the
/// largest, less a fee at every hop after it. None when no reading carries it.
fn carried_round(g: &FlowGraph, cycle: &[u32], band: impl Fn(f64, f64) -> (f64, f64)) -> Option<Vec<u32>> {
    let amount = |k: usize| g.amount[cycle[k % cycle.len()] as usize];
    // The first largest, so that equal amounts give one reading whatever the search.
    let largest = (0..cycle.len()).fold(0, |best, k| if amount(k) > amount(best) { k } else { best });
    let first = amount(largest);
    let carries = (largest + 1..largest + cycle.len()).all(|k| {
        let (lo, hi) = band(first, amount(k - 1));
        (lo..=hi).contains(&amount(k))
    });
    carries.then(|| {
        let mut read = cycle.to_vec();
        read.rotate_left(largest);
        read
    })
}

/// What one search from a transfer closed. The transfer is one try of the dump's; a
/// search that closed several cycles tried each, and the least likely of many is bound
/// to look unlikely, so they share the try. Only the cycles unlikely even alone are
/// kept, with their chances, until all are counted.
#[derive(Default)]
struct SharedTry {
    closed: usize,
    /// Each kept cycle, its chance, and the largest chance it was held to besides.
    unlikely: Vec<(Vec<u32>, f64, f64)>,
}

impl SharedTry {
    /// One more cycle closed, and with it the cycle, its chance and the largest chance
    /// it was held to besides, when it was unlikely even alone.
    fn closed(&mut self, unlikely: Option<(Vec<u32>, f64, f64)>) {
        self.closed += 1;
        self.unlikely.extend(unlikely);
    }

    /// At least `paths` tries: the paths a search followed far enough to close, each a
    /// try whether it closed or not.
    fn followed(&mut self, paths: usize) {
        self.closed = self.closed.max(paths);
    }

    /// The kept cycles with their chance and level (their chance times the cycles
    /// closed, or what they were held to besides when larger), those up to
    /// `most_likely`, in the order closed.
    fn shared(self, most_likely: f64) -> impl Iterator<Item = (Vec<u32>, f64, f64)> {
        let tries = self.closed.max(1) as f64;
        self.unlikely
            .into_iter()
            .map(move |(c, chance, held)| (c, chance, held.max(chance * tries)))
            .filter(move |(_, _, level)| *level <= most_likely)
    }
}

/// The whole dump's cyclic components on the cycle's channels, by account: measured
/// once for every part ([`Context::measured_for_every_budget`]).
struct DumpComponents(Vec<u32>);

/// The strongly connected components of `g`'s transfers on `channels`, by account:
/// every cycle lies inside one.
fn components_on(g: &FlowGraph, channels: &[crate::model::Channel]) -> Vec<u32> {
    cyclic_components_of(g, |e| channels.contains(&g.channel[e as usize]))
}

/// A cycle (its transfers in order), what makes it evidence, and its level: the least
/// `most_likely` a chance budget must allow for the cycle to pass.
type Candidate = (Vec<u32>, Evidence, f64);

/// What makes a cycle evidence.
#[derive(Debug, Clone, Copy)]
enum Evidence {
    /// The amounts carry on around it.
    Amounts,
    /// Every relay came sooner than its account's habit; the chance of that timing.
    Timing(f64),
    /// A ring of one-off payments within the window, in any order; its chance.
    Ring(f64),
    /// Every hop was a one-off payment, and every relay came sooner, or was larger,
    /// than its account's habit makes likely; the chance of that timing, those amounts
    /// and the closing hop's landing on the origin.
    Strangers(f64),
}

fn hit(ctx: &Context<'_>, cycle: &[u32], timed: bool, evidence: Evidence) -> Hit {
    let g = ctx.graph;
    let mut b = HitBuilder::default();
    for &e in cycle {
        let (s, d, a) = (g.src[e as usize], g.dst[e as usize], g.amount[e as usize]);
        b.account(s, Role::Member, 0.0, a);
        b.account(d, Role::Member, a, 0.0);
        b.transfer(e);
    }
    if !matches!(evidence, Evidence::Amounts) {
        b.read_from_timing();
    }
    let (first, last) = (cycle[0] as usize, cycle[cycle.len() - 1] as usize);
    // A cycle reported on the habits of its accounts: how they relayed, and its chance.
    let relayed = |how: &str, of: &str, chance: f64| {
        format!(
            "{} -> ... -> itself in {} hops over {:.1} days, {how} (chance of such {of} by habit: 1 in {})",
            ctx.account(g.src[first]),
            cycle.len(),
            seconds_to_days(g.time[last] - g.time[first]),
            fmt_odds(chance),
        )
    };
    let reason = match evidence {
        Evidence::Ring(chance) => format!(
            "{} -> ... -> itself in {} hops within {:.1} days, in no particular order: each account's one payment in that time, to a member it never paid otherwise (chance of such a ring by habit: 1 in {})",
            ctx.account(g.src[first]),
            cycle.len(),
            seconds_to_days(ring_span(g, cycle)),
            fmt_odds(chance),
        ),
        Evidence::Timing(chance) => {
            relayed("each account passing money on sooner than it usually sends anything", "timing", chance)
        }
        Evidence::Strangers(chance) => relayed(
            "each account paying the next once only, sooner or more than its own habit makes likely",
            "timing and amounts",
            chance,
        ),
        Evidence::Amounts if timed => format!(
            "{} left {} and {} ({:.0}%) came back after {} hops in {:.1} days",
            fmt_amount(g.amount[first]),
            ctx.account(g.src[first]),
            fmt_amount(g.amount[last]),
            g.amount[last] / g.amount[first] * 100.0,
            cycle.len(),
            seconds_to_days(g.time[last] - g.time[first])
        ),
        Evidence::Amounts => format!(
            "{} -> ... -> itself in {} hops, {} in and {} ({:.0}%) back (no timestamps to order them)",
            ctx.account(g.src[first]),
            cycle.len(),
            fmt_amount(g.amount[first]),
            fmt_amount(g.amount[last]),
            g.amount[last] / g.amount[first] * 100.0,
        ),
    };
    // Timing alone is weaker evidence than money that carries on.
    let base = match evidence {
        Evidence::Amounts => 0.5,
        Evidence::Timing(_) | Evidence::Ring(_) | Evidence::Strangers(_) => 0.45,
    };
    b.finish(g, Pattern::Cycle, g.amount[first], base + 0.05 * cycle.len() as f64, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{graded_as_searched, Tiny, D, H};

    #[test]
    fn one_search_kept_for_wider_budgets_finds_there_what_a_search_under_them_finds() {
        graded_as_searched(&Cycle, 29, "");
    }

    fn ring(t: &mut Tiny, n: usize, keep: f64, gap: i64) {
        let mut amount = 20_000.0;
        for k in 0..n {
            t.wire(&format!("M{k}"), &format!("M{}", (k + 1) % n), 10 * D + k as i64 * gap, amount);
            amount *= keep;
        }
    }

    #[test]
    fn finds_a_temporal_cycle_once() {
        let mut t = Tiny::new();
        ring(&mut t, 5, 0.97, 20 * H);
        let hits = t.hits(&Cycle);
        assert_eq!(hits.len(), 1, "one cycle, found from its first transfer only");
        assert_eq!(hits[0].accounts.len(), 5);
    }

    #[test]
    fn trading_companies_selling_round_a_ring_are_trade() {
        // Look-alike: five companies each selling on to the next within a day, the same
        // goods re-invoiced at a small discount: company-to-company trade.
        let mut t = Tiny::new();
        for k in 0..5 {
            t.company(&format!("M{k}"), "DE");
        }
        ring(&mut t, 5, 0.97, 20 * H);
        assert!(t.hits(&Cycle).is_empty(), "{:?}", t.hits(&Cycle));
        // The same ring with one person in it is no longer only trade.
        t.person("M2", "DE");
        assert_eq!(t.hits(&Cycle).len(), 1);
    }

    /// Members `M0..Mn` that each pay `per_day` suppliers a day for two months, each a
    /// new one, amounts from 30 to 30,000: passing money on within hours, to strangers,
    /// in any amount, is their habit and adds no evidence (a trading desk, a platform).
    /// They are persons, so that their busyness does not make them look like companies
    /// trading with each other.
    fn habit(t: &mut Tiny, n: usize, per_day: i64) {
        habit_in(t, n, per_day, |s| 30.0 * (1 + (s * 7_919) % 1_000) as f64);
    }

    /// [`habit`] with the `s`-th payment's amount `amount(s)`.
    fn habit_in(t: &mut Tiny, n: usize, per_day: i64, amount: impl Fn(i64) -> f64) {
        for k in 0..n {
            t.person(&format!("M{k}"), "US");
            for s in 0..60 * per_day {
                t.wire(&format!("M{k}"), &format!("supplier{s}"), s * D / per_day + 17 * 60, amount(s));
            }
        }
    }

    #[test]
    fn near_misses_do_not_fire() {
        let cases: [(usize, f64, i64, &str); 4] = [
            (2, 0.99, H, "a refund is two hops"),
            (4, 0.7, H, "34% comes back"),
            (4, 0.97, 11 * D, "33 days"),
            (4, 0.97, -H, "timestamps run backwards"),
        ];
        for (n, keep, gap, why) in cases {
            let mut t = Tiny::new();
            habit(&mut t, n, 4);
            ring(&mut t, n, keep, gap);
            assert!(t.hits(&Cycle).is_empty(), "{why}");
        }
    }

    /// The everyday world around a ring: 200 people wiring each other and buying by card
    /// over a year, and ring members `M0..Mn` who each pay a bill once a month.
    fn quiet_world(n: usize) -> Tiny {
        let mut t = Tiny::new();
        t.noise(5, 200, 4_000, 365);
        for k in 0..n {
            for m in 0..12 {
                t.wire(&format!("M{k}"), &format!("N{k}"), m * 30 * D + 3 * D, 80.0);
            }
        }
        t
    }

    /// A ring whose amounts change at every hop (`amounts[k]` on hop k), `gap` apart.
    fn reshuffled_ring(t: &mut Tiny, amounts: &[f64], gap: i64) {
        let n = amounts.len();
        for (k, &amount) in amounts.iter().enumerate() {
            t.wire(&format!("M{k}"), &format!("M{}", (k + 1) % n), 200 * D + k as i64 * gap, amount);
        }
    }

    #[test]
    fn a_ring_paid_in_no_particular_order_is_found_and_a_monthly_family_ring_is_not() {
        // Five quiet accounts each pay the next once, within four days, the last hop
        // first: no money is relayed, the loop is the evidence.
        let mut t = quiet_world(5);
        for (k, day) in [0i64, 3, 1, 4, 2].into_iter().enumerate() {
            t.wire(
                &format!("M{k}"),
                &format!("M{}", (k + 1) % 5),
                (200 + day) * D + k as i64 * H,
                400.0 + 90.0 * k as f64,
            );
        }
        let hits = t.hits(&Cycle);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("in no particular order"), "{}", hits[0].reason);
        // Four relatives who pay each other round every month: habit, not a ring.
        let mut t = quiet_world(0);
        for m in 0..12 {
            for (k, day) in [0i64, 3, 1, 2].into_iter().enumerate() {
                t.wire(&format!("R{k}"), &format!("R{}", (k + 1) % 4), (m * 30 + day) * D, 300.0);
            }
        }
        assert!(t.hits(&Cycle).is_empty(), "{:?}", t.hits(&Cycle));
    }

    #[test]
    fn amounts_that_change_at_every_hop_are_found_by_their_timing() {
        let mut t = quiet_world(6);
        reshuffled_ring(&mut t, &[900.0, 240.0, 610.0, 1_500.0, 330.0, 720.0], 8 * H);
        let hits = t.hits(&Cycle);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].accounts.len(), 6);
        assert!(hits[0].reason.contains("sooner than it usually sends"), "{}", hits[0].reason);
    }

    #[test]
    fn relatives_whose_transfers_are_booked_on_the_hour_relay_within_the_hour_not_the_second() {
        // Look-alike: a bank books its customers' transfers on the hour, beside card
        // payments timed to the second. Three relatives pay each other: two transfers
        // booked at the same hour, the third nine days later, none carrying the money
        // on. Booked together, they may have been made in either order within the hour.
        let family = |first: i64, second: i64| {
            let mut t = quiet_world(3);
            t.wire("M0", "M1", first, 4_322.0);
            t.wire("M1", "M2", second, 564.0);
            t.wire("M2", "M0", 209 * D + 18 * H, 8_078.0);
            t
        };
        let booked = family(200 * D + 14 * H, 200 * D + 14 * H);
        assert!(booked.hits(&Cycle).is_empty(), "{:?}", booked.hits(&Cycle));
        // Timed to the second, the same payment passed on 34 seconds after it came in.
        let timed = family(200 * D + 14 * H + 7, 200 * D + 14 * H + 41);
        let hits = timed.hits(&Cycle);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("sooner than it usually sends"), "{}", hits[0].reason);
    }

    #[test]
    fn a_group_sweeping_money_between_its_accounts_all_day_is_not_a_cycle() {
        // Look-alike: a group's eight accounts (holder kinds not given) take turns to
        // sweep about 1,000 to another of them, whichever the day's positions call for,
        // every ten minutes for the 43 hours the dump covers: every payment closes
        // cycles of every length within the hour, and the quickest of them are bound to
        // look unlikely.
        let mut t = Tiny::new();
        let group = 8;
        for s in 0..256i64 {
            let from = s % group;
            let called_for = (s as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            let to = (from + 1 + (called_for % (group as u64 - 1)) as i64) % group;
            let amount = 990.0 + ((s * 7_919) % 2_000) as f64 / 100.0;
            t.wire(&format!("G{from}"), &format!("G{to}"), s * 600, amount);
        }
        let hits = t.hits(&Cycle);
        assert!(hits.is_empty(), "{} cycles, first {:?}", hits.len(), hits.first());
        // A ring of larger sums through four accounts that pay nothing else, within
        // the same days, is still found.
        let mut amount = 20_000.0;
        for k in 0..4 {
            t.wire(&format!("M{k}"), &format!("M{}", (k + 1) % 4), D / 2 + k as i64 * 2 * H, amount);
            amount *= 0.97;
        }
        let found = t.hits(&Cycle);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].reason.contains("left M0"), "{}", found[0].reason);
    }

    #[test]
    fn busy_accounts_passing_everyday_amounts_around_are_chance() {
        // Look-alike: in a busy world, traders whose everyday payments are all about this
        // size (500 to 1,100) pay out several times a day, and pass them on, each a
        // little smaller (5 to 9%), and sometimes round: amounts that close are their
        // habit.
        let everyday = [800.0, 740.0, 700.0, 640.0];
        let busy_ring = |amounts: &[f64], usual: fn(i64) -> f64| {
            let mut t = quiet_world(0);
            habit_in(&mut t, 4, 3, usual);
            reshuffled_ring(&mut t, amounts, D);
            let mut hits = t.hits(&Cycle);
            hits.retain(|h| h.accounts.len() == 4);
            hits
        };
        let about_this_size = |s: i64| 500.0 + ((s * 7_919) % 600) as f64;
        let chance = busy_ring(&everyday, about_this_size);
        assert!(chance.is_empty(), "{chance:?}");
        // The same sum passed on less a fee of 1% at every hop is closer than even their
        // habit makes likely (at 2% it is not: half of everything they pay falls in the
        // band each hop had to hit, so landing there is their habit, and only the
        // closeness is evidence); and where their payments range from 30 to 30,000,
        // amounts that stay within 9% of each other are no habit either.
        assert_eq!(busy_ring(&[800.0, 792.0, 784.1, 776.2], about_this_size).len(), 1);
        assert_eq!(busy_ring(&everyday, |s| 30.0 * (1 + (s * 7_919) % 1_000) as f64).len(), 1);
        // The everyday ring through quiet accounts, within hours, is no coincidence.
        let mut t = quiet_world(4);
        reshuffled_ring(&mut t, &everyday, 5 * H);
        assert_eq!(t.hits(&Cycle).len(), 1);
    }

    #[test]
    fn friends_settling_up_within_days_stay_quiet() {
        // Look-alike: four friends who each pay a bill monthly square a shared holiday
        // around the table, each a day or two after being paid.
        let mut t = quiet_world(4);
        reshuffled_ring(&mut t, &[420.0, 180.0, 260.0, 75.0], 36 * H);
        assert!(t.hits(&Cycle).is_empty());
    }

    #[test]
    fn friends_who_take_turns_paying_for_the_group_stay_quiet() {
        // Look-alike: six quiet friends settle a trip within a day, each paying on soon
        // after being paid, in fresh amounts; they have paid each other back before, each
        // to the one that now pays it (earlier dinners), so every pair goes both ways.
        let trip = [900.0, 240.0, 610.0, 1_500.0, 330.0, 720.0];
        let mut t = quiet_world(6);
        reshuffled_ring(&mut t, &trip, 8 * H);
        for k in 0..6 {
            t.wire(&format!("M{}", (k + 1) % 6), &format!("M{k}"), (120 + 3 * k as i64) * D, 35.0);
        }
        assert!(t.hits(&Cycle).is_empty(), "{:?}", t.hits(&Cycle));
        // Money that carries on round the same friends is still a cycle.
        let mut t = quiet_world(6);
        reshuffled_ring(&mut t, &[900.0, 890.0, 880.0, 870.0, 860.0, 850.0], 8 * H);
        for k in 0..6 {
            t.wire(&format!("M{}", (k + 1) % 6), &format!("M{k}"), (120 + 3 * k as i64) * D, 35.0);
        }
        assert_eq!(t.hits(&Cycle).len(), 1, "{:?}", t.hits(&Cycle));
    }

    #[test]
    fn friends_who_split_their_bills_stay_quiet() {
        // Look-alike: four friends split four bills in a month; each who paid one is sent
        // an equal share by the other three within a day or two. One share of each bill
        // runs M0 -> M1 -> M2 -> M3 -> M0, the first two and the last two about one sum.
        let bills: [(usize, f64, i64); 4] =
            [(1, 1_300.0, 200), (2, 1_290.0, 204), (3, 700.0, 210), (0, 660.0, 211)];
        let split = |shared: bool| {
            let mut t = quiet_world(4);
            for (payee, share, day) in bills {
                for payer in (0..4).filter(|&p| p != payee && (shared || (p + 1) % 4 == payee)) {
                    let at = day * D + ((payer + 4 - payee) % 4) as i64 * 5 * H;
                    t.wire(&format!("M{payer}"), &format!("M{payee}"), at, share);
                }
            }
            // They have paid each other back before, every pair both ways.
            for (a, b) in [(0i64, 1i64), (1, 2), (2, 3), (3, 0), (0, 2), (1, 3)] {
                t.wire(&format!("M{b}"), &format!("M{a}"), (120 + 3 * a + b) * D, 35.0);
                t.wire(&format!("M{a}"), &format!("M{b}"), (150 + 3 * a + b) * D, 35.0);
            }
            t
        };
        assert!(split(true).hits(&Cycle).is_empty(), "{:?}", split(true).hits(&Cycle));
        // The same sums passed on round the four alone are money carried on.
        assert_eq!(split(false).hits(&Cycle).len(), 1, "{:?}", split(false).hits(&Cycle));
    }

    /// The quiet world, where members `M0..Mn` also buy from a shop they never used
    /// before every ten days or so, `purchase` each (a little more or less).
    fn shoppers(n: usize, purchase: f64) -> Tiny {
        let mut t = quiet_world(n);
        for k in 0..n {
            for s in 0..36i64 {
                let amount = purchase * (0.6 + 0.8 * ((s * 37 + k as i64 * 11) % 10) as f64 / 10.0);
                t.wire(&format!("M{k}"), &format!("shop{s}"), (s * 10 + k as i64) * D + 9 * H, amount);
            }
        }
        t
    }

    /// A loop in which member k pays member k + 1 once, `amounts[k]`, `gaps[k]` days after
    /// it was paid, from day 150.
    fn slow_loop(t: &mut Tiny, amounts: &[f64], gaps: &[i64]) {
        let n = amounts.len();
        let mut at = 150 * D;
        for k in 0..n {
            t.wire(&format!("M{k}"), &format!("M{}", (k + 1) % n), at, amounts[k]);
            at += gaps[k] * D + 2 * H;
        }
    }

    #[test]
    fn a_slow_loop_of_strangers_paying_more_than_they_ever_do_is_found() {
        // Each member pays the next once, a week or more after it was paid, an amount
        // drawn afresh and larger than any purchase it made: no money carries on and no
        // relay is prompt, so only the loop of strangers and its amounts are evidence.
        let mut t = shoppers(6, 60.0);
        slow_loop(&mut t, &[2_400.0, 3_100.0, 1_900.0, 2_750.0, 3_300.0, 2_050.0], &[6, 9, 7, 8, 6, 5]);
        let hits = t.hits(&Cycle);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].accounts.len(), 6);
        assert!(hits[0].reason.contains("paying the next once only"), "{}", hits[0].reason);
    }

    #[test]
    fn strangers_paying_their_usual_amounts_or_three_friends_stay_quiet() {
        // Look-alike: the same slow loop at the members' everyday purchase amounts is one
        // purchase among their many from new shops.
        let mut t = shoppers(6, 60.0);
        slow_loop(&mut t, &[55.0, 72.0, 48.0, 63.0, 70.0, 51.0], &[6, 9, 7, 8, 6, 5]);
        assert!(t.hits(&Cycle).is_empty(), "{:?}", t.hits(&Cycle));
        // Look-alike: three friends pass a gift on, each once: friends of friends pay
        // each other far more often than chance, so a triangle is no loop of strangers.
        let mut t = shoppers(3, 60.0);
        slow_loop(&mut t, &[2_400.0, 3_100.0, 1_900.0], &[6, 9, 7]);
        assert!(t.hits(&Cycle).is_empty(), "{:?}", t.hits(&Cycle));
    }

    #[test]
    fn a_loop_closing_on_a_supplier_the_closing_traders_peers_pay_stays_quiet() {
        // Look-alike, without holder kinds: traders pay one-off invoices among each
        // other. A slow loop of invoices closes on M0, which thirty traders C0..C29 paid
        // once each. Where those traders buy from the wholesalers M5 buys from, they are
        // M5's peers and M0 is their supplier: M5 paying M0 once is one more of them
        // doing so. Where they buy elsewhere, M0 is as much a stranger to M5 as to the
        // dump, and the loop is found (the same thirty payers of M0 in both worlds).
        let world = |peers: bool| {
            let mut t = shoppers(6, 60.0);
            t.noise(9, 3_000, 12_000, 365);
            for w in 0..10i64 {
                t.wire("M5", &format!("ws{w}"), (w * 30 + 7) * D, 60.0);
            }
            for c in 0..40i64 {
                let wholesaler = if peers { format!("ws{}", c % 10) } else { format!("wz{}", c % 10) };
                for m in 0..4 {
                    t.wire(&format!("C{c}"), &wholesaler, (m * 80 + c) * D + 4 * H, 900.0);
                }
                if c < 30 {
                    t.wire(&format!("C{c}"), "M0", (100 + c) * D + 6 * H, 1_200.0);
                }
            }
            slow_loop(&mut t, &[960.0, 1_240.0, 760.0, 1_100.0, 1_320.0, 820.0], &[6, 9, 7, 8, 6, 5]);
            t.bare();
            t
        };
        assert!(world(true).hits(&Cycle).is_empty(), "{:?}", world(true).hits(&Cycle));
        let strangers = world(false).hits(&Cycle);
        assert_eq!(strangers.len(), 1, "{strangers:?}");
        assert!(strangers[0].reason.contains("paying the next once only"), "{}", strangers[0].reason);
    }

    #[test]
    fn traders_whose_invoices_pass_round_at_their_usual_sizes_stay_quiet() {
        // Look-alike, without holder kinds: four traders each pay forty suppliers a
        // year, invoices of 5,000 to 80,000, in the quiet world's everyday sums (and two
        // hundred large ones between others). One invoice each, a week or so apart, runs round
        // them, each smaller than the last and the last more than half the first: rare
        // sums for the dump, everyday ones for them. Households that pay forty bills of
        // 50 to 150 a year and pass the same sums round the same way are found.
        let world = |invoices: bool| {
            let mut t = quiet_world(4);
            for k in 0..200i64 {
                t.wire(
                    &format!("G{}", k % 7),
                    &format!("G{}", (k + 3) % 7),
                    (k * 365 / 200) * D,
                    1_000.0 + 500.0 * k as f64,
                );
            }
            for m in 0..4i64 {
                for s in 0..40i64 {
                    let size = if invoices {
                        5_000.0 + 1_900.0 * ((s * 7 + m) % 40) as f64
                    } else {
                        50.0 + 2.5 * ((s * 7 + m) % 40) as f64
                    };
                    t.wire(&format!("M{m}"), &format!("S{m}-{s}"), (s * 9 + m) * D + 3 * H, size);
                }
            }
            slow_loop(&mut t, &[60_000.0, 47_000.0, 39_000.0, 33_500.0], &[6, 8, 7, 5]);
            t.bare();
            t
        };
        assert!(world(true).hits(&Cycle).is_empty(), "{:?}", world(true).hits(&Cycle));
        let households = world(false).hits(&Cycle);
        assert_eq!(households.len(), 1, "{households:?}");
    }

    /// Every amount of `t` written to whole units, as a dump exported without cents.
    fn in_whole_units(t: &mut Tiny) {
        let transfers = &mut t.dump.transfers;
        for amount in transfers.amount.iter_mut().chain(transfers.amount_base.iter_mut()) {
            *amount = amount.round();
        }
    }

    #[test]
    fn amounts_that_agree_only_once_written_to_whole_units_do_not_carry_round() {
        // Four accounts pass small sums round a loop in a dump of wires around 300:
        // 12.68 left, then 6.54, 7.15 and 6.53, so nothing carried on (7.15 is more than
        // the 6.54 that came in). Exported in whole units they read 13, 7, 7 and 7,
        // amounts that agree hop to hop; but rounding makes a 7 of anything from 6.5 to
        // 7.5, and the band each hop had to hit is read that wide.
        let world = |amounts: &[f64], whole: bool| {
            let mut t = quiet_world(4);
            t.economy(2_000.0, 365, 70_000);
            for k in 0..70_000i64 {
                let small = 1.0 + (k * 7_919 % 2_000) as f64 / 100.0;
                t.wire(
                    &format!("E{}", k % 10),
                    &format!("F{}", (k * 7 + 3) % 10),
                    k * 365 * D / 70_000 + H,
                    small,
                );
            }
            // Each member pays its regular payee about weekly.
            for k in 0..4 {
                for w in 0..52 {
                    t.wire(&format!("M{k}"), &format!("N{k}"), (w * 7 + k) * D + 5 * H, 80.0);
                }
            }
            slow_loop(&mut t, amounts, &[1, 16, 1, 1]);
            if whole {
                in_whole_units(&mut t);
            }
            t
        };
        let rounded = world(&[12.68, 6.54, 7.15, 6.53], true);
        assert!(rounded.hits(&Cycle).is_empty(), "{:?}", rounded.hits(&Cycle));
        // The same loop written to the cent, where each hop carries what came in less a
        // little, is money passed round.
        let cents = world(&[12.68, 12.55, 12.41, 12.30], false);
        assert_eq!(cents.hits(&Cycle).len(), 1, "{:?}", cents.hits(&Cycle));
    }

    /// The quiet world inside an everyday economy of 150,000 wires around 300, where
    /// members `M0..Mn` have made only five purchases each, at new shops, of 40 to 150:
    /// too short a history to say alone what is rare for them.
    fn newcomers(n: usize) -> Tiny {
        let mut t = quiet_world(n);
        t.economy(300.0, 365, 150_000);
        for k in 0..n {
            for s in 0..5i64 {
                t.wire(
                    &format!("M{k}"),
                    &format!("store{k}-{s}"),
                    (s * 20 + k as i64) * D,
                    40.0 + 25.0 * s as f64,
                );
            }
        }
        t
    }

    #[test]
    fn newcomers_passing_round_sums_rare_in_the_dump_are_a_loop() {
        // Five accounts with five small purchases each pass on, once each and at their
        // own pace, sums larger than any payment in the dump: their own history is too
        // short to make that rare, the dump's amounts make it so.
        let mut t = newcomers(5);
        slow_loop(&mut t, &[6_200.0, 7_400.0, 5_900.0, 8_100.0, 6_800.0], &[5, 9, 6, 8, 7]);
        let hits = t.hits(&Cycle);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.contains("paying the next once only"), "{}", hits[0].reason);
    }

    #[test]
    fn newcomers_paying_each_other_everyday_sums_stay_quiet() {
        // Look-alike: the same newcomers pay each other round sums twice their largest
        // purchase but as common in the dump as any (a deposit, a used bike): reading
        // the dump's amounts makes such sums no rarer than their own short history does,
        // and a dump of this size holds such a loop by chance.
        let mut t = newcomers(5);
        slow_loop(&mut t, &[280.0, 330.0, 260.0, 310.0, 350.0], &[5, 9, 6, 8, 7]);
        assert!(t.hits(&Cycle).is_empty(), "{:?}", t.hits(&Cycle));
    }

    #[test]
    fn equal_timestamps_give_plain_cycles() {
        let mut t = Tiny::new();
        ring(&mut t, 4, 0.97, 0);
        t.wire("X", "Y", 10 * D, 5.0);
        let hits = t.hits(&Cycle);
        assert_eq!(hits.len(), 1);
        assert!(hits[0].reason.contains("no timestamps"));
    }

    #[test]
    fn without_times_only_cycles_whose_amounts_carry_round_are_reported() {
        // A dump with one timestamp for every row: 40 people wiring each other everyday
        // sums (10 to 2,000), which close plain cycles everywhere.
        let mut t = Tiny::new();
        for k in 0..400i64 {
            let (from, to) = (k % 40, (k * 7 + k / 40 + 1) % 40);
            if from != to {
                t.wire(&format!("N{from}"), &format!("N{to}"), 0, 10.0 + ((k * 7_919) % 1_990) as f64);
            }
        }
        // Look-alikes: four traders who each pay the next a fresh sum (goods at their
        // own prices), and a group's eight accounts sweeping about 1,000 between each
        // other 200 times.
        for (k, amount) in [900.0, 240.0, 610.0, 1_500.0].into_iter().enumerate() {
            t.wire(&format!("T{k}"), &format!("T{}", (k + 1) % 4), 0, amount);
        }
        for s in 0..200i64 {
            let from = s % 8;
            let called_for = (s as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            let to = (from + 1 + (called_for % 7) as i64) % 8;
            t.wire(&format!("G{from}"), &format!("G{to}"), 0, 990.0 + ((s * 7_919) % 2_000) as f64 / 100.0);
        }
        assert!(t.hits(&Cycle).is_empty(), "{:?}", t.hits(&Cycle));
        // 20,000 passed round four accounts less 3% at every hop is found, read from
        // the hop it entered by, whichever hop the search began with.
        for (k, amount) in [18_818.0, 18_253.0, 20_000.0, 19_400.0].into_iter().enumerate() {
            let (from, to) = ((k + 2) % 4, (k + 3) % 4);
            t.wire(&format!("M{from}"), &format!("M{to}"), 0, amount);
        }
        let hits = t.hits(&Cycle);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].reason.starts_with("M0 -> ... -> itself in 4 hops, 20,000 in"), "{}", hits[0].reason);
    }

    #[test]
    fn camouflaged_by_noise_and_row_order() {
        let mut t = Tiny::new();
        t.noise(21, 30, 200, 60);
        ring(&mut t, 6, 0.96, 30 * H);
        t.reverse_rows();
        let m0 = t.dump.accounts.intern("M0");
        assert!(t
            .hits(&Cycle)
            .iter()
            .any(|h| h.accounts.len() == 6 && h.accounts.iter().any(|a| a.account == m0)));
    }
}

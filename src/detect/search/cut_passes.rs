//! Hubs that pass on the dump's cut: a run of receipts, then payments that sum to
//! exactly the share of them that a laundering network's relays pass on (keeping their
//! commission), to the cent ([`crate::graph::algo::exact_cuts`]). The shares are the
//! dump's own: one that far more of its accounts pass at than at the others is a cut
//! someone keeps; at any other share an exact sum is a coincidence, and the dump's
//! count of those says how often one comes about.
//!
//! Banks, payment firms and busy businesses are left out: an acquirer or a licensed
//! remitter keeps the same fee on every payment as its business, and its clients'
//! money is not relayed through it. So are payments to a payee the account pays again
//! and again: a letting agent or an insurance broker keeps its commission and pays the
//! landlord or the insurer the rest, month after month.

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::detect::{Context, Hit, HitBuilder, Role};
use crate::graph::algo::exact_cuts::{first_exact_passes, share_mask, DumpCuts, ExactPass};
use crate::graph::algo::novelty::AmountNovelty;
use crate::graph::scale::amount_tick;
use crate::graph::{AdjList, FlowGraph};
use crate::model::Channel;
use crate::pattern::Pattern;
use crate::units::{counted_words, fmt_amount, format_date, seconds_to_days};

/// The most payments to one payee over the dump that a relay's scatter may hold.
const ONCE_OR_TWICE: usize = 2;

/// Each thread's lists for reading one account after another: an account's counted
/// transfers and its payees, allocated once rather than for each of a dump's accounts.
#[derive(Default)]
pub struct PassLists {
    keep_in: Vec<usize>,
    keep_out: Vec<usize>,
    payees: Vec<u32>,
}

/// The passes of `v` at exact shares on `channels`; none for a licensed or
/// business-like account (so no company-to-company transfer is read either).
fn passes_of(
    g: &FlowGraph,
    channels: &[Channel],
    tick: f64,
    v: u32,
    lists: &mut PassLists,
) -> Vec<ExactPass> {
    let a = &g.accounts;
    if a.licensed[v as usize] || a.business_like[v as usize] {
        return Vec::new();
    }
    let (ins, outs) = (g.in_list(v), g.out_list(v));
    if ins.len() + outs.len() < 3 || ins.is_empty() || outs.is_empty() {
        return Vec::new();
    }
    let PassLists { keep_in, keep_out, payees } = lists;
    let counted = |list: AdjList<'_>, k: usize| list.other[k] != v && channels.contains(&list.channel[k]);
    keep_in.clear();
    keep_in.extend((0..ins.len()).filter(|&k| counted(ins, k)));
    keep_out.clear();
    keep_out.extend((0..outs.len()).filter(|&k| counted(outs, k)));
    if keep_in.is_empty() || keep_out.is_empty() {
        return Vec::new();
    }
    // Payees it pays again and again (the grocer, the family, the bills; a letting
    // agent's landlord, paid the rent less its tenth every month) are its life, not a
    // relay's scatter, and would split a run of payments that is one.
    payees.clear();
    payees.extend(keep_out.iter().map(|&k| outs.other[k]));
    payees.sort_unstable();
    let times_paid = |p: u32| payees.partition_point(|&q| q <= p) - payees.partition_point(|&q| q < p);
    keep_out.retain(|&k| times_paid(outs.other[k]) <= ONCE_OR_TWICE);
    first_exact_passes(ins, keep_in, outs, keep_out, tick)
}

/// The shares the dump's accounts pass on exactly, and its cuts; none in a dump whose
/// amounts are written to no unit ([`amount_tick`]).
pub fn dump_cuts(g: &FlowGraph, channels: &[Channel]) -> DumpCuts {
    let Some(tick) = amount_tick(&g.amount) else {
        return DumpCuts::tally(0.0, std::iter::empty());
    };
    let masks: Vec<u64> = (0..g.node_count() as u32)
        .into_par_iter()
        .with_min_len(256)
        .map_init(PassLists::default, |lists, v| share_mask(&passes_of(g, channels, tick, v, lists)))
        .collect();
    DumpCuts::tally(tick, masks.into_iter())
}

/// `v`'s first pass at one of the dump's `cuts`, as a hit of `pattern`: the senders of
/// the receipts, the hub and the payees. `lists` are the calling thread's, kept from
/// one account to the next.
pub fn cut_pass(
    ctx: &Context<'_>,
    channels: &[Channel],
    cuts: &DumpCuts,
    v: u32,
    pattern: Pattern,
    lists: &mut PassLists,
) -> Option<Hit> {
    if cuts.cuts.is_empty() {
        return None;
    }
    let g = ctx.graph;
    let pass = passes_of(g, channels, cuts.tick, v, lists).into_iter().find(|p| cuts.is_cut(p.percent))?;
    let (ins, outs) = (g.in_list(v), g.out_list(v));
    let mut b = HitBuilder::default();
    let (mut gathered, mut passed) = (0.0, 0.0);
    for &k in &pass.gathered {
        let a = ins.amount[k];
        gathered += a;
        b.account(ins.other[k], Role::Source, 0.0, a);
        b.account(v, Role::Hub, a, 0.0);
        b.transfer(ins.edges[k]);
    }
    for &k in &pass.passed {
        let a = outs.amount[k];
        passed += a;
        b.account(outs.other[k], Role::Destination, a, 0.0);
        b.account(v, Role::Hub, 0.0, a);
        b.transfer(outs.edges[k]);
    }
    let senders: BTreeSet<u32> = pass.gathered.iter().map(|&k| ins.other[k]).collect();
    let payees: BTreeSet<u32> = pass.passed.iter().map(|&k| outs.other[k]).collect();
    let mut proving: Vec<u32> = pass
        .gathered
        .iter()
        .map(|&k| ins.edges[k])
        .chain(pass.passed.iter().map(|&k| outs.edges[k]))
        .collect();
    proving.sort_unstable();
    let novelty = AmountNovelty::measure(g, &[v], &proving);
    let first_in = ins.time[pass.gathered[0]];
    let last_in = ins.time[pass.gathered[pass.gathered.len() - 1]];
    let last_out = outs.time[pass.passed[pass.passed.len() - 1]];
    let reason = format!(
        "{} received {} transfers ({}) from {} from {} to {}, then paid exactly {}% of it ({}) to {} within {:.1} days: {} of the dump's accounts pass on exactly that share, against {:.0} at a share no one keeps (a cut its relays keep){}",
        ctx.account(v),
        pass.gathered.len(),
        fmt_amount(gathered),
        counted_words(senders.len(), "sender"),
        format_date(first_in),
        format_date(last_in),
        pass.percent,
        fmt_amount(passed),
        counted_words(payees.len(), "payee"),
        seconds_to_days(last_out - last_in),
        cuts.accounts_at(pass.percent),
        cuts.expected,
        novelty.words(),
    );
    // The cut's weight over chance, and the hub's own amounts.
    let over_chance = f64::from(cuts.accounts_at(pass.percent)) / cuts.expected.max(0.5);
    let shape = 0.5 + 0.5 * (over_chance.log2() / 4.0).clamp(0.0, 1.0);
    let strength = 0.7 * shape + 0.3 * novelty.term();
    b.read_from_share();
    Some(b.finish(g, pattern, gathered, strength, reason))
}

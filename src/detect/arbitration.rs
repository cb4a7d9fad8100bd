//! Which hits stay when two detectors see the same accounts: hits on licensed
//! money-service businesses are left out, and a generic motif gives way to the more
//! specific pattern that explains most of it.

use std::collections::{BTreeMap, BTreeSet};

use crate::pattern::Pattern;

use super::context::Context;
use super::hit::Hit;
use super::registry::{Detector, DetectorRun, Outcome};

/// Drops hits whose central accounts are all held by licensed money-service businesses
/// or banks: a licensed remitter pools and forwards customers' money by trade, and is
/// supervised for it. `hits[k]` are detector k's hits.
pub(super) fn drop_licensed(ctx: &Context<'_>, hits: &mut [Vec<Hit>], runs: &mut [DetectorRun]) {
    let licensed = &ctx.graph.accounts.licensed;
    for (k, list) in hits.iter_mut().enumerate() {
        let before = list.len();
        list.retain(|h| {
            let mut central = h.accounts.iter().filter(|a| a.role.is_central()).peekable();
            central.peek().is_none() || !central.all(|a| licensed[a.account as usize])
        });
        let dropped = before - list.len();
        if dropped > 0 {
            runs[k].hits = list.len();
            runs[k].notes.push(format!("{dropped} hit(s) on licensed money-service businesses left out"));
        }
    }
}

/// Applies [`Detector::defers_to`]; `hits[k]` are detector k's hits.
#[cfg(test)]
fn drop_deferred(
    detectors: &[Box<dyn Detector>],
    mut hits: Vec<Vec<Hit>>,
    runs: &mut [DetectorRun],
) -> Vec<Hit> {
    let given_way = give_way(detectors, &mut hits);
    note_given_way(detectors, &given_way, &hits, runs);
    hits.into_iter().flatten().collect()
}

/// Settles which hits stand: each detector's hits give way to more specific ones
/// ([`Detector::defers_to`]); then the detectors join hits of their own from those that
/// stand ([`Detector::join`]), and the hits a joined one holds whole (its parts: every
/// transfer of theirs is its) give way to it when their pattern is its or gives way to
/// its. `hits[k]` are detector k's hits;
/// `runs[k]` says how many stand and why others went.
pub(super) fn settle(
    ctx: &Context<'_>,
    detectors: &[Box<dyn Detector>],
    mut hits: Vec<Vec<Hit>>,
    runs: &mut [DetectorRun],
) -> Vec<Hit> {
    let given_way = give_way(detectors, &mut hits);
    let mut joined: Vec<Vec<Hit>> = Vec::with_capacity(detectors.len());
    for (k, d) in detectors.iter().enumerate() {
        let outcome = if runs[k].skipped.is_some() { Outcome::default() } else { d.join(ctx, &hits) };
        runs[k].notes.extend(outcome.notes);
        joined.push(outcome.hits);
    }
    // A joined hit held whole by one joined of a pattern it gives way to goes too: a
    // layer joined from fans that a stack joined from the same fans holds.
    let joined_whole: Vec<Vec<bool>> = joined
        .iter()
        .zip(detectors)
        .map(|(list, d)| {
            let defers_to = d.defers_to();
            list.iter()
                .map(|h| {
                    joined.iter().flatten().any(|w| {
                        w.pattern != h.pattern && defers_to.contains(&w.pattern) && w.holds_all(&h.transfers)
                    })
                })
                .collect()
        })
        .collect();
    for ((list, whole), run) in joined.iter_mut().zip(joined_whole).zip(runs.iter_mut()) {
        let before = list.len();
        *list = std::mem::take(list).into_iter().zip(whole).filter_map(|(h, w)| (!w).then_some(h)).collect();
        if list.len() < before {
            run.notes.push(format!(
                "{} joined hit(s) taken in whole by joined hits of a more specific pattern",
                before - list.len()
            ));
        }
    }
    let wholes: Vec<&Hit> = joined.iter().flatten().collect();
    let mut taken_in = vec![0; detectors.len()];
    if !wholes.is_empty() {
        for ((list, n), d) in hits.iter_mut().zip(taken_in.iter_mut()).zip(detectors) {
            let before = list.len();
            let defers_to = d.defers_to();
            list.retain(|h| {
                !wholes.iter().any(|w| {
                    (w.pattern == h.pattern || defers_to.contains(&w.pattern)) && w.holds_all(&h.transfers)
                })
            });
            *n = before - list.len();
        }
    }
    for (list, more) in hits.iter_mut().zip(joined) {
        list.extend(more);
    }
    note_given_way(detectors, &given_way, &hits, runs);
    for (run, n) in runs.iter_mut().zip(taken_in) {
        if n > 0 {
            run.notes.push(format!("{n} hit(s) taken in whole by hits joined from them"));
        }
    }
    hits.into_iter().flatten().collect()
}

/// Counts the hits that stand and notes how many gave way (`given_way[k]`, detector k's).
fn note_given_way(
    detectors: &[Box<dyn Detector>],
    given_way: &[usize],
    hits: &[Vec<Hit>],
    runs: &mut [DetectorRun],
) {
    for (k, d) in detectors.iter().enumerate() {
        runs[k].hits = hits[k].len();
        if given_way[k] > 0 {
            runs[k].notes.push(format!(
                "{} hit(s) left to the more specific {}",
                given_way[k],
                crate::pattern::join(d.defers_to(), "/")
            ));
        }
    }
}

/// Drops every hit a more specific one explains ([`Detector::defers_to`]); how many each
/// detector dropped. `hits[k]` are detector k's hits.
fn give_way(detectors: &[Box<dyn Detector>], hits: &mut [Vec<Hit>]) -> Vec<usize> {
    // (pattern, account) -> the hits of that pattern the account takes part in.
    let mut index: BTreeMap<(Pattern, u32), Vec<(usize, usize)>> = BTreeMap::new();
    for (k, list) in hits.iter().enumerate() {
        for (i, h) in list.iter().enumerate() {
            for a in &h.accounts {
                index.entry((h.pattern, a.account)).or_default().push((k, i));
            }
        }
    }
    // Decide every drop on the hits as found, then drop: the index points into them.
    let explained: Vec<Vec<bool>> = detectors
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let patterns = d.defers_to();
            hits[k]
                .iter()
                .map(|h| {
                    if patterns.is_empty() {
                        return false;
                    }
                    let mine: BTreeSet<u32> = h.accounts.iter().map(|a| a.account).collect();
                    // Hits of a more specific pattern holding one of this hit's central accounts...
                    let mut others: BTreeSet<(usize, usize)> = BTreeSet::new();
                    for a in h.accounts.iter().filter(|a| a.role.is_central()) {
                        for p in patterns {
                            others.extend(index.get(&(*p, a.account)).into_iter().flatten().copied());
                        }
                    }
                    // ...one of which also holds most of its accounts and moved some of
                    // the same money: a mule's hit that lists fifty of its senders does
                    // not explain a walk among three of them. Money followed from hop to
                    // hop is not explained by a loop read from timing alone that runs
                    // through the same accounts: a walk that later payments of others
                    // happen to close.
                    others.iter().any(|&(ok, oi)| {
                        let other = &hits[ok][oi];
                        let shared = other.accounts.iter().filter(|a| mine.contains(&a.account)).count();
                        (h.by_timing || !other.by_timing)
                            && 2 * shared > mine.len()
                            && other.transfers.iter().any(|e| h.transfers.binary_search(e).is_ok())
                    })
                })
                .collect()
        })
        .collect();
    explained
        .into_iter()
        .zip(hits.iter_mut())
        .map(|(flags, list)| {
            let before = list.len();
            let mut flags = flags.into_iter();
            list.retain(|_| !flags.next().unwrap_or(false));
            before - list.len()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{HitAccount, Outcome, Role};
    use Pattern::{FanIn, GatherScatter, Ub1};

    /// A detector that only names itself and what it defers to, and joins one hit of
    /// its pattern when given one, whatever stands.
    struct Stub(Pattern, &'static [Pattern], Option<Hit>);

    impl Detector for Stub {
        fn pattern(&self) -> Pattern {
            self.0
        }
        fn unavailable(&self, _: &Context<'_>) -> Option<String> {
            None
        }
        fn run(&self, _: &Context<'_>) -> Outcome {
            Outcome::default()
        }
        fn defers_to(&self) -> &'static [Pattern] {
            self.1
        }
        fn join(&self, _: &Context<'_>, _: &[Vec<Hit>]) -> Outcome {
            let hits: Vec<Hit> = self.2.iter().cloned().collect();
            let notes = hits.iter().map(|_| "1 joined".to_owned()).collect();
            Outcome { hits, notes }
        }
        fn lookback(&self, _: &crate::config::Config) -> crate::detect::Lookback {
            crate::detect::Lookback::days(1.0, &[crate::detect::Reads::Reference])
        }
    }

    fn stub_hit(pattern: Pattern, central: u32, others: &[u32]) -> Hit {
        let mut accounts =
            vec![HitAccount { account: central, role: Role::Hub, amount_in: 0.0, amount_out: 0.0 }];
        accounts.extend(others.iter().map(|&a| HitAccount {
            account: a,
            role: Role::Source,
            amount_in: 0.0,
            amount_out: 0.0,
        }));
        Hit {
            pattern,
            accounts,
            // One transfer per account, from or to the central one.
            transfers: others.iter().map(|&a| central * 100 + a).collect(),
            amount: 0.0,
            first_seen: 0,
            last_seen: 0,
            strength: 0.5,
            reason: String::new(),
            pair: None,
            by_timing: false,
            by_share: false,
        }
    }

    /// A detector's run record before arbitration: no hits counted, no notes.
    fn run(code: Pattern) -> DetectorRun {
        DetectorRun {
            code,
            title: code.title(),
            hits: 0,
            millis: 0,
            skipped: None,
            notes: vec![],
            lookback: crate::detect::Lookback::days(1.0, &[crate::detect::Reads::Reference]),
            parts: None,
            chance_budget: None,
        }
    }

    #[test]
    fn money_followed_hop_to_hop_does_not_give_way_to_a_loop_read_from_timing() {
        let detectors: Vec<Box<dyn Detector>> = vec![
            Box::new(Stub(Pattern::Cycle, &[], None)),
            Box::new(Stub(Pattern::RandomWalk, &[Pattern::Cycle], None)),
        ];
        // A walk through 1, 2 and 3, and a loop through 1 to 4 that moved two of its
        // transfers: read from the money, the loop explains the walk; read from its
        // members' timing alone, it does not.
        for (by_timing, kept) in [(false, 1), (true, 2)] {
            let mut runs = vec![run(Pattern::Cycle), run(Pattern::RandomWalk)];
            let cycle = Hit { by_timing, ..stub_hit(Pattern::Cycle, 1, &[2, 3, 4]) };
            let hits = vec![vec![cycle], vec![stub_hit(Pattern::RandomWalk, 1, &[2, 3])]];
            assert_eq!(drop_deferred(&detectors, hits, &mut runs).len(), kept, "by timing: {by_timing}");
        }
    }

    #[test]
    fn a_motif_defers_only_to_a_hit_that_explains_most_of_it() {
        let detectors: Vec<Box<dyn Detector>> = vec![
            Box::new(Stub(Ub1, &[], None)),
            Box::new(Stub(GatherScatter, &[Ub1], None)),
            Box::new(Stub(FanIn, &[Ub1, GatherScatter], None)),
        ];
        let mut runs = vec![run(Ub1), run(GatherScatter), run(FanIn)];
        let hits = vec![
            // UB1: collector 1 with depositors 2..6.
            vec![stub_hit(Ub1, 1, &[2, 3, 4, 5, 6])],
            // Dropped: hub 1 and most accounts are UB1's.
            vec![stub_hit(GatherScatter, 1, &[2, 3, 4, 9])],
            // Kept: hub 2 is in UB1 but its senders are not; dropped: hub 1 again; kept:
            // hub 3 and its senders are all UB1's depositors, but the money it took from
            // them is none that UB1's hit moved.
            vec![
                stub_hit(FanIn, 2, &[20, 21, 22, 23, 24]),
                stub_hit(FanIn, 1, &[3, 4, 5]),
                stub_hit(FanIn, 3, &[4, 5, 6]),
            ],
        ];
        let kept = drop_deferred(&detectors, hits, &mut runs);
        let names: Vec<(Pattern, u32)> = kept.iter().map(|h| (h.pattern, h.accounts[0].account)).collect();
        assert_eq!(names, vec![(Ub1, 1), (FanIn, 2), (FanIn, 3)]);
        assert_eq!((runs[1].hits, runs[2].hits), (0, 2));
        assert_eq!(runs[2].notes, vec!["1 hit(s) left to the more specific UB1/gather_scatter"]);
    }

    #[test]
    fn a_joined_hit_takes_the_place_of_the_hits_it_holds_whole_that_give_way_to_it() {
        use Pattern::{Bipartite, Cycle, FanOut};
        let mut t = crate::detect::testkit::Tiny::new();
        t.wire("A", "B", 0, 1.0);
        let g = t.graph();
        let ctx = Context::new(&g, &t.dump, &t.config);
        // A layer holding every transfer of hub 1's fan and of a loop through 1 and 2, and
        // part of hub 3's fan.
        let layer = Hit { transfers: vec![102, 103, 104, 301], ..stub_hit(Bipartite, 1, &[2, 3, 4]) };
        let detectors: Vec<Box<dyn Detector>> = vec![
            Box::new(Stub(Bipartite, &[], Some(layer))),
            Box::new(Stub(Cycle, &[], None)),
            Box::new(Stub(FanOut, &[Bipartite], None)),
        ];
        let mut runs = vec![run(Bipartite), run(Cycle), run(FanOut)];
        let hits = vec![
            vec![],
            vec![stub_hit(Cycle, 1, &[2])],
            vec![stub_hit(FanOut, 1, &[2, 3, 4]), stub_hit(FanOut, 3, &[1, 5])],
        ];
        let settled = settle(&ctx, &detectors, hits, &mut runs);
        let names: Vec<(Pattern, u32)> = settled.iter().map(|h| (h.pattern, h.accounts[0].account)).collect();
        // The loop does not give way to a layer; hub 3's fan holds a transfer the layer
        // does not.
        assert_eq!(names, vec![(Bipartite, 1), (Cycle, 1), (FanOut, 3)]);
        assert_eq!((runs[0].hits, runs[1].hits, runs[2].hits), (1, 1, 1));
        assert_eq!(runs[0].notes, vec!["1 joined"]);
        assert_eq!(runs[2].notes, vec!["1 hit(s) taken in whole by hits joined from them"]);
    }
}

//! Property tests: a pattern injected into random noise, with random sizes, amounts and
//! timing inside the detector's defaults and with the rows in reverse order, is always
//! found by its detector; and relatives who pay each other round every month, at any
//! amount, never make a cycle, nor flatmates who split a new bill every month a layer,
//! nor staff paid every month or a daily sweep to two subsidiaries; new senders on a
//! schedule are a fan (off a hub's weekly rhythm too), new members joining a club at its
//! weekly meeting are not, nor new workers taken on on two set weekdays; new payees off
//! a rhythm no one else breaks are a fan, and not where everyone breaks theirs as often; relays that
//! keep one cut are gather-scatter hubs, letting agents keeping it are not; sources
//! taking turns at the same new payees are one layer, customers taking turns at the same
//! busy shops are not.

use proptest::prelude::*;

use super::testkit::{Tiny, D, H};
use super::{Detector, Hit, Role};
use crate::model::Channel;

/// Days on which a household's friends pay it: no interval kept.
const FRIENDS_DAYS: [i64; 25] = [
    3, 8, 14, 17, 25, 31, 38, 40, 47, 55, 59, 66, 70, 79, 83, 91, 96, 102, 109, 113, 121, 126, 133, 139, 144,
];

fn found(hits: &[Hit], t: &Tiny, account: &str, role: Role) -> bool {
    let Some(&v) = t.dump.accounts.index.get(account) else { return false };
    hits.iter().any(|h| h.accounts.iter().any(|a| a.account == v && a.role == role))
}

/// Noise, then the case, then reversed rows: the detector's hits.
fn run(seed: u64, case: impl FnOnce(&mut Tiny), detector: &dyn Detector) -> (Tiny, Vec<Hit>) {
    let t = noisy(seed, case);
    let hits = t.hits(detector);
    (t, hits)
}

/// Noise, then the case, then reversed rows: the hits that stand once every detector ran
/// and they were settled, as `analyze` finds them.
fn run_settled(seed: u64, case: impl FnOnce(&mut Tiny)) -> (Tiny, Vec<Hit>) {
    let t = noisy(seed, case);
    let hits = t.settled_hits();
    (t, hits)
}

/// 150 days of noise, then the case, then the rows reversed.
fn noisy(seed: u64, case: impl FnOnce(&mut Tiny)) -> Tiny {
    let mut t = Tiny::new();
    t.noise(seed, 60, 400, 150);
    t.span(150);
    case(&mut t);
    t.reverse_rows();
    t
}

/// [`run`], with the noise's amounts written to the cent at `scale` (to a hundredth of
/// a cent at 0.01, to whole units at 100), as a bank's export writes them.
fn run_to_the_cent(
    seed: u64,
    scale: f64,
    case: impl FnOnce(&mut Tiny),
    detector: &dyn Detector,
) -> (Tiny, Vec<Hit>) {
    let mut t = Tiny::new();
    t.noise(seed, 60, 400, 150);
    let tick = scale / 100.0;
    for amounts in [&mut t.dump.transfers.amount, &mut t.dump.transfers.amount_base] {
        for a in amounts.iter_mut() {
            *a = (*a * scale / tick).round() * tick;
        }
    }
    t.span(150);
    case(&mut t);
    t.reverse_rows();
    let hits = t.hits(detector);
    (t, hits)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn ub1_collector(seed in 0u64..1000, senders in 10usize..30, start in 10i64..100, keep in 0.85f64..1.0) {
        let (t, hits) = run(seed, |t| {
            let mut total = 0.0;
            for k in 0..senders {
                let a = 5_000.0 + 97.0 * k as f64;
                t.wire(&format!("C{k}"), "HUB", start * D + k as i64 * 5 * H, a);
                total += a;
                t.wire("HUB", &format!("P{}", k % 2), start * D + k as i64 * 5 * H + 3 * H, a * keep);
            }
            let _ = total;
        }, &super::underground::ub1_collector::Collector);
        prop_assert!(found(&hits, &t, "HUB", Role::Collector));
    }

    #[test]
    fn ub2_structuring(seed in 0u64..1000, smurfs in 5usize..12, start in 10i64..100, under in 0.905f64..0.995) {
        let (t, hits) = run(seed, |t| {
            t.person("TARGET", "US");
            for k in 0..smurfs {
                t.person(&format!("S{k}"), "US");
                t.send(&format!("S{k}"), "TARGET", start * D + k as i64 * 11 * H, 10_000.0 * under, Channel::CashDeposit);
            }
        }, &super::underground::ub2_structuring::Structuring);
        prop_assert!(found(&hits, &t, "TARGET", Role::Target));
    }

    #[test]
    fn ub3_mirror(seed in 0u64..1000, pairs in 3usize..8, gap_h in 1i64..70, start in 10i64..100, linked in any::<bool>()) {
        let (t, hits) = run(seed, |t| {
            t.person("X", "CN");
            t.person("Y", "HK");
            if linked {
                t.link("h-X", "h-Y");
            }
            for k in 0..pairs {
                t.person(&format!("C{k}"), "CN");
                t.person(&format!("B{k}"), "HK");
                let a = 12_000.0 + 9_000.0 * k as f64;
                t.wire(&format!("C{k}"), "X", (start + 2 * k as i64) * D, a);
                t.wire("Y", &format!("B{k}"), (start + 2 * k as i64) * D + gap_h * H, a * 1.01);
            }
        }, &super::underground::ub3_mirror::Mirror);
        prop_assert!(found(&hits, &t, "X", Role::Collector));
    }

    #[test]
    fn ub4_rapid_in_out(seed in 0u64..1000, n in 8usize..30, start in 10i64..100, delay_h in 1i64..20) {
        let (t, hits) = run(seed, |t| {
            for k in 0..n {
                let at = (start + k as i64) * D;
                t.wire(&format!("S{k}"), "MULE", at, 20_000.0 + 100.0 * k as f64);
                t.wire("MULE", &format!("D{k}"), at + delay_h * H, 19_800.0 + 100.0 * k as f64);
            }
        }, &super::underground::ub4_rapid_in_out::RapidInOut);
        prop_assert!(found(&hits, &t, "MULE", Role::Mule));
    }

    #[test]
    fn ub6_settlement_shell(seed in 0u64..1000, payees in 10usize..30, start in 100i64..130) {
        let (t, hits) = run(seed, |t| {
            t.company("SHELL", "CN");
            t.company("PAYER", "CN");
            t.wire("SHELL", "OLD", 0, 100.0);
            t.person("T0", "CN");
            t.wire("SHELL", "T0", start * D, 1.0);
            t.wire("PAYER", "SHELL", start * D + H, 500_000.0);
            for k in 0..payees {
                t.person(&format!("P{k}"), "CN");
                t.wire("SHELL", &format!("P{k}"), start * D + 2 * H + k as i64 * 5 * H, 500_000.0 / payees as f64);
            }
        }, &super::underground::ub6_settlement_shell::SettlementShell);
        prop_assert!(found(&hits, &t, "SHELL", Role::Shell));
    }

    #[test]
    fn fan_in_and_fan_out(seed in 0u64..1000, n in 5usize..15, start in 10i64..140, spread_h in 1i64..30) {
        let (t, hits) = run(seed, |t| {
            for k in 0..n {
                t.wire(&format!("S{k}"), "HUB", start * D + k as i64 * spread_h * H / 2, 4_000.0);
            }
        }, &super::motifs::fan_in::FanIn);
        prop_assert!(found(&hits, &t, "HUB", Role::Hub));
        let (t, hits) = run(seed, |t| {
            for k in 0..n {
                t.wire("HUB", &format!("D{k}"), start * D + k as i64 * spread_h * H / 2, 4_000.0);
            }
        }, &super::motifs::fan_out::FanOut);
        prop_assert!(found(&hits, &t, "HUB", Role::Hub));
    }

    #[test]
    fn fan_in_on_a_schedule(seed in 0u64..1000, n in 7usize..10, every in 8i64..16, start in 20i64..30, amount in 400.0f64..1_500.0) {
        // New senders paying its everyday amounts, one every `every` days, into an
        // account its friends pay on days of their own: seven or more, at least a week
        // apart, a schedule too long to be chance among the account's few new senders
        // (five every five days, among its friends' first payments, is not).
        let (t, hits) = run(seed, |t| {
            for (k, day) in FRIENDS_DAYS.into_iter().enumerate() {
                t.wire(&format!("FRIEND{}", k % 4), "HUB", day * D + 9 * H, amount * (0.8 + (k % 5) as f64 / 10.0));
            }
            for k in 0..n {
                t.wire(&format!("S{k}"), "HUB", (start + k as i64 * every) * D + 14 * H, amount * (0.9 + (k % 3) as f64 / 10.0));
            }
        }, &super::motifs::fan_in::FanIn);
        prop_assert!(found(&hits, &t, "HUB", Role::Hub), "{:?}", hits);
    }

    #[test]
    fn new_members_joining_at_a_weekly_meeting_are_no_schedule(seed in 0u64..1000, members in 5usize..15, joiners in 5i64..18, dues in 5.0f64..5_000.0) {
        // Members pay their dues at the weekly meeting, and a new member joins at each.
        let (t, hits) = run(seed, |t| {
            for week in 0..20 {
                for m in 0..members {
                    t.wire(&format!("MEMBER{m}"), "CLUB", (week * 7 + 3) * D + m as i64 * H, dues);
                }
            }
            for k in 0..joiners {
                t.wire(&format!("JOINER{k}"), "CLUB", (k * 7 + 3) * D + 20 * H, dues);
            }
        }, &super::motifs::fan_in::FanIn);
        prop_assert!(!found(&hits, &t, "CLUB", Role::Hub), "{:?}", hits);
    }

    #[test]
    fn fan_out_on_a_schedule_off_the_hubs_weekly_rhythm(seed in 0u64..1000, weekday in 0i64..7, n in 8usize..11, every in prop::sample::select(vec![9i64, 10, 11, 12, 13, 15, 16, 17]), start in 1i64..6, amount in 400.0f64..2_000.0) {
        // An account that pays a new payee on one weekday every week of its life, and
        // new payees at its everyday amounts every `every` days (no multiple of 7): its
        // weekly new payees make any lattice likely, set apart they do not.
        let (t, hits) = run(seed, |t| {
            t.span(200);
            for week in 0..28 {
                t.wire("HUB", &format!("WEEKLY{week}"), (week * 7 + weekday) * D + 10 * H, amount * (0.8 + (week % 5) as f64 / 10.0));
            }
            for k in 0..n {
                t.wire("HUB", &format!("D{k}"), (start + k as i64 * every) * D + 15 * H, amount * (0.9 + (k % 3) as f64 / 10.0));
            }
        }, &super::motifs::fan_out::FanOut);
        prop_assert!(found(&hits, &t, "HUB", Role::Hub), "{:?}", hits);
    }

    #[test]
    fn new_payees_off_a_rhythm_that_no_one_else_breaks_are_a_fan_and_everyday_where_all_do(seed in 0u64..1000, weekday in 0i64..7, households in 20usize..40, payees in 5usize..9, amount in 500.0f64..700.0) {
        // Households whose standing orders run on one weekday every week, and a hub that
        // keeps the same rhythm and pays new payees its everyday amounts on other days,
        // one every few weeks:
        // a fan where the households never break their rhythm, their everyday where each
        // of them breaks it as often.
        // Days that keep no interval (no three of them one apart from the next), moved
        // off the weekday.
        let off = |d: i64| if (d - weekday).rem_euclid(7) == 0 { d + 1 } else { d };
        let off_days = &[9i64, 23, 41, 52, 74, 89, 103, 127][..payees];
        let world = |others_break: bool| {
            run(seed, |t| {
                for p in 0..=households {
                    let payer = if p == households { "HUB".to_string() } else { format!("HOME{p}") };
                    t.standing_orders(&payer, p as i64, weekday, 21, 1.0);
                    if p == households || others_break {
                        for (k, &day) in off_days.iter().enumerate() {
                            let shift = if p == households { 0 } else { (p % 3) as i64 };
                            t.wire(&payer, &format!("{payer}-NEW{k}"), off(day + shift) * D + 15 * H, amount * (0.8 + (k % 4) as f64 / 10.0));
                        }
                    }
                }
            }, &super::motifs::fan_out::FanOut)
        };
        let (t, hits) = world(false);
        prop_assert!(found(&hits, &t, "HUB", Role::Hub), "{:?}", hits);
        let (t, hits) = world(true);
        prop_assert!(!found(&hits, &t, "HUB", Role::Hub), "{:?}", hits);
    }

    #[test]
    fn strangers_paid_in_then_paid_on_off_a_rhythm_no_one_else_breaks_are_a_hub_and_everyday_where_all_do(seed in 0u64..1000, weekday in 0i64..7, households in 20usize..40, senders in 2usize..5, payees in 2usize..5, kept in 0.2f64..0.5, scale in prop::sample::select(vec![0.01f64, 1.0, 100.0])) {
        // Households whose standing orders run on one weekday every week, and a hub that
        // keeps the same rhythm, is paid by strangers within three days and pays on a
        // share of it (drawn afresh, never most of it) to new payees on other days of the
        // next week: a gather-scatter where the households never break their rhythm,
        // their everyday where each of them pays someone new off it every week or two,
        // at any scale of amounts.
        let off = |d: i64| if (d - weekday).rem_euclid(7) == 0 { d + 1 } else { d };
        let world = |others_break: bool| {
            run(seed, |t| {
                for p in 0..=households {
                    let payer = if p == households { "HUB".to_string() } else { format!("HOME{p}") };
                    t.standing_orders(&payer, p as i64, weekday, 21, scale);
                    if p < households && others_break {
                        // Days that keep no interval, every week or two.
                        for (k, day) in [4i64, 13, 19, 30, 38, 45, 57, 66, 71, 83, 95, 101, 116, 124, 138].into_iter().enumerate() {
                            t.wire(&payer, &format!("{payer}-NEW{k}"), off(day + (p % 3) as i64) * D + 15 * H, scale * 80.0);
                        }
                    }
                }
                let mut gathered = 0.0;
                for k in 0..senders {
                    let amount = scale * (3_000.0 + 170.0 * k as f64);
                    t.wire(&format!("S{k}"), "HUB", (70 + k as i64 % 3) * D + 11 * H, amount);
                    gathered += amount;
                }
                // Each payee on a day of its own in the week after, none on the weekday.
                let days = (72i64..).filter(|d| (d - weekday).rem_euclid(7) != 0).take(payees);
                for (k, day) in days.enumerate() {
                    t.wire("HUB", &format!("P{k}"), day * D + 16 * H, gathered * kept / payees as f64);
                }
            }, &super::motifs::gather_scatter::GatherScatter)
        };
        let (t, hits) = world(false);
        prop_assert!(found(&hits, &t, "HUB", Role::Hub), "{:?}", hits);
        let (t, hits) = world(true);
        prop_assert!(!found(&hits, &t, "HUB", Role::Hub), "{:?}", hits);
    }

    #[test]
    fn new_payees_on_two_set_weekdays_are_no_schedule(seed in 0u64..1000, first in 0i64..7, apart in 1i64..7, weeks in 10i64..28, amount in 5.0f64..5_000.0) {
        // A firm that takes on a new worker on two set weekdays each week and pays each
        // once: each weekday keeps the other's interval, its calendar.
        let (t, hits) = run(seed, |t| {
            t.span(200);
            for week in 0..weeks {
                for (n, weekday) in [first, (first + apart) % 7].into_iter().enumerate() {
                    t.wire("FIRM", &format!("WORKER{week}-{n}"), (week * 7 + weekday) * D + 11 * H, amount);
                }
            }
        }, &super::motifs::fan_out::FanOut);
        prop_assert!(!found(&hits, &t, "FIRM", Role::Hub), "{:?}", hits);
    }

    #[test]
    fn relays_keeping_one_cut_are_hubs_letting_agents_never(seed in 0u64..1000, relays in 5i64..9, percent in 60u32..96, scale in prop::sample::select(vec![0.01f64, 1.0, 100.0]), senders in 2i64..4) {
        // A network's relays each gather from two or three senders and pass on exactly
        // `percent`% of it, split in two, among noise written to the cent like them; at
        // any scale of amounts, every relay is a gather_scatter hub.
        let cents = |a: f64| (a * 100.0 / scale).round() * scale / 100.0;
        let (t, hits) = run_to_the_cent(seed, scale, |t| {
            for r in 0..relays {
                let relay = format!("R{r}");
                t.person(&relay, "GB");
                let start = 10 + 12 * r;
                let mut gathered = 0.0;
                for k in 0..senders {
                    let amount = cents((700.0 + 131.17 * k as f64 + 23.71 * r as f64) * scale);
                    gathered += amount;
                    t.wire(&format!("S{r}-{k}"), &relay, (start + k) * D + 9 * H, amount);
                }
                let passed = cents(gathered * f64::from(percent) / 100.0);
                let first = cents(passed * 0.4371);
                t.wire(&relay, &format!("P{r}-0"), (start + 6) * D + 10 * H, first);
                t.wire(&relay, &format!("P{r}-1"), (start + 7) * D + 10 * H, cents(passed - first));
            }
        }, &super::motifs::gather_scatter::GatherScatter);
        for r in 0..relays {
            prop_assert!(found(&hits, &t, &format!("R{r}"), Role::Hub), "R{}: {:?}", r, hits);
        }
        // Letting agents keeping the same cut of their tenants' rent, paying the landlord
        // every month, never are.
        let (t, hits) = run_to_the_cent(seed, scale, |t| {
            for a in 0..relays {
                let agent = format!("AGENT{a}");
                t.person(&agent, "GB");
                for m in 0..4 {
                    let mut rent = 0.0;
                    for k in 0..senders {
                        let amount = cents((850.0 + 45.55 * k as f64 + 12.34 * a as f64) * scale);
                        rent += amount;
                        t.wire(&format!("TENANT{a}-{k}"), &agent, (m * 30 + 1 + k) * D, amount);
                    }
                    t.wire(&agent, &format!("LANDLORD{a}"), (m * 30 + 6) * D, cents(rent * f64::from(percent) / 100.0));
                }
            }
        }, &super::motifs::gather_scatter::GatherScatter);
        prop_assert!(!(0..relays).any(|a| found(&hits, &t, &format!("AGENT{a}"), Role::Hub)), "{:?}", hits);
    }

    #[test]
    fn gather_scatter(seed in 0u64..1000, ins in 3usize..8, outs in 3usize..8, start in 10i64..140) {
        let (t, hits) = run(seed, |t| {
            let total = 6_000.0 * ins as f64;
            for k in 0..ins {
                t.wire(&format!("S{k}"), "HUB", start * D + k as i64 * 10 * H, 6_000.0);
            }
            for k in 0..outs {
                t.wire("HUB", &format!("D{k}"), (start + 4) * D + k as i64 * 10 * H, 0.95 * total / outs as f64);
            }
        }, &super::motifs::gather_scatter::GatherScatter);
        prop_assert!(found(&hits, &t, "HUB", Role::Hub));
    }

    #[test]
    fn scatter_gather(seed in 0u64..1000, mids in 2usize..7, start in 10i64..140, delay_h in 1i64..150) {
        let (t, hits) = run(seed, |t| {
            for k in 0..mids {
                t.wire("U", &format!("W{k}"), start * D + k as i64 * H, 9_000.0);
                t.wire(&format!("W{k}"), "V", start * D + k as i64 * H + delay_h * H, 8_700.0);
            }
        }, &super::motifs::scatter_gather::ScatterGather);
        prop_assert!(found(&hits, &t, "V", Role::Target));
    }

    #[test]
    fn bipartite_and_stack(seed in 0u64..1000, l in 2usize..5, m in 2usize..5, r in 2usize..5, start in 10i64..130, met_before in any::<bool>()) {
        let layer = |t: &mut Tiny, from: &str, nf: usize, to: &str, nt: usize, at: i64| {
            let mut k = 0;
            for a in 0..nf {
                for b in 0..nt {
                    t.wire(&format!("{from}{a}"), &format!("{to}{b}"), at + k * 3 * H, 2_500.0);
                    k += 1;
                }
            }
        };
        // Two of the sources may have paid one friend a month away from the layer.
        let friend = |t: &mut Tiny| if met_before {
            let day = if start > 40 { start - 30 } else { start + 30 };
            t.wire("L0", "FRIEND", day * D, 60.0);
            t.wire("L1", "FRIEND", day * D + 5 * H, 60.0);
        };
        let (t, hits) = run(seed, |t| {
            layer(t, "L", l, "M", m, start * D);
            friend(t);
        }, &super::motifs::bipartite::Bipartite);
        prop_assert!(found(&hits, &t, "L0", Role::Member));
        let (t, hits) = run(seed, |t| {
            layer(t, "L", l, "M", m, start * D);
            layer(t, "M", m, "R", r, (start + 4) * D);
            friend(t);
        }, &super::motifs::stack::Stack);
        prop_assert!(found(&hits, &t, "R0", Role::Member));
    }

    #[test]
    fn one_source_paying_the_same_payees_round_after_round(seed in 0u64..1000, payees in 2usize..6, days in 3i64..25, amount in 400.0f64..20_000.0, start in 10i64..120) {
        let (t, hits) = run(seed, |t| {
            for day in start..start + days {
                for p in 0..payees {
                    let varied = amount * (1.0 + ((day + p as i64) % 4) as f64 / 7.0);
                    t.wire("SRC", &format!("P{p}"), day * D + (9 + p as i64) * H, varied);
                }
            }
        }, &super::motifs::bipartite::Bipartite);
        prop_assert!(found(&hits, &t, "SRC", Role::Member), "{:?}", hits);
        prop_assert!(found(&hits, &t, "P1", Role::Member));
    }

    #[test]
    fn staff_paid_every_month_and_daily_sweeps_are_no_layer(seed in 0u64..1000, staff in 2usize..8, months in 2i64..5, day in 0i64..20, amount in 50.0f64..50_000.0) {
        let (t, hits) = run(seed, |t| {
            for m in 0..months {
                for s in 0..staff {
                    // Paydays 28 to 31 days apart, moved off a weekend now and then.
                    t.wire("EMPLOYER", &format!("STAFF{s}"), (m * 30 + day + m % 2) * D + s as i64 * H, amount);
                }
            }
            for d in 0..150 {
                for sub in ["SUB0", "SUB1"] {
                    t.wire("PARENT", sub, d * D + 20 * H, amount * (1.0 + (d % 3) as f64 / 5.0));
                }
            }
        }, &super::motifs::bipartite::Bipartite);
        prop_assert!(!found(&hits, &t, "EMPLOYER", Role::Member), "{:?}", hits);
        prop_assert!(!found(&hits, &t, "PARENT", Role::Member), "{:?}", hits);
    }

    #[test]
    fn os2_layering(seed in 0u64..1000, layers in 2usize..7, keep in 0.82f64..1.0, delay_h in 1i64..160, start in 10i64..100) {
        let (t, hits) = run(seed, |t| {
            t.company("ORIGIN", "CN");
            t.person("BEN", "CA");
            let havens = ["VG", "SC", "PA", "BZ", "KY", "WS"];
            let mut at = "ORIGIN".to_owned();
            let mut amount = 500_000.0;
            for k in 0..=layers {
                let to = if k == layers { "BEN".to_owned() } else { format!("S{k}") };
                if k < layers {
                    t.company(&to, havens[k % havens.len()]);
                    let h = t.dump.holders.intern(&format!("h-{to}")) as usize;
                    t.dump.holders.incorporated_on[h] = Some(0);
                }
                t.wire(&at, &to, start * D + k as i64 * delay_h * H, amount);
                amount *= keep;
                at = to;
            }
        }, &super::offshore::os2_layering::Layering);
        prop_assert!(found(&hits, &t, "ORIGIN", Role::Originator));
    }

    #[test]
    fn os3_shell_cluster(seed in 0u64..1000, size in 5usize..10, age in 10i64..360, start in 10i64..100) {
        let (t, hits) = run(seed, |t| {
            for k in 0..size {
                let s = format!("SH{k}");
                t.company(&s, "VG");
                let h = t.dump.holders.intern(&format!("h-{s}")) as usize;
                t.dump.holders.address[h] = Some("Suite 7, Palm Grove Chambers, VG".into());
                t.dump.holders.incorporated_on[h] = Some((start - age) * D);
                t.company(&format!("SRC{k}"), "MY");
                t.company(&format!("DST{k}"), "SG");
                t.wire(&format!("SRC{k}"), &s, start * D + k as i64 * H, 200_000.0);
                t.wire(&s, &format!("DST{k}"), (start + 1) * D + k as i64 * H, 196_000.0);
            }
        }, &super::offshore::os3_shell_profile::ShellProfileDetector);
        prop_assert!(found(&hits, &t, "SH0", Role::Shell));
    }

    #[test]
    fn os4_offshore_scatter(seed in 0u64..1000, width in 3usize..7, delay_d in 1i64..28, start in 10i64..100) {
        let (t, hits) = run(seed, |t| {
            t.company("SRC", "CN");
            t.company("DST", "HK");
            for k in 0..width {
                let w = format!("W{k}");
                t.company(&w, ["VG", "KY", "SC", "PA"][k % 4]);
                t.wire("SRC", &w, start * D + k as i64 * H, 300_000.0);
                t.wire(&w, "DST", (start + delay_d) * D + k as i64 * H, 285_000.0);
            }
        }, &super::offshore::os4_offshore_scatter::OffshoreScatter);
        prop_assert!(found(&hits, &t, "DST", Role::Target));
    }

    #[test]
    fn os5_shared_control(seed in 0u64..1000, n in 2usize..5, flows in 1usize..6, start in 10i64..100) {
        let (t, hits) = run(seed, |t| {
            t.person("P", "CN");
            let countries = ["HK", "SG", "VG", "GB", "AE"];
            for (k, country) in countries.iter().enumerate().take(n) {
                t.company(&format!("CO{k}"), country);
                t.link("h-P", &format!("h-CO{k}"));
            }
            for f in 0..flows {
                let (a, b) = (f % n, (f + 1) % n);
                t.wire(&format!("CO{a}"), &format!("CO{b}"), (start + f as i64) * D, 150_000.0);
            }
        }, &super::offshore::os5_shared_control::SharedControl);
        prop_assert!(found(&hits, &t, "CO1", Role::Member));
    }

    #[test]
    fn cycle(seed in 0u64..1000, n in 3usize..10, gap_h in 1i64..72, keep in 0.93f64..1.0, start in 10i64..100) {
        let (t, hits) = run(seed, |t| {
            let mut amount = 20_000.0;
            for k in 0..n {
                t.wire(&format!("M{k}"), &format!("M{}", (k + 1) % n), start * D + k as i64 * gap_h * H, amount);
                amount *= keep;
            }
        }, &super::motifs::cycle::Cycle);
        prop_assert!(found(&hits, &t, "M0", Role::Member));
    }

    #[test]
    fn random_walk(seed in 0u64..1000, hops in 4usize..9, gap_h in 3i64..72, keep in 0.9f64..1.0, start in 10i64..100) {
        let (t, hits) = run(seed, |t| {
            let mut amount = 15_000.0;
            for k in 0..hops {
                t.wire(&format!("W{k}"), &format!("W{}", k + 1), start * D + k as i64 * gap_h * H, amount);
                amount *= keep;
            }
        }, &super::motifs::random_walk::RandomWalk);
        prop_assert!(found(&hits, &t, "W1", Role::Member));
    }

    #[test]
    fn ring_in_any_order(seed in 0u64..1000, n in 3usize..9, spread_d in 1i64..20, shift in 1usize..8, start in 10i64..100) {
        // Quiet members each pay the next once, the payments in an order unrelated to
        // the ring's: hop k on day (k * shift mod n) of the spread.
        let (t, hits) = run(seed, |t| {
            for k in 0..n {
                let day = ((k * shift) % n) as i64 * spread_d / n as i64;
                t.wire(&format!("M{k}"), &format!("M{}", (k + 1) % n), (start + day) * D + k as i64 * H, 500.0 + 137.0 * k as f64);
            }
        }, &super::motifs::cycle::Cycle);
        prop_assert!(found(&hits, &t, "M0", Role::Member));
    }

    #[test]
    fn flatmates_splitting_a_new_bill_every_month_are_no_layer(seed in 0u64..1000, months in 2i64..6, day in 0i64..20, amount in 50.0f64..50_000.0) {
        let (t, hits) = run(seed, |t| {
            for m in 0..months {
                for (k, mate) in ["F0", "F1"].iter().enumerate() {
                    for trade in 0..2i64 {
                        t.wire(mate, &format!("TRADE{m}{trade}"), (m * 30 + day + k as i64) * D + trade * H, amount);
                    }
                }
            }
        }, &super::motifs::bipartite::Bipartite);
        prop_assert!(!found(&hits, &t, "F0", Role::Member), "{:?}", hits);
    }

    #[test]
    fn relatives_paying_each_other_round_every_month_are_no_cycle(seed in 0u64..1000, n in 3usize..7, day in 0i64..25, amount in 20.0f64..5_000.0) {
        let (t, hits) = run(seed, |t| {
            for m in 0..5i64 {
                for k in 0..n {
                    t.wire(&format!("R{k}"), &format!("R{}", (k + 1) % n), (m * 30 + day) * D + (n - k) as i64 * H, amount);
                }
            }
        }, &super::motifs::cycle::Cycle);
        let relative = |v: u32| t.dump.accounts.ids[v as usize].starts_with('R');
        prop_assert!(hits.iter().all(|h| !h.accounts.iter().any(|a| relative(a.account))), "{:?}", hits);
    }

    #[test]
    fn one_job_hub_slower_than_the_window(seed in 0u64..1000, ins in 5usize..9, outs in 5usize..9, gather_d in 8i64..20, rest_d in 0i64..7, start in 10i64..100) {
        // A hub whose whole life is one pass taking weeks, its payouts sized afresh.
        let (t, hits) = run(seed, |t| {
            for k in 0..ins {
                t.wire(&format!("S{k}"), "HUB", start * D + k as i64 * gather_d * D / ins as i64, 900.0 + 50.0 * k as f64);
            }
            let from = (start + gather_d + rest_d) * D;
            for k in 0..outs {
                t.wire("HUB", &format!("D{k}"), from + k as i64 * D, 300.0 + 70.0 * k as f64);
            }
        }, &super::motifs::gather_scatter::GatherScatter);
        prop_assert!(found(&hits, &t, "HUB", Role::Hub));
    }

    #[test]
    fn sources_taking_turns_at_the_same_payees_are_one_layer(seed in 0u64..1000, hubs in 2usize..5, sinks in 3usize..6, gap in 5i64..15, start in 10i64..60, amount in 2_000.0f64..20_000.0) {
        // Each source pays every sink within a day or two, the next source `gap` days on.
        let (t, hits) = run_settled(seed, |t| {
            for h in 0..hubs {
                for s in 0..sinks {
                    let at = (start + h as i64 * gap) * D + s as i64 * 7 * H;
                    t.wire(&format!("HUB{h}"), &format!("SINK{s}"), at, amount * (1.0 + 0.03 * s as f64));
                }
            }
        });
        let members: Vec<u32> = (0..hubs)
            .map(|h| format!("HUB{h}"))
            .chain((0..sinks).map(|s| format!("SINK{s}")))
            .filter_map(|a| t.dump.accounts.index.get(a.as_str()).copied())
            .collect();
        let layer = hits.iter().find(|h| {
            h.pattern == crate::pattern::Pattern::Bipartite
                && members.iter().all(|m| h.accounts.iter().any(|a| a.account == *m && a.role == Role::Member))
        });
        prop_assert!(layer.is_some(), "{:?}", hits);
    }

    #[test]
    fn customers_taking_turns_at_the_same_busy_payees_are_no_layer(seed in 0u64..1000, hubs in 2usize..5, gap in 5i64..15, start in 10i64..60, amount in 2_000.0f64..20_000.0) {
        // Each customer pays the town's garage and its furniture shop, which most of
        // the dump pays, and two new payees of its own, a large sum each within two days,
        // the next customer `gap` days on.
        let (t, hits) = run_settled(seed, |t| {
            for k in 0..45i64 {
                t.wire(&format!("p{}", k % 60), "GARAGE", (k * 3) * D + 9 * H, 80.0 + k as f64);
                t.wire(&format!("p{}", (k + 7) % 60), "FURNITURE", (k * 3 + 1) * D + 11 * H, 120.0 + k as f64);
            }
            for h in 0..hubs {
                let day = start + h as i64 * gap;
                for (s, payee) in ["GARAGE".to_owned(), "FURNITURE".to_owned(), format!("OWN{h}a"), format!("OWN{h}b")].iter().enumerate() {
                    t.wire(&format!("HUB{h}"), payee, day * D + s as i64 * 9 * H, amount * (1.0 + 0.05 * s as f64));
                }
            }
        });
        let hub = |v: u32| t.dump.accounts.ids[v as usize].starts_with("HUB");
        let layers_of_hubs = hits.iter().filter(|h| {
            h.pattern == crate::pattern::Pattern::Bipartite && h.accounts.iter().filter(|a| hub(a.account)).count() >= 2
        });
        prop_assert_eq!(layers_of_hubs.count(), 0, "{:?}", hits);
    }
}

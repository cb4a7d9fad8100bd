//! Normal activity: card purchases, bills, person-to-person payments, domestic and
//! cross-border trade, cash, currency exchange; and legitimate look-alikes of the
//! typologies: payroll hubs, merchant acquirers settling daily, treasury sweeps to real
//! offshore subsidiaries, offshore funds with many investors (some redeemed), frequent
//! travellers' FX, licensed remitters, marketplaces paying their sellers weekly,
//! friends paying each other back, and subscriptions billed monthly.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};
use rayon::prelude::*;

use super::world::{country_index, stream, Business, World, DAY};
use super::{CaseBook, Memo, Tx, NO_CASE};
use crate::model::{Channel, Relation};
use crate::units::HOUR;

/// Transfers per parallel chunk (each chunk has its own RNG stream).
const CHUNK: usize = 50_000;

fn lognormal(median: f64, sigma: f64) -> LogNormal<f64> {
    LogNormal::new(median.ln(), sigma).unwrap_or_else(|_| unreachable!("sigma > 0"))
}

/// A time in the period, mostly in business hours.
fn when(rng: &mut ChaCha8Rng, w: &World) -> i64 {
    let day = rng.random_range(0..w.days);
    let hour =
        if rng.random::<f64>() < 0.85 { rng.random_range(8.0..20.0) } else { rng.random_range(0.0..24.0) };
    w.start + day * DAY + crate::units::hours_to_seconds(hour) as i64 + rng.random_range(0..60)
}

fn pick(rng: &mut ChaCha8Rng, list: &[u32]) -> u32 {
    list[rng.random_range(0..list.len())]
}

/// Same-country company of a line when there is one (else any).
fn local(rng: &mut ChaCha8Rng, w: &World, line: &[u32], country: u8) -> u32 {
    for _ in 0..8 {
        let c = pick(rng, line);
        if w.accounts[c as usize].country == country {
            return c;
        }
    }
    pick(rng, line)
}

/// `count` random background transfers, generated in parallel, deterministic per seed.
pub fn bulk(w: &World, seed: u64, count: usize, on_chunk: &(dyn Fn(u64) + Sync)) -> Vec<Tx> {
    let chunks = count.div_ceil(CHUNK);
    let parts: Vec<Vec<Tx>> = (0..chunks)
        .into_par_iter()
        .map(|k| {
            let n = CHUNK.min(count - k * CHUNK);
            let mut rng = stream(seed, 10_000 + k as u64);
            let out = (0..n).map(|_| one(&mut rng, w)).collect();
            on_chunk(n as u64);
            out
        })
        .collect();
    parts.concat()
}

fn one(rng: &mut ChaCha8Rng, w: &World) -> Tx {
    let merchants = w.line(Business::Merchant);
    let acquirers = w.line(Business::Acquirer);
    let utilities = w.line(Business::Utility);
    let traders = w.line(Business::Trader);
    let dealers = w.line(Business::FxDealer);
    let time = when(rng, w);
    let x: f64 = rng.random();
    let person = w.person(rng, None);
    let home = w.accounts[person as usize].country;
    let (src, dst, usd, channel, memo) = if x < 0.30 {
        let to = if rng.random::<f64>() < 0.6 {
            local(rng, w, merchants, home)
        } else {
            local(rng, w, acquirers, home)
        };
        (person, to, lognormal(45.0, 1.0).sample(rng), Channel::Card, Memo::None)
    } else if x < 0.40 {
        (
            person,
            local(rng, w, utilities, home),
            lognormal(120.0, 0.6).sample(rng),
            Channel::Wire,
            Memo::Invoice,
        )
    } else if x < 0.55 {
        let other = if rng.random::<f64>() < 0.9 { w.person(rng, Some(home)) } else { w.person(rng, None) };
        let ch = if rng.random::<f64>() < 0.7 { Channel::Wire } else { Channel::Internal };
        (person, other, lognormal(200.0, 1.2).sample(rng), ch, Memo::None)
    } else if x < 0.70 {
        let a = pick(rng, traders);
        let b = local(rng, w, traders, w.accounts[a as usize].country);
        (a, b, lognormal(12_000.0, 1.1).sample(rng), Channel::Wire, Memo::Invoice)
    } else if x < 0.76 {
        let a = pick(rng, traders);
        let b = pick(rng, traders);
        (a, b, lognormal(40_000.0, 1.0).sample(rng), Channel::Wire, Memo::Invoice)
    } else if x < 0.84 {
        (person, person, lognormal(500.0, 0.9).sample(rng), Channel::CashDeposit, Memo::None)
    } else if x < 0.92 {
        (person, person, lognormal(300.0, 0.8).sample(rng), Channel::CashWithdrawal, Memo::None)
    } else if x < 0.96 {
        (person, local(rng, w, dealers, home), lognormal(1_000.0, 0.8).sample(rng), Channel::Fx, Memo::None)
    } else {
        let a = pick(rng, traders);
        (
            a,
            w.person(rng, Some(w.accounts[a as usize].country)),
            lognormal(2_000.0, 1.0).sample(rng),
            Channel::Wire,
            Memo::None,
        )
    };
    Tx { time, src, dst, usd: (usd * 100.0).round() / 100.0, channel, memo, case: NO_CASE }
}

/// Daily settlement from each acquirer to its merchants of what it took by card the day
/// before (less a fee): a legitimate pool that passes nearly everything through quickly.
pub fn settle_acquirers(w: &World, txs: &[Tx]) -> Vec<Tx> {
    let acquirers = w.line(Business::Acquirer);
    let merchants = w.line(Business::Merchant);
    let mut out = Vec::new();
    if merchants.is_empty() {
        return out;
    }
    let mut intake: BTreeMap<(u32, i64), f64> = BTreeMap::new();
    for t in txs.iter() {
        if t.channel == Channel::Card && acquirers.binary_search(&t.dst).is_ok() {
            *intake.entry((t.dst, (t.time - w.start) / DAY)).or_default() += t.usd;
        }
    }
    for ((acq, day), sum) in intake {
        let mut rng = stream(acq as u64, day as u64);
        let n = rng.random_range(2..6);
        for k in 0..n {
            let m = merchants[(acq as usize * 7 + k * 13) % merchants.len()];
            let time = w.start + (day + 1) * DAY + 2 * HOUR + k as i64 * 60;
            out.push(Tx {
                time,
                src: acq,
                dst: m,
                usd: (sum * 0.985 / n as f64 * 100.0).round() / 100.0,
                channel: Channel::Wire,
                memo: Memo::Settlement,
                case: NO_CASE,
            });
        }
    }
    out
}

/// Scheduled legitimate activity that resembles the typologies. Look-alike accounts are
/// not in the truth: flagging them costs precision.
pub fn lookalikes(w: &mut World, _book: &mut CaseBook, txs: &mut Vec<Tx>, seed: u64, size: usize) {
    let mut rng = stream(seed, 2);
    payroll(w, txs, &mut rng, size / 12);
    treasury(w, txs, &mut rng, (size / 400_000).max(2));
    let funds = funds(w, txs, &mut rng, (size / 1_000_000).max(1));
    travellers(w, txs, &mut rng, (size / 20_000).max(5));
    remitters(w, txs, &mut rng, (size / 1_000_000).max(1), size / 2_000);
    // A stream of their own, so the look-alikes above draw what they always drew.
    let mut rng = stream(seed, 3);
    redemptions(w, txs, &mut rng, &funds);
    marketplaces(w, txs, &mut rng, (size / 1_000_000).max(1), size / 400);
    friends(w, txs, &mut rng, (size / 2_000).max(10));
    subscriptions(w, txs, &mut rng, (size / 500_000).max(2), size / 1_000);
}

/// Subscriptions: a gym, an insurer or a telecom bills its customers the same plan
/// amount every month, each on the day of the month they joined, most of them from
/// before the dump begins. Hundreds of payers of one amount, every month: a fan-in or a
/// collector to the eye, but the same people, again and again.
fn subscriptions(w: &mut World, txs: &mut Vec<Tx>, rng: &mut ChaCha8Rng, companies: usize, customers: usize) {
    let end = w.start + w.days * DAY;
    for _ in 0..companies {
        let home = super::world::HOME;
        let inc = w.start - rng.random_range(2..30) * 365 * DAY;
        let company = w.add_company(rng, home, inc, Business::Special, None);
        let plans: Vec<f64> =
            (0..rng.random_range(1..4)).map(|_| rng.random_range(10.0..120.0f64).round() - 0.01).collect();
        for _ in 0..(customers / companies).max(50) {
            let customer = w.person(rng, Some(home));
            let plan = plans[rng.random_range(0..plans.len())];
            // A fifth join during the dump; the rest were customers before it began.
            let mut t = if rng.random::<f64>() < 0.2 {
                when(rng, w)
            } else {
                w.start + rng.random_range(0..28) * DAY + rng.random_range(0..24) * HOUR
            };
            // A tenth leave before the dump ends.
            let leaves = if rng.random::<f64>() < 0.1 { t + rng.random_range(1..12) * 30 * DAY } else { end };
            while t < end.min(leaves) {
                txs.push(Tx {
                    time: t,
                    src: customer,
                    dst: company,
                    usd: plan,
                    channel: Channel::Wire,
                    memo: Memo::Invoice,
                    case: NO_CASE,
                });
                t += 30 * DAY + rng.random_range(-1..=1) * DAY;
            }
        }
    }
}

/// An offshore fund and its investors' subscriptions: (fund, investor, time, amount).
struct Fund {
    account: u32,
    subscriptions: Vec<(u32, i64, f64)>,
}

/// Some investors redeem: a tenth to a third of them take back part or all of what
/// they put in (or more, after a gain) months later. Money that went offshore and came
/// back to the same people: the shape of a round trip, done by a regulated fund.
fn redemptions(w: &World, txs: &mut Vec<Tx>, rng: &mut ChaCha8Rng, funds: &[Fund]) {
    let end = w.start + w.days * DAY;
    for fund in funds {
        let share = rng.random_range(0.1..0.33);
        for &(investor, subscribed, amount) in &fund.subscriptions {
            if rng.random::<f64>() >= share {
                continue;
            }
            let t = subscribed + rng.random_range(30..180) * DAY + 10 * HOUR;
            if t >= end {
                continue;
            }
            txs.push(Tx {
                time: t,
                src: fund.account,
                dst: investor,
                usd: (amount * rng.random_range(0.3..1.2) * 100.0).round() / 100.0,
                channel: Channel::Wire,
                memo: Memo::None,
                case: NO_CASE,
            });
        }
    }
}

/// Online marketplaces: buyers pay the platform by bank transfer, and each week it pays
/// every seller what they sold that week less its fee, refunding a few buyers. Many
/// payers, many payees, fast pass-through at almost equal totals: the footprint of a
/// collector or a gather-scatter hub, run in the open.
fn marketplaces(w: &mut World, txs: &mut Vec<Tx>, rng: &mut ChaCha8Rng, count: usize, sales: usize) {
    let home = super::world::HOME;
    let end = w.start + w.days * DAY;
    for _ in 0..count {
        let inc = w.start - rng.random_range(2..12) * 365 * DAY;
        let platform = w.add_company(rng, home, inc, Business::Special, None);
        let fee = rng.random_range(0.05..0.15);
        let sellers: Vec<u32> = (0..rng.random_range(20..200)).map(|_| w.person(rng, Some(home))).collect();
        let mut weekly: BTreeMap<(i64, u32), f64> = BTreeMap::new();
        for _ in 0..sales.max(100) / count {
            let buyer = w.person(rng, Some(home));
            // A few sellers make most of the sales.
            let seller = sellers[(sellers.len() as f64 * rng.random::<f64>().powi(3)) as usize];
            let t = when(rng, w);
            let usd = (lognormal(60.0, 0.9).sample(rng) * 100.0).round() / 100.0;
            let ch = if rng.random::<f64>() < 0.7 { Channel::Wire } else { Channel::Internal };
            txs.push(Tx {
                time: t,
                src: buyer,
                dst: platform,
                usd,
                channel: ch,
                memo: Memo::None,
                case: NO_CASE,
            });
            if rng.random::<f64>() < 0.03 {
                let back = t + rng.random_range(2..10) * DAY;
                if back < end {
                    txs.push(Tx {
                        time: back,
                        src: platform,
                        dst: buyer,
                        usd,
                        channel: Channel::Wire,
                        memo: Memo::None,
                        case: NO_CASE,
                    });
                    continue;
                }
            }
            *weekly.entry(((t - w.start) / (7 * DAY), seller)).or_default() += usd;
        }
        for ((week, seller), sum) in weekly {
            let t = w.start + (week + 1) * 7 * DAY + 2 * DAY + 6 * HOUR;
            if t >= end {
                continue;
            }
            txs.push(Tx {
                time: t + rng.random_range(0..HOUR),
                src: platform,
                dst: seller,
                usd: (sum * (1.0 - fee) * 100.0).round() / 100.0,
                channel: Channel::Wire,
                memo: Memo::Settlement,
                case: NO_CASE,
            });
        }
    }
}

/// Draws of a person per friend wanted before a group settles for fewer: far more than
/// a world with a few dozen people in a country needs.
const MAX_DRAWS_PER_FRIEND: usize = 200;

/// Friends and flatmates sharing costs: one pays a dinner, a trip or the rent, and the
/// others pay their equal share back within days; who pays first rotates. Money goes
/// round among the same few people in equal amounts and comes back: the shape of a
/// cycle, or of two accounts mirroring each other.
fn friends(w: &World, txs: &mut Vec<Tx>, rng: &mut ChaCha8Rng, groups: usize) {
    let merchants = w.line(Business::Merchant);
    let end = w.start + w.days * DAY;
    for _ in 0..groups {
        let first = w.person(rng, None);
        let home = w.accounts[first as usize].country;
        let size = rng.random_range(2..=5usize);
        let mut group = vec![first];
        // A small world may hold fewer people in one country than a group wants: draw
        // a bounded number of times, and leave out a group of one.
        for _ in 0..MAX_DRAWS_PER_FRIEND * size {
            if group.len() == size {
                break;
            }
            let p = w.person(rng, Some(home));
            if !group.contains(&p) {
                group.push(p);
            }
        }
        if group.len() < 2 {
            continue;
        }
        let every = rng.random_range(4..20);
        let mut t = w.start + rng.random_range(0..every) * DAY;
        while t < end {
            let payer = group[rng.random_range(0..group.len())];
            let cost = lognormal(40.0 * group.len() as f64, 0.8).sample(rng);
            if !merchants.is_empty() {
                let shop = local(rng, w, merchants, home);
                let usd = (cost * 100.0).round() / 100.0;
                txs.push(Tx {
                    time: t,
                    src: payer,
                    dst: shop,
                    usd,
                    channel: Channel::Card,
                    memo: Memo::None,
                    case: NO_CASE,
                });
            }
            let share = (cost / group.len() as f64 * 100.0).round() / 100.0;
            for &friend in group.iter().filter(|&&f| f != payer) {
                let back = t + rng.random_range(1..(5 * 24)) * HOUR;
                if back < end {
                    let ch = if rng.random::<f64>() < 0.7 { Channel::Wire } else { Channel::Internal };
                    txs.push(Tx {
                        time: back,
                        src: friend,
                        dst: payer,
                        usd: share,
                        channel: ch,
                        memo: Memo::None,
                        case: NO_CASE,
                    });
                }
            }
            t += rng.random_range(1..=every) * DAY + rng.random_range(0..12) * HOUR;
        }
    }
}

/// Licensed money-service businesses: a domestic remitter collects from many customers,
/// settles with its licensed correspondent abroad every day, and the correspondent pays
/// the beneficiaries. Pooling, fast forwarding, many counterparties and equal values on
/// both sides: the footprint of an underground bank, done in the open and licensed.
fn remitters(w: &mut World, txs: &mut Vec<Tx>, rng: &mut ChaCha8Rng, count: usize, per_remitter: usize) {
    let abroad = ["HK", "AE", "GB", "SG"];
    for r in 0..count {
        let inc = w.start - rng.random_range(5..20) * 365 * DAY;
        let home = super::world::HOME;
        let dom = w.add_company(rng, home, inc, Business::Special, None);
        let c = country_index(abroad[r % abroad.len()]);
        let corr = w.add_company(rng, c, inc, Business::Special, None);
        for (acc, code) in
            [(dom, super::world::COUNTRIES[home as usize].code), (corr, abroad[r % abroad.len()])]
        {
            let h = w.accounts[acc as usize].holder as usize;
            w.entities[h].licence = Some(format!("MSB-{code}-{:05}", rng.random_range(0..100_000)));
        }
        let mut daily: BTreeMap<i64, f64> = BTreeMap::new();
        for _ in 0..per_remitter.max(20) {
            let customer = w.person(rng, Some(home));
            let beneficiary = w.person(rng, Some(c));
            let t = when(rng, w);
            let usd = (lognormal(2_000.0, 0.9).sample(rng) * 100.0).round() / 100.0;
            txs.push(Tx {
                time: t,
                src: customer,
                dst: dom,
                usd,
                channel: Channel::Wire,
                memo: Memo::None,
                case: NO_CASE,
            });
            let paid = t + rng.random_range(1..20) * HOUR;
            txs.push(Tx {
                time: paid,
                src: corr,
                dst: beneficiary,
                usd,
                channel: Channel::Wire,
                memo: Memo::None,
                case: NO_CASE,
            });
            *daily.entry((t - w.start) / DAY).or_default() += usd;
        }
        for (day, sum) in daily {
            txs.push(Tx {
                time: w.start + (day + 1) * DAY + 10 * HOUR,
                src: dom,
                dst: corr,
                usd: (sum * 100.0).round() / 100.0,
                channel: Channel::Wire,
                memo: Memo::Settlement,
                case: NO_CASE,
            });
        }
    }
}

/// Employers pay their staff monthly; a few are large payroll hubs.
fn payroll(w: &mut World, txs: &mut Vec<Tx>, rng: &mut ChaCha8Rng, budget: usize) {
    let traders: Vec<u32> = w.line(Business::Trader).to_vec();
    let months = (w.days / 30).max(1) as usize;
    let mut staff_left = budget / months;
    let mut k = 0;
    while staff_left > 0 && k < traders.len() {
        let employer = traders[k];
        k += 1;
        let country = w.accounts[employer as usize].country;
        let size =
            if k % 10 == 0 { rng.random_range(100..300) } else { rng.random_range(3..40) }.min(staff_left);
        staff_left -= size;
        let staff: Vec<(u32, f64)> =
            (0..size).map(|_| (w.person(rng, Some(country)), lognormal(3_000.0, 0.4).sample(rng))).collect();
        for m in 0..months as i64 {
            let pay_day = w.start + (m * 30 + 24) * DAY + 9 * HOUR;
            for &(p, salary) in &staff {
                txs.push(Tx {
                    time: pay_day + rng.random_range(0..HOUR),
                    src: employer,
                    dst: p,
                    usd: (salary * 100.0).round() / 100.0,
                    channel: Channel::Wire,
                    memo: Memo::Salary,
                    case: NO_CASE,
                });
            }
        }
    }
}

/// Multinationals sweep cash monthly to a real offshore subsidiary that trades with many
/// suppliers and pays dividends back quarterly.
fn treasury(w: &mut World, txs: &mut Vec<Tx>, rng: &mut ChaCha8Rng, groups: usize) {
    let traders: Vec<u32> = w.line(Business::Trader).to_vec();
    let havens = ["KY", "BM", "JE", "VG"];
    for g in 0..groups {
        let parent = traders[(g * 31 + 5) % traders.len()];
        let haven = country_index(havens[g % havens.len()]);
        let inc = w.start - rng.random_range(5..25) * 365 * DAY;
        let sub = w.add_company(rng, haven, inc, Business::Trader, None);
        let (pe, se) = (w.accounts[parent as usize].holder, w.accounts[sub as usize].holder);
        w.links.push((pe, se, Relation::Shareholder));
        let suppliers: Vec<u32> =
            (0..rng.random_range(8..20)).map(|i| traders[(g * 97 + i * 13) % traders.len()]).collect();
        let mut quarter = 0.0;
        for m in 0..(w.days / 30) {
            let t = w.start + (m * 30 + 1) * DAY + 10 * HOUR;
            let sweep = rng.random_range(500_000.0..3_000_000.0f64).round();
            quarter += sweep;
            txs.push(Tx {
                time: t,
                src: parent,
                dst: sub,
                usd: sweep,
                channel: Channel::Wire,
                memo: Memo::Loan,
                case: NO_CASE,
            });
            for _ in 0..rng.random_range(4..10) {
                let s = pick(rng, &suppliers);
                let t2 = t + rng.random_range(2..28) * DAY;
                txs.push(Tx {
                    time: t2,
                    src: sub,
                    dst: s,
                    usd: (sweep * rng.random_range(0.05..0.12) * 100.0).round() / 100.0,
                    channel: Channel::Wire,
                    memo: Memo::Invoice,
                    case: NO_CASE,
                });
            }
            if m % 3 == 2 {
                let t3 = t + 28 * DAY;
                txs.push(Tx {
                    time: t3,
                    src: sub,
                    dst: parent,
                    usd: (quarter * rng.random_range(0.15..0.4)).round(),
                    channel: Channel::Wire,
                    memo: Memo::Dividend,
                    case: NO_CASE,
                });
                quarter = 0.0;
            }
        }
    }
}

/// Offshore investment funds: many investors subscribe; the fund invests weekly.
fn funds(w: &mut World, txs: &mut Vec<Tx>, rng: &mut ChaCha8Rng, count: usize) -> Vec<Fund> {
    let traders: Vec<u32> = w.line(Business::Trader).to_vec();
    let mut out = Vec::with_capacity(count);
    for f in 0..count {
        let inc = w.start - rng.random_range(3..15) * 365 * DAY;
        let fund = w.add_company(rng, country_index("KY"), inc, Business::Trader, None);
        let brokers: Vec<u32> = (0..3).map(|i| traders[(f * 53 + i * 17 + 3) % traders.len()]).collect();
        let investors = rng.random_range(20..80);
        let mut weekly: BTreeMap<i64, f64> = BTreeMap::new();
        let mut subscriptions = Vec::with_capacity(investors);
        for _ in 0..investors {
            let p = w.person(rng, None);
            let t = when(rng, w);
            let amount = rng.random_range(50_000.0..500_000.0f64).round();
            subscriptions.push((p, t, amount));
            txs.push(Tx {
                time: t,
                src: p,
                dst: fund,
                usd: amount,
                channel: Channel::Wire,
                memo: Memo::Subscription,
                case: NO_CASE,
            });
            *weekly.entry((t - w.start) / (7 * DAY)).or_default() += amount;
        }
        for (week, sum) in weekly {
            let t = w.start + (week + 1) * 7 * DAY + 4 * DAY;
            let b = brokers[week as usize % brokers.len()];
            txs.push(Tx {
                time: t,
                src: fund,
                dst: b,
                usd: (sum * 0.7).round(),
                channel: Channel::Wire,
                memo: Memo::Invoice,
                case: NO_CASE,
            });
        }
        out.push(Fund { account: fund, subscriptions });
    }
    out
}

/// Frequent travellers buy currency every month from a dealer.
fn travellers(w: &mut World, txs: &mut Vec<Tx>, rng: &mut ChaCha8Rng, count: usize) {
    let dealers: Vec<u32> = w.line(Business::FxDealer).to_vec();
    for _ in 0..count {
        let p = w.person(rng, None);
        let country = w.accounts[p as usize].country;
        let dealer = local(rng, w, &dealers, country);
        for m in 0..(w.days / 30) {
            let t = w.start + m * 30 * DAY + rng.random_range(0..25) * DAY + 11 * HOUR;
            txs.push(Tx {
                time: t,
                src: p,
                dst: dealer,
                usd: rng.random_range(1_000.0..5_000.0f64).round(),
                channel: Channel::Fx,
                memo: Memo::None,
                case: NO_CASE,
            });
        }
    }
}

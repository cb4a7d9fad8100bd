//! Injected cases of the typologies (typologies.md): underground banking UB1-UB6,
//! offshore companies OS1-OS5, and asset tracing TR1/TR2. Each case records its transfers
//! and its accounts with roles in the [`CaseBook`]. Sizes, amounts and delays are drawn
//! from wide ranges with noise; customers are ordinary members of the population, so
//! they also have normal activity.

use super::world::{country_index, stream, Business, World, COUNTRIES, DAY, HOME};
use super::{run_injectors, CaseBook, CaseKind, Inject, Injector, Memo, Tx};
use crate::model::{Channel, Relation};
use crate::pattern::Pattern;

use crate::units::HOUR as H;

/// Offshore jurisdictions shells are formed in.
const HAVENS: [&str; 8] = ["VG", "KY", "SC", "PA", "BZ", "MH", "WS", "BS"];

/// Runs every typology injector `per_pattern` times.
pub fn inject_all(world: &mut World, book: &mut CaseBook, txs: &mut Vec<Tx>, seed: u64, per_pattern: usize) {
    let injectors: [(u64, Inject); 12] = [
        (101, ub1_collector),
        (102, ub2_structuring),
        (103, ub3_mirror),
        (104, ub4_rapid_in_out),
        (105, ub5_settlement),
        (106, ub6_settlement_shell),
        (111, os1_round_trip),
        (112, os2_layering),
        (113, os3_shell_cluster),
        (114, os4_scatter_gather),
        (115, os5_shared_control),
        (121, tr_fugitive),
    ];
    run_injectors(world, book, txs, seed, per_pattern, &injectors);
}

impl Injector<'_> {
    /// A new shell company in a haven, incorporated `age_days` before the period.
    pub fn shell(&mut self, haven: &str, age_days: i64, address: Option<String>) -> u32 {
        let c = country_index(haven).min(COUNTRIES.len() as u8 - 1);
        let c = if COUNTRIES[c as usize].code == haven { c } else { country_index("VG") };
        let inc = self.world.start - age_days * DAY;
        let mut rng = stream(self.world.accounts.len() as u64, 7);
        self.world.add_company(&mut rng, c, inc, Business::Special, address)
    }

    /// A new account for a new person in `country`.
    pub fn new_person(&mut self, country: u8) -> u32 {
        let mut rng = stream(self.world.accounts.len() as u64, 8);
        self.world.add_person(&mut rng, country)
    }

    /// A new domestic operating company.
    pub fn new_company(&mut self, country: u8, age_years: f64) -> u32 {
        let inc = self.world.start - (age_years * 365.0) as i64 * DAY;
        let mut rng = stream(self.world.accounts.len() as u64, 9);
        self.world.add_company(&mut rng, country, inc, Business::Special, None)
    }

    /// An existing person of `country` (camouflage: they have normal activity too).
    pub fn resident(&mut self, country: u8) -> u32 {
        self.world.person(&mut self.rng, Some(country))
    }

    fn among(&mut self, codes: &[&str]) -> u8 {
        let k = self.count(0, codes.len() - 1);
        country_index(codes[k])
    }

    fn haven(&mut self) -> &'static str {
        HAVENS[self.count(0, HAVENS.len() - 1)]
    }

    fn holder(&self, account: u32) -> u32 {
        self.world.accounts[account as usize].holder
    }
}

/// UB1: customers pay a domestic collector that sweeps to a few payout accounts.
fn ub1_collector(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Ub1);
    let span = j.uniform(5.0, 60.0);
    let t0 = j.start_within(span + 2.0);
    let hub = j.new_person(HOME);
    let payouts: Vec<u32> = (0..j.count(1, 3)).map(|_| j.new_person(HOME)).collect();
    j.book.role(case, hub, "collector");
    for &p in &payouts {
        j.book.role(case, p, "payout");
    }
    let customers = j.count(12, 70);
    for _ in 0..customers {
        let c = j.resident(HOME);
        j.book.role(case, c, "depositor");
        for _ in 0..j.count(1, 3) {
            let t = t0 + (j.uniform(0.0, span) * DAY as f64) as i64;
            let amount = j.uniform(1_000.0, 20_000.0).round();
            let ch = if j.uniform(0.0, 1.0) < 0.7 { Channel::Wire } else { Channel::CashDeposit };
            j.tx(case, t, c, hub, amount, ch);
            let share = j.uniform(0.9, 1.0);
            let delay = j.hours(0.3, 14.0);
            let to = payouts[j.count(0, payouts.len() - 1)];
            j.tx(case, t + delay, hub, to, (amount * share).round(), Channel::Wire);
        }
    }
}

/// UB2: many deposits just under the cash reporting threshold into one account, or
/// relatives splitting their annual FX quota towards one foreign payee.
fn ub2_structuring(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Ub2);
    if j.count(0, 1) == 0 {
        let target = j.new_person(HOME);
        j.book.role(case, target, "target");
        let t0 = j.start_within(8.0);
        let smurfs = j.count(5, 14);
        for _ in 0..smurfs {
            let s = j.resident(HOME);
            j.book.role(case, s, "smurf");
            for _ in 0..j.count(1, 3) {
                let t = t0 + (j.uniform(0.0, 6.0) * DAY as f64) as i64;
                // 50,000 CNY is the cash threshold; stay 0.2-9% under it.
                let cny = j.uniform(45_500.0, 49_900.0).round();
                let usd = cny * j.world.rate(1, t);
                j.tx(case, t, s, target, usd, Channel::CashDeposit);
            }
        }
        let out = j.new_person(country_index("HK"));
        j.book.role(case, out, "payout");
        let t = t0 + 7 * DAY;
        let usd = j.uniform(200_000.0, 400_000.0);
        j.tx(case, t, target, out, usd, Channel::Wire);
    } else {
        let c = j.among(&["HK", "AU", "CA", "GB"]);
        let payee = j.new_company(c, 1.0);
        j.book.role(case, payee, "payee");
        let t0 = j.start_within(3.0);
        let relatives = j.count(5, 12);
        let mut prev_holder = None;
        for _ in 0..relatives {
            let r = j.new_person(HOME);
            j.book.role(case, r, "smurf");
            let h = j.holder(r);
            if let Some(p) = prev_holder {
                j.world.links.push((p, h, Relation::Family));
            }
            prev_holder = Some(h);
            let t = t0 + (j.uniform(0.0, 2.0) * DAY as f64) as i64;
            let usd = j.uniform(42_000.0, 49_990.0).round();
            j.tx(case, t, r, payee, usd, Channel::Wire);
        }
    }
}

/// UB3: customer pays CNY into a domestic account; a linked account abroad pays the same
/// value in local currency to the beneficiary; no money crosses the border.
fn ub3_mirror(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Ub3);
    let abroad = country_index(["HK", "AU", "CA", "GB", "AE"][j.count(0, 4)]);
    let dom = j.new_person(HOME);
    let foreign = j.new_person(abroad);
    let (hd, hf) = (j.holder(dom), j.holder(foreign));
    let rel = if j.count(0, 1) == 0 { Relation::Family } else { Relation::SamePhone };
    j.world.links.push((hd, hf, rel));
    j.book.role(case, dom, "collector");
    j.book.role(case, foreign, "payout");
    let t0 = j.start_within(40.0);
    for _ in 0..j.count(3, 8) {
        let customer = j.resident(HOME);
        let beneficiary = j.resident(abroad);
        j.book.role(case, customer, "customer");
        j.book.role(case, beneficiary, "beneficiary");
        let t = t0 + (j.uniform(0.0, 38.0) * DAY as f64) as i64;
        let usd = j.uniform(20_000.0, 150_000.0).round();
        j.tx(case, t, customer, dom, usd, Channel::Wire);
        let mirrored = j.jitter(usd, 0.02);
        let delay = j.hours(1.0, 60.0);
        j.tx(case, t + delay, foreign, beneficiary, mirrored, Channel::Wire);
    }
}

/// UB4: an account through which money passes within hours, balance near zero.
fn ub4_rapid_in_out(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Ub4);
    let acct = j.new_person(HOME);
    j.book.role(case, acct, "mule");
    // A rented account works for weeks, with dozens of counterparties.
    let span = j.uniform(20.0, 60.0);
    let t0 = j.start_within(span + 1.0);
    for _ in 0..j.count(20, 60) {
        let from = j.resident(HOME);
        let to = j.resident(HOME);
        j.book.role(case, from, "source");
        j.book.role(case, to, "destination");
        let t = t0 + (j.uniform(0.0, span) * DAY as f64) as i64;
        let usd = j.uniform(10_000.0, 80_000.0).round();
        j.tx(case, t, from, acct, usd, Channel::Wire);
        let delay = j.hours(0.2, 10.0);
        let out = usd * j.uniform(0.97, 1.0);
        j.tx(case, t + delay, acct, to, out.round(), Channel::Wire);
    }
}

/// UB5: two broker networks mirror payments both ways and settle the net imbalance with
/// a few large cross-border "trade" payments.
fn ub5_settlement(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Ub5);
    let abroad = country_index("HK");
    let dom_hub = j.new_person(HOME);
    let for_hub = j.new_person(abroad);
    let dom_co = j.new_company(HOME, 3.0);
    let for_co = j.new_company(abroad, 3.0);
    for (a, r) in
        [(dom_hub, "collector"), (for_hub, "payout"), (dom_co, "settlement"), (for_co, "settlement")]
    {
        j.book.role(case, a, r);
    }
    let t0 = j.start_within(60.0);
    let mut imbalance = 0.0;
    for k in 0..j.count(8, 16) {
        let t = t0 + (j.uniform(0.0, 40.0) * DAY as f64) as i64;
        let usd = j.uniform(10_000.0, 90_000.0).round();
        let delay = j.hours(1.0, 48.0);
        let mirrored = j.jitter(usd, 0.02);
        if k % 4 != 3 {
            let (c, b) = (j.resident(HOME), j.resident(abroad));
            j.book.role(case, c, "customer");
            j.book.role(case, b, "beneficiary");
            j.tx(case, t, c, dom_hub, usd, Channel::Wire);
            j.tx(case, t + delay, for_hub, b, mirrored, Channel::Wire);
            imbalance += usd;
        } else {
            let (c, b) = (j.resident(abroad), j.resident(HOME));
            j.book.role(case, c, "customer");
            j.book.role(case, b, "beneficiary");
            j.tx(case, t, c, for_hub, usd, Channel::Wire);
            j.tx(case, t + delay, dom_hub, b, mirrored, Channel::Wire);
            imbalance -= usd;
        }
    }
    let sweep = j.uniform(0.95, 1.0);
    j.tx(case, t0 + 42 * DAY, dom_hub, dom_co, imbalance.abs() * sweep, Channel::Internal);
    let n = j.count(2, 4);
    for k in 0..n {
        let part = imbalance.abs() * sweep / n as f64;
        let amount = j.jitter(part, 0.05);
        j.tx(case, t0 + (44 + 4 * k as i64) * DAY, dom_co, for_co, amount, Channel::Wire).memo =
            Memo::Invoice;
    }
}

/// UB6: a dormant company account wakes with tiny test transfers, then splits corporate
/// money to many personal accounts within days.
fn ub6_settlement_shell(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Ub6);
    let shell = j.new_company(HOME, 2.0);
    j.book.role(case, shell, "shell");
    let t0 =
        j.start_within(12.0).max(j.world.start + 100 * DAY).min(j.world.start + (j.world.days - 12) * DAY);
    let payer_co = j.new_company(HOME, 6.0);
    j.book.role(case, payer_co, "corporate_payer");
    for (k, units) in [1.0, 5.0, 10.0].into_iter().enumerate() {
        let p = j.resident(HOME);
        j.tx(case, t0 + k as i64 * H, shell, p, units * j.world.rate(1, t0), Channel::Wire);
    }
    let total = j.uniform(300_000.0, 1_500_000.0);
    j.tx(case, t0 + DAY, payer_co, shell, total, Channel::Wire);
    let payees = j.count(10, 40);
    for _ in 0..payees {
        let p = j.resident(HOME);
        j.book.role(case, p, "payee");
        let t = t0 + DAY + (j.uniform(0.1, 6.0) * DAY as f64) as i64;
        let part = total / payees as f64;
        let amount = j.jitter(part, 0.3);
        j.tx(case, t, shell, p, amount, Channel::Wire);
    }
}

/// OS1: a domestic company sends money through offshore shells and gets most of it back
/// as "foreign investment", into its own or a related company's account.
fn os1_round_trip(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Os1);
    let age = j.uniform(3.0, 20.0);
    let origin = j.new_company(HOME, age);
    j.book.role(case, origin, "originator");
    let back_to = if j.count(0, 1) == 0 {
        origin
    } else {
        let age = j.uniform(1.0, 10.0);
        let related = j.new_company(HOME, age);
        let (a, b) = (j.holder(origin), j.holder(related));
        j.world.links.push((a, b, Relation::Director));
        j.book.role(case, related, "beneficiary");
        related
    };
    let hops = j.count(1, 4);
    let span = j.uniform(5.0, 60.0);
    let t0 = j.start_within(span + 1.0);
    let mut amount = j.uniform(200_000.0, 5_000_000.0).round();
    let mut at = origin;
    let mut t = t0;
    for h in 0..hops {
        let next = if h == 0 || j.count(0, 2) > 0 {
            let haven = j.haven();
            let age = j.count(20, 300) as i64;
            j.shell(haven, age, None)
        } else {
            let c = j.among(&["HK", "SG", "AE"]);
            j.new_company(c, 1.0)
        };
        j.book.role(case, next, "shell");
        j.tx(case, t, at, next, amount, Channel::Wire);
        t += (span / (hops + 1) as f64 * DAY as f64 * j.uniform(0.5, 1.0)) as i64 + H;
        amount *= j.uniform(0.97, 0.998);
        at = next;
    }
    j.tx(case, t, at, back_to, amount.round(), Channel::Wire).memo = Memo::Subscription;
}

/// OS2: a chain of shells in several jurisdictions, each forwarding most of what it got.
fn os2_layering(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Os2);
    let origin = j.new_company(HOME, 8.0);
    let c = j.among(&["CA", "AU", "GB", "US"]);
    let beneficiary = j.new_person(c);
    j.book.role(case, origin, "originator");
    j.book.role(case, beneficiary, "beneficiary");
    let layers = j.count(3, 6);
    let t0 = j.start_within(layers as f64 * 7.0 + 2.0);
    let (mut at, mut t, mut amount) = (origin, t0, j.uniform(100_000.0, 3_000_000.0).round());
    for _ in 0..layers {
        let haven = j.haven();
        let age = j.count(10, 200) as i64;
        let shell = j.shell(haven, age, None);
        j.book.role(case, shell, "layer");
        j.tx(case, t, at, shell, amount, Channel::Wire);
        t += j.hours(4.0, 6.0 * 24.0);
        amount *= j.uniform(0.85, 0.995);
        at = shell;
    }
    j.tx(case, t, at, beneficiary, amount.round(), Channel::Wire);
}

/// OS3: a formation agent's cluster of young offshore companies at one address with one
/// nominee director, each passing money straight through.
fn os3_shell_cluster(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Os3);
    let haven = j.haven();
    let address = format!(
        "Suite {}, {} Chambers, {}",
        j.count(1, 99),
        ["Trident", "Palm Grove", "Vistra", "Omar Hodge"][j.count(0, 3)],
        haven
    );
    let nominee = j.new_person(country_index("HK"));
    let director = j.holder(nominee);
    let size = j.count(5, 12);
    let t0 = j.start_within(30.0);
    for _ in 0..size {
        let age = j.count(30, 330) as i64;
        let shell = j.shell(haven, age, Some(address.clone()));
        j.book.role(case, shell, "shell");
        let h = j.holder(shell);
        j.world.links.push((director, h, Relation::Director));
        let c = j.among(&["CN", "MY", "IT"]);
        let src = j.new_company(c, 5.0);
        let c = j.among(&["HK", "SG", "AE", "CH"]);
        let dst = j.new_company(c, 5.0);
        for k in 0..j.count(1, 3) {
            let t = t0 + (k as i64) * 5 * DAY + j.hours(0.0, 48.0);
            let usd = j.uniform(50_000.0, 900_000.0).round();
            j.tx(case, t, src, shell, usd, Channel::Wire).memo = Memo::Invoice;
            let delay = j.hours(2.0, 72.0);
            let out = usd * j.uniform(0.95, 0.995);
            j.tx(case, t + delay, shell, dst, out.round(), Channel::Wire).memo = Memo::Invoice;
        }
    }
}

/// OS4: one source splits across several offshore accounts that gather into one target;
/// or the reverse, several sources gather in one offshore shell that scatters on.
fn os4_scatter_gather(j: &mut Injector<'_>) {
    if j.count(0, 1) == 1 {
        os4_gather_scatter(j);
        return;
    }
    let case = j.book.open(Pattern::Os4);
    let source = j.new_company(HOME, 6.0);
    let c = j.among(&["HK", "SG", "GB"]);
    let target = j.new_company(c, 4.0);
    j.book.role(case, source, "source");
    j.book.role(case, target, "target");
    let width = j.count(3, 7);
    let t0 = j.start_within(25.0);
    let total = j.uniform(300_000.0, 4_000_000.0);
    for _ in 0..width {
        let haven = j.haven();
        let age = j.count(30, 900) as i64;
        let mid = j.shell(haven, age, None);
        j.book.role(case, mid, "intermediary");
        let part = j.jitter(total / width as f64, 0.25).round();
        let t = t0 + j.hours(0.0, 72.0);
        j.tx(case, t, source, mid, part, Channel::Wire);
        let delay = j.hours(24.0, 20.0 * 24.0);
        let out = part * j.uniform(0.9, 0.995);
        j.tx(case, t + delay, mid, target, out.round(), Channel::Wire);
    }
}

/// OS4, reversed: companies pay one young offshore shell, which pays most of it on to
/// several companies abroad.
fn os4_gather_scatter(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Os4);
    let haven = j.haven();
    let age = j.count(30, 600) as i64;
    let hub = j.shell(haven, age, None);
    j.book.role(case, hub, "intermediary");
    let t0 = j.start_within(30.0);
    let mut total = 0.0;
    for _ in 0..j.count(3, 7) {
        let c = j.among(&["CN", "MY", "IT"]);
        let src = j.new_company(c, 5.0);
        j.book.role(case, src, "source");
        let usd = j.uniform(100_000.0, 800_000.0).round();
        total += usd;
        let t = t0 + j.hours(0.0, 10.0 * 24.0);
        j.tx(case, t, src, hub, usd, Channel::Wire).memo = Memo::Invoice;
    }
    let n = j.count(3, 7);
    for _ in 0..n {
        let c = j.among(&["HK", "SG", "GB", "AE"]);
        let dst = j.new_company(c, 5.0);
        j.book.role(case, dst, "target");
        let keep = j.uniform(0.9, 0.99);
        let part = j.jitter(total * keep / n as f64, 0.1).round();
        let t = t0 + 10 * DAY + j.hours(0.0, 15.0 * 24.0);
        j.tx(case, t, hub, dst, part, Channel::Wire).memo = Memo::Invoice;
    }
}

/// OS5: one controller's companies in several countries, tied by directorships and
/// shareholdings, move money among themselves across borders.
fn os5_shared_control(j: &mut Injector<'_>) {
    let case = j.book.open(Pattern::Os5);
    let controller = j.new_person(HOME);
    j.book.role(case, controller, "controller");
    let ctrl = j.holder(controller);
    let countries = ["HK", "SG", "VG", "KY", "AE", "GB"];
    let n = j.count(3, 5);
    let mut companies = Vec::new();
    for k in 0..n {
        let c = countries[(k + j.count(0, 5)) % countries.len()];
        let co = if COUNTRIES[country_index(c) as usize].offshore {
            j.shell(c, 200, None)
        } else {
            j.new_company(country_index(c), 4.0)
        };
        let h = j.holder(co);
        let rel = [Relation::Director, Relation::Shareholder][k % 2];
        j.world.links.push((ctrl, h, rel));
        j.book.role(case, co, "controlled_company");
        companies.push(co);
    }
    let t0 = j.start_within(50.0);
    let mut t = t0;
    let usd = j.uniform(100_000.0, 800_000.0);
    j.tx(case, t, controller, companies[0], usd, Channel::Wire);
    for _ in 0..j.count(4, 10) {
        let a = companies[j.count(0, n - 1)];
        let b = companies[j.count(0, n - 1)];
        if a == b {
            continue;
        }
        t += j.hours(12.0, 5.0 * 24.0);
        let usd = j.uniform(50_000.0, 600_000.0).round();
        j.tx(case, t, a, b, usd, Channel::Wire);
    }
}

/// TR1/TR2: embezzled money leaves a public fund's account, is split and mixed with other
/// money on the way, and ends in accounts abroad, mostly offshore. The fund account is a
/// trace seed; where the money came to rest is the truth.
fn tr_fugitive(j: &mut Injector<'_>) {
    let case = j.book.open(CaseKind::Trace);
    let fund = j.new_company(HOME, 15.0);
    j.book.role(case, fund, "seed");
    j.book.seeds.push((fund, case));
    let t0 = j.start_within(60.0);
    let total = j.uniform(1_000_000.0, 20_000_000.0).round();
    let fronts: Vec<u32> = (0..j.count(2, 4)).map(|_| j.new_company(HOME, 1.0)).collect();
    for &f in &fronts {
        j.book.role(case, f, "layer");
    }
    let mut t = t0;
    for &f in &fronts {
        t += j.hours(2.0, 96.0);
        let part = total / fronts.len() as f64;
        j.tx(case, t, fund, f, part.round(), Channel::Wire).memo = Memo::Invoice;
        // Untraced money mixes in at the front companies.
        let other = j.resident(HOME);
        let mixed = j.uniform(1_000.0, 30_000.0).round();
        // A day before, but inside the dump: a transfer before its first day has no FX
        // rate yet and is rejected (it happened once in a 100M dump).
        j.tx(super::NO_CASE, (t - DAY).max(j.world.start), other, f, mixed, Channel::Wire);
    }
    let dests: Vec<u32> = (0..j.count(2, 5))
        .map(|k| {
            if k == 0 {
                let c = j.among(&["CA", "AU", "US"]);
                j.new_person(c)
            } else {
                let h = j.haven();
                j.shell(h, 400, None)
            }
        })
        .collect();
    for &d in &dests {
        let role = if j.world.offshore(d) { "offshore_destination" } else { "destination" };
        j.book.role(case, d, role);
    }
    for (k, &f) in fronts.iter().enumerate() {
        let part = total / fronts.len() as f64;
        let d = dests[k % dests.len()];
        let d2 = dests[(k + 1) % dests.len()];
        let delay = t + (k as i64 + 1) * 3 * DAY;
        j.tx(case, delay, f, d, (part * 0.6).round(), Channel::Wire);
        j.tx(case, delay + DAY, f, d2, (part * 0.38).round(), Channel::Wire);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_injected_transfer_comes_before_the_dump_starts() {
        // The FX table starts on the dump's first day: a transfer before it has no rate
        // and would be rejected. Cases drawn to start on the first day show it, so draw
        // many.
        let start = 1_704_067_200; // 2024-01-01
        let mut world = World::build(5150, 100_000, start, 186, 1.0);
        let (mut book, mut txs) = (CaseBook::default(), Vec::new());
        inject_all(&mut world, &mut book, &mut txs, 5150, 300);
        super::super::motifs::inject_all(&mut world, &mut book, &mut txs, 5150, 300);
        super::super::background::lookalikes(&mut world, &mut book, &mut txs, 5150, 100_000);
        let early: Vec<&Tx> = txs.iter().filter(|t| t.time < start).collect();
        assert!(early.is_empty(), "{} transfers before the start, e.g. {:?}", early.len(), early.first());
    }
}

//! Legitimate activity that resembles laundering, each built once, and one test that
//! runs every detector of the registry on each (through `run_all`, so the licensed and
//! deferral rules apply as in a run) and asserts that none of them raises a hit. Each
//! world sits in an everyday economy that sets the dump's scale, so the floors are the
//! ones a real run would derive. A detector's `## Look-alikes` section says why it stays
//! quiet; this is the proof.

use super::testkit::{Tiny, D, H};
use crate::model::Channel;
use crate::pattern::Pattern;

/// A legitimate world that resembles a laundering pattern.
struct LookAlike {
    name: &'static str,
    build: fn(&mut Tiny),
}

/// An offshore investment fund: many investors pay in over two months, the fund invests
/// with two brokers and holds the rest for weeks, then redeems some investors, most of
/// what they put in.
fn offshore_fund(t: &mut Tiny) {
    t.company("FUND", "KY");
    t.company("BROKER1", "GB");
    t.company("BROKER2", "US");
    for k in 0..40i64 {
        let investor = format!("INV{k}");
        t.person(&investor, ["US", "DE", "FR", "GB"][k as usize % 4]);
        t.wire(&investor, "FUND", (10 + k) * D + k * H, 50_000.0 + 1_000.0 * k as f64);
    }
    t.wire("FUND", "BROKER1", 55 * D, 700_000.0);
    t.wire("FUND", "BROKER2", 58 * D, 500_000.0);
    for k in 0..8i64 {
        t.wire("FUND", &format!("INV{}", k * 5), (60 + k) * D, 0.9 * (50_000.0 + 5_000.0 * k as f64));
    }
}

/// A builder on a three-week job pays its two new subcontractors every working day, and
/// a household pays its new nanny and cleaner on the same days each week: layers with
/// one source, round after round, of a company's business or a household's habit.
fn daily_subcontractors(t: &mut Tiny) {
    t.company("BUILDER", "US");
    t.company("SUBCON1", "US");
    t.company("SUBCON2", "US");
    for day in 40..61i64 {
        t.wire("BUILDER", "SUBCON1", day * D + 9 * H, 3_000.0 + 40.0 * (day % 5) as f64);
        t.wire("BUILDER", "SUBCON2", day * D + 10 * H, 2_500.0 + 55.0 * (day % 3) as f64);
    }
    t.person("HOUSEHOLD", "US");
    for week in 0..25i64 {
        t.wire("HOUSEHOLD", "NANNY", (week * 7 + 3) * D, 600.0);
        t.wire("HOUSEHOLD", "CLEANER", (week * 7 + 3) * D + H, 150.0);
    }
}

/// A treasury sweep: a parent moves surplus cash to its offshore subsidiary every month,
/// and the subsidiary pays a fraction back as dividends each quarter.
fn treasury_sweep(t: &mut Tiny) {
    t.company("PARENT", "DE");
    t.company("SUB", "KY");
    t.link("h-PARENT", "h-SUB");
    for m in 0..6 {
        t.wire("PARENT", "SUB", (5 + m * 30) * D, 2_000_000.0);
    }
    t.wire("SUB", "PARENT", 89 * D, 600_000.0);
    t.wire("SUB", "PARENT", 179 * D, 650_000.0);
}

/// A payroll hub: clients pay an employer, which pays the same 30 staff every month.
fn payroll(t: &mut Tiny) {
    t.company("EMPLOYER", "US");
    for c in 0..3 {
        t.company(&format!("CLIENT{c}"), "US");
    }
    for m in 0..6i64 {
        for c in 0..3i64 {
            t.wire(&format!("CLIENT{c}"), "EMPLOYER", (m * 30 + 10 + c) * D, 40_000.0);
        }
        for k in 0..30i64 {
            let staff = format!("STAFF{k}");
            t.person(&staff, "US");
            t.wire("EMPLOYER", &staff, (m * 30 + 25) * D + k * 60, 3_500.0);
        }
    }
}

/// A card acquirer: cardholders pay by card all day, and the acquirer settles to its
/// five merchants every night.
fn card_acquirer(t: &mut Tiny) {
    t.company("ACQUIRER", "US");
    for m in 0..5 {
        t.company(&format!("MERCHANT{m}"), "US");
    }
    for day in 0..60i64 {
        let mut takings = [0.0f64; 5];
        for k in 0..12i64 {
            let amount = 20.0 + ((day * 7 + k * 13) % 90) as f64;
            t.send(
                &format!("CARD{}", (day * 12 + k) % 200),
                "ACQUIRER",
                day * D + k * H,
                amount,
                Channel::Card,
            );
            takings[(k % 5) as usize] += amount;
        }
        for (m, total) in takings.iter().enumerate() {
            t.wire("ACQUIRER", &format!("MERCHANT{m}"), day * D + 23 * H, total * 0.98);
        }
    }
}

/// A licensed remitter and its correspondent abroad: customers pay in at home, the
/// correspondent pays the same values to beneficiaries abroad, and the two settle.
fn licensed_remitter(t: &mut Tiny) {
    let home = t.company("MSB", "GB");
    let abroad = t.company("CORRESPONDENT", "PK");
    for h in [home, abroad] {
        let holder = t.dump.accounts.holder[h as usize].unwrap_or_default() as usize;
        t.dump.holders.licence[holder] = Some("FCA-123456".into());
    }
    for k in 0..30i64 {
        let (customer, beneficiary) = (format!("CUST{k}"), format!("BEN{k}"));
        t.person(&customer, "GB");
        t.person(&beneficiary, "PK");
        let amount = 400.0 + 37.0 * k as f64;
        t.wire(&customer, "MSB", (10 + k) * D, amount);
        t.wire("CORRESPONDENT", &beneficiary, (10 + k) * D + 2 * H, amount);
    }
    t.wire("MSB", "CORRESPONDENT", 45 * D, 25_000.0);
}

/// A marketplace: buyers pay the platform for orders, and it pays the same ten sellers
/// every week, less its fee.
fn marketplace(t: &mut Tiny) {
    t.company("PLATFORM", "NL");
    for s in 0..10 {
        t.company(&format!("SELLER{s}"), "NL");
    }
    for k in 0..120i64 {
        t.wire(&format!("BUYER{}", k % 80), "PLATFORM", k * D / 2, 60.0 + (k % 17) as f64 * 9.0);
    }
    for w in 0..8i64 {
        for s in 0..10i64 {
            t.wire("PLATFORM", &format!("SELLER{s}"), (w * 7 + 6) * D + s * 60, 700.0);
        }
    }
}

/// Periodic bills: households pay the same landlord and utility every month.
fn periodic_bills(t: &mut Tiny) {
    t.company("LANDLORD", "FR");
    t.company("UTILITY", "FR");
    for m in 0..6i64 {
        for h in 0..25i64 {
            let household = format!("HOME{h}");
            t.person(&household, "FR");
            t.wire(&household, "LANDLORD", (m * 30 + 1) * D + h * H, 1_200.0);
            t.wire(&household, "UTILITY", (m * 30 + 15) * D + h * H, 90.0 + h as f64);
        }
    }
}

/// Two friends paying each other back and forth for shared dinners and trips.
fn friends(t: &mut Tiny) {
    t.person("ANNA", "IT");
    t.person("BEN", "IT");
    for k in 0..20i64 {
        let (from, to) = if k % 2 == 0 { ("ANNA", "BEN") } else { ("BEN", "ANNA") };
        t.wire(from, to, (k * 6 + 3) * D, 40.0 + 11.0 * k as f64);
    }
}

/// Colleagues chip in for a farewell gift: 25 of them pay the organiser small sums over
/// two days, once, and the organiser buys the gift.
fn gift_pool(t: &mut Tiny) {
    t.person("ORGANISER", "DE");
    t.company("SHOP", "DE");
    for k in 0..25i64 {
        let colleague = format!("COLLEAGUE{k}");
        t.person(&colleague, "DE");
        t.wire(&colleague, "ORGANISER", 40 * D + k * 2 * H, 20.0 + (k % 5) as f64 * 10.0);
    }
    t.wire("ORGANISER", "SHOP", 43 * D, 900.0);
}

/// A licensed registrar pays an issuer's dividend: the issuer funds it, and it pays 200
/// shareholders within hours, its only activity in the quarter.
fn dividend_registrar(t: &mut Tiny) {
    let registrar = t.company("REGISTRAR", "GB");
    let holder = t.dump.accounts.holder[registrar as usize].unwrap_or_default() as usize;
    t.dump.holders.licence[holder] = Some("FCA-654321".into());
    t.company("ISSUER", "GB");
    t.wire("ISSUER", "REGISTRAR", 89 * D, 500_000.0);
    pay_dividend(t, "REGISTRAR");
}

/// `payer` pays 200 shareholders their dividend within an hour and a half of day 90.
fn pay_dividend(t: &mut Tiny, payer: &str) {
    for k in 0..200i64 {
        let shareholder = format!("HOLDER{k}");
        t.person(&shareholder, "GB");
        t.wire(payer, &shareholder, 90 * D + k * 60, 500.0 + (k * 37 % 400) as f64 * 10.0);
    }
}

/// A trading company pays its yearly dividend to 200 shareholders itself, beside its
/// suppliers all year.
fn dividend_direct(t: &mut Tiny) {
    t.company("ISSUER", "GB");
    for m in 0..6i64 {
        for k in 0..15i64 {
            let supplier = format!("SUPPLIER{k}");
            t.company(&supplier, "GB");
            t.wire(&supplier, "ISSUER", (m * 30 + 3 + k) * D, 30_000.0 + 1_000.0 * k as f64);
            t.wire("ISSUER", &supplier, (m * 30 + 20 + k % 5) * D, 20_000.0 + 500.0 * k as f64);
        }
    }
    pay_dividend(t, "ISSUER");
}

/// A crowdfunding campaign: 80 first-time donors over ten days, then one payment to the
/// supplier it raised the money for.
fn crowdfunding(t: &mut Tiny) {
    t.company("CAMPAIGN", "FR");
    t.company("SUPPLIER", "FR");
    for k in 0..80i64 {
        let donor = format!("DONOR{k}");
        t.person(&donor, "FR");
        t.wire(&donor, "CAMPAIGN", 30 * D + k * 3 * H, 25.0 + (k * 17 % 200) as f64);
    }
    t.wire("CAMPAIGN", "SUPPLIER", 48 * D, 8_500.0);
}

/// A notary's client account on six house sales: each buyer pays a deposit and, a month
/// later, the balance with its mortgage lender's loan; on completion the notary pays the
/// seller, the land-registry tax and the estate agent, and moves its fee to its office
/// account. Money in from several, out to several within a day, in large round sums.
fn conveyancing_escrow(t: &mut Tiny) {
    t.company("NOTARY", "FR");
    t.company("NOTARY_OFFICE", "FR");
    t.company("TAX_OFFICE", "FR");
    t.company("AGENT", "FR");
    t.company("BANK_LOANS", "FR");
    for k in 0..6i64 {
        let (buyer, seller) = (format!("BUYER{k}"), format!("SELLER{k}"));
        t.person(&buyer, "FR");
        t.person(&seller, "FR");
        let price = 250_000.0 + 35_000.0 * k as f64;
        let day = 10 + 27 * k;
        t.wire(&buyer, "NOTARY", day * D, 0.1 * price);
        t.wire(&buyer, "NOTARY", (day + 30) * D + 9 * H, 0.1 * price + 0.08 * price);
        t.wire("BANK_LOANS", "NOTARY", (day + 30) * D + 11 * H, 0.8 * price);
        t.wire("NOTARY", &seller, (day + 31) * D + 10 * H, 0.95 * price);
        t.wire("NOTARY", "AGENT", (day + 31) * D + 11 * H, 0.05 * price);
        t.wire("NOTARY", "TAX_OFFICE", (day + 31) * D + 12 * H, 0.07 * price);
        t.wire("NOTARY", "NOTARY_OFFICE", (day + 33) * D, 0.01 * price);
    }
}

/// A consumer lender disburses 40 loans to new borrowers over two months, and each
/// borrower pays back a monthly instalment from the month after.
fn consumer_lender(t: &mut Tiny) {
    t.company("LENDER", "DE");
    t.company("FUNDING_BANK", "DE");
    t.wire("FUNDING_BANK", "LENDER", 5 * D, 250_000.0);
    for k in 0..40i64 {
        let borrower = format!("BORROWER{k}");
        t.person(&borrower, "DE");
        let (day, loan) = (10 + (k * 3) / 2, 4_000.0 + 250.0 * (k % 9) as f64);
        t.wire("LENDER", &borrower, day * D + (k % 8) * H, loan);
        for m in 1..5i64 {
            t.wire(&borrower, "LENDER", (day + 30 * m) * D, loan / 9.0);
        }
    }
}

/// A rotating savings club (tontine): twelve members each pay the organiser the same
/// share every month, and each month one of them in turn receives the whole pot. Every
/// member's money goes round and comes back.
fn savings_club(t: &mut Tiny) {
    t.person("ORGANISER", "GB");
    for k in 0..12 {
        t.person(&format!("MEMBER{k}"), "GB");
    }
    for m in 0..6i64 {
        for k in 0..12i64 {
            t.wire(&format!("MEMBER{k}"), "ORGANISER", (m * 30 + 1) * D + k * H, 500.0);
        }
        t.wire("ORGANISER", &format!("MEMBER{}", m * 2 % 12), (m * 30 + 3) * D, 6_000.0);
    }
}

/// A letting agent collects 30 tenants' rents each month and pays their eight landlords
/// what is theirs less its fee a few days later.
fn letting_agent(t: &mut Tiny) {
    t.company("AGENCY", "GB");
    for l in 0..8 {
        t.person(&format!("OWNER{l}"), "GB");
    }
    for m in 0..6i64 {
        let mut owed = [0.0f64; 8];
        for k in 0..30i64 {
            let rent = 1_100.0 + 50.0 * (k % 7) as f64;
            t.wire(&format!("TENANT{k}"), "AGENCY", (m * 30 + 1 + k % 3) * D + k * H, rent);
            owed[(k % 8) as usize] += rent;
        }
        for (l, total) in owed.iter().enumerate() {
            t.wire("AGENCY", &format!("OWNER{l}"), (m * 30 + 6) * D + l as i64 * H, total * 0.9);
        }
    }
}

/// A charity: 60 donors give through the month, and at each month's end it sends most
/// of what came in to its two partner organisations abroad.
fn charity_abroad(t: &mut Tiny) {
    t.company("CHARITY", "GB");
    t.company("PARTNER1", "KE");
    t.company("PARTNER2", "BD");
    for m in 0..6i64 {
        let mut raised = 0.0;
        for k in 0..60i64 {
            let amount = 20.0 + ((k * 37 + m * 11) % 25) as f64 * 10.0;
            t.wire(&format!("DONOR{}", (k * 7 + m) % 150), "CHARITY", (m * 30 + k / 2) * D + k * H, amount);
            raised += amount;
        }
        t.wire("CHARITY", "PARTNER1", (m * 30 + 29) * D, 0.5 * raised);
        t.wire("CHARITY", "PARTNER2", (m * 30 + 29) * D + H, 0.35 * raised);
    }
}

/// A payroll bureau: three employers fund it the day before payday, and it pays their
/// 45 staff the next morning.
fn payroll_bureau(t: &mut Tiny) {
    t.company("BUREAU", "NL");
    for m in 0..6i64 {
        for c in 0..3i64 {
            let employer = format!("EMPLOYER{c}");
            t.company(&employer, "NL");
            t.wire(&employer, "BUREAU", (m * 30 + 24) * D + c * H, 15.0 * 3_000.0);
            for k in 0..15i64 {
                let staff = format!("STAFF{c}_{k}");
                t.person(&staff, "NL");
                t.wire("BUREAU", &staff, (m * 30 + 25) * D + (c * 15 + k) * 60, 2_500.0 + 70.0 * k as f64);
            }
        }
    }
}

/// A group's zero-balancing cash pool: four subsidiaries trade with their own customers
/// and suppliers, every evening each sweeps its surplus to the parent's master account
/// or is funded from it when short, and they invoice each other through the month. Money goes round the group every
/// week, as it does in any company group with a treasury.
fn cash_pool(t: &mut Tiny) {
    let subsidiaries = ["SUB_DE", "SUB_FR", "SUB_NL", "SUB_IE"];
    t.company("MASTER", "DE");
    for (k, sub) in subsidiaries.iter().enumerate() {
        t.company(sub, ["DE", "FR", "NL", "IE"][k]);
        t.link("h-MASTER", &format!("h-{sub}"));
    }
    for day in 0..120i64 {
        for (k, sub) in subsidiaries.iter().enumerate() {
            let k = k as i64;
            // A subsidiary's day: its customers pay it and it pays its suppliers; the
            // evening sweep evens out what is left.
            for c in 0..3i64 {
                let customer = format!("CUSTOMER{k}_{}", (day * 3 + c) % 40);
                t.wire(&customer, sub, day * D + (9 + c) * H, 8_000.0 + 500.0 * ((day + c) % 9) as f64);
            }
            let supplier = format!("SUPPLIER{k}_{}", day % 12);
            t.wire(sub, &supplier, day * D + 14 * H, 12_000.0 + 700.0 * (day % 5) as f64);
            let net = 20_000.0 * (((day * 7 + k * 13) % 11) as f64 - 4.0);
            if net > 0.0 {
                t.wire(sub, "MASTER", day * D + 18 * H + k * 60, net);
            } else if net < 0.0 {
                t.wire("MASTER", sub, day * D + 18 * H + k * 60, -net);
            }
            if day % 10 == k {
                let other = subsidiaries[((k + 1) % 4) as usize];
                t.wire(sub, other, day * D + 11 * H, 35_000.0 + 1_000.0 * k as f64);
            }
        }
    }
}

/// A household that clears its pay on payday: the salary comes in on the 25th, and the
/// same afternoon it pays the mortgage, its savings account, the credit card, the energy
/// bill and the insurance, keeping little overnight.
fn payday_household(t: &mut Tiny) {
    t.company("EMPLOYER", "DE");
    t.person("EARNER", "DE");
    for (payee, _) in PAYDAY_BILLS {
        t.company(payee, "DE");
    }
    for m in 0..6i64 {
        t.wire("EMPLOYER", "EARNER", (m * 30 + 25) * D + 8 * H, 9_000.0);
        for (k, (payee, amount)) in PAYDAY_BILLS.iter().enumerate() {
            t.wire("EARNER", payee, (m * 30 + 25) * D + (13 + k as i64) * H, *amount + 10.0 * m as f64);
        }
    }
}

/// What [`payday_household`] pays on payday.
const PAYDAY_BILLS: [(&str, f64); 5] =
    [("MORTGAGE", 3_200.0), ("SAVINGS", 2_000.0), ("CARD", 2_400.0), ("ENERGY", 350.0), ("INSURANCE", 600.0)];

/// An estate: the executor's account receives the proceeds of the house and the
/// deceased's savings, settles the funeral and the tax, and a month later pays the six
/// heirs their shares.
fn estate_executor(t: &mut Tiny) {
    t.person("EXECUTOR", "GB");
    t.company("HOUSE_BUYER_SOLICITOR", "GB");
    t.company("OLD_BANK", "GB");
    t.company("FUNERAL", "GB");
    t.company("TAX", "GB");
    t.wire("OLD_BANK", "EXECUTOR", 20 * D, 85_000.0);
    t.wire("HOUSE_BUYER_SOLICITOR", "EXECUTOR", 75 * D, 410_000.0);
    t.wire("EXECUTOR", "FUNERAL", 22 * D, 6_500.0);
    t.wire("EXECUTOR", "TAX", 90 * D, 48_000.0);
    for k in 0..6i64 {
        let heir = format!("HEIR{k}");
        t.person(&heir, if k < 4 { "GB" } else { "AU" });
        t.wire("EXECUTOR", &heir, 105 * D + k * H, 72_000.0 + 500.0 * k as f64);
    }
}

/// A wedding: 90 guests send the couple their gifts over the weekend, and the couple
/// pays the venue and the caterer the week after, beside its everyday life (two
/// salaries, rent, shopping).
fn wedding_gifts(t: &mut Tiny) {
    t.person("COUPLE", "IT");
    t.company("VENUE", "IT");
    t.company("CATERER", "IT");
    for m in 0..6i64 {
        t.wire("EMPLOYER_A", "COUPLE", (m * 30 + 27) * D, 2_100.0);
        t.wire("EMPLOYER_B", "COUPLE", (m * 30 + 28) * D, 1_900.0);
        t.wire("COUPLE", "LANDLORD", (m * 30 + 1) * D, 1_300.0);
        for w in 0..4i64 {
            t.wire("COUPLE", "SUPERMARKET", (m * 30 + w * 7 + 3) * D, 120.0 + 15.0 * w as f64);
        }
    }
    for k in 0..90i64 {
        let guest = format!("GUEST{k}");
        t.person(&guest, "IT");
        t.wire(&guest, "COUPLE", 60 * D + k * 40 * 60, 100.0 + (k * 37 % 10) as f64 * 50.0);
    }
    t.wire("COUPLE", "VENUE", 66 * D, 12_000.0);
    t.wire("COUPLE", "CATERER", 67 * D, 9_000.0);
}

/// A franchise: eight franchisees pay their royalty and their marketing fee to the
/// franchisor's two accounts at each month's end.
fn franchise(t: &mut Tiny) {
    t.company("ROYALTIES", "FR");
    t.company("MARKETING", "FR");
    for k in 0..8i64 {
        let shop = format!("FRANCHISEE{k}");
        t.company(&shop, "FR");
        for m in 0..6i64 {
            let takings = 40_000.0 + 2_500.0 * ((k + m) % 5) as f64;
            t.wire(&shop, "ROYALTIES", (m * 30 + 28) * D + k * H, 0.06 * takings);
            t.wire(&shop, "MARKETING", (m * 30 + 28) * D + k * H + 600, 0.02 * takings);
        }
    }
}

/// A family helping a son buy a flat: his grandmother gives his mother a sum, the mother
/// adds to it and passes it to his father's account the next day, the father to the son,
/// and the son pays the notary the deposit, each within a day or two.
fn family_deposit(t: &mut Tiny) {
    for person in ["GRANDMOTHER", "MOTHER", "FATHER", "SON"] {
        t.person(person, "ES");
    }
    t.company("NOTARY", "ES");
    for (k, (from, to, amount)) in [
        ("GRANDMOTHER", "MOTHER", 20_000.0),
        ("MOTHER", "FATHER", 30_000.0),
        ("FATHER", "SON", 30_000.0),
        ("SON", "NOTARY", 35_000.0),
    ]
    .into_iter()
    .enumerate()
    {
        t.wire(from, to, (80 + k as i64) * D + 10 * H, amount);
    }
    // Their everyday lives around it.
    for m in 0..6i64 {
        for (k, person) in ["GRANDMOTHER", "MOTHER", "FATHER", "SON"].into_iter().enumerate() {
            t.wire(&format!("PAYER_{person}"), person, (m * 30 + 25) * D, 1_800.0 + 300.0 * k as f64);
            t.wire(person, &format!("RENT_{person}"), (m * 30 + 2) * D, 700.0 + 100.0 * k as f64);
        }
    }
}

/// A tour operator: for each of three tours, forty travellers pay their trip over two
/// weeks, and two days after the last booking it pays the hotel and the airline
/// abroad most of what came in.
fn tour_operator(t: &mut Tiny) {
    t.company("TOURS", "GB");
    t.company("HOTEL", "ES");
    t.company("AIRLINE", "IE");
    for tour in 0..3i64 {
        let start = (tour * 60 + 5) * D;
        let mut booked = 0.0;
        for k in 0..40i64 {
            let price = 1_500.0 + 25.0 * ((k * 7) % 40) as f64;
            let traveller = format!("TRAVELLER{tour}_{k}");
            t.person(&traveller, "GB");
            t.wire(&traveller, "TOURS", start + k * 8 * H, price);
            booked += price;
        }
        let paid = start + 16 * D;
        t.wire("TOURS", "HOTEL", paid, 0.45 * booked);
        t.wire("TOURS", "AIRLINE", paid + 2 * H, 0.4 * booked);
    }
}

/// An education agent: before each of two intakes, twenty-five families pay a year's
/// tuition over three weeks, and the agent remits each university's share abroad in
/// one transfer a week later, keeping its commission.
fn education_agent(t: &mut Tiny) {
    t.company("AGENT", "MY");
    let universities = [("UNI_GB", "GB"), ("UNI_AU", "AU"), ("UNI_CA", "CA")];
    for (u, country) in universities {
        t.company(u, country);
    }
    for intake in 0..2i64 {
        let start = (intake * 90 + 10) * D;
        let mut owed = [0.0f64; 3];
        for k in 0..25i64 {
            let fees = 8_000.0 + 150.0 * ((k * 11) % 27) as f64;
            let family = format!("FAMILY{intake}_{k}");
            t.person(&family, "MY");
            t.wire(&family, "AGENT", start + k * 20 * H, fees);
            owed[(k % 3) as usize] += fees;
        }
        for (j, (u, _)) in universities.iter().enumerate() {
            t.wire("AGENT", u, start + 28 * D + j as i64 * H, 0.92 * owed[j]);
        }
    }
}

/// A block's managing agent: forty flat owners pay the service charge each quarter,
/// and the agent pays the cleaners every month and a roofer once.
fn managing_agent(t: &mut Tiny) {
    t.company("MANAGER", "DE");
    t.company("CLEANERS", "DE");
    t.company("ROOFER", "DE");
    for q in 0..2i64 {
        for k in 0..40i64 {
            t.wire(
                &format!("OWNER{k}"),
                "MANAGER",
                (q * 90 + 1 + k % 10) * D + k * H,
                900.0 + 30.0 * (k % 5) as f64,
            );
        }
    }
    for m in 0..6i64 {
        t.wire("MANAGER", "CLEANERS", (m * 30 + 20) * D, 6_000.0);
    }
    t.wire("MANAGER", "ROOFER", 50 * D, 28_000.0);
}

/// A peer-to-peer lending platform: thirty lenders fund it, it pays out loans to
/// twenty new borrowers over a month, they repay in monthly instalments, and it pays
/// the lenders back monthly.
fn lending_platform(t: &mut Tiny) {
    t.company("PLATFORM", "LT");
    for k in 0..30i64 {
        t.wire(&format!("LENDER{k}"), "PLATFORM", (2 + k / 3) * D + k * H, 3_000.0);
    }
    for k in 0..20i64 {
        let borrower = format!("BORROWER{k}");
        t.wire("PLATFORM", &borrower, (5 + k) * D + 10 * H, 4_000.0);
        for m in 1..6i64 {
            t.wire(&borrower, "PLATFORM", (5 + k + 30 * m) * D + 9 * H, 4_000.0 * 1.06 / 5.0);
        }
    }
    for m in 1..6i64 {
        for k in 0..30i64 {
            t.wire("PLATFORM", &format!("LENDER{k}"), (m * 30 + 28) * D + k * 60, 3_000.0 * 1.05 / 5.0);
        }
    }
}

/// A market trader: each evening the day's takings are paid in as cash at the branch,
/// and each morning one of six wholesalers, in turn, is paid for the day's stock.
fn market_trader(t: &mut Tiny) {
    t.person("TRADER", "GB");
    for day in 0..120i64 {
        let takings = 1_800.0 + 40.0 * ((day * 13) % 21) as f64;
        t.send("BRANCH_CASH", "TRADER", day * D + 18 * H, takings, Channel::CashDeposit);
        t.wire("TRADER", &format!("WHOLESALER{}", day % 6), (day + 1) * D + 7 * H, 0.9 * takings);
    }
}

/// A car dealer: thirty buyers each pay for a car over two months, and every Friday
/// the dealer pays the manufacturer abroad for the week's cars.
fn car_dealer(t: &mut Tiny) {
    t.company("DEALER", "DE");
    t.company("MANUFACTURER", "FR");
    let mut week = [0.0f64; 9];
    for k in 0..30i64 {
        let price = 15_000.0 + 850.0 * ((k * 7) % 29) as f64;
        let day = 1 + 2 * k;
        t.person(&format!("BUYER{k}"), "DE");
        t.wire(&format!("BUYER{k}"), "DEALER", day * D + 11 * H, price);
        week[(day / 7) as usize] += price;
    }
    for (w, sold) in week.iter().enumerate() {
        t.wire("DEALER", "MANUFACTURER", (w as i64 * 7 + 5) * D + 15 * H, 0.88 * sold);
    }
}

/// A plumber who runs the business through a personal account: customers, some of
/// them twice, pay for jobs over four months; every week he pays the builders'
/// merchant, and every month the household's bills.
fn sole_trader(t: &mut Tiny) {
    t.person("PLUMBER", "GB");
    for k in 0..50i64 {
        let customer = format!("CUSTOMER{}", k % 40);
        t.wire(&customer, "PLUMBER", (2 + 2 * k + k % 3) * D + 16 * H, 150.0 + 15.0 * ((k * 11) % 50) as f64);
    }
    for w in 0..17i64 {
        t.wire("PLUMBER", "MERCHANT", (w * 7 + 6) * D + 8 * H, 1_400.0 + 60.0 * (w % 5) as f64);
    }
    for m in 0..4i64 {
        t.wire("PLUMBER", "MORTGAGE", (m * 30 + 1) * D, 1_250.0);
        t.wire("PLUMBER", "ENERGY", (m * 30 + 3) * D, 140.0);
    }
}

/// A saver with an account of her own offshore: she moves savings from her account at
/// home to her account in Jersey, and brings them back weeks later for a house deposit,
/// which she pays to a notary.
fn own_savings_offshore(t: &mut Tiny) {
    t.account("SAVER_GB", "h-SAVER", "GB", crate::model::HolderKind::Person);
    t.account("SAVER_JE", "h-SAVER", "JE", crate::model::HolderKind::Person);
    for m in 0..6i64 {
        t.wire("EMPLOYER", "SAVER_GB", (m * 30 + 25) * D, 4_200.0);
        t.wire("SAVER_GB", "LANDLORD", (m * 30 + 1) * D, 1_300.0);
    }
    t.wire("SAVER_GB", "SAVER_JE", 20 * D, 60_000.0);
    t.wire("SAVER_JE", "SAVER_GB", 50 * D, 60_150.0);
    t.wire("SAVER_GB", "NOTARY", 52 * D, 58_000.0);
}

/// A petrol station: every evening the manager pays in the day's cash takings, 8,800 to
/// 11,000 USD, either side of a 10,000 reporting line, and the station pays its fuel
/// supplier weekly.
fn petrol_station(t: &mut Tiny) {
    t.company("STATION", "US");
    t.person("MANAGER", "US");
    for day in 0..90i64 {
        let takings = 8_800.0 + 2_200.0 * ((day * 37) % 101) as f64 / 100.0;
        t.send("MANAGER", "STATION", day * D + 20 * H, takings, Channel::CashDeposit);
        if day % 7 == 6 {
            t.wire("STATION", "FUEL_SUPPLIER", day * D + 9 * H, 60_000.0);
        }
    }
}

/// A master-feeder fund structure: a fund in LU subscribes to its three offshore
/// feeder funds on one day, each with investors of its own, and each feeder invests
/// with the group's prime broker within three weeks.
fn master_feeder(t: &mut Tiny) {
    t.company("MASTER_FUND", "LU");
    t.company("PRIME_BROKER", "GB");
    for (k, country) in ["KY", "BM", "VG"].into_iter().enumerate() {
        let feeder = format!("FEEDER_{country}");
        t.company(&feeder, country);
        let h = t.dump.holders.intern(&format!("h-{feeder}")) as usize;
        t.dump.holders.incorporated_on[h] = Some(-9 * 365 * D);
        t.wire("MASTER_FUND", &feeder, 20 * D + k as i64 * H, 2_000_000.0);
        for i in 0..12i64 {
            t.wire(&format!("INVESTOR_{country}{i}"), &feeder, (5 + 3 * i) * D, 150_000.0);
        }
        t.wire(&feeder, "PRIME_BROKER", (30 + 5 * k as i64) * D, 2_900_000.0);
    }
}

/// Where one round sum is what large payments are (a town whose every tenancy deposit is
/// 10,000): a letting agent in CN takes new tenants' deposits every few days, and a
/// landlord in HK returns leaving tenants' deposits on the same days, within hours of
/// them. Their legs match most of the time, as any two such accounts' would.
fn round_sum_deposits(t: &mut Tiny) {
    for k in 0..80i64 {
        t.wire(&format!("TENANT{}", k % 30), &format!("OWNER{}", k % 9), (k * 2 + 1) * D + 11 * H, 10_000.0);
    }
    t.person("AGENT", "CN");
    t.person("LANDLORD", "HK");
    for k in 0..10i64 {
        let (newcomer, leaver) = (format!("NEWCOMER{k}"), format!("LEAVER{k}"));
        t.person(&newcomer, "CN");
        t.person(&leaver, "HK");
        t.wire(&newcomer, "AGENT", (30 + 3 * k) * D + 10 * H, 10_000.0);
        t.wire("LANDLORD", &leaver, (30 + 3 * k) * D + (12 + k % 5) * H, 10_000.0);
    }
}

/// A marketplace's weekly payout run: every Wednesday it pays its sellers, and a new
/// seller joins nearly every run, so its first payments to new payees keep a 7-day
/// interval all year. It is the marketplace's calendar: the sellers it already knew are
/// paid on those days too.
fn payout_run(t: &mut Tiny) {
    for week in 0..26i64 {
        for s in 0..12i64 {
            t.wire(
                "PAYOUTS",
                &format!("SELLER{s}"),
                (week * 7 + 2) * D + (9 + s % 6) * H,
                400.0 + 10.0 * s as f64,
            );
        }
        if week % 9 != 4 {
            t.wire("PAYOUTS", &format!("JOINER{week}"), (week * 7 + 2) * D + 16 * H, 380.0 + week as f64);
        }
    }
    for k in 0..40i64 {
        t.wire("PAYOUTS", "COURIER", (k * 29 % 180) * D + 14 * H, 120.0 + (k % 7) as f64);
    }
}

/// A staffing agency that takes on gig workers on two set weekdays, Tuesdays and
/// Fridays, and pays each one once: every week holds two new payees, on the same two
/// days, all year. Each weekday keeps the other's 7-day interval: the agency's calendar,
/// not a schedule set for one purpose, though it knows none of the payees before.
fn gig_agency(t: &mut Tiny) {
    t.company("AGENCY", "GB");
    for week in 0..30i64 {
        for (n, weekday) in [1i64, 4].into_iter().enumerate() {
            let worker = format!("WORKER{week}-{n}");
            t.person(&worker, "GB");
            t.wire(
                "AGENCY",
                &worker,
                (week * 7 + weekday) * D + 11 * H,
                280.0 + ((week * 2 + n as i64) * 37 % 300) as f64,
            );
        }
    }
}

/// Letting agents: six sole traders each collect three tenants' rent at the start of
/// every month and pay the landlord the rent less their tenth a few days later, to the
/// cent. Six accounts passing on exactly 90% of what they gathered is the shape of a
/// network's relays keeping their cut; the landlord, paid every month, is the agent's
/// business.
pub(crate) fn letting_agents(t: &mut Tiny) {
    for a in 0..6i64 {
        let agent = format!("AGENT{a}");
        t.person(&agent, "GB");
        for m in 0..6i64 {
            let mut rent = 0.0;
            for k in 0..3i64 {
                let amount = (85_000.0 + 4_555.0 * k as f64 + 1_234.0 * a as f64).round() / 100.0;
                rent += amount;
                t.wire(&format!("TENANT{a}-{k}"), &agent, (m * 30 + 1 + k) * D + 9 * H, amount);
            }
            t.wire(&agent, &format!("LANDLORD{a}"), (m * 30 + 6) * D + 10 * H, (rent * 90.0).round() / 100.0);
        }
    }
}

/// A bursary fund: at the start of term a charity pays twenty students their grant, and
/// within days each pays most of it to the university's halls for the term's rent, as
/// the halls' other hundred residents do from their own money. Money from one source
/// through many accounts, each keeping a part, to one target: the shape of a
/// scatter-gather, in a term.
fn bursary(t: &mut Tiny) {
    t.company("BURSARY", "GB");
    t.company("HALLS", "GB");
    for term in 0..2i64 {
        let start = term * 120 + 10;
        for k in 0..100i64 {
            let resident = format!("RESIDENT{k}");
            t.wire(
                &format!("PARENT{k}"),
                &resident,
                (start - 3) * D + k * 600,
                1_500.0 + (k % 9) as f64 * 40.0,
            );
            t.wire(
                &resident,
                "HALLS",
                (start + k % 9) * D + (9 + k % 8) * H,
                1_400.0 + (k % 9) as f64 * 40.0,
            );
        }
        for k in 0..20i64 {
            let student = format!("STUDENT{k}");
            t.wire("BURSARY", &student, start * D + k * 60, 1_800.0);
            t.wire(
                &student,
                "HALLS",
                (start + 1 + k % 6) * D + (10 + k % 7) * H,
                1_400.0 + (k % 5) as f64 * 40.0,
            );
            for s in 0..6i64 {
                t.wire(
                    &student,
                    &format!("SHOP{}", (k + s) % 7),
                    (start + 8 + s * 9) * D + k * 300,
                    25.0 + ((k + s) % 6) as f64 * 7.0,
                );
            }
        }
    }
}

/// A ski-hire shop abroad that opened two months ago: each day a new customer pays once,
/// and in the first, snowy month they hire for longer and pay about twice what they pay
/// in the thaw. Its whole history is one season of strangers.
fn seasonal_shop(t: &mut Tiny) {
    t.company("SKI_HIRE", "AT");
    for day in 0..60i64 {
        let customer = format!("SKIER{day}");
        t.person(&customer, ["DE", "GB", "NL", "FR"][day as usize % 4]);
        let basket = 180.0 + 35.0 * ((day * 7) % 11) as f64;
        let season = if day < 30 { 2.3 } else { 1.0 };
        t.wire(&customer, "SKI_HIRE", (110 + day) * D + (9 + day % 9) * H, basket * season);
    }
}

const LOOK_ALIKES: [LookAlike; 41] = [
    LookAlike { name: "offshore investment fund", build: offshore_fund },
    LookAlike { name: "treasury sweep to an old subsidiary", build: treasury_sweep },
    LookAlike { name: "payroll hub", build: payroll },
    LookAlike { name: "card acquirer", build: card_acquirer },
    LookAlike { name: "licensed remitter", build: licensed_remitter },
    LookAlike { name: "marketplace", build: marketplace },
    LookAlike { name: "periodic bills", build: periodic_bills },
    LookAlike { name: "friends paying each other back", build: friends },
    LookAlike { name: "gift pool", build: gift_pool },
    LookAlike { name: "dividend through a licensed registrar", build: dividend_registrar },
    LookAlike { name: "dividend paid by the company itself", build: dividend_direct },
    LookAlike { name: "crowdfunding campaign", build: crowdfunding },
    LookAlike { name: "subcontractors and household staff paid in rounds", build: daily_subcontractors },
    LookAlike { name: "notary's escrow account on house sales", build: conveyancing_escrow },
    LookAlike { name: "consumer lender", build: consumer_lender },
    LookAlike { name: "rotating savings club", build: savings_club },
    LookAlike { name: "letting agent", build: letting_agent },
    LookAlike { name: "charity sending aid abroad", build: charity_abroad },
    LookAlike { name: "payroll bureau", build: payroll_bureau },
    LookAlike { name: "a group's zero-balancing cash pool", build: cash_pool },
    LookAlike { name: "a household clearing its pay on payday", build: payday_household },
    LookAlike { name: "an executor settling an estate", build: estate_executor },
    LookAlike { name: "wedding gifts", build: wedding_gifts },
    LookAlike { name: "franchise royalties", build: franchise },
    LookAlike { name: "a family passing a gift down for a flat's deposit", build: family_deposit },
    LookAlike { name: "tour operator", build: tour_operator },
    LookAlike { name: "education agent remitting tuition abroad", build: education_agent },
    LookAlike { name: "a block's managing agent", build: managing_agent },
    LookAlike { name: "peer-to-peer lending platform", build: lending_platform },
    LookAlike { name: "market trader paying in takings and buying stock", build: market_trader },
    LookAlike { name: "car dealer", build: car_dealer },
    LookAlike { name: "sole trader's personal account", build: sole_trader },
    LookAlike { name: "a saver's own account offshore", build: own_savings_offshore },
    LookAlike { name: "a petrol station paying in its daily takings", build: petrol_station },
    LookAlike { name: "a master fund and its offshore feeder funds", build: master_feeder },
    LookAlike { name: "deposits of one round sum in two countries", build: round_sum_deposits },
    LookAlike { name: "a marketplace adding new sellers to its weekly payout run", build: payout_run },
    LookAlike { name: "a bursary fund whose students pay their halls", build: bursary },
    LookAlike { name: "a staffing agency paying new gig workers on two set weekdays", build: gig_agency },
    LookAlike { name: "letting agents paying landlords the rent less their tenth", build: letting_agents },
    LookAlike { name: "a ski-hire shop abroad in its first season", build: seasonal_shop },
];

/// Look-alikes a detector still flags, by (look-alike, pattern), each with the reason it
/// is left: a gap on record, not a pass. Anything else flagged fails the test.
const KNOWN_GAPS: [(&str, Pattern, &str); 6] = [
    (
        "dividend paid by the company itself",
        Pattern::FanOut,
        "200 payees the company never paid, in one hour: the shape of a fan-out; nothing yet \
         reads that none of them passes the money on",
    ),
    (
        "crowdfunding campaign",
        Pattern::FanIn,
        "57 first-time senders in a week: the shape of a fan-in, and of scam victims paying a \
         mule; nothing yet tells a campaign from a collection account",
    ),
    (
        "wedding gifts",
        Pattern::FanIn,
        "90 first-time senders over a weekend, twice the couple's usual amounts: the shape of \
         a fan-in, as with the crowdfunding campaign",
    ),
    (
        "tour operator",
        Pattern::FanIn,
        "40 first-time travellers book each tour within two weeks, amounts like its others: \
         the shape of a fan-in, as with the crowdfunding campaign; that the payees it then \
         pays are a hotel and an airline is not in the transfers",
    ),
    (
        "education agent remitting tuition abroad",
        Pattern::FanIn,
        "17 first-time families pay a year's tuition in two weeks before an intake: the \
         shape of a fan-in, as with the crowdfunding campaign",
    ),
    (
        "an executor settling an estate",
        Pattern::FanOut,
        "a lump split among six new payees in an afternoon from an account that exists for \
         it: the shape of a fan-out; that the lump came from selling a house and the payees \
         are heirs is not in the transfers",
    ),
];

/// Every detector's hits on `look_alike`'s world (in its everyday economy), with every
/// amount multiplied by `scale`; read as a bare transfer list (no holders, kinds,
/// countries or licences) when `bare`.
fn hits_at(look_alike: &LookAlike, scale: f64, bare: bool) -> Vec<super::Hit> {
    let mut t = Tiny::new();
    t.economy(2_000.0, 180, 400);
    (look_alike.build)(&mut t);
    let transfers = &mut t.dump.transfers;
    for amount in transfers.amount.iter_mut().chain(transfers.amount_base.iter_mut()) {
        *amount *= scale;
    }
    if bare {
        t.bare();
    }
    t.settled_hits()
}

#[test]
fn no_detector_flags_a_legitimate_look_alike() {
    let mut flagged = Vec::new();
    let mut gaps_seen: Vec<&(&str, Pattern, &str)> = Vec::new();
    for look_alike in &LOOK_ALIKES {
        let hits = hits_at(look_alike, 1.0, false);
        gaps_seen.extend(KNOWN_GAPS.iter().filter(|(name, pattern, _)| {
            *name == look_alike.name && hits.iter().any(|h| h.pattern == *pattern)
        }));
        flagged.extend(
            hits.iter()
                .filter(|h| {
                    !KNOWN_GAPS
                        .iter()
                        .any(|(name, pattern, _)| *name == look_alike.name && *pattern == h.pattern)
                })
                .map(|h| format!("{}: {} ({})", look_alike.name, h.pattern, h.reason)),
        );
    }
    assert!(flagged.is_empty(), "look-alikes flagged:\n{}", flagged.join("\n"));
    // A gap that closed comes off the record, so the record stays true.
    let closed: Vec<_> = KNOWN_GAPS.iter().filter(|gap| !gaps_seen.contains(gap)).collect();
    assert!(closed.is_empty(), "gaps on record that no longer show, take them off: {closed:?}");
}

#[test]
fn look_alikes_read_the_same_at_any_scale() {
    // A world and its everyday economy a hundred times smaller or larger are the same
    // world to every detector that reasons in the dump's own terms: the same patterns
    // fire (only the known gaps) and none other. The reporting thresholds are the law's
    // and absolute, so UB2 may read a scaled world otherwise, and is left out.
    let patterns = |hits: &[super::Hit]| -> std::collections::BTreeSet<Pattern> {
        hits.iter().map(|h| h.pattern).filter(|&p| p != Pattern::Ub2).collect()
    };
    let mut differ = Vec::new();
    for look_alike in &LOOK_ALIKES {
        let at_one = patterns(&hits_at(look_alike, 1.0, false));
        for scale in [0.01, 0.3, 7.0, 100.0] {
            let scaled = patterns(&hits_at(look_alike, scale, false));
            if scaled != at_one {
                differ.push(format!("{} x{scale}: {scaled:?}, at x1 {at_one:?}", look_alike.name));
            }
        }
    }
    assert!(differ.is_empty(), "look-alikes read otherwise at another scale:\n{}", differ.join("\n"));
}

/// Look-alikes a detector flags only in a bare transfer list, where what keeps them
/// quiet (a licence, a holder's kind) is in the tables the dump lacks: the price of
/// minimal data, by (look-alike, pattern, why). The known gaps above show there too.
const BARE_LIST_GAPS: [(&str, Pattern, &str); 5] = [
    ("licensed remitter", Pattern::FanIn, "its licence is in the entities table"),
    ("licensed remitter", Pattern::FanOut, "its correspondent's licence is in the entities table"),
    ("dividend through a licensed registrar", Pattern::FanOut, "its licence is in the entities table"),
    (
        "subcontractors and household staff paid in rounds",
        Pattern::Bipartite,
        "that the payer is a builder and its payees companies is in the entities table",
    ),
    (
        "a master fund and its offshore feeder funds",
        Pattern::ScatterGather,
        "that all five are funds and brokers (business between companies) is in the entities table",
    ),
];

#[test]
fn look_alikes_in_a_bare_transfer_list_flag_only_what_the_missing_tables_explain() {
    // The same worlds with no holders, kinds, countries or licences, at three scales:
    // what still separates them from laundering must be read from the transfers alone.
    // A scaled world may put everyday sums next to a reporting line, which is the law's
    // and does not scale, so UB2 is read at x1 only (as in the scale test above).
    let mut flagged = Vec::new();
    let mut seen: Vec<&(&str, Pattern, &str)> = Vec::new();
    for look_alike in &LOOK_ALIKES {
        for scale in [1.0, 0.01, 100.0] {
            let hits = hits_at(look_alike, scale, true);
            let on_record = |pattern: Pattern| {
                KNOWN_GAPS
                    .iter()
                    .chain(&BARE_LIST_GAPS)
                    .any(|(n, p, _)| *n == look_alike.name && *p == pattern)
            };
            seen.extend(
                BARE_LIST_GAPS
                    .iter()
                    .filter(|(n, p, _)| *n == look_alike.name && hits.iter().any(|h| h.pattern == *p)),
            );
            flagged.extend(
                hits.iter()
                    .filter(|h| !on_record(h.pattern) && (scale == 1.0 || h.pattern != Pattern::Ub2))
                    .map(|h| format!("{} x{scale}: {} ({})", look_alike.name, h.pattern, h.reason)),
            );
        }
    }
    assert!(flagged.is_empty(), "look-alikes flagged in a bare list:\n{}", flagged.join("\n"));
    let closed: Vec<_> = BARE_LIST_GAPS.iter().filter(|gap| !seen.contains(gap)).collect();
    assert!(closed.is_empty(), "bare-list gaps that no longer show, take them off: {closed:?}");
}

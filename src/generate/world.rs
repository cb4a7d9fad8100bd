//! The synthetic world: countries, currencies, daily FX rates, persons, companies, banks
//! and accounts. Everything is drawn from a seeded RNG, so a seed fixes the world.

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::model::{HolderKind, Relation};

pub use crate::units::DAY;

/// A country of the synthetic world.
#[derive(Debug, Clone, Copy)]
pub struct CountryInfo {
    /// ISO code.
    pub code: &'static str,
    /// Index into [`CURRENCIES`].
    pub currency: usize,
    /// Share of the population (persons) living there.
    pub weight: f64,
    /// Offshore financial centre (companies only, no residents).
    pub offshore: bool,
}

/// Currencies and their nominal value in USD.
pub const CURRENCIES: [(&str, f64); 12] = [
    ("USD", 1.0),
    ("CNY", 0.14),
    ("HKD", 0.128),
    ("GBP", 1.27),
    ("EUR", 1.08),
    ("SGD", 0.74),
    ("JPY", 0.0067),
    ("AED", 0.272),
    ("CHF", 1.12),
    ("AUD", 0.66),
    ("CAD", 0.74),
    ("MYR", 0.21),
];

/// The countries: 15 onshore, 10 offshore.
pub const COUNTRIES: [CountryInfo; 25] = [
    CountryInfo { code: "CN", currency: 1, weight: 30.0, offshore: false },
    CountryInfo { code: "US", currency: 0, weight: 12.0, offshore: false },
    CountryInfo { code: "HK", currency: 2, weight: 7.0, offshore: false },
    CountryInfo { code: "GB", currency: 3, weight: 6.0, offshore: false },
    CountryInfo { code: "DE", currency: 4, weight: 6.0, offshore: false },
    CountryInfo { code: "FR", currency: 4, weight: 4.0, offshore: false },
    CountryInfo { code: "SG", currency: 5, weight: 4.0, offshore: false },
    CountryInfo { code: "JP", currency: 6, weight: 5.0, offshore: false },
    CountryInfo { code: "AE", currency: 7, weight: 3.0, offshore: false },
    CountryInfo { code: "CH", currency: 8, weight: 2.0, offshore: false },
    CountryInfo { code: "AU", currency: 9, weight: 3.0, offshore: false },
    CountryInfo { code: "CA", currency: 10, weight: 3.0, offshore: false },
    CountryInfo { code: "NL", currency: 4, weight: 2.0, offshore: false },
    CountryInfo { code: "MY", currency: 11, weight: 3.0, offshore: false },
    CountryInfo { code: "IT", currency: 4, weight: 3.0, offshore: false },
    CountryInfo { code: "VG", currency: 0, weight: 0.0, offshore: true },
    CountryInfo { code: "KY", currency: 0, weight: 0.0, offshore: true },
    CountryInfo { code: "BM", currency: 0, weight: 0.0, offshore: true },
    CountryInfo { code: "PA", currency: 0, weight: 0.0, offshore: true },
    CountryInfo { code: "SC", currency: 0, weight: 0.0, offshore: true },
    CountryInfo { code: "BS", currency: 0, weight: 0.0, offshore: true },
    CountryInfo { code: "MU", currency: 0, weight: 0.0, offshore: true },
    CountryInfo { code: "JE", currency: 3, weight: 0.0, offshore: true },
    CountryInfo { code: "LI", currency: 8, weight: 0.0, offshore: true },
    CountryInfo { code: "WS", currency: 0, weight: 0.0, offshore: true },
];

/// Index of the home country (the one whose investigators run the tool).
pub const HOME: u8 = 0;

/// What a company does; drives its background behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Business {
    /// Sells to the public (card payments).
    Merchant,
    /// Pools card payments for merchants and settles daily.
    Acquirer,
    /// Bills many households monthly.
    Utility,
    /// Trades with other companies.
    Trader,
    /// Exchanges currency for the public.
    FxDealer,
    /// Anything created by a case injector (shells, hubs).
    Special,
}

/// A person or company.
#[derive(Debug, Clone)]
pub struct Entity {
    /// Person or company.
    pub kind: HolderKind,
    /// Display name.
    pub name: String,
    /// Country index.
    pub country: u8,
    /// Incorporation date (companies).
    pub incorporated: Option<i64>,
    /// Registered address.
    pub address: String,
    /// Business line (companies).
    pub business: Option<Business>,
    /// Licence of a regulated money-service business.
    pub licence: Option<String>,
}

/// A bank account.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    /// Holder entity index.
    pub holder: u32,
    /// Country index.
    pub country: u8,
    /// Bank number within the country.
    pub bank: u8,
    /// Opening date.
    pub opened: i64,
}

/// The whole population.
#[derive(Debug, Default)]
pub struct World {
    /// First day (unix seconds, midnight UTC).
    pub start: i64,
    /// Number of days covered.
    pub days: i64,
    /// Entities.
    pub entities: Vec<Entity>,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Entity links.
    pub links: Vec<(u32, u32, Relation)>,
    /// Person accounts per country.
    pub persons: Vec<Vec<u32>>,
    /// Company accounts per business line.
    pub companies: Vec<(Business, Vec<u32>)>,
    /// Daily rate (USD per unit) per currency: `rates[currency][day]`.
    pub rates: Vec<Vec<f64>>,
}

const GIVEN: [&str; 16] = [
    "Wei", "Fang", "Jun", "Li", "Anna", "James", "Maria", "Omar", "Yuki", "Priya", "Lukas", "Chloe",
    "Hassan", "Mei", "Tom", "Sofia",
];
const FAMILY: [&str; 16] = [
    "Wang", "Chen", "Zhang", "Liu", "Smith", "Muller", "Rossi", "Tanaka", "Khan", "Lee", "Martin", "Garcia",
    "Ng", "Tan", "Brown", "Dubois",
];
const WORDS: [&str; 16] = [
    "Golden", "Pacific", "Harbour", "Dragon", "Summit", "Orient", "Silver", "Union", "Eastern", "Pioneer",
    "Crown", "Jade", "Atlas", "Phoenix", "Lotus", "Meridian",
];
const TRADES: [&str; 8] =
    ["Trading", "Holdings", "Logistics", "Industries", "Resources", "Capital", "Technology", "Imports"];
const STREETS: [&str; 8] = [
    "Harbour Road",
    "Main Street",
    "Nanjing Road",
    "King Street",
    "Orchard Road",
    "Queensway",
    "Bahnhofstrasse",
    "Market Street",
];

/// A seeded stream: the same (seed, stream) always gives the same numbers.
pub fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

impl World {
    /// Builds a population sized for `transfers` transfers.
    pub fn build(seed: u64, transfers: usize, start: i64, days: i64, accounts_scale: f64) -> World {
        let mut rng = stream(seed, 1);
        let mut w = World { start, days, ..World::default() };
        w.persons = vec![Vec::new(); COUNTRIES.len()];
        w.rates = fx_paths(&mut rng, days as usize + 1);
        // The same world at every size: a dump ten times larger is ten times the
        // customers, each as busy. (Capped at 2M persons, a 100M dump was one whose
        // accounts were twice as busy as at 10M, so a scale bench measured density
        // and size at once.)
        let persons = ((transfers as f64 / 25.0 * accounts_scale) as usize).max(300);
        let companies = ((transfers as f64 / 250.0 * accounts_scale) as usize).max(80);
        let onshore: Vec<usize> = (0..COUNTRIES.len()).filter(|&c| !COUNTRIES[c].offshore).collect();
        let total_weight: f64 = onshore.iter().map(|&c| COUNTRIES[c].weight).sum();
        let pick_country = |rng: &mut ChaCha8Rng| -> u8 {
            let mut x = rng.random::<f64>() * total_weight;
            for &c in &onshore {
                x -= COUNTRIES[c].weight;
                if x <= 0.0 {
                    return c as u8;
                }
            }
            HOME
        };
        for _ in 0..persons {
            let c = pick_country(&mut rng);
            let a = w.add_person(&mut rng, c);
            w.persons[c as usize].push(a);
        }
        let lines = [
            (Business::Merchant, 0.35),
            (Business::Trader, 0.50),
            (Business::Utility, 0.05),
            (Business::FxDealer, 0.05),
            (Business::Acquirer, 0.05),
        ];
        for (business, share) in lines {
            let n = ((companies as f64 * share) as usize).max(3);
            let mut list = Vec::with_capacity(n);
            for _ in 0..n {
                let c = pick_country(&mut rng);
                let age_years = rng.random_range(2.0..40.0);
                let a = w.add_company(
                    &mut rng,
                    c,
                    start - (age_years * 365.0 * DAY as f64) as i64,
                    business,
                    None,
                );
                list.push(a);
            }
            w.companies.push((business, list));
        }
        w
    }

    /// Adds a person with one account in country `c`; returns the account.
    pub fn add_person(&mut self, rng: &mut ChaCha8Rng, c: u8) -> u32 {
        let name = format!(
            "{} {}",
            GIVEN[rng.random_range(0..GIVEN.len())],
            FAMILY[rng.random_range(0..FAMILY.len())]
        );
        let address = format!("{} {}", rng.random_range(1..300), STREETS[rng.random_range(0..STREETS.len())]);
        let e = self.push_entity(Entity {
            kind: HolderKind::Person,
            name,
            country: c,
            incorporated: None,
            address,
            business: None,
            licence: None,
        });
        let opened = self.start - rng.random_range(30..4000) * DAY;
        self.add_account(rng, e, c, opened)
    }

    /// Adds a company with one account in country `c`; returns the account.
    pub fn add_company(
        &mut self,
        rng: &mut ChaCha8Rng,
        c: u8,
        incorporated: i64,
        business: Business,
        address: Option<String>,
    ) -> u32 {
        let name = format!(
            "{} {} {}",
            WORDS[rng.random_range(0..WORDS.len())],
            TRADES[rng.random_range(0..TRADES.len())],
            if COUNTRIES[c as usize].offshore { "Ltd (BVI-style IBC)" } else { "Co" }
        );
        let address = address.unwrap_or_else(|| {
            format!(
                "{} {}, {}",
                rng.random_range(1..900),
                STREETS[rng.random_range(0..STREETS.len())],
                COUNTRIES[c as usize].code
            )
        });
        let e = self.push_entity(Entity {
            kind: HolderKind::Company,
            name,
            country: c,
            incorporated: Some(incorporated),
            address,
            business: Some(business),
            licence: None,
        });
        let opened = incorporated + rng.random_range(5..60) * DAY;
        self.add_account(rng, e, c, opened)
    }

    /// Adds another account for entity `e`.
    pub fn add_account(&mut self, rng: &mut ChaCha8Rng, e: u32, c: u8, opened: i64) -> u32 {
        self.accounts.push(Account { holder: e, country: c, bank: rng.random_range(1..4), opened });
        (self.accounts.len() - 1) as u32
    }

    fn push_entity(&mut self, e: Entity) -> u32 {
        self.entities.push(e);
        (self.entities.len() - 1) as u32
    }

    /// Accounts of a business line.
    pub fn line(&self, business: Business) -> &[u32] {
        self.companies.iter().find(|(b, _)| *b == business).map(|(_, l)| l.as_slice()).unwrap_or(&[])
    }

    /// Currency index of an account.
    pub fn currency(&self, account: u32) -> usize {
        COUNTRIES[self.accounts[account as usize].country as usize].currency
    }

    /// USD per unit of `currency` on the day of `time`.
    pub fn rate(&self, currency: usize, time: i64) -> f64 {
        let day = ((time - self.start) / DAY).clamp(0, self.days) as usize;
        self.rates[currency][day.min(self.rates[currency].len() - 1)]
    }

    /// A random person account, in `country` when given (falls back to any).
    pub fn person(&self, rng: &mut ChaCha8Rng, country: Option<u8>) -> u32 {
        let c = country.unwrap_or_else(|| {
            let non_empty: Vec<usize> =
                (0..self.persons.len()).filter(|&c| !self.persons[c].is_empty()).collect();
            non_empty[rng.random_range(0..non_empty.len())] as u8
        });
        let list = if self.persons[c as usize].is_empty() {
            &self.persons[HOME as usize]
        } else {
            &self.persons[c as usize]
        };
        list[rng.random_range(0..list.len())]
    }

    /// Whether an account is in an offshore country.
    pub fn offshore(&self, account: u32) -> bool {
        COUNTRIES[self.accounts[account as usize].country as usize].offshore
    }
}

/// Daily FX random walks (USD per unit) around the nominal rates.
fn fx_paths(rng: &mut ChaCha8Rng, days: usize) -> Vec<Vec<f64>> {
    CURRENCIES
        .iter()
        .map(|&(code, nominal)| {
            let mut r = nominal;
            (0..days)
                .map(|_| {
                    if code != "USD" {
                        r *= 1.0 + rng.random_range(-0.004..0.004);
                    }
                    r
                })
                .collect()
        })
        .collect()
}

/// Index of an offshore country by code.
pub fn country_index(code: &str) -> u8 {
    COUNTRIES.iter().position(|c| c.code == code).unwrap_or(0) as u8
}

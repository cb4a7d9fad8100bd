//! Tiny hand-built dumps for detector unit tests.

use crate::config::Config;
use crate::graph::FlowGraph;
use crate::model::{Channel, Country, Dump, EntityLink, HolderKind, Relation};

/// A dump built row by row in code.
pub struct Tiny {
    /// The dump so far.
    pub dump: Dump,
    /// Config used to build the graph.
    pub config: Config,
}

/// One hour in seconds.
pub const H: i64 = crate::units::HOUR;
/// One day in seconds.
pub const D: i64 = crate::units::DAY;

impl Tiny {
    /// Empty dump with the default config and an accounts table.
    pub fn new() -> Tiny {
        let mut dump = Dump::default();
        dump.availability.accounts = true;
        dump.availability.entities = true;
        dump.currencies = vec![crate::model::Currency::parse("USD").unwrap()];
        Tiny { dump, config: Config::default_config().unwrap() }
    }

    /// Adds (or updates) an account with its holder, country and holder kind.
    pub fn account(&mut self, id: &str, holder: &str, country: &str, kind: HolderKind) -> u32 {
        let a = self.dump.accounts.intern(id);
        let h = self.dump.holders.intern(holder);
        self.dump.holders.kind[h as usize] = kind;
        let ai = a as usize;
        self.dump.accounts.holder[ai] = Some(h);
        self.dump.accounts.country[ai] = Country::parse(country);
        self.dump.accounts.listed[ai] = true;
        a
    }

    /// A person's account in `country`, holder named after the account.
    pub fn person(&mut self, id: &str, country: &str) -> u32 {
        self.account(id, &format!("h-{id}"), country, HolderKind::Person)
    }

    /// A company's account in `country`, holder named after the account.
    pub fn company(&mut self, id: &str, country: &str) -> u32 {
        self.account(id, &format!("h-{id}"), country, HolderKind::Company)
    }

    /// Links two holders.
    pub fn link(&mut self, holder_a: &str, holder_b: &str) {
        let a = self.dump.holders.intern(holder_a);
        let b = self.dump.holders.intern(holder_b);
        self.dump.links.push(EntityLink { a, b, relation: Relation::Shareholder });
    }

    /// A wire transfer of `amount` USD at `time` seconds.
    pub fn wire(&mut self, src: &str, dst: &str, time: i64, amount: f64) {
        self.send(src, dst, time, amount, Channel::Wire);
    }

    /// A transfer on any channel.
    pub fn send(&mut self, src: &str, dst: &str, time: i64, amount: f64, channel: Channel) {
        let s = self.dump.accounts.intern(src);
        let d = self.dump.accounts.intern(dst);
        let t = &mut self.dump.transfers;
        // Ids of digits, in row order: transfers at the same time stay in the order
        // they were sent in ([`crate::model::TransferTable::time_order`]).
        let id = t.len().to_string();
        t.ids.push(&id);
        t.time.push(time);
        t.src.push(s);
        t.dst.push(d);
        t.amount.push(amount);
        t.currency.push(0);
        t.amount_base.push(amount);
        t.channel.push(channel);
    }

    /// Reverses the order of the transfer rows (ids stay in place): detectors must not
    /// depend on input order.
    pub fn reverse_rows(&mut self) {
        let tr = &mut self.dump.transfers;
        tr.time.reverse();
        tr.src.reverse();
        tr.dst.reverse();
        tr.amount.reverse();
        tr.currency.reverse();
        tr.amount_base.reverse();
        tr.channel.reverse();
    }

    /// `count` background transfers among `people` ordinary accounts `N0..`, spread over
    /// `days`, a mix of small wires and card purchases at a few shops: the noise that
    /// property tests inject a pattern into.
    pub fn noise(&mut self, seed: u64, people: usize, count: usize, days: i64) {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..count {
            let a = rng.random_range(0..people);
            let t = rng.random_range(0..days * D);
            if rng.random::<f64>() < 0.4 {
                let shop = rng.random_range(0..3);
                self.send(
                    &format!("N{a}"),
                    &format!("SHOP{shop}"),
                    t,
                    rng.random_range(5.0..200.0),
                    Channel::Card,
                );
            } else {
                let b = rng.random_range(0..people);
                if a != b {
                    self.wire(&format!("N{a}"), &format!("N{b}"), t, rng.random_range(10.0..2_000.0));
                }
            }
        }
    }

    /// Persons `names` with everyday history: each pays a shop and is paid by an
    /// employer 50 to 150, six times each over 150 days (shops and employers are busy,
    /// so never members of a layer).
    pub fn everyday_lives(&mut self, names: &[String]) {
        for (i, n) in names.iter().enumerate() {
            for k in 0..6i64 {
                let day = (k * 25 + i as i64) % 150;
                self.wire(
                    n,
                    &format!("SHOP{}", (i + k as usize) % 5),
                    day * D + 9 * H,
                    50.0 + 20.0 * k as f64,
                );
                self.wire(&format!("EMPLOYER{}", i % 5), n, day * D + 15 * H, 55.0 + 19.0 * k as f64);
            }
        }
    }

    /// Every one of `from` pays every one of `to` `amount` (plus one for each transfer
    /// before it) from `day` on, two hours apart: a layer within a day, every member
    /// with [`Tiny::everyday_lives`].
    pub fn everyday_layer(&mut self, from: &[String], to: &[String], day: i64, amount: f64) {
        self.everyday_lives(from);
        self.everyday_lives(to);
        let mut k = 0;
        for a in from {
            for b in to {
                self.wire(a, b, day * D + k * 2 * H, amount + k as f64);
                k += 1;
            }
        }
    }

    /// A 150-day dump of thirty pairs of neighbours (flatmates, colleagues), pair `g`
    /// (`G{g}S0`, `G{g}S1`) paying the same two others (`G{g}R0`, `G{g}R1`) `amount`
    /// within a day from day `3 + 4g`: the everyday layers every real dump holds.
    pub fn neighbourhood(amount: f64) -> Tiny {
        let mut t = Tiny::new();
        t.span(150);
        let pair = |tag: String| [format!("{tag}0"), format!("{tag}1")];
        for g in 0..30 {
            t.everyday_layer(&pair(format!("G{g}S")), &pair(format!("G{g}R")), 3 + g * 4, amount);
        }
        t
    }

    /// The everyday economy around a case: `count` wires from ten payers `E0..` to ten
    /// payees `F0..` over `days`, of 0.5 to 1.5 times `median`, so that the dump's amount
    /// distribution (against which every amount floor is stated) has its median near
    /// `median` whatever the case moves. Payees never pay, so the economy forms no
    /// cycle, chain or fan of its own.
    pub fn economy(&mut self, median: f64, days: i64, count: i64) {
        for k in 0..count {
            let amount = median * (0.5 + (k % 11) as f64 / 10.0);
            self.wire(
                &format!("E{}", k % 10),
                &format!("F{}", (k * 3 + k / 10) % 10),
                k * days * D / count,
                amount,
            );
        }
    }

    /// The dump as a bare transfer list: no account names a holder (so no kind, link or
    /// licence reaches it) or a country, as when the accounts and entities tables are
    /// missing.
    pub fn bare(&mut self) {
        self.dump.accounts.holder.iter_mut().for_each(|h| *h = None);
        self.dump.accounts.country.iter_mut().for_each(|c| *c = None);
        self.dump.availability.accounts = false;
        self.dump.availability.entities = false;
    }

    /// Two tiny transfers between bystanders on day 0 and day `days`: the dump then
    /// covers that period, as a real dump covers months around any burst.
    pub fn span(&mut self, days: i64) {
        self.wire("BYSTANDER1", "BYSTANDER2", 0, 1.0);
        self.wire("BYSTANDER1", "BYSTANDER2", days * D, 1.0);
    }

    /// `payer`'s standing orders: two regulars (`{payer}-ORDER0` and `-ORDER1`) paid in
    /// turn at 08:00 on day `weekday` of the epoch's week (5 is a Tuesday) for `weeks`
    /// weeks, 300 to 699 times `scale`, the amount varied by the week and by `index`
    /// (which household of many it is).
    pub fn standing_orders(&mut self, payer: &str, index: i64, weekday: i64, weeks: i64, scale: f64) {
        for week in 0..weeks {
            let at = (week * 7 + weekday) * D + 8 * H;
            self.wire(
                payer,
                &format!("{payer}-ORDER{}", week % 2),
                at,
                scale * (300.0 + ((index * 7 + week * 13) % 400) as f64),
            );
        }
    }

    /// `payer` (the `index`th household of many) paying off its standing orders on day
    /// `weekday` ([`Tiny::standing_orders`]) on `breaks` days spread over 290, keeping no
    /// interval and never on `weekday`, at 18:00: the `k`th to `payee(k)`, `amount(k)`.
    pub fn breaks_its_rhythm(
        &mut self,
        payer: &str,
        (index, weekday): (i64, i64),
        breaks: i64,
        payee: impl Fn(i64) -> String,
        amount: impl Fn(i64) -> f64,
    ) {
        for k in 0..breaks {
            let day = 8 + (280 * k) / breaks.max(1) + (k * k + index) % 5;
            let day = if (day - weekday) % 7 == 0 { day + 1 } else { day };
            self.wire(payer, &payee(k), day * D + 18 * H, amount(k));
        }
    }

    /// The graph of the dump so far.
    pub fn graph(&self) -> FlowGraph {
        FlowGraph::build(&self.dump, &self.config)
    }

    /// Hits of `detector` on the dump so far.
    pub fn hits(&self, detector: &dyn crate::detect::Detector) -> Vec<crate::detect::Hit> {
        let g = self.graph();
        let ctx = crate::detect::Context::new(&g, &self.dump, &self.config);
        detector.run(&ctx).hits
    }

    /// The hits that stand once every detector ran and the hits were settled, as
    /// `analyze` finds them.
    pub fn settled_hits(&self) -> Vec<crate::detect::Hit> {
        let g = self.graph();
        let ctx = crate::detect::Context::new(&g, &self.dump, &self.config);
        crate::detect::run_all(&ctx, &crate::detect::registry(), &crate::progress::Silent).0
    }
}

/// A world of `transfers` over `days` from the generator (`cases` of each pattern, or
/// its default), written to a temporary folder and loaded as `analyze` loads a dump:
/// the folder (kept while the world is used) and the loaded dump and graph.
pub fn generated_world(
    transfers: usize,
    days: i64,
    seed: u64,
    cases: Option<usize>,
) -> (tempfile::TempDir, crate::analyze::Loaded) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let gen = crate::generate::Options {
        out: dir.path().join("dump"),
        transfers,
        seed,
        format: crate::generate::OutFormat::Csv,
        start: 1_704_067_200,
        days,
        cases_per_pattern: cases,
        layout: crate::generate::Layout::Native,
        amount_scale: 1.0,
        accounts_scale: 1.0,
    };
    crate::generate::generate(&gen, &crate::progress::Silent).expect("a generated world");
    let opts = crate::analyze::Options {
        dump: gen.out.clone(),
        out: dir.path().join("out"),
        strict: false,
        max_reject_ratio: 0.01,
        preset: None,
        report: false,
        excel: false,
        goaml: None,
        rejects_file: "rejects.csv",
        partition_window: None,
        part_runner: None,
    };
    let config = Config::default_config().expect("the default configuration");
    let loaded = crate::analyze::load(&opts, &config, &crate::progress::Silent).expect("the world loads");
    (dir, loaded)
}

/// Asserts that what `d` keeps of one search of a generated world (`seed`) for chance
/// budgets up to 64 times those of the default configuration with `overrides`
/// ([`crate::detect::Detector::search_graded`]) gives, under 1, 8 and 64 times, the
/// hits and notes a search under each gives; that the widest finds more than the
/// configured; and that a wider one is not read there.
pub fn graded_as_searched(d: &dyn crate::detect::Detector, seed: u64, overrides: &str) {
    use crate::detect::Context;
    let (_dir, loaded) = generated_world(30_000, 120, seed, Some(4));
    let (g, dump) = (&loaded.graph, &loaded.dump);
    let config = Config::with_overrides(overrides, "test").expect("a valid configuration");
    let kept =
        d.search_graded(&Context::new(g, dump, &config), 64.0).expect("a detector that keeps its candidates");
    let mut found = Vec::new();
    for times in [1.0, 8.0, 64.0] {
        let wide = config.with_chance_budgets_times(times);
        let ctx = Context::new(g, dump, &wide);
        let searched = d.run(&ctx);
        let read = kept.at(&ctx).expect("a budget within the one searched for");
        assert_eq!(read.hits, searched.hits, "{times}x");
        assert_eq!(read.notes, searched.notes, "{times}x");
        found.push(searched.hits.len());
    }
    assert!(found[0] < found[2], "{found:?}");
    let wider = config.with_chance_budgets_times(65.0);
    assert!(kept.at(&Context::new(g, dump, &wider)).is_none());
}

/// Forty households pay their rent (900) on the first of each month for three
/// months, and a till `till_sum(i)` on two days a week each; the till settles what
/// it took to three merchants the next morning. Every transfer is a plain wire, as
/// in a dump without channels: a card acquirer's shape (UB1's and UB4's look-alike).
pub fn a_till_without_channels(till_sum: impl Fn(i64) -> f64) -> Tiny {
    let mut t = Tiny::new();
    t.span(90);
    let mut takings = vec![0.0; 90];
    for i in 0..40i64 {
        let p = format!("C{i}");
        for month in 0..3i64 {
            t.wire(&p, &format!("LANDLORD{}", i % 7), month * 30 * D + 9 * H, 900.0);
        }
        for week in 0..12i64 {
            for day in [week * 7 + i % 5, week * 7 + 2 + i % 4] {
                t.wire(&p, "TILL", day * D + 12 * H + i * 60, till_sum(i));
                takings[day as usize] += till_sum(i);
            }
        }
    }
    for (day, &taken) in takings.iter().enumerate().filter(|(_, &taken)| taken > 0.0) {
        for m in 0..3i64 {
            t.wire("TILL", &format!("MERCHANT{m}"), (day as i64 + 1) * D + 6 * H, taken / 3.0);
        }
    }
    t
}

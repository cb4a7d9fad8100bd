//! How likely a path of transfers is as a coincidence of the dump's everyday traffic.
//!
//! In a busy dump, money that happens to move on from account to account, a little
//! smaller each time, is everyday: payments chain by chance. Every hop after the first
//! gets a chance: that its account, sending at its own average rate over the dump,
//! would send anything that soon ([`Scale::chance_between`]), times the share of the
//! dump's transfers whose amount falls in the band the hop had to hit
//! ([`Scale::share_between`]). The path's chance is the product; times the transfers in
//! the dump it is the number of such paths expected by chance, which detectors compare
//! with their `expected_by_chance`.
//!
//!
//! A burst (many transfers of one account within a window) gets the Poisson chance of
//! that many at the account's own rate, times the number of windows in its history:
//! [`burst_chance`].
//!
//! [`Scale::chance_between`]: crate::graph::scale::Scale::chance_between
//! [`Scale::share_between`]: crate::graph::scale::Scale::share_between

use rayon::prelude::*;

use crate::graph::FlowGraph;

/// The chance of `path` (transfers in order), where `band(first, previous)` is the
/// range of amounts a hop had to carry given the first hop's and the previous hop's.
/// `searched` is how long after the previous hop a search looked for the next one:
/// when it looked that far along every branch and kept the longest path, every send in
/// that time could have continued it, so the hop's term is the sends its account makes
/// in that time, each landing in the band at the dump's share (at most one): a busy
/// account that sends a dozen payments a week offers a walk a dozen ways on. `None`
/// takes each hop's own delay and the chance that anything was sent in it (a search that
/// must also close a loop). `unit` gives the unit a transfer's amount is written to, in
/// the base currency (0 for none): a band is read as wide as the rounding of its two
/// amounts.
pub fn path_chance(
    g: &FlowGraph,
    path: &[u32],
    searched: Option<i64>,
    band: impl Fn(f64, f64) -> (f64, f64),
    unit: impl Fn(u32) -> f64,
) -> f64 {
    band_shares(g, path, band, unit)
        .map(|(prev, e, in_band, _)| {
            let sent = g.sent_over_dump(g.src[e]);
            match searched {
                Some(searched) => (g.scale.expected_within(sent, searched) * in_band).min(1.0),
                None => g.scale.chance_between(sent, g.time[prev], g.time[e]) * in_band,
            }
        })
        .product()
}

/// [`path_chance`] of a search that must close a loop (`searched` None), each hop's
/// band read at least as often as its payer pays sums in it: the share of its other
/// payments over the dump in the band ([`FlowGraph::payment_sizes`]), two drawn from the
/// dump's amounts beside them, when more than the dump's share. A trader whose invoices
/// run from a few thousand to a hundred thousand lands in a band of thirty to sixty
/// thousand a third of the time, however rare such sums are among the dump's
/// households; a mule that never paid more than a few hundred lands there as rarely as
/// the dump does.
pub fn path_chance_by_payers(
    g: &FlowGraph,
    path: &[u32],
    band: impl Fn(f64, f64) -> (f64, f64),
    unit: impl Fn(u32) -> f64,
) -> f64 {
    band_shares(g, path, band, unit)
        .map(|(prev, e, dump, (lo, hi))| {
            // The hop itself is one of its payer's payments in the band: the others say
            // how often it pays such sums.
            let sizes = g.payment_sizes(g.src[e]);
            let others = sizes.made().saturating_sub(1);
            let in_band = (sizes.within(lo, hi) - 1.0).max(0.0);
            let own = (in_band + 2.0 * dump) / (others + 2) as f64;
            let sent = g.sent_over_dump(g.src[e]);
            g.scale.chance_between(sent, g.time[prev], g.time[e]) * dump.max(own)
        })
        .product()
}

/// The chance of `path`'s amounts alone, for a dump without times: over its hops after
/// the first, the share of the dump's amounts in the band each had to hit (as
/// [`path_chance`] weighs them), any payment its account made being one that might have
/// come next.
pub fn amounts_chance(
    g: &FlowGraph,
    path: &[u32],
    band: impl Fn(f64, f64) -> (f64, f64),
    unit: impl Fn(u32) -> f64,
) -> f64 {
    band_shares(g, path, band, unit).map(|(_, _, in_band, _)| in_band).product()
}

/// Per hop of `path` after the first: the previous hop, the hop, the share of the
/// dump's amounts in the band it had to hit, and that band: `band(first, previous)`,
/// widened by the two amounts' rounding (`unit`: the unit a transfer's amount is written
/// to, in the base currency). Two amounts written to whole units are 7 and 7 whether
/// they were 6.54 and 7.15 or 6.98 and 7.02, so a band narrower than the unit holds
/// every amount rounded into it, and the dump's amounts near it are as likely to have
/// landed there.
fn band_shares<'a>(
    g: &'a FlowGraph,
    path: &'a [u32],
    band: impl Fn(f64, f64) -> (f64, f64) + 'a,
    unit: impl Fn(u32) -> f64 + 'a,
) -> impl Iterator<Item = (usize, usize, f64, (f64, f64))> + 'a {
    let first = path.first().map_or(0.0, |&e| g.amount[e as usize]);
    path.windows(2).map(move |w| {
        let (prev, e) = (w[0] as usize, w[1] as usize);
        let (lo, hi) = band(first, g.amount[prev]);
        let rounding = (unit(w[0]) + unit(w[1])) / 2.0;
        let (lo, hi) = (lo - rounding, hi + rounding);
        (prev, e, g.scale.share_between(lo, hi), (lo, hi))
    })
}

/// The finest agreement between two amounts that a chance counts: a tenth of a percent,
/// what rounding amounts to cents or units leaves of an exact sum.
pub const AMOUNT_RESOLUTION: f64 = 0.001;

/// How likely the amounts of `path` (a cycle, money that comes back) came as close to
/// each other as they did, within the bands [`path_chance`] weighs them by: the factor
/// that chance takes on for amounts that carry on. Within the band a hop had to hit, an
/// everyday payment that happens to chain on lands anywhere the dump's amounts lie;
/// money passed on less a fee lands next to what came in. Each hop's closeness is the
/// share of the band's amounts at least that close to the previous hop's (no closer
/// than [`AMOUNT_RESOLUTION`] counts, nor than the two amounts' rounding: `unit` gives
/// the unit a transfer's amount is written to, in the base currency, 0 for none), and
/// the hops' closenesses count together as
/// [`product_chance`] does, since a search lets the closeness fall on any hop. Only
/// payments to a payee their payer pays once count: a habit's amount follows the habit.
/// At most 1: a cycle is never less likely for its amounts agreeing.
pub fn closeness_chance(
    g: &FlowGraph,
    path: &[u32],
    band: impl Fn(f64, f64) -> (f64, f64),
    unit: impl Fn(u32) -> f64,
) -> f64 {
    let Some(&first) = path.first() else { return 1.0 };
    let first = g.amount[first as usize];
    let (mut closeness, mut counted) = (1.0f64, 0usize);
    for w in path.windows(2) {
        let (prev, e) = (w[0] as usize, w[1] as usize);
        // A payee its payer pays again and again (a relative, a landlord) is paid what
        // the habit is, whatever came in.
        if g.payments_over_dump(g.src[e], g.dst[e]) > 1 {
            continue;
        }
        counted += 1;
        let previous = g.amount[prev];
        // Amounts written to a unit agree to within it by rounding alone: two 7s of a dump
        // in whole units are no closer than 6.6 and 7.4 were.
        let rounding = (unit(w[1]) + unit(w[0])) / 2.0;
        let spread = ((g.amount[e] - previous).abs().max(rounding) / previous).max(AMOUNT_RESOLUTION);
        let close = g
            .scale
            .share_within((previous * (1.0 - spread), previous * (1.0 + spread)), band(first, previous));
        // The amounts' distribution is known to a per mille of the dump, no finer.
        closeness *= close.max(AMOUNT_RESOLUTION);
    }
    product_chance(closeness, counted, 1.0)
}

/// The chance that a payment `w` makes goes to `v` by habit or by trade: the share of
/// `w`'s payments that go to `v` (one in all of them for a payee it pays once), or, when
/// more, `popular`: [`popularity`] of `v` apart from the pattern under test, measured once
/// by the caller for all the payers it asks about. A landlord or a shop `w` pays every
/// month is habit; a big importer most of the market pays is trade; a stranger a quiet
/// account pays once is neither.
pub fn pairing_chance(g: &FlowGraph, w: u32, v: u32, popular: f64) -> f64 {
    let to_v = g.payments_over_dump(w, v);
    (to_v as f64 / g.sent_over_dump(w).max(1) as f64).max(popular)
}

/// The share of the dump's active accounts that pay `v` at all, counting the accounts of
/// the pattern under test (`pattern`) as one: the chance that a payment made without a
/// habit to go on lands on `v`. A target its mules pay is not popular for being paid by
/// them, but one payer there was.
pub fn popularity(g: &FlowGraph, v: u32, pattern: &[u32]) -> f64 {
    share_beside_pattern(g, g.payer_count_over_dump(v), pattern, |p| g.ever_paid(p, v))
}

/// Payer lists a peer count may merge before it gives up and reads `w`'s peers as the
/// dump (a household that shops where everybody shops has everybody for a peer).
const PEER_PAYER_BUDGET: usize = 1 << 16;

/// The chance that a payment of `w`'s made without a habit to go on lands on `v`, read
/// among `w`'s peers, the accounts that pay any of the payees `w` pays besides `v` (the
/// pattern's accounts left out on both sides): the share of them that pay `v` too,
/// drawn towards `v`'s [`popularity`] in the whole dump by as much evidence as one payer
/// of `v` would be, and never below it. Trading companies buy from the same suppliers and
/// from each other, so a supplier most of a trader's peers pay is no stranger to it,
/// however few of the dump's households pay it; a household shops where everybody shops,
/// so its peers are the dump and this is `v`'s popularity.
pub fn popularity_among_peers(g: &FlowGraph, w: u32, v: u32, pattern: &[u32]) -> f64 {
    peers_beside(g, w, v, pattern, popularity(g, v, pattern))
}

/// [`popularity_among_peers`] with `v`'s [`popularity`] beside `pattern` given, measured
/// once by a caller that asks about several payers.
pub fn peers_beside(g: &FlowGraph, w: u32, v: u32, pattern: &[u32], everywhere: f64) -> f64 {
    let mut left_out = pattern.to_vec();
    left_out.extend([w, v]);
    left_out.sort_unstable();
    left_out.dedup();
    let outside = |a: &u32| left_out.binary_search(a).is_err();
    let payees = g.payees_over_dump(w);
    let mut merged = 0usize;
    for x in payees.iter().filter(|x| outside(x)) {
        merged += g.payer_count_over_dump(*x);
        if merged > PEER_PAYER_BUDGET {
            return everywhere;
        }
    }
    let mut peers = Vec::with_capacity(merged);
    for x in payees.iter().filter(|x| outside(x)) {
        peers.extend(g.payers_over_dump(*x).iter().copied().filter(|p| outside(p)));
    }
    peers.sort_unstable();
    peers.dedup();
    let paying_v = g.payers_over_dump(v).iter().filter(|p| peers.binary_search(p).is_ok()).count();
    // A beta prior at `v`'s popularity worth one payer: a few peers prove nothing.
    let among_peers = (paying_v as f64 + 1.0) / (peers.len() as f64 + 1.0 / everywhere);
    // A chance: at most certain, even where the dump's popularity is read past it (a
    // dump whose every account pays `v`).
    among_peers.max(everywhere).min(1.0)
}

/// `(others + 1) / active accounts`, the others being an account's `all` counterparties
/// less the pattern's accounts that `dealt` says are among them, each once (a popular
/// account's counterparties are many, a pattern's accounts few).
fn share_beside_pattern(g: &FlowGraph, all: usize, pattern: &[u32], dealt: impl Fn(u32) -> bool) -> f64 {
    let mut members = pattern.to_vec();
    members.sort_unstable();
    members.dedup();
    let dealt = members.into_iter().filter(|&p| dealt(p)).count();
    (all - dealt + 1) as f64 / g.scale.active_accounts.max(1) as f64
}

/// The share of the dump's active accounts that `w` pays at all, counting the accounts
/// of the pattern under test (`pattern`) as one: the chance that a receipt taken without
/// a habit to go on comes from `w` ([`popularity`] the other way). An employer pays
/// most of a town; a stranger's mule pays a handful.
pub fn popularity_as_payer(g: &FlowGraph, w: u32, pattern: &[u32]) -> f64 {
    share_beside_pattern(g, g.payees_over_dump(w).len(), pattern, |p| g.ever_paid(w, p))
}

/// The most likely chance a path may have to be reported: `expected` such paths by
/// chance among the dump's transfers.
pub fn most_likely(g: &FlowGraph, expected: f64) -> f64 {
    expected / g.transfers_over_dump().max(1) as f64
}

/// How many bursts of `count` transfers or more within one window would be expected by
/// chance over an account's history of `windows` windows of that length, when it makes
/// `expected` transfers per window on average: `windows` times the Poisson chance of at
/// least `count` in one window. A scan that keeps an account's densest window is bound
/// to find one well above its average; this says whether the one it found is more than
/// that (at most 1: not even one such window expected in its whole history).
pub fn burst_chance(count: usize, expected: f64, windows: f64) -> f64 {
    windows.max(1.0) * poisson_tail(count, expected)
}

/// The chance that, of `first + then` transfers in random order, every one of the
/// `first` comes before every one of the `then`: one in `C(first + then, first)`. An
/// account whose whole life is receipts and then payments, with nothing in between, is
/// that unlikely to have lived so by accident.
pub fn order_chance(first: usize, then: usize) -> f64 {
    // C(n, k) as a product of k ratios, each at least one, so no factorial overflows.
    let k = first.min(then);
    1.0 / (1..=k).map(|j| (first + then - k + j) as f64 / j as f64).product::<f64>()
}

/// The chance that, of `receipts + payments` transfers in random order, the `payments`
/// come one after another with at least `before` of the receipts ahead of them (the
/// rest after): `(receipts - before + 1)` places for the block, of `C(receipts +
/// payments, payments)` orders. With every receipt ahead, [`order_chance`].
pub fn block_chance(receipts: usize, payments: usize, before: usize) -> f64 {
    (receipts.saturating_sub(before) + 1) as f64 * order_chance(receipts, payments)
}

/// How many ways there are to choose `k` of `n`, `C(n, k)`, as a float (no factorial
/// overflows): what a search that keeps the largest agreeing subset of its candidates
/// must count as tried.
pub fn subsets(n: usize, k: usize) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    (1..=k).map(|j| (n - k + j) as f64 / j as f64).product()
}

/// How many chains of `factors` chances, each drawn uniformly below its own bound
/// (the bounds multiplying to `bound`), would by chance multiply to `product` or less:
/// `product · Σ_{j<factors} ln(bound / product)^j / j!`. A search that keeps any chain
/// whose product is small enough lets the evidence fall anywhere along it: one very
/// unlikely hop among ordinary ones passes as well as many a little unlikely, so the
/// product of `factors` chances is far likelier than its value (twenty hops of one
/// half each make one in a million, yet nine chains in ten of twenty ordinary hops are
/// that unlikely). At most `bound`.
pub fn product_chance(product: f64, factors: usize, bound: f64) -> f64 {
    if product <= 0.0 {
        return 0.0;
    }
    if product >= bound || factors == 0 {
        return product.min(bound);
    }
    let spread = (bound / product).ln();
    let (mut term, mut sum) = (1.0f64, 0.0f64);
    for j in 0..factors {
        if j > 0 {
            term *= spread / j as f64;
        }
        sum += term;
    }
    (product * sum).min(bound)
}

/// How many complete bipartite layers of a shape the dump's everyday traffic would form
/// by chance: `sources` accounts each opening a relationship with every one of `sinks`
/// accounts, all within a span. The model is the configuration model of new
/// relationships: an account opens new payees at its own rate over the dump (its
/// distinct payees over the dump's span), gains new payers at its own, and each new
/// relationship pairs a payer and a payee drawn in proportion to those rates. The
/// expected count of such layers in one span is `e_s(m^t) · e_t(k^s) / N^(st)`, with
/// `m` the payers' and `k` the payees' new relationships per span and `N` the dump's;
/// each `e` is bounded by `(Σ)^n / n!`, so the count errs on the side of chance. A dense
/// dump of busy accounts makes two by two layers every week; a quiet one, hardly ever.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerChance {
    /// `ln Σ d^j` over the payers, for `j` in `0..=POWERS`, `d` each one's distinct payees.
    payers: Vec<f64>,
    /// The same over the payees, `d` each one's distinct payers.
    payees: Vec<f64>,
    /// `ln` of the largest `d` of payers and of payees: the bound beyond `POWERS`.
    largest: (f64, f64),
    /// `ln` of the dump's distinct (payer, payee) pairs.
    pairs: f64,
    /// The dump's span, seconds.
    span: f64,
}

impl LayerChance {
    /// Powers measured exactly; above, each further power is bounded by the largest `d`.
    const POWERS: usize = 32;

    /// Measures the model from the distinct payees of every payer that may be a source
    /// (`payers`), the distinct payers of every payee that may be a sink (`payees`), the
    /// dump's distinct pairs and its span in seconds.
    pub fn measure(payers: &[usize], payees: &[usize], pairs: usize, span: i64) -> LayerChance {
        let powers = |ds: &[usize]| -> (Vec<f64>, f64) {
            let largest = ds.iter().copied().max().unwrap_or(0).max(1) as f64;
            // ln Σ d^j = j ln(largest) + ln Σ (d / largest)^j: no power overflows. Each
            // power is summed on its own, in account order (the same bits for any thread
            // count), the powers on every thread: one pass of 33 powers over every
            // account was one thread's work at a time.
            let sums = (0..=Self::POWERS)
                .into_par_iter()
                .map(|j| {
                    let sum: f64 = ds.iter().map(|&d| (d as f64 / largest).powi(j as i32)).sum();
                    j as f64 * largest.ln() + sum.max(f64::MIN_POSITIVE).ln()
                })
                .collect();
            (sums, largest.ln())
        };
        let ((payers, out_largest), (payees, in_largest)) = (powers(payers), powers(payees));
        LayerChance {
            payers,
            payees,
            largest: (out_largest, in_largest),
            pairs: (pairs.max(1) as f64).ln(),
            span: span.max(1) as f64,
        }
    }

    /// Layers of `sources` by `sinks` accounts whose relationships all open within
    /// `within` seconds that the dump would hold by chance, over all its spans that long.
    pub fn expected(&self, sources: usize, sinks: usize, within: i64) -> f64 {
        let power = |sums: &[f64], largest: f64, j: usize| {
            let k = j.min(Self::POWERS);
            sums[k] + (j - k) as f64 * largest
        };
        let (s, t) = (sources as f64, sinks as f64);
        let share = (within.max(1) as f64 / self.span).min(1.0);
        let ln_factorial = |n: usize| (2..=n).map(|k| (k as f64).ln()).sum::<f64>();
        let ln = s * power(&self.payers, self.largest.0, sinks) - ln_factorial(sources)
            + t * power(&self.payees, self.largest.1, sources)
            - ln_factorial(sinks)
            + s * t * (share.ln() - self.pairs)
            + (1.0 / share).ln();
        ln.exp()
    }
}

/// The rate at which one account's trials land where a test looks, read from its own
/// history (`hits` of `of` trials, none of them the ones tested) against the dump's
/// `rate`: two trials at the dump's rate are added, so a short history says little and
/// an empty one says the dump's rate; and never below the dump's rate, so a history
/// may make what an account does ordinary for it, never remarkable. A payee whose
/// customers send sums of a threshold's size all year is read against that habit.
pub fn own_rate_at_least(hits: usize, of: usize, rate: f64) -> f64 {
    ((hits as f64 + 2.0 * rate) / (of as f64 + 2.0)).max(rate)
}

/// P(X >= k) for X ~ Binomial(n, p).
pub fn binomial_tail(n: usize, k: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    if p <= 0.0 || k > n {
        return 0.0;
    }
    // ln C(n, i) by its recurrence, one logarithm a term: summed afresh for every term it
    // took n²/4 logarithms a call, a sixth of the fan motifs' time at 100M transfers.
    let (ln_p, ln_q) = (p.ln(), (1.0 - p).ln());
    let mut ln_choose = 0.0;
    let mut tail = 0.0;
    for i in 1..=n {
        ln_choose += ((n - i + 1) as f64 / i as f64).ln();
        if i >= k {
            tail += (ln_choose + i as f64 * ln_p + (n - i) as f64 * ln_q).exp();
        }
    }
    f64::min(tail, 1.0)
}

/// P(U >= u) for the Mann–Whitney count `U` (pairs of one of `n` values above one of
/// `m` others) when the `n + m` values are one sample in random order, without ties:
/// how often `n` draws from a habit rank as high among `m` more of it as they do. By
/// symmetry it is P(U <= nm - u), the lower coefficients of the Gaussian binomial
/// `[n + m choose n]_q`, built factor by factor (`(1 - q^(k+i)) / (1 - q^i)`, `k` the
/// larger side) and scaled at each factor so that the coefficients sum to one: exact,
/// no factorial overflows. Past `RANK_SUM_EXACT_WORK` steps (a tail far from extreme
/// over thousands of amounts), the normal approximation with a continuity correction,
/// which reads a far tail a little likelier than the exact count does (a fifth, at one
/// in ten thousand for 40 against 2,000).
pub fn rank_sum_tail(n: usize, m: usize, u: f64) -> f64 {
    let total = (n * m) as f64;
    if u <= 0.0 || n == 0 || m == 0 {
        return 1.0;
    }
    if u > total {
        return 0.0;
    }
    let lower = (total - u.ceil()) as usize;
    let (small, large) = (n.min(m), n.max(m));
    if small.saturating_mul(lower + 1) > RANK_SUM_EXACT_WORK {
        let mean = total / 2.0;
        let sd = (total * (n + m + 1) as f64 / 12.0).sqrt();
        return 0.5 * erfc((u - 0.5 - mean) / (sd * std::f64::consts::SQRT_2));
    }
    let mut coefficients = vec![0.0f64; lower + 1];
    coefficients[0] = 1.0;
    for i in 1..=small {
        // Times (1 - q^(large + i)), from the top so each term reads the old ones.
        for d in (large + i..=lower).rev() {
            coefficients[d] -= coefficients[d - (large + i)];
        }
        // Over (1 - q^i): running sums with stride i.
        for d in i..=lower {
            coefficients[d] += coefficients[d - i];
        }
        // The factor's value at q = 1 is (large + i) / i: keep the whole sum at one.
        let scale = i as f64 / (large + i) as f64;
        coefficients.iter_mut().for_each(|c| *c *= scale);
    }
    coefficients.iter().sum::<f64>().clamp(0.0, 1.0)
}

/// The most steps [`rank_sum_tail`] takes exactly (a few milliseconds).
const RANK_SUM_EXACT_WORK: usize = 4_000_000;

/// The complementary error function, to a relative error under 1.2e-7 (the Chebyshev
/// fit of Numerical Recipes' `erfcc`): the standard library has none.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// P(X >= k) for X ~ Poisson(mu).
pub fn poisson_tail(k: usize, mu: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if mu.is_nan() || mu <= 0.0 {
        return 0.0;
    }
    if k as f64 <= mu {
        // At or below the mean the tail is about one half or more: nothing unusual.
        return 1.0;
    }
    // Sum the terms from k up: they fall from the first (k > mu), in log space so that a
    // busy account's mean cannot underflow e^-mu.
    let ln_first = -mu + k as f64 * mu.ln() - (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
    let mut term = 1.0f64;
    let mut sum = 0.0f64;
    let mut i = k;
    while term > 1e-12 * sum.max(1.0) {
        sum += term;
        i += 1;
        term *= mu / i as f64;
    }
    (ln_first.exp() * sum).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A target's popularity, from its payer count less the pattern's accounts that
        /// paid it, is the share of its payers outside the pattern, counted one by one,
        /// however often the pattern names an account and whether asked once or again.
        #[test]
        fn popularity_counts_the_payers_outside_the_pattern(
            edges in proptest::collection::vec((0u8..8, 0u8..8, 0i64..30), 1..60),
            pattern in proptest::collection::vec(0u32..10, 0..6),
            target in 0u32..10,
        ) {
            use crate::detect::testkit::{Tiny, D};
            let mut t = Tiny::new();
            for (a, b, day) in &edges {
                t.wire(&format!("A{a}"), &format!("A{b}"), day * D, 100.0);
            }
            let g = t.graph();
            let v = target % g.node_count() as u32;
            let pattern: Vec<u32> = pattern.iter().map(|&p| p % g.node_count() as u32).collect();
            let payers: std::collections::BTreeSet<u32> =
                (0..g.edge_count()).filter(|&e| g.dst[e] == v).map(|e| g.src[e]).collect();
            let others = payers.iter().filter(|p| !pattern.contains(p)).count();
            let want = (others + 1) as f64 / g.scale.active_accounts.max(1) as f64;
            proptest::prop_assert_eq!(popularity(&g, v, &pattern), want);
            proptest::prop_assert_eq!(popularity(&g, v, &pattern), want);
        }

        /// Read among a payer's peers, a payee is never less popular than in the whole
        /// dump, and no more than certain (where the dump's popularity is read past
        /// certain, it is certain).
        #[test]
        fn popularity_among_peers_is_at_least_popularity(
            edges in proptest::collection::vec((0u8..12, 0u8..12, 0i64..30), 1..80),
            pattern in proptest::collection::vec(0u32..12, 0..6),
            payer in 0u32..12,
            target in 0u32..12,
        ) {
            use crate::detect::testkit::{Tiny, D};
            let mut t = Tiny::new();
            for (a, b, day) in &edges {
                t.wire(&format!("A{a}"), &format!("A{b}"), day * D, 100.0);
            }
            let g = t.graph();
            let (w, v) = (payer % g.node_count() as u32, target % g.node_count() as u32);
            let pattern: Vec<u32> = pattern.iter().map(|&p| p % g.node_count() as u32).collect();
            let among_peers = popularity_among_peers(&g, w, v, &pattern);
            proptest::prop_assert!(among_peers >= popularity(&g, v, &pattern).min(1.0));
            proptest::prop_assert!(among_peers <= 1.0);
        }
    }

    #[test]
    fn a_supplier_is_popular_among_the_traders_who_buy_where_its_payer_buys() {
        use crate::detect::testkit::{Tiny, D};
        // 400 households shop at one store; the trader T buys from wholesaler W, as do
        // 19 other traders, 15 of whom also buy from the supplier S; S is paid by no one
        // else. In the dump, S is paid by 15 of 421 accounts; among T's peers (the other
        // traders, T's pattern aside), by 15 of 19.
        let mut t = Tiny::new();
        for h in 0..400i64 {
            t.wire(&format!("H{h}"), "store", (h % 300) * D, 40.0);
        }
        t.wire("T", "W", D, 900.0);
        for c in 0..19i64 {
            t.wire(&format!("C{c}"), "W", (c + 2) * D, 900.0);
            if c < 15 {
                t.wire(&format!("C{c}"), "S", (c + 40) * D, 1_200.0);
            }
        }
        t.wire("T", "S", 90 * D, 1_000.0);
        let (trader, supplier, household) =
            (t.dump.accounts.intern("T"), t.dump.accounts.intern("S"), t.dump.accounts.intern("H7"));
        let g = t.graph();
        let everywhere = popularity(&g, supplier, &[trader]);
        assert_eq!(everywhere, 16.0 / g.scale.active_accounts as f64);
        // The prior at the dump's popularity is worth one payer: 1 / everywhere peers.
        let want = 16.0 / (19.0 + 1.0 / everywhere);
        let got = popularity_among_peers(&g, trader, supplier, &[trader]);
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        assert!(got > 5.0 * everywhere);
        // A household's peers are everyone who shops at the store: none pays S, so the
        // supplier is as popular to it as to the dump.
        assert_eq!(
            popularity_among_peers(&g, household, supplier, &[household]),
            popularity(&g, supplier, &[household])
        );
    }

    #[test]
    fn an_account_paying_only_itself_is_certain_to_pay_itself_and_no_more() {
        use crate::detect::testkit::Tiny;
        // The smallest dump proptest found: one account, one payment to itself. Its
        // popularity is read past certain ((1 + 1) of 1 active account).
        let mut t = Tiny::new();
        t.wire("A", "A", 0, 100.0);
        let g = t.graph();
        assert!(popularity(&g, 0, &[]) > 1.0);
        assert_eq!(popularity_among_peers(&g, 0, 0, &[]), 1.0);
    }

    #[test]
    fn binomial_tail_matches_the_sum_of_its_terms() {
        let direct = |n: usize, k: usize, p: f64| -> f64 {
            let ln_choose = |i: usize| -> f64 { (1..=i).map(|j| ((n - i + j) as f64 / j as f64).ln()).sum() };
            (k..=n).map(|i| (ln_choose(i) + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln()).exp()).sum()
        };
        for (n, p) in [(1usize, 0.3), (5, 0.5), (9, 0.01), (40, 0.2), (333, 0.05), (1000, 0.6)] {
            let (k, want) = (n.div_ceil(2), direct(n, n.div_ceil(2), p).min(1.0));
            let got = binomial_tail(n, k, p);
            assert!((got - want).abs() <= 1e-12 * want.max(1e-300), "n {n} p {p}: {got} vs {want}");
        }
    }

    #[test]
    fn an_own_rate_is_the_dumps_without_a_history_and_its_own_with_a_long_one() {
        assert_eq!(own_rate_at_least(0, 0, 0.01), 0.01);
        // A long history of landing there a quarter of the time speaks for itself...
        assert!((own_rate_at_least(250, 1_000, 0.01) - 250.02 / 1_002.0).abs() < 1e-12);
        // ...a short one little: one in two is not read as even odds.
        assert!(own_rate_at_least(1, 2, 0.01) < 0.26);
        // A history that never lands there reads as the dump, not as rarer.
        assert_eq!(own_rate_at_least(0, 1_000, 0.01), 0.01);
    }

    /// The Mann–Whitney count of `x` over `y`: pairs with `x`'s value above, ties half.
    fn pairs_above(x: &[u32], y: &[u32]) -> f64 {
        x.iter()
            .flat_map(|a| {
                y.iter().map(move |b| {
                    if a > b {
                        1.0
                    } else if a == b {
                        0.5
                    } else {
                        0.0
                    }
                })
            })
            .sum()
    }

    proptest::proptest! {
        /// The rank-sum tail is the share of the ways to split `n + m` distinct values
        /// into `n` and `m` whose count of pairs above is at least `u`, counted one by one.
        #[test]
        fn rank_sum_tail_is_the_share_of_splits_that_rank_as_high(n in 1usize..7, m in 1usize..7, pick in 0usize..10_000) {
            let size = n + m;
            let splits: Vec<f64> = (0u32..1 << size)
                .filter(|mask| mask.count_ones() as usize == n)
                .map(|mask| {
                    let (x, y): (Vec<u32>, Vec<u32>) = (0..size as u32).partition(|i| mask & (1 << i) != 0);
                    pairs_above(&x, &y)
                })
                .collect();
            let u = splits[pick % splits.len()];
            let want = splits.iter().filter(|&&s| s >= u).count() as f64 / splits.len() as f64;
            let got = rank_sum_tail(n, m, u);
            proptest::prop_assert!((got - want).abs() < 1e-12, "n {} m {} u {}: {} vs {}", n, m, u, got, want);
        }
    }

    #[test]
    fn rank_sum_tail_at_its_ends_and_far_from_them() {
        // Every one of the n above every one of the m: one split in C(n + m, n).
        assert!((rank_sum_tail(10, 20, 200.0) - 1.0 / subsets(30, 10)).abs() < 1e-20);
        assert!((rank_sum_tail(28, 400, 28.0 * 400.0) / (1.0 / subsets(428, 28)) - 1.0).abs() < 1e-9);
        assert_eq!(rank_sum_tail(3, 4, 0.0), 1.0);
        assert_eq!(rank_sum_tail(3, 4, 12.5), 0.0);
        assert_eq!(rank_sum_tail(0, 4, 1.0), 1.0);
        // Half of the pairs above is the middle: about even odds, on both readings.
        assert!((rank_sum_tail(30, 40, 600.0) - 0.5).abs() < 0.05);
        assert!((rank_sum_tail(300, 40_000, 6_000_000.0) - 0.5).abs() < 0.05);
        // Past the exact reading's work, the normal one: near the exact where both run.
        let (n, m, u) = (40usize, 2_000usize, 53_650.0);
        let exact = rank_sum_tail(n, m, u);
        let mean = (n * m) as f64 / 2.0;
        let sd = ((n * m) as f64 * (n + m + 1) as f64 / 12.0).sqrt();
        let normal = 0.5 * erfc((u - 0.5 - mean) / (sd * std::f64::consts::SQRT_2));
        assert!(exact < 1e-3 && (normal / exact - 1.0).abs() < 0.5, "{exact} vs {normal}");
    }

    #[test]
    fn binomial_tail_by_hand() {
        assert!((binomial_tail(4, 2, 0.5) - 11.0 / 16.0).abs() < 1e-12);
        assert!((binomial_tail(3, 3, 0.1) - 0.001).abs() < 1e-12);
        assert_eq!(binomial_tail(5, 0, 0.2), 1.0);
        assert_eq!(binomial_tail(5, 3, 0.0), 0.0);
    }

    #[test]
    fn layer_chance_is_the_random_graphs_count_of_squares() {
        // n payers and n payees, each with d relationships over the span: a random
        // bipartite graph of density d / n holds C(n, 2)^2 (d / n)^4, about d^4 / 4,
        // two by two layers.
        let (n, d) = (1_000, 6);
        let chance = LayerChance::measure(&vec![d; n], &vec![d; n], n * d, 100);
        let squares = chance.expected(2, 2, 100);
        assert!((squares / (d.pow(4) as f64 / 4.0) - 1.0).abs() < 1e-9, "{squares}");
        // Half the span: each relationship half as likely to fall in it, twice the spans.
        let half = chance.expected(2, 2, 50);
        assert!((half / squares - 2.0 / 16.0).abs() < 1e-9, "{half}");
        // Larger layers are rarer, and rarer still in a sparser dump.
        assert!(chance.expected(3, 3, 100) < squares / 1_000.0);
        let sparse = LayerChance::measure(&vec![2; n], &vec![2; n], n * 2, 100);
        assert!(sparse.expected(2, 2, 100) < squares / 50.0);
        // Beyond the powers measured exactly, the bound stays a number.
        assert!(chance.expected(2, 40, 100).is_finite() && chance.expected(40, 40, 100) >= 0.0);
    }

    #[test]
    fn subsets_count_choices() {
        assert_eq!(subsets(5, 2), 10.0);
        assert_eq!(subsets(49, 3), 18_424.0);
        assert_eq!(subsets(4, 0), 1.0);
        assert_eq!(subsets(3, 4), 0.0);
        assert!((subsets(1_000, 500).log10() - 299.4).abs() < 0.1);
    }

    #[test]
    fn product_chance_counts_where_the_evidence_may_fall() {
        // One factor: its own chance.
        assert!((product_chance(0.01, 1, 1.0) - 0.01).abs() < 1e-15);
        // Two uniform factors: P(U1 U2 <= x) = x (1 - ln x).
        let x: f64 = 0.01;
        assert!((product_chance(x, 2, 1.0) - x * (1.0 - x.ln())).abs() < 1e-12);
        // Two factors each below one half: the area under x / u1 inside the square.
        let direct = x + x * (0.5f64 * 0.5 / x).ln();
        assert!((product_chance(x, 2, 0.25) - direct).abs() < 1e-12);
        // Never more than the chains there are.
        assert_eq!(product_chance(0.5, 3, 0.125), 0.125);
        assert_eq!(product_chance(0.0, 3, 1.0), 0.0);
        // Twenty ordinary hops of one half: nine chains in ten are as unlikely.
        let p = product_chance(0.5f64.powi(20), 20, 1.0);
        assert!(p > 0.9 && p < 0.95, "{p}");
    }

    #[test]
    fn order_chance_by_hand() {
        // Three receipts before three payments: 1 of the 20 orders.
        assert!((order_chance(3, 3) - 1.0 / 20.0).abs() < 1e-12);
        assert!((order_chance(2, 4) - 1.0 / 15.0).abs() < 1e-12);
        assert_eq!(order_chance(0, 5), 1.0);
        assert!(order_chance(200, 200) < 1e-100, "no overflow on a large account");
    }

    /// Every order of 5 receipts (r) and 3 payments (p) counted: the payments together
    /// with at least 3 receipts ahead (rrrppprr, rrrrpppr, rrrrrppp) are 3 of 56.
    #[test]
    fn block_chance_counts_the_orders() {
        let orders = (0u32..1 << 8).filter(|m| m.count_ones() == 3);
        let block = orders
            .filter(|&m| {
                let first = m.trailing_zeros();
                m >> first == 0b111 && first >= 3
            })
            .count();
        assert_eq!(block, 3);
        assert!((block_chance(5, 3, 3) - 3.0 / 56.0).abs() < 1e-12);
        assert_eq!(block_chance(3, 3, 3), order_chance(3, 3));
    }
    use crate::detect::testkit::{Tiny, D, H};

    #[test]
    fn poisson_tail_matches_the_sum_of_its_terms() {
        let exact = |k: usize, mu: f64| {
            let mut p = (-mu).exp();
            let mut below = 0.0;
            for i in 0..k {
                below += p;
                p *= mu / (i + 1) as f64;
            }
            1.0 - below
        };
        for (k, mu) in [(1, 0.5), (5, 1.0), (10, 2.0), (3, 2.5), (20, 4.0)] {
            assert!((poisson_tail(k, mu) - exact(k, mu)).abs() < 1e-9, "{k} {mu}");
        }
        assert_eq!(poisson_tail(0, 3.0), 1.0);
        assert_eq!(poisson_tail(2, 5.0), 1.0, "below the mean");
        assert!(poisson_tail(2_000, 900.0) < 1e-100, "a busy account's mean does not underflow");
    }

    #[test]
    fn a_burst_is_chance_when_its_history_has_many_windows_like_it() {
        // Five transfers in a day from an account that averages one a day: over a
        // year of days that happens a few times.
        assert!(burst_chance(5, 1.0, 365.0) > 1.0);
        // Five in a day from one that makes one a month: not expected once in a year.
        assert!(burst_chance(5, 1.0 / 30.0, 365.0) < 1.0);
    }

    /// Money passed on less a small fee lands next to what came in; an everyday payment
    /// that happens to chain on lands anywhere in the band. The same timing and band, so
    /// only the closeness tells them apart, and it never makes a path likelier.
    #[test]
    fn amounts_that_agree_hop_to_hop_are_less_likely_than_the_band_alone() {
        let mut t = Tiny::new();
        t.noise(5, 50, 3_000, 100);
        for (s, d, at, amount) in [
            ("A", "B", 10 * D, 1_800.0),
            ("B", "C", 11 * D, 1_782.0),
            ("C", "A", 12 * D, 1_764.0),
            ("P", "Q", 10 * D, 1_800.0),
            ("Q", "R", 11 * D, 1_100.0),
            ("R", "P", 12 * D, 950.0),
        ] {
            t.wire(s, d, at, amount);
        }
        let g = t.graph();
        let edge = |s: &str, d: &str| {
            let (s, d) = (t.dump.accounts.index[s], t.dump.accounts.index[d]);
            *g.out_edges(s).iter().find(|&&e| g.dst[e as usize] == d).unwrap()
        };
        let band = |first: f64, prev: f64| (first * 0.5, prev * 1.02);
        let fee = [edge("A", "B"), edge("B", "C"), edge("C", "A")];
        let spread = [edge("P", "Q"), edge("Q", "R"), edge("R", "P")];
        let fee_band = path_chance(&g, &fee, None, band, |_| 0.0);
        let fee_close = fee_band * closeness_chance(&g, &fee, band, |_| 0.0);
        let spread_band = path_chance(&g, &spread, None, band, |_| 0.0);
        let spread_close = spread_band * closeness_chance(&g, &spread, band, |_| 0.0);
        assert!(fee_close < fee_band / 20.0, "{fee_close} against {fee_band}");
        assert!(
            spread_close <= spread_band && spread_close > spread_band / 3.0,
            "{spread_close} against {spread_band}"
        );
        assert_eq!(
            path_chance(&g, &fee[..1], None, band, |_| 0.0) * closeness_chance(&g, &fee[..1], band, |_| 0.0),
            1.0,
            "one transfer is no coincidence"
        );
    }

    #[test]
    fn quick_hops_of_rare_amounts_are_unlikely_slow_hops_of_common_ones_are_not() {
        let mut t = Tiny::new();
        t.noise(3, 50, 2_000, 100);
        t.wire("A", "B", 10 * D, 9_000.0);
        t.wire("B", "C", 10 * D + 2 * H, 8_900.0);
        t.wire("C", "D", 10 * D + 4 * H, 8_800.0);
        // Everyday accounts (each pays a bill every three days) passing an everyday
        // amount on, ten days apart.
        for p in ["P1", "P2", "P3"] {
            for d in 0..33 {
                t.wire(p, "utility", d * 3 * D + H, 90.0);
            }
        }
        t.wire("P1", "P2", 10 * D + 1, 600.0);
        t.wire("P2", "P3", 20 * D + 1, 590.0);
        t.wire("P3", "P4", 30 * D + 1, 580.0);
        let g = t.graph();
        let edge = |s: &str, d: &str| {
            let (s, d) = (t.dump.accounts.index[s], t.dump.accounts.index[d]);
            *g.out_edges(s).iter().rev().find(|&&e| g.dst[e as usize] == d).unwrap()
        };
        let carried = |first: f64, prev: f64| (first * 0.5, prev);
        let quick = path_chance(&g, &[edge("A", "B"), edge("B", "C")], None, carried, |_| 0.0);
        let slow =
            path_chance(&g, &[edge("P1", "P2"), edge("P2", "P3"), edge("P3", "P4")], None, carried, |_| 0.0);
        assert!(quick * g.edge_count() as f64 <= 1.0, "{quick}");
        assert!(slow * g.edge_count() as f64 > 1.0, "{slow}");
        assert_eq!(
            path_chance(&g, &[edge("A", "B")], None, carried, |_| 0.0),
            1.0,
            "one transfer is no coincidence"
        );
    }

    #[test]
    fn amounts_written_to_a_unit_are_read_as_wide_as_their_rounding() {
        // 13, then 7, 7 and 7, in a dump whose amounts run evenly from 1 to 21: the band
        // a hop after a 7 had to hit (half the first, up to 2% over the previous) is
        // 6.5 to 7.14; rounded to whole units it holds every amount from 5.5 to 8.14.
        let mut t = Tiny::new();
        for k in 0..2_000i64 {
            t.wire(
                &format!("E{}", k % 10),
                &format!("F{}", (k * 3 + 1) % 10),
                k * D / 100,
                1.0 + (k % 2_000) as f64 / 100.0,
            );
        }
        for (k, (from, to)) in [("A", "B"), ("B", "C"), ("C", "D"), ("D", "A")].into_iter().enumerate() {
            t.wire(from, to, (30 + k as i64) * D, [13.0, 7.0, 7.0, 7.0][k]);
        }
        let g = t.graph();
        let edge = |from: &str, to: &str| {
            let (a, b) = (t.dump.accounts.index[from], t.dump.accounts.index[to]);
            (0..g.edge_count() as u32).find(|&e| g.src[e as usize] == a && g.dst[e as usize] == b).unwrap()
        };
        let path = [edge("A", "B"), edge("B", "C"), edge("C", "D"), edge("D", "A")];
        let band = |first: f64, prev: f64| (first * 0.5, prev * 1.02);
        let (exact, rounded) = (|_: u32| 0.0, |_: u32| 1.0);
        let shares = |unit: &dyn Fn(u32) -> f64| -> Vec<f64> {
            band_shares(&g, &path, band, unit).map(|(_, _, share, _)| share).collect()
        };
        let (narrow, wide) = (shares(&exact), shares(&rounded));
        assert!((wide[2] - g.scale.share_between(5.5, 8.14)).abs() < 1e-12, "{wide:?}");
        assert!((narrow[2] - g.scale.share_between(6.5, 7.14)).abs() < 1e-12, "{narrow:?}");
        assert!(wide[2] > 3.0 * narrow[2], "{narrow:?} {wide:?}");
        assert!(amounts_chance(&g, &path, band, rounded) > 10.0 * amounts_chance(&g, &path, band, exact));
        // Equal to the unit: no closer than the unit allows, where to the cent they are
        // as close as amounts get.
        assert!(closeness_chance(&g, &path, band, rounded) > 10.0 * closeness_chance(&g, &path, band, exact));
    }
}

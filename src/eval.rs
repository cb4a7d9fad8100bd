//! Evaluation: precision, recall and F1 per pattern, at account level and transfer
//! level, of an `analyze` output against a generator's (or a labelled dataset's) truth.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::csv_out::CsvOut;
use crate::error::Result;
use crate::export::rows::{
    self, CaseCoverageRow, Fixed, LeadAccountRow, LeadRow, LeadTransferRow, QualityRow, ScoreRow, Text,
    TraceHoldingRow, TraceScoreRow, TraceSummaryRow, TruthAccountRow, TruthTransferRow,
};

/// Pattern name of the row that scores laundering vs not, across all patterns.
pub const ANY: &str = "ANY";

/// One row of the evaluation table.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Pattern id.
    pub pattern: String,
    /// `account` or `transfer`.
    pub level: &'static str,
    /// Items in the truth.
    pub truth: usize,
    /// Items flagged.
    pub predicted: usize,
    /// Items both.
    pub true_positive: usize,
}

impl Score {
    /// TP / predicted (1 when nothing was predicted and nothing was true).
    pub fn precision(&self) -> f64 {
        ratio(self.true_positive, self.predicted, self.truth == 0)
    }

    /// TP / truth.
    pub fn recall(&self) -> f64 {
        ratio(self.true_positive, self.truth, self.predicted == 0)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(num: usize, den: usize, vacuous: bool) -> f64 {
    if den == 0 {
        if vacuous {
            1.0
        } else {
            0.0
        }
    } else {
        num as f64 / den as f64
    }
}

type Sets = BTreeMap<String, BTreeSet<String>>;

/// Scores the leads against the truth, per pattern at account level (when the truth
/// has its accounts) and transfer level, and for laundering against not ([`ANY`]).
fn scores(read: &LeadsAgainstTruth) -> Vec<Score> {
    let truth_transfers =
        sets(read.truth_transfers.iter().map(|r| (r.pattern.0.clone(), r.transfer_id.0.clone())));
    let truth_accounts = read
        .truth_accounts
        .as_ref()
        .map(|rows| sets(rows.iter().map(|r| (r.pattern.0.clone(), r.account_id.0.clone()))));
    let predicted_transfers =
        sets(read.lead_transfers.iter().map(|r| (r.pattern.code().to_owned(), r.transfer_id.0.clone())));
    // Accounts per pattern, from their roles (`UB1:collector;OS1:layer`).
    let predicted_accounts =
        sets(read.lead_accounts.iter().flat_map(|r| {
            r.role.0.iter().map(move |pr| (pr.pattern.code().to_owned(), r.account_id.0.clone()))
        }));

    let mut scores = Vec::new();
    let mut patterns: BTreeSet<&String> = truth_transfers.keys().chain(predicted_transfers.keys()).collect();
    if let Some(ta) = &truth_accounts {
        patterns.extend(ta.keys());
    }
    patterns.extend(predicted_accounts.keys());
    let empty = BTreeSet::new();
    // Laundering vs not, whatever the pattern: the minority-class score that the
    // literature reports for AMLworld and AMLSim.
    let any = |sets: &Sets| sets.values().flatten().cloned().collect::<BTreeSet<String>>();
    if let Some(ta) = &truth_accounts {
        scores.push(score(ANY, "account", &any(ta), &any(&predicted_accounts)));
    }
    scores.push(score(ANY, "transfer", &any(&truth_transfers), &any(&predicted_transfers)));
    for p in patterns {
        if let Some(ta) = &truth_accounts {
            scores.push(score(
                p,
                "account",
                ta.get(p).unwrap_or(&empty),
                predicted_accounts.get(p).unwrap_or(&empty),
            ));
        }
        scores.push(score(
            p,
            "transfer",
            truth_transfers.get(p).unwrap_or(&empty),
            predicted_transfers.get(p).unwrap_or(&empty),
        ));
    }
    scores
}

fn score(
    pattern: &str,
    level: &'static str,
    truth: &BTreeSet<String>,
    predicted: &BTreeSet<String>,
) -> Score {
    Score {
        pattern: pattern.to_owned(),
        level,
        truth: truth.len(),
        predicted: predicted.len(),
        true_positive: truth.intersection(predicted).count(),
    }
}

/// What an investigator sees at the top of the ranked list: how many of the first k leads
/// are real cases, how many leads mix cases, how large the largest lead is.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadQuality {
    /// Precision at each cut-off of [`PRECISION_AT`].
    pub precision_at: Vec<PrecisionAt>,
    /// Leads in all.
    pub leads: usize,
    /// Leads whose truth accounts no single case holds all of.
    pub mixed: usize,
    /// Of those, the leads whose cases share no account chain inside the lead: cases
    /// the lead joined through an account of neither, or through a payment that was no
    /// part of either.
    pub mixed_unlinked: usize,
    /// Accounts of the largest lead, and its id.
    pub largest: (usize, String),
}

/// How many of the first `k` leads are true: a lead counts as true when at least half
/// its accounts are truth accounts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionAt {
    /// The cut-off.
    pub k: usize,
    /// True leads among the first k.
    pub hit: usize,
    /// Leads there were among the first k (fewer than k in a short list).
    pub seen: usize,
}

impl PrecisionAt {
    /// `hit / seen` (1 when there were no leads to look at).
    pub fn precision(&self) -> f64 {
        ratio(self.hit, self.seen, true)
    }
}

/// The cut-offs precision is reported at.
pub const PRECISION_AT: [usize; 4] = [10, 20, 50, 100];

/// An `analyze` output and the truth it is scored against, each file read once for
/// every measure: per pattern ([`LeadsAgainstTruth::scores`]), the ranked leads as an
/// investigator reads them ([`LeadsAgainstTruth::quality`]) and the cases they reach
/// ([`LeadsAgainstTruth::coverage`]).
#[derive(Debug, Clone)]
pub struct LeadsAgainstTruth {
    /// `truth.csv`.
    truth_transfers: Vec<TruthTransferRow>,
    /// `truth_accounts.csv` beside it, when there is one.
    truth_accounts: Option<Vec<TruthAccountRow>>,
    /// `lead_transfers.csv`.
    lead_transfers: Vec<LeadTransferRow>,
    /// `lead_accounts.csv`.
    lead_accounts: Vec<LeadAccountRow>,
    /// Each lead's rank and id, from `leads.csv`, by rank.
    ranked: Vec<(usize, String)>,
}

impl LeadsAgainstTruth {
    /// Reads `truth` (truth.csv; truth_accounts.csv is read from the same folder when
    /// present) and the leads in `leads_dir`.
    pub fn read(truth: &Path, leads_dir: &Path) -> Result<LeadsAgainstTruth> {
        let truth_accounts = truth.with_file_name("truth_accounts.csv");
        let mut ranked: Vec<(usize, String)> = rows::read::<LeadRow>(&leads_dir.join("leads.csv"))?
            .into_iter()
            .map(|l| (l.rank, l.lead_id.0))
            .collect();
        ranked.sort();
        Ok(LeadsAgainstTruth {
            truth_transfers: rows::read::<TruthTransferRow>(truth)?,
            truth_accounts: match truth_accounts.is_file() {
                true => Some(rows::read::<TruthAccountRow>(&truth_accounts)?),
                false => None,
            },
            lead_transfers: rows::read::<LeadTransferRow>(&leads_dir.join("lead_transfers.csv"))?,
            lead_accounts: rows::read::<LeadAccountRow>(&leads_dir.join("lead_accounts.csv"))?,
            ranked,
        })
    }

    /// Precision, recall and F1 per pattern.
    pub fn scores(&self) -> Vec<Score> {
        scores(self)
    }

    /// Scores the ranked leads as an investigator reads them (`None` without the
    /// truth's accounts).
    pub fn quality(&self) -> Option<LeadQuality> {
        self.truth_accounts.as_deref().map(|truth| lead_quality(self, truth))
    }

    /// Per typology, then for every case ([`ANY`]), how many of its cases and accounts
    /// the leads reach (`None` without the truth's accounts).
    pub fn coverage(&self) -> Option<Vec<CaseCoverage>> {
        self.truth_accounts.as_deref().map(|truth| case_coverage(self, truth))
    }
}

/// [`LeadsAgainstTruth::quality`].
fn lead_quality(read: &LeadsAgainstTruth, truth_accounts: &[TruthAccountRow]) -> LeadQuality {
    // Account -> the cases it is in.
    let cases_of = sets(truth_accounts.iter().map(|r| (r.account_id.0.clone(), r.case_id.0.clone())));
    let ranked = &read.ranked;
    let members = sets(read.lead_accounts.iter().map(|r| (r.lead_id.0.clone(), r.account_id.0.clone())));
    let empty = BTreeSet::new();
    let mut truthful = Vec::with_capacity(ranked.len());
    let (mut mixed, mut mixed_unlinked, mut largest) = (0, 0, (0, String::new()));
    for (_, lead) in ranked {
        let accounts = members.get(lead).unwrap_or(&empty);
        let cases: Vec<&BTreeSet<String>> = accounts.iter().filter_map(|a| cases_of.get(a)).collect();
        truthful.push(2 * cases.len() >= accounts.len() && !accounts.is_empty());
        // Mixed: no one case holds every truth account of the lead.
        if let Some((first, rest)) = cases.split_first() {
            if !first.iter().any(|c| rest.iter().all(|set| set.contains(c))) {
                mixed += 1;
                mixed_unlinked += usize::from(unlinked(&cases));
            }
        }
        if accounts.len() > largest.0 {
            largest = (accounts.len(), lead.clone());
        }
    }
    let precision_at = PRECISION_AT
        .iter()
        .map(|&k| {
            let seen = k.min(truthful.len());
            PrecisionAt { k, hit: truthful[..seen].iter().filter(|&&t| t).count(), seen }
        })
        .collect();
    LeadQuality { precision_at, leads: ranked.len(), mixed, mixed_unlinked, largest }
}

/// Whether the cases of a lead's truth accounts (`cases`, each account's set) fall
/// apart into more than one group when two cases are joined only by an account of the
/// lead that is in both. Some simulators draw their laundering accounts from one pool,
/// so one account is a member of several cases (AMLGentex: 188 of the 466 truth
/// accounts of amlgentex-dev): a lead about that account then holds accounts of each,
/// one network to an investigator. Cases with no such account in common were joined by
/// the lead itself.
fn unlinked(cases: &[&BTreeSet<String>]) -> bool {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for set in cases {
        for case in set.iter() {
            let next = index.len();
            index.entry(case.as_str()).or_insert(next);
        }
    }
    let mut groups = petgraph::unionfind::UnionFind::<usize>::new(index.len());
    for set in cases {
        let mut ids = set.iter().map(|c| index[c.as_str()]);
        if let Some(first) = ids.next() {
            for other in ids {
                groups.union(first, other);
            }
        }
    }
    let mut roots = (0..index.len()).map(|k| groups.find(k));
    let first = roots.next();
    roots.any(|r| Some(r) != first)
}

/// Writes `eval_leads.csv`: one row per measure.
pub fn write_lead_quality_csv(path: &Path, q: &LeadQuality) -> Result<()> {
    let mut out = CsvOut::create(path, &["measure", "value", "detail"])?;
    let row = |measure: String, value: String, detail: String| QualityRow {
        measure: Text(measure),
        value: Text(value),
        detail: Text(detail),
    };
    for p in &q.precision_at {
        out.record(&row(
            format!("precision_at_{}", p.k),
            format!("{:.4}", p.precision()),
            format!("{} of {} leads", p.hit, p.seen),
        ))?;
    }
    out.record(&row("leads".into(), q.leads.to_string(), String::new()))?;
    out.record(&row("mixed_case_leads".into(), q.mixed.to_string(), String::new()))?;
    out.record(&row(
        "mixed_unlinked_case_leads".into(),
        q.mixed_unlinked.to_string(),
        "mixed leads whose cases share no account inside the lead".into(),
    ))?;
    out.record(&row("largest_lead_accounts".into(), q.largest.0.to_string(), q.largest.1.clone()))?;
    out.finish()
}

/// How one typology's cases reached the leads, whatever pattern the leads call them:
/// an investigator who opens a lead holding half a case's accounts has found the case,
/// though the lead may name a fan-out what the truth labels a scatter-gather.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CaseCoverage {
    /// The typology, as the truth labels it ([`ANY`]: every case).
    pub typology: String,
    /// Its cases.
    pub cases: usize,
    /// Cases one lead holds at least half the accounts of.
    pub found: usize,
    /// Cases with at least one account in some lead.
    pub touched: usize,
    /// Its truth accounts (an account in two of its cases counted once).
    pub accounts: usize,
    /// Those in some lead.
    pub accounts_in_leads: usize,
}

impl CaseCoverage {
    /// `accounts_in_leads / accounts`.
    pub fn account_recall(&self) -> f64 {
        ratio(self.accounts_in_leads, self.accounts, true)
    }
}

/// [`LeadsAgainstTruth::coverage`].
fn case_coverage(read: &LeadsAgainstTruth, truth_accounts: &[TruthAccountRow]) -> Vec<CaseCoverage> {
    // (typology, case) -> its accounts.
    let mut cases: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for r in truth_accounts {
        cases.entry((r.pattern.as_str(), r.case_id.as_str())).or_default().insert(r.account_id.as_str());
    }
    let mut leads_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &read.lead_accounts {
        leads_of.entry(r.account_id.as_str()).or_default().insert(r.lead_id.as_str());
    }
    let mut by_typology: BTreeMap<&str, (CaseCoverage, BTreeSet<&str>)> = BTreeMap::new();
    let mut any = (coverage(ANY), BTreeSet::new());
    for ((typology, _), accounts) in &cases {
        // How many of the case's accounts each lead holds.
        let mut held: BTreeMap<&str, usize> = BTreeMap::new();
        for &lead in accounts.iter().filter_map(|a| leads_of.get(a)).flatten() {
            *held.entry(lead).or_default() += 1;
        }
        let found = held.values().any(|&n| 2 * n >= accounts.len());
        let entry = by_typology.entry(typology).or_insert_with(|| (coverage(typology), BTreeSet::new()));
        for (c, seen) in [&mut entry.0, &mut any.0].into_iter().zip([&mut entry.1, &mut any.1]) {
            c.cases += 1;
            c.found += usize::from(found);
            c.touched += usize::from(!held.is_empty());
            seen.extend(accounts.iter().copied());
        }
    }
    let mut out: Vec<CaseCoverage> = Vec::with_capacity(by_typology.len() + 1);
    for (mut c, seen) in by_typology.into_values().chain(std::iter::once(any)) {
        c.accounts = seen.len();
        c.accounts_in_leads = seen.iter().filter(|a| leads_of.contains_key(**a)).count();
        out.push(c);
    }
    out
}

/// An empty count for `typology`.
fn coverage(typology: &str) -> CaseCoverage {
    CaseCoverage { typology: typology.to_owned(), ..CaseCoverage::default() }
}

/// Writes `eval_cases.csv`: one row per typology, then [`ANY`].
pub fn write_case_coverage_csv(path: &Path, coverage: &[CaseCoverage]) -> Result<()> {
    let mut out = CsvOut::create(
        path,
        &[
            "typology",
            "cases",
            "cases_found",
            "cases_touched",
            "accounts",
            "accounts_in_leads",
            "account_recall",
        ],
    )?;
    for c in coverage {
        out.record(&CaseCoverageRow {
            typology: Text(c.typology.clone()),
            cases: c.cases,
            cases_found: c.found,
            cases_touched: c.touched,
            accounts: c.accounts,
            accounts_in_leads: c.accounts_in_leads,
            account_recall: Fixed(c.account_recall()),
        })?;
    }
    out.finish()
}

/// How much of one traced case reached its true destinations.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceScore {
    /// Case id.
    pub case: String,
    /// Seed value traced (base currency).
    pub seed_value: f64,
    /// Traced value held at the case's true destination accounts.
    pub reached: f64,
    /// True destination accounts.
    pub destinations: usize,
}

impl TraceScore {
    /// `reached / seed_value`.
    pub fn share(&self) -> f64 {
        if self.seed_value > 0.0 {
            self.reached / self.seed_value
        } else {
            0.0
        }
    }
}

/// Scores a forward `trace` output against the truth: for every traced case, the share of
/// its seed value held at the accounts the truth names as its destinations (roles ending
/// in `destination`).
pub fn evaluate_trace(truth: &Path, trace_dir: &Path) -> Result<Vec<TraceScore>> {
    let destinations = sets(
        rows::read::<TruthAccountRow>(&truth.with_file_name("truth_accounts.csv"))?
            .into_iter()
            .filter(|r| r.role.as_str().ends_with("destination"))
            .map(|r| (r.case_id.0, r.account_id.0)),
    );
    let forward = |direction: &Text| direction.as_str() == "forward";
    let mut scores: BTreeMap<String, TraceScore> = BTreeMap::new();
    for r in rows::read::<TraceSummaryRow>(&trace_dir.join("trace_summary.csv"))? {
        if !forward(&r.direction) {
            continue;
        }
        let n = destinations.get(r.case_id.as_str()).map_or(0, BTreeSet::len);
        let case = r.case_id.0;
        scores.insert(
            case.clone(),
            TraceScore { case, seed_value: r.seed_value.0, reached: 0.0, destinations: n },
        );
    }
    for r in rows::read::<TraceHoldingRow>(&trace_dir.join("trace_holdings.csv"))? {
        let case = r.case_id.as_str();
        if !forward(&r.direction)
            || !destinations.get(case).is_some_and(|d| d.contains(r.account_id.as_str()))
        {
            continue;
        }
        if let Some(s) = scores.get_mut(case) {
            s.reached += r.amount.0;
        }
    }
    Ok(scores.into_values().filter(|s| s.destinations > 0).collect())
}

/// Writes `eval_trace.csv`.
pub fn write_trace_csv(path: &Path, scores: &[TraceScore]) -> Result<()> {
    let mut out =
        CsvOut::create(path, &["case_id", "seed_value", "reached_destinations", "share", "destinations"])?;
    for s in scores {
        out.record(&TraceScoreRow {
            case_id: Text(s.case.clone()),
            seed_value: Fixed(s.seed_value),
            reached_destinations: Fixed(s.reached),
            share: Fixed(s.share()),
            destinations: s.destinations,
        })?;
    }
    out.finish()
}

/// Writes `eval.csv`.
pub fn write_csv(path: &Path, scores: &[Score]) -> Result<()> {
    let mut out = CsvOut::create(
        path,
        &["pattern", "level", "truth", "predicted", "true_positive", "precision", "recall", "f1"],
    )?;
    for s in scores {
        out.record(&ScoreRow {
            pattern: s.pattern.as_str().into(),
            level: s.level.into(),
            truth: s.truth,
            predicted: s.predicted,
            true_positive: s.true_positive,
            precision: Fixed(s.precision()),
            recall: Fixed(s.recall()),
            f1: Fixed(s.f1()),
        })?;
    }
    out.finish()
}

/// Groups `(key, value)` pairs into sets.
fn sets(pairs: impl Iterator<Item = (String, String)>) -> Sets {
    let mut out = Sets::new();
    for (k, v) in pairs {
        out.entry(k).or_default().insert(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::Pattern;

    #[test]
    fn precision_recall_f1_by_hand() {
        let truth: BTreeSet<String> = ["a", "b", "c", "d"].map(String::from).into();
        let pred: BTreeSet<String> = ["a", "b", "x"].map(String::from).into();
        let s = score(Pattern::Ub1.code(), "account", &truth, &pred);
        assert_eq!(s.true_positive, 2);
        assert!((s.precision() - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.recall() - 0.5).abs() < 1e-12);
        assert!((s.f1() - 4.0 / 7.0).abs() < 1e-12);
        let none = score(Pattern::Os1.code(), "account", &BTreeSet::new(), &BTreeSet::new());
        assert_eq!((none.precision(), none.recall()), (1.0, 1.0));
    }

    #[test]
    fn precision_at_k_counts_leads_mostly_of_truth_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(
            p.join("truth_accounts.csv"),
            "account_id,case_id,pattern,role\na,c1,fan_in,hub\nb,c1,fan_in,member\nc,c2,cycle,member\nd,c2,cycle,member\n",
        )
        .unwrap();
        std::fs::write(p.join("truth.csv"), "transfer_id,case_id,pattern\n").unwrap();
        std::fs::write(p.join("lead_transfers.csv"), "lead_id,transfer_id,pattern\n").unwrap();
        // L2 (rank 1) is a true lead that mixes two cases; L1 (rank 2) is half truth, so
        // true; L3 is noise, and the largest.
        let lead = |id: &str, rank: usize| {
            format!("{id},{rank},50.00,UB1,2,0,,1.00,1.00,USD,2024-03-01T00:00:00Z,2024-03-01T00:00:00Z,,s\n")
        };
        let header = crate::export::leads_csv::LEADS_HEADER.join(",");
        let leads = format!("{header}\n{}{}{}", lead("L1", 2), lead("L2", 1), lead("L3", 3));
        std::fs::write(p.join("leads.csv"), leads).unwrap();
        std::fs::write(
            p.join("lead_accounts.csv"),
            "lead_id,account_id,holder_id,country,role,amount_in,amount_out\n\
             L1,a,,,,0,0\nL1,x,,,,0,0\nL2,b,,,,0,0\nL2,c,,,,0,0\nL3,x,,,,0,0\nL3,y,,,,0,0\nL3,z,,,,0,0\n",
        )
        .unwrap();
        let q = LeadsAgainstTruth::read(&p.join("truth.csv"), p).unwrap().quality().unwrap();
        assert_eq!(q.precision_at[0], PrecisionAt { k: 10, hit: 2, seen: 3 });
        assert_eq!((q.leads, q.mixed, q.mixed_unlinked), (3, 1, 1), "b and c share no case");
        assert_eq!(q.largest, (3, "L3".to_owned()));
    }

    #[test]
    fn cases_joined_by_an_account_in_both_are_linked() {
        let set = |cases: &[&str]| cases.iter().map(|c| c.to_string()).collect::<BTreeSet<String>>();
        let (c1, c2, c3, c12, c23) =
            (set(&["c1"]), set(&["c2"]), set(&["c3"]), set(&["c1", "c2"]), set(&["c2", "c3"]));
        // A pool account in c1 and c2 links them; c1 and c2 alone do not.
        assert!(!unlinked(&[&c1, &c12, &c2]));
        assert!(unlinked(&[&c1, &c2]));
        // Links chain: c1 - c2 through one account, c2 - c3 through another.
        assert!(!unlinked(&[&c1, &c12, &c23, &c3]));
        // A third case with no account in common with the others stands apart.
        assert!(unlinked(&[&c1, &c12, &c2, &c3]));
        assert!(!unlinked(&[&c1]));
    }

    #[test]
    fn a_case_is_found_by_a_lead_holding_half_its_accounts_whatever_it_calls_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        // c1 (fan_in, 4 accounts): L1 holds two of them under another pattern, so it is
        // found. c2 (fan_in, 3 accounts): its accounts sit one in each of two leads, so
        // it is touched, not found. c3 (cycle) shares account b with c1 and is in no
        // lead of its own: b alone is a third of it.
        std::fs::write(
            p.join("truth_accounts.csv"),
            "account_id,case_id,pattern,role\n\
             a,c1,fan_in,hub\nb,c1,fan_in,member\nc,c1,fan_in,member\nd,c1,fan_in,member\n\
             e,c2,fan_in,hub\nf,c2,fan_in,member\ng,c2,fan_in,member\n\
             b,c3,cycle,member\nh,c3,cycle,member\ni,c3,cycle,member\n",
        )
        .unwrap();
        std::fs::write(
            p.join("lead_accounts.csv"),
            "lead_id,account_id,holder_id,country,role,amount_in,amount_out\n\
             L1,a,,,scatter_gather:originator,0,0\nL1,b,,,scatter_gather:intermediary,0,0\n\
             L2,e,,,fan_in:hub,0,0\nL3,f,,,fan_in:hub,0,0\nL3,x,,,fan_in:source,0,0\n",
        )
        .unwrap();
        std::fs::write(p.join("truth.csv"), "transfer_id,case_id,pattern\n").unwrap();
        std::fs::write(p.join("lead_transfers.csv"), "lead_id,transfer_id,pattern\n").unwrap();
        // Coverage reads no ranks: the leads' list is only its header here.
        std::fs::write(p.join("leads.csv"), crate::export::leads_csv::LEADS_HEADER.join(",") + "\n").unwrap();
        let coverage = LeadsAgainstTruth::read(&p.join("truth.csv"), p).unwrap().coverage().unwrap();
        let row = |t: &str| coverage.iter().find(|c| c.typology == t).unwrap().clone();
        let fan_in = row(Pattern::FanIn.code());
        assert_eq!((fan_in.cases, fan_in.found, fan_in.touched), (2, 1, 2));
        assert_eq!((fan_in.accounts, fan_in.accounts_in_leads), (7, 4));
        let cycle = row(Pattern::Cycle.code());
        assert_eq!((cycle.cases, cycle.found, cycle.touched), (1, 0, 1));
        assert!((cycle.account_recall() - 1.0 / 3.0).abs() < 1e-12);
        // Every case, every account once: b is in two cases.
        let any = row(ANY);
        assert_eq!((any.cases, any.found, any.touched, any.accounts, any.accounts_in_leads), (3, 1, 3, 9, 4));
        assert_eq!(coverage.last().map(|c| c.typology.as_str()), Some(ANY));
        // Without truth accounts there is nothing to cover.
        std::fs::remove_file(p.join("truth_accounts.csv")).unwrap();
        assert!(LeadsAgainstTruth::read(&p.join("truth.csv"), p).unwrap().coverage().is_none());
    }

    #[test]
    fn reads_roles_and_undoes_neutralisation() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("lead_accounts.csv"),
            "lead_id,account_id,holder_id,country,role,amount_in,amount_out\nL1,'-A1,h,CN,UB1:collector;OS1:layer,1,1\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("lead_transfers.csv"), "lead_id,transfer_id,pattern\n").unwrap();
        std::fs::write(dir.path().join("truth.csv"), "transfer_id,case_id,pattern\n").unwrap();
        std::fs::write(
            dir.path().join("truth_accounts.csv"),
            "account_id,case_id,pattern,role\n'-A1,c1,UB1,collector\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("leads.csv"), crate::export::leads_csv::LEADS_HEADER.join(",") + "\n")
            .unwrap();
        let scores = LeadsAgainstTruth::read(&dir.path().join("truth.csv"), dir.path()).unwrap().scores();
        let ub1 = scores.iter().find(|s| s.pattern == Pattern::Ub1.code() && s.level == "account").unwrap();
        assert_eq!((ub1.truth, ub1.predicted, ub1.true_positive), (1, 1, 1));
        let os1 = scores.iter().find(|s| s.pattern == Pattern::Os1.code() && s.level == "account").unwrap();
        assert_eq!((os1.truth, os1.predicted), (0, 1));
    }
}

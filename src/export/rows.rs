//! Typed rows of the files flowhound writes and reads back: the four lead files, the
//! truth files and eval.csv. The writers serialize these structs, and explain, eval and
//! the tests deserialize them, so a column is named once (by its field) and a renamed or
//! reordered column is a compile error or a clear read error, never a silent wrong cell.
//!
//! Cells are written as before: amounts with two decimals, times in RFC 3339, lists
//! joined by `;`, and every text cell defused for spreadsheets (a leading `=`, `+`, `-`,
//! `@` gets a `'`), which reading undoes.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::csv_out::{neutralise, unneutralise};
use crate::error::{Error, Result};
use crate::pattern::Pattern;
use crate::units::format_time;

/// Free text (ids, names, summaries): defused on write, restored on read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Text(pub String);

impl Text {
    /// The text as written by the user or the detector.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(s.to_owned())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&neutralise(&self.0))
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Text(unneutralise(&s).to_owned()))
    }
}

/// An amount written with `DECIMALS` decimals (`1234.50`).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Fixed<const DECIMALS: usize>(pub f64);

/// Money: two decimals.
pub type Money = Fixed<2>;
/// A ratio in eval.csv: four decimals.
pub type Ratio = Fixed<4>;

impl<const N: usize> Serialize for Fixed<N> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&neutralise(&format!("{:.*}", N, self.0)))
    }
}

impl<'de, const N: usize> Deserialize<'de> for Fixed<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        unneutralise(&s)
            .parse()
            .map(Fixed)
            .map_err(|_| serde::de::Error::custom(format!("`{s}` is not a number")))
    }
}

/// A time, written in RFC 3339 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time(pub i64);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&format_time(self.0))
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        crate::ingest::parse::timestamp(&s).map(Time).map_err(serde::de::Error::custom)
    }
}

/// `yes` / `no`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YesNo(pub bool);

impl Serialize for YesNo {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(if self.0 { "yes" } else { "no" })
    }
}

impl<'de> Deserialize<'de> for YesNo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            "yes" => Ok(YesNo(true)),
            "no" => Ok(YesNo(false)),
            other => Err(serde::de::Error::custom(format!("`{other}` is neither yes nor no"))),
        }
    }
}

/// Items joined by `;` in one cell (patterns, countries, roles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List<T>(pub Vec<T>, PhantomData<T>);

impl<T> List<T> {
    /// A list of `items`, in the order given.
    pub fn new(items: Vec<T>) -> Self {
        List(items, PhantomData)
    }

    /// The items.
    pub fn items(&self) -> &[T] {
        &self.0
    }
}

impl<T: fmt::Display> Serialize for List<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let joined = self.0.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(";");
        s.serialize_str(&neutralise(&joined))
    }
}

impl<'de, T: FromStr> Deserialize<'de> for List<T>
where
    T::Err: fmt::Display,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        unneutralise(&s)
            .split(';')
            .filter(|x| !x.is_empty())
            .map(|x| x.parse::<T>().map_err(serde::de::Error::custom))
            .collect::<std::result::Result<Vec<T>, _>>()
            .map(List::new)
    }
}

/// One role of an account in a lead: `UB1:collector`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternRole {
    /// The pattern the account takes part in.
    pub pattern: Pattern,
    /// Its role there (`collector`, `member`, ...).
    pub role: String,
}

impl fmt::Display for PatternRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.pattern, self.role)
    }
}

impl FromStr for PatternRole {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (p, r) = s.split_once(':').ok_or_else(|| format!("`{s}` is not PATTERN:ROLE"))?;
        Ok(PatternRole {
            pattern: p.parse().map_err(|e: crate::pattern::UnknownPattern| e.to_string())?,
            role: r.to_owned(),
        })
    }
}

/// A row of `leads.csv`: one ranked, explained lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadRow {
    /// Stable id of the case (`L` and ten hex digits).
    pub lead_id: Text,
    /// 1-based rank.
    pub rank: usize,
    /// Score, 0..100.
    pub score: Money,
    /// Patterns found, by code.
    pub patterns: List<Pattern>,
    /// How many accounts the lead has (the list is in lead_accounts.csv). Read from
    /// `accounts` in folders written before the column was renamed.
    #[serde(alias = "accounts")]
    pub account_count: usize,
    /// How many distinct holders its accounts have.
    #[serde(alias = "holders")]
    pub holder_count: usize,
    /// Countries of its accounts.
    pub countries: List<String>,
    /// Value that entered its patterns (base currency).
    pub total_amount_base: Money,
    /// Every proving transfer summed (base currency).
    pub gross_amount_base: Money,
    /// The base currency the amounts are in (empty in folders written before it).
    #[serde(default)]
    pub base_currency: Text,
    /// Earliest proving transfer.
    pub first_seen: Time,
    /// Latest proving transfer.
    pub last_seen: Time,
    /// Controllers named by OS5.
    pub controllers: List<String>,
    /// Reasons, strongest first, joined by ` | `.
    pub summary: Text,
}

/// A row of `lead_accounts.csv`: one account of a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadAccountRow {
    /// The lead.
    pub lead_id: Text,
    /// The account.
    pub account_id: Text,
    /// Its holder, when known.
    pub holder_id: Text,
    /// The holder's name, when the entities table gives one (absent from folders
    /// written before it was added: read as empty).
    #[serde(default)]
    pub holder_name: Text,
    /// Its country, when known.
    pub country: Text,
    /// Its roles, one per pattern.
    pub role: List<PatternRole>,
    /// Money it received within the lead's hits.
    pub amount_in: Money,
    /// Money it sent within the lead's hits.
    pub amount_out: Money,
    /// The base currency of the amounts (empty in folders written before it).
    #[serde(default)]
    pub base_currency: Text,
}

/// A row of `lead_transfers.csv`: one proving transfer of a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadTransferRow {
    /// The lead.
    pub lead_id: Text,
    /// The transfer.
    pub transfer_id: Text,
    /// The pattern it proves.
    pub pattern: Pattern,
}

/// A row of `lead_evidence.csv`: a proving transfer in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRow {
    /// The lead.
    pub lead_id: Text,
    /// The transfer.
    pub transfer_id: Text,
    /// The pattern it proves.
    pub pattern: Pattern,
    /// When.
    pub timestamp: Time,
    /// Sender.
    pub src_account: Text,
    /// The paying account's holder name (empty when unknown, and in earlier folders).
    #[serde(default)]
    pub src_holder_name: Text,
    /// Receiver.
    pub dst_account: Text,
    /// The paid account's holder name.
    #[serde(default)]
    pub dst_holder_name: Text,
    /// Amount in its own currency.
    pub amount: Money,
    /// Its currency.
    pub currency: Text,
    /// Amount in the base currency.
    pub amount_base: Money,
    /// The base currency of `amount_base` (empty in folders written before it).
    #[serde(default)]
    pub base_currency: Text,
    /// Channel.
    pub channel: Text,
    /// Sender and receiver countries known and different.
    pub cross_border: YesNo,
    /// Sender's country (empty when unknown, or in folders written before it was added).
    #[serde(default)]
    pub src_country: Text,
    /// Receiver's country (as src_country).
    #[serde(default)]
    pub dst_country: Text,
    /// The transfer's memo (empty when it has none, and in folders written before it).
    #[serde(default)]
    pub memo: Text,
}

/// A row of `lead_hits.csv`: one hit of a lead, strongest first, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadHitRow {
    /// The lead.
    pub lead_id: Text,
    /// The pattern found.
    pub pattern: Pattern,
    /// How clearly it is present, in (0, 1].
    pub strength: Money,
    /// Amount it moved, in the base currency.
    pub amount_base: Money,
    /// The base currency of `amount_base` (empty in folders written before it).
    #[serde(default)]
    pub base_currency: Text,
    /// Earliest proving transfer.
    pub first_seen: Time,
    /// Latest proving transfer.
    pub last_seen: Time,
    /// The detector's reason, with its numbers.
    pub reason: Text,
}

/// A row of `truth.csv`: a laundering transfer and its case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthTransferRow {
    /// The transfer.
    pub transfer_id: Text,
    /// Its case.
    pub case_id: Text,
    /// The case's pattern, as the source labels it (a flowhound code, `TR1`, or a
    /// simulator's own name).
    pub pattern: Text,
}

/// A row of `truth_accounts.csv`: an account of a laundering case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthAccountRow {
    /// The account.
    pub account_id: Text,
    /// Its case.
    pub case_id: Text,
    /// The case's pattern, as the source labels it.
    pub pattern: Text,
    /// Its role in the case.
    pub role: Text,
}

/// A row of `eval.csv`: precision, recall and F1 of one pattern at one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    /// Pattern (or `ANY`: laundering vs not).
    pub pattern: Text,
    /// `account` or `transfer`.
    pub level: Text,
    /// Truth items.
    pub truth: usize,
    /// Predicted items.
    pub predicted: usize,
    /// Both.
    pub true_positive: usize,
    /// Precision.
    pub precision: Ratio,
    /// Recall.
    pub recall: Ratio,
    /// F1.
    pub f1: Ratio,
}

/// A row of `eval_cases.csv`: how one typology's cases reached the leads, whatever
/// pattern the leads name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseCoverageRow {
    /// The typology, as the truth labels it (or `ANY`: every case).
    pub typology: Text,
    /// Its cases.
    pub cases: usize,
    /// Cases one lead holds at least half the accounts of.
    pub cases_found: usize,
    /// Cases with at least one account in some lead.
    pub cases_touched: usize,
    /// Its truth accounts.
    pub accounts: usize,
    /// Those in some lead.
    pub accounts_in_leads: usize,
    /// `accounts_in_leads / accounts`.
    pub account_recall: Ratio,
}

/// A row of `eval_leads.csv`: one measure of the ranked list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityRow {
    /// `precision_at_10`, `leads`, `mixed_case_leads`, `mixed_unlinked_case_leads`,
    /// `largest_lead_accounts`.
    pub measure: Text,
    /// Its value (a ratio with four decimals, or a count).
    pub value: Text,
    /// What it counts (`7 of 10 leads`), or the lead it names.
    pub detail: Text,
}

impl QualityRow {
    /// The value as a number (0 when it is not one).
    pub fn number(&self) -> f64 {
        self.value.as_str().parse().unwrap_or(0.0)
    }
}

/// A row of `trace_summary.csv`: one traced case in one direction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceSummaryRow {
    /// The case (seeds.csv).
    pub case_id: Text,
    /// `forward` or `backward`.
    pub direction: Text,
    /// `proportional`, `fifo` or `lifo`.
    pub rule: Text,
    /// The seed accounts.
    pub seeds: List<String>,
    /// Value traced from the seeds.
    pub seed_value: Money,
    /// Held at the end, anywhere.
    pub held: Money,
    /// Held in offshore jurisdictions.
    pub held_offshore: Money,
    /// Held in high-risk jurisdictions.
    pub held_high_risk: Money,
    /// Left the banking system (cash out, sink accounts).
    pub sunk: Money,
    /// Dropped below `trace.min_share`.
    pub dropped_below_threshold: Money,
    /// Dropped at the hop limit.
    pub dropped_hop_limit: Money,
    /// seed_value = held + sunk + dropped, to the cent.
    pub conserved: YesNo,
}

/// A row of `trace_holdings.csv`: where traced value sits now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceHoldingRow {
    /// The case.
    pub case_id: Text,
    /// `forward` or `backward`.
    pub direction: Text,
    /// The account holding it.
    pub account_id: Text,
    /// Its holder.
    pub holder_id: Text,
    /// Its country.
    pub country: Text,
    /// In an offshore jurisdiction.
    pub offshore: YesNo,
    /// In a high-risk jurisdiction.
    pub high_risk: YesNo,
    /// Value held.
    pub amount: Money,
    /// Of the seed value.
    pub share_of_seed: Ratio,
    /// Hops from the nearest seed.
    pub hops_from_seed: u32,
}

/// A row of `trace_paths.csv`: one chain to (or from) an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracePathRow {
    /// The case.
    pub case_id: Text,
    /// `forward` or `backward`.
    pub direction: Text,
    /// Where the chain ends.
    pub endpoint: Text,
    /// Rank among the endpoint's chains.
    pub rank: usize,
    /// Value carried.
    pub amount: Money,
    /// Of the seed value.
    pub share_of_seed: Ratio,
    /// Smallest hop.
    pub bottleneck: Money,
    /// Transfers in the chain.
    pub hops: usize,
    /// The chain reaches a seed.
    pub reaches_seed: YesNo,
    /// Accounts, ` > `-joined.
    pub accounts: Text,
    /// Transfers, ` > `-joined.
    pub transfers: Text,
}

/// A row of `trace_flows.csv`: traced value between two accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceFlowRow {
    /// The case.
    pub case_id: Text,
    /// `forward` or `backward`.
    pub direction: Text,
    /// Sender.
    pub src_account: Text,
    /// Receiver.
    pub dst_account: Text,
    /// Traced value.
    pub amount: Money,
    /// Transfers carrying it.
    pub transfers: usize,
}

/// A row of `trace_jurisdictions.csv`: traced value held per country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceJurisdictionRow {
    /// The case.
    pub case_id: Text,
    /// `forward` or `backward`.
    pub direction: Text,
    /// Country (`unknown` when not known).
    pub country: Text,
    /// Offshore.
    pub offshore: YesNo,
    /// High-risk.
    pub high_risk: YesNo,
    /// Value held.
    pub amount: Money,
    /// Of the seed value.
    pub share_of_seed: Ratio,
}

/// A row of `eval_trace.csv`: how much of a traced case reached its true destinations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceScoreRow {
    /// The case.
    pub case_id: Text,
    /// Value traced.
    pub seed_value: Money,
    /// Of it, held at the case's true destinations.
    pub reached_destinations: Money,
    /// reached / seed.
    pub share: Ratio,
    /// True destination accounts.
    pub destinations: usize,
}

/// A row of `rejects.csv`: an input row not accepted, where it was and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectRow {
    /// The input file.
    pub file: Text,
    /// 1-based line (the header is line 1).
    pub line: u64,
    /// The column at fault (`*` for the whole row).
    pub field: Text,
    /// Why.
    pub reason: Text,
    /// The offending value, as read (at most 200 characters).
    pub value: Text,
}

/// Every row of `path`, typed; a row that does not fit names the file and its line.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| Error::bad_input(path, format!("cannot read: {e}")))?;
    let mut out = Vec::new();
    for (i, row) in reader.deserialize().enumerate() {
        out.push(row.map_err(|e| Error::bad_input(path, format!("line {}: {e}", i + 2)))?);
    }
    Ok(out)
}

/// The columns of an output file (by stem, e.g. `leads`) that hold whole numbers and
/// decimals; every other column is text (feature matrices are numbers but for their ids,
/// and not listed). The workbook and the Python tables type their cells by it.
pub fn number_columns(stem: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match stem {
        "leads" => {
            (&["rank", "account_count", "holder_count"], &["score", "total_amount_base", "gross_amount_base"])
        }
        "lead_accounts" => (&[], &["amount_in", "amount_out"]),
        "lead_evidence" => (&[], &["amount", "amount_base"]),
        "lead_hits" => (&[], &["strength", "amount_base"]),
        "rejects" | "trace_rejects" | "features_rejects" => (&["line"], &[]),
        "trace_summary" => (
            &[],
            &[
                "seed_value",
                "held",
                "held_offshore",
                "held_high_risk",
                "sunk",
                "dropped_below_threshold",
                "dropped_hop_limit",
            ],
        ),
        "trace_holdings" => (&["hops_from_seed"], &["amount", "share_of_seed"]),
        "trace_jurisdictions" => (&[], &["amount", "share_of_seed"]),
        "trace_paths" => (&["rank", "hops"], &["amount", "share_of_seed", "bottleneck"]),
        "trace_flows" => (&["transfers"], &["amount"]),
        _ => (&[], &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_out::CsvOut;

    #[test]
    fn a_lead_row_round_trips_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leads.csv");
        let row = LeadRow {
            lead_id: "L000001".into(),
            rank: 1,
            score: Fixed(87.126),
            patterns: List::new(vec![Pattern::Os1, Pattern::Ub1]),
            account_count: 3,
            holder_count: 2,
            countries: List::new(vec!["CN".into(), "VG".into()]),
            total_amount_base: Fixed(1500.0),
            gross_amount_base: Fixed(3000.0),
            base_currency: "USD".into(),
            first_seen: Time(1_709_285_400),
            last_seen: Time(1_709_371_800),
            controllers: List::new(vec![]),
            summary: "-starts like a formula".into(),
        };
        let mut out = CsvOut::create(&path, &crate::export::leads_csv::LEADS_HEADER).unwrap();
        out.record(&row).unwrap();
        out.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with(
            "L000001,1,87.13,OS1;UB1,3,2,CN;VG,1500.00,3000.00,USD,2024-03-01T09:30:00Z,2024-03-02T09:30:00Z,,'-starts like a formula\n"
        ), "{text}");
        let back: Vec<LeadRow> = read(&path).unwrap();
        assert_eq!(back[0].summary.as_str(), "-starts like a formula");
        assert_eq!(back[0].patterns, row.patterns);
        assert_eq!(back[0].first_seen, row.first_seen);
    }

    #[test]
    fn a_wrong_cell_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lead_transfers.csv");
        std::fs::write(&path, "lead_id,transfer_id,pattern\nL1,T1,UB1\nL1,T2,UB9\n").unwrap();
        let err = read::<LeadTransferRow>(&path).unwrap_err().to_string();
        assert!(err.contains("lead_transfers.csv") && err.contains("line 3") && err.contains("UB9"), "{err}");
    }

    #[test]
    fn roles_parse_into_pattern_and_role() {
        let r: PatternRole = "UB1:collector".parse().unwrap();
        assert_eq!((r.pattern, r.role.as_str()), (Pattern::Ub1, "collector"));
        assert!("collector".parse::<PatternRole>().is_err());
    }
}

//! Reviewing an `analyze` output folder: the leads that match a filter, in the order
//! asked for, as an investigator narrows a list down (the `leads` subcommand).

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::Result;
use crate::export::rows::{self, LeadAccountRow, LeadRow};
use crate::pattern::Pattern;

/// Which leads to keep; every field left empty keeps all.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Leads with at least one of these patterns.
    pub patterns: Vec<Pattern>,
    /// Leads scoring at least this.
    pub min_score: Option<f64>,
    /// Leads whose total_amount_base is at least this.
    pub min_amount: Option<f64>,
    /// Leads with an account in one of these countries.
    pub countries: Vec<String>,
    /// Leads holding one of these accounts.
    pub accounts: Vec<String>,
    /// Leads active on or after this time (unix seconds).
    pub from: Option<i64>,
    /// Leads active on or before this time.
    pub to: Option<i64>,
}

/// The order of the leads shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// By rank (the run's own order).
    #[default]
    Rank,
    /// Highest amount first.
    Amount,
    /// Most recent activity first.
    Recent,
    /// Most accounts first.
    Size,
}

/// The leads of `out` that pass `filter`, sorted by `sort` (ties by rank).
pub fn select(out: &Path, filter: &Filter, sort: SortBy) -> Result<Vec<LeadRow>> {
    let leads: Vec<LeadRow> = rows::read(&out.join("leads.csv"))?;
    let needs_accounts = !filter.accounts.is_empty();
    let holding: BTreeSet<String> = if needs_accounts {
        rows::read::<LeadAccountRow>(&out.join("lead_accounts.csv"))?
            .into_iter()
            .filter(|a| filter.accounts.iter().any(|x| x == a.account_id.as_str()))
            .map(|a| a.lead_id.0)
            .collect()
    } else {
        BTreeSet::new()
    };
    let mut kept: Vec<LeadRow> = leads
        .into_iter()
        .filter(|l| {
            filter.patterns.is_empty() || l.patterns.items().iter().any(|p| filter.patterns.contains(p))
        })
        .filter(|l| filter.min_score.is_none_or(|s| l.score.0 >= s))
        .filter(|l| filter.min_amount.is_none_or(|a| l.total_amount_base.0 >= a))
        .filter(|l| {
            filter.countries.is_empty() || l.countries.items().iter().any(|c| filter.countries.contains(c))
        })
        .filter(|l| !needs_accounts || holding.contains(l.lead_id.as_str()))
        .filter(|l| filter.from.is_none_or(|t| l.last_seen.0 >= t))
        .filter(|l| filter.to.is_none_or(|t| l.first_seen.0 <= t))
        .collect();
    match sort {
        SortBy::Rank => kept.sort_by_key(|l| l.rank),
        SortBy::Amount => kept.sort_by(|a, b| {
            b.total_amount_base.0.total_cmp(&a.total_amount_base.0).then(a.rank.cmp(&b.rank))
        }),
        SortBy::Recent => kept.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.rank.cmp(&b.rank))),
        SortBy::Size => kept.sort_by(|a, b| b.account_count.cmp(&a.account_count).then(a.rank.cmp(&b.rank))),
    }
    Ok(kept)
}

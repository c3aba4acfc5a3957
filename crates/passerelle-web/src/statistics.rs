//! Statistics from the store, shared by `passerelle stats` and the analysts' pages, so that a
//! publication made from the dashboard is the one the command line would have made: the same
//! distinct children, the same budget year, the same transaction that spends and records.

use std::collections::HashMap;

use passerelle_stats::{
    BudgetError, CaseAttributes, ChildRow, DEFAULT_BUDGET_PER_PERIOD, OsRandom, PeriodError, PrivacyBudget,
    PublishError, budget_period, distinct_children, publish,
};
use passerelle_store::statistics::{BudgetRow, Spend};
use passerelle_store::{Store, StoreError};

/// Why statistics could not be computed (never because of what the caller asked).
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A child could not be placed in a period (a case without a date).
    #[error(transparent)]
    Period(#[from] PeriodError),
}

/// Every distinct child of the installation: the coarse attributes of each case, grouped by
/// the coordinators' confirmed links.
pub async fn children(store: &Store) -> Result<Vec<ChildRow>, StatsError> {
    let records = store.stats_records().await?;
    let index: HashMap<uuid::Uuid, usize> = records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let links: Vec<(usize, usize)> = store
        .confirmed_links()
        .await?
        .into_iter()
        .filter_map(|(a, b)| Some((*index.get(&a.0)?, *index.get(&b.0)?)))
        .collect();
    let cases: Vec<CaseAttributes> = records
        .into_iter()
        .map(|r| CaseAttributes {
            opened_on: Some(r.created_at.date()),
            org_type: r.org_type,
            age: r.age_at_identification,
            gender: r.gender,
            region: r.region,
            trafficking_type: r.trafficking_type,
            exploitation: r.exploitation.split(',').filter(|e| !e.is_empty()).map(str::to_owned).collect(),
            presenting_situation: r.presenting_situation,
        })
        .collect();
    Ok(distinct_children(&cases, &links)?)
}

/// The budget period publications are charged to today (the calendar year).
pub fn current_period() -> Result<String, PeriodError> {
    budget_period(passerelle_core::time::now().date())
}

/// The current year's budget as it stands (the default total when nothing was spent yet).
pub async fn current_budget(store: &Store) -> Result<BudgetRow, StatsError> {
    Ok(store.privacy_budget(&current_period()?, DEFAULT_BUDGET_PER_PERIOD).await?)
}

/// Publishes every table for the current year, spending `epsilon` from its budget in the
/// transaction that records the publication. The inner error is a refusal (ε invalid, too
/// small or large for the mechanism, more than remains): nothing was drawn, spent or recorded.
pub async fn publish_now(store: &Store, epsilon: f64) -> Result<Result<Spend, PublishError>, StatsError> {
    let rows = children(store).await?;
    let period = current_period()?;
    Ok(store
        .publish_with_budget(&period, DEFAULT_BUDGET_PER_PERIOD, |b| {
            let budget = PrivacyBudget { period: b.period.clone(), total: b.total, spent: b.spent };
            let release = publish(&rows, &budget, epsilon, &mut OsRandom)?;
            let document = serde_json::to_string_pretty(&release.publication)
                .map_err(|_| PublishError::Budget(BudgetError::InvalidBudget(b.period.clone())))?;
            Ok::<_, PublishError>(Spend { epsilon, spent_after: release.budget.spent, document })
        })
        .await?)
}

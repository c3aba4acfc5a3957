//! `passerelle stats publish`: de-identified statistics with differential privacy.
//!
//! Reads only the coarse attributes kept in clear and the coordinators' confirmed links,
//! counts distinct children, and spends ε from the current year's budget in the same
//! transaction that records the publication; the file is written only after that commit.

use std::io::Write;
use std::path::Path;

use passerelle_stats::{
    BudgetError, CaseAttributes, DEFAULT_BUDGET_PER_PERIOD, OsRandom, PrivacyBudget, PublishError, budget_period,
    distinct_children, parse_epsilon, publish,
};
use passerelle_store::Store;
use passerelle_store::statistics::Spend;

use crate::Failure;
use crate::location::InstallArgs;

/// Every distinct child of the installation, as statistics see them.
pub async fn children(store: &Store) -> Result<Vec<passerelle_stats::ChildRow>, Failure> {
    let records = store.stats_records().await?;
    let index: std::collections::HashMap<uuid::Uuid, usize> =
        records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
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
    distinct_children(&cases, &links).map_err(|e| Failure::other("statistics", e))
}

/// `passerelle stats publish --epsilon E --out FILE`.
pub async fn publish_command(install: &InstallArgs, epsilon: &str, out: &Path) -> Result<(), Failure> {
    // A bad ε is refused before anything is opened or written.
    let epsilon = parse_epsilon(epsilon).map_err(|e| Failure::Input(e.to_string()))?;
    let (store, _) = install.open().await?;
    let result = publish_in(&store, epsilon).await;
    if let Ok(spend) = &result {
        store
            .audit(crate::admin::cli_entry("stats.publish", "publication", format!("epsilon {}", spend.epsilon), None))
            .await?;
    }
    store.close().await;
    let spend = result?;
    write_file(out, &spend.document)
}

/// Publishes with `epsilon` from the current year's budget (the command's and the demo's path).
pub async fn publish_in(store: &Store, epsilon: f64) -> Result<Spend, Failure> {
    let rows = children(store).await?;
    let today = passerelle_core::time::now().date();
    let period = budget_period(today).map_err(|e| Failure::other("statistics", e))?;
    let made = store
        .publish_with_budget(&period, DEFAULT_BUDGET_PER_PERIOD, |b| {
            let budget = PrivacyBudget { period: b.period.clone(), total: b.total, spent: b.spent };
            let release = publish(&rows, &budget, epsilon, &mut OsRandom)?;
            let document = serde_json::to_string_pretty(&release.publication)
                .map_err(|_| PublishError::Budget(BudgetError::InvalidBudget(b.period.clone())))?;
            Ok::<_, PublishError>(Spend { epsilon, spent_after: release.budget.spent, document })
        })
        .await?;
    made.map_err(|e| match e {
        PublishError::Budget(_) | PublishError::Mechanism(_) => Failure::Input(format!("{e}; nothing was published")),
        other => Failure::other("statistics", other),
    })
}

/// Writes `text` to `path` through a temporary file beside it, so a reader never sees half a
/// publication.
fn write_file(path: &Path, text: &str) -> Result<(), Failure> {
    let tmp = path.with_extension("tmp-passerelle");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Failure::other("cannot write the publication file", e)
    })
}

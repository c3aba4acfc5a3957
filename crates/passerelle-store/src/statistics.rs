//! What de-identified statistics read and write: the coarse attributes of every case (in
//! clear, never an identity), the privacy budget of each period, and the publications made
//! with it. Counting distinct children, adding noise and suppressing cells are pure functions
//! of `passerelle-stats`; spending the budget and recording the publication happen here, in
//! one transaction, so that two publications at once can never overspend.

use passerelle_core::ids::{CaseId, OrgId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::Db;
use crate::error::StoreError;
use crate::{Store, run};

/// The coarse attributes of one case, as statistics see it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct StatsRecord {
    /// The case (to apply confirmed links; never published).
    pub id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// The organization's type: where the child was identified (the referral source).
    pub org_type: String,
    /// When the case was opened.
    pub created_at: OffsetDateTime,
    /// Age when identified.
    pub age_at_identification: Option<i32>,
    /// Gender as declared.
    pub gender: Option<String>,
    /// Administrative region code.
    pub region: Option<String>,
    /// `internal` or `external`.
    pub trafficking_type: Option<String>,
    /// Forms of exploitation, comma-separated.
    pub exploitation: String,
    /// The presenting situation.
    pub presenting_situation: Option<String>,
    /// Immigration status.
    pub immigration_status: Option<String>,
}

impl StatsRecord {
    /// The case.
    pub fn case(&self) -> CaseId {
        CaseId(self.id)
    }

    /// The organization.
    pub fn org(&self) -> OrgId {
        OrgId(self.org_id)
    }
}

/// A period's privacy budget.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetRow {
    /// The period (`2026`).
    pub period: String,
    /// ε available in the period.
    pub total: f64,
    /// ε already spent.
    pub spent: f64,
}

/// What a publication spends and records.
#[derive(Clone, Debug, PartialEq)]
pub struct Spend {
    /// ε spent now.
    pub epsilon: f64,
    /// ε spent in the period after this publication.
    pub spent_after: f64,
    /// The published document (JSON).
    pub document: String,
}

/// A recorded publication.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct Publication {
    /// Identifier.
    pub id: Uuid,
    /// The budget period.
    pub period: String,
    /// ε spent.
    pub epsilon: f64,
    /// When.
    pub created_at: OffsetDateTime,
    /// The published document (JSON).
    pub document: String,
}

impl Store {
    /// The coarse attributes of every case, oldest first.
    pub async fn stats_records(&self) -> Result<Vec<StatsRecord>, StoreError> {
        const SQL: &str = "SELECT c.id, c.org_id, o.org_type, c.created_at, c.age_at_identification, c.gender, \
                           c.region, c.trafficking_type, c.exploitation, c.presenting_situation, c.immigration_status \
                           FROM cases c JOIN organizations o ON o.id = c.org_id ORDER BY c.created_at, c.id";
        Ok(run!(&self.db, |pool| sqlx::query_as(SQL).fetch_all(pool).await)?)
    }

    /// The coarse attributes of one case.
    pub async fn stats_record(&self, id: CaseId) -> Result<StatsRecord, StoreError> {
        const SQL: &str = "SELECT c.id, c.org_id, o.org_type, c.created_at, c.age_at_identification, c.gender, \
                           c.region, c.trafficking_type, c.exploitation, c.presenting_situation, c.immigration_status \
                           FROM cases c JOIN organizations o ON o.id = c.org_id WHERE c.id = $1";
        Ok(run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?)
    }

    /// The budget of `period` (`default_total` and nothing spent when none was used yet).
    pub async fn privacy_budget(&self, period: &str, default_total: f64) -> Result<BudgetRow, StoreError> {
        const SQL: &str = "SELECT total, spent FROM privacy_budgets WHERE period = $1";
        let row: Option<(f64, f64)> =
            run!(&self.db, |pool| sqlx::query_as(SQL).bind(period).fetch_optional(pool).await)?;
        let (total, spent) = row.unwrap_or((default_total, 0.0));
        Ok(BudgetRow { period: period.to_owned(), total, spent })
    }

    /// Spends from `period`'s budget and records the publication, in one transaction that
    /// holds the budget row: `make` sees the budget as it stands and returns what to spend and
    /// publish, or refuses (then nothing is written and its error is returned inside `Ok`).
    pub async fn publish_with_budget<E>(
        &self,
        period: &str,
        default_total: f64,
        make: impl FnOnce(&BudgetRow) -> Result<Spend, E>,
    ) -> Result<Result<Spend, E>, StoreError> {
        const ENSURE: &str = "INSERT INTO privacy_budgets (period, total, spent, updated_at) VALUES ($1, $2, 0, $3) \
                              ON CONFLICT (period) DO NOTHING";
        const READ_SQLITE: &str = "SELECT total, spent FROM privacy_budgets WHERE period = $1";
        const READ_POSTGRES: &str = "SELECT total, spent FROM privacy_budgets WHERE period = $1 FOR UPDATE";
        const UPDATE: &str = "UPDATE privacy_budgets SET spent = $1, updated_at = $2 WHERE period = $3";
        const RECORD: &str = "INSERT INTO stats_publications (id, period, epsilon, created_at, document) \
                              VALUES ($1, $2, $3, $4, $5)";
        let now = passerelle_core::time::now();
        macro_rules! body {
            ($tx:ident, $read:expr) => {{
                sqlx::query(ENSURE).bind(period).bind(default_total).bind(now).execute(&mut *$tx).await?;
                let (total, spent): (f64, f64) = sqlx::query_as($read).bind(period).fetch_one(&mut *$tx).await?;
                let budget = BudgetRow { period: period.to_owned(), total, spent };
                match make(&budget) {
                    Err(e) => return Ok(Err(e)),
                    Ok(spend) => {
                        sqlx::query(UPDATE).bind(spend.spent_after).bind(now).bind(period).execute(&mut *$tx).await?;
                        sqlx::query(RECORD)
                            .bind(Uuid::now_v7())
                            .bind(period)
                            .bind(spend.epsilon)
                            .bind(now)
                            .bind(&spend.document)
                            .execute(&mut *$tx)
                            .await?;
                        spend
                    }
                }
            }};
        }
        let spend = match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let spend = body!(tx, READ_SQLITE);
                tx.commit().await?;
                spend
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let spend = body!(tx, READ_POSTGRES);
                tx.commit().await?;
                spend
            }
        };
        Ok(Ok(spend))
    }

    /// The latest publications, newest first, at most `limit` (1 to 100).
    pub async fn publications(&self, limit: i64) -> Result<Vec<Publication>, StoreError> {
        const SQL: &str = "SELECT id, period, epsilon, created_at, document FROM stats_publications \
                           ORDER BY created_at DESC, id DESC LIMIT $1";
        Ok(run!(&self.db, |pool| sqlx::query_as(SQL).bind(limit.clamp(1, 100)).fetch_all(pool).await)?)
    }
}

//! What is done for a child once a case is open: needs assessments, the individual service
//! plan (draft, submitted, approved by a second person), services delivered and follow-ups.
//!
//! Everything the child or a worker wrote is sealed under the case key, bound to its table,
//! column and row, so destroying that key shreds it with the identity. Only coarse columns
//! stay in clear, for statistics and for due lists: need levels per domain, the plan's status
//! and review date, a service's kind and date, a follow-up's assignee and due date.
//!
//! Every write is one transaction with its event in the case's timeline (`assessment.add`,
//! `plan.save`, `plan.submit`, `plan.approve`, `plan.return`, `service.add`,
//! `followup.add`, `followup.done`), which names what it concerns by id only.

use std::collections::HashMap;
use std::sync::Arc;

use passerelle_core::ids::{CaseId, OrgId, UserId};
use passerelle_core::plan::{NeedsAssessment, PlanStatus, ServicePlan};
use passerelle_crypto::keys::DataKey;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::cases::{EXISTS, KEY_OF, open_case, seal_case};
use crate::db::Db;
use crate::error::StoreError;
use crate::{Store, case_event, in_tx, run};

/// A needs assessment of a case, decrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// Identifier.
    pub id: Uuid,
    /// Who made it.
    pub author: UserId,
    /// When.
    pub at: OffsetDateTime,
    /// The needs by domain, with the child's own words.
    pub needs: NeedsAssessment,
}

/// A case's service plan, decrypted, with where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRecord {
    /// The plan.
    pub plan: ServicePlan,
    /// Draft, submitted or approved.
    pub status: PlanStatus,
    /// Who submitted it for approval (while submitted or approved).
    pub submitted_by: Option<UserId>,
    /// When.
    pub submitted_at: Option<OffsetDateTime>,
    /// Who approved it (while approved).
    pub approved_by: Option<UserId>,
    /// When.
    pub approved_at: Option<OffsetDateTime>,
    /// Version for optimistic concurrency (1 for a new plan; 0 is "no plan yet").
    pub version: i64,
}

/// A service delivered to the child, decrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    /// Identifier.
    pub id: Uuid,
    /// Who recorded it.
    pub author: UserId,
    /// Date delivered, `YYYY-MM-DD`.
    pub delivered_on: String,
    /// One of [`passerelle_core::plan::SERVICE_KINDS`].
    pub kind: String,
    /// Who delivered it; empty once the case key has been destroyed.
    pub provider: String,
    /// What came of it; empty once the case key has been destroyed.
    pub outcome: String,
}

impl std::fmt::Debug for ServiceRecord {
    // The provider and the outcome may identify the child: never in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceRecord")
            .field("id", &self.id)
            .field("author", &self.author)
            .field("delivered_on", &self.delivered_on)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A follow-up to do for a case, decrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct Followup {
    /// Identifier.
    pub id: Uuid,
    /// The case.
    pub case_id: CaseId,
    /// The case's non-identifying code.
    pub case_code: String,
    /// Who is to do it.
    pub assigned_to: UserId,
    /// Due date, `YYYY-MM-DD`.
    pub due_on: String,
    /// What is to be done; empty once the case key has been destroyed.
    pub text: String,
    /// When it was done, if it was.
    pub done_at: Option<OffsetDateTime>,
}

impl std::fmt::Debug for Followup {
    // The text may identify the child: never in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Followup")
            .field("id", &self.id)
            .field("case_id", &self.case_id)
            .field("case_code", &self.case_code)
            .field("assigned_to", &self.assigned_to)
            .field("due_on", &self.due_on)
            .field("done_at", &self.done_at)
            .finish_non_exhaustive()
    }
}

/// The sealed part of a service.
#[derive(Serialize, Deserialize)]
struct ServiceBody {
    provider: String,
    outcome: String,
}

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    id: Uuid,
    author_id: Uuid,
    created_at: OffsetDateTime,
    body: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    body: Vec<u8>,
    status: String,
    submitted_by: Option<Uuid>,
    submitted_at: Option<OffsetDateTime>,
    approved_by: Option<Uuid>,
    approved_at: Option<OffsetDateTime>,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct ServiceRow {
    id: Uuid,
    author_id: Uuid,
    delivered_on: String,
    kind: String,
    body: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct FollowupRow {
    id: Uuid,
    case_id: Uuid,
    code: String,
    key_id: Uuid,
    assigned_to: Uuid,
    due_on: String,
    body: Vec<u8>,
    done_at: Option<OffsetDateTime>,
}

const ASSESSMENTS: &str = "case_assessments";
const PLANS: &str = "case_plans";
const SERVICES: &str = "case_services";
const FOLLOWUPS: &str = "case_followups";

const PLAN_EXISTS: &str = "SELECT COUNT(*) FROM case_plans WHERE case_id = $1";
const SELECT_PLAN: &str = "SELECT body, status, submitted_by, submitted_at, approved_by, approved_at, version \
                           FROM case_plans WHERE case_id = $1";

/// A change of a plan's status.
#[derive(Clone, Copy)]
enum Step {
    Submit,
    Approve,
    Return,
}

/// "domain:level,domain:level", kept in clear for statistics.
fn levels_of(needs: &NeedsAssessment) -> String {
    needs.entries.iter().map(|e| format!("{}:{}", e.domain, e.level)).collect::<Vec<_>>().join(",")
}

fn text_of(plain: &[u8], what: &'static str) -> Result<String, StoreError> {
    String::from_utf8(plain.to_vec()).map_err(|_| StoreError::Corrupt(what))
}

fn plan_record(key: &DataKey, case: CaseId, r: &PlanRow) -> Result<PlanRecord, StoreError> {
    let json = open_case(key, PLANS, "body", case.0, &r.body)?;
    Ok(PlanRecord {
        plan: serde_json::from_slice(&json).map_err(|_| StoreError::Corrupt("service plan"))?,
        status: r.status.parse().map_err(|()| StoreError::Corrupt("plan status"))?,
        submitted_by: r.submitted_by.map(UserId),
        submitted_at: r.submitted_at,
        approved_by: r.approved_by.map(UserId),
        approved_at: r.approved_at,
        version: r.version,
    })
}

impl Store {
    /// Adds a needs assessment (earlier ones stay as history), sealed under the case key with
    /// the levels in clear, and the event `assessment.add`, in one transaction.
    /// [`StoreError::NotFound`] when the case does not exist, [`StoreError::Conflict`] once its
    /// key has been destroyed.
    pub async fn add_assessment(&self, case: CaseId, by: UserId, needs: &NeedsAssessment) -> Result<Uuid, StoreError> {
        const INSERT: &str = "INSERT INTO case_assessments (id, case_id, author_id, created_at, levels, body) \
                              VALUES ($1, $2, $3, $4, $5, $6)";
        let (key_id, key) = self.live_case_key(case).await?;
        let id = Uuid::now_v7();
        let json = Zeroizing::new(serde_json::to_vec(needs).map_err(|_| StoreError::Corrupt("needs assessment"))?);
        let sealed = seal_case(&key, key_id, ASSESSMENTS, "body", id, &json)?;
        let levels = levels_of(needs);
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            sqlx::query(INSERT)
                .bind(id)
                .bind(case.0)
                .bind(by.0)
                .bind(now)
                .bind(&levels)
                .bind(&sealed)
                .execute(&mut *tx)
                .await?;
            case_event!(tx, case.0, now, Some(by.0), "assessment.add", Some(id.to_string()));
        });
        Ok(id)
    }

    /// A case's needs assessments, decrypted, newest first; empty once the case key has been
    /// destroyed (the levels stay in the database for statistics). [`StoreError::NotFound`]
    /// only when the case does not exist.
    pub async fn assessments(&self, case: CaseId) -> Result<Vec<Assessment>, StoreError> {
        const SQL: &str = "SELECT id, author_id, created_at, body FROM case_assessments WHERE case_id = $1 \
                           ORDER BY created_at DESC, id DESC";
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(case.0).fetch_one(pool).await)?;
        let Some(key) = self.case_key(key_id).await? else { return Ok(Vec::new()) };
        let rows: Vec<AssessmentRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(case.0).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let json = open_case(&key, ASSESSMENTS, "body", r.id, &r.body)?;
            let needs = serde_json::from_slice(&json).map_err(|_| StoreError::Corrupt("needs assessment"))?;
            out.push(Assessment { id: r.id, author: UserId(r.author_id), at: r.created_at, needs });
        }
        Ok(out)
    }

    /// The case's plan, decrypted. `Ok(None)` when there is no plan yet, and also once the
    /// case key has been destroyed (the plan can no longer be read; its status and dates stay
    /// in the database and its history in the timeline). [`StoreError::NotFound`] only when
    /// the case does not exist.
    pub async fn plan(&self, case: CaseId) -> Result<Option<PlanRecord>, StoreError> {
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(case.0).fetch_one(pool).await)?;
        let Some(key) = self.case_key(key_id).await? else { return Ok(None) };
        let row: Option<PlanRow> =
            run!(&self.db, |pool| sqlx::query_as(SELECT_PLAN).bind(case.0).fetch_optional(pool).await)?;
        row.map(|r| plan_record(&key, case, &r)).transpose()
    }

    /// Creates (`version` 0 means "no plan yet") or replaces the plan if still at `version`,
    /// sealed under the case key with the review date in clear, and the event `plan.save`, in
    /// one transaction. Any save puts the plan back to draft and clears its submission and
    /// approval: an approved plan that changes needs approval again.
    ///
    /// [`StoreError::Conflict`] for a stale `version` (including 0 when a plan exists) and
    /// once the case key has been destroyed; [`StoreError::NotFound`] when the case does not
    /// exist, or has no plan while `version` is not 0.
    pub async fn save_plan(
        &self,
        case: CaseId,
        version: i64,
        by: UserId,
        plan: &ServicePlan,
    ) -> Result<PlanRecord, StoreError> {
        const INSERT: &str = "INSERT INTO case_plans (case_id, body, status, review_date, updated_at, version) \
                              VALUES ($1, $2, 'draft', $3, $4, 1) ON CONFLICT (case_id) DO NOTHING";
        const UPDATE: &str = "UPDATE case_plans SET body = $1, status = 'draft', review_date = $2, \
                              submitted_by = NULL, submitted_at = NULL, approved_by = NULL, approved_at = NULL, \
                              updated_at = $3, version = version + 1 WHERE case_id = $4 AND version = $5";
        debug_assert!(plan.review_date.is_empty() || passerelle_core::plan::is_date(&plan.review_date));
        let (key_id, key) = self.live_case_key(case).await?;
        let json = Zeroizing::new(serde_json::to_vec(plan).map_err(|_| StoreError::Corrupt("service plan"))?);
        let sealed = seal_case(&key, key_id, PLANS, "body", case.0, &json)?;
        let review = Some(plan.review_date.as_str()).filter(|d| !d.is_empty());
        let now = passerelle_core::time::now();
        macro_rules! body {
            ($tx:ident) => {{
                if version == 0 {
                    let done = sqlx::query(INSERT)
                        .bind(case.0)
                        .bind(&sealed)
                        .bind(review)
                        .bind(now)
                        .execute(&mut *$tx)
                        .await?;
                    if done.rows_affected() != 1 {
                        return Err(StoreError::Conflict);
                    }
                } else {
                    let done = sqlx::query(UPDATE)
                        .bind(&sealed)
                        .bind(review)
                        .bind(now)
                        .bind(case.0)
                        .bind(version)
                        .execute(&mut *$tx)
                        .await?;
                    if done.rows_affected() != 1 {
                        let n: i64 = sqlx::query_scalar(PLAN_EXISTS).bind(case.0).fetch_one(&mut *$tx).await?;
                        return Err(if n == 0 { StoreError::NotFound } else { StoreError::Conflict });
                    }
                }
                case_event!($tx, case.0, now, Some(by.0), "plan.save", None::<String>);
                let row: PlanRow = sqlx::query_as(SELECT_PLAN).bind(case.0).fetch_one(&mut *$tx).await?;
                row
            }};
        }
        let row = match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let row = body!(tx);
                tx.commit().await?;
                row
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let row = body!(tx);
                tx.commit().await?;
                row
            }
        };
        plan_record(&key, case, &row)
    }

    /// Submits a draft plan at `version` for approval, with the event `plan.submit`.
    /// [`StoreError::Conflict`] for a stale `version`, a plan that is not a draft, or a
    /// destroyed case key; [`StoreError::NotFound`] when the case or its plan does not exist.
    pub async fn submit_plan(&self, case: CaseId, version: i64, by: UserId) -> Result<PlanRecord, StoreError> {
        self.move_plan(case, version, by, Step::Submit).await
    }

    /// Approves a submitted plan at `version`, with the event `plan.approve`. Four eyes: `by`
    /// must not be the one who submitted it. [`StoreError::Conflict`] for the submitter, a
    /// stale `version`, a plan that is not submitted, or a destroyed case key;
    /// [`StoreError::NotFound`] when the case or its plan does not exist. (Whether `by` may
    /// approve at all — the role — is the caller's check.)
    pub async fn approve_plan(&self, case: CaseId, version: i64, by: UserId) -> Result<PlanRecord, StoreError> {
        self.move_plan(case, version, by, Step::Approve).await
    }

    /// Returns a submitted plan at `version` to draft (clearing its submission), with the
    /// event `plan.return`. Errors as for [`Store::submit_plan`].
    pub async fn return_plan(&self, case: CaseId, version: i64, by: UserId) -> Result<PlanRecord, StoreError> {
        self.move_plan(case, version, by, Step::Return).await
    }

    async fn move_plan(&self, case: CaseId, version: i64, by: UserId, step: Step) -> Result<PlanRecord, StoreError> {
        // Each is conditional on the status it leaves, so the transition checked is the one made.
        const SUBMIT: &str = "UPDATE case_plans SET status = 'submitted', submitted_by = $1, submitted_at = $2, \
                              updated_at = $2, version = version + 1 \
                              WHERE case_id = $3 AND version = $4 AND status = 'draft'";
        const APPROVE: &str = "UPDATE case_plans SET status = 'approved', approved_by = $1, approved_at = $2, \
                               updated_at = $2, version = version + 1 \
                               WHERE case_id = $3 AND version = $4 AND status = 'submitted' AND submitted_by <> $1";
        const RETURN: &str = "UPDATE case_plans SET status = 'draft', submitted_by = NULL, submitted_at = NULL, \
                              updated_at = $1, version = version + 1 \
                              WHERE case_id = $2 AND version = $3 AND status = 'submitted'";
        // A plan nobody can read any more cannot be submitted, approved or returned.
        let (_, key) = self.live_case_key(case).await?;
        let now = passerelle_core::time::now();
        let kind = match step {
            Step::Submit => "plan.submit",
            Step::Approve => "plan.approve",
            Step::Return => "plan.return",
        };
        macro_rules! body {
            ($tx:ident) => {{
                let done = match step {
                    Step::Submit | Step::Approve => {
                        let sql = if matches!(step, Step::Submit) { SUBMIT } else { APPROVE };
                        sqlx::query(sql).bind(by.0).bind(now).bind(case.0).bind(version).execute(&mut *$tx).await?
                    }
                    Step::Return => sqlx::query(RETURN).bind(now).bind(case.0).bind(version).execute(&mut *$tx).await?,
                };
                if done.rows_affected() != 1 {
                    let n: i64 = sqlx::query_scalar(PLAN_EXISTS).bind(case.0).fetch_one(&mut *$tx).await?;
                    return Err(if n == 0 { StoreError::NotFound } else { StoreError::Conflict });
                }
                case_event!($tx, case.0, now, Some(by.0), kind, None::<String>);
                let row: PlanRow = sqlx::query_as(SELECT_PLAN).bind(case.0).fetch_one(&mut *$tx).await?;
                row
            }};
        }
        let row = match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let row = body!(tx);
                tx.commit().await?;
                row
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let row = body!(tx);
                tx.commit().await?;
                row
            }
        };
        plan_record(&key, case, &row)
    }

    /// Records a service delivered, the provider and outcome sealed under the case key, the
    /// date and kind in clear, with the event `service.add`, in one transaction.
    ///
    /// The caller validates `delivered_on` (`YYYY-MM-DD`, see
    /// [`passerelle_core::plan::is_date`]) and `kind` (one of
    /// [`passerelle_core::plan::SERVICE_KINDS`]); they are only checked in debug builds here.
    /// [`StoreError::NotFound`] when the case does not exist, [`StoreError::Conflict`] once
    /// its key has been destroyed.
    pub async fn add_service(
        &self,
        case: CaseId,
        by: UserId,
        delivered_on: &str,
        kind: &str,
        provider: &str,
        outcome: &str,
    ) -> Result<Uuid, StoreError> {
        const INSERT: &str = "INSERT INTO case_services (id, case_id, author_id, created_at, delivered_on, kind, body) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7)";
        debug_assert!(passerelle_core::plan::is_date(delivered_on), "service date");
        debug_assert!(passerelle_core::plan::SERVICE_KINDS.contains(&kind), "service kind");
        let (key_id, key) = self.live_case_key(case).await?;
        let id = Uuid::now_v7();
        let body = ServiceBody { provider: provider.to_owned(), outcome: outcome.to_owned() };
        let json = Zeroizing::new(serde_json::to_vec(&body).map_err(|_| StoreError::Corrupt("service"))?);
        let sealed = seal_case(&key, key_id, SERVICES, "body", id, &json)?;
        let now = passerelle_core::time::now();
        macro_rules! body {
            ($tx:ident) => {{
                sqlx::query(INSERT)
                    .bind(id)
                    .bind(case.0)
                    .bind(by.0)
                    .bind(now)
                    .bind(delivered_on)
                    .bind(kind)
                    .bind(&sealed)
                    .execute(&mut *$tx)
                    .await?;
                case_event!($tx, case.0, now, Some(by.0), "service.add", Some(id.to_string()));
            }};
        }
        match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                body!(tx);
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                body!(tx);
                tx.commit().await?;
            }
        }
        Ok(id)
    }

    /// A case's services, decrypted, newest first (by date delivered, then by when recorded).
    /// Once the case key has been destroyed they are still listed, date and kind only (the
    /// provider and outcome empty). [`StoreError::NotFound`] only when the case does not exist.
    pub async fn services(&self, case: CaseId) -> Result<Vec<ServiceRecord>, StoreError> {
        const SQL: &str = "SELECT id, author_id, delivered_on, kind, body FROM case_services WHERE case_id = $1 \
                           ORDER BY delivered_on DESC, created_at DESC, id DESC";
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(case.0).fetch_one(pool).await)?;
        let key = self.case_key(key_id).await?;
        let rows: Vec<ServiceRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(case.0).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let (provider, outcome) = match &key {
                Some(key) => {
                    let json = open_case(key, SERVICES, "body", r.id, &r.body)?;
                    let b: ServiceBody = serde_json::from_slice(&json).map_err(|_| StoreError::Corrupt("service"))?;
                    (b.provider, b.outcome)
                }
                None => (String::new(), String::new()),
            };
            out.push(ServiceRecord {
                id: r.id,
                author: UserId(r.author_id),
                delivered_on: r.delivered_on,
                kind: r.kind,
                provider,
                outcome,
            });
        }
        Ok(out)
    }

    /// Adds a follow-up for `assigned_to`, its text sealed under the case key, the due date in
    /// clear, with the event `followup.add`, in one transaction. The caller validates `due_on`
    /// (`YYYY-MM-DD`; checked in debug builds only here).
    ///
    /// [`StoreError::NotFound`] when the case does not exist or `assigned_to` is not a member
    /// of the case's organization; [`StoreError::Conflict`] once the case key has been
    /// destroyed. Either way nothing is written.
    pub async fn add_followup(
        &self,
        case: CaseId,
        by: UserId,
        assigned_to: UserId,
        due_on: &str,
        text: &str,
    ) -> Result<Uuid, StoreError> {
        const SAME_ORG: &str = "SELECT COUNT(*) FROM cases c JOIN users u ON u.org_id = c.org_id \
                                WHERE c.id = $1 AND u.id = $2";
        const INSERT: &str = "INSERT INTO case_followups (id, case_id, assigned_to, due_on, body, created_by, \
                              created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        debug_assert!(passerelle_core::plan::is_date(due_on), "follow-up date");
        let (key_id, key) = self.live_case_key(case).await?;
        let id = Uuid::now_v7();
        let sealed = seal_case(&key, key_id, FOLLOWUPS, "body", id, text.as_bytes())?;
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            let n: i64 = sqlx::query_scalar(SAME_ORG).bind(case.0).bind(assigned_to.0).fetch_one(&mut *tx).await?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(INSERT)
                .bind(id)
                .bind(case.0)
                .bind(assigned_to.0)
                .bind(due_on)
                .bind(&sealed)
                .bind(by.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            case_event!(tx, case.0, now, Some(by.0), "followup.add", Some(id.to_string()));
        });
        Ok(id)
    }

    /// Marks a follow-up done, with the event `followup.done`, in one transaction.
    /// Idempotent: one already done keeps its first completion and records nothing.
    /// [`StoreError::NotFound`] when the follow-up does not exist. Works after the case key
    /// has been destroyed (nothing is sealed). The caller checks the follow-up's case.
    pub async fn complete_followup(&self, id: Uuid, by: UserId) -> Result<(), StoreError> {
        const CASE_OF: &str = "SELECT case_id FROM case_followups WHERE id = $1";
        const DONE: &str = "UPDATE case_followups SET done_at = $1, done_by = $2 WHERE id = $3 AND done_at IS NULL";
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            let case: Option<Uuid> = sqlx::query_scalar(CASE_OF).bind(id).fetch_optional(&mut *tx).await?;
            let Some(case) = case else { return Err(StoreError::NotFound) };
            let done = sqlx::query(DONE).bind(now).bind(by.0).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                case_event!(tx, case, now, Some(by.0), "followup.done", Some(id.to_string()));
            }
        });
        Ok(())
    }

    /// A case's follow-ups, open and done, by due date. Once the case key has been destroyed
    /// their texts are empty; due dates, assignees and completion stay.
    /// [`StoreError::NotFound`] only when the case does not exist.
    pub async fn case_followups(&self, case: CaseId) -> Result<Vec<Followup>, StoreError> {
        const SQL: &str = "SELECT f.id, f.case_id, c.code, c.key_id, f.assigned_to, f.due_on, f.body, f.done_at \
                           FROM case_followups f JOIN cases c ON c.id = f.case_id \
                           WHERE f.case_id = $1 ORDER BY f.due_on, f.created_at, f.id";
        let n: i64 = run!(&self.db, |pool| sqlx::query_scalar(EXISTS).bind(case.0).fetch_one(pool).await)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let rows: Vec<FollowupRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(case.0).fetch_all(pool).await)?;
        self.followups(rows).await
    }

    /// Open follow-ups due on or before `until` (`YYYY-MM-DD`) in `org`; with `assigned_to`
    /// given, only that person's. By due date, at most `limit` (1 to 1000). Used for "what is
    /// due and overdue" lists. Follow-ups of a case whose key was destroyed are listed with
    /// an empty text.
    pub async fn due_followups(
        &self,
        org: OrgId,
        assigned_to: Option<UserId>,
        until: &str,
        limit: i64,
    ) -> Result<Vec<Followup>, StoreError> {
        const SQL: &str = "SELECT f.id, f.case_id, c.code, c.key_id, f.assigned_to, f.due_on, f.body, f.done_at \
                           FROM case_followups f JOIN cases c ON c.id = f.case_id \
                           WHERE c.org_id = $1 AND ($2 IS NULL OR f.assigned_to = $2) AND f.due_on <= $3 \
                           AND f.done_at IS NULL ORDER BY f.due_on, f.created_at, f.id LIMIT $4";
        let rows: Vec<FollowupRow> = run!(&self.db, |pool| sqlx::query_as(SQL)
            .bind(org.0)
            .bind(assigned_to.map(|u| u.0))
            .bind(until)
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await)?;
        self.followups(rows).await
    }

    /// Decrypts follow-ups, each with its case's key (an empty text when it is destroyed).
    async fn followups(&self, rows: Vec<FollowupRow>) -> Result<Vec<Followup>, StoreError> {
        let mut keys: HashMap<Uuid, Option<Arc<DataKey>>> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let key = if let Some(key) = keys.get(&r.key_id) {
                key.clone()
            } else {
                let key = self.case_key(r.key_id).await?;
                keys.insert(r.key_id, key.clone());
                key
            };
            let text = match key {
                Some(key) => text_of(&open_case(&key, FOLLOWUPS, "body", r.id, &r.body)?, "follow-up")?,
                None => String::new(),
            };
            out.push(Followup {
                id: r.id,
                case_id: CaseId(r.case_id),
                case_code: r.code,
                assigned_to: UserId(r.assigned_to),
                due_on: r.due_on,
                text,
                done_at: r.done_at,
            });
        }
        Ok(out)
    }

    /// Plans waiting for approval in `org`: case id, case code and when submitted, oldest
    /// first, at most `limit` (1 to 1000). Plans of cases whose key was destroyed are left
    /// out: they can no longer be read, so not approved either.
    pub async fn plans_awaiting_approval(
        &self,
        org: OrgId,
        limit: i64,
    ) -> Result<Vec<(CaseId, String, OffsetDateTime)>, StoreError> {
        const SQL: &str = "SELECT p.case_id, c.code, p.submitted_at FROM case_plans p \
                           JOIN cases c ON c.id = p.case_id \
                           JOIN data_keys k ON k.id = c.key_id AND k.wrapped IS NOT NULL \
                           WHERE c.org_id = $1 AND p.status = 'submitted' \
                           ORDER BY p.submitted_at, p.case_id LIMIT $2";
        let rows: Vec<(Uuid, String, Option<OffsetDateTime>)> =
            run!(&self.db, |pool| sqlx::query_as(SQL).bind(org.0).bind(limit.clamp(1, 1000)).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|(case, code, at)| Ok((CaseId(case), code, at.ok_or(StoreError::Corrupt("plan submission"))?)))
            .collect()
    }
}

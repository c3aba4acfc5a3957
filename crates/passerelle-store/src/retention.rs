//! Retention and destruction: the installation's periods, legal holds on cases, and the daily
//! job that destroys what has expired.
//!
//! Destroying a case shreds its key (the identity, close reason, notes, plan texts and linkage
//! encoding become unreadable for good, backups included) and deletes the rows that held
//! anything about the child beyond the coarse statistical columns of the case row, which stay
//! so that yearly statistics do not change retroactively. Every destruction is audited by
//! object id only. The job claims its day in `job_runs` before doing anything, so that several
//! servers on one database run it once.

use passerelle_core::audit::{NewAuditEntry, Outcome};
use passerelle_core::ids::{CaseId, OrgId, UserId};
use passerelle_core::privacy_contact::PrivacyContact;
use passerelle_core::retention::{HoldInput, HoldReason, RecordKind, RetentionRules, candidates_until, due};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::cases::{open_case, seal_case};
use crate::db::Db;
use crate::error::StoreError;
use crate::{Store, case_event, exec, in_tx, run};

/// The name of the job in `job_runs`.
pub const JOB: &str = "retention";
/// After this long without finishing, a claim is taken to be abandoned (its server stopped
/// mid-run) and another runner may take the day over.
const LEASE: time::Duration = time::Duration::hours(1);
const HOLDS_TABLE: &str = "legal_holds";

/// A legal hold, its reference decrypted (empty once the case key is gone).
#[derive(Clone, PartialEq, Eq)]
pub struct LegalHold {
    /// Identifier.
    pub id: Uuid,
    /// The case.
    pub case_id: CaseId,
    /// Why.
    pub reason: HoldReason,
    /// File or order number.
    pub reference: String,
    /// Who placed it.
    pub placed_by: UserId,
    /// When.
    pub placed_at: OffsetDateTime,
    /// Who lifted it, when lifted.
    pub lifted_by: Option<UserId>,
    /// When.
    pub lifted_at: Option<OffsetDateTime>,
}

impl std::fmt::Debug for LegalHold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegalHold")
            .field("id", &self.id)
            .field("case_id", &self.case_id)
            .field("reason", &self.reason)
            .field("lifted_at", &self.lifted_at)
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct HoldRow {
    id: Uuid,
    case_id: Uuid,
    reason: String,
    reference: Option<Vec<u8>>,
    placed_by: Uuid,
    placed_at: OffsetDateTime,
    lifted_by: Option<Uuid>,
    lifted_at: Option<OffsetDateTime>,
}

/// What one run destroyed (or, for a dry run, would destroy). Counts only: nothing here
/// identifies a record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetentionSummary {
    /// Closed cases destroyed.
    pub cases_destroyed: u64,
    /// Closed cases past their period but kept under a legal hold.
    pub cases_held: u64,
    /// Completed screenings that led to no case, deleted.
    pub anonymous_screenings: u64,
    /// Abandoned drafts, deleted.
    pub draft_screenings: u64,
    /// Register entries past their keeping period, deleted.
    pub incidents: u64,
}

impl RetentionSummary {
    /// One line for the audit trail and the command's output.
    pub fn line(&self) -> String {
        format!(
            "cases_destroyed={} cases_held={} anonymous_screenings={} draft_screenings={} incidents={}",
            self.cases_destroyed, self.cases_held, self.anonymous_screenings, self.draft_screenings, self.incidents
        )
    }
}

/// The outcome of [`Store::run_retention`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetentionRun {
    /// This runner claimed the day and ran the job.
    Ran(RetentionSummary),
    /// Another runner (or an earlier run) has the day already.
    AlreadyRan {
        /// The runner that claimed it.
        claimed_by: String,
        /// When.
        claimed_at: OffsetDateTime,
    },
}

#[derive(sqlx::FromRow)]
struct CandidateCase {
    id: Uuid,
    org_id: Uuid,
    closed_at: OffsetDateTime,
    holds: i64,
}

#[derive(sqlx::FromRow)]
struct CandidateRow {
    id: Uuid,
    org_id: Uuid,
    since: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct IncidentCandidate {
    id: Uuid,
    org_id: Uuid,
    discovered_on: String,
}

/// What the job found due, before destroying anything.
struct Due {
    cases: Vec<(CaseId, OrgId)>,
    held: u64,
    anonymous: Vec<(Uuid, OrgId)>,
    drafts: Vec<(Uuid, OrgId)>,
    incidents: Vec<(Uuid, OrgId)>,
}

fn system_entry(
    action: &str,
    object_type: &str,
    object_id: String,
    org: Option<OrgId>,
    purpose: String,
) -> NewAuditEntry {
    NewAuditEntry {
        actor_user_id: None,
        actor_org_id: None,
        action: action.to_owned(),
        object_type: object_type.to_owned(),
        object_id: Some(object_id),
        object_org_id: org,
        purpose: Some(purpose),
        outcome: Outcome::Success,
    }
}

fn date_start(raw: &str) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(raw, fmt).ok().map(|d| d.midnight().assume_utc())
}

impl Store {
    /// The installation's periods (a kind without a row keeps its default).
    pub async fn retention_rules(&self) -> Result<RetentionRules, StoreError> {
        const SQL: &str = "SELECT kind, months FROM retention_rules";
        let rows: Vec<(String, i64)> = run!(&self.db, |pool| sqlx::query_as(SQL).fetch_all(pool).await)?;
        let pairs: Vec<(RecordKind, u32)> =
            rows.into_iter().filter_map(|(k, m)| Some((k.parse().ok()?, u32::try_from(m).ok()?))).collect();
        Ok(RetentionRules::from_pairs(&pairs))
    }

    /// Replaces every period, in one transaction.
    pub async fn set_retention_rules(&self, rules: &RetentionRules, by: UserId) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO retention_rules (kind, months, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
                           ON CONFLICT (kind) DO UPDATE SET months = $2, updated_by = $3, updated_at = $4";
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            for (kind, months) in rules.pairs() {
                sqlx::query(SQL)
                    .bind(kind.as_str())
                    .bind(i64::from(months))
                    .bind(by.0)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    /// Places a hold on a case, its reference sealed with the case key.
    /// [`StoreError::NotFound`] when the case does not exist, [`StoreError::Conflict`] once it
    /// has been destroyed.
    pub async fn place_hold(&self, case: CaseId, by: UserId, input: &HoldInput) -> Result<Uuid, StoreError> {
        // Locks the case row first, as destruction does, so that a hold and a destruction of
        // the same case are serialized: whichever comes second sees the other.
        const TOUCH: &str = "UPDATE cases SET updated_at = $1 WHERE id = $2 AND destroyed_at IS NULL";
        const ORG: &str = "SELECT org_id FROM cases WHERE id = $1";
        const INSERT: &str = "INSERT INTO legal_holds (id, case_id, org_id, reason, reference, placed_by, placed_at) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let (key_id, key) = self.live_case_key(case).await?;
        let id = Uuid::now_v7();
        let sealed = if input.reference.is_empty() {
            None
        } else {
            Some(seal_case(&key, key_id, HOLDS_TABLE, "reference", id, input.reference.as_bytes())?)
        };
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            let touched = sqlx::query(TOUCH).bind(now).bind(case.0).execute(&mut *tx).await?;
            if touched.rows_affected() != 1 {
                return Err(StoreError::Conflict);
            }
            let org: Uuid = sqlx::query_scalar(ORG).bind(case.0).fetch_one(&mut *tx).await?;
            sqlx::query(INSERT)
                .bind(id)
                .bind(case.0)
                .bind(org)
                .bind(input.reason.as_str())
                .bind(sealed)
                .bind(by.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            case_event!(tx, case.0, now, Some(by.0), "hold.place", Some(id.to_string()));
        });
        Ok(id)
    }

    /// Lifts an active hold of `case`. [`StoreError::NotFound`] when there is no such active
    /// hold on that case.
    pub async fn lift_hold(&self, case: CaseId, hold: Uuid, by: UserId) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE legal_holds SET lifted_by = $1, lifted_at = $2 \
                           WHERE id = $3 AND case_id = $4 AND lifted_at IS NULL";
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            let done = sqlx::query(SQL).bind(by.0).bind(now).bind(hold).bind(case.0).execute(&mut *tx).await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
            case_event!(tx, case.0, now, Some(by.0), "hold.lift", Some(hold.to_string()));
        });
        Ok(())
    }

    /// A case's holds, active first, then newest first.
    pub async fn holds_of(&self, case: CaseId) -> Result<Vec<LegalHold>, StoreError> {
        const SQL: &str = "SELECT id, case_id, reason, reference, placed_by, placed_at, lifted_by, lifted_at \
                           FROM legal_holds WHERE case_id = $1 \
                           ORDER BY CASE WHEN lifted_at IS NULL THEN 0 ELSE 1 END, placed_at DESC, id DESC";
        let rows: Vec<HoldRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(case.0).fetch_all(pool).await)?;
        let key_id: Option<Uuid> =
            run!(&self.db, |pool| sqlx::query_scalar(crate::cases::KEY_OF).bind(case.0).fetch_optional(pool).await)?;
        let key = match key_id {
            Some(k) => self.case_key(k).await?,
            None => None,
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let reference = match (&r.reference, &key) {
                (Some(sealed), Some(key)) => {
                    let plain = open_case(key, HOLDS_TABLE, "reference", r.id, sealed)?;
                    String::from_utf8(plain.to_vec()).map_err(|_| StoreError::Corrupt("hold reference"))?
                }
                _ => String::new(),
            };
            out.push(LegalHold {
                id: r.id,
                case_id: CaseId(r.case_id),
                reason: r.reason.parse().map_err(|_| StoreError::Corrupt("hold reason"))?,
                reference,
                placed_by: UserId(r.placed_by),
                placed_at: r.placed_at,
                lifted_by: r.lifted_by.map(UserId),
                lifted_at: r.lifted_at,
            });
        }
        Ok(out)
    }

    /// When the retention job destroyed this case, if it did.
    pub async fn case_destroyed_at(&self, case: CaseId) -> Result<Option<OffsetDateTime>, StoreError> {
        const SQL: &str = "SELECT destroyed_at FROM cases WHERE id = $1";
        Ok(run!(&self.db, |pool| sqlx::query_scalar(SQL).bind(case.0).fetch_one(pool).await)?)
    }

    /// The published contact of the privacy officer, once set.
    pub async fn privacy_contact(&self) -> Result<Option<PrivacyContact>, StoreError> {
        const SQL: &str = "SELECT title, name, email, phone, postal_address FROM privacy_contact WHERE id = 1";
        let row: Option<(String, String, String, String, String)> =
            run!(&self.db, |pool| sqlx::query_as(SQL).fetch_optional(pool).await)?;
        Ok(row.map(|(title, name, email, phone, postal_address)| PrivacyContact {
            title,
            name,
            email,
            phone,
            postal_address,
        }))
    }

    /// Replaces the published contact (`by` is `None` for the command line and the demo).
    pub async fn set_privacy_contact(&self, c: &PrivacyContact, by: Option<UserId>) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO privacy_contact (id, title, name, email, phone, postal_address, updated_by, \
                           updated_at) VALUES (1, $1, $2, $3, $4, $5, $6, $7) \
                           ON CONFLICT (id) DO UPDATE SET title = $1, name = $2, email = $3, phone = $4, \
                           postal_address = $5, updated_by = $6, updated_at = $7";
        let now = passerelle_core::time::now();
        exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(&c.title)
                .bind(&c.name)
                .bind(&c.email)
                .bind(&c.phone)
                .bind(&c.postal_address)
                .bind(by.map(|u| u.0))
                .bind(now)
        )?;
        Ok(())
    }

    /// Runs the retention job for the day of `now`, once per installation: the first runner
    /// to claim the day destroys what is due; any other gets [`RetentionRun::AlreadyRan`].
    /// `runner` names the claimant in `job_runs` (host and process, never a person).
    pub async fn run_retention(&self, now: OffsetDateTime, runner: &str) -> Result<RetentionRun, StoreError> {
        const WHO: &str = "SELECT claimed_by, claimed_at FROM job_runs WHERE job = $1 AND period = $2";
        const DELETE_INCIDENT: &str = "DELETE FROM incidents WHERE id = $1";
        const FINISH: &str = "UPDATE job_runs SET finished_at = $1, summary = $2 WHERE job = $3 AND period = $4";
        let period = now.date().to_string();
        if !self.claim_job(JOB, &period, runner, now).await? {
            let (claimed_by, claimed_at): (String, OffsetDateTime) =
                run!(&self.db, |pool| sqlx::query_as(WHO).bind(JOB).bind(&period).fetch_one(pool).await)?;
            return Ok(RetentionRun::AlreadyRan { claimed_by, claimed_at });
        }
        let rules = self.retention_rules().await?;
        let found = self.find_due(&rules, now).await?;
        let mut summary = RetentionSummary { cases_held: found.held, ..RetentionSummary::default() };
        for (case, org) in found.cases {
            if self.destroy_expired_case(case, &rules, now).await? {
                summary.cases_destroyed += 1;
                let why = format!("retention: {}", RecordKind::ClosedCase);
                self.audit(system_entry("retention.destroy", "case", case.to_string(), Some(org), why)).await?;
            } else {
                summary.cases_held += 1;
            }
        }
        for (kind, list) in
            [(RecordKind::AnonymousScreening, found.anonymous), (RecordKind::DraftScreening, found.drafts)]
        {
            for (id, org) in list {
                if self.delete_expired_screening(id, kind).await? {
                    match kind {
                        RecordKind::AnonymousScreening => summary.anonymous_screenings += 1,
                        _ => summary.draft_screenings += 1,
                    }
                    let why = format!("retention: {kind}");
                    self.audit(system_entry("retention.destroy", "screening", id.to_string(), Some(org), why)).await?;
                }
            }
        }
        for (id, org) in found.incidents {
            if exec!(&self.db, sqlx::query(DELETE_INCIDENT).bind(id))? == 1 {
                summary.incidents += 1;
                let why = format!("retention: {}", RecordKind::Incident);
                self.audit(system_entry("retention.destroy", "incident", id.to_string(), Some(org), why)).await?;
            }
        }
        self.audit(system_entry("retention.run", "job", period.clone(), None, summary.line())).await?;
        let done = passerelle_core::time::now();
        exec!(&self.db, sqlx::query(FINISH).bind(done).bind(summary.line()).bind(JOB).bind(&period))?;
        Ok(RetentionRun::Ran(summary))
    }

    /// What a run at `now` would destroy, without claiming the day or changing anything.
    pub async fn retention_dry_run(&self, now: OffsetDateTime) -> Result<RetentionSummary, StoreError> {
        let rules = self.retention_rules().await?;
        let found = self.find_due(&rules, now).await?;
        Ok(RetentionSummary {
            cases_destroyed: found.cases.len() as u64,
            cases_held: found.held,
            anonymous_screenings: found.anonymous.len() as u64,
            draft_screenings: found.drafts.len() as u64,
            incidents: found.incidents.len() as u64,
        })
    }

    /// Claims `job` for `period`: `true` for exactly one runner. A single statement on both
    /// backends (a primary-key insert, or the takeover of an abandoned claim), so two runners
    /// racing on one database cannot both win.
    pub async fn claim_job(
        &self,
        job: &str,
        period: &str,
        runner: &str,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        const INSERT: &str = "INSERT INTO job_runs (job, period, claimed_by, claimed_at) VALUES ($1, $2, $3, $4) \
                              ON CONFLICT (job, period) DO NOTHING";
        const TAKEOVER: &str = "UPDATE job_runs SET claimed_by = $1, claimed_at = $2 \
                                WHERE job = $3 AND period = $4 AND finished_at IS NULL AND claimed_at < $5";
        if exec!(&self.db, sqlx::query(INSERT).bind(job).bind(period).bind(runner).bind(now))? == 1 {
            return Ok(true);
        }
        let stale = now - LEASE;
        Ok(exec!(&self.db, sqlx::query(TAKEOVER).bind(runner).bind(now).bind(job).bind(period).bind(stale))? == 1)
    }

    async fn find_due(&self, rules: &RetentionRules, now: OffsetDateTime) -> Result<Due, StoreError> {
        // The closure is the last `status.closed` event; a case imported closed without one
        // counts from its last change, which can only be later (so never destroyed early).
        const CASES: &str = "SELECT c.id, c.org_id, COALESCE(MAX(e.at), c.updated_at) AS closed_at, \
                             (SELECT COUNT(*) FROM legal_holds h WHERE h.case_id = c.id AND h.lifted_at IS NULL) \
                             AS holds \
                             FROM cases c LEFT JOIN case_events e ON e.case_id = c.id AND e.kind = 'status.closed' \
                             WHERE c.status = 'closed' AND c.destroyed_at IS NULL \
                             GROUP BY c.id, c.org_id, c.updated_at \
                             HAVING COALESCE(MAX(e.at), c.updated_at) <= $1";
        const ANONYMOUS: &str = "SELECT id, org_id, created_at AS since FROM screenings \
                                 WHERE status = 'completed' AND case_id IS NULL AND created_at <= $1";
        const DRAFTS: &str = "SELECT id, org_id, updated_at AS since FROM screenings \
                              WHERE status = 'draft' AND case_id IS NULL AND updated_at <= $1";
        const INCIDENTS: &str = "SELECT id, org_id, discovered_on FROM incidents WHERE discovered_on <= $1";
        let bound = candidates_until(RecordKind::ClosedCase, rules, now);
        let cases: Vec<CandidateCase> = run!(&self.db, |pool| sqlx::query_as(CASES).bind(bound).fetch_all(pool).await)?;
        let mut due_cases = Vec::new();
        let mut held = 0;
        for c in cases {
            if due(RecordKind::ClosedCase, c.closed_at, rules, false, now) {
                if c.holds > 0 {
                    held += 1;
                } else {
                    due_cases.push((CaseId(c.id), OrgId(c.org_id)));
                }
            }
        }
        let mut screenings = [Vec::new(), Vec::new()];
        for (slot, kind, sql) in
            [(0, RecordKind::AnonymousScreening, ANONYMOUS), (1, RecordKind::DraftScreening, DRAFTS)]
        {
            let bound = candidates_until(kind, rules, now);
            let rows: Vec<CandidateRow> = run!(&self.db, |pool| sqlx::query_as(sql).bind(bound).fetch_all(pool).await)?;
            screenings[slot] = rows
                .into_iter()
                .filter(|r| due(kind, r.since, rules, false, now))
                .map(|r| (r.id, OrgId(r.org_id)))
                .collect();
        }
        let [anonymous, drafts] = screenings;
        let bound = candidates_until(RecordKind::Incident, rules, now).date().to_string();
        let rows: Vec<IncidentCandidate> =
            run!(&self.db, |pool| sqlx::query_as(INCIDENTS).bind(bound).fetch_all(pool).await)?;
        let incidents = rows
            .into_iter()
            .filter(|r| date_start(&r.discovered_on).is_some_and(|d| due(RecordKind::Incident, d, rules, false, now)))
            .map(|r| (r.id, OrgId(r.org_id)))
            .collect();
        Ok(Due { cases: due_cases, held, anonymous, drafts, incidents })
    }

    /// Destroys one closed case whose period is over, in one transaction, unless a hold was
    /// placed or the case reopened since it was found; `false` when it was kept.
    async fn destroy_expired_case(
        &self,
        id: CaseId,
        rules: &RetentionRules,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        // Locks the row first (see `place_hold`): each later statement then sees any hold
        // committed before the lock was granted.
        const LOCK: &str = "UPDATE cases SET updated_at = $1, version = version + 1 \
                            WHERE id = $2 AND status = 'closed' AND destroyed_at IS NULL";
        const HOLDS: &str = "SELECT COUNT(*) FROM legal_holds WHERE case_id = $1 AND lifted_at IS NULL";
        const CLOSED_AT: &str = "SELECT MAX(at) FROM case_events WHERE case_id = $1 AND kind = 'status.closed'";
        const DESTROY_KEY: &str = "UPDATE data_keys SET wrapped = NULL, destroyed_at = $1 \
                                   WHERE id = $2 AND wrapped IS NOT NULL AND purpose NOT LIKE 'system.%'";
        // Everything keyed to the case except the case row: names' tokens, notes, needs, plan,
        // services, follow-ups, referrals with their services and messages, consents, legal
        // bases, emergency accesses, assignments, timeline, holds, the screenings it came from, and
        // links not confirmed (a confirmed link is what statistics count distinct children
        // with; it holds two ids and a score, nothing about the child).
        const DELETES: [&str; 17] = [
            "DELETE FROM case_terms WHERE case_id = $1",
            "DELETE FROM case_notes WHERE case_id = $1",
            "DELETE FROM case_assessments WHERE case_id = $1",
            "DELETE FROM case_plans WHERE case_id = $1",
            "DELETE FROM case_services WHERE case_id = $1",
            "DELETE FROM case_followups WHERE case_id = $1",
            "DELETE FROM referral_messages WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = $1)",
            "DELETE FROM referral_services WHERE referral_id IN (SELECT id FROM referrals WHERE case_id = $1)",
            "DELETE FROM referrals WHERE case_id = $1",
            "DELETE FROM consents WHERE case_id = $1",
            "DELETE FROM legal_bases WHERE case_id = $1",
            "DELETE FROM break_glass WHERE case_id = $1",
            "DELETE FROM case_assignments WHERE case_id = $1",
            "DELETE FROM case_events WHERE case_id = $1",
            "DELETE FROM legal_holds WHERE case_id = $1",
            "DELETE FROM screenings WHERE case_id = $1",
            "DELETE FROM child_links WHERE (case_a = $1 OR case_b = $1) AND status <> 'confirmed'",
        ];
        // The sealed columns are emptied too: unreadable already, but a ciphertext kept is a
        // ciphertext someone may one day try a leaked key on.
        const BLANK: &str = "UPDATE cases SET identity = $1, close_reason = NULL, linkage = NULL, destroyed_at = $2 \
                             WHERE id = $3";
        let key_id: Uuid =
            run!(&self.db, |pool| sqlx::query_scalar(crate::cases::KEY_OF).bind(id.0).fetch_one(pool).await)?;
        macro_rules! body {
            ($tx:ident) => {{
                let locked = sqlx::query(LOCK).bind(now).bind(id.0).execute(&mut *$tx).await?;
                if locked.rows_affected() != 1 {
                    return Ok(false);
                }
                let holds: i64 = sqlx::query_scalar(HOLDS).bind(id.0).fetch_one(&mut *$tx).await?;
                let closed_at: Option<OffsetDateTime> =
                    sqlx::query_scalar(CLOSED_AT).bind(id.0).fetch_one(&mut *$tx).await?;
                if holds > 0 || closed_at.is_some_and(|t| !due(RecordKind::ClosedCase, t, rules, false, now)) {
                    return Ok(false);
                }
                sqlx::query(DESTROY_KEY).bind(now).bind(key_id).execute(&mut *$tx).await?;
                for sql in DELETES {
                    sqlx::query(sql).bind(id.0).execute(&mut *$tx).await?;
                }
                sqlx::query(BLANK).bind(Vec::<u8>::new()).bind(now).bind(id.0).execute(&mut *$tx).await?;
                case_event!($tx, id.0, now, None::<Uuid>, "retention.destroy", None::<String>);
            }};
        }
        // A return inside `body!` drops the transaction, which rolls it back.
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
        self.vault.forget(key_id);
        Ok(true)
    }

    /// Deletes one screening if it is still of `kind` (not linked to a case since).
    async fn delete_expired_screening(&self, id: Uuid, kind: RecordKind) -> Result<bool, StoreError> {
        const ANONYMOUS: &str = "DELETE FROM screenings WHERE id = $1 AND status = 'completed' AND case_id IS NULL";
        const DRAFT: &str = "DELETE FROM screenings WHERE id = $1 AND status = 'draft' AND case_id IS NULL";
        let sql = if kind == RecordKind::DraftScreening { DRAFT } else { ANONYMOUS };
        Ok(exec!(&self.db, sqlx::query(sql).bind(id))? == 1)
    }
}

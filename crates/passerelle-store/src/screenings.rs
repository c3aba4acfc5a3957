//! Screenings: stored per organization; facts, result and reasons encrypted and bound to
//! their row; coarse result columns in clear for the organization's list.

use passerelle_core::ids::{OrgId, ScreeningId, UserId};
use passerelle_core::region::Region;
use passerelle_core::screening::{Decision, ScreeningStatus};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::StoreError;
use crate::{Store, exec, run};

/// A screening, decrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct Screening {
    /// Identifier.
    pub id: ScreeningId,
    /// Organization that made it (and alone may see it).
    pub org_id: OrgId,
    /// Professional who made it.
    pub created_by: UserId,
    /// Draft or completed.
    pub status: ScreeningStatus,
    /// Stage reached (1: short screen, 2: full assessment).
    pub stage: i32,
    /// Version of the instrument used.
    pub instrument_version: String,
    /// Administrative region where the situation was met.
    pub region: Option<Region>,
    /// The facts document (JSON).
    pub facts: Vec<u8>,
    /// The professional's notes (e.g. what an "other" indicator was); never an identity.
    pub notes: String,
    /// The result document (JSON), once evaluated.
    pub result: Option<Vec<u8>>,
    /// Classification, once evaluated.
    pub classification: Option<String>,
    /// Flags, once evaluated.
    pub flags: Vec<String>,
    /// The professional's decision.
    pub decision: Option<Decision>,
    /// Their reason.
    pub decision_reason: Option<String>,
    /// Who decided.
    pub decided_by: Option<UserId>,
    /// When.
    pub decided_at: Option<OffsetDateTime>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Version for optimistic concurrency.
    pub version: i64,
}

impl std::fmt::Debug for Screening {
    // Facts and reasons are sensitive: never in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screening").field("id", &self.id).field("status", &self.status).finish_non_exhaustive()
    }
}

/// A line of the organization's list (nothing decrypted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreeningSummary {
    /// Identifier.
    pub id: ScreeningId,
    /// Professional who made it.
    pub created_by: UserId,
    /// Draft or completed.
    pub status: ScreeningStatus,
    /// Region.
    pub region: Option<Region>,
    /// Classification, once evaluated.
    pub classification: Option<String>,
    /// Flags.
    pub flags: Vec<String>,
    /// Decision.
    pub decision: Option<Decision>,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// Filters of the list.
#[derive(Clone, Debug, Default)]
pub struct ScreeningFilter {
    /// Only this classification.
    pub classification: Option<String>,
    /// Only screenings with this flag.
    pub flag: Option<String>,
    /// Only this region.
    pub region: Option<Region>,
    /// Created at or after.
    pub since: Option<OffsetDateTime>,
    /// Created before.
    pub until: Option<OffsetDateTime>,
    /// At most this many, newest first.
    pub limit: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    org_id: Uuid,
    created_by: Uuid,
    status: String,
    stage: i32,
    instrument_version: String,
    region: Option<String>,
    facts: Vec<u8>,
    notes: Option<Vec<u8>>,
    result: Option<Vec<u8>>,
    classification: Option<String>,
    flags: String,
    decision: Option<String>,
    decision_reason: Option<Vec<u8>>,
    decided_by: Option<Uuid>,
    decided_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    created_by: Uuid,
    status: String,
    region: Option<String>,
    classification: Option<String>,
    flags: String,
    decision: Option<String>,
    created_at: OffsetDateTime,
}

const TABLE: &str = "screenings";

fn flags_list(s: &str) -> Vec<String> {
    s.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect()
}

fn region_of(s: Option<&str>) -> Result<Option<Region>, StoreError> {
    s.map(|r| r.parse::<Region>().map_err(|_| StoreError::Corrupt("screening region"))).transpose()
}

fn decision_of(s: Option<&str>) -> Result<Option<Decision>, StoreError> {
    s.map(|d| d.parse::<Decision>().map_err(|_| StoreError::Corrupt("screening decision"))).transpose()
}

impl Store {
    /// Starts a screening as a draft.
    pub async fn create_screening(
        &self,
        org: OrgId,
        by: UserId,
        stage: i32,
        instrument_version: &str,
        region: Option<Region>,
        facts: &[u8],
    ) -> Result<ScreeningId, StoreError> {
        const SQL: &str = "INSERT INTO screenings (id, org_id, created_by, status, stage, instrument_version, region, \
                           facts, flags, created_at, updated_at, version) \
                           VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, '', $8, $8, 1)";
        let id = ScreeningId::new();
        let sealed = self.seal_system(TABLE, "facts", id.0, facts).await?;
        let now = passerelle_core::time::now();
        exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(id.0)
                .bind(org.0)
                .bind(by.0)
                .bind(stage)
                .bind(instrument_version)
                .bind(region.map(Region::code))
                .bind(sealed)
                .bind(now)
        )?;
        Ok(id)
    }

    /// One screening, decrypted. The caller checks the organization.
    pub async fn screening(&self, id: ScreeningId) -> Result<Screening, StoreError> {
        const SQL: &str = "SELECT id, org_id, created_by, status, stage, instrument_version, region, facts, notes, result, \
                           classification, flags, decision, decision_reason, decided_by, decided_at, created_at, version \
                           FROM screenings WHERE id = $1";
        let r: Row = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        let facts = self.open_system(TABLE, "facts", r.id, &r.facts).await?.to_vec();
        let notes = match &r.notes {
            Some(b) => String::from_utf8(self.open_system(TABLE, "notes", r.id, b).await?.to_vec())
                .map_err(|_| StoreError::Corrupt("screening notes"))?,
            None => String::new(),
        };
        let result = match &r.result {
            Some(b) => Some(self.open_system(TABLE, "result", r.id, b).await?.to_vec()),
            None => None,
        };
        let decision_reason = match &r.decision_reason {
            Some(b) => {
                let plain = self.open_system(TABLE, "decision_reason", r.id, b).await?;
                Some(String::from_utf8(plain.to_vec()).map_err(|_| StoreError::Corrupt("decision reason"))?)
            }
            None => None,
        };
        Ok(Screening {
            id: ScreeningId(r.id),
            org_id: OrgId(r.org_id),
            created_by: UserId(r.created_by),
            status: ScreeningStatus::from_db(&r.status).ok_or(StoreError::Corrupt("screening status"))?,
            stage: r.stage,
            instrument_version: r.instrument_version,
            region: region_of(r.region.as_deref())?,
            facts,
            notes,
            result,
            classification: r.classification,
            flags: flags_list(&r.flags),
            decision: decision_of(r.decision.as_deref())?,
            decision_reason,
            decided_by: r.decided_by.map(UserId),
            decided_at: r.decided_at,
            created_at: r.created_at,
            version: r.version,
        })
    }

    /// Saves a draft's facts (stale versions and completed screenings are refused).
    pub async fn save_screening_draft(
        &self,
        id: ScreeningId,
        version: i64,
        stage: i32,
        region: Option<Region>,
        facts: &[u8],
        notes: &str,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE screenings SET stage = $1, region = $2, facts = $3, updated_at = $4, notes = $5, \
                           version = version + 1 WHERE id = $6 AND version = $7 AND status = 'draft'";
        let sealed = self.seal_system(TABLE, "facts", id.0, facts).await?;
        let sealed_notes = self.seal_system(TABLE, "notes", id.0, notes.as_bytes()).await?;
        let now = passerelle_core::time::now();
        let done = exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(stage)
                .bind(region.map(Region::code))
                .bind(sealed)
                .bind(now)
                .bind(sealed_notes)
                .bind(id.0)
                .bind(version)
        )?;
        self.after_screening_write(done, id).await
    }

    /// Freezes the facts with their evaluation.
    #[expect(clippy::too_many_arguments, reason = "one row, written at once")]
    pub async fn complete_screening(
        &self,
        id: ScreeningId,
        version: i64,
        region: Option<Region>,
        facts: &[u8],
        notes: &str,
        result: &[u8],
        classification: &str,
        flags: &[String],
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE screenings SET status = 'completed', stage = 2, region = $1, facts = $2, \
                           result = $3, classification = $4, flags = $5, updated_at = $6, notes = $7, \
                           version = version + 1 WHERE id = $8 AND version = $9 AND status = 'draft'";
        let sealed_facts = self.seal_system(TABLE, "facts", id.0, facts).await?;
        let sealed_notes = self.seal_system(TABLE, "notes", id.0, notes.as_bytes()).await?;
        let sealed_result = self.seal_system(TABLE, "result", id.0, result).await?;
        let now = passerelle_core::time::now();
        let done = exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(region.map(Region::code))
                .bind(sealed_facts)
                .bind(sealed_result)
                .bind(classification)
                .bind(flags.join(","))
                .bind(now)
                .bind(sealed_notes)
                .bind(id.0)
                .bind(version)
        )?;
        self.after_screening_write(done, id).await
    }

    /// Records the professional's decision and reason on a completed screening.
    pub async fn record_screening_decision(
        &self,
        id: ScreeningId,
        version: i64,
        by: UserId,
        decision: Decision,
        reason: &str,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE screenings SET decision = $1, decision_reason = $2, decided_by = $3, decided_at = $4, \
                           updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6 AND status = 'completed'";
        let sealed = self.seal_system(TABLE, "decision_reason", id.0, reason.as_bytes()).await?;
        let now = passerelle_core::time::now();
        let done = exec!(
            &self.db,
            sqlx::query(SQL).bind(decision.as_str()).bind(sealed).bind(by.0).bind(now).bind(id.0).bind(version)
        )?;
        self.after_screening_write(done, id).await
    }

    async fn after_screening_write(&self, rows: u64, id: ScreeningId) -> Result<(), StoreError> {
        // Tells a missing screening from a stale or frozen one.
        const EXISTS: &str = "SELECT COUNT(*) FROM screenings WHERE id = $1";
        if rows == 1 {
            return Ok(());
        }
        let n: i64 = run!(&self.db, |pool| sqlx::query_scalar(EXISTS).bind(id.0).fetch_one(pool).await)?;
        if n == 0 { Err(StoreError::NotFound) } else { Err(StoreError::Conflict) }
    }

    /// The organization's screenings, newest first.
    pub async fn screenings_of(&self, org: OrgId, f: &ScreeningFilter) -> Result<Vec<ScreeningSummary>, StoreError> {
        const SQL: &str = "SELECT id, created_by, status, region, classification, flags, decision, created_at \
                           FROM screenings WHERE org_id = $1 \
                           AND ($2 IS NULL OR classification = $2) \
                           AND ($3 IS NULL OR region = $3) \
                           AND ($4 IS NULL OR created_at >= $4) \
                           AND ($5 IS NULL OR created_at < $5) \
                           AND ($7 IS NULL OR (',' || flags || ',') LIKE ('%,' || $7 || ',%')) \
                           ORDER BY created_at DESC LIMIT $6";
        let limit = f.limit.clamp(1, 1000);
        let rows: Vec<SummaryRow> = run!(&self.db, |pool| sqlx::query_as(SQL)
            .bind(org.0)
            .bind(f.classification.as_deref())
            .bind(f.region.map(Region::code))
            .bind(f.since)
            .bind(f.until)
            .bind(limit)
            .bind(f.flag.as_deref())
            .fetch_all(pool)
            .await)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let flags = flags_list(&r.flags);
            out.push(ScreeningSummary {
                id: ScreeningId(r.id),
                created_by: UserId(r.created_by),
                status: ScreeningStatus::from_db(&r.status).ok_or(StoreError::Corrupt("screening status"))?,
                region: region_of(r.region.as_deref())?,
                classification: r.classification,
                flags,
                decision: decision_of(r.decision.as_deref())?,
                created_at: r.created_at,
            });
        }
        Ok(out)
    }
}

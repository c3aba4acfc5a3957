//! The tamper-evident audit trail.
//!
//! Each entry's MAC is `HMAC(k_audit, previous MAC ‖ canonical bytes of the entry)`, so
//! changing, removing, inserting or reordering an entry breaks every MAC after it. Appends are
//! serialized (SQLite: an immediate write transaction; PostgreSQL: a transaction-scoped
//! advisory lock), so that the chain never forks, even with several servers.

use passerelle_core::audit::{AuditEntry, AuditFields, NewAuditEntry, Outcome, canonical_bytes};
use passerelle_core::ids::{AuditId, OrgId, UserId};
use passerelle_crypto::audit as chain;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::Db;
use crate::error::StoreError;
use crate::keys::SystemKey;
use crate::{Store, run};

/// Arbitrary constant naming the PostgreSQL advisory lock that serializes appends.
const AUDIT_LOCK: i64 = 0x7061_7373_6175_6431;

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    id: Uuid,
    at: OffsetDateTime,
    actor_user_id: Option<Uuid>,
    actor_org_id: Option<Uuid>,
    action: String,
    object_type: String,
    object_id: Option<String>,
    object_org_id: Option<Uuid>,
    purpose: Option<String>,
    outcome: String,
    mac: Vec<u8>,
}

impl Row {
    fn into_entry(self) -> Result<(AuditEntry, Vec<u8>), StoreError> {
        let outcome = Outcome::from_db(&self.outcome).ok_or(StoreError::Corrupt("audit outcome"))?;
        let entry = AuditEntry {
            seq: self.seq,
            id: AuditId(self.id),
            at: self.at,
            entry: AuditFields {
                actor_user_id: self.actor_user_id.map(UserId),
                actor_org_id: self.actor_org_id.map(OrgId),
                action: self.action,
                object_type: self.object_type,
                object_id: self.object_id,
                object_org_id: self.object_org_id.map(OrgId),
                purpose: self.purpose,
                outcome,
            },
        };
        Ok((entry, self.mac))
    }
}

/// A filter for browsing the trail.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only entries where this organization is the actor's or the object's (`None`: all).
    pub org: Option<OrgId>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this actor.
    pub actor: Option<UserId>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only entries at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Only entries before this time.
    pub until: Option<OffsetDateTime>,
    /// Only entries with a sequence number below this (paging backwards).
    pub before_seq: Option<i64>,
    /// At most this many entries (newest first).
    pub limit: i64,
}

/// Result of a chain verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainCheck {
    /// Every entry checked and intact.
    Intact {
        /// Number of entries checked.
        entries: u64,
    },
    /// The first entry (by position in the chain, from 1) that does not verify.
    Broken {
        /// Expected position of the first broken entry.
        position: u64,
        /// Sequence number found there (`None` when entries are missing at the end).
        seq: Option<i64>,
    },
}

impl Store {
    /// Appends an entry to the trail and returns it.
    pub async fn audit(&self, e: NewAuditEntry) -> Result<AuditEntry, StoreError> {
        const LAST: &str = "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1";
        const INSERT: &str = "INSERT INTO audit_log (seq, id, at, actor_user_id, actor_org_id, action, object_type, \
                              object_id, object_org_id, purpose, outcome, mac) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
        let key = chain::AuditKey::derive(&*self.system_key(SystemKey::Audit).await?);
        let fields = AuditFields::from(e);
        let id = AuditId::new();

        macro_rules! append {
            ($tx:ident) => {{
                let last: Option<(i64, Vec<u8>)> = sqlx::query_as(LAST).fetch_optional(&mut *$tx).await?;
                let (prev_seq, prev_mac) = last.unwrap_or((0, chain::GENESIS.to_vec()));
                let prev: [u8; 32] = prev_mac.try_into().map_err(|_| StoreError::Corrupt("audit mac length"))?;
                let seq = prev_seq + 1;
                // Taken inside the lock so that times never go backwards along the chain.
                let at = passerelle_core::time::now();
                let mac = chain::audit_mac(&key, &prev, &canonical_bytes(seq, id, at, &fields));
                sqlx::query(INSERT)
                    .bind(seq)
                    .bind(id.0)
                    .bind(at)
                    .bind(fields.actor_user_id.map(|u| u.0))
                    .bind(fields.actor_org_id.map(|o| o.0))
                    .bind(&fields.action)
                    .bind(&fields.object_type)
                    .bind(&fields.object_id)
                    .bind(fields.object_org_id.map(|o| o.0))
                    .bind(&fields.purpose)
                    .bind(fields.outcome.as_str())
                    .bind(mac.to_vec())
                    .execute(&mut *$tx)
                    .await?;
                (seq, at)
            }};
        }

        let (seq, at) = match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let r = append!(tx);
                tx.commit().await?;
                r
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(AUDIT_LOCK).execute(&mut *tx).await?;
                let r = append!(tx);
                tx.commit().await?;
                r
            }
        };
        Ok(AuditEntry { seq, id, at, entry: fields })
    }

    /// Browses the trail, newest first.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        const SQL: &str = "SELECT seq, id, at, actor_user_id, actor_org_id, action, object_type, object_id, \
                           object_org_id, purpose, outcome, mac FROM audit_log \
                           WHERE ($1 IS NULL OR actor_org_id = $1 OR object_org_id = $1) \
                           AND ($2 IS NULL OR action = $2) \
                           AND ($3 IS NULL OR actor_user_id = $3) \
                           AND ($4 IS NULL OR outcome = $4) \
                           AND ($5 IS NULL OR at >= $5) \
                           AND ($6 IS NULL OR at < $6) \
                           AND ($7 IS NULL OR seq < $7) \
                           ORDER BY seq DESC LIMIT $8";
        let limit = f.limit.clamp(1, 500);
        let rows: Vec<Row> = run!(&self.db, |pool| sqlx::query_as(SQL)
            .bind(f.org.map(|o| o.0))
            .bind(f.action.as_deref())
            .bind(f.actor.map(|u| u.0))
            .bind(f.outcome.map(Outcome::as_str))
            .bind(f.since)
            .bind(f.until)
            .bind(f.before_seq)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(|r| r.into_entry().map(|(e, _)| e)).collect()
    }

    /// Every entry about one object (a case, by its id), oldest first, at most `limit` (1 to
    /// 5,000): the trail of who did what with one child's record, for an access report.
    pub async fn audit_of_object(&self, object_id: &str, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        const SQL: &str = "SELECT seq, id, at, actor_user_id, actor_org_id, action, object_type, object_id, \
                           object_org_id, purpose, outcome, mac FROM audit_log WHERE object_id = $1 \
                           ORDER BY seq LIMIT $2";
        let rows: Vec<Row> = run!(&self.db, |pool| sqlx::query_as(SQL)
            .bind(object_id)
            .bind(limit.clamp(1, 5000))
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(|r| r.into_entry().map(|(e, _)| e)).collect()
    }

    /// Recomputes the whole chain, in order, in batches.
    pub async fn verify_audit_chain(&self) -> Result<ChainCheck, StoreError> {
        const SQL: &str = "SELECT seq, id, at, actor_user_id, actor_org_id, action, object_type, object_id, \
                           object_org_id, purpose, outcome, mac FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000";
        let key = chain::AuditKey::derive(&*self.system_key(SystemKey::Audit).await?);
        let mut prev = chain::GENESIS;
        let mut last_seq = 0i64;
        let mut position = 0u64;
        loop {
            let rows: Vec<Row> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(last_seq).fetch_all(pool).await)?;
            if rows.is_empty() {
                return Ok(ChainCheck::Intact { entries: position });
            }
            for row in rows {
                position += 1;
                let (entry, mac) = row.into_entry()?;
                // Positions and sequence numbers must agree: a gap means a removed entry.
                let expected_seq = i64::try_from(position).unwrap_or(i64::MAX);
                let ok = entry.seq == expected_seq
                    && mac.len() == 32
                    && chain::verify(&key, &prev, &canonical_bytes(entry.seq, entry.id, entry.at, &entry.entry), &mac);
                if !ok {
                    return Ok(ChainCheck::Broken { position, seq: Some(entry.seq) });
                }
                prev.copy_from_slice(&mac);
                last_seq = entry.seq;
            }
        }
    }
}

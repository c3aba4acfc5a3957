//! Cross-agency record linkage: each case's linkage encoding (sealed with the case key, so it
//! is shredded with the identity), the probable matches the matcher proposes, and the
//! coordinators' decisions. The encoding and the matcher are `passerelle-linkage`'s; this
//! module only keeps their results. A proposal never merges anything by itself.

use passerelle_core::ids::{CaseId, OrgId, UserId};
use passerelle_crypto::SubKey;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::cases::{open_case, seal_case};
use crate::db::Db;
use crate::error::StoreError;
use crate::keys::SystemKey;
use crate::{Store, exec, in_tx, run};

const TABLE: &str = "cases";
/// Arbitrary constant naming the PostgreSQL advisory lock that serializes link decisions.
const LINK_LOCK: i64 = 0x7061_7373_6c69_6e6b;
const COLUMN: &str = "linkage";

/// The status of a proposed link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkStatus {
    /// Found by the matcher, waiting for a coordinator.
    Proposed,
    /// The same child, as a coordinator confirmed.
    Confirmed,
    /// Not the same child.
    Rejected,
    /// Closed without a decision of its own: one of the two cases was confirmed as the same
    /// child as another case of the other's organization (see [`Store::decide_link`]).
    Superseded,
}

impl LinkStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Proposed => "proposed",
            LinkStatus::Confirmed => "confirmed",
            LinkStatus::Rejected => "rejected",
            LinkStatus::Superseded => "superseded",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "proposed" => Ok(LinkStatus::Proposed),
            "confirmed" => Ok(LinkStatus::Confirmed),
            "rejected" => Ok(LinkStatus::Rejected),
            "superseded" => Ok(LinkStatus::Superseded),
            _ => Err(StoreError::Corrupt("link status")),
        }
    }
}

/// A case's linkage encoding, decrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkageEntry {
    /// The case.
    pub case: CaseId,
    /// Its organization.
    pub org: OrgId,
    /// The encoding's bytes.
    pub encoding: Vec<u8>,
    /// The age at identification (a coarse attribute kept in clear), where known.
    pub age: Option<i32>,
    /// When the case was opened: the age is an age on that day.
    pub opened_at: OffsetDateTime,
}

impl std::fmt::Debug for LinkageEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // An encoding is derived from a child's identity: never print it.
        f.debug_struct("LinkageEntry").field("case", &self.case).field("org", &self.org).finish_non_exhaustive()
    }
}

/// A link between two cases.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// Identifier.
    pub id: Uuid,
    /// One case (the smaller id).
    pub case_a: CaseId,
    /// The other case.
    pub case_b: CaseId,
    /// The matcher's score (0 to 1).
    pub score: f64,
    /// Where it stands.
    pub status: LinkStatus,
    /// When it was proposed.
    pub proposed_at: OffsetDateTime,
    /// Who decided, and when.
    pub decided: Option<(UserId, OffsetDateTime)>,
}

/// What a decision did: the link as decided, and the proposals it closed as superseded.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkDecision {
    /// The decided link.
    pub link: Link,
    /// Alternatives of the confirmed pair, closed (empty after a rejection).
    pub superseded: Vec<Uuid>,
}

/// What undoing a confirmation did: the link, now rejected, and the alternatives reopened.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkUndo {
    /// The link, rejected by the coordinator who undid it.
    pub link: Link,
    /// Proposals the confirmation had closed, open again.
    pub reopened: Vec<Uuid>,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: Uuid,
    case_a: Uuid,
    case_b: Uuid,
    score: f64,
    status: String,
    proposed_at: OffsetDateTime,
    decided_by: Option<Uuid>,
    decided_at: Option<OffsetDateTime>,
}

impl TryFrom<LinkRow> for Link {
    type Error = StoreError;
    fn try_from(r: LinkRow) -> Result<Self, StoreError> {
        Ok(Link {
            id: r.id,
            case_a: CaseId(r.case_a),
            case_b: CaseId(r.case_b),
            score: r.score,
            status: LinkStatus::parse(&r.status)?,
            proposed_at: r.proposed_at,
            decided: r.decided_by.zip(r.decided_at).map(|(u, at)| (UserId(u), at)),
        })
    }
}

impl Store {
    /// The installation's record-linkage key: derived from the blind-index system key, so it
    /// lives only in memory, survives master key rotation, and is never shown.
    pub async fn linkage_key(&self) -> Result<SubKey, StoreError> {
        Ok(self.system_key(SystemKey::BlindIndex).await?.derive("linkage/v1"))
    }

    /// Stores a case's linkage encoding, sealed with the case key. `Conflict` once the key is
    /// destroyed, `NotFound` when the case does not exist.
    pub async fn set_case_linkage(&self, id: CaseId, encoding: &[u8]) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE cases SET linkage = $1 WHERE id = $2";
        let (key_id, key) = self.live_case_key(id).await?;
        let sealed = seal_case(&key, key_id, TABLE, COLUMN, id.0, encoding)?;
        exec!(&self.db, sqlx::query(SQL).bind(&sealed).bind(id.0))?;
        Ok(())
    }

    /// Every case's linkage encoding that can still be read (cases whose key was destroyed
    /// have none).
    pub async fn linkage_entries(&self) -> Result<Vec<LinkageEntry>, StoreError> {
        const SQL: &str = "SELECT id, org_id, key_id, linkage, age_at_identification, created_at \
                           FROM cases WHERE linkage IS NOT NULL ORDER BY id";
        type Row = (Uuid, Uuid, Uuid, Vec<u8>, Option<i32>, OffsetDateTime);
        let rows: Vec<Row> = run!(&self.db, |pool| sqlx::query_as(SQL).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, org, key_id, sealed, age, opened_at) in rows {
            let Some(key) = self.case_key(key_id).await? else { continue };
            let plain = open_case(&key, TABLE, COLUMN, id, &sealed)?;
            out.push(LinkageEntry { case: CaseId(id), org: OrgId(org), encoding: plain.to_vec(), age, opened_at });
        }
        Ok(out)
    }

    /// Cases with a readable identity but no linkage encoding yet (opened before the encoder
    /// existed, or whose encoding failed to be written), at most `limit`.
    pub async fn cases_without_linkage(&self, limit: i64) -> Result<Vec<CaseId>, StoreError> {
        const SQL: &str = "SELECT c.id FROM cases c JOIN data_keys k ON k.id = c.key_id \
                           WHERE c.linkage IS NULL AND k.wrapped IS NOT NULL ORDER BY c.id LIMIT $1";
        let ids: Vec<Uuid> = run!(&self.db, |pool| sqlx::query_scalar(SQL).bind(limit.max(1)).fetch_all(pool).await)?;
        Ok(ids.into_iter().map(CaseId).collect())
    }

    /// Records the matcher's probable matches (each pair once, whatever its order). A pair
    /// already known — proposed, confirmed or rejected — is left as it is, so a rejection is
    /// never proposed again. Returns how many are new.
    pub async fn propose_links(&self, pairs: &[(CaseId, CaseId, f64)]) -> Result<usize, StoreError> {
        const SQL: &str = "INSERT INTO child_links (id, case_a, case_b, score, status, proposed_at) \
                           VALUES ($1, $2, $3, $4, 'proposed', $5) ON CONFLICT (case_a, case_b) DO NOTHING";
        let now = passerelle_core::time::now();
        let mut added = 0;
        in_tx!(&self.db, |tx| {
            for (a, b, score) in pairs {
                if a == b {
                    continue;
                }
                let (a, b) = if a.0 < b.0 { (a, b) } else { (b, a) };
                let done = sqlx::query(SQL)
                    .bind(Uuid::now_v7())
                    .bind(a.0)
                    .bind(b.0)
                    .bind(score.clamp(0.0, 1.0))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                added += usize::try_from(done.rows_affected()).unwrap_or(0);
            }
        });
        Ok(added)
    }

    /// A coordinator's decision on a proposed link. `Conflict` when it was already decided
    /// (or closed by another confirmation), `NotFound` when there is no such link.
    ///
    /// A child has at most one case in each organization (an organization merges its own
    /// duplicates, knowing the names), so confirming A with B closes, as *superseded*, the
    /// other open proposals of A with B's organization and of B with A's: they were
    /// alternatives, shown because the matcher could not tell look-alikes apart. For the same
    /// reason a confirmation is refused with `Duplicate("link")` when A is already confirmed
    /// with another case of B's organization (or B with one of A's): confirming both would
    /// count two children of that organization as one.
    pub async fn decide_link(&self, id: Uuid, by: UserId, confirm: bool) -> Result<LinkDecision, StoreError> {
        let superseded = self.decide_links(&[(id, confirm)], by).await?.pop().ok_or(StoreError::Conflict)??;
        Ok(LinkDecision { link: self.link(id).await?, superseded })
    }

    /// Several decisions by `by`, in order, in one transaction: each as [`Store::decide_link`]
    /// would take it (a later one sees what the earlier ones closed), with its own outcome —
    /// the alternatives it closed, or why it was refused (`Conflict`, `Duplicate("link")`,
    /// `NotFound`). A database failure fails them all. For a reviewer working through a list
    /// (the simulated coordinator of `demo-data` decides hundreds of thousands): one
    /// transaction per decision costs more than the decision.
    pub async fn decide_links(
        &self,
        decisions: &[(Uuid, bool)],
        by: UserId,
    ) -> Result<Vec<Result<Vec<Uuid>, StoreError>>, StoreError> {
        const READ: &str = "SELECT l.case_a, l.case_b, l.status, a.org_id, b.org_id FROM child_links l \
                            JOIN cases a ON a.id = l.case_a JOIN cases b ON b.id = l.case_b WHERE l.id = $1";
        const DECIDE: &str = "UPDATE child_links SET status = $1, decided_by = $2, decided_at = $3 \
                              WHERE id = $4 AND status = 'proposed'";
        // Links of `case` with another case of `org` (but not `id`), with their status. In two
        // halves so that each end's index serves (an OR would scan every link), and without a
        // condition on the status, which would tempt SQLite into the status index instead.
        const OTHERS: &str = "SELECT l.id, l.status FROM child_links l JOIN cases o ON o.id = l.case_b \
                              WHERE l.case_a = $1 AND o.org_id = $2 AND l.id <> $3 \
                              UNION ALL SELECT l.id, l.status FROM child_links l JOIN cases o ON o.id = l.case_a \
                              WHERE l.case_b = $1 AND o.org_id = $2 AND l.id <> $3";
        const SUPERSEDE: &str = "UPDATE child_links SET status = 'superseded', decided_at = $1, superseded_by = $2 \
                                 WHERE id = $3 AND status = 'proposed'";
        type Read = (Uuid, Uuid, String, Uuid, Uuid);
        let now = passerelle_core::time::now();
        let mut outcomes = Vec::with_capacity(decisions.len());
        let postgres = matches!(self.db, Db::Postgres(_));
        in_tx!(&self.db, |tx| {
            // Decisions touch several links (the alternatives); taken one at a time, two that
            // close each other's alternatives cannot deadlock or both confirm. SQLite's
            // `BEGIN IMMEDIATE` already serializes writers.
            if postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LINK_LOCK).execute(&mut *tx).await?;
            }
            for &(id, confirm) in decisions {
                let Some((a, b, current, org_a, org_b)) =
                    sqlx::query_as::<_, Read>(READ).bind(id).fetch_optional(&mut *tx).await?
                else {
                    outcomes.push(Err(StoreError::NotFound));
                    continue;
                };
                if LinkStatus::parse(&current)? != LinkStatus::Proposed {
                    outcomes.push(Err(StoreError::Conflict));
                    continue;
                }
                let mut others: Vec<(Uuid, String)> = Vec::new();
                if confirm {
                    for (case, org) in [(a, org_b), (b, org_a)] {
                        others.extend(
                            sqlx::query_as::<_, (Uuid, String)>(OTHERS)
                                .bind(case)
                                .bind(org)
                                .bind(id)
                                .fetch_all(&mut *tx)
                                .await?,
                        );
                    }
                    if others.iter().any(|(_, s)| s == LinkStatus::Confirmed.as_str()) {
                        outcomes.push(Err(StoreError::Duplicate("link")));
                        continue;
                    }
                }
                let status = if confirm { LinkStatus::Confirmed } else { LinkStatus::Rejected };
                // Cannot fail under the lock; checked so that a decision never reports what it
                // did not do.
                let decided =
                    sqlx::query(DECIDE).bind(status.as_str()).bind(by.0).bind(now).bind(id).execute(&mut *tx).await?;
                if decided.rows_affected() == 0 {
                    outcomes.push(Err(StoreError::Conflict));
                    continue;
                }
                let mut superseded = Vec::new();
                for (other, _) in others.into_iter().filter(|(_, s)| s == LinkStatus::Proposed.as_str()) {
                    if sqlx::query(SUPERSEDE).bind(now).bind(id).bind(other).execute(&mut *tx).await?.rows_affected()
                        == 1
                    {
                        superseded.push(other);
                    }
                }
                outcomes.push(Ok(superseded));
            }
        });
        Ok(outcomes)
    }

    /// Undoes a confirmation: the two cases are not the same child after all (a coordinator
    /// confirmed the wrong look-alike). The link becomes a rejection by `by`, so the matcher
    /// never proposes it again, and the proposals that the confirmation had closed as
    /// alternatives are open again: the true counterpart is often among them. `Conflict` when
    /// the link is not confirmed (already undone, or never confirmed), `NotFound` when there is
    /// no such link.
    ///
    /// Proposals closed before alternatives were recorded (schema 14) cannot be told apart
    /// and stay closed; the matcher's next run does not propose them again either.
    pub async fn undo_link(&self, id: Uuid, by: UserId) -> Result<LinkUndo, StoreError> {
        const READ: &str = "SELECT status FROM child_links WHERE id = $1";
        const UNDO: &str = "UPDATE child_links SET status = 'rejected', decided_by = $1, decided_at = $2 \
                            WHERE id = $3 AND status = 'confirmed'";
        const CLOSED: &str =
            "SELECT id FROM child_links WHERE superseded_by = $1 AND status = 'superseded' ORDER BY id";
        const REOPEN: &str = "UPDATE child_links SET status = 'proposed', decided_at = NULL, superseded_by = NULL \
                              WHERE id = $1 AND status = 'superseded'";
        let now = passerelle_core::time::now();
        let mut reopened = Vec::new();
        let postgres = matches!(self.db, Db::Postgres(_));
        in_tx!(&self.db, |tx| {
            if postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(LINK_LOCK).execute(&mut *tx).await?;
            }
            let current: String = sqlx::query_scalar(READ).bind(id).fetch_one(&mut *tx).await?;
            if LinkStatus::parse(&current)? != LinkStatus::Confirmed {
                return Err(StoreError::Conflict);
            }
            if sqlx::query(UNDO).bind(by.0).bind(now).bind(id).execute(&mut *tx).await?.rows_affected() == 0 {
                return Err(StoreError::Conflict);
            }
            let closed: Vec<Uuid> = sqlx::query_scalar(CLOSED).bind(id).fetch_all(&mut *tx).await?;
            for other in closed {
                if sqlx::query(REOPEN).bind(other).execute(&mut *tx).await?.rows_affected() == 1 {
                    reopened.push(other);
                }
            }
        });
        Ok(LinkUndo { link: self.link(id).await?, reopened })
    }

    /// One link.
    pub async fn link(&self, id: Uuid) -> Result<Link, StoreError> {
        const SQL: &str = "SELECT id, case_a, case_b, score, status, proposed_at, decided_by, decided_at FROM child_links WHERE id = $1";
        let row: LinkRow = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id).fetch_one(pool).await)?;
        row.try_into()
    }

    /// Links with `status`, highest score first, at most `limit` (1 to 10,000).
    pub async fn links(&self, status: LinkStatus, limit: i64) -> Result<Vec<Link>, StoreError> {
        const SQL: &str = "SELECT id, case_a, case_b, score, status, proposed_at, decided_by, decided_at \
                           FROM child_links WHERE status = $1 ORDER BY score DESC, id LIMIT $2";
        let rows: Vec<LinkRow> = run!(&self.db, |pool| sqlx::query_as(SQL)
            .bind(status.as_str())
            .bind(limit.clamp(1, 10_000))
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(Link::try_from).collect()
    }

    /// Links with `status` that involve a case of `org`, highest score first, at most `limit`
    /// (1 to 1,000): what that organization's coordinators review.
    pub async fn links_involving(&self, org: OrgId, status: LinkStatus, limit: i64) -> Result<Vec<Link>, StoreError> {
        const SQL: &str = "SELECT l.id, l.case_a, l.case_b, l.score, l.status, l.proposed_at, l.decided_by, \
                           l.decided_at FROM child_links l \
                           JOIN cases a ON a.id = l.case_a JOIN cases b ON b.id = l.case_b \
                           WHERE l.status = $1 AND (a.org_id = $2 OR b.org_id = $2) \
                           ORDER BY l.score DESC, l.id LIMIT $3";
        let rows: Vec<LinkRow> = run!(&self.db, |pool| sqlx::query_as(SQL)
            .bind(status.as_str())
            .bind(org.0)
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(Link::try_from).collect()
    }

    /// How many proposals, still to be decided, involve a case.
    pub async fn open_proposals(&self, case: CaseId) -> Result<i64, StoreError> {
        // By either end's index; a condition on the status in the WHERE would tempt SQLite
        // into the status index, a scan of every open proposal of the installation.
        const SQL: &str = "SELECT COALESCE(SUM(CASE WHEN status = 'proposed' THEN 1 ELSE 0 END), 0) FROM \
                           (SELECT status FROM child_links WHERE case_a = $1 \
                           UNION ALL SELECT status FROM child_links WHERE case_b = $1) t";
        Ok(run!(&self.db, |pool| sqlx::query_scalar(SQL).bind(case.0).fetch_one(pool).await)?)
    }

    /// One case's linkage encoding, when it has a readable one.
    pub async fn case_linkage(&self, id: CaseId) -> Result<Option<Vec<u8>>, StoreError> {
        const SQL: &str = "SELECT key_id, linkage FROM cases WHERE id = $1";
        let (key_id, sealed): (Uuid, Option<Vec<u8>>) =
            run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        let (Some(sealed), Some(key)) = (sealed, self.case_key(key_id).await?) else { return Ok(None) };
        Ok(Some(open_case(&key, TABLE, COLUMN, id.0, &sealed)?.to_vec()))
    }

    /// Every confirmed link, as pairs of cases (what statistics count children with).
    pub async fn confirmed_links(&self) -> Result<Vec<(CaseId, CaseId)>, StoreError> {
        const SQL: &str = "SELECT case_a, case_b FROM child_links WHERE status = 'confirmed'";
        let rows: Vec<(Uuid, Uuid)> = run!(&self.db, |pool| sqlx::query_as(SQL).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|(a, b)| (CaseId(a), CaseId(b))).collect())
    }

    /// The organization of a case (for checks on links, which span two organizations).
    pub async fn case_org(&self, id: CaseId) -> Result<OrgId, StoreError> {
        const SQL: &str = "SELECT org_id FROM cases WHERE id = $1";
        let org: Uuid = run!(&self.db, |pool| sqlx::query_scalar(SQL).bind(id.0).fetch_one(pool).await)?;
        Ok(OrgId(org))
    }
}

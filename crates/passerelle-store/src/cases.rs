//! Children's cases: the identity and the notes encrypted under the case's own data key
//! (destroying it shreds them), names searchable only through blind-index tokens, the coarse
//! statistical attributes in clear and apart, assignments, and the case's timeline.
//!
//! Every write of several rows is one transaction. The timeline records what happened, when
//! and by whom (`kind`, and the id of what it concerns), never a name or a note's text.

use std::sync::Arc;

use passerelle_core::case::{CaseStats, CaseStatus, Identity};
use passerelle_core::ids::{CaseId, NoteId, OrgId, ScreeningId, UserId};
use passerelle_core::region::Region;
use passerelle_crypto::blind::{BlindIndexKey, blind_tokens};
use passerelle_crypto::field::{self, Aad};
use passerelle_crypto::keys::DataKey;
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::db::Db;
use crate::error::{StoreError, unique};
use crate::keys::SystemKey;
use crate::{Store, case_event, in_tx, run};

/// A case, decrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct CaseRecord {
    /// Identifier.
    pub id: CaseId,
    /// Organization that holds the case (and alone may see it).
    pub org_id: OrgId,
    /// Non-identifying code to name the case aloud or on paper, e.g. `C-7K4P-2Q9X`.
    pub code: String,
    /// Where the case stands.
    pub status: CaseStatus,
    /// Why it was closed (set only while closed); encrypted under the case key, so gone with it.
    pub close_reason: Option<String>,
    /// The child's identity; `None` once the case key has been destroyed.
    pub identity: Option<Identity>,
    /// Coarse statistical attributes (kept after the key is destroyed).
    pub stats: CaseStats,
    /// Who opened the case.
    pub created_by: UserId,
    /// When.
    pub created_at: OffsetDateTime,
    /// Version for optimistic concurrency.
    pub version: i64,
    /// Users assigned to the case, in the order they were assigned.
    pub assigned: Vec<UserId>,
}

impl std::fmt::Debug for CaseRecord {
    // The identity is never printed, even redacted, and neither is the close reason.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseRecord")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("code", &self.code)
            .field("status", &self.status)
            .field("stats", &self.stats)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A line of a list of cases (nothing decrypted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseSummary {
    /// Identifier.
    pub id: CaseId,
    /// Non-identifying code.
    pub code: String,
    /// Where the case stands.
    pub status: CaseStatus,
    /// Administrative region.
    pub region: Option<Region>,
    /// When the case was opened.
    pub created_at: OffsetDateTime,
    /// Users assigned to the case.
    pub assigned: Vec<UserId>,
}

/// A note of a case, decrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct CaseNote {
    /// Identifier.
    pub id: NoteId,
    /// Who wrote it.
    pub author: UserId,
    /// When.
    pub at: OffsetDateTime,
    /// Its text.
    pub body: String,
}

impl std::fmt::Debug for CaseNote {
    // A note's text is as sensitive as the identity: never in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseNote")
            .field("id", &self.id)
            .field("author", &self.author)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// An entry of a case's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseEvent {
    /// When.
    pub at: OffsetDateTime,
    /// Who did it, when someone did.
    pub actor: Option<UserId>,
    /// What happened: `case.open`, `screening.attach`, `identity.update`, `status.<status>`,
    /// `assign`, `unassign`, `note.add`.
    pub kind: String,
    /// The id of what it concerns (screening, user, note), when any.
    pub ref_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    org_id: Uuid,
    code: String,
    key_id: Uuid,
    status: String,
    close_reason: Option<Vec<u8>>,
    identity: Vec<u8>,
    age_at_identification: Option<i32>,
    gender: Option<String>,
    immigration_status: Option<String>,
    indigenous: Option<String>,
    languages: String,
    region: Option<String>,
    created_by: Uuid,
    created_at: OffsetDateTime,
    version: i64,
}

/// A case of a list joined with one of its assignments (or none).
#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    code: String,
    status: String,
    region: Option<String>,
    created_at: OffsetDateTime,
    user_id: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    id: Uuid,
    author_id: Uuid,
    created_at: OffsetDateTime,
    body: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at: OffsetDateTime,
    actor_id: Option<Uuid>,
    kind: String,
    ref_id: Option<String>,
}

pub(crate) const TABLE: &str = "cases";
const NOTES_TABLE: &str = "case_notes";
/// Purpose recorded for case keys in `data_keys`.
pub(crate) const KEY_PURPOSE: &str = "case";
/// Query words looked up in SQL at once; further words are checked per candidate.
const QUERY_SLOTS: usize = 8;
/// Characters of case codes: digits and capitals without the ambiguous 0/O, 1/I/L and U.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Attempts at a fresh code when a drawn one is already taken.
const CODE_ATTEMPTS: usize = 3;

pub(crate) const EXISTS: &str = "SELECT COUNT(*) FROM cases WHERE id = $1";
pub(crate) const KEY_OF: &str = "SELECT key_id FROM cases WHERE id = $1";
pub(crate) const INSERT_TERM: &str = "INSERT INTO case_terms (case_id, term) VALUES ($1, $2)";
const DELETE_TERMS: &str = "DELETE FROM case_terms WHERE case_id = $1";
pub(crate) const INSERT_EVENT: &str =
    "INSERT INTO case_events (id, case_id, at, actor_id, kind, ref_id) VALUES ($1, $2, $3, $4, $5, $6)";

/// Returns `NotFound` or `Conflict` from the enclosing function (rolling `$tx` back) when a
/// versioned update changed no row.
macro_rules! check_written {
    ($tx:ident, $rows:expr, $id:expr) => {
        if $rows != 1 {
            let n: i64 = sqlx::query_scalar(EXISTS).bind($id).fetch_one(&mut *$tx).await?;
            return Err(if n == 0 { StoreError::NotFound } else { StoreError::Conflict });
        }
    };
}

/// A new random case code such as `C-7K4P-2Q9X` (8 characters of 30: about 39 bits).
pub(crate) fn new_code() -> Result<String, StoreError> {
    // Rejection sampling keeps every character equally likely.
    let limit = 256 - 256 % CODE_ALPHABET.len();
    let mut chars = Vec::with_capacity(8);
    while chars.len() < 8 {
        for b in passerelle_crypto::random::random_bytes::<16>()? {
            if usize::from(b) < limit && chars.len() < 8 {
                chars.push(char::from(CODE_ALPHABET[usize::from(b) % CODE_ALPHABET.len()]));
            }
        }
    }
    let (a, b) = chars.split_at(4);
    Ok(format!("C-{}-{}", a.iter().collect::<String>(), b.iter().collect::<String>()))
}

fn status_of(s: &str) -> Result<CaseStatus, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt("case status"))
}

fn region_of(s: Option<&str>) -> Result<Option<Region>, StoreError> {
    s.map(|r| r.parse::<Region>().map_err(|_| StoreError::Corrupt("case region"))).transpose()
}

fn languages_of(s: &str) -> Vec<String> {
    s.split(',').filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// The distinct blind-index tokens of the child's names and aliases.
pub(crate) fn terms_of(key: &BlindIndexKey, identity: &Identity) -> Vec<[u8; 32]> {
    let names = [&identity.given_name, &identity.family_name].into_iter().chain(&identity.aliases);
    let mut terms: Vec<[u8; 32]> = names.flat_map(|n| blind_tokens(key, n)).collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

pub(crate) fn seal_case(
    key: &DataKey,
    key_id: Uuid,
    table: &str,
    column: &str,
    row: Uuid,
    plain: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let aad = Aad { table, column, row: row.as_bytes() };
    Ok(field::seal(key, *key_id.as_bytes(), &aad, plain)?)
}

pub(crate) fn open_case(
    key: &DataKey,
    table: &str,
    column: &str,
    row: Uuid,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, StoreError> {
    let aad = Aad { table, column, row: row.as_bytes() };
    Ok(field::open(key, &aad, sealed)?)
}

pub(crate) fn seal_identity(
    key: &DataKey,
    key_id: Uuid,
    case: CaseId,
    identity: &Identity,
) -> Result<Vec<u8>, StoreError> {
    let json = Zeroizing::new(serde_json::to_vec(identity).map_err(|_| StoreError::Corrupt("case identity"))?);
    seal_case(key, key_id, TABLE, "identity", case.0, &json)
}

/// Groups rows of cases joined with their assignments (consecutive per case).
fn summaries(rows: Vec<SummaryRow>) -> Result<Vec<CaseSummary>, StoreError> {
    let mut out: Vec<CaseSummary> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some(last) if last.id.0 == r.id => last.assigned.extend(r.user_id.map(UserId)),
            _ => out.push(CaseSummary {
                id: CaseId(r.id),
                code: r.code,
                status: status_of(&r.status)?,
                region: region_of(r.region.as_deref())?,
                created_at: r.created_at,
                assigned: r.user_id.map(UserId).into_iter().collect(),
            }),
        }
    }
    Ok(out)
}

impl Store {
    /// The case key, or `None` once it has been destroyed.
    pub(crate) async fn case_key(&self, key_id: Uuid) -> Result<Option<Arc<DataKey>>, StoreError> {
        match self.data_key(key_id).await {
            Ok(key) => Ok(Some(key)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The id of a case's key and the key itself. `NotFound` when the case does not exist,
    /// `Conflict` when its key was destroyed (nothing can be written under it any more).
    pub(crate) async fn live_case_key(&self, id: CaseId) -> Result<(Uuid, Arc<DataKey>), StoreError> {
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(id.0).fetch_one(pool).await)?;
        let key = self.case_key(key_id).await?.ok_or(StoreError::Conflict)?;
        Ok((key_id, key))
    }

    /// The key of the blind index of children's names.
    pub(crate) async fn name_index_key(&self) -> Result<BlindIndexKey, StoreError> {
        let root = self.system_key(SystemKey::BlindIndex).await?;
        Ok(BlindIndexKey::derive(&root, TABLE, "name"))
    }

    /// Opens a case, in one transaction: its data key, the case row (status `open`), its name
    /// tokens, the creator assigned, the event `case.open`, and, when `from_screening` is
    /// given, the screening linked to the case and the event `screening.attach`.
    ///
    /// The screening must belong to `org` ([`StoreError::NotFound`] otherwise) and not be
    /// linked to a case already ([`StoreError::Conflict`]); either way nothing is written.
    pub async fn create_case(
        &self,
        org: OrgId,
        by: UserId,
        identity: &Identity,
        stats: &CaseStats,
        from_screening: Option<ScreeningId>,
    ) -> Result<CaseRecord, StoreError> {
        let mut attempt = 1;
        loop {
            match self.insert_case(org, by, identity, stats, from_screening).await {
                // A drawn code already in use: draw another one.
                Err(StoreError::Duplicate("case_code")) if attempt < CODE_ATTEMPTS => attempt += 1,
                Ok(id) => return self.case(id).await,
                Err(e) => return Err(e),
            }
        }
    }

    async fn insert_case(
        &self,
        org: OrgId,
        by: UserId,
        identity: &Identity,
        stats: &CaseStats,
        from_screening: Option<ScreeningId>,
    ) -> Result<CaseId, StoreError> {
        const SCREENING: &str = "SELECT case_id FROM screenings WHERE id = $1 AND org_id = $2";
        const KEY: &str = "INSERT INTO data_keys (id, purpose, master_version, wrapped, created_at) \
                           VALUES ($1, $2, $3, $4, $5)";
        const CASE: &str = "INSERT INTO cases (id, org_id, code, key_id, status, identity, age_at_identification, \
                            gender, immigration_status, indigenous, languages, region, created_by, created_at, \
                            updated_at, version) \
                            VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 1)";
        const ASSIGN: &str = "INSERT INTO case_assignments (case_id, user_id, assigned_at) VALUES ($1, $2, $3)";
        const ATTACH: &str = "UPDATE screenings SET case_id = $1 WHERE id = $2 AND case_id IS NULL";
        let id = CaseId::new();
        let key_id = Uuid::now_v7();
        let key = DataKey::generate()?;
        let wrapped = self.vault.wrap(key_id, KEY_PURPOSE, &key)?;
        let sealed = seal_identity(&key, key_id, id, identity)?;
        let terms = terms_of(&self.name_index_key().await?, identity);
        let code = new_code()?;
        let now = passerelle_core::time::now();
        macro_rules! body {
            ($tx:ident) => {{
                if let Some(s) = from_screening {
                    let linked: Option<Option<Uuid>> =
                        sqlx::query_scalar(SCREENING).bind(s.0).bind(org.0).fetch_optional(&mut *$tx).await?;
                    match linked {
                        None => return Err(StoreError::NotFound),
                        Some(Some(_)) => return Err(StoreError::Conflict),
                        Some(None) => {}
                    }
                }
                sqlx::query(KEY)
                    .bind(key_id)
                    .bind(KEY_PURPOSE)
                    .bind(i64::from(wrapped.master_version))
                    .bind(&wrapped.bytes)
                    .bind(now)
                    .execute(&mut *$tx)
                    .await?;
                sqlx::query(CASE)
                    .bind(id.0)
                    .bind(org.0)
                    .bind(&code)
                    .bind(key_id)
                    .bind(&sealed)
                    .bind(stats.age_at_identification)
                    .bind(stats.gender.as_deref())
                    .bind(stats.immigration_status.as_deref())
                    .bind(stats.indigenous.as_deref())
                    .bind(stats.languages.join(","))
                    .bind(stats.region.map(Region::code))
                    .bind(by.0)
                    .bind(now)
                    .execute(&mut *$tx)
                    .await
                    .map_err(unique("case_code"))?;
                for term in &terms {
                    sqlx::query(INSERT_TERM).bind(id.0).bind(term.as_slice()).execute(&mut *$tx).await?;
                }
                sqlx::query(ASSIGN).bind(id.0).bind(by.0).bind(now).execute(&mut *$tx).await?;
                case_event!($tx, id.0, now, Some(by.0), "case.open", None::<String>);
                if let Some(s) = from_screening {
                    let done = sqlx::query(ATTACH).bind(id.0).bind(s.0).execute(&mut *$tx).await?.rows_affected();
                    if done != 1 {
                        return Err(StoreError::Conflict);
                    }
                    case_event!($tx, id.0, now, Some(by.0), "screening.attach", Some(s.0.to_string()));
                }
            }};
        }
        // Dropping a transaction without commit rolls it back: every early return above
        // leaves the database as it was.
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

    /// One case, decrypted; its identity is `None` once the case key has been destroyed.
    /// The caller checks the organization and the assignment.
    pub async fn case(&self, id: CaseId) -> Result<CaseRecord, StoreError> {
        const SQL: &str = "SELECT id, org_id, code, key_id, status, close_reason, identity, age_at_identification, \
                           gender, immigration_status, indigenous, languages, region, created_by, created_at, version \
                           FROM cases WHERE id = $1";
        const ASSIGNED: &str = "SELECT user_id FROM case_assignments WHERE case_id = $1 ORDER BY assigned_at, user_id";
        let r: Row = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        let assigned: Vec<Uuid> = run!(&self.db, |pool| sqlx::query_scalar(ASSIGNED).bind(id.0).fetch_all(pool).await)?;
        let key = self.case_key(r.key_id).await?;
        let identity = match &key {
            Some(key) => {
                let json = open_case(key, TABLE, "identity", r.id, &r.identity)?;
                Some(serde_json::from_slice(&json).map_err(|_| StoreError::Corrupt("case identity"))?)
            }
            None => None,
        };
        let close_reason = match (&key, &r.close_reason) {
            (Some(key), Some(sealed)) => {
                let plain = open_case(key, TABLE, "close_reason", r.id, sealed)?;
                Some(String::from_utf8(plain.to_vec()).map_err(|_| StoreError::Corrupt("close reason"))?)
            }
            _ => None,
        };
        Ok(CaseRecord {
            id: CaseId(r.id),
            org_id: OrgId(r.org_id),
            code: r.code,
            status: status_of(&r.status)?,
            close_reason,
            identity,
            stats: CaseStats {
                age_at_identification: r.age_at_identification,
                gender: r.gender,
                immigration_status: r.immigration_status,
                indigenous: r.indigenous,
                languages: languages_of(&r.languages),
                region: region_of(r.region.as_deref())?,
            },
            created_by: UserId(r.created_by),
            created_at: r.created_at,
            version: r.version,
            assigned: assigned.into_iter().map(UserId).collect(),
        })
    }

    /// Cases of `org`; with `assigned_to` given, only those assigned to that user. Newest
    /// first, at most `limit` (1 to 1000).
    pub async fn cases_of(
        &self,
        org: OrgId,
        assigned_to: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        const SQL: &str = "SELECT c.id, c.code, c.status, c.region, c.created_at, a.user_id FROM \
                           (SELECT id, code, status, region, created_at FROM cases WHERE org_id = $1 \
                           AND ($2 IS NULL OR id IN (SELECT case_id FROM case_assignments WHERE user_id = $2)) \
                           ORDER BY created_at DESC, id DESC LIMIT $3) c \
                           LEFT JOIN case_assignments a ON a.case_id = c.id \
                           ORDER BY c.created_at DESC, c.id DESC, a.assigned_at, a.user_id";
        let rows: Vec<SummaryRow> = run!(&self.db, |pool| sqlx::query_as(SQL)
            .bind(org.0)
            .bind(assigned_to.map(|u| u.0))
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await)?;
        summaries(rows)
    }

    /// Exact name search, insensitive to accents, case and punctuation: every word of `query`
    /// must equal a word of the child's given name, family name or an alias (AND); parts of
    /// words do not match. Same organization and assignment restriction as
    /// [`Store::cases_of`]; a query without any word finds nothing.
    ///
    /// When the query has more than eight distinct words, the rest are checked on the (at
    /// most `limit`) cases matching the first eight, so fewer than `limit` may come back.
    pub async fn search_cases(
        &self,
        org: OrgId,
        assigned_to: Option<UserId>,
        query: &str,
        limit: i64,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        // Unused slots repeat a word already asked for, which changes neither the set of
        // terms looked up nor their distinct count. The matching cases are found from the
        // words' terms first, then looked up by id: `CROSS JOIN` keeps SQLite from walking
        // the whole organization in date order and testing each case instead (100,000 cases:
        // a name found once took 60 ms, now under 1 ms; the commonest single word, 5,311
        // cases, 12 ms then, 28 ms now). PostgreSQL plans it as an ordinary join.
        const SQL: &str = "SELECT c.id, c.code, c.status, c.region, c.created_at, a.user_id FROM \
                           (SELECT k.id, k.code, k.status, k.region, k.created_at FROM \
                           (SELECT case_id FROM case_terms WHERE term IN ($3, $4, $5, $6, $7, $8, $9, $10) \
                           GROUP BY case_id HAVING COUNT(DISTINCT term) = $11) t \
                           CROSS JOIN cases k WHERE k.id = t.case_id AND k.org_id = $1 \
                           AND ($2 IS NULL OR k.id IN (SELECT case_id FROM case_assignments WHERE user_id = $2)) \
                           ORDER BY k.created_at DESC, k.id DESC LIMIT $12) c \
                           LEFT JOIN case_assignments a ON a.case_id = c.id \
                           ORDER BY c.created_at DESC, c.id DESC, a.assigned_at, a.user_id";
        const HAS_TERM: &str = "SELECT COUNT(*) FROM case_terms WHERE case_id = $1 AND term = $2";
        let tokens = blind_tokens(&self.name_index_key().await?, query);
        let (first, rest) = tokens.split_at(tokens.len().min(QUERY_SLOTS));
        let Some(last) = first.last() else { return Ok(Vec::new()) };
        let slot = |i: usize| first.get(i).unwrap_or(last).as_slice();
        let distinct = i64::try_from(first.len()).map_err(|_| StoreError::Corrupt("query words"))?;
        let rows: Vec<SummaryRow> = run!(&self.db, |pool| sqlx::query_as(SQL)
            .bind(org.0)
            .bind(assigned_to.map(|u| u.0))
            .bind(slot(0))
            .bind(slot(1))
            .bind(slot(2))
            .bind(slot(3))
            .bind(slot(4))
            .bind(slot(5))
            .bind(slot(6))
            .bind(slot(7))
            .bind(distinct)
            .bind(limit.clamp(1, 1000))
            .fetch_all(pool)
            .await)?;
        let mut found = summaries(rows)?;
        if !rest.is_empty() {
            let mut kept = Vec::with_capacity(found.len());
            'cases: for s in found {
                for term in rest {
                    let n: i64 = run!(&self.db, |pool| sqlx::query_scalar(HAS_TERM)
                        .bind(s.id.0)
                        .bind(term.as_slice())
                        .fetch_one(pool)
                        .await)?;
                    if n == 0 {
                        continue 'cases;
                    }
                }
                kept.push(s);
            }
            found = kept;
        }
        Ok(found)
    }

    /// Replaces the child's identity (stale `version`: [`StoreError::Conflict`]) and its name
    /// tokens, with the event `identity.update`, in one transaction. Also `Conflict` once the
    /// case key has been destroyed.
    pub async fn update_case_identity(
        &self,
        id: CaseId,
        version: i64,
        by: UserId,
        identity: &Identity,
    ) -> Result<CaseRecord, StoreError> {
        const UPDATE: &str = "UPDATE cases SET identity = $1, updated_at = $2, version = version + 1 \
                              WHERE id = $3 AND version = $4";
        let (key_id, key) = self.live_case_key(id).await?;
        let sealed = seal_identity(&key, key_id, id, identity)?;
        let terms = terms_of(&self.name_index_key().await?, identity);
        let now = passerelle_core::time::now();
        macro_rules! body {
            ($tx:ident) => {{
                let done =
                    sqlx::query(UPDATE).bind(&sealed).bind(now).bind(id.0).bind(version).execute(&mut *$tx).await?;
                check_written!($tx, done.rows_affected(), id.0);
                sqlx::query(DELETE_TERMS).bind(id.0).execute(&mut *$tx).await?;
                for term in &terms {
                    sqlx::query(INSERT_TERM).bind(id.0).bind(term.as_slice()).execute(&mut *$tx).await?;
                }
                case_event!($tx, id.0, now, Some(by.0), "identity.update", None::<String>);
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
        self.case(id).await
    }

    /// Moves a case to `status`, with the event `status.<status>`, in one transaction.
    ///
    /// [`StoreError::Conflict`] for a stale `version` and for a transition that
    /// [`CaseStatus::can_become`] forbids. `reason` is kept as the close reason when closing;
    /// any other status clears it. (Requiring a reason to close is the caller's rule.)
    pub async fn set_case_status(
        &self,
        id: CaseId,
        version: i64,
        by: UserId,
        status: CaseStatus,
        reason: Option<&str>,
    ) -> Result<CaseRecord, StoreError> {
        const CURRENT: &str = "SELECT status, key_id FROM cases WHERE id = $1";
        // Conditional on the status read too, so the transition checked is the one made.
        const UPDATE: &str = "UPDATE cases SET status = $1, close_reason = $2, updated_at = $3, \
                              version = version + 1 WHERE id = $4 AND version = $5 AND status = $6";
        let (current, key_id): (String, Uuid) =
            run!(&self.db, |pool| sqlx::query_as(CURRENT).bind(id.0).fetch_one(pool).await)?;
        let current = status_of(&current)?;
        if !current.can_become(status) {
            return Err(StoreError::Conflict);
        }
        // Free text that may identify the child: sealed with the case key like the identity.
        // Once that key is destroyed there is nowhere safe to keep it, so it is not kept.
        let close_reason = match (status == CaseStatus::Closed, reason) {
            (true, Some(text)) => match self.case_key(key_id).await? {
                Some(key) => Some(seal_case(&key, key_id, TABLE, "close_reason", id.0, text.as_bytes())?),
                None => None,
            },
            _ => None,
        };
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            let done = sqlx::query(UPDATE)
                .bind(status.as_str())
                .bind(close_reason)
                .bind(now)
                .bind(id.0)
                .bind(version)
                .bind(current.as_str())
                .execute(&mut *tx)
                .await?;
            check_written!(tx, done.rows_affected(), id.0);
            case_event!(tx, id.0, now, Some(by.0), format!("status.{}", status.as_str()), None::<String>);
        });
        self.case(id).await
    }

    /// Assigns `user` to a case, with the event `assign`. Idempotent: assigning someone
    /// already assigned changes nothing and records nothing. [`StoreError::NotFound`] when
    /// the case does not exist or `user` is not a member of the case's organization.
    pub async fn assign_case(&self, id: CaseId, by: UserId, user: UserId) -> Result<(), StoreError> {
        const SAME_ORG: &str = "SELECT COUNT(*) FROM cases c JOIN users u ON u.org_id = c.org_id \
                                WHERE c.id = $1 AND u.id = $2";
        const INSERT: &str = "INSERT INTO case_assignments (case_id, user_id, assigned_at) VALUES ($1, $2, $3) \
                              ON CONFLICT (case_id, user_id) DO NOTHING";
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            let n: i64 = sqlx::query_scalar(SAME_ORG).bind(id.0).bind(user.0).fetch_one(&mut *tx).await?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let done = sqlx::query(INSERT).bind(id.0).bind(user.0).bind(now).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                case_event!(tx, id.0, now, Some(by.0), "assign", Some(user.0.to_string()));
            }
        });
        Ok(())
    }

    /// Removes `user` from a case, with the event `unassign`. Idempotent: removing someone
    /// not assigned changes nothing and records nothing. [`StoreError::NotFound`] when the
    /// case does not exist.
    pub async fn unassign_case(&self, id: CaseId, by: UserId, user: UserId) -> Result<(), StoreError> {
        const DELETE: &str = "DELETE FROM case_assignments WHERE case_id = $1 AND user_id = $2";
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            let n: i64 = sqlx::query_scalar(EXISTS).bind(id.0).fetch_one(&mut *tx).await?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            let done = sqlx::query(DELETE).bind(id.0).bind(user.0).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                case_event!(tx, id.0, now, Some(by.0), "unassign", Some(user.0.to_string()));
            }
        });
        Ok(())
    }

    /// Adds a note, encrypted under the case key, with the event `note.add`, in one
    /// transaction. [`StoreError::Conflict`] once the case key has been destroyed.
    pub async fn add_case_note(&self, id: CaseId, author: UserId, body: &str) -> Result<NoteId, StoreError> {
        const INSERT: &str =
            "INSERT INTO case_notes (id, case_id, author_id, created_at, body) VALUES ($1, $2, $3, $4, $5)";
        let (key_id, key) = self.live_case_key(id).await?;
        let note = NoteId::new();
        let sealed = seal_case(&key, key_id, NOTES_TABLE, "body", note.0, body.as_bytes())?;
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            sqlx::query(INSERT)
                .bind(note.0)
                .bind(id.0)
                .bind(author.0)
                .bind(now)
                .bind(&sealed)
                .execute(&mut *tx)
                .await?;
            case_event!(tx, id.0, now, Some(author.0), "note.add", Some(note.0.to_string()));
        });
        Ok(note)
    }

    /// A case's notes, decrypted, newest first; empty once the case key has been destroyed.
    /// [`StoreError::NotFound`] only when the case does not exist.
    pub async fn case_notes(&self, id: CaseId) -> Result<Vec<CaseNote>, StoreError> {
        const SQL: &str = "SELECT id, author_id, created_at, body FROM case_notes WHERE case_id = $1 \
                           ORDER BY created_at DESC, id DESC";
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(id.0).fetch_one(pool).await)?;
        let Some(key) = self.case_key(key_id).await? else { return Ok(Vec::new()) };
        let rows: Vec<NoteRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let plain = open_case(&key, NOTES_TABLE, "body", r.id, &r.body)?;
            let body = String::from_utf8(plain.to_vec()).map_err(|_| StoreError::Corrupt("case note"))?;
            out.push(CaseNote { id: NoteId(r.id), author: UserId(r.author_id), at: r.created_at, body });
        }
        Ok(out)
    }

    /// A case's timeline, oldest first. [`StoreError::NotFound`] when the case does not exist.
    pub async fn case_timeline(&self, id: CaseId) -> Result<Vec<CaseEvent>, StoreError> {
        const SQL: &str = "SELECT at, actor_id, kind, ref_id FROM case_events WHERE case_id = $1 ORDER BY at, id";
        let n: i64 = run!(&self.db, |pool| sqlx::query_scalar(EXISTS).bind(id.0).fetch_one(pool).await)?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let rows: Vec<EventRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|r| CaseEvent { at: r.at, actor: r.actor_id.map(UserId), kind: r.kind, ref_id: r.ref_id })
            .collect())
    }

    /// Destroys the case key (crypto-shredding), in one transaction with the removal of the
    /// name tokens: the identity and the notes become unreadable for good and the case can no
    /// longer be found by name; the code, status, statistics, assignments and timeline stay.
    /// The case's version goes up (its identity is now gone). Idempotent;
    /// [`StoreError::NotFound`] when the case does not exist.
    pub async fn destroy_case_key(&self, id: CaseId) -> Result<(), StoreError> {
        // The case row is updated first: it serializes this with a concurrent identity
        // update, so no name token can be written back after the key is gone.
        const TOUCH: &str = "UPDATE cases SET updated_at = $1, version = version + 1, linkage = NULL WHERE id = $2";
        // As in `Store::destroy_data_key`, in this transaction.
        const DESTROY: &str = "UPDATE data_keys SET wrapped = NULL, destroyed_at = $1 \
                               WHERE id = $2 AND wrapped IS NOT NULL AND purpose NOT LIKE 'system.%'";
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(id.0).fetch_one(pool).await)?;
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            sqlx::query(TOUCH).bind(now).bind(id.0).execute(&mut *tx).await?;
            sqlx::query(DESTROY).bind(now).bind(key_id).execute(&mut *tx).await?;
            sqlx::query(DELETE_TERMS).bind(id.0).execute(&mut *tx).await?;
        });
        self.vault.forget(key_id);
        Ok(())
    }

    /// The case with this code (`C-XXXX-XXXX`), if any.
    pub async fn case_by_code(&self, code: &str) -> Result<Option<CaseId>, StoreError> {
        const SQL: &str = "SELECT id FROM cases WHERE code = $1";
        let id: Option<Uuid> =
            run!(&self.db, |pool| sqlx::query_scalar(SQL).bind(code.trim().to_uppercase()).fetch_optional(pool).await)?;
        Ok(id.map(CaseId))
    }

    /// A case's code (nothing decrypted).
    pub async fn case_code(&self, id: CaseId) -> Result<String, StoreError> {
        const SQL: &str = "SELECT code FROM cases WHERE id = $1";
        Ok(run!(&self.db, |pool| sqlx::query_scalar(SQL).bind(id.0).fetch_one(pool).await)?)
    }

    /// The case a screening led to, if any. [`StoreError::NotFound`] when the screening does
    /// not exist.
    pub async fn screening_case(&self, screening: ScreeningId) -> Result<Option<CaseId>, StoreError> {
        const SQL: &str = "SELECT case_id FROM screenings WHERE id = $1";
        let case: Option<Uuid> =
            run!(&self.db, |pool| sqlx::query_scalar(SQL).bind(screening.0).fetch_one(pool).await)?;
        Ok(case.map(CaseId))
    }
}

impl Store {
    /// The case's statistical profile (RSS region, type of trafficking, forms of exploitation).
    pub async fn case_profile(&self, id: CaseId) -> Result<passerelle_core::case::CaseProfile, StoreError> {
        const SQL: &str =
            "SELECT hss_region, trafficking_type, exploitation, profile_confirmed FROM cases WHERE id = $1";
        let (hss_region, trafficking_type, exploitation, confirmed): (Option<String>, Option<String>, String, bool) =
            run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        Ok(passerelle_core::case::CaseProfile {
            hss_region,
            trafficking_type,
            exploitation: exploitation.split(',').filter(|e| !e.is_empty()).map(str::to_owned).collect(),
            confirmed,
        })
    }

    /// Replaces the profile, with the event `profile.update` (or `profile.confirm`), in one
    /// transaction.
    pub async fn set_case_profile(
        &self,
        id: CaseId,
        by: Option<UserId>,
        profile: &passerelle_core::case::CaseProfile,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE cases SET hss_region = $1, trafficking_type = $2, exploitation = $3, \
                           profile_confirmed = $4, updated_at = $5 WHERE id = $6";
        let now = passerelle_core::time::now();
        let kind = if profile.confirmed { "profile.confirm" } else { "profile.update" };
        in_tx!(&self.db, |tx| {
            let done = sqlx::query(SQL)
                .bind(profile.hss_region.as_deref())
                .bind(profile.trafficking_type.as_deref())
                .bind(profile.exploitation.join(","))
                .bind(profile.confirmed)
                .bind(now)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            case_event!(tx, id.0, now, by.map(|u| u.0), kind, None::<String>);
        });
        Ok(())
    }
}

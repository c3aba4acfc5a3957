//! Bulk import of cases (synthetic demonstration data, or records migrated from another
//! system): many cases in one transaction, each with its own data key, sealed identity, name
//! tokens, profile, opening date and linkage encoding, exactly as if opened one by one.

use passerelle_core::case::{CaseProfile, CaseStats, Identity};
use passerelle_core::ids::{CaseId, OrgId, UserId};
use passerelle_core::region::Region;
use passerelle_crypto::DataKey;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::cases::{INSERT_TERM, KEY_PURPOSE, TABLE, new_code, seal_case, seal_identity, terms_of};
use crate::error::{StoreError, unique};
use crate::{Store, case_event, in_tx};

/// One case to import.
#[derive(Clone)]
pub struct ImportCase {
    /// Its organization.
    pub org: OrgId,
    /// The worker who opened it (assigned to it).
    pub by: UserId,
    /// The child's identity.
    pub identity: Identity,
    /// Coarse statistical attributes.
    pub stats: CaseStats,
    /// Type of trafficking and forms of exploitation.
    pub profile: CaseProfile,
    /// The presenting situation (statistics vocabulary).
    pub presenting_situation: Option<String>,
    /// When the case was opened.
    pub opened_at: OffsetDateTime,
    /// The child's linkage encoding, when computed.
    pub linkage: Option<Vec<u8>>,
}

impl std::fmt::Debug for ImportCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportCase").field("org", &self.org).finish_non_exhaustive()
    }
}

/// A case prepared outside the transaction (keys drawn, values sealed).
struct Prepared {
    id: CaseId,
    key_id: Uuid,
    master_version: i64,
    wrapped: Vec<u8>,
    code: String,
    sealed: Vec<u8>,
    linkage: Option<Vec<u8>>,
    terms: Vec<[u8; 32]>,
}

impl Store {
    /// Imports `cases` in one transaction and returns their ids, in order. A drawn case code
    /// that is already in use makes the whole batch start again with new codes.
    pub async fn import_cases(&self, cases: &[ImportCase]) -> Result<Vec<CaseId>, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.import_once(cases).await {
                Err(StoreError::Duplicate("case_code")) if attempt < 5 => {}
                other => return other,
            }
        }
    }

    async fn import_once(&self, cases: &[ImportCase]) -> Result<Vec<CaseId>, StoreError> {
        const KEY: &str = "INSERT INTO data_keys (id, purpose, master_version, wrapped, created_at) \
                           VALUES ($1, $2, $3, $4, $5)";
        const CASE: &str = "INSERT INTO cases (id, org_id, code, key_id, status, identity, age_at_identification, \
                            gender, immigration_status, indigenous, languages, region, created_by, created_at, \
                            updated_at, version, hss_region, trafficking_type, exploitation, profile_confirmed, \
                            presenting_situation, linkage) \
                            VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 1, \
                            $14, $15, $16, $17, $18, $19)";
        const ASSIGN: &str = "INSERT INTO case_assignments (case_id, user_id, assigned_at) VALUES ($1, $2, $3)";
        let index_key = self.name_index_key().await?;
        let mut prepared = Vec::with_capacity(cases.len());
        for c in cases {
            let id = CaseId::new();
            let key_id = Uuid::now_v7();
            let key = DataKey::generate()?;
            let wrapped = self.vault.wrap(key_id, KEY_PURPOSE, &key)?;
            let linkage = match &c.linkage {
                Some(e) => Some(seal_case(&key, key_id, TABLE, "linkage", id.0, e)?),
                None => None,
            };
            prepared.push(Prepared {
                id,
                key_id,
                master_version: i64::from(wrapped.master_version),
                wrapped: wrapped.bytes,
                code: new_code()?,
                sealed: seal_identity(&key, key_id, id, &c.identity)?,
                linkage,
                terms: terms_of(&index_key, &c.identity),
            });
        }
        in_tx!(&self.db, |tx| {
            for (c, p) in cases.iter().zip(&prepared) {
                sqlx::query(KEY)
                    .bind(p.key_id)
                    .bind(KEY_PURPOSE)
                    .bind(p.master_version)
                    .bind(&p.wrapped)
                    .bind(c.opened_at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(CASE)
                    .bind(p.id.0)
                    .bind(c.org.0)
                    .bind(&p.code)
                    .bind(p.key_id)
                    .bind(&p.sealed)
                    .bind(c.stats.age_at_identification)
                    .bind(c.stats.gender.as_deref())
                    .bind(c.stats.immigration_status.as_deref())
                    .bind(c.stats.indigenous.as_deref())
                    .bind(c.stats.languages.join(","))
                    .bind(c.stats.region.map(Region::code))
                    .bind(c.by.0)
                    .bind(c.opened_at)
                    .bind(c.profile.hss_region.as_deref())
                    .bind(c.profile.trafficking_type.as_deref())
                    .bind(c.profile.exploitation.join(","))
                    .bind(c.profile.confirmed)
                    .bind(c.presenting_situation.as_deref())
                    .bind(p.linkage.as_deref())
                    .execute(&mut *tx)
                    .await
                    .map_err(unique("case_code"))?;
                for term in &p.terms {
                    sqlx::query(INSERT_TERM).bind(p.id.0).bind(term.as_slice()).execute(&mut *tx).await?;
                }
                sqlx::query(ASSIGN).bind(p.id.0).bind(c.by.0).bind(c.opened_at).execute(&mut *tx).await?;
                case_event!(tx, p.id.0, c.opened_at, Some(c.by.0), "case.open", None::<String>);
            }
        });
        Ok(prepared.into_iter().map(|p| p.id).collect())
    }

    /// Sets a case's presenting situation (a coarse statistical attribute).
    pub async fn set_presenting_situation(&self, id: CaseId, value: Option<&str>) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE cases SET presenting_situation = $1 WHERE id = $2";
        let n = crate::exec!(&self.db, sqlx::query(SQL).bind(value).bind(id.0))?;
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}

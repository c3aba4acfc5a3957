//! Data keys in the database: system keys, per-case keys, destruction and master rotation.

use std::sync::Arc;

use passerelle_crypto::field::{self, Aad};
use passerelle_crypto::keys::{DataKey, WrappedKey};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::StoreError;
use crate::{Store, exec, run};

/// The installation's own keys. Their ids are fixed so that two servers starting at once on
/// an empty database cannot create two different keys for one purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemKey {
    /// MACs of the audit chain.
    Audit,
    /// Blind indexes for exact search on encrypted values.
    BlindIndex,
    /// Encryption of system fields (second-factor secrets and the like).
    Fields,
}

impl SystemKey {
    const ALL: [SystemKey; 3] = [SystemKey::Audit, SystemKey::BlindIndex, SystemKey::Fields];

    fn id(self) -> Uuid {
        match self {
            SystemKey::Audit => Uuid::from_u128(1),
            SystemKey::BlindIndex => Uuid::from_u128(2),
            SystemKey::Fields => Uuid::from_u128(3),
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            SystemKey::Audit => "system.audit",
            SystemKey::BlindIndex => "system.blind",
            SystemKey::Fields => "system.fields",
        }
    }
}

/// Outcome of a master key rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotation {
    /// The new current master version.
    pub version: u32,
    /// Data keys re-wrapped under it.
    pub rewrapped: u64,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: Uuid,
    purpose: String,
    master_version: i64,
    wrapped: Option<Vec<u8>>,
}

fn to_wrapped(row: &KeyRow) -> Result<WrappedKey, StoreError> {
    let bytes = row.wrapped.clone().ok_or(StoreError::NotFound)?;
    let master_version = u32::try_from(row.master_version).map_err(|_| StoreError::Corrupt("master version"))?;
    Ok(WrappedKey { master_version, bytes })
}

impl Store {
    pub(crate) async fn ensure_system_keys(&self) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO data_keys (id, purpose, master_version, wrapped, created_at) \
                           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING";
        for k in SystemKey::ALL {
            let key = DataKey::generate()?;
            let wrapped = self.vault.wrap(k.id(), k.purpose(), &key)?;
            let now = passerelle_core::time::now();
            exec!(
                &self.db,
                sqlx::query(SQL)
                    .bind(k.id())
                    .bind(k.purpose())
                    .bind(i64::from(wrapped.master_version))
                    .bind(wrapped.bytes)
                    .bind(now)
            )?;
            // Read back whichever key won, so a mismatched key file fails here, at start.
            self.system_key(k).await?;
        }
        Ok(())
    }

    async fn load_key(&self, id: Uuid) -> Result<Arc<DataKey>, StoreError> {
        const SQL: &str = "SELECT id, purpose, master_version, wrapped FROM data_keys WHERE id = $1";
        let row: KeyRow = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id).fetch_one(pool).await)?;
        let wrapped = to_wrapped(&row)?;
        self.vault.unwrap(row.id, &row.purpose, &wrapped)
    }

    /// One of the installation's system keys.
    pub async fn system_key(&self, k: SystemKey) -> Result<Arc<DataKey>, StoreError> {
        self.load_key(k.id()).await
    }

    /// Creates a new data key for `purpose` (e.g. `case`) and returns its id.
    pub async fn create_data_key(&self, purpose: &str) -> Result<Uuid, StoreError> {
        const SQL: &str = "INSERT INTO data_keys (id, purpose, master_version, wrapped, created_at) \
                           VALUES ($1, $2, $3, $4, $5)";
        let id = Uuid::now_v7();
        let key = DataKey::generate()?;
        let wrapped = self.vault.wrap(id, purpose, &key)?;
        let now = passerelle_core::time::now();
        exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(id)
                .bind(purpose)
                .bind(i64::from(wrapped.master_version))
                .bind(wrapped.bytes)
                .bind(now)
        )?;
        Ok(id)
    }

    /// A data key by id; [`StoreError::NotFound`] once destroyed.
    pub async fn data_key(&self, id: Uuid) -> Result<Arc<DataKey>, StoreError> {
        self.load_key(id).await
    }

    /// Destroys a data key (crypto-shredding): everything encrypted under it becomes
    /// unreadable for good, in the database and in every backup taken afterwards.
    pub async fn destroy_data_key(&self, id: Uuid) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE data_keys SET wrapped = NULL, destroyed_at = $2 \
                           WHERE id = $1 AND wrapped IS NOT NULL AND purpose NOT LIKE 'system.%'";
        let now = passerelle_core::time::now();
        let done = exec!(&self.db, sqlx::query(SQL).bind(id).bind(now))?;
        self.vault.forget(id);
        if done == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }

    /// Encrypts a value of a system field, bound to its table, column and row.
    pub async fn seal_system(&self, table: &str, column: &str, row: Uuid, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let key = self.system_key(SystemKey::Fields).await?;
        let aad = Aad { table, column, row: row.as_bytes() };
        Ok(field::seal(&key, *SystemKey::Fields.id().as_bytes(), &aad, plain)?)
    }

    /// Decrypts a value sealed by [`Store::seal_system`] for the same table, column and row.
    pub async fn open_system(
        &self,
        table: &str,
        column: &str,
        row: Uuid,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        let key = self.system_key(SystemKey::Fields).await?;
        let aad = Aad { table, column, row: row.as_bytes() };
        Ok(field::open(&key, &aad, sealed)?)
    }

    /// The blind index of `value` for one field (exact, accent- and case-insensitive search).
    pub async fn blind_index(&self, table: &str, column: &str, value: &str) -> Result<[u8; 32], StoreError> {
        let root = self.system_key(SystemKey::BlindIndex).await?;
        let key = passerelle_crypto::blind::BlindIndexKey::derive(&root, table, column);
        Ok(passerelle_crypto::blind::blind_index(&key, value))
    }

    /// Adds a master key version to the key file and re-wraps every data key under it.
    ///
    /// Servers keep running: a server that meets a key wrapped under a version it does not
    /// know yet re-reads the key file (see [`crate::vault::Vault::unwrap`]). Old versions stay
    /// in the file until retired, so a crash half-way leaves every key readable.
    pub async fn rotate_master_key(&self) -> Result<Rotation, StoreError> {
        let version = passerelle_crypto::keys::Keyring::rotate(self.vault.path())?;
        self.vault.reload()?;
        let rewrapped = self.rewrap_all().await?;
        Ok(Rotation { version, rewrapped })
    }

    /// Re-wraps, in batches, every data key wrapped under an older master version.
    pub async fn rewrap_all(&self) -> Result<u64, StoreError> {
        const SELECT: &str = "SELECT id, purpose, master_version, wrapped FROM data_keys \
                              WHERE wrapped IS NOT NULL AND master_version < $1 ORDER BY id LIMIT 500";
        const UPDATE: &str = "UPDATE data_keys SET wrapped = $1, master_version = $2 \
                              WHERE id = $3 AND master_version = $4";
        let current = i64::from(self.vault.current_version()?);
        let mut total = 0u64;
        loop {
            let rows: Vec<KeyRow> = run!(&self.db, |pool| sqlx::query_as(SELECT).bind(current).fetch_all(pool).await)?;
            if rows.is_empty() {
                return Ok(total);
            }
            for row in rows {
                let key = self.vault.unwrap(row.id, &row.purpose, &to_wrapped(&row)?)?;
                let fresh = self.vault.wrap(row.id, &row.purpose, &key)?;
                // Conditional on the version read: a concurrent rotation simply wins.
                let done = exec!(
                    &self.db,
                    sqlx::query(UPDATE)
                        .bind(fresh.bytes)
                        .bind(i64::from(fresh.master_version))
                        .bind(row.id)
                        .bind(row.master_version)
                )?;
                total += done;
            }
        }
    }

    /// How many live data keys are still wrapped under each master version.
    pub async fn key_versions(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        const SQL: &str = "SELECT master_version, COUNT(*) FROM data_keys WHERE wrapped IS NOT NULL \
                           GROUP BY master_version ORDER BY master_version";
        Ok(run!(&self.db, |pool| sqlx::query_as(SQL).fetch_all(pool).await)?)
    }
}

//! One storage layer over embedded SQLite and PostgreSQL.
//!
//! The rest of the platform calls [`Store`]; it never sees SQL. Each area (organizations,
//! users, sessions, API tokens, keys, the audit trail) has its own module, and the same
//! conformance tests (`tests/`) run on both backends.

pub mod audit;
pub mod backup;
pub mod break_glass;
pub mod cases;
pub mod db;
pub mod directory;
pub mod error;
pub mod exchange;
pub mod import;
pub mod incidents;
pub mod keys;
pub mod linkage;
pub mod orgs;
pub mod plans;
pub mod retention;
pub mod screenings;
pub mod sessions;
pub mod setup;
pub mod statistics;
pub mod testing;
pub mod tokens;
pub mod training;
pub mod users;
pub mod vault;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use db::{Db, Location};
pub use error::StoreError;
use vault::Vault;

/// The installation's storage: the database and the keys that protect it.
#[derive(Clone, Debug)]
pub struct Store {
    /// The database pool.
    pub db: Db,
    vault: Arc<Vault>,
}

/// What [`Store::open`] found or made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The installation was empty and has just been created (schema, keys).
    pub new_installation: bool,
    /// The master key file was created now.
    pub new_master_key: bool,
}

/// Default name of the master key file inside a data directory.
pub const MASTER_KEY_FILE: &str = "master.key";

impl Store {
    /// Opens (and if needed creates) an installation: connects, applies migrations, loads or
    /// creates the master key file and the installation's system keys.
    ///
    /// An existing installation whose key file is missing is refused rather than given a new
    /// key: a new key would make every protected value unreadable.
    pub async fn open(location: &Location, key_file: &Path) -> Result<(Self, Opened), StoreError> {
        let db = Db::connect(location).await?;
        db.migrate().await?;
        let existed = installation_exists(&db).await?;
        let (vault, new_master_key) =
            if existed { (Vault::load(key_file)?, false) } else { Vault::load_or_create(key_file)? };
        let store = Store { db, vault: Arc::new(vault) };
        store.ensure_system_keys().await?;
        if !existed {
            let sql = "INSERT INTO installation (id, created_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING";
            let now = passerelle_core::time::now();
            exec!(&store.db, sqlx::query(sql).bind(now))?;
        }
        Ok((store, Opened { new_installation: !existed, new_master_key }))
    }

    /// The master key file this store uses.
    pub fn key_file(&self) -> PathBuf {
        self.vault.path().to_path_buf()
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.db.close().await;
    }
}

async fn installation_exists(db: &Db) -> Result<bool, StoreError> {
    let sql = "SELECT COUNT(*) FROM installation";
    let n: i64 = run!(db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await)?;
    Ok(n > 0)
}

//! Test support: a fresh, isolated installation per test, on the backend the test run asks
//! for. `PASSERELLE_TEST_DATABASE_URL=postgres://…` selects PostgreSQL (each test gets its
//! own schema); otherwise each test gets its own SQLite file. Never used by the server.

use std::path::PathBuf;

use crate::{Location, Store};

/// Environment variable that selects PostgreSQL for the test run.
pub const TEST_DATABASE_URL: &str = "PASSERELLE_TEST_DATABASE_URL";

/// An isolated installation that cleans up after itself (best effort).
#[derive(Debug)]
pub struct TestStore {
    /// The store.
    pub store: Store,
    /// Its location.
    pub location: Location,
    /// Its key file.
    pub key_file: PathBuf,
    dir: PathBuf,
    schema: Option<(String, String)>,
}

impl TestStore {
    /// A new empty installation.
    ///
    /// # Panics
    /// When the requested backend cannot be reached: a test run that asked for PostgreSQL
    /// must never fall back silently to SQLite.
    pub async fn new() -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("passerelle-test-{id}"));
        let key_file = dir.join("master.key");
        let (location, schema) = match std::env::var(TEST_DATABASE_URL) {
            Ok(url) if !url.is_empty() => {
                let schema = format!("t_{id}");
                create_schema(&url, &schema).await;
                (Location::Postgres { url: url.clone(), schema: Some(schema.clone()) }, Some((url, schema)))
            }
            _ => (Location::DataDir(dir.clone()), None),
        };
        let (store, _) = Store::open(&location, &key_file)
            .await
            .unwrap_or_else(|e| panic!("cannot open the test installation: {e}"));
        Self { store, location, key_file, dir, schema }
    }

    /// Opens the same installation again (as a second server or a later command would).
    pub async fn reopen(&self) -> Store {
        Store::open(&self.location, &self.key_file).await.unwrap_or_else(|e| panic!("cannot reopen: {e}")).0
    }

    /// Runs raw SQL on the installation, as someone with direct database access would
    /// (tests of tampering).
    pub async fn raw(&self, sql: &'static str) -> Result<u64, sqlx::Error> {
        crate::exec!(&self.store.db, sqlx::query(sql))
    }

    /// Drops the schema or removes the files.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((url, schema)) = &self.schema
            && let Ok(pool) = sqlx::PgPool::connect(url).await
        {
            let sql = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
            let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
            pool.close().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn create_schema(url: &str, schema: &str) {
    let pool = sqlx::PgPool::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL} is set but PostgreSQL cannot be reached: {e}"));
    // The name is made here from a UUID, never from input.
    let sql = format!("CREATE SCHEMA \"{schema}\"");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&pool)
        .await
        .unwrap_or_else(|e| panic!("cannot create the test schema: {e}"));
    pool.close().await;
}

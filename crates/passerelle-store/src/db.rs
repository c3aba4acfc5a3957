//! The storage boundary: one SQL text, two concrete backends.
//!
//! Every query is written once with `$n` placeholders (SQLite's driver reads `$n` as the
//! n-th argument) and run on whichever pool is configured through [`run!`]. We do not use
//! sqlx's `Any` driver: it cannot decode UUIDs, timestamps or SQLite booleans and cannot set
//! SQLite pragmas before the first statement.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::error::StoreError;

/// Where an installation keeps its data.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// Embedded SQLite in a data directory (`passerelle.db` inside it).
    DataDir(std::path::PathBuf),
    /// A PostgreSQL server, optionally inside one schema (used by the tests).
    Postgres {
        /// `postgres://…` URL.
        url: String,
        /// Schema to use as `search_path`, when not the default.
        schema: Option<String>,
    },
}

impl std::fmt::Debug for Location {
    // A database URL may hold a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::DataDir(p) => f.debug_tuple("DataDir").field(p).finish(),
            Location::Postgres { schema, .. } => {
                f.debug_struct("Postgres").field("url", &"<redacted>").field("schema", schema).finish()
            }
        }
    }
}

/// A connection pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// Runs the same expression on whichever pool `$db` holds; each arm is type-checked
/// against its own backend.
#[macro_export]
macro_rules! run {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Executes a statement on whichever pool `$db` holds and returns the number of rows it
/// changed (the result types differ per backend, the count does not).
#[macro_export]
macro_rules! exec {
    ($db:expr, $query:expr) => {
        match $db {
            $crate::db::Db::Sqlite(pool) => $query.execute(pool).await.map(|r| r.rows_affected()),
            $crate::db::Db::Postgres(pool) => $query.execute(pool).await.map(|r| r.rows_affected()),
        }
    };
}

/// Runs `$body` in one write transaction on whichever pool `$db` holds and commits it; an
/// early return (`?`) inside the body rolls it back. SQLite takes the write lock at the start
/// (`BEGIN IMMEDIATE`), so a read-then-write body cannot fail half-way on a busy database.
#[macro_export]
macro_rules! in_tx {
    ($db:expr, |$tx:ident| $body:block) => {
        match $db {
            $crate::db::Db::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::db::Db::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// Appends an event to a case's timeline inside the transaction `$tx` (of [`in_tx!`]);
/// `$actor` and `$ref_id` are bound as given (options).
#[macro_export]
macro_rules! case_event {
    ($tx:ident, $case:expr, $at:expr, $actor:expr, $kind:expr, $ref_id:expr) => {
        sqlx::query($crate::cases::INSERT_EVENT)
            .bind(uuid::Uuid::now_v7())
            .bind($case)
            .bind($at)
            .bind($actor)
            .bind($kind)
            .bind($ref_id)
            .execute(&mut *$tx)
            .await?
    };
}

/// Name of the SQLite file inside a data directory.
pub const SQLITE_FILE: &str = "passerelle.db";

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../migrations/sqlite/0001_foundation.sql")),
    (2, "screenings", include_str!("../migrations/sqlite/0002_screenings.sql")),
    (3, "cases", include_str!("../migrations/sqlite/0003_cases.sql")),
    (4, "plans", include_str!("../migrations/sqlite/0004_plans.sql")),
    (5, "case profile", include_str!("../migrations/sqlite/0005_case_profile.sql")),
    (6, "training", include_str!("../migrations/sqlite/0006_training.sql")),
    (7, "linkage and statistics", include_str!("../migrations/sqlite/0007_linkage_statistics.sql")),
    (8, "partner directory", include_str!("../migrations/sqlite/0008_partner_directory.sql")),
    (9, "access report", include_str!("../migrations/sqlite/0009_access_report.sql")),
    (10, "information exchange", include_str!("../migrations/sqlite/0010_information_exchange.sql")),
    (11, "break glass", include_str!("../migrations/sqlite/0011_break_glass.sql")),
    (12, "retention and incidents", include_str!("../migrations/sqlite/0012_retention_incidents.sql")),
    (13, "link decisions", include_str!("../migrations/sqlite/0013_link_decisions.sql")),
    (14, "link undo", include_str!("../migrations/sqlite/0014_link_undo.sql")),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "foundation", include_str!("../migrations/postgres/0001_foundation.sql")),
    (2, "screenings", include_str!("../migrations/postgres/0002_screenings.sql")),
    (3, "cases", include_str!("../migrations/postgres/0003_cases.sql")),
    (4, "plans", include_str!("../migrations/postgres/0004_plans.sql")),
    (5, "case profile", include_str!("../migrations/postgres/0005_case_profile.sql")),
    (6, "training", include_str!("../migrations/postgres/0006_training.sql")),
    (7, "linkage and statistics", include_str!("../migrations/postgres/0007_linkage_statistics.sql")),
    (8, "partner directory", include_str!("../migrations/postgres/0008_partner_directory.sql")),
    (9, "access report", include_str!("../migrations/postgres/0009_access_report.sql")),
    (10, "information exchange", include_str!("../migrations/postgres/0010_information_exchange.sql")),
    (11, "break glass", include_str!("../migrations/postgres/0011_break_glass.sql")),
    (12, "retention and incidents", include_str!("../migrations/postgres/0012_retention_incidents.sql")),
    (13, "link decisions", include_str!("../migrations/postgres/0013_link_decisions.sql")),
    (14, "link undo", include_str!("../migrations/postgres/0014_link_undo.sql")),
];

/// The last migration this build knows (the same on both backends).
pub(crate) fn latest_migration() -> i64 {
    SQLITE_MIGRATIONS.last().map_or(0, |m| m.0).max(POSTGRES_MIGRATIONS.last().map_or(0, |m| m.0))
}

fn migrator(list: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        list.iter()
            .map(|(v, d, sql)| {
                Migration::new(*v, Cow::Borrowed(*d), MigrationType::Simple, SqlStr::from_static(sql), false)
            })
            .collect(),
    )
}

impl Db {
    /// Opens the installation's database (creating the SQLite file if missing).
    pub async fn connect(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::DataDir(dir) => {
                std::fs::create_dir_all(dir).map_err(StoreError::Io)?;
                Self::sqlite_file(&dir.join(SQLITE_FILE)).await
            }
            Location::Postgres { url, schema } => {
                let mut opts = PgConnectOptions::from_str(url).map_err(StoreError::Database)?;
                if let Some(schema) = schema {
                    opts = opts.options([("search_path", schema.as_str())]);
                }
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    // A bounded wait: while the database is away, a request fails after 10 s
                    // at most instead of hanging.
                    .acquire_timeout(Duration::from_secs(10))
                    // sqlx's default, stated because recovery depends on it: a connection
                    // killed by a database restart or failover is found dead and replaced
                    // before it is handed out, so servers recover without a restart when the
                    // database comes back (tests/faults.rs, database outage).
                    .test_before_acquire(true)
                    .connect_with(opts)
                    .await
                    .map_err(StoreError::Database)?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    async fn sqlite_file(path: &Path) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            // When a COMMIT fails (a full disk, an I/O error), SQLite has already rolled the
            // transaction back, so the driver's ROLLBACK on drop fails too and the connection
            // keeps believing it is inside a transaction: every later BEGIN on it fails
            // (`InvalidSavePointStatement`), long after the disk has room again. Such a
            // connection is closed instead of going back to the pool. The ping first lets the
            // worker run the rollback queued on drop, so a transaction merely abandoned by an
            // early return is not mistaken for a stuck one (tests/faults.rs, full disk).
            .after_release(|conn, _| {
                Box::pin(async move {
                    use sqlx::Connection;
                    conn.ping().await?;
                    Ok(!conn.is_in_transaction())
                })
            })
            .connect_with(opts)
            .await
            .map_err(StoreError::Database)?;
        Ok(Db::Sqlite(pool))
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(pool) => migrator(SQLITE_MIGRATIONS).run(pool).await?,
            Db::Postgres(pool) => migrator(POSTGRES_MIGRATIONS).run(pool).await?,
        }
        Ok(())
    }

    /// Whether the database answers and every migration of this build is applied.
    pub async fn ready(&self) -> bool {
        const SQL: &str = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE";
        let applied: Result<i64, sqlx::Error> = run!(self, |pool| sqlx::query_scalar(SQL).fetch_one(pool).await);
        let expected = match self {
            Db::Sqlite(_) => SQLITE_MIGRATIONS.len(),
            Db::Postgres(_) => POSTGRES_MIGRATIONS.len(),
        };
        matches!(applied, Ok(v) if usize::try_from(v).is_ok_and(|v| v >= expected))
    }

    /// Which backend this is, for logs and the health page.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection.
    pub async fn close(&self) {
        run!(self, |pool| pool.close().await);
    }
}

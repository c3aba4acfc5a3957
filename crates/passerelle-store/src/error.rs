//! Storage errors. A database failure is never turned into "not found": callers must be
//! able to tell "this does not exist" from "the database is down".

/// What can go wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or is not visible to the caller).
    #[error("not found")]
    NotFound,
    /// The row changed since the caller read it (stale version).
    #[error("the record was changed by someone else")]
    Conflict,
    /// A unique value is already taken; names the field.
    #[error("duplicate value for {0}")]
    Duplicate(&'static str),
    /// The database failed. The message names the kind of failure (a full or read-only disk,
    /// an unreachable server, a SQLSTATE) so that an operator can act on the log, but never the
    /// driver's own text, which may quote stored values.
    #[error("database error ({})", cause(.0))]
    Database(#[source] sqlx::Error),
    /// A migration failed.
    #[error("migration error")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A key or ciphertext problem.
    #[error("cryptographic error")]
    Crypto(#[from] passerelle_crypto::CryptoError),
    /// Stored data that cannot be read back (a bug or tampering).
    #[error("corrupt stored data: {0}")]
    Corrupt(&'static str),
    /// The file system failed (data directory, key file).
    #[error("file system error")]
    Io(#[source] std::io::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            other => StoreError::Database(other),
        }
    }
}

/// A value-free description of a database failure.
fn cause(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code().unwrap_or_default();
            if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLite's extended result code; the primary code is its low byte.
                let primary = code.parse::<i32>().map_or(-1, |c| c & 0xff);
                let what = match primary {
                    5 | 6 => "database locked",
                    8 => "read-only database",
                    10 => "disk I/O error",
                    11 | 26 => "database file damaged",
                    13 => "disk full",
                    14 => "cannot open the database file",
                    19 => "constraint violated",
                    _ => "sqlite",
                };
                format!("{what}, sqlite code {code}")
            } else {
                let what = match code.get(..2) {
                    Some("08") => "connection lost",
                    Some("53") => "server out of resources (disk, memory or connections)",
                    Some("57") => "server shutting down or refusing connections",
                    Some("55") => "not ready (for instance a database not accepting connections)",
                    Some("23") => "constraint violated",
                    Some("40") => "transaction rolled back",
                    _ => "postgres",
                };
                format!("{what}, SQLSTATE {code}")
            }
        }
        sqlx::Error::Io(io) => format!("cannot reach the database: {}", io.kind()),
        sqlx::Error::PoolTimedOut => "no database connection available in time".to_owned(),
        sqlx::Error::PoolClosed => "connection pool closed".to_owned(),
        sqlx::Error::Tls(_) => "TLS failure".to_owned(),
        sqlx::Error::Protocol(_) => "protocol error".to_owned(),
        sqlx::Error::Configuration(_) => "configuration error".to_owned(),
        sqlx::Error::WorkerCrashed => "database worker crashed".to_owned(),
        _ => "driver error".to_owned(),
    }
}

/// Turns a unique-constraint violation into [`StoreError::Duplicate`] for `field`.
pub(crate) fn unique(field: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(field),
        _ => StoreError::from(e),
    }
}

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
    /// The database failed.
    #[error("database error")]
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

/// Turns a unique-constraint violation into [`StoreError::Duplicate`] for `field`.
pub(crate) fn unique(field: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(field),
        _ => StoreError::from(e),
    }
}

//! One-time setup links for the first administrator of an installation.

use passerelle_crypto::random;
use time::Duration;

use crate::error::StoreError;
use crate::{Store, exec, run};

/// How long a setup link stays valid.
pub const SETUP_LINK_LIFETIME: Duration = Duration::hours(24);

impl Store {
    /// Creates a one-time setup token (the secret part of the link).
    pub async fn create_setup_link(&self) -> Result<String, StoreError> {
        const SQL: &str = "INSERT INTO setup_links (token_hash, created_at, expires_at) VALUES ($1, $2, $3)";
        let token = random::random_token()?;
        let now = passerelle_core::time::now();
        exec!(
            &self.db,
            sqlx::query(SQL).bind(random::token_digest(&token).to_vec()).bind(now).bind(now + SETUP_LINK_LIFETIME)
        )?;
        Ok(token)
    }

    /// Whether a setup token is valid (unused, not expired) without using it.
    pub async fn setup_link_valid(&self, token: &str) -> Result<bool, StoreError> {
        const SQL: &str =
            "SELECT COUNT(*) FROM setup_links WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2";
        let now = passerelle_core::time::now();
        let n: i64 = run!(&self.db, |pool| sqlx::query_scalar(SQL)
            .bind(random::token_digest(token).to_vec())
            .bind(now)
            .fetch_one(pool)
            .await)?;
        Ok(n > 0)
    }

    /// Uses a setup token: true exactly once, for the first caller, even with concurrent
    /// requests on several servers.
    pub async fn consume_setup_link(&self, token: &str) -> Result<bool, StoreError> {
        const SQL: &str =
            "UPDATE setup_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1";
        let now = passerelle_core::time::now();
        let done = exec!(&self.db, sqlx::query(SQL).bind(now).bind(random::token_digest(token).to_vec()))?;
        Ok(done == 1)
    }
}

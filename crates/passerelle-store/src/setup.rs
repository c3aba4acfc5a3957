//! One-time setup links for the first administrator of an installation.

use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_core::region;
use passerelle_core::role::format_roles;
use passerelle_core::user::NewUserInput;
use passerelle_crypto::random;
use time::Duration;

use crate::db::Db;
use crate::error::{StoreError, unique};
use crate::{Store, exec, run};

/// What a completed setup created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetupDone {
    /// The first organization.
    pub org: OrgId,
    /// Its administrator.
    pub admin: UserId,
}

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

    /// Uses a setup token and creates the first organization and its administrator, all in
    /// one transaction: either everything exists afterwards, or nothing changed and the link
    /// still works. `Ok(None)` when the link is unknown, used or expired.
    pub async fn complete_setup(
        &self,
        token: &str,
        org: &OrgInput,
        admin: &NewUserInput,
        password_hash: &str,
    ) -> Result<Option<SetupDone>, StoreError> {
        const USE: &str =
            "UPDATE setup_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1";
        const ORG: &str = "INSERT INTO organizations (id, name, org_type, regions, created_at, updated_at, version) \
                           VALUES ($1, $2, $3, $4, $5, $5, 1)";
        const USER: &str = "INSERT INTO users (id, org_id, username, display_name, password_hash, roles, locale, \
                            status, mfa_enabled, failed_logins, created_at, updated_at, version) \
                            VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', FALSE, 0, $8, $8, 1)";
        let now = passerelle_core::time::now();
        let hash = random::token_digest(token).to_vec();
        let done = SetupDone { org: OrgId::new(), admin: UserId::new() };
        macro_rules! body {
            ($tx:ident) => {{
                let used = sqlx::query(USE).bind(now).bind(&hash).execute(&mut *$tx).await?.rows_affected();
                if used != 1 {
                    return Ok(None);
                }
                sqlx::query(ORG)
                    .bind(done.org.0)
                    .bind(&org.name)
                    .bind(org.org_type.as_str())
                    .bind(region::format_list(&org.regions))
                    .bind(now)
                    .execute(&mut *$tx)
                    .await
                    .map_err(unique("org_name"))?;
                sqlx::query(USER)
                    .bind(done.admin.0)
                    .bind(done.org.0)
                    .bind(&admin.username)
                    .bind(&admin.display_name)
                    .bind(password_hash)
                    .bind(format_roles(&admin.roles))
                    .bind(&admin.locale)
                    .bind(now)
                    .execute(&mut *$tx)
                    .await
                    .map_err(unique("username"))?;
            }};
        }
        // Dropping a transaction without commit rolls it back, so every early return above
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
        Ok(Some(done))
    }
}

//! Accounts, their credentials and their second factor.

use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::role::{Role, format_roles, parse_roles};
use passerelle_core::user::{NewUserInput, User, UserStatus};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::{StoreError, unique};
use crate::{Store, exec, run};

/// After this many consecutive failures an account is locked for [`LOCKOUT`].
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lockout lasts.
pub const LOCKOUT: Duration = Duration::minutes(15);

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    org_id: Uuid,
    username: String,
    display_name: String,
    roles: String,
    locale: String,
    status: String,
    mfa_enabled: bool,
    created_at: OffsetDateTime,
    version: i64,
}

impl TryFrom<Row> for User {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(User {
            id: UserId(r.id),
            org_id: OrgId(r.org_id),
            username: r.username,
            display_name: r.display_name,
            roles: parse_roles(&r.roles).map_err(|_| StoreError::Corrupt("user roles"))?,
            locale: r.locale,
            status: UserStatus::from_db(&r.status),
            mfa_enabled: r.mfa_enabled,
            created_at: r.created_at,
            version: r.version,
        })
    }
}

/// What sign-in needs to know about an account, secrets included. Never rendered.
#[derive(Clone)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Sealed TOTP secret, when enrolled or being enrolled.
    pub mfa_secret: Option<Vec<u8>>,
    /// Last accepted TOTP time step (replay protection).
    pub mfa_last_step: Option<i64>,
    /// Locked until this time, if locked.
    pub locked_until: Option<OffsetDateTime>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user.id).finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct CredRow {
    #[sqlx(flatten)]
    user: Row,
    password_hash: String,
    mfa_secret: Option<Vec<u8>>,
    mfa_last_step: Option<i64>,
    locked_until: Option<OffsetDateTime>,
}

impl Store {
    /// Creates an account with an already hashed password.
    pub async fn create_user(&self, org: OrgId, input: &NewUserInput, password_hash: &str) -> Result<User, StoreError> {
        const SQL: &str = "INSERT INTO users (id, org_id, username, display_name, password_hash, roles, locale, \
                           status, mfa_enabled, failed_logins, created_at, updated_at, version) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', FALSE, 0, $8, $8, 1)";
        let id = UserId::new();
        let now = passerelle_core::time::now();
        exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(id.0)
                .bind(org.0)
                .bind(&input.username)
                .bind(&input.display_name)
                .bind(password_hash)
                .bind(format_roles(&input.roles))
                .bind(&input.locale)
                .bind(now)
        )
        .map_err(unique("username"))?;
        self.user(id).await
    }

    /// One account.
    pub async fn user(&self, id: UserId) -> Result<User, StoreError> {
        const SQL: &str = "SELECT id, org_id, username, display_name, roles, locale, status, mfa_enabled, \
                           created_at, version FROM users WHERE id = $1";
        let row: Row = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        row.try_into()
    }

    /// The accounts of one organization, by sign-in name.
    pub async fn users_of(&self, org: OrgId) -> Result<Vec<User>, StoreError> {
        const SQL: &str = "SELECT id, org_id, username, display_name, roles, locale, status, mfa_enabled, \
                           created_at, version FROM users WHERE org_id = $1 ORDER BY username";
        let rows: Vec<Row> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(org.0).fetch_all(pool).await)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Number of accounts in the installation.
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(run!(&self.db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)?)
    }

    /// Credentials by sign-in name (already normalized), for sign-in only.
    pub async fn credentials_by_username(&self, username: &str) -> Result<Option<Credentials>, StoreError> {
        const SQL: &str = "SELECT id, org_id, username, display_name, roles, locale, status, mfa_enabled, \
                           created_at, version, password_hash, mfa_secret, mfa_last_step, locked_until \
                           FROM users WHERE username = $1";
        let row: Option<CredRow> =
            run!(&self.db, |pool| sqlx::query_as(SQL).bind(username).fetch_optional(pool).await)?;
        row.map(cred).transpose()
    }

    /// Credentials by id (second-factor steps, password change).
    pub async fn credentials(&self, id: UserId) -> Result<Credentials, StoreError> {
        const SQL: &str = "SELECT id, org_id, username, display_name, roles, locale, status, mfa_enabled, \
                           created_at, version, password_hash, mfa_secret, mfa_last_step, locked_until \
                           FROM users WHERE id = $1";
        let row: CredRow = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        cred(row)
    }

    /// Counts a failed sign-in; locks the account at the threshold. Returns whether it is
    /// now locked. One statement, so concurrent failures on several servers all count.
    pub async fn record_login_failure(&self, id: UserId) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE users SET failed_logins = failed_logins + 1, \
                           locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END \
                           WHERE id = $1";
        let until = passerelle_core::time::now() + LOCKOUT;
        exec!(&self.db, sqlx::query(SQL).bind(id.0).bind(MAX_FAILED_LOGINS).bind(until))?;
        let c = self.credentials(id).await?;
        Ok(c.locked_until.is_some_and(|t| t > passerelle_core::time::now()))
    }

    /// Clears the failure count after a successful sign-in.
    pub async fn clear_login_failures(&self, id: UserId) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1";
        exec!(&self.db, sqlx::query(SQL).bind(id.0))?;
        Ok(())
    }

    /// Stores a (sealed) TOTP secret being enrolled; the factor is not active until confirmed.
    pub async fn set_mfa_secret(&self, id: UserId, sealed: &[u8]) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE users SET mfa_secret = $1, mfa_enabled = FALSE, mfa_last_step = NULL, \
                           updated_at = $2, version = version + 1 WHERE id = $3";
        let now = passerelle_core::time::now();
        exec!(&self.db, sqlx::query(SQL).bind(sealed).bind(now).bind(id.0))?;
        Ok(())
    }

    /// Records an accepted TOTP step if it is newer than the last one; `false` means the code
    /// was already used (a replay), possibly on another server at the same moment.
    pub async fn accept_mfa_step(&self, id: UserId, step: i64, enable: bool) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE users SET mfa_last_step = $1, mfa_enabled = (mfa_enabled OR $2) \
                           WHERE id = $3 AND (mfa_last_step IS NULL OR mfa_last_step < $1)";
        let done = exec!(&self.db, sqlx::query(SQL).bind(step).bind(enable).bind(id.0))?;
        Ok(done == 1)
    }

    /// Removes the second factor (administrator reset); the user enrolls again at next sign-in.
    pub async fn reset_mfa(&self, id: UserId, version: i64) -> Result<User, StoreError> {
        const SQL: &str = "UPDATE users SET mfa_secret = NULL, mfa_enabled = FALSE, mfa_last_step = NULL, \
                           updated_at = $1, version = version + 1 WHERE id = $2 AND version = $3";
        self.versioned(SQL, id, version).await
    }

    /// Replaces the password hash (administrator reset); clears any lockout.
    pub async fn set_password(&self, id: UserId, version: i64, password_hash: &str) -> Result<User, StoreError> {
        const SQL: &str = "UPDATE users SET password_hash = $4, failed_logins = 0, locked_until = NULL, \
                           updated_at = $1, version = version + 1 WHERE id = $2 AND version = $3";
        let now = passerelle_core::time::now();
        let done = exec!(&self.db, sqlx::query(SQL).bind(now).bind(id.0).bind(version).bind(password_hash))?;
        self.after_versioned(done, id).await
    }

    /// Enables or disables an account.
    pub async fn set_user_status(&self, id: UserId, version: i64, status: UserStatus) -> Result<User, StoreError> {
        const SQL: &str =
            "UPDATE users SET status = $4, updated_at = $1, version = version + 1 WHERE id = $2 AND version = $3";
        let now = passerelle_core::time::now();
        let done = exec!(&self.db, sqlx::query(SQL).bind(now).bind(id.0).bind(version).bind(status.as_str()))?;
        self.after_versioned(done, id).await
    }

    /// Changes an account's name, roles and language.
    pub async fn update_user(
        &self,
        id: UserId,
        version: i64,
        display_name: &str,
        roles: &[Role],
        locale: &str,
    ) -> Result<User, StoreError> {
        const SQL: &str = "UPDATE users SET display_name = $4, roles = $5, locale = $6, updated_at = $1, \
                           version = version + 1 WHERE id = $2 AND version = $3";
        let now = passerelle_core::time::now();
        let done = exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(now)
                .bind(id.0)
                .bind(version)
                .bind(display_name)
                .bind(format_roles(roles))
                .bind(locale)
        )?;
        self.after_versioned(done, id).await
    }

    async fn versioned(&self, sql: &'static str, id: UserId, version: i64) -> Result<User, StoreError> {
        let now = passerelle_core::time::now();
        let done = exec!(&self.db, sqlx::query(sql).bind(now).bind(id.0).bind(version))?;
        self.after_versioned(done, id).await
    }

    async fn after_versioned(&self, rows: u64, id: UserId) -> Result<User, StoreError> {
        let user = self.user(id).await?;
        if rows == 0 { Err(StoreError::Conflict) } else { Ok(user) }
    }
}

fn cred(r: CredRow) -> Result<Credentials, StoreError> {
    Ok(Credentials {
        user: r.user.try_into()?,
        password_hash: r.password_hash,
        mfa_secret: r.mfa_secret,
        mfa_last_step: r.mfa_last_step,
        locked_until: r.locked_until,
    })
}

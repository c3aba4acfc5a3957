//! Server-side sessions.
//!
//! The browser holds only a random 256-bit id; the database holds its SHA-256, so a copy of
//! the database does not let anyone take over a session. A session moves through stages:
//! password accepted → second factor (or its enrolment) → active. Its id is replaced at each
//! change of stage so an id seen before sign-in is useless after.

use passerelle_core::ids::UserId;
use passerelle_crypto::random;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::StoreError;
use crate::{Store, exec, run};

/// How far along sign-in a session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; the second factor must be given.
    MfaPending,
    /// Password accepted; the role requires a second factor that is not enrolled yet.
    MfaSetup,
    /// Fully signed in.
    Active,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::MfaPending => "mfa_pending",
            Stage::MfaSetup => "mfa_setup",
            Stage::Active => "active",
        }
    }

    fn from_db(s: &str) -> Option<Self> {
        match s {
            "mfa_pending" => Some(Stage::MfaPending),
            "mfa_setup" => Some(Stage::MfaSetup),
            "active" => Some(Stage::Active),
            _ => None,
        }
    }
}

/// Timeouts of sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends a session unused for this long.
    pub idle: Duration,
    /// Ends any session this long after sign-in.
    pub absolute: Duration,
    /// Ends a half-finished sign-in (second factor not given) after this long.
    pub pending: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle: Duration::minutes(30), absolute: Duration::hours(12), pending: Duration::minutes(10) }
    }
}

/// A live session.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    id_hash: Vec<u8>,
    /// The account.
    pub user_id: UserId,
    /// Sign-in stage.
    pub stage: Stage,
    /// Token every form of this session must carry.
    pub csrf_token: String,
    /// Sign-in time.
    pub created_at: OffsetDateTime,
    /// Last request.
    pub last_seen_at: OffsetDateTime,
    /// Absolute end.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("user_id", &self.user_id).field("stage", &self.stage).finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id_hash: Vec<u8>,
    user_id: Uuid,
    stage: String,
    csrf_token: String,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    expires_at: OffsetDateTime,
}

/// Last-seen times are written at most this often, to spare a write per request.
const TOUCH_EVERY: Duration = Duration::seconds(60);

impl Store {
    /// Opens a session for `user` at `stage` and returns the id to give the browser.
    pub async fn create_session(
        &self,
        user: UserId,
        stage: Stage,
        policy: &SessionPolicy,
    ) -> Result<(String, Session), StoreError> {
        const SQL: &str = "INSERT INTO sessions (id_hash, user_id, stage, csrf_token, created_at, last_seen_at, expires_at) \
                           VALUES ($1, $2, $3, $4, $5, $5, $6)";
        let token = random::random_token()?;
        let csrf = random::random_token()?;
        let now = passerelle_core::time::now();
        let life = if stage == Stage::Active { policy.absolute } else { policy.pending };
        let id_hash = random::token_digest(&token).to_vec();
        exec!(
            &self.db,
            sqlx::query(SQL).bind(&id_hash).bind(user.0).bind(stage.as_str()).bind(&csrf).bind(now).bind(now + life)
        )?;
        let session = Session {
            id_hash,
            user_id: user,
            stage,
            csrf_token: csrf,
            created_at: now,
            last_seen_at: now,
            expires_at: now + life,
        };
        Ok((token, session))
    }

    /// The live session for a browser's id, or `None` when unknown, expired or idle too long
    /// (an expired session is deleted on sight).
    pub async fn session(&self, token: &str, policy: &SessionPolicy) -> Result<Option<Session>, StoreError> {
        const SQL: &str = "SELECT id_hash, user_id, stage, csrf_token, created_at, last_seen_at, expires_at \
                           FROM sessions WHERE id_hash = $1";
        const TOUCH: &str = "UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2";
        let id_hash = random::token_digest(token).to_vec();
        let row: Option<Row> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(&id_hash).fetch_optional(pool).await)?;
        let Some(row) = row else { return Ok(None) };
        let now = passerelle_core::time::now();
        let Some(stage) = Stage::from_db(&row.stage) else { return Err(StoreError::Corrupt("session stage")) };
        if now >= row.expires_at || now - row.last_seen_at > policy.idle {
            self.delete_session_hash(&id_hash).await?;
            return Ok(None);
        }
        let mut last_seen_at = row.last_seen_at;
        if now - row.last_seen_at > TOUCH_EVERY {
            exec!(&self.db, sqlx::query(TOUCH).bind(now).bind(&id_hash))?;
            last_seen_at = now;
        }
        Ok(Some(Session {
            id_hash: row.id_hash,
            user_id: UserId(row.user_id),
            stage,
            csrf_token: row.csrf_token,
            created_at: row.created_at,
            last_seen_at,
            expires_at: row.expires_at,
        }))
    }

    /// Replaces a session by a new one at `stage` (new id, new CSRF token).
    pub async fn advance_session(
        &self,
        old: &Session,
        stage: Stage,
        policy: &SessionPolicy,
    ) -> Result<(String, Session), StoreError> {
        self.delete_session_hash(&old.id_hash).await?;
        self.create_session(old.user_id, stage, policy).await
    }

    /// Ends one session (sign-out).
    pub async fn end_session(&self, session: &Session) -> Result<(), StoreError> {
        self.delete_session_hash(&session.id_hash).await
    }

    /// Ends every session of a user (sign-out everywhere, password reset, account disabled).
    pub async fn end_user_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        const SQL: &str = "DELETE FROM sessions WHERE user_id = $1";
        let done = exec!(&self.db, sqlx::query(SQL).bind(user.0))?;
        Ok(done)
    }

    /// Deletes sessions past their absolute end.
    pub async fn purge_sessions(&self) -> Result<u64, StoreError> {
        const SQL: &str = "DELETE FROM sessions WHERE expires_at <= $1";
        let now = passerelle_core::time::now();
        let done = exec!(&self.db, sqlx::query(SQL).bind(now))?;
        Ok(done)
    }

    async fn delete_session_hash(&self, id_hash: &[u8]) -> Result<(), StoreError> {
        const SQL: &str = "DELETE FROM sessions WHERE id_hash = $1";
        exec!(&self.db, sqlx::query(SQL).bind(id_hash))?;
        Ok(())
    }

    /// Moves a session's clock back, for tests of idle and absolute timeouts.
    #[doc(hidden)]
    pub async fn age_session_for_tests(&self, s: &Session, by: Duration) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE sessions SET created_at = $1, last_seen_at = $2, expires_at = $3 WHERE id_hash = $4";
        exec!(
            &self.db,
            sqlx::query(SQL).bind(s.created_at - by).bind(s.last_seen_at - by).bind(s.expires_at - by).bind(&s.id_hash)
        )?;
        Ok(())
    }
}

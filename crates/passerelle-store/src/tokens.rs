//! Personal API tokens: stored as a hash, shown once, scoped and expiring.

use passerelle_core::ids::{TokenId, UserId};
use passerelle_core::token::{ApiScope, format_scopes, parse_scopes};
use passerelle_core::user::User;
use passerelle_crypto::random;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::StoreError;
use crate::{Store, exec, run};

/// Prefix of every token, so a leaked token is easy to recognise in a scanner.
pub const TOKEN_PREFIX: &str = "pst_";

/// A token as listed to its owner (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ApiToken {
    /// Identifier.
    pub id: TokenId,
    /// Owner.
    pub user_id: UserId,
    /// Owner's label.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<ApiScope>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Last use.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// Revocation time, if revoked.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    user_id: Uuid,
    name: String,
    scopes: String,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
}

impl TryFrom<Row> for ApiToken {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(ApiToken {
            id: TokenId(r.id),
            user_id: UserId(r.user_id),
            name: r.name,
            scopes: parse_scopes(&r.scopes).map_err(|_| StoreError::Corrupt("token scopes"))?,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

impl Store {
    /// Creates a token; returns the secret (shown once) and the token.
    pub async fn create_token(
        &self,
        user: UserId,
        name: &str,
        scopes: &[ApiScope],
        expires_at: OffsetDateTime,
    ) -> Result<(String, ApiToken), StoreError> {
        const SQL: &str = "INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let secret = format!("{TOKEN_PREFIX}{}", random::random_token()?);
        let id = TokenId::new();
        let now = passerelle_core::time::now();
        let expires_at = passerelle_core::time::truncate(expires_at);
        exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(id.0)
                .bind(user.0)
                .bind(name)
                .bind(random::token_digest(&secret).to_vec())
                .bind(format_scopes(scopes))
                .bind(now)
                .bind(expires_at)
        )?;
        let token = ApiToken {
            id,
            user_id: user,
            name: name.to_owned(),
            scopes: scopes.to_vec(),
            created_at: now,
            expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        Ok((secret, token))
    }

    /// The valid (not expired, not revoked) token for a secret, with its active owner.
    pub async fn authenticate_token(&self, secret: &str) -> Result<Option<(ApiToken, User)>, StoreError> {
        const SQL: &str = "SELECT id, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at \
                           FROM api_tokens WHERE token_hash = $1";
        const TOUCH: &str = "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2";
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let hash = random::token_digest(secret).to_vec();
        let row: Option<Row> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(&hash).fetch_optional(pool).await)?;
        let Some(row) = row else { return Ok(None) };
        let token = ApiToken::try_from(row)?;
        let now = passerelle_core::time::now();
        if token.revoked_at.is_some() || token.expires_at <= now {
            return Ok(None);
        }
        let user = self.user(token.user_id).await?;
        if user.status != passerelle_core::user::UserStatus::Active {
            return Ok(None);
        }
        exec!(&self.db, sqlx::query(TOUCH).bind(now).bind(token.id.0))?;
        Ok(Some((token, user)))
    }

    /// A user's tokens, newest first.
    pub async fn tokens_of(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError> {
        const SQL: &str = "SELECT id, user_id, name, scopes, created_at, expires_at, last_used_at, revoked_at \
                           FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC";
        let rows: Vec<Row> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(user.0).fetch_all(pool).await)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Revokes one of `user`'s tokens.
    pub async fn revoke_token(&self, user: UserId, id: TokenId) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL";
        let now = passerelle_core::time::now();
        let done = exec!(&self.db, sqlx::query(SQL).bind(now).bind(id.0).bind(user.0))?;
        if done == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }
}

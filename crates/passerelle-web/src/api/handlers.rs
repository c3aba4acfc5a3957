//! API handlers.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use passerelle_core::audit::{AuditEntry, Outcome};
use passerelle_core::authz::Scope;
use passerelle_core::ids::OrgId;
use passerelle_core::org::Organization;
use passerelle_core::role::Role;
use passerelle_core::token::ApiScope;
use passerelle_core::user::User;
use passerelle_store::audit::AuditFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiCaller, ApiError, ErrorBody};
use crate::AppState;
use crate::pages::entry;

/// The caller's own profile.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// The account.
    #[schema(value_type = Object)]
    pub user: User,
    /// The token's scopes.
    pub scopes: Vec<String>,
}

/// `GET /api/v1/me`.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = ["profile:read"])))]
pub async fn me(caller: ApiCaller) -> Result<Json<Me>, ApiError> {
    caller.require(ApiScope::ProfileRead, Scope::Org(caller.user.org_id)).await?;
    let scopes = caller.token.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    Ok(Json(Me { user: caller.user.clone(), scopes }))
}

/// `GET /api/v1/organizations`: the caller's organization (every organization for a system
/// administrator).
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations",
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = ["organizations:read"])))]
pub async fn organizations(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Organization>>, ApiError> {
    caller.require(ApiScope::OrganizationsRead, Scope::Org(caller.user.org_id)).await?;
    let orgs = if caller.user.roles.contains(&Role::SystemAdmin) {
        state.store.orgs().await.map_err(|e| caller.store_error(e))?
    } else {
        vec![state.store.org(caller.user.org_id).await.map_err(|e| caller.store_error(e))?]
    };
    Ok(Json(orgs))
}

/// `?org=` parameter.
#[derive(Deserialize, IntoParams)]
pub struct OrgParam {
    /// Organization id (default: the caller's).
    org: Option<String>,
}

/// `GET /api/v1/users`: the accounts of the caller's organization.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(OrgParam),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["users:read"])))]
pub async fn users(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<OrgParam>,
) -> Result<Json<Vec<User>>, ApiError> {
    let org: OrgId = match q.org.as_deref() {
        Some(s) => s.parse().map_err(|_| caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_parameter", "org"))?,
        None => caller.user.org_id,
    };
    caller.require(ApiScope::UsersRead, Scope::Org(org)).await?;
    let users = state.store.users_of(org).await.map_err(|e| caller.store_error(e))?;
    caller
        .audit(entry(
            Some(&caller.user),
            "user.list",
            "organization",
            Some(org.to_string()),
            Some(org),
            Outcome::Success,
        ))
        .await?;
    Ok(Json(users))
}

/// Audit filters.
#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    /// Only this action.
    action: Option<String>,
    /// Only this outcome (`success`, `denied`, `failure`).
    outcome: Option<String>,
    /// Only entries before this sequence number (paging).
    before: Option<i64>,
    /// At most this many (1–500, default 100).
    limit: Option<i64>,
}

/// `GET /api/v1/audit`: audit entries about the caller's organization (the whole installation
/// for a system administrator), newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)),
    security(("bearer" = ["audit:read"])))]
pub async fn audit_entries(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<AuditParams>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let all = caller.user.roles.contains(&Role::SystemAdmin);
    let scope = if all { Scope::Installation } else { Scope::Org(caller.user.org_id) };
    caller.require(ApiScope::AuditRead, scope).await?;
    let outcome = match q.outcome.as_deref() {
        None | Some("") => None,
        Some(o) => Some(
            Outcome::from_db(o)
                .ok_or_else(|| caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_parameter", "outcome"))?,
        ),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_parameter", "limit"));
    }
    let filter = AuditFilter {
        org: if all { None } else { Some(caller.user.org_id) },
        action: q.action.filter(|a| !a.is_empty()),
        outcome,
        before_seq: q.before,
        limit,
        ..AuditFilter::default()
    };
    let entries = state.store.audit_entries(&filter).await.map_err(|e| caller.store_error(e))?;
    caller
        .audit(entry(Some(&caller.user), "audit.read", "audit_log", None, Some(caller.user.org_id), Outcome::Success))
        .await?;
    Ok(Json(entries))
}

/// `POST /api/v1/screenings/evaluate`: the common definition applied to a facts document
/// (the same function as `passerelle screening evaluate`). Nothing is stored.
#[utoipa::path(post, path = "/api/v1/screenings/evaluate", tag = "screening",
    request_body(content = Object, description = "A facts document (contracts/screening.md)"),
    responses((status = 200, body = Object, description = "The result document"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["screenings:evaluate"])))]
pub async fn evaluate_screening(caller: ApiCaller, body: axum::body::Bytes) -> Result<Response, ApiError> {
    caller.require(ApiScope::ScreeningsEvaluate, Scope::Org(caller.user.org_id)).await?;
    caller.require_training().await?;
    let result = passerelle_screening::evaluate_json_bytes(&body);
    let outcome = if result.is_ok() { Outcome::Success } else { Outcome::Failure };
    caller
        .audit(entry(Some(&caller.user), "screening.evaluate", "screening", None, Some(caller.user.org_id), outcome))
        .await?;
    match result {
        Ok(value) => Ok(Json(value).into_response()),
        Err(e) => {
            let message = e
                .message(match caller.lang {
                    crate::Lang::Fr => passerelle_screening::Lang::Fr,
                    crate::Lang::En => passerelle_screening::Lang::En,
                })
                .to_owned();
            Err(ApiError::with_message(StatusCode::UNPROCESSABLE_ENTITY, code_of(e.code), message, e.field.clone()))
        }
    }
}

fn code_of(c: passerelle_screening::ErrorCode) -> &'static str {
    c.as_str()
}

//! Cases through the API: the same rules as the pages (organization, assignment or
//! supervision, audit of every read), with the `cases:read` and `cases:write` scopes.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::case::{CaseForm, CaseInput, CaseStats, Identity, can_edit_case, can_view_case};
use passerelle_core::ids::{CaseId, ScreeningId, UserId};
use passerelle_core::role::Role;
use passerelle_core::token::ApiScope;
use passerelle_store::StoreError;
use passerelle_store::cases::CaseRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiCaller, ApiError, ErrorBody};
use crate::AppState;
use crate::pages::entry;

/// A case as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct CaseView {
    /// Identifier.
    #[schema(value_type = String)]
    pub id: CaseId,
    /// Non-identifying code.
    pub code: String,
    /// Status.
    pub status: String,
    /// The child's identity (absent once the case key is destroyed).
    #[schema(value_type = Object)]
    pub identity: Option<Identity>,
    /// Statistical attributes.
    #[schema(value_type = Object)]
    pub stats: CaseStats,
    /// Assigned people.
    #[schema(value_type = Vec<String>)]
    pub assigned: Vec<UserId>,
    /// Version for changes.
    pub version: i64,
}

impl From<CaseRecord> for CaseView {
    fn from(c: CaseRecord) -> Self {
        Self {
            id: c.id,
            code: c.code,
            status: c.status.as_str().to_owned(),
            identity: c.identity,
            stats: c.stats,
            assigned: c.assigned,
            version: c.version,
        }
    }
}

/// A line of the list.
#[derive(Serialize, ToSchema)]
pub struct CaseLine {
    /// Identifier.
    #[schema(value_type = String)]
    pub id: CaseId,
    /// Code.
    pub code: String,
    /// Status.
    pub status: String,
    /// Region code.
    pub region: Option<String>,
}

/// `?q=` exact name search.
#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Name words (exact, accent- and case-insensitive).
    q: Option<String>,
}

fn assigned_filter(caller: &ApiCaller) -> Option<UserId> {
    if caller.user.roles.contains(&Role::Supervisor) { None } else { Some(caller.user.id) }
}

/// `GET /api/v1/cases`.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListParams),
    responses((status = 200, body = Vec<CaseLine>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = ["cases:read"])))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(p): Query<ListParams>,
) -> Result<Json<Vec<CaseLine>>, ApiError> {
    let org = caller.user.org_id;
    caller.require(ApiScope::CasesRead, Scope::Org(org)).await?;
    let q = p.q.unwrap_or_default();
    let rows = if q.trim().is_empty() {
        state.store.cases_of(org, assigned_filter(&caller), 200).await
    } else {
        state.store.search_cases(org, assigned_filter(&caller), &q.chars().take(200).collect::<String>(), 200).await
    }
    .map_err(|e| caller.store_error(e))?;
    let action = if q.trim().is_empty() { "case.list" } else { "case.search" };
    caller
        .audit(entry(Some(&caller.user), action, "organization", Some(org.to_string()), Some(org), Outcome::Success))
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| CaseLine {
                id: r.id,
                code: r.code,
                status: r.status.as_str().to_owned(),
                region: r.region.map(passerelle_core::region::Region::code),
            })
            .collect(),
    ))
}

/// Loads a case for the caller, checking the access rule; refusals are audited.
pub(super) async fn load(state: &AppState, caller: &ApiCaller, id: &str, edit: bool) -> Result<CaseRecord, ApiError> {
    let not_found = || caller.error(StatusCode::NOT_FOUND, "not_found", "");
    let id: CaseId = id.parse().map_err(|_| not_found())?;
    let case = state.store.case(id).await.map_err(|e| caller.store_error(e))?;
    let assigned = case.assigned.contains(&caller.user.id);
    let ok = if edit {
        can_edit_case(&caller.actor(), case.org_id, assigned)
    } else {
        can_view_case(&caller.actor(), case.org_id, assigned)
    };
    if !ok {
        caller
            .audit(entry(Some(&caller.user), "case.denied", "case", Some(case.id.to_string()), None, Outcome::Denied))
            .await?;
        return Err(if case.org_id == caller.user.org_id {
            caller.error(StatusCode::FORBIDDEN, "forbidden", "")
        } else {
            not_found()
        });
    }
    Ok(case)
}

/// `GET /api/v1/cases/{id}`.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["cases:read"])))]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CaseView>, ApiError> {
    caller.require(ApiScope::CasesRead, Scope::Org(caller.user.org_id)).await?;
    let case = load(&state, &caller, &id, false).await?;
    caller
        .audit(entry(
            Some(&caller.user),
            "case.read",
            "case",
            Some(case.id.to_string()),
            Some(case.org_id),
            Outcome::Success,
        ))
        .await?;
    Ok(Json(case.into()))
}

/// A new case: the case fields, and the screening it comes from.
#[derive(Deserialize, ToSchema)]
pub struct NewCase {
    /// Case fields (as in the page's form).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub case: CaseForm,
    /// Screening to attach.
    pub screening: Option<String>,
}

/// `POST /api/v1/cases`.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:write"])))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<CaseView>), ApiError> {
    let org = caller.user.org_id;
    caller.require(ApiScope::CasesWrite, Scope::Org(org)).await?;
    let new: NewCase = serde_json::from_slice(&body)
        .map_err(|_| caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", ""))?;
    let input = CaseInput::parse(&new.case).map_err(|e| {
        let field = e.first().map_or("", |f| f.field);
        caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", field)
    })?;
    let screening = match new.screening.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            s.parse::<ScreeningId>()
                .map_err(|_| caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "screening"))?,
        ),
        None => None,
    };
    let case = match state.store.create_case(org, caller.user.id, &input.identity, &input.stats, screening).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => {
            return Err(caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "screening"));
        }
        Err(e) => return Err(caller.store_error(e)),
    };
    crate::linkage::encode_case(&state, case.id, &input.identity, &input.stats).await;
    caller
        .audit(entry(Some(&caller.user), "case.create", "case", Some(case.id.to_string()), Some(org), Outcome::Success))
        .await?;
    Ok((StatusCode::CREATED, Json(case.into())))
}

/// A note.
#[derive(Deserialize, ToSchema)]
pub struct NewNote {
    /// The note's text.
    pub body: String,
}

/// `POST /api/v1/cases/{id}/notes`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "cases", request_body = NewNote, params(("id" = String, Path, description = "case id")),
    responses((status = 201), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:write"])))]
pub async fn add_note(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    caller.require(ApiScope::CasesWrite, Scope::Org(caller.user.org_id)).await?;
    let case = load(&state, &caller, &id, true).await?;
    let note: NewNote = serde_json::from_slice(&body)
        .map_err(|_| caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", ""))?;
    let text = note.body.trim();
    if text.is_empty() || text.chars().count() > 10_000 {
        return Err(caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "body"));
    }
    state.store.add_case_note(case.id, caller.user.id, text).await.map_err(|e| caller.store_error(e))?;
    caller
        .audit(entry(
            Some(&caller.user),
            "case.note",
            "case",
            Some(case.id.to_string()),
            Some(case.org_id),
            Outcome::Success,
        ))
        .await?;
    Ok(StatusCode::CREATED)
}

/// A status change.
#[derive(Deserialize, ToSchema)]
pub struct StatusBody {
    /// `open`, `active`, `monitoring`, `closed` or `reopened`.
    pub status: String,
    /// Required to close.
    #[serde(default)]
    pub reason: String,
    /// The version the change applies to.
    pub version: i64,
}

/// `POST /api/v1/cases/{id}/status`: closing needs a reason and a supervisor.
#[utoipa::path(post, path = "/api/v1/cases/{id}/status", tag = "cases", request_body = StatusBody, params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:write"])))]
pub async fn set_status(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<CaseView>, ApiError> {
    caller.require(ApiScope::CasesWrite, Scope::Org(caller.user.org_id)).await?;
    let case = load(&state, &caller, &id, true).await?;
    let b: StatusBody = serde_json::from_slice(&body)
        .map_err(|_| caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", ""))?;
    let status: passerelle_core::case::CaseStatus =
        b.status.parse().map_err(|_| caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "status"))?;
    let reason = b.reason.trim();
    if status == passerelle_core::case::CaseStatus::Closed {
        if reason.is_empty() || reason.chars().count() > 2000 {
            return Err(caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "reason"));
        }
        if !caller.user.roles.contains(&Role::Supervisor) {
            return Err(caller.error(StatusCode::FORBIDDEN, "forbidden", ""));
        }
    }
    let updated = state
        .store
        .set_case_status(case.id, b.version, caller.user.id, status, Some(reason).filter(|r| !r.is_empty()))
        .await
        .map_err(|e| caller.store_error(e))?;
    caller
        .audit(entry(
            Some(&caller.user),
            "case.status",
            "case",
            Some(case.id.to_string()),
            Some(case.org_id),
            Outcome::Success,
        ))
        .await?;
    Ok(Json(updated.into()))
}

/// An assignment.
#[derive(Deserialize, ToSchema)]
pub struct AssignBody {
    /// The person (same organization).
    #[schema(value_type = String)]
    pub user: UserId,
    /// Remove instead of add.
    #[serde(default)]
    pub remove: bool,
}

/// `POST /api/v1/cases/{id}/assign`: supervisors only.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assign", tag = "cases", request_body = AssignBody, params(("id" = String, Path, description = "case id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:write"])))]
pub async fn assign(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    caller.require(ApiScope::CasesWrite, Scope::Org(caller.user.org_id)).await?;
    let case = load(&state, &caller, &id, true).await?;
    if !caller.user.roles.contains(&Role::Supervisor) {
        return Err(caller.error(StatusCode::FORBIDDEN, "forbidden", ""));
    }
    let b: AssignBody = serde_json::from_slice(&body)
        .map_err(|_| caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", ""))?;
    let r = if b.remove {
        state.store.unassign_case(case.id, caller.user.id, b.user).await
    } else {
        state.store.assign_case(case.id, caller.user.id, b.user).await
    };
    r.map_err(|e| caller.store_error(e))?;
    caller
        .audit(entry(
            Some(&caller.user),
            "case.assign",
            "case",
            Some(case.id.to_string()),
            Some(case.org_id),
            Outcome::Success,
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

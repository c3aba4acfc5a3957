//! Needs, the service plan, services and follow-ups of a case through the API: the same
//! validation, access rule, four-eyes approval and audit as the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::ids::UserId;
use passerelle_core::plan::{NeedsAssessment, PlanForm, SERVICE_KINDS, ServicePlan, is_date};
use passerelle_core::role::Role;
use passerelle_core::token::ApiScope;
use passerelle_store::cases::CaseRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ApiCaller, ApiError, ErrorBody};
use crate::AppState;
use crate::pages::entry;

async fn case_for(state: &AppState, caller: &ApiCaller, id: &str, edit: bool) -> Result<CaseRecord, ApiError> {
    let scope = if edit { ApiScope::CasesWrite } else { ApiScope::CasesRead };
    caller.require(scope, Scope::Org(caller.user.org_id)).await?;
    super::cases::load(state, caller, id, edit).await
}

async fn audit(caller: &ApiCaller, action: &str, case: &CaseRecord) -> Result<(), ApiError> {
    caller
        .audit(entry(
            Some(&caller.user),
            action,
            "case",
            Some(case.id.to_string()),
            Some(case.org_id),
            Outcome::Success,
        ))
        .await
}

fn invalid(caller: &ApiCaller, e: &passerelle_core::ValidationError) -> ApiError {
    caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", e.first().map_or("", |f| f.field))
}

fn body<T: for<'de> Deserialize<'de>>(caller: &ApiCaller, bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|_| caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", ""))
}

/// `GET /api/v1/cases/{id}/assessments`: newest first.
#[utoipa::path(get, path = "/api/v1/cases/{id}/assessments", tag = "cases", params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = Object, description = "assessments, newest first"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:read"])))]
pub async fn assessments(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let case = case_for(&state, &caller, &id, false).await?;
    let list = state.store.assessments(case.id).await.map_err(|e| caller.store_error(e))?;
    audit(&caller, "case.assessment.read", &case).await?;
    Ok(Json(Value::Array(
        list.into_iter()
            .map(|a| json!({"id": a.id, "author": a.author, "at": a.at.to_string(), "needs": a.needs}))
            .collect(),
    )))
}

/// `POST /api/v1/cases/{id}/assessments`: `{"entries": [{"domain", "level", "child_view", "notes"}], "trp_issued", "trp_expires"}`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assessments", tag = "cases", request_body = Object, params(("id" = String, Path, description = "case id")),
    responses((status = 201), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:write"])))]
pub async fn add_assessment(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let case = case_for(&state, &caller, &id, true).await?;
    let raw: NeedsAssessment = body(&caller, &bytes)?;
    // The same checks as the page: rebuild the form fields and parse them.
    let mut pairs =
        vec![("trp_issued".to_owned(), raw.trp_issued.clone()), ("trp_expires".to_owned(), raw.trp_expires.clone())];
    for e in &raw.entries {
        if !passerelle_core::plan::NEED_DOMAINS.contains(&e.domain.as_str()) {
            return Err(caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "domain"));
        }
        pairs.push((format!("level.{}", e.domain), e.level.clone()));
        pairs.push((format!("view.{}", e.domain), e.child_view.clone()));
        pairs.push((format!("notes.{}", e.domain), e.notes.clone()));
    }
    let needs = NeedsAssessment::parse(&pairs).map_err(|e| invalid(&caller, &e))?;
    state.store.add_assessment(case.id, caller.user.id, &needs).await.map_err(|e| caller.store_error(e))?;
    audit(&caller, "case.assessment", &case).await?;
    Ok(StatusCode::CREATED)
}

/// `GET /api/v1/cases/{id}/plan`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/plan", tag = "cases", params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = Object, description = "the plan, or null"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:read"])))]
pub async fn plan(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let case = case_for(&state, &caller, &id, false).await?;
    let p = state.store.plan(case.id).await.map_err(|e| caller.store_error(e))?;
    audit(&caller, "case.plan.read", &case).await?;
    Ok(Json(match p {
        Some(r) => json!({"plan": r.plan, "status": r.status.as_str(), "version": r.version,
                          "submitted_by": r.submitted_by, "approved_by": r.approved_by}),
        None => Value::Null,
    }))
}

/// A plan to save, with the version it replaces (0 for a first plan).
#[derive(Deserialize)]
pub struct PlanBody {
    version: i64,
    plan: ServicePlan,
}

/// `PUT /api/v1/cases/{id}/plan`: a stale version is refused (409), nothing lost.
#[utoipa::path(put, path = "/api/v1/cases/{id}/plan", tag = "cases", request_body = Object, params(("id" = String, Path, description = "case id")),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:write"])))]
pub async fn save_plan(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let case = case_for(&state, &caller, &id, true).await?;
    let b: PlanBody = body(&caller, &bytes)?;
    let form = PlanForm {
        goals: b.plan.goals.join("\n"),
        child_participated: b.plan.child_participated,
        child_agreed: b.plan.child_agreed,
        preferred_language: b.plan.preferred_language,
        worker_gender: b.plan.worker_gender,
        not_shared: b.plan.not_shared,
        pace: b.plan.pace,
        actions: b.plan.actions.into_iter().map(|a| (a.what, a.who, a.due)).collect(),
        review_date: b.plan.review_date,
    };
    let plan = ServicePlan::parse(&form).map_err(|e| invalid(&caller, &e))?;
    state.store.save_plan(case.id, b.version, caller.user.id, &plan).await.map_err(|e| caller.store_error(e))?;
    audit(&caller, "case.plan.save", &case).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The version a step applies to.
#[derive(Deserialize)]
pub struct VersionBody {
    version: i64,
}

/// `POST /api/v1/cases/{id}/plan/{submit|approve|return}`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/plan/{step}", tag = "cases", request_body = Object, params(("id" = String, Path, description = "case id"), ("step" = String, Path, description = "submit, approve or return")),
    responses((status = 204), (status = 409, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:write"])))]
pub async fn plan_step(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, step)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let case = case_for(&state, &caller, &id, true).await?;
    let b: VersionBody = body(&caller, &bytes)?;
    let supervisor = caller.user.roles.contains(&Role::Supervisor);
    let r = match step.as_str() {
        "submit" => state.store.submit_plan(case.id, b.version, caller.user.id).await,
        "approve" | "return" if !supervisor => return Err(caller.error(StatusCode::FORBIDDEN, "forbidden", "")),
        "approve" => state.store.approve_plan(case.id, b.version, caller.user.id).await,
        "return" => state.store.return_plan(case.id, b.version, caller.user.id).await,
        _ => return Err(caller.error(StatusCode::NOT_FOUND, "not_found", "")),
    };
    r.map_err(|e| caller.store_error(e))?;
    audit(&caller, &format!("case.plan.{step}"), &case).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A service delivered.
#[derive(Deserialize, Serialize)]
pub struct ServiceBody {
    delivered_on: String,
    kind: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    outcome: String,
}

/// `GET /api/v1/cases/{id}/services`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/services", tag = "cases", params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:read"])))]
pub async fn services(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<ServiceBody>>, ApiError> {
    let case = case_for(&state, &caller, &id, false).await?;
    let list = state.store.services(case.id).await.map_err(|e| caller.store_error(e))?;
    audit(&caller, "case.service.read", &case).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| ServiceBody {
                delivered_on: s.delivered_on,
                kind: s.kind,
                provider: s.provider,
                outcome: s.outcome,
            })
            .collect(),
    ))
}

/// `POST /api/v1/cases/{id}/services`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/services", tag = "cases", request_body = Object, params(("id" = String, Path, description = "case id")),
    responses((status = 201), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:write"])))]
pub async fn add_service(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let case = case_for(&state, &caller, &id, true).await?;
    let b: ServiceBody = body(&caller, &bytes)?;
    let field = if !is_date(b.delivered_on.trim()) {
        "delivered_on"
    } else if !SERVICE_KINDS.contains(&b.kind.as_str()) {
        "kind"
    } else if b.provider.chars().count() > 200 || b.outcome.chars().count() > 4000 {
        "outcome"
    } else {
        ""
    };
    if !field.is_empty() {
        return Err(caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", field));
    }
    state
        .store
        .add_service(case.id, caller.user.id, b.delivered_on.trim(), &b.kind, b.provider.trim(), b.outcome.trim())
        .await
        .map_err(|e| caller.store_error(e))?;
    audit(&caller, "case.service", &case).await?;
    Ok(StatusCode::CREATED)
}

/// A follow-up to plan.
#[derive(Deserialize)]
pub struct FollowupBody {
    due_on: String,
    text: String,
    assigned_to: Option<UserId>,
}

/// `GET /api/v1/cases/{id}/followups`.
#[utoipa::path(get, path = "/api/v1/cases/{id}/followups", tag = "cases", params(("id" = String, Path, description = "case id")),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:read"])))]
pub async fn followups(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let case = case_for(&state, &caller, &id, false).await?;
    let list = state.store.case_followups(case.id).await.map_err(|e| caller.store_error(e))?;
    audit(&caller, "case.followup.read", &case).await?;
    Ok(Json(Value::Array(
        list.into_iter()
            .map(|f| json!({"id": f.id, "due_on": f.due_on, "text": f.text, "assigned_to": f.assigned_to, "done": f.done_at.is_some()}))
            .collect(),
    )))
}

/// `POST /api/v1/cases/{id}/followups`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/followups", tag = "cases", request_body = Object, params(("id" = String, Path, description = "case id")),
    responses((status = 201), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = ["cases:write"])))]
pub async fn add_followup(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let case = case_for(&state, &caller, &id, true).await?;
    let b: FollowupBody = body(&caller, &bytes)?;
    if !is_date(b.due_on.trim()) {
        return Err(caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "due_on"));
    }
    let text = b.text.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(caller.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "text"));
    }
    let who = b.assigned_to.unwrap_or(caller.user.id);
    state
        .store
        .add_followup(case.id, caller.user.id, who, b.due_on.trim(), text)
        .await
        .map_err(|e| caller.store_error(e))?;
    audit(&caller, "case.followup", &case).await?;
    Ok(StatusCode::CREATED)
}

//! The JSON API under `/api/v1`: personal API tokens (`Authorization: Bearer …`), scopes,
//! and errors as `{"error": {"code", "message", "field"}}` with a translated message and never
//! any inner error text.

mod cases;
mod handlers;
pub mod openapi;
mod plans;

use axum::Json;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use passerelle_core::audit::Outcome;
use passerelle_core::authz::{Actor, Denied, Scope, authorize};
use passerelle_core::token::ApiScope;
use passerelle_core::user::User;
use passerelle_store::StoreError;
use passerelle_store::tokens::ApiToken;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::i18n::Lang;
use crate::pages::entry;

/// The API routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::serve))
        .route("/me", get(handlers::me))
        .route("/organizations", get(handlers::organizations))
        .route("/users", get(handlers::users))
        .route("/audit", get(handlers::audit_entries))
        .route("/screenings/evaluate", post(handlers::evaluate_screening))
        .route("/cases", get(cases::list).post(cases::create))
        .route("/cases/{id}", get(cases::get))
        .route("/cases/{id}/notes", post(cases::add_note))
        .route("/cases/{id}/status", post(cases::set_status))
        .route("/cases/{id}/assign", post(cases::assign))
        .route("/cases/{id}/assessments", get(plans::assessments).post(plans::add_assessment))
        .route("/cases/{id}/plan", get(plans::plan).put(plans::save_plan))
        .route("/cases/{id}/plan/{step}", post(plans::plan_step))
        .route("/cases/{id}/services", get(plans::services).post(plans::add_service))
        .route("/cases/{id}/followups", get(plans::followups).post(plans::add_followup))
        .fallback(not_found)
}

async fn not_found(
    axum::extract::State(state): axum::extract::State<AppState>,
    parts: axum::http::request::Parts,
) -> ApiError {
    ApiError::new(&state, request_lang(&parts), StatusCode::NOT_FOUND, "not_found", "")
}

/// The body of every error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// One error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code.
    pub code: String,
    /// Human message in the request's language (`Accept-Language`, French by default).
    pub message: String,
    /// The offending field (a JSON pointer or a parameter name), or `""`.
    pub field: String,
}

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: String,
}

impl ApiError {
    fn new(state: &AppState, lang: Lang, status: StatusCode, code: &'static str, field: &str) -> Self {
        let message = state.i18n.t(lang, &format!("api-error-{code}"));
        Self { status, code, message, field: field.to_owned() }
    }

    /// An error with a ready message (already translated).
    pub fn with_message(status: StatusCode, code: &'static str, message: String, field: String) -> Self {
        Self { status, code, message, field }
    }

    fn store(state: &AppState, lang: Lang, e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::new(state, lang, StatusCode::NOT_FOUND, "not_found", ""),
            StoreError::Conflict => Self::new(state, lang, StatusCode::CONFLICT, "conflict", ""),
            other => {
                tracing::error!(error = %other, "storage failure (api)");
                Self::new(state, lang, StatusCode::INTERNAL_SERVER_ERROR, "internal", "")
            }
        }
    }
}

/// Every code the API can answer, for the translation tests.
pub const ERROR_CODES: [&str; 9] = [
    "unauthorized",
    "forbidden",
    "not_found",
    "conflict",
    "internal",
    "invalid_parameter",
    "insufficient_scope",
    "invalid_body",
    "training_required",
];

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message, field: self.field } };
        let mut res = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// A request authenticated by a personal API token.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The token.
    pub token: ApiToken,
    /// Its owner.
    pub user: User,
    /// Language of messages.
    pub lang: Lang,
    state: AppState,
}

impl ApiCaller {
    /// The actor for authorization.
    pub fn actor(&self) -> Actor {
        Actor { user_id: self.user.id, org_id: self.user.org_id, roles: self.user.roles.clone() }
    }

    /// Requires a scope on the token and, for it, the role's permission on `scope`; refusals
    /// are audited.
    pub async fn require(&self, api_scope: ApiScope, scope: Scope) -> Result<(), ApiError> {
        if !self.token.scopes.contains(&api_scope) {
            self.denied(api_scope.as_str()).await?;
            return Err(self.error(StatusCode::FORBIDDEN, "insufficient_scope", ""));
        }
        if let Some(action) = api_scope.required_action()
            && let Err(d) = authorize(&self.actor(), action, scope)
        {
            self.denied(action.as_str()).await?;
            return Err(match d {
                Denied::Role => self.error(StatusCode::FORBIDDEN, "forbidden", ""),
                Denied::Organization => self.error(StatusCode::NOT_FOUND, "not_found", ""),
            });
        }
        Ok(())
    }

    async fn denied(&self, what: &str) -> Result<(), ApiError> {
        let e =
            entry(Some(&self.user), "permission_denied", what, Some(self.token.id.to_string()), None, Outcome::Denied);
        self.audit(e).await
    }

    /// Appends an audit entry; the request fails when it cannot be recorded.
    pub async fn audit(&self, e: passerelle_core::audit::NewAuditEntry) -> Result<(), ApiError> {
        self.state.store.audit(e).await.map(|_| ()).map_err(|e| ApiError::store(&self.state, self.lang, e))
    }

    /// Refuses screening while a module the organization requires is not completed (the same
    /// rule as the pages).
    pub async fn require_training(&self) -> Result<(), ApiError> {
        match crate::pages::training::missing_for(&self.state, &self.user).await {
            Ok(missing) if missing.is_empty() => Ok(()),
            Ok(_) => {
                let e =
                    crate::pages::entry(Some(&self.user), "training_required", "training", None, None, Outcome::Denied);
                self.audit(e).await?;
                Err(self.error(StatusCode::FORBIDDEN, "training_required", ""))
            }
            Err(_) => Err(self.error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "")),
        }
    }

    /// A translated error.
    pub fn error(&self, status: StatusCode, code: &'static str, field: &str) -> ApiError {
        ApiError::new(&self.state, self.lang, status, code, field)
    }

    /// Maps a store error.
    pub fn store_error(&self, e: StoreError) -> ApiError {
        ApiError::store(&self.state, self.lang, e)
    }
}

/// The language of an API request: `Accept-Language`, French by default.
pub fn request_lang(parts: &Parts) -> Lang {
    parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = request_lang(parts);
        let unauthorized = || ApiError::new(state, lang, StatusCode::UNAUTHORIZED, "unauthorized", "");
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(unauthorized)?;
        match state.store.authenticate_token(secret).await {
            Ok(Some((token, user))) => Ok(ApiCaller { token, user, lang, state: state.clone() }),
            Ok(None) => {
                let e = entry(None, "api.authenticate", "api_token", None, None, Outcome::Failure);
                state.store.audit(e).await.map_err(|e| ApiError::store(state, lang, e))?;
                Err(unauthorized())
            }
            Err(e) => Err(ApiError::store(state, lang, e)),
        }
    }
}

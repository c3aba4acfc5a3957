//! Errors of page handlers, rendered as translated pages.
//!
//! A handler returns an [`AppError`]; it becomes a response carrying only a status and a
//! marker, and the session middleware, which knows the language, renders the page. No inner
//! error text ever reaches the response.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use passerelle_core::ids::CaseId;
use passerelle_store::StoreError;

use crate::AppState;
use crate::i18n::Lang;

/// What went wrong, as far as the user is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// Not signed in: go to the sign-in page.
    #[error("sign-in required")]
    SignIn,
    /// Not allowed.
    #[error("forbidden")]
    Forbidden,
    /// A case of one's own organization that one is not entitled to: refused, with the offer
    /// of an emergency access (the id is already in the address, so it reveals nothing).
    #[error("forbidden, emergency access possible")]
    EmergencyAccessOffered(CaseId),
    /// Not found (or not visible).
    #[error("not found")]
    NotFound,
    /// Someone else changed the record first.
    #[error("conflict")]
    Conflict,
    /// The request is malformed.
    #[error("bad request")]
    BadRequest,
    /// The anti-forgery check failed.
    #[error("csrf")]
    Csrf,
    /// Too many attempts.
    #[error("rate limited")]
    TooMany,
    /// A module the organization requires is not completed: go to the training catalogue,
    /// which says which.
    #[error("training required")]
    TrainingRequired,
    /// A failure on our side; the label is for logs only.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl AppError {
    fn status(self) -> StatusCode {
        match self {
            AppError::SignIn | AppError::TrainingRequired => StatusCode::SEE_OTHER,
            AppError::Forbidden | AppError::EmergencyAccessOffered(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict => StatusCode::CONFLICT,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Fluent ids of the page's title and text.
    fn message(self) -> (&'static str, &'static str) {
        match self {
            AppError::SignIn | AppError::Forbidden => ("error-forbidden-title", "error-forbidden-text"),
            AppError::EmergencyAccessOffered(_) => ("error-forbidden-title", "error-case-not-assigned-text"),
            AppError::NotFound => ("error-not-found-title", "error-not-found-text"),
            AppError::Conflict => ("error-conflict-title", "error-conflict-text"),
            AppError::BadRequest => ("error-bad-request-title", "error-bad-request-text"),
            AppError::Csrf => ("error-csrf-title", "error-csrf-text"),
            AppError::TooMany => ("error-too-many-title", "error-too-many-text"),
            AppError::TrainingRequired => ("error-training-title", "error-training-text"),
            AppError::Internal(_) => ("error-internal-title", "error-internal-text"),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict => AppError::Conflict,
            other => {
                // Store errors print no values (see StoreError's Display), only what failed.
                tracing::error!(error = %other, "storage failure");
                AppError::Internal("store")
            }
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(_: askama::Error) -> Self {
        tracing::error!("template rendering failed");
        AppError::Internal("template")
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self == AppError::SignIn {
            return Redirect::to("/login").into_response();
        }
        if self == AppError::TrainingRequired {
            return Redirect::to("/training?required=1#training-required").into_response();
        }
        if let AppError::Internal(what) = self {
            tracing::error!(what, "request failed");
        }
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}

/// Result of a page handler.
pub type PageResult = Result<Response, AppError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: &'a str,
    title: String,
    text: String,
    home: String,
    app_name: String,
    skip: String,
    footer: String,
    stylesheet: &'static str,
    /// The emergency-access offer: its link, the link's text and the warning before it.
    offer: Option<(String, String, String)>,
}

/// Replaces the body of an error response with its translated page.
pub fn render_error_page(state: &AppState, lang: Lang, res: Response) -> Response {
    let Some(err) = res.extensions().get::<AppError>().copied() else { return res };
    let (title, text) = err.message();
    let page = ErrorPage {
        lang: lang.tag(),
        title: state.i18n.t(lang, title),
        text: state.i18n.t(lang, text),
        home: state.i18n.t(lang, "error-back-home"),
        app_name: state.i18n.t(lang, "app-name"),
        skip: state.i18n.t(lang, "skip-to-content"),
        footer: state.i18n.t(lang, "footer-confidential"),
        stylesheet: crate::assets::STYLESHEET_PATH,
        offer: match err {
            AppError::EmergencyAccessOffered(case) => Some((
                format!("/cases/{case}/break-glass"),
                state.i18n.t(lang, "glass-offer-link"),
                state.i18n.t(lang, "glass-offer-text"),
            )),
            _ => None,
        },
    };
    let body = page.render().unwrap_or_else(|_| "error".to_owned());
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    (parts, Html(body)).into_response()
}

//! The web application: server-rendered bilingual pages and the JSON API.
//!
//! Handlers parse the request, ask the pure domain (`passerelle-core`) whether and what to
//! do, call the store, and render. Sessions, CSRF, security headers and the language are
//! handled once, in middleware ([`session`], [`security`]).

pub mod api;
pub mod assets;
pub mod ctx;
pub mod error;
pub mod i18n;
pub mod limiter;
pub mod linkage;
pub mod pages;
pub mod security;
pub mod session;
pub mod statistics;
pub mod training;

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use passerelle_store::Store;
use passerelle_store::sessions::SessionPolicy;

pub use i18n::{I18n, Lang};

/// Settings of the web application.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Mark cookies `Secure` and use the `__Host-` prefix (served over TLS, directly or
    /// behind a proxy).
    pub secure_cookies: bool,
    /// Session timeouts.
    pub sessions: SessionPolicy,
    /// Sign-in attempts allowed per client address per minute (all accounts together).
    pub login_attempts_per_minute: u32,
    /// Take the client address from the last `X-Forwarded-For` hop (only behind a reverse
    /// proxy that sets it; otherwise clients could choose their own address).
    pub trust_forwarded_for: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            sessions: SessionPolicy::default(),
            login_attempts_per_minute: 30,
            trust_forwarded_for: false,
        }
    }
}

/// Shared state of every request.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Storage.
    pub store: Store,
    /// Translations.
    pub i18n: Arc<I18n>,
    /// Settings.
    pub config: Arc<WebConfig>,
    /// Per-address limiter of sign-in attempts.
    pub login_limiter: Arc<limiter::Limiter>,
}

impl AppState {
    /// Builds the state.
    pub fn new(store: Store, config: WebConfig) -> Result<Self, i18n::I18nError> {
        let limiter = limiter::Limiter::new(config.login_attempts_per_minute, time::Duration::minutes(1));
        Ok(Self { store, i18n: I18n::load()?, config: Arc::new(config), login_limiter: Arc::new(limiter) })
    }
}

/// Information exchange between organizations (consents, legal bases, referrals, messages)
/// and emergency access with its alerts: pages under the same session and CSRF layers.
fn exchange_routes() -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/break-glass", get(pages::break_glass::form).post(pages::break_glass::open))
        .route("/cases/{id}/break-glass/end", post(pages::break_glass::end))
        .route("/cases/{id}/consents/new", get(pages::exchange::consent_form))
        .route("/cases/{id}/consents", post(pages::exchange::record_consent))
        .route("/cases/{id}/consents/{cid}/withdraw", post(pages::exchange::withdraw_consent))
        .route("/cases/{id}/bases/new", get(pages::exchange::basis_form))
        .route("/cases/{id}/bases", post(pages::exchange::record_basis))
        .route("/cases/{id}/bases/{bid}/end", post(pages::exchange::end_basis))
        .route("/cases/{id}/refer/{org}", get(pages::exchange::refer_form).post(pages::exchange::refer))
        .route("/referrals", get(pages::exchange::list))
        .route("/referrals/{id}", get(pages::exchange::show))
        .route("/referrals/{id}/answer", post(pages::exchange::answer))
        .route("/referrals/{id}/messages", post(pages::exchange::message))
        .route("/referrals/{id}/services", post(pages::exchange::service))
        .route("/referrals/{id}/cancel", post(pages::exchange::cancel))
        .route("/referrals/{id}/close", post(pages::exchange::close))
        .route("/privacy/break-glass", get(pages::break_glass::review_list))
        .route("/privacy/break-glass/{id}", post(pages::break_glass::review))
        .route("/alerts", get(pages::alerts::list))
        .route("/alerts/{id}/read", post(pages::alerts::mark_read))
}

/// The longest any request may take (the slowest page, publishing statistics for 100,000
/// children, takes about 3 s).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The whole application.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(pages::home::home))
        .route("/login", get(pages::auth::login_form).post(pages::auth::login))
        .route("/login/mfa", get(pages::auth::mfa_form).post(pages::auth::mfa))
        .route("/mfa/setup", get(pages::auth::mfa_setup_form).post(pages::auth::mfa_setup))
        .route("/logout", post(pages::auth::logout))
        .route("/logout/everywhere", post(pages::auth::logout_everywhere))
        .route("/setup/{token}", get(pages::setup::form).post(pages::setup::submit))
        .route("/lang/{lang}", get(pages::home::switch_language))
        .route("/account", get(pages::account::show))
        .route("/account/password", post(pages::account::change_password))
        .route("/account/mfa", get(pages::auth::account_mfa_form).post(pages::auth::account_mfa))
        .route("/account/tokens", post(pages::account::create_token))
        .route("/account/tokens/{id}/revoke", post(pages::account::revoke_token))
        .route("/admin/organizations", get(pages::orgs::list).post(pages::orgs::create))
        .route("/admin/users", get(pages::users::list).post(pages::users::create))
        .route("/admin/users/{id}", get(pages::users::show).post(pages::users::update))
        .route("/admin/users/{id}/reset-password", post(pages::users::reset_password))
        .route("/admin/users/{id}/reset-mfa", post(pages::users::reset_mfa))
        .route("/admin/users/{id}/status", post(pages::users::set_status))
        .route("/audit", get(pages::audit::list))
        .route("/screenings", get(pages::screenings::list))
        .route("/screenings/new", get(pages::screenings::new_form).post(pages::screenings::create))
        .route("/screenings/{id}", get(pages::screenings::show))
        .route("/screenings/{id}/edit", get(pages::screenings::edit).post(pages::screenings::update))
        .route("/screenings/{id}/print", get(pages::screenings::print))
        .route("/screenings/{id}/decision", post(pages::screenings::decide))
        .route("/cases", get(pages::cases::list))
        .route("/cases/new", get(pages::cases::new_form).post(pages::cases::create))
        .route("/cases/{id}", get(pages::cases::show))
        .route("/cases/{id}/notes", post(pages::cases::add_note))
        .route("/cases/{id}/status", post(pages::cases::set_status))
        .route("/cases/{id}/assign", post(pages::cases::assign))
        .route("/cases/{id}/profile", post(pages::cases::set_profile))
        .route("/cases/{id}/assessment", get(pages::plans::assessment_form).post(pages::plans::add_assessment))
        .route("/cases/{id}/plan", get(pages::plans::plan).post(pages::plans::save_plan))
        .route("/cases/{id}/plan/{step}", post(pages::plans::plan_step))
        .route("/cases/{id}/services", post(pages::plans::add_service))
        .route("/cases/{id}/followups", post(pages::plans::add_followup))
        .route("/cases/{id}/followups/{fid}/done", post(pages::plans::complete_followup))
        .route("/followups", get(pages::plans::due))
        .route("/privacy/access-report", get(pages::access_report::show))
        .route("/privacy/child-export", get(pages::child_export::export))
        .route("/privacy/incidents", get(pages::privacy::list))
        .route("/privacy/incidents.csv", get(pages::privacy::export))
        .route("/privacy/incidents/new", get(pages::privacy::new_form).post(pages::privacy::create))
        .route("/privacy/incidents/{id}", get(pages::privacy::edit).post(pages::privacy::update))
        .route("/admin/retention", get(pages::retention::show).post(pages::retention::save))
        .route("/admin/privacy-contact", post(pages::retention::save_contact))
        .route("/cases/{id}/holds", post(pages::retention::place))
        .route("/cases/{id}/holds/{hold}/lift", post(pages::retention::lift))
        .route("/links", get(pages::links::list))
        .route("/links/{id}", post(pages::links::decide))
        .route("/training", get(pages::training::index))
        .route("/training/completion", get(pages::training::completion))
        .route("/training/requirements", post(pages::training::set_requirements))
        .route("/training/{module}", get(pages::training::show).post(pages::training::submit))
        .route("/statistics", get(pages::statistics::show))
        .route("/statistics/publish", post(pages::statistics::publish))
        .route("/statistics/htcds.csv", get(pages::statistics::htcds_csv))
        .route("/statistics/{id}/csv", get(pages::statistics::csv))
        .route("/statistics/{id}/report", get(pages::statistics::report))
        .route("/directory", get(pages::directory::list))
        .route("/directory/gaps", get(pages::directory::gaps))
        .route("/directory/profile", get(pages::directory::edit).post(pages::directory::save))
        .route("/legal", get(pages::legal::index))
        .route("/legal/glossary", get(pages::legal::glossary))
        .route("/legal/{page}", get(pages::legal::page))
        .merge(exchange_routes())
        .fallback(pages::home::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), session::csrf_guard))
        .layer(middleware::from_fn_with_state(state.clone(), session::load_session));

    // Public pages: no session middleware (so never a cookie) and their own policy, which
    // allows the quick-exit script by its hash; merged after the platform's headers layer so
    // that every other page keeps the script-free policy.
    let public = Router::new()
        .route("/public", get(pages::public::understand_fr))
        .route("/public/", get(pages::public::understand_fr))
        .route("/public/help", get(pages::public::help_fr))
        .route("/public/{*rest}", get(pages::public::not_found_fr))
        .route("/en/public", get(pages::public::understand_en))
        .route("/en/public/", get(pages::public::understand_en))
        .route("/en/public/help", get(pages::public::help_en))
        .route("/en/public/{*rest}", get(pages::public::not_found_en))
        // The privacy officer's contact is published for everyone, under the same rules.
        .route("/privacy", get(pages::privacy::public_fr))
        .route("/en/privacy", get(pages::privacy::public_en))
        .layer(middleware::from_fn(security::headers))
        .layer(middleware::from_fn(pages::public::headers));

    Router::new()
        .merge(pages)
        .nest("/api/v1", api::router())
        .route("/healthz", get(healthz))
        .route("/static/{file}", get(assets::serve))
        .layer(middleware::from_fn(security::headers))
        .merge(public)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(256 * 1024))
        // A database that stops answering without closing its connections would otherwise hold
        // a request (and a pool connection) for as long as TCP lets it: every request ends
        // within this bound, answered "unavailable", so the server stays responsive.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .with_state(state)
}

/// `200 ok` when the database answers and every migration is applied.
async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    if state.store.db.ready().await {
        (axum::http::StatusCode::OK, "ok")
    } else {
        (axum::http::StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    }
}

//! Sign-in, second factor (and its enrolment), sign-out.

use std::net::{IpAddr, Ipv4Addr};

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use passerelle_core::audit::Outcome;
use passerelle_core::user::{User, UserStatus};
use passerelle_crypto::{password, totp};
use passerelle_store::sessions::{Session, Stage};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::{audit, entry, render, see_other};
use crate::session::{Auth, ClientIp, SESSION_COOKIE, make_cookie, removal_cookie};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    username: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa.html")]
struct MfaPage {
    ctx: Ctx,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa_setup.html")]
struct MfaSetupPage {
    ctx: Ctx,
    action: &'static str,
    secret: String,
    qr_svg: String,
    error: Option<String>,
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// A second-factor code.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

fn with_session_cookie(state: &AppState, token: String, res: Response) -> Response {
    let cookie = make_cookie(state, SESSION_COOKIE, token);
    let mut res = res;
    if let Ok(v) = cookie.encoded().to_string().parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// `GET /login`.
pub async fn login_form(ctx: Ctx, auth: Option<Extension<Auth>>) -> PageResult {
    if let Some(Extension(a)) = auth {
        return Ok(see_other(next_step(a.session.stage)));
    }
    render(&LoginPage { ctx, username: String::new(), error: None })
}

fn next_step(stage: Stage) -> &'static str {
    match stage {
        Stage::MfaPending => "/login/mfa",
        Stage::MfaSetup => "/mfa/setup",
        Stage::Active => "/",
    }
}

/// `POST /login`: password check, with per-address limits and per-account lockout.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    Extension(ip): Extension<ClientIp>,
    Form(form): Form<LoginForm>,
) -> PageResult {
    let username = form.username.trim().to_lowercase();
    let refuse = |ctx: Ctx, username: String| {
        let error = Some(ctx.t("login-failed"));
        render(&LoginPage { ctx, username, error })
    };
    let ip = ip.0.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !state.login_limiter.check(ip, passerelle_core::time::now()) {
        audit(&state, entry(None, "sign_in", "account", None, None, Outcome::Denied)).await?;
        return Err(AppError::TooMany);
    }
    if username.is_empty() || form.password.is_empty() || form.password.len() > 1024 {
        return refuse(ctx, username);
    }

    let creds = state.store.credentials_by_username(&username).await?;
    let Some(creds) = creds else {
        // Spend the same time as a real check so timing does not reveal unknown names.
        let pw = form.password;
        let _ = tokio::task::spawn_blocking(move || password::verify_dummy(&pw)).await;
        audit(&state, entry(None, "sign_in", "account", None, None, Outcome::Failure)).await?;
        return refuse(ctx, username);
    };
    let user = creds.user.clone();
    let now = passerelle_core::time::now();
    let locked = creds.locked_until.is_some_and(|t| t > now);

    let pw = form.password;
    let hash = creds.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify_password(&pw, &hash))
        .await
        .map_err(|_| AppError::Internal("password task"))?;

    if locked || user.status != UserStatus::Active {
        let e = entry(Some(&user), "sign_in", "account", Some(user.id.to_string()), Some(user.org_id), Outcome::Denied);
        audit(&state, e).await?;
        return refuse(ctx, username);
    }
    if !ok {
        state.store.record_login_failure(user.id).await?;
        let e =
            entry(Some(&user), "sign_in", "account", Some(user.id.to_string()), Some(user.org_id), Outcome::Failure);
        audit(&state, e).await?;
        return refuse(ctx, username);
    }

    let next = if user.mfa_enabled {
        Stage::MfaPending
    } else if user.requires_mfa() {
        Stage::MfaSetup
    } else {
        state.store.clear_login_failures(user.id).await?;
        Stage::Active
    };
    let (token, _) = state.store.create_session(user.id, next, &state.config.sessions).await?;
    let action = if next == Stage::Active { "sign_in" } else { "sign_in.password" };
    audit(
        &state,
        entry(Some(&user), action, "account", Some(user.id.to_string()), Some(user.org_id), Outcome::Success),
    )
    .await?;
    Ok(with_session_cookie(&state, token, see_other(next_step(next))))
}

fn pending(auth: Option<Extension<Auth>>, stage: Stage) -> Result<Auth, AppError> {
    match auth {
        Some(Extension(a)) if a.session.stage == stage => Ok(a),
        _ => Err(AppError::SignIn),
    }
}

/// `GET /login/mfa`.
pub async fn mfa_form(ctx: Ctx, auth: Option<Extension<Auth>>) -> PageResult {
    pending(auth, Stage::MfaPending)?;
    render(&MfaPage { ctx, error: None })
}

/// Checks a code against the user's stored secret; records the step so it cannot be replayed.
async fn check_code(state: &AppState, user: &User, code: &str, enable: bool) -> Result<bool, AppError> {
    let creds = state.store.credentials(user.id).await?;
    let Some(sealed) = creds.mfa_secret else { return Ok(false) };
    let plain = state.store.open_system("users", "mfa_secret", user.id.0, &sealed).await?;
    let secret = totp::TotpSecret::from_slice(&plain).map_err(|_| AppError::Internal("totp secret"))?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let now = u64::try_from(passerelle_core::time::now().unix_timestamp()).unwrap_or(0);
    let last = creds.mfa_last_step.and_then(|s| u64::try_from(s).ok());
    let Some(step) = totp::verify(&secret, &code, now, last) else { return Ok(false) };
    let step = i64::try_from(step).map_err(|_| AppError::Internal("totp step"))?;
    Ok(state.store.accept_mfa_step(user.id, step, enable).await?)
}

async fn code_refused(state: &AppState, auth: &Auth, action: &str) -> Result<bool, AppError> {
    let user = &auth.user;
    let locked = state.store.record_login_failure(user.id).await?;
    let e = entry(Some(user), action, "account", Some(user.id.to_string()), Some(user.org_id), Outcome::Failure);
    audit(state, e).await?;
    if locked {
        state.store.end_session(&auth.session).await?;
    }
    Ok(locked)
}

async fn complete(state: &AppState, session: &Session, user: &User, action: &str) -> Result<String, AppError> {
    state.store.clear_login_failures(user.id).await?;
    let (token, _) = state.store.advance_session(session, Stage::Active, &state.config.sessions).await?;
    audit(state, entry(Some(user), action, "account", Some(user.id.to_string()), Some(user.org_id), Outcome::Success))
        .await?;
    Ok(token)
}

/// `POST /login/mfa`.
pub async fn mfa(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: Option<Extension<Auth>>,
    Form(form): Form<CodeForm>,
) -> PageResult {
    let auth = pending(auth, Stage::MfaPending)?;
    if check_code(&state, &auth.user, &form.code, false).await? {
        let token = complete(&state, &auth.session, &auth.user, "sign_in").await?;
        return Ok(with_session_cookie(&state, token, see_other("/")));
    }
    if code_refused(&state, &auth, "sign_in.mfa").await? {
        return Ok(see_other("/login"));
    }
    let error = Some(ctx.t("mfa-failed"));
    render(&MfaPage { ctx, error })
}

async fn setup_page(
    state: &AppState,
    ctx: Ctx,
    user: &User,
    error: Option<String>,
    action: &'static str,
) -> PageResult {
    let creds = state.store.credentials(user.id).await?;
    // Keep the secret being enrolled across reloads: the person may already have scanned it.
    let secret = if let Some(sealed) = creds.mfa_secret {
        let plain = state.store.open_system("users", "mfa_secret", user.id.0, &sealed).await?;
        totp::TotpSecret::from_slice(&plain).map_err(|_| AppError::Internal("totp secret"))?
    } else {
        let s = totp::generate_secret().map_err(|_| AppError::Internal("random"))?;
        let sealed = state.store.seal_system("users", "mfa_secret", user.id.0, s.as_bytes()).await?;
        state.store.set_mfa_secret(user.id, &sealed).await?;
        s
    };
    let url = totp::otpauth_url(&secret, "Passerelle", &user.username).map_err(|_| AppError::Internal("otpauth"))?;
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .dark_color(qrcode::render::svg::Color("#000000"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build()
        })
        .unwrap_or_default();
    // Keep only the <svg> element (drop the XML prolog) so it can sit inline in the page.
    let qr_svg = qr_svg.find("<svg").map(|i| qr_svg[i..].to_owned()).unwrap_or_default();
    let secret = totp::secret_base32(&secret);
    render(&MfaSetupPage { ctx, action, secret, qr_svg, error })
}

/// `GET /mfa/setup`: enrolment of the second factor required by the user's roles.
pub async fn mfa_setup_form(State(state): State<AppState>, ctx: Ctx, auth: Option<Extension<Auth>>) -> PageResult {
    let auth = pending(auth, Stage::MfaSetup)?;
    setup_page(&state, ctx, &auth.user, None, "/mfa/setup").await
}

/// `POST /mfa/setup`: confirms enrolment with a first code.
pub async fn mfa_setup(
    State(state): State<AppState>,
    ctx: Ctx,
    auth: Option<Extension<Auth>>,
    Form(form): Form<CodeForm>,
) -> PageResult {
    let auth = pending(auth, Stage::MfaSetup)?;
    if check_code(&state, &auth.user, &form.code, true).await? {
        let user = &auth.user;
        audit(
            &state,
            entry(Some(user), "mfa.enable", "account", Some(user.id.to_string()), Some(user.org_id), Outcome::Success),
        )
        .await?;
        let token = complete(&state, &auth.session, user, "sign_in").await?;
        return Ok(with_session_cookie(&state, token, see_other("/?notice=mfa-enabled")));
    }
    if code_refused(&state, &auth, "mfa.enable").await? {
        return Ok(see_other("/login"));
    }
    let error = Some(ctx.t("mfa-failed"));
    setup_page(&state, ctx, &auth.user, error, "/mfa/setup").await
}

/// `GET /account/mfa`: a signed-in user whose roles do not require a second factor turns
/// one on anyway.
pub async fn account_mfa_form(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    if who.user().mfa_enabled {
        return Ok(see_other("/account"));
    }
    setup_page(&state, ctx, who.user(), None, "/account/mfa").await
}

/// `POST /account/mfa`.
pub async fn account_mfa(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Form(form): Form<CodeForm>,
) -> PageResult {
    let user = who.user();
    if user.mfa_enabled {
        return Ok(see_other("/account"));
    }
    if check_code(&state, user, &form.code, true).await? {
        audit(
            &state,
            entry(Some(user), "mfa.enable", "account", Some(user.id.to_string()), Some(user.org_id), Outcome::Success),
        )
        .await?;
        return Ok(see_other("/account?notice=mfa-enabled"));
    }
    audit(
        &state,
        entry(Some(user), "mfa.enable", "account", Some(user.id.to_string()), Some(user.org_id), Outcome::Failure),
    )
    .await?;
    let error = Some(ctx.t("mfa-failed"));
    setup_page(&state, ctx, user, error, "/account/mfa").await
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, auth: Option<Extension<Auth>>) -> PageResult {
    if let Some(Extension(a)) = auth {
        state.store.end_session(&a.session).await?;
        let u = &a.user;
        audit(&state, entry(Some(u), "sign_out", "account", Some(u.id.to_string()), Some(u.org_id), Outcome::Success))
            .await?;
    }
    let cookie = removal_cookie(&state, SESSION_COOKIE);
    Ok(([(header::SET_COOKIE, cookie.encoded().to_string())], see_other("/login")).into_response())
}

/// `POST /logout/everywhere`: ends every session of the user, on every device.
pub async fn logout_everywhere(State(state): State<AppState>, auth: Option<Extension<Auth>>) -> PageResult {
    let Some(Extension(a)) = auth else { return Err(AppError::SignIn) };
    state.store.end_user_sessions(a.user.id).await?;
    let u = &a.user;
    audit(
        &state,
        entry(Some(u), "sign_out.everywhere", "account", Some(u.id.to_string()), Some(u.org_id), Outcome::Success),
    )
    .await?;
    let cookie = removal_cookie(&state, SESSION_COOKIE);
    Ok(([(header::SET_COOKIE, cookie.encoded().to_string())], see_other("/login?notice=signed-out-everywhere"))
        .into_response())
}

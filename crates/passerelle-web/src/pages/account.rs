//! The user's own account: password, sessions, API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum_extra::extract::Form;
use passerelle_core::audit::Outcome;
use passerelle_core::error::ValidationError;
use passerelle_core::ids::TokenId;
use passerelle_core::token::ApiScope;
use passerelle_crypto::password;
use passerelle_store::tokens::ApiToken;
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::setup::{Choice, Errors, check_new_password};
use crate::pages::{audit, entry, render, see_other};

/// Longest validity of a personal API token.
pub const MAX_TOKEN_DAYS: i64 = 365;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    org_name: String,
    roles: Vec<String>,
    tokens: Vec<ApiToken>,
    scopes: Vec<Choice>,
    errors: Errors,
    new_token: Option<String>,
    token_name: String,
    token_days: String,
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    who: &Signed,
    errors: Errors,
    new_token: Option<String>,
    token_form: Option<&TokenForm>,
) -> PageResult {
    let user = who.user();
    let org = state.store.org(user.org_id).await?;
    let tokens = state.store.tokens_of(user.id).await?;
    let chosen: Vec<String> = token_form.map(|f| f.scopes.clone()).unwrap_or_default();
    let scopes = ApiScope::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: ctx.t(&format!("scope-{}", s.as_str().replace(':', "-"))),
            selected: chosen.iter().any(|c| c == s.as_str()),
        })
        .collect();
    let page = AccountPage {
        roles: user.roles.iter().map(|r| ctx.t(&format!("role-{}", r.as_str()))).collect(),
        org_name: org.name,
        tokens,
        scopes,
        errors,
        new_token,
        token_name: token_form.map(|f| f.name.clone()).unwrap_or_default(),
        token_days: token_form.map_or_else(|| "90".to_owned(), |f| f.days.clone()),
        ctx,
    };
    render(&page)
}

/// `GET /account`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    page(&state, ctx, &who, Errors::default(), None, None).await
}

/// The password change form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// `POST /account/password`: needs the current password; ends the user's other sessions.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let user = who.user().clone();
    let creds = state.store.credentials(user.id).await?;
    let (cur, hash) = (form.current.clone(), creds.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || password::verify_password(&cur, &hash))
        .await
        .map_err(|_| AppError::Internal("password task"))?;
    let mut errors = ValidationError::default();
    if !ok {
        errors.push("current", "wrong-password");
    }
    check_new_password(&mut errors, &form.password, &form.password_confirm);
    if !errors.fields.is_empty() {
        let outcome = if ok { Outcome::Denied } else { Outcome::Failure };
        audit(
            &state,
            entry(Some(&user), "password.change", "account", Some(user.id.to_string()), Some(user.org_id), outcome),
        )
        .await?;
        let errors = Errors::from_validation(&ctx, &errors);
        return page(&state, ctx, &who, errors, None, None).await;
    }
    let pw = form.password;
    let new_hash = crate::pages::hash_password(pw).await?;
    state.store.set_password(user.id, user.version, &new_hash).await?;
    // A changed password ends every session; this one continues under a new id.
    state.store.end_user_sessions(user.id).await?;
    audit(
        &state,
        entry(
            Some(&user),
            "password.change",
            "account",
            Some(user.id.to_string()),
            Some(user.org_id),
            Outcome::Success,
        ),
    )
    .await?;
    Ok(see_other("/login?notice=password-changed"))
}

/// The token creation form.
#[derive(Deserialize, Debug)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    days: String,
}

/// `POST /account/tokens`: creates a token and shows its secret once.
pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let user = who.user().clone();
    let mut errors = ValidationError::default();
    let name = passerelle_core::error::text_field(&mut errors, "name", &form.name, 1, 80);
    let mut scopes = Vec::new();
    for s in &form.scopes {
        match s.parse::<ApiScope>() {
            Ok(scope) => scopes.push(scope),
            Err(_) => errors.push("scopes", "unknown-value"),
        }
    }
    if scopes.is_empty() && errors.fields.iter().all(|f| f.field != "scopes") {
        errors.push("scopes", "required");
    }
    // A token never carries a scope its owner's roles could not use.
    if scopes.iter().any(|s| s.required_action().is_some_and(|a| !passerelle_core::role::roles_allow(&user.roles, a))) {
        errors.push("scopes", "scope-not-allowed");
    }
    let days = match form.days.trim().parse::<i64>() {
        Ok(d) if (1..=MAX_TOKEN_DAYS).contains(&d) => d,
        _ => {
            errors.push("days", "token-days");
            0
        }
    };
    if !errors.fields.is_empty() {
        let errs = Errors::from_validation(&ctx, &errors);
        return page(&state, ctx, &who, errs, None, Some(&form)).await;
    }
    scopes.sort();
    scopes.dedup();
    let expires = passerelle_core::time::now() + time::Duration::days(days);
    let (secret, token) = state.store.create_token(user.id, &name, &scopes, expires).await?;
    audit(
        &state,
        entry(
            Some(&user),
            "token.create",
            "api_token",
            Some(token.id.to_string()),
            Some(user.org_id),
            Outcome::Success,
        ),
    )
    .await?;
    page(&state, ctx, &who, Errors::default(), Some(secret), None).await
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(State(state): State<AppState>, who: Signed, Path(id): Path<String>) -> PageResult {
    let id: TokenId = id.parse().map_err(|_| AppError::NotFound)?;
    let user = who.user();
    state.store.revoke_token(user.id, id).await?;
    audit(
        &state,
        entry(Some(user), "token.revoke", "api_token", Some(id.to_string()), Some(user.org_id), Outcome::Success),
    )
    .await?;
    Ok(see_other("/account?notice=token-revoked"))
}

//! Accounts of an organization (organization and system administrators; read-only for
//! privacy officers, supervisors and trainers).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum_extra::extract::Form;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::error::ValidationError;
use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::org::Organization;
use passerelle_core::role::{Action, Role, parse_roles};
use passerelle_core::user::{NewUserInput, User, UserStatus};
use passerelle_crypto::password;
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::setup::{Choice, Errors};
use crate::pages::{audit, entry, hash_password, render, require, see_other};

/// An account as listed.
#[derive(Debug)]
pub struct UserRow {
    /// The account.
    pub user: User,
    /// Translated roles.
    pub roles: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: Ctx,
    org: Organization,
    orgs: Vec<Choice>,
    users: Vec<UserRow>,
    can_manage: bool,
    roles: Vec<Choice>,
    form_username: String,
    form_display_name: String,
    form_locale: String,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    ctx: Ctx,
    user: User,
    org_name: String,
    roles: Vec<Choice>,
    can_manage: bool,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "secret.html")]
struct SecretPage {
    ctx: Ctx,
    title: String,
    text: String,
    secret: String,
    back: String,
}

/// `?org=` for system administrators.
#[derive(Deserialize)]
pub struct OrgQuery {
    org: Option<String>,
}

/// The creation form.
#[derive(Deserialize, Default)]
pub struct NewUserForm {
    #[serde(default)]
    org: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    locale: String,
}

fn role_choices(ctx: &Ctx, who: &Signed, selected: &[String]) -> Vec<Choice> {
    Role::ALL
        .iter()
        // Only a system administrator can make another one.
        .filter(|r| **r != Role::SystemAdmin || who.user().roles.contains(&Role::SystemAdmin))
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: ctx.t(&format!("role-{}", r.as_str())),
            selected: selected.iter().any(|s| s == r.as_str()),
        })
        .collect()
}

fn target_org(who: &Signed, raw: Option<&str>) -> Result<OrgId, AppError> {
    match raw.filter(|s| !s.is_empty()) {
        Some(s) => s.parse().map_err(|_| AppError::NotFound),
        None => Ok(who.user().org_id),
    }
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    who: &Signed,
    org_id: OrgId,
    form: &NewUserForm,
    errors: Errors,
) -> PageResult {
    require(state, who, Action::ViewUsers, Scope::Org(org_id)).await?;
    let org = state.store.org(org_id).await?;
    let users = state.store.users_of(org_id).await?;
    audit(
        state,
        entry(Some(who.user()), "user.list", "organization", Some(org_id.to_string()), Some(org_id), Outcome::Success),
    )
    .await?;
    let can_manage = passerelle_core::authz::authorize(&who.actor(), Action::ManageUsers, Scope::Org(org_id)).is_ok();
    let orgs = if who.user().roles.contains(&Role::SystemAdmin) {
        state
            .store
            .orgs()
            .await?
            .into_iter()
            .map(|o| Choice { value: o.id.to_string(), label: o.name, selected: o.id == org_id })
            .collect()
    } else {
        Vec::new()
    };
    let users = users
        .into_iter()
        .map(|u| UserRow {
            roles: u.roles.iter().map(|r| ctx.t(&format!("role-{}", r.as_str()))).collect::<Vec<_>>().join(", "),
            user: u,
        })
        .collect();
    let roles = role_choices(&ctx, who, &form.roles);
    let page = UsersPage {
        org,
        orgs,
        users,
        can_manage,
        roles,
        form_username: form.username.clone(),
        form_display_name: form.display_name.clone(),
        form_locale: if form.locale.is_empty() { ctx.lang.code().to_owned() } else { form.locale.clone() },
        errors,
        ctx,
    };
    render(&page)
}

/// `GET /admin/users[?org=]`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, who: Signed, Query(q): Query<OrgQuery>) -> PageResult {
    let org = target_org(&who, q.org.as_deref())?;
    list_page(&state, ctx, &who, org, &NewUserForm::default(), Errors::default()).await
}

/// A random first password, shown once to the administrator, to give to the person.
fn temporary_password() -> Result<String, AppError> {
    password::temporary_password().map_err(|_| AppError::Internal("random"))
}

/// `POST /admin/users`: creates an account with a temporary password shown once.
pub async fn create(State(state): State<AppState>, ctx: Ctx, who: Signed, Form(form): Form<NewUserForm>) -> PageResult {
    let org_id = target_org(&who, Some(&form.org))?;
    require(&state, &who, Action::ManageUsers, Scope::Org(org_id)).await?;
    let input = NewUserInput::parse(&form.username, &form.display_name, &form.roles, &form.locale);
    let input = match input {
        Ok(i) if i.roles.contains(&Role::SystemAdmin) && !who.user().roles.contains(&Role::SystemAdmin) => {
            Err(ValidationError::single("roles", "role-not-allowed"))
        }
        other => other,
    };
    let input = match input {
        Ok(i) => i,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return list_page(&state, ctx, &who, org_id, &form, errors).await;
        }
    };
    let temp = temporary_password()?;
    let user = match state.store.create_user(org_id, &input, &hash_password(temp.clone()).await?).await {
        Ok(u) => u,
        Err(passerelle_store::StoreError::Duplicate(_)) => {
            let errors = Errors::from_validation(&ctx, &ValidationError::single("username", "taken"));
            return list_page(&state, ctx, &who, org_id, &form, errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    audit(
        &state,
        entry(Some(who.user()), "user.create", "user", Some(user.id.to_string()), Some(org_id), Outcome::Success),
    )
    .await?;
    let page = SecretPage {
        title: ctx.t("user-created-title"),
        text: ctx.t1("user-created-text", "username", &user.username),
        secret: temp,
        back: format!("/admin/users/{}", user.id),
        ctx,
    };
    render(&page)
}

async fn load_target(state: &AppState, who: &Signed, id: &str, action: Action) -> Result<User, AppError> {
    let id: UserId = id.parse().map_err(|_| AppError::NotFound)?;
    let user = state.store.user(id).await?;
    require(state, who, action, Scope::Org(user.org_id)).await?;
    Ok(user)
}

async fn user_page(state: &AppState, ctx: Ctx, who: &Signed, user: User, errors: Errors) -> PageResult {
    let org = state.store.org(user.org_id).await?;
    let can_manage =
        passerelle_core::authz::authorize(&who.actor(), Action::ManageUsers, Scope::Org(user.org_id)).is_ok();
    let selected: Vec<String> = user.roles.iter().map(|r| r.as_str().to_owned()).collect();
    let roles = role_choices(&ctx, who, &selected);
    render(&UserPage { ctx, user, org_name: org.name, roles, can_manage, errors })
}

/// `GET /admin/users/{id}`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, who: Signed, Path(id): Path<String>) -> PageResult {
    let user = load_target(&state, &who, &id, Action::ViewUsers).await?;
    audit(
        &state,
        entry(Some(who.user()), "user.read", "user", Some(user.id.to_string()), Some(user.org_id), Outcome::Success),
    )
    .await?;
    user_page(&state, ctx, &who, user, Errors::default()).await
}

/// The edit form; `version` is the one the administrator saw.
#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    version: i64,
}

/// `POST /admin/users/{id}`: edits name, roles and language; a stale version is refused.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> PageResult {
    let user = load_target(&state, &who, &id, Action::ManageUsers).await?;
    let mut errors = ValidationError::default();
    let display_name = passerelle_core::error::text_field(&mut errors, "display_name", &form.display_name, 1, 120);
    let roles = parse_roles(&form.roles.join(",")).unwrap_or_else(|_| {
        errors.push("roles", "unknown-value");
        Vec::new()
    });
    if roles.is_empty() && errors.fields.iter().all(|f| f.field != "roles") {
        errors.push("roles", "required");
    }
    // Granting or removing the system administrator role is for system administrators only.
    let sys_before = user.roles.contains(&Role::SystemAdmin);
    if sys_before != roles.contains(&Role::SystemAdmin) && !who.user().roles.contains(&Role::SystemAdmin) {
        errors.push("roles", "role-not-allowed");
    }
    if user.id == who.user().id && sys_before && !roles.contains(&Role::SystemAdmin) {
        errors.push("roles", "cannot-demote-self");
    }
    let locale = match form.locale.as_str() {
        "fr" | "en" => form.locale.clone(),
        _ => {
            errors.push("locale", "unknown-value");
            String::new()
        }
    };
    if !errors.fields.is_empty() {
        let errs = Errors::from_validation(&ctx, &errors);
        return user_page(&state, ctx, &who, user, errs).await;
    }
    match state.store.update_user(user.id, form.version, &display_name, &roles, &locale).await {
        Ok(_) => {}
        Err(passerelle_store::StoreError::Conflict) => {
            audit(
                &state,
                entry(
                    Some(who.user()),
                    "user.update",
                    "user",
                    Some(user.id.to_string()),
                    Some(user.org_id),
                    Outcome::Denied,
                ),
            )
            .await?;
            return Err(AppError::Conflict);
        }
        Err(e) => return Err(e.into()),
    }
    audit(
        &state,
        entry(Some(who.user()), "user.update", "user", Some(user.id.to_string()), Some(user.org_id), Outcome::Success),
    )
    .await?;
    Ok(see_other(&format!("/admin/users/{}?notice=user-updated", user.id)))
}

/// A form with only the version seen.
#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    status: String,
}

fn conflict_or(e: passerelle_store::StoreError) -> AppError {
    AppError::from(e)
}

/// `POST /admin/users/{id}/reset-password`: a new temporary password, shown once; ends the
/// person's sessions and lifts a lockout.
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<VersionForm>,
) -> PageResult {
    let user = load_target(&state, &who, &id, Action::ManageUsers).await?;
    let temp = temporary_password()?;
    state.store.set_password(user.id, form.version, &hash_password(temp.clone()).await?).await.map_err(conflict_or)?;
    state.store.end_user_sessions(user.id).await?;
    audit(
        &state,
        entry(
            Some(who.user()),
            "user.reset_password",
            "user",
            Some(user.id.to_string()),
            Some(user.org_id),
            Outcome::Success,
        ),
    )
    .await?;
    let page = SecretPage {
        title: ctx.t("password-reset-title"),
        text: ctx.t1("password-reset-text", "username", &user.username),
        secret: temp,
        back: format!("/admin/users/{}", user.id),
        ctx,
    };
    render(&page)
}

/// `POST /admin/users/{id}/reset-mfa`: removes the second factor; the person enrols again.
pub async fn reset_mfa(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<VersionForm>,
) -> PageResult {
    let user = load_target(&state, &who, &id, Action::ManageUsers).await?;
    state.store.reset_mfa(user.id, form.version).await.map_err(conflict_or)?;
    state.store.end_user_sessions(user.id).await?;
    audit(
        &state,
        entry(
            Some(who.user()),
            "user.reset_mfa",
            "user",
            Some(user.id.to_string()),
            Some(user.org_id),
            Outcome::Success,
        ),
    )
    .await?;
    Ok(see_other(&format!("/admin/users/{}?notice=mfa-reset", user.id)))
}

/// `POST /admin/users/{id}/status`: disables (ending every session) or enables an account.
pub async fn set_status(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<VersionForm>,
) -> PageResult {
    let user = load_target(&state, &who, &id, Action::ManageUsers).await?;
    let status = match form.status.as_str() {
        "active" => UserStatus::Active,
        "disabled" => UserStatus::Disabled,
        _ => return Err(AppError::BadRequest),
    };
    if user.id == who.user().id {
        return Err(AppError::Forbidden);
    }
    state.store.set_user_status(user.id, form.version, status).await.map_err(conflict_or)?;
    if status == UserStatus::Disabled {
        state.store.end_user_sessions(user.id).await?;
    }
    audit(
        &state,
        entry(
            Some(who.user()),
            "user.set_status",
            "user",
            Some(user.id.to_string()),
            Some(user.org_id),
            Outcome::Success,
        ),
    )
    .await?;
    Ok(see_other(&format!("/admin/users/{}?notice=status-changed", user.id)))
}

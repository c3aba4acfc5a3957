//! The one-time setup link: creates the first organization and its administrator.

use askama::Template;
use axum::extract::{Path, State};
use axum_extra::extract::Form;
use passerelle_core::audit::Outcome;
use passerelle_core::error::ValidationError;
use passerelle_core::org::{OrgInput, OrgType};
use passerelle_core::region::Region;
use passerelle_core::role::Role;
use passerelle_core::user::NewUserInput;
use passerelle_crypto::password;
use serde::Deserialize;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{AppError, PageResult};
use crate::pages::{audit, entry, render, see_other};

/// A choice in a select or checkbox list.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Submitted value.
    pub value: String,
    /// Translated label.
    pub label: String,
    /// Whether it is selected.
    pub selected: bool,
}

/// The organization types as choices.
pub fn org_type_choices(ctx: &Ctx, selected: &str) -> Vec<Choice> {
    OrgType::ALL
        .iter()
        .map(|t| Choice {
            value: t.as_str().to_owned(),
            label: ctx.t(&format!("org-type-{}", t.as_str())),
            selected: t.as_str() == selected,
        })
        .collect()
}

/// The regions as choices.
pub fn region_choices(ctx: &Ctx, selected: &[String]) -> Vec<Choice> {
    Region::all()
        .map(|r| Choice {
            value: r.code(),
            label: format!("{} – {}", r.code(), r.name(ctx.lang.code())),
            selected: selected.contains(&r.code()),
        })
        .collect()
}

/// Field errors, translated, for a template.
#[derive(Debug, Default, Clone)]
pub struct Errors(pub Vec<(String, String)>);

impl Errors {
    /// Translates a validation error.
    pub fn from_validation(ctx: &Ctx, e: &ValidationError) -> Self {
        Errors(e.fields.iter().map(|f| (f.field.to_owned(), ctx.error_text(f.code))).collect())
    }

    /// The message for one field, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// Whether there is any error.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    ctx: Ctx,
    token: String,
    form: SetupForm,
    types: Vec<super::setup::Choice>,
    regions: Vec<Choice>,
    errors: Errors,
}

/// The setup form.
#[derive(Deserialize, Default, Debug)]
pub struct SetupForm {
    #[serde(default)]
    org_name: String,
    #[serde(default)]
    org_type: String,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

fn page(ctx: Ctx, token: String, form: SetupForm, errors: Errors) -> PageResult {
    let types = org_type_choices(&ctx, &form.org_type);
    let regions = region_choices(&ctx, &form.regions);
    let form = SetupForm { password: String::new(), password_confirm: String::new(), ..form };
    render(&SetupPage { ctx, token, form, types, regions, errors })
}

/// `GET /setup/{token}`.
pub async fn form(State(state): State<AppState>, ctx: Ctx, Path(token): Path<String>) -> PageResult {
    if !state.store.setup_link_valid(&token).await? {
        return Err(AppError::NotFound);
    }
    page(ctx, token, SetupForm { org_type: "youth_protection".into(), ..SetupForm::default() }, Errors::default())
}

/// Checks a new password and its confirmation, recording errors on `password`.
pub fn check_new_password(errors: &mut ValidationError, pw: &str, confirm: &str) {
    if let Err(e) = password::check_password_policy(pw) {
        errors.push("password", e.message_id());
    } else if pw != confirm {
        errors.push("password_confirm", "password-mismatch");
    }
}

/// `POST /setup/{token}`.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> PageResult {
    if !state.store.setup_link_valid(&token).await? {
        return Err(AppError::NotFound);
    }
    let org = OrgInput::parse(&form.org_name, &form.org_type, &form.regions);
    let roles = vec![Role::SystemAdmin.as_str().to_owned(), Role::OrgAdmin.as_str().to_owned()];
    let user = NewUserInput::parse(&form.username, &form.display_name, &roles, ctx.lang.code());
    let mut errors = ValidationError::default();
    if let Err(e) = &org {
        errors.fields.extend(e.fields.iter().map(|f| passerelle_core::FieldError {
            field: if f.field == "name" { "org_name" } else { f.field },
            code: f.code,
        }));
    }
    if let Err(e) = &user {
        errors.fields.extend(e.fields.iter().cloned());
    }
    check_new_password(&mut errors, &form.password, &form.password_confirm);
    let (Ok(org), Ok(user), true) = (org, user, errors.fields.is_empty()) else {
        let errors = Errors::from_validation(&ctx, &errors);
        return page(ctx, token, form, errors);
    };
    let pw = form.password.clone();
    let hash = crate::pages::hash_password(pw).await?;
    // One transaction: the link is used exactly once (even with two people submitting at the
    // same moment), and a refused name leaves the link valid for a corrected attempt.
    let done = match state.store.complete_setup(&token, &org, &user, &hash).await {
        Ok(Some(done)) => done,
        Ok(None) => return Err(AppError::NotFound),
        Err(passerelle_store::StoreError::Duplicate(field)) => {
            let field = if field == "org_name" { "org_name" } else { "username" };
            let errors = Errors::from_validation(&ctx, &ValidationError::single(field, "taken"));
            return page(ctx, token, form, errors);
        }
        Err(e) => return Err(e.into()),
    };
    let admin = state.store.user(done.admin).await?;
    audit(
        &state,
        entry(
            Some(&admin),
            "setup.complete",
            "organization",
            Some(done.org.to_string()),
            Some(done.org),
            Outcome::Success,
        ),
    )
    .await?;
    Ok(see_other("/login"))
}

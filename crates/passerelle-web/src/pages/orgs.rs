//! Organizations (system administrators).

use askama::Template;
use axum::extract::State;
use axum_extra::extract::Form;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::error::ValidationError;
use passerelle_core::org::{OrgInput, Organization};
use passerelle_core::role::Action;
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::PageResult;
use crate::pages::setup::{Choice, Errors, org_type_choices, region_choices};
use crate::pages::{audit, entry, render, require, see_other};

/// An organization as listed.
#[derive(Debug)]
pub struct OrgRow {
    /// The organization.
    pub org: Organization,
    /// Translated type.
    pub type_label: String,
    /// Region codes.
    pub regions: String,
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    ctx: Ctx,
    orgs: Vec<OrgRow>,
    types: Vec<Choice>,
    regions: Vec<Choice>,
    name: String,
    errors: Errors,
}

/// The creation form.
#[derive(Deserialize, Default)]
pub struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    org_type: String,
    #[serde(default)]
    regions: Vec<String>,
}

async fn page(state: &AppState, ctx: Ctx, form: &OrgForm, errors: Errors) -> PageResult {
    let orgs = state
        .store
        .orgs()
        .await?
        .into_iter()
        .map(|org| OrgRow {
            type_label: ctx.t(&format!("org-type-{}", org.org_type.as_str())),
            regions: org.regions.iter().map(|r| r.code()).collect::<Vec<_>>().join(", "),
            org,
        })
        .collect();
    let types = org_type_choices(&ctx, &form.org_type);
    let regions = region_choices(&ctx, &form.regions);
    render(&OrgsPage { ctx, orgs, types, regions, name: form.name.clone(), errors })
}

/// `GET /admin/organizations`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    require(&state, &who, Action::ManageOrganizations, Scope::Installation).await?;
    page(&state, ctx, &OrgForm::default(), Errors::default()).await
}

/// `POST /admin/organizations`.
pub async fn create(State(state): State<AppState>, ctx: Ctx, who: Signed, Form(form): Form<OrgForm>) -> PageResult {
    require(&state, &who, Action::ManageOrganizations, Scope::Installation).await?;
    let input = match OrgInput::parse(&form.name, &form.org_type, &form.regions) {
        Ok(i) => i,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return page(&state, ctx, &form, errors).await;
        }
    };
    let org = match state.store.create_org(&input).await {
        Ok(o) => o,
        Err(passerelle_store::StoreError::Duplicate(_)) => {
            let errors = Errors::from_validation(&ctx, &ValidationError::single("name", "taken"));
            return page(&state, ctx, &form, errors).await;
        }
        Err(e) => return Err(e.into()),
    };
    audit(
        &state,
        entry(
            Some(who.user()),
            "organization.create",
            "organization",
            Some(org.id.to_string()),
            Some(org.id),
            Outcome::Success,
        ),
    )
    .await?;
    Ok(see_other("/admin/organizations?notice=org-created"))
}

//! Law 25 duties: the public page that names the privacy officer (`/privacy`, `/en/privacy`,
//! no sign-in and no cookie, like the public awareness pages) and each organization's
//! confidentiality-incident register, kept by its privacy officer (`/privacy/incidents`).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::Form;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::incident::{CATEGORIES, IncidentForm, Risk, format_date};
use passerelle_core::privacy_contact::PrivacyContact;
use passerelle_core::role::Action;
use passerelle_store::incidents::Incident;
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use crate::pages::public::PublicCtx;
use crate::pages::setup::{Choice, Errors};
use crate::pages::{audit, entry, render, require, see_other};

// ----- the public page -----

#[derive(Template)]
#[template(path = "privacy_public.html")]
struct PublicPrivacyPage {
    p: PublicCtx,
    contact: Option<PrivacyContact>,
    switch_href: &'static str,
    home: &'static str,
}

fn render_public(state: &AppState, lang: Lang, contact: Option<PrivacyContact>) -> Response {
    let (switch_href, home) = match lang {
        Lang::Fr => ("/en/privacy", "/public"),
        Lang::En => ("/privacy", "/en/public"),
    };
    let page = PublicPrivacyPage { p: PublicCtx::new(lang, Arc::clone(&state.i18n)), contact, switch_href, home };
    if let Ok(html) = page.render() {
        (StatusCode::OK, Html(html)).into_response()
    } else {
        tracing::error!("privacy page rendering failed");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

async fn public(state: &AppState, lang: Lang) -> Response {
    match state.store.privacy_contact().await {
        Ok(contact) => render_public(state, lang, contact),
        Err(e) => {
            tracing::error!(error = %e, "privacy contact unavailable");
            // The page still says what the officer does; only the contact is missing.
            render_public(state, lang, None)
        }
    }
}

/// `GET /privacy`.
pub async fn public_fr(State(state): State<AppState>) -> Response {
    public(&state, Lang::Fr).await
}

/// `GET /en/privacy`.
pub async fn public_en(State(state): State<AppState>) -> Response {
    public(&state, Lang::En).await
}

// ----- the incident register -----

/// A line of the register.
#[derive(Debug)]
pub struct IncidentRow {
    /// Identifier.
    pub id: String,
    /// `YYYY-MM-DD`.
    pub discovered_on: String,
    /// Translated categories.
    pub categories: String,
    /// Count.
    pub people: i64,
    /// Translated assessment.
    pub risk: String,
    /// Notification state (stable name, for the class and the label).
    pub state: &'static str,
    /// Translated state.
    pub state_label: String,
    /// Whether the state needs the officer's action.
    pub attention: bool,
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<IncidentRow>,
}

#[derive(Template)]
#[template(path = "incident_form.html")]
struct FormPage {
    ctx: Ctx,
    action: String,
    form: IncidentForm,
    version: i64,
    categories: Vec<Choice>,
    risks: Vec<Choice>,
    errors: Errors,
    state: Option<String>,
    is_new: bool,
}

fn category_label(ctx: &Ctx, c: &str) -> String {
    ctx.t(&format!("incident-category-{}", c.replace('_', "-")))
}

fn row(ctx: &Ctx, i: &Incident) -> IncidentRow {
    let state = i.input.notification_state();
    IncidentRow {
        id: i.id.to_string(),
        discovered_on: format_date(i.input.discovered_on),
        categories: i.input.categories.iter().map(|c| category_label(ctx, c)).collect::<Vec<_>>().join(", "),
        people: i.input.people_affected,
        risk: ctx.t(&format!("incident-risk-{}", i.input.risk.as_str())),
        state: state.as_str(),
        state_label: ctx.t(&format!("incident-state-{}", state.as_str().replace('_', "-"))),
        attention: state.needs_action(),
    }
}

fn form_page(
    ctx: Ctx,
    action: String,
    form: IncidentForm,
    version: i64,
    errors: Errors,
    state: Option<String>,
) -> PageResult {
    let categories = CATEGORIES
        .iter()
        .map(|c| Choice {
            value: (*c).to_owned(),
            label: category_label(&ctx, c),
            selected: form.categories.iter().any(|x| x == c),
        })
        .collect();
    let current = if form.risk.is_empty() { "pending" } else { form.risk.as_str() };
    let risks = Risk::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: ctx.t(&format!("incident-risk-{}", r.as_str())),
            selected: r.as_str() == current,
        })
        .collect();
    let is_new = version == 0;
    render(&FormPage { ctx, action, form, version, categories, risks, errors, state, is_new })
}

async fn officer(state: &AppState, who: &Signed) -> Result<passerelle_core::ids::OrgId, AppError> {
    let org = who.user().org_id;
    require(state, who, Action::ManageIncidents, Scope::Org(org)).await?;
    Ok(org)
}

/// `GET /privacy/incidents`: the organization's register, most recent first.
pub async fn list(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    let org = officer(&state, &who).await?;
    let rows = state.store.incidents_of(org).await?.iter().map(|i| row(&ctx, i)).collect();
    audit(
        &state,
        entry(Some(who.user()), "incident.list", "organization", Some(org.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    render(&ListPage { ctx, rows })
}

/// `GET /privacy/incidents/new`.
pub async fn new_form(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    officer(&state, &who).await?;
    let form = IncidentForm { risk: Risk::Pending.as_str().to_owned(), ..IncidentForm::default() };
    form_page(ctx, "/privacy/incidents/new".into(), form, 0, Errors::default(), None)
}

/// `POST /privacy/incidents/new`.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Form(form): Form<IncidentForm>,
) -> PageResult {
    let org = officer(&state, &who).await?;
    let today = passerelle_core::time::today_in_quebec();
    let input = match form.parse(today) {
        Ok(i) => i,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return form_page(ctx, "/privacy/incidents/new".into(), form, 0, errors, None);
        }
    };
    let id = state.store.create_incident(org, who.user().id, &input).await?;
    audit(
        &state,
        entry(Some(who.user()), "incident.create", "incident", Some(id.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    Ok(see_other("/privacy/incidents?notice=incident-saved"))
}

/// `GET /privacy/incidents/{id}`: the entry, for reading and editing. Another organization's
/// entry does not exist here.
pub async fn edit(State(state): State<AppState>, ctx: Ctx, who: Signed, Path(id): Path<String>) -> PageResult {
    let org = officer(&state, &who).await?;
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let incident = state.store.incident(org, id).await?;
    audit(
        &state,
        entry(Some(who.user()), "incident.read", "incident", Some(id.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    let st = incident.input.notification_state();
    let label = ctx.t(&format!("incident-state-{}", st.as_str().replace('_', "-")));
    form_page(
        ctx,
        format!("/privacy/incidents/{id}"),
        IncidentForm::from_input(&incident.input),
        incident.version,
        Errors::default(),
        Some(label),
    )
}

/// The edit form: the incident form and the version read. (Spelled out: a flattened
/// structure cannot take repeated fields such as the categories.)
#[derive(Deserialize, Debug, Default)]
pub struct EditForm {
    #[serde(default)]
    occurred_on: String,
    #[serde(default)]
    discovered_on: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    people_affected: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    risk_reasons: String,
    #[serde(default)]
    cai_notified_on: String,
    #[serde(default)]
    persons_notified_on: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    version: i64,
}

impl EditForm {
    fn split(self) -> (IncidentForm, i64) {
        let form = IncidentForm {
            occurred_on: self.occurred_on,
            discovered_on: self.discovered_on,
            description: self.description,
            categories: self.categories,
            people_affected: self.people_affected,
            risk: self.risk,
            risk_reasons: self.risk_reasons,
            cai_notified_on: self.cai_notified_on,
            persons_notified_on: self.persons_notified_on,
            measures: self.measures,
        };
        (form, self.version)
    }
}

/// `POST /privacy/incidents/{id}`.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(posted): Form<EditForm>,
) -> PageResult {
    let org = officer(&state, &who).await?;
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let today = passerelle_core::time::today_in_quebec();
    let (form, version) = posted.split();
    let input = match form.parse(today) {
        Ok(i) => i,
        Err(e) => {
            // Checks the entry is the organization's before showing anything back.
            state.store.incident(org, id).await?;
            let errors = Errors::from_validation(&ctx, &e);
            return form_page(ctx, format!("/privacy/incidents/{id}"), form, version, errors, None);
        }
    };
    state.store.update_incident(id, org, version, who.user().id, &input).await?;
    audit(
        &state,
        entry(Some(who.user()), "incident.update", "incident", Some(id.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    Ok(see_other("/privacy/incidents?notice=incident-saved"))
}

/// `GET /privacy/incidents.csv`: the whole register, as the Commission may ask for it. Every
/// field goes through the formula neutraliser: the free texts are the officer's own words.
pub async fn export(State(state): State<AppState>, who: Signed) -> PageResult {
    let org = officer(&state, &who).await?;
    let incidents = state.store.incidents_of(org).await?;
    let header = [
        "id",
        "occurred_on",
        "discovered_on",
        "description",
        "categories",
        "people_affected",
        "risk_of_serious_injury",
        "risk_reasons",
        "cai_notified_on",
        "persons_notified_on",
        "notification_state",
        "measures",
        "recorded_at",
        "updated_at",
    ];
    let date = |d: Option<time::Date>| d.map(format_date).unwrap_or_default();
    let rows: Vec<Vec<String>> = incidents
        .iter()
        .map(|i| {
            let x = &i.input;
            vec![
                i.id.to_string(),
                date(x.occurred_on),
                format_date(x.discovered_on),
                x.description.clone(),
                x.categories.join(";"),
                x.people_affected.to_string(),
                x.risk.as_str().to_owned(),
                x.risk_reasons.clone(),
                date(x.cai_notified_on),
                date(x.persons_notified_on),
                x.notification_state().as_str().to_owned(),
                x.measures.clone(),
                i.recorded_at.date().to_string(),
                i.updated_at.date().to_string(),
            ]
        })
        .collect();
    let body = passerelle_stats::csv::document(&header, &rows);
    audit(
        &state,
        entry(Some(who.user()), "incident.export", "organization", Some(org.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"incident-register.csv\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

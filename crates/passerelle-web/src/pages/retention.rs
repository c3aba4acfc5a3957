//! Retention: the system administrator's periods and the privacy officer's published contact
//! (`/admin/retention`), and the legal holds supervisors place on a case (a small block of the
//! case page, posted here).

use askama::Template;
use axum::extract::{Path, State};
use axum_extra::extract::Form;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::{Scope, authorize};
use passerelle_core::privacy_contact::PrivacyContact;
use passerelle_core::retention::{HoldInput, HoldReason, MAX_MONTHS, RecordKind, RetentionRules, parse_rules};
use passerelle_core::role::Action;
use passerelle_store::cases::CaseRecord;
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::cases::load_case;
use crate::pages::setup::{Choice, Errors};
use crate::pages::{audit, entry, render, require, see_other};

/// One period of the form.
#[derive(Debug)]
pub struct RuleRow {
    /// The kind's stable name (the form field).
    pub kind: &'static str,
    /// Translated label.
    pub label: String,
    /// Translated explanation (what the period counts from).
    pub hint: String,
    /// The value shown.
    pub months: String,
    /// The smallest value allowed.
    pub min: u32,
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    ctx: Ctx,
    rules: Vec<RuleRow>,
    max: u32,
    errors: Errors,
    contact: PrivacyContact,
    contact_errors: Errors,
}

fn rule_rows(ctx: &Ctx, rules: &RetentionRules, posted: Option<&[(String, String)]>) -> Vec<RuleRow> {
    RecordKind::ALL
        .iter()
        .map(|k| RuleRow {
            kind: k.as_str(),
            label: ctx.t(&format!("retention-kind-{}", k.as_str().replace('_', "-"))),
            hint: ctx.t(&format!("retention-hint-{}", k.as_str().replace('_', "-"))),
            months: posted
                .and_then(|p| p.iter().find(|(f, _)| f == k.as_str()).map(|(_, v)| v.clone()))
                .unwrap_or_else(|| rules.months(*k).to_string()),
            min: k.minimum_months(),
        })
        .collect()
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    posted: Option<&[(String, String)]>,
    errors: Errors,
    contact: Option<PrivacyContact>,
    contact_errors: Errors,
) -> PageResult {
    let rules = state.store.retention_rules().await?;
    let contact = match contact {
        Some(c) => c,
        None => state.store.privacy_contact().await?.unwrap_or_default(),
    };
    let rules = rule_rows(&ctx, &rules, posted);
    render(&RetentionPage { ctx, rules, max: MAX_MONTHS, errors, contact, contact_errors })
}

/// `GET /admin/retention`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    require(&state, &who, Action::ManageInstallation, Scope::Installation).await?;
    page(&state, ctx, None, Errors::default(), None, Errors::default()).await
}

/// The periods form: one field per kind, named after it.
#[derive(Deserialize, Debug, Default)]
pub struct RulesForm {
    #[serde(default)]
    closed_case: String,
    #[serde(default)]
    anonymous_screening: String,
    #[serde(default)]
    draft_screening: String,
    #[serde(default)]
    incident: String,
}

/// `POST /admin/retention`: every period at once.
pub async fn save(State(state): State<AppState>, ctx: Ctx, who: Signed, Form(form): Form<RulesForm>) -> PageResult {
    require(&state, &who, Action::ManageInstallation, Scope::Installation).await?;
    let fields: Vec<(String, String)> = [
        (RecordKind::ClosedCase, form.closed_case),
        (RecordKind::AnonymousScreening, form.anonymous_screening),
        (RecordKind::DraftScreening, form.draft_screening),
        (RecordKind::Incident, form.incident),
    ]
    .into_iter()
    .map(|(k, v)| (k.as_str().to_owned(), v))
    .collect();
    let rules = match parse_rules(&fields) {
        Ok(r) => r,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return page(&state, ctx, Some(&fields), errors, None, Errors::default()).await;
        }
    };
    state.store.set_retention_rules(&rules, who.user().id).await?;
    let summary = rules.pairs().iter().map(|(k, m)| format!("{k}={m}")).collect::<Vec<_>>().join(" ");
    let mut e = entry(Some(who.user()), "retention.rules", "installation", None, None, Outcome::Success);
    e.purpose = Some(summary);
    audit(&state, e).await?;
    Ok(see_other("/admin/retention?notice=retention-saved"))
}

/// `POST /admin/privacy-contact`.
pub async fn save_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Form(form): Form<PrivacyContact>,
) -> PageResult {
    require(&state, &who, Action::ManageInstallation, Scope::Installation).await?;
    let contact = match form.parse() {
        Ok(c) => c,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return page(&state, ctx, None, Errors::default(), Some(form), errors).await;
        }
    };
    state.store.set_privacy_contact(&contact, Some(who.user().id)).await?;
    audit(&state, entry(Some(who.user()), "privacy_contact.update", "installation", None, None, Outcome::Success))
        .await?;
    Ok(see_other("/admin/retention?notice=privacy-contact-saved"))
}

// ----- legal holds on the case page -----

/// A hold as the case page lists it.
#[derive(Debug)]
pub struct HoldRow {
    /// Identifier (for the lift form).
    pub id: String,
    /// Translated reason.
    pub reason: String,
    /// File or order number.
    pub reference: String,
    /// When placed, formatted.
    pub placed: String,
    /// When lifted, formatted, if lifted.
    pub lifted: Option<String>,
}

/// The case page's hold block.
#[derive(Debug, Default)]
pub struct HoldsView {
    /// Whether the viewer may place and lift holds.
    pub can_manage: bool,
    /// Whether any hold is active.
    pub active: bool,
    /// Every hold of the case, active first.
    pub rows: Vec<HoldRow>,
    /// The reasons to choose from.
    pub reasons: Vec<Choice>,
    /// When the retention job destroyed the case, formatted.
    pub destroyed: Option<String>,
}

/// What the case page shows about holds and destruction.
pub async fn holds_view(state: &AppState, ctx: &Ctx, who: &Signed, case: &CaseRecord) -> Result<HoldsView, AppError> {
    let can_manage = authorize(&who.actor(), Action::ManageLegalHolds, Scope::Org(case.org_id)).is_ok();
    let rows: Vec<HoldRow> = state
        .store
        .holds_of(case.id)
        .await?
        .into_iter()
        .map(|h| HoldRow {
            id: h.id.to_string(),
            reason: ctx.t(&format!("hold-reason-{}", h.reason.as_str().replace('_', "-"))),
            reference: h.reference,
            placed: ctx.when(&h.placed_at),
            lifted: h.lifted_at.map(|t| ctx.when(&t)),
        })
        .collect();
    let reasons = HoldReason::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_owned(),
            label: ctx.t(&format!("hold-reason-{}", r.as_str().replace('_', "-"))),
            selected: false,
        })
        .collect();
    let destroyed = state.store.case_destroyed_at(case.id).await?.map(|t| ctx.when(&t));
    Ok(HoldsView { can_manage, active: rows.iter().any(|r| r.lifted.is_none()), rows, reasons, destroyed })
}

/// The hold form.
#[derive(Deserialize, Debug, Default)]
pub struct HoldForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    reference: String,
}

/// `POST /cases/{id}/holds`: a supervisor of the case's organization places a hold.
pub async fn place(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<HoldForm>,
) -> PageResult {
    let case = load_case(&state, &who, &id, false).await?;
    require(&state, &who, Action::ManageLegalHolds, Scope::Org(case.org_id)).await?;
    let input = HoldInput::parse(&form.reason, &form.reference).map_err(|_| AppError::BadRequest)?;
    let hold = state.store.place_hold(case.id, who.user().id, &input).await?;
    let mut e =
        entry(Some(who.user()), "hold.place", "case", Some(case.id.to_string()), Some(case.org_id), Outcome::Success);
    e.purpose = Some(format!("hold {hold}: {}", input.reason.as_str()));
    audit(&state, e).await?;
    Ok(see_other(&format!("/cases/{}#holds", case.id)))
}

/// `POST /cases/{id}/holds/{hold}/lift`.
pub async fn lift(State(state): State<AppState>, who: Signed, Path((id, hold)): Path<(String, String)>) -> PageResult {
    let case = load_case(&state, &who, &id, false).await?;
    require(&state, &who, Action::ManageLegalHolds, Scope::Org(case.org_id)).await?;
    let hold: uuid::Uuid = hold.parse().map_err(|_| AppError::NotFound)?;
    state.store.lift_hold(case.id, hold, who.user().id).await?;
    let mut e =
        entry(Some(who.user()), "hold.lift", "case", Some(case.id.to_string()), Some(case.org_id), Outcome::Success);
    e.purpose = Some(format!("hold {hold}"));
    audit(&state, e).await?;
    Ok(see_other(&format!("/cases/{}#holds", case.id)))
}

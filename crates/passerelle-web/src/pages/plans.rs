//! Case management inside a case: needs assessments in the child's words, the individual
//! service plan with supervisor approval, services delivered and follow-ups, and the lists of
//! what is due. Every page checks the case's access rule first.

use askama::Template;
use axum::extract::{Path, RawForm, State};
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::case::can_edit_case;
use passerelle_core::ids::UserId;
use passerelle_core::plan::{
    NEED_DOMAINS, NEED_LEVELS, NeedsAssessment, PlanForm, PlanStatus, SERVICE_KINDS, ServicePlan, is_date,
};
use passerelle_core::role::{Action, Role};
use passerelle_store::cases::CaseRecord;
use passerelle_store::plans::{Followup, PlanRecord};

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::cases::{case_access, case_entry, load_case};
use crate::pages::setup::{Choice, Errors};
use crate::pages::{audit, audit_denied, entry, render, require, see_other};

fn pairs_of(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).filter(|(k, _)| k != "csrf").map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn one<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

async fn audit_case(state: &AppState, who: &Signed, action: &str, case: &CaseRecord) -> Result<(), AppError> {
    audit(
        state,
        entry(Some(who.user()), action, "case", Some(case.id.to_string()), Some(case.org_id), Outcome::Success),
    )
    .await
}

// ----- needs assessment -----

/// One domain row of the assessment form.
#[derive(Debug)]
pub struct DomainView {
    /// Domain id.
    pub id: &'static str,
    /// Translated name.
    pub label: String,
    /// Levels to choose from.
    pub levels: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "case_assessment.html")]
struct AssessmentPage {
    ctx: Ctx,
    case: CaseRecord,
    domains: Vec<DomainView>,
    errors: Errors,
}

fn assessment_page(ctx: Ctx, case: CaseRecord, errors: Errors) -> PageResult {
    let domains = NEED_DOMAINS
        .iter()
        .map(|d| DomainView {
            id: d,
            label: ctx.t(&format!("need-{d}")),
            levels: NEED_LEVELS
                .iter()
                .map(|l| Choice { value: (*l).to_owned(), label: ctx.t(&format!("level-{l}")), selected: false })
                .collect(),
        })
        .collect();
    render(&AssessmentPage { ctx, case, domains, errors })
}

/// `GET /cases/{id}/assessment`.
pub async fn assessment_form(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    assessment_page(ctx, case, Errors::default())
}

/// `POST /cases/{id}/assessment`: a new assessment; earlier ones stay in the history.
pub async fn add_assessment(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let needs = match NeedsAssessment::parse(&pairs_of(&body)) {
        Ok(n) => n,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return assessment_page(ctx, case, errors);
        }
    };
    state.store.add_assessment(case.id, who.user().id, &needs).await?;
    audit_case(&state, &who, "case.assessment", &case).await?;
    Ok(see_other(&format!("/cases/{}#needs", case.id)))
}

// ----- the plan -----

#[derive(Template)]
#[template(path = "case_plan.html")]
struct PlanPage {
    ctx: Ctx,
    case: CaseRecord,
    record: Option<PlanRecord>,
    plan: ServicePlan,
    version: i64,
    status_label: String,
    can_edit: bool,
    can_approve: bool,
    approver: String,
    blank_actions: Vec<u8>,
    errors: Errors,
    conflict: bool,
}

async fn plan_page(
    state: &AppState,
    ctx: Ctx,
    who: &Signed,
    case: CaseRecord,
    draft: Option<ServicePlan>,
    errors: Errors,
    conflict: bool,
) -> PageResult {
    let record = state.store.plan(case.id).await?;
    let version = record.as_ref().map_or(0, |r| r.version);
    let plan = draft.or_else(|| record.as_ref().map(|r| r.plan.clone())).unwrap_or_default();
    let status = record.as_ref().map_or(PlanStatus::Draft, |r| r.status);
    let can_edit = can_edit_case(&who.actor(), case.org_id, case.assigned.contains(&who.user().id));
    // Four eyes: a supervisor approves a plan someone else submitted.
    let can_approve = who.user().roles.contains(&Role::Supervisor)
        && status == PlanStatus::Submitted
        && record.as_ref().and_then(|r| r.submitted_by) != Some(who.user().id);
    let approver = match record.as_ref().and_then(|r| r.approved_by) {
        Some(u) => state.store.user(u).await.map(|u| u.display_name).unwrap_or_default(),
        None => String::new(),
    };
    let page = PlanPage {
        status_label: ctx.t(&format!("plan-status-{}", status.as_str())),
        record,
        plan,
        version,
        can_edit,
        can_approve,
        approver,
        blank_actions: vec![0, 1],
        errors,
        conflict,
        case,
        ctx,
    };
    render(&page)
}

/// `GET /cases/{id}/plan`.
pub async fn plan(State(state): State<AppState>, ctx: Ctx, who: Signed, Path(id): Path<String>) -> PageResult {
    let access = case_access(&state, &who, &id).await?;
    audit(&state, case_entry(&who, "case.plan.read", &access)).await?;
    let case = access.case;
    plan_page(&state, ctx, &who, case, None, Errors::default(), false).await
}

/// `POST /cases/{id}/plan`: saves the plan (back to draft if it was approved).
pub async fn save_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let pairs = pairs_of(&body);
    let all = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let (whats, whos, dues) = (all("action_what"), all("action_who"), all("action_due"));
    let form = PlanForm {
        goals: one(&pairs, "goals").to_owned(),
        child_participated: one(&pairs, "child_participated") == "on",
        child_agreed: one(&pairs, "child_agreed") == "on",
        preferred_language: one(&pairs, "preferred_language").to_owned(),
        worker_gender: one(&pairs, "worker_gender").to_owned(),
        not_shared: one(&pairs, "not_shared").to_owned(),
        pace: one(&pairs, "pace").to_owned(),
        actions: whats
            .iter()
            .enumerate()
            .map(|(i, w)| {
                (w.clone(), whos.get(i).cloned().unwrap_or_default(), dues.get(i).cloned().unwrap_or_default())
            })
            .collect(),
        review_date: one(&pairs, "review_date").to_owned(),
    };
    let version: i64 = one(&pairs, "version").parse().map_err(|_| AppError::BadRequest)?;
    let plan = match ServicePlan::parse(&form) {
        Ok(p) => p,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return plan_page(&state, ctx, &who, case, None, errors, false).await;
        }
    };
    match state.store.save_plan(case.id, version, who.user().id, &plan).await {
        Ok(_) => {}
        Err(passerelle_store::StoreError::Conflict) => {
            // Someone saved the plan meanwhile: show their version and keep this person's text
            // in the form, so that nobody's work is lost.
            audit(
                &state,
                entry(
                    Some(who.user()),
                    "case.plan.save",
                    "case",
                    Some(case.id.to_string()),
                    Some(case.org_id),
                    Outcome::Denied,
                ),
            )
            .await?;
            return plan_page(&state, ctx, &who, case, Some(plan), Errors::default(), true).await;
        }
        Err(e) => return Err(e.into()),
    }
    audit_case(&state, &who, "case.plan.save", &case).await?;
    Ok(see_other(&format!("/cases/{}/plan", case.id)))
}

/// `POST /cases/{id}/plan/{step}`: submit (worker), approve or return (supervisor).
pub async fn plan_step(
    State(state): State<AppState>,
    who: Signed,
    Path((id, step)): Path<(String, String)>,
    RawForm(body): RawForm,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let pairs = pairs_of(&body);
    let version: i64 = one(&pairs, "version").parse().map_err(|_| AppError::BadRequest)?;
    let supervisor = who.user().roles.contains(&Role::Supervisor);
    match step.as_str() {
        "submit" => {
            state.store.submit_plan(case.id, version, who.user().id).await?;
        }
        "approve" | "return" if !supervisor => {
            audit_denied(&state, who.user(), "case.plan.approve", "case", Some(case.id.to_string())).await?;
            return Err(AppError::Forbidden);
        }
        "approve" => {
            state.store.approve_plan(case.id, version, who.user().id).await?;
        }
        "return" => {
            state.store.return_plan(case.id, version, who.user().id).await?;
        }
        _ => return Err(AppError::NotFound),
    }
    audit_case(&state, &who, &format!("case.plan.{step}"), &case).await?;
    Ok(see_other(&format!("/cases/{}/plan", case.id)))
}

// ----- services and follow-ups -----

/// `POST /cases/{id}/services`.
pub async fn add_service(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let pairs = pairs_of(&body);
    let (date, kind) = (one(&pairs, "delivered_on").trim(), one(&pairs, "kind").trim());
    let (provider, outcome) = (one(&pairs, "provider").trim(), one(&pairs, "outcome").trim());
    if !is_date(date)
        || !SERVICE_KINDS.contains(&kind)
        || provider.chars().count() > 200
        || outcome.chars().count() > 4000
    {
        return Err(AppError::BadRequest);
    }
    state.store.add_service(case.id, who.user().id, date, kind, provider, outcome).await?;
    audit_case(&state, &who, "case.service", &case).await?;
    Ok(see_other(&format!("/cases/{}#services", case.id)))
}

/// `POST /cases/{id}/followups`.
pub async fn add_followup(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let pairs = pairs_of(&body);
    let due = one(&pairs, "due_on").trim();
    let text = one(&pairs, "text").trim();
    let assigned: UserId = match one(&pairs, "assigned_to").trim() {
        "" => who.user().id,
        s => s.parse().map_err(|_| AppError::BadRequest)?,
    };
    if !is_date(due) || text.is_empty() || text.chars().count() > 2000 {
        return Err(AppError::BadRequest);
    }
    state.store.add_followup(case.id, who.user().id, assigned, due, text).await?;
    audit_case(&state, &who, "case.followup", &case).await?;
    Ok(see_other(&format!("/cases/{}#followups", case.id)))
}

/// `POST /cases/{id}/followups/{fid}/done`.
pub async fn complete_followup(
    State(state): State<AppState>,
    who: Signed,
    Path((id, fid)): Path<(String, String)>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let fid: uuid::Uuid = fid.parse().map_err(|_| AppError::NotFound)?;
    if !state.store.case_followups(case.id).await?.iter().any(|f| f.id == fid) {
        return Err(AppError::NotFound);
    }
    state.store.complete_followup(fid, who.user().id).await?;
    audit_case(&state, &who, "case.followup.done", &case).await?;
    Ok(see_other(&format!("/cases/{}#followups", case.id)))
}

#[derive(Template)]
#[template(path = "followups.html")]
struct DuePage {
    ctx: Ctx,
    today: String,
    due: Vec<Followup>,
    approvals: Vec<(passerelle_core::ids::CaseId, String, time::OffsetDateTime)>,
    supervisor: bool,
}

/// `GET /followups`: what is due and overdue (mine, or my team's for a supervisor) and, for
/// supervisors, the plans waiting for approval.
pub async fn due(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::ViewCases, Scope::Org(org)).await?;
    let supervisor = who.user().roles.contains(&Role::Supervisor);
    let today = passerelle_core::time::today_in_quebec();
    let horizon = (today + time::Duration::days(7)).to_string();
    let due =
        state.store.due_followups(org, if supervisor { None } else { Some(who.user().id) }, &horizon, 200).await?;
    let approvals = if supervisor { state.store.plans_awaiting_approval(org, 100).await? } else { Vec::new() };
    audit(
        &state,
        entry(Some(who.user()), "followup.list", "organization", Some(org.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    render(&DuePage { ctx, today: today.to_string(), due, approvals, supervisor })
}

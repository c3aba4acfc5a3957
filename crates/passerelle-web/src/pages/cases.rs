//! Children's cases: opening a case (from a screening or not), the case page with its
//! unsafe-persons warning, notes and timeline, status, assignments, and name search through
//! blind indexes. Only assigned workers and supervisors of the organization see a case.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum_extra::extract::Form;
use passerelle_core::audit::{NewAuditEntry, Outcome};
use passerelle_core::authz::Scope;
use passerelle_core::break_glass::{Grant, may_break_glass};
use passerelle_core::case::{
    CaseForm, CaseInput, CaseProfile, CaseStatus, EXPLOITATION, GENDERS, HSS_REGIONS, INDIGENOUS, STATUSES,
    TRAFFICKING_TYPES, can_edit_case, can_view_case,
};
use passerelle_core::ids::{CaseId, ScreeningId, UserId};
use passerelle_core::role::{Action, Role};
use passerelle_store::cases::{CaseEvent, CaseNote, CaseRecord, CaseSummary};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::setup::{Choice, Errors};
use crate::pages::training::require_training;
use crate::pages::{audit, audit_denied, entry, render, require, see_other};

/// Cases this user may list: all of the organization for a supervisor, else their own.
fn scope_of(who: &Signed) -> Option<UserId> {
    if who.user().roles.contains(&Role::Supervisor) { None } else { Some(who.user().id) }
}

/// Loads a case for `who`, checking the access rule (view, or edit when `edit`); refusals are
/// audited. Emergency access is not consulted here: pages that only show a case use
/// [`case_access`], so that each view under emergency access is audited with its basis.
pub async fn load_case(state: &AppState, who: &Signed, id: &str, edit: bool) -> Result<CaseRecord, AppError> {
    let id: CaseId = id.parse().map_err(|_| AppError::NotFound)?;
    let case = state.store.case(id).await?;
    let assigned = case.assigned.contains(&who.user().id);
    let actor = who.actor();
    let allowed =
        if edit { can_edit_case(&actor, case.org_id, assigned) } else { can_view_case(&actor, case.org_id, assigned) };
    if !allowed {
        audit_denied(state, who.user(), "case.denied", "case", Some(case.id.to_string())).await?;
        // Another organization's case does not exist for this user; inside the organization,
        // an unassigned worker is told plainly that access is refused, and offered emergency
        // access when the rule allows it (to read only: never to change the case).
        return Err(if case.org_id != who.user().org_id {
            AppError::NotFound
        } else if !edit && may_break_glass(&actor, case.org_id, assigned) {
            AppError::EmergencyAccessOffered(case.id)
        } else {
            AppError::Forbidden
        });
    }
    Ok(case)
}

/// A case opened for reading, and the emergency access it is read under, if any.
#[derive(Debug)]
pub struct CaseAccess {
    /// The case.
    pub case: CaseRecord,
    /// The emergency access in force, when the ordinary rule does not let `who` see it.
    pub glass: Option<Grant>,
}

/// Loads a case to show it: the ordinary rule, or else an emergency access of `who` in force
/// now. Audit each view with [`case_entry`], which names the emergency access as its basis.
pub async fn case_access(state: &AppState, who: &Signed, id: &str) -> Result<CaseAccess, AppError> {
    let case_id: CaseId = id.parse().map_err(|_| AppError::NotFound)?;
    let case = state.store.case(case_id).await?;
    let assigned = case.assigned.contains(&who.user().id);
    let actor = who.actor();
    if !can_view_case(&actor, case.org_id, assigned) && may_break_glass(&actor, case.org_id, assigned) {
        let now = passerelle_core::time::now();
        if let Some(grant) = state.store.active_break_glass(case.id, who.user().id, now).await? {
            return Ok(CaseAccess { case, glass: Some(grant) });
        }
    }
    Ok(CaseAccess { case: load_case(state, who, id, false).await?, glass: None })
}

/// The audit entry of a view of a case, with the emergency access as its purpose when there
/// is one.
pub fn case_entry(who: &Signed, action: &str, access: &CaseAccess) -> NewAuditEntry {
    let c = &access.case;
    let mut e = entry(Some(who.user()), action, "case", Some(c.id.to_string()), Some(c.org_id), Outcome::Success);
    e.purpose = access.glass.as_ref().map(|g| crate::pages::break_glass::purpose(g.id));
    e
}

// ----- list and search -----

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<CaseSummary>,
    q: String,
    can_open: bool,
}

/// `?q=` name search.
#[derive(Deserialize, Debug, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /cases[?q=name]`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, who: Signed, Query(q): Query<SearchQuery>) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::ViewCases, Scope::Org(org)).await?;
    let query = q.q.trim().chars().take(200).collect::<String>();
    let rows = if query.is_empty() {
        state.store.cases_of(org, scope_of(&who), 200).await?
    } else {
        state.store.search_cases(org, scope_of(&who), &query, 200).await?
    };
    // The search words are identifying: the trail records that a search happened, not what.
    let action = if query.is_empty() { "case.list" } else { "case.search" };
    audit(&state, entry(Some(who.user()), action, "organization", Some(org.to_string()), Some(org), Outcome::Success))
        .await?;
    let can_open = passerelle_core::role::roles_allow(&who.user().roles, Action::EditCases);
    render(&ListPage { ctx, rows, q: query, can_open })
}

// ----- open a case -----

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewPage {
    ctx: Ctx,
    screening: String,
    hss: Vec<Choice>,
    form: CaseForm,
    genders: Vec<Choice>,
    statuses: Vec<Choice>,
    indigenous: Vec<Choice>,
    regions: Vec<Choice>,
    errors: Errors,
}

fn hss_choices(selected: Option<&str>) -> Vec<Choice> {
    HSS_REGIONS
        .iter()
        .map(|(code, name)| Choice {
            value: (*code).to_owned(),
            label: format!("{code} – {name}"),
            selected: Some(*code) == selected,
        })
        .collect()
}

/// `?screening=` to open a case from a screening.
#[derive(Deserialize, Debug, Default)]
pub struct FromScreening {
    #[serde(default)]
    screening: String,
}

fn choices(ctx: &Ctx, prefix: &str, values: &[&str], selected: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice { value: (*v).to_owned(), label: ctx.t(&format!("{prefix}-{v}")), selected: *v == selected })
        .collect()
}

fn new_page(ctx: Ctx, screening: String, form: CaseForm, errors: Errors) -> PageResult {
    let genders = choices(&ctx, "gender", &GENDERS, &form.gender);
    let statuses = choices(&ctx, "immigration", &STATUSES, &form.immigration_status);
    let indigenous = choices(&ctx, "indigenous", &INDIGENOUS, &form.indigenous);
    let regions = crate::pages::setup::region_choices(&ctx, std::slice::from_ref(&form.region));
    let hss = hss_choices(None);
    render(&NewPage { ctx, screening, hss, form, genders, statuses, indigenous, regions, errors })
}

/// `GET /cases/new[?screening=id]`.
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Query(q): Query<FromScreening>,
) -> PageResult {
    require(&state, &who, Action::EditCases, Scope::Org(who.user().org_id)).await?;
    require_training(&state, &who).await?;
    new_page(ctx, q.screening, CaseForm::default(), Errors::default())
}

/// The case form plus the screening it comes from.
#[derive(Deserialize, Debug, Default)]
pub struct NewCaseForm {
    #[serde(default)]
    screening: String,
    #[serde(default)]
    hss_region: String,
    #[serde(flatten)]
    case: CaseForm,
}

/// `POST /cases/new`: opens the case, assigns the worker who opened it.
pub async fn create(State(state): State<AppState>, ctx: Ctx, who: Signed, Form(form): Form<NewCaseForm>) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::EditCases, Scope::Org(org)).await?;
    require_training(&state, &who).await?;
    let screening = match form.screening.trim() {
        "" => None,
        s => Some(s.parse::<ScreeningId>().map_err(|_| AppError::BadRequest)?),
    };
    let input = match CaseInput::parse(&form.case) {
        Ok(i) => i,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return new_page(ctx, form.screening, form.case, errors);
        }
    };
    if let Some(sid) = screening
        && state.store.screening_case(sid).await?.is_some()
    {
        return Err(AppError::Conflict);
    }
    let mut profile = match CaseProfile::parse(&form.hss_region, "", &[], false) {
        Ok(p) => p,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return new_page(ctx, form.screening, form.case, errors);
        }
    };
    let case = state.store.create_case(org, who.user().id, &input.identity, &input.stats, screening).await?;
    crate::linkage::encode_case(&state, case.id, &input.identity, &input.stats).await;
    // The type of trafficking and the forms of exploitation are proposed from the screening;
    // the worker confirms or corrects them on the case page.
    if let Some(sid) = screening {
        let result = state.store.screening(sid).await?.result;
        if let Some(r) = result.as_deref().and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok()) {
            profile.trafficking_type = r["trafficking_type"].as_str().map(str::to_owned);
            profile.exploitation = r["exploitation"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
        }
    }
    state.store.set_case_profile(case.id, Some(who.user().id), &profile).await?;
    audit(
        &state,
        entry(Some(who.user()), "case.create", "case", Some(case.id.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    Ok(see_other(&format!("/cases/{}", case.id)))
}

// ----- the case page -----

/// A timeline line, translated.
#[derive(Debug)]
pub struct EventView {
    /// When.
    pub at: time::OffsetDateTime,
    /// What, translated.
    pub what: String,
    /// Who (a colleague's name when known).
    pub who: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    ctx: Ctx,
    case: CaseRecord,
    status_label: String,
    next_statuses: Vec<Choice>,
    stats: Vec<(String, String)>,
    notes: Vec<(CaseNote, String)>,
    timeline: Vec<EventView>,
    assigned: Vec<(UserId, String)>,
    colleagues: Vec<Choice>,
    can_edit: bool,
    can_assign: bool,
    needs: Option<passerelle_store::plans::Assessment>,
    needs_count: usize,
    plan_status: Option<String>,
    services: Vec<passerelle_store::plans::ServiceRecord>,
    service_kinds: Vec<Choice>,
    followups: Vec<passerelle_store::plans::Followup>,
    team: Vec<Choice>,
    today: String,
    profile: CaseProfile,
    hss: Vec<Choice>,
    kinds: Vec<Choice>,
    forms: Vec<Choice>,
    profile_labels: (String, String),
    supervisor: bool,
    exchange: crate::pages::exchange::CaseExchange,
    glass: Option<crate::pages::break_glass::Banner>,
    /// Legal holds and destruction (see `pages::retention`; rendered by `case_holds.html`).
    holds: crate::pages::retention::HoldsView,
}

/// `GET /cases/{id}`: every view is audited.
#[allow(clippy::too_many_lines, reason = "one page, its parts loaded in order")]
pub async fn show(State(state): State<AppState>, ctx: Ctx, who: Signed, Path(id): Path<String>) -> PageResult {
    let access = case_access(&state, &who, &id).await?;
    audit(&state, case_entry(&who, "case.read", &access)).await?;
    let CaseAccess { case, glass } = access;
    let glass = glass.map(|g| crate::pages::break_glass::banner(&ctx, &g));
    let colleagues_all = state.store.users_of(case.org_id).await?;
    let name_of =
        |u: UserId| colleagues_all.iter().find(|c| c.id == u).map_or_else(|| u.to_string(), |c| c.display_name.clone());
    let notes = state
        .store
        .case_notes(case.id)
        .await?
        .into_iter()
        .map(|n| {
            let who = name_of(n.author);
            (n, who)
        })
        .collect();
    let timeline = state
        .store
        .case_timeline(case.id)
        .await?
        .into_iter()
        .map(|e: CaseEvent| EventView {
            at: e.at,
            what: ctx.t(&format!("event-{}", e.kind.replace('.', "-"))),
            who: e.actor.map(&name_of).unwrap_or_default(),
        })
        .collect();
    let assigned = case.assigned.iter().map(|u| (*u, name_of(*u))).collect();
    let colleagues = colleagues_all
        .iter()
        .filter(|c| {
            c.roles.iter().any(|r| matches!(r, Role::CaseWorker | Role::Supervisor)) && !case.assigned.contains(&c.id)
        })
        .map(|c| Choice { value: c.id.to_string(), label: c.display_name.clone(), selected: false })
        .collect();
    let actor = who.actor();
    let is_assigned = case.assigned.contains(&who.user().id);
    let can_edit = can_edit_case(&actor, case.org_id, is_assigned);
    let can_assign = who.user().roles.contains(&Role::Supervisor) && can_edit;
    let facts = stat_facts(&ctx, &case.stats);
    let is_supervisor = who.user().roles.contains(&Role::Supervisor);
    let next_statuses = next_statuses(&ctx, case.status, is_supervisor);
    let assessments = state.store.assessments(case.id).await?;
    let needs_count = assessments.len();
    let needs = assessments.into_iter().next();
    let plan_status = state.store.plan(case.id).await?.map(|p| ctx.t(&format!("plan-status-{}", p.status.as_str())));
    let services = state.store.services(case.id).await?;
    let service_kinds = passerelle_core::plan::SERVICE_KINDS
        .iter()
        .map(|k| Choice { value: (*k).to_owned(), label: ctx.t(&format!("service-{k}")), selected: false })
        .collect();
    let followups = state.store.case_followups(case.id).await?;
    let team = colleagues_all
        .iter()
        .filter(|c| c.roles.iter().any(|r| matches!(r, Role::CaseWorker | Role::Supervisor)))
        .map(|c| Choice { value: c.id.to_string(), label: c.display_name.clone(), selected: c.id == who.user().id })
        .collect();
    let profile = state.store.case_profile(case.id).await?;
    let (hss, kinds, forms, profile_labels) = profile_view(&ctx, &profile);
    let exchange = crate::pages::exchange::case_exchange(&state, &ctx, &case).await?;
    let page = CasePage {
        exchange,
        holds: crate::pages::retention::holds_view(&state, &ctx, &who, &case).await?,
        profile,
        hss,
        kinds,
        forms,
        profile_labels,
        supervisor: is_supervisor,
        glass,
        needs,
        needs_count,
        plan_status,
        services,
        service_kinds,
        followups,
        team,
        today: passerelle_core::time::today_in_quebec().to_string(),
        status_label: ctx.t(&format!("case-status-{}", case.status.as_str())),
        next_statuses,
        stats: facts,
        notes,
        timeline,
        assigned,
        colleagues,
        can_edit,
        can_assign,
        case,
        ctx,
    };
    render(&page)
}

/// The statuses a case may move to from the case page (closing is for supervisors).
fn next_statuses(ctx: &Ctx, current: CaseStatus, is_supervisor: bool) -> Vec<Choice> {
    CaseStatus::ALL
        .iter()
        .filter(|s| current.can_become(**s) && (**s != CaseStatus::Closed || is_supervisor))
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: ctx.t(&format!("case-status-{}", s.as_str())),
            selected: false,
        })
        .collect()
}

/// The profile's choices and labels for the case page.
fn profile_view(ctx: &Ctx, profile: &CaseProfile) -> (Vec<Choice>, Vec<Choice>, Vec<Choice>, (String, String)) {
    let hss = hss_choices(profile.hss_region.as_deref());
    let kinds = TRAFFICKING_TYPES
        .iter()
        .map(|k| Choice {
            value: (*k).to_owned(),
            label: ctx.t(&format!("trafficking-{k}")),
            selected: profile.trafficking_type.as_deref() == Some(*k),
        })
        .collect();
    let forms = EXPLOITATION
        .iter()
        .map(|e| Choice {
            value: (*e).to_owned(),
            label: ctx.t(&format!("exploitation-{e}")),
            selected: profile.exploitation.iter().any(|x| x == e),
        })
        .collect();
    let profile_labels = (
        profile.trafficking_type.as_deref().map(|k| ctx.t(&format!("trafficking-{k}"))).unwrap_or_default(),
        profile.exploitation.iter().map(|e| ctx.t(&format!("exploitation-{e}"))).collect::<Vec<_>>().join(", "),
    );
    (hss, kinds, forms, profile_labels)
}

/// The case's statistical attributes as translated label/value pairs.
fn stat_facts(ctx: &Ctx, stats: &passerelle_core::case::CaseStats) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    if let Some(a) = stats.age_at_identification {
        facts.push((ctx.t("case-age"), a.to_string()));
    }
    if let Some(g) = &stats.gender {
        facts.push((ctx.t("case-gender"), ctx.t(&format!("gender-{g}"))));
    }
    if let Some(s) = &stats.immigration_status {
        facts.push((ctx.t("case-immigration"), ctx.t(&format!("immigration-{s}"))));
    }
    if let Some(i) = &stats.indigenous {
        facts.push((ctx.t("case-indigenous"), ctx.t(&format!("indigenous-{i}"))));
    }
    if !stats.languages.is_empty() {
        facts.push((ctx.t("case-languages"), stats.languages.join(", ")));
    }
    if let Some(r) = stats.region {
        facts.push((ctx.t("field-regions"), format!("{} – {}", r.code(), r.name(ctx.lang.code()))));
    }
    facts
}

/// A note.
#[derive(Deserialize, Debug)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
}

/// `POST /cases/{id}/notes`.
pub async fn add_note(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let body = form.body.trim();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(AppError::BadRequest);
    }
    state.store.add_case_note(case.id, who.user().id, body).await?;
    audit(
        &state,
        entry(Some(who.user()), "case.note", "case", Some(case.id.to_string()), Some(case.org_id), Outcome::Success),
    )
    .await?;
    Ok(see_other(&format!("/cases/{}#notes", case.id)))
}

/// A status change.
#[derive(Deserialize, Debug)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: i64,
}

/// `POST /cases/{id}/status`: closing needs a reason.
pub async fn set_status(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let status: CaseStatus = form.status.parse().map_err(|_| AppError::BadRequest)?;
    let reason = form.reason.trim();
    if !case.status.can_become(status)
        || (status == CaseStatus::Closed && reason.is_empty())
        || reason.chars().count() > 2000
    {
        return Err(AppError::BadRequest);
    }
    let reason = Some(reason).filter(|r| !r.is_empty());
    state.store.set_case_status(case.id, form.version, who.user().id, status, reason).await?;
    audit(
        &state,
        entry(Some(who.user()), "case.status", "case", Some(case.id.to_string()), Some(case.org_id), Outcome::Success),
    )
    .await?;
    Ok(see_other(&format!("/cases/{}", case.id)))
}

/// An assignment.
#[derive(Deserialize, Debug)]
pub struct AssignForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    remove: String,
}

/// `POST /cases/{id}/assign`: supervisors assign or remove workers of their organization.
pub async fn assign(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    if !who.user().roles.contains(&Role::Supervisor) {
        audit_denied(&state, who.user(), "case.assign", "case", Some(case.id.to_string())).await?;
        return Err(AppError::Forbidden);
    }
    let user: UserId = form.user.parse().map_err(|_| AppError::BadRequest)?;
    let target = state.store.user(user).await?;
    if target.org_id != case.org_id {
        return Err(AppError::NotFound);
    }
    if form.remove == "1" {
        state.store.unassign_case(case.id, who.user().id, user).await?;
    } else {
        state.store.assign_case(case.id, who.user().id, user).await?;
    }
    audit(
        &state,
        entry(Some(who.user()), "case.assign", "case", Some(case.id.to_string()), Some(case.org_id), Outcome::Success),
    )
    .await?;
    Ok(see_other(&format!("/cases/{}", case.id)))
}

/// The profile form.
#[derive(Deserialize, Debug, Default)]
pub struct ProfileForm {
    #[serde(default)]
    hss_region: String,
    #[serde(default)]
    trafficking_type: String,
    #[serde(default)]
    exploitation: Vec<String>,
}

/// `POST /cases/{id}/profile`: the worker confirms (or corrects) what the screenings proposed.
pub async fn set_profile(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<ProfileForm>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let profile = CaseProfile::parse(&form.hss_region, &form.trafficking_type, &form.exploitation, true)
        .map_err(|_| AppError::BadRequest)?;
    state.store.set_case_profile(case.id, Some(who.user().id), &profile).await?;
    audit(
        &state,
        entry(Some(who.user()), "case.profile", "case", Some(case.id.to_string()), Some(case.org_id), Outcome::Success),
    )
    .await?;
    Ok(see_other(&format!("/cases/{}#profile", case.id)))
}

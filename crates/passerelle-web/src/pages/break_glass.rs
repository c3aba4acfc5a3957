//! Emergency access ("break-glass") to a case of one's own organization that one is not
//! assigned to: the form (a reason from the list and a justification), the opening (alerts to
//! the organization's administrators and privacy officers, an audit entry shown prominently),
//! the early end, and the privacy officer's review. The rule itself is
//! `passerelle_core::break_glass`; reading under a grant goes through
//! [`crate::pages::cases::case_access`], which audits each view with the grant as its basis.

use askama::Template;
use axum::extract::{Path, State};
use axum_extra::extract::Form;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::break_glass::{
    DURATION_MINUTES, Grant, JUSTIFICATION_MAX, Reason, Request, RequestForm, Review, ReviewForm, ReviewStatus,
    may_break_glass, may_review,
};
use passerelle_core::case::can_view_case;
use passerelle_core::ids::{BreakGlassId, CaseId};
use passerelle_core::role::Action;
use passerelle_store::cases::CaseRecord;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::setup::Errors;
use crate::pages::{audit, audit_denied, entry, render, require, see_other};

/// The most accesses the review page lists.
const REVIEW_LIMIT: i64 = 200;

/// The purpose recorded with every audit entry made under an emergency access; the access
/// report reads it back as the basis of the access.
pub fn purpose(id: BreakGlassId) -> String {
    format!("break_glass:{id}")
}

/// The translated name of a reason.
pub fn reason_label(ctx: &Ctx, reason: Reason) -> String {
    ctx.t(&format!("glass-reason-{}", reason.as_str()))
}

/// The banner of a case read under emergency access.
#[derive(Debug)]
pub struct Banner {
    /// The access.
    pub id: BreakGlassId,
    /// Its text: reason, end and time left.
    pub text: String,
}

/// The banner for `g`, with the minutes left rounded up (a minute left shows as one).
pub fn banner(ctx: &Ctx, g: &Grant) -> Banner {
    let left = (g.expires_at - passerelle_core::time::now()).whole_seconds().max(0);
    let minutes = (left + 59) / 60;
    let text = ctx.tn(
        "glass-banner",
        &[
            ("reason", &reason_label(ctx, g.reason)),
            ("until", &ctx.when(&g.expires_at)),
            ("minutes", &minutes.to_string()),
        ],
    );
    Banner { id: g.id, text }
}

/// One reason of the form.
#[derive(Debug)]
pub struct ReasonView {
    /// Stable name.
    pub value: &'static str,
    /// Translated name.
    pub label: String,
    /// When to choose it.
    pub help: String,
    /// Whether it is checked.
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "break_glass.html")]
struct FormPage {
    ctx: Ctx,
    case_id: CaseId,
    code: String,
    reasons: Vec<ReasonView>,
    justification: String,
    max: usize,
    minutes: i64,
    errors: Errors,
}

fn form_page(ctx: Ctx, case: &CaseRecord, form: &RequestForm, errors: Errors) -> PageResult {
    let reasons = Reason::ALL
        .iter()
        .map(|r| ReasonView {
            value: r.as_str(),
            label: reason_label(&ctx, *r),
            help: ctx.t(&format!("glass-reason-{}-help", r.as_str())),
            checked: form.reason.trim() == r.as_str(),
        })
        .collect();
    render(&FormPage {
        ctx,
        case_id: case.id,
        code: case.code.clone(),
        reasons,
        justification: form.justification.clone(),
        max: JUSTIFICATION_MAX,
        minutes: DURATION_MINUTES,
        errors,
    })
}

/// The case `who` may open by emergency access, `None` when they may already see it (or hold
/// an access in force): then the case page itself is the answer. Refusals are audited;
/// another organization's case is "not found", as everywhere.
async fn eligible(state: &AppState, who: &Signed, id: &str) -> Result<Option<CaseRecord>, AppError> {
    let id: CaseId = id.parse().map_err(|_| AppError::NotFound)?;
    let case = state.store.case(id).await?;
    let actor = who.actor();
    let assigned = case.assigned.contains(&who.user().id);
    if can_view_case(&actor, case.org_id, assigned) {
        return Ok(None);
    }
    if !may_break_glass(&actor, case.org_id, assigned) {
        audit_denied(state, who.user(), "case.break_glass", "case", Some(case.id.to_string())).await?;
        return Err(if case.org_id == who.user().org_id { AppError::Forbidden } else { AppError::NotFound });
    }
    if state.store.active_break_glass(case.id, who.user().id, passerelle_core::time::now()).await?.is_some() {
        return Ok(None);
    }
    Ok(Some(case))
}

/// `GET /cases/{id}/break-glass`: the form, with what will happen.
pub async fn form(State(state): State<AppState>, ctx: Ctx, who: Signed, Path(id): Path<String>) -> PageResult {
    match eligible(&state, &who, &id).await? {
        Some(case) => form_page(ctx, &case, &RequestForm::default(), Errors::default()),
        None => Ok(see_other(&format!("/cases/{id}"))),
    }
}

/// `POST /cases/{id}/break-glass`: opens the access and goes to the case.
pub async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<RequestForm>,
) -> PageResult {
    let Some(case) = eligible(&state, &who, &id).await? else {
        return Ok(see_other(&format!("/cases/{id}")));
    };
    let request = match Request::parse(&form) {
        Ok(r) => r,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return form_page(ctx, &case, &form, errors);
        }
    };
    let grant = state.store.open_break_glass(case.id, who.user().id, &request, passerelle_core::time::now()).await?;
    let mut e = entry(
        Some(who.user()),
        "case.break_glass",
        "case",
        Some(case.id.to_string()),
        Some(case.org_id),
        Outcome::Success,
    );
    e.purpose = Some(purpose(grant.id));
    audit(&state, e).await?;
    Ok(see_other(&format!("/cases/{}", case.id)))
}

/// `POST /cases/{id}/break-glass/end`: the person ends their access before its time.
pub async fn end(State(state): State<AppState>, who: Signed, Path(id): Path<String>) -> PageResult {
    let case_id: CaseId = id.parse().map_err(|_| AppError::NotFound)?;
    let now = passerelle_core::time::now();
    let Some(g) = state.store.active_break_glass(case_id, who.user().id, now).await? else {
        // Nothing to end. Someone whose access has just run out goes back to the list as if
        // they had ended it; for anyone else there is nothing here (the same answer as for a
        // case of another organization, or none), and the attempt is audited.
        let had = state.store.break_glass_of_case(case_id).await?.iter().any(|g| g.user_id == who.user().id);
        if had {
            return Ok(see_other("/cases"));
        }
        audit_denied(&state, who.user(), "case.break_glass.end.denied", "case", Some(case_id.to_string())).await?;
        return Err(AppError::NotFound);
    };
    state.store.end_break_glass(g.id, who.user().id, now).await?;
    let mut e = entry(
        Some(who.user()),
        "case.break_glass.end",
        "case",
        Some(case_id.to_string()),
        Some(g.org_id),
        Outcome::Success,
    );
    e.purpose = Some(purpose(g.id));
    audit(&state, e).await?;
    Ok(see_other("/cases"))
}

// ----- the privacy officer's review -----

/// One access on the review page.
#[derive(Debug)]
pub struct ReviewRow {
    /// The access.
    pub id: BreakGlassId,
    /// Who opened it.
    pub who: String,
    /// The case's code.
    pub code: String,
    /// The reason, translated.
    pub reason: String,
    /// The justification (or why it can no longer be read).
    pub justification: String,
    /// When it was opened.
    pub opened: String,
    /// When it ends or ended.
    pub expires: String,
    /// `pending`, `approved` or `flagged`.
    pub status: &'static str,
    /// The review status, translated.
    pub status_label: String,
    /// Who reviewed it and when.
    pub reviewed: Option<String>,
    /// The review note.
    pub note: Option<String>,
    /// Whether this officer may review it now (pending, and not their own).
    pub can_review: bool,
    /// Whether the officer opened it themself.
    pub own: bool,
}

#[derive(Template)]
#[template(path = "break_glass_review.html")]
struct ReviewPage {
    ctx: Ctx,
    pending: Vec<ReviewRow>,
    past: Vec<ReviewRow>,
    failed: Option<(BreakGlassId, Errors)>,
    note_max: usize,
}

async fn review_page(state: &AppState, ctx: Ctx, who: &Signed, failed: Option<(BreakGlassId, Errors)>) -> PageResult {
    let org = who.user().org_id;
    let records = state.store.break_glass_of_org(org, REVIEW_LIMIT).await?;
    let people = state.store.users_of(org).await?;
    let name = |u| people.iter().find(|p| p.id == u).map_or_else(String::new, |p| p.display_name.clone());
    let actor = who.actor();
    let (mut pending, mut past) = (Vec::new(), Vec::new());
    for r in records {
        let g = &r.grant;
        let row = ReviewRow {
            id: g.id,
            who: name(g.user_id),
            code: r.case_code.clone(),
            reason: reason_label(&ctx, g.reason),
            justification: r.justification.clone().unwrap_or_else(|| ctx.t("glass-justification-destroyed")),
            opened: ctx.when(&g.opened_at),
            expires: ctx.when(&g.expires_at),
            status: g.review.as_str(),
            status_label: ctx.t(&format!("glass-status-{}", g.review.as_str())),
            reviewed: match (r.reviewed_by, r.reviewed_at) {
                (Some(u), Some(at)) => {
                    Some(ctx.tn("glass-reviewed-by", &[("who", &name(u)), ("when", &ctx.when(&at))]))
                }
                _ => None,
            },
            note: r.review_note.clone(),
            can_review: g.review == ReviewStatus::Pending && may_review(&actor, g),
            own: g.user_id == who.user().id,
        };
        if g.review == ReviewStatus::Pending { pending.push(row) } else { past.push(row) }
    }
    // Reading the justifications is itself recorded.
    audit(
        state,
        entry(Some(who.user()), "break_glass.list", "organization", Some(org.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    render(&ReviewPage { ctx, pending, past, failed, note_max: passerelle_core::break_glass::REVIEW_NOTE_MAX })
}

/// `GET /privacy/break-glass`: the organization's emergency accesses, those to review first.
pub async fn review_list(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    require(&state, &who, Action::ViewAccessReport, Scope::Org(who.user().org_id)).await?;
    review_page(&state, ctx, &who, None).await
}

/// `POST /privacy/break-glass/{id}`: approves or flags an access, once.
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(form): Form<ReviewForm>,
) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::ViewAccessReport, Scope::Org(org)).await?;
    let id: BreakGlassId = id.parse().map_err(|_| AppError::NotFound)?;
    let grant = state.store.break_glass_grant(id).await?;
    if grant.org_id != org {
        audit_denied(&state, who.user(), "break_glass.review", "break_glass", Some(id.to_string())).await?;
        return Err(AppError::NotFound);
    }
    if !may_review(&who.actor(), &grant) {
        audit_denied(&state, who.user(), "break_glass.review", "break_glass", Some(id.to_string())).await?;
        return Err(AppError::Forbidden);
    }
    let decision = match Review::parse(&form) {
        Ok(d) => d,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return review_page(&state, ctx, &who, Some((id, errors))).await;
        }
    };
    state.store.review_break_glass(id, who.user().id, &decision, passerelle_core::time::now()).await?;
    audit(
        &state,
        entry(
            Some(who.user()),
            &format!("break_glass.{}", if decision.status == ReviewStatus::Flagged { "flag" } else { "approve" }),
            "break_glass",
            Some(id.to_string()),
            Some(org),
            Outcome::Success,
        ),
    )
    .await?;
    Ok(see_other("/privacy/break-glass?notice=break-glass-reviewed"))
}

//! Coordinators review the matcher's probable matches: is this the same child, known to two
//! organizations? They see how the encodings agree field by field and the cases' coarse
//! attributes — never a name, which the other organization has not shared — and confirm or
//! reject. Nothing is merged without them; statistics count confirmed links only.
//!
//! A coordinator (privacy officer) sees the links that involve a case of their own
//! organization; any other link does not exist for them. Every view and decision is audited
//! in both organizations.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::ids::OrgId;
use passerelle_core::role::Action;
use passerelle_linkage::{Encoding, FieldSimilarities, field_similarities, shown_probability};
use passerelle_store::StoreError;
use passerelle_store::linkage::{Link, LinkStatus};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::{audit, entry, render, require, see_other};

/// How many proposals the page lists at once.
const PAGE: i64 = 50;

/// One side of a link, as the coordinator may see it.
struct SideView {
    org: String,
    mine: bool,
    code: Option<String>,
    opened: String,
    facts: Vec<(String, String)>,
}

/// A field's agreement, in percent (`None` when missing on either side).
struct Agreement {
    label: String,
    percent: Option<u32>,
}

struct LinkView {
    id: Uuid,
    /// In percent; never "100": a proposal is never certain.
    score: String,
    a: SideView,
    b: SideView,
    agreements: Vec<Agreement>,
    decided: Option<String>,
    /// Confirmed (and so still possible to undo).
    confirmed: bool,
    /// Other proposals still open for this organization's case in this link: the matcher
    /// shows every namesake it cannot tell apart, and at most one of them is this child.
    alternatives: i64,
}

impl LinkView {
    fn sides(&self) -> [(&SideView, &'static str); 2] {
        [(&self.a, "A"), (&self.b, "B")]
    }
}

#[derive(Template)]
#[template(path = "links.html")]
struct LinksPage {
    ctx: Ctx,
    proposed: Vec<LinkView>,
    decided: Vec<LinkView>,
}

fn percent(v: Option<f64>) -> Option<u32> {
    // Dice coefficients are in [0, 1]; shown as whole percentages.
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to 0..=100")]
    v.map(|x| (x.clamp(0.0, 1.0) * 100.0).round() as u32)
}

/// A probability as a whole percentage, "< 1" and "> 99" at the ends.
fn shown_percent(p: f64) -> String {
    match percent(Some(p)).unwrap_or(0) {
        0 => "< 1".to_owned(),
        100.. => "> 99".to_owned(),
        n => n.to_string(),
    }
}

fn agreements(ctx: &Ctx, s: Option<FieldSimilarities>) -> Vec<Agreement> {
    let s = s.unwrap_or_default();
    // A swap of given name and surname shows as the crosswise agreement.
    let best = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    vec![
        Agreement { label: ctx.t("links-field-given"), percent: percent(best(s.given, s.given_surname)) },
        Agreement { label: ctx.t("links-field-surname"), percent: percent(best(s.surname, s.surname_given)) },
        Agreement { label: ctx.t("links-field-dob"), percent: percent(s.dob) },
        Agreement { label: ctx.t("links-field-sex"), percent: percent(s.sex) },
        // Equal or not, never the number or handle itself.
        Agreement {
            label: ctx.t("links-field-contact"),
            percent: s.contact.map(|shared| if shared { 100 } else { 0 }),
        },
    ]
}

async fn side(
    state: &AppState,
    ctx: &Ctx,
    mine: OrgId,
    case: passerelle_core::ids::CaseId,
) -> Result<SideView, AppError> {
    let r = state.store.stats_record(case).await?;
    let org = state.store.org(r.org()).await?;
    let is_mine = r.org() == mine;
    let mut facts = Vec::new();
    if let Some(age) = r.age_at_identification {
        facts.push((ctx.t("case-age"), age.to_string()));
    }
    if let Some(g) = &r.gender {
        facts.push((ctx.t("case-gender"), ctx.t(&format!("gender-{g}"))));
    }
    if let Some(code) = &r.region {
        let name = code
            .parse::<passerelle_core::region::Region>()
            .map_or_else(|_| code.clone(), |x| x.name(ctx.lang.code()).to_owned());
        facts.push((ctx.t("links-region"), name));
    }
    let code = if is_mine { Some(state.store.case(case).await?.code) } else { None };
    Ok(SideView { org: org.name, mine: is_mine, code, opened: ctx.when(&r.created_at), facts })
}

async fn view(state: &AppState, ctx: &Ctx, mine: OrgId, link: &Link) -> Result<LinkView, AppError> {
    let enc = |bytes: Option<Vec<u8>>| bytes.and_then(|b| Encoding::from_bytes(&b));
    let ea = enc(state.store.case_linkage(link.case_a).await?);
    let eb = enc(state.store.case_linkage(link.case_b).await?);
    let sims = ea.zip(eb).map(|(a, b)| field_similarities(&a, &b));
    let decided = link.decided.map(|(_, at)| ctx.when(&at));
    let (a, b) = (side(state, ctx, mine, link.case_a).await?, side(state, ctx, mine, link.case_b).await?);
    let alternatives = if link.decided.is_none() {
        let own = if a.mine { link.case_a } else { link.case_b };
        (state.store.open_proposals(own).await? - 1).max(0)
    } else {
        0
    };
    Ok(LinkView {
        id: link.id,
        // What proposals this strong turned out to be, not the matcher's own score, which is
        // far too sure of look-alikes.
        score: shown_percent(shown_probability(link.score)),
        a,
        b,
        agreements: agreements(ctx, sims),
        decided,
        confirmed: link.status == LinkStatus::Confirmed,
        alternatives,
    })
}

/// `GET /links`: the proposals that involve the coordinator's organization, then the latest
/// decisions.
pub async fn list(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::ReviewLinks, Scope::Org(org)).await?;
    let mut proposed = Vec::new();
    for l in state.store.links_involving(org, LinkStatus::Proposed, PAGE).await? {
        proposed.push(view(&state, &ctx, org, &l).await?);
    }
    let mut decided = Vec::new();
    for status in [LinkStatus::Confirmed, LinkStatus::Rejected] {
        for l in state.store.links_involving(org, status, 10).await? {
            decided.push(view(&state, &ctx, org, &l).await?);
        }
    }
    audit(
        &state,
        entry(Some(who.user()), "links.view", "organization", Some(org.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    render(&LinksPage { ctx, proposed, decided })
}

/// The decision posted.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    decision: String,
}

/// `POST /links/{id}`: confirm or reject a proposal that involves the coordinator's
/// organization, or undo a confirmation (the wrong look-alike was confirmed); audited in both
/// organizations.
pub async fn decide(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> Result<Response, AppError> {
    let org = who.user().org_id;
    require(&state, &who, Action::ReviewLinks, Scope::Org(org)).await?;
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    // A decision on a proposal (confirm or reject), or the undoing of a confirmation.
    let decide = match form.decision.as_str() {
        "confirm" => Some(true),
        "reject" => Some(false),
        "undo" => None,
        _ => return Err(AppError::BadRequest),
    };
    let link = state.store.link(id).await?;
    let orgs = [state.store.case_org(link.case_a).await?, state.store.case_org(link.case_b).await?];
    if !orgs.contains(&org) {
        // Another organizations' link does not exist for this coordinator.
        crate::pages::audit_denied(&state, who.user(), "permission_denied", "link", Some(id.to_string())).await?;
        return Err(AppError::NotFound);
    }
    let (action, others, notice) = if let Some(confirm) = decide {
        let decision = match state.store.decide_link(id, who.user().id, confirm).await {
            Ok(d) => d,
            Err(StoreError::Conflict) => return Err(AppError::Conflict),
            Err(StoreError::Duplicate(_)) => return Ok(see_other("/links?notice=link-taken")),
            Err(e) => return Err(e.into()),
        };
        let (action, notice) =
            if confirm { ("link.confirm", "link-confirmed") } else { ("link.reject", "link-rejected") };
        (action, decision.superseded.into_iter().map(|l| ("link.supersede", l)).collect::<Vec<_>>(), notice)
    } else {
        let undo = match state.store.undo_link(id, who.user().id).await {
            Ok(u) => u,
            Err(StoreError::Conflict) => return Err(AppError::Conflict),
            Err(e) => return Err(e.into()),
        };
        ("link.undo", undo.reopened.into_iter().map(|l| ("link.reopen", l)).collect(), "link-undone")
    };
    // The closed or reopened alternatives are between the same two organizations: both see
    // them change.
    for (action, link) in std::iter::once((action, id)).chain(others) {
        for o in orgs {
            let e = entry(Some(who.user()), action, "link", Some(link.to_string()), Some(o), Outcome::Success);
            audit(&state, e).await?;
            if orgs[0] == orgs[1] {
                break;
            }
        }
    }
    Ok(see_other(&format!("/links?notice={notice}")))
}

//! Information exchange pages: consents and legal bases on a child's case, referring the child
//! to a partner found in the directory, and the referral itself as each side sees it (the
//! receiver's answer, the shared summary, the services and the secure messages).
//!
//! Every decision is a pure rule: [`passerelle_core::consent::may_share`] before anything is
//! sent, [`passerelle_core::referral::access`] on every view of a referral (so a withdrawn or
//! lapsed consent cuts the receiver off on their next request). Handlers only gather the facts,
//! ask, audit and render. Receivers' reads are audited on the sender's case with the authority
//! as purpose (`consent:<id>` or `basis:<id>`), which is what the privacy officer's access
//! report shows as the basis.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
use passerelle_core::audit::Outcome;
use passerelle_core::case::can_view_case;
use passerelle_core::consent::{
    Authority, BasisForm, BasisInput, Category, ConsentContext, ConsentForm, ConsentInput, Decision, Form as GivenHow,
    Giver, Grant, LegalBasis, Purpose, Reason, ShareRequest, covered_categories, may_share,
};
use passerelle_core::ids::{BasisId, ConsentId, OrgId, ReferralId};
use passerelle_core::referral::{
    self, Access, Answer, AnswerForm, DeclineReason, Facts, MessageForm, ReferralForm, ReferralInput, ServiceForm,
    ServiceInput, SharedSummary, Status,
};
use passerelle_core::user::User;
use passerelle_store::StoreError;
use passerelle_store::cases::CaseRecord;
use passerelle_store::exchange::{NewReferral, ReferralRecord};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::cases::load_case;
use crate::pages::setup::{Choice, Errors};
use crate::pages::{audit, audit_denied, entry, render, see_other};

/// The audit purpose naming the authority of an exchange.
pub fn purpose_of(authority: Authority) -> String {
    match authority {
        Authority::Consent(id) => format!("consent:{id}"),
        Authority::Basis(id) => format!("basis:{id}"),
    }
}

/// Now in Québec's local time: consent dates are local calendar days.
fn local_now() -> time::OffsetDateTime {
    passerelle_core::time::in_quebec(passerelle_core::time::now())
}

fn org_name(orgs: &[passerelle_core::org::Organization], id: OrgId) -> String {
    orgs.iter().find(|o| o.id == id).map_or_else(|| id.to_string(), |o| o.name.clone())
}

fn category_choices(ctx: &Ctx, selected: &[Category], covered: Option<&[Category]>) -> Vec<Choice> {
    Category::ALL
        .iter()
        .filter(|c| covered.is_none_or(|cov| cov.contains(c)))
        .map(|c| Choice {
            value: c.as_str().to_owned(),
            label: ctx.t(&format!("category-{}", c.as_str())),
            selected: selected.contains(c),
        })
        .collect()
}

fn labels(ctx: &Ctx, prefix: &str, names: impl IntoIterator<Item = &'static str>) -> String {
    names.into_iter().map(|n| ctx.t(&format!("{prefix}-{n}"))).collect::<Vec<_>>().join(", ")
}

// ----- consents and legal bases on the case page -----

/// A consent or basis as listed on the case page.
pub struct GrantLine {
    /// `consent` or `basis`.
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// Who gave it, or the legal ground.
    pub title: String,
    /// Purposes.
    pub purposes: String,
    /// Recipients.
    pub recipients: String,
    /// Categories.
    pub categories: String,
    /// Period.
    pub period: String,
    /// In force, withdrawn, lapsed…
    pub state: String,
    /// Whether it is in force now.
    pub live: bool,
}

/// A referral as listed on the case page or in the referrals list.
pub struct ReferralLine {
    /// Its id.
    pub id: String,
    /// The other organization.
    pub org: String,
    /// Status label.
    pub status: String,
    /// Status name.
    pub status_code: &'static str,
    /// When sent.
    pub sent: String,
    /// Categories shared.
    pub categories: String,
}

/// What the case page shows of the exchange.
pub struct CaseExchange {
    /// Consents then bases.
    pub grants: Vec<GrantLine>,
    /// Referrals, newest first.
    pub referrals: Vec<ReferralLine>,
}

/// The case page's exchange section.
pub async fn case_exchange(state: &AppState, ctx: &Ctx, case: &CaseRecord) -> Result<CaseExchange, AppError> {
    let orgs = state.store.orgs().await?;
    let now = local_now();
    let mut grants = Vec::new();
    for c in state.store.consents_of(case.id).await? {
        let g = Grant::Consent(&c);
        let live = g.in_force(now);
        grants.push(GrantLine {
            kind: "consent",
            id: c.id.to_string(),
            title: ctx.t1("consent-given-by", "giver", &ctx.t(&format!("consent-giver-{}", c.giver.as_str()))),
            purposes: labels(ctx, "consent-purpose", c.purposes.iter().map(|p| p.as_str())),
            recipients: c.recipients.iter().map(|o| org_name(&orgs, *o)).collect::<Vec<_>>().join(", "),
            categories: labels(ctx, "category", c.categories.iter().map(|p| p.as_str())),
            period: format!("{} → {}", c.valid_from, c.valid_until),
            state: state_label(ctx, &live),
            live: live.is_ok(),
        });
    }
    for b in state.store.bases_of(case.id).await? {
        let g = Grant::Basis(&b);
        let live = g.in_force(now);
        grants.push(GrantLine {
            kind: "basis",
            id: b.id.to_string(),
            title: ctx.t(&format!("basis-{}", b.basis.as_str())),
            purposes: labels(ctx, "consent-purpose", [Purpose::Coordination, Purpose::Referral].map(Purpose::as_str)),
            recipients: b.recipients.iter().map(|o| org_name(&orgs, *o)).collect::<Vec<_>>().join(", "),
            categories: labels(ctx, "category", b.categories.iter().map(|p| p.as_str())),
            period: format!("{} → {}", ctx.when(&b.recorded_at), ctx.when(&b.valid_until)),
            state: state_label(ctx, &live),
            live: live.is_ok(),
        });
    }
    let referrals =
        state.store.referrals_of_case(case.id).await?.iter().map(|r| referral_line(ctx, &orgs, r, r.to_org)).collect();
    Ok(CaseExchange { grants, referrals })
}

fn state_label(ctx: &Ctx, live: &Result<(), Reason>) -> String {
    match live {
        Ok(()) => ctx.t("consent-state-live"),
        Err(r) => ctx.t(&format!("consent-{}", r.code())),
    }
}

fn referral_line(
    ctx: &Ctx,
    orgs: &[passerelle_core::org::Organization],
    r: &ReferralRecord,
    other: OrgId,
) -> ReferralLine {
    ReferralLine {
        id: r.id.to_string(),
        org: org_name(orgs, other),
        status: ctx.t(&format!("referral-status-{}", r.status.as_str())),
        status_code: r.status.as_str(),
        sent: ctx.when(&r.sent_at),
        categories: labels(ctx, "category", r.categories.iter().map(|c| c.as_str())),
    }
}

// ----- the consent form -----

#[derive(Template)]
#[template(path = "exchange_consent.html")]
struct ConsentPage {
    ctx: Ctx,
    case: CaseRecord,
    givers: Vec<Choice>,
    forms: Vec<Choice>,
    purposes: Vec<Choice>,
    recipients: Vec<Choice>,
    categories: Vec<Choice>,
    child_age: String,
    valid_from: String,
    valid_until: String,
    parent_blocked: bool,
    errors: Errors,
}

/// `?to=` preselects a recipient (coming from a referral that needs a consent).
#[derive(Debug, Default, Deserialize)]
pub struct ToQuery {
    #[serde(default)]
    to: String,
}

/// The consent form as posted (the core's form plus the DPJ's block, which the form states;
/// no `flatten`: it would lose repeated checkbox fields).
#[derive(Debug, Default, Deserialize)]
pub struct ConsentFields {
    #[serde(default)]
    giver: String,
    #[serde(default)]
    child_age: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    purposes: Vec<String>,
    #[serde(default)]
    recipients: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    parent_access_blocked: String,
}

/// The consent form with the DPJ's block.
#[derive(Debug, Default)]
pub struct ConsentPost {
    form: ConsentForm,
    parent_access_blocked: String,
}

impl From<ConsentFields> for ConsentPost {
    fn from(f: ConsentFields) -> Self {
        Self {
            form: ConsentForm {
                giver: f.giver,
                child_age: f.child_age,
                form: f.form,
                purposes: f.purposes,
                recipients: f.recipients,
                categories: f.categories,
                valid_from: f.valid_from,
                valid_until: f.valid_until,
            },
            parent_access_blocked: f.parent_access_blocked,
        }
    }
}

async fn recipient_choices(state: &AppState, own: OrgId, selected: &[String]) -> Result<Vec<Choice>, AppError> {
    let mut orgs = state.store.orgs().await?;
    orgs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(orgs
        .into_iter()
        .filter(|o| o.id != own)
        .map(|o| Choice {
            selected: selected.iter().any(|s| *s == o.id.to_string()),
            value: o.id.to_string(),
            label: o.name,
        })
        .collect())
}

fn named_choices<T: Copy + PartialEq>(
    ctx: &Ctx,
    prefix: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    selected: &[String],
) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: name(*v).to_owned(),
            label: ctx.t(&format!("{prefix}-{}", name(*v))),
            selected: selected.iter().any(|s| s == name(*v)),
        })
        .collect()
}

async fn consent_page(state: &AppState, ctx: Ctx, case: CaseRecord, post: &ConsentPost, errors: Errors) -> PageResult {
    let f = &post.form;
    let page = ConsentPage {
        givers: named_choices(&ctx, "consent-giver", Giver::ALL, Giver::as_str, std::slice::from_ref(&f.giver)),
        forms: named_choices(&ctx, "consent-form", GivenHow::ALL, GivenHow::as_str, std::slice::from_ref(&f.form)),
        purposes: named_choices(&ctx, "consent-purpose", Purpose::ALL, Purpose::as_str, &f.purposes),
        recipients: recipient_choices(state, case.org_id, &f.recipients).await?,
        categories: named_choices(&ctx, "category", Category::ALL, Category::as_str, &f.categories),
        child_age: f.child_age.clone(),
        valid_from: f.valid_from.clone(),
        valid_until: f.valid_until.clone(),
        parent_blocked: !post.parent_access_blocked.is_empty(),
        errors,
        case,
        ctx,
    };
    render(&page)
}

/// `GET /cases/{id}/consents/new[?to=org]`.
pub async fn consent_form(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Query(q): Query<ToQuery>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let today = local_now().date();
    let age = case.stats.age_at_identification.map(|a| a.to_string()).unwrap_or_default();
    let post = ConsentPost {
        form: ConsentForm {
            child_age: age,
            purposes: vec![Purpose::Referral.as_str().to_owned()],
            recipients: vec![q.to].into_iter().filter(|t| !t.is_empty()).collect(),
            valid_from: today.to_string(),
            valid_until: (today + time::Duration::days(180)).to_string(),
            ..ConsentForm::default()
        },
        parent_access_blocked: String::new(),
    };
    consent_page(&state, ctx, case, &post, Errors::default()).await
}

/// `POST /cases/{id}/consents`.
pub async fn record_consent(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(fields): Form<ConsentFields>,
) -> PageResult {
    let post = ConsentPost::from(fields);
    let case = load_case(&state, &who, &id, true).await?;
    let known: Vec<String> = state.store.orgs().await?.iter().map(|o| o.id.to_string()).collect();
    let context = ConsentContext {
        from_org: case.org_id,
        parent_access_blocked: !post.parent_access_blocked.is_empty(),
        today: local_now().date(),
    };
    let parsed = ConsentInput::parse(&post.form, &context).and_then(|input| {
        if input.recipients.iter().all(|r| known.contains(&r.to_string())) {
            Ok(input)
        } else {
            Err(passerelle_core::ValidationError::single("recipients", "unknown-value"))
        }
    });
    let input = match parsed {
        Ok(i) => i,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return consent_page(&state, ctx, case, &post, errors).await;
        }
    };
    let consent = input.into_consent(case.id, who.user().id);
    state.store.record_consent(&consent).await?;
    let mut e = entry(
        Some(who.user()),
        "consent.record",
        "case",
        Some(case.id.to_string()),
        Some(case.org_id),
        Outcome::Success,
    );
    e.purpose = Some(purpose_of(Authority::Consent(consent.id)));
    audit(&state, e).await?;
    Ok(see_other(&format!("/cases/{}#exchange", case.id)))
}

/// `POST /cases/{id}/consents/{cid}/withdraw`: effective at once.
pub async fn withdraw_consent(
    State(state): State<AppState>,
    who: Signed,
    Path((id, cid)): Path<(String, String)>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let cid: ConsentId = cid.parse().map_err(|_| AppError::NotFound)?;
    state.store.withdraw_consent(case.id, cid, who.user().id, passerelle_core::time::now()).await?;
    let mut e = entry(
        Some(who.user()),
        "consent.withdraw",
        "case",
        Some(case.id.to_string()),
        Some(case.org_id),
        Outcome::Success,
    );
    e.purpose = Some(purpose_of(Authority::Consent(cid)));
    audit(&state, e).await?;
    Ok(see_other(&format!("/cases/{}#exchange", case.id)))
}

// ----- the legal basis form -----

#[derive(Template)]
#[template(path = "exchange_basis.html")]
struct BasisPage {
    ctx: Ctx,
    case: CaseRecord,
    bases: Vec<(Choice, String)>,
    recipients: Vec<Choice>,
    categories: Vec<Choice>,
    justification: String,
    valid_until: String,
    errors: Errors,
}

async fn basis_page(state: &AppState, ctx: Ctx, case: CaseRecord, f: &BasisForm, errors: Errors) -> PageResult {
    let fr = ctx.lang.code() == "fr";
    let bases = LegalBasis::ALL
        .iter()
        .map(|b| {
            let c = Choice {
                value: b.as_str().to_owned(),
                label: ctx.t(&format!("basis-{}", b.as_str())),
                selected: f.basis == b.as_str(),
            };
            let why = if fr { b.explanation_fr() } else { b.explanation_en() };
            (c, format!("{why} ({})", b.statute()))
        })
        .collect();
    let page = BasisPage {
        bases,
        recipients: recipient_choices(state, case.org_id, &f.recipients).await?,
        categories: named_choices(&ctx, "category", Category::ALL, Category::as_str, &f.categories),
        justification: f.justification.clone(),
        valid_until: f.valid_until.clone(),
        errors,
        case,
        ctx,
    };
    render(&page)
}

/// `GET /cases/{id}/bases/new[?to=org]`.
pub async fn basis_form(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Query(q): Query<ToQuery>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let f =
        BasisForm { recipients: vec![q.to].into_iter().filter(|t| !t.is_empty()).collect(), ..BasisForm::default() };
    basis_page(&state, ctx, case, &f, Errors::default()).await
}

/// `POST /cases/{id}/bases`.
pub async fn record_basis(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(f): Form<BasisForm>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let known: Vec<String> = state.store.orgs().await?.iter().map(|o| o.id.to_string()).collect();
    let parsed = BasisInput::parse(&f, case.org_id, local_now()).and_then(|input| {
        if input.recipients.iter().all(|r| known.contains(&r.to_string())) {
            Ok(input)
        } else {
            Err(passerelle_core::ValidationError::single("recipients", "unknown-value"))
        }
    });
    let input = match parsed {
        Ok(i) => i,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return basis_page(&state, ctx, case, &f, errors).await;
        }
    };
    let record = input.into_record(case.id, who.user().id);
    state.store.record_basis(&record).await?;
    let mut e =
        entry(Some(who.user()), "basis.record", "case", Some(case.id.to_string()), Some(case.org_id), Outcome::Success);
    e.purpose = Some(purpose_of(Authority::Basis(record.id)));
    audit(&state, e).await?;
    Ok(see_other(&format!("/cases/{}#exchange", case.id)))
}

/// `POST /cases/{id}/bases/{bid}/end`.
pub async fn end_basis(
    State(state): State<AppState>,
    who: Signed,
    Path((id, bid)): Path<(String, String)>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let bid: BasisId = bid.parse().map_err(|_| AppError::NotFound)?;
    state.store.end_basis(case.id, bid, who.user().id, passerelle_core::time::now()).await?;
    let mut e =
        entry(Some(who.user()), "basis.end", "case", Some(case.id.to_string()), Some(case.org_id), Outcome::Success);
    e.purpose = Some(purpose_of(Authority::Basis(bid)));
    audit(&state, e).await?;
    Ok(see_other(&format!("/cases/{}#exchange", case.id)))
}

// ----- referring a child -----

#[derive(Template)]
#[template(path = "exchange_refer.html")]
struct ReferPage {
    ctx: Ctx,
    case: CaseRecord,
    to: OrgId,
    to_name: String,
    accepts: bool,
    categories: Vec<Choice>,
    note: String,
    covered_any: bool,
    refusal: Option<String>,
    errors: Errors,
}

async fn refer_page(
    state: &AppState,
    ctx: Ctx,
    case: CaseRecord,
    to: OrgId,
    f: &ReferralForm,
    refusal: Option<String>,
    errors: Errors,
) -> PageResult {
    let org = state.store.org(to).await?;
    let accepts = state.store.org_profile(to).await?.is_some_and(|p| p.profile.accepts_referrals);
    let request = ShareRequest {
        case: case.id,
        from_org: case.org_id,
        to_org: to,
        purpose: Purpose::Referral,
        categories: Category::ALL.to_vec(),
    };
    let consents = state.store.consents_of(case.id).await?;
    let bases = state.store.bases_of(case.id).await?;
    let covered = covered_categories(&request, &consents, &bases, local_now());
    let selected: Vec<Category> = f.categories.iter().filter_map(|c| c.parse().ok()).collect();
    let page = ReferPage {
        covered_any: !covered.is_empty(),
        categories: category_choices(&ctx, &selected, Some(&covered)),
        to,
        to_name: org.name,
        accepts,
        note: f.note.clone(),
        refusal,
        errors,
        case,
        ctx,
    };
    render(&page)
}

/// `GET /cases/{id}/refer/{org}`: what may be shared with that organization, and the form.
pub async fn refer_form(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path((id, org)): Path<(String, String)>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let to: OrgId = org.parse().map_err(|_| AppError::NotFound)?;
    if to == case.org_id {
        return Err(AppError::NotFound);
    }
    refer_page(&state, ctx, case, to, &ReferralForm::default(), None, Errors::default()).await
}

/// `POST /cases/{id}/refer/{org}`: asks the consent rules, then sends.
pub async fn refer(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path((id, org)): Path<(String, String)>,
    Form(f): Form<ReferralForm>,
) -> PageResult {
    let case = load_case(&state, &who, &id, true).await?;
    let to: OrgId = org.parse().map_err(|_| AppError::NotFound)?;
    if to == case.org_id {
        return Err(AppError::NotFound);
    }
    state.store.org(to).await?;
    let input = match ReferralInput::parse(&f) {
        Ok(i) => i,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return refer_page(&state, ctx, case, to, &f, None, errors).await;
        }
    };
    if !state.store.org_profile(to).await?.is_some_and(|p| p.profile.accepts_referrals) {
        let refusal = ctx.t("referral-not-accepting");
        return refer_page(&state, ctx, case, to, &f, Some(refusal), Errors::default()).await;
    }
    let request = ShareRequest {
        case: case.id,
        from_org: case.org_id,
        to_org: to,
        purpose: Purpose::Referral,
        categories: input.categories.clone(),
    };
    let consents = state.store.consents_of(case.id).await?;
    let bases = state.store.bases_of(case.id).await?;
    let by = match may_share(&request, &consents, &bases, local_now()) {
        Decision::Allowed { by, .. } => by,
        Decision::SameOrganization => return Err(AppError::NotFound),
        Decision::Refused(reason) => {
            let mut e = entry(
                Some(who.user()),
                "referral.refused",
                "case",
                Some(case.id.to_string()),
                Some(case.org_id),
                Outcome::Denied,
            );
            e.purpose = Some(format!("consent-{}", reason.code()));
            audit(&state, e).await?;
            let refusal = ctx.t(&format!("consent-{}", reason.code()));
            return refer_page(&state, ctx, case, to, &f, Some(refusal), Errors::default()).await;
        }
    };
    let new = NewReferral {
        case_id: case.id,
        to_org: to,
        authority: by,
        categories: &input.categories,
        note: &input.note,
        sent_by: who.user().id,
    };
    let id = match state.store.send_referral(&new).await {
        Ok(id) => id,
        Err(StoreError::Conflict) => {
            let refusal = ctx.t("referral-already-open");
            return refer_page(&state, ctx, case, to, &f, Some(refusal), Errors::default()).await;
        }
        Err(e) => return Err(e.into()),
    };
    let mut e = entry(
        Some(who.user()),
        "referral.send",
        "case",
        Some(case.id.to_string()),
        Some(case.org_id),
        Outcome::Success,
    );
    e.purpose = Some(purpose_of(by));
    audit(&state, e).await?;
    Ok(see_other(&format!("/referrals/{id}")))
}

// ----- the referrals list -----

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsPage {
    ctx: Ctx,
    received: Vec<ReferralLine>,
    sent: Vec<ReferralLine>,
}

/// Loads a referral with what decides access for `who`.
async fn access_of(state: &AppState, who: &User, r: &ReferralRecord) -> Result<(Access, Option<CaseRecord>), AppError> {
    let actor = passerelle_core::authz::Actor { user_id: who.id, org_id: who.org_id, roles: who.roles.clone() };
    let (sender_access, case) = if who.org_id == r.from_org {
        let case = state.store.case(r.case_id).await?;
        (can_view_case(&actor, case.org_id, case.assigned.contains(&who.id)), Some(case))
    } else {
        (false, None)
    };
    let grant = state.store.grant(r.authority).await?;
    let facts = Facts {
        case: r.case_id,
        from_org: r.from_org,
        to_org: r.to_org,
        status: r.status,
        accepted_by: r.accepted_by,
        categories: &r.categories,
    };
    let access = referral::access(&actor, &facts, sender_access, grant.as_ref().map(|g| g.as_grant()), local_now());
    Ok((access, case))
}

/// `GET /referrals`: what the organization received (that this person may see) and what it
/// sent (for cases this person follows).
pub async fn list(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    let user = who.user();
    if !passerelle_core::role::roles_allow(&user.roles, passerelle_core::role::Action::ViewCases) {
        audit_denied(&state, user, "referral.list.denied", "referral", None).await?;
        return Err(AppError::Forbidden);
    }
    let orgs = state.store.orgs().await?;
    let mut received = Vec::new();
    for r in state.store.referrals_to(user.org_id).await? {
        let (access, _) = access_of(&state, user, &r).await?;
        if matches!(access, Access::Header | Access::Shared(_)) {
            received.push(referral_line(&ctx, &orgs, &r, r.from_org));
        }
    }
    let mut sent = Vec::new();
    for r in state.store.referrals_from(user.org_id).await? {
        let (access, _) = access_of(&state, user, &r).await?;
        if access == Access::Sender {
            sent.push(referral_line(&ctx, &orgs, &r, r.to_org));
        }
    }
    render(&ReferralsPage { ctx, received, sent })
}

// ----- one referral -----

struct MessageView {
    who: String,
    org: String,
    at: String,
    body: String,
    mine: bool,
}

struct ServiceView {
    kind: String,
    started_on: String,
    detail: String,
    who: String,
}

#[derive(Template)]
#[template(path = "referral.html")]
struct ReferralPage {
    ctx: Ctx,
    id: String,
    version: i64,
    /// `sender` or `receiver`.
    side: &'static str,
    case_id: String,
    case_code: String,
    from: String,
    to: String,
    status: String,
    status_code: &'static str,
    sent: String,
    sent_by: String,
    decided: Option<(String, String)>,
    decline: Option<String>,
    categories: String,
    note: String,
    facts: Vec<(String, String)>,
    summary: Option<SharedSummary>,
    services: Vec<ServiceView>,
    messages: Vec<MessageView>,
    can_answer: bool,
    can_write: bool,
    /// `cancel` (sender, waiting) or `close` (accepted), when the person may end it.
    ending: Option<(&'static str, String)>,
    reasons: Vec<Choice>,
    service_kinds: Vec<Choice>,
    today: String,
    errors: Errors,
    message: String,
}

#[derive(Template)]
#[template(path = "referral_ended.html")]
struct EndedPage {
    ctx: Ctx,
    reason: String,
}

/// Loads a referral for `who` and decides access, auditing the read; refusals are audited too.
async fn open(
    state: &AppState,
    who: &Signed,
    id: &str,
) -> Result<(ReferralRecord, Access, Option<CaseRecord>), AppError> {
    let id: ReferralId = id.parse().map_err(|_| AppError::NotFound)?;
    let r = match state.store.referral(id).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let user = who.user();
    let (access, case) = access_of(state, user, &r).await?;
    let purpose = if user.org_id == r.from_org { None } else { Some(purpose_of(r.authority)) };
    let outcome = match access {
        Access::None | Access::Ended(_) => Outcome::Denied,
        _ => Outcome::Success,
    };
    let mut e = entry(Some(user), "referral.read", "case", Some(r.case_id.to_string()), Some(r.from_org), outcome);
    e.purpose = purpose;
    audit(state, e).await?;
    if access == Access::None {
        return Err(AppError::NotFound);
    }
    Ok((r, access, case))
}

fn ended(ctx: Ctx, reason: &Reason) -> PageResult {
    let reason = ctx.t(&format!("consent-{}", reason.code()));
    let mut response = render(&EndedPage { ctx, reason })?;
    *response.status_mut() = StatusCode::FORBIDDEN;
    Ok(response)
}

/// The services and messages of a referral, as shown.
async fn thread(
    state: &AppState,
    ctx: &Ctx,
    orgs: &[passerelle_core::org::Organization],
    r: &ReferralRecord,
    me: passerelle_core::ids::UserId,
) -> Result<(Vec<ServiceView>, Vec<MessageView>), AppError> {
    let name_of = |u: passerelle_core::ids::UserId| async move {
        state.store.user(u).await.map(|u| u.display_name).unwrap_or_default()
    };
    let mut services = Vec::new();
    for s in state.store.referral_services(r.id).await? {
        services.push(ServiceView {
            kind: ctx.t(&format!("service-{}", s.kind)),
            started_on: s.started_on,
            detail: s.detail,
            who: format!("{} ({})", name_of(s.author).await, org_name(orgs, s.org_id)),
        });
    }
    let mut messages = Vec::new();
    for m in state.store.referral_messages(r.id).await? {
        messages.push(MessageView {
            who: name_of(m.author).await,
            org: org_name(orgs, m.org_id),
            at: ctx.when(&m.at),
            body: m.body,
            mine: m.author == me,
        });
    }
    Ok((services, messages))
}

/// Coarse facts that let the receiver decide without knowing who the child is.
fn coarse_facts(ctx: &Ctx, stats: &passerelle_core::case::CaseStats) -> Vec<(String, String)> {
    let mut facts = Vec::new();
    if let Some(age) = stats.age_at_identification {
        facts.push((ctx.t("referral-fact-age"), age.to_string()));
    }
    if let Some(g) = &stats.gender {
        facts.push((ctx.t("referral-fact-gender"), ctx.t(&format!("gender-{g}"))));
    }
    if !stats.languages.is_empty() {
        facts.push((ctx.t("referral-fact-languages"), stats.languages.join(", ")));
    }
    if let Some(region) = stats.region {
        facts.push((ctx.t("referral-fact-region"), region.name(ctx.lang.code()).to_owned()));
    }
    facts
}

/// `GET /referrals/{id}`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, who: Signed, Path(id): Path<String>) -> PageResult {
    let (r, access, case) = open(&state, &who, &id).await?;
    if let Access::Ended(reason) = &access {
        return ended(ctx, reason);
    }
    referral_page(&state, ctx, &who, r, access, case, Errors::default(), String::new()).await
}

#[allow(clippy::too_many_arguments)]
async fn referral_page(
    state: &AppState,
    ctx: Ctx,
    who: &Signed,
    r: ReferralRecord,
    access: Access,
    case: Option<CaseRecord>,
    errors: Errors,
    message: String,
) -> PageResult {
    let orgs = state.store.orgs().await?;
    let user = who.user();
    let sender = access == Access::Sender;
    let name_of = |u: passerelle_core::ids::UserId| async move {
        state.store.user(u).await.map(|u| u.display_name).unwrap_or_default()
    };
    let source = match &case {
        Some(c) => c.clone(),
        None => state.store.case(r.case_id).await?,
    };
    let facts = coarse_facts(&ctx, &source.stats);
    let (summary, services, messages) = match &access {
        Access::Sender | Access::Shared(_) => {
            let shown: &[Category] = match &access {
                Access::Shared(c) => c,
                _ => &r.categories,
            };
            let needs = state.store.assessments(r.case_id).await?.into_iter().next().map(|a| a.needs);
            let plan = state.store.plan(r.case_id).await?.map(|p| p.plan);
            let profile = state.store.case_profile(r.case_id).await?;
            let summary =
                SharedSummary::build(shown, source.identity.as_ref(), needs.as_ref(), plan.as_ref(), &profile);
            let (services, messages) = thread(state, &ctx, &orgs, &r, user.id).await?;
            (Some(summary), services, messages)
        }
        _ => (None, Vec::new(), Vec::new()),
    };
    let decided = match (r.decided_by, r.decided_at) {
        (Some(u), Some(at)) => Some((name_of(u).await, ctx.when(&at))),
        _ => None,
    };
    let decline = r.decline_reason.map(|d| {
        let reason = ctx.t(&format!("referral-decline-{}", d.as_str()));
        match r.decline_note.as_deref() {
            Some(n) if !n.is_empty() => format!("{reason} — {n}"),
            _ => reason,
        }
    });
    let receiver = user.org_id == r.to_org;
    let page = ReferralPage {
        id: r.id.to_string(),
        version: r.version,
        side: if sender { "sender" } else { "receiver" },
        case_id: r.case_id.to_string(),
        case_code: if sender { source.code.clone() } else { String::new() },
        from: org_name(&orgs, r.from_org),
        to: org_name(&orgs, r.to_org),
        status: ctx.t(&format!("referral-status-{}", r.status.as_str())),
        status_code: r.status.as_str(),
        sent: ctx.when(&r.sent_at),
        sent_by: name_of(r.sent_by).await,
        decided,
        decline,
        categories: labels(&ctx, "category", r.categories.iter().map(|c| c.as_str())),
        note: r.note.clone().unwrap_or_default(),
        facts,
        summary,
        services,
        messages,
        can_answer: receiver && r.status == Status::Sent && access == Access::Header,
        can_write: access.may_write() && r.status == Status::Accepted,
        ending: if sender && r.status == Status::Sent {
            Some(("cancel", ctx.t("referral-cancel")))
        } else if access.may_write() && r.status == Status::Accepted {
            Some(("close", ctx.t("referral-close")))
        } else {
            None
        },
        reasons: named_choices(&ctx, "referral-decline", DeclineReason::ALL, DeclineReason::as_str, &[]),
        service_kinds: passerelle_core::plan::SERVICE_KINDS
            .iter()
            .map(|k| Choice { value: (*k).to_owned(), label: ctx.t(&format!("service-{k}")), selected: false })
            .collect(),
        today: local_now().date().to_string(),
        errors,
        message,
        ctx,
    };
    render(&page)
}

/// A versioned action on a referral.
#[derive(Debug, Default, Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: i64,
}

/// The answer as posted.
#[derive(Debug, Default, Deserialize)]
pub struct AnswerPost {
    #[serde(default)]
    version: i64,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

fn audited(who: &User, action: &str, r: &ReferralRecord) -> passerelle_core::audit::NewAuditEntry {
    let mut e = entry(Some(who), action, "case", Some(r.case_id.to_string()), Some(r.from_org), Outcome::Success);
    if who.org_id != r.from_org {
        e.purpose = Some(purpose_of(r.authority));
    }
    e
}

/// `POST /referrals/{id}/answer`: the receiver accepts or declines.
pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(f): Form<AnswerPost>,
) -> PageResult {
    let (r, access, case) = open(&state, &who, &id).await?;
    if let Access::Ended(reason) = &access {
        return ended(ctx, reason);
    }
    if who.user().org_id != r.to_org || access != Access::Header || r.status != Status::Sent {
        return Err(AppError::Forbidden);
    }
    let form = AnswerForm { answer: f.answer, reason: f.reason, note: f.note };
    let answer = match Answer::parse(&form) {
        Ok(a) => a,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return referral_page(&state, ctx, &who, r, access, case, errors, String::new()).await;
        }
    };
    state.store.answer_referral(r.id, f.version, who.user().id, &answer).await?;
    let action = if answer == Answer::Accept { "referral.accept" } else { "referral.decline" };
    audit(&state, audited(who.user(), action, &r)).await?;
    Ok(see_other(&format!("/referrals/{}", r.id)))
}

/// `POST /referrals/{id}/messages`.
pub async fn message(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(f): Form<MessageForm>,
) -> PageResult {
    let (r, access, case) = open(&state, &who, &id).await?;
    if let Access::Ended(reason) = &access {
        return ended(ctx, reason);
    }
    if !access.may_write() || r.status != Status::Accepted {
        return Err(AppError::Forbidden);
    }
    let body = match referral::parse_message(&f) {
        Ok(b) => b,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return referral_page(&state, ctx, &who, r, access, case, errors, f.body).await;
        }
    };
    state.store.add_referral_message(r.id, who.user().org_id, who.user().id, &body).await?;
    audit(&state, audited(who.user(), "message.send", &r)).await?;
    Ok(see_other(&format!("/referrals/{}#messages", r.id)))
}

/// `POST /referrals/{id}/services`: the receiver reports a service.
pub async fn service(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(f): Form<ServiceForm>,
) -> PageResult {
    let (r, access, case) = open(&state, &who, &id).await?;
    if let Access::Ended(reason) = &access {
        return ended(ctx, reason);
    }
    if !matches!(access, Access::Shared(_)) || r.status != Status::Accepted {
        return Err(AppError::Forbidden);
    }
    let input = match ServiceInput::parse(&f) {
        Ok(i) => i,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return referral_page(&state, ctx, &who, r, access, case, errors, String::new()).await;
        }
    };
    state.store.add_referral_service(r.id, who.user().org_id, who.user().id, &input).await?;
    audit(&state, audited(who.user(), "referral.service", &r)).await?;
    Ok(see_other(&format!("/referrals/{}#services", r.id)))
}

/// `POST /referrals/{id}/cancel`: the sender withdraws a referral still waiting.
pub async fn cancel(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Form(f): Form<VersionForm>,
) -> PageResult {
    let (r, access, _) = open(&state, &who, &id).await?;
    if access != Access::Sender || r.status != Status::Sent {
        return Err(AppError::Forbidden);
    }
    state.store.cancel_referral(r.id, f.version, who.user().id).await?;
    audit(&state, audited(who.user(), "referral.cancel", &r)).await?;
    Ok(see_other(&format!("/referrals/{}", r.id)))
}

/// `POST /referrals/{id}/close`: either side ends an accepted referral.
pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Form(f): Form<VersionForm>,
) -> PageResult {
    let (r, access, _) = open(&state, &who, &id).await?;
    if let Access::Ended(reason) = &access {
        return ended(ctx, reason);
    }
    if !access.may_write() || r.status != Status::Accepted {
        return Err(AppError::Forbidden);
    }
    state.store.close_referral(r.id, f.version, who.user().id).await?;
    audit(&state, audited(who.user(), "referral.close", &r)).await?;
    Ok(see_other(&format!("/referrals/{}", r.id)))
}

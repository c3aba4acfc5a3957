//! Screening in the web application: the two-stage instrument as a guided form (no
//! JavaScript), drafts that can be resumed, the result explained, and the professional's own
//! decision recorded beside it. Every path goes through the one evaluation function.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::ids::ScreeningId;
use passerelle_core::region::Region;
use passerelle_core::role::Action;
use passerelle_core::screening::{Decision, ScreeningStatus};
use passerelle_core::time::start_of_quebec_day;
use passerelle_screening as scr;
use passerelle_store::screenings::{Screening, ScreeningFilter, ScreeningSummary};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use crate::pages::setup::Choice;
use crate::pages::training::require_training;
use crate::pages::{audit, entry, render, require, see_other};

fn lang_of(ctx: &Ctx) -> scr::Lang {
    match ctx.lang {
        Lang::Fr => scr::Lang::Fr,
        Lang::En => scr::Lang::En,
    }
}

/// One answer choice, ready to render.
#[derive(Debug, Clone)]
pub struct ChoiceView {
    /// Posted value.
    pub value: &'static str,
    /// Label.
    pub label: &'static str,
    /// Help, if any.
    pub help: Option<&'static str>,
    /// Whether it is currently chosen.
    pub checked: bool,
}

/// One question, ready to render.
#[derive(Debug, Clone)]
pub struct QuestionView {
    /// Field name.
    pub name: &'static str,
    /// `yes_no`, `multi`, `single` or `age`.
    pub kind: &'static str,
    /// Question text.
    pub text: &'static str,
    /// Help text.
    pub help: &'static str,
    /// Choices (the three answers for yes/no questions).
    pub choices: Vec<ChoiceView>,
    /// Current value of an age question.
    pub value: String,
    /// Error on this question, translated.
    pub error: Option<&'static str>,
}

/// One section of stage 2.
#[derive(Debug, Clone)]
pub struct SectionView {
    /// Anchor id.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Introduction.
    pub intro: &'static str,
    /// Questions.
    pub questions: Vec<QuestionView>,
}

fn question_view(
    q: &'static scr::Question,
    lang: scr::Lang,
    pairs: &[(String, String)],
    error: Option<&scr::FormError>,
) -> QuestionView {
    let chosen = |v: &str| pairs.iter().any(|(k, val)| k == q.name && val == v);
    let choices = if q.kind == scr::QuestionKind::YesNo {
        scr::Answer::ALL
            .iter()
            .map(|a| ChoiceView { value: a.as_str(), label: a.label(lang), help: None, checked: chosen(a.as_str()) })
            .collect()
    } else {
        q.choices
            .iter()
            .map(|c| ChoiceView {
                value: c.value,
                label: c.label.get(lang),
                help: c.help.map(|h| *h.get(lang)),
                checked: chosen(c.value),
            })
            .collect()
    };
    let value = pairs.iter().find(|(k, _)| k == q.name).map(|(_, v)| v.clone()).unwrap_or_default();
    QuestionView {
        name: q.name,
        kind: q.kind.as_str(),
        text: q.text.get(lang),
        help: q.help.get(lang),
        choices,
        value,
        error: error.filter(|e| e.field == q.name).map(|e| e.message(lang)),
    }
}

fn region_choices(ctx: &Ctx, selected: Option<Region>) -> Vec<Choice> {
    Region::all()
        .map(|r| Choice {
            value: r.code(),
            label: format!("{} – {}", r.code(), r.name(ctx.lang.code())),
            selected: Some(r) == selected,
        })
        .collect()
}

/// Splits a posted form into the instrument's answers and the page's own fields.
struct Posted {
    answers: Vec<(String, String)>,
    notes: String,
    region: Option<Region>,
    version: i64,
    action: String,
}

fn split_form(body: &[u8]) -> Result<Posted, AppError> {
    let mut posted =
        Posted { answers: Vec::new(), notes: String::new(), region: None, version: 0, action: String::new() };
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "csrf" => {}
            "region" => {
                posted.region = if v.is_empty() { None } else { Some(v.parse().map_err(|_| AppError::BadRequest)?) };
            }
            "version" => posted.version = v.parse().map_err(|_| AppError::BadRequest)?,
            "action" => posted.action = v.into_owned(),
            "notes" => {
                let notes = v.trim();
                if notes.chars().count() > 4000 || notes.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
                    return Err(AppError::BadRequest);
                }
                notes.clone_into(&mut posted.notes);
            }
            _ => posted.answers.push((k.into_owned(), v.into_owned())),
        }
    }
    Ok(posted)
}

async fn load(state: &AppState, who: &Signed, id: &str) -> Result<Screening, AppError> {
    let id: ScreeningId = id.parse().map_err(|_| AppError::NotFound)?;
    let s = state.store.screening(id).await?;
    // Only the organization that made a screening may see it.
    require(state, who, Action::Screen, Scope::Org(s.org_id)).await?;
    Ok(s)
}

fn facts_of(s: &Screening) -> Result<scr::Facts, AppError> {
    scr::parse_facts_bytes(&s.facts).map_err(|_| AppError::Internal("stored facts"))
}

// ----- list -----

#[derive(Template)]
#[template(path = "screenings.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<ScreeningSummary>,
    classifications: Vec<Choice>,
    flags: Vec<Choice>,
    regions: Vec<Choice>,
    from: String,
    to: String,
}

/// Filters of the list.
#[derive(Deserialize, Default, Debug)]
pub struct ListQuery {
    #[serde(default)]
    classification: String,
    #[serde(default)]
    flag: String,
    #[serde(default)]
    region: String,
    /// First day (YYYY-MM-DD), inclusive.
    #[serde(default)]
    from: String,
    /// Last day (YYYY-MM-DD), inclusive.
    #[serde(default)]
    to: String,
}

/// A day given as `YYYY-MM-DD`, at midnight UTC.
/// A day typed in the filter, as a Québec calendar day (a professional's "today").
fn day(s: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &format).ok()
}

/// `GET /screenings`.
pub async fn list(State(state): State<AppState>, ctx: Ctx, who: Signed, Query(q): Query<ListQuery>) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::Screen, Scope::Org(org)).await?;
    let known = |v: &str, all: &[&str]| all.contains(&v).then(|| v.to_owned());
    let classes = ["indicated", "possible", "not_indicated"];
    let flags = ["immediate_danger", "report_to_youth_protection", "non_punishment", "temporary_resident_permit"];
    let region = q.region.parse::<Region>().ok();
    let filter = ScreeningFilter {
        classification: known(&q.classification, &classes),
        flag: known(&q.flag, &flags),
        region,
        since: day(&q.from).map(start_of_quebec_day),
        until: day(&q.to).and_then(time::Date::next_day).map(start_of_quebec_day),
        limit: 200,
    };
    let rows = state.store.screenings_of(org, &filter).await?;
    audit(
        &state,
        entry(Some(who.user()), "screening.list", "organization", Some(org.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    let choice = |id: &str, prefix: &str, sel: &str| Choice {
        value: id.to_owned(),
        label: ctx.t(&format!("{prefix}-{id}")),
        selected: id == sel,
    };
    let page = ListPage {
        classifications: classes.iter().map(|c| choice(c, "classification", &q.classification)).collect(),
        flags: flags.iter().map(|f| choice(f, "flag", &q.flag)).collect(),
        regions: region_choices(&ctx, region),
        from: if day(&q.from).is_some() { q.from.clone() } else { String::new() },
        to: if day(&q.to).is_some() { q.to.clone() } else { String::new() },
        rows,
        ctx,
    };
    render(&page)
}

// ----- stage 1 -----

#[derive(Template)]
#[template(path = "screening_stage1.html")]
struct Stage1Page {
    ctx: Ctx,
    intro: &'static str,
    questions: Vec<QuestionView>,
    regions: Vec<Choice>,
    error: Option<&'static str>,
}

/// `GET /screenings/new`.
pub async fn new_form(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    require(&state, &who, Action::Screen, Scope::Org(who.user().org_id)).await?;
    require_training(&state, &who).await?;
    let lang = lang_of(&ctx);
    let inst = scr::instrument();
    let questions = inst.stage1.iter().map(|q| question_view(q, lang, &[], None)).collect();
    let regions = region_choices(&ctx, None);
    render(&Stage1Page { intro: inst.stage1_intro.get(lang), questions, regions, error: None, ctx })
}

/// `POST /screenings/new`: records the short screen as a draft and goes on to stage 2.
pub async fn create(State(state): State<AppState>, ctx: Ctx, who: Signed, RawForm(body): RawForm) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::Screen, Scope::Org(org)).await?;
    require_training(&state, &who).await?;
    let posted = split_form(&body)?;
    let lang = lang_of(&ctx);
    let parsed =
        scr::stage1_outcome(&posted.answers).and_then(|o| scr::facts_from_form(&posted.answers).map(|f| (o, f)));
    let (outcome, facts) = match parsed {
        Ok(x) => x,
        Err(e) => {
            let inst = scr::instrument();
            let questions = inst.stage1.iter().map(|q| question_view(q, lang, &posted.answers, Some(&e))).collect();
            let regions = region_choices(&ctx, posted.region);
            let error = Some(e.message(lang));
            return render(&Stage1Page { intro: inst.stage1_intro.get(lang), questions, regions, error, ctx });
        }
    };
    let json = facts.to_json().to_string();
    let id = state
        .store
        .create_screening(org, who.user().id, 1, scr::INSTRUMENT_VERSION, posted.region, json.as_bytes())
        .await?;
    audit(
        &state,
        entry(Some(who.user()), "screening.create", "screening", Some(id.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    let next = match outcome {
        scr::Stage1::Continue => format!("/screenings/{id}/edit"),
        scr::Stage1::NoConcernYet => format!("/screenings/{id}/edit?stage1=clear"),
    };
    Ok(see_other(&next))
}

// ----- stage 2 -----

#[derive(Template)]
#[template(path = "screening_edit.html")]
struct EditPage {
    ctx: Ctx,
    id: ScreeningId,
    version: i64,
    intro: &'static str,
    sections: Vec<SectionView>,
    regions: Vec<Choice>,
    notes: String,
    stage1_clear: bool,
    saved: bool,
    error: Option<&'static str>,
}

/// `?stage1=clear` after a short screen without any sign; `?saved=1` after a draft save.
#[derive(Deserialize, Default, Debug)]
pub struct EditQuery {
    #[serde(default)]
    stage1: String,
    #[serde(default)]
    saved: String,
}

fn edit_page(
    ctx: Ctx,
    s: &Screening,
    pairs: &[(String, String)],
    (region, notes): (Option<Region>, &str),
    error: Option<&scr::FormError>,
    flags: (bool, bool),
) -> PageResult {
    let lang = lang_of(&ctx);
    let inst = scr::instrument();
    let sections = inst
        .stage2
        .iter()
        .map(|sec| SectionView {
            id: sec.id,
            title: sec.title.get(lang),
            intro: sec.intro.get(lang),
            questions: sec.questions.iter().map(|q| question_view(q, lang, pairs, error)).collect(),
        })
        .collect();
    let page = EditPage {
        id: s.id,
        version: s.version,
        intro: inst.stage2_intro.get(lang),
        sections,
        regions: region_choices(&ctx, region),
        notes: notes.to_owned(),
        stage1_clear: flags.0,
        saved: flags.1,
        error: error.map(|e| e.message(lang)),
        ctx,
    };
    render(&page)
}

/// `GET /screenings/{id}/edit`: the full assessment, filled with what is known so far.
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    Query(q): Query<EditQuery>,
) -> PageResult {
    let s = load(&state, &who, &id).await?;
    if s.status == ScreeningStatus::Completed {
        return Ok(see_other(&format!("/screenings/{}", s.id)));
    }
    require_training(&state, &who).await?;
    let pairs = scr::form_from_facts(&facts_of(&s)?);
    audit(
        &state,
        entry(
            Some(who.user()),
            "screening.read",
            "screening",
            Some(s.id.to_string()),
            Some(s.org_id),
            Outcome::Success,
        ),
    )
    .await?;
    edit_page(ctx, &s, &pairs, (s.region, &s.notes), None, (q.stage1 == "clear", q.saved == "1"))
}

/// `POST /screenings/{id}/edit`: saves the draft, or evaluates and freezes it.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> PageResult {
    let s = load(&state, &who, &id).await?;
    require_training(&state, &who).await?;
    let posted = split_form(&body)?;
    let facts = match scr::facts_from_form(&posted.answers) {
        Ok(f) => f,
        Err(e) => return edit_page(ctx, &s, &posted.answers, (posted.region, &posted.notes), Some(&e), (false, false)),
    };
    let json = facts.to_json().to_string();
    let audit_id = Some(s.id.to_string());
    if posted.action == "evaluate" {
        // The one evaluation function, the same as the command line and the API.
        let result = scr::evaluate(&facts);
        let result_json = result.to_json();
        let classification = result.classification.as_str().to_owned();
        let flags: Vec<String> = result.flags.iter().map(|f| f.as_str().to_owned()).collect();
        state
            .store
            .complete_screening(
                s.id,
                posted.version,
                posted.region,
                json.as_bytes(),
                &posted.notes,
                result_json.to_string().as_bytes(),
                &classification,
                &flags,
            )
            .await?;
        audit(
            &state,
            entry(Some(who.user()), "screening.evaluate", "screening", audit_id, Some(s.org_id), Outcome::Success),
        )
        .await?;
        Ok(see_other(&format!("/screenings/{}", s.id)))
    } else {
        state
            .store
            .save_screening_draft(s.id, posted.version, 2, posted.region, json.as_bytes(), &posted.notes)
            .await?;
        audit(
            &state,
            entry(Some(who.user()), "screening.update", "screening", audit_id, Some(s.org_id), Outcome::Success),
        )
        .await?;
        Ok(see_other(&format!("/screenings/{}/edit?saved=1", s.id)))
    }
}

// ----- result -----

/// A legal provision with its plain-language explanation.
#[derive(Debug, Clone)]
pub struct LegalView {
    /// The reference, e.g. `CC 279.011`.
    pub reference: String,
    /// The explanation.
    pub text: String,
    /// Its section in the legal reference.
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "screening_result.html")]
#[expect(clippy::struct_excessive_bools, reason = "the result's yes/no elements, shown as such")]
struct ResultPage {
    ctx: Ctx,
    s: Screening,
    print: bool,
    classification: String,
    classification_label: String,
    minor: bool,
    act: bool,
    means: bool,
    purpose: bool,
    explanation: String,
    flags: Vec<String>,
    next_steps: Vec<String>,
    legal: Vec<LegalView>,
    decisions: Vec<Choice>,
    decision_label: Option<String>,
    region_label: Option<String>,
    can_open_case: bool,
    case_id: Option<passerelle_core::ids::CaseId>,
}

/// The Fluent id of a legal provision's explanation: `CC 279.02(2)` → `legal-cc-279-02-2`.
pub fn legal_id(reference: &str) -> String {
    let mut id = String::from("legal-");
    let mut dash = false;
    for c in reference.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash && !id.ends_with('-') {
            id.push('-');
            dash = true;
        }
    }
    id.trim_end_matches('-').to_owned()
}

async fn result_page(state: &AppState, ctx: Ctx, who: &Signed, id: &str, print: bool) -> PageResult {
    let s = load(state, who, id).await?;
    if s.status == ScreeningStatus::Draft {
        return Ok(see_other(&format!("/screenings/{}/edit", s.id)));
    }
    let r: serde_json::Value =
        s.result.as_deref().and_then(|b| serde_json::from_slice(b).ok()).ok_or(AppError::Internal("stored result"))?;
    audit(
        state,
        entry(
            Some(who.user()),
            if print { "screening.print" } else { "screening.read" },
            "screening",
            Some(s.id.to_string()),
            Some(s.org_id),
            Outcome::Success,
        ),
    )
    .await?;
    let code = ctx.lang.code();
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()).unwrap_or_default()
    };
    let classification = r["classification"].as_str().unwrap_or("not_indicated").to_owned();
    let legal = strings(&r["legal_basis"])
        .into_iter()
        .map(|reference| LegalView {
            text: ctx.t(&legal_id(&reference)),
            href: crate::pages::legal::legal_anchor(&reference),
            reference,
        })
        .collect();
    let case_id = state.store.screening_case(s.id).await?;
    let can_open_case = passerelle_core::role::roles_allow(&who.user().roles, Action::EditCases);
    let decisions = Decision::ALL
        .iter()
        .map(|d| Choice {
            value: d.as_str().to_owned(),
            label: ctx.t(&format!("decision-{}", d.as_str())),
            selected: s.decision == Some(*d),
        })
        .collect();
    let page = ResultPage {
        classification_label: ctx.t(&format!("classification-{classification}")),
        classification,
        minor: r["minor"].as_bool().unwrap_or(false),
        act: r["elements"]["act"].as_bool().unwrap_or(false),
        means: r["elements"]["means"].as_bool().unwrap_or(false),
        purpose: r["elements"]["purpose"].as_bool().unwrap_or(false),
        explanation: r["explanation"][code].as_str().unwrap_or_default().to_owned(),
        flags: strings(&r["flags"]).iter().map(|f| ctx.t(&format!("flag-{f}"))).collect(),
        next_steps: strings(&r["next_steps"][code]),
        legal,
        decisions,
        decision_label: s.decision.map(|d| ctx.t(&format!("decision-{}", d.as_str()))),
        region_label: s.region.map(|r| format!("{} – {}", r.code(), r.name(code))),
        can_open_case,
        case_id,
        print,
        s,
        ctx,
    };
    render(&page)
}

/// `GET /screenings/{id}`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, who: Signed, Path(id): Path<String>) -> PageResult {
    result_page(&state, ctx, &who, &id, false).await
}

/// `GET /screenings/{id}/print`: a summary without identity, for paper.
pub async fn print(State(state): State<AppState>, ctx: Ctx, who: Signed, Path(id): Path<String>) -> PageResult {
    result_page(&state, ctx, &who, &id, true).await
}

/// The decision form.
#[derive(Deserialize, Debug)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: i64,
}

/// `POST /screenings/{id}/decision`: the professional's own decision, with a reason.
pub async fn decide(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> PageResult {
    let s = load(&state, &who, &id).await?;
    let decision: Decision = form.decision.parse().map_err(|_| AppError::BadRequest)?;
    let reason = form.reason.trim();
    if reason.chars().count() > 2000 || reason.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err(AppError::BadRequest);
    }
    state.store.record_screening_decision(s.id, form.version, who.user().id, decision, reason).await?;
    audit(
        &state,
        entry(
            Some(who.user()),
            "screening.decision",
            "screening",
            Some(s.id.to_string()),
            Some(s.org_id),
            Outcome::Success,
        ),
    )
    .await?;
    Ok(see_other(&format!("/screenings/{}?notice=decision-recorded", s.id)))
}

#[cfg(test)]
mod tests {
    use super::legal_id;

    #[test]
    fn legal_ids() {
        assert_eq!(legal_id("CC 279.011"), "legal-cc-279-011");
        assert_eq!(legal_id("CC 279.02(2)"), "legal-cc-279-02-2");
        assert_eq!(legal_id("IRPA 118"), "legal-irpa-118");
    }

    /// Every provision the evaluation can cite has its explanation in both languages.
    #[test]
    fn every_legal_basis_is_explained() {
        let i18n = crate::I18n::load().unwrap_or_else(|e| panic!("{e}"));
        for basis in passerelle_screening::LegalBasis::ALL {
            for lang in crate::Lang::ALL {
                assert!(i18n.has(lang, &legal_id(basis.as_str())), "{} {lang:?}", basis.as_str());
            }
        }
    }
}

//! Training pages: the catalogue with each person's progress, a module (lessons, then the
//! quiz), the graded result with every answer explained, and for administrators and trainers
//! the organization's completion and the modules it requires before screening or opening
//! cases. The rules are in [`crate::training`]; this module parses, calls and renders.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::role::{Action, Role, role_allows};
use passerelle_core::user::{User, UserStatus};
use passerelle_store::training::{Completion, NewAttempt, Requirement};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use crate::pages::legal::{self, BlockView, SectionView};
use crate::pages::{audit, entry, render, require, see_other};
use crate::training::{self, Catalogue, GradeError, Module};

/// The roles whose work a requirement can gate: those that screen or open cases.
pub fn gated_roles() -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| role_allows(*r, Action::Screen) || role_allows(*r, Action::EditCases)).collect()
}

/// The required modules `user` has not completed at their current version.
pub async fn missing_for(state: &AppState, user: &User) -> Result<Vec<&'static Module>, AppError> {
    let required = state.store.required_modules(user.org_id, &user.roles).await?;
    if required.is_empty() {
        return Ok(Vec::new());
    }
    let cat = training::catalogue()?;
    let done: Vec<(String, u32)> =
        state.store.completions_of(user.id).await?.into_iter().map(|c| (c.module_id, c.version)).collect();
    Ok(training::missing(cat, &required, &done))
}

/// Refuses to start screening or open a case while required modules are missing: the person
/// is sent to the catalogue, which says which ones. The refusal is audited.
pub async fn require_training(state: &AppState, who: &Signed) -> Result<(), AppError> {
    if missing_for(state, who.user()).await?.is_empty() {
        return Ok(());
    }
    crate::pages::audit_denied(state, who.user(), "training_required", "training", None).await?;
    Err(AppError::TrainingRequired)
}

fn completion_for<'a>(done: &'a [Completion], m: &Module) -> Option<&'a Completion> {
    done.iter().filter(|c| c.module_id == m.id && c.version == m.version).min_by_key(|c| c.at)
}

// ----- catalogue -----

struct ModuleRow {
    id: String,
    title: String,
    summary: String,
    minutes: String,
    required: bool,
    /// The date passed, at the current version.
    done: Option<String>,
    /// Passed an older version only: to take again.
    outdated: bool,
    /// Attempted and not passed yet.
    failed: bool,
}

#[derive(Template)]
#[template(path = "training_index.html")]
struct IndexPage {
    ctx: Ctx,
    rows: Vec<ModuleRow>,
    blocked: bool,
    missing: Vec<String>,
    manage: bool,
}

/// `?required=1` when a required module sent the person here.
#[derive(Debug, Deserialize)]
pub struct IndexQuery {
    #[serde(default)]
    required: Option<String>,
}

/// `GET /training`: every module with the person's progress.
pub async fn index(State(state): State<AppState>, ctx: Ctx, who: Signed, Query(q): Query<IndexQuery>) -> PageResult {
    let cat = training::catalogue()?;
    let user = who.user();
    let lang = ctx.lang;
    let done = state.store.completions_of(user.id).await?;
    let attempts = state.store.attempts_of(user.id).await?;
    let required = state.store.required_modules(user.org_id, &user.roles).await?;
    let rows: Vec<ModuleRow> = cat
        .modules
        .iter()
        .map(|m| {
            let current = completion_for(&done, m);
            ModuleRow {
                id: m.id.clone(),
                title: m.title.get(lang).clone(),
                summary: m.summary.get(lang).clone(),
                minutes: m.minutes.to_string(),
                required: required.contains(&m.id),
                done: current.map(|c| ctx.when(&c.at)),
                outdated: current.is_none() && done.iter().any(|c| c.module_id == m.id),
                failed: current.is_none()
                    && attempts.iter().any(|a| a.module_id == m.id && i64::from(m.version) == a.module_version),
            }
        })
        .collect();
    let missing: Vec<String> =
        rows.iter().filter(|r| r.required && r.done.is_none()).map(|r| r.title.clone()).collect();
    let blocked = q.required.is_some() && !missing.is_empty();
    let manage = ctx.can(Action::ManageTraining);
    render(&IndexPage { ctx, rows, blocked, missing, manage })
}

// ----- a module and its quiz -----

struct ChoiceView {
    index: usize,
    text: String,
    checked: bool,
    correct: bool,
}

struct QuestionView {
    id: String,
    number: usize,
    text: String,
    multiple: bool,
    choices: Vec<ChoiceView>,
    unanswered: bool,
    right: bool,
    explain: String,
}

#[derive(Template)]
#[template(path = "training_module.html")]
struct ModulePage {
    ctx: Ctx,
    id: String,
    title: String,
    summary: String,
    minutes: String,
    pass: String,
    version: String,
    lessons: Vec<SectionView>,
    see_label: String,
    questions: Vec<QuestionView>,
    error: bool,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "training_result.html")]
struct ResultPage {
    ctx: Ctx,
    id: String,
    title: String,
    passed: bool,
    score: String,
    pass: String,
    questions: Vec<QuestionView>,
    next: Option<(String, String)>,
}

fn module_of(id: &str) -> Result<(&'static Catalogue, &'static Module), AppError> {
    let cat = training::catalogue()?;
    let m = cat.module(id).ok_or(AppError::NotFound)?;
    Ok((cat, m))
}

fn question_views(m: &Module, lang: Lang, chosen: &[(String, String)], unanswered: &[String]) -> Vec<QuestionView> {
    m.questions
        .iter()
        .enumerate()
        .map(|(n, q)| {
            let picked = |i: usize| chosen.iter().any(|(k, v)| *k == q.id && *v == i.to_string());
            let choices: Vec<ChoiceView> = q
                .choices
                .iter()
                .enumerate()
                .map(|(i, c)| ChoiceView {
                    index: i,
                    text: c.text.get(lang).clone(),
                    checked: picked(i),
                    correct: c.correct,
                })
                .collect();
            let right = choices.iter().all(|c| c.checked == c.correct);
            QuestionView {
                id: q.id.clone(),
                number: n + 1,
                text: q.text.get(lang).clone(),
                multiple: q.multiple(),
                choices,
                unanswered: unanswered.contains(&q.id),
                right,
                explain: q.explain.get(lang).clone(),
            }
        })
        .collect()
}

fn lesson_views(m: &Module, lang: Lang) -> Result<Vec<SectionView>, AppError> {
    let lib = legal::library()?;
    let href = |p: &legal::Page, s: Option<&legal::Section>| match s {
        Some(s) => format!("{}/{}#{}", legal::BASE, p.id, s.id),
        None => format!("{}/{}", legal::BASE, p.id),
    };
    Ok(legal::sections_view(lib, &m.as_page(), lang, "", &href))
}

async fn module_page(
    state: &AppState,
    ctx: Ctx,
    who: &Signed,
    m: &Module,
    chosen: &[(String, String)],
    unanswered: &[String],
) -> PageResult {
    let lang = ctx.lang;
    let done = state.store.completions_of(who.user().id).await?;
    let view = ModulePage {
        id: m.id.clone(),
        title: m.title.get(lang).clone(),
        summary: m.summary.get(lang).clone(),
        minutes: m.minutes.to_string(),
        pass: m.pass.to_string(),
        version: m.version.to_string(),
        lessons: lesson_views(m, lang)?,
        see_label: ctx.t("lref-see-also"),
        questions: question_views(m, lang, chosen, unanswered),
        error: !unanswered.is_empty(),
        done: completion_for(&done, m).map(|c| ctx.when(&c.at)),
        ctx,
    };
    render(&view)
}

/// `GET /training/{module}`: the lessons, then the quiz.
pub async fn show(State(state): State<AppState>, ctx: Ctx, who: Signed, Path(id): Path<String>) -> PageResult {
    let (_, m) = module_of(&id)?;
    module_page(&state, ctx, &who, m, &[], &[]).await
}

/// `POST /training/{module}`: grades the quiz, records the attempt, and shows every answer
/// with its explanation. Unanswered questions bring the form back with the answers kept.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Path(id): Path<String>,
    RawForm(body): RawForm,
) -> PageResult {
    let (cat, m) = module_of(&id)?;
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let grade = match training::grade(m, &pairs, &["csrf"]) {
        Ok(g) => g,
        Err(GradeError::Unanswered(ids)) => return module_page(&state, ctx, &who, m, &pairs, &ids).await,
        Err(GradeError::Malformed) => return Err(AppError::BadRequest),
    };
    let user = who.user();
    state
        .store
        .record_attempt(&NewAttempt {
            user: user.id,
            org: user.org_id,
            module_id: &m.id,
            version: m.version,
            lang: ctx.lang.code(),
            correct: grade.correct,
            total: grade.total,
            passed: grade.passed,
        })
        .await?;
    let outcome = if grade.passed { Outcome::Success } else { Outcome::Failure };
    audit(
        &state,
        entry(Some(user), "training.attempt", "training_module", Some(m.id.clone()), Some(user.org_id), outcome),
    )
    .await?;
    let lang = ctx.lang;
    let next = cat
        .modules
        .iter()
        .skip_while(|x| x.id != m.id)
        .nth(1)
        .map(|n| (format!("/training/{}", n.id), n.title.get(lang).clone()));
    let view = ResultPage {
        id: m.id.clone(),
        title: m.title.get(lang).clone(),
        passed: grade.passed,
        score: grade.percent().to_string(),
        pass: m.pass.to_string(),
        questions: question_views(m, lang, &pairs, &[]),
        next,
        ctx,
    };
    render(&view)
}

// ----- completion across the organization, and requirements -----

struct PersonRow {
    name: String,
    roles: String,
    cells: Vec<Option<String>>,
}

struct RequirementRow {
    role: &'static str,
    label: String,
    cells: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "training_completion.html")]
struct CompletionPage {
    ctx: Ctx,
    modules: Vec<(String, String)>,
    totals: Vec<String>,
    people: Vec<PersonRow>,
    requirements: Vec<RequirementRow>,
}

/// `GET /training/completion`: who in the organization completed which module, and which
/// modules each role must complete before screening or opening cases.
pub async fn completion(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::ManageTraining, Scope::Org(org)).await?;
    let cat = training::catalogue()?;
    let lang = ctx.lang;
    let done = state.store.org_completions(org).await?;
    let mut users: Vec<User> =
        state.store.users_of(org).await?.into_iter().filter(|u| u.status == UserStatus::Active).collect();
    users.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    let people: Vec<PersonRow> = users
        .iter()
        .map(|u| {
            let theirs: Vec<Completion> = done.iter().filter(|c| c.user == u.id).cloned().collect();
            PersonRow {
                name: u.display_name.clone(),
                roles: u.roles.iter().map(|r| ctx.t(&format!("role-{}", r.as_str()))).collect::<Vec<_>>().join(", "),
                cells: cat.modules.iter().map(|m| completion_for(&theirs, m).map(|c| ctx.when(&c.at))).collect(),
            }
        })
        .collect();
    let totals = (0..cat.modules.len())
        .map(|i| format!("{} / {}", people.iter().filter(|p| p.cells[i].is_some()).count(), people.len()))
        .collect();
    let set = state.store.training_requirements(org).await?;
    let requirements = gated_roles()
        .into_iter()
        .map(|role| RequirementRow {
            role: role.as_str(),
            label: ctx.t(&format!("role-{}", role.as_str())),
            cells: cat
                .modules
                .iter()
                .map(|m| {
                    let on = set.iter().any(|r| r.role == role && r.module_id == m.id);
                    (m.id.clone(), m.title.get(lang).clone(), on)
                })
                .collect(),
        })
        .collect();
    let modules = cat.modules.iter().map(|m| (m.id.clone(), m.title.get(lang).clone())).collect();
    audit(
        &state,
        entry(
            Some(who.user()),
            "training.completion.view",
            "organization",
            Some(org.to_string()),
            Some(org),
            Outcome::Success,
        ),
    )
    .await?;
    render(&CompletionPage { ctx, modules, totals, people, requirements })
}

/// `POST /training/requirements`: replaces the organization's requirements with the boxes
/// ticked (`require` = `role:module`).
pub async fn set_requirements(State(state): State<AppState>, who: Signed, RawForm(body): RawForm) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::ManageTraining, Scope::Org(org)).await?;
    let cat = training::catalogue()?;
    let roles = gated_roles();
    let mut list = Vec::new();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => {}
            "require" => {
                let (role, module) = v.split_once(':').ok_or(AppError::BadRequest)?;
                let role: Role = role.parse().map_err(|_| AppError::BadRequest)?;
                if !roles.contains(&role) || cat.module(module).is_none() {
                    return Err(AppError::BadRequest);
                }
                list.push(Requirement { role, module_id: module.to_owned() });
            }
            _ => return Err(AppError::BadRequest),
        }
    }
    state.store.set_training_requirements(org, who.user().id, &list).await?;
    audit(
        &state,
        entry(
            Some(who.user()),
            "training.requirements",
            "organization",
            Some(org.to_string()),
            Some(org),
            Outcome::Success,
        ),
    )
    .await?;
    Ok(see_other("/training/completion?notice=requirements-saved"))
}

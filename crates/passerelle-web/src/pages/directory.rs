//! The partner directory: every organization's public profile, searchable by region, service,
//! population and language; the region × service view of where the network has gaps; and
//! the profile form of an organization's administrator. The rules (vocabularies, validation,
//! matching, gap counts) are in [`passerelle_core::directory`].

use askama::Template;
use axum::extract::{Query, State};
use axum_extra::extract::Form;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::directory::{
    self, Filter, LANGUAGES, OrgProfile, POPULATIONS, Profile, ProfileForm, SERVICES, language_name,
};
use passerelle_core::org::Organization;
use passerelle_core::region::Region;
use passerelle_core::role::Action;
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::setup::{Choice, Errors};
use crate::pages::{audit, entry, render, require, see_other};

/// The Fluent id of a service's label.
pub fn service_label_id(code: &str) -> String {
    format!("dir-service-{code}")
}

/// The Fluent id of a population's label.
pub fn population_label_id(code: &str) -> String {
    format!("dir-population-{code}")
}

fn choices(ctx: &Ctx, vocabulary: &[&str], label_id: fn(&str) -> String, selected: &[String]) -> Vec<Choice> {
    vocabulary
        .iter()
        .map(|c| Choice {
            value: (*c).to_owned(),
            label: ctx.t(&label_id(c)),
            selected: selected.iter().any(|s| s == c),
        })
        .collect()
}

fn one_choice(ctx: &Ctx, vocabulary: &[&str], label_id: fn(&str) -> String, selected: &str) -> Vec<Choice> {
    choices(ctx, vocabulary, label_id, &[selected.to_owned()])
}

// ----- the directory -----

/// An intake contact as shown.
struct ProfileView {
    services: Vec<String>,
    populations: Vec<String>,
    languages: Vec<String>,
    hours: String,
    phone: Option<(String, String)>,
    email: Option<String>,
    description: String,
    accepts_referrals: bool,
    updated: String,
}

struct OrgCard {
    id: String,
    name: String,
    type_label: String,
    regions: String,
    mine: bool,
    profile: Option<ProfileView>,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    ctx: Ctx,
    cards: Vec<OrgCard>,
    total: usize,
    regions: Vec<Choice>,
    services: Vec<Choice>,
    populations: Vec<Choice>,
    languages: Vec<Choice>,
    referrals: bool,
    filtered: bool,
    errors: Errors,
    can_edit: bool,
    refer_case: Option<String>,
}

/// The search, as the query string carries it.
#[derive(Debug, Default, Deserialize)]
pub struct DirectoryQuery {
    #[serde(default)]
    region: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    population: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    referrals: String,
    /// A case being referred: each card that accepts referrals offers to refer it there.
    #[serde(default)]
    case: String,
}

fn profile_view(ctx: &Ctx, p: &OrgProfile) -> ProfileView {
    let lang = ctx.lang.code();
    let pr = &p.profile;
    ProfileView {
        services: pr.services.iter().map(|s| ctx.t(&service_label_id(s))).collect(),
        populations: pr.populations.iter().map(|s| ctx.t(&population_label_id(s))).collect(),
        languages: pr.languages.iter().map(|l| language_name(l, lang)).collect(),
        hours: pr.hours.clone(),
        phone: pr.intake_phone.clone().zip(pr.tel_href()),
        email: pr.intake_email.clone(),
        description: pr.description.clone(),
        accepts_referrals: pr.accepts_referrals,
        updated: ctx.when(&p.updated_at),
    }
}

fn region_names(org: &Organization, lang: &str) -> String {
    org.regions.iter().map(|r| format!("{} ({})", r.name(lang), r.code())).collect::<Vec<_>>().join(", ")
}

/// The languages offered in the search: the common ones, then any other code in use.
fn language_choices(ctx: &Ctx, entries: &[(Organization, Option<OrgProfile>)], selected: &str) -> Vec<Choice> {
    let lang = ctx.lang.code();
    let mut codes: Vec<String> = LANGUAGES.iter().map(|l| l.0.to_owned()).collect();
    for (_, p) in entries {
        for l in p.iter().flat_map(|p| p.profile.languages.iter()) {
            if !codes.contains(l) {
                codes.push(l.clone());
            }
        }
    }
    codes.into_iter().map(|c| Choice { label: language_name(&c, lang), selected: c == selected, value: c }).collect()
}

/// `GET /directory`: every organization (or those matching the search), as cards.
pub async fn list(State(state): State<AppState>, ctx: Ctx, who: Signed, Query(q): Query<DirectoryQuery>) -> PageResult {
    require(&state, &who, Action::ViewOrganization, Scope::Org(who.user().org_id)).await?;
    let referrals = !q.referrals.is_empty();
    let (filter, errors) = match Filter::parse(&q.region, &q.service, &q.population, &q.language, referrals) {
        Ok(f) => (f, Errors::default()),
        Err(e) => (Filter::default(), Errors::from_validation(&ctx, &e)),
    };
    // Only a case this person may edit gives the referral context; anything else is ignored.
    let refer_case = if q.case.is_empty() {
        None
    } else {
        crate::pages::cases::load_case(&state, &who, &q.case, true).await.ok().map(|c| c.id.to_string())
    };
    let entries = state.store.directory().await?;
    let lang = ctx.lang.code();
    let mine = who.user().org_id;
    let cards: Vec<OrgCard> = entries
        .iter()
        .filter(|(o, p)| directory::matches(o, p.as_ref().map(|p| &p.profile), &filter))
        .map(|(o, p)| OrgCard {
            id: o.id.to_string(),
            name: o.name.clone(),
            type_label: ctx.t(&format!("org-type-{}", o.org_type.as_str())),
            regions: region_names(o, lang),
            mine: o.id == mine,
            profile: p.as_ref().map(|p| profile_view(&ctx, p)),
        })
        .collect();
    let region_code = filter.region.map(Region::code).unwrap_or_default();
    let regions = Region::all()
        .map(|r| Choice {
            value: r.code(),
            label: format!("{} – {}", r.code(), r.name(lang)),
            selected: r.code() == region_code,
        })
        .collect();
    let services = one_choice(&ctx, &SERVICES, service_label_id, filter.service.unwrap_or_default());
    let populations = one_choice(&ctx, &POPULATIONS, population_label_id, filter.population.unwrap_or_default());
    let languages = language_choices(&ctx, &entries, filter.language.as_deref().unwrap_or_default());
    let page = DirectoryPage {
        total: entries.len(),
        filtered: filter != Filter::default(),
        can_edit: ctx.can(Action::ManageDirectory),
        cards,
        regions,
        services,
        populations,
        languages,
        referrals: filter.referrals_only,
        errors,
        refer_case,
        ctx,
    };
    render(&page)
}

// ----- gaps -----

struct GapCell {
    count: u32,
    href: String,
    label: String,
}

struct GapRow {
    name: String,
    code: String,
    cells: Vec<GapCell>,
    gaps: usize,
}

#[derive(Template)]
#[template(path = "directory_gaps.html")]
struct GapsPage {
    ctx: Ctx,
    services: Vec<String>,
    rows: Vec<GapRow>,
    counted: usize,
    without_profile: usize,
    total_gaps: usize,
}

/// `GET /directory/gaps`: for each region and service, how many organizations accept
/// referrals; zeros are the network's gaps.
pub async fn gaps(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    require(&state, &who, Action::ViewOrganization, Scope::Org(who.user().org_id)).await?;
    let entries = state.store.directory().await?;
    let regions: Vec<Region> = Region::all().collect();
    let with_profile: Vec<(&[Region], &Profile)> =
        entries.iter().filter_map(|(o, p)| p.as_ref().map(|p| (&o.regions[..], &p.profile))).collect();
    let counted = with_profile.iter().filter(|(_, p)| p.accepts_referrals).count();
    let matrix = directory::gaps(with_profile, &regions, &SERVICES);
    let lang = ctx.lang.code();
    let service_labels: Vec<String> = SERVICES.iter().map(|s| ctx.t(&service_label_id(s))).collect();
    let rows: Vec<GapRow> = regions
        .iter()
        .zip(matrix)
        .map(|(r, counts)| {
            let cells: Vec<GapCell> = counts
                .into_iter()
                .zip(SERVICES.iter().zip(&service_labels))
                .map(|(count, (s, label))| GapCell {
                    count,
                    href: format!("/directory?region={}&service={s}&referrals=1", r.code()),
                    label: format!("{} — {label}", r.name(lang)),
                })
                .collect();
            GapRow {
                name: r.name(lang).to_owned(),
                code: r.code(),
                gaps: cells.iter().filter(|c| c.count == 0).count(),
                cells,
            }
        })
        .collect();
    let page = GapsPage {
        total_gaps: rows.iter().map(|r| r.gaps).sum(),
        without_profile: entries.iter().filter(|(_, p)| p.is_none()).count(),
        counted,
        services: service_labels,
        rows,
        ctx,
    };
    render(&page)
}

// ----- the organization's own profile -----

#[derive(Template)]
#[template(path = "directory_profile.html")]
struct ProfilePage {
    ctx: Ctx,
    org_name: String,
    regions: String,
    version: i64,
    services: Vec<Choice>,
    populations: Vec<Choice>,
    languages: Vec<Choice>,
    languages_other: String,
    hours: String,
    intake_phone: String,
    intake_email: String,
    description: String,
    accepts_referrals: bool,
    errors: Errors,
}

/// The profile form as posted. There is no organization in it: an administrator edits only
/// their own organization's profile.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileFields {
    #[serde(default)]
    version: String,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    populations: Vec<String>,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    languages_other: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    intake_phone: String,
    #[serde(default)]
    intake_email: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    accepts_referrals: String,
}

impl ProfileFields {
    fn form(&self) -> ProfileForm {
        let mut languages = self.languages.clone();
        languages.push(self.languages_other.clone());
        ProfileForm {
            services: self.services.clone(),
            populations: self.populations.clone(),
            languages,
            hours: self.hours.clone(),
            intake_phone: self.intake_phone.clone(),
            intake_email: self.intake_email.clone(),
            description: self.description.clone(),
            accepts_referrals: !self.accepts_referrals.is_empty(),
        }
    }

    fn from_profile(p: &Profile, version: i64) -> Self {
        let f = p.to_form();
        let (known, other): (Vec<String>, Vec<String>) =
            f.languages.into_iter().partition(|l| LANGUAGES.iter().any(|k| k.0 == l));
        Self {
            version: version.to_string(),
            services: f.services,
            populations: f.populations,
            languages: known,
            languages_other: other.join(", "),
            hours: f.hours,
            intake_phone: f.intake_phone,
            intake_email: f.intake_email,
            description: f.description,
            accepts_referrals: if f.accepts_referrals { "yes".into() } else { String::new() },
        }
    }
}

async fn profile_page(state: &AppState, ctx: Ctx, who: &Signed, f: &ProfileFields, errors: Errors) -> PageResult {
    let org = state.store.org(who.user().org_id).await?;
    let lang = ctx.lang.code();
    let languages = LANGUAGES
        .iter()
        .map(|l| Choice {
            value: l.0.to_owned(),
            label: language_name(l.0, lang),
            selected: f.languages.iter().any(|x| x == l.0),
        })
        .collect();
    let page = ProfilePage {
        org_name: org.name.clone(),
        regions: region_names(&org, lang),
        version: f.version.parse().unwrap_or(0),
        services: choices(&ctx, &SERVICES, service_label_id, &f.services),
        populations: choices(&ctx, &POPULATIONS, population_label_id, &f.populations),
        languages,
        languages_other: f.languages_other.clone(),
        hours: f.hours.clone(),
        intake_phone: f.intake_phone.clone(),
        intake_email: f.intake_email.clone(),
        description: f.description.clone(),
        accepts_referrals: !f.accepts_referrals.is_empty(),
        errors,
        ctx,
    };
    render(&page)
}

/// `GET /directory/profile`: the administrator's form for their organization's profile.
pub async fn edit(State(state): State<AppState>, ctx: Ctx, who: Signed) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::ManageDirectory, Scope::Org(org)).await?;
    let fields = match state.store.org_profile(org).await? {
        Some(p) => ProfileFields::from_profile(&p.profile, p.version),
        None => ProfileFields {
            version: "0".into(),
            languages: vec!["fr".into()],
            accepts_referrals: "yes".into(),
            ..ProfileFields::default()
        },
    };
    profile_page(&state, ctx, &who, &fields, Errors::default()).await
}

/// `POST /directory/profile`: saves the profile if it is still at the version the form was
/// made from (a stale form is refused with 409); invalid fields bring the form back.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Form(fields): Form<ProfileFields>,
) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::ManageDirectory, Scope::Org(org)).await?;
    let version: i64 = fields.version.trim().parse().map_err(|_| AppError::BadRequest)?;
    if version < 0 {
        return Err(AppError::BadRequest);
    }
    let profile = match fields.form().parse() {
        Ok(p) => p,
        Err(e) => {
            let errors = Errors::from_validation(&ctx, &e);
            return profile_page(&state, ctx, &who, &fields, errors).await;
        }
    };
    state.store.set_org_profile(org, who.user().id, &profile, version).await?;
    audit(
        &state,
        entry(Some(who.user()), "directory.update", "organization", Some(org.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    Ok(see_other(&format!("/directory?notice=directory-saved#org-{org}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{I18n, Lang};

    #[test]
    fn every_vocabulary_code_is_translated() {
        let i18n = I18n::load().unwrap_or_else(|e| panic!("{e}"));
        for lang in Lang::ALL {
            for s in SERVICES {
                assert!(i18n.has(lang, &service_label_id(s)), "{s} {lang:?}");
            }
            for p in POPULATIONS {
                assert!(i18n.has(lang, &population_label_id(p)), "{p} {lang:?}");
            }
            for code in ["intake-required", "invalid-phone", "invalid-email", "invalid-language"] {
                assert!(i18n.has(lang, &format!("error-{code}")), "{code} {lang:?}");
            }
        }
    }
}

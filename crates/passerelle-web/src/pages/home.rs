//! The home page of each role, the language switch, and "not found".

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use passerelle_core::role::{Action, Role};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use crate::pages::render;
use crate::session::{LANG_COOKIE, make_cookie};

/// A suggestion on the home page: what this role can do next.
#[derive(Debug)]
pub struct Card {
    /// Translated title.
    pub title: String,
    /// Translated explanation.
    pub text: String,
    /// Link, when the capability has a page.
    pub href: Option<&'static str>,
    /// The capability is not in the platform yet.
    pub soon: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    roles: Vec<String>,
    org_name: String,
    cards: Vec<Card>,
    training_missing: Vec<String>,
    mfa_missing: bool,
}

/// Cards for a set of roles, most urgent first, without repeats.
fn cards(ctx: &Ctx, roles: &[Role]) -> Vec<Card> {
    let mut ids: Vec<(&str, Option<&'static str>)> = Vec::new();
    let has = |a: Action| passerelle_core::role::roles_allow(roles, a);
    if has(Action::ManageOrganizations) {
        ids.push(("card-organizations", Some("/admin/organizations")));
    }
    if has(Action::ManageUsers) {
        ids.push(("card-users", Some("/admin/users")));
    } else if has(Action::ViewUsers) {
        ids.push(("card-colleagues", Some("/admin/users")));
    }
    if has(Action::ViewAudit) {
        ids.push(("card-audit", Some("/audit")));
    }
    if has(Action::Screen) {
        ids.push(("card-screening", Some("/screenings/new")));
    }
    if has(Action::ViewCases) {
        ids.push(("card-cases", Some("/cases")));
    }
    if has(Action::ApprovePlans) {
        ids.push(("card-approvals", None));
    }
    if has(Action::ViewStatistics) {
        ids.push(("card-statistics", Some("/statistics")));
    }
    if has(Action::ManageTraining) {
        ids.push(("card-training", Some("/training/completion")));
    }
    if has(Action::ManageDirectory) {
        ids.push(("card-directory", Some("/directory/profile")));
    }
    if has(Action::ManageInstallation) {
        ids.push(("card-installation", None));
    }
    ids.push(("card-account", Some("/account")));
    ids.into_iter()
        .map(|(id, href)| Card {
            title: ctx.t(&format!("{id}-title")),
            text: ctx.t(&format!("{id}-text")),
            href,
            // The installation's tools are the command line's, not a page to come.
            soon: href.is_none() && id != "card-installation",
        })
        .collect()
}

/// `/`: the role's home page, or the sign-in page.
pub async fn home(State(state): State<AppState>, ctx: Ctx, who: Option<Signed>) -> PageResult {
    let Some(who) = who else { return Ok(Redirect::to("/login").into_response()) };
    let user = who.user();
    let org = state.store.org(user.org_id).await?;
    let lang = ctx.lang;
    let training_missing: Vec<String> = crate::pages::training::missing_for(&state, user)
        .await?
        .into_iter()
        .map(|m| m.title.get(lang).clone())
        .collect();
    let page = HomePage {
        training_missing,
        roles: user.roles.iter().map(|r| ctx.t(&format!("role-{}", r.as_str()))).collect(),
        org_name: org.name,
        cards: cards(&ctx, &user.roles),
        mfa_missing: !user.mfa_enabled,
        ctx,
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// `/lang/{fr|en}?next=/path`: remembers the language and goes back.
pub async fn switch_language(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(q): Query<Next>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&lang).ok_or(AppError::NotFound)?;
    // Only a local path: never an open redirect to another site.
    let next = q
        .next
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".to_owned());
    let mut cookie = make_cookie(&state, LANG_COOKIE, lang.code().to_owned());
    cookie.set_max_age(time::Duration::days(365));
    Ok(([(header::SET_COOKIE, cookie.encoded().to_string())], Redirect::to(&next)).into_response())
}

/// Any unknown path.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_card_is_translated() {
        let i18n = crate::I18n::load().unwrap_or_else(|e| panic!("{e}"));
        for lang in Lang::ALL {
            for id in [
                "card-organizations",
                "card-users",
                "card-colleagues",
                "card-audit",
                "card-screening",
                "card-cases",
                "card-approvals",
                "card-statistics",
                "card-training",
                "card-directory",
                "card-installation",
                "card-account",
            ] {
                for part in ["title", "text"] {
                    assert!(i18n.has(lang, &format!("{id}-{part}")), "{id}-{part} {lang:?}");
                }
            }
            for role in Role::ALL {
                assert!(i18n.has(lang, &format!("role-{}", role.as_str())), "{role} {lang:?}");
            }
        }
    }
}

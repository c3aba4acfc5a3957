//! What every page needs: the language, the user, the anti-forgery token, the navigation.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use passerelle_core::authz::Actor;
use passerelle_core::role::{Action, Role, roles_allow};
use passerelle_core::user::User;
use passerelle_store::sessions::Stage;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::{I18n, Lang};
use crate::session::{Auth, PreToken};

/// One entry of the main navigation.
#[derive(Clone, Debug)]
pub struct NavItem {
    /// Target path.
    pub href: &'static str,
    /// Translated label.
    pub label: String,
    /// Whether this is the current page.
    pub current: bool,
    /// A count to show beside the label (unread alerts), with its text for screen readers.
    pub badge: Option<(i64, String)>,
}

/// The context of every rendered page.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// Interface language.
    pub lang: Lang,
    i18n: Arc<I18n>,
    /// The signed-in user, when fully signed in.
    pub user: Option<User>,
    /// The anti-forgery token to put in every form.
    pub csrf: String,
    /// Current path and query, for the language switch to come back to.
    pub here: String,
    /// Main navigation for the user's roles.
    pub nav: Vec<NavItem>,
    /// A confirmation to show (translated), from a `notice` query parameter.
    pub notice: Option<String>,
}

/// Confirmations a redirect may ask a page to show; anything else is ignored.
const NOTICES: [&str; 22] = [
    "notice-decision-recorded",
    "notice-org-created",
    "notice-user-created",
    "notice-user-updated",
    "notice-password-reset",
    "notice-mfa-reset",
    "notice-status-changed",
    "notice-password-changed",
    "notice-token-revoked",
    "notice-signed-out-everywhere",
    "notice-mfa-enabled",
    "notice-requirements-saved",
    "notice-link-confirmed",
    "notice-link-rejected",
    "notice-link-taken",
    "notice-link-undone",
    "notice-stats-published",
    "notice-directory-saved",
    "notice-break-glass-reviewed",
    "notice-retention-saved",
    "notice-privacy-contact-saved",
    "notice-incident-saved",
];

impl Ctx {
    /// The message `id` in the page's language.
    pub fn t(&self, id: &str) -> String {
        self.i18n.t(self.lang, id)
    }

    /// The message `id` with one argument.
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        self.i18n.t_args(self.lang, id, &[(name, value)])
    }

    /// The message `id` with several arguments.
    pub fn tn(&self, id: &str, args: &[(&str, &str)]) -> String {
        self.i18n.t_args(self.lang, id, args)
    }

    /// The message of a validation error code for a field.
    pub fn error_text(&self, code: &str) -> String {
        self.i18n.t(self.lang, &format!("error-{code}"))
    }

    /// The HTML `lang` attribute.
    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// The link that switches to the other language and comes back here.
    pub fn switch_href(&self) -> String {
        let next: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/lang/{}?next={next}", self.lang.other().code())
    }

    /// Name of the other language, in that language.
    pub fn switch_label(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "English",
            Lang::En => "Français",
        }
    }

    /// The `lang` attribute of the switch link's text.
    pub fn switch_lang(&self) -> &'static str {
        self.lang.other().tag()
    }

    /// Path of the embedded stylesheet.
    pub fn stylesheet(&self) -> &'static str {
        crate::assets::STYLESHEET_PATH
    }

    /// The public page naming the privacy officer, in the page's language.
    pub fn privacy_href(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "/privacy",
            Lang::En => "/en/privacy",
        }
    }

    /// Whether the user may perform `action` (for showing links; handlers check again).
    pub fn can(&self, action: Action) -> bool {
        self.user.as_ref().is_some_and(|u| roles_allow(&u.roles, action))
    }

    /// Formats a timestamp for the page's language (UTC, minutes).
    pub fn when(&self, t: &time::OffsetDateTime) -> String {
        let months_fr =
            ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
        let months_en = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let m = usize::from(u8::from(t.month())).saturating_sub(1);
        match self.lang {
            Lang::Fr => format!(
                "{} {} {} {:02} h {:02} UTC",
                t.day(),
                months_fr.get(m).unwrap_or(&""),
                t.year(),
                t.hour(),
                t.minute()
            ),
            Lang::En => format!(
                "{} {}, {} {:02}:{:02} UTC",
                months_en.get(m).unwrap_or(&""),
                t.day(),
                t.year(),
                t.hour(),
                t.minute()
            ),
        }
    }
}

fn navigation(i18n: &I18n, lang: Lang, user: &User, path: &str, unread: i64) -> Vec<NavItem> {
    let mut items = vec![("/", "nav-home")];
    // Alerts go to administrators and privacy officers; anyone else sees the entry only while
    // something waits for them.
    if unread > 0 || user.roles.iter().any(|r| matches!(r, Role::OrgAdmin | Role::PrivacyOfficer)) {
        items.push(("/alerts", "nav-alerts"));
    }
    if roles_allow(&user.roles, Action::Screen) {
        items.push(("/screenings", "nav-screenings"));
    }
    if roles_allow(&user.roles, Action::ViewCases) {
        items.push(("/cases", "nav-cases"));
        items.push(("/followups", "nav-due"));
        items.push(("/referrals", "nav-referrals"));
    }
    if roles_allow(&user.roles, Action::ManageOrganizations) {
        items.push(("/admin/organizations", "nav-organizations"));
    }
    if roles_allow(&user.roles, Action::ViewUsers) {
        items.push(("/admin/users", "nav-users"));
    }
    if roles_allow(&user.roles, Action::ViewAudit) {
        items.push(("/audit", "nav-audit"));
    }
    if roles_allow(&user.roles, Action::ReviewLinks) {
        items.push(("/links", "nav-links"));
    }
    if roles_allow(&user.roles, Action::ViewAccessReport) {
        items.push(("/privacy/access-report", "nav-access-report"));
        items.push(("/privacy/break-glass", "nav-break-glass"));
    }
    if roles_allow(&user.roles, Action::ManageIncidents) {
        items.push(("/privacy/incidents", "nav-incidents"));
    }
    if roles_allow(&user.roles, Action::ManageInstallation) {
        items.push(("/admin/retention", "nav-retention"));
    }
    if roles_allow(&user.roles, Action::ViewStatistics) {
        items.push(("/statistics", "nav-statistics"));
    }
    items.push(("/directory", "nav-directory"));
    items.push(("/training", "nav-training"));
    items.push(("/legal", "nav-legal"));
    items.push(("/account", "nav-account"));
    items
        .into_iter()
        .map(|(href, id)| NavItem {
            href,
            label: i18n.t(lang, id),
            current: if href == "/" { path == "/" } else { path.starts_with(href) },
            badge: (href == "/alerts" && unread > 0)
                .then(|| (unread, i18n.t_args(lang, "nav-alerts-unread", &[("count", &unread.to_string())]))),
        })
        .collect()
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let auth = parts.extensions.get::<Auth>();
        let csrf = match (auth, parts.extensions.get::<PreToken>()) {
            (Some(a), _) => a.session.csrf_token.clone(),
            (None, Some(p)) => p.0.clone(),
            (None, None) => String::new(),
        };
        let user = auth.filter(|a| a.session.stage == Stage::Active).map(|a| a.user.clone());
        let path = parts.uri.path().to_owned();
        let here = parts.uri.path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let nav = match &user {
            // Alerts must be seen at once, so every page's navigation counts the unread ones.
            Some(u) => navigation(&state.i18n, lang, u, &path, state.store.unread_alert_count(u.id).await?),
            None => Vec::new(),
        };
        let notice = parts
            .uri
            .query()
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "notice").map(|(_, v)| v.into_owned())
            })
            .and_then(|n| NOTICES.iter().find(|k| k.strip_prefix("notice-") == Some(n.as_str())).copied())
            .map(|id| state.i18n.t(lang, id));
        Ok(Ctx { lang, i18n: Arc::clone(&state.i18n), user, csrf, here, nav, notice })
    }
}

/// A fully signed-in user (password and, where required, second factor). Extracting it from a
/// request without such a session sends the visitor to the sign-in page.
#[derive(Clone, Debug)]
pub struct Signed {
    /// The session and account.
    pub auth: Auth,
}

impl Signed {
    /// The actor for authorization decisions.
    pub fn actor(&self) -> Actor {
        Actor { user_id: self.auth.user.id, org_id: self.auth.user.org_id, roles: self.auth.user.roles.clone() }
    }

    /// The account.
    pub fn user(&self) -> &User {
        &self.auth.user
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for Signed {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Auth>()
            .filter(|a| a.session.stage == Stage::Active)
            .map(|a| Signed { auth: a.clone() }))
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Auth>() {
            Some(a) if a.session.stage == Stage::Active => Ok(Signed { auth: a.clone() }),
            _ => Err(AppError::SignIn),
        }
    }
}

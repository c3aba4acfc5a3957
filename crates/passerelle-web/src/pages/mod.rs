//! Page handlers, one module per area.

pub mod access_report;
pub mod account;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod break_glass;
pub mod cases;
pub mod child_export;
pub mod directory;
pub mod exchange;
pub mod home;
pub mod legal;
pub mod links;
pub mod orgs;
pub mod plans;
pub mod privacy;
pub mod public;
pub mod retention;
pub mod screenings;
pub mod setup;
pub mod statistics;
pub mod training;
pub mod users;

use askama::Template;
use axum::response::{Html, IntoResponse, Redirect, Response};
use passerelle_core::audit::{NewAuditEntry, Outcome};
use passerelle_core::authz::{Denied, Scope, authorize};
use passerelle_core::ids::OrgId;
use passerelle_core::role::Action;
use passerelle_core::user::User;

use crate::AppState;
use crate::ctx::Signed;
use crate::error::{AppError, PageResult};

/// Hashes a new password off the async runtime (Argon2id is deliberately slow).
pub async fn hash_password(pw: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || passerelle_crypto::password::hash_password(&pw))
        .await
        .map_err(|_| AppError::Internal("hash task"))?
        .map_err(|_| AppError::Internal("hash"))
}

/// Renders a template as a page.
pub fn render<T: Template>(page: &T) -> PageResult {
    Ok(Html(page.render()?).into_response())
}

/// Redirects after a successful form (303, so a reload does not resubmit).
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// An audit entry about `user`'s action.
pub fn entry(
    user: Option<&User>,
    action: &str,
    object_type: &str,
    object_id: Option<String>,
    object_org: Option<OrgId>,
    outcome: Outcome,
) -> NewAuditEntry {
    NewAuditEntry {
        actor_user_id: user.map(|u| u.id),
        actor_org_id: user.map(|u| u.org_id),
        action: action.to_owned(),
        object_type: object_type.to_owned(),
        object_id,
        object_org_id: object_org,
        purpose: None,
        outcome,
    }
}

/// Appends an audit entry; the request fails if the trail cannot be written, because an
/// access that is not recorded must not happen.
pub async fn audit(state: &AppState, e: NewAuditEntry) -> Result<(), AppError> {
    state.store.audit(e).await?;
    Ok(())
}

/// Records a refused action.
pub async fn audit_denied(
    state: &AppState,
    user: &User,
    action: &str,
    object_type: &str,
    object_id: Option<String>,
) -> Result<(), AppError> {
    audit(state, entry(Some(user), action, object_type, object_id, None, Outcome::Denied)).await
}

/// Checks a permission, records a refusal in the audit trail, and answers a refusal about
/// another organization's object as "not found" so that nothing reveals it exists.
pub async fn require(state: &AppState, who: &Signed, action: Action, scope: Scope) -> Result<(), AppError> {
    match authorize(&who.actor(), action, scope) {
        Ok(()) => Ok(()),
        Err(denied) => {
            let object_id = match scope {
                Scope::Org(o) => Some(o.to_string()),
                Scope::Installation => None,
            };
            audit_denied(state, who.user(), "permission_denied", action.as_str(), object_id).await?;
            Err(match denied {
                Denied::Role => AppError::Forbidden,
                Denied::Organization => AppError::NotFound,
            })
        }
    }
}

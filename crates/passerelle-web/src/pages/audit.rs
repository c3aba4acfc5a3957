//! Browsing the audit trail (administrators and privacy officers).

use askama::Template;
use axum::extract::{Query, State};
use passerelle_core::audit::{AuditEntry, Outcome};
use passerelle_core::authz::Scope;
use passerelle_core::role::{Action, Role};
use passerelle_store::audit::AuditFilter;
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::PageResult;
use crate::pages::{audit, entry, render, require};

/// Entries per page.
const PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    entries: Vec<AuditRow>,
    action: String,
    outcome: String,
    next_before: Option<i64>,
    all_orgs: bool,
}

/// An entry with its actor's user name when the actor belongs to the viewer's organization.
#[derive(Debug)]
pub struct AuditRow {
    /// The entry.
    pub e: AuditEntry,
    /// The actor's user name, when known to the viewer.
    pub actor_name: Option<String>,
}

/// Filters.
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    before: Option<i64>,
}

/// `GET /audit`: newest first; each organization sees entries about itself, the system
/// administrator sees the whole installation.
pub async fn list(State(state): State<AppState>, ctx: Ctx, who: Signed, Query(q): Query<AuditQuery>) -> PageResult {
    let all_orgs = who.user().roles.contains(&Role::SystemAdmin);
    let scope = if all_orgs { Scope::Installation } else { Scope::Org(who.user().org_id) };
    require(&state, &who, Action::ViewAudit, scope).await?;
    let filter = AuditFilter {
        org: if all_orgs { None } else { Some(who.user().org_id) },
        action: Some(q.action.trim().to_owned()).filter(|a| !a.is_empty() && a.len() <= 64),
        outcome: Outcome::from_db(q.outcome.trim()),
        before_seq: q.before,
        limit: PAGE,
        ..AuditFilter::default()
    };
    let entries = state.store.audit_entries(&filter).await?;
    // Names of the viewer's own colleagues only; other organizations' people stay ids.
    let names: std::collections::HashMap<_, _> =
        state.store.users_of(who.user().org_id).await?.into_iter().map(|u| (u.id, u.username)).collect();
    let entries: Vec<AuditRow> = entries
        .into_iter()
        .map(|e| AuditRow { actor_name: e.entry.actor_user_id.and_then(|u| names.get(&u).cloned()), e })
        .collect();
    audit(&state, entry(Some(who.user()), "audit.read", "audit_log", None, Some(who.user().org_id), Outcome::Success))
        .await?;
    let next_before =
        if i64::try_from(entries.len()).unwrap_or(0) == PAGE { entries.last().map(|r| r.e.seq) } else { None };
    render(&AuditPage { ctx, entries, action: q.action, outcome: q.outcome, next_before, all_orgs })
}

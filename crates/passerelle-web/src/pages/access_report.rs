//! The access report of one child's record, for the organization's privacy officer: who did
//! what with the case, when, from which organization and on what basis — the answer to a
//! person's access request under Québec's privacy law. It reads the audit trail only; the
//! officer identifies the case by its code and never sees the child's identity here.

use askama::Template;
use axum::extract::{Query, State};
use std::collections::HashMap;

use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::break_glass::Reason;
use passerelle_core::role::{Action, Role};
use serde::Deserialize;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::PageResult;
use crate::pages::break_glass::reason_label;
use crate::pages::{audit, entry, render, require};

/// The most entries a report lists.
const MAX_ENTRIES: i64 = 5000;

struct Row {
    when: String,
    who: String,
    org: String,
    action: String,
    basis: String,
    outcome: &'static str,
}

#[derive(Template)]
#[template(path = "access_report.html")]
struct ReportPage {
    ctx: Ctx,
    code: String,
    searched: bool,
    found: bool,
    rows: Vec<Row>,
}

/// `?code=C-XXXX-XXXX`.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    code: String,
}

/// The label of an audited action on a case (the raw name when we have none).
fn action_label(ctx: &Ctx, action: &str) -> String {
    let id = format!("access-action-{}", action.replace('.', "-"));
    let text = ctx.t(&id);
    if text == id { action.to_owned() } else { text }
}

/// The basis a purpose recorded in the trail names: `consent:<id>` for a referral under a
/// consent, `basis:<id>` for one under a legal basis.
fn basis_of_purpose(ctx: &Ctx, purpose: Option<&str>) -> String {
    match purpose.and_then(|p| p.split_once(':')) {
        Some(("consent", id)) => ctx.t1("access-basis-consent", "id", id),
        Some(("basis", id)) => ctx.t1("access-basis-legal", "id", id),
        _ => ctx.t("access-basis-other-org"),
    }
}

/// The basis named by the purpose recorded with an audit entry (`kind:id`), when the
/// platform knows that kind; `reasons` holds the reason of each emergency access to the case.
fn purpose_basis(ctx: &Ctx, purpose: &str, reasons: &HashMap<String, Reason>) -> Option<String> {
    let (kind, id) = purpose.split_once(':')?;
    match kind {
        "break_glass" => {
            let reason = reasons.get(id).map_or_else(String::new, |r| reason_label(ctx, *r));
            Some(ctx.t1("access-basis-break-glass", "reason", &reason))
        }
        _ => None,
    }
}

/// `GET /privacy/access-report[?code=…]`: the form, then the report of a case of the
/// officer's own organization (any other code is "not found", like a code that does not exist).
pub async fn show(State(state): State<AppState>, ctx: Ctx, who: Signed, Query(q): Query<ReportQuery>) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::ViewAccessReport, Scope::Org(org)).await?;
    let code = q.code.trim().to_uppercase();
    let searched = !code.is_empty();
    let case = if searched && code.len() <= 20 { state.store.case_by_code(&code).await? } else { None };
    let case = match case {
        Some(id) if state.store.case_org(id).await? == org => Some(state.store.case(id).await?),
        _ => None,
    };
    let Some(case) = case else {
        return render(&ReportPage { ctx, code, searched, found: false, rows: Vec::new() });
    };
    let entries = state.store.audit_of_object(&case.id.to_string(), MAX_ENTRIES).await?;
    let reasons: HashMap<String, Reason> =
        state.store.break_glass_of_case(case.id).await?.into_iter().map(|g| (g.id.to_string(), g.reason)).collect();
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        let f = &e.entry;
        let actor = match f.actor_user_id {
            Some(u) => state.store.user(u).await.ok(),
            None => None,
        };
        let actor_org = match f.actor_org_id {
            Some(o) => state.store.org(o).await.map(|o| o.name).unwrap_or_default(),
            None => String::new(),
        };
        // A basis recorded with the entry (an emergency access) comes first; another
        // organization's access names its referral's consent or legal basis; otherwise the
        // basis is the worker's assignment, supervision within the organization, or the
        // command line.
        let recorded = f.purpose.as_deref().and_then(|p| purpose_basis(&ctx, p, &reasons));
        let basis = match (recorded, &actor) {
            (Some(b), _) => b,
            (None, None) => ctx.t("access-basis-system"),
            (None, Some(_)) if f.actor_org_id != Some(case.org_id) => basis_of_purpose(&ctx, f.purpose.as_deref()),
            (None, Some(u)) if case.assigned.contains(&u.id) || case.created_by == u.id => {
                ctx.t("access-basis-assigned")
            }
            (None, Some(u)) if u.roles.contains(&Role::Supervisor) => ctx.t("access-basis-supervision"),
            (None, Some(_)) => ctx.t("access-basis-organization"),
        };
        rows.push(Row {
            when: ctx.when(&e.at),
            who: actor.map_or_else(|| ctx.t("access-who-system"), |u| u.display_name),
            org: actor_org,
            action: action_label(&ctx, &f.action),
            basis,
            outcome: f.outcome.as_str(),
        });
    }
    audit(
        &state,
        entry(Some(who.user()), "access_report.view", "case", Some(case.id.to_string()), Some(org), Outcome::Success),
    )
    .await?;
    render(&ReportPage { ctx, code: case.code, searched, found: true, rows })
}

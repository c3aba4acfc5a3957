//! The export of a child's own information, for a person's access request under Québec's
//! privacy law: what the organization holds about the child (identity, statistics, profile,
//! needs in the child's words, plan, services, follow-ups, notes, consents and legal bases,
//! referrals and their messages), as one JSON document the privacy officer reviews before
//! release. Only the officer's own organization's cases; each export is audited on the case.
//!
//! The officer must review before releasing: the law lets an organization withhold what would
//! reveal a third person or harm the child (for a DPJ file, what the youth-protection rules
//! restrict), and the workers' notes may name others. The document says so in its first field.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::role::Action;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::pages::{audit, entry, require};

/// `?code=C-XXXX-XXXX`.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    code: String,
}

#[derive(Serialize)]
struct Dated<T: Serialize> {
    at: String,
    #[serde(flatten)]
    item: T,
}

fn iso(t: &time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// `GET /privacy/child-export?code=…`: the JSON document, as a download.
pub async fn export(State(state): State<AppState>, ctx: Ctx, who: Signed, Query(q): Query<ExportQuery>) -> PageResult {
    let org = who.user().org_id;
    require(&state, &who, Action::ViewAccessReport, Scope::Org(org)).await?;
    let code = q.code.trim().to_uppercase();
    let id = if code.is_empty() || code.len() > 20 { None } else { state.store.case_by_code(&code).await? };
    let Some(id) = id else { return Err(AppError::NotFound) };
    if state.store.case_org(id).await? != org {
        return Err(AppError::NotFound);
    }
    let case = state.store.case(id).await?;
    let orgs = state.store.orgs().await?;
    let org_name = |o: passerelle_core::ids::OrgId| orgs.iter().find(|x| x.id == o).map(|x| x.name.clone());
    let assessments: Vec<Value> = state
        .store
        .assessments(id)
        .await?
        .into_iter()
        .map(|a| json!(Dated { at: iso(&a.at), item: a.needs }))
        .collect();
    let plan = state.store.plan(id).await?.map(|p| json!({"status": p.status.as_str(), "plan": p.plan}));
    let services: Vec<Value> = state
        .store
        .services(id)
        .await?
        .into_iter()
        .map(|s| json!({"delivered_on": s.delivered_on, "kind": s.kind, "provider": s.provider, "outcome": s.outcome}))
        .collect();
    let followups: Vec<Value> = state
        .store
        .case_followups(id)
        .await?
        .into_iter()
        .map(|f| json!({"due_on": f.due_on, "text": f.text, "done": f.done_at.is_some()}))
        .collect();
    let notes: Vec<Value> =
        state.store.case_notes(id).await?.into_iter().map(|n| json!({"at": iso(&n.at), "text": n.body})).collect();
    let consents = state.store.consents_of(id).await?;
    let bases = state.store.bases_of(id).await?;
    let mut referrals = Vec::new();
    for r in state.store.referrals_of_case(id).await? {
        let messages: Vec<Value> = state
            .store
            .referral_messages(r.id)
            .await?
            .into_iter()
            .map(|m| json!({"at": iso(&m.at), "from": org_name(m.org_id), "text": m.body}))
            .collect();
        let services: Vec<Value> = state
            .store
            .referral_services(r.id)
            .await?
            .into_iter()
            .map(|s| json!({"kind": s.kind, "started_on": s.started_on, "detail": s.detail}))
            .collect();
        referrals.push(json!({
            "to": org_name(r.to_org),
            "sent_at": iso(&r.sent_at),
            "status": r.status.as_str(),
            "categories": r.categories,
            "note": r.note,
            "services": services,
            "messages": messages,
        }));
    }
    let document = json!({
        "notice": ctx.t("export-notice"),
        "organization": org_name(org),
        "case_code": case.code,
        "exported_at": iso(&passerelle_core::time::now()),
        "identity": case.identity,
        "statistics": case.stats,
        "profile": state.store.case_profile(id).await?,
        "needs_assessments": assessments,
        "plan": plan,
        "services": services,
        "followups": followups,
        "notes": notes,
        "consents": consents,
        "legal_bases": bases,
        "referrals": referrals,
    });
    audit(&state, entry(Some(who.user()), "case.export", "case", Some(id.to_string()), Some(org), Outcome::Success))
        .await?;
    let body = serde_json::to_vec_pretty(&document).map_err(|_| AppError::Internal("export"))?;
    // The file name carries the case code only, never a name.
    let disposition = format!("attachment; filename=\"passerelle-{}.json\"", case.code);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

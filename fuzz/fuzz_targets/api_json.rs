//! The JSON API's request bodies (`crates/passerelle-web/src/api/`): arbitrary bytes
//! deserialized into the body types the handlers read (`serde_json::from_slice`), then the
//! same checks the handlers apply. The web crate's thin wrappers are restated here (the fuzz
//! build does not compile the server); their fields hold the core types below.
//!
//! Invariants: never a panic; what passes stays within bounds; refusals name fields only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle_core::case::{CaseForm, CaseInput};
use passerelle_core::ids::UserId;
use passerelle_core::plan::{NEED_DOMAINS, NeedsAssessment, PlanForm, SERVICE_KINDS, ServicePlan, is_date};
use serde::Deserialize;

/// `POST /api/v1/cases` (`api::cases::NewCase`).
#[derive(Deserialize)]
struct NewCase {
    #[serde(flatten)]
    case: CaseForm,
    #[allow(dead_code)]
    screening: Option<String>,
}

/// `POST /api/v1/cases/{id}/notes`, `/status`, `/assign`.
#[derive(Deserialize)]
#[allow(dead_code)]
struct NewNote {
    body: String,
}
#[derive(Deserialize)]
#[allow(dead_code)]
struct StatusBody {
    status: String,
    #[serde(default)]
    reason: String,
    version: i64,
}
#[derive(Deserialize)]
#[allow(dead_code)]
struct AssignBody {
    user: UserId,
    #[serde(default)]
    remove: bool,
}

/// `PUT /api/v1/cases/{id}/plan`.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlanBody {
    version: i64,
    plan: ServicePlan,
}

/// `POST /api/v1/cases/{id}/services`, `/followups`.
#[derive(Deserialize)]
struct ServiceBody {
    delivered_on: String,
    kind: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    outcome: String,
}
#[derive(Deserialize)]
#[allow(dead_code)]
struct FollowupBody {
    due_on: String,
    text: String,
    assigned_to: Option<UserId>,
}

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = serde_json::from_slice::<NewCase>(data) {
        if let Ok(c) = CaseInput::parse(&b.case) {
            assert!((1..=120).contains(&c.identity.given_name.chars().count()));
        }
    }
    let _ = serde_json::from_slice::<NewNote>(data);
    let _ = serde_json::from_slice::<StatusBody>(data);
    let _ = serde_json::from_slice::<AssignBody>(data);
    if let Ok(b) = serde_json::from_slice::<PlanBody>(data) {
        // As `api::plans::save_plan`: rebuild the page's form and check it the same way.
        let form = PlanForm {
            goals: b.plan.goals.join("\n"),
            child_participated: b.plan.child_participated,
            child_agreed: b.plan.child_agreed,
            preferred_language: b.plan.preferred_language,
            worker_gender: b.plan.worker_gender,
            not_shared: b.plan.not_shared,
            pace: b.plan.pace,
            actions: b.plan.actions.into_iter().map(|a| (a.what, a.who, a.due)).collect(),
            review_date: b.plan.review_date,
        };
        if let Ok(p) = ServicePlan::parse(&form) {
            assert!(!p.goals.is_empty() && p.goals.len() <= 30);
        }
    }
    if let Ok(raw) = serde_json::from_slice::<NeedsAssessment>(data) {
        // As `api::plans::add_assessment`.
        let mut pairs = vec![
            ("trp_issued".to_owned(), raw.trp_issued.clone()),
            ("trp_expires".to_owned(), raw.trp_expires.clone()),
        ];
        if raw.entries.iter().all(|e| NEED_DOMAINS.contains(&e.domain.as_str())) {
            for e in &raw.entries {
                pairs.push((format!("level.{}", e.domain), e.level.clone()));
                pairs.push((format!("view.{}", e.domain), e.child_view.clone()));
                pairs.push((format!("notes.{}", e.domain), e.notes.clone()));
            }
            if let Ok(n) = NeedsAssessment::parse(&pairs) {
                assert!(n.entries.iter().all(|e| NEED_DOMAINS.contains(&e.domain.as_str())));
            }
        }
    }
    if let Ok(b) = serde_json::from_slice::<ServiceBody>(data) {
        let ok = is_date(b.delivered_on.trim())
            && SERVICE_KINDS.contains(&b.kind.as_str())
            && b.provider.chars().count() <= 200
            && b.outcome.chars().count() <= 4000;
        let _ = ok;
    }
    if let Ok(b) = serde_json::from_slice::<FollowupBody>(data) {
        let _ = is_date(b.due_on.trim()) && !b.text.trim().is_empty();
    }
});

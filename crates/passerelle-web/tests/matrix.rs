//! The authorization matrix: three organizations × every role × the pages that touch
//! children's data, statistics, links, training, the directory, alerts, emergency access and
//! the audit trail, with the object's organization as the third dimension. Each cell states the expected answer;
//! refusals about another organization's object are "not found", so nothing reveals it exists.

mod support;

use axum::http::StatusCode;
use passerelle_core::case::{CaseStats, Identity};
use passerelle_core::role::Role;
use support::{Persona, TestApp};

/// Who may open each page, by role, for an object of the persona's own organization.
const PAGES: &[(&str, &[Role])] = &[
    ("/cases", &[Role::Supervisor, Role::CaseWorker]),
    ("/screenings", &[Role::Supervisor, Role::CaseWorker, Role::Screener]),
    ("/audit", &[Role::SystemAdmin, Role::OrgAdmin, Role::PrivacyOfficer]),
    ("/admin/users", &[Role::SystemAdmin, Role::OrgAdmin, Role::PrivacyOfficer, Role::Supervisor, Role::Trainer]),
    ("/links", &[Role::PrivacyOfficer]),
    ("/privacy/access-report", &[Role::PrivacyOfficer]),
    ("/privacy/break-glass", &[Role::PrivacyOfficer]),
    ("/privacy/incidents", &[Role::PrivacyOfficer]),
    ("/admin/retention", &[Role::SystemAdmin]),
    ("/statistics", &[Role::Analyst]),
    ("/training/completion", &[Role::OrgAdmin, Role::Trainer]),
    ("/directory/profile", &[Role::OrgAdmin]),
    ("/directory", &Role::ALL),
    ("/training", &Role::ALL),
    ("/legal", &Role::ALL),
    ("/alerts", &Role::ALL),
];

#[tokio::test]
async fn every_role_of_three_organizations_against_every_page_and_object() {
    let app = TestApp::new().await;
    let orgs = [app.org("Matrice A").await, app.org("Matrice B").await, app.org("Matrice C").await];
    let mut people: Vec<(usize, Role, Persona)> = Vec::new();
    for (i, org) in orgs.iter().enumerate() {
        for role in Role::ALL {
            let name = format!("m{i}-{}", role.as_str().replace('_', "-"));
            people.push((i, role, app.persona(*org, &name, role.as_str(), role.requires_mfa()).await));
        }
    }
    // Org A's case, opened by its case worker (assigned), and a screening of org A.
    let worker_a = &people.iter().find(|(i, r, _)| *i == 0 && *r == Role::CaseWorker).map(|p| p.2.clone());
    let worker_a = worker_a.as_ref().unwrap_or_else(|| panic!("worker"));
    let identity = Identity { given_name: "Maëva".into(), family_name: "Fictive".into(), ..Identity::default() };
    let case = app
        .store()
        .create_case(orgs[0], worker_a.id, &identity, &CaseStats::default(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let screening = app
        .store()
        .create_screening(
            orgs[0],
            worker_a.id,
            1,
            passerelle_screening::INSTRUMENT_VERSION,
            None,
            br#"{"age_years": 15}"#,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let case_page = format!("/cases/{}", case.id);
    let screening_page = format!("/screenings/{screening}");
    let report = format!("/privacy/access-report?code={}", case.code);

    let mut failures = Vec::new();
    for (i, role, persona) in &people {
        let mut c = app.signed_in(persona).await;
        for (page, allowed) in PAGES {
            let expected = if allowed.contains(role) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            let got = c.get(page).await.status;
            if got != expected {
                failures.push(format!("org {i} {role} GET {page}: {got}, expected {expected}"));
            }
        }
        // The case: its assigned worker and its organization's supervisor; the rest of its
        // organization is refused plainly, other organizations do not see it exists.
        let case_expected = match (*i, role) {
            (0, Role::CaseWorker | Role::Supervisor) => StatusCode::OK,
            (0, _) => StatusCode::FORBIDDEN,
            _ => StatusCode::NOT_FOUND,
        };
        let got = c.get(&case_page).await;
        if got.status != case_expected {
            failures.push(format!("org {i} {role} GET case: {}, expected {case_expected}", got.status));
        }
        if got.status != StatusCode::OK && got.body.contains("Maëva") {
            failures.push(format!("org {i} {role}: a refusal shows the name"));
        }
        // Emergency access: those who already see the case are sent to it; the rest of its
        // organization cannot break glass (this organization's only case worker is assigned);
        // other organizations do not see the case exists.
        let glass_expected = match (*i, role) {
            (0, Role::CaseWorker | Role::Supervisor) => StatusCode::SEE_OTHER,
            (0, _) => StatusCode::FORBIDDEN,
            _ => StatusCode::NOT_FOUND,
        };
        let got = c.get(&format!("{case_page}/break-glass")).await.status;
        if got != glass_expected {
            failures.push(format!("org {i} {role} GET break-glass: {got}, expected {glass_expected}"));
        }
        // A draft screening sends those who may screen on to its form.
        let screening_expected = match (*i, role) {
            (0, Role::CaseWorker | Role::Supervisor | Role::Screener) => StatusCode::SEE_OTHER,
            (_, Role::CaseWorker | Role::Supervisor | Role::Screener) => StatusCode::NOT_FOUND,
            _ => StatusCode::FORBIDDEN,
        };
        let got = c.get(&screening_page).await.status;
        if got != screening_expected {
            failures.push(format!("org {i} {role} GET screening: {got}, expected {screening_expected}"));
        }
        // The access report names the case only for its own organization's privacy officer.
        if *role == Role::PrivacyOfficer {
            let body = c.get(&report).await.body;
            let shown = body.contains("id=\"access-report\"");
            if shown != (*i == 0) {
                failures.push(format!("org {i} privacy officer: access report shown = {shown}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} wrong cells:\n{}", failures.len(), failures.join("\n"));
    app.cleanup().await;
}

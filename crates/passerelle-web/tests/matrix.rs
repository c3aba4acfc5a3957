//! The authorization matrix: three organizations × every role × the pages that touch
//! children's data, statistics, links, training, the directory, alerts, emergency access,
//! consents, referrals, secure messages and the audit trail, with the object's organization as
//! the third dimension. Each cell states the expected answer;
//! refusals about another organization's object are "not found", so nothing reveals it exists.

mod support;

use axum::http::StatusCode;
use passerelle_core::case::{CaseStats, Identity};
use passerelle_core::role::Role;
use support::{Persona, TestApp};

/// Who may open each page, by role, for an object of the persona's own organization.
const PAGES: &[(&str, &[Role])] = &[
    ("/cases", &[Role::Supervisor, Role::CaseWorker]),
    ("/referrals", &[Role::Supervisor, Role::CaseWorker]),
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
    let worker_b = people.iter().find(|(i, r, _)| *i == 1 && *r == Role::CaseWorker).map(|p| p.2.id);
    let worker_b = worker_b.unwrap_or_else(|| panic!("worker b"));
    let referral = seed_referral(&app, &orgs, case.id, worker_a.id, worker_b).await;
    let referral_page = format!("/referrals/{referral}");
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
        exchange_cells(&mut c, *i, *role, &case_page, &referral_page, orgs[1], &mut failures).await;
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

/// A consent of org A's case towards org B, and a referral A → B accepted by B's worker.
async fn seed_referral(
    app: &TestApp,
    orgs: &[passerelle_core::ids::OrgId; 3],
    case: passerelle_core::ids::CaseId,
    worker_a: passerelle_core::ids::UserId,
    worker_b: passerelle_core::ids::UserId,
) -> passerelle_core::ids::ReferralId {
    let today = passerelle_core::time::today_in_quebec();
    let consent = passerelle_core::consent::Consent {
        id: passerelle_core::ids::ConsentId::new(),
        child_case: case,
        from_org: orgs[0],
        giver: passerelle_core::consent::Giver::Child,
        child_age: Some(15),
        form: passerelle_core::consent::Form::Verbal,
        purposes: vec![passerelle_core::consent::Purpose::Referral],
        recipients: vec![orgs[1]],
        categories: vec![passerelle_core::consent::Category::Needs],
        valid_from: today - time::Duration::days(1),
        valid_until: today + time::Duration::days(30),
        withdrawn_at: None,
        recorded_by: worker_a,
    };
    app.store().record_consent(&consent).await.unwrap_or_else(|e| panic!("{e}"));
    let shared = [passerelle_core::consent::Category::Needs];
    let referral = app
        .store()
        .send_referral(&passerelle_store::exchange::NewReferral {
            case_id: case,
            to_org: orgs[1],
            authority: passerelle_core::consent::Authority::Consent(consent.id),
            categories: &shared,
            note: "Une demande de suivi fictive.",
            sent_by: worker_a,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.store()
        .answer_referral(referral, 1, worker_b, &passerelle_core::referral::Answer::Accept)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    referral
}

/// Consents, referring, the referral and its messages, for one persona.
async fn exchange_cells(
    c: &mut support::Client,
    i: usize,
    role: Role,
    case_page: &str,
    referral_page: &str,
    org_b: passerelle_core::ids::OrgId,
    failures: &mut Vec<String>,
) {
    // Consents and referring: the case's own team only; the rest of its organization is
    // refused plainly, other organizations do not see the case exists.
    let edit_expected = match (i, role) {
        (0, Role::CaseWorker | Role::Supervisor) => StatusCode::OK,
        (0, _) => StatusCode::FORBIDDEN,
        _ => StatusCode::NOT_FOUND,
    };
    for page in
        [format!("{case_page}/consents/new"), format!("{case_page}/bases/new"), format!("{case_page}/refer/{org_b}")]
    {
        let got = c.get(&page).await.status;
        if got != edit_expected {
            failures.push(format!("org {i} {role} GET {page}: {got}, expected {edit_expected}"));
        }
    }
    // Recording a consent (an empty form: the allowed see the form's errors, nothing is
    // written).
    let got = c.post_form("/", &format!("{case_page}/consents"), &[]).await.status;
    if got != edit_expected {
        failures.push(format!("org {i} {role} POST consent: {got}, expected {edit_expected}"));
    }
    // The referral and its messages: the sender's case team, the receiving worker who
    // accepted it and the receiver's supervisors; nobody else learns it exists.
    let referral_expected = match (i, role) {
        (0 | 1, Role::CaseWorker | Role::Supervisor) => StatusCode::OK,
        _ => StatusCode::NOT_FOUND,
    };
    let got = c.get(referral_page).await;
    if got.status != referral_expected {
        failures.push(format!("org {i} {role} GET referral: {}, expected {referral_expected}", got.status));
    }
    if got.status != StatusCode::OK && got.body.contains("Une demande de suivi fictive") {
        failures.push(format!("org {i} {role}: a refused referral shows its note"));
    }
    let got = c.post_form("/", &format!("{referral_page}/messages"), &[("body", "")]).await.status;
    if got != referral_expected {
        failures.push(format!("org {i} {role} POST message: {got}, expected {referral_expected}"));
    }
    // Answering again: the referral is already accepted, so even its receiver is refused.
    let answer_expected =
        if referral_expected == StatusCode::OK { StatusCode::FORBIDDEN } else { StatusCode::NOT_FOUND };
    let got =
        c.post_form("/", &format!("{referral_page}/answer"), &[("version", "2"), ("answer", "accept")]).await.status;
    if got != answer_expected {
        failures.push(format!("org {i} {role} POST answer: {got}, expected {answer_expected}"));
    }
}

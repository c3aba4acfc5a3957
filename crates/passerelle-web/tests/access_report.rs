//! The access report of a child's record (privacy officers): every access to that case and
//! nothing else, with who, organization, what and basis; only for the officer's own
//! organization's cases; no identity shown.

mod support;

use axum::http::StatusCode;
use support::{Client, TestApp};

async fn open_case(c: &mut Client, given: &str) -> String {
    let r = c
        .post_form(
            "/cases/new",
            "/cases/new",
            &[("given_name", given), ("family_name", "Fictive"), ("birth_date", "2011-05-17"), ("region", "06")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().to_owned()
}

#[tokio::test]
async fn the_officer_sees_every_access_to_one_case_and_nothing_else() {
    let app = TestApp::new().await;
    let org_a = app.org("DPJ Rapport A").await;
    let org_b = app.org("Refuge Rapport B").await;
    let worker = app.persona(org_a, "worker-r", "case_worker", true).await;
    let supervisor = app.persona(org_a, "super-r", "supervisor", true).await;
    let officer = app.persona(org_a, "officer-r", "privacy_officer", true).await;
    let officer_b = app.persona(org_b, "officer-rb", "privacy_officer", true).await;
    let screener = app.persona(org_a, "screener-r", "screener", true).await;

    let mut worker_c = app.signed_in(&worker).await;
    let path = open_case(&mut worker_c, "Océane").await;
    let other = open_case(&mut worker_c, "Rosalie").await;
    worker_c.get(&path).await;
    worker_c.get(&other).await;
    let mut super_c = app.signed_in(&supervisor).await;
    assert_eq!(super_c.get(&path).await.status, StatusCode::OK);
    let store = app.store();
    let id: passerelle_core::ids::CaseId = path.trim_start_matches("/cases/").parse().unwrap_or_else(|_| panic!("id"));
    let code = store.case(id).await.map(|c| c.code).unwrap_or_default();

    let mut officer_c = app.signed_in(&officer).await;
    let form = officer_c.get("/privacy/access-report").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("href=\"/privacy/access-report\""), "in the navigation");
    let report = officer_c.get(&format!("/privacy/access-report?code={}", code.to_lowercase())).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.body.contains("id=\"access-report\""), "{}", report.body);
    let table = report.body.split("<tbody>").nth(1).unwrap_or_default();
    // Opened by the worker, read by the worker, read by the supervisor: three lines, in order.
    assert_eq!(table.matches("<tr>").count(), 3, "{table}");
    assert!(table.contains("a ouvert le dossier") && table.contains("a consulté le dossier"));
    assert!(table.contains("Personne assignée au dossier") && table.contains("Supervision dans l"));
    assert!(table.contains("DPJ Rapport A"));
    assert!(!report.body.contains("Océane") && !report.body.contains("Rosalie"), "no identity in the report");
    // Viewing the report is itself recorded, and appears next time.
    let again = officer_c.get(&format!("/privacy/access-report?code={code}")).await;
    let table = again.body.split("<tbody>").nth(1).unwrap_or_default();
    assert_eq!(table.matches("<tr>").count(), 4);
    assert!(table.contains("a consulté ce rapport d"));

    // Another organization's officer: the code does not exist for them.
    let mut officer_b_c = app.signed_in(&officer_b).await;
    let r = officer_b_c.get(&format!("/privacy/access-report?code={code}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"access-not-found\"") && !r.body.contains("id=\"access-report\""));
    assert!(officer_c.get("/privacy/access-report?code=C-0000-0000").await.body.contains("id=\"access-not-found\""));
    // Roles without the right are refused.
    let mut screener_c = app.signed_in(&screener).await;
    assert_eq!(screener_c.get("/privacy/access-report").await.status, StatusCode::FORBIDDEN);
    assert_eq!(worker_c.get("/privacy/access-report").await.status, StatusCode::FORBIDDEN);
    assert_eq!(super_c.get("/privacy/access-report").await.status, StatusCode::FORBIDDEN);
    app.cleanup().await;
}

/// The export of a child's own information for an access request: the whole record as JSON,
/// for the officer of the case's organization only, audited, with the review notice first.
#[tokio::test]
async fn the_officer_exports_the_childs_information_for_an_access_request() {
    let app = TestApp::new().await;
    let org_a = app.org("DPJ Export A").await;
    let org_b = app.org("Refuge Export B").await;
    let worker = app.persona(org_a, "worker-e", "case_worker", true).await;
    let officer = app.persona(org_a, "officer-e", "privacy_officer", true).await;
    let officer_b = app.persona(org_b, "officer-eb", "privacy_officer", true).await;
    let mut worker_c = app.signed_in(&worker).await;
    let path = open_case(&mut worker_c, "Clémence").await;
    let r = worker_c.post_form(&path, &format!("{path}/notes"), &[("body", "Elle aime dessiner.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let id: passerelle_core::ids::CaseId = path.trim_start_matches("/cases/").parse().unwrap_or_else(|_| panic!("id"));
    let code = app.store().case(id).await.map(|c| c.code).unwrap_or_default();
    let export = format!("/privacy/child-export?code={code}");

    let mut officer_c = app.signed_in(&officer).await;
    let report = officer_c.get(&format!("/privacy/access-report?code={code}")).await;
    assert!(report.body.contains("id=\"child-export\""), "the report links to the export");
    let r = officer_c.get(&export).await;
    assert_eq!(r.status, StatusCode::OK);
    let disposition = r.headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(disposition, format!("attachment; filename=\"passerelle-{code}.json\""));
    let doc = r.json();
    assert!(doc["notice"].as_str().is_some_and(|n| n.starts_with("Document à réviser")));
    assert_eq!(doc["identity"]["given_name"], "Clémence");
    assert_eq!(doc["notes"][0]["text"], "Elle aime dessiner.");
    assert_eq!(doc["case_code"], code.as_str());
    // Another organization's officer, a case worker, a stranger: nothing.
    let mut other = app.signed_in(&officer_b).await;
    assert_eq!(other.get(&export).await.status, StatusCode::NOT_FOUND);
    assert_eq!(worker_c.get(&export).await.status, StatusCode::FORBIDDEN);
    let stranger = app.client().get(&export).await;
    assert!(stranger.status.is_redirection() && !stranger.body.contains("Clémence"));
    // The export is in the access report.
    let again = officer_c.get(&format!("/privacy/access-report?code={code}")).await;
    assert!(again.body.contains("a exporté les renseignements de l"), "{}", again.body);
    app.cleanup().await;
}

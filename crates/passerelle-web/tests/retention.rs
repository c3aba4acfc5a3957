//! Retention periods and the published privacy contact (system administrator), legal holds on
//! the case page (supervisors), the confidentiality-incident register (privacy officers) and
//! the public privacy page, with the refusals of every other role.

mod support;

use axum::http::{StatusCode, header};
use passerelle_core::case::{CaseStats, Identity};
use support::TestApp;

#[tokio::test]
async fn the_administrator_sets_periods_and_the_public_page_names_the_officer() {
    let app = TestApp::new().await;
    let org = app.org("Installation Rétention").await;
    let admin = app.persona(org, "sysadmin-r", "system_admin", true).await;
    let org_admin = app.persona(org, "orgadmin-r", "org_admin", true).await;
    let officer = app.persona(org, "officer-pr", "privacy_officer", true).await;

    // Before anything is published, the public page says so, in both languages, with no cookie.
    let mut anon = app.client();
    let r = anon.get("/privacy").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"privacy-contact-missing\""));
    assert!(r.headers.get(header::SET_COOKIE).is_none(), "no cookie on a public page");
    assert!(anon.cookies.is_empty());

    let mut a = app.signed_in(&admin).await;
    let page = a.get("/admin/retention").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"closed_case\"") && page.body.contains("value=\"60\""));
    assert!(page.body.contains("href=\"/admin/retention\""), "in the navigation");
    assert!(page.body.contains("href=\"/privacy\""), "the footer links the public page");
    let periods = [("closed_case", "84"), ("anonymous_screening", "3"), ("draft_screening", "1"), ("incident", "72")];
    let r = a.post_form("/admin/retention", "/admin/retention", &periods).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/admin/retention?notice=retention-saved"));
    let rules = app.store().retention_rules().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rules.months(passerelle_core::retention::RecordKind::ClosedCase), 84);
    // The five-year floor of the incident register cannot be lowered.
    let low = [("closed_case", "84"), ("anonymous_screening", "3"), ("draft_screening", "1"), ("incident", "12")];
    let r = a.post_form("/admin/retention", "/admin/retention", &low).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("class=\"field-error\""), "{}", r.body);
    assert_eq!(
        app.store().retention_rules().await.map(|r| r.months(passerelle_core::retention::RecordKind::Incident)).ok(),
        Some(72)
    );

    let contact = [
        ("title", "Responsable de la protection des renseignements personnels"),
        ("name", "Direction des affaires juridiques"),
        ("email", "vie-privee@exemple.qc.ca"),
        ("phone", "514 555-0100"),
        ("postal_address", "1000, rue Fictive\nMontréal (Québec)  H0H 0H0"),
    ];
    let r = a.post_form("/admin/retention", "/admin/privacy-contact", &contact).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let bad = [("title", "x"), ("name", "y"), ("email", "nope"), ("phone", "514 555-0100"), ("postal_address", "z")];
    let r = a.post_form("/admin/retention", "/admin/privacy-contact", &bad).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("class=\"field-error\""));

    let fr = anon.get("/privacy").await;
    assert!(fr.body.contains("Direction des affaires juridiques") && fr.body.contains("vie-privee@exemple.qc.ca"));
    assert!(fr.body.contains("lang=\"fr"));
    let en = anon.get("/en/privacy").await;
    assert_eq!(en.status, StatusCode::OK);
    assert!(en.body.contains("Person in charge") && en.body.contains("514 555-0100"));
    assert!(en.headers.get(header::SET_COOKIE).is_none());

    // Nobody else sets periods or the contact.
    for p in [&org_admin, &officer] {
        let mut c = app.signed_in(p).await;
        assert_eq!(c.get("/admin/retention").await.status, StatusCode::FORBIDDEN);
        let csrf = c.get("/account").await.csrf();
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(&periods);
        assert_eq!(c.post_raw("/admin/retention", &fields).await.status, StatusCode::FORBIDDEN);
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(&contact);
        assert_eq!(c.post_raw("/admin/privacy-contact", &fields).await.status, StatusCode::FORBIDDEN);
    }
    app.cleanup().await;
}

#[tokio::test]
async fn supervisors_place_and_lift_holds_and_others_cannot() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Retenue").await;
    let other = app.org("Refuge Retenue").await;
    let supervisor = app.persona(org, "super-h", "supervisor", true).await;
    let worker = app.persona(org, "worker-h", "case_worker", true).await;
    let outsider = app.persona(other, "super-o", "supervisor", true).await;
    let identity = Identity { given_name: "Noémie".into(), family_name: "Fictive".into(), ..Identity::default() };
    let case = app
        .store()
        .create_case(org, worker.id, &identity, &CaseStats::default(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let page = format!("/cases/{}", case.id);
    let place = format!("/cases/{}/holds", case.id);

    let mut s = app.signed_in(&supervisor).await;
    let shown = s.get(&page).await;
    assert!(shown.body.contains("id=\"holds\"") && shown.body.contains(&format!("action=\"{place}\"")));
    let r = s.post_form(&page, &place, &[("reason", "court_order"), ("reference", "500-41-000000-261")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let shown = s.get(&page).await;
    assert!(shown.body.contains("id=\"hold-active\"") && shown.body.contains("500-41-000000-261"));
    assert!(shown.body.contains("Retenue pour motif juridique placée"), "in the timeline");
    let r = s.post_form(&page, &place, &[("reason", "whim"), ("reference", "")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // The assigned worker sees the hold but cannot place or lift one.
    let mut w = app.signed_in(&worker).await;
    let seen = w.get(&page).await;
    assert!(seen.body.contains("id=\"hold-active\"") && !seen.body.contains(&format!("action=\"{place}\"")));
    let r = w.post_form(&page, &place, &[("reason", "other"), ("reference", "")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let hold = app.store().holds_of(case.id).await.unwrap_or_else(|e| panic!("{e}"))[0].id;
    let lift = format!("/cases/{}/holds/{hold}/lift", case.id);
    assert_eq!(w.post_form(&page, &lift, &[]).await.status, StatusCode::FORBIDDEN);
    // Another organization's supervisor: the case does not exist.
    let mut o = app.signed_in(&outsider).await;
    assert_eq!(
        o.post_form("/cases", &place, &[("reason", "other"), ("reference", "")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(o.post_form("/cases", &lift, &[]).await.status, StatusCode::NOT_FOUND);

    let r = s.post_form(&page, &lift, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = s.get(&page).await;
    assert!(!shown.body.contains("id=\"hold-active\""));
    assert_eq!(s.post_form(&page, &lift, &[]).await.status, StatusCode::NOT_FOUND, "already lifted");
    app.cleanup().await;
}

#[tokio::test]
async fn the_privacy_officer_keeps_and_exports_the_incident_register() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Registre Web").await;
    let other = app.org("Refuge Registre Web").await;
    let officer = app.persona(org, "officer-i", "privacy_officer", true).await;
    let officer_b = app.persona(other, "officer-ib", "privacy_officer", true).await;
    let supervisor = app.persona(org, "super-i", "supervisor", true).await;
    let admin = app.persona(org, "admin-i", "org_admin", true).await;

    let mut c = app.signed_in(&officer).await;
    let list = c.get("/privacy/incidents").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("id=\"incidents-empty\"") && list.body.contains("href=\"/privacy/incidents\""));
    let form = c.get("/privacy/incidents/new").await;
    assert!(form.body.contains("id=\"incident-no-names\""), "the form warns never to write names");

    let fields = [
        ("occurred_on", "2026-03-01"),
        ("discovered_on", "2026-03-04"),
        ("description", "=HYPERLINK(\"http://x\") liste de codes envoyée au mauvais partenaire"),
        ("categories", "case_notes"),
        ("categories", "identity"),
        ("people_affected", "3"),
        ("risk", "yes"),
        ("risk_reasons", "Renseignements sensibles"),
        ("measures", "Rappel de la procédure"),
    ];
    let r = c.post_form("/privacy/incidents/new", "/privacy/incidents/new", &fields).await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/privacy/incidents?notice=incident-saved"),
        "{}",
        r.body
    );
    let list = c.get("/privacy/incidents").await;
    assert!(list.body.contains("Avis à transmettre"), "risk without notices: due");
    let incidents = app.store().incidents_of(org).await.unwrap_or_else(|e| panic!("{e}"));
    let id = incidents[0].id;
    let entry = format!("/privacy/incidents/{id}");

    // A date in the future is refused with the form shown again.
    let mut future = fields.to_vec();
    future[1] = ("discovered_on", "2999-01-01");
    let r = c.post_form("/privacy/incidents/new", "/privacy/incidents/new", &future).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("class=\"field-error\""));

    // Recording the notices.
    let mut done = fields.to_vec();
    done.push(("cai_notified_on", "2026-03-05"));
    done.push(("persons_notified_on", "2026-03-06"));
    done.push(("version", "1"));
    let r = c.post_form(&entry, &entry, &done).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(c.get("/privacy/incidents").await.body.contains("Avis transmis"));
    assert_eq!(c.post_form(&entry, &entry, &done).await.status, StatusCode::CONFLICT, "stale version");

    let csv = c.get("/privacy/incidents.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers.get(header::CONTENT_TYPE).is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/csv")));
    assert!(csv.headers.get(header::CONTENT_DISPOSITION).is_some());
    assert!(csv.body.starts_with("id,occurred_on,discovered_on,"));
    assert!(csv.body.contains("\"'=HYPERLINK("), "formula neutralised: {}", csv.body);
    assert!(csv.body.contains("2026-03-05") && csv.body.contains(",done,"));

    // Another organization's officer does not see it; other roles are refused.
    let mut b = app.signed_in(&officer_b).await;
    assert_eq!(b.get(&entry).await.status, StatusCode::NOT_FOUND);
    assert!(b.get("/privacy/incidents").await.body.contains("id=\"incidents-empty\""));
    assert!(!b.get("/privacy/incidents.csv").await.body.contains("HYPERLINK"));
    let csrf = b.get("/account").await.csrf();
    let mut posted = vec![("csrf", csrf.as_str())];
    posted.extend_from_slice(&done);
    assert_eq!(b.post_raw(&entry, &posted).await.status, StatusCode::NOT_FOUND);
    for p in [&supervisor, &admin] {
        let mut x = app.signed_in(p).await;
        for path in ["/privacy/incidents", "/privacy/incidents/new", "/privacy/incidents.csv", entry.as_str()] {
            assert_eq!(x.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
        }
    }
    // Every access to the register is in the trail.
    let trail = app
        .store()
        .audit_entries(&passerelle_store::audit::AuditFilter { limit: 500, ..Default::default() })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for action in ["incident.create", "incident.update", "incident.export", "incident.list"] {
        assert!(trail.iter().any(|e| e.entry.action == action), "{action}");
    }
    app.cleanup().await;
}

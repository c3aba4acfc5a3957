//! Children's cases in the web application.

mod support;

use axum::http::StatusCode;
use passerelle_store::audit::AuditFilter;
use support::TestApp;

fn field(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    body.split(&marker).nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned()
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one journey, read top to bottom")]
async fn a_worker_opens_a_case_from_a_screening_and_finds_it_by_name() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    let other_org = app.org("Refuge Ailleurs").await;
    let worker = app.persona(org, "alex", "case_worker,screener", true).await;
    let colleague = app.persona(org, "sam", "case_worker", true).await;
    let supervisor = app.persona(org, "julie", "supervisor", true).await;
    let outsider = app.persona(other_org, "bob", "supervisor", true).await;

    let mut c = app.signed_in(&worker).await;
    // A screening, evaluated.
    let r = c.post_form("/screenings/new", "/screenings/new", &[("s1_recruited", "yes")]).await;
    let edit = r.location().to_owned();
    let page = c.get(&edit).await;
    let v = field(&page.body, "version");
    let r = c
        .post_form(
            &edit,
            &edit,
            &[
                ("version", &v),
                ("action", "evaluate"),
                ("acts", "recruited"),
                ("age_years", "15"),
                ("exploitation", "sexual_services"),
            ],
        )
        .await;
    let result_path = r.location().to_owned();
    let result = c.get(&result_path).await;
    assert!(result.body.contains("/cases/new?screening="), "the result offers to open a case");
    let screening_id = result_path.trim_start_matches("/screenings/").to_owned();

    // Bad input: translated errors, nothing created.
    let new_page = format!("/cases/new?screening={screening_id}");
    let r = c
        .post_form(
            &new_page,
            "/cases/new",
            &[("screening", &screening_id), ("given_name", ""), ("birth_date", "04/03/2010")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("AAAA-MM-JJ"), "{}", r.body);

    let r = c
        .post_form(
            &new_page,
            "/cases/new",
            &[
                ("screening", &screening_id),
                ("given_name", "Émilie"),
                ("family_name", "Côté-Tremblay"),
                ("aliases", "Mimi"),
                ("birth_date", "2010-03-04"),
                ("unsafe_persons", "Jean Fictif — beau-père"),
                ("age", "15"),
                ("gender", "girl"),
                ("region", "06"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let case_path = r.location().to_owned();
    let case = c.get(&case_path).await;
    assert!(case.body.contains("Émilie") && case.body.contains("Côté-Tremblay"));
    assert!(
        case.body.contains("Ne jamais contacter") && case.body.contains("Jean Fictif"),
        "the unsafe persons are shown"
    );
    assert!(case.body.contains("Dépistage rattaché"), "the screening is in the timeline");
    // The same screening cannot open a second case.
    let again = c.post_form(&new_page, "/cases/new", &[("screening", &screening_id), ("given_name", "X")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // What the screening suggests about the trafficking, to confirm.
    assert!(
        case.body.contains("Proposé à partir des dépistages")
            && case.body.contains("Services sexuels")
            && case.body.contains("Interne")
    );
    let r = c
        .post_form(
            &case_path,
            &format!("{case_path}/profile"),
            &[("trafficking_type", "external"), ("exploitation", "forced_labour"), ("hss_region", "17")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let case = c.get(&case_path).await;
    assert!(
        case.body.contains("Confirmé par l&#39;intervenant")
            && case.body.contains("Travail forcé")
            && case.body.contains("<dd>17</dd>")
    );
    let bad = c.post_form(&case_path, &format!("{case_path}/profile"), &[("hss_region", "19")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // A note and a status change.
    let r = c
        .post_form(
            &case_path,
            &format!("{case_path}/notes"),
            &[("body", "Rencontre au refuge, elle souhaite aller à son rythme.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let case = c.get(&case_path).await;
    assert!(case.body.contains("elle souhaite aller à son rythme"));
    let version = field(&case.body, "version");
    let r = c
        .post_form(
            &case_path,
            &format!("{case_path}/status"),
            &[("status", "closed"), ("reason", ""), ("version", &version)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "closing needs a reason");
    let r =
        c.post_form(&case_path, &format!("{case_path}/status"), &[("status", "active"), ("version", &version)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let stale = c
        .post_form(&case_path, &format!("{case_path}/status"), &[("status", "monitoring"), ("version", &version)])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "a stale status change is refused");

    // Search without accents or capitals.
    for q in ["emilie", "COTE", "cote tremblay", "mimi"] {
        let r = c.get(&format!("/cases?q={}", q.replace(' ', "+"))).await;
        assert!(r.body.contains(&case_path), "search {q:?}");
    }
    assert!(!c.get("/cases?q=emili").await.body.contains(&case_path), "exact words only");

    // An unassigned colleague is refused (and it is audited); another organization sees nothing.
    let mut sam = app.signed_in(&colleague).await;
    assert_eq!(sam.get(&case_path).await.status, StatusCode::FORBIDDEN);
    assert!(!sam.get("/cases?q=emilie").await.body.contains(&case_path));
    let denied = app
        .store()
        .audit_entries(&AuditFilter { action: Some("case.denied".into()), limit: 10, ..AuditFilter::default() })
        .await
        .unwrap_or_default();
    assert_eq!(denied.len(), 1);
    let mut bob = app.signed_in(&outsider).await;
    assert_eq!(bob.get(&case_path).await.status, StatusCode::NOT_FOUND);
    assert!(!bob.get("/cases").await.body.contains(&case_path));

    // The supervisor sees every case of the organization and assigns the colleague.
    let mut julie = app.signed_in(&supervisor).await;
    let page = julie.get(&case_path).await;
    assert_eq!(page.status, StatusCode::OK);
    let v = field(&page.body, "version");
    let r = julie
        .post_form(
            &case_path,
            &format!("{case_path}/status"),
            &[("status", "closed"), ("reason", "Suivi terminé"), ("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the supervisor closes it");
    assert!(julie.get(&case_path).await.body.contains("Fermé — Suivi terminé"));
    let r = julie
        .post_form(&case_path, &format!("{case_path}/assign"), &[("user", &colleague_id(&app, "sam").await)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(sam.get(&case_path).await.status, StatusCode::OK, "now assigned");
    // A worker cannot assign.
    let r =
        c.post_form(&case_path, &format!("{case_path}/assign"), &[("user", &colleague_id(&app, "julie").await)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let reads = app
        .store()
        .audit_entries(&AuditFilter { action: Some("case.read".into()), limit: 50, ..AuditFilter::default() })
        .await
        .unwrap_or_default();
    assert!(reads.len() >= 4, "every view of the case is audited");
    app.cleanup().await;
}

async fn colleague_id(app: &TestApp, username: &str) -> String {
    app.store()
        .credentials_by_username(username)
        .await
        .ok()
        .flatten()
        .map(|c| c.user.id.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn cases_through_the_api() {
    use passerelle_core::token::ApiScope;
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    let other = app.org("Refuge Ailleurs").await;
    let worker = app.persona(org, "alex", "case_worker", true).await;
    let colleague = app.persona(org, "sam", "case_worker", true).await;
    let outsider = app.persona(other, "bob", "supervisor", true).await;
    let soon = passerelle_core::time::now() + time::Duration::days(1);
    let token = |user| {
        let store = app.store().clone();
        async move {
            store
                .create_token(user, "t", &[ApiScope::CasesRead, ApiScope::CasesWrite], soon)
                .await
                .map_or_else(|e| panic!("{e}"), |(secret, _)| secret)
        }
    };
    let (tw, tc, to) = (token(worker.id).await, token(colleague.id).await, token(outsider.id).await);
    let (read_only, _) =
        app.store().create_token(worker.id, "r", &[ApiScope::CasesRead], soon).await.unwrap_or_else(|e| panic!("{e}"));
    let mut c = app.client();

    let bad = c.api("POST", "/api/v1/cases", Some(&tw), Some(r#"{"given_name": "", "birth_date": "hier"}"#)).await;
    assert_eq!(
        (bad.status, bad.json()["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("given_name"))
    );
    let denied = c.api("POST", "/api/v1/cases", Some(&read_only), Some(r#"{"given_name": "Léa"}"#)).await;
    assert_eq!(denied.json()["error"]["code"], "insufficient_scope");
    let r = c
        .api(
            "POST",
            "/api/v1/cases",
            Some(&tw),
            Some(r#"{"given_name": "Léa", "family_name": "Fictive-Morin", "aliases": "Lili", "age": "15"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(r.json()["identity"]["given_name"], "Léa");

    let found = c.api("GET", "/api/v1/cases?q=lea+fictive", Some(&tw), None).await;
    assert_eq!(found.json().as_array().map(Vec::len), Some(1));
    let note =
        c.api("POST", &format!("/api/v1/cases/{id}/notes"), Some(&tw), Some(r#"{"body": "Première rencontre"}"#)).await;
    assert_eq!(note.status, StatusCode::CREATED);
    assert_eq!(c.api("GET", &format!("/api/v1/cases/{id}"), Some(&tw), None).await.status, StatusCode::OK);
    assert_eq!(
        c.api("GET", &format!("/api/v1/cases/{id}"), Some(&tc), None).await.status,
        StatusCode::FORBIDDEN,
        "not assigned"
    );
    assert_eq!(
        c.api("GET", &format!("/api/v1/cases/{id}"), Some(&to), None).await.status,
        StatusCode::NOT_FOUND,
        "another organization"
    );
    assert_eq!(c.api("GET", "/api/v1/cases?q=lea", Some(&tc), None).await.json().as_array().map(Vec::len), Some(0));
    let v = c.api("GET", &format!("/api/v1/cases/{id}"), Some(&tw), None).await.json()["version"]
        .as_i64()
        .unwrap_or_default();
    let body = format!(r#"{{"status": "active", "version": {v}}}"#);
    let r = c.api("POST", &format!("/api/v1/cases/{id}/status"), Some(&tw), Some(&body)).await;
    assert_eq!((r.status, r.json()["status"].as_str()), (StatusCode::OK, Some("active")));
    assert_eq!(
        c.api("POST", &format!("/api/v1/cases/{id}/status"), Some(&tw), Some(&body)).await.status,
        StatusCode::CONFLICT,
        "stale"
    );
    let close = format!(r#"{{"status": "closed", "reason": "fin", "version": {}}}"#, v + 1);
    assert_eq!(
        c.api("POST", &format!("/api/v1/cases/{id}/status"), Some(&tw), Some(&close)).await.status,
        StatusCode::FORBIDDEN,
        "supervisors close"
    );
    let assign = format!(r#"{{"user": "{}"}}"#, colleague.id);
    assert_eq!(
        c.api("POST", &format!("/api/v1/cases/{id}/assign"), Some(&tw), Some(&assign)).await.status,
        StatusCode::FORBIDDEN
    );
    let spec = c.api("GET", "/api/v1/openapi.json", None, None).await;
    assert!(spec.json()["paths"]["/api/v1/cases/{id}"].is_object());
    assert!(spec.json()["paths"]["/api/v1/cases/{id}/status"].is_object());
    app.cleanup().await;
}

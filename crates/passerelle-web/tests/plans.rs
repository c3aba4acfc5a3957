//! Needs, the service plan with supervisor approval, services and follow-ups, in the web
//! application.

mod support;

use axum::http::StatusCode;
use support::TestApp;

fn field(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    body.split(&marker).nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned()
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one journey, read top to bottom")]
async fn assessment_plan_approval_service_and_followup() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    let worker = app.persona(org, "alex", "case_worker", true).await;
    let supervisor = app.persona(org, "julie", "supervisor", true).await;
    let mut c = app.signed_in(&worker).await;
    let r = c.post_form("/cases/new", "/cases/new", &[("given_name", "Léa"), ("family_name", "Fictive")]).await;
    let case = r.location().to_owned();

    // Needs in the child's words.
    let bad =
        c.post_form(&format!("{case}/assessment"), &format!("{case}/assessment"), &[("level.safety", "extreme")]).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("error-summary"));
    let r = c
        .post_form(
            &format!("{case}/assessment"),
            &format!("{case}/assessment"),
            &[
                ("level.safety", "urgent"),
                ("view.safety", "J'ai peur qu'il me retrouve au métro"),
                ("level.education", "some"),
                ("level.legal_immigration", "significant"),
                ("trp_issued", "2026-11-01"),
                ("trp_expires", "2027-11-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(&case).await;
    assert!(page.body.contains("J&#39;ai peur qu&#39;il me retrouve au métro"), "{}", page.body);
    assert!(page.body.contains("2026-11-01 → 2027-11-01"), "the permit dates are on the case: {}", page.body);

    // The plan, in the child's words, then submitted.
    let plan = format!("{case}/plan");
    let r = c
        .post_form(
            &plan,
            &plan,
            &[("version", "0"), ("goals", ""), ("action_what", "x"), ("action_who", ""), ("action_due", "demain")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "invalid plan shown again");
    assert!(r.body.contains("error-summary"));
    let r = c
        .post_form(
            &plan,
            &plan,
            &[
                ("version", "0"),
                ("goals", "Retourner à l'école en janvier\nRevoir ma sœur"),
                ("child_participated", "on"),
                ("child_agreed", "on"),
                ("action_what", "Inscription scolaire"),
                ("action_who", "CISSS"),
                ("action_due", "2027-01-10"),
                ("review_date", "2027-02-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(&plan).await;
    assert!(page.body.contains("Retourner à l&#39;école en janvier") && page.body.contains("Brouillon"));
    // Two people edit the plan from the same version: the second sees both texts.
    let stale = field(&page.body, "version");
    let r = c
        .post_form(
            &plan,
            &plan,
            &[("version", &stale), ("goals", "Retourner à l'école en janvier\nRevoir ma sœur"), ("pace", "Doucement")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c.post_form(&plan, &plan, &[("version", &stale), ("goals", "Apprendre à conduire")]).await;
    assert_eq!(r.status, StatusCode::OK, "a conflict page, not an error");
    assert!(r.body.contains("Quelqu&#39;un d&#39;autre a modifié ce plan"), "{}", r.body);
    assert!(r.body.contains("Revoir ma sœur") && r.body.contains("Apprendre à conduire"), "both versions are shown");
    let v = field(&c.get(&plan).await.body, "version");
    let r = c.post_form(&plan, &format!("{plan}/submit"), &[("version", &v)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A worker cannot approve.
    let v = field(&c.get(&plan).await.body, "version");
    assert_eq!(c.post_form(&plan, &format!("{plan}/approve"), &[("version", &v)]).await.status, StatusCode::FORBIDDEN);

    // The supervisor sees it waiting and approves it.
    let mut s = app.signed_in(&supervisor).await;
    let due = s.get("/followups").await;
    assert!(due.body.contains(&format!("{plan}\"")), "the plan waits for approval: {}", due.body);
    let page = s.get(&plan).await;
    let v = field(&page.body, "version");
    let r = s.post_form(&plan, &format!("{plan}/approve"), &[("version", &v)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(s.get(&plan).await.body.contains("Approuvé"));
    // A stale approval is refused.
    assert_eq!(s.post_form(&plan, &format!("{plan}/approve"), &[("version", &v)]).await.status, StatusCode::CONFLICT);

    // A service and a follow-up.
    let r = c
        .post_form(
            &case,
            &format!("{case}/services"),
            &[
                ("delivered_on", "2026-11-28"),
                ("kind", "sexual_health"),
                ("provider", "Clinique"),
                ("outcome", "Dépistage fait"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        c.post_form(&case, &format!("{case}/services"), &[("delivered_on", "hier"), ("kind", "magic")]).await.status,
        StatusCode::BAD_REQUEST
    );
    let r = c
        .post_form(&case, &format!("{case}/followups"), &[("due_on", "2020-01-01"), ("text", "Appeler l'école")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let due = c.get("/followups").await;
    assert!(due.body.contains("Appeler l&#39;école") && due.body.contains("en retard"), "overdue in the worker's list");
    let page = c.get(&case).await;
    assert!(page.body.contains("Santé sexuelle") && page.body.contains("Dépistage fait"));
    let done = page.body.split("/followups/").nth(1).and_then(|s| s.split('/').next()).unwrap_or_default().to_owned();
    let r = c.post_form(&case, &format!("{case}/followups/{done}/done"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!c.get("/followups").await.body.contains("Appeler l&#39;école"), "done follow-ups leave the list");
    app.cleanup().await;
}

#[tokio::test]
async fn case_management_through_the_api() {
    use passerelle_core::token::ApiScope;
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    let worker = app.persona(org, "alex", "case_worker", true).await;
    let supervisor = app.persona(org, "julie", "supervisor", true).await;
    let soon = passerelle_core::time::now() + time::Duration::days(1);
    let scopes = [ApiScope::CasesRead, ApiScope::CasesWrite];
    let (tw, _) = app.store().create_token(worker.id, "w", &scopes, soon).await.unwrap_or_else(|e| panic!("{e}"));
    let (ts, _) = app.store().create_token(supervisor.id, "s", &scopes, soon).await.unwrap_or_else(|e| panic!("{e}"));
    let mut c = app.client();
    let r = c.api("POST", "/api/v1/cases", Some(&tw), Some(r#"{"given_name": "Léa"}"#)).await;
    let id = r.json()["id"].as_str().unwrap_or_default().to_owned();
    let base = format!("/api/v1/cases/{id}");

    let bad = c
        .api(
            "POST",
            &format!("{base}/assessments"),
            Some(&tw),
            Some(r#"{"entries": [{"domain": "safety", "level": "extreme", "child_view": "", "notes": ""}]}"#),
        )
        .await;
    assert_eq!((bad.status, bad.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("level")));
    let ok = c
        .api(
            "POST",
            &format!("{base}/assessments"),
            Some(&tw),
            Some(r#"{"entries": [{"domain": "safety", "level": "urgent", "child_view": "J'ai peur", "notes": ""}]}"#),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(
        c.api("GET", &format!("{base}/assessments"), Some(&tw), None).await.json()[0]["needs"]["entries"][0]["child_view"],
        "J'ai peur"
    );

    let plan = r#"{"version": 0, "plan": {"goals": ["Retourner à l'école"], "child_participated": true, "child_agreed": true, "preferred_language": "fr", "worker_gender": "", "not_shared": "", "pace": "", "actions": [], "review_date": ""}}"#;
    assert_eq!(c.api("PUT", &format!("{base}/plan"), Some(&tw), Some(plan)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        c.api("PUT", &format!("{base}/plan"), Some(&tw), Some(plan)).await.status,
        StatusCode::CONFLICT,
        "stale version"
    );
    assert_eq!(
        c.api("POST", &format!("{base}/plan/submit"), Some(&tw), Some(r#"{"version": 1}"#)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        c.api("POST", &format!("{base}/plan/approve"), Some(&tw), Some(r#"{"version": 2}"#)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.api("POST", &format!("{base}/plan/approve"), Some(&ts), Some(r#"{"version": 2}"#)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(c.api("GET", &format!("{base}/plan"), Some(&tw), None).await.json()["status"], "approved");

    let bad = c
        .api("POST", &format!("{base}/services"), Some(&tw), Some(r#"{"delivered_on": "hier", "kind": "shelter"}"#))
        .await;
    assert_eq!(bad.json()["error"]["field"], "delivered_on");
    let ok = c
        .api(
            "POST",
            &format!("{base}/services"),
            Some(&tw),
            Some(r#"{"delivered_on": "2026-11-28", "kind": "shelter", "provider": "Refuge", "outcome": "Hébergée"}"#),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(c.api("GET", &format!("{base}/services"), Some(&tw), None).await.json()[0]["outcome"], "Hébergée");
    let ok = c
        .api(
            "POST",
            &format!("{base}/followups"),
            Some(&tw),
            Some(r#"{"due_on": "2026-12-05", "text": "Appeler l'école"}"#),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(c.api("GET", &format!("{base}/followups"), Some(&tw), None).await.json()[0]["text"], "Appeler l'école");
    let spec = c.api("GET", "/api/v1/openapi.json", None, None).await;
    assert!(spec.json()["paths"]["/api/v1/cases/{id}/plan"]["put"].is_object());
    app.cleanup().await;
}

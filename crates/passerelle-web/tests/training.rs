//! Training in the web application, end to end in process: a module and its quiz in both
//! languages, the organization's completion view, and required modules that block screening
//! and opening cases until they are passed (pages and API).

mod support;

use axum::http::StatusCode;
use passerelle_core::token::ApiScope;
use passerelle_web::training::{Module, catalogue};
use support::{Client, TestApp};

/// `text` as the templates escape it.
fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn first_module() -> &'static Module {
    &catalogue().unwrap_or_else(|_| panic!("catalogue")).modules[0]
}

fn module(id: &str) -> &'static Module {
    catalogue().unwrap_or_else(|_| panic!("catalogue")).module(id).unwrap_or_else(|| panic!("{id}"))
}

/// Every right answer of `m`, as form fields.
fn right_answers(m: &Module) -> Vec<(String, String)> {
    m.questions.iter().flat_map(|q| q.correct().into_iter().map(move |c| (q.id.clone(), c.to_string()))).collect()
}

/// One wrong answer for every question.
fn wrong_answers(m: &Module) -> Vec<(String, String)> {
    m.questions
        .iter()
        .map(|q| {
            let wrong = q.choices.iter().position(|c| !c.correct).unwrap_or_default();
            (q.id.clone(), wrong.to_string())
        })
        .collect()
}

async fn take(c: &mut Client, m: &Module, answers: &[(String, String)]) -> support::Resp {
    let path = format!("/training/{}", m.id);
    let fields: Vec<(&str, &str)> = answers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post_form(&path, &path, &fields).await
}

#[tokio::test]
async fn a_professional_takes_a_module_in_both_languages() {
    let app = TestApp::new().await;
    let org = app.org("Refuge Formation").await;
    let p = app.persona(org, "nadia", "screener", true).await;
    let mut c = app.signed_in(&p).await;
    let m = first_module();

    let home = c.get("/").await;
    assert!(home.body.contains("href=\"/training\""), "the navigation offers training");
    let list = c.get("/training").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&html(&m.title.fr)) && list.body.contains("Pas commencé"), "{}", list.body);

    // French: the lessons, then the quiz; a question left out brings the form back.
    let page = c.get(&format!("/training/{}", m.id)).await;
    assert!(page.body.contains(&html(&m.lessons[0].title.fr)) && page.body.contains(&html(&m.questions[0].text.fr)));
    let mut partial = right_answers(m);
    let left_out = m.questions.last().map(|q| q.id.clone()).unwrap_or_default();
    partial.retain(|(k, _)| *k != left_out);
    let r = take(&mut c, m, &partial).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"quiz-error\""), "unanswered questions are pointed out");
    let first = &m.questions[0];
    let kept = format!("name=\"{}\" value=\"{}\" checked", first.id, first.correct()[0]);
    assert!(r.body.contains(&kept), "answers given are kept");
    assert!(app.store().completions_of(p.id).await.unwrap_or_default().is_empty(), "nothing recorded yet");

    let r = take(&mut c, m, &wrong_answers(m)).await;
    assert!(r.body.contains("Pas encore réussi"), "{}", r.body);
    assert!(r.body.contains(&html(&first.explain.fr)), "every answer is explained");
    assert!(r.body.contains("Recommencer le questionnaire"));
    let r = take(&mut c, m, &right_answers(m)).await;
    assert!(r.body.contains("Module réussi") && r.body.contains("100 %"), "{}", r.body);

    // English: the same module, passed again; the pass stays dated from the first time.
    c.get("/lang/en?next=/").await;
    let page = c.get(&format!("/training/{}", m.id)).await;
    assert!(page.body.contains(&html(&m.lessons[0].title.en)) && page.body.contains("You passed this module on"));
    let r = take(&mut c, m, &right_answers(m)).await;
    assert!(r.body.contains("Module passed") && r.body.contains(&html(&first.explain.en)), "{}", r.body);
    let attempts = app.store().attempts_of(p.id).await.unwrap_or_default();
    assert_eq!(
        attempts.iter().map(|a| (a.lang.as_str(), a.passed)).collect::<Vec<_>>(),
        [("fr", false), ("fr", true), ("en", true)]
    );
    assert_eq!(app.store().completions_of(p.id).await.unwrap_or_default().len(), 1);
    let list = c.get("/training").await;
    assert!(list.body.contains("Passed on"));

    // Forged answers are refused, and an unknown module does not exist.
    let path = format!("/training/{}", m.id);
    for bad in [vec![(first.id.as_str(), "99")], vec![("not-a-question", "0")], vec![(first.id.as_str(), "x")]] {
        assert_eq!(c.post_form(&path, &path, &bad).await.status, StatusCode::BAD_REQUEST, "{bad:?}");
    }
    assert_eq!(c.get("/training/no-such-module").await.status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

#[tokio::test]
async fn a_required_module_blocks_screening_and_opening_cases_until_passed() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Formation").await;
    let other = app.org("Autre organisation").await;
    let admin = app.persona(org, "admin", "org_admin", true).await;
    let screener = app.persona(org, "sami", "screener", true).await;
    let worker = app.persona(org, "wendy", "case_worker", true).await;
    let outsider = app.persona(other, "trainer", "trainer", false).await;
    let recognising = module("recognising");
    let law = module("law-and-recourses");

    // Nobody is blocked before anything is required.
    let mut screener_c = app.signed_in(&screener).await;
    assert_eq!(screener_c.get("/screenings/new").await.status, StatusCode::OK);

    // The administrator requires one module of screeners and two of case workers.
    let mut admin_c = app.signed_in(&admin).await;
    let page = admin_c.get("/training/completion").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("value=\"screener:recognising\""));
    assert!(!page.body.contains("value=\"analyst:"), "only roles that screen or open cases are offered");
    let r = admin_c
        .post_form(
            "/training/completion",
            "/training/requirements",
            &[
                ("require", "screener:recognising"),
                ("require", "case_worker:recognising"),
                ("require", "case_worker:law-and-recourses"),
            ],
        )
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/training/completion?notice=requirements-saved"));
    let page = admin_c.get("/training/completion?notice=requirements-saved").await;
    assert!(page.body.contains("value=\"screener:recognising\" checked"));
    assert!(page.body.contains("Les exigences de formation sont enregistrées"));
    for bad in ["analyst:recognising", "screener:no-such-module", "root:recognising", "screener"] {
        let r = admin_c.post_form("/training/completion", "/training/requirements", &[("require", bad)]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(app.store().training_requirements(org).await.unwrap_or_default().len(), 3, "refusals change nothing");

    // The screener is sent to the catalogue, which says what is missing.
    let r = screener_c.get("/screenings/new").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/training?required=1"), "{}", r.location());
    let r = screener_c.post_form("/screenings", "/screenings/new", &[("s1_danger", "no"), ("region", "06")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "posting the form is blocked too");
    assert!(r.location().starts_with("/training?required=1"));
    let list = screener_c.get("/training?required=1").await;
    assert!(list.body.contains("id=\"training-required\"") && list.body.contains(&html(&recognising.title.fr)));
    assert!(list.body.contains("Exigé par votre organisation"));
    // Reading what already exists stays possible.
    assert_eq!(screener_c.get("/screenings").await.status, StatusCode::OK);

    // The API refuses screening for the same reason.
    let soon = passerelle_core::time::now() + time::Duration::days(1);
    let (token, _) = app
        .store()
        .create_token(screener.id, "outil", &[ApiScope::ScreeningsEvaluate], soon)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let facts = r#"{"age_years":15,"acts":[],"means":[],"purposes":[]}"#;
    let r = screener_c.api("POST", "/api/v1/screenings/evaluate", Some(&token), Some(facts)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "training_required");

    // Passing the module lifts the block, on the pages and in the API.
    take(&mut screener_c, recognising, &right_answers(recognising)).await;
    assert_eq!(screener_c.get("/screenings/new").await.status, StatusCode::OK);
    let r = screener_c.api("POST", "/api/v1/screenings/evaluate", Some(&token), Some(facts)).await;
    assert_ne!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // The case worker needs both modules before opening a case.
    let mut worker_c = app.signed_in(&worker).await;
    assert!(worker_c.get("/cases/new").await.location().starts_with("/training?required=1"));
    take(&mut worker_c, recognising, &right_answers(recognising)).await;
    assert!(
        worker_c.get("/cases/new").await.location().starts_with("/training?required=1"),
        "one of two is not enough"
    );
    take(&mut worker_c, law, &wrong_answers(law)).await;
    assert!(
        worker_c.get("/cases/new").await.location().starts_with("/training?required=1"),
        "a failed quiz is not a pass"
    );
    take(&mut worker_c, law, &right_answers(law)).await;
    assert_eq!(worker_c.get("/cases/new").await.status, StatusCode::OK);
    assert_eq!(worker_c.get("/cases").await.status, StatusCode::OK);

    // The administrator sees who completed what; others cannot.
    let page = admin_c.get("/training/completion").await;
    let table = page.body.split("<table class=\"training-completion\">").nth(1).unwrap_or_default();
    assert_eq!(table.matches("✓ ").count(), 3, "{table}");
    assert_eq!(screener_c.get("/training/completion").await.status, StatusCode::FORBIDDEN);
    let r = screener_c.post_form("/training", "/training/requirements", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut outsider_c = app.signed_in(&outsider).await;
    let theirs = outsider_c.get("/training/completion").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains("✓ "), "another organization's completions are not shown");
    app.cleanup().await;
}

//! Screening in the web application, end to end in process.

mod support;

use axum::http::StatusCode;
use support::TestApp;

fn field(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    body.split(&marker).nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned()
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one journey, read top to bottom")]
async fn anonymous_screening_in_both_languages_with_a_decision() {
    let app = TestApp::new().await;
    let org = app.org("Refuge Test").await;
    let p = app.persona(org, "nadia", "screener", true).await;
    let mut c = app.signed_in(&p).await;
    for lang in ["fr", "en"] {
        c.get(&format!("/lang/{lang}?next=/")).await;
        let home = c.get("/").await;
        assert!(home.body.contains("href=\"/screenings/new\""), "the home page offers screening");
        let r = c
            .post_form(
                "/screenings/new",
                "/screenings/new",
                &[("s1_danger", "no"), ("s1_recruited", "yes"), ("region", "06")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let edit_path = r.location().to_owned();
        assert!(edit_path.ends_with("/edit"), "a sign goes on to the full assessment: {edit_path}");
        let edit = c.get(&edit_path).await;
        assert!(edit.body.contains("value=\"recruited\" checked"), "stage-1 answers carry into stage 2");
        let version = field(&edit.body, "version");
        // Save a draft, then resume it.
        let r = c
            .post_form(
                &edit_path,
                &edit_path,
                &[
                    ("version", &version),
                    ("action", "draft"),
                    ("acts", "recruited"),
                    ("age_years", "15"),
                    ("notes", "Menace reçue en ligne"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let resumed = c.get(r.location()).await;
        assert!(resumed.body.contains("value=\"15\""), "the draft keeps the age");
        assert!(resumed.body.contains("Menace reçue en ligne"), "and the notes");
        let v2 = field(&resumed.body, "version");
        // A second submission of the old form is refused (no lost update).
        let stale = c.post_form(&edit_path, &edit_path, &[("version", &version), ("action", "draft")]).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        // Evaluate.
        let r = c
            .post_form(
                &edit_path,
                &edit_path,
                &[
                    ("version", &v2),
                    ("action", "evaluate"),
                    ("acts", "recruited"),
                    ("age_years", "15"),
                    ("exploitation", "sexual_services"),
                    ("region", "06"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let result_path = r.location().to_owned();
        let result = c.get(&result_path).await;
        let (indicated, report) = if lang == "fr" {
            ("Traite indiquée", "Signalement au DPJ")
        } else {
            ("Trafficking indicated", "Report to the DPJ")
        };
        assert!(result.body.contains(indicated) && result.body.contains(report), "{}", result.body);
        assert!(result.body.contains("1-833-900-1010"), "the hotline is given");
        assert!(result.body.contains("CC 279.011") && result.body.contains("CC 286.1(2)"));
        assert!(
            result.body.contains("href=\"/legal/criminal-code#cc-279-011\""),
            "each provision links to its explanation"
        );
        // Frozen once evaluated.
        assert_eq!(c.get(&edit_path).await.location(), result_path);
        // The professional's decision.
        let v3 = field(&result.body, "version");
        let r = c
            .post_form(
                &result_path,
                &format!("{result_path}/decision"),
                &[("version", &v3), ("decision", "report_dpj"), ("reason", "Signalement fait par téléphone")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let after = c.get(r.location()).await;
        assert!(after.body.contains("Signalement fait par téléphone"));
        let bad = c
            .post_form(&result_path, &format!("{result_path}/decision"), &[("version", &v3), ("decision", "shrug")])
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        let print = c.get(&format!("{result_path}/print")).await;
        assert!(
            print.status == StatusCode::OK && !print.body.contains("/decision\""),
            "the printable summary has no form"
        );
    }
    let list = c.get("/screenings?flag=report_to_youth_protection").await;
    assert_eq!(list.body.matches("\">Open</a>").count(), 2, "both screenings listed: {}", list.body);
    let today = passerelle_core::time::today_in_quebec();
    let dated = c.get(&format!("/screenings?from={today}&to={today}")).await;
    assert_eq!(dated.body.matches("\">Open</a>").count(), 2, "today's screenings");
    let later = c.get(&format!("/screenings?from={}", today.next_day().unwrap_or(today))).await;
    assert_eq!(later.body.matches("\">Open</a>").count(), 0, "none from tomorrow on");
    let none = c.get("/screenings?flag=immediate_danger").await;
    assert_eq!(none.body.matches("\">Open</a>").count(), 0);
    app.cleanup().await;
}

#[tokio::test]
async fn no_sign_at_stage_one_and_invalid_answers() {
    let app = TestApp::new().await;
    let org = app.org("Refuge Test").await;
    let p = app.persona(org, "nadia", "screener", true).await;
    let mut c = app.signed_in(&p).await;
    let all_no: Vec<(&str, &str)> =
        ["s1_danger", "s1_recruited", "s1_control", "s1_sexual_exchange", "s1_third_party_benefit", "s1_fear"]
            .iter()
            .map(|q| (*q, "no"))
            .collect();
    let r = c.post_form("/screenings/new", "/screenings/new", &all_no).await;
    assert!(r.location().ends_with("/edit?stage1=clear"), "{}", r.location());
    let page = c.get(r.location()).await;
    assert!(page.body.contains("Aucun indice à cette étape"));

    // Answers outside the instrument are refused with a translated message; nothing stored.
    let before = app
        .store()
        .screenings_of(org, &passerelle_store::screenings::ScreeningFilter { limit: 100, ..Default::default() })
        .await
        .unwrap_or_default()
        .len();
    let r = c.post_form("/screenings/new", "/screenings/new", &[("s1_danger", "perhaps")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("error-summary"));
    let r = c.post_form("/screenings/new", "/screenings/new", &[("colour", "red")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let after = app
        .store()
        .screenings_of(org, &passerelle_store::screenings::ScreeningFilter { limit: 100, ..Default::default() })
        .await
        .unwrap_or_default()
        .len();
    assert_eq!(before, after);
    app.cleanup().await;
}

#[tokio::test]
async fn screenings_stay_in_their_organization() {
    let app = TestApp::new().await;
    let a = app.org("Refuge A").await;
    let b = app.org("Refuge B").await;
    let pa = app.persona(a, "ann", "screener", true).await;
    let pb = app.persona(b, "bob", "supervisor", true).await;
    let analyst = app.persona(a, "stats", "analyst", false).await;
    let mut ca = app.signed_in(&pa).await;
    let r = ca.post_form("/screenings/new", "/screenings/new", &[("s1_recruited", "yes")]).await;
    let edit_path = r.location().to_owned();
    let mut cb = app.signed_in(&pb).await;
    assert_eq!(cb.get(&edit_path).await.status, StatusCode::NOT_FOUND, "another organization cannot open it");
    let r = cb.post_form("/screenings", &edit_path, &[("version", "1"), ("action", "evaluate")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!cb.get("/screenings").await.body.contains(&edit_path));
    let mut cs = app.signed_in(&analyst).await;
    assert_eq!(cs.get("/screenings").await.status, StatusCode::FORBIDDEN, "analysts do not screen");
    assert_eq!(cs.get("/screenings/new").await.status, StatusCode::FORBIDDEN);
    app.cleanup().await;
}

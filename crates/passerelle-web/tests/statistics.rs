//! The analysts' statistics, end to end in process: the dashboard before and after a
//! publication made from the page, refusals that spend nothing, the downloads (CSV, printable
//! report, HTCDS export), and that no other role reaches any of it nor any child's identity.

mod support;

use axum::http::{StatusCode, header};
use passerelle_core::audit::Outcome;
use passerelle_core::case::{CaseProfile, CaseStats, Identity};
use passerelle_core::ids::{CaseId, OrgId, UserId};
use passerelle_stats::{HTCDS_FIELDS, Publication};
use passerelle_store::audit::AuditFilter;
use passerelle_store::import::ImportCase;
use support::{Client, TestApp};

/// A given name no vocabulary holds, so that finding it anywhere means a leak.
const GIVEN: &str = "Quenelda";
const FAMILY: &str = "Brisebois-Xantippe";

/// Sixty children opened this year: three regions of twenty alike (so that HTCDS groups are
/// large), and two children with a profile of their own.
async fn children(app: &TestApp, org: OrgId, by: UserId) -> Vec<CaseId> {
    let now = passerelle_core::time::now();
    let case = |i: usize, region: &str, age: i32, gender: &str, kind: &str, exploitation: &str| ImportCase {
        org,
        by,
        identity: Identity {
            given_name: format!("{GIVEN}{i}"),
            family_name: FAMILY.to_owned(),
            birth_date: Some("2011-03-04".to_owned()),
            ..Identity::default()
        },
        stats: CaseStats {
            age_at_identification: Some(age),
            gender: Some(gender.to_owned()),
            region: region.parse().ok(),
            ..CaseStats::default()
        },
        profile: CaseProfile {
            hss_region: None,
            trafficking_type: Some(kind.to_owned()),
            exploitation: vec![exploitation.to_owned()],
            confirmed: true,
        },
        presenting_situation: Some("runaway".to_owned()),
        opened_at: now,
        linkage: None,
    };
    let mut cases: Vec<ImportCase> =
        (0..60).map(|i| case(i, ["06", "13", "16"][i % 3], 15, "girl", "internal", "sexual_services")).collect();
    cases.push(case(60, "10", 9, "boy", "external", "forced_labour"));
    cases.push(case(61, "09", 17, "non_binary", "external", "organ_removal"));
    app.store().import_cases(&cases).await.unwrap_or_else(|e| panic!("{e}"))
}

async fn setup(app: &TestApp) -> (Client, Vec<CaseId>) {
    let org = app.org("CISSS Statistiques").await;
    let worker = app.persona(org, "wanda", "case_worker", true).await;
    let ids = children(app, org, worker.id).await;
    let analyst = app.persona(org, "emma", "analyst", false).await;
    (app.signed_in(&analyst).await, ids)
}

async fn spent(app: &TestApp) -> f64 {
    let period = passerelle_web::statistics::current_period().unwrap_or_else(|e| panic!("{e}"));
    app.store().privacy_budget(&period, 3.0).await.unwrap_or_else(|e| panic!("{e}")).spent
}

async fn audited(app: &TestApp, action: &str, outcome: Outcome) -> usize {
    let f = AuditFilter { action: Some(action.into()), outcome: Some(outcome), limit: 50, ..AuditFilter::default() };
    app.store().audit_entries(&f).await.unwrap_or_default().len()
}

fn assert_no_identity(body: &str, ids: &[CaseId], what: &str) {
    assert!(!body.contains(GIVEN) && !body.contains(FAMILY), "{what} shows a name");
    for id in ids {
        assert!(!body.contains(&id.0.to_string()), "{what} shows a case id");
    }
}

#[tokio::test]
async fn an_analyst_publishes_from_the_dashboard_and_downloads_it() {
    let app = TestApp::new().await;
    let (mut c, ids) = setup(&app).await;

    let home = c.get("/").await;
    assert!(home.body.contains("href=\"/statistics\""), "navigation and home card lead to the dashboard");
    let page = c.get("/statistics").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"no-publication\"") && page.body.contains("Aucune publication"), "{}", page.body);
    assert!(page.body.contains("Budget de confidentialité") && page.body.contains("ε = 3"));

    // Refusals: not a number, zero, negative, more than the year holds. Nothing is spent.
    for bad in ["abc", "0", "-1", "", "NaN"] {
        let r = c.post_form("/statistics", "/statistics/publish", &[("epsilon", bad)]).await;
        assert_eq!(r.status, StatusCode::OK, "{bad}");
        assert!(r.body.contains("Saisissez un nombre plus grand que zéro"), "{bad}: {}", r.body);
        assert!(r.body.contains("aria-invalid=\"true\""));
    }
    let r = c.post_form("/statistics", "/statistics/publish", &[("epsilon", "3,5")]).await;
    assert!(r.body.contains("dépasse ce qui reste") && r.body.contains("ε = 3)"), "{}", r.body);
    assert!(spent(&app).await.abs() < f64::EPSILON, "nothing spent");
    assert!(app.store().publications(10).await.unwrap_or_default().is_empty());
    assert_eq!(audited(&app, "stats.publish", Outcome::Failure).await, 6);

    // A publication, with a French decimal comma.
    let r = c.post_form("/statistics", "/statistics/publish", &[("epsilon", "2,5")]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/statistics?notice=stats-published"), "{}", r.body);
    assert!((spent(&app).await - 2.5).abs() < 1e-9);
    assert_eq!(audited(&app, "stats.publish", Outcome::Success).await, 1);
    let stored = app.store().publications(10).await.unwrap_or_default();
    assert_eq!(stored.len(), 1);
    let doc: Publication = serde_json::from_str(&stored[0].document).unwrap_or_else(|e| panic!("{e}"));
    assert!(doc.tables[0].cells[0].value.is_some(), "sixty children at ε 2.5: the total is published");

    let page = c.get("/statistics?notice=stats-published").await;
    assert!(page.body.contains("La publication est enregistrée"));
    assert!(page.body.contains("role=\"img\"") && page.body.contains("<title id=\"map-t\">"), "charts and map");
    assert!(page.body.contains("Montérégie") && page.body.contains("14 ou 15 ans"), "values have labels");
    assert!(page.body.contains("scope=\"row\"") && page.body.contains("<caption>"));
    assert!(page.body.contains("supprimé"), "small cells are shown as suppressed");
    assert!(!page.body.contains("style="), "no inline style: the policy would block it");
    assert!(page.body.contains("ε = 0,5"), "the remaining budget");
    assert_no_identity(&page.body, &ids, "the dashboard");

    // Still within budget, then over it: refused and nothing spent.
    let r = c.post_form("/statistics", "/statistics/publish", &[("epsilon", "1")]).await;
    assert!(r.body.contains("dépasse ce qui reste"), "{}", r.body);
    assert!((spent(&app).await - 2.5).abs() < 1e-9);

    // A second publication; the selector shows the first one again.
    let r = c.post_form("/statistics", "/statistics/publish", &[("epsilon", "0.5")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let first = stored[0].id.to_string();
    let page = c.get(&format!("/statistics?id={first}")).await;
    assert!(page.body.contains(&format!("<option value=\"{first}\" selected>")), "{}", page.body);
    assert_eq!(c.get("/statistics?id=not-an-id").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get(&format!("/statistics?id={}", uuid::Uuid::now_v7())).await.status, StatusCode::NOT_FOUND);

    // CSV: the header, one line per cell, nothing identifying.
    let r = c.get(&format!("/statistics/{first}/csv")).await;
    assert_eq!(r.status, StatusCode::OK);
    let disposition = r.headers.get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(disposition.starts_with("attachment; filename=\"passerelle-statistiques-"), "{disposition}");
    assert!(r.headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/csv")));
    let lines: Vec<&str> = r.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "table,region,age_band,gender,internal_external,exploitation,presenting_situation,referral_source,period,\
         value,suppressed,margin_95"
    );
    let cells: usize = doc.tables.iter().map(|t| t.cells.len()).sum();
    assert_eq!(lines.len(), cells + 1);
    assert_no_identity(&r.body, &ids, "the CSV");

    // The printable report, in both languages.
    let r = c.get(&format!("/statistics/{first}/report")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Méthode") && r.body.contains("La confidentialité différentielle"), "{}", r.body);
    assert!(r.body.contains("ε = 2,5") && r.body.contains("marge à 95 %"));
    // The margin is the noise's: the report says what it leaves out (children not linked).
    assert!(r.body.contains("Ce que la marge ne couvre pas") && r.body.contains("compté deux fois"));
    assert_no_identity(&r.body, &ids, "the report");
    c.get("/lang/en?next=/").await;
    let r = c.get(&format!("/statistics/{first}/report")).await;
    assert!(r.body.contains("Differential privacy") && r.body.contains("What the margin means"), "{}", r.body);
    assert!(r.body.contains("What the margin does not cover") && r.body.contains("counted twice"));
    assert!(r.body.contains("ε = 2.5") && r.body.contains("Children by administrative region"));
    assert_eq!(c.get(&format!("/statistics/{}/report", uuid::Uuid::now_v7())).await.status, StatusCode::NOT_FOUND);
    let page = c.get("/statistics").await;
    assert!(page.body.contains("De-identified statistics") && page.body.contains("suppressed"));

    // HTCDS: only the allowed columns, k-anonymous, audited.
    let r = c.get("/statistics/htcds.csv").await;
    assert_eq!(r.status, StatusCode::OK);
    let disposition = r.headers.get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(disposition.starts_with("attachment; filename=\"passerelle-htcds-"), "{disposition}");
    let lines: Vec<&str> = r.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], HTCDS_FIELDS.join(","));
    assert_eq!(lines.len(), 61, "sixty children in groups of twenty; the two unique ones are left out");
    for l in &lines[1..] {
        assert_eq!(l.split(',').count(), HTCDS_FIELDS.len(), "{l}");
        assert!(l.contains(",Feminine,14-15,PossibleVictimOfTrafficking,SexualExploitation,Internal,"), "{l}");
    }
    assert!(!r.body.contains("Masculine") && !r.body.contains(",10,"), "the unique children are not in it");
    assert_no_identity(&r.body, &ids, "the HTCDS export");
    assert_eq!(audited(&app, "stats.htcds", Outcome::Success).await, 1);
    app.cleanup().await;
}

#[tokio::test]
async fn no_other_role_reaches_statistics() {
    let app = TestApp::new().await;
    let (mut analyst, ids) = setup(&app).await;
    let r = analyst.post_form("/statistics", "/statistics/publish", &[("epsilon", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let id = app.store().publications(1).await.unwrap_or_default()[0].id;
    let org = app.org("Autre organisme").await;
    let gets = [
        "/statistics".to_owned(),
        format!("/statistics?id={id}"),
        format!("/statistics/{id}/csv"),
        format!("/statistics/{id}/report"),
        "/statistics/htcds.csv".to_owned(),
    ];
    for role in ["screener", "case_worker", "supervisor", "org_admin", "privacy_officer", "trainer"] {
        let p = app.persona(org, &format!("user-{role}"), role, true).await;
        let mut c = app.signed_in(&p).await;
        let home = c.get("/").await;
        assert!(!home.body.contains("href=\"/statistics\""), "{role} is not offered statistics");
        for path in &gets {
            let r = c.get(path).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} {path}");
            assert_no_identity(&r.body, &ids, path);
        }
        let r = c.post_form("/", "/statistics/publish", &[("epsilon", "0.5")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} publishes");
    }
    assert!((spent(&app).await - 1.0).abs() < 1e-9, "nobody else spent anything");
    assert_eq!(app.store().publications(10).await.unwrap_or_default().len(), 1);
    // Signed out: the sign-in page, not the data.
    let mut anonymous = app.client();
    for path in &gets {
        assert_eq!(anonymous.get(path).await.location(), "/login", "{path}");
    }
    app.cleanup().await;
}

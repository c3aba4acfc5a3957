//! Emergency access ("break-glass") in the web application, on both backends: the refusal
//! that offers it, the form's field errors, reading (never editing) under the access with
//! every view audited on its basis, the banner, the end, the alerts to the organization's
//! administrators and privacy officers only, the review (never by the opener) and the access
//! report's basis; other organizations and roles without case access cannot break glass.

mod support;

use axum::http::StatusCode;
use passerelle_core::break_glass::{DURATION_MINUTES, Reason, Request};
use passerelle_core::case::{CaseStats, Identity};
use passerelle_core::ids::{CaseId, OrgId, UserId};
use passerelle_store::audit::AuditFilter;
use support::{Client, TestApp};

const JUSTIFICATION: &str = "Fugue signalée ce soir par le refuge; la travailleuse assignée est injoignable.";

async fn case_of(app: &TestApp, org: OrgId, by: UserId) -> CaseId {
    let identity = Identity { given_name: "Maëva".into(), family_name: "Fictive".into(), ..Identity::default() };
    app.store().create_case(org, by, &identity, &CaseStats::default(), None).await.unwrap_or_else(|e| panic!("{e}")).id
}

async fn break_glass(c: &mut Client, case: CaseId, reason: &str, justification: &str) -> support::Resp {
    let form = format!("/cases/{case}/break-glass");
    c.post_form(&form, &form, &[("reason", reason), ("justification", justification)]).await
}

async fn audited(app: &TestApp, action: &str) -> Vec<passerelle_core::audit::AuditEntry> {
    let filter = AuditFilter { action: Some(action.into()), limit: 100, ..AuditFilter::default() };
    app.store().audit_entries(&filter).await.unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one emergency, from the refusal to the review, read top to bottom")]
async fn an_unassigned_worker_breaks_glass_reads_only_and_is_reviewed() {
    let app = TestApp::new().await;
    let a = app.org("DPJ Urgence A").await;
    let b = app.org("Refuge Urgence B").await;
    let assigned = app.persona(a, "assignee-g", "case_worker", true).await;
    let worker = app.persona(a, "worker-g", "case_worker", true).await;
    let dual = app.persona(a, "dual-g", "case_worker,privacy_officer", true).await;
    let admin = app.persona(a, "admin-g", "org_admin", true).await;
    let officer = app.persona(a, "officer-g", "privacy_officer", true).await;
    let admin_b = app.persona(b, "admin-gb", "org_admin", true).await;
    let officer_b = app.persona(b, "officer-gb", "privacy_officer", true).await;
    let case = case_of(&app, a, assigned.id).await;
    let case_path = format!("/cases/{case}");
    let store = app.store();

    // Refused, with the offer of an emergency access (and no name).
    let mut w = app.signed_in(&worker).await;
    let refused = w.get(&case_path).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("id=\"emergency-offer\"") && refused.body.contains(&format!("{case_path}/break-glass"))
    );
    assert!(!refused.body.contains("Maëva"));
    let form = w.get(&format!("{case_path}/break-glass")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"glass-warning\"") && form.body.contains("60 minutes"), "{}", form.body);
    assert!(form.body.contains("value=\"child_missing\"") && form.body.contains("Enfant disparu ou en fugue"));

    // Bad input: clear field errors, nothing opened, nobody alerted.
    let bad = break_glass(&mut w, case, "", "trop court").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("Ce champ est obligatoire.") && bad.body.contains("Ce champ est trop court."));
    assert!(bad.body.contains(">trop court</textarea>"), "the text typed is kept");
    let bad = break_glass(&mut w, case, "curiosity", JUSTIFICATION).await;
    assert!(
        bad.body.contains("Cette valeur n&#39;est pas permise.")
            || bad.body.contains("Cette valeur n'est pas permise.")
    );
    assert!(store.break_glass_of_case(case).await.unwrap_or_default().is_empty());
    assert_eq!(store.unread_alert_count(admin.id).await.ok(), Some(0));

    // Good input: the case opens, read-only, with the banner.
    let opened = break_glass(&mut w, case, "child_missing", JUSTIFICATION).await;
    assert_eq!((opened.status, opened.location()), (StatusCode::SEE_OTHER, case_path.as_str()), "{}", opened.body);
    let grants = store.break_glass_of_case(case).await.unwrap_or_default();
    assert_eq!(grants.len(), 1);
    let grant = &grants[0];
    let page = w.get(&case_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Maëva") && page.body.contains("id=\"glass-banner\""));
    assert!(page.body.contains("Enfant disparu ou en fugue") && page.body.contains("(dans 60 min)"), "{}", page.body);
    assert!(!page.body.contains(&format!("action=\"{case_path}/notes\"")), "no editing form");
    assert!(page.body.contains("Accès d&#39;urgence ouvert") || page.body.contains("Accès d'urgence ouvert"));
    assert_eq!(w.get(&format!("{case_path}/plan")).await.status, StatusCode::OK);
    // Editing stays refused.
    let note = w.post_form(&case_path, &format!("{case_path}/notes"), &[("body", "Une note.")]).await;
    assert_eq!(note.status, StatusCode::FORBIDDEN);
    assert_eq!(w.get(&format!("{case_path}/assessment")).await.status, StatusCode::FORBIDDEN);
    // Asking again while the access runs goes to the case; nobody is alerted twice.
    assert_eq!(w.get(&format!("{case_path}/break-glass")).await.location(), case_path);

    // Every view under the access is audited with it as purpose; the opening is audited too.
    let purpose = format!("break_glass:{}", grant.id);
    let reads = audited(&app, "case.read").await;
    assert!(
        reads.iter().any(|e| e.entry.actor_user_id == Some(worker.id) && e.entry.purpose.as_deref() == Some(&purpose))
    );
    let plan_reads = audited(&app, "case.plan.read").await;
    assert!(plan_reads.iter().all(|e| e.entry.purpose.as_deref() == Some(&purpose)) && !plan_reads.is_empty());
    let opening = audited(&app, "case.break_glass").await;
    assert_eq!(opening.len(), 1);
    assert_eq!(opening[0].entry.purpose.as_deref(), Some(purpose.as_str()));
    assert!(opening.iter().chain(&reads).all(|e| !e.entry.purpose.as_deref().unwrap_or("").contains("Fugue")));

    // Alerts: the organization's administrator and privacy officers, nobody else.
    for (p, n) in [(&admin, 1), (&officer, 1), (&dual, 1), (&admin_b, 0), (&officer_b, 0), (&worker, 0), (&assigned, 0)]
    {
        assert_eq!(store.unread_alert_count(p.id).await.ok(), Some(n), "{}", p.username);
    }
    let mut ad = app.signed_in(&admin).await;
    let home = ad.get("/").await;
    assert!(home.body.contains("class=\"badge nav-badge\" aria-hidden=\"true\">1<"), "the count in the navigation");
    let alerts = ad.get("/alerts").await;
    let code = store.case_code(case).await.unwrap_or_default();
    assert!(
        alerts.body.contains(&code) && alerts.body.contains("Personne Test") && alerts.body.contains("Enfant disparu")
    );
    assert!(!alerts.body.contains("Fugue signalée") && !alerts.body.contains("Maëva"), "no justification, no name");
    assert!(!alerts.body.contains("href=\"/privacy/break-glass\""), "an administrator is told, not asked to review");
    let alert_id = store.alerts_for(admin.id, 10).await.unwrap_or_default()[0].id;
    let read = ad.post_form("/alerts", &format!("/alerts/{alert_id}/read"), &[]).await;
    assert_eq!((read.status, read.location()), (StatusCode::SEE_OTHER, "/alerts"));
    assert!(!ad.get("/").await.body.contains("nav-badge"));
    let mut ob = app.signed_in(&officer_b).await;
    assert!(ob.get("/alerts").await.body.contains("id=\"alerts-empty\""));
    // Someone else's alert cannot be marked.
    let officer_alert = store.alerts_for(officer.id, 10).await.unwrap_or_default()[0].id;
    let other = ob.post_form("/alerts", &format!("/alerts/{officer_alert}/read"), &[]).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // The trail shows the opening prominently.
    let mut of = app.signed_in(&officer).await;
    let trail = of.get("/audit").await;
    assert!(trail.body.contains("class=\"audit-prominent\""));

    // A person who is both worker and privacy officer opens one too, and cannot review it.
    let mut du = app.signed_in(&dual).await;
    assert_eq!(break_glass(&mut du, case, "duty_to_report", JUSTIFICATION).await.status, StatusCode::SEE_OTHER);
    let own = store.break_glass_of_case(case).await.unwrap_or_default()[1].id;
    let list = du.get("/privacy/break-glass").await;
    assert!(list.body.contains("Vous avez ouvert cet accès"));
    let r =
        du.post_form("/privacy/break-glass", &format!("/privacy/break-glass/{own}"), &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The privacy officer reviews: the justification is shown to them, a flag needs a note.
    let list = of.get("/privacy/break-glass").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Fugue signalée ce soir") && list.body.contains(&code));
    assert!(list.body.contains(&format!("action=\"/privacy/break-glass/{}\"", grant.id)));
    let review = format!("/privacy/break-glass/{}", grant.id);
    let r = of.post_form("/privacy/break-glass", &review, &[("decision", "flag"), ("note", "")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Ce champ est obligatoire."));
    let r =
        of.post_form("/privacy/break-glass", &review, &[("decision", "approve"), ("note", "Fugue confirmée.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = of.post_form("/privacy/break-glass", &review, &[("decision", "flag"), ("note", "Doute.")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "reviewed once");
    let list = of.get("/privacy/break-glass").await;
    let past = list.body.split("id=\"glass-past\"").nth(1).unwrap_or_default();
    assert!(past.contains("Approuvé") && past.contains("Fugue confirmée."));
    // The officer flags the other one: it ends at once.
    let flag = format!("/privacy/break-glass/{own}");
    let r =
        of.post_form("/privacy/break-glass", &flag, &[("decision", "flag"), ("note", "Aucun signalement fait.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(du.get(&case_path).await.status, StatusCode::FORBIDDEN);
    // Another organization's officer cannot review it: it does not exist for them.
    let r = ob.post_form("/alerts", &review, &[("decision", "approve")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The access report names the basis of each view under emergency access.
    let report = of.get(&format!("/privacy/access-report?code={code}")).await;
    assert!(
        report.body.contains("a ouvert le dossier par accès d&#39;urgence")
            || report.body.contains("a ouvert le dossier par accès d'urgence")
    );
    assert!(
        report.body.contains("Accès d&#39;urgence (Enfant disparu ou en fugue)")
            || report.body.contains("Accès d'urgence (Enfant disparu ou en fugue)"),
        "{}",
        report.body
    );

    // The worker ends the access: refused again, with the offer.
    let end = w.post_form(&case_path, &format!("{case_path}/break-glass/end"), &[]).await;
    assert_eq!(end.status, StatusCode::SEE_OTHER);
    let after = w.get(&case_path).await;
    assert_eq!(after.status, StatusCode::FORBIDDEN);
    assert!(after.body.contains("id=\"emergency-offer\""));
    app.cleanup().await;
}

#[tokio::test]
async fn an_access_ends_at_its_fixed_time() {
    let app = TestApp::new().await;
    let a = app.org("DPJ Expiration").await;
    let assigned = app.persona(a, "assignee-x", "case_worker", true).await;
    let worker = app.persona(a, "worker-x", "case_worker", true).await;
    let case = case_of(&app, a, assigned.id).await;
    let request = Request { reason: Reason::ImminentDanger, justification: JUSTIFICATION.into() };
    let now = passerelle_core::time::now();
    // Opened exactly one duration ago: its expiry is now, excluded.
    let old = now - time::Duration::minutes(DURATION_MINUTES);
    app.store().open_break_glass(case, worker.id, &request, old).await.unwrap_or_else(|e| panic!("{e}"));
    let mut w = app.signed_in(&worker).await;
    assert_eq!(w.get(&format!("/cases/{case}")).await.status, StatusCode::FORBIDDEN);
    // One still running (opened a minute ago) lets the worker read.
    let recent = now - time::Duration::minutes(1);
    app.store().open_break_glass(case, worker.id, &request, recent).await.unwrap_or_else(|e| panic!("{e}"));
    let page = w.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("(dans 59 min)") || page.body.contains("(dans 58 min)"), "{}", page.body);
    app.cleanup().await;
}

#[tokio::test]
async fn other_organizations_and_roles_without_case_access_cannot_break_glass() {
    let app = TestApp::new().await;
    let a = app.org("DPJ Portée A").await;
    let b = app.org("Refuge Portée B").await;
    let assigned = app.persona(a, "assignee-p", "case_worker", true).await;
    let supervisor = app.persona(a, "super-p", "supervisor", true).await;
    let screener = app.persona(a, "screener-p", "screener", true).await;
    let analyst = app.persona(a, "analyst-p", "analyst", false).await;
    let officer = app.persona(a, "officer-p", "privacy_officer", true).await;
    let outsider = app.persona(b, "worker-pb", "case_worker", true).await;
    let admin = app.persona(a, "admin-p", "org_admin", true).await;
    let case = case_of(&app, a, assigned.id).await;
    let (page, form) = (format!("/cases/{case}"), format!("/cases/{case}/break-glass"));

    // Another organization: the case does not exist, whatever is asked.
    let mut out = app.signed_in(&outsider).await;
    let r = out.get(&page).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("emergency-offer"));
    assert_eq!(out.get(&form).await.status, StatusCode::NOT_FOUND);
    // The form token of another page serves the post.
    let csrf = out.get("/").await.csrf();
    let fields = [("csrf", csrf.as_str()), ("reason", "imminent_danger"), ("justification", JUSTIFICATION)];
    assert_eq!(out.post_raw(&form, &fields).await.status, StatusCode::NOT_FOUND);
    // Roles that never read cases are refused plainly, with no offer.
    for p in [&screener, &analyst, &officer] {
        let mut c = app.signed_in(p).await;
        let r = c.get(&page).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", p.username);
        assert!(!r.body.contains("emergency-offer"), "{}", p.username);
        assert_eq!(c.get(&form).await.status, StatusCode::FORBIDDEN, "{}", p.username);
        let csrf = c.get("/").await.csrf();
        let r = c
            .post_raw(&form, &[("csrf", &csrf), ("reason", "imminent_danger"), ("justification", JUSTIFICATION)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", p.username);
    }
    // A supervisor already sees the case: no emergency access needed.
    let mut sup = app.signed_in(&supervisor).await;
    assert_eq!(sup.get(&form).await.location(), page);
    assert!(app.store().break_glass_of_case(case).await.unwrap_or_default().is_empty());
    assert_eq!(app.store().unread_alert_count(admin.id).await.ok(), Some(0));
    let denied = audited(&app, "case.break_glass").await;
    assert!(denied.iter().all(|e| e.entry.outcome == passerelle_core::audit::Outcome::Denied) && denied.len() >= 4);
    app.cleanup().await;
}

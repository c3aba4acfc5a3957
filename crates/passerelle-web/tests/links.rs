//! Cross-agency linkage in the web application: a case opened in a page is encoded on entry,
//! the matcher proposes the same child in another organization, and only that child's
//! organizations' coordinators see the proposal (without names) and decide it, audited in
//! both organizations.

mod support;

use axum::http::StatusCode;
use passerelle_core::ids::OrgId;
use passerelle_store::audit::AuditFilter;
use passerelle_store::linkage::LinkStatus;
use support::{Client, TestApp};

async fn open_case(c: &mut Client, given: &str, family: &str, birth: &str) -> String {
    let r = c
        .post_form(
            "/cases/new",
            "/cases/new",
            &[
                ("given_name", given),
                ("family_name", family),
                ("birth_date", birth),
                ("age", "15"),
                ("gender", "girl"),
                ("region", "06"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().trim_start_matches("/cases/").to_owned()
}

#[tokio::test]
async fn coordinators_of_the_two_organizations_decide_a_probable_match() {
    let app = TestApp::new().await;
    let a = app.org("DPJ Lien A").await;
    let b = app.org("Refuge Lien B").await;
    let c_org = app.org("Clinique Lien C").await;
    let worker_a = app.persona(a, "worker-a", "case_worker", true).await;
    let worker_b = app.persona(b, "worker-b", "case_worker", true).await;
    let officer_a = app.persona(a, "officer-a", "privacy_officer", true).await;
    let officer_b = app.persona(b, "officer-b", "privacy_officer", true).await;
    let officer_c = app.persona(c_org, "officer-c", "privacy_officer", true).await;
    let screener_a = app.persona(a, "screener-a", "screener", true).await;

    // The same child in A and B (names swapped, accents dropped), and a different child in B.
    let mut wa = app.signed_in(&worker_a).await;
    let case_a = open_case(&mut wa, "Maëlle", "Bédard-Lacroix", "2010-05-17").await;
    let mut wb = app.signed_in(&worker_b).await;
    open_case(&mut wb, "Bedard-Lacroix", "Maelle", "2010-05-17").await;
    open_case(&mut wb, "Inès", "Haddad", "2011-09-02").await;
    let store = app.store();
    assert_eq!(store.linkage_entries().await.unwrap_or_default().len(), 3, "every case is encoded on entry");

    let (compared, proposed) =
        passerelle_web::linkage::propose(store, passerelle_linkage::DEFAULT_THRESHOLD, 1).await.unwrap_or_default();
    assert_eq!((compared, proposed), (3, 1));
    let link = store.links(LinkStatus::Proposed, 10).await.unwrap_or_default().remove(0);

    // A's coordinator sees it: both organizations, A's case code, no name from either side.
    let mut pa = app.signed_in(&officer_a).await;
    let page = pa.get("/links").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Refuge Lien B") && page.body.contains("DPJ Lien A"));
    for name in ["Maëlle", "Maelle", "Bédard", "Bedard", "Haddad"] {
        assert!(!page.body.contains(name), "{name} is shown");
    }
    let code_a =
        store.case(case_a.parse().unwrap_or_else(|_| panic!("case id"))).await.map(|c| c.code).unwrap_or_default();
    assert!(page.body.contains(&code_a), "the coordinator's own case is identified by its code");
    assert_eq!(page.body.matches("<meter").count(), 4, "agreement field by field");
    assert!(page.body.contains("action=\"/links/"));

    // C's coordinator sees nothing and cannot decide; a screener may not look at all.
    let mut pc = app.signed_in(&officer_c).await;
    assert!(!pc.get("/links").await.body.contains("Refuge Lien B"));
    let path = format!("/links/{}", link.id);
    assert_eq!(pc.post_form("/links", &path, &[("decision", "confirm")]).await.status, StatusCode::NOT_FOUND);
    let mut sa = app.signed_in(&screener_a).await;
    assert_eq!(sa.get("/links").await.status, StatusCode::FORBIDDEN);
    assert_eq!(sa.post_form("/", &path, &[("decision", "confirm")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(pa.post_form("/links", &path, &[("decision", "maybe")]).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        pa.post_form("/links", "/links/not-an-id", &[("decision", "confirm")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(store.links(LinkStatus::Proposed, 10).await.unwrap_or_default().len(), 1, "refusals change nothing");

    // A confirms; B can no longer decide it differently.
    let r = pa.post_form("/links", &path, &[("decision", "confirm")]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/links?notice=link-confirmed"));
    assert_eq!(store.confirmed_links().await.unwrap_or_default().len(), 1);
    let mut pb = app.signed_in(&officer_b).await;
    assert_eq!(pb.post_form("/links", &path, &[("decision", "reject")]).await.status, StatusCode::CONFLICT);
    let page = pb.get("/links").await;
    assert!(page.body.contains("id=\"decided\""), "B sees the decision");

    // The decision is in both organizations' audit trails.
    let filter = AuditFilter { action: Some("link.confirm".into()), limit: 100, ..AuditFilter::default() };
    let mut orgs: Vec<_> =
        store.audit_entries(&filter).await.unwrap_or_default().iter().filter_map(|e| e.entry.object_org_id).collect();
    orgs.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(orgs, expected);
    app.cleanup().await;
}

/// Two organizations, their coordinators signed in, and the matcher's proposals made.
struct Namesakes {
    a: OrgId,
    b: OrgId,
    officer_a: Client,
    officer_b: Client,
    worker_b: Client,
}

/// A knows a girl without her date of birth; B knows two girls of that name born the same
/// year. Nothing typed tells which one A's is: both are proposed, for a person to decide.
async fn namesakes(app: &TestApp) -> Namesakes {
    let a = app.org("DPJ Homonymes A").await;
    let b = app.org("Refuge Homonymes B").await;
    let worker_a = app.persona(a, "worker-ha", "case_worker", true).await;
    let worker_b = app.persona(b, "worker-hb", "case_worker", true).await;
    let officer_a = app.persona(a, "officer-ha", "privacy_officer", true).await;
    let officer_b = app.persona(b, "officer-hb", "privacy_officer", true).await;
    open_case(&mut app.signed_in(&worker_a).await, "Océane", "Gagnon", "").await;
    let mut wb = app.signed_in(&worker_b).await;
    open_case(&mut wb, "Oceane", "Gagnon", "2010-08-17").await;
    open_case(&mut wb, "Océane", "Gagnon", "2010-03-02").await;
    let (_, proposed) = passerelle_web::linkage::propose(app.store(), passerelle_linkage::DEFAULT_THRESHOLD, 1)
        .await
        .unwrap_or_default();
    assert_eq!(proposed, 2, "one proposal per namesake");
    Namesakes {
        a,
        b,
        officer_a: app.signed_in(&officer_a).await,
        officer_b: app.signed_in(&officer_b).await,
        worker_b: wb,
    }
}

#[tokio::test]
async fn namesakes_a_case_cannot_tell_apart_are_all_proposed_and_marked_as_alternatives() {
    let app = TestApp::new().await;
    let Namesakes { officer_a: mut pa, mut officer_b, .. } = namesakes(&app).await;
    let store = app.store();

    // A's coordinator is told that the two proposals are alternatives; B's, whose cases have
    // one proposal each, is not.
    let page = pa.get("/links").await;
    assert_eq!(page.body.matches("class=\"notice alternatives\"").count(), 2, "{}", page.body);
    assert!(!officer_b.get("/links").await.body.contains("notice alternatives"));

    // Once A's coordinator rejects one, the other is no longer marked.
    let first = store.links(LinkStatus::Proposed, 10).await.unwrap_or_default().remove(0);
    let path = format!("/links/{}", first.id);
    let r = pa.post_form("/links", &path, &[("decision", "reject")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = pa.get("/links").await;
    assert!(!page.body.contains("notice alternatives"), "{}", page.body);
    assert_eq!(store.links(LinkStatus::Proposed, 10).await.unwrap_or_default().len(), 1);
    app.cleanup().await;
}

#[tokio::test]
async fn confirming_one_namesake_closes_the_others_and_a_second_one_is_refused() {
    let app = TestApp::new().await;
    let Namesakes { a, b, officer_a: mut pa, worker_b: mut wb, .. } = namesakes(&app).await;
    let store = app.store();
    let propose = || passerelle_web::linkage::propose(store, passerelle_linkage::DEFAULT_THRESHOLD, 1);

    // A's coordinator confirms one: the other alternative is closed, audited in both
    // organizations, and no longer waits in anyone's list.
    let first = store.links(LinkStatus::Proposed, 10).await.unwrap_or_default().remove(0);
    let r = pa.post_form("/links", &format!("/links/{}", first.id), &[("decision", "confirm")]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/links?notice=link-confirmed"));
    assert!(store.links(LinkStatus::Proposed, 10).await.unwrap_or_default().is_empty());
    let closed = store.links(LinkStatus::Superseded, 10).await.unwrap_or_default();
    assert_eq!(closed.len(), 1);
    let filter = AuditFilter { action: Some("link.supersede".into()), limit: 100, ..AuditFilter::default() };
    let entries = store.audit_entries(&filter).await.unwrap_or_default();
    let mut orgs: Vec<_> = entries.iter().filter_map(|e| e.entry.object_org_id).collect();
    orgs.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(orgs, expected);
    assert!(entries.iter().all(|e| e.entry.object_id.as_deref() == Some(closed[0].id.to_string().as_str())));
    assert!(pa.get(r.location()).await.body.contains("Les autres propositions entre ce dossier"));

    // B opens a third case of that name later: it is proposed with A's case, but A's case is
    // already B's first girl; confirming it is refused with an explanation, and nothing changes.
    open_case(&mut wb, "Océane", "Gagnon", "2010-05-05").await;
    assert_eq!(propose().await.unwrap_or_default().1, 1);
    let late = store.links(LinkStatus::Proposed, 10).await.unwrap_or_default().remove(0);
    let r = pa.post_form("/links", &format!("/links/{}", late.id), &[("decision", "confirm")]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/links?notice=link-taken"));
    let page = pa.get(r.location()).await;
    assert!(page.body.contains("un dossier par organisation ; rejetez cette proposition"), "{}", page.body);
    assert_eq!(store.link(late.id).await.map(|l| l.status).ok(), Some(LinkStatus::Proposed));
    assert_eq!(store.confirmed_links().await.unwrap_or_default().len(), 1);
    app.cleanup().await;
}

#[tokio::test]
async fn a_confirmation_of_the_wrong_namesake_is_undone_and_the_other_one_confirmed() {
    let app = TestApp::new().await;
    let Namesakes { a, b, officer_a: mut pa, mut officer_b, .. } = namesakes(&app).await;
    let store = app.store();
    let proposed = store.links(LinkStatus::Proposed, 10).await.unwrap_or_default();
    let (wrong, right) = (proposed[0].id, proposed[1].id);
    let r = pa.post_form("/links", &format!("/links/{wrong}"), &[("decision", "confirm")]).await;
    assert_eq!(r.location(), "/links?notice=link-confirmed");

    // Both coordinators see the confirmation among the decisions, with the way back.
    for c in [&mut pa, &mut officer_b] {
        let page = c.get("/links").await;
        assert!(page.body.contains("Confirmé : même enfant"), "{}", page.body);
        assert_eq!(page.body.matches("name=\"decision\" value=\"undo\"").count(), 1, "{}", page.body);
    }
    // Nothing to undo on the closed alternative; an unknown decision is refused.
    let r = pa.post_form("/links", &format!("/links/{right}"), &[("decision", "undo")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = pa.post_form("/links", &format!("/links/{wrong}"), &[("decision", "maybe")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // B's coordinator undoes it: the wrong pair is a rejection, the other namesake open again.
    let r = officer_b.post_form("/links", &format!("/links/{wrong}"), &[("decision", "undo")]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/links?notice=link-undone"));
    let page = officer_b.get(r.location()).await;
    assert!(page.body.contains("La confirmation est annulée"), "{}", page.body);
    assert!(page.body.contains("Rejeté : enfants différents"));
    assert_eq!(store.link(wrong).await.map(|l| l.status).ok(), Some(LinkStatus::Rejected));
    assert_eq!(store.link(right).await.map(|l| l.status).ok(), Some(LinkStatus::Proposed));
    assert!(store.confirmed_links().await.unwrap_or_default().is_empty());
    let r = officer_b.post_form("/links", &format!("/links/{wrong}"), &[("decision", "undo")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "undone once");

    // Audited in both organizations: the undo and the reopened alternative.
    for (action, link) in [("link.undo", wrong), ("link.reopen", right)] {
        let filter = AuditFilter { action: Some(action.into()), limit: 100, ..AuditFilter::default() };
        let entries = store.audit_entries(&filter).await.unwrap_or_default();
        let mut orgs: Vec<_> = entries.iter().filter_map(|e| e.entry.object_org_id).collect();
        orgs.sort();
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(orgs, expected, "{action}");
        assert!(entries.iter().all(|e| e.entry.object_id.as_deref() == Some(link.to_string().as_str())));
    }

    // The true namesake is confirmed in turn.
    let r = pa.post_form("/links", &format!("/links/{right}"), &[("decision", "confirm")]).await;
    assert_eq!(r.location(), "/links?notice=link-confirmed");
    assert_eq!(store.confirmed_links().await.unwrap_or_default().len(), 1);
    app.cleanup().await;
}

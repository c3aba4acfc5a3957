//! Emergency accesses and alerts on both backends (`PASSERELLE_TEST_DATABASE_URL=postgres://…
//! cargo test`): one transaction for the grant, its alerts and the timeline event; the grant
//! in force for its fixed time only; one review, never by the opener; the justification
//! sealed under the case key; alerts for their recipient only.

use passerelle_core::break_glass::{DURATION_MINUTES, Reason, Request, Review, ReviewStatus};
use passerelle_core::case::{CaseStats, Identity};
use passerelle_core::ids::{CaseId, OrgId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_core::user::{NewUserInput, UserStatus};
use passerelle_store::StoreError;
use passerelle_store::break_glass::{ALERT_OPENED, OBJECT_TYPE};
use passerelle_store::testing::TestStore;
use time::Duration;

const JUSTIFICATION: &str = "Fugue signalée ce soir par le refuge, la travailleuse assignée est injoignable.";

async fn org(t: &TestStore, name: &str) -> OrgId {
    let input = OrgInput::parse(name, "shelter", &["06".into()]).unwrap_or_else(|e| panic!("{e}"));
    t.store.create_org(&input).await.unwrap_or_else(|e| panic!("{e}")).id
}

async fn user(t: &TestStore, org: OrgId, username: &str, roles: &str) -> UserId {
    let input = NewUserInput::parse(username, "Personne Test", &[roles.into()], "fr").unwrap_or_else(|e| panic!("{e}"));
    t.store.create_user(org, &input, "h").await.unwrap_or_else(|e| panic!("{e}")).id
}

async fn case(t: &TestStore, org: OrgId, by: UserId) -> CaseId {
    let identity = Identity { given_name: "Maëva".into(), family_name: "Fictive".into(), ..Identity::default() };
    t.store.create_case(org, by, &identity, &CaseStats::default(), None).await.unwrap_or_else(|e| panic!("{e}")).id
}

fn request() -> Request {
    Request { reason: Reason::ChildMissing, justification: JUSTIFICATION.into() }
}

async fn raw_blobs(t: &TestStore, sql: &'static str) -> Vec<Vec<u8>> {
    passerelle_store::run!(&t.store.db, |pool| sqlx::query_scalar(sql).fetch_all(pool).await)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn raw_count(t: &TestStore, sql: &'static str) -> i64 {
    passerelle_store::run!(&t.store.db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn opening_alerts_the_watchers_of_that_organization_and_lasts_its_fixed_time() {
    let t = TestStore::new().await;
    let s = &t.store;
    let org_a = org(&t, "Refuge A").await;
    let org_b = org(&t, "Refuge B").await;
    let assigned = user(&t, org_a, "assignee", "case_worker").await;
    let worker = user(&t, org_a, "worker", "case_worker").await;
    let admin = user(&t, org_a, "admin", "org_admin").await;
    let officer = user(&t, org_a, "officer", "privacy_officer").await;
    let both = user(&t, org_a, "both", "case_worker,privacy_officer").await;
    let gone = user(&t, org_a, "gone", "org_admin").await;
    let version = s.user(gone).await.map(|u| u.version).unwrap_or_default();
    s.set_user_status(gone, version, UserStatus::Disabled).await.unwrap_or_else(|e| panic!("{e}"));
    let admin_b = user(&t, org_b, "admin-b", "org_admin,privacy_officer").await;
    let worker_b = user(&t, org_b, "worker-b", "case_worker").await;
    let case_a = case(&t, org_a, assigned).await;

    let t0 = passerelle_core::time::now();
    let grant = s.open_break_glass(case_a, worker, &request(), t0).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((grant.org_id, grant.user_id, grant.review), (org_a, worker, ReviewStatus::Pending));
    assert_eq!(grant.expires_at - grant.opened_at, Duration::minutes(DURATION_MINUTES));

    // In force for that person and case, from its opening to its expiry (excluded).
    assert_eq!(s.active_break_glass(case_a, worker, t0).await.ok().flatten().map(|x| x.id), Some(grant.id));
    let last_moment = t0 + Duration::minutes(DURATION_MINUTES) - Duration::seconds(1);
    assert!(s.active_break_glass(case_a, worker, last_moment).await.ok().flatten().is_some());
    assert!(s.active_break_glass(case_a, worker, grant.expires_at).await.ok().flatten().is_none());
    assert!(s.active_break_glass(case_a, assigned, t0).await.ok().flatten().is_none(), "another person");
    assert!(s.active_break_glass(case(&t, org_a, assigned).await, worker, t0).await.ok().flatten().is_none());

    // One alert for each active administrator and privacy officer of the case's organization.
    for (who, expected) in [(admin, 1), (officer, 1), (both, 1), (gone, 0), (worker, 0), (assigned, 0), (admin_b, 0)] {
        assert_eq!(s.unread_alert_count(who).await.ok(), Some(expected));
    }
    let alerts = s.alerts_for(officer, 50).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(
        (alert.kind.as_str(), alert.object_type.as_str(), alert.object_id.clone(), alert.org_id),
        (ALERT_OPENED, OBJECT_TYPE, grant.id.to_string(), org_a)
    );
    // Only its recipient marks it read; marking twice is harmless.
    assert!(matches!(s.mark_alert_read(alert.id, admin, t0).await, Err(StoreError::NotFound)));
    s.mark_alert_read(alert.id, officer, t0).await.unwrap_or_else(|e| panic!("{e}"));
    s.mark_alert_read(alert.id, officer, t0 + Duration::minutes(5)).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.unread_alert_count(officer).await.ok(), Some(0));
    let read = s.alerts_for(officer, 50).await.unwrap_or_default();
    assert_eq!(read[0].read_at, Some(t0), "the first reading is kept");
    assert_eq!(s.unread_alert_count(admin).await.ok(), Some(1));

    // On the case's timeline.
    let kinds: Vec<String> = s.case_timeline(case_a).await.unwrap_or_default().into_iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&"break_glass.open".to_owned()), "{kinds:?}");

    // The justification is sealed: not in the database, readable through the store.
    for blob in raw_blobs(&t, "SELECT justification_sealed FROM break_glass").await {
        assert!(!blob.windows(5).any(|w| w == b"Fugue"));
    }
    let list = s.break_glass_of_org(org_a, 50).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].justification.as_deref(), Some(JUSTIFICATION));
    assert!(!format!("{:?}", list[0]).contains("Fugue"), "never in debug output");
    assert!(s.break_glass_of_org(org_b, 50).await.unwrap_or_default().is_empty());
    assert_eq!(s.break_glass_of_case(case_a).await.unwrap_or_default().len(), 1);

    // Never across organizations: nothing is written.
    assert!(matches!(s.open_break_glass(case_a, worker_b, &request(), t0).await, Err(StoreError::NotFound)));
    assert_eq!(raw_count(&t, "SELECT COUNT(*) FROM break_glass").await, 1);
    assert_eq!(s.unread_alert_count(admin).await.ok(), Some(1));

    // An access opened an hour ago has ended.
    let old = s.open_break_glass(case_a, worker, &request(), t0 - Duration::minutes(DURATION_MINUTES)).await;
    let old = old.unwrap_or_else(|e| panic!("{e}"));
    let before = t0 - Duration::seconds(1);
    assert_eq!(s.active_break_glass(case_a, worker, before).await.ok().flatten().map(|x| x.id), Some(old.id));
    assert_eq!(s.active_break_glass(case_a, worker, old.expires_at).await.ok().flatten().map(|x| x.id), Some(grant.id));

    // The review: never by the opener, once, and org_a flag ends the access at once.
    let flag = Review { status: ReviewStatus::Flagged, note: Some("Aucune urgence au dossier ce soir-là.".into()) };
    assert!(matches!(s.review_break_glass(grant.id, worker, &flag, t0).await, Err(StoreError::Conflict)));
    s.review_break_glass(grant.id, officer, &flag, t0).await.unwrap_or_else(|e| panic!("{e}"));
    let approve = Review { status: ReviewStatus::Approved, note: None };
    assert!(matches!(s.review_break_glass(grant.id, both, &approve, t0).await, Err(StoreError::Conflict)));
    assert!(s.active_break_glass(case_a, worker, t0).await.ok().flatten().is_none(), "flagged: ended");
    let reviewed = s.break_glass_of_org(org_a, 50).await.unwrap_or_default();
    let r = reviewed.iter().find(|r| r.grant.id == grant.id).unwrap_or_else(|| panic!("listed"));
    assert_eq!((r.grant.review, r.reviewed_by, r.reviewed_at), (ReviewStatus::Flagged, Some(officer), Some(t0)));
    assert_eq!(r.review_note.as_deref(), flag.note.as_deref());
    s.review_break_glass(old.id, both, &approve, t0).await.unwrap_or_else(|e| panic!("{e}"));
    let missing = passerelle_core::ids::BreakGlassId::new();
    assert!(matches!(s.review_break_glass(missing, officer, &approve, t0).await, Err(StoreError::NotFound)));
    let kinds: Vec<String> = s.case_timeline(case_a).await.unwrap_or_default().into_iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&"break_glass.flagged".to_owned()) && kinds.contains(&"break_glass.approved".to_owned()));
    t.cleanup().await;
}

#[tokio::test]
async fn the_opener_ends_an_access_early_and_a_shredded_case_keeps_no_justification() {
    let t = TestStore::new().await;
    let s = &t.store;
    let org_a = org(&t, "Refuge Fin").await;
    let assigned = user(&t, org_a, "assignee", "case_worker").await;
    let worker = user(&t, org_a, "worker", "case_worker").await;
    let case_a = case(&t, org_a, assigned).await;
    let t0 = passerelle_core::time::now();
    let grant = s.open_break_glass(case_a, worker, &request(), t0).await.unwrap_or_else(|e| panic!("{e}"));
    let later = t0 + Duration::minutes(10);
    assert!(matches!(s.end_break_glass(grant.id, assigned, later).await, Err(StoreError::NotFound)), "only the opener");
    s.end_break_glass(grant.id, worker, later).await.unwrap_or_else(|e| panic!("{e}"));
    s.end_break_glass(grant.id, worker, later + Duration::minutes(1)).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(s.active_break_glass(case_a, worker, later).await.ok().flatten().is_none());
    assert!(s.active_break_glass(case_a, worker, t0).await.ok().flatten().is_some(), "it was in force before");
    let ends = s.case_timeline(case_a).await.unwrap_or_default().into_iter().filter(|e| e.kind == "break_glass.end");
    assert_eq!(ends.count(), 1, "ended once");

    // Destroying the case key shreds the justification; no new access can be sealed.
    s.destroy_case_key(case_a).await.unwrap_or_else(|e| panic!("{e}"));
    let list = s.break_glass_of_org(org_a, 50).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((list.len(), list[0].justification.as_deref()), (1, None));
    assert!(matches!(s.open_break_glass(case_a, worker, &request(), later).await, Err(StoreError::Conflict)));
    let note = Review { status: ReviewStatus::Approved, note: Some("Justifié.".into()) };
    s.review_break_glass(grant.id, assigned, &note, later).await.unwrap_or_else(|e| panic!("{e}"));
    t.cleanup().await;
}

//! Needs assessments, service plans, services and follow-ups on both backends
//! (`PASSERELLE_TEST_DATABASE_URL=postgres://… cargo test`): history, the plan's lifecycle with
//! four eyes, versioned writes, encryption at rest, due lists and crypto-shredding.

use passerelle_core::case::{CaseStats, Identity};
use passerelle_core::ids::{CaseId, OrgId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_core::plan::{NeedEntry, NeedsAssessment, PlanAction, PlanStatus, ServicePlan};
use passerelle_core::user::NewUserInput;
use passerelle_store::StoreError;
use passerelle_store::plans::Followup;
use passerelle_store::testing::TestStore;
use uuid::Uuid;

fn org_input(name: &str) -> OrgInput {
    OrgInput::parse(name, "shelter", &["06".into()]).unwrap_or_else(|e| panic!("{e}"))
}

fn user_input(username: &str) -> NewUserInput {
    NewUserInput::parse(username, "Test Person", &["case_worker".into()], "fr").unwrap_or_else(|e| panic!("{e}"))
}

/// An organization with two members.
async fn org_with_users(t: &TestStore, name: &str) -> (OrgId, UserId, UserId) {
    let s = &t.store;
    let org = s.create_org(&org_input(name)).await.unwrap_or_else(|e| panic!("{e}"));
    let a = s.create_user(org.id, &user_input(&format!("{name}-a")), "h").await.unwrap_or_else(|e| panic!("{e}"));
    let b = s.create_user(org.id, &user_input(&format!("{name}-b")), "h").await.unwrap_or_else(|e| panic!("{e}"));
    (org.id, a.id, b.id)
}

async fn new_case(t: &TestStore, org: OrgId, by: UserId) -> CaseId {
    let identity = Identity { given_name: "Émilie".into(), family_name: "Côté".into(), ..Identity::default() };
    t.store.create_case(org, by, &identity, &CaseStats::default(), None).await.unwrap_or_else(|e| panic!("{e}")).id
}

fn entry(domain: &str, level: &str, child_view: &str, notes: &str) -> NeedEntry {
    NeedEntry { domain: domain.into(), level: level.into(), child_view: child_view.into(), notes: notes.into() }
}

fn plan(goal: &str, review_date: &str) -> ServicePlan {
    ServicePlan {
        goals: vec![goal.into(), "Revoir ma sœur Léa".into()],
        child_participated: true,
        child_agreed: true,
        preferred_language: "fr".into(),
        worker_gender: "femme".into(),
        not_shared: "Ne rien dire à mon oncle Marcel".into(),
        pace: "Doucement".into(),
        actions: vec![PlanAction {
            what: "Inscription à l'école Saint-Joseph".into(),
            who: "CISSS".into(),
            due: "2027-01-10".into(),
        }],
        review_date: review_date.into(),
    }
}

/// Every value of one column, read as someone with direct database access would.
async fn raw_blobs(t: &TestStore, sql: &'static str) -> Vec<Vec<u8>> {
    passerelle_store::run!(&t.store.db, |pool| sqlx::query_scalar(sql).fetch_all(pool).await)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every value of one text column, read directly.
async fn raw_texts(t: &TestStore, sql: &'static str) -> Vec<Option<String>> {
    passerelle_store::run!(&t.store.db, |pool| sqlx::query_scalar(sql).fetch_all(pool).await)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A count, read directly.
async fn raw_count(t: &TestStore, sql: &'static str) -> i64 {
    passerelle_store::run!(&t.store.db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Fails when any of `clear` appears in any of `blobs`.
fn assert_sealed(blobs: &[Vec<u8>], clear: &[&str]) {
    assert!(!blobs.is_empty());
    for blob in blobs {
        for c in clear {
            assert!(!contains(blob, c), "{c} in clear");
        }
    }
}

async fn kinds(t: &TestStore, id: CaseId) -> Vec<String> {
    t.store.case_timeline(id).await.unwrap_or_else(|e| panic!("{e}")).into_iter().map(|e| e.kind).collect()
}

fn texts(list: &[Followup]) -> Vec<(&str, &str)> {
    list.iter().map(|f| (f.due_on.as_str(), f.text.as_str())).collect()
}

#[tokio::test]
async fn assessments_keep_their_history_sealed() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let case = new_case(&t, org, ann).await;
    assert!(s.assessments(case).await.unwrap().is_empty());

    let first = NeedsAssessment {
        entries: vec![
            entry("safety", "urgent", "J'ai peur qu'il me retrouve à Laval", "Menaces par texto"),
            entry("housing", "significant", "Je dors chez une amie", ""),
        ],
        ..NeedsAssessment::default()
    };
    let second = NeedsAssessment {
        entries: vec![entry("safety", "some", "Je me sens mieux au foyer", "")],
        ..NeedsAssessment::default()
    };
    let a1 = s.add_assessment(case, ann, &first).await.unwrap();
    let a2 = s.add_assessment(case, ben, &second).await.unwrap();

    let got = s.assessments(case).await.unwrap();
    let summary: Vec<_> = got.iter().map(|a| (a.id, a.author, a.needs.clone())).collect();
    assert_eq!(summary, [(a2, ben, second), (a1, ann, first)], "newest first");
    assert!(got[0].at >= got[1].at);
    assert!(!format!("{got:?}").contains("Laval"));

    // Levels in clear for statistics; the child's words and the notes sealed.
    let mut levels = raw_texts(&t, "SELECT levels FROM case_assessments").await;
    levels.sort();
    assert_eq!(levels, [Some("safety:some".to_owned()), Some("safety:urgent,housing:significant".to_owned())]);
    let bodies = raw_blobs(&t, "SELECT body FROM case_assessments").await;
    assert_sealed(&bodies, &["peur", "Laval", "Menaces", "amie", "mieux", "urgent", "child_view"]);

    let timeline = s.case_timeline(case).await.unwrap();
    let got: Vec<_> = timeline.iter().skip(1).map(|e| (e.kind.as_str(), e.actor, e.ref_id.clone())).collect();
    assert_eq!(
        got,
        [("assessment.add", Some(ann), Some(a1.to_string())), ("assessment.add", Some(ben), Some(a2.to_string()))]
    );

    assert!(matches!(
        s.add_assessment(CaseId::new(), ann, &NeedsAssessment::default()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(s.assessments(CaseId::new()).await, Err(StoreError::NotFound)));
    t.cleanup().await;
}

#[tokio::test]
async fn plan_lifecycle_with_four_eyes() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let case = new_case(&t, org, ann).await;
    assert_eq!(s.plan(case).await.unwrap(), None);
    // No plan yet: only version 0 creates one.
    assert!(matches!(s.save_plan(case, 1, ann, &plan("Retourner à l'école", "")).await, Err(StoreError::NotFound)));
    assert!(matches!(s.submit_plan(case, 1, ann).await, Err(StoreError::NotFound)));

    let draft = s.save_plan(case, 0, ann, &plan("Retourner à l'école", "2027-02-01")).await.unwrap();
    assert_eq!((draft.status, draft.version), (PlanStatus::Draft, 1));
    assert_eq!(draft.plan, plan("Retourner à l'école", "2027-02-01"));
    assert_eq!(
        (draft.submitted_by, draft.submitted_at, draft.approved_by, draft.approved_at),
        (None, None, None, None)
    );
    assert_eq!(s.plan(case).await.unwrap(), Some(draft.clone()));
    // Two workers both creating a plan: the second one's is refused.
    assert!(matches!(s.save_plan(case, 0, ben, &plan("Autre", "")).await, Err(StoreError::Conflict)));

    // Approval needs a submission first.
    assert!(matches!(s.approve_plan(case, 1, ben).await, Err(StoreError::Conflict)));
    assert!(matches!(s.return_plan(case, 1, ben).await, Err(StoreError::Conflict)));
    let submitted = s.submit_plan(case, 1, ann).await.unwrap();
    assert_eq!((submitted.status, submitted.version, submitted.submitted_by), (PlanStatus::Submitted, 2, Some(ann)));
    assert!(submitted.submitted_at.is_some());
    assert_eq!(submitted.plan, draft.plan);
    assert!(matches!(s.submit_plan(case, 2, ann).await, Err(StoreError::Conflict)), "already submitted");

    // Four eyes: the one who submitted cannot approve; a stale version cannot either.
    assert!(matches!(s.approve_plan(case, 2, ann).await, Err(StoreError::Conflict)));
    assert!(matches!(s.approve_plan(case, 1, ben).await, Err(StoreError::Conflict)));
    assert_eq!(s.plan(case).await.unwrap(), Some(submitted.clone()));
    let approved = s.approve_plan(case, 2, ben).await.unwrap();
    assert_eq!((approved.status, approved.version), (PlanStatus::Approved, 3));
    assert_eq!((approved.submitted_by, approved.approved_by), (Some(ann), Some(ben)));
    assert_eq!(approved.submitted_at, submitted.submitted_at);
    assert!(approved.approved_at >= approved.submitted_at);
    assert_eq!(s.plan(case).await.unwrap(), Some(approved.clone()));

    // A change to an approved plan needs approval again.
    let changed = s.save_plan(case, 3, ann, &plan("Trouver un stage", "2027-03-01")).await.unwrap();
    assert_eq!((changed.status, changed.version), (PlanStatus::Draft, 4));
    assert_eq!(
        (changed.submitted_by, changed.submitted_at, changed.approved_by, changed.approved_at),
        (None, None, None, None)
    );
    assert_eq!(changed.plan.goals[0], "Trouver un stage");
    // A second worker still holding version 3 must not overwrite it.
    assert!(matches!(s.save_plan(case, 3, ben, &plan("Autre", "")).await, Err(StoreError::Conflict)));
    assert!(matches!(s.submit_plan(case, 3, ann).await, Err(StoreError::Conflict)));

    // Submitted by the other worker this time, and returned to draft.
    let again = s.submit_plan(case, 4, ben).await.unwrap();
    assert_eq!((again.status, again.version, again.submitted_by), (PlanStatus::Submitted, 5, Some(ben)));
    let returned = s.return_plan(case, 5, ann).await.unwrap();
    assert_eq!(
        (returned.status, returned.version, returned.submitted_by, returned.submitted_at),
        (PlanStatus::Draft, 6, None, None)
    );
    assert!(matches!(s.return_plan(case, 6, ann).await, Err(StoreError::Conflict)), "a draft is not returned");
    // Saved without a review date.
    let undated = s.save_plan(case, 6, ann, &plan("Trouver un stage", "")).await.unwrap();
    assert_eq!((undated.status, undated.version), (PlanStatus::Draft, 7));

    assert_eq!(
        kinds(&t, case).await,
        [
            "case.open",
            "plan.save",
            "plan.submit",
            "plan.approve",
            "plan.save",
            "plan.submit",
            "plan.return",
            "plan.save"
        ]
    );
    let timeline = s.case_timeline(case).await.unwrap();
    assert_eq!(timeline[3].actor, Some(ben), "approved by ben");

    // Status and review date in clear; everything the child said sealed.
    assert_eq!(raw_texts(&t, "SELECT status FROM case_plans").await, [Some("draft".to_owned())]);
    assert_eq!(raw_texts(&t, "SELECT review_date FROM case_plans").await, [None]);
    let bodies = raw_blobs(&t, "SELECT body FROM case_plans").await;
    assert_sealed(&bodies, &["stage", "Léa", "Marcel", "Doucement", "Saint-Joseph", "CISSS", "goals"]);

    // Unknown case.
    for r in [
        s.save_plan(CaseId::new(), 0, ann, &plan("x", "")).await,
        s.submit_plan(CaseId::new(), 1, ann).await,
        s.approve_plan(CaseId::new(), 1, ann).await,
        s.return_plan(CaseId::new(), 1, ann).await,
    ] {
        assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    }
    assert!(matches!(s.plan(CaseId::new()).await, Err(StoreError::NotFound)));
    t.cleanup().await;
}

#[tokio::test]
async fn review_date_is_kept_in_clear() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, _) = org_with_users(&t, "org-a").await;
    let case = new_case(&t, org, ann).await;
    s.save_plan(case, 0, ann, &plan("Retourner à l'école", "2027-02-01")).await.unwrap();
    assert_eq!(raw_texts(&t, "SELECT review_date FROM case_plans").await, [Some("2027-02-01".to_owned())]);
    t.cleanup().await;
}

#[tokio::test]
async fn services_are_sealed_and_listed_newest_first() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let case = new_case(&t, org, ann).await;
    assert!(s.services(case).await.unwrap().is_empty());
    let older = s
        .add_service(case, ann, "2026-11-02", "health_care", "Clinique Jeunesse Rosemont", "Vue par l'infirmière")
        .await
        .unwrap();
    let newer =
        s.add_service(case, ben, "2026-11-20", "legal_aid", "Aide juridique Montréal", "Dossier ouvert").await.unwrap();
    // Recorded later but delivered earlier: listed by the date delivered.
    let oldest =
        s.add_service(case, ann, "2026-10-15", "shelter", "Foyer Le Havre", "Hébergée deux nuits").await.unwrap();

    let got = s.services(case).await.unwrap();
    let summary: Vec<_> = got
        .iter()
        .map(|r| (r.id, r.author, r.delivered_on.as_str(), r.kind.as_str(), r.provider.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (newer, ben, "2026-11-20", "legal_aid", "Aide juridique Montréal", "Dossier ouvert"),
            (older, ann, "2026-11-02", "health_care", "Clinique Jeunesse Rosemont", "Vue par l'infirmière"),
            (oldest, ann, "2026-10-15", "shelter", "Foyer Le Havre", "Hébergée deux nuits"),
        ]
    );
    assert!(!format!("{got:?}").contains("Rosemont"));

    let mut clear = raw_texts(&t, "SELECT kind FROM case_services").await;
    clear.sort();
    assert_eq!(clear, [Some("health_care".to_owned()), Some("legal_aid".to_owned()), Some("shelter".to_owned())]);
    let bodies = raw_blobs(&t, "SELECT body FROM case_services").await;
    assert_sealed(&bodies, &["Clinique", "Rosemont", "infirmi", "juridique", "Dossier", "Havre", "nuits", "provider"]);
    assert_eq!(kinds(&t, case).await, ["case.open", "service.add", "service.add", "service.add"]);
    assert_eq!(s.case_timeline(case).await.unwrap()[1].ref_id, Some(older.to_string()));
    assert!(matches!(
        s.add_service(CaseId::new(), ann, "2026-11-02", "other", "x", "y").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(s.services(CaseId::new()).await, Err(StoreError::NotFound)));
    t.cleanup().await;
}

#[tokio::test]
async fn followups_are_sealed_and_completed_once() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let (_, bob, _) = org_with_users(&t, "org-b").await;
    let case = new_case(&t, org, ann).await;
    let code = s.case(case).await.unwrap().code;

    let late =
        s.add_followup(case, ann, ben, "2026-12-01", "Appeler la travailleuse sociale de Gatineau").await.unwrap();
    let soon =
        s.add_followup(case, ann, ann, "2026-11-15", "Accompagner au rendez-vous chez Dre Tremblay").await.unwrap();
    // Someone of another organization, an unknown user or an unknown case: not found, nothing written.
    assert!(matches!(s.add_followup(case, ann, bob, "2026-11-15", "x").await, Err(StoreError::NotFound)));
    assert!(matches!(s.add_followup(case, ann, UserId::new(), "2026-11-15", "x").await, Err(StoreError::NotFound)));
    assert!(matches!(s.add_followup(CaseId::new(), ann, ann, "2026-11-15", "x").await, Err(StoreError::NotFound)));

    let list = s.case_followups(case).await.unwrap();
    assert_eq!(
        texts(&list),
        [
            ("2026-11-15", "Accompagner au rendez-vous chez Dre Tremblay"),
            ("2026-12-01", "Appeler la travailleuse sociale de Gatineau")
        ],
        "by due date"
    );
    let f = &list[0];
    assert_eq!(
        (f.id, f.case_id, f.case_code.as_str(), f.assigned_to, f.done_at),
        (soon, case, code.as_str(), ann, None)
    );
    assert_eq!((list[1].id, list[1].assigned_to), (late, ben));
    assert!(!format!("{list:?}").contains("Tremblay"));

    let bodies = raw_blobs(&t, "SELECT body FROM case_followups").await;
    assert_sealed(&bodies, &["Appeler", "Gatineau", "Accompagner", "Tremblay"]);
    let mut due = raw_texts(&t, "SELECT due_on FROM case_followups").await;
    due.sort();
    assert_eq!(due, [Some("2026-11-15".to_owned()), Some("2026-12-01".to_owned())]);

    // Done once; completing again changes nothing and records nothing.
    s.complete_followup(soon, ben).await.unwrap();
    let done_at = s.case_followups(case).await.unwrap()[0].done_at;
    assert!(done_at.is_some());
    s.complete_followup(soon, ann).await.unwrap();
    assert_eq!(s.case_followups(case).await.unwrap()[0].done_at, done_at);
    assert!(matches!(s.complete_followup(Uuid::now_v7(), ann).await, Err(StoreError::NotFound)));
    assert_eq!(raw_count(&t, "SELECT COUNT(*) FROM case_followups WHERE done_at IS NOT NULL").await, 1);
    let done_by: Vec<Option<Uuid>> = passerelle_store::run!(&t.store.db, |pool| sqlx::query_scalar(
        "SELECT done_by FROM case_followups WHERE done_at IS NOT NULL"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    assert_eq!(done_by, [Some(ben.0)], "the first completion is kept");

    let timeline = s.case_timeline(case).await.unwrap();
    let got: Vec<_> = timeline.iter().skip(1).map(|e| (e.kind.as_str(), e.actor, e.ref_id.clone())).collect();
    assert_eq!(
        got,
        [
            ("followup.add", Some(ann), Some(late.to_string())),
            ("followup.add", Some(ann), Some(soon.to_string())),
            ("followup.done", Some(ben), Some(soon.to_string())),
        ]
    );
    assert!(matches!(s.case_followups(CaseId::new()).await, Err(StoreError::NotFound)));
    t.cleanup().await;
}

#[tokio::test]
async fn due_followups_filter_by_org_assignee_date_and_done() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let (other, bob, _) = org_with_users(&t, "org-b").await;
    let case = new_case(&t, org, ann).await;
    let second = new_case(&t, org, ben).await;
    let foreign = new_case(&t, other, bob).await;

    let overdue = s.add_followup(case, ann, ann, "2026-10-01", "en retard").await.unwrap();
    let today = s.add_followup(second, ben, ben, "2026-11-01", "aujourd'hui").await.unwrap();
    let later = s.add_followup(case, ann, ann, "2026-12-01", "plus tard").await.unwrap();
    let done = s.add_followup(case, ann, ben, "2026-09-01", "déjà fait").await.unwrap();
    s.complete_followup(done, ben).await.unwrap();
    s.add_followup(foreign, bob, bob, "2026-10-01", "ailleurs").await.unwrap();

    let ids = |list: Vec<Followup>| list.into_iter().map(|f| f.id).collect::<Vec<_>>();
    assert_eq!(ids(s.due_followups(org, None, "2026-11-01", 50).await.unwrap()), [overdue, today]);
    assert_eq!(ids(s.due_followups(org, Some(ann), "2026-11-01", 50).await.unwrap()), [overdue]);
    assert_eq!(ids(s.due_followups(org, Some(ben), "2026-11-01", 50).await.unwrap()), [today]);
    assert_eq!(ids(s.due_followups(org, Some(ann), "2026-12-31", 50).await.unwrap()), [overdue, later]);
    assert_eq!(ids(s.due_followups(org, None, "2026-12-31", 50).await.unwrap()), [overdue, today, later]);
    assert_eq!(ids(s.due_followups(org, None, "2026-12-31", 1).await.unwrap()), [overdue]);
    assert!(s.due_followups(org, None, "2026-09-30", 50).await.unwrap().is_empty(), "done ones are not due");
    assert!(s.due_followups(org, Some(bob), "2026-12-31", 50).await.unwrap().is_empty());
    let theirs = s.due_followups(other, None, "2026-12-31", 50).await.unwrap();
    assert_eq!(texts(&theirs), [("2026-10-01", "ailleurs")]);
    assert_eq!(theirs[0].case_id, foreign);

    let mine = s.due_followups(org, None, "2026-11-01", 50).await.unwrap();
    assert_eq!(texts(&mine), [("2026-10-01", "en retard"), ("2026-11-01", "aujourd'hui")]);
    assert_eq!((mine[1].case_id, mine[1].case_code.clone()), (second, s.case(second).await.unwrap().code));
    t.cleanup().await;
}

#[tokio::test]
async fn plans_awaiting_approval_oldest_first_per_org() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let (other, bob, _) = org_with_users(&t, "org-b").await;
    let [first, second, draft, approved, returned] = [
        new_case(&t, org, ann).await,
        new_case(&t, org, ann).await,
        new_case(&t, org, ann).await,
        new_case(&t, org, ann).await,
        new_case(&t, org, ann).await,
    ];
    let foreign = new_case(&t, other, bob).await;
    for c in [first, second, draft, approved, returned] {
        s.save_plan(c, 0, ann, &plan("But", "2027-01-01")).await.unwrap();
    }
    s.save_plan(foreign, 0, bob, &plan("But", "")).await.unwrap();
    s.submit_plan(second, 1, ann).await.unwrap();
    s.submit_plan(first, 1, ann).await.unwrap();
    s.submit_plan(approved, 1, ann).await.unwrap();
    s.approve_plan(approved, 2, ben).await.unwrap();
    s.submit_plan(returned, 1, ann).await.unwrap();
    s.return_plan(returned, 2, ben).await.unwrap();
    s.submit_plan(foreign, 1, bob).await.unwrap();

    let waiting = s.plans_awaiting_approval(org, 50).await.unwrap();
    let got: Vec<_> = waiting.iter().map(|(c, _, _)| *c).collect();
    assert_eq!(got, [second, first], "oldest submission first");
    assert_eq!(waiting[0].1, s.case(second).await.unwrap().code);
    assert_eq!(Some(waiting[0].2), s.plan(second).await.unwrap().and_then(|p| p.submitted_at));
    assert!(waiting[0].2 <= waiting[1].2);
    assert_eq!(s.plans_awaiting_approval(org, 1).await.unwrap().len(), 1);
    let theirs = s.plans_awaiting_approval(other, 50).await.unwrap();
    assert_eq!(theirs.iter().map(|(c, _, _)| *c).collect::<Vec<_>>(), [foreign]);
    t.cleanup().await;
}

#[tokio::test]
async fn destroying_the_case_key_shreds_plans_and_texts() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let case = new_case(&t, org, ann).await;
    let kept = new_case(&t, org, ann).await;
    let needs =
        NeedsAssessment { entries: vec![entry("safety", "urgent", "J'ai peur", "")], ..NeedsAssessment::default() };
    s.add_assessment(case, ann, &needs).await.unwrap();
    s.add_assessment(kept, ann, &needs).await.unwrap();
    s.save_plan(case, 0, ann, &plan("Retourner à l'école", "2027-02-01")).await.unwrap();
    s.submit_plan(case, 1, ann).await.unwrap();
    s.save_plan(kept, 0, ann, &plan("Retourner à l'école", "")).await.unwrap();
    s.submit_plan(kept, 1, ann).await.unwrap();
    s.add_service(case, ann, "2026-11-02", "shelter", "Foyer Le Havre", "Hébergée").await.unwrap();
    let f = s.add_followup(case, ann, ben, "2026-11-15", "Appeler sa tante").await.unwrap();
    s.add_followup(kept, ann, ben, "2026-11-16", "Appeler l'école").await.unwrap();

    s.destroy_case_key(case).await.unwrap();
    assert!(s.assessments(case).await.unwrap().is_empty());
    assert_eq!(s.plan(case).await.unwrap(), None, "no longer readable");
    let services = s.services(case).await.unwrap();
    let got: Vec<_> = services
        .iter()
        .map(|r| (r.delivered_on.as_str(), r.kind.as_str(), r.provider.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(got, [("2026-11-02", "shelter", "", "")], "date and kind stay");
    let list = s.case_followups(case).await.unwrap();
    assert_eq!(texts(&list), [("2026-11-15", "")]);
    assert_eq!(list[0].assigned_to, ben);
    let due = s.due_followups(org, Some(ben), "2026-12-31", 50).await.unwrap();
    assert_eq!(texts(&due), [("2026-11-15", ""), ("2026-11-16", "Appeler l'école")]);
    // Coarse columns stay in the database for statistics.
    assert_eq!(raw_texts(&t, "SELECT levels FROM case_assessments").await, vec![Some("safety:urgent".to_owned()); 2]);
    assert_eq!(s.assessments(kept).await.unwrap().len(), 1);

    // Nothing can be written under the destroyed key, nor a plan nobody can read moved on;
    // it is no longer waiting for approval. A follow-up can still be completed.
    assert!(matches!(s.add_assessment(case, ann, &needs).await, Err(StoreError::Conflict)));
    assert!(matches!(s.save_plan(case, 2, ann, &plan("x", "")).await, Err(StoreError::Conflict)));
    assert!(matches!(s.save_plan(case, 0, ann, &plan("x", "")).await, Err(StoreError::Conflict)));
    assert!(matches!(s.approve_plan(case, 2, ben).await, Err(StoreError::Conflict)));
    assert!(matches!(s.return_plan(case, 2, ben).await, Err(StoreError::Conflict)));
    assert!(matches!(s.add_service(case, ann, "2026-11-03", "other", "x", "y").await, Err(StoreError::Conflict)));
    assert!(matches!(s.add_followup(case, ann, ann, "2026-11-03", "x").await, Err(StoreError::Conflict)));
    let waiting = s.plans_awaiting_approval(org, 50).await.unwrap();
    assert_eq!(waiting.iter().map(|(c, _, _)| *c).collect::<Vec<_>>(), [kept]);
    s.complete_followup(f, ben).await.unwrap();
    assert!(s.case_followups(case).await.unwrap()[0].done_at.is_some());
    assert_eq!(t.reopen().await.plan(case).await.unwrap(), None);
    assert_eq!(
        kinds(&t, case).await,
        ["case.open", "assessment.add", "plan.save", "plan.submit", "service.add", "followup.add", "followup.done"]
    );
    t.cleanup().await;
}

//! Retention and destruction, legal holds, the run-once claim of the daily job, the incident
//! register and the privacy contact, on both backends
//! (`PASSERELLE_TEST_DATABASE_URL=postgres://… cargo test`).
#![expect(clippy::many_single_char_names, clippy::similar_names, reason = "short names in long scenarios")]

use passerelle_core::case::{CaseStats, CaseStatus, Identity};
use passerelle_core::ids::{CaseId, OrgId, UserId};
use passerelle_core::incident::{IncidentInput, Risk};
use passerelle_core::org::OrgInput;
use passerelle_core::privacy_contact::PrivacyContact;
use passerelle_core::retention::{HoldInput, RecordKind, RetentionRules, add_months, parse_rules};
use passerelle_core::user::NewUserInput;
use passerelle_store::StoreError;
use passerelle_store::audit::AuditFilter;
use passerelle_store::retention::{RetentionRun, RetentionSummary};
use passerelle_store::testing::TestStore;
use time::OffsetDateTime;
use time::macros::date;

async fn org_and_user(t: &TestStore, name: &str, username: &str) -> (OrgId, UserId) {
    let s = &t.store;
    let org = s
        .create_org(&OrgInput::parse(name, "shelter", &["06".into()]).unwrap_or_else(|e| panic!("{e}")))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let input = NewUserInput::parse(username, "Superviseure Test", &["supervisor".into()], "fr")
        .unwrap_or_else(|e| panic!("{e}"));
    let user = s.create_user(org.id, &input, "h").await.unwrap_or_else(|e| panic!("{e}"));
    (org.id, user.id)
}

fn identity(given: &str) -> Identity {
    Identity { given_name: given.into(), family_name: "Fictive".into(), ..Identity::default() }
}

fn stats() -> CaseStats {
    CaseStats { age_at_identification: Some(15), gender: Some("girl".into()), ..CaseStats::default() }
}

async fn closed_case(t: &TestStore, org: OrgId, by: UserId, given: &str) -> CaseId {
    let s = &t.store;
    let c = s.create_case(org, by, &identity(given), &stats(), None).await.unwrap_or_else(|e| panic!("{e}"));
    s.add_case_note(c.id, by, &format!("{given} a parlé de son cousin")).await.unwrap_or_else(|e| panic!("{e}"));
    let c = s
        .set_case_status(c.id, c.version, by, CaseStatus::Closed, Some("Services terminés"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    c.id
}

async fn count(t: &TestStore, sql: &'static str) -> i64 {
    passerelle_store::run!(&t.store.db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn ran(r: &RetentionRun) -> RetentionSummary {
    match r {
        RetentionRun::Ran(s) => *s,
        RetentionRun::AlreadyRan { .. } => panic!("expected a run"),
    }
}

#[tokio::test]
async fn closed_cases_are_destroyed_after_their_period_unless_held() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, sup) = org_and_user(&t, "Refuge Rétention", "sup-r").await;
    let expired = closed_case(&t, org, sup, "Lauréanne").await;
    let held = closed_case(&t, org, sup, "Bérénice").await;
    let lifted = closed_case(&t, org, sup, "Clothilde").await;
    let open = s.create_case(org, sup, &identity("Ophélie"), &stats(), None).await.unwrap().id;
    // A screening that led to the expired case goes with it.
    let screening = s.create_screening(org, sup, 1, "1.0.0", None, b"{\"age_years\":15}").await.unwrap();
    let from_screening = s.create_case(org, sup, &identity("Séraphine"), &stats(), Some(screening)).await.unwrap();
    s.set_case_status(from_screening.id, from_screening.version, sup, CaseStatus::Closed, Some("fin")).await.unwrap();

    let hold = HoldInput::parse("court_order", "500-41-000000-261").unwrap();
    s.place_hold(held, sup, &hold).await.unwrap();
    let h = s.place_hold(lifted, sup, &HoldInput::parse("investigation", "").unwrap()).await.unwrap();
    s.lift_hold(lifted, h, sup).await.unwrap();
    assert!(matches!(s.lift_hold(lifted, h, sup).await, Err(StoreError::NotFound)), "lifted once");
    let holds = s.holds_of(held).await.unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].reference, "500-41-000000-261");
    assert!(holds[0].lifted_at.is_none());

    let now = passerelle_core::time::now();
    // Before the end of the period (60 months after closure), nothing goes.
    let early = ran(&s.run_retention(add_months(now, 59), "test-a").await.unwrap());
    assert_eq!(early, RetentionSummary::default());
    assert_eq!(s.retention_dry_run(add_months(now, 61)).await.unwrap().cases_destroyed, 3);

    let later = add_months(now, 61);
    let summary = ran(&s.run_retention(later, "test-a").await.unwrap());
    assert_eq!(summary.cases_destroyed, 3, "{summary:?}");
    assert_eq!(summary.cases_held, 1);

    for id in [expired, lifted, from_screening.id] {
        let c = s.case(id).await.unwrap();
        assert!(c.identity.is_none(), "identity shredded");
        assert!(c.close_reason.is_none());
        assert!(s.case_notes(id).await.unwrap().is_empty());
        assert!(s.holds_of(id).await.unwrap().is_empty());
        assert!(s.case_destroyed_at(id).await.unwrap().is_some());
        // The statistical attributes stay.
        let r = s.stats_record(id).await.unwrap();
        assert_eq!((r.age_at_identification, r.gender.as_deref()), (Some(15), Some("girl")));
        let kinds: Vec<String> = s.case_timeline(id).await.unwrap().into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec!["retention.destroy".to_owned()]);
    }
    assert!(matches!(s.screening(screening).await, Err(StoreError::NotFound)), "its screening is gone");
    // What was held or still open is intact.
    assert!(s.case(held).await.unwrap().identity.is_some());
    assert_eq!(s.case_notes(held).await.unwrap().len(), 1);
    assert!(s.case(open).await.unwrap().identity.is_some());
    // Nothing readable is left in the rows (identity emptied, notes deleted, terms deleted).
    assert_eq!(count(&t, "SELECT COUNT(*) FROM case_notes").await, 1);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM cases WHERE destroyed_at IS NOT NULL").await, 3);
    // A destroyed case takes no hold.
    assert!(matches!(s.place_hold(expired, sup, &hold).await, Err(StoreError::Conflict)));

    // The trail: one entry per destruction by id only, and a summary; no name anywhere.
    let entries = s.audit_entries(&AuditFilter { limit: 1000, ..AuditFilter::default() }).await.unwrap();
    let destroyed: Vec<_> = entries.iter().filter(|e| e.entry.action == "retention.destroy").collect();
    assert_eq!(destroyed.len(), 3);
    assert!(destroyed.iter().any(|e| e.entry.object_id.as_deref() == Some(&expired.to_string())));
    assert!(entries.iter().any(|e| e.entry.action == "retention.run"
        && e.entry.purpose.as_deref().is_some_and(|p| p.contains("cases_destroyed=3"))));
    for e in &entries {
        let text = format!("{:?}", e.entry);
        assert!(!text.contains("Lauréanne") && !text.contains("Clothilde"), "{text}");
    }
    assert!(matches!(s.verify_audit_chain().await.unwrap(), passerelle_store::audit::ChainCheck::Intact { .. }));

    // Lifting the hold lets the next day's run destroy the case.
    let h = s.holds_of(held).await.unwrap()[0].id;
    s.lift_hold(held, h, sup).await.unwrap();
    let next = ran(&s.run_retention(later + time::Duration::days(1), "test-a").await.unwrap());
    assert_eq!((next.cases_destroyed, next.cases_held), (1, 0));
    t.cleanup().await;
}

#[tokio::test]
async fn screenings_and_incidents_expire_by_their_own_rules() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, sup) = org_and_user(&t, "Clinique Rétention", "sup-c").await;
    let anonymous = s.create_screening(org, sup, 1, "1.0.0", None, b"{}").await.unwrap();
    s.complete_screening(anonymous, 1, None, b"{}", "", b"{}", "no_concern", &[]).await.unwrap();
    let draft = s.create_screening(org, sup, 1, "1.0.0", None, b"{}").await.unwrap();
    let kept = s.create_screening(org, sup, 1, "1.0.0", None, b"{}").await.unwrap();
    s.create_case(org, sup, &identity("Maëlle"), &stats(), Some(kept)).await.unwrap();

    let old = incident(date!(2020 - 01 - 15));
    let old_id = s.create_incident(org, sup, &old).await.unwrap();
    let recent_id = s.create_incident(org, sup, &incident(date!(2026 - 01 - 15))).await.unwrap();

    let now = passerelle_core::time::now();
    // Two months on: the draft (1 month) is gone, the completed screening (6 months) is not.
    let r = ran(&s.run_retention(add_months(now, 2), "test").await.unwrap());
    assert_eq!((r.draft_screenings, r.anonymous_screenings), (1, 0));
    // The incident discovered in January 2020 passed five years (the legal floor) long ago.
    assert_eq!(r.incidents, 1);
    assert!(matches!(s.screening(draft).await, Err(StoreError::NotFound)));
    assert!(s.screening(anonymous).await.is_ok());
    // Seven months on: the completed one too; the one that led to a case stays.
    let r = ran(&s.run_retention(add_months(now, 7), "test").await.unwrap());
    assert_eq!(r.anonymous_screenings, 1);
    assert!(s.screening(kept).await.is_ok());
    assert!(matches!(s.incident(org, old_id).await, Err(StoreError::NotFound)));
    assert!(s.incident(org, recent_id).await.is_ok());

    // Periods are the administrator's, within bounds.
    let form: Vec<(String, String)> =
        [("closed_case", "84"), ("anonymous_screening", "3"), ("draft_screening", "2"), ("incident", "72")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
    let rules = parse_rules(&form).unwrap();
    s.set_retention_rules(&rules, sup).await.unwrap();
    let back = s.retention_rules().await.unwrap();
    assert_eq!(back, rules);
    assert_eq!(back.months(RecordKind::ClosedCase), 84);
    assert_ne!(back, RetentionRules::default());
    t.cleanup().await;
}

fn incident(discovered: time::Date) -> IncidentInput {
    IncidentInput {
        occurred_on: None,
        discovered_on: discovered,
        description: "Une liste de codes de dossiers envoyée au mauvais partenaire".into(),
        categories: vec!["case_notes".into()],
        people_affected: 2,
        risk: Risk::Yes,
        risk_reasons: "Renseignements sensibles".into(),
        cai_notified_on: None,
        persons_notified_on: None,
        measures: "Rappel de la procédure".into(),
    }
}

/// Two servers on one installation start the day's run at once: exactly one runs it.
#[tokio::test]
async fn the_daily_run_happens_once_across_servers() {
    let t = TestStore::new().await;
    let (org, sup) = org_and_user(&t, "Refuge Course", "sup-k").await;
    closed_case(&t, org, sup, "Anaïs").await;
    let other = t.reopen().await;
    // Noon, so that three hours later is still the same day whatever the hour the test runs.
    let when: OffsetDateTime = add_months(passerelle_core::time::now(), 61).replace_time(time::macros::time!(12:00));
    let (a, b) = tokio::join!(t.store.run_retention(when, "server-a"), other.run_retention(when, "server-b"));
    let (a, b) = (a.unwrap(), b.unwrap());
    let ran: Vec<&RetentionRun> = [&a, &b].into_iter().filter(|r| matches!(r, RetentionRun::Ran(_))).collect();
    assert_eq!(ran.len(), 1, "{a:?} {b:?}");
    assert!(matches!(ran[0], RetentionRun::Ran(s) if s.cases_destroyed == 1));
    let again = t.store.run_retention(when + time::Duration::hours(3), "server-a").await.unwrap();
    assert!(matches!(again, RetentionRun::AlreadyRan { .. }), "same day: {again:?}");
    assert_eq!(count(&t, "SELECT COUNT(*) FROM job_runs WHERE finished_at IS NOT NULL").await, 1);
    // A claim abandoned for more than the lease (its server stopped) is taken over.
    let day = "2001-01-01";
    let t0 = passerelle_core::time::now();
    assert!(t.store.claim_job("retention", day, "crashed", t0).await.unwrap());
    assert!(!other.claim_job("retention", day, "b", t0 + time::Duration::minutes(30)).await.unwrap());
    assert!(other.claim_job("retention", day, "b", t0 + time::Duration::hours(2)).await.unwrap());
    other.close().await;
    t.cleanup().await;
}

#[tokio::test]
async fn the_incident_register_is_sealed_and_kept_per_organization() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, officer) = org_and_user(&t, "DPJ Registre", "officer-r").await;
    let (other_org, _) = org_and_user(&t, "Refuge Registre", "officer-b").await;
    let mut i = incident(date!(2026 - 03 - 04));
    i.description = "Courriel envoyé à une mauvaise adresse : Zéphirine".into();
    let id = s.create_incident(org, officer, &i).await.unwrap();
    let stored = s.incident(org, id).await.unwrap();
    assert_eq!(stored.input, i);
    assert_eq!(stored.version, 1);
    assert!(matches!(s.incident(other_org, id).await, Err(StoreError::NotFound)));
    assert!(s.incidents_of(other_org).await.unwrap().is_empty());
    // The free texts are not in clear in the database.
    let blobs: Vec<Vec<u8>> =
        passerelle_store::run!(&s.db, |pool| sqlx::query_scalar("SELECT description FROM incidents")
            .fetch_all(pool)
            .await)
        .unwrap();
    assert!(blobs.iter().all(|b| !b.windows(9).any(|w| w == b"Z\xc3\xa9phiri")));
    i.cai_notified_on = Some(date!(2026 - 03 - 05));
    i.persons_notified_on = Some(date!(2026 - 03 - 06));
    s.update_incident(id, org, 1, officer, &i).await.unwrap();
    assert!(matches!(s.update_incident(id, org, 1, officer, &i).await, Err(StoreError::Conflict)));
    assert!(matches!(s.update_incident(id, other_org, 2, officer, &i).await, Err(StoreError::NotFound)));
    let list = s.incidents_of(org).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].input.notification_state().as_str(), "done");

    assert_eq!(s.privacy_contact().await.unwrap(), None);
    let c = PrivacyContact {
        title: "Responsable".into(),
        name: "Direction".into(),
        email: "prp@exemple.qc.ca".into(),
        phone: "514 555-0100".into(),
        postal_address: "1 rue Fictive\nMontréal".into(),
    };
    s.set_privacy_contact(&c, Some(officer)).await.unwrap();
    s.set_privacy_contact(&c, None).await.unwrap();
    assert_eq!(s.privacy_contact().await.unwrap(), Some(c));
    t.cleanup().await;
}

//! Children's cases on both backends (`PASSERELLE_TEST_DATABASE_URL=postgres://… cargo test`):
//! opening from a screening, name search through blind indexes, encryption at rest,
//! crypto-shredding, versioned updates, notes, timeline and assignments.

use passerelle_core::case::{CaseStats, CaseStatus, Identity, UnsafePerson};
use passerelle_core::ids::{CaseId, OrgId, ScreeningId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_core::region::Region;
use passerelle_core::user::NewUserInput;
use passerelle_store::StoreError;
use passerelle_store::cases::CaseSummary;
use passerelle_store::testing::TestStore;

fn org_input(name: &str) -> OrgInput {
    OrgInput::parse(name, "shelter", &["06".into()]).unwrap_or_else(|e| panic!("{e}"))
}

fn user_input(username: &str) -> NewUserInput {
    NewUserInput::parse(username, "Test Person", &["case_worker".into()], "fr").unwrap_or_else(|e| panic!("{e}"))
}

fn identity(given: &str, family: &str, aliases: &[&str]) -> Identity {
    Identity {
        given_name: given.into(),
        family_name: family.into(),
        aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        birth_date: Some("2010-03-04".into()),
        phones: vec!["514-555-0199".into()],
        handles: vec!["@mimi2010".into()],
        addresses: vec!["1234 rue Fictive, Montréal".into()],
        id_documents: vec!["Carte fictive 000-111".into()],
        unsafe_persons: vec![UnsafePerson { name: "Jean Untel".into(), relationship: "beau-père".into() }],
    }
}

fn emilie() -> Identity {
    identity("Émilie", "Côté-Tremblay", &["Mimi"])
}

fn stats() -> CaseStats {
    CaseStats {
        age_at_identification: Some(15),
        gender: Some("girl".into()),
        immigration_status: Some("citizen".into()),
        indigenous: None,
        languages: vec!["fr".into(), "en".into()],
        region: "06".parse::<Region>().ok(),
    }
}

/// An organization with two members.
async fn org_with_users(t: &TestStore, name: &str) -> (OrgId, UserId, UserId) {
    let s = &t.store;
    let org = s.create_org(&org_input(name)).await.unwrap_or_else(|e| panic!("{e}"));
    let a = s.create_user(org.id, &user_input(&format!("{name}-a")), "h").await.unwrap_or_else(|e| panic!("{e}"));
    let b = s.create_user(org.id, &user_input(&format!("{name}-b")), "h").await.unwrap_or_else(|e| panic!("{e}"));
    (org.id, a.id, b.id)
}

/// Every value of one column, read as someone with direct database access would.
async fn raw_blobs(t: &TestStore, sql: &'static str) -> Vec<Vec<u8>> {
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

fn ids(list: &[CaseSummary]) -> Vec<CaseId> {
    list.iter().map(|c| c.id).collect()
}

async fn kinds(t: &TestStore, id: CaseId) -> Vec<String> {
    t.store.case_timeline(id).await.unwrap_or_else(|e| panic!("{e}")).into_iter().map(|e| e.kind).collect()
}

#[tokio::test]
async fn a_case_opened_from_a_screening() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, _) = org_with_users(&t, "org-a").await;
    let (other, bob, _) = org_with_users(&t, "org-b").await;
    let screening = s.create_screening(org, ann, 1, "1.0.0", None, b"{}").await.unwrap();
    let foreign = s.create_screening(other, bob, 1, "1.0.0", None, b"{}").await.unwrap();
    assert_eq!(s.screening_case(screening).await.unwrap(), None);

    let case = s.create_case(org, ann, &emilie(), &stats(), Some(screening)).await.unwrap();
    assert_eq!((case.org_id, case.created_by, case.status, case.version), (org, ann, CaseStatus::Open, 1));
    assert_eq!(case.identity, Some(emilie()));
    assert_eq!(case.stats, stats());
    assert_eq!(case.close_reason, None);
    assert_eq!(case.assigned, vec![ann]);
    assert_eq!(s.case(case.id).await.unwrap(), case);
    // A non-identifying code: C-XXXX-XXXX from unambiguous characters.
    let code: Vec<char> = case.code.chars().collect();
    assert_eq!(code.len(), 11, "{}", case.code);
    assert!(case.code.starts_with("C-") && code[6] == '-', "{}", case.code);
    assert!(
        code.iter()
            .enumerate()
            .filter(|(i, _)| ![0, 1, 6].contains(i))
            .all(|(_, c)| { c.is_ascii_digit() && *c > '1' || c.is_ascii_uppercase() && !"ILOU".contains(*c) }),
        "{}",
        case.code
    );
    let debug = format!("{case:?}");
    assert!(!debug.contains("milie") && !debug.contains("Tremblay"), "{debug}");

    assert_eq!(s.screening_case(screening).await.unwrap(), Some(case.id));
    let timeline = s.case_timeline(case.id).await.unwrap();
    let got: Vec<_> = timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(got, ["case.open", "screening.attach"]);
    assert!(timeline.iter().all(|e| e.actor == Some(ann) && e.at == case.created_at));
    assert_eq!(timeline[1].ref_id, Some(screening.to_string()));

    // A screening of another organization, an unknown one, or one already linked: refused,
    // and nothing is written (no case, no key, no link).
    let keys_before = raw_count(&t, "SELECT COUNT(*) FROM data_keys").await;
    for (from, expected) in [(foreign, "not found"), (ScreeningId::new(), "not found"), (screening, "conflict")] {
        let r = s.create_case(org, ann, &emilie(), &stats(), Some(from)).await;
        match (r, expected) {
            (Err(StoreError::NotFound), "not found") | (Err(StoreError::Conflict), "conflict") => {}
            (other, _) => panic!("{from}: {other:?}"),
        }
    }
    assert_eq!(raw_count(&t, "SELECT COUNT(*) FROM cases").await, 1);
    assert_eq!(raw_count(&t, "SELECT COUNT(*) FROM data_keys").await, keys_before);
    assert_eq!(raw_count(&t, "SELECT COUNT(*) FROM case_events").await, 2);
    assert_eq!(s.screening_case(foreign).await.unwrap(), None);
    assert_eq!(s.screening_case(screening).await.unwrap(), Some(case.id));
    assert!(matches!(s.screening_case(ScreeningId::new()).await, Err(StoreError::NotFound)));
    assert!(matches!(s.case(CaseId::new()).await, Err(StoreError::NotFound)));

    // Without a screening; codes differ.
    let plain = s
        .create_case(
            org,
            ann,
            &Identity { given_name: "Lou".into(), ..Identity::default() },
            &CaseStats::default(),
            None,
        )
        .await
        .unwrap();
    assert_ne!(plain.code, case.code);
    assert_eq!(plain.stats, CaseStats::default());
    assert_eq!(kinds(&t, plain.id).await, ["case.open"]);
    t.cleanup().await;
}

#[tokio::test]
async fn search_by_exact_name_words() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let (other, bob, _) = org_with_users(&t, "org-b").await;
    let em = s.create_case(org, ann, &emilie(), &stats(), None).await.unwrap();
    let jean = s.create_case(org, ann, &identity("Jean", "Tremblay", &[]), &stats(), None).await.unwrap();
    let foreign = s.create_case(other, bob, &emilie(), &stats(), None).await.unwrap();

    for query in ["emilie", "COTE", "cote tremblay", "emilie cote", "Émilie Côté-Tremblay", "mimi", "  MIMI côté "]
    {
        assert_eq!(ids(&s.search_cases(org, None, query, 50).await.unwrap()), vec![em.id], "{query}");
    }
    for query in ["emili", "tremblay jean", "côté jean", "", " - ", "Untel", "mimi2010"] {
        let found = ids(&s.search_cases(org, None, query, 50).await.unwrap());
        assert!(!found.contains(&em.id), "{query}");
    }
    assert_eq!(ids(&s.search_cases(org, None, "tremblay jean", 50).await.unwrap()), vec![jean.id]);
    // Newest first, within the limit.
    assert_eq!(ids(&s.search_cases(org, None, "tremblay", 50).await.unwrap()), vec![jean.id, em.id]);
    assert_eq!(ids(&s.search_cases(org, None, "tremblay", 1).await.unwrap()), vec![jean.id]);
    // The other organization's case, with the same name, is found only there.
    assert_eq!(ids(&s.search_cases(other, None, "emilie", 50).await.unwrap()), vec![foreign.id]);

    // Restricted to one user's cases.
    assert!(s.search_cases(org, Some(ben), "emilie", 50).await.unwrap().is_empty());
    assert!(s.cases_of(org, Some(ben), 50).await.unwrap().is_empty());
    s.assign_case(em.id, ann, ben).await.unwrap();
    let found = s.search_cases(org, Some(ben), "emilie", 50).await.unwrap();
    assert_eq!(ids(&found), vec![em.id]);
    assert_eq!(found[0].assigned, vec![ann, ben]);
    assert_eq!(
        (found[0].code.as_str(), found[0].status, found[0].region),
        (em.code.as_str(), CaseStatus::Open, stats().region)
    );
    assert!(s.search_cases(org, Some(ben), "jean", 50).await.unwrap().is_empty());
    assert!(s.search_cases(org, Some(bob), "emilie", 50).await.unwrap().is_empty());

    let all = s.cases_of(org, None, 50).await.unwrap();
    assert_eq!(ids(&all), vec![jean.id, em.id]);
    assert_eq!((all[0].assigned.clone(), all[1].assigned.clone()), (vec![ann], vec![ann, ben]));
    assert_eq!(ids(&s.cases_of(org, Some(ben), 50).await.unwrap()), vec![em.id]);
    assert_eq!(ids(&s.cases_of(org, None, 1).await.unwrap()), vec![jean.id]);
    assert_eq!(ids(&s.cases_of(other, None, 50).await.unwrap()), vec![foreign.id]);
    t.cleanup().await;
}

#[tokio::test]
async fn search_with_many_words() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, _) = org_with_users(&t, "org-a").await;
    let many = identity("Anne Marie Louise", "de la Fontaine", &["Nini Lou", "Zaza"]);
    let case = s.create_case(org, ann, &many, &CaseStats::default(), None).await.unwrap();
    let all_words = "anne marie louise de la fontaine nini lou zaza";
    assert_eq!(ids(&s.search_cases(org, None, all_words, 10).await.unwrap()), vec![case.id]);
    // Ten words, one of them wrong, wherever it falls among the hashed words.
    for wrong in ["xavier", "aaron", "zoe"] {
        let query = format!("{all_words} {wrong}");
        assert!(s.search_cases(org, None, &query, 10).await.unwrap().is_empty(), "{query}");
    }
    t.cleanup().await;
}

#[tokio::test]
async fn identity_and_notes_are_not_stored_in_clear() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, _) = org_with_users(&t, "org-a").await;
    let case = s.create_case(org, ann, &emilie(), &stats(), None).await.unwrap();
    let secret = "Rencontrée au métro Berri-UQAM avec sa tante";
    let note = s.add_case_note(case.id, ann, secret).await.unwrap();
    assert_eq!(s.case_notes(case.id).await.unwrap()[0].id, note);
    let notes = s.case_notes(case.id).await.unwrap();
    assert!(!format!("{notes:?}").contains("Berri"));
    let closed = s
        .set_case_status(case.id, case.version, ann, CaseStatus::Closed, Some("Partie chez sa tante à Gatineau"))
        .await
        .unwrap();
    assert_eq!(closed.close_reason.as_deref(), Some("Partie chez sa tante à Gatineau"));
    let reasons = raw_blobs(&t, "SELECT close_reason FROM cases").await;
    assert!(reasons.iter().all(|r| !contains(r, "Gatineau")), "the close reason is sealed too");

    let identities = raw_blobs(&t, "SELECT identity FROM cases").await;
    let bodies = raw_blobs(&t, "SELECT body FROM case_notes").await;
    let terms = raw_blobs(&t, "SELECT term FROM case_terms").await;
    assert_eq!((identities.len(), bodies.len()), (1, 1));
    assert_eq!(terms.len(), 4, "emilie, cote, tremblay, mimi");
    assert!(terms.iter().all(|term| term.len() == 32));
    for blob in identities.iter().chain(&bodies).chain(&terms) {
        for clear in [
            "Émilie",
            "Emilie",
            "emilie",
            "Côté",
            "Tremblay",
            "tremblay",
            "Mimi",
            "mimi",
            "514-555",
            "Untel",
            "Berri",
            "Fictive, Montr",
            "000-111",
            secret,
        ] {
            assert!(!contains(blob, clear), "{clear} in clear");
        }
    }
    t.cleanup().await;
}

#[tokio::test]
async fn destroying_the_case_key_shreds_identity_notes_and_terms() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let case = s.create_case(org, ann, &emilie(), &stats(), None).await.unwrap();
    let kept = s.create_case(org, ann, &identity("Émilie", "Roy", &[]), &stats(), None).await.unwrap();
    s.add_case_note(case.id, ann, "première rencontre").await.unwrap();
    s.assign_case(case.id, ann, ben).await.unwrap();

    s.destroy_case_key(case.id).await.unwrap();
    let after = s.case(case.id).await.unwrap();
    assert_eq!(after.identity, None);
    assert_eq!(after.stats, stats());
    assert_eq!((after.code.as_str(), after.status), (case.code.as_str(), CaseStatus::Open));
    assert_eq!(after.assigned, vec![ann, ben]);
    assert_eq!(after.version, case.version + 1);
    assert!(s.case_notes(case.id).await.unwrap().is_empty());
    assert_eq!(ids(&s.search_cases(org, None, "emilie", 50).await.unwrap()), vec![kept.id]);
    assert!(s.search_cases(org, None, "mimi", 50).await.unwrap().is_empty());
    assert_eq!(raw_count(&t, "SELECT COUNT(*) FROM case_terms").await, 2, "only the other case's terms");
    assert_eq!(raw_count(&t, "SELECT COUNT(*) FROM data_keys WHERE purpose = 'case' AND wrapped IS NULL").await, 1);
    // Still listed, with its timeline; a reopened store cannot read it either.
    assert_eq!(ids(&s.cases_of(org, None, 50).await.unwrap()), vec![kept.id, case.id]);
    assert_eq!(kinds(&t, case.id).await, ["case.open", "note.add", "assign"]);
    assert_eq!(t.reopen().await.case(case.id).await.unwrap().identity, None);
    assert_eq!(s.case(kept.id).await.unwrap().identity, Some(identity("Émilie", "Roy", &[])));

    // Nothing can be written under a destroyed key; the status can still change.
    assert!(matches!(s.add_case_note(case.id, ann, "x").await, Err(StoreError::Conflict)));
    assert!(matches!(s.update_case_identity(case.id, after.version, ann, &emilie()).await, Err(StoreError::Conflict)));
    assert!(s.search_cases(org, None, "emilie cote", 50).await.unwrap().is_empty());
    let closed = s.set_case_status(case.id, after.version, ann, CaseStatus::Closed, Some("moved")).await.unwrap();
    assert_eq!(closed.status, CaseStatus::Closed);
    assert_eq!(closed.close_reason, None, "no key, so the free-text reason is not kept");

    // Idempotent; an unknown case is not found.
    s.destroy_case_key(case.id).await.unwrap();
    assert!(matches!(s.destroy_case_key(CaseId::new()).await, Err(StoreError::NotFound)));
    assert!(matches!(s.case_notes(CaseId::new()).await, Err(StoreError::NotFound)));
    t.cleanup().await;
}

#[tokio::test]
async fn versioned_updates_and_status_transitions() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, _) = org_with_users(&t, "org-a").await;
    let case = s.create_case(org, ann, &emilie(), &stats(), None).await.unwrap();

    let renamed = identity("Émilie", "Gagnon", &["Lili"]);
    let v2 = s.update_case_identity(case.id, 1, ann, &renamed).await.unwrap();
    assert_eq!((v2.version, v2.identity.clone()), (2, Some(renamed.clone())));
    assert_eq!(v2.stats, stats());
    // Terms follow the new identity.
    assert_eq!(ids(&s.search_cases(org, None, "emilie gagnon", 50).await.unwrap()), vec![case.id]);
    assert_eq!(ids(&s.search_cases(org, None, "lili", 50).await.unwrap()), vec![case.id]);
    assert!(s.search_cases(org, None, "tremblay", 50).await.unwrap().is_empty());
    assert!(s.search_cases(org, None, "mimi", 50).await.unwrap().is_empty());

    // A second worker still holding version 1 must not overwrite the first one's change.
    assert!(matches!(s.update_case_identity(case.id, 1, ann, &emilie()).await, Err(StoreError::Conflict)));
    assert!(matches!(s.set_case_status(case.id, 1, ann, CaseStatus::Active, None).await, Err(StoreError::Conflict)));
    assert_eq!(s.case(case.id).await.unwrap(), v2);
    assert!(matches!(s.update_case_identity(CaseId::new(), 1, ann, &emilie()).await, Err(StoreError::NotFound)));
    assert!(matches!(
        s.set_case_status(CaseId::new(), 1, ann, CaseStatus::Active, None).await,
        Err(StoreError::NotFound)
    ));

    // Transitions CaseStatus::can_become forbids are refused, whatever the version.
    for forbidden in [CaseStatus::Open, CaseStatus::Reopened] {
        assert!(matches!(s.set_case_status(case.id, 2, ann, forbidden, None).await, Err(StoreError::Conflict)));
    }
    let active = s.set_case_status(case.id, 2, ann, CaseStatus::Active, Some("ignored")).await.unwrap();
    assert_eq!((active.status, active.version, active.close_reason.clone()), (CaseStatus::Active, 3, None));
    let closed = s.set_case_status(case.id, 3, ann, CaseStatus::Closed, Some("Family reunited")).await.unwrap();
    assert_eq!((closed.status, closed.close_reason.as_deref()), (CaseStatus::Closed, Some("Family reunited")));
    assert!(matches!(s.set_case_status(case.id, 4, ann, CaseStatus::Active, None).await, Err(StoreError::Conflict)));
    let reopened = s.set_case_status(case.id, 4, ann, CaseStatus::Reopened, None).await.unwrap();
    assert_eq!((reopened.status, reopened.version, reopened.close_reason), (CaseStatus::Reopened, 5, None));
    assert_eq!(
        kinds(&t, case.id).await,
        ["case.open", "identity.update", "status.active", "status.closed", "status.reopened"]
    );
    t.cleanup().await;
}

#[tokio::test]
async fn notes_and_timeline() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let case = s.create_case(org, ann, &emilie(), &stats(), None).await.unwrap();
    assert!(s.case_notes(case.id).await.unwrap().is_empty());
    let first = s.add_case_note(case.id, ann, "Première rencontre — elle parle peu.").await.unwrap();
    let second = s.add_case_note(case.id, ben, "Suivi avec l'école.").await.unwrap();

    let notes = s.case_notes(case.id).await.unwrap();
    let got: Vec<_> = notes.iter().map(|n| (n.id, n.author, n.body.as_str())).collect();
    assert_eq!(got, [(second, ben, "Suivi avec l'école."), (first, ann, "Première rencontre — elle parle peu.")]);
    assert!(notes[0].at >= notes[1].at);

    let timeline = s.case_timeline(case.id).await.unwrap();
    let got: Vec<_> = timeline.iter().map(|e| (e.kind.as_str(), e.actor, e.ref_id.clone())).collect();
    assert_eq!(
        got,
        [
            ("case.open", Some(ann), None),
            ("note.add", Some(ann), Some(first.to_string())),
            ("note.add", Some(ben), Some(second.to_string())),
        ]
    );
    assert!(timeline.windows(2).all(|w| w[0].at <= w[1].at), "oldest first");
    assert!(matches!(s.case_timeline(CaseId::new()).await, Err(StoreError::NotFound)));
    assert!(matches!(s.add_case_note(CaseId::new(), ann, "x").await, Err(StoreError::NotFound)));
    t.cleanup().await;
}

#[tokio::test]
async fn assignments_are_idempotent_and_kept_in_the_organization() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (org, ann, ben) = org_with_users(&t, "org-a").await;
    let (_, bob, _) = org_with_users(&t, "org-b").await;
    let case = s.create_case(org, ann, &emilie(), &stats(), None).await.unwrap();

    s.assign_case(case.id, ann, ben).await.unwrap();
    s.assign_case(case.id, ann, ben).await.unwrap();
    s.assign_case(case.id, ann, ann).await.unwrap();
    assert_eq!(s.case(case.id).await.unwrap().assigned, vec![ann, ben]);
    // A member of another organization, an unknown user or an unknown case: not found.
    assert!(matches!(s.assign_case(case.id, ann, bob).await, Err(StoreError::NotFound)));
    assert!(matches!(s.assign_case(case.id, ann, UserId::new()).await, Err(StoreError::NotFound)));
    assert!(matches!(s.assign_case(CaseId::new(), ann, ben).await, Err(StoreError::NotFound)));

    s.unassign_case(case.id, ben, ann).await.unwrap();
    s.unassign_case(case.id, ben, ann).await.unwrap();
    assert_eq!(s.case(case.id).await.unwrap().assigned, vec![ben]);
    assert!(s.cases_of(org, Some(ann), 50).await.unwrap().is_empty());
    assert_eq!(ids(&s.cases_of(org, Some(ben), 50).await.unwrap()), vec![case.id]);
    assert!(matches!(s.unassign_case(CaseId::new(), ann, ben).await, Err(StoreError::NotFound)));

    let timeline = s.case_timeline(case.id).await.unwrap();
    let got: Vec<_> = timeline.iter().map(|e| (e.kind.as_str(), e.actor, e.ref_id.clone())).collect();
    assert_eq!(
        got,
        [
            ("case.open", Some(ann), None),
            ("assign", Some(ann), Some(ben.to_string())),
            ("unassign", Some(ben), Some(ann.to_string())),
        ]
    );
    // Assignments do not change the case's version.
    assert_eq!(s.case(case.id).await.unwrap().version, 1);
    t.cleanup().await;
}

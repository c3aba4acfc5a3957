//! The storage conformance suite: the same tests on SQLite and on PostgreSQL
//! (`PASSERELLE_TEST_DATABASE_URL=postgres://… cargo test`).
#![expect(clippy::many_single_char_names, reason = "short names for the sessions of one test")]

use passerelle_core::audit::{NewAuditEntry, Outcome};
use passerelle_core::ids::{OrgId, ScreeningId};
use passerelle_core::org::OrgInput;
use passerelle_core::role::Role;
use passerelle_core::token::ApiScope;
use passerelle_core::user::{NewUserInput, UserStatus};
use passerelle_store::StoreError;
use passerelle_store::audit::{AuditFilter, ChainCheck};
use passerelle_store::sessions::{SessionPolicy, Stage};
use passerelle_store::testing::{TEST_DATABASE_URL, TestStore};
use time::Duration;

fn org_input(name: &str) -> OrgInput {
    OrgInput::parse(name, "shelter", &["06".into()]).unwrap_or_else(|e| panic!("{e}"))
}

fn user_input(username: &str, roles: &str) -> NewUserInput {
    NewUserInput::parse(username, "Test Person", &[roles.into()], "fr").unwrap_or_else(|e| panic!("{e}"))
}

fn audit_entry(action: &str, org: Option<OrgId>) -> NewAuditEntry {
    NewAuditEntry {
        actor_user_id: None,
        actor_org_id: org,
        action: action.into(),
        object_type: "test".into(),
        object_id: None,
        object_org_id: org,
        purpose: None,
        outcome: Outcome::Success,
    }
}

#[tokio::test]
async fn runs_on_the_requested_backend() {
    let t = TestStore::new().await;
    let expected = if std::env::var(TEST_DATABASE_URL).is_ok_and(|u| !u.is_empty()) { "postgres" } else { "sqlite" };
    assert_eq!(t.store.db.backend(), expected);
    assert!(t.store.db.ready().await);
    t.cleanup().await;
}

#[tokio::test]
async fn organizations_with_versions() {
    let t = TestStore::new().await;
    let s = &t.store;
    let a = s.create_org(&org_input("Refuge A")).await.unwrap();
    assert_eq!(a.version, 1);
    assert_eq!(s.org(a.id).await.unwrap(), a);
    assert!(matches!(s.create_org(&org_input("Refuge A")).await, Err(StoreError::Duplicate("name"))));
    let renamed = s.update_org(a.id, 1, &org_input("Refuge A2")).await.unwrap();
    assert_eq!((renamed.name.as_str(), renamed.version), ("Refuge A2", 2));
    // A second worker still holding version 1 must not overwrite the first one's change.
    assert!(matches!(s.update_org(a.id, 1, &org_input("Refuge A3")).await, Err(StoreError::Conflict)));
    assert_eq!(s.org(a.id).await.unwrap().name, "Refuge A2");
    assert!(matches!(s.update_org(OrgId::new(), 1, &org_input("Org X")).await, Err(StoreError::NotFound)));
    assert!(matches!(s.org(OrgId::new()).await, Err(StoreError::NotFound)));
    assert_eq!(s.orgs().await.unwrap().len(), 1);
    t.cleanup().await;
}

#[tokio::test]
async fn users_are_kept_per_organization_and_stale_writes_are_refused() {
    let t = TestStore::new().await;
    let s = &t.store;
    let a = s.create_org(&org_input("Org A")).await.unwrap();
    let b = s.create_org(&org_input("Org B")).await.unwrap();
    let ua = s.create_user(a.id, &user_input("ann", "case_worker"), "hash").await.unwrap();
    s.create_user(b.id, &user_input("bob", "screener"), "hash").await.unwrap();
    assert!(matches!(
        s.create_user(b.id, &user_input("ann", "screener"), "h").await,
        Err(StoreError::Duplicate("username"))
    ));
    let in_a: Vec<_> = s.users_of(a.id).await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(in_a, vec!["ann"]);
    assert_eq!(ua.roles, vec![Role::CaseWorker]);
    assert_eq!(ua.status, UserStatus::Active);

    let v1 = ua.version;
    let updated = s.update_user(ua.id, v1, "Ann B.", &[Role::Supervisor], "en").await.unwrap();
    assert_eq!((updated.display_name.as_str(), updated.version), ("Ann B.", v1 + 1));
    assert!(matches!(s.update_user(ua.id, v1, "Stale", &[Role::Screener], "fr").await, Err(StoreError::Conflict)));
    assert!(matches!(s.set_password(ua.id, v1, "h2").await, Err(StoreError::Conflict)));
    assert!(matches!(s.set_user_status(ua.id, v1, UserStatus::Disabled).await, Err(StoreError::Conflict)));
    assert!(matches!(s.reset_mfa(ua.id, v1).await, Err(StoreError::Conflict)));
    assert_eq!(s.user(ua.id).await.unwrap().display_name, "Ann B.");
    t.cleanup().await;
}

#[tokio::test]
async fn lockout_after_repeated_failures() {
    let t = TestStore::new().await;
    let s = &t.store;
    let org = s.create_org(&org_input("Org A")).await.unwrap();
    let u = s.create_user(org.id, &user_input("ann", "screener"), "hash").await.unwrap();
    for _ in 0..passerelle_store::users::MAX_FAILED_LOGINS - 1 {
        assert!(!s.record_login_failure(u.id).await.unwrap());
    }
    assert!(s.record_login_failure(u.id).await.unwrap(), "locked at the threshold");
    let c = s.credentials_by_username("ann").await.unwrap().unwrap();
    assert!(c.locked_until.is_some());
    s.clear_login_failures(u.id).await.unwrap();
    assert!(s.credentials(u.id).await.unwrap().locked_until.is_none());
    assert!(s.credentials_by_username("nobody").await.unwrap().is_none());
    t.cleanup().await;
}

#[tokio::test]
async fn totp_steps_are_accepted_once() {
    let t = TestStore::new().await;
    let s = &t.store;
    let org = s.create_org(&org_input("Org A")).await.unwrap();
    let u = s.create_user(org.id, &user_input("ann", "screener"), "hash").await.unwrap();
    assert!(s.accept_mfa_step(u.id, 100, true).await.unwrap());
    assert!(s.user(u.id).await.unwrap().mfa_enabled);
    assert!(!s.accept_mfa_step(u.id, 100, false).await.unwrap(), "replay");
    assert!(!s.accept_mfa_step(u.id, 99, false).await.unwrap(), "older step");
    assert!(s.accept_mfa_step(u.id, 101, false).await.unwrap());
    t.cleanup().await;
}

#[tokio::test]
async fn sessions_expire_and_rotate() {
    let t = TestStore::new().await;
    let s = &t.store;
    let policy = SessionPolicy::default();
    let org = s.create_org(&org_input("Org A")).await.unwrap();
    let u = s.create_user(org.id, &user_input("ann", "screener"), "hash").await.unwrap();

    let (tok, sess) = s.create_session(u.id, Stage::MfaPending, &policy).await.unwrap();
    assert_eq!(s.session(&tok, &policy).await.unwrap().map(|x| x.stage), Some(Stage::MfaPending));
    let (tok2, _) = s.advance_session(&sess, Stage::Active, &policy).await.unwrap();
    assert_ne!(tok, tok2);
    assert!(s.session(&tok, &policy).await.unwrap().is_none(), "the old id is dead after rotation");
    let active = s.session(&tok2, &policy).await.unwrap().unwrap();
    assert_eq!(active.stage, Stage::Active);
    assert!(s.session("not-a-session", &policy).await.unwrap().is_none());

    // Idle timeout.
    s.age_session_for_tests(&active, policy.idle + Duration::minutes(1)).await.unwrap();
    assert!(s.session(&tok2, &policy).await.unwrap().is_none());

    // Absolute timeout, even when used recently.
    let strict = SessionPolicy { absolute: Duration::minutes(5), ..policy };
    let (tok3, s3) = s.create_session(u.id, Stage::Active, &strict).await.unwrap();
    s.age_session_for_tests(&s3, Duration::minutes(4)).await.unwrap();
    let s3 = s.session(&tok3, &strict).await.unwrap().expect("still within both limits");
    s.age_session_for_tests(&s3, Duration::minutes(2)).await.unwrap();
    assert!(s.session(&tok3, &strict).await.unwrap().is_none(), "past the absolute limit");

    // Sign-out everywhere.
    let (a, _) = s.create_session(u.id, Stage::Active, &policy).await.unwrap();
    let (b, _) = s.create_session(u.id, Stage::Active, &policy).await.unwrap();
    assert_eq!(s.end_user_sessions(u.id).await.unwrap(), 2);
    assert!(s.session(&a, &policy).await.unwrap().is_none() && s.session(&b, &policy).await.unwrap().is_none());
    t.cleanup().await;
}

#[tokio::test]
async fn api_tokens() {
    let t = TestStore::new().await;
    let s = &t.store;
    let org = s.create_org(&org_input("Org A")).await.unwrap();
    let u = s.create_user(org.id, &user_input("ann", "screener"), "hash").await.unwrap();
    let soon = passerelle_core::time::now() + Duration::days(1);
    let (secret, tok) = s.create_token(u.id, "ci", &[ApiScope::ProfileRead], soon).await.unwrap();
    assert!(secret.starts_with("pst_"));
    let (found, owner) = s.authenticate_token(&secret).await.unwrap().unwrap();
    assert_eq!((found.id, owner.id), (tok.id, u.id));
    assert!(s.authenticate_token("pst_wrong").await.unwrap().is_none());
    assert!(s.authenticate_token(&secret[1..]).await.unwrap().is_none());

    let past = passerelle_core::time::now() - Duration::seconds(1);
    let (expired, _) = s.create_token(u.id, "old", &[ApiScope::ProfileRead], past).await.unwrap();
    assert!(s.authenticate_token(&expired).await.unwrap().is_none());

    s.revoke_token(u.id, tok.id).await.unwrap();
    assert!(s.authenticate_token(&secret).await.unwrap().is_none());
    assert!(matches!(s.revoke_token(u.id, tok.id).await, Err(StoreError::NotFound)));

    let (live, _) = s.create_token(u.id, "live", &[ApiScope::ProfileRead], soon).await.unwrap();
    let u2 = s.user(u.id).await.unwrap();
    s.set_user_status(u.id, u2.version, UserStatus::Disabled).await.unwrap();
    assert!(s.authenticate_token(&live).await.unwrap().is_none(), "a disabled owner's tokens stop working");
    assert_eq!(s.tokens_of(u.id).await.unwrap().len(), 3);
    t.cleanup().await;
}

#[tokio::test]
async fn setup_links_work_once() {
    let t = TestStore::new().await;
    let s = &t.store;
    let link = s.create_setup_link().await.unwrap();
    assert!(s.setup_link_valid(&link).await.unwrap());
    assert!(s.consume_setup_link(&link).await.unwrap());
    assert!(!s.consume_setup_link(&link).await.unwrap());
    assert!(!s.setup_link_valid(&link).await.unwrap());
    assert!(!s.consume_setup_link("unknown").await.unwrap());
    t.cleanup().await;
}

#[tokio::test]
async fn audit_trail_is_append_only_and_scoped() {
    let t = TestStore::new().await;
    let s = &t.store;
    let a = OrgId::new();
    let b = OrgId::new();
    for i in 0..5 {
        s.audit(audit_entry(&format!("a{i}"), Some(a))).await.unwrap();
    }
    s.audit(audit_entry("b0", Some(b))).await.unwrap();
    assert_eq!(s.verify_audit_chain().await.unwrap(), ChainCheck::Intact { entries: 6 });

    let only_a = s.audit_entries(&AuditFilter { org: Some(a), limit: 100, ..AuditFilter::default() }).await.unwrap();
    assert_eq!(only_a.len(), 5);
    assert!(only_a.iter().all(|e| e.entry.actor_org_id == Some(a)));
    assert_eq!(only_a.first().map(|e| e.seq), Some(5), "newest first");
    let only_b = s.audit_entries(&AuditFilter { org: Some(b), limit: 100, ..AuditFilter::default() }).await.unwrap();
    assert_eq!(only_b.len(), 1);
    let by_action =
        s.audit_entries(&AuditFilter { action: Some("a3".into()), limit: 10, ..AuditFilter::default() }).await.unwrap();
    assert_eq!(by_action.len(), 1);
    let page =
        s.audit_entries(&AuditFilter { before_seq: Some(3), limit: 10, ..AuditFilter::default() }).await.unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 1]);

    // The database itself refuses to change or remove an entry.
    assert!(t.raw("UPDATE audit_log SET action = 'x' WHERE seq = 1").await.is_err());
    assert!(t.raw("DELETE FROM audit_log WHERE seq = 1").await.is_err());
    assert_eq!(s.verify_audit_chain().await.unwrap(), ChainCheck::Intact { entries: 6 });
    t.cleanup().await;
}

/// Someone with full control of the database (triggers dropped) edits, removes or reorders
/// entries: verification finds the first broken one.
#[tokio::test]
async fn audit_verification_detects_tampering() {
    const DROP_SQLITE: [&str; 2] = ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"];
    const DROP_PG: [&str; 2] =
        ["DROP TRIGGER audit_log_no_update ON audit_log", "DROP TRIGGER audit_log_no_truncate ON audit_log"];
    let cases: [(&str, &[&'static str]); 3] = [
        ("edit", &["UPDATE audit_log SET action = 'nothing_happened' WHERE seq = 3"]),
        ("delete", &["DELETE FROM audit_log WHERE seq = 3"]),
        (
            "reorder",
            &[
                "UPDATE audit_log SET seq = -1 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 4",
                "UPDATE audit_log SET seq = 4 WHERE seq = -1",
            ],
        ),
    ];
    for (name, statements) in cases {
        let t = TestStore::new().await;
        for i in 0..6 {
            t.store.audit(audit_entry(&format!("e{i}"), None)).await.unwrap();
        }
        let drops = if t.store.db.backend() == "postgres" { DROP_PG } else { DROP_SQLITE };
        for d in drops {
            t.raw(d).await.unwrap();
        }
        for sql in statements {
            t.raw(sql).await.unwrap();
        }
        match t.store.verify_audit_chain().await.unwrap() {
            ChainCheck::Broken { position, .. } => assert_eq!(position, 3, "{name}"),
            ChainCheck::Intact { .. } => panic!("{name} was not detected"),
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_appends_never_fork_the_chain() {
    let t = TestStore::new().await;
    let second_server = t.reopen().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = if i % 2 == 0 { t.store.clone() } else { second_server.clone() };
        tasks.push(tokio::spawn(async move { s.audit(audit_entry(&format!("c{i}"), None)).await.map(|e| e.seq) }));
    }
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.unwrap().unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=40).collect::<Vec<i64>>());
    assert_eq!(t.store.verify_audit_chain().await.unwrap(), ChainCheck::Intact { entries: 40 });
    second_server.close().await;
    t.cleanup().await;
}

#[tokio::test]
async fn sealed_fields_are_bound_to_their_row() {
    let t = TestStore::new().await;
    let s = &t.store;
    let row_a = uuid::Uuid::now_v7();
    let row_b = uuid::Uuid::now_v7();
    let sealed = s.seal_system("users", "mfa_secret", row_a, b"secret value").await.unwrap();
    assert_eq!(&**s.open_system("users", "mfa_secret", row_a, &sealed).await.unwrap(), b"secret value");
    assert!(s.open_system("users", "mfa_secret", row_b, &sealed).await.is_err(), "moved to another row");
    assert!(s.open_system("users", "password_hash", row_a, &sealed).await.is_err(), "moved to another column");
    assert!(s.open_system("sessions", "mfa_secret", row_a, &sealed).await.is_err(), "moved to another table");
    assert_eq!(
        s.blind_index("children", "surname", "Côté-Tremblay").await.unwrap(),
        s.blind_index("children", "surname", "cote tremblay").await.unwrap()
    );
    t.cleanup().await;
}

#[tokio::test]
async fn case_keys_can_be_destroyed_and_master_keys_rotated() {
    let t = TestStore::new().await;
    let s = &t.store;
    let case_key = s.create_data_key("case").await.unwrap();
    s.data_key(case_key).await.unwrap();
    let other = s.create_data_key("case").await.unwrap();
    s.destroy_data_key(case_key).await.unwrap();
    assert!(matches!(s.data_key(case_key).await, Err(StoreError::NotFound)));
    assert!(matches!(s.destroy_data_key(case_key).await, Err(StoreError::NotFound)));

    let sealed = s.seal_system("users", "mfa_secret", other, b"kept").await.unwrap();
    s.audit(audit_entry("before rotation", None)).await.unwrap();
    let r = s.rotate_master_key().await.unwrap();
    assert_eq!(r.version, 2);
    assert_eq!(r.rewrapped, 4, "three system keys and one live case key");
    assert_eq!(s.key_versions().await.unwrap(), vec![(2, 4)]);

    // A fresh process (new cache) reads everything with the rotated key file.
    let again = t.reopen().await;
    assert_eq!(&**again.open_system("users", "mfa_secret", other, &sealed).await.unwrap(), b"kept");
    again.data_key(other).await.unwrap();
    again.audit(audit_entry("after rotation", None)).await.unwrap();
    assert_eq!(again.verify_audit_chain().await.unwrap(), ChainCheck::Intact { entries: 2 });
    again.close().await;
    t.cleanup().await;
}

#[tokio::test]
async fn an_installation_without_its_key_file_is_refused() {
    let t = TestStore::new().await;
    std::fs::remove_file(&t.key_file).unwrap();
    let reopened = passerelle_store::Store::open(&t.location, &t.key_file).await;
    assert!(reopened.is_err(), "a new key would make every protected value unreadable");
    assert!(!t.key_file.exists(), "and no new key file is created");
    t.cleanup().await;
}

#[tokio::test]
async fn setup_is_all_or_nothing() {
    let t = TestStore::new().await;
    let s = &t.store;
    let existing = s.create_org(&org_input("Org A")).await.unwrap();
    s.create_user(existing.id, &user_input("taken", "screener"), "hash").await.unwrap();
    let link = s.create_setup_link().await.unwrap();
    let admin = user_input("taken", "system_admin,org_admin");
    let r = s.complete_setup(&link, &org_input("New Org"), &admin, "hash").await;
    assert!(matches!(r, Err(StoreError::Duplicate("username"))));
    assert_eq!(s.orgs().await.unwrap().len(), 1, "the organization was rolled back");
    assert!(s.setup_link_valid(&link).await.unwrap(), "the link still works after a refusal");
    let admin = user_input("first.admin", "system_admin,org_admin");
    let done = s.complete_setup(&link, &org_input("New Org"), &admin, "hash").await.unwrap().unwrap();
    assert_eq!(s.user(done.admin).await.unwrap().org_id, done.org);
    assert!(s.complete_setup(&link, &org_input("Other"), &user_input("x.y", "screener"), "h").await.unwrap().is_none());
    t.cleanup().await;
}

#[tokio::test]
async fn screenings_are_encrypted_versioned_and_filtered() {
    use passerelle_core::region::Region;
    use passerelle_core::screening::{Decision, ScreeningStatus};
    use passerelle_store::screenings::ScreeningFilter;
    let t = TestStore::new().await;
    let s = &t.store;
    let org = s.create_org(&org_input("Org A")).await.unwrap();
    let other = s.create_org(&org_input("Org B")).await.unwrap();
    let u = s.create_user(org.id, &user_input("ann", "screener"), "hash").await.unwrap();
    let ub = s.create_user(other.id, &user_input("bob", "screener"), "hash").await.unwrap();
    let montreal: Region = "06".parse().unwrap();
    let id = s.create_screening(org.id, u.id, 1, "1.0.0", Some(montreal), br#"{"age_years":15}"#).await.unwrap();
    let draft = s.screening(id).await.unwrap();
    assert_eq!(
        (draft.status, draft.version, draft.facts.as_slice()),
        (ScreeningStatus::Draft, 1, &br#"{"age_years":15}"#[..])
    );
    s.save_screening_draft(id, 1, 2, Some(montreal), br#"{"age_years":14}"#, "autre : menace en ligne").await.unwrap();
    assert_eq!(s.screening(id).await.unwrap().notes, "autre : menace en ligne");
    assert!(
        matches!(s.save_screening_draft(id, 1, 2, None, b"{}", "").await, Err(StoreError::Conflict)),
        "stale draft"
    );
    s.complete_screening(
        id,
        2,
        Some(montreal),
        br#"{"age_years":14}"#,
        "notes",
        br#"{"classification":"possible"}"#,
        "possible",
        &["report_to_youth_protection".into()],
    )
    .await
    .unwrap();
    assert!(
        matches!(s.save_screening_draft(id, 3, 2, None, b"{}", "").await, Err(StoreError::Conflict)),
        "frozen once completed"
    );
    s.record_screening_decision(id, 3, u.id, Decision::ReportDpj, "signalement fait").await.unwrap();
    let done = s.screening(id).await.unwrap();
    assert_eq!((done.decision, done.decision_reason.as_deref()), (Some(Decision::ReportDpj), Some("signalement fait")));
    assert!(matches!(
        s.record_screening_decision(ScreeningId::new(), 1, u.id, Decision::Monitor, "").await,
        Err(StoreError::NotFound)
    ));

    s.create_screening(other.id, ub.id, 1, "1.0.0", None, b"{}").await.unwrap();
    let all = s.screenings_of(org.id, &ScreeningFilter { limit: 50, ..ScreeningFilter::default() }).await.unwrap();
    assert_eq!(all.len(), 1, "only the organization's own screenings");
    let flagged =
        ScreeningFilter { flag: Some("report_to_youth_protection".into()), limit: 50, ..ScreeningFilter::default() };
    assert_eq!(s.screenings_of(org.id, &flagged).await.unwrap().len(), 1);
    let flagged = ScreeningFilter { flag: Some("youth_protection".into()), limit: 50, ..ScreeningFilter::default() };
    assert_eq!(s.screenings_of(org.id, &flagged).await.unwrap().len(), 0, "whole flags only");
    let by_class =
        ScreeningFilter { classification: Some("indicated".into()), limit: 50, ..ScreeningFilter::default() };
    assert!(s.screenings_of(org.id, &by_class).await.unwrap().is_empty());
    let elsewhere = ScreeningFilter { region: Some("09".parse().unwrap()), limit: 50, ..ScreeningFilter::default() };
    assert!(s.screenings_of(org.id, &elsewhere).await.unwrap().is_empty());
    t.cleanup().await;
}

/// PostgreSQL across a network must be reachable over TLS: `sslmode=require` encrypts the
/// connection (the server reports it in `pg_stat_ssl`), and `sslmode=verify-full` refuses a
/// server whose certificate no trusted authority signed (here, the test server's self-signed
/// one) instead of silently connecting. Only on a PostgreSQL run, and only when that server
/// offers TLS.
#[tokio::test]
async fn postgres_connections_use_tls_when_asked() {
    let Ok(url) = std::env::var(TEST_DATABASE_URL) else { return };
    if url.is_empty() {
        return;
    }
    let join = if url.contains('?') { '&' } else { '?' };
    let location = passerelle_store::Location::Postgres { url: format!("{url}{join}sslmode=require"), schema: None };
    let db = match passerelle_store::Db::connect(&location).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("the test server does not offer TLS ({e}); nothing to check");
            return;
        }
    };
    let ssl: bool = passerelle_store::run!(&db, |pool| sqlx::query_scalar(
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    )
    .fetch_one(pool)
    .await)
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(ssl, "sslmode=require gives an encrypted connection");
    db.close().await;
    let strict = passerelle_store::Location::Postgres { url: format!("{url}{join}sslmode=verify-full"), schema: None };
    assert!(
        passerelle_store::Db::connect(&strict).await.is_err(),
        "an untrusted server certificate is refused under verify-full"
    );
}

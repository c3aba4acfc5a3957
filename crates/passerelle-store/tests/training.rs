//! Training records on both backends (`PASSERELLE_TEST_DATABASE_URL=postgres://… cargo test`):
//! attempts, completions per version, an organization's view, and requirements by role.

#![allow(clippy::unwrap_used)]

use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_core::role::Role;
use passerelle_core::user::NewUserInput;
use passerelle_store::testing::TestStore;
use passerelle_store::training::{NewAttempt, Requirement};

async fn member(t: &TestStore, org: OrgId, name: &str) -> UserId {
    let input = NewUserInput::parse(name, "Test Person", &["screener".into()], "fr").unwrap();
    t.store.create_user(org, &input, "h").await.unwrap().id
}

async fn org(t: &TestStore, name: &str) -> OrgId {
    t.store.create_org(&OrgInput::parse(name, "shelter", &["06".into()]).unwrap()).await.unwrap().id
}

fn attempt(user: UserId, org: OrgId, module: &str, version: u32, correct: u32) -> NewAttempt<'_> {
    NewAttempt { user, org, module_id: module, version, lang: "fr", correct, total: 5, passed: correct >= 4 }
}

#[tokio::test]
async fn completions_keep_the_first_pass_of_each_version() {
    let t = TestStore::new().await;
    let s = &t.store;
    let a = org(&t, "org-a").await;
    let ann = member(&t, a, "ann").await;
    let ben = member(&t, a, "ben").await;
    assert!(s.completions_of(ann).await.unwrap().is_empty());

    s.record_attempt(&attempt(ann, a, "recognising", 1, 2)).await.unwrap();
    assert!(s.completions_of(ann).await.unwrap().is_empty(), "a failed attempt completes nothing");
    s.record_attempt(&attempt(ann, a, "recognising", 1, 4)).await.unwrap();
    s.record_attempt(&attempt(ann, a, "recognising", 1, 5)).await.unwrap();
    s.record_attempt(&attempt(ann, a, "recognising", 2, 5)).await.unwrap();
    s.record_attempt(&attempt(ben, a, "law-and-recourses", 1, 5)).await.unwrap();

    let mine = s.completions_of(ann).await.unwrap();
    assert_eq!(mine.len(), 2, "one per version");
    assert_eq!((mine[0].version, mine[0].percent), (1, 80), "the first pass is kept");
    assert_eq!((mine[1].version, mine[1].percent), (2, 100));
    assert_eq!(s.attempts_of(ann).await.unwrap().len(), 4);

    let all = s.org_completions(a).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.iter().any(|c| c.user == ben && c.module_id == "law-and-recourses"));

    // Another organization sees none of them.
    let b = org(&t, "org-b").await;
    assert!(s.org_completions(b).await.unwrap().is_empty());
}

#[tokio::test]
async fn requirements_are_replaced_as_a_whole_and_read_by_role() {
    let t = TestStore::new().await;
    let s = &t.store;
    let a = org(&t, "org-a").await;
    let b = org(&t, "org-b").await;
    let admin = member(&t, a, "admin").await;
    let req = |role, m: &str| Requirement { role, module_id: m.to_owned() };

    s.set_training_requirements(
        a,
        admin,
        &[
            req(Role::Screener, "recognising"),
            req(Role::CaseWorker, "recognising"),
            req(Role::CaseWorker, "law-and-recourses"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(s.training_requirements(a).await.unwrap().len(), 3);
    assert_eq!(s.required_modules(a, &[Role::Screener]).await.unwrap(), vec!["recognising".to_owned()]);
    assert_eq!(
        s.required_modules(a, &[Role::Screener, Role::CaseWorker]).await.unwrap(),
        vec!["law-and-recourses".to_owned(), "recognising".to_owned()]
    );
    assert!(s.required_modules(a, &[Role::Analyst]).await.unwrap().is_empty());
    assert!(s.required_modules(b, &[Role::Screener]).await.unwrap().is_empty(), "per organization");

    s.set_training_requirements(a, admin, &[req(Role::Supervisor, "trauma-informed")]).await.unwrap();
    assert_eq!(s.training_requirements(a).await.unwrap(), vec![req(Role::Supervisor, "trauma-informed")]);
    s.set_training_requirements(a, admin, &[]).await.unwrap();
    assert!(s.training_requirements(a).await.unwrap().is_empty());
}

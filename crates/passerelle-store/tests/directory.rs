//! The partner directory on both backends (`PASSERELLE_TEST_DATABASE_URL=postgres://… cargo
//! test`): a first profile, versioned updates, stale writes refused, and the whole directory
//! with organizations that have no profile yet.

#![allow(clippy::unwrap_used)]

use passerelle_core::directory::{Profile, ProfileForm};
use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_core::user::NewUserInput;
use passerelle_store::StoreError;
use passerelle_store::testing::TestStore;

async fn org(t: &TestStore, name: &str, regions: &str) -> OrgId {
    t.store.create_org(&OrgInput::parse(name, "community", &[regions.into()]).unwrap()).await.unwrap().id
}

async fn admin(t: &TestStore, org: OrgId, name: &str) -> UserId {
    let input = NewUserInput::parse(name, "Admin Test", &["org_admin".into()], "fr").unwrap();
    t.store.create_user(org, &input, "h").await.unwrap().id
}

fn profile() -> Profile {
    ProfileForm {
        services: vec!["shelter,victim_assistance".into()],
        populations: vec!["street_youth".into(), "lgbtq_youth".into()],
        languages: vec!["fr en ht".into()],
        hours: "24 h sur 24, 7 jours sur 7".into(),
        intake_phone: "418 555-0133".into(),
        intake_email: String::new(),
        description: "Hébergement d'urgence.\nAccueil sans rendez-vous.".into(),
        accepts_referrals: true,
    }
    .parse()
    .unwrap()
}

#[tokio::test]
async fn profiles_are_versioned_and_stale_writes_refused() {
    let t = TestStore::new().await;
    let s = &t.store;
    let a = org(&t, "Refuge A", "03").await;
    let ann = admin(&t, a, "ann").await;
    assert_eq!(s.org_profile(a).await.unwrap(), None);

    let first = s.set_org_profile(a, ann, &profile(), 0).await.unwrap();
    assert_eq!((first.version, first.updated_by, first.org_id), (1, ann, a));
    assert_eq!(first.profile, profile(), "read back as written");
    assert_eq!(first.profile.intake_email, None);
    assert_eq!(s.org_profile(a).await.unwrap(), Some(first.clone()));

    // A second "first profile" (someone else created it meanwhile) is a conflict.
    assert!(matches!(s.set_org_profile(a, ann, &profile(), 0).await, Err(StoreError::Conflict)));

    let closed = Profile { accepts_referrals: false, services: vec!["shelter"], ..profile() };
    let second = s.set_org_profile(a, ann, &closed, 1).await.unwrap();
    assert_eq!(second.version, 2);
    assert_eq!(second.profile, closed);

    // Stale: written from version 1 after version 2 exists.
    assert!(matches!(s.set_org_profile(a, ann, &profile(), 1).await, Err(StoreError::Conflict)));
    assert!(matches!(s.set_org_profile(a, ann, &profile(), 7).await, Err(StoreError::Conflict)));
    assert_eq!(s.org_profile(a).await.unwrap().unwrap().profile, closed, "nothing changed");

    // An unknown organization is not found, not a conflict.
    assert!(matches!(s.set_org_profile(OrgId::new(), ann, &profile(), 0).await, Err(StoreError::NotFound)));
    t.cleanup().await;
}

#[tokio::test]
async fn the_directory_lists_every_organization_with_its_regions() {
    let t = TestStore::new().await;
    let s = &t.store;
    let b = org(&t, "B Clinique", "06,13").await;
    let a = org(&t, "A Collectif", "08,10").await;
    let ben = admin(&t, b, "ben").await;
    s.set_org_profile(b, ben, &profile(), 0).await.unwrap();

    let all = s.directory().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!((all[0].0.id, all[1].0.id), (a, b), "by name");
    assert!(all[0].1.is_none(), "no profile yet");
    assert_eq!(all[1].0.regions.iter().map(|r| r.code()).collect::<Vec<_>>(), ["06", "13"]);
    assert_eq!(all[1].1.as_ref().map(|p| &p.profile), Some(&profile()));
    t.cleanup().await;
}

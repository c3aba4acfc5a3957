//! Record linkage and statistics storage on both backends
//! (`PASSERELLE_TEST_DATABASE_URL=postgres://… cargo test`): bulk import, sealed linkage
//! encodings that die with the case key, proposed links and coordinators' decisions, coarse
//! attributes for statistics, and a privacy budget that two publications cannot overspend.

#![allow(clippy::unwrap_used, clippy::float_cmp, reason = "exact values written and read back")]

use passerelle_core::case::{CaseProfile, CaseStats, Identity};
use passerelle_core::ids::{CaseId, OrgId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_core::user::NewUserInput;
use passerelle_store::StoreError;
use passerelle_store::import::ImportCase;
use passerelle_store::linkage::{Link, LinkStatus};
use passerelle_store::statistics::Spend;
use passerelle_store::testing::TestStore;
use time::macros::datetime;

async fn org(t: &TestStore, name: &str, kind: &str) -> (OrgId, UserId) {
    let org = t.store.create_org(&OrgInput::parse(name, kind, &["06".into()]).unwrap()).await.unwrap().id;
    let input = NewUserInput::parse(&format!("{name}-w"), "Worker", &["case_worker".into()], "fr").unwrap();
    (org, t.store.create_user(org, &input, "h").await.unwrap().id)
}

fn case(org: OrgId, by: UserId, given: &str, linkage: &[u8]) -> ImportCase {
    ImportCase {
        org,
        by,
        identity: Identity { given_name: given.into(), family_name: "Fictive".into(), ..Identity::default() },
        stats: CaseStats { age_at_identification: Some(15), gender: Some("girl".into()), ..CaseStats::default() },
        profile: CaseProfile {
            trafficking_type: Some("internal".into()),
            exploitation: vec!["sexual_services".into()],
            ..CaseProfile::default()
        },
        presenting_situation: Some("runaway".into()),
        opened_at: datetime!(2025-03-14 10:00 UTC),
        linkage: Some(linkage.to_vec()),
    }
}

/// Two organizations (a police service and a shelter) with a worker each, and one case per
/// `(in_first, given_name)`, in that order, in the first organization or the second.
async fn two_orgs(t: &TestStore, cases: &[(bool, &str)]) -> ((OrgId, UserId), (OrgId, UserId), Vec<CaseId>) {
    let police = org(t, "org-a", "police").await;
    let shelter = org(t, "org-b", "shelter").await;
    let batch: Vec<ImportCase> = cases
        .iter()
        .enumerate()
        .map(|(i, &(in_first, name))| {
            let (org, worker) = if in_first { police } else { shelter };
            case(org, worker, name, (i + 1).to_string().as_bytes())
        })
        .collect();
    let ids = t.store.import_cases(&batch).await.unwrap();
    (police, shelter, ids)
}

/// The link between two cases, among `links`.
fn link_between(links: &[Link], x: CaseId, y: CaseId) -> uuid::Uuid {
    links.iter().find(|l| (l.case_a, l.case_b) == (x.min(y), x.max(y))).map(|l| l.id).unwrap()
}

#[tokio::test]
async fn imported_cases_carry_sealed_encodings_that_die_with_the_key() {
    let t = TestStore::new().await;
    let s = &t.store;
    let (a, wa) = org(&t, "org-a", "police").await;
    let (b, wb) = org(&t, "org-b", "shelter").await;
    let ids = s
        .import_cases(&[case(a, wa, "Maëlle", b"ENCODING-ONE"), case(b, wb, "Maelle", b"ENCODING-TWO")])
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let record = s.case(ids[0]).await.unwrap();
    assert_eq!(record.identity.map(|i| i.given_name), Some("Maëlle".to_owned()));
    assert_eq!(s.search_cases(a, None, "maelle", 10).await.unwrap().len(), 1, "name tokens are written");

    let entries = s.linkage_entries().await.unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries.iter().find(|e| e.case == ids[1]).map(|e| e.encoding.clone()), Some(b"ENCODING-TWO".to_vec()));
    assert!(!format!("{:?}", entries[0]).contains("ENCODING"), "Debug prints no encoding");

    s.set_case_linkage(ids[0], b"ENCODING-NEW").await.unwrap();
    assert!(s.linkage_entries().await.unwrap().iter().any(|e| e.encoding == b"ENCODING-NEW"));
    s.destroy_case_key(ids[0]).await.unwrap();
    let entries = s.linkage_entries().await.unwrap();
    assert_eq!(entries.iter().map(|e| e.case).collect::<Vec<_>>(), vec![ids[1]], "the shredded case has no encoding");
    assert!(matches!(s.set_case_linkage(ids[0], b"x").await, Err(StoreError::Conflict)));
    assert!(s.cases_without_linkage(10).await.unwrap().is_empty(), "a shredded case is not to encode");

    let stats = s.stats_records().await.unwrap();
    assert_eq!(stats.len(), 2, "statistics keep the coarse attributes of shredded cases");
    let first = stats.iter().find(|r| r.case() == ids[0]).unwrap();
    assert_eq!((first.org_type.as_str(), first.created_at), ("police", datetime!(2025-03-14 10:00 UTC)));
    assert_eq!(first.presenting_situation.as_deref(), Some("runaway"));
    assert_eq!(first.exploitation, "sexual_services");
}

#[tokio::test]
async fn links_are_proposed_once_and_decided_once() {
    let t = TestStore::new().await;
    let s = &t.store;
    let ((_, wa), _, ids) =
        two_orgs(&t, &[(true, "Un"), (false, "Deux"), (false, "Trois"), (true, "Quatre"), (false, "Cinq")]).await;
    let added = s
        .propose_links(&[(ids[1], ids[0], 0.93), (ids[0], ids[1], 0.95), (ids[0], ids[2], 0.81), (ids[3], ids[1], 0.7)])
        .await
        .unwrap();
    assert_eq!(added, 3, "the same pair in either order is one link");
    let proposed = s.links(LinkStatus::Proposed, 10).await.unwrap();
    assert_eq!(proposed.len(), 3);
    assert!(proposed.windows(2).all(|w| w[0].score >= w[1].score), "highest score first");
    assert!(proposed.iter().all(|l| l.case_a.0 < l.case_b.0));
    let id_of = |x: CaseId, y: CaseId| link_between(&proposed, x, y);

    // Confirming Un–Deux closes Un's other proposal with org-b (Trois) and Deux's other
    // proposal with org-a (Quatre): each child has one case per organization.
    let coordinator = wa;
    let decision = s.decide_link(id_of(ids[0], ids[1]), coordinator, true).await.unwrap();
    assert_eq!(decision.link.status, LinkStatus::Confirmed);
    assert_eq!(decision.link.decided.map(|d| d.0), Some(coordinator));
    let mut closed = decision.superseded.clone();
    closed.sort_unstable();
    let mut expected = vec![id_of(ids[0], ids[2]), id_of(ids[3], ids[1])];
    expected.sort_unstable();
    assert_eq!(closed, expected);
    let superseded = s.link(expected[0]).await.unwrap();
    assert_eq!((superseded.status, superseded.decided.is_some()), (LinkStatus::Superseded, false), "no one decided it");
    for id in [id_of(ids[0], ids[1]), id_of(ids[0], ids[2])] {
        assert!(matches!(s.decide_link(id, coordinator, false).await, Err(StoreError::Conflict)), "decided once");
    }
    assert!(matches!(s.decide_link(uuid::Uuid::now_v7(), coordinator, true).await, Err(StoreError::NotFound)));

    // Trois and Quatre stay free for each other.
    s.propose_links(&[(ids[2], ids[3], 0.6)]).await.unwrap();
    let trois_quatre = s.links(LinkStatus::Proposed, 10).await.unwrap().remove(0).id;
    assert!(s.decide_link(trois_quatre, coordinator, true).await.unwrap().superseded.is_empty());
    // A later proposal of Un with Cinq (org-b again) cannot be confirmed: Un is Deux there.
    s.propose_links(&[(ids[4], ids[0], 0.99)]).await.unwrap();
    let un_cinq = s.links(LinkStatus::Proposed, 10).await.unwrap().remove(0).id;
    assert!(matches!(s.decide_link(un_cinq, coordinator, true).await, Err(StoreError::Duplicate("link"))));
    assert_eq!(s.link(un_cinq).await.unwrap().status, LinkStatus::Proposed, "a refusal changes nothing");
    let rejected = s.decide_link(un_cinq, coordinator, false).await.unwrap();
    assert!(rejected.superseded.is_empty());

    assert_eq!(
        s.propose_links(&[(ids[2], ids[0], 0.99), (ids[4], ids[0], 0.99)]).await.unwrap(),
        0,
        "closed pairs are not proposed again"
    );
    assert_eq!(s.confirmed_links().await.unwrap().len(), 2);
    assert_eq!(s.links(LinkStatus::Rejected, 10).await.unwrap().len(), 1);
    assert_eq!(s.links(LinkStatus::Superseded, 10).await.unwrap().len(), 2);
    assert!(s.links(LinkStatus::Proposed, 10).await.unwrap().is_empty());
}

fn spend(epsilon: f64) -> impl FnOnce(&passerelle_store::statistics::BudgetRow) -> Result<Spend, String> {
    move |b| {
        if b.spent + epsilon > b.total + 1e-9 {
            return Err(format!("only {} left", b.total - b.spent));
        }
        Ok(Spend { epsilon, spent_after: b.spent + epsilon, document: format!("{{\"epsilon\":{epsilon}}}") })
    }
}

#[tokio::test]
async fn the_budget_is_spent_once_and_refusals_write_nothing() {
    let t = TestStore::new().await;
    let s = &t.store;
    assert_eq!(s.privacy_budget("2026", 3.0).await.unwrap().spent, 0.0);
    s.publish_with_budget("2026", 3.0, spend(2.0)).await.unwrap().unwrap();
    assert_eq!(s.privacy_budget("2026", 3.0).await.unwrap().spent, 2.0);
    let refused = s.publish_with_budget("2026", 3.0, spend(1.5)).await.unwrap();
    assert!(refused.is_err());
    assert_eq!(s.privacy_budget("2026", 3.0).await.unwrap().spent, 2.0, "a refusal spends nothing");
    assert_eq!(s.publications(10).await.unwrap().len(), 1, "and records nothing");
    assert_eq!(s.privacy_budget("2025", 3.0).await.unwrap().spent, 0.0, "each period has its own");

    // Two publications at once for the last unit: exactly one goes through.
    let (x, y) =
        tokio::join!(s.publish_with_budget("2026", 3.0, spend(1.0)), s.publish_with_budget("2026", 3.0, spend(1.0)));
    let ok = [x.unwrap(), y.unwrap()].iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1);
    assert!((s.privacy_budget("2026", 3.0).await.unwrap().spent - 3.0).abs() < 1e-9);
    let published = s.publications(10).await.unwrap();
    assert_eq!(published.len(), 2);
    assert_eq!(published[0].document, "{\"epsilon\":1}");
}

/// Two coordinators (two servers) confirm two alternatives of one case at once: one wins,
/// the other is told it was decided meanwhile, and the child has one case in that organization.
#[tokio::test]
async fn concurrent_confirmations_of_two_alternatives_leave_one() {
    let t = TestStore::new().await;
    let other = t.reopen().await;
    let s = &t.store;
    let ((_, wa), (_, wb), ids) = two_orgs(&t, &[(true, "Un"), (false, "Deux"), (false, "Trois")]).await;
    s.propose_links(&[(ids[0], ids[1], 0.9), (ids[0], ids[2], 0.9)]).await.unwrap();
    let proposed = s.links(LinkStatus::Proposed, 10).await.unwrap();
    let (first, second) =
        tokio::join!(s.decide_link(proposed[0].id, wa, true), other.decide_link(proposed[1].id, wb, true));
    let won = [&first, &second].iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{first:?} {second:?}");
    let lost = [&first, &second].iter().any(|r| matches!(r, Err(StoreError::Conflict)));
    assert!(lost, "the other was closed meanwhile: {first:?} {second:?}");
    assert_eq!(s.confirmed_links().await.unwrap().len(), 1);
    assert_eq!(s.links(LinkStatus::Superseded, 10).await.unwrap().len(), 1);
    other.close().await;
    t.cleanup().await;
}

/// A coordinator confirmed the wrong look-alike: undoing the confirmation rejects that pair
/// for good and opens again the alternatives it had closed, among them the true counterpart.
#[tokio::test]
async fn an_undone_confirmation_reopens_the_alternatives_it_closed() {
    let t = TestStore::new().await;
    let s = &t.store;
    let ((_, wa), (_, wb), ids) =
        two_orgs(&t, &[(true, "Un"), (false, "Deux"), (false, "Trois"), (true, "Quatre")]).await;
    s.propose_links(&[(ids[0], ids[1], 0.9), (ids[0], ids[2], 0.8), (ids[3], ids[2], 0.7)]).await.unwrap();
    let proposed = s.links(LinkStatus::Proposed, 10).await.unwrap();
    let id_of = |x: CaseId, y: CaseId| link_between(&proposed, x, y);
    let (wrong, right, unrelated) = (id_of(ids[0], ids[1]), id_of(ids[0], ids[2]), id_of(ids[3], ids[2]));

    // Nothing to undo before a confirmation, nor for a link that does not exist.
    assert!(matches!(s.undo_link(wrong, wa).await, Err(StoreError::Conflict)));
    assert!(matches!(s.undo_link(uuid::Uuid::now_v7(), wa).await, Err(StoreError::NotFound)));

    // Un–Deux confirmed closes Un–Trois; Quatre–Trois is no alternative of it and stays open.
    assert_eq!(s.decide_link(wrong, wa, true).await.unwrap().superseded, vec![right]);
    assert_eq!(s.link(unrelated).await.unwrap().status, LinkStatus::Proposed);

    // Undone by org-b's coordinator: Un–Deux is a rejection by them, Un–Trois open again.
    let undo = s.undo_link(wrong, wb).await.unwrap();
    assert_eq!((undo.link.status, undo.link.decided.map(|d| d.0)), (LinkStatus::Rejected, Some(wb)));
    assert_eq!(undo.reopened, vec![right]);
    let reopened = s.link(right).await.unwrap();
    assert_eq!((reopened.status, reopened.decided), (LinkStatus::Proposed, None));
    assert!(s.confirmed_links().await.unwrap().is_empty(), "statistics no longer merge them");
    assert!(matches!(s.undo_link(wrong, wb).await, Err(StoreError::Conflict)), "undone once");
    assert_eq!(s.propose_links(&[(ids[1], ids[0], 0.99)]).await.unwrap(), 0, "the undone pair is not proposed again");

    // The true pair can now be confirmed, and it closes Quatre–Trois in turn.
    assert_eq!(s.decide_link(right, wa, true).await.unwrap().superseded, vec![unrelated]);
    assert_eq!(s.confirmed_links().await.unwrap(), vec![(ids[0].min(ids[2]), ids[0].max(ids[2]))]);
    t.cleanup().await;
}

/// A list of decisions taken in one transaction: each sees what the earlier ones did, and
/// each has its own outcome.
#[tokio::test]
async fn decisions_in_one_batch_are_taken_in_order_each_with_its_outcome() {
    let t = TestStore::new().await;
    let s = &t.store;
    let ((_, wa), _, ids) = two_orgs(&t, &[(true, "Un"), (false, "Deux"), (false, "Trois")]).await;
    s.propose_links(&[(ids[0], ids[1], 0.9), (ids[0], ids[2], 0.8)]).await.unwrap();
    let proposed = s.links(LinkStatus::Proposed, 10).await.unwrap();
    let (first, second) = (proposed[0].id, proposed[1].id);
    let outcomes = s
        .decide_links(&[(first, true), (second, false), (first, false), (uuid::Uuid::now_v7(), true)], wa)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 4);
    assert_eq!(outcomes[0].as_ref().unwrap(), &vec![second], "the confirmation closes the alternative");
    assert!(matches!(outcomes[1], Err(StoreError::Conflict)), "closed by the one before: {:?}", outcomes[1]);
    assert!(matches!(outcomes[2], Err(StoreError::Conflict)), "decided once");
    assert!(matches!(outcomes[3], Err(StoreError::NotFound)));
    assert_eq!(s.link(first).await.unwrap().status, LinkStatus::Confirmed);
    assert_eq!(s.link(second).await.unwrap().status, LinkStatus::Superseded);
    assert!(s.decide_links(&[], wa).await.unwrap().is_empty());
    t.cleanup().await;
}

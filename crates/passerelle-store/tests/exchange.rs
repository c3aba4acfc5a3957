#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Information exchange on both backends (`PASSERELLE_TEST_DATABASE_URL=postgres://… cargo
//! test`): consents and legal bases recorded and withdrawn, referrals sent, answered, closed,
//! their services and messages, encryption at rest and crypto-shredding.

use passerelle_core::case::{CaseStats, Identity};
use passerelle_core::consent::{
    Authority, BasisForm, BasisInput, Category, ConsentContext, ConsentForm, ConsentInput, Decision, Purpose,
    ShareRequest, may_share,
};
use passerelle_core::ids::{ConsentId, OrgId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_core::referral::{Answer, DeclineReason, ServiceForm, ServiceInput, Status};
use passerelle_core::user::NewUserInput;
use passerelle_store::StoreError;
use passerelle_store::exchange::NewReferral;
use passerelle_store::testing::TestStore;

async fn org(t: &TestStore, name: &str) -> (OrgId, UserId) {
    let o = t.store.create_org(&OrgInput::parse(name, "shelter", &["06".into()]).unwrap()).await.unwrap();
    let u = NewUserInput::parse(&format!("{name}-w"), "Test Person", &["case_worker".into()], "fr").unwrap();
    let u = t.store.create_user(o.id, &u, "h").await.unwrap();
    (o.id, u.id)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

struct World {
    t: TestStore,
    sender: OrgId,
    worker: UserId,
    receiver: OrgId,
    receiving: UserId,
    case: passerelle_core::ids::CaseId,
}

async fn world() -> World {
    let t = TestStore::new().await;
    let (sender, worker) = org(&t, "dpj").await;
    let (receiver, receiving) = org(&t, "refuge").await;
    let identity = Identity { given_name: "Zoé".into(), family_name: "Fictive".into(), ..Identity::default() };
    let case = t.store.create_case(sender, worker, &identity, &CaseStats::default(), None).await.unwrap().id;
    World { t, sender, worker, receiver, receiving, case }
}

fn consent_form(to: OrgId) -> ConsentForm {
    let today = passerelle_core::time::today_in_quebec();
    ConsentForm {
        giver: "child".into(),
        child_age: "15".into(),
        form: "verbal".into(),
        purposes: strings(&["referral"]),
        recipients: vec![to.to_string()],
        categories: strings(&["child_words", "needs"]),
        valid_from: today.to_string(),
        valid_until: (today + time::Duration::days(90)).to_string(),
    }
}

#[tokio::test]
async fn consents_are_recorded_read_back_and_withdrawn_once() {
    let w = world().await;
    let ctx = ConsentContext {
        from_org: w.sender,
        parent_access_blocked: false,
        today: passerelle_core::time::today_in_quebec(),
    };
    let consent = ConsentInput::parse(&consent_form(w.receiver), &ctx).unwrap().into_consent(w.case, w.worker);
    w.t.store.record_consent(&consent).await.unwrap();
    assert_eq!(w.t.store.consents_of(w.case).await.unwrap(), vec![consent.clone()]);
    assert_eq!(w.t.store.consent(consent.id).await.unwrap(), consent);
    let at = passerelle_core::time::now();
    w.t.store.withdraw_consent(w.case, consent.id, w.worker, at).await.unwrap();
    // A second withdrawal keeps the first instant.
    w.t.store.withdraw_consent(w.case, consent.id, w.worker, at + time::Duration::hours(1)).await.unwrap();
    let back = w.t.store.consent(consent.id).await.unwrap();
    assert_eq!(back.withdrawn_at.map(time::OffsetDateTime::unix_timestamp), Some(at.unix_timestamp()));
    // Another case's consent, or a consent recorded for a case of another organization: not found.
    assert!(matches!(
        w.t.store.withdraw_consent(w.case, ConsentId::new(), w.worker, at).await,
        Err(StoreError::NotFound)
    ));
    let mut foreign = consent.clone();
    foreign.id = ConsentId::new();
    foreign.from_org = w.receiver;
    assert!(matches!(w.t.store.record_consent(&foreign).await, Err(StoreError::NotFound)));
    let timeline: Vec<String> = w.t.store.case_timeline(w.case).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(timeline.iter().filter(|k| k.starts_with("consent.")).count(), 2);
}

#[tokio::test]
async fn legal_bases_keep_their_justification_sealed() {
    let w = world().await;
    let now = passerelle_core::time::now();
    let form = BasisForm {
        basis: "emergency".into(),
        justification: "L'enfant a dit que le recruteur l'attend ce soir au terminus.".into(),
        recipients: vec![w.receiver.to_string()],
        categories: strings(&["identity", "unsafe_persons"]),
        valid_until: String::new(),
    };
    let basis = BasisInput::parse(&form, w.sender, now).unwrap().into_record(w.case, w.worker);
    w.t.store.record_basis(&basis).await.unwrap();
    let back = w.t.store.bases_of(w.case).await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].justification, form.justification);
    let raw: Vec<Vec<u8>> =
        passerelle_store::run!(&w.t.store.db, |pool| sqlx::query_scalar("SELECT justification FROM legal_bases")
            .fetch_all(pool)
            .await)
        .unwrap();
    assert!(!raw[0].windows(9).any(|x| x == b"recruteur"), "the justification is encrypted at rest");
    w.t.store.end_basis(w.case, basis.id, w.worker, now).await.unwrap();
    assert!(w.t.store.basis(basis.id).await.unwrap().ended_at.is_some());
    // Crypto-shredding the case leaves the basis without its text.
    w.t.store.destroy_case_key(w.case).await.unwrap();
    assert_eq!(w.t.store.basis(basis.id).await.unwrap().justification, "");
}

#[tokio::test]
async fn a_referral_goes_from_sent_to_accepted_to_closed_with_services_and_messages() {
    let w = world().await;
    let s = &w.t.store;
    let ctx = ConsentContext {
        from_org: w.sender,
        parent_access_blocked: false,
        today: passerelle_core::time::today_in_quebec(),
    };
    let consent = ConsentInput::parse(&consent_form(w.receiver), &ctx).unwrap().into_consent(w.case, w.worker);
    s.record_consent(&consent).await.unwrap();
    let categories = [Category::ChildWords, Category::Needs];
    let request = ShareRequest {
        case: w.case,
        from_org: w.sender,
        to_org: w.receiver,
        purpose: Purpose::Referral,
        categories: categories.to_vec(),
    };
    let consents = s.consents_of(w.case).await.unwrap();
    let Decision::Allowed { by, .. } = may_share(&request, &consents, &[], passerelle_core::time::now()) else {
        panic!("the consent covers the referral")
    };
    assert_eq!(by, Authority::Consent(consent.id));
    let new = NewReferral {
        case_id: w.case,
        to_org: w.receiver,
        authority: by,
        categories: &categories,
        note: "Hébergement sécuritaire loin de la ville, dès cette semaine.",
        sent_by: w.worker,
    };
    let id = s.send_referral(&new).await.unwrap();
    // One open referral per case and receiving organization.
    assert!(matches!(s.send_referral(&new).await, Err(StoreError::Conflict)));
    let r = s.referral(id).await.unwrap();
    assert_eq!(
        (r.status, r.from_org, r.to_org, r.categories.clone()),
        (Status::Sent, w.sender, w.receiver, categories.to_vec())
    );
    assert_eq!(r.note.as_deref(), Some(new.note));
    assert_eq!(s.referrals_to(w.receiver).await.unwrap().len(), 1);
    assert_eq!(s.referrals_from(w.sender).await.unwrap().len(), 1);
    assert_eq!(s.referrals_of_case(w.case).await.unwrap().len(), 1);
    assert!(s.referrals_to(w.sender).await.unwrap().is_empty());
    // A stale version is refused; the right one accepts.
    assert!(matches!(
        s.answer_referral(id, r.version + 1, w.receiving, &Answer::Accept).await,
        Err(StoreError::Conflict)
    ));
    s.answer_referral(id, r.version, w.receiving, &Answer::Accept).await.unwrap();
    let r = s.referral(id).await.unwrap();
    assert_eq!((r.status, r.accepted_by), (Status::Accepted, Some(w.receiving)));
    // Accepted cannot be declined or cancelled any more.
    let decline = Answer::Decline { reason: DeclineReason::NoCapacity, note: String::new() };
    assert!(matches!(s.answer_referral(id, r.version, w.receiving, &decline).await, Err(StoreError::Conflict)));
    assert!(matches!(s.cancel_referral(id, r.version, w.worker).await, Err(StoreError::Conflict)));
    let service = ServiceInput::parse(&ServiceForm {
        kind: passerelle_core::plan::SERVICE_KINDS[0].into(),
        started_on: "2026-12-01".into(),
        detail: "Chambre au refuge, suivi quotidien".into(),
    })
    .unwrap();
    s.add_referral_service(id, w.receiver, w.receiving, &service).await.unwrap();
    s.add_referral_message(id, w.sender, w.worker, "Elle préfère être appelée Zo.").await.unwrap();
    s.add_referral_message(id, w.receiver, w.receiving, "Bien arrivée, elle dort.").await.unwrap();
    let services = s.referral_services(id).await.unwrap();
    assert_eq!((services.len(), services[0].detail.as_str()), (1, "Chambre au refuge, suivi quotidien"));
    let messages = s.referral_messages(id).await.unwrap();
    assert_eq!(
        messages.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["Elle préfère être appelée Zo.", "Bien arrivée, elle dort."]
    );
    let raw: Vec<Vec<u8>> =
        passerelle_store::run!(&w.t.store.db, |pool| sqlx::query_scalar("SELECT body FROM referral_messages")
            .fetch_all(pool)
            .await)
        .unwrap();
    assert_eq!(raw.len(), 2);
    assert!(
        raw.iter().all(|b| !b.windows(5).any(|x| x == b"Bien " || x == b"Elle ")),
        "messages are encrypted at rest"
    );
    s.close_referral(id, r.version, w.receiving).await.unwrap();
    assert_eq!(s.referral(id).await.unwrap().status, Status::Closed);
    // Once closed, a new referral to the same organization may be sent.
    s.send_referral(&new).await.unwrap();
    let kinds: Vec<String> = s.case_timeline(w.case).await.unwrap().into_iter().map(|e| e.kind).collect();
    for k in ["referral.send", "referral.accept", "referral.service", "message.send", "referral.close"] {
        assert!(kinds.iter().any(|x| x == k), "{k} in the timeline");
    }
    // Shredding the case key leaves the exchange unreadable.
    s.destroy_case_key(w.case).await.unwrap();
    assert_eq!(s.referral(id).await.unwrap().note, None);
    assert!(s.referral_messages(id).await.unwrap().is_empty());
    assert_eq!(s.referral_services(id).await.unwrap()[0].detail, "");
    assert!(matches!(s.add_referral_message(id, w.sender, w.worker, "x").await, Err(StoreError::Conflict)));
}

#[tokio::test]
async fn a_referral_may_be_declined_with_a_reason_or_cancelled() {
    let w = world().await;
    let s = &w.t.store;
    let categories = [Category::Needs];
    let new = NewReferral {
        case_id: w.case,
        to_org: w.receiver,
        authority: Authority::Consent(ConsentId::new()),
        categories: &categories,
        note: "Besoin d'un suivi en santé sexuelle.",
        sent_by: w.worker,
    };
    let id = s.send_referral(&new).await.unwrap();
    let decline =
        Answer::Decline { reason: DeclineReason::Other, note: "Nous n'avons pas d'infirmière ce mois-ci.".into() };
    s.answer_referral(id, 1, w.receiving, &decline).await.unwrap();
    let r = s.referral(id).await.unwrap();
    assert_eq!((r.status, r.decline_reason), (Status::Declined, Some(DeclineReason::Other)));
    assert_eq!(r.decline_note.as_deref(), Some("Nous n'avons pas d'infirmière ce mois-ci."));
    // The authority that no longer exists is simply absent.
    assert!(s.grant(r.authority).await.unwrap().is_none());
    let id = s.send_referral(&new).await.unwrap();
    s.cancel_referral(id, 1, w.worker).await.unwrap();
    assert_eq!(s.referral(id).await.unwrap().status, Status::Cancelled);
    assert!(matches!(s.answer_referral(id, 2, w.receiving, &Answer::Accept).await, Err(StoreError::Conflict)));
}

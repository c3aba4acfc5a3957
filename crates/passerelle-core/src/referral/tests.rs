#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use time::macros::{date, datetime};
use uuid::Uuid;

use super::*;
use crate::consent::{Consent, Form, Giver, Purpose};
use crate::ids::ConsentId;
use crate::plan::NeedEntry;

fn org(n: u128) -> OrgId {
    OrgId(Uuid::from_u128(n))
}

fn user(n: u128) -> UserId {
    UserId(Uuid::from_u128(0x200 + n))
}

const CASE: CaseId = CaseId(Uuid::from_u128(0x101));
const SENDER: u128 = 1;
const RECEIVER: u128 = 2;
const OTHER: u128 = 3;

fn consent() -> Consent {
    Consent {
        id: ConsentId(Uuid::from_u128(0xC1)),
        child_case: CASE,
        from_org: org(SENDER),
        giver: Giver::Child,
        child_age: Some(15),
        form: Form::Verbal,
        purposes: vec![Purpose::Referral],
        recipients: vec![org(RECEIVER)],
        categories: vec![Category::ChildWords, Category::Needs, Category::UnsafePersons],
        valid_from: date!(2026 - 06 - 01),
        valid_until: date!(2026 - 06 - 30),
        withdrawn_at: None,
        recorded_by: user(9),
    }
}

fn actor(org_n: u128, user_n: u128, roles: &[Role]) -> Actor {
    Actor { user_id: user(user_n), org_id: org(org_n), roles: roles.to_vec() }
}

fn facts(status: Status, categories: &[Category]) -> Facts<'_> {
    Facts { case: CASE, from_org: org(SENDER), to_org: org(RECEIVER), status, accepted_by: Some(user(5)), categories }
}

const DURING: time::OffsetDateTime = datetime!(2026-06-15 12:00 UTC);
const SHARED: [Category; 2] = [Category::ChildWords, Category::Needs];

#[test]
fn the_sender_sees_everything_when_the_case_rule_allows_it() {
    let c = consent();
    let f = facts(Status::Accepted, &SHARED);
    let worker = actor(SENDER, 1, &[Role::CaseWorker]);
    assert_eq!(access(&worker, &f, true, Some(Grant::Consent(&c)), DURING), Access::Sender);
    // An unassigned colleague of the sender sees nothing, and the consent does not matter.
    assert_eq!(access(&worker, &f, false, Some(Grant::Consent(&c)), DURING), Access::None);
}

#[test]
fn the_accepting_worker_and_supervisors_see_exactly_the_shared_categories() {
    let c = consent();
    let f = facts(Status::Accepted, &SHARED);
    let accepted = actor(RECEIVER, 5, &[Role::CaseWorker]);
    let supervisor = actor(RECEIVER, 6, &[Role::Supervisor]);
    let colleague = actor(RECEIVER, 7, &[Role::CaseWorker]);
    for a in [&accepted, &supervisor] {
        assert_eq!(access(a, &f, false, Some(Grant::Consent(&c)), DURING), Access::Shared(SHARED.to_vec()));
    }
    // Being in the receiving organization is not a reason to know about the child.
    assert_eq!(access(&colleague, &f, false, Some(Grant::Consent(&c)), DURING), Access::None);
}

#[test]
fn roles_without_cases_and_third_organizations_see_nothing() {
    let c = consent();
    let f = facts(Status::Sent, &SHARED);
    for role in [Role::Screener, Role::Analyst, Role::Trainer, Role::OrgAdmin, Role::PrivacyOfficer, Role::SystemAdmin]
    {
        assert_eq!(
            access(&actor(RECEIVER, 5, &[role]), &f, false, Some(Grant::Consent(&c)), DURING),
            Access::None,
            "{role}"
        );
    }
    let stranger = actor(OTHER, 8, &Role::ALL);
    assert_eq!(access(&stranger, &f, true, Some(Grant::Consent(&c)), DURING), Access::None);
}

#[test]
fn a_waiting_or_finished_referral_shows_its_header_only() {
    let c = consent();
    for status in [Status::Sent, Status::Declined, Status::Cancelled, Status::Closed] {
        let f = facts(status, &SHARED);
        assert_eq!(
            access(&actor(RECEIVER, 7, &[Role::CaseWorker]), &f, false, Some(Grant::Consent(&c)), DURING),
            Access::Header
        );
    }
}

#[test]
fn withdrawal_and_expiry_cut_access_at_their_instant() {
    let mut c = consent();
    let f = facts(Status::Accepted, &SHARED);
    let r = actor(RECEIVER, 5, &[Role::CaseWorker]);
    c.withdraw(DURING);
    assert_eq!(
        access(&r, &f, false, Some(Grant::Consent(&c)), DURING - time::Duration::SECOND),
        Access::Shared(SHARED.to_vec())
    );
    assert_eq!(access(&r, &f, false, Some(Grant::Consent(&c)), DURING), Access::Ended(Reason::Withdrawn));
    let c = consent();
    assert_eq!(
        access(&r, &f, false, Some(Grant::Consent(&c)), datetime!(2026-07-01 00:00 -4)),
        Access::Ended(Reason::Expired)
    );
    assert_eq!(access(&r, &f, false, None, DURING), Access::Ended(Reason::NoConsent));
    // A consent naming another recipient, or about another case, does not open this one.
    let mut other = consent();
    other.recipients = vec![org(OTHER)];
    assert_eq!(access(&r, &f, false, Some(Grant::Consent(&other)), DURING), Access::Ended(Reason::RecipientNotCovered));
    let mut other = consent();
    other.child_case = CaseId(Uuid::from_u128(0x999));
    assert!(matches!(access(&r, &f, false, Some(Grant::Consent(&other)), DURING), Access::Ended(_)));
}

#[test]
fn shown_categories_never_exceed_the_consent() {
    let c = consent();
    let asked = [Category::Identity, Category::Needs, Category::ChildWords];
    let f = facts(Status::Accepted, &asked);
    let r = actor(RECEIVER, 5, &[Role::CaseWorker]);
    assert_eq!(access(&r, &f, false, Some(Grant::Consent(&c)), DURING), Access::Shared(SHARED.to_vec()));
}

fn identity() -> Identity {
    Identity {
        given_name: "Zoé".into(),
        family_name: "Fictive".into(),
        aliases: vec!["Zo".into()],
        birth_date: Some("2011-03-04".into()),
        phones: vec!["514-555-0100".into()],
        unsafe_persons: vec![UnsafePerson { name: "X. Exemple".into(), relationship: "ami".into() }],
        ..Identity::default()
    }
}

fn needs() -> NeedsAssessment {
    NeedsAssessment {
        entries: vec![
            NeedEntry {
                domain: "housing".into(),
                level: "urgent".into(),
                child_view: "Je veux dormir en sécurité".into(),
                notes: "note du travailleur".into(),
            },
            NeedEntry {
                domain: "health".into(),
                level: "moderate".into(),
                child_view: String::new(),
                notes: String::new(),
            },
        ],
        ..NeedsAssessment::default()
    }
}

fn plan() -> ServicePlan {
    ServicePlan {
        goals: vec!["Retourner à l'école".into()],
        preferred_language: "fr".into(),
        not_shared: "Ce qui s'est passé à Laval".into(),
        ..ServicePlan::default()
    }
}

#[test]
fn the_summary_holds_exactly_the_shared_categories() {
    let (i, n, p) = (identity(), needs(), plan());
    let profile = CaseProfile { trafficking_type: Some("domestic".into()), ..CaseProfile::default() };
    let s = SharedSummary::build(&[Category::ChildWords, Category::Needs], Some(&i), Some(&n), Some(&p), &profile);
    assert_eq!(s.child_words, Some(vec![("housing".into(), "Je veux dormir en sécurité".into())]));
    assert_eq!(s.needs.as_ref().map(Vec::len), Some(2));
    assert!(
        s.identity.is_none()
            && s.contact.is_none()
            && s.plan.is_none()
            && s.risks.is_none()
            && s.unsafe_persons.is_none()
    );
    let all = SharedSummary::build(Category::ALL, Some(&i), Some(&n), Some(&p), &profile);
    assert_eq!(all.identity.as_ref().map(|x| x.given_name.as_str()), Some("Zoé"));
    assert_eq!(all.contact.as_ref().map(|x| x.phones.clone()), Some(vec!["514-555-0100".to_owned()]));
    assert_eq!(all.unsafe_persons.as_ref().map(Vec::len), Some(1));
    assert_eq!(all.risks.as_ref().and_then(|r| r.trafficking_type.clone()), Some("domestic".into()));
    // The worker's notes and what the child asked not to share never leave.
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains("note du travailleur"));
    assert!(!text.contains("Laval"));
}

#[test]
fn a_destroyed_identity_gives_empty_parts() {
    let s = SharedSummary::build(Category::ALL, None, None, None, &CaseProfile::default());
    assert_eq!(s.identity, Some(SharedIdentity::default()));
    assert_eq!(s.unsafe_persons, Some(Vec::new()));
    assert_eq!(s.child_words, Some(Vec::new()));
}

#[test]
fn status_moves() {
    assert!(Status::Sent.can_become(Status::Accepted));
    assert!(Status::Sent.can_become(Status::Declined));
    assert!(Status::Sent.can_become(Status::Cancelled));
    assert!(Status::Accepted.can_become(Status::Closed));
    assert!(!Status::Accepted.can_become(Status::Declined));
    assert!(!Status::Declined.can_become(Status::Accepted));
    assert!(!Status::Closed.can_become(Status::Accepted));
    assert!(Status::Sent.is_open() && Status::Accepted.is_open() && !Status::Closed.is_open());
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn referral_forms() {
    let ok = ReferralInput::parse(&ReferralForm {
        categories: strings(&["needs", "child_words", "needs"]),
        note: "  Besoin d'hébergement sécuritaire loin de Montréal.  ".into(),
    })
    .unwrap();
    assert_eq!(ok.categories, vec![Category::ChildWords, Category::Needs]);
    assert_eq!(ok.note, "Besoin d'hébergement sécuritaire loin de Montréal.");
    let e = ReferralInput::parse(&ReferralForm { categories: vec![], note: "court".into() }).unwrap_err();
    assert_eq!(
        e.fields.iter().map(|f| (f.field, f.code)).collect::<Vec<_>>(),
        vec![("categories", "required"), ("note", "too-short")]
    );
    let e =
        ReferralInput::parse(&ReferralForm { categories: strings(&["everything"]), note: "x".repeat(TEXT_MAX + 1) })
            .unwrap_err();
    assert_eq!(
        e.fields.iter().map(|f| (f.field, f.code)).collect::<Vec<_>>(),
        vec![("categories", "unknown-value"), ("note", "too-long")]
    );
}

#[test]
fn answers() {
    assert_eq!(Answer::parse(&AnswerForm { answer: "accept".into(), ..AnswerForm::default() }), Ok(Answer::Accept));
    assert_eq!(
        Answer::parse(&AnswerForm { answer: "decline".into(), reason: "no_capacity".into(), note: String::new() }),
        Ok(Answer::Decline { reason: DeclineReason::NoCapacity, note: String::new() })
    );
    let e =
        Answer::parse(&AnswerForm { answer: "decline".into(), reason: "other".into(), note: " ".into() }).unwrap_err();
    assert_eq!(e.first().map(|f| (f.field, f.code)), Some(("note", "required")));
    let e = Answer::parse(&AnswerForm { answer: "decline".into(), ..AnswerForm::default() }).unwrap_err();
    assert_eq!(e.first().map(|f| (f.field, f.code)), Some(("reason", "required")));
    let e = Answer::parse(&AnswerForm { answer: "maybe".into(), ..AnswerForm::default() }).unwrap_err();
    assert_eq!(e.first().map(|f| (f.field, f.code)), Some(("answer", "unknown-value")));
    assert!(Answer::parse(&AnswerForm::default()).is_err());
}

#[test]
fn messages_and_services() {
    assert_eq!(parse_message(&MessageForm { body: "  Bonjour  ".into() }), Ok("Bonjour".into()));
    assert!(parse_message(&MessageForm { body: "   ".into() }).is_err());
    assert!(parse_message(&MessageForm { body: "x".repeat(TEXT_MAX + 1) }).is_err());
    let s = ServiceInput::parse(&ServiceForm {
        kind: SERVICE_KINDS[0].into(),
        started_on: "2026-06-02".into(),
        detail: String::new(),
    })
    .unwrap();
    assert_eq!(s.started_on, date!(2026 - 06 - 02));
    let e = ServiceInput::parse(&ServiceForm {
        kind: "spa".into(),
        started_on: "02/06/2026".into(),
        detail: String::new(),
    })
    .unwrap_err();
    assert_eq!(
        e.fields.iter().map(|f| (f.field, f.code)).collect::<Vec<_>>(),
        vec![("kind", "unknown-value"), ("started_on", "date-format")]
    );
}

proptest! {
    /// Whatever the categories asked and consented, a receiver never sees a category the
    /// consent does not cover, and nobody outside the two organizations sees anything.
    #[test]
    fn never_more_than_consented(asked in proptest::sample::subsequence(Category::ALL.to_vec(), 0..=7),
                                 consented in proptest::sample::subsequence(Category::ALL.to_vec(), 1..=7),
                                 minutes in 0i64..(60 * 24 * 60)) {
        let mut c = consent();
        c.categories = consented.clone();
        let now = datetime!(2026-05-20 00:00 UTC) + time::Duration::minutes(minutes);
        let f = facts(Status::Accepted, &asked);
        let r = actor(RECEIVER, 5, &[Role::CaseWorker]);
        match access(&r, &f, false, Some(Grant::Consent(&c)), now) {
            Access::Shared(shown) => {
                prop_assert!(shown.iter().all(|x| consented.contains(x) && asked.contains(x)));
                prop_assert!(crate::time::in_quebec(now).date() >= c.valid_from && crate::time::in_quebec(now).date() <= c.valid_until);
            }
            Access::Ended(_) => prop_assert!(crate::time::in_quebec(now).date() < c.valid_from || crate::time::in_quebec(now).date() > c.valid_until),
            other => prop_assert!(false, "unexpected {:?}", other),
        }
        prop_assert_eq!(access(&actor(OTHER, 8, &Role::ALL), &f, true, Some(Grant::Consent(&c)), now), Access::None);
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use time::macros::{date, datetime};
use uuid::Uuid;

use super::*;

fn org(n: u128) -> OrgId {
    OrgId(Uuid::from_u128(n))
}

fn case(n: u128) -> CaseId {
    CaseId(Uuid::from_u128(0x100 + n))
}

const SENDER: u128 = 1;
const RECEIVER: u128 = 2;
const OTHER: u128 = 3;

/// A consent of case 1 from org 1 to org 2, for referral and coordination, identity and needs,
/// for June 2025.
fn consent() -> Consent {
    Consent {
        id: ConsentId(Uuid::from_u128(0xC1)),
        child_case: case(1),
        from_org: org(SENDER),
        giver: Giver::Child,
        child_age: Some(15),
        form: Form::Written,
        purposes: vec![Purpose::Coordination, Purpose::Referral],
        recipients: vec![org(RECEIVER)],
        categories: vec![Category::Identity, Category::Needs],
        valid_from: date!(2025 - 06 - 01),
        valid_until: date!(2025 - 06 - 30),
        withdrawn_at: None,
        recorded_by: UserId(Uuid::from_u128(9)),
    }
}

fn basis(kind: LegalBasis) -> BasisRecord {
    BasisRecord {
        id: BasisId(Uuid::from_u128(0xB1)),
        child_case: case(1),
        from_org: org(SENDER),
        basis: kind,
        justification: "Danger immédiat signalé par l'enfant ce matin.".into(),
        recipients: vec![org(RECEIVER)],
        categories: vec![Category::Identity, Category::Contact, Category::UnsafePersons],
        recorded_at: datetime!(2025-06-10 12:00 UTC),
        valid_until: datetime!(2025-06-13 12:00 UTC),
        ended_at: None,
        recorded_by: UserId(Uuid::from_u128(9)),
    }
}

fn request(categories: &[Category]) -> ShareRequest {
    ShareRequest {
        case: case(1),
        from_org: org(SENDER),
        to_org: org(RECEIVER),
        purpose: Purpose::Referral,
        categories: categories.to_vec(),
    }
}

const NOW: OffsetDateTime = datetime!(2025-06-15 10:00 UTC);

fn allowed_by(d: &Decision) -> Option<Authority> {
    match d {
        Decision::Allowed { by, .. } => Some(*by),
        _ => None,
    }
}

// ---------------------------------------------------------------- vocabularies

#[test]
fn names_are_stable_and_round_trip() {
    fn check<T: Copy + fmt::Debug + PartialEq + FromStr + Serialize + fmt::Display>(all: &[T]) {
        for &x in all {
            let name = x.to_string();
            assert_eq!(name.parse::<T>().ok(), Some(x));
            assert_eq!(serde_json::to_string(&x).unwrap(), format!("\"{name}\""));
        }
        assert!("nope".parse::<T>().is_err());
    }
    check(Giver::ALL);
    check(Form::ALL);
    check(Purpose::ALL);
    check(Category::ALL);
    check(LegalBasis::ALL);
    let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names, ["identity", "contact", "child_words", "needs", "plan_goals", "risks", "unsafe_persons"]);
    let names: Vec<&str> = LegalBasis::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(names, ["report_to_dpj", "emergency", "court_order", "youth_protection_act"]);
    assert_eq!(" dpj ".parse::<Giver>(), Ok(Giver::Dpj));
}

#[test]
fn legal_bases_are_explained_in_both_languages() {
    for &b in LegalBasis::ALL {
        for text in [b.label_fr(), b.label_en(), b.statute()] {
            assert!(!text.is_empty());
        }
        assert!(b.explanation_fr().chars().count() > 80, "{b}");
        assert!(b.explanation_en().chars().count() > 80, "{b}");
        assert!(!b.permits(Purpose::Statistics));
        assert!(b.permits(Purpose::Referral) && b.permits(Purpose::Coordination));
    }
    assert_eq!(LegalBasis::Emergency.max_duration(), Duration::hours(72));
    assert!(LegalBasis::ALL.iter().all(|b| b.max_duration() <= Duration::days(365)));
}

#[test]
fn records_serialize_and_read_back() {
    let mut c = consent();
    c.withdraw(datetime!(2025-06-20 08:30 UTC));
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["valid_from"], "2025-06-01");
    assert_eq!(json["purposes"], serde_json::json!(["coordination", "referral"]));
    assert_eq!(json["withdrawn_at"], "2025-06-20T08:30:00Z");
    assert_eq!(serde_json::from_value::<Consent>(json).unwrap(), c);
    let b = basis(LegalBasis::Emergency);
    let back: BasisRecord = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
    assert_eq!(back, b);
    let d = Decision::Refused(Reason::CategoriesNotCovered(vec![Category::Risks]));
    assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"refused":{"categories_not_covered":["risks"]}}"#);
}

// ---------------------------------------------------------------- consent form

fn ctx() -> ConsentContext {
    ConsentContext { from_org: org(SENDER), parent_access_blocked: false, today: date!(2025 - 06 - 15) }
}

fn form(giver: &str, age: &str) -> ConsentForm {
    ConsentForm {
        giver: giver.into(),
        child_age: age.into(),
        form: "verbal".into(),
        purposes: vec!["referral".into()],
        recipients: vec![org(RECEIVER).to_string()],
        categories: vec!["needs".into(), "identity".into(), "needs".into()],
        valid_from: "2025-06-15".into(),
        valid_until: "2025-12-31".into(),
    }
}

fn codes(r: Result<ConsentInput, ValidationError>) -> Vec<(&'static str, &'static str)> {
    r.err().unwrap_or_default().fields.iter().map(|e| (e.field, e.code)).collect()
}

#[test]
fn a_valid_form_is_normalized() {
    let c = ConsentInput::parse(&form("child", "14"), &ctx()).unwrap();
    assert_eq!((c.giver, c.child_age, c.form), (Giver::Child, Some(14), Form::Verbal));
    assert_eq!(c.categories, vec![Category::Identity, Category::Needs]);
    assert_eq!(c.recipients, vec![org(RECEIVER)]);
    let stored = c.into_consent(case(1), UserId::new());
    assert_eq!((stored.from_org, stored.withdrawn_at), (org(SENDER), None));
}

#[test]
fn a_child_consents_alone_only_from_14() {
    assert_eq!(codes(ConsentInput::parse(&form("child", "13"), &ctx())), [("giver", "child-under-14")]);
    assert_eq!(codes(ConsentInput::parse(&form("child", "0"), &ctx())), [("giver", "child-under-14")]);
    assert!(ConsentInput::parse(&form("child", "14"), &ctx()).is_ok());
    assert!(ConsentInput::parse(&form("child", "17"), &ctx()).is_ok());
    // The age must be known for the child to consent alone.
    assert_eq!(codes(ConsentInput::parse(&form("child", ""), &ctx())), [("child_age", "required")]);
    assert_eq!(codes(ConsentInput::parse(&form("child", "x"), &ctx())), [("child_age", "age-range")]);
    assert_eq!(codes(ConsentInput::parse(&form("child", "26"), &ctx())), [("child_age", "age-range")]);
    // Under 14, a parent, a tutor or the DPJ consents.
    for giver in ["parent", "tutor", "dpj"] {
        assert!(ConsentInput::parse(&form(giver, "13"), &ctx()).is_ok(), "{giver}");
        assert!(ConsentInput::parse(&form(giver, ""), &ctx()).is_ok(), "{giver}");
    }
}

#[test]
fn a_blocked_parent_cannot_consent() {
    let blocked = ConsentContext { parent_access_blocked: true, ..ctx() };
    assert_eq!(codes(ConsentInput::parse(&form("parent", "10"), &blocked)), [("giver", "parent-access-blocked")]);
    assert_eq!(codes(ConsentInput::parse(&form("parent", "16"), &blocked)), [("giver", "parent-access-blocked")]);
    assert!(ConsentInput::parse(&form("parent", "10"), &ctx()).is_ok());
    assert!(ConsentInput::parse(&form("tutor", "10"), &blocked).is_ok());
    assert!(ConsentInput::parse(&form("dpj", "10"), &blocked).is_ok());
    assert!(ConsentInput::parse(&form("child", "15"), &blocked).is_ok());
}

#[test]
fn nobody_consents_for_an_adult() {
    assert_eq!(codes(ConsentInput::parse(&form("parent", "18"), &ctx())), [("giver", "adult-consents")]);
    assert_eq!(codes(ConsentInput::parse(&form("tutor", "19"), &ctx())), [("giver", "adult-consents")]);
    assert!(ConsentInput::parse(&form("parent", "17"), &ctx()).is_ok());
    assert!(ConsentInput::parse(&form("child", "19"), &ctx()).is_ok());
}

#[test]
fn purposes_recipients_and_categories_are_required() {
    let f = ConsentForm { purposes: vec![], categories: vec![" ".into()], ..form("dpj", "") };
    assert_eq!(codes(ConsentInput::parse(&f, &ctx())), [("purposes", "required"), ("categories", "required")]);
    let f = ConsentForm { recipients: vec![], ..form("dpj", "") };
    assert_eq!(codes(ConsentInput::parse(&f, &ctx())), [("recipients", "required")]);
    let f = ConsentForm { recipients: vec![], purposes: vec!["coordination".into()], ..form("dpj", "") };
    assert_eq!(codes(ConsentInput::parse(&f, &ctx())), [("recipients", "required")]);
    // Statistics alone need no recipient.
    let f = ConsentForm { recipients: vec![], purposes: vec!["statistics".into()], ..form("dpj", "") };
    assert!(ConsentInput::parse(&f, &ctx()).unwrap().recipients.is_empty());
    let f =
        ConsentForm { recipients: vec![], purposes: vec!["statistics".into(), "referral".into()], ..form("dpj", "") };
    assert_eq!(codes(ConsentInput::parse(&f, &ctx())), [("recipients", "required")]);
}

#[test]
fn unknown_values_and_own_organization_are_refused() {
    let f = ConsentForm {
        giver: "neighbour".into(),
        form: "telepathy".into(),
        purposes: vec!["marketing".into()],
        recipients: vec!["not-a-uuid".into()],
        categories: vec!["everything".into()],
        ..form("", "")
    };
    assert_eq!(
        codes(ConsentInput::parse(&f, &ctx())),
        [
            ("giver", "unknown-value"),
            ("form", "unknown-value"),
            ("purposes", "unknown-value"),
            ("recipients", "unknown-value"),
            ("categories", "unknown-value"),
        ]
    );
    let f = ConsentForm { recipients: vec![org(SENDER).to_string()], ..form("dpj", "") };
    assert_eq!(codes(ConsentInput::parse(&f, &ctx())), [("recipients", "same-organization")]);
    let f = ConsentForm { giver: String::new(), form: String::new(), ..form("", "") };
    assert_eq!(codes(ConsentInput::parse(&f, &ctx())), [("giver", "required"), ("form", "required")]);
}

#[test]
fn consent_dates() {
    let with =
        |from: &str, until: &str| ConsentForm { valid_from: from.into(), valid_until: until.into(), ..form("dpj", "") };
    let check = |from, until| codes(ConsentInput::parse(&with(from, until), &ctx()));
    assert_eq!(check("", ""), [("valid_from", "required"), ("valid_until", "required")]);
    assert_eq!(check("15/06/2025", "2025-6-30"), [("valid_from", "date-format"), ("valid_until", "date-format")]);
    assert_eq!(check("2025-02-29", "2025-06-31"), [("valid_from", "invalid-date"), ("valid_until", "invalid-date")]);
    assert_eq!(check("2025-06-16", "2025-06-15"), [("valid_until", "date-order")]);
    assert!(check("2025-06-15", "2025-06-15").is_empty(), "a single day");
    // At most a year: 365 days from the first day to the last.
    assert!(check("2025-06-15", "2026-06-15").is_empty());
    assert_eq!(check("2025-06-15", "2026-06-16"), [("valid_until", "duration-too-long")]);
    // Recorded late is fine; already over is not.
    assert!(check("2025-06-01", "2025-06-15").is_empty());
    assert_eq!(check("2025-06-01", "2025-06-14"), [("valid_until", "date-past")]);
}

// ---------------------------------------------------------------- decisions

#[test]
fn a_consent_s_days_are_quebec_calendar_days_whatever_the_offset() {
    let grant = consent();
    let g = Grant::Consent(&grant);
    // 1 July 2025 02:30 UTC is still 30 June in Montréal (UTC−4): the last day.
    assert_eq!(g.in_force(datetime!(2025-07-01 02:30 UTC)), Ok(()));
    assert_eq!(g.in_force(datetime!(2025-07-01 04:00 UTC)), Err(Reason::Expired));
    // 1 June 03:00 UTC is 31 May there: not yet; the same instant in local time, the same answer.
    assert_eq!(g.in_force(datetime!(2025-06-01 03:00 UTC)), Err(Reason::NotYetValid));
    assert_eq!(g.in_force(datetime!(2025-05-31 23:00 -04:00)), Err(Reason::NotYetValid));
    assert_eq!(g.in_force(datetime!(2025-06-01 04:00 UTC)), Ok(()));
}

#[test]
fn an_exchange_needs_a_consent_or_a_basis() {
    assert_eq!(may_share(&request(&[Category::Needs]), &[], &[], NOW), Decision::Refused(Reason::NoConsent));
    // A consent of another case or another sender is no consent for this one.
    let mut c = consent();
    c.child_case = case(2);
    let mut d = consent();
    d.from_org = org(OTHER);
    assert_eq!(may_share(&request(&[Category::Needs]), &[c, d], &[], NOW), Decision::Refused(Reason::NoConsent));
    assert_eq!(
        may_share(&request(&[Category::Needs, Category::Identity, Category::Needs]), &[consent()], &[], NOW),
        Decision::Allowed {
            by: Authority::Consent(consent().id),
            categories: vec![Category::Identity, Category::Needs]
        }
    );
    assert_eq!(may_share(&request(&[]), &[consent()], &[], NOW), Decision::Refused(Reason::NothingRequested));
}

#[test]
fn the_same_organization_is_no_exchange() {
    let r = ShareRequest { to_org: org(SENDER), ..request(&[Category::Risks]) };
    assert_eq!(may_share(&r, &[], &[], NOW), Decision::SameOrganization);
    assert!(!Decision::SameOrganization.is_allowed());
}

#[test]
fn withdrawal_is_effective_at_its_instant() {
    let r = request(&[Category::Needs]);
    let mut c = consent();
    c.withdraw(NOW);
    assert_eq!(may_share(&r, &[c], &[], NOW), Decision::Refused(Reason::Withdrawn));
    let mut c = consent();
    c.withdraw(NOW + Duration::seconds(1));
    assert!(may_share(&r, &[c.clone()], &[], NOW).is_allowed(), "a second before the withdrawal");
    assert!(!may_share(&r, &[c.clone()], &[], NOW + Duration::seconds(1)).is_allowed());
    // A later withdrawal does not move the first one.
    c.withdraw(NOW + Duration::days(3));
    assert_eq!(c.withdrawn_at, Some(NOW + Duration::seconds(1)));
}

#[test]
fn the_last_day_is_inclusive() {
    let r = request(&[Category::Needs]);
    let at = |t| may_share(&r, &[consent()], &[], t);
    assert_eq!(at(datetime!(2025-05-31 23:59:59 -4)), Decision::Refused(Reason::NotYetValid));
    assert!(at(datetime!(2025-06-01 00:00 -4)).is_allowed());
    assert!(at(datetime!(2025-06-30 23:59:59.999 -4)).is_allowed());
    assert_eq!(at(datetime!(2025-07-01 00:00 -4)), Decision::Refused(Reason::Expired));
    // Days are Québec's whatever the caller's offset: 00:30 UTC on 1 July is 20:30 on the last
    // day in Montréal.
    assert!(at(datetime!(2025-07-01 00:30 UTC)).is_allowed());
    assert!(at(datetime!(2025-06-30 20:30 -4)).is_allowed(), "the same instant, the same answer");
}

#[test]
fn recipient_purpose_and_categories_must_be_covered() {
    let c = [consent()];
    let r = ShareRequest { to_org: org(OTHER), ..request(&[Category::Needs]) };
    assert_eq!(may_share(&r, &c, &[], NOW), Decision::Refused(Reason::RecipientNotCovered));
    let r = ShareRequest { purpose: Purpose::Statistics, ..request(&[Category::Needs]) };
    assert_eq!(may_share(&r, &c, &[], NOW), Decision::Refused(Reason::PurposeNotCovered));
    let r = request(&[Category::Risks, Category::Needs, Category::ChildWords]);
    assert_eq!(
        may_share(&r, &c, &[], NOW),
        Decision::Refused(Reason::CategoriesNotCovered(vec![Category::ChildWords, Category::Risks]))
    );
    assert_eq!(covered_categories(&r, &c, &[], NOW), vec![Category::Needs]);
    assert!(may_share(&request(&covered_categories(&r, &c, &[], NOW)), &c, &[], NOW).is_allowed());
    // The largest part one authority covers, never a union of several.
    let small = Consent { categories: vec![Category::Risks], ..consent() };
    let large = Consent { categories: vec![Category::Needs, Category::ChildWords, Category::PlanGoals], ..consent() };
    let wide = [small, large];
    assert_eq!(covered_categories(&r, &wide, &[], NOW), vec![Category::ChildWords, Category::Needs]);
    let same = ShareRequest { to_org: org(SENDER), ..r.clone() };
    assert!(covered_categories(&same, &wide, &[], NOW).is_empty());
}

#[test]
fn a_statistics_consent_without_recipients_lets_nothing_leave() {
    let c = Consent { purposes: vec![Purpose::Statistics], recipients: vec![], ..consent() };
    let r = ShareRequest { purpose: Purpose::Statistics, ..request(&[Category::Needs]) };
    assert_eq!(may_share(&r, &[c], &[], NOW), Decision::Refused(Reason::RecipientNotCovered));
}

#[test]
fn the_closest_refusal_is_reported() {
    let mut withdrawn = consent();
    withdrawn.withdraw(NOW - Duration::days(1));
    let narrow = Consent { categories: vec![Category::Needs, Category::Risks], ..consent() };
    let narrower = Consent { categories: vec![Category::Risks], ..consent() };
    let r = request(&[Category::Needs, Category::Risks, Category::Identity]);
    assert_eq!(
        may_share(&r, &[withdrawn, narrower, narrow], &[], NOW),
        Decision::Refused(Reason::CategoriesNotCovered(vec![Category::Identity]))
    );
    // Authorities are not combined.
    let a = Consent { categories: vec![Category::Needs], ..consent() };
    let b = Consent { id: ConsentId(Uuid::from_u128(0xC2)), categories: vec![Category::Risks], ..consent() };
    assert!(!may_share(&request(&[Category::Needs, Category::Risks]), &[a, b], &[], NOW).is_allowed());
    assert_eq!(Reason::RecipientNotCovered.code(), "recipient-not-covered");
}

#[test]
fn a_legal_basis_covers_its_own_window_only() {
    let b = [basis(LegalBasis::Emergency)];
    let r = request(&[Category::Contact, Category::UnsafePersons]);
    let at = |t| may_share(&r, &[], &b, t);
    assert_eq!(at(datetime!(2025-06-10 11:59:59 UTC)), Decision::Refused(Reason::NotYetValid));
    assert_eq!(allowed_by(&at(datetime!(2025-06-10 12:00 UTC))), Some(Authority::Basis(b[0].id)));
    assert!(at(datetime!(2025-06-13 11:59:59 UTC)).is_allowed());
    assert_eq!(at(datetime!(2025-06-13 12:00 UTC)), Decision::Refused(Reason::Expired));
    let mut ended = b[0].clone();
    ended.end(datetime!(2025-06-11 00:00 UTC));
    assert_eq!(may_share(&r, &[], &[ended], datetime!(2025-06-11 00:00 UTC)), Decision::Refused(Reason::Withdrawn));
    // Never for statistics, and only what it lists.
    let stats = ShareRequest { purpose: Purpose::Statistics, ..r.clone() };
    assert_eq!(
        may_share(&stats, &[], &b, datetime!(2025-06-11 00:00 UTC)),
        Decision::Refused(Reason::PurposeNotCovered)
    );
    assert_eq!(
        may_share(&request(&[Category::Risks]), &[], &b, datetime!(2025-06-11 00:00 UTC)),
        Decision::Refused(Reason::CategoriesNotCovered(vec![Category::Risks]))
    );
}

#[test]
fn a_consent_is_preferred_to_a_basis() {
    let mut b = basis(LegalBasis::CourtOrder);
    b.categories = vec![Category::Needs];
    let t = datetime!(2025-06-11 00:00 UTC);
    let d = may_share(&request(&[Category::Needs]), &[consent()], &[b.clone()], t);
    assert_eq!(allowed_by(&d), Some(Authority::Consent(consent().id)));
    let mut c = consent();
    c.withdraw(t);
    let d = may_share(&request(&[Category::Needs]), &[c], &[b.clone()], t);
    assert_eq!(allowed_by(&d), Some(Authority::Basis(b.id)));
}

#[test]
fn receivers_lose_access_at_once() {
    let c = consent();
    assert!(access_allowed(case(1), org(RECEIVER), Grant::Consent(&c), NOW));
    assert!(!access_allowed(case(1), org(OTHER), Grant::Consent(&c), NOW));
    assert!(!access_allowed(case(1), org(SENDER), Grant::Consent(&c), NOW), "the sender is not a receiver");
    assert!(!access_allowed(case(2), org(RECEIVER), Grant::Consent(&c), NOW));
    assert!(!access_allowed(case(1), org(RECEIVER), Grant::Consent(&c), datetime!(2025-07-01 00:00 -4)));
    let mut w = c.clone();
    w.withdraw(NOW);
    assert!(!access_allowed(case(1), org(RECEIVER), Grant::Consent(&w), NOW));
    assert!(access_allowed(case(1), org(RECEIVER), Grant::Consent(&w), NOW - Duration::seconds(1)));
    let b = basis(LegalBasis::ReportToDpj);
    assert!(access_allowed(case(1), org(RECEIVER), Grant::Basis(&b), datetime!(2025-06-12 00:00 UTC)));
    assert!(!access_allowed(case(1), org(RECEIVER), Grant::Basis(&b), datetime!(2025-06-13 12:00 UTC)));
    assert_eq!(Grant::Basis(&b).categories().len(), 3);
}

// ---------------------------------------------------------------- legal basis form

fn basis_form(kind: &str, justification: &str, until: &str) -> BasisForm {
    BasisForm {
        basis: kind.into(),
        justification: justification.into(),
        recipients: vec![org(RECEIVER).to_string()],
        categories: vec!["contact".into(), "identity".into()],
        valid_until: until.into(),
    }
}

const JUSTIFIED: &str = "L'enfant dit être retenu ce soir.";

fn basis_codes(r: Result<BasisInput, ValidationError>) -> Vec<(&'static str, &'static str)> {
    r.err().unwrap_or_default().fields.iter().map(|e| (e.field, e.code)).collect()
}

#[test]
fn a_basis_needs_a_justification() {
    let now = datetime!(2025-06-15 10:00 -4);
    let parse = |j: &str| basis_codes(BasisInput::parse(&basis_form("emergency", j, ""), org(SENDER), now));
    assert_eq!(parse(""), [("justification", "required")]);
    assert_eq!(parse(&"x".repeat(19)), [("justification", "too-short")]);
    assert!(parse(&"x".repeat(20)).is_empty());
    assert!(parse(&"é".repeat(2000)).is_empty());
    assert_eq!(parse(&"x".repeat(2001)), [("justification", "too-long")]);
    let b = BasisInput::parse(&basis_form("emergency", &format!("  {JUSTIFIED}  "), ""), org(SENDER), now).unwrap();
    assert_eq!(b.justification, JUSTIFIED);
    assert_eq!((b.recorded_at, b.valid_until), (now, now + Duration::hours(72)));
    assert_eq!(b.categories, vec![Category::Identity, Category::Contact]);
    let rec = b.into_record(case(1), UserId::new());
    assert_eq!((rec.basis, rec.ended_at), (LegalBasis::Emergency, None));
    // The same instants, stored in UTC.
    assert_eq!((rec.recorded_at, rec.valid_until), (now, now + Duration::hours(72)));
    assert!(rec.recorded_at.offset().is_utc() && rec.valid_until.offset().is_utc());
}

#[test]
fn a_basis_is_short_lived() {
    let now = datetime!(2025-06-15 10:00 -4);
    let parse = |kind: &str, until: &str| BasisInput::parse(&basis_form(kind, JUSTIFIED, until), org(SENDER), now);
    // An emergency: the last day ends at local midnight, within 72 hours.
    let b = parse("emergency", "2025-06-17").unwrap();
    assert_eq!(b.valid_until, datetime!(2025-06-18 00:00 -4));
    assert_eq!(basis_codes(parse("emergency", "2025-06-18")), [("valid_until", "duration-too-long")]);
    assert_eq!(basis_codes(parse("emergency", "2025-06-14")), [("valid_until", "date-past")]);
    assert!(parse("emergency", "2025-06-15").is_ok(), "until tonight");
    assert_eq!(basis_codes(parse("emergency", "2025-6-17")), [("valid_until", "date-format")]);
    assert!(parse("court_order", "2026-06-14").is_ok());
    assert_eq!(basis_codes(parse("court_order", "2026-06-15")), [("valid_until", "duration-too-long")]);
    assert_eq!(parse("report_to_dpj", "").unwrap().valid_until, now + Duration::days(7));
    assert_eq!(parse("youth_protection_act", "").unwrap().valid_until, now + Duration::days(180));
}

#[test]
fn a_basis_names_its_recipients_and_categories() {
    let now = datetime!(2025-06-15 10:00 UTC);
    let f = BasisForm { recipients: vec![], categories: vec![], ..basis_form("court_order", JUSTIFIED, "") };
    assert_eq!(
        basis_codes(BasisInput::parse(&f, org(SENDER), now)),
        [("recipients", "required"), ("categories", "required")]
    );
    let f = BasisForm { recipients: vec![org(SENDER).to_string()], ..basis_form("riot", JUSTIFIED, "") };
    assert_eq!(
        basis_codes(BasisInput::parse(&f, org(SENDER), now)),
        [("basis", "unknown-value"), ("recipients", "same-organization")]
    );
    assert_eq!(
        basis_codes(BasisInput::parse(&basis_form("", JUSTIFIED, ""), org(SENDER), now)),
        [("basis", "required")]
    );
}

// ---------------------------------------------------------------- properties

fn subset<T: Copy>(all: &[T], mask: u32) -> Vec<T> {
    all.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, x)| *x).collect()
}

const BASE: OffsetDateTime = datetime!(2025-06-15 00:00 UTC);

prop_compose! {
    fn arb_consent()(
        id in 0u128..1000, c in 1u128..3, from in 1u128..4, purposes in 0u32..8, recipients in 0u32..8,
        categories in 0u32..128, start in -5i64..5, len in 0i64..10, withdrawn in proptest::option::of(-500_000i64..500_000),
    ) -> Consent {
        let valid_from = BASE.date() + Duration::days(start);
        Consent {
            id: ConsentId(Uuid::from_u128(id)),
            child_case: case(c),
            from_org: org(from),
            giver: Giver::Parent,
            child_age: None,
            form: Form::Written,
            purposes: subset(Purpose::ALL, purposes),
            recipients: (1..=3).filter(|n| recipients & (1 << (n - 1)) != 0).map(org).collect(),
            categories: subset(Category::ALL, categories),
            valid_from,
            valid_until: valid_from + Duration::days(len),
            withdrawn_at: withdrawn.map(|s| BASE + Duration::seconds(s)),
            recorded_by: UserId(Uuid::from_u128(9)),
        }
    }
}

prop_compose! {
    fn arb_basis()(
        id in 0u128..1000, c in 1u128..3, from in 1u128..4, kind in 0usize..4, recipients in 0u32..8,
        categories in 0u32..128, start in -400_000i64..400_000, len in 1i64..300_000, ended in proptest::option::of(-500_000i64..500_000),
    ) -> BasisRecord {
        let recorded_at = BASE + Duration::seconds(start);
        BasisRecord {
            id: BasisId(Uuid::from_u128(id)),
            child_case: case(c),
            from_org: org(from),
            basis: LegalBasis::ALL[kind],
            justification: JUSTIFIED.into(),
            recipients: (1..=3).filter(|n| recipients & (1 << (n - 1)) != 0).map(org).collect(),
            categories: subset(Category::ALL, categories),
            recorded_at,
            valid_until: recorded_at + Duration::seconds(len),
            ended_at: ended.map(|s| BASE + Duration::seconds(s)),
            recorded_by: UserId(Uuid::from_u128(9)),
        }
    }
}

prop_compose! {
    fn arb_request()(c in 1u128..3, from in 1u128..4, to in 1u128..4, purpose in 0usize..3, categories in proptest::collection::vec(0usize..7, 0..10)) -> ShareRequest {
        ShareRequest {
            case: case(c),
            from_org: org(from),
            to_org: org(to),
            purpose: Purpose::ALL[purpose],
            categories: categories.into_iter().map(|i| Category::ALL[i]).collect(),
        }
    }
}

fn arb_now() -> impl Strategy<Value = OffsetDateTime> {
    (-600_000i64..600_000).prop_map(|s| BASE + Duration::seconds(s))
}

fn find<'a>(by: Authority, consents: &'a [Consent], bases: &'a [BasisRecord]) -> Option<Grant<'a>> {
    grants(consents, bases).find(|g| g.authority() == by)
}

proptest! {
    /// An allowed exchange sends exactly the requested categories, and its authority is in force,
    /// of this case and sender, lists the receiver and the purpose, and covers each category.
    #[test]
    fn allowed_never_exceeds_its_authority(
        consents in proptest::collection::vec(arb_consent(), 0..5),
        bases in proptest::collection::vec(arb_basis(), 0..3),
        r in arb_request(),
        now in arb_now(),
    ) {
        if let Decision::Allowed { by, categories } = may_share(&r, &consents, &bases, now) {
            let g = find(by, &consents, &bases).unwrap();
            prop_assert_eq!(&categories, &canonical(&r.categories));
            prop_assert!(!categories.is_empty());
            prop_assert!(categories.iter().all(|c| g.categories().contains(c)));
            prop_assert_eq!((g.case(), g.from_org()), (r.case, r.from_org));
            prop_assert!(g.recipients().contains(&r.to_org) && r.to_org != r.from_org);
            prop_assert!(g.permits(r.purpose) && g.in_force(now).is_ok());
            if let Grant::Consent(c) = g {
                prop_assert!(c.valid_from <= crate::time::in_quebec(now).date() && crate::time::in_quebec(now).date() <= c.valid_until);
                prop_assert!(c.withdrawn_at.is_none_or(|w| w > now));
            }
            if let Grant::Basis(b) = g {
                prop_assert!(b.recorded_at <= now && now < b.valid_until);
                prop_assert!(r.purpose != Purpose::Statistics);
            }
        }
    }

    /// A consent withdrawn at or before `now` never allows anything.
    #[test]
    fn a_withdrawn_consent_never_allows(
        mut consents in proptest::collection::vec(arb_consent(), 1..5),
        back in 0i64..1_000_000,
        r in arb_request(),
        now in arb_now(),
    ) {
        for c in &mut consents {
            c.withdraw(now - Duration::seconds(back));
        }
        prop_assert!(!may_share(&r, &consents, &[], now).is_allowed());
        for c in &consents {
            prop_assert!(!access_allowed(c.child_case, r.to_org, Grant::Consent(c), now));
        }
    }

    /// Asking for less never turns an allowed exchange into a refused one.
    #[test]
    fn decisions_are_monotonic(
        consents in proptest::collection::vec(arb_consent(), 0..5),
        bases in proptest::collection::vec(arb_basis(), 0..3),
        r in arb_request(),
        now in arb_now(),
        keep in 1u32..128,
    ) {
        if may_share(&r, &consents, &bases, now).is_allowed() {
            let wanted = canonical(&r.categories);
            for i in 0..wanted.len() {
                let mut fewer = wanted.clone();
                fewer.remove(i);
                if !fewer.is_empty() {
                    let less = ShareRequest { categories: fewer, ..r.clone() };
                    prop_assert!(may_share(&less, &consents, &bases, now).is_allowed());
                }
            }
            let part = subset(&wanted, keep);
            if !part.is_empty() {
                let less = ShareRequest { categories: part, ..r.clone() };
                prop_assert!(may_share(&less, &consents, &bases, now).is_allowed());
            }
        }
    }

    /// The covered part is a part of the request, may be sent, and is the whole request when
    /// the whole request may be sent.
    #[test]
    fn covered_categories_are_shareable(
        consents in proptest::collection::vec(arb_consent(), 0..5),
        bases in proptest::collection::vec(arb_basis(), 0..3),
        r in arb_request(),
        now in arb_now(),
    ) {
        let part = covered_categories(&r, &consents, &bases, now);
        prop_assert!(part.iter().all(|c| r.categories.contains(c)));
        prop_assert_eq!(&part, &canonical(&part));
        if !part.is_empty() {
            let less = ShareRequest { categories: part.clone(), ..r.clone() };
            prop_assert!(may_share(&less, &consents, &bases, now).is_allowed());
        }
        for g in grants(&consents, &bases) {
            let whole = ShareRequest { categories: Vec::new(), ..r.clone() };
            if r.to_org != r.from_org && g.covers(&whole, now).is_ok() {
                let mine = canonical(&r.categories).into_iter().filter(|c| g.categories().contains(c)).count();
                prop_assert!(part.len() >= mine, "not the largest part");
            }
        }
        if may_share(&r, &consents, &bases, now).is_allowed() {
            prop_assert_eq!(part, canonical(&r.categories));
        }
    }

    /// Whatever is typed, an accepted consent respects who may consent.
    #[test]
    fn accepted_consents_respect_who_may_consent(
        giver in 0usize..4, age in proptest::option::of(0u8..30), blocked: bool,
    ) {
        let f = form(Giver::ALL[giver].as_str(), &age.map(|a| a.to_string()).unwrap_or_default());
        let ctx = ConsentContext { parent_access_blocked: blocked, ..ctx() };
        if let Ok(c) = ConsentInput::parse(&f, &ctx) {
            match c.giver {
                Giver::Child => prop_assert!(c.child_age.is_some_and(|a| a >= AGE_OF_CONSENT)),
                Giver::Parent => prop_assert!(!blocked && c.child_age.is_none_or(|a| a < AGE_OF_MAJORITY)),
                Giver::Tutor => prop_assert!(c.child_age.is_none_or(|a| a < AGE_OF_MAJORITY)),
                Giver::Dpj => {}
            }
            prop_assert!(c.child_age.is_none_or(|a| a <= 25));
        } else {
            let refused_for_age = age.is_some_and(|a| a > 25);
            let refused_giver = match Giver::ALL[giver] {
                Giver::Child => age.is_none_or(|a| a < AGE_OF_CONSENT),
                Giver::Parent => blocked || age.is_some_and(|a| a >= AGE_OF_MAJORITY),
                Giver::Tutor => age.is_some_and(|a| a >= AGE_OF_MAJORITY),
                Giver::Dpj => false,
            };
            prop_assert!(refused_for_age || refused_giver);
        }
    }
}

/// A form field: one of the vocabulary, an organization, a date near `today`, or any text.
fn arb_field(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(words).prop_map(str::to_owned),
        (1u128..4).prop_map(|n| org(n).to_string()),
        (-400i64..800).prop_map(|d| (BASE.date() + Duration::days(d)).to_string()),
        ".{0,12}",
    ]
}

const WORDS: &[&str] = &[
    "child",
    "parent",
    "tutor",
    "dpj",
    "written",
    "verbal",
    "witnessed",
    "referral",
    "coordination",
    "statistics",
    "identity",
    "contact",
    "child_words",
    "needs",
    "plan_goals",
    "risks",
    "unsafe_persons",
    "",
    " ",
    "13",
    "14",
    "17",
    "25",
    "26",
];

proptest! {
    /// Access follows the grant exactly: its case, its recipients, while in force.
    #[test]
    fn access_never_exceeds_the_grant(
        consents in proptest::collection::vec(arb_consent(), 1..4),
        bases in proptest::collection::vec(arb_basis(), 0..3),
        c in 1u128..3, viewer in 1u128..4, now in arb_now(),
    ) {
        for g in grants(&consents, &bases) {
            if access_allowed(case(c), org(viewer), g, now) {
                prop_assert_eq!(g.case(), case(c));
                prop_assert!(g.recipients().contains(&org(viewer)));
                prop_assert!(g.in_force(now).is_ok());
                if let Grant::Consent(k) = g {
                    prop_assert!(k.withdrawn_at.is_none_or(|w| w > now));
                    prop_assert!(k.valid_from <= crate::time::in_quebec(now).date() && crate::time::in_quebec(now).date() <= k.valid_until);
                }
            }
        }
    }

    /// Whatever is posted, an accepted consent is within its bounds: a sender that is not a
    /// recipient, something to share and a reason, dates in order, not over, at most a year.
    #[test]
    fn accepted_consent_forms_are_within_bounds(
        giver in arb_field(WORDS), age in arb_field(WORDS), how in arb_field(WORDS),
        purposes in proptest::collection::vec(arb_field(WORDS), 0..4),
        recipients in proptest::collection::vec(arb_field(WORDS), 0..4),
        categories in proptest::collection::vec(arb_field(WORDS), 0..4),
        from in arb_field(WORDS), until in arb_field(WORDS), blocked: bool,
    ) {
        let f = ConsentForm { giver, child_age: age, form: how, purposes, recipients, categories, valid_from: from, valid_until: until };
        let ctx = ConsentContext { parent_access_blocked: blocked, ..ctx() };
        if let Ok(c) = ConsentInput::parse(&f, &ctx) {
            prop_assert!(!c.recipients.is_empty() && !c.recipients.contains(&ctx.from_org));
            prop_assert!(!c.purposes.is_empty() && !c.categories.is_empty());
            prop_assert!(c.valid_from <= c.valid_until && ctx.today <= c.valid_until);
            prop_assert!((c.valid_until - c.valid_from).whole_days() <= MAX_CONSENT_DAYS);
            prop_assert!(c.child_age.is_none_or(|a| a <= 25));
            // Every accepted category was posted.
            for cat in &c.categories {
                prop_assert!(f.categories.iter().any(|v| v.trim() == cat.as_str()));
            }
        }
    }

    /// An accepted legal basis names recipients other than the sender and lapses after it is
    /// recorded.
    #[test]
    fn accepted_basis_forms_are_within_bounds(
        kind in arb_field(&["report_to_dpj", "emergency", "court_order", "youth_protection_act", "x"]),
        justification in ".{0,80}", until in arb_field(WORDS),
        recipients in proptest::collection::vec(arb_field(WORDS), 0..4),
        categories in proptest::collection::vec(arb_field(WORDS), 0..4),
    ) {
        let f = BasisForm { basis: kind, justification, recipients, categories, valid_until: until };
        if let Ok(b) = BasisInput::parse(&f, org(SENDER), BASE) {
            prop_assert!(!b.recipients.is_empty() && !b.recipients.contains(&org(SENDER)));
            prop_assert!(!b.categories.is_empty());
            prop_assert!(b.recorded_at == BASE && b.valid_until > b.recorded_at);
            prop_assert!(!b.justification.trim().is_empty());
        }
    }
}

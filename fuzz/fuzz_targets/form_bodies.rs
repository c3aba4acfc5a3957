//! The pages' form bodies: arbitrary `application/x-www-form-urlencoded` bytes decoded the way
//! the handlers decode them (`axum_extra::extract::Form`, i.e. `serde_html_form`, or raw pairs
//! from `form_urlencoded`), then the core's checks.
//!
//! Invariants: never a panic; a decoded form that passes its checks stays within the
//! documented bounds (checked below per form); checking is deterministic; a refusal names
//! only fields (its codes and field names are `&'static str`, so no posted text can be in it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle_core::break_glass::{Request, RequestForm, Review, ReviewForm};
use passerelle_core::case::{CaseForm, CaseInput};
use passerelle_core::consent::{BasisForm, BasisInput, ConsentContext, ConsentForm, ConsentInput};
use passerelle_core::directory::ProfileForm;
use passerelle_core::error::ValidationError;
use passerelle_core::ids::OrgId;
use passerelle_core::incident::IncidentForm;
use passerelle_core::plan::{NeedsAssessment, PlanForm, ServicePlan, is_date};
use passerelle_core::privacy_contact::PrivacyContact;
use passerelle_core::referral::{
    Answer, AnswerForm, MessageForm, ReferralForm, ReferralInput, ServiceForm, ServiceInput, parse_message,
};
use passerelle_core::retention::parse_rules;
use serde::Deserialize;
use time::macros::{date, datetime};

/// The case page's form: the core's fields plus the page's own (as `NewCaseForm`).
#[derive(Deserialize, Debug, Default)]
struct NewCaseForm {
    #[serde(default)]
    #[allow(dead_code)]
    screening: String,
    #[serde(default)]
    #[allow(dead_code)]
    hss_region: String,
    #[serde(flatten)]
    case: CaseForm,
}

/// The directory page's form (as `ProfileFields`).
#[derive(Debug, Default, Deserialize)]
struct ProfileFields {
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    populations: Vec<String>,
    #[serde(default)]
    languages: Vec<String>,
    #[serde(default)]
    languages_other: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    intake_phone: String,
    #[serde(default)]
    intake_email: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    accepts_referrals: String,
}

fn decode<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Option<T> {
    serde_html_form::from_bytes(body).ok()
}

fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).filter(|(k, _)| k != "csrf").map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn refused<T>(r: &Result<T, ValidationError>) {
    if let Err(e) = r {
        assert!(!e.fields.is_empty(), "a refusal that names no field");
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

const ORG_A: OrgId = OrgId(uuid::Uuid::from_u128(0xA));

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    match which % 12 {
        0 => {
            if let Some(f) = decode::<NewCaseForm>(body) {
                let r = CaseInput::parse(&f.case);
                refused(&r);
                if let Ok(c) = r {
                    let n = chars(&c.identity.given_name);
                    assert!((1..=120).contains(&n), "given name length {n}");
                    assert!(chars(&c.identity.family_name) <= 120);
                    assert!(c.stats.age_at_identification.is_none_or(|a| (0..=25).contains(&a)));
                    assert_eq!(CaseInput::parse(&f.case).ok(), Some(c));
                }
            }
        }
        1 => {
            if let Some(f) = decode::<ConsentForm>(body) {
                let blocked = pairs(body).iter().any(|(k, v)| k == "parent_access_blocked" && !v.is_empty());
                let ctx =
                    ConsentContext { from_org: ORG_A, parent_access_blocked: blocked, today: date!(2026 - 05 - 01) };
                let r = ConsentInput::parse(&f, &ctx);
                refused(&r);
                if let Ok(c) = r {
                    assert!(c.valid_from <= c.valid_until, "consent ends before it starts");
                    assert!(c.valid_until >= ctx.today, "consent already over");
                    assert!(!c.recipients.contains(&ORG_A), "consent to its own organization");
                    assert!(!c.categories.is_empty() && !c.purposes.is_empty() && !c.recipients.is_empty());
                }
            }
        }
        2 => {
            if let Some(f) = decode::<BasisForm>(body) {
                let now = datetime!(2026-05-01 12:00 UTC);
                let r = BasisInput::parse(&f, ORG_A, now);
                refused(&r);
                if let Ok(b) = r {
                    assert!(b.valid_until > b.recorded_at, "a basis that lapses before it is recorded");
                    assert!(!b.recipients.contains(&ORG_A));
                    assert!(!b.categories.is_empty() && !b.recipients.is_empty());
                    assert!(!b.justification.trim().is_empty());
                }
            }
        }
        3 => {
            if let Some(f) = decode::<ReferralForm>(body) {
                let r = ReferralInput::parse(&f);
                refused(&r);
                if let Ok(r) = r {
                    assert!(!r.categories.is_empty());
                    assert_eq!(r.note, r.note.trim());
                }
            }
        }
        4 => {
            if let Some(f) = decode::<AnswerForm>(body) {
                refused(&Answer::parse(&f));
            }
            if let Some(f) = decode::<MessageForm>(body) {
                let r = parse_message(&f);
                refused(&r);
                if let Ok(m) = r {
                    assert!(!m.trim().is_empty());
                }
            }
        }
        5 => {
            if let Some(f) = decode::<ServiceForm>(body) {
                refused(&ServiceInput::parse(&f));
            }
        }
        6 => {
            if let Some(f) = decode::<ProfileFields>(body) {
                let mut languages = f.languages.clone();
                languages.push(f.languages_other.clone());
                let form = ProfileForm {
                    services: f.services,
                    populations: f.populations,
                    languages,
                    hours: f.hours,
                    intake_phone: f.intake_phone,
                    intake_email: f.intake_email,
                    description: f.description,
                    accepts_referrals: !f.accepts_referrals.is_empty(),
                };
                let r = form.parse();
                refused(&r);
                if let Ok(p) = r {
                    assert!(!p.services.is_empty() && !p.languages.is_empty());
                    assert!(p.intake_phone.is_some() || p.intake_email.is_some());
                    // What the page shows again is accepted again, unchanged.
                    assert_eq!(p.to_form().parse().as_ref().ok(), Some(&p), "profile → form → profile changed it");
                }
            }
        }
        7 => {
            // The plan page reads raw pairs (`pages::plans::save_plan`).
            let pairs = pairs(body);
            let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str()).to_owned();
            let all = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
            let (whats, whos, dues) = (all("action_what"), all("action_who"), all("action_due"));
            let form = PlanForm {
                goals: one("goals"),
                child_participated: one("child_participated") == "on",
                child_agreed: one("child_agreed") == "on",
                preferred_language: one("preferred_language"),
                worker_gender: one("worker_gender"),
                not_shared: one("not_shared"),
                pace: one("pace"),
                actions: whats
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        (w.clone(), whos.get(i).cloned().unwrap_or_default(), dues.get(i).cloned().unwrap_or_default())
                    })
                    .collect(),
                review_date: one("review_date"),
            };
            let r = ServicePlan::parse(&form);
            refused(&r);
            if let Ok(p) = r {
                assert!(!p.goals.is_empty() && p.goals.len() <= 30);
                assert!(p.actions.iter().all(|a| is_date(&a.due) || a.due.is_empty()));
            }
        }
        8 => {
            let r = NeedsAssessment::parse(&pairs(body));
            refused(&r);
            if let Ok(n) = r {
                for e in &n.entries {
                    assert!(passerelle_core::plan::NEED_DOMAINS.contains(&e.domain.as_str()));
                }
            }
        }
        9 => {
            if let Some(f) = decode::<IncidentForm>(body) {
                let r = f.parse(date!(2026 - 05 - 01));
                refused(&r);
                if let Ok(i) = r {
                    assert!(i.discovered_on <= date!(2026 - 05 - 01), "an incident discovered in the future");
                    assert!(i.occurred_on.is_none_or(|o| o <= i.discovered_on));
                    assert!(i.people_affected >= 0);
                }
            }
        }
        10 => {
            if let Some(f) = decode::<RequestForm>(body) {
                let r = Request::parse(&f);
                refused(&r);
                if let Ok(r) = r {
                    assert!(!r.justification.contains(['\n', '\r']), "justification not on one line");
                }
            }
            if let Some(f) = decode::<ReviewForm>(body) {
                refused(&Review::parse(&f));
            }
        }
        _ => {
            if let Some(f) = decode::<PrivacyContact>(body) {
                let r = f.parse();
                refused(&r);
                if let Ok(c) = r {
                    assert_eq!(c.parse().as_ref().ok(), Some(&c), "a checked contact is not accepted again");
                }
            }
            refused(&parse_rules(&pairs(body)));
        }
    }
});

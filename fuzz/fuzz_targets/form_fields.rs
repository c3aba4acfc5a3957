//! The core checks that take separate strings (organizations, accounts, case profile, legal
//! holds, the directory filter, the statistics form's ε and year) fed with arbitrary
//! structured values (`arbitrary`), as a form or query string could carry them.
//!
//! Invariants: never a panic; what passes stays within the documented bounds; checking is
//! deterministic; refusals name fields only.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use passerelle_core::case::CaseProfile;
use passerelle_core::directory::{Filter, is_email, is_phone, parse_languages};
use passerelle_core::org::OrgInput;
use passerelle_core::retention::HoldInput;
use passerelle_core::user::NewUserInput;
use passerelle_stats::{MAX_EPSILON, parse_epsilon, parse_year};

#[derive(Arbitrary, Debug)]
enum Input {
    Org { name: String, org_type: String, regions: Vec<String> },
    User { username: String, display_name: String, roles: Vec<String>, locale: String },
    Profile { hss: String, kind: String, exploitation: Vec<String>, confirmed: bool },
    Hold { reason: String, reference: String },
    Directory { region: String, service: String, population: String, language: String, referrals_only: bool },
    Languages(Vec<String>),
    Contact(String),
    Statistics { epsilon: String, year: String },
}

fuzz_target!(|input: Input| {
    match input {
        Input::Org { name, org_type, regions } => {
            if let Ok(o) = OrgInput::parse(&name, &org_type, &regions) {
                assert!(!o.name.trim().is_empty() && o.name.chars().count() <= 200);
                assert_eq!(OrgInput::parse(&name, &org_type, &regions).ok().map(|x| x.name), Some(o.name));
            }
        }
        Input::User { username, display_name, roles, locale } => {
            if let Ok(u) = NewUserInput::parse(&username, &display_name, &roles, &locale) {
                assert!(!u.roles.is_empty(), "an account without a role");
                assert!(matches!(u.locale.as_str(), "fr" | "en"), "locale {:?}", u.locale);
                let n = u.username.chars().count();
                assert!((3..=64).contains(&n), "username length {n}");
                assert!(
                    u.username
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
                );
            }
        }
        Input::Profile { hss, kind, exploitation, confirmed } => {
            let _ = CaseProfile::parse(&hss, &kind, &exploitation, confirmed);
        }
        Input::Hold { reason, reference } => {
            if let Ok(h) = HoldInput::parse(&reason, &reference) {
                assert!(h.reference.chars().count() <= 500);
            }
        }
        Input::Directory { region, service, population, language, referrals_only } => {
            let _ = Filter::parse(&region, &service, &population, &language, referrals_only);
        }
        Input::Languages(values) => {
            if let Ok(l) = parse_languages(&values) {
                let mut dedup = l.clone();
                dedup.sort();
                dedup.dedup();
                assert_eq!(dedup.len(), l.len(), "duplicate language kept");
            }
        }
        Input::Contact(s) => {
            if is_email(&s) {
                assert!(s.contains('@') && !s.chars().any(char::is_whitespace));
            }
            let _ = is_phone(&s);
        }
        Input::Statistics { epsilon, year } => {
            if let Ok(e) = parse_epsilon(&epsilon) {
                // The ceiling (MAX_EPSILON) is the mechanism's to enforce: see below.
                assert!(e.is_finite() && e > 0.0, "ε {e} accepted");
                if e > MAX_EPSILON {
                    assert!(
                        passerelle_stats::DiscreteLaplace::with_epsilon(e).is_err(),
                        "ε {e} above the ceiling accepted"
                    );
                }
            }
            if let Ok(y) = parse_year(&year) {
                assert!(year.len() == 4 && y <= 9999, "year {y}");
            }
        }
    }
});

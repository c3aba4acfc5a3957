//! The screening questionnaire as posted by the page (`POST /screenings/new`,
//! `/screenings/{id}/edit`): an urlencoded body, split into pairs as the page does, then the
//! stage-1 verdict and the facts.
//!
//! Invariants: never a panic; accepted answers give facts within the contract that survive
//! the round trip facts → form → facts; an error names a question or a posted field name,
//! never a posted value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle_screening::{MAX_AGE_YEARS, facts_from_form, form_from_facts, parse_facts, stage1_outcome};

fuzz_target!(|data: &[u8]| {
    // As the page splits the body: its own fields aside, every other pair is an answer.
    let pairs: Vec<(String, String)> = form_urlencoded::parse(data)
        .filter(|(k, _)| !matches!(k.as_ref(), "csrf" | "region" | "version" | "action" | "notes"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let verdict = stage1_outcome(&pairs);
    match facts_from_form(&pairs) {
        Ok(facts) => {
            assert!(verdict.is_ok(), "facts accepted but the stage-1 verdict refused");
            assert!(facts.age_years.is_none_or(|a| a <= MAX_AGE_YEARS));
            let back = facts_from_form(&form_from_facts(&facts)).unwrap_or_else(|e| panic!("own form refused: {e:?}"));
            assert_eq!(back, facts, "facts → form → facts changed the facts");
            let json = facts.to_json().to_string();
            assert_eq!(parse_facts(&json).ok().as_ref(), Some(&facts));
        }
        Err(e) => {
            let named = pairs.iter().any(|(k, _)| *k == e.field)
                || passerelle_screening::instrument().questions().any(|q| q.name == e.field);
            assert!(named, "an error names neither a question nor a posted field");
        }
    }
});

//! The screening facts document (`screening evaluate`, `POST /api/v1/screenings/evaluate`):
//! strict parsing of arbitrary bytes, then the evaluation.
//!
//! Invariants: never a panic; an accepted document stays within the contract (age 0–120)
//! and reads back equal from its canonical form; the evaluation never panics and its JSON
//! output is stable; an error names a JSON pointer and its messages repeat no value of the
//! document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle_screening::{MAX_AGE_YEARS, evaluate, evaluate_json_bytes, parse_facts, parse_facts_bytes};

/// Collects the document's keys, and its string values that carry a character no message
/// template uses (so that finding one in a message can only mean the value was copied).
fn walk(v: &serde_json::Value, keys: &mut Vec<String>, odd: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => {
            if s.chars().count() >= 3 && s.chars().any(|c| "#$%@!*~|<>=+^`\\?&".contains(c)) {
                odd.push(s.clone());
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, keys, odd)),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                keys.push(k.clone());
                walk(x, keys, odd);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    match parse_facts_bytes(data) {
        Ok(facts) => {
            assert!(facts.age_years.is_none_or(|a| a <= MAX_AGE_YEARS), "age outside the contract");
            let canonical = facts.to_json().to_string();
            let again = parse_facts(&canonical).unwrap_or_else(|e| panic!("canonical form refused: {e:?}"));
            assert_eq!(again, facts, "canonical form does not read back equal");
            let first = evaluate(&facts);
            let second = evaluate(&again);
            assert_eq!(format!("{first:?}"), format!("{second:?}"), "evaluation not deterministic");
            assert!(evaluate_json_bytes(data).is_ok(), "parse accepted what evaluate_json refuses");
        }
        Err(e) => {
            assert!(e.field.is_empty() || e.field.starts_with('/'), "not a JSON pointer: {:?}", e.field);
            assert!(!e.message_en.is_empty() && !e.message_fr.is_empty());
            if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
                let (mut keys, mut odd) = (Vec::new(), Vec::new());
                walk(&doc, &mut keys, &mut odd);
                // The pointer is made of the document's keys and of list positions only.
                for segment in e.field.split('/').skip(1) {
                    let segment = segment.replace("~1", "/").replace("~0", "~");
                    assert!(
                        keys.contains(&segment) || segment.bytes().all(|b| b.is_ascii_digit()),
                        "a pointer segment that is neither a key nor a position"
                    );
                }
                for v in odd.iter().filter(|v| !keys.iter().any(|k| k.contains(v.as_str()))) {
                    assert!(
                        !e.message_en.contains(v.as_str()) && !e.message_fr.contains(v.as_str()),
                        "an error message repeats a value of the document"
                    );
                }
            }
            assert!(evaluate_json_bytes(data).is_err());
        }
    }
});

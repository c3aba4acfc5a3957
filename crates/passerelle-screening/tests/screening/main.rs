//! Integration tests of the screening crate: the contract's fixtures, each
//! rule and boundary, every kind of invalid input, the catalogue, the
//! instrument and its form, and properties over arbitrary facts.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a failed unwrap is a failed test, with its location")]

mod catalogue;
mod fixtures;
mod form;
mod instrument;
mod invalid;
mod properties;
mod rules;

use serde_json::Value;

/// Evaluates a facts document written as a `json!` value.
pub fn run(facts: &Value) -> Value {
    passerelle_screening::evaluate_json(&facts.to_string()).unwrap_or_else(|e| panic!("facts {facts} refused: {e}"))
}

/// The list under `key` as strings.
pub fn strings(result: &Value, key: &str) -> Vec<String> {
    result[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is not a list in {result}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

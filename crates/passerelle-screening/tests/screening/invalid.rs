//! Every kind of invalid facts document, with its exact code and pointer.

use passerelle_screening::{ErrorCode, Lang, evaluate_json, evaluate_json_bytes, parse_facts, parse_facts_bytes};
use serde_json::json;

#[track_caller]
fn refused(input: &str, code: &str, field: &str) {
    let err = parse_facts(input).expect_err(input);
    assert_eq!(err.code.as_str(), code, "code for {input}");
    assert_eq!(err.field, field, "field for {input}");
    assert!(!err.message_en.is_empty() && !err.message_fr.is_empty());
    assert_ne!(err.message_en, err.message_fr);
    // The same through the other entry points.
    assert_eq!(evaluate_json(input).unwrap_err(), err);
    let from_bytes = parse_facts_bytes(input.as_bytes()).unwrap_err();
    assert_eq!((from_bytes.code, &from_bytes.field), (err.code, &err.field));
    assert_eq!(evaluate_json_bytes(input.as_bytes()).unwrap_err().code, err.code);
}

#[test]
fn not_json() {
    for input in ["", "   ", "{", "not json", "{\"age_years\": 12,}", "{} {}", "{'age_years': 12}", "\u{feff}{}"] {
        refused(input, "invalid_json", "");
    }
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    refused(&deep, "invalid_json", "");
    let deep_inside = format!("{{\"acts\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    refused(&deep_inside, "invalid_json", "");
}

#[test]
fn not_an_object() {
    for input in ["[]", "[{}]", "null", "42", "\"facts\"", "true"] {
        refused(input, "not_an_object", "");
    }
}

#[test]
fn unknown_keys_anywhere() {
    refused(r#"{"foo": 1}"#, "unknown_field", "/foo");
    refused(r#"{"Age_years": 12}"#, "unknown_field", "/Age_years");
    refused(r#"{"consent": true}"#, "unknown_field", "/consent");
    refused(r#"{"a/b~c": 1}"#, "unknown_field", "/a~1b~0c");
    refused(r#"{"": 1}"#, "unknown_field", "/");
    refused(
        r#"{"movement": {"crossed_canadian_border": true, "teleported": true}}"#,
        "unknown_field",
        "/movement/teleported",
    );
}

#[test]
fn duplicate_keys() {
    refused(r#"{"age_years": 12, "age_years": 30}"#, "duplicate_field", "/age_years");
    refused(
        r#"{"movement": {"moved_within_canada": true, "moved_within_canada": false}}"#,
        "duplicate_field",
        "/movement/moved_within_canada",
    );
}

#[test]
fn values_outside_the_vocabulary() {
    refused(r#"{"acts": ["recruited", "transported", "flown"]}"#, "unknown_value", "/acts/2");
    refused(r#"{"acts": ["Recruited"]}"#, "unknown_value", "/acts/0");
    refused(r#"{"means": ["force", " threat"]}"#, "unknown_value", "/means/1");
    refused(r#"{"exploitation": ["sexual-services"]}"#, "unknown_value", "/exploitation/0");
    refused(r#"{"presenting_context": ["arrest"]}"#, "unknown_value", "/presenting_context/0");
    refused(r#"{"immigration_status": "tourist"}"#, "unknown_value", "/immigration_status");
    refused(r#"{"immigration_status": ""}"#, "unknown_value", "/immigration_status");
}

#[test]
fn indicators_outside_the_catalogue() {
    refused(r#"{"indicators": ["control.other", "control.nope"]}"#, "unknown_indicator", "/indicators/1");
    refused(r#"{"indicators": ["control"]}"#, "unknown_indicator", "/indicators/0");
    refused(r#"{"indicators": ["Control.other"]}"#, "unknown_indicator", "/indicators/0");
    refused(r#"{"indicators": ["weather.other"]}"#, "unknown_indicator", "/indicators/0");
    refused(r#"{"indicators": [3]}"#, "wrong_type", "/indicators/0");
}

#[test]
fn age_out_of_range() {
    refused(r#"{"age_years": -1}"#, "out_of_range", "/age_years");
    refused(r#"{"age_years": 121}"#, "out_of_range", "/age_years");
    refused(r#"{"age_years": 255}"#, "out_of_range", "/age_years");
    refused(r#"{"age_years": 256}"#, "out_of_range", "/age_years");
    refused(r#"{"age_years": 18446744073709551615}"#, "out_of_range", "/age_years");
    refused(r#"{"age_years": -9223372036854775808}"#, "out_of_range", "/age_years");
    assert!(parse_facts(r#"{"age_years": 0}"#).is_ok());
    assert!(parse_facts(r#"{"age_years": 120}"#).is_ok());
}

#[test]
fn age_of_wrong_type() {
    for age in ["12.5", "12.0", "1e1", "-1.5", "\"12\"", "true", "[12]", "{}", "1e400"] {
        let input = format!("{{\"age_years\": {age}}}");
        if age == "1e400" {
            // serde_json refuses numbers it cannot represent.
            refused(&input, "invalid_json", "");
        } else {
            refused(&input, "wrong_type", "/age_years");
        }
    }
}

#[test]
fn wrong_types_and_nulls() {
    for key in ["appears_minor", "fear_for_safety", "third_party_benefit", "immediate_danger"] {
        for value in ["\"yes\"", "1", "null", "[]"] {
            refused(&format!("{{\"{key}\": {value}}}"), "wrong_type", &format!("/{key}"));
        }
    }
    for key in ["acts", "means", "exploitation", "presenting_context", "indicators"] {
        for value in ["\"recruited\"", "null", "{}", "true"] {
            refused(&format!("{{\"{key}\": {value}}}"), "wrong_type", &format!("/{key}"));
        }
        refused(&format!("{{\"{key}\": [null]}}"), "wrong_type", &format!("/{key}/0"));
        refused(&format!("{{\"{key}\": [[]]}}"), "wrong_type", &format!("/{key}/0"));
    }
    refused(r#"{"immigration_status": null}"#, "wrong_type", "/immigration_status");
    refused(r#"{"immigration_status": ["citizen"]}"#, "wrong_type", "/immigration_status");
    refused(r#"{"movement": true}"#, "wrong_type", "/movement");
    refused(r#"{"movement": null}"#, "wrong_type", "/movement");
    refused(r#"{"movement": []}"#, "wrong_type", "/movement");
    refused(r#"{"movement": {"crossed_canadian_border": "yes"}}"#, "wrong_type", "/movement/crossed_canadian_border");
    refused(r#"{"movement": {"moved_within_canada": null}}"#, "wrong_type", "/movement/moved_within_canada");
}

#[test]
fn null_age_and_empty_values_are_valid() {
    for input in [
        "{}",
        r#"{"age_years": null}"#,
        r#"{"acts": [], "means": [], "exploitation": [], "presenting_context": [], "indicators": []}"#,
        r#"{"movement": {}}"#,
    ] {
        assert!(parse_facts(input).is_ok(), "{input}");
    }
}

#[test]
fn the_first_offending_field_in_document_order_is_named() {
    refused(r#"{"zzz": 1, "acts": ["bad"]}"#, "unknown_field", "/zzz");
    refused(r#"{"acts": ["bad"], "zzz": 1}"#, "unknown_value", "/acts/0");
    refused(r#"{"acts": ["recruited", "bad1", "bad2"]}"#, "unknown_value", "/acts/1");
    refused(
        r#"{"age_years": 15, "movement": {"moved_within_canada": 1}, "age_years": 300}"#,
        "wrong_type",
        "/movement/moved_within_canada",
    );
    refused(r#"{"age_years": 300, "acts": "x"}"#, "out_of_range", "/age_years");
}

#[test]
fn error_object_has_the_contract_shape() {
    let err = parse_facts(r#"{"acts": ["recruited", "flown"]}"#).unwrap_err();
    let doc = err.to_json();
    assert_eq!(doc["error"]["code"], "unknown_value");
    assert_eq!(doc["error"]["field"], "/acts/1");
    assert_eq!(doc["error"]["message"], err.message_en.as_str());
    assert_eq!(doc.as_object().unwrap().len(), 1);
    assert_eq!(doc["error"].as_object().unwrap().len(), 3);
    let fr = err.to_json_in(Lang::Fr);
    assert_eq!(fr["error"]["message"], err.message_fr.as_str());
    assert_eq!(fr["error"]["code"], doc["error"]["code"]);
    assert_eq!(err.code, ErrorCode::UnknownValue);
    assert_eq!(serde_json::to_value(err.code).unwrap(), json!("unknown_value"));
    assert!(err.to_string().contains("/acts/1"));
}

#[test]
fn messages_never_repeat_the_submitted_value() {
    let secret = "Jane-Doe-514-555-0199";
    for input in [
        format!(r#"{{"acts": ["{secret}"]}}"#),
        format!(r#"{{"indicators": ["{secret}"]}}"#),
        format!(r#"{{"immigration_status": "{secret}"}}"#),
        format!(r#"{{"age_years": "{secret}"}}"#),
    ] {
        let err = parse_facts(&input).unwrap_err();
        assert!(!err.message_en.contains(secret) && !err.message_fr.contains(secret), "{input}");
    }
}

#[test]
fn bytes_that_are_not_utf8_are_not_json() {
    let err = parse_facts_bytes(b"{\"acts\": [\"\xff\"]}").unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidJson);
    assert_eq!(err.field, "");
    let ok = evaluate_json_bytes(br#"{"age_years": 16, "acts": ["held"], "exploitation": ["forced_labour"]}"#).unwrap();
    assert_eq!(ok["classification"], "indicated");
}

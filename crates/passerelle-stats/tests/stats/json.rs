//! The JSON document against the contract (`shared/contracts/cli.md`, "Synthetic data and
//! statistics").

use std::collections::BTreeSet;

use passerelle_stats::{
    AgeBand, ChildRow, Exploitation, Gender, InternalExternal, PresentingSituation, PrivacyBudget, Publication,
    Quarter, ReferralSource, Region, publish,
};
use serde_json::{Value, json};

use crate::SplitMix64;

/// The contract's example, verbatim.
const CONTRACT_EXAMPLE: &str = r#"{"unit": "child", "epsilon": 1.0, "budget_remaining": 2.0,
 "tables": [{"name": "children_total", "dimensions": [],
             "cells": [{"key": {}, "value": 1234, "suppressed": false, "margin_95": 4.2}]},
            {"name": "by_region", "dimensions": ["region"],
             "cells": [{"key": {"region": "06"}, "value": null, "suppressed": true, "margin_95": 4.2}]}]}"#;

fn keys(value: &Value) -> BTreeSet<&str> {
    value.as_object().unwrap().keys().map(String::as_str).collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

fn sample_publication() -> Value {
    let child = ChildRow {
        region: Region::Montreal,
        age_band: AgeBand::FourteenFifteen,
        gender: Gender::Girl,
        internal_external: InternalExternal::Internal,
        exploitation: Exploitation::Sexual,
        presenting_situation: PresentingSituation::RunawayOrMissing,
        referral_source: ReferralSource::YouthProtection,
        period: "2026-Q3".parse::<Quarter>().unwrap(),
    };
    let rows = vec![child; 40];
    let release = publish(&rows, &PrivacyBudget::with_default_total("2026"), 1.0, &mut SplitMix64::new(9)).unwrap();
    serde_json::to_value(&release.publication).unwrap()
}

#[test]
fn the_contract_example_round_trips_unchanged() {
    let example: Value = serde_json::from_str(CONTRACT_EXAMPLE).unwrap();
    let parsed: Publication = serde_json::from_value(example.clone()).unwrap();
    assert_eq!(parsed.tables[0].cells[0].value, Some(1234));
    assert!(parsed.tables[1].cells[0].suppressed);
    assert_eq!(serde_json::to_value(&parsed).unwrap(), example);
}

#[test]
fn a_publication_has_exactly_the_contract_fields() {
    let document = sample_publication();
    assert_eq!(keys(&document), set(&["unit", "epsilon", "budget_remaining", "tables"]));
    assert_eq!(document["unit"], json!("child"));
    assert_eq!(document["epsilon"], json!(1.0));
    assert_eq!(document["budget_remaining"], json!(2.0));
    let tables = document["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 12);
    for table in tables {
        assert_eq!(keys(table), set(&["name", "dimensions", "cells"]));
        assert!(table["name"].is_string());
        let dimensions: BTreeSet<&str> =
            table["dimensions"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
        for cell in table["cells"].as_array().unwrap() {
            assert_eq!(keys(cell), set(&["key", "value", "suppressed", "margin_95"]));
            assert_eq!(keys(&cell["key"]), dimensions);
            assert!(cell["key"].as_object().unwrap().values().all(Value::is_string));
            let suppressed = cell["suppressed"].as_bool().unwrap();
            if suppressed {
                assert!(cell["value"].is_null());
            } else {
                assert!(cell["value"].as_u64().unwrap() >= 5);
            }
            assert!(cell["margin_95"].as_f64().unwrap() > 0.0);
        }
    }
    assert_eq!(tables[0]["name"], json!("children_total"));
    assert_eq!(tables[0]["dimensions"], json!([]));
    assert_eq!(tables[0]["cells"][0]["key"], json!({}));
    assert_eq!(tables[1]["name"], json!("by_region"));
    assert_eq!(tables[1]["dimensions"], json!(["region"]));
    assert_eq!(tables[1]["cells"][5]["key"], json!({"region": "06"}));
}

#[test]
fn a_document_with_an_extra_field_is_not_a_publication() {
    let mut example: Value = serde_json::from_str(CONTRACT_EXAMPLE).unwrap();
    example["tables"][0]["cells"][0]["child_id"] = json!("c-123");
    assert!(serde_json::from_value::<Publication>(example).is_err());
}

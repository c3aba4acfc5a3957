//! Properties over arbitrary valid facts (and arbitrary text).

use passerelle_screening::{
    Act, Exploitation, Facts, ImmigrationStatus, IndicatorId, Means, Movement, PresentingContext, evaluate,
    evaluate_json, indicators, parse_facts,
};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

fn indicator_ids() -> Vec<IndicatorId> {
    indicators().iter().map(|i| IndicatorId::parse(i.id).unwrap()).collect()
}

/// Arbitrary valid facts (also used by the form round-trip property).
pub fn arb_facts() -> impl Strategy<Value = Facts> {
    let people = (
        prop::option::of(0u8..=120),
        any::<bool>(),
        select(ImmigrationStatus::ALL),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    );
    let lists = (
        prop::collection::vec(select(Act::ALL), 0..5),
        prop::collection::vec(select(Means::ALL), 0..5),
        prop::collection::vec(select(Exploitation::ALL), 0..4),
        prop::collection::vec(select(PresentingContext::ALL), 0..4),
        prop::collection::vec(select(indicator_ids()), 0..6),
    );
    (people, lists).prop_map(
        |(
            (age_years, appears_minor, immigration_status, fear, benefit, crossed, moved, danger),
            (acts, means, exploitation, presenting_context, indicators),
        )| Facts {
            age_years,
            appears_minor,
            immigration_status,
            acts,
            means,
            exploitation,
            fear_for_safety: fear,
            third_party_benefit: benefit,
            movement: Movement { crossed_canadian_border: crossed, moved_within_canada: moved },
            presenting_context,
            indicators,
            immediate_danger: danger,
        },
    )
}

fn list(result: &Value, key: &str) -> Vec<String> {
    result[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

proptest! {
    #[test]
    fn evaluation_is_well_formed(facts in arb_facts()) {
        let result = evaluate(&facts).to_json();
        for key in ["exploitation", "indicator_domains", "flags", "legal_basis"] {
            let items = list(&result, key);
            let mut sorted = items.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(&items, &sorted, "{} not sorted/unique", key);
        }
        let concern = result["classification"] != "not_indicated";
        prop_assert_eq!(result["trafficking_type"].is_null(), !concern);
        if !concern {
            prop_assert!(list(&result, "legal_basis").is_empty());
        }
        let flags = list(&result, "flags");
        if flags.contains(&"report_to_youth_protection".to_owned()) {
            prop_assert_eq!(&result["minor"], &Value::Bool(true));
        }
        prop_assert_eq!(flags.contains(&"immediate_danger".to_owned()), facts.immediate_danger);
        let steps = result["next_steps"].to_string();
        prop_assert_eq!(steps.contains("1-833-900-1010"), concern);
        prop_assert_eq!(steps.contains("911"), facts.immediate_danger);
        for lang in ["fr", "en"] {
            prop_assert!(!result["explanation"][lang].as_str().unwrap().is_empty());
            prop_assert!(!result["next_steps"][lang].as_array().unwrap().is_empty());
        }
        prop_assert_eq!(
            result["next_steps"]["fr"].as_array().unwrap().len(),
            result["next_steps"]["en"].as_array().unwrap().len()
        );
    }

    #[test]
    fn facts_round_trip_through_json(facts in arb_facts()) {
        let text = facts.to_json().to_string();
        prop_assert_eq!(&parse_facts(&text).unwrap(), &facts);
        prop_assert_eq!(evaluate_json(&text).unwrap(), evaluate(&facts).to_json());
    }

    #[test]
    fn order_and_repeats_do_not_change_the_result(facts in arb_facts()) {
        let mut shuffled = facts.clone();
        shuffled.acts.reverse();
        shuffled.acts.extend(facts.acts.clone());
        shuffled.means.reverse();
        shuffled.means.extend(facts.means.clone());
        shuffled.exploitation.reverse();
        shuffled.exploitation.extend(facts.exploitation.clone());
        shuffled.presenting_context.reverse();
        shuffled.presenting_context.extend(facts.presenting_context.clone());
        shuffled.indicators.reverse();
        shuffled.indicators.extend(facts.indicators.clone());
        prop_assert_eq!(evaluate(&shuffled), evaluate(&facts));
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = evaluate_json(&text);
    }

    #[test]
    fn arbitrary_json_never_panics(value in arb_json()) {
        if let Err(e) = evaluate_json(&value.to_string()) {
            prop_assert!(e.field.is_empty() || e.field.starts_with('/'));
        }
    }
}

/// Random JSON whose keys are often the real ones, to reach deep checks.
fn arb_json() -> impl Strategy<Value = Value> {
    let keys = select(vec![
        "age_years",
        "appears_minor",
        "immigration_status",
        "acts",
        "means",
        "exploitation",
        "fear_for_safety",
        "third_party_benefit",
        "movement",
        "presenting_context",
        "indicators",
        "immediate_danger",
        "crossed_canadian_border",
        "moved_within_canada",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..200).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        select(vec!["recruited", "force", "citizen", "control.other", "runaway", "bad"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..4)
                .prop_map(|entries| { Value::Object(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()) }),
        ]
    })
}

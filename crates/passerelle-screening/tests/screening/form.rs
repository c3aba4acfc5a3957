//! The instrument's HTML form: reading posted pairs into facts, writing facts
//! back, and the stage-1 verdict.

use passerelle_screening::{
    Act, Facts, FormError, IndicatorId, Lang, QuestionKind, Stage1, evaluate, facts_from_form, form_from_facts,
    instrument, parse_facts, stage1_outcome,
};
use proptest::prelude::*;
use proptest::sample::select;

use crate::properties::arb_facts;

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[track_caller]
fn refused(pairs: &[(&str, &str)], field: &str, code: &str) -> FormError {
    let err = facts_from_form(&form(pairs)).expect_err("refused");
    assert_eq!((err.field.as_str(), err.code), (field, code), "{pairs:?}");
    // The verdict refuses the same form the same way.
    assert_eq!(stage1_outcome(&form(pairs)).unwrap_err(), err);
    assert!(!err.message(Lang::Fr).is_empty() && err.message(Lang::Fr) != err.message(Lang::En));
    err
}

fn stage1_names() -> Vec<&'static str> {
    instrument().stage1.iter().map(|q| q.name).collect()
}

#[test]
fn a_posted_assessment_becomes_the_facts() {
    let pairs = form(&[
        ("s1_danger", "no"),
        ("s1_recruited", "yes"),
        ("immediate_danger", "no"),
        ("presenting_context", "runaway"),
        ("age_years", "15"),
        ("appears_minor", "unknown"),
        ("immigration_status", "citizen"),
        ("indicators.recruitment", "recruitment.older_partner"),
        ("indicators.control", "control.no_control_of_money"),
        ("indicators.mobility", "mobility.hotels"),
        ("acts", "harboured"),
        ("means", ""),
        ("exploitation", "sexual_services"),
        ("third_party_benefit", "yes"),
        ("crossed_canadian_border", "no"),
        ("moved_within_canada", "yes"),
        ("notes_are_not_a_question", ""),
    ]);
    // The caller strips its own fields; an unknown one is refused.
    assert_eq!(
        facts_from_form(&pairs).unwrap_err(),
        FormError { field: "notes_are_not_a_question".into(), code: "unknown_field" }
    );
    let facts = facts_from_form(&pairs[..pairs.len() - 1]).unwrap();
    let expected = parse_facts(
        r#"{"presenting_context": ["runaway"], "age_years": 15, "immigration_status": "citizen",
            "indicators": ["recruitment.older_partner", "control.no_control_of_money", "mobility.hotels"],
            "acts": ["harboured", "recruited"], "exploitation": ["sexual_services"],
            "third_party_benefit": true, "movement": {"moved_within_canada": true}}"#,
    )
    .unwrap();
    assert_eq!(facts, expected);
    let result = evaluate(&facts).to_json();
    assert_eq!(result["classification"], "indicated");
}

#[test]
fn checkboxes_repeat_their_field() {
    let facts =
        facts_from_form(&form(&[("acts", "recruited"), ("acts", "harboured"), ("acts", "controlled_movements")]))
            .unwrap();
    assert_eq!(facts.acts, [Act::Recruited, Act::Harboured, Act::ControlledMovements]);
}

#[test]
fn a_stage1_yes_does_not_repeat_a_stage2_answer() {
    let facts = facts_from_form(&form(&[("acts", "recruited"), ("s1_recruited", "yes")])).unwrap();
    assert_eq!(facts.acts, [Act::Recruited]);
    let facts = facts_from_form(&form(&[("s1_control", "yes"), ("indicators.control", "control.quotas")])).unwrap();
    let ids: Vec<&str> = facts.indicators.iter().map(|i| i.as_str()).collect();
    assert_eq!(ids, ["control.quotas", "control.speaks_for_them"]);
    // "No" never removes a fact given elsewhere.
    let facts = facts_from_form(&form(&[("s1_fear", "no"), ("fear_for_safety", "yes")])).unwrap();
    assert!(facts.fear_for_safety);
}

#[test]
fn empty_values_and_unknown_answers_are_not_facts() {
    let mut pairs = Vec::new();
    for q in instrument().questions() {
        pairs.push((q.name, ""));
        if q.kind == QuestionKind::Multi {
            continue;
        }
        // A second, real answer to a single-answer question is still one answer.
        match q.kind {
            QuestionKind::YesNo => pairs.push((q.name, if q.is_stage1() { "unknown" } else { "no" })),
            QuestionKind::Single => pairs.push((q.name, "unknown")),
            QuestionKind::Age | QuestionKind::Multi => {}
        }
    }
    assert_eq!(facts_from_form(&form(&pairs)).unwrap(), Facts::default());
    assert_eq!(facts_from_form(&[]).unwrap(), Facts::default());
    for q in instrument().questions().filter(|q| q.kind == QuestionKind::YesNo) {
        for answer in ["no", "unknown"] {
            assert_eq!(facts_from_form(&form(&[(q.name, answer)])).unwrap(), Facts::default(), "{}", q.name);
        }
    }
}

#[test]
fn ages() {
    for (value, age) in [("0", Some(0)), ("7", Some(7)), ("17", Some(17)), ("120", Some(120)), ("", None)] {
        assert_eq!(facts_from_form(&form(&[("age_years", value)])).unwrap().age_years, age, "{value:?}");
    }
    for value in ["121", "-3", "1000", "99999999999999999999"] {
        refused(&[("age_years", value)], "age_years", "out_of_range");
    }
    for value in ["douze", "12.5", "1e1", " 12", "12 ", "+12", "null", "١٢"] {
        refused(&[("age_years", value)], "age_years", "wrong_type");
    }
}

#[test]
fn unknown_fields_are_refused_by_name() {
    for name in ["foo", "Acts", "acts ", "indicators", "indicators.unknown", "movement", "s1_", "s1_age", "notes", ""] {
        refused(&[(name, "yes")], name, "unknown_field");
        // Even empty: a field the instrument does not know is never ignored.
        refused(&[("acts", "recruited"), (name, "")], name, "unknown_field");
    }
}

#[test]
fn values_outside_the_choices_are_refused_without_echoing_them() {
    let secret = "Émilie Tremblay, 514-555-0199";
    for q in instrument().questions() {
        let code = if q.kind == QuestionKind::Age { "wrong_type" } else { "unknown_value" };
        let err = refused(&[(q.name, secret)], q.name, code);
        for text in
            [err.to_string(), err.message(Lang::Fr).to_owned(), err.message(Lang::En).to_owned(), format!("{err:?}")]
        {
            assert!(!text.contains("Émilie") && !text.contains("555"), "{text}");
        }
    }
    // A value of another question, or of another domain.
    refused(&[("acts", "force")], "acts", "unknown_value");
    refused(&[("means", "recruited")], "means", "unknown_value");
    refused(&[("immigration_status", "runaway")], "immigration_status", "unknown_value");
    refused(&[("indicators.control", "mobility.hotels")], "indicators.control", "unknown_value");
    refused(&[("indicators.control", "control.does_not_exist")], "indicators.control", "unknown_value");
    // Yes / no answers are exact.
    for value in ["Yes", "oui", "true", "1", "on", "don't know", " yes"] {
        refused(&[("fear_for_safety", value)], "fear_for_safety", "unknown_value");
        refused(&[("s1_fear", value)], "s1_fear", "unknown_value");
    }
    // The first offending pair is the one named.
    refused(&[("acts", "recruited"), ("means", "bad"), ("acts", "bad")], "means", "unknown_value");
}

#[test]
fn a_single_answer_question_takes_one_answer() {
    refused(&[("age_years", "12"), ("age_years", "13")], "age_years", "duplicate_field");
    refused(&[("appears_minor", "yes"), ("appears_minor", "no")], "appears_minor", "duplicate_field");
    refused(
        &[("immigration_status", "citizen"), ("immigration_status", "citizen")],
        "immigration_status",
        "duplicate_field",
    );
    refused(&[("s1_fear", "no"), ("s1_fear", "yes")], "s1_fear", "duplicate_field");
    // An empty value is no answer.
    let facts =
        facts_from_form(&form(&[("age_years", ""), ("age_years", "12"), ("s1_fear", ""), ("s1_fear", "yes")])).unwrap();
    assert_eq!(facts.age_years, Some(12));
    assert!(facts.fear_for_safety);
}

#[test]
fn form_from_facts_writes_known_stage2_answers_only() {
    let facts = parse_facts(
        r#"{"age_years": 16, "appears_minor": true, "immigration_status": "no_status",
            "acts": ["recruited", "held"], "means": ["threat"], "exploitation": ["forced_labour"],
            "fear_for_safety": true, "third_party_benefit": true,
            "movement": {"crossed_canadian_border": true, "moved_within_canada": false},
            "presenting_context": ["arrest_illegal_work"],
            "indicators": ["labour.little_or_no_pay", "control.quotas", "labour.cannot_leave"],
            "immediate_danger": false}"#,
    )
    .unwrap();
    let pairs = form_from_facts(&facts);
    let written: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    for expected in [
        ("age_years", "16"),
        ("appears_minor", "yes"),
        ("immigration_status", "no_status"),
        ("acts", "recruited"),
        ("acts", "held"),
        ("crossed_canadian_border", "yes"),
        ("indicators.labour", "labour.little_or_no_pay"),
        ("indicators.control", "control.quotas"),
    ] {
        assert!(written.contains(&expected), "{expected:?} missing from {written:?}");
    }
    assert!(!written.iter().any(|(k, _)| *k == "moved_within_canada" || *k == "immediate_danger"));
    assert!(!written.iter().any(|(k, _)| k.starts_with("s1_")));
    assert_eq!(facts_from_form(&pairs).unwrap(), facts);
    assert!(form_from_facts(&Facts::default()).is_empty());
}

#[test]
fn stage1_all_no_is_no_concern_yet() {
    let all_no: Vec<(&str, &str)> = stage1_names().into_iter().map(|n| (n, "no")).collect();
    assert_eq!(stage1_outcome(&form(&all_no)).unwrap(), Stage1::NoConcernYet);
    assert_eq!(facts_from_form(&form(&all_no)).unwrap(), Facts::default());
}

#[test]
fn stage1_any_yes_dont_know_or_blank_continues() {
    let names = stage1_names();
    for (i, name) in names.iter().enumerate() {
        for answer in ["yes", "unknown", ""] {
            let mut pairs: Vec<(&str, &str)> = names.iter().map(|&n| (n, "no")).collect();
            pairs[i] = (name, answer);
            assert_eq!(stage1_outcome(&form(&pairs)).unwrap(), Stage1::Continue, "{name}={answer:?}");
        }
        // A question left out.
        let pairs: Vec<(&str, &str)> = names.iter().filter(|&&n| n != *name).map(|&n| (n, "no")).collect();
        assert_eq!(stage1_outcome(&form(&pairs)).unwrap(), Stage1::Continue, "without {name}");
    }
    assert_eq!(stage1_outcome(&[]).unwrap(), Stage1::Continue);
    // Stage-2 answers play no part in the verdict.
    let mut pairs: Vec<(&str, &str)> = names.iter().map(|&n| (n, "no")).collect();
    pairs.push(("acts", "recruited"));
    assert_eq!(stage1_outcome(&form(&pairs)).unwrap(), Stage1::NoConcernYet);
}

#[test]
fn stage1_wire_names() {
    assert_eq!(Stage1::Continue.as_str(), "continue");
    assert_eq!(Stage1::NoConcernYet.to_string(), "no_concern_yet");
    assert_eq!(serde_json::to_value(Stage1::NoConcernYet).unwrap(), "no_concern_yet");
}

fn stage1_answer() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        3 => Just(Some("no")),
        1 => Just(Some("yes")),
        1 => Just(Some("unknown")),
        1 => Just(Some("")),
        1 => Just(None),
    ]
}

proptest! {
    #[test]
    fn form_round_trip_is_the_identity_on_facts(facts in arb_facts()) {
        let pairs = form_from_facts(&facts);
        for (name, value) in &pairs {
            let q = instrument().question(name);
            prop_assert!(q.is_some_and(|q| !q.is_stage1()), "{}", name);
            prop_assert!(!value.is_empty());
        }
        prop_assert_eq!(facts_from_form(&pairs).unwrap(), facts);
    }

    #[test]
    fn stage1_continues_unless_every_answer_is_no(
        answers in prop::collection::vec(stage1_answer(), 6),
        shuffle in any::<u64>(),
    ) {
        let names = stage1_names();
        let mut pairs: Vec<(&str, &str)> =
            names.iter().zip(&answers).filter_map(|(n, a)| a.map(|a| (*n, a))).collect();
        let turn = usize::try_from(shuffle % 7).unwrap().min(pairs.len());
        pairs.rotate_left(turn);
        let all_no = names.iter().enumerate().all(|(i, _)| answers.get(i).copied().flatten() == Some("no"));
        let expected = if all_no { Stage1::NoConcernYet } else { Stage1::Continue };
        prop_assert_eq!(stage1_outcome(&form(&pairs)).unwrap(), expected);
        // A "yes" anywhere gives facts; "no", "don't know" and blanks give none.
        let facts = facts_from_form(&form(&pairs)).unwrap();
        prop_assert_eq!(facts == Facts::default(), !pairs.iter().any(|(_, a)| *a == "yes"));
    }

    #[test]
    fn arbitrary_pairs_never_panic(
        pairs in prop::collection::vec(
            (
                select(vec!["acts", "age_years", "s1_fear", "indicators.online", "immigration_status", "x", "fear_for_safety"]),
                prop_oneof![
                    select(vec!["yes", "no", "unknown", "", "recruited", "online.ads", "citizen", "12", "200"])
                        .prop_map(str::to_owned),
                    ".{0,12}",
                ],
            ),
            0..8,
        )
    ) {
        let pairs: Vec<(String, String)> = pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        if let Err(e) = facts_from_form(&pairs) {
            prop_assert!(pairs.iter().any(|(k, _)| *k == e.field));
        }
        let _ = stage1_outcome(&pairs);
    }
}

#[test]
fn indicator_ids_round_trip_in_their_domain_question() {
    for i in passerelle_screening::indicators() {
        let id = IndicatorId::parse(i.id).unwrap();
        let facts = Facts { indicators: vec![id], ..Facts::default() };
        let pairs = form_from_facts(&facts);
        assert_eq!(pairs, [(format!("indicators.{}", i.domain), i.id.to_owned())]);
        assert_eq!(facts_from_form(&pairs).unwrap(), facts);
    }
}

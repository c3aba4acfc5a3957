//! One test per rule and boundary of the contract.

use passerelle_screening::{
    Act, AgeBasis, Classification, Facts, ImmigrationStatus, IndicatorId, Means, evaluate, evaluate_json, parse_facts,
};
use serde_json::{Value, json};

use crate::{run, strings};

fn classification(facts: &Value) -> String {
    run(facts)["classification"].as_str().unwrap().to_owned()
}

fn flags(facts: &Value) -> Vec<String> {
    strings(&run(facts), "flags")
}

fn legal(facts: &Value) -> Vec<String> {
    strings(&run(facts), "legal_basis")
}

/// A minor with an indicated situation and nothing else.
fn minor_indicated() -> Value {
    json!({"age_years": 15, "acts": ["transported"], "exploitation": ["forced_labour"]})
}

/// An adult with all three elements.
fn adult_indicated() -> Value {
    json!({"age_years": 25, "acts": ["transported"], "means": ["isolation"], "exploitation": ["forced_labour"]})
}

fn with(mut base: Value, extra: &Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

// Rule 1: minor and age basis.

#[test]
fn age_17_is_a_minor_and_18_is_not() {
    let r17 = run(&json!({"age_years": 17}));
    assert_eq!(r17["minor"], true);
    assert_eq!(r17["age_basis"], "stated");
    let r18 = run(&json!({"age_years": 18}));
    assert_eq!(r18["minor"], false);
    assert_eq!(r18["age_basis"], "stated");
}

#[test]
fn ages_0_and_120_are_accepted() {
    assert_eq!(run(&json!({"age_years": 0}))["minor"], true);
    assert_eq!(run(&json!({"age_years": 120}))["minor"], false);
}

#[test]
fn unknown_age_without_presumption_is_not_a_minor() {
    for facts in [json!({}), json!({"age_years": null}), json!({"age_years": null, "appears_minor": false})] {
        let r = run(&facts);
        assert_eq!(r["minor"], false, "{facts}");
        assert_eq!(r["age_basis"], "unknown", "{facts}");
    }
}

#[test]
fn unknown_age_with_presumption_is_a_presumed_minor() {
    for facts in [json!({"appears_minor": true}), json!({"age_years": null, "appears_minor": true})] {
        let r = run(&facts);
        assert_eq!(r["minor"], true, "{facts}");
        assert_eq!(r["age_basis"], "presumed", "{facts}");
    }
}

#[test]
fn stated_adult_age_with_presumption_is_a_presumed_minor() {
    for age in [18, 19, 30, 120] {
        let r = run(&json!({"age_years": age, "appears_minor": true}));
        assert_eq!(r["minor"], true, "age {age}");
        assert_eq!(r["age_basis"], "presumed", "age {age}");
    }
}

#[test]
fn stated_minor_age_with_presumption_stays_stated() {
    let r = run(&json!({"age_years": 17, "appears_minor": true}));
    assert_eq!(r["minor"], true);
    assert_eq!(r["age_basis"], "stated");
}

#[test]
fn presumed_minor_gets_the_child_rules() {
    // Act + purpose without means: indicated only under the child rules.
    let facts = json!({"age_years": 19, "appears_minor": true, "acts": ["held"], "exploitation": ["sexual_services"]});
    assert_eq!(classification(&facts), "indicated");
    let adult = json!({"age_years": 19, "acts": ["held"], "exploitation": ["sexual_services"]});
    assert_eq!(classification(&adult), "possible");
}

// Rule 2: classification.

#[test]
fn minor_act_and_purpose_is_indicated_without_means() {
    let r = run(&minor_indicated());
    assert_eq!(r["classification"], "indicated");
    assert_eq!(r["elements"], json!({"act": true, "means": false, "purpose": true}));
}

#[test]
fn minor_act_alone_or_purpose_alone_is_possible() {
    assert_eq!(classification(&json!({"age_years": 15, "acts": ["recruited"]})), "possible");
    assert_eq!(classification(&json!({"age_years": 15, "exploitation": ["forced_begging"]})), "possible");
}

#[test]
fn minor_means_alone_is_not_indicated() {
    let facts = json!({"age_years": 15, "means": ["document_confiscation", "threat"]});
    let r = run(&facts);
    assert_eq!(r["classification"], "not_indicated");
    assert_eq!(r["legal_basis"], json!([]));
    assert_eq!(r["trafficking_type"], Value::Null);
}

#[test]
fn indicator_domains_two_vs_one() {
    let two = json!({"age_years": 15, "indicators": ["control.several_phones", "mobility.hotels"]});
    let r = run(&two);
    assert_eq!(r["classification"], "possible");
    assert_eq!(r["indicator_domains"], json!(["control", "mobility"]));

    // Many indicators of a single domain are still one domain.
    let one = json!({"age_years": 15, "indicators": ["control.several_phones", "control.quotas", "control.other"]});
    let r = run(&one);
    assert_eq!(r["classification"], "not_indicated");
    assert_eq!(r["indicator_domains"], json!(["control"]));

    let adult_two =
        json!({"age_years": 30, "indicators": ["labour.little_or_no_pay", "identity_documents.documents_held"]});
    assert_eq!(classification(&adult_two), "possible");
    let adult_one = json!({"age_years": 30, "indicators": ["labour.little_or_no_pay", "labour.other"]});
    assert_eq!(classification(&adult_one), "not_indicated");
}

#[test]
fn arrest_for_prostitution_alone_makes_a_minor_possible() {
    let r = run(&json!({"age_years": 16, "presenting_context": ["arrest_prostitution"]}));
    assert_eq!(r["classification"], "possible");
    assert_eq!(r["flags"], json!(["non_punishment", "report_to_youth_protection"]));
    assert_eq!(r["legal_basis"], json!([]));
    assert_eq!(r["trafficking_type"], "internal");
    // Not for an adult, and not for the other arrests.
    assert_eq!(
        classification(&json!({"age_years": 20, "presenting_context": ["arrest_prostitution"]})),
        "not_indicated"
    );
    for other in ["arrest_immigration", "arrest_panhandling", "arrest_illegal_work", "arrest_drugs"] {
        let r = run(&json!({"age_years": 16, "presenting_context": [other]}));
        assert_eq!(r["classification"], "not_indicated", "{other}");
        assert_eq!(r["flags"], json!([]), "{other}");
    }
}

#[test]
fn adult_needs_all_three_elements() {
    assert_eq!(classification(&adult_indicated()), "indicated");
    let two_of_three = [
        json!({"age_years": 25, "acts": ["received"], "means": ["fraud"]}),
        json!({"age_years": 25, "acts": ["received"], "exploitation": ["domestic_servitude"]}),
        json!({"age_years": 25, "means": ["fraud"], "exploitation": ["domestic_servitude"]}),
    ];
    for facts in two_of_three {
        assert_eq!(classification(&facts), "possible", "{facts}");
    }
    let one = [
        json!({"age_years": 25, "acts": ["received"]}),
        json!({"age_years": 25, "means": ["fraud"]}),
        json!({"age_years": 25, "exploitation": ["domestic_servitude"]}),
        json!({"age_years": 25}),
    ];
    for facts in one {
        assert_eq!(classification(&facts), "not_indicated", "{facts}");
    }
}

#[test]
fn consent_is_not_a_fact() {
    // There is no key for consent: it can never change the result.
    let err = evaluate_json(r#"{"age_years": 16, "consent": true}"#).unwrap_err();
    assert_eq!(err.code.as_str(), "unknown_field");
    assert_eq!(err.field, "/consent");
    let r = run(&minor_indicated());
    assert!(r["explanation"]["en"].as_str().unwrap().contains("consent"));
    assert!(r["explanation"]["fr"].as_str().unwrap().contains("consentement"));
}

// Rule 3: trafficking type.

#[test]
fn trafficking_type_external_internal_or_null() {
    let external = with(minor_indicated(), &json!({"movement": {"crossed_canadian_border": true}}));
    assert_eq!(run(&external)["trafficking_type"], "external");
    let internal = with(minor_indicated(), &json!({"movement": {"moved_within_canada": true}}));
    assert_eq!(run(&internal)["trafficking_type"], "internal");
    // Movement is not required.
    assert_eq!(run(&minor_indicated())["trafficking_type"], "internal");
    let none = json!({"age_years": 15, "movement": {"crossed_canadian_border": true}});
    assert_eq!(run(&none)["trafficking_type"], Value::Null);
}

// Rule 4: flags.

#[test]
fn immediate_danger_flag_whatever_the_classification() {
    let r = run(&json!({"age_years": 40, "immediate_danger": true}));
    assert_eq!(r["classification"], "not_indicated");
    assert_eq!(r["flags"], json!(["immediate_danger"]));
    assert!(r["next_steps"]["en"][0].as_str().unwrap().contains("911"));
    assert!(r["next_steps"]["fr"][0].as_str().unwrap().contains("911"));

    let r = run(&with(minor_indicated(), &json!({"immediate_danger": false})));
    assert!(!strings(&r, "flags").contains(&"immediate_danger".to_owned()));
    let steps = r["next_steps"].to_string();
    assert!(!steps.contains("911"), "{steps}");
}

#[test]
fn youth_protection_flag() {
    let report = "report_to_youth_protection".to_owned();
    assert!(flags(&minor_indicated()).contains(&report));
    assert!(flags(&json!({"age_years": 15, "acts": ["recruited"]})).contains(&report));
    for context in ["runaway", "missing"] {
        let r = run(&json!({"age_years": 15, "presenting_context": [context]}));
        assert_eq!(r["classification"], "not_indicated", "{context}");
        assert_eq!(r["flags"], json!([report]), "{context}");
        assert!(r["next_steps"]["fr"].to_string().contains("signalement"));
        assert!(r["next_steps"]["fr"].to_string().contains("DPJ"));
        // Without a concern, no hotline step but a neutral one.
        assert!(!r["next_steps"].to_string().contains("1-833-900-1010"));
    }
    // Not for adults, not for a minor without concern nor runaway/missing.
    assert!(!flags(&adult_indicated()).contains(&report));
    assert!(!flags(&json!({"age_years": 25, "presenting_context": ["runaway", "missing"]})).contains(&report));
    assert!(!flags(&json!({"age_years": 15, "presenting_context": ["school", "shelter"]})).contains(&report));
}

#[test]
fn non_punishment_flag_needs_a_concern_and_an_arrest() {
    for arrest in
        ["arrest_prostitution", "arrest_immigration", "arrest_panhandling", "arrest_illegal_work", "arrest_drugs"]
    {
        let facts = with(adult_indicated(), &json!({"presenting_context": [arrest]}));
        assert_eq!(flags(&facts), ["non_punishment"], "{arrest}");
    }
    let no_arrest = with(adult_indicated(), &json!({"presenting_context": ["health_visit", "hotline", "other"]}));
    assert_eq!(flags(&no_arrest), Vec::<String>::new());
    let no_concern = json!({"age_years": 30, "presenting_context": ["arrest_drugs"]});
    assert_eq!(flags(&no_concern), Vec::<String>::new());
}

#[test]
fn temporary_resident_permit_flag() {
    let trp = "temporary_resident_permit".to_owned();
    let case = |status: &str, border: bool| {
        flags(&with(
            adult_indicated(),
            &json!({"immigration_status": status, "movement": {"crossed_canadian_border": border}}),
        ))
        .contains(&trp)
    };
    assert!(case("temporary_resident", false));
    assert!(case("no_status", false));
    assert!(case("unknown", true));
    assert!(!case("unknown", false));
    assert!(!case("citizen", true));
    assert!(!case("permanent_resident", true));
    assert!(!case("refugee_claimant", true));
    // Default status is unknown.
    let default_status = with(adult_indicated(), &json!({"movement": {"crossed_canadian_border": true}}));
    assert!(flags(&default_status).contains(&trp));
    // Never without a concern.
    let none =
        json!({"age_years": 30, "immigration_status": "no_status", "movement": {"crossed_canadian_border": true}});
    assert!(!flags(&none).contains(&trp));
}

#[test]
fn flag_next_steps_in_both_languages() {
    let all = with(
        minor_indicated(),
        &json!({"immediate_danger": true, "presenting_context": ["arrest_illegal_work"], "immigration_status": "no_status"}),
    );
    let r = run(&all);
    assert_eq!(
        r["flags"],
        json!(["immediate_danger", "non_punishment", "report_to_youth_protection", "temporary_resident_permit"])
    );
    let fr = r["next_steps"]["fr"].to_string();
    let en = r["next_steps"]["en"].to_string();
    for needle in ["911", "DPJ", "signalement", "38.1", "victime", "permis de séjour temporaire", "1-833-900-1010"] {
        assert!(fr.contains(needle), "fr lacks {needle}: {fr}");
    }
    for needle in
        ["911", "DPJ", "Youth Protection Act", "not as an offender", "temporary resident permit", "1-833-900-1010"]
    {
        assert!(en.contains(needle), "en lacks {needle}: {en}");
    }
    assert_eq!(r["next_steps"]["fr"].as_array().unwrap().len(), r["next_steps"]["en"].as_array().unwrap().len());
    // Most urgent first.
    assert!(r["next_steps"]["en"][0].as_str().unwrap().contains("911"));
    assert!(r["next_steps"]["en"][1].as_str().unwrap().contains("DPJ"));
}

#[test]
fn hotline_only_when_there_is_a_concern() {
    assert!(run(&minor_indicated())["next_steps"].to_string().contains("1-833-900-1010"));
    let possible = json!({"age_years": 30, "acts": ["recruited"], "means": ["fraud"]});
    assert!(run(&possible)["next_steps"].to_string().contains("1-833-900-1010"));
    let none = run(&json!({"age_years": 30}));
    assert!(!none["next_steps"].to_string().contains("1-833-900-1010"));
    assert_eq!(none["next_steps"]["en"].as_array().unwrap().len(), 1);
}

// Rule 5: legal basis.

#[test]
fn trafficking_provision_by_age() {
    assert_eq!(legal(&minor_indicated()), ["CC 279.011"]);
    assert_eq!(legal(&adult_indicated()), ["CC 279.01"]);
}

#[test]
fn adult_fear_for_safety_replaces_the_means_for_279_01() {
    let base = json!({"age_years": 25, "acts": ["held"], "exploitation": ["forced_labour"]});
    assert_eq!(classification(&base), "possible");
    assert_eq!(legal(&base), Vec::<String>::new());
    let fear = with(base, &json!({"fear_for_safety": true}));
    assert_eq!(classification(&fear), "possible");
    assert_eq!(legal(&fear), ["CC 279.01"]);
    assert!(run(&fear)["explanation"]["en"].as_str().unwrap().contains("279.04"));
}

#[test]
fn material_benefit_follows_the_trafficking_provision() {
    let tpb = json!({"third_party_benefit": true});
    assert_eq!(legal(&with(minor_indicated(), &tpb)), ["CC 279.011", "CC 279.02(2)"]);
    assert_eq!(legal(&with(adult_indicated(), &tpb)), ["CC 279.01", "CC 279.02(1)"]);
    // No trafficking provision, no benefit provision.
    let adult_possible =
        json!({"age_years": 25, "acts": ["recruited"], "means": ["fraud"], "third_party_benefit": true});
    assert_eq!(classification(&adult_possible), "possible");
    assert_eq!(legal(&adult_possible), Vec::<String>::new());
    let minor_possible = json!({"age_years": 15, "acts": ["recruited"], "third_party_benefit": true});
    assert_eq!(legal(&minor_possible), Vec::<String>::new());
}

#[test]
fn document_confiscation_provision_by_age() {
    let docs = json!({"means": ["document_confiscation"]});
    assert_eq!(legal(&with(minor_indicated(), &docs)), ["CC 279.011", "CC 279.03(2)"]);
    let adult = with(adult_indicated(), &json!({"means": ["document_confiscation"]}));
    assert_eq!(legal(&adult), ["CC 279.01", "CC 279.03(1)"]);
    // Adult possible with act and the confiscation only.
    let adult_possible = json!({"age_years": 25, "acts": ["received"], "means": ["document_confiscation"]});
    assert_eq!(legal(&adult_possible), ["CC 279.03(1)"]);
}

#[test]
fn sexual_services_provisions_for_minors() {
    let base = json!({"age_years": 15, "acts": ["transported"], "exploitation": ["sexual_services"]});
    assert_eq!(legal(&base), ["CC 279.011", "CC 286.1(2)"]);
    let tpb = with(base.clone(), &json!({"third_party_benefit": true}));
    assert_eq!(legal(&tpb), ["CC 279.011", "CC 279.02(2)", "CC 286.1(2)", "CC 286.2(2)"]);
    for act in ["recruited", "harboured", "held", "concealed", "controlled_movements"] {
        let facts = with(base.clone(), &json!({"acts": [act]}));
        assert_eq!(legal(&facts), ["CC 279.011", "CC 286.1(2)", "CC 286.3(2)"], "{act}");
    }
    for act in ["transported", "transferred", "received"] {
        let facts = with(base.clone(), &json!({"acts": [act]}));
        assert!(!legal(&facts).contains(&"CC 286.3(2)".to_owned()), "{act}");
    }
    // Purpose without act: possible, with the 286 provisions but not 279.011.
    let purpose_only = json!({"age_years": 15, "exploitation": ["sexual_services"], "third_party_benefit": true});
    assert_eq!(legal(&purpose_only), ["CC 286.1(2)", "CC 286.2(2)"]);
    // Never for adults.
    let adult = json!({"age_years": 25, "acts": ["held"], "means": ["force"], "exploitation": ["sexual_services"], "third_party_benefit": true});
    assert_eq!(legal(&adult), ["CC 279.01", "CC 279.02(1)"]);
}

#[test]
fn sexual_images_provision_for_minors_only() {
    let minor = json!({"age_years": 15, "acts": ["recruited"], "exploitation": ["sexual_images"]});
    assert_eq!(legal(&minor), ["CC 163.1", "CC 279.011"]);
    let adult = json!({"age_years": 25, "acts": ["recruited"], "means": ["threat"], "exploitation": ["sexual_images"]});
    assert_eq!(legal(&adult), ["CC 279.01"]);
}

#[test]
fn irpa_118_with_each_qualifying_means_and_a_border_crossing() {
    for means in ["abduction", "fraud", "deception", "force", "threat"] {
        let facts = json!({"age_years": 25, "acts": ["transported"], "means": [means], "exploitation": ["forced_labour"], "movement": {"crossed_canadian_border": true}});
        assert_eq!(legal(&facts), ["CC 279.01", "IRPA 118"], "{means}");
        let no_border = with(facts, &json!({"movement": {"moved_within_canada": true}}));
        assert_eq!(legal(&no_border), ["CC 279.01"], "{means} without border");
    }
    for means in [
        "abuse_of_power",
        "abuse_of_vulnerability",
        "payment_to_person_in_control",
        "debt_bondage",
        "drugs",
        "isolation",
    ] {
        let facts = json!({"age_years": 25, "acts": ["transported"], "means": [means], "exploitation": ["forced_labour"], "movement": {"crossed_canadian_border": true}});
        assert_eq!(legal(&facts), ["CC 279.01"], "{means}");
    }
    // Applies to minors too, whose means are otherwise not required.
    let minor =
        with(minor_indicated(), &json!({"means": ["deception"], "movement": {"crossed_canadian_border": true}}));
    assert_eq!(legal(&minor), ["CC 279.011", "IRPA 118"]);
}

#[test]
fn no_legal_basis_when_not_indicated() {
    let facts = json!({"age_years": 25, "means": ["deception", "document_confiscation"], "third_party_benefit": true, "fear_for_safety": true, "movement": {"crossed_canadian_border": true}});
    let r = run(&facts);
    assert_eq!(r["classification"], "not_indicated");
    assert_eq!(r["legal_basis"], json!([]));
    assert_eq!(r["flags"], json!([]));
}

// Determinism and list handling.

#[test]
fn repeated_and_reordered_values_give_the_same_result() {
    let plain = json!({
        "age_years": 14,
        "acts": ["recruited", "held"],
        "means": ["threat", "drugs"],
        "exploitation": ["sexual_services", "sexual_images"],
        "presenting_context": ["runaway", "arrest_drugs"],
        "indicators": ["online.ads", "control.quotas", "mobility.hotels"],
        "third_party_benefit": true,
    });
    let repeated = json!({
        "age_years": 14,
        "acts": ["held", "recruited", "held", "recruited"],
        "means": ["drugs", "threat", "drugs"],
        "exploitation": ["sexual_images", "sexual_services", "sexual_images", "sexual_services"],
        "presenting_context": ["arrest_drugs", "runaway", "runaway"],
        "indicators": ["mobility.hotels", "control.quotas", "online.ads", "control.quotas", "online.ads"],
        "third_party_benefit": true,
    });
    let a = run(&plain);
    let b = run(&repeated);
    assert_eq!(a, b);
    assert_eq!(a["exploitation"], json!(["sexual_images", "sexual_services"]));
    assert_eq!(a["indicator_domains"], json!(["control", "mobility", "online"]));
    assert_eq!(
        a["legal_basis"],
        json!(["CC 163.1", "CC 279.011", "CC 279.02(2)", "CC 286.1(2)", "CC 286.2(2)", "CC 286.3(2)"])
    );
    // And evaluating twice is stable.
    assert_eq!(run(&plain), a);
}

#[test]
fn key_order_does_not_matter() {
    let a = r#"{"age_years": 15, "acts": ["held"], "exploitation": ["forced_labour"], "movement": {"moved_within_canada": true, "crossed_canadian_border": true}}"#;
    let b = r#"{"movement": {"crossed_canadian_border": true, "moved_within_canada": true}, "exploitation": ["forced_labour"], "acts": ["held"], "age_years": 15}"#;
    assert_eq!(evaluate_json(a).unwrap(), evaluate_json(b).unwrap());
}

// Explanation.

#[test]
fn explanation_names_found_and_missing_elements() {
    let r = run(&json!({"age_years": 16, "acts": ["harboured"], "exploitation": ["sexual_services"]}));
    let en = r["explanation"]["en"].as_str().unwrap();
    let fr = r["explanation"]["fr"].as_str().unwrap();
    assert!(en.contains("act (harbouring)"), "{en}");
    assert!(en.contains("exploitative purpose (sexual services)"), "{en}");
    assert!(en.contains("Missing: means"), "{en}");
    assert!(en.contains("means are not required"), "{en}");
    assert!(en.contains("under 18"), "{en}");
    assert!(fr.contains("acte (hébergement)"), "{fr}");
    assert!(fr.contains("but d'exploitation (services sexuels)"), "{fr}");
    assert!(fr.contains("Élément manquant : moyen"), "{fr}");
    assert!(fr.contains("le moyen n'est pas requis"), "{fr}");
    assert!(fr.contains("mineure"), "{fr}");
}

#[test]
fn explanation_states_the_age_basis() {
    let presumed = run(&json!({"age_years": 19, "appears_minor": true}));
    assert!(presumed["explanation"]["en"].as_str().unwrap().contains("presumed"));
    assert!(presumed["explanation"]["fr"].as_str().unwrap().contains("présumée"));
    let unknown = run(&json!({}));
    assert!(unknown["explanation"]["en"].as_str().unwrap().contains("not known"));
    assert!(unknown["explanation"]["fr"].as_str().unwrap().contains("inconnu"));
    let infant = run(&json!({"age_years": 1}));
    assert!(infant["explanation"]["fr"].as_str().unwrap().contains("1 an,"));
}

#[test]
fn explanation_gives_the_reasons_for_possible() {
    let r = run(
        &json!({"age_years": 16, "presenting_context": ["arrest_prostitution"], "indicators": ["online.ads", "mobility.hotels"]}),
    );
    let en = r["explanation"]["en"].as_str().unwrap();
    assert!(en.contains("2 different domains"), "{en}");
    assert!(en.contains("prostitution-related arrest"), "{en}");
    let r = run(&json!({"age_years": 30, "acts": ["recruited"], "means": ["fraud"]}));
    assert!(r["explanation"]["en"].as_str().unwrap().contains("two of the three elements"));
    assert!(r["explanation"]["fr"].as_str().unwrap().contains("deux des trois éléments"));
}

// The typed API agrees with the JSON one.

#[test]
fn typed_api_matches_json_api() {
    let mut facts = Facts { age_years: Some(15), immigration_status: ImmigrationStatus::NoStatus, ..Facts::default() };
    facts.acts.push(Act::Recruited);
    facts.means.push(Means::Deception);
    facts.indicators.push(IndicatorId::parse("labour.cannot_leave").unwrap());
    let result = evaluate(&facts);
    assert_eq!(result.classification, Classification::Possible);
    assert_eq!(result.age_basis, AgeBasis::Stated);
    assert_eq!(serde_json::to_value(&result).unwrap(), result.to_json());
    assert_eq!(evaluate_json(&facts.to_json().to_string()).unwrap(), result.to_json());
    assert_eq!(parse_facts(&facts.to_json().to_string()).unwrap(), facts);
    let via_serde: Facts = serde_json::from_value(facts.to_json()).unwrap();
    assert_eq!(via_serde, facts);
    assert!(serde_json::from_str::<Facts>(r#"{"nope": 1}"#).is_err());
}

//! The indicator catalogue and the vocabularies.

use std::collections::HashSet;

use passerelle_screening::{
    Act, AgeBasis, CATALOGUE_VERSION, Classification, Domain, Exploitation, Flag, ImmigrationStatus, IndicatorId, Lang,
    LegalBasis, Means, PresentingContext, TraffickingType, catalogue_json, indicator, indicators, indicators_in,
    parse_facts,
};
use serde_json::json;

#[test]
fn catalogue_has_a_version() {
    assert!(!CATALOGUE_VERSION.trim().is_empty());
    assert_eq!(catalogue_json()["version"], CATALOGUE_VERSION);
}

#[test]
fn ids_are_unique_and_prefixed_by_their_domain() {
    let mut seen = HashSet::new();
    for i in indicators() {
        assert!(seen.insert(i.id), "duplicate {}", i.id);
        let (domain, name) = i.id.split_once('.').unwrap();
        assert_eq!(domain, i.domain.as_str(), "{}", i.id);
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{}",
            i.id
        );
    }
}

#[test]
fn every_domain_has_five_to_ten_indicators_and_other() {
    for &domain in Domain::ALL {
        let ids: Vec<&str> = indicators_in(domain).map(|i| i.id).collect();
        let other = format!("{domain}.other");
        assert!(ids.contains(&other.as_str()), "{domain} lacks .other");
        assert!((6..=11).contains(&ids.len()), "{domain}: {} entries", ids.len());
        assert!(indicator(&other).unwrap().is_other());
    }
    assert_eq!(indicators().iter().filter(|i| i.is_other()).count(), Domain::ALL.len());
}

#[test]
fn texts_are_present_in_both_languages() {
    for i in indicators() {
        for lang in Lang::ALL {
            assert!(!i.label.get(lang).trim().is_empty(), "{} label {lang:?}", i.id);
            assert!(!i.help.get(lang).trim().is_empty(), "{} help {lang:?}", i.id);
        }
        // Catches an untranslated copy.
        assert_ne!(i.help.fr, i.help.en, "{}", i.id);
    }
}

#[test]
fn every_catalogue_id_is_accepted_in_facts() {
    let all: Vec<&str> = indicators().iter().map(|i| i.id).collect();
    let facts = parse_facts(&json!({"indicators": all}).to_string()).unwrap();
    assert_eq!(facts.indicators.len(), all.len());
    for id in &all {
        assert_eq!(IndicatorId::parse(id).unwrap().as_str(), *id);
    }
}

#[test]
fn catalogue_json_lists_every_domain_and_indicator() {
    let doc = catalogue_json();
    let domains = doc["domains"].as_array().unwrap();
    assert_eq!(domains.len(), 9);
    let mut count = 0;
    for (d, &domain) in domains.iter().zip(Domain::ALL) {
        assert_eq!(d["domain"], domain.as_str());
        assert!(!d["label"]["fr"].as_str().unwrap().is_empty());
        for i in d["indicators"].as_array().unwrap() {
            assert!(i["id"].as_str().unwrap().starts_with(&format!("{domain}.")));
            assert!(i["help"]["fr"].is_string() && i["label"]["en"].is_string());
            count += 1;
        }
    }
    assert_eq!(count, indicators().len());
}

/// Checks, for one vocabulary: its wire names are exactly the contract's,
/// serde agrees with `as_str`, `parse` inverts it, and labels exist in both
/// languages.
macro_rules! check_vocabulary {
    ($ty:ty, [$($wire:literal),+ $(,)?]) => {{
        let want: Vec<&str> = vec![$($wire),+];
        let got: Vec<&str> = <$ty>::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(got, want, stringify!($ty));
        for &v in <$ty>::ALL {
            assert_eq!(serde_json::to_value(v).unwrap(), json!(v.as_str()));
            assert_eq!(serde_json::from_value::<$ty>(json!(v.as_str())).unwrap(), v);
            assert_eq!(<$ty>::parse(v.as_str()), Some(v));
            assert_eq!(v.to_string(), v.as_str());
            for lang in Lang::ALL {
                assert!(!v.label(lang).is_empty(), "{} {lang:?}", v.as_str());
            }
        }
        assert_eq!(<$ty>::parse("no such value"), None);
    }};
}

#[test]
fn facts_vocabularies_match_the_contract() {
    check_vocabulary!(
        ImmigrationStatus,
        ["citizen", "permanent_resident", "temporary_resident", "refugee_claimant", "no_status", "unknown"]
    );
    check_vocabulary!(
        Act,
        [
            "recruited",
            "transported",
            "transferred",
            "received",
            "harboured",
            "held",
            "concealed",
            "controlled_movements"
        ]
    );
    check_vocabulary!(
        Means,
        [
            "force",
            "threat",
            "abduction",
            "fraud",
            "deception",
            "abuse_of_power",
            "abuse_of_vulnerability",
            "payment_to_person_in_control",
            "debt_bondage",
            "drugs",
            "isolation",
            "document_confiscation"
        ]
    );
    check_vocabulary!(
        Exploitation,
        [
            "sexual_services",
            "sexual_images",
            "forced_labour",
            "forced_criminality",
            "forced_begging",
            "domestic_servitude",
            "forced_marriage",
            "organ_removal"
        ]
    );
    check_vocabulary!(
        PresentingContext,
        [
            "arrest_prostitution",
            "arrest_immigration",
            "arrest_panhandling",
            "arrest_illegal_work",
            "arrest_drugs",
            "runaway",
            "missing",
            "health_visit",
            "school",
            "shelter",
            "hotline",
            "other"
        ]
    );
    check_vocabulary!(
        Domain,
        [
            "recruitment",
            "control",
            "identity_documents",
            "mobility",
            "physical_health",
            "material_financial",
            "behavioural",
            "online",
            "labour"
        ]
    );
}

#[test]
fn result_vocabularies_match_the_contract() {
    check_vocabulary!(Classification, ["indicated", "possible", "not_indicated"]);
    check_vocabulary!(AgeBasis, ["stated", "presumed", "unknown"]);
    check_vocabulary!(TraffickingType, ["internal", "external"]);
    check_vocabulary!(
        Flag,
        ["immediate_danger", "report_to_youth_protection", "non_punishment", "temporary_resident_permit"]
    );
    check_vocabulary!(
        LegalBasis,
        [
            "CC 279.01",
            "CC 279.011",
            "CC 279.02(1)",
            "CC 279.02(2)",
            "CC 279.03(1)",
            "CC 279.03(2)",
            "CC 286.1(2)",
            "CC 286.2(2)",
            "CC 286.3(2)",
            "CC 163.1",
            "IRPA 118"
        ]
    );
    assert_eq!(ImmigrationStatus::default(), ImmigrationStatus::Unknown);
}

#[test]
fn arrests_are_exactly_the_arrest_contexts() {
    for &c in PresentingContext::ALL {
        assert_eq!(c.is_arrest(), c.as_str().starts_with("arrest_"), "{c}");
    }
}

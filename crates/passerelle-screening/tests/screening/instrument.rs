//! The instrument as data: version, shape, mapping onto the facts vocabulary,
//! and completeness in both languages.

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;

use passerelle_screening::{
    Act, Answer, CATALOGUE_VERSION, Domain, Exploitation, Facts, INSTRUMENT_VERSION, ImmigrationStatus, IndicatorId,
    Lang, Localized, Means, PresentingContext, Question, QuestionKind, Stage1, facts_from_form, indicator, indicators,
    indicators_in, instrument,
};
use serde_json::Value;

/// The data file, read as the build script reads it.
fn file() -> Value {
    serde_json::from_str(include_str!("../../instrument/instrument-v1.json")).unwrap()
}

fn stage2_questions() -> Vec<&'static Question> {
    instrument().stage2.iter().flat_map(|s| s.questions).collect()
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The facts keys answered by exactly one stage-2 question each, with the
/// kind of that question and the pointer of the fact.
const FACT_QUESTIONS: [(&str, QuestionKind, &str); 12] = [
    ("age_years", QuestionKind::Age, "/age_years"),
    ("appears_minor", QuestionKind::YesNo, "/appears_minor"),
    ("immigration_status", QuestionKind::Single, "/immigration_status"),
    ("acts", QuestionKind::Multi, "/acts"),
    ("means", QuestionKind::Multi, "/means"),
    ("exploitation", QuestionKind::Multi, "/exploitation"),
    ("fear_for_safety", QuestionKind::YesNo, "/fear_for_safety"),
    ("third_party_benefit", QuestionKind::YesNo, "/third_party_benefit"),
    ("crossed_canadian_border", QuestionKind::YesNo, "/movement/crossed_canadian_border"),
    ("moved_within_canada", QuestionKind::YesNo, "/movement/moved_within_canada"),
    ("presenting_context", QuestionKind::Multi, "/presenting_context"),
    ("immediate_danger", QuestionKind::YesNo, "/immediate_danger"),
];

#[test]
fn version_is_the_files_version() {
    let file = file();
    assert_eq!(file["version"], INSTRUMENT_VERSION);
    assert_eq!(instrument().version, INSTRUMENT_VERSION);
    let parts: Vec<&str> = INSTRUMENT_VERSION.split('.').collect();
    assert_eq!(parts.len(), 3, "{INSTRUMENT_VERSION}");
    assert!(parts.iter().all(|p| p.parse::<u32>().is_ok()), "{INSTRUMENT_VERSION}");
    // The instrument names the catalogue it was written for.
    assert_eq!(file["catalogue_version"], CATALOGUE_VERSION);
    assert_eq!(instrument().catalogue_version, CATALOGUE_VERSION);
}

#[test]
fn compiled_data_matches_the_file() {
    let file = file();
    let stage1: Vec<&str> =
        file["stage1"]["questions"].as_array().unwrap().iter().map(|q| q["name"].as_str().unwrap()).collect();
    assert_eq!(stage1, instrument().stage1.iter().map(|q| q.name).collect::<Vec<_>>());
    let sections = file["stage2"]["sections"].as_array().unwrap();
    assert_eq!(sections.len(), instrument().stage2.len());
    for (data, section) in sections.iter().zip(instrument().stage2) {
        assert_eq!(data["id"], section.id);
        assert_eq!(data["title"]["fr"], section.title.fr);
        let names: Vec<&str> =
            data["questions"].as_array().unwrap().iter().map(|q| q["name"].as_str().unwrap()).collect();
        assert_eq!(names, section.questions.iter().map(|q| q.name).collect::<Vec<_>>());
    }
}

#[test]
fn stage1_is_at_most_six_yes_no_questions() {
    let stage1 = instrument().stage1;
    assert!((1..=6).contains(&stage1.len()), "{} stage-1 questions", stage1.len());
    for q in stage1 {
        assert!(q.name.starts_with("s1_"), "{}", q.name);
        assert_eq!(q.kind, QuestionKind::YesNo, "{}", q.name);
        assert!(q.is_stage1() && q.fact_pointer().is_none(), "{}", q.name);
        assert!(q.choices.is_empty(), "{}", q.name);
        assert!(!q.implies.is_empty(), "{} maps to no fact", q.name);
    }
    for q in stage2_questions() {
        assert!(!q.is_stage1() && !q.name.starts_with("s1_"), "{}", q.name);
        assert!(q.implies.is_empty(), "{}", q.name);
    }
}

#[test]
fn names_and_section_ids_are_unique() {
    let mut names = HashSet::new();
    for q in instrument().questions() {
        assert!(names.insert(q.name), "duplicate question {}", q.name);
        assert!(
            q.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.'),
            "{}",
            q.name
        );
        assert_eq!(instrument().question(q.name), Some(q));
    }
    assert_eq!(names.len(), instrument().questions().count());
    let mut ids = HashSet::new();
    for s in instrument().stage2 {
        assert!(ids.insert(s.id), "duplicate section {}", s.id);
        assert!(s.id.starts_with("legal.") || s.id.starts_with("domain."), "{}", s.id);
        assert!(!s.questions.is_empty(), "{}", s.id);
    }
}

#[test]
fn every_facts_key_and_domain_has_exactly_one_question() {
    let mut expected: HashMap<String, (QuestionKind, &str)> =
        FACT_QUESTIONS.iter().map(|(name, kind, pointer)| ((*name).to_owned(), (*kind, *pointer))).collect();
    for domain in Domain::ALL {
        expected.insert(format!("indicators.{domain}"), (QuestionKind::Multi, "/indicators"));
    }
    let questions = stage2_questions();
    assert_eq!(questions.len(), expected.len());
    for q in questions {
        let (kind, pointer) = expected.remove(q.name).unwrap_or_else(|| panic!("unexpected question {}", q.name));
        assert_eq!(q.kind, kind, "{}", q.name);
        assert_eq!(q.fact_pointer(), Some(pointer), "{}", q.name);
    }
    assert!(expected.is_empty(), "no question for {expected:?}");
}

/// The choices of `name` are exactly the vocabulary `all`, each once.
#[track_caller]
fn choices_are_the_vocabulary<T: Copy + Eq + Debug>(name: &str, all: &[T], parse: fn(&str) -> Option<T>) {
    let q = instrument().question(name).unwrap();
    let mut seen = Vec::new();
    for c in q.choices {
        let value = parse(c.value).unwrap_or_else(|| panic!("{name}: {:?} is not in the vocabulary", c.value));
        assert!(!seen.contains(&value), "{name}: {:?} twice", c.value);
        seen.push(value);
    }
    for v in all {
        assert!(seen.contains(v), "{name}: no choice for {v:?}");
    }
}

#[test]
fn every_choice_is_a_valid_value_of_its_fact() {
    choices_are_the_vocabulary("acts", Act::ALL, Act::parse);
    choices_are_the_vocabulary("means", Means::ALL, Means::parse);
    choices_are_the_vocabulary("exploitation", Exploitation::ALL, Exploitation::parse);
    choices_are_the_vocabulary("presenting_context", PresentingContext::ALL, PresentingContext::parse);
    choices_are_the_vocabulary("immigration_status", ImmigrationStatus::ALL, ImmigrationStatus::parse);
    for domain in Domain::ALL {
        let name = format!("indicators.{domain}");
        let q = instrument().question(&name).unwrap();
        for c in q.choices {
            let id = IndicatorId::parse(c.value).unwrap_or_else(|| panic!("{name}: {} not in the catalogue", c.value));
            assert_eq!(id.domain(), *domain, "{name}: {}", c.value);
        }
    }
    for q in stage2_questions() {
        match q.kind {
            QuestionKind::YesNo | QuestionKind::Age => assert!(q.choices.is_empty(), "{}", q.name),
            QuestionKind::Multi | QuestionKind::Single => assert!(!q.choices.is_empty(), "{}", q.name),
        }
        // Each choice, posted alone, is a fact.
        for c in q.choices {
            let facts = facts_from_form(&form(&[(q.name, c.value)])).unwrap();
            if c.value == "unknown" {
                assert_eq!(facts, Facts::default(), "{}: unknown status is the default", q.name);
            } else {
                assert_ne!(facts, Facts::default(), "{}={} sets no fact", q.name, c.value);
            }
        }
    }
}

#[test]
fn every_indicator_is_in_exactly_one_question_with_the_catalogue_texts() {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for q in instrument().questions() {
        for c in q.choices.iter().filter(|c| indicator(c.value).is_some()) {
            *count.entry(c.value).or_default() += 1;
            let entry = indicator(c.value).unwrap();
            assert_eq!(q.name, format!("indicators.{}", entry.domain), "{}", c.value);
            assert_eq!(c.label, entry.label, "{} does not reuse the catalogue label", c.value);
            assert_eq!(c.help, Some(entry.help), "{} does not reuse the catalogue help", c.value);
        }
    }
    for i in indicators() {
        assert_eq!(count.get(i.id), Some(&1), "{} must be in exactly one question", i.id);
    }
    assert_eq!(count.len(), indicators().len());
    for domain in Domain::ALL {
        let name = format!("indicators.{domain}");
        let q = instrument().question(&name).unwrap();
        assert!(q.choice(&format!("{domain}.other")).is_some(), "{name} lacks {domain}.other");
        let ids: Vec<&str> = q.choices.iter().map(|c| c.value).collect();
        let catalogue: Vec<&str> = indicators_in(*domain).map(|i| i.id).collect();
        assert_eq!(ids, catalogue, "{name}: catalogue order");
        // Alone in its own section.
        let section = instrument().stage2.iter().find(|s| s.id == format!("domain.{domain}")).unwrap();
        assert_eq!(section.questions.len(), 1);
        assert_eq!(section.questions[0].name, name);
    }
}

/// Every text of the instrument, with where it is.
fn texts() -> Vec<(String, Localized<&'static str>)> {
    let i = instrument();
    let mut all = vec![("stage1 intro".to_owned(), i.stage1_intro), ("stage2 intro".to_owned(), i.stage2_intro)];
    for s in i.stage2 {
        all.push((format!("{} title", s.id), s.title));
        all.push((format!("{} intro", s.id), s.intro));
    }
    for q in i.questions() {
        all.push((format!("{} text", q.name), q.text));
        all.push((format!("{} help", q.name), q.help));
        for c in q.choices {
            all.push((format!("{}={} label", q.name, c.value), c.label));
            if let Some(help) = c.help {
                all.push((format!("{}={} help", q.name, c.value), help));
            }
        }
    }
    for a in Answer::ALL {
        all.push((format!("answer {}", a.as_str()), Localized { fr: a.label(Lang::Fr), en: a.label(Lang::En) }));
    }
    for s in [Stage1::Continue, Stage1::NoConcernYet] {
        all.push((format!("stage1 {s}"), Localized { fr: s.label(Lang::Fr), en: s.label(Lang::En) }));
    }
    all
}

#[test]
fn both_languages_are_complete_and_distinct() {
    // Words that give away a text left in the wrong language.
    const FRENCH: [&str; 7] = [" le ", " la ", " les ", " des ", " du ", " et ", " une "];
    const ENGLISH: [&str; 6] = [" the ", " and ", " of ", " with ", " were ", " someone "];
    let texts = texts();
    assert!(texts.len() > 150, "{} texts", texts.len());
    for (at, text) in texts {
        for (lang, s) in [("fr", text.fr), ("en", text.en)] {
            assert!(!s.trim().is_empty(), "{at}: empty {lang}");
            assert_eq!(s.trim(), s, "{at}: white space around {lang}");
        }
        assert_ne!(text.fr, text.en, "{at}: same text in both languages");
        let (fr, en) = (format!(" {} ", text.fr.to_lowercase()), format!(" {} ", text.en.to_lowercase()));
        assert!(!ENGLISH.iter().any(|w| fr.contains(w)), "{at}: English in the French text");
        assert!(!FRENCH.iter().any(|w| en.contains(w)), "{at}: French in the English text");
    }
    // Stage-1 help says how to answer when unsure (sensitivity first).
    for q in instrument().stage1 {
        assert!(q.help.fr.contains("Je ne sais pas") && q.help.en.contains("Don't know"), "{}", q.name);
    }
}

#[test]
fn questions_ask_what_the_professional_observed_or_was_told() {
    // Not a questionnaire read to the child: the questions address the
    // professional, and never the child.
    let facts_about_the_person = ["age_years", "appears_minor", "immigration_status", "presenting_context"];
    for q in instrument().questions().filter(|q| !facts_about_the_person.contains(&q.name)) {
        assert!(q.text.fr.starts_with("Avez-vous observé, ou vous a-t-on "), "{}: {}", q.name, q.text.fr);
        assert!(q.text.en.starts_with("Did you observe, or were you told"), "{}: {}", q.name, q.text.en);
    }
    for q in instrument().questions() {
        let fr = format!(" {} ", q.text.fr.to_lowercase());
        assert!(![" tu ", " t'", " ton ", " ta ", " tes "].iter().any(|w| fr.contains(w)), "{}", q.name);
        assert!(q.text.fr.ends_with('?') && q.text.en.ends_with('?'), "{}", q.name);
    }
}

#[test]
fn stage1_implications_are_stage2_answers() {
    for q in instrument().stage1 {
        for imp in q.implies {
            let target = instrument().question(imp.field).unwrap_or_else(|| panic!("{}: {}", q.name, imp.field));
            assert!(!target.is_stage1(), "{}", q.name);
            match target.kind {
                QuestionKind::YesNo => assert_eq!(imp.value, "yes", "{}", q.name),
                QuestionKind::Multi | QuestionKind::Single => {
                    assert!(target.choice(imp.value).is_some(), "{}: {}={}", q.name, imp.field, imp.value);
                }
                QuestionKind::Age => panic!("{}: implies an age", q.name),
            }
        }
    }
}

#[test]
fn stage1_yes_maps_to_the_documented_facts() {
    let control = IndicatorId::parse("control.speaks_for_them").unwrap();
    let expected: [(&str, Facts); 6] = [
        ("s1_danger", Facts { immediate_danger: true, ..Facts::default() }),
        ("s1_recruited", Facts { acts: vec![Act::Recruited], ..Facts::default() }),
        ("s1_control", Facts { indicators: vec![control], ..Facts::default() }),
        ("s1_sexual_exchange", Facts { exploitation: vec![Exploitation::SexualServices], ..Facts::default() }),
        ("s1_third_party_benefit", Facts { third_party_benefit: true, ..Facts::default() }),
        ("s1_fear", Facts { fear_for_safety: true, ..Facts::default() }),
    ];
    assert_eq!(instrument().stage1.len(), expected.len());
    for (q, (name, facts)) in instrument().stage1.iter().zip(expected) {
        assert_eq!(q.name, name);
        assert_eq!(facts_from_form(&form(&[(name, "yes")])).unwrap(), facts, "{name}");
        // The same as posting its implications as stage-2 answers.
        let implied: Vec<(&str, &str)> = q.implies.iter().map(|i| (i.field, i.value)).collect();
        assert_eq!(facts_from_form(&form(&implied)).unwrap(), facts, "{name}");
        for other in ["no", "unknown", ""] {
            assert_eq!(facts_from_form(&form(&[(name, other)])).unwrap(), Facts::default(), "{name}={other}");
        }
    }
}

#[test]
fn instrument_serializes_for_the_web_and_the_api() {
    let json = serde_json::to_value(instrument()).unwrap();
    assert_eq!(json["version"], INSTRUMENT_VERSION);
    assert_eq!(json["stage1"].as_array().unwrap().len(), instrument().stage1.len());
    assert_eq!(json["stage2"].as_array().unwrap().len(), instrument().stage2.len());
    let acts = &json["stage2"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["questions"].as_array().unwrap())
        .find(|q| q["name"] == "acts")
        .unwrap();
    assert_eq!(acts["kind"], "multi");
    assert_eq!(acts["choices"][0]["value"], "recruited");
    assert!(acts.get("target").is_none());
    assert_eq!(json["stage1"][0]["implies"][0]["field"], "immediate_danger");
}

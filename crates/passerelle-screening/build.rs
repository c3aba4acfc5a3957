//! Turns `catalogue/indicators.json` and `instrument/instrument-v1.json` into
//! static Rust data.
//!
//! Both files are checked here, at compile time, so that a malformed or
//! incomplete catalogue or instrument fails the build instead of surfacing as
//! a panic or an empty list on a professional's screen. The library then
//! holds them as `&'static` data with no parsing and no failure path at run
//! time. Choice values of the instrument are emitted as calls to the
//! vocabulary enums (`Act::Recruited.as_str()`), so a value outside the facts
//! vocabulary does not compile either.

use std::collections::HashSet;
use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

use serde_json::{Map, Value};

const SOURCE: &str = "catalogue/indicators.json";
const INSTRUMENT_SOURCE: &str = "instrument/instrument-v1.json";

/// The domains in the order of the `Domain` enum, with its variant names.
const DOMAINS: [(&str, &str); 9] = [
    ("recruitment", "Recruitment"),
    ("control", "Control"),
    ("identity_documents", "IdentityDocuments"),
    ("mobility", "Mobility"),
    ("physical_health", "PhysicalHealth"),
    ("material_financial", "MaterialFinancial"),
    ("behavioural", "Behavioural"),
    ("online", "Online"),
    ("labour", "Labour"),
];

/// Own indicators per domain, not counting `<domain>.other`.
const MIN_PER_DOMAIN: usize = 5;
const MAX_PER_DOMAIN: usize = 10;

type Res<T> = Result<T, Box<dyn Error>>;

fn main() -> Res<()> {
    let mut out = String::new();
    writeln!(out, "cargo::rerun-if-changed={SOURCE}")?;
    writeln!(out, "cargo::rerun-if-changed={INSTRUMENT_SOURCE}")?;
    writeln!(out, "cargo::rerun-if-changed=build.rs")?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;

    let text = fs::read_to_string(SOURCE)?;
    let root: Value = serde_json::from_str(&text).map_err(|e| format!("{SOURCE}: {e}"))?;
    let (code, catalogue) = generate(&root).map_err(|e| format!("{SOURCE}: {e}"))?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out_dir.join("catalogue.rs"), code)?;

    let text = fs::read_to_string(INSTRUMENT_SOURCE)?;
    let root: Value = serde_json::from_str(&text).map_err(|e| format!("{INSTRUMENT_SOURCE}: {e}"))?;
    let code = instrument::generate(&root, &catalogue).map_err(|e| format!("{INSTRUMENT_SOURCE}: {e}"))?;
    fs::write(out_dir.join("instrument.rs"), code)?;
    Ok(())
}

/// What the instrument needs from the catalogue: its version and, per domain
/// in enum order, each indicator's id and its label and help as Rust
/// expressions.
struct Catalogue {
    version: String,
    domains: Vec<Vec<CatalogueEntry>>,
}

struct CatalogueEntry {
    id: String,
    label: String,
    help: String,
}

fn object<'a>(value: &'a Value, at: &str, keys: &[&str]) -> Res<&'a Map<String, Value>> {
    let map = value.as_object().ok_or_else(|| format!("{at}: expected an object"))?;
    for key in map.keys() {
        if !keys.contains(&key.as_str()) {
            return Err(format!("{at}: unknown key {key:?}").into());
        }
    }
    for key in keys {
        if !map.contains_key(*key) {
            return Err(format!("{at}: missing key {key:?}").into());
        }
    }
    Ok(map)
}

fn text<'a>(value: &'a Value, at: &str) -> Res<&'a str> {
    let s = value.as_str().ok_or_else(|| format!("{at}: expected a string"))?;
    if s.trim().is_empty() {
        return Err(format!("{at}: empty text").into());
    }
    if s.trim() != s {
        return Err(format!("{at}: leading or trailing white space").into());
    }
    Ok(s)
}

/// A `{fr, en}` pair as a Rust expression; `{:?}` of a `str` is a valid Rust
/// string literal, which makes escaping exact.
fn localized(value: &Value, at: &str) -> Res<String> {
    let map = object(value, at, &["fr", "en"])?;
    let fr = text(&map["fr"], &format!("{at}/fr"))?;
    let en = text(&map["en"], &format!("{at}/en"))?;
    Ok(format!("Localized {{ fr: {fr:?}, en: {en:?} }}"))
}

fn generate(root: &Value) -> Res<(String, Catalogue)> {
    let root = object(root, "", &["version", "domains"])?;
    let version = text(&root["version"], "/version")?;
    let domains = root["domains"].as_array().ok_or("/domains: expected a list")?;
    if domains.len() != DOMAINS.len() {
        return Err(format!("/domains: expected {} domains", DOMAINS.len()).into());
    }

    let mut seen = HashSet::new();
    let mut catalogue = Catalogue { version: version.to_owned(), domains: Vec::new() };
    let mut code = String::new();
    writeln!(code, "/// The catalogue version (`version` in `{SOURCE}`).")?;
    writeln!(code, "pub const CATALOGUE_VERSION: &str = {version:?};")?;
    writeln!(code, "static INDICATORS: &[Indicator] = &[")?;
    for (d, (entry, (name, variant))) in domains.iter().zip(DOMAINS).enumerate() {
        let at = format!("/domains/{d}");
        let entry = object(entry, &at, &["domain", "indicators"])?;
        if entry["domain"].as_str() != Some(name) {
            return Err(format!("{at}/domain: expected {name:?} (enum order)").into());
        }
        let indicators = entry["indicators"].as_array().ok_or_else(|| format!("{at}/indicators: expected a list"))?;
        let prefix = format!("{name}.");
        let other = format!("{name}.other");
        let mut has_other = false;
        let mut entries = Vec::new();
        for (i, indicator) in indicators.iter().enumerate() {
            let at = format!("{at}/indicators/{i}");
            let map = object(indicator, &at, &["id", "label", "help"])?;
            let id = text(&map["id"], &format!("{at}/id"))?;
            let Some(short) = id.strip_prefix(&prefix) else {
                return Err(format!("{at}/id: {id:?} must start with {prefix:?}").into());
            };
            if short.is_empty() || !short.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(format!("{at}/id: {id:?} must be <domain>.<a-z0-9_>").into());
            }
            if !seen.insert(id.to_owned()) {
                return Err(format!("{at}/id: duplicate id {id:?}").into());
            }
            has_other |= id == other;
            let label = localized(&map["label"], &format!("{at}/label"))?;
            let help = localized(&map["help"], &format!("{at}/help"))?;
            writeln!(code, "    Indicator {{ id: {id:?}, domain: Domain::{variant}, label: {label}, help: {help} }},")?;
            entries.push(CatalogueEntry { id: id.to_owned(), label, help });
        }
        if !has_other {
            return Err(format!("{at}: missing {other:?}").into());
        }
        let own = indicators.len() - 1;
        if !(MIN_PER_DOMAIN..=MAX_PER_DOMAIN).contains(&own) {
            return Err(format!(
                "{at}: {own} indicators besides {other:?}, expected {MIN_PER_DOMAIN} to {MAX_PER_DOMAIN}"
            )
            .into());
        }
        catalogue.domains.push(entries);
    }
    writeln!(code, "];")?;
    Ok((code, catalogue))
}

/// The screening instrument: stage 1 (a short screen) and stage 2 (the full
/// assessment by section), every question mapped onto the facts document.
mod instrument {
    use std::collections::{HashMap, HashSet};
    use std::fmt::Write as _;

    use serde_json::{Map, Value};

    use super::{Catalogue, DOMAINS, INSTRUMENT_SOURCE, Res, text};

    /// At most this many stage-1 questions: a screen must stay short.
    const MAX_STAGE1: usize = 6;

    /// The stage-2 questions that set one facts key: form field name (the
    /// facts key), `Target` variant, question kind, and the vocabulary enum
    /// whose wire names are the choices.
    const FACT_QUESTIONS: [(&str, &str, &str, Option<&str>); 12] = [
        ("age_years", "AgeYears", "age", None),
        ("appears_minor", "AppearsMinor", "yes_no", None),
        ("immigration_status", "ImmigrationStatus", "single", Some("ImmigrationStatus")),
        ("acts", "Acts", "multi", Some("Act")),
        ("means", "Means", "multi", Some("Means")),
        ("exploitation", "Exploitation", "multi", Some("Exploitation")),
        ("fear_for_safety", "FearForSafety", "yes_no", None),
        ("third_party_benefit", "ThirdPartyBenefit", "yes_no", None),
        ("crossed_canadian_border", "CrossedCanadianBorder", "yes_no", None),
        ("moved_within_canada", "MovedWithinCanada", "yes_no", None),
        ("presenting_context", "PresentingContext", "multi", Some("PresentingContext")),
        ("immediate_danger", "ImmediateDanger", "yes_no", None),
    ];

    /// Question kinds as written in the file, with their `QuestionKind` variant.
    const KINDS: [(&str, &str); 4] = [("yes_no", "YesNo"), ("multi", "Multi"), ("single", "Single"), ("age", "Age")];

    /// What a stage-1 implication may point at: a stage-2 question's kind and
    /// the values it accepts.
    struct Known {
        kind: &'static str,
        values: HashSet<String>,
    }

    /// An object with exactly the `required` keys and possibly the `optional` ones.
    fn object<'a>(value: &'a Value, at: &str, required: &[&str], optional: &[&str]) -> Res<&'a Map<String, Value>> {
        let map = value.as_object().ok_or_else(|| format!("{at}: expected an object"))?;
        for key in map.keys() {
            if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
                return Err(format!("{at}: unknown key {key:?}").into());
            }
        }
        for key in required {
            if !map.contains_key(*key) {
                return Err(format!("{at}: missing key {key:?}").into());
            }
        }
        Ok(map)
    }

    fn list<'a>(value: &'a Value, at: &str) -> Res<&'a [Value]> {
        match value.as_array() {
            Some(items) if !items.is_empty() => Ok(items),
            Some(_) => Err(format!("{at}: empty list").into()),
            None => Err(format!("{at}: expected a list").into()),
        }
    }

    /// A `{fr, en}` pair as a Rust expression. Both texts must be present and
    /// differ: an English text left in the French slot (or the reverse) is
    /// an untranslated text.
    fn localized(value: &Value, at: &str) -> Res<String> {
        let map = object(value, at, &["fr", "en"], &[])?;
        let fr = text(&map["fr"], &format!("{at}/fr"))?;
        let en = text(&map["en"], &format!("{at}/en"))?;
        if fr == en {
            return Err(format!("{at}: the French and English texts are identical").into());
        }
        Ok(format!("Localized {{ fr: {fr:?}, en: {en:?} }}"))
    }

    fn is_snake(s: &str) -> bool {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !s.starts_with('_')
            && !s.ends_with('_')
            && !s.contains("__")
    }

    /// `payment_to_person_in_control` → `PaymentToPersonInControl`, the
    /// variant naming of the vocabulary enums.
    fn camel(snake: &str) -> String {
        snake
            .split('_')
            .map(|word| {
                let mut chars = word.chars();
                chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
            })
            .collect()
    }

    fn kind(value: &Value, at: &str) -> Res<&'static str> {
        let kind = text(value, at)?;
        KINDS
            .iter()
            .find(|(name, _)| *name == kind)
            .map(|(name, _)| *name)
            .ok_or_else(|| format!("{at}: unknown kind {kind:?}, expected one of yes_no, multi, single, age").into())
    }

    fn kind_variant(kind: &str) -> &'static str {
        KINDS.iter().find(|(name, _)| *name == kind).map_or("YesNo", |(_, variant)| variant)
    }

    fn version(value: &Value, at: &str) -> Res<String> {
        let version = text(value, at)?;
        let parts: Vec<&str> = version.split('.').collect();
        if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
            return Err(format!("{at}: {version:?} is not a MAJOR.MINOR.PATCH version").into());
        }
        Ok(version.to_owned())
    }

    pub(super) fn generate(root: &Value, catalogue: &Catalogue) -> Res<String> {
        let root = object(root, "", &["version", "catalogue_version", "stage1", "stage2"], &[])?;
        let version = version(&root["version"], "/version")?;
        let catalogue_version = version_of_catalogue(&root["catalogue_version"], catalogue)?;

        let mut names = HashSet::new();
        let mut known = HashMap::new();

        let stage2 = object(&root["stage2"], "/stage2", &["intro", "sections"], &[])?;
        let stage2_intro = localized(&stage2["intro"], "/stage2/intro")?;
        let stage2_code = sections(&stage2["sections"], catalogue, &mut names, &mut known)?;

        let stage1 = object(&root["stage1"], "/stage1", &["intro", "questions"], &[])?;
        let stage1_intro = localized(&stage1["intro"], "/stage1/intro")?;
        let questions = list(&stage1["questions"], "/stage1/questions")?;
        if questions.len() > MAX_STAGE1 {
            return Err(format!("/stage1/questions: {} questions, at most {MAX_STAGE1}", questions.len()).into());
        }
        let mut stage1_code = String::new();
        for (q, question) in questions.iter().enumerate() {
            let at = format!("/stage1/questions/{q}");
            stage1_code += &stage1_question(question, &at, &known, &mut names)?;
        }

        let mut code = String::new();
        writeln!(code, "/// The instrument version (`version` in `{INSTRUMENT_SOURCE}`).")?;
        writeln!(code, "pub const INSTRUMENT_VERSION: &str = {version:?};")?;
        writeln!(code, "static INSTRUMENT: Instrument = Instrument {{")?;
        writeln!(code, "    version: INSTRUMENT_VERSION,")?;
        writeln!(code, "    catalogue_version: {catalogue_version:?},")?;
        writeln!(code, "    stage1_intro: {stage1_intro},")?;
        writeln!(code, "    stage1: &[\n{stage1_code}    ],")?;
        writeln!(code, "    stage2_intro: {stage2_intro},")?;
        writeln!(code, "    stage2: &[\n{stage2_code}    ],")?;
        writeln!(code, "}};")?;
        Ok(code)
    }

    /// The instrument names the catalogue version it was written against, so
    /// that a change to the catalogue cannot silently change the instrument
    /// (whose version every stored screening records).
    fn version_of_catalogue(value: &Value, catalogue: &Catalogue) -> Res<String> {
        let at = "/catalogue_version";
        let stated = version(value, at)?;
        if stated != catalogue.version {
            return Err(format!(
                "{at}: the instrument was written for catalogue {stated:?} but the catalogue is {:?}; review the \
                 instrument, then update catalogue_version and the instrument version",
                catalogue.version
            )
            .into());
        }
        Ok(stated)
    }

    fn sections(
        value: &Value,
        catalogue: &Catalogue,
        names: &mut HashSet<String>,
        known: &mut HashMap<String, Known>,
    ) -> Res<String> {
        let sections = list(value, "/stage2/sections")?;
        let mut ids = HashSet::new();
        let mut code = String::new();
        for (s, section) in sections.iter().enumerate() {
            let at = format!("/stage2/sections/{s}");
            let map = object(section, &at, &["id", "title", "intro", "questions"], &[])?;
            let id = text(&map["id"], &format!("{at}/id"))?;
            let domain = if let Some(domain) = id.strip_prefix("domain.") {
                let index = DOMAINS
                    .iter()
                    .position(|(name, _)| *name == domain)
                    .ok_or_else(|| format!("{at}/id: {domain:?} is not an indicator domain"))?;
                Some(index)
            } else if id.strip_prefix("legal.").is_some_and(is_snake) {
                None
            } else {
                return Err(format!("{at}/id: {id:?} must be legal.<name> or domain.<domain>").into());
            };
            if !ids.insert(id.to_owned()) {
                return Err(format!("{at}/id: duplicate section {id:?}").into());
            }
            let title = localized(&map["title"], &format!("{at}/title"))?;
            let intro = localized(&map["intro"], &format!("{at}/intro"))?;
            let questions = list(&map["questions"], &format!("{at}/questions"))?;
            if domain.is_some() && questions.len() != 1 {
                return Err(format!("{at}/questions: a domain section holds exactly its indicators question").into());
            }
            let mut questions_code = String::new();
            for (q, question) in questions.iter().enumerate() {
                let at = format!("{at}/questions/{q}");
                questions_code += &stage2_question(question, &at, domain, catalogue, names, known)?;
            }
            writeln!(
                code,
                "        Section {{ id: {id:?}, title: {title}, intro: {intro}, questions: &[\n{questions_code}        ] }},"
            )?;
        }
        for (name, ..) in FACT_QUESTIONS {
            if !names.contains(name) {
                return Err(format!("/stage2: no question for the facts key {name:?}").into());
            }
        }
        for (domain, _) in DOMAINS {
            if !names.contains(&format!("indicators.{domain}")) {
                return Err(format!("/stage2: no section domain.{domain}").into());
            }
        }
        Ok(code)
    }

    fn stage2_question(
        value: &Value,
        at: &str,
        section_domain: Option<usize>,
        catalogue: &Catalogue,
        names: &mut HashSet<String>,
        known: &mut HashMap<String, Known>,
    ) -> Res<String> {
        let map = object(value, at, &["name", "kind", "text", "help"], &["choices"])?;
        let name = text(&map["name"], &format!("{at}/name"))?;
        let kind = kind(&map["kind"], &format!("{at}/kind"))?;
        let wording = localized(&map["text"], &format!("{at}/text"))?;
        let help = localized(&map["help"], &format!("{at}/help"))?;

        let (target, expected, vocabulary, domain) = if let Some(domain) = name.strip_prefix("indicators.") {
            let index = DOMAINS
                .iter()
                .position(|(d, _)| *d == domain)
                .ok_or_else(|| format!("{at}/name: {domain:?} is not an indicator domain"))?;
            (format!("Target::Indicators(Domain::{})", DOMAINS[index].1), "multi", None, Some(index))
        } else {
            let (_, variant, kind, vocabulary) = FACT_QUESTIONS
                .iter()
                .find(|(key, ..)| *key == name)
                .ok_or_else(|| format!("{at}/name: {name:?} is neither a facts key nor indicators.<domain>"))?;
            (format!("Target::{variant}"), *kind, *vocabulary, None)
        };
        if kind != expected {
            return Err(format!("{at}/kind: {name:?} must be {expected:?}").into());
        }
        if domain != section_domain {
            return Err(format!(
                "{at}/name: indicators.<domain> questions go in their domain.<domain> section, and only there"
            )
            .into());
        }
        if !names.insert(name.to_owned()) {
            return Err(format!("{at}/name: duplicate question {name:?}").into());
        }

        let mut values = HashSet::new();
        let mut choices = String::new();
        match (domain, vocabulary) {
            (Some(index), _) => {
                if map.contains_key("choices") {
                    return Err(format!("{at}/choices: indicator choices come from the catalogue").into());
                }
                let entries = catalogue.domains.get(index).ok_or_else(|| format!("{at}: catalogue domain missing"))?;
                for entry in entries {
                    values.insert(entry.id.clone());
                    let (id, label, help) = (&entry.id, &entry.label, &entry.help);
                    writeln!(
                        choices,
                        "                Choice {{ value: {id:?}, label: {label}, help: Some({help}) }},"
                    )?;
                }
            }
            (None, Some(vocabulary)) => {
                let items = list(map.get("choices").unwrap_or(&Value::Null), &format!("{at}/choices"))?;
                for (c, choice) in items.iter().enumerate() {
                    let at = format!("{at}/choices/{c}");
                    let map = object(choice, &at, &["value", "label"], &["help"])?;
                    let value = text(&map["value"], &format!("{at}/value"))?;
                    if !is_snake(value) {
                        return Err(format!("{at}/value: {value:?} is not a wire name").into());
                    }
                    if !values.insert(value.to_owned()) {
                        return Err(format!("{at}/value: duplicate choice {value:?}").into());
                    }
                    let label = localized(&map["label"], &format!("{at}/label"))?;
                    let help = match map.get("help") {
                        Some(help) => format!("Some({})", localized(help, &format!("{at}/help"))?),
                        None => "None".to_owned(),
                    };
                    // Not a string literal: a value outside the vocabulary
                    // is a compile error in the generated code.
                    let value = format!("{vocabulary}::{}.as_str()", camel(value));
                    writeln!(choices, "                Choice {{ value: {value}, label: {label}, help: {help} }},")?;
                }
            }
            (None, None) => {
                if map.contains_key("choices") {
                    return Err(format!("{at}/choices: a {kind} question has no choices").into());
                }
                if kind == "yes_no" {
                    values.insert("yes".to_owned());
                }
            }
        }
        known.insert(name.to_owned(), Known { kind, values });

        let variant = kind_variant(kind);
        Ok(format!(
            "            Question {{ name: {name:?}, kind: QuestionKind::{variant}, text: {wording}, help: {help}, \
             choices: &[\n{choices}            ], implies: &[], target: {target} }},\n"
        ))
    }

    fn stage1_question(
        value: &Value,
        at: &str,
        known: &HashMap<String, Known>,
        names: &mut HashSet<String>,
    ) -> Res<String> {
        let map = object(value, at, &["name", "kind", "text", "help", "implies"], &[])?;
        let name = text(&map["name"], &format!("{at}/name"))?;
        if !name.strip_prefix("s1_").is_some_and(is_snake) {
            return Err(format!("{at}/name: {name:?} must be s1_<name>").into());
        }
        if !names.insert(name.to_owned()) {
            return Err(format!("{at}/name: duplicate question {name:?}").into());
        }
        if kind(&map["kind"], &format!("{at}/kind"))? != "yes_no" {
            return Err(format!("{at}/kind: stage-1 questions are yes_no").into());
        }
        let wording = localized(&map["text"], &format!("{at}/text"))?;
        let help = localized(&map["help"], &format!("{at}/help"))?;
        let mut seen = HashSet::new();
        let mut implies = String::new();
        for (i, implication) in list(&map["implies"], &format!("{at}/implies"))?.iter().enumerate() {
            let at = format!("{at}/implies/{i}");
            let map = object(implication, &at, &["field", "value"], &[])?;
            let field = text(&map["field"], &format!("{at}/field"))?;
            let value = text(&map["value"], &format!("{at}/value"))?;
            let target = known.get(field).ok_or_else(|| format!("{at}/field: {field:?} is not a stage-2 question"))?;
            if !target.values.contains(value) {
                return Err(format!(
                    "{at}/value: {value:?} is not an answer of the {} question {field:?}{}",
                    target.kind,
                    if target.kind == "yes_no" { " (only \"yes\" sets a fact)" } else { "" }
                )
                .into());
            }
            if !seen.insert((field, value)) {
                return Err(format!("{at}: duplicate implication").into());
            }
            write!(implies, "Implication {{ field: {field:?}, value: {value:?} }}, ")?;
        }
        Ok(format!(
            "        Question {{ name: {name:?}, kind: QuestionKind::YesNo, text: {wording}, help: {help}, \
             choices: &[], implies: &[{implies}], target: Target::Stage1 }},\n"
        ))
    }
}

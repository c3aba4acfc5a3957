//! Turns `catalogue/indicators.json` into static Rust data.
//!
//! The catalogue is checked here, at compile time, so that a malformed or
//! incomplete catalogue fails the build instead of surfacing as a panic or an
//! empty list on a professional's screen. The library then holds the
//! catalogue as `&'static` data with no parsing and no failure path at run
//! time.

use std::collections::HashSet;
use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

use serde_json::{Map, Value};

const SOURCE: &str = "catalogue/indicators.json";

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
    writeln!(out, "cargo::rerun-if-changed=build.rs")?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;

    let text = fs::read_to_string(SOURCE)?;
    let root: Value = serde_json::from_str(&text).map_err(|e| format!("{SOURCE}: {e}"))?;
    let code = generate(&root).map_err(|e| format!("{SOURCE}: {e}"))?;
    let dest = PathBuf::from(env::var("OUT_DIR")?).join("catalogue.rs");
    fs::write(dest, code)?;
    Ok(())
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

fn generate(root: &Value) -> Res<String> {
    let root = object(root, "", &["version", "domains"])?;
    let version = text(&root["version"], "/version")?;
    let domains = root["domains"].as_array().ok_or("/domains: expected a list")?;
    if domains.len() != DOMAINS.len() {
        return Err(format!("/domains: expected {} domains", DOMAINS.len()).into());
    }

    let mut seen = HashSet::new();
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
    }
    writeln!(code, "];")?;
    Ok(code)
}

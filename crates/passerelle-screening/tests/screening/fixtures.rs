//! The worked examples of `shared/fixtures/screening/`, kept as a copy in
//! `tests/fixtures/` so the crate's tests stand alone.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::run;

const RESULT_KEYS: [&str; 11] = [
    "classification",
    "minor",
    "age_basis",
    "elements",
    "trafficking_type",
    "exploitation",
    "indicator_domains",
    "flags",
    "legal_basis",
    "explanation",
    "next_steps",
];

fn copy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/screening")
}

/// (file name, parsed document), sorted by name.
fn load(dir: &Path) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), doc)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_fixture_gives_its_expected_result() {
    let fixtures = load(&copy_dir());
    assert!(fixtures.len() >= 10, "expected the 10 contract fixtures, found {}", fixtures.len());
    for (name, doc) in &fixtures {
        let expected = doc["expected"].as_object().unwrap_or_else(|| panic!("{name}: no expected object"));
        // A fixture that forgot a key would silently test less.
        for key in &RESULT_KEYS[..9] {
            assert!(expected.contains_key(*key), "{name}: expected lacks {key}");
        }
        let result = run(&doc["facts"]);
        for (key, want) in expected {
            assert_eq!(&result[key], want, "{name}: key {key}");
        }
        let keys: Vec<&str> = result.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want_keys = RESULT_KEYS.to_vec();
        want_keys.sort_unstable();
        assert_eq!(keys, want_keys, "{name}: result keys");
        for lang in ["fr", "en"] {
            assert!(!result["explanation"][lang].as_str().unwrap().is_empty(), "{name}: empty {lang} explanation");
            let steps = result["next_steps"][lang].as_array().unwrap();
            assert!(!steps.is_empty(), "{name}: no {lang} next steps");
        }
    }
}

#[test]
fn copied_fixtures_match_the_shared_folder() {
    let shared = shared_dir();
    if !shared.is_dir() {
        eprintln!("skipped: {} is absent (the copy in tests/fixtures is used alone)", shared.display());
        return;
    }
    let copy = load(&copy_dir());
    let original = load(&shared);
    let names = |v: &[(String, Value)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&copy),
        names(&original),
        "tests/fixtures is out of date with shared/fixtures/screening: copy the files again"
    );
    for ((name, a), (_, b)) in copy.iter().zip(&original) {
        assert_eq!(a, b, "{name} differs from the shared fixture");
    }
}

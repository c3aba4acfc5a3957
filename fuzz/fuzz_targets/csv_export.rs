//! The CSV writer every export goes through (`passerelle_stats::csv`), fed arbitrary field
//! values: a value from a less controlled source tomorrow must not become a formula.
//!
//! Invariants: never a panic; an RFC 4180 reading of the written line gives back exactly as
//! many fields, each equal to the value or to `'` + the value when the value starts like a
//! formula, and no field read back starts like a formula.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle_stats::csv;

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Reads one CRLF-terminated RFC 4180 record.
fn read_line(s: &str) -> Vec<String> {
    let body = s.strip_suffix("\r\n").unwrap_or_else(|| panic!("line without CRLF"));
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = body.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                    assert!(matches!(chars.peek(), None | Some(',')), "text after a closing quote");
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
                continue;
            }
            '"' if at_start => quoted = true,
            '"' | '\n' | '\r' => panic!("unquoted special character"),
            _ => field.push(c),
        }
        at_start = false;
    }
    assert!(!quoted, "unterminated quote");
    fields.push(field);
    fields
}

fuzz_target!(|values: Vec<String>| {
    if values.is_empty() {
        return;
    }
    let line = csv::line(&values);
    let read = read_line(&line);
    assert_eq!(read.len(), values.len(), "the line splits into another number of fields");
    for (v, r) in values.iter().zip(&read) {
        if v.starts_with(FORMULA_STARTS) {
            assert_eq!(*r, format!("'{v}"));
        } else {
            assert_eq!(r, v);
        }
        assert!(!r.starts_with(FORMULA_STARTS), "a field still starts like a formula");
    }
    let doc = csv::document(&["a"], &[values.clone()]);
    assert!(doc.starts_with("a\r\n") && doc.ends_with(&line));
});

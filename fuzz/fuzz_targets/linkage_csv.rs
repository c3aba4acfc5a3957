//! The CSV files of `passerelle linkage link`: strict RFC 4180 parsing of arbitrary bytes,
//! then the encoding of what was accepted.
//!
//! Invariants: never a panic; accepted files give unique, non-blank record ids, one record
//! each; every accepted record encodes, and its stored form reads back equal; an error names
//! the file and a line but never a value (its problem is one of the fixed messages).
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle_linkage::{Encoding, LinkError, LinkageKey, encode, parse_records};

const PROBLEMS: [&str; 11] = [
    "not valid UTF-#",
    "empty file: expected the header rec_id,given_name,surname,dob,sex,postcode",
    "wrong header: expected rec_id,given_name,surname,dob,sex,postcode",
    "expected # fields, found #",
    "missing rec_id",
    "duplicate rec_id (first on line #)",
    "too many records",
    "unterminated quoted field",
    "carriage return outside a quoted field",
    "text after a closing quote",
    "quote inside an unquoted field",
];

fuzz_target!(|data: &[u8]| {
    match parse_records(data, "input.csv") {
        Ok(set) => {
            assert_eq!(set.ids.len(), set.records.len());
            let mut seen = std::collections::HashSet::new();
            for id in &set.ids {
                assert!(!id.trim().is_empty(), "blank rec_id accepted");
                assert!(seen.insert(id), "duplicate rec_id accepted");
            }
            let key = LinkageKey::from_bytes([7; 32]);
            for record in set.records.iter().take(64) {
                let enc = encode(&key, record);
                let back = Encoding::from_bytes(&enc.to_bytes()).unwrap_or_else(|| panic!("stored form refused"));
                assert_eq!(back.to_bytes(), enc.to_bytes());
            }
        }
        Err(LinkError::Input { file, line, problem }) => {
            assert_eq!(file, "input.csv");
            assert!(line >= 1);
            // Numbers (line numbers, counts) aside, the text is one of the fixed messages.
            let mut shape = String::new();
            for c in problem.chars() {
                if !c.is_ascii_digit() {
                    shape.push(c);
                } else if !shape.ends_with('#') {
                    shape.push('#');
                }
            }
            assert!(PROBLEMS.contains(&shape.as_str()), "unexpected problem text (a value?): {problem:?}");
        }
        Err(other) => panic!("parsing bytes failed otherwise than on the input: {other}"),
    }
});

//! The stored linkage encoding (`Encoding::from_bytes`): read back from the database after
//! unsealing, so a damaged or foreign value must be refused, never trusted or panicked on.
//!
//! Invariants: never a panic; whatever is accepted writes back to the same bytes (a first
//! version's, to the current form: version byte raised, no contact tokens) and has at most
//! `MAX_BLOCK_KEYS` block keys, of which at most `MAX_CONTACTS` contact tokens; comparing it with itself and with a fixed encoding does
//! not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passerelle_linkage::{Encoding, LinkageKey, MAX_BLOCK_KEYS, MAX_CONTACTS, Record, STORED_VERSION, encode};

fuzz_target!(|data: &[u8]| {
    if let Some(enc) = Encoding::from_bytes(data) {
        let expected = match data.first() {
            Some(&STORED_VERSION) => data.to_vec(),
            Some(&1) => {
                let mut v = data.to_vec();
                v[0] = STORED_VERSION;
                v.push(0);
                v
            }
            other => panic!("version {other:?} accepted"),
        };
        assert_eq!(enc.to_bytes(), expected, "accepted bytes do not write back the same");
        assert!(enc.block_keys().len() <= MAX_BLOCK_KEYS);
        assert!(enc.contact_keys().len() <= MAX_CONTACTS.min(enc.block_keys().len()));
        let _ = enc.weight();
        let other = encode(
            &LinkageKey::from_bytes([1; 32]),
            &Record { given_name: Some("Alex".into()), surname: Some("Tremblay".into()), ..Record::default() },
        );
        for (a, b) in [(&enc, &other), (&enc, &enc), (&other, &enc)] {
            let _ = passerelle_linkage::field_similarities(a, b);
            let w = passerelle_linkage::pair_weight(a, b);
            assert!(!w.is_nan(), "a stored encoding gives a NaN weight");
            let _ = passerelle_linkage::pair_score(a, b, 1000);
        }
        let _ = passerelle_linkage::link(std::slice::from_ref(&enc), std::slice::from_ref(&other), 0.0, 1);
    }
});

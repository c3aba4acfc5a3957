//! Blind indexes: keyed hashes of normalized values, stored next to an encrypted column so
//! that exact, accent- and case-insensitive lookups ("Émilie" finds "EMILIE") work without
//! decrypting.
//!
//! What they reveal: equal normalized values have equal indexes within one field, so the
//! database shows which rows share a value (and, with [`blind_tokens`], which share a word).
//! Nothing else without the key. Each field gets its own key so that equal values in two
//! columns cannot be correlated.

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use zeroize::Zeroizing;

use crate::keys::DataKey;
use crate::primitives::{hkdf_sha256, hmac_sha256};

/// Folds a value to its search form: compatibility decomposition (NFKD), combining marks
/// (accents) dropped, lowercase, ligatures spelt out (œ → oe, æ → ae, ß → ss), everything
/// that is not a letter or digit (hyphens, apostrophes, punctuation, symbols) turned into a
/// space, whitespace collapsed and trimmed.
///
/// So `"Côté-Tremblay"`, `"cote tremblay"` and `"  COTE   TREMBLAY "` all give
/// `"cote tremblay"`, and `"O'Neil"` gives `"o neil"`. Meant for names and words; values
/// where punctuation is significant (e-mail addresses, file numbers) would collide more
/// than intended, so index those exactly instead.
pub fn normalize(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    // Lowercasing first: some lowercase forms decompose further (e.g. 'İ' → "i\u{307}").
    for c in value.chars().flat_map(char::to_lowercase).nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The key for one field's blind index, derived from a system [`DataKey`].
#[derive(Clone)]
pub struct BlindIndexKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for BlindIndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindIndexKey([redacted])")
    }
}

impl BlindIndexKey {
    /// Derives the key of `table.column` (HKDF-SHA256, `info` =
    /// `"passerelle/v1/blind/<table>.<column>"`).
    ///
    /// `table` and `column` are SQL identifiers and must not contain `.`; otherwise
    /// `("a.b", "c")` and `("a", "b.c")` would share a key. Changing either name changes the
    /// key, and every stored index of the field must then be recomputed.
    pub fn derive(key: &DataKey, table: &str, column: &str) -> Self {
        let info = format!("passerelle/v1/blind/{table}.{column}");
        Self(hkdf_sha256(key.as_bytes(), info.as_bytes()))
    }
}

/// The blind index of a whole value: HMAC-SHA256 of its [`normalize`]d form.
pub fn blind_index(key: &BlindIndexKey, value: &str) -> [u8; 32] {
    let normalized = Zeroizing::new(normalize(value));
    hmac_sha256(key.0.as_slice(), &[normalized.as_bytes()])
}

/// One blind index per distinct word of the normalized value, sorted (so stored order
/// reveals nothing about word order), for word search: a row matches the query word `w`
/// when its tokens contain `blind_index(key, w)`.
pub fn blind_tokens(key: &BlindIndexKey, value: &str) -> Vec<[u8; 32]> {
    let normalized = Zeroizing::new(normalize(value));
    let mut tokens: Vec<[u8; 32]> = normalized
        .split(' ')
        .filter(|word| !word.is_empty())
        .map(|word| hmac_sha256(key.0.as_slice(), &[word.as_bytes()]))
        .collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::from_bytes([9; 32])
    }

    #[test]
    fn normalize_examples() {
        assert_eq!(normalize("Émilie"), "emilie");
        assert_eq!(normalize(" EMILIE "), "emilie");
        assert_eq!(normalize("Côté-Tremblay"), "cote tremblay");
        assert_eq!(normalize("  cote \t  TREMBLAY\n"), "cote tremblay");
        assert_eq!(normalize("O'Neil"), "o neil");
        assert_eq!(normalize("D’Amours"), "d amours");
        assert_eq!(normalize("Cœur"), "coeur");
        assert_eq!(normalize("ÇA, ÇA!"), "ca ca");
        assert_eq!(normalize("ﬁlle"), "fille");
        assert_eq!(normalize("--"), "");
        assert_eq!(normalize(""), "");
        // A decomposed input (as typed on some systems) folds like the composed one.
        assert_eq!(normalize("E\u{301}milie"), "emilie");
        assert_eq!(normalize("İsa"), "isa");
    }

    #[test]
    fn index_is_accent_and_case_insensitive() {
        let k = BlindIndexKey::derive(&key(), "people", "first_name");
        let a = blind_index(&k, "Émilie");
        assert_eq!(a, blind_index(&k, "emilie"));
        assert_eq!(a, blind_index(&k, " EMILIE "));
        assert_ne!(a, blind_index(&k, "Emily"));
        assert_eq!(blind_index(&k, "Côté-Tremblay"), blind_index(&k, "cote tremblay"));
    }

    #[test]
    fn fields_and_keys_are_separated() {
        let first = BlindIndexKey::derive(&key(), "people", "first_name");
        let last = BlindIndexKey::derive(&key(), "people", "last_name");
        let other_table = BlindIndexKey::derive(&key(), "contacts", "first_name");
        let other_key = BlindIndexKey::derive(&DataKey::from_bytes([10; 32]), "people", "first_name");
        let value = "Émilie";
        let index = blind_index(&first, value);
        assert_ne!(index, blind_index(&last, value));
        assert_ne!(index, blind_index(&other_table, value));
        assert_ne!(index, blind_index(&other_key, value));
    }

    #[test]
    fn index_is_keyed_hmac_of_normalized() {
        let k = BlindIndexKey::derive(&key(), "people", "first_name");
        assert_eq!(blind_index(&k, "Émilie"), hmac_sha256(k.0.as_slice(), &[b"emilie"]));
        assert_ne!(blind_index(&k, "emilie"), crate::random::token_digest("emilie"));
    }

    #[test]
    fn tokens_dedup_and_sort() {
        let k = BlindIndexKey::derive(&key(), "people", "full_name");
        let tokens = blind_tokens(&k, "Marie-Ève Côté, marie COTÉ");
        assert_eq!(tokens.len(), 3);
        assert!(tokens.windows(2).all(|w| w[0] < w[1]));
        for word in ["marie", "Ève", "cote"] {
            assert!(tokens.contains(&blind_index(&k, word)), "{word}");
        }
        assert_eq!(tokens, blind_tokens(&k, "cote eve MARIE"));
        assert!(blind_tokens(&k, " - ").is_empty());
    }

    #[test]
    fn debug_is_redacted() {
        let k = BlindIndexKey::derive(&key(), "t", "c");
        assert_eq!(format!("{k:?}"), "BlindIndexKey([redacted])");
    }
}

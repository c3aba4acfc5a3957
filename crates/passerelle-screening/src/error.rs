//! The error returned for a facts document that cannot be evaluated.

use std::fmt;

use serde::Serialize;

use crate::lang::Lang;

/// Why a facts document was refused. The wire name is the `code` of the error
/// object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The input is not JSON at all (syntax error, trailing text, empty input).
    InvalidJson,
    /// The document is JSON but not an object.
    NotAnObject,
    /// A key that the contract does not define, at any depth.
    UnknownField,
    /// The same key twice in one object. Refused because JSON parsers disagree
    /// on which copy wins, and a silently dropped fact could change a child's
    /// outcome.
    DuplicateField,
    /// A value of the wrong JSON type (including `null` where only
    /// `age_years` accepts it, and a number with a fraction or exponent for
    /// the age).
    WrongType,
    /// A string outside the key's vocabulary.
    UnknownValue,
    /// `age_years` is a whole number outside 0–120.
    OutOfRange,
    /// An indicator id that is not in the catalogue.
    UnknownIndicator,
}

impl ErrorCode {
    /// The wire name, e.g. `unknown_field`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::NotAnObject => "not_an_object",
            Self::UnknownField => "unknown_field",
            Self::DuplicateField => "duplicate_field",
            Self::WrongType => "wrong_type",
            Self::UnknownValue => "unknown_value",
            Self::OutOfRange => "out_of_range",
            Self::UnknownIndicator => "unknown_indicator",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A facts document refused by [`crate::parse_facts`], naming the first
/// offending field.
///
/// Messages never repeat the submitted value: the input may contain personal
/// information, and error bodies end up in logs and on terminals. The
/// `field` pointer is enough to find it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} at {field:?}: {message_en}")]
pub struct FactsError {
    /// The machine-readable reason.
    pub code: ErrorCode,
    /// JSON pointer (RFC 6901) to the offending value, `""` for the whole
    /// document, e.g. `/acts/2` or `/movement/crossed_canadian_border`.
    pub field: String,
    /// The message in English (used by the command line).
    pub message_en: String,
    /// The message in French.
    pub message_fr: String,
}

impl FactsError {
    pub(crate) fn new(
        code: ErrorCode,
        field: String,
        message_fr: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self { code, field, message_en: message_en.into(), message_fr: message_fr.into() }
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.message_fr,
            Lang::En => &self.message_en,
        }
    }

    /// The contract's error object with the English message:
    /// `{"error": {"code": "…", "message": "…", "field": "…"}}`.
    pub fn to_json(&self) -> serde_json::Value {
        self.to_json_in(Lang::En)
    }

    /// The contract's error object with the message in `lang` (for the web
    /// API, which answers in the user's language).
    pub fn to_json_in(&self, lang: Lang) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "code": self.code.as_str(),
                "message": self.message(lang),
                "field": self.field,
            }
        })
    }
}

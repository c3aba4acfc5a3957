//! Passerelle screening: the common definition of child trafficking as one
//! pure function.
//!
//! The screening questionnaire produces a [`Facts`] document; [`evaluate`]
//! turns it into an [`Evaluation`] (classification, flags, legal basis and a
//! bilingual explanation with next steps). Every screen, API call and test
//! goes through the same function, so the same facts always give the same
//! result. The contract is `shared/contracts/screening.md`.
//!
//! The questions themselves are the [`instrument`]: Passerelle's own
//! bilingual, versioned screening instrument (a short stage-1 screen, then a
//! full assessment by legal element and indicator domain), compiled from
//! `instrument/instrument-v1.json`. [`facts_from_form`] reads its posted HTML
//! form into [`Facts`], [`form_from_facts`] writes facts back as form pairs,
//! and [`stage1_outcome`] says whether the screen calls for the full
//! assessment.
//!
//! The result supports a professional's decision; it never replaces it.
//!
//! ```
//! let result = passerelle_screening::evaluate_json(
//!     r#"{"age_years": 16, "acts": ["harboured"], "exploitation": ["sexual_services"]}"#,
//! )?;
//! assert_eq!(result["classification"], "indicated");
//! assert_eq!(result["flags"], serde_json::json!(["report_to_youth_protection"]));
//! # Ok::<(), passerelle_screening::FactsError>(())
//! ```

mod catalogue;
mod error;
mod evaluate;
mod explain;
mod facts;
mod form;
mod instrument;
mod lang;
mod vocab;

pub use catalogue::{CATALOGUE_VERSION, Indicator, IndicatorId, catalogue_json, indicator, indicators, indicators_in};
pub use error::{ErrorCode, FactsError};
pub use evaluate::{Elements, Evaluation, evaluate};
pub use facts::{Facts, MAX_AGE_YEARS, Movement, parse_facts, parse_facts_bytes};
pub use form::{Answer, FormError, Stage1, facts_from_form, form_from_facts, stage1_outcome};
pub use instrument::{
    Choice, INSTRUMENT_VERSION, Implication, Instrument, Question, QuestionKind, Section, instrument,
};
pub use lang::{Lang, Localized};
pub use vocab::{
    Act, AgeBasis, Classification, Domain, Exploitation, Flag, ImmigrationStatus, LegalBasis, Means, PresentingContext,
    TraffickingType,
};

/// Parses a facts document and evaluates it, returning the contract's result
/// document. This is what `passerelle screening evaluate` prints and what
/// `POST /api/v1/screenings/evaluate` answers; on error, print or send
/// [`FactsError::to_json`] (exit 2 / HTTP 422).
pub fn evaluate_json(input: &str) -> Result<serde_json::Value, FactsError> {
    parse_facts(input).map(|facts| evaluate(&facts).to_json())
}

/// [`evaluate_json`] on raw bytes, for an HTTP body or standard input read
/// as bytes; input that is not UTF-8 gives `invalid_json`.
pub fn evaluate_json_bytes(input: &[u8]) -> Result<serde_json::Value, FactsError> {
    parse_facts_bytes(input).map(|facts| evaluate(&facts).to_json())
}

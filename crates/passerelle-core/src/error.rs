//! Validation errors that the edges translate: each carries a stable code (also a Fluent
//! message id) and the field it concerns, never the offending value.

use std::fmt;

/// One invalid field of an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The input field (form name or JSON key).
    pub field: &'static str,
    /// Stable error code; `error-<code>` is its Fluent message id.
    pub code: &'static str,
}

/// An input refused as a whole, with every invalid field.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ValidationError {
    /// The invalid fields, in form order.
    pub fields: Vec<FieldError>,
}

impl ValidationError {
    /// A refusal naming one field.
    pub fn single(field: &'static str, code: &'static str) -> Self {
        Self { fields: vec![FieldError { field, code }] }
    }

    /// Records one more invalid field.
    pub fn push(&mut self, field: &'static str, code: &'static str) {
        self.fields.push(FieldError { field, code });
    }

    /// `Ok(())` when nothing was recorded, the error otherwise.
    pub fn into_result(self) -> Result<(), Self> {
        if self.fields.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The first invalid field.
    pub fn first(&self) -> Option<&FieldError> {
        self.fields.first()
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.fields.iter().map(|e| format!("{} ({})", e.field, e.code)).collect();
        write!(f, "invalid input: {}", names.join(", "))
    }
}

impl std::error::Error for ValidationError {}

/// Trims and checks the length (in characters) of a free-text field.
pub fn text_field(errors: &mut ValidationError, field: &'static str, value: &str, min: usize, max: usize) -> String {
    let trimmed = value.trim();
    let n = trimmed.chars().count();
    if n == 0 && min > 0 {
        errors.push(field, "required");
    } else if n < min {
        errors.push(field, "too-short");
    } else if n > max {
        errors.push(field, "too-long");
    } else if trimmed.chars().any(char::is_control) {
        errors.push(field, "invalid-characters");
    }
    trimmed.to_owned()
}

//! Unambiguous byte encodings for MAC and AEAD inputs.

use crate::error::{CryptoError, Result};

/// Builds an unambiguous byte string from a sequence of fields, each written as a 4-byte
/// big-endian length followed by its bytes.
///
/// Plain concatenation would let `("ab", "c")` and `("a", "bc")` MAC or authenticate the
/// same; with length prefixes every sequence of fields has exactly one encoding. Use it for
/// audit entry bytes and anywhere else a MAC or AEAD covers several values.
///
/// Appending never fails so calls chain; a field longer than `u32::MAX` bytes is recorded
/// and reported by [`finish`](Self::finish).
#[derive(Debug, Default, Clone)]
pub struct CanonicalWriter {
    buf: Vec<u8>,
    too_long: bool,
}

impl CanonicalWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one length-prefixed field.
    pub fn bytes(&mut self, field: &[u8]) -> &mut Self {
        if let Ok(len) = u32::try_from(field.len()) {
            self.buf.extend_from_slice(&len.to_be_bytes());
            self.buf.extend_from_slice(field);
        } else {
            self.too_long = true;
        }
        self
    }

    /// Appends a UTF-8 string as one field.
    pub fn str(&mut self, field: &str) -> &mut Self {
        self.bytes(field.as_bytes())
    }

    /// Appends a `u64` as one 8-byte big-endian field.
    pub fn u64(&mut self, value: u64) -> &mut Self {
        self.bytes(&value.to_be_bytes())
    }

    /// Appends an `i64` (e.g. a Unix timestamp) as one 8-byte big-endian field.
    pub fn i64(&mut self, value: i64) -> &mut Self {
        self.bytes(&value.to_be_bytes())
    }

    /// Appends an optional field: a presence byte field, then the value if present, so
    /// `None` differs from `Some(b"")`.
    pub fn opt_bytes(&mut self, field: Option<&[u8]>) -> &mut Self {
        match field {
            None => self.bytes(&[0]),
            Some(value) => self.bytes(&[1]).bytes(value),
        }
    }

    /// The encoded bytes.
    pub fn finish(&mut self) -> Result<Vec<u8>> {
        if self.too_long {
            return Err(CryptoError::FieldTooLong);
        }
        Ok(std::mem::take(&mut self.buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_length_prefixed() -> Result<()> {
        let bytes = CanonicalWriter::new().str("ab").bytes(&[]).u64(1).finish()?;
        assert_eq!(
            bytes,
            [
                0, 0, 0, 2, b'a', b'b', //
                0, 0, 0, 0, //
                0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1,
            ]
        );
        Ok(())
    }

    #[test]
    fn splits_are_distinct() -> Result<()> {
        let a = CanonicalWriter::new().str("ab").str("c").finish()?;
        let b = CanonicalWriter::new().str("a").str("bc").finish()?;
        let c = CanonicalWriter::new().str("abc").finish()?;
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(b, c);
        let none = CanonicalWriter::new().opt_bytes(None).finish()?;
        let empty = CanonicalWriter::new().opt_bytes(Some(b"")).finish()?;
        assert_ne!(none, empty);
        Ok(())
    }
}

//! The one error type of the crate.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = CryptoError> = std::result::Result<T, E>;

/// Everything that can go wrong in this crate.
///
/// Messages name files, line numbers and versions but never key material, plaintext or
/// passwords, so they are safe to log and to show an operator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The operating system's random number generator failed.
    #[error("the operating system random number generator failed")]
    Random(#[source] getrandom::Error),

    /// The key file could not be read or written.
    #[error("master key file {path}: {source}")]
    KeyFileIo {
        /// The key file, or its temporary sibling.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The key file is accessible to group or others.
    #[error(
        "master key file {path} has mode {mode:03o}: it must not be accessible to group or \
         others (run `chmod 600 {path}`)"
    )]
    KeyFilePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// The key file does not follow the expected format.
    #[error("master key file {path}, line {line}: {reason}")]
    KeyFileFormat {
        /// The key file.
        path: PathBuf,
        /// 1-based line number (0 when the problem is the file as a whole).
        line: usize,
        /// What is wrong, never the line's content (it may hold a key).
        reason: &'static str,
    },

    /// A wrapped key names a master key version the key ring does not hold.
    #[error("master key version {0} is not in the key ring (was it retired too early?)")]
    UnknownMasterVersion(u32),

    /// Retiring would remove the current master key.
    #[error("cannot retire master key versions before {requested}: the current version is {current}")]
    CannotRetireCurrent {
        /// The version asked for.
        requested: u32,
        /// The current version, which must stay.
        current: u32,
    },

    /// No more master key versions can be allocated.
    #[error("master key version numbers are exhausted")]
    VersionOverflow,

    /// Authenticated decryption failed: wrong key, wrong binding (row, column, purpose) or
    /// tampered data. Deliberately does not say which.
    #[error("decryption failed: wrong key, wrong binding or tampered data")]
    Decrypt,

    /// Encryption failed (message too long for the AEAD).
    #[error("encryption failed")]
    Encrypt,

    /// A ciphertext or wrapped key is too short or otherwise not parseable.
    #[error("malformed ciphertext")]
    MalformedCiphertext,

    /// A ciphertext uses a format version this build does not know.
    #[error("unsupported ciphertext format version {0}")]
    UnsupportedFormat(u8),

    /// A length-prefixed field is longer than a u32 length can describe.
    #[error("field too long to encode")]
    FieldTooLong,

    /// Argon2 rejected its input or parameters.
    #[error("password hashing failed")]
    PasswordHash,

    /// The TOTP issuer or account label is not usable in an otpauth URL (e.g. contains ':').
    #[error("invalid TOTP issuer or account label")]
    InvalidTotpLabel,

    /// Key material of the wrong length was supplied.
    #[error("invalid key length: expected {expected} bytes")]
    InvalidKeyLength {
        /// The required length.
        expected: usize,
    },
}

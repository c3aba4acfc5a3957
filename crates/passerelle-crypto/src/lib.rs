//! Cryptography for Passerelle: the key hierarchy, field encryption bound to its row,
//! blind indexes for searching encrypted values, the audit chain MAC, password hashing
//! and TOTP.
//!
//! Everything here is a pure function of its inputs except [`keys::Keyring`], which reads
//! and writes the master key file. Nothing logs, and no error message carries key material
//! or plaintext, so errors may be shown or logged freely.
//!
//! The crate targets Unix only: the key file relies on Unix permission bits.
//!
//! Key hierarchy, top to bottom:
//!
//! 1. master keys (one per version, in the key file, see [`keys::Keyring`]);
//! 2. a key-encryption key per master version, derived with HKDF, which wraps
//! 3. data keys ([`keys::DataKey`]): one per case plus the installation's system keys,
//!    stored wrapped in the database; from a data key derive
//! 4. field ciphertexts ([`field`]), blind index keys ([`blind`]) and the audit key
//!    ([`audit`]).

mod canonical;
mod encoding;
mod error;
mod primitives;

pub mod audit;
pub mod backup;
pub mod blind;
pub mod field;
pub mod keys;
pub mod password;
pub mod random;
pub mod totp;

#[cfg(test)]
mod kat;

pub use canonical::CanonicalWriter;
pub use error::{CryptoError, Result};
pub use keys::{DataKey, Keyring, MasterKey, SubKey, WrappedKey, rewrap_data_key, unwrap_data_key, wrap_data_key};

//! The key hierarchy: master keys in a file, a key-encryption key (KEK) per master version,
//! and data keys stored wrapped in the database.
//!
//! Rotation: `keys rotate` calls [`Keyring::rotate`], which appends a new master version to
//! the file; the store then calls [`rewrap_data_key`] on every wrapped key whose
//! [`WrappedKey::master_version`] is not current. Old versions stay in the file, still able
//! to unwrap, until the operator is sure nothing uses them and calls
//! [`Keyring::retire_before`]. Data keys themselves never change on master rotation, so no
//! field has to be re-encrypted.

mod keyring;
mod material;
mod wrap;

pub use keyring::Keyring;
pub use material::{DataKey, MasterKey, SubKey};
pub use wrap::{WrappedKey, rewrap_data_key, unwrap_data_key, wrap_data_key};

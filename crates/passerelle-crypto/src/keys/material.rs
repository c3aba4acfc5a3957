//! Key types. Each holds its bytes in a buffer wiped on drop and prints as `[redacted]`.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::Result;
use crate::primitives::hkdf_sha256;
use crate::random::random_bytes;

/// HKDF `info` of the key-encryption key. Part of the storage format: never change it.
const KEK_INFO: &[u8] = b"passerelle/v1/kek";
/// Prefix of the `info` of [`MasterKey::derive`]. Distinct from [`KEK_INFO`] so no purpose
/// string can reproduce the KEK.
const DERIVE_INFO_PREFIX: &[u8] = b"passerelle/v1/derive/";

macro_rules! secret_key_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(Zeroizing<[u8; 32]>);

        impl $name {
            /// Wraps existing key bytes.
            pub fn from_bytes(bytes: [u8; 32]) -> Self {
                Self(Zeroizing::new(bytes))
            }

            /// The raw key bytes. Keep the borrow short and never log it.
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }

            pub(crate) fn from_zeroizing(bytes: Zeroizing<[u8; 32]>) -> Self {
                Self(bytes)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_key_type! {
    /// One version of the installation's master key: 32 random bytes from the key file.
    ///
    /// It never encrypts data directly; it only derives the key-encryption key and
    /// purpose-specific [`SubKey`]s.
    MasterKey
}

secret_key_type! {
    /// A key derived from a [`MasterKey`] for one purpose.
    SubKey
}

secret_key_type! {
    /// A data encryption key: 32 random bytes, stored only wrapped (see
    /// [`wrap_data_key`](crate::keys::wrap_data_key)).
    ///
    /// Used per case (so that destroying one case's key crypto-shreds that case) and for the
    /// installation's system keys (audit chain MAC, blind indexes, system fields).
    DataKey
}

impl MasterKey {
    /// A fresh random master key.
    pub fn generate() -> Result<Self> {
        Ok(Self::from_zeroizing(Zeroizing::new(random_bytes()?)))
    }

    /// Derives an independent key for `purpose` (HKDF-SHA256, `info` =
    /// `"passerelle/v1/derive/" ‖ purpose`).
    ///
    /// The result depends on the master version: after a rotation the current version
    /// derives a different key. Use derived keys only for material that can be rebuilt
    /// or re-issued (e.g. cookie signing), or remember which version derived it; anything
    /// that must survive rotation belongs in a wrapped [`DataKey`].
    pub fn derive(&self, purpose: &str) -> SubKey {
        let mut info = Vec::with_capacity(DERIVE_INFO_PREFIX.len() + purpose.len());
        info.extend_from_slice(DERIVE_INFO_PREFIX);
        info.extend_from_slice(purpose.as_bytes());
        SubKey::from_zeroizing(hkdf_sha256(self.as_bytes(), &info))
    }

    /// The key-encryption key of this master version.
    pub(crate) fn kek(&self) -> SubKey {
        SubKey::from_zeroizing(hkdf_sha256(self.as_bytes(), KEK_INFO))
    }
}

impl DataKey {
    /// A fresh random data key.
    pub fn generate() -> Result<Self> {
        Ok(Self::from_zeroizing(Zeroizing::new(random_bytes()?)))
    }

    /// Derives an independent key for `purpose` from this data key (HKDF-SHA256, `info` =
    /// `"passerelle/v1/derive/" ‖ purpose`). Unlike [`MasterKey::derive`], the result survives
    /// master key rotation, because the data key itself does (it is only re-wrapped): use it
    /// for keys whose outputs are stored, such as the record-linkage encoding key.
    pub fn derive(&self, purpose: &str) -> SubKey {
        let mut info = Vec::with_capacity(DERIVE_INFO_PREFIX.len() + purpose.len());
        info.extend_from_slice(DERIVE_INFO_PREFIX);
        info.extend_from_slice(purpose.as_bytes());
        SubKey::from_zeroizing(hkdf_sha256(self.as_bytes(), &info))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = DataKey::from_bytes([0xab; 32]);
        let text = format!("{key:?}");
        assert_eq!(text, "DataKey([redacted])");
        assert!(!text.contains("ab"));
        assert_eq!(format!("{:?}", MasterKey::from_bytes([1; 32])), "MasterKey([redacted])");
        assert_eq!(format!("{:?}", SubKey::from_bytes([1; 32])), "SubKey([redacted])");
    }

    #[test]
    fn derivations_are_separated() {
        let master = MasterKey::from_bytes([7; 32]);
        let a = master.derive("cookies");
        let b = master.derive("csrf");
        let kek = master.kek();
        assert_ne!(a.as_bytes(), b.as_bytes());
        assert_ne!(a.as_bytes(), kek.as_bytes());
        assert_eq!(a.as_bytes(), master.derive("cookies").as_bytes());
        // A purpose that spells the KEK info still does not yield the KEK.
        assert_ne!(master.derive("passerelle/v1/kek").as_bytes(), kek.as_bytes());
        assert_ne!(MasterKey::from_bytes([8; 32]).derive("cookies").as_bytes(), a.as_bytes());
    }

    #[test]
    fn data_key_derivations_are_separated_and_stable() {
        let key = DataKey::from_bytes([9; 32]);
        assert_eq!(key.derive("linkage").as_bytes(), key.derive("linkage").as_bytes());
        assert_ne!(key.derive("linkage").as_bytes(), key.derive("other").as_bytes());
        assert_ne!(key.derive("linkage").as_bytes(), DataKey::from_bytes([8; 32]).derive("linkage").as_bytes());
        let expected = hkdf_sha256(&[9; 32], b"passerelle/v1/derive/linkage");
        assert_eq!(key.derive("linkage").as_bytes(), &*expected);
    }

    #[test]
    fn kek_is_hkdf_of_master() {
        // Pin the KEK derivation so a change of the info string (which would orphan every
        // wrapped key) fails a test.
        let master = MasterKey::from_bytes([0; 32]);
        let expected = hkdf_sha256(&[0; 32], b"passerelle/v1/kek");
        assert_eq!(master.kek().as_bytes(), &*expected);
    }

    #[test]
    fn generated_keys_differ() -> Result<()> {
        assert_ne!(DataKey::generate()?.as_bytes(), DataKey::generate()?.as_bytes());
        Ok(())
    }
}

//! Wrapping data keys under the key-encryption key of a master version.

use zeroize::Zeroizing;

use crate::canonical::CanonicalWriter;
use crate::error::{CryptoError, Result};
use crate::keys::{DataKey, Keyring};
use crate::primitives::{NONCE_LEN, TAG_LEN, xchacha_open_in_place, xchacha_seal_into};
use crate::random::random_bytes;

/// Domain label in the wrap AEAD's associated data, so a wrapped key can never be taken
/// for any other kind of ciphertext.
const WRAP_DOMAIN: &str = "passerelle/v1/wrap";
const WRAPPED_LEN: usize = NONCE_LEN + 32 + TAG_LEN;

/// A [`DataKey`] encrypted under the KEK of one master version, as stored in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// The master key version whose KEK wrapped this key.
    pub master_version: u32,
    /// `nonce (24) ‖ encrypted key (32) ‖ tag (16)`.
    pub bytes: Vec<u8>,
}

impl WrappedKey {
    /// Whether this key is wrapped under the key ring's current version (if not, re-wrap it
    /// with [`rewrap_data_key`]).
    pub fn is_current(&self, keyring: &Keyring) -> bool {
        self.master_version == keyring.current_version()
    }
}

/// The AEAD associated data: the domain, the master version and the caller's binding.
/// The version is included so the stored version number cannot be edited independently.
fn wrap_aad(master_version: u32, aad: &[u8]) -> Result<Vec<u8>> {
    CanonicalWriter::new().str(WRAP_DOMAIN).u64(u64::from(master_version)).bytes(aad).finish()
}

/// Encrypts `dek` under the current master version's KEK with XChaCha20-Poly1305.
///
/// `aad` binds the wrapped key to where it is stored, e.g. the key row's id and purpose
/// (build it with [`CanonicalWriter`]); the same bytes are required to unwrap, so a wrapped
/// key copied to another row does not unwrap.
pub fn wrap_data_key(keyring: &Keyring, dek: &DataKey, aad: &[u8]) -> Result<WrappedKey> {
    let (version, master) = keyring.current();
    let nonce = random_bytes::<NONCE_LEN>()?;
    let mut bytes = Vec::with_capacity(WRAPPED_LEN);
    bytes.extend_from_slice(&nonce);
    xchacha_seal_into(master.kek().as_bytes(), &nonce, &wrap_aad(version, aad)?, dek.as_bytes(), &mut bytes)?;
    Ok(WrappedKey { master_version: version, bytes })
}

/// Decrypts a wrapped key.
///
/// Fails with [`CryptoError::UnknownMasterVersion`] if its version is not in the key ring,
/// and with [`CryptoError::Decrypt`] if the bytes were altered or `aad` differs from the one
/// used to wrap.
pub fn unwrap_data_key(keyring: &Keyring, wrapped: &WrappedKey, aad: &[u8]) -> Result<DataKey> {
    let master =
        keyring.get(wrapped.master_version).ok_or(CryptoError::UnknownMasterVersion(wrapped.master_version))?;
    if wrapped.bytes.len() != WRAPPED_LEN {
        return Err(CryptoError::MalformedCiphertext);
    }
    let (nonce, sealed) = wrapped.bytes.split_at(NONCE_LEN);
    let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::MalformedCiphertext)?;
    let mut buf = Zeroizing::new(sealed.to_vec());
    xchacha_open_in_place(master.kek().as_bytes(), nonce, &wrap_aad(wrapped.master_version, aad)?, &mut buf)?;
    let key: [u8; 32] = buf.as_slice().try_into().map_err(|_| CryptoError::MalformedCiphertext)?;
    Ok(DataKey::from_bytes(key))
}

/// Unwraps with whatever version wrapped it and wraps again under the current version.
/// The data key itself is unchanged, so nothing it encrypted needs touching.
pub fn rewrap_data_key(keyring: &Keyring, wrapped: &WrappedKey, aad: &[u8]) -> Result<WrappedKey> {
    let dek = unwrap_data_key(keyring, wrapped, aad)?;
    wrap_data_key(keyring, &dek, aad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MasterKey;

    fn ring(versions: &[u32]) -> Keyring {
        let keys = versions.iter().map(|&v| (v, MasterKey::from_bytes([u8::try_from(v).unwrap_or(0); 32])));
        Keyring::from_keys(keys).unwrap_or_else(|| unreachable!())
    }

    #[test]
    fn round_trip() -> Result<()> {
        let keyring = Keyring::generate()?;
        let dek = DataKey::generate()?;
        let wrapped = wrap_data_key(&keyring, &dek, b"case-key:42")?;
        assert_eq!(wrapped.master_version, 1);
        assert_eq!(wrapped.bytes.len(), WRAPPED_LEN);
        assert!(!wrapped.bytes.windows(32).any(|w| w == dek.as_bytes()));
        let back = unwrap_data_key(&keyring, &wrapped, b"case-key:42")?;
        assert_eq!(back.as_bytes(), dek.as_bytes());
        Ok(())
    }

    #[test]
    fn aad_mismatch_fails() -> Result<()> {
        let keyring = Keyring::generate()?;
        let wrapped = wrap_data_key(&keyring, &DataKey::generate()?, b"case-key:42")?;
        assert!(matches!(unwrap_data_key(&keyring, &wrapped, b"case-key:43"), Err(CryptoError::Decrypt)));
        assert!(matches!(unwrap_data_key(&keyring, &wrapped, b""), Err(CryptoError::Decrypt)));
        Ok(())
    }

    #[test]
    fn tampering_fails() -> Result<()> {
        let keyring = Keyring::generate()?;
        let wrapped = wrap_data_key(&keyring, &DataKey::generate()?, b"k")?;
        for i in 0..wrapped.bytes.len() {
            let mut bad = wrapped.clone();
            bad.bytes[i] ^= 0x01;
            assert!(matches!(unwrap_data_key(&keyring, &bad, b"k"), Err(CryptoError::Decrypt)));
        }
        let mut short = wrapped.clone();
        short.bytes.pop();
        assert!(matches!(unwrap_data_key(&keyring, &short, b"k"), Err(CryptoError::MalformedCiphertext)));
        Ok(())
    }

    #[test]
    fn wrong_master_fails() -> Result<()> {
        let wrapped = wrap_data_key(&Keyring::generate()?, &DataKey::generate()?, b"k")?;
        assert!(matches!(unwrap_data_key(&Keyring::generate()?, &wrapped, b"k"), Err(CryptoError::Decrypt)));
        Ok(())
    }

    #[test]
    fn unknown_version_fails() -> Result<()> {
        let keyring = ring(&[1, 2]);
        let mut wrapped = wrap_data_key(&keyring, &DataKey::generate()?, b"k")?;
        wrapped.master_version = 7;
        assert!(matches!(unwrap_data_key(&keyring, &wrapped, b"k"), Err(CryptoError::UnknownMasterVersion(7))));
        // Relabelling the version to another held version fails too.
        wrapped.master_version = 1;
        assert!(matches!(unwrap_data_key(&keyring, &wrapped, b"k"), Err(CryptoError::Decrypt)));
        Ok(())
    }

    #[test]
    fn rotation_keeps_old_wraps_readable() -> Result<()> {
        let dek = DataKey::generate()?;
        let old_ring = ring(&[1]);
        let old = wrap_data_key(&old_ring, &dek, b"k")?;
        assert_eq!(old.master_version, 1);

        let rotated = ring(&[1, 2]);
        assert!(!old.is_current(&rotated));
        assert_eq!(unwrap_data_key(&rotated, &old, b"k")?.as_bytes(), dek.as_bytes());

        let fresh = wrap_data_key(&rotated, &dek, b"k")?;
        assert_eq!(fresh.master_version, 2);
        let rewrapped = rewrap_data_key(&rotated, &old, b"k")?;
        assert_eq!(rewrapped.master_version, 2);
        assert!(rewrapped.is_current(&rotated));
        assert_eq!(unwrap_data_key(&rotated, &rewrapped, b"k")?.as_bytes(), dek.as_bytes());

        // After retiring v1, the re-wrapped key still opens and the old one cannot.
        let retired = ring(&[2]);
        assert_eq!(unwrap_data_key(&retired, &rewrapped, b"k")?.as_bytes(), dek.as_bytes());
        assert!(matches!(unwrap_data_key(&retired, &old, b"k"), Err(CryptoError::UnknownMasterVersion(1))));
        Ok(())
    }
}

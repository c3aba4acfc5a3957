//! Thin, infallible wrappers over HMAC-SHA256, HKDF-SHA256 and XChaCha20-Poly1305 used by
//! every module, so that the `RustCrypto` API details live in one place.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{Key, Tag, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};

/// SHA-256 block size, the HMAC key width.
const BLOCK: usize = 64;
/// Poly1305 tag length.
pub(crate) const TAG_LEN: usize = 16;
/// `XChaCha20` nonce length.
pub(crate) const NONCE_LEN: usize = 24;

/// HMAC-SHA256 over the concatenation of `parts`.
///
/// `Hmac::new_from_slice` returns a `Result` even though HMAC accepts any key length; to
/// stay panic-free we do the RFC 2104 key preparation ourselves (hash keys longer than a
/// block, zero-pad to the block size) and call the infallible block-sized constructor. The
/// result is identical by definition of HMAC, and RFC 4231 vectors check it.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = Zeroizing::new([0u8; BLOCK]);
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new((&*block).into());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// HKDF-SHA256 (RFC 5869) producing one 32-byte key, no salt.
///
/// No salt is fine here: every input keying material we feed is already a uniformly random
/// 32-byte key, so extraction has nothing to concentrate; `info` provides the separation.
pub(crate) fn hkdf_sha256(ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut okm = Zeroizing::new([0u8; 32]);
    let hk = hkdf::Hkdf::<Sha256>::new(None, ikm);
    if hk.expand(info, okm.as_mut_slice()).is_err() {
        // `expand` only refuses more than 255 × 32 bytes of output; a 32-byte request cannot
        // reach that. Panicking beats silently returning an all-zero key.
        unreachable!("HKDF-SHA256 always yields 32 bytes");
    }
    okm
}

fn cipher(key: &[u8; 32]) -> XChaCha20Poly1305 {
    let key: &Key = key.into();
    XChaCha20Poly1305::new(key)
}

/// Encrypts `plaintext` and appends `ciphertext ‖ tag` to `out` (which already holds any
/// header the caller wants in front).
pub(crate) fn xchacha_seal_into(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Result<()> {
    let start = out.len();
    out.reserve(plaintext.len() + TAG_LEN);
    out.extend_from_slice(plaintext);
    let nonce: &XNonce = nonce.into();
    let tag = cipher(key).encrypt_inout_detached(nonce, aad, out[start..].as_mut().into()).map_err(|_| {
        // Don't leave plaintext lying in the caller's buffer.
        zeroize::Zeroize::zeroize(&mut out[start..]);
        CryptoError::Encrypt
    })?;
    out.extend_from_slice(&tag);
    Ok(())
}

/// Decrypts `ciphertext ‖ tag` in place inside `buf`; on success `buf` holds the plaintext.
///
/// The tag is checked before any decryption happens, so a failure leaves `buf` holding only
/// ciphertext.
pub(crate) fn xchacha_open_in_place(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut Vec<u8>,
) -> Result<()> {
    let body_len = buf.len().checked_sub(TAG_LEN).ok_or(CryptoError::MalformedCiphertext)?;
    let (body, tag) = buf.split_at_mut(body_len);
    let tag = Tag::try_from(&*tag).map_err(|_| CryptoError::MalformedCiphertext)?;
    let nonce: &XNonce = nonce.into();
    cipher(key).decrypt_inout_detached(nonce, aad, body.into(), &tag).map_err(|_| CryptoError::Decrypt)?;
    buf.truncate(body_len);
    Ok(())
}

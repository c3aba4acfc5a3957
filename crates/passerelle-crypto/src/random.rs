//! Randomness from the operating system, and opaque bearer tokens.

use sha2::{Digest, Sha256};

use crate::encoding::hex_encode;
use crate::error::{CryptoError, Result};

/// `N` bytes from the operating system's CSPRNG.
///
/// There is no userspace generator to seed or fork-share: every call asks the kernel.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(CryptoError::Random)?;
    Ok(out)
}

/// A new bearer token (session id, API token, invitation or reset link): 32 random bytes
/// (256 bits) as 64 lowercase hexadecimal characters.
///
/// Hex rather than base64url because it needs no dependency, is safe unescaped in URLs,
/// cookies and headers, and survives case-insensitive handling by mail clients or users.
/// Store only [`token_digest`] of it, never the token itself.
pub fn random_token() -> Result<String> {
    let bytes = zeroize::Zeroizing::new(random_bytes::<32>()?);
    Ok(hex_encode(bytes.as_slice()))
}

/// The value to store for a token: SHA-256 of its text.
///
/// A plain, unkeyed, unsalted hash is enough because tokens from [`random_token`] carry 256
/// bits of entropy: nobody can enumerate candidates, so a stolen database yields nothing
/// usable. (Passwords are different; see [`crate::password`].) Lookups by digest can use an
/// ordinary index, and the equality comparison leaks nothing useful since an attacker cannot
/// choose inputs with a chosen digest prefix.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_differ() -> Result<()> {
        let a = random_bytes::<32>()?;
        let b = random_bytes::<32>()?;
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
        Ok(())
    }

    #[test]
    fn token_shape() -> Result<()> {
        let t = random_token()?;
        assert_eq!(t.len(), 64);
        assert!(t.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        assert_ne!(t, random_token()?);
        Ok(())
    }

    #[test]
    fn token_digest_is_sha256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            hex_encode(&token_digest("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(token_digest("a"), token_digest("b"));
    }
}

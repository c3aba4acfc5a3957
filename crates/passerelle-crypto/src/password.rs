//! Password hashing (Argon2id) and the password policy.
//!
//! Hashing and verifying deliberately take tens of milliseconds of CPU and 19 MiB of
//! memory. They are blocking: async callers must run them in
//! `tokio::task::spawn_blocking`, never on the runtime's worker threads.
//!
//! Passwords are normalized to Unicode NFKC before hashing (as NIST SP 800-63B advises), so
//! "é" typed as one code point or as "e" + combining accent (different keyboards and
//! operating systems do either) is the same password.

use argon2::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};
use crate::random::random_bytes;

/// Memory cost in KiB (19 MiB): the OWASP minimum for Argon2id.
pub const M_COST_KIB: u32 = 19_456;
/// Iterations: the OWASP minimum for this memory cost.
pub const T_COST: u32 = 2;
/// Lanes.
pub const P_COST: u32 = 1;
/// Minimum password length, in characters.
pub const MIN_LEN: usize = 12;
/// Maximum password length, in characters: generous for passphrases, bounded so a
/// megabyte "password" is refused up front.
pub const MAX_LEN: usize = 128;

/// A valid Argon2id hash with our parameters whose password nobody knows, verified against
/// when the account does not exist so that the response time is the same.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$cGFzc2VyZWxsZS1kdW1teQ$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE";

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(|_| CryptoError::PasswordHash)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn normalized(password: &str) -> Zeroizing<String> {
    Zeroizing::new(password.nfkc().collect())
}

/// Hashes a password with Argon2id (m = 19456 KiB, t = 2, p = 1, 16-byte random salt) and
/// returns the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), which records
/// its own parameters. Blocking; see the module docs.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = random_bytes::<16>()?;
    let hash: PasswordHash = argon2()?
        .hash_password_with_salt(normalized(password).as_bytes(), &salt)
        .map_err(|_| CryptoError::PasswordHash)?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `phc`. Blocking; see the module docs.
///
/// Any problem with `phc` (malformed, not Argon2id) is simply `false`: the caller treats it
/// like a wrong password and need not distinguish. The parameters recorded in `phc` are
/// used, so hashes made before a parameter increase keep working (see [`needs_rehash`]).
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    if hash.algorithm.as_str() != "argon2id" {
        return false;
    }
    let Ok(argon2) = argon2() else {
        return false;
    };
    argon2.verify_password(normalized(password).as_bytes(), &hash).is_ok()
}

/// Spends the same time as [`verify_password`] against a hash nobody knows the password
/// of, and returns `false`.
///
/// Call it when the login names no existing account, so that response time does not reveal
/// which accounts exist. Blocking; see the module docs.
pub fn verify_dummy(password: &str) -> bool {
    // The result is discarded on purpose: the dummy hash matches no password anyone knows,
    // and even if it did the answer must be "no such account".
    let _ = verify_password(password, DUMMY_HASH);
    false
}

/// Whether `phc` was made with other parameters than today's, so the caller should store a
/// fresh [`hash_password`] after the next successful login.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return true;
    };
    let expected = [("m", M_COST_KIB), ("t", T_COST), ("p", P_COST)];
    hash.algorithm.as_str() != "argon2id"
        || hash.version != Some(Version::V0x13.into())
        || expected.iter().any(|&(name, value)| hash.params.get_decimal(name) != Some(value))
}

/// Why a new password was refused. The web layer maps each variant to a translated
/// message; [`message_id`](Self::message_id) gives a stable key for that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    /// Fewer than [`MIN_LEN`] characters.
    #[error("password must have at least {min} characters")]
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// More than [`MAX_LEN`] characters.
    #[error("password must have at most {max} characters")]
    TooLong {
        /// The maximum.
        max: usize,
    },
    /// One character repeated (e.g. "aaaaaaaaaaaa").
    #[error("password must not be a single repeated character")]
    SingleCharacter,
}

impl PasswordPolicyError {
    /// A stable identifier for translation catalogues.
    pub fn message_id(self) -> &'static str {
        match self {
            Self::TooShort { .. } => "password-too-short",
            Self::TooLong { .. } => "password-too-long",
            Self::SingleCharacter => "password-single-character",
        }
    }
}

/// A random temporary password for an administrator to hand over once: 80 random bits as
/// four groups of five hex characters, easy to read aloud or copy.
pub fn temporary_password() -> Result<String> {
    let token = crate::random::random_token()?;
    let token = token.get(..20).unwrap_or(&token);
    Ok(token.as_bytes().chunks(5).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-"))
}

/// Checks a new password against the policy: 12 to 128 characters (Unicode scalar values
/// after NFKC, as hashed), not one character repeated.
///
/// Deliberately no composition rules (digits, symbols): NIST SP 800-63B found they push
/// people to predictable patterns; length does the work.
pub fn check_password_policy(password: &str) -> Result<(), PasswordPolicyError> {
    let password = normalized(password);
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(PasswordPolicyError::TooShort { min: MIN_LEN });
    }
    if len > MAX_LEN {
        return Err(PasswordPolicyError::TooLong { max: MAX_LEN });
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(PasswordPolicyError::SingleCharacter);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() -> Result<()> {
        let phc = hash_password("correct horse battery staple")?;
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("correct horse battery staple", &phc));
        assert!(!verify_password("correct horse battery stapler", &phc));
        assert!(!verify_password("", &phc));
        assert!(!needs_rehash(&phc));
        // Salted: the same password hashes differently.
        assert_ne!(phc, hash_password("correct horse battery staple")?);
        Ok(())
    }

    #[test]
    fn unicode_forms_are_the_same_password() -> Result<()> {
        let composed = "mot de passe d\u{e9}j\u{e0} vu";
        let decomposed = "mot de passe de\u{301}ja\u{300} vu";
        let phc = hash_password(composed)?;
        assert!(verify_password(decomposed, &phc));
        Ok(())
    }

    #[test]
    fn malformed_hash_is_false() -> Result<()> {
        let phc = hash_password("correct horse battery staple")?;
        for bad in [
            "",
            "not a hash",
            "$argon2id$",
            &phc[..phc.len() - 5],
            &phc.replace("argon2id", "argon2i"),
            &phc.replace("argon2id", "bcrypt"),
        ] {
            assert!(!verify_password("correct horse battery staple", bad), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn dummy_hash_is_valid_and_current() {
        // If the dummy did not parse, verify_dummy would return instantly and time would
        // reveal unknown accounts.
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!needs_rehash(DUMMY_HASH));
        assert!(!verify_dummy("anything at all"));
    }

    #[test]
    fn rehash_detects_other_parameters() {
        assert!(needs_rehash("garbage"));
        assert!(needs_rehash(&DUMMY_HASH.replace("m=19456", "m=4096")));
        assert!(needs_rehash(&DUMMY_HASH.replace("t=2", "t=1")));
        assert!(needs_rehash(&DUMMY_HASH.replace("argon2id", "argon2i")));
    }

    #[test]
    fn policy() {
        assert_eq!(check_password_policy("correct horse"), Ok(()));
        assert_eq!(check_password_policy("abcdefghijk"), Err(PasswordPolicyError::TooShort { min: 12 }));
        assert_eq!(check_password_policy(""), Err(PasswordPolicyError::TooShort { min: 12 }));
        // Characters, not bytes: 11 accented letters are still too short.
        assert_eq!(check_password_policy(&"é".repeat(11)), Err(PasswordPolicyError::TooShort { min: 12 }));
        assert_eq!(check_password_policy(&"ab".repeat(64)), Ok(()));
        assert_eq!(check_password_policy(&"ab".repeat(65)), Err(PasswordPolicyError::TooLong { max: 128 }));
        assert_eq!(check_password_policy(&"a".repeat(12)), Err(PasswordPolicyError::SingleCharacter));
        assert_eq!(check_password_policy(&"7".repeat(40)), Err(PasswordPolicyError::SingleCharacter));
        assert_eq!(PasswordPolicyError::SingleCharacter.message_id(), "password-single-character");
    }
}

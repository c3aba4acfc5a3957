//! Time-based one-time passwords (RFC 6238): HMAC-SHA-1, 6 digits, 30-second steps,
//! one step of clock skew either way — what every authenticator app supports — with
//! replay protection.
//!
//! Replay: RFC 6238 §5.2 says a code must be accepted only once. [`verify`] returns the
//! time step it accepted; the caller stores it with the account and passes it back next
//! time, and any step at or before it is refused. Store the step before reporting success,
//! in the same transaction that checks it, so two concurrent logins cannot both use it.

use std::fmt;

use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Builder, Secret, Totp};
use zeroize::Zeroizing;

use crate::error::{CryptoError, Result};
use crate::random::random_bytes;

/// Seconds per time step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Steps accepted before and after the current one.
pub const SKEW_STEPS: u64 = 1;
/// Secret length: 160 bits, the length RFC 4226 recommends for HMAC-SHA-1.
pub const SECRET_LEN: usize = 20;

/// A TOTP shared secret. Store it encrypted (it is as sensitive as a password).
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<[u8; SECRET_LEN]>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

impl TotpSecret {
    /// Wraps secret bytes read back from storage.
    pub fn from_bytes(bytes: [u8; SECRET_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Wraps secret bytes from a slice, which must be exactly [`SECRET_LEN`] long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let bytes: [u8; SECRET_LEN] =
            bytes.try_into().map_err(|_| CryptoError::InvalidKeyLength { expected: SECRET_LEN })?;
        Ok(Self::from_bytes(bytes))
    }

    /// The raw secret, to encrypt for storage.
    pub fn as_bytes(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }
}

/// A fresh random secret for enrolment.
pub fn generate_secret() -> Result<TotpSecret> {
    Ok(TotpSecret::from_bytes(random_bytes()?))
}

/// The secret in unpadded base32, for users who type it into their app instead of scanning.
pub fn secret_base32(secret: &TotpSecret) -> String {
    Secret::from(*secret.as_bytes()).to_base32()
}

/// Reads a secret written in base32 (as shown at enrolment), ignoring spaces and case.
pub fn secret_from_base32(text: &str) -> Result<TotpSecret> {
    let cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let secret =
        Secret::try_from_base32(&cleaned).map_err(|_| CryptoError::InvalidKeyLength { expected: SECRET_LEN })?;
    TotpSecret::from_slice(secret.as_ref())
}

fn builder(secret: &TotpSecret) -> Builder {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(STEP_SECONDS)
        .with_skew(1)
        .with_secret(*secret.as_bytes())
}

/// Our parameters are RFC-compliant (a test checks `build()` accepts them), so the
/// unchecked, infallible constructor is safe to use here.
fn totp(secret: &TotpSecret) -> Totp {
    builder(secret).build_noncompliant()
}

/// The `otpauth://totp/...` URL to show as a QR code at enrolment.
///
/// `issuer` names the installation (e.g. "Passerelle") and `account_label` the user
/// (e.g. their e-mail); neither may contain `:`. Both end up in the user's authenticator
/// app, so avoid anything sensitive.
pub fn otpauth_url(secret: &TotpSecret, issuer: &str, account_label: &str) -> Result<String> {
    if issuer.is_empty() || account_label.is_empty() {
        return Err(CryptoError::InvalidTotpLabel);
    }
    builder(secret)
        .with_issuer(Some(issuer))
        .with_account_name(account_label)
        .build()
        .and_then(|totp| totp.to_url())
        .map_err(|_| CryptoError::InvalidTotpLabel)
}

fn code_for_step(totp: &Totp, step: u64) -> Zeroizing<String> {
    Zeroizing::new(totp.generate(step.saturating_mul(STEP_SECONDS)).to_string())
}

/// The code for Unix time `unix_seconds` (zero-padded to 6 digits).
pub fn code_at(secret: &TotpSecret, unix_seconds: u64) -> String {
    totp(secret).generate(unix_seconds).to_string()
}

/// Checks `code` at Unix time `unix_seconds` and returns the time step it matched, or
/// `None`.
///
/// Accepts the current step and one on either side (clock drift, typing time), but never a
/// step at or before `last_used_step`, which refuses replays. Anything but exactly six ASCII
/// digits is refused; strip spaces before calling if the form allows them.
pub fn verify(secret: &TotpSecret, code: &str, unix_seconds: u64, last_used_step: Option<u64>) -> Option<u64> {
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret);
    let current = unix_seconds / STEP_SECONDS;
    let first = current.saturating_sub(SKEW_STEPS);
    let last = current.saturating_add(SKEW_STEPS);
    let mut accepted = None;
    // Check every candidate step without stopping early, so timing says nothing about which
    // one matched.
    for step in first..=last {
        let fresh = last_used_step.is_none_or(|used| step > used);
        let matches: bool = code_for_step(&totp, step).as_bytes().ct_eq(code.as_bytes()).into();
        if matches && fresh && accepted.is_none() {
            accepted = Some(step);
        }
    }
    accepted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(*b"12345678901234567890")
    }

    #[test]
    fn parameters_are_rfc_compliant() {
        assert!(builder(&rfc_secret()).build().is_ok());
    }

    #[test]
    fn round_trip_and_skew() -> Result<()> {
        let secret = generate_secret()?;
        let now = 1_700_000_015;
        let step = now / STEP_SECONDS;
        let code = code_at(&secret, now);
        assert_eq!(code.len(), 6);
        assert_eq!(verify(&secret, &code, now, None), Some(step));
        // Still accepted one step later or earlier, not two.
        assert_eq!(verify(&secret, &code, now + 30, None), Some(step));
        assert_eq!(verify(&secret, &code, now - 30, None), Some(step));
        assert_eq!(verify(&secret, &code, now + 60, None), None);
        assert_eq!(verify(&secret, &code, now - 60, None), None);
        // Another secret does not accept it.
        assert_eq!(verify(&generate_secret()?, &code, now, None), None);
        Ok(())
    }

    #[test]
    fn replay_is_refused() -> Result<()> {
        let secret = generate_secret()?;
        let now = 1_700_000_015;
        let code = code_at(&secret, now);
        let used = verify(&secret, &code, now, None);
        assert!(used.is_some());
        assert_eq!(verify(&secret, &code, now, used), None);
        assert_eq!(verify(&secret, &code, now + 30, used), None);
        // A previous step's code is refused once a later step was used.
        let earlier = code_at(&secret, now - 30);
        assert_eq!(verify(&secret, &earlier, now, used), None);
        // The next step's code is fine.
        let next = code_at(&secret, now + 30);
        assert_eq!(verify(&secret, &next, now + 30, used), used.map(|s| s + 1));
        Ok(())
    }

    #[test]
    fn malformed_codes_are_refused() {
        let secret = rfc_secret();
        let now = 59;
        let code = code_at(&secret, now);
        assert_eq!(code, "287082");
        for bad in ["", "28708", "2870820", " 287082", "287 082", "+87082", "28708a", "２８７０８２"] {
            assert_eq!(verify(&secret, bad, now, None), None, "{bad:?}");
        }
    }

    #[test]
    fn early_times_do_not_underflow() {
        let secret = rfc_secret();
        let code = code_at(&secret, 0);
        assert_eq!(verify(&secret, &code, 0, None), Some(0));
        assert_eq!(verify(&secret, &code, 0, Some(0)), None);
    }

    #[test]
    fn base32_and_url() -> Result<()> {
        let secret = rfc_secret();
        // RFC 4648 base32 of "12345678901234567890".
        assert_eq!(secret_base32(&secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let url = otpauth_url(&secret, "Passerelle", "marie@example.org")?;
        assert!(url.starts_with("otpauth://totp/Passerelle:marie%40example.org?"), "{url}");
        assert!(url.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), "{url}");
        assert!(url.contains("issuer=Passerelle"), "{url}");
        assert!(matches!(otpauth_url(&secret, "Pass:erelle", "marie"), Err(CryptoError::InvalidTotpLabel)));
        assert!(otpauth_url(&secret, "Passerelle", "a:b").is_err());
        assert!(otpauth_url(&secret, "Passerelle", "").is_err());
        Ok(())
    }

    #[test]
    fn secret_handling() -> Result<()> {
        let secret = generate_secret()?;
        assert_eq!(format!("{secret:?}"), "TotpSecret([redacted])");
        let again = TotpSecret::from_slice(secret.as_bytes())?;
        assert_eq!(again.as_bytes(), secret.as_bytes());
        assert!(TotpSecret::from_slice(&[0; 19]).is_err());
        assert_ne!(generate_secret()?.as_bytes(), secret.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod base32_tests {
    use super::*;

    #[test]
    fn base32_round_trip() -> Result<()> {
        let s = generate_secret()?;
        let text = secret_base32(&s);
        let back = secret_from_base32(&format!(" {} ", text.to_lowercase()))?;
        assert_eq!(back.as_bytes(), s.as_bytes());
        assert!(secret_from_base32("not base32 !").is_err());
        assert!(secret_from_base32("MZXW6").is_err(), "wrong length must be refused");
        Ok(())
    }
}

//! The audit log's MAC chain: each entry's MAC covers the previous MAC and the entry, so
//! deleting, reordering or editing any entry breaks every MAC after it.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::keys::DataKey;
use crate::primitives::{hkdf_sha256, hmac_sha256};

/// The "previous MAC" of the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// The audit chain key, derived from the installation's audit system [`DataKey`].
///
/// Derived rather than used directly so that the audit MAC stays independent of anything
/// else the same data key might be used for.
#[derive(Clone)]
pub struct AuditKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey([redacted])")
    }
}

impl AuditKey {
    /// Derives the audit key (HKDF-SHA256, `info` = `"passerelle/v1/audit"`).
    pub fn derive(key: &DataKey) -> Self {
        Self(hkdf_sha256(key.as_bytes(), b"passerelle/v1/audit"))
    }
}

/// The MAC of an entry: HMAC-SHA256(`prev_mac` ‖ `entry_bytes`).
///
/// `prev_mac` has a fixed length, so the concatenation is unambiguous; `entry_bytes` should
/// come from a [`CanonicalWriter`](crate::CanonicalWriter) so that its own fields are.
pub fn audit_mac(key: &AuditKey, prev_mac: &[u8; 32], entry_bytes: &[u8]) -> [u8; 32] {
    hmac_sha256(key.0.as_slice(), &[prev_mac, entry_bytes])
}

/// Whether `mac` is the MAC of the entry, compared in constant time. Accepts any slice
/// (as read from the database); a wrong length is simply a mismatch.
pub fn verify(key: &AuditKey, prev_mac: &[u8; 32], entry_bytes: &[u8], mac: &[u8]) -> bool {
    let expected = audit_mac(key, prev_mac, entry_bytes);
    expected.as_slice().ct_eq(mac).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CanonicalWriter;
    use crate::Result;

    #[test]
    fn chain_verifies_and_detects_tampering() -> Result<()> {
        let key = AuditKey::derive(&DataKey::from_bytes([3; 32]));
        let entries: Vec<Vec<u8>> =
            (0..4u64).map(|i| CanonicalWriter::new().u64(i).str("login").finish()).collect::<Result<_>>()?;
        let mut macs = Vec::new();
        let mut prev = GENESIS;
        for entry in &entries {
            prev = audit_mac(&key, &prev, entry);
            macs.push(prev);
        }
        let mut prev = GENESIS;
        for (entry, mac) in entries.iter().zip(&macs) {
            assert!(verify(&key, &prev, entry, mac));
            prev = *mac;
        }
        // Editing an entry, skipping one, or using another key all fail.
        assert!(!verify(&key, &GENESIS, &entries[1], &macs[0]));
        assert!(!verify(&key, &macs[0], &entries[2], &macs[2]));
        let other = AuditKey::derive(&DataKey::from_bytes([4; 32]));
        assert!(!verify(&other, &GENESIS, &entries[0], &macs[0]));
        let mut flipped = macs[0];
        flipped[31] ^= 1;
        assert!(!verify(&key, &GENESIS, &entries[0], &flipped));
        assert!(!verify(&key, &GENESIS, &entries[0], &macs[0][..31]));
        assert!(!verify(&key, &GENESIS, &entries[0], &[]));
        Ok(())
    }

    #[test]
    fn mac_is_hmac_of_prev_then_entry() {
        let key = AuditKey::derive(&DataKey::from_bytes([3; 32]));
        let mut joined = GENESIS.to_vec();
        joined.extend_from_slice(b"entry");
        assert_eq!(audit_mac(&key, &GENESIS, b"entry"), hmac_sha256(key.0.as_slice(), &[&joined]));
        assert_eq!(format!("{key:?}"), "AuditKey([redacted])");
    }
}

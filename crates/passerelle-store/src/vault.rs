//! The keys of an installation, as the storage layer holds them.
//!
//! The master keyring lives in a file outside the database. Every other key is a random
//! data key stored in `data_keys`, wrapped (encrypted) under a key derived from the current
//! master key: system keys (audit chain, blind indexes, system fields) and, later, one key per
//! case. Rotating the master key only re-wraps these rows; no protected value needs to be
//! re-encrypted and the audit chain and blind indexes stay valid.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use passerelle_crypto::keys::{DataKey, Keyring, WrappedKey};

use crate::error::StoreError;

/// Holds the keyring and a cache of unwrapped data keys.
pub struct Vault {
    path: PathBuf,
    keyring: RwLock<Keyring>,
    cache: Mutex<HashMap<uuid::Uuid, Arc<DataKey>>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Vault {
    /// Loads an existing key file.
    pub fn load(path: &Path) -> Result<Self, StoreError> {
        let keyring = Keyring::load(path)?;
        Ok(Self::new(path, keyring))
    }

    /// Loads the key file, creating it (owner-only) when missing.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(StoreError::Io)?;
        }
        let (keyring, created) = Keyring::load_or_create(path)?;
        Ok((Self::new(path, keyring), created))
    }

    fn new(path: &Path, keyring: Keyring) -> Self {
        Self { path: path.to_path_buf(), keyring: RwLock::new(keyring), cache: Mutex::new(HashMap::new()) }
    }

    /// The key file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Re-reads the key file (after `keys rotate` added a version).
    pub fn reload(&self) -> Result<(), StoreError> {
        let fresh = Keyring::load(&self.path)?;
        if let Ok(mut k) = self.keyring.write() {
            *k = fresh;
        }
        Ok(())
    }

    /// Wraps a data key under the current master version.
    pub fn wrap(&self, id: uuid::Uuid, purpose: &str, key: &DataKey) -> Result<WrappedKey, StoreError> {
        let keyring = self.keyring.read().map_err(|_| StoreError::Corrupt("keyring lock poisoned"))?;
        Ok(passerelle_crypto::keys::wrap_data_key(&keyring, key, &wrap_aad(id, purpose))?)
    }

    /// Unwraps a stored data key, using the cache when possible.
    pub fn unwrap(&self, id: uuid::Uuid, purpose: &str, wrapped: &WrappedKey) -> Result<Arc<DataKey>, StoreError> {
        if let Some(k) = self.cache.lock().ok().and_then(|c| c.get(&id).cloned()) {
            return Ok(k);
        }
        let result = {
            let keyring = self.keyring.read().map_err(|_| StoreError::Corrupt("keyring lock poisoned"))?;
            passerelle_crypto::keys::unwrap_data_key(&keyring, wrapped, &wrap_aad(id, purpose))
        };
        let key = if let Ok(k) = result {
            k
        } else {
            // Another process may have rotated the master key: read the file once more.
            self.reload()?;
            let keyring = self.keyring.read().map_err(|_| StoreError::Corrupt("keyring lock poisoned"))?;
            passerelle_crypto::keys::unwrap_data_key(&keyring, wrapped, &wrap_aad(id, purpose))?
        };
        let key = Arc::new(key);
        if let Ok(mut c) = self.cache.lock() {
            c.insert(id, Arc::clone(&key));
        }
        Ok(key)
    }

    /// Forgets a cached key (after its destruction).
    pub fn forget(&self, id: uuid::Uuid) {
        if let Ok(mut c) = self.cache.lock() {
            c.remove(&id);
        }
    }

    /// The current master key version.
    pub fn current_version(&self) -> Result<u32, StoreError> {
        let keyring = self.keyring.read().map_err(|_| StoreError::Corrupt("keyring lock poisoned"))?;
        Ok(keyring.current_version())
    }
}

/// The associated data of a wrapped key: its row and purpose, so a wrapped key copied onto
/// another row or purpose does not unwrap.
pub(crate) fn wrap_aad(id: uuid::Uuid, purpose: &str) -> Vec<u8> {
    let mut aad = b"passerelle/v1/data-key/".to_vec();
    aad.extend_from_slice(id.as_bytes());
    aad.push(b'/');
    aad.extend_from_slice(purpose.as_bytes());
    aad
}

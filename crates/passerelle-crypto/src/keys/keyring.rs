//! The master key file and the versions it holds.
//!
//! File format (UTF-8 text; blank lines and lines starting with `#` are ignored):
//!
//! ```text
//! # Passerelle master keys. ...
//! passerelle-master-key v1 <64 lowercase hex digits>
//! passerelle-master-key v2 <64 lowercase hex digits>
//! ```
//!
//! Text rather than binary so an operator can inspect versions, back the file up on paper
//! and retire old lines by hand in an emergency.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::encoding::{hex_decode_array, hex_encode, hex_encode_secret};
use crate::error::{CryptoError, Result};
use crate::keys::MasterKey;
use crate::random::random_bytes;

const LINE_TAG: &str = "passerelle-master-key";
const HEADER: &str = "\
# Passerelle master keys. Anyone holding this file and a database copy can read every case.
# Keep it mode 0600, owned by the service account, and backed up offline apart from the
# database backups. Do not edit key lines by hand; use the `keys rotate` / `keys retire` commands.
";
/// Group and other permission bits: any of them set means someone besides the owner may
/// read or replace the keys.
const GROUP_OTHER_MASK: u32 = 0o077;

/// The master keys of an installation, by version. The highest version is current: new
/// wraps use it, older versions only unwrap.
///
/// Always holds at least one version: the current one is kept apart from older ones so the
/// type itself guarantees it exists.
pub struct Keyring {
    current: (u32, MasterKey),
    older: BTreeMap<u32, MasterKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring").field("versions", &self.versions()).finish_non_exhaustive()
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CryptoError + '_ {
    move |source| CryptoError::KeyFileIo { path: path.to_path_buf(), source }
}

fn format_err(path: &Path, line: usize, reason: &'static str) -> CryptoError {
    CryptoError::KeyFileFormat { path: path.to_path_buf(), line, reason }
}

impl Keyring {
    /// A key ring holding one fresh random master key, version 1, in memory only.
    ///
    /// For tests and tools; a server uses [`load_or_create`](Self::load_or_create).
    pub fn generate() -> Result<Self> {
        Ok(Self { current: (1, MasterKey::generate()?), older: BTreeMap::new() })
    }

    /// A key ring from explicit versions, in memory only. `None` when `keys` is empty.
    /// When a version repeats, the last key given for it wins.
    pub fn from_keys(keys: impl IntoIterator<Item = (u32, MasterKey)>) -> Option<Self> {
        let mut older: BTreeMap<_, _> = keys.into_iter().collect();
        let current = older.pop_last()?;
        Some(Self { current, older })
    }

    /// Loads the key file, creating it with one fresh key (mode 0600) if it does not exist.
    ///
    /// Returns the key ring and whether the file was just created, so the caller can tell
    /// the operator to back it up.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool)> {
        match fs::symlink_metadata(path) {
            Ok(_) => return Ok((Self::load(path)?, false)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(path)(e)),
        }
        let keyring = Self::generate()?;
        // Write a complete temporary file, then hard-link it into place: `link` refuses to
        // replace an existing file, so two processes starting at once cannot both create a
        // key (the loser loads the winner's), and nobody ever sees a half-written file.
        let tmp = write_temp(path, &keyring)?;
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                sync_parent(path)?;
                Ok((keyring, true))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok((Self::load(path)?, false)),
            Err(e) => Err(io_err(path)(e)),
        }
    }

    /// Loads the key file, refusing it if group or others have any permission on it.
    pub fn load(path: &Path) -> Result<Self> {
        let mut file = File::open(path).map_err(io_err(path))?;
        // Check the opened file, not the path, so a swap between check and read is moot.
        let meta = file.metadata().map_err(io_err(path))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & GROUP_OTHER_MASK != 0 {
            return Err(CryptoError::KeyFilePermissions { path: path.to_path_buf(), mode });
        }
        if !meta.is_file() {
            return Err(format_err(path, 0, "not a regular file"));
        }
        let mut text = Zeroizing::new(String::new());
        file.read_to_string(&mut text).map_err(io_err(path))?;
        Self::parse(path, &text)
    }

    /// Loads the key file like [`load`](Self::load) and also returns its exact text (for a
    /// backup, which must restore the file as it was).
    pub fn load_with_text(path: &Path) -> Result<(Self, Zeroizing<String>)> {
        let mut file = File::open(path).map_err(io_err(path))?;
        let meta = file.metadata().map_err(io_err(path))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & GROUP_OTHER_MASK != 0 {
            return Err(CryptoError::KeyFilePermissions { path: path.to_path_buf(), mode });
        }
        if !meta.is_file() {
            return Err(format_err(path, 0, "not a regular file"));
        }
        let mut text = Zeroizing::new(String::new());
        file.read_to_string(&mut text).map_err(io_err(path))?;
        Ok((Self::parse(path, &text)?, text))
    }

    /// Parses key file text that did not come from a file (a backup).
    pub fn from_text(text: &str) -> Result<Self> {
        Self::parse(Path::new("(backup)"), text)
    }

    /// Creates the key file at `path` (mode 0600) holding exactly `text`, which must parse.
    /// Refuses to replace an existing file.
    pub fn install_text(path: &Path, text: &str) -> Result<Self> {
        let keyring = Self::parse(path, text)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let tmp = write_temp_text(path, text)?;
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        linked.map_err(io_err(path))?;
        sync_parent(path)?;
        Ok(keyring)
    }

    fn parse(path: &Path, text: &str) -> Result<Self> {
        let mut keys = BTreeMap::new();
        for (index, line) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_ascii_whitespace();
            let (Some(tag), Some(version), Some(hex), None) = (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(format_err(path, line_no, "expected three fields"));
            };
            if tag != LINE_TAG {
                return Err(format_err(path, line_no, "unknown line type"));
            }
            let version = version
                .strip_prefix('v')
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|&v| v > 0)
                .ok_or_else(|| format_err(path, line_no, "version must be v1, v2, ..."))?;
            let bytes =
                hex_decode_array::<32>(hex).ok_or_else(|| format_err(path, line_no, "key must be 64 hex digits"))?;
            if keys.insert(version, MasterKey::from_zeroizing(bytes)).is_some() {
                return Err(format_err(path, line_no, "duplicate version"));
            }
        }
        Self::from_keys(keys).ok_or_else(|| format_err(path, 0, "no master key in file"))
    }

    fn render(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::from(HEADER));
        let all = self.older.iter().chain([(&self.current.0, &self.current.1)]);
        for (version, key) in all {
            let hex = hex_encode_secret(key.as_bytes());
            text.push_str(LINE_TAG);
            text.push_str(" v");
            text.push_str(&version.to_string());
            text.push(' ');
            text.push_str(&hex);
            text.push('\n');
        }
        text
    }

    /// Adds a new master key version to the key file and returns its number.
    ///
    /// The file is replaced atomically (temporary file with mode 0600, then rename), so a
    /// crash leaves either the old or the new file. Afterwards, re-wrap the stored keys
    /// (see [`rewrap_data_key`](crate::keys::rewrap_data_key)); a running server must
    /// reload the key ring to start using the new version. Not safe to run concurrently
    /// with itself or [`retire_before`](Self::retire_before).
    pub fn rotate(path: &Path) -> Result<u32> {
        let mut keyring = Self::load(path)?;
        let version = keyring.current_version().checked_add(1).ok_or(CryptoError::VersionOverflow)?;
        let previous = std::mem::replace(&mut keyring.current, (version, MasterKey::generate()?));
        keyring.older.insert(previous.0, previous.1);
        replace_file(path, &keyring)?;
        Ok(version)
    }

    /// Removes every master key version below `version` from the key file and returns the
    /// versions removed.
    ///
    /// Refuses if that would remove the current version. Only call once no wrapped key uses
    /// an older version: whatever they protect becomes unreadable for good.
    pub fn retire_before(path: &Path, version: u32) -> Result<Vec<u32>> {
        let mut keyring = Self::load(path)?;
        let current = keyring.current_version();
        if version > current {
            return Err(CryptoError::CannotRetireCurrent { requested: version, current });
        }
        let kept = keyring.older.split_off(&version);
        let retired: Vec<u32> = std::mem::replace(&mut keyring.older, kept).into_keys().collect();
        if !retired.is_empty() {
            replace_file(path, &keyring)?;
        }
        Ok(retired)
    }

    /// The current (highest) master key version.
    pub fn current_version(&self) -> u32 {
        self.current.0
    }

    /// The current version and its key.
    pub fn current(&self) -> (u32, &MasterKey) {
        (self.current.0, &self.current.1)
    }

    /// The key of `version`, if held.
    pub fn get(&self, version: u32) -> Option<&MasterKey> {
        if version == self.current.0 { Some(&self.current.1) } else { self.older.get(&version) }
    }

    /// All held versions, ascending.
    pub fn versions(&self) -> Vec<u32> {
        self.older.keys().copied().chain([self.current.0]).collect()
    }
}

/// Writes the key ring to a new sibling temporary file (mode 0600, synced) and returns its
/// path. Same directory so that rename and link stay on one file system.
fn write_temp(path: &Path, keyring: &Keyring) -> Result<PathBuf> {
    write_temp_text(path, &keyring.render())
}

fn write_temp_text(path: &Path, text: &str) -> Result<PathBuf> {
    let suffix = hex_encode(&random_bytes::<8>()?);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{suffix}"));
    let tmp = path.with_file_name(name);
    let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(io_err(&tmp))?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(&tmp)(e));
    }
    Ok(tmp)
}

fn replace_file(path: &Path, keyring: &Keyring) -> Result<()> {
    let tmp = write_temp(path, keyring)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(path)(e));
    }
    sync_parent(path)
}

/// Makes the new directory entry durable: without it a crash right after rename or link
/// could bring back the old file (or none) although we reported success.
fn sync_parent(path: &Path) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent).and_then(|dir| dir.sync_all()).map_err(io_err(parent))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh empty directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Result<Self> {
            let name = format!("passerelle-crypto-test-{}", hex_encode(&random_bytes::<8>()?));
            let dir = std::env::temp_dir().join(name);
            fs::create_dir(&dir).map_err(io_err(&dir))?;
            Ok(Self(dir))
        }

        fn file(&self) -> PathBuf {
            self.0.join("master.keys")
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn mode_of(path: &Path) -> Result<u32> {
        Ok(fs::metadata(path).map_err(io_err(path))?.permissions().mode() & 0o777)
    }

    #[test]
    fn create_then_load() -> Result<()> {
        let dir = TempDir::new()?;
        let path = dir.file();
        let (created, was_created) = Keyring::load_or_create(&path)?;
        assert!(was_created);
        assert_eq!(mode_of(&path)?, 0o600);
        assert_eq!(created.versions(), [1]);

        let (loaded, was_created) = Keyring::load_or_create(&path)?;
        assert!(!was_created);
        assert_eq!(loaded.current().1.as_bytes(), created.current().1.as_bytes());
        // No temporary file left behind.
        assert_eq!(fs::read_dir(&dir.0).map_err(io_err(&dir.0))?.count(), 1);
        Ok(())
    }

    #[test]
    fn refuses_group_or_world_readable() -> Result<()> {
        let dir = TempDir::new()?;
        let path = dir.file();
        Keyring::load_or_create(&path)?;
        for mode in [0o644, 0o640, 0o604, 0o620] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).map_err(io_err(&path))?;
            let err = Keyring::load(&path).err();
            assert!(
                matches!(err, Some(CryptoError::KeyFilePermissions { mode: m, .. }) if m == mode),
                "mode {mode:o}: {err:?}"
            );
            assert!(Keyring::load_or_create(&path).is_err());
            assert!(Keyring::rotate(&path).is_err());
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).map_err(io_err(&path))?;
        Keyring::load(&path)?;
        Ok(())
    }

    #[test]
    fn error_message_has_no_key_material() -> Result<()> {
        let dir = TempDir::new()?;
        let path = dir.file();
        let (keyring, _) = Keyring::load_or_create(&path)?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).map_err(io_err(&path))?;
        let message = Keyring::load(&path).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("644"), "{message}");
        assert!(!message.contains(hex_encode(keyring.current().1.as_bytes()).as_str()));
        Ok(())
    }

    #[test]
    fn rotate_appends_and_keeps_old() -> Result<()> {
        let dir = TempDir::new()?;
        let path = dir.file();
        let (first, _) = Keyring::load_or_create(&path)?;
        assert_eq!(Keyring::rotate(&path)?, 2);
        assert_eq!(Keyring::rotate(&path)?, 3);
        assert_eq!(mode_of(&path)?, 0o600);
        let loaded = Keyring::load(&path)?;
        assert_eq!(loaded.versions(), [1, 2, 3]);
        assert_eq!(loaded.current_version(), 3);
        assert_eq!(loaded.get(1).map(MasterKey::as_bytes), Some(first.current().1.as_bytes()));
        assert_ne!(loaded.get(2).map(MasterKey::as_bytes), loaded.get(3).map(MasterKey::as_bytes));
        Ok(())
    }

    #[test]
    fn file_rotation_keeps_old_wraps_readable() -> Result<()> {
        use crate::keys::{DataKey, rewrap_data_key, unwrap_data_key, wrap_data_key};

        let dir = TempDir::new()?;
        let path = dir.file();
        let (v1, _) = Keyring::load_or_create(&path)?;
        let dek = DataKey::generate()?;
        let old = wrap_data_key(&v1, &dek, b"row-1")?;
        assert_eq!(old.master_version, 1);

        assert_eq!(Keyring::rotate(&path)?, 2);
        let v2 = Keyring::load(&path)?;
        assert_eq!(unwrap_data_key(&v2, &old, b"row-1")?.as_bytes(), dek.as_bytes());
        let new = wrap_data_key(&v2, &dek, b"row-1")?;
        assert_eq!(new.master_version, 2);
        let rewrapped = rewrap_data_key(&v2, &old, b"row-1")?;
        assert_eq!(rewrapped.master_version, 2);

        assert_eq!(Keyring::retire_before(&path, 2)?, [1]);
        let retired = Keyring::load(&path)?;
        assert_eq!(unwrap_data_key(&retired, &rewrapped, b"row-1")?.as_bytes(), dek.as_bytes());
        assert!(matches!(unwrap_data_key(&retired, &old, b"row-1"), Err(CryptoError::UnknownMasterVersion(1))));
        Ok(())
    }

    #[test]
    fn retire_before_keeps_current() -> Result<()> {
        let dir = TempDir::new()?;
        let path = dir.file();
        Keyring::load_or_create(&path)?;
        Keyring::rotate(&path)?;
        Keyring::rotate(&path)?;
        assert!(matches!(
            Keyring::retire_before(&path, 4),
            Err(CryptoError::CannotRetireCurrent { requested: 4, current: 3 })
        ));
        assert_eq!(Keyring::retire_before(&path, 3)?, [1, 2]);
        assert_eq!(Keyring::load(&path)?.versions(), [3]);
        assert_eq!(Keyring::retire_before(&path, 3)?, Vec::<u32>::new());
        assert_eq!(mode_of(&path)?, 0o600);
        Ok(())
    }

    #[test]
    fn parse_rejects_bad_files() {
        let p = Path::new("k");
        let good = format!("{LINE_TAG} v1 {}", "ab".repeat(32));
        assert!(Keyring::parse(p, &good).is_ok());
        assert!(Keyring::parse(p, &format!("# c\n\n{good}\n")).is_ok());
        let cases = [
            String::new(),
            "# only a comment\n".to_owned(),
            format!("{LINE_TAG} v0 {}", "ab".repeat(32)),
            format!("{LINE_TAG} 1 {}", "ab".repeat(32)),
            format!("{LINE_TAG} v1 {}", "ab".repeat(31)),
            format!("{LINE_TAG} v1 {}", "zz".repeat(32)),
            format!("other-key v1 {}", "ab".repeat(32)),
            format!("{good} extra"),
            format!("{good}\n{good}"),
        ];
        for case in cases {
            let err = Keyring::parse(p, &case).err();
            assert!(matches!(err, Some(CryptoError::KeyFileFormat { .. })), "{case:?}");
            // The offending line (which may hold a key) is never echoed.
            let message = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(!message.contains("abab"), "{message}");
        }
    }

    #[test]
    fn debug_shows_versions_only() -> Result<()> {
        let keyring = Keyring::generate()?;
        let text = format!("{keyring:?}");
        assert!(text.contains("versions: [1]"), "{text}");
        assert!(!text.contains(&hex_encode(keyring.current().1.as_bytes())));
        Ok(())
    }
}

//! The backup key and the encrypted backup file format.
//!
//! A backup file is a fixed header followed by the payload cut in chunks, each sealed with
//! XChaCha20-Poly1305 in a STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015):
//!
//! ```text
//! header  = magic "PSRLBKUP" (8) ‖ version (1, = 1) ‖ algorithm (1, = 1)
//!           ‖ chunk size (4, big-endian) ‖ key check (16) ‖ salt (32)
//! file key = HKDF-SHA256(backup key, "passerelle/v1/backup/file" ‖ salt)
//! chunk i = XChaCha20-Poly1305(file key, nonce = i as u64 BE ‖ last flag (1) ‖ 15 zero bytes,
//!                              associated data = header, plaintext = chunk i)
//! ```
//!
//! Every chunk but the last holds exactly `chunk size` bytes of plaintext; the last holds
//! 0 to `chunk size` bytes and is sealed with the last flag set, so a file cut at a chunk
//! boundary, chunks reordered or dropped, a header edited or a byte flipped all fail to open.
//! The salt makes every file's key fresh, so the deterministic nonces never repeat under one
//! key. The key check (`HMAC(backup key, domain)`, truncated) tells "wrong key" apart from
//! "damaged file" before any decryption; it reveals nothing about a 256-bit random key.
//!
//! The backup key file is text, like the master key file:
//! `passerelle-backup-key v1 <64 hex digits>`, mode 0600, refused when group or others have
//! any permission on it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use zeroize::Zeroizing;

use crate::encoding::{hex_decode_array, hex_encode, hex_encode_secret};
use crate::error::{CryptoError, Result};
use crate::primitives::{TAG_LEN, hkdf_sha256, hmac_sha256, xchacha_open_in_place, xchacha_seal_into};
use crate::random::random_bytes;

/// First bytes of every backup file.
pub const MAGIC: &[u8; 8] = b"PSRLBKUP";
/// The only file format version this build writes and reads.
pub const VERSION: u8 = 1;
/// XChaCha20-Poly1305 STREAM with an HKDF-SHA256 file key.
const ALGORITHM: u8 = 1;
/// Header length in bytes.
pub const HEADER_LEN: usize = 8 + 1 + 1 + 4 + 16 + 32;
/// Plaintext bytes per chunk written by this build.
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Largest chunk size a reader accepts (the header is authenticated only with the first
/// chunk, so its size must be bounded before anything is allocated).
const MAX_CHUNK_SIZE: usize = 16 * 1024 * 1024;
const KEY_CHECK_DOMAIN: &[u8] = b"passerelle/v1/backup/key-check";
const FILE_KEY_DOMAIN: &[u8] = b"passerelle/v1/backup/file";
const LINE_TAG: &str = "passerelle-backup-key";
const KEY_FILE_HEADER: &str = "\
# Passerelle backup key. Anyone holding this file and a backup can read the whole installation.
# Keep it mode 0600 and store a copy offline, apart from the backups themselves.
";

/// The 256-bit key that encrypts backup files.
pub struct BackupKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BackupKey(..)")
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CryptoError + '_ {
    move |source| CryptoError::KeyFileIo { path: path.to_path_buf(), source }
}

fn format_err(path: &Path, line: usize, reason: &'static str) -> CryptoError {
    CryptoError::KeyFileFormat { path: path.to_path_buf(), line, reason }
}

impl BackupKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self> {
        Ok(Self(Zeroizing::new(random_bytes::<32>()?)))
    }

    /// A key from raw bytes (tests and tools).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Loads the key file, refusing it when group or others have any permission on it.
    pub fn load(path: &Path) -> Result<Self> {
        let mut file = File::open(path).map_err(io_err(path))?;
        let meta = file.metadata().map_err(io_err(path))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CryptoError::KeyFilePermissions { path: path.to_path_buf(), mode });
        }
        if !meta.is_file() {
            return Err(format_err(path, 0, "not a regular file"));
        }
        let mut text = Zeroizing::new(String::new());
        file.read_to_string(&mut text).map_err(io_err(path))?;
        let mut key = None;
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_ascii_whitespace();
            let (Some(LINE_TAG), Some("v1"), Some(hex), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(format_err(path, index + 1, "expected `passerelle-backup-key v1 <64 hex digits>`"));
            };
            let bytes =
                hex_decode_array::<32>(hex).ok_or_else(|| format_err(path, index + 1, "key must be 64 hex digits"))?;
            if key.replace(Self(bytes)).is_some() {
                return Err(format_err(path, index + 1, "more than one key"));
            }
        }
        key.ok_or_else(|| format_err(path, 0, "no backup key in file"))
    }

    /// Loads the key file, creating it with a fresh key (mode 0600) when it does not exist.
    /// Returns the key and whether the file was just created.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool)> {
        match fs::symlink_metadata(path) {
            Ok(_) => return Ok((Self::load(path)?, false)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(path)(e)),
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(io_err(dir))?;
        }
        let key = Self::generate()?;
        let mut text = Zeroizing::new(String::from(KEY_FILE_HEADER));
        text.push_str(LINE_TAG);
        text.push_str(" v1 ");
        text.push_str(&hex_encode_secret(key.0.as_slice()));
        text.push('\n');
        // A complete temporary file hard-linked into place: two processes starting at once
        // cannot both create a key, and nobody sees a half-written file.
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", hex_encode(&random_bytes::<8>()?)));
        let tmp = path.with_file_name(name);
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(io_err(&tmp))?;
        if let Err(e) = file.write_all(text.as_bytes()).and_then(|()| file.sync_all()) {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&tmp)(e));
        }
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok((key, true)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok((Self::load(path)?, false)),
            Err(e) => Err(io_err(path)(e)),
        }
    }

    fn check_value(&self) -> [u8; 16] {
        let mac = hmac_sha256(self.0.as_slice(), &[KEY_CHECK_DOMAIN]);
        let mut out = [0u8; 16];
        out.copy_from_slice(&mac[..16]);
        out
    }

    fn file_key(&self, salt: &[u8; 32]) -> Zeroizing<[u8; 32]> {
        let mut info = FILE_KEY_DOMAIN.to_vec();
        info.extend_from_slice(salt);
        hkdf_sha256(self.0.as_slice(), &info)
    }
}

fn nonce(counter: u64, last: bool) -> [u8; 24] {
    let mut n = [0u8; 24];
    n[..8].copy_from_slice(&counter.to_be_bytes());
    n[8] = u8::from(last);
    n
}

/// Why a backup file cannot be opened. The messages name no content.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum BackupFileError {
    /// The file does not start with the backup magic.
    #[error("not a Passerelle backup file")]
    NotABackup,
    /// A format version or algorithm this build does not know.
    #[error("backup format version {0} is not supported by this build")]
    Unsupported(u8),
    /// The backup key's check value does not match the header.
    #[error("this backup was made with another backup key")]
    WrongKey,
    /// Authentication failed: a byte changed, chunks were reordered, or the file was cut.
    #[error("the backup file is damaged, truncated or was altered")]
    Damaged,
}

impl From<BackupFileError> for io::Error {
    fn from(e: BackupFileError) -> Self {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

/// Encrypts everything written to it into a backup file; call [`EncryptWriter::finish`] at
/// the end (dropping it without finishing leaves a file that will not open).
pub struct EncryptWriter<W: Write> {
    inner: W,
    key: Zeroizing<[u8; 32]>,
    header: [u8; HEADER_LEN],
    buf: Zeroizing<Vec<u8>>,
    out: Vec<u8>,
    counter: u64,
    chunk_size: usize,
}

impl<W: Write> EncryptWriter<W> {
    /// Writes the header and returns the writer.
    pub fn new(inner: W, key: &BackupKey) -> io::Result<Self> {
        Self::with_chunk_size(inner, key, CHUNK_SIZE)
    }

    fn with_chunk_size(mut inner: W, key: &BackupKey, chunk_size: usize) -> io::Result<Self> {
        let salt = random_bytes::<32>().map_err(io::Error::other)?;
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(MAGIC);
        header[8] = VERSION;
        header[9] = ALGORITHM;
        let size = u32::try_from(chunk_size).map_err(io::Error::other)?;
        header[10..14].copy_from_slice(&size.to_be_bytes());
        header[14..30].copy_from_slice(&key.check_value());
        header[30..].copy_from_slice(&salt);
        inner.write_all(&header)?;
        Ok(Self {
            inner,
            key: key.file_key(&salt),
            header,
            buf: Zeroizing::new(Vec::with_capacity(chunk_size)),
            out: Vec::with_capacity(chunk_size + TAG_LEN),
            counter: 0,
            chunk_size,
        })
    }

    fn seal_chunk(&mut self, last: bool) -> io::Result<()> {
        self.out.clear();
        xchacha_seal_into(&self.key, &nonce(self.counter, last), &self.header, &self.buf, &mut self.out)
            .map_err(io::Error::other)?;
        self.counter = self.counter.checked_add(1).ok_or_else(|| io::Error::other("backup too large"))?;
        self.buf.clear();
        self.inner.write_all(&self.out)
    }

    /// Seals the last chunk, flushes and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.seal_chunk(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for EncryptWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        // A full chunk is sealed only once more data arrives: the last chunk must carry the
        // last flag, and only `finish` knows which one it is.
        if self.buf.len() == self.chunk_size {
            self.seal_chunk(false)?;
        }
        let n = data.len().min(self.chunk_size - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decrypts a backup file as it is read. Every byte it returns belongs to a chunk whose tag
/// was checked; a file cut short fails at its end (the last chunk is missing), so a reader
/// must consume it to the end before trusting the whole.
pub struct DecryptReader<R: Read> {
    inner: R,
    key: Zeroizing<[u8; 32]>,
    header: [u8; HEADER_LEN],
    chunk: Zeroizing<Vec<u8>>,
    pos: usize,
    counter: u64,
    chunk_size: usize,
    peeked: Option<u8>,
    done: bool,
}

impl<R: Read> DecryptReader<R> {
    /// Reads and checks the header (magic, version, key).
    pub fn new(mut inner: R, key: &BackupKey) -> io::Result<Self> {
        let mut header = [0u8; HEADER_LEN];
        let mut got = 0;
        while got < HEADER_LEN {
            let n = inner.read(&mut header[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        if got < MAGIC.len() || &header[..8] != MAGIC {
            return Err(BackupFileError::NotABackup.into());
        }
        if got < HEADER_LEN {
            return Err(BackupFileError::Damaged.into());
        }
        if header[8] != VERSION {
            return Err(BackupFileError::Unsupported(header[8]).into());
        }
        if header[9] != ALGORITHM {
            return Err(BackupFileError::Unsupported(header[9]).into());
        }
        let mut size = [0u8; 4];
        size.copy_from_slice(&header[10..14]);
        let chunk_size = usize::try_from(u32::from_be_bytes(size)).unwrap_or(usize::MAX);
        if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
            return Err(BackupFileError::Damaged.into());
        }
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&header[14..30], &key.check_value()[..])) {
            return Err(BackupFileError::WrongKey.into());
        }
        let mut salt = [0u8; 32];
        salt.copy_from_slice(&header[30..]);
        Ok(Self {
            inner,
            key: key.file_key(&salt),
            header,
            chunk: Zeroizing::new(Vec::with_capacity(chunk_size + TAG_LEN)),
            pos: 0,
            counter: 0,
            chunk_size,
            peeked: None,
            done: false,
        })
    }

    fn next_chunk(&mut self) -> io::Result<()> {
        let want = self.chunk_size + TAG_LEN;
        self.chunk.clear();
        self.chunk.resize(want, 0);
        let mut got = 0;
        if let Some(b) = self.peeked.take() {
            self.chunk[0] = b;
            got = 1;
        }
        while got < want {
            let n = self.inner.read(&mut self.chunk[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        self.chunk.truncate(got);
        // Last chunk when nothing follows it.
        let last = if got < want {
            true
        } else {
            let mut one = [0u8; 1];
            let n = loop {
                match self.inner.read(&mut one) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other?,
                }
            };
            if n == 1 {
                self.peeked = Some(one[0]);
                false
            } else {
                true
            }
        };
        let mut buf = std::mem::take(&mut *self.chunk);
        let opened = xchacha_open_in_place(&self.key, &nonce(self.counter, last), &self.header, &mut buf);
        *self.chunk = buf;
        if opened.is_err() {
            self.chunk.clear();
            return Err(BackupFileError::Damaged.into());
        }
        self.counter = self.counter.checked_add(1).ok_or(BackupFileError::Damaged)?;
        self.pos = 0;
        self.done = last;
        Ok(())
    }
}

impl<R: Read> Read for DecryptReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.chunk.len() - self.pos);
        out[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The [`BackupFileError`] inside an I/O error returned by [`DecryptReader`], if any.
pub fn file_error(e: &io::Error) -> Option<&BackupFileError> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<BackupFileError>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encrypt(key: &BackupKey, data: &[u8], chunk: usize) -> Vec<u8> {
        let mut w = EncryptWriter::with_chunk_size(Vec::new(), key, chunk).unwrap_or_else(|e| panic!("{e}"));
        // Odd-sized writes cross chunk boundaries.
        for part in data.chunks(7) {
            w.write_all(part).unwrap_or_else(|e| panic!("{e}"));
        }
        w.finish().unwrap_or_else(|e| panic!("{e}"))
    }

    fn decrypt(key: &BackupKey, file: &[u8]) -> Result<Vec<u8>, BackupFileError> {
        let mut r =
            DecryptReader::new(file, key).map_err(|e| file_error(&e).cloned().unwrap_or(BackupFileError::Damaged))?;
        let mut out = Vec::new();
        r.read_to_end(&mut out).map_err(|e| file_error(&e).cloned().unwrap_or(BackupFileError::Damaged))?;
        Ok(out)
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| u8::try_from(i * 31 % 251).unwrap_or(0)).collect()
    }

    #[test]
    fn round_trips_every_length_around_chunk_boundaries() {
        let key = BackupKey::from_bytes([7; 32]);
        for n in [0, 1, 63, 64, 65, 127, 128, 129, 1000] {
            let plain = data(n);
            let file = encrypt(&key, &plain, 64);
            assert_eq!(decrypt(&key, &file), Ok(plain), "{n} bytes");
            assert_eq!(file.len(), HEADER_LEN + n + n.div_ceil(64).max(1) * TAG_LEN, "{n} bytes");
        }
    }

    #[test]
    fn empty_payload_is_one_sealed_chunk() {
        let key = BackupKey::generate().unwrap_or_else(|e| panic!("{e}"));
        let file = encrypt(&key, &[], CHUNK_SIZE);
        assert_eq!(file.len(), HEADER_LEN + TAG_LEN);
        assert_eq!(decrypt(&key, &file), Ok(Vec::new()));
        // Without its only chunk, it does not open.
        assert_eq!(decrypt(&key, &file[..HEADER_LEN]), Err(BackupFileError::Damaged));
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let key = BackupKey::from_bytes([1; 32]);
        let file = encrypt(&key, &data(300), 64);
        for i in 0..file.len() {
            let mut bad = file.clone();
            bad[i] ^= 0x40;
            let r = decrypt(&key, &bad);
            assert!(r.is_err(), "byte {i} flipped went unnoticed");
        }
    }

    #[test]
    fn truncation_reordering_and_extension_are_detected() {
        let key = BackupKey::from_bytes([2; 32]);
        let file = encrypt(&key, &data(256), 64);
        let ct = 64 + TAG_LEN;
        // Cut anywhere, including exactly at a chunk boundary.
        for cut in [file.len() - 1, HEADER_LEN + ct, HEADER_LEN + 2 * ct, HEADER_LEN + 3 * ct, HEADER_LEN + 10] {
            assert_eq!(decrypt(&key, &file[..cut]), Err(BackupFileError::Damaged), "cut at {cut}");
        }
        // Two chunks swapped.
        let mut swapped = file[..HEADER_LEN].to_vec();
        swapped.extend_from_slice(&file[HEADER_LEN + ct..HEADER_LEN + 2 * ct]);
        swapped.extend_from_slice(&file[HEADER_LEN..HEADER_LEN + ct]);
        swapped.extend_from_slice(&file[HEADER_LEN + 2 * ct..]);
        assert_eq!(decrypt(&key, &swapped), Err(BackupFileError::Damaged));
        // Bytes appended after the last chunk.
        let mut longer = file.clone();
        longer.extend_from_slice(&[0; 20]);
        assert_eq!(decrypt(&key, &longer), Err(BackupFileError::Damaged));
        // A chunk from another file under the same key.
        let other = encrypt(&key, &data(256), 64);
        let mut spliced = file[..HEADER_LEN + ct].to_vec();
        spliced.extend_from_slice(&other[HEADER_LEN + ct..]);
        assert_eq!(decrypt(&key, &spliced), Err(BackupFileError::Damaged));
    }

    #[test]
    fn wrong_key_and_foreign_files_are_named() {
        let key = BackupKey::from_bytes([3; 32]);
        let file = encrypt(&key, b"payload", 64);
        assert_eq!(decrypt(&BackupKey::from_bytes([4; 32]), &file), Err(BackupFileError::WrongKey));
        assert_eq!(decrypt(&key, b"SQLite format 3\0 and more bytes here"), Err(BackupFileError::NotABackup));
        assert_eq!(decrypt(&key, b""), Err(BackupFileError::NotABackup));
        let mut future = file.clone();
        future[8] = 9;
        assert_eq!(decrypt(&key, &future), Err(BackupFileError::Unsupported(9)));
        // The plaintext appears nowhere in the file.
        assert!(!file.windows(7).any(|w| w == b"payload"));
    }

    #[test]
    fn key_file_is_created_owner_only_and_refused_when_shared() {
        let dir = std::env::temp_dir().join(format!("passerelle-backup-key-{}", hex_encode(&[1, 2, 3, 4])));
        let dir = dir.with_extension(hex_encode(&random_bytes::<6>().unwrap_or_default()));
        let path = dir.join("sub").join("backup.key");
        let (key, created) = BackupKey::load_or_create(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(created);
        let mode = fs::metadata(&path).map(|m| m.permissions().mode() & 0o777).unwrap_or_default();
        assert_eq!(mode, 0o600);
        let (again, created) = BackupKey::load_or_create(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!created);
        assert_eq!(key.0.as_slice(), again.0.as_slice());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap_or_else(|e| panic!("{e}"));
        let err = BackupKey::load(&path).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("640") && !err.contains(&hex_encode(key.0.as_slice())), "{err}");
        fs::write(dir.join("bad.key"), "passerelle-backup-key v1 abcd\n").unwrap_or_else(|e| panic!("{e}"));
        fs::set_permissions(dir.join("bad.key"), fs::Permissions::from_mode(0o600)).unwrap_or_else(|e| panic!("{e}"));
        assert!(BackupKey::load(&dir.join("bad.key")).is_err());
        let _ = fs::remove_dir_all(&dir);
    }
}

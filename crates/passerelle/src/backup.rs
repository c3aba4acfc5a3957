//! `passerelle backup` and `passerelle restore` (contracts/cli.md).
//!
//! A backup is one encrypted file: the installation's logical copy taken in one consistent
//! read transaction, with its master key file (see `passerelle_store::backup`), sealed in
//! chunks under the backup key (see `passerelle_crypto::backup`). The backup key lives in
//! the file named by `PASSERELLE_BACKUP_KEY_FILE` (or `--backup-key-file`), by default
//! `$XDG_CONFIG_HOME/passerelle/backup.key` (`~/.config/passerelle/backup.key`): the
//! operator's own configuration, apart from the data directory and from the backups.

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, BufWriter};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use passerelle_crypto::CryptoError;
use passerelle_crypto::backup::{BackupKey, DecryptReader, EncryptWriter};
use passerelle_store::audit::ChainCheck;
use passerelle_store::backup::{self as logical, BackupError, Manifest};
use passerelle_store::db::SQLITE_FILE;
use passerelle_store::{Db, Location, Store};

use crate::Failure;
use crate::admin::{cli_entry, print_line};
use crate::location::InstallArgs;

/// The environment variable naming the backup key file.
pub const BACKUP_KEY_ENV: &str = "PASSERELLE_BACKUP_KEY_FILE";

impl From<BackupError> for Failure {
    fn from(e: BackupError) -> Self {
        match e {
            BackupError::Input(msg) => Failure::Input(msg),
            BackupError::Store(e) => Failure::other("database or keys", e),
            BackupError::Failed(msg) => Failure::Other(msg),
        }
    }
}

/// The backup key file: the option (or its environment variable), else the default under
/// the operator's configuration directory.
fn backup_key_path(given: Option<&Path>) -> Result<PathBuf, Failure> {
    if let Some(p) = given {
        return Ok(p.to_path_buf());
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|v| !v.is_empty()).map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| Failure::Input(format!("set {BACKUP_KEY_ENV} to the backup key file")))?;
    Ok(config.join("passerelle").join("backup.key"))
}

/// A backup key problem, worded for the backup key (the crypto errors speak of master keys).
fn key_failure(path: &Path, e: &CryptoError) -> Failure {
    let p = path.display();
    match e {
        CryptoError::KeyFilePermissions { mode, .. } => Failure::Input(format!(
            "backup key file {p} has mode {mode:03o}: it must not be accessible to group or others (run `chmod 600 {p}`)"
        )),
        CryptoError::KeyFileFormat { line, reason, .. } => {
            Failure::Input(format!("backup key file {p}, line {line}: {reason}"))
        }
        CryptoError::KeyFileIo { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            Failure::Input(format!("backup key file {p} does not exist (set {BACKUP_KEY_ENV})"))
        }
        CryptoError::KeyFileIo { source, .. } => Failure::Input(format!("backup key file {p}: {source}")),
        other => Failure::other("backup key", other),
    }
}

fn fsync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// `passerelle backup (--data-dir DIR | --database-url URL) --out FILE`.
pub async fn backup(install: &InstallArgs, out: &Path, key_file: Option<&Path>) -> Result<(), Failure> {
    let started = Instant::now();
    let (location, master_key) = install.resolve()?;
    // Never create an installation just to back it up.
    if let Location::DataDir(dir) = &location
        && !dir.join(SQLITE_FILE).is_file()
    {
        return Err(Failure::Input(format!("there is no installation in {}", dir.display())));
    }
    {
        let db = Db::connect(&location).await.map_err(|e| Failure::other("cannot open the installation", e))?;
        let empty = logical::is_empty(&db).await;
        db.close().await;
        if empty? {
            return Err(Failure::Input("there is no installation at this location".into()));
        }
    }
    let key_path = backup_key_path(key_file)?;
    let (key, created) = BackupKey::load_or_create(&key_path).map_err(|e| key_failure(&key_path, &e))?;
    let (store, _) =
        Store::open(&location, &master_key).await.map_err(|e| Failure::other("cannot open the installation", e))?;
    // Taking a copy of everything is an access like any other: recorded first, so a backup
    // that cannot be recorded is not taken (and the entry travels inside the backup).
    let audited = store.audit(cli_entry("installation.backup", "installation", "backup".to_owned(), None)).await;
    if let Err(e) = audited {
        store.close().await;
        return Err(e.into());
    }

    let name = out.file_name().ok_or_else(|| Failure::Input("--out must name a file".into()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{}", uuid::Uuid::now_v7().simple()));
    let tmp = out.with_file_name(tmp_name);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Failure::Input(format!("cannot write {}: {e}", out.display())))?;
    let result = async {
        let mut writer = EncryptWriter::new(BufWriter::with_capacity(1 << 16, file), &key)
            .map_err(|e| Failure::other("cannot write the backup", e))?;
        let summary = logical::dump(&store.db, &master_key, &mut writer).await?;
        let file = writer
            .finish()
            .and_then(|w| w.into_inner().map_err(std::io::IntoInnerError::into_error))
            .map_err(|e| Failure::other("cannot write the backup", e))?;
        file.sync_all().map_err(|e| Failure::other("cannot write the backup", e))?;
        fs::rename(&tmp, out).map_err(|e| Failure::other("cannot write the backup", e))?;
        fsync_dir(out);
        Ok::<_, Failure>(summary)
    }
    .await;
    store.close().await;
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let size = fs::metadata(out).map_or(0, |m| m.len());
    let m = &summary.manifest;
    print_line(&format!(
        "backup written: {} tables, {} rows ({} audit entries, {} data keys checked against the master key), {} bytes, \
         {:.1} s",
        m.tables.len(),
        m.total_rows(),
        m.rows_of("audit_log"),
        summary.data_keys_checked,
        size,
        started.elapsed().as_secs_f64()
    ))?;
    if created {
        print_line(&format!(
            "a new backup key was created in {}: keep a copy offline, apart from the backups; without it no backup \
             can be read",
            key_path.display()
        ))?;
    }
    Ok(())
}

/// Opens the backup file for reading through the decrypting reader.
fn open_backup(from: &Path, key: &BackupKey) -> Result<DecryptReader<BufReader<File>>, Failure> {
    let file = File::open(from).map_err(|e| Failure::Input(format!("cannot read {}: {e}", from.display())))?;
    DecryptReader::new(BufReader::with_capacity(1 << 16, file), key).map_err(|e| BackupError::from(e).into())
}

/// `passerelle restore --from FILE (--data-dir DIR | --database-url URL)`.
pub async fn restore(from: &Path, install: &InstallArgs, key_file: Option<&Path>) -> Result<(), Failure> {
    let started = Instant::now();
    let (location, master_key) = install.resolve()?;
    let key_path = backup_key_path(key_file)?;
    let key = BackupKey::load(&key_path).map_err(|e| key_failure(&key_path, &e))?;

    // First pass: the whole file is authenticated and parsed before the target is touched,
    // so a wrong key, a damaged or cut file, or a newer schema writes nothing at all.
    let reader = open_backup(from, &key)?;
    let (manifest, key_text) = tokio::task::spawn_blocking(move || logical::check_payload(reader))
        .await
        .map_err(|e| Failure::other("restore", e))??;

    // The target: no data, and no master key file other than the backup's own.
    let key_exists = match fs::read_to_string(&master_key) {
        Ok(existing) if existing == *key_text => true,
        Ok(_) => {
            return Err(Failure::Input(format!(
                "the target's master key file {} already exists and is not this backup's: restore only into an \
                 empty installation",
                master_key.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(Failure::Input(format!("master key file {}: {e}", master_key.display()))),
    };
    let db = Db::connect(&location).await.map_err(|e| Failure::other("cannot open the target", e))?;
    let loaded = load_into(&db, from, &key, &master_key, key_exists).await;
    db.close().await;
    let loaded = loaded?;
    if loaded != manifest {
        return Err(Failure::Other("the backup file changed while it was being restored".into()));
    }

    // Verification, through the store as a server would open it.
    let (store, _) = Store::open(&location, &master_key)
        .await
        .map_err(|e| Failure::other("cannot open the restored installation", e))?;
    let verified = verify(&store, &manifest).await;
    let result = match verified {
        Ok(line) => store
            .audit(cli_entry("installation.restore", "installation", "restore".to_owned(), None))
            .await
            .map(|_| line)
            .map_err(Failure::from),
        Err(e) => Err(e),
    };
    store.close().await;
    let line = result?;
    print_line(&format!("{line}, {:.1} s", started.elapsed().as_secs_f64()))
}

async fn load_into(
    db: &Db,
    from: &Path,
    key: &BackupKey,
    master_key: &Path,
    key_exists: bool,
) -> Result<Manifest, Failure> {
    if !logical::is_empty(db).await? {
        return Err(Failure::Input("the target installation is not empty: restore only into an empty one".into()));
    }
    db.migrate().await.map_err(|e| Failure::other("cannot create the schema", e))?;
    // Second pass: rows in one transaction; the key file is written just before the commit.
    let reader = open_backup(from, key)?;
    let mut wrote_key = false;
    let loaded = logical::load(db, reader, |text| {
        if !key_exists {
            passerelle_crypto::Keyring::install_text(master_key, text)
                .map_err(|e| BackupError::Failed(format!("cannot write the master key file: {e}")))?;
            wrote_key = true;
        }
        Ok(())
    })
    .await;
    match loaded {
        Ok((manifest, _)) => Ok(manifest),
        Err(e) => {
            if wrote_key {
                let _ = fs::remove_file(master_key);
            }
            Err(e.into())
        }
    }
}

/// Row counts, the audit chain, every data key and a sample of sealed values.
async fn verify(store: &Store, manifest: &Manifest) -> Result<String, Failure> {
    let counts = logical::row_counts(&store.db).await?;
    for (table, n) in &counts {
        let expected = manifest.rows_of(table);
        if *n != expected {
            return Err(Failure::Other(format!(
                "restore check failed: table {table} has {n} rows, the backup has {expected}"
            )));
        }
    }
    let entries = match store.verify_audit_chain().await? {
        ChainCheck::Intact { entries } => entries,
        ChainCheck::Broken { position, .. } => {
            return Err(Failure::Other(format!("restore check failed: audit trail broken at entry {position}")));
        }
    };
    if entries != manifest.rows_of("audit_log") {
        return Err(Failure::Other("restore check failed: audit entries missing".into()));
    }
    let sample = store
        .check_keys_and_sample()
        .await
        .map_err(|e| Failure::Other(format!("restore check failed: sealed values do not open ({e})")))?;
    Ok(format!(
        "restore verified: {} tables, {} rows; audit trail intact: {entries} entries checked; {} data keys unwrap; \
         {} identities, {} screenings and {} second-factor secrets decrypted",
        manifest.tables.len(),
        manifest.total_rows(),
        sample.data_keys,
        sample.identities,
        sample.screenings,
        sample.mfa_secrets
    ))
}

//! `passerelle backup` and `passerelle restore` (contracts/cli.md): a full demonstration
//! installation round-trips, a non-empty target, a wrong key, a damaged or cut file are
//! refused without writing anything, and the default key location. On SQLite, and on
//! PostgreSQL when `PASSERELLE_TEST_DATABASE_URL` is set (plus restores across backends).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_passerelle");
const KEY_ENV: &str = "PASSERELLE_BACKUP_KEY_FILE";

fn pg_url() -> Option<String> {
    std::env::var("PASSERELLE_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

/// An installation for one test: `--data-dir`, or a PostgreSQL schema of its own.
struct Install {
    dir: PathBuf,
    args: Vec<String>,
    pg: Option<(String, String)>,
}

impl Install {
    /// On the backend the test run selects.
    fn new() -> Self {
        match pg_url() {
            Some(url) => Self::postgres(&url),
            None => Self::sqlite(),
        }
    }

    fn temp_dir() -> (String, PathBuf) {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("passerelle-backup-{id}"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        (id, dir)
    }

    fn sqlite() -> Self {
        let (_, dir) = Self::temp_dir();
        let data = dir.join("data").display().to_string();
        Self { dir, args: vec!["--data-dir".into(), data], pg: None }
    }

    fn postgres(url: &str) -> Self {
        let (id, dir) = Self::temp_dir();
        let schema = format!("t_{id}");
        psql(url, &format!("CREATE SCHEMA \"{schema}\""));
        let sep = if url.contains('?') { '&' } else { '?' };
        let db_url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
        let key = dir.join("master.key").display().to_string();
        Self {
            dir,
            args: vec!["--database-url".into(), db_url, "--key-file".into(), key],
            pg: Some((url.into(), schema)),
        }
    }

    fn master_key(&self) -> PathBuf {
        if self.pg.is_some() { self.dir.join("master.key") } else { self.dir.join("data").join("master.key") }
    }

    /// Runs `passerelle <cmd…> <location…> <extra…>` with the backup key file `key`.
    fn run(&self, cmd: &[&str], extra: &[&str], key: &Path) -> Output {
        Command::new(BIN)
            .args(cmd)
            .args(&self.args)
            .args(extra)
            .env(KEY_ENV, key)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn backup(&self, out: &Path, key: &Path) -> Output {
        self.run(&["backup"], &["--out", &out.display().to_string()], key)
    }

    fn restore(&self, from: &Path, key: &Path) -> Output {
        self.run(&["restore", "--from", &from.display().to_string()], &[], key)
    }

    /// Nothing was written: no master key file, and the database holds no table.
    fn assert_untouched(&self) {
        assert!(!self.master_key().exists(), "no master key file written");
        if let Some((url, schema)) = &self.pg {
            let n = psql_value(url, &format!("SELECT COUNT(*) FROM pg_tables WHERE schemaname = '{schema}'"));
            assert_eq!(n.trim(), "0", "no table created");
        } else {
            assert!(!self.dir.join("data").join("passerelle.db").exists(), "no database created");
        }
    }
}

impl Drop for Install {
    fn drop(&mut self) {
        if let Some((url, schema)) = &self.pg {
            let _ = Command::new("psql")
                .arg(url)
                .arg("-Xqc")
                .arg(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                .output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql").arg(url).arg("-Xqv").arg("ON_ERROR_STOP=1").arg("-c").arg(sql).output();
    let out = out.unwrap_or_else(|e| panic!("psql: {e}"));
    assert!(out.status.success(), "psql failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn psql_value(url: &str, sql: &str) -> String {
    let out = Command::new("psql").arg(url).arg("-XAtc").arg(sql).output().unwrap_or_else(|e| panic!("psql: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777).unwrap_or_default()
}

/// "N rows" in a summary line.
fn rows_in(line: &str) -> u64 {
    let words: Vec<&str> = line.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[1].trim_end_matches([',', ';']) == "rows")
        .and_then(|w| w[0].parse().ok())
        .unwrap_or_else(|| panic!("no row count in {line}"))
}

/// A scratch directory for backup files and keys.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("passerelle-backup-files-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn seed_demo(i: &Install, key: &Path) {
    let out = i.run(&["demo-seed"], &[], key);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Backs `src` up, restores into `dst`, and checks the restored installation.
fn round_trip(src: &Install, dst: &Install, files: &Scratch) {
    let key = files.0.join("keys").join("backup.key");
    let file = files.0.join("installation.pbk");
    let out = src.backup(&file, &key);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let backed_up = stdout(&out);
    assert_eq!(mode(&key), 0o600, "the backup key file is created readable by its owner only");
    assert_eq!(mode(&file), 0o600);
    // Nothing of the installation is readable in the file.
    let bytes = std::fs::read(&file).unwrap_or_default();
    for clear in [&b"DPJ des Deux-Rives"[..], b"sophie.gagnon", b"passerelle-master-key", b"organizations"] {
        assert!(!bytes.windows(clear.len()).any(|w| w == clear), "{} in the backup", String::from_utf8_lossy(clear));
    }

    let out = dst.restore(&file, &key);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let restored = stdout(&out);
    assert!(restored.starts_with("restore verified:"), "{restored}");
    assert!(restored.contains("audit trail intact") && restored.contains("identities"), "{restored}");
    assert_eq!(rows_in(&backed_up), rows_in(&restored), "{backed_up} / {restored}");
    assert_eq!(mode(&dst.master_key()), 0o600);
    assert_eq!(std::fs::read(src.master_key()).ok(), std::fs::read(dst.master_key()).ok());

    // The restored installation works like the original.
    let verify = dst.run(&["audit", "verify"], &[], &key);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    let orgs = |i: &Install| {
        let mut lines: Vec<String> =
            stdout(&i.run(&["admin", "list-orgs"], &[], &key)).lines().map(String::from).collect();
        lines.sort();
        lines
    };
    assert!(orgs(src).len() > 10);
    assert_eq!(orgs(src), orgs(dst));
    assert_eq!(dst.run(&["admin", "reset-mfa"], &["--username", "admin"], &key).status.code(), Some(0));

    // A second restore into the now non-empty target is refused.
    let again = dst.restore(&file, &key);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
    assert_eq!(stderr(&again).trim().lines().count(), 1);
}

#[test]
fn a_full_demo_installation_round_trips() {
    let files = Scratch::new();
    let src = Install::new();
    seed_demo(&src, &files.0.join("unused.key"));
    round_trip(&src, &Install::new(), &files);
}

#[test]
fn restores_across_backends() {
    let Some(url) = pg_url() else { return };
    let files = Scratch::new();
    let sqlite = Install::sqlite();
    seed_demo(&sqlite, &files.0.join("unused.key"));
    round_trip(&sqlite, &Install::postgres(&url), &files);

    let files = Scratch::new();
    let pg = Install::postgres(&url);
    seed_demo(&pg, &files.0.join("unused.key"));
    round_trip(&pg, &Install::sqlite(), &files);
}

#[test]
fn wrong_key_damaged_or_cut_files_are_refused_and_nothing_is_written() {
    let files = Scratch::new();
    let src = Install::new();
    let key = files.0.join("backup.key");
    for n in 0..3 {
        let out = src.run(
            &["admin", "create-org"],
            &["--name", &format!("Refuge {n}"), "--type", "shelter", "--regions", "03"],
            &key,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let file = files.0.join("b.pbk");
    assert_eq!(src.backup(&file, &key).status.code(), Some(0));
    let good = std::fs::read(&file).unwrap_or_default();

    let dst = Install::new();
    let refused = |from: &Path, key: &Path, expect: &str| {
        let out = dst.restore(from, key);
        assert_eq!(out.status.code(), Some(2), "{expect}: {}", stderr(&out));
        assert!(stderr(&out).contains(expect), "{expect}: {}", stderr(&out));
        assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
        dst.assert_untouched();
    };

    // Another backup key.
    let other = files.0.join("other.key");
    std::fs::write(&other, format!("passerelle-backup-key v1 {}\n", "ab".repeat(32))).unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap_or_else(|e| panic!("{e}"));
    refused(&file, &other, "another backup key");
    // A key file others can read.
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o644)).unwrap_or_else(|e| panic!("{e}"));
    refused(&file, &other, "chmod 600");
    // No key file at all: restore never makes one up.
    refused(&file, &files.0.join("missing.key"), "does not exist");
    // One byte changed, in the header, in the middle, at the end.
    for at in [20, good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 1;
        let path = files.0.join(format!("bad-{at}.pbk"));
        std::fs::write(&path, &bad).unwrap_or_else(|e| panic!("{e}"));
        refused(&path, &key, if at == 20 { "another backup key" } else { "damaged" });
    }
    // Cut short.
    let cut = files.0.join("cut.pbk");
    std::fs::write(&cut, &good[..good.len() - 100]).unwrap_or_else(|e| panic!("{e}"));
    refused(&cut, &key, "damaged");
    // Not a backup at all.
    let foreign = files.0.join("foreign.pbk");
    std::fs::write(&foreign, b"SQLite format 3\0").unwrap_or_else(|e| panic!("{e}"));
    refused(&foreign, &key, "not a Passerelle backup");

    // The untouched target still takes the good file.
    let out = dst.restore(&file, &key);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn backup_key_defaults_to_the_operator_configuration_directory() {
    let files = Scratch::new();
    let home = files.0.join("home");
    let src = Install::new();
    let run = |i: &Install, args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .args(&i.args)
            .env_remove(KEY_ENV)
            .env_remove("XDG_CONFIG_HOME")
            .env("HOME", &home)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let file = files.0.join("b.pbk").display().to_string();
    // Nothing to back up yet: refused, and nothing created.
    let out = run(&src, &["backup", "--out", &file]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!Path::new(&file).exists());

    assert_eq!(run(&src, &["migrate"]).status.code(), Some(0));
    let out = run(&src, &["backup", "--out", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let key = home.join(".config").join("passerelle").join("backup.key");
    assert_eq!(mode(&key), 0o600);
    assert!(stdout(&out).contains("a new backup key was created"), "{}", stdout(&out));
    // A second backup reuses the key and replaces the file.
    let out = run(&src, &["backup", "--out", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("a new backup key"));

    let dst = Install::new();
    let out = run(&dst, &["restore", "--from", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("audit trail intact: 2 entries checked"), "{}", stdout(&out));
}

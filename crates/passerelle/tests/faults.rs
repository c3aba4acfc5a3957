//! Faults (the operations issue): the server killed with SIGKILL again and again during
//! concurrent writes, a full disk (a file-size limit on the server process) and a read-only
//! data directory, and the database going away and coming back.
//!
//! Like tests/cli.rs: SQLite by default, PostgreSQL when `PASSERELLE_TEST_DATABASE_URL` is
//! set. Every wait is bounded; the assertions are about what is stored, never about speed.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use passerelle_core::ids::{CaseId, OrgId};
use passerelle_core::org::OrgInput;
use passerelle_core::token::ApiScope;
use passerelle_core::user::NewUserInput;
use passerelle_store::{Location, Store};

const BIN: &str = env!("CARGO_BIN_EXE_passerelle");

/// Where an installation's PostgreSQL data lives, to clean it up.
enum Pg {
    /// A schema of the shared test database (like tests/cli.rs).
    Schema { url: String, schema: String },
    /// A database of its own, which the outage test makes unavailable.
    Database { admin_url: String, name: String },
}

/// An installation for one test.
struct Install {
    dir: PathBuf,
    args: Vec<String>,
    location: Location,
    key_file: PathBuf,
    pg: Option<Pg>,
}

fn test_database_url() -> Option<String> {
    std::env::var("PASSERELLE_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())
}

impl Install {
    /// `--data-dir`, or a schema of the test database when the run asks for PostgreSQL.
    fn new() -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("passerelle-faults-{id}"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        if let Some(url) = test_database_url() {
            let schema = format!("t_{id}");
            psql(&url, &format!("CREATE SCHEMA \"{schema}\""));
            let sep = if url.contains('?') { '&' } else { '?' };
            let db_url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
            let key_file = dir.join("master.key");
            Self {
                args: vec!["--database-url".into(), db_url, "--key-file".into(), key_file.display().to_string()],
                location: Location::Postgres { url: url.clone(), schema: Some(schema.clone()) },
                key_file,
                pg: Some(Pg::Schema { url, schema }),
                dir,
            }
        } else {
            let data = dir.join("data");
            Self {
                args: vec!["--data-dir".into(), data.display().to_string()],
                location: Location::DataDir(data.clone()),
                key_file: data.join("master.key"),
                pg: None,
                dir,
            }
        }
    }

    /// A PostgreSQL database of its own on the test server (the outage test switches its
    /// connections off, which must not touch the database the other tests share).
    fn own_database(admin_url: &str) -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("passerelle-faults-{id}"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let name = format!("passerelle_fault_{id}");
        psql(admin_url, &format!("CREATE DATABASE \"{name}\""));
        let url = with_database(admin_url, &name);
        let key_file = dir.join("master.key");
        Self {
            args: vec!["--database-url".into(), url.clone(), "--key-file".into(), key_file.display().to_string()],
            location: Location::Postgres { url, schema: None },
            key_file,
            pg: Some(Pg::Database { admin_url: admin_url.to_owned(), name }),
            dir,
        }
    }

    fn run(&self, cmd: &[&str]) -> Output {
        Command::new(BIN).args(cmd).args(&self.args).output().unwrap_or_else(|e| panic!("{e}"))
    }

    fn sqlite_file(&self) -> PathBuf {
        self.dir.join("data").join("passerelle.db")
    }

    fn assert_audit_intact(&self) -> String {
        let out = self.run(&["audit", "verify"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "audit verify: {}{text}", String::from_utf8_lossy(&out.stderr));
        text.trim().to_owned()
    }
}

impl Drop for Install {
    fn drop(&mut self) {
        match &self.pg {
            Some(Pg::Schema { url, schema }) => {
                let _ = Command::new("psql")
                    .arg(url)
                    .arg("-Xqc")
                    .arg(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .output();
            }
            Some(Pg::Database { admin_url, name }) => {
                let _ = Command::new("psql")
                    .arg(admin_url)
                    .arg("-Xqc")
                    .arg(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .output();
            }
            None => {}
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The same URL naming another database.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |p| p + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    query.map_or_else(|| format!("{base}/{name}"), |q| format!("{base}/{name}?{q}"))
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .arg(url)
        .arg("-XAtqv")
        .arg("ON_ERROR_STOP=1")
        .arg("-c")
        .arg(sql)
        .output()
        .unwrap_or_else(|e| panic!("psql: {e}"));
    assert!(out.status.success(), "psql failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}")).block_on(f)
}

/// The organization and the API token the writers use.
struct Fixture {
    org: OrgId,
    token: String,
}

/// An organization, a case worker (who may open cases and write notes) and an API token with
/// `cases:read` and `cases:write`, made through the store as an administrator would.
fn setup(i: &Install) -> Fixture {
    block_on(async {
        let (store, _) = Store::open(&i.location, &i.key_file).await.unwrap_or_else(|e| panic!("{e}"));
        let input = OrgInput::parse("Refuge Pannes", "shelter", &["06".to_owned()]).unwrap_or_else(|e| panic!("{e:?}"));
        let org = store.create_org(&input).await.unwrap_or_else(|e| panic!("{e}"));
        let input = NewUserInput::parse("writer", "Writer", &["case_worker".to_owned()], "fr")
            .unwrap_or_else(|e| panic!("{e:?}"));
        let hash = passerelle_crypto::password::hash_password("not used by this test at all")
            .unwrap_or_else(|e| panic!("{e}"));
        let user = store.create_user(org.id, &input, &hash).await.unwrap_or_else(|e| panic!("{e}"));
        let expires = time::OffsetDateTime::now_utc() + time::Duration::days(1);
        let (token, _) = store
            .create_token(user.id, "faults", &[ApiScope::CasesRead, ApiScope::CasesWrite], expires)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        store.close().await;
        Fixture { org: org.id, token }
    })
}

// --- The server --------------------------------------------------------------------------

struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    l.local_addr().map_or_else(|e| panic!("{e}"), |a| a.port())
}

/// Starts `passerelle serve`; with `file_size_blocks`, under a soft file-size limit (in
/// 512-byte blocks, `ulimit -S -f`) with SIGXFSZ ignored, so that a write past the limit fails
/// with EFBIG as it would on a full disk instead of killing the process. This works for root
/// too, where permissions do not stop writes, and the limit can be lifted while the server
/// runs (`prlimit --pid`), as space comes back on a real disk.
fn spawn(i: &Install, file_size_blocks: Option<u64>) -> Server {
    let port = free_port();
    let log = i.dir.join(format!("serve-{port}.log"));
    let log_file = std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}"));
    let mut cmd = if let Some(blocks) = file_size_blocks {
        let mut c = Command::new("sh");
        // An ignored signal stays ignored across exec.
        c.args(["-c", "trap '' XFSZ; ulimit -S -f \"$1\" || exit 97; shift; exec \"$@\"", "sh"])
            .arg(blocks.to_string())
            .arg(BIN);
        c
    } else {
        Command::new(BIN)
    };
    let child = cmd
        .arg("serve")
        .args(&i.args)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env_remove("PASSERELLE_DATA_DIR")
        .env_remove("PASSERELLE_DATABASE_URL")
        .env_remove("PASSERELLE_KEY_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    Server { child, port, log }
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (at most a minute) until `/healthz` answers 200.
    fn wait_healthy(&mut self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_mins(1) {
            if let Ok(r) = request(self.port, "GET", "/healthz", None, None)
                && r.status == 200
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}): {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the server did not become healthy: {}", self.log());
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL: no shutdown, no flush, no checkpoint.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit code (SIGKILL after 20 s, answering `None`).
    fn terminate(mut self) -> Option<i32> {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

/// A failing test must not leave its server running.
impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// --- A small HTTP/1.1 client -------------------------------------------------------------

struct Reply {
    status: u16,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// One request on its own connection. Every step has a timeout, so a server that hangs
/// makes the request fail instead of the test.
fn request(port: u16, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> std::io::Result<Reply> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    s.set_write_timeout(Some(Duration::from_secs(30)))?;
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "incomplete response"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no status"))?;
    // Bodies here have a Content-Length: a shorter body is a response cut by the kill.
    let length = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>()));
    if let Some(Ok(n)) = length
        && body.len() < n
    {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "truncated body"));
    }
    Ok(Reply { status, body: body.to_owned() })
}

/// A unique marker, written as the child's family name or as a note.
fn marker() -> String {
    format!("m{}", uuid::Uuid::now_v7().simple())
}

fn create_case(port: u16, token: &str, marker: &str) -> std::io::Result<Reply> {
    let body = serde_json::json!({ "given_name": "Fault", "family_name": marker, "region": "06" }).to_string();
    request(port, "POST", "/api/v1/cases", Some(token), Some(&body))
}

fn add_note(port: u16, token: &str, case: CaseId, marker: &str) -> std::io::Result<Reply> {
    let body = serde_json::json!({ "body": marker }).to_string();
    request(port, "POST", &format!("/api/v1/cases/{case}/notes"), Some(token), Some(&body))
}

/// The case id of a 201 answer to `POST /api/v1/cases`.
fn created_id(r: &Reply) -> Option<CaseId> {
    r.json()["id"].as_str().and_then(|s| s.parse().ok())
}

/// A random number below `n`, without a random-number crate.
fn random_below(n: u64) -> u64 {
    RandomState::new().hash_one(Instant::now()) % n.max(1)
}

// --- SIGKILL during concurrent writes ----------------------------------------------------

/// Every write the server acknowledged (answered 201 in full).
#[derive(Default)]
struct Acked {
    /// Cases and the family name each was opened with.
    cases: Vec<(CaseId, String)>,
    /// Notes and their case.
    notes: Vec<(CaseId, String)>,
    /// Complete answers other than 201: never expected (a kill cuts answers, it does not
    /// change them).
    unexpected: Vec<String>,
}

const ROUNDS: usize = 5;
const WRITERS: usize = 4;

fn writer(port: u16, token: &str, acked: &Mutex<Acked>, count: &AtomicUsize, stop: &AtomicBool) {
    let mut n = 0u64;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let known: Vec<CaseId> = acked.lock().map(|a| a.cases.iter().map(|c| c.0).collect()).unwrap_or_default();
        let m = marker();
        // One case for three notes; notes go to acknowledged cases, old and new.
        let (reply, target) = if known.is_empty() || n % 4 == 1 {
            (create_case(port, token, &m), None)
        } else {
            let case = known[usize::try_from(random_below(known.len() as u64)).unwrap_or(0)];
            (add_note(port, token, case, &m), Some(case))
        };
        let Ok(reply) = reply else {
            // Refused, reset or cut by the kill: not acknowledged. Stop hammering a dead port.
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        let Ok(mut a) = acked.lock() else { return };
        match (reply.status, target) {
            (201, None) => match created_id(&reply) {
                Some(id) => a.cases.push((id, m)),
                None => a.unexpected.push(format!("201 without a case id: {}", reply.body)),
            },
            (201, Some(case)) => a.notes.push((case, m)),
            (status, _) => a.unexpected.push(format!("{status}: {}", reply.body)),
        }
        count.fetch_add(1, Ordering::SeqCst);
    }
}

/// Checks, on the installation as a restarted server finds it, that every acknowledged write
/// is there whole and that nothing anywhere is half-written.
fn verify_after_restart(i: &Install, fx: &Fixture, server: &Server, acked: &Acked) -> usize {
    // The restarted server itself serves the last acknowledged case.
    if let Some((id, family)) = acked.cases.last() {
        let r = request(server.port, "GET", &format!("/api/v1/cases/{id}"), Some(&fx.token), None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["identity"]["family_name"].as_str(), Some(family.as_str()));
    }
    // The audit chain is unbroken (entries of writes cut by the kill are either whole or absent).
    i.assert_audit_intact();
    block_on(async {
        let (store, _) = Store::open(&i.location, &i.key_file).await.unwrap_or_else(|e| panic!("{e}"));
        // 1. No acknowledged write is lost, and each has its audit entry (recorded before
        //    the answer).
        for (id, family) in &acked.cases {
            let case = store.case(*id).await.unwrap_or_else(|e| panic!("acknowledged case {id} lost: {e}"));
            assert_eq!(case.identity.map(|x| x.family_name).as_deref(), Some(family.as_str()));
            let trail = store.audit_of_object(&id.to_string(), 5000).await.unwrap_or_else(|e| panic!("{e}"));
            assert!(trail.iter().any(|e| e.entry.action == "case.create"), "case {id} without its audit entry");
        }
        let mut notes_by_case: HashMap<CaseId, Vec<&str>> = HashMap::new();
        for (case, body) in &acked.notes {
            notes_by_case.entry(*case).or_default().push(body);
        }
        for (case, bodies) in &notes_by_case {
            let stored = store.case_notes(*case).await.unwrap_or_else(|e| panic!("{e}"));
            let stored: BTreeSet<&str> = stored.iter().map(|n| n.body.as_str()).collect();
            for b in bodies {
                assert!(stored.contains(b), "an acknowledged note of case {case} is lost");
            }
            let trail = store.audit_of_object(&case.to_string(), 5000).await.unwrap_or_else(|e| panic!("{e}"));
            let audited = trail.iter().filter(|e| e.entry.action == "case.note").count();
            assert!(audited >= bodies.len(), "case {case}: {} notes acknowledged, {audited} audited", bodies.len());
        }
        // 2. Nothing half-written, acknowledged or not: every case has its data key (its
        //    identity decrypts), its creator assigned and its opening event; every note
        //    decrypts and has its `note.add` event, and every such event its note.
        let all = store.cases_of(fx.org, None, 1000).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(all.len() < 1000, "the check would not see every case");
        assert!(all.len() >= acked.cases.len());
        for summary in &all {
            let case = store.case(summary.id).await.unwrap_or_else(|e| panic!("case {} unreadable: {e}", summary.id));
            assert!(case.identity.is_some(), "case {} without its key", case.id);
            assert!(!case.assigned.is_empty(), "case {} without its assignment", case.id);
            let timeline = store.case_timeline(case.id).await.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(timeline.first().map(|e| e.kind.as_str()), Some("case.open"), "case {}", case.id);
            let notes = store.case_notes(case.id).await.unwrap_or_else(|e| panic!("notes of {}: {e}", case.id));
            let note_ids: BTreeSet<String> = notes.iter().map(|n| n.id.0.to_string()).collect();
            let events: BTreeSet<String> =
                timeline.iter().filter(|e| e.kind == "note.add").filter_map(|e| e.ref_id.clone()).collect();
            assert_eq!(note_ids, events, "case {}: notes and their events differ", case.id);
        }
        store.close().await;
        all.len()
    })
}

#[test]
fn sigkill_during_concurrent_writes_loses_no_acknowledged_write() {
    let started = Instant::now();
    let i = Install::new();
    let fx = setup(&i);
    let token = Arc::new(fx.token.clone());
    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut found = 0;
    for round in 0..=ROUNDS {
        let mut server = spawn(&i, None);
        server.wait_healthy();
        if round > 0 {
            let a = acked.lock().unwrap_or_else(|e| panic!("{e}"));
            assert!(a.unexpected.is_empty(), "unexpected answers: {:?}", a.unexpected);
            found = verify_after_restart(&i, &fx, &server, &a);
        }
        if round == ROUNDS {
            assert_eq!(server.terminate(), Some(0));
            break;
        }
        let count = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (token, acked, count, stop) = (token.clone(), acked.clone(), count.clone(), stop.clone());
                let port = server.port;
                std::thread::spawn(move || writer(port, &token, &acked, &count, &stop))
            })
            .collect();
        // Kill at a random moment once writes are flowing (at least one answered this round).
        let wait = Instant::now();
        while count.load(Ordering::SeqCst) == 0 && wait.elapsed() < Duration::from_mins(1) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(count.load(Ordering::SeqCst) > 0, "no write answered: {}", server.log());
        std::thread::sleep(Duration::from_millis(50 + random_below(750)));
        server.kill();
        stop.store(true, Ordering::SeqCst);
        for w in writers {
            w.join().unwrap_or_else(|_| panic!("a writer panicked"));
        }
    }
    let a = acked.lock().unwrap_or_else(|e| panic!("{e}"));
    let backend = if i.pg.is_some() { "postgres" } else { "sqlite" };
    eprintln!(
        "kill test ({backend}): {ROUNDS} SIGKILLs, {} acknowledged writes ({} cases, {} notes) all found, \
         {found} cases stored, {:.1} s",
        a.cases.len() + a.notes.len(),
        a.cases.len(),
        a.notes.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(a.cases.len() + a.notes.len() >= ROUNDS, "at least one acknowledged write per round");
}

// --- Full disk, read-only data directory ---------------------------------------------------

fn sqlite_integrity(db: &Path) -> String {
    let out = Command::new("sqlite3").arg(db).arg("PRAGMA integrity_check;").output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        _ => {
            let script = "import sqlite3,sys\nprint(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])";
            let o = Command::new("python3").arg("-c").arg(script).arg(db).output().unwrap_or_else(|e| panic!("{e}"));
            String::from_utf8_lossy(&o.stdout).trim().to_owned()
        }
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// 256 KiB: the write-ahead log can take a few cases, then a write fails.
const FILE_SIZE_BLOCKS: u64 = 512;

#[test]
fn a_full_disk_fails_writes_clearly_and_corrupts_nothing() {
    let i = Install::new();
    if i.pg.is_some() {
        eprintln!("full disk: SQLite only (PostgreSQL's disk is the database server's); skipped");
        return;
    }
    let fx = setup(&i);
    let mut acked: Vec<(CaseId, String)> = Vec::new();
    let mut server = spawn(&i, None);
    server.wait_healthy();
    for _ in 0..3 {
        let m = marker();
        let r = create_case(server.port, &fx.token, &m).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status, 201, "{}", r.body);
        acked.push((created_id(&r).unwrap_or_else(|| panic!("{}", r.body)), m));
    }
    assert_eq!(server.terminate(), Some(0));

    // The same installation, now unable to grow any file past 256 KiB.
    let mut server = spawn(&i, Some(FILE_SIZE_BLOCKS));
    server.wait_healthy();
    let mut failure = None;
    for _ in 0..400 {
        let m = marker();
        let r = create_case(server.port, &fx.token, &m).unwrap_or_else(|e| panic!("no answer: {e}"));
        if r.status != 201 {
            failure = Some(r);
            break;
        }
        acked.push((created_id(&r).unwrap_or_else(|| panic!("{}", r.body)), m));
    }
    let failure = failure.unwrap_or_else(|| panic!("400 cases written under a 256 KiB file limit"));
    // A clear error: the API's JSON error, with no inner error text.
    assert_eq!(failure.status, 500, "{}", failure.body);
    assert_eq!(failure.json()["error"]["code"], "internal", "{}", failure.body);
    // The server is still up: it answers, and keeps refusing writes the same way.
    for _ in 0..3 {
        let r = create_case(server.port, &fx.token, &marker()).unwrap_or_else(|e| panic!("no answer: {e}"));
        assert_eq!(r.status, 500, "{}", r.body);
    }
    let login = request(server.port, "GET", "/login", None, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(login.status, 200);
    // Reading a child's case either works, when its (small) audit entry still fits, or is
    // refused: no access goes unrecorded (checked against the trail below).
    let (read_id, _) = acked[0].clone();
    let read = request(server.port, "GET", &format!("/api/v1/cases/{read_id}"), Some(&fx.token), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(read.status == 200 || read.status == 500, "{}", read.body);
    let read_while_full = read.status == 200;
    assert!(server.alive(), "the server died: {}", server.log());

    // Space comes back: the same server writes again, on every connection of its pool (a
    // connection whose commit failed must not stay unusable).
    let lifted = Command::new("prlimit")
        .arg("--pid")
        .arg(server.child.id().to_string())
        .arg("--fsize=unlimited")
        .status()
        .is_ok_and(|s| s.success());
    if lifted {
        for _ in 0..40 {
            let m = marker();
            let r = create_case(server.port, &fx.token, &m).unwrap_or_else(|e| panic!("no answer: {e}"));
            assert_eq!(r.status, 201, "after the disk has room again: {}", r.body);
            acked.push((created_id(&r).unwrap_or_else(|| panic!("{}", r.body)), m));
        }
    } else {
        // Like the browser tests: a missing tool skips here, but under CI=true it must run.
        let message = "full disk: prlimit (util-linux) unavailable, recovery checked after a restart only";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}: under CI=true it must run");
        eprintln!("{message}");
    }
    let log_file = server.log.clone();
    assert_eq!(server.terminate(), Some(0));
    let log = std::fs::read_to_string(log_file).unwrap_or_default();
    assert!(log.contains("disk I/O error"), "the log names the failure: {log}");
    assert!(!log.contains("panicked"), "{log}");
    for (_, m) in &acked {
        assert!(!log.contains(m.as_str()), "a child's name in the log");
    }

    // Room again: everything acknowledged is there, and writing works.
    let mut server = spawn(&i, None);
    server.wait_healthy();
    for (id, m) in &acked {
        let r = request(server.port, "GET", &format!("/api/v1/cases/{id}"), Some(&fx.token), None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["identity"]["family_name"].as_str(), Some(m.as_str()));
    }
    let r = create_case(server.port, &fx.token, &marker()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(server.terminate(), Some(0));
    i.assert_audit_intact();
    assert_eq!(sqlite_integrity(&i.sqlite_file()), "ok");
    let reads = block_on(async {
        let (store, _) = Store::open(&i.location, &i.key_file).await.unwrap_or_else(|e| panic!("{e}"));
        let trail = store.audit_of_object(&read_id.to_string(), 100).await.unwrap_or_else(|e| panic!("{e}"));
        store.close().await;
        trail.iter().filter(|e| e.entry.action == "case.read").count()
    });
    // One read after the restart above, plus the one during the full disk if it was answered.
    assert_eq!(reads, 1 + usize::from(read_while_full), "every answered read is in the trail");
    eprintln!(
        "full disk: {} cases acknowledged in all, writes answered 500 while full, the same server \
         recovered when space came back (limit lifted: {lifted}); database intact",
        acked.len()
    );
}

#[test]
fn a_read_only_data_directory_is_refused_clearly() {
    use std::os::unix::fs::PermissionsExt;
    let i = Install::new();
    if i.pg.is_some() {
        eprintln!("read-only data directory: SQLite only; skipped");
        return;
    }
    if is_root() {
        // Permissions do not stop root; the full-disk test covers failing writes for root.
        eprintln!("read-only data directory: running as root, permissions do not apply; skipped");
        return;
    }
    let fx = setup(&i);
    let mut server = spawn(&i, None);
    server.wait_healthy();
    let m = marker();
    let r = create_case(server.port, &fx.token, &m).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status, 201, "{}", r.body);
    let id = created_id(&r).unwrap_or_else(|| panic!("{}", r.body));
    assert_eq!(server.terminate(), Some(0));

    // Everything in the data directory read-only, then each mode put back as it was (the
    // master key file must stay readable by its owner only).
    let data = i.dir.join("data");
    let mut modes: Vec<(PathBuf, u32)> = std::fs::read_dir(&data)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.path(), e.metadata().ok()?.permissions().mode())))
        .collect();
    modes.push((data.clone(), std::fs::metadata(&data).map_or(0o700, |m| m.permissions().mode())));
    let read_only = || {
        for (path, mode) in &modes {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o555));
        }
    };
    let restore = || {
        for (path, mode) in modes.iter().rev() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode)).unwrap_or_else(|e| panic!("{e}"));
        }
    };
    read_only();
    let mut server = spawn(&i, None);
    let start = Instant::now();
    let mut outcome = None;
    while start.elapsed() < Duration::from_mins(1) {
        if let Ok(Some(status)) = server.child.try_wait() {
            outcome = Some(status.code());
            break;
        }
        if let Ok(r) = create_case(server.port, &fx.token, &marker()) {
            // It started read-only: writes must fail clearly, never half-way.
            assert_eq!(r.status, 500, "{}", r.body);
            assert_eq!(r.json()["error"]["code"], "internal");
            outcome = Some(None);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = server.log();
    match outcome {
        Some(Some(code)) => {
            assert_eq!(code, 1, "{log}");
            assert!(log.contains("cannot open the installation"), "{log}");
            eprintln!("read-only data directory: refused at start: {}", log.trim());
        }
        Some(None) => {
            let _ = server.terminate();
            eprintln!("read-only data directory: started, writes answered 500");
        }
        None => panic!("neither refused nor answering: {log}"),
    }
    assert!(!log.contains("panicked") && !log.contains(m.as_str()), "{log}");
    restore();
    let mut server = spawn(&i, None);
    server.wait_healthy();
    let r = request(server.port, "GET", &format!("/api/v1/cases/{id}"), Some(&fx.token), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(server.terminate(), Some(0));
    i.assert_audit_intact();
    assert_eq!(sqlite_integrity(&i.sqlite_file()), "ok");
}

// --- The database going away and coming back -----------------------------------------------

#[test]
fn the_server_survives_the_database_going_away_and_coming_back() {
    let Some(admin_url) = test_database_url() else {
        eprintln!("database outage: PostgreSQL only (set PASSERELLE_TEST_DATABASE_URL); skipped");
        return;
    };
    let started = Instant::now();
    let i = Install::own_database(&admin_url);
    let name = match &i.pg {
        Some(Pg::Database { name, .. }) => name.clone(),
        _ => panic!("a database of its own"),
    };
    let fx = setup(&i);
    let mut server = spawn(&i, None);
    server.wait_healthy();
    let before = marker();
    let r = create_case(server.port, &fx.token, &before).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status, 201, "{}", r.body);
    let id = created_id(&r).unwrap_or_else(|| panic!("{}", r.body));

    // Gone: no new connection is accepted and the server's connections are cut.
    psql(&admin_url, &format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"));
    psql(&admin_url, &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"));
    let start = Instant::now();
    let health = loop {
        let r = request(server.port, "GET", "/healthz", None, None).unwrap_or_else(|e| panic!("no answer: {e}"));
        if r.status != 200 || start.elapsed() > Duration::from_mins(1) {
            break r;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(health.status, 503, "{}", health.body);
    // Requests get an answer (the client gives up after 30 s), and a clear error.
    for _ in 0..3 {
        let r = create_case(server.port, &fx.token, &marker()).unwrap_or_else(|e| panic!("no answer: {e}"));
        assert_eq!(r.status, 500, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], "internal", "{}", r.body);
    }
    let page = request(server.port, "GET", "/login", None, None).unwrap_or_else(|e| panic!("no answer: {e}"));
    assert!(page.status < 600, "the server answers pages");
    assert!(server.alive(), "{}", server.log());

    // Back: the same server recovers on its own.
    psql(&admin_url, &format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"));
    server.wait_healthy();
    let after = marker();
    let r = create_case(server.port, &fx.token, &after).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status, 201, "{}", r.body);
    let r = request(server.port, "GET", &format!("/api/v1/cases/{id}"), Some(&fx.token), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["identity"]["family_name"].as_str(), Some(before.as_str()));
    let log_file = server.log.clone();
    assert_eq!(server.terminate(), Some(0));
    let log = std::fs::read_to_string(log_file).unwrap_or_default();
    assert!(!log.contains("panicked") && !log.contains(before.as_str()), "{log}");
    i.assert_audit_intact();
    eprintln!("database outage: 503 while away, recovered without restart, {:.1} s", started.elapsed().as_secs_f64());
}

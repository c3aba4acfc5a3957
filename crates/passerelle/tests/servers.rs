//! Several servers on one PostgreSQL database (docs/DEPLOYMENT.md, "Several servers"): two
//! `passerelle serve` processes on two ports, as behind one address, share sessions, CSRF
//! tokens, the per-account lockout, the daily job's claim and one linear audit chain.
//!
//! PostgreSQL only (`PASSERELLE_TEST_DATABASE_URL`): an embedded SQLite installation is for one
//! server, so on a SQLite run each test prints why it skips and returns.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use passerelle_crypto::totp;

const BIN: &str = env!("CARGO_BIN_EXE_passerelle");
/// The one public address both servers stand behind (a reverse proxy would pass it on).
const HOST: &str = "passerelle.test";

fn pg_url(test: &str) -> Option<String> {
    match std::env::var("PASSERELLE_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("{test}: skipped, several servers need PostgreSQL (set PASSERELLE_TEST_DATABASE_URL)");
            None
        }
    }
}

// ----- the installation and its servers -----

/// One installation in a PostgreSQL schema of its own, its accounts, and its servers.
struct Cluster {
    dir: PathBuf,
    url: String,
    schema: String,
    args: Vec<String>,
    org: String,
    servers: Vec<(Child, u16)>,
}

impl Cluster {
    /// A migrated installation with one organization.
    fn new(url: &str) -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("passerelle-servers-{id}"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let schema = format!("t_{id}");
        psql(url, &format!("CREATE SCHEMA \"{schema}\""));
        let sep = if url.contains('?') { '&' } else { '?' };
        let db_url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
        let key = dir.join("master.key").display().to_string();
        let mut c = Self {
            dir,
            url: url.to_owned(),
            schema,
            args: vec!["--database-url".into(), db_url, "--key-file".into(), key],
            org: String::new(),
            servers: Vec::new(),
        };
        let out = c.cli(&["migrate"], &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = c.cli(&["admin", "create-org"], &["--name", "Refuge Deux", "--type", "shelter", "--regions", "06"]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).trim().clone_into(&mut c.org);
        c
    }

    fn cli(&self, cmd: &[&str], extra: &[&str]) -> Output {
        Command::new(BIN).args(cmd).args(&self.args).args(extra).output().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Creates an account (roles comma-separated) and returns its temporary password.
    fn user(&self, username: &str, roles: &str) -> Account {
        let out = self.cli(
            &["admin", "create-user"],
            &["--org", &self.org, "--username", username, "--display-name", username, "--roles", roles],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let password = text.split("temporary password: ").nth(1).map(str::trim).unwrap_or_default().to_owned();
        assert!(!password.is_empty(), "{text}");
        Account { username: username.to_owned(), password, totp: None }
    }

    /// Starts `n` servers at the same moment and waits until every one answers and the
    /// day's retention run (which each starts with) is finished.
    fn start(&mut self, n: usize) -> Vec<u16> {
        let ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
        for &port in &ports {
            let child = Command::new(BIN)
                .arg("serve")
                .args(&self.args)
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("{e}"));
            self.servers.push((child, port));
        }
        for &port in &ports {
            wait_ready(port);
        }
        let done = wait_for(Duration::from_mins(1), || {
            self.sql("SELECT count(*) FROM job_runs WHERE job = 'retention' AND finished_at IS NOT NULL") == "1"
        });
        assert!(done, "the day's retention run did not finish");
        ports
    }

    /// One value (or rows separated by newlines) of a query, through psql.
    fn sql(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .arg(&self.url)
            .arg("-XAtqv")
            .arg("ON_ERROR_STOP=1")
            .arg("-c")
            .arg(format!("SET search_path TO \"{}\"; {sql}", self.schema))
            .output()
            .unwrap_or_else(|e| panic!("psql: {e}"));
        assert!(out.status.success(), "psql failed: {}", stderr(&out));
        stdout(&out).trim().to_owned()
    }

    fn count(&self, sql: &str) -> u64 {
        let v = self.sql(sql);
        v.parse().unwrap_or_else(|e| panic!("{e}: {v}"))
    }

    /// `passerelle audit verify` passes, and says how many entries it checked.
    fn verify_audit(&self) -> u64 {
        let out = self.cli(&["audit", "verify"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        text.trim()
            .strip_prefix("audit trail intact: ")
            .and_then(|r| r.strip_suffix(" entries checked"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{text}"))
    }

    /// Stops the servers (SIGTERM) and returns what they printed.
    fn stop(&mut self) -> String {
        let mut printed = String::new();
        for (mut child, _) in self.servers.drain(..) {
            assert_eq!(terminate(&mut child), Some(0), "a server did not stop cleanly");
            child.stdout.take().map(|mut s| s.read_to_string(&mut printed));
        }
        printed
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for (child, _) in &mut self.servers {
            let _ = terminate(child);
        }
        let _ = Command::new("psql")
            .arg(&self.url)
            .arg("-Xqc")
            .arg(format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema))
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql").arg(url).arg("-Xqv").arg("ON_ERROR_STOP=1").arg("-c").arg(sql).output();
    let out = out.unwrap_or_else(|e| panic!("psql: {e}"));
    assert!(out.status.success(), "psql failed: {}", stderr(&out));
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    l.local_addr().map_or_else(|e| panic!("{e}"), |a| a.port())
}

fn wait_for(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn wait_ready(port: u16) {
    let ready = wait_for(Duration::from_mins(1), || {
        send(port, "GET", "/healthz", "", None).is_ok_and(|r| r.status == 200 && r.body == "ok")
    });
    assert!(ready, "the server on port {port} did not start");
}

fn terminate(child: &mut Child) -> Option<i32> {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

// ----- a small HTTP/1.1 client -----

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn location(&self) -> &str {
        self.header("location").unwrap_or_default()
    }

    /// The anti-CSRF token of the first form on the page.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let i = self.body.find(marker).unwrap_or_else(|| panic!("no form on the page: {}", self.body));
        let rest = &self.body[i + marker.len()..];
        rest[..rest.find('"').unwrap_or(0)].to_owned()
    }
}

/// One request on its own connection; an error when the server cannot be reached or its
/// answer is not HTTP.
fn send(port: u16, method: &str, path: &str, cookie: &str, form: Option<&str>) -> Result<Resp, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n");
    if !cookie.is_empty() {
        let _ = write!(req, "Cookie: {cookie}\r\n");
    }
    let body = form.unwrap_or_default();
    if form.is_some() {
        let _ = write!(
            req,
            "Origin: http://{HOST}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        );
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| format!("read: {e}"))?;
    let text = || String::from_utf8_lossy(&raw).into_owned();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| format!("not HTTP: {}", text()))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("no status: {head}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers.iter().any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked")) {
        body = dechunk(&body);
    }
    Ok(Resp { status, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&data[..eol]).ok().and_then(|h| usize::from_str_radix(h.trim(), 16).ok());
        let Some(size) = size.filter(|n| *n > 0) else { break };
        let start = eol + 2;
        let Some(chunk) = data.get(start..start + size) else { break };
        out.extend_from_slice(chunk);
        data = data.get(start + size + 2..).unwrap_or_default();
    }
    out
}

/// Percent-encoding for form values.
fn enc(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&")
}

/// A browser: a cookie jar, sending each request to whichever server it is told (as a load
/// balancer would).
#[derive(Default, Clone)]
struct Browser {
    cookies: HashMap<String, String>,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn request(&mut self, port: u16, method: &str, path: &str, body: Option<&str>) -> Resp {
        let r = send(port, method, path, &self.cookie_header(), body)
            .unwrap_or_else(|e| panic!("{method} {path} on port {port}: {e}"));
        for (k, v) in &r.headers {
            if k != "set-cookie" {
                continue;
            }
            let pair = v.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else { continue };
            let removal = value.is_empty() || v.to_ascii_lowercase().contains("max-age=0");
            if removal {
                self.cookies.remove(name.trim());
            } else {
                self.cookies.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        r
    }

    fn get(&mut self, port: u16, path: &str) -> Resp {
        self.request(port, "GET", path, None)
    }

    fn post(&mut self, port: u16, path: &str, pairs: &[(&str, &str)]) -> Resp {
        self.request(port, "POST", path, Some(&form(pairs)))
    }

    fn session(&self) -> Option<String> {
        self.cookies.get("passerelle-session").cloned()
    }
}

/// An account and its second factor, once enrolled.
struct Account {
    username: String,
    password: String,
    /// The secret and the last time step used (each step signs in once).
    totp: Option<(totp::TotpSecret, u64)>,
}

impl Account {
    /// A code for a time step not used yet: the previous, current or next one (the server
    /// accepts ±1 step), so that three sign-ins need no wait; waits when all three are used,
    /// and near the end of a step (so that the code is still good when it arrives).
    fn next_code(&mut self) -> String {
        let (secret, last) = self.totp.as_mut().unwrap_or_else(|| panic!("no second factor yet"));
        loop {
            let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0);
            let current = now / 30;
            let step = (current - 1).max(*last + 1);
            if now % 30 < 27 && step <= current + 1 {
                *last = step;
                return totp::code_at(secret, step * 30);
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    /// Signs in: the form from `first`, the password to `second`, the second factor (its
    /// enrolment the first time) back to `first`. Returns the signed-in browser.
    fn sign_in(&mut self, first: u16, second: u16) -> Browser {
        let mut b = Browser::default();
        let page = b.get(first, "/login");
        assert_eq!(page.status, 200);
        let csrf = page.csrf();
        let r =
            b.post(second, "/login", &[("csrf", &csrf), ("username", &self.username), ("password", &self.password)]);
        assert_eq!(r.status, 303, "password refused: {}", r.body);
        if self.totp.is_none() {
            assert_eq!(r.location(), "/mfa/setup");
            let page = b.get(first, "/mfa/setup");
            assert_eq!(page.status, 200, "{}", page.body);
            let marker = "<code class=\"secret\">";
            let i = page.body.find(marker).unwrap_or_else(|| panic!("no secret: {}", page.body)) + marker.len();
            let text: String =
                page.body[i..].chars().take_while(|c| *c != '<').filter(|c| !c.is_whitespace()).collect();
            let secret = totp::secret_from_base32(&text).unwrap_or_else(|e| panic!("{e}"));
            self.totp = Some((secret, 0));
            let code = self.next_code();
            let r = b.post(first, "/mfa/setup", &[("csrf", &page.csrf()), ("code", &code)]);
            assert_eq!(r.status, 303, "enrolment refused: {}", r.body);
            assert!(r.location().starts_with("/?"), "{}", r.location());
        } else {
            assert_eq!(r.location(), "/login/mfa");
            let page = b.get(first, "/login/mfa");
            let code = self.next_code();
            let r = b.post(first, "/login/mfa", &[("csrf", &page.csrf()), ("code", &code)]);
            assert_eq!(r.status, 303, "code refused: {}", r.body);
            assert_eq!(r.location(), "/");
        }
        assert!(b.session().is_some(), "no session cookie");
        b
    }
}

/// A page only a signed-in user gets (200), or the way back to the sign-in page.
fn signed_in(b: &mut Browser, port: u16) -> bool {
    let r = b.get(port, "/account");
    match r.status {
        200 => true,
        303 if r.location() == "/login" => false,
        s => panic!("unexpected answer {s}: {}", r.body),
    }
}

// ----- the tests -----

#[test]
fn sessions_and_csrf_tokens_hold_across_two_servers() {
    let Some(url) = pg_url("sessions_and_csrf_tokens_hold_across_two_servers") else { return };
    let mut c = Cluster::new(&url);
    let mut ann = c.user("ann", "case_worker");
    let ports = c.start(2);
    let (a, b) = (ports[0], ports[1]);

    // Sign-in spread over both servers: the pre-session token of A's form is accepted by B,
    // and the half-signed-in session B opened is continued on A (second-factor enrolment).
    let mut browser = ann.sign_in(a, b);
    assert!(signed_in(&mut browser, b), "a session opened on A works on B");
    assert!(signed_in(&mut browser, a));
    assert_eq!(browser.get(b, "/cases").status, 200);

    // A form rendered by A is accepted by B (the session's token is in the database) …
    let csrf = browser.get(a, "/account").csrf();
    let cookie = browser.session().unwrap_or_default();
    let mut forged = browser.clone();
    let r = forged.post(b, "/logout", &[("csrf", "not-the-token")]);
    assert_eq!(r.status, 403, "a wrong token is refused");
    assert!(signed_in(&mut browser, a), "and the session goes on");
    // … and signing out on B ends the session on A too.
    let r = browser.post(b, "/logout", &[("csrf", &csrf)]);
    assert_eq!((r.status, r.location()), (303, "/login"));
    let mut old = Browser::default();
    old.cookies.insert("passerelle-session".into(), cookie);
    assert!(!signed_in(&mut old, a), "the cookie is refused on A after sign-out on B");
    assert!(!signed_in(&mut old, b));

    // Sign out everywhere from B ends the session opened on A.
    let mut on_a = ann.sign_in(a, a);
    let mut on_b = ann.sign_in(b, b);
    assert!(signed_in(&mut on_a, b) && signed_in(&mut on_b, a));
    let csrf = on_b.get(b, "/account").csrf();
    let r = on_b.post(b, "/logout/everywhere", &[("csrf", &csrf)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(!signed_in(&mut on_a, a), "sign-out everywhere on B ends the session on A");
    assert!(!signed_in(&mut on_a, b));
    assert_eq!(c.count("SELECT count(*) FROM sessions"), 0);

    // No setup link: the installation had its accounts before the servers started.
    let printed = c.stop();
    assert!(!printed.contains("/setup/"), "{printed}");
    assert_eq!(printed.matches("Passerelle is listening on").count(), 2, "{printed}");
    c.verify_audit();
}

#[test]
fn the_account_lockout_holds_across_two_servers() {
    let Some(url) = pg_url("the_account_lockout_holds_across_two_servers") else { return };
    let mut c = Cluster::new(&url);
    let bob = c.user("bob", "case_worker");
    let mut eve = c.user("eve", "case_worker");
    let ports = c.start(2);
    let (a, b) = (ports[0], ports[1]);

    let attempt = |port: u16, password: &str| {
        let mut br = Browser::default();
        let csrf = br.get(port, "/login").csrf();
        let r = br.post(port, "/login", &[("csrf", &csrf), ("username", "bob"), ("password", password)]);
        (r.status, br.session().is_some())
    };
    // Three failures on A and two on B: five for the account, whichever server counted them.
    for port in [a, a, a, b, b] {
        assert_eq!(attempt(port, "wrong password, wrong"), (200, false));
    }
    assert_eq!(c.sql("SELECT failed_logins FROM users WHERE username = 'bob'"), "5");
    assert_eq!(c.sql("SELECT locked_until > now() + interval '14 minutes' FROM users WHERE username = 'bob'"), "t");
    // Locked on both: the right password opens no session on either server.
    assert_eq!(attempt(a, &bob.password), (200, false), "locked on A");
    assert_eq!(attempt(b, &bob.password), (200, false), "locked on B");
    assert_eq!(c.count("SELECT count(*) FROM sessions"), 0);
    // Nothing else was refused: another account signs in from the same address.
    let mut br = eve.sign_in(a, b);
    assert!(signed_in(&mut br, a));

    // The per-address limiter (30 attempts a minute) counts in each process: A has seen 4
    // attempts and refuses from the 31st, while B, which has seen 4 too, still answers. The
    // cross-server guarantee is the lockout above (docs/DEPLOYMENT.md).
    let mut refused_at = None;
    for n in 5..=31 {
        let (status, _) = attempt(a, "spraying attempt");
        if status == 429 {
            refused_at = Some(n);
            break;
        }
        assert_eq!(status, 200);
    }
    assert_eq!(refused_at, Some(31), "A limits its own count of attempts per address");
    assert_eq!(attempt(b, "another attempt").0, 200, "B keeps its own count");
    c.verify_audit();
}

#[test]
fn the_daily_retention_job_runs_once_across_two_servers() {
    let Some(url) = pg_url("the_daily_retention_job_runs_once_across_two_servers") else { return };
    let mut c = Cluster::new(&url);
    c.user("ann", "screener");
    // Both servers start at once, and each begins by running the day's job.
    c.start(2);
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert_eq!(c.count("SELECT count(*) FROM job_runs"), 1);
    assert_eq!(c.sql("SELECT period FROM job_runs"), today);
    assert!(c.sql("SELECT claimed_by FROM job_runs").starts_with("serve:"));
    assert_eq!(c.count("SELECT count(*) FROM audit_log WHERE action = 'retention.run'"), 1);

    // The command, twice at once, beside the servers: the day is taken.
    let runs: Vec<Child> = (0..2)
        .map(|_| {
            Command::new(BIN)
                .args(["retention", "run"])
                .args(&c.args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    for run in runs {
        let out = run.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).starts_with("retention already ran today"), "{}", stdout(&out));
    }

    // The next day, with something due: eight runners on two connection pools (as two
    // servers would hold) race for it; exactly one wins and destroys the draft once.
    c.sql(
        "INSERT INTO screenings (id, org_id, created_by, status, stage, instrument_version, facts, flags, \
         created_at, updated_at, version) SELECT gen_random_uuid(), u.org_id, u.id, 'draft', 1, '1.0.0', \
         '\\x00'::bytea, '', now() - interval '2 years', now() - interval '2 years', 1 FROM users u LIMIT 1",
    );
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let location = passerelle_store::Location::Postgres { url: c.url.clone(), schema: Some(c.schema.clone()) };
    let key = c.dir.join("master.key");
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let results = runtime.block_on(async {
        let open =
            || async { passerelle_store::Store::open(&location, &key).await.unwrap_or_else(|e| panic!("{e}")).0 };
        let (one, two) = (open().await, open().await);
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = if i % 2 == 0 { one.clone() } else { two.clone() };
            tasks.push(tokio::spawn(async move { store.run_retention(tomorrow, &format!("test:{i}")).await }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|e| panic!("{e}")));
        }
        one.close().await;
        two.close().await;
        results
    });
    let ran: Vec<_> = results
        .iter()
        .filter_map(|r| match r {
            passerelle_store::retention::RetentionRun::Ran(s) => Some(*s),
            passerelle_store::retention::RetentionRun::AlreadyRan { .. } => None,
        })
        .collect();
    assert_eq!(ran.len(), 1, "one runner wins the day: {results:?}");
    assert_eq!(ran[0].draft_screenings, 1);
    assert_eq!(c.count("SELECT count(*) FROM job_runs WHERE finished_at IS NOT NULL"), 2);
    assert_eq!(c.count("SELECT count(*) FROM audit_log WHERE action = 'retention.run'"), 2);
    assert_eq!(c.count("SELECT count(*) FROM audit_log WHERE action = 'retention.destroy'"), 1);
    assert_eq!(c.count("SELECT count(*) FROM screenings"), 0);
    c.stop();
    c.verify_audit();
}

#[test]
fn the_audit_chain_stays_linear_under_load_on_two_servers() {
    const THREADS: usize = 4;
    const REQUESTS: usize = 50;
    let Some(url) = pg_url("the_audit_chain_stays_linear_under_load_on_two_servers") else { return };
    let mut c = Cluster::new(&url);
    let accounts: Vec<Account> = (0..THREADS).map(|i| c.user(&format!("worker{i}"), "case_worker")).collect();
    let ports = c.start(2);
    let (a, b) = (ports[0], ports[1]);
    let browsers: Vec<Browser> = accounts
        .into_iter()
        .enumerate()
        .map(|(i, mut acc)| if i % 2 == 0 { acc.sign_in(a, b) } else { acc.sign_in(b, a) })
        .collect();
    let before = c.count("SELECT count(*) FROM audit_log");
    assert_eq!(c.verify_audit(), before);

    // Every request appends one entry (the case list, or a name search), alternating servers.
    let handles: Vec<_> = browsers
        .into_iter()
        .enumerate()
        .map(|(t, mut br)| {
            std::thread::spawn(move || {
                for n in 0..REQUESTS {
                    let port = if (t + n) % 2 == 0 { a } else { b };
                    let path = if n % 2 == 0 { "/cases" } else { "/cases?q=Tremblay" };
                    let r = br.get(port, path);
                    assert_eq!(r.status, 200, "{path} on {port}: {}", r.body);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap_or_else(|_| panic!("a client thread failed"));
    }

    let expected = before + u64::try_from(THREADS * REQUESTS).unwrap_or_default();
    assert_eq!(c.count("SELECT count(*) FROM audit_log"), expected, "one entry per request, none lost");
    assert_eq!(c.count("SELECT count(DISTINCT seq) FROM audit_log"), expected, "no duplicate sequence number");
    assert_eq!(c.count("SELECT max(seq) FROM audit_log"), expected, "no gap");
    assert_eq!(
        c.count("SELECT count(*) FROM audit_log WHERE action IN ('case.list', 'case.search')"),
        u64::try_from(THREADS * REQUESTS).unwrap_or_default()
    );
    // Times never go backwards along the chain, whichever server appended.
    assert_eq!(c.count("SELECT count(*) FROM audit_log x JOIN audit_log y ON y.seq = x.seq + 1 WHERE y.at < x.at"), 0);
    c.stop();
    assert_eq!(c.verify_audit(), expected, "the whole chain verifies: no fork");
}

//! The command line as outside checks use it (contracts/cli.md, contracts/screening.md):
//! outputs and exit codes, on SQLite, and on PostgreSQL when the test run asks for it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_passerelle");

/// An installation for one test: `--data-dir`, or a PostgreSQL schema of its own.
struct Install {
    dir: PathBuf,
    args: Vec<String>,
    pg: Option<(String, String)>,
}

impl Install {
    fn new() -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("passerelle-cli-{id}"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        match std::env::var("PASSERELLE_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => {
                let schema = format!("t_{id}");
                psql(&url, &format!("CREATE SCHEMA \"{schema}\""));
                let sep = if url.contains('?') { '&' } else { '?' };
                let db_url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
                let key = dir.join("master.key").display().to_string();
                Self {
                    dir,
                    args: vec!["--database-url".into(), db_url, "--key-file".into(), key],
                    pg: Some((url, schema)),
                }
            }
            _ => {
                let data = dir.join("data").display().to_string();
                Self { dir, args: vec!["--data-dir".into(), data], pg: None }
            }
        }
    }

    fn key_file(&self) -> PathBuf {
        if self.pg.is_some() { self.dir.join("master.key") } else { self.dir.join("data").join("master.key") }
    }

    /// Runs `passerelle <cmd…> <location…> <extra…>`.
    fn run(&self, cmd: &[&str], extra: &[&str]) -> Output {
        Command::new(BIN).args(cmd).args(&self.args).args(extra).output().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Raw SQL, as someone with direct database access.
    fn sql(&self, sql: &str) {
        if let Some((url, schema)) = &self.pg {
            psql(url, &format!("SET search_path TO \"{schema}\"; {sql}"));
        } else {
            let db = self.dir.join("data").join("passerelle.db");
            let status = Command::new("sqlite3").arg(&db).arg(sql).status();
            match status {
                Ok(s) => assert!(s.success(), "sqlite3 failed"),
                Err(_) => sqlite_with_python(&db, sql),
            }
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

/// Python's sqlite3 module, where the sqlite3 shell is not installed.
fn sqlite_with_python(db: &Path, sql: &str) {
    let script = "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()";
    let s = Command::new("python3").arg("-c").arg(script).arg(db).arg(sql).status().unwrap_or_else(|e| panic!("{e}"));
    assert!(s.success());
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../passerelle-screening/tests/fixtures")
}

#[test]
fn screening_evaluate_follows_the_contract() {
    let mut n = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap_or_else(|e| panic!("{e}")).flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let fixture: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let facts = dir_file(&fixture["facts"].to_string());
        let out =
            Command::new(BIN).args(["screening", "evaluate"]).arg(&facts).output().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
        for (k, v) in fixture["expected"].as_object().into_iter().flatten() {
            assert_eq!(&result[k], v, "{} {k}", entry.path().display());
        }
        assert!(result["explanation"]["fr"].is_string() && result["next_steps"]["en"].is_array());
        n += 1;
    }
    assert!(n >= 10, "{n} fixtures");

    // Standard input.
    let mut child = Command::new(BIN)
        .args(["screening", "evaluate"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    child.stdin.take().map(|mut s| s.write_all(br#"{"age_years": 16, "presenting_context": ["runaway"]}"#));
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(r["flags"], serde_json::json!(["report_to_youth_protection"]));

    // Invalid facts: exit 2, nothing on stdout, one JSON error object on stderr.
    for (doc, field) in [
        ("not json", ""),
        ("[1]", ""),
        (r#"{"age_years": 12, "colour": "red"}"#, "/colour"),
        (r#"{"acts": ["recruited", "flew"]}"#, "/acts/1"),
        (r#"{"age_years": -1}"#, "/age_years"),
        (r#"{"age_years": 121}"#, "/age_years"),
        (r#"{"movement": {"crossed_canadian_border": "yes"}}"#, "/movement/crossed_canadian_border"),
    ] {
        let file = dir_file(doc);
        let out =
            Command::new(BIN).args(["screening", "evaluate"]).arg(&file).output().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2), "{doc}");
        assert!(out.stdout.is_empty(), "{doc}");
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        let e: serde_json::Value = serde_json::from_str(err.trim()).unwrap_or_else(|x| panic!("{x}: {err}"));
        assert_eq!(e["error"]["field"], field, "{doc}");
        assert!(e["error"]["code"].is_string() && e["error"]["message"].is_string());
    }
    let missing = Command::new(BIN)
        .args(["screening", "evaluate", "/no/such/file.json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(missing.status.code(), Some(2));
}

fn dir_file(content: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("passerelle-facts-{}.json", uuid::Uuid::now_v7().simple()));
    std::fs::write(&p, content).unwrap_or_else(|e| panic!("{e}"));
    p
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["migrate"],
        vec!["migrate", "--data-dir", "/tmp/x", "--database-url", "postgres://localhost/x"],
        vec!["migrate", "--database-url", "mysql://localhost/x", "--key-file", "/tmp/k"],
        vec!["migrate", "--database-url", "postgres://localhost/x"],
        vec!["no-such-command"],
        vec!["totp-code", "not base32!"],
    ] {
        let out = Command::new(BIN)
            .args(&args)
            .env_remove("PASSERELLE_DATA_DIR")
            .env_remove("PASSERELLE_DATABASE_URL")
            .env_remove("PASSERELLE_KEY_FILE")
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let help = Command::new(BIN).arg("--help").output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(help.status.code(), Some(0));
    for cmd in ["demo", "serve", "migrate", "audit", "admin", "keys", "screening", "backup", "restore"] {
        assert!(stdout(&help).contains(cmd), "{cmd} in --help");
    }
}

#[test]
fn migrate_admin_keys_and_audit_verify() {
    let i = Install::new();
    let out = i.run(&["migrate"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "schema created");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(i.key_file()).map(|m| m.permissions().mode() & 0o777).unwrap_or_default();
        assert_eq!(mode, 0o600, "the master key file is readable by its owner only");
    }
    assert_eq!(stdout(&i.run(&["migrate"], &[])).trim(), "schema up to date");

    let out = i.run(&["admin", "create-org"], &["--name", "Refuge Test", "--type", "shelter", "--regions", "03,06"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let org = stdout(&out).trim().to_owned();
    let dup = i.run(&["admin", "create-org"], &["--name", "Refuge Test", "--type", "shelter", "--regions", "03"]);
    assert_eq!(dup.status.code(), Some(2));
    let bad = i.run(&["admin", "create-org"], &["--name", "Autre", "--type", "bank", "--regions", "03"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = i.run(&["admin", "create-org"], &["--name", "Autre", "--type", "shelter", "--regions", "18"]);
    assert_eq!(bad.status.code(), Some(2));
    let list = i.run(&["admin", "list-orgs"], &[]);
    assert!(stdout(&list).contains("Refuge Test") && stdout(&list).contains("03,06"));

    let out = i.run(
        &["admin", "create-user"],
        &["--org", &org, "--username", "ann", "--display-name", "Ann", "--roles", "case_worker"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("temporary password: "));
    let out = i.run(
        &["admin", "create-user"],
        &["--org", &org, "--username", "bob", "--display-name", "Bob", "--roles", "wizard"],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = i.run(
        &["admin", "create-user"],
        &[
            "--org",
            &uuid::Uuid::now_v7().to_string(),
            "--username",
            "bob",
            "--display-name",
            "Bob",
            "--roles",
            "screener",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "unknown organization");
    assert_eq!(i.run(&["admin", "reset-password"], &["--username", "ann"]).status.code(), Some(0));
    assert_eq!(i.run(&["admin", "reset-mfa"], &["--username", "ann"]).status.code(), Some(0));
    assert_eq!(i.run(&["admin", "reset-mfa"], &["--username", "nobody"]).status.code(), Some(2));
    assert!(stdout(&i.run(&["admin", "setup-link"], &[])).contains("/setup/"));

    let out = i.run(&["keys", "rotate"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("master key version 2 is now current; 3 data keys re-wrapped"), "{}", stdout(&out));
    assert!(stdout(&i.run(&["keys", "status"], &[])).contains("master key version 2: 3 data keys"));

    let out = i.run(&["audit", "verify"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "audit trail intact: 6 entries checked");
    // Nothing identifying reaches standard error, whatever happened.
    assert!(!stderr(&out).contains("ann"));
}

fn tampered(statements: &str) -> String {
    let i = Install::new();
    assert_eq!(
        i.run(&["admin", "create-org"], &["--name", "Refuge Test", "--type", "shelter", "--regions", "03"])
            .status
            .code(),
        Some(0)
    );
    for n in 0..4 {
        let out =
            i.run(&["admin", "create-org"], &["--name", &format!("Org {n}"), "--type", "police", "--regions", "06"]);
        assert_eq!(out.status.code(), Some(0));
    }
    assert_eq!(i.run(&["audit", "verify"], &[]).status.code(), Some(0));
    // Someone with full control of the database removes the append-only triggers first.
    if i.pg.is_some() {
        i.sql(&format!("DROP TRIGGER audit_log_no_update ON audit_log; {statements}"));
    } else {
        i.sql(&format!("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {statements}"));
    }
    let out = i.run(&["audit", "verify"], &[]);
    assert_eq!(out.status.code(), Some(1), "tampering not detected: {}", stdout(&out));
    assert!(stdout(&out).is_empty());
    stderr(&out)
}

#[test]
fn audit_verify_detects_an_edited_entry() {
    assert!(tampered("UPDATE audit_log SET action = 'x' WHERE seq = 2;").contains("broken at entry 2"));
}

#[test]
fn audit_verify_detects_a_removed_entry() {
    assert!(tampered("DELETE FROM audit_log WHERE seq = 3;").contains("broken at entry 3"));
}

#[test]
fn audit_verify_detects_reordered_entries() {
    let sql = "UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; \
               UPDATE audit_log SET seq = 3 WHERE seq = -1;";
    assert!(tampered(sql).contains("broken at entry 2"));
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    l.local_addr().map_or_else(|e| panic!("{e}"), |a| a.port())
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    Some(buf)
}

fn wait_ready(port: u16) -> String {
    let start = Instant::now();
    while start.elapsed() < Duration::from_mins(1) {
        if let Some(r) = http_get(port, "/healthz") {
            return r;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not start");
}

fn terminate(child: &mut std::process::Child) -> Option<i32> {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

#[test]
fn serve_prints_a_setup_link_answers_health_and_stops_on_sigterm() {
    let i = Install::new();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(&i.args)
        .args(["--listen", &listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let health = wait_ready(port);
    assert!(health.starts_with("HTTP/1.1 200") && health.ends_with("ok"), "{health}");
    let login = http_get(port, "/login").unwrap_or_default();
    assert!(login.contains("Connexion"));
    assert_eq!(terminate(&mut child), Some(0));
    let mut out = String::new();
    child.stdout.take().map(|mut s| s.read_to_string(&mut out));
    assert!(out.contains(&format!("http://{listen}/setup/")), "{out}");
}

#[test]
fn demo_serves_fictional_accounts_and_cleans_up() {
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["demo", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let health = wait_ready(port);
    assert!(health.ends_with("ok"));
    assert_eq!(terminate(&mut child), Some(0));
    let mut out = String::new();
    child.stdout.take().map(|mut s| s.read_to_string(&mut out));
    for role in
        ["system_admin", "org_admin", "privacy_officer", "supervisor", "case_worker", "screener", "analyst", "trainer"]
    {
        assert!(out.contains(role), "a demonstration account for {role}");
    }
    assert!(out.contains("passerelle-demo-2026") && out.contains("deleted"), "{out}");
}

/// The last line of a command's standard output, as JSON.
fn last_json(text: &str) -> serde_json::Value {
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

#[test]
fn demo_data_then_stats_publish_counts_children_not_records() {
    let install = Install::new();
    let out = install.run(&["demo-data"], &["--children", "400", "--seed", "11"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = last_json(&stdout(&out));
    assert_eq!(summary["children"], 400);
    let records = summary["child_records"].as_u64().unwrap_or_default();
    let records_f = f64::from(u32::try_from(records).unwrap_or(u32::MAX));
    assert!(records > 500 && summary["cases"] == records && summary["organizations"].as_u64() > Some(10), "{summary}");

    let file = install.dir.join("stats.json");
    let path = file.display().to_string();
    let publish = |eps: &str| install.run(&["stats", "publish"], &["--epsilon", eps, "--out", &path]);
    for bad in ["0", "-1", "abc", "NaN", "3.5"] {
        let o = publish(bad);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "one line: {}", stderr(&o));
        assert!(!file.exists(), "{bad}: nothing written");
    }
    let o = publish("1");
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (doc["unit"].as_str(), doc["epsilon"].as_f64(), doc["budget_remaining"].as_f64()),
        (Some("child"), Some(1.0), Some(2.0))
    );
    let tables = doc["tables"].as_array().cloned().unwrap_or_default();
    let total = &tables[0]["cells"][0];
    let (value, margin) = (total["value"].as_f64().unwrap_or(0.0), total["margin_95"].as_f64().unwrap_or(0.0));
    // Distinct children, not records: within the margin (plus the few links the matcher
    // misses) of 400, and far from the number of records.
    assert!((value - 400.0).abs() <= margin + 20.0, "total {value} ± {margin}");
    assert!(value < records_f - margin, "total {value} counts records ({records})");
    let dims = [
        "region",
        "age_band",
        "gender",
        "internal_external",
        "exploitation",
        "presenting_situation",
        "referral_source",
        "period",
    ];
    for t in &tables {
        for c in t["cells"].as_array().into_iter().flatten() {
            match c["value"].as_f64() {
                Some(v) => assert!(v >= 5.0 && c["suppressed"] == false, "{c}"),
                None => assert_eq!(c["suppressed"], true, "{c}"),
            }
            for k in c["key"].as_object().into_iter().flat_map(|o| o.keys()) {
                assert!(dims.contains(&k.as_str()), "unexpected dimension {k}");
            }
        }
    }
    // Nothing identifying in the raw output: no name of any fictional child.
    let population = passerelle_synth::generate(11, 400);
    for r in &population.records {
        for name in [&r.given_name, &r.surname] {
            assert!(name.chars().count() < 4 || !text.contains(name.as_str()), "a name is in the output");
        }
    }
    // The rest of the year's budget, then nothing more.
    assert!(publish("2").status.success());
    let o = publish("0.1");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // The HTCDS export: the standard's columns only, every combination shared by 11 children
    // at least, and no name.
    let csv = install.dir.join("htcds.csv");
    let o = install.run(&["stats", "htcds"], &["--out", &csv.display().to_string()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = last_json(&stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap_or_default();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "yearOfRegistration,x_QuebecRegion,prs_Gender,vic_AgeWhenTrafficked,vic_TraffickingStatus,\
         vic_TypeOfExploitation,x_InternalExternal,org_Type"
    );
    let rows = report["rows"].as_u64().unwrap_or_default();
    assert_eq!(usize::try_from(rows).unwrap_or_default(), lines.len() - 1, "{report}");
    assert_eq!(report["k"], 11);
    assert!(rows + report["dropped"].as_u64().unwrap_or_default() < 400 + 20, "children, not records: {report}");
    let mut classes = std::collections::HashMap::new();
    for l in &lines[1..] {
        *classes.entry(*l).or_insert(0) += 1;
    }
    assert!(classes.values().all(|n| *n >= 11), "a class under k: {classes:?}");
    for r in &population.records {
        for name in [&r.given_name, &r.surname] {
            assert!(name.chars().count() < 4 || !text.contains(name.as_str()), "a name is in the export");
        }
    }
    let o = install.run(&["stats", "htcds"], &[]);
    assert_eq!(o.status.code(), Some(2), "--out is required: {}", stderr(&o));

    let verify = install.run(&["audit", "verify"], &[]);
    assert!(verify.status.success(), "{}", stderr(&verify));
}

#[test]
fn linkage_link_follows_the_contract() {
    let dir = std::env::temp_dir().join(format!("passerelle-linkage-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let a = dir.join("a.csv");
    let b = dir.join("b.csv");
    let links = dir.join("links.csv");
    std::fs::write(
        &a,
        "rec_id,given_name,surname,dob,sex,postcode\n\
         a1,Marie-Ève,Tremblay-Gagnon,2010-04-07,f,\n\
         a2,Jade,Nguyen,2011-01-30,f,\n\
         a3,Zoé,Lapointe,2009-12-02,f,\n\
         a4,Olivier,Bergeron,2008-06-15,m,\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        &b,
        "rec_id,given_name,surname,dob,sex,postcode\n\
         b1,Tremblay-Gagnon,Marie-Ève,2010-04-07,f,\n\
         b2,ZOE,LAPOINTE,2009-02-12,f,\n\
         b3,Inès,Haddad,2010-09-09,f,\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let arg = |p: &Path| p.display().to_string();
    let run = |extra: &[&str]| {
        Command::new(BIN)
            .args(["linkage", "link", "--a", &arg(&a), "--b", &arg(&b), "--out", &arg(&links)])
            .args(extra)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let out = run(&["--threads", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value =
        serde_json::from_str(stderr(&out).lines().last().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (summary["records_a"].as_u64(), summary["records_b"].as_u64(), summary["threads"].as_u64()),
        (Some(4), Some(3), Some(1))
    );
    assert!(summary["encode_seconds"].is_f64() && summary["match_seconds"].is_f64() && summary["comparisons"].is_u64());
    let text = std::fs::read_to_string(&links).unwrap_or_default();
    let mut rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.remove(0), "a_rec_id,b_rec_id,score");
    let pairs: Vec<(&str, &str)> = rows.iter().filter_map(|l| l.split(',').next().zip(l.split(',').nth(1))).collect();
    assert!(pairs.contains(&("a1", "b1")), "names swapped: {pairs:?}");
    assert!(pairs.contains(&("a3", "b2")), "accents, case, day and month swapped: {pairs:?}");
    assert_eq!(pairs.len(), 2, "nobody else: {pairs:?}");
    assert!(!stderr(&out).contains("Tremblay"), "no identity on standard error");

    std::fs::write(&b, "id,given,surname\nb1,Marie,Tremblay\n").unwrap_or_else(|e| panic!("{e}"));
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Tremblay"), "no value in the error: {}", stderr(&out));
    let out = run(&["--threads", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn retention_run_destroys_once_a_day_and_prints_counts_only() {
    let i = Install::new();
    assert_eq!(i.run(&["migrate"], &[]).status.code(), Some(0));
    let out = i.run(&["admin", "create-org"], &["--name", "Refuge Rétention", "--type", "shelter", "--regions", "06"]);
    let org = stdout(&out).trim().to_owned();
    let out = i.run(
        &["admin", "create-user"],
        &["--org", &org, "--username", "ann", "--display-name", "Ann", "--roles", "screener"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A draft abandoned two years ago (the default period for drafts is one month).
    if i.pg.is_some() {
        i.sql(
            "INSERT INTO screenings (id, org_id, created_by, status, stage, instrument_version, facts, flags, \
             created_at, updated_at, version) SELECT gen_random_uuid(), u.org_id, u.id, 'draft', 1, '1.0.0', \
             '\\x00'::bytea, '', now() - interval '2 years', now() - interval '2 years', 1 FROM users u LIMIT 1",
        );
    } else {
        i.sql(
            "INSERT INTO screenings (id, org_id, created_by, status, stage, instrument_version, facts, flags, \
             created_at, updated_at, version) SELECT randomblob(16), u.org_id, u.id, 'draft', 1, '1.0.0', X'00', '', \
             strftime('%Y-%m-%d %H:%M:%S+00:00', 'now', '-2 years'), \
             strftime('%Y-%m-%d %H:%M:%S+00:00', 'now', '-2 years'), 1 FROM users u LIMIT 1",
        );
    }
    let dry = i.run(&["retention", "run"], &["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("dry run") && stdout(&dry).contains("draft_screenings=1"), "{}", stdout(&dry));
    let out = i.run(&["retention", "run"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        "retention run: cases_destroyed=0 cases_held=0 anonymous_screenings=0 draft_screenings=1 incidents=0"
    );
    // Once a day: a second run (another server, or the command again) does nothing.
    let again = i.run(&["retention", "run"], &[]);
    assert_eq!(again.status.code(), Some(0));
    assert!(stdout(&again).starts_with("retention already ran today"), "{}", stdout(&again));
    assert!(stdout(&i.run(&["retention", "run"], &["--dry-run"])).contains("draft_screenings=0"));
    let verify = i.run(&["audit", "verify"], &[]);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    assert_eq!(i.run(&["retention", "run"], &["--bogus"]).status.code(), Some(2));
}

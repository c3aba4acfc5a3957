//! `passerelle demo` as the browser tests use it: started on a free port, its table of
//! fictional accounts read from standard output, stopped with SIGTERM.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_passerelle");

/// The password of every demonstration account.
pub const PASSWORD: &str = "passerelle-demo-2026";

/// A running demonstration server, stopped when dropped.
pub struct Demo {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// User name → second-factor secret, when the account has one.
    accounts: HashMap<String, Option<String>>,
    stopped: bool,
}

impl Demo {
    /// Starts `passerelle demo` and waits (at most a minute) for its listening line.
    pub fn start() -> Self {
        let port = crate::webdriver::free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = Command::new(BIN)
            .args(["demo", "--listen", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the demo: {e}"));
        let Some(stdout) = child.stdout.take() else { panic!("no standard output") };
        let mut demo = Self { child, base, accounts: HashMap::new(), stopped: false };

        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Read to the end even once nobody listens, so the server never blocks on a full pipe.
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_mins(1);
        let mut in_table = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|e| panic!("the demo never said it was listening: {e}"));
            if let Some(url) = line.strip_prefix("Passerelle is listening on ") {
                assert_eq!(url.trim(), demo.base, "listening address");
                break;
            }
            if line.starts_with("user ") && line.contains("second-factor secret") {
                in_table = true;
            } else if in_table && line.trim().is_empty() {
                in_table = false;
            } else if in_table {
                let words: Vec<&str> = line.split_whitespace().collect();
                if let (Some(user), Some(secret)) = (words.first(), words.last()) {
                    let secret = (*secret != "-").then(|| (*secret).to_owned());
                    demo.accounts.insert((*user).to_owned(), secret);
                }
            }
        }
        assert!(demo.accounts.len() >= 8, "the demo printed its accounts: {:?}", demo.accounts.keys());
        demo
    }

    /// The current second-factor code of a demonstration account, from `passerelle totp-code`.
    pub fn totp_code(&self, user: &str) -> String {
        let secret = self.accounts.get(user).cloned().flatten();
        let secret = secret.unwrap_or_else(|| panic!("{user} has no second-factor secret"));
        let out = Command::new(BIN).args(["totp-code", &secret]).output().unwrap_or_else(|e| panic!("totp-code: {e}"));
        assert!(out.status.success(), "totp-code: {}", String::from_utf8_lossy(&out.stderr));
        let code = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "totp-code printed {code:?}");
        code
    }

    /// Whether the account was printed with a second-factor secret.
    pub fn has_second_factor(&self, user: &str) -> bool {
        match self.accounts.get(user) {
            Some(secret) => secret.is_some(),
            None => panic!("no demonstration account {user}"),
        }
    }

    /// Stops the server with SIGTERM; its exit code (`None` if it had to be killed).
    pub fn stop(&mut self) -> Option<i32> {
        self.stopped = true;
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

impl Drop for Demo {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = self.stop();
        }
    }
}

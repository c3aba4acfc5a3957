//! A minimal W3C `WebDriver` client over `std::net::TcpStream`: just what the browser tests use,
//! against the Debian `chromedriver` and `chromium`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The driver and the browser, where Debian's `chromium-driver` and `chromium` put them.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The browser binary.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The key of a web element reference in `WebDriver` answers (W3C `WebDriver`, "web element
/// identifier").
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long `wait_*` helpers keep trying.
pub const WAIT: Duration = Duration::from_secs(10);

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    l.local_addr().map_or_else(|e| panic!("{e}"), |a| a.port())
}

/// One HTTP/1.1 exchange with the driver: the status code and the JSON body.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), String> {
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(90))).map_err(|e| e.to_string())?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nConnection: close\r\n\
         Content-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        head.push_str("Content-Type: application/json; charset=utf-8\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).map_err(|e| format!("write: {e}"))?;
    stream.write_all(payload.as_bytes()).map_err(|e| format!("write: {e}"))?;

    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {line:?}"))?;
    let mut length = None;
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut buf = Vec::new();
    match length {
        Some(n) => {
            buf.resize(n, 0);
            reader.read_exact(&mut buf).map_err(|e| format!("read body: {e}"))?;
        }
        None => {
            reader.read_to_end(&mut buf).map_err(|e| format!("read body: {e}"))?;
        }
    }
    let value = if buf.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&buf).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&buf)))?
    };
    Ok((status, value))
}

/// A running `chromedriver`, stopped when dropped (also while a failing test unwinds).
pub struct Driver {
    port: u16,
    child: Child,
}

impl Driver {
    /// Starts `chromedriver` on a free port and waits until it says it is ready.
    pub fn start() -> Self {
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let driver = Self { port, child };
        let start = Instant::now();
        loop {
            if let Ok((200, v)) = http(port, "GET", "/status", None)
                && v["value"]["ready"] == json!(true)
            {
                return driver;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "chromedriver did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A new headless browser with an empty profile of its own.
    pub fn session(&self) -> Session<'_> {
        let profile = std::env::temp_dir().join(format!("passerelle-chromium-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&profile).unwrap_or_else(|e| panic!("{}: {e}", profile.display()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-quic",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                    "--lang=fr-CA",
                ],
                // On Linux, Chromium takes its languages from the environment and ignores
                // --lang; the preference sets the Accept-Language header for certain.
                "prefs": {"intl.accept_languages": "fr-CA,fr"},
            },
            // The network log, to prove which addresses a page asked for.
            "goog:loggingPrefs": {"performance": "ALL"},
        }}});
        let answer = http(self.port, "POST", "/session", Some(&caps));
        let id = match &answer {
            Ok((200, v)) => v["value"]["sessionId"].as_str().map(str::to_owned),
            _ => None,
        };
        let Some(id) = id else {
            let _ = std::fs::remove_dir_all(&profile);
            panic!("chromedriver did not open a browser session: {answer:?}");
        };
        Session { driver: self, id, profile }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ask politely (it closes any browser left open), then insist.
        let _ = http(self.port, "GET", "/shutdown", None);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reference to an element of the current page.
#[derive(Clone, Debug)]
pub struct El(String);

/// One browser window, closed and its profile deleted when dropped.
pub struct Session<'d> {
    driver: &'d Driver,
    id: String,
    profile: PathBuf,
}

impl Session<'_> {
    /// A command on this session: its `value`, or the `WebDriver` error as text.
    fn cmd(&self, method: &str, suffix: &str, body: Option<&Value>) -> Result<Value, String> {
        let path = format!("/session/{}{suffix}", self.id);
        let (status, mut v) = http(self.driver.port, method, &path, body)?;
        let value = v["value"].take();
        if status == 200 && value.get("error").is_none() {
            Ok(value)
        } else {
            Err(format!(
                "{method} {suffix}: {status} {} {}",
                value["error"].as_str().unwrap_or(""),
                value["message"].as_str().unwrap_or("")
            ))
        }
    }

    fn must(&self, method: &str, suffix: &str, body: Option<&Value>) -> Value {
        self.cmd(method, suffix, body).unwrap_or_else(|e| panic!("WebDriver: {e} (page {})", self.url()))
    }

    /// Navigates to `url` and waits for the page to load.
    pub fn goto(&self, url: &str) {
        self.must("POST", "/url", Some(&json!({ "url": url })));
    }

    /// The address of the current page.
    pub fn url(&self) -> String {
        match self.cmd("GET", "/url", None) {
            Ok(v) => v.as_str().unwrap_or_default().to_owned(),
            Err(e) => format!("(unknown: {e})"),
        }
    }

    /// The document's title.
    pub fn title(&self) -> String {
        self.must("GET", "/title", None).as_str().unwrap_or_default().to_owned()
    }

    /// The page's HTML as the browser now holds it.
    pub fn source(&self) -> String {
        self.must("GET", "/source", None).as_str().unwrap_or_default().to_owned()
    }

    /// The first element matching a CSS selector, if there is one now.
    pub fn find(&self, css: &str) -> Option<El> {
        match self.cmd("POST", "/element", Some(&json!({"using": "css selector", "value": css}))) {
            Ok(v) => v[ELEMENT_KEY].as_str().map(|id| El(id.to_owned())),
            Err(e) if e.contains("no such element") => None,
            Err(e) => panic!("WebDriver: {e}"),
        }
    }

    /// Every element matching a CSS selector, now.
    pub fn find_all(&self, css: &str) -> Vec<El> {
        let v = self.must("POST", "/elements", Some(&json!({"using": "css selector", "value": css})));
        v.as_array().into_iter().flatten().filter_map(|e| e[ELEMENT_KEY].as_str()).map(|id| El(id.to_owned())).collect()
    }

    /// The first element matching a CSS selector, waiting for it to appear.
    pub fn wait_for(&self, css: &str) -> El {
        let start = Instant::now();
        loop {
            if let Some(el) = self.find(css) {
                return el;
            }
            assert!(start.elapsed() < WAIT, "no element {css:?} on {}\n{}", self.url(), self.source());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the current address is `url`.
    pub fn wait_url(&self, url: &str) {
        let start = Instant::now();
        while self.url() != url {
            assert!(
                start.elapsed() < WAIT,
                "expected to be on {url}, still on {} (page title {:?})",
                self.url(),
                self.cmd("GET", "/title", None).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the text of the first element matching `css` is `expected`.
    pub fn wait_text(&self, css: &str, expected: &str) {
        let start = Instant::now();
        loop {
            let seen = self.find(css).map(|el| self.cmd("GET", &format!("/element/{}/text", el.0), None));
            let seen = match seen {
                Some(Ok(v)) => v.as_str().unwrap_or_default().to_owned(),
                Some(Err(e)) => format!("({e})"),
                None => "(no such element)".to_owned(),
            };
            if seen == expected {
                return;
            }
            assert!(
                start.elapsed() < WAIT,
                "{css} on {}: expected {expected:?}, found {seen:?}\n{}",
                self.url(),
                self.source()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The rendered text of an element.
    pub fn text(&self, el: &El) -> String {
        self.must("GET", &format!("/element/{}/text", el.0), None).as_str().unwrap_or_default().to_owned()
    }

    /// The rendered text of the first element matching `css` (waiting for it).
    pub fn text_of(&self, css: &str) -> String {
        let el = self.wait_for(css);
        self.text(&el)
    }

    /// The texts of every element matching `css`.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.find_all(css).iter().map(|el| self.text(el)).collect()
    }

    /// An attribute of an element, as written in the page.
    pub fn attr(&self, el: &El, name: &str) -> Option<String> {
        self.must("GET", &format!("/element/{}/attribute/{name}", el.0), None).as_str().map(str::to_owned)
    }

    /// A property of an element as the browser now holds it (for a field, `value` is what
    /// would be sent, whatever the widget shows).
    pub fn property(&self, el: &El, name: &str) -> Value {
        self.must("GET", &format!("/element/{}/property/{name}", el.0), None)
    }

    /// Whether a checkbox or option is selected.
    pub fn selected(&self, el: &El) -> bool {
        self.must("GET", &format!("/element/{}/selected", el.0), None) == json!(true)
    }

    /// Clears a field and types `text` into it.
    pub fn type_into(&self, css: &str, text: &str) {
        let el = self.wait_for(css);
        self.must("POST", &format!("/element/{}/clear", el.0), Some(&json!({})));
        self.must("POST", &format!("/element/{}/value", el.0), Some(&json!({ "text": text })));
    }

    /// Clicks the first element matching `css`.
    pub fn click(&self, css: &str) {
        let el = self.wait_for(css);
        self.must("POST", &format!("/element/{}/click", el.0), Some(&json!({})));
    }

    /// Clicks the first element matching `css` (a link or a form's button) and waits until
    /// the browser has replaced the page with the one it leads to. Waiting for a selector
    /// after a plain click is not enough when the next page has the same element as the
    /// old one (a form that posts back to its own page): the wait would find the old page's
    /// element, which the new page then makes stale.
    pub fn click_to_load(&self, css: &str) {
        let old = self.wait_for("html");
        self.click(css);
        let start = Instant::now();
        loop {
            match self.cmd("GET", &format!("/element/{}/name", old.0), None) {
                Err(e) if e.contains("stale element") || e.contains("no such element") => break,
                _ => {}
            }
            assert!(start.elapsed() < WAIT, "clicking {css} did not load a new page (still {})", self.url());
            std::thread::sleep(Duration::from_millis(50));
        }
        while self.execute("return document.readyState", &[]) != json!("complete") {
            assert!(start.elapsed() < WAIT, "the page after {css} did not finish loading");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Resizes the browser window (CSS pixels), e.g. to a phone's width.
    pub fn set_window_size(&self, width: u32, height: u32) {
        self.must("POST", "/window/rect", Some(&json!({"width": width, "height": height})));
    }

    /// Runs `script` (a function body) in the page with `args` and returns what it returns;
    /// a returned promise is awaited.
    pub fn execute(&self, script: &str, args: &[Value]) -> Value {
        self.must("POST", "/execute/sync", Some(&json!({"script": script, "args": args})))
    }

    /// Every address the browser asked the network for since the last call (documents,
    /// styles, scripts, images, fonts, beacons...), from Chromium's own network log.
    pub fn requested_urls(&self) -> Vec<String> {
        let log = self.must("POST", "/se/log", Some(&json!({"type": "performance"})));
        let mut out = Vec::new();
        for entry in log.as_array().into_iter().flatten() {
            let Some(message) = entry["message"].as_str() else { continue };
            let Ok(event) = serde_json::from_str::<Value>(message) else { continue };
            if event["message"]["method"] == "Network.requestWillBeSent"
                && let Some(url) = event["message"]["params"]["request"]["url"].as_str()
            {
                out.push(url.to_owned());
            }
        }
        out
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        let v = self.must("GET", "/screenshot", None);
        let png = base64_decode(v.as_str().unwrap_or_default()).unwrap_or_else(|e| panic!("screenshot: {e}"));
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "the screenshot is not a PNG image");
        png
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self.cmd("DELETE", "", None);
        // The browser may still be letting go of its files for a moment.
        for _ in 0..20 {
            if std::fs::remove_dir_all(&self.profile).is_ok() || !self.profile.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Decodes standard base64 (with or without padding; line breaks ignored).
pub fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for (i, c) in text.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b'\r' | b'\n' | b' ' | b'\t' => continue,
            _ => return Err(format!("invalid base64 byte {c:#04x} at {i}")),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).map_err(|e| e.to_string())?);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

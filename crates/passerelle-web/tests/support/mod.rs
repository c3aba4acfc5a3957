#![allow(dead_code, reason = "shared by several test binaries, each using a part")]
//! `TestApp`: a whole application on an isolated installation (SQLite, or PostgreSQL when
//! `PASSERELLE_TEST_DATABASE_URL` is set), with personas and a cookie-keeping client that
//! drives the real router in process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_core::user::NewUserInput;
use passerelle_crypto::totp;
use passerelle_store::Store;
use passerelle_store::testing::TestStore;
use passerelle_web::{AppState, WebConfig};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

/// The application under test.
pub struct TestApp {
    pub db: TestStore,
    pub router: Router,
    hash: String,
}

/// A user created for a test.
#[derive(Clone)]
pub struct Persona {
    pub id: UserId,
    pub username: String,
    pub totp: Option<Arc<totp::TotpSecret>>,
    /// Offsets (in 30 s steps) of codes already used, so that each sign-in uses a fresh step.
    used: Arc<Mutex<u64>>,
}

impl Persona {
    /// A code for a time step not used yet (now, then the next step; the server accepts ±1).
    pub fn next_code(&self) -> String {
        let secret = self.totp.as_ref().unwrap_or_else(|| panic!("this persona has no second factor"));
        let mut used = self.used.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0);
        let code = totp::code_at(secret, now + *used * 30);
        *used += 1;
        assert!(*used <= 2, "a persona can sign in twice per test with fresh codes");
        code
    }
}

/// A response, read whole.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The anti-forgery token of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).unwrap_or_else(|| panic!("no form token in: {}", self.body)) + marker.len();
        self.body[start..].split('"').next().unwrap_or_default().to_owned()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(WebConfig::default()).await
    }

    /// An application with other settings (e.g. a higher sign-in limit for tests that sign in
    /// many personas).
    pub async fn with_config(config: WebConfig) -> Self {
        let db = TestStore::new().await;
        let state = AppState::new(db.store.clone(), config).unwrap_or_else(|e| panic!("{e}"));
        let router = passerelle_web::router(state);
        let hash = passerelle_crypto::password::hash_password(PASSWORD).unwrap_or_else(|e| panic!("{e}"));
        Self { db, router, hash }
    }

    pub fn store(&self) -> &Store {
        &self.db.store
    }

    pub async fn org(&self, name: &str) -> OrgId {
        let input = OrgInput::parse(name, "youth_protection", &["06".into()]).unwrap_or_else(|e| panic!("{e}"));
        self.store().create_org(&input).await.unwrap_or_else(|e| panic!("{e}")).id
    }

    /// A user with `roles`; enrolled in TOTP when `enrol` is true.
    pub async fn persona(&self, org: OrgId, username: &str, roles: &str, enrol: bool) -> Persona {
        let input =
            NewUserInput::parse(username, "Personne Test", &[roles.into()], "fr").unwrap_or_else(|e| panic!("{e}"));
        let user = self.store().create_user(org, &input, &self.hash).await.unwrap_or_else(|e| panic!("{e}"));
        let totp = if enrol {
            let secret = totp::generate_secret().unwrap_or_else(|e| panic!("{e}"));
            let sealed = self
                .store()
                .seal_system("users", "mfa_secret", user.id.0, secret.as_bytes())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            self.store().set_mfa_secret(user.id, &sealed).await.unwrap_or_else(|e| panic!("{e}"));
            self.store().accept_mfa_step(user.id, 0, true).await.unwrap_or_else(|e| panic!("{e}"));
            Some(Arc::new(secret))
        } else {
            None
        };
        Persona { id: user.id, username: username.to_owned(), totp, used: Arc::new(Mutex::new(0)) }
    }

    pub fn client(&self) -> Client {
        Client { router: self.router.clone(), cookies: HashMap::new(), lang: None }
    }

    /// A client already signed in as `p` (password, then the second factor when enrolled).
    pub async fn signed_in(&self, p: &Persona) -> Client {
        let mut c = self.client();
        c.sign_in(p).await;
        c
    }

    pub async fn cleanup(self) {
        self.db.cleanup().await;
    }
}

/// A browser-like client: keeps cookies, follows nothing automatically.
pub struct Client {
    router: Router,
    pub cookies: HashMap<String, String>,
    pub lang: Option<&'static str>,
}

impl Client {
    pub async fn send(&mut self, mut req: Request<Body>) -> Resp {
        if !self.cookies.is_empty() {
            let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            req.headers_mut().insert(header::COOKIE, cookie.parse().unwrap_or_else(|e| panic!("{e}")));
        }
        if let Some(l) = self.lang {
            req.headers_mut().insert(header::ACCEPT_LANGUAGE, l.parse().unwrap_or_else(|e| panic!("{e}")));
        }
        let res = self.router.clone().oneshot(req).await.unwrap_or_else(|e| match e {});
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap_or_default();
            let pair = v.split(';').next().unwrap_or_default();
            if let Some((k, val)) = pair.split_once('=') {
                if val.is_empty() || v.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), val.to_owned());
                }
            }
        }
        let bytes = res.into_body().collect().await.unwrap_or_else(|e| panic!("{e}")).to_bytes();
        Resp { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Request::get(path).body(Body::empty()).unwrap_or_else(|e| panic!("{e}"))).await
    }

    /// Posts a form as is (no token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap_or_else(|e| panic!("{e}"));
        self.send(req).await
    }

    /// Loads `page` for its form token, then posts `fields` with it to `action`.
    pub async fn post_form(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.get(page).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(action, &all).await
    }

    pub async fn sign_in(&mut self, p: &Persona) {
        let r = self.post_form("/login", "/login", &[("username", &p.username), ("password", PASSWORD)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "password step: {}", r.body);
        if r.location() == "/login/mfa" {
            let code = p.next_code();
            let r = self.post_form("/login/mfa", "/login/mfa", &[("code", &code)]).await;
            assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/"), "second factor step");
        } else {
            assert_eq!(r.location(), "/", "a persona without a second factor goes home");
        }
    }

    pub async fn api(&mut self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if body.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/json");
        }
        let req = b.body(body.map_or_else(Body::empty, |s| Body::from(s.to_owned()))).unwrap_or_else(|e| panic!("{e}"));
        let saved = std::mem::take(&mut self.cookies);
        let r = self.send(req).await;
        self.cookies = saved;
        r
    }
}

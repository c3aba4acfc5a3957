//! Session loading and CSRF protection, applied once to every page route.

use std::net::{IpAddr, SocketAddr};

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use passerelle_core::user::{User, UserStatus};
use passerelle_crypto::random;
use passerelle_store::sessions::Session;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;

/// A signed-in (or signing-in) user and their session.
#[derive(Clone, Debug)]
pub struct Auth {
    /// The session.
    pub session: Session,
    /// The account (active).
    pub user: User,
}

/// The anti-CSRF token of a visitor without a session (sign-in and setup forms).
#[derive(Clone, Debug)]
pub struct PreToken(pub String);

/// The client address, when known.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

/// Cookie names depend on TLS: the `__Host-` prefix requires `Secure`.
pub fn cookie_name(state: &AppState, base: &str) -> String {
    if state.config.secure_cookies { format!("__Host-{base}") } else { base.to_owned() }
}

/// Builds a cookie with the platform's attributes: `HttpOnly`, `SameSite=Strict`, path `/`,
/// and `Secure` under TLS.
pub fn make_cookie(state: &AppState, base: &str, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(cookie_name(state, base), value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path("/");
    c.set_secure(state.config.secure_cookies);
    c
}

/// A cookie that removes `base`.
pub fn removal_cookie(state: &AppState, base: &str) -> Cookie<'static> {
    let mut c = make_cookie(state, base, String::new());
    c.make_removal();
    c
}

/// Session cookie base name.
pub const SESSION_COOKIE: &str = "passerelle-session";
/// Pre-session anti-CSRF cookie base name.
pub const PRE_COOKIE: &str = "passerelle-pre";
/// Language preference cookie base name.
pub const LANG_COOKIE: &str = "passerelle-lang";

/// Resolves the session, the language and the client address for the handlers.
pub async fn load_session(State(state): State<AppState>, jar: CookieJar, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let forwarded = if state.config.trust_forwarded_for { forwarded_for(req.headers()) } else { None };
    req.extensions_mut().insert(ClientIp(forwarded.or(peer)));

    let mut auth = None;
    if let Some(c) = jar.get(&cookie_name(&state, SESSION_COOKIE)) {
        match state.store.session(c.value(), &state.config.sessions).await {
            Ok(Some(session)) => match state.store.user(session.user_id).await {
                Ok(user) if user.status == UserStatus::Active => auth = Some(Auth { session, user }),
                Ok(_) => {
                    let _ = state.store.end_session(&session).await;
                }
                Err(e) => return AppError::from(e).into_response(),
            },
            Ok(None) => {}
            Err(e) => return AppError::from(e).into_response(),
        }
    }

    let lang = jar
        .get(&cookie_name(&state, LANG_COOKIE))
        .and_then(|c| Lang::parse(c.value()))
        .or_else(|| auth.as_ref().and_then(|a| Lang::parse(&a.user.locale)))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default();
    req.extensions_mut().insert(lang);

    let mut new_pre = None;
    if auth.is_none() {
        let pre = match jar.get(&cookie_name(&state, PRE_COOKIE)) {
            Some(c) if c.value().len() >= 32 => c.value().to_owned(),
            _ => match random::random_token() {
                Ok(t) => {
                    new_pre = Some(t.clone());
                    t
                }
                Err(_) => return AppError::Internal("random").into_response(),
            },
        };
        req.extensions_mut().insert(PreToken(pre));
    }
    if let Some(a) = auth {
        req.extensions_mut().insert(a);
    }

    let mut res = next.run(req).await;
    if let Some(pre) = new_pre {
        let c = make_cookie(&state, PRE_COOKIE, pre);
        if let Ok(v) = c.encoded().to_string().parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    crate::error::render_error_page(&state, lang, res)
}

/// Refuses every state-changing request that does not come from one of our own forms.
///
/// Two independent checks: the browser's own statement of where the request comes from
/// (`Sec-Fetch-Site`, `Origin`), and a secret token that only our pages contain (the
/// session's token, or before sign-in the pre-session cookie's value).
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let user = req.extensions().get::<Auth>().map(|a| a.user.clone());
    if !same_origin(req.headers()) {
        return refuse(&state, user).await;
    }
    let expected = match (req.extensions().get::<Auth>(), req.extensions().get::<PreToken>()) {
        (Some(a), _) => a.session.csrf_token.clone(),
        (None, Some(p)) => p.0.clone(),
        (None, None) => return refuse(&state, user).await,
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, 256 * 1024).await else {
        return AppError::BadRequest.into_response();
    };
    let given = form_value(&bytes, "csrf").unwrap_or_default();
    if given.is_empty() || !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return refuse(&state, user).await;
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

async fn refuse(state: &AppState, user: Option<User>) -> Response {
    if let Some(u) = user {
        // Recording the refusal is best effort: the request is refused either way.
        let _ = crate::pages::audit_denied(state, &u, "csrf", "request", None).await;
    }
    AppError::Csrf.into_response()
}

/// The address the (trusted) reverse proxy saw: the last hop of `X-Forwarded-For`.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let all: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    all.last().and_then(|v| v.rsplit(',').next()).and_then(|ip| ip.trim().parse().ok())
}

/// `false` when the browser says the request comes from another site.
///
/// `Sec-Fetch-Site` is set by the browser itself and cannot be forged by a page, so when it
/// says `same-origin` we trust it even if `Origin` is `null` (privacy settings and some
/// referrer policies make browsers send that).
fn same_origin(headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = site
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin == "null" {
            return site == Some("same-origin");
        }
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
        if origin_host != host {
            return false;
        }
    }
    true
}

/// The first value of `name` in a URL-encoded form body.
pub fn form_value(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_checks() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h));
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap_or_else(|_| unreachable!()));
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap_or_else(|_| unreachable!()));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, "https://evil.example".parse().unwrap_or_else(|_| unreachable!()));
        assert!(!same_origin(&h));
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", "cross-site".parse().unwrap_or_else(|_| unreachable!()));
        assert!(!same_origin(&h));
        // `Origin: null` only with the browser's own same-origin statement.
        let mut h = HeaderMap::new();
        h.insert(header::ORIGIN, "null".parse().unwrap_or_else(|_| unreachable!()));
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", "same-origin".parse().unwrap_or_else(|_| unreachable!()));
        assert!(same_origin(&h));
    }

    #[test]
    fn forwarded_for_takes_the_last_hop() {
        let mut h = HeaderMap::new();
        assert_eq!(forwarded_for(&h), None);
        h.insert("x-forwarded-for", "203.0.113.9, 198.51.100.7".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(forwarded_for(&h), "198.51.100.7".parse().ok());
        h.insert("x-forwarded-for", "garbage".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(forwarded_for(&h), None);
    }

    #[test]
    fn form_values() {
        assert_eq!(form_value(b"a=1&csrf=x%2By&csrf=z", "csrf").as_deref(), Some("x+y"));
        assert_eq!(form_value(b"a=1", "csrf"), None);
    }
}

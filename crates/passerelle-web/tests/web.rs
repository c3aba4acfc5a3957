//! The web application end to end, in process, on SQLite or PostgreSQL.

#![expect(clippy::many_single_char_names, reason = "short names for the clients of one test")]

mod support;

use axum::http::StatusCode;
use passerelle_core::audit::Outcome;
use passerelle_core::token::ApiScope;
use passerelle_store::audit::AuditFilter;
use support::{PASSWORD, TestApp};

#[tokio::test]
async fn health_and_security_headers() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.get("/healthz").await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "ok"));
    let r = c.get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    for h in ["x-content-type-options", "x-frame-options", "referrer-policy", "strict-transport-security"] {
        assert!(r.headers.contains_key(h), "missing {h}");
    }
    assert_eq!(r.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    // Nothing is loaded from another host.
    assert!(!r.body.contains("src=\"http") && !r.body.contains("href=\"http"), "{}", r.body);
    let css = c.get(passerelle_web::assets::STYLESHEET_PATH).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(c.get("/static/other.css").await.status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}

#[tokio::test]
async fn french_by_default_english_on_request_and_switch() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let fr = c.get("/login").await;
    assert!(fr.body.contains("lang=\"fr-CA\"") && fr.body.contains("Connexion"));
    c.lang = Some("en-CA,en;q=0.9");
    let en = c.get("/login").await;
    assert!(en.body.contains("lang=\"en-CA\"") && en.body.contains("Sign in"));
    c.lang = None;
    let r = c.get("/lang/en?next=/login").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"));
    assert!(c.get("/login").await.body.contains("Sign in"), "the switch is remembered");
    // Never an open redirect.
    assert_eq!(c.get("/lang/fr?next=//evil.example/").await.location(), "/");
    assert_eq!(c.get("/lang/fr?next=https://evil.example/").await.location(), "/");
    assert_eq!(c.get("/lang/de").await.status, StatusCode::NOT_FOUND);
    let missing = c.get("/nowhere").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page introuvable"), "translated error page: {}", missing.body);
    app.cleanup().await;
}

#[tokio::test]
async fn wrong_password_then_lockout() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    let p = app.persona(org, "ann", "screener", true).await;
    let mut c = app.client();
    for _ in 0..passerelle_store::users::MAX_FAILED_LOGINS {
        let r = c.post_form("/login", "/login", &[("username", "ann"), ("password", "wrong password!")]).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("incorrect"), "translated refusal");
        assert!(!c.cookies.contains_key("passerelle-session"), "no session after a wrong password");
    }
    // Locked: the right password is refused too, with the same message.
    let r = c.post_form("/login", "/login", &[("username", "ann"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!c.cookies.contains_key("passerelle-session"));
    // Unknown names get the same answer.
    let r = c.post_form("/login", "/login", &[("username", "nobody"), ("password", PASSWORD)]).await;
    assert!(r.body.contains("incorrect"));
    let failures = app
        .store()
        .audit_entries(&AuditFilter {
            action: Some("sign_in".into()),
            outcome: Some(Outcome::Failure),
            limit: 50,
            ..AuditFilter::default()
        })
        .await
        .unwrap_or_default();
    assert_eq!(failures.len(), 6, "every failure is audited");
    let denied = app
        .store()
        .audit_entries(&AuditFilter {
            action: Some("sign_in".into()),
            outcome: Some(Outcome::Denied),
            limit: 50,
            ..AuditFilter::default()
        })
        .await
        .unwrap_or_default();
    assert_eq!(denied.len(), 1, "the locked attempt is audited as denied");
    // An administrator's password reset lifts the lockout.
    let creds = app.store().credentials(p.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(creds.locked_until.is_some());
    app.cleanup().await;
}

#[tokio::test]
async fn csrf_is_required_on_every_state_change() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    let p = app.persona(org, "ann", "org_admin", true).await;
    let mut anon = app.client();
    anon.get("/login").await;
    let r = anon.post_raw("/login", &[("username", "ann"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "sign-in without a token");
    let r = anon.post_raw("/login", &[("csrf", "forged"), ("username", "ann"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "sign-in with a wrong token");
    assert!(r.body.contains("Formulaire expiré"));

    let mut c = app.signed_in(&p).await;
    let r = c.post_raw("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(c.get("/").await.status, StatusCode::OK, "still signed in: the forged sign-out did nothing");
    let before = app.store().users_of(org).await.unwrap_or_default().len();
    let r = c.post_raw("/admin/users", &[("username", "mallory"), ("display_name", "M"), ("roles", "org_admin")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.store().users_of(org).await.unwrap_or_default().len(), before, "nothing created");

    // A token from another session is refused too.
    let other = app.persona(org, "bob", "screener", true).await;
    let mut c2 = app.signed_in(&other).await;
    let foreign = c2.get("/account").await.csrf();
    assert_eq!(c.post_raw("/logout", &[("csrf", &foreign)]).await.status, StatusCode::FORBIDDEN);

    // A cross-site request is refused even with the right token.
    let token = c.get("/account").await.csrf();
    let body = format!("csrf={token}");
    let req = axum::http::Request::post("/logout")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from(body))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.send(req).await.status, StatusCode::FORBIDDEN);
    let r = c.post_form("/account", "/logout", &[]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"));
    assert_eq!(c.get("/").await.location(), "/login", "signed out");
    app.cleanup().await;
}

#[tokio::test]
async fn second_factor_is_required_and_single_use() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    // A case worker without an enrolled factor must enrol before anything else.
    app.persona(org, "new.worker", "case_worker", false).await;
    let mut c = app.client();
    let r = c.post_form("/login", "/login", &[("username", "new.worker"), ("password", PASSWORD)]).await;
    assert_eq!(r.location(), "/mfa/setup");
    assert_eq!(c.get("/").await.location(), "/login", "no page before the second factor");
    assert_eq!(c.get("/account").await.location(), "/login");
    let setup = c.get("/mfa/setup").await;
    assert!(setup.body.contains("<svg"), "a QR code is shown");
    let secret_text =
        setup.body.split("class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or_default();
    let secret = passerelle_crypto::totp::secret_from_base32(secret_text).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.get("/mfa/setup").await.body.contains(secret_text), "the same secret on reload");
    let r = c.post_form("/mfa/setup", "/mfa/setup", &[("code", "000000")]).await;
    assert_eq!(r.status, StatusCode::OK, "a wrong code is refused");
    let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0);
    let code = passerelle_crypto::totp::code_at(&secret, now);
    let r = c.post_form("/mfa/setup", "/mfa/setup", &[("code", &code)]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/?notice=mfa-enabled"));
    assert_eq!(c.get("/").await.status, StatusCode::OK);

    // The same code cannot be used again.
    let mut c2 = app.client();
    let r = c2.post_form("/login", "/login", &[("username", "new.worker"), ("password", PASSWORD)]).await;
    assert_eq!(r.location(), "/login/mfa");
    let r = c2.post_form("/login/mfa", "/login/mfa", &[("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "replayed code refused");
    assert!(r.body.contains("déjà servi"));
    app.cleanup().await;
}

#[tokio::test]
async fn sessions_expire_and_end_everywhere() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    let p = app.persona(org, "ann", "analyst", false).await;
    let mut c = app.signed_in(&p).await;
    assert_eq!(c.get("/").await.status, StatusCode::OK);
    // Idle too long: back to sign-in.
    let token = c.cookies.get("passerelle-session").cloned().unwrap_or_default();
    let policy = passerelle_store::sessions::SessionPolicy::default();
    let s = app.store().session(&token, &policy).await.unwrap_or_default().unwrap_or_else(|| panic!("session"));
    app.store()
        .age_session_for_tests(&s, policy.idle + time::Duration::minutes(1))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.get("/").await.location(), "/login");

    let mut a = app.signed_in(&p).await;
    let mut b = app.signed_in(&p).await;
    let r = a.post_form("/account", "/logout/everywhere", &[]).await;
    assert_eq!(r.location(), "/login?notice=signed-out-everywhere");
    assert_eq!(b.get("/").await.location(), "/login", "the other device is signed out too");
    app.cleanup().await;
}

#[tokio::test]
async fn organizations_do_not_see_each_other() {
    let app = TestApp::new().await;
    let a = app.org("DPJ A").await;
    let b = app.org("Refuge B").await;
    let admin_a = app.persona(a, "admin.a", "org_admin", true).await;
    let worker_b = app.persona(b, "worker.b", "case_worker", true).await;
    let sys = app.persona(a, "root", "system_admin", true).await;
    let mut c = app.signed_in(&admin_a).await;

    let own = c.get("/admin/users").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("admin.a") && !own.body.contains("worker.b"));
    assert_eq!(c.get(&format!("/admin/users?org={b}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get(&format!("/admin/users/{}", worker_b.id)).await.status, StatusCode::NOT_FOUND);
    let version = app.store().user(worker_b.id).await.map(|u| u.version).unwrap_or_default().to_string();
    let r = c
        .post_form("/account", &format!("/admin/users/{}/reset-password", worker_b.id), &[("version", &version)])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.store().user(worker_b.id).await.map(|u| u.version).unwrap_or_default().to_string(),
        version,
        "unchanged"
    );
    assert_eq!(c.get("/admin/organizations").await.status, StatusCode::FORBIDDEN);

    // B's own activity is not in A's audit trail.
    let mut cb = app.signed_in(&worker_b).await;
    assert_eq!(cb.get("/admin/users").await.status, StatusCode::FORBIDDEN, "a case worker manages no accounts");
    assert_eq!(cb.get("/audit").await.status, StatusCode::FORBIDDEN);
    let audit_a = c.get("/audit").await;
    assert_eq!(audit_a.status, StatusCode::OK);
    assert!(!audit_a.body.contains(&worker_b.id.to_string()), "B's entries are not shown to A");
    assert!(audit_a.body.contains(&admin_a.id.to_string()));

    // Refusals are themselves audited.
    let denied = app
        .store()
        .audit_entries(&AuditFilter { action: Some("permission_denied".into()), limit: 50, ..AuditFilter::default() })
        .await
        .unwrap_or_default();
    assert!(denied.len() >= 4, "{}", denied.len());

    // The system administrator administers every organization.
    let mut s = app.signed_in(&sys).await;
    let r = s.get(&format!("/admin/users?org={b}")).await;
    assert!(r.status == StatusCode::OK && r.body.contains("worker.b"));
    assert_eq!(s.get("/admin/organizations").await.status, StatusCode::OK);
    app.cleanup().await;
}

#[tokio::test]
async fn account_administration_and_stale_writes() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    let admin = app.persona(org, "admin", "org_admin", true).await;
    let mut c = app.signed_in(&admin).await;

    // Bad input: translated errors, nothing created.
    let r = c
        .post_form(
            "/admin/users",
            "/admin/users",
            &[("org", &org.to_string()), ("username", "Émilie!"), ("display_name", ""), ("locale", "fr")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("Utilisez seulement des lettres minuscules") && r.body.contains("Ce champ est obligatoire"),
        "{}",
        r.body
    );
    assert_eq!(app.store().users_of(org).await.unwrap_or_default().len(), 1);
    // An organization administrator cannot make a system administrator.
    let r = c
        .post_form(
            "/admin/users",
            "/admin/users",
            &[
                ("org", &org.to_string()),
                ("username", "eve"),
                ("display_name", "Eve"),
                ("roles", "system_admin"),
                ("locale", "fr"),
            ],
        )
        .await;
    assert!(r.body.contains("Seule l&#39;administration du système"), "{}", r.body);

    let r = c
        .post_form(
            "/admin/users",
            "/admin/users",
            &[
                ("org", &org.to_string()),
                ("username", "julie.roy"),
                ("display_name", "Julie Roy"),
                ("roles", "case_worker"),
                ("roles", "screener"),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Compte créé"));
    let created =
        app.store().credentials_by_username("julie.roy").await.unwrap_or_default().unwrap_or_else(|| panic!("created"));
    assert_eq!(created.user.roles.len(), 2);
    let r = c
        .post_form(
            "/admin/users",
            "/admin/users",
            &[
                ("org", &org.to_string()),
                ("username", "julie.roy"),
                ("display_name", "Other"),
                ("roles", "screener"),
                ("locale", "fr"),
            ],
        )
        .await;
    assert!(r.body.contains("déjà utilisée"), "duplicate user name refused");

    // Two administrators edit the same account: the second, on a stale version, is refused.
    let page = format!("/admin/users/{}", created.user.id);
    let v = created.user.version.to_string();
    let r = c
        .post_form(
            &page,
            &page,
            &[("display_name", "Julie R."), ("roles", "case_worker"), ("locale", "fr"), ("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c
        .post_form(
            &page,
            &page,
            &[("display_name", "Julie Stale"), ("roles", "analyst"), ("locale", "fr"), ("version", &v)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("Quelqu&#39;un d&#39;autre a modifié"), "{}", r.body);
    let now = app.store().user(created.user.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(now.display_name, "Julie R.");

    // Password reset shows a new temporary password once and works.
    let v = now.version.to_string();
    let r = c.post_form(&page, &format!("{page}/reset-password"), &[("version", &v)]).await;
    assert!(r.body.contains("Mot de passe réinitialisé"));
    let temp =
        r.body.split("class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or_default().to_owned();
    let mut julie = app.client();
    let r = julie.post_form("/login", "/login", &[("username", "julie.roy"), ("password", &temp)]).await;
    assert_eq!(r.location(), "/mfa/setup", "signs in with the temporary password, then enrols");
    app.cleanup().await;
}

#[tokio::test]
async fn first_administrator_through_the_setup_link() {
    let app = TestApp::new().await;
    let link = app.store().create_setup_link().await.unwrap_or_else(|e| panic!("{e}"));
    let mut c = app.client();
    assert_eq!(c.get("/setup/not-a-link").await.status, StatusCode::NOT_FOUND);
    let page = format!("/setup/{link}");
    let r = c
        .post_form(
            &page,
            &page,
            &[
                ("org_name", "DPJ Nord"),
                ("org_type", "youth_protection"),
                ("regions", "08"),
                ("username", "first.admin"),
                ("display_name", "Première Admin"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert!(r.body.contains("au moins 12 caractères"), "policy enforced");
    let r = c
        .post_form(
            &page,
            &page,
            &[
                ("org_name", "DPJ Nord"),
                ("org_type", "youth_protection"),
                ("regions", "08"),
                ("regions", "10"),
                ("username", "first.admin"),
                ("display_name", "Première Admin"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"));
    assert_eq!(c.get(&page).await.status, StatusCode::NOT_FOUND, "the link works once");
    let admin =
        app.store().credentials_by_username("first.admin").await.unwrap_or_default().unwrap_or_else(|| panic!("admin"));
    assert!(admin.user.roles.contains(&passerelle_core::role::Role::SystemAdmin));
    app.cleanup().await;
}

#[tokio::test]
async fn api_tokens_and_scopes() {
    let app = TestApp::new().await;
    let a = app.org("DPJ A").await;
    let b = app.org("Refuge B").await;
    let admin = app.persona(a, "admin.a", "org_admin", true).await;
    let screener = app.persona(a, "screener.a", "screener", true).await;
    let mut c = app.signed_in(&admin).await;
    let r = c
        .post_form(
            "/account",
            "/account/tokens",
            &[("name", "script"), ("scopes", "profile:read"), ("scopes", "users:read"), ("days", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let token =
        r.body.split("class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or_default().to_owned();
    assert!(token.starts_with("pst_"), "{}", r.body);
    let r = c
        .post_form("/account", "/account/tokens", &[("name", "x"), ("scopes", "screenings:evaluate"), ("days", "30")])
        .await;
    assert!(r.body.contains("Vos rôles ne permettent pas"), "no scope beyond the owner's roles");
    let r =
        c.post_form("/account", "/account/tokens", &[("name", "x"), ("scopes", "profile:read"), ("days", "900")]).await;
    assert!(r.body.contains("entre 1 et 365"));

    let me = c.api("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["user"]["username"], "admin.a");
    let users = c.api("GET", "/api/v1/users", Some(&token), None).await;
    assert_eq!(users.status, StatusCode::OK);
    assert_eq!(users.json().as_array().map(Vec::len), Some(2));
    let other = c.api("GET", &format!("/api/v1/users?org={b}"), Some(&token), None).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let scope = c.api("GET", "/api/v1/audit", Some(&token), None).await;
    assert_eq!(scope.status, StatusCode::FORBIDDEN);
    assert_eq!(scope.json()["error"]["code"], "insufficient_scope");
    let none = c.api("GET", "/api/v1/me", None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let e = none.json();
    assert_eq!(e["error"]["code"], "unauthorized");
    assert!(e["error"]["message"].as_str().unwrap_or_default().contains("Jeton"), "French by default");
    c.lang = Some("en");
    let en = c.api("GET", "/api/v1/me", Some("pst_forged"), None).await;
    assert!(en.json()["error"]["message"].as_str().unwrap_or_default().contains("API token"));
    c.lang = None;
    let bad = c.api("GET", "/api/v1/users?org=not-an-id", Some(&token), None).await;
    assert_eq!((bad.status, bad.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("org")));

    // A role without the permission gets nothing, whatever the token's scopes.
    let soon = passerelle_core::time::now() + time::Duration::days(1);
    let (st, _) = app
        .store()
        .create_token(screener.id, "t", &[ApiScope::UsersRead, ApiScope::ScreeningsEvaluate], soon)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let r = c.api("GET", "/api/v1/users", Some(&st), None).await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));

    // The screening evaluation, through the API.
    let facts = r#"{"age_years": 15, "acts": ["recruited"], "exploitation": ["sexual_services"]}"#;
    let r = c.api("POST", "/api/v1/screenings/evaluate", Some(&st), Some(facts)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["classification"], "indicated");
    let r =
        c.api("POST", "/api/v1/screenings/evaluate", Some(&st), Some(r#"{"acts": ["recruited", "teleported"]}"#)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "/acts/1");

    // Revoked tokens stop working.
    let page = c.get("/account").await;
    let id =
        page.body.split("/account/tokens/").nth(1).and_then(|s| s.split('/').next()).unwrap_or_default().to_owned();
    let r = c.post_form("/account", &format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.location(), "/account?notice=token-revoked");
    assert_eq!(c.api("GET", "/api/v1/me", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);

    let spec = c.api("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(spec.status, StatusCode::OK);
    assert!(spec.json()["paths"]["/api/v1/screenings/evaluate"].is_object());
    app.cleanup().await;
}

/// Every page of every role renders in both languages with no untranslated message id.
#[tokio::test]
async fn every_page_renders_in_both_languages() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    let roles =
        ["system_admin", "org_admin", "privacy_officer", "supervisor", "case_worker", "screener", "analyst", "trainer"];
    for (i, role) in roles.iter().enumerate() {
        let needs_mfa = !matches!(*role, "analyst" | "trainer");
        let p = app.persona(org, &format!("user{i}"), role, needs_mfa).await;
        let mut c = app.signed_in(&p).await;
        for lang in ["fr", "en"] {
            // The switch wins over the account's language (French here).
            c.get(&format!("/lang/{lang}?next=/")).await;
            for path in
                ["/", "/account", "/admin/users", "/audit", "/admin/organizations", &format!("/admin/users/{}", p.id)]
            {
                let r = c.get(path).await;
                if r.status != StatusCode::OK {
                    assert!(
                        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                        "{role} {path} {}",
                        r.status
                    );
                }
                for leaked in ["card-", "role-", "error-", "notice-", "field-", "nav-", "org-type-"] {
                    assert!(
                        !r.body.contains(&format!(">{leaked}")),
                        "untranslated {leaked} on {path} ({role}, {lang})"
                    );
                }
                assert!(
                    r.body.contains(if lang == "fr" { "lang=\"fr-CA\"" } else { "lang=\"en-CA\"" }),
                    "{path} {} {}",
                    r.status,
                    r.body
                );
            }
        }
    }
    app.cleanup().await;
}

#[tokio::test]
async fn optional_second_factor_from_the_account_page() {
    let app = TestApp::new().await;
    let org = app.org("CISSS Test").await;
    let p = app.persona(org, "analyst", "analyst", false).await;
    let mut c = app.signed_in(&p).await;
    let account = c.get("/account").await;
    assert!(account.body.contains("href=\"/account/mfa\""));
    let setup = c.get("/account/mfa").await;
    assert!(setup.body.contains("<svg") && setup.body.contains("action=\"/account/mfa\""));
    let secret_text =
        setup.body.split("class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or_default();
    let secret = passerelle_crypto::totp::secret_from_base32(secret_text).unwrap_or_else(|e| panic!("{e}"));
    let r = c.post_form("/account/mfa", "/account/mfa", &[("code", "123456")]).await;
    assert_eq!(r.status, StatusCode::OK, "a wrong code is refused");
    let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0);
    let code = passerelle_crypto::totp::code_at(&secret, now);
    let r = c.post_form("/account/mfa", "/account/mfa", &[("code", &code)]).await;
    assert_eq!(r.location(), "/account?notice=mfa-enabled");
    assert!(app.store().user(p.id).await.is_ok_and(|u| u.mfa_enabled));
    assert_eq!(c.get("/account/mfa").await.location(), "/account", "nothing to set up twice");
    // From now on the second factor is asked at sign-in.
    let mut again = app.client();
    let r = again.post_form("/login", "/login", &[("username", "analyst"), ("password", support::PASSWORD)]).await;
    assert_eq!(r.location(), "/login/mfa");
    app.cleanup().await;
}

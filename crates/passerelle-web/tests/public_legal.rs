//! Public awareness pages and the legal reference, end to end in process.

mod support;

use axum::http::{StatusCode, header};
use passerelle_web::pages::legal::legal_anchor;
use passerelle_web::pages::public::{CONTENT_SECURITY_POLICY as PUBLIC_CSP, QUICK_EXIT_URL};
use support::{Resp, TestApp};

const PUBLIC_PAGES: [(&str, &str); 4] =
    [("/public", "fr-CA"), ("/public/help", "fr-CA"), ("/en/public", "en-CA"), ("/en/public/help", "en-CA")];

fn header_value<'a>(r: &'a Resp, name: &str) -> &'a str {
    r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// Standard base64 (RFC 4648), as CSP hashes use.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The values of every `src="…"` and `href="…"` attribute, in order.
fn urls(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" src=\"", " href=\""] {
        for part in body.split(attr).skip(1) {
            out.push(part.split('"').next().unwrap_or_default().to_owned());
        }
    }
    out
}

/// The opening tags of the elements reachable with the Tab key, in document order.
fn focusable(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(pos) = rest.find('<') {
        rest = &rest[pos + 1..];
        let tag = rest.split('>').next().unwrap_or_default();
        let name = tag.split_whitespace().next().unwrap_or_default();
        let reachable = match name {
            "a" => tag.contains("href="),
            "button" | "input" | "select" | "textarea" => !tag.contains("type=\"hidden\""),
            _ => tag.contains("tabindex=\"0\""),
        };
        if reachable && !tag.contains("tabindex=\"-1\"") {
            out.push(tag.to_owned());
        }
    }
    out
}

#[test]
fn the_base64_helper_is_right() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}

#[tokio::test]
async fn public_pages_need_no_account_set_no_cookie_and_load_nothing_from_elsewhere() {
    let app = TestApp::new().await;
    let mut c = app.client();
    // Even a browser that prefers English and carries a language cookie gets the language of
    // the address.
    c.lang = Some("en-CA,en;q=0.9");
    c.cookies.insert("passerelle-lang".into(), "en".into());
    for (path, lang) in PUBLIC_PAGES {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.headers.get_all(header::SET_COOKIE).iter().count(), 0, "{path} sets a cookie");
        assert_eq!(header_value(&r, "cache-control"), "no-store", "{path}");
        assert_eq!(header_value(&r, "referrer-policy"), "no-referrer", "{path}");
        assert!(r.body.contains(&format!("<html lang=\"{lang}\">")), "{path} in {lang}");
        assert!(r.body.contains("1-833-900-1010") && r.body.contains("911"), "{path}: help lines");
        assert!(r.body.contains("href=\"tel:+18339001010\""), "{path}: the hotline can be dialled");
        // The only outside address is the quick exit, a plain link without referrer.
        let outside: Vec<String> =
            urls(&r.body).into_iter().filter(|u| u.starts_with("http") || u.starts_with("//")).collect();
        assert_eq!(outside, vec![QUICK_EXIT_URL.to_owned()], "{path}");
        assert!(r.body.contains(&format!("href=\"{QUICK_EXIT_URL}\" rel=\"noreferrer\"")), "{path}");
        // Skip link first, quick exit right after.
        let tab = focusable(&r.body);
        assert!(tab.first().is_some_and(|t| t.contains("class=\"skip\"")), "{path}: {tab:?}");
        assert!(tab.get(1).is_some_and(|t| t.contains("id=\"quick-exit\"")), "{path}: {tab:?}");
        assert!(!r.body.contains("name=\"csrf\""), "{path}: no form, no token");
        // Browsers would otherwise ask for /favicon.ico, which answers with a cookie.
        assert!(r.body.contains("<link rel=\"icon\" href=\"data:,\">"), "{path}");
    }
    let fr = c.get("/public").await;
    assert!(fr.body.contains("Quitter vite") && fr.body.contains("DPJ"), "French page");
    assert!(fr.body.contains("href=\"/en/public\""), "switch to English by address");
    assert!(fr.body.contains("href=\"/public/help\""), "the help page is linked");
    let help = c.get("/public/help").await;
    assert!(help.body.contains("1-866-532-2822") && help.body.contains("CAVAC"), "victim assistance");
    let en = c.get("/en/public/help").await;
    assert!(en.body.contains("Quick exit") && en.body.contains("Canadian Human Trafficking Hotline"));
    assert!(en.body.contains("href=\"/public/help\""), "switch to French by address");
    // An unknown public address answers "not found" in the address's language, still without
    // a cookie.
    for path in ["/public/", "/en/public/"] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.headers.get_all(header::SET_COOKIE).iter().count(), 0, "{path} sets a cookie");
    }
    for (path, text) in [("/public/nowhere", "Page introuvable"), ("/en/public/a/b", "Page not found")] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.body.contains(text) && r.body.contains("id=\"quick-exit\""), "{path}");
        assert_eq!(r.headers.get_all(header::SET_COOKIE).iter().count(), 0, "{path} sets a cookie");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn only_the_public_pages_allow_the_quick_exit_script_by_its_hash() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Test").await;
    let p = app.persona(org, "ann", "screener", true).await;
    let mut anon = app.client();
    for (path, _) in PUBLIC_PAGES {
        let r = anon.get(path).await;
        assert_eq!(r.body.matches("<script").count(), 1, "{path}: one script");
        let script = r.body.split("<script>").nth(1).and_then(|s| s.split("</script>").next()).unwrap_or_default();
        assert!(script.contains("location.replace") && script.contains("Escape"), "{path}");
        let hash = base64(&passerelle_crypto::random::token_digest(script));
        let csp = header_value(&r, "content-security-policy");
        assert_eq!(csp, PUBLIC_CSP);
        assert!(csp.contains(&format!("script-src 'sha256-{hash}'")), "{path}: {csp} lacks {hash}");
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe"), "{csp}");
    }
    // Every other page keeps the platform's policy: no script at all.
    let mut c = app.signed_in(&p).await;
    for (signed, path) in [(false, "/login"), (false, "/healthz"), (false, "/nowhere"), (true, "/"), (true, "/legal")] {
        let r = if signed { c.get(path).await } else { anon.get(path).await };
        let csp = header_value(&r, "content-security-policy");
        assert_eq!(csp, passerelle_web::security::CONTENT_SECURITY_POLICY, "{path}");
        assert!(!csp.contains("script-src"), "{path}: {csp}");
        assert!(!r.body.contains("<script"), "{path}");
        assert_eq!(header_value(&r, "referrer-policy"), "same-origin", "{path}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn the_legal_reference_requires_sign_in() {
    let app = TestApp::new().await;
    let mut anon = app.client();
    for path in ["/legal", "/legal?q=consentement", "/legal/criminal-code", "/legal/glossary", "/legal/nowhere"] {
        let r = anon.get(path).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/login"), "{path}");
        assert!(!r.body.contains("279.011"), "{path}");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn every_role_reads_the_legal_reference_in_both_languages() {
    let app = TestApp::new().await;
    let org = app.org("CIUSSS Test").await;
    let lib = passerelle_web::pages::legal::library().unwrap_or_else(|e| panic!("{e:?}"));
    for (i, role) in ["screener", "analyst", "trainer", "privacy_officer", "org_admin"].into_iter().enumerate() {
        let p = app.persona(org, &format!("user{i}"), role, true).await;
        let mut c = app.signed_in(&p).await;
        let home = c.get("/").await;
        assert!(home.body.contains("href=\"/legal\""), "{role}: the navigation offers the legal reference");
        let r = c.get("/legal").await;
        assert_eq!(r.status, StatusCode::OK, "{role}");
        if i > 0 {
            continue;
        }
        for (lang, practice, prevails, glossary) in [
            ("fr", "Ce que cela signifie pour vous en pratique", "codification officielle", "Glossaire"),
            ("en", "What it means for you in practice", "official consolidation", "glossary"),
        ] {
            c.get(&format!("/lang/{lang}?next=/")).await;
            let index = c.get("/legal").await;
            assert!(index.body.contains(&format!("lang=\"{lang}-CA\"")), "{lang}");
            assert!(index.body.contains("2026-11-28") && index.body.contains(prevails), "{lang}: date and caveat");
            assert!(index.body.contains("href=\"/legal/glossary\"") && index.body.contains(glossary), "{lang}");
            for page in &lib.pages {
                let r = c.get(&format!("/legal/{}", page.id)).await;
                assert_eq!(r.status, StatusCode::OK, "{} {lang}", page.id);
                let l = if lang == "fr" { passerelle_web::Lang::Fr } else { passerelle_web::Lang::En };
                let title = askama_escape(page.title.get(l));
                assert!(r.body.contains(&title), "{} {lang}: {title}", page.id);
                assert!(r.body.contains("2026-11-28"), "{} {lang}: the date the facts were checked", page.id);
                assert!(!page.sources.is_empty(), "{}: names its sources", page.id);
                for source in &page.sources {
                    let label = askama_escape(source.label.get(l));
                    assert!(r.body.contains(&label), "{} {lang}: the source {label}", page.id);
                    let url = source.url.get(l);
                    assert!(url.is_empty() || r.body.contains(&format!("href=\"{url}\"")), "{} {lang}: {url}", page.id);
                }
                assert!(r.body.contains(prevails), "{} {lang}: the official text prevails", page.id);
                assert!(r.body.contains(practice), "{} {lang}: ends with practice", page.id);
                let last_h2 = r.body.rfind("<h2 id=").unwrap_or_default();
                assert!(r.body[last_h2..].contains(practice), "{} {lang}: practice is last", page.id);
                for s in &page.sections {
                    assert!(r.body.contains(&format!("id=\"{}\"", s.id)), "{}#{}", page.id, s.id);
                }
            }
        }
        assert_eq!(c.get("/legal/nowhere").await.status, StatusCode::NOT_FOUND);
    }
    app.cleanup().await;
}

/// The HTML escaping askama applies to text.
fn askama_escape(s: &str) -> String {
    s.replace('&', "&#38;").replace('<', "&#60;").replace('>', "&#62;").replace('"', "&#34;").replace('\'', "&#39;")
}

#[tokio::test]
async fn search_is_case_and_accent_insensitive_in_each_language() {
    let app = TestApp::new().await;
    let org = app.org("Refuge Test").await;
    let p = app.persona(org, "sam", "case_worker", true).await;
    let mut c = app.signed_in(&p).await;
    c.get("/lang/fr?next=/").await;
    let r = c.get("/legal?q=consentement").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<mark>consentement</mark>"), "{}", r.body);
    assert!(r.body.contains("href=\"/legal/civil-code#"), "the consent to care is found");
    let upper = c.get("/legal?q=CONSENTEMENT").await;
    assert!(upper.body.contains("<mark>consentement</mark>") || upper.body.contains("<mark>Consentement</mark>"));
    let accents = c.get("/legal?q=securite+ou+developpement").await;
    assert!(accents.body.contains("<mark>sécurité ou développement</mark>"), "accents do not matter");
    let none = c.get("/legal?q=zzqxj").await;
    assert!(none.body.contains("Aucun résultat") && !none.body.contains("<mark>"));
    let short = c.get("/legal?q=a").await;
    assert!(short.body.contains("au moins deux") && !short.body.contains("<mark>"));
    // The query is shown back escaped.
    let tricky = c.get("/legal?q=%3Cb%3Eoups").await;
    assert!(!tricky.body.contains("<b>oups") && tricky.body.contains("&#60;b&#62;oups"));

    c.get("/lang/en?next=/").await;
    let r = c.get("/legal?q=consent").await;
    assert!(r.body.contains("<mark>consent</mark>"), "{}", r.body);
    assert!(!r.body.contains("<mark>consentement</mark>"), "English pages are searched in English");
    let none = c.get("/legal?q=zzqxj").await;
    assert!(none.body.contains("No results") && !none.body.contains("<mark>"));
    app.cleanup().await;
}

#[tokio::test]
async fn the_glossary_and_the_anchors_of_every_legal_basis() {
    let app = TestApp::new().await;
    let org = app.org("Police Test").await;
    let p = app.persona(org, "max", "screener", true).await;
    let mut c = app.signed_in(&p).await;
    let g = c.get("/legal/glossary").await;
    assert_eq!(g.status, StatusCode::OK);
    assert!(g.body.contains("traite de personnes") && g.body.contains("trafficking in persons"));
    assert!(g.body.contains("signalement") && g.body.contains("lang=\"en-CA\""));
    for basis in passerelle_screening::LegalBasis::ALL {
        let url = legal_anchor(basis.as_str()).unwrap_or_else(|| panic!("no anchor for {}", basis.as_str()));
        let (path, id) = url.split_once('#').unwrap_or_else(|| panic!("{url}"));
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        assert!(r.body.contains(&format!("id=\"{id}\"")), "{url}: the anchor exists");
    }
    assert_eq!(legal_anchor("CC 279.011").as_deref(), Some("/legal/criminal-code#cc-279-011"));
    assert_eq!(legal_anchor("CC 279.02(2)").as_deref(), Some("/legal/criminal-code#cc-279-02"));
    assert_eq!(legal_anchor("IRPA 118").as_deref(), Some("/legal/irpa#irpa-118"));
    assert_eq!(legal_anchor("nothing"), None);
    app.cleanup().await;
}

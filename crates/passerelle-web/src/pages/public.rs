//! Public awareness pages: what child trafficking looks like and where to get help.
//!
//! Anyone can read them without an account. They set no cookie (they are outside the session
//! middleware, and [`headers`] strips any `Set-Cookie` that might slip in), track nothing, and
//! load nothing from another site. The language comes from the address only: `/public` in
//! French, `/en/public` in English. A quick-exit link at the top of every page leaves for a
//! neutral site; a tiny inline script, allowed on these pages only by its hash, makes it
//! replace the page in the history and answers the Escape key too.

use std::sync::{Arc, LazyLock};

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::legal::{BlockView, ContentError, Library, Page, Section, SectionView, sections_view};
use crate::AppState;
use crate::i18n::{I18n, Lang};

/// Where the quick exit goes: a neutral site. A plain link is not a request made by our page.
pub const QUICK_EXIT_URL: &str = "https://www.google.ca/";

/// The quick exit's progressive enhancement: leave with `location.replace` (the page does not
/// stay in the history), hide the page at once, and do the same on Escape. Its SHA-256 is in
/// [`CONTENT_SECURITY_POLICY`]; a test recomputes it from the page as served.
pub const QUICK_EXIT_SCRIPT: &str = concat!(
    r#"(function(){var a=document.getElementById("quick-exit");if(!a){return;}"#,
    r#"function leave(e){if(e){e.preventDefault();}document.body.hidden=true;window.location.replace(a.href);}"#,
    r#"a.addEventListener("click",leave);"#,
    r#"document.addEventListener("keydown",function(e){if(e.key==="Escape"||e.key==="Esc"){leave(e);}});})();"#,
);

/// The policy of the public pages: the platform's, plus the quick-exit script by its hash.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; \
     script-src 'sha256-pM48SoawE80r1bI17lyWab4I/gaThT7VfjA7atQu/iU='; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The public pages, in the order of their navigation.
pub const SOURCES: [(&str, &str); 2] = [
    ("public/01-understand.txt", include_str!("../../content/public/01-understand.txt")),
    ("public/02-help.txt", include_str!("../../content/public/02-help.txt")),
];

static LIBRARY: LazyLock<Result<Library, ContentError>> = LazyLock::new(|| Library::load(&SOURCES, None, false));

/// The public pages' content, loaded once.
pub fn library() -> Result<&'static Library, ContentError> {
    LIBRARY.as_ref().map_err(Clone::clone)
}

/// The address of a public page (`understand` is the home of the public pages).
pub fn path(lang: Lang, page: &str) -> String {
    let base = match lang {
        Lang::Fr => "/public",
        Lang::En => "/en/public",
    };
    if page == "understand" { base.to_owned() } else { format!("{base}/{page}") }
}

/// The headers of the public pages, over the platform's: their own policy (the quick-exit
/// script), no referrer at all, never cached, and never a cookie.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.remove(header::SET_COOKIE);
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// What the public templates need of the language (there is no session here).
pub struct PublicCtx {
    /// The language, from the address.
    pub lang: Lang,
    i18n: Arc<I18n>,
}

impl PublicCtx {
    /// The context of a public page in `lang`.
    pub fn new(lang: Lang, i18n: Arc<I18n>) -> Self {
        Self { lang, i18n }
    }

    /// The message `id`.
    pub fn t(&self, id: &str) -> String {
        self.i18n.t(self.lang, id)
    }

    /// The message `id` with one argument.
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        self.i18n.t_args(self.lang, id, &[(name, value)])
    }

    /// The HTML `lang` attribute.
    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// The `lang` attribute of the switch link.
    pub fn switch_lang(&self) -> &'static str {
        self.lang.other().tag()
    }

    /// Name of the other language, in that language.
    pub fn switch_label(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "English",
            Lang::En => "Français",
        }
    }

    /// Path of the embedded stylesheet.
    pub fn stylesheet(&self) -> &'static str {
        crate::assets::STYLESHEET_PATH
    }

    /// The public page naming the privacy officer, in this language.
    pub fn privacy_href(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "/privacy",
            Lang::En => "/en/privacy",
        }
    }
}

/// An entry of the public navigation.
pub struct PublicNav {
    /// Target.
    pub href: String,
    /// Text.
    pub label: String,
    /// Whether it is this page.
    pub current: bool,
}

#[derive(Template)]
#[template(path = "public.html")]
struct PublicPage {
    p: PublicCtx,
    title: String,
    summary: String,
    checked: String,
    sections: Vec<SectionView>,
    nav: Vec<PublicNav>,
    home: String,
    switch_href: String,
    see_label: String,
    exit_url: &'static str,
    script: &'static str,
    not_found: bool,
}

/// Renders the public page `id` (or "not found" when `None`) in `lang`.
fn show(state: &AppState, lang: Lang, id: Option<&str>) -> Response {
    let Ok(lib) = library() else {
        tracing::error!("public content does not load");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let p = PublicCtx::new(lang, Arc::clone(&state.i18n));
    let page = id.and_then(|id| lib.page(id));
    let href = |pg: &Page, s: Option<&Section>| match s {
        Some(s) => format!("{}#{}", path(lang, &pg.id), s.id),
        None => path(lang, &pg.id),
    };
    let nav = lib
        .pages
        .iter()
        .map(|pg| PublicNav {
            href: path(lang, &pg.id),
            label: p.t(&format!("pub-nav-{}", pg.id)),
            current: page.is_some_and(|c| c.id == pg.id),
        })
        .collect();
    let (title, summary, sections) = match page {
        Some(pg) => (pg.title.get(lang).clone(), pg.summary.get(lang).clone(), sections_view(lib, pg, lang, "", &href)),
        None => (p.t("pub-not-found-title"), p.t("pub-not-found-text"), Vec::new()),
    };
    let view = PublicPage {
        title,
        summary,
        checked: lib.checked().to_owned(),
        sections,
        nav,
        home: path(lang, "understand"),
        switch_href: path(lang.other(), page.map_or("understand", |pg| pg.id.as_str())),
        see_label: p.t("lref-see-also"),
        exit_url: QUICK_EXIT_URL,
        script: QUICK_EXIT_SCRIPT,
        not_found: page.is_none(),
        p,
    };
    if let Ok(html) = view.render() {
        let status = if page.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
        (status, Html(html)).into_response()
    } else {
        tracing::error!("public template rendering failed");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

/// `/public`.
pub async fn understand_fr(State(state): State<AppState>) -> Response {
    show(&state, Lang::Fr, Some("understand"))
}

/// `/en/public`.
pub async fn understand_en(State(state): State<AppState>) -> Response {
    show(&state, Lang::En, Some("understand"))
}

/// `/public/help`.
pub async fn help_fr(State(state): State<AppState>) -> Response {
    show(&state, Lang::Fr, Some("help"))
}

/// `/en/public/help`.
pub async fn help_en(State(state): State<AppState>) -> Response {
    show(&state, Lang::En, Some("help"))
}

/// Any other address under `/public/`: "not found", still without a cookie.
pub async fn not_found_fr(State(state): State<AppState>) -> Response {
    show(&state, Lang::Fr, None)
}

/// Any other address under `/en/public/`.
pub async fn not_found_en(State(state): State<AppState>) -> Response {
    show(&state, Lang::En, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_loads() {
        let lib = library().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lib.pages.len(), SOURCES.len());
        assert!(lib.problems(false).is_empty());
        let i18n = I18n::load().unwrap_or_else(|e| panic!("{e}"));
        for page in &lib.pages {
            for lang in Lang::ALL {
                assert!(i18n.has(lang, &format!("pub-nav-{}", page.id)), "pub-nav-{} {lang:?}", page.id);
            }
        }
    }

    #[test]
    fn addresses() {
        assert_eq!(path(Lang::Fr, "understand"), "/public");
        assert_eq!(path(Lang::En, "help"), "/en/public/help");
    }

    #[test]
    fn the_policy_allows_one_script_and_nothing_else() {
        assert!(CONTENT_SECURITY_POLICY.contains("default-src 'none'"));
        assert_eq!(CONTENT_SECURITY_POLICY.matches("'sha256-").count(), 1);
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(!QUICK_EXIT_SCRIPT.contains("</"), "the script cannot close its element");
    }
}

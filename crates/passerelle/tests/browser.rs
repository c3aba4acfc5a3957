//! End-to-end journeys in a real browser: headless Chromium, driven through chromedriver by a
//! small `WebDriver` client (tests/browser/webdriver.rs), against `passerelle demo`.
//!
//! Each journey starts its own demonstration server and chromedriver, and opens one browser
//! per person with an empty profile (so no cookie or language choice leaks from one journey,
//! or one person, to another).
//! The browser asks for French (`--lang=fr-CA`), as most people in the field will.
//!
//! Without /usr/bin/chromium or /usr/bin/chromedriver the journeys are skipped with a
//! message, except under `CI=true`, where they fail: CI never skips them silently.
//!
//! A screenshot of each main page goes to a directory under the system temporary directory,
//! printed on standard error (run with `-- --nocapture` to see it). Nothing is asserted on
//! the images; they are for people reviewing the interface.

#[path = "browser/demo.rs"]
mod demo;
#[path = "browser/webdriver.rs"]
mod webdriver;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use demo::{Demo, PASSWORD};
use webdriver::{CHROMEDRIVER, CHROMIUM, Driver, Session};

/// Whether the browser tests can run here; under `CI=true` a missing browser is a failure.
fn browser_available() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER].into_iter().filter(|p| !Path::new(p).exists()).collect();
    if missing.is_empty() {
        return true;
    }
    let message =
        format!("the browser tests need {} (Debian packages chromium and chromium-driver)", missing.join(" and "));
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}: under CI=true they must run, not skip");
    eprintln!("{message}: browser test skipped");
    false
}

/// The screenshot directory of this test run, created and announced once.
fn screenshot_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("passerelle-browser-screenshots-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        eprintln!("browser screenshots: {}", dir.display());
        dir
    })
}

/// Numbered screenshots of one journey.
struct Shots {
    journey: &'static str,
    n: Cell<u32>,
}

impl Shots {
    fn new(journey: &'static str) -> Self {
        Self { journey, n: Cell::new(0) }
    }

    fn save(&self, s: &Session<'_>, page: &str) {
        self.n.set(self.n.get() + 1);
        let path = screenshot_dir().join(format!("{}-{:02}-{page}.png", self.journey, self.n.get()));
        std::fs::write(&path, s.screenshot()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// Labels of the main navigation (empty when there is none).
fn nav_labels(s: &Session<'_>) -> Vec<String> {
    s.texts("nav.main-nav a")
}

/// Targets of the main navigation's links.
fn nav_hrefs(s: &Session<'_>) -> Vec<String> {
    s.find_all("nav.main-nav a").iter().filter_map(|a| s.attr(a, "href")).collect()
}

/// The label of the navigation link marked as the current page.
fn nav_current(s: &Session<'_>) -> Option<String> {
    s.find("nav.main-nav a[aria-current='page']").map(|a| s.text(&a))
}

/// The `lang` attribute of the page.
fn page_lang(s: &Session<'_>) -> String {
    let html = s.wait_for("html");
    s.attr(&html, "lang").unwrap_or_default()
}

/// Signs in from the sign-in page (in French: a fresh browser asks for French), through the
/// second-factor page when the account has one, and waits for the home page.
/// `mfa_title` is that page's heading, in the account's own language.
fn sign_in(s: &Session<'_>, demo: &Demo, user: &str, mfa_title: &str, shots: &Shots) {
    s.goto(&format!("{}/login", demo.base));
    s.wait_text("main h1", "Connexion");
    assert_eq!(page_lang(s), "fr-CA");
    assert_eq!(s.title(), "Connexion · Passerelle");
    assert!(nav_labels(s).is_empty(), "no navigation before sign-in");
    shots.save(s, "login");
    s.type_into("#username", user);
    s.type_into("#password", PASSWORD);
    s.click("form[action='/login'] button[type='submit']");
    if demo.has_second_factor(user) {
        s.wait_url(&format!("{}/login/mfa", demo.base));
        s.wait_text("main h1", mfa_title);
        assert!(nav_labels(s).is_empty(), "no navigation before the second factor");
        shots.save(s, "second-factor");
        s.type_into("#code", &demo.totp_code(user));
        s.click("form[action='/login/mfa'] button[type='submit']");
    }
    s.wait_url(&format!("{}/", demo.base));
}

/// Starts the demonstration server and chromedriver, or `None` when the browser is missing.
fn start() -> Option<(Demo, Driver)> {
    if !browser_available() {
        return None;
    }
    let demo = Demo::start();
    let driver = Driver::start();
    Some((demo, driver))
}

/// Stops the demonstration server and checks that it ended cleanly.
fn finish(mut demo: Demo, driver: Driver) {
    drop(driver);
    assert_eq!(demo.stop(), Some(0), "the demo exits with status 0 on SIGTERM");
}

#[test]
fn base64_decoder_matches_known_values() {
    for (text, plain) in [
        ("", ""),
        ("Zg==", "f"),
        ("Zm8=", "fo"),
        ("Zm9v", "foo"),
        ("Zm9vYg==", "foob"),
        ("Zm9vYmE=", "fooba"),
        ("Zm9vYmFy", "foobar"),
        ("Zm9v\nYmFy", "foobar"),
    ] {
        assert_eq!(webdriver::base64_decode(text).unwrap_or_else(|e| panic!("{e}")), plain.as_bytes(), "{text}");
    }
    assert_eq!(webdriver::base64_decode("w6kr/w==").unwrap_or_default(), [0xc3, 0xa9, 0x2b, 0xff]);
    assert!(webdriver::base64_decode("Zm9v!").is_err());
}

/// A system administrator signs in in French (password and second factor), switches to
/// English, creates an account, finds it in the audit trail and signs out.
#[test]
fn administrator_creates_an_account_and_finds_it_in_the_audit_trail() {
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("admin");
    {
        let s = driver.session();
        sign_in(&s, &demo, "admin", "Deuxième facteur", &shots);
        admin_home_in_both_languages(&s, &demo, &shots);
        let new_id = admin_creates_an_account(&s, &demo, &shots);
        admin_finds_the_creation_in_the_audit_trail(&s, &demo, &shots, &new_id);
        admin_signs_out(&s, &demo, &shots);
    }
    finish(demo, driver);
}

/// The home page in French, then the same page in English after the language switch.
fn admin_home_in_both_languages(s: &Session<'_>, demo: &Demo, shots: &Shots) {
    s.wait_text("main h1", "Bonjour, Camille Administratrice");
    assert_eq!(page_lang(s), "fr-CA");
    assert_eq!(s.title(), "Accueil · Passerelle");
    assert_eq!(
        nav_labels(s),
        [
            "Accueil",
            "Alertes",
            "Organisations",
            "Comptes",
            "Journal d'audit",
            "Conservation",
            "Répertoire",
            "Formation",
            "Référence juridique",
            "Mon compte"
        ],
        "navigation of a system administrator"
    );
    assert_eq!(
        nav_hrefs(s),
        [
            "/",
            "/alerts",
            "/admin/organizations",
            "/admin/users",
            "/audit",
            "/admin/retention",
            "/directory",
            "/training",
            "/legal",
            "/account"
        ]
    );
    assert_eq!(nav_current(s).as_deref(), Some("Accueil"));
    assert_eq!(s.text_of("header .who"), "Camille Administratrice");
    assert_eq!(s.text_of("header form[action='/logout'] button"), "Se déconnecter");
    assert_eq!(
        s.text_of("main p.lead"),
        "DPJ des Deux-Rives · Administration du système, Administration de l'organisation"
    );
    assert!(s.texts("main .cards h3").contains(&"Journal d'audit".to_owned()));
    assert!(s.find("main p.warning").is_none(), "the second factor is on: no warning");
    let lang = s.wait_for("header a.lang");
    assert_eq!(s.text(&lang), "English");
    assert_eq!(s.attr(&lang, "href").as_deref(), Some("/lang/en?next=%2F"));
    assert_eq!(s.attr(&lang, "lang").as_deref(), Some("en-CA"));
    shots.save(s, "home-fr");

    // Same page, other language.
    s.click("header a.lang");
    s.wait_text("main h1", "Hello, Camille Administratrice");
    assert_eq!(s.url(), format!("{}/", demo.base), "the switch comes back to the same page");
    assert_eq!(page_lang(s), "en-CA");
    assert_eq!(s.title(), "Home · Passerelle");
    assert_eq!(
        nav_labels(s),
        [
            "Home",
            "Alerts",
            "Organizations",
            "Accounts",
            "Audit trail",
            "Retention",
            "Directory",
            "Training",
            "Legal reference",
            "My account"
        ]
    );
    assert_eq!(s.text_of("header a.lang"), "Français");
    assert_eq!(s.text_of("header form[action='/logout'] button"), "Sign out");
    assert_eq!(s.text_of("main p.lead"), "DPJ des Deux-Rives · System administration, Organization administration");
    shots.save(s, "home-en");
}

/// Accounts → new case worker → the temporary password → the account's page. Returns the new
/// account's id.
fn admin_creates_an_account(s: &Session<'_>, demo: &Demo, shots: &Shots) -> String {
    s.click("nav.main-nav a[href='/admin/users']");
    s.wait_url(&format!("{}/admin/users", demo.base));
    s.wait_text("main h1", "Accounts · DPJ des Deux-Rives");
    assert_eq!(nav_current(s).as_deref(), Some("Accounts"));
    let usernames = s.texts("main table tbody tr td:first-child");
    for u in ["admin", "sophie.gagnon", "alex.bouchard"] {
        assert!(usernames.iter().any(|x| x == u), "{u} listed in {usernames:?}");
    }
    assert!(!usernames.iter().any(|x| x == "karim.benali"), "another organization's account is not listed");
    assert!(!usernames.iter().any(|x| x == "test.worker"));
    assert_eq!(s.text_of("main h2"), "New account");
    shots.save(s, "accounts");

    s.type_into("form[method='post'][action='/admin/users'] #username", "test.worker");
    s.type_into("#display_name", "Test Worker");
    s.click("input[type='checkbox'][name='roles'][value='case_worker']");
    s.click("#locale option[value='en']");
    s.click("form[method='post'][action='/admin/users'] button[type='submit']");
    s.wait_text("main h1", "Account created");
    assert_eq!(s.title(), "Account created · Passerelle");
    assert_eq!(s.text_of("main h1 + p"), "The account test.worker was created. Here is its temporary password.");
    let temporary = s.text_of("main code.secret");
    assert!(
        temporary.len() >= 12 && !temporary.contains(' ') && temporary != PASSWORD,
        "a temporary password is shown: {temporary:?}"
    );
    assert_eq!(s.text_of("main p.warning"), "Write it down now: it will never be shown again.");
    shots.save(s, "account-created");

    let next = s.wait_for("main a[href^='/admin/users/']");
    assert_eq!(s.text(&next), "Continue");
    let href = s.attr(&next, "href").unwrap_or_default();
    let new_id = href.trim_start_matches("/admin/users/").to_owned();
    assert!(uuid::Uuid::parse_str(&new_id).is_ok(), "the account page is /admin/users/<uuid>: {href}");
    s.click("main a[href^='/admin/users/']");
    s.wait_url(&format!("{}{href}", demo.base));
    s.wait_text("main h1", "Test Worker");
    let facts = s.texts("main dl.facts dd");
    assert_eq!(facts.first().map(String::as_str), Some("test.worker"), "{facts:?}");
    assert_eq!(facts.get(1).map(String::as_str), Some("DPJ des Deux-Rives"), "{facts:?}");
    assert_eq!(facts.get(2).map(String::as_str), Some("Not set up"), "no second factor yet: {facts:?}");
    assert_eq!(facts.get(3).map(String::as_str), Some("Active"), "{facts:?}");
    let role = |value: &str| s.wait_for(&format!("input[name='roles'][value='{value}']"));
    assert!(s.selected(&role("case_worker")), "the case worker role was given");
    assert!(!s.selected(&role("screener")), "no other role was given");
    assert!(s.selected(&s.wait_for("#locale option[value='en']")), "language English");
    shots.save(s, "new-account");
    new_id
}

/// The audit trail shows one `user.create` entry about the new account, also when filtered.
fn admin_finds_the_creation_in_the_audit_trail(s: &Session<'_>, demo: &Demo, shots: &Shots, new_id: &str) {
    s.click("nav.main-nav a[href='/audit']");
    s.wait_url(&format!("{}/audit", demo.base));
    s.wait_text("main h1", "Audit trail");
    assert_eq!(nav_current(s).as_deref(), Some("Audit trail"));
    let rows = s.texts("table.audit tbody tr");
    let created: Vec<&String> = rows.iter().filter(|r| r.contains("user.create")).collect();
    assert_eq!(created.len(), 1, "one user.create entry in {rows:#?}");
    assert!(created.iter().all(|r| r.contains(new_id) && r.ends_with("Success")), "{created:?}");
    assert!(rows.iter().any(|r| r.contains("demo.seed")), "the whole installation is shown: {rows:#?}");
    shots.save(s, "audit");

    s.type_into("#action", "user.create");
    s.click("form.filters button[type='submit']");
    s.wait_url(&format!("{}/audit?action=user.create&outcome=", demo.base));
    let actions = s.texts("table.audit tbody td:nth-child(4)");
    assert_eq!(actions, ["user.create"], "only the matching entry");
}

/// Sign out: back to the sign-in page, in the chosen language, and signed out for real.
fn admin_signs_out(s: &Session<'_>, demo: &Demo, shots: &Shots) {
    s.click("header form[action='/logout'] button[type='submit']");
    s.wait_url(&format!("{}/login", demo.base));
    s.wait_text("main h1", "Sign in");
    assert!(nav_labels(s).is_empty(), "no navigation once signed out");
    assert!(s.find("header .who").is_none() && s.find("form[action='/logout']").is_none());
    shots.save(s, "signed-out");
    s.goto(&format!("{}/audit", demo.base));
    s.wait_url(&format!("{}/login", demo.base));
    assert!(!s.source().contains("user.create"), "the audit trail is not shown after sign-out");
}

/// A wrong password is refused with the translated message, and nothing else is shown.
#[test]
fn a_wrong_password_is_refused_in_french() {
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("refused");
    {
        let s = driver.session();
        let refusal = "Nom d'utilisateur ou mot de passe incorrect, ou compte temporairement verrouillé après \
                       plusieurs tentatives. Réessayez ou adressez-vous à l'administrateur de votre organisation.";
        for (user, password) in [("sophie.gagnon", "pas-le-bon-mot-de-passe"), ("personne.inconnue", PASSWORD)] {
            s.goto(&format!("{}/login", demo.base));
            s.wait_text("main h1", "Connexion");
            assert!(s.find(".error-summary").is_none(), "no message before trying");
            s.type_into("#username", user);
            s.type_into("#password", password);
            s.click_to_load("form[action='/login'] button[type='submit']");
            s.wait_for(".error-summary[role='alert']");
            assert_eq!(s.text_of(".error-summary[role='alert']"), refusal, "{user}: same message either way");
            assert_eq!(s.url(), format!("{}/login", demo.base));
            s.wait_text("main h1", "Connexion");
            assert!(nav_labels(&s).is_empty(), "no navigation after a refusal");
            assert!(s.find("form[action='/logout']").is_none() && s.find("header .who").is_none());
            let username = s.wait_for("#username");
            assert_eq!(s.attr(&username, "value").as_deref(), Some(user), "the user name is kept");
            let password_field = s.wait_for("#password");
            let sent_back = s.attr(&password_field, "value").unwrap_or_default();
            assert!(sent_back.is_empty(), "the password is not sent back");
            shots.save(&s, &format!("refused-{user}"));
        }
        // Still signed out.
        s.goto(&format!("{}/", demo.base));
        s.wait_url(&format!("{}/login", demo.base));
    }
    finish(demo, driver);
}

/// A screener (English account) sees neither Accounts nor Audit, and is refused the audit
/// trail by address too.
#[test]
fn a_screener_is_refused_the_audit_trail() {
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("screener");
    {
        let s = driver.session();
        // Karim's account is in English: every page after the password follows it.
        sign_in(&s, &demo, "karim.benali", "Second factor", &shots);
        s.wait_text("main h1", "Hello, Karim Benali");
        assert_eq!(page_lang(&s), "en-CA");
        assert_eq!(
            nav_labels(&s),
            ["Home", "Screenings", "Directory", "Training", "Legal reference", "My account"],
            "navigation of a screener"
        );
        assert_eq!(nav_hrefs(&s), ["/", "/screenings", "/directory", "/training", "/legal", "/account"]);
        let card_links: Vec<String> = s.find_all("main .cards a").iter().filter_map(|a| s.attr(a, "href")).collect();
        assert_eq!(card_links, ["/screenings/new", "/account"], "no card leads to accounts or the audit trail");
        assert_eq!(s.text_of("main p.lead"), "Service de police de Val-Clair · Screener");
        shots.save(&s, "home");

        for path in ["/audit", "/admin/users"] {
            s.goto(&format!("{}{path}", demo.base));
            s.wait_text("main h1", "Access denied");
            assert_eq!(s.url(), format!("{}{path}", demo.base), "no redirection: the page itself is refused");
            assert_eq!(s.title(), "Access denied · Passerelle");
            assert_eq!(page_lang(&s), "en-CA");
            assert_eq!(s.text_of("main h1 + p"), "Your role does not allow this action. The refusal was recorded.");
            assert!(s.find("table").is_none(), "nothing of {path} is shown");
            assert!(nav_labels(&s).is_empty());
            assert_eq!(s.text_of("main a[href='/']"), "Back to home");
            shots.save(&s, &format!("refused{}", path.replace('/', "-")));
        }
    }
    finish(demo, driver);
}

/// An analyst (no second factor required) signs in with the password alone.
#[test]
fn an_analyst_signs_in_with_the_password_alone() {
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("analyst");
    {
        let s = driver.session();
        assert!(!demo.has_second_factor("emma.pelletier"));
        sign_in(&s, &demo, "emma.pelletier", "-", &shots);
        s.wait_text("main h1", "Hello, Emma Pelletier");
        assert_eq!(page_lang(&s), "en-CA");
        assert_eq!(nav_labels(&s), ["Home", "Statistics", "Directory", "Training", "Legal reference", "My account"]);
        assert_eq!(s.text_of("main p.lead"), "CISSS des Hautes-Terres · Analyst");
        assert_eq!(s.text_of("main p.warning"), "Your role does not require a second factor, but we recommend one.");
        assert_eq!(s.texts("main .cards h3"), ["Statistics", "My account"]);
        shots.save(&s, "home");

        // The statistics card leads to the dashboard; a publication made there shows charts,
        // the map and tables that pass the accessibility rules.
        s.click("main .cards a[href='/statistics']");
        s.wait_url(&format!("{}/statistics", demo.base));
        s.wait_text("main h1", "De-identified statistics");
        assert_eq!(nav_current(&s).as_deref(), Some("Statistics"));
        // The demo made a first publication when it started; the analyst makes another.
        assert!(s.find("#no-publication").is_none(), "the demo's first publication is shown");
        assert!(s.find_all("svg[role=img]").len() >= 12);
        s.type_into("#epsilon", "0.5");
        s.click_to_load("form[action='/statistics/publish'] button[type=submit]");
        s.wait_for("main p.notice");
        assert!(s.find_all("svg[role=img]").len() >= 12, "the map and a chart per table");
        assert!(s.find_all("table.stats-data caption").len() >= 11, "a table per chart");
        shots.save(&s, "statistics");
        if let Some(axe) = axe_script() {
            let run_axe = format!(
                "{axe}\n;return axe.run(document, {{runOnly: {{type: 'tag', values: {}}}, resultTypes: ['violations']}})\
                 .then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', ')));",
                serde_json::json!(AXE_TAGS)
            );
            let violations = s.execute(&run_axe, &[]);
            assert!(violations.is_array(), "axe-core ran: {violations}");
            assert_eq!(violations, serde_json::json!([]), "accessibility violations on the dashboard");
        }

        s.click("nav.main-nav a[href='/account']");
        s.wait_url(&format!("{}/account", demo.base));
        s.wait_text("main h1", "My account");
        assert_eq!(nav_current(&s).as_deref(), Some("My account"));
        shots.save(&s, "account");
    }
    finish(demo, driver);
}

/// One anonymous screening through both stages, its result and the professional's decision.
fn screen_once(s: &Session<'_>, demo: &Demo, shots: &Shots, texts: [&str; 4]) {
    let [stage1, stage2, indicated, recorded] = texts;
    s.goto(&format!("{}/", demo.base));
    s.click("main .cards a[href='/screenings/new']");
    s.wait_url(&format!("{}/screenings/new", demo.base));
    s.wait_text("main h1", stage1);
    shots.save(s, "stage1");
    s.click("input[name='s1_recruited'][value='yes']");
    s.click("input[name='s1_danger'][value='no']");
    s.click("form[action='/screenings/new'] button[type='submit']");
    s.wait_text("main h1", stage2);
    assert!(s.url().ends_with("/edit"), "a sign leads to the full assessment: {}", s.url());
    let recruited = s.wait_for("input[name='acts'][value='recruited']");
    assert!(s.selected(&recruited), "the quick screen's answer is carried over");
    s.type_into("#q-age_years", "15");
    s.click("input[name='exploitation'][value='sexual_services']");
    shots.save(s, "stage2");
    s.click_to_load("button[name='action'][value='evaluate']");
    s.wait_for("p.result");
    assert_eq!(s.text_of("p.result"), indicated);
    assert!(s.source().contains("1-833-900-1010"), "the hotline is on the result page");
    assert!(s.source().contains("CC 279.011"));
    shots.save(s, "result");
    s.click("input[name='decision'][value='report_dpj']");
    s.type_into("#reason", "Signalement fait / report made");
    s.click_to_load("form[action$='/decision'] button[type='submit']");
    s.wait_for("p.notice");
    assert!(s.source().contains(recorded), "the decision is shown beside the result");
    assert!(s.source().contains("Signalement fait / report made"));
    shots.save(s, "decision");
}

/// A screener completes an anonymous screening in French, then in English.
#[test]
fn a_screener_completes_an_anonymous_screening_in_both_languages() {
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("screening");
    {
        let s = driver.session();
        sign_in(&s, &demo, "nadia.cote", "Deuxième facteur", &shots);
        s.wait_text("main h1", "Bonjour, Nadia Côté");
        screen_once(
            &s,
            &demo,
            &shots,
            ["Dépistage rapide", "Évaluation complète", "Traite indiquée", "Décision enregistrée"],
        );
        s.click_to_load("header a.lang");
        s.wait_for("html[lang='en-CA']");
        screen_once(
            &s,
            &demo,
            &shots,
            ["Quick screen", "Full assessment", "Trafficking indicated", "Decision recorded"],
        );
        s.goto(&format!("{}/screenings", demo.base));
        s.wait_text("main h1", "Your organization's screenings");
        assert_eq!(s.find_all("main table tbody tr").len(), 3, "the demo screening and both new ones are listed");
        shots.save(&s, "list");
    }
    finish(demo, driver);
}

/// A supervisor finds a child's case by a name typed without accents, sees the warning about
/// unsafe persons, and adds a note.
#[test]
fn a_supervisor_finds_a_case_by_name_without_accents() {
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("case");
    {
        let s = driver.session();
        sign_in(&s, &demo, "julie.roy", "Deuxième facteur", &shots);
        s.wait_text("main h1", "Bonjour, Julie Roy");
        s.click("nav.main-nav a[href='/cases']");
        s.wait_text("main h1", "Dossiers");
        s.type_into("#q", "lea fictive morin");
        s.click_to_load("form[role='search'] button[type='submit']");
        s.wait_for("main table tbody tr");
        assert_eq!(s.find_all("main table tbody tr").len(), 1, "one case found");
        shots.save(&s, "search");
        s.click_to_load("main table tbody tr a");
        s.wait_for(".unsafe");
        assert!(s.text_of(".unsafe").contains("Marc Exemple"), "the unsafe person is shown");
        assert!(s.source().contains("Fictive-Morin"));
        assert!(s.source().contains("Dépistage rattaché"), "the screening it came from is in the timeline");
        shots.save(&s, "case");
        s.type_into("#body", "Rencontre de suivi; elle choisit de rester au refuge cette semaine.");
        s.click("form[action$='/notes'] button[type='submit']");
        // The demo case already has a note, so wait for this one's text, not for any note.
        let start = std::time::Instant::now();
        while !s.source().contains("elle choisit de rester au refuge") {
            assert!(start.elapsed() < std::time::Duration::from_secs(10), "the new note never appeared");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        shots.save(&s, "note");
    }
    finish(demo, driver);
}

// ----- a case from a screening to an approved plan, in both languages -----

/// The interface texts the case journey checks, in one language.
struct CaseUi {
    /// Names the screenshots: `fr` or `en`.
    code: &'static str,
    /// The page's `lang` attribute.
    tag: &'static str,
    login: &'static str,
    mfa: &'static str,
    hello: &'static str,
    stage1: &'static str,
    stage2: &'static str,
    result: &'static str,
    indicated: &'static str,
    open_from_screening: &'static str,
    new_case: &'static str,
    case: &'static str,
    status_open: &'static str,
    age: &'static str,
    region: &'static str,
    needs_none: &'static str,
    new_needs: &'static str,
    safety: &'static str,
    urgent: &'static str,
    plan: &'static str,
    write_plan: &'static str,
    draft: &'static str,
    submitted: &'static str,
    approved: &'static str,
    participated: &'static str,
    agreed: &'static str,
    to_do: &'static str,
    plans_to_approve: &'static str,
    no_plan_to_approve: &'static str,
    shelter: &'static str,
    mark_done: &'static str,
    cases: &'static str,
    /// Timeline entries, in the order they happen.
    events: [&'static str; 8],
}

const CASE_FR: CaseUi = CaseUi {
    code: "fr",
    tag: "fr-CA",
    login: "Connexion",
    mfa: "Deuxième facteur",
    hello: "Bonjour",
    stage1: "Dépistage rapide",
    stage2: "Évaluation complète",
    result: "Résultat du dépistage",
    indicated: "Traite indiquée",
    open_from_screening: "Ouvrir un dossier à partir de ce dépistage",
    new_case: "Ouvrir un dossier",
    case: "Dossier",
    status_open: "Ouvert",
    age: "Âge au moment de l'identification",
    region: "16 – Montérégie",
    needs_none: "Aucune évaluation des besoins pour l'instant.",
    new_needs: "Nouvelle évaluation des besoins",
    safety: "Sécurité",
    urgent: "Urgent",
    plan: "Plan d'intervention",
    write_plan: "Rédiger le plan",
    draft: "Brouillon",
    submitted: "En attente d'approbation",
    approved: "Approuvé",
    participated: "L'enfant a participé à la rédaction",
    agreed: "L'enfant est d'accord avec le plan",
    to_do: "À faire",
    plans_to_approve: "Plans à approuver",
    no_plan_to_approve: "Aucun plan n'attend votre approbation.",
    shelter: "Hébergement",
    mark_done: "Marquer comme fait",
    cases: "Dossiers",
    events: [
        "Dossier ouvert",
        "Dépistage rattaché",
        "Évaluation des besoins",
        "Plan enregistré",
        "Plan soumis pour approbation",
        "Plan approuvé",
        "Service inscrit",
        "Suivi prévu",
    ],
};

const CASE_EN: CaseUi = CaseUi {
    code: "en",
    tag: "en-CA",
    login: "Sign in",
    mfa: "Second factor",
    hello: "Hello",
    stage1: "Quick screen",
    stage2: "Full assessment",
    result: "Screening result",
    indicated: "Trafficking indicated",
    open_from_screening: "Open a case from this screening",
    new_case: "Open a case",
    case: "Case",
    status_open: "Open",
    age: "Age when identified",
    region: "16 – Montérégie",
    needs_none: "No needs assessment yet.",
    new_needs: "New needs assessment",
    safety: "Safety",
    urgent: "Urgent",
    plan: "Service plan",
    write_plan: "Write the plan",
    draft: "Draft",
    submitted: "Waiting for approval",
    approved: "Approved",
    participated: "The child took part in writing it",
    agreed: "The child agrees with the plan",
    to_do: "To do",
    plans_to_approve: "Plans to approve",
    no_plan_to_approve: "No plan is waiting for your approval.",
    shelter: "Shelter",
    mark_done: "Mark as done",
    cases: "Cases",
    events: [
        "Case opened",
        "Screening attached",
        "Needs assessment",
        "Plan saved",
        "Plan submitted for approval",
        "Plan approved",
        "Service recorded",
        "Follow-up planned",
    ],
};

/// A fictional child and what is written about them.
struct Child {
    given: &'static str,
    family: &'static str,
    /// The name as someone types it in a hurry: no accents, no capitals, no hyphen.
    typed: &'static str,
    /// What the child says about their safety.
    safety: &'static str,
    /// The plan's goals, as the child puts them.
    goals: [&'static str; 2],
    /// One action of the plan: what, who, when.
    action: [&'static str; 3],
    provider: &'static str,
    outcome: &'static str,
    followup: &'static str,
}

const NOEMIE: Child = Child {
    given: "Noémie",
    family: "Fictive-Bélanger",
    typed: "noemie fictive belanger",
    safety: "Je veux pas qu'il sache où je dors.",
    goals: ["Retourner à l'école en septembre.", "Avoir un cellulaire à moi, que personne d'autre connaît."],
    action: ["Inscription à l'école aux adultes", "Intervenante scolaire", "2027-01-10"],
    provider: "Maison d'hébergement Le Phare",
    outcome: "Chambre pour deux semaines; elle a choisi d'y rester.",
    followup: "Appeler Noémie pour voir si la chambre lui convient.",
};

const ZOE: Child = Child {
    given: "Zoé",
    family: "Exemple-Côté",
    typed: "zoe exemple cote",
    safety: "I don't want him to find me at my aunt's.",
    goals: ["Finish grade ten.", "See my little brother on weekends."],
    action: ["Enrol in the alternative school", "School liaison worker", "2027-01-10"],
    provider: "Youth shelter La Traverse",
    outcome: "Placed for one week; she chose to stay.",
    followup: "Call Zoé about the school visit.",
};

/// One person at their own browser, who signs in as often as the journey needs.
struct Person<'d> {
    user: &'static str,
    name: &'static str,
    s: Session<'d>,
    /// The time step of the last second-factor code used: the server refuses it, or an
    /// earlier one, again.
    last_step: Cell<Option<u64>>,
}

/// The current second-factor time step (30 seconds) and how far into it we are.
fn totp_clock() -> (u64, std::time::Duration) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let into =
        std::time::Duration::from_secs(now.as_secs() % 30) + std::time::Duration::from_nanos(now.subsec_nanos().into());
    (now.as_secs() / 30, into)
}

/// A second-factor code of a step after `last`, waiting for the next step when needed.
fn fresh_code(demo: &Demo, user: &str, last: Option<u64>) -> (u64, String) {
    loop {
        let (step, into) = totp_clock();
        if last.is_some_and(|l| step <= l) {
            let wait = std::time::Duration::from_secs(30).saturating_sub(into) + std::time::Duration::from_millis(200);
            eprintln!("{user}: waiting {:.1} s for a fresh second-factor code", wait.as_secs_f32());
            std::thread::sleep(wait);
            continue;
        }
        let code = demo.totp_code(user);
        if totp_clock().0 == step {
            return (step, code);
        }
    }
}

/// Signs in (password, then a fresh second-factor code) and waits for the home page.
fn person_signs_in(p: &Person<'_>, demo: &Demo, login: &str, mfa: &str, hello: &str, shots: &Shots) {
    let s = &p.s;
    s.goto(&format!("{}/login", demo.base));
    s.wait_text("main h1", login);
    s.type_into("#username", p.user);
    s.type_into("#password", PASSWORD);
    s.click("form[action='/login'] button[type='submit']");
    s.wait_url(&format!("{}/login/mfa", demo.base));
    s.wait_text("main h1", mfa);
    let (step, code) = fresh_code(demo, p.user, p.last_step.get());
    s.type_into("#code", &code);
    s.click("form[action='/login/mfa'] button[type='submit']");
    s.wait_url(&format!("{}/", demo.base));
    s.wait_text("main h1", &format!("{hello}, {}", p.name));
    p.last_step.set(Some(step));
    shots.save(s, &format!("home-{}", p.user));
}

/// Signs out and checks that the sign-in page comes back, in `login`'s language.
fn person_signs_out(p: &Person<'_>, demo: &Demo, login: &str) {
    p.s.click("header form[action='/logout'] button[type='submit']");
    p.s.wait_url(&format!("{}/login", demo.base));
    p.s.wait_text("main h1", login);
    assert!(p.s.find("header .who").is_none(), "{} is signed out", p.user);
}

/// Types an ISO date (`YYYY-MM-DD`) into a date field. Chromium's date widget takes the
/// digits in the order of the browser's locale, which on Linux comes from the environment
/// (month, day, year under `C` or `en_US`; year, month, day under `fr_CA`): each order is
/// tried until the field's value is the date.
fn type_date(s: &Session<'_>, css: &str, iso: &str) {
    let (y, m, d) = (&iso[0..4], &iso[5..7], &iso[8..10]);
    for keys in [format!("{m}{d}{y}"), format!("{y}{m}{d}"), format!("{d}{m}{y}")] {
        s.type_into(css, &keys);
        if s.property(&s.wait_for(css), "value").as_str() == Some(iso) {
            return;
        }
    }
    panic!("the date field {css} does not take {iso} in any order");
}

/// Chooses an option of a `<select>` (`WebDriver` has no select command: the option is clicked).
fn choose(s: &Session<'_>, select: &str, value: &str) {
    let css = format!("{select} option[value='{value}']");
    s.click(&css);
    assert!(s.selected(&s.wait_for(&css)), "{css} is selected");
}

/// The date `days` from today (Québec's, as the pages count), `YYYY-MM-DD`.
fn date_in(days: i64) -> String {
    // The pages' "today" is Québec's, which is not the UTC date in the evening there.
    (passerelle_core::time::today_in_quebec() + time::Duration::days(days)).to_string()
}

/// A case opened by the journey: its address (`/cases/<uuid>`) and code.
struct OpenedCase {
    path: String,
    code: String,
}

/// In the demo, a case worker opens a case from a screening, records a needs assessment and
/// a plan in the child's words, gets it approved by a supervisor, records a service and a
/// follow-up, and finds the case again by a name typed without accents — in both languages.
/// Each person has a browser of their own; the worker switches to English after the French
/// round, and the supervisor does too before the second approval.
#[test]
fn a_case_worker_takes_a_case_from_screening_to_approved_plan_in_both_languages() {
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("plan");
    let started = std::time::Instant::now();
    {
        let person = |user, name| Person { user, name, s: driver.session(), last_step: Cell::new(None) };
        let worker = person("alex.bouchard", "Alex Bouchard");
        let supervisor = person("julie.roy", "Julie Roy");
        let ui = &CASE_FR;
        person_signs_in(&worker, &demo, ui.login, ui.mfa, ui.hello, &shots);
        assert_eq!(page_lang(&worker.s), ui.tag);
        let noemie = case_round(&worker, &supervisor, &demo, &shots, ui, &NOEMIE);

        worker.s.click("header a.lang");
        worker.s.wait_text("main h1", &format!("Case {}", noemie.code));
        assert_eq!(page_lang(&worker.s), "en-CA", "the switch comes back to the same page, in English");
        let zoe = case_round(&worker, &supervisor, &demo, &shots, &CASE_EN, &ZOE);
        assert_ne!(noemie.code, zoe.code, "two cases");
    }
    eprintln!("case journey: {:.1} s", started.elapsed().as_secs_f32());
    finish(demo, driver);
}

/// One round of the journey in one language; the worker is signed in at the start and at
/// the end, on the case page.
fn case_round(
    worker: &Person<'_>,
    supervisor: &Person<'_>,
    demo: &Demo,
    shots: &Shots,
    ui: &CaseUi,
    child: &Child,
) -> OpenedCase {
    let case = worker_opens_a_case_from_a_screening(worker, demo, shots, ui, child);
    worker_records_the_needs(worker, demo, shots, ui, child, &case);
    worker_writes_and_submits_the_plan(worker, shots, ui, child, &case);
    person_signs_out(worker, demo, ui.login);

    // The supervisor's browser has no language of its own yet: her account's French.
    person_signs_in(supervisor, demo, CASE_FR.login, CASE_FR.mfa, CASE_FR.hello, shots);
    if ui.code == "en" {
        supervisor.s.click("header a.lang");
        supervisor.s.wait_text("main h1", &format!("Hello, {}", supervisor.name));
    }
    supervisor_approves_the_plan(supervisor, shots, ui, child, &case);
    person_signs_out(supervisor, demo, ui.login);

    person_signs_in(worker, demo, ui.login, ui.mfa, ui.hello, shots);
    assert_eq!(page_lang(&worker.s), ui.tag);
    worker_records_a_service_and_a_followup(worker, demo, shots, ui, child, &case);
    worker_finds_the_case_by_name(worker, demo, shots, ui, child, &case);
    case
}

/// Quick screen → full assessment → "trafficking indicated" → the case form → the case page.
fn worker_opens_a_case_from_a_screening(
    p: &Person<'_>,
    demo: &Demo,
    shots: &Shots,
    ui: &CaseUi,
    child: &Child,
) -> OpenedCase {
    let s = &p.s;
    s.goto(&format!("{}/screenings/new", demo.base));
    s.wait_text("main h1", ui.stage1);
    assert_eq!(page_lang(s), ui.tag);
    s.click("input[name='s1_recruited'][value='yes']");
    s.click("form[action='/screenings/new'] button[type='submit']");
    s.wait_text("main h1", ui.stage2);
    s.click("input[name='exploitation'][value='sexual_services']");
    s.type_into("#q-age_years", "15");
    s.click("button[name='action'][value='evaluate']");
    s.wait_text("main h1", ui.result);
    assert_eq!(s.text_of("p.result"), ui.indicated);
    let screening = s.url().trim_start_matches(&format!("{}/screenings/", demo.base)).to_owned();
    let link = s.wait_for("a[href^='/cases/new?screening=']");
    assert_eq!(s.text(&link), ui.open_from_screening);
    assert_eq!(s.attr(&link, "href"), Some(format!("/cases/new?screening={screening}")), "this screening");
    shots.save(s, &format!("{}-screening-result", ui.code));

    s.click("a[href^='/cases/new?screening=']");
    s.wait_text("main h1", ui.new_case);
    let carried = s.wait_for("input[name='screening']");
    assert_eq!(s.attr(&carried, "value").as_deref(), Some(screening.as_str()), "the form carries the screening");
    s.type_into("#given_name", child.given);
    s.type_into("#family_name", child.family);
    s.type_into("#age", "15");
    choose(s, "select#region", "16");
    shots.save(s, &format!("{}-case-form", ui.code));
    s.click("form[action='/cases/new'] button[type='submit']");

    let code = s.text_of("main h1 code");
    assert_eq!(s.text_of("main h1"), format!("{} {code}", ui.case));
    let path = s.url().trim_start_matches(&demo.base).to_owned();
    let id = path.strip_prefix("/cases/").unwrap_or_default();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "the case page is /cases/<uuid>: {path}");
    assert_eq!(page_lang(s), ui.tag);
    assert_eq!(s.text_of("main p.lead"), ui.status_open);
    assert_eq!(s.texts("section[aria-labelledby='id-h'] dd"), [child.given, child.family], "the identity");
    let stats = s.texts("section[aria-labelledby='st-h'] dt, section[aria-labelledby='st-h'] dd");
    assert!(stats.windows(2).any(|w| w == [ui.age, "15"]), "age in {stats:?}");
    assert!(stats.iter().any(|v| v == ui.region), "region in {stats:?}");
    assert_eq!(s.text_of("#needs p"), ui.needs_none);
    assert_eq!(s.text_of("a[href$='/plan']"), ui.write_plan);
    let timeline = s.texts("ol.timeline li");
    for event in &ui.events[..2] {
        assert!(timeline.iter().any(|e| e.contains(event)), "{event:?} in {timeline:?}");
    }
    shots.save(s, &format!("{}-case-opened", ui.code));
    OpenedCase { path, code }
}

/// Needs assessment: safety is urgent, in the child's words, shown back on the case page.
fn worker_records_the_needs(p: &Person<'_>, demo: &Demo, shots: &Shots, ui: &CaseUi, child: &Child, case: &OpenedCase) {
    let s = &p.s;
    s.click("a[href$='/assessment']");
    s.wait_text("main h1", ui.new_needs);
    choose(s, "select#level-safety", "urgent");
    s.type_into("#view-safety", child.safety);
    shots.save(s, &format!("{}-needs-form", ui.code));
    s.click_to_load("form[action$='/assessment'] button[type='submit']");
    s.wait_for("#needs tbody tr");
    assert!(s.url().starts_with(&format!("{}{}", demo.base, case.path)), "back on the case page: {}", s.url());
    let cells = s.texts("#needs tbody td");
    let safety = cells.chunks(3).find(|row| row.first().map(String::as_str) == Some(ui.safety));
    let words = quoted(ui.code, child.safety);
    assert_eq!(safety, Some(&[ui.safety.to_owned(), ui.urgent.to_owned(), words][..]), "{cells:?}");
    shots.save(s, &format!("{}-needs-recorded", ui.code));
}

/// The plan: two goals in the child's words, the child took part and agrees, one action;
/// saved as a draft, then submitted. The worker cannot approve it.
fn worker_writes_and_submits_the_plan(p: &Person<'_>, shots: &Shots, ui: &CaseUi, child: &Child, case: &OpenedCase) {
    let s = &p.s;
    s.click(&format!("a[href='{}/plan']", case.path));
    s.wait_text("main h1", ui.plan);
    s.type_into("#goals", &child.goals.join("\n"));
    s.click("input[name='child_participated']");
    s.click("input[name='child_agreed']");
    let [what, who, due] = child.action;
    s.type_into("input[name='action_what']", what);
    s.type_into("input[name='action_who']", who);
    type_date(s, "input[name='action_due']", due);
    shots.save(s, &format!("{}-plan-form", ui.code));
    s.click("form[action$='/plan'] button[type='submit']");

    s.wait_for("ul.goals li");
    assert_eq!(s.text_of("main p.lead"), ui.draft);
    let goals: Vec<String> = child.goals.iter().map(|g| quoted(ui.code, g)).collect();
    assert_eq!(s.texts("ul.goals li"), goals, "the goals in the child's words");
    let consent = s.text_of("section[aria-labelledby='goals-h'] ul.goals + p");
    assert!(consent.contains(ui.participated) && consent.contains(ui.agreed), "{consent:?}");
    assert_eq!(s.texts("section[aria-labelledby='goals-h'] tbody td"), [what, who, due]);

    s.click("form[action$='/plan/submit'] button");
    s.wait_text("main p.lead", ui.submitted);
    assert!(s.find("form[action$='/plan/submit']").is_none(), "submitted once");
    assert!(s.find("form[action$='/plan/approve']").is_none(), "the worker cannot approve their own plan");
    shots.save(s, &format!("{}-plan-submitted", ui.code));
}

/// "To do" lists the plan; the supervisor opens and approves it, and it leaves the list.
fn supervisor_approves_the_plan(p: &Person<'_>, shots: &Shots, ui: &CaseUi, child: &Child, case: &OpenedCase) {
    let s = &p.s;
    assert_eq!(page_lang(s), ui.tag);
    s.click("nav.main-nav a[href='/followups']");
    s.wait_text("main h1", ui.to_do);
    assert_eq!(nav_current(s).as_deref(), Some(ui.to_do));
    assert_eq!(s.text_of("main h2"), ui.plans_to_approve);
    let link = format!("main ul li a[href='{}/plan']", case.path);
    assert_eq!(s.text_of(&link), case.code, "the plan waits for approval");
    shots.save(s, &format!("{}-supervisor-to-do", ui.code));

    s.click(&link);
    s.wait_text("main h1", ui.plan);
    assert_eq!(s.text_of("main p.lead"), ui.submitted);
    let goals: Vec<String> = child.goals.iter().map(|g| quoted(ui.code, g)).collect();
    assert_eq!(s.texts("ul.goals li"), goals, "the supervisor reads the child's words");
    s.click("form[action$='/plan/approve'] button");
    s.wait_text("main p.lead", &format!("{} ({})", ui.approved, p.name));
    assert!(s.find("form[action$='/plan/approve']").is_none(), "approved once");
    shots.save(s, &format!("{}-plan-approved", ui.code));

    s.click("nav.main-nav a[href='/followups']");
    s.wait_text("main h1", ui.to_do);
    assert!(s.find(&link).is_none(), "the approved plan left the list");
    assert!(s.texts("main p").iter().any(|t| t == ui.no_plan_to_approve), "no other plan waits");
}

/// On the case page: the approved plan, a service and a follow-up; "To do" lists the
/// follow-up.
fn worker_records_a_service_and_a_followup(
    p: &Person<'_>,
    demo: &Demo,
    shots: &Shots,
    ui: &CaseUi,
    child: &Child,
    case: &OpenedCase,
) {
    let s = &p.s;
    s.goto(&format!("{}{}", demo.base, case.path));
    s.wait_text("main h1", &format!("{} {}", ui.case, case.code));
    let plan = s.text_of("section[aria-labelledby='plan-h'] p");
    assert!(plan.starts_with(&format!("{} — ", ui.approved)), "the plan is approved: {plan:?}");

    choose(s, "select#kind", "shelter");
    s.type_into("#provider", child.provider);
    s.type_into("#outcome", child.outcome);
    s.click_to_load("form[action$='/services'] button[type='submit']");
    s.wait_for("#services ul li");
    let today = date_in(0);
    assert_eq!(
        s.texts("#services ul li"),
        [format!("{today} — {} ({}) : {}", ui.shelter, child.provider, child.outcome)]
    );

    let due = date_in(3);
    type_date(s, "#due_on", &due);
    s.type_into("#fu-text", child.followup);
    s.click_to_load("form[action$='/followups'] button[type='submit']");
    s.wait_for("#followups ul li");
    assert_eq!(s.texts("#followups ul li"), [format!("{due} — {} {}", child.followup, ui.mark_done)]);
    let timeline = s.texts("ol.timeline li");
    for event in ui.events {
        assert!(timeline.iter().any(|e| e.contains(event)), "{event:?} in {timeline:?}");
    }
    assert!(timeline.iter().any(|e| e.contains(ui.events[5]) && e.contains("Julie Roy")), "{timeline:?}");
    shots.save(s, &format!("{}-case-with-service", ui.code));

    s.click("nav.main-nav a[href='/followups']");
    s.wait_text("main h1", ui.to_do);
    let rows = s.texts("main table tbody tr");
    assert!(
        rows.iter().any(|r| r.contains(&due) && r.contains(&case.code) && r.contains(child.followup)),
        "the follow-up is due: {rows:#?}"
    );
    assert!(s.find("main h2").is_none(), "a case worker approves no plan");
    shots.save(s, &format!("{}-worker-to-do", ui.code));
}

/// Cases → search by the name typed without accents → one row → the same case.
fn worker_finds_the_case_by_name(
    p: &Person<'_>,
    demo: &Demo,
    shots: &Shots,
    ui: &CaseUi,
    child: &Child,
    case: &OpenedCase,
) {
    let s = &p.s;
    s.click("nav.main-nav a[href='/cases']");
    s.wait_text("main h1", ui.cases);
    s.type_into("#q", child.typed);
    s.click("form[role='search'] button[type='submit']");
    s.wait_url(&format!("{}/cases?q={}", demo.base, child.typed.replace(' ', "+")));
    assert_eq!(s.texts("main table tbody tr td:first-child"), [case.code.as_str()], "exactly the case");
    shots.save(s, &format!("{}-search", ui.code));
    s.click("main table tbody tr a");
    s.wait_url(&format!("{}{}", demo.base, case.path));
    assert_eq!(s.texts("section[aria-labelledby='id-h'] dd"), [child.given, child.family]);
    assert!(s.text_of("#needs tbody").contains(child.safety), "the child's words are on the case page");
}

/// The child's words as the page quotes them: French guillemets (with no-break spaces, which
/// the `WebDriver` visible text reports as plain spaces), or English curly quotes.
fn quoted(lang: &str, words: &str) -> String {
    if lang == "fr" { format!("« {words} »") } else { format!("\u{201c}{words}\u{201d}") }
}

/// Clicks the right answer(s) of every question of `module`, then submits the quiz.
fn answer_quiz(s: &Session<'_>, module: &passerelle_web::training::Module) {
    for q in &module.questions {
        for i in q.correct() {
            s.click(&format!("input[name='{}'][value='{i}']", q.id));
        }
    }
    s.click(&format!("form[action='/training/{}'] button[type='submit']", module.id));
}

/// A new professional whose organization requires a module before screening is sent to it,
/// passes it in French and again in English, may then screen; the organization's
/// administrator sees the completion.
#[test]
fn a_new_professional_completes_required_training_and_the_administrator_sees_it() {
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("training");
    let catalogue = passerelle_web::training::catalogue().unwrap_or_else(|_| panic!("training catalogue"));
    let module = catalogue.module("what-is-trafficking").unwrap_or_else(|| panic!("first module"));
    {
        let s = driver.session();
        sign_in(&s, &demo, "hugo.lefebvre", "Deuxième facteur", &shots);
        s.wait_text("main h1", "Bonjour, Hugo Lefebvre");
        assert!(s.text_of("#home-training").contains(&module.title.fr), "the home page says what is required");
        shots.save(&s, "home");
        s.click_to_load("main .cards a[href='/screenings/new']");
        s.wait_for("#training-required");
        assert!(s.url().contains("/training?required=1"), "screening waits for the module: {}", s.url());
        assert!(s.text_of("#training-required").contains(&module.title.fr));
        assert_eq!(nav_current(&s).as_deref(), Some("Formation"));
        shots.save(&s, "required");

        s.click(&format!("#module-{} a", module.id));
        s.wait_text("main h1", &module.title.fr);
        assert_eq!(s.find_all("main section.lr-section").len(), module.lessons.len() + 1, "lessons, then the quiz");
        shots.save(&s, "module-fr");
        answer_quiz(&s, module);
        s.wait_for("#quiz-outcome");
        assert!(s.text_of("#quiz-outcome").starts_with("Module réussi."), "{}", s.text_of("#quiz-outcome"));
        assert_eq!(s.find_all("ol.quiz-review > li").len(), module.questions.len(), "every answer is explained");
        assert!(s.source().contains(&module.questions[0].explain.fr));
        shots.save(&s, "result-fr");

        s.click_to_load("header a.lang");
        s.wait_for("html[lang='en-CA']");
        s.wait_text("main h1", &module.title.en);
        answer_quiz(&s, module);
        s.wait_for("#quiz-outcome");
        assert!(s.text_of("#quiz-outcome").starts_with("Module passed."), "{}", s.text_of("#quiz-outcome"));
        assert!(s.source().contains(&module.questions[0].explain.en));
        shots.save(&s, "result-en");

        s.goto(&format!("{}/screenings/new", demo.base));
        s.wait_text("main h1", "Quick screen");
    }
    {
        let s = driver.session();
        sign_in(&s, &demo, "maya.fontaine", "Second factor", &shots);
        s.wait_text("main h1", "Hello, Maya Fontaine");
        s.click("nav.main-nav a[href='/training']");
        s.wait_text("main h1", "Training");
        s.click("a[href='/training/completion']");
        s.wait_text("main h1", "Training in the organization");
        let rows = s.texts("table.training-completion tbody tr");
        let hugo = rows.iter().find(|r| r.contains("Hugo Lefebvre")).unwrap_or_else(|| panic!("{rows:?}"));
        assert!(hugo.contains('✓'), "the completion is shown: {hugo}");
        let required = s.wait_for("input[name='require'][value='screener:what-is-trafficking']");
        assert!(s.selected(&required), "the demo's requirement is shown ticked");
        shots.save(&s, "completion");
    }
    finish(demo, driver);
}

/// The accessibility rules checked on the public pages (WCAG 2.1 A and AA).
const AXE_TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// axe-core's script, from the file named by `PASSERELLE_AXE_JS` (`.ci/run` installs it from
/// the npm registry); `None` outside CI when it is not there.
fn axe_script() -> Option<String> {
    let path = std::env::var("PASSERELLE_AXE_JS").ok().filter(|p| Path::new(p).exists());
    let Some(path) = path else {
        let message = "the accessibility check needs axe-core (npm package axe-core; PASSERELLE_AXE_JS=.../axe.min.js)";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}: under CI=true it must run, not skip");
        eprintln!("{message}: check skipped");
        return None;
    };
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// The public pages, in both languages, on a desktop and on a phone: no accessibility
/// violation found by axe-core, and not one request to any address but the platform's own.
#[test]
fn the_public_pages_are_accessible_and_ask_nothing_from_outside() {
    let Some(axe) = axe_script() else { return };
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("public");
    {
        let s = driver.session();
        let run_axe = format!(
            "{axe}\n;return axe.run(document, {{runOnly: {{type: 'tag', values: {}}}, resultTypes: ['violations']}})\
             .then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', ')));",
            serde_json::json!(AXE_TAGS)
        );
        for (width, height) in [(1280, 900), (390, 844)] {
            s.set_window_size(width, height);
            for (path, heading_lang) in
                [("/public", "fr"), ("/public/help", "fr"), ("/en/public", "en"), ("/en/public/help", "en")]
            {
                s.goto(&format!("{}{path}", demo.base));
                s.wait_for("#quick-exit");
                assert!(page_lang(&s).starts_with(heading_lang), "{path}");
                let violations = s.execute(&run_axe, &[]);
                assert!(violations.is_array(), "axe-core ran on {path}: {violations}");
                let list: Vec<String> =
                    violations.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect();
                assert!(list.is_empty(), "{path} at {width}px: accessibility violations: {list:#?}");
                let exit = s.wait_for("#quick-exit");
                assert!(s.property(&exit, "offsetWidth").as_u64().unwrap_or(0) > 0, "the quick exit is visible");
                shots.save(&s, &format!("{}-{width}", path.trim_start_matches('/').replace('/', "-")));
            }
        }
        let urls = s.requested_urls();
        assert!(urls.len() >= 8, "the network log holds the pages and their style sheet: {urls:?}");
        let outside: Vec<&String> = urls
            .iter()
            // The browser's own pages (its first empty tab) are not requests to anyone.
            .filter(|u| !["chrome:", "about:", "data:"].iter().any(|scheme| u.starts_with(scheme)))
            .filter(|u| !u.starts_with(&format!("{}/", demo.base)))
            .collect();
        assert!(outside.is_empty(), "requests to other addresses: {outside:?}");
        let cookies = s.execute("return document.cookie;", &[]);
        assert_eq!(cookies, serde_json::json!(""), "the public pages set no cookie");
    }
    finish(demo, driver);
}

/// The youth-protection team's privacy officer reviews the matcher's proposal that the legal
/// clinic's case is the same child as theirs (names never shown), confirms it, then undoes it.
#[test]
fn a_coordinator_confirms_that_two_organizations_follow_the_same_child() {
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("links");
    {
        let s = driver.session();
        sign_in(&s, &demo, "marc.tremblay", "Deuxième facteur", &shots);
        s.wait_text("main h1", "Bonjour, Marc Tremblay");
        s.click("nav.main-nav a[href='/links']");
        s.wait_text("main h1", "Le même enfant dans deux organisations?");
        // The demo's pair; the matcher may also propose a look-alike from the synthetic
        // network, which a coordinator would reject.
        let cards = s.find_all("#proposed ~ section.link-card");
        assert!(!cards.is_empty(), "the demo's proposal is listed");
        let ours = cards
            .iter()
            .find(|c| {
                let text = s.text(c);
                text.contains("DPJ des Deux-Rives") && text.contains("Clinique juridique Passage")
            })
            .and_then(|c| s.attr(c, "aria-labelledby"))
            .unwrap_or_else(|| panic!("no proposal between the DPJ and the clinic"));
        let id = ours.trim_start_matches("link-").to_owned();
        assert!(!s.source().contains("Fictive"), "no name is shown");
        assert_eq!(s.find_all(&format!("section[aria-labelledby='{ours}'] table.link-agreement tr")).len(), 5);
        shots.save(&s, "proposal");
        s.click_to_load(&format!("form[action='/links/{id}'] button[value='confirm']"));
        s.wait_for("p.notice");
        assert!(s.text_of("p.notice").contains("compteront cet enfant une seule fois"));
        s.wait_for("#decided");
        // Tall enough to show the decision and its way back.
        s.set_window_size(1280, 1800);
        shots.save(&s, "confirmed");
        // The confirmation is listed with the way back, for when the wrong look-alike was
        // confirmed: undone, the pair counts as two children again.
        s.click_to_load(&format!("form[action='/links/{id}'] button[value='undo']"));
        s.wait_for("p.notice");
        assert!(s.text_of("p.notice").contains("La confirmation est annulée"));
        assert!(s.text_of(&format!("section[aria-labelledby='{ours}']")).contains("Rejeté : enfants différents"));
        shots.save(&s, "undone");
    }
    finish(demo, driver);
}

/// Information exchange across regions: the youth-protection worker (Montréal) finds a
/// shelter in the Capitale-Nationale through the directory and refers Léa with the categories
/// her consent covers; the shelter's worker accepts and sees exactly those categories; the
/// consent is withdrawn and the shelter's next request is refused; the privacy officer's
/// access report shows the exchange and its basis.
#[test]
fn a_worker_refers_a_child_across_regions_and_a_withdrawal_cuts_the_partner_off() {
    let Some((demo, driver)) = start() else { return };
    let shots = Shots::new("referral");
    {
        let a = driver.session();
        // Tall windows: the screenshots show the exchange section and the shared summary whole.
        a.set_window_size(1280, 2600);
        sign_in(&a, &demo, "alex.bouchard", "Deuxième facteur", &shots);
        a.click("nav.main-nav a[href='/cases']");
        a.click_to_load("main td a[href^='/cases/']");
        a.wait_for("#exchange");
        let case_url = a.url();
        let code = a.text_of("main h1 code");
        assert_eq!(a.find_all("#grants tr[id^='consent-']").len(), 1, "the demo consent is on the case");
        assert!(a.text_of("#case-referrals").contains("Clinique juridique Passage"), "the demo referral");
        shots.save(&a, "case-exchange");

        // The directory, in the referral context, filtered to shelters of the Capitale-Nationale.
        a.click_to_load("#refer-link");
        a.wait_for("#refer-context");
        choose(&a, "#f-region", "03");
        choose(&a, "#f-service", "shelter");
        a.click_to_load("form.dir-filters button[type='submit']");
        a.wait_for("#refer-context");
        let cards = a.texts("ul.dir-list li h2");
        assert_eq!(cards, ["Refuge L'Escale"], "one shelter serves that region");
        shots.save(&a, "directory");
        a.click("ul.dir-list a.button[href*='/refer/']");
        a.wait_text("main h1", "Diriger l'enfant vers un partenaire");
        assert!(a.text_of("main p.lead").contains("Refuge L'Escale"));
        let offered: Vec<String> =
            a.find_all("#categories input[name='categories']").iter().filter_map(|el| a.attr(el, "value")).collect();
        assert_eq!(offered, ["child_words", "needs", "plan_goals", "unsafe_persons"], "only what the consent covers");
        a.click("#categories input[value='child_words']");
        a.click("#categories input[value='needs']");
        a.click("#categories input[value='unsafe_persons']");
        a.type_into(
            "#note",
            "Elle doit quitter Montréal cette semaine; elle souhaite une place où elle pourra dormir en sécurité.",
        );
        shots.save(&a, "refer-form");
        a.click("main form button[type='submit']");
        a.wait_text("#referral-status", "En attente de réponse");
        let referral_path = a.url().trim_start_matches(&demo.base).to_owned();
        shots.save(&a, "referral-sent");

        // The shelter's worker, in another region, accepts.
        let b = driver.session();
        b.set_window_size(1280, 2000);
        sign_in(&b, &demo, "nadia.cote", "Deuxième facteur", &shots);
        b.click("nav.main-nav a[href='/referrals']");
        b.wait_text("main h1", "Références");
        b.click_to_load(&format!("#received a[href='{referral_path}']"));
        b.wait_for("#accept");
        let before = b.source();
        assert!(before.contains("quitter Montréal"), "the reason is shown");
        assert!(
            !before.contains("Léa") && !before.contains("Marc Exemple"),
            "nothing about the child before accepting"
        );
        shots.save(&b, "received");
        b.click_to_load("#accept");
        b.wait_for("#summary");
        assert!(b.text_of("#summary-child_words").contains("Je veux dormir quelque part"));
        assert!(b.text_of("#summary-unsafe_persons").contains("Marc Exemple"));
        assert!(b.find("#summary-needs").is_some());
        assert!(b.find("#summary-identity").is_none() && b.find("#summary-plan_goals").is_none());
        let shown = b.source();
        assert!(!shown.contains("Fictive-Morin") && !shown.contains("Léa"), "identity was not shared");
        shots.save(&b, "accepted-summary");

        // The sender sees the progress, then the consent is withdrawn.
        a.goto(&format!("{}{referral_path}", demo.base));
        a.wait_text("#referral-status", "Acceptée");
        a.goto(&case_url);
        a.click_to_load("#grants form[action$='/withdraw'] button");
        a.wait_for("#exchange");
        assert!(a.text_of("#grants").contains("retiré"), "the consent shows as withdrawn");
        shots.save(&a, "withdrawn");

        // The shelter's next request is refused.
        b.goto(&format!("{}{referral_path}", demo.base));
        b.wait_text("main h1", "Accès terminé");
        assert!(b.text_of("#ended-reason").contains("retiré"));
        assert!(!b.source().contains("Marc Exemple"));
        shots.save(&b, "access-ended");

        // The privacy officer's access report shows the exchange and its basis.
        let c = driver.session();
        sign_in(&c, &demo, "marc.tremblay", "Deuxième facteur", &shots);
        c.goto(&format!("{}/privacy/access-report?code={code}", demo.base));
        c.wait_for("#access-report");
        let report = c.text_of("#access-report");
        assert!(report.contains("Refuge L'Escale") && report.contains("a accepté la référence"), "{report}");
        assert!(report.contains("Consentement ("), "{report}");
        assert!(!c.source().contains("Fictive-Morin"));
        shots.save(&c, "access-report");
    }
    finish(demo, driver);
}

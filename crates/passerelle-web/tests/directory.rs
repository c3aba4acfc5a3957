//! The partner directory in the web application, end to end in process: every role reads the
//! directory and the gap view; only an organization's administrator edits its own profile;
//! bad values, stale forms, filters, and gap counts.

mod support;

use axum::http::StatusCode;
use passerelle_core::directory::{Profile, ProfileForm};
use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_store::audit::AuditFilter;
use support::TestApp;

async fn org_in(app: &TestApp, name: &str, kind: &str, regions: &str) -> OrgId {
    let input = OrgInput::parse(name, kind, &[regions.into()]).unwrap_or_else(|e| panic!("{e}"));
    app.store().create_org(&input).await.unwrap_or_else(|e| panic!("{e}")).id
}

fn profile(services: &str, populations: &str, languages: &str, referrals: bool) -> Profile {
    ProfileForm {
        services: vec![services.into()],
        populations: vec![populations.into()],
        languages: vec![languages.into()],
        hours: "Lundi au vendredi".into(),
        intake_phone: "514 555-0100".into(),
        intake_email: String::new(),
        description: String::new(),
        accepts_referrals: referrals,
    }
    .parse()
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn set(app: &TestApp, org: OrgId, by: UserId, p: &Profile) {
    app.store().set_org_profile(org, by, p, 0).await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn every_role_reads_the_directory_and_only_the_org_admin_edits() {
    let app = TestApp::new().await;
    let org = app.org("DPJ Répertoire").await;
    let roles =
        ["system_admin", "privacy_officer", "supervisor", "case_worker", "screener", "analyst", "trainer", "org_admin"];
    for (i, role) in roles.iter().enumerate() {
        let needs_mfa = !matches!(*role, "analyst" | "trainer");
        let p = app.persona(org, &format!("user{i}"), role, needs_mfa).await;
        let mut c = app.signed_in(&p).await;
        let home = c.get("/").await;
        assert!(home.body.contains("href=\"/directory\""), "{role}: the navigation offers the directory");
        let list = c.get("/directory").await;
        assert_eq!(list.status, StatusCode::OK, "{role}");
        assert!(list.body.contains("DPJ Répertoire") && list.body.contains("pas encore rempli son profil"), "{role}");
        assert_eq!(c.get("/directory/gaps").await.status, StatusCode::OK, "{role}");
        let form = c.get("/directory/profile").await;
        let post = c
            .post_form(
                "/directory",
                "/directory/profile",
                &[("version", "0"), ("services", "shelter"), ("languages", "fr"), ("intake_phone", "514 555-0100")],
            )
            .await;
        if *role == "org_admin" {
            assert_eq!(form.status, StatusCode::OK);
            assert!(form.body.contains("name=\"version\" value=\"0\""));
            assert_eq!(post.status, StatusCode::SEE_OTHER, "{}", post.body);
        } else {
            assert_eq!(form.status, StatusCode::FORBIDDEN, "{role}");
            assert_eq!(post.status, StatusCode::FORBIDDEN, "{role}");
            assert!(!list.body.contains("href=\"/directory/profile\""), "{role}: no edit link");
        }
        for lang in ["en", "fr"] {
            c.get(&format!("/lang/{lang}?next=/")).await;
            for path in ["/directory", "/directory/gaps"] {
                let r = c.get(path).await;
                assert!(!r.body.contains(">dir-") && !r.body.contains(">nav-"), "untranslated on {path} ({lang})");
            }
        }
    }
    let saved = app.store().org_profile(org).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(saved.map(|p| p.version), Some(1), "only the administrator's post was saved");
    app.cleanup().await;
}

#[tokio::test]
async fn an_administrator_edits_their_own_profile_with_checks_and_versions() {
    let app = TestApp::new().await;
    let a = org_in(&app, "Clinique A", "legal_aid", "06").await;
    let b = org_in(&app, "Refuge B", "shelter", "03").await;
    let admin_a = app.persona(a, "admin.a", "org_admin", true).await;
    let admin_b = app.persona(b, "admin.b", "org_admin", true).await;
    let mut ca = app.signed_in(&admin_a).await;

    // A good profile: saved for A (never B), audited, shown in the directory.
    let good = [
        ("version", "0"),
        ("services", "legal_aid"),
        ("services", "immigration"),
        ("populations", "newcomers"),
        ("languages", "fr"),
        ("languages", "es"),
        ("languages_other", "ln"),
        ("hours", "Lundi au jeudi, 9 h à 17 h"),
        ("intake_phone", "514 555-0142 poste 3"),
        ("intake_email", "accueil@clinique-a.example"),
        ("description", "Consultations juridiques gratuites."),
        ("accepts_referrals", "yes"),
    ];
    let r = ca.post_form("/directory/profile", "/directory/profile", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/directory?notice=directory-saved#org-{a}"));
    let saved = app.store().org_profile(a).await.unwrap_or_default().unwrap_or_else(|| panic!("saved"));
    assert_eq!((saved.version, saved.updated_by), (1, admin_a.id));
    assert_eq!(saved.profile.services, ["legal_aid", "immigration"]);
    assert_eq!(saved.profile.languages, ["fr", "es", "ln"]);
    assert!(app.store().org_profile(b).await.unwrap_or_default().is_none(), "org B untouched");
    let audited = app
        .store()
        .audit_entries(&AuditFilter { action: Some("directory.update".into()), limit: 10, ..AuditFilter::default() })
        .await
        .unwrap_or_default();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].entry.object_org_id, Some(a));

    let page = ca.get("/directory?notice=directory-saved").await;
    assert!(page.body.contains("Le profil de votre organisation est enregistré"));
    for text in [
        "href=\"tel:+15145550142\"",
        "Accepte les références",
        "Aide juridique, Aide en immigration",
        "Personnes nouvellement arrivées",
        "français, espagnol, ln",
        "mailto:accueil@clinique-a.example",
        "Montréal (06)",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    // The form comes back filled, at the new version.
    let form = ca.get("/directory/profile").await;
    assert!(form.body.contains("name=\"version\" value=\"1\"") && form.body.contains("value=\"ln\""));
    assert!(form.body.contains("value=\"legal_aid\" checked"));

    // A second save from version 1 works; a stale form (version 1 again) is refused.
    let mut v1: Vec<(&str, &str)> = good.to_vec();
    v1[0] = ("version", "1");
    v1.retain(|(k, _)| *k != "accepts_referrals");
    let r = ca.post_form("/directory/profile", "/directory/profile", &v1).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let stale = ca
        .post_form(
            "/directory/profile",
            "/directory/profile",
            &good.map(|(k, v)| if k == "version" { (k, "1") } else { (k, v) }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let now = app.store().org_profile(a).await.unwrap_or_default().unwrap_or_else(|| panic!("saved"));
    assert_eq!(now.version, 2);
    assert!(!now.profile.accepts_referrals, "the stale form changed nothing");

    // B's administrator edits B only: there is no organization in the form or the URL.
    let mut cb = app.signed_in(&admin_b).await;
    let form = cb.get("/directory/profile").await;
    assert!(form.body.contains("Refuge B") && form.body.contains("name=\"version\" value=\"0\""));
    let shelter =
        [("version", "0"), ("services", "shelter"), ("languages", "fr"), ("intake_email", "accueil@refuge-b.example")];
    assert_eq!(cb.post_form("/directory/profile", "/directory/profile", &shelter).await.status, StatusCode::SEE_OTHER);
    let a_now = app.store().org_profile(a).await.unwrap_or_default().unwrap_or_else(|| panic!("a"));
    assert_eq!((a_now.version, a_now.profile.services.clone()), (2, vec!["legal_aid", "immigration"]));
    assert_eq!(app.store().org_profile(b).await.unwrap_or_default().map(|p| p.profile.services), Some(vec!["shelter"]));
    app.cleanup().await;
}

#[tokio::test]
async fn bad_values_come_back_as_field_errors() {
    let app = TestApp::new().await;
    let a = org_in(&app, "Clinique A", "legal_aid", "06").await;
    let admin_a = app.persona(a, "admin.a", "org_admin", true).await;
    let mut ca = app.signed_in(&admin_a).await;
    let bad = ca
        .post_form(
            "/directory/profile",
            "/directory/profile",
            &[
                ("version", "0"),
                ("services", "banking"),
                ("populations", "adults"),
                ("languages_other", "français"),
                ("intake_phone", "appelez-nous"),
                ("intake_email", "accueil@"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    for text in [
        "Cette valeur n&#39;est pas permise.",
        "Entrez des codes de langue",
        "Entrez un numéro de téléphone",
        "Entrez une adresse courriel",
    ] {
        assert!(bad.body.contains(text), "{text}: {}", bad.body);
    }
    assert!(bad.body.contains("value=\"appelez-nous\""), "values are kept");
    let empty = ca.post_form("/directory/profile", "/directory/profile", &[("version", "0")]).await;
    assert!(empty.body.contains("Ce champ est obligatoire.") && empty.body.contains("au moins l&#39;un des deux"));
    let too_long = "x".repeat(1001);
    let long = ca
        .post_form(
            "/directory/profile",
            "/directory/profile",
            &[
                ("version", "0"),
                ("services", "legal_aid"),
                ("languages", "fr"),
                ("intake_phone", "514 555-0100"),
                ("description", &too_long),
            ],
        )
        .await;
    assert!(long.body.contains("Ce champ est trop long."));
    let no_version = ca.post_form("/directory/profile", "/directory/profile", &[("services", "legal_aid")]).await;
    assert_eq!(no_version.status, StatusCode::BAD_REQUEST);
    assert!(app.store().org_profile(a).await.unwrap_or_default().is_none());

    app.cleanup().await;
}

#[tokio::test]
async fn filters_and_the_gap_view() {
    let app = TestApp::new().await;
    let clinic = org_in(&app, "Clinique Montréal", "legal_aid", "06").await;
    let refuge = org_in(&app, "Refuge Québec", "shelter", "03").await;
    let collectif = org_in(&app, "Collectif Laval", "community", "06,13").await;
    let closed = org_in(&app, "Maison Fermée", "shelter", "03").await;
    let _none = org_in(&app, "Sans Profil", "police", "06").await;
    let admin = app.persona(clinic, "admin", "org_admin", true).await;
    set(&app, clinic, admin.id, &profile("legal_aid,immigration", "newcomers", "fr,es", true)).await;
    set(&app, refuge, admin.id, &profile("shelter", "street_youth", "fr", true)).await;
    set(&app, collectif, admin.id, &profile("legal_aid,cultural_community", "newcomers,ethnocultural", "fr,ar", true))
        .await;
    set(&app, closed, admin.id, &profile("shelter,mental_health", "girls", "fr,en", false)).await;
    let reader = app.persona(clinic, "lecteur", "analyst", false).await;
    let mut c = app.signed_in(&reader).await;

    let names = ["Clinique Montréal", "Refuge Québec", "Collectif Laval", "Maison Fermée", "Sans Profil"];
    let found = |body: &str| {
        names
            .iter()
            .filter(|n| body.contains(&format!("{n}</h2>")) || body.contains(&format!("{n} <span")))
            .copied()
            .collect::<Vec<_>>()
    };
    let all = c.get("/directory").await;
    assert_eq!(found(&all.body).len(), 5);
    assert_eq!(
        found(&c.get("/directory?region=06").await.body),
        ["Clinique Montréal", "Collectif Laval", "Sans Profil"]
    );
    assert_eq!(
        found(&c.get("/directory?region=06&service=legal_aid").await.body),
        ["Clinique Montréal", "Collectif Laval"]
    );
    assert_eq!(
        found(&c.get("/directory?region=06&service=legal_aid&population=newcomers&language=es").await.body),
        ["Clinique Montréal"]
    );
    assert_eq!(found(&c.get("/directory?language=ar").await.body), ["Collectif Laval"]);
    assert_eq!(found(&c.get("/directory?population=girls").await.body), ["Maison Fermée"]);
    assert_eq!(found(&c.get("/directory?region=03&service=shelter").await.body), ["Refuge Québec", "Maison Fermée"]);
    assert_eq!(found(&c.get("/directory?region=03&service=shelter&referrals=1").await.body), ["Refuge Québec"]);
    let bad = c.get("/directory?region=42&service=banking").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("critère de recherche n&#39;est pas valide"));
    assert_eq!(found(&bad.body).len(), 5, "an invalid search shows everyone");

    let gaps = c.get("/directory/gaps").await;
    assert_eq!(gaps.status, StatusCode::OK);
    let cell = |region: &str, service: &str, n: u32| {
        format!("href=\"/directory?region={region}&#38;service={service}&#38;referrals=1\">{n}</a>")
    };
    assert!(gaps.body.contains(&cell("06", "legal_aid", 2)), "two organizations accept legal-aid referrals in 06");
    assert!(gaps.body.contains(&cell("13", "legal_aid", 1)));
    assert!(gaps.body.contains(&cell("03", "shelter", 1)), "the closed shelter is not counted");
    assert!(!gaps.body.contains("region=03&#38;service=mental_health"), "mental health in 03 is a gap");
    assert!(!gaps.body.contains("service=police"), "an organization without a profile counts for nothing");
    assert!(gaps.body.contains("<th scope=\"row\">03 – Capitale-Nationale</th>"));
    assert!(gaps.body.contains("<th scope=\"col\">Hébergement</th>"));
    assert!(gaps.body.contains("class=\"gap\""));
    assert!(gaps.body.contains("Organisations comptées (profil rempli et références acceptées) : 3"));
    // 17 regions × 14 services, minus the covered cells: legal aid, immigration and cultural
    // support in 06; legal aid and cultural support in 13; shelter in 03.
    assert!(gaps.body.contains(&format!("Lacunes au total : {}", 17 * 14 - 6)));
    app.cleanup().await;
}

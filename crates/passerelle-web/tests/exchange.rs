//! Information exchange through the pages, on both backends: consents and legal bases on a
//! case, a referral to a partner found in the directory, the receiver's answer and view of
//! exactly the shared categories, services and secure messages, withdrawal cutting access at
//! once, and the access report of the whole exchange.

mod support;

use axum::http::StatusCode;
use passerelle_core::directory::ProfileForm;
use passerelle_core::ids::{CaseId, OrgId};
use support::{Client, Persona, TestApp};

async fn open_case(c: &mut Client) -> String {
    let r = c
        .post_form(
            "/cases/new",
            "/cases/new",
            &[
                ("given_name", "Maëlle"),
                ("family_name", "Fictive-Roy"),
                ("birth_date", "2011-05-17"),
                ("phones", "514-555-0142"),
                ("unsafe_persons", "Dany Exemple — recruteur"),
                ("age", "15"),
                ("gender", "girl"),
                ("region", "06"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().to_owned()
}

async fn profile(app: &TestApp, org: OrgId, keeper: &Persona, accepts: bool) {
    let form = ProfileForm {
        services: vec!["shelter".into()],
        languages: vec!["fr".into()],
        hours: "24/7".into(),
        intake_phone: "418-555-0100".into(),
        description: "Refuge fictif pour les jeunes.".into(),
        accepts_referrals: accepts,
        ..ProfileForm::default()
    };
    let p = form.parse().unwrap_or_else(|e| panic!("{e}"));
    app.store().set_org_profile(org, keeper.id, &p, 0).await.unwrap_or_else(|e| panic!("{e}"));
}

struct Scene {
    app: TestApp,
    sender: OrgId,
    receiver: OrgId,
    worker: Client,
    receiving: Client,
    colleague: Client,
    officer: Client,
    case_path: String,
    case_id: CaseId,
}

async fn scene() -> Scene {
    let app = TestApp::new().await;
    let sender = app.org("DPJ Échange A").await;
    let receiver = app.org("Refuge Échange B").await;
    let worker = app.persona(sender, "worker-x", "case_worker", true).await;
    let officer = app.persona(sender, "officer-x", "privacy_officer", true).await;
    let receiving = app.persona(receiver, "receiver-x", "case_worker", true).await;
    let colleague = app.persona(receiver, "colleague-x", "case_worker", true).await;
    profile(&app, receiver, &receiving, true).await;
    let mut worker_c = app.signed_in(&worker).await;
    let case_path = open_case(&mut worker_c).await;
    let case_id: CaseId = case_path.trim_start_matches("/cases/").parse().unwrap_or_else(|_| panic!("id"));
    let receiving = app.signed_in(&receiving).await;
    let colleague = app.signed_in(&colleague).await;
    let officer = app.signed_in(&officer).await;
    Scene { sender, receiver, worker: worker_c, receiving, colleague, officer, case_path, case_id, app }
}

fn today_plus(days: i64) -> String {
    (passerelle_core::time::today_in_quebec() + time::Duration::days(days)).to_string()
}

async fn record_consent(s: &mut Scene, categories: &[&str]) -> String {
    let page = format!("{}/consents/new", s.case_path);
    let to = s.receiver.to_string();
    let (from, until) = (today_plus(0), today_plus(90));
    let mut fields = vec![
        ("giver", "child"),
        ("child_age", "15"),
        ("form", "verbal"),
        ("purposes", "referral"),
        ("recipients", to.as_str()),
        ("valid_from", from.as_str()),
        ("valid_until", until.as_str()),
    ];
    for c in categories {
        fields.push(("categories", c));
    }
    let r = s.worker.post_form(&page, &format!("{}/consents", s.case_path), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let consents = s.app.store().consents_of(s.case_id).await.unwrap_or_else(|e| panic!("{e}"));
    consents.last().map(|c| c.id.to_string()).unwrap_or_default()
}

#[tokio::test]
async fn consent_form_refuses_what_the_law_refuses() {
    let mut s = scene().await;
    let page = format!("{}/consents/new", s.case_path);
    let shown = s.worker.get(&format!("{page}?to={}", s.receiver)).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains(&format!("value=\"{}\" checked", s.receiver)), "the recipient is preselected");
    let to = s.receiver.to_string();
    let own = s.sender.to_string();
    let r = s
        .worker
        .post_form(
            &page,
            &format!("{}/consents", s.case_path),
            &[
                ("giver", "child"),
                ("child_age", "12"),
                ("form", "verbal"),
                ("purposes", "referral"),
                ("recipients", own.as_str()),
                ("valid_from", "2026-01-01"),
                ("valid_until", "2028-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for text in [
        "Avant 14 ans, le consentement de l'enfant seul ne suffit pas",
        "Votre propre organisme n'est pas un destinataire",
        "Ce champ est obligatoire.",
        "Cette durée dépasse le maximum permis",
    ] {
        assert!(r.body.contains(&text.replace('\'', "&#39;")) || r.body.contains(text), "{text}");
    }
    // A blocked parent cannot consent.
    let r = s
        .worker
        .post_form(
            &page,
            &format!("{}/consents", s.case_path),
            &[
                ("giver", "parent"),
                ("parent_access_blocked", "1"),
                ("form", "written"),
                ("purposes", "referral"),
                ("recipients", to.as_str()),
                ("categories", "needs"),
                ("valid_from", &today_plus(0)),
                ("valid_until", &today_plus(10)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("La DPJ a interdit l"), "{}", r.body);
    assert!(s.app.store().consents_of(s.case_id).await.unwrap_or_default().is_empty(), "nothing recorded");
    // An unknown organization id is refused too.
    let r = s
        .worker
        .post_form(
            &page,
            &format!("{}/consents", s.case_path),
            &[
                ("giver", "child"),
                ("child_age", "15"),
                ("form", "verbal"),
                ("purposes", "referral"),
                ("recipients", "0190f000-0000-7000-8000-000000000000"),
                ("categories", "needs"),
                ("valid_from", &today_plus(0)),
                ("valid_until", &today_plus(10)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(s.app.store().consents_of(s.case_id).await.unwrap_or_default().is_empty());
    s.app.cleanup().await;
}

#[tokio::test]
async fn a_referral_shares_exactly_the_consented_categories_until_the_consent_is_withdrawn() {
    let mut s = scene().await;
    // No consent yet: the referral form says so and offers to record one.
    let refer = format!("{}/refer/{}", s.case_path, s.receiver);
    let r = s.worker.get(&refer).await;
    assert!(r.body.contains("id=\"no-consent\""), "{}", r.body);
    // The directory, in the referral context, offers this partner.
    let d = s.worker.get(&format!("/directory?referrals=1&case={}", s.case_id)).await;
    assert!(d.body.contains(&format!("href=\"{refer}\"")), "{}", d.body);
    let consent = record_consent(&mut s, &["child_words", "needs", "unsafe_persons"]).await;
    let case_page = s.worker.get(&s.case_path).await;
    assert!(case_page.body.contains(&format!("id=\"consent-{consent}\"")));
    // Only the covered categories are offered; asking for identity is refused by the rules.
    let form = s.worker.get(&refer).await;
    assert!(form.body.contains("value=\"needs\"") && !form.body.contains("value=\"identity\""));
    let r = s
        .worker
        .post_form(
            &refer,
            &refer,
            &[("categories", "identity"), ("categories", "needs"), ("note", "Besoin d'un hébergement sûr.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("id=\"refusal\""), "{}", r.body);
    let r = s
        .worker
        .post_form(
            &refer,
            &refer,
            &[
                ("categories", "needs"),
                ("categories", "unsafe_persons"),
                ("note", "Besoin d'un hébergement sûr, loin de son quartier."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let referral = r.location().to_owned();
    // A second open referral to the same organization is refused.
    let again = s
        .worker
        .post_form(&refer, &refer, &[("categories", "needs"), ("note", "Encore la même demande, en double.")])
        .await;
    assert!(again.body.contains("déjà en cours"), "{}", again.body);

    // The receiving organization is alerted at once, without anything about the child.
    let alerts = s.receiving.get("/alerts").await;
    assert!(alerts.body.contains("Nouvelle référence reçue de DPJ Échange A"), "{}", alerts.body);
    assert!(alerts.body.contains(&format!("href=\"{referral}\"")) && !alerts.body.contains("Maëlle"));
    assert!(s.receiving.get("/").await.body.contains("non lues : 1"), "the navigation counts it");
    // The receiver sees the referral but not the child before accepting.
    let list = s.receiving.get("/referrals").await;
    assert!(list.body.contains(&format!("href=\"{referral}\"")), "{}", list.body);
    let waiting = s.receiving.get(&referral).await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(waiting.body.contains("loin de son quartier") && waiting.body.contains("id=\"accept\""));
    assert!(!waiting.body.contains("Dany Exemple") && !waiting.body.contains("Maëlle"), "nothing before acceptance");
    let r = s
        .receiving
        .post_form(&referral, &format!("{referral}/answer"), &[("version", "1"), ("answer", "accept")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(s.worker.get("/alerts").await.body.contains("Votre référence vers Refuge Échange B : Acceptée"));
    let shown = s.receiving.get(&referral).await;
    assert!(shown.body.contains("id=\"summary-needs\"") && shown.body.contains("Dany Exemple"), "{}", shown.body);
    assert!(!shown.body.contains("id=\"summary-identity\"") && !shown.body.contains("Maëlle"), "identity not shared");
    assert!(!shown.body.contains("514-555-0142"), "contact not shared");
    // A colleague of the receiver who did not accept sees nothing of it.
    assert_eq!(s.colleague.get(&referral).await.status, StatusCode::NOT_FOUND);
    assert!(!s.colleague.get("/referrals").await.body.contains(&referral));
    // Services and messages, both ways.
    let r = s
        .receiving
        .post_form(
            &referral,
            &format!("{referral}/services"),
            &[("kind", "shelter"), ("started_on", &today_plus(0)), ("detail", "Chambre réservée")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r =
        s.receiving.post_form(&referral, &format!("{referral}/messages"), &[("body", "Elle est bien arrivée.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r =
        s.worker.post_form(&referral, &format!("{referral}/messages"), &[("body", "Merci, je passe demain.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let empty = s.worker.post_form(&referral, &format!("{referral}/messages"), &[("body", "  ")]).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("Ce champ est obligatoire."));
    let sender_view = s.worker.get(&referral).await;
    assert!(sender_view.body.contains("Chambre réservée") && sender_view.body.contains("Elle est bien arrivée."));
    assert!(sender_view.body.contains("Acceptée"));

    // The consent is withdrawn: the receiver's next request is refused, and so is writing.
    let r =
        s.worker.post_form(&s.case_path.clone(), &format!("{}/consents/{consent}/withdraw", s.case_path), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let refused = s.receiving.get(&referral).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("id=\"ended-reason\"") && !refused.body.contains("Dany Exemple"));
    let r = s.receiving.post_form("/referrals", &format!("{referral}/messages"), &[("body", "Encore là ?")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!s.receiving.get("/referrals").await.body.contains(&referral), "gone from the receiver's list");
    // The sender still sees its own referral.
    assert_eq!(s.worker.get(&referral).await.status, StatusCode::OK);

    access_report_shows_the_exchange(&mut s, &consent).await;
    s.app.cleanup().await;
}

#[tokio::test]
async fn a_receiver_may_decline_with_a_reason_and_the_sender_may_cancel() {
    let mut s = scene().await;
    record_consent(&mut s, &["needs"]).await;
    let refer = format!("{}/refer/{}", s.case_path, s.receiver);
    let r = s
        .worker
        .post_form(&refer, &refer, &[("categories", "needs"), ("note", "Suivi en santé sexuelle demandé.")])
        .await;
    let referral = r.location().to_owned();
    let bad = s
        .receiving
        .post_form(
            &referral,
            &format!("{referral}/answer"),
            &[("version", "1"), ("answer", "decline"), ("reason", "other")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("Ce champ est obligatoire."), "a note is required with 'other'");
    let r = s
        .receiving
        .post_form(
            &referral,
            &format!("{referral}/answer"),
            &[("version", "1"), ("answer", "decline"), ("reason", "no_capacity")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let seen = s.worker.get(&referral).await;
    assert!(seen.body.contains("Refusée") && seen.body.contains("Pas de place"));
    // A new referral, cancelled by the sender before an answer.
    let r = s
        .worker
        .post_form(&refer, &refer, &[("categories", "needs"), ("note", "Nouvelle demande après le refus.")])
        .await;
    let second = r.location().to_owned();
    let r = s.worker.post_form(&second, &format!("{second}/cancel"), &[("version", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The receiver can no longer accept it.
    let r =
        s.receiving.post_form(&second, &format!("{second}/answer"), &[("version", "2"), ("answer", "accept")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    s.app.cleanup().await;
}

#[tokio::test]
async fn a_legal_basis_allows_an_emergency_referral_and_ends() {
    let mut s = scene().await;
    let to = s.receiver.to_string();
    let page = format!("{}/bases/new", s.case_path);
    let short = s
        .worker
        .post_form(
            &page,
            &format!("{}/bases", s.case_path),
            &[
                ("basis", "emergency"),
                ("justification", "Danger."),
                ("recipients", to.as_str()),
                ("categories", "identity"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::OK);
    assert!(short.body.contains("Ce champ est trop court."));
    let r = s
        .worker
        .post_form(
            &page,
            &format!("{}/bases", s.case_path),
            &[
                ("basis", "emergency"),
                ("justification", "Elle dit que le recruteur l'attend ce soir devant le refuge actuel."),
                ("recipients", to.as_str()),
                ("categories", "identity"),
                ("categories", "unsafe_persons"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let refer = format!("{}/refer/{}", s.case_path, s.receiver);
    let r = s
        .worker
        .post_form(
            &refer,
            &refer,
            &[
                ("categories", "identity"),
                ("categories", "unsafe_persons"),
                ("note", "Mise à l'abri immédiate ce soir."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let referral = r.location().to_owned();
    s.receiving.post_form(&referral, &format!("{referral}/answer"), &[("version", "1"), ("answer", "accept")]).await;
    let shown = s.receiving.get(&referral).await;
    assert!(shown.body.contains("Maëlle") && shown.body.contains("id=\"summary-identity\""));
    let basis =
        s.app.store().bases_of(s.case_id).await.unwrap_or_default().pop().map(|b| b.id.to_string()).unwrap_or_default();
    let r = s.worker.post_form(&s.case_path.clone(), &format!("{}/bases/{basis}/end", s.case_path), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(s.receiving.get(&referral).await.status, StatusCode::FORBIDDEN);
    s.app.cleanup().await;
}

#[tokio::test]
async fn outsiders_and_wrong_roles_are_refused() {
    let mut s = scene().await;
    let consent = record_consent(&mut s, &["needs"]).await;
    let refer = format!("{}/refer/{}", s.case_path, s.receiver);
    let r = s
        .worker
        .post_form(&refer, &refer, &[("categories", "needs"), ("note", "Une demande de suivi en santé.")])
        .await;
    let referral = r.location().to_owned();
    let third = s.app.org("Organisme tiers").await;
    let stranger = s.app.persona(third, "stranger-x", "supervisor", true).await;
    let screener = s.app.persona(s.receiver, "screener-x", "screener", true).await;
    let analyst = s.app.persona(s.sender, "analyst-x", "analyst", false).await;
    let admin = s.app.persona(s.receiver, "admin-x", "org_admin", true).await;
    for p in [&stranger, &screener, &analyst, &admin] {
        let mut c = s.app.signed_in(p).await;
        assert_eq!(c.get(&referral).await.status, StatusCode::NOT_FOUND, "{}", p.username);
        let r = c.post_form("/", &format!("{referral}/answer"), &[("version", "1"), ("answer", "accept")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", p.username);
        // Nobody outside the case's team touches its consents.
        let r = c.post_form("/", &format!("{}/consents/{consent}/withdraw", s.case_path), &[]).await;
        assert!(matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", p.username);
        let r = c.get(&format!("{}/consents/new", s.case_path)).await;
        assert!(matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", p.username);
    }
    // The receiver cannot refer the sender's case onward, nor see its consents.
    assert_eq!(s.receiving.get(&format!("{}/refer/{third}", s.case_path)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.receiving.get(&s.case_path.clone()).await.status, StatusCode::NOT_FOUND);
    // A referral to an organization that does not accept referrals is refused.
    let closed = s.app.org("Organisme fermé").await;
    let keeper = s.app.persona(closed, "keeper-x", "org_admin", true).await;
    profile(&s.app, closed, &keeper, false).await;
    let to_closed = format!("{}/refer/{closed}", s.case_path);
    let r = s
        .worker
        .post_form(&to_closed, &to_closed, &[("categories", "needs"), ("note", "Une demande de suivi en santé.")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("n&#39;accepte pas") || r.body.contains("n'accepte pas"), "{}", r.body);
    s.app.cleanup().await;
}

/// The access report lists the exchange with its basis, and no identity.
async fn access_report_shows_the_exchange(s: &mut Scene, consent: &str) {
    let code = s.app.store().case(s.case_id).await.map(|c| c.code).unwrap_or_default();
    let report = s.officer.get(&format!("/privacy/access-report?code={code}")).await;
    let table = report.body.split("<tbody>").nth(1).unwrap_or_default();
    assert!(table.contains(&format!("Consentement ({consent})")), "{table}");
    assert!(table.contains("a accepté la référence") && table.contains("a consulté la référence"));
    assert!(table.contains("Refuge Échange B") && table.contains("denied"), "{table}");
    assert!(!report.body.contains("Maëlle") && !report.body.contains("Dany Exemple"));
}

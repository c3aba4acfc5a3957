//! `passerelle demo`: the whole application on a fresh temporary installation, filled with
//! fictional organizations and accounts of every role. Every name here is invented.

use std::net::SocketAddr;

use passerelle_core::audit::{NewAuditEntry, Outcome};
use passerelle_core::directory::ProfileForm;
use passerelle_core::org::OrgInput;
use passerelle_core::role::Role;
use passerelle_core::user::NewUserInput;
use passerelle_store::training::Requirement;
use passerelle_store::{Location, MASTER_KEY_FILE, Store};
use passerelle_web::WebConfig;

use crate::Failure;
use crate::admin::print_line;

/// Children of the demonstration's synthetic network (`passerelle demo-data` makes more).
const DEMO_CHILDREN: u32 = 400;

/// Seed of the demonstration's synthetic network.
const DEMO_SEED: u64 = 2026;

/// The password of every demonstration account (fictional installation only).
pub const DEMO_PASSWORD: &str = "passerelle-demo-2026";

/// Fictional organizations: name, type, regions.
const ORGS: [(&str, &str, &str); 6] = [
    ("DPJ des Deux-Rives", "youth_protection", "06,13"),
    ("Service de police de Val-Clair", "police", "16"),
    ("CISSS des Hautes-Terres", "health_social_services", "14,15"),
    ("Refuge L'Escale", "shelter", "03"),
    ("Collectif Jeunesse Nord", "community", "08,10"),
    ("Clinique juridique Passage", "legal_aid", "06"),
];

/// Fictional accounts: user name, display name, organization index, roles, language.
const USERS: [(&str, &str, usize, &str, &str); 11] = [
    ("admin", "Camille Administratrice", 0, "system_admin,org_admin", "fr"),
    ("sophie.gagnon", "Sophie Gagnon", 0, "org_admin", "fr"),
    ("marc.tremblay", "Marc Tremblay", 0, "privacy_officer", "fr"),
    ("julie.roy", "Julie Roy", 0, "supervisor", "fr"),
    ("alex.bouchard", "Alex Bouchard", 0, "case_worker", "fr"),
    ("nadia.cote", "Nadia Côté", 3, "screener,case_worker", "fr"),
    ("karim.benali", "Karim Benali", 1, "screener", "en"),
    ("emma.pelletier", "Emma Pelletier", 2, "analyst", "en"),
    ("louis.gauthier", "Louis Gauthier", 4, "trainer", "fr"),
    ("maya.fontaine", "Maya Fontaine", 5, "org_admin,case_worker", "en"),
    // A new professional: their organization requires a module before screening.
    ("hugo.lefebvre", "Hugo Lefebvre", 5, "screener", "fr"),
];

/// One demonstration account as printed.
pub struct DemoAccount {
    /// Sign-in name.
    pub username: &'static str,
    /// Roles as given.
    pub roles: &'static str,
    /// Organization name.
    pub org: &'static str,
    /// Second-factor secret (base32), when the role requires one.
    pub totp: Option<String>,
}

/// Fills an empty installation with the demonstration organizations and accounts.
pub async fn seed(store: &Store) -> Result<Vec<DemoAccount>, Failure> {
    let mut org_ids = Vec::new();
    for (name, kind, regions) in ORGS {
        let input = OrgInput::parse(name, kind, &[regions.to_owned()])
            .map_err(|e| Failure::Other(format!("demo organization: {e}")))?;
        org_ids.push(store.create_org(&input).await?.id);
    }
    // One hash for every account: the password is the same and Argon2 is deliberately slow.
    let hash = crate::admin::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut accounts = Vec::new();
    for (username, display, org_index, roles, locale) in USERS {
        let org = *org_ids.get(org_index).ok_or_else(|| Failure::Other("demo organization index".into()))?;
        let input = NewUserInput::parse(username, display, &[roles.to_owned()], locale)
            .map_err(|e| Failure::Other(format!("demo account: {e}")))?;
        let user = store.create_user(org, &input, &hash).await?;
        let totp = if user.roles.iter().any(|r: &Role| r.requires_mfa()) {
            let secret = passerelle_crypto::totp::generate_secret().map_err(|e| Failure::other("random", e))?;
            let sealed = store.seal_system("users", "mfa_secret", user.id.0, secret.as_bytes()).await?;
            store.set_mfa_secret(user.id, &sealed).await?;
            store.accept_mfa_step(user.id, 0, true).await?;
            Some(passerelle_crypto::totp::secret_base32(&secret))
        } else {
            None
        };
        let org_name = ORGS.get(org_index).map_or("", |o| o.0);
        accounts.push(DemoAccount { username, roles, org: org_name, totp });
    }
    // A fictional network with a few hundred fictional children, for statistics and linkage.
    let population = passerelle_synth::generate(DEMO_SEED, DEMO_CHILDREN);
    crate::demo_data::fill(store, &population).await?;
    seed_screenings_and_cases(store).await?;
    seed_training(store, &org_ids).await?;
    seed_directory(store, &org_ids).await?;
    store.set_privacy_contact(&demo_privacy_contact(), None).await?;
    crate::stats::publish_in(store, 0.5).await?;
    store
        .audit(NewAuditEntry {
            actor_user_id: None,
            actor_org_id: None,
            action: "demo.seed".into(),
            object_type: "installation".into(),
            object_id: None,
            object_org_id: None,
            purpose: Some("demonstration data".into()),
            outcome: Outcome::Success,
        })
        .await?;
    Ok(accounts)
}

/// The published privacy contact of the demonstration: fictional, like everything in it
/// (555 numbers, an `exemple.qc.ca` address, the fictional postal code H0H 0H0).
fn demo_privacy_contact() -> passerelle_core::privacy_contact::PrivacyContact {
    passerelle_core::privacy_contact::PrivacyContact {
        title: "Responsable de la protection des renseignements personnels (démonstration)".into(),
        name: "Direction de la conformité du réseau fictif".into(),
        email: "vie-privee@exemple.qc.ca".into(),
        phone: "514 555-0100".into(),
        postal_address: "1000, rue Fictive, bureau 200\nMontréal (Québec)  H0H 0H0".into(),
    }
}

/// The legal clinic requires the first module of its screeners (so its new screener meets the
/// requirement on the first day), and its administrator follows completion.
async fn seed_training(store: &Store, org_ids: &[passerelle_core::ids::OrgId]) -> Result<(), Failure> {
    let org = *org_ids.get(5).ok_or_else(|| Failure::Other("demo organization index".into()))?;
    let admin =
        store.credentials_by_username("maya.fontaine").await?.ok_or_else(|| Failure::Other("demo account".into()))?;
    let list = [Requirement { role: Role::Screener, module_id: "what-is-trafficking".to_owned() }];
    store.set_training_requirements(org, admin.user.id, &list).await?;
    Ok(())
}

/// A fictional directory profile (French text; the interface translates the codes).
struct DemoProfile {
    /// Index in [`ORGS`].
    org: usize,
    /// The account of that organization that keeps the profile.
    keeper: &'static str,
    services: &'static str,
    populations: &'static str,
    languages: &'static str,
    hours: &'static str,
    phone: &'static str,
    email: &'static str,
    description: &'static str,
}

impl DemoProfile {
    fn form(&self) -> ProfileForm {
        ProfileForm {
            services: vec![self.services.to_owned()],
            populations: vec![self.populations.to_owned()],
            languages: vec![self.languages.to_owned()],
            hours: self.hours.to_owned(),
            intake_phone: self.phone.to_owned(),
            intake_email: self.email.to_owned(),
            description: self.description.to_owned(),
            accepts_referrals: true,
        }
    }
}

/// Directory profiles of the six hand-made organizations (the synthetic network's
/// organizations have none); every one accepts referrals.
const PROFILES: [DemoProfile; 6] = [
    DemoProfile {
        org: 0,
        keeper: "sophie.gagnon",
        services: "youth_protection,victim_assistance",
        populations: "youth_in_care,ethnocultural,newcomers",
        languages: "fr,en,es,ar,ht",
        hours: "Réception des signalements 24 heures sur 24, 7 jours sur 7",
        phone: "514 555-0110",
        email: "signalements@dpj-deux-rives.example",
        description: "Réception et traitement des signalements pour Montréal et Laval. Une équipe dédiée à \
                      l'exploitation sexuelle évalue les signalements en moins de 24 heures et coordonne l'aide \
                      avec la police et les refuges.",
    },
    DemoProfile {
        org: 1,
        keeper: "karim.benali",
        services: "police,victim_assistance",
        populations: "street_youth,youth_in_care",
        languages: "fr,en",
        hours: "Urgence : 911. Section des crimes contre la personne : lundi au vendredi, 8 h à 16 h",
        phone: "450 555-0120",
        email: "",
        description: "Enquêtes sur l'exploitation sexuelle et la traite en Montérégie. Un enquêteur formé à \
                      l'entrevue des enfants reçoit les références des partenaires et accompagne la victime vers \
                      les services d'aide.",
    },
    DemoProfile {
        org: 2,
        keeper: "emma.pelletier",
        services: "health_care,sexual_health,mental_health,addiction,victim_assistance",
        populations: "street_youth,lgbtq_youth,boys,girls",
        languages: "fr,en",
        hours: "Accueil psychosocial : lundi au vendredi, 8 h à 20 h; fin de semaine, 9 h à 17 h",
        phone: "450 555-0130 poste 2",
        email: "accueil.jeunesse@cisss-hautes-terres.example",
        description: "Soins de santé, santé sexuelle (dépistage, contraception, soins après une agression), santé \
                      mentale et dépendances pour les jeunes de Lanaudière et des Laurentides, sans carte \
                      d'assurance maladie au besoin.",
    },
    DemoProfile {
        org: 3,
        keeper: "nadia.cote",
        services: "shelter,victim_assistance,mental_health",
        populations: "girls,street_youth,lgbtq_youth",
        languages: "fr,en",
        hours: "24 heures sur 24, 7 jours sur 7",
        phone: "418 555-0140",
        email: "",
        description: "Hébergement d'urgence et de transition pour les filles et les jeunes de 12 à 17 ans de la \
                      Capitale-Nationale, avec une intervenante de garde en tout temps. Adresse confidentielle.",
    },
    DemoProfile {
        org: 4,
        keeper: "louis.gauthier",
        services: "street_outreach,cultural_community,education,employment",
        populations: "indigenous_youth,street_youth,boys",
        languages: "fr,en,cr",
        hours: "Mardi au samedi, 12 h à 21 h; travail de rue en soirée",
        phone: "819 555-0150",
        email: "",
        description: "Travail de rue, soutien culturel et accompagnement vers l'école et l'emploi en \
                      Abitibi-Témiscamingue et dans le Nord-du-Québec, en lien avec les communautés cries.",
    },
    DemoProfile {
        org: 5,
        keeper: "maya.fontaine",
        services: "legal_aid,immigration",
        populations: "newcomers,ethnocultural",
        languages: "fr,en,es,ar,fa",
        hours: "Lundi au jeudi, 9 h à 17 h, sur rendez-vous; ligne d'accueil jusqu'à 19 h",
        phone: "514 555-0160",
        email: "accueil@passage.example",
        description: "Conseils juridiques gratuits pour les jeunes victimes : droits, recours, statut \
                      d'immigration et permis de séjour temporaire pour les victimes de la traite. Interprètes sur \
                      demande.",
    },
];

/// Gives the hand-made organizations their directory profiles, each kept by one of its own
/// accounts.
async fn seed_directory(store: &Store, org_ids: &[passerelle_core::ids::OrgId]) -> Result<(), Failure> {
    for d in &PROFILES {
        let org = *org_ids.get(d.org).ok_or_else(|| Failure::Other("demo organization index".into()))?;
        let by = store.credentials_by_username(d.keeper).await?.ok_or_else(|| Failure::Other("demo account".into()))?;
        let profile = d.form().parse().map_err(|e| Failure::Other(format!("demo directory profile: {e}")))?;
        store.set_org_profile(org, by.user.id, &profile, 0).await?;
    }
    Ok(())
}

/// Fictional screenings (facts documents) made by demonstration accounts.
const SCREENINGS: [(&str, &str); 3] = [
    (
        "alex.bouchard",
        r#"{"age_years": 15, "acts": ["recruited", "harboured"], "means": ["deception"], "exploitation": ["sexual_services"], "third_party_benefit": true, "presenting_context": ["runaway"], "indicators": ["recruitment.other", "control.other"]}"#,
    ),
    (
        "nadia.cote",
        r#"{"age_years": 16, "presenting_context": ["shelter"], "indicators": ["control.other", "online.other"]}"#,
    ),
    (
        "karim.benali",
        r#"{"appears_minor": true, "immigration_status": "no_status", "acts": ["transported"], "movement": {"crossed_canadian_border": true}, "exploitation": ["forced_labour"], "means": ["document_confiscation"], "presenting_context": ["arrest_illegal_work"]}"#,
    ),
];

async fn seed_screenings_and_cases(store: &Store) -> Result<(), Failure> {
    let mut first = None;
    for (username, facts) in SCREENINGS {
        let creds =
            store.credentials_by_username(username).await?.ok_or_else(|| Failure::Other("demo account".into()))?;
        let user = creds.user;
        let parsed =
            passerelle_screening::parse_facts(facts).map_err(|e| Failure::Other(format!("demo facts: {e}")))?;
        let json = parsed.to_json().to_string();
        let evaluation = passerelle_screening::evaluate(&parsed);
        let classification = evaluation.classification.as_str().to_owned();
        let flags: Vec<String> = evaluation.flags.iter().map(|f| f.as_str().to_owned()).collect();
        let result = evaluation.to_json();
        let region: Option<passerelle_core::region::Region> = "06".parse().ok();
        let id = store
            .create_screening(
                user.org_id,
                user.id,
                1,
                passerelle_screening::INSTRUMENT_VERSION,
                region,
                json.as_bytes(),
            )
            .await?;
        store
            .complete_screening(
                id,
                1,
                region,
                json.as_bytes(),
                "",
                result.to_string().as_bytes(),
                &classification,
                &flags,
            )
            .await?;
        first.get_or_insert((id, user));
    }
    // A fictional child followed by the youth-protection team, opened from the first screening.
    if let Some((screening, worker)) = first {
        let form = passerelle_core::case::CaseForm {
            given_name: "Léa".into(),
            family_name: "Fictive-Morin".into(),
            aliases: "Lili".into(),
            birth_date: "2011-02-14".into(),
            unsafe_persons: "Marc Exemple — « chum » de 24 ans".into(),
            age: "15".into(),
            gender: "girl".into(),
            immigration_status: "citizen".into(),
            languages: "fr".into(),
            region: "06".into(),
            ..passerelle_core::case::CaseForm::default()
        };
        let input =
            passerelle_core::case::CaseInput::parse(&form).map_err(|e| Failure::Other(format!("demo case: {e}")))?;
        let case = store.create_case(worker.org_id, worker.id, &input.identity, &input.stats, Some(screening)).await?;
        store
            .add_case_note(case.id, worker.id, "Première rencontre au centre jeunesse. Elle veut d'abord dormir et voir une infirmière; on reparlera du reste à son rythme.")
            .await?;
        passerelle_web::linkage::store_encoding(store, case.id, &input.identity, &input.stats).await?;
        // The legal clinic meets the same child, recorded a little differently: the matcher
        // proposes the link to the youth-protection team's privacy officer (marc.tremblay).
        let clinic = store
            .credentials_by_username("maya.fontaine")
            .await?
            .ok_or_else(|| Failure::Other("demo account".into()))?
            .user;
        let identity = passerelle_core::case::Identity {
            given_name: "Lea".into(),
            family_name: "Fictive Morin".into(),
            birth_date: Some("2011-02-14".into()),
            ..passerelle_core::case::Identity::default()
        };
        let stats = passerelle_core::case::CaseStats {
            age_at_identification: Some(15),
            gender: Some("girl".into()),
            region: "06".parse().ok(),
            ..passerelle_core::case::CaseStats::default()
        };
        let other = store.create_case(clinic.org_id, clinic.id, &identity, &stats, None).await?;
        passerelle_web::linkage::store_encoding(store, other.id, &identity, &stats).await?;
        passerelle_web::linkage::propose(store, passerelle_linkage::DEFAULT_THRESHOLD, 1).await?;
        seed_exchange(store, case.id, &worker, &clinic).await?;
    }
    Ok(())
}

/// `passerelle demo-seed`: the demonstration's data in a given, empty installation.
pub async fn seed_installation(install: &crate::location::InstallArgs) -> Result<(), Failure> {
    let (store, opened) = install.open().await?;
    if !opened.new_installation {
        store.close().await;
        return Err(Failure::Input("demo-seed fills an empty installation only".into()));
    }
    let accounts = seed(&store).await;
    store.close().await;
    let accounts = accounts?;
    print_line(&format!(
        "demonstration data written: {} accounts (password {DEMO_PASSWORD}), {DEMO_CHILDREN} fictional children",
        accounts.len()
    ))
}

/// The child's own words, a consent and a referral: Léa, 15, consented verbally to her
/// youth-protection worker sharing her words, needs, plan goals and the persons never to
/// contact with three partners for six months; the legal clinic accepted a referral, reports
/// a service and has exchanged two messages. The shelter (in another region) is left for the
/// visitor to refer her to.
async fn seed_exchange(
    store: &Store,
    case: passerelle_core::ids::CaseId,
    worker: &passerelle_core::user::User,
    clinic: &passerelle_core::user::User,
) -> Result<(), Failure> {
    use passerelle_core::consent::{ConsentContext, ConsentForm, ConsentInput, Decision, Purpose, ShareRequest};
    use passerelle_core::plan::{NeedEntry, NeedsAssessment};
    use passerelle_core::referral::{Answer, ServiceForm, ServiceInput};
    let needs = NeedsAssessment {
        entries: vec![
            NeedEntry {
                domain: "safety".into(),
                level: "urgent".into(),
                child_view: "Je veux dormir quelque part où il ne viendra pas me chercher.".into(),
                notes: "Le « chum » connaît l'adresse de sa mère.".into(),
            },
            NeedEntry {
                domain: "physical_health".into(),
                level: "significant".into(),
                child_view: "J'aimerais voir une infirmière, une femme.".into(),
                notes: String::new(),
            },
            NeedEntry {
                domain: "education".into(),
                level: "some".into(),
                child_view: "Je veux retourner à l'école, mais pas la même.".into(),
                notes: String::new(),
            },
        ],
        ..NeedsAssessment::default()
    };
    store.add_assessment(case, worker.id, &needs).await?;
    let orgs = store.orgs().await?;
    let org_named = |name: &str| {
        orgs.iter().find(|o| o.name == name).map(|o| o.id).ok_or_else(|| Failure::Other("demo organization".into()))
    };
    let recipients = [
        org_named("Clinique juridique Passage")?,
        org_named("Refuge L'Escale")?,
        org_named("CISSS des Hautes-Terres")?,
    ];
    let today = passerelle_core::time::today_in_quebec();
    let form = ConsentForm {
        giver: "child".into(),
        child_age: "15".into(),
        form: "verbal".into(),
        purposes: vec!["coordination".into(), "referral".into()],
        recipients: recipients.iter().map(ToString::to_string).collect(),
        categories: vec!["child_words".into(), "needs".into(), "plan_goals".into(), "unsafe_persons".into()],
        valid_from: today.to_string(),
        valid_until: (today + time::Duration::days(180)).to_string(),
    };
    let ctx = ConsentContext { from_org: worker.org_id, parent_access_blocked: false, today };
    let consent = ConsentInput::parse(&form, &ctx)
        .map_err(|e| Failure::Other(format!("demo consent: {e}")))?
        .into_consent(case, worker.id);
    store.record_consent(&consent).await?;
    let categories = [passerelle_core::consent::Category::ChildWords, passerelle_core::consent::Category::Needs];
    let request = ShareRequest {
        case,
        from_org: worker.org_id,
        to_org: clinic.org_id,
        purpose: Purpose::Referral,
        categories: categories.to_vec(),
    };
    let Decision::Allowed { by, .. } = passerelle_core::consent::may_share(
        &request,
        std::slice::from_ref(&consent),
        &[],
        passerelle_core::time::now(),
    ) else {
        return Err(Failure::Other("demo referral: the consent does not cover it".into()));
    };
    let referral = store
        .send_referral(&passerelle_store::exchange::NewReferral {
            case_id: case,
            to_org: clinic.org_id,
            authority: by,
            categories: &categories,
            note: "Elle a des questions sur ses droits et sur une plainte possible; elle préfère une avocate.",
            sent_by: worker.id,
        })
        .await?;
    store.answer_referral(referral, 1, clinic.id, &Answer::Accept).await?;
    let service = ServiceInput::parse(&ServiceForm {
        kind: "legal_aid".into(),
        started_on: today.to_string(),
        detail: "Première consultation sur ses droits de victime".into(),
    })
    .map_err(|e| Failure::Other(format!("demo service: {e}")))?;
    store.add_referral_service(referral, clinic.org_id, clinic.id, &service).await?;
    store.add_referral_message(referral, worker.org_id, worker.id, "Elle sera disponible jeudi après l'école.").await?;
    store
        .add_referral_message(referral, clinic.org_id, clinic.id, "Rendez-vous confirmé jeudi 16 h, à nos bureaux.")
        .await?;
    Ok(())
}

/// `passerelle demo`.
pub async fn run(listen: SocketAddr) -> Result<(), Failure> {
    let dir = std::env::temp_dir().join(format!("passerelle-demo-{}", uuid::Uuid::now_v7()));
    let location = Location::DataDir(dir.clone());
    let (store, _) = Store::open(&location, &dir.join(MASTER_KEY_FILE))
        .await
        .map_err(|e| Failure::other("cannot create the demonstration installation", e))?;
    let accounts = seed(&store).await;
    let accounts = match accounts {
        Ok(a) => a,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    let base = format!("http://{listen}");
    print_line("Passerelle — demonstration (fictional data, temporary installation)")?;
    print_line(&format!("Open {base}/ and sign in with one of these accounts. Password for all: {DEMO_PASSWORD}"))?;
    print_line("Second factor: add the secret to an authenticator app, or run `passerelle totp-code SECRET`.")?;
    print_line("")?;
    print_line(&format!("{:<16} {:<24} {:<32} {}", "user", "roles", "organization", "second-factor secret"))?;
    for a in &accounts {
        print_line(&format!("{:<16} {:<24} {:<32} {}", a.username, a.roles, a.org, a.totp.as_deref().unwrap_or("-")))?;
    }
    print_line("")?;
    let result = crate::serve::run_http(store, WebConfig::default(), listen, &base).await;
    let _ = std::fs::remove_dir_all(&dir);
    print_line("Demonstration ended; its temporary installation was deleted.")?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every demonstration profile is valid and is kept by an account of its own organization;
    /// the legal clinic takes legal-aid and immigration referrals.
    #[test]
    fn demo_profiles_are_valid_and_kept_by_their_organization() {
        for d in &PROFILES {
            let p = d.form().parse().unwrap_or_else(|e| panic!("{}: {e}", d.keeper));
            let account = USERS.iter().find(|u| u.0 == d.keeper).unwrap_or_else(|| panic!("{}", d.keeper));
            assert_eq!(account.2, d.org, "{} belongs to the organization", d.keeper);
            if ORGS[d.org].0 == "Clinique juridique Passage" {
                assert!(p.services.contains(&"legal_aid") && p.services.contains(&"immigration"));
            }
        }
    }
}

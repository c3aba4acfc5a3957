//! The route probe: every route of the router (read from its source, so a new route cannot be
//! forgotten), requested as a stranger and as every role of three organizations, with real
//! identifiers of organization A's objects (a case, a screening, a consent, a legal basis, a
//! referral to B, an emergency access, an alert, an incident, a legal hold, a follow-up, a
//! statistics publication, a proposed link, an API token). GET as is; POST (and PUT) with a
//! valid anti-forgery token and an empty body, or `{}` for the API.
//!
//! The table below says who may reach each route. The probe reports every answer that is not
//! a refusal where a refusal was expected (2xx, or a redirection other than to the sign-in),
//! every 5xx anywhere, and any refusal whose body shows the seeded child's name. It judges
//! refusals only: what an allowed person gets for an empty form is the handlers' own tests'
//! business (but never a 5xx).

mod support;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use passerelle_core::break_glass::{Reason, Request};
use passerelle_core::case::{CaseStats, Identity};
use passerelle_core::consent::{Authority, BasisForm, BasisInput, Category, ConsentContext, ConsentForm, ConsentInput};
use passerelle_core::ids::OrgId;
use passerelle_core::incident::IncidentForm;
use passerelle_core::retention::HoldInput;
use passerelle_core::role::Role;
use passerelle_core::token::ApiScope;
use passerelle_store::exchange::NewReferral;
use passerelle_store::linkage::LinkStatus;
use support::{Client, Persona, Resp, TestApp};

const CHILD: &str = "Maëva";

/// Who may reach a route: `(organization index, role) -> allowed` (0 is A, which owns the
/// objects; the referral goes to B). Strangers are refused everything but `Public`.
#[derive(Clone, Copy)]
enum Who {
    Public,
    Allow(fn(usize, Role) -> bool),
}

use Role::{Analyst, CaseWorker, OrgAdmin, PrivacyOfficer, Screener, Supervisor, SystemAdmin, Trainer};

fn any(_: usize, _: Role) -> bool {
    true
}
fn case_team_a(i: usize, r: Role) -> bool {
    i == 0 && matches!(r, Supervisor | CaseWorker)
}
fn supervisor_a(i: usize, r: Role) -> bool {
    i == 0 && r == Supervisor
}
fn case_roles(_: usize, r: Role) -> bool {
    matches!(r, Supervisor | CaseWorker)
}
fn screen_roles(_: usize, r: Role) -> bool {
    matches!(r, Supervisor | CaseWorker | Screener)
}
fn privacy_officers(_: usize, r: Role) -> bool {
    r == PrivacyOfficer
}
fn privacy_officer_a(i: usize, r: Role) -> bool {
    i == 0 && r == PrivacyOfficer
}
fn system_admins(_: usize, r: Role) -> bool {
    r == SystemAdmin
}
fn analysts(_: usize, r: Role) -> bool {
    r == Analyst
}
fn view_users(_: usize, r: Role) -> bool {
    matches!(r, SystemAdmin | OrgAdmin | PrivacyOfficer | Supervisor | Trainer)
}
fn manage_users(_: usize, r: Role) -> bool {
    matches!(r, SystemAdmin | OrgAdmin)
}
fn view_audit(_: usize, r: Role) -> bool {
    matches!(r, SystemAdmin | OrgAdmin | PrivacyOfficer)
}
fn trainers(_: usize, r: Role) -> bool {
    matches!(r, OrgAdmin | Trainer)
}
fn org_admins(_: usize, r: Role) -> bool {
    r == OrgAdmin
}

/// The expected-access table, by method and route as written in the router.
#[allow(clippy::too_many_lines, clippy::match_same_arms, reason = "one line per group of routes, grouped by topic")]
fn expected(method: &str, route: &str) -> Option<Who> {
    use Who::{Allow, Public};
    Some(match (method, route) {
        // Sign-in and public pages.
        // (`/mfa/setup` is the sign-in's enrolment step, between the password and a session.)
        (_, "/login" | "/login/mfa" | "/mfa/setup" | "/logout" | "/logout/everywhere") => Public,
        (_, "/setup/{token}" | "/lang/{lang}") => Public,
        (_, "/healthz" | "/static/{file}" | "/privacy" | "/en/privacy") => Public,
        (_, r) if r.starts_with("/public") || r.starts_with("/en/public") => Public,
        ("GET", "/api/v1/openapi.json") => Public,
        // Anyone signed in.
        (_, "/" | "/account" | "/account/password" | "/account/mfa" | "/account/tokens") => Allow(any),
        (_, "/alerts" | "/directory" | "/directory/gaps" | "/legal" | "/legal/glossary" | "/legal/{page}") => {
            Allow(any)
        }
        (_, "/training" | "/training/{module}") => Allow(any),
        ("GET", "/api/v1/me" | "/api/v1/organizations") => Allow(any),
        // A token of A's case worker: only its owner revokes it.
        ("POST", "/account/tokens/{id}/revoke") => Allow(|i, r| i == 0 && r == CaseWorker),
        // Administration.
        (_, "/admin/organizations") => Allow(system_admins),
        ("GET", "/admin/users") => Allow(view_users),
        ("POST", "/admin/users") => Allow(manage_users),
        // The account is A's: its organization's people who may see or manage accounts, and
        // the installation's system administrators.
        ("GET", "/admin/users/{id}") => Allow(|i, r| r == SystemAdmin || (i == 0 && view_users(i, r))),
        (
            "POST",
            "/admin/users/{id}"
            | "/admin/users/{id}/reset-password"
            | "/admin/users/{id}/reset-mfa"
            | "/admin/users/{id}/status",
        ) => Allow(|i, r| r == SystemAdmin || (i == 0 && r == OrgAdmin)),
        (_, "/audit") => Allow(view_audit),
        (_, "/admin/retention" | "/admin/privacy-contact") => Allow(system_admins),
        // Screenings.
        (_, "/screenings" | "/screenings/new") => Allow(screen_roles),
        (_, "/screenings/{id}" | "/screenings/{id}/edit" | "/screenings/{id}/print" | "/screenings/{id}/decision") => {
            Allow(|i, r| i == 0 && screen_roles(i, r))
        }
        // Cases.
        (_, "/cases" | "/cases/new" | "/followups" | "/referrals") => Allow(case_roles),
        ("POST", "/cases/{id}/assign" | "/cases/{id}/holds" | "/cases/{id}/holds/{hold}/lift") => Allow(supervisor_a),
        (_, r) if r.starts_with("/cases/{id}") => Allow(case_team_a),
        // The referral from A to B: A's case team, B's case roles (header or shared part).
        ("GET" | "POST", "/referrals/{id}" | "/referrals/{id}/messages" | "/referrals/{id}/services") => {
            Allow(|i, r| i <= 1 && case_roles(i, r))
        }
        ("POST", "/referrals/{id}/answer" | "/referrals/{id}/close") => Allow(|i, r| i <= 1 && case_roles(i, r)),
        ("POST", "/referrals/{id}/cancel") => Allow(|i, r| i <= 1 && case_roles(i, r)),
        // Privacy.
        (_, "/privacy/access-report" | "/privacy/child-export" | "/privacy/break-glass" | "/links") => {
            Allow(privacy_officers)
        }
        (_, "/privacy/incidents" | "/privacy/incidents.csv" | "/privacy/incidents/new") => Allow(privacy_officers),
        (_, "/privacy/incidents/{id}" | "/privacy/break-glass/{id}") => Allow(privacy_officer_a),
        // The proposed link is between a case of A and one of B.
        ("POST", "/links/{id}") => Allow(|i, r| i <= 1 && r == PrivacyOfficer),
        // The alert is A's privacy officer's (A's administrators have their own).
        ("POST", "/alerts/{id}/read") => Allow(|i, r| i == 0 && matches!(r, PrivacyOfficer | OrgAdmin)),
        // Training, directory, statistics.
        (_, "/training/completion" | "/training/requirements") => Allow(trainers),
        (_, "/directory/profile") => Allow(org_admins),
        (_, r) if r.starts_with("/statistics") => Allow(analysts),
        // The API.
        ("GET", "/api/v1/users") => Allow(view_users),
        ("GET", "/api/v1/audit") => Allow(view_audit),
        ("POST", "/api/v1/screenings/evaluate") => Allow(screen_roles),
        (_, "/api/v1/cases") => Allow(case_roles),
        ("POST", "/api/v1/cases/{id}/assign") => Allow(supervisor_a),
        (_, r) if r.starts_with("/api/v1/cases/{id}") => Allow(case_team_a),
        _ => return None,
    })
}

/// Every `(method, route)` of the router, read from its source.
fn routes() -> Vec<(String, String)> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let mut out = Vec::new();
    for (file, prefix) in [("src/lib.rs", ""), ("src/api/mod.rs", "/api/v1")] {
        let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap_or_else(|e| panic!("{file}: {e}"));
        for line in text.lines() {
            let Some(at) = line.find(".route(\"") else { continue };
            let rest = &line[at + 8..];
            let Some(end) = rest.find('"') else { continue };
            let path = format!("{prefix}{}", &rest[..end]);
            let handlers = &rest[end..];
            let mut found = false;
            for method in ["get", "post", "put", "patch", "delete"] {
                if handlers.contains(&format!("{method}(")) {
                    out.push((method.to_uppercase(), path.clone()));
                    found = true;
                }
            }
            assert!(found, "no method recognised for {path} in {file}");
        }
    }
    out
}

#[test]
fn the_table_covers_every_route_and_only_routes() {
    let routes = routes();
    assert!(routes.len() > 100, "the source could not be read: {} routes", routes.len());
    let missing: Vec<String> =
        routes.iter().filter(|(m, r)| expected(m, r).is_none()).map(|(m, r)| format!("{m} {r}")).collect();
    assert!(missing.is_empty(), "routes without an expected-access row:\n{}", missing.join("\n"));
}

/// Identifiers to put in the routes.
struct Ids {
    values: Vec<(&'static str, String)>,
}

impl Ids {
    /// The route with its parameters replaced, by the parameter's name and the route's start.
    fn fill(&self, route: &str) -> String {
        let get = |k: &str| self.values.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let mut out = String::new();
        for (n, seg) in route.split('/').enumerate() {
            if n > 0 {
                out.push('/');
            }
            let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                out.push_str(seg);
                continue;
            };
            let owner = route.trim_start_matches("/api/v1").split('/').nth(1).unwrap_or_default().to_owned();
            let key = match (owner.as_str(), name) {
                (_, "*rest") => "rest",
                ("setup", "token") => "setup",
                ("cases", "id") => "case",
                ("screenings", "id") => "screening",
                ("referrals", "id") => "referral",
                ("admin", "id") => "user",
                ("account", "id") => "token",
                ("alerts", "id") => "alert",
                ("links", "id") => "link",
                ("statistics", "id") => "publication",
                ("privacy", "id") if route.contains("incidents") => "incident",
                ("privacy", "id") => "glass",
                (_, other) => other,
            };
            let value = get(key);
            assert!(!value.is_empty(), "no value for {{{name}}} in {route}");
            out.push_str(&value);
        }
        out
    }
}

/// Whether an answer refuses: a client error, or a redirection to the sign-in.
fn refuses(r: &Resp) -> bool {
    let s = r.status.as_u16();
    matches!(s, 400 | 401 | 403 | 404 | 405 | 409 | 422)
        || (r.status.is_redirection() && r.location().starts_with("/login"))
}

#[allow(clippy::too_many_lines, reason = "one object of each kind, in order")]
async fn seed(
    app: &TestApp,
    orgs: &[OrgId; 3],
    people: &[(usize, Role, Persona)],
) -> (Ids, Vec<(usize, Role, String)>) {
    let find = |i: usize, role: Role| {
        people.iter().find(|(o, r, _)| *o == i && *r == role).map_or_else(|| panic!("persona"), |p| p.2.clone())
    };
    let (worker, supervisor, officer) = (find(0, CaseWorker), find(0, Supervisor), find(0, PrivacyOfficer));
    let s = app.store();
    let identity = Identity { given_name: CHILD.into(), family_name: "Sondée".into(), ..Identity::default() };
    let case = s
        .create_case(orgs[0], worker.id, &identity, &CaseStats::default(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let other = Identity { given_name: "Autre".into(), family_name: "Enfant".into(), ..Identity::default() };
    let worker_b = find(1, CaseWorker);
    let case_b = s
        .create_case(orgs[1], worker_b.id, &other, &CaseStats::default(), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let screening = s
        .create_screening(
            orgs[0],
            worker.id,
            1,
            passerelle_screening::INSTRUMENT_VERSION,
            None,
            br#"{"age_years": 15}"#,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let now = passerelle_core::time::now();
    let today = now.date();
    let consent_form = ConsentForm {
        giver: "child".into(),
        child_age: "15".into(),
        form: "verbal".into(),
        purposes: vec!["referral".into()],
        recipients: vec![orgs[1].to_string()],
        categories: vec!["needs".into(), "identity".into()],
        valid_from: today.to_string(),
        valid_until: (today + time::Duration::days(90)).to_string(),
    };
    let ctx = ConsentContext { from_org: orgs[0], parent_access_blocked: false, today };
    let consent =
        ConsentInput::parse(&consent_form, &ctx).unwrap_or_else(|e| panic!("{e:?}")).into_consent(case.id, worker.id);
    s.record_consent(&consent).await.unwrap_or_else(|e| panic!("{e}"));
    let basis_form = BasisForm {
        basis: "emergency".into(),
        justification: "Danger immédiat signalé par l'école ce matin.".into(),
        recipients: vec![orgs[2].to_string()],
        categories: vec!["needs".into()],
        valid_until: String::new(),
    };
    let basis = BasisInput::parse(&basis_form, orgs[0], now)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .into_record(case.id, worker.id);
    s.record_basis(&basis).await.unwrap_or_else(|e| panic!("{e}"));
    let referral = s
        .send_referral(&NewReferral {
            case_id: case.id,
            to_org: orgs[1],
            authority: Authority::Consent(consent.id),
            categories: &[Category::Needs],
            note: "Hébergement sécuritaire dès cette semaine, loin de la ville.",
            sent_by: worker.id,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // An emergency access by a second worker of A (not probed), which alerts A's officers.
    let extra = app.persona(orgs[0], "probe-extra", "case_worker", true).await;
    let request = Request {
        reason: Reason::ImminentDanger,
        justification: "Fugue signalée cette nuit, risque immédiat.".into(),
    };
    let glass = s.open_break_glass(case.id, extra.id, &request, now).await.unwrap_or_else(|e| panic!("{e}"));
    let alert = s.alerts_for(officer.id, 10).await.unwrap_or_else(|e| panic!("{e}"));
    let alert = alert.first().map_or_else(|| panic!("no alert"), |a| a.id.to_string());
    let incident = IncidentForm {
        discovered_on: today.to_string(),
        description: "Courriel envoyé au mauvais destinataire.".into(),
        categories: vec!["identity".into()],
        people_affected: "1".into(),
        risk: "pending".into(),
        ..IncidentForm::default()
    }
    .parse(today)
    .unwrap_or_else(|e| panic!("{e:?}"));
    let incident = s.create_incident(orgs[0], officer.id, &incident).await.unwrap_or_else(|e| panic!("{e}"));
    let hold = HoldInput::parse("litigation", "Dossier 2026-42").unwrap_or_else(|e| panic!("{e:?}"));
    let hold = s.place_hold(case.id, supervisor.id, &hold).await.unwrap_or_else(|e| panic!("{e}"));
    let followup = s
        .add_followup(case.id, worker.id, worker.id, "2030-01-15", "Rappeler l'école")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    s.propose_links(&[(case.id, case_b.id, 0.97)]).await.unwrap_or_else(|e| panic!("{e}"));
    let link = s.links(LinkStatus::Proposed, 10).await.unwrap_or_else(|e| panic!("{e}"));
    let link = link.first().map_or_else(|| panic!("no link"), |l| l.id.to_string());
    let soon = now + time::Duration::days(1);
    let (_, token) =
        s.create_token(worker.id, "probe", &[ApiScope::ProfileRead], soon).await.unwrap_or_else(|e| panic!("{e}"));
    // A statistics publication, through the dashboard.
    let mut analyst = app.signed_in(&find(0, Analyst)).await;
    let r = analyst.post_form("/statistics", "/statistics/publish", &[("epsilon", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "publication: {}", r.body);
    let publication = s.publications(1).await.unwrap_or_else(|e| panic!("{e}"));
    let publication = publication.first().map_or_else(|| panic!("no publication"), |p| p.id.to_string());
    let module = passerelle_web::training::catalogue().unwrap_or_else(|_| panic!("catalogue")).modules[0].id.clone();
    // API tokens with every scope, one per persona.
    let mut tokens = Vec::new();
    for (i, role, p) in people {
        let (secret, _) = s.create_token(p.id, "probe", &ApiScope::ALL, soon).await.unwrap_or_else(|e| panic!("{e}"));
        tokens.push((*i, *role, secret));
    }
    let ids = Ids {
        values: vec![
            ("case", case.id.to_string()),
            ("screening", screening.to_string()),
            ("referral", referral.to_string()),
            ("cid", consent.id.to_string()),
            ("bid", basis.id.to_string()),
            ("org", orgs[1].to_string()),
            ("glass", glass.id.to_string()),
            ("alert", alert),
            ("incident", incident.to_string()),
            ("hold", hold.to_string()),
            ("fid", followup.to_string()),
            ("link", link),
            ("token", token.id.to_string()),
            ("user", extra.id.to_string()),
            ("publication", publication),
            ("module", module),
            ("step", "submit".into()),
            ("page", "criminal-code".into()),
            ("lang", "en".into()),
            ("file", passerelle_web::assets::STYLESHEET_PATH.trim_start_matches("/static/").into()),
            ("rest", "nowhere".into()),
            ("setup", "not-a-setup-token".into()),
        ],
    };
    (ids, tokens)
}

/// Requests every route as `who`; returns the findings.
async fn probe(
    c: &mut Client,
    who: &str,
    allowed: &dyn Fn(Who) -> bool,
    token: Option<&str>,
    routes: &[(String, String)],
    ids: &Ids,
    successes: &mut usize,
) -> Vec<String> {
    let mut findings = Vec::new();
    // Sign-in routes last: they may end the session.
    let last = |r: &str| matches!(r, "/login" | "/login/mfa" | "/logout" | "/logout/everywhere");
    let page = if who == "stranger" { "/login" } else { "/account" };
    let first = c.get(page).await;
    assert_eq!(first.status, StatusCode::OK, "{who}: GET {page}");
    let csrf = first.csrf();
    let mut order: Vec<&(String, String)> = routes.iter().collect();
    order.sort_by_key(|(m, r)| (last(r), m != "GET"));
    for (method, route) in order {
        let rule = expected(method, route).unwrap_or_else(|| panic!("{method} {route} not in the table"));
        let path = ids.fill(route);
        let r = if route.starts_with("/api/v1") {
            let body = (method != "GET").then_some("{}");
            c.api(method, &path, token, body).await
        } else if method == "GET" {
            c.get(&path).await
        } else {
            c.post_raw(&path, &[("csrf", csrf.as_str())]).await
        };
        let line = format!("{who}: {method} {route} → {} {}", r.status, r.location());
        if r.status.is_server_error() {
            findings.push(format!("{line} (server error)"));
            continue;
        }
        if allowed(rule) {
            if method == "GET" && r.status.is_success() {
                *successes += 1;
            } else if method == "GET" && refuses(&r) && !matches!(rule, Who::Public) {
                // Not a finding (the table errs on the side of allowing), but worth a look.
                eprintln!("note: {line} (allowed by the table, refused)");
            }
        } else {
            if !refuses(&r) {
                findings.push(format!("{line} (expected a refusal)"));
            } else if r.body.contains(CHILD) {
                findings.push(format!("{line} (a refusal shows the child's name)"));
            }
        }
    }
    findings
}

#[tokio::test]
async fn every_route_as_every_role_and_as_a_stranger() {
    // Every persona signs in and posts to the sign-in routes: above the default limit.
    let config =
        passerelle_web::WebConfig { login_attempts_per_minute: 10_000, ..passerelle_web::WebConfig::default() };
    let app = TestApp::with_config(config).await;
    let orgs = [app.org("Sonde A").await, app.org("Sonde B").await, app.org("Sonde C").await];
    let mut people: Vec<(usize, Role, Persona)> = Vec::new();
    for (i, org) in orgs.iter().enumerate() {
        for role in Role::ALL {
            let name = format!("p{i}-{}", role.as_str().replace('_', "-"));
            people.push((i, role, app.persona(*org, &name, role.as_str(), role.requires_mfa()).await));
        }
    }
    let (ids, tokens) = seed(&app, &orgs, &people).await;
    let routes = routes();
    let mut findings = Vec::new();
    let mut successes = 0;

    let mut stranger = app.client();
    findings.extend(
        probe(&mut stranger, "stranger", &|w| matches!(w, Who::Public), None, &routes, &ids, &mut successes).await,
    );

    // Other organizations first, then A from the fewest rights to the most, so that what an
    // allowed person changes comes after every refusal that depends on it.
    let order = [Analyst, Trainer, Screener, PrivacyOfficer, OrgAdmin, SystemAdmin, CaseWorker, Supervisor];
    let mut seen = BTreeSet::new();
    for i in [2usize, 1, 0] {
        for role in order {
            let (_, _, p) = people.iter().find(|(o, r, _)| *o == i && *r == role).unwrap_or_else(|| panic!("persona"));
            let token = tokens.iter().find(|(o, r, _)| *o == i && *r == role).map(|t| t.2.clone());
            let mut c = app.signed_in(p).await;
            let who = format!("org {} {role}", ["A", "B", "C"][i]);
            let allowed = move |w: Who| match w {
                Who::Public => true,
                Who::Allow(f) => f(i, role),
            };
            findings.extend(probe(&mut c, &who, &allowed, token.as_deref(), &routes, &ids, &mut successes).await);
            seen.insert((i, role));
        }
    }
    assert_eq!(seen.len(), 24);
    // The probe reached real pages, not only refusals (a broken session would refuse all).
    assert!(successes > 600, "only {successes} successful GETs");
    assert!(findings.is_empty(), "{} findings:\n{}", findings.len(), findings.join("\n"));
    app.cleanup().await;
}

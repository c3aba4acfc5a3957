//! A child's case: its identity (encrypted under the case key, searchable only through blind
//! indexes), its coarse statistical attributes (kept apart, in clear), its status, and who may
//! see it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::authz::{Actor, Scope, authorize};
use crate::error::{ValidationError, text_field};
use crate::ids::OrgId;
use crate::region::Region;
use crate::role::{Action, Role};

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Just opened.
    Open,
    /// Services under way.
    Active,
    /// Services ended; keeping in touch.
    Monitoring,
    /// Closed, with a reason.
    Closed,
    /// Opened again after a closure.
    Reopened,
}

impl CaseStatus {
    /// Every status, in the order shown.
    pub const ALL: [CaseStatus; 5] =
        [CaseStatus::Open, CaseStatus::Active, CaseStatus::Monitoring, CaseStatus::Closed, CaseStatus::Reopened];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Active => "active",
            CaseStatus::Monitoring => "monitoring",
            CaseStatus::Closed => "closed",
            CaseStatus::Reopened => "reopened",
        }
    }

    /// Whether a case may go from `self` to `next`. A closed case can only be reopened; a
    /// case is never "opened" again or reopened unless it was closed.
    pub fn can_become(self, next: CaseStatus) -> bool {
        use CaseStatus as S;
        match (self, next) {
            (a, b) if a == b => false,
            (S::Closed, S::Reopened) => true,
            (S::Closed, _) | (_, S::Open | S::Reopened) => false,
            _ => true,
        }
    }
}

impl fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status name that does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown case status")]
pub struct UnknownStatus;

impl FromStr for CaseStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CaseStatus::ALL.into_iter().find(|x| x.as_str() == s.trim()).ok_or(UnknownStatus)
    }
}

/// A person the platform must never contact or inform about the child (a parent suspected of
/// exploitation, for instance).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UnsafePerson {
    /// Name as known.
    pub name: String,
    /// Relationship to the child, in the worker's words.
    pub relationship: String,
}

/// The child's identifying data. Stored only encrypted under the case key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Identity {
    /// Given name(s).
    pub given_name: String,
    /// Family name(s).
    pub family_name: String,
    /// Other names the child uses or is known by.
    pub aliases: Vec<String>,
    /// Date of birth (`YYYY-MM-DD`), when known.
    pub birth_date: Option<String>,
    /// Phone numbers.
    pub phones: Vec<String>,
    /// Social-media handles.
    pub handles: Vec<String>,
    /// Addresses (where the child lives or stays), one per entry.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Identity documents (kind and number as written by the worker).
    #[serde(default)]
    pub id_documents: Vec<String>,
    /// Persons unsafe for this child.
    pub unsafe_persons: Vec<UnsafePerson>,
}

impl fmt::Debug for Identity {
    // Never print a child's identity, even in a debug log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Identity(<redacted>)")
    }
}

/// How the child identifies; declared by the child or left unknown.
pub const GENDERS: [&str; 5] = ["girl", "boy", "non_binary", "other", "not_declared"];
/// Citizenship and immigration status (the screening vocabulary).
pub const STATUSES: [&str; 6] =
    ["citizen", "permanent_resident", "temporary_resident", "refugee_claimant", "no_status", "unknown"];
/// Indigenous identity, only when the child chooses to declare it.
pub const INDIGENOUS: [&str; 3] = ["yes", "no", "not_declared"];

/// Health and social services regions (RSS). They do not map one-to-one onto administrative
/// regions: Mauricie and Centre-du-Québec share 04, and 17 (Nunavik) and 18
/// (Terres-Cries-de-la-Baie-James) lie in administrative region 10.
pub const HSS_REGIONS: [(&str, &str); 18] = [
    ("01", "Bas-Saint-Laurent"),
    ("02", "Saguenay–Lac-Saint-Jean"),
    ("03", "Capitale-Nationale"),
    ("04", "Mauricie et Centre-du-Québec"),
    ("05", "Estrie"),
    ("06", "Montréal"),
    ("07", "Outaouais"),
    ("08", "Abitibi-Témiscamingue"),
    ("09", "Côte-Nord"),
    ("10", "Nord-du-Québec"),
    ("11", "Gaspésie–Îles-de-la-Madeleine"),
    ("12", "Chaudière-Appalaches"),
    ("13", "Laval"),
    ("14", "Lanaudière"),
    ("15", "Laurentides"),
    ("16", "Montérégie"),
    ("17", "Nunavik"),
    ("18", "Terres-Cries-de-la-Baie-James"),
];

/// Types of trafficking.
pub const TRAFFICKING_TYPES: [&str; 2] = ["internal", "external"];

/// Forms of exploitation (the screening vocabulary).
pub const EXPLOITATION: [&str; 8] = [
    "sexual_services",
    "sexual_images",
    "forced_labour",
    "forced_criminality",
    "forced_begging",
    "domestic_servitude",
    "forced_marriage",
    "organ_removal",
];

/// The case's profile for statistics: proposed from the screenings, confirmed by the worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CaseProfile {
    /// Health and social services region code (one of [`HSS_REGIONS`]).
    pub hss_region: Option<String>,
    /// One of [`TRAFFICKING_TYPES`].
    pub trafficking_type: Option<String>,
    /// Forms of exploitation, from [`EXPLOITATION`].
    pub exploitation: Vec<String>,
    /// Whether the worker confirmed it (otherwise it is what the screenings suggested).
    pub confirmed: bool,
}

impl CaseProfile {
    /// Checks posted values; unknown values are refused.
    pub fn parse(hss: &str, kind: &str, exploitation: &[String], confirmed: bool) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let hss_region = match hss.trim() {
            "" => None,
            h if HSS_REGIONS.iter().any(|(c, _)| *c == h) => Some(h.to_owned()),
            _ => {
                errors.push("hss_region", "unknown-value");
                None
            }
        };
        let trafficking_type = choice(&mut errors, "trafficking_type", kind, &TRAFFICKING_TYPES);
        let mut forms: Vec<String> = Vec::new();
        for e in exploitation.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            if EXPLOITATION.contains(&e) {
                if !forms.iter().any(|f| f == e) {
                    forms.push(e.to_owned());
                }
            } else {
                errors.push("exploitation", "unknown-value");
            }
        }
        errors.into_result()?;
        Ok(Self { hss_region, trafficking_type, exploitation: forms, confirmed })
    }
}

/// Coarse statistical attributes, kept apart from the identity and in clear: they are what
/// de-identified statistics use and what survives the destruction of the case key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CaseStats {
    /// Age in years when identified.
    pub age_at_identification: Option<i32>,
    /// One of [`GENDERS`].
    pub gender: Option<String>,
    /// One of [`STATUSES`].
    pub immigration_status: Option<String>,
    /// One of [`INDIGENOUS`].
    pub indigenous: Option<String>,
    /// Languages spoken (free codes such as `fr`, `en`, `es`).
    pub languages: Vec<String>,
    /// Administrative region.
    pub region: Option<Region>,
}

/// A validated request to open a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseInput {
    /// Identity.
    pub identity: Identity,
    /// Statistical attributes.
    pub stats: CaseStats,
}

fn list(raw: &str) -> Vec<String> {
    raw.split([',', '\n', ';']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn lines(raw: &str) -> Vec<String> {
    raw.lines().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn choice(errors: &mut ValidationError, field: &'static str, raw: &str, allowed: &[&str]) -> Option<String> {
    let v = raw.trim();
    if v.is_empty() {
        None
    } else if allowed.contains(&v) {
        Some(v.to_owned())
    } else {
        errors.push(field, "unknown-value");
        None
    }
}

/// The raw form or API fields of a new case.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CaseForm {
    /// Given name(s).
    #[serde(default)]
    pub given_name: String,
    /// Family name(s).
    #[serde(default)]
    pub family_name: String,
    /// Aliases, separated by commas or new lines.
    #[serde(default)]
    pub aliases: String,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub birth_date: String,
    /// Phones, separated by commas or new lines.
    #[serde(default)]
    pub phones: String,
    /// Handles, separated by commas or new lines.
    #[serde(default)]
    pub handles: String,
    /// Addresses, one per line.
    #[serde(default)]
    pub addresses: String,
    /// Identity documents, one per line.
    #[serde(default)]
    pub id_documents: String,
    /// Unsafe persons, one per line: `name — relationship`.
    #[serde(default)]
    pub unsafe_persons: String,
    /// Age in years.
    #[serde(default)]
    pub age: String,
    /// Gender.
    #[serde(default)]
    pub gender: String,
    /// Immigration status.
    #[serde(default)]
    pub immigration_status: String,
    /// Indigenous identity.
    #[serde(default)]
    pub indigenous: String,
    /// Languages, comma-separated.
    #[serde(default)]
    pub languages: String,
    /// Region code.
    #[serde(default)]
    pub region: String,
}

impl CaseInput {
    /// Parses and checks a form; every invalid field is reported at once.
    pub fn parse(f: &CaseForm) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let given_name = text_field(&mut errors, "given_name", &f.given_name, 1, 120);
        let family_name = text_field(&mut errors, "family_name", &f.family_name, 0, 120);
        let birth_date = match f.birth_date.trim() {
            "" => None,
            d => {
                let ok = d.len() == 10
                    && d.chars().enumerate().all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() });
                if !ok {
                    errors.push("birth_date", "date-format");
                }
                Some(d.to_owned())
            }
        };
        let age = match f.age.trim() {
            "" => None,
            a => match a.parse::<i32>() {
                Ok(n) if (0..=25).contains(&n) => Some(n),
                _ => {
                    errors.push("age", "age-range");
                    None
                }
            },
        };
        let unsafe_persons = f
            .unsafe_persons
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (name, rel) = l.split_once(['—', '-', ':']).unwrap_or((l, ""));
                UnsafePerson { name: name.trim().to_owned(), relationship: rel.trim().to_owned() }
            })
            .collect();
        let region = match f.region.trim() {
            "" => None,
            r => r.parse::<Region>().map_or_else(
                |_| {
                    errors.push("region", "unknown-value");
                    None
                },
                Some,
            ),
        };
        let stats = CaseStats {
            age_at_identification: age,
            gender: choice(&mut errors, "gender", &f.gender, &GENDERS),
            immigration_status: choice(&mut errors, "immigration_status", &f.immigration_status, &STATUSES),
            indigenous: choice(&mut errors, "indigenous", &f.indigenous, &INDIGENOUS),
            languages: list(&f.languages),
            region,
        };
        let identity = Identity {
            given_name,
            family_name,
            aliases: list(&f.aliases),
            birth_date,
            phones: list(&f.phones),
            handles: list(&f.handles),
            addresses: lines(&f.addresses),
            id_documents: lines(&f.id_documents),
            unsafe_persons,
        };
        for (field, values) in
            [("aliases", &identity.aliases), ("phones", &identity.phones), ("handles", &identity.handles)]
        {
            if values.len() > 20 || values.iter().any(|v| v.chars().count() > 120 || v.chars().any(char::is_control)) {
                errors.push(field, "too-long");
            }
        }
        errors.into_result()?;
        Ok(Self { identity, stats })
    }
}

/// Whether `actor` may see a case of `org`: the permission table must allow reading cases in
/// that organization, and inside it the actor must be assigned to the case or supervise.
pub fn can_view_case(actor: &Actor, org: OrgId, assigned: bool) -> bool {
    authorize(actor, Action::ViewCases, Scope::Org(org)).is_ok()
        && (assigned || actor.roles.contains(&Role::Supervisor))
}

/// Whether `actor` may change a case (same rule, with the edit permission).
pub fn can_edit_case(actor: &Actor, org: OrgId, assigned: bool) -> bool {
    authorize(actor, Action::EditCases, Scope::Org(org)).is_ok()
        && (assigned || actor.roles.contains(&Role::Supervisor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    #[test]
    fn profiles() {
        let p = CaseProfile::parse("17", "external", &["forced_labour".into(), "forced_labour".into()], true)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.hss_region.as_deref(), p.exploitation.len()), (Some("17"), 1));
        assert!(CaseProfile::parse("19", "", &[], false).is_err());
        assert!(CaseProfile::parse("", "sideways", &[], false).is_err());
        assert!(CaseProfile::parse("", "", &["fun".into()], false).is_err());
    }

    #[test]
    fn status_transitions() {
        use CaseStatus as S;
        assert!(S::Open.can_become(S::Active));
        assert!(S::Active.can_become(S::Closed));
        assert!(S::Closed.can_become(S::Reopened));
        assert!(!S::Closed.can_become(S::Active));
        assert!(!S::Active.can_become(S::Reopened));
        assert!(!S::Active.can_become(S::Open));
        assert!(!S::Active.can_become(S::Active));
        for s in S::ALL {
            assert_eq!(s.as_str().parse::<S>(), Ok(s));
        }
    }

    #[test]
    fn case_access_matrix() {
        let org = OrgId::new();
        let other = OrgId::new();
        for role in Role::ALL {
            let a = Actor { user_id: UserId::new(), org_id: org, roles: vec![role] };
            let reads = matches!(role, Role::CaseWorker | Role::Supervisor);
            assert_eq!(can_view_case(&a, org, true), reads, "{role} assigned");
            assert_eq!(can_view_case(&a, org, false), role == Role::Supervisor, "{role} not assigned");
            assert!(!can_view_case(&a, other, true), "{role} other organization");
            assert_eq!(can_edit_case(&a, org, true), reads, "{role} edit assigned");
            assert!(!can_edit_case(&a, other, true));
        }
    }

    #[test]
    fn parse_case_forms() {
        let f = CaseForm {
            given_name: " Émilie ".into(),
            family_name: "Côté-Tremblay".into(),
            aliases: "Mimi, Em\nLili".into(),
            birth_date: "2010-03-04".into(),
            unsafe_persons: "Jean Untel — beau-père\n\nX".into(),
            age: "15".into(),
            gender: "girl".into(),
            region: "06".into(),
            ..CaseForm::default()
        };
        let c = CaseInput::parse(&f).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.identity.given_name, "Émilie");
        assert_eq!(c.identity.aliases, vec!["Mimi", "Em", "Lili"]);
        assert_eq!(c.identity.unsafe_persons.len(), 2);
        assert_eq!(c.identity.unsafe_persons[0].relationship, "beau-père");
        assert_eq!(c.stats.age_at_identification, Some(15));
        assert_eq!(format!("{:?}", c.identity), "Identity(<redacted>)");

        let bad = CaseForm {
            given_name: String::new(),
            birth_date: "04/03/2010".into(),
            age: "40".into(),
            gender: "x".into(),
            region: "99".into(),
            ..CaseForm::default()
        };
        let e = CaseInput::parse(&bad).err().unwrap_or_default();
        let fields: Vec<_> = e.fields.iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["given_name", "birth_date", "age", "region", "gender"]);
    }
}

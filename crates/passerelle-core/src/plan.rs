//! Needs, the individual service plan, services delivered and follow-ups of a child's case.
//! The child's own words, goals and preferences are identifying: they are kept in these
//! plain types and stored only encrypted under the case key.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ValidationError, text_field};

/// A domain of needs.
pub const NEED_DOMAINS: [&str; 9] = [
    "safety",
    "physical_health",
    "mental_health",
    "substance_use",
    "legal_immigration",
    "education",
    "family_support",
    "housing",
    "income",
];

/// How much help a domain needs.
pub const NEED_LEVELS: [&str; 4] = ["none", "some", "significant", "urgent"];

/// Kinds of services delivered (the partner directory uses the same words).
pub const SERVICE_KINDS: [&str; 14] = [
    "shelter",
    "health_care",
    "sexual_health",
    "mental_health",
    "addiction",
    "legal_aid",
    "immigration_help",
    "victim_assistance",
    "education",
    "employment",
    "cultural_community",
    "police",
    "youth_protection",
    "other",
];

/// One domain of a needs assessment.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NeedEntry {
    /// One of [`NEED_DOMAINS`].
    pub domain: String,
    /// One of [`NEED_LEVELS`].
    pub level: String,
    /// The child's own view, in their words.
    pub child_view: String,
    /// The worker's notes.
    pub notes: String,
}

/// A needs assessment: every domain at one moment. Re-assessments add new ones; history stays.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NeedsAssessment {
    /// One entry per domain assessed.
    pub entries: Vec<NeedEntry>,
    /// Temporary resident permit for victims of trafficking: date issued (`YYYY-MM-DD`).
    #[serde(default)]
    pub trp_issued: String,
    /// Its expiry date, to plan the renewal in time.
    #[serde(default)]
    pub trp_expires: String,
}

impl std::fmt::Debug for NeedsAssessment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NeedsAssessment(<redacted>)")
    }
}

impl NeedsAssessment {
    /// Builds an assessment from form fields `level.<domain>`, `view.<domain>`, `notes.<domain>`;
    /// domains left without a level are not assessed.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let get = |name: String| pairs.iter().find(|(k, _)| *k == name).map_or("", |(_, v)| v.as_str());
        let mut entries = Vec::new();
        for domain in NEED_DOMAINS {
            let level = get(format!("level.{domain}")).trim();
            if level.is_empty() {
                continue;
            }
            if !NEED_LEVELS.contains(&level) {
                errors.push("level", "unknown-value");
                continue;
            }
            let child_view = text_field(&mut errors, "child_view", get(format!("view.{domain}")), 0, 2000);
            let notes = text_field(&mut errors, "notes", get(format!("notes.{domain}")), 0, 4000);
            entries.push(NeedEntry { domain: domain.to_owned(), level: level.to_owned(), child_view, notes });
        }
        let mut date = |field: &'static str| {
            let v = get(field.to_owned()).trim().to_owned();
            if !v.is_empty() && !is_date(&v) {
                errors.push(field, "date-format");
            }
            v
        };
        let (trp_issued, trp_expires) = (date("trp_issued"), date("trp_expires"));
        if !trp_issued.is_empty() && !trp_expires.is_empty() && trp_expires < trp_issued {
            errors.push("trp_expires", "date-order");
        }
        if entries.is_empty() && errors.fields.is_empty() {
            errors.push("level", "required");
        }
        errors.into_result()?;
        Ok(Self { entries, trp_issued, trp_expires })
    }
}

/// One action of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlanAction {
    /// What will be done.
    pub what: String,
    /// The organization or person responsible.
    pub who: String,
    /// Due date `YYYY-MM-DD`.
    pub due: String,
}

/// The individual service plan, written with the child.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ServicePlan {
    /// Goals, in the child's own words, one per line.
    pub goals: Vec<String>,
    /// Whether the child took part in writing the plan.
    pub child_participated: bool,
    /// Whether the child agrees with it.
    pub child_agreed: bool,
    /// Preferred language.
    pub preferred_language: String,
    /// Preferred gender of the worker, if any.
    pub worker_gender: String,
    /// What the child does not want shared.
    pub not_shared: String,
    /// The pace the child wants.
    pub pace: String,
    /// Actions.
    pub actions: Vec<PlanAction>,
    /// Next review date `YYYY-MM-DD`.
    pub review_date: String,
}

impl std::fmt::Debug for ServicePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServicePlan(<redacted>)")
    }
}

/// Checks a `YYYY-MM-DD` date.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
        && s.get(5..7).and_then(|m| m.parse::<u8>().ok()).is_some_and(|m| (1..=12).contains(&m))
        && s.get(8..10).and_then(|d| d.parse::<u8>().ok()).is_some_and(|d| (1..=31).contains(&d))
}

/// The raw fields of the plan form. Actions come as `action_what`, `action_who`, `action_due`,
/// repeated in the same order.
#[derive(Clone, Debug, Default)]
pub struct PlanForm {
    /// Goals, one per line.
    pub goals: String,
    /// "on" when the child took part.
    pub child_participated: bool,
    /// "on" when the child agrees.
    pub child_agreed: bool,
    /// Preferred language.
    pub preferred_language: String,
    /// Preferred worker gender.
    pub worker_gender: String,
    /// What not to share.
    pub not_shared: String,
    /// Pace.
    pub pace: String,
    /// Actions (what, who, due).
    pub actions: Vec<(String, String, String)>,
    /// Review date.
    pub review_date: String,
}

impl ServicePlan {
    /// Parses the plan form; every invalid field is reported at once.
    pub fn parse(f: &PlanForm) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let goals: Vec<String> = f.goals.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
        if goals.is_empty() {
            errors.push("goals", "required");
        } else if goals.len() > 30 || goals.iter().any(|g| g.chars().count() > 1000) {
            errors.push("goals", "too-long");
        }
        let mut actions = Vec::new();
        for (what, who, due) in &f.actions {
            if what.trim().is_empty() && who.trim().is_empty() && due.trim().is_empty() {
                continue;
            }
            let what = text_field(&mut errors, "actions", what, 1, 500);
            let who = text_field(&mut errors, "actions", who, 1, 200);
            if !is_date(due.trim()) {
                errors.push("actions", "date-format");
            }
            actions.push(PlanAction { what, who, due: due.trim().to_owned() });
        }
        let review_date = f.review_date.trim().to_owned();
        if !review_date.is_empty() && !is_date(&review_date) {
            errors.push("review_date", "date-format");
        }
        let plan = ServicePlan {
            goals,
            child_participated: f.child_participated,
            child_agreed: f.child_agreed,
            preferred_language: text_field(&mut errors, "preferred_language", &f.preferred_language, 0, 60),
            worker_gender: text_field(&mut errors, "worker_gender", &f.worker_gender, 0, 60),
            not_shared: text_field(&mut errors, "not_shared", &f.not_shared, 0, 2000),
            pace: text_field(&mut errors, "pace", &f.pace, 0, 2000),
            actions,
            review_date,
        };
        errors.into_result()?;
        Ok(plan)
    }
}

/// Where a plan stands. Any change to an approved plan sends it back to draft: a supervisor
/// approves what is in force, never an earlier text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Being written.
    Draft,
    /// Waiting for a supervisor.
    Submitted,
    /// Approved by a supervisor.
    Approved,
}

impl PlanStatus {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Submitted => "submitted",
            PlanStatus::Approved => "approved",
        }
    }
}

impl FromStr for PlanStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(PlanStatus::Draft),
            "submitted" => Ok(PlanStatus::Submitted),
            "approved" => Ok(PlanStatus::Approved),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn needs() {
        let a = NeedsAssessment::parse(&pairs(&[
            ("level.safety", "urgent"),
            ("view.safety", "J'ai peur qu'il me retrouve"),
            ("level.housing", ""),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.entries.len(), 1);
        assert_eq!(a.entries[0].child_view, "J'ai peur qu'il me retrouve");
        assert!(NeedsAssessment::parse(&pairs(&[("level.safety", "extreme")])).is_err());
        assert!(NeedsAssessment::parse(&[]).is_err(), "at least one domain");
        let trp = NeedsAssessment::parse(&pairs(&[
            ("level.legal_immigration", "significant"),
            ("trp_issued", "2026-11-01"),
            ("trp_expires", "2027-11-01"),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(trp.trp_expires, "2027-11-01");
        assert!(
            NeedsAssessment::parse(&pairs(&[
                ("level.safety", "some"),
                ("trp_issued", "2027-01-01"),
                ("trp_expires", "2026-01-01")
            ]))
            .is_err()
        );
        assert!(NeedsAssessment::parse(&pairs(&[("level.safety", "some"), ("trp_issued", "1/1/2027")])).is_err());
    }

    #[test]
    fn plans() {
        let f = PlanForm {
            goals: "Retourner à l'école en janvier\n\nRevoir ma sœur".into(),
            child_participated: true,
            child_agreed: true,
            actions: vec![
                ("Inscription scolaire".into(), "CISSS".into(), "2027-01-10".into()),
                (String::new(), String::new(), String::new()),
            ],
            review_date: "2027-02-01".into(),
            ..PlanForm::default()
        };
        let p = ServicePlan::parse(&f).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.goals.len(), p.actions.len()), (2, 1));
        let bad = PlanForm {
            actions: vec![("x".into(), String::new(), "10/01/2027".into())],
            review_date: "2027-13-01".into(),
            ..PlanForm::default()
        };
        let e = ServicePlan::parse(&bad).err().unwrap_or_default();
        let fields: Vec<_> = e.fields.iter().map(|f| (f.field, f.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("goals", "required"),
                ("actions", "required"),
                ("actions", "date-format"),
                ("review_date", "date-format")
            ]
        );
        assert!(is_date("2027-02-28") && !is_date("2027-2-28") && !is_date("2027-00-10"));
    }
}

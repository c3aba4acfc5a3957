//! The confidentiality-incident register.
//!
//! Québec's privacy law counts as a confidentiality incident any access, use or communication
//! of personal information that the law does not authorize, its loss, and any other breach of
//! its protection. Every incident goes in the register, minor ones included; when it presents
//! a risk of serious injury, the Commission d'accès à l'information and the persons concerned
//! must be notified promptly. The register is kept five years after the organization learned
//! of the incident and handed to the Commission on request.
//!
//! This module checks the privacy officer's form. A missing notification is not a refusal:
//! the officer records the incident first and the notifications when they are made, so the
//! form answers with a state ("notification due") that the register shows until it is done.

use serde::Serialize;
use time::Date;

use crate::error::{ValidationError, text_field};

/// The kinds of personal information an incident may concern (several may apply).
pub const CATEGORIES: [&str; 9] = [
    "identity",
    "contact",
    "health",
    "social_services",
    "screening",
    "case_notes",
    "immigration",
    "credentials",
    "other",
];

/// The privacy officer's assessment of the risk of serious injury.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Not assessed yet.
    Pending,
    /// No risk of serious injury.
    No,
    /// A risk of serious injury: the Commission and the persons must be notified.
    Yes,
}

impl Risk {
    /// Every value, in the order shown.
    pub const ALL: [Risk; 3] = [Risk::Pending, Risk::No, Risk::Yes];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Pending => "pending",
            Risk::No => "no",
            Risk::Yes => "yes",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Self> {
        Risk::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// Where the notifications stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationState {
    /// The risk is not assessed yet: the assessment itself is due.
    AssessmentDue,
    /// No risk of serious injury: nothing to notify.
    NotRequired,
    /// A risk of serious injury and at least one notification not recorded yet.
    Due,
    /// Both notifications recorded.
    Done,
}

impl NotificationState {
    /// The stable name (also the end of its Fluent id).
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationState::AssessmentDue => "assessment_due",
            NotificationState::NotRequired => "not_required",
            NotificationState::Due => "due",
            NotificationState::Done => "done",
        }
    }

    /// Whether the register should draw attention to it.
    pub fn needs_action(self) -> bool {
        matches!(self, NotificationState::AssessmentDue | NotificationState::Due)
    }
}

/// A validated incident.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct IncidentInput {
    /// When it happened (when known; a start date for a period).
    pub occurred_on: Option<Date>,
    /// When the organization learned of it (starts the five-year keeping period).
    pub discovered_on: Date,
    /// What happened, in the officer's words; never a child's name.
    pub description: String,
    /// Kinds of information concerned, from [`CATEGORIES`].
    pub categories: Vec<String>,
    /// How many persons are concerned (an estimate when not known exactly).
    pub people_affected: i64,
    /// The assessment.
    pub risk: Risk,
    /// Why: the sensitivity of the information, the anticipated consequences, the likelihood
    /// of injurious use.
    pub risk_reasons: String,
    /// When the Commission d'accès à l'information was notified.
    pub cai_notified_on: Option<Date>,
    /// When the persons concerned were notified.
    pub persons_notified_on: Option<Date>,
    /// Measures taken to reduce the risk and prevent a recurrence.
    pub measures: String,
}

impl std::fmt::Debug for IncidentInput {
    // The free texts may, against instructions, hold something identifying: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncidentInput")
            .field("discovered_on", &self.discovered_on)
            .field("risk", &self.risk)
            .finish_non_exhaustive()
    }
}

impl IncidentInput {
    /// Where the notifications stand.
    pub fn notification_state(&self) -> NotificationState {
        notification_state(self.risk, self.cai_notified_on, self.persons_notified_on)
    }
}

/// Where the notifications stand for an assessment and the dates recorded.
pub fn notification_state(risk: Risk, cai: Option<Date>, persons: Option<Date>) -> NotificationState {
    match risk {
        Risk::Pending => NotificationState::AssessmentDue,
        Risk::No => NotificationState::NotRequired,
        Risk::Yes if cai.is_some() && persons.is_some() => NotificationState::Done,
        Risk::Yes => NotificationState::Due,
    }
}

/// The incident form as posted.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct IncidentForm {
    /// `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub occurred_on: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub discovered_on: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Checked categories.
    #[serde(default)]
    pub categories: Vec<String>,
    /// A whole number.
    #[serde(default)]
    pub people_affected: String,
    /// `pending`, `no` or `yes`.
    #[serde(default)]
    pub risk: String,
    /// Free text.
    #[serde(default)]
    pub risk_reasons: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub cai_notified_on: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub persons_notified_on: String,
    /// Free text.
    #[serde(default)]
    pub measures: String,
}

/// The most persons an entry may count (larger is a typing error).
const MAX_PEOPLE: i64 = 10_000_000;

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Formats a date as the form and the export write it.
pub fn format_date(d: Date) -> String {
    d.format(DATE_FORMAT).unwrap_or_default()
}

fn date(errors: &mut ValidationError, field: &'static str, raw: &str, today: Date) -> Option<Date> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    let shaped =
        s.len() == 10 && s.char_indices().all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() });
    if !shaped {
        errors.push(field, "date-format");
        return None;
    }
    match Date::parse(s, DATE_FORMAT) {
        Ok(d) if d > today => {
            errors.push(field, "date-in-future");
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(field, "invalid-date");
            None
        }
    }
}

impl IncidentForm {
    /// Checks the form against `today` (no date may be in the future; the incident cannot be
    /// discovered before it happened, nor anyone notified before it was discovered).
    pub fn parse(&self, today: Date) -> Result<IncidentInput, ValidationError> {
        let mut errors = ValidationError::default();
        let occurred_on = date(&mut errors, "occurred_on", &self.occurred_on, today);
        let discovered_on = date(&mut errors, "discovered_on", &self.discovered_on, today);
        if self.discovered_on.trim().is_empty() {
            errors.push("discovered_on", "required");
        }
        if let (Some(o), Some(d)) = (occurred_on, discovered_on)
            && d < o
        {
            errors.push("discovered_on", "discovered-before-occurred");
        }
        let description = text_multiline(&mut errors, "description", &self.description, 1, 4000);
        let mut categories: Vec<String> = Vec::new();
        for c in self.categories.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            if !CATEGORIES.contains(&c) {
                errors.push("categories", "unknown-value");
            } else if !categories.iter().any(|x| x == c) {
                categories.push(c.to_owned());
            }
        }
        if categories.is_empty() && !errors.fields.iter().any(|e| e.field == "categories") {
            errors.push("categories", "required");
        }
        categories.sort_by_key(|c| CATEGORIES.iter().position(|x| x == c));
        let people_affected = match self.people_affected.trim().parse::<i64>() {
            Ok(n) if (0..=MAX_PEOPLE).contains(&n) => n,
            _ if self.people_affected.trim().is_empty() => {
                errors.push("people_affected", "required");
                0
            }
            _ => {
                errors.push("people_affected", "people-range");
                0
            }
        };
        let risk = Risk::parse(&self.risk).unwrap_or_else(|| {
            errors.push("risk", "unknown-value");
            Risk::Pending
        });
        // Reasons are what makes an assessment an assessment: required once one is made.
        let min_reasons = usize::from(risk != Risk::Pending);
        let risk_reasons = text_multiline(&mut errors, "risk_reasons", &self.risk_reasons, min_reasons, 4000);
        let cai_notified_on = date(&mut errors, "cai_notified_on", &self.cai_notified_on, today);
        let persons_notified_on = date(&mut errors, "persons_notified_on", &self.persons_notified_on, today);
        for (field, d) in [("cai_notified_on", cai_notified_on), ("persons_notified_on", persons_notified_on)] {
            if let (Some(n), Some(disc)) = (d, discovered_on)
                && n < disc
            {
                errors.push(field, "notified-before-discovered");
            }
        }
        let measures = text_multiline(&mut errors, "measures", &self.measures, 0, 4000);
        errors.into_result()?;
        let discovered_on = discovered_on.ok_or_else(|| ValidationError::single("discovered_on", "required"))?;
        Ok(IncidentInput {
            occurred_on,
            discovered_on,
            description,
            categories,
            people_affected,
            risk,
            risk_reasons,
            cai_notified_on,
            persons_notified_on,
            measures,
        })
    }

    /// The form filled with a stored incident (for editing).
    pub fn from_input(i: &IncidentInput) -> Self {
        Self {
            occurred_on: i.occurred_on.map(format_date).unwrap_or_default(),
            discovered_on: format_date(i.discovered_on),
            description: i.description.clone(),
            categories: i.categories.clone(),
            people_affected: i.people_affected.to_string(),
            risk: i.risk.as_str().to_owned(),
            risk_reasons: i.risk_reasons.clone(),
            cai_notified_on: i.cai_notified_on.map(format_date).unwrap_or_default(),
            persons_notified_on: i.persons_notified_on.map(format_date).unwrap_or_default(),
            measures: i.measures.clone(),
        }
    }
}

/// Like [`text_field`], but line breaks are allowed (a description has paragraphs).
fn text_multiline(errors: &mut ValidationError, field: &'static str, value: &str, min: usize, max: usize) -> String {
    let flat: String = value.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
    let before = errors.fields.len();
    text_field(errors, field, &flat, min, max);
    if errors.fields.len() > before {
        return String::new();
    }
    value.trim().replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn form() -> IncidentForm {
        IncidentForm {
            occurred_on: "2025-03-01".into(),
            discovered_on: "2025-03-04".into(),
            description: "Un courriel contenant une liste de codes de dossiers a été envoyé au mauvais partenaire.\nLe partenaire l'a supprimé.".into(),
            categories: vec!["case_notes".into(), "identity".into(), "identity".into()],
            people_affected: "3".into(),
            risk: "yes".into(),
            risk_reasons: "Information sensible ; destinataire de confiance.".into(),
            cai_notified_on: String::new(),
            persons_notified_on: String::new(),
            measures: "Rappel de la procédure d'envoi.".into(),
        }
    }

    const TODAY: Date = date!(2025 - 03 - 10);

    fn codes(f: &IncidentForm) -> Vec<(&'static str, &'static str)> {
        f.parse(TODAY).err().map(|e| e.fields.iter().map(|x| (x.field, x.code)).collect()).unwrap_or_default()
    }

    #[test]
    fn a_valid_form_with_risk_and_no_notification_is_accepted_as_due() {
        let i = form().parse(TODAY).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(i.categories, vec!["identity".to_owned(), "case_notes".to_owned()]);
        assert!(i.description.contains('\n'));
        assert_eq!(i.notification_state(), NotificationState::Due);
        assert!(i.notification_state().needs_action());
        let mut f = form();
        f.cai_notified_on = "2025-03-05".into();
        assert_eq!(f.parse(TODAY).map(|i| i.notification_state()), Ok(NotificationState::Due));
        f.persons_notified_on = "2025-03-06".into();
        assert_eq!(f.parse(TODAY).map(|i| i.notification_state()), Ok(NotificationState::Done));
        f.risk = "no".into();
        assert_eq!(f.parse(TODAY).map(|i| i.notification_state()), Ok(NotificationState::NotRequired));
        let mut f = form();
        f.risk = "pending".into();
        f.risk_reasons = String::new();
        assert_eq!(f.parse(TODAY).map(|i| i.notification_state()), Ok(NotificationState::AssessmentDue));
    }

    #[test]
    fn dates_are_checked() {
        let mut f = form();
        f.discovered_on = "2025-03-11".into();
        assert_eq!(codes(&f), vec![("discovered_on", "date-in-future")]);
        let mut f = form();
        f.discovered_on = "2025-02-28".into();
        assert_eq!(codes(&f), vec![("discovered_on", "discovered-before-occurred")]);
        let mut f = form();
        f.discovered_on = String::new();
        assert_eq!(codes(&f), vec![("discovered_on", "required")]);
        let mut f = form();
        f.occurred_on = "2025-02-30".into();
        assert_eq!(codes(&f), vec![("occurred_on", "invalid-date")]);
        let mut f = form();
        f.occurred_on = "1/3/2025".into();
        assert_eq!(codes(&f), vec![("occurred_on", "date-format")]);
        let mut f = form();
        f.cai_notified_on = "2025-03-02".into();
        assert_eq!(codes(&f), vec![("cai_notified_on", "notified-before-discovered")]);
        let mut f = form();
        f.persons_notified_on = "2099-01-01".into();
        assert_eq!(codes(&f), vec![("persons_notified_on", "date-in-future")]);
        // An unknown date of occurrence is allowed.
        let mut f = form();
        f.occurred_on = String::new();
        assert!(f.parse(TODAY).is_ok());
    }

    #[test]
    fn other_fields_are_checked() {
        let mut f = form();
        f.categories = vec!["gossip".into()];
        assert_eq!(codes(&f), vec![("categories", "unknown-value")]);
        f.categories = Vec::new();
        assert_eq!(codes(&f), vec![("categories", "required")]);
        let mut f = form();
        f.people_affected = "-1".into();
        assert_eq!(codes(&f), vec![("people_affected", "people-range")]);
        f.people_affected = "many".into();
        assert_eq!(codes(&f), vec![("people_affected", "people-range")]);
        let mut f = form();
        f.risk = "maybe".into();
        assert_eq!(codes(&f), vec![("risk", "unknown-value")]);
        let mut f = form();
        f.risk_reasons = "  ".into();
        assert_eq!(codes(&f), vec![("risk_reasons", "required")]);
        let mut f = form();
        f.description = "x".repeat(4001);
        assert_eq!(codes(&f), vec![("description", "too-long")]);
        f.description = "a\u{7}b".into();
        assert_eq!(codes(&f), vec![("description", "invalid-characters")]);
    }

    #[test]
    fn the_form_round_trips() {
        let i = form().parse(TODAY).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(IncidentForm::from_input(&i).parse(TODAY), Ok(i));
    }
}

//! Emergency access ("break-glass"): reading a case one is not assigned to, when a child may
//! be in danger and the assigned people cannot be reached.
//!
//! # The rule
//!
//! Inside one organization, a person who may read cases ([`Action::ViewCases`]) but is not
//! entitled to this one (not assigned, not supervising) may open it by stating a reason from
//! [`Reason`] and a written justification. The access is a [`Grant`] that lasts a fixed
//! [`DURATION_MINUTES`] from its opening and lets that person *read* that case only; it never
//! allows a change. [`in_force`] is asked again at every page, so the end of the grant (or a
//! privacy officer flagging it) takes effect at once, with nothing to clean up.
//!
//! # Why it looks like this
//!
//! - The duration is fixed, not chosen: an emergency is short, and a person who still needs
//!   the record an hour later should be assigned to it (or open a new access, which alerts
//!   again). A shorter time would push people to open several accesses; a longer one would
//!   turn the exception into a habit.
//! - Another organization's case stays invisible: sharing across organizations needs a
//!   consent or a legal basis ([`crate::consent`]), never a unilateral access.
//! - Every opening is reviewed afterwards by a privacy officer, who approves it or flags it;
//!   the person who opened it cannot review it. A flagged access ends at once.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::authz::{Actor, Scope, authorize};
use crate::case::can_view_case;
use crate::error::{ValidationError, text_field};
use crate::ids::{BreakGlassId, CaseId, OrgId, UserId};
use crate::role::Action;

/// How long an emergency access lasts from its opening, in minutes.
pub const DURATION_MINUTES: i64 = 60;

/// Shortest justification, in characters: enough to say what the emergency is.
pub const JUSTIFICATION_MIN: usize = 20;

/// Longest justification, in characters.
pub const JUSTIFICATION_MAX: usize = 1000;

/// Longest review note, in characters.
pub const REVIEW_NOTE_MAX: usize = 1000;

/// How long an emergency access lasts.
pub fn duration() -> Duration {
    Duration::minutes(DURATION_MINUTES)
}

/// When an access opened at `opened_at` ends (that instant excluded).
pub fn expiry(opened_at: OffsetDateTime) -> OffsetDateTime {
    opened_at + duration()
}

/// A name that is not one of the stable names of this module's vocabularies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown value")]
pub struct UnknownName;

/// Why someone needs a record they are not assigned to, now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The child is in immediate danger (threat, exploiter nearby, crisis).
    ImminentDanger,
    /// The child has run away or is missing.
    ChildMissing,
    /// A medical emergency where the record's information matters.
    MedicalEmergency,
    /// The assigned worker and the supervisor cannot be reached in time.
    AssignedWorkerUnreachable,
    /// A report to the DPJ must be made without delay (Youth Protection Act, art. 39).
    DutyToReport,
}

impl Reason {
    /// Every reason, in the order shown.
    pub const ALL: [Reason; 5] = [
        Reason::ImminentDanger,
        Reason::ChildMissing,
        Reason::MedicalEmergency,
        Reason::AssignedWorkerUnreachable,
        Reason::DutyToReport,
    ];

    /// The stable name (storage, forms, Fluent ids).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ImminentDanger => "imminent_danger",
            Reason::ChildMissing => "child_missing",
            Reason::MedicalEmergency => "medical_emergency",
            Reason::AssignedWorkerUnreachable => "assigned_worker_unreachable",
            Reason::DutyToReport => "duty_to_report",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or(UnknownName)
    }
}

/// Where the review of an emergency access stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Not reviewed yet.
    Pending,
    /// A privacy officer found the access justified.
    Approved,
    /// A privacy officer found it unjustified or doubtful; the access ends at once.
    Flagged,
}

impl ReviewStatus {
    /// Every status.
    pub const ALL: [ReviewStatus; 3] = [ReviewStatus::Pending, ReviewStatus::Approved, ReviewStatus::Flagged];

    /// The stable name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Flagged => "flagged",
        }
    }
}

impl FromStr for ReviewStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReviewStatus::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or(UnknownName)
    }
}

/// An emergency access as far as the rule is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// Identifier.
    pub id: BreakGlassId,
    /// The case opened.
    pub case_id: CaseId,
    /// The case's organization.
    pub org_id: OrgId,
    /// Who opened it.
    pub user_id: UserId,
    /// The reason given.
    pub reason: Reason,
    /// When it was opened.
    pub opened_at: OffsetDateTime,
    /// When it ends (excluded).
    pub expires_at: OffsetDateTime,
    /// The review.
    pub review: ReviewStatus,
}

/// Whether `grant` lets `user` read `case` at `now`: the same person and case, from its
/// opening up to (not including) its expiry, and not flagged by a review.
pub fn in_force(grant: &Grant, user: UserId, case: CaseId, now: OffsetDateTime) -> bool {
    grant.user_id == user
        && grant.case_id == case
        && grant.review != ReviewStatus::Flagged
        && grant.opened_at <= now
        && now < grant.expires_at
}

/// Whether `actor` may open a case of `case_org` by emergency access: they may read cases
/// in that organization (so never across organizations, and never a role without
/// [`Action::ViewCases`]) and the ordinary rule does not already let them see it.
pub fn may_break_glass(actor: &Actor, case_org: OrgId, assigned: bool) -> bool {
    authorize(actor, Action::ViewCases, Scope::Org(case_org)).is_ok() && !can_view_case(actor, case_org, assigned)
}

/// Whether `reviewer` may review `grant`: the review right in the grant's organization, and
/// never one's own access.
pub fn may_review(reviewer: &Actor, grant: &Grant) -> bool {
    authorize(reviewer, Action::ViewAccessReport, Scope::Org(grant.org_id)).is_ok() && reviewer.user_id != grant.user_id
}

/// The raw fields of the emergency-access form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RequestForm {
    /// One of [`Reason`]'s names.
    #[serde(default)]
    pub reason: String,
    /// Free text: what the emergency is, why this record.
    #[serde(default)]
    pub justification: String,
}

/// A validated request to open a case by emergency access.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The reason.
    pub reason: Reason,
    /// The justification, on one line.
    pub justification: String,
}

impl fmt::Debug for Request {
    // The justification may describe the child: never in debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request").field("reason", &self.reason).finish_non_exhaustive()
    }
}

/// Joins the lines of a text area with spaces: line breaks are control characters, which
/// [`text_field`] refuses, and carry nothing in a short justification.
fn one_line(raw: &str) -> String {
    raw.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

impl Request {
    /// Checks the form; every invalid field is reported at once.
    pub fn parse(f: &RequestForm) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let reason = match f.reason.trim() {
            "" => {
                errors.push("reason", "required");
                None
            }
            r => r.parse::<Reason>().map_or_else(
                |_| {
                    errors.push("reason", "unknown-value");
                    None
                },
                Some,
            ),
        };
        let justification =
            text_field(&mut errors, "justification", &one_line(&f.justification), JUSTIFICATION_MIN, JUSTIFICATION_MAX);
        errors.into_result()?;
        let reason = reason.ok_or_else(|| ValidationError::single("reason", "required"))?;
        Ok(Self { reason, justification })
    }
}

/// The raw fields of a review.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReviewForm {
    /// `approve` or `flag`.
    #[serde(default)]
    pub decision: String,
    /// The officer's note.
    #[serde(default)]
    pub note: String,
}

/// A validated review.
#[derive(Clone, PartialEq, Eq)]
pub struct Review {
    /// [`ReviewStatus::Approved`] or [`ReviewStatus::Flagged`].
    pub status: ReviewStatus,
    /// The note; required to flag, so the person and their supervisor know why.
    pub note: Option<String>,
}

impl fmt::Debug for Review {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Review").field("status", &self.status).finish_non_exhaustive()
    }
}

impl Review {
    /// Checks the form.
    pub fn parse(f: &ReviewForm) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let status = match f.decision.trim() {
            "approve" => Some(ReviewStatus::Approved),
            "flag" => Some(ReviewStatus::Flagged),
            "" => {
                errors.push("decision", "required");
                None
            }
            _ => {
                errors.push("decision", "unknown-value");
                None
            }
        };
        let min = usize::from(status == Some(ReviewStatus::Flagged));
        let note = text_field(&mut errors, "note", &one_line(&f.note), min, REVIEW_NOTE_MAX);
        errors.into_result()?;
        let status = status.ok_or_else(|| ValidationError::single("decision", "required"))?;
        Ok(Self { status, note: Some(note).filter(|n| !n.is_empty()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Role;

    fn grant(opened_at: OffsetDateTime) -> Grant {
        Grant {
            id: BreakGlassId::new(),
            case_id: CaseId::new(),
            org_id: OrgId::new(),
            user_id: UserId::new(),
            reason: Reason::ChildMissing,
            opened_at,
            expires_at: expiry(opened_at),
            review: ReviewStatus::Pending,
        }
    }

    #[test]
    fn in_force_from_opening_to_expiry_excluded() {
        let t0 = crate::time::now();
        let g = grant(t0);
        let (u, c) = (g.user_id, g.case_id);
        assert!(in_force(&g, u, c, t0), "at the opening instant");
        assert!(in_force(&g, u, c, t0 + Duration::minutes(DURATION_MINUTES) - Duration::microseconds(1)));
        assert!(!in_force(&g, u, c, t0 + Duration::minutes(DURATION_MINUTES)), "the expiry instant is excluded");
        assert!(!in_force(&g, u, c, t0 + Duration::days(1)));
        assert!(!in_force(&g, u, c, t0 - Duration::microseconds(1)), "not before it was opened");
    }

    #[test]
    fn only_that_person_and_that_case() {
        let t0 = crate::time::now();
        let g = grant(t0);
        assert!(!in_force(&g, UserId::new(), g.case_id, t0), "another person");
        assert!(!in_force(&g, g.user_id, CaseId::new(), t0), "another case");
    }

    #[test]
    fn a_flagged_access_ends_at_once_an_approved_one_runs_its_course() {
        let t0 = crate::time::now();
        let mut g = grant(t0);
        g.review = ReviewStatus::Approved;
        assert!(in_force(&g, g.user_id, g.case_id, t0));
        g.review = ReviewStatus::Flagged;
        assert!(!in_force(&g, g.user_id, g.case_id, t0));
        // Ended early (its expiry brought back to an instant already past).
        let mut ended = grant(t0);
        ended.expires_at = t0;
        assert!(!in_force(&ended, ended.user_id, ended.case_id, t0));
    }

    #[test]
    fn who_may_break_glass() {
        let org = OrgId::new();
        for role in Role::ALL {
            let a = Actor { user_id: UserId::new(), org_id: org, roles: vec![role] };
            // Only a case worker not assigned: a supervisor already sees every case of the
            // organization, the other roles never read cases.
            assert_eq!(may_break_glass(&a, org, false), role == Role::CaseWorker, "{role}");
            assert!(!may_break_glass(&a, org, true), "{role} assigned needs no emergency access");
            assert!(!may_break_glass(&a, OrgId::new(), false), "{role} another organization");
        }
    }

    #[test]
    fn who_may_review() {
        let g = grant(crate::time::now());
        let officer = Actor { user_id: UserId::new(), org_id: g.org_id, roles: vec![Role::PrivacyOfficer] };
        assert!(may_review(&officer, &g));
        let elsewhere = Actor { org_id: OrgId::new(), ..officer.clone() };
        assert!(!may_review(&elsewhere, &g));
        let own = Actor { user_id: g.user_id, ..officer.clone() };
        assert!(!may_review(&own, &g), "never one's own access");
        for role in Role::ALL.into_iter().filter(|r| *r != Role::PrivacyOfficer) {
            let a = Actor { roles: vec![role], ..officer.clone() };
            assert!(!may_review(&a, &g), "{role}");
        }
    }

    #[test]
    fn parse_requests() {
        let ok = Request::parse(&RequestForm {
            reason: "child_missing".into(),
            justification: "  Fugue signalée ce soir,\r\n la travailleuse assignée est injoignable. ".into(),
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.reason, Reason::ChildMissing);
        assert_eq!(ok.justification, "Fugue signalée ce soir, la travailleuse assignée est injoignable.");
        assert!(!format!("{ok:?}").contains("Fugue"));

        let fields = |f: RequestForm| {
            Request::parse(&f).err().unwrap_or_default().fields.iter().map(|e| (e.field, e.code)).collect::<Vec<_>>()
        };
        assert_eq!(fields(RequestForm::default()), vec![("reason", "required"), ("justification", "required")]);
        assert_eq!(
            fields(RequestForm { reason: "curiosity".into(), justification: "court".into() }),
            vec![("reason", "unknown-value"), ("justification", "too-short")]
        );
        // 20 characters is enough, 1000 the most.
        let exactly = |n: usize| RequestForm { reason: "duty_to_report".into(), justification: "é".repeat(n) };
        assert!(Request::parse(&exactly(JUSTIFICATION_MIN)).is_ok());
        assert_eq!(fields(exactly(JUSTIFICATION_MIN - 1)), vec![("justification", "too-short")]);
        assert!(Request::parse(&exactly(JUSTIFICATION_MAX)).is_ok());
        assert_eq!(fields(exactly(JUSTIFICATION_MAX + 1)), vec![("justification", "too-long")]);
        for r in Reason::ALL {
            assert_eq!(r.as_str().parse::<Reason>(), Ok(r));
        }
    }

    #[test]
    fn parse_reviews() {
        let approve = Review::parse(&ReviewForm { decision: "approve".into(), note: String::new() });
        assert_eq!(approve.map(|r| (r.status, r.note)), Ok((ReviewStatus::Approved, None)));
        let flag_without_note = Review::parse(&ReviewForm { decision: "flag".into(), note: " ".into() });
        assert_eq!(
            flag_without_note.err().and_then(|e| e.first().map(|f| (f.field, f.code))),
            Some(("note", "required"))
        );
        let flag = Review::parse(&ReviewForm { decision: "flag".into(), note: "Aucune urgence au dossier.".into() });
        assert_eq!(flag.map(|r| r.status), Ok(ReviewStatus::Flagged));
        assert!(Review::parse(&ReviewForm { decision: "delete".into(), note: String::new() }).is_err());
        for s in ReviewStatus::ALL {
            assert_eq!(s.as_str().parse::<ReviewStatus>(), Ok(s));
        }
    }
}

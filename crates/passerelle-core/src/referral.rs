//! Referrals: a child sent from one organization to another with a shared summary, so the
//! receiving worker does not make the child tell the story again.
//!
//! # What the receiver sees, and for how long
//!
//! A referral names the categories of information it shares ([`Category`]) and the consent or
//! legal basis that allowed it ([`Authority`], checked by [`crate::consent::may_share`] when it
//! is sent). Nothing is copied: the receiver reads the sender's case through [`access`] every
//! time, which asks the consent rules again ([`crate::consent::access_allowed`]). So a
//! withdrawal or an expiry cuts the receiver off at its instant, a crypto-shredded case leaves
//! nothing readable anywhere, and the summary is always the sender's current information.
//!
//! - While the referral waits for an answer, the receiving organization's workers see only
//!   what they need to decide: who refers, why (the sender's note), which categories are on
//!   offer, and the child's coarse attributes (age, gender, languages, region).
//! - Once accepted, the worker who accepted it and the receiving organization's supervisors see
//!   exactly the shared categories ([`SharedSummary::build`]), the services and the messages.
//!   Other workers of the receiving organization see nothing of it: being in the organization
//!   is not a reason to know about the child.
//! - Declined, cancelled or closed, the referral keeps its history but shows no data.
//! - What the plan records as "not to be shared" by the child never leaves, whatever the
//!   categories; worker's notes never leave either (no category carries them).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::authz::Actor;
use crate::case::{CaseProfile, Identity, UnsafePerson};
use crate::consent::{Category, Grant, Reason, access_allowed, canonical, named_enum};
use crate::error::{ValidationError, text_field};
use crate::ids::{CaseId, OrgId, UserId};
use crate::plan::{NeedsAssessment, SERVICE_KINDS, ServicePlan};
use crate::role::{Action, Role, roles_allow};

/// Longest note of a referral, message, decline reason or service detail, in characters.
pub const TEXT_MAX: usize = 2000;

/// Shortest note explaining a referral: the receiver must learn why without asking the child.
pub const NOTE_MIN: usize = 10;

named_enum!(
    /// Where a referral stands.
    Status {
        /// Sent, waiting for the receiver's answer.
        Sent => "sent",
        /// Accepted by the receiver: the shared categories are visible to them.
        Accepted => "accepted",
        /// Declined by the receiver, with a reason.
        Declined => "declined",
        /// Withdrawn by the sender before an answer.
        Cancelled => "cancelled",
        /// Ended after acceptance (services delivered, or no longer needed).
        Closed => "closed",
    }
);

impl Status {
    /// Whether a referral in this status may move to `next`.
    pub fn can_become(self, next: Status) -> bool {
        matches!(
            (self, next),
            (Status::Sent, Status::Accepted | Status::Declined | Status::Cancelled)
                | (Status::Accepted, Status::Closed)
        )
    }

    /// Whether the referral is still open (no second referral of the same child to the same
    /// organization while one is open).
    pub fn is_open(self) -> bool {
        matches!(self, Status::Sent | Status::Accepted)
    }
}

named_enum!(
    /// Why a receiver declined a referral.
    DeclineReason {
        /// No place or no worker available now.
        NoCapacity => "no_capacity",
        /// The organization does not offer what the child needs.
        OutsideMandate => "outside_mandate",
        /// The child lives outside the regions served.
        OutsideRegion => "outside_region",
        /// The child does not want this service.
        ChildDeclined => "child_declined",
        /// Another reason, explained in the note.
        Other => "other",
    }
);

/// Which side of a referral a person is on, and what they may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// Nothing: the referral does not exist for this person.
    None,
    /// The sending organization's worker or supervisor of the case: everything.
    Sender,
    /// A receiver who may see the referral's header (to decide, or its history) but no data.
    Header,
    /// A receiver who may see these shared categories (canonical order), the services and
    /// the messages.
    Shared(Vec<Category>),
    /// A receiver whose access ended with the consent or basis (withdrawn, lapsed).
    Ended(Reason),
}

impl Access {
    /// Whether the person may write on the referral (messages; services for a receiver).
    pub fn may_write(&self) -> bool {
        matches!(self, Access::Sender | Access::Shared(_))
    }
}

/// The facts of a referral that decide access.
#[derive(Clone, Copy, Debug)]
pub struct Facts<'a> {
    /// The sender's case.
    pub case: CaseId,
    /// The sending organization.
    pub from_org: OrgId,
    /// The receiving organization.
    pub to_org: OrgId,
    /// Where it stands.
    pub status: Status,
    /// The receiving worker who accepted it.
    pub accepted_by: Option<UserId>,
    /// The shared categories.
    pub categories: &'a [Category],
}

/// What `viewer` may see of a referral at `now`.
///
/// `sender_case_access` is the case rule's answer for the viewer on the sender's case
/// ([`crate::case::can_view_case`]); `grant` is the consent or basis named by the referral
/// (`None` when it cannot be found, which refuses the receiver). Refusals are [`Access::None`]
/// for anyone outside both organizations, so a referral's existence is not revealed.
pub fn access(
    viewer: &Actor,
    facts: &Facts<'_>,
    sender_case_access: bool,
    grant: Option<Grant<'_>>,
    now: time::OffsetDateTime,
) -> Access {
    if viewer.org_id == facts.from_org {
        return if sender_case_access { Access::Sender } else { Access::None };
    }
    if viewer.org_id != facts.to_org || !roles_allow(&viewer.roles, Action::ViewCases) {
        return Access::None;
    }
    let Some(grant) = grant else { return Access::Ended(Reason::NoConsent) };
    if !access_allowed(facts.case, facts.to_org, grant, now) {
        return Access::Ended(grant.in_force(now).err().unwrap_or(Reason::RecipientNotCovered));
    }
    match facts.status {
        Status::Accepted => {
            let own = facts.accepted_by == Some(viewer.user_id) || viewer.roles.contains(&Role::Supervisor);
            if own {
                let shared: Vec<Category> =
                    canonical(facts.categories).into_iter().filter(|c| grant.categories().contains(c)).collect();
                Access::Shared(shared)
            } else {
                Access::None
            }
        }
        Status::Sent | Status::Declined | Status::Cancelled | Status::Closed => Access::Header,
    }
}

/// The child's identity as shared.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct SharedIdentity {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Other names used.
    pub aliases: Vec<String>,
    /// Date of birth, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
}

/// How to reach the child, as shared.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct SharedContact {
    /// Phones.
    pub phones: Vec<String>,
    /// Social-media handles.
    pub handles: Vec<String>,
    /// Addresses.
    pub addresses: Vec<String>,
}

/// The plan's goals and the child's preferences, as shared.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct SharedPlan {
    /// Goals, in the child's words.
    pub goals: Vec<String>,
    /// Preferred language.
    pub preferred_language: String,
    /// Preferred gender of the worker.
    pub worker_gender: String,
    /// The pace the child asked for.
    pub pace: String,
}

/// The risks, as shared: the type of trafficking and the forms of exploitation.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct SharedRisks {
    /// One of [`crate::case::TRAFFICKING_TYPES`].
    pub trafficking_type: Option<String>,
    /// From [`crate::case::EXPLOITATION`].
    pub exploitation: Vec<String>,
}

/// Exactly what a receiver sees: each part is present only when its category is shared.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct SharedSummary {
    /// [`Category::Identity`].
    pub identity: Option<SharedIdentity>,
    /// [`Category::Contact`].
    pub contact: Option<SharedContact>,
    /// [`Category::ChildWords`]: (need domain, the child's words) from the latest assessment.
    pub child_words: Option<Vec<(String, String)>>,
    /// [`Category::Needs`]: (need domain, level) from the latest assessment.
    pub needs: Option<Vec<(String, String)>>,
    /// [`Category::PlanGoals`].
    pub plan: Option<SharedPlan>,
    /// [`Category::Risks`].
    pub risks: Option<SharedRisks>,
    /// [`Category::UnsafePersons`].
    pub unsafe_persons: Option<Vec<UnsafePerson>>,
}

impl SharedSummary {
    /// The summary of the shared `categories` from the sender's current case data. A missing
    /// source (identity destroyed, no assessment, no plan) gives an empty part, not an error.
    pub fn build(
        categories: &[Category],
        identity: Option<&Identity>,
        needs: Option<&NeedsAssessment>,
        plan: Option<&ServicePlan>,
        profile: &CaseProfile,
    ) -> Self {
        let has = |c: Category| categories.contains(&c);
        let entries = needs.map(|n| n.entries.as_slice()).unwrap_or_default();
        Self {
            identity: has(Category::Identity).then(|| {
                identity.map_or_else(SharedIdentity::default, |i| SharedIdentity {
                    given_name: i.given_name.clone(),
                    family_name: i.family_name.clone(),
                    aliases: i.aliases.clone(),
                    birth_date: i.birth_date.clone(),
                })
            }),
            contact: has(Category::Contact).then(|| {
                identity.map_or_else(SharedContact::default, |i| SharedContact {
                    phones: i.phones.clone(),
                    handles: i.handles.clone(),
                    addresses: i.addresses.clone(),
                })
            }),
            child_words: has(Category::ChildWords).then(|| {
                entries
                    .iter()
                    .filter(|e| !e.child_view.trim().is_empty())
                    .map(|e| (e.domain.clone(), e.child_view.clone()))
                    .collect()
            }),
            needs: has(Category::Needs).then(|| entries.iter().map(|e| (e.domain.clone(), e.level.clone())).collect()),
            // `not_shared` is the child's own list of what must not leave: never included.
            plan: has(Category::PlanGoals).then(|| {
                plan.map_or_else(SharedPlan::default, |p| SharedPlan {
                    goals: p.goals.clone(),
                    preferred_language: p.preferred_language.clone(),
                    worker_gender: p.worker_gender.clone(),
                    pace: p.pace.clone(),
                })
            }),
            risks: has(Category::Risks).then(|| SharedRisks {
                trafficking_type: profile.trafficking_type.clone(),
                exploitation: profile.exploitation.clone(),
            }),
            unsafe_persons: has(Category::UnsafePersons)
                .then(|| identity.map(|i| i.unsafe_persons.clone()).unwrap_or_default()),
        }
    }
}

/// The raw fields of a new referral.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReferralForm {
    /// [`Category`] names (checkboxes).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Why the child is referred, for the receiver.
    #[serde(default)]
    pub note: String,
}

/// A checked referral, before the consent rules are asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralInput {
    /// The categories to share (canonical order).
    pub categories: Vec<Category>,
    /// The note (trimmed).
    pub note: String,
}

impl ReferralInput {
    /// Codes: `required`, `unknown-value` (categories); `required`, `too-short`, `too-long`,
    /// `invalid-characters` (note).
    pub fn parse(f: &ReferralForm) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let mut categories = Vec::new();
        let mut unknown = false;
        for v in f.categories.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
            match v.parse::<Category>() {
                Ok(c) => categories.push(c),
                Err(_) => unknown = true,
            }
        }
        if unknown {
            errors.push("categories", "unknown-value");
        } else if categories.is_empty() {
            errors.push("categories", "required");
        }
        let note = text_field(&mut errors, "note", &f.note, NOTE_MIN, TEXT_MAX);
        errors.into_result()?;
        Ok(Self { categories: canonical(&categories), note })
    }
}

/// The raw fields of a receiver's answer.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AnswerForm {
    /// `accept` or `decline`.
    #[serde(default)]
    pub answer: String,
    /// A [`DeclineReason`] name when declining.
    #[serde(default)]
    pub reason: String,
    /// Optional note (required with [`DeclineReason::Other`]).
    #[serde(default)]
    pub note: String,
}

/// A checked answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Accept the referral.
    Accept,
    /// Decline it.
    Decline {
        /// Why.
        reason: DeclineReason,
        /// The receiver's words (may be empty unless the reason is `other`).
        note: String,
    },
}

impl Answer {
    /// Codes: `required`, `unknown-value` (answer, reason); `required`, `too-long`,
    /// `invalid-characters` (note).
    pub fn parse(f: &AnswerForm) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        match f.answer.trim() {
            "accept" => Ok(Answer::Accept),
            "decline" => {
                let reason = match f.reason.trim() {
                    "" => {
                        errors.push("reason", "required");
                        None
                    }
                    r => r.parse::<DeclineReason>().map_err(|_| errors.push("reason", "unknown-value")).ok(),
                };
                let min = usize::from(reason == Some(DeclineReason::Other));
                let note = text_field(&mut errors, "note", &f.note, min, TEXT_MAX);
                errors.into_result()?;
                reason
                    .map(|reason| Answer::Decline { reason, note })
                    .ok_or_else(|| ValidationError::single("reason", "required"))
            }
            "" => Err(ValidationError::single("answer", "required")),
            _ => Err(ValidationError::single("answer", "unknown-value")),
        }
    }
}

/// The raw fields of a message.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MessageForm {
    /// The text.
    #[serde(default)]
    pub body: String,
}

/// Checks a message: 1 to [`TEXT_MAX`] characters. Codes: `required`, `too-long`,
/// `invalid-characters` (body).
pub fn parse_message(f: &MessageForm) -> Result<String, ValidationError> {
    let mut errors = ValidationError::default();
    let body = text_field(&mut errors, "body", &f.body, 1, TEXT_MAX);
    errors.into_result()?;
    Ok(body)
}

/// The raw fields of a service the receiver delivers.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ServiceForm {
    /// One of [`SERVICE_KINDS`].
    #[serde(default)]
    pub kind: String,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub started_on: String,
    /// What, in a few words.
    #[serde(default)]
    pub detail: String,
}

/// A checked service of a referral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInput {
    /// One of [`SERVICE_KINDS`].
    pub kind: String,
    /// First day.
    pub started_on: Date,
    /// What (may be empty).
    pub detail: String,
}

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl ServiceInput {
    /// Codes: `required`, `unknown-value` (kind); `required`, `date-format` (`started_on`);
    /// `too-long`, `invalid-characters` (detail).
    pub fn parse(f: &ServiceForm) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let kind = match f.kind.trim() {
            "" => {
                errors.push("kind", "required");
                None
            }
            k if SERVICE_KINDS.contains(&k) => Some(k.to_owned()),
            _ => {
                errors.push("kind", "unknown-value");
                None
            }
        };
        let started_on = match f.started_on.trim() {
            "" => {
                errors.push("started_on", "required");
                None
            }
            d => Date::parse(d, DATE_FORMAT).map_err(|_| errors.push("started_on", "date-format")).ok(),
        };
        let detail = text_field(&mut errors, "detail", &f.detail, 0, TEXT_MAX);
        errors.into_result()?;
        match (kind, started_on) {
            (Some(kind), Some(started_on)) => Ok(Self { kind, started_on, detail }),
            _ => Err(ValidationError::single("kind", "required")),
        }
    }
}

#[cfg(test)]
mod tests;

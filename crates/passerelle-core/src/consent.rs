//! Consent and legal bases: when a child's information may leave an organization.
//!
//! # The rule
//!
//! Nothing about a child leaves the organization that holds it unless, at the moment of the
//! exchange, either a **consent** or a **recorded legal basis** covers that exact exchange: the
//! same child's case, the same sending organization, the receiving organization, the purpose and
//! every category of information sent. [`may_share`] is that rule, as one pure function; it is
//! asked again for every exchange and [`access_allowed`] is asked again every time a receiver
//! opens what it was sent, so a withdrawal or an expiry takes effect at once, with nothing to
//! clean up first.
//!
//! # Why consent looks like this
//!
//! Québec's privacy statutes (the private-sector Act, P-39.1, as amended by Law 25; the Act on
//! access for public bodies, A-2.1; and, for health and social-services bodies including the DPJ,
//! the Act respecting health and social services information, R-22.1) want a consent that is
//! manifest, free and enlightened, and given for specific purposes asked one by one in plain
//! terms (P-39.1 s. 14). So a [`Consent`] is never "share everything": it names its purposes
//! ([`Purpose`]), its receiving organizations, the kinds of information ([`Category`]) and a
//! period. It lasts at most [`MAX_CONSENT_DAYS`]: a consent is only meant to last while its
//! purposes are being achieved, and a child's situation changes quickly — a child who was 13 when
//! a parent consented is soon 14 and entitled to be asked personally — so the platform makes the
//! worker ask again at least once a year.
//!
//! # Who may consent
//!
//! - **The child alone, from 14.** The Civil Code (art. 14) lets a minor of 14 or older consent
//!   alone to the care their health requires, and the privacy statutes (P-39.1 s. 14) let a
//!   minor of 14 or older consent personally to the use of their information. Under 14, the
//!   child's own consent is not enough, for any purpose.
//! - **A parent or a tutor** (the persons with parental authority) for a child under 14, and also
//!   for an older minor, since the statute lets a 14-year-old consent personally without
//!   excluding the parent. Workers should still seek the child's own consent first.
//! - **Never a parent whose access the DPJ has blocked.** R-22.1 (s. 23) withholds a child's
//!   information from a parent where the DPJ finds it would likely harm the child. In this field
//!   the parent may be the exploiter: a parent so blocked cannot open the door to sharing either.
//! - **The DPJ**, when it acts for the child under the Youth Protection Act.
//! - Nobody consents for an adult (18 or older) but the person: a parent's or tutor's consent
//!   is refused then.
//!
//! # Sharing without consent
//!
//! The law allows some exchanges without consent; each is a [`LegalBasis`] recorded as a
//! [`BasisRecord`] with a written justification (who decided, on what facts), its recipients and
//! categories, and a short life:
//!
//! - a **report to the DPJ** — the Youth Protection Act (art. 39) obliges professionals who work
//!   with children, and every person where sexual abuse (including sexual exploitation) or
//!   physical abuse is suspected, to report without delay; the duty overrides professional
//!   secrecy;
//! - an **emergency** where someone's life, health or safety is at stake (the privacy statutes
//!   allow it; at most [`LegalBasis::Emergency`]'s 72 hours, after which consent or another
//!   basis is needed);
//! - a **court order**;
//! - a communication the **Youth Protection Act** itself authorizes while the DPJ assesses a
//!   report (art. 49) or has taken the child in charge (art. 51).
//!
//! A legal basis never covers [`Purpose::Statistics`]: statistics are never an emergency, and
//! without consent they are made from de-identified data only (the statistics crate).
//!
//! # Decisions taken here
//!
//! - A request must name what it sends; it is refused unless one consent or one basis covers
//!   **every** requested category. The largest part that could be sent is given by
//!   [`covered_categories`]; authorities are never combined, so each exchange names the single
//!   consent or basis that allowed it.
//! - A consent is preferred to a legal basis when both would cover the exchange: the person's
//!   own choice is the ordinary route, the basis the exception.
//! - A consent without recipients (possible only for statistics alone) lets nothing leave: it
//!   serves the platform's own de-identified statistics.
//! - Sharing inside the sending organization is not an exchange ([`Decision::SameOrganization`]);
//!   access inside an organization is the case rules' business ([`crate::case`]).
//! - A withdrawal takes effect at its instant: from `withdrawn_at` on (inclusive), nothing.
//! - A consent's dates are Québec calendar days, both inclusive: whatever offset `now` carries,
//!   it is read in Québec's local time (UTC−5 or UTC−4), so the last day ends at local
//!   midnight. (Reading it in the caller's offset let a consent recorded in UTC days begin
//!   the next day for anyone checking it in local time, from 19:00 or 20:00.) A basis ends at
//!   an instant, exclusive.
//!
//! This is not legal advice: the statute sections above come from the project's research notes
//! (`legal-and-screening.md` §2), whose §5 lists what must be re-checked against the official consolidations.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::error::{ValidationError, text_field};
use crate::ids::{BasisId, CaseId, ConsentId, OrgId, UserId};

/// The longest a consent may last, in days from its first day to its last.
pub const MAX_CONSENT_DAYS: i64 = 365;

/// Age from which a child consents alone (Civil Code art. 14; P-39.1 s. 14).
pub const AGE_OF_CONSENT: u8 = 14;

/// Age of majority: nobody but the person consents from then on.
pub const AGE_OF_MAJORITY: u8 = 18;

/// Shortest justification of a legal basis, in characters.
pub const JUSTIFICATION_MIN: usize = 20;

/// Longest justification of a legal basis, in characters.
pub const JUSTIFICATION_MAX: usize = 2000;

/// A name that is not one of the stable names of a consent vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown value")]
pub struct UnknownName;

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $s:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in the order shown.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable name (storage, forms, API, Fluent ids).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $s,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = $crate::consent::UnknownName;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|x| x.as_str() == s).ok_or($crate::consent::UnknownName)
            }
        }
    };
}

pub(crate) use named_enum;

named_enum!(
    /// Who gave a consent.
    Giver {
        /// The child personally (only from 14).
        Child => "child",
        /// A person with parental authority.
        Parent => "parent",
        /// The child's tutor.
        Tutor => "tutor",
        /// The director of youth protection.
        Dpj => "dpj",
    }
);

named_enum!(
    /// How a consent was given.
    Form {
        /// Signed on paper or on screen.
        Written => "written",
        /// Said to the worker, who records it.
        Verbal => "verbal",
        /// Said before a witness other than the recording worker.
        Witnessed => "witnessed",
    }
);

named_enum!(
    /// What an exchange is for.
    Purpose {
        /// Coordinating the services the child already receives.
        Coordination => "coordination",
        /// Referring the child to a named organization.
        Referral => "referral",
        /// Statistics.
        Statistics => "statistics",
    }
);

named_enum!(
    /// A kind of information about the child. The order is the order shown and the canonical
    /// order of every list of categories.
    Category {
        /// Names and date of birth: the receiving worker must know whom they serve.
        Identity => "identity",
        /// Phones and addresses.
        Contact => "contact",
        /// What the child said, in their own words.
        ChildWords => "child_words",
        /// Assessed needs.
        Needs => "needs",
        /// Goals of the service plan.
        PlanGoals => "plan_goals",
        /// Assessed risks.
        Risks => "risks",
        /// Persons who must never be contacted or informed about the child.
        UnsafePersons => "unsafe_persons",
    }
);

named_enum!(
    /// A ground on which the law allows an exchange without consent.
    LegalBasis {
        /// The duty to report to the DPJ (Youth Protection Act art. 39).
        ReportToDpj => "report_to_dpj",
        /// A threat to someone's life, health or safety.
        Emergency => "emergency",
        /// A court or a judge ordered the communication.
        CourtOrder => "court_order",
        /// A communication the Youth Protection Act authorizes during the DPJ's intervention.
        YouthProtectionAct => "youth_protection_act",
    }
);

impl LegalBasis {
    /// The name shown in French.
    pub fn label_fr(self) -> &'static str {
        match self {
            LegalBasis::ReportToDpj => "Signalement au DPJ",
            LegalBasis::Emergency => "Urgence (vie, santé ou sécurité)",
            LegalBasis::CourtOrder => "Ordonnance d'un tribunal",
            LegalBasis::YouthProtectionAct => "Loi sur la protection de la jeunesse (intervention du DPJ)",
        }
    }

    /// The name shown in English.
    pub fn label_en(self) -> &'static str {
        match self {
            LegalBasis::ReportToDpj => "Report to the DPJ",
            LegalBasis::Emergency => "Emergency (life, health or safety)",
            LegalBasis::CourtOrder => "Court order",
            LegalBasis::YouthProtectionAct => "Youth Protection Act (DPJ intervention)",
        }
    }

    /// What the basis means, in plain French.
    pub fn explanation_fr(self) -> &'static str {
        match self {
            LegalBasis::ReportToDpj => {
                "Quand on a des motifs raisonnables de croire que la sécurité ou le développement d'un enfant \
                 est ou peut être compromis, la Loi sur la protection de la jeunesse (art. 39) oblige à le \
                 signaler sans délai au DPJ : les professionnels dans tous les cas, et toute personne s'il \
                 s'agit d'abus sexuels, dont l'exploitation sexuelle, ou d'abus physiques. Ce devoir passe \
                 avant le secret professionnel; le signalement ne demande aucun consentement."
            }
            LegalBasis::Emergency => {
                "Si la vie, la santé ou la sécurité d'une personne est menacée, on peut transmettre sans \
                 consentement ce qui est nécessaire pour lui porter secours, à ceux qui peuvent aider, le \
                 temps que dure le danger. Ici, 72 heures au plus; ensuite, il faut un consentement ou un \
                 autre fondement."
            }
            LegalBasis::CourtOrder => {
                "Un tribunal ou un juge a ordonné la communication. L'ordonnance fixe ce qui est transmis, à \
                 qui et jusqu'à quand; on n'en transmet pas davantage."
            }
            LegalBasis::YouthProtectionAct => {
                "Pendant que le DPJ évalue un signalement ou a pris l'enfant en charge, la Loi sur la \
                 protection de la jeunesse permet d'échanger avec lui ce dont il a besoin pour protéger \
                 l'enfant, et rien de plus."
            }
        }
    }

    /// What the basis means, in plain English.
    pub fn explanation_en(self) -> &'static str {
        match self {
            LegalBasis::ReportToDpj => {
                "When there are reasonable grounds to believe that a child's security or development is or \
                 may be in danger, the Youth Protection Act (s. 39) requires a report to the DPJ without \
                 delay: from professionals in every case, and from anyone where sexual abuse, including \
                 sexual exploitation, or physical abuse is involved. The duty comes before professional \
                 secrecy; a report needs no consent."
            }
            LegalBasis::Emergency => {
                "When a person's life, health or safety is threatened, what is needed to help may be passed \
                 on without consent, to those who can help, for as long as the danger lasts. Here, 72 hours \
                 at most; after that, consent or another basis is needed."
            }
            LegalBasis::CourtOrder => {
                "A court or a judge ordered the communication. The order sets what is sent, to whom and \
                 until when; nothing more is sent."
            }
            LegalBasis::YouthProtectionAct => {
                "While the DPJ assesses a report or has taken the child in charge, the Youth Protection Act \
                 lets the DPJ be given what it needs to protect the child, and nothing more."
            }
        }
    }

    /// The statute the basis rests on, as cited in the project's legal notes.
    pub fn statute(self) -> &'static str {
        match self {
            LegalBasis::ReportToDpj => "Youth Protection Act (CQLR c. P-34.1), art. 39",
            LegalBasis::Emergency => "Privacy statutes (P-39.1, A-2.1, R-22.1): communication in an emergency",
            LegalBasis::CourtOrder => "Order of a court or judge",
            LegalBasis::YouthProtectionAct => "Youth Protection Act (CQLR c. P-34.1), arts. 49 and 51",
        }
    }

    /// The longest a basis of this kind stays in force once recorded.
    ///
    /// An emergency lasts as long as the danger: 72 hours is enough to get the child to safety,
    /// and forces the question of consent soon after. A report is a single act; a week covers
    /// the DPJ calling back about it. The DPJ's intervention is reviewed every six months with
    /// a fresh justification; a court order is recorded until its own end date, one year at most,
    /// then recorded again if renewed.
    pub fn max_duration(self) -> Duration {
        match self {
            LegalBasis::Emergency => Duration::hours(72),
            LegalBasis::ReportToDpj => Duration::days(7),
            LegalBasis::YouthProtectionAct => Duration::days(180),
            LegalBasis::CourtOrder => Duration::days(365),
        }
    }

    /// Whether this basis may serve `purpose`. None serves statistics.
    pub fn permits(self, purpose: Purpose) -> bool {
        purpose != Purpose::Statistics
    }
}

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// A recorded consent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Identifier.
    pub id: ConsentId,
    /// The child's case in the sending organization.
    pub child_case: CaseId,
    /// The organization whose information may leave.
    pub from_org: OrgId,
    /// Who consented.
    pub giver: Giver,
    /// The child's age when the consent was given, when known.
    pub child_age: Option<u8>,
    /// How it was given.
    pub form: Form,
    /// What for (canonical order, no duplicates).
    pub purposes: Vec<Purpose>,
    /// To which organizations.
    pub recipients: Vec<OrgId>,
    /// Which kinds of information (canonical order, no duplicates).
    pub categories: Vec<Category>,
    /// First day, inclusive.
    #[serde(with = "iso_date")]
    pub valid_from: Date,
    /// Last day, inclusive.
    #[serde(with = "iso_date")]
    pub valid_until: Date,
    /// When it was withdrawn; from that instant on it covers nothing.
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub withdrawn_at: Option<OffsetDateTime>,
    /// The worker who recorded it.
    pub recorded_by: UserId,
}

impl Consent {
    /// Records a withdrawal at `at`. A consent stays withdrawn from the earliest withdrawal.
    pub fn withdraw(&mut self, at: OffsetDateTime) {
        self.withdrawn_at = Some(self.withdrawn_at.map_or(at, |w| w.min(at)));
    }
}

/// A recorded legal basis for sharing without consent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasisRecord {
    /// Identifier.
    pub id: BasisId,
    /// The child's case in the sending organization.
    pub child_case: CaseId,
    /// The organization whose information may leave.
    pub from_org: OrgId,
    /// The ground.
    pub basis: LegalBasis,
    /// Why the ground applies, in the worker's words (20 to 2000 characters).
    pub justification: String,
    /// To which organizations.
    pub recipients: Vec<OrgId>,
    /// Which kinds of information (canonical order, no duplicates).
    pub categories: Vec<Category>,
    /// When it was recorded; it covers nothing before.
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// When it lapses (exclusive).
    #[serde(with = "time::serde::rfc3339")]
    pub valid_until: OffsetDateTime,
    /// When it was ended early (the danger passed, the order was lifted).
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub ended_at: Option<OffsetDateTime>,
    /// The worker who recorded it.
    pub recorded_by: UserId,
}

impl BasisRecord {
    /// Ends the basis at `at`. It stays ended from the earliest end.
    pub fn end(&mut self, at: OffsetDateTime) {
        self.ended_at = Some(self.ended_at.map_or(at, |e| e.min(at)));
    }
}

/// One exchange a worker asks to make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRequest {
    /// The child's case in the sending organization.
    pub case: CaseId,
    /// The sending organization.
    pub from_org: OrgId,
    /// The receiving organization.
    pub to_org: OrgId,
    /// What for.
    pub purpose: Purpose,
    /// Exactly what would be sent.
    pub categories: Vec<Category>,
}

/// What allowed an exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Authority {
    /// A consent.
    Consent(ConsentId),
    /// A recorded legal basis.
    Basis(BasisId),
}

/// Why an exchange was refused (for the best candidate, when there were several).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The request names no category.
    NothingRequested,
    /// No consent or basis exists for this case and sending organization.
    NoConsent,
    /// The consent was withdrawn (or the basis ended).
    Withdrawn,
    /// The consent or basis has lapsed.
    Expired,
    /// The consent or basis has not begun.
    NotYetValid,
    /// The receiving organization is not a recipient.
    RecipientNotCovered,
    /// The purpose is not covered.
    PurposeNotCovered,
    /// These requested categories are not covered.
    CategoriesNotCovered(Vec<Category>),
}

impl Reason {
    /// The stable code (`consent-<code>` as a Fluent id).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NothingRequested => "nothing-requested",
            Reason::NoConsent => "no-consent",
            Reason::Withdrawn => "withdrawn",
            Reason::Expired => "expired",
            Reason::NotYetValid => "not-yet-valid",
            Reason::RecipientNotCovered => "recipient-not-covered",
            Reason::PurposeNotCovered => "purpose-not-covered",
            Reason::CategoriesNotCovered(_) => "categories-not-covered",
        }
    }

    /// How far the checks went before this refusal: the refusal of the candidate that came
    /// closest is the one shown (the fewest missing categories among category refusals).
    fn rank(&self) -> (u8, usize) {
        match self {
            Reason::NothingRequested | Reason::NoConsent => (0, 0),
            Reason::Withdrawn => (1, 0),
            Reason::Expired | Reason::NotYetValid => (2, 0),
            Reason::RecipientNotCovered => (3, 0),
            Reason::PurposeNotCovered => (4, 0),
            Reason::CategoriesNotCovered(missing) => (5, usize::MAX - missing.len()),
        }
    }
}

/// The answer to a [`ShareRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The exchange may happen, under this authority, for exactly these categories.
    Allowed {
        /// The consent or basis to record with the exchange.
        by: Authority,
        /// The requested categories (canonical order, no duplicates).
        categories: Vec<Category>,
    },
    /// Sender and receiver are the same organization: no exchange, no consent needed here.
    SameOrganization,
    /// The exchange may not happen.
    Refused(Reason),
}

impl Decision {
    /// Whether something may be sent.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }
}

/// A consent or a basis, seen as one thing that may authorize an exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant<'a> {
    /// A consent.
    Consent(&'a Consent),
    /// A legal basis.
    Basis(&'a BasisRecord),
}

impl Grant<'_> {
    /// The authority to name in the record of an exchange.
    pub fn authority(self) -> Authority {
        match self {
            Grant::Consent(c) => Authority::Consent(c.id),
            Grant::Basis(b) => Authority::Basis(b.id),
        }
    }

    /// The child's case.
    pub fn case(self) -> CaseId {
        match self {
            Grant::Consent(c) => c.child_case,
            Grant::Basis(b) => b.child_case,
        }
    }

    /// The sending organization.
    pub fn from_org(self) -> OrgId {
        match self {
            Grant::Consent(c) => c.from_org,
            Grant::Basis(b) => b.from_org,
        }
    }

    /// The receiving organizations.
    pub fn recipients(&self) -> &[OrgId] {
        match self {
            Grant::Consent(c) => &c.recipients,
            Grant::Basis(b) => &b.recipients,
        }
    }

    /// The categories covered: a receiver shows nothing else.
    pub fn categories(&self) -> &[Category] {
        match self {
            Grant::Consent(c) => &c.categories,
            Grant::Basis(b) => &b.categories,
        }
    }

    /// Whether it serves `purpose`.
    pub fn permits(self, purpose: Purpose) -> bool {
        match self {
            Grant::Consent(c) => c.purposes.contains(&purpose),
            Grant::Basis(b) => b.basis.permits(purpose),
        }
    }

    /// Whether it is in force at `now`: not withdrawn or ended, begun and not lapsed.
    pub fn in_force(self, now: OffsetDateTime) -> Result<(), Reason> {
        match self {
            Grant::Consent(c) => {
                // A consent's dates are Québec calendar days, whatever offset `now` carries: in
                // UTC, a consent given this evening in Montréal would begin tomorrow.
                let today = crate::time::in_quebec(now).date();
                if c.withdrawn_at.is_some_and(|w| w <= now) {
                    Err(Reason::Withdrawn)
                } else if today < c.valid_from {
                    Err(Reason::NotYetValid)
                } else if today > c.valid_until {
                    Err(Reason::Expired)
                } else {
                    Ok(())
                }
            }
            Grant::Basis(b) => {
                if b.ended_at.is_some_and(|e| e <= now) {
                    Err(Reason::Withdrawn)
                } else if now < b.recorded_at {
                    Err(Reason::NotYetValid)
                } else if now >= b.valid_until {
                    Err(Reason::Expired)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Whether it covers the whole of `request` at `now`, or the first reason it does not
    /// (in the order: case and sender, withdrawal, dates, recipient, purpose, categories).
    pub fn covers(self, request: &ShareRequest, now: OffsetDateTime) -> Result<(), Reason> {
        if self.case() != request.case || self.from_org() != request.from_org {
            return Err(Reason::NoConsent);
        }
        self.in_force(now)?;
        if !self.recipients().contains(&request.to_org) {
            return Err(Reason::RecipientNotCovered);
        }
        if !self.permits(request.purpose) {
            return Err(Reason::PurposeNotCovered);
        }
        let missing: Vec<Category> =
            canonical(&request.categories).into_iter().filter(|c| !self.categories().contains(c)).collect();
        if missing.is_empty() { Ok(()) } else { Err(Reason::CategoriesNotCovered(missing)) }
    }
}

/// Categories without duplicates, in canonical order.
pub fn canonical(categories: &[Category]) -> Vec<Category> {
    let mut out = categories.to_vec();
    out.sort_unstable();
    out.dedup();
    out
}

fn grants<'a>(consents: &'a [Consent], bases: &'a [BasisRecord]) -> impl Iterator<Item = Grant<'a>> {
    consents.iter().map(Grant::Consent).chain(bases.iter().map(Grant::Basis))
}

/// Whether `request` may happen at `now`, and under which consent or basis.
///
/// Consents are tried before bases, each in the order given; the first that covers the whole
/// request wins. When none does, the refusal is that of the candidate that came closest.
pub fn may_share(request: &ShareRequest, consents: &[Consent], bases: &[BasisRecord], now: OffsetDateTime) -> Decision {
    if request.from_org == request.to_org {
        return Decision::SameOrganization;
    }
    let wanted = canonical(&request.categories);
    if wanted.is_empty() {
        return Decision::Refused(Reason::NothingRequested);
    }
    let mut best = Reason::NoConsent;
    for grant in grants(consents, bases) {
        match grant.covers(request, now) {
            Ok(()) => return Decision::Allowed { by: grant.authority(), categories: wanted },
            Err(reason) if reason.rank() > best.rank() => best = reason,
            Err(_) => {}
        }
    }
    Decision::Refused(best)
}

/// The largest part of the requested categories that a single consent or basis would let
/// through at `now` (canonical order; empty when nothing may be sent). Asking [`may_share`] for
/// exactly these categories is allowed whenever the list is not empty.
pub fn covered_categories(
    request: &ShareRequest,
    consents: &[Consent],
    bases: &[BasisRecord],
    now: OffsetDateTime,
) -> Vec<Category> {
    if request.from_org == request.to_org {
        return Vec::new();
    }
    let wanted = canonical(&request.categories);
    let mut best: Vec<Category> = Vec::new();
    for grant in grants(consents, bases) {
        let whole = ShareRequest { categories: Vec::new(), ..request.clone() };
        if grant.covers(&whole, now).is_ok() {
            let part: Vec<Category> = wanted.iter().copied().filter(|c| grant.categories().contains(c)).collect();
            if part.len() > best.len() {
                best = part;
            }
        }
    }
    best
}

/// Whether `viewer_org` may still open what it received about `case` under `grant` at `now`.
///
/// Asked on every access, so a withdrawal or an expiry cuts access at once. Only listed
/// recipients are answered yes; the sending organization's access to its own case is not a
/// matter of consent (see [`crate::case::can_view_case`]). The receiver shows only
/// [`Grant::categories`].
pub fn access_allowed(case: CaseId, viewer_org: OrgId, grant: Grant<'_>, now: OffsetDateTime) -> bool {
    grant.case() == case && grant.recipients().contains(&viewer_org) && grant.in_force(now).is_ok()
}

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Parses a `YYYY-MM-DD` date: `date-format` when the shape is wrong, `invalid-date` when the
/// shape is right but no such day exists.
fn parse_date(raw: &str) -> Result<Date, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("required");
    }
    let shaped =
        s.len() == 10 && s.char_indices().all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() });
    if !shaped {
        return Err("date-format");
    }
    Date::parse(s, DATE_FORMAT).map_err(|_| "invalid-date")
}

/// Parses checked names into a sorted list without duplicates; `unknown-value` on any unknown.
fn parse_names<T: FromStr + Ord>(errors: &mut ValidationError, field: &'static str, raw: &[String]) -> Vec<T> {
    let mut out = Vec::new();
    let mut unknown = false;
    for v in raw.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match v.parse::<T>() {
            Ok(x) => out.push(x),
            Err(_) => unknown = true,
        }
    }
    if unknown {
        errors.push(field, "unknown-value");
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Parses organization identifiers (form order, no duplicates); the sender is not a recipient.
fn parse_recipients(errors: &mut ValidationError, raw: &[String], from_org: OrgId) -> Vec<OrgId> {
    let mut out: Vec<OrgId> = Vec::new();
    let (mut unknown, mut own) = (false, false);
    for v in raw.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match v.parse::<OrgId>() {
            Ok(o) if o == from_org => own = true,
            Ok(o) if !out.contains(&o) => out.push(o),
            Ok(_) => {}
            Err(_) => unknown = true,
        }
    }
    if unknown {
        errors.push("recipients", "unknown-value");
    } else if own {
        errors.push("recipients", "same-organization");
    }
    out
}

fn parse_one<T: FromStr>(errors: &mut ValidationError, field: &'static str, raw: &str) -> Option<T> {
    match raw.trim() {
        "" => {
            errors.push(field, "required");
            None
        }
        v => v.parse().map_or_else(
            |_| {
                errors.push(field, "unknown-value");
                None
            },
            Some,
        ),
    }
}

/// The raw form or API fields of a new consent.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ConsentForm {
    /// One of [`Giver`]'s names.
    #[serde(default)]
    pub giver: String,
    /// The child's age in years when consenting; required when the child consents.
    #[serde(default)]
    pub child_age: String,
    /// One of [`Form`]'s names.
    #[serde(default)]
    pub form: String,
    /// [`Purpose`] names (checkboxes).
    #[serde(default)]
    pub purposes: Vec<String>,
    /// Receiving organization identifiers.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// [`Category`] names (checkboxes).
    #[serde(default)]
    pub categories: Vec<String>,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_from: String,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_until: String,
}

/// What the form cannot say but the checks need, supplied by the caller from the case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsentContext {
    /// The organization recording the consent (the sender).
    pub from_org: OrgId,
    /// Whether the DPJ has blocked the parents' access to the child's information.
    pub parent_access_blocked: bool,
    /// Today, in the organization's local time.
    pub today: Date,
}

/// A checked consent, before it is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentInput {
    /// The sending organization.
    pub from_org: OrgId,
    /// Who consented.
    pub giver: Giver,
    /// The child's age.
    pub child_age: Option<u8>,
    /// How.
    pub form: Form,
    /// What for.
    pub purposes: Vec<Purpose>,
    /// To whom.
    pub recipients: Vec<OrgId>,
    /// What.
    pub categories: Vec<Category>,
    /// First day.
    pub valid_from: Date,
    /// Last day.
    pub valid_until: Date,
}

impl ConsentInput {
    /// Parses and checks a consent form; every invalid field is reported at once, in form order.
    ///
    /// Codes: `required`, `unknown-value`, `child-under-14` and `parent-access-blocked` and
    /// `adult-consents` (on `giver`), `age-range`, `same-organization` (on `recipients`),
    /// `date-format`, `invalid-date`, `date-order`, `date-past` and `duration-too-long` (on
    /// `valid_until`).
    pub fn parse(f: &ConsentForm, ctx: &ConsentContext) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let age: Result<Option<u8>, &'static str> = match f.child_age.trim() {
            "" => Ok(None),
            a => a.parse::<u8>().ok().filter(|n| *n <= 25).map(Some).ok_or("age-range"),
        };
        let giver = parse_one::<Giver>(&mut errors, "giver", &f.giver);
        let known_age = age.ok().flatten();
        match giver {
            Some(Giver::Child) if known_age.is_some_and(|n| n < AGE_OF_CONSENT) => {
                errors.push("giver", "child-under-14");
            }
            Some(Giver::Parent) if ctx.parent_access_blocked => errors.push("giver", "parent-access-blocked"),
            Some(Giver::Parent | Giver::Tutor) if known_age.is_some_and(|n| n >= AGE_OF_MAJORITY) => {
                errors.push("giver", "adult-consents");
            }
            _ => {}
        }
        match age {
            Err(code) => errors.push("child_age", code),
            Ok(None) if giver == Some(Giver::Child) => errors.push("child_age", "required"),
            Ok(_) => {}
        }
        let form = parse_one::<Form>(&mut errors, "form", &f.form);
        let purposes: Vec<Purpose> = parse_names(&mut errors, "purposes", &f.purposes);
        if purposes.is_empty() && errors.fields.iter().all(|e| e.field != "purposes") {
            errors.push("purposes", "required");
        }
        let recipients = parse_recipients(&mut errors, &f.recipients, ctx.from_org);
        let statistics_only = purposes == [Purpose::Statistics];
        if recipients.is_empty()
            && !purposes.is_empty()
            && !statistics_only
            && errors.fields.iter().all(|e| e.field != "recipients")
        {
            errors.push("recipients", "required");
        }
        let categories: Vec<Category> = parse_names(&mut errors, "categories", &f.categories);
        if categories.is_empty() && errors.fields.iter().all(|e| e.field != "categories") {
            errors.push("categories", "required");
        }
        let from = parse_date(&f.valid_from).map_err(|code| errors.push("valid_from", code)).ok();
        let until = parse_date(&f.valid_until).map_err(|code| errors.push("valid_until", code)).ok();
        if let (Some(from), Some(until)) = (from, until) {
            if until < from {
                errors.push("valid_until", "date-order");
            } else if (until - from).whole_days() > MAX_CONSENT_DAYS {
                errors.push("valid_until", "duration-too-long");
            } else if until < ctx.today {
                errors.push("valid_until", "date-past");
            }
        }
        errors.into_result()?;
        match (giver, form, from, until) {
            (Some(giver), Some(form), Some(valid_from), Some(valid_until)) => Ok(Self {
                from_org: ctx.from_org,
                giver,
                child_age: known_age,
                form,
                purposes,
                recipients,
                categories,
                valid_from,
                valid_until,
            }),
            _ => Err(ValidationError::single("giver", "required")),
        }
    }

    /// The consent to store for `case`, recorded by `recorded_by`.
    pub fn into_consent(self, case: CaseId, recorded_by: UserId) -> Consent {
        Consent {
            id: ConsentId::new(),
            child_case: case,
            from_org: self.from_org,
            giver: self.giver,
            child_age: self.child_age,
            form: self.form,
            purposes: self.purposes,
            recipients: self.recipients,
            categories: self.categories,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            withdrawn_at: None,
            recorded_by,
        }
    }
}

/// The raw form or API fields of a legal basis.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct BasisForm {
    /// One of [`LegalBasis`]'s names.
    #[serde(default)]
    pub basis: String,
    /// Why it applies.
    #[serde(default)]
    pub justification: String,
    /// Receiving organization identifiers.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// [`Category`] names.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Last day, `YYYY-MM-DD` (local), or empty for the longest the basis allows.
    #[serde(default)]
    pub valid_until: String,
}

/// A checked legal basis, before it is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasisInput {
    /// The sending organization.
    pub from_org: OrgId,
    /// The ground.
    pub basis: LegalBasis,
    /// Why (trimmed).
    pub justification: String,
    /// To whom.
    pub recipients: Vec<OrgId>,
    /// What.
    pub categories: Vec<Category>,
    /// When recorded (`now`).
    pub recorded_at: OffsetDateTime,
    /// When it lapses.
    pub valid_until: OffsetDateTime,
}

impl BasisInput {
    /// Parses and checks a legal basis recorded by `from_org` at `now` (in local time: a last
    /// day ends at the following midnight in `now`'s offset).
    ///
    /// Codes: `required`, `unknown-value`, `too-short`, `too-long`, `invalid-characters`,
    /// `same-organization`, `date-format`, `invalid-date`, `date-past`, `duration-too-long`.
    pub fn parse(f: &BasisForm, from_org: OrgId, now: OffsetDateTime) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let basis = parse_one::<LegalBasis>(&mut errors, "basis", &f.basis);
        let justification =
            text_field(&mut errors, "justification", &f.justification, JUSTIFICATION_MIN, JUSTIFICATION_MAX);
        let recipients = parse_recipients(&mut errors, &f.recipients, from_org);
        if recipients.is_empty() && errors.fields.iter().all(|e| e.field != "recipients") {
            errors.push("recipients", "required");
        }
        let categories: Vec<Category> = parse_names(&mut errors, "categories", &f.categories);
        if categories.is_empty() && errors.fields.iter().all(|e| e.field != "categories") {
            errors.push("categories", "required");
        }
        let longest = basis.map(|b| now + b.max_duration());
        let valid_until = match f.valid_until.trim() {
            "" => longest,
            raw => match parse_date(raw) {
                Err(code) => {
                    errors.push("valid_until", code);
                    None
                }
                Ok(day) => {
                    let end = day.next_day().map(|d| d.midnight().assume_offset(now.offset()));
                    match (end, longest) {
                        (Some(end), _) if end <= now => {
                            errors.push("valid_until", "date-past");
                            None
                        }
                        (Some(end), Some(longest)) if end <= longest => Some(end),
                        (_, Some(_)) | (None, None) => {
                            errors.push("valid_until", "duration-too-long");
                            None
                        }
                        (Some(_), None) => None,
                    }
                }
            },
        };
        errors.into_result()?;
        match (basis, valid_until) {
            (Some(basis), Some(valid_until)) => {
                Ok(Self { from_org, basis, justification, recipients, categories, recorded_at: now, valid_until })
            }
            _ => Err(ValidationError::single("basis", "required")),
        }
    }

    /// The record to store for `case`, recorded by `recorded_by`.
    pub fn into_record(self, case: CaseId, recorded_by: UserId) -> BasisRecord {
        BasisRecord {
            id: BasisId::new(),
            child_case: case,
            from_org: self.from_org,
            basis: self.basis,
            justification: self.justification,
            recipients: self.recipients,
            categories: self.categories,
            // Read in Québec time to place the last day; stored in UTC like every instant
            // (SQLite compares stored instants as text).
            recorded_at: self.recorded_at.to_offset(time::UtcOffset::UTC),
            valid_until: self.valid_until.to_offset(time::UtcOffset::UTC),
            ended_at: None,
            recorded_by,
        }
    }
}

#[cfg(test)]
mod tests;

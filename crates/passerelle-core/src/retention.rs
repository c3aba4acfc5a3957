//! Retention and destruction: how long each kind of record is kept, when one is due for
//! destruction, and what a legal hold changes.
//!
//! Québec's privacy law asks that personal information be destroyed (or anonymized) once the
//! purposes for which it was collected are achieved, subject to any retention period the law
//! sets. The periods are therefore the system administrator's to set per installation (each
//! network follows its own retention schedule); this module holds the defaults, the bounds an
//! administrator may choose within, and the pure "is it due?" rule the daily job applies.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::{Date, Month, OffsetDateTime};

use crate::error::ValidationError;

/// A kind of record with its own retention period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A child's case, counted from its closure.
    ClosedCase,
    /// A completed screening that led to no case, counted from its creation.
    AnonymousScreening,
    /// A screening left as a draft, counted from its last change.
    DraftScreening,
    /// An entry of the confidentiality-incident register, counted from its discovery.
    Incident,
}

impl RecordKind {
    /// Every kind, in the order shown to administrators.
    pub const ALL: [RecordKind; 4] =
        [RecordKind::ClosedCase, RecordKind::AnonymousScreening, RecordKind::DraftScreening, RecordKind::Incident];

    /// The stable name used in storage, forms and the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::ClosedCase => "closed_case",
            RecordKind::AnonymousScreening => "anonymous_screening",
            RecordKind::DraftScreening => "draft_screening",
            RecordKind::Incident => "incident",
        }
    }

    /// The period an installation starts with, in months (see ARCHITECTURE.md for why).
    pub fn default_months(self) -> u32 {
        match self {
            // Five years for both, for different reasons (see ARCHITECTURE.md).
            RecordKind::ClosedCase | RecordKind::Incident => 60,
            RecordKind::AnonymousScreening => 6,
            RecordKind::DraftScreening => 1,
        }
    }

    /// The shortest period an administrator may set. The incident register must be kept five
    /// years after the organization learned of the incident (regulation on confidentiality
    /// incidents); the other kinds have no floor in law that the platform can know of.
    pub fn minimum_months(self) -> u32 {
        match self {
            RecordKind::Incident => 60,
            _ => MIN_MONTHS,
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown record kind")]
pub struct UnknownKind;

impl FromStr for RecordKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s.trim()).ok_or(UnknownKind)
    }
}

/// The shortest period of any kind, in months.
pub const MIN_MONTHS: u32 = 1;
/// The longest period of any kind, in months (50 years: longer is "forever" in disguise).
pub const MAX_MONTHS: u32 = 600;

/// The installation's periods, one per kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetentionRules {
    months: [(RecordKind, u32); 4],
}

impl Default for RetentionRules {
    fn default() -> Self {
        Self { months: RecordKind::ALL.map(|k| (k, k.default_months())) }
    }
}

impl RetentionRules {
    /// Rules from stored pairs; a kind missing from `stored` keeps its default, and a stored
    /// value below the kind's floor is raised to it (a floor set in law wins over a stale row).
    pub fn from_pairs(stored: &[(RecordKind, u32)]) -> Self {
        let mut rules = Self::default();
        for (kind, months) in stored {
            rules.set(*kind, (*months).clamp(kind.minimum_months(), MAX_MONTHS));
        }
        rules
    }

    /// The period of `kind`, in months.
    pub fn months(&self, kind: RecordKind) -> u32 {
        self.months.iter().find(|(k, _)| *k == kind).map_or(kind.default_months(), |(_, m)| *m)
    }

    fn set(&mut self, kind: RecordKind, months: u32) {
        if let Some(slot) = self.months.iter_mut().find(|(k, _)| *k == kind) {
            slot.1 = months;
        }
    }

    /// Every kind with its period, in display order.
    pub fn pairs(&self) -> Vec<(RecordKind, u32)> {
        self.months.to_vec()
    }
}

/// Checks the administrator's form: one whole number of months per kind, between the kind's
/// floor and [`MAX_MONTHS`]. The field of an error is the kind's name.
pub fn parse_rules(form: &[(String, String)]) -> Result<RetentionRules, ValidationError> {
    let mut errors = ValidationError::default();
    let mut rules = RetentionRules::default();
    for kind in RecordKind::ALL {
        let raw = form.iter().find(|(k, _)| k == kind.as_str()).map_or("", |(_, v)| v.trim());
        match raw.parse::<u32>() {
            _ if raw.is_empty() => errors.push(kind.as_str(), "required"),
            Ok(m) if m < kind.minimum_months() => errors.push(kind.as_str(), "retention-below-minimum"),
            Ok(m) if m > MAX_MONTHS => errors.push(kind.as_str(), "retention-range"),
            Ok(m) => rules.set(kind, m),
            Err(_) => errors.push(kind.as_str(), "retention-range"),
        }
    }
    errors.into_result()?;
    Ok(rules)
}

/// `t` plus `months` calendar months, the day clamped to the end of a shorter month
/// (31 January + 1 month = 28 or 29 February). Saturates at the end of the representable range.
pub fn add_months(t: OffsetDateTime, months: u32) -> OffsetDateTime {
    let d = t.date();
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + i64::from(months);
    let (Ok(year), Ok(index)) = (i32::try_from(total.div_euclid(12)), u8::try_from(total.rem_euclid(12))) else {
        return t;
    };
    let Ok(month) = Month::try_from(index + 1) else { return t };
    let day = d.day().min(month.length(year));
    match Date::from_calendar_date(year, month, day) {
        Ok(date) => t.replace_date(date),
        Err(_) => OffsetDateTime::new_utc(Date::MAX, time::Time::MIDNIGHT),
    }
}

/// Whether a record of `kind` whose period started at `since` (closure, creation, last change
/// or discovery) is due for destruction at `now`. A record under a legal hold never is.
pub fn due(kind: RecordKind, since: OffsetDateTime, rules: &RetentionRules, held: bool, now: OffsetDateTime) -> bool {
    !held && add_months(since, rules.months(kind)) <= now
}

/// An instant every record of `kind` due at `now` started at or before: what the job asks the
/// database for, before checking each candidate with [`due`]. A calendar month is at least 28
/// days, so nothing due can have started later; the bound errs on the side of reading a few
/// more rows, never of missing one.
pub fn candidates_until(kind: RecordKind, rules: &RetentionRules, now: OffsetDateTime) -> OffsetDateTime {
    now - time::Duration::days(28 * i64::from(rules.months(kind)))
}

/// Why a legal hold was placed: coarse codes, so that the hold itself says nothing about the
/// child; the reference (a file or order number) is kept sealed with the case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// A court proceeding, under way or reasonably expected.
    Litigation,
    /// A police or youth-protection investigation.
    Investigation,
    /// An order of a court or tribunal to preserve the record.
    CourtOrder,
    /// A person's access or rectification request not yet exhausted (the record must be kept
    /// until every recourse is over).
    AccessRequest,
    /// Anything else the supervisor explains in the reference.
    Other,
}

impl HoldReason {
    /// Every reason, in the order shown.
    pub const ALL: [HoldReason; 5] = [
        HoldReason::Litigation,
        HoldReason::Investigation,
        HoldReason::CourtOrder,
        HoldReason::AccessRequest,
        HoldReason::Other,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::Litigation => "litigation",
            HoldReason::Investigation => "investigation",
            HoldReason::CourtOrder => "court_order",
            HoldReason::AccessRequest => "access_request",
            HoldReason::Other => "other",
        }
    }
}

impl FromStr for HoldReason {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HoldReason::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or(UnknownKind)
    }
}

/// A validated request to place a hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldInput {
    /// Why.
    pub reason: HoldReason,
    /// A file, order or request number; never a name.
    pub reference: String,
}

impl HoldInput {
    /// Checks the supervisor's form.
    pub fn parse(reason: &str, reference: &str) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let reason = reason.parse::<HoldReason>().map_err(|_| errors.push("reason", "unknown-value")).ok();
        let reference = crate::error::text_field(&mut errors, "reference", reference, 0, 200);
        errors.into_result()?;
        let reason = reason.ok_or_else(|| ValidationError::single("reason", "unknown-value"))?;
        Ok(Self { reason, reference })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn names_round_trip() {
        for k in RecordKind::ALL {
            assert_eq!(k.as_str().parse::<RecordKind>(), Ok(k));
            assert!(k.default_months() >= k.minimum_months());
        }
        for r in HoldReason::ALL {
            assert_eq!(r.as_str().parse::<HoldReason>(), Ok(r));
        }
        assert!("forever".parse::<RecordKind>().is_err());
    }

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(add_months(datetime!(2024-01-31 10:00 UTC), 1), datetime!(2024-02-29 10:00 UTC));
        assert_eq!(add_months(datetime!(2023-01-31 10:00 UTC), 1), datetime!(2023-02-28 10:00 UTC));
        assert_eq!(add_months(datetime!(2020-03-15 00:00 UTC), 60), datetime!(2025-03-15 00:00 UTC));
        assert_eq!(add_months(datetime!(2025-11-30 00:00 UTC), 3), datetime!(2026-02-28 00:00 UTC));
    }

    #[test]
    fn due_after_the_period_and_never_under_hold() {
        let rules = RetentionRules::default();
        let closed = datetime!(2020-03-15 12:00 UTC);
        assert!(!due(RecordKind::ClosedCase, closed, &rules, false, datetime!(2025-03-15 11:59 UTC)));
        assert!(due(RecordKind::ClosedCase, closed, &rules, false, datetime!(2025-03-15 12:00 UTC)));
        assert!(!due(RecordKind::ClosedCase, closed, &rules, true, datetime!(2045-01-01 00:00 UTC)));
        let screened = datetime!(2025-01-10 00:00 UTC);
        assert!(due(RecordKind::AnonymousScreening, screened, &rules, false, datetime!(2025-07-10 00:00 UTC)));
        assert!(!due(RecordKind::AnonymousScreening, screened, &rules, false, datetime!(2025-07-09 23:59 UTC)));
    }

    /// Nothing due started after the bound the job queries with.
    #[test]
    fn the_query_bound_misses_nothing() {
        let rules = RetentionRules::from_pairs(&[(RecordKind::AnonymousScreening, 1), (RecordKind::ClosedCase, 13)]);
        for now in [datetime!(2025-03-31 08:00 UTC), datetime!(2024-03-01 08:00 UTC), datetime!(2024-02-29 08:00 UTC)] {
            for kind in [RecordKind::AnonymousScreening, RecordKind::ClosedCase] {
                let bound = candidates_until(kind, &rules, now);
                for h in 1..24 * 40 {
                    let since = bound + time::Duration::hours(h);
                    assert!(!due(kind, since, &rules, false, now), "{kind} {now}: {since} due after {bound}");
                }
            }
        }
    }

    #[test]
    fn the_form_is_bounded_and_keeps_the_legal_floor() {
        let form = |cc: &str, inc: &str| {
            vec![
                ("closed_case".to_owned(), cc.to_owned()),
                ("anonymous_screening".to_owned(), "6".to_owned()),
                ("draft_screening".to_owned(), "1".to_owned()),
                ("incident".to_owned(), inc.to_owned()),
            ]
        };
        let ok = parse_rules(&form("84", "72")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.months(RecordKind::ClosedCase), 84);
        assert_eq!(ok.months(RecordKind::Incident), 72);
        let code =
            |r: Result<RetentionRules, ValidationError>| r.err().and_then(|e| e.first().map(|f| (f.field, f.code)));
        assert_eq!(code(parse_rules(&form("0", "60"))), Some(("closed_case", "retention-below-minimum")));
        assert_eq!(code(parse_rules(&form("601", "60"))), Some(("closed_case", "retention-range")));
        assert_eq!(code(parse_rules(&form("-3", "60"))), Some(("closed_case", "retention-range")));
        assert_eq!(code(parse_rules(&form("1.5", "60"))), Some(("closed_case", "retention-range")));
        assert_eq!(code(parse_rules(&form("", "60"))), Some(("closed_case", "required")));
        assert_eq!(code(parse_rules(&form("60", "59"))), Some(("incident", "retention-below-minimum")));
        // A stale stored value below the floor is raised, not obeyed.
        assert_eq!(RetentionRules::from_pairs(&[(RecordKind::Incident, 12)]).months(RecordKind::Incident), 60);
    }

    #[test]
    fn holds_need_a_known_reason() {
        assert!(HoldInput::parse("court_order", "500-41-000000-251").is_ok());
        assert!(HoldInput::parse("whim", "").is_err());
        assert!(HoldInput::parse("other", &"x".repeat(201)).is_err());
    }
}

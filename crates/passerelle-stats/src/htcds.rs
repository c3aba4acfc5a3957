//! A de-identified export of distinct children in the field names and picklists of the Human
//! Trafficking Case Data Standard (HTCDS 2.0, IOM, CC BY 4.0), for partners who pool data the
//! way the Counter Trafficking Data Collaborative (CTDC) does.
//!
//! # What is exported
//!
//! One row per distinct child ([`ChildRow`], after cross-agency linkage), with only these
//! columns ([`FIELDS`]):
//!
//! | Column | HTCDS | Values |
//! |---|---|---|
//! | `yearOfRegistration` | CTDC's variable | the year of first referral, four digits |
//! | `x_QuebecRegion` | extension (HTCDS allows local fields) | administrative region `01`–`17`, or `CA-QC` when only the province is given |
//! | `prs_Gender` | `prs_Gender` | `Feminine`, `Masculine`, `NonConforming`, `NonSpecifiedUnknown` |
//! | `vic_AgeWhenTrafficked` | `vic_AgeWhenTrafficked` | the age band at first referral (`0-11`, `12-13`, `14-15`, `16-17`), or `Unknown` |
//! | `vic_TraffickingStatus` | `vic_TraffickingStatus` | always `PossibleVictimOfTrafficking`: the platform records suspicions, not findings |
//! | `vic_TypeOfExploitation` | `vic_TypeOfExploitation` | `SexualExploitation`, `ForcedLabour`, `Other`; extension values `Multiple` and `Unknown` |
//! | `x_InternalExternal` | extension (HTCDS derives it from `hte_` events) | `Internal`, `External`, `Unknown` |
//! | `org_Type` | `org_Type` of `cas_ReferringOrganisation` | `LawEnforcement`, `LocalGovernmentOrganisation` (youth protection, run regionally), `HealthServiceOrganisation`, `SchoolOrCollege`, `NGO` (community organisations and help lines); extension values `Other` and `Unknown` |
//!
//! Gender follows the platform's published categories, so HTCDS's transgender values are
//! merged into `NonConforming` (as CTDC's synthetic release merges them). A child with several
//! kinds of exploitation is one `Multiple` row: the de-identified row keeps one value per
//! child, and the kinds underneath are not known here.
//!
//! # What is never exported
//!
//! No identifier of any kind: no case or child id, no name, no date finer than the year, no
//! free text, no organisation name. The rows are sorted by their values, so the order of the
//! file says nothing about the order of referrals.
//!
//! # k-anonymity, k = 11
//!
//! Unlike the published tables, these are rows, one per child, without noise. Every column is
//! a quasi-identifier: someone who knows a child's year, region, age, gender and the kind of
//! exploitation could otherwise find that child's row, and the row alone says the child is
//! known to the agencies, which is the secret. So every combination of values in the output is
//! shared by at least [`K_ANONYMITY`] children, CTDC's own rule for its k-anonymised global
//! dataset ("queries cannot return fewer than 10 results"). Children in smaller groups are
//! generalised, in this order, each step only for the rows still in a group that is too small:
//!
//! 1. the region becomes the province (`CA-QC`): the region is the most identifying value in
//!    small communities, and the least useful to international comparisons;
//! 2. the age band becomes `Unknown`;
//! 3. the referring organisation's type becomes `Unknown`.
//!
//! Rows still in a group under k are dropped. [`HtcdsExport`] says how many rows were
//! generalised and how many dropped, so that readers know what is missing.
//!
//! k-anonymity is not differential privacy: it does not compose over repeated exports and
//! protects identity, not every inference. The export is meant for occasional exchanges with
//! partners under an agreement, not for open publication; the differentially private tables of
//! [`crate::publish`](mod@crate::publish) are.

use std::collections::HashMap;

use crate::dimensions::{AgeBand, ChildRow, Exploitation, Gender, InternalExternal, ReferralSource, Region};

/// Each combination of exported values is shared by at least this many children (CTDC's k).
pub const K_ANONYMITY: usize = 11;

/// The exported columns, in order; nothing else is ever written.
pub const FIELDS: [&str; 8] = [
    "yearOfRegistration",
    "x_QuebecRegion",
    "prs_Gender",
    "vic_AgeWhenTrafficked",
    "vic_TraffickingStatus",
    "vic_TypeOfExploitation",
    "x_InternalExternal",
    "org_Type",
];

/// The value of `x_QuebecRegion` when only the province is given.
pub const PROVINCE: &str = "CA-QC";

/// One exported child. Generalised values are the `Unknown` variants (the province, for the
/// region).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HtcdsRow {
    /// Year of first referral.
    pub year: u16,
    /// Region, or [`Region::Unknown`] for the province only.
    pub region: Region,
    /// Gender.
    pub gender: Gender,
    /// Age band at first referral.
    pub age_band: AgeBand,
    /// Type of exploitation.
    pub exploitation: Exploitation,
    /// Internal or external trafficking.
    pub internal_external: InternalExternal,
    /// Who referred the child.
    pub referral: ReferralSource,
}

impl HtcdsRow {
    /// The exported row of a child.
    pub fn of(child: &ChildRow) -> Self {
        Self {
            year: child.period.year(),
            region: child.region,
            gender: child.gender,
            age_band: child.age_band,
            exploitation: child.exploitation,
            internal_external: child.internal_external,
            referral: child.referral_source,
        }
    }

    /// The values, in [`FIELDS`] order.
    pub fn values(&self) -> [String; 8] {
        [
            format!("{:04}", self.year),
            match self.region {
                Region::Unknown => PROVINCE.to_owned(),
                r => r.as_str().to_owned(),
            },
            gender_value(self.gender).to_owned(),
            match self.age_band {
                AgeBand::Unknown => "Unknown".to_owned(),
                a => a.as_str().to_owned(),
            },
            "PossibleVictimOfTrafficking".to_owned(),
            exploitation_value(self.exploitation).to_owned(),
            internal_external_value(self.internal_external).to_owned(),
            org_type_value(self.referral).to_owned(),
        ]
    }
}

/// The HTCDS `prs_Gender` value.
pub const fn gender_value(g: Gender) -> &'static str {
    match g {
        Gender::Girl => "Feminine",
        Gender::Boy => "Masculine",
        Gender::GenderDiverse => "NonConforming",
        Gender::Unknown => "NonSpecifiedUnknown",
    }
}

/// The HTCDS `vic_TypeOfExploitation` value (or an extension value).
pub const fn exploitation_value(e: Exploitation) -> &'static str {
    match e {
        Exploitation::Sexual => "SexualExploitation",
        Exploitation::Labour => "ForcedLabour",
        Exploitation::Other => "Other",
        Exploitation::Multiple => "Multiple",
        Exploitation::Unknown => "Unknown",
    }
}

/// The value of the `x_InternalExternal` extension.
pub const fn internal_external_value(i: InternalExternal) -> &'static str {
    match i {
        InternalExternal::Internal => "Internal",
        InternalExternal::External => "External",
        InternalExternal::Unknown => "Unknown",
    }
}

/// The HTCDS `org_Type` of the referring organisation (or an extension value).
pub const fn org_type_value(r: ReferralSource) -> &'static str {
    match r {
        ReferralSource::Police => "LawEnforcement",
        ReferralSource::YouthProtection => "LocalGovernmentOrganisation",
        ReferralSource::HealthSocialServices => "HealthServiceOrganisation",
        ReferralSource::School => "SchoolOrCollege",
        ReferralSource::CommunityOrganization | ReferralSource::HelpLine => "NGO",
        ReferralSource::SelfOrFamily | ReferralSource::Other => "Other",
        ReferralSource::Unknown => "Unknown",
    }
}

/// The export and what k-anonymity cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HtcdsExport {
    /// The rows, sorted by their values.
    pub rows: Vec<HtcdsRow>,
    /// How many of them had at least one value generalised.
    pub generalized: usize,
    /// How many children were left out because their group stayed under k.
    pub dropped: usize,
}

impl HtcdsExport {
    /// The CSV document: the [`FIELDS`] header, then one line per row.
    pub fn to_csv(&self) -> String {
        let rows: Vec<Vec<String>> = self.rows.iter().map(|r| r.values().to_vec()).collect();
        crate::csv::document(&FIELDS, &rows)
    }
}

/// A generalisation step, in the order they are tried.
const STEPS: [fn(&mut HtcdsRow); 3] =
    [|r| r.region = Region::Unknown, |r| r.age_band = AgeBand::Unknown, |r| r.referral = ReferralSource::Unknown];

fn class_sizes(rows: &[(HtcdsRow, bool)]) -> HashMap<HtcdsRow, usize> {
    let mut sizes = HashMap::new();
    for (row, _) in rows {
        *sizes.entry(*row).or_insert(0) += 1;
    }
    sizes
}

/// The k-anonymous export of `children` (one row per distinct child) with `k` =
/// [`K_ANONYMITY`] in production; see the module documentation for the steps.
pub fn export(children: &[ChildRow], k: usize) -> HtcdsExport {
    let mut rows: Vec<(HtcdsRow, bool)> = children.iter().map(|c| (HtcdsRow::of(c), false)).collect();
    for step in STEPS {
        let sizes = class_sizes(&rows);
        for (row, generalized) in &mut rows {
            if sizes.get(row).copied().unwrap_or(0) < k {
                let before = *row;
                step(row);
                *generalized |= *row != before;
            }
        }
    }
    let sizes = class_sizes(&rows);
    let total = rows.len();
    rows.retain(|(row, _)| sizes.get(row).copied().unwrap_or(0) >= k);
    let dropped = total - rows.len();
    let generalized = rows.iter().filter(|(_, g)| *g).count();
    let mut rows: Vec<HtcdsRow> = rows.into_iter().map(|(r, _)| r).collect();
    rows.sort_unstable();
    HtcdsExport { rows, generalized, dropped }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::dimensions::PresentingSituation;
    use crate::period::Quarter;

    fn child(year: u16, region: Region, age: AgeBand) -> ChildRow {
        ChildRow {
            region,
            age_band: age,
            gender: Gender::Girl,
            internal_external: InternalExternal::Internal,
            exploitation: Exploitation::Sexual,
            presenting_situation: PresentingSituation::RunawayOrMissing,
            referral_source: ReferralSource::Police,
            period: Quarter::new(year, 2).unwrap(),
        }
    }

    fn classes(rows: &[HtcdsRow]) -> HashMap<HtcdsRow, usize> {
        let mut m = HashMap::new();
        for r in rows {
            *m.entry(*r).or_insert(0) += 1;
        }
        m
    }

    /// Picklists and extension values each column may hold.
    fn allowed(column: usize, value: &str) -> bool {
        match column {
            0 => value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()),
            1 => value == PROVINCE || Region::ALL.iter().any(|r| *r != Region::Unknown && r.as_str() == value),
            2 => ["Feminine", "Masculine", "NonConforming", "NonSpecifiedUnknown"].contains(&value),
            3 => ["0-11", "12-13", "14-15", "16-17", "Unknown"].contains(&value),
            4 => value == "PossibleVictimOfTrafficking",
            5 => ["SexualExploitation", "ForcedLabour", "Other", "Multiple", "Unknown"].contains(&value),
            6 => ["Internal", "External", "Unknown"].contains(&value),
            7 => [
                "LawEnforcement",
                "LocalGovernmentOrganisation",
                "HealthServiceOrganisation",
                "SchoolOrCollege",
                "NGO",
                "Other",
                "Unknown",
            ]
            .contains(&value),
            _ => false,
        }
    }

    fn any_child() -> impl Strategy<Value = ChildRow> {
        (
            2024u16..2027,
            0..Region::ALL.len(),
            0..AgeBand::ALL.len(),
            0..Gender::ALL.len(),
            0..InternalExternal::ALL.len(),
            0..Exploitation::ALL.len(),
            0..ReferralSource::ALL.len(),
            1u8..5,
        )
            .prop_map(|(y, r, a, g, i, e, s, q)| ChildRow {
                region: Region::ALL[r],
                age_band: AgeBand::ALL[a],
                gender: Gender::ALL[g],
                internal_external: InternalExternal::ALL[i],
                exploitation: Exploitation::ALL[e],
                presenting_situation: PresentingSituation::Other,
                referral_source: ReferralSource::ALL[s],
                period: Quarter::new(y, q).unwrap(),
            })
    }

    proptest! {
        #[test]
        fn every_class_holds_at_least_k_children_and_nothing_is_lost_silently(
            children in proptest::collection::vec(any_child(), 0..400),
        ) {
            let out = export(&children, K_ANONYMITY);
            for (class, size) in classes(&out.rows) {
                prop_assert!(size >= K_ANONYMITY, "{class:?} has {size}");
            }
            prop_assert_eq!(out.rows.len() + out.dropped, children.len());
            prop_assert!(out.generalized <= out.rows.len());
            let mut sorted = out.rows.clone();
            sorted.sort_unstable();
            prop_assert_eq!(&sorted, &out.rows, "the order says nothing about referrals");
        }
    }

    #[test]
    fn only_the_allowed_columns_and_values_are_written() {
        let mut children: Vec<ChildRow> =
            (0..30).map(|_| child(2026, Region::Montreal, AgeBand::FourteenFifteen)).collect();
        children.extend((0..12).map(|_| {
            let mut c = child(2025, Region::Unknown, AgeBand::Unknown);
            c.exploitation = Exploitation::Multiple;
            c.referral_source = ReferralSource::Unknown;
            c
        }));
        let out = export(&children, K_ANONYMITY);
        let text = out.to_csv();
        let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
        assert_eq!(lines.next(), Some(FIELDS.join(",").as_str()));
        let mut count = 0;
        for line in lines {
            let values: Vec<&str> = line.split(',').collect();
            assert_eq!(values.len(), FIELDS.len(), "{line}");
            for (i, v) in values.iter().enumerate() {
                assert!(allowed(i, v), "column {} holds {v:?}", FIELDS[i]);
            }
            count += 1;
        }
        assert_eq!(count, 42);
        assert_eq!((out.generalized, out.dropped), (0, 0));
    }

    #[test]
    fn the_region_is_generalised_before_the_age_band() {
        // Six in Montréal and five in Laval, same profile: the province suffices.
        let mut children: Vec<ChildRow> =
            (0..6).map(|_| child(2026, Region::Montreal, AgeBand::TwelveThirteen)).collect();
        children.extend((0..5).map(|_| child(2026, Region::Laval, AgeBand::TwelveThirteen)));
        let out = export(&children, K_ANONYMITY);
        assert_eq!((out.rows.len(), out.generalized, out.dropped), (11, 11, 0));
        assert!(out.rows.iter().all(|r| r.region == Region::Unknown && r.age_band == AgeBand::TwelveThirteen));

        // Different regions and different ages: only both steps together make a group of 11.
        let mut children: Vec<ChildRow> =
            (0..6).map(|_| child(2026, Region::Montreal, AgeBand::TwelveThirteen)).collect();
        children.extend((0..5).map(|_| child(2026, Region::Laval, AgeBand::SixteenSeventeen)));
        let out = export(&children, K_ANONYMITY);
        assert_eq!((out.rows.len(), out.generalized, out.dropped), (11, 11, 0));
        assert!(out.rows.iter().all(|r| r.region == Region::Unknown && r.age_band == AgeBand::Unknown));
        assert!(out.rows.iter().all(|r| r.referral == ReferralSource::Police), "the third step was not needed");

        // A group already large enough keeps its region even when others are generalised.
        let mut children: Vec<ChildRow> =
            (0..11).map(|_| child(2026, Region::Montreal, AgeBand::TwelveThirteen)).collect();
        children.extend((0..11).map(|_| child(2026, Region::Laval, AgeBand::TwelveThirteen)));
        let out = export(&children, K_ANONYMITY);
        assert_eq!(out.generalized, 0);
        assert_eq!(out.rows.iter().filter(|r| r.region == Region::Laval).count(), 11);
    }

    #[test]
    fn a_unique_child_is_not_published() {
        // Eleven children alike, and one whose profile no generalisation can hide: another year
        // (years are never generalised) with a different gender.
        let mut children: Vec<ChildRow> =
            (0..11).map(|_| child(2026, Region::Montreal, AgeBand::FourteenFifteen)).collect();
        let mut unique = child(2025, Region::NordDuQuebec, AgeBand::UnderTwelve);
        unique.gender = Gender::Boy;
        unique.exploitation = Exploitation::Labour;
        children.insert(5, unique);
        let out = export(&children, K_ANONYMITY);
        assert_eq!((out.rows.len(), out.dropped), (11, 1));
        assert!(out.rows.iter().all(|r| r.year == 2026 && r.gender == Gender::Girl));
        let text = out.to_csv();
        assert!(!text.contains("2025") && !text.contains("Masculine") && !text.contains("ForcedLabour"));
        // One child alone is never published, whatever it looks like.
        assert!(export(&[unique], K_ANONYMITY).rows.is_empty());
        assert_eq!(export(&[], K_ANONYMITY), HtcdsExport { rows: Vec::new(), generalized: 0, dropped: 0 });
    }
}

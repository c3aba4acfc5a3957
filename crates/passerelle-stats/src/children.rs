//! From case records to distinct children: the unit every published figure counts.
//!
//! The same child known to the police, the DPJ and a shelter is three cases. Coordinators
//! confirm which cases are the same child ([`distinct_children`] takes those confirmed links);
//! each group of linked cases becomes one [`ChildRow`]. Only confirmed links merge: a probable
//! match that nobody confirmed leaves two children, the error that can be corrected later,
//! rather than merging two children, which would hide one.

use time::Date;

use crate::dimensions::{
    AgeBand, ChildRow, Exploitation, ExploitationKind, Gender, InternalExternal, PresentingSituation, ReferralSource,
    Region,
};
use crate::period::{PeriodError, Quarter};

/// The coarse attributes of one case, as the store keeps them in clear.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseAttributes {
    /// When the case was opened (the child's first referral is the earliest of a group).
    pub opened_on: Option<Date>,
    /// The type of the organization that opened it (`police`, `youth_protection`, …).
    pub org_type: String,
    /// Age in years when identified.
    pub age: Option<i32>,
    /// Gender as declared (`girl`, `boy`, `non_binary`, `other`, `not_declared`).
    pub gender: Option<String>,
    /// Administrative region code (`01` to `17`).
    pub region: Option<String>,
    /// `internal` or `external`.
    pub trafficking_type: Option<String>,
    /// Forms of exploitation (the screening vocabulary).
    pub exploitation: Vec<String>,
    /// Presenting situation (the screening vocabulary).
    pub presenting_situation: Option<String>,
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Groups `cases` by the confirmed `links` (pairs of indexes into `cases`; out-of-range pairs
/// are ignored) and returns one row per child, in order of first referral. Within a group the
/// first referral gives the period, region, referral source and presenting situation (falling
/// back to the next case that knows them), the age band is the age at first identification,
/// trafficking is external when any agency found it so, and the forms of exploitation are
/// those of all the agencies together.
///
/// A group whose cases carry no opening date cannot be placed in a period and is an error.
pub fn distinct_children(cases: &[CaseAttributes], links: &[(usize, usize)]) -> Result<Vec<ChildRow>, PeriodError> {
    let mut parent: Vec<usize> = (0..cases.len()).collect();
    for &(a, b) in links {
        if a < cases.len() && b < cases.len() {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); cases.len()];
    for i in 0..cases.len() {
        let root = find(&mut parent, i);
        groups[root].push(i);
    }
    let mut rows: Vec<(Date, ChildRow)> = Vec::new();
    for mut members in groups.into_iter().filter(|g| !g.is_empty()) {
        members.sort_by_key(|&i| (cases[i].opened_on, i));
        let group: Vec<&CaseAttributes> = members.iter().map(|&i| &cases[i]).collect();
        let first_date = group.iter().find_map(|c| c.opened_on);
        let Some(first_date) = first_date else { return Err(PeriodError::MissingDate) };
        rows.push((first_date, child_of(&group, first_date)?));
    }
    rows.sort_by_key(|(d, _)| *d);
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

fn child_of(group: &[&CaseAttributes], first_date: Date) -> Result<ChildRow, PeriodError> {
    let first_known = |f: &dyn Fn(&CaseAttributes) -> Option<String>| group.iter().find_map(|c| f(c));
    let region = first_known(&|c| c.region.clone()).and_then(|r| r.parse().ok()).unwrap_or(Region::Unknown);
    let age_band = group
        .iter()
        .find_map(|c| c.age)
        .and_then(|a| u8::try_from(a).ok())
        .and_then(AgeBand::from_age)
        .unwrap_or(AgeBand::Unknown);
    let gender = group.iter().find_map(|c| c.gender.as_deref().and_then(gender_of)).unwrap_or(Gender::Unknown);
    let types: Vec<&str> = group.iter().filter_map(|c| c.trafficking_type.as_deref()).collect();
    let internal_external = if types.contains(&"external") {
        InternalExternal::External
    } else if types.contains(&"internal") {
        InternalExternal::Internal
    } else {
        InternalExternal::Unknown
    };
    let kinds = group.iter().flat_map(|c| c.exploitation.iter()).filter_map(|e| ExploitationKind::from_screening(e));
    let presenting_situation = group
        .iter()
        .find_map(|c| c.presenting_situation.as_deref().and_then(PresentingSituation::from_screening))
        .unwrap_or(PresentingSituation::Unknown);
    Ok(ChildRow {
        region,
        age_band,
        gender,
        internal_external,
        exploitation: Exploitation::from_kinds(kinds),
        presenting_situation,
        referral_source: referral_of(&group[0].org_type),
        period: Quarter::from_date(first_date)?,
    })
}

/// The platform's gender vocabulary in the published categories.
pub fn gender_of(value: &str) -> Option<Gender> {
    match value {
        "girl" => Some(Gender::Girl),
        "boy" => Some(Gender::Boy),
        "non_binary" | "other" => Some(Gender::GenderDiverse),
        _ => None,
    }
}

/// Where a child was referred from, by the type of the organization that opened the case.
pub fn referral_of(org_type: &str) -> ReferralSource {
    match org_type {
        "police" => ReferralSource::Police,
        "youth_protection" => ReferralSource::YouthProtection,
        "health_social_services" => ReferralSource::HealthSocialServices,
        "school" => ReferralSource::School,
        "shelter" | "community" => ReferralSource::CommunityOrganization,
        "" => ReferralSource::Unknown,
        _ => ReferralSource::Other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use time::macros::date;

    use super::*;

    fn case(opened: Date, org: &str, region: &str, kind: &str, exploitation: &[&str]) -> CaseAttributes {
        CaseAttributes {
            opened_on: Some(opened),
            org_type: org.into(),
            age: Some(15),
            gender: Some("girl".into()),
            region: Some(region.into()),
            trafficking_type: Some(kind.into()),
            exploitation: exploitation.iter().map(|e| (*e).to_owned()).collect(),
            presenting_situation: Some("runaway".into()),
        }
    }

    #[test]
    fn linked_cases_are_one_child_and_unlinked_ones_are_not() {
        let cases = vec![
            case(date!(2026 - 05 - 02), "shelter", "06", "internal", &["sexual_services"]),
            case(date!(2026 - 02 - 10), "police", "13", "internal", &["forced_labour"]),
            case(date!(2026 - 07 - 01), "youth_protection", "06", "external", &[]),
            case(date!(2026 - 03 - 03), "school", "03", "internal", &["sexual_images"]),
        ];
        // 0-1 and 1-2 confirmed (a chain), 3 alone; an out-of-range pair is ignored.
        let rows = distinct_children(&cases, &[(0, 1), (2, 1), (3, 9)]).unwrap();
        assert_eq!(rows.len(), 2);
        let linked = rows[0];
        assert_eq!(linked.period.to_string(), "2026-Q1", "the first referral gives the period");
        assert_eq!(linked.referral_source, ReferralSource::Police);
        assert_eq!(linked.region, Region::Laval);
        assert_eq!(linked.internal_external, InternalExternal::External, "external when any agency found it so");
        assert_eq!(linked.exploitation, Exploitation::Multiple, "all the agencies' findings together");
        assert_eq!(rows[1].referral_source, ReferralSource::School);
        assert_eq!(distinct_children(&cases, &[]).unwrap().len(), 4, "nothing merges without a link");
    }

    #[test]
    fn unknown_values_fall_back_to_the_next_case_that_knows() {
        let mut a = case(date!(2025 - 01 - 05), "police", "06", "internal", &[]);
        a.region = None;
        a.gender = Some("not_declared".into());
        a.age = None;
        a.presenting_situation = None;
        let b = case(date!(2025 - 02 - 05), "shelter", "16", "internal", &["sexual_services"]);
        let rows = distinct_children(&[a, b], &[(0, 1)]).unwrap();
        assert_eq!(rows[0].region, Region::Monteregie);
        assert_eq!(rows[0].gender, Gender::Girl);
        assert_eq!(rows[0].age_band, AgeBand::FourteenFifteen);
        assert_eq!(rows[0].presenting_situation, PresentingSituation::RunawayOrMissing);
        assert_eq!(rows[0].exploitation, Exploitation::Sexual);
    }

    #[test]
    fn a_child_without_any_date_cannot_be_placed() {
        let mut a = case(date!(2025 - 01 - 05), "police", "06", "internal", &[]);
        a.opened_on = None;
        assert!(distinct_children(&[a], &[]).is_err());
    }
}

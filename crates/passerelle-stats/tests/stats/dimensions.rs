//! The published categories.

use std::collections::HashSet;

use passerelle_stats::{
    AgeBand, Exploitation, ExploitationKind, Gender, InternalExternal, PresentingSituation, ReferralSource, Region,
};

fn round_trip<T>(all: &[T])
where
    T: std::str::FromStr + ToString + PartialEq + std::fmt::Debug,
    T::Err: std::fmt::Debug,
{
    let mut names = HashSet::new();
    for value in all {
        let name = value.to_string();
        assert!(names.insert(name.clone()), "duplicate {name}");
        assert_eq!(&name.parse::<T>().unwrap(), value);
    }
    assert!(names.contains("unknown"), "every dimension needs an unknown value");
}

#[test]
fn every_value_round_trips_and_unknown_is_always_there() {
    round_trip(Region::ALL);
    round_trip(AgeBand::ALL);
    round_trip(Gender::ALL);
    round_trip(InternalExternal::ALL);
    round_trip(Exploitation::ALL);
    round_trip(PresentingSituation::ALL);
    round_trip(ReferralSource::ALL);
}

#[test]
fn the_seventeen_regions_by_official_code() {
    let names: Vec<String> = Region::ALL.iter().map(ToString::to_string).collect();
    let mut expected: Vec<String> = (1..=17).map(|code| format!("{code:02}")).collect();
    expected.push("unknown".into());
    assert_eq!(names, expected);
    assert_eq!("06".parse::<Region>().unwrap(), Region::Montreal);
    let refused = "6".parse::<Region>().unwrap_err();
    assert_eq!(refused.dimension, "region");
    assert!("18".parse::<Region>().is_err());
}

#[test]
fn age_bands_cover_every_age_of_a_minor() {
    assert_eq!(AgeBand::from_age(0), Some(AgeBand::UnderTwelve));
    assert_eq!(AgeBand::from_age(11), Some(AgeBand::UnderTwelve));
    assert_eq!(AgeBand::from_age(12), Some(AgeBand::TwelveThirteen));
    assert_eq!(AgeBand::from_age(13), Some(AgeBand::TwelveThirteen));
    assert_eq!(AgeBand::from_age(14), Some(AgeBand::FourteenFifteen));
    assert_eq!(AgeBand::from_age(15), Some(AgeBand::FourteenFifteen));
    assert_eq!(AgeBand::from_age(16), Some(AgeBand::SixteenSeventeen));
    assert_eq!(AgeBand::from_age(17), Some(AgeBand::SixteenSeventeen));
    assert_eq!(AgeBand::from_age(18), None);
    let names: Vec<&str> = AgeBand::ALL.iter().map(|b| b.as_str()).collect();
    assert_eq!(names, ["0-11", "12-13", "14-15", "16-17", "unknown"]);
}

#[test]
fn several_kinds_of_exploitation_count_once_as_multiple() {
    use ExploitationKind::{Labour, Other, Sexual};
    assert_eq!(Exploitation::from_kinds([]), Exploitation::Unknown);
    assert_eq!(Exploitation::from_kinds([Sexual]), Exploitation::Sexual);
    assert_eq!(Exploitation::from_kinds([Sexual, Sexual]), Exploitation::Sexual);
    assert_eq!(Exploitation::from_kinds([Labour]), Exploitation::Labour);
    assert_eq!(Exploitation::from_kinds([Other]), Exploitation::Other);
    assert_eq!(Exploitation::from_kinds([Sexual, Labour]), Exploitation::Multiple);
    assert_eq!(Exploitation::from_kinds([Labour, Labour, Other]), Exploitation::Multiple);
}

#[test]
fn source_vocabularies_map_onto_the_published_values() {
    assert_eq!(Gender::from_htcds("Feminine"), Some(Gender::Girl));
    assert_eq!(Gender::from_htcds("Masculine"), Some(Gender::Boy));
    assert_eq!(Gender::from_htcds("TransgenderMasculine"), Some(Gender::GenderDiverse));
    assert_eq!(Gender::from_htcds("NonConforming"), Some(Gender::GenderDiverse));
    assert_eq!(Gender::from_htcds("NonSpecifiedUnknown"), Some(Gender::Unknown));
    assert_eq!(Gender::from_htcds("feminine"), None);
    assert_eq!(ExploitationKind::from_screening("sexual_images"), Some(ExploitationKind::Sexual));
    assert_eq!(ExploitationKind::from_screening("forced_criminality"), Some(ExploitationKind::Labour));
    assert_eq!(ExploitationKind::from_screening("organ_removal"), Some(ExploitationKind::Other));
    assert_eq!(ExploitationKind::from_screening("nonsense"), None);
    assert_eq!(PresentingSituation::from_screening("arrest_drugs"), Some(PresentingSituation::PoliceContact));
    assert_eq!(PresentingSituation::from_screening("missing"), Some(PresentingSituation::RunawayOrMissing));
    assert_eq!(PresentingSituation::from_screening("hotline"), Some(PresentingSituation::HelpLine));
    assert_eq!(PresentingSituation::from_screening("nonsense"), None);
}

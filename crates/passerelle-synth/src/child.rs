//! The truth about one fictional child: who they are and how they came to be identified.

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::names::{self, GivenPool, Names, Origin};
use crate::region::{self, REGION_WEIGHTS};
use crate::rng::{Rng, Table};

/// Gender, as the child declares it (the `passerelle-core` vocabulary).
pub const GENDER_WEIGHTS: [(&str, u32); 4] = [("girl", 910), ("boy", 60), ("non_binary", 12), ("not_declared", 18)];

/// Age in whole years on the day the child is first identified. Skewed to 14–17 around the
/// usual age of entry (14–15): 11 → 5 %, 12–13 → 10 %, 14–15 → 35 %, 16–17 → 50 %.
pub const AGE_WEIGHTS: [(i32, u32); 7] = [(11, 50), (12, 40), (13, 60), (14, 150), (15, 200), (16, 240), (17, 260)];

/// Internal (within Canada) against external (into Canada) trafficking.
pub const TRAFFICKING_WEIGHTS: [(&str, u32); 2] = [("internal", 95), ("external", 5)];

/// Forms of exploitation (the `passerelle-core` vocabulary), in their canonical order.
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

/// How the child first came to an agency's attention.
pub const PRESENTING_SITUATIONS: [&str; 8] = [
    "runaway",
    "shelter",
    "arrest_illegal_work",
    "health_visit",
    "school_concern",
    "online_report",
    "family_report",
    "police_operation",
];

/// First and last days a child may be identified on.
pub(crate) const FIRST_DAY: Date = match Date::new(2024, 1, 1) {
    Some(d) => d,
    None => panic!("valid constant date"),
};
pub(crate) const LAST_DAY: Date = match Date::new(2026, 9, 30) {
    Some(d) => d,
    None => panic!("valid constant date"),
};

/// One fictional child, as they truly are. Never stored as such: agencies only ever hold
/// [`crate::Record`]s, each with its own small errors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    /// Number of the child in the population, from 0.
    pub id: u32,
    /// Given name(s).
    pub given_name: String,
    /// Family name(s).
    pub surname: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// One of the names in [`GENDER_WEIGHTS`].
    pub gender: String,
    /// Administrative region code, `"01"`..`"17"`.
    pub region: String,
    /// `"internal"` or `"external"`.
    pub trafficking_type: String,
    /// Forms from [`EXPLOITATION`], in that order, at least one.
    pub exploitation: Vec<String>,
    /// `citizen`, `permanent_resident`, `temporary_resident`, `refugee_claimant`, `no_status`
    /// or `unknown`; never `citizen` for external trafficking.
    pub immigration_status: String,
    /// `yes`, `no` or `not_declared`.
    pub indigenous: String,
    /// Language codes, the main one first.
    pub languages: Vec<String>,
    /// One of [`PRESENTING_SITUATIONS`].
    pub presenting_situation: String,
    /// `YYYY-MM-DD`, the day the first agency opened a record.
    pub identified_on: String,
    /// Other names the child goes by.
    pub aliases: Vec<String>,
    /// Fictional phone numbers (NANP 555-01xx, reserved for fiction).
    pub phones: Vec<String>,
    /// Made-up social-media handles.
    pub handles: Vec<String>,
}

/// What the record generator needs beyond the public fields.
pub(crate) struct Truth {
    pub(crate) child: Child,
    pub(crate) origin: Origin,
    pub(crate) birth: Date,
    pub(crate) identified: Date,
}

/// Weight tables prepared once per population.
pub(crate) struct ChildTables {
    names: Names,
    regions: Table<&'static str>,
}

impl ChildTables {
    pub(crate) fn new() -> Self {
        Self { names: Names::new(), regions: Table::new(&REGION_WEIGHTS) }
    }

    pub(crate) fn names(&self) -> &Names {
        &self.names
    }
}

const EXTERNAL_ORIGINS: [(Origin, u32); 7] = [
    (Origin::Latin, 28),
    (Origin::Arabic, 18),
    (Origin::African, 16),
    (Origin::Haitian, 14),
    (Origin::SouthAsian, 12),
    (Origin::Vietnamese, 5),
    (Origin::English, 7),
];

/// Sexual exploitation dominates for minors (about 90 %), labour and criminality are rare,
/// both together rarer still; external trafficking shifts the mix towards labour, domestic
/// servitude and forced marriage.
fn exploitation(rng: &mut Rng, external: bool) -> Vec<String> {
    #[derive(Clone, Copy)]
    enum Kind {
        Sexual,
        Labour,
        Both,
        Other,
    }
    let kinds: &[(Kind, u32)] = if external {
        &[(Kind::Sexual, 700), (Kind::Labour, 150), (Kind::Both, 80), (Kind::Other, 70)]
    } else {
        &[(Kind::Sexual, 900), (Kind::Labour, 50), (Kind::Both, 30), (Kind::Other, 20)]
    };
    let sexual: &[(&[&str], u32)] =
        &[(&["sexual_services"], 62), (&["sexual_services", "sexual_images"], 28), (&["sexual_images"], 10)];
    let labour: &[(&str, u32)] =
        &[("forced_criminality", 45), ("forced_labour", 30), ("domestic_servitude", 15), ("forced_begging", 10)];
    let other: &[(&str, u32)] = &[("forced_marriage", 17), ("domestic_servitude", 2), ("organ_removal", 1)];
    let mut forms: Vec<&str> = Vec::new();
    let kind = *rng.weighted(kinds);
    if matches!(kind, Kind::Sexual | Kind::Both) {
        forms.extend_from_slice(rng.weighted::<&[&str]>(sexual));
    }
    if matches!(kind, Kind::Labour | Kind::Both) {
        forms.push(*rng.weighted(labour));
        if rng.chance(0.15) {
            forms.push(*rng.weighted(labour));
        }
    }
    if matches!(kind, Kind::Other) {
        forms.push(*rng.weighted(other));
    }
    EXPLOITATION.iter().filter(|e| forms.contains(e)).map(|e| (*e).to_owned()).collect()
}

fn immigration_status(rng: &mut Rng, external: bool, origin: Origin) -> &'static str {
    if external {
        rng.weighted::<&str>(&[
            ("temporary_resident", 30),
            ("refugee_claimant", 30),
            ("no_status", 25),
            ("unknown", 10),
            ("permanent_resident", 5),
        ])
    } else if matches!(origin, Origin::Quebecois | Origin::Indigenous) {
        rng.weighted::<&str>(&[("citizen", 96), ("unknown", 4)])
    } else {
        rng.weighted::<&str>(&[
            ("citizen", 78),
            ("permanent_resident", 10),
            ("temporary_resident", 2),
            ("refugee_claimant", 4),
            ("unknown", 6),
        ])
    }
}

fn presenting_situation(rng: &mut Rng, external: bool, exploitation: &[String]) -> &'static str {
    let labour = exploitation.iter().any(|e| !e.starts_with("sexual"));
    let weight = |base: u32, when: bool, then: u32| if when { then } else { base };
    let items = [
        ("runaway", weight(22, external, 6)),
        ("shelter", 10),
        ("arrest_illegal_work", weight(3, labour, 30)),
        ("health_visit", weight(10, external, 16)),
        ("school_concern", weight(12, external, 4)),
        ("online_report", 12),
        ("family_report", weight(12, external, 4)),
        ("police_operation", weight(14, external, 24)),
    ];
    rng.weighted::<&str>(&items)
}

fn phone(rng: &mut Rng, region: &str) -> String {
    let area = rng.pick(region::info(region).area_codes);
    format!("{area}-555-01{:02}", rng.below(100))
}

fn handle(rng: &mut Rng) -> String {
    let a = rng.pick(names::HANDLE_WORDS);
    let b = rng.pick(names::HANDLE_WORDS);
    let sep = rng.pick(&[".", "_", ""]);
    if rng.chance(0.6) { format!("@{a}{sep}{b}{:02}", rng.below(100)) } else { format!("@{a}{sep}{b}") }
}

/// The child numbered `id`.
pub(crate) fn child(rng: &mut Rng, id: u32, tables: &ChildTables) -> Truth {
    let external = *rng.weighted(&TRAFFICKING_WEIGHTS) == "external";
    let region = (*tables.regions.draw(rng)).to_owned();
    let origin = if external { *rng.weighted(&EXTERNAL_ORIGINS) } else { *rng.weighted(region::info(&region).origins) };
    let gender = *rng.weighted(&GENDER_WEIGHTS);
    let pool = match gender {
        "girl" => GivenPool::Girl,
        "boy" => GivenPool::Boy,
        // A non-binary child often goes by an ungendered name; otherwise by the one given at birth.
        _ if rng.chance(0.4) => GivenPool::Unisex,
        _ if rng.chance(0.75) => GivenPool::Girl,
        _ => GivenPool::Boy,
    };
    let given_name = tables.names.given(rng, origin, pool);
    let surname = tables.names.surname(rng, origin);

    let span = LAST_DAY.to_days() - FIRST_DAY.to_days();
    let identified = FIRST_DAY.plus_days(rng.between(0, span));
    let age = *rng.weighted(&AGE_WEIGHTS);
    // Born after `identified` minus age + 1 years and no later than `identified` minus age
    // years, so the age on `identified` is exactly `age`.
    let latest = identified.plus_years(-age);
    let earliest = identified.plus_years(-(age + 1)).plus_days(1);
    let birth = earliest.plus_days(rng.between(0, latest.to_days() - earliest.to_days()));

    let exploitation = exploitation(rng, external);
    let indigenous = if origin == Origin::Indigenous {
        *rng.weighted(&[("yes", 85), ("not_declared", 15)])
    } else {
        *rng.weighted(&[("no", 78), ("not_declared", 20), ("yes", 2)])
    };
    let languages = tables.names.languages(rng, origin, external);
    let situation = presenting_situation(rng, external, &exploitation);

    let mut aliases = Vec::new();
    if rng.chance(0.15) {
        let alias = names::nickname(rng, &given_name)
            .filter(|_| rng.chance(0.5))
            .unwrap_or_else(|| (*rng.pick(names::STREET_NAMES)).to_owned());
        aliases.push(alias);
    }
    let mut phones = Vec::new();
    if rng.chance(0.25) {
        phones.push(phone(rng, &region));
        if rng.chance(0.15) {
            phones.push(phone(rng, &region));
        }
    }
    let mut handles = Vec::new();
    if rng.chance(0.20) {
        handles.push(handle(rng));
    }

    let child = Child {
        id,
        given_name,
        surname,
        birth_date: birth.to_string(),
        gender: gender.to_owned(),
        region,
        trafficking_type: if external { "external" } else { "internal" }.to_owned(),
        exploitation,
        immigration_status: immigration_status(rng, external, origin).to_owned(),
        indigenous: indigenous.to_owned(),
        languages,
        presenting_situation: situation.to_owned(),
        identified_on: identified.to_string(),
        aliases,
        phones,
        handles,
    };
    Truth { child, origin, birth, identified }
}

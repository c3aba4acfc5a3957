//! Québec's seventeen administrative regions (codes 01 to 17).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One administrative region, by its official two-digit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(u8);

/// Code, French name, English name, approximate population (2020).
const REGIONS: [(u8, &str, &str, u32); 17] = [
    (1, "Bas-Saint-Laurent", "Lower St. Lawrence", 198_000),
    (2, "Saguenay–Lac-Saint-Jean", "Saguenay–Lac-Saint-Jean", 279_000),
    (3, "Capitale-Nationale", "Capitale-Nationale", 757_000),
    (4, "Mauricie", "Mauricie", 272_000),
    (5, "Estrie", "Eastern Townships", 331_000),
    (6, "Montréal", "Montréal", 2_067_000),
    (7, "Outaouais", "Outaouais", 398_000),
    (8, "Abitibi-Témiscamingue", "Abitibi-Témiscamingue", 147_000),
    (9, "Côte-Nord", "North Shore", 91_000),
    (10, "Nord-du-Québec", "Northern Québec", 46_000),
    (11, "Gaspésie–Îles-de-la-Madeleine", "Gaspésie–Magdalen Islands", 91_000),
    (12, "Chaudière-Appalaches", "Chaudière-Appalaches", 432_000),
    (13, "Laval", "Laval", 439_000),
    (14, "Lanaudière", "Lanaudière", 524_000),
    (15, "Laurentides", "Laurentians", 632_000),
    (16, "Montérégie", "Montérégie", 1_600_000),
    (17, "Centre-du-Québec", "Centre-du-Québec", 250_000),
];

impl Region {
    /// Every region, in code order.
    pub fn all() -> impl Iterator<Item = Region> {
        REGIONS.iter().map(|r| Region(r.0))
    }

    /// The two-digit code, e.g. `"06"`.
    pub fn code(self) -> String {
        format!("{:02}", self.0)
    }

    fn entry(self) -> (u8, &'static str, &'static str, u32) {
        // Construction guarantees 1..=17, so the index is always present.
        REGIONS.get(usize::from(self.0).saturating_sub(1)).copied().unwrap_or(REGIONS[0])
    }

    /// The name in French (`fr`) or English (any other language).
    pub fn name(self, lang: &str) -> &'static str {
        let e = self.entry();
        if lang == "en" { e.2 } else { e.1 }
    }

    /// Approximate population, used to weight synthetic data.
    pub fn population(self) -> u32 {
        self.entry().3
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

/// A region code that is not one of 01–17.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown region code")]
pub struct UnknownRegion;

impl FromStr for Region {
    type Err = UnknownRegion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UnknownRegion);
        }
        let n: u8 = s.parse().map_err(|_| UnknownRegion)?;
        if (1..=17).contains(&n) { Ok(Region(n)) } else { Err(UnknownRegion) }
    }
}

impl TryFrom<String> for Region {
    type Error = UnknownRegion;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Region> for String {
    fn from(value: Region) -> Self {
        value.code()
    }
}

/// Parses a comma-separated list of region codes (the storage form), sorted and deduplicated.
pub fn parse_list(s: &str) -> Result<Vec<Region>, UnknownRegion> {
    let mut out: Vec<Region> =
        s.split(',').filter(|p| !p.trim().is_empty()).map(str::parse).collect::<Result<_, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// The storage form of a list of regions.
pub fn format_list(regions: &[Region]) -> String {
    regions.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_bounds() {
        assert_eq!(Region::all().count(), 17);
        for r in Region::all() {
            assert_eq!(r.code().parse::<Region>(), Ok(r));
        }
        for bad in ["00", "18", "6", "006", "", "ab", " 1", "-1"] {
            assert!(bad.parse::<Region>().is_err(), "{bad:?} must be refused");
        }
        assert_eq!(" 06 ".parse::<Region>().map(|r| r.name("fr")), Ok("Montréal"));
        assert_eq!("09".parse::<Region>().map(|r| r.name("en")), Ok("North Shore"));
    }

    #[test]
    fn lists_are_sorted_and_unique() {
        let l = parse_list("16,06,16").unwrap_or_default();
        assert_eq!(format_list(&l), "06,16");
        assert!(parse_list("06,99").is_err());
    }
}

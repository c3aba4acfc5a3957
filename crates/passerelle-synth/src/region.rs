//! Québec's seventeen administrative regions as the generator needs them: weight, neighbours,
//! telephone area codes and the mix of name origins.

use crate::names::Origin;

pub(crate) struct RegionInfo {
    pub(crate) code: &'static str,
    /// "de la Capitale-Nationale", "du Bas-Saint-Laurent": the French form after "DPJ".
    pub(crate) of: &'static str,
    /// Population in thousands (2020, the figures `passerelle-core` uses).
    pub(crate) population: u32,
    pub(crate) neighbours: &'static [&'static str],
    pub(crate) area_codes: &'static [&'static str],
    pub(crate) origins: &'static [(Origin, u32)],
    /// Whether the region has a CIUSSS (university-affiliated) rather than a CISSS.
    pub(crate) ciusss: bool,
}

// Assumed mixes, not from the research note: Montréal and Laval are far more diverse than the
// rest of Québec, and First Nations and Inuit communities weigh most in the north.
const METRO: &[(Origin, u32)] = &[
    (Origin::Quebecois, 42),
    (Origin::English, 7),
    (Origin::Haitian, 14),
    (Origin::Arabic, 12),
    (Origin::African, 7),
    (Origin::Latin, 8),
    (Origin::Vietnamese, 3),
    (Origin::SouthAsian, 5),
    (Origin::Indigenous, 2),
];
const MIXED: &[(Origin, u32)] = &[
    (Origin::Quebecois, 75),
    (Origin::English, 6),
    (Origin::Haitian, 4),
    (Origin::Arabic, 5),
    (Origin::African, 3),
    (Origin::Latin, 3),
    (Origin::Vietnamese, 1),
    (Origin::SouthAsian, 1),
    (Origin::Indigenous, 2),
];
const RURAL: &[(Origin, u32)] = &[
    (Origin::Quebecois, 88),
    (Origin::English, 2),
    (Origin::Haitian, 1),
    (Origin::Arabic, 2),
    (Origin::African, 1),
    (Origin::Latin, 2),
    (Origin::Indigenous, 4),
];
const ABITIBI: &[(Origin, u32)] =
    &[(Origin::Quebecois, 76), (Origin::English, 3), (Origin::Indigenous, 20), (Origin::Arabic, 1)];
const COTE_NORD: &[(Origin, u32)] = &[(Origin::Quebecois, 72), (Origin::English, 2), (Origin::Indigenous, 26)];
const NORD: &[(Origin, u32)] = &[(Origin::Indigenous, 65), (Origin::Quebecois, 30), (Origin::English, 5)];

pub(crate) const REGIONS: [RegionInfo; 17] = [
    RegionInfo {
        code: "01",
        of: "du Bas-Saint-Laurent",
        population: 198,
        neighbours: &["12", "11", "03"],
        area_codes: &["418", "581"],
        origins: RURAL,
        ciusss: false,
    },
    RegionInfo {
        code: "02",
        of: "du Saguenay–Lac-Saint-Jean",
        population: 279,
        neighbours: &["03", "09", "10", "04"],
        area_codes: &["418", "581"],
        origins: RURAL,
        ciusss: true,
    },
    RegionInfo {
        code: "03",
        of: "de la Capitale-Nationale",
        population: 757,
        neighbours: &["12", "04", "02", "09"],
        area_codes: &["418", "581", "367"],
        origins: MIXED,
        ciusss: true,
    },
    RegionInfo {
        code: "04",
        of: "de la Mauricie",
        population: 272,
        neighbours: &["17", "03", "14", "02", "10"],
        area_codes: &["819", "873"],
        origins: RURAL,
        ciusss: true,
    },
    RegionInfo {
        code: "05",
        of: "de l'Estrie",
        population: 331,
        neighbours: &["16", "17", "12"],
        area_codes: &["819", "873"],
        origins: MIXED,
        ciusss: true,
    },
    RegionInfo {
        code: "06",
        of: "de Montréal",
        population: 2067,
        neighbours: &["13", "16", "14", "15"],
        area_codes: &["514", "438"],
        origins: METRO,
        ciusss: true,
    },
    RegionInfo {
        code: "07",
        of: "de l'Outaouais",
        population: 398,
        neighbours: &["15", "08"],
        area_codes: &["819", "873"],
        origins: MIXED,
        ciusss: false,
    },
    RegionInfo {
        code: "08",
        of: "de l'Abitibi-Témiscamingue",
        population: 147,
        neighbours: &["07", "10", "15", "04"],
        area_codes: &["819", "873"],
        origins: ABITIBI,
        ciusss: false,
    },
    RegionInfo {
        code: "09",
        of: "de la Côte-Nord",
        population: 91,
        neighbours: &["02", "03", "01", "10"],
        area_codes: &["418", "581"],
        origins: COTE_NORD,
        ciusss: false,
    },
    RegionInfo {
        code: "10",
        of: "du Nord-du-Québec",
        population: 46,
        neighbours: &["08", "02", "09"],
        area_codes: &["819", "418"],
        origins: NORD,
        ciusss: false,
    },
    RegionInfo {
        code: "11",
        of: "de la Gaspésie–Îles-de-la-Madeleine",
        population: 91,
        neighbours: &["01"],
        area_codes: &["418", "581"],
        origins: RURAL,
        ciusss: false,
    },
    RegionInfo {
        code: "12",
        of: "de Chaudière-Appalaches",
        population: 432,
        neighbours: &["03", "01", "05", "17"],
        area_codes: &["418", "581"],
        origins: RURAL,
        ciusss: false,
    },
    RegionInfo {
        code: "13",
        of: "de Laval",
        population: 439,
        neighbours: &["06", "15", "14"],
        area_codes: &["450", "579"],
        origins: METRO,
        ciusss: false,
    },
    RegionInfo {
        code: "14",
        of: "de Lanaudière",
        population: 524,
        neighbours: &["06", "13", "15", "04"],
        area_codes: &["450", "579"],
        origins: MIXED,
        ciusss: false,
    },
    RegionInfo {
        code: "15",
        of: "des Laurentides",
        population: 632,
        neighbours: &["13", "06", "14", "07"],
        area_codes: &["450", "579", "819"],
        origins: MIXED,
        ciusss: false,
    },
    RegionInfo {
        code: "16",
        of: "de la Montérégie",
        population: 1600,
        neighbours: &["06", "05", "17"],
        area_codes: &["450", "579"],
        origins: MIXED,
        ciusss: false,
    },
    RegionInfo {
        code: "17",
        of: "du Centre-du-Québec",
        population: 250,
        neighbours: &["04", "16", "05", "12"],
        area_codes: &["819", "873"],
        origins: RURAL,
        ciusss: false,
    },
];

/// Regions the research note says are over-represented among identified victims.
const OVER_REPRESENTED: [&str; 4] = ["06", "13", "16", "03"];

/// Relative weight of each region among identified children: population in thousands, raised
/// by a quarter for Montréal, Laval, Montérégie and Capitale-Nationale.
pub const REGION_WEIGHTS: [(&str, u32); 17] = {
    let mut out = [("", 0u32); 17];
    let mut i = 0;
    while i < 17 {
        let r = &REGIONS[i];
        let mut over = false;
        let mut j = 0;
        while j < OVER_REPRESENTED.len() {
            if eq(OVER_REPRESENTED[j], r.code) {
                over = true;
            }
            j += 1;
        }
        out[i] = (r.code, if over { r.population * 5 / 4 } else { r.population });
        i += 1;
    }
    out
};

const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == 2 && b.len() == 2 && a[0] == b[0] && a[1] == b[1]
}

/// The index of a region code in [`REGIONS`].
pub(crate) fn index(code: &str) -> Option<usize> {
    REGIONS.iter().position(|r| r.code == code)
}

pub(crate) fn info(code: &str) -> &'static RegionInfo {
    index(code).map_or(&REGIONS[5], |i| &REGIONS[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_are_symmetric_enough_and_valid() {
        for r in &REGIONS {
            assert!(!r.neighbours.is_empty());
            for n in r.neighbours {
                assert!(index(n).is_some(), "{n}");
                assert_ne!(*n, r.code);
            }
        }
        assert_eq!(REGION_WEIGHTS[5], ("06", 2583));
        assert_eq!(REGION_WEIGHTS[0], ("01", 198));
    }
}

//! The network of agencies a demonstration installation holds.
//!
//! Public bodies keep their usual forms ("DPJ de la Capitale-Nationale", "Sûreté du Québec",
//! "CIUSSS de Montréal"), simplified; every shelter, community group, clinic and school
//! service centre has an invented name. Any likeness to a real organization is chance.

use serde::{Deserialize, Serialize};

use crate::region::REGIONS;
use crate::rng::Rng;

/// The kinds of agency, with the same stable names as `passerelle-core`.
pub const ORG_TYPES: [&str; 8] = [
    "youth_protection",
    "police",
    "health_social_services",
    "shelter",
    "community",
    "legal_aid",
    "immigration",
    "school",
];

/// One agency of the network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// Position in [`crate::Population::organizations`]; records refer to it.
    pub index: usize,
    /// Invented (or, for public bodies, generic) name.
    pub name: String,
    /// One of [`ORG_TYPES`].
    pub org_type: String,
    /// Administrative region codes served, `"01"`..`"17"`.
    pub regions: Vec<String>,
}

const SHELTERS: &[&str] = &[
    "Refuge du Fleuve",
    "Maison Phare-Bleu",
    "Havre des Érables-Rouges",
    "Halte des Marées-Hautes",
    "Maison Colibri-Vert",
    "Refuge des Pins-Gris",
    "Maison Étoile-Polaire",
    "Halte du Bois-Franc",
    "Maison de la Grève-Blanche",
    "Refuge Aurore-du-Nord",
    "Havre de la Baie-Tranquille",
    "Maison des Quatre-Vents-Jeunesse",
];

const COMMUNITY: &[&str] = &[
    "Collectif Boussole Jeunesse",
    "Réseau Ancrage",
    "Carrefour Lanterne",
    "Collectif Sentinelle des Ruelles",
    "Regroupement Passage-Nord",
    "Carrefour Main-Tendue",
    "Collectif Fil-d'Ariane",
];

const SCHOOLS: &[&str] = &[
    "Centre de services scolaire des Berges-Unies",
    "Centre de services scolaire du Val-Fleuri",
    "Centre de services scolaire des Hautes-Rives",
];

/// How finely the network is cut, from the number of children it must serve.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scale {
    /// Under 1,000 children: public bodies shared by neighbouring regions (about 27 agencies).
    Small,
    /// Under 20,000: one DPJ and one CISSS/CIUSSS per region (about 54).
    Medium,
    /// 20,000 and more: more police, shelters and community groups (60).
    Large,
}

/// Groups of regions served together at the small scale.
const AREAS: &[(&str, &[&str])] = &[
    ("de Montréal", &["06"]),
    ("de Laval–Laurentides–Lanaudière", &["13", "15", "14"]),
    ("de la Montérégie–Estrie", &["16", "05"]),
    ("de la Capitale-Nationale–Chaudière-Appalaches", &["03", "12"]),
    ("de la Mauricie–Centre-du-Québec", &["04", "17"]),
    ("de l'Est-du-Québec", &["01", "11", "09"]),
    ("du Saguenay–Nord-du-Québec", &["02", "10"]),
    ("de l'Outaouais–Abitibi", &["07", "08"]),
];

struct Builder {
    orgs: Vec<Organization>,
}

impl Builder {
    fn add(&mut self, name: impl Into<String>, org_type: &str, regions: &[&str]) {
        let index = self.orgs.len();
        let regions = regions.iter().map(|r| (*r).to_owned()).collect();
        self.orgs.push(Organization { index, name: name.into(), org_type: org_type.to_owned(), regions });
    }
}

/// The agencies for an installation serving about `n_children` children: in every region a
/// DPJ, a police service and a CISSS/CIUSSS, plus shelters and community groups where most
/// children are, one legal aid office and one immigration service for the whole province. The
/// network grows with `n_children` from about 27 to 60 agencies. `rng` only decides which
/// invented names go where.
pub fn organizations(rng: &mut Rng, n_children: u32) -> Vec<Organization> {
    let scale = match n_children {
        0..1_000 => Scale::Small,
        1_000..20_000 => Scale::Medium,
        _ => Scale::Large,
    };
    let mut shelters = SHELTERS.to_vec();
    rng.shuffle(&mut shelters);
    let mut community = COMMUNITY.to_vec();
    rng.shuffle(&mut community);
    let mut shelters = shelters.into_iter();
    let mut community = community.into_iter();
    let mut b = Builder { orgs: Vec::new() };

    if scale == Scale::Small {
        for (of, regions) in AREAS {
            b.add(format!("DPJ {of}"), "youth_protection", regions);
        }
        for (of, regions) in AREAS {
            let ciusss = regions.iter().any(|r| REGIONS.iter().any(|i| i.code == *r && i.ciusss));
            b.add(format!("{} {of}", if ciusss { "CIUSSS" } else { "CISSS" }), "health_social_services", regions);
        }
    } else {
        for r in &REGIONS {
            b.add(format!("DPJ {}", r.of), "youth_protection", &[r.code]);
        }
        for r in &REGIONS {
            b.add(
                format!("{} {}", if r.ciusss { "CIUSSS" } else { "CISSS" }, r.of),
                "health_social_services",
                &[r.code],
            );
        }
    }

    // The provincial police serves every region outside the two largest cities' islands;
    // municipal services overlap it where cities have their own.
    let sq: Vec<&str> = REGIONS.iter().map(|r| r.code).filter(|c| *c != "06" && *c != "13").collect();
    b.add("Sûreté du Québec", "police", &sq);
    let mut municipal = vec![("Montréal", "06"), ("Laval", "13"), ("Québec", "03")];
    if scale >= Scale::Medium {
        municipal.push(("Longueuil", "16"));
    }
    if scale == Scale::Large {
        municipal.push(("Gatineau", "07"));
    }
    for (city, region) in municipal {
        b.add(format!("Service de police de {city}"), "police", &[region]);
    }

    let shelter_areas: Vec<&[&str]> = match scale {
        Scale::Small => vec![&["06"], &["03", "12"], &["16", "05"], &["13", "15", "14"]],
        Scale::Medium | Scale::Large => {
            let mut v: Vec<&[&str]> = AREAS.iter().map(|(_, regions)| *regions).collect();
            v.push(&["06"]);
            if scale == Scale::Large {
                v.push(&["16"]);
                v.push(&["15", "13"]);
            }
            v
        }
    };
    for regions in shelter_areas {
        if let Some(name) = shelters.next() {
            b.add(name, "shelter", regions);
        }
    }

    let community_areas: &[&[&str]] = match scale {
        Scale::Small => &[&["06", "13"]],
        Scale::Medium => &[&["06"], &["16"], &["03"]],
        Scale::Large => &[&["06"], &["16"], &["03"], &["13"], &["07"]],
    };
    for regions in community_areas {
        if let Some(name) = community.next() {
            b.add(name, "community", regions);
        }
    }

    let all: Vec<&str> = REGIONS.iter().map(|r| r.code).collect();
    b.add("Clinique juridique jeunesse Rive-Claire", "legal_aid", &all);
    b.add("Bureau d'accueil des jeunes migrants", "immigration", &all);
    let schools: &[&[&str]] = match scale {
        Scale::Small => &[],
        Scale::Medium => &[&["06"]],
        Scale::Large => &[&["06"], &["03"]],
    };
    for (regions, name) in schools.iter().zip(SCHOOLS) {
        b.add(*name, "school", regions);
    }
    b.orgs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_size_grows_modestly() {
        let sizes: Vec<usize> = [10, 999, 1_000, 19_999, 20_000, 1_000_000]
            .iter()
            .map(|&n| organizations(&mut Rng::new(1), n).len())
            .collect();
        assert!(sizes.iter().all(|&s| (20..=60).contains(&s)), "{sizes:?}");
        assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    }

    #[test]
    fn every_region_has_the_core_public_bodies() {
        for n in [10, 5_000, 50_000] {
            let orgs = organizations(&mut Rng::new(2), n);
            for r in &REGIONS {
                for t in ["youth_protection", "police", "health_social_services"] {
                    assert!(
                        orgs.iter().any(|o| o.org_type == t && o.regions.iter().any(|x| x == r.code)),
                        "{t} missing in {} at {n}",
                        r.code
                    );
                }
            }
            let mut names: Vec<&str> = orgs.iter().map(|o| o.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), orgs.len(), "names must be unique");
            assert!(orgs.iter().enumerate().all(|(i, o)| o.index == i && ORG_TYPES.contains(&o.org_type.as_str())));
        }
    }
}

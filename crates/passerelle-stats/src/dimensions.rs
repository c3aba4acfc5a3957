//! The coarse, public categories a child is counted under, and the de-identified row itself.
//!
//! Every dimension is a closed list of values known before any data is seen, and every list ends
//! with `unknown`: each child then falls in exactly one cell of every table, which is what keeps
//! each table's sensitivity at 1 (see [`crate::publish`](mod@crate::publish)). The lists are
//! deliberately coarse: CTDC's own releases show that fine categories only produce cells of noise.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::period::Quarter;

/// A text that is not one of a dimension's values.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{value:?} is not a known value of {dimension}")]
pub struct UnknownValue {
    /// The dimension's name.
    pub dimension: &'static str,
    /// The text refused.
    pub value: String,
}

/// A closed list of values, parsed from and written as fixed ASCII names.
macro_rules! category {
    (
        $(#[$meta:meta])*
        $name:ident = $dimension:literal {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// The dimension's name in published tables.
            pub const DIMENSION: &'static str = $dimension;

            /// Every value, in publication order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The value's name in published tables.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// Position in [`Self::ALL`].
            pub(crate) const fn index(self) -> usize {
                self as usize
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(text: &str) -> Result<Self, UnknownValue> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(UnknownValue { dimension: $dimension, value: text.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

category! {
    /// Quebec administrative region (official two-digit code) where the child is served.
    ///
    /// All seventeen are published, even those where cells will mostly be suppressed (09, 10,
    /// 11): merging them is a product decision, and suppression already protects them.
    Region = "region" {
        /// 01 Bas-Saint-Laurent.
        BasSaintLaurent = "01",
        /// 02 Saguenay–Lac-Saint-Jean.
        SaguenayLacSaintJean = "02",
        /// 03 Capitale-Nationale.
        CapitaleNationale = "03",
        /// 04 Mauricie.
        Mauricie = "04",
        /// 05 Estrie.
        Estrie = "05",
        /// 06 Montréal.
        Montreal = "06",
        /// 07 Outaouais.
        Outaouais = "07",
        /// 08 Abitibi-Témiscamingue.
        AbitibiTemiscamingue = "08",
        /// 09 Côte-Nord.
        CoteNord = "09",
        /// 10 Nord-du-Québec.
        NordDuQuebec = "10",
        /// 11 Gaspésie–Îles-de-la-Madeleine.
        GaspesieIlesDeLaMadeleine = "11",
        /// 12 Chaudière-Appalaches.
        ChaudiereAppalaches = "12",
        /// 13 Laval.
        Laval = "13",
        /// 14 Lanaudière.
        Lanaudiere = "14",
        /// 15 Laurentides.
        Laurentides = "15",
        /// 16 Montérégie.
        Monteregie = "16",
        /// 17 Centre-du-Québec.
        CentreDuQuebec = "17",
        /// Not recorded.
        Unknown = "unknown",
    }
}

category! {
    /// Age at first referral, in bands.
    ///
    /// Under 12 is one band because such cases are rare and would otherwise always be
    /// suppressed; two-year bands above reflect the 14–15 median age of entry and the different
    /// services for 12–13, 14–15 and 16–17 year-olds. CTDC's `9–17` band is too coarse for a
    /// child-only platform.
    AgeBand = "age_band" {
        /// 0 to 11 years.
        UnderTwelve = "0-11",
        /// 12 or 13 years.
        TwelveThirteen = "12-13",
        /// 14 or 15 years.
        FourteenFifteen = "14-15",
        /// 16 or 17 years.
        SixteenSeventeen = "16-17",
        /// Not recorded, or only "appears to be a minor".
        Unknown = "unknown",
    }
}

impl AgeBand {
    /// The band of an age in whole years; `None` from 18 on, since an adult is not a child row.
    pub const fn from_age(years: u8) -> Option<Self> {
        match years {
            0..=11 => Some(Self::UnderTwelve),
            12..=13 => Some(Self::TwelveThirteen),
            14..=15 => Some(Self::FourteenFifteen),
            16..=17 => Some(Self::SixteenSeventeen),
            _ => None,
        }
    }
}

category! {
    /// Gender, merged as CTDC does for its synthetic release: the transgender and
    /// non-conforming values are too rare to publish separately without being suppressed.
    Gender = "gender" {
        /// HTCDS `Feminine`.
        Girl = "girl",
        /// HTCDS `Masculine`.
        Boy = "boy",
        /// HTCDS `TransgenderFeminine`, `TransgenderMasculine` and `NonConforming`.
        GenderDiverse = "gender_diverse",
        /// HTCDS `NonSpecifiedUnknown`, or not recorded.
        Unknown = "unknown",
    }
}

impl Gender {
    /// The published value for an HTCDS 2.0 `prs_Gender` picklist value.
    pub fn from_htcds(value: &str) -> Option<Self> {
        match value {
            "Feminine" => Some(Self::Girl),
            "Masculine" => Some(Self::Boy),
            "TransgenderFeminine" | "TransgenderMasculine" | "NonConforming" => Some(Self::GenderDiverse),
            "NonSpecifiedUnknown" => Some(Self::Unknown),
            _ => None,
        }
    }
}

category! {
    /// Whether the trafficking crossed Canada's border.
    InternalExternal = "internal_external" {
        /// Within Canada (including between provinces).
        Internal = "internal",
        /// Across the Canadian border.
        External = "external",
        /// Not established.
        Unknown = "unknown",
    }
}

/// One kind of exploitation recorded for a child; a child may have several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExploitationKind {
    /// Sexual services or sexual images.
    Sexual,
    /// Forced labour, forced criminality, forced begging, domestic servitude.
    Labour,
    /// Forced marriage, organ removal, anything else.
    Other,
}

impl ExploitationKind {
    /// The kind of a screening `exploitation` value (`passerelle-screening` vocabulary).
    pub fn from_screening(value: &str) -> Option<Self> {
        match value {
            "sexual_services" | "sexual_images" => Some(Self::Sexual),
            "forced_labour" | "forced_criminality" | "forced_begging" | "domestic_servitude" => Some(Self::Labour),
            "forced_marriage" | "organ_removal" => Some(Self::Other),
            _ => None,
        }
    }
}

category! {
    /// Type of exploitation, one value per child.
    ///
    /// Exploitation is multi-valued in the record. Counting a child once per kind would let one
    /// child change up to three cells, tripling the table's sensitivity and so its noise; instead
    /// a child with several kinds is counted once, under `multiple` (see
    /// [`Exploitation::from_kinds`]).
    Exploitation = "exploitation" {
        /// Only sexual exploitation.
        Sexual = "sexual",
        /// Only labour exploitation.
        Labour = "labour",
        /// Only other kinds.
        Other = "other",
        /// More than one kind (most often sexual and labour).
        Multiple = "multiple",
        /// None recorded.
        Unknown = "unknown",
    }
}

impl Exploitation {
    /// The single published value for all the kinds recorded for a child.
    pub fn from_kinds(kinds: impl IntoIterator<Item = ExploitationKind>) -> Self {
        let mut first = None;
        for kind in kinds {
            match first {
                None => first = Some(kind),
                Some(seen) if seen != kind => return Self::Multiple,
                Some(_) => {}
            }
        }
        match first {
            None => Self::Unknown,
            Some(ExploitationKind::Sexual) => Self::Sexual,
            Some(ExploitationKind::Labour) => Self::Labour,
            Some(ExploitationKind::Other) => Self::Other,
        }
    }
}

category! {
    /// How the child first came to attention, coarsened from the screening's presenting contexts
    /// (the first one recorded, so that each child counts once).
    PresentingSituation = "presenting_situation" {
        /// Any arrest or police contact (prostitution, immigration, panhandling, illegal work,
        /// drugs).
        PoliceContact = "police_contact",
        /// Ran away or reported missing.
        RunawayOrMissing = "runaway_or_missing",
        /// A health-care visit.
        Health = "health",
        /// At school.
        School = "school",
        /// A shelter or housing service.
        Shelter = "shelter",
        /// A call to a help line.
        HelpLine = "help_line",
        /// Any other situation.
        Other = "other",
        /// Not recorded.
        Unknown = "unknown",
    }
}

impl PresentingSituation {
    /// The published value for a screening `presenting_context` value.
    pub fn from_screening(value: &str) -> Option<Self> {
        match value {
            "arrest_prostitution"
            | "arrest_immigration"
            | "arrest_panhandling"
            | "arrest_illegal_work"
            | "arrest_drugs" => Some(Self::PoliceContact),
            "runaway" | "missing" => Some(Self::RunawayOrMissing),
            "health_visit" => Some(Self::Health),
            "school" => Some(Self::School),
            "shelter" => Some(Self::Shelter),
            "hotline" => Some(Self::HelpLine),
            "other" => Some(Self::Other),
            _ => None,
        }
    }
}

category! {
    /// Who first referred the child (the HTCDS organisation types, regrouped for Quebec).
    ReferralSource = "referral_source" {
        /// Police (HTCDS `LawEnforcement`).
        Police = "police",
        /// Youth protection (DPJ).
        YouthProtection = "youth_protection",
        /// Health and social services (CISSS/CIUSSS, HTCDS `HealthServiceOrganisation`).
        HealthSocialServices = "health_social_services",
        /// A school (HTCDS `SchoolOrCollege`).
        School = "school",
        /// A community organisation (HTCDS `NGO`).
        CommunityOrganization = "community_organization",
        /// A help line.
        HelpLine = "help_line",
        /// The child or the family.
        SelfOrFamily = "self_or_family",
        /// Any other source.
        Other = "other",
        /// Not recorded.
        Unknown = "unknown",
    }
}

/// One distinct child after cross-agency linkage, with only the coarse attributes published.
///
/// There is no identifier on purpose: the tables need none, so none can leak. The caller must
/// pass exactly one row per child; a child present twice would count twice and weaken the
/// guarantee (the noise is calibrated for one contribution per child per table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChildRow {
    /// Region where the child is served.
    pub region: Region,
    /// Age band at first referral.
    pub age_band: AgeBand,
    /// Gender.
    pub gender: Gender,
    /// Internal or external trafficking.
    pub internal_external: InternalExternal,
    /// Type of exploitation (one value per child).
    pub exploitation: Exploitation,
    /// First presenting situation.
    pub presenting_situation: PresentingSituation,
    /// First referral source.
    pub referral_source: ReferralSource,
    /// Quarter of first referral: the child's cohort, which decides the budget year it counts in.
    pub period: Quarter,
}

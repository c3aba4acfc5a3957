//! The closed vocabularies of the facts document and of the result.
//!
//! Every value carries its wire name (the `snake_case` string of the contract)
//! and a short label in both languages, so that the web form, the result
//! page and the explanation all name a fact the same way.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

/// What the strict parser needs from any closed vocabulary, so one function
/// can check every list of the facts document.
pub(crate) trait Vocabulary: Copy + 'static {
    const VALUES: &'static [Self];
    fn wire(self) -> &'static str;
    fn label_in(self, lang: Lang) -> &'static str;
}

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $wire:literal { fr: $fr:literal, en: $en:literal $(,)? }
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        // Each variant is renamed to its wire name so that serde and
        // `as_str` can never disagree.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $wire)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order a form should present them.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The wire name used in the facts and result documents.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            /// The value whose wire name is exactly `s` (case-sensitive,
            /// no trimming: the facts document is a strict format).
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// A short label for forms and explanations.
            pub const fn label(self, lang: Lang) -> &'static str {
                match lang {
                    Lang::Fr => match self {
                        $(Self::$variant => $fr,)+
                    },
                    Lang::En => match self {
                        $(Self::$variant => $en,)+
                    },
                }
            }
        }

        impl Vocabulary for $name {
            const VALUES: &'static [Self] = &[$(Self::$variant),+];
            fn wire(self) -> &'static str {
                self.as_str()
            }
            fn label_in(self, lang: Lang) -> &'static str {
                self.label(lang)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// The person's immigration status, as far as it is known.
    #[derive(Default)]
    ImmigrationStatus {
        /// Canadian citizen.
        Citizen = "citizen" { fr: "citoyenneté canadienne", en: "Canadian citizen" },
        /// Permanent resident.
        PermanentResident = "permanent_resident" { fr: "résidence permanente", en: "permanent resident" },
        /// Visitor, student, worker or other temporary resident.
        TemporaryResident = "temporary_resident" { fr: "résidence temporaire", en: "temporary resident" },
        /// Refugee claimant.
        RefugeeClaimant = "refugee_claimant" { fr: "demande d'asile", en: "refugee claimant" },
        /// No legal status in Canada.
        NoStatus = "no_status" { fr: "sans statut", en: "no status" },
        /// Not known (the default).
        #[default]
        Unknown = "unknown" { fr: "statut inconnu", en: "unknown status" },
    }
}

vocabulary! {
    /// The act element: what was done with the person (Palermo Protocol
    /// art. 3; Criminal Code s. 279.01).
    Act {
        /// Recruited.
        Recruited = "recruited" { fr: "recrutement", en: "recruitment" },
        /// Transported.
        Transported = "transported" { fr: "transport", en: "transportation" },
        /// Transferred to someone else.
        Transferred = "transferred" { fr: "transfert", en: "transfer" },
        /// Received.
        Received = "received" { fr: "accueil", en: "receipt" },
        /// Harboured (lodged, kept somewhere).
        Harboured = "harboured" { fr: "hébergement", en: "harbouring" },
        /// Held.
        Held = "held" { fr: "détention", en: "holding" },
        /// Concealed.
        Concealed = "concealed" { fr: "dissimulation", en: "concealment" },
        /// Someone controlled, directed or influenced the person's movements.
        ControlledMovements = "controlled_movements" {
            fr: "contrôle des déplacements",
            en: "control of movements",
        },
    }
}

vocabulary! {
    /// The means element: how the person was brought under control.
    Means {
        /// Use of force.
        Force = "force" { fr: "recours à la force", en: "use of force" },
        /// Threats.
        Threat = "threat" { fr: "menaces", en: "threats" },
        /// Abduction.
        Abduction = "abduction" { fr: "enlèvement", en: "abduction" },
        /// Fraud.
        Fraud = "fraud" { fr: "fraude", en: "fraud" },
        /// Deception.
        Deception = "deception" { fr: "tromperie", en: "deception" },
        /// Abuse of power or authority.
        AbuseOfPower = "abuse_of_power" { fr: "abus d'autorité", en: "abuse of power" },
        /// Abuse of a position of vulnerability.
        AbuseOfVulnerability = "abuse_of_vulnerability" {
            fr: "abus d'une situation de vulnérabilité",
            en: "abuse of a position of vulnerability",
        },
        /// Payment or benefit given to a person having control over the victim.
        PaymentToPersonInControl = "payment_to_person_in_control" {
            fr: "paiement à une personne ayant autorité sur elle",
            en: "payment to a person in control",
        },
        /// Debt used to keep the person working.
        DebtBondage = "debt_bondage" { fr: "servitude pour dettes", en: "debt bondage" },
        /// Drugs used to control.
        Drugs = "drugs" { fr: "drogues", en: "drugs" },
        /// Isolation from family, friends or help.
        Isolation = "isolation" { fr: "isolement", en: "isolation" },
        /// Identity or travel documents taken away.
        DocumentConfiscation = "document_confiscation" {
            fr: "confiscation des papiers",
            en: "confiscation of documents",
        },
    }
}

vocabulary! {
    /// The purpose element: the kind of exploitation.
    Exploitation {
        /// Sexual services.
        SexualServices = "sexual_services" { fr: "services sexuels", en: "sexual services" },
        /// Sexual images or recordings.
        SexualImages = "sexual_images" { fr: "images sexuelles", en: "sexual images" },
        /// Forced labour.
        ForcedLabour = "forced_labour" { fr: "travail forcé", en: "forced labour" },
        /// Forced criminal activity (drug dealing, theft…).
        ForcedCriminality = "forced_criminality" {
            fr: "criminalité forcée",
            en: "forced criminal activity",
        },
        /// Forced begging.
        ForcedBegging = "forced_begging" { fr: "mendicité forcée", en: "forced begging" },
        /// Domestic servitude.
        DomesticServitude = "domestic_servitude" {
            fr: "servitude domestique",
            en: "domestic servitude",
        },
        /// Forced marriage.
        ForcedMarriage = "forced_marriage" { fr: "mariage forcé", en: "forced marriage" },
        /// Removal of organs or tissue.
        OrganRemoval = "organ_removal" { fr: "prélèvement d'organes", en: "organ removal" },
    }
}

vocabulary! {
    /// How the person first came to the professional's attention.
    PresentingContext {
        /// Arrest or police contact related to prostitution.
        ArrestProstitution = "arrest_prostitution" {
            fr: "arrestation liée à la prostitution",
            en: "prostitution-related arrest",
        },
        /// Arrest or contact for an immigration matter.
        ArrestImmigration = "arrest_immigration" {
            fr: "arrestation liée à l'immigration",
            en: "immigration-related arrest",
        },
        /// Arrest or contact for panhandling.
        ArrestPanhandling = "arrest_panhandling" {
            fr: "arrestation pour mendicité",
            en: "arrest for panhandling",
        },
        /// Arrest or contact for illegal work.
        ArrestIllegalWork = "arrest_illegal_work" {
            fr: "arrestation pour travail illégal",
            en: "arrest for illegal work",
        },
        /// Arrest or contact related to drugs.
        ArrestDrugs = "arrest_drugs" {
            fr: "arrestation liée aux drogues",
            en: "drug-related arrest",
        },
        /// Ran away from home, a foster family or a facility.
        Runaway = "runaway" { fr: "fugue", en: "runaway" },
        /// Reported missing.
        Missing = "missing" { fr: "disparition signalée", en: "reported missing" },
        /// Health-care visit.
        HealthVisit = "health_visit" { fr: "consultation en santé", en: "health visit" },
        /// At school.
        School = "school" { fr: "milieu scolaire", en: "school" },
        /// Shelter or housing service.
        Shelter = "shelter" { fr: "hébergement d'urgence", en: "shelter" },
        /// A call to a help line.
        Hotline = "hotline" { fr: "ligne d'écoute", en: "help line" },
        /// Any other situation.
        Other = "other" { fr: "autre situation", en: "other situation" },
    }
}

impl PresentingContext {
    /// Whether this context is an arrest or police contact (`arrest_*`),
    /// the situations where the non-punishment principle applies.
    pub const fn is_arrest(self) -> bool {
        matches!(
            self,
            Self::ArrestProstitution
                | Self::ArrestImmigration
                | Self::ArrestPanhandling
                | Self::ArrestIllegalWork
                | Self::ArrestDrugs
        )
    }
}

vocabulary! {
    /// A domain of the indicator catalogue (the part of an indicator id
    /// before the dot).
    Domain {
        /// Recruitment and relationship.
        Recruitment = "recruitment" {
            fr: "recrutement et relation",
            en: "recruitment and relationship",
        },
        /// Control and coercion.
        Control = "control" { fr: "contrôle et coercition", en: "control and coercion" },
        /// Identity and documents.
        IdentityDocuments = "identity_documents" {
            fr: "identité et papiers",
            en: "identity and documents",
        },
        /// Mobility, whereabouts and missing episodes.
        Mobility = "mobility" {
            fr: "déplacements et absences",
            en: "mobility and missing episodes",
        },
        /// Physical and sexual health.
        PhysicalHealth = "physical_health" { fr: "santé physique", en: "physical health" },
        /// Money and possessions.
        MaterialFinancial = "material_financial" {
            fr: "argent et biens matériels",
            en: "money and possessions",
        },
        /// Behaviour and emotional state.
        Behavioural = "behavioural" {
            fr: "comportement et état émotionnel",
            en: "behaviour and emotional state",
        },
        /// Online activity.
        Online = "online" { fr: "activités en ligne", en: "online activity" },
        /// Work and labour conditions.
        Labour = "labour" { fr: "travail", en: "work and labour conditions" },
    }
}

vocabulary! {
    /// The screening result.
    Classification {
        /// The elements required for the person's age are all present.
        Indicated = "indicated" { fr: "traite indiquée", en: "trafficking indicated" },
        /// Some elements or several indicator domains: assess further.
        Possible = "possible" { fr: "traite possible", en: "trafficking possible" },
        /// Nothing in these facts points to trafficking.
        NotIndicated = "not_indicated" {
            fr: "aucune indication de traite",
            en: "no indication of trafficking",
        },
    }
}

vocabulary! {
    /// What the minor/adult decision rests on.
    AgeBasis {
        /// The stated or documented age decides.
        Stated = "stated" { fr: "âge déclaré", en: "stated age" },
        /// Minority is presumed although the age is missing or 18+.
        Presumed = "presumed" { fr: "minorité présumée", en: "presumed minor" },
        /// No age and no reason to presume minority.
        Unknown = "unknown" { fr: "âge inconnu", en: "unknown age" },
    }
}

vocabulary! {
    /// Whether the Canadian border was crossed.
    TraffickingType {
        /// Within Canada (movement is not required).
        Internal = "internal" { fr: "traite interne", en: "internal trafficking" },
        /// Across the Canadian border.
        External = "external" { fr: "traite transfrontalière", en: "cross-border trafficking" },
    }
}

vocabulary! {
    /// An action the result calls for.
    Flag {
        /// The person is in danger now: call 911.
        ImmediateDanger = "immediate_danger" { fr: "danger immédiat", en: "immediate danger" },
        /// Mandatory report to the Director of Youth Protection.
        ReportToYouthProtection = "report_to_youth_protection" {
            fr: "signalement à la DPJ",
            en: "report to youth protection (DPJ)",
        },
        /// Treat as a possible victim, not as an offender.
        NonPunishment = "non_punishment" {
            fr: "principe de non-sanction",
            en: "non-punishment principle",
        },
        /// Inform about the temporary resident permit for victims.
        TemporaryResidentPermit = "temporary_resident_permit" {
            fr: "permis de séjour temporaire pour victimes de la traite",
            en: "temporary resident permit for trafficking victims",
        },
    }
}

vocabulary! {
    /// A provision that a professional or investigator should consider.
    LegalBasis {
        /// Criminal Code s. 279.01.
        Cc279_01 = "CC 279.01" { fr: "Traite de personnes", en: "Trafficking in persons" },
        /// Criminal Code s. 279.011.
        Cc279_011 = "CC 279.011" {
            fr: "Traite de personnes âgées de moins de dix-huit ans",
            en: "Trafficking of a person under eighteen years",
        },
        /// Criminal Code s. 279.02(1).
        Cc279_02_1 = "CC 279.02(1)" {
            fr: "Avantage matériel tiré de la traite",
            en: "Material benefit from trafficking",
        },
        /// Criminal Code s. 279.02(2).
        Cc279_02_2 = "CC 279.02(2)" {
            fr: "Avantage matériel tiré de la traite d'une personne mineure",
            en: "Material benefit from trafficking of a minor",
        },
        /// Criminal Code s. 279.03(1).
        Cc279_03_1 = "CC 279.03(1)" {
            fr: "Rétention ou destruction de documents",
            en: "Withholding or destroying documents",
        },
        /// Criminal Code s. 279.03(2).
        Cc279_03_2 = "CC 279.03(2)" {
            fr: "Rétention ou destruction de documents d'une personne mineure",
            en: "Withholding or destroying documents of a minor",
        },
        /// Criminal Code s. 286.1(2).
        Cc286_1_2 = "CC 286.1(2)" {
            fr: "Obtention moyennant rétribution des services sexuels d'une personne mineure",
            en: "Obtaining sexual services of a minor for consideration",
        },
        /// Criminal Code s. 286.2(2).
        Cc286_2_2 = "CC 286.2(2)" {
            fr: "Avantage matériel tiré des services sexuels d'une personne mineure",
            en: "Material benefit from sexual services of a minor",
        },
        /// Criminal Code s. 286.3(2).
        Cc286_3_2 = "CC 286.3(2)" {
            fr: "Proxénétisme visant une personne mineure",
            en: "Procuring a minor",
        },
        /// Criminal Code s. 163.1.
        Cc163_1 = "CC 163.1" {
            fr: "Images sexuelles d'une personne mineure",
            en: "Sexual images of a minor",
        },
        /// Immigration and Refugee Protection Act s. 118.
        Irpa118 = "IRPA 118" {
            fr: "Entrée au Canada organisée par la force, la fraude ou la tromperie (LIPR)",
            en: "Coming into Canada organized by force, fraud or deception (IRPA)",
        },
    }
}

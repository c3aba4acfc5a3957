//! Organizations (agencies) of the network.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{ValidationError, text_field};
use crate::ids::OrgId;
use crate::region::Region;

/// The kind of agency, which later decides default services and legal duties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    /// Direction de la protection de la jeunesse.
    YouthProtection,
    /// A police service.
    Police,
    /// CISSS / CIUSSS and other health and social services.
    HealthSocialServices,
    /// Shelters and housing.
    Shelter,
    /// Community organizations.
    Community,
    /// Legal aid.
    LegalAid,
    /// Immigration services.
    Immigration,
    /// Schools.
    School,
    /// Anything else.
    Other,
}

impl OrgType {
    /// Every type, in the order shown in forms.
    pub const ALL: [OrgType; 9] = [
        OrgType::YouthProtection,
        OrgType::Police,
        OrgType::HealthSocialServices,
        OrgType::Shelter,
        OrgType::Community,
        OrgType::LegalAid,
        OrgType::Immigration,
        OrgType::School,
        OrgType::Other,
    ];

    /// The stable name used in storage, forms and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgType::YouthProtection => "youth_protection",
            OrgType::Police => "police",
            OrgType::HealthSocialServices => "health_social_services",
            OrgType::Shelter => "shelter",
            OrgType::Community => "community",
            OrgType::LegalAid => "legal_aid",
            OrgType::Immigration => "immigration",
            OrgType::School => "school",
            OrgType::Other => "other",
        }
    }
}

impl fmt::Display for OrgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrgType {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgType::ALL.into_iter().find(|t| t.as_str() == s.trim()).ok_or(())
    }
}

/// An organization as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Organization {
    /// Identifier.
    pub id: OrgId,
    /// Public name.
    pub name: String,
    /// Kind of agency.
    pub org_type: OrgType,
    /// Administrative regions served.
    pub regions: Vec<Region>,
    /// Creation time (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Version for optimistic concurrency: every update must name the version it read.
    pub version: i64,
}

/// A validated request to create or rename an organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgInput {
    /// Public name, 2–200 characters.
    pub name: String,
    /// Kind of agency.
    pub org_type: OrgType,
    /// At least one region.
    pub regions: Vec<Region>,
}

impl OrgInput {
    /// Parses raw form or API values; every invalid field is reported at once.
    pub fn parse(name: &str, org_type: &str, regions: &[String]) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let name = text_field(&mut errors, "name", name, 2, 200);
        let org_type = org_type.parse::<OrgType>().unwrap_or_else(|()| {
            errors.push("org_type", "unknown-value");
            OrgType::Other
        });
        let mut parsed = Vec::new();
        for r in regions.iter().flat_map(|r| r.split(',')).filter(|r| !r.trim().is_empty()) {
            if let Ok(region) = r.parse::<Region>() {
                parsed.push(region);
            } else {
                errors.push("regions", "unknown-value");
                break;
            }
        }
        parsed.sort();
        parsed.dedup();
        if parsed.is_empty() && !errors.fields.iter().any(|e| e.field == "regions") {
            errors.push("regions", "required");
        }
        errors.into_result()?;
        Ok(Self { name, org_type, regions: parsed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_good_and_bad() {
        let ok = OrgInput::parse("  DPJ de Montréal ", "youth_protection", &["06".into(), "13,06".into()]);
        let ok = ok.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.name, "DPJ de Montréal");
        assert_eq!(ok.regions.len(), 2);

        let err = OrgInput::parse("", "bank", &[]).err().unwrap_or_default();
        let codes: Vec<_> = err.fields.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(codes, vec![("name", "required"), ("org_type", "unknown-value"), ("regions", "required")]);

        let err = OrgInput::parse("Refuge", "shelter", &["18".into()]).err().unwrap_or_default();
        assert_eq!(err.first().map(|e| e.code), Some("unknown-value"));
        let err = OrgInput::parse(&"x".repeat(201), "shelter", &["01".into()]).err().unwrap_or_default();
        assert_eq!(err.first().map(|e| e.code), Some("too-long"));
    }
}

//! The partner directory: one public profile per organization, versioned like every other
//! record. The regions an organization serves stay in `organizations`; the profile adds what
//! it offers, to whom, in which languages, when, and how to reach its intake desk.

use std::collections::HashMap;

use passerelle_core::directory::{OrgProfile, POPULATIONS, Profile, SERVICES, parse_codes, parse_languages};
use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::org::Organization;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::StoreError;
use crate::{Store, exec, run};

#[derive(sqlx::FromRow)]
struct Row {
    org_id: Uuid,
    services: String,
    populations: String,
    languages: String,
    hours: String,
    intake_phone: Option<String>,
    intake_email: Option<String>,
    description: String,
    accepts_referrals: bool,
    updated_at: OffsetDateTime,
    updated_by: Uuid,
    version: i64,
}

impl TryFrom<Row> for OrgProfile {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        let list = |s: String| vec![s];
        Ok(OrgProfile {
            org_id: OrgId(r.org_id),
            profile: Profile {
                services: parse_codes(&list(r.services), &SERVICES)
                    .map_err(|_| StoreError::Corrupt("directory services"))?,
                populations: parse_codes(&list(r.populations), &POPULATIONS)
                    .map_err(|_| StoreError::Corrupt("directory populations"))?,
                languages: parse_languages(&list(r.languages))
                    .map_err(|_| StoreError::Corrupt("directory languages"))?,
                hours: r.hours,
                intake_phone: r.intake_phone,
                intake_email: r.intake_email,
                description: r.description,
                accepts_referrals: r.accepts_referrals,
            },
            updated_at: r.updated_at,
            updated_by: UserId(r.updated_by),
            version: r.version,
        })
    }
}

const ONE: &str = "SELECT org_id, services, populations, languages, hours, intake_phone, intake_email, description, \
                   accepts_referrals, updated_at, updated_by, version FROM org_profiles WHERE org_id = $1";
const ALL: &str = "SELECT org_id, services, populations, languages, hours, intake_phone, intake_email, description, \
                   accepts_referrals, updated_at, updated_by, version FROM org_profiles";

impl Store {
    /// An organization's profile, if it has written one.
    pub async fn org_profile(&self, org: OrgId) -> Result<Option<OrgProfile>, StoreError> {
        let row: Option<Row> = run!(&self.db, |pool| sqlx::query_as(ONE).bind(org.0).fetch_optional(pool).await)?;
        row.map(TryInto::try_into).transpose()
    }

    /// Writes `org`'s profile if it is still at `version` (0: the organization has none yet).
    /// A stale version, or a first profile written meanwhile by someone else, is a
    /// [`StoreError::Conflict`]; an unknown organization is [`StoreError::NotFound`].
    pub async fn set_org_profile(
        &self,
        org: OrgId,
        by: UserId,
        profile: &Profile,
        version: i64,
    ) -> Result<OrgProfile, StoreError> {
        const INSERT: &str = "INSERT INTO org_profiles (org_id, services, populations, languages, hours, \
                              intake_phone, intake_email, description, accepts_referrals, updated_at, updated_by, \
                              version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1) \
                              ON CONFLICT (org_id) DO NOTHING";
        const UPDATE: &str = "UPDATE org_profiles SET services = $2, populations = $3, languages = $4, hours = $5, \
                              intake_phone = $6, intake_email = $7, description = $8, accepts_referrals = $9, \
                              updated_at = $10, updated_by = $11, version = version + 1 \
                              WHERE org_id = $1 AND version = $12";
        // The organization must exist (and a missing one is not a conflict).
        self.org(org).await?;
        let now = passerelle_core::time::now();
        let services = profile.services.join(",");
        let populations = profile.populations.join(",");
        let languages = profile.languages.join(",");
        macro_rules! bind {
            ($sql:expr) => {
                sqlx::query($sql)
                    .bind(org.0)
                    .bind(services.as_str())
                    .bind(populations.as_str())
                    .bind(languages.as_str())
                    .bind(profile.hours.as_str())
                    .bind(profile.intake_phone.as_deref())
                    .bind(profile.intake_email.as_deref())
                    .bind(profile.description.as_str())
                    .bind(profile.accepts_referrals)
                    .bind(now)
                    .bind(by.0)
            };
        }
        let done =
            if version == 0 { exec!(&self.db, bind!(INSERT))? } else { exec!(&self.db, bind!(UPDATE).bind(version))? };
        if done == 0 {
            return Err(StoreError::Conflict);
        }
        self.org_profile(org).await?.ok_or(StoreError::NotFound)
    }

    /// Every organization by name, each with its profile if it has one.
    pub async fn directory(&self) -> Result<Vec<(Organization, Option<OrgProfile>)>, StoreError> {
        let orgs = self.orgs().await?;
        let rows: Vec<Row> = run!(&self.db, |pool| sqlx::query_as(ALL).fetch_all(pool).await)?;
        let mut profiles: HashMap<Uuid, OrgProfile> =
            rows.into_iter().map(|r| Ok((r.org_id, OrgProfile::try_from(r)?))).collect::<Result<_, StoreError>>()?;
        Ok(orgs.into_iter().map(|o| (profiles.remove(&o.id.0), o)).map(|(p, o)| (o, p)).collect())
    }
}

//! Organizations.

use passerelle_core::ids::OrgId;
use passerelle_core::org::{OrgInput, OrgType, Organization};
use passerelle_core::region;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{StoreError, unique};
use crate::{Store, exec, run};

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    name: String,
    org_type: String,
    regions: String,
    created_at: OffsetDateTime,
    version: i64,
}

impl TryFrom<Row> for Organization {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(Organization {
            id: OrgId(r.id),
            name: r.name,
            org_type: r.org_type.parse::<OrgType>().map_err(|()| StoreError::Corrupt("organization type"))?,
            regions: region::parse_list(&r.regions).map_err(|_| StoreError::Corrupt("organization regions"))?,
            created_at: r.created_at,
            version: r.version,
        })
    }
}

impl Store {
    /// Creates an organization.
    pub async fn create_org(&self, input: &OrgInput) -> Result<Organization, StoreError> {
        const SQL: &str = "INSERT INTO organizations (id, name, org_type, regions, created_at, updated_at, version) \
                           VALUES ($1, $2, $3, $4, $5, $5, 1)";
        let id = OrgId::new();
        let now = passerelle_core::time::now();
        exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(id.0)
                .bind(&input.name)
                .bind(input.org_type.as_str())
                .bind(region::format_list(&input.regions))
                .bind(now)
        )
        .map_err(unique("name"))?;
        Ok(Organization {
            id,
            name: input.name.clone(),
            org_type: input.org_type,
            regions: input.regions.clone(),
            created_at: now,
            version: 1,
        })
    }

    /// One organization.
    pub async fn org(&self, id: OrgId) -> Result<Organization, StoreError> {
        const SQL: &str = "SELECT id, name, org_type, regions, created_at, version FROM organizations WHERE id = $1";
        let row: Row = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        row.try_into()
    }

    /// Every organization, by name.
    pub async fn orgs(&self) -> Result<Vec<Organization>, StoreError> {
        const SQL: &str = "SELECT id, name, org_type, regions, created_at, version FROM organizations ORDER BY name";
        let rows: Vec<Row> = run!(&self.db, |pool| sqlx::query_as(SQL).fetch_all(pool).await)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Changes an organization's profile if it is still at `version`.
    pub async fn update_org(&self, id: OrgId, version: i64, input: &OrgInput) -> Result<Organization, StoreError> {
        const SQL: &str = "UPDATE organizations SET name = $1, org_type = $2, regions = $3, updated_at = $4, \
                           version = version + 1 WHERE id = $5 AND version = $6";
        let now = passerelle_core::time::now();
        let done = exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(&input.name)
                .bind(input.org_type.as_str())
                .bind(region::format_list(&input.regions))
                .bind(now)
                .bind(id.0)
                .bind(version)
        )
        .map_err(unique("name"))?;
        if done == 0 {
            // Tell a stale write from a missing row.
            self.org(id).await?;
            return Err(StoreError::Conflict);
        }
        self.org(id).await
    }
}

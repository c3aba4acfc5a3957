//! The confidentiality-incident register of each organization.
//!
//! The coarse columns (dates, categories, count, assessment) are in clear so the register can
//! be sorted and its notification state shown; the free texts are sealed with the
//! installation's field key and bound to their row. Organizations have no key of their own, so
//! the field key is the strongest protection available here; the form also asks never to
//! write a name. Entries are deleted by the retention job once their keeping period is over.

use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::incident::{IncidentInput, Risk, format_date};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::error::StoreError;
use crate::{Store, exec, run};

const TABLE: &str = "incidents";

/// An entry of the register, decrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    /// Identifier.
    pub id: Uuid,
    /// The organization whose register it is.
    pub org_id: OrgId,
    /// What the officer recorded.
    pub input: IncidentInput,
    /// Who recorded it.
    pub recorded_by: UserId,
    /// When.
    pub recorded_at: OffsetDateTime,
    /// Who changed it last.
    pub updated_by: UserId,
    /// When.
    pub updated_at: OffsetDateTime,
    /// Version for optimistic concurrency.
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    org_id: Uuid,
    occurred_on: Option<String>,
    discovered_on: String,
    description: Vec<u8>,
    categories: String,
    people_affected: i64,
    risk: String,
    risk_reasons: Vec<u8>,
    cai_notified_on: Option<String>,
    persons_notified_on: Option<String>,
    measures: Vec<u8>,
    recorded_by: Uuid,
    recorded_at: OffsetDateTime,
    updated_by: Uuid,
    updated_at: OffsetDateTime,
    version: i64,
}

macro_rules! columns {
    () => {
        "id, org_id, occurred_on, discovered_on, description, categories, people_affected, risk, \
                       risk_reasons, cai_notified_on, persons_notified_on, measures, recorded_by, recorded_at, \
         updated_by, updated_at, version"
    };
}

fn parse_date(s: &str) -> Result<Date, StoreError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, fmt).map_err(|_| StoreError::Corrupt("incident date"))
}

fn opt_date(s: Option<&str>) -> Result<Option<Date>, StoreError> {
    s.map(parse_date).transpose()
}

/// The sealed free texts of one entry.
struct Sealed {
    description: Vec<u8>,
    risk_reasons: Vec<u8>,
    measures: Vec<u8>,
}

impl Store {
    async fn seal_incident(&self, id: Uuid, i: &IncidentInput) -> Result<Sealed, StoreError> {
        Ok(Sealed {
            description: self.seal_system(TABLE, "description", id, i.description.as_bytes()).await?,
            risk_reasons: self.seal_system(TABLE, "risk_reasons", id, i.risk_reasons.as_bytes()).await?,
            measures: self.seal_system(TABLE, "measures", id, i.measures.as_bytes()).await?,
        })
    }

    async fn open_text(&self, column: &str, id: Uuid, sealed: &[u8]) -> Result<String, StoreError> {
        let plain = self.open_system(TABLE, column, id, sealed).await?;
        String::from_utf8(plain.to_vec()).map_err(|_| StoreError::Corrupt("incident text"))
    }

    async fn incident_of_row(&self, r: Row) -> Result<Incident, StoreError> {
        let input = IncidentInput {
            occurred_on: opt_date(r.occurred_on.as_deref())?,
            discovered_on: parse_date(&r.discovered_on)?,
            description: self.open_text("description", r.id, &r.description).await?,
            categories: r.categories.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
            people_affected: r.people_affected,
            risk: Risk::parse(&r.risk).ok_or(StoreError::Corrupt("incident risk"))?,
            risk_reasons: self.open_text("risk_reasons", r.id, &r.risk_reasons).await?,
            cai_notified_on: opt_date(r.cai_notified_on.as_deref())?,
            persons_notified_on: opt_date(r.persons_notified_on.as_deref())?,
            measures: self.open_text("measures", r.id, &r.measures).await?,
        };
        Ok(Incident {
            id: r.id,
            org_id: OrgId(r.org_id),
            input,
            recorded_by: UserId(r.recorded_by),
            recorded_at: r.recorded_at,
            updated_by: UserId(r.updated_by),
            updated_at: r.updated_at,
            version: r.version,
        })
    }

    /// Records an incident in `org`'s register.
    pub async fn create_incident(&self, org: OrgId, by: UserId, i: &IncidentInput) -> Result<Uuid, StoreError> {
        const SQL: &str = "INSERT INTO incidents (id, org_id, occurred_on, discovered_on, description, categories, \
                           people_affected, risk, risk_reasons, cai_notified_on, persons_notified_on, measures, \
                           recorded_by, recorded_at, updated_by, updated_at, version) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $14, 1)";
        let id = Uuid::now_v7();
        let s = self.seal_incident(id, i).await?;
        let now = passerelle_core::time::now();
        exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(id)
                .bind(org.0)
                .bind(i.occurred_on.map(format_date))
                .bind(format_date(i.discovered_on))
                .bind(s.description)
                .bind(i.categories.join(","))
                .bind(i.people_affected)
                .bind(i.risk.as_str())
                .bind(s.risk_reasons)
                .bind(i.cai_notified_on.map(format_date))
                .bind(i.persons_notified_on.map(format_date))
                .bind(s.measures)
                .bind(by.0)
                .bind(now)
        )?;
        Ok(id)
    }

    /// Replaces an entry of `org`'s register. [`StoreError::NotFound`] when `org` has no such
    /// entry, [`StoreError::Conflict`] for a stale `version`.
    pub async fn update_incident(
        &self,
        id: Uuid,
        org: OrgId,
        version: i64,
        by: UserId,
        i: &IncidentInput,
    ) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE incidents SET occurred_on = $1, discovered_on = $2, description = $3, \
                           categories = $4, people_affected = $5, risk = $6, risk_reasons = $7, cai_notified_on = $8, \
                           persons_notified_on = $9, measures = $10, updated_by = $11, updated_at = $12, \
                           version = version + 1 WHERE id = $13 AND org_id = $14 AND version = $15";
        const EXISTS: &str = "SELECT COUNT(*) FROM incidents WHERE id = $1 AND org_id = $2";
        let s = self.seal_incident(id, i).await?;
        let now = passerelle_core::time::now();
        let done = exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(i.occurred_on.map(format_date))
                .bind(format_date(i.discovered_on))
                .bind(s.description)
                .bind(i.categories.join(","))
                .bind(i.people_affected)
                .bind(i.risk.as_str())
                .bind(s.risk_reasons)
                .bind(i.cai_notified_on.map(format_date))
                .bind(i.persons_notified_on.map(format_date))
                .bind(s.measures)
                .bind(by.0)
                .bind(now)
                .bind(id)
                .bind(org.0)
                .bind(version)
        )?;
        if done == 1 {
            return Ok(());
        }
        let n: i64 = run!(&self.db, |pool| sqlx::query_scalar(EXISTS).bind(id).bind(org.0).fetch_one(pool).await)?;
        Err(if n == 0 { StoreError::NotFound } else { StoreError::Conflict })
    }

    /// One entry of `org`'s register ([`StoreError::NotFound`] for another organization's).
    pub async fn incident(&self, org: OrgId, id: Uuid) -> Result<Incident, StoreError> {
        const SQL: &str = concat!("SELECT ", columns!(), " FROM incidents WHERE id = $1 AND org_id = $2");
        let r: Row = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id).bind(org.0).fetch_one(pool).await)?;
        self.incident_of_row(r).await
    }

    /// `org`'s register, most recently discovered first.
    pub async fn incidents_of(&self, org: OrgId) -> Result<Vec<Incident>, StoreError> {
        const SQL: &str = concat!(
            "SELECT ",
            columns!(),
            " FROM incidents WHERE org_id = $1 ORDER BY discovered_on DESC, recorded_at DESC"
        );
        let rows: Vec<Row> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(org.0).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.incident_of_row(r).await?);
        }
        Ok(out)
    }
}

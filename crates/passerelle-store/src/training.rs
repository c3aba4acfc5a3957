//! Training records: each quiz attempt (module, version, score, passed) and the modules an
//! organization requires of a role. The content itself is versioned in the repository; the
//! rules (grading, which requirements are met) are pure functions of the web crate.

use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::role::Role;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::StoreError;
use crate::{Store, in_tx, run};

/// A quiz attempt to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAttempt<'a> {
    /// Who answered.
    pub user: UserId,
    /// Their organization.
    pub org: OrgId,
    /// The module.
    pub module_id: &'a str,
    /// The module's content version.
    pub version: u32,
    /// The language the quiz was taken in (`fr` or `en`).
    pub lang: &'a str,
    /// Questions answered right.
    pub correct: u32,
    /// Questions in the quiz.
    pub total: u32,
    /// Whether the pass mark was reached.
    pub passed: bool,
}

/// A recorded attempt.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Attempt {
    /// Identifier.
    pub id: Uuid,
    /// Who answered.
    pub user_id: Uuid,
    /// The module.
    pub module_id: String,
    /// The module's version.
    pub module_version: i64,
    /// Language.
    pub lang: String,
    /// Questions answered right.
    pub correct: i64,
    /// Questions in the quiz.
    pub total: i64,
    /// Whether it passed.
    pub passed: bool,
    /// When.
    pub created_at: OffsetDateTime,
}

/// A module passed by a person: the first passing attempt of each version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// Who.
    pub user: UserId,
    /// The module.
    pub module_id: String,
    /// The version passed.
    pub version: u32,
    /// When it was first passed.
    pub at: OffsetDateTime,
    /// The score of that attempt, in percent.
    pub percent: u32,
}

/// A module that an organization requires of a role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Requirement {
    /// The role.
    pub role: Role,
    /// The module.
    pub module_id: String,
}

const BY_USER: &str = "SELECT id, user_id, module_id, module_version, lang, correct, total, passed, created_at \
                       FROM training_attempts WHERE user_id = $1 ORDER BY created_at, id";
const PASSED_IN_ORG: &str = "SELECT id, user_id, module_id, module_version, lang, correct, total, passed, created_at \
                             FROM training_attempts WHERE org_id = $1 AND passed ORDER BY created_at, id";

fn completions(attempts: Vec<Attempt>) -> Vec<Completion> {
    // Attempts come oldest first: keep the first pass of each (person, module, version).
    let mut out: Vec<Completion> = Vec::new();
    for a in attempts.into_iter().filter(|a| a.passed) {
        let version = u32::try_from(a.module_version).unwrap_or(0);
        let user = UserId(a.user_id);
        if out.iter().any(|c| c.user == user && c.module_id == a.module_id && c.version == version) {
            continue;
        }
        let percent = u32::try_from((a.correct * 100).checked_div(a.total).unwrap_or(0)).unwrap_or(0);
        out.push(Completion { user, module_id: a.module_id, version, at: a.created_at, percent });
    }
    out
}

impl Store {
    /// Records a quiz attempt.
    pub async fn record_attempt(&self, a: &NewAttempt<'_>) -> Result<Uuid, StoreError> {
        const SQL: &str = "INSERT INTO training_attempts \
                           (id, user_id, org_id, module_id, module_version, lang, correct, total, passed, created_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        let id = Uuid::now_v7();
        let now = passerelle_core::time::now();
        crate::exec!(
            &self.db,
            sqlx::query(SQL)
                .bind(id)
                .bind(a.user.0)
                .bind(a.org.0)
                .bind(a.module_id)
                .bind(i64::from(a.version))
                .bind(a.lang)
                .bind(i64::from(a.correct))
                .bind(i64::from(a.total))
                .bind(a.passed)
                .bind(now)
        )?;
        Ok(id)
    }

    /// A person's attempts, oldest first.
    pub async fn attempts_of(&self, user: UserId) -> Result<Vec<Attempt>, StoreError> {
        Ok(run!(&self.db, |pool| sqlx::query_as(BY_USER).bind(user.0).fetch_all(pool).await)?)
    }

    /// The modules a person has passed (each version once, first pass).
    pub async fn completions_of(&self, user: UserId) -> Result<Vec<Completion>, StoreError> {
        Ok(completions(self.attempts_of(user).await?))
    }

    /// Every completion in an organization, for its administrators and trainers.
    pub async fn org_completions(&self, org: OrgId) -> Result<Vec<Completion>, StoreError> {
        let rows: Vec<Attempt> =
            run!(&self.db, |pool| sqlx::query_as(PASSED_IN_ORG).bind(org.0).fetch_all(pool).await)?;
        Ok(completions(rows))
    }

    /// The modules `org` requires, by role.
    pub async fn training_requirements(&self, org: OrgId) -> Result<Vec<Requirement>, StoreError> {
        const SQL: &str = "SELECT role, module_id FROM training_requirements WHERE org_id = $1";
        let rows: Vec<(String, String)> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(org.0).fetch_all(pool).await)?;
        let mut out: Vec<Requirement> = rows
            .into_iter()
            // A role name this version does not know grants and requires nothing.
            .filter_map(|(role, module_id)| role.parse().ok().map(|role| Requirement { role, module_id }))
            .collect();
        out.sort();
        Ok(out)
    }

    /// The modules `org` requires of anyone holding one of `roles`, without duplicates.
    pub async fn required_modules(&self, org: OrgId, roles: &[Role]) -> Result<Vec<String>, StoreError> {
        let mut out: Vec<String> = self
            .training_requirements(org)
            .await?
            .into_iter()
            .filter(|r| roles.contains(&r.role))
            .map(|r| r.module_id)
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Replaces `org`'s requirements with `list`, in one transaction.
    pub async fn set_training_requirements(
        &self,
        org: OrgId,
        by: UserId,
        list: &[Requirement],
    ) -> Result<(), StoreError> {
        const DELETE: &str = "DELETE FROM training_requirements WHERE org_id = $1";
        const INSERT: &str = "INSERT INTO training_requirements (org_id, role, module_id, created_by, created_at) \
                              VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id, role, module_id) DO NOTHING";
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            sqlx::query(DELETE).bind(org.0).execute(&mut *tx).await?;
            for r in list {
                sqlx::query(INSERT)
                    .bind(org.0)
                    .bind(r.role.as_str())
                    .bind(r.module_id.as_str())
                    .bind(by.0)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }
}

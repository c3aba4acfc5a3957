//! Emergency accesses ("break-glass") and the in-application alerts they raise.
//!
//! Opening an access is one transaction: the grant (its justification sealed under the case
//! key, bound to its row), one alert for each administrator and privacy officer of the case's
//! organization, and the event `break_glass.open` on the case's timeline. Whether a grant
//! lets someone read a case is decided by [`passerelle_core::break_glass::in_force`], in Rust,
//! so the rule is the same pure function on both backends.

use passerelle_core::break_glass::{Grant, Reason, Request, Review, ReviewStatus, expiry, in_force};
use passerelle_core::ids::{AlertId, BreakGlassId, CaseId, OrgId, UserId};
use passerelle_core::role::{Role, parse_roles};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::cases::{open_case, seal_case};
use crate::error::StoreError;
use crate::{Store, case_event, in_tx, run};

const TABLE: &str = "break_glass";
/// The alert kind raised when someone opens a case by emergency access.
pub const ALERT_OPENED: &str = "break_glass.opened";
/// The object type of alerts about an emergency access.
pub const OBJECT_TYPE: &str = "break_glass";

/// An emergency access with what the review page shows, decrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct BreakGlassRecord {
    /// The grant.
    pub grant: Grant,
    /// The case's code.
    pub case_code: String,
    /// The justification; `None` once the case key has been destroyed.
    pub justification: Option<String>,
    /// Who reviewed it.
    pub reviewed_by: Option<UserId>,
    /// When.
    pub reviewed_at: Option<OffsetDateTime>,
    /// The reviewer's note, when given (and while the case key exists).
    pub review_note: Option<String>,
}

impl std::fmt::Debug for BreakGlassRecord {
    // The justification and the note may describe the child: never in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BreakGlassRecord")
            .field("grant", &self.grant)
            .field("case_code", &self.case_code)
            .finish_non_exhaustive()
    }
}

/// An alert for one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Identifier.
    pub id: AlertId,
    /// The organization it concerns.
    pub org_id: OrgId,
    /// Stable kind, such as [`ALERT_OPENED`].
    pub kind: String,
    /// What it is about: a type and an id, nothing else.
    pub object_type: String,
    /// Which one.
    pub object_id: String,
    /// When it was raised.
    pub created_at: OffsetDateTime,
    /// When the person marked it read.
    pub read_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: Uuid,
    case_id: Uuid,
    org_id: Uuid,
    user_id: Uuid,
    reason: String,
    opened_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    review_status: String,
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    #[sqlx(flatten)]
    grant: GrantRow,
    justification_sealed: Vec<u8>,
    reviewed_by: Option<Uuid>,
    reviewed_at: Option<OffsetDateTime>,
    review_note_sealed: Option<Vec<u8>>,
    code: String,
    key_id: Uuid,
}

#[derive(sqlx::FromRow)]
struct AlertRow {
    id: Uuid,
    org_id: Uuid,
    kind: String,
    object_type: String,
    object_id: String,
    created_at: OffsetDateTime,
    read_at: Option<OffsetDateTime>,
}

/// A `SELECT` of a grant's columns from `break_glass b`, followed by `$rest`.
macro_rules! select_grant {
    ($rest:literal) => {
        concat!(
            "SELECT b.id, b.case_id, b.org_id, b.user_id, b.reason, b.opened_at, b.expires_at, b.review_status",
            $rest
        )
    };
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> Result<Self, StoreError> {
        Ok(Grant {
            id: BreakGlassId(r.id),
            case_id: CaseId(r.case_id),
            org_id: OrgId(r.org_id),
            user_id: UserId(r.user_id),
            reason: r.reason.parse::<Reason>().map_err(|_| StoreError::Corrupt("break-glass reason"))?,
            opened_at: r.opened_at,
            expires_at: r.expires_at,
            review: r.review_status.parse::<ReviewStatus>().map_err(|_| StoreError::Corrupt("break-glass review"))?,
        })
    }
}

impl From<AlertRow> for Alert {
    fn from(r: AlertRow) -> Self {
        Alert {
            id: AlertId(r.id),
            org_id: OrgId(r.org_id),
            kind: r.kind,
            object_type: r.object_type,
            object_id: r.object_id,
            created_at: r.created_at,
            read_at: r.read_at,
        }
    }
}

fn text(plain: &[u8], what: &'static str) -> Result<String, StoreError> {
    String::from_utf8(plain.to_vec()).map_err(|_| StoreError::Corrupt(what))
}

impl Store {
    /// Opens a case by emergency access for `user`, from `now` for the fixed duration, in one
    /// transaction: the grant, an alert to every active administrator and privacy officer of
    /// the case's organization (other than `user`), and the event `break_glass.open`.
    ///
    /// [`StoreError::NotFound`] when the case does not exist or `user` is not a member of its
    /// organization (emergency access never crosses organizations); [`StoreError::Conflict`]
    /// once the case key has been destroyed. Who may open one is the caller's rule
    /// ([`passerelle_core::break_glass::may_break_glass`]).
    pub async fn open_break_glass(
        &self,
        case: CaseId,
        user: UserId,
        request: &Request,
        now: OffsetDateTime,
    ) -> Result<Grant, StoreError> {
        const CASE_ORG: &str = "SELECT org_id FROM cases WHERE id = $1";
        const MEMBERS: &str = "SELECT id, org_id, roles, status FROM users WHERE org_id = $1 ORDER BY id";
        const INSERT: &str = "INSERT INTO break_glass (id, case_id, org_id, user_id, reason, justification_sealed, \
                              opened_at, expires_at, review_status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending')";
        const ALERT: &str = "INSERT INTO alerts (id, org_id, recipient_user_id, kind, object_type, object_id, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let now = passerelle_core::time::truncate(now);
        let org = OrgId(run!(&self.db, |pool| sqlx::query_scalar(CASE_ORG).bind(case.0).fetch_one(pool).await)?);
        let (key_id, key) = self.live_case_key(case).await?;
        let id = BreakGlassId::new();
        let sealed = seal_case(&key, key_id, TABLE, "justification", id.0, request.justification.as_bytes())?;
        let grant = Grant {
            id,
            case_id: case,
            org_id: org,
            user_id: user,
            reason: request.reason,
            opened_at: now,
            expires_at: expiry(now),
            review: ReviewStatus::Pending,
        };
        in_tx!(&self.db, |tx| {
            let members: Vec<(Uuid, Uuid, String, String)> =
                sqlx::query_as(MEMBERS).bind(org.0).fetch_all(&mut *tx).await?;
            if !members.iter().any(|(u, _, _, _)| *u == user.0) {
                return Err(StoreError::NotFound);
            }
            sqlx::query(INSERT)
                .bind(id.0)
                .bind(case.0)
                .bind(org.0)
                .bind(user.0)
                .bind(request.reason.as_str())
                .bind(&sealed)
                .bind(now)
                .bind(grant.expires_at)
                .execute(&mut *tx)
                .await?;
            for (member, member_org, roles, status) in &members {
                let roles = parse_roles(roles).map_err(|_| StoreError::Corrupt("user roles"))?;
                let watches = roles.iter().any(|r| matches!(r, Role::OrgAdmin | Role::PrivacyOfficer));
                if *member != user.0 && status == "active" && watches {
                    sqlx::query(ALERT)
                        .bind(Uuid::now_v7())
                        .bind(member_org)
                        .bind(member)
                        .bind(ALERT_OPENED)
                        .bind(OBJECT_TYPE)
                        .bind(id.0.to_string())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            case_event!(tx, case.0, now, Some(user.0), "break_glass.open", Some(id.0.to_string()));
        });
        Ok(grant)
    }

    /// The emergency access in force for `user` on `case` at `now`, if any (the one ending
    /// last when several are).
    pub async fn active_break_glass(
        &self,
        case: CaseId,
        user: UserId,
        now: OffsetDateTime,
    ) -> Result<Option<Grant>, StoreError> {
        // Few rows per person and case: the instants are compared by the pure rule, not by
        // SQL, so both backends decide alike.
        const SQL: &str = select_grant!(" FROM break_glass b WHERE b.case_id = $1 AND b.user_id = $2");
        let rows: Vec<GrantRow> =
            run!(&self.db, |pool| sqlx::query_as(SQL).bind(case.0).bind(user.0).fetch_all(pool).await)?;
        let mut best: Option<Grant> = None;
        for r in rows {
            let g = Grant::try_from(r)?;
            if in_force(&g, user, case, now) && best.as_ref().is_none_or(|b| b.expires_at < g.expires_at) {
                best = Some(g);
            }
        }
        Ok(best)
    }

    /// One emergency access (nothing decrypted).
    pub async fn break_glass_grant(&self, id: BreakGlassId) -> Result<Grant, StoreError> {
        const SQL: &str = select_grant!(" FROM break_glass b WHERE b.id = $1");
        let row: GrantRow = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        row.try_into()
    }

    /// Every emergency access to `case`, oldest first (nothing decrypted).
    pub async fn break_glass_of_case(&self, case: CaseId) -> Result<Vec<Grant>, StoreError> {
        const SQL: &str = select_grant!(" FROM break_glass b WHERE b.case_id = $1 ORDER BY b.opened_at, b.id");
        let rows: Vec<GrantRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(case.0).fetch_all(pool).await)?;
        rows.into_iter().map(Grant::try_from).collect()
    }

    /// The emergency accesses of `org`'s cases, newest first, at most `limit` (1 to 1000),
    /// with their justification and review note decrypted for the privacy officer.
    pub async fn break_glass_of_org(&self, org: OrgId, limit: i64) -> Result<Vec<BreakGlassRecord>, StoreError> {
        const SQL: &str = select_grant!(
            ", b.justification_sealed, b.reviewed_by, b.reviewed_at, b.review_note_sealed, c.code, c.key_id \
             FROM break_glass b JOIN cases c ON c.id = b.case_id WHERE b.org_id = $1 \
             ORDER BY b.opened_at DESC, b.id DESC LIMIT $2"
        );
        let rows: Vec<RecordRow> =
            run!(&self.db, |pool| sqlx::query_as(SQL).bind(org.0).bind(limit.clamp(1, 1000)).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let key = self.case_key(r.key_id).await?;
            let id = r.grant.id;
            let (justification, review_note) = match &key {
                Some(key) => {
                    let j = open_case(key, TABLE, "justification", id, &r.justification_sealed)?;
                    let note = match &r.review_note_sealed {
                        Some(s) => Some(text(&open_case(key, TABLE, "review_note", id, s)?, "review note")?),
                        None => None,
                    };
                    (Some(text(&j, "justification")?), note)
                }
                None => (None, None),
            };
            out.push(BreakGlassRecord {
                grant: r.grant.try_into()?,
                case_code: r.code,
                justification,
                reviewed_by: r.reviewed_by.map(UserId),
                reviewed_at: r.reviewed_at,
                review_note,
            });
        }
        Ok(out)
    }

    /// Records the review of an emergency access, once, with the event
    /// `break_glass.<approved|flagged>` on the case, in one transaction. The note is sealed
    /// under the case key (dropped once that key is destroyed: nowhere safe to keep it).
    ///
    /// [`StoreError::NotFound`] when the access does not exist; [`StoreError::Conflict`] when
    /// it was reviewed already or `reviewer` opened it. Who may review is the caller's rule
    /// ([`passerelle_core::break_glass::may_review`]).
    pub async fn review_break_glass(
        &self,
        id: BreakGlassId,
        reviewer: UserId,
        review: &Review,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const UPDATE: &str = "UPDATE break_glass SET review_status = $1, reviewed_by = $2, reviewed_at = $3, \
                              review_note_sealed = $4 WHERE id = $5 AND review_status = 'pending' AND user_id <> $2";
        const EXISTS: &str = "SELECT COUNT(*) FROM break_glass WHERE id = $1";
        if review.status == ReviewStatus::Pending {
            return Err(StoreError::Conflict);
        }
        let now = passerelle_core::time::truncate(now);
        let grant = self.break_glass_grant(id).await?;
        let note = match (&review.note, self.case_key_of(grant.case_id).await?) {
            (Some(n), Some((key_id, key))) => Some(seal_case(&key, key_id, TABLE, "review_note", id.0, n.as_bytes())?),
            _ => None,
        };
        in_tx!(&self.db, |tx| {
            let done = sqlx::query(UPDATE)
                .bind(review.status.as_str())
                .bind(reviewer.0)
                .bind(now)
                .bind(note.as_deref())
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                let n: i64 = sqlx::query_scalar(EXISTS).bind(id.0).fetch_one(&mut *tx).await?;
                return Err(if n == 0 { StoreError::NotFound } else { StoreError::Conflict });
            }
            case_event!(
                tx,
                grant.case_id.0,
                now,
                Some(reviewer.0),
                format!("break_glass.{}", review.status.as_str()),
                Some(id.0.to_string())
            );
        });
        Ok(())
    }

    /// Ends an emergency access before its time (its expiry becomes `now`), at the request of
    /// the person who opened it, with the event `break_glass.end`. Idempotent once ended;
    /// [`StoreError::NotFound`] when no such access of `user` exists.
    pub async fn end_break_glass(&self, id: BreakGlassId, user: UserId, now: OffsetDateTime) -> Result<(), StoreError> {
        // Conditional on the expiry read, so two ends at once record one event.
        const UPDATE: &str =
            "UPDATE break_glass SET expires_at = $1 WHERE id = $2 AND user_id = $3 AND expires_at = $4";
        let now = passerelle_core::time::truncate(now);
        let grant = self.break_glass_grant(id).await?;
        if grant.user_id != user {
            return Err(StoreError::NotFound);
        }
        if grant.expires_at <= now {
            return Ok(());
        }
        in_tx!(&self.db, |tx| {
            let done =
                sqlx::query(UPDATE).bind(now).bind(id.0).bind(user.0).bind(grant.expires_at).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                case_event!(tx, grant.case_id.0, now, Some(user.0), "break_glass.end", Some(id.0.to_string()));
            }
        });
        Ok(())
    }

    /// The case's key id and key, or `None` once destroyed.
    async fn case_key_of(
        &self,
        case: CaseId,
    ) -> Result<Option<(Uuid, std::sync::Arc<passerelle_crypto::keys::DataKey>)>, StoreError> {
        match self.live_case_key(case).await {
            Ok(k) => Ok(Some(k)),
            Err(StoreError::Conflict) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `user`'s alerts, newest first, at most `limit` (1 to 1000).
    pub async fn alerts_for(&self, user: UserId, limit: i64) -> Result<Vec<Alert>, StoreError> {
        const SQL: &str = "SELECT id, org_id, kind, object_type, object_id, created_at, read_at FROM alerts \
                           WHERE recipient_user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2";
        let rows: Vec<AlertRow> =
            run!(&self.db, |pool| sqlx::query_as(SQL).bind(user.0).bind(limit.clamp(1, 1000)).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Alert::from).collect())
    }

    /// How many of `user`'s alerts are not read yet.
    pub async fn unread_alert_count(&self, user: UserId) -> Result<i64, StoreError> {
        const SQL: &str = "SELECT COUNT(*) FROM alerts WHERE recipient_user_id = $1 AND read_at IS NULL";
        Ok(run!(&self.db, |pool| sqlx::query_scalar(SQL).bind(user.0).fetch_one(pool).await)?)
    }

    /// Marks one of `user`'s alerts read (idempotent). [`StoreError::NotFound`] when the
    /// alert does not exist or is someone else's.
    pub async fn mark_alert_read(&self, id: AlertId, user: UserId, now: OffsetDateTime) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE alerts SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND recipient_user_id = $3";
        let now = passerelle_core::time::truncate(now);
        let n = crate::exec!(&self.db, sqlx::query(SQL).bind(now).bind(id.0).bind(user.0))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

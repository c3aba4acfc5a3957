//! Information exchange: consents and legal bases recorded on a child's case, referrals to
//! other organizations, the services the receiver reports and the messages of a referral.
//!
//! The rules (who may share what, who may see what) are pure functions in
//! `passerelle_core::{consent, referral}`; this module stores and returns the facts they need.
//! Free text is sealed under the sender case's key, like the case's own notes: destroying that
//! key shreds the exchange as well. Every change is one transaction with its timeline event on
//! the sender's case (which records ids only, never text).

use passerelle_core::consent::{Authority, BasisRecord, Category, Consent, Grant, LegalBasis};
use passerelle_core::ids::{BasisId, CaseId, ConsentId, MessageId, OrgId, ReferralId, ReferralServiceId, UserId};
use passerelle_core::referral::{Answer, DeclineReason, ServiceInput, Status};
use passerelle_core::role::Role;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::cases::{KEY_OF, open_case, seal_case};
use crate::error::StoreError;
use crate::{Store, case_event, in_tx, run};

const BASES: &str = "legal_bases";
const REFERRALS: &str = "referrals";
const SERVICES: &str = "referral_services";
const MESSAGES: &str = "referral_messages";

/// Alert kind: a referral arrived (to each case worker and supervisor of the receiver).
pub const ALERT_RECEIVED: &str = "referral.received";
/// Alert kind: a referral was accepted or declined (to the worker who sent it).
pub const ALERT_ANSWERED: &str = "referral.answered";
/// Object type of referral alerts (the object id is the referral's).
pub const ALERT_OBJECT: &str = "referral";

const INSERT_ALERT: &str = "INSERT INTO alerts (id, org_id, recipient_user_id, kind, object_type, object_id, created_at) \
                            VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// A consent or a legal basis as stored, seen as the one thing that allowed a referral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantRecord {
    /// A consent.
    Consent(Consent),
    /// A legal basis.
    Basis(BasisRecord),
}

impl GrantRecord {
    /// The rule's view of it.
    pub fn as_grant(&self) -> Grant<'_> {
        match self {
            GrantRecord::Consent(c) => Grant::Consent(c),
            GrantRecord::Basis(b) => Grant::Basis(b),
        }
    }
}

/// A referral, with its texts decrypted (`None` once the sender case's key is destroyed).
#[derive(Clone, PartialEq, Eq)]
pub struct ReferralRecord {
    /// Identifier.
    pub id: ReferralId,
    /// The sender's case.
    pub case_id: CaseId,
    /// The sending organization.
    pub from_org: OrgId,
    /// The receiving organization.
    pub to_org: OrgId,
    /// The consent or basis that allowed it.
    pub authority: Authority,
    /// The shared categories (canonical order).
    pub categories: Vec<Category>,
    /// Why the child is referred, in the sender's words.
    pub note: Option<String>,
    /// Where it stands.
    pub status: Status,
    /// Who sent it.
    pub sent_by: UserId,
    /// When.
    pub sent_at: OffsetDateTime,
    /// The receiving worker who accepted it.
    pub accepted_by: Option<UserId>,
    /// Who answered.
    pub decided_by: Option<UserId>,
    /// When.
    pub decided_at: Option<OffsetDateTime>,
    /// Why it was declined.
    pub decline_reason: Option<DeclineReason>,
    /// The receiver's words when declining.
    pub decline_note: Option<String>,
    /// Who closed or cancelled it.
    pub closed_by: Option<UserId>,
    /// When.
    pub closed_at: Option<OffsetDateTime>,
    /// Version for optimistic concurrency.
    pub version: i64,
}

impl std::fmt::Debug for ReferralRecord {
    // The notes may name the child: never in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferralRecord")
            .field("id", &self.id)
            .field("case_id", &self.case_id)
            .field("from_org", &self.from_org)
            .field("to_org", &self.to_org)
            .field("status", &self.status)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A service the receiver reports.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    /// Identifier.
    pub id: ReferralServiceId,
    /// The receiver's organization.
    pub org_id: OrgId,
    /// Who recorded it.
    pub author: UserId,
    /// When.
    pub at: OffsetDateTime,
    /// One of `passerelle_core::plan::SERVICE_KINDS`.
    pub kind: String,
    /// First day, `YYYY-MM-DD`.
    pub started_on: String,
    /// What, in a few words (empty once the key is destroyed).
    pub detail: String,
}

impl std::fmt::Debug for ServiceEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceEntry").field("id", &self.id).field("kind", &self.kind).finish_non_exhaustive()
    }
}

/// A message of a referral, decrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    /// Identifier.
    pub id: MessageId,
    /// The author's organization.
    pub org_id: OrgId,
    /// The author.
    pub author: UserId,
    /// When.
    pub at: OffsetDateTime,
    /// The text.
    pub body: String,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message").field("id", &self.id).field("author", &self.author).finish_non_exhaustive()
    }
}

/// A new referral, checked by the consent rules.
#[derive(Clone, Debug)]
pub struct NewReferral<'a> {
    /// The sender's case.
    pub case_id: CaseId,
    /// The receiving organization.
    pub to_org: OrgId,
    /// The consent or basis [`passerelle_core::consent::may_share`] named.
    pub authority: Authority,
    /// The shared categories.
    pub categories: &'a [Category],
    /// Why the child is referred.
    pub note: &'a str,
    /// The sender.
    pub sent_by: UserId,
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

fn split<T: std::str::FromStr>(s: &str, what: &'static str) -> Result<Vec<T>, StoreError> {
    s.split(',').filter(|p| !p.is_empty()).map(|p| p.parse().map_err(|_| StoreError::Corrupt(what))).collect()
}

fn day(s: &str) -> Result<Date, StoreError> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| StoreError::Corrupt("date"))
}

fn text(plain: &[u8], what: &'static str) -> Result<String, StoreError> {
    String::from_utf8(plain.to_vec()).map_err(|_| StoreError::Corrupt(what))
}

#[derive(sqlx::FromRow)]
struct ConsentRow {
    id: Uuid,
    case_id: Uuid,
    org_id: Uuid,
    giver: String,
    child_age: Option<i32>,
    form: String,
    purposes: String,
    recipients: String,
    categories: String,
    valid_from: String,
    valid_until: String,
    withdrawn_at: Option<OffsetDateTime>,
    recorded_by: Uuid,
}

impl ConsentRow {
    fn into_consent(self) -> Result<Consent, StoreError> {
        let bad = |_| StoreError::Corrupt("consent");
        Ok(Consent {
            id: ConsentId(self.id),
            child_case: CaseId(self.case_id),
            from_org: OrgId(self.org_id),
            giver: self.giver.parse().map_err(bad)?,
            child_age: self
                .child_age
                .map(|a| u8::try_from(a).map_err(|_| StoreError::Corrupt("consent age")))
                .transpose()?,
            form: self.form.parse().map_err(bad)?,
            purposes: split(&self.purposes, "consent purposes")?,
            recipients: split(&self.recipients, "consent recipients")?,
            categories: split(&self.categories, "consent categories")?,
            valid_from: day(&self.valid_from)?,
            valid_until: day(&self.valid_until)?,
            withdrawn_at: self.withdrawn_at,
            recorded_by: UserId(self.recorded_by),
        })
    }
}

#[derive(sqlx::FromRow)]
struct BasisRow {
    id: Uuid,
    case_id: Uuid,
    org_id: Uuid,
    basis: String,
    justification: Vec<u8>,
    recipients: String,
    categories: String,
    recorded_at: OffsetDateTime,
    valid_until: OffsetDateTime,
    ended_at: Option<OffsetDateTime>,
    recorded_by: Uuid,
}

#[derive(sqlx::FromRow)]
struct ReferralRow {
    id: Uuid,
    case_id: Uuid,
    from_org: Uuid,
    to_org: Uuid,
    authority_kind: String,
    authority_id: Uuid,
    categories: String,
    note: Vec<u8>,
    status: String,
    sent_by: Uuid,
    sent_at: OffsetDateTime,
    accepted_by: Option<Uuid>,
    decided_by: Option<Uuid>,
    decided_at: Option<OffsetDateTime>,
    decline_reason: Option<String>,
    decline_note: Option<Vec<u8>>,
    closed_by: Option<Uuid>,
    closed_at: Option<OffsetDateTime>,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct ServiceRow {
    id: Uuid,
    org_id: Uuid,
    author_id: Uuid,
    created_at: OffsetDateTime,
    kind: String,
    started_on: String,
    detail: Vec<u8>,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    org_id: Uuid,
    author_id: Uuid,
    created_at: OffsetDateTime,
    body: Vec<u8>,
}

macro_rules! consent_columns {
    () => {
        "id, case_id, org_id, giver, child_age, form, purposes, recipients, categories, \
                               valid_from, valid_until, withdrawn_at, recorded_by"
    };
}
macro_rules! basis_columns {
    () => {
        "id, case_id, org_id, basis, justification, recipients, categories, recorded_at, \
                             valid_until, ended_at, recorded_by"
    };
}
macro_rules! referral_columns {
    () => {
        "id, case_id, from_org, to_org, authority_kind, authority_id, categories, note, \
                                status, sent_by, sent_at, accepted_by, decided_by, decided_at, decline_reason, \
                                decline_note, closed_by, closed_at, version"
    };
}

impl Store {
    /// The organization of a case (`NotFound` when it does not exist).
    async fn org_of_case(&self, case: CaseId) -> Result<OrgId, StoreError> {
        const SQL: &str = "SELECT org_id FROM cases WHERE id = $1";
        let org: Uuid = run!(&self.db, |pool| sqlx::query_scalar(SQL).bind(case.0).fetch_one(pool).await)?;
        Ok(OrgId(org))
    }

    /// Records a consent on its case, with the event `consent.record`. `NotFound` when the case
    /// does not exist or belongs to another organization than the consent's sender.
    pub async fn record_consent(&self, consent: &Consent) -> Result<(), StoreError> {
        const INSERT: &str = "INSERT INTO consents (id, case_id, org_id, giver, child_age, form, purposes, \
                              recipients, categories, valid_from, valid_until, recorded_by, recorded_at) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";
        if self.org_of_case(consent.child_case).await? != consent.from_org {
            return Err(StoreError::NotFound);
        }
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            sqlx::query(INSERT)
                .bind(consent.id.0)
                .bind(consent.child_case.0)
                .bind(consent.from_org.0)
                .bind(consent.giver.as_str())
                .bind(consent.child_age.map(i32::from))
                .bind(consent.form.as_str())
                .bind(join(&consent.purposes))
                .bind(join(&consent.recipients))
                .bind(join(&consent.categories))
                .bind(consent.valid_from.to_string())
                .bind(consent.valid_until.to_string())
                .bind(consent.recorded_by.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            case_event!(
                tx,
                consent.child_case.0,
                now,
                Some(consent.recorded_by.0),
                "consent.record",
                Some(consent.id.to_string())
            );
        });
        Ok(())
    }

    /// Withdraws a consent of `case` at `at`, with the event `consent.withdraw`. A consent
    /// stays withdrawn from its first withdrawal: withdrawing again changes nothing.
    /// `NotFound` when the consent is not one of `case`'s.
    pub async fn withdraw_consent(
        &self,
        case: CaseId,
        id: ConsentId,
        by: UserId,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        const UPDATE: &str = "UPDATE consents SET withdrawn_at = $1, withdrawn_by = $2 \
                              WHERE id = $3 AND case_id = $4 AND withdrawn_at IS NULL";
        const FOUND: &str = "SELECT COUNT(*) FROM consents WHERE id = $1 AND case_id = $2";
        in_tx!(&self.db, |tx| {
            let n = sqlx::query(UPDATE).bind(at).bind(by.0).bind(id.0).bind(case.0).execute(&mut *tx).await?;
            if n.rows_affected() == 1 {
                case_event!(tx, case.0, at, Some(by.0), "consent.withdraw", Some(id.to_string()));
            } else {
                let found: i64 = sqlx::query_scalar(FOUND).bind(id.0).bind(case.0).fetch_one(&mut *tx).await?;
                if found == 0 {
                    return Err(StoreError::NotFound);
                }
            }
        });
        Ok(())
    }

    /// The consents recorded on a case, oldest first.
    pub async fn consents_of(&self, case: CaseId) -> Result<Vec<Consent>, StoreError> {
        const SQL: &str =
            concat!("SELECT ", consent_columns!(), " FROM consents WHERE case_id = $1 ORDER BY recorded_at, id");
        let rows: Vec<ConsentRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(case.0).fetch_all(pool).await)?;
        rows.into_iter().map(ConsentRow::into_consent).collect()
    }

    /// One consent.
    pub async fn consent(&self, id: ConsentId) -> Result<Consent, StoreError> {
        const SQL: &str = concat!("SELECT ", consent_columns!(), " FROM consents WHERE id = $1");
        let row: ConsentRow = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        row.into_consent()
    }

    /// Records a legal basis on its case (justification sealed under the case key), with the
    /// event `basis.record`. `NotFound` as for [`Store::record_consent`].
    pub async fn record_basis(&self, basis: &BasisRecord) -> Result<(), StoreError> {
        const INSERT: &str = "INSERT INTO legal_bases (id, case_id, org_id, basis, justification, recipients, \
                              categories, recorded_at, valid_until, recorded_by) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        if self.org_of_case(basis.child_case).await? != basis.from_org {
            return Err(StoreError::NotFound);
        }
        let (key_id, key) = self.live_case_key(basis.child_case).await?;
        let sealed = seal_case(&key, key_id, BASES, "justification", basis.id.0, basis.justification.as_bytes())?;
        in_tx!(&self.db, |tx| {
            sqlx::query(INSERT)
                .bind(basis.id.0)
                .bind(basis.child_case.0)
                .bind(basis.from_org.0)
                .bind(basis.basis.as_str())
                .bind(&sealed)
                .bind(join(&basis.recipients))
                .bind(join(&basis.categories))
                .bind(basis.recorded_at)
                .bind(basis.valid_until)
                .bind(basis.recorded_by.0)
                .execute(&mut *tx)
                .await?;
            case_event!(
                tx,
                basis.child_case.0,
                basis.recorded_at,
                Some(basis.recorded_by.0),
                "basis.record",
                Some(basis.id.to_string())
            );
        });
        Ok(())
    }

    /// Ends a legal basis of `case` early at `at`, with the event `basis.end`; ending it again
    /// changes nothing. `NotFound` when the basis is not one of `case`'s.
    pub async fn end_basis(&self, case: CaseId, id: BasisId, by: UserId, at: OffsetDateTime) -> Result<(), StoreError> {
        const UPDATE: &str = "UPDATE legal_bases SET ended_at = $1, ended_by = $2 \
                              WHERE id = $3 AND case_id = $4 AND ended_at IS NULL";
        const FOUND: &str = "SELECT COUNT(*) FROM legal_bases WHERE id = $1 AND case_id = $2";
        in_tx!(&self.db, |tx| {
            let n = sqlx::query(UPDATE).bind(at).bind(by.0).bind(id.0).bind(case.0).execute(&mut *tx).await?;
            if n.rows_affected() == 1 {
                case_event!(tx, case.0, at, Some(by.0), "basis.end", Some(id.to_string()));
            } else {
                let found: i64 = sqlx::query_scalar(FOUND).bind(id.0).bind(case.0).fetch_one(&mut *tx).await?;
                if found == 0 {
                    return Err(StoreError::NotFound);
                }
            }
        });
        Ok(())
    }

    fn basis_of_row(r: &BasisRow, key: Option<&passerelle_crypto::keys::DataKey>) -> Result<BasisRecord, StoreError> {
        let justification = match key {
            Some(key) => text(&open_case(key, BASES, "justification", r.id, &r.justification)?, "justification")?,
            None => String::new(),
        };
        Ok(BasisRecord {
            id: BasisId(r.id),
            child_case: CaseId(r.case_id),
            from_org: OrgId(r.org_id),
            basis: r.basis.parse::<LegalBasis>().map_err(|_| StoreError::Corrupt("legal basis"))?,
            justification,
            recipients: split(&r.recipients, "basis recipients")?,
            categories: split(&r.categories, "basis categories")?,
            recorded_at: r.recorded_at,
            valid_until: r.valid_until,
            ended_at: r.ended_at,
            recorded_by: UserId(r.recorded_by),
        })
    }

    /// The legal bases recorded on a case, oldest first; justifications are empty once the
    /// case key has been destroyed.
    pub async fn bases_of(&self, case: CaseId) -> Result<Vec<BasisRecord>, StoreError> {
        const SQL: &str =
            concat!("SELECT ", basis_columns!(), " FROM legal_bases WHERE case_id = $1 ORDER BY recorded_at, id");
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(case.0).fetch_one(pool).await)?;
        let key = self.case_key(key_id).await?;
        let rows: Vec<BasisRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(case.0).fetch_all(pool).await)?;
        rows.iter().map(|r| Self::basis_of_row(r, key.as_deref())).collect()
    }

    /// One legal basis.
    pub async fn basis(&self, id: BasisId) -> Result<BasisRecord, StoreError> {
        const SQL: &str = concat!("SELECT ", basis_columns!(), " FROM legal_bases WHERE id = $1");
        let row: BasisRow = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(row.case_id).fetch_one(pool).await)?;
        let key = self.case_key(key_id).await?;
        Self::basis_of_row(&row, key.as_deref())
    }

    /// The consent or basis an authority names; `None` when it does not exist (any more).
    pub async fn grant(&self, authority: Authority) -> Result<Option<GrantRecord>, StoreError> {
        let found = match authority {
            Authority::Consent(id) => self.consent(id).await.map(GrantRecord::Consent),
            Authority::Basis(id) => self.basis(id).await.map(GrantRecord::Basis),
        };
        match found {
            Ok(g) => Ok(Some(g)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sends a referral, with the event `referral.send` on the sender's case. The caller has
    /// asked the consent rules; this refuses (`Conflict`) a second open referral of the same
    /// case to the same organization, and `NotFound` an unknown case.
    pub async fn send_referral(&self, r: &NewReferral<'_>) -> Result<ReferralId, StoreError> {
        const MEMBERS: &str = "SELECT id, roles, status FROM users WHERE org_id = $1 ORDER BY id";
        const OPEN: &str = "SELECT COUNT(*) FROM referrals WHERE case_id = $1 AND to_org = $2 \
                            AND status IN ('sent', 'accepted')";
        const INSERT: &str = "INSERT INTO referrals (id, case_id, from_org, to_org, authority_kind, authority_id, \
                              categories, note, status, sent_by, sent_at) \
                              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'sent', $9, $10)";
        let from_org = self.org_of_case(r.case_id).await?;
        let (key_id, key) = self.live_case_key(r.case_id).await?;
        let id = ReferralId::new();
        let note = seal_case(&key, key_id, REFERRALS, "note", id.0, r.note.as_bytes())?;
        let (kind, authority_id) = match r.authority {
            Authority::Consent(c) => ("consent", c.0),
            Authority::Basis(b) => ("basis", b.0),
        };
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            let open: i64 = sqlx::query_scalar(OPEN).bind(r.case_id.0).bind(r.to_org.0).fetch_one(&mut *tx).await?;
            if open > 0 {
                return Err(StoreError::Conflict);
            }
            sqlx::query(INSERT)
                .bind(id.0)
                .bind(r.case_id.0)
                .bind(from_org.0)
                .bind(r.to_org.0)
                .bind(kind)
                .bind(authority_id)
                .bind(join(r.categories))
                .bind(&note)
                .bind(r.sent_by.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            case_event!(tx, r.case_id.0, now, Some(r.sent_by.0), "referral.send", Some(id.to_string()));
            // The receiving organization learns at once that a referral waits; the alert names
            // the referral only, never the child.
            let members: Vec<(Uuid, String, String)> =
                sqlx::query_as(MEMBERS).bind(r.to_org.0).fetch_all(&mut *tx).await?;
            for (member, roles, status) in members {
                let roles =
                    passerelle_core::role::parse_roles(&roles).map_err(|_| StoreError::Corrupt("user roles"))?;
                let receives = roles.iter().any(|x| matches!(x, Role::CaseWorker | Role::Supervisor));
                if status == "active" && receives {
                    sqlx::query(INSERT_ALERT)
                        .bind(Uuid::now_v7())
                        .bind(r.to_org.0)
                        .bind(member)
                        .bind(ALERT_RECEIVED)
                        .bind(ALERT_OBJECT)
                        .bind(id.0.to_string())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        });
        Ok(id)
    }

    async fn referral_of_row(&self, r: ReferralRow) -> Result<ReferralRecord, StoreError> {
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(r.case_id).fetch_one(pool).await)?;
        let key = self.case_key(key_id).await?;
        let open = |column: &'static str, sealed: &[u8]| -> Result<Option<String>, StoreError> {
            match &key {
                Some(key) => Ok(Some(text(&open_case(key, REFERRALS, column, r.id, sealed)?, "referral text")?)),
                None => Ok(None),
            }
        };
        let authority = match r.authority_kind.as_str() {
            "consent" => Authority::Consent(ConsentId(r.authority_id)),
            "basis" => Authority::Basis(BasisId(r.authority_id)),
            _ => return Err(StoreError::Corrupt("referral authority")),
        };
        Ok(ReferralRecord {
            id: ReferralId(r.id),
            case_id: CaseId(r.case_id),
            from_org: OrgId(r.from_org),
            to_org: OrgId(r.to_org),
            authority,
            categories: split(&r.categories, "referral categories")?,
            note: open("note", &r.note)?,
            status: r.status.parse().map_err(|_| StoreError::Corrupt("referral status"))?,
            sent_by: UserId(r.sent_by),
            sent_at: r.sent_at,
            accepted_by: r.accepted_by.map(UserId),
            decided_by: r.decided_by.map(UserId),
            decided_at: r.decided_at,
            decline_reason: r
                .decline_reason
                .map(|d| d.parse().map_err(|_| StoreError::Corrupt("decline reason")))
                .transpose()?,
            decline_note: match &r.decline_note {
                Some(sealed) => open("decline_note", sealed)?,
                None => None,
            },
            closed_by: r.closed_by.map(UserId),
            closed_at: r.closed_at,
            version: r.version,
        })
    }

    async fn referrals_where(&self, sql: &'static str, id: Uuid) -> Result<Vec<ReferralRecord>, StoreError> {
        let rows: Vec<ReferralRow> = run!(&self.db, |pool| sqlx::query_as(sql).bind(id).fetch_all(pool).await)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.referral_of_row(r).await?);
        }
        Ok(out)
    }

    /// One referral.
    pub async fn referral(&self, id: ReferralId) -> Result<ReferralRecord, StoreError> {
        const SQL: &str = concat!("SELECT ", referral_columns!(), " FROM referrals WHERE id = $1");
        let row: ReferralRow = run!(&self.db, |pool| sqlx::query_as(SQL).bind(id.0).fetch_one(pool).await)?;
        self.referral_of_row(row).await
    }

    /// The referrals of a case, newest first.
    pub async fn referrals_of_case(&self, case: CaseId) -> Result<Vec<ReferralRecord>, StoreError> {
        self.referrals_where(
            concat!(
                "SELECT ",
                referral_columns!(),
                " FROM referrals WHERE case_id = $1 ORDER BY sent_at DESC, id DESC"
            ),
            case.0,
        )
        .await
    }

    /// The referrals an organization received, newest first.
    pub async fn referrals_to(&self, org: OrgId) -> Result<Vec<ReferralRecord>, StoreError> {
        self.referrals_where(
            concat!("SELECT ", referral_columns!(), " FROM referrals WHERE to_org = $1 ORDER BY sent_at DESC, id DESC"),
            org.0,
        )
        .await
    }

    /// The referrals an organization sent, newest first.
    pub async fn referrals_from(&self, org: OrgId) -> Result<Vec<ReferralRecord>, StoreError> {
        self.referrals_where(
            concat!(
                "SELECT ",
                referral_columns!(),
                " FROM referrals WHERE from_org = $1 ORDER BY sent_at DESC, id DESC"
            ),
            org.0,
        )
        .await
    }

    /// Changes a referral's status if it is still at `version` and in a status that may move
    /// there, with its event (`referral.accept`, `referral.decline`, `referral.cancel`,
    /// `referral.close`) on the sender's case. `NotFound`, or `Conflict` when it changed
    /// meanwhile or cannot move there.
    async fn move_referral(
        &self,
        id: ReferralId,
        version: i64,
        by: UserId,
        next: Status,
        decline: Option<(DeclineReason, &str)>,
    ) -> Result<(), StoreError> {
        let current = self.referral(id).await?;
        if !current.status.can_become(next) || current.version != version {
            return Err(StoreError::Conflict);
        }
        let now = passerelle_core::time::now();
        let decline_note = match decline {
            Some((_, note)) if !note.is_empty() => {
                let (key_id, key) = self.live_case_key(current.case_id).await?;
                Some(seal_case(&key, key_id, REFERRALS, "decline_note", id.0, note.as_bytes())?)
            }
            _ => None,
        };
        let sql = match next {
            Status::Accepted => {
                "UPDATE referrals SET status = 'accepted', accepted_by = $1, decided_by = $1, \
                                 decided_at = $2, version = version + 1 WHERE id = $3 AND version = $4 AND status = $5"
            }
            Status::Declined => {
                "UPDATE referrals SET status = 'declined', decided_by = $1, decided_at = $2, \
                                 decline_reason = $6, decline_note = $7, version = version + 1 \
                                 WHERE id = $3 AND version = $4 AND status = $5"
            }
            Status::Cancelled | Status::Closed => {
                "UPDATE referrals SET status = $6, closed_by = $1, closed_at = $2, \
                                 version = version + 1 WHERE id = $3 AND version = $4 AND status = $5"
            }
            Status::Sent => return Err(StoreError::Conflict),
        };
        let sixth = match (next, decline) {
            (Status::Declined, Some((reason, _))) => Some(reason.as_str()),
            (Status::Cancelled | Status::Closed, _) => Some(next.as_str()),
            _ => None,
        };
        let kind = format!(
            "referral.{}",
            match next {
                Status::Accepted => "accept",
                Status::Declined => "decline",
                Status::Cancelled => "cancel",
                _ => "close",
            }
        );
        in_tx!(&self.db, |tx| {
            let mut q = sqlx::query(sql).bind(by.0).bind(now).bind(id.0).bind(version).bind(current.status.as_str());
            if let Some(v) = sixth {
                q = q.bind(v);
            }
            if next == Status::Declined {
                q = q.bind(decline_note.clone());
            }
            let n = q.execute(&mut *tx).await?;
            if n.rows_affected() != 1 {
                return Err(StoreError::Conflict);
            }
            case_event!(tx, current.case_id.0, now, Some(by.0), kind.as_str(), Some(id.to_string()));
            if matches!(next, Status::Accepted | Status::Declined) {
                sqlx::query(INSERT_ALERT)
                    .bind(Uuid::now_v7())
                    .bind(current.from_org.0)
                    .bind(current.sent_by.0)
                    .bind(ALERT_ANSWERED)
                    .bind(ALERT_OBJECT)
                    .bind(id.0.to_string())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    /// The receiver's answer: accept (the answering worker becomes the receiving worker) or
    /// decline with a reason. See [`Store::move_referral`] for the errors.
    pub async fn answer_referral(
        &self,
        id: ReferralId,
        version: i64,
        by: UserId,
        answer: &Answer,
    ) -> Result<(), StoreError> {
        match answer {
            Answer::Accept => self.move_referral(id, version, by, Status::Accepted, None).await,
            Answer::Decline { reason, note } => {
                self.move_referral(id, version, by, Status::Declined, Some((*reason, note.as_str()))).await
            }
        }
    }

    /// The sender withdraws a referral still waiting for an answer.
    pub async fn cancel_referral(&self, id: ReferralId, version: i64, by: UserId) -> Result<(), StoreError> {
        self.move_referral(id, version, by, Status::Cancelled, None).await
    }

    /// Either side ends an accepted referral.
    pub async fn close_referral(&self, id: ReferralId, version: i64, by: UserId) -> Result<(), StoreError> {
        self.move_referral(id, version, by, Status::Closed, None).await
    }

    /// Records a service the receiver delivers, with the event `referral.service`.
    pub async fn add_referral_service(
        &self,
        referral: ReferralId,
        org: OrgId,
        author: UserId,
        service: &ServiceInput,
    ) -> Result<ReferralServiceId, StoreError> {
        const INSERT: &str = "INSERT INTO referral_services (id, referral_id, org_id, author_id, created_at, kind, \
                              started_on, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let case = self.referral(referral).await?.case_id;
        let (key_id, key) = self.live_case_key(case).await?;
        let id = ReferralServiceId::new();
        let detail = seal_case(&key, key_id, SERVICES, "detail", id.0, service.detail.as_bytes())?;
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            sqlx::query(INSERT)
                .bind(id.0)
                .bind(referral.0)
                .bind(org.0)
                .bind(author.0)
                .bind(now)
                .bind(&service.kind)
                .bind(service.started_on.to_string())
                .bind(&detail)
                .execute(&mut *tx)
                .await?;
            case_event!(tx, case.0, now, Some(author.0), "referral.service", Some(referral.to_string()));
        });
        Ok(id)
    }

    /// The services of a referral, oldest first (details empty once the key is destroyed).
    pub async fn referral_services(&self, referral: ReferralId) -> Result<Vec<ServiceEntry>, StoreError> {
        const SQL: &str = "SELECT id, org_id, author_id, created_at, kind, started_on, detail \
                           FROM referral_services WHERE referral_id = $1 ORDER BY created_at, id";
        let case = self.referral(referral).await?.case_id;
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(case.0).fetch_one(pool).await)?;
        let key = self.case_key(key_id).await?;
        let rows: Vec<ServiceRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(referral.0).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|r| {
                let detail = match &key {
                    Some(key) => text(&open_case(key, SERVICES, "detail", r.id, &r.detail)?, "service detail")?,
                    None => String::new(),
                };
                Ok(ServiceEntry {
                    id: ReferralServiceId(r.id),
                    org_id: OrgId(r.org_id),
                    author: UserId(r.author_id),
                    at: r.created_at,
                    kind: r.kind,
                    started_on: r.started_on,
                    detail,
                })
            })
            .collect()
    }

    /// Adds a message to a referral (sealed under the sender case's key), with the event
    /// `message.send` on the sender's case.
    pub async fn add_referral_message(
        &self,
        referral: ReferralId,
        org: OrgId,
        author: UserId,
        body: &str,
    ) -> Result<MessageId, StoreError> {
        const INSERT: &str = "INSERT INTO referral_messages (id, referral_id, org_id, author_id, created_at, body) \
                              VALUES ($1, $2, $3, $4, $5, $6)";
        let case = self.referral(referral).await?.case_id;
        let (key_id, key) = self.live_case_key(case).await?;
        let id = MessageId::new();
        let sealed = seal_case(&key, key_id, MESSAGES, "body", id.0, body.as_bytes())?;
        let now = passerelle_core::time::now();
        in_tx!(&self.db, |tx| {
            sqlx::query(INSERT)
                .bind(id.0)
                .bind(referral.0)
                .bind(org.0)
                .bind(author.0)
                .bind(now)
                .bind(&sealed)
                .execute(&mut *tx)
                .await?;
            case_event!(tx, case.0, now, Some(author.0), "message.send", Some(id.to_string()));
        });
        Ok(id)
    }

    /// The messages of a referral, oldest first; none once the key is destroyed.
    pub async fn referral_messages(&self, referral: ReferralId) -> Result<Vec<Message>, StoreError> {
        const SQL: &str = "SELECT id, org_id, author_id, created_at, body FROM referral_messages \
                           WHERE referral_id = $1 ORDER BY created_at, id";
        let case = self.referral(referral).await?.case_id;
        let key_id: Uuid = run!(&self.db, |pool| sqlx::query_scalar(KEY_OF).bind(case.0).fetch_one(pool).await)?;
        let Some(key) = self.case_key(key_id).await? else { return Ok(Vec::new()) };
        let rows: Vec<MessageRow> = run!(&self.db, |pool| sqlx::query_as(SQL).bind(referral.0).fetch_all(pool).await)?;
        rows.into_iter()
            .map(|r| {
                let body = text(&open_case(&key, MESSAGES, "body", r.id, &r.body)?, "message")?;
                Ok(Message {
                    id: MessageId(r.id),
                    org_id: OrgId(r.org_id),
                    author: UserId(r.author_id),
                    at: r.created_at,
                    body,
                })
            })
            .collect()
    }
}

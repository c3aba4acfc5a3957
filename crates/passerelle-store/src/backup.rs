//! Logical backup and restore of a whole installation, the same on both backends.
//!
//! A backup is taken inside one read-consistent transaction (SQLite: a read transaction on
//! the WAL snapshot; PostgreSQL: `REPEATABLE READ READ ONLY`), table by table in dependency
//! order, every value typed (integer, real, text, bytes, UUID, timestamp, boolean) rather
//! than in a backend's own encoding, so a backup of either backend restores into either. It
//! carries the schema version and the master key file's text, because data without its key
//! is unreadable. The payload is meant to be written through an encrypting writer
//! (`passerelle_crypto::backup`); nothing here is encrypted.
//!
//! Payload layout (all integers big-endian):
//!
//! ```text
//! "PSRLDATA" ‖ version (1)
//! 'M' ‖ u32 length ‖ manifest (JSON: schema version, tables with columns and row counts)
//! 'K' ‖ u32 length ‖ the master key file's text
//! for each table of the manifest, in order:
//!     'T' ‖ u32 length ‖ table name
//!     'R' ‖ one typed value per column   (repeated for each row)
//! 'Z'
//! value = 0 (null) | 1 i64 | 2 f64 | 3 u32 length ‖ UTF-8 | 4 u32 length ‖ bytes
//!       | 5 UUID (16) | 6 timestamp as i128 Unix nanoseconds (16) | 7 boolean (1)
//! ```
//!
//! The list of tables below is the backup's view of the schema: a backup refuses to run when
//! the live schema has a table or column the list does not know (and a test checks the list
//! against a fresh installation on both backends), so nothing is ever silently left out.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read, Write};
use std::path::Path;

use futures_util::TryStreamExt;
use passerelle_crypto::keys::{Keyring, WrappedKey};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::db::Db;
use crate::error::StoreError;
use crate::{Store, run};

/// The logical type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColType {
    /// 64-bit integer (PostgreSQL `INTEGER` or `BIGINT`).
    Int,
    /// Double precision.
    Real,
    /// UTF-8 text.
    Text,
    /// Bytes (SQLite `BLOB`, PostgreSQL `BYTEA`).
    Bytes,
    /// UUID (16-byte `BLOB` in SQLite).
    Uuid,
    /// Instant in UTC (RFC 3339 text in SQLite, `TIMESTAMPTZ` in PostgreSQL).
    Timestamp,
    /// Boolean (integer in SQLite).
    Bool,
}

impl ColType {
    fn matches(self, sqlite: bool, declared: &str) -> bool {
        let d = declared.to_ascii_lowercase();
        if sqlite {
            matches!(
                (self, d.as_str()),
                (ColType::Int, "integer" | "bigint")
                    | (ColType::Real, "real")
                    | (ColType::Text | ColType::Timestamp, "text")
                    | (ColType::Bytes | ColType::Uuid, "blob")
                    | (ColType::Bool, "boolean")
            )
        } else {
            matches!(
                (self, d.as_str()),
                (ColType::Int, "integer" | "bigint")
                    | (ColType::Real, "double precision")
                    | (ColType::Text, "text")
                    | (ColType::Bytes, "bytea")
                    | (ColType::Uuid, "uuid")
                    | (ColType::Timestamp, "timestamp with time zone")
                    | (ColType::Bool, "boolean")
            )
        }
    }
}

/// One table as the backup sees it.
#[derive(Debug)]
pub struct TableSpec {
    /// Table name.
    pub name: &'static str,
    /// Columns and their logical types.
    pub columns: &'static [(&'static str, ColType)],
}

use ColType::{Bool, Bytes, Int, Real, Text, Timestamp as Ts, Uuid as Id};

/// Every table of the installation, parents before children (the restore inserts in this
/// order, so foreign keys hold at every step).
pub const TABLES: &[TableSpec] = &[
    TableSpec { name: "installation", columns: &[("id", Int), ("created_at", Ts)] },
    TableSpec {
        name: "organizations",
        columns: &[
            ("id", Id),
            ("name", Text),
            ("org_type", Text),
            ("regions", Text),
            ("created_at", Ts),
            ("updated_at", Ts),
            ("version", Int),
        ],
    },
    TableSpec {
        name: "users",
        columns: &[
            ("id", Id),
            ("org_id", Id),
            ("username", Text),
            ("display_name", Text),
            ("password_hash", Text),
            ("roles", Text),
            ("locale", Text),
            ("status", Text),
            ("mfa_secret", Bytes),
            ("mfa_enabled", Bool),
            ("mfa_last_step", Int),
            ("failed_logins", Int),
            ("locked_until", Ts),
            ("created_at", Ts),
            ("updated_at", Ts),
            ("version", Int),
        ],
    },
    TableSpec {
        name: "sessions",
        columns: &[
            ("id_hash", Bytes),
            ("user_id", Id),
            ("stage", Text),
            ("csrf_token", Text),
            ("created_at", Ts),
            ("last_seen_at", Ts),
            ("expires_at", Ts),
        ],
    },
    TableSpec {
        name: "api_tokens",
        columns: &[
            ("id", Id),
            ("user_id", Id),
            ("name", Text),
            ("token_hash", Bytes),
            ("scopes", Text),
            ("created_at", Ts),
            ("expires_at", Ts),
            ("last_used_at", Ts),
            ("revoked_at", Ts),
        ],
    },
    TableSpec {
        name: "setup_links",
        columns: &[("token_hash", Bytes), ("created_at", Ts), ("expires_at", Ts), ("used_at", Ts)],
    },
    TableSpec {
        name: "data_keys",
        columns: &[
            ("id", Id),
            ("purpose", Text),
            ("master_version", Int),
            ("wrapped", Bytes),
            ("created_at", Ts),
            ("destroyed_at", Ts),
        ],
    },
    TableSpec {
        name: "audit_log",
        columns: &[
            ("seq", Int),
            ("id", Id),
            ("at", Ts),
            ("actor_user_id", Id),
            ("actor_org_id", Id),
            ("action", Text),
            ("object_type", Text),
            ("object_id", Text),
            ("object_org_id", Id),
            ("purpose", Text),
            ("outcome", Text),
            ("mac", Bytes),
        ],
    },
    TableSpec {
        name: "screenings",
        columns: &[
            ("id", Id),
            ("org_id", Id),
            ("created_by", Id),
            ("status", Text),
            ("stage", Int),
            ("instrument_version", Text),
            ("region", Text),
            ("facts", Bytes),
            ("notes", Bytes),
            ("result", Bytes),
            ("classification", Text),
            ("flags", Text),
            ("decision", Text),
            ("decision_reason", Bytes),
            ("decided_by", Id),
            ("decided_at", Ts),
            ("created_at", Ts),
            ("updated_at", Ts),
            ("version", Int),
            ("case_id", Id),
        ],
    },
    TableSpec {
        name: "cases",
        columns: &[
            ("id", Id),
            ("org_id", Id),
            ("code", Text),
            ("key_id", Id),
            ("status", Text),
            ("close_reason", Bytes),
            ("identity", Bytes),
            ("age_at_identification", Int),
            ("gender", Text),
            ("immigration_status", Text),
            ("indigenous", Text),
            ("languages", Text),
            ("region", Text),
            ("created_by", Id),
            ("created_at", Ts),
            ("updated_at", Ts),
            ("version", Int),
            ("hss_region", Text),
            ("trafficking_type", Text),
            ("exploitation", Text),
            ("profile_confirmed", Bool),
            ("linkage", Bytes),
            ("presenting_situation", Text),
            ("destroyed_at", Ts),
        ],
    },
    TableSpec { name: "case_terms", columns: &[("case_id", Id), ("term", Bytes)] },
    TableSpec { name: "case_assignments", columns: &[("case_id", Id), ("user_id", Id), ("assigned_at", Ts)] },
    TableSpec {
        name: "case_notes",
        columns: &[("id", Id), ("case_id", Id), ("author_id", Id), ("created_at", Ts), ("body", Bytes)],
    },
    TableSpec {
        name: "case_events",
        columns: &[("id", Id), ("case_id", Id), ("at", Ts), ("actor_id", Id), ("kind", Text), ("ref_id", Text)],
    },
    TableSpec {
        name: "case_assessments",
        columns: &[
            ("id", Id),
            ("case_id", Id),
            ("author_id", Id),
            ("created_at", Ts),
            ("levels", Text),
            ("body", Bytes),
        ],
    },
    TableSpec {
        name: "case_plans",
        columns: &[
            ("case_id", Id),
            ("body", Bytes),
            ("status", Text),
            ("review_date", Text),
            ("submitted_by", Id),
            ("submitted_at", Ts),
            ("approved_by", Id),
            ("approved_at", Ts),
            ("updated_at", Ts),
            ("version", Int),
        ],
    },
    TableSpec {
        name: "case_services",
        columns: &[
            ("id", Id),
            ("case_id", Id),
            ("author_id", Id),
            ("created_at", Ts),
            ("delivered_on", Text),
            ("kind", Text),
            ("body", Bytes),
        ],
    },
    TableSpec {
        name: "case_followups",
        columns: &[
            ("id", Id),
            ("case_id", Id),
            ("assigned_to", Id),
            ("due_on", Text),
            ("body", Bytes),
            ("created_by", Id),
            ("created_at", Ts),
            ("done_at", Ts),
            ("done_by", Id),
        ],
    },
    TableSpec {
        name: "training_attempts",
        columns: &[
            ("id", Id),
            ("user_id", Id),
            ("org_id", Id),
            ("module_id", Text),
            ("module_version", Int),
            ("lang", Text),
            ("correct", Int),
            ("total", Int),
            ("passed", Bool),
            ("created_at", Ts),
        ],
    },
    TableSpec {
        name: "training_requirements",
        columns: &[("org_id", Id), ("role", Text), ("module_id", Text), ("created_by", Id), ("created_at", Ts)],
    },
    TableSpec {
        name: "child_links",
        columns: &[
            ("id", Id),
            ("case_a", Id),
            ("case_b", Id),
            ("score", Real),
            ("status", Text),
            ("proposed_at", Ts),
            ("decided_by", Id),
            ("decided_at", Ts),
            ("superseded_by", Id),
        ],
    },
    TableSpec {
        name: "privacy_budgets",
        columns: &[("period", Text), ("total", Real), ("spent", Real), ("updated_at", Ts)],
    },
    TableSpec {
        name: "stats_publications",
        columns: &[("id", Id), ("period", Text), ("epsilon", Real), ("created_at", Ts), ("document", Text)],
    },
    TableSpec {
        name: "org_profiles",
        columns: &[
            ("org_id", Id),
            ("services", Text),
            ("populations", Text),
            ("languages", Text),
            ("hours", Text),
            ("intake_phone", Text),
            ("intake_email", Text),
            ("description", Text),
            ("accepts_referrals", Bool),
            ("updated_at", Ts),
            ("updated_by", Id),
            ("version", Int),
        ],
    },
    TableSpec {
        name: "consents",
        columns: &[
            ("id", Id),
            ("case_id", Id),
            ("org_id", Id),
            ("giver", Text),
            ("child_age", Int),
            ("form", Text),
            ("purposes", Text),
            ("recipients", Text),
            ("categories", Text),
            ("valid_from", Text),
            ("valid_until", Text),
            ("withdrawn_at", Ts),
            ("withdrawn_by", Id),
            ("recorded_by", Id),
            ("recorded_at", Ts),
        ],
    },
    TableSpec {
        name: "legal_bases",
        columns: &[
            ("id", Id),
            ("case_id", Id),
            ("org_id", Id),
            ("basis", Text),
            ("justification", Bytes),
            ("recipients", Text),
            ("categories", Text),
            ("recorded_at", Ts),
            ("valid_until", Ts),
            ("ended_at", Ts),
            ("ended_by", Id),
            ("recorded_by", Id),
        ],
    },
    TableSpec {
        name: "referrals",
        columns: &[
            ("id", Id),
            ("case_id", Id),
            ("from_org", Id),
            ("to_org", Id),
            ("authority_kind", Text),
            ("authority_id", Id),
            ("categories", Text),
            ("note", Bytes),
            ("status", Text),
            ("sent_by", Id),
            ("sent_at", Ts),
            ("accepted_by", Id),
            ("decided_by", Id),
            ("decided_at", Ts),
            ("decline_reason", Text),
            ("decline_note", Bytes),
            ("closed_by", Id),
            ("closed_at", Ts),
            ("version", Int),
        ],
    },
    TableSpec {
        name: "referral_services",
        columns: &[
            ("id", Id),
            ("referral_id", Id),
            ("org_id", Id),
            ("author_id", Id),
            ("created_at", Ts),
            ("kind", Text),
            ("started_on", Text),
            ("detail", Bytes),
        ],
    },
    TableSpec {
        name: "referral_messages",
        columns: &[
            ("id", Id),
            ("referral_id", Id),
            ("org_id", Id),
            ("author_id", Id),
            ("created_at", Ts),
            ("body", Bytes),
        ],
    },
    TableSpec {
        name: "break_glass",
        columns: &[
            ("id", Id),
            ("case_id", Id),
            ("org_id", Id),
            ("user_id", Id),
            ("reason", Text),
            ("justification_sealed", Bytes),
            ("opened_at", Ts),
            ("expires_at", Ts),
            ("review_status", Text),
            ("reviewed_by", Id),
            ("reviewed_at", Ts),
            ("review_note_sealed", Bytes),
        ],
    },
    TableSpec {
        name: "alerts",
        columns: &[
            ("id", Id),
            ("org_id", Id),
            ("recipient_user_id", Id),
            ("kind", Text),
            ("object_type", Text),
            ("object_id", Text),
            ("created_at", Ts),
            ("read_at", Ts),
        ],
    },
    TableSpec {
        name: "retention_rules",
        columns: &[("kind", Text), ("months", Int), ("updated_by", Id), ("updated_at", Ts)],
    },
    TableSpec {
        name: "legal_holds",
        columns: &[
            ("id", Id),
            ("case_id", Id),
            ("org_id", Id),
            ("reason", Text),
            ("reference", Bytes),
            ("placed_by", Id),
            ("placed_at", Ts),
            ("lifted_by", Id),
            ("lifted_at", Ts),
        ],
    },
    TableSpec {
        name: "job_runs",
        columns: &[
            ("job", Text),
            ("period", Text),
            ("claimed_by", Text),
            ("claimed_at", Ts),
            ("finished_at", Ts),
            ("summary", Text),
        ],
    },
    TableSpec {
        name: "incidents",
        columns: &[
            ("id", Id),
            ("org_id", Id),
            ("occurred_on", Text),
            ("discovered_on", Text),
            ("description", Bytes),
            ("categories", Text),
            ("people_affected", Int),
            ("risk", Text),
            ("risk_reasons", Bytes),
            ("cai_notified_on", Text),
            ("persons_notified_on", Text),
            ("measures", Bytes),
            ("recorded_by", Id),
            ("recorded_at", Ts),
            ("updated_by", Id),
            ("updated_at", Ts),
            ("version", Int),
        ],
    },
    TableSpec {
        name: "privacy_contact",
        columns: &[
            ("id", Int),
            ("title", Text),
            ("name", Text),
            ("email", Text),
            ("phone", Text),
            ("postal_address", Text),
            ("updated_by", Id),
            ("updated_at", Ts),
        ],
    },
];

fn spec(name: &str) -> Option<(usize, &'static TableSpec)> {
    TABLES.iter().enumerate().find(|(_, t)| t.name == name)
}

/// What went wrong with a backup or a restore. Messages name tables and counts, never a
/// stored value.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The backup file, the key or the target is not acceptable (the operator can fix it).
    #[error("{0}")]
    Input(String),
    /// The database or the key store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else (file system, an inconsistency found while checking).
    #[error("{0}")]
    Failed(String),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Store(StoreError::from(e))
    }
}

impl From<io::Error> for BackupError {
    fn from(e: io::Error) -> Self {
        if let Some(f) = passerelle_crypto::backup::file_error(&e) {
            return BackupError::Input(f.to_string());
        }
        match e.kind() {
            io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData => {
                BackupError::Input("the backup file is damaged, truncated or was altered".to_owned())
            }
            _ => BackupError::Failed(format!("backup file: {e}")),
        }
    }
}

fn damaged(what: &str) -> BackupError {
    BackupError::Input(format!("the backup file is not valid ({what})"))
}

/// One table in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableManifest {
    /// Table name.
    pub name: String,
    /// Columns in the order the rows give them.
    pub columns: Vec<(String, ColType)>,
    /// Number of rows.
    pub rows: u64,
}

/// What a backup holds, written at its start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Payload format (1).
    pub format: u32,
    /// When the backup was taken (RFC 3339, UTC).
    pub created_at: String,
    /// Backend of the installation backed up (`sqlite` or `postgres`).
    pub source: String,
    /// Last migration applied to it.
    pub schema_version: i64,
    /// The tables, in the order they follow.
    pub tables: Vec<TableManifest>,
}

impl Manifest {
    /// Rows in all tables.
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// Rows of one table (0 when absent).
    pub fn rows_of(&self, table: &str) -> u64 {
        self.tables.iter().find(|t| t.name == table).map_or(0, |t| t.rows)
    }
}

const PAYLOAD_MAGIC: &[u8; 8] = b"PSRLDATA";
const PAYLOAD_VERSION: u8 = 1;
/// Largest text or byte value accepted when reading (a bound against absurd allocations).
const MAX_VALUE_LEN: usize = 1 << 30;

/// A typed value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
    Uuid(Uuid),
    Timestamp(OffsetDateTime),
    Bool(bool),
}

fn put_len(w: &mut impl Write, n: usize) -> io::Result<()> {
    let n = u32::try_from(n).map_err(|_| io::Error::other("value too long for a backup"))?;
    w.write_all(&n.to_be_bytes())
}

fn put_record(w: &mut impl Write, tag: u8, body: &[u8]) -> io::Result<()> {
    w.write_all(&[tag])?;
    put_len(w, body.len())?;
    w.write_all(body)
}

fn put_value(w: &mut impl Write, v: &Value) -> io::Result<()> {
    match v {
        Value::Null => w.write_all(&[0]),
        Value::Int(i) => {
            w.write_all(&[1])?;
            w.write_all(&i.to_be_bytes())
        }
        Value::Real(f) => {
            w.write_all(&[2])?;
            w.write_all(&f.to_bits().to_be_bytes())
        }
        Value::Text(s) => {
            w.write_all(&[3])?;
            put_len(w, s.len())?;
            w.write_all(s.as_bytes())
        }
        Value::Bytes(b) => {
            w.write_all(&[4])?;
            put_len(w, b.len())?;
            w.write_all(b)
        }
        Value::Uuid(u) => {
            w.write_all(&[5])?;
            w.write_all(u.as_bytes())
        }
        Value::Timestamp(t) => {
            w.write_all(&[6])?;
            w.write_all(&t.unix_timestamp_nanos().to_be_bytes())
        }
        Value::Bool(b) => w.write_all(&[7, u8::from(*b)]),
    }
}

/// A payload's manifest, master key file text and column types per table.
type Start = (Manifest, Zeroizing<String>, Vec<Vec<ColType>>);

/// Reads the payload sequentially.
struct PayloadReader<R: Read> {
    r: io::BufReader<R>,
}

impl<R: Read> PayloadReader<R> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N], BackupError> {
        let mut b = [0u8; N];
        self.r.read_exact(&mut b)?;
        Ok(b)
    }

    fn tag(&mut self) -> Result<u8, BackupError> {
        Ok(self.array::<1>()?[0])
    }

    fn len(&mut self) -> Result<usize, BackupError> {
        let n = usize::try_from(u32::from_be_bytes(self.array::<4>()?)).unwrap_or(usize::MAX);
        if n > MAX_VALUE_LEN {
            return Err(damaged("value too long"));
        }
        Ok(n)
    }

    fn bytes(&mut self) -> Result<Vec<u8>, BackupError> {
        let n = self.len()?;
        let mut b = vec![0u8; n];
        self.r.read_exact(&mut b)?;
        Ok(b)
    }

    fn record(&mut self, tag: u8) -> Result<Vec<u8>, BackupError> {
        if self.tag()? != tag {
            return Err(damaged("unexpected record"));
        }
        self.bytes()
    }

    fn value(&mut self, ty: ColType) -> Result<Value, BackupError> {
        let v = match self.tag()? {
            0 => return Ok(Value::Null),
            1 => Value::Int(i64::from_be_bytes(self.array()?)),
            2 => Value::Real(f64::from_bits(u64::from_be_bytes(self.array()?))),
            3 => Value::Text(String::from_utf8(self.bytes()?).map_err(|_| damaged("text is not UTF-8"))?),
            4 => Value::Bytes(self.bytes()?),
            5 => Value::Uuid(Uuid::from_bytes(self.array()?)),
            6 => Value::Timestamp(
                OffsetDateTime::from_unix_timestamp_nanos(i128::from_be_bytes(self.array()?))
                    .map_err(|_| damaged("timestamp out of range"))?,
            ),
            7 => Value::Bool(self.array::<1>()?[0] != 0),
            _ => return Err(damaged("unknown value type")),
        };
        let fits = matches!(
            (&v, ty),
            (Value::Int(_), ColType::Int)
                | (Value::Real(_), ColType::Real)
                | (Value::Text(_), ColType::Text)
                | (Value::Bytes(_), ColType::Bytes)
                | (Value::Uuid(_), ColType::Uuid)
                | (Value::Timestamp(_), ColType::Timestamp)
                | (Value::Bool(_), ColType::Bool)
        );
        if fits { Ok(v) } else { Err(damaged("value of the wrong type")) }
    }

    /// Reads the magic, the manifest and the key file text, and checks the manifest
    /// against this build's schema.
    fn start(&mut self) -> Result<Start, BackupError> {
        let magic: [u8; 8] = self.array()?;
        if &magic != PAYLOAD_MAGIC {
            return Err(damaged("payload magic"));
        }
        let version = self.tag()?;
        if version != PAYLOAD_VERSION {
            return Err(BackupError::Input(format!("backup payload version {version} is not supported by this build")));
        }
        let manifest: Manifest =
            serde_json::from_slice(&self.record(b'M')?).map_err(|_| damaged("manifest is not readable"))?;
        let key_text =
            Zeroizing::new(String::from_utf8(self.record(b'K')?).map_err(|_| damaged("master key text is not UTF-8"))?);
        let types = check_manifest(&manifest)?;
        Ok((manifest, key_text, types))
    }

    /// Reads one table's rows (after its 'T' record), handing them over in batches.
    fn table_header(&mut self, expected: &str) -> Result<(), BackupError> {
        let name = self.record(b'T')?;
        if name != expected.as_bytes() {
            return Err(damaged("tables out of order"));
        }
        Ok(())
    }

    fn row(&mut self, types: &[ColType]) -> Result<Vec<Value>, BackupError> {
        if self.tag()? != b'R' {
            return Err(damaged("row expected"));
        }
        types.iter().map(|t| self.value(*t)).collect()
    }

    fn end(&mut self) -> Result<(), BackupError> {
        if self.tag()? != b'Z' {
            return Err(damaged("more rows than the manifest counts"));
        }
        // Nothing may follow the end mark.
        if !self.r.fill_buf()?.is_empty() {
            return Err(damaged("bytes after the end"));
        }
        Ok(())
    }
}

/// Checks that the backup's schema is one this build can restore, and returns each table's
/// column types.
fn check_manifest(m: &Manifest) -> Result<Vec<Vec<ColType>>, BackupError> {
    if m.format != 1 {
        return Err(BackupError::Input(format!("backup payload format {} is not supported", m.format)));
    }
    let latest = Db::latest_schema_version();
    if m.schema_version > latest {
        return Err(BackupError::Input(format!(
            "this backup has schema version {}, newer than this build's ({latest}): restore it with a newer passerelle",
            m.schema_version
        )));
    }
    let mut last_index = None;
    let mut types = Vec::with_capacity(m.tables.len());
    for t in &m.tables {
        let (index, spec) = spec(&t.name).ok_or_else(|| damaged("unknown table"))?;
        if last_index.is_some_and(|l| index <= l) {
            return Err(damaged("tables out of order"));
        }
        last_index = Some(index);
        let mut cols = Vec::with_capacity(t.columns.len());
        for (name, ty) in &t.columns {
            let known = spec.columns.iter().find(|(n, _)| n == name).ok_or_else(|| damaged("unknown column"))?;
            if known.1 != *ty {
                return Err(damaged("column of another type"));
            }
            cols.push(*ty);
        }
        types.push(cols);
    }
    Ok(types)
}

/// Reads a whole payload, checking its structure and every row count, without touching any
/// database. Returns the manifest and the master key file text.
pub fn check_payload<R: Read>(payload: R) -> Result<(Manifest, Zeroizing<String>), BackupError> {
    let mut p = PayloadReader { r: io::BufReader::with_capacity(1 << 16, payload) };
    let (manifest, key_text, types) = p.start()?;
    Keyring::from_text(&key_text).map_err(|_| damaged("master key text"))?;
    for (t, cols) in manifest.tables.iter().zip(&types) {
        p.table_header(&t.name)?;
        for _ in 0..t.rows {
            p.row(cols)?;
        }
    }
    p.end()?;
    Ok((manifest, key_text))
}

/// What a backup wrote.
#[derive(Clone, Debug)]
pub struct DumpSummary {
    /// The manifest written.
    pub manifest: Manifest,
    /// Data keys checked to unwrap with the master key file included.
    pub data_keys_checked: u64,
}

impl Db {
    /// The last migration this build knows.
    pub fn latest_schema_version() -> i64 {
        crate::db::latest_migration()
    }
}

/// Every column of every table of the installation (the migrations' own table aside).
const SQLITE_COLUMNS: &str = "SELECT m.name, p.name, p.type FROM sqlite_master m, pragma_table_info(m.name) p \
                              WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations' \
                              ORDER BY m.name, p.cid";
const POSTGRES_COLUMNS: &str = "SELECT table_name::text, column_name::text, data_type::text \
                                FROM information_schema.columns WHERE table_schema = current_schema() \
                                AND table_name <> '_sqlx_migrations' ORDER BY table_name, ordinal_position";
const APPLIED: &str = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE";

/// Compares the live schema with [`TABLES`]: every live table and column must be known, with
/// a compatible type, and every known one must exist.
fn compare_schema(sqlite: bool, live: &[(String, String, String)]) -> Result<(), BackupError> {
    let mut tables: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (t, c, ty) in live {
        tables.entry(t.as_str()).or_default().push((c.as_str(), ty.as_str()));
    }
    for (name, cols) in &tables {
        let (_, spec) = spec(name).ok_or_else(|| {
            BackupError::Failed(format!("table {name} is not covered by the backup (update backup.rs)"))
        })?;
        for (c, ty) in cols {
            let known = spec.columns.iter().find(|(n, _)| n == c).ok_or_else(|| {
                BackupError::Failed(format!("column {name}.{c} is not covered by the backup (update backup.rs)"))
            })?;
            if !known.1.matches(sqlite, ty) {
                return Err(BackupError::Failed(format!("column {name}.{c} has type {ty}, not {:?}", known.1)));
            }
        }
        if cols.len() != spec.columns.len() {
            return Err(BackupError::Failed(format!("table {name} lacks columns the backup expects")));
        }
    }
    if let Some(missing) = TABLES.iter().find(|t| !tables.contains_key(t.name)) {
        return Err(BackupError::Failed(format!("table {} is missing from the installation", missing.name)));
    }
    Ok(())
}

/// Reads one column of a row as a typed value.
macro_rules! decode {
    ($row:expr, $i:expr, $ty:expr) => {
        match $ty {
            ColType::Int => match $row.try_get::<Option<i64>, _>($i) {
                Ok(v) => v.map(Value::Int),
                // PostgreSQL INTEGER columns.
                Err(_) => $row.try_get::<Option<i32>, _>($i)?.map(|v| Value::Int(i64::from(v))),
            },
            ColType::Real => $row.try_get::<Option<f64>, _>($i)?.map(Value::Real),
            ColType::Text => $row.try_get::<Option<String>, _>($i)?.map(Value::Text),
            ColType::Bytes => $row.try_get::<Option<Vec<u8>>, _>($i)?.map(Value::Bytes),
            ColType::Uuid => $row.try_get::<Option<Uuid>, _>($i)?.map(Value::Uuid),
            ColType::Timestamp => $row.try_get::<Option<OffsetDateTime>, _>($i)?.map(Value::Timestamp),
            ColType::Bool => $row.try_get::<Option<bool>, _>($i)?.map(Value::Bool),
        }
        .unwrap_or(Value::Null)
    };
}

/// Checks that a `data_keys` row (id, purpose, `master_version`, wrapped, …) unwraps with the
/// keyring being backed up. Returns whether the key is live.
fn check_key_row(keyring: &Keyring, row: &[Value]) -> Result<bool, BackupError> {
    let (Some(Value::Uuid(id)), Some(Value::Text(purpose)), Some(Value::Int(version)), Some(wrapped)) =
        (row.first(), row.get(1), row.get(2), row.get(3))
    else {
        return Err(BackupError::Failed("data_keys row of an unexpected shape".into()));
    };
    let Value::Bytes(bytes) = wrapped else { return Ok(false) };
    let master_version = u32::try_from(*version).map_err(|_| BackupError::Failed("data key master version".into()))?;
    let wrapped = WrappedKey { master_version, bytes: bytes.clone() };
    passerelle_crypto::keys::unwrap_data_key(keyring, &wrapped, &crate::vault::wrap_aad(*id, purpose)).map_err(
        |_| {
            BackupError::Failed(
                "a data key of the installation does not unwrap with its master key file: the key file does not match \
             the database, so the backup would be useless"
                    .into(),
            )
        },
    )?;
    Ok(true)
}

/// Writes a consistent logical copy of the installation at `db`, with the text of its master
/// key file `key_file`, to `out` (which should encrypt it).
pub async fn dump<W: Write>(db: &Db, key_file: &Path, out: &mut W) -> Result<DumpSummary, BackupError> {
    macro_rules! body {
        ($tx:ident, $columns_sql:expr, $sqlite:expr) => {{
            let live: Vec<(String, String, String)> = sqlx::query_as($columns_sql).fetch_all(&mut *$tx).await?;
            if live.is_empty() {
                return Err(BackupError::Input("there is no installation here".into()));
            }
            let applied: i64 = sqlx::query_scalar(APPLIED).fetch_one(&mut *$tx).await?;
            let latest = Db::latest_schema_version();
            if applied != latest {
                return Err(BackupError::Input(format!(
                    "the installation's schema version is {applied} and this build's is {latest}: run `passerelle \
                     migrate` with the matching version first"
                )));
            }
            compare_schema($sqlite, &live)?;
            let mut tables = Vec::with_capacity(TABLES.len());
            for t in TABLES {
                let sql = format!("SELECT COUNT(*) FROM {}", t.name);
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *$tx).await?;
                tables.push(TableManifest {
                    name: t.name.to_owned(),
                    columns: t.columns.iter().map(|(c, ty)| ((*c).to_owned(), *ty)).collect(),
                    rows: u64::try_from(n).unwrap_or(0),
                });
            }
            if tables.first().is_none_or(|t| t.rows == 0) {
                return Err(BackupError::Input("there is no installation here".into()));
            }
            // Read after the snapshot began: a rotation appends its version to the file before
            // re-wrapping any key, so the file read now holds every version the snapshot uses.
            let (keyring, key_text) = Keyring::load_with_text(key_file)
                .map_err(|e| BackupError::Input(format!("cannot read the master key file: {e}")))?;
            let created_at = OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .map_err(|e| BackupError::Failed(e.to_string()))?;
            let manifest = Manifest {
                format: 1,
                created_at,
                source: if $sqlite { "sqlite" } else { "postgres" }.to_owned(),
                schema_version: applied,
                tables,
            };
            out.write_all(PAYLOAD_MAGIC)?;
            out.write_all(&[PAYLOAD_VERSION])?;
            let json = serde_json::to_vec(&manifest).map_err(|e| BackupError::Failed(e.to_string()))?;
            put_record(out, b'M', &json)?;
            put_record(out, b'K', key_text.as_bytes())?;
            let mut keys_checked = 0u64;
            for (t, m) in TABLES.iter().zip(&manifest.tables) {
                put_record(out, b'T', t.name.as_bytes())?;
                let cols: Vec<&str> = t.columns.iter().map(|(c, _)| *c).collect();
                let sql = format!("SELECT {} FROM {}", cols.join(", "), t.name);
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *$tx);
                let mut n = 0u64;
                let mut values = Vec::with_capacity(t.columns.len());
                while let Some(row) = rows.try_next().await? {
                    values.clear();
                    for (i, (_, ty)) in t.columns.iter().enumerate() {
                        values.push(decode!(row, i, *ty));
                    }
                    if t.name == "data_keys" && check_key_row(&keyring, &values)? {
                        keys_checked += 1;
                    }
                    out.write_all(b"R")?;
                    for v in &values {
                        put_value(out, v)?;
                    }
                    n += 1;
                }
                if n != m.rows {
                    return Err(BackupError::Failed(format!("table {} changed during the backup", t.name)));
                }
            }
            out.write_all(b"Z")?;
            out.flush()?;
            Ok(DumpSummary { manifest, data_keys_checked: keys_checked })
        }};
    }
    match db {
        Db::Sqlite(pool) => {
            // A deferred transaction: its first read fixes the WAL snapshot every later read
            // sees; writers go on meanwhile.
            let mut tx = pool.begin().await?;
            let r: Result<DumpSummary, BackupError> = body!(tx, SQLITE_COLUMNS, true);
            tx.rollback().await?;
            r
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
            let r: Result<DumpSummary, BackupError> = body!(tx, POSTGRES_COLUMNS, false);
            tx.rollback().await?;
            r
        }
    }
}

/// Whether the database at `db` holds no data at all (no table, or only empty tables).
pub async fn is_empty(db: &Db) -> Result<bool, BackupError> {
    let live: Vec<(String, String, String)> = match db {
        Db::Sqlite(pool) => sqlx::query_as(SQLITE_COLUMNS).fetch_all(pool).await?,
        Db::Postgres(pool) => sqlx::query_as(POSTGRES_COLUMNS).fetch_all(pool).await?,
    };
    let mut names: Vec<&str> = live.iter().map(|(t, _, _)| t.as_str()).collect();
    names.dedup();
    for name in names {
        // Names come from the catalogue; quote them anyway.
        let sql = format!("SELECT COUNT(*) FROM \"{}\"", name.replace('"', "\"\""));
        let n: i64 = run!(db, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await)?;
        if n > 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Rows per statement when restoring: a bound on bind parameters (SQLite allows 32,766).
const MAX_PARAMS: usize = 30_000;

/// Binds one value, typed by its column (a NULL needs the column's type on PostgreSQL).
macro_rules! bind_value {
    ($b:expr, $v:expr, $ty:expr) => {
        match ($v, $ty) {
            (Value::Null, ColType::Int) => $b.push_bind(None::<i64>),
            (Value::Null, ColType::Real) => $b.push_bind(None::<f64>),
            (Value::Null, ColType::Text) => $b.push_bind(None::<String>),
            (Value::Null, ColType::Bytes) => $b.push_bind(None::<Vec<u8>>),
            (Value::Null, ColType::Uuid) => $b.push_bind(None::<Uuid>),
            (Value::Null, ColType::Timestamp) => $b.push_bind(None::<OffsetDateTime>),
            (Value::Null, ColType::Bool) => $b.push_bind(None::<bool>),
            (Value::Int(v), _) => $b.push_bind(v),
            (Value::Real(v), _) => $b.push_bind(v),
            (Value::Text(v), _) => $b.push_bind(v),
            (Value::Bytes(v), _) => $b.push_bind(v),
            (Value::Uuid(v), _) => $b.push_bind(v),
            (Value::Timestamp(v), _) => $b.push_bind(v),
            (Value::Bool(v), _) => $b.push_bind(v),
        }
    };
}

/// Restores a payload into the (migrated, empty) database at `db` inside one transaction,
/// and returns the manifest and the master key file text. `before_commit` runs once every
/// row is in, before the commit: the caller writes the key file there, so a failure leaves
/// the target without data and without a key.
pub async fn load<R: Read, F>(
    db: &Db,
    payload: R,
    before_commit: F,
) -> Result<(Manifest, Zeroizing<String>), BackupError>
where
    F: FnOnce(&Zeroizing<String>) -> Result<(), BackupError>,
{
    let mut p = PayloadReader { r: io::BufReader::with_capacity(1 << 16, payload) };
    let (manifest, key_text, types) = p.start()?;
    macro_rules! body {
        ($tx:ident, $db_ty:ty) => {{
            for (t, cols) in manifest.tables.iter().zip(&types) {
                p.table_header(&t.name)?;
                let names: Vec<&str> = t.columns.iter().map(|(c, _)| c.as_str()).collect();
                let per_statement = (MAX_PARAMS / cols.len().max(1)).clamp(1, 1000);
                let mut left = t.rows;
                while left > 0 {
                    let take = left.min(u64::try_from(per_statement).unwrap_or(1));
                    let mut batch = Vec::with_capacity(usize::try_from(take).unwrap_or(0));
                    for _ in 0..take {
                        batch.push(p.row(cols)?);
                    }
                    left -= take;
                    let mut qb =
                        sqlx::QueryBuilder::<$db_ty>::new(format!("INSERT INTO {} ({}) ", t.name, names.join(", ")));
                    qb.push_values(batch, |mut b, row| {
                        for (v, ty) in row.into_iter().zip(cols) {
                            bind_value!(b, v, *ty);
                        }
                    });
                    qb.build().execute(&mut *$tx).await?;
                }
            }
            p.end()?;
        }};
    }
    match db {
        Db::Sqlite(pool) => {
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            body!(tx, sqlx::Sqlite);
            before_commit(&key_text)?;
            tx.commit().await?;
        }
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            body!(tx, sqlx::Postgres);
            before_commit(&key_text)?;
            tx.commit().await?;
        }
    }
    Ok((manifest, key_text))
}

/// Rows per table of the installation, in [`TABLES`] order.
pub async fn row_counts(db: &Db) -> Result<Vec<(&'static str, u64)>, BackupError> {
    let mut out = Vec::with_capacity(TABLES.len());
    for t in TABLES {
        let sql = format!("SELECT COUNT(*) FROM {}", t.name);
        let n: i64 = run!(db, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await)?;
        out.push((t.name, u64::try_from(n).unwrap_or(0)));
    }
    Ok(out)
}

/// What [`Store::check_keys_and_sample`] found.
#[derive(Clone, Copy, Debug, Default)]
pub struct SampleCheck {
    /// Live data keys that unwrapped with the master key file.
    pub data_keys: u64,
    /// Case identities decrypted.
    pub identities: u64,
    /// Screening facts decrypted.
    pub screenings: u64,
    /// Second-factor secrets decrypted.
    pub mfa_secrets: u64,
}

/// How many sealed values of each kind the check decrypts.
const SAMPLE: i64 = 25;

impl Store {
    /// Unwraps every live data key and decrypts a sample of sealed values (case identities,
    /// screening facts, second-factor secrets): proof that the data and the master key file
    /// belong together. Fails at the first value that does not open.
    pub async fn check_keys_and_sample(&self) -> Result<SampleCheck, StoreError> {
        #[derive(sqlx::FromRow)]
        struct KeyRow {
            id: Uuid,
            purpose: String,
            master_version: i64,
            wrapped: Vec<u8>,
        }
        const KEYS: &str = "SELECT id, purpose, master_version, wrapped FROM data_keys \
                            WHERE wrapped IS NOT NULL AND id > $1 ORDER BY id LIMIT 1000";
        const CASES: &str = "SELECT c.id FROM cases c JOIN data_keys k ON k.id = c.key_id \
                             WHERE k.wrapped IS NOT NULL ORDER BY c.id LIMIT $1";
        const SCREENINGS: &str = "SELECT id, facts FROM screenings ORDER BY id LIMIT $1";
        const MFA: &str = "SELECT id, mfa_secret FROM users WHERE mfa_secret IS NOT NULL ORDER BY id LIMIT $1";
        let mut check = SampleCheck::default();
        let mut after = Uuid::nil();
        loop {
            let rows: Vec<KeyRow> = run!(&self.db, |pool| sqlx::query_as(KEYS).bind(after).fetch_all(pool).await)?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for r in &rows {
                let master_version =
                    u32::try_from(r.master_version).map_err(|_| StoreError::Corrupt("master version"))?;
                let wrapped = WrappedKey { master_version, bytes: r.wrapped.clone() };
                self.vault.unwrap(r.id, &r.purpose, &wrapped)?;
                check.data_keys += 1;
            }
        }
        let cases: Vec<Uuid> = run!(&self.db, |pool| sqlx::query_scalar(CASES).bind(SAMPLE).fetch_all(pool).await)?;
        for id in cases {
            let case = self.case(passerelle_core::ids::CaseId(id)).await?;
            if case.identity.is_none() {
                return Err(StoreError::Corrupt("case identity"));
            }
            check.identities += 1;
        }
        let screenings: Vec<(Uuid, Vec<u8>)> =
            run!(&self.db, |pool| sqlx::query_as(SCREENINGS).bind(SAMPLE).fetch_all(pool).await)?;
        for (id, facts) in screenings {
            self.open_system("screenings", "facts", id, &facts).await?;
            check.screenings += 1;
        }
        let mfa: Vec<(Uuid, Vec<u8>)> = run!(&self.db, |pool| sqlx::query_as(MFA).bind(SAMPLE).fetch_all(pool).await)?;
        for (id, secret) in mfa {
            self.open_system("users", "mfa_secret", id, &secret).await?;
            check.mfa_secrets += 1;
        }
        Ok(check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let t =
            OffsetDateTime::from_unix_timestamp_nanos(1_767_225_600_123_456_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let cases = [
            (Value::Null, ColType::Text),
            (Value::Int(-42), ColType::Int),
            (Value::Real(0.25), ColType::Real),
            (Value::Text("Éloïse".into()), ColType::Text),
            (Value::Bytes(vec![0, 1, 255]), ColType::Bytes),
            (Value::Uuid(Uuid::from_u128(7)), ColType::Uuid),
            (Value::Timestamp(t), ColType::Timestamp),
            (Value::Bool(true), ColType::Bool),
        ];
        let mut buf = Vec::new();
        for (v, _) in &cases {
            put_value(&mut buf, v).unwrap_or_else(|e| panic!("{e}"));
        }
        let mut r = PayloadReader { r: io::BufReader::new(buf.as_slice()) };
        for (v, ty) in &cases {
            assert_eq!(&r.value(*ty).unwrap_or_else(|e| panic!("{e}")), v);
        }
        // A value of another type than its column is refused.
        let mut buf = Vec::new();
        put_value(&mut buf, &Value::Int(1)).unwrap_or_else(|e| panic!("{e}"));
        let mut r = PayloadReader { r: io::BufReader::new(buf.as_slice()) };
        assert!(r.value(ColType::Text).is_err());
    }

    #[test]
    fn manifest_from_a_newer_schema_is_refused() {
        let m = Manifest {
            format: 1,
            created_at: String::new(),
            source: "sqlite".into(),
            schema_version: Db::latest_schema_version() + 1,
            tables: vec![],
        };
        let err = check_manifest(&m).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("newer"), "{err}");
        let ok = Manifest { schema_version: Db::latest_schema_version(), ..m };
        assert!(check_manifest(&ok).is_ok());
    }

    #[test]
    fn tables_are_unique_and_parents_come_first() {
        let mut seen = std::collections::HashSet::new();
        for t in TABLES {
            assert!(seen.insert(t.name), "{} twice", t.name);
        }
        assert_eq!(TABLES.first().map(|t| t.name), Some("installation"));
    }
}

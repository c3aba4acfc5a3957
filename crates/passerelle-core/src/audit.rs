//! What an audit entry says, and the exact bytes its chain MAC covers.

use serde::Serialize;
use time::OffsetDateTime;

use crate::ids::{AuditId, OrgId, UserId};

/// Whether the audited attempt succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Done.
    Success,
    /// Refused by a rule (permission, lockout, validation, conflict).
    Denied,
    /// Failed (wrong password, wrong code).
    Failure,
}

impl Outcome {
    /// The stable name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failure => "failure",
        }
    }

    /// Parses the storage form.
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Outcome::Success),
            "denied" => Some(Outcome::Denied),
            "failure" => Some(Outcome::Failure),
            _ => None,
        }
    }
}

/// An entry to append. `action` and `object_type` are stable machine names
/// (`sign_in`, `user.create`, `organization`…); nothing identifying a child or a person's
/// secret goes into an entry, only identifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// Who acted (absent for a failed sign-in with an unknown name, or the system).
    pub actor_user_id: Option<UserId>,
    /// Their organization.
    pub actor_org_id: Option<OrgId>,
    /// What was done.
    pub action: String,
    /// On what kind of object.
    pub object_type: String,
    /// Which object.
    pub object_id: Option<String>,
    /// The organization the object belongs to, so each organization sees its own trail.
    pub object_org_id: Option<OrgId>,
    /// Why, when the actor gave a purpose.
    pub purpose: Option<String>,
    /// Result.
    pub outcome: Outcome,
}

/// An entry as stored, with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Identifier.
    pub id: AuditId,
    /// When (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The entry itself.
    #[serde(flatten)]
    pub entry: AuditFields,
}

/// The fields of a stored entry (serializable form of [`NewAuditEntry`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditFields {
    /// Who acted.
    pub actor_user_id: Option<UserId>,
    /// Their organization.
    pub actor_org_id: Option<OrgId>,
    /// What was done.
    pub action: String,
    /// On what kind of object.
    pub object_type: String,
    /// Which object.
    pub object_id: Option<String>,
    /// The object's organization.
    pub object_org_id: Option<OrgId>,
    /// Why.
    pub purpose: Option<String>,
    /// Result.
    pub outcome: Outcome,
}

impl From<NewAuditEntry> for AuditFields {
    fn from(e: NewAuditEntry) -> Self {
        Self {
            actor_user_id: e.actor_user_id,
            actor_org_id: e.actor_org_id,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            object_org_id: e.object_org_id,
            purpose: e.purpose,
            outcome: e.outcome,
        }
    }
}

/// The canonical bytes of an entry, covered by its chain MAC.
///
/// Every field is length-prefixed, so no two different entries share an encoding; the
/// sequence number is included so that moving an entry breaks the chain even if its MAC is
/// copied along.
pub fn canonical_bytes(seq: i64, id: AuditId, at: OffsetDateTime, f: &AuditFields) -> Vec<u8> {
    fn put(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
        match s {
            Some(s) => {
                out.push(1);
                put(out, s.as_bytes());
            }
            None => out.push(0),
        }
    }
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"passerelle-audit-v1");
    out.extend_from_slice(&seq.to_be_bytes());
    put(&mut out, id.0.as_bytes());
    out.extend_from_slice(&at.unix_timestamp_nanos().to_be_bytes());
    put_opt(&mut out, f.actor_user_id.map(|u| u.to_string()).as_deref());
    put_opt(&mut out, f.actor_org_id.map(|u| u.to_string()).as_deref());
    put(&mut out, f.action.as_bytes());
    put(&mut out, f.object_type.as_bytes());
    put_opt(&mut out, f.object_id.as_deref());
    put_opt(&mut out, f.object_org_id.map(|u| u.to_string()).as_deref());
    put_opt(&mut out, f.purpose.as_deref());
    put(&mut out, f.outcome.as_str().as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(action: &str, object_type: &str) -> AuditFields {
        AuditFields {
            actor_user_id: None,
            actor_org_id: None,
            action: action.into(),
            object_type: object_type.into(),
            object_id: None,
            object_org_id: None,
            purpose: None,
            outcome: Outcome::Success,
        }
    }

    #[test]
    fn canonical_is_unambiguous() {
        let id = AuditId::new();
        let at = crate::time::now();
        let a = canonical_bytes(1, id, at, &fields("ab", "c"));
        let b = canonical_bytes(1, id, at, &fields("a", "bc"));
        assert_ne!(a, b);
        assert_ne!(canonical_bytes(1, id, at, &fields("a", "b")), canonical_bytes(2, id, at, &fields("a", "b")));
        let mut with_purpose = fields("a", "b");
        with_purpose.purpose = Some(String::new());
        assert_ne!(canonical_bytes(1, id, at, &fields("a", "b")), canonical_bytes(1, id, at, &with_purpose));
    }
}

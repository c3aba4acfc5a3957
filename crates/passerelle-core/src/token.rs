//! Scopes of personal API tokens.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::role::Action;

/// What a personal API token may be used for. A token never gives more than its owner's roles:
/// a request needs both the scope and the role's permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApiScope {
    /// Read one's own profile.
    #[serde(rename = "profile:read")]
    ProfileRead,
    /// Read organizations.
    #[serde(rename = "organizations:read")]
    OrganizationsRead,
    /// Read accounts.
    #[serde(rename = "users:read")]
    UsersRead,
    /// Read the audit trail.
    #[serde(rename = "audit:read")]
    AuditRead,
    /// Evaluate screening facts.
    #[serde(rename = "screenings:evaluate")]
    ScreeningsEvaluate,
    /// Read the cases one may see.
    #[serde(rename = "cases:read")]
    CasesRead,
    /// Open cases and add notes.
    #[serde(rename = "cases:write")]
    CasesWrite,
}

impl ApiScope {
    /// Every scope, in the order shown in forms.
    pub const ALL: [ApiScope; 7] = [
        ApiScope::ProfileRead,
        ApiScope::OrganizationsRead,
        ApiScope::UsersRead,
        ApiScope::AuditRead,
        ApiScope::ScreeningsEvaluate,
        ApiScope::CasesRead,
        ApiScope::CasesWrite,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::ProfileRead => "profile:read",
            ApiScope::OrganizationsRead => "organizations:read",
            ApiScope::UsersRead => "users:read",
            ApiScope::AuditRead => "audit:read",
            ApiScope::ScreeningsEvaluate => "screenings:evaluate",
            ApiScope::CasesRead => "cases:read",
            ApiScope::CasesWrite => "cases:write",
        }
    }

    /// The role permission a request under this scope also needs, if any.
    pub fn required_action(self) -> Option<Action> {
        match self {
            ApiScope::ProfileRead => None,
            ApiScope::OrganizationsRead => Some(Action::ViewOrganization),
            ApiScope::UsersRead => Some(Action::ViewUsers),
            ApiScope::AuditRead => Some(Action::ViewAudit),
            ApiScope::ScreeningsEvaluate => Some(Action::Screen),
            ApiScope::CasesRead => Some(Action::ViewCases),
            ApiScope::CasesWrite => Some(Action::EditCases),
        }
    }
}

impl fmt::Display for ApiScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope name that does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown API scope")]
pub struct UnknownScope;

impl FromStr for ApiScope {
    type Err = UnknownScope;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiScope::ALL.into_iter().find(|x| x.as_str() == s.trim()).ok_or(UnknownScope)
    }
}

/// Parses the storage form (comma-separated), sorted and deduplicated.
pub fn parse_scopes(s: &str) -> Result<Vec<ApiScope>, UnknownScope> {
    let mut v: Vec<ApiScope> =
        s.split(',').filter(|p| !p.trim().is_empty()).map(str::parse).collect::<Result<_, _>>()?;
    v.sort();
    v.dedup();
    Ok(v)
}

/// The storage form.
pub fn format_scopes(scopes: &[ApiScope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for s in ApiScope::ALL {
            assert_eq!(s.as_str().parse::<ApiScope>(), Ok(s));
        }
        assert_eq!(
            parse_scopes("audit:read,profile:read,audit:read").map(|v| format_scopes(&v)),
            Ok("profile:read,audit:read".into())
        );
        assert!(parse_scopes("admin:all").is_err());
    }
}

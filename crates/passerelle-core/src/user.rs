//! Accounts.

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::{ValidationError, text_field};
use crate::ids::{OrgId, UserId};
use crate::role::{Role, parse_roles};

/// Whether an account may sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// Refused at sign-in; kept for the audit trail.
    Disabled,
}

impl UserStatus {
    /// The stable name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    /// Parses the storage form; anything unknown is treated as disabled (fail closed).
    pub fn from_db(s: &str) -> Self {
        if s == "active" { UserStatus::Active } else { UserStatus::Disabled }
    }
}

/// An account as the rest of the platform sees it (no secrets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    /// Identifier.
    pub id: UserId,
    /// Organization the account belongs to.
    pub org_id: OrgId,
    /// Sign-in name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// Preferred language (`fr` or `en`).
    pub locale: String,
    /// Whether the account may sign in.
    pub status: UserStatus,
    /// Whether a second factor is enrolled.
    pub mfa_enabled: bool,
    /// Creation time (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Version for optimistic concurrency.
    pub version: i64,
}

impl User {
    /// Whether any of the user's roles requires a second factor.
    pub fn requires_mfa(&self) -> bool {
        self.roles.iter().any(|r| r.requires_mfa())
    }
}

/// Normalizes and checks a sign-in name: 3–64 characters among `a-z 0-9 . _ -`, lowercase.
pub fn parse_username(errors: &mut ValidationError, raw: &str) -> String {
    let name = raw.trim().to_lowercase();
    let n = name.chars().count();
    if n == 0 {
        errors.push("username", "required");
    } else if n < 3 {
        errors.push("username", "too-short");
    } else if n > 64 {
        errors.push("username", "too-long");
    } else if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')) {
        errors.push("username", "username-characters");
    }
    name
}

/// A validated request to create an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUserInput {
    /// Sign-in name.
    pub username: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// At least one role.
    pub roles: Vec<Role>,
    /// `fr` or `en`.
    pub locale: String,
}

impl NewUserInput {
    /// Parses raw form or API values; every invalid field is reported at once.
    pub fn parse(username: &str, display_name: &str, roles: &[String], locale: &str) -> Result<Self, ValidationError> {
        let mut errors = ValidationError::default();
        let username = parse_username(&mut errors, username);
        let display_name = text_field(&mut errors, "display_name", display_name, 1, 120);
        let roles = match parse_roles(&roles.join(",")) {
            Ok(r) if r.is_empty() => {
                errors.push("roles", "required");
                r
            }
            Ok(r) => r,
            Err(_) => {
                errors.push("roles", "unknown-value");
                Vec::new()
            }
        };
        let locale = match locale.trim() {
            "" | "fr" => "fr",
            "en" => "en",
            _ => {
                errors.push("locale", "unknown-value");
                "fr"
            }
        };
        errors.into_result()?;
        Ok(Self { username, display_name, roles, locale: locale.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        let mut e = ValidationError::default();
        assert_eq!(parse_username(&mut e, "  Marie.Tremblay "), "marie.tremblay");
        assert!(e.fields.is_empty());
        for (bad, code) in
            [("", "required"), ("ab", "too-short"), ("émilie", "username-characters"), ("a b c", "username-characters")]
        {
            let mut e = ValidationError::default();
            parse_username(&mut e, bad);
            assert_eq!(e.first().map(|f| f.code), Some(code), "{bad:?}");
        }
    }

    #[test]
    fn new_user() {
        let ok = NewUserInput::parse("j.roy", "Julie Roy", &["screener".into(), "case_worker".into()], "en");
        assert_eq!(ok.map(|u| u.roles), Ok(vec![Role::CaseWorker, Role::Screener]));
        let bad = NewUserInput::parse("j.roy", "", &["god".into()], "de").err().unwrap_or_default();
        let fields: Vec<_> = bad.fields.iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["display_name", "roles", "locale"]);
        let none = NewUserInput::parse("j.roy", "Julie", &[], "fr").err().unwrap_or_default();
        assert_eq!(none.first().map(|f| (f.field, f.code)), Some(("roles", "required")));
    }
}

//! Roles and the one permission table of the platform.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a user may be asked to do in the platform. A user holds one or more roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the installation: organizations, their first administrators, retention, keys.
    SystemAdmin,
    /// Manages the accounts of one organization.
    OrgAdmin,
    /// Answers for privacy in one organization: access trail, consents, incidents.
    PrivacyOfficer,
    /// Approves plans and closures, follows the team's caseload.
    Supervisor,
    /// Follows children: cases, plans, referrals.
    CaseWorker,
    /// Screens for possible trafficking after a contact.
    Screener,
    /// Works on de-identified statistics only.
    Analyst,
    /// Manages training modules and follows completion.
    Trainer,
}

impl Role {
    /// Every role, in the order shown to administrators.
    pub const ALL: [Role; 8] = [
        Role::SystemAdmin,
        Role::OrgAdmin,
        Role::PrivacyOfficer,
        Role::Supervisor,
        Role::CaseWorker,
        Role::Screener,
        Role::Analyst,
        Role::Trainer,
    ];

    /// The stable name used in storage, forms and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::OrgAdmin => "org_admin",
            Role::PrivacyOfficer => "privacy_officer",
            Role::Supervisor => "supervisor",
            Role::CaseWorker => "case_worker",
            Role::Screener => "screener",
            Role::Analyst => "analyst",
            Role::Trainer => "trainer",
        }
    }

    /// Whether this role can see information about a child (identifying or not, in a case,
    /// a screening or an access report). Such roles must sign in with a second factor.
    ///
    /// Administrators are included although they see no case: they create and unlock the
    /// accounts that do, so their accounts are as valuable to an attacker.
    pub fn requires_mfa(self) -> bool {
        !matches!(self, Role::Analyst | Role::Trainer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that does not exist.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or(UnknownRole)
    }
}

/// Parses the storage form of a role set (comma-separated), sorted and deduplicated.
pub fn parse_roles(s: &str) -> Result<Vec<Role>, UnknownRole> {
    let mut v: Vec<Role> = s.split(',').filter(|p| !p.trim().is_empty()).map(str::parse).collect::<Result<_, _>>()?;
    v.sort();
    v.dedup();
    Ok(v)
}

/// The storage form of a role set.
pub fn format_roles(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

/// An action that the permission table governs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create organizations and see the list of all organizations.
    ManageOrganizations,
    /// See an organization's profile.
    ViewOrganization,
    /// See the accounts of an organization.
    ViewUsers,
    /// Create accounts, reset their password or second factor, disable them.
    ManageUsers,
    /// Browse the audit trail.
    ViewAudit,
    /// Create and revoke one's own API tokens.
    ManageOwnTokens,
    /// Screen a person for possible trafficking.
    Screen,
    /// Open and read children's cases.
    ViewCases,
    /// Change children's cases.
    EditCases,
    /// Approve service plans and closures.
    ApprovePlans,
    /// Read de-identified statistics.
    ViewStatistics,
    /// Manage training modules and see completion.
    ManageTraining,
    /// Keep one's own organization's profile in the partner directory (services,
    /// populations served, languages, hours, intake contact, referrals). Reading the directory needs
    /// only [`Action::ViewOrganization`], which every role holds.
    ManageDirectory,
    /// See who accessed one child's record, when, from where and on what basis (the access
    /// report a person may ask for).
    ViewAccessReport,
    /// Review the probable matches between organizations' cases (the same child?) and
    /// confirm or reject them.
    ReviewLinks,
    /// Rotate the installation's keys, set retention rules and the privacy officer's
    /// published contact.
    ManageInstallation,
    /// Place and lift legal holds that suspend the destruction of a case.
    ManageLegalHolds,
    /// Keep the organization's confidentiality-incident register.
    ManageIncidents,
}

impl Action {
    /// Every action, for the permission matrix tests and the documentation.
    pub const ALL: [Action; 18] = [
        Action::ManageOrganizations,
        Action::ViewOrganization,
        Action::ViewUsers,
        Action::ManageUsers,
        Action::ViewAudit,
        Action::ManageOwnTokens,
        Action::Screen,
        Action::ViewCases,
        Action::EditCases,
        Action::ApprovePlans,
        Action::ViewStatistics,
        Action::ManageTraining,
        Action::ManageDirectory,
        Action::ReviewLinks,
        Action::ViewAccessReport,
        Action::ManageInstallation,
        Action::ManageLegalHolds,
        Action::ManageIncidents,
    ];

    /// The stable name used in audit entries and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ManageOrganizations => "manage_organizations",
            Action::ViewOrganization => "view_organization",
            Action::ViewUsers => "view_users",
            Action::ManageUsers => "manage_users",
            Action::ViewAudit => "view_audit",
            Action::ManageOwnTokens => "manage_own_tokens",
            Action::Screen => "screen",
            Action::ViewCases => "view_cases",
            Action::EditCases => "edit_cases",
            Action::ApprovePlans => "approve_plans",
            Action::ViewStatistics => "view_statistics",
            Action::ManageTraining => "manage_training",
            Action::ManageDirectory => "manage_directory",
            Action::ReviewLinks => "review_links",
            Action::ViewAccessReport => "view_access_report",
            Action::ManageInstallation => "manage_installation",
            Action::ManageLegalHolds => "manage_legal_holds",
            Action::ManageIncidents => "manage_incidents",
        }
    }
}

use Action as A;
use Role as R;

/// The permission table: which role may perform which action, at most within its own
/// organization (the organization check is in [`crate::authz`]). This table is the only
/// place where a role is given a right; everything else asks [`role_allows`].
const TABLE: &[(Role, &[Action])] = &[
    (
        R::SystemAdmin,
        &[
            A::ManageOrganizations,
            A::ViewOrganization,
            A::ViewUsers,
            A::ManageUsers,
            A::ViewAudit,
            A::ManageOwnTokens,
            A::ManageInstallation,
        ],
    ),
    (
        R::OrgAdmin,
        &[
            A::ViewOrganization,
            A::ViewUsers,
            A::ManageUsers,
            A::ViewAudit,
            A::ManageOwnTokens,
            A::ManageTraining,
            A::ManageDirectory,
        ],
    ),
    (
        R::PrivacyOfficer,
        &[
            A::ViewOrganization,
            A::ViewUsers,
            A::ViewAudit,
            A::ManageOwnTokens,
            A::ReviewLinks,
            A::ViewAccessReport,
            A::ManageIncidents,
        ],
    ),
    (
        R::Supervisor,
        &[
            A::ViewOrganization,
            A::ViewUsers,
            A::ManageOwnTokens,
            A::Screen,
            A::ViewCases,
            A::EditCases,
            A::ApprovePlans,
            A::ManageLegalHolds,
        ],
    ),
    (R::CaseWorker, &[A::ViewOrganization, A::ManageOwnTokens, A::Screen, A::ViewCases, A::EditCases]),
    (R::Screener, &[A::ViewOrganization, A::ManageOwnTokens, A::Screen]),
    (R::Analyst, &[A::ViewOrganization, A::ManageOwnTokens, A::ViewStatistics]),
    (R::Trainer, &[A::ViewOrganization, A::ViewUsers, A::ManageOwnTokens, A::ManageTraining]),
];

/// Whether `role` is granted `action` by the permission table.
pub fn role_allows(role: Role, action: Action) -> bool {
    TABLE.iter().any(|(r, actions)| *r == role && actions.contains(&action))
}

/// Whether any of `roles` is granted `action`.
pub fn roles_allow(roles: &[Role], action: Action) -> bool {
    roles.iter().any(|r| role_allows(*r, action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_in_the_table_once() {
        for role in Role::ALL {
            assert_eq!(TABLE.iter().filter(|(r, _)| *r == role).count(), 1, "{role}");
        }
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("admin".parse::<Role>().is_err());
        assert_eq!(
            parse_roles("screener,case_worker,screener").map(|r| format_roles(&r)),
            Ok("case_worker,screener".into())
        );
        assert!(parse_roles("screener,root").is_err());
    }

    #[test]
    fn least_privilege_samples() {
        // Statistics are for analysts only; nobody but the system administrator manages
        // organizations or keys; analysts and trainers never touch cases.
        for role in Role::ALL {
            assert_eq!(role_allows(role, A::ViewStatistics), role == R::Analyst, "{role}");
            assert_eq!(role_allows(role, A::ManageOrganizations), role == R::SystemAdmin, "{role}");
            assert_eq!(role_allows(role, A::ManageInstallation), role == R::SystemAdmin, "{role}");
            // Everyone reads the partner directory; only an organization's administrator
            // keeps its profile.
            assert!(role_allows(role, A::ViewOrganization), "{role}");
            assert_eq!(role_allows(role, A::ManageDirectory), role == R::OrgAdmin, "{role}");
        }
        for role in [R::Analyst, R::Trainer, R::SystemAdmin, R::OrgAdmin] {
            assert!(!role_allows(role, A::ViewCases), "{role}");
            assert!(!role_allows(role, A::Screen), "{role}");
        }
        assert!(role_allows(R::Supervisor, A::ApprovePlans));
        // Holds and the incident register have one keeper each.
        for role in Role::ALL {
            assert_eq!(role_allows(role, A::ManageLegalHolds), role == R::Supervisor, "{role}");
            assert_eq!(role_allows(role, A::ManageIncidents), role == R::PrivacyOfficer, "{role}");
        }
        assert!(!role_allows(R::CaseWorker, A::ApprovePlans));
    }

    #[test]
    fn mfa_for_every_role_that_sees_children() {
        for role in Role::ALL {
            if role_allows(role, A::ViewCases) || role_allows(role, A::Screen) || role_allows(role, A::ViewAudit) {
                assert!(role.requires_mfa(), "{role}");
            }
        }
    }
}

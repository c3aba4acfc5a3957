//! Authorization: the one function every part calls before acting.
//!
//! A decision needs the actor (who, in which organization, with which roles), the action and
//! the object's organization. Roles come from the permission table in [`crate::role`]; the
//! organization rule is here: everyone acts inside their own organization, and only the
//! system administrator may reach across organizations, for administration only.

use serde::Serialize;

use crate::ids::{OrgId, UserId};
use crate::role::{Action, Role, roles_allow};

/// The signed-in person on whose behalf something is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The user.
    pub user_id: UserId,
    /// Their organization.
    pub org_id: OrgId,
    /// Their roles.
    pub roles: Vec<Role>,
}

/// What the action is applied to, as far as authorization is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Something that belongs to one organization (its profile, users, audit entries, cases).
    Org(OrgId),
    /// The installation as a whole (the list of organizations, keys, retention rules).
    Installation,
}

/// Why an action was refused. Kept coarse on purpose: the refusal shown to a user must not
/// reveal whether the object exists in another organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// No role of the actor grants the action.
    #[error("no role grants this action")]
    Role,
    /// The object belongs to another organization.
    #[error("the object belongs to another organization")]
    Organization,
}

/// Actions a system administrator may perform in any organization: administration of
/// accounts and the audit trail, never children's data.
const CROSS_ORG_ADMIN: [Action; 4] =
    [Action::ViewOrganization, Action::ViewUsers, Action::ManageUsers, Action::ViewAudit];

/// Decides whether `actor` may perform `action` on something in `scope`.
pub fn authorize(actor: &Actor, action: Action, scope: Scope) -> Result<(), Denied> {
    if !roles_allow(&actor.roles, action) {
        return Err(Denied::Role);
    }
    match scope {
        Scope::Installation => {
            if matches!(action, Action::ManageOrganizations | Action::ManageInstallation | Action::ManageOwnTokens)
                || actor.roles.contains(&Role::SystemAdmin)
            {
                Ok(())
            } else {
                Err(Denied::Role)
            }
        }
        Scope::Org(org) if org == actor.org_id => Ok(()),
        Scope::Org(_) => {
            if actor.roles.contains(&Role::SystemAdmin) && CROSS_ORG_ADMIN.contains(&action) {
                Ok(())
            } else {
                Err(Denied::Organization)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::role_allows;

    fn actor(roles: &[Role], org: OrgId) -> Actor {
        Actor { user_id: UserId::new(), org_id: org, roles: roles.to_vec() }
    }

    /// The full matrix: organization (own, other, installation) × role × action, denials
    /// included.
    #[test]
    fn matrix() {
        let own = OrgId::new();
        let other = OrgId::new();
        for role in Role::ALL {
            let a = actor(&[role], own);
            for action in Action::ALL {
                let granted = role_allows(role, action);
                // Own organization: exactly what the table grants.
                assert_eq!(authorize(&a, action, Scope::Org(own)).is_ok(), granted, "{role} {action:?} own");
                // Another organization: only the system administrator's cross-org administration.
                let cross = granted && role == Role::SystemAdmin && CROSS_ORG_ADMIN.contains(&action);
                let res = authorize(&a, action, Scope::Org(other));
                assert_eq!(res.is_ok(), cross, "{role} {action:?} other");
                if granted && !cross {
                    assert_eq!(res, Err(Denied::Organization), "{role} {action:?}");
                }
                if !granted {
                    assert_eq!(res, Err(Denied::Role), "{role} {action:?}");
                }
            }
        }
    }

    #[test]
    fn children_data_never_crosses_organizations() {
        let a = actor(&Role::ALL, OrgId::new());
        for action in [Action::ViewCases, Action::EditCases, Action::Screen, Action::ApprovePlans] {
            assert_eq!(authorize(&a, action, Scope::Org(OrgId::new())), Err(Denied::Organization));
        }
    }

    #[test]
    fn installation_scope() {
        let org = OrgId::new();
        assert!(authorize(&actor(&[Role::SystemAdmin], org), Action::ManageOrganizations, Scope::Installation).is_ok());
        assert!(authorize(&actor(&[Role::OrgAdmin], org), Action::ManageOrganizations, Scope::Installation).is_err());
        assert!(authorize(&actor(&[Role::OrgAdmin], org), Action::ViewAudit, Scope::Installation).is_err());
        assert!(authorize(&actor(&[Role::SystemAdmin], org), Action::ViewAudit, Scope::Installation).is_ok());
    }
}

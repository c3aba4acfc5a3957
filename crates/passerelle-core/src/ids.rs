//! Identifiers. Every row gets a UUIDv7 made by the application: they sort by creation time,
//! need no database sequence, and are the same on SQLite and PostgreSQL.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// An organization (agency) of the network.
    OrgId
);
id_type!(
    /// A person who signs in to the platform.
    UserId
);
id_type!(
    /// A personal API token.
    TokenId
);
id_type!(
    /// A data-encryption key (per case or per installation purpose).
    KeyId
);
id_type!(
    /// An entry of the audit trail.
    AuditId
);
id_type!(
    /// A screening (one evaluation of a possible situation of trafficking).
    ScreeningId
);
id_type!(
    /// A child's case in one organization.
    CaseId
);
id_type!(
    /// A note in a case.
    NoteId
);
id_type!(
    /// A recorded consent to share a child's information with other organizations.
    ConsentId
);
id_type!(
    /// A recorded legal basis for sharing without consent.
    BasisId
);
id_type!(
    /// A referral of a child from one organization to another.
    ReferralId
);
id_type!(
    /// A secure message between the organizations of a referral.
    MessageId
);
id_type!(
    /// A service the receiving organization of a referral reports delivering.
    ReferralServiceId
);
id_type!(
    /// An emergency access ("break-glass") to a case by someone not assigned to it.
    BreakGlassId
);
id_type!(
    /// An alert shown in the application to one person.
    AlertId
);

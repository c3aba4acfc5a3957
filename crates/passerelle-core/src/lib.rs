//! The pure domain of Passerelle.
//!
//! Nothing here touches a database, a clock, the network or a key: these are plain types and
//! functions that every other part (storage, web, command line) shares, so that a rule such as
//! "who may do what" is written once and tested without a server.

pub mod audit;
pub mod authz;
pub mod break_glass;
pub mod case;
pub mod consent;
pub mod directory;
pub mod error;
pub mod ids;
pub mod incident;
pub mod org;
pub mod plan;
pub mod privacy_contact;
pub mod referral;
pub mod region;
pub mod retention;
pub mod role;
pub mod screening;
pub mod time;
pub mod token;
pub mod user;

pub use error::{FieldError, ValidationError};

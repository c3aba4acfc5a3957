//! `passerelle admin …`: administration from the server's shell, for the operator who holds
//! the installation (recorded in the audit trail as done from the command line).

use std::io::Write;

use clap::Subcommand;
use passerelle_core::audit::{NewAuditEntry, Outcome};
use passerelle_core::ids::OrgId;
use passerelle_core::org::OrgInput;
use passerelle_core::user::NewUserInput;
use passerelle_store::{Store, StoreError};

use crate::Failure;
use crate::location::InstallArgs;

/// Administration commands.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an organization.
    CreateOrg {
        #[command(flatten)]
        install: InstallArgs,
        /// Public name.
        #[arg(long)]
        name: String,
        /// `youth_protection`, police, `health_social_services`, shelter, community, `legal_aid`,
        /// immigration, school or other.
        #[arg(long = "type")]
        org_type: String,
        /// Administrative region codes served, e.g. 06,13.
        #[arg(long)]
        regions: String,
    },
    /// List organizations (id, type, regions, name).
    ListOrgs {
        #[command(flatten)]
        install: InstallArgs,
    },
    /// Create an account; prints its temporary password once.
    CreateUser {
        #[command(flatten)]
        install: InstallArgs,
        /// Organization id (see list-orgs).
        #[arg(long)]
        org: String,
        /// Sign-in name.
        #[arg(long)]
        username: String,
        /// Name shown to colleagues.
        #[arg(long)]
        display_name: String,
        /// Roles, comma-separated: `system_admin`, `org_admin`, `privacy_officer`, supervisor,
        /// `case_worker`, screener, analyst, trainer.
        #[arg(long)]
        roles: String,
        /// Language: fr or en.
        #[arg(long, default_value = "fr")]
        locale: String,
    },
    /// Remove an account's second factor; the person enrols again at next sign-in.
    ResetMfa {
        #[command(flatten)]
        install: InstallArgs,
        /// Sign-in name.
        #[arg(long)]
        username: String,
    },
    /// Give an account a new temporary password (printed once) and end its sessions.
    ResetPassword {
        #[command(flatten)]
        install: InstallArgs,
        /// Sign-in name.
        #[arg(long)]
        username: String,
    },
    /// Print a new one-time setup link for a first administrator.
    SetupLink {
        #[command(flatten)]
        install: InstallArgs,
        /// Public address of the service.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
}

/// Writes one line to standard output.
pub fn print_line(line: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}").map_err(|e| Failure::other("cannot write to standard output", e))
}

pub fn cli_entry(action: &str, object_type: &str, object_id: String, org: Option<OrgId>) -> NewAuditEntry {
    NewAuditEntry {
        actor_user_id: None,
        actor_org_id: None,
        action: action.to_owned(),
        object_type: object_type.to_owned(),
        object_id: Some(object_id),
        object_org_id: org,
        purpose: Some("command line".to_owned()),
        outcome: Outcome::Success,
    }
}

/// A random temporary password, grouped for reading.
pub fn temporary_password() -> Result<String, Failure> {
    passerelle_crypto::password::temporary_password().map_err(|e| Failure::other("random", e))
}

/// Hashes a password off the async runtime.
pub async fn hash(pw: String) -> Result<String, Failure> {
    tokio::task::spawn_blocking(move || passerelle_crypto::password::hash_password(&pw))
        .await
        .map_err(|e| Failure::other("hash task", e))?
        .map_err(|e| Failure::other("hash", e))
}

fn invalid(e: &passerelle_core::ValidationError) -> Failure {
    let first = e.first().map_or_else(String::new, |f| format!("{} ({})", f.field, f.code));
    Failure::Input(format!("invalid input: {first}"))
}

async fn find_user(store: &Store, username: &str) -> Result<passerelle_core::user::User, Failure> {
    let name = username.trim().to_lowercase();
    match store.credentials_by_username(&name).await? {
        Some(c) => Ok(c.user),
        None => Err(Failure::Input("no such account".into())),
    }
}

/// Runs an admin command.
pub async fn run(cmd: AdminCommand) -> Result<(), Failure> {
    match cmd {
        AdminCommand::CreateOrg { install, name, org_type, regions } => {
            let input = OrgInput::parse(&name, &org_type, &[regions]).map_err(|e| invalid(&e))?;
            let (store, _) = install.open().await?;
            let org = match store.create_org(&input).await {
                Err(StoreError::Duplicate(_)) => {
                    return Err(Failure::Input("an organization with this name exists".into()));
                }
                other => other?,
            };
            store.audit(cli_entry("organization.create", "organization", org.id.to_string(), Some(org.id))).await?;
            print_line(&org.id.to_string())
        }
        AdminCommand::ListOrgs { install } => {
            let (store, _) = install.open().await?;
            for o in store.orgs().await? {
                let regions = passerelle_core::region::format_list(&o.regions);
                print_line(&format!("{}\t{}\t{}\t{}", o.id, o.org_type, regions, o.name))?;
            }
            Ok(())
        }
        AdminCommand::CreateUser { install, org, username, display_name, roles, locale } => {
            let org: OrgId = org.parse().map_err(|_| Failure::Input("--org is not an organization id".into()))?;
            let input = NewUserInput::parse(&username, &display_name, &[roles], &locale).map_err(|e| invalid(&e))?;
            let (store, _) = install.open().await?;
            match store.org(org).await {
                Err(StoreError::NotFound) => return Err(Failure::Input("no such organization".into())),
                other => other?,
            };
            let temp = temporary_password()?;
            let user = match store.create_user(org, &input, &hash(temp.clone()).await?).await {
                Err(StoreError::Duplicate(_)) => return Err(Failure::Input("this user name is taken".into())),
                other => other?,
            };
            store.audit(cli_entry("user.create", "user", user.id.to_string(), Some(org))).await?;
            print_line(&format!("{}\ttemporary password: {temp}", user.id))
        }
        AdminCommand::ResetMfa { install, username } => {
            let (store, _) = install.open().await?;
            let user = find_user(&store, &username).await?;
            store.reset_mfa(user.id, user.version).await?;
            store.end_user_sessions(user.id).await?;
            store.audit(cli_entry("user.reset_mfa", "user", user.id.to_string(), Some(user.org_id))).await?;
            print_line("second factor removed; the person will enrol again at next sign-in")
        }
        AdminCommand::ResetPassword { install, username } => {
            let (store, _) = install.open().await?;
            let user = find_user(&store, &username).await?;
            let temp = temporary_password()?;
            store.set_password(user.id, user.version, &hash(temp.clone()).await?).await?;
            store.end_user_sessions(user.id).await?;
            store.audit(cli_entry("user.reset_password", "user", user.id.to_string(), Some(user.org_id))).await?;
            print_line(&format!("temporary password: {temp}"))
        }
        AdminCommand::SetupLink { install, base_url } => {
            let (store, _) = install.open().await?;
            let token = store.create_setup_link().await?;
            store.audit(cli_entry("setup_link.create", "installation", "setup".to_owned(), None)).await?;
            print_line(&format!("{}/setup/{token}", base_url.trim_end_matches('/')))
        }
    }
}

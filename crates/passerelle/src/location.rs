//! Which installation a command works on: `--data-dir` (embedded SQLite) or
//! `--database-url` (PostgreSQL), exactly one, or their environment variables.

use std::path::PathBuf;

use clap::Args;
use passerelle_store::{Location, MASTER_KEY_FILE, Opened, Store};

use crate::Failure;

/// Where the installation is.
#[derive(Args, Debug, Clone)]
pub struct InstallArgs {
    /// Embedded installation (SQLite) in this directory, created if missing.
    #[arg(long, env = "PASSERELLE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL installation (postgres://…).
    #[arg(long, env = "PASSERELLE_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Master key file (default: master.key in the data directory; required with PostgreSQL).
    #[arg(long, env = "PASSERELLE_KEY_FILE", value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

impl InstallArgs {
    /// Resolves the location and the key file.
    pub fn resolve(&self) -> Result<(Location, PathBuf), Failure> {
        match (&self.data_dir, &self.database_url) {
            (Some(_), Some(_)) => Err(Failure::Input("give --data-dir or --database-url, not both".into())),
            (None, None) => Err(Failure::Input(
                "give --data-dir DIR or --database-url URL (or PASSERELLE_DATA_DIR / PASSERELLE_DATABASE_URL)".into(),
            )),
            (Some(dir), None) => {
                let key = self.key_file.clone().unwrap_or_else(|| dir.join(MASTER_KEY_FILE));
                Ok((Location::DataDir(dir.clone()), key))
            }
            (None, Some(url)) => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err(Failure::Input("--database-url must start with postgres://".into()));
                }
                let key = self.key_file.clone().ok_or_else(|| {
                    Failure::Input("with --database-url, give --key-file FILE (or PASSERELLE_KEY_FILE)".into())
                })?;
                Ok((Location::Postgres { url: url.clone(), schema: None }, key))
            }
        }
    }

    /// Opens (creating if needed) the installation.
    pub async fn open(&self) -> Result<(Store, Opened), Failure> {
        let (location, key) = self.resolve()?;
        Store::open(&location, &key).await.map_err(|e| Failure::other("cannot open the installation", e))
    }
}

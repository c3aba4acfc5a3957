//! The command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::location::InstallArgs;
use crate::{Failure, admin, demo, ops, serve};

/// Passerelle: identify, protect and follow child victims of trafficking, together.
#[derive(Parser, Debug)]
#[command(name = "passerelle", version, about, long_about = None)]
pub struct Cli {
    /// Write logs as JSON lines (for log collectors).
    #[arg(long, global = true)]
    pub log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the full application on a fresh temporary installation with fictional data.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Run the production server.
    Serve {
        #[command(flatten)]
        install: InstallArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "PASSERELLE_LISTEN")]
        listen: SocketAddr,
        /// Public address of the service (https://… marks cookies Secure).
        #[arg(long, env = "PASSERELLE_PUBLIC_URL")]
        public_url: Option<String>,
        /// Behind a reverse proxy: take client addresses from X-Forwarded-For (its last hop).
        #[arg(long, env = "PASSERELLE_TRUST_PROXY")]
        trust_proxy: bool,
    },
    /// Create or update the database schema, then exit.
    Migrate {
        #[command(flatten)]
        install: InstallArgs,
    },
    /// The tamper-evident audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Administration without the web interface.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Keys of the installation.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The common definition as an evaluation.
    Screening {
        #[command(subcommand)]
        command: ScreeningCommand,
    },
    /// Measure the storage layer at scale (fills the installation with fictional cases).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Print the current second-factor code for a base32 secret (for the demonstration).
    TotpCode {
        /// The secret, as printed by `passerelle demo`.
        secret: String,
    },
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Case list, case page and name search latency with N fictional children.
    Cases {
        #[command(flatten)]
        install: InstallArgs,
        /// How many children to create (use an empty installation).
        #[arg(long, default_value_t = 10_000)]
        children: usize,
        /// How many timed repetitions of each operation.
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Recompute the chain; exit 1 at the first broken entry.
    Verify {
        #[command(flatten)]
        install: InstallArgs,
    },
}

#[derive(Subcommand, Debug)]
enum KeysCommand {
    /// Add a master key version and re-wrap every data key under it, while servers run.
    Rotate {
        #[command(flatten)]
        install: InstallArgs,
    },
    /// Show how many data keys each master key version protects.
    Status {
        #[command(flatten)]
        install: InstallArgs,
    },
}

#[derive(Subcommand, Debug)]
enum ScreeningCommand {
    /// Evaluate one facts document (FILE or standard input) and print the result.
    Evaluate {
        /// The facts document (JSON); standard input when absent.
        file: Option<PathBuf>,
    },
}

/// Runs a parsed command.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Demo { listen } => demo::run(listen).await,
        Command::Serve { install, listen, public_url, trust_proxy } => {
            serve::serve(&install, listen, public_url.as_deref(), trust_proxy).await
        }
        Command::Migrate { install } => ops::migrate(&install).await,
        Command::Audit { command: AuditCommand::Verify { install } } => ops::audit_verify(&install).await,
        Command::Admin { command } => admin::run(command).await,
        Command::Keys { command: KeysCommand::Rotate { install } } => ops::keys_rotate(&install).await,
        Command::Keys { command: KeysCommand::Status { install } } => ops::keys_status(&install).await,
        Command::Screening { command: ScreeningCommand::Evaluate { file } } => ops::screening_evaluate(file.as_deref()),
        Command::TotpCode { secret } => ops::totp_code(&secret),
        Command::Bench { command: BenchCommand::Cases { install, children, samples } } => {
            crate::bench::cases(&install, children, samples).await
        }
    }
}

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
    /// Write one encrypted file holding a consistent copy of the installation and its master
    /// key (the backup key comes from `PASSERELLE_BACKUP_KEY_FILE`, created when missing).
    Backup {
        #[command(flatten)]
        install: InstallArgs,
        /// The backup file to write (replaced atomically when it exists).
        #[arg(long)]
        out: PathBuf,
        /// Backup key file (default: `$XDG_CONFIG_HOME/passerelle/backup.key`, that is
        /// `~/.config/passerelle/backup.key`); created, readable by its owner only, when missing.
        #[arg(long, env = "PASSERELLE_BACKUP_KEY_FILE", value_name = "FILE")]
        backup_key_file: Option<PathBuf>,
    },
    /// Restore a backup into an empty installation, then verify it (row counts, audit chain,
    /// keys and a sample of decrypted values).
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        install: InstallArgs,
        /// Backup key file (default: `$XDG_CONFIG_HOME/passerelle/backup.key`, that is
        /// `~/.config/passerelle/backup.key`).
        #[arg(long, env = "PASSERELLE_BACKUP_KEY_FILE", value_name = "FILE")]
        backup_key_file: Option<PathBuf>,
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
    /// Cross-agency record linkage on privacy-preserving encodings.
    Linkage {
        #[command(subcommand)]
        command: LinkageCommand,
    },
    /// Fill an installation with fictional organizations and N fictional children, some known
    /// to several organizations under slightly different identities.
    DemoData {
        #[command(flatten)]
        install: InstallArgs,
        /// How many distinct children.
        #[arg(long)]
        children: u32,
        /// Seed: the same seed gives the same population.
        #[arg(long, default_value_t = 20_261_129)]
        seed: u64,
    },
    /// Fill an empty installation with the whole demonstration (the organizations and
    /// accounts of `passerelle demo`, screenings, cases, training, directory, statistics and
    /// the fictional network of 400 children), then exit. For staging and for restore tests.
    DemoSeed {
        #[command(flatten)]
        install: InstallArgs,
    },
    /// Retention: destroy what has reached the end of its retention period.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// De-identified statistics with differential privacy.
    Stats {
        #[command(subcommand)]
        command: StatsCommand,
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
enum LinkageCommand {
    /// Link two CSV files (header `rec_id,given_name,surname,dob,sex,postcode`) on their
    /// encodings only; write `a_rec_id,b_rec_id,score` and a JSON summary line on standard error.
    Link {
        /// First file.
        #[arg(long)]
        a: PathBuf,
        /// Second file.
        #[arg(long)]
        b: PathBuf,
        /// Where to write the links.
        #[arg(long)]
        out: PathBuf,
        /// Probability above which a pair is linked (default 0.3; not a Dice coefficient).
        #[arg(long)]
        threshold: Option<f64>,
        /// Cores to use (default: all).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Encode the installation's cases that have no encoding yet and propose the probable
    /// matches across organizations to coordinators (nothing is merged).
    Run {
        #[command(flatten)]
        install: InstallArgs,
        /// Probability above which a pair is proposed (default 0.3).
        #[arg(long)]
        threshold: Option<f64>,
        /// Cores to use (default: all).
        #[arg(long)]
        threads: Option<usize>,
    },
}

#[derive(Subcommand, Debug)]
enum StatsCommand {
    /// Count distinct children, add calibrated noise, suppress small cells, spend EPSILON from
    /// the current year's privacy budget and write the publication (exit 2, nothing written,
    /// when EPSILON is invalid or exceeds what remains).
    Publish {
        #[command(flatten)]
        install: InstallArgs,
        /// The privacy loss to spend (a positive number, at most what remains this year).
        #[arg(long, allow_hyphen_values = true)]
        epsilon: String,
        /// Where to write the publication (JSON).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write every distinct child as a de-identified HTCDS 2.0 row (CSV), k-anonymous with
    /// k = 11: rows in smaller groups are generalised, then left out (the counts go to standard
    /// error as one JSON line).
    Htcds {
        #[command(flatten)]
        install: InstallArgs,
        /// Where to write the export (CSV).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum RetentionCommand {
    /// Destroy every closed case, screening and register entry whose retention period is over
    /// (cases under a legal hold are kept); runs once a day per installation, whichever server
    /// or command comes first. Prints counts only.
    Run {
        #[command(flatten)]
        install: InstallArgs,
        /// Count what would be destroyed, destroy nothing and leave the day unclaimed.
        #[arg(long)]
        dry_run: bool,
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
        Command::Backup { install, out, backup_key_file } => {
            crate::backup::backup(&install, &out, backup_key_file.as_deref()).await
        }
        Command::Restore { from, install, backup_key_file } => {
            crate::backup::restore(&from, &install, backup_key_file.as_deref()).await
        }
        Command::Audit { command: AuditCommand::Verify { install } } => ops::audit_verify(&install).await,
        Command::Admin { command } => admin::run(command).await,
        Command::Keys { command: KeysCommand::Rotate { install } } => ops::keys_rotate(&install).await,
        Command::Keys { command: KeysCommand::Status { install } } => ops::keys_status(&install).await,
        Command::Screening { command: ScreeningCommand::Evaluate { file } } => ops::screening_evaluate(file.as_deref()),
        Command::TotpCode { secret } => ops::totp_code(&secret),
        Command::Linkage { command: LinkageCommand::Link { a, b, out, threshold, threads } } => {
            crate::linkage::link_files(&a, &b, &out, threshold, threads)
        }
        Command::Linkage { command: LinkageCommand::Run { install, threshold, threads } } => {
            crate::linkage::run_installation(&install, threshold, threads).await
        }
        Command::DemoSeed { install } => demo::seed_installation(&install).await,
        Command::DemoData { install, children, seed } => crate::demo_data::run(&install, children, seed).await,
        Command::Retention { command: RetentionCommand::Run { install, dry_run } } => {
            crate::retention::run(&install, dry_run).await
        }
        Command::Stats { command: StatsCommand::Publish { install, epsilon, out } } => {
            crate::stats::publish_command(&install, &epsilon, &out).await
        }
        Command::Stats { command: StatsCommand::Htcds { install, out } } => {
            crate::stats::htcds_command(&install, &out).await
        }
        Command::Bench { command: BenchCommand::Cases { install, children, samples } } => {
            crate::bench::cases(&install, children, samples).await
        }
    }
}

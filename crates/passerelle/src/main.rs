//! `passerelle`: one binary for the server, the demonstration and every operation.
//!
//! Exit codes (contracts/cli.md): 0 success; 2 usage or input error, with a one-line message
//! on standard error; 1 any other failure. Nothing identifying is printed to standard error.

mod admin;
mod backup;
mod bench;
mod cli;
mod demo;
mod demo_data;
mod linkage;
mod location;
mod ops;
mod retention;
mod serve;
mod stats;

use std::process::ExitCode;

use clap::Parser;

/// A command's failure, with the exit code it deserves.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or input: exit 2.
    Input(String),
    /// Bad input reported as the contract's JSON error object, alone on standard error: exit 2.
    InputJson(String),
    /// Anything else: exit 1.
    Other(String),
}

impl Failure {
    /// A failure of the installation (database, keys, file system).
    pub fn other(context: &str, e: impl std::fmt::Display) -> Self {
        Failure::Other(format!("{context}: {e}"))
    }
}

impl From<passerelle_store::StoreError> for Failure {
    fn from(e: passerelle_store::StoreError) -> Self {
        // StoreError's messages name what failed, never a stored value.
        Failure::Other(e.to_string())
    }
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    init_tracing(&args);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("passerelle: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(msg)) => {
            eprintln!("passerelle: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::InputJson(json)) => {
            eprintln!("{json}");
            ExitCode::from(2)
        }
        Err(Failure::Other(msg)) => {
            eprintln!("passerelle: {msg}");
            ExitCode::from(1)
        }
    }
}

fn init_tracing(args: &cli::Cli) {
    use tracing_subscriber::EnvFilter;
    // sqlx reports notices and slow statements on its own targets; neither carries values, but
    // they would break the one-line standard error of the commands (contracts/cli.md).
    let filter = EnvFilter::try_from_env("PASSERELLE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sqlx::query=error"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if args.log_json {
        builder.json().init();
    } else {
        builder.with_target(false).init();
    }
}

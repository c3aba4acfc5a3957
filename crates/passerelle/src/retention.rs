//! `passerelle retention run` and the daily job of `serve`.

use std::time::Duration;

use passerelle_store::Store;
use passerelle_store::retention::{RetentionRun, RetentionSummary};

use crate::Failure;
use crate::location::InstallArgs;

/// How often a server checks whether today's run is still to do. The claim makes every check
/// after the first of the day a no-op, on this server and on the others.
const CHECK_EVERY: Duration = Duration::from_hours(1);

/// Names this runner in `job_runs`: the host and the process, so an operator can tell which
/// server ran the day's job. Never a person.
pub fn runner_id(kind: &str) -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "host".to_owned());
    format!("{kind}:{host}:{}", std::process::id())
}

fn counts(s: &RetentionSummary) -> String {
    s.line()
}

/// `passerelle retention run [--dry-run]`: prints counts only.
pub async fn run(install: &InstallArgs, dry_run: bool) -> Result<(), Failure> {
    let (store, _) = install.open().await?;
    let now = passerelle_core::time::now();
    let result = if dry_run {
        store.retention_dry_run(now).await.map(|s| format!("dry run (nothing destroyed): {}", counts(&s)))
    } else {
        store.run_retention(now, &runner_id("command")).await.map(|r| match r {
            RetentionRun::Ran(s) => format!("retention run: {}", counts(&s)),
            RetentionRun::AlreadyRan { claimed_at, .. } => {
                format!("retention already ran today (claimed at {})", claimed_at.time())
            }
        })
    };
    store.close().await;
    crate::admin::print_line(&result?)
}

/// The daily job of a server: on start, then every hour; the first check of each day
/// (across every server of the installation) does the work.
pub async fn daily(store: Store) {
    let runner = runner_id("serve");
    let mut tick = tokio::time::interval(CHECK_EVERY);
    loop {
        tick.tick().await;
        match store.run_retention(passerelle_core::time::now(), &runner).await {
            Ok(RetentionRun::Ran(s)) => tracing::info!(summary = %s.line(), "retention run"),
            Ok(RetentionRun::AlreadyRan { .. }) => {}
            Err(e) => tracing::warn!(error = %e, "retention run failed"),
        }
    }
}

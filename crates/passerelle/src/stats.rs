//! `passerelle stats publish`: de-identified statistics with differential privacy.
//!
//! Reads only the coarse attributes kept in clear and the coordinators' confirmed links,
//! counts distinct children, and spends ε from the current year's budget in the same
//! transaction that records the publication; the file is written only after that commit.
//! The computation is [`passerelle_web::statistics`], which the analysts' dashboard calls too.

use std::io::Write;
use std::path::Path;

use passerelle_stats::{K_ANONYMITY, PublishError, htcds, parse_epsilon};
use passerelle_store::Store;
use passerelle_store::statistics::Spend;
use passerelle_web::statistics::{self, StatsError};

use crate::Failure;
use crate::location::InstallArgs;

impl From<StatsError> for Failure {
    fn from(e: StatsError) -> Self {
        match e {
            StatsError::Store(e) => Failure::from(e),
            StatsError::Period(e) => Failure::other("statistics", e),
        }
    }
}

/// `passerelle stats publish --epsilon E --out FILE`.
pub async fn publish_command(install: &InstallArgs, epsilon: &str, out: &Path) -> Result<(), Failure> {
    // A bad ε is refused before anything is opened or written.
    let epsilon = parse_epsilon(epsilon).map_err(|e| Failure::Input(e.to_string()))?;
    let (store, _) = install.open().await?;
    let result = publish_in(&store, epsilon).await;
    if let Ok(spend) = &result {
        store
            .audit(crate::admin::cli_entry("stats.publish", "publication", format!("epsilon {}", spend.epsilon), None))
            .await?;
    }
    store.close().await;
    let spend = result?;
    write_file(out, &format!("{}\n", spend.document), "publication")
}

/// Publishes with `epsilon` from the current year's budget (the command's and the demo's path).
pub async fn publish_in(store: &Store, epsilon: f64) -> Result<Spend, Failure> {
    statistics::publish_now(store, epsilon).await?.map_err(|e| match e {
        PublishError::Budget(_) | PublishError::Mechanism(_) => Failure::Input(format!("{e}; nothing was published")),
        other => Failure::other("statistics", other),
    })
}

/// `passerelle stats htcds --out FILE.csv`: the k-anonymous HTCDS export of every distinct
/// child; how many rows were generalised or left out goes to standard error as one JSON line.
pub async fn htcds_command(install: &InstallArgs, out: &Path) -> Result<(), Failure> {
    if out.as_os_str().is_empty() {
        return Err(Failure::Input("--out needs a file name".to_owned()));
    }
    let (store, _) = install.open().await?;
    let result = statistics::children(&store).await.map_err(Failure::from);
    if result.is_ok() {
        let entry = crate::admin::cli_entry("stats.htcds", "export", format!("k {K_ANONYMITY}"), None);
        store.audit(entry).await?;
    }
    store.close().await;
    let export = htcds::export(&result?, K_ANONYMITY);
    write_file(out, &export.to_csv(), "export")?;
    eprintln!(
        "{}",
        serde_json::json!({"rows": export.rows.len(), "generalized": export.generalized, "dropped": export.dropped, "k": K_ANONYMITY})
    );
    Ok(())
}

/// Writes `text` to `path` through a temporary file beside it, so a reader never sees half a
/// file.
fn write_file(path: &Path, text: &str, what: &str) -> Result<(), Failure> {
    let tmp = path.with_extension("tmp-passerelle");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Failure::other(&format!("cannot write the {what} file"), e)
    })
}

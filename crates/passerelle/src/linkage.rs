//! `passerelle linkage link` (two files, the contract) and `passerelle linkage run` (the
//! installation): the same encoder and matcher, from `passerelle-linkage`.

use std::io::Write;
use std::path::Path;

use passerelle_linkage::{DEFAULT_THRESHOLD, Encoder, LinkageKey, run_link};
use passerelle_store::Store;

use crate::Failure;
use crate::location::InstallArgs;

/// `passerelle linkage link --a A.csv --b B.csv --out LINKS.csv [--threshold T] [--threads N]`.
pub fn link_files(
    a: &Path,
    b: &Path,
    out: &Path,
    threshold: Option<f64>,
    threads: Option<usize>,
) -> Result<(), Failure> {
    if threads == Some(0) {
        return Err(Failure::Input("--threads must be at least 1".to_owned()));
    }
    match run_link(a, b, out, threshold, threads.unwrap_or(0)) {
        Ok(summary) => {
            let mut stderr = std::io::stderr().lock();
            writeln!(stderr, "{}", summary.to_json_line()).map_err(|e| Failure::other("standard error", e))
        }
        Err(e) if e.is_input_error() => Err(Failure::Input(e.to_string())),
        Err(e) => Err(Failure::Other(e.to_string())),
    }
}

/// The installation's linkage key (derived from its keys; never shown).
pub async fn installation_key(store: &Store) -> Result<LinkageKey, Failure> {
    Ok(passerelle_web::linkage::installation_key(store).await?)
}

/// Encodes the cases that have no encoding yet (opened before the encoder, or whose
/// encoding could not be written), from their sealed identities. Returns how many.
pub async fn backfill(store: &Store, key: &LinkageKey) -> Result<usize, Failure> {
    let mut encoder = Encoder::new(key);
    let mut done = 0;
    loop {
        let ids = store.cases_without_linkage(500).await?;
        if ids.is_empty() {
            return Ok(done);
        }
        for id in ids {
            let case = store.case(id).await?;
            let Some(identity) = case.identity else { continue };
            let record = passerelle_web::linkage::record_of(&identity, &case.stats);
            store.set_case_linkage(id, &encoder.encode(&record).to_bytes()).await?;
            done += 1;
        }
    }
}

/// Proposes links across organizations (see [`passerelle_web::linkage::propose`]).
pub async fn propose(store: &Store, threshold: f64, threads: usize) -> Result<(usize, usize), Failure> {
    Ok(passerelle_web::linkage::propose(store, threshold, threads).await?)
}

/// `passerelle linkage run`: encode what is missing, then propose links.
pub async fn run_installation(
    install: &InstallArgs,
    threshold: Option<f64>,
    threads: Option<usize>,
) -> Result<(), Failure> {
    let threshold = threshold.unwrap_or(DEFAULT_THRESHOLD);
    if !(threshold > 0.0 && threshold < 1.0) {
        return Err(Failure::Input("--threshold must be strictly between 0 and 1".to_owned()));
    }
    let threads = passerelle_linkage::effective_threads(threads.unwrap_or(0));
    let (store, _) = install.open().await?;
    let result = async {
        let key = installation_key(&store).await?;
        let encoded = backfill(&store, &key).await?;
        let (compared, added) = propose(&store, threshold, threads).await?;
        store
            .audit(crate::admin::cli_entry(
                "linkage.run",
                "installation",
                format!("{compared} cases compared, {added} links proposed"),
                None,
            ))
            .await?;
        Ok::<_, Failure>((encoded, compared, added))
    }
    .await;
    store.close().await;
    let (encoded, compared, added) = result?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{{\"encoded\":{encoded},\"cases\":{compared},\"proposed\":{added}}}")
        .map_err(|e| Failure::other("standard output", e))
}

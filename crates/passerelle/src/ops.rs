//! Operations: migrate, audit verify, keys, screening evaluate.

use std::io::{Read, Write};
use std::path::Path;

use passerelle_store::audit::ChainCheck;

use crate::Failure;
use crate::location::InstallArgs;

fn out(line: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}").map_err(|e| Failure::other("cannot write to standard output", e))
}

/// `passerelle migrate`.
pub async fn migrate(install: &InstallArgs) -> Result<(), Failure> {
    let (store, opened) = install.open().await?;
    out(if opened.new_installation { "schema created" } else { "schema up to date" })?;
    store.close().await;
    Ok(())
}

/// `passerelle audit verify`: exit 0 with the number of entries checked, or 1 with the
/// position of the first broken entry.
pub async fn audit_verify(install: &InstallArgs) -> Result<(), Failure> {
    let (store, _) = install.open().await?;
    let check = store.verify_audit_chain().await;
    store.close().await;
    match check? {
        ChainCheck::Intact { entries } => out(&format!("audit trail intact: {entries} entries checked")),
        ChainCheck::Broken { position, seq } => {
            let seq = seq.map_or_else(|| "missing".to_owned(), |s| s.to_string());
            Err(Failure::Other(format!("audit trail broken at entry {position} (sequence number {seq})")))
        }
    }
}

/// `passerelle keys rotate`.
pub async fn keys_rotate(install: &InstallArgs) -> Result<(), Failure> {
    let (store, _) = install.open().await?;
    let r = store.rotate_master_key().await;
    if let Ok(r) = &r {
        store.audit(crate::admin::cli_entry("keys.rotate", "master_key", r.version.to_string(), None)).await?;
    }
    store.close().await;
    let r = r?;
    out(&format!("master key version {} is now current; {} data keys re-wrapped", r.version, r.rewrapped))
}

/// `passerelle keys status`.
pub async fn keys_status(install: &InstallArgs) -> Result<(), Failure> {
    let (store, _) = install.open().await?;
    let versions = store.key_versions().await;
    store.close().await;
    for (v, n) in versions? {
        out(&format!("master key version {v}: {n} data keys"))?;
    }
    Ok(())
}

/// `passerelle screening evaluate [FILE]` (contracts/screening.md).
pub fn screening_evaluate(file: Option<&Path>) -> Result<(), Failure> {
    let input = if let Some(p) = file {
        std::fs::read(p).map_err(|_| Failure::Input(format!("cannot read {}", p.display())))?
    } else {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).map_err(|_| Failure::Input("cannot read standard input".into()))?;
        buf
    };
    match passerelle_screening::evaluate_json_bytes(&input) {
        Ok(result) => {
            let text =
                serde_json::to_string_pretty(&result).map_err(|e| Failure::other("cannot write the result", e))?;
            out(&text)
        }
        // The contract: exit 2, nothing on standard output, one JSON error object on stderr.
        Err(e) => Err(Failure::InputJson(e.to_json().to_string())),
    }
}

/// `passerelle totp-code SECRET`.
pub fn totp_code(secret: &str) -> Result<(), Failure> {
    let secret = passerelle_crypto::totp::secret_from_base32(secret)
        .map_err(|_| Failure::Input("not a base32 second-factor secret".into()))?;
    let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap_or(0);
    out(&passerelle_crypto::totp::code_at(&secret, now))
}

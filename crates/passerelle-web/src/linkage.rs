//! Each child's identity is encoded for cross-agency linkage when a case is opened, with the
//! installation's linkage key, and stored sealed with the case key (see `passerelle-linkage`
//! for the encoding and its threat model).

use passerelle_core::case::{CaseStats, Identity};
use passerelle_core::ids::CaseId;
use passerelle_linkage::{BirthYears, Encoding, LinkageKey, Member, Record, encode, link_across_groups};
use passerelle_store::{Store, StoreError};

use crate::AppState;

/// The linkage record of a case: its identity (names, date of birth, phone numbers and
/// handles), gender and region.
pub fn record_of(identity: &Identity, stats: &CaseStats) -> Record {
    let region = stats.region.map(passerelle_core::region::Region::code);
    Record::from_platform(
        &identity.given_name,
        &identity.family_name,
        identity.birth_date.as_deref(),
        stats.gender.as_deref(),
        region.as_deref(),
    )
    .with_contacts(identity.phones.iter().chain(&identity.handles))
}

/// The installation's linkage key (derived from its keys; never shown).
pub async fn installation_key(store: &Store) -> Result<LinkageKey, StoreError> {
    Ok(LinkageKey::from_bytes(*store.linkage_key().await?.as_bytes()))
}

/// Encodes a case's identity and stores the encoding, sealed with the case key.
pub async fn store_encoding(
    store: &Store,
    id: CaseId,
    identity: &Identity,
    stats: &CaseStats,
) -> Result<(), StoreError> {
    let key = installation_key(store).await?;
    store.set_case_linkage(id, &encode(&key, &record_of(identity, stats)).to_bytes()).await
}

/// Encodes and stores a case's linkage encoding. A failure here must not undo the case the
/// worker just opened: it is logged (without any value) and `passerelle linkage run` encodes
/// every case left without an encoding.
pub async fn encode_case(app: &AppState, id: CaseId, identity: &Identity, stats: &CaseStats) {
    if let Err(e) = store_encoding(&app.store, id, identity, stats).await {
        tracing::warn!(error = %e, "linkage encoding not stored; the next linkage run will encode the case");
    }
}

/// Matches every organization's cases against every other's on their stored encodings and
/// records the probable matches for coordinators (nothing is merged). Returns (cases
/// compared, new proposals). The matching runs off the async runtime.
pub async fn propose(store: &Store, threshold: f64, threads: usize) -> Result<(usize, usize), StoreError> {
    let entries = store.linkage_entries().await?;
    let mut members: Vec<Member> = Vec::with_capacity(entries.len());
    let mut cases: Vec<CaseId> = Vec::with_capacity(entries.len());
    for e in entries {
        // An encoding of an older scheme is skipped; re-encoding it needs its identity.
        let Some(encoding) = Encoding::from_bytes(&e.encoding) else { continue };
        // The age in clear, on the day the case was opened: estimated ages are sometimes a
        // year off, hence the slack (where the date of birth is known, its filter speaks).
        let birth_years = e.age.and_then(|age| BirthYears::from_age(e.opened_at.year(), age, 1));
        let opened_day = Some(e.opened_at.date().to_julian_day());
        members.push(Member { group: e.org.0.as_u128(), encoding, birth_years, opened_day });
        cases.push(e.case);
    }
    let pairs = tokio::task::spawn_blocking(move || link_across_groups(&members, threshold, threads))
        .await
        .map_err(|_| StoreError::Corrupt("linkage task"))?;
    let proposals: Vec<(CaseId, CaseId, f64)> = pairs.into_iter().map(|(a, b, s)| (cases[a], cases[b], s)).collect();
    let added = store.propose_links(&proposals).await?;
    Ok((cases.len(), added))
}

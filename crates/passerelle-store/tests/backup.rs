//! The logical backup covers the whole schema of this build, on the backend the test run
//! selects (`PASSERELLE_TEST_DATABASE_URL`), and its payload reads back.

use passerelle_core::org::OrgInput;
use passerelle_store::backup::{self, TABLES};
use passerelle_store::testing::TestStore;

#[tokio::test]
async fn backup_covers_every_table_and_column_and_reads_back() {
    let t = TestStore::new().await;
    let input = OrgInput::parse("Refuge Test", "shelter", &["03".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    t.store.create_org(&input).await.unwrap_or_else(|e| panic!("{e}"));
    let mut payload = Vec::new();
    // Fails when the live schema has a table or column the backup does not know.
    let summary = backup::dump(&t.store.db, &t.key_file, &mut payload).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.manifest.tables.len(), TABLES.len());
    assert_eq!(summary.manifest.rows_of("organizations"), 1);
    assert_eq!(summary.manifest.rows_of("data_keys"), 3);
    assert_eq!(summary.data_keys_checked, 3);
    let (manifest, key_text) = backup::check_payload(payload.as_slice()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(manifest, summary.manifest);
    let on_disk = std::fs::read_to_string(&t.key_file).unwrap_or_default();
    assert_eq!(*key_text, on_disk, "the master key file travels inside the backup, unchanged");
    // A payload cut short or extended does not read.
    assert!(backup::check_payload(&payload[..payload.len() - 1]).is_err());
    let mut longer = payload.clone();
    longer.push(0);
    assert!(backup::check_payload(longer.as_slice()).is_err());
    // An installation with data is not an empty target.
    assert!(!backup::is_empty(&t.store.db).await.unwrap_or_else(|e| panic!("{e}")));
    t.cleanup().await;
}

//! `passerelle demo-data --children N [--seed S]`: fills an installation with a fictional
//! network of organizations and N fictional children, about a third of them recorded by two
//! or more organizations under slightly different identities (`passerelle-synth`).
//!
//! Every record becomes a case exactly as the platform keeps one (its own key, sealed
//! identity, name tokens, coarse attributes, linkage encoding). The matcher then proposes
//! links across organizations, and a simulated coordinator decides them the way a careful
//! person would with both files in hand: the generator knows which records are the same
//! child, so it confirms those and rejects the rest. Every decision is stored as a real one
//! (by the fictional coordinator account) and summarized in the audit trail.

use std::collections::HashMap;
use std::io::Write;

use passerelle_core::case::{CaseProfile, CaseStats, Identity};
use passerelle_core::ids::{OrgId, UserId};
use passerelle_core::org::OrgInput;
use passerelle_core::region::Region;
use passerelle_core::user::NewUserInput;
use passerelle_linkage::{DEFAULT_THRESHOLD, Encoder, Record};
use passerelle_store::import::ImportCase;
use passerelle_store::linkage::LinkStatus;
use passerelle_store::{Store, StoreError};
use passerelle_synth::Population;
use time::{Date, Duration, OffsetDateTime};

use crate::Failure;
use crate::location::InstallArgs;

/// Cases written per transaction.
const BATCH: usize = 500;

/// The screening vocabulary for the generator's presenting situations.
fn presenting(value: &str) -> &'static str {
    match value {
        "runaway" => "runaway",
        "shelter" => "shelter",
        "arrest_illegal_work" => "arrest_illegal_work",
        "health_visit" => "health_visit",
        "school_concern" => "school",
        "online_report" | "family_report" => "hotline",
        "police_operation" => "arrest_prostitution",
        _ => "other",
    }
}

/// Spreads the generator's dates over this year up to today, keeping their order: published
/// statistics count the children first referred in the current year, and the demonstration
/// should show all of them.
struct DateMap {
    from: Date,
    span: i64,
    year_start: Date,
    target_span: i64,
}

impl DateMap {
    fn new(dates: impl Iterator<Item = Date>, today: Date) -> Result<Self, Failure> {
        let (mut lo, mut hi) = (Date::MAX, Date::MIN);
        for d in dates {
            lo = lo.min(d);
            hi = hi.max(d);
        }
        let year_start = Date::from_ordinal_date(today.year(), 1).map_err(|e| Failure::other("demo-data dates", e))?;
        Ok(DateMap {
            from: lo,
            span: (hi - lo).whole_days().max(1),
            year_start,
            target_span: (today - year_start).whole_days().max(0),
        })
    }

    fn map(&self, d: Date) -> OffsetDateTime {
        let offset = (d - self.from).whole_days() * self.target_span / self.span;
        (self.year_start + Duration::days(offset)).midnight().assume_utc() + Duration::hours(9)
    }
}

fn parse_date(s: &str) -> Result<Date, Failure> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, format).map_err(|e| Failure::other("demo-data dates", e))
}

/// `passerelle demo-data`.
pub async fn run(install: &InstallArgs, children: u32, seed: u64) -> Result<(), Failure> {
    if children == 0 || children > 1_000_000 {
        return Err(Failure::Input("--children must be between 1 and 1000000".to_owned()));
    }
    let population = tokio::task::spawn_blocking(move || passerelle_synth::generate(seed, children))
        .await
        .map_err(|e| Failure::other("demo-data", e))?;
    let (store, _) = install.open().await?;
    let result = fill(&store, &population).await;
    store.close().await;
    result?;
    let summary = population.summary();
    let line = serde_json::to_string(&summary).map_err(|e| Failure::other("demo-data", e))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}").map_err(|e| Failure::other("standard output", e))
}

/// Writes `population` into the installation, proposes the links and decides them.
pub async fn fill(store: &Store, population: &Population) -> Result<(), Failure> {
    let (orgs, coordinator) = create_network(store, population).await?;

    let today = passerelle_core::time::now().date();
    let opened: Vec<Date> = population.records.iter().map(|r| parse_date(&r.opened_on)).collect::<Result<_, _>>()?;
    let dates = DateMap::new(opened.iter().copied(), today)?;
    let key = crate::linkage::installation_key(store).await?;
    let mut encoder = Encoder::new(&key);

    let mut case_child: HashMap<uuid::Uuid, u32> = HashMap::with_capacity(population.records.len());
    let mut batch: Vec<ImportCase> = Vec::with_capacity(BATCH);
    let mut batch_children: Vec<u32> = Vec::with_capacity(BATCH);
    for (r, opened_on) in population.records.iter().zip(&opened) {
        let child = population.children.get(usize::try_from(r.child_id).unwrap_or(usize::MAX));
        let (org, worker) =
            *orgs.get(r.org_index).ok_or_else(|| Failure::Other("demo-data organization index".into()))?;
        let identity = Identity {
            given_name: r.given_name.clone(),
            family_name: r.surname.clone(),
            aliases: r.aliases.clone(),
            birth_date: r.birth_date.clone(),
            phones: r.phones.clone(),
            handles: r.handles.clone(),
            ..Identity::default()
        };
        let linkage = encoder
            .encode(
                &Record::from_platform(
                    &r.given_name,
                    &r.surname,
                    r.birth_date.as_deref(),
                    Some(&r.gender),
                    Some(&r.region),
                )
                .with_contacts(r.phones.iter().chain(&r.handles)),
            )
            .to_bytes();
        batch.push(ImportCase {
            org,
            by: worker,
            identity,
            stats: CaseStats {
                age_at_identification: r.age_at_identification,
                gender: Some(r.gender.clone()),
                immigration_status: Some(r.immigration_status.clone()),
                indigenous: Some(r.indigenous.clone()),
                languages: r.languages.clone(),
                region: r.region.parse::<Region>().ok(),
            },
            profile: CaseProfile {
                hss_region: None,
                trafficking_type: r.trafficking_type.clone(),
                exploitation: r.exploitation.clone(),
                confirmed: r.trafficking_type.is_some(),
            },
            presenting_situation: child.map(|c| presenting(&c.presenting_situation).to_owned()),
            opened_at: dates.map(*opened_on),
            linkage: Some(linkage),
        });
        batch_children.push(r.child_id);
        if batch.len() == BATCH {
            flush(store, &mut batch, &mut batch_children, &mut case_child).await?;
        }
    }
    flush(store, &mut batch, &mut batch_children, &mut case_child).await?;

    let threads = passerelle_linkage::effective_threads(0);
    let (compared, proposed) = crate::linkage::propose(store, DEFAULT_THRESHOLD, threads).await?;
    let (confirmed, rejected) = decide_as_coordinator(store, coordinator, &case_child).await?;
    store
        .audit(crate::admin::cli_entry(
            "demo_data.fill",
            "installation",
            format!(
                "{} organizations, {} cases, {compared} encodings compared, {proposed} links proposed, \
                 {confirmed} confirmed and {rejected} rejected by the simulated coordinator",
                orgs.len(),
                case_child.len()
            ),
            None,
        ))
        .await?;
    Ok(())
}

/// The fictional organizations, one fictional worker each, and the fictional coordinator.
async fn create_network(store: &Store, population: &Population) -> Result<(Vec<(OrgId, UserId)>, UserId), Failure> {
    let hash = crate::admin::hash(crate::admin::temporary_password()?).await?;
    let mut orgs: Vec<(OrgId, UserId)> = Vec::with_capacity(population.organizations.len());
    for o in &population.organizations {
        let input = OrgInput::parse(&o.name, &o.org_type, &[o.regions.join(",")])
            .map_err(|e| Failure::Other(format!("demo-data organization: {e}")))?;
        let org = store.create_org(&input).await.map_err(|e| match e {
            passerelle_store::StoreError::Duplicate(_) => {
                Failure::Input("the installation already holds these fictional organizations: use an empty one".into())
            }
            other => other.into(),
        })?;
        let worker = NewUserInput::parse(
            &format!("demo.worker.{}", o.index + 1),
            &format!("Intervenant·e fictif·ve {}", o.index + 1),
            &["case_worker".to_owned()],
            "fr",
        )
        .map_err(|e| Failure::Other(format!("demo-data account: {e}")))?;
        let user = store.create_user(org.id, &worker, &hash).await?;
        orgs.push((org.id, user.id));
    }
    let coordinator = {
        let (org, _) = *orgs.first().ok_or_else(|| Failure::Other("demo-data: no organization".into()))?;
        let input = NewUserInput::parse("demo.coordination", "Coordination fictive", &["privacy_officer".into()], "fr")
            .map_err(|e| Failure::Other(format!("demo-data account: {e}")))?;
        store.create_user(org, &input, &hash).await?.id
    };
    Ok((orgs, coordinator))
}

/// Decides every proposed link as a careful coordinator would: the same child, confirmed;
/// look-alikes, rejected. Returns (confirmed, rejected).
async fn decide_as_coordinator(
    store: &Store,
    coordinator: UserId,
    case_child: &HashMap<uuid::Uuid, u32>,
) -> Result<(usize, usize), Failure> {
    let (mut confirmed, mut rejected) = (0_usize, 0_usize);
    loop {
        let pending = store.links(LinkStatus::Proposed, 10_000).await?;
        if pending.is_empty() {
            break;
        }
        // A thousand decisions per transaction: one each would cost more than the decisions.
        for chunk in pending.chunks(1000) {
            let decisions: Vec<(uuid::Uuid, bool)> = chunk
                .iter()
                .map(|l| (l.id, case_child.get(&l.case_a.0).is_some_and(|a| case_child.get(&l.case_b.0) == Some(a))))
                .collect();
            for (outcome, (_, same)) in store.decide_links(&decisions, coordinator).await?.into_iter().zip(&decisions) {
                match outcome {
                    Ok(_) if *same => confirmed += 1,
                    Ok(_) => rejected += 1,
                    // Closed by a confirmation earlier in this batch: an alternative of a true pair.
                    Err(StoreError::Conflict) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    Ok((confirmed, rejected))
}

async fn flush(
    store: &Store,
    batch: &mut Vec<ImportCase>,
    children: &mut Vec<u32>,
    case_child: &mut HashMap<uuid::Uuid, u32>,
) -> Result<(), Failure> {
    if batch.is_empty() {
        return Ok(());
    }
    let ids = store.import_cases(batch).await?;
    for (id, child) in ids.into_iter().zip(children.drain(..)) {
        case_child.insert(id.0, child);
    }
    batch.clear();
    Ok(())
}

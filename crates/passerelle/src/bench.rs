//! `passerelle bench cases`: fills an installation with fictional children's cases and
//! measures the case list, the case page's read and the name search at that size.
//! Latencies are of the storage layer (what a page waits for), measured many times each.

use std::time::{Duration, Instant};

use passerelle_core::case::{CaseStats, Identity};
use passerelle_core::org::OrgInput;
use passerelle_core::user::NewUserInput;

use crate::Failure;
use crate::admin::print_line;
use crate::location::InstallArgs;

const GIVEN: [&str; 24] = [
    "Léa",
    "Émilie",
    "Noah",
    "Chloé",
    "Félix",
    "Zoé",
    "Maëlle",
    "Loïc",
    "Inès",
    "Rosalie",
    "Thomas",
    "Océane",
    "Amira",
    "Jérémie",
    "Ophélie",
    "Mathis",
    "Aïcha",
    "Béatrice",
    "Hugo",
    "Anaïs",
    "Kevin",
    "Naomie",
    "Élodie",
    "Samuel",
];
const FAMILY: [&str; 24] = [
    "Tremblay",
    "Gagnon",
    "Côté",
    "Bouchard",
    "Gauthier",
    "Morin",
    "Lavoie",
    "Fortin",
    "Gagné",
    "Ouellet",
    "Pelletier",
    "Bélanger",
    "Lévesque",
    "Bergeron",
    "Leblanc",
    "Paquette",
    "Girard",
    "Simard",
    "Boucher",
    "Caron",
    "Beaulieu",
    "Cloutier",
    "Dubé",
    "Poirier",
];

/// A small deterministic generator (xorshift), so that a run can be repeated exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        let i = usize::try_from(self.next() % u64::try_from(list.len()).unwrap_or(1)).unwrap_or(0);
        list.get(i).copied().unwrap_or("")
    }
}

fn identity(rng: &mut Rng, n: usize) -> Identity {
    let family = if rng.next().is_multiple_of(4) {
        format!("{}-{}", rng.pick(&FAMILY), rng.pick(&FAMILY))
    } else {
        rng.pick(&FAMILY).to_owned()
    };
    // A number in the alias makes every child findable by an exact, unique word.
    Identity {
        given_name: rng.pick(&GIVEN).to_owned(),
        family_name: family,
        aliases: vec![format!("enfant{n}")],
        ..Identity::default()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a short list"
    )]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn report(name: &str, mut samples: Vec<Duration>) -> Result<(), Failure> {
    samples.sort();
    print_line(&format!(
        "{name:<22} n={:<5} p50={:>8.3} ms  p95={:>8.3} ms  p99={:>8.3} ms",
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.95),
        percentile(&samples, 0.99)
    ))
}

/// `passerelle bench cases --children N`.
pub async fn cases(install: &InstallArgs, children: usize, samples: usize) -> Result<(), Failure> {
    let (store, _) = install.open().await?;
    let org_input = OrgInput::parse("Banc d'essai (fictif)", "youth_protection", &["06".to_owned()])
        .map_err(|e| Failure::Other(e.to_string()))?;
    let org = match store.orgs().await?.into_iter().find(|o| o.name == org_input.name) {
        Some(o) => o,
        None => store.create_org(&org_input).await?,
    };
    let worker = if let Some(c) = store.credentials_by_username("bench.worker").await? {
        c.user
    } else {
        let input = NewUserInput::parse("bench.worker", "Banc d'essai", &["case_worker,supervisor".to_owned()], "fr")
            .map_err(|e| Failure::Other(e.to_string()))?;
        store.create_user(org.id, &input, "not-a-password-hash").await?
    };
    let existing = store.cases_of(org.id, None, 1).await?.len();
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut ids = Vec::with_capacity(children);
    let mut names = Vec::with_capacity(children);
    let start = Instant::now();
    if existing == 0 {
        for n in 0..children {
            let id = identity(&mut rng, n);
            let stats = CaseStats {
                age_at_identification: Some(12 + i32::try_from(n % 6).unwrap_or(0)),
                ..CaseStats::default()
            };
            let case = store.create_case(org.id, worker.id, &id, &stats, None).await?;
            names.push(format!("{} enfant{n}", id.given_name));
            ids.push(case.id);
        }
    } else {
        return Err(Failure::Input("the bench organization already has cases: use an empty installation".into()));
    }
    let fill = start.elapsed();
    print_line(&format!(
        "backend={} children={children} fill={:.1}s ({:.2} ms per case)",
        store.db.backend(),
        fill.as_secs_f64(),
        fill.as_secs_f64() * 1000.0 / f64::from(u32::try_from(children.max(1)).unwrap_or(1))
    ))?;

    let mut list = Vec::new();
    for _ in 0..samples {
        let t = Instant::now();
        store.cases_of(org.id, None, 50).await?;
        list.push(t.elapsed());
    }
    report("case list (50 newest)", list)?;
    let mut list_mine = Vec::new();
    for _ in 0..samples {
        let t = Instant::now();
        store.cases_of(org.id, Some(worker.id), 50).await?;
        list_mine.push(t.elapsed());
    }
    report("my cases (50 newest)", list_mine)?;
    let mut page = Vec::new();
    for _ in 0..samples {
        let i = usize::try_from(rng.next() % u64::try_from(ids.len().max(1)).unwrap_or(1)).unwrap_or(0);
        let Some(id) = ids.get(i) else { continue };
        let t = Instant::now();
        store.case(*id).await?;
        store.case_timeline(*id).await?;
        store.case_notes(*id).await?;
        page.push(t.elapsed());
    }
    report("case page (decrypt)", page)?;
    let mut search = Vec::new();
    let mut found = 0usize;
    for _ in 0..samples {
        let i = usize::try_from(rng.next() % u64::try_from(names.len().max(1)).unwrap_or(1)).unwrap_or(0);
        let Some(q) = names.get(i) else { continue };
        let t = Instant::now();
        let hits = store.search_cases(org.id, None, q, 50).await?;
        search.push(t.elapsed());
        found += usize::from(!hits.is_empty());
    }
    report("name search (exact)", search)?;
    print_line(&format!("searches that found their child: {found}/{samples}"))?;
    store.close().await;
    Ok(())
}

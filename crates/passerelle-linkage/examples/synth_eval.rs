//! Linkage inside an installation, scored on the synthetic population (`passerelle-synth`):
//! how many distinct children the confirmed links would give, and the recall and precision of
//! the proposals. `cargo run --release -p passerelle-linkage --example synth_eval -- N [threshold]`

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::cast_possible_truncation
)]

use std::collections::{HashMap, HashSet};

use passerelle_linkage::{
    BirthYears, LinkageKey, MAX_PROPOSALS_PER_CASE, Member, REVIEW, Record, Review, encode, link_across_groups_with,
};

fn find(p: &mut [usize], mut i: usize) -> usize {
    while p[i] != i {
        p[i] = p[p[i]];
        i = p[i];
    }
    i
}

/// Days since 1 January of year 0 of a `YYYY-MM-DD` date (enough to subtract two).
fn day_number(date: &str) -> i32 {
    let part = |r: std::ops::Range<usize>| date[r].parse::<i32>().unwrap();
    let (y, m, d) = (part(0..4), part(5..7), part(8..10));
    let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
    365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let threshold: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(passerelle_linkage::DEFAULT_THRESHOLD);
    let pop = passerelle_synth::generate(1, n);
    let key = LinkageKey::from_bytes([7; 32]);
    let enc: Vec<_> = pop
        .records
        .iter()
        .map(|r| {
            let region = std::env::var("NO_REGION").is_err().then_some(r.region.as_str());
            encode(
                &key,
                &Record::from_platform(&r.given_name, &r.surname, r.birth_date.as_deref(), Some(&r.gender), region)
                    .with_contacts(r.phones.iter().chain(&r.handles).filter(|_| std::env::var("NO_CONTACTS").is_err())),
            )
        })
        .collect();
    let use_years = std::env::var("NO_YEARS").is_err();
    let members: Vec<Member> = pop
        .records
        .iter()
        .zip(enc)
        .map(|(r, encoding)| {
            // As the platform does: from the age in clear on the day the case was opened.
            let open_year: i32 = r.opened_on[..4].parse().unwrap();
            let birth_years =
                r.age_at_identification.filter(|_| use_years).and_then(|age| BirthYears::from_age(open_year, age, 1));
            let opened_day = std::env::var("NO_EPISODE").is_err().then(|| day_number(&r.opened_on));
            Member { group: r.org_index as u128, encoding, birth_years, opened_day }
        })
        .collect();
    let review = std::env::var("REVIEW").ok().map_or(REVIEW, |v| {
        let (k, spread) = v.split_once(',').unwrap();
        Review { per_record: k.parse().unwrap(), spread_bits: spread.parse().unwrap() }
    });
    let per_case = std::env::var("PER_CASE").ok().map_or(MAX_PROPOSALS_PER_CASE, |v| v.parse().unwrap());
    let t = std::time::Instant::now();
    let scored = link_across_groups_with(&members, threshold, 2, review, per_case);
    let links: Vec<(usize, usize)> = scored.iter().map(|&(a, b, _)| (a, b)).collect();
    let enc: Vec<_> = members.iter().map(|m| m.encoding.clone()).collect();
    let secs = t.elapsed().as_secs_f64();
    let truth: HashSet<(usize, usize)> = pop.truth_pairs().into_iter().map(|(a, b)| (a.min(b), a.max(b))).collect();
    let found: HashSet<(usize, usize)> = links.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    let tp = found.intersection(&truth).count();
    // Distinct children if every true proposal were confirmed and every false one rejected.
    let mut parent: Vec<usize> = (0..enc.len()).collect();
    for &(a, b) in found.intersection(&truth) {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra] = rb;
        }
    }
    let distinct = (0..enc.len()).filter(|&i| find(&mut parent, i) == i).count();
    let decisions = decisions_needed(&scored, &members, &truth);
    let mut missed: HashMap<String, (usize, usize)> = HashMap::new();
    for &(a, b) in &truth {
        let hit = found.contains(&(a, b));
        let mut kinds: Vec<String> =
            pop.records[a].variations.iter().chain(&pop.records[b].variations).map(|v| format!("{v:?}")).collect();
        if kinds.is_empty() {
            kinds.push("Clean".into());
        }
        for k in kinds {
            let e = missed.entry(k).or_default();
            e.1 += 1;
            if !hit {
                e.0 += 1;
            }
        }
    }
    if std::env::var("DIAG").is_ok() {
        diagnose(&pop, &enc, &truth, &found);
    }
    if std::env::var("CALIB").is_ok() {
        calibrate(&members, &truth, &found, &mut parent);
    }
    if std::env::var("SHOWN").is_ok() {
        shown(&scored, &truth);
    }
    let mut m: Vec<_> = missed.into_iter().collect();
    m.sort_by_key(|x| std::cmp::Reverse(x.1.0));
    for (k, (miss, all)) in m {
        println!("  {k:<20} missed {miss:>5} of {all:>6} ({:.1}%)", 100.0 * miss as f64 / all as f64);
    }
    println!(
        "children {n} records {} proposals {} true {} of {} (recall {:.4}, precision {:.4}) distinct after review {distinct} ({:+}) decisions {decisions} in {secs:.1} s",
        enc.len(),
        found.len(),
        tp,
        truth.len(),
        tp as f64 / truth.len() as f64,
        tp as f64 / found.len().max(1) as f64,
        distinct as i64 - i64::from(n)
    );
}

/// How many proposals a coordinator decides, strongest first, when confirming a case with
/// one of another organization's closes its other proposals with that organization.
fn decisions_needed(scored: &[(usize, usize, f64)], members: &[Member], truth: &HashSet<(usize, usize)>) -> usize {
    let mut order: Vec<&(usize, usize, f64)> = scored.iter().collect();
    order.sort_by(|x, y| y.2.total_cmp(&x.2));
    let mut settled: HashSet<(usize, u128)> = HashSet::new();
    let mut decided = 0;
    for &&(a, b, _) in &order {
        if settled.contains(&(a, members[b].group)) || settled.contains(&(b, members[a].group)) {
            continue;
        }
        decided += 1;
        if truth.contains(&(a.min(b), a.max(b))) {
            settled.insert((a, members[b].group));
            settled.insert((b, members[a].group));
        }
    }
    decided
}

/// Missed true pairs by whether they share a block key and by weight (`DIAG=1`); with
/// `DIAG=2`, the missed pairs that share no block key, one per line; with `DIAG=3`, those
/// that share one and weigh 20 bits or more (lost to namesakes).
fn diagnose(
    pop: &passerelle_synth::Population,
    enc: &[passerelle_linkage::Encoding],
    truth: &HashSet<(usize, usize)>,
    found: &HashSet<(usize, usize)>,
) {
    let mut hist: HashMap<(bool, i64), usize> = HashMap::new();
    let mut sharing_contact = 0;
    for &(a, b) in truth {
        if found.contains(&(a, b)) {
            continue;
        }
        let shared = enc[a].block_keys().iter().any(|k| enc[b].block_keys().contains(k));
        let (ra, rb) = (&pop.records[a], &pop.records[b]);
        if ra.phones.iter().any(|p| rb.phones.contains(p)) || ra.handles.iter().any(|h| rb.handles.contains(h)) {
            sharing_contact += 1;
        }
        if pop.records[a].org_index == pop.records[b].org_index {
            *hist.entry((false, 1000)).or_default() += 1;
            continue;
        }
        let w = passerelle_linkage::pair_weight(&enc[a], &enc[b]);
        let bucket = if w.is_finite() { (w / 4.0).floor() as i64 * 4 } else { -999 };
        *hist.entry((shared, bucket)).or_default() += 1;
        let strong = std::env::var("DIAG").as_deref() == Ok("3") && shared && w >= 20.0;
        if (std::env::var("DIAG").as_deref() == Ok("2") && !shared) || strong {
            let (ra, rb) = (&pop.records[a], &pop.records[b]);
            println!(
                "    w={w:5.1} {} {} {:?} {} | {} {} {:?} {} | {:?} {:?}",
                ra.given_name,
                ra.surname,
                ra.birth_date,
                ra.region,
                rb.given_name,
                rb.surname,
                rb.birth_date,
                rb.region,
                ra.variations,
                rb.variations
            );
        }
    }
    println!("  missed pairs sharing a phone number or a handle: {sharing_contact}");
    let mut h: Vec<_> = hist.into_iter().collect();
    h.sort_unstable();
    for ((shared, bucket), count) in h {
        println!("  missed: shared block {shared:5} weight [{bucket}, {}) bits: {count}", bucket + 4);
    }
}

/// How separable the remaining true pairs are (`CALIB=FLOOR`, a posterior floor such as
/// `1e-5`): every candidate pair above the floor, by 2-bit band of its weight, with how many
/// are truly one child and how many the weights' own posterior expects; then the candidates
/// that a perfect review left unlinked, grouped by pair of children as counted (what a
/// model-based correction of the total would have to sum).
fn calibrate(
    members: &[Member],
    truth: &HashSet<(usize, usize)>,
    found: &HashSet<(usize, usize)>,
    parent: &mut [usize],
) {
    let bits_of_n = (members.len() as f64).log2();
    let floor: f64 = std::env::var("CALIB").unwrap().parse().unwrap_or(1e-5);
    let everything = Review { per_record: usize::MAX, spread_bits: f64::INFINITY };
    let all = link_across_groups_with(members, floor, 2, everything, usize::MAX);
    let mut bands: std::collections::BTreeMap<i64, (usize, usize, f64)> = std::collections::BTreeMap::new();
    for &(a, b, p) in &all {
        let weight = (p / (1.0 - p)).log2() + bits_of_n;
        let band = bands.entry((weight / 2.0).floor() as i64 * 2).or_default();
        band.0 += 1;
        band.1 += usize::from(truth.contains(&(a.min(b), a.max(b))));
        band.2 += p;
    }
    for (band, (pairs, true_pairs, expected)) in &bands {
        println!(
            "  weight [{band}, {}) pairs {pairs:>8} one child {true_pairs:>6} expected by the weights {expected:>9.1}",
            band + 2
        );
    }
    let mut orgs: HashMap<usize, HashSet<u128>> = HashMap::new();
    for (i, m) in members.iter().enumerate() {
        orgs.entry(find(parent, i)).or_default().insert(m.group);
    }
    // Per pair of counted children: the strongest posterior between them, and whether they
    // are one child. A child already linked to a case of the other's organization is not.
    let mut groups: HashMap<(usize, usize), (f64, bool)> = HashMap::new();
    for &(a, b, p) in &all {
        let (ra, rb) = (find(parent, a), find(parent, b));
        if found.contains(&(a.min(b), a.max(b)))
            || ra == rb
            || orgs[&ra].contains(&members[b].group)
            || orgs[&rb].contains(&members[a].group)
        {
            continue;
        }
        let g = groups.entry((ra.min(rb), ra.max(rb))).or_insert((0.0, false));
        g.0 = g.0.max(p);
        g.1 |= truth.contains(&(a.min(b), a.max(b)));
    }
    println!(
        "  unlinked after review: {} pairs of counted children, {} truly one child, {:.1} expected by the weights",
        groups.len(),
        groups.values().filter(|g| g.1).count(),
        groups.values().map(|g| g.0).sum::<f64>()
    );
}

/// The proposals by the log-odds of their score (`SHOWN=1`): how many there are and how many
/// are truly one child, against what the score says.
fn shown(scored: &[(usize, usize, f64)], truth: &HashSet<(usize, usize)>) {
    let mut bands: std::collections::BTreeMap<i64, (usize, usize, f64)> = std::collections::BTreeMap::new();
    for &(a, b, p) in scored {
        let odds = (p / (1.0 - p)).log2();
        let band = bands.entry(odds.floor() as i64).or_default();
        band.0 += 1;
        band.1 += usize::from(truth.contains(&(a.min(b), a.max(b))));
        band.2 += p;
    }
    for (band, (n, t, p)) in &bands {
        println!(
            "  score log-odds [{band}, {}) proposals {n:>7} one child {t:>6} ({:.4}) the score says {:.4}",
            band + 1,
            *t as f64 / *n as f64,
            p / *n as f64
        );
    }
}

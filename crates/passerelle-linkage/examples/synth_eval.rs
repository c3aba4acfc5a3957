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

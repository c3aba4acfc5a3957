//! Linkage inside an installation, scored on the synthetic population (`passerelle-synth`):
//! how many distinct children the confirmed links would give, and the recall and precision of
//! the proposals. `cargo run --release -p passerelle-linkage --example synth_eval -- N [margin] [threshold]`

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::cast_precision_loss, clippy::cast_possible_wrap)]

use std::collections::{HashMap, HashSet};

use passerelle_linkage::{LinkOptions, LinkageKey, Record, encode, link_with};

fn find(p: &mut [usize], mut i: usize) -> usize {
    while p[i] != i {
        p[i] = p[p[i]];
        i = p[i];
    }
    i
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let margin: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let threshold: f64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(0.3);
    let pop = passerelle_synth::generate(1, n);
    let key = LinkageKey::from_bytes([7; 32]);
    let enc: Vec<_> = pop
        .records
        .iter()
        .map(|r| {
            let region = std::env::var("NO_REGION").is_err().then_some(r.region.as_str());
            encode(
                &key,
                &Record::from_platform(&r.given_name, &r.surname, r.birth_date.as_deref(), Some(&r.gender), region),
            )
        })
        .collect();
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, r) in pop.records.iter().enumerate() {
        groups.entry(r.org_index).or_default().push(i);
    }
    let groups: Vec<Vec<usize>> = groups.into_values().collect();
    let opts = LinkOptions {
        threshold,
        threads: 2,
        margin_bits: margin,
        prior_population: Some(enc.len()),
        ..LinkOptions::default()
    };
    let t = std::time::Instant::now();
    let mut links = Vec::new();
    for (x, ga) in groups.iter().enumerate() {
        let ea: Vec<_> = ga.iter().map(|&i| enc[i].clone()).collect();
        for gb in groups.iter().skip(x + 1) {
            let eb: Vec<_> = gb.iter().map(|&i| enc[i].clone()).collect();
            for (a, b, _) in link_with(&ea, &eb, &opts).pairs {
                links.push((ga[a], gb[b]));
            }
        }
    }
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
    let mut m: Vec<_> = missed.into_iter().collect();
    m.sort_by_key(|x| std::cmp::Reverse(x.1.0));
    for (k, (miss, all)) in m {
        println!("  {k:<20} missed {miss:>5} of {all:>6} ({:.1}%)", 100.0 * miss as f64 / all as f64);
    }
    println!(
        "children {n} records {} proposals {} true {} of {} (recall {:.4}, precision {:.4}) distinct after review {distinct} ({:+}) in {secs:.1} s",
        enc.len(),
        found.len(),
        tp,
        truth.len(),
        tp as f64 / truth.len() as f64,
        tp as f64 / found.len().max(1) as f64,
        distinct as i64 - i64::from(n)
    );
}

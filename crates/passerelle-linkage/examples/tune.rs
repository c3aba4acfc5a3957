//! Tuning and diagnostics on `gen.py` output (a.csv, b.csv, truth.csv in one directory):
//!
//! `tune DIR eval [THRESHOLDS] [MARGIN] [full]`: P/R/F1 per threshold, and the share of true pairs
//! that share a block key.
//! `tune DIR dump OUT.csv`: per-field Dice of every true pair and of 400,000 random pairs,
//! for calibrating the weight tables.

// A throwaway-style diagnostic tool: terse names and one long main are fine here.
#![allow(
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::many_single_char_names,
    clippy::too_many_lines,
    clippy::single_match_else
)]

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use passerelle_linkage::{LinkOptions, LinkageKey, encode_all, field_similarities, link_with, read_records};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = Path::new(&args[0]);
    let a = read_records(&dir.join("a.csv"))?;
    let b = read_records(&dir.join("b.csv"))?;
    let ai: HashMap<&str, usize> = a.ids.iter().enumerate().map(|(i, x)| (x.as_str(), i)).collect();
    let bi: HashMap<&str, usize> = b.ids.iter().enumerate().map(|(i, x)| (x.as_str(), i)).collect();
    let truth_text = std::fs::read_to_string(dir.join("truth.csv"))?;
    let mut truth: Vec<(usize, usize, String)> = Vec::new();
    for line in truth_text.lines().skip(1) {
        let mut f = line.splitn(3, ',');
        let (bid, aid, kinds) = (f.next().unwrap_or(""), f.next().unwrap_or(""), f.next().unwrap_or(""));
        truth.push((ai[aid], bi[bid], kinds.to_owned()));
    }
    let key = LinkageKey::from_bytes([7; 32]);
    let t0 = Instant::now();
    let ea = encode_all(&key, &a.records, 1);
    let eb = encode_all(&key, &b.records, 1);
    let enc_s = t0.elapsed().as_secs_f64();
    println!("encode {:.2} us/record", 1e6 * enc_s / (ea.len() + eb.len()) as f64);

    match args.get(1).map(String::as_str) {
        Some("dump") => {
            let mut out = String::from("kind,g,s,gs,sg,d,p,x\n");
            let f = |v: Option<f64>| v.map_or("-1".to_owned(), |x| format!("{x:.4}"));
            let mut row = |kind: &str, i: usize, j: usize| {
                let s = field_similarities(&ea[i], &eb[j]);
                let _ = writeln!(
                    out,
                    "{kind},{},{},{},{},{},{},{}",
                    f(s.given),
                    f(s.surname),
                    f(s.given_surname),
                    f(s.surname_given),
                    f(s.dob),
                    f(s.postcode),
                    f(s.sex)
                );
            };
            for (i, j, k) in &truth {
                row(if k.contains("swap_names") { "swap" } else { "true" }, *i, *j);
            }
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
            for _ in 0..400_000 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let i = (x % ea.len() as u64) as usize;
                let j = ((x >> 32) % eb.len() as u64) as usize;
                row("rand", i, j);
            }
            std::fs::write(&args[2], out)?;
        }
        _ => {
            let ths: Vec<f64> = args
                .get(2)
                .map_or("0.3,0.5,0.7,0.9".into(), Clone::clone)
                .split(',')
                .map(|t| t.parse().unwrap_or(0.5))
                .collect();
            let margin: f64 = args
                .get(3)
                .map_or(passerelle_linkage::LinkOptions::default().margin_bits, |m| m.parse().unwrap_or(0.0));
            let blocking = args.get(4).is_none_or(|m| m != "full");
            let shared = truth
                .iter()
                .filter(|(i, j, _)| ea[*i].block_keys().iter().any(|k| eb[*j].block_keys().contains(k)))
                .count();
            println!("true pairs sharing a block key: {:.4}", shared as f64 / truth.len() as f64);
            let mut lost: HashMap<&str, u32> = HashMap::new();
            for (i, j, k) in &truth {
                if !ea[*i].block_keys().iter().any(|k| eb[*j].block_keys().contains(k)) {
                    *lost.entry(k.as_str()).or_default() += 1;
                }
            }
            let mut lost: Vec<_> = lost.into_iter().collect();
            lost.sort_by_key(|x| std::cmp::Reverse(x.1));
            println!("   no shared key: {:?}", &lost[..lost.len().min(12)]);
            let tset: HashSet<(usize, usize)> = truth.iter().map(|(i, j, _)| (*i, *j)).collect();
            for t in ths {
                let opts =
                    LinkOptions { threshold: t, threads: 1, blocking, margin_bits: margin, ..LinkOptions::default() };
                let t1 = Instant::now();
                let r = link_with(&ea, &eb, &opts);
                let secs = t1.elapsed().as_secs_f64();
                let tp = r.pairs.iter().filter(|(i, j, _)| tset.contains(&(*i, *j))).count() as f64;
                let p = tp / r.pairs.len().max(1) as f64;
                let rc = tp / tset.len() as f64;
                let f1 = 2.0 * p * rc / (p + rc);
                let found: HashSet<(usize, usize)> = r.pairs.iter().map(|(i, j, _)| (*i, *j)).collect();
                let mut by: HashMap<&str, (u32, u32)> = HashMap::new();
                for (i, j, k) in &truth {
                    for kind in k.split(';') {
                        let e = by.entry(if kind.is_empty() { "none" } else { kind }).or_default();
                        e.0 += 1;
                        e.1 += u32::from(found.contains(&(*i, *j)));
                    }
                }
                let mut kinds: Vec<_> = by.into_iter().collect();
                kinds.sort_unstable();
                let worst: Vec<String> =
                    kinds.iter().map(|(k, (n, h))| format!("{k}={:.2}", f64::from(*h) / f64::from(*n))).collect();
                println!(
                    "t={t:.2} margin={margin} links={} P={p:.4} R={rc:.4} F1={f1:.4} match {secs:.3}s cmp={} ({:.0} M/s)",
                    r.pairs.len(),
                    r.comparisons,
                    (ea.len() * eb.len()) as f64 / secs / 1e6
                );
                println!("   {}", worst.join(" "));
            }
        }
    }
    Ok(())
}

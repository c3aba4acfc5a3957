//! `cargo run --release -p passerelle-linkage --example link -- --a A.csv --b B.csv --out LINKS.csv
//! [--threshold T] [--threads N]`: the `passerelle linkage link` contract without the main
//! binary, for benchmarking. Prints the summary JSON line on standard error.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut a, mut b, mut out, mut threshold, mut threads) = (None, None, None, None, 0usize);
    while let Some(flag) = args.next() {
        let value = args.next();
        match (flag.as_str(), value) {
            ("--a", Some(v)) => a = Some(PathBuf::from(v)),
            ("--b", Some(v)) => b = Some(PathBuf::from(v)),
            ("--out", Some(v)) => out = Some(PathBuf::from(v)),
            ("--threshold", Some(v)) => match v.parse() {
                Ok(t) => threshold = Some(t),
                Err(_) => return usage(),
            },
            ("--threads", Some(v)) => match v.parse() {
                Ok(n) if n > 0 => threads = n,
                _ => return usage(),
            },
            _ => return usage(),
        }
    }
    let (Some(a), Some(b), Some(out)) = (a, b, out) else { return usage() };
    match passerelle_linkage::run_link(&a, &b, &out, threshold, threads) {
        Ok(summary) => {
            eprintln!("{}", summary.to_json_line());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_input_error() { 2 } else { 1 })
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: link --a A.csv --b B.csv --out LINKS.csv [--threshold T] [--threads N]");
    ExitCode::from(2)
}

//! The file-level linkage run behind `passerelle linkage link`: strict CSV in, links out.
//!
//! Error messages name the file and line but never a value: the values are children's
//! identities and error messages end up in terminals, logs and tickets.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::encode::{Encoder, Encoding, LinkageKey, Record};
use crate::matcher::{DEFAULT_THRESHOLD, LinkOptions, link_with};
use crate::normalise::parse_date;

/// The header both input files must have, exactly.
pub const HEADER: [&str; 6] = ["rec_id", "given_name", "surname", "dob", "sex", "postcode"];

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The input is not what the contract says (exit status 2).
    #[error("{file}: line {line}: {problem}")]
    Input { file: String, line: usize, problem: String },
    /// An argument is out of range (exit status 2).
    #[error("{0}")]
    Usage(String),
    /// Reading or writing failed (exit status 1).
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// The operating system gave no randomness for the key (exit status 1).
    #[error("cannot generate a linkage key: {0}")]
    Random(getrandom::Error),
}

impl LinkError {
    /// True for errors in the input files or arguments (exit status 2), false for failures
    /// of the system (exit status 1).
    pub fn is_input_error(&self) -> bool {
        matches!(self, Self::Input { .. } | Self::Usage(_))
    }
}

/// What a run did, printed by the CLI as one JSON line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub records_a: usize,
    pub records_b: usize,
    pub encode_seconds: f64,
    pub match_seconds: f64,
    pub comparisons: u64,
    pub threads: usize,
}

impl Summary {
    /// `{"records_a":…,"records_b":…,"encode_seconds":…,"match_seconds":…,"comparisons":…,"threads":…}`
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| unreachable!("plain numbers always serialise"))
    }
}

/// Records read from one CSV file, in file order.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    pub ids: Vec<String>,
    pub records: Vec<Record>,
}

/// Reads and checks one input file (see [`parse_records`]).
pub fn read_records(path: &Path) -> Result<Dataset, LinkError> {
    let bytes = fs::read(path).map_err(|source| LinkError::Io { path: path.display().to_string(), source })?;
    parse_records(&bytes, &path.display().to_string())
}

/// Parses `rec_id,given_name,surname,dob,sex,postcode` CSV (RFC 4180 quoting, LF or CRLF).
/// Strict: the header must be exactly that, every line must have six fields, quotes must
/// be well formed, `rec_id` must be present and unique. A `dob` that is not a valid
/// `YYYY-MM-DD` date counts as missing.
pub fn parse_records(bytes: &[u8], file: &str) -> Result<Dataset, LinkError> {
    let err =
        |line: usize, problem: &str| LinkError::Input { file: file.to_owned(), line, problem: problem.to_owned() };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            #[allow(clippy::naive_bytecount)] // once, on an error path
            let line = 1 + bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
            return Err(err(line, "not valid UTF-8"));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = CsvReader { rest: text, line: 1 };
    let Some((_, header)) = reader.next_record().map_err(|(l, p)| err(l, p))? else {
        return Err(err(1, "empty file: expected the header rec_id,given_name,surname,dob,sex,postcode"));
    };
    if header != HEADER {
        return Err(err(1, "wrong header: expected rec_id,given_name,surname,dob,sex,postcode"));
    }
    let mut data = Dataset::default();
    let mut first_line: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    while let Some((line, fields)) = reader.next_record().map_err(|(l, p)| err(l, p))? {
        if fields.len() != HEADER.len() {
            return Err(err(line, &format!("expected 6 fields, found {}", fields.len())));
        }
        let mut it = fields.into_iter();
        let id = it.next().unwrap_or_default();
        if id.trim().is_empty() {
            return Err(err(line, "missing rec_id"));
        }
        if let Some(first) = first_line.get(&id) {
            return Err(err(line, &format!("duplicate rec_id (first on line {first})")));
        }
        if u32::try_from(data.ids.len() + 1).is_err() {
            return Err(err(line, "too many records"));
        }
        let opt = |s: String| (!s.trim().is_empty()).then_some(s);
        let given_name = it.next().and_then(opt);
        let surname = it.next().and_then(opt);
        let dob = it.next().and_then(|d| parse_date(&d));
        let sex = it.next().and_then(opt);
        let postcode = it.next().and_then(opt);
        first_line.insert(id.clone(), line);
        data.ids.push(id);
        data.records.push(Record { given_name, surname, dob, sex, postcode, contacts: Vec::new() });
    }
    Ok(data)
}

/// Where and what: the line number and a message without any value.
type CsvProblem = (usize, &'static str);

struct CsvReader<'a> {
    rest: &'a str,
    line: usize,
}

impl CsvReader<'_> {
    /// The next record and the line it starts on; `Err((line, problem))` when malformed.
    fn next_record(&mut self) -> Result<Option<(usize, Vec<String>)>, CsvProblem> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let start = self.line;
        let mut fields = Vec::with_capacity(HEADER.len());
        let mut field = String::new();
        let mut chars = self.rest.char_indices().peekable();
        let mut quoted = false;
        let mut after_quote = false; // a quoted field ended; only a separator may follow
        let mut field_start = true;
        let end;
        loop {
            let Some((i, c)) = chars.next() else {
                if quoted {
                    return Err((start, "unterminated quoted field"));
                }
                end = self.rest.len();
                break;
            };
            if quoted {
                match c {
                    '"' if chars.peek().map(|&(_, n)| n) == Some('"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => {
                        quoted = false;
                        after_quote = true;
                    }
                    '\n' => {
                        self.line += 1;
                        field.push(c);
                    }
                    _ => field.push(c),
                }
                continue;
            }
            match c {
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    after_quote = false;
                    field_start = true;
                }
                '\n' => {
                    self.line += 1;
                    end = i + 1;
                    break;
                }
                '\r' if chars.peek().map(|&(_, n)| n) == Some('\n') => {
                    chars.next();
                    self.line += 1;
                    end = i + 2;
                    break;
                }
                '\r' => return Err((self.line, "carriage return outside a quoted field")),
                _ if after_quote => return Err((self.line, "text after a closing quote")),
                '"' if field_start => {
                    quoted = true;
                    field_start = false;
                }
                '"' => return Err((self.line, "quote inside an unquoted field")),
                _ => {
                    field.push(c);
                    field_start = false;
                }
            }
        }
        fields.push(field);
        self.rest = &self.rest[end..];
        Ok(Some((start, fields)))
    }
}

/// Writes one CSV field, quoted only when needed.
fn csv_field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) || v.starts_with(' ') || v.ends_with(' ') {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// Encodes records on `threads` threads, each with its own encoder (same key).
pub fn encode_all(key: &LinkageKey, records: &[Record], threads: usize) -> Vec<Encoding> {
    let threads = threads.max(1).min(records.len().max(1));
    let chunk = records.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = records
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut enc = Encoder::new(key);
                    part.iter().map(|r| enc.encode(r)).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

/// Threads to use: `0` means all available cores.
pub fn effective_threads(threads: usize) -> usize {
    if threads == 0 { std::thread::available_parallelism().map_or(1, std::num::NonZero::get) } else { threads }
}

/// Reads A and B, encodes both under a fresh random key (discarded afterwards: encodings
/// of one run cannot be compared with another's), links them and writes
/// `a_rec_id,b_rec_id,score` to `out`. `threshold` defaults to [`DEFAULT_THRESHOLD`];
/// `threads` 0 means all cores.
pub fn run_link(
    a_csv: &Path,
    b_csv: &Path,
    out: &Path,
    threshold: Option<f64>,
    threads: usize,
) -> Result<Summary, LinkError> {
    let threshold = threshold.unwrap_or(DEFAULT_THRESHOLD);
    if !(threshold > 0.0 && threshold < 1.0) {
        return Err(LinkError::Usage("--threshold must be strictly between 0 and 1".to_owned()));
    }
    let threads = effective_threads(threads);
    let a = read_records(a_csv)?;
    let b = read_records(b_csv)?;
    let key = LinkageKey::random().map_err(LinkError::Random)?;

    let t0 = Instant::now();
    let ea = encode_all(&key, &a.records, threads);
    let eb = encode_all(&key, &b.records, threads);
    let encode_seconds = t0.elapsed().as_secs_f64();
    drop(key);

    let t1 = Instant::now();
    let result = link_with(&ea, &eb, &LinkOptions { threshold, threads, ..LinkOptions::default() });
    let match_seconds = t1.elapsed().as_secs_f64();

    let mut text = String::with_capacity(32 * result.pairs.len() + 32);
    text.push_str("a_rec_id,b_rec_id,score\n");
    for &(i, j, s) in &result.pairs {
        csv_field(&mut text, &a.ids[i]);
        text.push(',');
        csv_field(&mut text, &b.ids[j]);
        let _ = writeln!(text, ",{s:.4}");
    }
    let io = |source| LinkError::Io { path: out.display().to_string(), source };
    let mut w = BufWriter::new(fs::File::create(out).map_err(io)?);
    w.write_all(text.as_bytes()).map_err(io)?;
    w.flush().map_err(io)?;

    Ok(Summary {
        records_a: a.ids.len(),
        records_b: b.ids.len(),
        encode_seconds,
        match_seconds,
        comparisons: result.comparisons,
        threads,
    })
}

//! Behaviour tests: each one names the failure it guards against.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss, clippy::cast_possible_truncation)]

use std::collections::HashSet;
use std::fmt::Write as _;

use proptest::prelude::*;

use crate::encode::{GIVEN, SURNAME};
use crate::*;

fn key(b: u8) -> LinkageKey {
    LinkageKey::from_bytes([b; 32])
}

fn rec(given: &str, surname: &str, dob: &str, sex: &str, postcode: &str) -> Record {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Record {
        given_name: opt(given),
        surname: opt(surname),
        dob: parse_date(dob),
        sex: opt(sex),
        postcode: opt(postcode),
        contacts: Vec::new(),
    }
}

fn base() -> Record {
    rec("Émilie", "Tremblay", "2012-03-07", "F", "H2X 1Y4")
}

fn field_pop(e: &Encoding, (lo, hi): (usize, usize)) -> u32 {
    e.bits()[lo..hi].iter().map(|w| w.count_ones()).sum()
}

/// Score of a pair as the matcher would see it when linking two files of `n` records.
fn score(a: &Record, b: &Record, n: usize) -> f64 {
    let k = key(1);
    pair_score(&encode(&k, a), &encode(&k, b), n)
}

#[test]
fn encoding_is_deterministic_under_one_key() {
    let k = key(1);
    assert_eq!(encode(&k, &base()), encode(&k, &base()));
    assert_eq!(encode(&k, &base()), Encoder::new(&k).encode(&base()));
}

#[test]
fn the_stored_form_round_trips_and_refuses_anything_else() {
    let e = encode(&key(1), &base());
    let bytes = e.to_bytes();
    assert_eq!(Encoding::from_bytes(&bytes), Some(e.clone()));
    let empty = encode(&key(1), &Record::default());
    assert_eq!(Encoding::from_bytes(&empty.to_bytes()), Some(empty));
    let mut other_version = bytes.clone();
    other_version[0] = 99;
    assert_eq!(Encoding::from_bytes(&other_version), None);
    assert_eq!(Encoding::from_bytes(&bytes[..bytes.len() - 1]), None);
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(Encoding::from_bytes(&longer), None);
    assert_eq!(Encoding::from_bytes(&[]), None);
}

#[test]
fn different_keys_give_unrelated_encodings() {
    let (e1, e2) = (encode(&key(1), &base()), encode(&key(2), &base()));
    assert_ne!(e1, e2);
    // Same record under two keys must look like two random records: chance-level overlap
    // in every field and no block key in common.
    let s = field_similarities(&e1, &e2);
    for d in [s.given, s.surname, s.dob, s.postcode] {
        assert!(d.unwrap() < 0.5, "{s:?}");
    }
    assert!(e1.block_keys().iter().all(|k| !e2.block_keys().contains(k)));
    assert!(pair_score(&e1, &e2, 1000) < 0.01);
}

#[test]
fn key_debug_is_redacted() {
    let k = LinkageKey::from_bytes([0xab; 32]);
    let s = format!("{k:?}");
    assert!(!s.contains("171") && !s.to_lowercase().contains("ab, ") && s.contains("redacted"), "{s}");
    assert!(LinkageKey::random().is_ok());
}

proptest! {
    /// The weight of a name filter must not reveal the name's length (a frequency attack
    /// starts from exactly that): any name from 1 to 30 letters sets 72 positions, so the
    /// weight stays within the spread of random collisions.
    #[test]
    fn weight_hides_name_length(name in "[a-z]{1,30}") {
        let e = encode(&key(3), &rec(&name, "", "", "", ""));
        let w = field_pop(&e, GIVEN);
        prop_assert!((50..=72).contains(&w), "{} letters -> weight {}", name.len(), w);
    }

    /// Whatever the records, a record is in at most one link.
    #[test]
    fn links_are_one_to_one(picks in proptest::collection::vec((0usize..6, 0usize..6, 0u8..4), 1..40)) {
        let given = ["Léa", "Noah", "Emma", "Liam", "Zoé", "Adam"];
        let surname = ["Roy", "Gagnon", "Côté", "Roy", "Bouchard", "Morin"];
        let mk = |&(g, s, d): &(usize, usize, u8)| rec(given[g], surname[s], &format!("2015-0{}-1{}", d + 1, g), "F", "");
        let records: Vec<Record> = picks.iter().map(mk).collect();
        let k = key(4);
        let ea: Vec<Encoding> = records.iter().map(|r| encode(&k, r)).collect();
        let eb: Vec<Encoding> = records.iter().rev().map(|r| encode(&k, r)).collect();
        let r = link(&ea, &eb, 0.05, 2);
        let a: HashSet<usize> = r.pairs.iter().map(|p| p.0).collect();
        let b: HashSet<usize> = r.pairs.iter().map(|p| p.1).collect();
        prop_assert_eq!(a.len(), r.pairs.len());
        prop_assert_eq!(b.len(), r.pairs.len());
    }
}

#[test]
fn weight_of_long_and_short_names_is_similar() {
    let k = key(3);
    let short = field_pop(&encode(&k, &rec("Al", "", "", "", "")), GIVEN);
    let long = field_pop(&encode(&k, &rec("Maximilian-Alexander", "", "", "", "")), GIVEN);
    assert!(short.abs_diff(long) <= 12, "{short} vs {long}");
}

#[test]
fn given_and_surname_share_a_token_space() {
    // The swap rule depends on it: the same name as given name or surname sets the same bits.
    let e = encode(&key(5), &rec("Tremblay", "Tremblay", "", "", ""));
    assert_eq!(e.bits()[GIVEN.0..GIVEN.1], e.bits()[SURNAME.0..SURNAME.1]);
}

/// The anchor's blind spots: each corrupted version of a child must still score above the
/// default threshold against the original, at 10k and at 100k records per side.
#[test]
fn blind_spots_still_match() {
    let original = base();
    let cases = [
        ("names swapped", rec("Tremblay", "Émilie", "2012-03-07", "F", "H2X 1Y4")),
        ("accents and case", rec("EMILIE", "TREMBLAY", "2012-03-07", "f", "h2x1y4")),
        ("surname changed", rec("Émilie", "Nguyen", "2012-03-07", "F", "H2X 1Y4")),
        ("date missing", rec("Émilie", "Tremblay", "", "F", "H2X 1Y4")),
        ("day and month swapped", rec("Émilie", "Tremblay", "2012-07-03", "F", "H2X 1Y4")),
        ("wrong year", rec("Émilie", "Tremblay", "2011-03-07", "F", "H2X 1Y4")),
        ("moved and typo", rec("Emilei", "Tremblay", "2012-03-07", "F", "J4K 2B1")),
    ];
    for (what, r) in &cases {
        for n in [10_000, 100_000] {
            let s = score(&original, r, n);
            assert!(s >= DEFAULT_THRESHOLD, "{what}: score {s:.4} at {n}");
        }
    }
    let compound = rec("Marie-Claire", "Dubois-Tremblay", "2010-11-23", "F", "G1R 2K5");
    let shortened = rec("Marie", "Dubois", "2010-11-23", "F", "G1R 2K5");
    for n in [10_000, 100_000] {
        let s = score(&compound, &shortened, n);
        assert!(s >= DEFAULT_THRESHOLD, "hyphenated names shortened: {s:.4} at {n}");
    }
}

#[test]
fn look_alike_with_another_date_of_birth_does_not_match() {
    let original = base();
    let look_alikes = [
        rec("Émilie", "Tremblay", "2009-11-22", "F", "H2X 1Y4"),
        rec("Emilie", "Tremblay", "2004-06-30", "F", ""),
        rec("Tremblay", "Émilie", "2009-11-22", "F", "J4K 2B1"),
    ];
    for r in &look_alikes {
        let s = score(&original, r, 10_000);
        assert!(s < DEFAULT_THRESHOLD, "{s:.4}");
    }
    // And a different child with the same date of birth and postcode.
    let s = score(&original, &rec("Jacob", "Lefebvre", "2012-03-07", "M", "H2X 1Y4"), 10_000);
    assert!(s < DEFAULT_THRESHOLD, "{s:.4}");
}

#[test]
fn a_record_without_counterpart_is_not_attached_to_one_of_two_look_alikes() {
    // Two children in A resemble the B record equally well (same name, birth dates either
    // side of B's): linking either would be a guess.
    let k = key(6);
    let a =
        [rec("Lucas", "Martin", "2015-05-10", "M", "H1A 1A1"), rec("Lucas", "Martin", "2015-05-12", "M", "H1A 1A1")];
    let b = [rec("Lucas", "Martin", "2015-05-11", "M", "H1A 1A1")];
    let ea: Vec<Encoding> = a.iter().map(|r| encode(&k, r)).collect();
    let eb: Vec<Encoding> = b.iter().map(|r| encode(&k, r)).collect();
    let guarded = link(&ea, &eb, 0.05, 1);
    assert!(guarded.pairs.is_empty(), "{guarded:?}");
    // Without the margin the greedy solve links one of them: the guard is what stops it.
    let unguarded = link_with(&ea, &eb, &LinkOptions { threshold: 0.05, margin_bits: 0.0, ..LinkOptions::default() });
    assert_eq!(unguarded.pairs.len(), 1);
    // With the true counterpart present, it wins clearly and is linked.
    let a2 =
        [rec("Lucas", "Martin", "2015-05-11", "M", "H1A 1A1"), rec("Lucas", "Martin", "2015-02-10", "M", "H1A 1A1")];
    let ea2: Vec<Encoding> = a2.iter().map(|r| encode(&k, r)).collect();
    let r = link(&ea2, &eb, DEFAULT_THRESHOLD, 1);
    assert_eq!(r.pairs.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(), [(0, 0)]);
}

#[test]
fn missing_fields_are_not_evidence_for_a_match() {
    // Two records with nothing but a common first name are not a link.
    let s = score(&rec("Emma", "", "", "", ""), &rec("Emma", "", "", "", ""), 10_000);
    assert!(s < DEFAULT_THRESHOLD, "{s:.4}");
    let e = encode(&key(1), &Record::default());
    assert_eq!(e.weight(), 0);
    assert!(e.block_keys().is_empty());
}

#[test]
fn records_without_block_keys_are_still_compared() {
    // No name and no date: no block key, so the matcher must fall back to comparing it
    // with everything (here it is then correctly not linked on postcode and sex alone).
    let k = key(7);
    let ea = [encode(&k, &rec("", "", "", "F", "H2X 1Y4")), encode(&k, &base())];
    let eb = [encode(&k, &rec("", "", "", "F", "H2X 1Y4"))];
    assert!(ea[0].block_keys().is_empty());
    let r = link(&ea, &eb, 0.0001, 1);
    assert_eq!(r.comparisons, 2);
}

#[test]
fn blocking_and_full_comparison_agree_on_easy_pairs() {
    let (a, b, truth) = generate(400, 11);
    let k = key(8);
    let ea: Vec<Encoding> = a.iter().map(|r| encode(&k, r)).collect();
    let eb: Vec<Encoding> = b.iter().map(|r| encode(&k, r)).collect();
    let blocked = link_with(&ea, &eb, &LinkOptions { threads: 2, ..LinkOptions::default() });
    let full = link_with(&ea, &eb, &LinkOptions { blocking: false, threads: 3, ..LinkOptions::default() });
    assert_eq!(full.comparisons, 400 * 400);
    assert!(blocked.comparisons < full.comparisons / 10, "{}", blocked.comparisons);
    let f_blocked = f1(&blocked.pairs, &truth);
    let f_full = f1(&full.pairs, &truth);
    assert!(f_blocked > 0.9 && f_full > 0.9 && (f_full - f_blocked) < 0.03, "{f_blocked} {f_full}");
}

// ---------------------------------------------------------------------------------------
// A deterministic generator in the spirit of the benchmark's gen.py: half of B are
// corrupted copies of A records, half are other children.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ONSETS: [&str; 16] = ["b", "ch", "d", "é", "f", "g", "j", "l", "m", "n", "p", "r", "s", "t", "v", "z"];
const VOWELS: [&str; 8] = ["a", "e", "i", "o", "ou", "é", "è", "an"];

/// Pronounceable names from syllables: thousands of distinct values with a skew, about as
/// diverse as real names (the weights assume that agreeing on a name is rare between two
/// different children).
fn name(rng: &mut Rng) -> String {
    let syllables = 2 + rng.below(2);
    let mut n = String::new();
    for _ in 0..syllables {
        // Squaring skews towards the first onsets, as name frequencies are skewed.
        let o = rng.below(16) * rng.below(16) / 15;
        n.push_str(ONSETS[o]);
        n.push_str(VOWELS[rng.below(8)]);
    }
    let mut c = n.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn postcode(rng: &mut Rng) -> String {
    let l = |rng: &mut Rng| char::from(b'A' + u8::try_from(rng.below(26)).unwrap());
    format!("{}{}{} {}{}{}", l(rng), rng.below(10), l(rng), rng.below(10), l(rng), rng.below(10))
}

fn person(rng: &mut Rng) -> Record {
    let dob = format!("{}-{:02}-{:02}", 2008 + rng.below(17), 1 + rng.below(12), 1 + rng.below(28));
    let (g, s, pc) = (name(rng), name(rng), postcode(rng));
    rec(&g, &s, &dob, ["F", "M"][rng.below(2)], &pc)
}

fn corrupt(rng: &mut Rng, r: &Record) -> Record {
    let mut r = r.clone();
    for _ in 0..rng.below(3) {
        match rng.below(6) {
            0 => std::mem::swap(&mut r.given_name, &mut r.surname),
            1 => r.dob = None,
            2 => {
                if let Some((y, m, d)) = r.dob.filter(|&(_, _, d)| d <= 12) {
                    r.dob = Some((y, d, m));
                }
            }
            3 => r.surname = Some(name(rng)),
            4 => r.given_name = r.given_name.map(|g| g.to_uppercase()),
            _ => r.postcode = None,
        }
    }
    r
}

fn generate(n: usize, seed: u64) -> (Vec<Record>, Vec<Record>, HashSet<(usize, usize)>) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let a: Vec<Record> = (0..n).map(|_| person(&mut rng)).collect();
    let mut b = Vec::with_capacity(n);
    let mut truth = HashSet::new();
    for (i, original) in a.iter().enumerate() {
        if i % 2 == 0 {
            truth.insert((i, b.len()));
            b.push(corrupt(&mut rng, original));
        } else {
            b.push(person(&mut rng));
        }
    }
    (a, b, truth)
}

fn f1(pairs: &[(usize, usize, f64)], truth: &HashSet<(usize, usize)>) -> f64 {
    let tp = pairs.iter().filter(|p| truth.contains(&(p.0, p.1))).count() as f64;
    let (p, r) = (tp / pairs.len().max(1) as f64, tp / truth.len() as f64);
    if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
}

// ---------------------------------------------------------------------------------------
// Files

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("passerelle-linkage-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_csv(path: &std::path::Path, records: &[Record], prefix: &str) {
    let mut s = String::from("rec_id,given_name,surname,dob,sex,postcode\n");
    for (i, r) in records.iter().enumerate() {
        let dob = r.dob.map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")).unwrap_or_default();
        let f = |o: &Option<String>| o.clone().unwrap_or_default();
        writeln!(s, "{prefix}{i},\"{}\",{},{dob},{},{}", f(&r.given_name), f(&r.surname), f(&r.sex), f(&r.postcode))
            .unwrap();
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn end_to_end_run_on_generated_files() {
    let dir = scratch("e2e");
    let (a, b, truth) = generate(1000, 5);
    write_csv(&dir.join("a.csv"), &a, "a");
    write_csv(&dir.join("b.csv"), &b, "b");
    let out = dir.join("links.csv");
    let summary = run_link(&dir.join("a.csv"), &dir.join("b.csv"), &out, None, 2).unwrap();
    assert_eq!((summary.records_a, summary.records_b, summary.threads), (1000, 1000, 2));
    assert!(summary.comparisons > 0 && summary.comparisons < 1_000_000);
    let json: serde_json::Value = serde_json::from_str(&summary.to_json_line()).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 6);
    assert!(summary.to_json_line().starts_with("{\"records_a\":1000,\"records_b\":1000,\"encode_seconds\":"));

    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("a_rec_id,b_rec_id,score"));
    let mut pairs = Vec::new();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f[2].len(), 6, "score with 4 decimals: {l}");
        pairs.push((f[0][1..].parse().unwrap(), f[1][1..].parse().unwrap(), f[2].parse().unwrap()));
    }
    let score = f1(&pairs, &truth);
    let tp = pairs.iter().filter(|p| truth.contains(&(p.0, p.1))).count();
    assert!(score > 0.95, "F1 {score}: {} links, {tp} true of {}", pairs.len(), truth.len());
    std::fs::remove_dir_all(dir).ok();
}

const SECRET: &str = "Zéphyrine";

fn parse_err(text: &str) -> LinkError {
    parse_records(text.as_bytes(), "a.csv").unwrap_err()
}

fn assert_input_error(text: &str, line: usize, needle: &str) {
    let e = parse_err(text);
    let msg = e.to_string();
    assert!(e.is_input_error(), "{msg}");
    assert!(msg.contains(&format!("line {line}:")), "{msg}");
    assert!(msg.contains(needle), "{msg}");
    assert!(!msg.contains(SECRET) && !msg.contains("Tremblay") && !msg.contains("x7"), "value leaked: {msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
}

#[test]
fn csv_errors_name_the_line_never_the_value() {
    let h = "rec_id,given_name,surname,dob,sex,postcode\n";
    assert_input_error("rec_id,given,surname,dob,sex,postcode\nx7,Zéphyrine,Tremblay,,,\n", 1, "wrong header");
    assert_input_error("", 1, "empty file");
    assert_input_error(
        &format!("{h}x7,Zéphyrine,Tremblay,,,\nx7,Zéphyrine,Tremblay,,,\n"),
        3,
        "duplicate rec_id (first on line 2)",
    );
    assert_input_error(&format!("{h}x1,a,b,,,\n,Zéphyrine,Tremblay,,,\n"), 3, "missing rec_id");
    assert_input_error(&format!("{h}x7,\"Zéphyrine,Tremblay,,,\n"), 2, "unterminated quoted field");
    assert_input_error(&format!("{h}x7,Zé\"phyrine,Tremblay,,,\n"), 2, "quote inside an unquoted field");
    assert_input_error(&format!("{h}x7,\"Zéphyrine\"x,Tremblay,,,\n"), 2, "text after a closing quote");
    assert_input_error(&format!("{h}x1,a,b,,,\nx7,Zéphyrine,Tremblay,,\n"), 3, "expected 6 fields, found 5");
    assert_input_error(&format!("{h}x1,a,b,,,\n\n"), 3, "expected 6 fields, found 1");
    let mut bad = format!("{h}x1,a,b,,,\nx7,").into_bytes();
    bad.extend_from_slice(&[0xff, b'Z']);
    let e = parse_records(&bad, "a.csv").unwrap_err();
    assert!(e.is_input_error() && e.to_string().contains("line 3: not valid UTF-8"), "{e}");
}

#[test]
fn csv_reads_quotes_crlf_and_bom() {
    let text = "\u{feff}rec_id,given_name,surname,dob,sex,postcode\r\n\"a,1\",\"Jean \"\"Jo\"\"\",O'Neil,2010-02-30,M,\r\na2,,,2011-05-06,,H2X\n";
    let d = parse_records(text.as_bytes(), "a.csv").unwrap();
    assert_eq!(d.ids, ["a,1", "a2"]);
    assert_eq!(d.records[0].given_name.as_deref(), Some("Jean \"Jo\""));
    assert_eq!(d.records[0].dob, None, "an impossible date counts as missing");
    assert_eq!(d.records[0].postcode, None);
    assert_eq!(d.records[1].dob, Some((2011, 5, 6)));
    assert_eq!(d.records[1].given_name, None);
    // A header alone is an empty but valid file.
    assert!(parse_records(b"rec_id,given_name,surname,dob,sex,postcode\n", "b.csv").unwrap().ids.is_empty());
}

#[test]
fn io_failures_are_not_input_errors() {
    let dir = scratch("io");
    let e = run_link(&dir.join("missing-a.csv"), &dir.join("missing-b.csv"), &dir.join("o.csv"), None, 1).unwrap_err();
    assert!(!e.is_input_error(), "{e}");
    let e = run_link(&dir.join("a.csv"), &dir.join("b.csv"), &dir.join("o.csv"), Some(1.5), 1).unwrap_err();
    assert!(e.is_input_error(), "{e}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn contacts_are_normalised_so_that_the_same_number_or_handle_matches() {
    use crate::normalise::normalise_contact;
    assert_eq!(normalise_contact("+1 (514) 555-0142"), normalise_contact("514-555-0142"));
    assert_eq!(normalise_contact("514 555 0142").as_deref(), Some("tel:5145550142"));
    assert_eq!(normalise_contact("@Lune_Bleue"), normalise_contact("lune_bleue"));
    assert_eq!(normalise_contact("12"), None, "too short to identify anyone");
    assert_eq!(normalise_contact(" @ "), None);
    assert_ne!(normalise_contact("5145550142"), normalise_contact("id5145550142"));
}

#[test]
fn a_phone_in_common_links_a_child_whose_surname_changed_and_date_is_unknown() {
    let k = key(1);
    let phone = vec!["514-555-0142".to_owned()];
    let a = rec("Jasmine", "Lessard", "2010-10-19", "F", "H2X 1Y4");
    let b = rec("Jasmine", "Beaudoin", "", "F", "H2X 1Y4");
    let (ea, eb) = (encode(&k, &a.clone().with_contacts(&phone)), encode(&k, &b.clone().with_contacts(&phone)));
    assert_eq!(ea.shares_contact(&eb), Some(true));
    assert_eq!(field_similarities(&ea, &eb).contact, Some(true));
    let without = pair_weight(&encode(&k, &a), &encode(&k, &b));
    assert!((pair_weight(&ea, &eb) - without - 12.0).abs() < 1e-6, "the phone adds its weight");
    // Each record's contact tokens are block keys: the pair is compared, and linked.
    let links = link(std::slice::from_ref(&ea), std::slice::from_ref(&eb), DEFAULT_THRESHOLD, 1);
    assert_eq!(links.pairs.len(), 1, "{links:?}");
    // A phone alone with a date that disagrees stays a different child (a sibling).
    let sibling = rec("Jasmine", "Lessard", "2014-02-01", "F", "H2X 1Y4").with_contacts(&phone);
    assert!(pair_weight(&ea, &encode(&k, &sibling)).is_infinite());
    // No contact on one side: unknown, not a disagreement.
    assert_eq!(ea.shares_contact(&encode(&k, &b)), None);
}

#[test]
fn encodings_stored_before_contacts_are_still_read() {
    let e = encode(&key(1), &base());
    let v2 = e.to_bytes();
    assert_eq!((v2[0], v2.last().copied()), (2, Some(0)));
    let mut v1 = v2[..v2.len() - 1].to_vec();
    v1[0] = 1;
    assert_eq!(Encoding::from_bytes(&v1), Some(e));
    let with = encode(&key(1), &base().with_contacts(&["@lune_bleue".to_owned()]));
    let bytes = with.to_bytes();
    assert_eq!(Encoding::from_bytes(&bytes).map(|d| d.contact_keys().len()), Some(1));
    let mut too_many = bytes.clone();
    *too_many.last_mut().unwrap() = 9;
    assert_eq!(Encoding::from_bytes(&too_many), None);
}

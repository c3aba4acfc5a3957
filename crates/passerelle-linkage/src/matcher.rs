//! Scoring pairs of encodings and choosing a 1:1 set of links.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::encode::{DOB, Encoding, GIVEN, POSTCODE, SEX, SURNAME, WORDS};
use crate::weights;

/// Default threshold on the match score (an estimated probability of a match), chosen to
/// maximise F1 on the benchmark data at both 10k and 100k records per side.
pub const DEFAULT_THRESHOLD: f64 = weights::DEFAULT_THRESHOLD;

/// Links found and work done.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkResult {
    /// `(index in a, index in b, score)`, by decreasing score; each index at most once.
    pub pairs: Vec<(usize, usize, f64)>,
    /// Number of pairs whose encodings were actually compared.
    pub comparisons: u64,
}

/// Matching options beyond the threshold; [`link`] uses the defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkOptions {
    /// Minimum score of a link, in (0, 1).
    pub threshold: f64,
    /// Worker threads (at least one is used).
    pub threads: usize,
    /// Compare only pairs sharing a block key (plus every pair involving a record without
    /// any). Off compares all pairs, which is how the blocking's recall loss is measured.
    pub blocking: bool,
    /// A link needs its match weight to beat, by this many bits, every other candidate of
    /// both of its records: a record whose true counterpart is absent is otherwise attached
    /// to its nearest look-alike.
    pub margin_bits: f64,
    /// How many records a record's counterpart could be among, for the prior; `None` means
    /// the larger file. Linking one organization against another inside an installation of
    /// N cases uses N: a child has a counterpart in few of the many organizations compared.
    pub prior_population: Option<usize>,
    /// For a coordinator's review instead of automatic linking (see [`Review`]).
    pub review: Option<Review>,
}

/// Proposals for a coordinator rather than links: a person with both files in hand
/// decides, so two look-alikes of one record are both shown instead of neither (the
/// automatic guard's choice). Each record keeps its best candidates above the threshold,
/// at most `per_record`, within `spread_bits` of its best; no candidate is exclusive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Review {
    pub per_record: usize,
    pub spread_bits: f64,
}

/// The years a child may have been born in, from a date of birth (one year) or from an age
/// estimated on the day a case was opened (a few years). Not part of the encoding: inside an
/// installation it comes from the coarse attributes kept in clear for statistics, and it
/// weighs only where a date of birth is missing on either side (otherwise the date's
/// filter already holds the year).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BirthYears {
    pub earliest: i16,
    pub latest: i16,
}

/// What an installation knows of a record beyond its encoding (see [`link_with_side`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Side {
    pub birth_years: Option<BirthYears>,
    /// Bits added to the given name's weight when the two names are the same: positive for a
    /// name rarer than usual in the installation, negative for a common one (Winkler's
    /// frequency-based weights, from counts of equal encodings).
    pub given_rarity: f32,
    /// The same for the surname.
    pub surname_rarity: f32,
    /// The day the case was opened (Julian day number): a child's records at several
    /// agencies mostly begin within one episode (see [`episode_weight`]).
    pub opened_day: Option<i32>,
}

impl BirthYears {
    /// The birth years of a child aged `age` on a day of year `year`: born that year minus
    /// the age, or the year before; widened by `slack` years for an estimated age.
    pub fn from_age(year: i32, age: i32, slack: i32) -> Option<Self> {
        let latest = i16::try_from(year - age + slack).ok()?;
        let earliest = i16::try_from(year - age - 1 - slack).ok()?;
        (0..=30).contains(&age).then_some(BirthYears { earliest, latest })
    }
}

impl Default for LinkOptions {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            threads: 1,
            blocking: true,
            margin_bits: weights::MARGIN_BITS,
            prior_population: None,
            review: None,
        }
    }
}

/// Per-field Dice coefficients of a pair, for diagnostics and tuning; `None` where the
/// field is missing on either side.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FieldSimilarities {
    pub given: Option<f64>,
    pub surname: Option<f64>,
    /// A's given name against B's surname.
    pub given_surname: Option<f64>,
    /// A's surname against B's given name.
    pub surname_given: Option<f64>,
    pub dob: Option<f64>,
    pub postcode: Option<f64>,
    pub sex: Option<f64>,
    /// A phone number or handle in common; `None` when either record has none.
    pub contact: Option<bool>,
}

/// Popcounts of the five sub-filters, and the side information.
#[derive(Clone, Copy, Debug, Default)]
struct Pop {
    g: u16,
    s: u16,
    d: u16,
    p: u16,
    x: u16,
    /// Earliest and latest possible birth year; `earliest > latest` when unknown.
    years: (i16, i16),
    given_rarity: f32,
    surname_rarity: f32,
    /// The day the case was opened; [`NO_DAY`] when unknown.
    opened: i32,
}

const NO_YEARS: (i16, i16) = (1, 0);
const NO_DAY: i32 = i32::MIN;

fn popcount(words: &[u64], (lo, hi): (usize, usize)) -> u16 {
    #[allow(clippy::cast_possible_truncation)] // at most 1024
    let n = words[lo..hi].iter().map(|w| w.count_ones()).sum::<u32>() as u16;
    n
}

fn pop_of(w: &[u64]) -> Pop {
    Pop {
        g: popcount(w, GIVEN),
        s: popcount(w, SURNAME),
        d: popcount(w, DOB),
        p: popcount(w, POSTCODE),
        x: popcount(w, SEX),
        years: NO_YEARS,
        given_rarity: 0.0,
        surname_rarity: 0.0,
        opened: NO_DAY,
    }
}

/// The weight of the days between the openings of two cases: records of one child at
/// several agencies mostly begin within one episode (an intervention, then the referrals it
/// brings), while two look-alikes' are spread over the installation's years. Mild on both
/// sides, because a child can come back years later.
#[inline]
fn episode_weight(pa: Pop, pb: Pop) -> f32 {
    if pa.opened == NO_DAY || pb.opened == NO_DAY {
        return 0.0;
    }
    let gap = pa.opened.abs_diff(pb.opened);
    if gap <= weights::EPISODE_DAYS {
        weights::EPISODE_AGREE
    } else if gap > weights::EPISODE_APART_DAYS {
        weights::EPISODE_APART
    } else {
        0.0
    }
}

/// The weight of the birth years where a date is missing on one side or both: overlapping
/// ranges are weak evidence for (most children of an installation are born within a few
/// years of each other), disjoint ones strong evidence against.
#[inline]
fn years_weight(pa: Pop, pb: Pop) -> f32 {
    let ((a0, a1), (b0, b1)) = (pa.years, pb.years);
    if (pa.d != 0 && pb.d != 0) || a0 > a1 || b0 > b1 {
        0.0
    } else if a0 <= b1 && b0 <= a1 {
        weights::YEARS_AGREE
    } else {
        weights::YEARS_DISAGREE
    }
}

#[inline]
fn and_count(a: &[u64], b: &[u64], (alo, ahi): (usize, usize), blo: usize) -> u32 {
    let mut n = 0;
    for i in 0..(ahi - alo) {
        n += (a[alo + i] & b[blo + i]).count_ones();
    }
    n
}

#[inline]
fn dice(inter: u32, pa: u16, pb: u16) -> Option<f32> {
    if pa == 0 || pb == 0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    Some(2.0 * inter as f32 / f32::from(pa + pb))
}

fn sims(a: &[u64], pa: Pop, b: &[u64], pb: Pop) -> [Option<f32>; 7] {
    [
        dice(and_count(a, b, GIVEN, GIVEN.0), pa.g, pb.g),
        dice(and_count(a, b, SURNAME, SURNAME.0), pa.s, pb.s),
        dice(and_count(a, b, GIVEN, SURNAME.0), pa.g, pb.s),
        dice(and_count(a, b, SURNAME, GIVEN.0), pa.s, pb.g),
        dice(and_count(a, b, DOB, DOB.0), pa.d, pb.d),
        dice(and_count(a, b, POSTCODE, POSTCODE.0), pa.p, pb.p),
        dice(and_count(a, b, SEX, SEX.0), pa.x, pb.x),
    ]
}

/// The match weight of a pair, in bits (log2 of the likelihood ratio "same child" against
/// "two children", summed over the fields present on both sides).
#[inline]
fn match_weight(ra: &[u64], pa: Pop, rb: &[u64], pb: Pop) -> f32 {
    let weigh = |table: &[f32; weights::POINTS], sim: Option<f32>| sim.map_or(0.0, |v| weights::lookup(table, v));
    let dob = dice(and_count(ra, rb, DOB, DOB.0), pa.d, pb.d);
    if dob.is_some_and(|v| v < weights::DOB_VETO) {
        return f32::NEG_INFINITY;
    }
    let given = dice(and_count(ra, rb, GIVEN, GIVEN.0), pa.g, pb.g);
    let surname = dice(and_count(ra, rb, SURNAME, SURNAME.0), pa.s, pb.s);
    // Dice is exactly 1 only for equal filters, that is equal names, whose rarity is known.
    let rarity = |sim: Option<f32>, bits: f32| if sim == Some(1.0) { bits } else { 0.0 };
    let mut names = weigh(&weights::GIVEN, given)
        + rarity(given, pa.given_rarity)
        + weigh(&weights::SURNAME, surname)
        + rarity(surname, pa.surname_rarity);
    // Names swapped between the fields: only worth computing when the names as written
    // do not already agree.
    if names < weights::SWAP_WORTH_CHECKING {
        let given_surname = dice(and_count(ra, rb, GIVEN, SURNAME.0), pa.g, pb.s);
        let surname_given = dice(and_count(ra, rb, SURNAME, GIVEN.0), pa.s, pb.g);
        let swapped =
            weigh(&weights::GIVEN, given_surname) + weigh(&weights::SURNAME, surname_given) - weights::SWAP_PENALTY;
        names = names.max(swapped);
    }
    let postcode = dice(and_count(ra, rb, POSTCODE, POSTCODE.0), pa.p, pb.p);
    let sex = dice(and_count(ra, rb, SEX, SEX.0), pa.x, pb.x);
    names
        + weigh(&weights::DOB, dob)
        + weigh(&weights::POSTCODE, postcode)
        + weigh(&weights::SEX, sex)
        + years_weight(pa, pb)
        + episode_weight(pa, pb)
}

/// Per-field similarities of two encodings (diagnostics and tuning).
pub fn field_similarities(a: &Encoding, b: &Encoding) -> FieldSimilarities {
    let s = sims(&a.bits, pop_of(&a.bits), &b.bits, pop_of(&b.bits));
    let f = |x: Option<f32>| x.map(f64::from);
    FieldSimilarities {
        given: f(s[0]),
        surname: f(s[1]),
        given_surname: f(s[2]),
        surname_given: f(s[3]),
        dob: f(s[4]),
        postcode: f(s[5]),
        sex: f(s[6]),
        contact: a.shares_contact(b),
    }
}

/// The match weight of two encodings in bits (see the crate documentation).
pub fn pair_weight(a: &Encoding, b: &Encoding) -> f64 {
    f64::from(
        match_weight(&a.bits, pop_of(&a.bits), &b.bits, pop_of(&b.bits))
            + contact_weight(a.contact_keys(), b.contact_keys()),
    )
}

/// A phone number or handle in common: strong evidence, added to the fields' weight. It
/// does not lift a vetoed date (a sibling may share the family phone); none in common is
/// no evidence either way (children change numbers).
#[inline]
fn contact_weight(a: &[u64], b: &[u64]) -> f32 {
    if !a.is_empty() && !b.is_empty() && a.iter().any(|k| b.contains(k)) { weights::CONTACT_AGREE } else { 0.0 }
}

/// Prior log-odds that two records drawn from files of these sizes are the same child:
/// each record has at most one counterpart among `max(n_a, n_b)`. This is what makes one
/// threshold work at every size: a weight that is convincing between two files of a
/// thousand records is not between two files of a million.
pub(crate) fn prior_bits(n_a: usize, n_b: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let n = n_a.max(n_b).max(2) as f64;
    -n.log2()
}

pub(crate) fn to_score(weight: f64, prior: f64) -> f64 {
    1.0 / (1.0 + (-(weight + prior)).exp2())
}

pub(crate) fn to_weight(score: f64, prior: f64) -> f64 {
    let s = score.clamp(1e-12, 1.0 - 1e-12);
    (s / (1.0 - s)).log2() - prior
}

/// The match score of two encodings, an estimated probability that they are the same child
/// when linking two files of `population` records each.
pub fn pair_score(a: &Encoding, b: &Encoding, population: usize) -> f64 {
    to_score(pair_weight(a, b), prior_bits(population, population))
}

/// Encodings laid out contiguously for the comparison loop.
struct Db {
    words: Vec<u64>,
    pop: Vec<Pop>,
    /// Contact tokens per record: `(start, count)` into `contact_keys`.
    contact_slots: Vec<(u32, u8)>,
    contact_keys: Vec<u64>,
}

impl Db {
    fn new(encs: &[Encoding], side: Option<&[Side]>) -> Self {
        let mut words = Vec::with_capacity(encs.len() * WORDS);
        let mut pop = Vec::with_capacity(encs.len());
        let mut contact_slots = Vec::with_capacity(encs.len());
        let mut contact_keys = Vec::new();
        for (i, e) in encs.iter().enumerate() {
            words.extend_from_slice(&e.bits);
            let keys = e.contact_keys();
            #[allow(clippy::cast_possible_truncation)] // at most MAX_CONTACTS per record; record counts fit u32
            contact_slots.push((contact_keys.len() as u32, keys.len() as u8));
            contact_keys.extend_from_slice(keys);
            let mut p = pop_of(&e.bits);
            if let Some(side) = side.and_then(|s| s.get(i)) {
                if let Some(y) = side.birth_years {
                    p.years = (y.earliest, y.latest);
                }
                p.given_rarity = side.given_rarity;
                p.surname_rarity = side.surname_rarity;
                p.opened = side.opened_day.unwrap_or(NO_DAY);
            }
            pop.push(p);
        }
        Self { words, pop, contact_slots, contact_keys }
    }

    #[inline]
    fn contacts(&self, i: usize) -> &[u64] {
        let (start, n) = self.contact_slots[i];
        &self.contact_keys[start as usize..start as usize + usize::from(n)]
    }

    #[inline]
    fn rec(&self, i: usize) -> &[u64] {
        &self.words[i * WORDS..(i + 1) * WORDS]
    }
}

/// Block keys are keyed-PRF outputs, already uniform: hashing them again is wasted work.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// B's block keys as a compressed index: key → slice of `members`.
struct BlockIndex {
    slots: HashMap<u64, (u32, u32), BuildHasherDefault<IdentityHasher>>,
    members: Vec<u32>,
}

impl BlockIndex {
    fn new(encs: &[Encoding]) -> Self {
        let mut pairs: Vec<(u64, u32)> = Vec::new();
        for (i, e) in encs.iter().enumerate() {
            #[allow(clippy::cast_possible_truncation)] // record counts are checked to fit u32
            pairs.extend(e.block_keys().iter().map(|&k| (k, i as u32)));
        }
        pairs.sort_unstable();
        let mut slots = HashMap::with_capacity_and_hasher(pairs.len() / 2, BuildHasherDefault::default());
        let mut members = Vec::with_capacity(pairs.len());
        let mut i = 0;
        while i < pairs.len() {
            let key = pairs[i].0;
            #[allow(clippy::cast_possible_truncation)]
            let start = members.len() as u32;
            while i < pairs.len() && pairs[i].0 == key {
                members.push(pairs[i].1);
                i += 1;
            }
            #[allow(clippy::cast_possible_truncation)]
            slots.insert(key, (start, members.len() as u32 - start));
        }
        Self { slots, members }
    }

    fn get(&self, key: u64) -> &[u32] {
        self.slots.get(&key).map_or(&[], |&(s, n)| &self.members[s as usize..(s + n) as usize])
    }
}

struct Candidate {
    a: u32,
    b: u32,
    w: f32,
}

/// Links `a` to `b` with the default options and the given threshold and thread count.
pub fn link(a: &[Encoding], b: &[Encoding], threshold: f64, threads: usize) -> LinkResult {
    link_with(a, b, &LinkOptions { threshold, threads, ..LinkOptions::default() })
}

/// Links `a` to `b`: scores candidate pairs, then keeps a 1:1 set of links greedily by
/// decreasing weight, each above the threshold and clear of its records' other candidates
/// by the margin.
pub fn link_with(a: &[Encoding], b: &[Encoding], opts: &LinkOptions) -> LinkResult {
    link_with_side(a, b, None, opts)
}

/// [`link_with`] with what is known of each record of `a` and of `b` beyond its encoding
/// (same order and length as the encodings).
pub fn link_with_side(a: &[Encoding], b: &[Encoding], side: SideLists<'_>, opts: &LinkOptions) -> LinkResult {
    assert!(u32::try_from(a.len()).is_ok() && u32::try_from(b.len()).is_ok(), "too many records");
    if a.is_empty() || b.is_empty() {
        return LinkResult::default();
    }
    let prior = match opts.prior_population {
        Some(n) => prior_bits(n, n),
        None => prior_bits(a.len(), b.len()),
    };
    let min_weight = to_weight(opts.threshold, prior);
    if let Some(review) = opts.review {
        #[allow(clippy::cast_possible_truncation)]
        let (cands, comparisons) = candidates(a, b, side, opts, min_weight as f32);
        let pairs = for_review(cands, a.len(), b.len(), review, prior);
        return LinkResult { pairs, comparisons };
    }
    // Candidates slightly below the threshold still count as competitors for the margin.
    #[allow(clippy::cast_possible_truncation)]
    let floor = (min_weight - opts.margin_bits.max(0.0)) as f32;
    let (cands, comparisons) = candidates(a, b, side, opts, floor);
    let pairs = assign(cands, a.len(), b.len(), min_weight, opts.margin_bits.max(0.0), prior);
    LinkResult { pairs, comparisons }
}

/// The side information of each record of `a` and of `b`.
pub type SideLists<'s> = Option<(&'s [Side], &'s [Side])>;

fn candidates(
    a: &[Encoding],
    b: &[Encoding],
    side: SideLists<'_>,
    opts: &LinkOptions,
    floor: f32,
) -> (Vec<Candidate>, u64) {
    let da = Db::new(a, side.map(|s| s.0));
    let db = Db::new(b, side.map(|s| s.1));
    let index = opts.blocking.then(|| BlockIndex::new(b));
    // B records without any block key can only be found by comparing them with everything.
    let b_unblocked: Vec<u32> = if opts.blocking {
        #[allow(clippy::cast_possible_truncation)]
        b.iter().enumerate().filter(|(_, e)| e.n_blocks == 0).map(|(i, _)| i as u32).collect()
    } else {
        Vec::new()
    };
    let threads = opts.threads.max(1).min(a.len());
    let chunk = a.len().div_ceil(threads);
    let results: Vec<(Vec<Candidate>, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (da, db, index, b_unblocked) = (&da, &db, index.as_ref(), &b_unblocked);
                let range = (t * chunk)..((t + 1) * chunk).min(a.len());
                scope.spawn(move || scan(range, a, da, db, index, b_unblocked, floor))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut all = Vec::with_capacity(results.iter().map(|r| r.0.len()).sum());
    let mut comparisons = 0;
    for (c, n) in results {
        all.extend(c);
        comparisons += n;
    }
    (all, comparisons)
}

fn scan(
    range: std::ops::Range<usize>,
    a: &[Encoding],
    da: &Db,
    db: &Db,
    index: Option<&BlockIndex>,
    b_unblocked: &[u32],
    floor: f32,
) -> (Vec<Candidate>, u64) {
    let mut out = Vec::new();
    let mut comparisons = 0u64;
    let nb = db.pop.len();
    let score = |i: usize, j: usize, out: &mut Vec<Candidate>| {
        let w =
            match_weight(da.rec(i), da.pop[i], db.rec(j), db.pop[j]) + contact_weight(da.contacts(i), db.contacts(j));
        if w >= floor {
            #[allow(clippy::cast_possible_truncation)]
            out.push(Candidate { a: i as u32, b: j as u32, w });
        }
    };
    match index {
        None => {
            for i in range {
                for j in 0..nb {
                    score(i, j, &mut out);
                }
                comparisons += nb as u64;
            }
        }
        Some(index) => {
            // Last A record that reached each B record: a pair sharing several keys is
            // scored once.
            let mut seen = vec![u32::MAX; nb];
            for i in range {
                let keys = a[i].block_keys();
                if keys.is_empty() {
                    for j in 0..nb {
                        score(i, j, &mut out);
                    }
                    comparisons += nb as u64;
                    continue;
                }
                #[allow(clippy::cast_possible_truncation)]
                let stamp = i as u32;
                for &k in keys {
                    for &j in index.get(k) {
                        if seen[j as usize] != stamp {
                            seen[j as usize] = stamp;
                            score(i, j as usize, &mut out);
                            comparisons += 1;
                        }
                    }
                }
                for &j in b_unblocked {
                    score(i, j as usize, &mut out);
                    comparisons += 1;
                }
            }
        }
    }
    (out, comparisons)
}

/// Greedy 1:1 assignment by decreasing weight, with the look-alike guard: a pair is linked
/// only if its weight beats every other candidate of its A record and of its B record by
/// `margin` bits. When two children in one file both resemble a record, neither is linked:
/// the case goes to a person, not to a guess.
fn assign(
    mut cands: Vec<Candidate>,
    n_a: usize,
    n_b: usize,
    min_weight: f64,
    margin: f64,
    prior: f64,
) -> Vec<(usize, usize, f64)> {
    // Best and second-best weight per record, over all candidates above the floor.
    let mut best_a = vec![(f32::NEG_INFINITY, f32::NEG_INFINITY); n_a];
    let mut best_b = vec![(f32::NEG_INFINITY, f32::NEG_INFINITY); n_b];
    let bump = |slot: &mut (f32, f32), w: f32| {
        if w > slot.0 {
            slot.1 = slot.0;
            slot.0 = w;
        } else if w > slot.1 {
            slot.1 = w;
        }
    };
    for c in &cands {
        bump(&mut best_a[c.a as usize], c.w);
        bump(&mut best_b[c.b as usize], c.w);
    }
    // Descending weight; ties by index so that the result does not depend on thread timing.
    cands.sort_unstable_by(|x, y| y.w.total_cmp(&x.w).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b)));
    let mut used_a = vec![false; n_a];
    let mut used_b = vec![false; n_b];
    let mut pairs = Vec::new();
    for c in cands {
        let w = f64::from(c.w);
        if w < min_weight {
            break;
        }
        let (ia, ib) = (c.a as usize, c.b as usize);
        if used_a[ia] || used_b[ib] {
            continue;
        }
        // The strongest rival: the second best if this pair is the best, else the best.
        let rival = |slot: (f32, f32)| f64::from(if c.w >= slot.0 { slot.1 } else { slot.0 });
        if w - rival(best_a[ia]) < margin || w - rival(best_b[ib]) < margin {
            continue;
        }
        used_a[ia] = true;
        used_b[ib] = true;
        pairs.push((ia, ib, to_score(w, prior)));
    }
    pairs
}

/// Proposals for review: every candidate that is among the best `per_record` of its A record
/// and of its B record, within `spread_bits` of each one's best.
fn for_review(cands: Vec<Candidate>, n_a: usize, n_b: usize, review: Review, prior: f64) -> Vec<(usize, usize, f64)> {
    // A and B records in one index space: B's follow A's.
    let pairs = cands.into_iter().map(|c| (c.a as usize, n_a + c.b as usize, f64::from(c.w))).collect();
    select_for_review(pairs, n_a + n_b, review).into_iter().map(|(a, b, w)| (a, b - n_a, to_score(w, prior))).collect()
}

/// The review choice over `(i, j, weight)` pairs of records `0..n`: a pair is kept while it
/// is among the best `per_record` pairs of both its records and within `spread_bits` of
/// each one's best. Deterministic: ties go by index.
pub(crate) fn select_for_review(
    mut pairs: Vec<(usize, usize, f64)>,
    n: usize,
    review: Review,
) -> Vec<(usize, usize, f64)> {
    let mut best = vec![f64::NEG_INFINITY; n];
    for &(i, j, w) in &pairs {
        best[i] = best[i].max(w);
        best[j] = best[j].max(w);
    }
    pairs.sort_unstable_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
    let spread = review.spread_bits.max(0.0);
    let mut kept = vec![0usize; n];
    pairs.retain(|&(i, j, w)| {
        let keep = kept[i] < review.per_record
            && kept[j] < review.per_record
            && w >= best[i] - spread
            && w >= best[j] - spread;
        if keep {
            kept[i] += 1;
            kept[j] += 1;
        }
        keep
    });
    pairs
}

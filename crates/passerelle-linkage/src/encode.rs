//! Keyed encoding of one record into field-level Bloom filters plus keyed block keys.

use std::fmt;

use blake2::Blake2bMac512;
use blake2::digest::{FixedOutput, Update};
use zeroize::Zeroizing;

use crate::normalise::{Date, day_number, name_parts, normalise_postcode, normalise_sex};

/// Number of 64-bit words in an encoding (1024 bits).
pub const WORDS: usize = 16;

/// Version of the stored form of an encoding ([`Encoding::to_bytes`]); raise it when the
/// layout or the encoding scheme changes, so that old encodings are recomputed, never misread.
pub const STORED_VERSION: u8 = 2;
/// The first stored form (no contact tokens), still read.
const STORED_VERSION_1: u8 = 1;

/// Contact identifiers (phone numbers, social-media handles) kept per record, at most.
pub const MAX_CONTACTS: usize = 4;

/// The sub-filters, as word ranges of the 1024 bits. Given name and surname have their own
/// filters but share one token space (the same token sets the same bit positions in both),
/// so the matcher can compare them crosswise when the two names were swapped.
pub(crate) const GIVEN: (usize, usize) = (0, 4);
pub(crate) const SURNAME: (usize, usize) = (4, 8);
pub(crate) const DOB: (usize, usize) = (8, 12);
pub(crate) const POSTCODE: (usize, usize) = (12, 15);
pub(crate) const SEX: (usize, usize) = (15, 16);

/// Bit insertions per field, whatever the number of tokens ("bits per feature"): the
/// weight of a filter then does not grow with the length of the name, and the filters stay
/// sparse enough (about a quarter of the bits set) for chance overlaps to stay low.
const NAME_INSERTIONS: usize = 72;
const DOB_INSERTIONS: usize = 48;
const POSTCODE_INSERTIONS: usize = 36;
const SEX_INSERTIONS: usize = 8;

/// Upper bound on block keys per record (date, 3 per name part, 5 for the name pair, the
/// contact identifiers).
pub const MAX_BLOCK_KEYS: usize = 6 + 3 * 2 * crate::normalise::MAX_PARTS + MAX_CONTACTS;

/// The secret key of one linkage run. Whoever holds it can encode any guessed identity and
/// test it against encodings, so it never leaves the platform and is never printed.
#[derive(Clone)]
pub struct LinkageKey(Zeroizing<[u8; 32]>);

impl LinkageKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A fresh key from the operating system's generator.
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut k = Zeroizing::new([0u8; 32]);
        getrandom::fill(k.as_mut())?;
        Ok(Self(k))
    }
}

impl fmt::Debug for LinkageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkageKey([redacted])")
    }
}

/// One person as typed by an agency. Every field may be missing; missing fields add no
/// bits and the matcher leaves them out of the score.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub dob: Option<Date>,
    pub sex: Option<String>,
    pub postcode: Option<String>,
    /// Phone numbers and social-media handles: an exact one in common is strong evidence (a
    /// sibling may share a family phone, so it does not override a date that disagrees).
    pub contacts: Vec<String>,
}

/// The encoded record: 1024 bits of field-level Bloom filters and the keyed block keys.
#[derive(Clone, PartialEq, Eq)]
pub struct Encoding {
    pub(crate) bits: [u64; WORDS],
    pub(crate) blocks: [u64; MAX_BLOCK_KEYS],
    pub(crate) n_blocks: u8,
    /// The last `n_contacts` block keys are the contact identifiers' keyed tokens.
    pub(crate) n_contacts: u8,
}

impl Encoding {
    /// The raw filter words.
    pub fn bits(&self) -> &[u64; WORDS] {
        &self.bits
    }

    /// The keyed block keys (records sharing none are never compared, unless they have none).
    pub fn block_keys(&self) -> &[u64] {
        &self.blocks[..usize::from(self.n_blocks)]
    }

    /// The keyed tokens of the contact identifiers (a subset of the block keys).
    pub fn contact_keys(&self) -> &[u64] {
        let n = usize::from(self.n_blocks);
        &self.blocks[n - usize::from(self.n_contacts).min(n)..n]
    }

    /// Whether the two records share a contact identifier; `None` when either has none.
    pub fn shares_contact(&self, other: &Encoding) -> Option<bool> {
        let (a, b) = (self.contact_keys(), other.contact_keys());
        (!a.is_empty() && !b.is_empty()).then(|| a.iter().any(|k| b.contains(k)))
    }

    /// Number of set bits of the whole encoding.
    pub fn weight(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }

    /// The stored form: a version byte, the 16 filter words, the number of block keys, the
    /// keys and how many of the last ones are contact tokens, all little-endian. Stored encodings are sealed under the case key (the bits are
    /// derived from a child's identity and must be protected like it).
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = usize::from(self.n_blocks);
        let mut out = Vec::with_capacity(2 + 8 * (WORDS + n));
        out.push(STORED_VERSION);
        for w in &self.bits {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.push(self.n_blocks);
        for k in &self.blocks[..n] {
            out.extend_from_slice(&k.to_le_bytes());
        }
        out.push(self.n_contacts);
        out
    }

    /// Reads [`Encoding::to_bytes`]'s form back; `None` for anything else (another version,
    /// a wrong length, too many block keys).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let (&version, rest) = bytes.split_first()?;
        if !(version == STORED_VERSION || version == STORED_VERSION_1) || rest.len() < 8 * WORDS + 1 {
            return None;
        }
        let (words, rest) = rest.split_at(8 * WORDS);
        let (&n, rest) = rest.split_first()?;
        let count = usize::from(n);
        let (keys, n_contacts) = if version == STORED_VERSION_1 {
            (rest, 0)
        } else {
            let (&c, keys) = rest.split_last()?;
            (keys, c)
        };
        if count > MAX_BLOCK_KEYS || keys.len() != 8 * count || usize::from(n_contacts) > MAX_CONTACTS.min(count) {
            return None;
        }
        let word = |chunk: &[u8]| chunk.try_into().ok().map(u64::from_le_bytes);
        let mut enc = Encoding { bits: [0; WORDS], blocks: [0; MAX_BLOCK_KEYS], n_blocks: n, n_contacts };
        for (slot, chunk) in enc.bits.iter_mut().zip(words.chunks_exact(8)) {
            *slot = word(chunk)?;
        }
        for (slot, chunk) in enc.blocks.iter_mut().zip(keys.chunks_exact(8)) {
            *slot = word(chunk)?;
        }
        Some(enc)
    }

    fn push_block(&mut self, key: u64) {
        let n = usize::from(self.n_blocks);
        if n < MAX_BLOCK_KEYS && !self.blocks[..n].contains(&key) {
            self.blocks[n] = key;
            self.n_blocks += 1;
        }
    }
}

#[allow(clippy::missing_fields_in_debug)] // the bits and block keys are left out on purpose
impl fmt::Debug for Encoding {
    // Field weights only: enough to debug, and bit patterns have no business in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = |(lo, hi): (usize, usize)| -> u32 { self.bits[lo..hi].iter().map(|x| x.count_ones()).sum() };
        f.debug_struct("Encoding")
            .field("given", &w(GIVEN))
            .field("surname", &w(SURNAME))
            .field("dob", &w(DOB))
            .field("postcode", &w(POSTCODE))
            .field("sex", &w(SEX))
            .field("block_keys", &self.n_blocks)
            .finish()
    }
}

/// Domain separation: bit-position tokens and block keys come from one keyed `BLAKE2b` but can
/// never collide, and neither can tokens of different fields unless deliberately shared
/// (given and surname).
mod tag {
    pub const NAME_BIGRAM: u8 = 1;
    pub const NAME_WORD: u8 = 2;
    pub const NAME_PREFIX: u8 = 3;
    pub const DOB_FULL: u8 = 10;
    pub const DOB_YEAR: u8 = 11;
    pub const DOB_DAY_MONTH_UNORDERED: u8 = 12;
    pub const DOB_MONTH_DAY: u8 = 13;
    pub const DOB_YEAR_MONTH: u8 = 14;
    pub const DOB_YEAR_DAY: u8 = 15;
    pub const DOB_WEEK: u8 = 16;
    pub const DOB_WEEK_SHIFTED: u8 = 17;
    pub const POSTCODE_FULL: u8 = 20;
    pub const POSTCODE_CHAR: u8 = 21;
    pub const POSTCODE_PREFIX: u8 = 22;
    pub const SEX: u8 = 30;
    pub const BLOCK_DOB: u8 = 100;
    pub const BLOCK_PART_YEAR: u8 = 101;
    pub const BLOCK_PART_DAY_MONTH: u8 = 102;
    pub const BLOCK_PART_POSTCODE: u8 = 103;
    pub const BLOCK_NAME_PAIR: u8 = 104;
    pub const BLOCK_INITIALS_YEAR: u8 = 105;
    pub const BLOCK_INITIALS_POSTCODE: u8 = 106;
    pub const BLOCK_NAME_INITIALS: u8 = 107;
    pub const BLOCK_CONTACT: u8 = 108;
}

/// The keyed PRF, pre-keyed so that each token costs one `BLAKE2b` compression (the key block
/// is absorbed once here, not per token).
struct Prf(Blake2bMac512);

impl Prf {
    fn new(key: &LinkageKey) -> Self {
        let mut mac = Blake2bMac512::new_with_salt_and_personal(Some(key.0.as_ref()), &[], b"passerelle-pprl1")
            .unwrap_or_else(|_| unreachable!("a 32-byte key and a 16-byte persona are valid"));
        // One byte after the key block makes BLAKE2b compress the key block now rather than
        // lazily in every clone.
        mac.update(&[0x5a]);
        Self(mac)
    }

    fn digest(&self, token: &[u8]) -> [u8; 64] {
        let mut m = self.0.clone();
        m.update(token);
        m.finalize_fixed().into()
    }
}

/// Token bytes are collected in one buffer per record to avoid an allocation per token.
struct Tokens {
    buf: Vec<u8>,
    ends: Vec<usize>,
}

impl Tokens {
    fn new() -> Self {
        Self { buf: Vec::with_capacity(512), ends: Vec::with_capacity(64) }
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }

    fn start(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Adds a token made of `parts`; drops it if the field already has it so that repeated
    /// bigrams ("anna") do not get more bits than the others.
    fn push(&mut self, parts: &[&[u8]]) {
        let start = self.start();
        for p in parts {
            self.buf.extend_from_slice(p);
        }
        let mut s = 0;
        for &e in &self.ends {
            if self.buf[s..e] == self.buf[start..] {
                self.buf.truncate(start);
                return;
            }
            s = e;
        }
        self.ends.push(self.buf.len());
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut s = 0;
        self.ends.iter().map(move |&e| {
            let t = &self.buf[s..e];
            s = e;
            t
        })
    }
}

/// Encodes records under one key. Reusable across records (keeps its buffers).
pub struct Encoder {
    prf: Prf,
    tokens: Tokens,
}

impl fmt::Debug for Encoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Encoder([redacted])")
    }
}

impl Encoder {
    pub fn new(key: &LinkageKey) -> Self {
        Self { prf: Prf::new(key), tokens: Tokens::new() }
    }

    pub fn encode(&mut self, record: &Record) -> Encoding {
        let mut enc = Encoding { bits: [0; WORDS], blocks: [0; MAX_BLOCK_KEYS], n_blocks: 0, n_contacts: 0 };
        let given = record.given_name.as_deref().map(name_parts).unwrap_or_default();
        let surname = record.surname.as_deref().map(name_parts).unwrap_or_default();
        let postcode = record.postcode.as_deref().and_then(normalise_postcode);
        let sex = record.sex.as_deref().and_then(normalise_sex);

        self.name_field(&given, &mut enc, GIVEN);
        self.name_field(&surname, &mut enc, SURNAME);
        if let Some(d) = record.dob {
            self.dob_field(d, &mut enc);
        }
        if let Some(p) = &postcode {
            self.postcode_field(p, &mut enc);
        }
        if let Some(s) = &sex {
            self.tokens.clear();
            self.tokens.push(&[&[tag::SEX], s.as_bytes()]);
            self.insert(&mut enc, SEX, SEX_INSERTIONS);
        }
        self.block_keys(&given, &surname, record.dob, postcode.as_deref(), &mut enc);
        self.contacts(&record.contacts, &mut enc);
        enc
    }

    /// The contact identifiers, last among the block keys: records sharing one are compared
    /// whatever their names, and the matcher counts it as evidence.
    fn contacts(&self, contacts: &[String], enc: &mut Encoding) {
        let mut keys: Vec<u64> = contacts
            .iter()
            .filter_map(|c| crate::normalise::normalise_contact(c))
            .map(|c| self.block_key(&[&[tag::BLOCK_CONTACT], c.as_bytes()]))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for k in keys.into_iter().take(MAX_CONTACTS) {
            let before = enc.n_blocks;
            enc.push_block(k);
            if enc.n_blocks > before {
                enc.n_contacts += 1;
            }
        }
    }

    fn name_field(&mut self, parts: &[String], enc: &mut Encoding, range: (usize, usize)) {
        if parts.is_empty() {
            return;
        }
        self.tokens.clear();
        let mut chars: Vec<char> = Vec::with_capacity(32);
        let mut cbuf = [0u8; 8];
        for part in parts {
            chars.clear();
            chars.push('^');
            chars.extend(part.chars());
            chars.push('$');
            // Padded bigrams: a typo changes at most two of them.
            for w in chars.windows(2) {
                let a = w[0].encode_utf8(&mut cbuf[..4]).len();
                let b = w[1].encode_utf8(&mut cbuf[4..]).len();
                self.tokens.push(&[&[tag::NAME_BIGRAM], &cbuf[..a], &cbuf[4..4 + b]]);
            }
            // The whole part, so that "Marie" keeps its own full token inside "Marie-Claire".
            self.tokens.push(&[&[tag::NAME_WORD], part.as_bytes()]);
            // The first three letters: a truncated or abbreviated name keeps them.
            let n = chars.len() - 2;
            if n >= 3 {
                let p: String = chars[1..4].iter().collect();
                self.tokens.push(&[&[tag::NAME_PREFIX], p.as_bytes()]);
            }
        }
        self.insert(enc, range, NAME_INSERTIONS);
    }

    fn dob_field(&mut self, (y, m, d): Date, enc: &mut Encoding) {
        let y2 = y.to_le_bytes();
        let (lo, hi) = if m <= d { (m, d) } else { (d, m) };
        let day = day_number((y, m, d));
        // Two week grids offset by half a week: dates up to three days apart always share
        // one of the two week tokens, across month and year ends.
        let week = day.div_euclid(8).to_le_bytes();
        let week_shifted = (day + 4).div_euclid(8).to_le_bytes();
        let t = &mut self.tokens;
        t.clear();
        t.push(&[&[tag::DOB_FULL], &y2, &[m, d]]);
        t.push(&[&[tag::DOB_YEAR], &y2]);
        // Day and month as an unordered pair: a day/month swap keeps it.
        t.push(&[&[tag::DOB_DAY_MONTH_UNORDERED], &[lo, hi]]);
        // Month and day without the year: a wrong year keeps it.
        t.push(&[&[tag::DOB_MONTH_DAY], &[m, d]]);
        t.push(&[&[tag::DOB_YEAR_MONTH], &y2, &[m]]);
        // Year and day: a wrong month keeps it.
        t.push(&[&[tag::DOB_YEAR_DAY], &y2, &[d]]);
        t.push(&[&[tag::DOB_WEEK], &week]);
        t.push(&[&[tag::DOB_WEEK_SHIFTED], &week_shifted]);
        self.insert(enc, DOB, DOB_INSERTIONS);
    }

    fn postcode_field(&mut self, p: &str, enc: &mut Encoding) {
        let t = &mut self.tokens;
        t.clear();
        t.push(&[&[tag::POSTCODE_FULL], p.as_bytes()]);
        let mut cbuf = [0u8; 4];
        for (i, c) in p.chars().take(10).enumerate() {
            let n = c.encode_utf8(&mut cbuf).len();
            #[allow(clippy::cast_possible_truncation)] // i < 10
            t.push(&[&[tag::POSTCODE_CHAR, i as u8], &cbuf[..n]]);
        }
        let prefix: String = p.chars().take(3).collect();
        t.push(&[&[tag::POSTCODE_PREFIX], prefix.as_bytes()]);
        self.insert(enc, POSTCODE, POSTCODE_INSERTIONS);
    }

    /// Sets `insertions` bit positions in the sub-filter, spread evenly over the collected
    /// tokens (the first `insertions % n` tokens get one more). Positions are independent
    /// keyed-PRF outputs, never a double-hashing progression.
    fn insert(&self, enc: &mut Encoding, (lo, hi): (usize, usize), insertions: usize) {
        let n = self.tokens.ends.len();
        if n == 0 {
            return;
        }
        let width = (hi - lo) * 64;
        let k = insertions / n;
        let extra = insertions % n;
        let mut buf = [0u8; 80];
        for (i, tok) in self.tokens.iter().enumerate() {
            let want = k + usize::from(i < extra);
            let mut done = 0;
            let mut counter = 0u8;
            while done < want {
                // Tokens are short; a pathological long one is hashed in full via the slow path.
                let digest = if tok.len() < buf.len() {
                    buf[0] = counter;
                    buf[1..=tok.len()].copy_from_slice(tok);
                    self.prf.digest(&buf[..=tok.len()])
                } else {
                    let mut v = Vec::with_capacity(tok.len() + 1);
                    v.push(counter);
                    v.extend_from_slice(tok);
                    self.prf.digest(&v)
                };
                for pair in digest.chunks_exact(2) {
                    if done == want {
                        break;
                    }
                    let pos = usize::from(u16::from_le_bytes([pair[0], pair[1]])) % width;
                    enc.bits[lo + pos / 64] |= 1u64 << (pos % 64);
                    done += 1;
                }
                counter = counter.wrapping_add(1);
            }
        }
    }

    fn block_key(&self, parts: &[&[u8]]) -> u64 {
        let mut buf = Vec::with_capacity(64);
        for p in parts {
            // Length-prefixed so that ("ab","c") and ("a","bc") differ.
            #[allow(clippy::cast_possible_truncation)]
            buf.push(p.len().min(255) as u8);
            buf.extend_from_slice(p);
        }
        let d = self.prf.digest(&buf);
        u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    }

    /// Keyed block keys: two records are compared only if they share one. Chosen so that a
    /// true pair keeps a shared key under any single error and most double errors: the
    /// full date; each name part (given or surname: swaps keep it) with the birth year, with
    /// the unordered day and month (wrong year), and with the postal code (missing date);
    /// and the first given and surname parts as an unordered pair (missing date and moved).
    fn block_keys(
        &self,
        given: &[String],
        surname: &[String],
        dob: Option<Date>,
        postcode: Option<&str>,
        enc: &mut Encoding,
    ) {
        if let Some((y, m, d)) = dob {
            enc.push_block(self.block_key(&[&[tag::BLOCK_DOB], &y.to_le_bytes(), &[m, d]]));
        }
        let mut parts: Vec<&str> = given.iter().chain(surname).map(String::as_str).filter(|p| p.len() >= 2).collect();
        parts.sort_unstable();
        parts.dedup();
        for p in &parts {
            let p = p.as_bytes();
            if let Some((y, m, d)) = dob {
                let (lo, hi) = if m <= d { (m, d) } else { (d, m) };
                enc.push_block(self.block_key(&[&[tag::BLOCK_PART_YEAR], p, &y.to_le_bytes()]));
                enc.push_block(self.block_key(&[&[tag::BLOCK_PART_DAY_MONTH], p, &[lo, hi]]));
            }
            if let Some(pc) = postcode {
                enc.push_block(self.block_key(&[&[tag::BLOCK_PART_POSTCODE], p, pc.as_bytes()]));
            }
        }
        if let (Some(g), Some(s)) = (given.first(), surname.first()) {
            let (x, y) = if g <= s { (g, s) } else { (s, g) };
            enc.push_block(self.block_key(&[&[tag::BLOCK_NAME_PAIR], x.as_bytes(), y.as_bytes()]));
            // Typos rarely touch the first two letters: these keep a pair whose names both
            // have a typo, or one name a typo and the other a replacement.
            let (gp, sp) = (prefix2(g), prefix2(s));
            let (x, y) = if gp <= sp { (gp, sp) } else { (sp, gp) };
            if let Some((yr, _, _)) = dob {
                enc.push_block(self.block_key(&[&[tag::BLOCK_INITIALS_YEAR], x, y, &yr.to_le_bytes()]));
            }
            if let Some(pc) = postcode {
                enc.push_block(self.block_key(&[&[tag::BLOCK_INITIALS_POSTCODE], x, y, pc.as_bytes()]));
            }
            // One name whole and the other's first letters, in either order (swaps keep it).
            enc.push_block(self.block_key(&[&[tag::BLOCK_NAME_INITIALS], g.as_bytes(), sp]));
            enc.push_block(self.block_key(&[&[tag::BLOCK_NAME_INITIALS], s.as_bytes(), gp]));
        }
    }
}

/// The first two characters of a name part (or the whole of a one-letter part).
fn prefix2(part: &str) -> &[u8] {
    let end = part.char_indices().nth(2).map_or(part.len(), |(i, _)| i);
    &part.as_bytes()[..end]
}

/// Encodes one record (see [`Encoder`] to encode many without re-keying).
pub fn encode(key: &LinkageKey, record: &Record) -> Encoding {
    Encoder::new(key).encode(record)
}

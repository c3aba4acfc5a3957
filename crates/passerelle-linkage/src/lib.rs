//! Privacy-preserving record linkage (PPRL): finding the same child in two agencies' files
//! by comparing keyed encodings of the identities, never the identities themselves.
//!
//! # Encoding
//!
//! Each record becomes 1024 bits of *field-level* Bloom filters (given name, surname, date
//! of birth, postal code, sex) plus a few keyed block keys. Every bit position comes from
//! keyed `BLAKE2b` over one token, so positions are independent per token (never Schnell
//! double hashing, whose arithmetic progressions are what the Kroll–Steinmetzer attack
//! recovers). Why this shape, against the Data61 CLK anchor's measured blind spots:
//!
//! - Given name and surname use **one token space** in two filters, so the matcher can
//!   compare them crosswise: a first/last swap scores as a match (the anchor: 0.5% recall).
//! - Names are tokenised **per part** (padded bigrams, the whole part, its first three
//!   letters): a shortened compound name ("Marie-Claire" → "Marie") or a truncated one
//!   keeps most of its tokens; accents, case and hyphens are folded away beforehand.
//! - The date has tokens that survive each kind of error: year, unordered {day, month}
//!   (day/month swap), month-day (wrong year), year-month, year-day (wrong month) and two
//!   offset week grids (a few days off, across month ends).
//! - Missing fields set no bits, and the matcher leaves them out of the score instead of
//!   counting them as disagreement (the anchor lost a third of missing-date pairs).
//! - Phone numbers and social-media handles, where an installation has them, become keyed
//!   tokens among the block keys: a number in common is strong evidence whatever the names
//!   (but never outweighs a date that disagrees: siblings share family phones).
//! - Each field gets a fixed number of bit insertions whatever its number of tokens, so a
//!   filter's weight does not reveal the length of the name.
//!
//! # Matching
//!
//! Candidate pairs are those sharing a keyed block key (date; name part with year, with
//! day-month, with postal code; name pairs and initials), with a full comparison for
//! records that have none. Each pair's per-field Dice coefficients, computed from popcounts
//! of `AND`ed words, are mapped to Fellegi–Sunter weights (log-likelihood ratios), and a date
//! that shares nothing vetoes the pair. The score is the posterior probability with a prior
//! of one counterpart among `max(|A|, |B|)` records, so one threshold holds at every file
//! size. Links are chosen 1:1 greedily, and only when they beat every other candidate of
//! both records by a margin: most false links of the anchor were records whose counterpart
//! is absent, attached to a look-alike.
//!
//! # Threat model and what the hardening does not do
//!
//! The key is held by the platform, generated per run, never shown or stored; whoever holds
//! it can encode guessed identities and test them, and no encoding trick helps then. Without
//! the key, independent keyed positions defeat the atom-finding attacks on double hashing,
//! and fixed insertions per field hide name lengths. They do **not** stop frequency and
//! pattern-mining attacks on field-level filters by someone who holds many encodings and
//! knows name frequencies: equal names give equal filters, equal block keys reveal equal
//! values (that is how blocking works), and the sex filter has two values. Graph-matching
//! attacks need only similarities. So encodings and block keys are treated as personal
//! data. For `passerelle linkage link` they live in memory for one run under a random key and
//! only the links leave this crate. In the platform, the key is derived from the
//! installation's keys (never shown), and each child's encoding is stored sealed under that
//! child's case key, like the identity it comes from: readable only by the platform, never
//! logged or sent, and shredded with the case. Record-level salting was left out on purpose: a salt such as the
//! birth year makes every pair with a year error unlinkable.

mod encode;
mod files;
mod installation;
mod matcher;
pub mod normalise;
mod weights;

pub use encode::{Encoder, Encoding, LinkageKey, MAX_BLOCK_KEYS, MAX_CONTACTS, Record, STORED_VERSION, WORDS, encode};
pub use files::{
    Dataset, HEADER, LinkError, Summary, effective_threads, encode_all, parse_records, read_records, run_link,
};
pub use installation::{
    MAX_PROPOSALS_PER_CASE, Member, REVIEW, link_across_groups, link_across_groups_with, shown_probability,
};
pub use matcher::{
    BirthYears, DEFAULT_THRESHOLD, FieldSimilarities, LinkOptions, LinkResult, Review, Side, field_similarities, link,
    link_with, link_with_side, pair_score, pair_weight,
};
pub use normalise::{Date, parse_date};

#[cfg(test)]
mod tests;

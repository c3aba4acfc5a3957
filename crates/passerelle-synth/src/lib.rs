//! Realistic, entirely fictional data for demonstrations and for testing cross-agency record
//! linkage: a network of agencies, children who are victims of trafficking, and the records
//! each agency holds about them, with the differences real records of the same child show.
//!
//! Pure and deterministic: [`generate`] gives the same [`Population`] for the same seed and
//! size on every machine and every version of the dependencies (the generator, [`Rng`], is
//! written here). No file, clock, network or operating-system randomness is touched. Child `i`
//! depends only on the seed and `i`, so a smaller population is the prefix of a larger one
//! (their records differ only because the agency network grows with the size).
//!
//! # Everything is fictional
//!
//! Names are drawn from pools of common given names and surnames written for this crate, and
//! combined at random; a child is never a real person, and a match with a real child is
//! chance. Shelters, community groups, the legal clinic, the immigration service and school
//! service centres have invented names; public bodies (a DPJ, the Sûreté du Québec, a
//! CISSS/CIUSSS, a municipal police service) keep their generic public names. Phone numbers are
//! in the 555-01xx block reserved for fiction; handles are made-up words.
//!
//! # Where the distributions come from
//!
//! From the project's research note on data standards, section "Canadian and Quebec baselines",
//! in particular its suggested distributions for a child-only generator; the contract of
//! `passerelle demo-data` for the share of children known to several agencies; and the
//! linkage research note for the kinds of differences between records of one person.
//!
//! | Attribute | Distribution | Why |
//! | --- | --- | --- |
//! | Gender | girl 91 %, boy 6 %, non-binary 1.2 %, not declared 1.8 % | police-reported victims are 93–97 % women and girls; the note suggests 90–95 % / 4–8 % / 1–2 % |
//! | Age when identified | 11: 5 %, 12–13: 10 %, 14–15: 35 %, 16–17: 50 % | the note's split among minors, anchored on an entry age of 14–15 (ages under 11 left out) |
//! | Trafficking | internal 95 %, external 5 % | RCMP: 433 domestic against 22 international cases |
//! | Exploitation | sexual ≈ 90 %, labour or criminality ≈ 5 %, both ≈ 3 %, other ≈ 2 % (organ removal ≈ 0.1 %) | the note's suggestion; external cases shift towards labour (70/15/8/7) |
//! | Region | population (2020) × 1.25 for Montréal, Laval, Montérégie and Capitale-Nationale | "weight by population, with over-representation" of those four |
//! | Identified on | uniform over 2024-01-01 to 2026-09-30 | the platform's first reporting periods |
//! | Records per child | 1: 66 %, 2: 22 %, 3: 9 %, 4: 3 % (mean 1.49) | "about a third of the children are known to two or more agencies" |
//!
//! Assumptions not taken from any source, kept plausible and documented where they are set:
//! the mix of name origins per region (Montréal and Laval far more diverse, First Nations and
//! Inuit communities weighing most in Nord-du-Québec, Côte-Nord and Abitibi), languages per
//! origin, immigration status (never `citizen` for external trafficking), how children first
//! come to an agency and which agency that is, and how often an identifier (alias, phone,
//! handle) is known.
//!
//! # Variations between records of the same child
//!
//! The first record of a child is clean 92 % of the time (one variation otherwise): the first
//! agency has the child's own account, often with documents. Each later record gets 0 (30 %),
//! 1 (45 %) or 2 (25 %) variations, drawn by weight among the kinds that can apply to it:
//!
//! | Variation | Weight | Later records with it | Why |
//! | --- | --- | --- | --- |
//! | typo | 18 | 32 % | the commonest error in any register |
//! | date of birth missing | 8 | 16 % | frequent with runaways and newcomers; costs a third of recall in the linkage benchmark |
//! | case changed | 7 | 14 % | surnames written in capitals |
//! | accents dropped | 14 | 9 % (only names with accents) | many systems and forms still lose them |
//! | surname changed | 4 | 8 % | the other parent's surname, or a double one; halves recall in the benchmark |
//! | names swapped | 3 | 6 % | given name and surname exchanged; field-by-field encodings lose almost all of these |
//! | day and month swapped | 5 | 3 % | only when both readings are dates (day ≤ 12, day ≠ month) |
//! | nickname | 7 | 2 % | "Alex" for Alexandra, where a usual short form exists |
//! | compound name shortened | 10 | 2 % | "Marie-Ève" goes by "Marie", "Gagnon-Tremblay" by one name |
//! | hyphen replaced | 5 | 1 % | "Marie Ève", "El-Amrani" |
//!
//! (Shares measured on 100,000 children, seed 42; a weight only counts among the kinds that
//! apply, which is why always-applicable kinds end up more frequent than their weight.) A
//! date is never both swapped and removed, and a record whose name variations cancel out
//! ("Chaoui" → "Cherif-Chaoui" → "Chaoui") does not list them.
//!
//! The hard kinds (swapped names, changed surname, missing date) are kept at realistic rather
//! than benchmark-inflated rates, but frequent enough that every kind occurs dozens of times
//! in 10,000 children. Later records also drift on coarse attributes, as agencies do: gender
//! not declared (3 %), immigration status unknown (10 %), Indigenous identity not declared
//! (15 %), only the main language (20 % of multilingual children), trafficking type not yet
//! assessed (6 %), one form of exploitation not yet known (20 % of multi-form cases), a
//! neighbouring region (5 %).
//!
//! Common names are weighted as in life, so look-alikes occur: several "Léa Tremblay" born on
//! different days, which is what makes a false link tempting.

mod child;
pub mod date;
mod names;
mod org;
mod record;
mod region;
mod rng;

use serde::{Deserialize, Serialize};

pub use child::{AGE_WEIGHTS, Child, EXPLOITATION, GENDER_WEIGHTS, PRESENTING_SITUATIONS, TRAFFICKING_WEIGHTS};
pub use org::{ORG_TYPES, Organization, organizations};
pub use record::{
    FIRST_RECORD_VARIATIONS, LATER_RECORD_VARIATIONS, RECORDS_PER_CHILD, Record, VARIATION_WEIGHTS, Variation,
};
pub use region::REGION_WEIGHTS;
pub use rng::Rng;

/// A whole fictional population: the agencies, the children as they truly are, and the
/// records the agencies hold, ordered by the day they were opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Population {
    /// The agencies.
    pub organizations: Vec<Organization>,
    /// The truth, one entry per child, in `id` order.
    pub children: Vec<Child>,
    /// Every agency's records, by opening day (then by child).
    pub records: Vec<Record>,
}

/// The counts `passerelle demo-data` prints as its last line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Distinct children.
    pub children: usize,
    /// Records before de-duplication.
    pub child_records: usize,
    /// Cases opened: one per record.
    pub cases: usize,
    /// Agencies.
    pub organizations: usize,
}

impl Population {
    /// The counts for the contract's output line.
    pub fn summary(&self) -> Summary {
        Summary {
            children: self.children.len(),
            child_records: self.records.len(),
            cases: self.records.len(),
            organizations: self.organizations.len(),
        }
    }

    /// Every pair `(i, j)`, `i < j`, of indices into [`Population::records`] that are about the
    /// same child: the truth record linkage is scored against.
    pub fn truth_pairs(&self) -> Vec<(usize, usize)> {
        let mut by_child: Vec<Vec<usize>> = vec![Vec::new(); self.children.len()];
        for (i, r) in self.records.iter().enumerate() {
            if let Some(list) = usize::try_from(r.child_id).ok().and_then(|c| by_child.get_mut(c)) {
                list.push(i);
            }
        }
        let mut pairs = Vec::new();
        for list in &by_child {
            for (k, &a) in list.iter().enumerate() {
                pairs.extend(list[k + 1..].iter().map(|&b| (a.min(b), a.max(b))));
            }
        }
        pairs.sort_unstable();
        pairs
    }
}

/// Spreads `(seed, id)` so that every child has an independent stream.
fn child_seed(seed: u64, id: u32) -> u64 {
    let mut z = seed ^ u64::from(id).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z ^ (z >> 29)
}

/// The population of `children` fictional children for `seed`.
pub fn generate(seed: u64, children: u32) -> Population {
    let organizations = organizations(&mut Rng::new(seed), children);
    let net = record::Network::new(&organizations);
    let tables = child::ChildTables::new();
    let capacity = usize::try_from(children).unwrap_or(0);
    let mut truths = Vec::with_capacity(capacity);
    let mut dated = Vec::with_capacity(capacity * 3 / 2 + 16);
    for id in 0..children {
        let mut rng = Rng::new(child_seed(seed, id));
        let truth = child::child(&mut rng, id, &tables);
        record::records_of(&mut rng, &truth, &net, tables.names(), &mut dated);
        truths.push(truth.child);
    }
    // Stable, so a child's records keep their order within a day.
    dated.sort_by_key(|(day, rec)| (*day, rec.child_id));
    Population { organizations, children: truths, records: dated.into_iter().map(|(_, r)| r).collect() }
}

//! Linkage inside one installation: the same child recorded by several organizations.
//!
//! Every organization's cases are matched with every other organization's, so a child
//! known to three agencies gives up to three pairwise proposals (a chain a coordinator
//! confirms), and two cases of one organization are never proposed as the same child (an
//! organization that opened a second case for the same child merges it itself, knowing the
//! names).

use std::collections::{BTreeMap, HashMap};

use crate::encode::{Encoding, GIVEN, Record, SURNAME};
use crate::matcher::{
    BirthYears, LinkOptions, Review, Side, link_with_side, prior_bits, select_for_review, to_score, to_weight,
};
use crate::normalise::parse_date;

impl Record {
    /// The same record with the child's phone numbers and social-media handles.
    #[must_use]
    pub fn with_contacts<'c>(mut self, contacts: impl IntoIterator<Item = &'c String>) -> Self {
        self.contacts.extend(contacts.into_iter().cloned());
        self
    }

    /// A platform identity as a linkage record: names, date of birth (`YYYY-MM-DD`), the
    /// declared gender only where it says girl or boy (the sex field is a weak hint; a gender
    /// that agencies may record differently is better left out than counted against a pair),
    /// and the administrative region in the place of a postal code. The region is a coarse
    /// attribute kept in clear anyway; it separates look-alikes of different regions, which
    /// matters most when a record has no date of birth (measured on the synthetic population:
    /// recall 0.90 → 0.94 at equal precision; `examples/synth_eval.rs`).
    pub fn from_platform(
        given_name: &str,
        family_name: &str,
        birth_date: Option<&str>,
        gender: Option<&str>,
        region: Option<&str>,
    ) -> Self {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Record {
            given_name: text(given_name),
            surname: text(family_name),
            dob: birth_date.and_then(parse_date),
            sex: match gender {
                Some("girl") => Some("f".to_owned()),
                Some("boy") => Some("m".to_owned()),
                _ => None,
            },
            postcode: region.and_then(text),
            contacts: Vec::new(),
        }
    }
}

/// Per organization: member indexes, encodings and side information, in one order.
type Group = (Vec<usize>, Vec<Encoding>, Vec<Side>);

/// Rarity adjustments are kept within these bits: a name seen once in a small installation
/// is not proof of identity, nor is a very common one proof of nothing.
const RARITY_BITS: (f32, f32) = (-4.0, 6.0);

/// Per member, the bits a given name and a surname are worth above the average when two
/// records agree on it exactly: log2 of the chance that two random members share a name
/// over the chance that a random member has this one. Counted on equal filters, so without
/// reading a name.
fn rarities(members: &[Member]) -> Vec<(f32, f32)> {
    let field = |range: (usize, usize)| -> Vec<f32> {
        let words = |m: &Member| -> Option<[u64; 4]> {
            let w = &m.encoding.bits[range.0..range.1];
            let key: [u64; 4] = w.try_into().ok()?;
            (key != [0; 4]).then_some(key)
        };
        let mut counts: HashMap<[u64; 4], u32> = HashMap::new();
        for m in members {
            if let Some(k) = words(m) {
                *counts.entry(k).or_default() += 1;
            }
        }
        let n: f64 = counts.values().map(|&c| f64::from(c)).sum();
        let sum_sq: f64 = counts.values().map(|&c| f64::from(c) * f64::from(c)).sum();
        members
            .iter()
            .map(|m| {
                words(m).and_then(|k| counts.get(&k)).map_or(0.0, |&c| {
                    #[allow(clippy::cast_possible_truncation)]
                    let bits = (sum_sq / (n * f64::from(c))).log2() as f32;
                    bits.clamp(RARITY_BITS.0, RARITY_BITS.1)
                })
            })
            .collect()
    };
    field(GIVEN).into_iter().zip(field(SURNAME)).collect()
}

/// One case to link inside an installation.
#[derive(Clone, Debug)]
pub struct Member {
    /// The organization that holds it: cases of one organization are never proposed.
    pub group: u128,
    pub encoding: Encoding,
    /// From the date of birth, or from the age estimated when the case was opened.
    pub birth_years: Option<BirthYears>,
    /// The day the case was opened (Julian day number).
    pub opened_day: Option<i32>,
}

/// How many cases of one other organization a case may be proposed with, and how far below
/// its best one there. Several, because a coordinator decides: a case with no date of birth
/// whose name two children of another organization share is shown with both (the
/// automatic guard would link neither, and the child would be counted twice). Measured on
/// 100,000 synthetic children (`examples/synth_eval.rs`), see the benchmarks.
pub const REVIEW: Review = Review { per_record: 6, spread_bits: 6.0 };

/// How many proposals a case may be part of in all, the strongest first: a bound on a
/// coordinator's work for one case (a child known to four organizations needs three).
pub const MAX_PROPOSALS_PER_CASE: usize = 16;

/// Probable matches between members of different groups (organizations), for a
/// coordinator's review: pairs of indexes into `members` with their score, chosen by
/// [`REVIEW`] between each two organizations and at most [`MAX_PROPOSALS_PER_CASE`] per
/// member. The prior is one counterpart among all the members: with many organizations,
/// most pairs of them share no child.
pub fn link_across_groups(members: &[Member], threshold: f64, threads: usize) -> Vec<(usize, usize, f64)> {
    link_across_groups_with(members, threshold, threads, REVIEW, MAX_PROPOSALS_PER_CASE)
}

/// [`link_across_groups`] with another choice (for tuning).
pub fn link_across_groups_with(
    members: &[Member],
    threshold: f64,
    threads: usize,
    review: Review,
    per_case: usize,
) -> Vec<(usize, usize, f64)> {
    let mut groups: BTreeMap<u128, Vec<usize>> = BTreeMap::new();
    for (i, m) in members.iter().enumerate() {
        groups.entry(m.group).or_default().push(i);
    }
    let rarity = rarities(members);
    let groups: Vec<Group> = groups
        .into_values()
        .map(|idx| {
            let enc = idx.iter().map(|&i| members[i].encoding.clone()).collect();
            let side = idx
                .iter()
                .map(|&i| Side {
                    birth_years: members[i].birth_years,
                    given_rarity: rarity[i].0,
                    surname_rarity: rarity[i].1,
                    opened_day: members[i].opened_day,
                })
                .collect();
            (idx, enc, side)
        })
        .collect();
    let opts = LinkOptions {
        threshold,
        threads,
        prior_population: Some(members.len()),
        review: Some(review),
        ..LinkOptions::default()
    };
    let prior = prior_bits(members.len(), members.len());
    let mut candidates = Vec::new();
    for (x, (ia, ea, ya)) in groups.iter().enumerate() {
        for (ib, eb, yb) in groups.iter().skip(x + 1) {
            for (a, b, score) in link_with_side(ea, eb, Some((ya, yb)), &opts).pairs {
                candidates.push((ia[a], ib[b], to_weight(score, prior)));
            }
        }
    }
    let cap = Review { per_record: per_case, spread_bits: f64::INFINITY };
    select_for_review(candidates, members.len(), cap).into_iter().map(|(a, b, w)| (a, b, to_score(w, prior))).collect()
}

/// The probability to show a coordinator for a proposal of this installation's `score`: how
/// often a proposal that strong was truly one child where it was measured
/// (`weights::SHOWN_ODDS`), rather than the score itself, which is far too sure of
/// look-alikes (a score of 97 % is about 10 %). Monotone in the score, so the order of the
/// proposals is the same.
#[must_use]
pub fn shown_probability(score: f64) -> f64 {
    use crate::weights::SHOWN_ODDS as T;
    if score.is_nan() {
        return 0.0;
    }
    let s = score.clamp(1e-12, 1.0 - 1e-12);
    let x = (s / (1.0 - s)).log2();
    let (first, last) = (T[0], T[T.len() - 1]);
    let y = if x <= first.0 {
        let slope = (T[1].1 - first.1) / (T[1].0 - first.0);
        first.1 + (x - first.0) * slope
    } else if x >= last.0 {
        last.1 + (x - last.0)
    } else {
        T.windows(2)
            .find(|w| x <= w[1].0)
            .map_or(last.1, |w| w[0].1 + (x - w[0].0) * (w[1].1 - w[0].1) / (w[1].0 - w[0].0))
    };
    1.0 / (1.0 + (-y).exp2())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::encode::{LinkageKey, encode};
    use crate::matcher::DEFAULT_THRESHOLD;

    #[test]
    fn the_same_child_in_three_organizations_is_linked_across_them_only() {
        let key = LinkageKey::from_bytes([3; 32]);
        let members = vec![
            member(&key, 1, "Marie-Ève", "Tremblay-Gagnon", Some("2010-04-07"), None),
            member(&key, 2, "Marie", "Tremblay Gagnon", Some("2010-07-04"), None),
            member(&key, 3, "marie-eve", "TREMBLAY-GAGNON", None, None),
            member(&key, 1, "Jade", "Nguyen", Some("2011-01-30"), None),
            member(&key, 2, "Zoé", "Lapointe", Some("2009-12-02"), None),
            member(&key, 1, "Zoe", "Lapointe", Some("2009-12-02"), None),
        ];
        let links = link_across_groups(&members, DEFAULT_THRESHOLD, 1);
        let mut pairs: Vec<(usize, usize)> = links.iter().map(|&(a, b, _)| (a.min(b), a.max(b))).collect();
        pairs.sort_unstable();
        // Marie-Ève in organizations 1, 2 and 3 (shortened name, swapped day and month,
        // accents and case, a missing date), and Zoé in 1 and 2; Jade is alone.
        for pair in [(0, 1), (0, 2), (1, 2), (4, 5)] {
            assert!(pairs.contains(&pair), "{pair:?} missing from {pairs:?}");
        }
        assert_eq!(pairs.len(), 4, "{pairs:?}");
        assert!(pairs.iter().all(|&(a, b)| members[a].group != members[b].group), "never within one organization");
    }

    fn member(key: &LinkageKey, group: u128, g: &str, s: &str, dob: Option<&str>, age: Option<(i32, i32)>) -> Member {
        let birth_years = match (dob, age) {
            (Some(d), _) => d[..4].parse().ok().map(|y| BirthYears { earliest: y, latest: y }),
            (None, Some((year, age))) => BirthYears::from_age(year, age, 1),
            (None, None) => None,
        };
        Member {
            group,
            encoding: encode(key, &Record::from_platform(g, s, dob, Some("girl"), Some("03"))),
            birth_years,
            opened_day: None,
        }
    }

    fn proposed(members: &[Member]) -> Vec<(usize, usize)> {
        let mut pairs: Vec<(usize, usize)> =
            link_across_groups(members, DEFAULT_THRESHOLD, 1).iter().map(|&(a, b, _)| (a.min(b), a.max(b))).collect();
        pairs.sort_unstable();
        pairs
    }

    #[test]
    fn a_case_without_a_date_is_shown_with_both_look_alikes_for_a_person_to_decide() {
        let key = LinkageKey::from_bytes([4; 32]);
        // Two children of one organization share a common name and birth year; another
        // organization knows one of them without a date of birth. Nothing tells which: both
        // are proposed (the automatic guard would link neither and count the child twice).
        let members = vec![
            member(&key, 1, "Océane", "Gagnon", Some("2014-08-17"), None),
            member(&key, 1, "Océane", "Gagnon", Some("2014-03-02"), None),
            member(&key, 2, "Oceane", "Gagnon", None, Some((2026, 12))),
            member(&key, 2, "Jade", "Nguyen", Some("2011-01-30"), None),
        ];
        assert_eq!(proposed(&members), vec![(0, 2), (1, 2)]);
    }

    #[test]
    fn an_estimated_age_sets_apart_look_alikes_born_years_apart() {
        let key = LinkageKey::from_bytes([5; 32]);
        let members = vec![
            member(&key, 1, "Océane", "Gagnon", Some("2010-07-27"), None),
            member(&key, 1, "Océane", "Gagnon", Some("2014-08-17"), None),
            member(&key, 2, "Oceane", "Gagnon", None, Some((2026, 12))),
        ];
        assert_eq!(proposed(&members), vec![(1, 2)], "the one born in 2010 is 16, not about 12");
        // Without the age, both stay possible.
        let mut unknown = members.clone();
        unknown[2].birth_years = None;
        assert_eq!(proposed(&unknown), vec![(0, 2), (1, 2)]);
    }

    #[test]
    fn cases_opened_in_one_episode_weigh_more_than_cases_opened_years_apart() {
        let key = LinkageKey::from_bytes([8; 32]);
        let mut members = vec![
            member(&key, 1, "Océane", "Gagnon", Some("2014-08-17"), None),
            member(&key, 1, "Océane", "Gagnon", Some("2014-03-02"), None),
            member(&key, 2, "Oceane", "Gagnon", None, Some((2026, 12))),
        ];
        let score = |members: &[Member], other: usize| {
            link_across_groups(members, DEFAULT_THRESHOLD, 1)
                .into_iter()
                .find(|&(a, b, _)| (a.min(b), a.max(b)) == (other, 2))
                .map(|(_, _, s)| s)
        };
        // Unknown days: the two namesakes are equally likely.
        assert_eq!(score(&members, 0), score(&members, 1));
        // The first was opened three weeks before the other organization's case, the second
        // two years before: both are still shown, the first stronger.
        let day = 2_461_000;
        members[0].opened_day = Some(day - 21);
        members[1].opened_day = Some(day - 730);
        members[2].opened_day = Some(day);
        let (near, far) = (score(&members, 0).unwrap(), score(&members, 1).unwrap());
        assert!(near > far, "{near} {far}");
        // Between one episode and years apart, the days say nothing.
        members[1].opened_day = Some(day - 200);
        assert!(score(&members, 1).unwrap() > far);
        assert!(score(&members, 1).unwrap() < near);
    }

    #[test]
    fn the_review_choice_keeps_the_best_few_of_each_case_within_the_spread() {
        let choice = Review { per_record: 2, spread_bits: 5.0 };
        // Case 0: its two best are kept, the third is one too many, the fourth too weak;
        // case 5's only candidate is kept however weak, the threshold having passed it.
        let pairs = vec![(0, 3, 17.0), (0, 1, 20.0), (0, 4, 10.0), (2, 0, 18.0), (5, 6, 3.0)];
        let kept: Vec<(usize, usize)> =
            select_for_review(pairs, 7, choice).into_iter().map(|(a, b, _)| (a, b)).collect();
        assert_eq!(kept, vec![(0, 1), (2, 0), (5, 6)]);
    }

    #[test]
    fn a_rare_name_weighs_more_than_a_common_one_and_a_missing_one_nothing() {
        let key = LinkageKey::from_bytes([6; 32]);
        let mut members: Vec<Member> =
            (0..40).map(|i| member(&key, i, "Léa", &format!("Nom{i}"), Some("2011-01-30"), None)).collect();
        members.push(member(&key, 50, "Xochitl", "", Some("2011-01-30"), None));
        let r = rarities(&members);
        assert!(r[0].0 < 0.0, "Léa, 40 times in 41: {:?}", r[0]);
        assert!(r[40].0 > 0.0, "Xochitl, once: {:?}", r[40]);
        assert!(r[40].0 <= RARITY_BITS.1 && r[0].0 >= RARITY_BITS.0);
        assert!(r[40].1.abs() < f32::EPSILON, "no surname, no rarity");
    }

    #[test]
    fn birth_years_from_an_age_cover_the_two_possible_years_and_the_slack() {
        assert_eq!(BirthYears::from_age(2026, 12, 0), Some(BirthYears { earliest: 2013, latest: 2014 }));
        assert_eq!(BirthYears::from_age(2026, 12, 1), Some(BirthYears { earliest: 2012, latest: 2015 }));
        assert_eq!(BirthYears::from_age(2026, -1, 1), None);
        assert_eq!(BirthYears::from_age(2026, 31, 1), None);
    }

    #[test]
    fn the_probability_shown_is_what_such_proposals_turned_out_to_be() {
        let odds = |bits: f64| 1.0 / (1.0 + (-bits).exp2());
        // A proposal scored 97 % (5 bits) was one child about one time in ten; one scored at
        // the threshold, 30 %, about one in a hundred; a score of 20 bits and more is near sure.
        let shown = shown_probability(odds(5.0));
        assert!((0.05..0.15).contains(&shown), "{shown}");
        assert!((0.005..0.02).contains(&shown_probability(0.3)), "{}", shown_probability(0.3));
        assert!(shown_probability(odds(30.0)) > 0.999);
        // Monotone, so the order of the proposals does not change, and defined at the ends.
        let mut last = 0.0;
        for i in -100..=350 {
            let p = shown_probability(odds(f64::from(i) / 10.0));
            assert!(p > last && p < 1.0 && p > 0.0, "{i}: {p} after {last}");
            last = p;
        }
        for s in [0.0, 1.0, f64::NAN, -3.0, 7.0] {
            assert!((0.0..=1.0).contains(&shown_probability(s)), "{s}");
        }
        assert!(shown_probability(odds(5.0)) < odds(5.0), "never surer than the score");
    }

    #[test]
    fn platform_records_keep_what_is_known() {
        let r = Record::from_platform(" Léa ", "", Some("2011-02-30"), Some("non_binary"), None);
        assert_eq!(r.given_name.as_deref(), Some("Léa"));
        assert_eq!((r.surname, r.dob, r.sex), (None, None, None));
    }
}

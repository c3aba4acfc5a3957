//! The tables: every domain cell, suppression, margins, scoping to the budget year, composition.

use std::collections::{BTreeMap, HashMap};

use passerelle_stats::{
    AgeBand, ChildRow, Dimension, Exploitation, Gender, InternalExternal, OsRandom, PresentingSituation, PrivacyBudget,
    Publication, PublishError, Quarter, ReferralSource, Region, SUPPRESSION_THRESHOLD, TABLES, publish,
    table_mechanism,
};
use proptest::prelude::*;

use crate::{NoDraws, SplitMix64};

/// A child row from indices into each dimension's values (wrapping), for generated inputs.
fn row(picks: [usize; 7], year: u16, quarter: u8) -> ChildRow {
    fn pick<T: Copy>(all: &[T], i: usize) -> T {
        all[i % all.len()]
    }
    ChildRow {
        region: pick(Region::ALL, picks[0]),
        age_band: pick(AgeBand::ALL, picks[1]),
        gender: pick(Gender::ALL, picks[2]),
        internal_external: pick(InternalExternal::ALL, picks[3]),
        exploitation: pick(Exploitation::ALL, picks[4]),
        presenting_situation: pick(PresentingSituation::ALL, picks[5]),
        referral_source: pick(ReferralSource::ALL, picks[6]),
        period: Quarter::new(year, quarter).unwrap(),
    }
}

fn arb_row() -> impl Strategy<Value = ChildRow> {
    (any::<[usize; 7]>(), 2025u16..=2027, 1u8..=4).prop_map(|(picks, year, quarter)| row(picks, year, quarter))
}

/// A skewed but deterministic cohort: mostly Montréal girls aged 14–17, as in the real data.
fn cohort() -> Vec<ChildRow> {
    let mut rows = Vec::new();
    for i in 0..400usize {
        let skewed = [
            if i % 3 == 0 { i } else { 5 },
            2 + i % 3,
            usize::from(i % 10 == 0),
            usize::from(i % 20 == 0),
            i % 7 / 5,
            i,
            i % 4,
        ];
        rows.push(row(skewed, 2026, u8::try_from(i % 4).unwrap() + 1));
    }
    // Children of other years, which a 2026 publication must not count.
    for i in 0..50 {
        rows.push(row([i; 7], 2025, 4));
        rows.push(row([i; 7], 2027, 1));
    }
    rows
}

/// The value of each dimension of `row` as published.
fn values_of(row: &ChildRow) -> HashMap<&'static str, String> {
    HashMap::from([
        ("region", row.region.to_string()),
        ("age_band", row.age_band.to_string()),
        ("gender", row.gender.to_string()),
        ("internal_external", row.internal_external.to_string()),
        ("exploitation", row.exploitation.to_string()),
        ("presenting_situation", row.presenting_situation.to_string()),
        ("referral_source", row.referral_source.to_string()),
        ("period", row.period.to_string()),
    ])
}

/// Checks what must hold of any publication for budget year `year`, whatever the data.
fn check_invariants(publication: &Publication, year: u16, epsilon: f64) {
    let margin = table_mechanism(epsilon).unwrap().margin_95();
    let names: Vec<&str> = publication.tables.iter().map(|t| t.name.as_str()).collect();
    let expected: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    assert_eq!(names, expected);
    for (table, spec) in publication.tables.iter().zip(TABLES) {
        let dimensions: Vec<&str> = spec.dimensions.iter().map(|d| d.name()).collect();
        assert_eq!(table.dimensions, dimensions);
        // Every cell of the domain, exactly once, in order (last dimension fastest).
        let domains: Vec<Vec<String>> = spec.dimensions.iter().map(|d| d.values(year).unwrap()).collect();
        let mut expected_keys: Vec<BTreeMap<String, String>> = vec![BTreeMap::new()];
        for (dimension, values) in spec.dimensions.iter().zip(&domains) {
            expected_keys = expected_keys
                .into_iter()
                .flat_map(|key| {
                    values.iter().map(move |v| {
                        let mut key = key.clone();
                        key.insert(dimension.name().to_owned(), v.clone());
                        key
                    })
                })
                .collect();
        }
        let keys: Vec<BTreeMap<String, String>> = table.cells.iter().map(|c| c.key.clone()).collect();
        assert_eq!(keys, expected_keys, "{}", table.name);
        for cell in &table.cells {
            match cell.value {
                Some(v) => {
                    assert!(v >= SUPPRESSION_THRESHOLD, "{}: published {v}", table.name);
                    assert!(!cell.suppressed);
                }
                None => assert!(cell.suppressed),
            }
            assert!((cell.margin_95 - margin).abs() < f64::EPSILON);
        }
    }
}

#[test]
fn a_publication_at_very_high_epsilon_shows_the_true_counts_of_its_year() {
    // ε = 999 gives each table ε ≈ 83: P(noise ≠ 0) ≈ 2e^−83 per cell, so the published values
    // are the tabulation itself and can be checked against a direct count.
    let rows = cohort();
    let budget = PrivacyBudget::new("2026", 1000.0);
    let release = publish(&rows, &budget, 999.0, &mut SplitMix64::new(1)).unwrap();
    check_invariants(&release.publication, 2026, 999.0);
    let in_year: Vec<&ChildRow> = rows.iter().filter(|r| r.period.year() == 2026).collect();
    assert_eq!(in_year.len(), 400);
    for (table, spec) in release.publication.tables.iter().zip(TABLES) {
        let mut total = 0;
        for cell in &table.cells {
            let truth = in_year
                .iter()
                .filter(|r| {
                    let values = values_of(r);
                    cell.key.iter().all(|(d, v)| values[d.as_str()] == *v)
                })
                .count();
            let truth = u64::try_from(truth).unwrap();
            total += truth;
            if truth >= SUPPRESSION_THRESHOLD {
                assert_eq!(cell.value, Some(truth), "{} {:?}", table.name, cell.key);
            } else {
                assert_eq!(cell.value, None, "{} {:?}", table.name, cell.key);
            }
        }
        assert_eq!(total, 400, "{}: every child in exactly one cell", spec.name);
    }
    assert_eq!(release.publication.tables[0].cells[0].value, Some(400));
    // The skew leaves some cells below the threshold, so suppression was exercised.
    assert!(release.publication.tables.iter().flat_map(|t| &t.cells).any(|c| c.suppressed));
}

#[test]
fn the_release_carries_the_spent_budget() {
    let budget = PrivacyBudget::with_default_total("2026").spend(0.5).unwrap();
    let release = publish(&cohort(), &budget, 1.0, &mut SplitMix64::new(2)).unwrap();
    assert!((release.budget.spent - 1.5).abs() < f64::EPSILON);
    assert!((release.publication.budget_remaining - 1.5).abs() < f64::EPSILON);
    assert!((release.publication.epsilon - 1.0).abs() < f64::EPSILON);
    check_invariants(&release.publication, 2026, 1.0);
}

#[test]
fn no_child_still_publishes_every_cell() {
    let release = publish(&[], &PrivacyBudget::with_default_total("2026"), 1.0, &mut SplitMix64::new(3)).unwrap();
    check_invariants(&release.publication, 2026, 1.0);
    let by_period = &release.publication.tables[8];
    let periods: Vec<&str> = by_period.cells.iter().map(|c| c.key["period"].as_str()).collect();
    assert_eq!(periods, ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]);
}

#[test]
fn a_refused_epsilon_draws_no_noise_and_publishes_nothing() {
    let budget = PrivacyBudget::with_default_total("2026").spend(2.5).unwrap();
    for epsilon in [1.0, 0.0, -1.0, f64::NAN, f64::INFINITY] {
        let refused = publish(&cohort(), &budget, epsilon, &mut NoDraws);
        assert!(matches!(refused, Err(PublishError::Budget(_))), "{epsilon}: {refused:?}");
    }
    // Fits the budget but cannot be split over twelve tables.
    let refused = publish(&cohort(), &budget, 1e-6, &mut NoDraws);
    assert!(matches!(refused, Err(PublishError::Mechanism(_))), "{refused:?}");
    let quarterly = PrivacyBudget::with_default_total("2026-Q3");
    assert!(matches!(publish(&cohort(), &quarterly, 1.0, &mut NoDraws), Err(PublishError::Period(_))));
}

#[test]
fn a_publication_with_the_os_source() {
    let release = publish(&cohort(), &PrivacyBudget::with_default_total("2026"), 1.0, &mut OsRandom).unwrap();
    check_invariants(&release.publication, 2026, 1.0);
    let again = publish(&cohort(), &PrivacyBudget::with_default_total("2026"), 1.0, &mut OsRandom).unwrap();
    // Hundreds of cells with noise of scale 12: two OS draws agreeing everywhere is impossible.
    assert_ne!(release.publication, again.publication);
}

#[test]
fn only_dimension_names_and_values_appear_in_the_output() {
    let release = publish(&cohort(), &PrivacyBudget::with_default_total("2026"), 1.0, &mut SplitMix64::new(4)).unwrap();
    let all = [
        Dimension::Region,
        Dimension::AgeBand,
        Dimension::Gender,
        Dimension::InternalExternal,
        Dimension::Exploitation,
        Dimension::PresentingSituation,
        Dimension::ReferralSource,
        Dimension::Period,
    ];
    let allowed: HashMap<&str, Vec<String>> = all.iter().map(|d| (d.name(), d.values(2026).unwrap())).collect();
    for table in &release.publication.tables {
        assert!(table.name == "children_total" || table.name.starts_with("by_"), "{}", table.name);
        for cell in &table.cells {
            for (dimension, value) in &cell.key {
                let values = allowed.get(dimension.as_str()).unwrap_or_else(|| panic!("field {dimension}"));
                assert!(values.contains(value), "{dimension} = {value}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_published_value_is_below_the_threshold(
        rows in prop::collection::vec(arb_row(), 0..300),
        seed in any::<u64>(),
        epsilon in 0.05f64..3.0,
    ) {
        let release = publish(&rows, &PrivacyBudget::with_default_total("2026"), epsilon, &mut SplitMix64::new(seed))
            .unwrap();
        check_invariants(&release.publication, 2026, epsilon);
    }
}

/// Any ε at all: ordinary, tiny, huge, zero, negative, not a number.
fn any_epsilon() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.05f64..3.0,
        1 => any::<f64>(),
        1 => prop::sample::select(vec![0.0, -0.0, -1.0, 1e-9, 1e-6, 1e3, 1e300, f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// For arbitrary counts, budgets and ε: either nothing is published (and nothing drawn), or
    /// every published value is at least the threshold, suppression is consistent, the spend is
    /// recorded exactly and the budget never goes past its total.
    #[test]
    fn any_epsilon_publishes_within_the_rules_or_nothing(
        rows in prop::collection::vec(arb_row(), 0..120),
        seed in any::<u64>(),
        epsilon in any_epsilon(),
        already in 0.0f64..5.0,
    ) {
        let budget = PrivacyBudget::with_default_total("2026");
        let budget = budget.spend(already).unwrap_or(budget);
        match publish(&rows, &budget, epsilon, &mut SplitMix64::new(seed)) {
            Ok(release) => {
                prop_assert!(epsilon.is_finite() && epsilon > 0.0);
                prop_assert!(release.budget.spent <= release.budget.total + passerelle_stats::BUDGET_TOLERANCE);
                prop_assert!((release.budget.spent - (budget.spent + epsilon)).abs() < 1e-12);
                prop_assert!(release.publication.budget_remaining >= 0.0);
                check_invariants(&release.publication, 2026, epsilon);
            }
            Err(_) => {
                // Refused before any draw: the same request with a source that draws nothing
                // is refused too.
                prop_assert!(publish(&rows, &budget, epsilon, &mut NoDraws).is_err());
            }
        }
    }

    /// However many publications are asked for, the spent total never exceeds the budget.
    #[test]
    fn successive_spends_never_exceed_the_budget(epsilons in prop::collection::vec(any_epsilon(), 0..40)) {
        let mut budget = PrivacyBudget::with_default_total("2026");
        for e in epsilons {
            if let Ok(next) = budget.spend(e) {
                // (An ε far below the ledger's precision may leave `spent` as it was; the
                // mechanism refuses any ε that small, so nothing is published for it.)
                prop_assert!(next.spent >= budget.spent && next.total.to_bits() == budget.total.to_bits());
                budget = next;
            }
            prop_assert!(budget.spent <= budget.total + passerelle_stats::BUDGET_TOLERANCE);
            prop_assert!(budget.remaining() >= 0.0);
        }
    }
}

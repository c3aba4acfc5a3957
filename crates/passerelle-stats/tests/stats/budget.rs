//! The per-period budget and the parsing of ε.

use passerelle_stats::{BUDGET_TOLERANCE, BudgetError, DEFAULT_BUDGET_PER_PERIOD, PrivacyBudget, parse_epsilon};

fn fresh() -> PrivacyBudget {
    PrivacyBudget::with_default_total("2026")
}

#[test]
fn a_spend_within_the_budget_is_recorded() {
    let after = fresh().spend(1.0).unwrap();
    assert_eq!(after, PrivacyBudget { period: "2026".into(), total: DEFAULT_BUDGET_PER_PERIOD, spent: 1.0 });
    assert!((after.remaining() - 2.0).abs() < f64::EPSILON);
    // The original ledger is untouched: spending is pure.
    assert!(fresh().spent.abs() < f64::EPSILON);
}

#[test]
fn the_default_budget_is_three_per_period() {
    assert!((DEFAULT_BUDGET_PER_PERIOD - 3.0).abs() < f64::EPSILON);
    assert!((fresh().total - 3.0).abs() < f64::EPSILON);
}

#[test]
fn spending_exactly_what_remains_is_allowed_and_nothing_more() {
    let full = fresh().spend(1.0).unwrap().spend(2.0).unwrap();
    assert!(full.remaining().abs() < f64::EPSILON);
    assert!(matches!(full.spend(0.001), Err(BudgetError::Exceeded { .. })));
}

#[test]
fn overspending_is_refused_with_what_remains() {
    let budget = fresh().spend(2.5).unwrap();
    match budget.spend(0.6) {
        Err(BudgetError::Exceeded { period, requested, remaining }) => {
            assert_eq!(period, "2026");
            assert!((requested - 0.6).abs() < f64::EPSILON);
            assert!((remaining - 0.5).abs() < 1e-12);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(fresh().spend(3.1), Err(BudgetError::Exceeded { .. })));
}

#[test]
fn rounding_in_the_running_sum_does_not_block_the_last_spend() {
    // 0.1 added thirty times is 3.0000000000000013 in floating point.
    let mut budget = fresh();
    for _ in 0..30 {
        budget = budget.spend(0.1).unwrap();
    }
    assert!(budget.spent > 3.0);
    assert!(budget.spend(0.1).is_err());
}

#[test]
fn the_tolerance_cannot_be_spent_in_tiny_steps_forever() {
    let mut budget = fresh().spend(3.0).unwrap();
    let mut accepted = 0;
    for _ in 0..100 {
        if let Ok(next) = budget.spend(1e-10) {
            budget = next;
            accepted += 1;
        }
    }
    assert!(accepted <= 10, "{accepted} tiny spends accepted");
    assert!(budget.spent <= 3.0 + BUDGET_TOLERANCE);
}

#[test]
fn zero_negative_and_non_finite_epsilons_are_refused() {
    for bad in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(matches!(fresh().spend(bad), Err(BudgetError::InvalidEpsilon(_))), "{bad}");
    }
}

#[test]
fn an_inconsistent_ledger_refuses_every_spend() {
    for (total, spent) in [(3.0, f64::NAN), (3.0, -1.0), (0.0, 0.0), (f64::INFINITY, 0.0), (f64::NAN, 0.0)] {
        let budget = PrivacyBudget { period: "2026".into(), total, spent };
        assert!(matches!(budget.spend(0.1), Err(BudgetError::InvalidBudget(_))), "{total} {spent}");
    }
}

#[test]
fn epsilon_is_parsed_from_text() {
    assert!((parse_epsilon("1.0").unwrap() - 1.0).abs() < f64::EPSILON);
    assert!((parse_epsilon(" 0.25\n").unwrap() - 0.25).abs() < f64::EPSILON);
    assert!((parse_epsilon("2").unwrap() - 2.0).abs() < f64::EPSILON);
    for bad in ["", "abc", "1,0", "one"] {
        assert!(matches!(parse_epsilon(bad), Err(BudgetError::NotANumber(_))), "{bad:?}");
    }
    for bad in ["0", "-0", "-1", "NaN", "inf", "-inf", "infinity", "1e400"] {
        assert!(matches!(parse_epsilon(bad), Err(BudgetError::InvalidEpsilon(_))), "{bad:?}");
    }
}

//! The exact discrete Laplace sampler against its distribution, and the ε arithmetic.

use std::collections::HashMap;
use std::num::NonZeroU64;

use passerelle_stats::{DiscreteLaplace, EPSILON_DENOMINATOR, MAX_EPSILON, MechanismError, TABLES, table_mechanism};
use proptest::prelude::*;

use crate::{SplitMix64, f, fi};

const DRAWS: u64 = 200_000;

fn samples(mechanism: &DiscreteLaplace, seed: u64) -> Vec<i64> {
    let mut rng = SplitMix64::new(seed);
    (0..DRAWS).map(|_| mechanism.sample(&mut rng).unwrap()).collect()
}

/// E[Z^4] by summing the exact probabilities far into the tail.
fn fourth_moment(mechanism: &DiscreteLaplace) -> f64 {
    (-20_000..=20_000i64).map(|z| mechanism.probability(z) * f(z.unsigned_abs()).powi(4)).sum()
}

/// The mechanisms checked: one table of a publication at ε = 1 (the real configuration), a
/// lone ε = 0.5, and a large ε where almost every draw is 0.
fn mechanisms() -> [DiscreteLaplace; 3] {
    [
        table_mechanism(1.0).unwrap(),
        DiscreteLaplace::with_epsilon(0.5).unwrap(),
        DiscreteLaplace::with_epsilon(3.0).unwrap(),
    ]
}

#[test]
fn mean_is_zero_and_variance_is_the_theoretical_one() {
    for (seed, mechanism) in mechanisms().iter().enumerate() {
        let draws = samples(mechanism, 100 + u64::try_from(seed).unwrap());
        let n = f(DRAWS);
        let mean = fi(draws.iter().sum::<i64>()) / n;
        let variance = mechanism.variance();
        assert!(mean.abs() < 5.0 * (variance / n).sqrt(), "ε = {}: mean {mean}", mechanism.epsilon());
        // The sample second moment about the known mean 0; its standard error is
        // sqrt((E[Z^4] − Var²) / n).
        let second = draws.iter().map(|&z| f(z.unsigned_abs()).powi(2)).sum::<f64>() / n;
        let error = ((fourth_moment(mechanism) - variance * variance) / n).sqrt();
        assert!(
            (second - variance).abs() < 5.0 * error,
            "ε = {}: variance {second}, theory {variance} ± {error}",
            mechanism.epsilon()
        );
    }
}

#[test]
fn frequencies_follow_the_probability_mass_function() {
    for (seed, mechanism) in mechanisms().iter().enumerate() {
        let draws = samples(mechanism, 200 + u64::try_from(seed).unwrap());
        let mut counts: HashMap<i64, u64> = HashMap::new();
        for z in draws {
            *counts.entry(z).or_default() += 1;
        }
        for z in -15..=15 {
            let p = mechanism.probability(z);
            let expected = f(DRAWS) * p;
            let seen = f(counts.get(&z).copied().unwrap_or(0));
            let sd = (f(DRAWS) * p * (1.0 - p)).sqrt();
            assert!(
                (seen - expected).abs() < 5.0 * sd + 1.0,
                "ε = {}, z = {z}: seen {seen}, expected {expected}",
                mechanism.epsilon()
            );
        }
    }
}

#[test]
fn the_noise_is_symmetric() {
    for (seed, mechanism) in mechanisms().iter().enumerate() {
        let draws = samples(mechanism, 300 + u64::try_from(seed).unwrap());
        let positive = f(u64::try_from(draws.iter().filter(|&&z| z > 0).count()).unwrap());
        let negative = f(u64::try_from(draws.iter().filter(|&&z| z < 0).count()).unwrap());
        // Under symmetry the sign of a non-zero draw is a fair coin.
        assert!((positive - negative).abs() < 5.0 * (positive + negative).sqrt(), "{positive} vs {negative}");
        for z in 1..=10 {
            let up = f(u64::try_from(draws.iter().filter(|&&d| d == z).count()).unwrap());
            let down = f(u64::try_from(draws.iter().filter(|&&d| d == -z).count()).unwrap());
            assert!((up - down).abs() < 5.0 * (up + down).sqrt() + 1.0, "z = ±{z}: {up} vs {down}");
        }
    }
}

#[test]
fn probabilities_are_symmetric_and_sum_to_one() {
    for mechanism in mechanisms() {
        let total: f64 = (-20_000..=20_000i64).map(|z| mechanism.probability(z)).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        for z in 0..50 {
            assert!((mechanism.probability(z) - mechanism.probability(-z)).abs() < 1e-15);
            // Neighbouring values differ by exactly the factor e^ε: the privacy guarantee.
            let ratio = mechanism.probability(z) / mechanism.probability(z + 1);
            assert!((ratio - mechanism.epsilon().exp()).abs() < 1e-9 * ratio);
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_noise() {
    let mechanism = table_mechanism(1.0).unwrap();
    let first: Vec<i64> = {
        let mut rng = SplitMix64::new(42);
        (0..100).map(|_| mechanism.sample(&mut rng).unwrap()).collect()
    };
    let again: Vec<i64> = {
        let mut rng = SplitMix64::new(42);
        (0..100).map(|_| mechanism.sample(&mut rng).unwrap()).collect()
    };
    assert_eq!(first, again);
    assert!(first.iter().any(|&z| z != first[0]), "constant noise: {first:?}");
}

#[test]
fn the_publication_split_is_one_twelfth_rounded_down() {
    let share = table_mechanism(1.0).unwrap();
    assert_eq!(TABLES.len(), 12);
    assert_eq!(share.epsilon_denominator(), EPSILON_DENOMINATOR);
    // ⌊2^20 / 12⌋ = 87381.
    assert_eq!(share.epsilon_numerator(), 87_381);
    let sum = 12.0 * share.epsilon();
    assert!(sum <= 1.0 && sum > 1.0 - 12.0 / f(EPSILON_DENOMINATOR), "{sum}");
}

#[test]
fn unusable_epsilons_are_refused() {
    let one = NonZeroU64::MIN;
    for bad in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(DiscreteLaplace::split(bad, one), Err(MechanismError::InvalidEpsilon), "{bad}");
    }
    assert_eq!(DiscreteLaplace::with_epsilon(MAX_EPSILON * 1.01), Err(MechanismError::TooLarge));
    assert!(matches!(DiscreteLaplace::with_epsilon(1e-7), Err(MechanismError::TooSmall { .. })));
    // Twelve shares of less than 2^−20 each.
    assert!(matches!(table_mechanism(1e-5), Err(MechanismError::TooSmall { .. })));
    assert!(table_mechanism(12.0 / f(EPSILON_DENOMINATOR)).is_ok());
}

proptest! {
    #[test]
    fn the_shares_never_add_up_to_more_than_epsilon(epsilon in 1e-4f64..MAX_EPSILON, parts in 1u64..64) {
        let share = DiscreteLaplace::split(epsilon, NonZeroU64::new(parts).unwrap()).unwrap();
        // Exact: these are small integers times a power of two.
        let total = f(parts * share.epsilon_numerator()) / f(EPSILON_DENOMINATOR);
        prop_assert!(total <= epsilon);
        prop_assert!(total > epsilon - f(parts) / f(EPSILON_DENOMINATOR));
    }
}

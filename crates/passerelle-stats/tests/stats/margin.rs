//! The 95% margin: exact tails, tightness, and coverage of actual draws.

use passerelle_stats::{DiscreteLaplace, margin_95, table_mechanism};

use crate::{SplitMix64, f};

fn mechanisms() -> Vec<DiscreteLaplace> {
    let mut all: Vec<DiscreteLaplace> =
        [0.05, 0.25, 0.5, 1.0, 2.0, 5.0].iter().map(|&e| DiscreteLaplace::with_epsilon(e).unwrap()).collect();
    all.extend([0.5, 1.0, 3.0].iter().map(|&e| table_mechanism(e).unwrap()));
    all
}

#[test]
fn the_tail_is_what_the_probabilities_leave() {
    for mechanism in mechanisms() {
        for k in 0..60u64 {
            let bound = i64::try_from(k).unwrap();
            let inside: f64 = (-bound..=bound).map(|z| mechanism.probability(z)).sum();
            assert!(
                (inside + mechanism.tail(k) - 1.0).abs() < 1e-12,
                "ε = {}, k = {k}: {inside} + {}",
                mechanism.epsilon(),
                mechanism.tail(k)
            );
            // And summed directly from the other side.
            let outside: f64 = (bound + 1..bound + 40_000).map(|z| 2.0 * mechanism.probability(z)).sum();
            assert!((outside - mechanism.tail(k)).abs() < 1e-12);
        }
    }
}

#[test]
fn the_margin_is_the_smallest_integer_covering_95_percent() {
    for mechanism in mechanisms() {
        let margin = margin_95(&mechanism);
        assert!(margin.fract().abs() < f64::EPSILON);
        assert!(margin >= 0.0);
        let k = format!("{margin:.0}").parse::<u64>().unwrap();
        assert!(mechanism.tail(k) <= 0.05, "ε = {}: P(|Z| > {k}) = {}", mechanism.epsilon(), mechanism.tail(k));
        if k > 0 {
            assert!(mechanism.tail(k - 1) > 0.05, "ε = {}: {k} is not the smallest", mechanism.epsilon());
        }
    }
}

#[test]
fn known_margins() {
    // ε = 1: P(|Z| > k) = 2e^−(k+1)/(1 + e^−1) is 0.093 at k = 2 and 0.034 at k = 3.
    assert!((margin_95(&DiscreteLaplace::with_epsilon(1.0).unwrap()) - 3.0).abs() < f64::EPSILON);
    // Large ε: P(Z ≠ 0) = 2α/(1+α) < 0.05, so the interval is {0}.
    assert!(margin_95(&DiscreteLaplace::with_epsilon(5.0).unwrap()).abs() < f64::EPSILON);
    // One table of a publication at ε = 1: about ±36, which is why a publication has few tables.
    assert!((margin_95(&table_mechanism(1.0).unwrap()) - 36.0).abs() < f64::EPSILON);
}

#[test]
fn the_margin_covers_95_percent_of_draws() {
    let draws: u64 = 200_000;
    for (seed, mechanism) in [0.25, 1.0].iter().map(|&e| table_mechanism(e).unwrap()).enumerate() {
        let mut rng = SplitMix64::new(500 + u64::try_from(seed).unwrap());
        let margin = margin_95(&mechanism);
        let k = format!("{margin:.0}").parse::<u64>().unwrap();
        let inside = (0..draws).filter(|_| mechanism.sample(&mut rng).unwrap().unsigned_abs() <= k).count();
        let covered = f(u64::try_from(inside).unwrap()) / f(draws);
        let expected = 1.0 - mechanism.tail(k);
        let sd = (expected * (1.0 - expected) / f(draws)).sqrt();
        assert!(expected >= 0.95);
        assert!((covered - expected).abs() < 5.0 * sd, "covered {covered}, expected {expected}");
    }
}

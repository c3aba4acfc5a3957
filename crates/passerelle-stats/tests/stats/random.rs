//! The random source and the exact integer draws built on it.

use std::num::NonZeroU64;

use passerelle_stats::{OsRandom, RandomSource, bernoulli, bernoulli_exp_neg, uniform_below};

use crate::{Scripted, SplitMix64, f};

fn nz(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n).unwrap()
}

#[test]
fn the_test_generator_is_splitmix64() {
    // Reference outputs of SplitMix64 for seed 1234567 (Vigna's splitmix64.c).
    let mut rng = SplitMix64::new(1_234_567);
    let expected = [
        6_457_827_717_110_365_317,
        3_203_168_211_198_807_973,
        9_817_491_932_198_370_423,
        4_593_380_528_125_082_431,
        16_408_922_859_458_223_821,
    ];
    for want in expected {
        assert_eq!(rng.next_u64().unwrap(), want);
    }
}

#[test]
fn the_os_source_gives_different_words_each_call() {
    let mut os = OsRandom;
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    os.fill(&mut a).unwrap();
    os.fill(&mut b).unwrap();
    assert_ne!(a, b);
    assert_ne!(a, [0u8; 32]);
    let words: Vec<u64> = (0..8).map(|_| os.next_u64().unwrap()).collect();
    for (i, x) in words.iter().enumerate() {
        for y in &words[i + 1..] {
            assert_ne!(x, y, "two equal 64-bit words from the OS: {words:?}");
        }
    }
}

#[test]
fn draws_that_would_cause_modulo_bias_are_rejected() {
    // n = 3: 2^64 mod 3 = 1, so 0 alone is rejected (0 % 3 would make 0 one word more likely).
    let mut rng = Scripted::new(&[0, 1]);
    assert_eq!(uniform_below(&mut rng, nz(3)).unwrap(), 1);
    // n = 2^63 + 1: 2^64 mod n = 2^63 − 1, so almost half of all words are rejected; without
    // rejection 2^63 − 2 would come out as itself, making the low half twice as likely.
    let n = (1u64 << 63) + 1;
    let mut rng = Scripted::new(&[(1 << 63) - 2, 5, u64::MAX]);
    assert_eq!(uniform_below(&mut rng, nz(n)).unwrap(), u64::MAX % n);
    // A power of two rejects nothing.
    let mut rng = Scripted::new(&[0]);
    assert_eq!(uniform_below(&mut rng, nz(1 << 20)).unwrap(), 0);
}

#[test]
fn uniform_below_one_is_zero() {
    let mut rng = SplitMix64::new(7);
    for _ in 0..100 {
        assert_eq!(uniform_below(&mut rng, NonZeroU64::MIN).unwrap(), 0);
    }
}

#[test]
fn uniform_below_has_flat_frequencies() {
    let mut rng = SplitMix64::new(11);
    let n: u64 = 6;
    let draws: u64 = 120_000;
    let mut counts = [0u64; 6];
    for _ in 0..draws {
        let x = uniform_below(&mut rng, nz(n)).unwrap();
        counts[usize::try_from(x).unwrap()] += 1;
    }
    let p = 1.0 / f(n);
    let sd = (f(draws) * p * (1.0 - p)).sqrt();
    for c in counts {
        assert!((f(c) - f(draws) * p).abs() < 5.0 * sd, "{counts:?}");
    }
}

#[test]
fn bernoulli_is_exact_at_the_edges() {
    let mut rng = SplitMix64::new(3);
    for _ in 0..1000 {
        assert!(!bernoulli(&mut rng, 0, nz(7)).unwrap());
        assert!(bernoulli(&mut rng, 7, nz(7)).unwrap());
        // exp(−0) = 1.
        assert!(bernoulli_exp_neg(&mut rng, 0, nz(5)).unwrap());
    }
}

#[test]
fn bernoulli_exp_neg_has_probability_exp_minus_gamma() {
    let mut rng = SplitMix64::new(5);
    let draws: u64 = 100_000;
    for (numerator, denominator) in [(1, 2), (1, 1), (5, 2), (3, 1), (1, 12), (7, 3)] {
        let hits = (0..draws).filter(|_| bernoulli_exp_neg(&mut rng, numerator, nz(denominator)).unwrap()).count();
        let p = (-f(numerator) / f(denominator)).exp();
        let sd = (f(draws) * p * (1.0 - p)).sqrt();
        let hits = f(u64::try_from(hits).unwrap());
        assert!(
            (hits - f(draws) * p).abs() < 5.0 * sd,
            "γ = {numerator}/{denominator}: {hits} hits, expected {}",
            f(draws) * p
        );
    }
}

//! Where the noise's randomness comes from, and the exact integer building blocks drawn from it.
//!
//! Every draw is an integer comparison against uniformly random integers: no floating-point value
//! ever influences which number is sampled (see the crate documentation for why).

use std::num::NonZeroU64;

use thiserror::Error;

/// The randomness source failed; nothing may be published from a partial draw.
#[derive(Debug, Error)]
pub enum RandomError {
    /// The operating system's random source returned an error.
    #[error("the operating system's random source failed")]
    Os(#[source] getrandom::Error),
}

/// A source of uniformly random bits.
///
/// Publication must use [`OsRandom`]. The trait exists so that tests can substitute a seeded
/// generator and check the sampler's distribution reproducibly; a seeded generator must never
/// produce a real publication, since whoever knows the seed can subtract the noise.
pub trait RandomSource {
    /// Fills `dest` with uniformly random bytes.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError>;

    /// A uniformly random 64-bit integer.
    fn next_u64(&mut self) -> Result<u64, RandomError> {
        let mut bytes = [0u8; 8];
        self.fill(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }
}

/// The operating system's cryptographically secure generator (`getrandom`).
///
/// No userspace state: every draw asks the kernel, so there is nothing to seed, to leak in a core
/// dump, or to share between forked processes. The cost (one system call per 64-bit word, a few
/// thousand per publication) is negligible for a batch job.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(dest).map_err(RandomError::Os)
    }
}

/// A uniformly random integer in `0..n`.
///
/// Rejection sampling: `x % n` alone would favour small residues whenever `n` does not divide
/// 2^64. Draws below `2^64 mod n` are discarded, so the accepted range holds a whole number of
/// copies of `0..n`. At most half the draws are rejected, whatever `n`.
pub fn uniform_below<R: RandomSource + ?Sized>(rng: &mut R, n: NonZeroU64) -> Result<u64, RandomError> {
    let n = n.get();
    // 2^64 mod n, computed without 128-bit arithmetic: (2^64 - n) mod n.
    let rejected_below = n.wrapping_neg() % n;
    loop {
        let x = rng.next_u64()?;
        if x >= rejected_below {
            return Ok(x % n);
        }
    }
}

/// A draw of Bernoulli(`numerator` / `denominator`), exactly (always true when `numerator` ≥
/// `denominator`).
pub fn bernoulli<R: RandomSource + ?Sized>(
    rng: &mut R,
    numerator: u64,
    denominator: NonZeroU64,
) -> Result<bool, RandomError> {
    Ok(uniform_below(rng, denominator)? < numerator)
}

/// A draw of Bernoulli(exp(−`numerator` / `denominator`)), exactly, for any rational γ ≥ 0.
///
/// Canonne, Kamath and Steinke (2020), Algorithm 1. For γ ≤ 1 it counts how long a run of
/// Bernoulli(γ/k) successes lasts; the run length is odd with probability exactly e^−γ (the
/// alternating series of the exponential). For γ > 1 it uses e^−γ = (e^−1)^⌊γ⌋ · e^−(γ−⌊γ⌋), each
/// factor an independent draw of the γ ≤ 1 case, which keeps the number of draws linear in γ.
pub fn bernoulli_exp_neg<R: RandomSource + ?Sized>(
    rng: &mut R,
    numerator: u64,
    denominator: NonZeroU64,
) -> Result<bool, RandomError> {
    let whole = numerator / denominator.get();
    let fraction = numerator % denominator.get();
    for _ in 0..whole {
        if !bernoulli_exp_neg_at_most_one(rng, 1, NonZeroU64::MIN)? {
            return Ok(false);
        }
    }
    bernoulli_exp_neg_at_most_one(rng, fraction, denominator)
}

/// Bernoulli(exp(−γ)) for γ = `numerator` / `denominator` ≤ 1.
fn bernoulli_exp_neg_at_most_one<R: RandomSource + ?Sized>(
    rng: &mut R,
    numerator: u64,
    denominator: NonZeroU64,
) -> Result<bool, RandomError> {
    let mut k = NonZeroU64::MIN;
    // Bernoulli(γ / k) = Bernoulli(numerator / (denominator · k)). The run ends after a handful of
    // steps (P(run ≥ k) = γ^k / k!), so the product never comes near overflow; saturation would
    // only make an already negligible success probability smaller.
    while bernoulli(rng, numerator, denominator.saturating_mul(k))? {
        k = k.saturating_add(1);
    }
    Ok(k.get() % 2 == 1)
}

//! Integration tests of the statistics crate: the exact sampler against its distribution, the
//! margins, the budget, the periods and categories, the tables and the contract's JSON shape.
//!
//! Statistical checks use a seeded generator, so they are reproducible rather than flaky, and
//! their bounds are five standard errors computed from the exact distribution: a correct
//! sampler fails one with probability below one in a million, a wrong one fails it reliably.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "a failed unwrap is a failed test, with its location")]

mod budget;
mod dimensions;
mod json;
mod margin;
mod period;
mod publication;
mod random;
mod sampler;

use passerelle_stats::{RandomError, RandomSource};

/// `SplitMix64` (Steele, Lea and Flood 2014): tiny, seeded, statistically good, and predictable —
/// which is why it lives only in the tests.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn step(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl RandomSource for SplitMix64 {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.step().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }

    fn next_u64(&mut self) -> Result<u64, RandomError> {
        Ok(self.step())
    }
}

/// Replays a fixed list of words, to check exactly which draws are rejected.
pub struct Scripted(std::collections::VecDeque<u64>);

impl Scripted {
    pub fn new(words: &[u64]) -> Self {
        Self(words.iter().copied().collect())
    }
}

impl RandomSource for Scripted {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }

    fn next_u64(&mut self) -> Result<u64, RandomError> {
        Ok(self.0.pop_front().expect("the script ran out: more draws than expected"))
    }
}

/// Fails the test if any randomness is drawn.
pub struct NoDraws;

impl RandomSource for NoDraws {
    fn fill(&mut self, _dest: &mut [u8]) -> Result<(), RandomError> {
        panic!("randomness drawn where none should be")
    }
}

/// Lossless for the sample sizes used here.
#[expect(clippy::cast_precision_loss, reason = "test counts are far below 2^53")]
pub fn f(n: u64) -> f64 {
    n as f64
}

/// Lossless for the sums used here.
#[expect(clippy::cast_precision_loss, reason = "test sums are far below 2^53")]
pub fn fi(n: i64) -> f64 {
    n as f64
}

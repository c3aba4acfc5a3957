//! The discrete Laplace mechanism (two-sided geometric): exact integer sampling and its exact
//! error margin.
//!
//! Why discrete Laplace rather than the discrete Gaussian: its guarantee is pure ε-DP, so a
//! period's budget is a single number that adds up by basic composition, with no δ to choose and
//! explain, and a released count's error has a closed-form tail. The Gaussian would pay less for
//! many tables at once (noise grows with √tables instead of tables, under zero-concentrated DP)
//! but needs a δ, a conversion between accounting systems and a less transparent budget; with a
//! dozen low-dimensional tables the difference does not justify that.

use std::num::NonZeroU64;

use thiserror::Error;

use crate::random::{RandomError, RandomSource, bernoulli_exp_neg, uniform_below};

/// Denominator of every ε the mechanism is built from: ε is rounded *down* to a multiple of
/// 2^−20 (about 10^−6). A power of two, because multiplying an `f64` by it is exact, so the
/// rounding is an exact floor and the ε actually applied is never above the ε requested.
pub const EPSILON_DENOMINATOR: u64 = 1 << 20;

/// [`EPSILON_DENOMINATOR`] as a float (2^20 is exactly representable).
const EPSILON_GRID: f64 = 1_048_576.0;

/// [`EPSILON_DENOMINATOR`] as a non-zero integer; a zero would fail at compile time.
const GRID: NonZeroU64 = match NonZeroU64::new(EPSILON_DENOMINATOR) {
    Some(grid) => grid,
    None => panic!("the epsilon denominator is not zero"),
};

/// Above this ε the noise is essentially always zero: no real protection is left, so such a value
/// is a mistake rather than a choice.
pub const MAX_EPSILON: f64 = 1000.0;

/// An ε that cannot build a mechanism.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum MechanismError {
    /// Not a finite number above zero.
    #[error("epsilon must be a finite number above zero")]
    InvalidEpsilon,
    /// Above [`MAX_EPSILON`].
    #[error("epsilon above {MAX_EPSILON} leaves no meaningful protection")]
    TooLarge,
    /// Each part would be below 2^−20.
    #[error("epsilon {epsilon} is too small to split into {parts} parts of at least 2^-20 each")]
    TooSmall {
        /// The ε to split.
        epsilon: f64,
        /// Into how many parts.
        parts: u64,
    },
}

/// Discrete Laplace noise with privacy parameter ε = `numerator` / `denominator`:
/// P(Z = z) = (1 − α)/(1 + α) · α^|z| with α = e^−ε, over all integers z.
///
/// Adding it to a count whose value one child can change by at most 1 makes the count ε-DP: the
/// probabilities of any output under two neighbouring inputs differ by a factor of at most e^ε.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiscreteLaplace {
    numerator: NonZeroU64,
    denominator: NonZeroU64,
}

impl DiscreteLaplace {
    /// The mechanism for ε = `numerator` / `denominator` exactly.
    pub const fn new(numerator: NonZeroU64, denominator: NonZeroU64) -> Self {
        Self { numerator, denominator }
    }

    /// The mechanism for `epsilon`, rounded down to a multiple of 2^−20.
    pub fn with_epsilon(epsilon: f64) -> Result<Self, MechanismError> {
        Self::split(epsilon, NonZeroU64::MIN)
    }

    /// One of `parts` equal shares of `epsilon`, each rounded down to a multiple of 2^−20.
    ///
    /// The split is done in integers, after flooring ε onto the grid, so `parts` times the share
    /// is never above `epsilon` — not even by a floating-point rounding error — and is below it
    /// by less than `parts` × 2^−20.
    pub fn split(epsilon: f64, parts: NonZeroU64) -> Result<Self, MechanismError> {
        if !epsilon.is_finite() || epsilon <= 0.0 {
            return Err(MechanismError::InvalidEpsilon);
        }
        if epsilon > MAX_EPSILON {
            return Err(MechanismError::TooLarge);
        }
        let on_grid = grid_floor(epsilon);
        NonZeroU64::new(on_grid / parts.get())
            .map(|share| Self::new(share, GRID))
            .ok_or(MechanismError::TooSmall { epsilon, parts: parts.get() })
    }

    /// Numerator of ε.
    pub const fn epsilon_numerator(&self) -> u64 {
        self.numerator.get()
    }

    /// Denominator of ε.
    pub const fn epsilon_denominator(&self) -> u64 {
        self.denominator.get()
    }

    /// ε as a float (for display and for the margins; sampling never uses it).
    pub fn epsilon(&self) -> f64 {
        to_f64(self.numerator.get()) / to_f64(self.denominator.get())
    }

    /// The scale 1/ε of the noise.
    pub fn scale(&self) -> f64 {
        to_f64(self.denominator.get()) / to_f64(self.numerator.get())
    }

    /// α = e^−ε, the ratio between the probabilities of consecutive magnitudes.
    pub fn alpha(&self) -> f64 {
        (-self.epsilon()).exp()
    }

    /// P(Z = `z`).
    pub fn probability(&self, z: i64) -> f64 {
        let epsilon = self.epsilon();
        // 1 − α through expm1, which keeps its precision when ε is small and α close to 1.
        let one_minus_alpha = -(-epsilon).exp_m1();
        one_minus_alpha / (1.0 + self.alpha()) * (-epsilon * to_f64(z.unsigned_abs())).exp()
    }

    /// P(|Z| > `k`) = 2α^(k+1) / (1 + α), the exact two-sided tail.
    pub fn tail(&self, k: u64) -> f64 {
        2.0 * (-self.epsilon() * (to_f64(k) + 1.0)).exp() / (1.0 + self.alpha())
    }

    /// Var(Z) = 2α / (1 − α)². The mean is 0 by symmetry.
    pub fn variance(&self) -> f64 {
        let one_minus_alpha = -(-self.epsilon()).exp_m1();
        2.0 * self.alpha() / (one_minus_alpha * one_minus_alpha)
    }

    /// The half-width of the 95% interval of the noise: the smallest integer k with
    /// P(|Z| ≤ k) ≥ 0.95. Because the noise is integer-valued, a non-integer bound would only
    /// pretend to a precision the interval does not have.
    pub fn margin_95(&self) -> f64 {
        to_f64(self.half_width(0.05))
    }

    /// The smallest k ≥ 0 with P(|Z| > k) ≤ `miss`, for 0 < `miss` < 1.
    fn half_width(&self, miss: f64) -> u64 {
        // Closed form from the tail, then corrected by evaluating the tail itself so that the
        // float rounding in the logarithm cannot put k off by one.
        let guess = (2.0 / (miss * (1.0 + self.alpha()))).ln() / self.epsilon() - 1.0;
        let mut k = ceil_to_u64(guess);
        while k > 0 && self.tail(k - 1) <= miss {
            k -= 1;
        }
        while self.tail(k) > miss {
            k += 1;
        }
        k
    }

    /// One draw of the noise, exactly (Canonne, Kamath and Steinke 2020, Algorithm 2).
    ///
    /// With ε = s/t: draw X ≥ 0 with P(X = x) ∝ e^(−x/t) as U + t·V, where U is uniform below t
    /// (kept with probability e^(−U/t)) and V counts Bernoulli(e^−1) successes; then ⌊X/s⌋ has
    /// P ∝ e^(−y·s/t) = α^y. A random sign, rejecting "negative zero" so that 0 is not counted
    /// twice, gives the two-sided distribution. Every step is integer arithmetic on uniform draws.
    ///
    /// The running time depends on the value drawn; that leaks nothing here because a
    /// publication is computed offline and only its result is seen.
    pub fn sample<R: RandomSource + ?Sized>(&self, rng: &mut R) -> Result<i64, RandomError> {
        let s = self.numerator.get();
        let t = self.denominator;
        loop {
            let below_t = uniform_below(rng, t)?;
            if !bernoulli_exp_neg(rng, below_t, t)? {
                continue;
            }
            let mut multiples_of_t: u64 = 0;
            while bernoulli_exp_neg(rng, 1, NonZeroU64::MIN)? {
                multiples_of_t = multiples_of_t.saturating_add(1);
            }
            let geometric = below_t.saturating_add(t.get().saturating_mul(multiples_of_t));
            let magnitude = geometric / s;
            let negative = rng.next_u64()? & 1 == 1;
            if negative && magnitude == 0 {
                continue;
            }
            let magnitude = i64::try_from(magnitude).unwrap_or(i64::MAX);
            return Ok(if negative { -magnitude } else { magnitude });
        }
    }
}

/// [`DiscreteLaplace::margin_95`] of `mechanism`.
pub fn margin_95(mechanism: &DiscreteLaplace) -> f64 {
    mechanism.margin_95()
}

/// ⌊`epsilon` · 2^20⌋ for 0 < `epsilon` ≤ [`MAX_EPSILON`].
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "the value is a non-negative integer below 2^31 (MAX_EPSILON × 2^20), exactly representable"
)]
fn grid_floor(epsilon: f64) -> u64 {
    // Exact: scaling by a power of two only changes the exponent.
    (epsilon * EPSILON_GRID).floor() as u64
}

/// ⌈`x`⌉ for a finite x, 0 when x ≤ 0.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a float-to-integer `as` saturates; x is at most ln(40) × 2^20 here"
)]
fn ceil_to_u64(x: f64) -> u64 {
    if x > 0.0 { x.ceil() as u64 } else { 0 }
}

#[expect(clippy::cast_precision_loss, reason = "only describes the distribution; sampling stays in integers")]
fn to_f64(n: u64) -> f64 {
    n as f64
}

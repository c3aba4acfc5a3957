//! The privacy budget of a period: how much ε has been spent, and whether a new publication fits.
//!
//! Pure: the caller loads the ledger, calls [`PrivacyBudget::spend`], and must store the new
//! `spent` no later than it writes the publication. Writing first and crashing before recording
//! would release data the ledger does not know about.

use thiserror::Error;

/// Default total ε of one budget period (a calendar year, see [`crate::period`]). Three
/// publications at ε = 1, or twelve at ε = 0.25; enough for quarterly reporting, and it bounds
/// the total loss on any child since a child counts in one year only.
pub const DEFAULT_BUDGET_PER_PERIOD: f64 = 3.0;

/// How far the total may be exceeded because of floating-point rounding in the running sum
/// (e.g. ten spends of 0.3 add up to 3.0000000000000004). It is absolute and applies to the
/// cumulated `spent`, not per spend, so repeated tiny spends cannot exploit it: the whole
/// period can go over by at most 10^−9, a negligible privacy loss.
pub const BUDGET_TOLERANCE: f64 = 1e-9;

/// A spend or an ε that is refused.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum BudgetError {
    /// The text is not a number.
    #[error("{0:?} is not a number")]
    NotANumber(String),
    /// Not finite, or not above zero.
    #[error("epsilon must be a finite number above zero, got {0}")]
    InvalidEpsilon(f64),
    /// The ledger itself is inconsistent (total not positive, or spent not finite and ≥ 0).
    #[error("the privacy budget of period {0:?} is inconsistent")]
    InvalidBudget(String),
    /// More than what remains.
    #[error("epsilon {requested} exceeds the remaining budget {remaining} of period {period}")]
    Exceeded {
        /// The period.
        period: String,
        /// The ε asked for.
        requested: f64,
        /// What remained before the request.
        remaining: f64,
    },
}

/// The ledger of one budget period.
#[derive(Clone, Debug, PartialEq)]
pub struct PrivacyBudget {
    /// The period's name (a year, `"2026"`).
    pub period: String,
    /// ε available over the whole period.
    pub total: f64,
    /// ε already spent.
    pub spent: f64,
}

impl PrivacyBudget {
    /// A fresh period with nothing spent.
    pub fn new(period: impl Into<String>, total: f64) -> Self {
        Self { period: period.into(), total, spent: 0.0 }
    }

    /// A fresh period with [`DEFAULT_BUDGET_PER_PERIOD`].
    pub fn with_default_total(period: impl Into<String>) -> Self {
        Self::new(period, DEFAULT_BUDGET_PER_PERIOD)
    }

    /// What remains to spend, never below zero.
    pub fn remaining(&self) -> f64 {
        (self.total - self.spent).max(0.0)
    }

    /// The ledger after spending `epsilon`, or why it is refused.
    ///
    /// Refuses an `epsilon` that is NaN, infinite, zero or negative, and one that would take
    /// `spent` above `total` (beyond [`BUDGET_TOLERANCE`]). Also refuses to work from an
    /// inconsistent ledger, where a NaN or negative `spent` would otherwise let anything through.
    pub fn spend(&self, epsilon: f64) -> Result<Self, BudgetError> {
        let epsilon = check_epsilon(epsilon)?;
        let consistent = self.total.is_finite() && self.total > 0.0 && self.spent.is_finite() && self.spent >= 0.0;
        if !consistent {
            return Err(BudgetError::InvalidBudget(self.period.clone()));
        }
        let spent = self.spent + epsilon;
        if spent > self.total + BUDGET_TOLERANCE {
            return Err(BudgetError::Exceeded {
                period: self.period.clone(),
                requested: epsilon,
                remaining: self.remaining(),
            });
        }
        Ok(Self { period: self.period.clone(), total: self.total, spent })
    }
}

/// An ε typed by a person (`--epsilon 0.5`): a finite decimal number above zero.
pub fn parse_epsilon(text: &str) -> Result<f64, BudgetError> {
    let value: f64 = text.trim().parse().map_err(|_| BudgetError::NotANumber(text.to_owned()))?;
    check_epsilon(value)
}

fn check_epsilon(epsilon: f64) -> Result<f64, BudgetError> {
    if epsilon.is_finite() && epsilon > 0.0 { Ok(epsilon) } else { Err(BudgetError::InvalidEpsilon(epsilon)) }
}

//! Periods: the quarter a child is counted in, and the year whose budget pays for it.
//!
//! Tables break children down by quarter (`2026-Q3`), the reporting rhythm of the agencies. The
//! privacy budget is per calendar year (`2026`) and a publication charged to a year only counts
//! children whose quarter falls in that year. Since each child has one first-referral quarter,
//! the years hold disjoint sets of children, and a child's total privacy loss over every
//! publication ever made is bounded by the budget of one year (parallel composition). A
//! quarterly budget would allow four times the loss on a child per year for the same noise.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;
use time::Date;

/// A text or date that is not a valid period.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum PeriodError {
    /// Not of the form `YYYY-Qn` with n from 1 to 4.
    #[error("{0:?} is not a quarter of the form YYYY-Qn")]
    Quarter(String),
    /// Not a four-digit year.
    #[error("{0:?} is not a four-digit year")]
    Year(String),
    /// A child whose cases carry no date cannot be placed in a period.
    #[error("a child has no date of first referral")]
    MissingDate,
}

/// A calendar quarter: January–March is Q1, and so on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter {
    year: u16,
    quarter: u8,
}

impl Quarter {
    /// Quarter `quarter` (1 to 4) of `year` (0 to 9999, written with four digits).
    pub fn new(year: u16, quarter: u8) -> Result<Self, PeriodError> {
        if year <= 9999 && (1..=4).contains(&quarter) {
            Ok(Self { year, quarter })
        } else {
            Err(PeriodError::Quarter(format!("{year}-Q{quarter}")))
        }
    }

    /// The quarter holding `date`.
    pub fn from_date(date: Date) -> Result<Self, PeriodError> {
        let year = u16::try_from(date.year()).map_err(|_| PeriodError::Year(date.year().to_string()))?;
        Self::new(year, (u8::from(date.month()) - 1) / 3 + 1)
    }

    /// The four quarters of `year`, in order.
    pub fn of_year(year: u16) -> Result<[Self; 4], PeriodError> {
        Ok([Self::new(year, 1)?, Self::new(year, 2)?, Self::new(year, 3)?, Self::new(year, 4)?])
    }

    /// The year.
    pub const fn year(self) -> u16 {
        self.year
    }

    /// The quarter within the year, 1 to 4.
    pub const fn quarter(self) -> u8 {
        self.quarter
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.quarter)
    }
}

impl FromStr for Quarter {
    type Err = PeriodError;

    fn from_str(text: &str) -> Result<Self, PeriodError> {
        let refuse = || PeriodError::Quarter(text.to_owned());
        let (year, quarter) = text.split_once("-Q").ok_or_else(refuse)?;
        let year = parse_year(year).map_err(|_| refuse())?;
        let quarter = match quarter {
            "1" => 1,
            "2" => 2,
            "3" => 3,
            "4" => 4,
            _ => return Err(refuse()),
        };
        Self::new(year, quarter)
    }
}

/// The budget period holding `date`: its calendar year, as four digits (`"2026"`).
pub fn budget_period(date: Date) -> Result<String, PeriodError> {
    let year = u16::try_from(date.year()).ok().filter(|y| *y <= 9999);
    year.map(|y| format!("{y:04}")).ok_or_else(|| PeriodError::Year(date.year().to_string()))
}

/// The year of a budget period name; exactly four ASCII digits, nothing else.
pub fn parse_year(text: &str) -> Result<u16, PeriodError> {
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().map_err(|_| PeriodError::Year(text.to_owned()))
    } else {
        Err(PeriodError::Year(text.to_owned()))
    }
}

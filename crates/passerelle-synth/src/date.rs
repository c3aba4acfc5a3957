//! Calendar dates without a dependency: proleptic Gregorian, day numbers counted from
//! 1970-01-01 (Hinnant's `days_from_civil` / `civil_from_days`).

use std::fmt;

/// A valid calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: i32,
    day: i32,
}

/// Whether `year` has a February 29.
pub const fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1–12) of `year`; 0 for a month that does not exist.
pub const fn days_in_month(year: i32, month: i32) -> i32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// The date, when it exists.
    pub const fn new(year: i32, month: i32, day: i32) -> Option<Self> {
        if day >= 1 && day <= days_in_month(year, month) { Some(Self { year, month, day }) } else { None }
    }

    /// Year.
    pub const fn year(self) -> i32 {
        self.year
    }

    /// Month, 1–12.
    pub const fn month(self) -> i32 {
        self.month
    }

    /// Day of the month.
    pub const fn day(self) -> i32 {
        self.day
    }

    /// Parses `YYYY-MM-DD`, refusing dates that do not exist (2023-02-29, 2024-04-31).
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i32> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
        };
        Self::new(num(0..4)?, num(5..7)?, num(8..10)?)
    }

    /// Days since 1970-01-01.
    pub const fn to_days(self) -> i32 {
        let y = if self.month <= 2 { self.year - 1 } else { self.year };
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let mp = (self.month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + self.day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub const fn from_days(days: i32) -> Self {
        let z = days + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
        Self { year, month, day }
    }

    /// `n` days later (earlier when negative).
    #[must_use]
    pub const fn plus_days(self, n: i32) -> Self {
        Self::from_days(self.to_days() + n)
    }

    /// The same day `n` years later (earlier when negative). A February 29 lands on
    /// February 28 in a common year, as anniversaries are usually counted in Québec records.
    #[must_use]
    pub const fn plus_years(self, n: i32) -> Self {
        let year = self.year + n;
        let day = if self.month == 2 && self.day == 29 && !is_leap(year) { 28 } else { self.day };
        Self { year, month: self.month, day }
    }

    /// Age in whole years on `on` of someone born on `self`. Someone born on February 29 turns
    /// a year older on March 1 in a common year.
    pub const fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if on.month < self.month || (on.month == self.month && on.day < self.day) {
            age -= 1;
        }
        age
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_over_the_century() {
        let start = Date::new(1990, 1, 1).unwrap().to_days();
        assert_eq!(Date::new(1970, 1, 1).unwrap().to_days(), 0);
        let mut expected = Date::new(1990, 1, 1).unwrap();
        for d in start..start + 365 * 50 {
            let date = Date::from_days(d);
            assert_eq!(date, expected);
            assert_eq!(date.to_days(), d);
            expected = match Date::new(date.year, date.month, date.day + 1) {
                Some(next) => next,
                None => {
                    Date::new(date.year, date.month + 1, 1).unwrap_or(Date { year: date.year + 1, month: 1, day: 1 })
                }
            };
        }
    }

    #[test]
    fn parse_refuses_impossible_dates() {
        assert_eq!(Date::parse("2024-02-29").map(|d| d.to_string()), Some("2024-02-29".into()));
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2024-04-31").is_none());
        assert!(Date::parse("2024-13-01").is_none());
        assert!(Date::parse("2024-1-01").is_none());
        assert!(Date::parse("+024-01-01").is_none());
    }

    #[test]
    fn leap_day_birthdays() {
        let born = Date::new(2012, 2, 29).unwrap();
        assert_eq!(born.plus_years(13), Date::new(2025, 2, 28).unwrap());
        assert_eq!(born.plus_years(12), Date::new(2024, 2, 29).unwrap());
        assert_eq!(born.age_on(Date::new(2025, 2, 28).unwrap()), 12);
        assert_eq!(born.age_on(Date::new(2025, 3, 1).unwrap()), 13);
        assert_eq!(born.age_on(Date::new(2024, 2, 29).unwrap()), 12);
    }
}

//! Time in UTC, at the precision both backends keep, and Québec's local time where the law
//! counts calendar days (a consent's first and last day).

use time::OffsetDateTime;

/// The current time in UTC, truncated to whole microseconds.
///
/// PostgreSQL keeps microseconds while SQLite (as text) keeps nanoseconds; truncating here
/// makes a value read back from either backend equal to the value written.
pub fn now() -> OffsetDateTime {
    truncate(OffsetDateTime::now_utc())
}

/// Truncates a timestamp to whole microseconds.
pub fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    let micros = t.microsecond();
    t.replace_nanosecond(micros * 1_000).unwrap_or(t)
}

/// `t` in Eastern time (Québec), without a time-zone database: UTC−4 from 2:00 local on the
/// second Sunday of March to 2:00 local on the first Sunday of November, UTC−5 otherwise (the
/// rule in force since 2007).
pub fn in_quebec(t: OffsetDateTime) -> OffsetDateTime {
    let year = t.year();
    let nth_sunday = |month: time::Month, n: u8| {
        time::Date::from_calendar_date(year, month, 1).ok().map(|first| {
            let to_sunday = (7 - first.weekday().number_days_from_sunday()) % 7;
            first + time::Duration::days(i64::from(to_sunday) + 7 * i64::from(n - 1))
        })
    };
    let summer = match (nth_sunday(time::Month::March, 2), nth_sunday(time::Month::November, 1)) {
        (Some(start), Some(end)) => {
            // 2:00 EST is 7:00 UTC; 2:00 EDT is 6:00 UTC.
            let start = start.with_hms(7, 0, 0).map(time::PrimitiveDateTime::assume_utc).ok();
            let end = end.with_hms(6, 0, 0).map(time::PrimitiveDateTime::assume_utc).ok();
            matches!((start, end), (Some(s), Some(e)) if t >= s && t < e)
        }
        _ => false,
    };
    let hours = if summer { -4 } else { -5 };
    time::UtcOffset::from_hms(hours, 0, 0).map_or(t, |o| t.to_offset(o))
}

/// Today's date in Québec: the calendar day a professional means (a service delivered
/// "today", a follow-up due, a consent's first day). From 19:00 or 20:00 local time the UTC
/// date is already tomorrow's.
pub fn today_in_quebec() -> time::Date {
    in_quebec(now()).date()
}

/// The instant a Québec calendar day begins (local midnight), in UTC, for filters by day:
/// "screenings of 7 December" are those from this instant to the next day's.
pub fn start_of_quebec_day(day: time::Date) -> OffsetDateTime {
    let at = |hours: i8| time::UtcOffset::from_hms(hours, 0, 0).map(|o| day.midnight().assume_offset(o));
    let (Ok(winter), Ok(summer)) = (at(-5), at(-4)) else { return day.midnight().assume_utc() };
    // The clocks change at 2:00 local, so midnight has the offset of the rest of the night:
    // summer time when local midnight in winter offset already falls in it.
    let start = if in_quebec(winter).offset().whole_hours() == -4 { summer } else { winter };
    // In UTC, like every stored instant: SQLite compares them as text.
    start.to_offset(time::UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::{in_quebec, start_of_quebec_day};

    #[test]
    fn eastern_time_changes_on_the_right_instants() {
        // 2026: summer time from 8 March 7:00 UTC to 1 November 6:00 UTC.
        assert_eq!(in_quebec(datetime!(2026-03-08 06:59:59 UTC)).offset().whole_hours(), -5);
        assert_eq!(in_quebec(datetime!(2026-03-08 07:00 UTC)).offset().whole_hours(), -4);
        assert_eq!(in_quebec(datetime!(2026-11-01 05:59:59 UTC)).offset().whole_hours(), -4);
        assert_eq!(in_quebec(datetime!(2026-11-01 06:00 UTC)).offset().whole_hours(), -5);
        // The same instant, another calendar day: what a consent's last day depends on.
        let late = in_quebec(datetime!(2026-12-08 03:30 UTC));
        assert_eq!(late.date(), time::macros::date!(2026 - 12 - 07));
        assert_eq!(late, datetime!(2026-12-08 03:30 UTC));
    }

    #[test]
    fn a_quebec_day_begins_at_local_midnight_in_either_season() {
        use time::macros::date;
        assert_eq!(start_of_quebec_day(date!(2026 - 12 - 07)), datetime!(2026-12-07 05:00 UTC));
        assert_eq!(start_of_quebec_day(date!(2026 - 07 - 01)), datetime!(2026-07-01 04:00 UTC));
        // The days the clocks change: still the offset of the night before 2:00.
        assert_eq!(start_of_quebec_day(date!(2026 - 03 - 08)), datetime!(2026-03-08 05:00 UTC));
        assert_eq!(start_of_quebec_day(date!(2026 - 11 - 01)), datetime!(2026-11-01 04:00 UTC));
        assert_eq!(start_of_quebec_day(date!(2026 - 11 - 02)), datetime!(2026-11-02 05:00 UTC));
        // Every instant of a day is on that day in Québec, and the next day starts after it.
        let day = date!(2026 - 03 - 08);
        let (start, end) = (start_of_quebec_day(day), start_of_quebec_day(day.next_day().unwrap_or(day)));
        assert_eq!(in_quebec(start).date(), day);
        assert_eq!(in_quebec(end - time::Duration::SECOND).date(), day);
        assert_eq!(end - start, time::Duration::hours(23), "the short day of spring");
        assert!(start.offset().is_utc(), "stored instants are compared as UTC text");
    }
}

//! Quarters and budget years.

use passerelle_stats::{PeriodError, Quarter, budget_period, parse_year};
use time::macros::date;

#[test]
fn quarters_follow_the_calendar() {
    let cases = [
        (date!(2026 - 01 - 01), "2026-Q1"),
        (date!(2026 - 03 - 31), "2026-Q1"),
        (date!(2026 - 04 - 01), "2026-Q2"),
        (date!(2026 - 06 - 30), "2026-Q2"),
        (date!(2026 - 07 - 01), "2026-Q3"),
        (date!(2026 - 09 - 30), "2026-Q3"),
        (date!(2026 - 10 - 01), "2026-Q4"),
        (date!(2026 - 12 - 31), "2026-Q4"),
    ];
    for (day, name) in cases {
        assert_eq!(Quarter::from_date(day).unwrap().to_string(), name, "{day}");
    }
}

#[test]
fn quarters_round_trip_through_their_names() {
    for q in Quarter::of_year(2026).unwrap() {
        assert_eq!(q.to_string().parse::<Quarter>().unwrap(), q);
        assert_eq!(q.year(), 2026);
    }
    assert_eq!(Quarter::of_year(2026).unwrap().map(Quarter::quarter), [1, 2, 3, 4]);
    assert_eq!("0999-Q2".parse::<Quarter>().unwrap().to_string(), "0999-Q2");
}

#[test]
fn malformed_quarters_are_refused() {
    for bad in ["2026-Q0", "2026-Q5", "26-Q1", "2026Q1", "2026-q1", "+026-Q1", "2026-Q1 ", "2026-Q01", "", "2026"] {
        assert!(matches!(bad.parse::<Quarter>(), Err(PeriodError::Quarter(_))), "{bad:?}");
    }
    assert!(Quarter::new(2026, 0).is_err());
    assert!(Quarter::new(2026, 5).is_err());
    assert!(Quarter::new(10_000, 1).is_err());
}

#[test]
fn the_budget_period_is_the_calendar_year() {
    assert_eq!(budget_period(date!(2026 - 08 - 15)).unwrap(), "2026");
    assert_eq!(budget_period(date!(2027 - 01 - 01)).unwrap(), "2027");
    assert_eq!(parse_year("2026").unwrap(), 2026);
    for bad in ["26", "20266", "+202", "2026-Q3", "", " 2026", "２０２６"] {
        assert!(parse_year(bad).is_err(), "{bad:?}");
    }
}

//! Time in UTC, at the precision both backends keep.

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

//! A fixed-window counter per key (client address), in memory.
//!
//! This is the outer fence against password spraying from one address; the per-account
//! lockout, which holds across servers, is in the database (`users.failed_logins`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

/// Counts attempts per address in fixed windows.
#[derive(Debug)]
pub struct Limiter {
    max: u32,
    window: Duration,
    counts: Mutex<HashMap<IpAddr, (OffsetDateTime, u32)>>,
}

impl Limiter {
    /// At most `max` attempts per `window` per address.
    pub fn new(max: u32, window: Duration) -> Self {
        Self { max, window, counts: Mutex::new(HashMap::new()) }
    }

    /// Counts one attempt; `false` when the address is over its limit.
    pub fn check(&self, ip: IpAddr, now: OffsetDateTime) -> bool {
        let Ok(mut counts) = self.counts.lock() else { return false };
        if counts.len() > 100_000 {
            // Bound memory under a flood of addresses: drop finished windows.
            let window = self.window;
            counts.retain(|_, (start, _)| now - *start < window);
        }
        let entry = counts.entry(ip).or_insert((now, 0));
        if now - entry.0 >= self.window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_window() {
        let l = Limiter::new(3, Duration::minutes(1));
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        assert!(l.check(a, t0) && l.check(a, t0) && l.check(a, t0));
        assert!(!l.check(a, t0));
        assert!(l.check(b, t0));
        assert!(l.check(a, t0 + Duration::minutes(1)));
    }
}

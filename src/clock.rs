//! Timestamps as the store keeps them: RFC 3339 in UTC, which also sorts as text.

use std::time::{Duration, SystemTime};

pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// A number no earlier call in this process returned: the time in nanoseconds, moved on by
/// one when two calls share a tick. With the pid, it names a private temporary folder.
pub(crate) fn unique_nanos() -> u128 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return u128::from(next),
            Err(seen) => last = seen,
        }
    }
}

pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// Parses a stored timestamp back; `None` for anything unreadable.
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(text).ok()
}

/// The `n` days (UTC, `YYYY-MM-DD`) ending with the day of `now`, oldest first.
pub(crate) fn last_days(now: SystemTime, n: usize) -> Vec<String> {
    const DAY: Duration = Duration::from_secs(24 * 60 * 60);
    (0..n as u32)
        .rev()
        .filter_map(|back| now.checked_sub(DAY * back))
        .map(|at| rfc3339(at)[..10].to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_sort_as_text() {
        let a = now_rfc3339();
        let b = rfc3339(SystemTime::now() + std::time::Duration::from_secs(1));
        assert!(a < b, "{a} < {b}");
        assert!(parse_rfc3339(&a).is_some());
        assert!(a.ends_with('Z'));
    }

    #[test]
    fn last_days_end_today_oldest_first_across_a_month_end() {
        let at = parse_rfc3339("2026-12-02T23:59:00.000Z").expect("valid");
        assert_eq!(
            last_days(at, 4),
            ["2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02"]
        );
        assert!(last_days(at, 0).is_empty());
    }
}

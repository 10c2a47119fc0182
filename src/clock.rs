//! Timestamps as the store keeps them: RFC 3339 in UTC, which also sorts as text.

use std::time::SystemTime;

pub fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// Parses a stored timestamp back; `None` for anything unreadable.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(text).ok()
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
}

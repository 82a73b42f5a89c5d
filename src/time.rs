//! Wall-clock helpers for payloads: ISO-8601 UTC timestamps that end in `Z`.
//!
//! The original service wrote `...+00:00Z`, which is not valid ISO-8601; ours is
//! `2026-11-26T23:53:47.123Z` (milliseconds, always UTC).
use std::time::SystemTime;

/// Formats `t` as RFC 3339 / ISO-8601 UTC with millisecond precision and a trailing `Z`.
pub fn iso8601(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// [`iso8601`] of the current time.
pub fn now_iso8601() -> String {
    iso8601(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_are_utc_with_a_single_trailing_z() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_737_227_123);
        assert_eq!(iso8601(t), "2026-11-26T23:53:47.123Z");
    }
}

//! What a WS-Discovery Hello between scans leads to: a full rescan when an unknown camera
//! announces itself, at most once a minute, never for an excluded or known sender or while
//! a pass runs (pure; the time is an argument).
use std::time::{Duration, Instant};

/// A Hello from an unknown camera triggers a full scan, at most this often.
pub const HELLO_RESCAN_MIN_GAP: Duration = Duration::from_secs(60);

/// What a camera Hello leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelloVerdict {
    Rescan,
    /// The sender is in SCAN_EXCLUDE.
    Excluded,
    /// The sender is a known camera's address.
    Known,
    /// A pass is running; it will see the sender if it is a camera.
    Scanning,
    /// The last Hello rescan was less than [`HELLO_RESCAN_MIN_GAP`] ago (a flood of
    /// Hellos costs one rescan a minute at most).
    TooSoon,
}

/// The rules for a camera Hello (pure; `last` is when a Hello last started a rescan).
pub fn hello_verdict(
    excluded: bool,
    known: bool,
    scanning: bool,
    last: Option<Instant>,
    now: Instant,
) -> HelloVerdict {
    if excluded {
        HelloVerdict::Excluded
    } else if known {
        HelloVerdict::Known
    } else if scanning {
        HelloVerdict::Scanning
    } else if last.is_some_and(|t| now.saturating_duration_since(t) < HELLO_RESCAN_MIN_GAP) {
        HelloVerdict::TooSoon
    } else {
        HelloVerdict::Rescan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hello_rescans_at_most_once_a_minute_and_never_for_excluded_or_known_senders() {
        let t0 = Instant::now();
        let v = |ex, kn, sc, last, at| hello_verdict(ex, kn, sc, last, at);
        assert_eq!(v(false, false, false, None, t0), HelloVerdict::Rescan);
        let soon = t0 + HELLO_RESCAN_MIN_GAP - Duration::from_millis(1);
        assert_eq!(
            v(false, false, false, Some(t0), soon),
            HelloVerdict::TooSoon
        );
        let later = t0 + HELLO_RESCAN_MIN_GAP;
        assert_eq!(
            v(false, false, false, Some(t0), later),
            HelloVerdict::Rescan
        );
        assert_eq!(v(true, false, false, None, t0), HelloVerdict::Excluded);
        assert_eq!(v(false, true, false, None, t0), HelloVerdict::Known);
        assert_eq!(v(false, false, true, None, t0), HelloVerdict::Scanning);
    }
}

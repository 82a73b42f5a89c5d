//! Exponential reconnect backoff with jitter; pure (the jitter draw is an argument).
use std::time::Duration;

/// Delay before connection attempt n+1: `min` doubling up to `max`, each delay shortened
/// by up to a quarter at random so many detectors restarting together spread out.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    current: Duration,
}

impl Backoff {
    /// A backoff starting at `min` and never above `max` (`max` below `min` is raised).
    pub fn new(min: Duration, max: Duration) -> Self {
        let min = min.max(Duration::from_millis(1));
        Backoff {
            min,
            max: max.max(min),
            current: min,
        }
    }

    /// The next delay; `unit` is a jitter draw in `[0, 1)`. The delay is at least 3/4 of
    /// the un-jittered value and never more than `max`.
    pub fn next_delay(&mut self, unit: f64) -> Duration {
        let base = self.current;
        self.current = (self.current * 2).min(self.max);
        base.mul_f64(1.0 - 0.25 * unit.clamp(0.0, 1.0))
    }

    /// Back to `min`, after a successful connection.
    pub fn reset(&mut self) {
        self.current = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_one_second_to_the_sixty_second_cap() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let got: Vec<u64> = (0..9).map(|_| b.next_delay(0.0).as_secs()).collect();
        assert_eq!(got, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn jitter_shortens_by_at_most_a_quarter() {
        let mut b = Backoff::new(Duration::from_secs(8), Duration::from_secs(60));
        assert_eq!(b.next_delay(0.999_999).as_millis(), 6000);
        assert_eq!(b.next_delay(0.5).as_millis(), 14000);
        assert_eq!(b.next_delay(7.0).as_millis(), 24000, "draw is clamped");
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(4));
        b.next_delay(0.0);
        b.next_delay(0.0);
        b.reset();
        assert_eq!(b.next_delay(0.0), Duration::from_secs(1));
    }
}

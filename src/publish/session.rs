//! When to reconnect: the backoff shared by failed connects and *short sessions*, and the
//! client-id collision episodes they reveal. Pure (durations and the jitter draw are
//! arguments); the `mqtt-conn` thread asks it after every failed connect and every loss.
//!
//! A session lost within [`SHORT_SESSION`] of its CONNACK is short. MQTT 3.1.1 brokers end
//! the older session when a client connects with the same client id, so two processes (or
//! a health check) sharing one id cut each other's sessions right after each connect:
//! without a backoff they reconnect about every 20 ms, forever. A short session therefore
//! counts like a failed connect (exponential backoff with jitter), and only a session that
//! outlived [`SHORT_SESSION`] resets the backoff. Two short sessions in a row (no failed
//! connect between: a broker that died right after our connect refuses the next one) make
//! an episode, reported once (the caller logs one WARN naming the client id); the episode
//! ends with a session that lasts [`EPISODE_END`].
use super::Backoff;
use std::time::Duration;

/// A session lost sooner than this after its CONNACK is short.
pub const SHORT_SESSION: Duration = Duration::from_secs(5);
/// A session this long ends a collision episode (the next short session warns again).
pub const EPISODE_END: Duration = Duration::from_secs(120);

/// What to do after a lost session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterLoss {
    /// The session was short.
    pub short: bool,
    /// Wait this long before the next connect (`None`: at once).
    pub delay: Option<Duration>,
    /// Second short session in a row: a collision episode begins; say so (once).
    pub warn: bool,
    /// Within an episode already reported.
    pub in_episode: bool,
    /// Short sessions of an episode that has just ended with a long session.
    pub ended_episode: Option<u32>,
}

/// The reconnect policy; see the module docs.
#[derive(Debug, Clone)]
pub struct Sessions {
    backoff: Backoff,
    /// Short sessions in a row, with no failed connect between.
    in_row: u32,
    /// Short sessions since the last long one.
    episode: u32,
    /// The current episode was reported.
    warned: bool,
}

impl Sessions {
    /// Backoff from `min` doubling to `max`, as [`Backoff::new`].
    #[must_use]
    pub fn new(min: Duration, max: Duration) -> Self {
        Sessions {
            backoff: Backoff::new(min, max),
            in_row: 0,
            episode: 0,
            warned: false,
        }
    }

    /// A connect failed: the delay before the next attempt (`unit`: jitter draw in [0, 1)).
    pub fn connect_failed(&mut self, unit: f64) -> Duration {
        self.in_row = 0;
        self.backoff.next_delay(unit)
    }

    /// A session that `lasted` this long after its CONNACK was lost. `after_send`: the
    /// loss came right after we sent something (the broker refusing a message, see
    /// [`super::poison`]): backed off all the same, but no sign of a collision.
    pub fn lost(&mut self, lasted: Duration, after_send: bool, unit: f64) -> AfterLoss {
        if lasted < SHORT_SESSION {
            if !after_send {
                self.in_row += 1;
            }
            self.episode += 1;
            let in_episode = self.warned;
            let warn = !self.warned && self.in_row >= 2;
            self.warned |= warn;
            return AfterLoss {
                short: true,
                delay: Some(self.backoff.next_delay(unit)),
                warn,
                in_episode,
                ended_episode: None,
            };
        }
        self.backoff.reset();
        self.in_row = 0;
        let in_episode = self.warned;
        let mut ended = None;
        if lasted >= EPISODE_END {
            if self.warned {
                ended = Some(self.episode);
            }
            self.episode = 0;
            self.warned = false;
        }
        AfterLoss {
            short: false,
            delay: None,
            warn: false,
            in_episode,
            ended_episode: ended,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn sessions() -> Sessions {
        Sessions::new(Duration::from_secs(1), Duration::from_secs(60))
    }

    #[test]
    fn short_sessions_back_off_like_failed_connects_and_warn_once() {
        let mut s = sessions();
        let got: Vec<AfterLoss> = (0..8).map(|_| s.lost(secs(0.02), false, 0.0)).collect();
        let delays: Vec<u64> = got.iter().map(|a| a.delay.unwrap().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert!(got.iter().all(|a| a.short));
        assert_eq!(got.iter().filter(|a| a.warn).count(), 1);
        assert!(got[1].warn, "the second in a row");
        assert!(got[2..].iter().all(|a| a.in_episode));
    }

    #[test]
    fn losses_right_after_a_send_back_off_but_are_no_collision() {
        let mut s = sessions();
        for want in [1, 2, 4] {
            let a = s.lost(secs(0.01), true, 0.0);
            assert_eq!(a.delay, Some(secs(f64::from(want))));
            assert!(!a.warn);
        }
    }

    #[test]
    fn a_broker_that_dies_right_after_our_connect_is_no_collision() {
        // Short session, then the broker refuses the reconnect: never a WARN.
        let mut s = sessions();
        for _ in 0..5 {
            let a = s.lost(secs(0.8), false, 0.0);
            assert!(a.short && !a.warn && !a.in_episode);
            s.connect_failed(0.0);
        }
    }

    #[test]
    fn failed_connects_and_short_sessions_share_one_backoff() {
        let mut s = sessions();
        assert_eq!(s.connect_failed(0.0), secs(1.0));
        assert_eq!(s.lost(secs(0.1), false, 0.0).delay, Some(secs(2.0)));
        assert_eq!(s.connect_failed(0.0), secs(4.0));
    }

    #[test]
    fn a_session_past_the_short_limit_reconnects_at_once_and_resets_the_backoff() {
        let mut s = sessions();
        s.connect_failed(0.0);
        s.connect_failed(0.0);
        let a = s.lost(SHORT_SESSION, false, 0.0);
        assert_eq!((a.short, a.delay, a.warn), (false, None, false));
        assert_eq!(s.connect_failed(0.0), secs(1.0), "reset");
    }

    #[test]
    fn an_episode_ends_only_with_a_long_session_and_the_next_one_warns_again() {
        let mut s = sessions();
        assert!(!s.lost(secs(0.01), false, 0.0).warn);
        assert!(s.lost(secs(0.01), false, 0.0).warn);
        // A medium session resets the backoff but the episode goes on: no second WARN.
        assert_eq!(s.lost(secs(30.0), false, 0.0).ended_episode, None);
        s.lost(secs(0.01), false, 0.0);
        let again = s.lost(secs(0.01), false, 0.0);
        assert!(!again.warn && again.in_episode);
        assert_eq!(again.delay, Some(secs(2.0)));
        assert_eq!(s.lost(EPISODE_END, false, 0.0).ended_episode, Some(4));
        s.lost(secs(0.01), false, 0.0);
        assert!(s.lost(secs(0.01), false, 0.0).warn, "a new episode");
    }

    #[test]
    fn two_colliding_processes_make_at_most_ten_connects_each_in_two_minutes() {
        // Virtual time: each connect of one process ends the other's session at once.
        // Process p reconnects at next[p]; a session lasts until the other's next connect.
        let mut s = [sessions(), sessions()];
        let mut next = [0.0f64, 0.001];
        let mut connected_at: [Option<f64>; 2] = [None, None];
        let mut connects = [0u32; 2];
        loop {
            let p = usize::from(next[1] < next[0]);
            let t = next[p];
            if t > 120.0 {
                break;
            }
            connects[p] += 1;
            connected_at[p] = Some(t);
            next[p] = f64::INFINITY;
            let o = 1 - p;
            if let Some(since) = connected_at[o].take() {
                let a = s[o].lost(secs(t - since), false, 0.5);
                next[o] = t + a.delay.map_or(0.0005, |d| d.as_secs_f64());
            }
        }
        assert!(connects.iter().all(|&c| c <= 10), "{connects:?}");
    }
}

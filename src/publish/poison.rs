//! Poison messages: a message the broker answers by dropping the connection (over its
//! payload limit, denied by an ACL on some brokers). Sent again after every reconnect, it
//! would cut every session and hold up everything queued behind it, forever. Pure (times
//! are arguments); the `mqtt-publish` thread reports each loss and each acknowledgement.
//!
//! Rule: when the connection drops twice in a row while a message of the same topic is the
//! oldest unacknowledged one, each time within [`RIGHT_AFTER`] of its sending, that message
//! is quarantined (dropped, counted, logged once). Identity is the topic: a retained message
//! replaced by a newer value, or the health report rebuilt at each connect, is "the same
//! message" to the broker's limit or ACL. After a quarantine the topic keeps one strike
//! until one of its messages is acknowledged, so a later message of a denied topic costs one
//! lost session, not two.
use std::time::{Duration, Instant};

/// A loss later than this after the message was handed to the client does not blame it.
pub const RIGHT_AFTER: Duration = Duration::from_secs(1);

/// Strikes per topic; see the module docs.
#[derive(Debug, Default, Clone)]
pub struct PoisonWatch {
    suspect: Option<(String, u32)>,
}

impl PoisonWatch {
    /// The session was lost at `now`. `oldest`: the topic of the oldest unacknowledged
    /// message and when it was sent, if any was in flight. True: quarantine that message.
    pub fn lost(&mut self, oldest: Option<(&str, Instant)>, now: Instant) -> bool {
        let Some((topic, sent)) = oldest else {
            self.suspect = None;
            return false;
        };
        if now.saturating_duration_since(sent) > RIGHT_AFTER {
            self.suspect = None;
            return false;
        }
        let strikes = match &self.suspect {
            Some((t, n)) if t == topic => n + 1,
            _ => 1,
        };
        let quarantine = strikes >= 2;
        // After a quarantine the topic keeps one strike (module docs).
        self.suspect = Some((topic.to_owned(), if quarantine { 1 } else { strikes }));
        quarantine
    }

    /// A message of `topic` was acknowledged: the topic is clean again.
    pub fn delivered(&mut self, topic: &str) {
        if self.suspect.as_ref().is_some_and(|(t, _)| t == topic) {
            self.suspect = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_drops_right_after_the_same_message_quarantine_it() {
        let t = Instant::now();
        let mut w = PoisonWatch::default();
        assert!(!w.lost(Some(("big", t)), t + Duration::from_millis(5)));
        assert!(w.lost(Some(("big", t)), t + Duration::from_millis(5)));
    }

    #[test]
    fn a_drop_long_after_sending_or_with_nothing_in_flight_blames_nobody() {
        let t = Instant::now();
        let mut w = PoisonWatch::default();
        assert!(!w.lost(Some(("a", t)), t));
        assert!(!w.lost(Some(("a", t)), t + RIGHT_AFTER + Duration::from_millis(1)));
        assert!(!w.lost(Some(("a", t)), t), "the late drop broke the row");
        assert!(!w.lost(None, t));
        assert!(
            !w.lost(Some(("a", t)), t),
            "no message in flight broke the row"
        );
    }

    #[test]
    fn drops_after_different_topics_or_an_acknowledgement_start_over() {
        let t = Instant::now();
        let mut w = PoisonWatch::default();
        assert!(!w.lost(Some(("a", t)), t));
        assert!(!w.lost(Some(("b", t)), t));
        w.delivered("b");
        assert!(!w.lost(Some(("b", t)), t));
        w.delivered("other");
        assert!(w.lost(Some(("b", t)), t));
    }

    #[test]
    fn after_a_quarantine_the_topic_keeps_one_strike_until_it_is_delivered() {
        let t = Instant::now();
        let mut w = PoisonWatch::default();
        w.lost(Some(("denied", t)), t);
        assert!(w.lost(Some(("denied", t)), t));
        assert!(w.lost(Some(("denied", t)), t), "one more drop is enough");
        w.delivered("denied");
        assert!(!w.lost(Some(("denied", t)), t));
    }
}

//! Poison messages: a message the broker answers by dropping the connection (over its
//! payload limit, denied by an ACL on some brokers). Sent again after every reconnect, it
//! would cut every session and hold up everything queued behind it, forever. Pure; the
//! `mqtt-publish` thread reports each loss and each acknowledgement.
//!
//! Rule: at a loss, every unacknowledged message sent within [`RIGHT_AFTER`] before it is a
//! suspect. A message that is a suspect at two losses in a row is quarantined (dropped,
//! counted, logged once); everything behind it flows again. Identity is the topic: a
//! retained message replaced by a newer value, or the health report rebuilt at each
//! connect, is "the same message" to the broker's limit or ACL.
//!
//! A broker may drop the connection before it has sent the acknowledgements of the
//! messages ahead of the poison (rumqttd does), so the first loss can name innocent
//! messages too. Suspects are therefore sent alone in the next session (`isolated`:
//! nothing else in flight), so the second loss names the poison alone; an innocent
//! suspect is acknowledged and cleared. A broker that was away (the reconnect failed at
//! least once) did not refuse anything: the suspects are cleared. After a quarantine the
//! topic keeps one strike until
//! one of its messages is acknowledged, so a later message of a denied topic costs one
//! lost session, not two.
use std::collections::HashSet;
use std::time::Duration;

/// A loss later than this after the message was handed to the client does not blame it.
pub const RIGHT_AFTER: Duration = Duration::from_millis(500);

/// The topics with a strike (suspects at the last loss); see the module docs.
#[derive(Debug, Default, Clone)]
pub struct PoisonWatch {
    strikes: HashSet<String>,
}

impl PoisonWatch {
    /// The session was lost; `suspects` are the topics of the messages in flight that were
    /// sent within [`RIGHT_AFTER`] of it. Returns the topics to quarantine now.
    pub fn lost<'a>(&mut self, suspects: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut next = HashSet::new();
        let mut quarantine = Vec::new();
        for topic in suspects {
            // A second strike in a row quarantines; either way the topic keeps one strike
            // (after a quarantine too, see the module docs).
            if next.insert(topic.to_owned()) && self.strikes.contains(topic) {
                quarantine.push(topic.to_owned());
            }
        }
        self.strikes = next;
        quarantine
    }

    /// The broker was away between two sessions (a connect failed): the loss was its going
    /// away, not a refusal; nothing is suspect.
    pub fn clear(&mut self) {
        self.strikes.clear();
    }

    /// A message of `topic` was acknowledged: the topic is clean again.
    pub fn delivered(&mut self, topic: &str) {
        self.strikes.remove(topic);
    }

    /// Messages of this topic are sent alone (nothing else in flight) until acknowledged.
    #[must_use]
    pub fn isolated(&self, topic: &str) -> bool {
        self.strikes.contains(topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_suspect_at_two_losses_in_a_row_is_quarantined() {
        let mut w = PoisonWatch::default();
        assert!(w.lost(["a", "big", "b"]).is_empty());
        assert!(w.isolated("big") && w.isolated("a"));
        // Sent alone, the innocent ones are acknowledged.
        w.delivered("a");
        assert!(!w.isolated("a"));
        assert_eq!(w.lost(["big"]), ["big"]);
    }

    #[test]
    fn a_loss_with_nothing_recent_in_flight_breaks_the_row() {
        let mut w = PoisonWatch::default();
        w.lost(["big"]);
        assert!(w.lost([]).is_empty());
        assert!(!w.isolated("big"));
        assert!(w.lost(["big"]).is_empty(), "a new row");
    }

    #[test]
    fn after_a_quarantine_the_topic_keeps_one_strike_until_it_is_delivered() {
        let mut w = PoisonWatch::default();
        w.lost(["denied"]);
        assert_eq!(w.lost(["denied"]), ["denied"]);
        assert_eq!(w.lost(["denied"]), ["denied"], "one more drop is enough");
        w.delivered("denied");
        assert!(w.lost(["denied"]).is_empty());
    }

    #[test]
    fn a_broker_that_was_away_clears_every_suspect() {
        let mut w = PoisonWatch::default();
        w.lost(["a", "b"]);
        w.clear();
        assert!(!w.isolated("a"));
        assert!(w.lost(["a"]).is_empty());
    }

    #[test]
    fn a_topic_twice_in_one_loss_is_one_strike() {
        let mut w = PoisonWatch::default();
        assert!(w.lost(["t", "t"]).is_empty());
        assert_eq!(w.lost(["t"]), ["t"]);
    }
}

//! The publisher thread's pure decisions: which retained state is replayed after each
//! (re)connect ([`Retained`]), how a stop splits its time ([`stop_times`]), and how long to
//! wait on a slow broker ([`patience`]). No I/O, no clock: times are arguments.
use super::super::outbox::Pending;
use super::super::Message;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The latest acknowledged message of every retained topic, with its sequence number.
#[derive(Debug, Default)]
pub(in crate::publish) struct Retained {
    delivered: HashMap<String, (u64, Message)>,
}

impl Retained {
    /// The broker acknowledged `p`: a retained message is remembered for the replay unless
    /// a newer one of its topic was acknowledged first; an empty retained payload forgets
    /// the topic (it deleted the broker's copy: nothing to replay). Events are not kept.
    pub fn acknowledged(&mut self, p: Pending) {
        if !p.msg.retain {
            return;
        }
        if p.msg.payload.is_empty() {
            self.delivered.remove(&p.msg.topic);
            return;
        }
        let newer_known = matches!(self.delivered.get(&p.msg.topic), Some((s, _)) if *s > p.key.1);
        if !newer_known {
            self.delivered.insert(p.msg.topic.clone(), (p.key.1, p.msg));
        }
    }

    /// What to send again after a (re)connect: the remembered message of every topic that
    /// has no newer one `waiting` in the outbox, oldest first.
    pub fn replay(&self, waiting: impl Fn(&str) -> bool) -> Vec<Message> {
        let mut replay: Vec<&(u64, Message)> = self
            .delivered
            .iter()
            .filter(|(topic, _)| !waiting(topic))
            .map(|(_, v)| v)
            .collect();
        replay.sort_by_key(|(seq, _)| *seq);
        replay.into_iter().map(|(_, m)| m.clone()).collect()
    }
}

/// A stop asked at `now` to be done by `deadline`: flush until the first instant returned,
/// keeping a quarter of the time (at most 500 ms) for the offline message; the second is
/// the deadline itself.
pub(in crate::publish) fn stop_times(now: Instant, deadline: Instant) -> (Instant, Instant) {
    let total = deadline.saturating_duration_since(now);
    let reserve = (total / 4).min(Duration::from_millis(500));
    (deadline - reserve, deadline)
}

/// How long to wait on the oldest in-flight token once it has `waited`: 20 ms while the
/// broker answers; up to 500 ms when the oldest message has waited long (a frozen broker:
/// a few wake-ups a second, not fifty).
pub(in crate::publish) fn patience(waited: Duration) -> Duration {
    (waited / 4).clamp(Duration::from_millis(20), Duration::from_millis(500))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ack(topic: &str, seq: u64, payload: &str) -> Pending {
        Pending {
            key: (1, seq),
            msg: Message::retained(topic, payload),
        }
    }

    #[test]
    fn the_replay_is_the_newest_acknowledged_state_oldest_first() {
        let mut r = Retained::default();
        r.acknowledged(ack("b", 2, "b2"));
        r.acknowledged(ack("a", 3, "a3"));
        // Acknowledgements may come out of order: an older one does not win.
        r.acknowledged(ack("a", 1, "a1"));
        r.acknowledged(Pending {
            key: (1, 4),
            msg: Message::event("e", "event"),
        });
        let payloads =
            |ms: Vec<Message>| -> Vec<Vec<u8>> { ms.into_iter().map(|m| m.payload).collect() };
        assert_eq!(
            payloads(r.replay(|_| false)),
            [b"b2".to_vec(), b"a3".to_vec()]
        );
        assert_eq!(
            payloads(r.replay(|t| t == "b")),
            [b"a3".to_vec()],
            "a newer state waiting in the outbox goes instead"
        );
        // An empty retained payload deleted the broker's copy: nothing to replay.
        r.acknowledged(ack("b", 5, ""));
        assert_eq!(payloads(r.replay(|_| false)), [b"a3".to_vec()]);
    }

    #[test]
    fn a_stop_keeps_a_quarter_of_its_time_at_most_half_a_second_for_goodbye() {
        let now = Instant::now();
        let (flush, end) = stop_times(now, now + Duration::from_secs(2));
        assert_eq!(
            (flush, end),
            (
                now + Duration::from_millis(1500),
                now + Duration::from_secs(2)
            )
        );
        let (flush, _) = stop_times(now, now + Duration::from_millis(400));
        assert_eq!(flush, now + Duration::from_millis(300));
        let (flush, end) = stop_times(now + Duration::from_secs(1), now);
        assert_eq!(
            (flush, end),
            (now, now),
            "a deadline passed: no flush at all"
        );
    }

    #[test]
    fn patience_grows_with_the_wait_between_20_and_500_ms() {
        assert_eq!(patience(Duration::ZERO), Duration::from_millis(20));
        assert_eq!(
            patience(Duration::from_millis(400)),
            Duration::from_millis(100)
        );
        assert_eq!(
            patience(Duration::from_secs(60)),
            Duration::from_millis(500)
        );
    }
}

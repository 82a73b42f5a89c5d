//! The publisher thread's guards against messages a broker refuses: one over
//! MQTT_MAX_PAYLOAD is never sent; for poison messages ([`super::super::poison`]), which
//! messages were in flight when a session was lost, which of them to quarantine, and the
//! rule that a suspect is sent alone (nothing else in flight) until it is acknowledged.
use super::{InFlight, Worker};
use crate::publish::outbox::Key;
use crate::publish::poison::RIGHT_AFTER;
use crate::publish::Message;
use crate::publish::Refusal;
use std::time::{Duration, Instant};

/// Trouble seen (a failed token) longer than this before the Down is not this loss's: the
/// connection thread notices a loss at once from paho's callback, or within its 5 s check.
const STALE: Duration = Duration::from_secs(6);

/// A message in flight at a loss.
pub(super) struct Suspect {
    key: Key,
    topic: String,
    size: usize,
    sent: Instant,
}

impl Suspect {
    pub(super) fn of(f: &InFlight) -> Self {
        Suspect {
            key: f.p.key,
            topic: f.p.msg.topic.clone(),
            size: f.p.msg.payload.len(),
            sent: f.since,
        }
    }
}

impl Worker {
    /// Refuses (counts, and logs once per topic) a message over MQTT_MAX_PAYLOAD.
    pub(super) fn oversized(&self, m: &Message) -> bool {
        let (size, max) = (m.payload.len(), self.settings.max_payload);
        if size <= max {
            return false;
        }
        let first = self.metrics.refuse(&m.topic, size, Refusal::Oversized);
        let text = format!(
            "message to {} is {size} bytes, over MQTT_MAX_PAYLOAD ({max}): not sent",
            m.topic
        );
        if first {
            log::warn!(
                "mqtt: {text} (counted in the health metrics; further ones on this topic at DEBUG)"
            );
        } else {
            log::debug!("mqtt: {text}");
        }
        self.metrics.set_error(text);
        true
    }

    /// The session is gone; `unacked` were still in flight at the Down (those seen when
    /// the trouble first showed count too). Quarantines what the watch names: out of the
    /// outbox (it was put back there), counted, logged.
    pub(super) fn judge_loss(&mut self, unacked: Vec<Suspect>) {
        let now = Instant::now();
        let (at, mut all) = self
            .loss_seen
            .take()
            // Trouble seen long before this Down was another episode (the session lived on).
            .filter(|(at, _)| now.saturating_duration_since(*at) <= STALE)
            .unwrap_or_else(|| (now, Vec::new()));
        for s in unacked {
            if !all.iter().any(|a| a.key == s.key) {
                all.push(s);
            }
        }
        let recent: Vec<&Suspect> = all
            .iter()
            .filter(|s| at.saturating_duration_since(s.sent) <= RIGHT_AFTER)
            .collect();
        if let Some(s) = recent.first() {
            log::debug!(
                "mqtt: session lost {} ms after sending {} ({} bytes) and {} more",
                at.saturating_duration_since(s.sent).as_millis(),
                s.topic,
                s.size,
                recent.len() - 1
            );
        }
        let quarantine = self.poison.lost(recent.iter().map(|s| s.topic.as_str()));
        for s in recent.iter().filter(|s| quarantine.contains(&s.topic)) {
            if self.outbox.remove(s.key).is_none() {
                continue; // already replaced by a newer value of its topic
            }
            self.metrics.refuse(&s.topic, s.size, Refusal::Quarantined);
            let text = format!(
                "message to {} ({} bytes) quarantined: the broker dropped the connection right \
                 after it twice (over the broker's size limit, or denied by an ACL?)",
                s.topic, s.size
            );
            log::warn!("mqtt: {text}");
            self.metrics.set_error(text);
        }
    }

    /// A token of `f` failed (the link is in trouble): remember what was in flight then,
    /// `f` and the rest, for [`Worker::judge_loss`] (the first trouble of a session counts).
    pub(super) fn note_trouble(&mut self, f: &InFlight) {
        if self.loss_seen.is_none() {
            let mut all = vec![Suspect::of(f)];
            all.extend(self.inflight.iter().map(Suspect::of));
            self.loss_seen = Some((Instant::now(), all));
        }
    }

    /// May the oldest pending message go out now? Not when a suspect is in flight alone,
    /// nor when it is a suspect and something else is in flight.
    pub(super) fn may_send_next(&self) -> bool {
        let Some(next) = self.outbox.peek() else {
            return false;
        };
        let alone_in_flight = self.inflight.len() == 1
            && self
                .inflight
                .front()
                .is_some_and(|f| self.poison.isolated(&f.p.msg.topic));
        if alone_in_flight {
            return false;
        }
        !self.poison.isolated(&next.topic) || self.inflight.is_empty()
    }
}

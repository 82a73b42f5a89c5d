//! The publisher's counters ([`Metrics`], shared by its threads and the handles) and their
//! copy in the health payload ([`MetricsSnapshot`]), with the topics whose messages were
//! refused (oversized or quarantined, at most [`REFUSED_TOPICS`] named).
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// Counters kept by the publisher; read with [`Publisher::metrics`].
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    pub(super) connected: AtomicBool,
    pub(super) depth: AtomicU64,
    pub(super) max_depth: AtomicU64,
    pub(super) published: AtomicU64,
    pub(super) coalesced: AtomicU64,
    pub(super) dropped_queue_full: AtomicU64,
    pub(super) dropped_overflow: AtomicU64,
    pub(super) dropped_rejected: AtomicU64,
    pub(super) dropped_shutdown: AtomicU64,
    pub(super) resent: AtomicU64,
    pub(super) connects: AtomicU64,
    pub(super) connect_failures: AtomicU64,
    pub(super) connection_losses: AtomicU64,
    pub(super) short_sessions: AtomicU64,
    pub(super) dropped_oversized: AtomicU64,
    pub(super) dropped_quarantined: AtomicU64,
    pub(super) refused: Mutex<BTreeMap<String, TopicDrops>>,
    /// When the publisher thread last handed messages to the client (a loss right after
    /// that is not taken for a client-id collision).
    pub(super) last_send: Mutex<Option<Instant>>,
    pub(super) last_error: Mutex<Option<String>>,
}

/// How many topics [`MetricsSnapshot::refused`] names; the rest are counted under
/// [`OTHER_TOPICS`] (so the health payload stays small).
pub const REFUSED_TOPICS: usize = 16;
/// The key that counts refused messages of topics beyond [`REFUSED_TOPICS`].
pub const OTHER_TOPICS: &str = "(other topics)";

/// Messages of one topic that were not sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TopicDrops {
    /// Over MQTT_MAX_PAYLOAD, never sent.
    pub oversized: u64,
    /// Sent, and the broker dropped the connection each time (see [`super::poison`]).
    pub quarantined: u64,
    /// Payload size of the latest one, bytes.
    pub last_size: u64,
}

/// Why a message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Oversized,
    Quarantined,
}

impl Metrics {
    pub(super) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    /// Counts a refused message of `topic`; true when it is the first of its topic.
    pub(super) fn refuse(&self, topic: &str, size: usize, why: Refusal) -> bool {
        match why {
            Refusal::Oversized => Metrics::add(&self.dropped_oversized, 1),
            Refusal::Quarantined => Metrics::add(&self.dropped_quarantined, 1),
        }
        let mut map = self.refused.lock();
        let first = !map.contains_key(topic);
        let key = if first && map.len() >= REFUSED_TOPICS {
            OTHER_TOPICS
        } else {
            topic
        };
        let e = map.entry(key.to_owned()).or_default();
        match why {
            Refusal::Oversized => e.oversized += 1,
            Refusal::Quarantined => e.quarantined += 1,
        }
        e.last_size = size as u64;
        first
    }

    pub(super) fn set_error(&self, e: String) {
        *self.last_error.lock() = Some(e);
    }

    /// The counters now; `queued` messages wait in the hand-off queue.
    pub(super) fn snapshot(&self, queued: u64) -> MetricsSnapshot {
        let m = self;
        let connects = m.connects.load(Relaxed);
        MetricsSnapshot {
            connected: m.connected.load(Relaxed),
            queue_depth: m.depth.load(Relaxed) + queued,
            max_queue_depth: m.max_depth.load(Relaxed),
            published: m.published.load(Relaxed),
            coalesced: m.coalesced.load(Relaxed),
            dropped_queue_full: m.dropped_queue_full.load(Relaxed),
            dropped_overflow: m.dropped_overflow.load(Relaxed),
            dropped_rejected: m.dropped_rejected.load(Relaxed),
            dropped_shutdown: m.dropped_shutdown.load(Relaxed),
            resent: m.resent.load(Relaxed),
            reconnects: connects.saturating_sub(1),
            connect_failures: m.connect_failures.load(Relaxed),
            connection_losses: m.connection_losses.load(Relaxed),
            short_sessions: m.short_sessions.load(Relaxed),
            dropped_oversized: m.dropped_oversized.load(Relaxed),
            dropped_quarantined: m.dropped_quarantined.load(Relaxed),
            refused: m.refused.lock().clone(),
            last_error: m.last_error.lock().clone(),
        }
    }
}

/// A copy of the publisher's counters, serialised into the health payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MetricsSnapshot {
    pub connected: bool,
    /// Messages waiting: in the hand-off queue plus in the outbox.
    pub queue_depth: u64,
    /// Highest outbox depth seen (at most MQTT_QUEUE_SIZE plus retained topics).
    pub max_queue_depth: u64,
    pub published: u64,
    /// Retained messages replaced by a newer value before they were sent.
    pub coalesced: u64,
    pub dropped_queue_full: u64,
    pub dropped_overflow: u64,
    pub dropped_rejected: u64,
    pub dropped_shutdown: u64,
    /// Messages sent again after a connection loss (in flight, or retained replay).
    pub resent: u64,
    /// Successful connects after the first.
    pub reconnects: u64,
    pub connect_failures: u64,
    pub connection_losses: u64,
    /// Sessions lost within a few seconds of their CONNACK (another client with our id).
    pub short_sessions: u64,
    /// Messages over MQTT_MAX_PAYLOAD, never sent.
    pub dropped_oversized: u64,
    /// Messages the broker dropped the connection over, twice (see [`super::poison`]).
    pub dropped_quarantined: u64,
    /// Oversized and quarantined messages by topic (at most [`REFUSED_TOPICS`] named).
    pub refused: BTreeMap<String, TopicDrops>,
    pub last_error: Option<String>,
}

impl MetricsSnapshot {
    /// Every message dropped, whatever the reason.
    pub fn dropped(&self) -> u64 {
        self.dropped_queue_full
            + self.dropped_overflow
            + self.dropped_rejected
            + self.dropped_shutdown
            + self.dropped_oversized
            + self.dropped_quarantined
    }
}

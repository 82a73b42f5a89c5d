//! The publisher's pending messages: retained state coalesced by topic, events bounded.
//!
//! Pure data structure (no I/O, no clock). Every message gets a key when it is accepted:
//! its class (urgent before normal) and a sequence number; the outbox hands messages out
//! in key order, which keeps the order of each topic. Urgent is for what must reach a
//! freshly (re)connected broker first: the "online" health and the retained-state replay. A retained message replaces a pending retained message of the same topic
//! (only the newest state matters); events are kept up to the capacity and the oldest
//! event is dropped first. Retained messages are never dropped for capacity.
use super::Message;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Order of a pending message: (class, sequence); class 0 (urgent) goes before 1.
pub type Key = (u8, u64);

/// A message waiting to be sent, with the key that orders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub key: Key,
    pub msg: Message,
}

/// What `push` did, so the caller can count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PushOutcome {
    /// A pending retained message of the same topic was replaced.
    pub coalesced: bool,
    /// Events dropped (oldest first) to stay within the capacity.
    pub dropped_events: usize,
}

/// Pending messages, ordered by sequence number. See the module docs.
#[derive(Debug)]
pub struct Outbox {
    capacity: usize,
    next_seq: u64,
    by_seq: BTreeMap<Key, Message>,
    retained: HashMap<String, Key>,
    events: BTreeSet<Key>,
}

impl Outbox {
    /// An empty outbox holding at most `capacity` messages (retained topics excepted, see
    /// the module docs). A capacity of 0 is treated as 1.
    pub fn new(capacity: usize) -> Self {
        Outbox {
            capacity: capacity.max(1),
            next_seq: 0,
            by_seq: BTreeMap::new(),
            retained: HashMap::new(),
            events: BTreeSet::new(),
        }
    }

    /// Number of pending messages.
    pub fn len(&self) -> usize {
        self.by_seq.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.by_seq.is_empty()
    }

    /// True when a retained message for `topic` is pending.
    pub fn has_retained(&self, topic: &str) -> bool {
        self.retained.contains_key(topic)
    }

    /// Accepts a new message at the back of the order.
    pub fn push(&mut self, msg: Message) -> PushOutcome {
        self.push_class(1, msg)
    }

    /// Accepts a message that goes before every normal one (after earlier urgent ones).
    pub fn push_urgent(&mut self, msg: Message) -> PushOutcome {
        self.push_class(0, msg)
    }

    fn push_class(&mut self, class: u8, msg: Message) -> PushOutcome {
        let key = (class, self.next_seq);
        self.next_seq += 1;
        self.insert(key, msg)
    }

    /// Puts back a message that was handed out but not delivered, at its old place in the
    /// order. It is discarded when a newer retained message for its topic is pending.
    /// Returns what was dropped to make room, like [`Outbox::push`].
    pub fn requeue(&mut self, p: Pending) -> PushOutcome {
        if p.msg.retain {
            if let Some(&newer) = self.retained.get(&p.msg.topic) {
                if newer.1 > p.key.1 {
                    return PushOutcome {
                        coalesced: true,
                        dropped_events: 0,
                    };
                }
            }
        }
        self.insert(p.key, p.msg)
    }

    /// The oldest pending message, left in place.
    pub fn peek(&self) -> Option<&Message> {
        self.by_seq.first_key_value().map(|(_, m)| m)
    }

    /// Hands out the oldest pending message.
    pub fn pop(&mut self) -> Option<Pending> {
        let (key, msg) = self.by_seq.pop_first()?;
        if msg.retain {
            self.retained.remove(&msg.topic);
        } else {
            self.events.remove(&key);
        }
        Some(Pending { key, msg })
    }

    /// Takes the message with `key` out (a quarantined one), if it is still pending.
    pub fn remove(&mut self, key: Key) -> Option<Message> {
        let msg = self.by_seq.remove(&key)?;
        if msg.retain {
            if self.retained.get(&msg.topic) == Some(&key) {
                self.retained.remove(&msg.topic);
            }
        } else {
            self.events.remove(&key);
        }
        Some(msg)
    }

    fn insert(&mut self, key: Key, msg: Message) -> PushOutcome {
        let mut out = PushOutcome::default();
        if msg.retain {
            if let Some(old) = self.retained.insert(msg.topic.clone(), key) {
                self.by_seq.remove(&old);
                out.coalesced = true;
            }
        } else {
            self.events.insert(key);
        }
        self.by_seq.insert(key, msg);
        while self.by_seq.len() > self.capacity {
            let Some(oldest) = self.events.pop_first() else {
                break; // only retained state left: it is never dropped
            };
            self.by_seq.remove(&oldest);
            out.dropped_events += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(topic: &str, body: &str) -> Message {
        Message::event(topic, body.as_bytes().to_vec())
    }
    fn st(topic: &str, body: &str) -> Message {
        Message::retained(topic, body.as_bytes().to_vec())
    }
    fn drain(o: &mut Outbox) -> Vec<(String, String)> {
        std::iter::from_fn(|| o.pop())
            .map(|p| {
                (
                    p.msg.topic.clone(),
                    String::from_utf8(p.msg.payload.clone()).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn messages_come_out_in_the_order_they_were_accepted() {
        let mut o = Outbox::new(10);
        o.push(ev("a", "1"));
        o.push(st("s", "x"));
        o.push(ev("a", "2"));
        assert_eq!(
            drain(&mut o),
            vec![
                ("a".into(), "1".into()),
                ("s".into(), "x".into()),
                ("a".into(), "2".into())
            ]
        );
    }

    #[test]
    fn a_newer_retained_value_replaces_the_pending_one_of_its_topic() {
        let mut o = Outbox::new(10);
        assert!(!o.push(st("s", "1")).coalesced);
        o.push(ev("e", "x"));
        assert!(o.push(st("s", "2")).coalesced);
        assert_eq!(o.len(), 2);
        assert_eq!(
            drain(&mut o),
            vec![("e".into(), "x".into()), ("s".into(), "2".into())]
        );
    }

    #[test]
    fn overflow_drops_the_oldest_events_and_keeps_every_retained_topic() {
        let mut o = Outbox::new(3);
        o.push(st("s1", "a"));
        o.push(ev("e", "1"));
        o.push(ev("e", "2"));
        let out = o.push(ev("e", "3"));
        assert_eq!(out.dropped_events, 1);
        let out = o.push(st("s2", "b"));
        assert_eq!(out.dropped_events, 1);
        assert_eq!(
            drain(&mut o),
            vec![
                ("s1".into(), "a".into()),
                ("e".into(), "3".into()),
                ("s2".into(), "b".into())
            ]
        );
    }

    #[test]
    fn retained_topics_beyond_the_capacity_are_kept() {
        let mut o = Outbox::new(2);
        for i in 0..5 {
            assert_eq!(o.push(st(&format!("s{i}"), "v")).dropped_events, 0);
        }
        assert_eq!(o.len(), 5);
    }

    #[test]
    fn urgent_messages_go_before_normal_ones_in_their_own_order() {
        let mut o = Outbox::new(10);
        o.push(ev("e", "1"));
        o.push_urgent(st("health", "online"));
        o.push_urgent(st("s", "replay"));
        assert_eq!(
            drain(&mut o)
                .into_iter()
                .map(|(_, b)| b)
                .collect::<Vec<_>>(),
            ["online", "replay", "1"]
        );
    }

    #[test]
    fn a_requeued_message_goes_back_to_its_old_place() {
        let mut o = Outbox::new(10);
        o.push(ev("a", "1"));
        o.push(ev("a", "2"));
        let first = o.pop().unwrap();
        o.push(ev("a", "3"));
        o.requeue(first);
        assert_eq!(
            drain(&mut o)
                .into_iter()
                .map(|(_, b)| b)
                .collect::<Vec<_>>(),
            ["1", "2", "3"]
        );
    }

    #[test]
    fn a_requeued_retained_value_loses_to_a_newer_pending_one() {
        let mut o = Outbox::new(10);
        o.push(st("s", "old"));
        let old = o.pop().unwrap();
        o.push(st("s", "new"));
        assert!(o.requeue(old).coalesced);
        assert_eq!(drain(&mut o), vec![("s".into(), "new".into())]);
    }

    #[test]
    fn a_removed_message_leaves_the_rest_in_order() {
        let mut o = Outbox::new(10);
        o.push(ev("a", "1"));
        o.push(st("big", "x"));
        o.push(ev("a", "2"));
        let _delivered = o.pop().unwrap();
        let big = o.pop().unwrap();
        o.requeue(big.clone());
        assert_eq!(o.remove(big.key).map(|m| m.topic), Some("big".to_owned()));
        assert!(!o.has_retained("big"));
        assert_eq!(o.remove(big.key), None, "gone");
        assert_eq!(drain(&mut o), vec![("a".into(), "2".into())]);
    }

    #[test]
    fn a_requeued_retained_value_stays_when_nothing_newer_is_pending() {
        let mut o = Outbox::new(10);
        o.push(st("s", "v"));
        let p = o.pop().unwrap();
        assert!(!o.has_retained("s"));
        o.requeue(p);
        assert!(o.has_retained("s"));
        assert_eq!(drain(&mut o), vec![("s".into(), "v".into())]);
    }
}

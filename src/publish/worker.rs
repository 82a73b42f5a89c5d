//! The `mqtt-publish` thread: moves messages from the bounded hand-off queue into the
//! [`Outbox`], sends them with a bounded window of in-flight paho tokens (pipelined QoS1,
//! no executor: tokens are polled and waited on), and keeps the latest acknowledged value
//! of every retained topic to replay after each (re)connect.
//!
//! Design: messages in flight when the link drops are put back at their old place in the
//! order and sent again after the reconnect, through the new session's client (the old
//! one, with whatever paho still held, is dropped): at-least-once, and the first arrivals
//! per topic keep their order.
//!
//! Guards: a message over MQTT_MAX_PAYLOAD is refused when it is taken from the queue; the
//! oldest unacknowledged message at each loss goes to the [`PoisonWatch`], which picks the
//! message to quarantine (taken out of the outbox, so everything behind it flows again).
use super::conn::Link;
use super::outbox::{Outbox, Pending};
use super::poison::PoisonWatch;
use super::{Message, Metrics, Settings, ShutdownReport};

mod guard;
mod inflight;
mod replay;

use crossbeam_channel::{never, select, Receiver, Sender};
use inflight::{InFlight, PublishFailure};
use paho_mqtt as mqtt;
use replay::{patience, stop_times, Retained};
use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Pause after paho refused a publish while connected (its command buffer is full).
const HOLD: Duration = Duration::from_millis(10);

pub(super) struct Worker {
    /// The current session's client; `None` while the link is down.
    client: Option<mqtt::AsyncClient>,
    settings: Settings,
    rx: Receiver<Message>,
    link_rx: Receiver<Link>,
    stop_rx: Receiver<Instant>,
    conn_stop_tx: Sender<()>,
    done_tx: Sender<ShutdownReport>,
    metrics: Arc<Metrics>,
    outbox: Outbox,
    inflight: VecDeque<InFlight>,
    /// Latest acknowledged retained message per topic, replayed after each (re)connect.
    delivered: Retained,
    up: bool,
    rx_open: bool,
    overflowing: bool,
    /// After paho refused a publish while connected: send again from this instant.
    hold_until: Option<Instant>,
    /// Set by a stop: flush until this instant, then send the offline message.
    flush_until: Option<Instant>,
    deadline: Option<Instant>,
    poison: PoisonWatch,
    /// When this session's trouble was first seen (a failed token), and the messages then
    /// in flight (see guard.rs).
    loss_seen: Option<(Instant, Vec<guard::Suspect>)>,
    /// Failed connects counted when the last session was lost.
    failures_at_down: u64,
}

impl Worker {
    #[allow(clippy::too_many_arguments)] // private constructor wired once by `start`
    pub(super) fn new(
        settings: Settings,
        rx: Receiver<Message>,
        link_rx: Receiver<Link>,
        stop_rx: Receiver<Instant>,
        conn_stop_tx: Sender<()>,
        done_tx: Sender<ShutdownReport>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Worker {
            outbox: Outbox::new(settings.queue_size),
            client: None,
            settings,
            rx,
            link_rx,
            stop_rx,
            conn_stop_tx,
            done_tx,
            metrics,
            inflight: VecDeque::new(),
            delivered: Retained::default(),
            up: false,
            rx_open: true,
            overflowing: false,
            hold_until: None,
            flush_until: None,
            deadline: None,
            poison: PoisonWatch::default(),
            loss_seen: None,
            failures_at_down: 0,
        }
    }

    pub(super) fn run(mut self) {
        loop {
            self.absorb();
            if self.up {
                self.fill();
            }
            self.reap();
            self.update_depth();
            if let Some(until) = self.flush_until {
                let flushed =
                    self.outbox.is_empty() && self.inflight.is_empty() && self.rx.is_empty();
                if flushed || Instant::now() >= until {
                    break;
                }
            }
            self.wait();
        }
        self.finish();
    }

    /// Takes everything that is ready without blocking (input bounded per round).
    fn absorb(&mut self) {
        for _ in 0..self.settings.queue_size.max(1) {
            match self.rx.try_recv() {
                Ok(m) => self.accept(m),
                Err(_) => break,
            }
        }
        while let Ok(l) = self.link_rx.try_recv() {
            self.on_link(l);
        }
        if self.flush_until.is_none() {
            match self.stop_rx.try_recv() {
                Ok(d) => self.on_stop(d),
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.on_stop(Instant::now() + Duration::from_secs(1))
                }
                Err(crossbeam_channel::TryRecvError::Empty) => {}
            }
        }
    }

    /// Takes one message from the hand-off queue into the outbox (unless it is too large).
    fn accept(&mut self, m: Message) {
        if self.oversized(&m) {
            return;
        }
        let out = self.outbox.push(m);
        self.count_push(out);
        self.metrics
            .max_depth
            .fetch_max(self.outbox.len() as u64, Relaxed);
    }

    fn count_push(&mut self, out: super::outbox::PushOutcome) {
        if out.coalesced {
            Metrics::add(&self.metrics.coalesced, 1);
        }
        if out.dropped_events > 0 {
            Metrics::add(&self.metrics.dropped_overflow, out.dropped_events as u64);
            if !self.overflowing {
                self.overflowing = true;
                log::warn!(
                    "mqtt outbox full ({} messages, broker {}): dropping oldest events",
                    self.settings.queue_size,
                    if self.up { "slow" } else { "unreachable" }
                );
            }
        }
    }

    fn on_stop(&mut self, deadline: Instant) {
        let (flush_until, deadline) = stop_times(Instant::now(), deadline);
        self.flush_until = Some(flush_until);
        self.deadline = Some(deadline);
    }

    fn on_link(&mut self, l: Link) {
        match l {
            Link::Down => {
                self.up = false;
                self.client = None;
                let unacked = self.requeue_inflight();
                self.judge_loss(unacked);
                self.failures_at_down = self.metrics.connect_failures.load(Relaxed);
            }
            Link::Up(client) => {
                self.up = true;
                self.client = Some(client);
                self.loss_seen = None;
                if self.metrics.connect_failures.load(Relaxed) > self.failures_at_down {
                    // The broker was away: it refused nothing (poison.rs).
                    self.poison.clear();
                }
                let s = &self.settings;
                let mut first = s.availability_messages("online");
                if let Some(hook) = &s.on_connect {
                    first.extend(hook());
                }
                for m in first {
                    if self.oversized(&m) {
                        continue;
                    }
                    let out = self.outbox.push_urgent(m);
                    self.count_push(out);
                }
                let replay = self
                    .delivered
                    .replay(|topic| self.outbox.has_retained(topic));
                Metrics::add(&self.metrics.resent, replay.len() as u64);
                for m in replay {
                    self.outbox.push_urgent(m);
                }
            }
        }
    }

    /// After a loss: what was acknowledged counts, the rest goes back to the outbox.
    /// Returns the unacknowledged ones.
    fn requeue_inflight(&mut self) -> Vec<guard::Suspect> {
        let mut unacked = Vec::new();
        for mut f in std::mem::take(&mut self.inflight) {
            match f.poll() {
                Some(Ok(())) => self.delivered_ok(f.p),
                _ => {
                    unacked.push(guard::Suspect::of(&f));
                    Metrics::add(&self.metrics.resent, 1);
                    let out = self.outbox.requeue(f.p);
                    self.count_push(out);
                }
            }
        }
        unacked
    }

    fn fill(&mut self) {
        if let Some(t) = self.hold_until {
            if Instant::now() < t {
                return;
            }
            self.hold_until = None;
        }
        let Some(client) = self.client.clone() else {
            self.up = false;
            return;
        };
        while self.inflight.len() < self.settings.inflight_window.max(1) {
            if !self.may_send_next() {
                break;
            }
            let Some(p) = self.outbox.pop() else { break };
            let m = if p.msg.retain {
                mqtt::Message::new_retained(
                    p.msg.topic.as_str(),
                    p.msg.payload.clone(),
                    i32::from(p.msg.qos),
                )
            } else {
                mqtt::Message::new(
                    p.msg.topic.as_str(),
                    p.msg.payload.clone(),
                    i32::from(p.msg.qos),
                )
            };
            // Before the hand-off: a loss noticed right after must find it set.
            *self.metrics.last_send.lock() = Some(Instant::now());
            let token: mqtt::Token = client.publish(m).into();
            let mut f = InFlight {
                p,
                token,
                since: Instant::now(),
                done: None,
            };
            match f.poll() {
                // paho refused it at once (session gone, its buffer full): put it back at
                // its place and stop here, so nothing later can overtake it.
                Some(Err(PublishFailure::Transient(e))) => {
                    log::debug!("mqtt publish to {} deferred: {e}", f.p.msg.topic);
                    if client.is_connected() {
                        self.hold_until = Some(Instant::now() + HOLD);
                    } else {
                        // The session died as this went out: it is in flight for the
                        // poison rule (guard.rs).
                        self.up = false;
                        self.note_trouble(&f);
                    }
                    let out = self.outbox.requeue(f.p);
                    self.count_push(out);
                    break;
                }
                r => {
                    f.done = r;
                    self.inflight.push_back(f);
                }
            }
        }
        if self.outbox.is_empty() {
            self.overflowing = false;
        }
    }

    fn reap(&mut self) {
        while let Some(f) = self.inflight.front_mut() {
            let Some(res) = f.poll() else { break };
            let Some(f) = self.inflight.pop_front() else {
                break;
            };
            match res {
                Ok(()) => self.delivered_ok(f.p),
                Err(PublishFailure::Transient(e)) => {
                    // Link trouble: keep the message, pause until the link is confirmed
                    // (a Down/Up pair from the conn thread, or the 1 s check in `wait`).
                    log::debug!("mqtt publish to {} interrupted: {e}", f.p.msg.topic);
                    self.note_trouble(&f);
                    self.up = false;
                    Metrics::add(&self.metrics.resent, 1);
                    let out = self.outbox.requeue(f.p);
                    self.count_push(out);
                }
                Err(PublishFailure::Permanent(e)) => {
                    Metrics::add(&self.metrics.dropped_rejected, 1);
                    let text = format!("publish to {}: {e}", f.p.msg.topic);
                    log::warn!("mqtt {text}; message dropped");
                    self.metrics.set_error(text);
                }
            }
        }
    }

    fn delivered_ok(&mut self, p: Pending) {
        Metrics::add(&self.metrics.published, 1);
        self.poison.delivered(&p.msg.topic);
        self.delivered.acknowledged(p);
    }

    /// Is the current session's client connected?
    fn connected(&self) -> bool {
        self.client
            .as_ref()
            .is_some_and(mqtt::AsyncClient::is_connected)
    }

    fn update_depth(&self) {
        let d = self.outbox.len() as u64;
        self.metrics.depth.store(d, Relaxed);
        self.metrics.max_depth.fetch_max(d, Relaxed);
    }

    /// Blocks until there is something to do: the front token completes, a message or a
    /// link change arrives, or a deadline passes. Never spins.
    fn wait(&mut self) {
        let now = Instant::now();
        let held = self.hold_until.is_some_and(|t| now < t);
        let room = self.inflight.len() < self.settings.inflight_window.max(1);
        if self.up && !held && room && self.may_send_next() {
            // Sendable work: QoS0 tokens complete at once, so `reap` can empty the whole
            // window in one pass; go straight back to `fill`.
            return;
        }
        if self.up && !self.inflight.is_empty() {
            if let Some(f) = self.inflight.front_mut() {
                f.wait(patience(f.since.elapsed()));
            }
            return;
        }
        let timeout = match self.flush_until {
            Some(until) => until.saturating_duration_since(now),
            // Offline: look again each second in case a loss was reported by a failed
            // token while the session is in fact still up.
            None if !self.up => Duration::from_secs(1),
            None => Duration::from_secs(3600),
        };
        let timeout = match self.hold_until {
            Some(t) => timeout.min(t.saturating_duration_since(now)),
            None => timeout,
        };
        let rx = if self.rx_open {
            self.rx.clone()
        } else {
            never()
        };
        let stop = if self.flush_until.is_none() {
            self.stop_rx.clone()
        } else {
            never()
        };
        select! {
            recv(rx) -> m => match m {
                Ok(m) => self.accept(m),
                Err(_) => self.rx_open = false,
            },
            recv(self.link_rx) -> l => if let Ok(l) = l { self.on_link(l) },
            recv(stop) -> d => self.on_stop(d.unwrap_or_else(|_| Instant::now() + Duration::from_secs(1))),
            default(timeout) => {
                if !self.up && self.metrics.connected.load(Relaxed) && self.connected() {
                    // (`loss_seen` stays: a Down may still follow; judge_loss drops it
                    // when stale.)
                    self.up = true;
                }
            }
        }
    }

    /// Counts what could not be sent, publishes the offline message, stops the conn thread.
    fn finish(mut self) {
        while let Ok(m) = self.rx.try_recv() {
            self.accept(m);
        }
        self.reap();
        let unsent = (self.outbox.len() + self.inflight.len()) as u64;
        Metrics::add(&self.metrics.dropped_shutdown, unsent);
        let mut offline_sent = false;
        if let Some(client) = self.client.clone().filter(|c| self.up && c.is_connected()) {
            let left = self
                .deadline
                .map(|d| d.saturating_duration_since(Instant::now()))
                .unwrap_or_default()
                .max(Duration::from_millis(300));
            // Every availability topic's offline, sent together; acknowledged = all were.
            let tokens: Vec<mqtt::DeliveryToken> = self
                .settings
                .availability_messages("offline")
                .into_iter()
                .map(|m| client.publish(mqtt::Message::new_retained(m.topic, m.payload, 1)))
                .collect();
            let end = Instant::now() + left;
            offline_sent = !tokens.is_empty();
            for t in tokens {
                let ok = t
                    .wait_for(end.saturating_duration_since(Instant::now()))
                    .is_ok();
                offline_sent &= ok;
                if ok {
                    Metrics::add(&self.metrics.published, 1);
                }
            }
        }
        if unsent > 0 {
            log::warn!("mqtt shutdown: {unsent} message(s) not sent before the deadline");
        }
        let _ = self.conn_stop_tx.send(());
        self.update_depth();
        let _ = self.done_tx.send(ShutdownReport {
            unsent,
            offline_sent,
        });
    }
}

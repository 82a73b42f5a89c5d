//! The MQTT publisher: a never-blocking handle, a connection thread and a publisher thread.
//!
//! [`start`] spawns `mqtt-conn` (connect, backoff with jitter, reconnect after loss) and
//! `mqtt-publish` (drains the bounded queue into an [`outbox::Outbox`], sends with a
//! bounded window of pipelined QoS1 tokens, replays retained state after every connect).
//! [`Publisher::publish`] only does a `try_send`: callers never wait for the network.
//! Topic names and payload shapes of the MQTT contract live in [`topics`].
//!
//! Two guards keep one bad peer from wedging the link: short sessions (a client-id
//! collision) back off like failed connects ([`session`]), and a message the broker answers
//! by dropping the connection is quarantined ([`poison`]); messages over MQTT_MAX_PAYLOAD
//! are never sent. Both kinds of drop are counted by topic in [`MetricsSnapshot::refused`].
mod backoff;
mod conn;
pub mod outbox;
pub mod poison;
pub mod session;
pub mod topics;
mod worker;

pub use backoff::Backoff;

use crate::config::Config;
use crate::secret::Secret;
use crate::time::now_iso8601;
use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One message to publish. Topics are final (prefix already applied, see [`topics`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub topic: String,
    pub payload: Vec<u8>,
    pub qos: u8,
    pub retain: bool,
}

impl Message {
    /// A retained QoS1 message: state, coalesced by topic while the broker is away.
    pub fn retained(topic: impl Into<String>, payload: impl Into<Vec<u8>>) -> Self {
        Message {
            topic: topic.into(),
            payload: payload.into(),
            qos: 1,
            retain: true,
        }
    }

    /// A non-retained QoS1 message: an event, dropped oldest-first on overflow.
    pub fn event(topic: impl Into<String>, payload: impl Into<Vec<u8>>) -> Self {
        Message {
            topic: topic.into(),
            payload: payload.into(),
            qos: 1,
            retain: false,
        }
    }

    /// The same message at another QoS (0, 1 or 2; larger values become 2).
    pub fn with_qos(mut self, qos: u8) -> Self {
        self.qos = qos.min(2);
        self
    }
}

/// Why [`Publisher::publish`] did not take a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The queue is full; the message was dropped and counted.
    #[error("mqtt publish queue is full; message dropped")]
    QueueFull,
    /// The publisher is shutting down or gone.
    #[error("mqtt publisher is shut down")]
    Closed,
}

/// TLS material for `ssl://` connections (needs the `tls` cargo feature).
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub ca_path: PathBuf,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

/// One topic of the online/offline messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    pub topic: String,
    /// Plain `online`/`offline` (the current contract) instead of the original's JSON.
    pub plain: bool,
}

impl Availability {
    /// The original's JSON on `topic` (`{node_id, service, status, timestamp}`).
    pub fn json(topic: impl Into<String>) -> Self {
        Availability {
            topic: topic.into(),
            plain: false,
        }
    }

    /// The payload for `status` (`online`/`offline`) at `timestamp`.
    pub fn payload(&self, node_id: &str, status: &str, timestamp: &str) -> Vec<u8> {
        if self.plain {
            status.as_bytes().to_vec()
        } else {
            topics::availability_payload(node_id, status, timestamp)
        }
    }
}

/// The availability topics of the configured contract: the original's JSON LWT and/or the
/// current stack's plain one. With both, the will is the original's (one per connection).
fn availability_for(cfg: &Config, legacy: &topics::Topics) -> Vec<Availability> {
    let contract = cfg.mqtt.contract;
    let mut v = Vec::new();
    if contract.legacy() {
        v.push(Availability::json(legacy.lwt(&cfg.node_id)));
    }
    if contract.current() {
        v.push(Availability {
            topic: topics::CurrentTopics::new(&cfg.mqtt.current_prefix).lwt(),
            plain: true,
        });
    }
    v
}

/// Everything the publisher needs; built from [`Config`] or by tests.
#[derive(Clone)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    pub client_id: String,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub tls: Option<TlsSettings>,
    pub keepalive: Duration,
    pub queue_size: usize,
    /// QoS1 messages sent and not yet acknowledged, at most.
    pub inflight_window: usize,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub connect_timeout: Duration,
    pub node_id: String,
    /// Where the online/offline messages go; the first is also the last will.
    pub availability: Vec<Availability>,
    /// Messages with a larger payload are never sent (MQTT_MAX_PAYLOAD).
    pub max_payload: usize,
    /// Called on the publisher thread at every (re)connect; its messages go out right
    /// after the "online" message and before the replay (e.g. a fresh health report).
    pub on_connect: Option<Arc<dyn Fn() -> Vec<Message> + Send + Sync>>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("server", &self.server_uri())
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("tls", &self.tls)
            .field("keepalive", &self.keepalive)
            .field("queue_size", &self.queue_size)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Settings from the service configuration (keepalive, queue, TLS, credentials, LWT).
    pub fn from_config(cfg: &Config) -> Self {
        let m = &cfg.mqtt;
        let topics = topics::Topics::new(&m.topic_prefix);
        Settings {
            host: m.broker.clone(),
            port: m.port,
            client_id: m.client_id.clone(),
            username: m.username.clone(),
            password: m.password.clone(),
            tls: m.tls.then(|| TlsSettings {
                ca_path: m.tls_ca_path.clone(),
                client_cert: m.client_cert.clone(),
                client_key: m.client_key.clone(),
            }),
            keepalive: m.keepalive,
            queue_size: m.queue_size,
            inflight_window: 256,
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            node_id: cfg.node_id.clone(),
            availability: availability_for(cfg, &topics),
            max_payload: m.max_payload,
            on_connect: None,
        }
    }

    /// The retained online/offline messages for `status`, one per availability topic.
    pub fn availability_messages(&self, status: &str) -> Vec<Message> {
        let now = now_iso8601();
        self.availability
            .iter()
            .map(|a| Message::retained(a.topic.clone(), a.payload(&self.node_id, status, &now)))
            .collect()
    }

    /// `tcp://host:port`, or `ssl://…` with TLS. IPv6 literals get brackets.
    pub fn server_uri(&self) -> String {
        let scheme = if self.tls.is_some() { "ssl" } else { "tcp" };
        if self.host.contains(':') && !self.host.starts_with('[') {
            format!("{scheme}://[{}]:{}", self.host, self.port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }
}

/// Counters kept by the publisher; read with [`Publisher::metrics`].
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    connected: AtomicBool,
    depth: AtomicU64,
    max_depth: AtomicU64,
    published: AtomicU64,
    coalesced: AtomicU64,
    dropped_queue_full: AtomicU64,
    dropped_overflow: AtomicU64,
    dropped_rejected: AtomicU64,
    dropped_shutdown: AtomicU64,
    resent: AtomicU64,
    connects: AtomicU64,
    connect_failures: AtomicU64,
    connection_losses: AtomicU64,
    short_sessions: AtomicU64,
    dropped_oversized: AtomicU64,
    dropped_quarantined: AtomicU64,
    refused: Mutex<BTreeMap<String, TopicDrops>>,
    /// When the publisher thread last handed messages to the client (a loss right after
    /// that is not taken for a client-id collision).
    last_send: Mutex<Option<Instant>>,
    last_error: Mutex<Option<String>>,
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
    /// Sent, and the broker dropped the connection each time (see [`poison`]).
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
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    /// Counts a refused message of `topic`; true when it is the first of its topic.
    fn refuse(&self, topic: &str, size: usize, why: Refusal) -> bool {
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

    fn set_error(&self, e: String) {
        *self.last_error.lock() = Some(e);
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
    /// Messages the broker dropped the connection over, twice (see [`poison`]).
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

/// Cloneable, never-blocking handle to the publisher (like mdns-sd's `ServiceDaemon`).
#[derive(Clone)]
pub struct Publisher {
    tx: Sender<Message>,
    closed: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
}

impl Publisher {
    /// A publisher with no MQTT session behind it: what it queues (at most `capacity`
    /// messages) comes out of the receiver returned alongside. For the service's tests.
    #[must_use]
    pub fn detached(capacity: usize) -> (Publisher, Receiver<Message>) {
        let (tx, rx) = bounded::<Message>(capacity.max(1));
        let publisher = Publisher {
            tx,
            closed: Arc::new(AtomicBool::new(false)),
            metrics: Arc::new(Metrics::default()),
        };
        (publisher, rx)
    }

    /// Queues `msg` without blocking.
    ///
    /// # Errors
    /// [`PublishError::QueueFull`] when the hand-off queue is full (the message is dropped
    /// and counted), [`PublishError::Closed`] once shutdown has begun.
    pub fn publish(&self, msg: Message) -> Result<(), PublishError> {
        if self.closed.load(Relaxed) {
            return Err(PublishError::Closed);
        }
        match self.tx.try_send(msg) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                Metrics::add(&self.metrics.dropped_queue_full, 1);
                Err(PublishError::QueueFull)
            }
            Err(TrySendError::Disconnected(_)) => Err(PublishError::Closed),
        }
    }

    /// The current counters.
    pub fn metrics(&self) -> MetricsSnapshot {
        let m = &self.metrics;
        let connects = m.connects.load(Relaxed);
        MetricsSnapshot {
            connected: m.connected.load(Relaxed),
            queue_depth: m.depth.load(Relaxed) + self.tx.len() as u64,
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

/// Why the publisher could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    #[error("mqtt client for {uri}: {source}")]
    Client {
        uri: String,
        #[source]
        source: paho_mqtt::Error,
    },
    #[error("MQTT_TLS=true but this binary was built without the `tls` feature")]
    TlsNotBuilt,
    #[error("{what} ({path}): cannot read: {source}")]
    TlsUnreadable {
        what: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("mqtt TLS option {what} ({path}): {source}")]
    TlsFile {
        what: &'static str,
        path: String,
        #[source]
        source: paho_mqtt::Error,
    },
    #[error("cannot spawn thread {name}: {source}")]
    Spawn {
        name: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// What [`Mqtt::shutdown`] achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Messages still queued at the deadline (dropped).
    pub unsent: u64,
    /// The offline message was acknowledged by the broker.
    pub offline_sent: bool,
}

/// The running publisher: a [`Publisher`] handle plus the two threads behind it.
pub struct Mqtt {
    publisher: Publisher,
    stop_tx: Sender<Instant>,
    done_rx: Receiver<ShutdownReport>,
    threads: Vec<JoinHandle<()>>,
}

impl Mqtt {
    /// A handle for callers; clone it freely.
    pub fn publisher(&self) -> Publisher {
        self.publisher.clone()
    }

    /// Stops accepting, sends what is queued until `deadline` (less a short reserve),
    /// publishes the retained offline message, disconnects cleanly and joins the threads.
    pub fn shutdown(self, deadline: Duration) -> ShutdownReport {
        self.publisher.closed.store(true, Relaxed);
        let _ = self.stop_tx.send(Instant::now() + deadline);
        let report = self
            .done_rx
            .recv_timeout(deadline + Duration::from_secs(3))
            .unwrap_or(ShutdownReport {
                unsent: self.publisher.metrics().queue_depth,
                offline_sent: false,
            });
        for t in self.threads {
            let _ = t.join();
        }
        report
    }
}

/// Creates the client and spawns the connection and publisher threads.
///
/// # Errors
/// A client that paho refuses to create (bad URI), TLS requested without the `tls`
/// feature or with unreadable files, or a thread that cannot be spawned.
pub fn start(settings: Settings) -> Result<Mqtt, StartError> {
    let uri = settings.server_uri();
    let client = new_client(&settings, &uri)?;
    conn::connect_options(&settings)?; // fail fast on TLS set-up errors

    let metrics = Arc::new(Metrics::default());
    let (tx, rx) = bounded::<Message>(settings.queue_size.max(1));
    // Rendezvous: the conn thread reconnects only after the publisher thread has taken
    // the Down (and so stopped sending on the old session); see worker.rs.
    let (link_tx, link_rx) = bounded::<conn::Link>(0);
    let (stop_tx, stop_rx) = bounded::<Instant>(1);
    let (conn_stop_tx, conn_stop_rx) = bounded::<()>(1);
    let (done_tx, done_rx) = bounded::<ShutdownReport>(1);

    let conn = conn::ConnThread {
        client,
        uri,
        settings: settings.clone(),
        link_tx,
        stop_rx: conn_stop_rx,
        metrics: metrics.clone(),
    };
    let conn_handle = spawn("mqtt-conn", move || conn.run())?;
    let w = worker::Worker::new(
        settings,
        rx,
        link_rx,
        stop_rx,
        conn_stop_tx,
        done_tx,
        metrics.clone(),
    );
    let pub_handle = spawn("mqtt-publish", move || w.run())?;
    Ok(Mqtt {
        publisher: Publisher {
            tx,
            closed: Arc::new(AtomicBool::new(false)),
            metrics,
        },
        stop_tx,
        done_rx,
        threads: vec![conn_handle, pub_handle],
    })
}

/// A paho client for one session (the conn thread makes a new one after each loss, so
/// nothing queued in the old one can go out on the next connection; see conn.rs).
///
/// # Errors
/// A URI paho refuses.
pub(crate) fn new_client(
    settings: &Settings,
    uri: &str,
) -> Result<paho_mqtt::AsyncClient, StartError> {
    paho_mqtt::CreateOptionsBuilder::new_v3()
        .server_uri(uri)
        .client_id(&settings.client_id)
        .persistence(None)
        // paho refuses a publish when this many wait in its command queue (default 100):
        // room for the whole window, twice.
        .max_buffered_messages((settings.inflight_window.max(1) * 2).min(1 << 20) as i32)
        .create_client()
        .map_err(|source| StartError::Client {
            uri: uri.to_owned(),
            source,
        })
}

fn spawn(
    name: &'static str,
    f: impl FnOnce() + Send + 'static,
) -> Result<JoinHandle<()>, StartError> {
    std::thread::Builder::new()
        .name(name.into())
        .stack_size(256 * 1024)
        .spawn(f)
        .map_err(|source| StartError::Spawn { name, source })
}

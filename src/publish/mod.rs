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
mod metrics;
pub mod outbox;
pub mod poison;
pub mod session;
pub mod topics;
mod worker;

pub use backoff::Backoff;
pub(crate) use metrics::{Metrics, Refusal};
pub use metrics::{MetricsSnapshot, TopicDrops, OTHER_TOPICS, REFUSED_TOPICS};

use crate::config::Config;
use crate::secret::Secret;
use crate::time::now_iso8601;
use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
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
        self.metrics.snapshot(self.tx.len() as u64)
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

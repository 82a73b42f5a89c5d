//! The `mqtt-conn` thread: owns the session. Connects (retrying forever with backoff and
//! jitter: paho itself does not retry a failed first connect), tells the publisher thread
//! when the link is up (handing it the session's client) or down, reconnects after a loss,
//! disconnects cleanly on stop. Keepalive pings run in paho's own C threads, so nothing
//! here can starve them. Failed connects and short sessions (a client-id collision) back
//! off alike ([`super::session`]); a collision is reported once per episode.
//!
//! Each session after a loss gets a new paho client. paho keeps publishes it had not yet
//! written when a connection dropped and sends them on the next connection of the same
//! client, ahead of the ones the publisher thread sends again: first arrivals per topic
//! then came out of order across a cut (about a third of the runs of the mqtt_inflight
//! test). The publisher resends everything unacknowledged itself, so the old client and
//! its queue are dropped instead.
use super::session::{AfterLoss, Sessions};
use super::{Metrics, Settings, StartError};
use crossbeam_channel::{bounded, select, Receiver, Sender};
use paho_mqtt as mqtt;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a session that reported no loss is checked with paho (a missed loss
/// callback cannot leave the link believed up for longer).
const LINK_CHECK: Duration = Duration::from_secs(5);

/// How late a loss may be noticed here after it happened (the callback's path).
const LOSS_NOTICE: Duration = Duration::from_millis(100);

/// Link state changes, sent to the publisher thread in the order they happen.
pub(super) enum Link {
    /// Connected; publish through this client (the session's).
    Up(mqtt::AsyncClient),
    /// The session is gone: drop its client.
    Down,
}

pub(super) struct ConnThread {
    pub client: mqtt::AsyncClient,
    pub uri: String,
    pub settings: Settings,
    pub link_tx: Sender<Link>,
    pub stop_rx: Receiver<()>,
    pub metrics: Arc<Metrics>,
}

/// Connect options: MQTT 3.1.1, clean session, keepalive, retained QoS1 last will,
/// credentials, TLS; paho's own automatic reconnect stays off (we own the retries).
pub(super) fn connect_options(s: &Settings) -> Result<mqtt::ConnectOptions, StartError> {
    let mut b = mqtt::ConnectOptionsBuilder::new_v3();
    b.keep_alive_interval(s.keepalive)
        .clean_session(true)
        .connect_timeout(s.connect_timeout)
        .max_inflight(paho_inflight_limit(s.inflight_window));
    if let Some(w) = s.availability_messages("offline").into_iter().next() {
        b.will_message(mqtt::Message::new_retained(w.topic, w.payload, 1));
    }
    if let Some(u) = &s.username {
        b.user_name(u.as_str());
    }
    if let Some(p) = &s.password {
        b.password(p.expose());
    }
    if let Some(tls) = &s.tls {
        b.ssl_options(ssl_options(tls)?);
    }
    Ok(b.finalize())
}

/// paho's own in-flight limit, with headroom over our window: paho counts a message
/// until it has processed the PUBACK, which can be after the token completed.
fn paho_inflight_limit(window: usize) -> i32 {
    (window.max(1) * 2).min(65535) as i32
}

#[cfg(feature = "tls")]
fn ssl_options(tls: &super::TlsSettings) -> Result<mqtt::SslOptions, StartError> {
    let file = |what: &'static str, p: &std::path::Path| -> Result<(), StartError> {
        std::fs::File::open(p)
            .map(|_| ())
            .map_err(|source| StartError::TlsUnreadable {
                what,
                path: p.display().to_string(),
                source,
            })
    };
    let mut b = mqtt::SslOptionsBuilder::new();
    file("TLS_CA_PATH", &tls.ca_path)?;
    b.trust_store(&tls.ca_path)
        .map_err(|source| StartError::TlsFile {
            what: "TLS_CA_PATH",
            path: tls.ca_path.display().to_string(),
            source,
        })?;
    if let (Some(cert), Some(key)) = (&tls.client_cert, &tls.client_key) {
        file("MQTT_CLIENT_CERT", cert)?;
        file("MQTT_CLIENT_KEY", key)?;
        b.key_store(cert).map_err(|source| StartError::TlsFile {
            what: "MQTT_CLIENT_CERT",
            path: cert.display().to_string(),
            source,
        })?;
        b.private_key(key).map_err(|source| StartError::TlsFile {
            what: "MQTT_CLIENT_KEY",
            path: key.display().to_string(),
            source,
        })?;
    }
    b.enable_server_cert_auth(true).verify(true);
    Ok(b.finalize())
}

#[cfg(not(feature = "tls"))]
fn ssl_options(_tls: &super::TlsSettings) -> Result<mqtt::SslOptions, StartError> {
    Err(StartError::TlsNotBuilt)
}

impl ConnThread {
    pub(super) fn run(mut self) {
        // Each loss names the client (session generation) it happened to: a loss of an
        // older client is stale, a loss of the current one is real even when it came
        // while the connect was still being confirmed (the broker died right after its
        // CONNACK). Discarding every loss seen at connect time instead once left the
        // thread believing in a dead session for good.
        let (lost_tx, lost_rx) = bounded::<u64>(16);
        let watch = |client: &mqtt::AsyncClient, generation: u64| {
            let lost_tx = lost_tx.clone();
            client.set_connection_lost_callback(move |_| {
                let _ = lost_tx.try_send(generation);
            });
        };
        let mut generation = 0u64;
        watch(&self.client, generation);
        let mut sessions = Sessions::new(self.settings.backoff_min, self.settings.backoff_max);
        let mut failures_in_row = 0u32;
        loop {
            match self.connect_once() {
                Attempt::Stopped => return,
                Attempt::Failed(e) => {
                    self.metrics.connect_failures.fetch_add(1, Relaxed);
                    failures_in_row += 1;
                    let delay = sessions.connect_failed(fastrand::f64());
                    // First failure and then every 10th at WARN; the rest at DEBUG.
                    let level = if failures_in_row % 10 == 1 {
                        log::Level::Warn
                    } else {
                        log::Level::Debug
                    };
                    log::log!(
                        level,
                        "mqtt connect to {} failed (attempt {failures_in_row}): {e}; retrying in {:.1}s",
                        self.uri,
                        delay.as_secs_f64()
                    );
                    self.metrics
                        .set_error(format!("connect to {}: {e}", self.uri));
                    select! {
                        recv(self.stop_rx) -> _ => return,
                        default(delay) => {}
                    }
                }
                Attempt::Connected => {
                    failures_in_row = 0;
                    let connected_at = Instant::now();
                    self.metrics.connected.store(true, Relaxed);
                    self.metrics.connects.fetch_add(1, Relaxed);
                    log::info!(
                        "mqtt connected to {} as {}",
                        self.uri,
                        self.settings.client_id
                    );
                    let _ = self.link_tx.send(Link::Up(self.client.clone()));
                    if !self.hold_session(&lost_rx, generation) {
                        self.disconnect();
                        return;
                    }
                    self.metrics.connected.store(false, Relaxed);
                    self.metrics.connection_losses.fetch_add(1, Relaxed);
                    let after_send =
                        self.metrics.last_send.lock().is_some_and(|t| {
                            t.elapsed() <= super::poison::RIGHT_AFTER + LOSS_NOTICE
                        });
                    let after = sessions.lost(connected_at.elapsed(), after_send, fastrand::f64());
                    self.report_loss(&after, connected_at.elapsed());
                    // A rendezvous: the publisher thread has dropped its clone once this
                    // returns.
                    let _ = self.link_tx.send(Link::Down);
                    match super::new_client(&self.settings, &self.uri) {
                        Ok(c) => {
                            generation += 1;
                            watch(&c, generation);
                            self.client = c;
                        }
                        // Not expected (the URI was accepted at start); the old client
                        // still reconnects.
                        Err(e) => log::warn!("mqtt: {e}; reconnecting with the old client"),
                    }
                    if let Some(delay) = after.delay {
                        select! {
                            recv(self.stop_rx) -> _ => return,
                            default(delay) => {}
                        }
                    }
                }
            }
        }
    }

    /// Logs a lost session and counts a short one: the first short session of an episode
    /// at WARN naming the client id, the others at DEBUG.
    fn report_loss(&self, after: &AfterLoss, lasted: Duration) {
        let id = &self.settings.client_id;
        let wait = after.delay.map_or_else(
            || "at once".to_owned(),
            |d| format!("in {:.1}s", d.as_secs_f64()),
        );
        if after.short {
            self.metrics.short_sessions.fetch_add(1, Relaxed);
        }
        if after.warn || (after.short && after.in_episode) {
            let text = format!(
                "another client is using client id {id}: a second instance with the same node id, \
                 or a health check that connects with it"
            );
            let level = if after.warn {
                log::Level::Warn
            } else {
                log::Level::Debug
            };
            log::log!(
                level,
                "mqtt: {text} (session to {} lost {:.2}s after its CONNACK; reconnecting {wait}, \
                 backing off while it lasts; set MQTT_CLIENT_ID to tell them apart)",
                self.uri,
                lasted.as_secs_f64()
            );
            self.metrics.set_error(text);
            return;
        }
        if let Some(n) = after.ended_episode {
            log::info!("mqtt: client id {id} is ours alone again after {n} short sessions");
        }
        self.metrics
            .set_error(format!("connection to {} lost", self.uri));
        log::warn!(
            "mqtt connection to {} lost {:.2}s after its CONNACK; reconnecting {wait}",
            self.uri,
            lasted.as_secs_f64()
        );
    }

    /// While connected: returns `true` when the session `generation` is lost (its loss
    /// callback, or paho no longer connected at a [`LINK_CHECK`]), `false` on stop.
    fn hold_session(&self, lost_rx: &Receiver<u64>, generation: u64) -> bool {
        loop {
            select! {
                recv(lost_rx) -> g => match g {
                    Ok(g) if g != generation => {} // an older client's loss
                    _ => return true,
                },
                recv(self.stop_rx) -> _ => return false,
                default(LINK_CHECK) => {
                    if !self.client.is_connected() {
                        return true;
                    }
                }
            }
        }
    }

    /// One connect attempt, abandoned early when a stop arrives.
    fn connect_once(&self) -> Attempt {
        // Rebuilt per attempt so the will's timestamp is the time of this session.
        let opts = match connect_options(&self.settings) {
            Ok(o) => o,
            Err(e) => return Attempt::Failed(e.to_string()),
        };
        let mut token: mqtt::Token = self.client.connect(opts);
        let deadline = Instant::now() + self.settings.connect_timeout + Duration::from_secs(2);
        loop {
            if let Some(res) = token.try_wait() {
                return match res {
                    Ok(_) => Attempt::Connected,
                    Err(e) => Attempt::Failed(describe(&e)),
                };
            }
            if Instant::now() >= deadline {
                return Attempt::Failed(NO_ANSWER.into());
            }
            select! {
                recv(self.stop_rx) -> _ => return Attempt::Stopped,
                default(Duration::from_millis(20)) => {}
            }
        }
    }

    fn disconnect(&self) {
        self.metrics.connected.store(false, Relaxed);
        let opts = mqtt::DisconnectOptionsBuilder::new()
            .timeout(Duration::from_millis(500))
            .finalize();
        if let Err(e) = self
            .client
            .disconnect(opts)
            .wait_for(Duration::from_secs(1))
        {
            log::debug!("mqtt disconnect from {}: {e}", self.uri);
        }
        log::info!("mqtt disconnected from {}", self.uri);
    }
}

/// A connect error in words. paho 0.14 displays a refused CONNACK as the literal `(0)`,
/// so the return code (e.g. "Not Authorized") is spelled out here.
fn describe(e: &mqtt::Error) -> String {
    match e {
        mqtt::Error::ConnectReturn(rc) => format!("broker refused the connection: {rc}"),
        mqtt::Error::SocketError(n) => format!("socket error {n}"),
        // paho says "TCP connect timeout" for any connect that outlived connectTimeout,
        // also when TCP was up and the broker never sent its CONNACK.
        other if other.to_string().contains("connect timeout") => NO_ANSWER.to_owned(),
        other => other.to_string(),
    }
}

/// A connect that did not complete in time, in words (paho cannot tell the two apart).
const NO_ANSWER: &str = "no TCP connection or no CONNACK within the connect timeout";

enum Attempt {
    Connected,
    Failed(String),
    Stopped,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connect_timeout_says_what_it_can_be() {
        let e = mqtt::Error::GeneralString("TCP connect timeout".into());
        assert_eq!(describe(&e), NO_ANSWER);
    }

    #[test]
    fn a_refused_connack_is_spelled_out() {
        let e = mqtt::Error::ConnectReturn(mqtt::ConnectReturnCode::NotAuthorized);
        assert_eq!(
            describe(&e),
            "broker refused the connection: Not Authorized"
        );
    }
}

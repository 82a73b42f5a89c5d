//! The service's lifecycle: signals, the MQTT publisher, the periodic health report, the
//! camera side ([`cameras`]: registry, scheduler, discovery, health checks, Frigate; what it
//! publishes goes through [`announce`], the Hello rule is [`hello`], the discovery current
//! contract's re-sends [`resend`], and everything it asks of the OS goes through [`os`]) on
//! this thread, the health endpoint and status file ([`crate::health`]), systemd's notify
//! socket, and an orderly shutdown (every camera offline, flush within 2 s, offline message,
//! clean disconnect). The threads and channels: the crate's documentation.
pub mod announce;
pub mod cameras;
pub mod hello;
pub mod os;
pub mod pacer;
pub mod resend;

use crate::config::Config;
use crate::contract::current::{self, ServiceFacts};
use crate::contract::Contracts;
use crate::health::notify::{watchdog_period, Notifier, Watchdog};
use crate::health::{self, resources::Sampler, Progress, Status};
use crate::model::Camera;
use crate::publish::{self, Message, MetricsSnapshot};
use crossbeam_channel::{bounded, select};
use parking_lot::Mutex;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// How long shutdown may take to flush the queue and say goodbye.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(2);

/// Why the service could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    #[error("cannot install signal handlers: {0}")]
    Signals(#[source] std::io::Error),
    #[error(transparent)]
    Mqtt(#[from] publish::StartError),
    #[error("cannot start the discovery workers: {0}")]
    Workers(#[source] std::io::Error),
}

/// What every health report is built from, shared with the publisher's on-connect hook.
struct Reporter {
    cfg: Arc<Config>,
    contracts: Contracts,
    hostname: String,
    snapshot: Arc<Mutex<Vec<Camera>>>,
    status: Status,
    /// The latest `resources` sample (taken by the service thread).
    resources: Mutex<Sampler>,
    last_resources: Mutex<Option<crate::contract::current::Resources>>,
}

impl Reporter {
    /// The health report(s) of the configured contract(s); `connected` overrides the
    /// session state (false: the goodbye report of the current contract).
    fn messages(&self, connected: Option<bool>) -> Vec<Message> {
        let (metrics, facts, cams) = self.facts(connected);
        self.contracts
            .health(&self.cfg, &cams, &metrics, &facts, SystemTime::now())
    }

    /// The current contract's report saying the service is gone (`mqtt_connected: false`).
    fn goodbye(&self) -> Message {
        let (_, facts, cams) = self.facts(Some(false));
        current::health_message(&self.contracts.current, &cams, &facts, SystemTime::now())
    }

    fn facts(&self, connected: Option<bool>) -> (MetricsSnapshot, ServiceFacts, Vec<Camera>) {
        let status = &self.status;
        let metrics = status.metrics();
        let p: Progress = status.progress();
        let facts = ServiceFacts {
            uptime: status.started().elapsed(),
            hostname: self.hostname.clone(),
            pid: std::process::id(),
            resources: *self.last_resources.lock(),
            discovery_count: p.passes,
            scanning: p.running_since.is_some(),
            steady_state: p.steady,
            mqtt_connected: connected.unwrap_or(metrics.connected),
        };
        let cams = self.snapshot.lock().clone();
        (metrics, facts, cams)
    }

    /// Takes a CPU/memory sample (service thread, at each report).
    fn sample(&self) {
        let r = self.resources.lock().read();
        *self.last_resources.lock() = r;
    }
}

/// Runs until SIGTERM or SIGINT.
///
/// # Errors
/// Signal handlers that cannot be installed, or a publisher that cannot start.
pub fn run(cfg: Config) -> Result<(), ServiceError> {
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])
        .map_err(ServiceError::Signals)?;
    let sig_handle = signals.handle();
    let (sig_tx, sig_rx) = bounded::<i32>(8);
    let sig_thread = std::thread::Builder::new()
        .name("signals".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            for s in signals.forever() {
                if sig_tx.send(s).is_err() {
                    break;
                }
            }
        })
        .map_err(ServiceError::Signals)?;

    let cfg = Arc::new(cfg);
    let snapshot: Arc<Mutex<Vec<Camera>>> = Arc::default();
    let status = Status::new(cfg.discovery.enabled, cfg.discovery_interval);
    let reporter = Arc::new(Reporter {
        contracts: Contracts::from_config(&cfg),
        hostname: hostname(),
        snapshot: snapshot.clone(),
        status: status.clone(),
        resources: Mutex::new(Sampler::default()),
        last_resources: Mutex::new(None),
        cfg: cfg.clone(),
    });
    reporter.sample();
    let mut settings = publish::Settings::from_config(&cfg);
    {
        let reporter = reporter.clone();
        settings.on_connect = Some(Arc::new(move || reporter.messages(Some(true))));
    }
    log::info!(
        "camera-detector {} starting: node {}, broker {} as {}, contract {:?}",
        env!("CARGO_PKG_VERSION"),
        cfg.node_id,
        settings.server_uri(),
        settings.client_id,
        cfg.mqtt.contract
    );
    let mqtt = publish::start(settings)?;
    let publisher = mqtt.publisher();
    status.attach(publisher.clone());
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let workers = match cfg.discovery.workers {
        0 => crate::config::auto_workers(cores),
        n => n,
    };
    let (os, events) = match os::SystemOs::start(workers) {
        Ok(started) => started,
        Err(e) => {
            mqtt.shutdown(SHUTDOWN_DEADLINE);
            return Err(ServiceError::Workers(e));
        }
    };
    let mut cams = cameras::Cameras::new(cfg.clone(), os, publisher.clone(), snapshot.clone());
    start_http(&cfg, &status);
    let notifier = notifier();
    let mut watchdog = watchdog_period(|k| std::env::var(k).ok(), std::process::id())
        .filter(|_| notifier.is_some())
        .map(|p| Watchdog::new(p, Instant::now()));

    cams.restore();
    cams.listen_for_hellos();
    status.report(cams.progress());
    write_status(&cfg, &status.verdict());
    notify(
        &notifier,
        &format!("READY=1\nSTATUS=running, broker {}", cfg.mqtt.broker),
    );
    let mut next_health = Instant::now() + cfg.health_report_interval;
    loop {
        let next_camera_work = cams.poll();
        status.report(cams.progress());
        // The watchdog is pinged from this loop alone: if it stops turning, systemd notices.
        if let Some(w) = &mut watchdog {
            if w.due(Instant::now()) {
                notify(&notifier, "WATCHDOG=1");
            }
        }
        let mut wake = next_health.min(next_camera_work);
        if let Some(w) = &watchdog {
            wake = wake.min(w.next());
        }
        let wait = wake.saturating_duration_since(Instant::now());
        select! {
            recv(sig_rx) -> s => match s {
                Ok(SIGHUP) => {
                    log::info!("SIGHUP: rescan requested");
                    cams.rescan();
                }
                Ok(s) => {
                    log::info!("signal {s}: shutting down");
                    break;
                }
                Err(_) => break,
            },
            recv(events) -> ev => {
                if let Ok(ev) = ev {
                    cams.on_event(ev);
                }
            }
            default(wait) => {}
        }
        if Instant::now() >= next_health {
            next_health += cfg.health_report_interval;
            status.report(cams.progress());
            reporter.sample();
            for m in reporter.messages(None) {
                if let Err(e) = publisher.publish(m) {
                    log::warn!("health report not queued: {e}");
                }
            }
            write_status(&cfg, &status.verdict());
        }
    }
    notify(&notifier, "STOPPING=1");
    // Every camera offline (status + record), queued before the publisher's own goodbye.
    cams.shutdown();
    if cfg.mqtt.contract.current() {
        // The current dashboard reads health from the retained report alone (it ignores
        // the LWT): leave one that says the service is gone.
        let _ = publisher.publish(reporter.goodbye());
    }
    let report = mqtt.shutdown(SHUTDOWN_DEADLINE);
    let mut last = status.verdict();
    last.healthy = false;
    last.status = "unhealthy".into();
    last.problems = vec!["the service stopped".into()];
    write_status(&cfg, &last);
    log::info!(
        "stopped: offline message {}, {} message(s) unsent",
        if report.offline_sent {
            "sent"
        } else {
            "NOT sent"
        },
        report.unsent
    );
    sig_handle.close();
    let _ = sig_thread.join();
    Ok(())
}

/// The host name the current contract's health report carries.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// The HTTP health endpoint, unless HEALTH_HTTP_PORT=0. A port that cannot be bound (two
/// services in one network namespace) is a warning: the service runs without it.
fn start_http(cfg: &Config, status: &Status) {
    let Some(port) = cfg.health.http_port else {
        return;
    };
    let addr = SocketAddr::new(cfg.health.http_bind, port);
    match health::server::spawn(addr, status.clone()) {
        Ok((local, _)) => log::info!("health endpoint on http://{local}/health"),
        Err(e) => log::warn!(
            "health endpoint not started: {addr}: {e} (HEALTH_HTTP_PORT; 0 turns it off)"
        ),
    }
}

/// The status file (HEALTH_STATUS_PATH), valid for three report intervals.
fn write_status(cfg: &Config, v: &health::Verdict) {
    let Some(path) = &cfg.health.status_path else {
        return;
    };
    if let Err(e) = health::write_status_file(path, v, cfg.health_report_interval * 3) {
        log::warn!("HEALTH_STATUS_PATH: {e}");
    }
}

fn notifier() -> Option<Notifier> {
    match Notifier::from_env(|k| std::env::var(k).ok()) {
        Ok(n) => n,
        Err(e) => {
            log::warn!("NOTIFY_SOCKET: {e}; systemd is not told we are ready");
            None
        }
    }
}

fn notify(n: &Option<Notifier>, msg: &str) {
    if let Some(n) = n {
        if let Err(e) = n.send(msg) {
            log::debug!("NOTIFY_SOCKET: {e}");
        }
    }
}

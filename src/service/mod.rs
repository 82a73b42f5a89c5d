//! The service's lifecycle: signals, the MQTT publisher, the periodic health report, the
//! camera side ([`cameras`]: registry, scheduler, discovery, health checks, Frigate) on this
//! thread, and an orderly shutdown (every camera offline, flush within 2 s, offline
//! message, clean disconnect).
pub mod cameras;

use crate::config::Config;
use crate::contract::health_message;
use crate::publish::{self, topics::Topics, Publisher};
use crate::registry::CameraRecord;
use crossbeam_channel::{bounded, select};
use parking_lot::Mutex;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::sync::{Arc, OnceLock};
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

    let topics = Topics::new(&cfg.mqtt.topic_prefix);
    let cfg = Arc::new(cfg);
    let handle: Arc<OnceLock<Publisher>> = Arc::new(OnceLock::new());
    let snapshot: Arc<Mutex<Vec<CameraRecord>>> = Arc::default();
    let mut settings = publish::Settings::from_config(&cfg);
    {
        let (cfg, handle, topics) = (cfg.clone(), handle.clone(), topics.clone());
        let snapshot = snapshot.clone();
        settings.on_connect = Some(Arc::new(move || {
            let metrics = handle.get().map(Publisher::metrics).unwrap_or_default();
            let cams = snapshot.lock().clone();
            vec![health_message(
                &topics,
                &cfg,
                &cams,
                &metrics,
                SystemTime::now(),
            )]
        }));
    }
    log::info!(
        "camera-detector {} starting: node {}, broker {}",
        env!("CARGO_PKG_VERSION"),
        cfg.node_id,
        settings.server_uri()
    );
    let mqtt = publish::start(settings)?;
    let publisher = mqtt.publisher();
    let _ = handle.set(publisher.clone());
    let (mut cams, events) =
        match cameras::Cameras::new(cfg.clone(), publisher.clone(), snapshot.clone()) {
            Ok(c) => c,
            Err(e) => {
                mqtt.shutdown(SHUTDOWN_DEADLINE);
                return Err(ServiceError::Workers(e));
            }
        };

    cams.restore();
    cams.listen_for_hellos();
    let mut next_health = Instant::now() + cfg.health_report_interval;
    loop {
        let next_camera_work = cams.poll();
        let wake = next_health.min(next_camera_work);
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
            let metrics = publisher.metrics();
            let list = snapshot.lock().clone();
            let health = health_message(&topics, &cfg, &list, &metrics, SystemTime::now());
            if let Err(e) = publisher.publish(health) {
                log::warn!("health report not queued: {e}");
            }
        }
    }
    // Every camera offline (status + record), queued before the publisher's own goodbye.
    cams.shutdown();
    let report = mqtt.shutdown(SHUTDOWN_DEADLINE);
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

//! The service's lifecycle: signals, the MQTT publisher, the periodic health report, and
//! an orderly shutdown (flush within 2 s, offline message, clean disconnect).
//!
//! Discovery, the registry and Frigate plug in here as they land; until then the service
//! reports its health (with the publisher's metrics) and nothing else.
use crate::config::Config;
use crate::contract::health_message;
use crate::publish::{self, topics::Topics, Publisher};
use crossbeam_channel::{bounded, select};
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
    let mut settings = publish::Settings::from_config(&cfg);
    {
        let (cfg, handle, topics) = (cfg.clone(), handle.clone(), topics.clone());
        settings.on_connect = Some(Arc::new(move || {
            let metrics = handle.get().map(Publisher::metrics).unwrap_or_default();
            vec![health_message(
                &topics,
                &cfg,
                &[],
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

    let mut next_health = Instant::now() + cfg.health_report_interval;
    loop {
        let wait = next_health.saturating_duration_since(Instant::now());
        select! {
            recv(sig_rx) -> s => match s {
                Ok(SIGHUP) => log::info!("SIGHUP: rescan requested"),
                Ok(s) => {
                    log::info!("signal {s}: shutting down");
                    break;
                }
                Err(_) => break,
            },
            default(wait) => {
                next_health += cfg.health_report_interval;
                let metrics = publisher.metrics();
                let health = health_message(&topics, &cfg, &[], &metrics, SystemTime::now());
                if let Err(e) = publisher.publish(health) {
                    log::warn!("health report not queued: {e}");
                }
            }
        }
    }
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

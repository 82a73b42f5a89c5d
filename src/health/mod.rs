//! The service's health without an MQTT session: the verdict ([`judge`], pure), the
//! progress the service thread reports into ([`Status`]), and where the verdict is told —
//! the HTTP endpoint ([`server`], GET /health and /metrics), the status file
//! ([`write_status_file`]), `camera-detector health` ([`client`]) and systemd's notify
//! socket ([`notify`]: READY, WATCHDOG, STOPPING).
//!
//! Healthy means: the MQTT session is up, and (with discovery on) the last discovery pass
//! ended within twice the current scan interval — a pass still running counts from its
//! start, so a pass may take up to twice the interval before the service is unhealthy.
pub mod client;
pub mod http;
pub mod notify;
pub mod resources;
pub mod server;

use crate::publish::{MetricsSnapshot, Publisher};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What the service thread reports about discovery and its cameras.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Full passes finished.
    pub passes: u64,
    /// When the running pass started.
    pub running_since: Option<Instant>,
    /// When the last pass ended.
    pub last_end: Option<Instant>,
    /// The scan interval of the current phase (DISCOVERY_INTERVAL or STEADY_STATE_INTERVAL).
    pub interval: Duration,
    pub steady: bool,
    pub cameras: usize,
    pub online: usize,
}

/// The health as `/health`, the status file and `camera-detector health --json` tell it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub healthy: bool,
    /// `ok` or `unhealthy`.
    pub status: String,
    /// What is wrong, one short phrase each; empty when healthy.
    pub problems: Vec<String>,
    pub mqtt_connected: bool,
    /// Seconds since the last pass ended (`None`: none yet, or discovery off).
    pub last_pass_age_s: Option<u64>,
    /// The scan interval the age is held to (twice this), seconds; 0 with discovery off.
    pub pass_interval_s: u64,
    pub cameras: usize,
    pub online: usize,
    pub uptime_s: u64,
    /// Unix seconds when this verdict was made.
    pub time: u64,
}

impl Verdict {
    /// One line: `ok: ...` or `unhealthy: <every problem>`.
    #[must_use]
    pub fn line(&self) -> String {
        if self.healthy {
            let pass = match self.last_pass_age_s {
                Some(a) => format!("last discovery pass {a} s ago"),
                None if self.pass_interval_s == 0 => "discovery off".to_owned(),
                None => "first discovery pass running".to_owned(),
            };
            format!(
                "ok: mqtt connected, {pass}, {}/{} cameras online",
                self.online, self.cameras
            )
        } else {
            format!("unhealthy: {}", self.problems.join("; "))
        }
    }
}

/// The verdict at `now` (see the module docs). `discovery`: DISCOVERY_ENABLED; `started`:
/// when the service started (a first pass counts from then).
#[must_use]
pub fn judge(
    p: &Progress,
    discovery: bool,
    mqtt: &MetricsSnapshot,
    started: Instant,
    now: Instant,
) -> Verdict {
    let mut problems = Vec::new();
    if !mqtt.connected {
        let why = mqtt
            .last_error
            .as_deref()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        problems.push(format!("mqtt not connected{why}"));
    }
    let age = |t: Instant| now.saturating_duration_since(t);
    let limit = p.interval * 2;
    if discovery {
        // The latest sign of progress: the running pass's start, else the last end, else
        // the service's start.
        let since = match (p.running_since, p.last_end) {
            (Some(r), Some(e)) => r.max(e),
            (Some(r), None) => r,
            (None, Some(e)) => e,
            (None, None) => started,
        };
        if age(since) > limit {
            let what = match (p.running_since, p.last_end) {
                (Some(_), _) => "a discovery pass has been running",
                (None, Some(_)) => "no discovery pass has ended",
                (None, None) => "no discovery pass has started",
            };
            problems.push(format!(
                "{what} for {} s (limit {} s, twice the scan interval)",
                age(since).as_secs(),
                limit.as_secs()
            ));
        }
    }
    let healthy = problems.is_empty();
    Verdict {
        healthy,
        status: if healthy { "ok" } else { "unhealthy" }.to_owned(),
        problems,
        mqtt_connected: mqtt.connected,
        last_pass_age_s: p.last_end.filter(|_| discovery).map(|e| age(e).as_secs()),
        pass_interval_s: if discovery { p.interval.as_secs() } else { 0 },
        cameras: p.cameras,
        online: p.online,
        uptime_s: age(started).as_secs(),
        time: unix_now(),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Shared between the service thread (which reports [`Progress`]) and the health
/// endpoint's thread (which asks for a [`Verdict`]).
#[derive(Clone)]
pub struct Status {
    started: Instant,
    discovery: bool,
    progress: Arc<Mutex<Progress>>,
    /// Set once the publisher runs (its on-connect hook may ask before that).
    publisher: Arc<OnceLock<Publisher>>,
}

impl Status {
    /// Starting now; `discovery`: DISCOVERY_ENABLED.
    #[must_use]
    pub fn new(discovery: bool, interval: Duration) -> Self {
        Status {
            started: Instant::now(),
            discovery,
            progress: Arc::new(Mutex::new(Progress {
                interval,
                ..Progress::default()
            })),
            publisher: Arc::default(),
        }
    }

    /// The publisher whose counters the verdict reads.
    pub fn attach(&self, publisher: Publisher) {
        let _ = self.publisher.set(publisher);
    }

    /// Replaces what the service thread knows.
    pub fn report(&self, p: Progress) {
        *self.progress.lock() = p;
    }

    /// A copy of the last report.
    #[must_use]
    pub fn progress(&self) -> Progress {
        self.progress.lock().clone()
    }

    /// When the service started.
    #[must_use]
    pub fn started(&self) -> Instant {
        self.started
    }

    /// The publisher's counters (all zero, not connected, before it runs).
    #[must_use]
    pub fn metrics(&self) -> MetricsSnapshot {
        self.publisher
            .get()
            .map(Publisher::metrics)
            .unwrap_or_default()
    }

    /// The verdict now.
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        judge(
            &self.progress(),
            self.discovery,
            &self.metrics(),
            self.started,
            Instant::now(),
        )
    }
}

/// The status file: the verdict plus how long it stays valid (a file older than that
/// means the service stopped writing it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusFile {
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Seconds after `time` that the file is to be believed.
    pub valid_for_s: u64,
}

/// Writes the status file atomically (temp file, rename).
///
/// # Errors
/// The failing step, naming the path.
pub fn write_status_file(path: &Path, v: &Verdict, valid_for: Duration) -> std::io::Result<()> {
    let f = StatusFile {
        verdict: v.clone(),
        valid_for_s: valid_for.as_secs(),
    };
    let text = serde_json::to_vec(&f).unwrap_or_default();
    crate::fsutil::write_if_changed(path, text).map(|_| ())
}

#[cfg(test)]
mod tests;

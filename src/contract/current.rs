//! The current wildfire-watch stack's MQTT contract (as its camera_manager and web
//! dashboard use it at HEAD 5dcbd9f), for MQTT_CONTRACT=current or both: flat discovery records keyed by the MAC
//! string, `online`/`offline` statuses, the flat health report the web dashboard reads
//! (`mqtt_connected`, `uptime_hours`, `resources`), float epoch timestamps, QoS 0 except the
//! plain-text LWT (built by [`crate::publish`]). Pure, like the rest of [`super`].
//!
//! Where we differ from HEAD, on purpose:
//! - no credentials in `rtsp_urls` unless PUBLISH_CREDENTIALS (HEAD embeds them);
//! - the health report has no per-camera `cameras` map (no consumer reads it; 250 cameras
//!   would not fit MQTT_MAX_PAYLOAD): the discovery records carry that detail, re-sent
//!   every DISCOVERY_RESEND_INTERVAL; `system` is omitted (HEAD omits it on error);
//!   `version` is ours, not `"unknown"`;
//! - only `online`/`offline` statuses (HEAD's values): `ip_changed` goes out as the
//!   re-sent discovery record, `stream_error` only in the original's contract;
//! - removal: an empty retained discovery message, the only removal signal the consumers
//!   know (HEAD never removes);
//! - no Frigate config: HEAD never publishes it, and JSON on `frigate/config/cameras`
//!   would replace camera_manager's camera set.
use super::camera::{epoch_seconds, known};
use super::url::{strip_userinfo, with_userinfo};
use super::Publishing;
use crate::model::Camera;
use crate::publish::{topics::CurrentTopics, Message};
use crate::registry::Status;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// The MAC string the current contract keys a camera by, in topics and payloads alike
/// (`AA:BB:CC:DD:EE:FF`; `UNKNOWN-…` without a MAC), from the record id alone so that a
/// removal (record gone) names the same topic.
#[must_use]
pub fn camera_key(id: &str) -> String {
    let hex = id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit());
    if hex {
        let up = id.to_ascii_uppercase();
        let pairs: Vec<&str> = (0..6).map(|i| &up[2 * i..2 * i + 2]).collect();
        return pairs.join(":");
    }
    match id.strip_prefix("unknown-") {
        Some(rest) => format!("UNKNOWN-{rest}"),
        None => id.to_owned(),
    }
}

/// How the camera was found, by the contract's method names (onvif, mdns, network): ONVIF
/// when it answered ONVIF, else the network scan (the record keeps no finer source).
#[must_use]
pub fn discovery_method(rec: &Camera) -> &'static str {
    if rec.onvif_url.is_some() {
        "onvif"
    } else {
        "network"
    }
}

#[derive(Serialize)]
struct Discovery<'a> {
    mac: String,
    ip: String,
    name: &'a str,
    manufacturer: &'a str,
    model: &'a str,
    rtsp_urls: Urls,
    online: bool,
    last_seen: f64,
    discovery_method: &'static str,
}

/// `{main, sub}` in that order, each present only when known.
type Urls = super::camera::Urls<&'static str>;

fn urls(rec: &Camera, p: &Publishing<'_>) -> Urls {
    let credential = rec
        .credential_index
        .and_then(|i| p.credentials.get(i))
        .filter(|c| {
            p.publish_credentials && !c.username.is_empty() && !c.password.expose().is_empty()
        });
    let url = |u: &str| match credential {
        Some(c) => with_userinfo(u, &c.username, c.password.expose()),
        None => strip_userinfo(u).into_owned(),
    };
    let main = rec
        .main
        .as_ref()
        .map(|s| s.url.as_str())
        .or_else(|| super::primary_rtsp_url(rec));
    let sub = rec
        .sub
        .as_ref()
        .map(|s| s.url.as_str())
        .filter(|s| Some(*s) != main);
    let mut v = Vec::new();
    if let Some(m) = main {
        v.push(("main", url(m)));
    }
    if let Some(s) = sub {
        v.push(("sub", url(s)));
    }
    super::camera::Urls(v)
}

/// The flat discovery record: `mac, ip, name, manufacturer, model, rtsp_urls {main, sub},
/// online, last_seen, discovery_method`.
#[must_use]
pub fn discovery_payload(rec: &Camera, p: &Publishing<'_>) -> Vec<u8> {
    serde_json::to_vec(&Discovery {
        mac: camera_key(&rec.id),
        ip: rec.ip.to_string(),
        name: &rec.name,
        manufacturer: known(&rec.manufacturer),
        model: known(&rec.model),
        rtsp_urls: urls(rec, p),
        online: rec.online,
        last_seen: epoch_seconds(rec.last_seen),
        discovery_method: discovery_method(rec),
    })
    .unwrap_or_default() // plain data: serialisation cannot fail
}

/// `camera/discovery/{mac}`, retained, QoS 0.
#[must_use]
pub fn discovery_message(topics: &CurrentTopics, rec: &Camera, p: &Publishing<'_>) -> Message {
    Message::retained(
        topics.discovery(&camera_key(&rec.id)),
        discovery_payload(rec, p),
    )
    .with_qos(0)
}

/// The empty retained discovery message that removes a camera (and its retained copy).
#[must_use]
pub fn removal_message(topics: &CurrentTopics, id: &str) -> Message {
    Message::retained(topics.discovery(&camera_key(id)), Vec::new()).with_qos(0)
}

#[derive(Serialize)]
struct StatusChange {
    mac: String,
    ip: String,
    status: &'static str,
    timestamp: f64,
    error_count: u32,
    last_error: Option<&'static str>,
}

/// HEAD's text for a failed camera check.
const CHECK_FAILED: &str = "Health check failed";

/// `camera/status/{mac}` (QoS 0) for `online` and `offline`; `None` for the statuses the
/// current contract does not have.
#[must_use]
pub fn status_message(
    topics: &CurrentTopics,
    rec: &Camera,
    status: Status,
    now: SystemTime,
) -> Option<Message> {
    let (status, error_count, last_error) = match status {
        Status::Online => ("online", 0, None),
        Status::Offline => ("offline", 1, Some(CHECK_FAILED)),
        Status::IpChanged | Status::StreamError => return None,
    };
    let payload = serde_json::to_vec(&StatusChange {
        mac: camera_key(&rec.id),
        ip: rec.ip.to_string(),
        status,
        timestamp: epoch_seconds(now),
        error_count,
        last_error,
    })
    .unwrap_or_default();
    Some(Message::event(topics.status(&camera_key(&rec.id)), payload).with_qos(0))
}

/// The process's own use, as HEAD reports it under `resources`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Resources {
    pub cpu_percent: f64,
    pub memory_percent: f64,
    pub memory_mb: f64,
}

/// What the health report says about the service besides its cameras.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFacts {
    pub uptime: Duration,
    pub hostname: String,
    pub pid: u32,
    /// `None` when /proc could not be read: the key is then left out.
    pub resources: Option<Resources>,
    /// Full discovery passes finished.
    pub discovery_count: u64,
    /// A discovery pass is running.
    pub scanning: bool,
    pub steady_state: bool,
    pub mqtt_connected: bool,
}

#[derive(Serialize)]
struct Health<'a> {
    timestamp: f64,
    uptime: f64,
    uptime_hours: f64,
    service: &'static str,
    version: &'static str,
    mqtt_connected: bool,
    hostname: &'a str,
    pid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<Resources>,
    total_cameras: usize,
    online_cameras: usize,
    offline_cameras: usize,
    discovery_count: u64,
    active_discovery_tasks: u32,
    is_steady_state: bool,
    discovery_methods: BTreeMap<&'static str, usize>,
}

/// The flat health report (`system/camera_detector/health`, retained, QoS 0).
#[must_use]
pub fn health_message<'a>(
    topics: &CurrentTopics,
    cameras: impl IntoIterator<Item = &'a Camera>,
    facts: &ServiceFacts,
    now: SystemTime,
) -> Message {
    let (mut total, mut online) = (0, 0);
    let mut methods = BTreeMap::new();
    for c in cameras {
        total += 1;
        online += usize::from(c.online);
        *methods.entry(discovery_method(c)).or_insert(0) += 1;
    }
    let uptime = facts.uptime.as_secs_f64();
    let h = Health {
        timestamp: epoch_seconds(now),
        uptime,
        uptime_hours: (uptime / 36.0).round() / 100.0,
        service: "camera_detector",
        version: env!("CARGO_PKG_VERSION"),
        mqtt_connected: facts.mqtt_connected,
        hostname: &facts.hostname,
        pid: facts.pid,
        resources: facts.resources,
        total_cameras: total,
        online_cameras: online,
        offline_cameras: total - online,
        discovery_count: facts.discovery_count,
        active_discovery_tasks: u32::from(facts.scanning),
        is_steady_state: facts.steady_state,
        discovery_methods: methods,
    };
    let payload = serde_json::to_vec(&h).unwrap_or_default();
    Message::retained(topics.health(), payload).with_qos(0)
}

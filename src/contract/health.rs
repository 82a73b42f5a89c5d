//! The health message (`system/camera_detector_health`, retained): the original's shape
//! plus `mqtt`, the publisher's metrics.
//!
//! `status` is `"degraded"` when any of these holds, else `"online"`:
//! - the publisher is not connected to the broker (the original's only rule);
//! - messages are piling up: the queue is at least half of MQTT_QUEUE_SIZE;
//! - cameras are known but none is online (the detector sees nothing it should).
use super::camera::mac_text;
use crate::config::Config;
use crate::publish::MetricsSnapshot;
use crate::registry::CameraRecord;
use crate::time::iso8601;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::SystemTime;

#[derive(Serialize)]
struct Health<'a> {
    node_id: &'a str,
    service: &'static str,
    timestamp: String,
    status: &'static str,
    stats: Stats,
    cameras: BTreeMap<&'a str, HealthCamera<'a>>,
    mqtt: &'a MetricsSnapshot,
}

#[derive(Serialize)]
struct Stats {
    total_cameras: usize,
    online_cameras: usize,
    streaming_cameras: usize,
    discovery_interval: u64,
    mac_tracking_enabled: bool,
}

#[derive(Serialize)]
struct HealthCamera<'a> {
    name: &'a str,
    ip: String,
    mac: String,
    online: bool,
    streaming: bool,
    ip_history: Vec<String>,
}

/// `"online"` or `"degraded"` (rule in the module docs); `queue_size` is MQTT_QUEUE_SIZE.
#[must_use]
pub fn health_status(
    total_cameras: usize,
    online_cameras: usize,
    metrics: &MetricsSnapshot,
    queue_size: usize,
) -> &'static str {
    let backlog = usize::try_from(metrics.queue_depth).unwrap_or(usize::MAX) >= queue_size / 2;
    let blind = total_cameras > 0 && online_cameras == 0;
    if !metrics.connected || backlog || blind {
        "degraded"
    } else {
        "online"
    }
}

/// The health payload at `now` for `cameras` (every camera the registry knows).
pub fn health_payload<'a>(
    cfg: &Config,
    cameras: impl IntoIterator<Item = &'a CameraRecord>,
    metrics: &MetricsSnapshot,
    now: SystemTime,
) -> Vec<u8> {
    let mut map = BTreeMap::new();
    for c in cameras {
        map.insert(
            c.id.as_str(),
            HealthCamera {
                name: &c.name,
                ip: c.ip.to_string(),
                mac: mac_text(c),
                online: c.online,
                streaming: c.stream_active,
                ip_history: c.ip_history.iter().map(ToString::to_string).collect(),
            },
        );
    }
    let online = map.values().filter(|c| c.online).count();
    let streaming = map.values().filter(|c| c.streaming).count();
    let h = Health {
        node_id: &cfg.node_id,
        service: "camera_detector",
        timestamp: iso8601(now),
        status: health_status(map.len(), online, metrics, cfg.mqtt.queue_size),
        stats: Stats {
            total_cameras: map.len(),
            online_cameras: online,
            streaming_cameras: streaming,
            discovery_interval: cfg.discovery_interval.as_secs(),
            mac_tracking_enabled: cfg.mac_tracking_enabled,
        },
        cameras: map,
        mqtt: metrics,
    };
    serde_json::to_vec(&h).unwrap_or_default() // plain data: serialisation cannot fail
}

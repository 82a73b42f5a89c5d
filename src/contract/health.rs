//! The health message (`system/camera_detector_health`, retained): the original's shape
//! plus `mqtt`, the publisher's metrics, but a summary: no per-camera `cameras` map.
//!
//! Design: the original listed every camera (`{name, ip, mac, online, streaming,
//! ip_history}`), about 150 bytes each: 150 cameras made 22.8 KB, over rumqttd's default
//! 20 KiB limit, and the broker dropped the connection at every report. Compact entries
//! cannot fit 250 cameras in MQTT_MAX_PAYLOAD (16 KiB leaves about 60 bytes a camera, less
//! than an id and an address). So the report keeps the counts, which stay a few hundred
//! bytes at any camera count, and the per-camera detail stays on its own retained topics:
//! the discovery records (`camera/discovery/{id}`), which already carry every field of the
//! old entry (`name`, `ip`, `mac`, `online`, `stream_active`, `ip_history`), are updated on
//! every change and replayed on reconnect. A second copy would double the retained
//! messages for no new fact.
//!
//! `status` is `"degraded"` when any of these holds, else `"online"`:
//! - the publisher is not connected to the broker (the original's only rule);
//! - messages are piling up: the queue is at least half of MQTT_QUEUE_SIZE;
//! - cameras are known but none is online (the detector sees nothing it should).
use crate::config::Config;
use crate::model::Camera;
use crate::publish::MetricsSnapshot;
use crate::time::iso8601;
use serde::Serialize;
use std::time::SystemTime;

#[derive(Serialize)]
struct Health<'a> {
    node_id: &'a str,
    service: &'static str,
    timestamp: String,
    status: &'static str,
    stats: Stats,
    mqtt: &'a MetricsSnapshot,
}

#[derive(Serialize)]
struct Stats {
    total_cameras: usize,
    online_cameras: usize,
    /// Ours: total less online.
    offline_cameras: usize,
    streaming_cameras: usize,
    discovery_interval: u64,
    mac_tracking_enabled: bool,
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
    cameras: impl IntoIterator<Item = &'a Camera>,
    metrics: &MetricsSnapshot,
    now: SystemTime,
) -> Vec<u8> {
    let (mut total, mut online, mut streaming) = (0, 0, 0);
    for c in cameras {
        total += 1;
        online += usize::from(c.online);
        streaming += usize::from(c.stream_active);
    }
    let h = Health {
        node_id: &cfg.node_id,
        service: "camera_detector",
        timestamp: iso8601(now),
        status: health_status(total, online, metrics, cfg.mqtt.queue_size),
        stats: Stats {
            total_cameras: total,
            online_cameras: online,
            offline_cameras: total - online,
            streaming_cameras: streaming,
            discovery_interval: cfg.discovery_interval.as_secs(),
            mac_tracking_enabled: cfg.mac_tracking_enabled,
        },
        mqtt: metrics,
    };
    serde_json::to_vec(&h).unwrap_or_default() // plain data: serialisation cannot fail
}

//! The health payload with cameras, and the `degraded` rule.
use super::*;

fn metrics() -> MetricsSnapshot {
    MetricsSnapshot {
        connected: true,
        queue_depth: 3,
        published: 42,
        ..MetricsSnapshot::default()
    }
}

#[test]
fn health_is_a_summary_with_the_originals_stats_and_the_mqtt_metrics() {
    let cfg = Config::from_lookup(
        |k| (k == "DISCOVERY_INTERVAL").then(|| "120".to_owned()),
        "node-1",
    )
    .unwrap();
    let cams = [onvif_camera(), unknown_mac_camera()];
    let m = metrics();
    let v: serde_json::Value =
        serde_json::from_slice(&health_payload(&cfg, &cams, &m, t0())).unwrap();
    assert_eq!(
        v,
        json!({
            "node_id": "node-1",
            "service": "camera_detector",
            "timestamp": "2026-11-26T23:53:47.123Z",
            "status": "online",
            "stats": {"total_cameras": 2, "online_cameras": 1, "offline_cameras": 1,
                      "streaming_cameras": 1, "discovery_interval": 120,
                      "mac_tracking_enabled": true},
            "mqtt": serde_json::to_value(&m).unwrap()
        })
    );
    assert_eq!(v["mqtt"]["published"], json!(42));
}

#[test]
fn health_without_cameras_keeps_the_shape() {
    let cfg = Config::from_lookup(|_| None, "node-1").unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&health_payload(&cfg, &[], &metrics(), t0())).unwrap();
    assert_eq!(v["status"], json!("online"));
    assert_eq!(
        v["stats"],
        json!({"total_cameras": 0, "online_cameras": 0, "offline_cameras": 0,
               "streaming_cameras": 0, "discovery_interval": 300,
               "mac_tracking_enabled": true})
    );
}

/// `n` cameras with the longest ids discovery makes (`unknown-ep-` + 16 hex digits).
pub(super) fn many_cameras(n: usize) -> Vec<Camera> {
    (0..n)
        .map(|i| {
            let mut c = onvif_camera();
            c.id = format!("unknown-ep-{i:016x}");
            c.ip = std::net::Ipv4Addr::from(0x0a00_0000 + i as u32 + 1);
            c
        })
        .collect()
}

/// Every counter at its widest and every refused-topic slot taken: the metrics part at
/// its largest.
pub(super) fn busy_metrics() -> MetricsSnapshot {
    let mut m = MetricsSnapshot {
        connected: true,
        published: u64::MAX,
        last_error: Some("x".repeat(300)),
        ..MetricsSnapshot::default()
    };
    for i in 0..crate::publish::REFUSED_TOPICS + 1 {
        m.refused.insert(
            format!("some/prefix/camera/discovery/unknown-ep-{i:016x}"),
            crate::publish::TopicDrops {
                oversized: u64::MAX,
                quarantined: u64::MAX,
                last_size: u64::MAX,
            },
        );
    }
    m
}

#[test]
fn health_for_250_cameras_fits_the_default_payload_limit() {
    let cfg = Config::from_lookup(|_| None, "node-with-a-long-name-0123456789").unwrap();
    let p = health_payload(&cfg, &many_cameras(250), &busy_metrics(), t0());
    assert!(
        p.len() <= crate::config::DEFAULT_MAX_PAYLOAD as usize,
        "{} bytes",
        p.len()
    );
}

#[test]
fn degraded_when_disconnected_backed_up_or_blind() {
    let ok = metrics();
    assert_eq!(health_status(0, 0, &ok, 1000), "online");
    assert_eq!(health_status(3, 1, &ok, 1000), "online");
    // Cameras known but none online.
    assert_eq!(health_status(3, 0, &ok, 1000), "degraded");
    // Not connected to the broker (the original's rule).
    let down = MetricsSnapshot {
        connected: false,
        ..metrics()
    };
    assert_eq!(health_status(0, 0, &down, 1000), "degraded");
    // Half the queue waiting.
    let backlog = |depth| MetricsSnapshot {
        queue_depth: depth,
        ..metrics()
    };
    assert_eq!(health_status(1, 1, &backlog(499), 1000), "online");
    assert_eq!(health_status(1, 1, &backlog(500), 1000), "degraded");

    // The payload uses the rule.
    let cfg = Config::from_lookup(|_| None, "n").unwrap();
    let offline = [unknown_mac_camera()];
    let v: serde_json::Value =
        serde_json::from_slice(&health_payload(&cfg, &offline, &ok, t0())).unwrap();
    assert_eq!(v["status"], json!("degraded"));
}

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
fn health_lists_every_camera_with_the_originals_fields_and_the_mqtt_metrics() {
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
            "stats": {"total_cameras": 2, "online_cameras": 1, "streaming_cameras": 1,
                      "discovery_interval": 120, "mac_tracking_enabled": true},
            "cameras": {
                "bcad28000001": {"name": "HIKVISION DS-2CD2042WD-I", "ip": "192.168.1.100",
                    "mac": "BC:AD:28:00:00:01", "online": true, "streaming": true,
                    "ip_history": ["192.168.1.64", "192.168.1.100"]},
                "unknown-10-0-0-5": {"name": "Camera-10-0-0-5", "ip": "10.0.0.5",
                    "mac": "UNKNOWN-10-0-0-5", "online": false, "streaming": false,
                    "ip_history": ["10.0.0.5"]}
            },
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
    assert_eq!(v["cameras"], json!({}));
    assert_eq!(
        v["stats"],
        json!({"total_cameras": 0, "online_cameras": 0, "streaming_cameras": 0,
               "discovery_interval": 300, "mac_tracking_enabled": true})
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

//! Golden payloads per MQTT_CONTRACT: every message one scenario produces (discovery of
//! two cameras, each status change, a removal, the health report, the online/offline
//! messages, the Frigate config), byte for byte, as `testdata/golden_{legacy,current}.txt`.
//! The files were checked field by field against the original service's payloads and the
//! current stack's (what its camera_manager and dashboard read); `both` must be exactly
//! legacy then current, message by message. `GOLDEN_WRITE=1` rewrites the files (then review the diff).
use super::*;
use crate::contract::current::{Resources, ServiceFacts};
use crate::contract::Contracts;
use crate::publish::Settings;

fn cfg(contract: &str) -> Config {
    Config::from_lookup(
        |k| match k {
            "MQTT_CONTRACT" => Some(contract.to_owned()),
            "BALENA_DEVICE_UUID" => Some("node-1".to_owned()),
            "MQTT_TOPIC_PREFIX" => Some("site1".to_owned()),
            "DISCOVERY_INTERVAL" => Some("120".to_owned()),
            _ => None,
        },
        "host",
    )
    .unwrap()
}

fn facts() -> ServiceFacts {
    ServiceFacts {
        uptime: Duration::from_millis(5_432_100),
        hostname: "gw-1".into(),
        pid: 42,
        resources: Some(Resources {
            cpu_percent: 1.5,
            memory_percent: 0.2,
            memory_mb: 2.1,
        }),
        discovery_count: 3,
        scanning: false,
        steady_state: true,
        mqtt_connected: true,
    }
}

fn scenario(contract: &str) -> Vec<Message> {
    let cfg = cfg(contract);
    let c = Contracts::from_config(&cfg);
    let creds = creds();
    let p = Publishing {
        node_id: &cfg.node_id,
        credentials: &creds,
        publish_credentials: false,
    };
    let (cam, unknown) = (onvif_camera(), unknown_mac_camera());
    let mut v = Vec::new();
    v.extend(c.discovery(&cam, &p, t0()));
    v.extend(c.discovery(&unknown, &p, t0()));
    for s in [
        Status::Offline,
        Status::Online,
        Status::IpChanged,
        Status::StreamError,
    ] {
        v.extend(c.status(&cam, s, &p, t0()));
    }
    v.extend(c.removal(&unknown.id));
    let metrics = MetricsSnapshot {
        connected: true,
        published: 42,
        ..MetricsSnapshot::default()
    };
    v.extend(c.health(&cfg, &[cam, unknown], &metrics, &facts(), t0()));
    let s = Settings::from_config(&cfg);
    for status in ["online", "offline"] {
        for a in &s.availability {
            let payload = a.payload(&cfg.node_id, status, "2026-11-26T23:53:47.123Z");
            v.push(Message::retained(a.topic.clone(), payload));
        }
    }
    v.extend(c.frigate(
        b"{\"cameras\":{}}".to_vec(),
        &cfg.frigate_reload_topic,
        true,
    ));
    v
}

/// The messages as text; our version number is written `VERSION` (it changes by release).
fn render(msgs: &[Message]) -> String {
    let version = format!("\"version\":\"{}\"", env!("CARGO_PKG_VERSION"));
    msgs.iter()
        .map(|m| {
            format!(
                "{} qos={} retain={}\n{}\n\n",
                m.topic,
                m.qos,
                m.retain,
                String::from_utf8_lossy(&m.payload).replace(&version, "\"version\":\"VERSION\"")
            )
        })
        .collect()
}

fn golden(name: &str, got: &str) {
    let path = format!(
        "{}/src/contract/testdata/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("GOLDEN_WRITE").is_some() {
        std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path).expect("golden file (GOLDEN_WRITE=1 makes it)");
    assert_eq!(got, want, "{name} differs");
}

#[test]
fn legacy_payloads_are_the_golden_ones() {
    golden("golden_legacy.txt", &render(&scenario("legacy")));
}

#[test]
fn current_payloads_are_the_golden_ones() {
    golden("golden_current.txt", &render(&scenario("current")));
}

#[test]
fn both_is_legacy_then_current_for_every_message() {
    let (legacy, current, both) = (scenario("legacy"), scenario("current"), scenario("both"));
    let mut l = legacy.iter().peekable();
    let mut c = current.iter().peekable();
    for m in &both {
        // Each message of `both` is the next one of the legacy or of the current list.
        if l.peek() == Some(&m) {
            l.next();
        } else {
            assert_eq!(c.next(), Some(m), "{} out of order", m.topic);
        }
    }
    assert!(
        l.next().is_none() && c.next().is_none(),
        "a message missing"
    );
}

/// The current stack's web dashboard's reading: health healthy iff
/// `mqtt_connected`, `uptime_hours` a number; discovery stored under the last topic level
/// with `name` and `ip`.
#[test]
fn the_current_dashboard_reads_name_ip_and_health_from_our_payloads() {
    let msgs = scenario("current");
    let health = msgs
        .iter()
        .find(|m| m.topic == "site1/system/camera_detector/health")
        .expect("health");
    let h: serde_json::Value = serde_json::from_slice(&health.payload).unwrap();
    assert_eq!(h["mqtt_connected"], true);
    assert!(h["uptime_hours"].is_f64());
    assert!(h["resources"]["cpu_percent"].is_number() && h["resources"]["memory_mb"].is_number());
    let d = msgs
        .iter()
        .find(|m| m.topic == "site1/camera/discovery/BC:AD:28:00:00:01")
        .expect("discovery keyed by the MAC string");
    let v: serde_json::Value = serde_json::from_slice(&d.payload).unwrap();
    assert_eq!(v["name"], "HIKVISION DS-2CD2042WD-I");
    assert_eq!(v["ip"], "192.168.1.100");
    assert_eq!(v["mac"], "BC:AD:28:00:00:01", "payload id = topic id");
}

//! Brokers that refuse large messages (issue 13): mosquitto with `message_size_limit` (it
//! drops the message and acknowledges it) and rumqttd at its default 20 KiB (it drops the
//! connection). The service with 150 cameras from a state file, in a namespace of the
//! test's own with only a loopback: no reconnect loop, and every other message arrives —
//! the health report is a summary far below the limit, the Frigate JSON is capped with a
//! note. With MQTT_MAX_PAYLOAD above rumqttd's limit, the Frigate JSON becomes a poison
//! message: quarantined after two lost sessions, the rest flows. The publisher alone, on
//! loopback: how long from a poison message to normal flow, and oversized messages never
//! sent at all.
use crate::support::broker::Broker;
use crate::support::common::{eventually, metrics, settings};
use crate::support::netns::{can_netns, LoNs};
use crate::support::rumqttd::{self, Rumqttd};
use camera_detector::model::{Camera, Stream, Transport};
use camera_detector::publish::{self, Message};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime};

const CAMERAS: usize = 150;

/// A state file with `n` online cameras on the namespace's loopback (127.77.x.y: nothing
/// listens there, so every check fails at once and nothing leaves the namespace).
fn state_file(path: &std::path::Path, n: usize) {
    let now = SystemTime::now();
    let cams: Vec<Camera> = (0..n)
        .map(|i| {
            let (hi, lo) = (i / 250, i % 250 + 1);
            let ip = std::net::Ipv4Addr::new(127, 77, hi as u8 + 1, lo as u8);
            let mac = format!("02:cd:00:00:{hi:02x}:{lo:02x}");
            let url = |p: &str| format!("rtsp://{ip}:554/{p}");
            let stream = |p: &str| Stream {
                url: url(p),
                codec: "h264".into(),
                width: Some(1920),
                height: Some(1080),
                transport: Transport::Tcp,
            };
            Camera {
                id: mac.replace(':', ""),
                mac: Some(mac),
                name: format!("Camera {i:03}"),
                manufacturer: Some("Acme".into()),
                model: Some("C-1".into()),
                http_url: Some(format!("http://{ip}:80")),
                rtsp_urls: [
                    ("main".to_owned(), url("main")),
                    ("sub".to_owned(), url("sub")),
                ]
                .into_iter()
                .collect(),
                main: Some(stream("main")),
                sub: Some(stream("sub")),
                username: Some("admin".into()),
                credential_index: Some(0),
                stream_active: true,
                last_seen: now,
                last_validated: Some(now),
                ..Camera::new(ip)
            }
        })
        .collect();
    camera_detector::registry::persist::save(path, &cams).expect("write the state file");
}

struct Service {
    child: Child,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    fn start(ns: &LoNs, port: u16, extra: &[(&str, &str)]) -> Service {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        state_file(&state, CAMERAS);
        let log = dir.path().join("service.log");
        let mut c = ns.command(env!("CARGO_BIN_EXE_camera-detector"));
        c.env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("MQTT_BROKER", "127.0.0.1")
            .env("MQTT_PORT", port.to_string())
            .env("BALENA_DEVICE_UUID", "limits")
            .env("STATE_PATH", &state)
            .env("SCAN_NETWORKS", "127.77.250.0/30")
            .env("RTSP_TIMEOUT", "1")
            .env("HEALTH_HTTP_PORT", "0")
            .env("HEALTH_REPORT_INTERVAL", "5")
            .env("FRIGATE_CONFIG_PATH", dir.path().join("cameras.yml"))
            .env("LOG_LEVEL", "INFO")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in extra {
            c.env(k, v);
        }
        Service {
            child: c.spawn().expect("start the service"),
            log,
            _dir: dir,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// The broker's retained state once it holds every camera, the health report counting
/// them and (when `frigate`) the Frigate config; panics with what was missing.
fn settled(
    read: impl Fn() -> Vec<(String, String)>,
    frigate: bool,
    svc: &Service,
) -> BTreeMap<String, String> {
    let end = Instant::now() + Duration::from_secs(90);
    let mut last = String::new();
    while Instant::now() < end {
        let got: BTreeMap<String, String> = read().into_iter().collect();
        let cams = got
            .keys()
            .filter(|t| t.starts_with("camera/discovery/"))
            .count();
        let health_total = got
            .get("system/camera_detector_health")
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
            .and_then(|v| v["stats"]["total_cameras"].as_u64());
        let has_frigate = got.contains_key("frigate/config/cameras");
        if cams == CAMERAS && health_total == Some(CAMERAS as u64) && has_frigate == frigate {
            return got;
        }
        last = format!(
            "{cams} discovery records, health total {health_total:?}, frigate {has_frigate}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("not settled: {last}\nservice log:\n{}", svc.log());
}

fn mqtt_metrics(state: &BTreeMap<String, String>) -> Value {
    let h: Value = serde_json::from_str(&state["system/camera_detector_health"]).unwrap();
    h["mqtt"].clone()
}

/// The capped Frigate copy: within the limit, with a note counting what is in it.
fn assert_capped(state: &BTreeMap<String, String>, limit: usize) {
    let f = &state["frigate/config/cameras"];
    assert!(f.len() <= limit, "{} bytes", f.len());
    let v: Value = serde_json::from_str(f).unwrap();
    let note = &v["camera_detector_note"];
    let (kept, total) = (
        note["cameras_included"].as_u64(),
        note["cameras_total"].as_u64(),
    );
    assert!(kept.is_some_and(|k| k > 0) && kept < total, "{note}");
    assert_eq!(v["cameras"].as_object().map(|o| o.len() as u64), kept);
    eprintln!(
        "frigate copy: {} bytes, {kept:?} of {total:?} cameras",
        f.len()
    );
}

#[test]
fn mosquitto_with_a_message_size_limit_gets_150_cameras_without_a_loop() {
    if !can_netns() {
        return;
    }
    let ns = LoNs::new("msl");
    let broker = Broker::start_in_with(&ns.name, "message_size_limit 16384\n");
    let svc = Service::start(&ns, broker.port, &[]);
    let state = settled(|| broker.retained("#", 3), true, &svc);
    let m = mqtt_metrics(&state);
    assert_eq!(m["connection_losses"], 0, "{m}");
    assert_eq!(m["dropped_oversized"], 0, "{m}");
    assert_capped(&state, 16384);
    let health = &state["system/camera_detector_health"];
    eprintln!("health for {CAMERAS} cameras: {} bytes", health.len());
}

#[test]
fn rumqttd_at_its_default_limit_gets_150_cameras_without_a_loop() {
    if !can_netns() {
        return;
    }
    let ns = LoNs::new("rqd");
    let broker = Rumqttd::start(Some(&ns.name));
    let svc = Service::start(&ns, broker.port, &[]);
    let state = settled(|| broker.retained("#", 3), true, &svc);
    let m = mqtt_metrics(&state);
    assert_eq!(m["connection_losses"], 0, "{m}");
    assert_eq!(m["dropped_quarantined"], 0, "{m}");
    assert_capped(&state, 16384);
}

#[test]
fn over_rumqttds_limit_the_frigate_json_is_quarantined_and_the_rest_flows() {
    if !can_netns() {
        return;
    }
    let ns = LoNs::new("rqp");
    let broker = Rumqttd::start(Some(&ns.name));
    let svc = Service::start(&ns, broker.port, &[("MQTT_MAX_PAYLOAD", "1048576")]);
    // Settled without the Frigate copy, and with it counted as quarantined.
    let end = Instant::now() + Duration::from_secs(90);
    let state = loop {
        let state = settled(|| broker.retained("#", 3), false, &svc);
        let m = mqtt_metrics(&state);
        if m["dropped_quarantined"] == 1 || Instant::now() > end {
            break state;
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    let m = mqtt_metrics(&state);
    assert_eq!(m["dropped_quarantined"], 1, "{m}");
    assert_eq!(
        m["refused"]["frigate/config/cameras"]["quarantined"], 1,
        "{m}"
    );
    assert_eq!(m["connection_losses"], 2, "two drops, then no more: {m}");
    let log = svc.log();
    let warned = log
        .lines()
        .filter(|l| {
            l.contains("WARN") && l.contains("frigate/config/cameras") && l.contains("quarantined")
        })
        .count();
    assert_eq!(warned, 1, "{log}");
}

/// Over rumqttd's limit.
const POISON: usize = rumqttd::DEFAULT_MAX_PAYLOAD + 10_000;

/// The publisher alone against rumqttd: a message over its limit among small ones. The
/// service's own backoff (1 s doubling), so the time printed is what a gateway sees.
#[test]
fn a_poison_message_costs_two_sessions_and_the_messages_behind_it_flow() {
    let broker = Rumqttd::start(None);
    let sub = broker.subscribe("p/#");
    let mut s = settings(broker.port, "poison");
    s.max_payload = 1 << 20;
    s.backoff_min = Duration::from_secs(1);
    s.backoff_max = Duration::from_secs(60);
    let mqtt = publish::start(s).unwrap();
    let p = mqtt.publisher();
    assert!(eventually(Duration::from_secs(10), || metrics(&mqtt).connected));
    sub.assert_live(&p, "p/live");
    p.publish(Message::event("p/a", "before")).unwrap();
    let t = Instant::now();
    p.publish(Message::retained("p/big", vec![b'x'; POISON]))
        .unwrap();
    for i in 0..20 {
        p.publish(Message::event("p/after", i.to_string())).unwrap();
    }
    let got = sub.wait_for(Duration::from_secs(30), |t, b| t == "p/after" && b == "19");
    let took = t.elapsed();
    assert!(
        got.is_some(),
        "the messages behind it never came: {:?}",
        metrics(&mqtt)
    );
    let m = metrics(&mqtt);
    eprintln!(
        "poison message to normal flow: {took:?} ({} sessions lost)",
        m.connection_losses
    );
    assert_eq!(m.dropped_quarantined, 1, "{m:?}");
    assert_eq!(m.refused["p/big"].quarantined, 1);
    assert_eq!(m.connection_losses, 2, "{m:?}");
    assert!(broker.retained("p/big", 1).is_empty(), "never delivered");
    mqtt.shutdown(Duration::from_secs(2));
}

/// Over MQTT_MAX_PAYLOAD: refused before sending, no session lost, counted by topic.
#[test]
fn an_oversized_message_is_never_sent() {
    let broker = Rumqttd::start(None);
    let sub = broker.subscribe("o/#");
    let mut s = settings(broker.port, "oversized");
    s.max_payload = 16 * 1024;
    let mqtt = publish::start(s).unwrap();
    let p = mqtt.publisher();
    assert!(eventually(Duration::from_secs(10), || metrics(&mqtt).connected));
    sub.assert_live(&p, "o/live");
    p.publish(Message::retained("o/big", vec![b'x'; 16 * 1024 + 1]))
        .unwrap();
    p.publish(Message::event("o/after", "x")).unwrap();
    assert!(sub
        .wait_for(Duration::from_secs(10), |t, _| t == "o/after")
        .is_some());
    let m = metrics(&mqtt);
    assert_eq!((m.dropped_oversized, m.connection_losses), (1, 0), "{m:?}");
    assert_eq!(m.refused["o/big"].oversized, 1);
    assert_eq!(m.refused["o/big"].last_size, 16 * 1024 + 1);
    mqtt.shutdown(Duration::from_secs(2));
}

//! MQTT_CONTRACT=current against the lab's cameras and broker, read the way the current stack's
//! web dashboard reads (as the stack documents it; not in this repository): it subscribes to
//! `system/+/health`, `system/+/lwt`, `camera/discovery/+` and `camera/status/+` (with the
//! prefix); a health message is a JSON object on a topic with `/health`, the service is the
//! second topic level, healthy iff `mqtt_connected` is truthy, `uptime_hours` a number; a
//! discovery JSON object is stored under the last topic level as `name` (fallback: that id) and
//! `ip`, and counts as active for 300 s; at most 30 `camera` and 50 `system` messages a minute
//! are taken, the rest dropped. The model finds every lab camera with its name and address and
//! the service healthy, sees each record again within the re-send interval, and the service
//! unhealthy after SIGTERM.
use crate::support::broker::Sub;
use crate::support::lab::lab;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// What the dashboard keeps of a camera.
#[derive(Debug, Clone)]
struct Shown {
    name: String,
    ip: String,
    /// Receipt times of its discovery messages.
    seen: Vec<Instant>,
}

/// The dashboard's state, fed message by message.
#[derive(Default)]
struct Dashboard {
    prefix: String,
    cameras: BTreeMap<String, Shown>,
    /// service → healthy
    services: BTreeMap<String, (bool, f64)>,
    /// Receipt times per first topic level, for the per-minute limit.
    rate: BTreeMap<String, VecDeque<Instant>>,
    dropped: u32,
}

impl Dashboard {
    fn take(&mut self, topic: &str, payload: &str, now: Instant) {
        let Some(rel) = topic.strip_prefix(&self.prefix) else {
            return;
        };
        let levels: Vec<&str> = rel.split('/').collect();
        let limit = match levels[0] {
            "camera" => 30,
            "system" | "frigate" => 50,
            _ => usize::MAX,
        };
        let q = self.rate.entry(levels[0].to_owned()).or_default();
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            q.pop_front();
        }
        if q.len() >= limit {
            self.dropped += 1;
            return; // dropped without a state update
        }
        q.push_back(now);
        let json: Option<serde_json::Map<String, Value>> = serde_json::from_str::<Value>(payload)
            .ok()
            .and_then(|v| v.as_object().cloned());
        if rel.contains("/health") {
            if let (Some(o), Some(service)) = (json, levels.get(1)) {
                let healthy = o.get("mqtt_connected").is_some_and(truthy)
                    || o.get("state").and_then(Value::as_str) == Some("IDLE");
                let hours = o.get("uptime_hours").and_then(Value::as_f64).unwrap_or(0.0);
                self.services
                    .insert((*service).to_owned(), (healthy, hours));
            }
        } else if levels.len() == 3 && levels[0] == "camera" && levels[1] == "discovery" {
            let Some(o) = json else { return }; // empty / removal: ignored
            let id = levels[2].to_owned();
            let name = o
                .get("name")
                .and_then(Value::as_str)
                .map_or_else(|| id.clone(), str::to_owned);
            let ip = o.get("ip").and_then(Value::as_str).unwrap_or("").to_owned();
            let e = self.cameras.entry(id).or_insert(Shown {
                name: String::new(),
                ip: String::new(),
                seen: Vec::new(),
            });
            e.name = name;
            e.ip = ip;
            e.seen.push(now);
        }
    }

    fn active(&self, id: &str, now: Instant) -> bool {
        self.cameras
            .get(id)
            .and_then(|c| c.seen.last())
            .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(300))
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Null => false,
        _ => true,
    }
}

const RESEND: u64 = 20;

#[test]
fn the_current_dashboard_shows_every_lab_camera_and_the_service_health() {
    let Some(lab) = lab() else { return };
    let (host, port) = lab.broker();
    let prefix = format!("cur{}", std::process::id());
    let det_ns = lab.truth["detector"]["ns"].as_str().unwrap().to_string();
    let mut cmd = lab.in_ns(&det_ns, "mosquitto_sub");
    cmd.args(["-h", &host, "-p", &port.to_string()]);
    for t in ["system/+/lwt", "camera/discovery/+", "camera/status/+"] {
        cmd.args(["-t", &format!("{prefix}/{t}")]);
    }
    let sub = Sub::start_cmd(&mut cmd, &format!("{prefix}/system/+/health"));
    let dir = tempfile::tempdir().unwrap();
    let mut child = lab
        .detector_service(&prefix, &prefix)
        .env("MQTT_CONTRACT", "current")
        .env("DISCOVERY_RESEND_INTERVAL", RESEND.to_string())
        .env("HEALTH_REPORT_INTERVAL", "10")
        .env("CAMERA_CREDENTIALS", lab.credentials_env())
        .env("FRIGATE_CONFIG_PATH", dir.path().join("cameras.yml"))
        .stderr(std::fs::File::create(dir.path().join("service.log")).unwrap())
        .spawn()
        .expect("start the detector in the lab");
    let want: BTreeMap<String, String> = lab.truth["cameras"]
        .as_array()
        .expect("cameras")
        .iter()
        .map(|c| {
            let mac = c["mac"].as_str().expect("mac").to_uppercase();
            (mac, c["ip"].as_str().expect("ip").to_owned())
        })
        .collect();
    let mut dash = Dashboard {
        prefix: format!("{prefix}/"),
        ..Dashboard::default()
    };
    let feed = |dash: &mut Dashboard, within: Duration| {
        if let Some((_, t, p)) = sub.wait_for(within, |_, _| true) {
            dash.take(&t, &p, Instant::now());
        }
    };
    let all_shown = |d: &Dashboard| {
        let now = Instant::now();
        want.iter().all(|(mac, ip)| {
            d.cameras
                .get(mac)
                .is_some_and(|c| &c.ip == ip && !c.name.is_empty() && c.name != *mac)
                && d.active(mac, now)
        }) && d.services.get("camera_detector").is_some_and(|s| s.0)
    };
    let end = Instant::now() + Duration::from_secs(240);
    while !all_shown(&dash) && Instant::now() < end {
        feed(&mut dash, Duration::from_secs(1));
    }
    let log = || std::fs::read_to_string(dir.path().join("service.log")).unwrap_or_default();
    assert!(
        all_shown(&dash),
        "dashboard: cameras {:?}, services {:?}\nservice log:\n{}",
        dash.cameras,
        dash.services,
        log()
    );
    // Each live camera's record comes again within the re-send interval (one step of
    // slack), so the 300 s window never runs out.
    let t0 = Instant::now();
    let again = |d: &Dashboard| {
        want.keys()
            .all(|m| d.cameras[m].seen.iter().any(|t| *t > t0))
    };
    let end = t0 + Duration::from_secs(RESEND * 2 + 10);
    while !again(&dash) && Instant::now() < end {
        feed(&mut dash, Duration::from_secs(1));
    }
    assert!(again(&dash), "not re-sent: {:?}", dash.cameras);
    assert_eq!(dash.dropped, 0, "over the dashboard's rate limit");

    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let end = Instant::now() + Duration::from_secs(5);
    while dash.services.get("camera_detector").is_some_and(|s| s.0) && Instant::now() < end {
        feed(&mut dash, Duration::from_millis(500));
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(
        dash.services.get("camera_detector").map(|s| s.0),
        Some(false),
        "the goodbye health says the service is gone"
    );
}

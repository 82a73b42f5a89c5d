//! The service against a world that changes, with hosts the tests own on the lab's bridge
//! (tests/it/support/own*.rs; these run one at a time, see .config/nextest.toml): a camera
//! that moves to a new address (same MAC), a camera whose RTSP server stops and starts, and
//! a broker that restarts without persistence.
use crate::support::broker::Sub;
use crate::support::lab::{lab, Lab};
use crate::support::ownbroker::OwnBroker;
use crate::support::owncam::OwnCamera;
use serde_json::Value;
use std::process::Child;
use std::time::{Duration, Instant};

/// The detector in lab-det (killed when dropped), with every lab credential plus `extra`.
struct Service {
    child: Child,
    prefix: String,
    _dir: tempfile::TempDir,
    frigate: std::path::PathBuf,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn service(lab: &Lab, broker: (String, u16), extra: (&str, &str), env: &[(&str, &str)]) -> Service {
    let mut creds: Vec<String> = lab
        .credentials()
        .iter()
        .map(|(u, p)| format!("{u}:{p}"))
        .collect();
    creds.push(format!("{}:{}", extra.0, extra.1));
    let dir = tempfile::tempdir().expect("tempdir");
    let frigate = dir.path().join("cameras.yml");
    let prefix = format!("w{}x{}", std::process::id(), fastrand::u32(..));
    let mut cmd = lab.detector_service(&prefix, &prefix);
    // The broker may be one the test owns.
    cmd.env("MQTT_BROKER", &broker.0)
        .env("MQTT_PORT", broker.1.to_string())
        .env("CAMERA_CREDENTIALS", creds.join(","))
        .env("FRIGATE_CONFIG_PATH", &frigate)
        .env("LOG_LEVEL", "INFO");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Service {
        child: cmd.spawn().expect("start the detector"),
        prefix,
        _dir: dir,
        frigate,
    }
}

fn subscribe(lab: &Lab, broker: &(String, u16), filter: &str) -> Sub {
    let ns = lab.truth["detector"]["ns"]
        .as_str()
        .expect("ns")
        .to_string();
    Sub::start_cmd(
        lab.in_ns(&ns, "mosquitto_sub")
            .args(["-h", &broker.0, "-p", &broker.1.to_string()]),
        filter,
    )
}

/// The next message on `topic` whose JSON satisfies `pred`, within `secs`.
fn wait_json(sub: &Sub, topic: &str, secs: u64, pred: impl Fn(&Value) -> bool) -> Option<Value> {
    sub.wait_for(Duration::from_secs(secs), |t, p| {
        t == topic && serde_json::from_str::<Value>(p).is_ok_and(|v| pred(&v))
    })
    .and_then(|(_, _, p)| serde_json::from_str(&p).ok())
}

#[test]
fn lab_world_a_moved_camera_keeps_its_id_and_reports_ip_changed() {
    let Some(lab) = lab() else { return };
    let mut cam = OwnCamera::start(&lab, "mv");
    let broker = lab.broker();
    let id = cam.mac().replace(':', "");
    let svc = service(&lab, broker.clone(), cam.credentials(), &[]);
    let sub = subscribe(&lab, &broker, &format!("{}/#", svc.prefix));
    let disc = format!("{}/camera/discovery/{id}", svc.prefix);
    let old_ip = cam.ip().to_string();
    let first = wait_json(&sub, &disc, 30, |v| v["camera"]["ip"] == old_ip.as_str());
    assert!(first.is_some(), "{id} discovered at {old_ip}");

    let new_ip = cam.move_to_new_ip().to_string();
    // A rescan (SIGHUP) finds the MAC at its new address.
    let _ = std::process::Command::new("kill")
        .args(["-HUP", &svc.child.id().to_string()])
        .status();
    let status = wait_json(
        &sub,
        &format!("{}/camera/status/{id}", svc.prefix),
        30,
        |v| v["status"] == "ip_changed",
    )
    .expect("ip_changed published");
    assert_eq!(status["camera"]["ip"], new_ip.as_str(), "{status}");
    assert_eq!(status["camera_id"], id.as_str());
    let hist: Vec<&str> = status["camera"]["ip_history"]
        .as_array()
        .expect("ip_history")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(hist, [old_ip.as_str(), new_ip.as_str()]);
    // The retained record (published just before the status event) moved too.
    let ns = lab.truth["detector"]["ns"]
        .as_str()
        .expect("ns")
        .to_string();
    let out = lab
        .in_ns(&ns, "mosquitto_sub")
        .args(["-h", &broker.0, "-p", &broker.1.to_string(), "-t", &disc])
        .args(["--retained-only", "-W", "2", "-C", "1"])
        .output()
        .expect("mosquitto_sub");
    let rec: Value = serde_json::from_slice(&out.stdout).expect("retained record");
    assert_eq!(
        rec["camera"]["ip"],
        new_ip.as_str(),
        "retained record moved: {rec}"
    );
    // The Frigate file follows (written after the pass).
    let end = Instant::now() + Duration::from_secs(15);
    let mut yaml = String::new();
    while Instant::now() < end {
        yaml = std::fs::read_to_string(&svc.frigate).unwrap_or_default();
        if yaml.contains(&format!("@{new_ip}:")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        yaml.contains(&format!("@{new_ip}:")),
        "Frigate file uses {new_ip}"
    );
    assert!(!yaml.contains(&format!("@{old_ip}:")), "and not {old_ip}");
}

#[test]
fn lab_world_a_stopped_stream_goes_stream_error_then_offline_and_online_when_back() {
    let Some(lab) = lab() else { return };
    let mut cam = OwnCamera::start(&lab, "st");
    let broker = lab.broker();
    let id = cam.mac().replace(':', "");
    let env = [
        ("HEALTH_CHECK_INTERVAL", "10"),
        ("OFFLINE_THRESHOLD", "60"),
        ("QUICK_CHECK_INTERVAL", "30"),
    ];
    let svc = service(&lab, broker.clone(), cam.credentials(), &env);
    let sub = subscribe(&lab, &broker, &format!("{}/#", svc.prefix));
    let disc = format!("{}/camera/discovery/{id}", svc.prefix);
    let status = format!("{}/camera/status/{id}", svc.prefix);
    assert!(
        wait_json(&sub, &disc, 30, |_| true).is_some(),
        "{id} discovered"
    );

    cam.stop_rtsp();
    let t = Instant::now();
    let err = wait_json(&sub, &status, 40, |v| v["status"] == "stream_error");
    eprintln!(
        "stream_error {:?} after the RTSP server stopped",
        t.elapsed()
    );
    assert!(
        err.is_some(),
        "stream_error within HEALTH_CHECK_INTERVAL and a tick"
    );
    // Still unseen (the port refuses): offline after OFFLINE_THRESHOLD plus a check period.
    let off = wait_json(&sub, &status, 110, |v| v["status"] == "offline");
    eprintln!("offline {:?} after the RTSP server stopped", t.elapsed());
    assert!(off.is_some(), "offline within the threshold");

    cam.start_rtsp();
    let t = Instant::now();
    let on = wait_json(&sub, &status, 60, |v| v["status"] == "online");
    eprintln!("online {:?} after the RTSP server started", t.elapsed());
    let on = on.expect("online when back");
    assert_eq!(on["camera"]["online"], true);
}

#[test]
fn lab_world_a_broker_restart_gets_every_retained_topic_back_within_5_s() {
    let Some(lab) = lab() else { return };
    let mut broker = OwnBroker::start(&lab, "br");
    let addr = broker.addr();
    let svc = service(&lab, addr.clone(), ("nobody", "x"), &[]);
    let filter = format!("{}/#", svc.prefix);
    let want: Vec<String> = lab.truth["cameras"]
        .as_array()
        .expect("cameras")
        .iter()
        .map(|c| {
            let id = c["mac"].as_str().expect("mac").replace(':', "");
            format!("{}/camera/discovery/{id}", svc.prefix)
        })
        .chain([
            format!("{}/frigate/config/cameras", svc.prefix),
            format!("{}/system/camera_detector_health", svc.prefix),
        ])
        .collect();
    let complete = |broker: &OwnBroker| {
        let got: Vec<String> = broker
            .retained(&filter, 1)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        want.iter().all(|w| got.contains(w))
    };
    let end = Instant::now() + Duration::from_secs(40);
    while !complete(&broker) && Instant::now() < end {}
    assert!(
        complete(&broker),
        "every retained topic published before the restart"
    );

    broker.restart();
    let t = Instant::now();
    let end = t + Duration::from_secs(15);
    let mut back = None;
    while Instant::now() < end {
        if complete(&broker) {
            back = Some(t.elapsed());
            break;
        }
    }
    let back = back.expect("retained topics back after the restart");
    // `complete` listens 1 s per look: `back` is late by up to that much.
    eprintln!("broker restart: every retained topic back after {back:?} (1 s reads)");
    assert!(
        back <= Duration::from_secs(5),
        "within 5 s: {back:?} (the original took 281 s)"
    );
}

#[test]
fn lab_world_a_hello_from_a_new_camera_rescans_at_once() {
    let Some(lab) = lab() else { return };
    let broker = lab.broker();
    // One scan at start and the next an hour later: only the Hello can find the new camera.
    let env = [
        ("SMART_DISCOVERY_ENABLED", "false"),
        ("DISCOVERY_INTERVAL", "3600"),
    ];
    let creds = (
        crate::support::owncam::USER,
        crate::support::owncam::PASSWORD,
    );
    let svc = service(&lab, broker.clone(), creds, &env);
    let sub = subscribe(&lab, &broker, &format!("{}/#", svc.prefix));
    // The Frigate config goes out at the end of each pass.
    let frigate = format!("{}/frigate/config/cameras", svc.prefix);
    assert!(
        wait_json(&sub, &frigate, 40, |_| true).is_some(),
        "the first pass ended"
    );

    let cam = OwnCamera::start(&lab, "hl");
    let id = cam.mac().replace(':', "");
    let disc = format!("{}/camera/discovery/{id}", svc.prefix);
    // ipycam's WS-Discovery server announcing itself from the new camera's address, as
    // ipycam does when it starts.
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/lab/venv/bin/python");
    let ip = cam.ip().to_string();
    let uuid = format!("5e1f0000-0000-4000-8000-{:012x}", std::process::id());
    let t = Instant::now();
    let hello = std::process::Command::new("ip")
        .args(["netns", "exec", cam.ns(), python, "-c"])
        .arg(crate::lab_wsd::IPYCAM_PEER)
        .args([&ip, "NewCam", &uuid, "0.5"])
        .status()
        .expect("run ipycam's announcer");
    assert!(hello.success(), "ipycam sent its Hello and Bye");
    let found = wait_json(&sub, &disc, 60, |v| v["camera"]["ip"] == ip.as_str());
    eprintln!("new camera published {:?} after its Hello", t.elapsed());
    let found = found.expect("the Hello's rescan found the new camera");
    assert_eq!(
        found["camera"]["mac"]
            .as_str()
            .map(str::to_lowercase)
            .as_deref(),
        Some(cam.mac()),
        "{found}"
    );
}

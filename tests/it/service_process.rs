//! The binary as users run it: last will on SIGKILL, offline message and exit 0 on
//! SIGTERM, health with publisher metrics on connect, exit 2 on bad configuration.
use crate::support::broker::Broker;
use crate::support::common::{eventually, signal};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary in this (the machine's own) namespace: discovery off, so it sends nothing but
/// MQTT to the loopback broker.
fn detector(broker_port: u16, node: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_camera-detector"))
        .env_clear()
        .env("DISCOVERY_ENABLED", "false")
        .env("MQTT_BROKER", "127.0.0.1")
        .env("MQTT_PORT", broker_port.to_string())
        .env("BALENA_DEVICE_UUID", node)
        .env("LOG_LEVEL", "DEBUG")
        // Tests run side by side in this namespace: no fixed health port.
        .env("HEALTH_HTTP_PORT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn camera-detector")
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + within;
    while Instant::now() < end {
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

fn status_of(payload: &str) -> String {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v["status"].as_str().map(String::from))
        .unwrap_or_default()
}

#[test]
fn the_last_will_is_published_when_the_process_is_killed() {
    let broker = Broker::start();
    let lwt = "system/camera_detector_health/node-kill/lwt";
    let sub = broker.subscribe(lwt);
    let mut child = detector(broker.port, "node-kill");
    assert!(sub
        .wait_for(Duration::from_secs(10), |_, p| status_of(p) == "online")
        .is_some());
    signal(&child, "-KILL");
    let _ = child.wait();
    let will = sub.wait_for(Duration::from_secs(10), |_, p| status_of(p) == "offline");
    let (retained, _, payload) = will.expect("last will published by the broker");
    let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(v["node_id"], "node-kill");
    assert_eq!(v["service"], "camera_detector");
    assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(
        !retained
            || broker
                .retained(lwt, 1)
                .iter()
                .any(|(_, p)| status_of(p) == "offline")
    );
    assert_eq!(broker.retained(lwt, 1).len(), 1, "the will is retained");
}

#[test]
fn sigterm_publishes_offline_within_two_seconds_and_exits_zero() {
    let broker = Broker::start();
    let lwt = "system/camera_detector_health/node-term/lwt";
    let sub = broker.subscribe("system/#");
    let mut child = detector(broker.port, "node-term");
    assert!(sub
        .wait_for(Duration::from_secs(10), |t, p| t == lwt
            && status_of(p) == "online")
        .is_some());
    let health = sub.wait_for(Duration::from_secs(5), |t, _| {
        t == "system/camera_detector_health"
    });
    let (_, _, h) = health.expect("health on connect");
    let h: serde_json::Value = serde_json::from_str(&h).unwrap();
    assert_eq!(h["node_id"], "node-term");
    assert!(
        h["mqtt"]["queue_depth"].is_u64() && h["stats"]["total_cameras"].is_u64(),
        "{h}"
    );

    let t = Instant::now();
    signal(&child, "-TERM");
    let off = sub.wait_for(Duration::from_secs(2), |tp, p| {
        tp == lwt && status_of(p) == "offline"
    });
    let took = t.elapsed();
    assert!(off.is_some(), "offline message within 2 s of SIGTERM");
    let st = wait_exit(&mut child, Duration::from_secs(5)).expect("exited after SIGTERM");
    assert_eq!(st.code(), Some(0));
    eprintln!("offline message {took:?} after SIGTERM");
    let clean = "Client camera-detector-node-term disconnected";
    assert!(
        eventually(Duration::from_secs(3), || broker.log().contains(clean)),
        "clean disconnect:\n{}",
        broker.log()
    );
}

#[test]
fn a_bad_variable_exits_2_with_one_line_naming_it() {
    for (var, val) in [
        ("MQTT_PORT", "abc"),
        ("RTSP_TIMEOUT", "-3"),
        ("MQTT_TLS", "maybe"),
        ("LOG_LEVEL", "LOUD"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_camera-detector"))
            .env_clear()
            .env(var, val)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}={val}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains(var) && err.contains(val), "{err}");
    }
}

#[test]
fn help_and_version_answer_without_a_broker() {
    let v = Command::new(env!("CARGO_BIN_EXE_camera-detector"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(v.status.success());
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("camera-detector {}", env!("CARGO_PKG_VERSION"))
    );
    let h = Command::new(env!("CARGO_BIN_EXE_camera-detector"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(h.status.success() && String::from_utf8_lossy(&h.stdout).contains("USAGE"));
    let bad = Command::new(env!("CARGO_BIN_EXE_camera-detector"))
        .arg("--frobnicate")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// docs/configuration.md has a row for every variable the service reads, with its default
/// (`(empty)` for none), and no row for a variable it does not read.
#[test]
fn the_configuration_doc_lists_every_variable_the_service_reads() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/configuration.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let vars = camera_detector::config::VARIABLES;
    for (name, default, _) in vars {
        let cell = if default.is_empty() {
            "(empty)".to_owned()
        } else {
            format!("`{default}`")
        };
        assert!(
            doc.contains(&format!("\n| `{name}` | {cell} |")),
            "docs/configuration.md has no row for {name} with its default {cell}"
        );
    }
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let name = line[3..].split('`').next().unwrap_or_default();
        assert!(
            vars.iter().any(|(n, _, _)| *n == name),
            "docs/configuration.md has a row for {name}, which the service does not read"
        );
    }
}

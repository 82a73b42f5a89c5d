//! The service in the lab's detector namespace against the lab's broker: online health on
//! connect, offline on SIGTERM (the cameras: lab_camera_service).
use crate::support::broker::Sub;
use crate::support::lab::lab;
use std::time::{Duration, Instant};

#[test]
fn the_service_in_the_detector_namespace_reports_health_to_the_lab_broker() {
    let Some(lab) = lab() else { return };
    let (host, port) = lab.broker();
    let node = format!("lab-it-{}", std::process::id());
    let prefix = format!("it{}", std::process::id());
    let lwt = format!("{prefix}/system/camera_detector_health/{node}/lwt");
    let det_ns = lab.truth["detector"]["ns"].as_str().unwrap().to_string();
    let sub = Sub::start_cmd(
        lab.in_ns(&det_ns, "mosquitto_sub")
            .args(["-h", &host, "-p", &port.to_string()]),
        &format!("{prefix}/#"),
    );
    let mut child = lab
        .detector_service(&prefix, &node)
        .env("FRIGATE_UPDATE_ENABLED", "false")
        .spawn()
        .expect("start the detector in the lab");
    let online = sub.wait_for(Duration::from_secs(15), |t, p| {
        t == lwt && p.contains("\"online\"")
    });
    let health = sub.wait_for(Duration::from_secs(5), |t, _| {
        t.ends_with("system/camera_detector_health")
    });
    let pid = child.id().to_string();
    // `ip netns exec` execs (no fork) and the wrapper execs too: the pid is the detector's.
    let ns = std::process::Command::new("ip")
        .args(["netns", "identify", &pid])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ns.stdout).trim(),
        det_ns,
        "detector runs in {det_ns}"
    );
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    let t = Instant::now();
    let offline = sub.wait_for(Duration::from_secs(3), |tp, p| {
        tp == lwt && p.contains("\"offline\"")
    });
    let status = child.wait().unwrap();
    assert!(online.is_some(), "online message on the lab broker");
    assert!(health.is_some(), "health message on the lab broker");
    assert!(
        offline.is_some(),
        "offline message {:?} after SIGTERM",
        t.elapsed()
    );
    assert_eq!(status.code(), Some(0));
}

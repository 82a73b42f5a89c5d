//! Two processes with one client id (the same node id) against mosquitto, for two minutes
//! (issue 13): each used to cut the other's session about every 20 ms, forever (3,500
//! connects a minute each). Now a session lost right after its CONNACK backs off like a
//! failed connect: at most about ten connects each in two minutes, one WARN naming the
//! client id, and the retained LWT flips to `offline` once per takeover, not thousands of
//! times. The numbers (connects, CPU seconds and log lines a minute) are printed for
//! docs/mqtt.md; scripts/bench/mqtt-collision.sh measures any binary the same way.
use crate::support::broker::Broker;
use crate::support::common::proc_cpu_seconds;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RUN: Duration = Duration::from_secs(120);
const NODE: &str = "twin";

struct Twin {
    child: Child,
    log: std::path::PathBuf,
}

impl Drop for Twin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn twin(port: u16, dir: &std::path::Path, n: u32) -> Twin {
    let log = dir.join(format!("twin{n}.log"));
    let child = Command::new(env!("CARGO_BIN_EXE_camera-detector"))
        .env_clear()
        .env("DISCOVERY_ENABLED", "false")
        .env("MQTT_BROKER", "127.0.0.1")
        .env("MQTT_PORT", port.to_string())
        .env("BALENA_DEVICE_UUID", NODE)
        .env("HEALTH_HTTP_PORT", "0")
        .env("STATE_PATH", "")
        .env("LOG_LEVEL", "INFO")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("spawn camera-detector");
    Twin { child, log }
}

#[test]
fn two_processes_sharing_a_client_id_back_off_and_say_so() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let lwt = format!("system/camera_detector_health/{NODE}/lwt");
    let sub = broker.subscribe(&lwt);
    let twins = [
        twin(broker.port, dir.path(), 1),
        twin(broker.port, dir.path(), 2),
    ];
    let t0 = Instant::now();
    // Every LWT message seen during the run (the subscriber is up before the twins start
    // their first connect, and its lines queue while we wait).
    let mut offline = 0u32;
    let mut lwt_messages = 0u32;
    while t0.elapsed() < RUN {
        let left = RUN.saturating_sub(t0.elapsed());
        if let Some((_, _, p)) = sub.wait_for(left, |_, _| true) {
            lwt_messages += 1;
            offline += u32::from(p.contains("\"offline\""));
        }
    }
    let minutes = t0.elapsed().as_secs_f64() / 60.0;
    let mut connects = Vec::new();
    let mut warned = Vec::new();
    for (i, t) in twins.iter().enumerate() {
        let cpu = proc_cpu_seconds(&t.child.id().to_string()).expect("still running");
        let text = std::fs::read_to_string(&t.log).unwrap_or_default();
        let n = text
            .lines()
            .filter(|l| l.contains("mqtt connected to"))
            .count();
        let warn = text
            .lines()
            .filter(|l| {
                l.contains(" WARN ")
                    && l.contains("another client is using client id camera-detector-twin")
            })
            .count();
        eprintln!(
            "twin {}: {n} connects ({:.1}/min), {:.2} CPU-s/min, {:.0} log lines/min, {warn} collision WARN",
            i + 1,
            n as f64 / minutes,
            cpu / minutes,
            text.lines().count() as f64 / minutes,
        );
        connects.push(n);
        warned.push(warn);
    }
    eprintln!("retained LWT: {lwt_messages} messages, {offline} offline, in {minutes:.1} min");
    assert!(
        connects.iter().all(|&n| (1..=12).contains(&n)),
        "connects in two minutes: {connects:?}"
    );
    assert!(
        warned.contains(&1) && warned.iter().all(|&w| w <= 1),
        "one collision WARN per episode: {warned:?}"
    );
    // Each takeover publishes the cut session's will once: never more offline flips than
    // connects.
    let total: usize = connects.iter().sum();
    assert!(
        offline as usize <= total,
        "{offline} offline for {total} connects"
    );
}

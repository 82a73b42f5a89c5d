//! Shared helpers: publisher settings for a loopback broker, bounded waits, CPU ticks.
use camera_detector::publish::{Availability, MetricsSnapshot, Mqtt, Settings};
use std::time::{Duration, Instant};

/// Test logs on stderr (shown for failures): `RUST_LOG=camera_detector=debug`.
pub fn init_logs() {
    let _ = env_logger::builder().is_test(true).try_init();
}

/// Settings for a broker on 127.0.0.1:`port`; backoff 100 ms doubling to 2 s.
pub fn settings(port: u16, node: &str) -> Settings {
    init_logs();
    Settings {
        host: "127.0.0.1".into(),
        port,
        client_id: format!("camera-detector-{node}"),
        username: None,
        password: None,
        tls: None,
        keepalive: Duration::from_secs(30),
        queue_size: 1000,
        inflight_window: 256,
        backoff_min: Duration::from_millis(100),
        backoff_max: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(3),
        node_id: node.into(),
        availability: vec![Availability::json(format!(
            "system/camera_detector_health/{node}/lwt"
        ))],
        max_payload: 1 << 20,
        on_connect: None,
    }
}

/// Polls `f` every 20 ms until it holds or `within` passes; returns whether it held.
pub fn eventually(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + within;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn metrics(m: &Mqtt) -> MetricsSnapshot {
    m.publisher().metrics()
}

/// user+system CPU time of this process, in seconds.
pub fn cpu_seconds() -> f64 {
    proc_cpu_seconds("self").expect("/proc/self/stat")
}

/// user+system CPU time of process `pid` ("self" or a number), in seconds; None once it is
/// gone.
pub fn proc_cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clk_tck())
}

fn clk_tck() -> f64 {
    let out = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output();
    out.ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Sends `sig` (`-TERM`, `-STOP`, ...) to `child` with kill(1); panics if kill fails.
pub fn signal(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .map(|s| s.success());
    assert_eq!(ok.ok(), Some(true), "kill {sig}");
}

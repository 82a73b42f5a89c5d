//! Publisher benchmarks (`cargo bench --bench publish`), all against a real mosquitto on a
//! free loopback port, measured in one run so the ratios compare like with like:
//!
//! 1. `publish()` enqueue latency, 8 producer threads (p50/p99/p99.9/max);
//! 2. sustained throughput, 300-byte payloads, QoS0 and QoS1, on loopback;
//! 3. the same through our 20 ms RTT proxy, next to a baseline that waits for each PUBACK
//!    (what a plain synchronous client does: one round trip per message);
//! 4. RSS, threads and fds of the idle, connected binary.
//!
//! `BENCH_QUICK=1` shrinks the message counts (for a smoke run).
#[allow(dead_code)] // shared with the tests; the bench uses part of it
#[path = "../tests/it/support/broker.rs"]
mod broker;
#[allow(dead_code)]
#[path = "../tests/it/support/common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../tests/it/support/proxy.rs"]
mod proxy;

use camera_detector::publish::{self, Message, PublishError, Settings};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// The tests' loopback settings with a queue of `queue` messages.
fn settings(port: u16, node: &str, queue: usize) -> Settings {
    Settings {
        queue_size: queue,
        ..common::settings(port, &format!("bench-{node}"))
    }
}

fn wait_until(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + within;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

fn quick() -> bool {
    std::env::var("BENCH_QUICK").is_ok()
}

fn pct(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// 8 producers, each timing every `publish()` call (QoS0 so the drain keeps up).
fn enqueue_latency(port: u16) {
    let per = if quick() { 5_000 } else { 50_000 };
    let mqtt = publish::start(settings(port, "latency", 8 * per + 100)).unwrap();
    assert!(wait_until(Duration::from_secs(10), || mqtt
        .publisher()
        .metrics()
        .connected));
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (p, b) = (mqtt.publisher(), barrier.clone());
            std::thread::spawn(move || {
                let payload = vec![b'x'; 300];
                let mut lat = Vec::with_capacity(per);
                b.wait();
                for i in 0..per {
                    let m = Message::event(format!("bench/lat/{t}"), payload.clone()).with_qos(0);
                    let t0 = Instant::now();
                    let r = p.publish(m);
                    lat.push(t0.elapsed().as_nanos() as u64);
                    if let Err(e) = r {
                        panic!("publish {i}: {e}");
                    }
                }
                lat
            })
        })
        .collect();
    let mut all: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort_unstable();
    println!(
        "enqueue latency, 8 producers x {per}: p50 {:.2} us, p99 {:.2} us, p99.9 {:.2} us, max {:.1} us",
        pct(&all, 0.50) as f64 / 1e3,
        pct(&all, 0.99) as f64 / 1e3,
        pct(&all, 0.999) as f64 / 1e3,
        *all.last().unwrap() as f64 / 1e3
    );
    mqtt.shutdown(Duration::from_secs(5));
}

/// Publishes `n` 300-byte messages as fast as the queue takes them; msg/s until the last
/// one is acknowledged (QoS1) or written (QoS0). The queue holds the whole run, so this
/// measures the drain (with the default 1000 a faster producer loses the oldest events).
fn throughput(port: u16, qos: u8, n: u64, label: &str) -> f64 {
    let mqtt = publish::start(settings(port, label, n as usize + 1000)).unwrap();
    let p = mqtt.publisher();
    assert!(wait_until(Duration::from_secs(10), || p
        .metrics()
        .connected));
    let base = p.metrics().published;
    let payload = vec![b'y'; 300];
    let t0 = Instant::now();
    let mut full = 0u64;
    for i in 0..n {
        loop {
            let m = Message::event(format!("bench/tp/{}", i % 16), payload.clone()).with_qos(qos);
            match p.publish(m) {
                Ok(()) => break,
                Err(PublishError::QueueFull) => {
                    full += 1;
                    std::thread::sleep(Duration::from_micros(50));
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
    let done = wait_until(Duration::from_secs(120), || {
        p.metrics().published - base >= n
    });
    let secs = t0.elapsed().as_secs_f64();
    assert!(done, "{label}: not all published: {:?}", p.metrics());
    let rate = n as f64 / secs;
    println!(
        "throughput {label}: {n} msgs QoS{qos} in {secs:.2} s = {rate:.0} msg/s (producer retried {full}x on a full queue)"
    );
    mqtt.shutdown(Duration::from_secs(5));
    rate
}

/// The synchronous baseline: publish, wait for the PUBACK, next (paho directly).
fn one_round_trip_per_message(port: u16, n: u64) -> f64 {
    let cli = paho_mqtt::CreateOptionsBuilder::new_v3()
        .server_uri(format!("tcp://127.0.0.1:{port}"))
        .client_id("bench-sync")
        .persistence(None)
        .create_client()
        .unwrap();
    cli.connect(paho_mqtt::ConnectOptionsBuilder::new_v3().finalize())
        .wait()
        .unwrap();
    let t0 = Instant::now();
    for i in 0..n {
        let m = paho_mqtt::Message::new(format!("bench/sync/{}", i % 16), vec![b'z'; 300], 1);
        cli.publish(m).wait().unwrap();
    }
    let rate = n as f64 / t0.elapsed().as_secs_f64();
    let _ = cli.disconnect(None).wait();
    println!("baseline one PUBACK round trip per message: {rate:.0} msg/s");
    rate
}

/// Starts the real binary against the broker and reads its footprint once it is idle.
/// Discovery is off: this runs in the machine's own namespace (the discovery footprint is
/// measured in the lab by the release issue's scripts).
fn idle_footprint(port: u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_camera-detector"))
        .env_clear()
        .env("DISCOVERY_ENABLED", "false")
        .env("MQTT_BROKER", "127.0.0.1")
        .env("MQTT_PORT", port.to_string())
        .env("BALENA_DEVICE_UUID", "bench-idle")
        .env("LOG_LEVEL", "WARNING")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(5));
    let pid = child.id();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .map(|l| l[k.len()..].trim().to_string())
            .unwrap_or_default()
    };
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    let size = std::fs::metadata(env!("CARGO_BIN_EXE_camera-detector"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "idle connected binary: VmRSS {}, VmHWM {}, threads {}, fds {fds}; binary {:.2} MiB (bench profile = release settings)",
        field("VmRSS:"),
        field("VmHWM:"),
        field("Threads:"),
        size as f64 / 1048576.0
    );
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
}

fn main() {
    // `cargo bench` passes --bench; any filter argument is ignored (one fixed suite).
    let broker = broker::Broker::start();
    let n = if quick() { 5_000 } else { 100_000 };
    enqueue_latency(broker.port);
    throughput(broker.port, 0, n, "loopback-qos0");
    let q1 = throughput(broker.port, 1, n, "loopback-qos1");
    let proxy = proxy::Proxy::start(broker.port, Duration::from_millis(10));
    let slow_n = if quick() { 2_000 } else { 20_000 };
    let q1_slow = throughput(proxy.port, 1, slow_n, "20ms-rtt-qos1");
    let sync = one_round_trip_per_message(proxy.port, if quick() { 50 } else { 200 });
    println!(
        "ratios: pipelined/sync at 20 ms RTT = {:.0}x; 20 ms RTT / loopback QoS1 = {:.2}",
        q1_slow / sync,
        q1_slow / q1
    );
    idle_footprint(broker.port);
}

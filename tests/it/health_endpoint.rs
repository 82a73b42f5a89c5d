//! Health without an MQTT session, with the real binary on loopback (discovery off):
//! `GET /health` and `camera-detector health` follow the session; hostile clients (a
//! slowloris, a huge request, garbage) each cost the endpoint at most its deadline; a port
//! already taken is a warning, not a failure; the status file when HTTP is off; systemd's
//! notify protocol against a fake NOTIFY_SOCKET (READY, WATCHDOG from a running loop
//! only, STOPPING).
use crate::support::broker::{free_port, Broker};
use crate::support::common::{eventually, signal};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_camera-detector"))
}

/// The service on loopback: discovery off, `extra` environment on top.
fn service(broker: u16, node: &str, extra: &[(&str, String)], log: &std::path::Path) -> Child {
    let mut c = bin();
    c.env_clear()
        .env("DISCOVERY_ENABLED", "false")
        .env("MQTT_BROKER", "127.0.0.1")
        .env("MQTT_PORT", broker.to_string())
        .env("BALENA_DEVICE_UUID", node)
        .env("STATE_PATH", "")
        .env("HEALTH_REPORT_INTERVAL", "5")
        .env("LOG_LEVEL", "DEBUG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"));
    for (k, v) in extra {
        c.env(k, v);
    }
    c.spawn().expect("spawn camera-detector")
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn health_cmd(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut c = bin();
    c.env_clear().arg("health").args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run camera-detector health")
}

fn line(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

/// One raw exchange: sends `req` (as far as the server takes it), reads until it closes.
/// Returns what came back and how long the server kept the connection.
fn exchange(port: u16, req: &[u8]) -> (String, Duration) {
    let t = Instant::now();
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(req);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    (String::from_utf8_lossy(&out).into_owned(), t.elapsed())
}

#[test]
fn health_follows_the_session_and_hostile_clients_cost_at_most_their_deadline() {
    let mut broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let env = [("HEALTH_HTTP_PORT", port.to_string())];
    let _svc = Running(service(broker.port, "hh", &env, &dir.path().join("a.log")));
    let ok = eventually(Duration::from_secs(15), || {
        health_cmd(&[], &env).status.code() == Some(0)
    });
    assert!(ok, "never healthy: {}", line(&health_cmd(&[], &env)));
    let o = health_cmd(&[], &env);
    assert_eq!(
        line(&o),
        "ok: mqtt connected, discovery off, 0/0 cameras online"
    );
    let url = format!("http://127.0.0.1:{port}/health");
    let j: serde_json::Value =
        serde_json::from_slice(&health_cmd(&["--url", &url, "--json"], &[]).stdout).unwrap();
    assert_eq!(j["healthy"], true);
    assert_eq!(j["mqtt_connected"], true);

    // A slowloris: one byte every 200 ms, never a full head. The server hangs up at its
    // deadline (1 s), not when the client is done.
    let slow = std::thread::spawn(move || {
        let t = Instant::now();
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut buf = [0u8; 512];
        for b in b"GET /health HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter() {
            if s.write_all(&[*b]).is_err() {
                break;
            }
            match s.read(&mut buf) {
                Ok(_) => return t.elapsed(), // the answer (408) or the close
                Err(_) if t.elapsed() > Duration::from_secs(20) => break,
                Err(_) => {}
            }
        }
        t.elapsed()
    });
    let held = slow.join().unwrap();
    eprintln!("slowloris held the endpoint {held:?}");
    assert!(held < Duration::from_secs(5), "slowloris held it {held:?}");

    // A huge request: refused at 8 KiB with 431, without reading the rest.
    let mut huge = b"GET /health HTTP/1.1\r\nX-Big: ".to_vec();
    huge.resize(1 << 20, b'a');
    let (resp, took) = exchange(port, &huge);
    assert!(resp.starts_with("HTTP/1.1 431 "), "{resp:?}");
    eprintln!("1 MiB request answered in {took:?}");

    // Garbage (a TLS ClientHello start) and a wrong method.
    let (resp, _) = exchange(port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03");
    assert!(resp.starts_with("HTTP/1.1 400 "), "{resp:?}");
    let (resp, _) = exchange(port, b"POST /health HTTP/1.1\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 405 "), "{resp:?}");
    let (resp, _) = exchange(port, b"GET /metrics HTTP/1.1\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp:?}");
    assert!(
        resp.contains("camera_detector_mqtt_connected 1\n"),
        "{resp}"
    );

    // After all that, still answering; then the broker goes: 503 and one line naming it.
    assert_eq!(health_cmd(&[], &env).status.code(), Some(0));
    broker.kill();
    let down = eventually(Duration::from_secs(15), || {
        health_cmd(&[], &env).status.code() == Some(1)
    });
    assert!(down, "still healthy without a broker");
    let o = health_cmd(&[], &env);
    let l = line(&o);
    assert!(l.starts_with("unhealthy: mqtt not connected"), "{l}");
    assert_eq!(l.lines().count(), 1);
    let (resp, _) = exchange(port, b"GET /health HTTP/1.1\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 503 "), "{resp:?}");
}

#[test]
fn a_health_port_already_taken_is_a_warning_and_the_service_runs_on() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let log = dir.path().join("b.log");
    let env = [("HEALTH_HTTP_PORT", port.to_string())];
    let sub = broker.subscribe("system/camera_detector_health/hb/lwt");
    let _svc = Running(service(broker.port, "hb", &env, &log));
    assert!(
        sub.wait_for(Duration::from_secs(15), |_, p| p.contains("online"))
            .is_some(),
        "the service connected anyway"
    );
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        text.lines()
            .any(|l| l.contains("WARN") && l.contains("health endpoint not started")),
        "{text}"
    );
}

#[test]
fn with_http_off_the_status_file_tells_the_health_and_the_stop() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run").join("health.json");
    let env = [
        ("HEALTH_HTTP_PORT", "0".to_owned()),
        ("HEALTH_STATUS_PATH", file.to_string_lossy().into_owned()),
    ];
    let mut svc = Running(service(broker.port, "hf", &env, &dir.path().join("c.log")));
    let ok = eventually(Duration::from_secs(20), || {
        health_cmd(&[], &env).status.code() == Some(0)
    });
    assert!(ok, "{}", line(&health_cmd(&[], &env)));
    signal(&svc.0, "-TERM");
    let _ = svc.0.wait();
    let o = health_cmd(&[], &env);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(line(&o), "unhealthy: the service stopped");
}

#[test]
fn systemd_hears_ready_then_watchdog_pings_only_while_the_loop_runs_then_stopping() {
    let broker = Broker::start();
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("notify.sock");
    let systemd = UnixDatagram::bind(&sock).unwrap();
    let env = [
        ("HEALTH_HTTP_PORT", "0".to_owned()),
        ("NOTIFY_SOCKET", sock.to_string_lossy().into_owned()),
        ("WATCHDOG_USEC", "400000".to_owned()),
    ];
    let svc = Running(service(broker.port, "hn", &env, &dir.path().join("d.log")));
    let mut buf = [0u8; 512];
    let mut next = |within: Duration| -> Option<String> {
        systemd.set_read_timeout(Some(within)).unwrap();
        let n = systemd.recv(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    };
    let first = next(Duration::from_secs(15)).expect("a notification");
    assert!(first.starts_with("READY=1\n"), "{first:?}");
    for _ in 0..3 {
        let m = next(Duration::from_secs(2)).expect("a ping every 0.2 s");
        assert_eq!(m, "WATCHDOG=1");
    }
    // A loop that does not turn does not ping.
    signal(&svc.0, "-STOP");
    while next(Duration::from_millis(100)).is_some() {} // pings already sent
    assert_eq!(next(Duration::from_secs(1)), None, "pinged while stopped");
    signal(&svc.0, "-CONT");
    assert_eq!(next(Duration::from_secs(2)).as_deref(), Some("WATCHDOG=1"));
    signal(&svc.0, "-TERM");
    let end = Instant::now() + Duration::from_secs(5);
    let mut stopping = false;
    while Instant::now() < end && !stopping {
        stopping = next(Duration::from_secs(1)).is_some_and(|m| m.starts_with("STOPPING=1"));
    }
    assert!(stopping, "STOPPING=1 on SIGTERM");
}

//! rumqttd (crates.io, installed by scripts/install-deps.sh into RUMQTTD_ROOT) as a test
//! peer: a broker that enforces a payload limit by default (20 KiB in its shipped config,
//! kept here) and answers a larger PUBLISH by dropping the connection. Runs on the
//! loopback of a namespace of the test's own, or of the machine; clients are mosquitto_sub.
use super::broker::{free_port, retained_cmd, Sub};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// rumqttd's default `max_payload_size` (its shipped rumqttd.toml).
pub const DEFAULT_MAX_PAYLOAD: usize = 20480;

pub struct Rumqttd {
    pub port: u16,
    child: Child,
    ns: Option<String>,
    _dir: tempfile::TempDir,
}

/// The installed binary; panics with how to install it (a silent skip would hide a gap).
pub fn binary() -> String {
    let root = std::env::var("RUMQTTD_ROOT")
        .unwrap_or_else(|_| "/var/cache/camera-detector/rumqttd".to_owned());
    let bin = format!("{root}/bin/rumqttd");
    assert!(
        std::path::Path::new(&bin).exists(),
        "{bin} missing: scripts/install-deps.sh installs rumqttd"
    );
    bin
}

impl Rumqttd {
    /// rumqttd on 127.0.0.1 of namespace `ns` (`None`: the machine's), its default limits.
    pub fn start(ns: Option<&str>) -> Rumqttd {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let conf = dir.path().join("rumqttd.toml");
        // rumqttd's shipped config, reduced to one MQTT 3.1.1 listener on loopback.
        let text = format!(
            "id = 0\n\n[router]\nid = 0\nmax_connections = 1000\nmax_outgoing_packet_count = 200\n\
             max_segment_size = 104857600\nmax_segment_count = 10\n\n[v4.1]\nname = \"v4-1\"\n\
             listen = \"127.0.0.1:{port}\"\nnext_connection_delay_ms = 1\n    [v4.1.connections]\n\
             connection_timeout_ms = 60000\n    max_payload_size = {DEFAULT_MAX_PAYLOAD}\n\
             max_inflight_count = 100\n    dynamic_filters = true\n"
        );
        std::fs::write(&conf, text).expect("write rumqttd.toml");
        let mut cmd = wrap(ns, &binary());
        let child = cmd
            .arg("-q")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("rumqttd.log")).expect("log"))
            .spawn()
            .expect("start rumqttd");
        let r = Rumqttd {
            port,
            child,
            ns: ns.map(str::to_owned),
            _dir: dir,
        };
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            let up = wrap(ns, "nc")
                .args(["-z", "-w", "1", "127.0.0.1", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if up {
                return r;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("rumqttd did not listen on 127.0.0.1:{port}");
    }

    fn sub_cmd(&self) -> Command {
        let mut c = wrap(self.ns.as_deref(), "mosquitto_sub");
        c.args(["-h", "127.0.0.1", "-p", &self.port.to_string()]);
        c
    }

    /// Retained messages under `filter`, read for at most `secs`.
    pub fn retained(&self, filter: &str, secs: u32) -> Vec<(String, String)> {
        retained_cmd(&mut self.sub_cmd(), filter, secs)
    }

    /// A live subscriber.
    pub fn subscribe(&self, filter: &str) -> Sub {
        Sub::start_cmd(&mut self.sub_cmd(), filter)
    }
}

fn wrap(ns: Option<&str>, program: &str) -> Command {
    match ns {
        None => Command::new(program),
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, program]);
            c
        }
    }
}

impl Drop for Rumqttd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

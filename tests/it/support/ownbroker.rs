//! A mosquitto one test owns on the lab bridge: its own [`OwnHost`] (locally administered
//! MAC `02:7e:57:00:00:NN`) with mosquitto on `<ip>:1883`, anonymous, no persistence (a
//! restart loses every retained message, like the lab's broker), reachable from the
//! detector namespace. The test may kill and restart it; clients (mosquitto_sub /
//! mosquitto_pub) run inside the detector namespace, where the detector runs. Dropping it
//! kills mosquitto and deletes the namespace.
use super::broker::{retained_cmd, Sub};
use super::lab::Lab;
use super::ownhost::OwnHost;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const MAC_PREFIX: [u8; 5] = [0x02, 0x7e, 0x57, 0x00, 0x00];
pub const PORT: u16 = 1883;
/// How long mosquitto may take to accept connections after a start.
pub const START_WITHIN: Duration = Duration::from_secs(10);

pub struct OwnBroker {
    child: Option<Child>,
    dir: tempfile::TempDir,
    /// The namespace the clients run in (lab.json `detector.ns`).
    det_ns: String,
    starts: u32,
    host: OwnHost,
}

impl OwnBroker {
    /// A running broker (accepting within [`START_WITHIN`]). `tag`: 1–3 of `[a-z0-9]`.
    pub fn start(lab: &Lab, tag: &str) -> OwnBroker {
        let det_ns = lab.truth["detector"]["ns"]
            .as_str()
            .expect("lab.json detector.ns")
            .to_string();
        let mut b = OwnBroker {
            child: None,
            dir: tempfile::tempdir().expect("temp dir"),
            det_ns,
            starts: 0,
            host: OwnHost::create(lab, tag, MAC_PREFIX),
        };
        b.spawn();
        b
    }

    fn spawn(&mut self) {
        let conf = self.path("mosquitto.conf");
        let body = format!(
            // `user root`: as root mosquitto would otherwise drop to user `mosquitto`, which
            // cannot write the log in this test's private temp dir.
            "user root\nlistener {PORT} 0.0.0.0\nallow_anonymous true\npersistence false\nlog_dest file {}\nlog_type all\nconnection_messages true\n",
            self.path("mosquitto.log").display()
        );
        std::fs::write(&conf, body).expect("write mosquitto.conf");
        self.starts += 1;
        let child = self
            .host
            .command("mosquitto")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto installed");
        self.child = Some(child);
        let child = &mut self.child;
        let up = self.host.wait_accepting(PORT, START_WITHIN, || {
            child
                .as_mut()
                .is_some_and(|c| c.try_wait().ok().flatten().is_none())
        });
        assert!(
            up,
            "owned broker {} ({}): not accepting on :{PORT} within {START_WITHIN:?}; log:\n{}",
            self.ns(),
            self.ip(),
            self.log()
        );
    }

    /// SIGKILL: the broker vanishes without a word (retained state lost).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Kill, then start again on the same address and port (empty: no persistence).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn ip(&self) -> Ipv4Addr {
        self.host.ip()
    }

    pub fn port(&self) -> u16 {
        PORT
    }

    /// (host, port) for the detector's MQTT_BROKER / MQTT_PORT (as `Lab::broker`).
    pub fn addr(&self) -> (String, u16) {
        (self.ip().to_string(), PORT)
    }

    pub fn ns(&self) -> &str {
        self.host.ns()
    }

    pub fn mac(&self) -> &str {
        self.host.mac()
    }

    /// mosquitto's pid while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// How many times mosquitto was started.
    pub fn starts(&self) -> u32 {
        self.starts
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// mosquitto's log (every start appends).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("mosquitto.log")).unwrap_or_default()
    }

    /// `[timeout LIMIT] program -h <ip> -p 1883` run in the detector namespace. No
    /// `timeout` for long-lived clients: killing it would orphan the client.
    fn client(&self, program: &str, limit_secs: Option<u32>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.det_ns]);
        if let Some(s) = limit_secs {
            c.args(["timeout", &s.to_string()]);
        }
        c.arg(program)
            .args(["-h", &self.ip().to_string(), "-p", &PORT.to_string()]);
        c
    }

    /// Publishes from the detector namespace (QoS 1; `retain` sets the retain flag);
    /// `Err` with mosquitto_pub's complaint. Bounded: `timeout 10`.
    pub fn publish(&self, topic: &str, payload: &str, retain: bool) -> Result<(), String> {
        let mut c = self.client("mosquitto_pub", Some(10));
        c.args(["-q", "1", "-t", topic, "-m", payload]);
        if retain {
            c.arg("-r");
        }
        let out = c.output().map_err(|e| format!("mosquitto_pub: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "mosquitto_pub to {}:{PORT} {topic}: {} {}",
                self.ip(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// A live subscriber in the detector namespace: messages under `filter` as
    /// (retained flag, topic, payload). Live means its subscription is in place (a probe
    /// it published came back), so nothing published afterwards is missed; retained
    /// messages delivered on subscribe are kept for `wait_for`/`drain`. mosquitto_sub
    /// reconnects and resubscribes by itself after a broker restart.
    pub fn subscribe(&self, filter: &str) -> Sub {
        let probe = format!("own-broker-probe/{}/{}", std::process::id(), self.ns());
        let mut sub = Sub::start_cmd(
            self.client("mosquitto_sub", None).args(["-t", &probe]),
            filter,
        );
        let live = sub.wait_live(&probe, 30, || {
            let _ = self.publish(&probe, "probe", false);
        });
        assert!(live, "subscriber on {}:{PORT} never live", self.ip());
        sub
    }

    /// Retained messages under `filter`, as (topic, payload), read in the detector
    /// namespace for at most `secs`.
    pub fn retained(&self, filter: &str, secs: u32) -> Vec<(String, String)> {
        retained_cmd(
            &mut self.client("mosquitto_sub", Some(secs + 10)),
            filter,
            secs,
        )
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        self.kill();
    }
}

//! A real mosquitto on a free loopback port, owned by one test: start, kill, restart,
//! freeze, read its log, subscribe with mosquitto_sub. Everything stays on 127.0.0.1 — the
//! machine's, or that of a namespace ([`Broker::start_in`]: the loopback of the lab's
//! detector namespace, where a detector under test reaches it).
//! ([`Sub`] and [`retained_cmd`] also serve the brokers of support/ownbroker.rs.)
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

pub struct Broker {
    pub port: u16,
    dir: tempfile::TempDir,
    extra: String,
    child: Option<Child>,
    /// The network namespace it runs in (`None`: the machine's).
    ns: Option<String>,
}

/// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Waits until something accepts TCP on 127.0.0.1:port (bounded).
pub fn wait_listening(port: u16, within: Duration) -> bool {
    let end = Instant::now() + within;
    while Instant::now() < end {
        if TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
            .is_ok()
        {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

impl Broker {
    /// Anonymous broker, no persistence (a restart loses retained state, as in the lab).
    pub fn start() -> Broker {
        Broker::start_with("allow_anonymous true\n", None)
    }

    /// Broker with extra config lines; `listener` replaces the plain loopback listener.
    pub fn start_with(extra: &str, port: Option<u16>) -> Broker {
        Broker::create(extra, port, None)
    }

    /// Anonymous broker without persistence on the loopback of namespace `ns`.
    pub fn start_in(ns: &str) -> Broker {
        Broker::create("allow_anonymous true\n", None, Some(ns.to_owned()))
    }

    /// As [`Broker::start_in`], with extra config lines (e.g. `message_size_limit`).
    pub fn start_in_with(ns: &str, extra: &str) -> Broker {
        Broker::create(
            &format!("allow_anonymous true\n{extra}"),
            None,
            Some(ns.to_owned()),
        )
    }

    fn create(extra: &str, port: Option<u16>, ns: Option<String>) -> Broker {
        let mut b = Broker {
            port: port.unwrap_or_else(free_port),
            dir: tempfile::tempdir().expect("temp dir"),
            extra: extra.to_string(),
            child: None,
            ns,
        };
        b.spawn();
        b
    }

    /// `program` in the broker's namespace.
    pub fn command(&self, program: &str) -> Command {
        match &self.ns {
            None => Command::new(program),
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, program]);
                c
            }
        }
    }

    /// Does something accept TCP on the broker's port (in its namespace)?
    pub fn accepts(&self) -> bool {
        match &self.ns {
            None => wait_listening(self.port, Duration::from_millis(300)),
            Some(_) => self
                .command("nc")
                .args(["-z", "-w", "1", "127.0.0.1", &self.port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success()),
        }
    }

    /// The broker's pid (`ip netns exec` execs it), while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn spawn(&mut self) {
        let conf = self.path("mosquitto.conf");
        let log = self.path("mosquitto.log");
        let body = format!(
            // `user root`: mosquitto started as root otherwise drops to user `mosquitto`,
            // which cannot write the log in this test's private temp dir.
            "user root\nlistener {} 127.0.0.1\npersistence false\nlog_dest file {}\nlog_type all\nconnection_messages true\n{}",
            self.port,
            log.display(),
            self.extra
        );
        std::fs::write(&conf, body).expect("write mosquitto.conf");
        // The port may linger briefly after a kill: retry a few times (bounded).
        for _ in 0..50 {
            let child = self
                .command("mosquitto")
                .arg("-c")
                .arg(&conf)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("mosquitto installed (scripts/test.sh installs it)");
            self.child = Some(child);
            let end = Instant::now() + Duration::from_secs(2);
            while Instant::now() < end {
                if self.accepts() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            self.kill();
        }
        panic!("mosquitto did not listen on 127.0.0.1:{}", self.port);
    }

    /// SIGKILL: the broker vanishes without a word (retained state lost).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("mosquitto.log")).unwrap_or_default()
    }

    /// mosquitto_sub args that reach this broker (override for TLS brokers).
    pub fn sub_args(&self) -> Vec<String> {
        vec![
            "-h".into(),
            "127.0.0.1".into(),
            "-p".into(),
            self.port.to_string(),
        ]
    }

    /// Retained messages under `filter`, as (topic, payload), read for at most `secs`.
    pub fn retained(&self, filter: &str, secs: u32) -> Vec<(String, String)> {
        retained_cmd(
            self.command("mosquitto_sub").args(self.sub_args()),
            filter,
            secs,
        )
    }

    /// A live subscriber; lines are (retained flag, topic, payload).
    pub fn subscribe(&self, filter: &str) -> Sub {
        Sub::start_cmd(self.command("mosquitto_sub").args(self.sub_args()), filter)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Retained messages under `filter` from a broker reached with `args` (mqtt_tls).
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub fn retained_with(args: &[String], filter: &str, secs: u32) -> Vec<(String, String)> {
    retained_cmd(Command::new("mosquitto_sub").args(args), filter, secs)
}

/// Retained messages under `filter`, read for at most `secs` by `cmd`, a mosquitto_sub
/// command line that reaches the broker (possibly wrapped, e.g. `ip netns exec`).
pub fn retained_cmd(cmd: &mut Command, filter: &str, secs: u32) -> Vec<(String, String)> {
    let out = cmd
        .args([
            "-t",
            filter,
            "--retained-only",
            "-W",
            &secs.to_string(),
            "-F",
            "%t\t%p",
        ])
        .output()
        .expect("mosquitto_sub installed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(t, p)| (t.to_string(), p.to_string()))
        .collect()
}

/// One received message: (retained flag, topic, payload).
pub type Msg = (bool, String, String);

/// A mosquitto_sub process whose output lines arrive on a channel.
pub struct Sub {
    child: Child,
    rx: Receiver<Msg>,
    /// Messages received while checking liveness ([`Sub::wait_live`]), delivered first.
    stash: RefCell<VecDeque<Msg>>,
    /// A topic never delivered (the liveness probe's).
    ignore: Option<String>,
}

impl Sub {
    /// `cmd` is a mosquitto_sub command line (possibly wrapped, e.g. `ip netns exec`).
    pub fn start_cmd(cmd: &mut Command, filter: &str) -> Sub {
        let mut child = cmd
            .args(["-t", filter, "-q", "1", "-F", "%r\t%t\t%p"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto_sub installed");
        let out = child.stdout.take().expect("piped stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let mut f = line.splitn(3, '\t');
                let (r, t, p) = (f.next(), f.next(), f.next());
                if let (Some(r), Some(t), Some(p)) = (r, t, p) {
                    if tx.send((r == "1", t.to_string(), p.to_string())).is_err() {
                        break;
                    }
                }
            }
        });
        Sub {
            child,
            rx,
            stash: RefCell::new(VecDeque::new()),
            ignore: None,
        }
    }

    /// The next message: stashed ones first, never the ignored topic.
    fn next(&self, within: Duration) -> Result<Msg, RecvTimeoutError> {
        if let Some(m) = self.stash.borrow_mut().pop_front() {
            return Ok(m);
        }
        let end = Instant::now() + within;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let m = self.rx.recv_timeout(left)?;
            if self.ignore.as_deref() != Some(m.1.as_str()) {
                return Ok(m);
            }
        }
    }

    /// Makes sure the subscription is in place without losing a message: calls `publish`
    /// (which must publish on `probe`, a topic this subscriber also subscribed to) until the
    /// probe arrives, at most `tries` times 300 ms. Everything else received meanwhile is
    /// kept for [`Sub::wait_for`] / [`Sub::drain`]; `probe` is never delivered. Returns
    /// whether the probe arrived.
    pub fn wait_live(&mut self, probe: &str, tries: u32, mut publish: impl FnMut()) -> bool {
        self.ignore = Some(probe.to_string());
        for _ in 0..tries {
            publish();
            let end = Instant::now() + Duration::from_millis(300);
            while let Some(left) = end.checked_duration_since(Instant::now()) {
                match self.rx.recv_timeout(left) {
                    Ok(m) if m.1 == probe => return true,
                    Ok(m) => self.stash.borrow_mut().push_back(m),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return false,
                }
            }
        }
        false
    }

    /// The next message whose topic and payload satisfy `pred`, within `within`.
    pub fn wait_for(
        &self,
        within: Duration,
        mut pred: impl FnMut(&str, &str) -> bool,
    ) -> Option<Msg> {
        let end = Instant::now() + within;
        loop {
            let left = end.checked_duration_since(Instant::now())?;
            match self.next(left) {
                Ok(m) if pred(&m.1, &m.2) => return Some(m),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    /// Publishes `topic` until this subscriber sees it (bounded: 50 × 200 ms): it is live
    /// and the publisher connected, so nothing published afterwards can be missed.
    pub fn assert_live(&self, p: &camera_detector::publish::Publisher, topic: &str) {
        let seen = (0..50).any(|_| {
            let _ = p.publish(camera_detector::publish::Message::event(topic, "x"));
            self.wait_for(Duration::from_millis(200), |t, _| t == topic)
                .is_some()
        });
        assert!(seen, "subscriber never saw {topic}");
    }

    /// Everything received so far (non-blocking), then for `quiet` more of silence.
    pub fn drain(&self, quiet: Duration) -> Vec<Msg> {
        let mut v = Vec::new();
        while let Ok(m) = self.next(quiet) {
            v.push(m);
            if v.len() > 1_000_000 {
                break;
            }
        }
        v
    }
}

impl Drop for Sub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

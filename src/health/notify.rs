//! systemd's notify protocol (sd_notify(3)): `READY=1` once the service runs, `WATCHDOG=1`
//! from the service thread's own loop (so a stuck loop stops pinging and systemd restarts
//! the service after WatchdogSec), `STOPPING=1` at shutdown, `STATUS=` lines. One unix
//! datagram per message to `$NOTIFY_SOCKET` (a path, or `@name` in the abstract
//! namespace); without it (not under systemd) nothing is sent. The ping clock
//! ([`Watchdog`]) is pure.
use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Where the notifications go.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Path(PathBuf),
    Abstract(Vec<u8>),
}

/// A socket to systemd's notify socket.
#[derive(Debug)]
pub struct Notifier {
    sock: UnixDatagram,
    target: Target,
}

impl Notifier {
    /// From `NOTIFY_SOCKET` as `get` reads it; `None` when unset or empty (not under
    /// systemd, or `Type=simple`).
    ///
    /// # Errors
    /// The datagram socket cannot be created.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> io::Result<Option<Notifier>> {
        let Some(v) = get("NOTIFY_SOCKET").filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let target = match v.strip_prefix('@') {
            Some(name) => Target::Abstract(name.as_bytes().to_vec()),
            None => Target::Path(PathBuf::from(v)),
        };
        Ok(Some(Notifier {
            sock: UnixDatagram::unbound()?,
            target,
        }))
    }

    /// Sends one notification (`KEY=value` lines).
    ///
    /// # Errors
    /// The datagram could not be sent (systemd gone, socket path wrong).
    pub fn send(&self, msg: &str) -> io::Result<()> {
        match &self.target {
            Target::Path(p) => self.sock.send_to(msg.as_bytes(), p).map(|_| ()),
            Target::Abstract(name) => {
                use std::os::linux::net::SocketAddrExt;
                let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
                self.sock.send_to_addr(msg.as_bytes(), &addr).map(|_| ())
            }
        }
    }
}

/// The watchdog period systemd asks for: `WATCHDOG_USEC`, when `WATCHDOG_PID` is unset or
/// ours.
#[must_use]
pub fn watchdog_period(get: impl Fn(&str) -> Option<String>, pid: u32) -> Option<Duration> {
    if let Some(p) = get("WATCHDOG_PID") {
        if p.trim().parse::<u32>().ok() != Some(pid) {
            return None;
        }
    }
    let usec: u64 = get("WATCHDOG_USEC")?.trim().parse().ok()?;
    (usec > 0).then(|| Duration::from_micros(usec))
}

/// When to ping: every half period (systemd's advice), counted from the last ping.
#[derive(Debug, Clone)]
pub struct Watchdog {
    every: Duration,
    next: Instant,
}

impl Watchdog {
    /// For a watchdog `period`; the first ping is due at once.
    #[must_use]
    pub fn new(period: Duration, now: Instant) -> Self {
        Watchdog {
            every: (period / 2).max(Duration::from_millis(10)),
            next: now,
        }
    }

    /// True when a ping is due at `now` (and then counts it as sent).
    pub fn due(&mut self, now: Instant) -> bool {
        if now < self.next {
            return false;
        }
        self.next = now + self.every;
        true
    }

    /// When the next ping is due: the service loop must wake up by then.
    #[must_use]
    pub fn next(&self) -> Instant {
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_unit_waits_for_ready_and_watches_the_pings() {
        let unit = include_str!("../../dist/camera-detector.service");
        let keys: Vec<&str> = unit.lines().map(str::trim).collect();
        assert!(keys.contains(&"Type=notify"), "{unit}");
        assert!(keys.contains(&"NotifyAccess=main"));
        let secs: u64 = keys
            .iter()
            .find_map(|l| l.strip_prefix("WatchdogSec="))
            .and_then(|v| v.parse().ok())
            .expect("WatchdogSec=N");
        assert!(secs >= 10, "room for a slow fsync on an SD card: {secs}");
    }

    #[test]
    fn pings_every_half_period_from_the_last_one() {
        let t = Instant::now();
        let mut w = Watchdog::new(Duration::from_secs(10), t);
        assert!(w.due(t));
        assert!(!w.due(t + Duration::from_secs(4)));
        assert_eq!(w.next(), t + Duration::from_secs(5));
        // A loop that comes late pings once, and the next is half a period later.
        assert!(w.due(t + Duration::from_secs(9)));
        assert!(!w.due(t + Duration::from_secs(13)));
        assert!(w.due(t + Duration::from_secs(14)));
    }

    #[test]
    fn the_period_comes_from_watchdog_usec_for_our_pid_only() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            watchdog_period(env(&[("WATCHDOG_USEC", "30000000")]), 7),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            watchdog_period(
                env(&[("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", "7")]),
                7
            ),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            watchdog_period(
                env(&[("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", "8")]),
                7
            ),
            None,
            "meant for another process"
        );
        assert_eq!(watchdog_period(env(&[("WATCHDOG_USEC", "0")]), 7), None);
        assert_eq!(watchdog_period(env(&[]), 7), None);
    }

    #[test]
    fn notifications_arrive_as_one_datagram_each_on_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let systemd = UnixDatagram::bind(&path).unwrap();
        systemd
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let p = path.to_string_lossy().into_owned();
        let n = Notifier::from_env(|k| (k == "NOTIFY_SOCKET").then(|| p.clone()))
            .unwrap()
            .expect("set");
        n.send("READY=1\nSTATUS=up").unwrap();
        n.send("WATCHDOG=1").unwrap();
        let mut buf = [0u8; 256];
        let got = systemd.recv(&mut buf).unwrap();
        assert_eq!(&buf[..got], b"READY=1\nSTATUS=up");
        let got = systemd.recv(&mut buf).unwrap();
        assert_eq!(&buf[..got], b"WATCHDOG=1");
    }

    #[test]
    fn an_abstract_socket_is_reached_by_its_at_name() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("cd-notify-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let systemd = UnixDatagram::bind_addr(&addr).unwrap();
        systemd
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let at = format!("@{name}");
        let n = Notifier::from_env(|k| (k == "NOTIFY_SOCKET").then(|| at.clone()))
            .unwrap()
            .expect("set");
        n.send("STOPPING=1").unwrap();
        let mut buf = [0u8; 64];
        let got = systemd.recv(&mut buf).unwrap();
        assert_eq!(&buf[..got], b"STOPPING=1");
        assert!(Notifier::from_env(|_| None).unwrap().is_none());
        assert!(Notifier::from_env(|_| Some(String::new()))
            .unwrap()
            .is_none());
    }
}

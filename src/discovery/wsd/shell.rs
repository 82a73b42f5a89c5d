//! The sockets around the WS-Discovery codec.
//!
//! [`discover`]: one UDP socket per interface address (bound to it, ephemeral port,
//! multicast TTL 1 and multicast interface set) sends the Probe to 239.255.255.250:3702, and
//! one more socket (bound to 0.0.0.0) sends it to port 3702 of each `unicast` host (for
//! routed networks and VLANs that multicast does not reach). Each Probe goes out twice with
//! the same MessageID (SOAP-over-UDP retransmission: a device that got both answers once if
//! it deduplicates, twice otherwise), the second copy after [`RESEND_GAP`], timed by the
//! receive timeout. Every socket collects answers on its own thread until the window ends
//! (a single socket on the caller's).
//!
//! [`HelloListener`]: 0.0.0.0:3702 with SO_REUSEADDR, joined to the group on the given
//! interfaces, reads Hello and Bye announcements between scans; the caller owns the thread.
//!
//! Every socket operation has a timeout (the receive timeout never exceeds the time left);
//! errors are logged as one line naming interface, address, port and phase, and an error
//! on one interface does not stop the others.
use super::{
    is_camera, message_id, parse, probe_message, Collector, Found, Message, PeerStats, WsdError,
    MULTICAST_GROUP, PORT,
};
use crate::discovery::net::Iface;
use parking_lot::Mutex;
use socket2::{Domain, InterfaceIndexOrAddress, Protocol, SockAddr, Socket, Type};
use std::collections::{BTreeMap, HashSet};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

/// Delay between the two copies of a Probe (capped at half the window).
pub const RESEND_GAP: Duration = Duration::from_millis(200);
/// Most announcements one [`HelloListener::recv_heard_until`] call returns.
pub const MAX_HEARD: usize = 256;

/// The outcome of one probe round, with what the measurements need.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Cameras, ordered by address then endpoint.
    pub found: Vec<Found>,
    /// Every address that sent a datagram to one of our sockets.
    pub peers: BTreeMap<Ipv4Addr, PeerStats>,
    /// Probe datagrams that left (all sockets, both copies, all destinations).
    pub probes_sent: u32,
    /// Sockets that could send at least one Probe.
    pub sockets_ok: u32,
    /// Sockets that failed before sending anything (each logged).
    pub sockets_failed: u32,
    /// Time from the start of the round (the first Probe leaves right after) to the last
    /// datagram answering one of our Probes.
    pub last_answer: Option<Duration>,
}

/// Probes for ONVIF cameras for `window`: multicast on every interface of `ifaces`, unicast
/// to port 3702 of every host in `unicast`; returns the cameras (UDP source address,
/// XAddrs rewritten onto it), deduplicated by (address, endpoint).
///
/// # Errors
///
/// Only when no socket could send a Probe at all (the first error); with nothing to probe
/// (both lists empty) the result is empty.
pub fn discover(
    ifaces: &[Iface],
    unicast: &[Ipv4Addr],
    window: Duration,
) -> Result<Vec<Found>, WsdError> {
    discover_report(ifaces, unicast, window, &|_| {}).map(|r| r.found)
}

/// [`discover`], handing each camera to `on_found` the moment its first answer arrives
/// (the caller can start on it while the window is still open).
///
/// # Errors
///
/// As [`discover`].
pub fn discover_each(
    ifaces: &[Iface],
    unicast: &[Ipv4Addr],
    window: Duration,
    on_found: &(dyn Fn(Found) + Sync),
) -> Result<Vec<Found>, WsdError> {
    discover_report(ifaces, unicast, window, on_found).map(|r| r.found)
}

/// [`discover_each`] with the per-peer counts and timings.
///
/// # Errors
///
/// As [`discover`].
pub fn discover_report(
    ifaces: &[Iface],
    unicast: &[Ipv4Addr],
    window: Duration,
    on_found: &(dyn Fn(Found) + Sync),
) -> Result<Report, WsdError> {
    let mut jobs: Vec<Job> = ifaces
        .iter()
        .map(|i| Job {
            label: i.name.clone(),
            bind: i.ip,
            multicast: true,
            dests: vec![SocketAddrV4::new(MULTICAST_GROUP, PORT)],
            id: new_id(),
        })
        .collect();
    if !unicast.is_empty() {
        jobs.push(Job {
            label: "unicast".into(),
            bind: Ipv4Addr::UNSPECIFIED,
            multicast: false,
            dests: unicast
                .iter()
                .map(|&h| SocketAddrV4::new(h, PORT))
                .collect(),
            id: new_id(),
        });
    }
    if jobs.is_empty() {
        return Ok(Report::default());
    }
    let collector = Mutex::new(Collector::new(jobs.iter().map(|j| j.id.clone()).collect()));
    let start = Instant::now();
    let deadline = start + window;
    let gap = RESEND_GAP.min(window / 2);
    // One socket (the usual single-interface pass) runs on the caller's thread: a thread
    // started per pass costs the allocator a fresh arena (see `engine::threads`).
    let results: Vec<Result<u32, WsdError>> = if let [job] = jobs.as_slice() {
        vec![job.run(start, gap, deadline, &collector, on_found)]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .iter()
                .map(|job| {
                    let collector = &collector;
                    std::thread::Builder::new()
                        .name(format!("wsd-{}", job.label))
                        .spawn_scoped(s, move || {
                            job.run(start, gap, deadline, collector, on_found)
                        })
                })
                .collect();
            handles
                .into_iter()
                .zip(&jobs)
                .map(|(h, job)| match h {
                    Ok(h) => h.join().unwrap_or_else(|_| {
                        Err(job.err(0, "thread", io::Error::other("panicked")))
                    }),
                    Err(e) => Err(job.err(0, "spawn thread", e)),
                })
                .collect()
        })
    };
    let mut report = Report::default();
    let mut first_err = None;
    for r in results {
        match r {
            Ok(sent) => {
                report.sockets_ok += 1;
                report.probes_sent += sent;
            }
            Err(e) => {
                log::warn!("{e}");
                report.sockets_failed += 1;
                first_err.get_or_insert(e);
            }
        }
    }
    if report.sockets_ok == 0 {
        if let Some(e) = first_err {
            return Err(e);
        }
    }
    let c = collector.into_inner();
    report.found = c.found();
    report.last_answer = c.last_answer();
    report.peers = c.peers().clone();
    Ok(report)
}

fn new_id() -> String {
    let mut b = [0u8; 16];
    fastrand::fill(&mut b);
    message_id(b)
}

/// One probing socket.
struct Job {
    label: String,
    bind: Ipv4Addr,
    multicast: bool,
    dests: Vec<SocketAddrV4>,
    id: String,
}

impl Job {
    fn err(&self, port: u16, phase: &'static str, source: io::Error) -> WsdError {
        WsdError::Socket {
            iface: self.label.clone(),
            ip: self.bind,
            port,
            phase,
            source,
        }
    }

    /// Opens the socket, sends the Probe twice, feeds answers to `collector` until
    /// `deadline`. Ok(probes sent) once the first copy left for at least one destination.
    fn run(
        &self,
        start: Instant,
        gap: Duration,
        deadline: Instant,
        collector: &Mutex<Collector>,
        on_found: &(dyn Fn(Found) + Sync),
    ) -> Result<u32, WsdError> {
        let sock = self.open()?;
        let probe = probe_message(&self.id);
        let mut sent = self.send_all(&sock, probe.as_bytes(), "send probe")?;
        let mut resend_at = Some(Instant::now() + gap);
        let mut buf = vec![0u8; 65_536];
        loop {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            if resend_at.is_some_and(|t| now >= t) {
                resend_at = None;
                match self.send_all(&sock, probe.as_bytes(), "resend probe") {
                    Ok(n) => sent += n,
                    Err(e) => log::warn!("{e}"),
                }
                continue;
            }
            let wake = resend_at.map_or(deadline, |t| t.min(deadline));
            let timeout = wake
                .saturating_duration_since(now)
                .max(Duration::from_millis(1));
            if let Err(e) = sock.set_read_timeout(Some(timeout)) {
                log::warn!("{}", self.err(0, "set receive timeout", e));
                break;
            }
            match sock.recv_from(&mut buf) {
                Ok((n, SocketAddr::V4(src))) => {
                    let at = Instant::now().saturating_duration_since(start);
                    let fresh = collector.lock().absorb(*src.ip(), &buf[..n], at);
                    fresh.into_iter().for_each(on_found);
                }
                Ok((_, SocketAddr::V6(_))) => {}
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::ConnectionRefused => {}
                Err(e) => {
                    log::warn!("{}", self.err(0, "receive", e));
                    break;
                }
            }
        }
        Ok(sent)
    }

    fn open(&self) -> Result<UdpSocket, WsdError> {
        let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
            .map_err(|e| self.err(0, "socket", e))?;
        s.bind(&SockAddr::from(SocketAddrV4::new(self.bind, 0)))
            .map_err(|e| self.err(0, "bind", e))?;
        if self.multicast {
            s.set_multicast_ttl_v4(1)
                .map_err(|e| self.err(0, "set multicast ttl", e))?;
            s.set_multicast_if_v4(&self.bind)
                .map_err(|e| self.err(0, "set multicast interface", e))?;
        }
        let s: UdpSocket = s.into();
        s.set_write_timeout(Some(Duration::from_secs(1)))
            .map_err(|e| self.err(0, "set send timeout", e))?;
        Ok(s)
    }

    /// Sends to every destination; errors per destination are logged. Err (the first one)
    /// only when nothing left.
    fn send_all(&self, sock: &UdpSocket, msg: &[u8], phase: &'static str) -> Result<u32, WsdError> {
        let mut sent = 0;
        let mut first_err = None;
        for d in &self.dests {
            match sock.send_to(msg, d) {
                Ok(_) => sent += 1,
                Err(e) => {
                    let e = WsdError::Socket {
                        iface: self.label.clone(),
                        ip: *d.ip(),
                        port: d.port(),
                        phase,
                        source: e,
                    };
                    if self.dests.len() > 1 {
                        log::warn!("{e}");
                    }
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) if sent == 0 => Err(e),
            _ => Ok(sent),
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// An announcement heard by the [`HelloListener`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// A Hello that passes [`is_camera`].
    Camera(Found),
    /// A Hello that does not (e.g. wsdd's `pub:Computer`).
    NotCamera {
        ip: Ipv4Addr,
        endpoint: String,
        types: Vec<String>,
    },
    /// A Bye (the endpoint leaves; its types are usually not sent).
    Bye { ip: Ipv4Addr, endpoint: String },
}

/// Listens for Hello/Bye on 0.0.0.0:3702 between scans.
#[derive(Debug)]
pub struct HelloListener {
    socket: UdpSocket,
}

impl HelloListener {
    /// Binds 0.0.0.0:3702 (SO_REUSEADDR, so it coexists with other listeners that set it
    /// too) and joins 239.255.255.250 on each interface of `ifaces` (by index; a failed join
    /// is logged and the others are kept).
    ///
    /// # Errors
    ///
    /// [`WsdError::PortTaken`] when another process holds the port without SO_REUSEADDR,
    /// [`WsdError::NoMembership`] when no join succeeded, [`WsdError::Socket`] otherwise.
    pub fn bind(ifaces: &[Iface]) -> Result<HelloListener, WsdError> {
        let err = |phase, source| WsdError::Socket {
            iface: "hello".into(),
            ip: Ipv4Addr::UNSPECIFIED,
            port: PORT,
            phase,
            source,
        };
        let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))
            .map_err(|e| err("socket", e))?;
        s.set_reuse_address(true)
            .map_err(|e| err("set SO_REUSEADDR", e))?;
        s.bind(&SockAddr::from(SocketAddrV4::new(
            Ipv4Addr::UNSPECIFIED,
            PORT,
        )))
        .map_err(|e| match e.kind() {
            io::ErrorKind::AddrInUse => WsdError::PortTaken {
                port: PORT,
                source: e,
            },
            _ => err("bind", e),
        })?;
        let mut joined = HashSet::new();
        for i in ifaces {
            if joined.contains(&i.index) {
                continue;
            }
            match s.join_multicast_v4_n(&MULTICAST_GROUP, &InterfaceIndexOrAddress::Index(i.index))
            {
                Ok(()) => {
                    joined.insert(i.index);
                }
                Err(e) => log::warn!(
                    "ws-discovery hello listener {} {}:{PORT} join {MULTICAST_GROUP}: {e}",
                    i.name,
                    i.ip
                ),
            }
        }
        if joined.is_empty() {
            return Err(WsdError::NoMembership {
                group: MULTICAST_GROUP,
                tried: ifaces.len(),
            });
        }
        Ok(HelloListener { socket: s.into() })
    }

    /// Camera Hellos received until `deadline` (blocking), one per (address, endpoint),
    /// XAddrs rewritten onto the sender's address.
    #[must_use]
    pub fn recv_until(&self, deadline: Instant) -> Vec<Found> {
        cameras(self.recv_heard_until(deadline))
    }

    /// Every Hello and Bye received until `deadline` (blocking), in arrival order, at most
    /// [`MAX_HEARD`]; repeated datagrams are repeated here. Anything else is ignored.
    #[must_use]
    pub fn recv_heard_until(&self, deadline: Instant) -> Vec<Heard> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 65_536];
        loop {
            let now = Instant::now();
            if now >= deadline || out.len() >= MAX_HEARD {
                break;
            }
            let timeout = (deadline - now).max(Duration::from_millis(1));
            if let Err(e) = self.socket.set_read_timeout(Some(timeout)) {
                log::warn!("ws-discovery hello listener 0.0.0.0:{PORT} set receive timeout: {e}");
                break;
            }
            let (n, src) = match self.socket.recv_from(&mut buf) {
                Ok((n, SocketAddr::V4(src))) => (n, *src.ip()),
                Ok(_) => continue,
                Err(e) if is_timeout(&e) => continue,
                Err(e) => {
                    log::warn!("ws-discovery hello listener 0.0.0.0:{PORT} receive: {e}");
                    break;
                }
            };
            match parse(&buf[..n]) {
                Ok(Message::Hello(m)) if is_camera(&m) => {
                    out.push(Heard::Camera(Found::from_match(&m, src)));
                }
                Ok(Message::Hello(m)) => out.push(Heard::NotCamera {
                    ip: src,
                    endpoint: m.endpoint,
                    types: m.types,
                }),
                Ok(Message::Bye { endpoint }) => out.push(Heard::Bye { ip: src, endpoint }),
                Ok(_) => {}
                Err(e) => log::debug!("ws-discovery announcement from {src}: {e}"),
            }
        }
        out
    }
}

/// The cameras among `heard`, first of each (address, endpoint), in arrival order.
fn cameras(heard: Vec<Heard>) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    for h in heard {
        if let Heard::Camera(f) = h {
            if !out.iter().any(|o| o.ip == f.ip && o.endpoint == f.endpoint) {
                out.push(f);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cameras_keeps_first_of_each_address_and_endpoint() {
        let cam = |ip: [u8; 4], ep: &str, x: &str| {
            Heard::Camera(Found {
                ip: ip.into(),
                endpoint: ep.into(),
                xaddrs: vec![x.into()],
                scopes: vec![],
                types: vec![],
                name: None,
                hardware: None,
            })
        };
        let heard = vec![
            cam([10, 0, 0, 1], "a", "first"),
            Heard::Bye {
                ip: [10, 0, 0, 1].into(),
                endpoint: "a".into(),
            },
            cam([10, 0, 0, 1], "a", "second"),
            Heard::NotCamera {
                ip: [10, 0, 0, 3].into(),
                endpoint: "pc".into(),
                types: vec![],
            },
            cam([10, 0, 0, 2], "a", "other host"),
            cam([10, 0, 0, 1], "b", "other endpoint"),
        ];
        let got: Vec<String> = cameras(heard)
            .into_iter()
            .map(|f| f.xaddrs[0].clone())
            .collect();
        assert_eq!(got, ["first", "other host", "other endpoint"]);
    }
}

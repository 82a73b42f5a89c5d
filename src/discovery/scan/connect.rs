//! The TCP connect scan: one thread, one `mio::Poll`, thousands of non-blocking connects in
//! flight. A connect is open when the socket turns writable without an error (it is closed
//! at once; no byte is sent), refused on RST, unreachable on ICMP/ARP failure, and timed
//! out at its own deadline (start + connect timeout). How many start and when, and which
//! expired, is decided by the pure [`Schedule`] fed with `Instant::now()`; this file only
//! does the syscalls. Before the scan the soft RLIMIT_NOFILE is raised toward the hard
//! limit, only as far as the in-flight target needs ([`fd_budget`]).
//!
//! Pacing matters because of the kernel's IPv4 neighbour table, not because of us. On an
//! on-link network every SYN to a new address first needs an ARP entry; for an address
//! nobody answers, that entry stays unreclaimable for ~3–4 s. The table is one for all
//! namespaces and refuses new entries past `gc_thresh3` (1024 by default): the SYN is then
//! dropped with "neighbor table overflow!" in the kernel log, connect() still says
//! EINPROGRESS, and the host looks like a timeout. Measured (benches/scan.rs, empty on-link
//! /20, 2 ports): unpaced, 1.7 s but 12 332 dropped SYNs and the one listener at the far
//! end missed; 1000 connects/s: 5 797 drops; 500/s: 2 drops; 300/s (the default): none,
//! 27 s. [`safe_pacing`] derives the rate from the table's size and fill.
use super::pace::{fd_budget, neighbour_pacing, paced_in_flight, Limits, Pacing, Schedule};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use socket2::{Domain, Protocol, Socket, Type};
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

/// Descriptors left to the rest of the process (MQTT, discovery sockets, logs).
pub const FD_RESERVE: u64 = 64;

/// Connects started between two readiness polls.
const BATCH: usize = 256;

/// Error lines kept in a report (the counters have the totals).
const MAX_ERROR_SAMPLES: usize = 8;

// Linux errno values (std has no stable ErrorKind for some of them at our MSRV).
const EINPROGRESS: i32 = 115;
const ENFILE: i32 = 23;
const EMFILE: i32 = 24;
const ENOBUFS: i32 = 105;
const EADDRNOTAVAIL: i32 = 99;
const ENETUNREACH: i32 = 101;
const EHOSTUNREACH: i32 = 113;
const ENETDOWN: i32 = 100;
const EHOSTDOWN: i32 = 112;
const ETIMEDOUT: i32 = 110;

/// How one scan runs.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Deadline of each connect, counted from its start.
    pub connect_timeout: Duration,
    /// New connects per second (SCAN_RATE); 0 = unlimited.
    pub rate_per_sec: u32,
    /// Connects that may start at once before the rate applies.
    pub burst: u32,
    /// Sockets open at once (further bounded by RLIMIT_NOFILE).
    pub max_in_flight: usize,
    /// Source address to bind (the interface's address), or the kernel's choice.
    pub source: Option<Ipv4Addr>,
}

/// The proposed defaults (benches/scan.rs measures them):
///
/// - connect timeout 1.5 s: a LAN camera answers a SYN in milliseconds, but the first SYN
///   waits for ARP, and a lost SYN or ARP request is retried after 1 s; 1.5 s allows that
///   one retry (1 s would not) while a /24 still costs ~1.5 s;
/// - 300 connects/s with a burst of 500: [`safe_pacing`] for two ports on a default kernel
///   (gc_thresh3 = 1024): 150 new hosts/s keep the neighbour table from overflowing on an
///   on-link network where nobody answers (measured: 250 hosts/s starts dropping SYNs);
///   the burst lets a whole /24 start at once;
/// - 2048 sockets in flight: paced scans never reach it (burst + rate × timeout ≈ 950);
///   it bounds SCAN_RATE=0 scans (~2100 descriptors).
impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            connect_timeout: Duration::from_millis(1500),
            rate_per_sec: 300,
            burst: 500,
            max_in_flight: 2048,
            source: None,
        }
    }
}

/// One line per failure: target, phase, OS error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    #[error("scan {ip}:{port} {phase}: {source}")]
    Connect {
        ip: Ipv4Addr,
        port: u16,
        phase: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("scan {phase}: {source}")]
    Setup {
        phase: &'static str,
        #[source]
        source: io::Error,
    },
}

/// What a scan found. `attempted = open + refused + timed_out + unreachable + other_errors`.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// Targets that accepted a connection, sorted.
    pub open: Vec<SocketAddrV4>,
    pub attempted: usize,
    /// RST: the host is there, the port is closed.
    pub refused: usize,
    /// The hosts that answered with a RST.
    pub refused_hosts: BTreeSet<Ipv4Addr>,
    pub timed_out: usize,
    /// Host/network unreachable (ARP failed, ICMP, no route), at start or later.
    pub unreachable: usize,
    pub other_errors: usize,
    /// The most sockets open at once, and the cap the descriptor budget allowed.
    pub peak_in_flight: usize,
    pub in_flight_cap: usize,
    pub elapsed: Duration,
    /// The first few failures other than refused/timeout/unreachable, one line each.
    pub errors: Vec<ScanError>,
}

/// The fate of one connect, from its error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Refused,
    Unreachable,
    TimedOut,
    /// Out of descriptors, buffers or local ports: retry later, when sockets closed.
    Resources,
    Other,
}

/// Sorts an OS error into an [`Outcome`].
#[must_use]
pub fn classify(e: &io::Error) -> Outcome {
    match e.raw_os_error() {
        Some(ENETUNREACH | EHOSTUNREACH | ENETDOWN | EHOSTDOWN) => Outcome::Unreachable,
        Some(ETIMEDOUT) => Outcome::TimedOut,
        Some(EMFILE | ENFILE | ENOBUFS | EADDRNOTAVAIL) => Outcome::Resources,
        _ if e.kind() == io::ErrorKind::ConnectionRefused => Outcome::Refused,
        _ if e.kind() == io::ErrorKind::TimedOut => Outcome::TimedOut,
        _ => Outcome::Other,
    }
}

/// Connects to every target (see the module doc); never fails as a whole: a target that
/// cannot even start is counted and the scan goes on.
#[must_use]
pub fn scan(targets: &[SocketAddrV4], opts: &ScanOptions) -> ScanReport {
    let t0 = Instant::now();
    let mut r = ScanReport::default();
    let mut poll = match Poll::new() {
        Ok(p) => p,
        Err(source) => {
            r.attempted = targets.len();
            r.other_errors = targets.len();
            r.errors.push(ScanError::Setup {
                phase: "epoll",
                source,
            });
            return r;
        }
    };
    let mut want = opts.max_in_flight.min(targets.len()).max(1);
    if let Some(paced) = paced_in_flight(opts.rate_per_sec, opts.burst, opts.connect_timeout) {
        want = want.min(paced);
    }
    r.in_flight_cap = reserve_fds(want);
    let limits = Limits {
        connect_timeout: opts.connect_timeout,
        rate_per_sec: opts.rate_per_sec,
        burst: opts.burst,
        max_in_flight: r.in_flight_cap,
        batch: BATCH,
    };
    let mut sched = Schedule::new(targets.len(), limits, t0);
    let mut conns: HashMap<usize, (TcpStream, SocketAddrV4)> = HashMap::new();
    let mut events = Events::with_capacity(1024);
    let mut next = 0;
    loop {
        let now = Instant::now();
        for id in sched.expired(now) {
            conns.remove(&id);
            r.timed_out += 1;
        }
        for _ in 0..sched.starts(now) {
            let addr = targets[next];
            match start(&poll, addr, opts.source, next) {
                Ok(s) => {
                    conns.insert(next, (s, addr));
                    sched.started(next, now);
                }
                // Out of descriptors or local ports: wait for sockets to close, retry this
                // target then (the cap stays at what the process could hold).
                Err((phase, e))
                    if phase != "bind"
                        && classify(&e) == Outcome::Resources
                        && sched.throttle() =>
                {
                    break
                }
                Err((phase, e)) => {
                    sched.skipped();
                    r.count(classify(&e), addr, phase, e);
                }
            }
            next += 1;
        }
        let Some(wait) = sched.wait(Instant::now()) else {
            break;
        };
        if let Err(e) = poll.poll(&mut events, Some(wait)) {
            if e.kind() != io::ErrorKind::Interrupted {
                // epoll_wait does not fail on a valid epoll fd; if it does, give up the
                // rest as errors rather than spin.
                r.push_error(ScanError::Setup {
                    phase: "epoll_wait",
                    source: e,
                });
                let left = targets.len() - next + conns.len();
                r.other_errors += left;
                break;
            }
        }
        for ev in &events {
            let id = ev.token().0;
            let Some((s, addr)) = conns.get(&id) else {
                continue;
            };
            let addr = *addr;
            let verdict = match s.take_error() {
                Ok(Some(e)) | Err(e) => Some(Err(e)),
                Ok(None) => match s.peer_addr() {
                    Ok(_) => Some(Ok(())),
                    // Spurious wake-up: still connecting.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => None,
                    Err(e) => Some(Err(e)),
                },
            };
            let Some(verdict) = verdict else { continue };
            conns.remove(&id);
            sched.finished(id);
            match verdict {
                Ok(()) => r.open.push(addr),
                Err(e) => r.count(classify(&e), addr, "handshake", e),
            }
        }
    }
    r.attempted = next;
    r.open.sort_unstable();
    r.peak_in_flight = sched.peak();
    r.elapsed = t0.elapsed();
    log::debug!(
        "scan: {} targets, {} open, {} refused, {} timed out, {} unreachable, {} errors, \
         peak {} in flight (cap {}), {:.2} s",
        r.attempted,
        r.open.len(),
        r.refused,
        r.timed_out,
        r.unreachable,
        r.other_errors,
        r.peak_in_flight,
        r.in_flight_cap,
        r.elapsed.as_secs_f64()
    );
    r
}

impl ScanReport {
    fn count(&mut self, o: Outcome, addr: SocketAddrV4, phase: &'static str, e: io::Error) {
        match o {
            Outcome::Refused => {
                self.refused += 1;
                self.refused_hosts.insert(*addr.ip());
            }
            Outcome::Unreachable => self.unreachable += 1,
            Outcome::TimedOut => self.timed_out += 1,
            Outcome::Resources | Outcome::Other => {
                self.other_errors += 1;
                self.push_error(ScanError::Connect {
                    ip: *addr.ip(),
                    port: addr.port(),
                    phase,
                    source: e,
                });
            }
        }
    }

    fn push_error(&mut self, e: ScanError) {
        if self.errors.len() < MAX_ERROR_SAMPLES {
            self.errors.push(e);
        }
    }
}

/// A non-blocking connect to `addr`, registered for writability under `id`.
fn start(
    poll: &Poll,
    addr: SocketAddrV4,
    source: Option<Ipv4Addr>,
    id: usize,
) -> Result<TcpStream, (&'static str, io::Error)> {
    let s = Socket::new(
        Domain::IPV4,
        Type::STREAM.nonblocking(),
        Some(Protocol::TCP),
    )
    .map_err(|e| ("socket", e))?;
    if let Some(src) = source {
        s.bind(&SocketAddr::V4(SocketAddrV4::new(src, 0)).into())
            .map_err(|e| ("bind", e))?;
    }
    match s.connect(&SocketAddr::V4(addr).into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(EINPROGRESS) => {}
        Err(e) => return Err(("connect", e)),
    }
    let mut stream = TcpStream::from_std(std::net::TcpStream::from(s));
    poll.registry()
        .register(&mut stream, Token(id), Interest::WRITABLE)
        .map_err(|e| ("register", e))?;
    Ok(stream)
}

/// The kernel's default `gc_thresh3`, assumed when the sysctl is not visible (it is shown
/// in the initial network namespace only, but the table is shared by all of them).
const DEFAULT_GC_THRESH3: u64 = 1024;

/// Entries assumed in use when /proc/net/stat/arp_cache is not visible.
const ASSUMED_ENTRIES: u64 = 64;

/// The default SCAN_RATE and burst for `ports_per_host` ports: [`neighbour_pacing`] with the
/// neighbour table's size and fill read from /proc (fallbacks above), and the basis as
/// text for the log.
#[must_use]
pub fn safe_pacing(ports_per_host: usize) -> (Pacing, String) {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let thresh =
        read("/proc/sys/net/ipv4/neigh/default/gc_thresh3").and_then(|t| t.trim().parse().ok());
    let entries = read("/proc/net/stat/arp_cache").and_then(|t| arp_cache_entries(&t));
    let basis = format!(
        "neighbour table gc_thresh3 {}, {} entries in use",
        thresh.map_or(format!("{DEFAULT_GC_THRESH3} (assumed)"), |t: u64| t
            .to_string()),
        entries.map_or(format!("{ASSUMED_ENTRIES} (assumed)"), |e| e.to_string()),
    );
    let p = neighbour_pacing(
        thresh.unwrap_or(DEFAULT_GC_THRESH3),
        entries.unwrap_or(ASSUMED_ENTRIES),
        ports_per_host,
    );
    (p, basis)
}

/// The `entries` column of /proc/net/stat/arp_cache (hex; the same in every CPU row).
#[must_use]
pub fn arp_cache_entries(text: &str) -> Option<u64> {
    let mut lines = text.lines();
    let col = lines
        .next()?
        .split_whitespace()
        .position(|h| h == "entries")?;
    let v = lines.next()?.split_whitespace().nth(col)?;
    u64::from_str_radix(v, 16).ok()
}

/// Descriptors this process has open now (Linux: /proc/self/fd).
#[must_use]
pub fn open_fds() -> Option<u64> {
    let n = std::fs::read_dir("/proc/self/fd").ok()?.count();
    u64::try_from(n).ok()
}

/// Raises the soft RLIMIT_NOFILE as far as `want` sockets need (see [`fd_budget`]) and
/// returns how many the scan may hold.
fn reserve_fds(want: usize) -> usize {
    let open = open_fds().unwrap_or(FD_RESERVE);
    let Ok((soft, hard)) = rlimit::getrlimit(rlimit::Resource::NOFILE) else {
        return fd_budget(want, open, 1024, 1024, FD_RESERVE).max_in_flight;
    };
    let b = fd_budget(want, open, soft, hard, FD_RESERVE);
    match b.raise_to {
        Some(to) => match rlimit::setrlimit(rlimit::Resource::NOFILE, to, hard) {
            Ok(()) => {
                log::debug!("scan: RLIMIT_NOFILE soft {soft} -> {to} (hard {hard})");
                b.max_in_flight
            }
            Err(e) => {
                log::warn!("scan: cannot raise RLIMIT_NOFILE {soft} -> {to}: {e}");
                fd_budget(want, open, soft, soft, FD_RESERVE).max_in_flight
            }
        },
        None => b.max_in_flight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_sorts_os_errors() {
        let os = io::Error::from_raw_os_error;
        assert_eq!(classify(&os(111)), Outcome::Refused);
        assert_eq!(classify(&os(EHOSTUNREACH)), Outcome::Unreachable);
        assert_eq!(classify(&os(ENETUNREACH)), Outcome::Unreachable);
        assert_eq!(classify(&os(ETIMEDOUT)), Outcome::TimedOut);
        assert_eq!(classify(&os(EMFILE)), Outcome::Resources);
        assert_eq!(classify(&os(EADDRNOTAVAIL)), Outcome::Resources);
        assert_eq!(classify(&os(13)), Outcome::Other); // EACCES (broadcast)
        assert_eq!(
            classify(&io::Error::new(io::ErrorKind::TimedOut, "x")),
            Outcome::TimedOut
        );
    }

    #[test]
    fn errors_are_one_line_naming_target_and_phase() {
        let e = ScanError::Connect {
            ip: Ipv4Addr::new(10, 0, 0, 5),
            port: 554,
            phase: "connect",
            source: io::Error::from_raw_os_error(EACCES_FOR_TEST),
        };
        let text = e.to_string();
        assert!(text.starts_with("scan 10.0.0.5:554 connect: "), "{text}");
        assert!(!text.contains('\n'));
    }
    const EACCES_FOR_TEST: i32 = 13;

    /// Loopback only: a listener, a closed port, and the report's arithmetic.
    #[test]
    fn loopback_open_and_refused() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = match l.local_addr().unwrap() {
            SocketAddr::V4(a) => a,
            SocketAddr::V6(_) => unreachable!(),
        };
        // A port that was free a moment ago: bind, read, drop.
        let closed = {
            let t = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            match t.local_addr().unwrap() {
                SocketAddr::V4(a) => a,
                SocketAddr::V6(_) => unreachable!(),
            }
        };
        let opts = ScanOptions {
            connect_timeout: Duration::from_secs(2),
            ..ScanOptions::default()
        };
        let r = scan(&[closed, open, open], &opts);
        assert_eq!(r.open, vec![open, open]);
        assert_eq!(r.refused, 1);
        assert_eq!(r.attempted, 3);
        assert_eq!(r.timed_out + r.unreachable + r.other_errors, 0, "{r:?}");
        assert!(r.peak_in_flight >= 1 && r.peak_in_flight <= 3);
    }

    #[test]
    fn arp_cache_entries_reads_the_hex_column() {
        let text = "entries  allocs   destroys hash_grows\n\
                    00000019 00000138 00000109 00000002\n\
                    00000019 0000010a 00000120 00000001\n";
        assert_eq!(arp_cache_entries(text), Some(25));
        assert_eq!(arp_cache_entries("entries\n"), None);
        assert_eq!(arp_cache_entries("allocs\n00000001\n"), None);
        assert_eq!(arp_cache_entries(""), None);
    }

    #[test]
    fn safe_pacing_is_never_unlimited() {
        let (p, basis) = safe_pacing(2);
        assert!(p.rate_per_sec >= 20 && p.burst >= 2, "{p:?}");
        assert!(basis.contains("gc_thresh3"), "{basis}");
    }

    #[test]
    fn empty_target_list_is_an_empty_report() {
        let r = scan(&[], &ScanOptions::default());
        assert_eq!(r.attempted, 0);
        assert!(r.open.is_empty());
    }
}

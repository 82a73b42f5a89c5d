//! The camera side's edges to the operating system, behind one trait ([`Os`], in the style
//! of bandwhich's `OsInputOutput`): the clock, the machine's interfaces, and the work that
//! runs on other threads and answers with an [`Event`] — a discovery pass, TCP quick
//! checks, stream validations, ARP requests, the WS-Discovery Hello listener. [`SystemOs`]
//! is the real one (the kept discovery threads, sockets, `/proc`); the service's tests use
//! a fake that records what was asked and answers when the test says so.
use crate::discovery::engine::{self, Found, Report};
use crate::discovery::net::{self, Iface};
use crate::discovery::rtsp::session::{self, Timeouts};
use crate::discovery::{arping, pool, wsd};
use crate::registry::{Finding, Now, Target, Validation};
use crate::secret::Credential;
use crossbeam_channel::{Receiver, Sender};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// What threads and jobs send back to the camera owner.
#[derive(Debug)]
pub enum Event {
    /// A discovery pass ended.
    Pass(Box<Report>),
    /// A camera a running pass has finished with (published before the pass ends).
    Early(Box<Found>),
    /// A registry finding (quick check, validation, ARP sighting).
    Finding(Finding),
    /// A WS-Discovery Hello from a camera at this address (between scans).
    Hello(Ipv4Addr),
}

/// ARP requests for the hosts of each interface, as one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArpJob {
    pub requests: Vec<(Iface, Vec<Ipv4Addr>)>,
    /// Report only the replies from this MAC (a targeted rediscovery); `None`: every reply.
    pub only: Option<[u8; 6]>,
    /// What the job is for, in its log lines (`MAC tracking`, `rediscovery by MAC`).
    pub why: &'static str,
}

/// What the camera side asks of the OS. The methods that start work return at once; the
/// work's outcome comes back as an [`Event`] on the receiver the implementation was made
/// with.
pub trait Os {
    /// The time now, on both clocks.
    fn now(&self) -> Now;
    /// Every IPv4 address of the machine (SCAN_INTERFACES is the caller's to apply).
    fn interfaces(&self) -> Vec<Iface>;
    /// Runs a discovery pass: [`Event::Early`] for each camera as soon as it is complete,
    /// then [`Event::Pass`].
    fn start_pass(&self, settings: engine::Settings);
    /// A seed for the health checks' phases (see [`super::pacer`]): random, so that two
    /// gateways or two restarts spread their checks differently.
    fn seed(&self) -> u64;
    /// A TCP connect to the camera's RTSP port within `timeout`: a
    /// [`Finding::QuickCheck`].
    fn quick_check(&self, target: Target, port: u16, timeout: Duration);
    /// Plays the stream of `v` (with `credential` when the camera asks): a
    /// [`Finding::Validated`].
    fn validate(&self, v: Validation, credential: Option<Credential>, timeouts: Timeouts);
    /// Fresh ARP replies: a [`Finding::MacSeen`] for each.
    fn arp(&self, job: ArpJob);
    /// Listens for WS-Discovery Hellos on the multicast interfaces of `ifaces` between
    /// scans: an [`Event::Hello`] per sender and window. Trouble is logged, not fatal.
    fn listen_for_hellos(&self, ifaces: Vec<Iface>);
    /// After a pass: gives freed heap back to the OS; the bytes still in use, if known.
    fn trim_heap(&self) -> Option<u64>;
    /// Stops taking work without waiting for what runs (a validation may take
    /// RTSP_TIMEOUT, and exit must not wait for it).
    fn stop(self);
}

/// The real OS: the kept discovery threads (worker pool, pass lanes, mDNS daemon),
/// sockets, `pnet` and the clocks.
pub struct SystemOs {
    threads: engine::Threads,
    tx: Sender<Event>,
}

impl SystemOs {
    /// Starts `workers` discovery worker threads (and the pass lanes); the events come
    /// back on the receiver returned alongside.
    ///
    /// # Errors
    /// When the OS refuses a thread.
    pub fn start(workers: usize) -> std::io::Result<(Self, Receiver<Event>)> {
        let threads = engine::Threads::new(workers)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        Ok((SystemOs { threads, tx }, rx))
    }
}

impl Os for SystemOs {
    fn now(&self) -> Now {
        Now {
            mono: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    fn interfaces(&self) -> Vec<Iface> {
        net::local_ipv4()
    }

    fn start_pass(&self, settings: engine::Settings) {
        let (early, done) = (self.tx.clone(), self.tx.clone());
        engine::spawn_pass(
            &self.threads,
            Arc::new(settings),
            move |c| {
                let _ = early.send(Event::Early(Box::new(c)));
            },
            move |report| {
                let _ = done.send(Event::Pass(Box::new(report)));
            },
        );
    }

    fn seed(&self) -> u64 {
        fastrand::u64(..)
    }

    fn quick_check(&self, target: Target, port: u16, timeout: Duration) {
        let tx = self.tx.clone();
        self.threads.workers().submit(move || {
            let addr = SocketAddr::from((target.ip, port));
            let reachable = TcpStream::connect_timeout(&addr, timeout).is_ok();
            let _ = tx.send(Event::Finding(Finding::QuickCheck {
                id: target.id,
                ip: target.ip,
                reachable,
            }));
        });
    }

    fn validate(&self, v: Validation, credential: Option<Credential>, timeouts: Timeouts) {
        let tx = self.tx.clone();
        self.threads.workers().submit(move || {
            let c = credential
                .as_ref()
                .map(|c| (c.username.as_str(), c.password.expose()));
            let stream = match session::probe(&v.url, c, &timeouts) {
                Ok(p) => Some(p.stream),
                Err(e) => {
                    log::info!("validation of {}: {e}", v.id);
                    None
                }
            };
            let _ = tx.send(Event::Finding(Finding::Validated {
                id: v.id,
                ip: v.ip,
                stream,
            }));
        });
    }

    fn arp(&self, job: ArpJob) {
        let tx = self.tx.clone();
        self.threads.workers().submit(move || {
            for (iface, hosts) in job.requests {
                match arping::resolve(&iface, &hosts, Duration::from_millis(600)) {
                    Ok(found) => {
                        for (ip, mac) in found {
                            if job.only.is_none() || job.only == Some(mac) {
                                let _ = tx.send(Event::Finding(Finding::MacSeen { mac, ip }));
                            }
                        }
                    }
                    Err(e) => log::debug!("{}: {e}", job.why),
                }
            }
        });
    }

    fn listen_for_hellos(&self, ifaces: Vec<Iface>) {
        let ifaces: Vec<Iface> = ifaces.into_iter().filter(|i| i.multicast).collect();
        let listener = match wsd::HelloListener::bind(&ifaces) {
            Ok(l) => l,
            Err(e) => {
                log::warn!("WS-Discovery Hellos not heard between scans: {e}");
                return;
            }
        };
        let tx = self.tx.clone();
        let spawned = std::thread::Builder::new()
            .name("wsd-hello".into())
            .stack_size(pool::WORKER_STACK)
            .spawn(move || loop {
                // One event per sender and window: a flood of endpoints from one address
                // is one Hello to the registry thread.
                let mut senders: Vec<Ipv4Addr> = Vec::new();
                for f in listener.recv_until(Instant::now() + Duration::from_secs(5)) {
                    if senders.contains(&f.ip) {
                        continue;
                    }
                    senders.push(f.ip);
                    if tx.send(Event::Hello(f.ip)).is_err() {
                        return;
                    }
                }
            });
        if let Err(e) = spawned {
            log::warn!("wsd-hello thread: {e}");
        }
    }

    fn trim_heap(&self) -> Option<u64> {
        crate::alloc::trim();
        crate::alloc::in_use()
    }

    fn stop(self) {
        self.threads.detach();
    }
}

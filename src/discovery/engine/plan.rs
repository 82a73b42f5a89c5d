//! The discovery schedule as a pure state machine: findings go in (an open port, a
//! WS-Discovery match, an mDNS record, the outcome of a probe), jobs come out (interrogate
//! ONVIF, probe RTSP, unicast WS-Discovery). No sockets, threads or clock: `now` is an
//! argument, so every ordering the network can produce is a unit test.
//!
//! The rules, per host, chosen to send as few requests to a camera as possible:
//! - a WS-Discovery camera match starts ONVIF at once (its stream URIs beat any guess);
//! - an open RTSP port is not probed with the path dictionary until the host has had its
//!   chance to answer the unicast WS-Discovery probe that follows the port scan, and the
//!   mDNS browse has had `mdns_grace` — a dictionary probe that an ONVIF or mDNS answer
//!   would have made useless costs a camera up to a dozen requests;
//! - ONVIF stream URIs (then mDNS ones) are verified first; the dictionary runs only on the
//!   open ports of hosts where those gave no playing main stream; one RTSP job per host at a
//!   time (the prober also throttles per host), ports in the order configured;
//! - discovery is over when every source is done and no job is in flight.
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// Something discovery learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The port scan found `ip:port` open.
    Open(Ipv4Addr, u16),
    /// The port scan is over.
    ScanDone,
    /// A WS-Discovery camera match from `ip` (multicast or unicast) with its XAddrs.
    Wsd(Ipv4Addr, Vec<String>),
    /// The multicast WS-Discovery window is over.
    WsdDone,
    /// The unicast WS-Discovery probe of these hosts is over.
    UnicastWsdDone(Vec<Ipv4Addr>),
    /// An mDNS `_rtsp._tcp` record: a URL on `ip:port`.
    Mdns(Ipv4Addr, u16, String),
    /// The mDNS browse is over.
    MdnsDone,
    /// ONVIF interrogation of `ip` ended: the stream URIs it gave (main first) and the
    /// credential that worked.
    Onvif(Ipv4Addr, Option<OnvifStreams>),
    /// An RTSP job on `ip:port` ended (`dictionary` as in its [`Job::Rtsp`]); `main` says
    /// whether a main stream plays.
    Rtsp {
        ip: Ipv4Addr,
        port: u16,
        dictionary: bool,
        main: bool,
    },
}

/// What a successful ONVIF interrogation contributes to the RTSP phase.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OnvifStreams {
    pub urls: Vec<String>,
    pub credential: Option<usize>,
}

/// Work for the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    Onvif {
        ip: Ipv4Addr,
        xaddrs: Vec<String>,
    },
    /// Probe RTSP on `ip:port`: `known` URLs first; the dictionary only when `dictionary`.
    Rtsp {
        ip: Ipv4Addr,
        port: u16,
        known: Vec<String>,
        credential: Option<usize>,
        dictionary: bool,
    },
    /// Unicast WS-Discovery probe of hosts the scan found (routed networks).
    UnicastWsd(Vec<Ipv4Addr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Onvif {
    Running,
    Done,
}

#[derive(Debug, Default)]
struct Host {
    open: Vec<u16>,
    xaddrs: Vec<String>,
    onvif: Option<Onvif>,
    onvif_streams: Option<OnvifStreams>,
    /// mDNS URLs by port.
    mdns: BTreeMap<u16, Vec<String>>,
    /// The unicast WS-Discovery probe for this host is over (or was never needed).
    wsd_settled: bool,
    rtsp_running: bool,
    /// Ports already probed (known URLs or dictionary).
    probed: BTreeSet<u16>,
    main_found: bool,
    known_tried: bool,
}

/// The scheduler. See the module documentation for the rules.
#[derive(Debug)]
pub struct Plan {
    start: Instant,
    mdns_grace: Duration,
    /// Configured RTSP ports, in order (for the dictionary).
    ports: Vec<u16>,
    hosts: BTreeMap<Ipv4Addr, Host>,
    scan_done: bool,
    wsd_done: bool,
    mdns_done: bool,
    unicast_pending: bool,
    in_flight: usize,
    /// Every host was looked at after the mDNS grace ended.
    grace_swept: bool,
}

impl Plan {
    /// A schedule started at `start`; dictionary probes wait `mdns_grace` after it.
    #[must_use]
    pub fn new(start: Instant, mdns_grace: Duration, ports: &[u16]) -> Self {
        Plan {
            start,
            mdns_grace,
            ports: ports.to_vec(),
            hosts: BTreeMap::new(),
            scan_done: false,
            wsd_done: false,
            mdns_done: false,
            unicast_pending: false,
            in_flight: 0,
            grace_swept: false,
        }
    }

    /// Takes one finding in; returns the jobs that are now due.
    pub fn on_event(&mut self, event: Event, now: Instant) -> Vec<Job> {
        let mut jobs = Vec::new();
        let one = match &event {
            Event::Open(ip, _)
            | Event::Wsd(ip, _)
            | Event::Mdns(ip, _, _)
            | Event::Onvif(ip, _)
            | Event::Rtsp { ip, .. } => Some(*ip),
            Event::ScanDone | Event::WsdDone | Event::UnicastWsdDone(_) | Event::MdnsDone => None,
        };
        match event {
            Event::Open(ip, port) => {
                let h = self.hosts.entry(ip).or_default();
                if !h.open.contains(&port) {
                    h.open.push(port);
                }
            }
            Event::ScanDone => {
                self.scan_done = true;
                let unknown: Vec<Ipv4Addr> = self
                    .hosts
                    .iter_mut()
                    .filter(|(_, h)| h.onvif.is_none() && !h.open.is_empty())
                    .map(|(ip, h)| {
                        h.wsd_settled = false;
                        *ip
                    })
                    .collect();
                if !unknown.is_empty() {
                    self.unicast_pending = true;
                    self.in_flight += 1;
                    jobs.push(Job::UnicastWsd(unknown));
                }
                // Hosts the scan alone knows about settle when the unicast probe ends;
                // hosts with nothing to probe are settled now.
            }
            Event::Wsd(ip, xaddrs) => {
                let h = self.hosts.entry(ip).or_default();
                h.wsd_settled = true;
                for x in xaddrs {
                    if !h.xaddrs.contains(&x) {
                        h.xaddrs.push(x);
                    }
                }
                if h.onvif.is_none() && !h.xaddrs.is_empty() {
                    h.onvif = Some(Onvif::Running);
                    self.in_flight += 1;
                    jobs.push(Job::Onvif {
                        ip,
                        xaddrs: h.xaddrs.clone(),
                    });
                }
            }
            Event::WsdDone => self.wsd_done = true,
            Event::UnicastWsdDone(ips) => {
                self.unicast_pending = false;
                self.in_flight = self.in_flight.saturating_sub(1);
                for ip in ips {
                    self.hosts.entry(ip).or_default().wsd_settled = true;
                }
            }
            Event::Mdns(ip, port, url) => {
                let h = self.hosts.entry(ip).or_default();
                let urls = h.mdns.entry(port).or_default();
                if !urls.contains(&url) {
                    urls.push(url);
                }
            }
            Event::MdnsDone => self.mdns_done = true,
            Event::Onvif(ip, streams) => {
                self.in_flight = self.in_flight.saturating_sub(1);
                let h = self.hosts.entry(ip).or_default();
                h.onvif = Some(Onvif::Done);
                h.onvif_streams = streams;
            }
            Event::Rtsp {
                ip,
                port,
                dictionary,
                main,
            } => {
                self.in_flight = self.in_flight.saturating_sub(1);
                let h = self.hosts.entry(ip).or_default();
                h.rtsp_running = false;
                if dictionary {
                    h.probed.insert(port);
                }
                h.main_found |= main;
            }
        }
        // An event about one host can only make that host's next job due; the rest need a
        // look at every host (a full look per event made a pass quadratic in its hosts).
        // So is the first event after the mDNS grace ran out (hosts waiting for it alone).
        let grace_news = !self.grace_swept && now >= self.start + self.mdns_grace;
        match one {
            Some(ip) if !grace_news => jobs.extend(self.due_one(ip, now)),
            _ => jobs.extend(self.due(now)),
        }
        jobs
    }

    /// Jobs that became due by the passage of time alone (the mDNS grace).
    pub fn on_tick(&mut self, now: Instant) -> Vec<Job> {
        self.due(now)
    }

    /// When [`Plan::on_tick`] may next have something to say, if ever.
    #[must_use]
    pub fn next_wake(&self, now: Instant) -> Option<Instant> {
        let grace_end = self.start + self.mdns_grace;
        // The walk over the hosts only while the grace runs (it is called once per finding).
        let waiting = || {
            self.hosts
                .values()
                .any(|h| !h.main_found && (!h.open.is_empty() || !h.mdns.is_empty()))
        };
        (!self.mdns_done && now < grace_end && waiting()).then_some(grace_end)
    }

    /// Every source has finished and no job is in flight.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.scan_done
            && self.wsd_done
            && self.mdns_done
            && !self.unicast_pending
            && self.in_flight == 0
    }

    /// The next RTSP job for each host that may probe now.
    fn due(&mut self, now: Instant) -> Vec<Job> {
        self.grace_swept |= now >= self.start + self.mdns_grace;
        let ips: Vec<Ipv4Addr> = self.hosts.keys().copied().collect();
        ips.into_iter()
            .filter_map(|ip| self.due_one(ip, now))
            .collect()
    }

    /// The next RTSP job for host `ip`, if it may probe now.
    fn due_one(&mut self, ip: Ipv4Addr, now: Instant) -> Option<Job> {
        let grace_over = now >= self.start + self.mdns_grace || self.mdns_done;
        let scan_done = self.scan_done;
        let h = self.hosts.get_mut(&ip)?;
        if h.rtsp_running || h.main_found || h.onvif == Some(Onvif::Running) {
            return None;
        }
        let job = if h.onvif == Some(Onvif::Done) && !h.known_tried {
            // ONVIF URIs first, then any mDNS ones.
            let streams = h.onvif_streams.clone().unwrap_or_default();
            let mut known = streams.urls;
            known.extend(h.mdns.values().flatten().cloned());
            h.known_tried = true;
            known_job(ip, known, streams.credential)
        } else if h.onvif.is_none() && !h.known_tried && !h.mdns.is_empty() && grace_over {
            h.known_tried = true;
            let known: Vec<String> = h.mdns.values().flatten().cloned().collect();
            known_job(ip, known, None)
        } else {
            None
        };
        let ports = &self.ports;
        let job = job.or_else(|| {
            // The dictionary: scan-found ports, once the host had its chances to say
            // what it is.
            let settled = h.wsd_settled && scan_done && grace_over;
            if !settled || h.onvif == Some(Onvif::Running) {
                return None;
            }
            let port = ports
                .iter()
                .chain(h.open.iter())
                .find(|p| h.open.contains(p) && !h.probed.contains(p))?;
            Some(Job::Rtsp {
                ip,
                port: *port,
                known: Vec::new(),
                credential: h.onvif_streams.as_ref().and_then(|s| s.credential),
                dictionary: true,
            })
        })?;
        if let Job::Rtsp {
            port,
            dictionary: true,
            ..
        } = &job
        {
            h.probed.insert(*port);
        }
        h.rtsp_running = true;
        self.in_flight += 1;
        Some(job)
    }
}

/// A job for known URLs: on the port of the first one (the rest are tried by the prober on
/// the same host); `None` when there are no URLs.
fn known_job(ip: Ipv4Addr, known: Vec<String>, credential: Option<usize>) -> Option<Job> {
    let first = known.first()?;
    let port = url_port(first).unwrap_or(554);
    Some(Job::Rtsp {
        ip,
        port,
        known,
        credential,
        dictionary: false,
    })
}

/// The port of an `rtsp://` URL (554 when absent); `None` if it does not parse.
#[must_use]
pub fn url_port(url: &str) -> Option<u16> {
    let rest = url.strip_prefix("rtsp://")?;
    let authority = rest.split('/').next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match hostport.rsplit_once(':') {
        Some((_, p)) => p.parse().ok(),
        None => Some(554),
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

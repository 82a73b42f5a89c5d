//! The camera side of the service, run by the service's main thread, which alone owns the
//! [`Registry`] and the [`Scheduler`]: it turns scheduler actions into work on other threads
//! (a discovery pass on the kept pass threads, quick checks, stream validations and ARP on the
//! worker pool), applies the findings that come back over one channel, and publishes what
//! changed (retained discovery, status events, removals, the Frigate config). Nothing here
//! blocks on the network.
use super::announce::Announcer;
use crate::config::Config;
use crate::discovery::engine::{self, plan::url_port, Report};
use crate::discovery::rtsp::session::{self, Timeouts};
use crate::discovery::{arping, net, scan};
use crate::health::Progress;
use crate::model::Camera;
use crate::publish::Publisher;
use crate::registry::persist::{self, SaveClock};
use crate::registry::{self, Change, Finding, Now, Registry};
use crate::scheduler::{self, Action, Scheduler};
use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// What threads and jobs send back to the camera owner.
#[derive(Debug)]
pub enum Event {
    /// A discovery pass ended.
    Pass(Box<Report>),
    /// A camera a running pass has finished with (published before the pass ends).
    Early(Box<engine::Found>),
    /// A registry finding (quick check, validation, ARP sighting).
    Finding(Finding),
    /// A WS-Discovery Hello from a camera at this address (between scans).
    Hello(Ipv4Addr),
}

/// A Hello from an unknown camera triggers a full scan, at most this often.
const HELLO_RESCAN_MIN_GAP: Duration = Duration::from_secs(60);

/// The registry, the scheduler and what they need to act.
pub struct Cameras {
    cfg: Arc<Config>,
    announcer: Announcer,
    registry: Registry,
    scheduler: Scheduler,
    threads: engine::Threads,
    tx: Sender<Event>,
    /// When the running pass started: its findings are dated from it.
    scanning: Option<Now>,
    last_pass_end: Option<Instant>,
    networks: Vec<scan::Cidr>,
    /// STATE_PATH bookkeeping: changed since the last save, and when to save.
    dirty: bool,
    save_clock: SaveClock,
    last_hello_rescan: Option<Instant>,
    /// The cameras as last published, for the health report (read by the publisher's
    /// on-connect hook on its own thread).
    pub snapshot: Arc<Mutex<Vec<Camera>>>,
}

fn now() -> Now {
    Now {
        mono: Instant::now(),
        wall: SystemTime::now(),
    }
}

impl Cameras {
    /// The camera side for `cfg`, publishing through `publisher`; findings come back on the
    /// receiver returned alongside.
    ///
    /// # Errors
    /// When the worker threads cannot start.
    pub fn new(
        cfg: Arc<Config>,
        publisher: Publisher,
        snapshot: Arc<Mutex<Vec<Camera>>>,
    ) -> std::io::Result<(Self, Receiver<Event>)> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let workers = match cfg.discovery.workers {
            0 => crate::config::auto_workers(cores),
            n => n,
        };
        let threads = engine::Threads::new(workers)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        let cams = Cameras {
            announcer: Announcer::new(cfg.clone(), publisher),
            registry: Registry::new(registry::Settings::from_config(&cfg)),
            scheduler: Scheduler::new(scheduler::Settings::from_config(&cfg), Instant::now()),
            threads,
            tx,
            scanning: None,
            last_pass_end: None,
            networks: current_networks(&cfg),
            dirty: false,
            save_clock: SaveClock::new(),
            last_hello_rescan: None,
            snapshot,
            cfg,
        };
        Ok((cams, rx))
    }

    /// Republishes the cameras of STATE_PATH (if any) at once; their streams are
    /// validated by the first health tick. A bad file is logged and ignored.
    pub fn restore(&mut self) {
        if !self.cfg.discovery.enabled {
            return;
        }
        let Some(path) = self.cfg.state_path.clone() else {
            return;
        };
        match persist::load(&path) {
            Ok(None) => {}
            Ok(Some(mut records)) => {
                let cleared = persist::reconcile_credentials(&mut records, &self.cfg.credentials);
                if !cleared.is_empty() {
                    log::info!("state: credentials changed for {cleared:?}; rediscovering them");
                }
                log::info!(
                    "state: {} cameras restored from {}",
                    records.len(),
                    path.display()
                );
                let changes = self.registry.restore(records, now());
                self.publish(&changes);
                self.dirty = false;
            }
            Err(e) => log::warn!("state: {e}; starting without it"),
        }
    }

    /// Writes STATE_PATH when the registry changed (at most once a minute, or now if
    /// `force`).
    fn save_state(&mut self, force: bool) {
        let Some(path) = self.cfg.state_path.clone() else {
            return;
        };
        let now = Instant::now();
        let due = self.save_clock.due(now, self.dirty) || (force && self.dirty);
        if !due {
            return;
        }
        self.save_clock.saved(now);
        match persist::save(&path, self.registry.cameras()) {
            Ok(_) => self.dirty = false,
            Err(e) => log::warn!("state: {}: {e}", path.display()),
        }
    }

    /// Runs the actions that are due; returns when to call again. With DISCOVERY_ENABLED=false
    /// there is never anything to do.
    pub fn poll(&mut self) -> Instant {
        if !self.cfg.discovery.enabled {
            return Instant::now() + Duration::from_secs(3600);
        }
        let (actions, next) = self.scheduler.poll(Instant::now());
        for a in actions {
            self.act(a);
        }
        self.save_state(false);
        let resend = self
            .announcer
            .resend_due(&self.registry, Instant::now())
            .unwrap_or(next);
        next.min(resend).min(Instant::now() + persist::SAVE_PERIOD)
    }

    /// What the health verdict and the health report need to know.
    #[must_use]
    pub fn progress(&self) -> Progress {
        Progress {
            passes: self.scheduler.scans_done(),
            running_since: self.scanning.map(|n| n.mono),
            last_end: self.last_pass_end,
            interval: self.scheduler.scan_interval(),
            steady: self.scheduler.phase() == scheduler::Phase::Steady,
            cameras: self.registry.len(),
            online: self.registry.cameras().filter(|c| c.online).count(),
        }
    }

    /// Listens for WS-Discovery Hellos between scans on a thread of its own (named
    /// `wsd-hello`), reporting camera Hellos as [`Event::Hello`]. Port 3702 taken or no
    /// multicast interface: logged, and discovery goes on without it.
    pub fn listen_for_hellos(&self) {
        if !self.cfg.discovery.enabled {
            return;
        }
        let ifaces: Vec<net::Iface> =
            net::select(&net::local_ipv4(), &self.cfg.discovery.interfaces, false)
                .into_iter()
                .filter(|i| i.multicast)
                .collect();
        let listener = match crate::discovery::wsd::HelloListener::bind(&ifaces) {
            Ok(l) => l,
            Err(e) => {
                log::warn!("WS-Discovery Hellos not heard between scans: {e}");
                return;
            }
        };
        let tx = self.tx.clone();
        let spawned = std::thread::Builder::new()
            .name("wsd-hello".into())
            .stack_size(crate::discovery::pool::WORKER_STACK)
            .spawn(move || loop {
                // One event per sender and window: a flood of endpoints from one address
                // is one Hello to the registry thread.
                let mut senders: Vec<std::net::Ipv4Addr> = Vec::new();
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

    /// SIGHUP: a full scan now.
    pub fn rescan(&mut self) {
        self.scheduler.on_rescan_request(Instant::now());
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::FullScan { skip_known } => self.start_pass(skip_known),
            Action::QuickCheck => {
                for t in self.registry.quick_check_targets() {
                    let port = self
                        .registry
                        .get(&t.id)
                        .and_then(Camera::primary_url)
                        .and_then(url_port)
                        .unwrap_or(554);
                    let (tx, timeout) = (self.tx.clone(), self.cfg.discovery.scan_connect_timeout);
                    self.threads.workers().submit(move || {
                        let addr = SocketAddr::from((t.ip, port));
                        let reachable = TcpStream::connect_timeout(&addr, timeout).is_ok();
                        let _ = tx.send(Event::Finding(Finding::QuickCheck {
                            id: t.id,
                            ip: t.ip,
                            reachable,
                        }));
                    });
                }
            }
            Action::HealthTick => {
                let now = now();
                let changes = self.registry.tick(now);
                for r in self.registry.rediscoveries(&changes) {
                    self.find_mac(r.mac, r.last_ip);
                }
                self.publish(&changes);
                for v in self.registry.validations_due(now) {
                    let cred = v
                        .credential_index
                        .and_then(|i| self.cfg.credentials.get(i))
                        .map(|c| (c.username.clone(), c.password.expose().to_owned()));
                    let t = Timeouts {
                        connect: self.cfg.rtsp_timeout.min(Duration::from_secs(3)),
                        phase: self.cfg.rtsp_timeout,
                    };
                    let tx = self.tx.clone();
                    self.threads.workers().submit(move || {
                        let c = cred.as_ref().map(|(u, p)| (u.as_str(), p.as_str()));
                        let stream = match session::probe(&v.url, c, &t) {
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
            }
            Action::CheckNetworks => {
                let now_nets = current_networks(&self.cfg);
                if now_nets != self.networks {
                    log::info!("local networks changed: {:?} → {now_nets:?}", self.networks);
                    self.networks = now_nets;
                    self.scheduler.on_networks_changed(Instant::now());
                }
            }
            Action::MacRefresh => {
                let ips = self.registry.known_ips();
                if !ips.is_empty() {
                    self.arp_sightings(ips);
                }
            }
        }
    }

    /// Starts a discovery pass on its own thread unless one runs.
    fn start_pass(&mut self, skip_known: bool) {
        if self.scanning.is_some() {
            return;
        }
        let mut settings = match engine::Settings::from_config(&self.cfg) {
            Ok(s) => s,
            Err(e) => {
                log::warn!("discovery not started: {e}");
                self.scheduler
                    .on_scan_done(self.registry.len(), Instant::now());
                return;
            }
        };
        if skip_known {
            let known = self.registry.known_ips();
            settings.hosts.retain(|h| !known.contains(h));
        }
        self.scanning = Some(now());
        let (early, tx) = (self.tx.clone(), self.tx.clone());
        engine::spawn_pass(
            &self.threads,
            Arc::new(settings),
            move |c| {
                let _ = early.send(Event::Early(Box::new(c)));
            },
            move |report| {
                let _ = tx.send(Event::Pass(Box::new(report)));
            },
        );
    }

    /// When the pass that started at `started` saw camera `c`: when its main stream played,
    /// else when the pass started (now, when no pass start is known).
    fn observed(started: Option<Now>, c: &engine::Found) -> Now {
        let after = Duration::from_millis(c.found_ms.unwrap_or(0));
        let start = started.unwrap_or_else(now);
        Now {
            mono: start.mono + after,
            wall: start.wall + after,
        }
    }

    /// Applies one event and publishes what changed.
    pub fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Pass(report) => {
                let started = self.scanning.take();
                self.last_pass_end = Some(Instant::now());
                let mut changes = Vec::new();
                for c in &report.cameras {
                    // Dated when the pass saw it: a camera that moved meanwhile keeps its
                    // new address (the registry ignores the older sighting).
                    let seen = Self::observed(started, c);
                    let cam = Box::new(c.camera.clone());
                    changes.extend(self.registry.apply(Finding::Discovered(cam), seen));
                }
                self.publish(&changes);
                self.scheduler
                    .on_scan_done(self.registry.len(), Instant::now());
                self.update_frigate();
                for n in &report.notes {
                    log::info!("discovery: {n}");
                }
                let (found, secs) = (report.cameras.len(), report.stats.elapsed_ms);
                log::info!("discovery: where the time went: {}", report.phases());
                drop(report);
                // The pass's buffers are free now; the summary line comes after, so what
                // reads RSS when it appears sees the trimmed heap.
                crate::alloc::trim();
                let heap = crate::alloc::in_use()
                    .map(|b| format!("; heap in use {} KiB", b / 1024))
                    .unwrap_or_default();
                log::info!(
                    "discovery: {found} cameras in {:.1} s ({} known{heap})",
                    secs as f64 / 1000.0,
                    self.registry.len()
                );
            }
            Event::Finding(f) => {
                let changes = self.registry.apply(f, now());
                self.publish(&changes);
            }
            Event::Early(c) => {
                let seen = Self::observed(self.scanning, &c);
                let changes = self
                    .registry
                    .apply(Finding::Discovered(Box::new(c.camera)), seen);
                self.publish(&changes);
            }
            Event::Hello(ip) => {
                let now = Instant::now();
                let verdict = hello_verdict(
                    self.cfg.discovery.exclude.iter().any(|c| c.contains(ip)),
                    self.registry.known_ips().contains(&ip),
                    self.scanning.is_some(),
                    self.last_hello_rescan,
                    now,
                );
                if verdict == HelloVerdict::Rescan {
                    log::info!("WS-Discovery Hello from {ip}, not a known camera: rescanning");
                    self.last_hello_rescan = Some(now);
                    self.scheduler.on_rescan_request(now);
                } else {
                    log::debug!("WS-Discovery Hello from {ip}: no rescan ({verdict:?})");
                }
            }
        }
    }

    /// Every camera offline (shutdown): the status events and records. The workers are
    /// left to finish on their own (a validation may take RTSP_TIMEOUT; exit must not wait).
    pub fn shutdown(mut self) {
        // Saved as they were, before they are all marked offline.
        self.save_state(true);
        let changes = self.registry.shutdown();
        self.publish(&changes);
        self.threads.detach();
    }

    fn publish(&mut self, changes: &[Change]) {
        if changes.is_empty() {
            return;
        }
        self.dirty = true;
        self.announcer.changes(&self.registry, changes);
        *self.snapshot.lock() = self.registry.cameras().cloned().collect();
        // Between passes (a removal, a new address): the Frigate file follows at once. During
        // a pass the cameras it finds wait for its end, so the file changes once per pass.
        if self.scanning.is_none() {
            self.update_frigate();
        }
    }

    /// After a full pass and after changes between passes (see [`Announcer::frigate`]).
    fn update_frigate(&mut self) {
        let cams: Vec<Camera> = self.registry.cameras().cloned().collect();
        self.announcer.frigate(&cams);
    }

    /// Targeted rediscovery of an offline camera: ARP over its last network, matched by MAC.
    fn find_mac(&self, mac: [u8; 6], last_ip: Ipv4Addr) {
        let ifaces = net::select(&net::local_ipv4(), &self.cfg.discovery.interfaces, false);
        let Some(iface) = ifaces
            .into_iter()
            .find(|i| scan::Cidr::new(i.ip, i.prefix).is_some_and(|c| c.contains(last_ip)))
        else {
            return;
        };
        let Some(net) = scan::Cidr::new(iface.ip, iface.prefix) else {
            return;
        };
        let hosts = scan::plan(&[net], &[iface.ip], &self.cfg.discovery.exclude).hosts;
        let tx = self.tx.clone();
        self.threads.workers().submit(move || {
            match arping::resolve(&iface, &hosts, Duration::from_millis(600)) {
                Ok(found) => {
                    for (ip, m) in found {
                        if m == mac {
                            let _ = tx.send(Event::Finding(Finding::MacSeen { mac, ip }));
                        }
                    }
                }
                Err(e) => log::debug!("rediscovery by MAC: {e}"),
            }
        });
    }

    /// MAC tracking: fresh ARP replies for `ips` (where the known cameras are).
    fn arp_sightings(&self, ips: Vec<Ipv4Addr>) {
        let ifaces = net::select(&net::local_ipv4(), &self.cfg.discovery.interfaces, false);
        let tx = self.tx.clone();
        self.threads.workers().submit(move || {
            for iface in ifaces {
                let Some(net) = scan::Cidr::new(iface.ip, iface.prefix) else {
                    continue;
                };
                let mine: Vec<Ipv4Addr> =
                    ips.iter().copied().filter(|i| net.contains(*i)).collect();
                if mine.is_empty() {
                    continue;
                }
                match arping::resolve(&iface, &mine, Duration::from_millis(600)) {
                    Ok(found) => {
                        for (ip, mac) in found {
                            let _ = tx.send(Event::Finding(Finding::MacSeen { mac, ip }));
                        }
                    }
                    Err(e) => log::debug!("MAC tracking: {e}"),
                }
            }
        });
    }
}

/// The networks discovery would scan now (to notice a change).
fn current_networks(cfg: &Config) -> Vec<scan::Cidr> {
    if !cfg.discovery.networks.is_empty() {
        return cfg.discovery.networks.clone();
    }
    let ifaces = net::select(&net::local_ipv4(), &cfg.discovery.interfaces, false);
    scan::networks_of(&ifaces)
}

/// What a camera Hello leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HelloVerdict {
    Rescan,
    /// The sender is in SCAN_EXCLUDE.
    Excluded,
    /// The sender is a known camera's address.
    Known,
    /// A pass is running; it will see the sender if it is a camera.
    Scanning,
    /// The last Hello rescan was less than [`HELLO_RESCAN_MIN_GAP`] ago (a flood of
    /// Hellos costs one rescan a minute at most).
    TooSoon,
}

/// The rules for a camera Hello (pure; `last` is when a Hello last started a rescan).
fn hello_verdict(
    excluded: bool,
    known: bool,
    scanning: bool,
    last: Option<Instant>,
    now: Instant,
) -> HelloVerdict {
    if excluded {
        HelloVerdict::Excluded
    } else if known {
        HelloVerdict::Known
    } else if scanning {
        HelloVerdict::Scanning
    } else if last.is_some_and(|t| now.saturating_duration_since(t) < HELLO_RESCAN_MIN_GAP) {
        HelloVerdict::TooSoon
    } else {
        HelloVerdict::Rescan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hello_rescans_at_most_once_a_minute_and_never_for_excluded_or_known_senders() {
        let t0 = Instant::now();
        let v = |ex, kn, sc, last, at| hello_verdict(ex, kn, sc, last, at);
        assert_eq!(v(false, false, false, None, t0), HelloVerdict::Rescan);
        let soon = t0 + HELLO_RESCAN_MIN_GAP - Duration::from_millis(1);
        assert_eq!(
            v(false, false, false, Some(t0), soon),
            HelloVerdict::TooSoon
        );
        let later = t0 + HELLO_RESCAN_MIN_GAP;
        assert_eq!(
            v(false, false, false, Some(t0), later),
            HelloVerdict::Rescan
        );
        assert_eq!(v(true, false, false, None, t0), HelloVerdict::Excluded);
        assert_eq!(v(false, true, false, None, t0), HelloVerdict::Known);
        assert_eq!(v(false, false, true, None, t0), HelloVerdict::Scanning);
    }
}

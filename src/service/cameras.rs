//! The camera side of the service, run by the service's main thread, which alone owns the
//! [`Registry`] and the [`Scheduler`]: it turns scheduler actions into work on other threads
//! (a discovery pass, quick checks, stream validations and ARP, all through [`Os`]),
//! applies the findings that come back over one channel ([`Event`]), and publishes what
//! changed (retained discovery, status events, removals, the Frigate config). Nothing here
//! blocks on the network, and the time is [`Os::now`]'s.
use super::announce::Announcer;
use super::hello::{hello_verdict, HelloVerdict};
use super::os::{ArpJob, Event, Os};
use super::pacer::{Keyed, Pacer};
use crate::cidr::Cidr;
use crate::config::Config;
use crate::discovery::engine::{self, plan::url_port, Found};
use crate::discovery::net::{self, Iface};
use crate::discovery::rtsp::session::Timeouts;
use crate::discovery::scan;
use crate::health::Progress;
use crate::model::Camera;
use crate::publish::Publisher;
use crate::registry::persist::{self, SaveClock};
use crate::registry::{self, Change, Finding, Now, Registry, Target, Validation};
use crate::scheduler::{self, Action, Scheduler};
use parking_lot::Mutex;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Quick checks (TCP connects) running at once, at most: the sockets they hold.
pub const QUICK_CHECKS_AT_ONCE: usize = 16;
/// Stream re-validations (RTSP sessions) running at once, at most.
pub const VALIDATIONS_AT_ONCE: usize = 4;

/// A quick check: the camera and the port to connect to.
#[derive(Debug)]
struct QuickJob {
    target: Target,
    port: u16,
}

impl Keyed for QuickJob {
    fn key(&self) -> &str {
        &self.target.id
    }
}

impl Keyed for Validation {
    fn key(&self) -> &str {
        &self.id
    }
}

/// The registry, the scheduler and what they need to act.
pub struct Cameras<O: Os> {
    cfg: Arc<Config>,
    os: O,
    announcer: Announcer,
    registry: Registry,
    scheduler: Scheduler,
    /// When the running pass started: its findings are dated from it.
    scanning: Option<Now>,
    last_pass_end: Option<Instant>,
    networks: Vec<Cidr>,
    /// STATE_PATH bookkeeping: changed since the last save, and when to save.
    dirty: bool,
    save_clock: SaveClock,
    last_hello_rescan: Option<Instant>,
    /// Quick checks and re-validations, each round spread over its period (a fixed phase per
    /// camera) with a bound on how many run at once.
    quick: Pacer<QuickJob>,
    validations: Pacer<Validation>,
    /// The cameras as last published, for the health report (read by the publisher's
    /// on-connect hook on its own thread).
    pub snapshot: Arc<Mutex<Vec<Camera>>>,
}

impl<O: Os> Cameras<O> {
    /// The camera side for `cfg`, acting through `os` and publishing through `publisher`.
    pub fn new(
        cfg: Arc<Config>,
        os: O,
        publisher: Publisher,
        snapshot: Arc<Mutex<Vec<Camera>>>,
    ) -> Self {
        let now = os.now();
        let seed = os.seed();
        let quick_lost = cfg.discovery.scan_connect_timeout + Duration::from_secs(5);
        let validation_lost = cfg.rtsp_timeout * 4 + Duration::from_secs(5);
        Cameras {
            quick: Pacer::new(seed, QUICK_CHECKS_AT_ONCE, quick_lost),
            validations: Pacer::new(seed, VALIDATIONS_AT_ONCE, validation_lost),
            announcer: Announcer::new(cfg.clone(), publisher, now.mono),
            registry: Registry::new(registry::Settings::from_config(&cfg)),
            scheduler: Scheduler::new(scheduler::Settings::from_config(&cfg), now.mono),
            scanning: None,
            last_pass_end: None,
            networks: current_networks(&cfg, &os.interfaces()),
            dirty: false,
            save_clock: SaveClock::new(),
            last_hello_rescan: None,
            snapshot,
            os,
            cfg,
        }
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
                let changes = self.registry.restore(records, self.os.now());
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
        let now = self.os.now().mono;
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
        let now = self.os.now().mono;
        if !self.cfg.discovery.enabled {
            return now + Duration::from_secs(3600);
        }
        let (actions, next) = self.scheduler.poll(now);
        for a in actions {
            self.act(a);
        }
        self.hand_out_checks();
        self.save_state(false);
        let now = self.os.now().mono;
        let resend = self
            .announcer
            .resend_due(&self.registry, now)
            .unwrap_or(next);
        let checks = [self.quick.next(), self.validations.next()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(next);
        next.min(resend).min(checks).min(now + persist::SAVE_PERIOD)
    }

    /// The quick checks and re-validations whose time has come, within the bounds.
    fn hand_out_checks(&mut self) {
        let now = self.os.now().mono;
        let timeout = self.cfg.discovery.scan_connect_timeout;
        for j in self.quick.due(now) {
            self.os.quick_check(j.target, j.port, timeout);
        }
        let timeouts = Timeouts {
            connect: self.cfg.rtsp_timeout.min(Duration::from_secs(3)),
            phase: self.cfg.rtsp_timeout,
        };
        for v in self.validations.due(now) {
            let cred = v
                .credential_index
                .and_then(|i| self.cfg.credentials.get(i))
                .cloned();
            self.os.validate(v, cred, timeouts);
        }
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

    /// Listens for WS-Discovery Hellos between scans (thread `wsd-hello`), reported as
    /// [`Event::Hello`]. Port 3702 taken or no multicast interface: logged, and discovery
    /// goes on without it.
    pub fn listen_for_hellos(&self) {
        if self.cfg.discovery.enabled {
            self.os.listen_for_hellos(self.ifaces());
        }
    }

    /// SIGHUP: a full scan now.
    pub fn rescan(&mut self) {
        let now = self.os.now().mono;
        self.scheduler.on_rescan_request(now);
    }

    /// The up interfaces SCAN_INTERFACES allows.
    fn ifaces(&self) -> Vec<Iface> {
        net::select(&self.os.interfaces(), &self.cfg.discovery.interfaces, false)
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::FullScan { skip_known } => self.start_pass(skip_known),
            Action::QuickCheck => {
                let jobs: Vec<QuickJob> = self
                    .registry
                    .quick_check_targets()
                    .into_iter()
                    .map(|target| {
                        let port = self
                            .registry
                            .get(&target.id)
                            .and_then(Camera::primary_url)
                            .and_then(url_port)
                            .unwrap_or(554);
                        QuickJob { target, port }
                    })
                    .collect();
                let now = self.os.now().mono;
                let window = scheduler::Settings::from_config(&self.cfg).liveness_period();
                let behind = self.quick.plan(jobs, now, window);
                if behind > 0 {
                    log::info!("quick checks: {behind} from the last round still wait or run");
                }
            }
            Action::HealthTick => {
                let now = self.os.now();
                let changes = self.registry.tick(now);
                for r in self.registry.rediscoveries(&changes) {
                    self.find_mac(r.mac, r.last_ip);
                }
                self.publish(&changes);
                // Half the interval: a re-validation is answered before its next is due.
                let window = self.cfg.health_check_interval / 2;
                let due = self.registry.validations_due(now);
                self.validations.plan(due, now.mono, window);
            }
            Action::CheckNetworks => {
                let now_nets = current_networks(&self.cfg, &self.os.interfaces());
                if now_nets != self.networks {
                    log::info!("local networks changed: {:?} → {now_nets:?}", self.networks);
                    self.networks = now_nets;
                    let now = self.os.now().mono;
                    self.scheduler.on_networks_changed(now);
                }
            }
            Action::MacRefresh => {
                let ips = self.registry.known_ips();
                if !ips.is_empty() {
                    self.arp_sightings(&ips);
                }
            }
        }
    }

    /// Starts a discovery pass on its own thread unless one runs.
    fn start_pass(&mut self, skip_known: bool) {
        if self.scanning.is_some() {
            return;
        }
        let now = self.os.now();
        let mut settings =
            match engine::Settings::from_config_with(&self.cfg, &self.os.interfaces()) {
                Ok(s) => s,
                Err(e) => {
                    log::warn!("discovery not started: {e}");
                    self.scheduler.on_scan_done(self.registry.len(), now.mono);
                    return;
                }
            };
        if skip_known {
            let known = self.registry.known_ips();
            settings.hosts.retain(|h| !known.contains(h));
        }
        self.scanning = Some(now);
        self.os.start_pass(settings);
    }

    /// When the pass that started at `started` saw camera `c`: when its main stream played,
    /// else when the pass started (`now`, when no pass start is known).
    fn observed(started: Option<Now>, c: &Found, now: Now) -> Now {
        let after = Duration::from_millis(c.found_ms.unwrap_or(0));
        let start = started.unwrap_or(now);
        Now {
            mono: start.mono + after,
            wall: start.wall + after,
        }
    }

    /// Applies one event and publishes what changed.
    pub fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Pass(report) => self.pass_done(report),
            Event::Finding(f) => {
                match &f {
                    Finding::QuickCheck { id, .. } => self.quick.answered(id),
                    Finding::Validated { id, .. } => self.validations.answered(id),
                    _ => {}
                }
                let changes = self.registry.apply(f, self.os.now());
                self.publish(&changes);
            }
            Event::Early(c) => {
                let seen = Self::observed(self.scanning, &c, self.os.now());
                let changes = self
                    .registry
                    .apply(Finding::Discovered(Box::new(c.camera)), seen);
                self.publish(&changes);
            }
            Event::Hello(ip) => {
                let now = self.os.now().mono;
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

    /// A pass ended: its cameras (dated when the pass saw each), the Frigate file, the
    /// scheduler told.
    fn pass_done(&mut self, report: Box<engine::Report>) {
        let started = self.scanning.take();
        let now = self.os.now();
        self.last_pass_end = Some(now.mono);
        let mut changes = Vec::new();
        for c in &report.cameras {
            // Dated when the pass saw it: a camera that moved meanwhile keeps its new
            // address (the registry ignores the older sighting).
            let seen = Self::observed(started, c, now);
            let cam = Box::new(c.camera.clone());
            changes.extend(self.registry.apply(Finding::Discovered(cam), seen));
        }
        self.publish(&changes);
        self.scheduler.on_scan_done(self.registry.len(), now.mono);
        self.update_frigate();
        for n in &report.notes {
            log::info!("discovery: {n}");
        }
        let (found, ms) = (report.cameras.len(), report.stats.elapsed_ms);
        log::info!("discovery: where the time went: {}", report.phases());
        drop(report);
        // The pass's buffers are free now; the summary line comes after, so what reads RSS
        // when it appears sees the trimmed heap.
        let heap = self
            .os
            .trim_heap()
            .map(|b| format!("; heap in use {} KiB", b / 1024))
            .unwrap_or_default();
        log::info!(
            "discovery: {found} cameras in {:.1} s ({} known{heap})",
            ms as f64 / 1000.0,
            self.registry.len()
        );
    }

    /// Every camera offline (shutdown): the state file first (it keeps the cameras as they
    /// were), then the status events and records, then the workers are left to finish on
    /// their own (a validation may take RTSP_TIMEOUT; exit must not wait).
    pub fn shutdown(mut self) {
        self.save_state(true);
        let changes = self.registry.shutdown();
        self.publish(&changes);
        self.os.stop();
    }

    fn publish(&mut self, changes: &[Change]) {
        if changes.is_empty() {
            return;
        }
        self.dirty = true;
        let now = self.os.now();
        self.announcer.changes(&self.registry, changes, now);
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
        let Some((iface, net)) = self.ifaces().into_iter().find_map(|i| {
            let net = Cidr::new(i.ip, i.prefix).filter(|c| c.contains(last_ip))?;
            Some((i, net))
        }) else {
            return;
        };
        let hosts = scan::plan(&[net], &[iface.ip], &self.cfg.discovery.exclude).hosts;
        self.os.arp(ArpJob {
            requests: vec![(iface, hosts)],
            only: Some(mac),
            why: "rediscovery by MAC",
        });
    }

    /// MAC tracking: fresh ARP replies for `ips` (where the known cameras are), on each
    /// interface for the addresses in its network.
    fn arp_sightings(&self, ips: &[Ipv4Addr]) {
        let requests: Vec<(Iface, Vec<Ipv4Addr>)> = self
            .ifaces()
            .into_iter()
            .filter_map(|iface| {
                let net = Cidr::new(iface.ip, iface.prefix)?;
                let mine: Vec<Ipv4Addr> =
                    ips.iter().copied().filter(|i| net.contains(*i)).collect();
                (!mine.is_empty()).then_some((iface, mine))
            })
            .collect();
        self.os.arp(ArpJob {
            requests,
            only: None,
            why: "MAC tracking",
        });
    }
}

/// The networks discovery would scan now (to notice a change), from the machine's
/// interfaces `all`.
fn current_networks(cfg: &Config, all: &[Iface]) -> Vec<Cidr> {
    if !cfg.discovery.networks.is_empty() {
        return cfg.discovery.networks.clone();
    }
    let ifaces = net::select(all, &cfg.discovery.interfaces, false);
    scan::networks_of(&ifaces)
}

#[cfg(test)]
#[path = "cameras_tests.rs"]
mod tests;
